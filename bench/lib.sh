# SPDX-License-Identifier: MIT
# What the bench scripts share, sourced first: . "$(dirname "$0")/lib.sh"
# (POSIX sh; $0 stays the script's own name).
#
#   fail MESSAGE          "bench: fatal: MESSAGE" on stderr, exit 1
#   bench_sizes           N (BENCH_N, default 1000000), SMALL (BENCH_SMALL,
#                         100000) and B (build), failing unless numbers
#   need_progs PROG...    fail unless each PROG is on PATH
#   need_gen              fail unless $B/bench/gen is built
#   need_time             fail unless /usr/bin/time is there (peak RSS)
#   bench_tmp NAME        a temporary directory in $tmp, removed at exit (a
#                         script with more to clean sets its own EXIT trap)
#   bench_machine         the cpu and load lines of every report
#   bench_rev             the rev line: the commit measured

fail() {
	echo "bench: fatal: $*" >&2
	exit 1
}

bench_sizes() {
	N=${BENCH_N:-1000000}
	SMALL=${BENCH_SMALL:-100000}
	B=${B:-build}
	case $N$SMALL in *[!0-9]*) fail "BENCH_N and BENCH_SMALL must be numbers" ;; esac
}

need_progs() {
	for _p in "$@"; do
		command -v "$_p" >/dev/null 2>&1 || fail "$_p is not on PATH"
	done
}

need_gen() {
	[ -x "$B/bench/gen" ] || fail "$B/bench/gen is not built (make build/bench/gen)"
}

need_time() {
	[ -x /usr/bin/time ] || fail "/usr/bin/time is missing (Debian package time; make deps)"
}

bench_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/sl-bench-$1.XXXXXX") || fail "unable to make a temporary directory"
	trap 'rm -rf "$tmp"' EXIT
	trap 'exit 130' INT TERM
}

bench_machine() {
	echo "cpu:   $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//') ($(nproc) online)"
	echo "load:  $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine skews every figure)"
}

bench_rev() {
	echo "rev:   $(git -C "$(dirname "$0")" rev-parse --short HEAD 2>/dev/null || echo unknown)"
}
