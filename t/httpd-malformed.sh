#!/bin/bash
# SPDX-License-Identifier: MIT
# t/httpd-malformed.sh PORT FIRST COUNT: send malformed requests FIRST ..
# FIRST+COUNT-1 to 127.0.0.1:PORT, one connection each, and print per
# request "KIND STATUS-LINE" or "KIND closed".  Used by
# t/3050-sl-httpd-hostile.bats; a plain script, because bats' tracing
# makes a loop of a thousand requests slow.
PORT=$1
KINDS=24
trap '' PIPE

# malformed N: the Nth malformed request (printf format), all of them wrong.
malformed() {
	local n=$1 big
	case $((n % KINDS)) in
	0) printf 'GARBAGE%d\r\n\r\n' "$n" ;;
	1) printf 'GET /health HTTP/%d.0\r\nHost: x\r\n\r\n' $((n % 7 + 2)) ;;
	2) printf 'GET /health HTTP/1.1\r\n\r\n' ;;
	3) printf 'GET /health HTTP/1.1\r\nHost: x\r\nNoColon%d\r\n\r\n' "$n" ;;
	4) printf 'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: -%d\r\n\r\n' "$n" ;;
	5) printf 'POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n' ;;
	6) printf 'POST /v1/entries HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz%d\r\n' "$n" ;;
	7) printf 'GET /no/such/%d HTTP/1.1\r\nHost: x\r\n\r\n' "$n" ;;
	8) printf 'GET /v1/entries?limit=x%d HTTP/1.1\r\nHost: x\r\n\r\n' "$n" ;;
	9) printf 'FOO%d /health HTTP/1.1\r\nHost: x\r\n\r\n' "$n" ;;
	10)
		big=$(printf '%*s' 9000 '' | tr ' ' a)
		printf 'GET /%s%d HTTP/1.1\r\nHost: x\r\n\r\n' "$big" "$n"
		;;
	11)
		printf 'GET /health HTTP/1.1\r\nHost: x\r\n'
		for ((k = 0; k < 70; k++)); do printf 'X-%d: %d\r\n' "$k" "$n"; done
		printf '\r\n'
		;;
	12) printf '\\x00\\x01GET /%d\\x00 HTTP/1.1\r\n\r\n' "$n" ;;
	13) printf 'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc' ;;
	14) printf 'POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: 2\r\n\r\n{}' ;;
	15) printf 'GET /v1/entries?source=%%01%d HTTP/1.1\r\nHost: x\r\n\r\n' "$n" ;;
	16) printf 'GET /health HTTP/1.1\r\nHost: x\r\n Folded: %d\r\n\r\n' "$n" ;;
	17) printf 'GET /v1/entries/0%d HTTP/1.1\r\nHost: x\r\n\r\n' "$n" ;;
	18) printf 'GET /v1/proof/inclusion?seq=-%d HTTP/1.1\r\nHost: x\r\n\r\n' "$n" ;;
	19)
		big=$(printf '%*s' 9000 '' | tr ' ' b)
		printf 'GET /health HTTP/1.1\r\nHost: x\r\nX-Big: %s%d\r\n\r\n' "$big" "$n"
		;;
	# Framing a proxy in front could read otherwise (request smuggling): 400 and closed.
	20) printf 'POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: %d\r\n\r\nabc' $((n % 9 + 4)) ;;
	21) printf 'POST /v1/entries HTTP/1.1\r\nHost: x\r\nContent-Length : %d\r\n\r\n' "$n" ;;
	22) printf 'GET /metrics%%00.css%d HTTP/1.1\r\nHost: x\r\n\r\n' "$n" ;;
	23) printf 'GET /health%%%02x HTTP/1.1\r\nHost: x\r\n\r\n' $((n % 32)) ;;
	esac
}

# send N: send malformed request N on a new connection; print its status
# line, or "closed" when the server closed without answering.
send() {
	local line=
	exec 5<>"/dev/tcp/127.0.0.1/$PORT" || return 1
	malformed "$1" >&5 2>/dev/null || true
	if IFS= read -r -t 10 line <&5; then
		printf '%s\n' "${line%$'\r'}"
	elif [[ -z $line ]]; then
		echo closed
	else
		printf '%s\n' "${line%$'\r'}"
	fi
	exec 5<&-
}

for ((n = $2; n < $2 + $3; n++)); do
	printf '%d %s\n' $((n % KINDS)) "$(send "$n")"
done
