#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The ledger address (DESIGN §2): the backend is chosen by the address
# alone (lib/store.c).  A directory is the SQLite ledger; a PostgreSQL URI
# names a backend this build does not have yet, which every program says
# plainly (exit 2) without ever printing the URI's password.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	sl_setup
	init_ledger
	ZERO=0000000000000000000000000000000000000000000000000000000000000000
}

# every_program ADDRESS: each program that opens a ledger, given ADDRESS with -L.
every_program() {
	local a=$1
	run -2 --separate-stderr sl-init -L "$a"
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
	echo "$output" >>"$BATS_TEST_TMPDIR/err"
	run -2 --separate-stderr sl-log -L "$a"
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
	run -2 --separate-stderr sl-verify -L "$a"
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
	run -2 --separate-stderr sl-snapshot -L "$a" --at now
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
	run -2 --separate-stderr sl-append -L "$a" <<<'{"type":"x-a","source":"s","payload":{}}'
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
	run -2 --separate-stderr sl-artifact -L "$a" has "$ZERO"
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
	run -2 --separate-stderr sl-capture-config --store -L "$a" "$BATS_TEST_TMPDIR/err"
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
}

@test "a PostgreSQL address is refused with exit 2 by every program, naming the missing backend" {
	every_program 'postgresql://app:Hunter2secret@db.example:5432/ledger?sslmode=require'
	run -0 grep -c "this build has no PostgreSQL backend" "$BATS_TEST_TMPDIR/err"
	assert_output 7
	run -2 --separate-stderr env SL_LEDGER='postgres://app@db.example/ledger' sl-log
	assert_equal "$stderr" "sl-log: usage: unable to open ledger 'postgres://app@db.example/ledger': this build has no PostgreSQL backend: the ledger address must be a directory"
}

@test "the password of a PostgreSQL address is never printed, in the user part or as a parameter" {
	every_program 'postgresql://app:Hunter2secret@db.example/ledger'
	every_program 'postgres://db.example/ledger?user=app&password=Hunter2secret&sslmode=require'
	run -0 cat "$BATS_TEST_TMPDIR/err"
	refute_output --partial Hunter2secret
	assert_output --partial "postgresql://app:***@db.example/ledger"
	assert_output --partial "postgres://db.example/ledger?user=app&password=***&sslmode=require"
	run -2 --separate-stderr env SL_LEDGER='postgres://app:Hunter2secret@h/db' sl-append <<<'{"type":"x-a","source":"s","payload":{}}'
	refute_output --partial Hunter2secret
	[[ $stderr != *Hunter2secret* ]] || fail "the password was printed: $stderr"
}

@test "a directory address is the SQLite ledger, as before" {
	run -0 sl-append <<<'{"type":"x-a","source":"s","payload":{}}'
	run -0 sl-verify
	run -0 jq -r .ledger <<<"$(sl-init -L "$BATS_TEST_TMPDIR/second")"
	assert_output "$BATS_TEST_TMPDIR/second"
}
