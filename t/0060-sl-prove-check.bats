#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-prove --check proves what the caller names, not what the proof claims:
# an RFC 9162 inclusion proof binds its seq and size only to a root whose
# size is known, so a proof relabelled to another (seq, size) can still
# hash to the trusted root.  The pins (--entry's own seq, --seq, --size,
# --from, --to) refuse such a proof, and the output says what held.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
	append_n 13 e
	P="$BATS_TEST_TMPDIR/proof.json"
	E="$BATS_TEST_TMPDIR/entry"
	R5=$(root_at 5)
	# Entry 4 in the tree of 5 has one sibling, the root of entries 0..3;
	# entry 2 in the tree of 3 has one sibling too, on the same side.  So
	# the proof of 4 in 5, relabelled "seq 2 of 3", still hashes to R5.
	sl-prove --seq 4 --size 5 >"$P"
	jq -c '.seq = 2 | .size = 3' "$P" >"$P.relabelled"
	sl-get 4 >"$E"
}

@test "the relabelled proof really hashes to the trusted root (the attack the pins stop)" {
	run -0 --separate-stderr sl-prove --check --root "$R5" <"$P.relabelled"
	# Unpinned, the proof's seq and size are not bound: null, and said on stderr.
	assert_equal "$output" "{\"verified\":true,\"type\":\"inclusion\",\"seq\":null,\"size\":null,\"leaf_hash\":\"$(leaf_hash_of 4)\",\"root\":\"$R5\"}"
	assert_equal "$stderr" "sl-prove: note: the proof's seq 2 and size 3 are its own claims; --size (the size of the tree whose root you trust) binds them"
	# --seq alone does not bind them either: a proof of 2 of 3 relabels as 4 of 5.
	sl-prove --seq 2 --size 3 | jq -c '.seq = 4 | .size = 5' >"$P.up"
	run -0 --separate-stderr sl-prove --check --root "$(root_at 3)" --seq 4 <"$P.up"
	assert_equal "$(jq -c '[.seq, .size]' <<<"$output")" '[null,null]'
	run -1 sl-prove --check --root "$(root_at 3)" --seq 4 --size 3 <"$P.up"
}

@test "a relabelled consistency proof (4 to 8 as 2 to 4): its sizes are null unless pinned" {
	sl-prove --from 4 --to 8 | jq -c '.from = 2 | .to = 4' >"$P.c"
	run -0 --separate-stderr sl-prove --check --old-root "$(root_at 4)" --root "$(root_at 8)" <"$P.c"
	assert_equal "$(jq -c '[.verified, .from, .to]' <<<"$output")" '[true,null,null]'
	assert_regex "$stderr" "^sl-prove: note: the proof's sizes 2 and 4 are its own claims"
	run -1 sl-prove --check --old-root "$(root_at 4)" --root "$(root_at 8)" --from 4 <"$P.c"
	run -1 sl-prove --check --old-root "$(root_at 4)" --root "$(root_at 8)" --to 8 <"$P.c"
}

@test "--entry FILE: a proof whose seq is not the entry's is refused (exit 1)" {
	run -1 --separate-stderr sl-prove --check --root "$R5" --entry "$E" <"$P.relabelled"
	assert_equal "$output" '{"verified":false}'
	assert_equal "$stderr" "sl-prove: inclusion proof does not verify: proof is for seq 2, but the entry records seq 4"
	# The true proof of the same entry verifies and says what it proved.
	run -0 --separate-stderr sl-prove --check --root "$R5" --size 5 --entry "$E" <"$P"
	assert_equal "$output" "{\"verified\":true,\"type\":\"inclusion\",\"seq\":4,\"size\":5,\"leaf_hash\":\"$(leaf_hash_of 4)\",\"root\":\"$R5\"}"
	assert_equal "$stderr" ""
}

@test "--seq N pins the seq: another seq does not verify (exit 1)" {
	run -1 --separate-stderr sl-prove --check --root "$R5" --seq 4 <"$P.relabelled"
	assert_equal "$output" '{"verified":false}'
	assert_equal "$stderr" "sl-prove: inclusion proof does not verify: proof is for seq 2, not 4"
	run -0 --separate-stderr sl-prove --check --root "$R5" --seq 4 --size 5 <"$P"
	assert_equal "$(jq -c '[.verified, .seq, .size]' <<<"$output")" '[true,4,5]'
	run -0 sl-prove --check --root "$R5" --seq 4 --size 5 --leaf-hash "$(leaf_hash_of 4)" <"$P"
}

@test "--size M pins the size the trusted root belongs to (exit 1 for the relabelled proof)" {
	run -1 --separate-stderr sl-prove --check --root "$R5" --size 5 <"$P.relabelled"
	assert_equal "$output" '{"verified":false}'
	assert_equal "$stderr" "sl-prove: inclusion proof does not verify: proof is for a tree of 3 entries, not 5"
	run -0 sl-prove --check --root "$R5" --size 5 <"$P"
}

@test "--from and --to pin a consistency proof's sizes" {
	local r13
	r13=$(root_at 13)
	sl-prove --from 5 --to 13 >"$P.c"
	run -0 --separate-stderr sl-prove --check --old-root "$R5" --root "$r13" --from 5 --to 13 <"$P.c"
	assert_equal "$output" "{\"verified\":true,\"type\":\"consistency\",\"from\":5,\"to\":13,\"from_root\":\"$R5\",\"to_root\":\"$r13\"}"
	run -1 --separate-stderr sl-prove --check --old-root "$R5" --root "$r13" --from 4 <"$P.c"
	assert_equal "$output" '{"verified":false}'
	assert_equal "$stderr" "sl-prove: consistency proof does not verify: proof is from a tree of 5 entries, not 4"
	run -1 --separate-stderr sl-prove --check --old-root "$R5" --root "$r13" --to 12 <"$P.c"
	assert_equal "$stderr" "sl-prove: consistency proof does not verify: proof is for a tree of 13 entries, not 12"
	run -1 sl-prove --check --old-root "$R5" --root "$r13" --size 12 <"$P.c"
}

@test "pins that do not fit the proof's kind are usage errors (exit 2)" {
	local r13
	r13=$(root_at 13)
	sl-prove --from 5 --to 13 >"$P.c"
	run -2 --separate-stderr sl-prove --check --old-root "$R5" --root "$r13" --entry "$E" <"$P.c"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-prove: usage: unable to check a consistency proof: "
	run -2 sl-prove --check --old-root "$R5" --root "$r13" --seq 4 <"$P.c"
	run -2 sl-prove --check --old-root "$R5" --root "$r13" --leaf-hash "$R5" <"$P.c"
	run -2 --separate-stderr sl-prove --check --root "$R5" --from 4 <"$P"
	assert_regex "$stderr" "^sl-prove: usage: unable to check an inclusion proof: "
	run -2 sl-prove --check --root "$R5" --old-root "$R5" <"$P"
	run -2 sl-prove --check --root "$R5" --size 5 --to 6 <"$P"
}

@test "--entry FILE that is not an entry with a seq is a data error (exit 100)" {
	printf 'not json\n' >"$E.bad"
	run -100 --separate-stderr sl-prove --check --root "$R5" --entry "$E.bad" <"$P"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-prove: fatal: unable to read the entry"
	jq -c 'del(.seq)' "$E" >"$E.bad"
	run -100 --separate-stderr sl-prove --check --root "$R5" --entry "$E.bad" <"$P"
	assert_regex "$stderr" "seq"
}
