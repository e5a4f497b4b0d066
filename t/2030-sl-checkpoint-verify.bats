#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-checkpoint verify: the C2SP signed-note vectors (checkpoints signed by
# other implementations, and altered copies), and our own checkpoints with
# their size, root or signature altered.

bats_require_minimum_version 1.5.0
load test_helper

# A copy of ../shared/vectors/signed-note (Apache-2.0, LICENSE beside it).
VECTORS="$FIXTURES/vectors/signed-note"

setup() {
	sl_setup
	require_cmd jq
	N="$BATS_TEST_TMPDIR/note"
}

# vector NAME: $VK and the note in $N.
vector() {
	[[ -r $VECTORS/$1.json ]] || skip "the signed-note vectors are not at $VECTORS"
	VK=$(jq -r .vkey "$VECTORS/$1.json")
	jq -j .note "$VECTORS/$1.json" >"$N"
}

@test "every signed-note vector gives its wantErr (bad keys are usage errors, bad notes a \"no\")" {
	[[ -d $VECTORS ]] || skip "the signed-note vectors are not at $VECTORS"
	local f name want n=0
	for f in "$VECTORS"/*.json; do
		name=$(basename "$f" .json)
		want=$(jq .wantErr "$f")
		vector "$name"
		case $name in
		key-id-not-hex | key-id-wrong) run -2 --separate-stderr sl-checkpoint verify --key "$VK" <"$N"
			assert_regex "$stderr" "^sl-checkpoint: usage: --key: verifier key: " ;;
		*) if [[ $want == true ]]; then
			run -1 --separate-stderr sl-checkpoint verify --key "$VK" <"$N"
			assert_equal "$output" '{"verified":false}'
			assert_regex "$stderr" "^sl-checkpoint: checkpoint does not verify: "
		else
			run -0 --separate-stderr sl-checkpoint verify --key "$VK" <"$N"
			assert_equal "$(jq -r .verified <<<"$output")" true
			assert_equal "$stderr" ""
		fi ;;
		esac
		n=$((n + 1))
	done
	assert_equal "$n" 8
}

@test "the Rekor and Pixel checkpoints verify, with their origin, size and root" {
	vector rekor-valid
	run -0 --separate-stderr sl-checkpoint verify --key "$VK" <"$N"
	assert_equal "$output" '{"verified":true,"origin":"Rekor","size":798034,"root":"7feec2a0a817284fed372b3d4d35dcaff69de94fcadf1bf39e6cdec3dcba48fd"}'
	run -0 sl-checkpoint verify --key "$VK" --origin Rekor <"$N"
	run -1 --separate-stderr sl-checkpoint verify --key "$VK" --origin rekor <"$N"
	assert_equal "$stderr" "sl-checkpoint: checkpoint does not verify: origin is 'Rekor', not 'rekor'"
	vector pixel-valid
	run -0 --separate-stderr sl-checkpoint verify --key "$VK" <"$N"
	assert_equal "$output" '{"verified":true,"origin":"DEFAULT","size":10,"root":"6ec591b9c254e7124f1dbe5e05d3a6ebe0ccf957a509906ebed237b0711127d6"}'
}

@test "the Rekor checkpoint with any one byte changed does not verify" {
	vector rekor-valid
	local len k c
	len=$(wc -c <"$N")
	for ((k = 0; k < len; k += 3)); do
		c=$(head -c $((k + 1)) "$N" | tail -c 1 | od -An -tu1 | tr -d ' ')
		{ head -c "$k" "$N"; printf "\\$(printf '%03o' $(((c + 1) % 256)))"; tail -c +$((k + 2)) "$N"; } >"$N.bad"
		cmp -s "$N" "$N.bad" && fail "byte $k unchanged"
		run -1 sl-checkpoint verify --key "$VK" <"$N.bad"
	done
}

@test "our checkpoint with its size, root or signature altered fails; the untouched one verifies" {
	init_ledger
	local vk
	vk=$(sl-keygen)
	append_n 3 a
	sl-checkpoint >"$N"
	run -0 sl-checkpoint verify --key "$vk" <"$N"
	sed '2s/^3$/4/' "$N" >"$N.bad"
	run -1 sl-checkpoint verify --key "$vk" <"$N.bad"
	sed '2s/^3$/2/' "$N" >"$N.bad"
	run -1 sl-checkpoint verify --key "$vk" <"$N.bad"
	# Another root: that of size 2.
	{ sed -n 1,2p "$N"; sl-prove --head --size 2 | jq -r .root | sed 's/../\\x&/g' | xargs -0 printf | base64; sed -n '4,$p' "$N"; } >"$N.bad"
	cmp -s "$N" "$N.bad" && fail "root unchanged"
	run -1 sl-checkpoint verify --key "$vk" <"$N.bad"
	# A signature with one character changed.
	sed '5{s/B$/C/;t;s/.$/B/}' "$N" >"$N.bad"
	cmp -s "$N" "$N.bad" && fail "signature unchanged"
	run -1 sl-checkpoint verify --key "$vk" <"$N.bad"
	# The origin changed.
	sed '1s/test/tost/' "$N" >"$N.bad"
	run -1 sl-checkpoint verify --key "$vk" <"$N.bad"
	# The signature line dropped, or the note cut short.
	head -n 4 "$N" >"$N.bad"
	run -1 sl-checkpoint verify --key "$vk" <"$N.bad"
	head -c -1 "$N" >"$N.bad"
	run -1 sl-checkpoint verify --key "$vk" <"$N.bad"
	# Another key of the same name does not verify it.
	run -1 sl-checkpoint verify --key "$(sl-keygen -o "$BATS_TEST_TMPDIR/k2" --name test.example/log)" <"$N"
	# Empty input, and input too long to be a note.
	run -1 sl-checkpoint verify --key "$vk" </dev/null
	run -100 --separate-stderr sl-checkpoint verify --key "$vk" < <(head -c 70000 /dev/zero)
	assert_regex "$stderr" "longer than 65536 bytes"
}
