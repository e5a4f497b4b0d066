#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-diff between two times of a ledger built under libfaketime, and
# between two snapshot files: exactly the changed sources, with the
# members that changed, and the mutations applied per namespace
# (issue 4, done-when 4).

bats_require_minimum_version 1.5.0
load test_helper

SHA_A=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
SHA_B=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
C1=1111111111111111111111111111111111111111
C2=2222222222222222222222222222222222222222

at() {
	local t=$1
	shift
	printf '%s\n' "$@" | faketime "$t" sl-append >/dev/null || fail "append at $t failed"
}

mut() { # SOURCE NAMESPACE POSITION ID
	printf '{"type":"mutation","source":"%s","payload":{"namespace":"%s","position":%s,"id":"%s","sha256":"%s"}}' \
		"$1" "$2" "$3" "$4" "$SHA_A"
}

setup() {
	ledger_setup faketime
	at '2026-01-01 10:00:00' \
		"{\"type\":\"code\",\"source\":\"git:shop\",\"payload\":{\"repo\":\"https://example.org/shop\",\"commit\":\"$C1\"}}" \
		"{\"type\":\"config\",\"source\":\"config:web-1:/etc/nginx.conf\",\"payload\":{\"path\":\"/etc/nginx.conf\",\"sha256\":\"$SHA_A\"}}" \
		"{\"type\":\"config\",\"source\":\"config:web-1:/etc/same.conf\",\"payload\":{\"path\":\"/etc/same.conf\",\"sha256\":\"$SHA_A\"}}" \
		'{"type":"environment","source":"env:web-1","payload":{"os":"linux","arch":"x86_64","kernel":"6.1","variables":{"LANG":"C","PATH":"/bin"}}}' \
		"$(mut kafka:orders kafka/c1/orders/0 1 o-1)"
	at '2026-01-01 12:00:00' \
		"{\"type\":\"code\",\"source\":\"git:shop\",\"payload\":{\"repo\":\"https://example.org/shop\",\"commit\":\"$C2\"}}" \
		"{\"type\":\"config\",\"source\":\"config:web-1:/etc/nginx.conf\",\"payload\":{\"path\":\"/etc/nginx.conf\",\"sha256\":\"$SHA_B\"}}" \
		'{"type":"environment","source":"env:web-1","payload":{"os":"linux","arch":"x86_64","kernel":"6.1","variables":{"PATH":"/usr/bin","TZ":"UTC"}}}' \
		"{\"type\":\"config\",\"source\":\"config:web-1:/etc/new.conf\",\"payload\":{\"path\":\"/etc/new.conf\",\"sha256\":\"$SHA_A\"}}" \
		"$(mut kafka:orders kafka/c1/orders/0 2 o-2)" \
		"$(mut kafka:orders kafka/c1/orders/0 3 o-3)" \
		"$(mut pg:main pg/db1/slot1 '"0/16B3748"' tx-9)"
	# Re-captured with the same payload: not a change.
	at '2026-01-01 12:30:00' \
		"{\"type\":\"config\",\"source\":\"config:web-1:/etc/same.conf\",\"payload\":{\"path\":\"/etc/same.conf\",\"sha256\":\"$SHA_A\"}}"
}

EXPECTED_LINES=(
	"{\"change\":\"changed\",\"type\":\"code\",\"source\":\"git:shop\",\"from_seq\":0,\"to_seq\":5,\"members\":[{\"member\":\"payload.commit\",\"from\":\"$C1\",\"to\":\"$C2\"}]}"
	'{"change":"added","type":"config","source":"config:web-1:/etc/new.conf","from_seq":null,"to_seq":8}'
	"{\"change\":\"changed\",\"type\":\"config\",\"source\":\"config:web-1:/etc/nginx.conf\",\"from_seq\":1,\"to_seq\":6,\"members\":[{\"member\":\"payload.sha256\",\"from\":\"$SHA_A\",\"to\":\"$SHA_B\"}]}"
	'{"change":"changed","type":"environment","source":"env:web-1","from_seq":3,"to_seq":7,"members":[{"member":"payload.variables.LANG","from":"C","to":null},{"member":"payload.variables.PATH","from":"/bin","to":"/usr/bin"},{"member":"payload.variables.TZ","from":null,"to":"UTC"}]}'
	'{"change":"changed","type":"mutation","source":"kafka:orders","from_seq":4,"to_seq":10,"members":[{"member":"payload.id","from":"o-1","to":"o-3"},{"member":"payload.position","from":1,"to":3}]}'
	'{"change":"added","type":"mutation","source":"pg:main","from_seq":null,"to_seq":11}'
)

@test "sl-diff --from --to: exactly the changed sources and the mutations per namespace" {
	run -0 --separate-stderr sl-diff --from 2026-01-01T11:00:00Z --to 2026-01-01T13:00:00Z
	assert_equal "$stderr" ""
	local want
	want=$(printf '%s\n' "${EXPECTED_LINES[@]}" \
		'{"change":"mutations","namespace":"kafka/c1/orders/0","from":{"seq":4,"position":1,"id":"o-1"},"to":{"seq":10,"position":3,"id":"o-3"},"count":2,"applied":[{"seq":9,"position":2,"id":"o-2"},{"seq":10,"position":3,"id":"o-3"}]}' \
		'{"change":"mutations","namespace":"pg/db1/slot1","from":null,"to":{"seq":11,"position":"0/16B3748","id":"tx-9"},"count":1,"applied":[{"seq":11,"position":"0/16B3748","id":"tx-9"}]}')
	assert_equal "$output" "$want"
}

@test "sl-diff: two snapshot files give the same sources; counts need a complete second snapshot" {
	sl-snapshot --at 2026-01-01T11:00:00Z >"$BATS_TEST_TMPDIR/a.json"
	sl-snapshot --at 2026-01-01T13:00:00Z >"$BATS_TEST_TMPDIR/b.json"
	run -0 --separate-stderr sl-diff "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/b.json"
	assert_equal "$stderr" ""
	local want
	want=$(printf '%s\n' "${EXPECTED_LINES[@]}" \
		'{"change":"mutations","namespace":"kafka/c1/orders/0","from":{"seq":4,"position":1,"id":"o-1"},"to":{"seq":10,"position":3,"id":"o-3"},"count":null,"applied":null}' \
		'{"change":"mutations","namespace":"pg/db1/slot1","from":null,"to":{"seq":11,"position":"0/16B3748","id":"tx-9"},"count":null,"applied":null}')
	assert_equal "$output" "$want"
	# Backwards, an added source is removed.
	run -0 --separate-stderr sl-diff "$BATS_TEST_TMPDIR/b.json" - <"$BATS_TEST_TMPDIR/a.json"
	assert_line --index 1 '{"change":"removed","type":"config","source":"config:web-1:/etc/new.conf","from_seq":8,"to_seq":null}'
}

@test "sl-diff: no change, nothing printed" {
	run -0 --separate-stderr sl-diff --from 2026-01-01T13:00:00Z --to now
	assert_output ''
	assert_equal "$stderr" ""
	# Before the first entry everything is added.
	run -0 --separate-stderr sl-diff --from 2000-01-01 --to 2026-01-01T10:30:00Z
	assert_equal "${#lines[@]}" 6
	assert_line --index 0 '{"change":"added","type":"code","source":"git:shop","from_seq":null,"to_seq":0}'
}

@test "sl-diff: usage and input errors" {
	run -0 --separate-stderr sl-diff -h
	assert_line --index 0 'usage: sl-diff [-L ADDRESS] [--all] [--content] [-o json|text] --from T1 --to T2'
	run -2 --separate-stderr sl-diff --from now
	assert_output ''
	assert_equal "$stderr" "sl-diff: usage: '--from' needs '--to'"'
sl-diff: usage: sl-diff [-L ADDRESS] [--all] [--content] [-o json|text] --from T1 --to T2 | sl-diff [--all] [-o json|text] SNAPSHOT1 SNAPSHOT2'
	run -2 --separate-stderr sl-diff --from now --to 2000-01-01
	assert_equal "$stderr" 'sl-diff: usage: --to is before --from'
	run -2 --separate-stderr sl-diff --from never --to now
	run -2 --separate-stderr sl-diff onefile
	run -100 --separate-stderr sl-diff "$BATS_TEST_TMPDIR/missing" "$BATS_TEST_TMPDIR/missing"
	assert_output ''
	printf '{"type":"entry"}' >"$BATS_TEST_TMPDIR/x.json"
	run -100 --separate-stderr sl-diff "$BATS_TEST_TMPDIR/x.json" "$BATS_TEST_TMPDIR/x.json"
	assert_output ''
	assert_equal "$stderr" "sl-diff: fatal: unable to compare the snapshots: from: is not a snapshot document"
	run -100 --separate-stderr sl-diff -L "$BATS_TEST_TMPDIR/none" --from 2000-01-01 --to now
	assert_output ''
}

@test "an entry whose stored bytes were changed: sl-diff exits 100 naming the seq, prints nothing" {
	tamper_entry 2
	run -100 --separate-stderr sl-diff --from 2026-01-01T11:00:00Z --to 2026-01-01T13:00:00Z
	assert_equal "$output" ""
	assert_leaf_mismatch sl-diff 2
}

@test "applied mutations over many namespaces, interleaved, are each namespace's in seq order (as jq over sl-log finds them)" {
	# 600 mutations over 40 namespaces from 7 sources, appended in 3 batches
	# after the setup's entries.  The diff lists every namespace with a
	# mutation at --to (all 40: before issue 12 only those of each source's
	# latest mutation, 7, had a head), each with every mutation of that
	# namespace applied in between.
	local i lines=()
	for i in $(seq 0 599); do
		lines+=("$(mut "src$((i % 7))" "ns/$((i * 13 % 40))" "$i" "m-$i")")
	done
	at '2026-01-02 10:00:00' "${lines[@]:0:200}"
	at '2026-01-02 11:00:00' "${lines[@]:200:200}"
	at '2026-01-02 12:00:00' "${lines[@]:400:200}"
	[[ $(sl-log --limit 1 --after 11 | jq .seq) == 12 ]] || fail "the test's entries do not start at seq 12"
	run -0 --separate-stderr sl-diff --from '2026-01-01T23:00:00Z' --to now
	printf '%s\n' "$output" | jq -sc '[.[] | select(.change == "mutations") | {ns: .namespace, applied}] | sort_by(.ns)' >"$BATS_TEST_TMPDIR/got"
	sl-log --after 11 | jq -sc --slurpfile got "$BATS_TEST_TMPDIR/got" '($got[0] | map(.ns)) as $heads |
		[.[] | select(.type == "mutation" and (.payload.namespace as $n | $heads | index($n)))] |
		group_by(.payload.namespace) | map({ns: .[0].payload.namespace,
			applied: (sort_by(.seq) | map({seq, position: .payload.position, id: .payload.id}))})' >"$BATS_TEST_TMPDIR/want"
	assert_equal "$(jq length "$BATS_TEST_TMPDIR/got")" 40
	cmp -s "$BATS_TEST_TMPDIR/got" "$BATS_TEST_TMPDIR/want" || fail "the applied lists differ from sl-log's"
	assert_equal "$(jq '[.[].applied | length] | add' "$BATS_TEST_TMPDIR/got")" 600
}

@test "a recapture (only captured_at moved) is not a change; --all lists it as recaptured, with the members that moved" {
	local t1=2026-01-03T00:00:00Z
	cfg() { # CAPTURED_AT SHA
		printf '{"type":"config","source":"config:web-2:/etc/r.conf","payload":{"path":"/etc/r.conf","sha256":"%s","captured_at":"%s"}}' "$2" "$1"
	}
	at '2026-01-02 10:00:00' "$(cfg 2026-01-02T10:00:00.000000Z "$SHA_A")"
	at '2026-01-04 10:00:00' "$(cfg 2026-01-04T10:00:00.000000Z "$SHA_A")" \
		"{\"type\":\"config\",\"source\":\"config:web-1:/etc/same.conf\",\"payload\":{\"path\":\"/etc/same.conf\",\"sha256\":\"$SHA_A\"}}"
	run -0 --separate-stderr sl-diff --from "$t1" --to now
	assert_output ''
	run -0 --separate-stderr sl-diff --all --from "$t1" --to now
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 '{"change":"recaptured","type":"config","source":"config:web-1:/etc/same.conf","from_seq":12,"to_seq":15,"members":[]}'
	assert_line --index 1 '{"change":"recaptured","type":"config","source":"config:web-2:/etc/r.conf","from_seq":13,"to_seq":14,"members":[{"member":"payload.captured_at","from":"2026-01-02T10:00:00.000000Z","to":"2026-01-04T10:00:00.000000Z"}]}'
	# A change of state beside the capture time is a change, and shows both.
	at '2026-01-05 10:00:00' "$(cfg 2026-01-05T10:00:00.000000Z "$SHA_B")"
	run -0 --separate-stderr sl-diff --from "$t1" --to now
	assert_output '{"change":"changed","type":"config","source":"config:web-2:/etc/r.conf","from_seq":13,"to_seq":16,"members":[{"member":"payload.captured_at","from":"2026-01-02T10:00:00.000000Z","to":"2026-01-05T10:00:00.000000Z"},{"member":"payload.sha256","from":"'"$SHA_A"'","to":"'"$SHA_B"'"}]}'
	# Between two snapshot files too.
	sl-snapshot --at "$t1" >"$BATS_TEST_TMPDIR/a.json"
	sl-snapshot --at 2026-01-04T12:00:00Z >"$BATS_TEST_TMPDIR/b.json"
	run -0 sl-diff "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/b.json"
	assert_output ''
	run -0 sl-diff --all "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/b.json"
	assert_equal "${#lines[@]}" 2
}
