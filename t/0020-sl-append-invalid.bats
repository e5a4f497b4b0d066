#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-append: every kind of invalid line is refused with exit 100, a message
# naming the line and the member, and nothing of the batch in the ledger.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
	append_n 2 before
	BAD="$BATS_TEST_TMPDIR/bad.ndjson"
}

# bad LINE: the invalid line under test (without its newline).
bad() {
	printf '%s\n' "$1" >"$BAD"
}

# expect_rejected REGEX: with a valid line before and after the bad one (so
# the bad one is line 2 of one batch), sl-append exits 100, prints no
# receipt, names "line 2:" and then what matches REGEX on stderr, and the
# ledger's entries and root are what they were.
expect_rejected() {
	{
		printf '{"type":"x-test","source":"first","payload":{}}\n'
		cat "$BAD"
		printf '{"type":"x-test","source":"third","payload":{}}\n'
	} >"$IN"
	save_state
	run -100 --separate-stderr sl-append <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-append: fatal: unable to append: line 2: $1"
	assert_equal "${#stderr_lines[@]}" 1
	assert_state_unchanged
	assert_equal "$(ledger_size)" 2
}

# A valid payload of each type, to take members away from.
valid_line() {
	case $1 in
	code) printf '{"type":"code","source":"git:x","payload":{"repo":"https://github.com/acme/shop","commit":"%s"}}' "$OID" ;;
	config) printf '{"type":"config","source":"config:x","payload":{"path":"/etc/x.conf","sha256":"%s"}}' "$H64" ;;
	environment) printf '{"type":"environment","source":"env:x","payload":{"os":"linux","arch":"x86_64","kernel":"6.1.0"}}' ;;
	mutation) printf '{"type":"mutation","source":"kafka:x","payload":{"namespace":"kafka/c/t/0","position":7,"id":"e7","sha256":"%s"}}' "$H64" ;;
	esac
}

@test "the valid lines of each type used below are accepted" {
	local t
	for t in code config environment mutation; do
		valid_line "$t" >"$IN"
		run -0 --separate-stderr sl-append <"$IN"
		assert_equal "$stderr" ""
	done
	assert_equal "$(ledger_size)" 6
}

@test "invalid: not JSON" {
	bad 'this is not JSON'
	expect_rejected 'not JSON'
}

@test "invalid: truncated JSON" {
	bad '{"type":"x-test","source":"s","payload":{}'
	expect_rejected 'not JSON'
}

@test "invalid: JSON that is not an object" {
	bad '["type","x-test"]'
	expect_rejected '.*object'
}

@test "invalid: duplicate top-level key" {
	bad '{"type":"x-test","type":"x-other","source":"s","payload":{}}'
	expect_rejected '.*duplicate.*"type"'
}

@test "invalid: duplicate key inside the payload" {
	bad '{"type":"x-test","source":"s","payload":{"k":1,"k":2}}'
	expect_rejected '.*duplicate.*"k"'
}

@test "invalid: a float" {
	bad '{"type":"x-test","source":"s","payload":{"n":1.5}}'
	expect_rejected 'payload\.n: not an integer'
}

@test "invalid: a float written with an exponent" {
	bad '{"type":"x-test","source":"s","payload":{"n":1e3}}'
	expect_rejected 'payload\.n: not an integer'
}

@test "invalid: a float that is whole (1.0)" {
	bad '{"type":"x-test","source":"s","payload":{"n":1.0}}'
	expect_rejected 'payload\.n: not an integer'
}

@test "invalid: a float deep inside, named by its path" {
	bad '{"type":"x-test","source":"s","payload":{"a":[0,{"b":0.25}]}}'
	expect_rejected 'payload\.a\[1\]\.b: not an integer'
}

@test "invalid: integer 2^53 (one more than 2^53-1)" {
	bad '{"type":"x-test","source":"s","payload":{"n":9007199254740992}}'
	expect_rejected 'payload\.n: integer out of range'
}

@test "invalid: integer -2^53" {
	bad '{"type":"x-test","source":"s","payload":{"n":-9007199254740992}}'
	expect_rejected 'payload\.n: integer out of range'
}

@test "invalid: integer beyond 64 bits" {
	bad '{"type":"x-test","source":"s","payload":{"n":123456789012345678901234567890}}'
	expect_rejected '.*(integer|range)'
}

@test "invalid: a 0xff byte in a payload string" {
	printf '{"type":"x-test","source":"s","payload":{"n":"a\xffb"}}\n' >"$BAD"
	expect_rejected '.*(UTF-8|0xff)'
}

@test "invalid: an overlong UTF-8 sequence (0xc0 0xaf)" {
	printf '{"type":"x-test","source":"s","payload":{"n":"\xc0\xaf"}}\n' >"$BAD"
	expect_rejected '.*(UTF-8|0xc0)'
}

@test "invalid: a UTF-8-encoded surrogate (0xed 0xa0 0x80)" {
	printf '{"type":"x-test","source":"s","payload":{"n":"\xed\xa0\x80"}}\n' >"$BAD"
	expect_rejected '.*(UTF-8|0xed)'
}

@test "invalid: a lone surrogate escape" {
	bad '{"type":"x-test","source":"s","payload":{"n":"\ud800"}}'
	expect_rejected '.*(Unicode|UTF|surrogate)'
}

@test "invalid: a 0xff byte in a member name" {
	printf '{"type":"x-test","source":"s","payload":{"\xff":1}}\n' >"$BAD"
	expect_rejected '.*(UTF-8|0xff)'
}

@test "invalid: a truncated UTF-8 sequence in the source" {
	printf '{"type":"x-test","source":"caf\xc3","payload":{}}\n' >"$BAD"
	expect_rejected '.*(UTF-8|0xc3)'
}

@test "invalid: unknown top-level member" {
	bad '{"type":"x-test","source":"s","payload":{},"extra":1}'
	expect_rejected 'extra: unknown member'
}

@test "invalid: seq supplied by the caller" {
	bad '{"seq":3,"type":"x-test","source":"s","payload":{}}'
	expect_rejected 'seq: '
}

@test "invalid: ts supplied by the caller" {
	bad '{"ts":"2026-01-01T00:00:00.000000Z","type":"x-test","source":"s","payload":{}}'
	expect_rejected 'ts: '
}

@test "invalid: missing payload" {
	bad '{"type":"x-test","source":"s"}'
	expect_rejected 'payload: required'
}

@test "invalid: missing type" {
	bad '{"source":"s","payload":{}}'
	expect_rejected 'type: required'
}

@test "invalid: missing source" {
	bad '{"type":"x-test","payload":{}}'
	expect_rejected 'source: required'
}

@test "invalid: unknown type" {
	bad '{"type":"bogus","source":"s","payload":{}}'
	expect_rejected "type: unknown type 'bogus'"
}

@test "invalid: x- type with nothing after it or upper case" {
	bad '{"type":"x-","source":"s","payload":{}}'
	expect_rejected 'type: unknown type'
	bad '{"type":"X-Test","source":"s","payload":{}}'
	expect_rejected 'type: unknown type'
}

@test "invalid: type that is not a string" {
	bad '{"type":7,"source":"s","payload":{}}'
	expect_rejected 'type: must be a string'
}

@test "invalid: payload that is not an object" {
	bad '{"type":"x-test","source":"s","payload":[1]}'
	expect_rejected 'payload: must be an object'
}

@test "invalid: unknown payload member (config)" {
	valid_line config | jq -c '.payload.zzz = 1' >"$BAD"
	expect_rejected 'payload\.zzz: unknown member'
}

@test "invalid: unknown payload member of each schema type" {
	local t
	for t in code config environment mutation; do
		valid_line "$t" | jq -c '.payload.not_in_schema = "x"' >"$BAD"
		expect_rejected 'payload\.not_in_schema: unknown member'
	done
}

@test "invalid: unknown member inside a nested schema object (code changes[0])" {
	valid_line code | jq -c '.payload.changes = [{"path":"a","status":"modified","foo":1}]' >"$BAD"
	expect_rejected 'payload\.changes\[0\]\.foo: unknown member'
}

@test "invalid: each required member missing, for each type" {
	local t m
	for t in code config environment mutation; do
		for m in $(valid_line "$t" | jq -r '.payload | keys[]'); do
			valid_line "$t" | jq -c --arg m "$m" 'del(.payload[$m])' >"$BAD"
			expect_rejected "payload\\.$m: required"
		done
	done
}

@test "invalid: wrong JSON type for a payload member (config size as a string)" {
	valid_line config | jq -c '.payload.size = "12"' >"$BAD"
	expect_rejected 'payload\.size: must be'
}

@test "invalid: wrong JSON type for a payload member (code dirty as a string)" {
	valid_line code | jq -c '.payload.dirty = "yes"' >"$BAD"
	expect_rejected 'payload\.dirty: must be'
}

@test "invalid: wrong JSON type for a required member (mutation position as an object)" {
	valid_line mutation | jq -c '.payload.position = {}' >"$BAD"
	expect_rejected 'payload\.position: must be'
}

@test "invalid: wrong JSON type for the source" {
	bad '{"type":"x-test","source":5,"payload":{}}'
	expect_rejected 'source: must be a string'
}

@test "invalid: bad sha256 (upper case, short, not hex)" {
	local h
	for h in "${H64^^}" "${H64:0:63}" "${H64:0:63}g" "${H64}0"; do
		valid_line config | jq -c --arg h "$h" '.payload.sha256 = $h' >"$BAD"
		expect_rejected 'payload\.sha256: '
	done
}

@test "invalid: short commit id" {
	valid_line code | jq -c '.payload.commit = "0123456"' >"$BAD"
	expect_rejected 'payload\.commit: '
}

@test "invalid: repo URL holding user:password" {
	valid_line code | jq -c '.payload.repo = "https://alice:s3cret@github.com/acme/shop.git"' >"$BAD"
	expect_rejected 'payload\.repo: '
}

@test "invalid: empty source" {
	bad '{"type":"x-test","source":"","payload":{}}'
	expect_rejected 'source: '
}

@test "invalid: 257-byte source" {
	bad "{\"type\":\"x-test\",\"source\":\"$(printf 's%.0s' {1..257})\",\"payload\":{}}"
	expect_rejected 'source: '
}

@test "invalid: source with a control character" {
	bad '{"type":"x-test","source":"a\u0001b","payload":{}}'
	expect_rejected 'source: '
}

@test "invalid: entry over 65,535 bytes in canonical form" {
	printf '{"type":"x-big","source":"s","payload":{"big":"%s"}}\n' \
		"$(head -c 70000 /dev/zero | tr '\0' a)" >"$BAD"
	expect_rejected 'payload: entry is [0-9]+ bytes .*65535'
}

@test "invalid: entry of exactly 65,536 canonical bytes" {
	local ts='2026-01-01T00:00:00.000000Z' base n
	base=$(printf '{"payload":{"big":""},"seq":3,"source":"s","ts":"%s","type":"x-big"}' "$ts" | wc -c)
	n=$((65536 - base))
	printf '{"type":"x-big","source":"s","payload":{"big":"%s"}}\n' "$(head -c "$n" /dev/zero | tr '\0' a)" >"$BAD"
	expect_rejected 'payload: entry is [0-9]+ bytes'
}

@test "invalid: a line far longer than any entry can be" {
	printf '{"type":"x-big","source":"s","payload":{"big":"%s"}}\n' \
		"$(head -c 300000 /dev/zero | tr '\0' a)" >"$BAD"
	expect_rejected '.*(long|bytes)'
}

@test "invalid: the first line of the input is named line 1" {
	bad 'nope'
	cp "$BAD" "$IN"
	save_state
	run -100 --separate-stderr sl-append <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: fatal: unable to append: line 1: not JSON'
	assert_state_unchanged
}
