# SPDX-License-Identifier: MIT
# Shared set-up for the bats tests of the sl-* programs.
#
# Every test gets its own ledger, "$BATS_TEST_TMPDIR/ledger", named by
# SL_LEDGER (and L), and runs the programs built in this tree (bin/).  The
# helpers here build ledgers and take snapshots of them; the assertions
# themselves stay in the .bats files, with `run -N --separate-stderr`.

for _sl_lib in bats-support bats-assert; do
	if [[ ! -f /usr/lib/bats/$_sl_lib/load.bash ]]; then
		printf 'test_helper: /usr/lib/bats/%s is missing (make deps installs it)\n' \
			"$_sl_lib" >&2
		return 1
	fi
done
unset _sl_lib
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

SL_SRCDIR=${SL_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
export PATH="$SL_SRCDIR/bin:$PATH"
FIXTURES="$BATS_TEST_DIRNAME/fixtures"

# The ledger's timestamp: always 6 fraction digits, always Z.
TS_RE='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z'
HEX64_RE='[0-9a-f]{64}'
# A SHA-256 that is valid in any payload, and a full git object id.
H64=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
OID=0123456789abcdef0123456789abcdef01234567
# SHA-256 of the empty string: the root of the empty tree.
EMPTY_ROOT=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

# Call from each file's setup(): a fresh ledger location, no inherited knobs.
sl_setup() {
	L="$BATS_TEST_TMPDIR/ledger"
	export SL_LEDGER="$L"
	unset SL_BUSY_TIMEOUT
	IN="$BATS_TEST_TMPDIR/in.ndjson"
	export TZ=UTC
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			skip "'$c' is not installed (make deps installs the test tools)"
	done
}

# Create the ledger at $L (with a fixed origin), failing the test if that fails.
# need_bench_gen: build bench/gen (the benchmark ledger's entries) if it is not there; for setup_file.
need_bench_gen() {
	if [[ ! -x $SL_SRCDIR/build/bench/gen ]]; then
		make -s -C "$SL_SRCDIR" build/bench/gen >&2 || return 1
	fi
}

init_ledger() {
	sl-init -L "$L" --origin "test.example/log" >/dev/null ||
		fail "sl-init -L $L failed"
}

# ledger_setup [CMD...]: a test's usual start: sl_setup, the commands it
# needs (require_cmd), and a new ledger at $L (init_ledger).
ledger_setup() {
	sl_setup
	require_cmd "$@"
	init_ledger
}

# gen_entries N [PREFIX [TYPE]]: N valid entry lines, sources PREFIX0..PREFIX(N-1).
gen_entries() {
	awk -v n="$1" -v p="${2:-src}" -v t="${3:-x-test}" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"type\":\"%s\",\"source\":\"%s%d\",\"payload\":{\"i\":%d}}\n", t, p, i, i
	}'
}

# append_file FILE [sl-append options]: append, keeping the receipts in $RECEIPTS.
append_file() {
	local f=$1
	shift
	RECEIPTS="$BATS_TEST_TMPDIR/receipts.$RANDOM"
	sl-append "$@" <"$f" >"$RECEIPTS" || fail "sl-append <$f failed ($?)"
}

# append_at TIME LINE...: append the lines as one batch with the clock at TIME (UTC, faketime).
append_at() {
	local t=$1
	shift
	printf '%s\n' "$@" | faketime "$t" sl-append >/dev/null || fail "append at $t failed"
}

# append_n N [PREFIX [TYPE]]: append N generated entries.
append_n() {
	local f="$BATS_TEST_TMPDIR/gen.$RANDOM.ndjson"
	gen_entries "$@" >"$f"
	append_file "$f"
}

# What a reader sees: the head (size and root) and every entry.
ledger_state() {
	sl-prove --head || return
	sl-log || return
}

save_state() {
	STATE_BEFORE=$(ledger_state) || fail "unable to read the ledger's state"
	[[ -n $STATE_BEFORE ]] || fail "empty ledger state"
}

assert_state_unchanged() {
	local now
	now=$(ledger_state) || fail "unable to read the ledger's state"
	assert_equal "$now" "$STATE_BEFORE"
}

# as_reader CMD...: run CMD as user nobody when the tests run as root (root
# ignores file modes, so a test of permissions must not run as root), else
# as it is.
as_reader() {
	if ((EUID == 0)); then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

# open_to_reader: as root, make the test's directory and its parents
# searchable by others, so that as_reader's user reaches the files; skip
# when that user cannot run the programs.
open_to_reader() {
	((EUID == 0)) || return 0
	require_cmd setpriv
	local d=$BATS_TEST_TMPDIR
	while [[ $d == "$BATS_RUN_TMPDIR"* && $d != / ]]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	as_reader sl-log --version >/dev/null 2>&1 ||
		skip "user nobody cannot run the programs in $SL_SRCDIR/bin"
}

# Number of entries in the ledger, as the head says.
ledger_size() {
	sl-prove --head | jq -r .size
}

# The leaf hash of entry SEQ recomputed from sl-get: SHA-256(0x00 || entry).
leaf_hash_of() {
	{ printf '\0'; sl-get "$1" | head -c -1; } | sha256sum | cut -d' ' -f1
}

# The root of the tree of the first M entries.
root_at() {
	sl-prove --head --size "$1" | jq -r .root
}

# tamper OP ARG...: change (or read) the ledger $L behind its back through
# the per-backend test hook t/tamper (see there for the operations).
tamper() {
	"$SL_SRCDIR/t/tamper" "$L" "$@"
}

# sql STATEMENTS: raw SQL on the ledger's database, in its backend's own
# dialect (t/tamper's sql): for the tests of one backend's own schema.
sql() {
	"$SL_SRCDIR/t/tamper" "$L" sql "$@"
}

# Note: bats 1.8's `run` (through bats_version_lt) assigns a global `i`;
# a C-style loop over `i` that calls `run` never ends.  Use another name.

# tamper_entry SEQ: change entry SEQ's stored bytes behind the ledger's back
# (a "forged" member at the front of its payload), leaving its stored leaf
# hash as it was.  The entry stays valid JSON, so only a reader that checks
# the bytes against the leaf hash can tell.
tamper_entry() {
	tamper entry-replace "$1" '"payload":{' '"payload":{"forged":true,' ||
		fail "unable to tamper with entry $1"
	[[ $(tamper entry "$1") == *'"forged"'* ]] || fail "entry $1 was not changed"
}

# assert_leaf_mismatch PROG SEQ: the last `run` of PROG printed nothing of
# the changed entry and said on stderr that seq SEQ does not match its leaf.
assert_leaf_mismatch() {
	refute_output --partial forged
	assert_regex "$stderr" "^$1: fatal: .*seq $2: stored entry does not match its leaf hash"
}

# usage_error WHY PROGRAM ARGS...: exit 2, nothing on stdout, stderr is the reason then the usage.
usage_error() {
	local why=$1 prog=$2
	shift
	run -2 --separate-stderr "$@"
	assert_equal "$output" ""
	(( ${#stderr_lines[@]} >= 2 )) || fail "one line of stderr: $stderr"
	assert_equal "${stderr_lines[0]}" "$prog: usage: $why"
	assert_regex "${stderr_lines[1]}" "^$prog: usage: $prog "
}

# wait_exit PID SECONDS: wait for a child to end, at most SECONDS; its
# status in WAIT_STATUS.  A child still running then is killed and the
# test fails, so that a server that never stops fails, not hangs, the run.
wait_exit() {
	local pid=$1 n=$(($2 * 20))
	while kill -0 "$pid" 2>/dev/null && ((n-- > 0)); do
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		fail "process $pid still runs after $2 seconds"
	fi
	WAIT_STATUS=0
	wait "$pid" || WAIT_STATUS=$?
}

# flip_bit FILE OFFSET: change one bit of the byte at OFFSET, in place (so
# the byte always differs, which writing a fixed byte does not promise).
flip_bit() {
	local b
	b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	[[ -n $b ]] || fail "flip_bit: $1 has no byte at $2"
	# shellcheck disable=SC2059
	printf "\\$(printf '%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
