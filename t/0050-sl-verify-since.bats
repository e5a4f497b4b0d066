#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-verify --since-checkpoint: the newest checkpoint is checked, and only
# the entries after it are read; the tree it signed must be the stored one
# and everything after must extend it.  What the checkpoint covers is taken
# on trust, and the tests show that too.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	sl_setup
	require_cmd jq
	unset SL_KEY
	init_ledger
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	# 21 entries over 5 sources, a checkpoint at 21, then 12 more over 7 sources.
	local i
	for i in $(seq 0 20); do
		printf '{"type":"x-t","source":"s%d","payload":{"i":"a%d"}}\n' $((i % 5)) "$i"
	done >"$IN"
	append_file "$IN"
	sl-checkpoint >/dev/null
	for i in $(seq 0 11); do
		printf '{"type":"x-t","source":"s%d","payload":{"i":"b%d"}}\n' $((i % 7)) "$i"
	done >"$IN"
	append_file "$IN"
}

# expect_since_bad SEQ: --since-checkpoint exits 1 naming SEQ.
expect_since_bad() {
	run -1 --separate-stderr sl-verify --since-checkpoint
	assert_equal "$(jq -c '[.verified, .seq]' <<<"$output")" "[false,$1]"
	assert_regex "$stderr" "^sl-verify: seq $1: "
}

@test "an untouched ledger verifies from the checkpoint's size, with the full run's size and root" {
	run -0 --separate-stderr sl-verify --since-checkpoint --key "$VKEY"
	assert_equal "$output" "{\"verified\":true,\"size\":33,\"root\":\"$(root_at 33)\",\"from\":21,\"checkpoints\":1,\"keys\":[{\"vkey\":\"$VKEY\",\"trusted\":true,\"checkpoints\":[[1,1]]}]}"
	assert_equal "$stderr" ""
	run -0 sl-verify -q --since-checkpoint
}

@test "the newest checkpoint is the one used; with none, every entry is verified (from 0)" {
	sl-checkpoint >/dev/null
	run -0 sl-verify --since-checkpoint
	assert_equal "$(jq -c '[.from, .checkpoints, .keys[0].checkpoints]' <<<"$output")" '[33,1,[[2,2]]]'
	tamper checkpoints-delete
	run -0 sl-verify --since-checkpoint
	assert_equal "$(jq -c '[.from, .size]' <<<"$output")" '[0,33]'
	tamper entry-replace 3 '"a3"' '"a9"'
	expect_since_bad 3
}

@test "tampering after the checkpoint is found: an entry's bytes, a stored leaf, the last leaf, a node, the head" {
	tamper save "$BATS_TEST_TMPDIR/good"
	local edit step
	for edit in \
		"entry-replace 25 '\"b4\"' '\"b5\"'|25" \
		"leaf-set 21 zero|21" \
		"leaf-set 32 zero|32" \
		"entries-delete 30 31|30" \
		"entry-set 22 ts 2099-01-01T00:00:00.000000Z|22" \
		"entry-set 27 nth 'nth + 1'|27" \
		"entry-set 21 prev -1;entry-set 21 nth 0|28"; do
		# (the last: 21 may claim to be its source's first, s0's next entry 28 then disagrees)
		tamper restore "$BATS_TEST_TMPDIR/good"
		while read -r -d ';' step; do
			eval "tamper $step"
		done <<<"${edit%|*};"
		expect_since_bad "${edit#*|}"
	done
	tamper restore "$BATS_TEST_TMPDIR/good"
	tamper head-set root zero
	run -1 --separate-stderr sl-verify --since-checkpoint
	assert_regex "$stderr" "^sl-verify: .*root"
}

@test "the stored tree below the checkpoint must hash to its signed root: a subtree node changed is found" {
	# The tree of 21 = subtrees of 16, 4 and 1 leaves; damage the 16's root.
	local r16
	r16=$(root_at 16)
	tamper node-set "$r16" zero
	run -1 --separate-stderr sl-verify --since-checkpoint
	assert_equal "$(jq -c '.verified' <<<"$output")" false
	assert_regex "$stderr" "^sl-verify: checkpoint 1: "
	# The log cut back below the checkpoint's size is found too.
	tamper entries-delete 15
	run -1 sl-verify --since-checkpoint
}

@test "a stream whose first entry after the checkpoint links wrongly into the old entries is found" {
	# s0's entries: 0 5 10 15 20 | 21 28; link 21 to 15 (an s0 entry, but not the last).
	tamper entry-set 21 prev 15
	expect_since_bad 21
	tamper entry-set 21 prev 20
	run -0 sl-verify --since-checkpoint
	# Linked to an entry of another source.
	tamper entry-set 21 prev 19
	expect_since_bad 21
}

@test "a stream row of a source with no entry after the checkpoint must still name its last entry" {
	# A source whose only entry lies below the newest checkpoint: its row is checked by one read.
	printf '{"type":"x-t","source":"only-old","payload":{}}\n' >"$IN"
	append_file "$IN"
	sl-checkpoint >/dev/null
	run -0 sl-verify --since-checkpoint
	tamper stream-set only-old count 'count + 1'
	run -1 --separate-stderr sl-verify --since-checkpoint
	assert_regex "$stderr" "stream index: the row of x-t 'only-old'"
}

@test "what it does not check: an entry changed below the checkpoint passes --since-checkpoint, not a full run" {
	tamper entry-replace 3 '"a3"' '"a9"'
	run -0 sl-verify --since-checkpoint
	run -1 sl-verify
}

@test "--since-checkpoint with --key: a newest checkpoint by another key is refused" {
	sl-keygen -o "$BATS_TEST_TMPDIR/other.key" >/dev/null
	sl-checkpoint -k "$BATS_TEST_TMPDIR/other.key" >/dev/null
	run -1 --separate-stderr sl-verify --since-checkpoint --key "$VKEY"
	assert_equal "$(jq -c '[.verified, .checkpoint]' <<<"$output")" '[false,2]'
	assert_regex "$stderr" "^sl-verify: checkpoint 2: not signed by any of the trusted keys"
}

@test "review: the ts entries after the checkpoint must not precede is the signed one, not the last entry's ts column" {
	require_cmd faketime
	sl-checkpoint >/dev/null
	# The ts column of the last entry the checkpoint covers (and the head's) set back,
	# then an entry appended with a ts earlier than that entry's own, hashed, ts.
	tamper entry-set 32 ts '2020-01-01T00:00:00.000000Z'
	tamper head-set ts '2020-01-01T00:00:00.000000Z'
	printf '{"type":"x-t","source":"late","payload":{}}\n' | faketime '2021-01-01 00:00:00' sl-append >/dev/null ||
		fail "sl-append failed"
	# (read through the hook: sl-get now refuses seq 32, whose ts column no longer matches its bytes)
	[[ $(sl-get 33 | jq -r .ts) < $(tamper entry 32 | jq -r .ts) ]] ||
		fail "the ts of seq 33 is not earlier than seq 32's"
	run -1 sl-verify
	expect_since_bad 32
	assert_equal "$stderr" "sl-verify: seq 32: entry bytes do not match its seq, ts, type and source columns"
}

@test "review: the last entry the checkpoint covers is read: its bytes changed (columns kept) are found" {
	tamper entry-replace 20 '"a20"' '"a29"'
	run -1 --separate-stderr sl-verify --since-checkpoint
	assert_equal "$(jq -c '[.verified, .seq]' <<<"$output")" "[false,20]"
	assert_equal "$stderr" "sl-verify: seq 20: its bytes are not the last leaf of the trusted tree"
}
