#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-audit: a bundle of a snapshot checks offline with sl-audit verify, and
# one changed byte anywhere that matters (an entry's bytes, a proof hash, a
# root, a size, the checkpoint's text or signature, the envelope) makes it
# exit 1 naming what failed (issue 4, done-when 2).

bats_require_minimum_version 1.5.0
load test_helper

SHA_A=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
C1=1111111111111111111111111111111111111111
C2=2222222222222222222222222222222222222222

at() {
	local t=$1
	shift
	printf '%s\n' "$@" | faketime "$t" sl-append >/dev/null || fail "append at $t failed"
}

setup() {
	sl_setup
	require_cmd faketime od dd grep
	init_ledger
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	KEY="$L/keys/checkpoint.key"
	at '2026-01-01 10:00:00' \
		"{\"type\":\"code\",\"source\":\"git:shop\",\"payload\":{\"repo\":\"https://example.org/shop\",\"commit\":\"$C1\"}}" \
		"{\"type\":\"config\",\"source\":\"config:web-1:/etc/nginx.conf\",\"payload\":{\"path\":\"/etc/nginx.conf\",\"sha256\":\"$SHA_A\"}}" \
		"{\"type\":\"mutation\",\"source\":\"kafka:orders\",\"payload\":{\"namespace\":\"kafka/c1/orders/0\",\"position\":1,\"id\":\"o-1\",\"sha256\":\"$SHA_A\"}}"
	at '2026-01-01 12:00:00' \
		"{\"type\":\"code\",\"source\":\"git:shop\",\"payload\":{\"repo\":\"https://example.org/shop\",\"commit\":\"$C2\"}}" \
		"{\"type\":\"mutation\",\"source\":\"kafka:orders\",\"payload\":{\"namespace\":\"kafka/c1/orders/0\",\"position\":2,\"id\":\"o-2\",\"sha256\":\"$SHA_A\"}}"
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
	SNAP="$BATS_TEST_TMPDIR/snap.json"
	B="$BATS_TEST_TMPDIR/bundle.json"
	E="$BATS_TEST_TMPDIR/envelope.json"
	X="$BATS_TEST_TMPDIR/changed.json"
	# Between the two batches: size 3, checkpoint at size 5.
	sl-snapshot --at 2026-01-01T11:00:00Z --complete >"$SNAP" || fail "sl-snapshot failed"
}

# flip FILE PATTERN OCCURRENCE SKIP: copy FILE to $X with the byte SKIP
# bytes after the start of the OCCURRENCE-th match of PATTERN (a fixed
# string; occurrence "last" for the last) changed: a hex digit to another
# hex digit and a letter to its other case (so that hashes and base64 stay
# well-formed), '+' and '/' to each other, any other byte by xor 1.
flip() {
	local f=$1 pat=$2 occ=$3 skip=$4 off c
	if [[ $occ == last ]]; then
		off=$(grep -boF -- "$pat" "$f" | tail -n 1 | cut -d: -f1)
	else
		off=$(grep -boF -- "$pat" "$f" | sed -n "${occ}p" | cut -d: -f1)
	fi
	[[ -n $off ]] || fail "pattern '$pat' #$occ is not in $f"
	off=$((off + skip))
	c=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	if ((c == 48)); then
		c=49
	elif (((c > 48 && c <= 57) || (c >= 97 && c <= 102))); then
		c=48
	elif (((c >= 65 && c <= 90) || (c >= 103 && c <= 122))); then
		c=$((c ^ 32))
	elif ((c == 43 || c == 47)); then
		c=$((c == 43 ? 47 : 43))
	else
		c=$((c ^ 1))
	fi
	cp "$f" "$X"
	# shellcheck disable=SC2059
	printf "\\$(printf %03o "$c")" | dd of="$X" bs=1 seek="$off" conv=notrunc status=none
	cmp -s "$f" "$X" && fail "flip at $off changed nothing"
	return 0
}

@test "sl-audit: an untouched bundle verifies" {
	faketime '2026-02-01 09:00:00' sl-audit --bare <"$SNAP" >"$B"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_output '{"verified":true,"at":"2026-01-01T11:00:00.000000Z","size":3,"entries":3,"mutations":1,"checkpoint_size":5,"complete":true,"envelope":"none"}'
	assert_equal "$stderr" ""
}

@test "sl-audit: the bundle holds the snapshot, the target and the request time" {
	run -0 --separate-stderr faketime '2026-02-01 09:00:00' sl-audit --bare <"$SNAP"
	assert_equal "$stderr" ""
	assert_equal "$(jq -r .type <<<"$output")" audit-bundle
	assert_equal "$(jq -r .target <<<"$output")" 2026-01-01T11:00:00.000000Z
	assert_regex "$(jq -r .requested <<<"$output")" '^2026-02-01T09:00:00\.[0-9]{6}Z$'
	assert_equal "$(jq -cS .snapshot <<<"$output")" "$(jq -cS . "$SNAP")"
	assert_equal "$(jq -c .warnings <<<"$output")" '[]'
}

@test "sl-audit: an incomplete snapshot's bundle says so and verifies" {
	sl-snapshot --at now >"$SNAP"
	sl-audit --bare <"$SNAP" >"$B"
	assert_equal "$(jq -c .warnings "$B")" '["the snapshot is not complete: the root cannot be recomputed"]'
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_output --partial '"size":5,"entries":3,"mutations":1,"checkpoint_size":5,"complete":false'
}

@test "sl-audit verify: one changed byte fails, naming what failed" {
	sl-audit --bare <"$SNAP" >"$B"
	local cases=(
		# pattern|occurrence|skip|what stderr must name
		'\"commit\":\"1111|1|13|snapshot.entries[0].leaf_hash: is not the hash of the entry'"'"'s bytes'
		'"leaf_hash":"|2|14|snapshot.entries[0].leaf_hash: is not the hash'
		'"leaf_hash":"|1|14|snapshot.entries[0].inclusion.leaf_hash: is not the hash'
		'"proof":["|2|11|snapshot.entries[0].inclusion: does not hold'
		'"proof":["|1|11|snapshot.checkpoint.consistency: does not hold'
		'"root":"|last|9|snapshot.entries[0].inclusion.root: is not the snapshot'"'"'s root'
		'"from_root":"|1|14|snapshot.checkpoint.consistency.from_root: is not the snapshot'"'"'s root'
		'"size":3,"type":"snapshot"|1|7|snapshot.entries[0].seq: is not within the snapshot'"'"'s size'
		'"note":"test|1|9|snapshot.checkpoint.note: '
		'\n5\n|1|2|snapshot.checkpoint.note: '
		'\n5\n|1|6|snapshot.checkpoint.note: '
		'— test.example/log |1|31|snapshot.checkpoint.note: the signature by'
		'"vkey":"|1|30|snapshot.checkpoint.vkey: is not the key'
		'"mutations":[{"id":"o|1|21|snapshot.mutations[0]: differs from the mutation entry'
		'"prefix":["|1|30|snapshot.prefix: the root recomputed from it is not the snapshot'"'"'s root'
		'"target":"2026-01-01T11|1|20|target: is not the snapshot'"'"'s time'
	)
	local c pat occ skip want
	for c in "${cases[@]}"; do
		IFS='|' read -r pat occ skip want <<<"$c"
		flip "$B" "$pat" "$occ" "$skip"
		run -1 --separate-stderr sl-audit verify --key "$VKEY" <"$X"
		assert_output '{"verified":false}'
		[[ $stderr == "sl-audit: bundle does not verify: $want"* ]] ||
			fail "$pat: stderr is '$stderr', want '$want'"
	done
}

@test "sl-audit verify: a complete bundle naming an older entry of a source fails" {
	# At size 5, git:shop's latest entry is seq 3; name seq 0 instead, with
	# its own valid inclusion proof: only the prefix shows the lie.
	sl-snapshot --at now --complete >"$SNAP"
	sl-get 0 >"$BATS_TEST_TMPDIR/e0"
	sl-prove --seq 0 --size 5 >"$BATS_TEST_TMPDIR/p0"
	jq -c --rawfile e "$BATS_TEST_TMPDIR/e0" --slurpfile p "$BATS_TEST_TMPDIR/p0" \
		'.entries[0] |= (.seq = 0 | .entry = ($e | rtrimstr("\n")) | .leaf_hash = $p[0].leaf_hash | .inclusion = $p[0])' \
		"$SNAP" >"$BATS_TEST_TMPDIR/old.json"
	sl-audit --bare <"$BATS_TEST_TMPDIR/old.json" >"$B"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_output '{"verified":false}'
	assert_equal "$stderr" "sl-audit: bundle does not verify: snapshot.entries: [0] is not the latest entry of its source: seq 3 is later"
	# Without the prefix the same lie cannot be seen, and the bundle says so.
	jq -c '.complete = false | del(.prefix)' "$BATS_TEST_TMPDIR/old.json" | sl-audit >"$B"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_output --partial '"complete":false'
	assert_equal "$(jq -r '.warnings[0]' "$B")" "the snapshot is not complete: the root cannot be recomputed"
}

@test "sl-audit verify: a bundle that leaves out a namespace's mutations fails" {
	jq -c '.mutations = []' "$SNAP" | sl-audit >"$B"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_output '{"verified":false}'
	assert_equal "$stderr" "sl-audit: bundle does not verify: snapshot.mutations: has no record of the namespace of entries[2]"
}

@test "sl-audit --sign: the envelope verifies with --signer, and any changed byte fails" {
	sl-audit --bare --sign "$KEY" <"$SNAP" >"$E"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$E"
	assert_output --partial '"complete":true,"envelope":"verified"}'
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$E"
	assert_output --partial '"envelope":"unchecked"}'
	assert_equal "$(jq -r .payloadType "$E")" application/vnd.stateledger.bundle+json
	local c pat occ skip want
	for c in '"payload":"|1|40|signatures: no envelope signature by' \
		'"payload":"|1|2000|signatures: no envelope signature by' \
		'"sig":"|1|20|signatures: no envelope signature by' \
		'"payloadType":"app|1|20|payloadType: is not'; do
		IFS='|' read -r pat occ skip want <<<"$c"
		flip "$E" "$pat" "$occ" "$skip"
		run -1 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$X"
		assert_output '{"verified":false}'
		[[ $stderr == "sl-audit: bundle does not verify: $want"* ]] ||
			fail "$pat: stderr is '$stderr', want '$want'"
	done
}

@test "sl-audit verify --signer: a bare bundle or another signer fails" {
	sl-audit --bare <"$SNAP" >"$B"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$B"
	assert_output '{"verified":false}'
	assert_equal "$stderr" "sl-audit: bundle does not verify: the bundle is not signed (sl-audit --sign makes an envelope)"
	sl-keygen -o "$BATS_TEST_TMPDIR/other.key" --name other >"$BATS_TEST_TMPDIR/other.vkey"
	sl-audit --bare --sign "$BATS_TEST_TMPDIR/other.key" <"$SNAP" >"$E"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$E"
	assert_output '{"verified":false}'
	assert_equal "$stderr" "sl-audit: bundle does not verify: signatures: no envelope signature by 'test.example/log' holds"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" --signer "$(cat "$BATS_TEST_TMPDIR/other.vkey")" <"$E"
	assert_output --partial '"envelope":"verified"}'
}

@test "sl-audit verify: another checkpoint key fails" {
	sl-audit --bare <"$SNAP" >"$B"
	sl-keygen -o "$BATS_TEST_TMPDIR/other.key" --name other >"$BATS_TEST_TMPDIR/other.vkey"
	run -1 --separate-stderr sl-audit verify --key "$(cat "$BATS_TEST_TMPDIR/other.vkey")" <"$B"
	assert_output '{"verified":false}'
	assert_equal "$stderr" "sl-audit: bundle does not verify: snapshot.checkpoint.vkey: is not the key given to check it"
}

@test "sl-audit verify: a ledger without a checkpoint gives a bundle that does not verify" {
	rm -rf "$L"
	init_ledger
	VKEY=$(sl-keygen)
	printf '{"type":"x-t","source":"a","payload":{}}\n' | sl-append >/dev/null
	sl-snapshot --at now | sl-audit >"$B"
	assert_equal "$(jq -r '.warnings[0]' "$B")" "the ledger has no checkpoint"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_output '{"verified":false}'
	assert_equal "$stderr" "sl-audit: bundle does not verify: snapshot.checkpoint: the bundle has none (sign one with sl-checkpoint)"
}

@test "sl-audit: usage, input and key errors" {
	run -0 --separate-stderr sl-audit -h
	assert_line --index 0 'usage: sl-audit [--bare] [--sign KEYFILE]'
	run -2 --separate-stderr sl-audit verify
	assert_output ''
	assert_equal "$stderr" 'sl-audit: usage: sl-audit [--bare] [--sign KEYFILE] | sl-audit verify --key VKEY [--signer VKEY]'
	run -2 --separate-stderr sl-audit --key "$VKEY"
	run -2 --separate-stderr sl-audit verify --key nonsense
	assert_output ''
	run -100 --separate-stderr sl-audit <<<'{"type":"entry"}'
	assert_output ''
	assert_equal "$stderr" "sl-audit: fatal: unable to read the snapshot 'standard input': type: not a snapshot document (sl-snapshot writes them)"
	run -100 --separate-stderr sl-audit <<<'not json'
	assert_output ''
	run -1 --separate-stderr sl-audit verify --key "$VKEY" <<<'{"type":"snapshot"}'
	assert_output '{"verified":false}'
	chmod 0644 "$KEY"
	run -100 --separate-stderr sl-audit --bare --sign "$KEY" <"$SNAP"
	assert_output ''
	assert_regex "$stderr" "^sl-audit: fatal: unable to use key '.*': not a regular file of mode 0600"
	run -100 --separate-stderr sl-audit --bare --sign "$BATS_TEST_TMPDIR/none.key" <"$SNAP"
}

@test "sl-audit: the bundle carries sl-advisory's report and sl-replay's plan; they are not proofs but the envelope covers them" {
	run -0 --separate-stderr sl-audit <"$SNAP"
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >"$B"
	# The same report and plan the programs give on the snapshot itself.
	assert_equal "$(jq -cS '.advisory | del(.at)' "$B")" "$(sl-advisory <"$SNAP" | jq -cS 'del(.at)')"
	assert_equal "$(jq -c '[.replay_plan[] | [.namespace, .position, .id]]' "$B")" '[["kafka/c1/orders/0",1,"o-1"]]'
	assert_equal "$(jq -c .warnings "$B")" '[]'
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	# Signed, a changed advisory fails the envelope.
	sl-audit --sign "$KEY" <"$SNAP" >"$E"
	run -0 sl-audit verify --key "$VKEY" --signer "$VKEY" <"$E"
	jq -c '.payload |= (@base64d | fromjson | .advisory.risk = 0 | tojson | @base64)' "$E" >"$X"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$X"
	assert_regex "$stderr" "signatures: no envelope signature by"
	# A bundle whose advisory is not an object is refused.
	jq -c '.advisory = [1]' "$B" >"$X"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" <"$X"
	assert_regex "$stderr" "advisory: must be an object"
}

@test "sl-audit: without sl-advisory and sl-replay the bundle says they were not installed; --bare leaves them out silently" {
	local d="$BATS_TEST_TMPDIR/alone"
	mkdir -p "$d"
	cp "$(command -v sl-audit)" "$d/"
	run -0 --separate-stderr env PATH="$d:/usr/bin:/bin" sl-audit <"$SNAP"
	assert_equal "$(jq -c .warnings <<<"$output")" '["sl-advisory is not installed: the bundle has no advisory","sl-replay is not installed: the bundle has no replay plan"]'
	assert_equal "$(jq -c '[has("advisory"), has("replay_plan")]' <<<"$output")" '[false,false]'
	run -0 --separate-stderr sl-audit --bare <"$SNAP"
	assert_equal "$(jq -c '[has("advisory"), has("replay_plan"), .warnings]' <<<"$output")" '[false,false,[]]'
}

@test "sl-audit: a replay plan that fails (a conflict) becomes a warning, not a failure" {
	at '2026-01-01 13:00:00' \
		"{\"type\":\"mutation\",\"source\":\"kafka:orders-b\",\"payload\":{\"namespace\":\"kafka/c1/orders/0\",\"position\":2,\"id\":\"o-2\",\"sha256\":\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"}}"
	sl-snapshot --at now --complete >"$SNAP"
	run -0 --separate-stderr sl-audit <"$SNAP"
	assert_equal "$(jq -c 'has("replay_plan")' <<<"$output")" false
	assert_regex "$(jq -r '.warnings[-1]' <<<"$output")" '^sl-replay plan exited with status 1: .*conflict'
}
