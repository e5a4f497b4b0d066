#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-copy between backends, against a real PostgreSQL server started for
# this file (t/pg.bash): a directory ledger to PostgreSQL, PostgreSQL back to
# a directory and to another database, every root compared; only what is
# new on a second run; a PostgreSQL destination that disagrees stops it,
# naming the seq, with nothing written; artifacts travel through the
# database.

bats_require_minimum_version 1.5.0
load test_helper
load pg

setup_file() {
	need_bench_gen
	pg_file_setup
}

teardown_file() {
	pg_file_teardown
}

# gen_append N ADDRESS: N entries from bench/gen appended to ADDRESS (a missing gen fails).
gen_append() {
	"$SL_SRCDIR/build/bench/gen" "$1" >"$BATS_TEST_TMPDIR/gen.ndjson" 2>/dev/null || fail "bench/gen $1"
	sl-append -L "$2" <"$BATS_TEST_TMPDIR/gen.ndjson" >/dev/null || fail "sl-append"
}

setup() {
	sl_setup
	require_cmd jq
	P=$(pg_new_db "c$BATS_TEST_NUMBER") || fail "unable to create a database"
	L=$BATS_TEST_TMPDIR/src
	run -0 sl-init -L "$L" --origin test.example/log
	gen_append 700 "$L"
	printf 'listen 8080;\n' >"$BATS_TEST_TMPDIR/conf"
	ART=$(sl-artifact put -L "$L" "$BATS_TEST_TMPDIR/conf" | head -1) || fail "artifact"
	run -0 sl-keygen -L "$L" --type ed25519
	run -0 sl-checkpoint -L "$L"
	gen_append 300 "$L"
	run -0 sl-checkpoint -L "$L"
}

@test "a directory ledger to PostgreSQL and back, and PostgreSQL to PostgreSQL: the same roots, entries and artifacts" {
	local back=$BATS_TEST_TMPDIR/back p2
	run -0 --separate-stderr sl-copy "$L" "$P"
	assert_equal "$(jq -r .copied <<<"$output")" 1000
	assert_equal "$(jq -r .checkpoints_copied <<<"$output")" 2
	assert_equal "$(jq -r .artifacts_copied <<<"$output")" 1
	run -0 sl-verify -L "$P"
	# The root at each checkpoint and at the head, read from each ledger's own tree.
	assert_equal "$(sl-prove head -L "$P" | jq -r .root)" "$(sl-prove head -L "$L" | jq -r .root)"
	assert_equal "$(sl-log -L "$P" | sha256sum)" "$(sl-log -L "$L" | sha256sum)"
	assert_equal "$(sl-checkpoint latest -L "$P")" "$(sl-checkpoint latest -L "$L")"
	assert_equal "$(sl-artifact get -L "$P" "$ART")" 'listen 8080;'

	run -0 --separate-stderr sl-copy "$P" "$back"
	assert_equal "$(jq -r .copied <<<"$output")" 1000
	run -0 sl-verify -L "$back"
	assert_equal "$(sl-log -L "$back" | sha256sum)" "$(sl-log -L "$L" | sha256sum)"
	assert_equal "$(sl-artifact get -L "$back" "$ART")" 'listen 8080;'

	p2=$(pg_new_db "d$BATS_TEST_NUMBER")
	run -0 --separate-stderr sl-copy "$P" "$p2"
	assert_equal "$(jq -r .root <<<"$output")" "$(sl-prove head -L "$L" | jq -r .root)"
	run -0 sl-verify -L "$p2"
	assert_equal "$(sl-log -L "$p2" | sha256sum)" "$(sl-log -L "$L" | sha256sum)"
}

@test "a second copy into PostgreSQL takes only what is new; nothing new writes nothing" {
	run -0 sl-copy "$L" "$P"
	gen_append 50 "$L"
	run -0 --separate-stderr sl-copy "$L" "$P"
	assert_equal "$(jq -r .from <<<"$output")" 1000
	assert_equal "$(jq -r .copied <<<"$output")" 50
	run -0 --separate-stderr sl-copy "$L" "$P"
	assert_equal "$(jq -r .copied <<<"$output")" 0
	assert_equal "$(sl-log -L "$P" | sha256sum)" "$(sl-log -L "$L" | sha256sum)"
}

@test "a PostgreSQL destination edited behind its back: exit 1 naming the seq, nothing written" {
	run -0 sl-copy "$L" "$P"
	gen_append 20 "$L"
	"$SL_SRCDIR/t/tamper" "$P" entry-set 321 ts '2020-01-01T00:00:00.000000Z' || fail "tamper"
	run -1 --separate-stderr sl-copy "$L" "$P"
	assert_regex "$stderr" "seq 321"
	assert_equal "$(sl-prove head -L "$P" | jq -r .size)" 1000
}

@test "from PostgreSQL to a directory destination that disagrees: exit 1 naming the seq" {
	local back=$BATS_TEST_TMPDIR/back
	run -0 sl-copy "$L" "$P"
	run -0 sl-copy "$P" "$back"
	"$SL_SRCDIR/t/tamper" "$back" entry-set 17 ts '2020-01-01T00:00:00.000000Z' || fail "tamper"
	run -1 --separate-stderr sl-copy "$P" "$back"
	assert_regex "$stderr" "seq 17"
}
