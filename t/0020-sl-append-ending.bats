#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-append says how it ended: on EPIPE, a signal or an error it names on
# stderr what it appended and how to resume; resuming with what it says
# (--resume-from-line N --after-seq S) appends every entry exactly once.

bats_require_minimum_version 1.5.0
load test_helper

setup_file() {
	need_bench_gen
}

setup() {
	ledger_setup jq
}

# assert_exactly_once FILE: the ledger holds each line of FILE once, in order, seq 0...
assert_exactly_once() {
	local want
	want=$(jq -c '{type, source, payload}' "$1")
	run -0 --separate-stderr sl-log
	assert_equal "$(jq -c '{type, source, payload}' <<<"$output")" "$want"
	assert_equal "$(jq -s -c 'map(.seq) == [range(0; length)]' <<<"$output")" true
	run -0 sl-verify -q
}

@test "a reader that closes early (| head -1) never stops the appends: exit 0, every line appended, stderr says so" {
	gen_entries 20000 >"$IN"
	run -0 --separate-stderr bash -c 'sl-append -n 1000 <"$1" | head -n 1; exit "${PIPESTATUS[0]}"' _ "$IN"
	assert_regex "$output" '^\{"seq":0,'
	assert_regex "$stderr" "(^|"$'\n'")sl-append: standard output was closed after [0-9]+ receipts?; the rest of the input was appended without receipts"
	assert_regex "$stderr" "sl-append: appended 20000 entries, the last at seq 19999 from input line 20000; the whole input is appended"
	assert_exactly_once "$IN"
}

# interrupt SIGNAL: sl-append -n 10 reads 25 lines from a pipe; once the
# receipts of the first 20 are back, SIGNAL; the last five are never sent.
interrupt() {
	local pid r n=0 k
	gen_entries 25 >"$IN"
	mkfifo "$BATS_TEST_TMPDIR/in.fifo" "$BATS_TEST_TMPDIR/out.fifo"
	sl-append -n 10 <"$BATS_TEST_TMPDIR/in.fifo" >"$BATS_TEST_TMPDIR/out.fifo" \
		2>"$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	exec 5>"$BATS_TEST_TMPDIR/in.fifo" 6<"$BATS_TEST_TMPDIR/out.fifo"
	# Two whole batches and half of a third.
	head -n 20 "$IN" >&5
	sed -n 21,23p "$IN" >&5
	while ((n < 20)) && read -r r <&6; do
		n=$((n + 1))
	done
	assert_equal "$n" 20
	kill "-$1" "$pid"
	# Bounded: a program that does not stop on the signal must not hang the test.
	for ((k = 0; k < 100; k++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	exec 5>&-
	cat <&6 >"$BATS_TEST_TMPDIR/rest"
	exec 6<&-
	RC=0
	wait "$pid" || RC=$?
	ERR=$(cat "$BATS_TEST_TMPDIR/err")
}

@test "SIGINT: the batches in flight land, stderr says how many and where to resume, the resumed run adds the rest exactly once" {
	interrupt INT
	assert_equal "$RC" 130
	# The three lines of the unfinished batch were not appended.
	assert_equal "$(cat "$BATS_TEST_TMPDIR/rest")" ""
	assert_regex "$ERR" '^sl-append: fatal: unable to append the whole input: interrupted by signal 2 \(SIGINT\)'
	assert_regex "$ERR" 'sl-append: appended 20 entries, the last at seq 19 from input line 20'
	assert_regex "$ERR" 'resume, run the same command on the same input with --resume-from-line 21 --after-seq 19'
	assert_equal "$(ledger_size)" 20
	run -0 --separate-stderr sl-append -n 10 --resume-from-line 21 --after-seq 19 <"$IN"
	assert_equal "$stderr" ""
	assert_equal "$(jq -r .seq <<<"$output" | paste -sd,)" 20,21,22,23,24
	assert_exactly_once "$IN"
}

@test "SIGTERM: the same report, ended by the signal" {
	interrupt TERM
	assert_equal "$RC" 143
	assert_regex "$ERR" 'interrupted by signal 15 \(SIGTERM\)'
	assert_regex "$ERR" '--resume-from-line 21 --after-seq 19'
}

@test "SIGTERM while reading a regular file (never waited on): taken at the next read, the same report, the resumed run adds the rest once" {
	local pid n=0 k rc=0 line seq
	"$SL_SRCDIR/build/bench/gen" 200000 >"$IN" 2>/dev/null || fail "gen"
	sl-append -n 100 <"$IN" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	until [[ -s $BATS_TEST_TMPDIR/out ]]; do
		((n++ < 400)) || fail "no receipt"
		sleep 0.05
	done
	kill -TERM "$pid"
	for ((k = 0; k < 100; k++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "sl-append still runs 10 s after SIGTERM"; }
	wait "$pid" || rc=$?
	ERR=$(cat "$BATS_TEST_TMPDIR/err")
	# Had the signal been left pending, the whole file would be appended and exit 0.
	assert_equal "$rc" 143
	assert_regex "$ERR" 'interrupted by signal 15 \(SIGTERM\)'
	[[ $ERR =~ --resume-from-line\ ([0-9]+)\ --after-seq\ ([0-9]+) ]] || fail "no resume point: $ERR"
	line=${BASH_REMATCH[1]} seq=${BASH_REMATCH[2]}
	((seq + 1 < 200000)) || fail "the whole file was appended"
	assert_equal "$(ledger_size)" $((seq + 1))
	run -0 --separate-stderr sl-append -n 1000 --resume-from-line "$line" --after-seq "$seq" <"$IN"
	assert_equal "$(ledger_size)" 200000
	run -0 sl-verify -q
}

@test "an invalid line after appended batches: stderr says where to resume; after the fix, resuming appends the rest once" {
	gen_entries 12 >"$IN"
	sed -i '8s/.*/{"type":"x-test","source":"broken"/' "$IN"
	run -100 --separate-stderr sl-append -n 5 <"$IN"
	assert_equal "${#lines[@]}" 5
	assert_regex "${stderr_lines[0]}" '^sl-append: fatal: unable to append: line 8: '
	assert_equal "${stderr_lines[1]}" 'sl-append: appended 5 entries, the last at seq 4 from input line 5'
	assert_equal "${stderr_lines[2]}" 'sl-append: to resume, run the same command on the same input with --resume-from-line 6 --after-seq 4'
	gen_entries 12 >"$IN"
	run -0 --separate-stderr sl-append -n 5 --resume-from-line 6 --after-seq 4 <"$IN"
	assert_equal "${#lines[@]}" 7
	assert_exactly_once "$IN"
}

@test "receipts that cannot be written (disk full): exit 111, their entries are appended and the resume point is after them" {
	[[ -w /dev/full ]] || skip "no /dev/full"
	gen_entries 30 >"$IN"
	run -111 --separate-stderr bash -c 'sl-append -n 10 <"$1" >/dev/full' _ "$IN"
	assert_regex "$stderr" '^sl-append: fatal: unable to write receipts to standard output: No space left on device'
	assert_regex "$stderr" 'sl-append: appended 10 entries, the last at seq 9 from input line 10'
	assert_regex "$stderr" '--resume-from-line 11 --after-seq 9'
	assert_equal "$(ledger_size)" 10
	run -0 sl-append -n 10 --resume-from-line 11 --after-seq 9 <"$IN"
	assert_exactly_once "$IN"
}

@test "--after-seq refuses a resume point that does not match the ledger, appending nothing" {
	gen_entries 10 >"$IN"
	run -0 sl-append -n 4 <"$IN"
	save_state
	# Off by one: line 6 is entry 5, not 4.
	run -100 --separate-stderr sl-append --resume-from-line 7 --after-seq 4 <"$IN"
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-append: fatal: unable to resume: line 6 is not the entry at seq 4 (nothing was appended)"
	# Another input.
	gen_entries 10 other >"$BATS_TEST_TMPDIR/other"
	run -100 --separate-stderr sl-append --resume-from-line 6 --after-seq 4 <"$BATS_TEST_TMPDIR/other"
	assert_regex "$stderr" 'line 5 is not the entry at seq 4'
	# A seq the ledger does not have, an input too short.
	run -100 --separate-stderr sl-append --resume-from-line 6 --after-seq 99 <"$IN"
	assert_regex "$stderr" 'the ledger has no entry at seq 99'
	run -100 --separate-stderr sl-append --resume-from-line 40 <"$IN"
	assert_regex "$stderr" 'unable to resume from line 40: the input has 10 lines'
	assert_state_unchanged
	# --after-seq alone is a usage error.
	run -2 --separate-stderr sl-append --after-seq 4 <"$IN"
	assert_regex "$stderr" "^sl-append: usage: '--after-seq' needs '--resume-from-line'"
	# The right point appends nothing more: the input was all in.
	run -0 --separate-stderr sl-append --resume-from-line 11 --after-seq 9 <"$IN"
	assert_equal "$output" ""
	assert_exactly_once "$IN"
}

@test "a resume point used twice (the printed command run again, or an older one) is refused, appending nothing" {
	local a b c
	a='{"type":"x-a","source":"s","payload":{"n":1}}'
	b='{"type":"x-b","source":"s","payload":{"n":2}}'
	c='{"type":"x-c","source":"s","payload":{"n":3}}'
	# Line 3 repeats line 1: a resume point is not found by content alone.
	printf '%s\n' "$a" "$b" "$a" "$c" >"$IN"
	head -n 2 "$IN" | sl-append >/dev/null || fail "append"
	run -0 --separate-stderr sl-append --resume-from-line 3 --after-seq 1 <"$IN"
	assert_equal "$(ledger_size)" 4
	save_state
	# The same resume again: line 3 is already the entry at seq 2.
	run -100 --separate-stderr sl-append --resume-from-line 3 --after-seq 1 <"$IN"
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-append: fatal: unable to resume: line 3 is already the entry at seq 2, right after seq 1: this resume was run before (nothing was appended); resume from the point that run printed"
	# An older resume point, from before that run.
	run -100 --separate-stderr sl-append --resume-from-line 2 --after-seq 0 <"$IN"
	assert_regex "$stderr" 'line 2 is already the entry at seq 1'
	# Blank lines before the first line to append are skipped to find it.
	printf '%s\n' "$a" "" "" "$b" "$a" "$c" >"$BATS_TEST_TMPDIR/blanks"
	run -100 --separate-stderr sl-append --resume-from-line 2 --after-seq 0 <"$BATS_TEST_TMPDIR/blanks"
	assert_regex "$stderr" 'line 4 is already the entry at seq 1'
	assert_state_unchanged
	# Another writer's entry right after the point is not ours: the resume goes on.
	printf '%s\n' '{"type":"x-other","source":"t","payload":{}}' | sl-append >/dev/null || fail "other"
	printf '%s\n' "$a" "$b" "$a" "$c" "$c" >"$BATS_TEST_TMPDIR/more"
	run -0 --separate-stderr sl-append --resume-from-line 5 --after-seq 3 <"$BATS_TEST_TMPDIR/more"
	assert_equal "$(jq -r .seq <<<"$output")" 5
	run -0 sl-verify -q
}

# skipped_at_resume_point LINE: with --skip-invalid, the line right at the
# resume point (line 2) is LINE, one the run skips; the same resume run twice.
skipped_at_resume_point() {
	local a b c
	a='{"type":"x-a","source":"s","payload":{"n":1}}'
	b='{"type":"x-b","source":"s","payload":{"n":2}}'
	c='{"type":"x-c","source":"s","payload":{"n":3}}'
	printf '%s\n' "$a" "$1" "$b" "$c" >"$IN"
	head -n 1 "$IN" | sl-append >/dev/null || fail "append"
	run -0 --separate-stderr sl-append --skip-invalid --resume-from-line 2 --after-seq 0 <"$IN"
	assert_equal "$(ledger_size)" 3
	assert_regex "$stderr" '^sl-append: warning: skipped line 2: '
	save_state
	# The same resume again: line 3, the first line it appends, is already seq 1.
	run -100 --separate-stderr sl-append --skip-invalid --resume-from-line 2 --after-seq 0 <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-append: warning: skipped line 2: '
	assert_regex "$stderr" 'unable to resume: line 3 is already the entry at seq 1, right after seq 0'
	assert_state_unchanged
	assert_exactly_once <(printf '%s\n' "$a" "$b" "$c")
}

@test "--skip-invalid: a resume point used twice is refused when the line at it is invalid (skipped)" {
	skipped_at_resume_point '{"type":"x-test","source":"broken"'
}

@test "--skip-invalid: a resume point used twice is refused when the line at it is too long (skipped)" {
	skipped_at_resume_point "{\"type\":\"x-long\",\"source\":\"s\",\"payload\":{\"p\":\"$(head -c 300000 /dev/zero | tr '\0' a)\"}}"
}

@test "a resume point used twice is refused when another writer appended right after it in between" {
	local a b
	a='{"type":"x-a","source":"s","payload":{"n":1}}'
	b='{"type":"x-b","source":"s","payload":{"n":2}}'
	printf '%s\n' "$a" "$b" >"$IN"
	head -n 1 "$IN" | sl-append >/dev/null || fail "append"
	# Another writer takes seq 1 before the resume: the resume's line 2 lands at seq 2.
	printf '%s\n' '{"type":"x-other","source":"t","payload":{}}' | sl-append >/dev/null || fail "other"
	run -0 --separate-stderr sl-append --resume-from-line 2 --after-seq 0 <"$IN"
	assert_equal "$(jq -r .seq <<<"$output")" 2
	save_state
	# The same resume again: line 2 is already in the ledger (seq 2), it must not land twice.
	run -100 --separate-stderr sl-append --resume-from-line 2 --after-seq 0 <"$IN"
	assert_equal "$output" ""
	assert_state_unchanged
}

@test "a resume point used twice, another writer in between, a source with glob characters: found in its own stream, refused" {
	local a b c
	a='{"type":"x-a","source":"h*[1]?","payload":{"n":1}}'
	b='{"type":"x-a","source":"h*[1]?","payload":{"n":2}}'
	c='{"type":"x-a","source":"hX1]Y","payload":{"n":2}}'
	printf '%s\n' "$a" "$b" >"$IN"
	head -n 1 "$IN" | sl-append >/dev/null || fail "append"
	# Another writer, whose source the glob would match, takes seq 1 with line 2's payload.
	printf '%s\n' "$c" | sl-append >/dev/null || fail "other"
	run -0 --separate-stderr sl-append --resume-from-line 2 --after-seq 0 <"$IN"
	assert_equal "$(jq -r .seq <<<"$output")" 2
	save_state
	run -100 --separate-stderr sl-append --resume-from-line 2 --after-seq 0 <"$IN"
	assert_regex "$stderr" 'line 2 is already the entry at seq 2, after seq 0'
	assert_state_unchanged
}

@test "--resume-from-line counts blank lines, and finds the entry before it across them" {
	{ gen_entries 3; echo; echo; gen_entries 3 more; } >"$IN"
	run -0 sl-append -n 3 <<<"$(head -n 3 "$IN")"
	run -0 --separate-stderr sl-append --resume-from-line 6 --after-seq 2 <"$IN"
	assert_equal "$(jq -r .seq <<<"$output" | paste -sd,)" 3,4,5
	assert_equal "$(ledger_size)" 6
}
