#!/bin/sh
# SPDX-License-Identifier: MIT
# What limits the SQLite baseline (and so sl-append): bench/sqlite-baseline
# with the store's schema and pragmas, then with one thing changed at a
# time.  Not part of `make bench`; doc/BENCHMARKS.md quotes it.
#
#   B=$PWD/build sh bench/sqlite-whatif.sh [N [ROUNDS]]
#
# N defaults to 1,000,000 and ROUNDS to 1; variants run interleaved.  For
# each: entries/s and the bytes written to the disk (/usr/bin/time %O, in
# 512-byte blocks as the kernel counts them for the process).
set -u

N=${1:-1000000}
ROUNDS=${2:-1}
B=${B:-build}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sl-whatif.XXXXXX") || exit 111
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT PIPE TERM

run() {
	name=$1
	shift
	rm -f "$tmp/x.db" "$tmp/x.db-wal" "$tmp/x.db-shm"
	sync
	/usr/bin/time -f '%O %e' -o "$tmp/time" "$B/bench/sqlite-baseline" "$@" >"$tmp/out" ||
		{ echo "whatif: sqlite-baseline failed" >&2; exit 1; }
	rate=$(sed -n 's/^baseline_rate=//p' "$tmp/out")
	size=$(stat -c %s "$tmp/x.db")
	awk -v n="$name" -v r="$rate" -v t="$(tail -n 1 "$tmp/time")" -v s="$size" 'BEGIN {
		split(t, a, " "); printf "%-46s %9d entries/s  %7.0f MB written  %5.0f MB db  %6.1f s\n",
			n, r, a[1] * 512 / 1e6, s / 1e6, a[2] }'
}

echo "== sqlite-baseline, $N entries, $(cut -d' ' -f1-3 /proc/loadavg) load"
i=1
while [ "$i" -le "$ROUNDS" ]; do
	run "store schema and pragmas (make bench)" "$tmp/x.db" "$N"
	run "format 1: index on entries(type, source)" -O "$tmp/x.db" "$N"
	run "100,000-entry transactions" "$tmp/x.db" "$N" 100000
	run "cache_size = 64 MiB" -P "PRAGMA cache_size = -65536" "$tmp/x.db" "$N"
	run "wal_autocheckpoint = 16384 pages" -P "PRAGMA wal_autocheckpoint = 16384" "$tmp/x.db" "$N"
	i=$((i + 1))
done
