#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The ledger address (DESIGN §2): the backend is chosen by the address
# alone (lib/store.c).  A directory is the SQLite ledger; a PostgreSQL URI
# the PostgreSQL one (lib/store-pg.c; t/0013-postgres.bats runs it against a
# real server).  Here the servers named do not exist: every program says it
# cannot connect (exit 111), or that libpq cannot read the URI (exit 2),
# without ever printing the URI's password.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup
	ZERO=0000000000000000000000000000000000000000000000000000000000000000
}

# every_program ADDRESS: each program that opens a ledger, given ADDRESS with -L.
# (the exit codes to $BATS_TEST_TMPDIR/codes, one a line).
every_program() {
	local a=$1
	run --separate-stderr sl-init -L "$a"
	echo "$status" >>"$BATS_TEST_TMPDIR/codes"
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
	echo "$output" >>"$BATS_TEST_TMPDIR/err"
	run --separate-stderr sl-log -L "$a"
	echo "$status" >>"$BATS_TEST_TMPDIR/codes"
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
	run --separate-stderr sl-verify -L "$a"
	echo "$status" >>"$BATS_TEST_TMPDIR/codes"
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
	run --separate-stderr sl-snapshot -L "$a" --at now
	echo "$status" >>"$BATS_TEST_TMPDIR/codes"
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
	run --separate-stderr sl-append -L "$a" <<<'{"type":"x-a","source":"s","payload":{}}'
	echo "$status" >>"$BATS_TEST_TMPDIR/codes"
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
	run --separate-stderr sl-artifact -L "$a" has "$ZERO"
	echo "$status" >>"$BATS_TEST_TMPDIR/codes"
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
	run --separate-stderr sl-capture-config --store -L "$a" "$BATS_TEST_TMPDIR/err"
	echo "$status" >>"$BATS_TEST_TMPDIR/codes"
	echo "$stderr" >>"$BATS_TEST_TMPDIR/err"
}

@test "a PostgreSQL address goes to the PostgreSQL backend: a server that is not there is exit 111 from every program" {
	every_program 'postgresql://app:Hunter2secret@127.0.0.1:1/ledger?sslmode=disable'
	run -0 sort -u "$BATS_TEST_TMPDIR/codes"
	assert_output 111
	run -0 grep -c "unable to connect: connection to server at \"127.0.0.1\", port 1 failed" "$BATS_TEST_TMPDIR/err"
	assert_output 7
	run -111 --separate-stderr env SL_LEDGER='postgres://app@127.0.0.1:1/ledger' sl-log
	assert_equal "$stderr" "sl-log: fatal: unable to open ledger 'postgres://app@127.0.0.1:1/ledger': unable to connect: connection to server at \"127.0.0.1\", port 1 failed: Connection refused"
}

@test "the password of a PostgreSQL address is never printed, in the user part or as a parameter" {
	every_program 'postgresql://app:Hunter2secret@db.example/ledger'
	every_program 'postgres://db.example/ledger?user=app&password=Hunter2secret&sslmode=require'
	run -0 cat "$BATS_TEST_TMPDIR/err"
	refute_output --partial Hunter2secret
	assert_output --partial "postgresql://app:***@db.example/ledger"
	assert_output --partial "postgres://db.example/ledger?user=app&password=***&sslmode=require"
	run -111 --separate-stderr env SL_LEDGER='postgres://app:Hunter2secret@127.0.0.1:1/db' sl-append <<<'{"type":"x-a","source":"s","payload":{}}'
	refute_output --partial Hunter2secret
	[[ $stderr != *Hunter2secret* ]] || fail "the password was printed: $stderr"
}

@test "a directory address is the SQLite ledger, as before" {
	run -0 sl-append <<<'{"type":"x-a","source":"s","payload":{}}'
	run -0 sl-verify
	run -0 jq -r .ledger <<<"$(sl-init -L "$BATS_TEST_TMPDIR/second")"
	assert_output "$BATS_TEST_TMPDIR/second"
}

# all_programs ADDRESS: every program that takes -L or SL_LEDGER, both ways;
# stdout and stderr of each appended to $BATS_TEST_TMPDIR/all, exit codes to .../codes.
all_programs() {
	local a=$1 p rc c
	local progs=("sl-init --origin o" "sl-log" "sl-get 0" "sl-verify" "sl-verify --since-checkpoint" "sl-prove --seq 0"
		"sl-checkpoint" "sl-snapshot --at now" "sl-diff --from now --to now" "sl-append"
		"sl-artifact has $ZERO" "sl-capture-config --store $BATS_TEST_TMPDIR/cfg" "sl-replay plan --from now --to now"
		"sl-httpd -l 127.0.0.1:0")
	: >"$BATS_TEST_TMPDIR/cfg"
	for p in "${progs[@]}"; do
		read -ra c <<<"$p"
		rc=0
		timeout 10 "${c[0]}" -L "$a" "${c[@]:1}" </dev/null >>"$BATS_TEST_TMPDIR/all" 2>&1 || rc=$?
		echo "$rc $p -L" >>"$BATS_TEST_TMPDIR/codes"
		rc=0
		SL_LEDGER=$a timeout 10 "${c[@]}" </dev/null >>"$BATS_TEST_TMPDIR/all" 2>&1 || rc=$?
		echo "$rc $p SL_LEDGER" >>"$BATS_TEST_TMPDIR/codes"
	done
	# sl-copy takes its two addresses as operands: the address on either side.
	for p in "sl-copy $a $L" "sl-copy $L $a"; do
		read -ra c <<<"$p"
		rc=0
		timeout 10 "${c[@]}" </dev/null >>"$BATS_TEST_TMPDIR/all" 2>&1 || rc=$?
		echo "$rc $p" >>"$BATS_TEST_TMPDIR/codes"
	done
}

@test "review: no spelling of a PostgreSQL password is printed by any program (Secret1..)" {
	local a
	for a in 'postgresql://user:pa:Secret1@h/db' 'postgres://:Secret2@h' \
		'postgresql://u:p@h/db?password=Secret3&password=Secret4' \
		'postgresql://u@h/db?pass%77ord=Secret5' 'postgresql://u@h/db?%70assword=Secret6' \
		'postgresql://u@h/db?PASSWORD=Secret7' 'postgresql:///db?host=/tmp&password=Secret8' \
		'postgresql://u:Secret9@[::1]/db' 'postgresql://u:Secret10@h/d@b' \
		'postgresql://h/db?sslpassword=Secret11' 'postgresql://h/db?password=Sec#ret12' \
		'postgresql://u:Sec?ret13@h/db' 'postgresql://u:Sec#ret14@h/db' 'postgresql://u:Sec/ret15@h/db' \
		'postgresql://h/db?password%3DSecret16' 'postgresql://h/db?Password=Secret17' \
		'POSTGRESQL://u:Secret18@h/db' 'Postgres://u:Secret19@h/db' \
		"postgresql://u:Secret20@h/$(printf 'a%.0s' {1..5000})" \
		'postgresql://h/db;password=Secret21' 'postgresql://u:Secret22@h:5432,h2:5433/db'; do
		all_programs "$a"
	done
	run -0 cat "$BATS_TEST_TMPDIR/all"
	refute_output --partial Secret
	refute_output --partial ret1
	# Every one of them taken as a PostgreSQL address: not reached (111) or not
	# readable by libpq (2); none made a directory.
	run -0 awk '$1 != 2 && $1 != 111' "$BATS_TEST_TMPDIR/codes"
	assert_output ''
	run -0 find "$BATS_TEST_TMPDIR" -maxdepth 1 -iname 'postgres*'
	assert_output ''
	# What is shown: the user, the host and the other parameters.
	run -111 --separate-stderr sl-log -L 'postgresql://app:Secret@127.0.0.1:1/ledger?sslmode=disable&password=x&application_name=a'
	assert_equal "$stderr" "sl-log: fatal: unable to open ledger 'postgresql://app:***@127.0.0.1:1/ledger?sslmode=disable&password=***&application_name=a': unable to connect: connection to server at \"127.0.0.1\", port 1 failed: Connection refused"
	run -2 --separate-stderr sl-log -L 'postgresql://app:Sec#ret@127.0.0.1:1/ledger?sslmode=require&Password=x#y&application_name=a'
	assert_equal "$stderr" "sl-log: usage: unable to open ledger 'postgresql://app:***@127.0.0.1:1/ledger?sslmode=require&Password=***&application_name=a': not a PostgreSQL URI libpq can read (see PostgreSQL's \"Connection URIs\")"
	# libpq's own words on a URI it cannot read may quote it: not shown.
	run -2 --separate-stderr sl-log -L 'postgresql://h/db?pass%77ord'
	assert_equal "$stderr" "sl-log: usage: unable to open ledger 'postgresql://h/db?***': not a PostgreSQL URI libpq can read (see PostgreSQL's \"Connection URIs\")"
}

@test "review: a directory whose name starts like a URI is a ledger when named as a path" {
	mkdir -p "$BATS_TEST_TMPDIR/w"
	cd "$BATS_TEST_TMPDIR/w"
	mkdir postgres:
	run -0 sl-init -L ./postgres://x
	run -0 sl-verify -L ./postgres://x
	run -0 sl-verify -L "$BATS_TEST_TMPDIR/w/postgres:/x"
}
