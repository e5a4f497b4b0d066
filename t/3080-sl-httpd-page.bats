#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-httpd's page (issue 15): GET / and its two files from the compiled-in
# list with a strict Content-Security-Policy, no file named by a request,
# and GET /v1/head, the head and time span the page starts from.  The page
# itself is tested in a browser by t/5010-ui-browser.bats.

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

at() {
	local t=$1
	shift
	printf '%s\n' "$@" | faketime "$t" sl-append >/dev/null || fail "append at $t failed"
}

setup() {
	sl_setup
	require_cmd curl socat faketime jq ss
	init_ledger
}

teardown() {
	httpd_teardown
}

@test "GET / is the page from share/stateledger/www, with its CSP, and its files load" {
	httpd_start
	get /
	assert_equal "$CODE" 200
	assert_equal "$(header Content-Type)" 'text/html; charset=utf-8'
	cmp "$BODY" "$SL_SRCDIR/share/stateledger/www/index.html"
	run -0 header Content-Security-Policy
	assert_output --partial "default-src 'self'"
	assert_output --partial "script-src 'self';"
	assert_output --partial "frame-ancestors 'none'"
	assert_equal "$(header X-Content-Type-Options)" nosniff
	get /ui/app.js
	assert_equal "$CODE" 200
	assert_equal "$(header Content-Type)" 'text/javascript; charset=utf-8'
	cmp "$BODY" "$SL_SRCDIR/share/stateledger/www/app.js"
	get /ui/app.css
	assert_equal "$CODE" 200
	assert_equal "$(header Content-Type)" 'text/css; charset=utf-8'
	cmp "$BODY" "$SL_SRCDIR/share/stateledger/www/app.css"
	# The API's answers carry no page policy.
	get /health
	assert_equal "$(header Content-Security-Policy)" ""
}

@test "GET / takes the page's own state (at, from, to, seq, q) and refuses others" {
	httpd_start
	get '/?at=2026-01-01T00:00:00Z'
	assert_equal "$CODE" 200
	get '/?from=2026-01-01&to=now&q=web'
	assert_equal "$CODE" 200
	get '/?seq=3'
	assert_equal "$CODE" 200
	get '/?file=/etc/passwd'
	assert_equal "$CODE" 400
	get '/?at=1&at=2'
	assert_equal "$CODE" 400
	get '/ui/app.js?at=1'
	assert_equal "$CODE" 400
}

@test "the page's paths take GET and HEAD only; no other file is served" {
	httpd_start
	get / -X POST -H 'Content-Type: application/x-ndjson' --data-binary ''
	assert_equal "$CODE" 405
	get /v1/head -X DELETE
	assert_equal "$CODE" 405
	local p
	for p in /ui/ /ui/index.html /index.html /app.js /ui/../ui/app.js /ui/app.js/ /ui/%2e%2e/GNUmakefile /ui/README.md; do
		get "$p" --path-as-is
		[[ $CODE == 404 ]] || fail "$p: $CODE, want 404"
	done
}

@test "without its files the page is a 404 and the API still serves" {
	mkdir -p "$BATS_TEST_TMPDIR/bin"
	cp "$(command -v sl-httpd)" "$BATS_TEST_TMPDIR/bin/"
	PATH="$BATS_TEST_TMPDIR/bin:$PATH" httpd_start
	[[ $(readlink "/proc/$HTTPD_PID/exe") == "$BATS_TEST_TMPDIR/bin/sl-httpd" ]] || fail "not the copy"
	get /
	# SL_SHAREDIR may hold an installed page; only a missing one must be a 404.
	if [[ ! -e /usr/local/share/stateledger/www/index.html ]]; then
		assert_equal "$CODE" 404
		run -0 jq -c .error "$BODY"
		assert_output '{"code":"not_found","message":"the page is not installed"}'
	fi
	get /health
	assert_equal "$CODE" 200
}

@test "GET /v1/head is the size, root and time span; sl-prove --head's size and root" {
	httpd_start
	get /v1/head
	assert_equal "$CODE" 200
	assert_equal "$(cat "$BODY")" "{\"size\":0,\"root\":\"$(printf '' | sha256sum | cut -d' ' -f1)\",\"first_ts\":null,\"last_ts\":null}"
	at '2026-01-01 00:00:00' '{"type":"x-app","source":"web-1","payload":{"v":1}}'
	at '2026-03-01 12:00:00' '{"type":"x-app","source":"web-1","payload":{"v":2}}' \
		'{"type":"x-app","source":"web-2","payload":{"v":1}}'
	get /v1/head
	assert_equal "$CODE" 200
	assert_equal "$(header Content-Type)" application/json
	run -0 jq -c '{size, root}' "$BODY"
	assert_output "$(sl-prove --head | jq -c .)"
	run -0 jq -r '.first_ts, .last_ts' "$BODY"
	assert_output "$(sl-log | sed -n '1p;$p' | jq -r .ts)"
	assert_line --index 0 --regexp '^2026-01-01T00:00:0'
	assert_line --index 1 --regexp '^2026-03-01T12:00:0'
	get '/v1/head?size=1'
	assert_equal "$CODE" 400
}

@test "GET /v1/sources?at=T is the snapshot at T without its proofs: the same entries and heads" {
	at '2026-01-01 00:00:00' '{"type":"x-app","source":"web-1","payload":{"v":1}}' \
		'{"type":"mutation","source":"db","payload":{"namespace":"pg/main/s","position":1,"id":"m1","sha256":"'"$(printf 1 | sha256sum | cut -d' ' -f1)"'"}}'
	at '2026-02-01 00:00:00' '{"type":"x-app","source":"web-1","payload":{"v":2}}' \
		'{"type":"x-app","source":"web-2","payload":{"v":1}}'
	sl-keygen >/dev/null 2>&1
	sl-checkpoint >/dev/null
	httpd_start
	local t
	for t in 2026-01-15T00:00:00Z now; do
		get "/v1/sources?at=$t"
		assert_equal "$CODE" 200
		assert_equal "$(header Content-Type)" application/json
		sl-snapshot --at "$t" >"$BATS_TEST_TMPDIR/snap"
		# The same entries (seq, type, source, leaf hash, bytes) and mutation heads, in the same order.
		run -0 jq -c '[.size, .root, [.entries[] | del(.inclusion)], [.mutations[] | {namespace, seq, position, id}]]' "$BODY"
		assert_output "$(jq -c '[.size, .root, [.entries[] | del(.inclusion)], [.mutations[] | {namespace, seq, position, id}]]' "$BATS_TEST_TMPDIR/snap")"
		run -0 jq -c '[.checkpoint, .bounds, ([.entries[] | has("inclusion")] | any)]' "$BODY"
		assert_output '[null,null,false]'
	done
	get /v1/sources
	assert_equal "$CODE" 400
	run -0 jq -c .error "$BODY"
	assert_output '{"code":"bad_request","message":"at: required"}'
	get '/v1/sources?at=yesterday-ish'
	assert_equal "$CODE" 400
	get '/v1/sources?at=now&type=x-app'
	assert_equal "$CODE" 400
}

@test "GET /v1/entries/SEQ/content serves a stored config's bytes, never a private, unstored or damaged one" {
	local d="$BATS_TEST_TMPDIR/etc"
	mkdir -p "$d"
	printf 'listen 80;\n' >"$d/public.conf"
	printf 'password hunter2\n' >"$d/private.conf"
	chmod 600 "$d/private.conf"
	printf 'x\n' >"$d/plain.conf"
	{
		sl-capture-config --store --host web-1 "$d/public.conf"
		sl-capture-config --store-private --host web-1 "$d/private.conf"
		sl-capture-config --host web-1 "$d/plain.conf"
		echo '{"type":"x-app","source":"web-1","payload":{"v":1}}'
	} | sl-append >/dev/null
	run -0 sl-get 1
	assert_output --partial '"private":true'
	assert_output --partial '"stored":true'
	httpd_start
	get /v1/entries/0/content
	assert_equal "$CODE" 200
	assert_equal "$(header Content-Type)" application/octet-stream
	assert_equal "$(header X-Content-Type-Options)" nosniff
	cmp "$BODY" "$d/public.conf"
	local seq
	for seq in 1 2 3; do
		get "/v1/entries/$seq/content"
		assert_equal "$CODE" 404
		run -0 jq -c .error "$BODY"
		assert_output "{\"code\":\"not_found\",\"message\":\"entry $seq has no stored content that may be served\"}"
	done
	get /v1/entries/9/content
	assert_equal "$CODE" 404
	get /v1/entries/00/content
	assert_equal "$CODE" 404
	get '/v1/entries/0/content?x=1'
	assert_equal "$CODE" 400
	get /v1/entries/0/content -X POST -H 'Content-Type: application/x-ndjson' --data-binary ''
	assert_equal "$CODE" 405
	# Damaged content is a 500 that says so, and none of its bytes.
	local f
	f=$(find "$L/artifacts" -type f -name "$(sl-get 0 | jq -r .payload.sha256)")
	chmod u+w "$f"
	printf 'listen 81;\n' >"$f"
	get /v1/entries/0/content
	assert_equal "$CODE" 500
	run -0 jq -r .error.code "$BODY"
	assert_output corrupt
}
