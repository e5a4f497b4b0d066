#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-httpd for operators (issue 14): the access log and the start-up line
# on stderr, /health and /ready, refusals answered from the headers before
# any body (and the memory that saves), the default per-address connection
# limit, /v1/verify kept per state, strict framing, and socket activation
# winning over -l.  Real sockets, a real server.

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

TOKEN=ops-Token_1

setup() {
	sl_setup
	require_cmd curl socat jq ss sha256sum
	init_ledger
	append_n 5 o
	TOKENS="$BATS_TEST_TMPDIR/tokens"
	TOKEN_ID=$(printf %s "$TOKEN" | sha256sum | cut -c1-16)
	printf '%s  ops\n' "$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)" >"$TOKENS"
	ERR="$BATS_TEST_TMPDIR/httpd.err"
}

teardown() {
	httpd_teardown
}

post_one() { # curl options...: POST one entry with the token
	echo '{"type":"x-ops","source":"s1","payload":{}}' >"$BATS_TEST_TMPDIR/one"
	get /v1/entries -X POST -H 'Content-Type: application/x-ndjson' --data-binary "@$BATS_TEST_TMPDIR/one" "$@"
}

# raw REQUEST (printf format): send it on a new connection; print the status
# line and "closed" when the server closes the connection after its answer
# (within 5 s; it would keep a healthy one open for --timeout).
raw() {
	local line=none how=open
	trap '' PIPE # the server may close before the whole request is written
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	# shellcheck disable=SC2059
	printf "$1" >&5 2>/dev/null || true
	IFS= read -r -t 5 line <&5 || true
	timeout 5 cat <&5 >/dev/null 2>&1 && how=closed
	exec 5<&-
	echo "${line%$'\r'} $how"
}

@test "access log: a JSON line per request on stderr; a write names its token by id, never the token" {
	httpd_start -w 1 -T "$TOKENS"
	get /health
	post_one -H "Authorization: Bearer $TOKEN"
	assert_equal "$CODE" 200
	post_one -H "Authorization: Bearer not-$TOKEN"
	assert_equal "$CODE" 401
	get '/v1/entries?limit=1&type=x-ops'
	httpd_stop
	run -0 jq -c 'select(.path) | [.method, .path, .status, .token,
		(.remote | test("^127\\.0\\.0\\.1:[0-9]+$")), (.time | test("^20[0-9-]+T[0-9:]+\\.[0-9]{6}Z$")),
		(.duration_us | type)]' < <(grep '^{' "$ERR")
	assert_output - <<-EOF
		["GET","/health",200,null,true,true,"number"]
		["POST","/v1/entries",200,"$TOKEN_ID",true,true,"number"]
		["POST","/v1/entries",401,"$(printf %s "not-$TOKEN" | sha256sum | cut -c1-16)",true,true,"number"]
		["GET","/v1/entries?limit=<redacted>&type=<redacted>",200,null,true,true,"number"]
	EOF
	# bytes: the answer's body.
	run -0 jq -c 'select(.path == "/health") | .bytes' < <(grep '^{' "$ERR")
	assert_output 16
	run -1 grep -F "$TOKEN" "$ERR"
}

@test "access log: query values are never written (a token in the query stays out of the log)" {
	httpd_start -w 1 -T "$TOKENS"
	get "/health?token=$TOKEN"
	assert_equal "$CODE" 400
	get "/v1/entries?limit=2&cursor=$TOKEN&flag&=x&&type"
	get "/v1/entries/1?access_token=$TOKEN%20x"
	get "/health?$TOKEN"
	post_one -H "Authorization: Bearer $TOKEN" -H "X-Token: $TOKEN" --url-query "token=$TOKEN"
	assert_equal "$CODE" 400
	httpd_stop
	run -0 jq -r 'select(.path) | .path' < <(grep '^{' "$ERR")
	assert_output - <<-'EOF'
		/health?token=<redacted>
		/v1/entries?limit=<redacted>&cursor=<redacted>&<redacted>&=<redacted>&&<redacted>
		/v1/entries/1?access_token=<redacted>
		/health?<redacted>
		/v1/entries?token=<redacted>
	EOF
	run -1 grep -F "$TOKEN" "$ERR"
}

@test "--no-access-log: only the start-up line on stderr" {
	httpd_start -w 1 --no-access-log
	get /health
	get /v1/entries/0
	httpd_stop
	run -0 cat "$ERR"
	assert_output "sl-httpd: listening on 127.0.0.1:$PORT (1 worker, at most 128 connections per address)"
}

@test "start-up: one line on stderr with the address, and the port the kernel chose for :0" {
	httpd_start -w 2 --max-conn-per-ip 7
	run -0 head -1 "$ERR"
	assert_output "sl-httpd: listening on 127.0.0.1:$PORT (2 workers, at most 7 connections per address)"
}

@test "/health says the process lives; /ready says the store serves and whether writes are taken, and why not" {
	httpd_start -w 1
	get /health
	assert_equal "$CODE" 200
	get /ready
	assert_equal "$CODE" 200
	run -0 cat "$BODY"
	assert_output '{"ready":true,"size":5,"writes":false,"reason":"read_only_server"}'
	get /metrics
	run -0 grep -F 'stateledger_writable{reason="read_only_server"} 0' "$BODY"
	httpd_stop
	httpd_start -w 1 -T "$TOKENS"
	get /ready
	assert_equal "$CODE" 200
	run -0 cat "$BODY"
	assert_output '{"ready":true,"size":5,"writes":true}'
	get /metrics
	run -0 grep -Fx 'stateledger_writable 1' "$BODY"
	get /ready -X POST
	assert_equal "$CODE" 405
}

@test "a POST that will be refused is answered from its headers, before any body, and the connection closed" {
	local big='Content-Type: application/x-ndjson\r\nContent-Length: 4194304\r\n'
	httpd_start -w 1 -T "$TOKENS"
	# The body never comes: the answer must not wait for it.
	run -0 raw "POST /v1/entries HTTP/1.1\r\nHost: x\r\n$big\r\n"
	assert_output "HTTP/1.1 401 Unauthorized closed"
	run -0 raw "POST /v1/entries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n$big\r\n"
	assert_output "HTTP/1.1 401 Unauthorized closed"
	run -0 raw "POST /v1/entries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $TOKEN\r\nContent-Type: text/plain\r\nContent-Length: 4194304\r\n\r\n"
	assert_output "HTTP/1.1 415 Unsupported Media Type closed"
	run -0 raw "POST /health HTTP/1.1\r\nHost: x\r\n$big\r\n"
	assert_output "HTTP/1.1 405 Method Not Allowed closed"
	# A valid token: the body is read and the entry stored, as before.
	post_one -H "Authorization: Bearer $TOKEN"
	assert_equal "$CODE" 200
	httpd_stop
	httpd_start -w 1
	run -0 raw "POST /v1/entries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer $TOKEN\r\n$big\r\n"
	assert_output "HTTP/1.1 403 Forbidden closed"
}

@test "40 concurrent unauthenticated 4 MiB uploads: the peak RSS grows by less than 8 MiB" {
	local n hwm0 hwm1 pids=()
	head -c $((4 << 20)) /dev/zero | tr '\0' 'a' >"$BATS_TEST_TMPDIR/big"
	httpd_start -w 1 -T "$TOKENS"
	for ((n = 0; n < 20; n++)); do
		curl -fsS -o /dev/null "$URL/v1/entries?limit=5"
	done
	hwm0=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$HTTPD_PID/status")
	# No Expect: 100-continue: each client sends its body at once, as an attacker would.
	for ((n = 0; n < 40; n++)); do
		curl -sS -o /dev/null -w '%{http_code}\n' -H 'Expect:' -H 'Content-Type: application/x-ndjson' \
			-H "Authorization: Bearer bad$n" --data-binary "@$BATS_TEST_TMPDIR/big" \
			"$URL/v1/entries" >"$BATS_TEST_TMPDIR/code.$n" 2>/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}"
	hwm1=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$HTTPD_PID/status")
	echo "# VmHWM before $hwm0 kB, after $hwm1 kB" >&3
	# Each got its 401, or a reset when it was still sending; none a 200.
	run -1 grep -vxE '401|000' "$BATS_TEST_TMPDIR"/code.*
	if nm -D "$(command -v sl-httpd)" 2>/dev/null | grep -q __asan_init; then
		skip "sl-httpd is built with AddressSanitizer: RSS not compared"
	fi
	((hwm1 - hwm0 < 8192)) || fail "the peak RSS grew from $hwm0 kB to $hwm1 kB"
	get /health
	assert_equal "$CODE" 200
}

@test "a default per-address connection limit: one client's idle connections do not starve others" {
	local n fds=() est
	httpd_start -w 1 --max-conn 200 --timeout 30
	# 300 idle connections from 127.0.0.1.
	for ((n = 0; n < 300; n++)); do
		exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" || break
		fds+=("$fd")
	done
	# Another address is served.
	run -0 curl -sS -m 5 --interface 127.0.0.2 "$URL/health"
	assert_output '{"status":"ok"}'
	est=$(ss -Htn state established "sport = :$PORT" | wc -l)
	echo "# connections held: $est" >&3
	((est <= 129)) || fail "$est connections held from one address"
	for fd in "${fds[@]}"; do
		exec {fd}<&-
	done
}

@test "/v1/verify: one verification per state, kept for the same state (Age), afresh once the ledger grows" {
	local n pids=()
	httpd_start -w 1
	for ((n = 0; n < 10; n++)); do
		curl -fsS -o "$BATS_TEST_TMPDIR/v.$n" "$URL/v1/verify" &
		pids+=($!)
	done
	wait "${pids[@]}"
	sl-verify >"$BATS_TEST_TMPDIR/want"
	for ((n = 0; n < 10; n++)); do
		cmp "$BATS_TEST_TMPDIR/v.$n" "$BATS_TEST_TMPDIR/want"
	done
	get /v1/verify
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	[[ $(header Age) =~ ^[0-9]+$ ]] || fail "no Age on a kept answer"
	get /metrics
	run -0 grep -Fx 'stateledger_verifications_total 1' "$BODY"
	append_n 1 later
	get /v1/verify
	assert_equal "$(header Age)" ""
	run -0 jq -c '[.verified, .size]' "$BODY"
	assert_output '[true,6]'
	get /metrics
	run -0 grep -Fx 'stateledger_verifications_total 2' "$BODY"
}

@test "strict framing: Content-Length with Transfer-Encoding, two Content-Lengths, a space before the colon, control bytes in the path: 400 and closed" {
	httpd_start -w 1 -T "$TOKENS"
	local a="Host: x\r\nAuthorization: Bearer $TOKEN\r\nContent-Type: application/x-ndjson\r\n"
	local e='{"type":"x-ops","source":"s","payload":{}}\n'
	run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Content-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n2c\r\n$e\r\n0\r\n\r\n"
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Content-Length: 44\r\nContent-Length: 4\r\n\r\n$e"
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw "GET /health HTTP/1.1\r\nHost: x\r\nX-Forwarded-For : 1.2.3.4\r\n\r\n"
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Content-Length : 44\r\n\r\n$e"
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw 'GET /metrics%%00.css HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw 'GET /health%%0d%%0aX:%%20y HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw 'GET /v1/entries/1%%7f HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_output "HTTP/1.1 400 Bad Request closed"
	# Nothing was appended by any of them; well-framed requests are served.
	assert_equal "$(ledger_size)" 5
	get /health
	assert_equal "$CODE" 200
}

# raw_answer REQUEST (printf format): the whole answer on a new connection,
# CRs and the Date line left out, then "closed" or "open" as raw says.
raw_answer() {
	local how=open
	trap '' PIPE
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	# shellcheck disable=SC2059
	printf "$1" >&5 2>/dev/null || true
	timeout 5 cat <&5 >"$BATS_TEST_TMPDIR/answer" 2>/dev/null && how=closed
	exec 5<&-
	tr -d '\r' <"$BATS_TEST_TMPDIR/answer" | grep -v '^Date: '
	echo
	echo "$how"
}

@test "a raw NUL byte in the request target or a header field: 400, closed, logged as refused" {
	httpd_start -w 1
	run -0 raw 'GET /metrics\x00.css HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw 'GET /health?limit=1\x00x HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n'
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw 'GET /health HTTP/1.1\r\nX-A: a\x00\r\nHost: x\r\n\r\n'
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw 'GET /health HTTP/1.1\r\nX-A: \x00a\r\nHost: x\r\n\r\n'
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw 'GET /health HTTP/1.1\r\nHost: x\x00\r\n\r\n'
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw 'GET /health HTTP/1.1\nHost: x\n\x00\n\n'
	assert_output "HTTP/1.1 400 Bad Request closed"
	# A field folded over two lines (obs-fold) is refused too (RFC 9112 section 5.2).
	run -0 raw 'GET /health HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n'
	assert_output "HTTP/1.1 400 Bad Request closed"
	# The answer is the server's JSON error.
	run -0 raw_answer 'GET /metrics\x00.css HTTP/1.1\r\nHost: x\r\n\r\n'
	assert_line '{"error":{"code":"bad_request","message":"a NUL byte, a folded field or mixed line ends in the request head"}}'
	# Lines ended by LF alone, white space around values and after the colon: served.
	run -0 raw 'GET /health HTTP/1.1\nHost:  x \nAccept:\t*/*\n\n'
	assert_output "HTTP/1.1 200 OK open"
	run -0 raw 'GET /health HTTP/1.1\r\nHost:x\r\nX-Empty:\r\n\r\n'
	assert_output "HTTP/1.1 200 OK open"
	httpd_stop
	run -0 jq -c 'select(.path) | [.path, .status]' < <(grep '^{' "$ERR")
	assert_line --index 0 '["/metrics",400]'
	assert_line --index 8 '["/metrics",400]'
	assert_line --index 9 '["/health",200]'
}

@test "Transfer-Encoding: twice, or another coding than chunked, is refused at once and closed" {
	httpd_start -w 1 -T "$TOKENS"
	local a="Host: x\r\nAuthorization: Bearer $TOKEN\r\nContent-Type: application/x-ndjson\r\n"
	local e='{"type":"x-ops","source":"s","payload":{}}\n'
	local c="2b\r\n$e\r\n0\r\n\r\n"
	run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n$c"
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Transfer-Encoding: chunked, chunked\r\n\r\n$c"
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Transfer-Encoding: gzip, chunked\r\n\r\n$c"
	assert_output "HTTP/1.1 501 Not Implemented closed"
	run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Transfer-Encoding: identity\r\n\r\n$e"
	assert_output "HTTP/1.1 501 Not Implemented closed"
	run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Transfer-Encoding: \r\n\r\n$e"
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Transfer-Encoding: chunked\r\nContent-Length: 44\r\n\r\n$c"
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw_answer "POST /v1/entries HTTP/1.1\r\n${a}Transfer-Encoding: gzip, chunked\r\n\r\n$c"
	assert_line '{"error":{"code":"not_implemented","message":"a transfer coding other than chunked"}}'
	assert_equal "$(ledger_size)" 5
	# chunked alone, in any case, is taken.
	run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Transfer-Encoding: Chunked\r\n\r\n$c"
	assert_output "HTTP/1.1 200 OK open"
	assert_equal "$(ledger_size)" 6
}

@test "Content-Length: not digits, or two that differ: 400, closed and logged; leading zeros are digits" {
	httpd_start -w 1 -T "$TOKENS"
	local a="Host: x\r\nAuthorization: Bearer $TOKEN\r\nContent-Type: application/x-ndjson\r\n"
	local e='{"type":"x-ops","source":"s","payload":{}}\n' v
	# libmicrohttpd answers these itself, before the server sees the request.
	for v in abc -1 +5 '5 ' '5, 5' 0x2c; do
		run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Content-Length: $v\r\n\r\n$e"
		assert_output "HTTP/1.1 400 Bad Request closed"
	done
	run -0 raw "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n"
	assert_output "HTTP/1.1 400 Bad Request closed"
	run -0 raw_answer "POST /v1/entries HTTP/1.1\r\n${a}Content-Length: 44\r\nContent-Length: 43\r\n\r\n$e"
	assert_line --index 0 'HTTP/1.1 400 Bad Request'
	assert_line '{"error":{"code":"bad_request","message":"two different Content-Length fields"}}'
	assert_line --index -1 closed
	run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Content-Length: 44\r\nContent-Length: 044\r\n\r\n$e"
	assert_output "HTTP/1.1 400 Bad Request closed"
	# 1*DIGIT (RFC 9110): 00 is 0, 043 is 43.
	run -0 raw "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 00\r\n\r\n"
	assert_output "HTTP/1.1 200 OK open"
	run -0 raw "POST /v1/entries HTTP/1.1\r\n${a}Content-Length: 043\r\n\r\n$e"
	assert_output "HTTP/1.1 200 OK open"
	assert_equal "$(ledger_size)" 6
	httpd_stop
	run -0 jq -c 'select(.path) | [.path, .status]' < <(grep '^{' "$ERR")
	assert_output - <<-EOF
		$(for v in 1 2 3 4 5 6; do echo '["/v1/entries",400]'; done)
		["/health",400]
		["/v1/entries",400]
		["/v1/entries",400]
		["/health",200]
		["/v1/entries",200]
	EOF
}

@test "socket activation wins over -l: the activated socket is served and -l is not bound" {
	require_cmd systemd-socket-activate
	local port other n
	port=$(free_port)
	other=$(free_port)
	systemd-socket-activate -l "127.0.0.1:$port" sl-httpd -L "$L" -l "127.0.0.1:$other" \
		>/dev/null 2>"$ERR" 3>&- &
	HTTPD_PID=$!
	URL="http://127.0.0.1:$port"
	for ((n = 0; n < 50; n++)); do
		curl -fsS -m 1 -o /dev/null "$URL/health" 2>/dev/null && break
		sleep 0.1
	done
	get /v1/entries/1 -m 5
	assert_equal "$CODE" 200
	run -7 curl -sS -m 2 "http://127.0.0.1:$other/health"
	run -0 grep -F "sl-httpd: serving the socket of LISTEN_FDS; -l '127.0.0.1:$other' is not used" "$ERR"
}

@test "--help, sl-httpd(1) and the README say the same: LISTEN_FDS wins over -l; one worker by default" {
	require_cmd mandoc
	run -0 sl-httpd --help
	assert_line --partial "LISTEN_FDS wins over -l"
	assert_line --partial "worker processes sharing the socket (default 1)"
	run -0 --separate-stderr mandoc -Tascii "$SL_SRCDIR/doc/sl-httpd.1"
	local txt
	txt=$(col -b <<<"$output" | tr -s '[:space:]' ' ')
	[[ $txt == *"LISTEN_FDS wins over -l"* ]] || fail "sl-httpd(1) does not say that LISTEN_FDS wins over -l"
	[[ $txt == *"worker processes (1 to 256, default 1)"* ]] || fail "sl-httpd(1) gives another default for -w"
	run -1 grep -F "a worker per processor" "$SL_SRCDIR/README.md"
	run -0 grep -F "one worker process" "$SL_SRCDIR/README.md"
}
