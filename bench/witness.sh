#!/bin/sh
# SPDX-License-Identifier: MIT
# sl-witness figures of issue 16 (point 3 of "Done when": add-checkpoint
# round trips per second): a local sl-witness on loopback, one client on
# one keep-alive connection (curl), asked
#   - to cosign a log that grows by one entry between checkpoints (each
#     round trip checks the log's signature and the consistency proof,
#     signs, appends the evidence and replaces the state, with their
#     fsyncs): what a witness does for a live log;
#   - to cosign the checkpoint it cosigned last again (signature checked
#     and signed; kept already, nothing written);
#   - a stale log's request (409: no signature, no write);
# then BENCH_WITNESS_CONNS connections (wrk, when installed) asking again.
# Prints figures; never passes or fails on time.
#
#   BENCH_WITNESS_N=2000 (round trips of the one client, asking again)
#   BENCH_WITNESS_GROW=300 (checkpoints of the growing log)
#   BENCH_WITNESS_SECS=10  BENCH_WITNESS_CONNS=4 (wrk)
#   KEEP=1 keeps the temporary directory (the requests, the state)
set -u

N=${BENCH_WITNESS_N:-2000}
GROW=${BENCH_WITNESS_GROW:-300}
SECS=${BENCH_WITNESS_SECS:-10}
CONNS=${BENCH_WITNESS_CONNS:-4}

. "$(dirname "$0")/lib.sh"

case $N$GROW$SECS$CONNS in *[!0-9]*) fail "BENCH_WITNESS_N, _GROW, _SECS and _CONNS must be numbers" ;; esac
need_progs sl-init sl-append sl-keygen sl-checkpoint sl-prove sl-witness curl jq base64 od

bench_tmp witness
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

echo "== machine"
bench_machine
echo "disk:  $(df -T "$tmp" | awk 'NR==2 { print $2 }') under $tmp (each cosignature is fsynced)"
bench_rev

L=$tmp/ledger
sl-init -L "$L" --origin bench.example/log >/dev/null || fail "sl-init"
sl-keygen -L "$L" --type ed25519 >"$tmp/log.vkey" || fail "sl-keygen"
sl-keygen --type cosignature --name bench.example/witness -o "$tmp/w.key" >/dev/null || fail "sl-keygen"
i=0
while [ $i -lt 10 ]; do
	echo "{\"type\":\"x-bench\",\"source\":\"s$i\",\"payload\":{}}"
	i=$((i + 1))
done | sl-append -L "$L" >/dev/null || fail "sl-append"
sl-checkpoint -L "$L" >"$tmp/cp" || fail "sl-checkpoint"
size=$(sed -n 2p "$tmp/cp")

sl-witness -d "$tmp/state" -k "$tmp/w.key" --log "$(cat "$tmp/log.vkey")" -l 127.0.0.1:0 \
	--no-access-log 2>"$tmp/err" &
pid=$!
port=
for _ in $(seq 250); do
	port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$tmp/err" 2>/dev/null)
	[ -n "$port" ] && break
	sleep 0.02
done
[ -n "$port" ] || fail "sl-witness did not start: $(cat "$tmp/err")"
url=http://127.0.0.1:$port/add-checkpoint

# The first: from 0; a stale request: from 1, which the witness never saw.
{ echo "old 0"; echo; cat "$tmp/cp"; } >"$tmp/first"
{ echo "old 1"; echo; cat "$tmp/cp"; } >"$tmp/stale"
code=$(curl -sS -o /dev/null -w '%{http_code}' --data-binary "@$tmp/first" "$url") || fail "curl"
[ "$code" = 200 ] || fail "the first add-checkpoint answered $code"

# rate NAME BODY WANT: N round trips on one keep-alive connection (a curl config of N URLs).
rate() {
	: >"$tmp/curl.cfg"
	i=0
	while [ $i -lt "$N" ]; do
		printf 'url = "%s"\noutput = "/dev/null"\n' "$url" >>"$tmp/curl.cfg"
		i=$((i + 1))
	done
	t0=$(date +%s%N)
	curl -sS --data-binary "@$2" -w '%{http_code}\n' -K "$tmp/curl.cfg" >"$tmp/codes" || fail "curl"
	t1=$(date +%s%N)
	ok=$(grep -c "^$3\$" "$tmp/codes")
	[ "$ok" = "$N" ] || fail "$1: $ok of $N answers were $3"
	ms=$(((t1 - t0) / 1000000))
	[ "$ms" -gt 0 ] || ms=1
	echo "$1: $N round trips in $ms ms: $((N * 1000 / ms)) per second, $(((t1 - t0) / N / 1000)) us each ($3)"
}

# hex2b64 HEX: the bytes HEX spells, in base64 (dash's printf takes octal escapes only).
hex2b64() {
	printf "$(echo "$1" | sed 's/../& /g' | awk '{ for (i = 1; i <= NF; i++) printf "\\%03o", ("0x" $i) + 0 }')" |
		base64 -w0
	echo
}

# The growing log: GROW checkpoints, one entry apart, each request from the size before it
# with its consistency proof (made before the clock starts).
echo "== making $GROW checkpoints of a growing log, each with its consistency proof"
old=$size
: >"$tmp/grow.cfg"
i=0
while [ $i -lt "$GROW" ]; do
	echo "{\"type\":\"x-bench\",\"source\":\"g\",\"payload\":{\"i\":$i}}" |
		sl-append -L "$L" >/dev/null || fail "sl-append"
	sl-checkpoint -L "$L" >"$tmp/cp.g" || fail "sl-checkpoint"
	new=$(sed -n 2p "$tmp/cp.g")
	{
		echo "old $old"
		for h in $(sl-prove -L "$L" --old-size "$old" --size "$new" | jq -r '.proof[]'); do
			hex2b64 "$h"
		done
		echo
		cat "$tmp/cp.g"
	} >"$tmp/grow.$i"
	[ $i -eq 0 ] || echo next >>"$tmp/grow.cfg"
	printf 'url = "%s"\noutput = "/dev/null"\ndata-binary = "@%s"\nwrite-out = "%%{http_code}\\n"\n' \
		"$url" "$tmp/grow.$i" >>"$tmp/grow.cfg"
	old=$new
	i=$((i + 1))
done

echo
echo "== sl-witness add-checkpoint, one client, one keep-alive connection (curl)"
t0=$(date +%s%N)
curl -sS -K "$tmp/grow.cfg" >"$tmp/codes" || fail "curl"
t1=$(date +%s%N)
ok=$(grep -c '^200$' "$tmp/codes")
[ "$ok" = "$GROW" ] || fail "growing log: $ok of $GROW answers were 200: $(sort "$tmp/codes" | uniq -c | tr "\n" " ")"
ms=$(((t1 - t0) / 1000000))
[ "$ms" -gt 0 ] || ms=1
echo "a growing log (signature and consistency proof checked, cosigned, evidence appended, state replaced, fsynced):"
echo "   $GROW round trips in $ms ms: $((GROW * 1000 / ms)) per second, $(((t1 - t0) / GROW / 1000)) us each (200)"
evid=$(grep -c '^size ' "$tmp/state"/*/cosigned)
[ "$evid" -gt "$GROW" ] || fail "the evidence holds $evid checkpoints, not the $GROW cosigned and the first"
# The last checkpoint cosigned, asked again from its own size.
{ echo "old $old"; echo; cat "$tmp/cp.g"; } >"$tmp/again"
rate "the same checkpoint again (signature checked, cosigned; kept already, nothing written)" "$tmp/again" 200
rate "refused as stale (409: the size it knows)" "$tmp/stale" 409
evid2=$(grep -c '^size ' "$tmp/state"/*/cosigned)
[ "$evid2" = "$evid" ] || fail "asking again grew the evidence from $evid to $evid2 checkpoints"
echo "evidence kept: $evid checkpoints, $(du -sb "$tmp/state" | cut -f1) bytes in the state directory"

if command -v wrk >/dev/null 2>&1; then
	echo
	echo "== sl-witness add-checkpoint, $CONNS connections for ${SECS}s (wrk, 2 threads)"
	# The body as a Lua long string: base64 and the note hold no "]==]".
	{
		echo 'wrk.method = "POST"'
		printf 'wrk.body = [==['
		cat "$tmp/again"
		echo ']==]'
	} >"$tmp/again.lua"
	wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$tmp/again.lua" "$url" >"$tmp/wrk.out" 2>&1 || fail "wrk: $(cat "$tmp/wrk.out")"
	rps=$(sed -n 's/^Requests\/sec: *//p' "$tmp/wrk.out")
	p99=$(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out")
	non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *//p' "$tmp/wrk.out")
	echo "the same checkpoint again, cosigned: $rps per second, p99 $p99${non2xx:+, $non2xx answers not 200}"
fi
