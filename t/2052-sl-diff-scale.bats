#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Issue 12: sl-diff at a realistic size.  Before, lib/diff.c parsed the
# whole prefix once per mutation namespace: 20,000 entries took 38 s of
# CPU (22 s on a quiet machine), 1M did not finish.  Now two snapshots
# and the mutations in between: about 0.3 s here.  The CPU limit below is
# about 100 times that, so it bounds the complexity, not the speed: the
# quadratic code cannot pass it, a loaded machine or a sanitizer build
# cannot fail it.

bats_require_minimum_version 1.5.0
load test_helper

setup_file() {
	need_bench_gen
}

setup() {
	ledger_setup faketime jq
	"$SL_SRCDIR/build/bench/gen" 20000 >"$BATS_TEST_TMPDIR/in" 2>/dev/null || fail "gen failed"
	head -n 10000 "$BATS_TEST_TMPDIR/in" | faketime '2026-01-01 10:00:00' sl-append >/dev/null ||
		fail "append failed"
	tail -n 10000 "$BATS_TEST_TMPDIR/in" | faketime '2026-01-01 11:00:00' sl-append >/dev/null ||
		fail "append failed"
}

@test "sl-diff at 20,000 entries: within a CPU bound the quadratic code cannot meet, and every mutation in between listed" {
	run -0 --separate-stderr sh -c 'ulimit -t 30; exec sl-diff --from 2026-01-01T10:30:00Z --to now'
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/diff"
	# The namespaces and mutations appended in the second half, as sl-log and jq find them.
	sl-log | jq -sc '[.[] | select(.seq >= 10000 and .type == "mutation")] |
		{ns: ([.[].payload.namespace] | unique), n: length}' >"$BATS_TEST_TMPDIR/want"
	jq -sc '[.[] | select(.change == "mutations")] |
		{ns: ([.[].namespace] | unique), n: ([.[].count] | add)}' "$BATS_TEST_TMPDIR/diff" >"$BATS_TEST_TMPDIR/got"
	cmp "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/want" || fail "$(cat "$BATS_TEST_TMPDIR/got") != $(cat "$BATS_TEST_TMPDIR/want")"
	# Each applied list is the count long, in seq order.
	assert_equal "$(jq -s '[.[] | select(.change == "mutations") | select((.applied | length) != .count or
		(.applied | map(.seq)) != (.applied | map(.seq) | sort))] | length' "$BATS_TEST_TMPDIR/diff")" 0
}
