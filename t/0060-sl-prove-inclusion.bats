#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-prove: inclusion proofs for every entry of a 13-entry ledger, at every
# size that holds it, checked offline with sl-prove --check.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
	append_n 13 e
	P="$BATS_TEST_TMPDIR/proof.json"
}

@test "sl-prove --head: the size and root of the whole log, as sl-verify reports them" {
	run -0 --separate-stderr sl-prove --head
	assert_regex "$output" "^\\{\"size\":13,\"root\":\"$HEX64_RE\"\\}\$"
	assert_equal "$stderr" ""
	assert_equal "$(jq -r .root <<<"$output")" "$(sl-verify | jq -r .root)"
}

@test "sl-prove --head --size M for M = 0..13; the tree of one entry has its leaf hash as root" {
	run -0 sl-prove --head --size 0
	assert_equal "$output" "{\"size\":0,\"root\":\"$EMPTY_ROOT\"}"
	run -0 sl-prove --head --size 1
	assert_equal "$(jq -r .root <<<"$output")" "$(leaf_hash_of 0)"
	local m roots=()
	for m in $(seq 1 13); do
		run -0 sl-prove --head --size "$m"
		assert_regex "$output" "^\\{\"size\":$m,\"root\":\"$HEX64_RE\"\\}\$"
		roots+=("$(jq -r .root <<<"$output")")
	done
	# Thirteen different roots.
	assert_equal "$(printf '%s\n' "${roots[@]}" | sort -u | wc -l)" 13
}

@test "sl-prove --head --size 2 is SHA-256(0x01 || leaf0 || leaf1)" {
	local want
	local esc
	esc=$(printf '%s%s' "$(leaf_hash_of 0)" "$(leaf_hash_of 1)" | sed 's/../\\x&/g')
	# shellcheck disable=SC2059
	want=$({ printf '\1'; printf "$esc"; } | sha256sum | cut -d' ' -f1)
	run -0 sl-prove --head --size 2
	assert_equal "$(jq -r .root <<<"$output")" "$want"
}

@test "sl-prove --seq N prints an inclusion proof in the documented shape" {
	run -0 --separate-stderr sl-prove --seq 5
	assert_equal "$stderr" ""
	assert_regex "$output" "^\\{\"type\":\"inclusion\",\"seq\":5,\"size\":13,\"leaf_hash\":\"$HEX64_RE\",\"root\":\"$HEX64_RE\",\"proof\":\\[(\"$HEX64_RE\",)*\"$HEX64_RE\"\\]\\}\$"
	assert_equal "$(jq -r .leaf_hash <<<"$output")" "$(leaf_hash_of 5)"
	assert_equal "$(jq -r .root <<<"$output")" "$(root_at 13)"
	assert_equal "$(jq '.proof | length' <<<"$output")" 4
}

@test "every seq of a 13-entry ledger, at every size M > seq, verifies against the root of size M" {
	local m s root
	for m in $(seq 1 13); do
		root=$(root_at "$m")
		for s in $(seq 0 $((m - 1))); do
			sl-prove --seq "$s" --size "$m" >"$P" || fail "sl-prove --seq $s --size $m failed"
			assert_equal "$(jq -c '[.seq, .size]' "$P")" "[$s,$m]"
			run -0 --separate-stderr sl-prove --check --root "$root" --size "$m" <"$P"
			assert_equal "$output" "{\"verified\":true,\"type\":\"inclusion\",\"seq\":$s,\"size\":$m,\"leaf_hash\":\"$(leaf_hash_of "$s")\",\"root\":\"$root\"}"
			assert_equal "$stderr" ""
		done
	done
}

@test "every seq verifies with --entry FILE (sl-get's output) and with --leaf-hash (the receipt's)" {
	local m s root leaf
	for m in 1 5 8 13; do
		root=$(root_at "$m")
		for s in $(seq 0 $((m - 1))); do
			sl-prove --seq "$s" --size "$m" >"$P"
			sl-get "$s" >"$BATS_TEST_TMPDIR/entry"
			run -0 --separate-stderr sl-prove --check --root "$root" --size "$m" --entry "$BATS_TEST_TMPDIR/entry" <"$P"
			assert_equal "$(jq -c '[.verified, .seq, .size, .root]' <<<"$output")" "[true,$s,$m,\"$root\"]"
			leaf=$(jq -r "select(.seq == $s) | .leaf_hash" "$RECEIPTS")
			run -0 --separate-stderr sl-prove --check --root "$root" --size "$m" --leaf-hash "$leaf" <"$P"
			assert_equal "$(jq -c '[.verified, .seq, .size, .leaf_hash]' <<<"$output")" "[true,$s,$m,\"$leaf\"]"
		done
	done
}

@test "--entry FILE without the trailing newline verifies too" {
	sl-prove --seq 6 >"$P"
	sl-get 6 | head -c -1 >"$BATS_TEST_TMPDIR/entry"
	run -0 --separate-stderr sl-prove --check --root "$(root_at 13)" --size 13 --entry "$BATS_TEST_TMPDIR/entry" <"$P"
	assert_equal "$(jq -c '[.verified, .seq, .size]' <<<"$output")" '[true,6,13]'
}

@test "a proof with one hash altered does not verify: exit 1, {\"verified\":false}" {
	sl-prove --seq 5 >"$P"
	local n k
	n=$(jq '.proof | length' "$P")
	# (Not "i": bats 1.8's run assigns a global i.)
	for ((k = 0; k < n; k++)); do
		jq -c --argjson i "$k" '.proof[$i] as $h |
			.proof[$i] = ((if ($h | startswith("0")) then "1" else "0" end) + ($h | .[1:]))' "$P" >"$P.bad"
		assert_not_equal "$(jq -r ".proof[$k]" "$P.bad")" "$(jq -r ".proof[$k]" "$P")"
		assert_equal "$(jq -c "del(.proof[$k])" "$P.bad")" "$(jq -c "del(.proof[$k])" "$P")"
		run -1 --separate-stderr sl-prove --check --root "$(root_at 13)" <"$P.bad"
		assert_equal "$output" '{"verified":false}'
		assert_regex "$stderr" '^sl-prove: '
	done
}

@test "a proof checked against a wrong root does not verify" {
	sl-prove --seq 5 >"$P"
	run -1 --separate-stderr sl-prove --check --root "$(root_at 12)" <"$P"
	assert_equal "$output" '{"verified":false}'
	run -1 --separate-stderr sl-prove --check --root "$H64" <"$P"
	assert_equal "$output" '{"verified":false}'
	# The root inside the proof is not trusted: changing it changes nothing.
	jq -c --arg r "$(root_at 12)" '.root = $r' "$P" >"$P.bad"
	run -0 sl-prove --check --root "$(root_at 13)" <"$P.bad"
	run -1 sl-prove --check --root "$(root_at 12)" <"$P.bad"
}

@test "a proof checked with a wrong leaf (--entry or --leaf-hash of another entry) does not verify" {
	sl-prove --seq 5 >"$P"
	sl-get 6 >"$BATS_TEST_TMPDIR/entry6"
	run -1 --separate-stderr sl-prove --check --root "$(root_at 13)" --entry "$BATS_TEST_TMPDIR/entry6" <"$P"
	assert_equal "$output" '{"verified":false}'
	run -1 --separate-stderr sl-prove --check --root "$(root_at 13)" --leaf-hash "$(leaf_hash_of 6)" <"$P"
	assert_equal "$output" '{"verified":false}'
	# The entry with one byte changed.
	sl-get 5 | sed 's/"e5"/"e6"/' >"$BATS_TEST_TMPDIR/entry5x"
	run -1 --separate-stderr sl-prove --check --root "$(root_at 13)" --entry "$BATS_TEST_TMPDIR/entry5x" <"$P"
	assert_equal "$output" '{"verified":false}'
}

@test "a proof whose own leaf_hash was altered does not verify" {
	sl-prove --seq 5 >"$P"
	jq -c --arg l "$(leaf_hash_of 6)" '.leaf_hash = $l' "$P" >"$P.bad"
	run -1 --separate-stderr sl-prove --check --root "$(root_at 13)" <"$P.bad"
	assert_equal "$output" '{"verified":false}'
}

@test "a proof moved to another seq or size does not verify" {
	sl-prove --seq 5 >"$P"
	jq -c '.seq = 4' "$P" >"$P.bad"
	run -1 --separate-stderr sl-prove --check --root "$(root_at 13)" <"$P.bad"
	assert_equal "$output" '{"verified":false}'
	# (A size with the same proof shape, such as 12, gives the same root: the
	# trusted root, not the size in the proof, is what binds the tree.)
	jq -c '.size = 6' "$P" >"$P.bad"
	run -1 --separate-stderr sl-prove --check --root "$(root_at 13)" <"$P.bad"
	assert_equal "$output" '{"verified":false}'
	jq -c '.seq = 13' "$P" >"$P.bad"
	run -1 --separate-stderr sl-prove --check --root "$(root_at 13)" <"$P.bad"
	assert_equal "$output" '{"verified":false}'
}

@test "a truncated proof (a hash missing) or one with an extra hash does not verify" {
	sl-prove --seq 5 >"$P"
	jq -c '.proof |= .[:-1]' "$P" >"$P.bad"
	run -1 --separate-stderr sl-prove --check --root "$(root_at 13)" <"$P.bad"
	assert_equal "$output" '{"verified":false}'
	jq -c '.proof = []' "$P" >"$P.bad"
	run -1 --separate-stderr sl-prove --check --root "$(root_at 13)" <"$P.bad"
	assert_equal "$output" '{"verified":false}'
	jq -c --arg h "$H64" '.proof += [$h]' "$P" >"$P.bad"
	run -1 --separate-stderr sl-prove --check --root "$(root_at 13)" <"$P.bad"
	assert_equal "$output" '{"verified":false}'
}

@test "a proof stays valid for its size after the log grows" {
	sl-prove --seq 3 --size 7 >"$P"
	local r7
	r7=$(root_at 7)
	append_n 20 later
	run -0 sl-prove --check --root "$r7" <"$P"
	assert_equal "$(root_at 7)" "$r7"
	# A new proof of the same entry at the new size checks against the new root.
	sl-prove --seq 3 >"$P"
	run -0 sl-prove --check --root "$(root_at 33)" <"$P"
	assert_equal "$(jq .size "$P")" 33
}
