#!/bin/sh
# SPDX-License-Identifier: MIT
# sl-copy figures (issue 13): a bench/gen ledger of BENCH_SMALL and BENCH_N
# entries with one checkpoint copied to a new directory (time, entries per
# second, peak RSS: memory must not grow with the log), beside `cp -r` of
# the ledger directory (the floor: bytes moved, nothing checked); then a
# second sl-copy with nothing new (the cost of comparing an earlier copy).
# Prints figures; never passes or fails on time.
#
#   BENCH_N=1000000  BENCH_SMALL=100000  B=build (where bench/gen was built)
set -u

. "$(dirname "$0")/lib.sh"
bench_sizes
need_progs sl-init sl-append sl-keygen sl-checkpoint sl-copy sl-verify
need_gen
need_time
bench_tmp copy

echo "== machine"
bench_machine
bench_rev

# rate COUNT SECONDS: entries per second.
rate() {
	awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%d/s", n / s; else print "-" }'
}

figures() {
	n=$1
	A=$tmp/a$n
	"$B/bench/gen" "$n" 2>/dev/null | {
		sl-init -L "$A" --origin bench.example/log >/dev/null || fail "sl-init"
		sl-append -L "$A" >/dev/null || fail "sl-append"
	}
	sl-keygen -L "$A" >/dev/null || fail "sl-keygen"
	sl-checkpoint -L "$A" >/dev/null || fail "sl-checkpoint"
	bytes=$(du -sb "$A" | cut -f1)
	sync
	/usr/bin/time -f '%e %M' -o "$tmp/time" cp -r "$A" "$tmp/cp" || fail "cp -r"
	read -r cs ckb <"$tmp/time"
	sync
	/usr/bin/time -f '%e %M' -o "$tmp/time" sl-copy -q "$A" "$tmp/b" || fail "sl-copy"
	read -r s kb <"$tmp/time"
	echo "$n entries ($bytes bytes): sl-copy $s s, $(rate "$n" "$s"), peak RSS $((kb / 1024)) MiB;" \
		"cp -r $cs s, $(rate "$n" "$cs"), peak RSS $((ckb / 1024)) MiB"
	/usr/bin/time -f '%e %M' -o "$tmp/time" sl-copy -q "$A" "$tmp/b" || fail "sl-copy again"
	read -r s kb <"$tmp/time"
	echo "   again, nothing new (every entry compared): $s s, peak RSS $((kb / 1024)) MiB"
	sl-verify -q -L "$tmp/b" || fail "the copy does not verify"
	rm -rf "$A" "$tmp/cp" "$tmp/b"
}

echo
echo "== sl-copy of a bench/gen ledger to a new directory, beside cp -r"
figures "$SMALL"
figures "$N"
