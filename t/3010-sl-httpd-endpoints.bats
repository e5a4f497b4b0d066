#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-httpd: every GET endpoint against a running server, with curl: the
# status, the headers that matter, and bodies byte-identical to what the
# command-line programs print for the same question (issue 6, done-when 1).

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
	at '2026-01-01 00:00:00' \
		'{"type":"x-app","source":"web-1","payload":{"v":1}}' \
		'{"type":"x-app","source":"web-2","payload":{"v":1}}'
	at '2026-02-01 00:00:00' \
		'{"type":"x-app","source":"web-1","payload":{"v":2}}' \
		'{"type":"x-db","source":"db-1","payload":{"v":1}}'
	at '2026-03-01 00:00:00' \
		'{"type":"x-app","source":"web-2","payload":{"v":3}}'
	httpd_start
}

teardown() {
	httpd_teardown
}

@test "GET /health is 200 {\"status\":\"ok\"} as JSON" {
	get /health
	assert_equal "$CODE" 200
	assert_equal "$(cat "$BODY")" '{"status":"ok"}'
	assert_equal "$(header Content-Type)" application/json
}

@test "GET /v1/entries lists every entry as JSON with next null; NDJSON is sl-log's bytes" {
	get /v1/entries
	assert_equal "$CODE" 200
	run -0 jq -c '[.entries[].seq], .next' "$BODY"
	assert_output $'[0,1,2,3,4]\nnull'
	sl-log >"$BATS_TEST_TMPDIR/want"
	run -0 jq -c '.entries[]' "$BODY"
	assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/want")"
	get /v1/entries -H 'Accept: application/x-ndjson'
	assert_equal "$CODE" 200
	assert_equal "$(header Content-Type)" application/x-ndjson
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
}

@test "GET /v1/entries filters type, source glob, since, until, after and limit as sl-log does" {
	local q args
	while IFS='|' read -r q args; do
		get "/v1/entries?$q" -H 'Accept: application/x-ndjson'
		assert_equal "$CODE" 200
		# shellcheck disable=SC2086
		sl-log $args >"$BATS_TEST_TMPDIR/want"
		cmp "$BODY" "$BATS_TEST_TMPDIR/want" || fail "?$q differs from sl-log $args"
	done <<-'EOF'
		type=x-app|--type x-app
		source=web-*|--source web-*
		source=%5Bdw%5D*-1|--source [dw]*-1
		since=2026-02-01|--since 2026-02-01
		until=2026-02-01T00:00:00Z|--until 2026-02-01T00:00:00Z
		since=2026-01-15&until=2026-02-15&type=x-db|--since 2026-01-15 --until 2026-02-15 --type x-db
		after=2|--after 2
		after=0&limit=2|--after 0 --limit 2
	EOF
}

@test "GET /v1/entries pages with a next link in the body and in a Link header" {
	get '/v1/entries?type=x-app&limit=2'
	assert_equal "$CODE" 200
	run -0 jq -c '[.entries[].seq], .next' "$BODY"
	assert_output $'[0,1]\n"/v1/entries?type=x-app&after=1&limit=2"'
	assert_equal "$(header Link)" '</v1/entries?type=x-app&after=1&limit=2>; rel="next"'
	get '/v1/entries?type=x-app&after=1&limit=2'
	run -0 jq -c '[.entries[].seq], .next' "$BODY"
	assert_output $'[2,4]\nnull'
	assert_equal "$(header Link)" ""
}

@test "GET /v1/entries refuses bad, unknown and repeated arguments with 400 and an error object" {
	local q
	for q in 'limit=0' 'limit=1001' 'limit=x' 'after=-1' 'after=99999999999999999999' \
		'since=yesterday' 'until=2026-13-01' 'type=BAD' 'colour=red' 'limit=2&limit=3' 'limit'; do
		get "/v1/entries?$q"
		assert_equal "$CODE" 400
		run -0 jq -r '.error.code' "$BODY"
		assert_output bad_request
	done
	get '/v1/entries?colour=red'
	run -0 jq -c . "$BODY"
	assert_output '{"error":{"code":"bad_request","message":"unknown query parameter '"'"'colour'"'"'"}}'
}

@test "GET /v1/entries/{seq} is sl-get's bytes; a missing seq is 404; a malformed one is 404" {
	get /v1/entries/3
	assert_equal "$CODE" 200
	sl-get 3 >"$BATS_TEST_TMPDIR/want"
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	get /v1/entries/5
	assert_equal "$CODE" 404
	assert_equal "$(cat "$BODY")" '{"error":{"code":"not_found","message":"no entry 5"}}'
	for p in /v1/entries/03 /v1/entries/-1 /v1/entries/1x /v1/entries/ /v1/entries/1/2 /v1/entries/99999999999999999999; do
		get "$p"
		assert_equal "$CODE" 404
	done
}

@test "GET /v1/proof/inclusion is sl-prove --seq's bytes and checks with sl-prove --check" {
	get '/v1/proof/inclusion?seq=2&size=4'
	assert_equal "$CODE" 200
	sl-prove --seq 2 --size 4 >"$BATS_TEST_TMPDIR/want"
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	run -0 sl-prove --check --root "$(root_at 4)" --size 4 <"$BODY"
	assert_regex "$output" '^\{"verified":true,"type":"inclusion",'
	get '/v1/proof/inclusion?seq=2'
	sl-prove --seq 2 >"$BATS_TEST_TMPDIR/want"
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	get '/v1/proof/inclusion?seq=4&size=4'
	assert_equal "$CODE" 400
	run -0 jq -r .error.code "$BODY"
	assert_output out_of_range
	get '/v1/proof/inclusion?size=4'
	assert_equal "$CODE" 400
}

@test "GET /v1/proof/consistency is sl-prove --from --to's bytes; from 0 or from > to is 400" {
	get '/v1/proof/consistency?from=2&to=5'
	assert_equal "$CODE" 200
	sl-prove --from 2 --to 5 >"$BATS_TEST_TMPDIR/want"
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	for q in 'from=0&to=5' 'from=3&to=2' 'from=1' 'to=2'; do
		get "/v1/proof/consistency?$q"
		assert_equal "$CODE" 400
	done
	get '/v1/proof/consistency?from=1&to=6'
	assert_equal "$CODE" 400
	run -0 jq -r .error.code "$BODY"
	assert_output out_of_range
}

@test "GET /v1/snapshot?at= is sl-snapshot --at's bytes, also with type and source" {
	get '/v1/snapshot?at=2026-02-15'
	assert_equal "$CODE" 200
	sl-snapshot --at 2026-02-15 >"$BATS_TEST_TMPDIR/want"
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	run -0 jq -c '.size, [.entries[].seq]' "$BODY"
	assert_output $'4\n[2,1,3]'
	get '/v1/snapshot?at=2026-03-15&type=x-app&source=web-2'
	sl-snapshot --at 2026-03-15 --type x-app --source web-2 >"$BATS_TEST_TMPDIR/want"
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	get '/v1/snapshot'
	assert_equal "$CODE" 400
	get '/v1/snapshot?at=soon'
	assert_equal "$CODE" 400
}

@test "GET /v1/diff is sl-diff's records: an array as JSON, its bytes as NDJSON" {
	get '/v1/diff?from=2026-01-15&to=2026-03-15' -H 'Accept: application/x-ndjson'
	assert_equal "$CODE" 200
	sl-diff --from 2026-01-15 --to 2026-03-15 >"$BATS_TEST_TMPDIR/want"
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	get '/v1/diff?from=2026-01-15&to=2026-03-15'
	assert_equal "$CODE" 200
	run -0 jq -c '.changes[]' "$BODY"
	assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/want")"
	run -0 jq -r '[.changes[].change] | join(",")' "$BODY"
	assert_output changed,changed,added
	get '/v1/diff?from=2026-03-15&to=2026-01-15'
	assert_equal "$CODE" 400
	# all=1 is sl-diff --all (recaptured sources too); all is 0 or 1.
	get '/v1/diff?from=@0&to=now&all=1' -H 'Accept: application/x-ndjson'
	assert_equal "$CODE" 200
	sl-diff --all --from @0 --to now >"$BATS_TEST_TMPDIR/want"
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	get '/v1/diff?from=@0&to=now&all=0' -H 'Accept: application/x-ndjson'
	assert_equal "$CODE" 200
	sl-diff --from @0 --to now >"$BATS_TEST_TMPDIR/want"
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	get '/v1/diff?from=@0&to=now&all=yes'
	assert_equal "$CODE" 400
}

@test "GET /v1/verify is sl-verify's answer, and says false at the next state once the ledger is tampered with" {
	get /v1/verify
	assert_equal "$CODE" 200
	sl-verify >"$BATS_TEST_TMPDIR/want"
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	tamper entry-replace 4 '"v":3' '"v":4'
	# The same state (head and checkpoint) is answered from the last verification ...
	get /v1/verify
	assert_equal "$CODE" 200
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	[[ -n $(header Age) ]] || fail "a kept answer without Age"
	# ... and the next state is verified afresh: the damage is found.
	echo '{"type":"x-app","source":"web-9","payload":{}}' | sl-append >/dev/null
	get /v1/verify
	assert_equal "$CODE" 200
	run -0 jq -c '.verified, .seq' "$BODY"
	assert_output $'false\n4'
}

@test "GET /v1/checkpoint is 404 before the first checkpoint, then the newest note as text/plain" {
	get /v1/checkpoint
	assert_equal "$CODE" 404
	run -0 jq -r .error.code "$BODY"
	assert_output not_found
	sl-keygen >/dev/null
	sl-checkpoint >/dev/null
	at '2026-04-01 00:00:00' '{"type":"x-app","source":"web-3","payload":{}}'
	sl-checkpoint >"$BATS_TEST_TMPDIR/want"
	get /v1/checkpoint
	assert_equal "$CODE" 200
	assert_equal "$(header Content-Type)" 'text/plain; charset=utf-8'
	cmp "$BODY" "$BATS_TEST_TMPDIR/want"
	sl-checkpoint --latest | cmp - "$BODY"
}

@test "GET /metrics: Prometheus text with tree size, entries, requests by route and status, latency" {
	get /health
	get /v1/entries/99
	get /metrics
	assert_equal "$CODE" 200
	assert_equal "$(header Content-Type)" 'text/plain; version=0.0.4; charset=utf-8'
	run -0 grep -E '^(stateledger_tree_size|stateledger_entries) ' "$BODY"
	assert_output $'stateledger_tree_size 5\nstateledger_entries 5'
	run -0 grep -F 'stateledger_http_requests_total{route="/health",status="200"} 1' "$BODY"
	run -0 grep -F 'stateledger_http_requests_total{route="/v1/entries/{seq}",status="404"} 1' "$BODY"
	run -0 grep -F 'stateledger_http_request_duration_seconds_count{route="/health"} 1' "$BODY"
	run -0 grep -F 'stateledger_http_request_duration_seconds_bucket{route="/health",le="+Inf"} 1' "$BODY"
	run -0 grep -F 'stateledger_http_requests_in_flight 1' "$BODY"
}

@test "unknown paths are 404, known paths with another method 405 with Allow; HEAD works" {
	get /nope
	assert_equal "$CODE" 404
	assert_equal "$(cat "$BODY")" '{"error":{"code":"not_found","message":"no such path"}}'
	get /../../etc/passwd --path-as-is
	assert_equal "$CODE" 404
	get /v1/verify -X DELETE
	assert_equal "$CODE" 405
	assert_equal "$(header Allow)" 'GET, HEAD'
	get /v1/entries -X PUT
	assert_equal "$CODE" 405
	assert_equal "$(header Allow)" 'GET, HEAD, POST'
	get /health -I
	assert_equal "$CODE" 200
	assert_equal "$(header Content-Length)" 16
}

@test "keep-alive: several requests on one connection" {
	run -0 --separate-stderr curl -sS -v "$URL/health" "$URL/v1/entries/0" "$URL/health"
	run -0 grep -c 'Re-using existing connection' <<<"$stderr"
	assert_output 2
}

@test "SIGTERM stops the server with status 0" {
	httpd_stop
	assert_equal "$HTTPD_STATUS" 0
	run -7 curl -sS "$URL/health"
}

@test "between requests the server holds no read transaction: no reader is left open after each endpoint" {
	sl-keygen -o "$BATS_TEST_TMPDIR/k" >/dev/null
	sl-checkpoint -k "$BATS_TEST_TMPDIR/k" >/dev/null
	local ep i=0
	for ep in /health '/v1/entries?limit=2' '/v1/entries?source=web-1' /v1/entries/3 /v1/checkpoint \
		'/v1/proof/inclusion?seq=1&size=4' '/v1/proof/consistency?from=2&to=5' '/v1/snapshot?at=now' \
		'/v1/diff?from=@0&to=now' /v1/verify /metrics; do
		get "$ep"
		assert_equal "$CODE" 200
		# A write after the request; a reader left open by the server would
		# hold back what the store does with it (SQLite: its WAL checkpoint).
		i=$((i + 1))
		printf '{"type":"x-app","source":"web-9","payload":{"v":%d}}\n' "$i" | sl-append >/dev/null
		run -0 tamper readers-idle
	done
}

# expect_corrupt PATH SEQ: GET PATH is 500 "corrupt" naming seq SEQ, and
# no byte of the changed entry.
expect_corrupt() {
	get "$1" "${@:3}"
	assert_equal "$CODE" 500
	assert_equal "$(header Content-Type)" application/json
	run -0 jq -c . "$BODY"
	assert_output "{\"error\":{\"code\":\"corrupt\",\"message\":\"the ledger is damaged: seq $2: stored entry does not match its leaf hash\"}}"
}

@test "an entry whose stored bytes were changed: every read that would serve it is 500 naming the seq" {
	tamper_entry 2
	expect_corrupt /v1/entries 2
	expect_corrupt /v1/entries 2 -H 'Accept: application/x-ndjson'
	expect_corrupt '/v1/entries?source=web-1' 2
	expect_corrupt '/v1/entries?after=1&limit=1' 2
	expect_corrupt /v1/entries/2 2
	expect_corrupt '/v1/snapshot?at=2026-02-15' 2
	expect_corrupt '/v1/diff?from=2026-01-15&to=2026-03-15' 2
	expect_corrupt '/v1/diff?from=2026-01-15&to=2026-03-15' 2 -H 'Accept: application/x-ndjson'
	# Reads that do not reach it still answer.
	get /v1/entries/1
	assert_equal "$CODE" 200
	# A full page before it is served, and its next page is the refusal.
	get '/v1/entries?limit=2'
	assert_equal "$CODE" 200
	run -0 jq -c '[.entries[].seq], .next' "$BODY"
	assert_output $'[0,1]\n"/v1/entries?after=1&limit=2"'
	expect_corrupt '/v1/entries?after=1&limit=2' 2
	get '/v1/entries?after=2' -H 'Accept: application/x-ndjson'
	assert_equal "$CODE" 200
	refute_output --partial forged
}
