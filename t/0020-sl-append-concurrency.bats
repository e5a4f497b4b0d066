#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-append: several writers at once never fork the log or lose an entry;
# a reader that goes away early (EPIPE) ends sl-append quietly.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
}

@test "4 concurrent sl-append x 5,000 entries: 20,000 entries, seq 0..19999, all receipted, verified" {
	local w pids=() rc
	for w in 1 2 3 4; do
		gen_entries 5000 "w$w:" >"$BATS_TEST_TMPDIR/in$w"
	done
	for w in 1 2 3 4; do
		sl-append <"$BATS_TEST_TMPDIR/in$w" >"$BATS_TEST_TMPDIR/out$w" 2>"$BATS_TEST_TMPDIR/err$w" 3>&- &
		pids+=($!)
	done
	for w in 1 2 3 4; do
		rc=0
		wait "${pids[w - 1]}" || rc=$?
		assert_equal "writer $w exit $rc: $(cat "$BATS_TEST_TMPDIR/err$w")" "writer $w exit 0: "
	done
	# The log: exactly 20,000 entries, seq 0..19999 in order, ts never going back.
	run -0 --separate-stderr sl-log
	assert_equal "${#lines[@]}" 20000
	assert_equal "$(jq -s -c '[length, (map(.seq) == [range(0; 20000)]), (map(.ts) == (map(.ts) | sort))]' <<<"$output")" \
		'[20000,true,true]'
	# Every writer's 5,000 sources, each exactly once.
	for w in 1 2 3 4; do
		assert_equal "$(jq -r --arg p "w$w:" 'select(.source | startswith($p)) | .source' <<<"$output" | sort -u | wc -l)" 5000
	done
	# All 20,000 receipts, each writer's seqs increasing, together 0..19999 once each.
	for w in 1 2 3 4; do
		assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/out$w")" 5000
		assert_equal "$(jq -s 'map(.seq) == (map(.seq) | sort)' "$BATS_TEST_TMPDIR/out$w")" true
	done
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/out[1-4] | jq -s -c 'map(.seq) | sort == [range(0; 20000)]')" true
	# Receipts carry the leaf hashes of the stored entries (a sample).
	local all s
	all=$(cat "$BATS_TEST_TMPDIR"/out[1-4])
	for s in 0 1 4999 5000 12345 19999; do
		assert_equal "$(jq -r --argjson s "$s" 'select(.seq == $s) | .leaf_hash' <<<"$all")" \
			"$(leaf_hash_of "$s")"
	done
	run -0 --separate-stderr sl-verify
	assert_regex "$output" '^\{"verified":true,"size":20000,"root":"'"$HEX64_RE"'"\}$'
	assert_equal "$stderr" ""
}

@test "concurrent writers with small batches (-n 7) interleave without losing entries" {
	local w pids=() rc
	for w in 1 2 3; do
		gen_entries 700 "b$w:" >"$BATS_TEST_TMPDIR/in$w"
	done
	for w in 1 2 3; do
		sl-append -n 7 <"$BATS_TEST_TMPDIR/in$w" >"$BATS_TEST_TMPDIR/out$w" 2>"$BATS_TEST_TMPDIR/err$w" 3>&- &
		pids+=($!)
	done
	for w in 1 2 3; do
		rc=0
		wait "${pids[w - 1]}" || rc=$?
		assert_equal "writer $w exit $rc: $(cat "$BATS_TEST_TMPDIR/err$w")" "writer $w exit 0: "
	done
	assert_equal "$(cat "$BATS_TEST_TMPDIR"/out[1-3] | jq -s -c 'map(.seq) | sort == [range(0; 2100)]')" true
	run -0 sl-log
	assert_equal "$(jq -s -c 'map(.seq) == [range(0; 2100)]' <<<"$output")" true
	run -0 sl-verify -q
}

@test "EPIPE: sl-append whose reader goes away early appends the rest without receipts, exits 0 and says so" {
	# 5,000 receipts are far more than a pipe holds, so writes must hit EPIPE.
	gen_entries 5000 >"$IN"
	run -0 --separate-stderr bash -c 'sl-append <"$1" | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"' _ "$IN"
	assert_equal "$output" 0
	assert_regex "$stderr" "standard output was closed after [0-9]+ receipts?"
	assert_regex "$stderr" "appended 5000 entries, the last at seq 4999 from input line 5000; the whole input is appended"
	# Every line is there and the ledger is sound.
	run -0 sl-verify -q
	assert_equal "$(ledger_size)" 5000
}
