#!/bin/sh
# SPDX-License-Identifier: MIT
# Snapshot figures of issue 4 ("Done when", point 5): sl-snapshot --at T on
# ledgers of BENCH_SMALL and BENCH_N entries over BENCH_SOURCES sources,
# side by side, for all sources and for a tenth of them.  Prints figures;
# never passes or fails on time.  Exits 0 unless a program failed.
#
#   BENCH_N=1000000  BENCH_SMALL=100000  BENCH_SOURCES=1000  BENCH_RUNS=5
#
# The programs (sl-init, sl-append, sl-keygen, sl-checkpoint, sl-snapshot,
# sl-audit) come from PATH; run it as  PATH="$PWD/bin:$PATH" sh bench/snapshot.sh
#
# Issue 11 adds the complete bundle: its size and the time and peak memory
# of `sl-audit verify`, which recomputes the root and the latest entry of
# every source from every entry of the prefix.
set -u

N=${BENCH_N:-1000000}
SMALL=${BENCH_SMALL:-100000}
SOURCES=${BENCH_SOURCES:-1000}
RUNS=${BENCH_RUNS:-5}

. "$(dirname "$0")/lib.sh"

case $N$SMALL$SOURCES$RUNS in *[!0-9]*) fail "BENCH_N, BENCH_SMALL, BENCH_SOURCES and BENCH_RUNS must be numbers" ;; esac
[ "$SOURCES" -ge 10 ] && [ "$RUNS" -ge 1 ] && [ "$SMALL" -ge "$SOURCES" ] && [ "$N" -ge "$SMALL" ] ||
	fail "need BENCH_N >= BENCH_SMALL >= BENCH_SOURCES >= 10 and BENCH_RUNS >= 1"
for p in sl-init sl-append sl-keygen sl-checkpoint sl-snapshot sl-audit; do
	command -v $p >/dev/null 2>&1 || fail "$p is not on PATH"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sl-bench-snapshot.XXXXXX") || fail "unable to make a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }

# build DIR COUNT: a ledger of COUNT entries over SOURCES sources, with a checkpoint.
build() {
	sl-init -L "$1" --origin bench.example/log >/dev/null || fail "sl-init $1"
	awk -v n="$2" -v s="$SOURCES" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"type\":\"x-bench\",\"source\":\"src-%04d\",\"payload\":{\"i\":%d}}\n", i % s, i
	}' | sl-append -L "$1" >/dev/null || fail "sl-append $1"
	sl-keygen -L "$1" >"$1.vkey" || fail "sl-keygen $1"
	sl-checkpoint -L "$1" >/dev/null || fail "sl-checkpoint $1"
}

# ms DIR ARGS...: the median wall time of sl-snapshot ARGS in milliseconds.
ms() {
	d=$1
	shift
	k=0
	while [ "$k" -lt "$RUNS" ]; do
		t0=$(now_ns)
		sl-snapshot -L "$d" "$@" >"$tmp/snap.json" || fail "sl-snapshot $*"
		t1=$(now_ns)
		echo $(((t1 - t0) / 1000))
		k=$((k + 1))
	done | median | awk '{ printf "%.1f", $1 / 1000 }'
}

build "$tmp/small" "$SMALL"
build "$tmp/large" "$N"
tenth="src-00*"
[ "$SOURCES" -le 1000 ] || tenth="src-000*"
printf '%-44s %12s %12s\n' "sl-snapshot (median of $RUNS, ms)" "$SMALL" "$N"
printf '%-44s %12s %12s\n' "--at now, all $SOURCES sources" "$(ms "$tmp/small" --at now)" "$(ms "$tmp/large" --at now)"
printf '%-44s %12s %12s\n' "--at now --source '$tenth'" \
	"$(ms "$tmp/small" --at now --source "$tenth")" "$(ms "$tmp/large" --at now --source "$tenth")"
printf '%-44s %12s %12s\n' "--at the middle of the log, all sources" \
	"$(ms "$tmp/small" --at "$(sl-get -L "$tmp/small" $((SMALL / 2)) | jq -r .ts)")" \
	"$(ms "$tmp/large" --at "$(sl-get -L "$tmp/large" $((N / 2)) | jq -r .ts)")"
echo "limit: 100 ms at $N entries; the time follows the sources named, not the entries"

# audit_ms DIR: bundle the all-sources snapshot of DIR, then the median wall
# time of `sl-audit verify` of that bundle, offline, in milliseconds.
audit_ms() {
	sl-snapshot -L "$1" --at now >"$tmp/snap.json" || fail "sl-snapshot $1"
	sl-audit <"$tmp/snap.json" >"$tmp/bundle.json" || fail "sl-audit $1"
	k=0
	while [ "$k" -lt "$RUNS" ]; do
		t0=$(now_ns)
		# The checkpoint ends at the size: verify warns that later entries are not covered.
		sl-audit verify --key "$(cat "$1.vkey")" <"$tmp/bundle.json" >/dev/null 2>"$tmp/verify.err" ||
			fail "sl-audit verify $1"
		t1=$(now_ns)
		echo $(((t1 - t0) / 1000))
		k=$((k + 1))
	done | median | awk '{ printf "%.1f", $1 / 1000 }'
}
echo
printf '%-44s %12s %12s\n' "sl-audit verify (median of $RUNS, ms)" "$SMALL" "$N"
printf '%-44s %12s %12s\n' "bundle of --at now, all $SOURCES sources" "$(audit_ms "$tmp/small")" "$(audit_ms "$tmp/large")"
echo "limit: 200 ms at $N entries"

# complete DIR: the complete, bare bundle of DIR at now; prints its size in
# MB, then the median wall time (ms) and the largest peak RSS (MB) of
# `sl-audit verify` on it.
complete() {
	sl-snapshot -L "$1" --at now --complete >"$tmp/snap.json" || fail "sl-snapshot --complete $1"
	sl-audit --bare <"$tmp/snap.json" >"$tmp/bundle.json" || fail "sl-audit --bare $1"
	rm -f "$tmp/snap.json"
	k=0
	: >"$tmp/rss"
	mb=$(wc -c <"$tmp/bundle.json" | awk '{ printf "%.1f", $1 / 1e6 }')
	t=$(while [ "$k" -lt "$RUNS" ]; do
		t0=$(now_ns)
		if [ -x /usr/bin/time ]; then
			/usr/bin/time -f %M -a -o "$tmp/rss" sl-audit verify --key "$(cat "$1.vkey")" \
				<"$tmp/bundle.json" >/dev/null 2>"$tmp/verify.err" || fail "sl-audit verify --complete $1"
		else
			sl-audit verify --key "$(cat "$1.vkey")" <"$tmp/bundle.json" >/dev/null 2>"$tmp/verify.err" ||
				fail "sl-audit verify --complete $1"
		fi
		t1=$(now_ns)
		echo $(((t1 - t0) / 1000))
		k=$((k + 1))
	done | median | awk '{ printf "%.1f", $1 / 1000 }')
	rss=$(sort -g "$tmp/rss" | tail -n 1 | awk '{ printf "%.0f", $1 / 1024 }')
	rm -f "$tmp/bundle.json"
	echo "$mb $t ${rss:-?}"
}
echo
echo "machine: $(uname -m), $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), load $(cut -d' ' -f1 /proc/loadavg)"
cs=$(complete "$tmp/small")
cl=$(complete "$tmp/large")
printf '%-44s %12s %12s\n' "complete bundle, all $SOURCES sources" "$SMALL" "$N"
printf '%-44s %12s %12s\n' "bundle size (MB)" "$(echo "$cs" | cut -d' ' -f1)" "$(echo "$cl" | cut -d' ' -f1)"
printf '%-44s %12s %12s\n' "sl-audit verify (median of $RUNS, ms)" "$(echo "$cs" | cut -d' ' -f2)" "$(echo "$cl" | cut -d' ' -f2)"
printf '%-44s %12s %12s\n' "sl-audit verify peak RSS (MB)" "$(echo "$cs" | cut -d' ' -f3)" "$(echo "$cl" | cut -d' ' -f3)"
echo "SL_BUNDLE_MAX is 1073.7 MB; the prefix grows with the entries, not the sources"
