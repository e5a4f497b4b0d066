#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-keygen: the key file (mode 0600, never overwritten, readable by
# OpenSSL) and the verifier key it prints in signed-note form.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup
	KEY="$L/keys/checkpoint.key"
}

# The verifier key: NAME+8 hex+base64(0x02 || 91-byte SPKI) = 124 base64 characters.
VKEY_RE='^test\.example/log\+[0-9a-f]{8}\+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IAB[A-Za-z0-9+/]{86}=$'

@test "sl-keygen writes LEDGER/keys/checkpoint.key 0600 and prints the verifier key named by the origin" {
	umask 0
	run -0 --separate-stderr sl-keygen
	assert_regex "$output" "$VKEY_RE"
	assert_equal "$stderr" ""
	assert_equal "$(stat -c %a "$KEY")" 600
	assert_equal "$(head -1 "$KEY")" "stateledger-key test.example/log"
	assert_equal "$(sed -n 2p "$KEY")" "-----BEGIN EC PRIVATE KEY-----"
	assert_equal "$(tail -1 "$KEY")" "-----END EC PRIVATE KEY-----"
}

@test "the key id is the first 4 bytes of SHA-256 of the DER SPKI, and OpenSSL reads the key" {
	require_cmd openssl
	local vkey spki
	vkey=$(sl-keygen)
	# The public key OpenSSL derives from the private key file is the one printed.
	spki=$(openssl ec -in "$KEY" -pubout -outform DER 2>/dev/null | base64 -w0)
	assert_equal "$(printf '\002' | cat - <(base64 -d <<<"$spki") | base64 -w0)" "$(cut -d+ -f3- <<<"$vkey")"
	assert_equal "$(base64 -d <<<"$spki" | sha256sum | cut -c1-8)" "$(cut -d+ -f2 <<<"$vkey")"
	run -0 openssl ec -in "$KEY" -check -noout
}

@test "the private key is never printed" {
	run -0 --separate-stderr sl-keygen
	local b64
	b64=$(sed -n 3p "$KEY")
	refute_output --partial "$b64"
	refute_output --partial "PRIVATE"
}

@test "an existing key file is never overwritten: exit 100, the file unchanged" {
	sl-keygen >/dev/null
	local before
	before=$(sha256sum "$KEY")
	run -100 --separate-stderr sl-keygen
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-keygen: fatal: unable to create '$KEY': File exists (a key is never overwritten)"
	assert_equal "$(sha256sum "$KEY")" "$before"
	# Not through a symbolic link either.
	ln -s "$BATS_TEST_TMPDIR/elsewhere" "$BATS_TEST_TMPDIR/link"
	run -100 --separate-stderr sl-keygen -o "$BATS_TEST_TMPDIR/link"
	[[ ! -e $BATS_TEST_TMPDIR/elsewhere ]]
}

@test "-o FILE and --name NAME; two keys differ" {
	run -0 --separate-stderr sl-keygen -o "$BATS_TEST_TMPDIR/a.key" --name signer.example
	assert_regex "$output" '^signer\.example\+[0-9a-f]{8}\+AjBZ'
	local a=$output
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/a.key")" 600
	run -0 sl-keygen -o "$BATS_TEST_TMPDIR/b.key" --name signer.example
	assert_not_equal "$output" "$a"
	[[ ! -e $KEY ]]
}

@test "without a ledger, -o FILE needs --name (exit 100 naming the ledger); with it, no ledger is needed" {
	run -100 --separate-stderr sl-keygen -L "$BATS_TEST_TMPDIR/none" -o "$BATS_TEST_TMPDIR/k"
	assert_regex "$stderr" "^sl-keygen: fatal: unable to open the ledger for its origin \\(or give --name\\): no ledger at"
	[[ ! -e $BATS_TEST_TMPDIR/k ]]
	run -0 sl-keygen -L "$BATS_TEST_TMPDIR/none" -o "$BATS_TEST_TMPDIR/k" --name k.example
	# The default file of a missing ledger cannot be made: a data error.
	run -100 --separate-stderr sl-keygen -L "$BATS_TEST_TMPDIR/none" --name k.example
	assert_regex "$stderr" "^sl-keygen: fatal: unable to create '.*/none/keys/checkpoint.key': No such file or directory\$"
}

@test "usage errors exit 2: bad names, stray arguments, unknown options; -h exits 0" {
	local bad
	for bad in "" "a b" "a+b" "$(printf 'a\tb')"; do
		run -2 --separate-stderr sl-keygen -o "$BATS_TEST_TMPDIR/k" --name "$bad"
		assert_regex "$stderr" "^sl-keygen: usage: "
	done
	[[ ! -e $BATS_TEST_TMPDIR/k ]]
	run -2 --separate-stderr sl-keygen extra
	assert_equal "${stderr_lines[0]}" "sl-keygen: usage: unexpected operand 'extra'"
	assert_equal "${stderr_lines[1]}" "sl-keygen: usage: sl-keygen [-L ADDRESS] [-k FILE] [--name NAME] [--type ecdsa|ed25519|cosignature]"
	run -2 --separate-stderr sl-keygen --bogus
	run -0 --separate-stderr sl-keygen -h
	assert_regex "$output" "^usage: sl-keygen "
	[[ ! -e $KEY ]]
}
