#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Hostile review of sl-verify's one-pass check of the mutation index, of the
# fast reading of a mutation's key from its bytes (sl_mutation_key_bytes)
# and of what snapshots and sl-diff print from it.  The log is written
# behind sl-append's back and its tree recomputed (t/reroot-ledger.py), so
# only the checks of the bytes and of the index can catch it.

bats_require_minimum_version 1.5.0
load test_helper

SHA=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

# mut SOURCE NAMESPACE POSITION ID: one mutation line (POSITION as JSON).
mut() {
	printf '{"type":"mutation","source":"%s","payload":{"namespace":"%s","position":%s,"id":"%s","sha256":"%s"}}\n' \
		"$1" "$2" "$3" "$4" "$SHA"
}

setup() {
	ledger_setup jq python3
	S="$BATS_TEST_TMPDIR/snap.json"
	{
		mut k:o kafka/c/t/0 5 a
		mut k:o kafka/c/t/0 6 b
		mut k:o kafka/c/t/1 1 c
	} | sl-append >/dev/null || fail "append failed"
	KEEP="$BATS_TEST_TMPDIR/keep.db"
	tamper save "$KEEP"
}

# forge SEQ OLD NEW: replace OLD by NEW (Python bytes escapes allowed) in entry SEQ, recompute the tree.
forge() {
	local hex
	hex=$(tamper entry-hex "$1") || return 1
	hex=$(python3 - "$hex" "$2" "$3" <<-'EOF2'
		import sys, ast
		e = bytes.fromhex(sys.argv[1])
		old = ast.literal_eval("b'''" + sys.argv[2] + "'''"); new = ast.literal_eval("b'''" + sys.argv[3] + "'''")
		assert old in e, (old, e)
		print(e.replace(old, new, 1).hex())
	EOF2
	) || return 1
	tamper entry-set-hex "$1" "$hex"
	tamper reroot
}

@test "a mutation entry that is not JSON is not verified on its index row's word (its key read from the bytes)" {
	# Each edit leaves the namespace, position and id as they were, so the index
	# row still matches what a lenient reading of the bytes finds.
	local cases=(
		'"sha256":"a|"sha256":"b","sha256":"a'           # a duplicate member
		'"id":"b"|"id":"b","id2":1,"id2":2'              # one more
		'"sha256":"aaaa|"sha256":"\xff\xfe'              # invalid UTF-8
		'"id":"b"|"id":"b\xc0\x80"'                     # an overlong sequence in the id
		'"sha256":"aaaa|"q":tru,"sha256":"aa'            # not a literal
		'"sha256":"aaaa|"q":[1,],"sha256":"aa'           # a trailing comma
		'"sha256":"aaaa|"q":[,],"sha256":"aa'            # no element at all
		'"sha256":"aaaa|"q":{"a":},"sha256":"aa'         # no value
		'"sha256":"aaaa|"q":1e999,"sha256":"aa'          # a real that overflows
		'"sha256":"aaaa|"q":99999999999999999999999,"sha256":"aa' # too big an integer
		'"sha256":"aaaa|"q":01,"sha256":"aa'             # a leading zero
		'"sha256":"aaaa|"q":"\\ud800","sha256":"aa'    # a lone surrogate
		'"sha256":"aaaa|"q":"\\x","sha256":"aa'        # an unknown escape
		'"sha256":"aaaa|"q":-,"sha256":"aa'              # a sign alone
		'"sha256":"aaaa|"q":1 \x00,"sha256":"aa'         # a NUL byte outside a string (jansson takes "1\0")
		'},"seq":1|},"q":1,"q":2,"seq":1'                # a duplicate top-level member
	)
	local k
	for k in "${cases[@]}"; do
		tamper restore "$KEEP"
		echo "case: $k"
		forge 1 "${k%%|*}" "${k#*|}"
		run -1 --separate-stderr sl-verify
		assert_equal "$stderr" "sl-verify: seq 1: entry is not JSON"
	done
}

@test "a snapshot and sl-diff do not print a head or record from a mutation entry that is not JSON" {
	forge 1 '"sha256":"a' '"sha256":"b","sha256":"a'
	# With the index and without it, the same answer: the entry is not a mutation's.
	run -100 --separate-stderr sl-snapshot --at now
	assert_regex "$stderr" "seq 1"
	refute_output --partial '"seq":1'
	run --separate-stderr sl-diff --from 2000-01-01T00:00:00Z --to now
	refute_output --partial '"id":"b"'
	tamper mutation-index-drop
	run -100 --separate-stderr sl-snapshot --at now
	assert_equal "$stderr" "sl-snapshot: fatal: unable to take the snapshot: seq 1: entry is not JSON"
}

@test "plain entries written in another member order or with escapes are still read (by the full parser) and verified" {
	# Not canonical order: the fast reading gives up, the full parser reads it.
	forge 1 '{"payload":{"id":"b","namespace":"kafka/c/t/0","position":6,' '{"payload":{"position":6,"namespace":"kafka/c/t/0","id":"b",'
	run -0 sl-verify
	tamper restore "$KEEP"
	forge 1 '"id":"b"' '"id":"\\u0062"'
	run -0 sl-verify
	tamper restore "$KEEP"
	forge 1 '"sha256":"aaaa' '"q":{"a":[true,false,null,-0,-12,"\\n\\ud83d\\ude00"],"b":{}},"sha256":"aa'
	run -0 sl-verify
}

@test "a lane id of 2^30 or more is a verdict, not gigabytes: lanes renumbered consistently verify, in little memory" {
	local id lim='ulimit -v 400000 && '
	# AddressSanitizer reserves more address space than that limit: the plain build checks the memory.
	if ldd "$(command -v sl-verify)" 2>/dev/null | grep -q libasan; then
		lim=
	fi
	for id in 1073741823 1073741824 9223372036854775807; do
		tamper restore "$KEEP"
		sql "UPDATE lanes SET id = $id WHERE id = 2; UPDATE mutations SET lane = $id WHERE lane = 2"
		# 1 GB would be taken for the lanes up to that id (2 GB and more above it)
		run -0 --separate-stderr bash -c "${lim}sl-verify -q"
		sl-snapshot --at now >"$S"
		assert_equal "$(jq -c '[.mutations[] | [.namespace, .seq]]' "$S")" '[["kafka/c/t/0",1],["kafka/c/t/1",2]]'
	done
	# Renumbered in the index rows only: the rows' lane is not the lanes row of their namespace.
	tamper restore "$KEEP"
	sql "UPDATE mutations SET lane = 1073741823 WHERE lane = 2"
	run -1 --separate-stderr bash -c "${lim}sl-verify"
	assert_equal "$stderr" "sl-verify: the mutation index row of seq 2 has no lane"
}

@test "a malformed index row after the first is named, with its seq (it said {\"verified\":false,\"error\":\"\"})" {
	local cases=(
		'UPDATE mutations SET lane = 77 WHERE seq = 1|1|the mutation index row of seq 1 has no lane'
		'UPDATE mutations SET count = -1 WHERE seq = 2|2|the mutation index row of seq 2 is malformed'
		'UPDATE mutations SET lane = 0 WHERE seq = 2|2|the mutation index row of seq 2 has no lane'
		'UPDATE mutations SET lane = 77 WHERE seq = 0|0|the mutation index row of seq 0 has no lane'
	)
	local k q
	for k in "${cases[@]}"; do
		tamper restore "$KEEP"
		q=${k%%|*}
		sql "$q"
		run -1 --separate-stderr sl-verify
		assert_equal "$output" "$(jq -nc --argjson s "$(cut -d'|' -f2 <<<"$k")" --arg m "${k##*|}" '{verified: false, seq: $s, error: $m}')"
		assert_equal "$stderr" "sl-verify: ${k##*|}"
	done
}

@test "a position above 2^53 - 1 (written behind sl-append's back) is not a key: sl-verify says so, as sl-snapshot and sl-diff do" {
	# sl-append refuses it.
	run -100 --separate-stderr sl-append <<<"$(mut k:o kafka/c/t/1 9007199254740992 d)"
	forge 2 '"position":1,' '"position":9007199254740993,'
	tamper mutation-set 2 pos 010020000000000001 headpos 010020000000000001
	run -1 --separate-stderr sl-verify
	assert_equal "$stderr" "sl-verify: seq 2: a mutation without a namespace, a position or an id"
	run -100 --separate-stderr sl-snapshot --at now
	assert_equal "$stderr" "sl-snapshot: fatal: unable to take the snapshot: seq 2: a mutation without a namespace, a position or an id"
	# 2^53 - 1 itself is a position.
	tamper restore "$KEEP"
	forge 2 '"position":1,' '"position":9007199254740991,'
	tamper mutation-set 2 pos 01001fffffffffffff headpos 01001fffffffffffff
	run -0 sl-verify
	sl-snapshot --at now >"$S"
	assert_equal "$(jq -c '.mutations[1] | [.seq, .position]' "$S")" '[2,9007199254740991]'
}

@test "KNOWN LIMITATION (not fixed): index rows below the checkpoint are taken on trust by --since-checkpoint; a snapshot then gives a wrong head until a full sl-verify" {
	local vkey
	vkey=$(sl-keygen)
	sl-checkpoint >/dev/null
	mut k:o kafka/c/t/0 4 d | sl-append >/dev/null
	run -0 sl-verify --since-checkpoint
	sl-snapshot --at now >"$S"
	assert_equal "$(jq -c '.mutations[0] | [.namespace, .seq, .position]' "$S")" '["kafka/c/t/0",1,6]'
	# The row of seq 1 (below the checkpoint's size 3) says its lane's head stayed
	# seq 0 (position 5), and the row of seq 3 after it follows from that.
	tamper mutation-set 1 head 0 headpos 010000000000000005
	tamper mutation-set 3 head 0 headpos 010000000000000005
	run -0 sl-verify --since-checkpoint
	sl-snapshot --at now >"$S"
	assert_equal "$(jq -c '.mutations[0] | [.namespace, .seq, .position]' "$S")" '["kafka/c/t/0",0,5]'
	# A complete bundle carries the entries: sl-audit verify recomputes the heads and refuses it.
	sl-checkpoint >/dev/null
	sl-snapshot --at now --complete >"$S"
	run -1 --separate-stderr bash -c 'sl-audit --bare <"$1" | sl-audit verify --key "$2"' _ "$S" "$vkey"
	assert_regex "$stderr" "is not the head of namespace .kafka/c/t/0.: seq 1 is"
	# Only a full run sees it.
	run -1 --separate-stderr sl-verify
	assert_equal "$stderr" "sl-verify: seq 1: the mutation index row says head seq 0 of 2, the entries say seq 1 of 2"
}

@test "--since-checkpoint: a malformed index row below the checkpoint, read for its lane's start, is named (it said \"error\":\"\")" {
	sl-keygen >/dev/null
	sl-checkpoint >/dev/null
	mut k:o kafka/c/t/0 4 d | sl-append >/dev/null
	tamper mutation-set 1 count -1
	run -1 --separate-stderr sl-verify --since-checkpoint
	assert_equal "$output" '{"verified":false,"error":"the mutation index row of seq 1 is malformed"}'
	assert_equal "$stderr" "sl-verify: the mutation index row of seq 1 is malformed"
}
