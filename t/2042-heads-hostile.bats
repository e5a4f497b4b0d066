#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Issue 12, hostile review: attacks on the mutation heads (sl-audit verify),
# on the mutation index (sl-verify, snapshots that trust it), on sl-append's
# lane cache and the migration of ledgers made before the index, and on the
# schema check.  Each test is an attack that must fail.

bats_require_minimum_version 1.5.0
load test_helper

SHA=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa

# mut SOURCE NAMESPACE POSITION ID: one mutation line (POSITION as JSON).
mut() {
	printf '{"type":"mutation","source":"%s","payload":{"namespace":"%s","position":%s,"id":"%s","sha256":"%s"}}\n' \
		"$1" "$2" "$3" "$4" "$SHA"
}

# heads FILE: the mutation records, short.
heads() {
	jq -c '[.mutations[] | [.namespace, .seq, .position, (.last | if . then [.seq, .position] else null end)]]' "$1"
}

# audit_ok / audit_fails: a snapshot on stdin made into a bundle and verified.
audit() {
	sl-audit --bare | sl-audit verify --key "$VKEY"
}

setup() {
	ledger_setup jq
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	S="$BATS_TEST_TMPDIR/snap.json"
	B="$BATS_TEST_TMPDIR/bundle.json"
}

# The standard ledger: two namespaces, a redelivery, an LSN namespace, a user entry.
std_ledger() {
	{
		mut k:o kafka/c/t/0 100 a
		mut k:o kafka/c/t/0 101 b
		mut k:o kafka/c/t/1 7 c
		mut k:p pg/s1/slot '"16/B374D848"' d
		mut k:o kafka/c/t/0 100 a
		printf '{"type":"x-note","source":"k:o","payload":{"i":1}}\n'
		mut k:p pg/s1/slot '"9/FFFFFFFF"' e
	} | sl-append >/dev/null || fail "append failed"
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
}

@test "a namespace holding a NUL is not taken for its start (a forged, signed log)" {
	require_cmd python3
	{
		mut k:o kafka/c/t/0 5 a
		mut k:o kafka/c/t/0 6 b
		mut k:o kafka/c/t/9 999 z
	} | sl-append >/dev/null
	# The operator rewrites seq 2 as a mutation of "kafka/c/t/0\u0000", recomputes
	# the tree, moves its index row into lane kafka/c/t/0, and signs.
	tamper entry-replace 2 kafka/c/t/9 'kafka/c/t/0\u0000'
	tamper reroot
	tamper mutation-set 2 lane 1 count 3 head 2
	sql "DELETE FROM lanes WHERE id = 2"
	sl-checkpoint >/dev/null
	# sl-verify names the entry.
	run -1 --separate-stderr sl-verify
	assert_equal "$stderr" "sl-verify: seq 2: a mutation without a namespace, a position or an id"
	# A complete bundle calling seq 2 (position 999) the head of kafka/c/t/0 is refused.
	tamper mutation-index-drop # the snapshot then scans
	run --separate-stderr sl-snapshot --at now --complete
	assert_equal "$status" 100
	# Hand-made: the prefix and the records as the operator would write them.
	local seq
	for seq in $(seq 0 $(($(ledger_size) - 1))); do
		tamper entry "$seq"
	done | jq -R -s -c 'split("\n") | map(select(. != ""))' >"$BATS_TEST_TMPDIR/prefix.json"
	run -0 sl-prove --seq 2 --size 3
	local inc=$output
	jq -nc --argjson pre "$(cat "$BATS_TEST_TMPDIR/prefix.json")" --argjson inc "$inc" \
		--arg root "$(root_at 3)" --arg at "$(sl-get 2 | jq -r .ts)" \
		--arg leaf "$(leaf_hash_of 2)" --arg note "$(tamper checkpoint-get 1 note)" --arg vkey "$VKEY" '
		{type: "snapshot", at: $at, size: 3, root: $root, filter: null, complete: true,
		 warnings: [], prefix: $pre, bounds: {last: {seq: 2, leaf_hash: $leaf, entry: $pre[2], inclusion: $inc}, next: null},
		 checkpoint: {note: $note, vkey: $vkey, consistency: {type: "consistency", from: 3, to: 3, from_root: $root, to_root: $root, proof: []}},
		 entries: [], mutations: [{namespace: "kafka/c/t/0", seq: 2, position: 999, id: "z", leaf_hash: $leaf,
		   entry: $pre[2], inclusion: $inc, last: null}]}' >"$S"
	run -1 --separate-stderr audit <"$S"
	assert_regex "$stderr" "snapshot.(mutations\[0\].entry: is not a mutation|prefix: entry 2: a mutation without)"
}

@test "sl-verify refuses an index row edited in the middle, rows swapped between lanes, and a row of a negative seq" {
	std_ledger
	tamper save "$BATS_TEST_TMPDIR/clean.db"
	run -0 sl-verify
	# A middle row's head moved to the redelivery: the heads at past sizes would lie.
	tamper mutation-set 4 head 4
	run -1 --separate-stderr sl-verify
	assert_regex "$stderr" "seq 4: the mutation index row says head seq 4"
	tamper restore "$BATS_TEST_TMPDIR/clean.db"
	tamper mutation-set 1 headpos 010000000000000066
	run -1 --separate-stderr sl-verify
	assert_regex "$stderr" "seq 1: "
	# Rows moved to the other lane of the same source.
	tamper restore "$BATS_TEST_TMPDIR/clean.db"
	tamper mutation-set 1 lane "$(tamper mutation-get 2 lane)"
	run -1 --separate-stderr sl-verify
	assert_regex "$stderr" "seq 1: the mutation index row's namespace, source or position is not the entry's"
	# Lanes renamed (namespaces swapped).
	tamper restore "$BATS_TEST_TMPDIR/clean.db"
	sql "UPDATE lanes SET namespace = 'tmp' WHERE namespace = 'kafka/c/t/0';
	     UPDATE lanes SET namespace = 'kafka/c/t/0' WHERE namespace = 'kafka/c/t/1';
	     UPDATE lanes SET namespace = 'kafka/c/t/1' WHERE namespace = 'tmp'"
	run -1 --separate-stderr sl-verify
	# A lane's namespace with a NUL after it, as a blob.
	tamper restore "$BATS_TEST_TMPDIR/clean.db"
	sql "UPDATE lanes SET namespace = CAST('kafka/c/t/1' AS BLOB) || x'00' || CAST('x' AS BLOB) WHERE namespace = 'kafka/c/t/1'"
	sl-snapshot --at now >"$S"
	assert_equal "$(jq -c '[.mutations[].namespace]' "$S")" '["kafka/c/t/0","kafka/c/t/1","pg/s1/slot"]'
	# A row of a negative seq (below where sl-verify used to start) in a lane of its own.
	tamper restore "$BATS_TEST_TMPDIR/clean.db"
	sql "INSERT INTO lanes VALUES (99, 'kafka/c/t/2', 'k:o');
	     INSERT INTO mutations VALUES (-1, 99, x'010000000000000063', 1, 0, x'010000000000000063')"
	run -1 --separate-stderr sl-verify
	assert_equal "$stderr" "sl-verify: the mutation index row of seq -1 is malformed"
	# A row for an entry that is not a mutation, and a missing row.
	tamper restore "$BATS_TEST_TMPDIR/clean.db"
	tamper mutation-add 5 1 010000000000000064 4 0 010000000000000065
	run -1 --separate-stderr sl-verify
	assert_regex "$stderr" "seq 5: the mutation index has a row for an entry that is not a mutation"
	tamper restore "$BATS_TEST_TMPDIR/clean.db"
	tamper mutation-delete 6
	run -1 --separate-stderr sl-verify
	assert_regex "$stderr" "seq 6: the mutation index has no row for this mutation"
}

@test "a lane split in two (the same source and namespace, one as a blob) passes sl-verify and changes no head" {
	std_ledger
	sl-snapshot --at now >"$S"
	local want
	want=$(heads "$S")
	# Two lanes for (k:o, kafka/c/t/0): UNIQUE tells text from blob.
	sql "INSERT INTO lanes VALUES (50, CAST('kafka/c/t/0' AS BLOB), 'k:o');
	     UPDATE mutations SET lane = 50, count = 1, head = 4, headpos = pos WHERE seq = 4"
	run -0 sl-verify
	sl-snapshot --at now >"$S"
	assert_equal "$(heads "$S")" "$want"
	# and the next append still goes on in a lane whose state is right.
	mut k:o kafka/c/t/0 102 f | sl-append >/dev/null
	run -0 sl-verify
	sl-snapshot --at now >"$S"
	assert_equal "$(jq -c '.mutations[0] | [.seq, .position, .last]' "$S")" '[7,102,null]'
}

@test "sl-audit verify refuses edited, dropped, reordered, relabelled and replayed mutation records" {
	std_ledger
	sl-snapshot --at now --complete >"$S"
	assert_equal "$(heads "$S")" '[["kafka/c/t/0",1,101,[4,100]],["kafka/c/t/1",2,7,null],["pg/s1/slot",3,"16/B374D848",[6,"9/FFFFFFFF"]]]'
	run -0 --separate-stderr audit <"$S"
	local f
	for f in \
		'.mutations |= .[1:]' \
		'.mutations |= [.[1], .[0], .[2]]' \
		'.mutations += [.mutations[2]]' \
		'.mutations[0].namespace = "kafka/c/t/1"' \
		'.mutations[1].namespace = "kafka/c/t/1\u0000"' \
		'.mutations[0].position = "0/65"' \
		'.mutations[2].position = 1' \
		'.mutations[0].seq = 4' \
		'.mutations[0].last.last = null' \
		'.mutations[0].last = .entries[0] + {namespace: "kafka/c/t/0", position: 1, id: "x"}' \
		'.mutations[0].last = .mutations[1]' \
		'.mutations[2].last = null' \
		'.mutations[0] |= del(.last)' \
		'.mutations[0].extra = 1' \
		'.mutations[2] = .mutations[2].last + {last: null}' \
		'.mutations[0].id = "a"'; do
		jq -c "$f" "$S" >"$BATS_TEST_TMPDIR/f.json"
		run --separate-stderr audit <"$BATS_TEST_TMPDIR/f.json"
		[[ $status == 1 || $status == 100 ]] || fail "accepted ($status): $f"
	done
	# A position written as a float (jq would print 101.0 as 101).
	jq -c . "$S" | sed 's/"position":101,/"position":101.0,/' >"$BATS_TEST_TMPDIR/f.json"
	grep -q '"position":101.0,' "$BATS_TEST_TMPDIR/f.json" || fail "no float written"
	run --separate-stderr audit <"$BATS_TEST_TMPDIR/f.json"
	[[ $status == 1 || $status == 100 ]] || fail "a float position was accepted"
	# The entry inside a record with a duplicate key is not the ledger's.
	jq -c '.mutations[1].entry |= sub("\"namespace\":\"kafka/c/t/1\""; "\"namespace\":\"kafka/c/t/1\",\"namespace\":\"kafka/c/t/0\"")' "$S" >"$BATS_TEST_TMPDIR/f.json"
	run -1 --separate-stderr audit <"$BATS_TEST_TMPDIR/f.json"
	# A record carried over from a larger snapshot: its seq is beyond this size.
	mut k:o kafka/c/t/0 500 g | sl-append >/dev/null
	sl-checkpoint >/dev/null
	sl-snapshot --at now --complete >"$BATS_TEST_TMPDIR/later.json"
	sl-snapshot --at "$(sl-get 6 | jq -r .ts)" --complete >"$S"
	jq -c --slurpfile l "$BATS_TEST_TMPDIR/later.json" '.mutations[0] = $l[0].mutations[0]' "$S" >"$BATS_TEST_TMPDIR/f.json"
	run -1 --separate-stderr audit <"$BATS_TEST_TMPDIR/f.json"
}

@test "a filtered snapshot's heads: records from outside the filter are refused, the index and the scan agree" {
	std_ledger
	sl-snapshot --at now --source 'k:p' --complete >"$S"
	assert_equal "$(heads "$S")" '[["pg/s1/slot",3,"16/B374D848",[6,"9/FFFFFFFF"]]]'
	run -0 --separate-stderr audit <"$S"
	sl-snapshot --at now --complete >"$BATS_TEST_TMPDIR/all.json"
	jq -c --slurpfile a "$BATS_TEST_TMPDIR/all.json" '.mutations = [$a[0].mutations[0]] + .mutations' "$S" >"$BATS_TEST_TMPDIR/f.json"
	run -1 --separate-stderr audit <"$BATS_TEST_TMPDIR/f.json"
	assert_regex "$stderr" "snapshot.mutations\[0\]: is not within the filter"
	# A type filter that is not mutation names no records.
	sl-snapshot --at now --type x-note --complete >"$BATS_TEST_TMPDIR/t.json"
	assert_equal "$(jq -c .mutations "$BATS_TEST_TMPDIR/t.json")" '[]'
	jq -c --slurpfile a "$BATS_TEST_TMPDIR/all.json" '.mutations = [$a[0].mutations[0]]' "$BATS_TEST_TMPDIR/t.json" | run -1 audit
	# Globs: the index (lanes.source GLOB) and the scan give the same records.
	local g want
	for g in 'k:?' 'k:[o]' 'k:[^o]' '*p' 'k:o*' '[k]:*'; do
		want=$(sl-snapshot --at now --source "$g" | jq -c .mutations)
		tamper save "$BATS_TEST_TMPDIR/x.db"
		tamper mutation-index-drop
		assert_equal "$(sl-snapshot --at now --source "$g" | jq -c .mutations)" "$want"
		tamper restore "$BATS_TEST_TMPDIR/x.db"
		sl-snapshot --at now --source "$g" --complete | audit >/dev/null || fail "glob $g does not verify"
	done
}

@test "two sl-append processes interleaving batches on the same lanes keep the index right" {
	require_cmd flock
	local a="$BATS_TEST_TMPDIR/a.ndjson" b="$BATS_TEST_TMPDIR/b.ndjson" k
	for k in $(seq 1 300); do
		mut k:o kafka/c/t/0 $((k * 2)) "a$k" >>"$a"
		mut k:o kafka/c/t/0 $((k * 2 + 1)) "b$k" >>"$b"
	done
	sl-append -n 3 <"$a" >/dev/null &
	local pa=$!
	sl-append -n 5 <"$b" >/dev/null &
	local pb=$!
	wait "$pa" || fail "appender a failed"
	wait "$pb" || fail "appender b failed"
	run -0 sl-verify
	sl-snapshot --at now >"$S"
	local top
	top=$(sl-log --type mutation | jq -s -c 'max_by(.payload.position) | [.seq, .payload.position]')
	assert_equal "$(jq -c '.mutations[0] | [.seq, .position]' "$S")" "$top"
	assert_equal "$(jq -c '.mutations[0].last.seq // .mutations[0].seq' "$S")" "$(($(ledger_size) - 1))"
	# Interleaved one line at a time, the two appenders alternating through a lock.
	for k in $(seq 1 30); do
		mut k:o kafka/c/t/0 $((1000 - k)) "c$k" | sl-append >/dev/null &
		mut k:o kafka/c/t/0 $((2000 + k)) "d$k" | sl-append >/dev/null &
		wait
	done
	run -0 sl-verify
}

@test "a failed batch leaves no index row behind and the next append's lanes are right" {
	{
		mut k:o kafka/c/t/0 10 a
		mut k:o kafka/c/t/0 11 b
	} | sl-append >/dev/null
	# One process: batch 1 commits, batch 2 fails in its middle (exit 100).
	{
		mut k:o kafka/c/t/0 12 c
		mut k:o kafka/c/t/0 13 d
		mut k:o kafka/c/t/0 50 e
		echo '{"type":"mutation","source":"k:o","payload":{"namespace":"kafka/c/t/0","position":-1,"id":"x","sha256":"'$SHA'"}}'
		mut k:o kafka/c/t/0 60 f
	} | run -100 --separate-stderr sl-append -n 2
	assert_equal "$(ledger_size)" 4
	run -0 sl-verify
	# The same process skipping the invalid line, then another.
	{
		mut k:o kafka/c/t/0 14 g
		echo 'not json'
		mut k:o kafka/c/t/0 15 h
	} | sl-append --skip-invalid -n 1 >/dev/null 2>&1
	mut k:o kafka/c/t/0 9 i | sl-append >/dev/null
	run -0 sl-verify
	sl-snapshot --at now >"$S"
	assert_equal "$(heads "$S")" '[["kafka/c/t/0",5,15,[6,9]]]'
}

@test "an old ledger migrated by concurrent appends: the index is built once and verifies" {
	local k r pids p failed
	for k in $(seq 1 200); do mut "k:$((k % 7))" "kafka/c/t/$((k % 5))" "$k" "m$k"; done | sl-append >/dev/null
	# Rounds, since the race is narrow: an appender opening the ledger while
	# another adds the index once saw half of it ("the database's schema is
	# not a ledger's"), about once in 240 appends.
	for r in $(seq 0 39); do
		tamper mutation-index-drop
		((r)) || sl-snapshot --at now >"$BATS_TEST_TMPDIR/old.json"
		pids=
		for k in 1 2 3 4 5 6 7 8; do
			mut k:1 kafka/c/t/1 $((300 + 10 * r + k)) "n$r.$k" |
				sl-append >/dev/null 2>>"$BATS_TEST_TMPDIR/err" &
			pids+=" $!"
		done
		failed=0
		for p in $pids; do wait "$p" || failed=1; done
		((!failed)) || fail "round $r: $(cat "$BATS_TEST_TMPDIR/err")"
		assert_equal "$(tamper mutation-count)" $((200 + 8 * (r + 1)))
	done
	run -0 sl-verify
	sl-snapshot --at "$(jq -r .at "$BATS_TEST_TMPDIR/old.json")" >"$S"
	assert_equal "$(jq -c .mutations "$S")" "$(jq -c .mutations "$BATS_TEST_TMPDIR/old.json")"
}

@test "kill -9 during the migration of an old ledger: the index is all or nothing" {
	local k
	awk -v s="$SHA" 'BEGIN { for (i = 0; i < 60000; i++)
		printf "{\"type\":\"mutation\",\"source\":\"k:%d\",\"payload\":{\"namespace\":\"kafka/c/t/%d\",\"position\":%d,\"id\":\"m%d\",\"sha256\":\"%s\"}}\n", i % 13, i % 97, i, i, s }' |
		sl-append >/dev/null
	tamper mutation-index-drop
	local ok=0
	for k in 1 2 3; do
		mut k:1 kafka/c/t/1 99999 last | sl-append >/dev/null 2>&1 &
		local p=$!
		sleep "0.$((k * 2))"
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
		# Either no index at all, or a complete one.
		run -0 sl-verify
		if [[ $(sql "SELECT count(*) FROM sqlite_schema WHERE name = 'lanes'") == 0 ]]; then
			assert_equal "$(sql "SELECT count(*) FROM sqlite_schema WHERE name = 'mutations'")" 0
		else
			ok=1
		fi
	done
	mut k:1 kafka/c/t/1 99999 last | sl-append >/dev/null
	run -0 sl-verify
	assert_equal "$(tamper mutation-count)" "$(ledger_size)"
}

@test "sl-diff --from/--to gives the same answer with and without the index" {
	std_ledger
	local t1 want
	t1=$(sl-get 2 | jq -r .ts)
	mut k:o kafka/c/t/0 200 z | sl-append >/dev/null
	want=$(sl-diff --from "$t1" --to now)
	[[ -n $want ]] || fail "no diff"
	tamper mutation-index-drop
	run -0 --separate-stderr sl-diff --from "$t1" --to now
	assert_output "$want"
}

@test "a ledger.db with an index, a trigger, or half the mutation index is refused" {
	std_ledger
	tamper save "$BATS_TEST_TMPDIR/clean.db"
	local s
	for s in "CREATE INDEX x ON mutations(head)" \
		"CREATE INDEX x ON lanes(source)" \
		"CREATE TRIGGER t AFTER INSERT ON mutations BEGIN UPDATE mutations SET head = 0; END" \
		"CREATE VIEW v AS SELECT * FROM lanes" \
		"DROP INDEX mutations_lane" \
		"DROP TABLE mutations" \
		"DROP TABLE lanes" \
		"ALTER TABLE lanes ADD COLUMN x" \
		"DROP TABLE mutations; DROP TABLE lanes; CREATE TABLE lanes(id INTEGER PRIMARY KEY, namespace TEXT NOT NULL, source TEXT NOT NULL, UNIQUE (namespace, source))" \
		"DROP TABLE mutations; DROP TABLE lanes; CREATE TABLE mutations(seq INTEGER PRIMARY KEY, lane INTEGER NOT NULL, pos BLOB NOT NULL, count INTEGER NOT NULL, head INTEGER NOT NULL, headpos BLOB NOT NULL)"; do
		tamper restore "$BATS_TEST_TMPDIR/clean.db"
		sql "$s"
		run -100 --separate-stderr sl-snapshot --at now
		run -100 --separate-stderr sl-verify
	done
}
