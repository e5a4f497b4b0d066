#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-httpd: cursor pagination over 10,000 entries, following `next` links
# (issue 6, done-when 1).

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

setup() {
	sl_setup
	require_cmd curl socat jq ss
	init_ledger
	append_n 10000 p
	httpd_start
}

teardown() {
	httpd_teardown
}

@test "following next links (JSON, default page) yields exactly the 10,000 seqs, each once, in order" {
	local next=/v1/entries pages=0
	: >"$BATS_TEST_TMPDIR/seqs"
	while [[ $next != null ]]; do
		get "$next"
		assert_equal "$CODE" 200
		jq '.entries[].seq' "$BODY" >>"$BATS_TEST_TMPDIR/seqs"
		next=$(jq -r .next "$BODY")
		pages=$((pages + 1))
		((pages <= 101)) || fail "more pages than 10,000 / 100"
	done
	assert_equal "$pages" 100
	run -0 wc -l <"$BATS_TEST_TMPDIR/seqs"
	assert_output 10000
	run -0 sort -un "$BATS_TEST_TMPDIR/seqs"
	assert_equal "$(wc -l <<<"$output")" 10000
	seq 0 9999 | cmp - "$BATS_TEST_TMPDIR/seqs"
}

@test "following Link headers (NDJSON, limit=1000) with a source filter gives sl-log's bytes" {
	local next='/v1/entries?source=p*7&limit=1000' pages=0
	: >"$BATS_TEST_TMPDIR/all"
	while [[ -n $next ]]; do
		get "$next" -H 'Accept: application/x-ndjson'
		assert_equal "$CODE" 200
		cat "$BODY" >>"$BATS_TEST_TMPDIR/all"
		next=$(header Link | sed -n 's/^<\(.*\)>; rel="next"$/\1/p')
		pages=$((pages + 1))
	done
	assert_equal "$pages" 1
	sl-log --source 'p*7' | cmp - "$BATS_TEST_TMPDIR/all"
	next='/v1/entries?limit=1000'
	pages=0
	: >"$BATS_TEST_TMPDIR/all"
	while [[ -n $next ]]; do
		get "$next" -H 'Accept: application/x-ndjson'
		cat "$BODY" >>"$BATS_TEST_TMPDIR/all"
		next=$(header Link | sed -n 's/^<\(.*\)>; rel="next"$/\1/p')
		pages=$((pages + 1))
	done
	assert_equal "$pages" 10
	sl-log | cmp - "$BATS_TEST_TMPDIR/all"
}
