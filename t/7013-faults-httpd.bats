#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Fault injection into sl-httpd's POST /v1/entries (libfiu's POSIX preload,
# through fiu-run; see t/7010-faults-append.bats for the failure points):
# while a write or sync fails, the server answers 503 with the JSON error
# body and no receipt, the ledger verifies with exactly the entries it had
# plus those receipted, the server keeps serving (GET /health 200), and once
# the fault is lifted the next POST is stored.  Only sl-httpd runs under
# fiu-run, with a control FIFO: the faults are switched on and off with
# fiu-ctrl while it runs.

bats_require_minimum_version 1.5.0
load test_helper
load reliability_helper
load httpd_helper

TOKEN=fault-Token_1

setup() {
	sl_setup
	skip_under_asan
	require_cmd fiu-run fiu-ctrl perl curl socat jq ss
	init_ledger
	unique_entries 7 "old:" >"$BATS_TEST_TMPDIR/old.ndjson"
	append_file "$BATS_TEST_TMPDIR/old.ndjson"
	BEFORE="$BATS_TEST_TMPDIR/before.log"
	sl-log >"$BEFORE"
	OUT="$BATS_TEST_TMPDIR/receipts"
	: >"$OUT"
	TOKENS="$BATS_TEST_TMPDIR/tokens"
	printf '%s  fault\n' "$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)" >"$TOKENS"
	CTL="$BATS_TEST_TMPDIR/fiu"
}

teardown() {
	httpd_teardown
}

# fiu_httpd_start [sl-httpd options]: httpd_start's work, with sl-httpd under
# fiu-run -x (control FIFO $CTL; fiu-run execs, so HTTPD_PID is sl-httpd's).
fiu_httpd_start() {
	notify_listen
	NOTIFY_SOCKET="$NOTIFY" fiu-run -x -f "$CTL" sl-httpd -L "$L" -l 127.0.0.1:0 \
		-T "$TOKENS" "$@" >"$BATS_TEST_TMPDIR/httpd.out" 2>"$BATS_TEST_TMPDIR/httpd.err" 3>&- &
	HTTPD_PID=$!
	httpd_ready
}

fault() { # fiu-ctrl command
	fiu-ctrl -f "$CTL" -c "$1" "$HTTPD_PID" || fail "fiu-ctrl -c '$1' failed"
}

# post FILE: POST FILE's lines, receipts asked as NDJSON (sl-append's lines).
post() {
	IN=$1
	get /v1/entries -X POST -H 'Content-Type: application/x-ndjson' \
		-H 'Accept: application/x-ndjson' -H "Authorization: Bearer $TOKEN" \
		--data-binary "@$IN"
}

# The POST failed as it must: 503, the JSON error body, no receipt, the
# ledger exactly as before; and the server still answers GET /health.
assert_refused() {
	local what=$1
	[[ $CODE == 503 ]] || fail "$what: answered $CODE, not 503: $(cat "$BODY")"
	run -0 jq -e -r '.error.code + " " + (.error.message | tostring)' "$BODY"
	[[ $output =~ ^[a-z_]+\ .+ ]] || fail "$what: no JSON error body: $(cat "$BODY")"
	! grep -q '"leaf_hash"' "$BODY" || fail "$what: a receipt in a failed answer: $(cat "$BODY")"
	check_ledger --exact "$BEFORE" "$IN" -- "$OUT" >/dev/null
	get /health
	[[ $CODE == 200 ]] || fail "$what: GET /health answered $CODE afterwards"
}

# The POST succeeded: 200, one receipt a line, appended to $OUT and kept.
assert_stored() {
	local what=$1 n=$2
	[[ $CODE == 200 ]] || fail "$what: answered $CODE: $(cat "$BODY")"
	assert_equal "$(grep -c '"leaf_hash"' "$BODY")" "$n"
	cat "$BODY" >>"$OUT"
}

@test "POST while every write or sync fails (ENOSPC, EIO): 503, no receipt, ledger unchanged, server serves on" {
	local p e k=0
	fiu_httpd_start
	get /health
	assert_equal "$CODE" 200
	for p in posix/io/rw/pwrite posix/io/sync/fdatasync; do
		for e in 28 5; do
			unique_entries 12 "f$k:" >"$BATS_TEST_TMPDIR/in$k"
			fault "enable name=$p,failinfo=$e"
			post "$BATS_TEST_TMPDIR/in$k"
			fault "disable name=$p"
			assert_refused "$p errno $e"
			k=$((k + 1))
		done
	done
	# With the faults off, the next POST is stored, and exactly it.
	unique_entries 12 "after:" >"$BATS_TEST_TMPDIR/after.in"
	post "$BATS_TEST_TMPDIR/after.in"
	assert_stored "POST without faults" 12
	check_ledger --exact --prefix "$BEFORE" "$IN" -- "$OUT"
	assert_equal "$(sl-log | wc -l)" 19
	kill -0 "$HTTPD_PID" || fail "sl-httpd is gone"
}

@test "receipted POSTs, then one failed commit sync: the receipts stand, the failed batch is never stored" {
	# SQLite wrote the failed commit's WAL frames before the fdatasync that
	# failed; were they left in the WAL, the next opener's recovery would
	# find them valid and the refused batch would appear in the log.  The
	# server is killed after the failure, so that recovery happens.
	fiu_httpd_start
	unique_entries 5 "ok1:" >"$BATS_TEST_TMPDIR/ok1"
	post "$BATS_TEST_TMPDIR/ok1"
	assert_stored "first POST" 5
	unique_entries 5 "ok2:" >"$BATS_TEST_TMPDIR/ok2"
	post "$BATS_TEST_TMPDIR/ok2"
	assert_stored "second POST" 5
	cat "$BATS_TEST_TMPDIR/ok1" "$BATS_TEST_TMPDIR/ok2" >"$BATS_TEST_TMPDIR/ok"
	check_ledger --exact --prefix "$BEFORE" "$BATS_TEST_TMPDIR/ok" -- "$OUT" >/dev/null
	cp "$BATS_TEST_TMPDIR/after.log" "$BEFORE"
	: >"$OUT"
	unique_entries 30 "bad:" >"$BATS_TEST_TMPDIR/bad"
	fault "enable name=posix/io/sync/fdatasync,failinfo=5,onetime=1"
	post "$BATS_TEST_TMPDIR/bad"
	assert_refused "the commit sync failing once"
	# Kill the server (no clean close) and open the ledger afresh: WAL recovery.
	kill -9 "$HTTPD_PID"
	wait "$HTTPD_PID" 2>/dev/null || true
	HTTPD_PID=
	check_ledger --exact "$BEFORE" "$BATS_TEST_TMPDIR/bad" -- "$OUT"
	assert_equal "$(sl-log | wc -l)" 17
	# A restarted server takes the next POST.
	fiu_httpd_start
	unique_entries 3 "later:" >"$BATS_TEST_TMPDIR/later"
	post "$BATS_TEST_TMPDIR/later"
	assert_stored "POST on the restarted server" 3
	check_ledger --exact --prefix "$BEFORE" "$IN" -- "$OUT"
}

@test "a full disk: the POST is 503 disk_full; /ready and /metrics say writes are refused and why; an append clears it" {
	fiu_httpd_start
	get /ready
	run -0 jq -c '[.ready, .writes]' "$BODY"
	assert_output '[true,true]'
	unique_entries 4 "full:" >"$BATS_TEST_TMPDIR/full.in"
	fault "enable name=posix/io/rw/pwrite,failinfo=28"
	post "$BATS_TEST_TMPDIR/full.in"
	fault "disable name=posix/io/rw/pwrite"
	run -0 jq -r .error.code "$BODY"
	assert_output disk_full
	assert_refused "pwrite ENOSPC"
	# The process lives; the store serves; writes are refused, and why.
	get /health
	assert_equal "$CODE" 200
	get /ready
	assert_equal "$CODE" 200
	run -0 jq -c . "$BODY"
	assert_output '{"ready":true,"size":7,"writes":false,"reason":"disk_full"}'
	get /metrics
	run -0 grep -Fx 'stateledger_writable{reason="disk_full"} 0' "$BODY"
	# Space again: the next append is stored and clears the reason.
	unique_entries 2 "room:" >"$BATS_TEST_TMPDIR/room.in"
	post "$BATS_TEST_TMPDIR/room.in"
	assert_stored "POST with room" 2
	get /ready
	run -0 jq -c '[.ready, .writes, .reason]' "$BODY"
	assert_output '[true,true,null]'
}
