#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-verify --key: checkpoints are checked against keys the caller trusts.
# The verifier key stored beside each checkpoint comes from the database
# being verified, so whoever can write the database can sign checkpoints
# with a key of their own and store it there: without --key that still
# verifies (and the report says the keys were found in the ledger); with
# --key it does not.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	sl_setup
	require_cmd jq
	unset SL_KEY
	init_ledger
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	EVIL=$(sl-keygen -o "$BATS_TEST_TMPDIR/evil.key") || fail "sl-keygen failed"
	append_n 3 a
	sl-checkpoint >/dev/null
	append_n 3 b
	sl-checkpoint >/dev/null
	# The same head again, signed anyway: two checkpoints of one size.
	sl-checkpoint --force >/dev/null
}

@test "without --key: every key is reported as found in the ledger (trusted:false), with the checkpoints it signed" {
	run -0 --separate-stderr sl-verify
	assert_equal "$output" "{\"verified\":true,\"size\":6,\"root\":\"$(root_at 6)\",\"checkpoints\":3,\"keys\":[{\"vkey\":\"$VKEY\",\"trusted\":false,\"checkpoints\":[[1,3]]}]}"
	assert_equal "$stderr" ""
}

@test "--key VKEY: the checkpoints it signed are reported as trusted" {
	run -0 --separate-stderr sl-verify --key "$VKEY"
	assert_equal "$output" "{\"verified\":true,\"size\":6,\"root\":\"$(root_at 6)\",\"checkpoints\":3,\"keys\":[{\"vkey\":\"$VKEY\",\"trusted\":true,\"checkpoints\":[[1,3]]}]}"
	assert_equal "$stderr" ""
	# The same key twice is reported once.
	run -0 sl-verify --key "$VKEY" --key "$VKEY"
	assert_equal "$(jq -c '[.keys[] | .checkpoints]' <<<"$output")" '[[[1,3]]]'
}

@test "a checkpoint signed with another key verifies only without --key; --key names it (exit 1)" {
	sl-checkpoint -k "$BATS_TEST_TMPDIR/evil.key" >/dev/null
	run -0 sl-verify
	assert_equal "$(jq -c --arg k "$VKEY" '[.keys[] | [.vkey == $k, .trusted, .checkpoints]]' <<<"$output")" '[[true,false,[[1,3]]],[false,false,[[4,4]]]]'
	run -1 --separate-stderr sl-verify --key "$VKEY"
	assert_equal "$(jq -c '[.verified, .checkpoint]' <<<"$output")" '[false,4]'
	assert_equal "$stderr" "sl-verify: checkpoint 4: not signed by any of the trusted keys: the ledger names its signer 'test.example/log'"
	# Both keys given (a rotation): each covers its own checkpoints.
	run -0 sl-verify --key "$EVIL" --key "$VKEY"
	assert_equal "$(jq -c --arg k "$EVIL" '[.keys[] | [.vkey == $k, .trusted, .checkpoints]]' <<<"$output")" '[[true,true,[[4,4]]],[false,true,[[1,3]]]]'
}

@test "a stored checkpoint re-signed behind the ledger's back, its key replaced in the database: exit 0 without --key, 1 with it" {
	# The forger signs the same head (size 6) with a key of their own in a
	# copy, and writes that note and key over checkpoint 3.
	cp -r "$L" "$BATS_TEST_TMPDIR/copy"
	sl-checkpoint -L "$BATS_TEST_TMPDIR/copy" -k "$BATS_TEST_TMPDIR/evil.key" >/dev/null
	tamper checkpoint-copy "$BATS_TEST_TMPDIR/copy" 4 3
	assert_equal "$(tamper checkpoint-get 3 vkey)" "$EVIL"
	# Every check against what the database holds still passes...
	run -0 --separate-stderr sl-verify
	assert_equal "$(jq -c --arg k "$EVIL" '[.keys[] | [.vkey == $k, .trusted, .checkpoints]]' <<<"$output")" '[[false,false,[[1,2]]],[true,false,[[3,3]]]]'
	# ... and the key the caller trusts does not.
	run -1 --separate-stderr sl-verify --key "$VKEY"
	assert_equal "$(jq -c '[.verified, .checkpoint]' <<<"$output")" '[false,3]'
	assert_regex "$stderr" "^sl-verify: checkpoint 3: not signed by any of the trusted keys"
	run -1 --separate-stderr sl-verify -q --key "$VKEY"
	assert_equal "$output" ""
}

@test "--key with no checkpoints: verified, the key covers none" {
	tamper checkpoints-delete
	run -0 --separate-stderr sl-verify --key "$VKEY"
	assert_equal "$output" "{\"verified\":true,\"size\":6,\"root\":\"$(root_at 6)\",\"checkpoints\":0,\"keys\":[{\"vkey\":\"$VKEY\",\"trusted\":true,\"checkpoints\":[]}]}"
}

@test "--key that is not a verifier key is a usage error (exit 2)" {
	local bad
	for bad in '' 'nope' "${VKEY}x" "${VKEY%+*}+AAAA"; do
		run -2 --separate-stderr sl-verify --key "$bad"
		assert_equal "$output" ""
		assert_regex "$stderr" "^sl-verify: usage: --key: "
	done
	run -2 sl-verify --key
}
