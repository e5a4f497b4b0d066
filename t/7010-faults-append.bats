#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Fault injection (libfiu's POSIX preload, through fiu-run) into sl-append:
# whatever system call fails, sl-append exits 111 with a message, prints no
# receipt for what it did not store, and leaves a ledger that sl-verify
# accepts with exactly the entries it had plus those receipted.
# Only the program under test runs under fiu-run; the checks run without it.
#
# Failure points (fiu-ls / function_list): SQLite writes with pwrite64
# (posix/io/rw/pwrite), syncs with fdatasync (posix/io/sync/fdatasync),
# reads with pread64, maps the -shm file with mmap; stdin is read(2).
# stdio's own writes to stdout do not go through the wrapped write(2).
# failinfo is the errno: 28 ENOSPC, 5 EIO (0: one valid for the call, at random).
#
# The same faults for sl-httpd's POST (503, the ledger as above) are in
# t/7013-faults-httpd.bats.

bats_require_minimum_version 1.5.0
load test_helper
load reliability_helper

setup() {
	sl_setup
	skip_under_asan
	require_cmd fiu-run fiu-ctrl perl
	init_ledger
	unique_entries 7 "old:" >"$BATS_TEST_TMPDIR/old.ndjson"
	append_file "$BATS_TEST_TMPDIR/old.ndjson"
	BEFORE="$BATS_TEST_TMPDIR/before.log"
	sl-log >"$BEFORE"
	OUT="$BATS_TEST_TMPDIR/out"
	ERR="$BATS_TEST_TMPDIR/err"
}

# The run failed as it must: 111, one fatal line, no receipt, ledger unchanged.
assert_failed_cleanly() {
	local what=$1
	[[ $RC -eq 111 ]] || fail "$what: exit $RC, not 111; stderr: $(cat "$ERR")"
	[[ ! -s $OUT ]] || fail "$what: printed receipts although it failed: $(cat "$OUT")"
	grep -Eq '^sl-append: fatal: unable to .+' "$ERR" ||
		fail "$what: no 'fatal: unable to' message: $(cat "$ERR")"
	check_ledger --exact "$BEFORE" "$IN" -- "$OUT" >/dev/null
}

@test "every write, sync, read, open and map failing (ENOSPC, EIO): exit 111, no receipt, ledger unchanged" {
	local p e
	unique_entries 30 "new:" >"$IN"
	for p in posix/io/rw/pwrite posix/io/sync/fdatasync posix/io/rw/pread posix/io/oc/open \
		posix/io/rw/read posix/io/rw/ftruncate posix/mm/mmap; do
		for e in 28 5; do
			fiu_run "enable name=$p,failinfo=$e" -- sl-append
			assert_failed_cleanly "$p errno $e"
		done
	done
	# Afterwards, with no fault, the same input goes in whole.
	fiu_run -- sl-append
	[[ $RC -eq 0 ]] || fail "sl-append without faults: exit $RC: $(cat "$ERR")"
	check_ledger --exact --prefix "$BEFORE" "$IN" -- "$OUT"
	assert_equal "$(wc -l <"$OUT")" 30
}

@test "only the first write or sync failing: exit 111, nothing stored" {
	local p
	unique_entries 5 "one:" >"$IN"
	for p in posix/io/rw/pwrite posix/io/sync/fdatasync; do
		fiu_run "enable name=$p,failinfo=28,onetime=1" -- sl-append
		assert_failed_cleanly "$p once"
	done
}

# fail_third_batch FIU_COMMAND: sl-append -n 5 on 15 lines; once the first
# two batches are receipted, FIU_COMMAND is sent with fiu-ctrl, then the last
# five lines: their batch must fail (111), the ten receipts stand, and the
# ledger holds exactly the ten.
fail_third_batch() {
	local ctl="$BATS_TEST_TMPDIR/fiu" pid r n=0
	unique_entries 15 "mid:" >"$IN"
	mkfifo "$BATS_TEST_TMPDIR/in.fifo" "$BATS_TEST_TMPDIR/out.fifo"
	fiu-run -x -f "$ctl" sl-append -n 5 <"$BATS_TEST_TMPDIR/in.fifo" \
		>"$BATS_TEST_TMPDIR/out.fifo" 2>"$ERR" 3>&- &
	pid=$!
	exec 5>"$BATS_TEST_TMPDIR/in.fifo" 6<"$BATS_TEST_TMPDIR/out.fifo"
	# Two batches of 5; each one's receipts come back before we go on.
	head -n 10 "$IN" >&5
	while ((n < 10)) && read -r r <&6; do
		printf '%s\n' "$r" >>"$OUT"
		n=$((n + 1))
	done
	assert_equal "$n" 10
	fiu-ctrl -f "$ctl" -c "$1" "$pid"
	tail -n 5 "$IN" >&5
	exec 5>&-
	cat <&6 >>"$OUT"
	exec 6<&-
	RC=0
	wait "$pid" || RC=$?
	assert_equal "$RC" 111
	grep -Eq '^sl-append: fatal: unable to append to ledger .+' "$ERR" ||
		fail "no fatal message: $(cat "$ERR")"
	assert_equal "$(wc -l <"$OUT")" 10
	check_ledger --exact --prefix "$BEFORE" "$IN" -- "$OUT"
	assert_equal "$(sl-log | wc -l)" 17
}

@test "the disk fills after two batches: their receipts stand, the third batch is not stored" {
	fail_third_batch "enable name=posix/io/rw/pwrite,failinfo=28"
}

@test "the third batch's commit sync fails once: not stored, though its WAL frames were written" {
	# SQLite wrote the commit's frames before the failed fdatasync; sl-append
	# closes the ledger, whose checkpoint cuts them off.  Were they left,
	# the next opener's WAL recovery would find them valid and the batch,
	# reported as not appended, would be in the log.
	fail_third_batch "enable name=posix/io/sync/fdatasync,failinfo=5,onetime=1"
}

# random_runs N PROBS -- FIU_NAMES...: N runs of sl-append -n 3 on 20 new
# lines, each name failing at random with probability PROBS[k % 5]; every
# run must end 0 or 111 (or one of $ALSO_OK) and keep the promises checked
# by check_ledger $CHECK.  Counts in $OK, $FAILED.
random_runs() {
	local n=$1 k name cmds prev="$BEFORE"
	shift
	local probs=("${@:1:5}")
	shift 6
	OK=0 FAILED=0
	for ((k = 0; k < n; k++)); do
		unique_entries 20 "r$k:" >"$IN"
		cmds=()
		for name in "$@"; do
			if [[ $name == libc/* ]]; then
				cmds+=("enable_random name=$name,probability=${probs[k % 5]}")
			else # the errno: ENOSPC or EIO
				cmds+=("enable_random name=$name,probability=${probs[k % 5]},failinfo=$((k % 2 ? 5 : 28))")
			fi
		done
		fiu_run "${cmds[@]}" -- sl-append -n 3
		case " 0 111 ${ALSO_OK:-} " in
		*" $RC "*) ;;
		*) fail "run $k: exit $RC: $(cat "$ERR")" ;;
		esac
		if ((RC == 0)); then
			OK=$((OK + 1))
			[[ ! -s $ERR ]] || fail "run $k: exit 0 with a message: $(cat "$ERR")"
		else
			FAILED=$((FAILED + 1))
			grep -Eq '^sl-append: fatal: unable to .+' "$ERR" ||
				fail "run $k: exit $RC without a fatal message: $(cat "$ERR")"
		fi
		check_ledger $CHECK --prefix "$prev" "$IN" -- "$OUT" >/dev/null
		cp "$BATS_TEST_TMPDIR/after.log" "$BATS_TEST_TMPDIR/prev.log"
		prev="$BATS_TEST_TMPDIR/prev.log"
	done
}

@test "random write, open, close, truncate, map and input faults (24 runs): exactly the receipted entries added" {
	CHECK=--exact random_runs 24 0.002 0.005 0.01 0.02 0.05 -- \
		posix/io/rw/pwrite posix/io/oc/open posix/io/oc/close posix/io/rw/ftruncate \
		posix/mm/mmap posix/mm/munmap posix/io/dir/unlink posix/io/rw/read
	echo "# random write faults: $OK runs succeeded, $FAILED exited 111" >&3
	((FAILED > 0)) || fail "no run failed: the faults were not injected"
	run -0 sl-append <<<'{"type":"x-test","source":"after","payload":{}}'
	run -0 sl-verify -q
}

@test "random sync faults (20 runs): every receipt kept; an unreceipted batch only when its sync failed" {
	# When the sync of a commit fails, SQLite has written the commit's WAL
	# frames; sl-append closes the ledger, which checkpoints and cuts the
	# WAL back.  If that clean-up's own sync fails too, the frames stay and
	# the next opener's recovery finds them valid: the batch, never
	# acknowledged, is in the log after all ("in doubt", doc/RELIABILITY.md).
	CHECK= random_runs 20 0.05 0.1 0.2 0.3 0.5 -- \
		posix/io/sync/fdatasync posix/io/sync/fsync
	echo "# random sync faults: $OK runs succeeded, $FAILED exited 111" >&3
	((FAILED > 0)) || fail "no run failed: the faults were not injected"
}

@test "random read faults (12 runs): 0, 111, or 100 when SQLite takes the failed read for corruption" {
	# Known limit: a pread(2) that fails where SQLite reads a b-tree page
	# can surface as SQLITE_CORRUPT ("database disk image is malformed"),
	# which the store maps to exit 100.  The ledger is never harmed.
	ALSO_OK=100 CHECK=--exact random_runs 12 0.002 0.005 0.01 0.02 0.05 -- \
		posix/io/rw/pread
	echo "# random read faults: $OK runs succeeded, $FAILED exited 100 or 111" >&3
}

@test "random allocation failures (16 runs): 0 or 111, never a crash; exactly the receipted entries added" {
	CHECK=--exact random_runs 16 0.0002 0.0005 0.001 0.002 0.005 -- \
		libc/mm/malloc libc/mm/calloc libc/mm/realloc
	echo "# allocation faults: $OK runs succeeded, $FAILED exited 111" >&3
	((FAILED > 0)) || fail "no run failed: the faults were not injected"
}
