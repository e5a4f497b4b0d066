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
	ledger_setup faketime od dd grep
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
	assert_output "{\"verified\":true,\"at\":\"2026-01-01T11:00:00.000000Z\",\"size\":3,\"entries\":3,\"mutations\":1,\"checkpoint_size\":5,\"complete\":true,\"envelope\":\"none\",\"origin\":\"test.example/log\",\"filter\":null,\"bounds\":{\"last\":\"$(sl-get 2 | jq -r .ts)\",\"next\":\"$(sl-get 3 | jq -r .ts)\"},\"proved\":[\"target\",\"snapshot.filter\",\"snapshot.size\",\"snapshot.root\",\"snapshot.entries\",\"snapshot.mutations\",\"snapshot.checkpoint\",\"snapshot.bounds\",\"snapshot.prefix\"],\"signed\":[],\"unverified\":[\"requested\",\"warnings\",\"snapshot.warnings\"]}"
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
		'"leaf_hash":"|6|14|snapshot.entries[0].leaf_hash: is not the hash'
		'"leaf_hash":"|5|14|snapshot.entries[0].inclusion.leaf_hash: is not the hash'
		'"proof":["|4|11|snapshot.entries[0].inclusion: does not hold'
		'"proof":["|3|11|snapshot.checkpoint.consistency: does not hold'
		'"leaf_hash":"|2|14|snapshot.bounds.last.leaf_hash: is not the hash'
		'"leaf_hash":"|3|14|snapshot.bounds.next.inclusion.leaf_hash: is not the hash'
		'"proof":["|1|11|snapshot.bounds.last.inclusion: does not hold'
		'"proof":["|2|11|snapshot.bounds.next.inclusion: does not hold'
		'"seq":3}},"checkpoint"|1|6|snapshot.bounds.next.seq: must be 3'
		'"root":"|last|9|snapshot.entries[0].inclusion.root: is not the snapshot'"'"'s root'
		'"from_root":"|1|14|snapshot.checkpoint.consistency.from_root: is not the snapshot'"'"'s root'
		'"size":3,"type":"snapshot"|1|7|snapshot.entries[0].seq: is not within the snapshot'"'"'s size'
		'"note":"test|1|9|snapshot.checkpoint.note: '
		'\n5\n|1|2|snapshot.checkpoint.note: '
		'\n5\n|1|6|snapshot.checkpoint.note: '
		'— test.example/log |1|31|snapshot.checkpoint.note: the signature by'
		'"vkey":"|1|30|snapshot.checkpoint.vkey: is not the key'
		'"id":"o|1|8|snapshot.mutations[0].id: is not the entry'"'"'s id'
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
	assert_equal "$stderr" "sl-audit: bundle does not verify: snapshot.mutations: the head of namespace 'kafka/c1/orders/0' (seq 2) is missing"
}

@test "sl-audit --sign: the envelope verifies with --signer, and any changed byte fails" {
	sl-audit --bare --sign "$KEY" <"$SNAP" >"$E"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$E"
	assert_output --partial '"complete":true,"envelope":"verified",'
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$E"
	assert_output --partial '"envelope":"unchecked",'
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
	assert_output --partial '"envelope":"verified",'
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
	assert_line --index 0 'usage: sl-audit [bundle] [--bare] [-k KEYFILE]'
	run -2 --separate-stderr sl-audit verify
	assert_output ''
	assert_equal "$stderr" "sl-audit: usage: verify needs '--key'
sl-audit: usage: sl-audit [bundle] [--bare] [-k KEYFILE] | sl-audit verify --key VKEY [--signer VKEY] [--origin ORIGIN] [--witness VKEY ... [--quorum K]]"
	run -2 --separate-stderr sl-audit --key "$VKEY"
	assert_equal "${stderr_lines[0]}" "sl-audit: usage: '--key' does not go with 'bundle'"
	run -2 --separate-stderr sl-audit verify --key nonsense
	assert_output ''
	run -100 --separate-stderr sl-audit <<<'{"type":"entry"}'
	assert_output ''
	assert_equal "$stderr" "sl-audit: fatal: unable to read the snapshot 'standard input': type: not a snapshot document (sl-snapshot writes them)"
	run -100 --separate-stderr sl-audit <<<'not json'
	assert_output ''
	# Text that is not a bundle is bad input (100), not a "no" (1).
	run -100 --separate-stderr sl-audit verify --key "$VKEY" <<<'{"type":"snapshot"}'
	assert_output ''
	assert_equal "$stderr" "sl-audit: fatal: unable to verify the bundle 'standard input': type: not an audit bundle (sl-audit writes them)"
	run -100 --separate-stderr sl-audit verify --key "$VKEY" <<<'not json'
	assert_output ''
	assert_regex "$stderr" "^sl-audit: fatal: unable to verify the bundle 'standard input': not JSON"
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
	run -100 --separate-stderr sl-audit verify --key "$VKEY" <"$X"
	assert_output ''
	assert_equal "$stderr" "sl-audit: fatal: unable to verify the bundle 'standard input': advisory: must be an object"
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

# Issue 11: the answer must not lie.  Every forgery below is tried bare and
# signed (sl-audit --sign then verify --signer): a signature by the bundle's
# maker vouches for what it signed, not for what the ledger proves.

# forged JQ [SNAPSHOT-ARGS...]: the snapshot of SNAPSHOT-ARGS edited by JQ,
# into $B (bare) and $E (signed by the ledger key).
forged() {
	local f=$1
	shift
	sl-snapshot "$@" | jq -c "$f" >"$BATS_TEST_TMPDIR/forged.json" || fail "forging failed"
	pack "$BATS_TEST_TMPDIR/forged.json"
}

# pack SNAPSHOT: its bundle into $B (bare) and $E (signed by the ledger key).
pack() {
	sl-audit --bare <"$1" >"$B" || fail "sl-audit failed"
	sl-audit --bare --sign "$KEY" <"$1" >"$E" || fail "sl-audit --sign failed"
}

# refused WANT: both $B and $E (with --signer) exit 1 naming WANT on stderr.
refused() {
	run -1 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_output '{"verified":false}'
	[[ $stderr == "sl-audit: bundle does not verify: $1"* ]] || fail "bare: stderr is '$stderr', want '$1'"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$E"
	assert_output '{"verified":false}'
	[[ $stderr == "sl-audit: bundle does not verify: $1"* ]] || fail "signed: stderr is '$stderr', want '$1'"
}

@test "issue 11: a time moved later past the next entry fails, signed or not" {
	forged '.at = "2026-01-01T12:30:00.000000Z"' --at 2026-01-01T11:00:00Z --complete
	refused 'snapshot.bounds.next: its ts is not after the snapshot'"'"'s time'
	forged '.at = "2026-01-01T12:30:00.000000Z"' --at 2026-01-01T11:00:00Z
	refused 'snapshot.bounds.next: its ts is not after the snapshot'"'"'s time'
}

@test "issue 11: a time moved earlier than the last entry fails, signed or not" {
	# Only the config entry (seq 1, 10:00) is named; seq 4 (12:00) is in the prefix.
	forged '.at = "2026-01-01T11:00:00.000000Z"' --at 2026-01-01T12:30:00Z --type config
	refused 'snapshot.bounds.last: its ts is after the snapshot'"'"'s time'
}

@test "issue 11: a time moved within the gap between two entries still verifies (same prefix)" {
	forged '.at = "2026-01-01T11:59:00.000000Z"' --at 2026-01-01T11:00:00Z --complete
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_equal "$(jq -c '[.at, .size, .bounds]' <<<"$output")" \
		"[\"2026-01-01T11:59:00.000000Z\",3,{\"last\":\"$(sl-get 2 | jq -r .ts)\",\"next\":\"$(sl-get 3 | jq -r .ts)\"}]"
}

@test "issue 11: a complete bundle without a source fails, signed or not, naming it" {
	forged 'del(.entries[] | select(.source == "git:shop"))' --at now --complete
	refused "snapshot.entries: the latest entry of (code, git:shop) is missing: seq 3"
}

@test "issue 11: a complete bundle without a mutation source and its record fails, signed or not" {
	forged 'del(.entries[] | select(.source == "kafka:orders")) | .mutations = []' --at now --complete
	refused "snapshot.entries: the latest entry of (mutation, kafka:orders) is missing: seq 4"
}

@test "issue 11: a complete bundle with a stale mutation record fails, signed or not" {
	forged '.mutations[0].position = 1 | .mutations[0].id = "o-1" | .mutations[0].seq = 2' --at now --complete
	refused "snapshot.mutations"
}

@test "issue 11: a filtered snapshot states its filter" {
	run -0 --separate-stderr sl-snapshot --at now --type code --source 'git:*'
	assert_equal "$(jq -c .filter <<<"$output")" '{"type":"code","source":"git:*"}'
	run -0 --separate-stderr sl-snapshot --at now
	assert_equal "$(jq -c .filter <<<"$output")" 'null'
}

@test "issue 11: a filtered complete bundle is complete only for its filter" {
	sl-snapshot --at now --complete --type code | sl-audit --bare >"$B"
	assert_equal "$(jq -c .warnings "$B")" '["the snapshot is filtered: it names only the sources that pass its filter"]'
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_equal "$(jq -c '[.complete, .filter]' <<<"$output")" '[false,{"type":"code","source":null,"complete":true}]'
	# The filter hidden: the other sources are missing.
	forged 'del(.filter)' --at now --complete --type code
	refused "snapshot.entries: the latest entry of (config, config:web-1:/etc/nginx.conf) is missing"
	# The filter changed.
	forged '.filter.type = "config"' --at now --complete --type code
	refused "snapshot.entries: (code, git:shop) is not within the filter"
}

@test "issue 11: an entry added outside the filter fails, signed or not" {
	sl-snapshot --at now --type config | jq -c .entries >"$BATS_TEST_TMPDIR/cfg.json"
	sl-snapshot --at now --complete --type code |
		jq -c --slurpfile c "$BATS_TEST_TMPDIR/cfg.json" '.entries += $c[0]' >"$BATS_TEST_TMPDIR/forged.json"
	pack "$BATS_TEST_TMPDIR/forged.json"
	refused "snapshot.entries: (config, config:web-1:/etc/nginx.conf) is not within the filter"
}

@test "issue 11: without --signer the fields only a signature vouches for are reported unverified" {
	sl-audit --sign "$KEY" <"$SNAP" >"$E"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$E"
	assert_equal "$(jq -c '[.envelope, .unverified, .signed]' <<<"$output")" \
		'["unchecked",["requested","warnings","advisory","replay_plan","snapshot.warnings"],[]]'
	run -0 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$E"
	assert_equal "$(jq -c '[.envelope, .unverified, .signed]' <<<"$output")" \
		'["verified",[],["requested","warnings","advisory","replay_plan","snapshot.warnings"]]'
	# Edited without a signature: still exit 0, but never called verified.
	jq -c '.payload |= (@base64d | fromjson | .requested = "2020-01-01T00:00:00.000000Z" | .warnings = [] | .advisory.risk = 0 | tojson | @base64)' "$E" >"$X"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$X"
	assert_equal "$(jq -c '[.envelope, .unverified]' <<<"$output")" \
		'["unchecked",["requested","warnings","advisory","replay_plan","snapshot.warnings"]]'
}

@test "issue 11: verify checks and prints the checkpoint's origin; --origin pins it" {
	sl-audit --bare <"$SNAP" >"$B"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" --origin test.example/log <"$B"
	assert_equal "$(jq -r .origin <<<"$output")" test.example/log
	run -1 --separate-stderr sl-audit verify --key "$VKEY" --origin other.example/log <"$B"
	assert_output '{"verified":false}'
	assert_equal "$stderr" "sl-audit: bundle does not verify: snapshot.checkpoint.note: its origin 'test.example/log' is not 'other.example/log'"
}

@test "issue 11: a checkpoint note edited inside a validly signed envelope fails" {
	local f
	# The size, the root, the signature.
	for f in 'sub("\n5\n"; "\n6\n")' 'sub("\n5\n(?<r>.)"; "\n5\n" + (if .r == "A" then "B" else "A" end))' \
		'sub("(?<a>log [A-Za-z0-9+/]{12})(?<c>.)"; .a + (if .c == "A" then "B" else "A" end))'; do
		jq -c ".checkpoint.note |= $f" "$SNAP" >"$BATS_TEST_TMPDIR/forged.json"
		cmp -s "$SNAP" "$BATS_TEST_TMPDIR/forged.json" && fail "$f changed nothing"
		sl-audit --bare --sign "$KEY" <"$BATS_TEST_TMPDIR/forged.json" >"$E"
		run -1 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$E"
		assert_output '{"verified":false}'
		assert_regex "$stderr" "^sl-audit: bundle does not verify: snapshot.checkpoint.note: "
	done
}

@test "issue 11: untouched bundles verify: complete or not, filtered or not, bare or signed" {
	local args
	for args in '--at now --complete' '--at now' '--at 2026-01-01T11:00:00Z --type mutation --complete' \
		'--at now --source git:*' '--at 2026-01-01T09:00:00Z --complete'; do
		# shellcheck disable=SC2086
		sl-snapshot $args >"$BATS_TEST_TMPDIR/s.json"
		pack "$BATS_TEST_TMPDIR/s.json"
		run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
		assert_equal "$(jq -c '[.verified, .envelope]' <<<"$output")" '[true,"none"]'
		run -0 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" --origin test.example/log <"$E"
		assert_equal "$(jq -c '[.verified, .envelope, .unverified]' <<<"$output")" '[true,"verified",[]]'
	done
	# The last one, before the first entry: size 0, no last entry, the first one after.
	assert_equal "$(jq -c '[.size, .bounds.last, (.bounds.next | length > 0)]' <<<"$output")" '[0,null,true]'
}

@test "issue 11: a checkpoint that ends at the snapshot bounds the time only from below, and says so" {
	sl-snapshot --at now --complete >"$SNAP"
	pack "$SNAP"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_equal "$(jq -c '[.size, .checkpoint_size, .bounds.next, (.proved | index("target")), (.unverified | index("target") > 0)]' <<<"$output")" \
		'[5,5,null,null,true]'
	assert_equal "$stderr" "sl-audit: warning: the checkpoint ends at size 5: entries after it are not covered, so the time is bounded only from below (sign a newer checkpoint)"
	# With --signer the target is the signer's word, not a proof.
	run -0 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$E"
	assert_equal "$(jq -c '(.signed | index("target") > 0)' <<<"$output")" true
	# A "next" bound the checkpoint does not reach cannot be slipped in either.
	jq -c '.bounds.next = .bounds.last' "$SNAP" | sl-audit --bare >"$B"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_equal "$stderr" "sl-audit: bundle does not verify: snapshot.bounds.next: must be null: the checkpoint ends at the snapshot"
}

@test "issue 11: a checkpoint older than N(T) gives a bundle that does not verify" {
	at '2026-01-01 13:00:00' '{"type":"x-late","source":"late","payload":{}}'
	sl-snapshot --at now >"$SNAP"
	assert_equal "$(jq -c '[.size, .checkpoint, .bounds]' "$SNAP")" '[6,null,null]'
	pack "$SNAP"
	refused "snapshot.checkpoint: the bundle has none (sign one with sl-checkpoint)"
	# Forging bounds and the old checkpoint in does not help: it is below the size.
	sl-snapshot --at 2026-01-01T12:30:00Z | jq -c --slurpfile n "$SNAP" '.at = $n[0].at | .size = $n[0].size | .root = $n[0].root | .entries = $n[0].entries | .mutations = $n[0].mutations' >"$BATS_TEST_TMPDIR/f.json"
	pack "$BATS_TEST_TMPDIR/f.json"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_equal "$stderr" "sl-audit: bundle does not verify: snapshot.checkpoint.note: its size is below the snapshot's size"
}

@test "issue 11: bounds that are missing, of the wrong seq or unproved fail, signed or not" {
	forged 'del(.bounds)' --at 2026-01-01T11:00:00Z
	refused "snapshot.bounds: is missing: nothing shows the size is N(at)"
	forged '.bounds.next = null' --at 2026-01-01T11:00:00Z
	refused "snapshot.bounds.next: is missing: nothing shows the next entry is after the time"
	forged '.bounds.last = .bounds.next' --at 2026-01-01T11:00:00Z
	refused "snapshot.bounds.last.seq: must be 2"
}

@test "issue 11: a stale entry, or a mutation entry dropped without its record, fails, signed or not" {
	sl-get 0 >"$BATS_TEST_TMPDIR/e0"
	sl-prove --seq 0 --size 5 >"$BATS_TEST_TMPDIR/p0"
	# git:shop's seq 0 in place of its latest, seq 3, with its own valid proof.
	sl-snapshot --at now --complete | jq -c --rawfile e "$BATS_TEST_TMPDIR/e0" --slurpfile p "$BATS_TEST_TMPDIR/p0" \
		'.entries[0] |= (.seq = 0 | .entry = ($e | rtrimstr("\n")) | .leaf_hash = $p[0].leaf_hash | .inclusion = $p[0])' \
		>"$BATS_TEST_TMPDIR/f.json"
	pack "$BATS_TEST_TMPDIR/f.json"
	refused "snapshot.entries: [0] is not the latest entry of its source: seq 3 is later"
	forged 'del(.entries[] | select(.source == "kafka:orders"))' --at now --complete
	refused "snapshot.entries: the latest entry of (mutation, kafka:orders) is missing: seq 4"
	forged '.mutations = []' --at now --complete
	refused "snapshot.mutations: the head of namespace 'kafka/c1/orders/0' (seq 4) is missing"
	# Without the prefix a head's record still cannot lie about its own entry.
	forged '.mutations[0].position = 7' --at now
	refused "snapshot.mutations[0].position: is not the entry's position"
	forged '.mutations[0].namespace = "kafka/c1/orders/1"' --at now
	refused "snapshot.mutations[0].namespace: is not the entry's namespace"
}

@test "issue 11: any unsigned field edited in a signed envelope fails with --signer" {
	sl-audit --sign "$KEY" <"$SNAP" >"$E"
	local f
	for f in '.requested = "2020-01-01T00:00:00.000000Z"' '.warnings = ["all is well"]' '.advisory.risk = 0' \
		'.replay_plan = []' '.snapshot.warnings = ["x"]' '.target = "2026-01-01T11:30:00.000000Z" | .snapshot.at = .target'; do
		jq -c ".payload |= (@base64d | fromjson | $f | tojson | @base64)" "$E" >"$X"
		cmp -s "$E" "$X" && fail "$f changed nothing"
		run -1 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$X"
		assert_output '{"verified":false}'
		assert_equal "$stderr" "sl-audit: bundle does not verify: signatures: no envelope signature by 'test.example/log' holds"
		# Without --signer it verifies, and says what it could not check.
		run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$X"
		assert_equal "$(jq -c '[.envelope, .signed, (.unverified | length > 0)]' <<<"$output")" '["unchecked",[],true]'
	done
}

@test "issue 11 review: at size 0 a root that is not the empty tree's fails, signed or not (it was reported proved)" {
	# Nothing hashes to the root of an empty prefix: only SHA-256("") is it.
	forged ".root = \"$H64\"" --at 2026-01-01T09:00:00Z
	refused "snapshot.root: is not the root of the empty tree"
	forged ".root = \"$H64\"" --at 2026-01-01T09:00:00Z --complete
	refused "snapshot.root: is not the root of the empty tree"
	forged '.' --at 2026-01-01T09:00:00Z
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_equal "$(jq -c '[.size, (.proved | index("snapshot.root") > 0)]' <<<"$output")" '[0,true]'
}

@test "issue 11 review: the filter's GLOB is the store's: a source it matches cannot be left out of a complete bundle" {
	# SQLite's GLOB matches a UTF-8 character with ?, fnmatch(3) one byte;
	# [[:alpha:]] is a POSIX class to fnmatch, a set of characters to SQLite.
	at '2026-01-01 12:30:00' '{"type":"x-g","source":"é","payload":{}}' '{"type":"x-g","source":"[]z","payload":{}}'
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
	local pat
	for pat in '?' '[[:alpha:]]*'; do
		sl-snapshot --at now --complete --type x-g --source "$pat" >"$BATS_TEST_TMPDIR/s.json"
		assert_equal "$(jq -c '[.entries[].source]' "$BATS_TEST_TMPDIR/s.json")" \
			"$(if [[ $pat == '?' ]]; then echo '["é"]'; else echo '["[]z"]'; fi)"
		# The snapshot as made verifies: what the store named is within the filter.
		pack "$BATS_TEST_TMPDIR/s.json"
		run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
		assert_equal "$(jq -c '.filter.complete' <<<"$output")" true
		# Without its entry it is not complete for that filter.
		forged '.entries = []' --at now --complete --type x-g --source "$pat"
		refused "snapshot.entries: the latest entry of (x-g, "
	done
}

@test "issue 11 review: a complete bundle's prefix must be at or before its time (a log whose ts go back cannot answer for T)" {
	# The operator plants an entry whose ts goes back: the head's ts set back
	# before an append, then restored.  The key signs it all the same.
	tamper entry-set 4 ts 2026-01-01T09:00:00.000000Z
	tamper head-set ts 2026-01-01T09:00:00.000000Z
	at '2026-01-01 09:30:00' "{\"type\":\"code\",\"source\":\"git:shop\",\"payload\":{\"repo\":\"https://example.org/shop\",\"commit\":\"$(printf '3%.0s' {1..40})\"}}"
	tamper entry-set 4 ts "$(tamper entry 4 | jq -r .ts)"
	at '2026-01-01 13:00:00' '{"type":"x-late","source":"late","payload":{}}'
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
	run -1 sl-verify
	# At 11:00 git:shop ran C1; seq 5 (ts 09:30) says C3, but seq 3 and 4 (12:00) lie before it.
	forged '.at = "2026-01-01T11:00:00.000000Z"' --at 2026-01-01T12:30:00Z --complete --type code
	assert_equal "$(jq -c '[.size, (.entries[0].entry | fromjson | .payload.commit[0:1])]' "$BATS_TEST_TMPDIR/forged.json")" '[6,"3"]'
	refused "snapshot.prefix: entry 3: its ts is after the snapshot's time"
}

@test "issue 11 review: a prefix in a bundle that does not claim completeness is reported unverified, not passed over" {
	# complete:false leaves the prefix unchecked: it may be anything.
	forged '.complete = false | .prefix[0] = "{}"' --at now --complete
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	assert_equal "$(jq -c '[.complete, (.proved | index("snapshot.prefix")), (.unverified | index("snapshot.prefix") > 0)]' <<<"$output")" \
		'[false,null,true]'
	run -0 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$E"
	assert_equal "$(jq -c '[(.signed | index("snapshot.prefix") > 0), .unverified]' <<<"$output")" '[true,[]]'
}

@test "issue 11 review: a prefix cannot end between entries of equal ts (N(T) counts ts <= T)" {
	local t
	t=$(sl-get 2 | jq -r .ts)
	assert_equal "$(sl-get 1 | jq -r .ts)" "$t"
	# At exactly that ts the prefix holds all three entries of the batch.
	sl-snapshot --at "$t" >"$BATS_TEST_TMPDIR/s.json"
	assert_equal "$(jq -c .size "$BATS_TEST_TMPDIR/s.json")" 3
	pack "$BATS_TEST_TMPDIR/s.json"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$B"
	# Cut after seq 1, everything re-proved at size 2: seq 2 has the same ts, not a later one.
	sl-prove --seq 1 --size 2 >"$BATS_TEST_TMPDIR/p12"
	sl-prove --seq 0 --size 2 >"$BATS_TEST_TMPDIR/p02"
	sl-prove --seq 1 --size 5 >"$BATS_TEST_TMPDIR/p15"
	sl-prove --seq 2 --size 5 >"$BATS_TEST_TMPDIR/p25"
	sl-prove --from 2 --to 5 >"$BATS_TEST_TMPDIR/c25"
	sl-get 1 | head -c -1 >"$BATS_TEST_TMPDIR/e1"
	sl-get 2 | head -c -1 >"$BATS_TEST_TMPDIR/e2"
	jq -c --arg r "$(root_at 2)" --slurpfile p12 "$BATS_TEST_TMPDIR/p12" --slurpfile p02 "$BATS_TEST_TMPDIR/p02" \
		--slurpfile p15 "$BATS_TEST_TMPDIR/p15" --slurpfile p25 "$BATS_TEST_TMPDIR/p25" \
		--slurpfile c "$BATS_TEST_TMPDIR/c25" --rawfile e1 "$BATS_TEST_TMPDIR/e1" --rawfile e2 "$BATS_TEST_TMPDIR/e2" '
		.size = 2 | .root = $r | .mutations = [] |
		.entries = [.entries[] | select(.seq < 2) | .inclusion = (if .seq == 0 then $p02[0] else $p12[0] end)] |
		.bounds.last = {seq: 1, leaf_hash: $p15[0].leaf_hash, entry: $e1, inclusion: $p15[0]} |
		.bounds.next = {seq: 2, leaf_hash: $p25[0].leaf_hash, entry: $e2, inclusion: $p25[0]} |
		.checkpoint.consistency = $c[0]' "$BATS_TEST_TMPDIR/s.json" >"$BATS_TEST_TMPDIR/forged.json"
	assert_equal "$(jq -c '[.size, [.entries[].seq]]' "$BATS_TEST_TMPDIR/forged.json")" '[2,[0,1]]'
	pack "$BATS_TEST_TMPDIR/forged.json"
	refused "snapshot.bounds.next: its ts is not after the snapshot's time: the prefix is longer"
}
