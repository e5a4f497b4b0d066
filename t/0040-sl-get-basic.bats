#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-get: one entry's canonical bytes, or exit 1 when there is no such entry.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
}

@test "sl-get prints exactly the canonical (RFC 8785) entry and a newline" {
	append_file "$FIXTURES/canonical-input.ndjson"
	local ts
	ts=$(jq -r .ts "$RECEIPTS")
	run -0 --keep-empty-lines --separate-stderr sl-get 0
	assert_equal "$stderr" ""
	assert_equal "$output" "$(sed "s/@TS@/$ts/" "$FIXTURES/canonical-expected.json")"$'\n'
}

@test "sl-get's bytes are what the receipt's leaf hash covers" {
	append_file "$FIXTURES/entries-valid.ndjson"
	local i
	for i in 0 1 2 3 4 5; do
		assert_equal "$(leaf_hash_of "$i")" "$(jq -r "select(.seq == $i) | .leaf_hash" "$RECEIPTS")"
	done
}

@test "sl-get N prints entry N with its seq, ts, type, source and payload" {
	append_file "$FIXTURES/entries-valid.ndjson"
	run -0 --separate-stderr sl-get 3
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -c '[.seq, .type, .source, .payload.id]' <<<"$output")" \
		'[3,"mutation","kafka:prod/orders/0","evt-42"]'
	assert_equal "$(jq -r .ts <<<"$output")" "$(jq -r 'select(.seq == 3) | .ts' "$RECEIPTS")"
	# The members, in canonical order, are exactly these.
	assert_equal "$(jq -c 'keys_unsorted' <<<"$output")" '["payload","seq","source","ts","type"]'
	assert_equal "$output" "$(sl-log --after 2 --limit 1)"
}

@test "sl-get of the last entry, and of the first after more appends" {
	append_n 3
	run -0 sl-get 2
	assert_equal "$(jq -r .source <<<"$output")" src2
	append_n 2 more
	run -0 sl-get 4
	assert_equal "$(jq -r .source <<<"$output")" more1
	run -0 sl-get 0
	assert_equal "$(jq -r .source <<<"$output")" src0
}

@test "sl-get of an absent seq exits 1 with nothing on stdout" {
	append_n 3
	local s
	for s in 3 4 1000 9223372036854775807; do
		run -1 --separate-stderr sl-get "$s"
		assert_equal "$output" ""
		assert_regex "$stderr" "^sl-get: fatal: unable to get entry $s: "
	done
}

@test "sl-get on an empty ledger exits 1" {
	run -1 --separate-stderr sl-get 0
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-get: '
}

@test "sl-get of something that is not a seq is a usage error (exit 2)" {
	append_n 3
	local s
	for s in abc -1 1.5 '' 0x1 ' 1' 1e2 '1 ' 99999999999999999999 9223372036854775808; do
		run -2 --separate-stderr sl-get -- "$s"
		assert_equal "$output" ""
		assert_regex "$stderr" '^sl-get: usage: '
	done
}

@test "sl-get without a seq, or with two, is a usage error" {
	append_n 3
	run -2 --separate-stderr sl-get
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-get: usage: '
	run -2 --separate-stderr sl-get 0 1
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-get: usage: '
	run -2 --separate-stderr sl-get --bogus 0
	assert_equal "$output" ""
	assert_regex "$stderr" '(^|'$'\n'')sl-get: usage: '
}

@test "sl-get with a missing ledger exits 100" {
	run -100 --separate-stderr sl-get -L "$BATS_TEST_TMPDIR/nope" 0
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-get: fatal: unable to open ledger '$BATS_TEST_TMPDIR/nope': .*sl-init"
}

@test "sl-get -L DIR reads DIR" {
	local other="$BATS_TEST_TMPDIR/other"
	sl-init -L "$other" --origin other.example/log >/dev/null
	printf '{"type":"x-test","source":"elsewhere","payload":{}}\n' >"$IN"
	sl-append -L "$other" <"$IN" >/dev/null
	run -0 --separate-stderr sl-get -L "$other" 0
	assert_equal "$(jq -r .source <<<"$output")" elsewhere
	run -1 sl-get 0
}

@test "sl-get -h prints the usage on stdout, --version the version" {
	run -0 --separate-stderr sl-get -h
	assert_line --index 0 --regexp '^usage: sl-get '
	assert_equal "$stderr" ""
	run -0 --separate-stderr sl-get --version
	assert_regex "$output" '^sl-get [0-9]+\.[0-9]+\.[0-9]+'
}

@test "sl-get of an entry whose stored bytes were changed exits 100 naming the seq, prints nothing" {
	append_file "$FIXTURES/entries-valid.ndjson"
	tamper_entry 2
	run -100 --separate-stderr sl-get 2
	assert_equal "$output" ""
	assert_leaf_mismatch sl-get 2
	assert_equal "${#stderr_lines[@]}" 1
	# The entries around it still read.
	run -0 --separate-stderr sl-get 1
	run -0 --separate-stderr sl-get 3
}

@test "a stored leaf changed with the bytes goes unseen by sl-get; sl-verify finds it" {
	append_file "$FIXTURES/entries-valid.ndjson"
	tamper_entry 2
	local leaf
	leaf=$({ printf '\0'; tamper entry 2 | head -c -1; } | sha256sum | cut -d' ' -f1)
	tamper leaf-set 2 "$leaf"
	# What a read establishes: the bytes are those the stored leaf covers.
	run -0 --separate-stderr sl-get 2
	assert_output --partial forged
	assert_equal "$(leaf_hash_of 2)" "$leaf"
	# Whether that leaf is the one in the tree is sl-verify's question.
	run -1 --separate-stderr sl-verify
	assert_regex "$stderr" "seq 2[^0-9]"
}

@test "entries swapped with their leaf hashes: sl-get N refuses bytes that say another seq" {
	append_file "$FIXTURES/entries-valid.ndjson"
	tamper entries-swap 3 4 leaves
	# Each leaf still covers its bytes: only the columns tell.
	run -100 --separate-stderr sl-get 3
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-get: fatal: .*seq 3: stored entry does not match its seq, ts, type and source columns$'
	run -100 --separate-stderr sl-log
	assert_equal "$(jq -r .seq <<<"$output" | paste -sd, -)" 0,1,2
	assert_regex "$stderr" 'seq 3: stored entry does not match its seq, ts, type and source columns$'
}
