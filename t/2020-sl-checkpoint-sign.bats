#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-checkpoint: signing the head as a C2SP checkpoint, keeping every one,
# refusing a head that is not consistent with the last, and sl-verify
# checking the stored checkpoints.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	sl_setup
	require_cmd jq
	unset SL_KEY
	init_ledger
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	N="$BATS_TEST_TMPDIR/note"
}

# hex_to_bin < HEX: the bytes; bin_to_hex < BYTES: lowercase hex.
hex_to_bin() {
	local esc
	esc=$(sed 's/../\\x&/g')
	# shellcheck disable=SC2059
	printf "$esc"
}

bin_to_hex() {
	od -An -v -tx1 | tr -d ' \n'
}

b64_root() {
	root_at "$1" | hex_to_bin | base64 -w0
}

@test "sl-checkpoint signs the head: origin, size, base64 root, blank line, one signature by the ledger's key" {
	append_n 5 e
	run -0 --separate-stderr sl-checkpoint
	assert_equal "$stderr" ""
	local keyid sig
	keyid=$(cut -d+ -f2 <<<"$VKEY")
	assert_equal "$(sed -n 1,4p <<<"$output")" "$(printf 'test.example/log\n5\n%s\n' "$(b64_root 5)")"
	assert_regex "$(sed -n 5p <<<"$output")" '^— test\.example/log [A-Za-z0-9+/]+=*$'
	assert_equal "$(wc -l <<<"$output")" 5
	# The signature: 4-byte key id, then a DER SEQUENCE.
	sig=$(sed -n 5p <<<"$output" | cut -d' ' -f3)
	assert_equal "$(base64 -d <<<"$sig" | head -c 4 | bin_to_hex)" "$keyid"
	assert_equal "$(base64 -d <<<"$sig" | tail -c +5 | head -c 1 | bin_to_hex)" 30
}

@test "the signature is ECDSA P-256 over SHA-256 of the note text, as OpenSSL checks it" {
	require_cmd openssl
	append_n 3 e
	sl-checkpoint >"$N"
	head -n 3 "$N" >"$BATS_TEST_TMPDIR/text"
	sed -n 5p "$N" | cut -d' ' -f3 | base64 -d | tail -c +5 >"$BATS_TEST_TMPDIR/sig.der"
	cut -d+ -f3- <<<"$VKEY" | base64 -d | tail -c +2 >"$BATS_TEST_TMPDIR/spki.der"
	run -0 openssl dgst -sha256 -verify "$BATS_TEST_TMPDIR/spki.der" -keyform DER \
		-signature "$BATS_TEST_TMPDIR/sig.der" "$BATS_TEST_TMPDIR/text"
	assert_output "Verified OK"
}

@test "every checkpoint is kept; --latest prints the last; sl-verify counts and checks them" {
	run -1 --separate-stderr sl-checkpoint --latest
	assert_equal "$stderr" "sl-checkpoint: fatal: unable to show the latest checkpoint: none signed yet"
	sl-checkpoint >"$N.0"
	append_n 4 a
	sl-checkpoint >"$N.1"
	sl-checkpoint --force >"$N.2"
	append_n 9 b
	sl-checkpoint >"$N.3"
	run -0 --separate-stderr sl-checkpoint --latest
	assert_equal "$output" "$(cat "$N.3")"
	assert_equal "$(tamper checkpoint-count)" 4
	assert_equal "$(tamper checkpoint-get 1 size),$(tamper checkpoint-get 2 size),$(tamper checkpoint-get 3 size),$(tamper checkpoint-get 4 size)" "0,4,4,13"
	run -0 --separate-stderr sl-verify
	assert_equal "$output" "{\"verified\":true,\"size\":13,\"root\":\"$(root_at 13)\",\"checkpoints\":4,\"keys\":[{\"vkey\":\"$VKEY\",\"trusted\":false,\"checkpoints\":[[1,4]]}]}"
	# Each stored note verifies with the verifier key kept beside it.
	assert_equal "$(for k in 1 2 3 4; do tamper checkpoint-get "$k" vkey; done | sort -u)" "$VKEY"
	local k
	for k in 0 1 2 3; do
		run -0 sl-checkpoint verify --key "$VKEY" --origin test.example/log <"$N.$k"
	done
}

@test "an unchanged head is not signed again: the latest checkpoint is printed, stderr says so, exit 0; --force signs" {
	append_n 3 a
	sl-checkpoint >"$N.1"
	run -0 --separate-stderr sl-checkpoint
	assert_equal "$output" "$(cat "$N.1")"
	assert_equal "$stderr" "sl-checkpoint: the latest checkpoint already covers the head (size 3, the same root) with this key: not signing another (--force signs anyway)"
	assert_equal "$(tamper checkpoint-count)" 1
	# Another key's signature over the same head is new.
	local other
	other=$(sl-keygen -o "$BATS_TEST_TMPDIR/other.key" --name other.example)
	run -0 --separate-stderr sl-checkpoint -k "$BATS_TEST_TMPDIR/other.key"
	assert_equal "$stderr" ""
	run -0 sl-checkpoint verify --key "$other" <<<"$output"
	assert_equal "$(tamper checkpoint-count)" 2
	# Forced, the same key signs the same head again.
	run -0 --separate-stderr sl-checkpoint --force
	assert_equal "$stderr" ""
	assert_equal "$(tamper checkpoint-count)" 3
	# A new entry makes a new head: signed without --force.
	append_n 1 b
	run -0 --separate-stderr sl-checkpoint
	assert_equal "$stderr" ""
	assert_equal "$(sed -n 2p <<<"$output")" 4
	assert_equal "$(tamper checkpoint-count)" 4
	# --force goes with signing only.
	run -2 --separate-stderr sl-checkpoint --latest --force
}

@test "-k KEYFILE and \$SL_KEY choose another key; -k wins over SL_KEY" {
	append_n 2 a
	local other third
	other=$(sl-keygen -o "$BATS_TEST_TMPDIR/other.key" --name other.example)
	third=$(sl-keygen -o "$BATS_TEST_TMPDIR/third.key" --name third.example)
	sl-checkpoint -k "$BATS_TEST_TMPDIR/other.key" >"$N"
	run -0 sl-checkpoint verify --key "$other" <"$N"
	run -1 sl-checkpoint verify --key "$VKEY" <"$N"
	SL_KEY="$BATS_TEST_TMPDIR/third.key" sl-checkpoint >"$N"
	run -0 sl-checkpoint verify --key "$third" <"$N"
	SL_KEY="$BATS_TEST_TMPDIR/third.key" sl-checkpoint -k "$BATS_TEST_TMPDIR/other.key" >"$N"
	run -0 sl-checkpoint verify --key "$other" <"$N"
	run -0 sl-verify
	assert_equal "$(jq .checkpoints <<<"$output")" 3
}

@test "a head not consistent with the last checkpoint is refused with exit 1, and nothing is stored" {
	append_n 4 a
	sl-checkpoint >/dev/null
	# Another ledger, larger, every hash right: the log is replaced by it.
	sl-init -L "$BATS_TEST_TMPDIR/fork" --origin test.example/log >/dev/null
	gen_entries 7 z | sl-append -L "$BATS_TEST_TMPDIR/fork" >/dev/null
	sql "ATTACH '$BATS_TEST_TMPDIR/fork/ledger.db' AS f; DELETE FROM entries; DELETE FROM nodes;
		DELETE FROM streams; INSERT INTO streams SELECT * FROM f.streams;
		INSERT INTO entries SELECT * FROM f.entries; INSERT INTO nodes SELECT * FROM f.nodes;
		UPDATE head SET size = (SELECT size FROM f.head), root = (SELECT root FROM f.head),
		ts = (SELECT ts FROM f.head);"
	run -1 --separate-stderr sl-checkpoint
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-checkpoint: fatal: unable to sign a checkpoint: the head \\(size 7\\) is not consistent with the last checkpoint \\(1, size 4\\): "
	assert_equal "$(tamper checkpoint-count)" 1
	# sl-verify finds the entries consistent with each other, but not with what was signed.
	run -1 --separate-stderr sl-verify
	assert_equal "$output" '{"verified":false,"checkpoint":1,"error":"checkpoint 1: the signed root differs from the stored tree'"'"'s root at its size"}'
	assert_equal "$stderr" "sl-verify: checkpoint 1: the signed root differs from the stored tree's root at its size"
}

@test "a truncated log, head rewritten to match, is refused and caught by sl-verify" {
	append_n 6 a
	sl-checkpoint >/dev/null
	# (the stream rows are made to match too, as a careful forger would)
	sql "DELETE FROM entries WHERE seq >= 4; DELETE FROM nodes WHERE pos >= 3;
		UPDATE streams SET last = ifnull((SELECT max(seq) FROM entries e WHERE e.stream = streams.id), -1),
		count = (SELECT count(*) FROM entries e WHERE e.stream = streams.id);
		UPDATE head SET size = 4, root = (SELECT hash FROM nodes WHERE pos = 2),
		ts = (SELECT ts FROM entries WHERE seq = 3);"
	run -1 --separate-stderr sl-checkpoint
	assert_regex "$stderr" "tree size 4 is smaller than the signed size 6"
	run -1 --separate-stderr sl-verify
	assert_equal "$(jq -c '[.verified, .checkpoint]' <<<"$output")" '[false,1]'
	assert_regex "$stderr" "^sl-verify: checkpoint 1: signed size is beyond the tree: the tree size is 4\$"
}

@test "sl-verify: a stored note altered (size, root, signature) or its key replaced fails naming the checkpoint" {
	append_n 3 a
	sl-checkpoint >/dev/null
	append_n 3 b
	sl-checkpoint >/dev/null
	tamper save "$BATS_TEST_TMPDIR/good"
	local edit
	for edit in \
		"UPDATE checkpoints SET note = replace(note, 'log' || char(10) || '6', 'log' || char(10) || '7'), size = 7 WHERE id = 2" \
		"UPDATE checkpoints SET note = replace(note, substr(note, instr(note, char(10)) + 3, 4), 'AAAA') WHERE id = 2" \
		"UPDATE checkpoints SET note = substr(note, 1, length(note) - 3) || 'AA' || char(10) WHERE id = 2" \
		"UPDATE checkpoints SET vkey = (SELECT vkey FROM checkpoints WHERE id = 1) || 'x' WHERE id = 2"; do
		tamper restore "$BATS_TEST_TMPDIR/good"
		run -0 sl-verify
		sql "$edit"
		run -1 --separate-stderr sl-verify
		assert_equal "$(jq -c '[.verified, .checkpoint]' <<<"$output")" '[false,2]'
		assert_regex "$stderr" "^sl-verify: checkpoint 2: "
	done
}

@test "a ledger made before checkpoints existed (no table) verifies and gets the table at the first checkpoint" {
	append_n 2 a
	sql "DROP TABLE checkpoints"
	run -0 --separate-stderr sl-verify
	assert_equal "$output" "{\"verified\":true,\"size\":2,\"root\":\"$(root_at 2)\"}"
	run -1 sl-checkpoint --latest
	run -0 sl-checkpoint
	run -0 sl-verify
	assert_equal "$(jq .checkpoints <<<"$output")" 1
}

@test "key file problems: missing (100), readable by others (100), damaged (100); no ledger (100)" {
	run -100 --separate-stderr sl-checkpoint -k "$BATS_TEST_TMPDIR/none.key"
	assert_equal "$stderr" "sl-checkpoint: fatal: unable to open key '$BATS_TEST_TMPDIR/none.key': No such file or directory (make one with sl-keygen)"
	cp "$L/keys/checkpoint.key" "$BATS_TEST_TMPDIR/open.key"
	chmod 644 "$BATS_TEST_TMPDIR/open.key"
	run -100 --separate-stderr sl-checkpoint -k "$BATS_TEST_TMPDIR/open.key"
	assert_equal "$stderr" "sl-checkpoint: fatal: unable to use key '$BATS_TEST_TMPDIR/open.key': not a regular file of mode 0600 (mode 0644)"
	sed 's/^M/N/' "$L/keys/checkpoint.key" >"$BATS_TEST_TMPDIR/bad.key"
	chmod 600 "$BATS_TEST_TMPDIR/bad.key"
	run -100 --separate-stderr sl-checkpoint -k "$BATS_TEST_TMPDIR/bad.key"
	assert_regex "$stderr" "^sl-checkpoint: fatal: unable to read key '$BATS_TEST_TMPDIR/bad.key': "
	run -100 --separate-stderr sl-checkpoint -L "$BATS_TEST_TMPDIR/nope"
	assert_regex "$stderr" "^sl-checkpoint: fatal: unable to open ledger '$BATS_TEST_TMPDIR/nope': no ledger"
	assert_equal "$(tamper checkpoint-count)" 0
}

@test "usage: stray arguments, -k with --latest or verify, verify without --key; -h" {
	run -2 --separate-stderr sl-checkpoint extra
	assert_equal "${stderr_lines[0]}" "sl-checkpoint: usage: unknown verb 'extra'"
	assert_regex "${stderr_lines[1]}" '^sl-checkpoint: usage: sl-checkpoint '
	run -2 --separate-stderr sl-checkpoint --latest -k x
	assert_equal "${stderr_lines[0]}" "sl-checkpoint: usage: '-k' does not go with 'latest'"
	run -2 --separate-stderr sl-checkpoint -k x verify --key "$VKEY"
	assert_equal "${stderr_lines[0]}" "sl-checkpoint: usage: '-k' does not go with 'verify'"
	run -2 sl-checkpoint verify
	run -2 --separate-stderr sl-checkpoint verify --key "$VKEY" extra
	assert_equal "${stderr_lines[0]}" "sl-checkpoint: usage: unexpected operand 'extra'"
	run -2 --separate-stderr sl-checkpoint verify --latest
	assert_equal "${stderr_lines[0]}" "sl-checkpoint: usage: '--latest' does not go with 'verify'"
	run -0 --separate-stderr sl-checkpoint -h
	assert_regex "$output" '^usage: sl-checkpoint '
}
