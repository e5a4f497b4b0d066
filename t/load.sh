#!/bin/bash
# SPDX-License-Identifier: MIT
#
# load.sh SECONDS WORKDIR: 8 writers (sl-append) and 4 readers (sl-log,
# sl-verify, sl-snapshot, sl-prove with its proofs checked) on one ledger
# (WORKDIR/ledger, created here) for SECONDS seconds.  Then:
#   - no program failed: every run exited 0 with nothing on stderr (a busy
#     ledger is waited for, SL_BUSY_TIMEOUT, never reported);
#   - every receipt names an entry with its seq, ts and leaf hash, each seq
#     once; the entries are seq 0..N-1, each written line exactly once,
#     nothing more (t/ledger-check.pl --exact);
#   - sl-verify accepts the ledger.
# Prints a summary line; exits 1 when a promise is broken.  sl-* programs
# come from PATH.  t/7030-load.bats runs it ($SL_LOAD_SECONDS, default 30);
# so does `make stress`.
#
# A fifth reader goes through a read-only sl-httpd on the same ledger: GET
# /v1/entries (the first page's seqs dense from 0) and GET /v1/verify
# (verified); it must answer 200 every time and stop with 0 on SIGTERM.
# (sl-httpd writers are not in the mix: t/crash.sh httpd and
# t/7013-faults-httpd.bats cover POST.)
set -u -o pipefail
secs=${1:?usage: load.sh SECONDS WORKDIR}
work=${2:?usage: load.sh SECONDS WORKDIR}
here=$(cd "$(dirname "$0")" && pwd)
export SL_LEDGER="$work/ledger"
unset SL_BUSY_TIMEOUT

mkdir -p "$work"
rm -rf "$SL_LEDGER" "$work"/w* "$work"/r* "$work"/fail.*
sl-init --origin load.example/log >/dev/null || { echo "load.sh: sl-init failed" >&2; exit 1; }
end=$((SECONDS + secs))

# fail WHO RC STDERR_FILE: note a failed run (the check at the end reports it).
fail() {
	{ echo "$1: exit $2"; cat "$3"; } >>"$work/fail.$1"
}

writer() {
	local w=$1 i=0 n rc
	while ((SECONDS < end)); do
		n=$((RANDOM % 30 + 1))
		awk -v n="$n" -v p="w$w:$i:" 'BEGIN {
			for (j = 0; j < n; j++)
				printf "{\"type\":\"x-load\",\"source\":\"%s%d\",\"payload\":{\"j\":%d}}\n", p, j, j
		}' >"$work/w$w.in"
		cat "$work/w$w.in" >>"$work/w$w.all"
		rc=0
		sl-append -n $((RANDOM % 10 + 1)) <"$work/w$w.in" >>"$work/w$w.receipts" 2>"$work/w$w.err" || rc=$?
		[[ $rc -eq 0 && ! -s $work/w$w.err ]] || fail "w$w" "$rc" "$work/w$w.err"
		i=$((i + 1))
	done
	echo "$i" >"$work/w$w.runs"
}

# reader NAME COMMAND...: run COMMAND (a shell function below) until the end.
reader() {
	local name=$1 i=0 rc
	shift
	while ((SECONDS < end)); do
		rc=0
		"$@" >/dev/null 2>"$work/$name.err" || rc=$?
		[[ $rc -eq 0 && ! -s $work/$name.err ]] || fail "$name" "$rc" "$work/$name.err"
		i=$((i + 1))
	done
	echo "$i" >"$work/$name.runs"
}

read_log() {
	sl-log | awk -v ok=1 '{ if (index($0, "\"seq\":" NR - 1 ",\"source\"") == 0) ok = 0 }
		END { if (!ok) { print "sl-log: seqs not dense" > "/dev/stderr"; exit 1 } }'
}

read_verify() {
	sl-verify -q
}

read_snapshot() {
	sl-snapshot --at now | jq -e '.root | length == 64' >/dev/null
}

# An inclusion proof at the current size and a consistency proof from a
# smaller one, each checked against the roots the ledger gives.
read_prove() {
	local n m s r rm
	n=$(sl-prove --head | jq -r .size) || return
	((n > 1)) || return 0
	s=$((RANDOM % n))
	m=$((RANDOM % (n - 1) + 1))
	r=$(sl-prove --head --size "$n" | jq -r .root) || return
	rm=$(sl-prove --head --size "$m" | jq -r .root) || return
	sl-prove --seq "$s" --size "$n" |
		sl-prove --check --root "$r" --size "$n" \
			--leaf-hash "$(sl-get "$s" | head -c -1 | { printf '\0'; cat; } | sha256sum | cut -c1-64)" || return
	sl-prove --from "$m" --to "$n" | sl-prove --check --root "$r" --old-root "$rm" --from "$m" --to "$n"
}

# The sl-httpd reader's server, on a port nothing listens on now.
while :; do
	port=$((20000 + RANDOM % 30000))
	ss -Htln "sport = :$port" | grep -q . || break
done
url="http://127.0.0.1:$port"
sl-httpd -l "127.0.0.1:$port" >/dev/null 2>"$work/httpd.err" &
hpid=$!
trap 'kill -9 "$hpid" 2>/dev/null' EXIT
for ((k = 0; k < 500; k++)); do
	curl -sf -o /dev/null "$url/health" && break
	kill -0 "$hpid" 2>/dev/null || { echo "load.sh: sl-httpd exited: $(cat "$work/httpd.err")" >&2; exit 1; }
	sleep 0.02
done

read_http() {
	curl -sSf -H 'Accept: application/x-ndjson' "$url/v1/entries?limit=1000" |
		awk -v ok=1 '{ if (index($0, "\"seq\":" NR - 1 ",\"source\"") == 0) ok = 0 }
		END { if (!ok) { print "GET /v1/entries: seqs not dense" > "/dev/stderr"; exit 1 } }' || return
	curl -sSf "$url/v1/verify" | jq -e '.verified == true' >/dev/null
}

pids=()
for w in 1 2 3 4 5 6 7 8; do
	writer "$w" &
	pids+=($!)
done
reader r-log read_log &
pids+=($!)
reader r-verify read_verify &
pids+=($!)
reader r-snapshot read_snapshot &
pids+=($!)
reader r-prove read_prove &
pids+=($!)
reader r-http read_http &
pids+=($!)
wait "${pids[@]}"
kill -TERM "$hpid"
hrc=0
wait "$hpid" || hrc=$?
trap - EXIT
((hrc == 0)) || { echo "load.sh: sl-httpd exited $hrc on SIGTERM: $(cat "$work/httpd.err")" >&2; exit 1; }

if compgen -G "$work/fail.*" >/dev/null; then
	echo "load.sh: runs failed:" >&2
	head -n 20 "$work"/fail.* >&2
	exit 1
fi
v=$(sl-verify 2>&1) || { echo "load.sh: sl-verify after the load: $v" >&2; exit 1; }
: >"$work/empty.log"
sl-log >"$work/after.log" || { echo "load.sh: sl-log failed" >&2; exit 1; }
perl "$here/ledger-check.pl" --exact "$work/empty.log" "$work/after.log" "$work"/w?.all \
	-- "$work"/w?.receipts >"$work/check" 2>&1 || { cat "$work/check" >&2; exit 1; }
n=$(wc -l <"$work/after.log")
echo "load.sh: ${secs}s, 8 writers ($(awk '{ s += $1 } END { print s }' "$work"/w?.runs) sl-append runs," \
	"$n entries, $((n / secs))/s, every one receipted once)," \
	"readers: sl-log $(cat "$work/r-log.runs"), sl-verify $(cat "$work/r-verify.runs")," \
	"sl-snapshot $(cat "$work/r-snapshot.runs"), sl-prove $(cat "$work/r-prove.runs")," \
	"sl-httpd GET $(cat "$work/r-http.runs") runs, none failed; final $v"
