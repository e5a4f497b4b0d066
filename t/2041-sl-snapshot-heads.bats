#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Issue 12: a namespace's head is its highest applied position (the first
# appended at it), with the last appended mutation given when it differs;
# the same in sl-snapshot, sl-diff, sl-audit, sl-replay and GET
# /v1/snapshot; kept by the store's mutation index, which a ledger made
# before it gets on its next append (and is read without it until then).

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

SHA=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

# mut SOURCE NAMESPACE POSITION ID: one mutation line (POSITION as JSON).
mut() {
	printf '{"type":"mutation","source":"%s","payload":{"namespace":"%s","position":%s,"id":"%s","sha256":"%s"}}' \
		"$1" "$2" "$3" "$4" "$SHA"
}

# at TIME LINE...: append the lines as one batch with the clock at TIME (UTC).
at() {
	local t=$1
	shift
	printf '%s\n' "$@" | faketime "$t" sl-append >/dev/null || fail "append at $t failed"
}

# heads FILE: the mutation records, short.
heads() {
	jq -c '[.mutations[] | [.namespace, .seq, .position, (.last | if . then [.seq, .position] else null end)]]' "$1"
}

setup() {
	ledger_setup jq faketime curl socat ss
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	S="$BATS_TEST_TMPDIR/snap.json"
	# Partition 0: offsets 100-106, then 102 delivered again (seq 7).
	at '2026-01-01 10:00:00' "$(mut kafka:orders kafka/c1/orders/0 100 o-100)" \
		"$(mut kafka:orders kafka/c1/orders/0 101 o-101)" "$(mut kafka:orders kafka/c1/orders/0 102 o-102)"
	at '2026-01-01 11:00:00' "$(mut kafka:orders kafka/c1/orders/0 103 o-103)" \
		"$(mut kafka:orders kafka/c1/orders/0 104 o-104)" "$(mut kafka:orders kafka/c1/orders/0 105 o-105)" \
		"$(mut kafka:orders kafka/c1/orders/0 106 o-106)"
	at '2026-01-01 12:00:00' "$(mut kafka:orders kafka/c1/orders/0 102 o-102)"
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
}

teardown() {
	httpd_teardown
}

@test "after a redelivery of offset 102 the head is 106, and the redelivery is the last appended" {
	sl-snapshot --at now >"$S"
	assert_equal "$(heads "$S")" '[["kafka/c1/orders/0",6,106,[7,102]]]'
	# Each record's entry is the ledger's, proved in the snapshot's tree.
	local root k
	root=$(jq -r .root "$S")
	for k in '.mutations[0]' '.mutations[0].last'; do
		jq -j "$k.entry" "$S" >"$BATS_TEST_TMPDIR/entry"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/entry")" "$(sl-get "$(jq "$k.seq" "$S")")"
		jq -c "$k.inclusion" "$S" | sl-prove --check --root "$root" --size "$(jq .size "$S")" \
			--entry "$BATS_TEST_TMPDIR/entry" >/dev/null || fail "$k: its proof does not hold"
	done
	# Before the redelivery there was nothing to add.
	sl-snapshot --at 2026-01-01T11:30:00Z >"$S"
	assert_equal "$(heads "$S")" '[["kafka/c1/orders/0",6,106,null]]'
}

@test "sl-diff and GET /v1/snapshot give the same head" {
	run -0 --separate-stderr sl-diff --from 2026-01-01T10:30:00Z --to now
	assert_output '{"change":"mutations","namespace":"kafka/c1/orders/0","from":{"seq":2,"position":102,"id":"o-102"},"to":{"seq":6,"position":106,"id":"o-106"},"count":5,"applied":[{"seq":3,"position":103,"id":"o-103"},{"seq":4,"position":104,"id":"o-104"},{"seq":5,"position":105,"id":"o-105"},{"seq":6,"position":106,"id":"o-106"},{"seq":7,"position":102,"id":"o-102"}]}'
	httpd_start
	get '/v1/snapshot?at=now'
	assert_equal "$CODE" 200
	assert_equal "$(heads "$BODY")" '[["kafka/c1/orders/0",6,106,[7,102]]]'
	# The same records from GET /v1/diff, in both forms.
	get '/v1/diff?from=2026-01-01T10:30:00Z&to=now' -H 'Accept: application/x-ndjson'
	assert_equal "$CODE" 200
	assert_equal "$(cat "$BODY")" "$output"
	get '/v1/diff?from=2026-01-01T10:30:00Z&to=now'
	assert_equal "$(jq -c '.changes[]' "$BODY")" "$output"
	# limit cuts each applied list (its count stays the number applied), so memory is bounded.
	get '/v1/diff?from=2026-01-01T10:30:00Z&to=now&limit=2'
	assert_equal "$CODE" 200
	assert_equal "$(jq -c '.changes[0] | [.count, [.applied[].seq]]' "$BODY")" '[5,[3,4]]'
	get '/v1/diff?from=2026-01-01T10:30:00Z&to=now&limit=0'
	assert_equal "$CODE" 400
	get '/v1/diff?from=2026-01-01T10:30:00Z&to=now&limit=100001'
	assert_equal "$CODE" 400
	# Nothing changed: an empty list.
	get '/v1/diff?from=now&to=now'
	assert_equal "$(cat "$BODY")" '{"changes":[]}'
}

@test "a complete bundle verifies; one that gives the redelivery as the head, or drops the last, fails" {
	sl-snapshot --at now --complete >"$S"
	sl-audit --bare <"$S" >"$BATS_TEST_TMPDIR/b.json"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" <"$BATS_TEST_TMPDIR/b.json"
	# The old answer (the last appended as the head), each record still proved.
	jq -c '.mutations[0] = (.mutations[0].last + {last: null})' "$S" | sl-audit --bare >"$BATS_TEST_TMPDIR/f.json"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" <"$BATS_TEST_TMPDIR/f.json"
	assert_equal "$stderr" "sl-audit: bundle does not verify: snapshot.mutations[0]: is not the head of namespace 'kafka/c1/orders/0': seq 6 is"
	jq -c '.mutations[0].last = null' "$S" | sl-audit --bare >"$BATS_TEST_TMPDIR/f.json"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" <"$BATS_TEST_TMPDIR/f.json"
	assert_equal "$stderr" "sl-audit: bundle does not verify: snapshot.mutations[0].last: is not the last mutation of namespace 'kafka/c1/orders/0': seq 7 is"
	# Even without the prefix, a "last" that is above the head is refused.
	sl-snapshot --at now | jq -c '.mutations[0] |= (.last + {last: del(.last)})' | sl-audit --bare >"$BATS_TEST_TMPDIR/f.json"
	run -1 --separate-stderr sl-audit verify --key "$VKEY" <"$BATS_TEST_TMPDIR/f.json"
	assert_equal "$stderr" "sl-audit: bundle does not verify: snapshot.mutations[0].last: is not a later mutation at a position no higher than the head's"
}

@test "sl-advisory's rule input carries the heads, without their proofs" {
	run -0 --separate-stderr sh -c 'sl-snapshot --at now | sl-advisory --input'
	assert_equal "$(jq -c .mutations <<<"$output")" \
		'[{"namespace":"kafka/c1/orders/0","seq":6,"position":106,"id":"o-106","last":{"seq":7,"position":102,"id":"o-102"}}]'
}

@test "sl-replay plan applies up to the head and drops the redelivery" {
	sl-snapshot --at now --complete >"$S"
	run -0 --separate-stderr sl-replay plan <"$S"
	assert_equal "$(jq -sc '[.[] | select(.step) | .position]' <<<"$output")" '[100,101,102,103,104,105,106]'
}

@test "every namespace has a head, not only those of each source's latest mutation; lanes of several sources merge" {
	# kafka:orders writes partition 1 last: partition 0 keeps its head.
	at '2026-01-01 13:00:00' "$(mut kafka:orders kafka/c1/orders/1 7 p1-7)"
	# Another source writes partition 1 below, then partition 0 above.
	at '2026-01-01 14:00:00' "$(mut mirror kafka/c1/orders/1 5 m-5)" "$(mut mirror kafka/c1/orders/0 107 m-107)"
	sl-snapshot --at now >"$S"
	assert_equal "$(heads "$S")" '[["kafka/c1/orders/0",10,107,null],["kafka/c1/orders/1",8,7,[9,5]]]'
	# A filter keeps the lanes of its sources only.
	sl-snapshot --at now --source kafka:orders >"$S"
	assert_equal "$(heads "$S")" '[["kafka/c1/orders/0",6,106,[7,102]],["kafka/c1/orders/1",8,7,null]]'
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
	sl-snapshot --at now --source 'mir*' --complete | sl-audit --bare | sl-audit verify --key "$VKEY" >/dev/null
	sl-snapshot --at now --type code >"$S"
	assert_equal "$(heads "$S")" '[]'
	# LSNs order by (X, Y) as numbers, not as text ("16/0" sorts before "9/..." as text).
	at '2026-01-01 15:00:00' "$(mut pg:main pg/db1/slot1 '"16/0"' t-1)" "$(mut pg:main pg/db1/slot1 '"9/FFFFFFFF"' t-2)"
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
	sl-snapshot --at now --source pg:main >"$S"
	assert_equal "$(heads "$S")" '[["pg/db1/slot1",11,"16/0",[12,"9/FFFFFFFF"]]]'
	sl-snapshot --at now --complete | sl-audit --bare | sl-audit verify --key "$VKEY" >/dev/null
}

@test "a ledger made before the mutation index is read without it, and gets it on its next append" {
	sl-snapshot --at 2026-01-01T12:30:00Z >"$BATS_TEST_TMPDIR/with"
	tamper mutation-index-drop
	sl-snapshot --at 2026-01-01T12:30:00Z >"$S"
	cmp "$S" "$BATS_TEST_TMPDIR/with" || fail "the snapshot without the index differs"
	run -0 sl-verify
	# Half an index is not a ledger's schema.
	tamper save "$BATS_TEST_TMPDIR/keep.db"
	sql 'CREATE TABLE lanes(id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, source TEXT NOT NULL, UNIQUE (namespace, source))'
	run -100 --separate-stderr sl-snapshot --at now
	assert_regex "$stderr" "schema is not a ledger's"
	tamper restore "$BATS_TEST_TMPDIR/keep.db"
	at '2026-01-01 13:00:00' "$(mut kafka:orders kafka/c1/orders/0 107 o-107)"
	assert_equal "$(tamper mutation-count)" 9
	sl-snapshot --at 2026-01-01T12:30:00Z >"$S"
	cmp "$S" "$BATS_TEST_TMPDIR/with" || fail "the snapshot from the new index differs"
	sl-snapshot --at now >"$S"
	assert_equal "$(heads "$S")" '[["kafka/c1/orders/0",8,107,null]]'
}

@test "sl-verify checks the mutation index against the entries: a row removed, moved, added or changed fails" {
	run -0 sl-verify
	local keep="$BATS_TEST_TMPDIR/keep.db" k
	tamper save "$keep"
	local cases=(
		'DELETE FROM mutations WHERE seq = 4|seq 4: the mutation index has no row for this mutation'
		'UPDATE mutations SET head = 7 WHERE seq = 7|seq 7: the mutation index row says head seq 7 of 8, the entries say seq 6 of 8'
		"UPDATE mutations SET pos = x'010000000000000070' WHERE seq = 3|seq 3: the mutation index row's namespace, source or position is not the entry's"
		"INSERT INTO lanes(namespace, source) VALUES ('kafka/c1/orders/0', 'other'); UPDATE mutations SET lane = 2 WHERE seq = 5|seq 5: the mutation index row's namespace, source or position is not the entry's"
		"UPDATE mutations SET headpos = x'010000000000000065' WHERE seq = 6|seq 6: the mutation index row's head position is not seq 6's"
		"INSERT INTO mutations SELECT 99, lane, pos, count + 1, head, headpos FROM mutations WHERE seq = 7|seq 99: the mutation index has a row beyond the log's 8 entries"
	)
	for k in "${cases[@]}"; do
		tamper restore "$keep"
		sql "${k%%|*}"
		run -1 --separate-stderr sl-verify
		assert_equal "$stderr" "sl-verify: ${k#*|}"
	done
	# A row for an entry that is not a mutation.
	tamper restore "$keep"
	at '2026-01-01 13:00:00' '{"type":"x-app","source":"web","payload":{}}'
	tamper mutation-copy 7 8 count 'count + 1'
	run -1 --separate-stderr sl-verify
	assert_equal "$stderr" "sl-verify: seq 8: the mutation index has a row for an entry that is not a mutation"
	# The lie it would tell: the head moved back to the redelivery.
	tamper restore "$keep"
	tamper mutation-set 7 head 7 headpos pos
	sl-snapshot --at now >"$S"
	assert_equal "$(heads "$S")" '[["kafka/c1/orders/0",7,102,null]]'
	run -1 sl-verify
	# --since-checkpoint checks the rows after the checkpoint only, from the index's state there.
	tamper restore "$keep"
	sl-checkpoint >/dev/null
	at '2026-01-01 13:00:00' "$(mut kafka:orders kafka/c1/orders/0 108 o-108)"
	run -0 sl-verify --since-checkpoint
	tamper mutation-set 8 head 7
	run -1 --separate-stderr sl-verify --since-checkpoint
	assert_equal "$stderr" "sl-verify: seq 8: the mutation index row says head seq 7 of 9, the entries say seq 8 of 9"
}

@test "GET /v1/verify checks the mutation index as sl-verify does" {
	tamper mutation-set 7 head 7
	httpd_start
	get /v1/verify
	assert_equal "$CODE" 200
	run -1 --separate-stderr sl-verify
	assert_equal "$(cat "$BODY")" "$output"
	assert_equal "$(jq -c '[.verified, .seq]' "$BODY")" '[false,7]'
}

@test "sl-verify reads escaped namespaces and LSNs right, and still catches an index row that names them wrongly" {
	# Canonical bytes escape '"', '\' and control characters: the key is read by the full parser then.
	at '2026-01-01 13:00:00' \
		'{"type":"mutation","source":"pg:main","payload":{"namespace":"pg/\"q\\\\t\"/Zürich","position":"16/B374D848","id":"l1","sha256":"'"$SHA"'"}}' \
		'{"type":"mutation","source":"pg:main","payload":{"namespace":"pg/\"q\\\\t\"/Zürich","position":"9/FFFFFFFF","id":"l0","sha256":"'"$SHA"'"}}' \
		'{"type":"mutation","source":"pg:main","payload":{"namespace":"plain/x","position":"0/1","id":"l2","sha256":"'"$SHA"'","kind":"}\"{[","stored":true}}'
	run -0 sl-verify
	# A control character is refused, and the message says so (it said "must not be empty").
	run -100 --separate-stderr sl-append <<<'{"type":"mutation","source":"pg:main","payload":{"namespace":"a\u0001b","position":1,"id":"c","sha256":"'"$SHA"'"}}'
	assert_equal "$stderr" "sl-append: fatal: unable to append: line 1: payload.namespace: must not contain control characters (nothing of this batch was appended)"
	sl-snapshot --at now >"$S"
	run -0 jq -r '.mutations[] | select(.namespace | startswith("pg/")) | [.namespace, .position, .seq] | @json' "$S"
	assert_output '["pg/\"q\\\\t\"/Zürich","16/B374D848",8]'
	local keep="$BATS_TEST_TMPDIR/keep.db"
	tamper save "$keep"
	# The namespace as its escaped bytes, not as the string they stand for.
	sql "UPDATE lanes SET namespace = 'pg/\\\"q' WHERE namespace LIKE 'pg/%'"
	run -1 --separate-stderr sl-verify
	assert_equal "$stderr" "sl-verify: seq 8: the mutation index row's namespace, source or position is not the entry's"
	tamper restore "$keep"
	tamper mutation-set 9 pos 020000000900000000
	run -1 --separate-stderr sl-verify
	assert_equal "$stderr" "sl-verify: seq 9: the mutation index row's namespace, source or position is not the entry's"
}
