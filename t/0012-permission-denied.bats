#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Permission denied is not "retry may help": DESIGN section 4 gives 111 to
# temporary failures, 100 to what retrying will not change.  A ledger, a
# key or a directory that the user may not write or read exits 100, with
# the reason named; the ledger is left as it was.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
	append_n 2
	# Root may write anything: the programs run as nobody (as_reader).
	open_to_reader
}

@test "sl-append to a ledger whose files may not be written: exit 100, permission named, nothing appended" {
	save_state
	chmod -R a-w "$L"
	chmod -R o+rX "$L"
	gen_entries 1 late >"$IN"
	run -100 --separate-stderr as_reader sl-append <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: fatal: unable to .*(readonly|read-only|[Pp]ermission denied)'
	chmod -R u+w "$L"
	assert_state_unchanged
}

@test "sl-init where the directory may not be written: exit 100" {
	mkdir "$BATS_TEST_TMPDIR/locked"
	chmod 555 "$BATS_TEST_TMPDIR/locked"
	run -100 --separate-stderr as_reader sl-init -L "$BATS_TEST_TMPDIR/locked/ledger" --origin test.example/x
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-init: fatal: .*[Pp]ermission denied'
}

@test "sl-keygen -o into a directory that may not be written: exit 100" {
	mkdir "$BATS_TEST_TMPDIR/locked"
	chmod 555 "$BATS_TEST_TMPDIR/locked"
	run -100 --separate-stderr as_reader sl-keygen -o "$BATS_TEST_TMPDIR/locked/k.key" --name test.example/x
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-keygen: fatal: unable to create '.*/locked/k.key': Permission denied"
}

@test "sl-checkpoint with a key file that may not be read: exit 100" {
	sl-keygen -o "$BATS_TEST_TMPDIR/k.key" >/dev/null
	chmod -R o+rwX "$L"
	run -100 --separate-stderr as_reader sl-checkpoint -k "$BATS_TEST_TMPDIR/k.key"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-checkpoint: fatal: unable to open key '.*/k.key': Permission denied"
}

@test "sl-artifact put into a ledger whose artifact store may not be written: exit 100" {
	mkdir -p "$L/artifacts"
	chmod -R a-w "$L/artifacts"
	chmod -R o+rwX "$L"
	chmod -R o-w "$L/artifacts"
	printf 'content\n' >"$BATS_TEST_TMPDIR/f"
	chmod o+r "$BATS_TEST_TMPDIR/f"
	run -100 --separate-stderr as_reader sl-artifact put "$BATS_TEST_TMPDIR/f"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-artifact: fatal: .*[Pp]ermission denied'
}
