#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-append: batches (-n N), --atomic, --skip-invalid and usage errors.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
}

# lines SPEC...: one input line per word; "ok" is a valid entry with source
# "lN" (N = its line number), "bad" is not JSON, "badtype" has an unknown
# type, "blank" is an empty line.
lines_input() {
	local n=0 w
	for w in "$@"; do
		n=$((n + 1))
		case $w in
		ok) printf '{"type":"x-test","source":"l%d","payload":{"line":%d}}\n' "$n" "$n" ;;
		bad) printf 'not json at line %d\n' "$n" ;;
		badtype) printf '{"type":"nope","source":"l%d","payload":{}}\n' "$n" ;;
		blank) printf '\n' ;;
		esac
	done >"$IN"
}

sources() {
	sl-log | jq -r .source | paste -sd, -
}

@test "-n 2 with an invalid line 5: lines 1-4 appended and receipted, line 5's batch not (exit 100)" {
	lines_input ok ok ok ok bad ok
	run -100 --separate-stderr sl-append -n 2 <"$IN"
	assert_equal "${#lines[@]}" 4
	local i
	for i in 0 1 2 3; do
		assert_regex "${lines[i]}" "^\\{\"seq\":$i,\"ts\":\"$TS_RE\",\"leaf_hash\":\"$HEX64_RE\"\\}\$"
	done
	assert_regex "$stderr" '^sl-append: fatal: unable to append: line 5: not JSON'
	assert_equal "$(sources)" l1,l2,l3,l4
	run -0 sl-verify -q
}

@test "-n 2 with an invalid line 4: the valid line 3 in its batch is not appended" {
	lines_input ok ok ok bad ok
	run -100 --separate-stderr sl-append -n 2 <"$IN"
	assert_equal "${#lines[@]}" 2
	assert_regex "$stderr" '^sl-append: fatal: unable to append: line 4: '
	assert_equal "$(sources)" l1,l2
}

@test "--batch 3 (long option) makes batches of 3: an invalid line 7 keeps lines 1-6" {
	lines_input ok ok ok ok ok ok bad ok ok
	run -100 --separate-stderr sl-append --batch 3 <"$IN"
	assert_equal "${#lines[@]}" 6
	assert_regex "$stderr" '^sl-append: fatal: unable to append: line 7: '
	assert_equal "$(sources)" l1,l2,l3,l4,l5,l6
}

@test "-n counts entries, not blank lines" {
	lines_input ok blank ok blank ok bad
	run -100 --separate-stderr sl-append -n 2 <"$IN"
	assert_regex "$stderr" '^sl-append: fatal: unable to append: line 6: '
	# Batches: {l1, l3} appended; {l5, bad} not.
	assert_equal "$(sources)" l1,l3
}

@test "-n 1: every line is its own batch" {
	lines_input ok ok ok bad
	run -100 --separate-stderr sl-append -n 1 <"$IN"
	assert_equal "${#lines[@]}" 3
	assert_equal "$(sources)" l1,l2,l3
}

@test "the default batch takes the whole (small) input: an invalid last line appends nothing" {
	lines_input ok ok ok ok ok bad
	save_state
	run -100 --separate-stderr sl-append <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: fatal: unable to append: line 6: '
	assert_state_unchanged
}

@test "--atomic: one invalid line at the end means nothing is appended" {
	append_n 2 before
	gen_entries 30 atomic >"$IN"
	echo 'not json' >>"$IN"
	save_state
	run -100 --separate-stderr sl-append --atomic <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: fatal: unable to append: line 31: not JSON'
	assert_state_unchanged
}

@test "--atomic: one invalid line at the start means nothing is appended" {
	lines_input badtype ok ok ok
	save_state
	run -100 --separate-stderr sl-append --atomic <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: fatal: unable to append: line 1: type: '
	assert_state_unchanged
}

@test "--atomic: more lines than the default batch of 10,000, one invalid at the end, nothing appended" {
	gen_entries 10005 big >"$IN"
	echo '{"type":"x-test","source":"s","payload":{"f":0.5}}' >>"$IN"
	save_state
	run -100 --separate-stderr sl-append --atomic <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: fatal: unable to append: line 10006: payload\.f: '
	assert_state_unchanged
}

@test "--atomic: all valid lines are appended in one transaction (one ts)" {
	gen_entries 10005 big >"$IN"
	run -0 --separate-stderr sl-append --atomic <"$IN"
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 10005
	assert_equal "$(jq -r .ts <<<"$output" | sort -u | wc -l)" 1
	assert_equal "$(ledger_size)" 10005
}

@test "--skip-invalid: valid lines appended, each invalid one reported with its line number, exit 0" {
	lines_input ok ok bad ok badtype blank ok
	run -0 --separate-stderr sl-append --skip-invalid <"$IN"
	assert_equal "${#lines[@]}" 4
	local i
	for i in 0 1 2 3; do
		assert_regex "${lines[i]}" "^\\{\"seq\":$i,"
	done
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" '^sl-append: .*line 3: not JSON'
	assert_regex "${stderr_lines[1]}" '^sl-append: .*line 5: type: unknown type'
	assert_equal "$(sources)" l1,l2,l4,l7
	run -0 sl-verify -q
}

@test "--skip-invalid with only invalid lines appends nothing" {
	lines_input bad badtype
	save_state
	run -0 --separate-stderr sl-append --skip-invalid <"$IN"
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 2
	assert_state_unchanged
}

@test "--skip-invalid with -n 1 keeps line numbers right" {
	lines_input bad ok bad ok
	run -0 --separate-stderr sl-append --skip-invalid -n 1 <"$IN"
	assert_equal "${#lines[@]}" 2
	assert_regex "${stderr_lines[0]}" 'line 1: '
	assert_regex "${stderr_lines[1]}" 'line 3: '
	assert_equal "$(sources)" l2,l4
}

@test "--skip-invalid skips an over-long line and still numbers the next ones" {
	{
		printf '{"type":"x-test","source":"l1","payload":{}}\n'
		printf '{"type":"x-big","source":"s","payload":{"big":"%s"}}\n' "$(head -c 300000 /dev/zero | tr '\0' a)"
		printf 'bad\n'
		printf '{"type":"x-test","source":"l4","payload":{}}\n'
	} >"$IN"
	run -0 --separate-stderr sl-append --skip-invalid <"$IN"
	assert_equal "${#lines[@]}" 2
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[0]}" 'line 2: '
	assert_regex "${stderr_lines[1]}" 'line 3: '
	assert_equal "$(sources)" l1,l4
}

@test "usage: -n 0 is refused (exit 2)" {
	lines_input ok
	run -2 --separate-stderr sl-append -n 0 <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: usage: '
	assert_equal "$(ledger_size)" 0
}

@test "usage: -n abc, -n -1, -n 2x, -n '' are refused (exit 2)" {
	lines_input ok
	local n
	for n in abc -1 2x '' ' 2' 99999999999999999999999; do
		run -2 --separate-stderr sl-append -n "$n" <"$IN"
		assert_equal "$output" ""
		assert_regex "$stderr" '^sl-append: usage: '
	done
	assert_equal "$(ledger_size)" 0
}

@test "usage: --atomic with -n is refused (exit 2)" {
	lines_input ok
	run -2 --separate-stderr sl-append --atomic -n 5 <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: usage: '
	run -2 --separate-stderr sl-append -n 5 --atomic <"$IN"
	assert_regex "$stderr" '^sl-append: usage: '
	assert_equal "$(ledger_size)" 0
}

@test "usage: an extra argument is refused (exit 2)" {
	lines_input ok
	run -2 --separate-stderr sl-append extra <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: usage: '
	assert_equal "$(ledger_size)" 0
}

@test "usage: an unknown option is refused (exit 2)" {
	lines_input ok
	run -2 --separate-stderr sl-append --bogus <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '(^|'$'\n'')sl-append: usage: '
	assert_equal "$(ledger_size)" 0
}
