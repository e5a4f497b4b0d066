#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-keygen --type: Ed25519 keys (C2SP signed-note type 0x01) beside the
# default ECDSA P-256 ones; the file says its type, is mode 0600, is read
# by OpenSSL, and its secret is never printed.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup
	KEY="$L/keys/checkpoint.key"
}

# NAME+8 hex+base64(0x01 || 32 bytes): 44 base64 characters, no padding, the first "A".
ED_VKEY_RE='^test\.example/log\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$'

@test "sl-keygen --type ed25519 writes an Ed25519 key file (PKCS#8, mode 0600) and prints its verifier key" {
	umask 0
	run -0 --separate-stderr sl-keygen --type ed25519
	assert_regex "$output" "$ED_VKEY_RE"
	assert_equal "$(cut -d+ -f3- <<<"$output" | base64 -d | head -c 1 | od -An -tx1 | tr -d ' ')" 01
	assert_equal "$stderr" ""
	assert_equal "$(stat -c %a "$KEY")" 600
	assert_equal "$(head -1 "$KEY")" "stateledger-key test.example/log"
	assert_equal "$(sed -n 2p "$KEY")" "-----BEGIN PRIVATE KEY-----"
	assert_equal "$(tail -1 "$KEY")" "-----END PRIVATE KEY-----"
	assert_equal "$(wc -l <"$KEY")" 4
}

@test "OpenSSL reads the Ed25519 key file as an ED25519 key, with the public key printed" {
	require_cmd openssl
	local vkey
	vkey=$(sl-keygen --type ed25519)
	run -0 openssl pkey -in "$KEY" -noout -text
	assert_line --index 0 "ED25519 Private-Key:"
	assert_equal "$(openssl pkey -in "$KEY" -pubout -outform DER | tail -c 32 | base64 -w0)" \
		"$(cut -d+ -f3- <<<"$vkey" | base64 -d | tail -c 32 | base64 -w0)"
}

@test "the Ed25519 secret is never printed" {
	run -0 --separate-stderr sl-keygen --type ed25519
	refute_output --partial "$(sed -n 3p "$KEY")"
	refute_output --partial "PRIVATE"
	assert_equal "$stderr" ""
}

@test "--type ecdsa is the default's key; two Ed25519 keys differ; an existing file is kept" {
	run -0 sl-keygen --type ecdsa -o "$BATS_TEST_TMPDIR/e.key" --name e.example
	assert_regex "$output" '^e\.example\+[0-9a-f]{8}\+AjBZ'
	assert_equal "$(sed -n 2p "$BATS_TEST_TMPDIR/e.key")" "-----BEGIN EC PRIVATE KEY-----"
	run -0 sl-keygen --type ed25519 -o "$BATS_TEST_TMPDIR/a.key" --name a.example
	local a=$output
	run -0 sl-keygen --type ed25519 -o "$BATS_TEST_TMPDIR/b.key" --name a.example
	assert_not_equal "$output" "$a"
	local before
	before=$(sha256sum "$BATS_TEST_TMPDIR/a.key")
	run -100 --separate-stderr sl-keygen --type ed25519 -o "$BATS_TEST_TMPDIR/a.key" --name a.example
	assert_equal "$(sha256sum "$BATS_TEST_TMPDIR/a.key")" "$before"
}

@test "an unknown --type is a usage error (exit 2) and makes no file" {
	local t
	for t in rsa ED25519 "" ecdsa-p256; do
		run -2 --separate-stderr sl-keygen --type "$t"
		assert_equal "$output" ""
		assert_equal "$stderr" "sl-keygen: usage: --type wants ecdsa, ed25519 or cosignature, not '$t'"
	done
	[[ ! -e $KEY ]]
	run -0 --separate-stderr sl-keygen -h
	assert_output --partial "--type TYPE"
}

@test "an Ed25519 key file with a changed OID or a short seed is refused by sl-checkpoint (exit 100)" {
	sl-keygen --type ed25519 >/dev/null
	append_n 1 e
	local b64
	b64=$(sed -n 3p "$KEY")
	# OID 1.3.101.112 (2b 65 70) becomes 1.3.101.113 (Ed448's): no longer an Ed25519 key.
	sed -i "3s|.*|$(base64 -d <<<"$b64" | od -An -v -tx1 | tr -d ' \n' | sed 's/2b6570/2b6571/' |
		sed 's/../\\x&/g' | xargs -0 printf '%b' | base64 -w0)|" "$KEY"
	run -100 --separate-stderr sl-checkpoint
	assert_equal "$stderr" "sl-checkpoint: fatal: unable to read key '$KEY': not an Ed25519 private key (RFC 8410 PKCS#8)"
	sed -i "3s|.*|$(base64 -d <<<"$b64" | head -c 47 | base64 -w0)|" "$KEY"
	run -100 --separate-stderr sl-checkpoint
	assert_equal "$stderr" "sl-checkpoint: fatal: unable to read key '$KEY': not an Ed25519 private key (RFC 8410 PKCS#8)"
	sed -i "3s|.*|$b64|" "$KEY"
	run -0 sl-checkpoint
}
