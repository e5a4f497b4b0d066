#!/bin/sh
# SPDX-License-Identifier: MIT
# sl-httpd figures of issue 6 ("Done when", point 5): wrk on loopback,
# keep-alive, BENCH_HTTPD_SECONDS each, on a ledger of BENCH_N generated
# entries: GET /v1/entries/{seq} (a random seq per request) beside nginx
# serving a static file of the same size in the same run, GET /health and
# GET /v1/proof/inclusion (random seq), with p99 latency; then the same
# two requests under each libmicrohttpd mode, to show why the default is
# what it is.  Prints figures (medians of BENCH_RUNS runs); never passes
# or fails on time.  Exits 0 unless a program failed.
#
#   BENCH_N=1000000  BENCH_RUNS=3  BENCH_HTTPD_SECONDS=10
#   BENCH_HTTPD_CONNS=64  BENCH_HTTPD_THREADS=2 (wrk's)
#   BENCH_HTTPD_LEDGER=DIR  use this ledger instead of generating one
#   B=build  where bench/gen was built (make sets it)
#
# sl-init, sl-append, sl-get and sl-httpd come from PATH (make puts bin/
# first); wrk and nginx from the system (make deps installs them).  nginx
# runs as this user's process with its own configuration in a temporary
# directory, never as the system service.
set -u

N=${BENCH_N:-1000000}
RUNS=${BENCH_RUNS:-3}
SECS=${BENCH_HTTPD_SECONDS:-10}
CONNS=${BENCH_HTTPD_CONNS:-64}
WT=${BENCH_HTTPD_THREADS:-2}
B=${B:-build}

. "$(dirname "$0")/lib.sh"

case $N$RUNS$SECS$CONNS$WT in *[!0-9]*) fail "BENCH_N, BENCH_RUNS and BENCH_HTTPD_* must be numbers" ;; esac
[ "$N" -ge 1 ] && [ "$RUNS" -ge 1 ] && [ "$SECS" -ge 1 ] || fail "BENCH_N, BENCH_RUNS, BENCH_HTTPD_SECONDS >= 1"
for p in sl-init sl-append sl-get sl-httpd; do
	command -v $p >/dev/null 2>&1 || fail "$p is not on PATH (run make bench)"
done
command -v wrk >/dev/null 2>&1 || fail "wrk is not installed (make deps)"
command -v curl >/dev/null 2>&1 || fail "curl is not installed (make deps)"
command -v ss >/dev/null 2>&1 || fail "ss is not installed (make deps: iproute2)"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || NGINX=

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sl-bench-httpd.XXXXXX") || fail "unable to make a temporary directory"
SRV=
NGX=
NPORT=none
HZ=$(getconf CLK_TCK)
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	[ -n "$NGX" ] && kill "$NGX" 2>/dev/null && wait "$NGX" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
verdict() { if "$@"; then echo "target met"; else echo "below target"; fi; }
# fmt NUMBER: 1234567.8 -> 1,234,568
fmt() {
	awk -v x="$1" 'BEGIN {
		s = sprintf("%.0f", x); o = ""
		while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
		print s o }'
}

# The ledger.
if [ -n "${BENCH_HTTPD_LEDGER:-}" ]; then
	L=$BENCH_HTTPD_LEDGER
else
	[ -x "$B/bench/gen" ] || fail "$B/bench/gen is missing (run make bench)"
	L=$tmp/ledger
	sl-init -L "$L" --origin bench.example/log >/dev/null || fail "sl-init"
	echo "== sl-httpd: generating a ledger of $N entries"
	"$B/bench/gen" "$N" 2>"$tmp/gen.log" | sl-append -L "$L" >/dev/null || fail "gen | sl-append"
fi
SIZE=$(sl-prove -L "$L" --head | sed 's/.*"size":\([0-9]*\).*/\1/')
[ "$SIZE" -ge 1 ] 2>/dev/null || fail "the ledger has no entries"
MID=$((SIZE / 2))

# wrk scripts: a random seq per request.
cat >"$tmp/entry.lua" <<EOF
request = function()
  return wrk.format(nil, "/v1/entries/" .. math.random(0, $SIZE - 1))
end
EOF
cat >"$tmp/inclusion.lua" <<EOF
request = function()
  return wrk.format(nil, "/v1/proof/inclusion?seq=" .. math.random(0, $SIZE - 1))
end
EOF

# start_httpd ARGS...: sl-httpd on a port the kernel picks; sets SRV and URL.
start_httpd() {
	sl-httpd -L "$L" -l 127.0.0.1:0 "$@" 2>"$tmp/httpd.err" &
	SRV=$!
	k=0
	URL=
	while [ $k -lt 250 ]; do
		URL=$(ss -Htlnp 2>/dev/null | grep "pid=$SRV," | awk '{ print $4 }' | head -n 1)
		[ -n "$URL" ] && curl -fsS -o /dev/null "http://$URL/health" 2>/dev/null && break
		kill -0 "$SRV" 2>/dev/null || fail "sl-httpd $* did not start: $(cat "$tmp/httpd.err")"
		sleep 0.02
		k=$((k + 1))
	done
	[ -n "$URL" ] || fail "sl-httpd $* is not listening"
	URL=http://$URL
}

# cpu_ticks: CPU clock ticks (user + system) used so far by sl-httpd and its workers.
cpu_ticks() {
	for _p in $SRV $(pgrep -P "$SRV" 2>/dev/null); do
		# After the ")" of the command name: field 14 and 15 of stat are utime and stime.
		sed 's/.*) //' "/proc/$_p/stat" 2>/dev/null | awk '{ print $12 + $13 }'
	done | awk '{ s += $1 } END { print s + 0 }'
}

stop_httpd() {
	kill "$SRV" && wait "$SRV" || fail "sl-httpd did not stop with status 0"
	SRV=
}

# wrk_once NAME URL [SCRIPT]: one run; appends "rps p99ms" to $tmp/NAME, and
# when SRV is the server asked, the server's CPU microseconds per request to
# $tmp/NAME.cpu.
wrk_once() {
	_n=$1
	_u=$2
	shift 2
	_c0=$(cpu_ticks)
	if [ $# -gt 0 ]; then
		wrk -t"$WT" -c"$CONNS" -d"${SECS}s" --latency -s "$1" "$_u" >"$tmp/wrk.out" 2>&1
	else
		wrk -t"$WT" -c"$CONNS" -d"${SECS}s" --latency "$_u" >"$tmp/wrk.out" 2>&1
	fi || fail "wrk $_u: $(cat "$tmp/wrk.out")"
	grep -q 'Non-2xx' "$tmp/wrk.out" && fail "wrk $_u: answers that are not 200: $(cat "$tmp/wrk.out")"
	grep -q 'Socket errors' "$tmp/wrk.out" && echo "   ($_n: $(grep 'Socket errors' "$tmp/wrk.out" | sed 's/^ *//'))"
	_rps=$(awk '/^Requests\/sec:/ { print $2 }' "$tmp/wrk.out")
	# p99 in ms (wrk prints us, ms or s).
	_p99=$(awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000; print v }' "$tmp/wrk.out")
	echo "$_rps $_p99" >>"$tmp/$_n"
	_c1=$(cpu_ticks)
	_reqs=$(awk '/requests in/ { print $1 }' "$tmp/wrk.out")
	case $_u in
	*:$NPORT/*) ;;
	*) awk -v c=$((_c1 - _c0)) -v hz="$HZ" -v n="$_reqs" 'BEGIN { if (n > 0) printf "%.1f\n", c / hz * 1e6 / n }' >>"$tmp/$_n.cpu" ;;
	esac
}

# report NAME LABEL: the medians of NAME's runs.
rps_of() { awk '{ print $1 }' "$tmp/$1" | median; }
cpu_of() { median <"$tmp/$1.cpu"; }
p99_of() { awk '{ print $2 }' "$tmp/$1" | median; }
report() {
	printf '   %-44s %9s req/s   p99 %7.2f ms' "$2" "$(fmt "$(rps_of "$1")")" "$(p99_of "$1")"
	[ -s "$tmp/$1.cpu" ] && printf '   %5.1f us CPU/req' "$(cpu_of "$1")"
	printf '   (median of %d)\n' "$(wc -l <"$tmp/$1")"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== sl-httpd: wrk -t$WT -c$CONNS -d${SECS}s, keep-alive, on a ledger of $SIZE entries ($(nproc) processors)"

# Main figures: the default configuration (one process, a pool of threads),
# each endpoint run in turn inside every round, so load from elsewhere on
# the machine falls on all of them alike.
ENTRY_BYTES=$(sl-get -L "$L" "$MID" | wc -c)
if [ -n "$NGINX" ]; then
	mkdir -p "$tmp/ngx/www" "$tmp/ngx/tmp" "$tmp/ngx/logs"
	sl-get -L "$L" "$MID" >"$tmp/ngx/www/entry.json" || fail "sl-get"
	chmod -R a+rX "$tmp"
	NPORT=$(awk 'BEGIN { srand(); print 20000 + int(rand() * 30000) }')
	while ss -Htln "sport = :$NPORT" | grep -q .; do NPORT=$((NPORT + 1)); done
	cat >"$tmp/ngx/nginx.conf" <<EOF
worker_processes $(nproc);
pid $tmp/ngx/nginx.pid;
error_log $tmp/ngx/logs/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $tmp/ngx/tmp;
	proxy_temp_path $tmp/ngx/tmp;
	fastcgi_temp_path $tmp/ngx/tmp;
	uwsgi_temp_path $tmp/ngx/tmp;
	scgi_temp_path $tmp/ngx/tmp;
	default_type application/json;
	server {
		listen 127.0.0.1:$NPORT;
		root $tmp/ngx/www;
	}
}
EOF
	"$NGINX" -c "$tmp/ngx/nginx.conf" -p "$tmp/ngx" -g 'daemon off;' 2>"$tmp/ngx/logs/start.log" &
	NGX=$!
	k=0
	until curl -fsS -o /dev/null "http://127.0.0.1:$NPORT/entry.json" 2>/dev/null; do
		kill -0 "$NGX" 2>/dev/null || fail "nginx did not start: $(cat "$tmp/ngx/logs/start.log")"
		k=$((k + 1))
		[ $k -lt 250 ] || fail "nginx is not answering"
		sleep 0.02
	done
fi
start_httpd
r=0
while [ $r -lt "$RUNS" ]; do
	wrk_once entry "$URL/" "$tmp/entry.lua"
	[ -n "$NGX" ] && wrk_once nginx "http://127.0.0.1:$NPORT/entry.json"
	wrk_once health "$URL/health"
	wrk_once inclusion "$URL/" "$tmp/inclusion.lua"
	r=$((r + 1))
done
stop_httpd
[ -n "$NGX" ] && { kill "$NGX"; wait "$NGX" 2>/dev/null; NGX=; }

report entry "GET /v1/entries/{seq} (random seq, $ENTRY_BYTES B)"
e=$(rps_of entry)
echo "      target >= 30,000 req/s: $(verdict ge "$e" 30000)"
if [ -f "$tmp/nginx" ]; then
	report nginx "nginx, static file of $ENTRY_BYTES B"
	n=$(rps_of nginx)
	echo "      sl-httpd / nginx = $(awk -v a="$e" -v b="$n" 'BEGIN { printf "%.0f%%", 100 * a / b }'), target >= 50%: $(verdict ge "$e" "$(awk -v b="$n" 'BEGIN { print b / 2 }')")"
else
	echo "   nginx is not installed: no comparison (make deps installs nginx-light)"
fi
report health "GET /health"
echo "      target >= 60,000 req/s: $(verdict ge "$(rps_of health)" 60000)"
report inclusion "GET /v1/proof/inclusion (random seq)"
echo "      target >= 10,000 req/s: $(verdict ge "$(rps_of inclusion)" 10000)"

# The modes, BENCH_RUNS rounds each, the modes taking turns within a round:
# why the default is one process with a pool of two threads per processor.
echo "== sl-httpd: libmicrohttpd modes (/health, then a random entry; median of $RUNS)"
NP=$(nproc)
r=0
while [ $r -lt "$RUNS" ]; do
	i=0
	for mode in "-m epoll" "-m epoll -w $NP" "-m pool -t $NP" "-m pool -t $((2 * NP))" "-m thread"; do
		# shellcheck disable=SC2086
		start_httpd $mode
		wrk_once "m$i-health" "$URL/health"
		wrk_once "m$i-entry" "$URL/" "$tmp/entry.lua"
		stop_httpd
		i=$((i + 1))
	done
	r=$((r + 1))
done
i=0
for mode in "-m epoll" "-m epoll -w $NP" "-m pool -t $NP" "-m pool -t $((2 * NP)) (default)" "-m thread"; do
	printf '   %-22s /health %7s req/s p99 %6.2f ms %5.1f us/req   entry %7s req/s p99 %6.2f ms %5.1f us/req\n' \
		"$mode" "$(fmt "$(rps_of "m$i-health")")" "$(p99_of "m$i-health")" "$(cpu_of "m$i-health")" \
		"$(fmt "$(rps_of "m$i-entry")")" "$(p99_of "m$i-entry")" "$(cpu_of "m$i-entry")"
	i=$((i + 1))
done
echo "   (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); at the start: $LOAD0)"
exit 0
