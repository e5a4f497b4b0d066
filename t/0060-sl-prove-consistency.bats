#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-prove: consistency proofs between every pair of sizes of a 13-entry
# ledger, checked offline with sl-prove --check --old-root --root.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
	append_n 13 e
	P="$BATS_TEST_TMPDIR/proof.json"
}

@test "sl-prove --from M --to N prints a consistency proof in the documented shape" {
	run -0 --separate-stderr sl-prove --from 5 --to 13
	assert_equal "$stderr" ""
	assert_regex "$output" "^\\{\"type\":\"consistency\",\"from\":5,\"to\":13,\"from_root\":\"$HEX64_RE\",\"to_root\":\"$HEX64_RE\",\"proof\":\\[(\"$HEX64_RE\",)*\"$HEX64_RE\"\\]\\}\$"
	assert_equal "$(jq -r .from_root <<<"$output")" "$(root_at 5)"
	assert_equal "$(jq -r .to_root <<<"$output")" "$(root_at 13)"
}

@test "consistency proofs for all 0 < m <= n <= 13 verify with --old-root and --root" {
	local m n roots=("$EMPTY_ROOT")
	for n in $(seq 1 13); do
		roots+=("$(root_at "$n")")
	done
	for n in $(seq 1 13); do
		for m in $(seq 1 "$n"); do
			sl-prove --from "$m" --to "$n" >"$P" || fail "sl-prove --from $m --to $n failed"
			assert_equal "$(jq -c '[.from, .to]' "$P")" "[$m,$n]"
			run -0 --separate-stderr sl-prove --check --old-root "${roots[m]}" --root "${roots[n]}" --from "$m" --to "$n" <"$P"
			assert_equal "$output" "{\"verified\":true,\"type\":\"consistency\",\"from\":$m,\"to\":$n,\"from_root\":\"${roots[m]}\",\"to_root\":\"${roots[n]}\"}"
			assert_equal "$stderr" ""
		done
	done
}

@test "a consistency proof from m to m is empty and needs equal roots" {
	sl-prove --from 7 --to 7 >"$P"
	assert_equal "$(jq -c .proof "$P")" '[]'
	run -0 sl-prove --check --old-root "$(root_at 7)" --root "$(root_at 7)" <"$P"
	run -1 --separate-stderr sl-prove --check --old-root "$(root_at 7)" --root "$(root_at 8)" <"$P"
	assert_equal "$output" '{"verified":false}'
}

@test "a consistency proof with one hash altered does not verify" {
	sl-prove --from 5 --to 13 >"$P"
	local n k
	n=$(jq '.proof | length' "$P")
	((n > 0)) || fail "empty proof"
	for ((k = 0; k < n; k++)); do
		jq -c --argjson i "$k" '.proof[$i] as $h |
			.proof[$i] = ((if ($h | startswith("0")) then "1" else "0" end) + ($h | .[1:]))' "$P" >"$P.bad"
		assert_not_equal "$(jq -r ".proof[$k]" "$P.bad")" "$(jq -r ".proof[$k]" "$P")"
		run -1 --separate-stderr sl-prove --check --old-root "$(root_at 5)" --root "$(root_at 13)" <"$P.bad"
		assert_equal "$output" '{"verified":false}'
		assert_regex "$stderr" '^sl-prove: '
	done
}

@test "a consistency proof checked against wrong roots does not verify" {
	sl-prove --from 5 --to 13 >"$P"
	run -1 --separate-stderr sl-prove --check --old-root "$(root_at 4)" --root "$(root_at 13)" <"$P"
	assert_equal "$output" '{"verified":false}'
	run -1 --separate-stderr sl-prove --check --old-root "$(root_at 5)" --root "$(root_at 12)" <"$P"
	assert_equal "$output" '{"verified":false}'
	# Roots swapped.
	run -1 --separate-stderr sl-prove --check --old-root "$(root_at 13)" --root "$(root_at 5)" <"$P"
	assert_equal "$output" '{"verified":false}'
	# The roots inside the proof are not trusted.
	jq -c --arg r "$(root_at 4)" '.from_root = $r' "$P" >"$P.bad"
	run -1 --separate-stderr sl-prove --check --old-root "$(root_at 4)" --root "$(root_at 13)" <"$P.bad"
	assert_equal "$output" '{"verified":false}'
}

@test "a consistency proof truncated, extended or moved to other sizes does not verify" {
	sl-prove --from 5 --to 13 >"$P"
	jq -c '.proof |= .[:-1]' "$P" >"$P.bad"
	run -1 --separate-stderr sl-prove --check --old-root "$(root_at 5)" --root "$(root_at 13)" <"$P.bad"
	assert_equal "$output" '{"verified":false}'
	jq -c --arg h "$H64" '.proof += [$h]' "$P" >"$P.bad"
	run -1 --separate-stderr sl-prove --check --old-root "$(root_at 5)" --root "$(root_at 13)" <"$P.bad"
	assert_equal "$output" '{"verified":false}'
	jq -c '.from = 6' "$P" >"$P.bad"
	run -1 --separate-stderr sl-prove --check --old-root "$(root_at 5)" --root "$(root_at 13)" <"$P.bad"
	assert_equal "$output" '{"verified":false}'
}

@test "a consistency proof with from 0 in its JSON is refused" {
	sl-prove --from 5 --to 13 >"$P"
	jq -c '.from = 0 | .proof = []' "$P" >"$P.bad"
	run --separate-stderr sl-prove --check --old-root "$EMPTY_ROOT" --root "$(root_at 13)" <"$P.bad"
	[[ $status -eq 1 || $status -eq 100 ]] || fail "exit $status, want 1 or 100"
	refute_output --partial '"verified":true'
}

@test "a consistency proof still verifies after the log grows, and extends to the new size" {
	sl-prove --from 4 --to 9 >"$P"
	local r4 r9
	r4=$(root_at 4)
	r9=$(root_at 9)
	append_n 7 later
	run -0 sl-prove --check --old-root "$r4" --root "$r9" <"$P"
	sl-prove --from 9 --to 20 >"$P"
	run -0 sl-prove --check --old-root "$r9" --root "$(root_at 20)" <"$P"
}
