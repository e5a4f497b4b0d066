#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-append against a ledger that is missing, locked by another writer, or
# read-only.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	sl_setup
	require_cmd jq
	LOCK_PID=
}

teardown() {
	# Release a lock holder left behind by a failed test (we started it).
	if [[ -n $LOCK_PID ]]; then
		exec 4>&- 2>/dev/null || true
		kill "$LOCK_PID" 2>/dev/null || true
		wait "$LOCK_PID" 2>/dev/null || true
	fi
	# Let bats clean up what a read-only test left (as non-root too).
	chmod -R u+w "$BATS_TEST_TMPDIR" 2>/dev/null || true
}

# Hold the ledger's write lock (through the test hook) until release_lock.
hold_lock() {
	local fifo="$BATS_TEST_TMPDIR/lock.fifo" i
	mkfifo "$fifo"
	"$SL_SRCDIR/t/tamper" "$L" hold-lock <"$fifo" >/dev/null 2>&1 3>&- &
	LOCK_PID=$!
	exec 4>"$fifo"
	# Wait until another writer really finds the ledger locked.
	for i in $(seq 1 100); do
		if ! tamper try-lock; then
			return 0
		fi
		sleep 0.05
	done
	fail "the hook did not take the write lock"
}

release_lock() {
	exec 4>&-
	wait "$LOCK_PID"
	LOCK_PID=
}

@test "missing ledger: exit 100, the message names the directory and sl-init" {
	gen_entries 1 >"$IN"
	run -100 --separate-stderr sl-append <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-append: fatal: unable to open ledger '$L': .*'$L'.*sl-init"
	[[ ! -e $L ]] || fail "sl-append created $L"
}

@test "missing ledger given with -L: exit 100, names that directory" {
	local nope="$BATS_TEST_TMPDIR/nope"
	gen_entries 1 >"$IN"
	run -100 --separate-stderr sl-append -L "$nope" <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-append: fatal: unable to open ledger '$nope': .*sl-init"
	[[ ! -e $nope ]]
}

@test "a directory that is not a ledger (no ledger.db): exit 100" {
	mkdir "$L"
	gen_entries 1 >"$IN"
	run -100 --separate-stderr sl-append <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-append: fatal: unable to open ledger '$L': "
	[[ ! -e $L/ledger.db ]] || fail "sl-append created $L/ledger.db"
}

@test "a ledger.db that is not a StateLedger database: exit 100, file untouched" {
	mkdir "$L"
	printf 'this is not a database at all, just some text padding it out to a page\n%.0s' {1..100} >"$L/ledger.db"
	local sum
	sum=$(sha256sum <"$L/ledger.db")
	gen_entries 1 >"$IN"
	run -100 --separate-stderr sl-append <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-append: fatal: unable to open ledger '$L': "
	assert_equal "$(sha256sum <"$L/ledger.db")" "$sum"
}

@test "locked ledger: exit 111 after SL_BUSY_TIMEOUT, nothing appended; works once released" {
	init_ledger
	append_n 3 before
	save_state
	hold_lock
	gen_entries 2 while-locked >"$IN"
	run -111 --separate-stderr env SL_BUSY_TIMEOUT=200 sl-append <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: fatal: unable to .*(lock|busy)'
	release_lock
	assert_state_unchanged
	run -0 --separate-stderr env SL_BUSY_TIMEOUT=200 sl-append <"$IN"
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 2
	assert_regex "${lines[0]}" '^\{"seq":3,'
	assert_regex "${lines[1]}" '^\{"seq":4,'
	run -0 sl-verify -q
}

@test "locked ledger: a writer waits for a lock released within SL_BUSY_TIMEOUT" {
	init_ledger
	hold_lock
	gen_entries 1 waited >"$IN"
	(sleep 0.5 && echo release >&4 && exec 4>&-) &
	local releaser=$!
	run -0 --separate-stderr env SL_BUSY_TIMEOUT=10000 sl-append <"$IN"
	wait "$releaser"
	exec 4>&-
	wait "$LOCK_PID"
	LOCK_PID=
	assert_equal "$stderr" ""
	assert_regex "$output" '^\{"seq":0,'
	assert_equal "$(ledger_size)" 1
}

@test "SL_BUSY_TIMEOUT that is not a number is refused before anything is appended" {
	init_ledger
	gen_entries 1 >"$IN"
	run -2 --separate-stderr env SL_BUSY_TIMEOUT=soon sl-append <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: .*SL_BUSY_TIMEOUT'
	assert_equal "$(ledger_size)" 0
}

# Read-only ledgers (as_reader and open_to_reader: test_helper.bash).
make_read_only() {
	if ((EUID == 0)); then
		open_to_reader
		chown -R nobody "$L"
		as_reader test -x "$L" ||
			skip "user nobody cannot reach $L (a parent directory is closed)"
	fi
	chmod -R a-w "$L"
}

# The files as a writer leaves them when it closes: ledger.db alone (its
# -wal and -shm are removed).  A read-only connection leaves them behind, so
# both states are tested.
close_as_writer() {
	sql 'PRAGMA user_version;' >/dev/null
	[[ ! -e $L/ledger.db-wal && ! -e $L/ledger.db-shm ]] ||
		fail "ledger.db-wal or -shm still there after a read-write close"
}

close_as_reader() {
	sl-log >/dev/null
	[[ -e $L/ledger.db-wal && -e $L/ledger.db-shm ]] ||
		skip "readers leave no -wal/-shm files behind any more: nothing else to test"
}

# append_refused: as the reader user, sl-append exits 100 (permission
# denied: retrying will not help) with a message and changes nothing.
append_refused() {
	local sum list
	sum=$(sha256sum <"$L/ledger.db")
	list=$(ls -A "$L")
	gen_entries 2 refused >"$IN"
	make_read_only
	run -100 --separate-stderr as_reader sl-append <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: fatal: unable to .*(read-?only|[Pp]ermission denied)'
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$(sha256sum <"$L/ledger.db")" "$sum"
	assert_equal "$(ls -A "$L")" "$list"
}

# readers_read: as the reader user, the read-only programs give what they gave before.
readers_read() {
	local log entry verify head
	log=$(sl-log)
	entry=$(sl-get 1)
	verify=$(sl-verify)
	head=$(sl-prove --head)
	[[ $1 == writer ]] && close_as_writer
	make_read_only
	run -0 --separate-stderr as_reader sl-log
	assert_equal "$stderr" ""
	assert_equal "$output" "$log"
	run -0 --separate-stderr as_reader sl-get 1
	assert_equal "$stderr" ""
	assert_equal "$output" "$entry"
	run -0 --separate-stderr as_reader sl-verify
	assert_equal "$stderr" ""
	assert_equal "$output" "$verify"
	run -0 --separate-stderr as_reader sl-prove --head
	assert_equal "$stderr" ""
	assert_equal "$output" "$head"
}

@test "read-only ledger (as a writer left it): sl-append exits 100 with a message, ledger unchanged" {
	init_ledger
	append_n 3 before
	save_state
	close_as_writer
	append_refused
	assert_state_unchanged
}

@test "read-only ledger (as a reader left it): sl-append exits 100 with a message, ledger unchanged" {
	init_ledger
	append_n 3 before
	save_state
	close_as_reader
	append_refused
	assert_state_unchanged
}

@test "read-only ledger (as a writer left it): sl-log, sl-get, sl-verify and sl-prove still read it" {
	init_ledger
	append_n 3 before
	readers_read writer
}

@test "read-only ledger (as a reader left it): sl-log, sl-get, sl-verify and sl-prove still read it" {
	init_ledger
	append_n 3 before
	readers_read reader
}
