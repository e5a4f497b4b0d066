#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-httpd's three ways to run (issue 6, done-when 2): one connection on
# stdin/stdout (as inetd, tcpserver and systemd Accept=yes start it),
# socket activation (systemd-socket-activate), and standalone with worker
# processes; SIGTERM lets the request in flight finish; -u drops root.

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

setup() {
	sl_setup
	require_cmd curl socat jq ss
	init_ledger
	append_n 5 r
	REQS=$'GET /health HTTP/1.1\r\nHost: t\r\n\r\nGET /v1/entries/4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
}

teardown() {
	httpd_teardown
	[[ -n ${PUBDIR-} ]] && rm -rf "$PUBDIR"
	return 0
}

@test "inetd style: two keep-alive requests on a connected socket on stdin/stdout, then exit 0" {
	# socat's EXEC hands the program one end of a socketpair as stdin and stdout.
	run -0 --separate-stderr socat -t 10 - EXEC:"sl-httpd -L $L" <<<"$REQS"
	# stderr is the access log (no start-up line: it listens on nothing).
	assert_equal "$(jq -c '[.method, .path, .status]' <<<"$stderr")" \
		$'["GET","/health",200]\n["GET","/v1/entries/4",200]'
	assert_equal "$(grep -c '^HTTP/1.1 200 OK' <<<"$output")" 2
	assert_line '{"status":"ok"}'
	assert_line "$(sl-get 4)"
}

@test "inetd style under tcpserver (ucspi-tcp): one sl-httpd per connection" {
	require_cmd tcpserver
	local port
	port=$(free_port)
	tcpserver -q 127.0.0.1 "$port" sl-httpd -L "$L" >/dev/null 2>"$BATS_TEST_TMPDIR/tcpserver.err" 3>&- &
	EXTRA_PIDS=$!
	URL="http://127.0.0.1:$port"
	wait_for curl -fsS -o /dev/null "$URL/health"
	get /v1/entries/2
	assert_equal "$CODE" 200
	sl-get 2 | cmp - "$BODY"
	run -0 --separate-stderr curl -sS -v "$URL/health" "$URL/v1/entries/0"
	run -0 grep -c 'Re-using existing connection' <<<"$stderr"
	assert_output 1
}

@test "without -l and without a socket on stdin, sl-httpd says how to start it (exit 2)" {
	run -2 --separate-stderr sl-httpd -L "$L" </dev/null
	assert_output ""
	assert_equal "$stderr" "sl-httpd: usage: give -l ADDR:PORT, or start me with a socket (inetd, tcpserver, systemd)"
}

@test "socket activation: systemd-socket-activate passes the listening socket (LISTEN_FDS)" {
	require_cmd systemd-socket-activate
	local port
	port=$(free_port)
	systemd-socket-activate -l "127.0.0.1:$port" sl-httpd -L "$L" \
		>/dev/null 2>"$BATS_TEST_TMPDIR/activate.err" 3>&- &
	HTTPD_PID=$!
	URL="http://127.0.0.1:$port"
	wait_for curl -fsS -o /dev/null "$URL/health"
	get /v1/entries/1
	assert_equal "$CODE" 200
	sl-get 1 | cmp - "$BODY"
	# One process serves every connection: the counters add up in it.
	get /health
	get /metrics
	run -0 grep -F 'stateledger_http_requests_total{route="/health",status="200"} 2' "$BODY"
	httpd_stop
	assert_equal "$HTTPD_STATUS" 0
}

@test "socket activation with --accept (Accept=yes): the connection itself arrives as fd 3" {
	require_cmd systemd-socket-activate
	local port
	port=$(free_port)
	systemd-socket-activate --accept -l "127.0.0.1:$port" sl-httpd -L "$L" \
		>/dev/null 2>"$BATS_TEST_TMPDIR/activate.err" 3>&- &
	EXTRA_PIDS=$!
	URL="http://127.0.0.1:$port"
	wait_for curl -fsS -o /dev/null "$URL/health"
	get /v1/entries/3
	assert_equal "$CODE" 200
	sl-get 3 | cmp - "$BODY"
}

@test "standalone with 3 workers: 3 processes share the socket; /metrics counts all of them; SIGTERM ends all with 0" {
	httpd_start -w 3
	run -0 pgrep -P "$HTTPD_PID"
	assert_equal "${#lines[@]}" 3
	local workers=$output n
	for ((n = 0; n < 60; n++)); do
		curl -fsS -o /dev/null "$URL/health" || fail "request $n failed"
	done
	get /metrics
	run -0 grep -F 'stateledger_http_requests_total{route="/health",status="200"} 60' "$BODY"
	get /v1/entries/4
	sl-get 4 | cmp - "$BODY"
	httpd_stop
	assert_equal "$HTTPD_STATUS" 0
	for n in $workers; do
		run -1 kill -0 "$n"
	done
}

@test "every mode (epoll, pool, thread) answers the same bytes" {
	local m
	for m in epoll pool thread; do
		httpd_start -m "$m" -t 3
		get '/v1/proof/inclusion?seq=1'
		assert_equal "$CODE" 200
		sl-prove --seq 1 | cmp - "$BODY"
		httpd_stop
		assert_equal "$HTTPD_STATUS" 0
	done
}

@test "SIGTERM: the request in flight is answered, new connections are refused, exit 0" {
	local tokens="$BATS_TEST_TMPDIR/tokens" fifo="$BATS_TEST_TMPDIR/body" out="$BATS_TEST_TMPDIR/post"
	printf %s tok | sha256sum >"$tokens"
	httpd_start -T "$tokens"
	mkfifo "$fifo"
	# A POST whose body arrives in two parts (chunked, from the fifo).
	curl -sS -o "$out" -w '%{http_code}' -X POST -T "$fifo" -H 'Authorization: Bearer tok' \
		-H 'Content-Type: application/x-ndjson' "$URL/v1/entries" >"$out.code" 3>&- &
	EXTRA_PIDS=$!
	exec 6>"$fifo"
	gen_entries 1 first >&6
	# The POST has begun when the server counts 2 requests in flight (it and this one).
	in_flight_2() { curl -fsS "$URL/metrics" | grep -qx 'stateledger_http_requests_in_flight 2'; }
	wait_for in_flight_2
	kill -TERM "$HTTPD_PID"
	refused() { ! curl -sS -o /dev/null "$URL/health"; }
	wait_for refused
	gen_entries 1 second >&6
	exec 6>&-
	wait "$EXTRA_PIDS"
	EXTRA_PIDS=
	assert_equal "$(cat "$out.code")" 200
	run -0 jq -c '[.receipts[].seq]' "$out"
	assert_output '[5,6]'
	httpd_stop
	assert_equal "$HTTPD_STATUS" 0
	assert_equal "$(ledger_size)" 7
}

@test "-u USER: started as root, the server runs as USER once the socket is bound" {
	ledger_for_nobody
	httpd_start -u nobody
	run -0 awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$HTTPD_PID/status"
	local u
	u=$(id -u nobody)
	assert_output "$u $u $u $u"
	get /v1/entries/0
	assert_equal "$CODE" 200
	run -2 --separate-stderr sl-httpd -L "$L" -l 127.0.0.1:0 -u no-such-user-here
	assert_equal "$stderr" "sl-httpd: usage: unable to find user 'no-such-user-here': no such user"
}
