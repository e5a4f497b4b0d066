#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A ledger.db made by someone else (an auditor opening an operator's copy)
# is opened defensively: a damaged or hostile file makes every reading
# program exit 100 with a message, never crash, hang or answer.  Each file
# is made by hand from a real ledger: truncated, random bytes behind an
# SQLite header, an added trigger, `entries` replaced by a view, a page
# size in the header that is not the file's.  A test of the SQLite
# backend's own file: its SQL is SQLite's, run through t/tamper's sql.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
	# Enough entries to fill many pages (about 60 KB of entries).
	append_n 200 host
	GOOD="$BATS_TEST_TMPDIR/good.db"
	sql "VACUUM INTO '$GOOD'" || fail "unable to copy the ledger"
	H="$BATS_TEST_TMPDIR/hostile"
}

# hostile: a ledger directory $H whose ledger.db is a copy of the good one,
# to be damaged by the test.
hostile() {
	rm -rf "$H"
	mkdir -p "$H/artifacts" "$H/keys"
	cp "$GOOD" "$H/ledger.db"
}

# every_reader_refuses REGEX: each reading program exits 100, prints nothing
# on stdout, and one line on stderr matching "sl-NAME: fatal: .*REGEX".
every_reader_refuses() {
	local argv prog
	local -a cmds=(
		"sl-get 0"
		"sl-get 150"
		"sl-log"
		"sl-log --source host7"
		"sl-verify"
		"sl-prove --head"
		"sl-prove --seq 3"
		"sl-snapshot --at now"
		"sl-diff --from 2000-01-01 --to now"
	)
	for argv in "${cmds[@]}"; do
		prog=${argv%% *}
		# shellcheck disable=SC2086 # the words of argv are the arguments
		run --separate-stderr $prog -L "$H" ${argv#"$prog"}
		[[ $status -eq 100 ]] || fail "$argv: exit $status, not 100; stderr: $stderr; stdout: ${output:0:200}"
		if [[ $prog != sl-verify ]]; then
			assert_equal "$output" ""
		fi
		assert_regex "$stderr" "^$prog: fatal: .*$1"
	done
}

@test "the untouched copy reads (the files below differ from it only as each test says)" {
	hostile
	run -0 --separate-stderr sl-verify -L "$H"
	run -0 --separate-stderr sl-get -L "$H" 150
	assert_equal "$(jq -r .source <<<"$output")" host150
}

@test "a truncated ledger.db: every reader exits 100" {
	hostile
	truncate -s $(($(stat -c %s "$H/ledger.db") / 2)) "$H/ledger.db"
	every_reader_refuses 'malformed|corrupt|not a database'
}

@test "random bytes behind an SQLite header: every reader exits 100" {
	hostile
	{
		printf 'SQLite format 3\0'
		head -c 65520 /dev/urandom
	} >"$H/ledger.db"
	every_reader_refuses '.'
}

@test "a ledger.db with a trigger added: refused as not a ledger's schema" {
	hostile
	"$SL_SRCDIR/t/tamper" "$H" sql "CREATE TRIGGER t AFTER INSERT ON entries BEGIN DELETE FROM entries; END" ||
		fail "unable to add a trigger"
	every_reader_refuses "schema is not a ledger's"
}

@test "a ledger.db whose entries table is a view: refused as not a ledger's schema" {
	hostile
	"$SL_SRCDIR/t/tamper" "$H" sql "ALTER TABLE entries RENAME TO real_entries;
		CREATE VIEW entries AS SELECT * FROM real_entries WHERE seq != 3" ||
		fail "unable to make entries a view"
	every_reader_refuses "schema is not a ledger's"
}

@test "a ledger.db with an index of someone else's: refused as not a ledger's schema" {
	hostile
	"$SL_SRCDIR/t/tamper" "$H" sql "CREATE INDEX evil ON entries(source)" || fail "unable to add an index"
	every_reader_refuses "schema is not a ledger's"
}

@test "a page size in the header that is not the file's (65536 on 4096-byte pages): every reader exits 100" {
	hostile
	assert_equal "$("$SL_SRCDIR/t/tamper" "$H" sql 'PRAGMA page_size')" 4096
	# Bytes 16-17: the page size, big-endian; 1 means 65536.
	printf '\000\001' | dd of="$H/ledger.db" bs=1 seek=16 conv=notrunc status=none
	every_reader_refuses '.'
}

@test "ANALYZE's statistics tables are not a change of schema" {
	hostile
	"$SL_SRCDIR/t/tamper" "$H" sql "ANALYZE" || fail "ANALYZE failed"
	[[ -n $("$SL_SRCDIR/t/tamper" "$H" sql "SELECT name FROM sqlite_schema WHERE name = 'sqlite_stat1'") ]] ||
		fail "no sqlite_stat1 table"
	run -0 --separate-stderr sl-verify -L "$H"
	run -0 --separate-stderr sl-log -L "$H" --source host7
	assert_equal "$(jq -r .source <<<"$output")" host7
}

@test "a streams index that answers out of order (found by t/fuzz/f-db.c): sl-snapshot exits 100, does not loop" {
	require_cmd timeout
	hostile
	cp "$BATS_TEST_DIRNAME/fuzz/corpus/db/streams-index-out-of-order.db" "$H/ledger.db"
	run -100 --separate-stderr timeout 20 sl-snapshot -L "$H" --at now
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-snapshot: fatal: .*the index of sources is out of order"
	run -100 --separate-stderr timeout 20 sl-diff -L "$H" --from 2000-01-01 --to now
}
