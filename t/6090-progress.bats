#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Issue 14, "Progress": long work (sl-append, sl-verify, sl-snapshot
# --complete, sl-advisory, sl-replay exec, sl-tiles export, sl-copy) shows counts,
# rate and ETA on stderr when stderr is a terminal or --progress is given,
# one line per update off a terminal, \r-redrawn on one; -q silences it;
# nothing is printed otherwise, and stdout is the same either way.
# SL_PROGRESS_INTERVAL=0 (milliseconds between updates) makes every
# update print, so that a run of a fraction of a second shows some.

bats_require_minimum_version 1.5.0
load test_helper

N=10000
RATE='[0-9]+(\.[0-9])?/s'
DUR='[0-9]+(\.[0-9]s|s|m[0-9]{2}s|h[0-9]{2}m)'
# A running line: the rate and ETA, or, before there is a rate (the first update), the time so far.
RATE_ETA="($RATE, ETA $DUR|$DUR)"
RATE_ONLY="($RATE|$DUR)"

setup_file() {
	need_bench_gen
	export BIG="$BATS_FILE_TMPDIR/big"
	"$SL_SRCDIR/build/bench/gen" "$N" >"$BATS_FILE_TMPDIR/in" 2>/dev/null
	sl-init -L "$BIG" --origin test.example/log >/dev/null
	sl-append -L "$BIG" <"$BATS_FILE_TMPDIR/in" >/dev/null
	SL_LEDGER="$BIG" sl-keygen >/dev/null
	sl-checkpoint -L "$BIG" >/dev/null
	BIGT=$(sl-log -L "$BIG" | tail -n 1 | jq -r .ts)
	export BIGT
	sl-snapshot -L "$BIG" --at "$BIGT" --complete >"$BATS_FILE_TMPDIR/snap"
}

setup() {
	ledger_setup jq script
	GEN="$BATS_FILE_TMPDIR/in"
	SNAP="$BATS_FILE_TMPDIR/snap"
	unset SL_PROGRESS_INTERVAL
}

# every_line_matches RE TEXT: every line of TEXT matches RE (and there is one).
every_line_matches() {
	local line n=0
	while IFS= read -r line; do
		[[ $line =~ $1 ]] || fail "line '$line' does not match '$1'"
		n=$((n + 1))
	done <<<"$2"
	((n > 0)) || fail "no lines"
}

@test "sl-append --progress off a terminal: a line per update with the count and rate, then the final line" {
	# A pipe: how much is left is not known, so there is no ETA.
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-append --progress < <(cat "$GEN")
	assert_equal "$(wc -l <<<"$output")" "$N"
	every_line_matches "^sl-append: [0-9]+ entr(y|ies) read, $RATE_ONLY$|^sl-append: $N entries appended in $DUR, $RATE$" "$stderr"
	assert_regex "$stderr" $'\n'"sl-append: $N entries appended in $DUR, $RATE\$"
	assert_regex "$stderr" "^sl-append: 1 entry read, $RATE_ONLY"$'\n'"sl-append: 2 entries read, "
	[[ $stderr != *$'\r'* ]] || fail "a carriage return off a terminal"
}

@test "sl-append --progress with a file as input: the share read and an ETA" {
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-append --progress <"$GEN"
	assert_equal "$(wc -l <<<"$output")" "$N"
	every_line_matches "^sl-append: [0-9]+ entr(y|ies) read \\([0-9]+%\\), $RATE_ETA$|^sl-append: $N entries appended in $DUR, $RATE$" "$stderr"
	assert_regex "$stderr" "^sl-append: 1 entry read \\(0%\\), "
	assert_regex "$stderr" $'\n'"sl-append: $N entries read \\(100%\\), $RATE, ETA 0.0s"$'\n'"sl-append: $N entries appended in "
}

@test "sl-append: nothing on stderr without --progress off a terminal, nothing with -q, the same receipts' form" {
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-append <"$GEN"
	assert_equal "$stderr" ""
	assert_equal "$(wc -l <<<"$output")" "$N"
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-append -q --progress <"$GEN"
	assert_equal "$stderr" ""
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-append --progress --quiet <"$GEN"
	assert_equal "$stderr" ""
	assert_equal "$(jq -r .seq <<<"$output" | tail -n 1)" "$((3 * N - 1))"
}

@test "sl-verify --progress: counts of the total with percentage, rate and ETA; the final line; stdout unchanged" {
	run -0 --separate-stderr sl-verify -L "$BIG"
	local plain=$output
	assert_equal "$stderr" ""
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-verify -L "$BIG" --progress
	assert_equal "$output" "$plain"
	every_line_matches "^sl-verify: [0-9]+/$N entries verified \\([0-9]+%\\), $RATE_ETA$|^sl-verify: $N entries verified in $DUR, $RATE$" "$stderr"
	assert_regex "$stderr" "^sl-verify: [0-9]+/$N entries verified \\([0-9]+%\\)"
	assert_regex "$stderr" $'\n'"sl-verify: $N entries verified in $DUR, $RATE\$"
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-verify -L "$BIG" --progress -q
	assert_equal "$stderr" ""
	assert_equal "$output" ""
}

@test "sl-snapshot --complete --progress: the prefix's entries written; stdout byte-identical; nothing without it" {
	run -0 --separate-stderr sl-snapshot -L "$BIG" --at "$BIGT" --complete
	local plain=$output
	assert_equal "$stderr" ""
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-snapshot -L "$BIG" --at "$BIGT" --complete --progress
	assert_equal "$output" "$plain"
	every_line_matches "^sl-snapshot: [0-9]+/$N entries written \\([0-9]+%\\), $RATE_ETA$|^sl-snapshot: $N entries written in $DUR, $RATE$" "$stderr"
	assert_regex "$stderr" $'\n'"sl-snapshot: $N entries written in $DUR, $RATE\$"
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-snapshot -L "$BIG" --at "$BIGT" --complete --progress -q
	assert_equal "$stderr" ""
	assert_equal "$output" "$plain"
}

@test "sl-advisory --progress: the snapshot's entries read, the rules run of how many; the same report" {
	local nrules
	nrules=$(sl-advisory --list-rules | wc -l)
	run -0 --separate-stderr sl-advisory <"$SNAP"
	local plain=$output
	assert_equal "$stderr" ""
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-advisory --progress <"$SNAP"
	assert_equal "$output" "$plain"
	# First the complete snapshot's prefix, read, then the rules.
	every_line_matches "^sl-advisory: [0-9]+/$N entries read \\([0-9]+%\\), $RATE_ETA$|^sl-advisory: $N entries read in $DUR, $RATE$|^sl-advisory: [0-9]+/$nrules rules run \\([0-9]+%\\), $RATE_ETA$|^sl-advisory: $nrules rules run in $DUR, $RATE$" "$stderr"
	assert_regex "$stderr" $'\n'"sl-advisory: $N entries read in $DUR, $RATE"$'\n'"sl-advisory: [0-9]+/$nrules rules run "
	assert_regex "$stderr" $'\n'"sl-advisory: $nrules rules run in $DUR, $RATE\$"
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-advisory -q --progress <"$SNAP"
	assert_equal "$stderr" ""
}

@test "sl-replay exec --progress: the steps done of the plan; the same report; plan takes no progress options" {
	local i snap="$BATS_TEST_TMPDIR/snap"
	for ((i = 0; i < 40; i++)); do
		printf '{"type":"mutation","source":"db","payload":{"namespace":"kafka/c/t/0","position":%d,"id":"m%d","sha256":"%s"}}\n' "$i" "$i" "$H64"
	done | sl-append >/dev/null
	sl-snapshot --at now --complete >"$snap" 2>/dev/null
	run -0 --separate-stderr sl-replay exec --command true --state "$BATS_TEST_TMPDIR/a" <"$snap"
	local plain=$output
	assert_equal "$stderr" ""
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-replay exec --command true --state "$BATS_TEST_TMPDIR/b" --progress <"$snap"
	assert_equal "$output" "$plain"
	every_line_matches "^sl-replay: [0-9]+/40 steps done \\([0-9]+%\\), $RATE_ETA$|^sl-replay: 40 steps done in $DUR, $RATE$" "$stderr"
	assert_regex "$stderr" "^sl-replay: 1/40 steps done \\(2%\\)"
	assert_regex "$stderr" $'\n'"sl-replay: 40 steps done in $DUR, $RATE\$"
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-replay exec --command true --state "$BATS_TEST_TMPDIR/c" -q <"$snap"
	assert_equal "$stderr" ""
	run -2 --separate-stderr sl-replay plan --progress <"$snap"
}

@test "sl-tiles export --progress: the full tiles and bundles written of how many" {
	run -0 --separate-stderr sl-tiles -L "$BIG" export "$BATS_TEST_TMPDIR/t1"
	assert_equal "$stderr" ""
	# 10000 entries: 39 full level-0 tiles and 39 bundles.
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-tiles -L "$BIG" export "$BATS_TEST_TMPDIR/t2" --progress
	every_line_matches "^sl-tiles: [0-9]+/78 tiles exported \\([0-9]+%\\), $RATE_ETA$|^sl-tiles: 78 tiles exported in $DUR, $RATE$" "$stderr"
	assert_regex "$stderr" "^sl-tiles: 2/78 tiles exported \\(2%\\)"
	run -0 --separate-stderr sl-tiles -L "$BIG" export "$BATS_TEST_TMPDIR/t3" -q --progress
	assert_equal "$stderr" ""
}

@test "sl-copy --progress: the entries copied of how many, a line per batch; stdout the same; -q silences it" {
	run -0 --separate-stderr sl-copy "$BIG" "$BATS_TEST_TMPDIR/c1"
	assert_equal "$stderr" ""
	local plain=$output
	run -0 --separate-stderr env SL_PROGRESS_INTERVAL=0 sl-copy --progress --batch 1000 "$BIG" "$BATS_TEST_TMPDIR/c2"
	every_line_matches "^sl-copy: [0-9]+/$N entries copied \\([0-9]+%\\), $RATE_ETA$|^sl-copy: $N entries copied in $DUR, $RATE$" "$stderr"
	assert_regex "$stderr" "^sl-copy: 1000/$N entries copied \\(10%\\)"
	assert_equal "$(jq -c 'del(.created)' <<<"$output")" "$(jq -c 'del(.created)' <<<"$plain")"
	run -0 --separate-stderr sl-copy -q --progress "$BIG" "$BATS_TEST_TMPDIR/c3"
	assert_equal "$stderr" ""
	assert_equal "$output" ""
}

@test "on a terminal, without --progress: the line is redrawn in place (\\r) and finished with a final line; -q silences it" {
	run -0 script -qec "SL_PROGRESS_INTERVAL=1 sl-append <'$GEN' >'$BATS_TEST_TMPDIR/r1'" /dev/null
	assert_regex "$output" $'\rsl-append: [0-9]+ entr(y|ies) read \\([0-9]+%\\), '"$RATE, ETA $DUR"$'\e\\[K'
	assert_regex "$output" $'\r'"sl-append: $N entries appended in $DUR, $RATE"$'\e\\[K\r?$'
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/r1")" "$N"
	run -0 script -qec "SL_PROGRESS_INTERVAL=0 sl-append -q <'$GEN' >/dev/null" /dev/null
	assert_equal "$output" ""
	run -0 script -qec "SL_PROGRESS_INTERVAL=0 sl-verify -L '$BIG' >/dev/null" /dev/null
	assert_regex "$output" $'\r'"sl-verify: [0-9]+/$N entries verified \\([0-9]+%\\), $RATE, ETA "
	assert_regex "$output" $'\r'"sl-verify: $N entries verified in $DUR, $RATE"
}

@test "on a terminal, a run shorter than one update interval leaves no line; the receipts on a terminal have none" {
	# The default interval is 200 ms: ten entries take less.
	head -n 10 "$GEN" >"$IN"
	run -0 script -qec "sl-append <'$IN' >/dev/null" /dev/null
	assert_equal "$output" ""
	# stdout on the terminal too: the receipts are the progress.
	run -0 script -qec "SL_PROGRESS_INTERVAL=0 sl-append <'$IN'" /dev/null
	refute_regex "$output" "entries read"
}
