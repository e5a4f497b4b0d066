#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Load with concurrency (t/load.sh): 8 sl-append writers and 4 readers
# (sl-log, sl-verify, sl-snapshot, sl-prove), and GETs through a read-only
# sl-httpd, on one ledger for
# $SL_LOAD_SECONDS seconds (default 30): no run fails (a busy ledger is
# waited for), no entry is lost or duplicated, every receipt is kept, and
# sl-verify accepts the ledger afterwards.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	sl_setup
	require_cmd perl jq curl ss
}

@test "8 writers and 4 readers at once: no failure, every entry once, every receipt kept, verified" {
	local s=${SL_LOAD_SECONDS:-30}
	run -0 --separate-stderr "$SL_SRCDIR/t/load.sh" "$s" "$BATS_TEST_TMPDIR/load"
	echo "# $output" >&3
	assert_equal "$stderr" ""
	assert_regex "$output" "^load.sh: ${s}s, 8 writers \\([1-9][0-9]* sl-append runs, [1-9][0-9]* entries.* sl-httpd GET [1-9][0-9]* runs, none failed; final \\{\"verified\":true"
}
