#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Crash safety: sl-append killed with SIGKILL at random moments (t/crash.sh)
# never loses an entry it acknowledged, never leaves a partial entry or a
# torn tree, and the next sl-append works; the same for sl-httpd killed
# during POSTs (t/crash.sh ... httpd).  $SL_CRASH_TRIALS trials here
# (default 20); `make stress` runs 200.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	sl_setup
	require_cmd perl
}

@test "kill -9 of sl-append at random moments: every receipt kept, ledger verifies, next append works" {
	local n=${SL_CRASH_TRIALS:-20}
	run -0 --separate-stderr "$SL_SRCDIR/t/crash.sh" "$n" "$BATS_TEST_TMPDIR/crash"
	echo "# $output" >&3
	assert_equal "$stderr" ""
	assert_regex "$output" "^crash.sh: $n trials: [0-9]+ killed .* all kept; .*\"verified\":true"
	# The kills must really land while sl-append runs, or the test proves nothing.
	[[ $output =~ :\ ([0-9]+)\ killed ]] && ((BASH_REMATCH[1] > 0)) ||
		fail "no trial was killed while sl-append ran"
}

@test "kill -9 of sl-httpd during POSTs: every receipt answered kept, ledger verifies, a restarted server takes the next POST" {
	require_cmd curl ss
	local n=${SL_CRASH_TRIALS:-20}
	run -0 --separate-stderr "$SL_SRCDIR/t/crash.sh" "$n" "$BATS_TEST_TMPDIR/crash" httpd
	echo "# $output" >&3
	assert_equal "$stderr" ""
	assert_regex "$output" "^crash.sh: $n trials: sl-httpd killed during POSTs: [0-9]+ killed .* all kept; .*\"verified\":true"
	[[ $output =~ :\ ([0-9]+)\ killed ]] && ((BASH_REMATCH[1] > 0)) ||
		fail "no trial was killed while the POSTs ran"
}
