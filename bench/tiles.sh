#!/bin/sh
# SPDX-License-Identifier: MIT
# Tile figures of issue 16 (point 3 of "Done when", the part that exists):
# sl-tiles export of a bench/gen ledger of BENCH_SMALL and BENCH_N entries
# (time, peak RSS, files, bytes), a second export after one more
# checkpoint of 10,000 entries, and the tiles a client reads to prove one
# entry with sl-prove --tiles (counted with strace when it can trace, from
# the tree's shape otherwise).  Prints figures; never passes or fails on time.
#
#   BENCH_N=1000000  BENCH_SMALL=100000  B=build (where bench/gen was built)
set -u

. "$(dirname "$0")/lib.sh"
bench_sizes
need_progs sl-init sl-append sl-keygen sl-checkpoint sl-tiles sl-prove
need_gen
need_time
bench_tmp tiles

echo "== machine"
bench_machine
bench_rev

# figures COUNT: build, export, grow, export again, prove one entry.
figures() {
	n=$1
	L=$tmp/l$n
	T=$tmp/t$n
	"$B/bench/gen" "$((n + 10000))" 2>/dev/null >"$tmp/in" || fail "gen"
	sl-init -L "$L" --origin bench.example/log >/dev/null || fail "sl-init"
	head -n "$n" "$tmp/in" | sl-append -L "$L" >/dev/null || fail "sl-append"
	sl-keygen -L "$L" >"$tmp/vkey" || fail "sl-keygen"
	sl-checkpoint -L "$L" >/dev/null || fail "sl-checkpoint"
	sync
	/usr/bin/time -f '%e %M' -o "$tmp/time" sl-tiles -L "$L" export "$T" >"$tmp/out" || fail "sl-tiles export"
	read -r s kb <"$tmp/time"
	files=$(find "$T" -type f | wc -l)
	bytes=$(du -sb "$T" | cut -f1)
	echo "$n entries: first export $s s, peak RSS $((kb / 1024)) MiB, $files files, $bytes bytes ($(cat "$tmp/out"))"
	tail -n 10000 "$tmp/in" | sl-append -L "$L" >/dev/null || fail "sl-append"
	sl-checkpoint -L "$L" >/dev/null || fail "sl-checkpoint"
	/usr/bin/time -f '%e %M' -o "$tmp/time" sl-tiles -L "$L" export "$T" >"$tmp/out" || fail "sl-tiles export"
	read -r s kb <"$tmp/time"
	echo "   after 10,000 more and a checkpoint: $s s ($(cat "$tmp/out"))"
	seq=$((n / 2))
	if command -v strace >/dev/null 2>&1 && strace -f -o /dev/null true 2>/dev/null; then
		strace -f -qq -e trace=openat -o "$tmp/trace" sl-prove --tiles "$T" --key "$(cat "$tmp/vkey")" --seq "$seq" >/dev/null ||
			fail "sl-prove --tiles"
		opened=$(grep -c '"'"$T"'/tile/' "$tmp/trace")
		echo "   proving entry $seq of $((n + 10000)) from the tiles alone: $opened tile files read (strace)"
	else
		sl-prove --tiles "$T" --key "$(cat "$tmp/vkey")" --seq "$seq" >/dev/null || fail "sl-prove --tiles"
		echo "   proving entry $seq of $((n + 10000)) from the tiles alone: verified (strace unavailable: files not counted)"
	fi
	rm -rf "$L" "$T"
}

echo
echo "== sl-tiles export (C2SP tlog-tiles) and sl-prove --tiles, bench/gen ledgers"
figures "$SMALL"
figures "$N"
