#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-append: what is appended, and the receipts it prints.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
}

# check_receipts FIRST COUNT: $output holds COUNT receipts, seq FIRST.., each
# with a ledger ts and the leaf hash recomputed from the stored entry.
check_receipts() {
	local first=$1 count=$2 i seq
	assert_equal "${#lines[@]}" "$count"
	for ((i = 0; i < count; i++)); do
		seq=$((first + i))
		assert_regex "${lines[i]}" "^\\{\"seq\":$seq,\"ts\":\"$TS_RE\",\"leaf_hash\":\"$HEX64_RE\"\\}\$"
		assert_equal "$(jq -r .leaf_hash <<<"${lines[i]}")" "$(leaf_hash_of "$seq")"
		assert_equal "$(jq -r .ts <<<"${lines[i]}")" "$(sl-get "$seq" | jq -r .ts)"
	done
}

@test "sl-append prints one receipt per entry: seq from 0, ts, leaf_hash = SHA-256(0x00 || entry)" {
	run -0 --separate-stderr sl-append <"$FIXTURES/entries-valid.ndjson"
	assert_equal "$stderr" ""
	check_receipts 0 6
	run -0 --separate-stderr sl-verify
	assert_regex "$output" '^\{"verified":true,"size":6,"root":"'"$HEX64_RE"'"\}$'
}

@test "sl-append stores the entries it read, with the types and sources given" {
	run -0 sl-append <"$FIXTURES/entries-valid.ndjson"
	run -0 --separate-stderr sl-log
	assert_equal "${#lines[@]}" 6
	assert_equal "$(jq -S -c '{type, source, payload}' <<<"$output")" \
		"$(jq -S -c '{type, source, payload}' "$FIXTURES/entries-valid.ndjson")"
	assert_equal "$(jq -s -c 'map(.seq)' <<<"$output")" '[0,1,2,3,4,5]'
}

@test "sl-append receipts agree with sl-prove's leaf hashes" {
	run -0 --separate-stderr sl-append <"$FIXTURES/entries-valid.ndjson"
	local i
	for i in 0 1 2 3 4 5; do
		assert_equal "$(jq -r .leaf_hash <<<"${lines[i]}")" \
			"$(sl-prove --seq "$i" | jq -r .leaf_hash)"
	done
}

@test "sl-append continues seq where the ledger ends, and ts never goes back" {
	run -0 sl-append <"$FIXTURES/entries-valid.ndjson"
	local first_ts
	first_ts=$(jq -r .ts <<<"${lines[5]}")
	gen_entries 3 more >"$IN"
	run -0 --separate-stderr sl-append <"$IN"
	assert_equal "$stderr" ""
	check_receipts 6 3
	local ts
	ts=$(jq -r .ts <<<"${lines[0]}")
	[[ ! $ts < $first_ts ]] || fail "ts went back: $ts after $first_ts"
	run -0 sl-log
	assert_equal "$(jq -s -c 'map(.ts) == (map(.ts) | sort)' <<<"$output")" true
}

@test "sl-append -L DIR writes to DIR, not to SL_LEDGER" {
	local other="$BATS_TEST_TMPDIR/other"
	sl-init -L "$other" --origin other.example/log >/dev/null
	gen_entries 2 >"$IN"
	run -0 --separate-stderr sl-append -L "$other" <"$IN"
	assert_equal "${#lines[@]}" 2
	assert_equal "$(sl-log -L "$other" | wc -l)" 2
	assert_equal "$(ledger_size)" 0
}

@test "sl-append appends a final line without a newline" {
	gen_entries 2 >"$IN"
	printf '{"type":"x-test","source":"last","payload":{"no":"newline"}}' >>"$IN"
	run -0 --separate-stderr sl-append <"$IN"
	assert_equal "$stderr" ""
	check_receipts 0 3
	run -0 sl-get 2
	assert_equal "$(jq -r .source <<<"$output")" last
}

@test "sl-append ignores blank lines (empty, spaces, tabs, CR) and counts them as lines" {
	{
		printf '\n'
		printf '   \n'
		printf '{"type":"x-test","source":"a","payload":{}}\n'
		printf '\t \n'
		printf '\r\n'
		printf '{"type":"x-test","source":"b","payload":{}}\n'
		printf '\n'
	} >"$IN"
	run -0 --separate-stderr sl-append <"$IN"
	assert_equal "$stderr" ""
	check_receipts 0 2
	assert_equal "$(sl-log | jq -r .source | paste -sd,)" a,b
	# Line numbers in messages are physical lines, blank ones included.
	{
		printf '\n\n'
		printf '{"type":"x-test","source":"c","payload":{}}\n'
		printf '\n'
		printf 'garbage\n'
	} >"$IN"
	run -100 --separate-stderr sl-append <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: fatal: unable to append: line 5: '
}

@test "sl-append accepts CRLF line ends" {
	printf '{"type":"x-test","source":"crlf","payload":{"k":"v"}}\r\n' >"$IN"
	printf '{"type":"x-test","source":"lf","payload":{"k":"v"}}\n' >>"$IN"
	run -0 --separate-stderr sl-append <"$IN"
	assert_equal "$stderr" ""
	check_receipts 0 2
	assert_equal "$(sl-get 0 | jq -c .payload)" '{"k":"v"}'
}

@test "sl-append with empty input appends nothing and prints nothing" {
	save_state
	run -0 --separate-stderr sl-append </dev/null
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	printf '\n\n  \n' >"$IN"
	run -0 --separate-stderr sl-append <"$IN"
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	assert_state_unchanged
	assert_equal "$(ledger_size)" 0
}

@test "sl-append: one batch (the default) is one transaction with one ts" {
	gen_entries 50 >"$IN"
	run -0 --separate-stderr sl-append <"$IN"
	check_receipts 0 50
	assert_equal "$(jq -r .ts <<<"$output" | sort -u | wc -l)" 1
}

@test "sl-append accepts integers up to +-(2^53-1), a 256-byte source and nested x- payloads" {
	local src
	src=$(printf 's%.0s' {1..256})
	{
		printf '{"type":"x-num","source":"n","payload":{"max":9007199254740991,"min":-9007199254740991,"zero":-0}}\n'
		printf '{"type":"x-src","source":"%s","payload":{"deep":{"a":[{"b":[1,2,{"c":null}]}]}}}\n' "$src"
	} >"$IN"
	run -0 --separate-stderr sl-append <"$IN"
	assert_equal "$stderr" ""
	check_receipts 0 2
	assert_equal "$(sl-get 0 | jq -c .payload)" '{"max":9007199254740991,"min":-9007199254740991,"zero":0}'
	assert_equal "$(sl-get 1 | jq -r .source)" "$src"
}

@test "sl-append accepts an entry of exactly 65,535 canonical bytes" {
	local ts='2026-01-01T00:00:00.000000Z' base n
	# The canonical form with an empty string, to size the padding.
	base=$(printf '{"payload":{"big":""},"seq":0,"source":"s","ts":"%s","type":"x-big"}' "$ts" | wc -c)
	n=$((65535 - base))
	printf '{"type":"x-big","source":"s","payload":{"big":"%s"}}\n' "$(head -c "$n" /dev/zero | tr '\0' a)" >"$IN"
	run -0 --separate-stderr sl-append <"$IN"
	assert_equal "$stderr" ""
	check_receipts 0 1
	assert_equal "$(sl-get 0 | head -c -1 | wc -c)" 65535
}

@test "sl-append never assigns a ts earlier than the last entry's (clock set back)" {
	require_cmd faketime
	gen_entries 1 now >"$IN"
	run -0 sl-append <"$IN"
	local ts1
	ts1=$(jq -r .ts <<<"$output")
	gen_entries 1 past >"$IN"
	run -0 --separate-stderr faketime '2001-02-03 04:05:06' sl-append <"$IN"
	assert_equal "$stderr" ""
	assert_equal "$(jq -r .ts <<<"$output")" "$ts1"
	run -0 sl-verify -q
}

@test "sl-append -h prints the usage on stdout, --version the version" {
	run -0 --separate-stderr sl-append -h
	assert_line --index 0 --regexp '^usage: sl-append '
	assert_output --partial -- '--skip-invalid'
	assert_equal "$stderr" ""
	run -0 --separate-stderr sl-append --version
	assert_regex "$output" '^sl-append [0-9]+\.[0-9]+\.[0-9]+'
	assert_equal "$stderr" ""
	assert_equal "$(ledger_size)" 0
}
