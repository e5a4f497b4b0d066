#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# /ready and /metrics ask the store whether it can be written before any
# write fails (issue 14's hostile review: a read-only file system was
# reported writable until a POST failed).  The ledger's directory is
# bind-mounted read-only on itself in a private mount namespace (unshare
# -m), where the server runs: a real read-only file system, seen by the
# server alone.  (A file system cannot be remounted read-only under a
# server that holds its database open for writing: the kernel says busy.)

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

TOKEN=probe-Token_1

setup() {
	sl_setup
	require_cmd curl socat jq unshare mount
	init_ledger
	append_n 3 p
	TOKENS="$BATS_TEST_TMPDIR/tokens"
	printf '%s  probe\n' "$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)" >"$TOKENS"
}

teardown() {
	httpd_teardown
	[[ -z ${PUBDIR-} ]] || rm -rf "$PUBDIR"
}

@test "a server started on a read-only file system: /ready and /metrics say store_read_only before any write; reads go on" {
	notify_listen
	# The server runs as the namespace's first process (exec): HTTPD_PID is its pid.
	NOTIFY_SOCKET="$NOTIFY" unshare -m --propagation private bash -c '
		mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || exit 97
		exec sl-httpd -L "$1" -l 127.0.0.1:0 -w 1 -T "$2"
	' _ "$L" "$TOKENS" >"$BATS_TEST_TMPDIR/httpd.out" 2>"$BATS_TEST_TMPDIR/httpd.err" 3>&- &
	HTTPD_PID=$!
	httpd_ready
	# The host's view is untouched: only the server's namespace is read-only.
	touch "$L/host-writable" && rm "$L/host-writable"
	get /ready
	assert_equal "$CODE" 200
	assert_equal "$(cat "$BODY")" '{"ready":true,"size":3,"writes":false,"reason":"store_read_only"}'
	get /metrics
	run -0 grep -Fx 'stateledger_writable{reason="store_read_only"} 0' "$BODY"
	get /v1/entries/2
	assert_equal "$CODE" 200
	# A write is still tried, and refused for the same reason.
	echo '{"type":"x-p","source":"s","payload":{}}' >"$BATS_TEST_TMPDIR/one"
	get /v1/entries -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/x-ndjson' \
		--data-binary "@$BATS_TEST_TMPDIR/one"
	assert_equal "$CODE" 503
	assert_equal "$(jq -r .error.code "$BODY")" store_read_only
	assert_equal "$(ledger_size)" 3
	# Once the server is stopped, the same ledger (now writable to it) is ready for writes.
	httpd_stop
	httpd_start -w 1 -T "$TOKENS"
	get /ready
	assert_equal "$(cat "$BODY")" '{"ready":true,"size":3,"writes":true}'
}

@test "a server whose file system is full: /ready and /metrics say disk_full before any write" {
	local d=$BATS_TEST_TMPDIR/small
	mkdir "$d"
	notify_listen
	# A small tmpfs, private to the server's namespace, holding a copy of the ledger and then full.
	NOTIFY_SOCKET="$NOTIFY" unshare -m --propagation private bash -c '
		mount -t tmpfs -o size=2m none "$1" || exit 97
		cp -a "$2" "$1/l" || exit 98
		dd if=/dev/zero of="$1/fill" bs=64k 2>/dev/null
		exec sl-httpd -L "$1/l" -l 127.0.0.1:0 -w 1 -T "$3"
	' _ "$d" "$L" "$TOKENS" >"$BATS_TEST_TMPDIR/httpd.out" 2>"$BATS_TEST_TMPDIR/httpd.err" 3>&- &
	HTTPD_PID=$!
	httpd_ready
	get /ready
	assert_equal "$CODE" 200
	assert_equal "$(cat "$BODY")" '{"ready":true,"size":3,"writes":false,"reason":"disk_full"}'
	get /metrics
	run -0 grep -Fx 'stateledger_writable{reason="disk_full"} 0' "$BODY"
	# The host's directory is not the tmpfs: nothing was written there.
	assert_equal "$(ls -A "$d")" ""
}

@test "a ledger directory the server may not write, its files it may (a root-owned 0755 directory): appends work, so /ready says writes" {
	# A common hardened layout: the directory is root's, the database files the service user's.
	ledger_for_nobody
	chown root "$L"
	chmod 755 "$L"
	# The user may append there: SQLite keeps its -wal and -shm files (persistent WAL).
	echo '{"type":"x-p","source":"s","payload":{}}' >"$PUBDIR/one"
	run -0 --separate-stderr as_reader sl-append -L "$L" <"$PUBDIR/one"
	assert_equal "$(ledger_size)" 4
	httpd_start -w 1 -T "$TOKENS" -u nobody
	get /v1/entries -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/x-ndjson' \
		--data-binary "@$PUBDIR/one"
	assert_equal "$CODE" 200
	assert_equal "$(ledger_size)" 5
	get /ready
	assert_equal "$(cat "$BODY")" '{"ready":true,"size":5,"writes":true}'
}
