#!/bin/bash
# SPDX-License-Identifier: MIT
#
# crash.sh TRIALS WORKDIR: kill -9 sl-append at random moments, TRIALS times,
# on one ledger (WORKDIR/ledger, created here), and after every kill check:
#   - sl-verify accepts the ledger (no partial entry, no torn tree or head);
#   - the entries are those from before plus the first lines of the killed
#     run's input, in order (batches are atomic; nothing else, no fork);
#   - every receipt printed before the kill names an entry in the ledger
#     with that seq, ts and leaf hash (t/ledger-check.pl);
#   - the next sl-append works (the next trial; one more at the end).
# Each trial appends 1-60 entries in batches of 1-8, so most kills land
# between or inside commits; the moment is uniform over the time one run
# takes here (measured first).  Prints a summary line; exits 1 on the first
# broken promise.  sl-* programs are taken from PATH; `make stress` runs 200
# trials, t/7020-crash.bats fewer ($SL_CRASH_TRIALS, default 20).
#
# crash.sh TRIALS WORKDIR httpd: the same with sl-httpd killed by kill -9
# during POSTs.  Each trial starts sl-httpd on the ledger (a write token,
# a port picked once), a client POSTs the input in bodies of 1-8 lines one
# after the other (curl, NDJSON receipts), and the server is killed at a
# random moment; the receipts are the bodies of the 200 answers received
# whole before the kill (curl checks Content-Length).  The same checks; the
# next trial's server, restarted on the ledger, takes the next POSTs, and
# one more POST at the end.
set -u -o pipefail
usage='usage: crash.sh TRIALS WORKDIR [append|httpd]'
trials=${1:?$usage}
work=${2:?$usage}
mode=${3:-append}
case $mode in
append | httpd) ;;
*) echo "crash.sh: $usage" >&2; exit 2 ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
export SL_LEDGER="$work/ledger"
unset SL_BUSY_TIMEOUT

die() {
	echo "crash.sh: trial ${t:-?}: $*" >&2
	exit 1
}

gen() { # gen N PREFIX
	awk -v n="$1" -v p="$2" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"type\":\"x-crash\",\"source\":\"%s%d\",\"payload\":{\"i\":%d,\"pad\":\"%0200d\"}}\n", p, i, i, i
	}'
}

mkdir -p "$work"
rm -rf "$SL_LEDGER"
sl-init --origin crash.example/log >/dev/null || die "sl-init failed"

if [[ $mode == httpd ]]; then
	token=crash-token
	printf '%s  crash\n' "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" >"$work/tokens"
	while :; do # a port nothing listens on now
		port=$((20000 + RANDOM % 30000))
		ss -Htln "sport = :$port" | grep -q . || break
	done
	url="http://127.0.0.1:$port"
	hpid=
	trap '[[ -n $hpid ]] && kill -9 "$hpid" 2>/dev/null' EXIT
fi

# httpd_up: start sl-httpd on the ledger; wait (bounded) until it answers.
httpd_up() {
	local n
	sl-httpd -l "127.0.0.1:$port" -T "$work/tokens" >/dev/null 2>"$work/httpd.err" &
	hpid=$!
	for ((n = 0; n < 500; n++)); do
		curl -sf -o /dev/null "$url/health" && return 0
		kill -0 "$hpid" 2>/dev/null || die "sl-httpd exited: $(cat "$work/httpd.err")"
		sleep 0.02
	done
	die "sl-httpd does not answer on $url"
}

# poster BODY_LINES < INPUT: POST INPUT in bodies of BODY_LINES lines, one
# after the other, until the input ends or a POST fails; each 200 answer's
# receipts go to stdout.  Exits 0 when every POST was stored.
poster() {
	local k=$1 lines=() line
	post_one() {
		local code
		printf '%s\n' "${lines[@]}" >"$work/body"
		code=$(curl -sS -o "$work/answer" -w '%{http_code}' -X POST \
			-H 'Content-Type: application/x-ndjson' -H 'Accept: application/x-ndjson' \
			-H "Authorization: Bearer $token" --data-binary "@$work/body" \
			"$url/v1/entries" 2>>"$work/curl.err") || return 1
		[[ $code == 200 ]] || { echo "POST answered $code: $(cat "$work/answer")" >>"$work/curl.err"; return 1; }
		cat "$work/answer"
		lines=()
	}
	while IFS= read -r line; do
		lines+=("$line")
		if ((${#lines[@]} == k)); then
			post_one || return 1
		fi
	done
	((${#lines[@]} == 0)) || post_one
}

# How long does a run of 60 entries in batches of 4 take here (microseconds)?
gen 60 "calibrate:" >"$work/in"
if [[ $mode == httpd ]]; then
	httpd_up
	t0=${EPOCHREALTIME/./}
	poster 4 <"$work/in" >/dev/null || die "calibration POSTs failed: $(cat "$work/curl.err")"
	span=$((${EPOCHREALTIME/./} - t0))
	kill -9 "$hpid"
	wait "$hpid" 2>/dev/null
	hpid=
else
	t0=${EPOCHREALTIME/./}
	sl-append -n 4 <"$work/in" >/dev/null || die "calibration run failed"
	span=$((${EPOCHREALTIME/./} - t0))
fi
((span < 2000)) && span=2000

sl-log >"$work/before.log" || die "sl-log failed"
killed=0 finished=0 cut=0 receipts=0 entries=0
for ((t = 0; t < trials; t++)); do
	n=$((RANDOM % 60 + 1))
	gen "$n" "t$t:" >"$work/in"
	delay=$(((RANDOM * 32768 + RANDOM) % (span * n / 60 + 1000)))
	if [[ $mode == httpd ]]; then
		httpd_up
		: >"$work/curl.err"
		: >"$work/receipts"
		poster $((RANDOM % 8 + 1)) <"$work/in" >"$work/receipts" &
		cpid=$!
		sleep "$((delay / 1000000)).$(printf '%06d' $((delay % 1000000)))"
		# Killed while it runs: "killed" if the client had not finished.
		rc=137
		kill -0 "$cpid" 2>/dev/null || rc=0
		kill -9 "$hpid" 2>/dev/null
		wait "$hpid" 2>/dev/null
		hpid=
		crc=0
		wait "$cpid" || crc=$?
		((rc == 0 && crc != 0)) && die "the POSTs failed before the kill: $(cat "$work/curl.err")"
		((rc == 137 && crc == 0)) && rc=0 # the last answer came in just before the kill
		case $rc in
		137) killed=$((killed + 1)) ;;
		0) finished=$((finished + 1)) ;;
		esac
	else
		# Made first: a kill that lands before the child's own redirection
		# opened it must still leave the (empty) receipts to check.
		: >"$work/receipts"
		: >"$work/err"
		sl-append -n $((RANDOM % 8 + 1)) <"$work/in" >"$work/receipts" 2>"$work/err" &
		pid=$!
		sleep "$((delay / 1000000)).$(printf '%06d' $((delay % 1000000)))"
		kill -9 "$pid" 2>/dev/null
		rc=0
		wait "$pid" 2>/dev/null || rc=$?
		case $rc in
		137) killed=$((killed + 1)) ;;
		0) finished=$((finished + 1)) ;;
		*) die "sl-append exited $rc: $(cat "$work/err")" ;;
		esac
	fi
	v=$(sl-verify 2>&1) || die "sl-verify does not accept the ledger after the kill: $v"
	sl-log >"$work/after.log" || die "sl-log failed"
	perl "$here/ledger-check.pl" --prefix "$work/before.log" "$work/after.log" "$work/in" \
		-- "$work/receipts" >"$work/check" 2>&1 || die "$(cat "$work/check")"
	r=$(grep -c . "$work/receipts")
	new=$(($(wc -l <"$work/after.log") - $(wc -l <"$work/before.log")))
	((rc == 0 && (r != n || new != n))) && die "a finished run stored $new and receipted $r of $n"
	((rc == 137 && new > 0 && new < n)) && cut=$((cut + 1))
	receipts=$((receipts + r))
	entries=$((entries + new))
	mv "$work/after.log" "$work/before.log"
done
t=end
if [[ $mode == httpd ]]; then
	httpd_up
	printf '%s\n' '{"type":"x-crash","source":"after-the-kills","payload":{}}' >"$work/in"
	out=$(poster 1 <"$work/in") || die "POST to a restarted sl-httpd after the kills failed: $(cat "$work/curl.err")"
	[[ $out == *'"leaf_hash"'* ]] || die "no receipt from the POST after the kills"
	kill -TERM "$hpid"
	wait "$hpid" || die "sl-httpd did not stop cleanly on SIGTERM"
	hpid=
	what="sl-httpd killed during POSTs: "
else
	out=$(printf '%s\n' '{"type":"x-crash","source":"after-the-kills","payload":{}}' | sl-append) ||
		die "sl-append after the kills failed"
	what=
fi
v=$(sl-verify) || die "sl-verify failed at the end: $v"
echo "crash.sh: $trials trials: $what$killed killed ($cut in the middle of their input)," \
	"$finished finished first; $entries entries stored, $receipts receipts, all kept;" \
	"window ${span}us; final $v"
