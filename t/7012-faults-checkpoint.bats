#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Fault injection (libfiu, fiu-run) into sl-checkpoint: when a write, sync,
# read, open or map fails, it exits 111 with a message and prints no note;
# a note it prints is the one kept (sl-checkpoint --latest) and verifies;
# sl-verify accepts the ledger with the checkpoints it had plus those printed.
# Only the program under test runs under fiu-run.

bats_require_minimum_version 1.5.0
load test_helper
load reliability_helper

setup() {
	sl_setup
	skip_under_asan
	require_cmd fiu-run perl jq
	unset SL_KEY
	init_ledger
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	append_n 4 old
	sl-checkpoint >/dev/null || fail "the first checkpoint failed"
	IN=/dev/null
	OUT="$BATS_TEST_TMPDIR/out"
	ERR="$BATS_TEST_TMPDIR/err"
}

# The number of checkpoints kept, as sl-verify counts them (it checks them all).
checkpoints() {
	local v
	v=$(sl-verify) || fail "sl-verify does not accept the ledger: $v"
	jq -r '.checkpoints // 0' <<<"$v"
}

@test "each of pwrite, fdatasync, pread, open, read, mmap failing (ENOSPC, EIO): 111, no note, nothing kept" {
	local p e n latest
	n=$(checkpoints)
	latest=$(sl-checkpoint --latest)
	for p in posix/io/rw/pwrite posix/io/sync/fdatasync posix/io/rw/pread posix/io/oc/open \
		posix/io/rw/read posix/mm/mmap; do
		for e in 28 5; do
			append_n 1 "p$e$p"
			fiu_run "enable name=$p,failinfo=$e" -- sl-checkpoint
			[[ $RC -eq 111 ]] || fail "$p errno $e: exit $RC, not 111: $(cat "$ERR")"
			[[ ! -s $OUT ]] || fail "$p errno $e: printed a note: $(cat "$OUT")"
			grep -Eq '^sl-checkpoint: fatal: unable to .+' "$ERR" ||
				fail "$p errno $e: no fatal message: $(cat "$ERR")"
			assert_equal "$(checkpoints)" "$n"
			assert_equal "$(sl-checkpoint --latest)" "$latest"
		done
	done
	run -0 sl-checkpoint
	assert_equal "$(checkpoints)" $((n + 1))
}

@test "random faults (20 runs): a printed note is kept and verifies; a failed run (111, or 100 on a misread) keeps nothing" {
	local k probs=(0.005 0.01 0.02 0.05 0.1) n ok=0 failed=0 doubt=0 misread=0 now
	for ((k = 0; k < 20; k++)); do
		append_n 2 "r$k"
		n=$(checkpoints)
		fiu_run "enable_random name=posix/io/*,probability=${probs[k % 5]},failinfo=$((k % 2 ? 5 : 28))" \
			"enable_random name=posix/mm/*,probability=${probs[k % 5]},failinfo=$((k % 2 ? 5 : 28))" \
			-- sl-checkpoint
		now=$(checkpoints)
		case $RC in
		0)
			ok=$((ok + 1))
			assert_equal "$now" $((n + 1))
			assert_equal "$(sl-checkpoint --latest)" "$(cat "$OUT")"
			run -0 sl-checkpoint verify --key "$VKEY" <"$OUT"
			;;
		111)
			failed=$((failed + 1))
			[[ ! -s $OUT ]] || fail "run $k: printed a note although it failed: $(cat "$OUT")"
			grep -Eq '^sl-checkpoint: fatal: unable to .+' "$ERR" ||
				fail "run $k: no fatal message: $(cat "$ERR")"
			# A commit whose sync failed may still surface (see doc/RELIABILITY.md).
			if [[ $now -ne $n ]]; then
				grep -q 'unable to commit' "$ERR" ||
					fail "run $k: a checkpoint was kept although '$(cat "$ERR")'"
				doubt=$((doubt + 1))
			fi
			;;
		100)
			# Known limit (doc/RELIABILITY.md): a failed pread(2) where SQLite
			# reads a b-tree page surfaces as SQLITE_CORRUPT.  Nothing is kept.
			grep -q 'database disk image is malformed' "$ERR" ||
				fail "run $k: exit 100: $(cat "$ERR")"
			[[ ! -s $OUT ]] || fail "run $k: printed a note although it failed: $(cat "$OUT")"
			assert_equal "$now" "$n"
			misread=$((misread + 1))
			;;
		*) fail "run $k: exit $RC: $(cat "$ERR")" ;;
		esac
	done
	echo "# sl-checkpoint: $ok runs succeeded, $failed exited 111 ($doubt in doubt)," \
		"$misread exited 100 (a failed read taken for corruption)" >&3
	((failed > 0)) || fail "no run failed: the faults were not injected"
	run -0 sl-checkpoint
}
