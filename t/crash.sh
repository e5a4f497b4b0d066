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
# TODO(sl-httpd): the same with sl-httpd killed during a POST: start it on
# the ledger, POST the input, kill -9 at a random moment, treat the answers
# received as receipts and run the same checks.
set -u -o pipefail
trials=${1:?usage: crash.sh TRIALS WORKDIR}
work=${2:?usage: crash.sh TRIALS WORKDIR}
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

# How long does a run of 60 entries in batches of 4 take here (microseconds)?
gen 60 "calibrate:" >"$work/in"
t0=${EPOCHREALTIME/./}
sl-append -n 4 <"$work/in" >/dev/null || die "calibration run failed"
span=$((${EPOCHREALTIME/./} - t0))
((span < 2000)) && span=2000

sl-log >"$work/before.log" || die "sl-log failed"
killed=0 finished=0 cut=0 receipts=0 entries=0
for ((t = 0; t < trials; t++)); do
	n=$((RANDOM % 60 + 1))
	gen "$n" "t$t:" >"$work/in"
	delay=$(((RANDOM * 32768 + RANDOM) % (span * n / 60 + 1000)))
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
out=$(printf '%s\n' '{"type":"x-crash","source":"after-the-kills","payload":{}}' | sl-append) ||
	die "sl-append after the kills failed"
v=$(sl-verify) || die "sl-verify failed at the end: $v"
echo "crash.sh: $trials trials: $killed killed ($cut in the middle of their input)," \
	"$finished finished first; $entries entries stored, $receipts receipts, all kept;" \
	"window ${span}us; final $v"
