#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Fault injection (libfiu, fiu-run) into the artifact store's writers,
# `sl-artifact put` and `sl-capture-config --store`: a failed write, fsync,
# rename, open, read or close ends the program with exit 111 and a message,
# with nothing printed; every digest or entry printed names content that is
# stored whole; the store and the ledger still verify.
# Only the program under test runs under fiu-run.

bats_require_minimum_version 1.5.0
load test_helper
load reliability_helper

setup() {
	sl_setup
	skip_under_asan
	require_cmd fiu-run perl jq
	init_ledger
	append_n 3 old
	BEFORE="$BATS_TEST_TMPDIR/before.log"
	sl-log >"$BEFORE"
	IN=/dev/null
	OUT="$BATS_TEST_TMPDIR/out"
	ERR="$BATS_TEST_TMPDIR/err"
	D="$BATS_TEST_TMPDIR/files"
	mkdir -p "$D"
}

# new_files K TAG: K files of fresh content (never stored before) in $D/TAG-*.
new_files() {
	local k
	for ((k = 0; k < $1; k++)); do
		{
			printf '%s %s %s\n' "$2" "$k" "$RANDOM$RANDOM"
			head -c $((RANDOM * 4)) /dev/zero
		} >"$D/$2-$k"
	done
}

# The store verifies and holds no temporary file.
assert_store_sound() {
	run -0 --separate-stderr sl-artifact verify
	assert_regex "$output" '^\{"verified":true,"count":[0-9]+,"bad":0\}$'
	assert_equal "$stderr" ""
}

teardown() {
	# The ledger's entries are untouched by all of it.
	[[ -z ${BEFORE:-} ]] || check_ledger --exact "$BEFORE" -- >/dev/null
}

# Every digest printed by sl-artifact put is stored with exactly that content.
assert_digests_stored() {
	local d f=("$@") k=0
	while read -r d; do
		assert_equal "$(sl-artifact get "$d" | sha256sum | cut -d' ' -f1)" "$d"
		assert_equal "$(sha256sum <"${f[k]}" | cut -d' ' -f1)" "$d"
		k=$((k + 1))
	done <"$OUT"
	assert_equal "$k" "${#f[@]}"
}

assert_failed_cleanly() {
	local prog=$1 what=$2
	[[ $RC -eq 111 ]] || fail "$what: exit $RC, not 111; stderr: $(cat "$ERR")"
	[[ ! -s $OUT ]] || fail "$what: printed although it failed: $(cat "$OUT")"
	grep -Eq "^$prog: fatal: unable to .+" "$ERR" || fail "$what: no fatal message: $(cat "$ERR")"
}

@test "sl-artifact put: each of write, fsync, rename, open, read, close failing (ENOSPC, EIO): 111, nothing printed" {
	local p e n=0
	for p in posix/io/rw/write posix/io/sync/fsync posix/io/dir/rename posix/io/oc/open \
		posix/io/rw/read posix/io/oc/close; do
		for e in 28 5; do
			n=$((n + 1))
			new_files 2 "a$n"
			fiu_run "enable name=$p,failinfo=$e" -- sl-artifact put "$D/a$n-0" "$D/a$n-1"
			assert_failed_cleanly sl-artifact "$p errno $e"
			assert_store_sound
		done
	done
	# No fault: the same files go in, and their digests are printed.
	fiu_run -- sl-artifact put "$D/a1-0" "$D/a1-1"
	assert_equal "$RC" 0
	assert_digests_stored "$D/a1-0" "$D/a1-1"
}

@test "sl-artifact put of content already stored still syncs its directory before printing the digest" {
	new_files 1 dup
	run -0 sl-artifact put "$D/dup-0"
	fiu_run "enable name=posix/io/sync/fsync,failinfo=5" -- sl-artifact put "$D/dup-0"
	assert_failed_cleanly sl-artifact "fsync of an already stored file's directory"
	assert_store_sound
}

@test "sl-artifact put under random faults (16 runs): 0 with every digest stored, or 111 printing nothing" {
	local k probs=(0.01 0.02 0.05 0.1 0.2) ok=0 failed=0
	for ((k = 0; k < 16; k++)); do
		new_files 3 "r$k"
		fiu_run "enable_random name=posix/io/*,probability=${probs[k % 5]},failinfo=$((k % 2 ? 5 : 28))" \
			"enable_random name=libc/mm/*,probability=0.001" \
			-- sl-artifact put "$D/r$k-0" "$D/r$k-1" "$D/r$k-2"
		case $RC in
		0) ok=$((ok + 1)); assert_digests_stored "$D/r$k-0" "$D/r$k-1" "$D/r$k-2" ;;
		111) failed=$((failed + 1)); assert_failed_cleanly sl-artifact "run $k" ;;
		*) fail "run $k: exit $RC: $(cat "$ERR")" ;;
		esac
		# A failed unlink may leave a temporary file; nothing else may be left.
		find "$L/artifacts" -name '.tmp-*' -delete
		assert_store_sound
	done
	echo "# sl-artifact put: $ok runs succeeded, $failed exited 111" >&3
	((failed > 0)) || fail "no run failed: the faults were not injected"
}

@test "sl-capture-config --store: write, fsync, rename, open, read failing: 111, no entry printed" {
	local p n=0
	for p in posix/io/rw/write posix/io/sync/fsync posix/io/dir/rename posix/io/oc/open \
		posix/io/rw/read; do
		n=$((n + 1))
		new_files 2 "c$n"
		fiu_run "enable name=$p,failinfo=28" -- sl-capture-config --store "$D/c$n-0" "$D/c$n-1"
		assert_failed_cleanly sl-capture-config "$p"
		assert_store_sound
	done
}

@test "sl-capture-config --store under random faults (16 runs): every entry printed names stored content" {
	local k probs=(0.01 0.02 0.05 0.1 0.2) ok=0 failed=0 d
	for ((k = 0; k < 16; k++)); do
		new_files 2 "q$k"
		fiu_run "enable_random name=posix/io/*,probability=${probs[k % 5]},failinfo=$((k % 2 ? 5 : 28))" \
			-- sl-capture-config --store "$D/q$k-0" "$D/q$k-1"
		case $RC in
		0)
			ok=$((ok + 1))
			assert_equal "$(wc -l <"$OUT")" 2
			for d in $(jq -r 'select(.payload.stored == true) | .payload.sha256' "$OUT"); do
				assert_equal "$(sl-artifact get "$d" | sha256sum | cut -d' ' -f1)" "$d"
			done
			assert_equal "$(jq -s 'map(select(.payload.stored == true)) | length' "$OUT")" 2
			;;
		111) failed=$((failed + 1)); assert_failed_cleanly sl-capture-config "run $k" ;;
		*) fail "run $k: exit $RC: $(cat "$ERR")" ;;
		esac
		find "$L/artifacts" -name '.tmp-*' -delete
		assert_store_sound
	done
	echo "# sl-capture-config --store: $ok runs succeeded, $failed exited 111" >&3
	((failed > 0)) || fail "no run failed: the faults were not injected"
}
