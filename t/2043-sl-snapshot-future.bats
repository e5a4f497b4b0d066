#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A time later than now (--at 2099-01-01) is answered, with a warning on
# stderr: the ledger cannot yet say what is true then.  Times in the past
# and "now" give no warning.  The same helper (cmd/util.c's sl_time_arg)
# parses every time option: sl-snapshot, sl-diff, sl-log, sl-replay.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
	append_n 2
}

WARN_RE='is in the future: the answer is the ledger as it is now, and may change as entries are appended'

@test "sl-snapshot --at 2099-01-01 warns that T is in the future, and answers with the whole ledger" {
	run -0 --separate-stderr sl-snapshot --at 2099-01-01
	assert_equal "$stderr" "sl-snapshot: warning: --at 2099-01-01 (2099-01-01T00:00:00.000000Z) $WARN_RE"
	assert_equal "$(jq .size <<<"$output")" 2
}

@test "sl-snapshot --at now, or a time in the past: no warning" {
	run -0 --separate-stderr sl-snapshot --at now
	assert_equal "$stderr" ""
	run -0 --separate-stderr sl-snapshot --at 2001-01-01T00:00:00Z
	assert_equal "$stderr" ""
	run -0 --separate-stderr sl-snapshot --at "$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%SZ)"
	assert_equal "$stderr" ""
}

@test "sl-diff, sl-log and sl-replay warn the same way" {
	run -0 --separate-stderr sl-diff --from 2001-01-01 --to 2099-01-01
	assert_regex "$stderr" "^sl-diff: warning: --to 2099-01-01 \\(2099-01-01T00:00:00.000000Z\\) $WARN_RE\$"
	run -0 --separate-stderr sl-log --until @4102444800
	assert_regex "$stderr" "^sl-log: warning: --until @4102444800 \\(2100-01-01T00:00:00.000000Z\\) $WARN_RE\$"
	assert_equal "${#lines[@]}" 2
	run -0 --separate-stderr sl-log --since 2099-01-01
	assert_regex "$stderr" "^sl-log: warning: --since 2099-01-01 "
	assert_equal "$output" ""
	run -0 --separate-stderr sl-replay plan --from 2001-01-01 --to 2099-01-01
	assert_regex "$stderr" "^sl-replay: warning: --to 2099-01-01 "
}
