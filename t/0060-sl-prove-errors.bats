#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-prove: sizes outside the tree, malformed proofs and usage errors.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
	append_n 13 e
	P="$BATS_TEST_TMPDIR/proof.json"
	R13=$(root_at 13)
}

# check_malformed FILE: --check refuses it as malformed (exit 100), prints nothing.
check_malformed() {
	run -100 --separate-stderr sl-prove --check --root "$R13" <"$1"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-prove: fatal: '
}

@test "--seq beyond the tree: exit 1, nothing on stdout" {
	local s
	for s in 13 14 1000; do
		run -1 --separate-stderr sl-prove --seq "$s"
		assert_equal "$output" ""
		assert_regex "$stderr" '^sl-prove: fatal: '
	done
}

@test "--seq not below --size: exit 1" {
	run -1 --separate-stderr sl-prove --seq 5 --size 5
	assert_equal "$output" ""
	run -1 --separate-stderr sl-prove --seq 0 --size 0
	assert_equal "$output" ""
}

@test "--size beyond the tree (with --seq or --head): exit 1" {
	run -1 --separate-stderr sl-prove --seq 3 --size 14
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-prove: fatal: '
	run -1 --separate-stderr sl-prove --head --size 14
	assert_equal "$output" ""
}

@test "--to beyond the tree: exit 1" {
	run -1 --separate-stderr sl-prove --from 3 --to 14
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-prove: fatal: '
}

@test "--from above --to is a usage error (exit 2)" {
	run -2 --separate-stderr sl-prove --from 4 --to 3
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-prove: usage: '
}

@test "--from 0 is a usage error (exit 2)" {
	run -2 --separate-stderr sl-prove --from 0 --to 3
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-prove: usage: '
}

@test "--check without --root is a usage error (exit 2)" {
	sl-prove --seq 3 >"$P"
	run -2 --separate-stderr sl-prove --check <"$P"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-prove: usage: '
	sl-prove --from 3 --to 5 >"$P"
	run -2 --separate-stderr sl-prove --check --old-root "$(root_at 3)" <"$P"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-prove: usage: '
}

@test "--check of a consistency proof without --old-root is a usage error (exit 2)" {
	sl-prove --from 3 --to 5 >"$P"
	run -2 --separate-stderr sl-prove --check --root "$(root_at 5)" <"$P"
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-prove: .*old-root'
}

@test "--root, --old-root, --leaf-hash that are not 64 hex digits are usage errors" {
	sl-prove --seq 3 >"$P"
	local h
	for h in '' xyz "${R13:0:63}" "${R13}0" "${R13:0:62}zz"; do
		run -2 --separate-stderr sl-prove --check --root "$h" <"$P"
		assert_equal "$output" ""
		assert_regex "$stderr" '^sl-prove: usage: '
		run -2 --separate-stderr sl-prove --check --root "$R13" --leaf-hash "$h" <"$P"
		assert_equal "$output" ""
	done
}

@test "usage: no mode, two modes, --to without --from, old size past size, checking options without --check" {
	local args
	# --from alone is --old-size alone: consistency up to the current size.
	for args in '' '--seq 1 --head' '--seq 1 --from 1 --to 2' '--head --from 1 --to 2' \
		'--old-size 3 --size 2' '--to 2' '--from 1 --to 2 --size 3' '--size 3' 'head --seq 1' \
		"--seq 1 --root $R13" "--head --leaf-hash $R13" '--seq 1 --entry /dev/null' \
		'--seq' '--seq abc' '--seq -1' '--size x --head' '--bogus' '--seq 1 extra'; do
		# shellcheck disable=SC2086
		run -2 --separate-stderr sl-prove $args
		assert_equal "$output" ""
		assert_regex "$stderr" '(^|'$'\n'')sl-prove: usage: '
	done
}

@test "usage: --check with ledger options (--seq, --size, --from, --to are pins there), or with both --leaf-hash and --entry" {
	sl-prove --seq 3 >"$P"
	sl-get 3 >"$BATS_TEST_TMPDIR/entry"
	local args
	for args in "--head" "-L $L" "--size 13 --to 12" \
		"--leaf-hash $(leaf_hash_of 3) --entry $BATS_TEST_TMPDIR/entry"; do
		# shellcheck disable=SC2086
		run -2 --separate-stderr sl-prove --check --root "$R13" $args <"$P"
		assert_equal "$output" ""
		assert_regex "$stderr" '^sl-prove: usage: '
	done
}

@test "malformed proof JSON is a data error (exit 100)" {
	printf '{"type":"inclusion","seq":3' >"$P"
	check_malformed "$P"
	printf 'not json\n' >"$P"
	check_malformed "$P"
	: >"$P"
	check_malformed "$P"
	printf '[1,2,3]\n' >"$P"
	check_malformed "$P"
}

@test "a proof with a wrong or missing member is a data error (exit 100)" {
	sl-prove --seq 3 >"$P"
	local f
	for f in '.type = "other"' 'del(.type)' 'del(.seq)' 'del(.size)' 'del(.proof)' 'del(.root)' \
		'del(.leaf_hash)' '.seq = -1' '.seq = "3"' '.size = 1.5' '.proof = "abc"' '.proof[0] = "abc"' \
		'.proof[0] = 7' '.leaf_hash = "00"' '.extra = 1'; do
		jq -c "$f" "$P" >"$P.bad"
		check_malformed "$P.bad"
	done
}

@test "a proof with duplicate members is a data error (exit 100)" {
	sl-prove --seq 3 >"$P"
	sed 's/^{/{"seq":4,/' "$P" >"$P.bad"
	check_malformed "$P.bad"
}

@test "--entry FILE that does not exist is an error, not a verification" {
	sl-prove --seq 3 >"$P"
	run --separate-stderr sl-prove --check --root "$R13" --entry "$BATS_TEST_TMPDIR/nope" <"$P"
	[[ $status -eq 100 || $status -eq 111 ]] || fail "exit $status, want 100 or 111"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-prove: fatal: unable to .*'$BATS_TEST_TMPDIR/nope'"
}

@test "sl-prove with a missing ledger exits 100" {
	run -100 --separate-stderr sl-prove -L "$BATS_TEST_TMPDIR/nope" --head
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-prove: fatal: unable to open ledger '$BATS_TEST_TMPDIR/nope': .*sl-init"
}

@test "--check needs no ledger" {
	sl-prove --seq 3 >"$P"
	run -0 --separate-stderr env SL_LEDGER="$BATS_TEST_TMPDIR/nope" sl-prove --check --root "$R13" --size 13 <"$P"
	assert_regex "$output" '^\{"verified":true,"type":"inclusion","seq":3,"size":13,'
}

@test "sl-prove -h prints the usage on stdout, --version the version" {
	run -0 --separate-stderr sl-prove -h
	assert_line --index 0 --regexp '^usage: sl-prove '
	assert_output --partial -- '--check'
	assert_equal "$stderr" ""
	run -0 --separate-stderr sl-prove --version
	assert_regex "$output" '^sl-prove [0-9]+\.[0-9]+\.[0-9]+'
}

@test "--check --size pins the trusted size: a proof for another size does not verify" {
	sl-prove --seq 5 --size 12 >"$P"
	local r12
	r12=$(root_at 12)
	run -0 --separate-stderr sl-prove --check --root "$r12" --size 12 <"$P"
	assert_regex "$output" '^\{"verified":true,"type":"inclusion","seq":[0-9]+,"size":[0-9]+,'
	assert_equal "$stderr" ""
	# The same proof, its size edited to 13, against the size-13 root and size.
	jq -c '.size = 13' "$P" >"$P.13"
	run -1 --separate-stderr sl-prove --check --root "$R13" --size 12 <"$P.13"
	assert_equal "$output" '{"verified":false}'
	assert_regex "$stderr" '^sl-prove: inclusion proof does not verify: proof is for a tree of 13 entries, not 12$'
}
