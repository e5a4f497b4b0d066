#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Ed25519 checkpoints (C2SP signed-note type 0x01): signed by sl-checkpoint,
# alone or beside an ECDSA signature, checked by verifiers nobody here wrote
# (OpenSSL for the signature, Python's hashlib for the key id), by every one
# of ours (sl-checkpoint verify, sl-verify --key, sl-audit verify), and the
# hostile cases: a signature under another key's name and id, a truncated
# signature, a 0x01 key of the wrong length, one of two signatures broken.

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

setup() {
	sl_setup
	require_cmd openssl python3
	unset SL_KEY
	init_ledger
	ED="$L/keys/checkpoint.key"
	EDV=$(sl-keygen --type ed25519) || fail "sl-keygen --type ed25519 failed"
	EC="$BATS_TEST_TMPDIR/ec.key"
	ECV=$(sl-keygen -o "$EC") || fail "sl-keygen failed"
	N="$BATS_TEST_TMPDIR/note"
	X="$BATS_TEST_TMPDIR/changed"
}

teardown() {
	httpd_teardown
}

# sigline NOTE I: the base64 of the I-th signature line (1-based).
sigline() {
	sed -n '/^$/,$p' "$1" | sed -n "$(($2 + 1))p" | cut -d' ' -f3
}

# note_text NOTE: the signed text, up to and with the newline before the blank line.
note_text() {
	sed -n '/^$/q;p' "$1"
}

# flip_b64 B64 OFFSET: B64 decoded, the byte at OFFSET (0-based) with every
# bit flipped, encoded again.
flip_b64() {
	local b
	b=$(base64 -d <<<"$1" | od -An -tu1 -j "$2" -N1 | tr -d ' ')
	{
		base64 -d <<<"$1" | head -c "$2"
		printf "\\$(printf %03o $((b ^ 255)))"
		base64 -d <<<"$1" | tail -c +$(($2 + 2))
	} | base64 -w0
}

@test "sl-checkpoint signs with an Ed25519 key: one signature line, the key id, 64 bytes of signature" {
	append_n 3 e
	run -0 --separate-stderr sl-checkpoint
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >"$N"
	assert_equal "$(wc -l <"$N")" 5
	assert_regex "$(sed -n 5p "$N")" '^— test\.example/log [A-Za-z0-9+/]+=*$'
	local raw
	raw=$(sigline "$N" 1 | base64 -d | od -An -v -tx1 | tr -d ' \n')
	assert_equal "${raw:0:8}" "$(cut -d+ -f2 <<<"$EDV")"
	assert_equal "$(sigline "$N" 1 | base64 -d | wc -c)" 68
	run -0 --separate-stderr sl-checkpoint verify --key "$EDV" <"$N"
	assert_equal "$output" "{\"verified\":true,\"origin\":\"test.example/log\",\"size\":3,\"root\":\"$(root_at 3)\"}"
	assert_equal "$stderr" ""
}

@test "OpenSSL verifies the Ed25519 signature over the note text with the 32-byte key of the verifier key" {
	append_n 4 e
	sl-checkpoint >"$N"
	# SubjectPublicKeyInfo of an Ed25519 key (RFC 8410): 12 fixed bytes, then the key.
	{
		printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'
		cut -d+ -f3- <<<"$EDV" | base64 -d | tail -c +2
	} >"$BATS_TEST_TMPDIR/pub.der"
	openssl pkey -pubin -inform DER -in "$BATS_TEST_TMPDIR/pub.der" -out "$BATS_TEST_TMPDIR/pub.pem"
	note_text "$N" >"$BATS_TEST_TMPDIR/text"
	sigline "$N" 1 | base64 -d | tail -c +5 >"$BATS_TEST_TMPDIR/sig"
	run -0 openssl pkeyutl -verify -pubin -inkey "$BATS_TEST_TMPDIR/pub.pem" -rawin \
		-in "$BATS_TEST_TMPDIR/text" -sigfile "$BATS_TEST_TMPDIR/sig"
	assert_output "Signature Verified Successfully"
	# The same check fails on a text one byte different: OpenSSL is really checking.
	sed 's/^4$/5/' "$BATS_TEST_TMPDIR/text" >"$BATS_TEST_TMPDIR/text5"
	run -1 openssl pkeyutl -verify -pubin -inkey "$BATS_TEST_TMPDIR/pub.pem" -rawin \
		-in "$BATS_TEST_TMPDIR/text5" -sigfile "$BATS_TEST_TMPDIR/sig"
	# And OpenSSL derives the same public key from the private key file.
	assert_equal "$(openssl pkey -in "$ED" -pubout -outform DER | base64 -w0)" \
		"$(base64 -w0 "$BATS_TEST_TMPDIR/pub.der")"
}

@test "the Ed25519 key id is SHA-256(name || 0x0A || 0x01 || key), as Python's hashlib computes it" {
	local want
	want=$(python3 -c '
import base64, hashlib, sys
name, kid, b64 = sys.argv[1].split("+", 2)
raw = base64.b64decode(b64)
assert raw[0] == 1 and len(raw) == 33, raw
print(hashlib.sha256(name.encode() + b"\n" + raw).hexdigest()[:8])
' "$EDV")
	assert_equal "$want" "$(cut -d+ -f2 <<<"$EDV")"
	sl-keygen --type ed25519 --name other.example -o "$BATS_TEST_TMPDIR/o.key" >"$BATS_TEST_TMPDIR/o.vkey"
	want=$(python3 -c '
import base64, hashlib, sys
name, kid, b64 = sys.argv[1].split("+", 2)
print(hashlib.sha256(name.encode() + b"\n" + base64.b64decode(b64)).hexdigest()[:8])
' "$(cat "$BATS_TEST_TMPDIR/o.vkey")")
	assert_equal "$want" "$(cut -d+ -f2 "$BATS_TEST_TMPDIR/o.vkey")"
}

@test "sl-checkpoint -k A -k B: one note, both signatures in order; each key verifies it alone" {
	append_n 2 e
	run -0 --separate-stderr sl-checkpoint -k "$EC" -k "$ED"
	printf '%s\n' "$output" >"$N"
	assert_equal "$(wc -l <"$N")" 6
	assert_equal "$(sigline "$N" 1 | base64 -d | head -c 4 | od -An -tx1 | tr -d ' \n')" "$(cut -d+ -f2 <<<"$ECV")"
	assert_equal "$(sigline "$N" 2 | base64 -d | head -c 4 | od -An -tx1 | tr -d ' \n')" "$(cut -d+ -f2 <<<"$EDV")"
	run -0 sl-checkpoint verify --key "$ECV" <"$N"
	run -0 sl-checkpoint verify --key "$EDV" <"$N"
	# The ledger keeps both verifier keys; sl-verify reports each, and trusts either.
	run -0 --separate-stderr sl-verify
	assert_equal "$(jq -c '[.keys[] | {vkey, trusted, checkpoints}]' <<<"$output")" \
		"[{\"vkey\":\"$ECV\",\"trusted\":false,\"checkpoints\":[[1,1]]},{\"vkey\":\"$EDV\",\"trusted\":false,\"checkpoints\":[[1,1]]}]"
	run -0 --separate-stderr sl-verify --key "$EDV"
	assert_equal "$(jq -c .keys <<<"$output")" "[{\"vkey\":\"$EDV\",\"trusted\":true,\"checkpoints\":[[1,1]]}]"
	run -0 sl-verify --key "$ECV"
	# The next checkpoint is checked against the last one with both its keys.
	append_n 1 f
	run -0 sl-checkpoint -k "$ED"
	run -0 sl-verify --key "$EDV"
	run -1 --separate-stderr sl-verify --key "$ECV"
	assert_regex "$stderr" "checkpoint 2: not signed by any of the trusted keys"
}

@test "without -k, the ledger signs with keys/checkpoint.key and every keys/checkpoint-*.key" {
	cp -p "$EC" "$L/keys/checkpoint-ecdsa.key"
	append_n 2 e
	run -0 --separate-stderr sl-checkpoint
	printf '%s\n' "$output" >"$N"
	assert_equal "$(wc -l <"$N")" 6
	run -0 sl-checkpoint verify --key "$EDV" <"$N"
	run -0 sl-checkpoint verify --key "$ECV" <"$N"
	# $SL_KEY still names the one key to use.
	append_n 1 f
	SL_KEY="$EC" run -0 --separate-stderr sl-checkpoint
	assert_equal "$(wc -l <<<"$output")" 5
}

@test "the same key twice is a usage error and signs nothing" {
	append_n 1 e
	run -2 --separate-stderr sl-checkpoint -k "$ED" -k "$ED"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-checkpoint: usage: unable to sign a checkpoint: key 'test\.example/log' \(id [0-9a-f]{8}\) is given twice$"
	run -1 sl-checkpoint --latest
}

@test "a signature by key A under key B's name and id does not verify for B, and is not A's" {
	sl-keygen --type ed25519 --name b.example -o "$BATS_TEST_TMPDIR/b.key" >"$BATS_TEST_TMPDIR/b.vkey"
	local bv sig
	bv=$(cat "$BATS_TEST_TMPDIR/b.vkey")
	append_n 2 e
	sl-checkpoint -k "$ED" >"$N"
	# Relabel A's signature: B's name, B's key id, A's 64 signature bytes.
	sig=$({
		cut -d+ -f2 <<<"$bv" | sed 's/../\\x&/g' | xargs -0 printf '%b'
		sigline "$N" 1 | base64 -d | tail -c +5
	} | base64 -w0)
	{ note_text "$N"; printf '\n— b.example %s\n' "$sig"; } >"$X"
	run -1 --separate-stderr sl-checkpoint verify --key "$bv" <"$X"
	assert_output '{"verified":false}'
	assert_equal "$stderr" "sl-checkpoint: checkpoint does not verify: the signature by 'b.example' does not verify"
	run -1 --separate-stderr sl-checkpoint verify --key "$EDV" <"$X"
	assert_regex "$stderr" "no signature by key 'test\.example/log'"
	# The untouched note verifies for A: the change alone made it fail.
	run -0 sl-checkpoint verify --key "$EDV" <"$N"
}

@test "a truncated or lengthened Ed25519 signature does not verify" {
	append_n 2 e
	sl-checkpoint -k "$ED" >"$N"
	local sig
	sig=$(sigline "$N" 1 | base64 -d | head -c 67 | base64 -w0)
	{ note_text "$N"; printf '\n— test.example/log %s\n' "$sig"; } >"$X"
	run -1 --separate-stderr sl-checkpoint verify --key "$EDV" <"$X"
	assert_output '{"verified":false}'
	assert_equal "$stderr" "sl-checkpoint: checkpoint does not verify: the signature by 'test.example/log' does not verify"
	sig=$({ sigline "$N" 1 | base64 -d; printf '\0'; } | base64 -w0)
	{ note_text "$N"; printf '\n— test.example/log %s\n' "$sig"; } >"$X"
	run -1 sl-checkpoint verify --key "$EDV" <"$X"
}

@test "a 0x01 verifier key of 31 or 33 bytes (with the id of those bytes) is a usage error everywhere" {
	append_n 1 e
	sl-checkpoint -k "$ED" >"$N"
	local n bad
	for n in 31 33; do
		bad=$(python3 -c '
import base64, hashlib, sys
raw = bytes([1]) + bytes(range(7, 7 + int(sys.argv[1])))
kid = hashlib.sha256(b"test.example/log\n" + raw).hexdigest()[:8]
print("test.example/log+%s+%s" % (kid, base64.b64encode(raw).decode()))
' "$n")
		run -2 --separate-stderr sl-checkpoint verify --key "$bad" <"$N"
		assert_equal "$stderr" "sl-checkpoint: usage: --key: verifier key: an Ed25519 (type 0x01) key is not 32 bytes"
		run -2 --separate-stderr sl-verify --key "$bad"
		assert_equal "$stderr" "sl-verify: usage: --key: verifier key: an Ed25519 (type 0x01) key is not 32 bytes"
		run -2 --separate-stderr sl-audit verify --key "$bad" </dev/null
		assert_equal "$stderr" "sl-audit: usage: --key: verifier key: an Ed25519 (type 0x01) key is not 32 bytes"
	done
}

@test "a note signed by ECDSA and Ed25519 with one signature broken fails only for that key's verifier" {
	append_n 2 e
	sl-checkpoint -k "$EC" -k "$ED" >"$N"
	local ecs eds
	ecs=$(sigline "$N" 1)
	eds=$(sigline "$N" 2)
	# Ed25519 broken: its last signature byte changed (every bit flipped,
	# so it differs whatever it was; a fixed replacement byte left the
	# signature untouched once in 256 runs).
	{
		note_text "$N"
		printf '\n— test.example/log %s\n' "$ecs"
		printf '— test.example/log %s\n' "$(flip_b64 "$eds" 67)"
	} >"$X"
	run -0 sl-checkpoint verify --key "$ECV" <"$X"
	run -1 --separate-stderr sl-checkpoint verify --key "$EDV" <"$X"
	assert_equal "$stderr" "sl-checkpoint: checkpoint does not verify: the signature by 'test.example/log' does not verify"
	# ECDSA broken: a byte of r inside its DER signature changed.
	{
		note_text "$N"
		printf '\n— test.example/log %s\n' "$(flip_b64 "$ecs" 20)"
		printf '— test.example/log %s\n' "$eds"
	} >"$X"
	run -1 sl-checkpoint verify --key "$ECV" <"$X"
	run -0 sl-checkpoint verify --key "$EDV" <"$X"
}

@test "sl-audit verify takes the Ed25519 key of a ledger that signs with two keys, and an Ed25519 envelope signer" {
	require_cmd jq
	append_n 3 e
	sl-checkpoint -k "$EC" -k "$ED" >/dev/null
	sl-snapshot --at now --complete >"$BATS_TEST_TMPDIR/snap.json"
	sl-audit --sign "$ED" <"$BATS_TEST_TMPDIR/snap.json" >"$BATS_TEST_TMPDIR/e.json"
	run -0 --separate-stderr sl-audit verify --key "$EDV" --signer "$EDV" <"$BATS_TEST_TMPDIR/e.json"
	assert_equal "$(jq -r .verified <<<"$output")" true
	assert_output --partial '"envelope":"verified",'
	run -0 sl-audit verify --key "$ECV" <"$BATS_TEST_TMPDIR/e.json"
	# A key that did not sign the checkpoint is refused, as before.
	sl-keygen --type ed25519 --name other -o "$BATS_TEST_TMPDIR/o.key" >"$BATS_TEST_TMPDIR/o.vkey"
	run -1 --separate-stderr sl-audit verify --key "$(cat "$BATS_TEST_TMPDIR/o.vkey")" <"$BATS_TEST_TMPDIR/e.json"
	assert_equal "$stderr" "sl-audit: bundle does not verify: snapshot.checkpoint.vkey: is not the key given to check it"
	run -1 --separate-stderr sl-audit verify --key "$EDV" --signer "$ECV" <"$BATS_TEST_TMPDIR/e.json"
	assert_regex "$stderr" "no envelope signature by 'test\.example/log' holds"
}

@test "sl-httpd serves the two-signature checkpoint and a snapshot naming both keys; the Ed25519 key checks both" {
	require_cmd curl socat jq ss
	append_n 3 e
	sl-checkpoint -k "$EC" -k "$ED" >"$N"
	httpd_start
	run -0 curl -sf "$URL/v1/checkpoint"
	assert_equal "$output" "$(cat "$N")"
	curl -sf "$URL/v1/checkpoint" | sl-checkpoint verify --key "$EDV" >"$BATS_TEST_TMPDIR/v.json"
	assert_equal "$(jq -r .verified "$BATS_TEST_TMPDIR/v.json")" true
	curl -sf "$URL/v1/snapshot?at=now" >"$BATS_TEST_TMPDIR/snap.json"
	assert_equal "$(jq -r .checkpoint.vkey "$BATS_TEST_TMPDIR/snap.json")" "$(printf '%s\n%s' "$ECV" "$EDV")"
	sl-audit --bare <"$BATS_TEST_TMPDIR/snap.json" >"$BATS_TEST_TMPDIR/bundle.json"
	run -0 --separate-stderr sl-audit verify --key "$EDV" <"$BATS_TEST_TMPDIR/bundle.json"
	assert_equal "$(jq -r .verified <<<"$output")" true
	run -0 curl -sf "$URL/v1/verify"
	assert_equal "$(jq -c '[.verified, .checkpoints]' <<<"$output")" '[true,1]'
}
