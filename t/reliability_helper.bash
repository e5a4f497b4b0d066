# SPDX-License-Identifier: MIT
# Helpers of the fault, crash and load tests (t/70*.bats, t/crash.sh, t/load.sh).
# Load after test_helper; the invariants themselves are in t/ledger-check.pl.

# unique_entries N PREFIX: N entry lines whose sources PREFIX0.. are unique.
unique_entries() {
	awk -v n="$1" -v p="$2" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"type\":\"x-test\",\"source\":\"%s%d\",\"payload\":{\"i\":%d}}\n", p, i, i
	}'
}

# check_ledger [--exact] [--prefix] BEFORE INPUT... -- RECEIPTS...: sl-verify
# must accept the ledger, and its entries now must be BEFORE's plus new ones
# that keep every receipt's promise (see t/ledger-check.pl).
check_ledger() {
	local opts=() after="$BATS_TEST_TMPDIR/after.log" vout
	while [[ $1 == --* ]]; do
		opts+=("$1")
		shift
	done
	vout=$(sl-verify 2>&1) || fail "sl-verify does not accept the ledger: $vout"
	sl-log >"$after" || fail "sl-log failed ($?)"
	perl "$SL_SRCDIR/t/ledger-check.pl" "${opts[@]}" "$1" "$after" "${@:2}" ||
		fail "the ledger breaks a promise (above)"
}

# fiu_run POINT_COMMAND... -- PROGRAM ARGS...: run only the program under test
# under libfiu's POSIX preload with the given fiu-run -c commands, stdin from
# $IN, stdout to $OUT, stderr to $ERR, exit status in $RC.
fiu_run() {
	local cmds=()
	while [[ $1 != -- ]]; do
		cmds+=(-c "$1")
		shift
	done
	shift
	RC=0
	fiu-run -x -f "" "${cmds[@]}" "$@" <"$IN" >"$OUT" 2>"$ERR" || RC=$?
}

# Skip the fault tests in AddressSanitizer builds: libfiu's POSIX preload
# wraps malloc and crashes at start-up beside ASan's allocator (SIGSEGV even
# with no failure point enabled).  They run in the plain build of make check.
skip_under_asan() {
	if ldd "$(command -v sl-append)" 2>/dev/null | grep -q 'libasan'; then
		skip "libfiu's POSIX preload cannot run beside AddressSanitizer"
	fi
}
