#!/bin/sh
# SPDX-License-Identifier: MIT
# sl-append into a PostgreSQL ledger (lib/store-pg.c) against COPY of the
# same rows into the same schema by psql, in the same run, on a throwaway
# cluster (t/pg-cluster.sh).  The rows COPY loads are the ones sl-append
# wrote (entries, tree nodes, streams, mutation index), exported from its
# ledger: COPY is the floor of what any writer into those tables can cost,
# without hashing, canonical JSON, sequencing or receipts.  Target: append
# at >= 0.5 of COPY's rate.  Prints figures; never passes or fails on time.
#
#   BENCH_PG_N=1000000  B=build (where bench/gen was built)
#   BENCH_PG_BUDGET=600 seconds for the append; over it, the run is redone
#                       at a tenth of the size, and says so
set -u

N=${BENCH_PG_N:-1000000}
BUDGET=${BENCH_PG_BUDGET:-600}
B=${B:-build}
here=$(cd "$(dirname "$0")/.." && pwd)

. "$(dirname "$0")/lib.sh"

case $N$BUDGET in *[!0-9]*) fail "BENCH_PG_N and BENCH_PG_BUDGET must be numbers" ;; esac
need_progs sl-init sl-append sl-verify
need_gen

bench_tmp pg
pg="$tmp/pg"
chmod 0711 "$tmp" # the server runs as postgres when this runs as root
trap 'sh "$here/t/pg-cluster.sh" stop "$pg"; rm -rf "$tmp"' EXIT

echo "== PostgreSQL: sl-append against COPY"
bench_machine
uri=$(sh "$here/t/pg-cluster.sh" start "$pg" bench) || fail "unable to start PostgreSQL (t/pg-cluster.sh)"
echo "server: $("$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)/postgres" --version), fsync on, synchronous_commit on"

now() { date +%s.%N; }
psql_db() { sh "$here/t/pg-cluster.sh" psql "$pg" "$@"; }

run() { # N DB: append N entries into database DB; sets secs
	n=$1 db=$2
	"$B/bench/gen" "$n" >"$tmp/in" 2>/dev/null || fail "bench/gen failed"
	u=$(sh "$here/t/pg-cluster.sh" createdb "$pg" "$db") || fail "createdb failed"
	sl-init -L "$u" --origin bench.example/log >/dev/null || fail "sl-init failed"
	t0=$(now)
	timeout "$BUDGET" sl-append -L "$u" <"$tmp/in" >/dev/null
	rc=$?
	t1=$(now)
	secs=$(echo "$t1 - $t0" | bc)
	return $rc
}

size=$N
if ! run "$size" a1; then
	echo "sl-append of $size entries did not finish within ${BUDGET}s: measuring $((size / 10)) instead"
	size=$((size / 10))
	run "$size" a2 || fail "sl-append of $size entries failed"
	db=a2
else
	db=a1
fi
append=$secs
bytes=$(wc -c <"$tmp/in")

# The same rows, exported, then loaded by COPY into a fresh ledger's schema.
u=$(sh "$here/t/pg-cluster.sh" createdb "$pg" c1) || fail "createdb failed"
sl-init -L "$u" --origin bench.example/log >/dev/null || fail "sl-init failed"
for t in entries nodes streams mutations lanes; do
	psql_db "$db" -c "\\copy $t TO '$tmp/$t.copy'" || fail "export of $t failed"
done
t0=$(now)
psql_db c1 -c "BEGIN" \
	-c "\\copy entries FROM '$tmp/entries.copy'" -c "\\copy nodes FROM '$tmp/nodes.copy'" \
	-c "\\copy streams FROM '$tmp/streams.copy'" -c "\\copy lanes FROM '$tmp/lanes.copy'" \
	-c "\\copy mutations FROM '$tmp/mutations.copy'" -c "COMMIT" || fail "COPY failed"
t1=$(now)
copy=$(echo "$t1 - $t0" | bc)

sl-verify -L "${uri%/*}/$db" >/dev/null ||
	echo "warning: sl-verify of the appended ledger failed"
dbsize=$(psql_db "$db" -At -c "SELECT pg_size_pretty(pg_database_size(current_database()))")
printf 'entries:        %s (%s bytes of NDJSON input; database %s)\n' "$size" "$bytes" "$dbsize"
printf 'sl-append:      %.2f s  %8.0f entries/s (batches of 10000, one transaction each)\n' "$append" "$(echo "$size / $append" | bc -l)"
printf 'psql COPY:      %.2f s  %8.0f entries/s (the same rows: entries, nodes, streams, lanes, mutations)\n' "$copy" "$(echo "$size / $copy" | bc -l)"
printf 'append / COPY:  %.2f (target >= 0.5)\n' "$(echo "$copy / $append" | bc -l)"
