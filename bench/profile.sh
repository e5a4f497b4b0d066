#!/bin/sh
# SPDX-License-Identifier: MIT
# Where sl-append and sl-verify spend their time: perf profiles of both on
# the benchmark's entries (doc/BENCHMARKS.md quotes them).  Not part of
# `make bench`; run it after `make bench` has built the programs:
#
#   PATH=$PWD/bin:$PATH B=$PWD/build sh bench/profile.sh [N]
#
# N defaults to 1,000,000.  Needs perf (Debian package linux-perf) and
# kernel.perf_event_paranoid <= 2; without perf it falls back to
# valgrind --tool=callgrind on min(N, 20,000) entries.
set -u

N=${1:-1000000}
B=${B:-build}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sl-profile.XXXXXX") || exit 111
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT PIPE TERM

fail() {
	echo "profile: fatal: $*" >&2
	exit 1
}

# per_thread DATA: self time by thread; the busiest thread's hottest symbols,
# then those of all the other threads together (sl-verify starts one
# hashing thread per chunk).  perf's --tid filter misattributes symbols
# here, so the split is made from a pid,dso,sym report.
per_thread() {
	perf report -i "$1" --no-children --sort pid --stdio 2>/dev/null | grep -E '^ +[0-9]' >"$1.pid"
	echo "$(wc -l <"$1.pid") threads; the busiest:"
	head -n 3 "$1.pid"
	busy=$(awk 'NR == 1 { sub(/:.*/, "", $2); print $2 }' "$1.pid")
	perf report -i "$1" --no-children --sort pid,dso,sym --stdio 2>/dev/null | grep -E '^ +[0-9]' >"$1.sym"
	echo "-- thread $busy (the busiest), self time as % of the whole process"
	grep -E "^ +[0-9.]+% +$busy:" "$1.sym" | awk '{ $2 = ""; print }' | head -n 14
	echo "-- every other thread together"
	grep -vE "^ +[0-9.]+% +$busy:" "$1.sym" |
		awk '{ p = $1; sub(/%/, "", p); k = $3 " " $5; s[k] += p }
			END { for (k in s) printf "%7.2f%%  %s\n", s[k], k }' | sort -rn | head -n 10
}

top() {
	# the hottest symbols, self time, with the program or library they are in
	perf report -i "$1" --no-children --sort dso,sym --stdio 2>/dev/null |
		grep -E '^ +[0-9]' | head -n "${2:-25}"
}

"$B/bench/gen" "$N" >"$tmp/in.ndjson" 2>/dev/null || fail "gen failed"
sl-init -L "$tmp/l" --origin profile.invalid/log >/dev/null || fail "sl-init failed"
sync

if command -v perf >/dev/null 2>&1 && perf stat -e task-clock true >/dev/null 2>&1; then
	echo "== sl-append, $N entries: perf stat"
	perf stat -e task-clock,context-switches,cpu-migrations,page-faults \
		-o "$tmp/append.stat" sl-append -L "$tmp/l" <"$tmp/in.ndjson" >/dev/null || fail "sl-append failed"
	grep -vE '^$|^#' "$tmp/append.stat"
	rm -rf "$tmp/l"
	sl-init -L "$tmp/l" --origin profile.invalid/log >/dev/null || fail "sl-init failed"
	sync
	echo "== sl-append, $N entries: perf record (self time by symbol, both threads)"
	perf record -q -F 999 -o "$tmp/append.data" sl-append -L "$tmp/l" <"$tmp/in.ndjson" \
		>/dev/null 2>&1 || fail "sl-append failed"
	top "$tmp/append.data" 30
	echo "== sl-append: by library"
	perf report -i "$tmp/append.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head
	echo "== sl-append: by thread"
	per_thread "$tmp/append.data"
	sync
	echo "== sl-verify, $N entries: perf stat"
	perf stat -e task-clock,context-switches,page-faults -o "$tmp/verify.stat" \
		sl-verify -L "$tmp/l" >/dev/null || fail "sl-verify failed"
	grep -vE '^$|^#' "$tmp/verify.stat"
	echo "== sl-verify, $N entries: perf record (self time by symbol, both threads)"
	perf record -q -F 999 -o "$tmp/verify.data" sl-verify -L "$tmp/l" >/dev/null 2>&1 ||
		fail "sl-verify failed"
	top "$tmp/verify.data" 25
	echo "== sl-verify: by library"
	perf report -i "$tmp/verify.data" --no-children --sort dso --stdio 2>/dev/null | grep -E '^ +[0-9]' | head
	echo "== sl-verify: by thread"
	per_thread "$tmp/verify.data"
elif command -v valgrind >/dev/null 2>&1; then
	[ "$N" -gt 20000 ] && N=20000
	head -n "$N" "$tmp/in.ndjson" >"$tmp/small.ndjson"
	echo "== no perf: callgrind on $N entries (instructions, not time: I/O waits do not show)"
	valgrind -q --tool=callgrind --callgrind-out-file="$tmp/append.cg" sl-append -L "$tmp/l" \
		<"$tmp/small.ndjson" >/dev/null || fail "sl-append failed"
	callgrind_annotate "$tmp/append.cg" 2>/dev/null | head -n 40
	valgrind -q --tool=callgrind --callgrind-out-file="$tmp/verify.cg" sl-verify -L "$tmp/l" \
		>/dev/null || fail "sl-verify failed"
	callgrind_annotate "$tmp/verify.cg" 2>/dev/null | head -n 40
else
	fail "neither perf nor valgrind is installed"
fi
