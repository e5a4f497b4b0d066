#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Issue 16: sl-tiles export writes the log as C2SP tlog-tiles, checked by
# t/tiles-check.py, a reader written from the spec and RFC 6962 alone.

bats_require_minimum_version 1.5.0
load test_helper

setup_file() {
	need_bench_gen
}

setup() {
	ledger_setup jq python3
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	T="$BATS_TEST_TMPDIR/tiles"
	CHECK="$SL_SRCDIR/t/tiles-check.py"
}

# grow N: append the next N generated entries.
grow() {
	"$SL_SRCDIR/build/bench/gen" "$1" 2>/dev/null | sl-append >/dev/null || fail "append failed"
}

@test "a tree of 70,000: the spec's own example of full and partial tiles, read by an independent checker" {
	grow 70000
	sl-checkpoint >/dev/null
	run -0 sl-tiles export "$T"
	assert_equal "$(jq -c '[.size, .checkpoints, .kept]' <<<"$output")" '[70000,1,0]'
	# 273 full level-0 tiles, a partial one of width 112, one full level-1 tile, a partial
	# level-1 tile of width 17 and a partial level-2 tile of width 1 (tlog-tiles, "Partial Tiles").
	assert_equal "$(find "$T/tile/0" -type f | wc -l)" 274
	assert_equal "$(find "$T/tile/entries" -type f | wc -l)" 274
	[[ -f $T/tile/0/273.p/112 && -f $T/tile/entries/273.p/112 && -f $T/tile/1/000 ]]
	[[ -f $T/tile/1/001.p/17 && -f $T/tile/2/000.p/1 ]]
	assert_equal "$(stat -c %s "$T/tile/0/000")" 8192
	assert_equal "$(find "$T" -name '*.tmp' | wc -l)" 0
	# The checkpoint is the ledger's newest, and its signature holds.
	assert_equal "$(cat "$T/checkpoint")" "$(sl-checkpoint --latest)"
	run -0 sl-checkpoint verify --key "$VKEY" <"$T/checkpoint"
	# Every bundle hashes to its tile, every upper tile to the tiles below, the leaves to the root;
	# and the inclusion proofs computed from the tiles are sl-prove's.
	run -0 python3 "$CHECK" "$T" 0 255 256 65535 65536 69999
	local s
	for s in 0 255 256 65535 65536 69999; do
		assert_equal "$(jq -c "select(.seq == $s) | [.root, .proof]" <<<"$output")" \
			"$(sl-prove --seq "$s" | jq -c '[.root, .proof]')"
	done
}

@test "run again after each checkpoint: full tiles kept, the new size's partial tiles added, the old ones left" {
	grow 300
	sl-checkpoint >/dev/null
	run -0 sl-tiles export "$T"
	[[ -f $T/tile/0/001.p/44 && -f $T/tile/1/000.p/1 ]]
	local first
	first=$(stat -c %Y.%i "$T/tile/0/000")
	grow 300
	sl-checkpoint >/dev/null
	run -0 sl-tiles export "$T"
	assert_equal "$(jq -c '[.size, .checkpoints]' <<<"$output")" '[600,2]'
	(($(jq .kept <<<"$output") >= 4)) || fail "kept nothing: $output"
	assert_equal "$(stat -c %Y.%i "$T/tile/0/000")" "$first"
	[[ -f $T/tile/0/001.p/44 && -f $T/tile/0/002.p/88 && -f $T/tile/1/000.p/2 ]]
	run -0 python3 "$CHECK" "$T" 599
	# A tile changed behind its back is found by the reader (the checker can fail).
	flip_bit "$T/tile/0/001" 5
	run -1 python3 "$CHECK" "$T"
	assert_output --partial "does not hash to its level-0 tile"
}

@test "no checkpoint is exit 1; another log's tiles or a larger checkpoint in OUTDIR are refused (100)" {
	grow 10
	run -1 --separate-stderr sl-tiles export "$T"
	assert_equal "$stderr" "sl-tiles: fatal: unable to export tiles to '$T': the ledger has no checkpoint: sign one with sl-checkpoint"
	sl-checkpoint >/dev/null
	run -0 sl-tiles export "$T"
	# Another log's directory.
	local other="$BATS_TEST_TMPDIR/other"
	sl-init -L "$other" --origin other.example/log >/dev/null
	SL_LEDGER=$other sl-keygen >/dev/null
	printf '%s\n' '{"type":"x-a","source":"s","payload":{}}' | SL_LEDGER=$other sl-append >/dev/null
	SL_LEDGER=$other sl-checkpoint >/dev/null
	run -100 --separate-stderr env SL_LEDGER="$other" sl-tiles export "$T"
	assert_regex "$stderr" "holds the tiles of another log"
	# A checkpoint beyond this ledger's newest (a fork, or another copy ahead of it).
	grow 10
	sl-checkpoint >/dev/null
	run -0 sl-tiles export "$BATS_TEST_TMPDIR/ahead"
	cp "$BATS_TEST_TMPDIR/ahead/checkpoint" "$T/checkpoint"
	local small="$BATS_TEST_TMPDIR/small"
	cp -r "$L" "$small"
	"$SL_SRCDIR/t/tamper" "$small" checkpoints-delete 2
	run -100 --separate-stderr env SL_LEDGER="$small" sl-tiles export "$T"
	assert_regex "$stderr" "beyond this ledger's newest checkpoint"
	run -2 sl-tiles export
	run -2 sl-tiles frobnicate "$T"
}

@test "sl-prove --tiles: the same proofs and roots as sl-prove from the ledger, from the tiles alone, tied to the signed checkpoint" {
	grow 300
	sl-checkpoint >/dev/null
	grow 300
	sl-checkpoint >/dev/null
	run -0 sl-tiles export "$T"
	local a
	for a in "--seq 0" "--seq 299" "--seq 599" "--seq 5 --size 300" "--from 1 --to 600" \
		"--from 300 --to 600" "--from 257 --to 300" "--head" "--head --size 300"; do
		# shellcheck disable=SC2086
		assert_equal "$(sl-prove --tiles "$T" --key "$VKEY" $a)" "$(sl-prove $a)"
	done
	# A proof from the tiles verifies against the checkpoint's root, with the entry from the ledger.
	sl-get 42 >"$BATS_TEST_TMPDIR/e42"
	run -0 sl-prove --check --root "$(sl-checkpoint verify --key "$VKEY" <"$T/checkpoint" | jq -r .root)" \
		--size 600 --entry "$BATS_TEST_TMPDIR/e42" < <(sl-prove --tiles "$T" --seq 42)
	# Another key: the checkpoint does not hold.
	local other
	other=$(sl-keygen -o "$BATS_TEST_TMPDIR/other.key") || fail "sl-keygen failed"
	run -1 --separate-stderr sl-prove --tiles "$T" --key "$other" --seq 1
	assert_regex "$stderr" "not signed by the key"
	# A size with no checkpoint has no partial tiles.
	run -100 --separate-stderr sl-prove --tiles "$T" --seq 1 --size 400
	assert_regex "$stderr" "a partial tile exists only for a checkpointed size"
	# A hash changed in an upper tile: the root is no longer the checkpoint's.
	cp "$T/tile/1/000.p/2" "$BATS_TEST_TMPDIR/keep"
	flip_bit "$T/tile/1/000.p/2" 40
	run -1 --separate-stderr sl-prove --tiles "$T" --seq 1
	assert_regex "$stderr" "do not give the root of their checkpoint"
	# A truncated tile is not taken for a shorter one.
	head -c 40 "$BATS_TEST_TMPDIR/keep" >"$T/tile/1/000.p/2"
	run -100 --separate-stderr sl-prove --tiles "$T" --seq 1
	assert_regex "$stderr" "is not 2 hashes"
	run -2 sl-prove --tiles "$T" -L "$L" --seq 1
	run -2 sl-prove --key "$VKEY" --seq 1
}

@test "sl-prove --tiles of a tree of one entry: the errors count in the singular" {
	grow 1
	sl-checkpoint >/dev/null
	run -0 sl-tiles export "$T"
	run -1 --separate-stderr sl-prove --tiles "$T" --seq 0 --size 2
	assert_equal "$stderr" "sl-prove: fatal: unable to prove: the tiles' checkpoint is of 1 entry, not 2"
	run -1 --separate-stderr sl-prove --tiles "$T" --seq 1
	assert_regex "$stderr" "seq 1 is not in a tree of 1 entry$"
}
