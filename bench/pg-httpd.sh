#!/bin/sh
# SPDX-License-Identifier: MIT
# PostgreSQL beside SQLite, in one run on one machine (issue 13, "Performance"):
#
# 1. POST /v1/entries throughput: wrk on loopback, keep-alive, each request
#    a batch of 1 or of 100 entries, through 1 sl-httpd on a SQLite ledger,
#    1 sl-httpd on a PostgreSQL ledger, and 3 sl-httpd servers (3 processes,
#    3 ports, one wrk each, the connections split between them) on one
#    PostgreSQL ledger; requests/s and entries/s, medians of BENCH_RUNS
#    rounds (the configurations take turns inside a round, so load from
#    elsewhere falls on all alike).  Every answer must be 200: others are
#    counted and printed, and only the 200s count.
# 2. Reads at BENCH_PG_READ_N entries (bench/gen), on a SQLite and a PostgreSQL
#    ledger built in the same run: sl-prove inclusion of a few seqs,
#    sl-prove consistency, sl-log --limit 1000 from the middle seq and with a
#    type+source filter, sl-snapshot --at the middle entry's time; wall time
#    of the whole process, median of BENCH_RUNS runs.
#
# Prints figures; never passes or fails on time.  Exits 0 unless a program
# failed or a ledger did not verify.
#
#   BENCH_RUNS=3  BENCH_PG_HTTPD_SECONDS=10  BENCH_PG_HTTPD_CONNS=12 (in all)
#   BENCH_PG_READ_N=1000000  B=build (where bench/gen was built)
#   BENCH_PG_PARTS="post reads" (either alone: only that part)
#
# sl-* come from PATH (make puts bin/ first); wrk, curl and ss from the
# system (make deps); PostgreSQL from t/pg-cluster.sh, a throwaway cluster.
set -u

RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_PG_HTTPD_SECONDS:-10}
CONNS=${BENCH_PG_HTTPD_CONNS:-12}
RN=${BENCH_PG_READ_N:-1000000}
PARTS=${BENCH_PG_PARTS:-post reads}
B=${B:-build}
here=$(cd "$(dirname "$0")/.." && pwd)

. "$(dirname "$0")/lib.sh"

case $RUNS$SECS$CONNS$RN in *[!0-9]*) fail "BENCH_RUNS and BENCH_PG_* must be numbers" ;; esac
[ "$RUNS" -ge 1 ] && [ "$SECS" -ge 1 ] && [ "$CONNS" -ge 3 ] && [ "$RN" -ge 10 ] ||
	fail "BENCH_RUNS >= 1, BENCH_PG_HTTPD_SECONDS >= 1, BENCH_PG_HTTPD_CONNS >= 3, BENCH_PG_READ_N >= 10"
for p in sl-init sl-append sl-httpd sl-verify sl-prove sl-log sl-get sl-snapshot; do
	command -v $p >/dev/null 2>&1 || fail "$p is not on PATH (run make bench)"
done
for p in wrk curl ss jq; do
	command -v $p >/dev/null 2>&1 || fail "$p is not installed (make deps)"
done
[ -x "$B/bench/gen" ] || fail "$B/bench/gen is not built (make build/bench/gen)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sl-bench-pg-httpd.XXXXXX") || fail "unable to make a temporary directory"
chmod 0711 "$tmp" # the server runs as postgres when this runs as root
pg="$tmp/pg"
SRVS=
cleanup() {
	for _s in $SRVS; do kill "$_s" 2>/dev/null; done
	for _s in $SRVS; do wait "$_s" 2>/dev/null; done
	sh "$here/t/pg-cluster.sh" stop "$pg"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ns() { date +%s%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }
fmt() {
	awk -v x="$1" 'BEGIN {
		s = sprintf("%.0f", x); o = ""
		while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
		print s o }'
}

echo "== PostgreSQL beside SQLite: POST throughput through sl-httpd, and reads at $(fmt "$RN") entries"
echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') ($(nproc) online)"
echo "memory: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); disk of $tmp: $(df -P "$tmp" | awk 'NR == 2 { print $1 }')"
echo "load:   $(uptime | sed 's/.*load average/load average/') (other work on this machine skews every figure)"
sh "$here/t/pg-cluster.sh" start "$pg" bench >/dev/null || fail "unable to start PostgreSQL (t/pg-cluster.sh)"
echo "server: $("$(ls -d /usr/lib/postgresql/*/bin | tail -n 1)/postgres" --version), on this machine, fsync on, synchronous_commit on"

# ---------------------------------------------------------------- 1. POST
case " $PARTS " in *" post "*) ;; *) SKIP_POST=1 ;; esac
if [ -z "${SKIP_POST:-}" ]; then
TOK=bench-Token_1
printf '%s  bench\n' "$(printf %s "$TOK" | sha256sum | cut -d' ' -f1)" >"$tmp/tokens"
for k in 1 100; do
	cat >"$tmp/post$k.lua" <<EOF
local n = 0
local hdr = { ["Content-Type"] = "application/x-ndjson", ["Authorization"] = "Bearer $TOK" }
request = function()
  local t = {}
  for i = 1, $k do
    n = n + 1
    t[i] = string.format('{"type":"x-bench","source":"post-%d","payload":{"n":%d}}', n % 1000, n)
  end
  return wrk.format("POST", "/v1/entries", hdr, table.concat(t, "\n") .. "\n")
end
EOF
done

# start_httpd LEDGER: sl-httpd on a port the kernel picks; sets URL, adds its pid to SRVS.
start_httpd() {
	sl-httpd -L "$1" -l 127.0.0.1:0 -T "$tmp/tokens" --no-access-log >/dev/null 2>>"$tmp/httpd.err" &
	_p=$!
	SRVS="$SRVS $_p"
	_k=0
	while [ $_k -lt 500 ]; do
		URL=$(ss -Htlnp 2>/dev/null | grep "pid=$_p," | awk '{ print $4 }' | head -n 1)
		[ -n "$URL" ] && curl -fsS -o /dev/null "http://$URL/health" 2>/dev/null && { URL=http://$URL; return 0; }
		kill -0 "$_p" 2>/dev/null || fail "sl-httpd -L $1 did not start: $(cat "$tmp/httpd.err")"
		sleep 0.02
		_k=$((_k + 1))
	done
	fail "sl-httpd -L $1 is not listening"
}

sq="$tmp/sqlite-post"
sl-init -L "$sq" --origin bench.example/log >/dev/null || fail "sl-init $sq"
pg1=$(sh "$here/t/pg-cluster.sh" createdb "$pg" post1) || fail "createdb"
pg3=$(sh "$here/t/pg-cluster.sh" createdb "$pg" post3) || fail "createdb"
sl-init -L "$pg1" --origin bench.example/log >/dev/null || fail "sl-init post1"
sl-init -L "$pg3" --origin bench.example/log >/dev/null || fail "sl-init post3"
start_httpd "$sq"
U_SQ=$URL
start_httpd "$pg1"
U_P1=$URL
U_P3=
for _ in 1 2 3; do
	start_httpd "$pg3"
	U_P3="$U_P3 $URL"
done

# wrk_set NAME K URL...: one wrk per URL at once, CONNS split between them,
# for SECS; appends "ok_requests_per_s non200 socket_errors" to $tmp/NAME.
wrk_set() {
	_n=$1 _k=$2
	shift 2
	_c=$((CONNS / $#))
	_i=0 _w=
	for _u in "$@"; do
		wrk -t1 -c"$_c" -d"${SECS}s" -s "$tmp/post$_k.lua" "$_u" >"$tmp/wrk.$_i" 2>&1 &
		_w="$_w $!"
		_i=$((_i + 1))
	done
	_wok=1
	for _j in $_w; do
		wait "$_j" || _wok=0
	done
	[ $_wok = 1 ] || fail "wrk failed: $(cat "$tmp"/wrk.*)"
	_i=0 _ok=0 _bad=0 _err=0
	while [ $_i -lt $# ]; do
		_f=$tmp/wrk.$_i
		_req=$(awk '/requests in/ { print $1 }' "$_f")
		_dur=$(awk '/requests in/ { d = $4; sub(/,$/, "", d); u = d; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", d);
			if (u == "ms") d /= 1000; else if (u == "m") d *= 60; print d }' "$_f")
		_b=$(awk '/Non-2xx/ { print $NF }' "$_f")
		_e=$(awk '/Socket errors/ { gsub(/[^0-9 ]/, " "); print $1 + $2 + $3 + $4 }' "$_f")
		grep 'Socket errors' "$_f" | sed "s|^ *|$_n: |" >>"$tmp/sockerr"
		_ok=$(awk -v o="$_ok" -v r="$_req" -v b="${_b:-0}" -v d="$_dur" 'BEGIN { print o + (r - b) / d }')
		_bad=$((_bad + ${_b:-0}))
		_err=$((_err + ${_e:-0}))
		_i=$((_i + 1))
	done
	echo "$_ok $_bad $_err" >>"$tmp/$_n"
	rm -f "$tmp"/wrk.*
}

echo
echo "== 1. POST /v1/entries: wrk -t1 per server, $CONNS connections in all, ${SECS}s, keep-alive, median of $RUNS rounds"
r=0
while [ $r -lt "$RUNS" ]; do
	for k in 1 100; do
		# shellcheck disable=SC2086
		wrk_set "sq.$k" $k "$U_SQ"
		wrk_set "p1.$k" $k "$U_P1"
		# shellcheck disable=SC2086
		wrk_set "p3.$k" $k $U_P3
	done
	r=$((r + 1))
done
for s in $SRVS; do kill "$s" 2>/dev/null; done
for s in $SRVS; do wait "$s" || fail "an sl-httpd did not stop with status 0: $(cat "$tmp/httpd.err")"; done
SRVS=

printf '   %-44s %12s %12s %s\n' "configuration" "requests/s" "entries/s" "(answers not 200, socket errors: all rounds)"
for k in 1 100; do
	for c in sq p1 p3; do
		case $c in
		sq) label="1 sl-httpd, SQLite ledger" ;;
		p1) label="1 sl-httpd, PostgreSQL ledger" ;;
		p3) label="3 sl-httpd, one PostgreSQL ledger" ;;
		esac
		rq=$(awk '{ print $1 }' "$tmp/$c.$k" | median)
		bad=$(awk '{ s += $2 } END { print s }' "$tmp/$c.$k")
		err=$(awk '{ s += $3 } END { print s }' "$tmp/$c.$k")
		printf '   %-44s %12s %12s (%s, %s)\n' "$label, batch $k" "$(fmt "$rq")" "$(fmt "$(awk -v r="$rq" -v k=$k 'BEGIN { print r * k }')")" "$bad" "$err"
	done
done
[ -s "$tmp/sockerr" ] && sed 's/^/   (/; s/$/)/' "$tmp/sockerr"
for l in "$sq" "$pg1" "$pg3"; do
	v=$(sl-verify -L "$l") || fail "the ledger $l does not verify after the POSTs: $v"
	echo "   verified: $(echo "$v" | jq -r '"\(.size) entries"') in $(echo "$l" | sed 's|.*/||')"
done

fi

# ---------------------------------------------------------------- 2. reads
case " $PARTS " in *" reads "*) ;; *) exit 0 ;; esac
echo
echo "== 2. reads at $(fmt "$RN") entries: SQLite and PostgreSQL ledgers of the same input (bench/gen $RN), median of $RUNS, whole process (ms)"
"$B/bench/gen" "$RN" >"$tmp/in" 2>/dev/null || fail "bench/gen failed"
sr="$tmp/sqlite-read"
pr=$(sh "$here/t/pg-cluster.sh" createdb "$pg" read) || fail "createdb"
sl-init -L "$sr" --origin bench.example/log >/dev/null || fail "sl-init"
sl-init -L "$pr" --origin bench.example/log >/dev/null || fail "sl-init"
t0=$(now_ns)
sl-append -L "$sr" <"$tmp/in" >/dev/null || fail "sl-append into SQLite"
t1=$(now_ns)
sl-append -L "$pr" <"$tmp/in" >/dev/null || fail "sl-append into PostgreSQL: exit $?"
t2=$(now_ns)
printf '   %-58s %12s %12s\n' "" "SQLite" "PostgreSQL"
printf '   %-58s %12.1f %12.1f\n' "building: sl-append of $(fmt "$RN") entries (s, once)" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print (b - a) / 1e9 }')"
# Same input, same tree: the roots must agree (ts differs, so list outputs do not).
MID=$((RN / 2))
hs=$(sl-prove -L "$sr" head | jq -r .size)
hp=$(sl-prove -L "$pr" head | jq -r .size)
[ "$hs" = "$RN" ] && [ "$hp" = "$RN" ] || fail "sizes $hs and $hp, not $RN"
mid=$(sl-get -L "$pr" "$MID") || fail "sl-get $MID"
mtype=$(echo "$mid" | jq -r .type)
msrc=$(echo "$mid" | jq -r .source)

# ms LEDGER ARGS...: the median wall time in ms of RUNS runs of ARGS with -L LEDGER
# (the program is the first of ARGS); the last run's output in $tmp/out.
ms() {
	_l=$1
	shift
	_p=$1
	shift
	: >"$tmp/ms"
	_r=0
	while [ $_r -lt "$RUNS" ]; do
		_a=$(now_ns)
		"$_p" -L "$_l" "$@" >"$tmp/out" || fail "$_p $* on $_l"
		_b=$(now_ns)
		awk -v a="$_a" -v b="$_b" 'BEGIN { print (b - a) / 1e6 }' >>"$tmp/ms"
		_r=$((_r + 1))
	done
	median <"$tmp/ms"
}
# row LABEL ARGS...: the same on both ledgers, one line; the outputs' sizes must agree
row() {
	_label=$1
	shift
	_s=$(ms "$sr" "$@")
	_sl=$(wc -l <"$tmp/out")
	_q=$(ms "$pr" "$@")
	_ql=$(wc -l <"$tmp/out")
	[ "$_sl" = "$_ql" ] || fail "$*: $_sl lines from SQLite, $_ql from PostgreSQL"
	printf '   %-58s %12.1f %12.1f\n' "$_label" "$_s" "$_q"
}

for s in 0 $((RN / 7)) $MID $((RN - 2)); do
	row "sl-prove inclusion --seq $s" sl-prove inclusion --seq "$s"
done
row "sl-prove inclusion --seq $MID --size $((RN - 5))" sl-prove inclusion --seq "$MID" --size $((RN - 5))
row "sl-prove consistency --old-size $MID" sl-prove consistency --old-size "$MID"
row "sl-log --after $MID --limit 1000" sl-log --after "$MID" --limit 1000
row "sl-log --type T --source S --limit 1000" sl-log --type "$mtype" --source "$msrc" --limit 1000
echo "      (T S = $mtype $msrc, the middle entry's: $(wc -l <"$tmp/out") entries)"
sts=$(sl-get -L "$sr" "$MID" | jq -r .ts)
pts=$(echo "$mid" | jq -r .ts)
s_ms=$(ms "$sr" sl-snapshot --at "$sts")
s_l=$(wc -l <"$tmp/out")
p_ms=$(ms "$pr" sl-snapshot --at "$pts")
p_l=$(wc -l <"$tmp/out")
printf '   %-58s %12.1f %12.1f\n' "sl-snapshot --at (each ledger's ts of seq $MID)" "$s_ms" "$p_ms"
echo "      ($s_l and $p_l lines: the heads of every source as of that time)"
for l in "$sr" "$pr"; do
	t0=$(now_ns)
	sl-verify -L "$l" >/dev/null || fail "the ledger $l does not verify"
	t1=$(now_ns)
	echo "$t0 $t1" >>"$tmp/verify"
done
printf '   %-58s %12.1f %12.1f\n' "sl-verify (s, once)" \
	"$(awk 'NR == 1 { print ($2 - $1) / 1e9 }' "$tmp/verify")" "$(awk 'NR == 2 { print ($2 - $1) / 1e9 }' "$tmp/verify")"
echo "   load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
exit 0
