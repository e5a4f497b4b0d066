#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-httpd: POST /v1/entries only with a configured token file and a
# matching bearer token; an invalid line appends nothing; receipts as
# sl-append's (issue 6, done-when 1).

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

TOKEN=s3cr3t-Token_1
OTHER=another.token

setup() {
	sl_setup
	require_cmd curl socat jq ss
	init_ledger
	append_n 3 pre
	TOKENS="$BATS_TEST_TMPDIR/tokens"
	{
		echo '# write tokens for CI'
		printf %s "$OTHER" | sha256sum
		printf '%s  ci\n' "$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)"
	} >"$TOKENS"
	gen_entries 4 post >"$IN"
}

teardown() {
	httpd_teardown
}

post() { # [curl options]
	get /v1/entries -X POST -H 'Content-Type: application/x-ndjson' --data-binary "@$IN" "$@"
}

@test "without a token file every POST is 403 read_only and nothing is appended" {
	httpd_start
	save_state
	post -H "Authorization: Bearer $TOKEN"
	assert_equal "$CODE" 403
	assert_equal "$(cat "$BODY")" '{"error":{"code":"read_only","message":"this server does not take writes"}}'
	assert_state_unchanged
}

@test "POST without a token is 401 with WWW-Authenticate, with a wrong or malformed one 401; nothing appended" {
	httpd_start -T "$TOKENS"
	save_state
	post
	assert_equal "$CODE" 401
	assert_equal "$(header WWW-Authenticate)" Bearer
	assert_equal "$(cat "$BODY")" '{"error":{"code":"unauthorized","message":"a bearer token is required"}}'
	for h in "Bearer wrong" "Bearer ${TOKEN}x" "Bearer ${TOKEN:1}" "Basic $TOKEN" "Bearer" "Bearer $TOKEN junk" "$TOKEN"; do
		post -H "Authorization: $h"
		assert_equal "$CODE" 401
	done
	assert_state_unchanged
}

@test "POST with an invalid line is 400 naming the line; nothing of the body is appended, the root is unchanged" {
	httpd_start -T "$TOKENS"
	save_state
	{ gen_entries 2 ok; echo '{"type":"x-t","source":"s","payload":{"n":1.5}}'; gen_entries 2 late; } >"$IN"
	post -H "Authorization: Bearer $TOKEN"
	assert_equal "$CODE" 400
	run -0 jq -r .error.code,.error.message "$BODY"
	assert_line -n 0 invalid_entry
	assert_line -n 1 --regexp '^line 3: payload\.n: .*\(nothing was appended\)$'
	assert_state_unchanged
	echo 'not json' >"$IN"
	post -H "Authorization: Bearer $TOKEN"
	assert_equal "$CODE" 400
	: >"$IN"
	post -H "Authorization: Bearer $TOKEN"
	assert_equal "$CODE" 400
	gen_entries 1 >"$IN"
	get /v1/entries -X POST -H 'Content-Type: text/plain' --data-binary "@$IN" \
		-H "Authorization: Bearer $TOKEN"
	assert_equal "$CODE" 415
	assert_state_unchanged
}

@test "POST with the right token appends all lines and answers sl-append's receipts" {
	httpd_start -T "$TOKENS"
	post -H "Authorization: Bearer $TOKEN"
	assert_equal "$CODE" 200
	run -0 jq -c '[.receipts[].seq]' "$BODY"
	assert_output '[3,4,5,6]'
	assert_equal "$(ledger_size)" 7
	local r
	for r in 3 4 5 6; do
		run -0 jq -r ".receipts[$((r - 3))].leaf_hash" "$BODY"
		assert_output "$(leaf_hash_of "$r")"
	done
	run -0 sl-log --after 2
	assert_equal "$(jq -c '.payload' <<<"$output" | paste -sd' ')" '{"i":0} {"i":1} {"i":2} {"i":3}'
	# The NDJSON form is sl-append's receipt lines, and the other token works too.
	gen_entries 2 nd >"$IN"
	post -H "Authorization: bearer   $OTHER" -H 'Accept: application/x-ndjson'
	assert_equal "$CODE" 200
	assert_equal "$(header Content-Type)" application/x-ndjson
	run -0 cat "$BODY"
	assert_line -n 0 --regexp '^\{"seq":7,"ts":"'"$TS_RE"'","leaf_hash":"'"$(leaf_hash_of 7)"'"\}$'
	assert_line -n 1 --regexp '^\{"seq":8,"ts":"'"$TS_RE"'","leaf_hash":"'"$(leaf_hash_of 8)"'"\}$'
	run -0 sl-verify
	get /metrics
	run -0 grep -F 'stateledger_entries_appended_total 6' "$BODY"
}

@test "POST of a body over --max-body is 413 and appends nothing" {
	httpd_start -T "$TOKENS" --max-body 1000
	save_state
	gen_entries 100 big >"$IN"
	post -H "Authorization: Bearer $TOKEN"
	assert_equal "$CODE" 413
	post -H "Authorization: Bearer $TOKEN" -H 'Transfer-Encoding: chunked'
	assert_equal "$CODE" 413
	assert_state_unchanged
}

@test "a token file that is missing or holds no valid hash stops sl-httpd with 100" {
	run -100 --separate-stderr sl-httpd -L "$L" -l 127.0.0.1:0 -T "$BATS_TEST_TMPDIR/none"
	assert_output ""
	assert_equal "$stderr" "sl-httpd: fatal: unable to open '$BATS_TEST_TMPDIR/none': No such file or directory"
	echo "$TOKEN" >"$BATS_TEST_TMPDIR/plain"
	run -100 --separate-stderr sl-httpd -L "$L" -l 127.0.0.1:0 -T "$BATS_TEST_TMPDIR/plain"
	assert_equal "$stderr" "sl-httpd: fatal: unable to read tokens from '$BATS_TEST_TMPDIR/plain': line 1: want the SHA-256 of a token as 64 lowercase hex digits"
}
