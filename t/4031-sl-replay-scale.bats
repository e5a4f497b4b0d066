#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-replay at scale (issue 12): what it costs grows with what it is asked,
# not with the log.  A complete snapshot is read as a stream, so a large
# one is planned in memory that grows with its mutations only; the issues
# of a log with many gaps are counted past the first 20 of each kind
# instead of burying stderr (--all-warnings lists every one).

bats_require_minimum_version 1.5.0
load test_helper

# bench/gen of this source tree (the binaries under test may be another's).
GEN="$BATS_TEST_DIRNAME/../build/bench/gen"

setup_file() {
	if [[ ! -x $GEN ]]; then
		make -s -C "$BATS_TEST_DIRNAME/.." build/bench/gen >&2 || return 1
	fi
}

setup() {
	ledger_setup
}

# N mutations in one namespace at positions 0, 3, 6, ...: N-1 gaps of two
# positions each; a complete snapshot of them in $SNAP.
gaps() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"type\":\"mutation\",\"source\":\"kafka:orders\",\"payload\":{\"namespace\":\"kafka/c1/orders/0\",\"position\":%d,\"id\":\"m%d\",\"sha256\":\"%064d\"}}\n", 3 * i, i, i
	}' >"$IN"
	sl-append <"$IN" >/dev/null || fail "sl-append"
	SNAP="$BATS_TEST_TMPDIR/snap.json"
	sl-snapshot --at now --complete >"$SNAP" || fail "sl-snapshot"
}

@test "21 gaps: the count line is singular for one more gap (not \"1 more gaps\")" {
	gaps 22
	run -1 --separate-stderr sl-replay plan <"$SNAP"
	assert_equal "${#stderr_lines[@]}" 22
	assert_equal "${stderr_lines[20]}" "sl-replay: gap: ... and 1 more gap (21 in all, 42 positions missing; --all-warnings lists every one)"
	assert_equal "${stderr_lines[21]}" "sl-replay: fatal: unable to make the plan: 21 gaps (--allow-gaps to go on)"
	# One gap of one position, as sl-advisory counts it, in a ledger of its own.
	export SL_LEDGER="$BATS_TEST_TMPDIR/one"
	sl-init --origin test.example/one >/dev/null || fail "sl-init"
	printf '{"type":"mutation","source":"kafka:one","payload":{"namespace":"kafka/c1/one/0","position":%d,"id":"o%d","sha256":"%064d"}}\n' 0 0 0 2 2 2 >"$IN"
	sl-append <"$IN" >/dev/null || fail "sl-append"
	sl-snapshot --at now --complete >"$SNAP" || fail "sl-snapshot"
	run -1 --separate-stderr sl-replay plan <"$SNAP"
	assert_equal "${stderr_lines[1]}" "sl-replay: fatal: unable to make the plan: 1 gap (--allow-gaps to go on)"
	run -0 --separate-stderr sl-advisory <"$SNAP"
	assert_regex "$output" '"1 gap in the mutations"'
	assert_regex "$output" 'gap in namespace kafka/c1/one/0: 1 position missing after 0, before 2'
}

@test "200 gaps in one namespace: 20 named, then one line with how many more and the positions missing" {
	gaps 201
	run -1 --separate-stderr sl-replay plan <"$SNAP"
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 22
	assert_equal "${stderr_lines[0]}" "sl-replay: gap: namespace 'kafka/c1/orders/0': positions 1 to 2 are missing (between seq 0 and seq 1)"
	assert_equal "${stderr_lines[19]}" "sl-replay: gap: namespace 'kafka/c1/orders/0': positions 58 to 59 are missing (between seq 19 and seq 20)"
	assert_equal "${stderr_lines[20]}" "sl-replay: gap: ... and 180 more gaps (200 in all, 400 positions missing; --all-warnings lists every one)"
	assert_equal "${stderr_lines[21]}" "sl-replay: fatal: unable to make the plan: 200 gaps (--allow-gaps to go on)"
	# Going on: the same 21 lines as warnings, and the whole plan.
	run -0 --separate-stderr sl-replay plan --allow-gaps <"$SNAP"
	assert_equal "$(wc -l <<<"$output")" 201
	assert_equal "${#stderr_lines[@]}" 21
	assert_equal "${stderr_lines[20]}" "sl-replay: warning: gap: ... and 180 more gaps (200 in all, 400 positions missing; --all-warnings lists every one)"
	# Every one of them when asked, the exit code as before.
	run -1 --separate-stderr sl-replay plan --all-warnings <"$SNAP"
	assert_equal "$(grep -c '^sl-replay: gap: namespace' <<<"$stderr")" 200
	assert_equal "${stderr_lines[199]}" "sl-replay: gap: namespace 'kafka/c1/orders/0': positions 598 to 599 are missing (between seq 199 and seq 200)"
	assert_equal "${#stderr_lines[@]}" 201
	run -1 --separate-stderr sl-replay exec --command true --state "$BATS_TEST_TMPDIR/st" <"$SNAP"
	assert_equal "${#stderr_lines[@]}" 22
	[[ ! -e $BATS_TEST_TMPDIR/st ]] || fail "a state file was written"
}

@test "a complete snapshot of 200,000 generated entries is planned within 96 MiB of address space" {
	if ldd "$(command -v sl-replay)" 2>/dev/null | grep -q libasan; then
		skip "AddressSanitizer reserves more address space than the limit this test sets (the plain build runs it)"
	fi
	"$GEN" 200000 2>/dev/null | sl-append >/dev/null || fail "gen | sl-append"
	SNAP="$BATS_TEST_TMPDIR/snap.json"
	sl-snapshot --at now --complete >"$SNAP" || fail "sl-snapshot"
	# The snapshot (about 76 MB) is larger than what the plan may use.
	[[ $(stat -c %s "$SNAP") -gt 60000000 ]] || fail "the snapshot is smaller than the test assumes"
	sl-replay plan --allow-gaps <"$SNAP" >"$BATS_TEST_TMPDIR/plan.unlimited" 2>/dev/null ||
		fail "sl-replay without a limit"
	# Read whole, the snapshot took 217 MB of memory and failed below 320 MiB; streamed, 45 MB.
	run -0 --separate-stderr bash -c 'ulimit -v 98304 && exec sl-replay plan --allow-gaps' <"$SNAP"
	assert_equal "$(sha256sum <<<"$output")" "$(sha256sum <"$BATS_TEST_TMPDIR/plan.unlimited")"
	assert_equal "$(wc -l <<<"$output")" "$(wc -l <"$BATS_TEST_TMPDIR/plan.unlimited")"
	# Tens of thousands of gaps, told in 21 lines.
	assert_equal "${#stderr_lines[@]}" 21
	assert_regex "${stderr_lines[20]}" '^sl-replay: warning: gap: \.\.\. and [0-9]+ more gaps \([0-9]+ in all, [0-9]+ positions missing; --all-warnings lists every one\)$'
	# Too little memory is a temporary failure (111), never a crash or bad input (24 MiB: the
	# program and its libraries, libpq among them, load, and the snapshot does not fit).
	run -111 --separate-stderr bash -c 'ulimit -v 24576 && exec sl-replay plan --allow-gaps' <"$SNAP"
	assert_equal "$stderr" "sl-replay: fatal: unable to read the snapshot: out of memory"
}
