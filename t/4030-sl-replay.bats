#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-replay: plans ordered per namespace (integers, LSNs), redeliveries,
# conflicts and gaps with their exit codes, plans over a time range, and
# exec: per step or through one long-running command, resumed after a
# failure or a kill -9, with 10,000 mutations applied to a SQLite table
# (issue 5, done-when 3 and 4).

bats_require_minimum_version 1.5.0
load capture_helper # test_helper, and require_preload for fiu-run

RPL="$BATS_TEST_DIRNAME/fixtures/replay"
HA=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
HB=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb

setup() {
	ledger_setup
}

mut() { # SOURCE NAMESPACE POSITION ID [SHA [EXTRA]]
	printf '{"type":"mutation","source":"%s","payload":{"namespace":"%s","position":%s,"id":"%s","sha256":"%s"%s}}\n' \
		"$1" "$2" "$3" "$4" "${5:-$HA}" "${6:-}"
}

append() {
	sl-append >/dev/null || fail "sl-append failed"
}

snap() {
	sl-snapshot --at now --complete >"$BATS_TEST_TMPDIR/snap.json" || fail "sl-snapshot failed"
	SNAP="$BATS_TEST_TMPDIR/snap.json"
}

@test "plan: order by position within each namespace, integers and LSNs compared as numbers" {
	{
		mut k kafka/c/t/0 10 m10
		mut k kafka/c/t/0 9 m9
		mut p pg/db/slot '"1/0"' l3
		mut p pg/db/slot '"0/FFFFFFFF"' l2
		mut p pg/db/slot '"0/A"' l1
		mut k kafka/c/t/0 11 m11
		printf '%s\n' '{"type":"x-note","source":"n","payload":{"i":1}}'
	} | append
	snap
	run -0 --separate-stderr sl-replay plan <"$SNAP"
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.step, .namespace, .position, .seq, .id, .stored]' <<<"$output")" \
'[1,"kafka/c/t/0",9,1,"m9",false]
[2,"kafka/c/t/0",10,0,"m10",false]
[3,"kafka/c/t/0",11,5,"m11",false]
[4,"pg/db/slot","0/A",4,"l1",false]
[5,"pg/db/slot","0/FFFFFFFF",3,"l2",false]
[6,"pg/db/slot","1/0",2,"l3",false]'
	# Each step carries its entry, byte for byte as the ledger holds it.
	assert_equal "$(head -n1 <<<"$output" | jq -r .entry)" "$(sl-get 1)"
}

@test "plan: a redelivery (same position, same sha256) is dropped with a note" {
	{ mut k kafka/c/t/0 1 m1; mut k kafka/c/t/0 2 m2; mut k2 kafka/c/t/0 1 m1; } | append
	snap
	run -0 --separate-stderr sl-replay plan <"$SNAP"
	assert_equal "$(jq -c '[.position, .seq]' <<<"$output")" '[1,0]
[2,1]'
	assert_equal "$stderr" "sl-replay: note: namespace 'kafka/c/t/0' position 1: seq 2 is a redelivery of seq 0 (same sha256), dropped"
}

@test "plan: a conflict (same position, another sha256) exits 1 and names both" {
	{ mut k kafka/c/t/0 1 m1 "$HA"; mut k kafka/c/t/0 2 m2; mut k2 kafka/c/t/0 1 m1b "$HB"; } | append
	snap
	run -1 --separate-stderr sl-replay plan <"$SNAP"
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-replay: conflict: namespace 'kafka/c/t/0' position 1: seq 0 (sha256 aaaaaaaaaaaa) and seq 2 (sha256 bbbbbbbbbbbb) differ
sl-replay: fatal: unable to make the plan: 1 conflict"
	run -1 --separate-stderr sl-replay exec --command true --state "$BATS_TEST_TMPDIR/st" <"$SNAP"
	[[ ! -e $BATS_TEST_TMPDIR/st ]] || fail "a state file was written"
}

@test "plan: a gap in a namespace of integer positions exits 1; --allow-gaps goes on; LSNs have no gaps" {
	{ mut k kafka/c/t/0 1 m1; mut k kafka/c/t/0 2 m2; mut k kafka/c/t/0 5 m5; mut p pg/d/s '"0/10"' a; mut p pg/d/s '"7/0"' b; } | append
	snap
	run -1 --separate-stderr sl-replay plan <"$SNAP"
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-replay: gap: namespace 'kafka/c/t/0': positions 3 to 4 are missing (between seq 1 and seq 2)
sl-replay: fatal: unable to make the plan: 1 gap (--allow-gaps to go on)"
	run -0 --separate-stderr sl-replay plan --allow-gaps <"$SNAP"
	assert_equal "$(jq -c .position <<<"$output" | paste -sd' ')" '1 2 5 "0/10" "7/0"'
	assert_equal "$stderr" "sl-replay: warning: gap: namespace 'kafka/c/t/0': positions 3 to 4 are missing (between seq 1 and seq 2)"
}

@test "a mutation applied under the wrong config is found by sl-advisory, and --max-risk fails on it" {
	{
		printf '{"type":"config","source":"config:w:/etc/app.conf","payload":{"path":"/etc/app.conf","sha256":"%s"}}\n' "$HA"
		mut k kafka/c/t/0 1 m1 "$HA" ",\"config_sha256\":\"$HA\""
		printf '{"type":"config","source":"config:w:/etc/app.conf","payload":{"path":"/etc/app.conf","sha256":"%s"}}\n' "$HB"
		mut k kafka/c/t/0 2 m2 "$HA" ",\"config_sha256\":\"$HA\""
	} | append
	snap
	d="$BATS_TEST_TMPDIR/only"
	mkdir -p "$d" && cp "$BATS_TEST_DIRNAME/../share/stateledger/rules/mutation-config.jq" "$d/"
	run -1 --separate-stderr sl-advisory --no-builtin-rules --rules "$d" --max-risk 0 <"$SNAP"
	assert_equal "$(jq -c '.findings[] | [.rule, .weight, .evidence, .message]' <<<"$output")" \
		'["mutation-config",20,[3],"1 mutation applied under a config not in effect at the time (seq 3: aaaaaaaaaaaa)"]'
	assert_equal "$stderr" "sl-advisory: risk 20 is above --max-risk 0"
}

@test "plan --from --to: the mutations the ledger accepted in between, from the ledger itself" {
	require_cmd faketime
	mut k kafka/c/t/0 1 m1 | faketime '2026-01-01 10:00:00' sl-append >/dev/null
	{ mut k kafka/c/t/0 3 m3; mut k kafka/c/t/0 2 m2; } | faketime '2026-01-01 11:00:00' sl-append >/dev/null
	mut k kafka/c/t/0 4 m4 | faketime '2026-01-01 12:00:00' sl-append >/dev/null
	run -0 --separate-stderr sl-replay plan --from 2026-01-01T10:30:00Z --to 2026-01-01T11:30:00Z
	assert_equal "$(jq -c '[.step, .position, .seq]' <<<"$output")" '[1,2,2]
[2,3,1]'
	run -0 --separate-stderr sl-replay plan --from 2026-01-01T09:00:00Z --to 2026-01-01T09:30:00Z
	assert_equal "$output" ""
	run -2 --separate-stderr sl-replay plan --from 2026-01-01T12:00:00Z --to 2026-01-01T11:00:00Z
	assert_equal "$stderr" "sl-replay: usage: --to is before --from"
}

# Three steps, the second with a stored body.
three_steps() {
	printf 'UPDATE t SET v = 2;\n' >"$BATS_TEST_TMPDIR/body"
	BODY=$(sl-artifact put "$BATS_TEST_TMPDIR/body") || fail "sl-artifact put"
	{ mut k kafka/c/t/0 1 m1; mut k kafka/c/t/0 2 m2 "$BODY" ',"stored":true'; mut k kafka/c/t/0 3 m3; } | append
	snap
}

@test "exec: each step's entry and stored body on the command's standard input, its variables, then nothing left" {
	three_steps
	local out="$BATS_TEST_TMPDIR/applied" st="$BATS_TEST_TMPDIR/state"
	run -0 --separate-stderr sl-replay exec --state "$st" \
		--command "{ echo \"== \$SL_REPLAY_STEP/\$SL_REPLAY_STEPS \$SL_REPLAY_NAMESPACE \$SL_REPLAY_POSITION \$SL_REPLAY_SEQ \$SL_REPLAY_ID \$SL_REPLAY_STORED\"; cat; } >>'$out'; echo 'to stderr, not stdout'" <"$SNAP"
	assert_equal "$(jq -c 'del(.plan)' <<<"$output")" '{"type":"replay","steps":3,"resumed_after":0,"ran":3}'
	assert_equal "$stderr" "to stderr, not stdout
to stderr, not stdout
to stderr, not stdout"
	assert_equal "$(cat "$out")" "== 1/3 kafka/c/t/0 1 0 m1 0
$(sl-get 0)
== 2/3 kafka/c/t/0 2 1 m2 1
$(sl-get 1)
UPDATE t SET v = 2;
== 3/3 kafka/c/t/0 3 2 m3 0
$(sl-get 2)"
	assert_equal "$(cat "$st")" '{"type":"replay-state","version":2,"namespaces":{"kafka/c/t/0":{"position":3,"sha256":"'$HA'","seq":2,"id":"m3","horizon":3}}}'
	# Again: nothing to do.
	run -0 --separate-stderr sl-replay exec --state "$st" --command "cat >>'$out'" <"$SNAP"
	assert_equal "$(jq -c '[.resumed_after, .ran]' <<<"$output")" '[3,0]'
	assert_equal "$stderr" "sl-replay: note: all 3 steps of this plan were applied before"
	assert_equal "$(grep -c '^==' "$out")" 3
}

@test "exec: the first failing step stops the run with exit 1 naming it; the next run resumes there" {
	three_steps
	local st="$BATS_TEST_TMPDIR/state" log="$BATS_TEST_TMPDIR/log"
	run -1 --separate-stderr sl-replay exec --state "$st" \
		--command "echo \$SL_REPLAY_STEP >>'$log'; [ \$SL_REPLAY_STEP != 2 ] || exit 3" <"$SNAP"
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-replay: fatal: step 2 (seq 1, namespace 'kafka/c/t/0' position 2) failed: the command exited with status 3"
	assert_equal "$(jq -c '.namespaces[] | [.position, .seq]' "$st")" '[1,0]'
	run -0 --separate-stderr sl-replay exec --state "$st" --dry-run --command false <"$SNAP"
	assert_equal "$(jq -c .step <<<"$output" | paste -sd' ')" "2 3"
	run -0 --separate-stderr sl-replay exec --state "$st" --command "echo \$SL_REPLAY_STEP >>'$log'" <"$SNAP"
	assert_equal "$(jq -c '[.resumed_after, .ran]' <<<"$output")" '[1,2]'
	assert_equal "$(paste -sd' ' "$log")" "1 2 2 3"
}

@test "exec: refuses a damaged state file, an incomplete snapshot, a missing stored body" {
	three_steps
	local st="$BATS_TEST_TMPDIR/state"
	printf 'garbage\n' >"$st"
	run -100 --separate-stderr sl-replay exec --state "$st" --command true <"$SNAP"
	assert_regex "$stderr" "^sl-replay: fatal: unable to resume: '$st' is not a replay state file"
	printf '{"type":"replay-state","version":3,"namespaces":{}}\n' >"$st"
	run -100 --separate-stderr sl-replay exec --state "$st" --command true <"$SNAP"
	assert_equal "$stderr" "sl-replay: fatal: unable to resume: '$st' is a replay state file of a version this sl-replay does not know"
	printf '{"type":"replay-state","version":2,"namespaces":{"kafka/c/t/0":{"position":"x","sha256":"%s","seq":0,"id":"m1","horizon":1}}}\n' "$HA" >"$st"
	run -100 --separate-stderr sl-replay exec --state "$st" --command true <"$SNAP"
	assert_equal "$stderr" "sl-replay: fatal: unable to resume: '$st' is not a replay state file: namespace 'kafka/c/t/0' is not a position, sha256, seq, id and horizon"
	sl-snapshot --at now >"$BATS_TEST_TMPDIR/partial.json"
	run -100 --separate-stderr sl-replay exec --state "$BATS_TEST_TMPDIR/st2" --command true <"$BATS_TEST_TMPDIR/partial.json"
	assert_equal "$stderr" "sl-replay: warning: the snapshot is not complete: only the latest mutation of each source is known (take it with sl-snapshot --complete)
sl-replay: fatal: unable to replay: the snapshot is not complete (take it with sl-snapshot --complete)"
	chmod -R u+w "$L/artifacts" && rm "$L/artifacts/sha256/${BODY:0:2}/$BODY"
	run -100 --separate-stderr sl-replay exec --state "$BATS_TEST_TMPDIR/st3" --command "echo ran >>'$BATS_TEST_TMPDIR/ran'" <"$SNAP"
	assert_equal "$stderr" "sl-replay: fatal: unable to run step 2 (seq 1, namespace 'kafka/c/t/0' position 2): its body $BODY is not in the artifact store of '$L'"
	[[ ! -e $BATS_TEST_TMPDIR/ran ]] || fail "a step ran"
}

@test "exec --process: one command for all steps, answering each; a wrong answer stops the run" {
	three_steps
	local st="$BATS_TEST_TMPDIR/state"
	run -0 --separate-stderr sl-replay exec --process --state "$st" \
		--command "while IFS= read -r l; do printf '%s\n' \"\$l\" >>'$BATS_TEST_TMPDIR/lines'; case \$l in *'\"body_size\":20}') IFS= read -r b; printf '%s\n' \"\$b\" >>'$BATS_TEST_TMPDIR/lines';; esac; echo ok; done" <"$SNAP"
	assert_equal "$(jq -c '[.resumed_after, .ran]' <<<"$output")" '[0,3]'
	assert_equal "$(sed -n 3p "$BATS_TEST_TMPDIR/lines")" "UPDATE t SET v = 2;"
	assert_equal "$(jq -c '[.step, .body_size]' <(sed 3d "$BATS_TEST_TMPDIR/lines"))" '[1,0]
[2,20]
[3,0]'
	rm "$st"
	run -1 --separate-stderr sl-replay exec --process --state "$st" \
		--command "read -r l; echo ok; read -r l; read -r b; echo 'disk full'" <"$SNAP"
	assert_equal "$stderr" "sl-replay: fatal: step 2 (seq 1, namespace 'kafka/c/t/0' position 2) failed: the command answered 'disk full'"
	assert_equal "$(jq -c '.namespaces[].position' "$st")" 1
	run -1 --separate-stderr sl-replay exec --process --state "$st" --command "exit 0" <"$SNAP"
	assert_regex "$stderr" "^sl-replay: fatal: step 2 \(seq 1, namespace 'kafka/c/t/0' position 2\) failed: (the command ended before answering|the command stopped reading: Broken pipe)\$"
}

@test "usage" {
	run -2 --separate-stderr sl-replay
	run -2 --separate-stderr sl-replay frobnicate
	run -2 --separate-stderr sl-replay exec --state x
	run -2 --separate-stderr sl-replay exec --command true
	run -2 --separate-stderr sl-replay plan --dry-run
	run -2 --separate-stderr sl-replay plan --from now
	run -2 --separate-stderr sl-replay exec --command true --state s --sync-every 0
	run -0 --separate-stderr sl-replay --help
	assert_regex "$output" "^usage: sl-replay plan "
	run -100 --separate-stderr sl-replay plan <<<'{"type":"nope"}'
	assert_equal "$stderr" "sl-replay: fatal: unable to read the snapshot: not a snapshot document"
}

# 10,000 mutations, out of order, with 300 redeliveries; the table kv of
# a SQLite database made as apply.pl makes it, and directly in order.
ten_thousand() {
	require_cmd sqlite3 perl
	awk -v sql="$BATS_TEST_TMPDIR/direct.sql" -f "$RPL/gen.awk" | sort -n | cut -f2- >"$BATS_TEST_TMPDIR/in.ndjson"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/in.ndjson")" 10000
	sl-append <"$BATS_TEST_TMPDIR/in.ndjson" >/dev/null || fail "sl-append"
	snap
	for db in direct replay; do
		sqlite3 "$BATS_TEST_TMPDIR/$db.db" 'PRAGMA journal_mode=WAL; CREATE TABLE kv(ns TEXT, k TEXT, v TEXT, PRIMARY KEY (ns, k));' >/dev/null ||
			fail "sqlite3"
	done
	sqlite3 "$BATS_TEST_TMPDIR/direct.db" <"$BATS_TEST_TMPDIR/direct.sql" || fail "direct"
	DIRECT=$(sqlite3 "$BATS_TEST_TMPDIR/direct.db" 'SELECT * FROM kv ORDER BY ns, k')
	assert_equal "$(wc -l <<<"$DIRECT")" 111
}

@test "10,000 mutations replayed through a command that applies them to SQLite give the table applied in order" {
	ten_thousand
	run -0 --separate-stderr sl-replay exec --process --sync-every 500 --state "$BATS_TEST_TMPDIR/state" \
		--command "exec perl '$RPL/apply.pl' '$BATS_TEST_TMPDIR/replay.db'" <"$SNAP"
	assert_equal "$(jq -c '[.steps, .ran]' <<<"$output")" '[9700,9700]'
	# The first 20 redeliveries are named, the other 280 counted (issue 12).
	assert_equal "$(grep -c 'is a redelivery of' <<<"$stderr")" 20
	assert_equal "$(tail -n1 <<<"$stderr")" "sl-replay: note: ... and 280 more redeliveries (300 in all; --all-warnings lists every one)"
	assert_equal "$(sqlite3 "$BATS_TEST_TMPDIR/replay.db" 'SELECT * FROM kv ORDER BY ns, k')" "$DIRECT"
	# Applied in ledger order instead, the table would differ: the test can fail.
	sqlite3 "$BATS_TEST_TMPDIR/wrong.db" 'CREATE TABLE kv(ns TEXT, k TEXT, v TEXT, PRIMARY KEY (ns, k));' || fail
	{ echo 'BEGIN;'; jq -r '.payload | "INSERT OR REPLACE INTO kv VALUES(\u0027\(.namespace)\u0027,\u0027\(.id | split("=")[0])\u0027,\u0027\(.id | split("=")[1])\u0027);"' \
		"$BATS_TEST_TMPDIR/in.ndjson"; echo 'COMMIT;'; } | sqlite3 "$BATS_TEST_TMPDIR/wrong.db" || fail
	[[ $(sqlite3 "$BATS_TEST_TMPDIR/wrong.db" 'SELECT * FROM kv ORDER BY ns, k') != "$DIRECT" ]] ||
		fail "ledger order gives the same table: the data does not test the order"
}

@test "10,000 mutations: killed with SIGKILL in the middle and run again, the same table" {
	ten_thousand
	local st="$BATS_TEST_TMPDIR/state" cmd="exec perl '$RPL/apply.pl' '$BATS_TEST_TMPDIR/replay.db'"
	# The command kills sl-replay after applying step 4000 and before answering.
	# The state file is replaced after every step (fsynced every 500): exact after a kill.
	KILL_AT=4000 run -137 --separate-stderr sl-replay exec --process --sync-every 500 --state "$st" \
		--command "$cmd" <"$SNAP"
	assert_equal "$output" ""
	# Step 3999: the first namespace (3,300 steps) done, 699 of the second.
	assert_equal "$(jq -c '.namespaces | map_values(.position)' "$st")" '{"kafka/c1/orders/0":3300,"kafka/c1/orders/1":699}'
	# The command may still be finishing: the next run waits for it (the lock), then resumes.
	run -0 --separate-stderr sl-replay exec --process --sync-every 500 --state "$st" --command "$cmd" <"$SNAP"
	assert_equal "$(jq -c '[.steps, .resumed_after, .ran]' <<<"$output")" '[9700,3999,5701]'
	assert_equal "$(jq -c '.namespaces | map_values(.position)' "$st")" '{"kafka/c1/orders/0":3300,"kafka/c1/orders/1":3300,"pg/db1/slot1":"4/12C0FF"}'
	assert_equal "$(sqlite3 "$BATS_TEST_TMPDIR/replay.db" 'SELECT * FROM kv ORDER BY ns, k')" "$DIRECT"
}

# Resuming like a consumer group (issue 12): the README's recipe, exactly,
# with a real ./apply that records what it applied in ./applied.
readme_recipe() { # run from the directory that holds ./apply
	sl-snapshot --at now --complete | sl-replay exec --command ./apply --state replay.state   # resumable
}

# The recipe again: it exits 0, and its summary says STEPS steps, RESUMED
# of them applied before, RAN run now.
recipe_resumes() { # STEPS RESUMED RAN
	run -0 --separate-stderr readme_recipe
	assert_equal "$(jq -c '[.steps, .resumed_after, .ran]' <<<"$output")" "[$1,$2,$3]"
}

recipe_dir() {
	cp "$RPL/apply" "$BATS_TEST_TMPDIR/apply" || fail "cp apply"
	cd "$BATS_TEST_TMPDIR" || fail "cd"
}

@test "the README's recipe: stopped at step 4, one more mutation, a fresh snapshot: every position applied once, in order" {
	recipe_dir
	for i in 1 2 3 4 5 6; do mut k kafka/c/t/0 $i m$i; done | append
	FAIL_AT=4 run -1 --separate-stderr readme_recipe
	assert_equal "$output" ""
	assert_equal "$stderr" "apply: cannot apply position 4
sl-replay: fatal: step 4 (seq 3, namespace 'kafka/c/t/0' position 4) failed: the command exited with status 1"
	assert_equal "$(cut -d' ' -f2 applied | paste -sd' ')" "1 2 3"
	mut k kafka/c/t/0 7 m7 | append
	recipe_resumes 7 3 4
	assert_equal "$stderr" ""
	assert_equal "$(cat applied)" "kafka/c/t/0 1 0
kafka/c/t/0 2 1
kafka/c/t/0 3 2
kafka/c/t/0 4 3
kafka/c/t/0 5 4
kafka/c/t/0 6 5
kafka/c/t/0 7 6"
	assert_equal "$(jq -c '.namespaces | map_values([.position, .seq, .id])' replay.state)" '{"kafka/c/t/0":[7,6,"m7"]}'
	# Nothing new: nothing applied, exit 0.
	recipe_resumes 7 7 0
	assert_equal "$stderr" "sl-replay: note: all 7 steps of this plan were applied before"
	assert_equal "$(wc -l <applied)" 7
}

@test "the README's recipe: sl-replay killed during step 4 resumes at step 4; a step applied but not recorded runs again" {
	recipe_dir
	for i in 1 2 3 4 5 6; do mut k kafka/c/t/0 $i m$i; done | append
	# Killed while the command of step 4 runs, before it applied anything.
	KILL_AT=4 run -137 --separate-stderr readme_recipe
	assert_equal "$output" ""
	assert_equal "$(cut -d' ' -f2 applied | paste -sd' ')" "1 2 3"
	assert_equal "$(jq -c '.namespaces[].position' replay.state)" 3
	mut k kafka/c/t/0 7 m7 | append
	recipe_resumes 7 3 4
	assert_equal "$(cut -d' ' -f2 applied | paste -sd' ')" "1 2 3 4 5 6 7"
	# Killed after the command applied step 8 and before sl-replay recorded
	# it: at least once, as documented: step 8 runs again.
	mut k kafka/c/t/0 8 m8 | append
	KILL_AFTER=8 run -137 --separate-stderr readme_recipe
	assert_equal "$(jq -c '.namespaces[].position' replay.state)" 7
	recipe_resumes 8 7 1
	assert_equal "$(cut -d' ' -f2 applied | paste -sd' ')" "1 2 3 4 5 6 7 8 8"
}

@test "exec: a step that cannot be recorded (fsync, rename fail) stops the run with exit 111; it runs again, at least once" {
	require_cmd fiu-run
	require_preload sl-replay
	recipe_dir
	{ mut k kafka/c/t/0 1 m1; mut k kafka/c/t/0 2 m2; } | append
	sl-snapshot --at now --complete >snap.json || fail "sl-snapshot"
	run -111 --separate-stderr fiu-run -x -c 'enable name=posix/io/sync/fsync,failinfo=5' \
		sl-replay exec --command ./apply --state replay.state <snap.json
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-replay: fatal: unable to record the progress: unable to fsync 'replay.state.tmp': "
	[[ ! -e replay.state && ! -e replay.state.tmp ]] || fail "a state was left"
	run -111 --separate-stderr fiu-run -x -c 'enable name=posix/io/dir/rename,failinfo=5' \
		sl-replay exec --command ./apply --state replay.state <snap.json
	assert_regex "$stderr" "^sl-replay: fatal: unable to record the progress: unable to rename 'replay.state.tmp': "
	[[ ! -e replay.state && ! -e replay.state.tmp ]] || fail "a state was left"
	assert_equal "$(cut -d' ' -f2 applied | paste -sd' ')" "1 1"
	recipe_resumes 2 0 2
	assert_equal "$(cut -d' ' -f2 applied | paste -sd' ')" "1 1 1 2"
}

@test "exec: two namespaces interleaved in the ledger, stopped in the second, resumed with more of both: each position once, in order" {
	recipe_dir
	{
		mut k kafka/c/t/0 1 a1; mut p pg/d/s '"0/10"' b1
		mut k kafka/c/t/0 2 a2; mut p pg/d/s '"0/20"' b2
		mut k kafka/c/t/0 3 a3; mut p pg/d/s '"0/30"' b3
	} | append
	FAIL_AT=0/20 run -1 --separate-stderr readme_recipe
	assert_equal "$(jq -c '.namespaces | map_values(.position)' replay.state)" '{"kafka/c/t/0":3,"pg/d/s":"0/10"}'
	{ mut p pg/d/s '"1/0"' b4; mut k kafka/c/t/0 4 a4; } | append
	recipe_resumes 8 4 4
	assert_equal "$stderr" ""
	# In order within each namespace (the seqs say the ledger order was not).
	assert_equal "$(cat applied)" "kafka/c/t/0 1 0
kafka/c/t/0 2 2
kafka/c/t/0 3 4
pg/d/s 0/10 1
kafka/c/t/0 4 7
pg/d/s 0/20 3
pg/d/s 0/30 5
pg/d/s 1/0 6"
	assert_equal "$(jq -c '.namespaces | map_values(.position)' replay.state)" '{"kafka/c/t/0":4,"pg/d/s":"1/0"}'
}

@test "exec: a plan that contradicts the state exits 1 naming the namespace, the position and both sha256s, and applies nothing" {
	recipe_dir
	{ mut k kafka/c/t/0 1 m1; mut k kafka/c/t/0 2 m2; mut k kafka/c/t/0 3 m3; } | append
	run -0 --separate-stderr readme_recipe
	# Another ledger, whose position 3 is another mutation.
	export SL_LEDGER="$BATS_TEST_TMPDIR/other"
	sl-init --origin test.example/other >/dev/null || fail "sl-init"
	{ mut k kafka/c/t/0 1 m1; mut k kafka/c/t/0 2 m2; mut k kafka/c/t/0 3 m3 "$HB"; mut k kafka/c/t/0 4 m4; } | append
	run -1 --separate-stderr readme_recipe
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-replay: fatal: unable to resume: namespace 'kafka/c/t/0' position 3: the plan has sha256 $HB (seq 2), the state records position 3 with sha256 $HA (seq 2): another mutation at an applied position"
	assert_equal "$(wc -l <applied)" 3
	assert_equal "$(jq -c '.namespaces[] | [.position, .sha256]' replay.state)" "[3,\"$HA\"]"
}

@test "exec: a mutation that arrives below an applied LSN is refused with exit 1, naming both, and nothing is applied" {
	recipe_dir
	{ mut p pg/d/s '"0/10"' b1; mut p pg/d/s '"0/30"' b3 "$HB"; } | append
	run -0 --separate-stderr readme_recipe
	{ mut p pg/d/s '"0/20"' b2; mut p pg/d/s '"0/40"' b4; } | append
	run -1 --separate-stderr readme_recipe
	assert_equal "$stderr" "sl-replay: fatal: unable to resume: namespace 'pg/d/s' position \"0/20\": the plan has sha256 $HA (seq 2), the state records position \"0/30\" with sha256 $HB (seq 1), applied from the mutations below seq 2: this one came later and cannot be applied in order"
	assert_equal "$(cut -d' ' -f2 applied | paste -sd' ')" "0/10 0/30"
}

@test "exec: a redelivered position: the same sha256 is dropped and applied nothing; another sha256 is a conflict (exit 1), applied or not" {
	recipe_dir
	{ mut k kafka/c/t/0 1 m1; mut k kafka/c/t/0 2 m2; } | append
	run -0 --separate-stderr readme_recipe
	mut k2 kafka/c/t/0 2 m2 | append
	recipe_resumes 2 2 0
	assert_equal "$stderr" "sl-replay: note: namespace 'kafka/c/t/0' position 2: seq 2 is a redelivery of seq 1 (same sha256), dropped
sl-replay: note: all 2 steps of this plan were applied before"
	cp replay.state before
	mut k2 kafka/c/t/0 1 m1b "$HB" | append
	run -1 --separate-stderr readme_recipe
	assert_equal "$stderr" "sl-replay: conflict: namespace 'kafka/c/t/0' position 1: seq 0 (sha256 aaaaaaaaaaaa) and seq 3 (sha256 bbbbbbbbbbbb) differ
sl-replay: note: namespace 'kafka/c/t/0' position 2: seq 2 is a redelivery of seq 1 (same sha256), dropped
sl-replay: fatal: unable to make the plan: 1 conflict"
	assert_equal "$(cut -d' ' -f2 applied | paste -sd' ')" "1 2"
	cmp -s before replay.state || fail "the state changed"
}

@test "exec: a state file of version 1 is converted by the plan it names, and refused (exit 100) with another" {
	three_steps
	local st="$BATS_TEST_TMPDIR/state" log="$BATS_TEST_TMPDIR/log" plan
	run -0 --separate-stderr sl-replay exec --state "$BATS_TEST_TMPDIR/other" --command true <"$SNAP"
	plan=$(jq -r .plan <<<"$output")
	printf '{"type":"replay-state","plan":"%s","steps":3,"done":2,"last_seq":1}\n' "$plan" >"$st"
	run -0 --separate-stderr sl-replay exec --state "$st" --command "echo \$SL_REPLAY_STEP >>'$log'" <"$SNAP"
	assert_equal "$stderr" "sl-replay: note: '$st' was converted from version 1 to version 2"
	assert_equal "$(jq -c '[.resumed_after, .ran]' <<<"$output")" '[2,1]'
	assert_equal "$(cat "$log")" 3
	assert_equal "$(jq -c '[.version, .namespaces[].position]' "$st")" '[2,3]'
	printf '{"type":"replay-state","plan":"%s","steps":3,"done":2,"last_seq":1}\n' "$HB" >"$st"
	run -100 --separate-stderr sl-replay exec --state "$st" --command "echo \$SL_REPLAY_STEP >>'$log'" <"$SNAP"
	assert_equal "$stderr" "sl-replay: fatal: unable to resume: '$st' is a state file of version 1, of another plan (bbbbbbbbbbbb, 2 of its steps done; this plan is ${plan:0:12}): it can be converted only by a run of the plan it was made with (the same snapshot), or removed to start this plan from its first step"
	assert_equal "$(cat "$log")" 3
}
