#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 12's analysis figures against entry count: sl-diff, sl-advisory,
# sl-replay plan, GET /v1/diff through sl-httpd and sl-verify
# --since-checkpoint, on bench/gen ledgers of BENCH_SMALL and BENCH_N
# entries (1,000 sources), side by side, each beside its limit or peer
# measured in the same run, then a summary with the ratio 1M/100k (is the
# cost flat in entry count?).  Prints figures; never passes or fails on
# time: "met" and "NOT met" are words in the output.  Exits 0 unless a
# program failed (an exit status it should not give); a command still
# running after BENCH_CAP seconds is killed and reported as such, and
# does not change the exit status.
#
#   BENCH_N=1000000  BENCH_SMALL=100000  BENCH_RUNS=3  BENCH_CAP=300
#   B=build  where bench/gen was built (make sets it)
#
# Wall times are medians of BENCH_RUNS runs (a command that fails or is
# killed is not run again); peak RSS is the largest of the runs.  RSS:
#  - one process: /usr/bin/time -f %M (the kernel's ru_maxrss);
#  - sl-advisory, which runs each jq rule as a child process: every 50 ms
#    the resident set (field 24 of /proc/PID/stat) of sl-advisory and all
#    its descendants is summed; the figure is the largest sum seen (shared
#    library pages count once per process, so it errs high; a child that
#    lives less than 50 ms may be missed).  Printed beside it: the largest
#    single process, /usr/bin/time's %M (Linux reports the largest of the
#    process and its reaped descendants), and the largest child sampled;
#  - sl-httpd: VmHWM of the server process (all its threads) after the
#    requests, from /proc/PID/status; a fresh server for each ledger.
#
# The programs come from PATH (make puts bin/ first); jq, curl, ss,
# timeout and /usr/bin/time from the system (make deps).
set -u

N=${BENCH_N:-1000000}
SMALL=${BENCH_SMALL:-100000}
RUNS=${BENCH_RUNS:-3}
CAP=${BENCH_CAP:-300}
B=${B:-build}

. "$(dirname "$0")/lib.sh"

case $N$SMALL$RUNS$CAP in *[!0-9]*) fail "BENCH_N, BENCH_SMALL, BENCH_RUNS and BENCH_CAP must be numbers" ;; esac
[ "$SMALL" -ge 100 ] && [ "$N" -ge "$SMALL" ] && [ "$RUNS" -ge 1 ] && [ "$CAP" -ge 1 ] ||
	fail "need BENCH_N >= BENCH_SMALL >= 100, BENCH_RUNS >= 1, BENCH_CAP >= 1"
[ -x "$B/bench/gen" ] || fail "$B/bench/gen is missing (make $B/bench/gen, or make bench)"
for p in sl-init sl-append sl-get sl-keygen sl-checkpoint sl-snapshot sl-diff sl-advisory sl-replay sl-httpd sl-verify; do
	command -v $p >/dev/null 2>&1 || fail "$p is not on PATH (run make bench)"
done
for p in jq curl ss timeout; do
	command -v $p >/dev/null 2>&1 || fail "$p is not installed (make deps)"
done
[ -x /usr/bin/time ] || fail "/usr/bin/time is missing (Debian package 'time', make deps)"
[ -r /proc/self/stat ] || fail "no /proc: the process-tree RSS cannot be sampled"
PAGEKB=$(($(getconf PAGESIZE) / 1024))

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sl-bench-analysis.XXXXXX") || fail "unable to make a temporary directory"
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' HUP INT PIPE TERM
: >"$tmp/failed"

now_ns() { date +%s%N; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }
maxof() { sort -g | tail -n 1; }
# fmt NUMBER: 1234567 -> 1,234,567
fmt() {
	awk -v x="$1" 'BEGIN {
		s = sprintf("%.0f", x); o = ""
		while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) }
		print s o }'
}

# sample ROOT NAME: every 50 ms, one line "total name_rss largest_other count"
# (KiB) for the processes descending from ROOT (timeout), leaving out
# timeout and time themselves; NAME is the program measured.
sample() {
	while :; do
		cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" -v name="$2" -v pk="$PAGEKB" '{
			pid = $1; c = $0; sub(/^[0-9]+ \(/, "", c); sub(/\) [^)]*$/, "", c)
			s = $0; sub(/^.*\) /, "", s); split(s, a, " ")
			ppid[pid] = a[2]; comm[pid] = c; rss[pid] = a[22] * pk
		} END {
			in_tree[root] = 1
			do { more = 0
				for (p in ppid) if (!(p in in_tree) && (ppid[p] in in_tree)) { in_tree[p] = 1; more = 1 }
			} while (more)
			tot = 0; own = 0; other = 0; n = 0
			for (p in in_tree) {
				if (!(p in comm) || comm[p] == "timeout" || comm[p] == "time") continue
				tot += rss[p]; n++
				if (comm[p] == name) { if (rss[p] > own) own = rss[p] }
				else if (rss[p] > other) other = rss[p]
			}
			if (n) print tot, own, other, n
		}'
		sleep 0.05
	done
}

# measure TAG OKCODES IN OUT [-tree] CMD...: BENCH_RUNS runs of CMD under
# `timeout BENCH_CAP` and /usr/bin/time, stdin IN, stdout OUT, stderr
# $tmp/TAG.err.  OKCODES: the exit statuses expected, e.g. "0" or "0 1".
# Leaves $tmp/TAG.ms (wall ms per run), .rss (KiB per run), .rc (the last
# status), .st ("ok", "exit N after S s" or "killed at the S s cap") and,
# with -tree, .tree, .own and .child (KiB per run, sampled).
measure() {
	_tag=$1 _ok=$2 _in=$3 _out=$4
	shift 4
	_tree=
	if [ "$1" = -tree ]; then
		_tree=1
		shift
	fi
	: >"$tmp/$_tag.ms"
	: >"$tmp/$_tag.rss"
	: >"$tmp/$_tag.tree"
	: >"$tmp/$_tag.own"
	: >"$tmp/$_tag.child"
	echo ok >"$tmp/$_tag.st"
	_k=0
	while [ "$_k" -lt "$RUNS" ]; do
		rm -f "$tmp/time.out"
		_t0=$(now_ns)
		timeout -k 10 "$CAP" /usr/bin/time -f %M -o "$tmp/time.out" "$@" <"$_in" >"$_out" 2>"$tmp/$_tag.err" &
		_pid=$!
		_spid=
		if [ -n "$_tree" ]; then
			sample "$_pid" "$(basename "$1")" >"$tmp/samples" &
			_spid=$!
		fi
		wait "$_pid"
		_rc=$?
		_t1=$(now_ns)
		if [ -n "$_spid" ]; then
			kill "$_spid" 2>/dev/null
			wait "$_spid" 2>/dev/null
			awk '{ print $1 }' "$tmp/samples" | maxof >>"$tmp/$_tag.tree"
			awk '{ print $2 }' "$tmp/samples" | maxof >>"$tmp/$_tag.own"
			awk '{ print $3 }' "$tmp/samples" | maxof >>"$tmp/$_tag.child"
		fi
		echo $(((_t1 - _t0) / 1000000)) >>"$tmp/$_tag.ms"
		_r=$(tail -n 1 "$tmp/time.out" 2>/dev/null)
		case $_r in '' | *[!0-9]*) ;; *) echo "$_r" >>"$tmp/$_tag.rss" ;; esac
		echo "$_rc" >"$tmp/$_tag.rc"
		_s=$(awk -v ms=$(((_t1 - _t0) / 1000000)) 'BEGIN { printf "%.1f", ms / 1000 }')
		if [ "$_rc" -eq 124 ] || [ "$_rc" -eq 137 ]; then
			echo "killed at the ${CAP} s cap" >"$tmp/$_tag.st"
			echo "   ($_tag: $* still running after $CAP s: killed)"
			break
		fi
		case " $_ok " in
		*" $_rc "*) ;;
		*)
			echo "exit $_rc after $_s s" >"$tmp/$_tag.st"
			echo "$_tag: $* exited $_rc after $_s s: $(head -c 300 "$tmp/$_tag.err" | head -n 2 | tr '\n' ' ')" >>"$tmp/failed"
			echo "   ($_tag: exit $_rc after $_s s: $(head -n 1 "$tmp/$_tag.err" | cut -c 1-200))"
			break
			;;
		esac
		_k=$((_k + 1))
	done
}

# Figures of a measured TAG: ms (median wall ms), kib (largest peak RSS),
# secs (median s, 3 decimals), cell ("1.234 s  12.3 MiB", or the failure).
ms() { median <"$tmp/$1.ms"; }
kib() { maxof <"$tmp/$1.${2:-rss}"; }
ok() { [ "$(cat "$tmp/$1.st")" = ok ]; }
secs() { awk -v m="$(ms "$1")" 'BEGIN { printf "%.3f", m / 1000 }'; }
mib() { awk -v k="$1" 'BEGIN { if (k == "") print "n/a"; else printf "%.1f", k / 1024 }'; }
mibu() { [ -n "$1" ] && echo "$(mib "$1") MiB" || echo n/a; }
# A failed or killed command keeps its figures: "exit 100 after 3.7 s, 86.6 MiB".
cell() {
	if ok "$1"; then
		printf '%s s %s MiB' "$(secs "$1")" "$(mib "$(kib "$1" "${2:-rss}")")"
	else
		printf '%s, %s MiB' "$(cat "$tmp/$1.st")" "$(mib "$(kib "$1" "${2:-rss}")")"
	fi
}
row() { printf '%-44s %-34s %-34s\n' "$1" "$2" "$3"; }

echo "== StateLedger analysis costs against entry count (issue 12): bench/analysis.sh"
echo "   $(date -u +%Y-%m-%dT%H:%M:%SZ)"
rev=$(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null)
[ -n "$rev" ] && ! git -C "$(dirname "$0")" diff --quiet HEAD 2>/dev/null && rev="$rev + uncommitted changes"
echo "commit:  ${rev:-unknown}"
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), $(uname -srm)"
echo "load:    $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min; other work on this machine skews every figure)"
echo "input:   bench/gen, $(fmt "$SMALL") and $(fmt "$N") entries over 1,000 sources; median of $RUNS runs; each command capped at $CAP s"
[ "$N" -ge 1000000 ] || echo "note:    BENCH_N=$N, not 1,000,000: the figures below are not the issue's"

# build L COUNT: a ledger of COUNT generated entries, signed (a checkpoint at COUNT).
build() {
	sl-init -L "$1" --origin bench.example/log >/dev/null || fail "sl-init $1"
	_t0=$(now_ns)
	"$B/bench/gen" "$2" 2>/dev/null | sl-append -L "$1" >/dev/null || fail "gen $2 | sl-append $1"
	_t1=$(now_ns)
	sl-keygen -L "$1" >"$1.vkey" || fail "sl-keygen $1"
	sl-checkpoint -L "$1" >/dev/null || fail "sl-checkpoint $1"
	echo "built $(fmt "$2") entries in $(awk -v n=$((_t1 - _t0)) 'BEGIN { printf "%.1f", n / 1e9 }') s, signed at $(fmt "$2")"
}

# ts L SEQ: the ts of entry SEQ.
ts() { sl-get -L "$1" "$2" | jq -r .ts; }

# start_httpd L: sl-httpd on a port the kernel picks; sets SRV and URL.
start_httpd() {
	sl-httpd -L "$1" -l 127.0.0.1:0 </dev/null 2>"$tmp/httpd.err" &
	SRV=$!
	_k=0
	URL=
	while [ $_k -lt 250 ]; do
		URL=$(ss -Htlnp 2>/dev/null | grep "pid=$SRV," | awk '{ print $4 }' | head -n 1)
		[ -n "$URL" ] && curl -fsS -o /dev/null "http://$URL/health" 2>/dev/null && break
		kill -0 "$SRV" 2>/dev/null || fail "sl-httpd did not start: $(cat "$tmp/httpd.err")"
		sleep 0.02
		_k=$((_k + 1))
	done
	[ -n "$URL" ] || fail "sl-httpd is not listening"
	URL=http://$URL
}

# http_diff TAG FROM TO: BENCH_RUNS times GET /v1/diff (NDJSON) with curl,
# as measure leaves them; then the server's VmHWM to TAG.rss.
http_diff() {
	: >"$tmp/$1.ms"
	: >"$tmp/$1.rss"
	echo ok >"$tmp/$1.st"
	_k=0
	while [ "$_k" -lt "$RUNS" ]; do
		_w=$(curl -sS -o "$tmp/$1.out" -w '%{http_code} %{time_total}' --max-time "$CAP" \
			-H 'Accept: application/x-ndjson' "$URL/v1/diff?from=$2&to=$3" 2>"$tmp/$1.err")
		_rc=$?
		_code=${_w%% *}
		_s=$(echo "$_w" | awk '{ printf "%.1f", $2 }')
		if [ "$_rc" -eq 28 ]; then
			echo "killed at the ${CAP} s cap" >"$tmp/$1.st"
			echo "   ($1: GET /v1/diff still running after $CAP s: given up)"
			break
		elif [ "$_rc" -ne 0 ] || [ "$_code" != 200 ]; then
			echo "HTTP $_code (curl $_rc) after $_s s" >"$tmp/$1.st"
			echo "$1: GET /v1/diff?from=$2&to=$3: HTTP $_code, curl exit $_rc after $_s s: $(head -c 200 "$tmp/$1.out" "$tmp/$1.err" 2>/dev/null | tr '\n' ' ')" >>"$tmp/failed"
			echo "   ($1: HTTP $_code, curl exit $_rc after $_s s)"
			break
		fi
		echo "$_w" | awk '{ printf "%.0f\n", $2 * 1000 }' >>"$tmp/$1.ms"
		_k=$((_k + 1))
	done
	sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$SRV/status" >"$tmp/$1.rss"
}

# figures L SIZE X: everything measured on ledger L of SIZE entries, tags suffixed X.
figures() {
	L=$1
	n=$2
	x=$3
	echo
	echo "-- $(fmt "$n") entries"
	build "$L" "$n"
	t0=$(ts "$L" 0)
	t1=$(ts "$L" $((n * 4 / 10)))
	t2=$(ts "$L" $((n * 6 / 10)))
	echo "T1 = $t1 (the ts of seq $((n * 4 / 10))), T2 = $t2 (seq $((n * 6 / 10))); first entry $t0"
	echo "$t1" >"$tmp/t1$x"
	echo "$t2" >"$tmp/t2$x"

	# The peers: the two non-complete snapshots each diff compares.
	for at in T1:"$t1" T2:"$t2" Z:@0 NOW:now; do
		measure "snap${at%%:*}$x" 0 /dev/null /dev/null sl-snapshot -L "$L" --at "${at#*:}"
	done
	measure "diffmid$x" 0 /dev/null "$tmp/diffmid$x.out" sl-diff -L "$L" --from "$t1" --to "$t2"
	measure "diffall$x" 0 /dev/null "$tmp/diffall$x.out" sl-diff -L "$L" --from @0 --to now
	wc -l <"$tmp/diffmid$x.out" >"$tmp/diffmid$x.lines"
	wc -l <"$tmp/diffall$x.out" >"$tmp/diffall$x.lines"

	# The complete snapshot: once, as the input of sl-advisory and sl-replay plan.
	measure "snapc$x" 0 /dev/null "$tmp/complete.json" sl-snapshot -L "$L" --at now --complete
	wc -c <"$tmp/complete.json" >"$tmp/snapc$x.bytes"
	measure "adv$x" "0 1" "$tmp/complete.json" "$tmp/adv.out" -tree sl-advisory
	case $(cat "$tmp/adv$x.st") in
	killed*) echo "none (killed at the cap)" ;;
	*) cat "$tmp/adv$x.rc" ;;
	esac >"$tmp/adv$x.code"
	measure "plan$x" 0 "$tmp/complete.json" "$tmp/plan.out" sl-replay plan --allow-gaps
	wc -l <"$tmp/plan.out" >"$tmp/plan$x.lines"
	rm -f "$tmp/complete.json" "$tmp/adv.out" "$tmp/plan.out"

	# GET /v1/diff from T1 to T2 through a real server.
	start_httpd "$L"
	http_diff "http$x" "$t1" "$t2"
	kill "$SRV" && wait "$SRV"
	SRV=
	if ok "http$x" && ok "diffmid$x"; then
		if cmp -s "$tmp/http$x.out" "$tmp/diffmid$x.out"; then
			echo yes >"$tmp/http$x.same"
		else
			echo NO >"$tmp/http$x.same"
		fi
	else
		echo "n/a" >"$tmp/http$x.same"
	fi
	rm -f "$tmp/http$x.out" "$tmp/diffmid$x.out" "$tmp/diffall$x.out"

	# sl-verify: 10,000 new entries after the checkpoint (bench/gen, seed 2).
	"$B/bench/gen" 10000 2 2>/dev/null | sl-append -L "$L" >/dev/null || fail "appending 10,000 entries to $L"
	vkey=$(cat "$L.vkey")
	measure "vsince$x" 0 /dev/null /dev/null sl-verify -L "$L" -q --key "$vkey" --since-checkpoint
	measure "vfull$x" 0 /dev/null /dev/null sl-verify -L "$L" -q --key "$vkey"
	rm -rf "$L" "$L.vkey"
	echo "done; load $(cut -d' ' -f1 /proc/loadavg)"
}

figures "$tmp/small" "$SMALL" s
figures "$tmp/large" "$N" l

# sum2 TAGA TAGB X: the median ms of TAGA.X plus TAGB.X; lim: twice that.
sum2() { echo $(($(ms "$1$3") + $(ms "$2$3"))); }
s2() { awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
# ratio A B: B / A, or n/a
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a > 0 && b != "") printf "%.1fx", b / a; else print "n/a" }'; }

echo
echo "== 1. sl-diff against the two sl-snapshot runs it compares (non-complete); limit: 2x their sum"
row "" "$(fmt "$SMALL") entries" "$(fmt "$N") entries"
for d in mid:T1:T2:"--from T1 --to T2" all:Z:NOW:"--from @0 --to now"; do
	k=${d%%:*}
	r=${d#*:}
	a=${r%%:*}
	r=${r#*:}
	b=${r%%:*}
	label=${r#*:}
	row "sl-diff $label" "$(cell "diff${k}s")" "$(cell "diff${k}l")"
	row "   records printed" "$(cat "$tmp/diff${k}s.lines")" "$(cat "$tmp/diff${k}l.lines")"
	an=$(echo "$a" | sed 's/^Z$/@0/; s/^NOW$/now/')
	bn=$(echo "$b" | sed 's/^Z$/@0/; s/^NOW$/now/')
	row "   sl-snapshot --at $an" "$(cell "snap${a}s")" "$(cell "snap${a}l")"
	row "   sl-snapshot --at $bn" "$(cell "snap${b}s")" "$(cell "snap${b}l")"
	row "   limit: 2 x ($an + $bn)" "$(s2 $((2 * $(sum2 "snap$a" "snap$b" s)))) s" "$(s2 $((2 * $(sum2 "snap$a" "snap$b" l)))) s"
done

echo
echo "== 2. sl-advisory < complete snapshot (all shipped rules, jq children); limit 10 s and 256 MiB, whole tree"
row "" "$(fmt "$SMALL") entries" "$(fmt "$N") entries"
row "sl-snapshot --at now --complete" "$(cell snapcs)" "$(cell snapcl)"
row "   its size" "$(mib "$(($(cat "$tmp/snapcs.bytes") / 1024))") MiB" "$(mib "$(($(cat "$tmp/snapcl.bytes") / 1024))") MiB"
row "sl-advisory (whole tree, sampled sum)" "$(cell advs tree)" "$(cell advl tree)"
row "   exit status (0 or 1 expected)" "$(cat "$tmp/advs.code")" "$(cat "$tmp/advl.code")"
row "   largest process (time %M)" "$(mibu "$(kib advs)")" "$(mibu "$(kib advl)")"
row "   sl-advisory itself (sampled)" "$(mibu "$(kib advs own)")" "$(mibu "$(kib advl own)")"
row "   largest child (sampled)" "$(mibu "$(kib advs child)")" "$(mibu "$(kib advl child)")"
for x in s l; do
	[ "$(cat "$tmp/adv$x.code")" = 0 ] || [ "$(cat "$tmp/adv$x.code")" = 1 ] ||
		echo "   at $([ $x = s ] && fmt "$SMALL" || fmt "$N"): $(head -n 3 "$tmp/adv$x.err" | cut -c 1-160 | tr '\n' '|' | sed 's/|$//; s/|/ | /g')"
done

echo
echo "== 3. sl-replay plan --allow-gaps < the same complete snapshot (bench/gen's namespaces have gaps)"
row "" "$(fmt "$SMALL") entries" "$(fmt "$N") entries"
row "sl-replay plan" "$(cell plans)" "$(cell planl)"
row "   steps printed" "$(cat "$tmp/plans.lines")" "$(cat "$tmp/planl.lines")"

echo
echo "== 4. GET /v1/diff?from=T1&to=T2 (NDJSON) through sl-httpd on 127.0.0.1, curl's time_total; server VmHWM"
row "" "$(fmt "$SMALL") entries" "$(fmt "$N") entries"
row "GET /v1/diff, server peak RSS" "$(cell https)" "$(cell httpl)"
row "   same bytes as sl-diff --from T1 --to T2" "$(cat "$tmp/https.same")" "$(cat "$tmp/httpl.same")"
row "   sl-diff --from T1 --to T2" "$(cell diffmids)" "$(cell diffmidl)"
row "   limit: 2 x (T1 + T2 snapshots)" "$(s2 $((2 * $(sum2 snapT1 snapT2 s)))) s" "$(s2 $((2 * $(sum2 snapT1 snapT2 l)))) s"

echo
echo "== 5. sl-verify --key VKEY after 10,000 entries appended to the signed ledger"
row "" "$(fmt $((SMALL + 10000))) entries" "$(fmt $((N + 10000))) entries"
row "sl-verify --since-checkpoint" "$(cell vsinces)" "$(cell vsincel)"
row "   sl-verify (full)" "$(cell vfulls)" "$(cell vfulll)"

# verdicts: "met" when the condition holds at both sizes.
# vd TAGBASE LIMIT_S LIMIT_L [rss|tree|ms]: TAGBASE{s,l}'s figure against the limits.
vd() {
	_f=${4:-ms}
	_why=
	for _x in s l; do
		_at="at $([ $_x = s ] && fmt "$SMALL" || fmt "$N")"
		if ! ok "$1$_x"; then
			_why="$_why; $(sed 's/ after.*//' "$tmp/$1$_x.st") $_at"
			continue
		fi
		if [ "$_f" = ms ]; then _v=$(ms "$1$_x"); else _v=$(kib "$1$_x" "$_f"); fi
		_lim=$([ $_x = s ] && echo "$2" || echo "$3")
		le "$_v" "$_lim" || _why="$_why; over $_at"
	done
	if [ -n "$_why" ]; then echo "NOT met (${_why#; })"; else echo met; fi
}
# srow LABEL TAGBASE FIELD TARGET VERDICT: a summary row.
srow() {
	for _x in s l; do
		if [ "$3" = ms ]; then
			_v="$(secs "$2$_x") s"
		else
			_v="$(mibu "$(kib "$2$_x" "$3")")"
		fi
		case $(cat "$tmp/$2$_x.st") in
		ok) ;;
		exit*) _v="$_v ($(sed 's/ after.*//' "$tmp/$2$_x.st"))" ;;
		*) [ "$3" = ms ] && _v="> $CAP s (killed)" || _v=">= $_v (killed)" ;;
		esac
		eval "_$_x=\$_v"
	done
	if [ "$3" = ms ]; then
		_r=$(ok "$2s" && ok "$2l" && ratio "$(ms "$2s")" "$(ms "$2l")" || echo n/a)
	else
		_r=$(ok "$2s" && ok "$2l" && ratio "$(kib "$2s" "$3")" "$(kib "$2l" "$3")" || echo n/a)
	fi
	printf '%-34s | %-22s | %-22s | %-7s | %-32s | %s\n' "$1" "$_s" "$_l" "$_r" "$4" "$5"
}

lmid_s=$((2 * $(sum2 snapT1 snapT2 s)))
lmid_l=$((2 * $(sum2 snapT1 snapT2 l)))
lall_s=$((2 * $(sum2 snapZ snapNOW s)))
lall_l=$((2 * $(sum2 snapZ snapNOW l)))
echo
echo "== summary: is the cost flat in entry count? (entries x$(awk -v a="$SMALL" -v b="$N" 'BEGIN { printf "%.0f", b / a }') from the first size to the second)"
printf '%-34s | %-22s | %-22s | %-7s | %-32s | %s\n' figure "$(fmt "$SMALL")" "$(fmt "$N")" "ratio" "target (same run)" verdict
srow "sl-diff T1..T2 wall" diffmid ms "<= 2x snapshots: $(s2 "$lmid_s") / $(s2 "$lmid_l") s" "$(vd diffmid "$lmid_s" "$lmid_l")"
srow "sl-diff T1..T2 peak RSS" diffmid rss "(none)" "-"
srow "sl-diff @0..now wall" diffall ms "<= 2x snapshots: $(s2 "$lall_s") / $(s2 "$lall_l") s" "$(vd diffall "$lall_s" "$lall_l")"
srow "sl-diff @0..now peak RSS" diffall rss "(none)" "-"
srow "sl-advisory wall" adv ms "<= 10 s" "$(vd adv 10000 10000)"
srow "sl-advisory peak RSS, whole tree" adv tree "<= 256 MiB" "$(vd adv 262144 262144 tree)"
srow "sl-replay plan wall" plan ms "(none given)" "-"
srow "sl-replay plan peak RSS" plan rss "(none given)" "-"
srow "GET /v1/diff T1..T2 wall" http ms "<= 2x snapshots: $(s2 "$lmid_s") / $(s2 "$lmid_l") s" "$(vd http "$lmid_s" "$lmid_l")"
srow "sl-httpd peak RSS (VmHWM)" http rss "(none given)" "-"
srow "sl-verify --since-checkpoint" vsince ms "(none given; flat: ratio ~1x)" "-"
srow "sl-verify full (peer)" vfull ms "(none)" "-"
echo "ratio = the figure at $(fmt "$N") / at $(fmt "$SMALL"): about 1x is flat in entry count, about $(awk -v a="$SMALL" -v b="$N" 'BEGIN { printf "%.0f", b / a }')x linear"
echo "load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ -s "$tmp/failed" ]; then
	echo
	echo "programs that failed (exit status not expected):"
	sed 's/^/   /' "$tmp/failed"
	exit 1
fi
exit 0
