#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-keygen --type cosignature: a witness's Ed25519 key (C2SP
# tlog-cosignature, signed-note type 0x04), made without a ledger, written
# mode 0600, refused where a log key is wanted.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	sl_setup
	W="$BATS_TEST_TMPDIR/w1.key"
}

# NAME+8 hex+base64(0x04 || 32 bytes): 44 base64 characters, the first "B".
COSIG_VKEY_RE='^witness\.example/w1\+[0-9a-f]{8}\+B[A-Za-z0-9+/]{43}$'

@test "sl-keygen --type cosignature writes a witness key (mode 0600, marked) and prints its 0x04 verifier key" {
	umask 0
	run -0 --separate-stderr sl-keygen --type cosignature --name witness.example/w1 -o "$W"
	assert_regex "$output" "$COSIG_VKEY_RE"
	assert_equal "$stderr" ""
	local vkey=$output raw
	raw=$(cut -d+ -f3- <<<"$vkey" | base64 -d | od -An -tx1 -v | tr -d ' \n')
	assert_equal "${raw:0:2}" 04
	assert_equal "${#raw}" 66
	# The key id by the spec's words: SHA-256("witness.example/w1" || "\n" || 0x04 || key)[:4].
	assert_equal "$(cut -d+ -f2 <<<"$vkey")" \
		"$({ printf 'witness.example/w1\n'; cut -d+ -f3- <<<"$vkey" | base64 -d; } | sha256sum | cut -c1-8)"
	assert_equal "$(stat -c %a "$W")" 600
	assert_equal "$(head -1 "$W")" "stateledger-key witness.example/w1 cosignature"
	assert_equal "$(sed -n 2p "$W")" "-----BEGIN PRIVATE KEY-----"
	refute_output --partial "$(sed -n 3p "$W")"
	# The private key is a plain Ed25519 key to OpenSSL, with the same public key.
	if command -v openssl >/dev/null; then
		assert_equal "$(openssl pkey -in "$W" -pubout -outform DER | tail -c 32 | od -An -tx1 -v | tr -d ' \n')" \
			"${raw:2}"
	fi
}

@test "--type cosignature needs --name and -o (exit 2, no file); the file is never overwritten (exit 100)" {
	init_ledger
	run -2 --separate-stderr sl-keygen --type cosignature
	assert_equal "$stderr" "sl-keygen: usage: --type cosignature needs --name NAME and -o FILE (a witness key belongs to no ledger)"
	run -2 --separate-stderr sl-keygen --type cosignature -o "$W"
	run -2 --separate-stderr sl-keygen --type cosignature --name w
	[[ ! -e $W && ! -e $L/keys/checkpoint.key ]]
	run -0 sl-keygen --type cosignature --name witness.example/w1 -o "$W"
	run -100 --separate-stderr sl-keygen --type cosignature --name witness.example/w1 -o "$W"
}

@test "a witness key is refused as a ledger's checkpoint key (exit 2 naming it)" {
	init_ledger
	sl-keygen --type cosignature --name witness.example/w1 -o "$L/keys/checkpoint.key" >/dev/null
	echo '{"type":"x-t","source":"s","payload":{}}' | sl-append >/dev/null
	run -2 --separate-stderr sl-checkpoint
	assert_equal "$output" ""
	assert_regex "$stderr" "witness \(cosignature\) key, not a log key"
}
