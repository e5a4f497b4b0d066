#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-verify: an untouched ledger verifies; every change made behind the
# ledger's back (through the sqlite3 shell) is found, and the first entry
# it affects is named on stdout ("seq":N) and on stderr.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	sl_setup
	require_cmd jq sqlite3
	init_ledger
	# 20 entries: the payload's host is "web-1", the source does not say it.
	local i
	for i in $(seq 0 19); do
		printf '{"type":"config","source":"config:app:/etc/app/%d.conf","payload":{"path":"/etc/app/%d.conf","sha256":"%s","host":"web-1"}}\n' \
			"$i" "$i" "$H64"
	done >"$IN"
	append_file "$IN"
}

# expect_bad SEQ: sl-verify exits 1, stdout is {"verified":false,"seq":SEQ,
# "error":...}, stderr is the same message naming seq SEQ.
expect_bad() {
	run -1 --separate-stderr sl-verify
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -c '[.verified, .seq]' <<<"$output")" "[false,$1]"
	assert_regex "$output" "^\\{\"verified\":false,\"seq\":$1,\"error\":\".+\"\\}\$"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^sl-verify: .*seq $1[^0-9]"
	assert_equal "$stderr" "sl-verify: $(jq -r .error <<<"$output")"
}

# expect_bad_head: sl-verify exits 1 and says so without naming an entry.
expect_bad_head() {
	run -1 --separate-stderr sl-verify
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -c .verified <<<"$output")" false
	assert_regex "$stderr" '^sl-verify: .+'
}

@test "an untouched ledger verifies: {\"verified\":true,\"size\":20,\"root\":...}" {
	local root
	root=$(root_at 20)
	run -0 --separate-stderr sl-verify
	assert_equal "$output" "{\"verified\":true,\"size\":20,\"root\":\"$root\"}"
	assert_equal "$stderr" ""
}

@test "sl-verify -q on an untouched ledger prints nothing and exits 0" {
	run -0 --separate-stderr sl-verify -q
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	run -0 --separate-stderr sl-verify --quiet
	assert_equal "$output" ""
}

@test "sl-verify -q on a tampered ledger prints nothing on stdout and exits 1" {
	sql "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), 'web-1', 'web-2') AS BLOB) WHERE seq = 7"
	run -1 --separate-stderr sl-verify -q
	assert_equal "$output" ""
}

@test "the tampering below is seen by SQL: the sqlite3 shell really changes the ledger" {
	local before
	before=$(sql "SELECT hex(entry) FROM entries WHERE seq = 7")
	sql "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), 'web-1', 'web-2') AS BLOB) WHERE seq = 7"
	assert_not_equal "$(sql "SELECT hex(entry) FROM entries WHERE seq = 7")" "$before"
	assert_equal "$(sql "SELECT CAST(entry AS TEXT) FROM entries WHERE seq = 7" | jq -r .payload.host)" web-2
	# A reader refuses the changed bytes rather than serve them.
	run -100 --separate-stderr sl-get 7
	assert_equal "$output" ""
	assert_regex "$stderr" 'seq 7: stored entry does not match its leaf hash$'
}

@test "tamper: one payload byte of entry 7 changed -> seq 7" {
	sql "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), 'web-1', 'web-2') AS BLOB) WHERE seq = 7"
	expect_bad 7
}

@test "tamper: the first entry's payload changed -> seq 0" {
	sql "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), 'web-1', 'web-9') AS BLOB) WHERE seq = 0"
	expect_bad 0
}

@test "tamper: the last entry's payload changed -> seq 19" {
	sql "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), 'web-1', 'web-9') AS BLOB) WHERE seq = 19"
	expect_bad 19
}

@test "tamper: ts changed in the ts column only -> seq 9" {
	sql "UPDATE entries SET ts = '2099-01-01T00:00:00.000000Z' WHERE seq = 9"
	expect_bad 9
}

@test "tamper: ts changed in the entry bytes only -> seq 9" {
	sql "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), '\"ts\":\"2', '\"ts\":\"1') AS BLOB) WHERE seq = 9"
	assert_regex "$(sql "SELECT CAST(entry AS TEXT) FROM entries WHERE seq = 9")" '"ts":"1'
	expect_bad 9
}

@test "tamper: ts changed in both the column and the bytes (consistently) -> seq 9" {
	local old new
	old=$(sql "SELECT ts FROM entries WHERE seq = 9")
	new="${old:0:20}999999Z"
	[[ $new != "$old" ]] || new="${old:0:20}999998Z"
	sql "UPDATE entries SET ts = '$new', entry = CAST(replace(CAST(entry AS TEXT), '$old', '$new') AS BLOB) WHERE seq = 9"
	expect_bad 9
}

@test "tamper: the source column changed -> seq 4" {
	sql "UPDATE entries SET source = 'config:app:/etc/evil.conf' WHERE seq = 4"
	expect_bad 4
}

@test "tamper: the type column changed -> seq 4" {
	sql "UPDATE entries SET type = 'x-other' WHERE seq = 4"
	expect_bad 4
}

@test "tamper: entry 5 deleted -> seq 5" {
	sql "DELETE FROM entries WHERE seq = 5"
	expect_bad 5
}

@test "tamper: entries 3 and 4 swapped -> seq 3" {
	sql "CREATE TEMP TABLE t AS SELECT seq, entry, leaf FROM entries WHERE seq IN (3, 4);
	     UPDATE entries SET entry = (SELECT entry FROM t WHERE t.seq = 7 - entries.seq) WHERE seq IN (3, 4);"
	assert_equal "$(sql "SELECT CAST(entry AS TEXT) FROM entries WHERE seq = 3" | jq .seq)" 4
	expect_bad 3
}

@test "tamper: entries 3 and 4 swapped with their leaf hashes -> seq 3" {
	sql "CREATE TEMP TABLE t AS SELECT seq, entry, leaf FROM entries WHERE seq IN (3, 4);
	     UPDATE entries SET entry = (SELECT entry FROM t WHERE t.seq = 7 - entries.seq),
	                        leaf = (SELECT leaf FROM t WHERE t.seq = 7 - entries.seq) WHERE seq IN (3, 4);"
	expect_bad 3
}

@test "tamper: a stored interior node (the level-3 node over seq 0..7) changed -> seq 7" {
	# That node's hash is the root of the tree of the first 8 entries.
	local r8
	r8=$(root_at 8)
	assert_equal "$(sql "SELECT count(*) FROM nodes WHERE hash = x'$r8'")" 1
	sql "UPDATE nodes SET hash = zeroblob(32) WHERE hash = x'$r8'"
	expect_bad 7
}

@test "tamper: a stored level-1 node (over seq 0..1) changed -> seq 1" {
	local r2
	r2=$(root_at 2)
	assert_equal "$(sql "SELECT count(*) FROM nodes WHERE hash = x'$r2'")" 1
	sql "UPDATE nodes SET hash = randomblob(32) WHERE hash = x'$r2'"
	expect_bad 1
}

@test "tamper: the stored level-2 node over seq 16..19 changed -> seq 19" {
	local pos
	pos=$(sql "SELECT max(pos) FROM nodes")
	sql "UPDATE nodes SET hash = zeroblob(32) WHERE pos = $pos"
	expect_bad 19
}

@test "tamper: a stored interior node deleted -> seq 7" {
	local r8
	r8=$(root_at 8)
	sql "DELETE FROM nodes WHERE hash = x'$r8'"
	expect_bad 7
}

@test "tamper: a stored interior node cut to 31 bytes -> seq 7" {
	local r8
	r8=$(root_at 8)
	sql "UPDATE nodes SET hash = substr(hash, 1, 31) WHERE hash = x'$r8'"
	expect_bad 7
}

@test "tamper: an extra interior node beyond the tree -> exit 1" {
	sql "INSERT INTO nodes(pos, hash) VALUES ((SELECT max(pos) FROM nodes) + 100, zeroblob(32))"
	expect_bad_head
}

@test "tamper: a stored leaf hash changed -> seq 11" {
	sql "UPDATE entries SET leaf = zeroblob(32) WHERE seq = 11"
	expect_bad 11
}

# The last leaf is a level-0 node no stored interior node covers when the size
# is odd, and the newest node's only witness when it is even: only the direct
# comparison of the stored leaf catches it, so both sizes are tried.
@test "tamper: the last entry's stored leaf hash changed, even size 20 -> seq 19" {
	sql "UPDATE entries SET leaf = zeroblob(32) WHERE seq = 19"
	expect_bad 19
}

@test "tamper: the last entry's stored leaf hash changed, odd size 21 -> seq 20" {
	printf '{"type":"config","source":"config:app:/etc/app/x.conf","payload":{"path":"/etc/app/x.conf","sha256":"%s"}}\n' "$H64" >"$IN"
	append_file "$IN"
	run -0 sl-verify -q
	sql "UPDATE entries SET leaf = zeroblob(32) WHERE seq = 20"
	expect_bad 20
}

@test "tamper: the last entry's stored leaf replaced by its neighbour's -> seq 19" {
	sql "UPDATE entries SET leaf = (SELECT leaf FROM entries WHERE seq = 18) WHERE seq = 19"
	expect_bad 19
}

@test "tamper: the last 3 entries truncated -> seq 17" {
	sql "DELETE FROM entries WHERE seq >= 17"
	expect_bad 17
}

@test "tamper: the last 3 entries and their nodes truncated, head left -> seq 17" {
	local r16
	r16=$(root_at 16)
	sql "DELETE FROM entries WHERE seq >= 17;
	     DELETE FROM nodes WHERE pos > (SELECT pos FROM nodes WHERE hash = x'$r16')"
	expect_bad 17
}

@test "tamper: an entry added after the head -> seq 20" {
	sql "INSERT INTO entries SELECT 20, ts, type, source, entry, leaf, stream, prev, nth FROM entries WHERE seq = 19"
	expect_bad 20
}

@test "tamper: the head's size lowered to 19 -> seq 19" {
	sql "UPDATE head SET size = 19"
	expect_bad 19
}

@test "tamper: the head's root changed -> exit 1" {
	sql "UPDATE head SET root = zeroblob(32)"
	expect_bad_head
	assert_regex "$(jq -r .error <<<"$output")" 'root'
}

@test "tamper: the head's root replaced by an older root -> exit 1" {
	local r19
	r19=$(root_at 19)
	sql "UPDATE head SET root = x'$r19'"
	expect_bad_head
}

@test "tamper: the head's ts changed -> exit 1" {
	sql "UPDATE head SET ts = '2099-01-01T00:00:00.000000Z'"
	expect_bad_head
}

@test "a rebuilt, consistent-looking ledger with one changed entry still fails (leaf hash recomputed)" {
	# Change entry 7's payload and its stored leaf hash to match; the stored
	# nodes above it now disagree.
	sql "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), 'web-1', 'web-2') AS BLOB) WHERE seq = 7"
	local leaf
	leaf=$(leaf_hash_of 7)
	sql "UPDATE entries SET leaf = x'$leaf' WHERE seq = 7"
	expect_bad 7
}

# The stream index (lib/store-sqlite.c): each entry's stream, the link to the
# previous entry of its source and its number within the source.  sl-snapshot
# trusts them, so sl-verify checks them.  Entries 20..25 repeat sources 2 and 3.
more_of_sources_2_and_3() {
	local i
	for i in 2 3 2 3 2 2; do
		printf '{"type":"config","source":"config:app:/etc/app/%d.conf","payload":{"path":"/etc/app/%d.conf","sha256":"%s","host":"web-2"}}\n' \
			"$i" "$i" "$H64"
	done >"$IN"
	append_file "$IN"
	run -0 sl-verify -q
}

@test "stream index: an untouched ledger with repeated sources verifies, and records the links" {
	more_of_sources_2_and_3
	run -0 sqlite3 "$SL_LEDGER/ledger.db" "SELECT seq || ':' || ifnull(prev, '-') || ':' || nth FROM entries WHERE seq IN (2, 20, 22, 25) ORDER BY seq"
	assert_equal "$(tr '\n' ' ' <<<"$output")" "2:-:0 20:2:1 22:20:2 25:24:4 "
}

@test "tamper: an entry's link to the previous entry of its source changed -> seq 22" {
	more_of_sources_2_and_3
	sql "UPDATE entries SET prev = 2 WHERE seq = 22"
	expect_bad 22
	assert_regex "$stderr" "link to the previous entry of its source is wrong"
}

@test "tamper: an entry's number within its source changed -> seq 24" {
	more_of_sources_2_and_3
	sql "UPDATE entries SET nth = 16 WHERE seq = 24"
	expect_bad 24
	assert_regex "$stderr" "counted as number 16"
}

@test "tamper: an entry moved to another stream -> seq 21" {
	more_of_sources_2_and_3
	sql "UPDATE entries SET stream = 3 WHERE seq = 21"
	expect_bad 21
	assert_regex "$stderr" "stream 3 is another type or source"
}

@test "tamper: a stream's newest seq changed -> exit 1 naming the source" {
	more_of_sources_2_and_3
	sql "UPDATE streams SET last = 22 WHERE source = 'config:app:/etc/app/2.conf'"
	expect_bad_head
	assert_regex "$stderr" "/etc/app/2.conf' records 5 entries up to seq 22; the entries say 5 up to seq 25"
}

@test "tamper: a stream's count changed -> exit 1" {
	more_of_sources_2_and_3
	sql "UPDATE streams SET count = 4 WHERE source = 'config:app:/etc/app/3.conf'"
	expect_bad_head
	assert_regex "$stderr" "stream index: "
}

@test "tamper: a stream row deleted -> exit 1" {
	more_of_sources_2_and_3
	sql "DELETE FROM streams WHERE source = 'config:app:/etc/app/5.conf'"
	expect_bad_head
	assert_regex "$stderr" "stream index: "
}

@test "sl-verify with a missing ledger exits 100" {
	run -100 --separate-stderr sl-verify -L "$BATS_TEST_TMPDIR/nope"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-verify: fatal: unable to open ledger '$BATS_TEST_TMPDIR/nope': .*sl-init"
}

@test "sl-verify usage: extra argument, unknown option (exit 2); -h, --version (exit 0)" {
	run -2 --separate-stderr sl-verify extra
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-verify: usage: '
	run -2 --separate-stderr sl-verify --bogus
	assert_regex "$stderr" '(^|'$'\n'')sl-verify: usage: '
	run -0 --separate-stderr sl-verify -h
	assert_line --index 0 --regexp '^usage: sl-verify '
	assert_equal "$stderr" ""
	run -0 --separate-stderr sl-verify --version
	assert_regex "$output" '^sl-verify [0-9]+\.[0-9]+\.[0-9]+'
}
