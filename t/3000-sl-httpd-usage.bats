#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-httpd's command line: help, version, usage errors, a missing ledger.

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

setup() {
	sl_setup
}

teardown() {
	httpd_teardown
}

@test "sl-httpd -h prints the usage to stdout and exits 0" {
	run -0 --separate-stderr sl-httpd -h
	assert_line --index 0 'usage: sl-httpd [-L ADDRESS] [-l ADDR:PORT] [-w N] [-m epoll|pool|thread] [-t N]'
	assert_equal "$stderr" ""
	run -0 sl-httpd --version
	assert_output --regexp '^sl-httpd [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "bad options and values are usage errors (exit 2) naming the usage" {
	local args
	for args in "--nope" "-w 0" "-w 257" "-m fast" "-t 0" "--max-body 0" "--max-header 10" \
		"--timeout 0" "extra" "-l nocolon" "-l 127.0.0.1:"; do
		# shellcheck disable=SC2086
		run -2 --separate-stderr sl-httpd -L "$L" $args
		assert_output ""
		assert_equal "${stderr%%:*}" "sl-httpd"
	done
	run -2 --separate-stderr sl-httpd -L "$L" -l 999.1.1.1:80
	assert_equal "$stderr" "sl-httpd: usage: unable to use address '999.1.1.1:80': Name or service not known"
	SL_BUSY_TIMEOUT=soon run -2 --separate-stderr sl-httpd -l 127.0.0.1:0
	assert_equal "$stderr" "sl-httpd: usage: unable to use SL_BUSY_TIMEOUT 'soon': not milliseconds"
}

@test "a missing ledger is 100, an address in use 111, before serving anything" {
	run -100 --separate-stderr sl-httpd -L "$BATS_TEST_TMPDIR/none" -l 127.0.0.1:0
	assert_output ""
	assert_regex "$stderr" "^sl-httpd: fatal: unable to open ledger '$BATS_TEST_TMPDIR/none': "
	init_ledger
	httpd_start -w 1
	run -111 --separate-stderr sl-httpd -L "$L" -l "127.0.0.1:$PORT"
	assert_equal "$stderr" "sl-httpd: fatal: unable to listen on '127.0.0.1:$PORT': Address already in use"
}
