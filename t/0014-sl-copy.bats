#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-copy SRC DST (issue 13): a ledger copied between addresses verbatim
# (seq, ts, bytes, checkpoints as signed, artifacts), the destination's
# derived indexes made as an append makes them (sl-verify passes), only
# what is new appended to an earlier copy, resumable after kill -9, the
# roots proved, and a destination that disagrees refused with exit 1
# naming the first differing seq, with nothing written.  SQLite to SQLite
# today; the program speaks only the ledger interface.

bats_require_minimum_version 1.5.0
load test_helper

setup_file() {
	need_bench_gen
}

setup() {
	ledger_setup jq faketime
	D="$BATS_TEST_TMPDIR/copy"
	# Entries from 2020 (their ts must survive the copy), mutations among them.
	local n
	for n in 1 2 3 4 5; do
		printf '{"type":"mutation","source":"db","payload":{"namespace":"kafka/c/t/0","position":%d,"id":"m%d","sha256":"%s"}}\n' "$n" "$n" "$H64"
		printf '{"type":"config","source":"config:web:/etc/%d","payload":{"path":"/etc/%d","sha256":"%s"}}\n' "$n" "$n" "$H64"
	done >"$IN"
	faketime '2020-01-02 03:04:05' sl-append <"$IN" >/dev/null || fail "append failed"
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
	append_n 4 later
	printf 'artifact one\n' | sl-artifact put - >/dev/null || fail "artifact put failed"
	printf 'artifact two\n' | sl-artifact put - >/dev/null || fail "artifact put failed"
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
	append_n 2 last
}

# What a reader of ledger $1 sees: the head, every entry as stored, every checkpoint note and key.
state_of() {
	sl-prove -L "$1" --head || return
	sl-log -L "$1" || return
	"$SL_SRCDIR/t/tamper" "$1" checkpoint-list || return
	(cd "$1/artifacts" && find . -type f | sort | xargs -r sha256sum) || return
}

# The whole database of ledger $1, as its backend's own tool dumps it (t/tamper's dump).
dump_of() {
	"$SL_SRCDIR/t/tamper" "$1" dump
}

@test "a new destination gets every entry verbatim, every checkpoint and artifact, and verifies" {
	local root
	root=$(root_at 16)
	run -0 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$stderr" ""
	assert_equal "$output" "{\"copied\":16,\"from\":0,\"entries\":16,\"checkpoints\":2,\"checkpoints_copied\":2,\"artifacts\":2,\"artifacts_copied\":2,\"roots\":3,\"root\":\"$root\",\"created\":true}"
	assert_equal "$(state_of "$D")" "$(state_of "$L")"
	# The ts of 2020 stayed; the origin is the source's.
	run -0 sl-get -L "$D" 0
	assert_output --partial '"ts":"2020-01-02T03:04:05.'
	assert_equal "$("$SL_SRCDIR/t/tamper" "$D" meta-get origin)" "test.example/log"
	# The stream and mutation indexes are there and right: the full check, and the key given.
	run -0 --separate-stderr sl-verify -L "$D" --key "$VKEY"
	assert_equal "$(jq -c '[.verified, .size, .root, .checkpoints]' <<<"$output")" "[true,16,\"$root\",2]"
	run -0 sl-snapshot -L "$D" --at 2026-01-01T00:00:00Z
	assert_equal "$output" "$(sl-snapshot --at 2026-01-01T00:00:00Z)"
	assert_output --partial '"mutations":[{"namespace":"kafka/c/t/0","seq":8,'
	# Private keys are never copied.
	run -0 find "$D/keys" -type f
	assert_output ''
	[[ $(stat -c %a "$D") == 700 && $(stat -c %a "$D/ledger.db") == 600 ]] || fail "modes of the new ledger"
}

@test "an earlier copy gets only what is new, and a copy with nothing new writes nothing" {
	run -0 sl-copy "$L" "$D"
	local before
	before=$(dump_of "$D")
	run -0 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$(jq -c '[.copied, .from, .entries, .checkpoints_copied, .artifacts_copied, .created]' <<<"$output")" "[0,16,16,0,0,false]"
	assert_equal "$(dump_of "$D")" "$before"
	append_n 3 more
	printf 'artifact three\n' | sl-artifact put - >/dev/null
	sl-checkpoint >/dev/null
	run -0 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$(jq -c '[.copied, .from, .entries, .checkpoints, .checkpoints_copied, .artifacts, .artifacts_copied, .roots]' <<<"$output")" "[3,16,19,3,1,3,1,3]"
	assert_equal "$(state_of "$D")" "$(state_of "$L")"
	run -0 sl-verify -L "$D" --key "$VKEY"
}

@test "a checkpoint awaiting its witnesses is copied still awaiting them, and its mark cleared with the source's" {
	local wvk cp2
	cp2=$(sl-checkpoint latest) || fail "sl-checkpoint latest failed"
	wvk=$(sl-keygen --type cosignature --name w.example/w -o "$BATS_TEST_TMPDIR/w.key")
	# A witness that does not answer: the new checkpoint is kept, pending (id 3).
	run -111 --separate-stderr sl-checkpoint --witness "$wvk@http://127.0.0.1:1" --witness-timeout 2
	run -0 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$(jq -c '[.checkpoints, .checkpoints_copied]' <<<"$output")" "[3,3]"
	assert_equal "$("$SL_SRCDIR/t/tamper" "$D" meta-get checkpoint-pending)" 3
	# The copy serves what the source serves: the checkpoint before the pending one.
	run -0 --separate-stderr sl-checkpoint latest -L "$D"
	assert_equal "$output" "$cp2"
	assert_equal "$output" "$(sl-checkpoint latest)"
	# Signed in the source without witnesses: published there, and so in the copy.
	append_n 1 after
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
	run -0 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$("$SL_SRCDIR/t/tamper" "$D" meta-get checkpoint-pending)" ""
	run -0 --separate-stderr sl-checkpoint latest -L "$D"
	assert_equal "$output" "$(sl-checkpoint latest)"
	assert_equal "$(state_of "$D")" "$(state_of "$L")"
}

@test "a destination entry edited behind its back: exit 1 naming that seq, nothing written" {
	run -0 sl-copy "$L" "$D"
	append_n 2 new
	"$SL_SRCDIR/t/tamper" "$D" entry-replace 11 '"later1"' '"later9"' || fail "unable to change entry 11"
	[[ $("$SL_SRCDIR/t/tamper" "$D" entry 11) == *later9* ]] || fail "entry 11 was not changed"
	local before
	before=$(dump_of "$D")
	run -1 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$(jq -c '[.copied, .seq]' <<<"$output")" "[false,11]"
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$stderr" "sl-copy: fatal: unable to copy to '$D': seq 11: the destination's entry differs from the source's (its bytes)"
	assert_equal "$(dump_of "$D")" "$before"
}

@test "the first differing seq is named: a changed ts, a changed leaf, a destination ahead of the source" {
	run -0 sl-copy "$L" "$D"
	local leaf13
	leaf13=$("$SL_SRCDIR/t/tamper" "$D" leaf 13)
	"$SL_SRCDIR/t/tamper" "$D" leaf-set 13 zero || fail "unable to change leaf 13"
	"$SL_SRCDIR/t/tamper" "$D" entry-set 14 ts '2020-01-02T03:04:05.000000Z' || fail "unable to change entry 14's ts"
	run -1 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$(jq -c '[.copied, .seq]' <<<"$output")" "[false,13]"
	assert_regex "$stderr" "seq 13: .*its stored leaf hash"
	# Leaf 13 put back: the changed ts of 14 is the first difference.
	"$SL_SRCDIR/t/tamper" "$D" leaf-set 13 "$leaf13" || fail "unable to put leaf 13 back"
	run -1 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$(jq -c '[.copied, .seq]' <<<"$output")" "[false,14]"
	assert_regex "$stderr" "seq 14: .*its ts"
	rm -rf "$D"
	run -0 sl-copy "$L" "$D"
	sl-append -L "$D" <<<'{"type":"x-a","source":"only-in-copy","payload":{}}' >/dev/null
	run -1 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$(jq -c '[.copied, .seq]' <<<"$output")" "[false,16]"
	assert_regex "$stderr" "seq 16: the destination holds 17 entries, more than the source's 16"
}

@test "a destination with another checkpoint, or another origin, disagrees (exit 1)" {
	run -0 sl-copy "$L" "$D"
	sl-keygen -L "$D" --name other >/dev/null
	sl-checkpoint -L "$D" >/dev/null
	local before
	before=$(dump_of "$D")
	append_n 1 new
	run -1 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$(jq -c '[.copied, .checkpoint]' <<<"$output")" "[false,3]"
	assert_regex "$stderr" "checkpoint 3: the destination holds more checkpoints than the source"
	assert_equal "$(dump_of "$D")" "$before"
	# An sl-init'ed ledger of another origin is not a copy of this one.
	sl-init -L "$BATS_TEST_TMPDIR/other" --origin other.example/log >/dev/null
	run -1 --separate-stderr sl-copy "$L" "$BATS_TEST_TMPDIR/other"
	assert_regex "$stderr" "the destination's origin 'other.example/log' is not the source's 'test.example/log'"
	run -0 sl-log -L "$BATS_TEST_TMPDIR/other"
	assert_output ''
	# The same origin, empty: a copy into it.
	sl-init -L "$BATS_TEST_TMPDIR/same" --origin test.example/log >/dev/null
	run -0 sl-copy "$L" "$BATS_TEST_TMPDIR/same"
	assert_equal "$(jq -c '[.copied, .created]' <<<"$output")" "[17,false]"
	# A ledger whose making stopped before its origin was written is given the source's.
	sl-init -L "$BATS_TEST_TMPDIR/half" --origin tmp.example/log >/dev/null
	"$SL_SRCDIR/t/tamper" "$BATS_TEST_TMPDIR/half" meta-delete origin || fail "unable to delete the origin"
	assert_equal "$("$SL_SRCDIR/t/tamper" "$BATS_TEST_TMPDIR/half" meta-get origin)" ""
	run -0 sl-copy "$L" "$BATS_TEST_TMPDIR/half"
	assert_equal "$("$SL_SRCDIR/t/tamper" "$BATS_TEST_TMPDIR/half" meta-get origin)" "test.example/log"
	run -0 sl-verify -L "$BATS_TEST_TMPDIR/half" --key "$VKEY"
}

@test "kill -9 in the middle of a copy of 50,000 entries: run again, the result is the uninterrupted copy's" {
	"$SL_SRCDIR/build/bench/gen" 50000 2>/dev/null | sl-append >/dev/null || fail "append failed"
	sl-checkpoint >/dev/null
	run -0 sl-copy "$L" "$BATS_TEST_TMPDIR/whole"
	# Small batches, so that the kill lands between two of them or inside one.
	sl-copy --batch 500 "$L" "$D" >/dev/null 2>&1 &
	local pid=$! n=0 k
	for k in $(seq 1 500); do
		n=$("$SL_SRCDIR/t/tamper" "$D" head-get size 2>/dev/null) || n=0
		((${n:-0} >= 5000)) && break
		sleep 0.02
	done
	kill -9 "$pid"
	wait "$pid" || true
	n=$("$SL_SRCDIR/t/tamper" "$D" head-get size)
	((n > 0 && n < 50016)) || fail "the kill did not land mid-copy (size $n)"
	# What was committed is a prefix that verifies on its own.
	run -0 sl-verify -L "$D" -q
	run -0 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$(jq -c '[.from, .copied, .entries]' <<<"$output")" "[$n,$((50016 - n)),50016]"
	assert_equal "$(dump_of "$D")" "$(dump_of "$BATS_TEST_TMPDIR/whole")"
	run -0 sl-verify -L "$D" --key "$VKEY"
}

@test "three copies racing into one new destination: each exits 0, and the destination is the source's" {
	local t k d
	for t in $(seq 1 8); do
		d="$BATS_TEST_TMPDIR/race$t"
		for k in 1 2 3; do
			(
				rc=0
				sl-copy -q "$L" "$d" 2>"$d.err$k" || rc=$?
				echo $rc >"$d.rc$k"
			) &
		done
		wait
		for k in 1 2 3; do
			[[ $(cat "$d.rc$k") == 0 ]] || fail "trial $t, copy $k: exit $(cat "$d.rc$k"): $(cat "$d.err$k")"
		done
		assert_equal "$(state_of "$d")" "$(state_of "$L")"
		run -0 sl-verify -L "$d" -q
	done
}

@test "a source appended to during the copy: one state of it is copied, the next run takes the rest" {
	"$SL_SRCDIR/build/bench/gen" 20000 2>/dev/null | sl-append >/dev/null || fail "append failed"
	(
		for k in $(seq 1 40); do
			gen_entries 50 "during$k-" | sl-append >/dev/null || exit 1
		done
	) &
	local pid=$! size
	run -0 --separate-stderr sl-copy --batch 1000 "$L" "$D"
	size=$(jq -r .entries <<<"$output")
	echo "# copied while appends ran: $size of 20016..22016 entries" >&3
	wait "$pid" || fail "the appends beside the copy failed"
	# What was copied is the source's prefix of that size, to the byte and root.
	assert_equal "$(sl-prove -L "$D" --head | jq -r .root)" "$(root_at "$size")"
	run -0 sl-verify -L "$D" -q
	run -0 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$(jq -c '[.from, .entries]' <<<"$output")" "[$size,22016]"
	assert_equal "$(state_of "$D")" "$(state_of "$L")"
}

@test "I/O failures (libfiu) mid-copy: exit 111 each time, the destination verifies, and a last run finishes it" {
	require_cmd fiu-run
	if ldd "$(command -v sl-copy)" 2>/dev/null | grep -q libasan; then
		skip "libfiu's POSIX preload cannot run beside AddressSanitizer"
	fi
	run -0 sl-copy "$L" "$D"
	"$SL_SRCDIR/build/bench/gen" 3000 2>/dev/null | sl-append >/dev/null || fail "append failed"
	sl-checkpoint >/dev/null
	printf 'artifact three\n' | sl-artifact put - >/dev/null
	run -0 sl-copy "$L" "$BATS_TEST_TMPDIR/whole"
	# Writes, syncs, opens, maps and reads other than SQLite's pread (which it
	# may take for corruption, exit 100: t/7010-faults-append.bats).
	local k rc failed=0 p cmds
	for k in $(seq 1 12); do
		rc=0
		cmds=()
		for p in posix/io/rw/pwrite posix/io/sync/fdatasync posix/io/sync/fsync posix/io/oc/open \
			posix/io/oc/close posix/io/rw/ftruncate posix/mm/mmap posix/io/rw/read posix/io/rw/write \
			posix/io/dir/rename; do
			cmds+=(-c "enable_random name=$p,probability=0.003,failinfo=$((k % 2 ? 5 : 28))")
		done
		fiu-run -x "${cmds[@]}" \
			sl-copy --batch 200 "$L" "$D" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || rc=$?
		[[ $rc == 0 || $rc == 111 ]] || fail "run $k: exit $rc: $(cat "$BATS_TEST_TMPDIR/err")"
		if ((rc == 111)); then
			failed=$((failed + 1))
			assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" ""
			grep -Eq "^sl-copy: fatal: unable to .+" "$BATS_TEST_TMPDIR/err" ||
				fail "run $k: $(cat "$BATS_TEST_TMPDIR/err")"
		fi
		run -0 sl-verify -L "$D" -q
	done
	echo "# I/O faults: $failed of 12 runs exited 111" >&3
	((failed > 0)) || fail "no run met a failure"
	run -0 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$(dump_of "$D")" "$(dump_of "$BATS_TEST_TMPDIR/whole")"
}

@test "a damaged source stops the copy with exit 100, naming the seq" {
	tamper_entry 14
	run -100 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-copy: fatal: unable to copy to '$D': seq 14: stored entry does not match its leaf hash"
}

@test "a source checkpoint that does not verify stops the copy before anything is written (exit 100)" {
	run -0 sl-copy "$L" "$D"
	append_n 2 new
	sl-checkpoint >/dev/null
	# The signed size no longer matches the signature.
	tamper checkpoint-replace 3 note $'\n18\n' $'\n17\n' || fail "unable to change checkpoint 3"
	[[ $(tamper checkpoint-get 3 note) == *$'\n17\n'* ]] || fail "checkpoint 3 was not changed"
	local before
	before=$(dump_of "$D")
	run -100 --separate-stderr sl-copy "$L" "$D"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-copy: fatal: unable to copy to '$D': the source's checkpoint 3: the checkpoint does not verify with its verifier keys"
	assert_equal "$(dump_of "$D")" "$before"
}

@test "usage: two operands, -h on stdout, a missing source, a destination that is no ledger" {
	run -2 --separate-stderr sl-copy "$L"
	assert_regex "$stderr" "^sl-copy: usage: SRC and DST are needed"
	run -2 --separate-stderr sl-copy "$L" "$D" extra
	assert_regex "$stderr" "only SRC and DST are taken"
	run -2 --separate-stderr sl-copy -L "$L" "$D"
	run -2 --separate-stderr sl-copy --batch 0 "$L" "$D"
	run -0 --separate-stderr sl-copy -h
	assert_line --index 0 "usage: sl-copy [-q] [--progress] [--batch N] [-o json|text] SRC DST"
	assert_equal "$stderr" ""
	run -100 --separate-stderr sl-copy "$BATS_TEST_TMPDIR/none" "$D"
	assert_regex "$stderr" "no ledger at '$BATS_TEST_TMPDIR/none'"
	[[ ! -e $D ]] || fail "a destination was made for a missing source"
	mkdir "$D" && echo x >"$D/file"
	run -100 --separate-stderr sl-copy "$L" "$D"
	assert_regex "$stderr" "^sl-copy: fatal: unable to open ledger '$D'"
}

@test "-q prints nothing, -o text one line, --progress counts on stderr" {
	run -0 --separate-stderr sl-copy -q "$L" "$D"
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	append_n 2 more
	run -0 --separate-stderr env SL_COLOR=never SL_PROGRESS_INTERVAL=0 sl-copy -o text --progress --batch 1 "$L" "$D"
	assert_regex "$output" "^copied 2 of 18 entries, 0 of 2 checkpoints, 0 of 2 artifacts; same root at 3 sizes, root [0-9a-f]{12}$"
	assert_regex "${stderr_lines[-1]}" "^sl-copy: 2 entries copied in "
	assert_regex "$stderr" "^sl-copy: 1/2 entries copied \\(50%\\), "
}

@test "a PostgreSQL address on either side: its password is never printed" {
	run -111 --separate-stderr sl-copy "$L" 'postgresql://app:Hunter2secret@db.example/ledger'
	assert_regex "$stderr" "postgresql://app:\\*\\*\\*@db.example/ledger"
	run -111 --separate-stderr sl-copy 'postgres://db.example/l?password=Hunter2secret' "$D"
	assert_regex "$stderr" "password=\\*\\*\\*"
	[[ $output$stderr != *Hunter2secret* ]] || fail "the password was printed"
	[[ ! -e $D ]] || fail "a destination was made"
}
