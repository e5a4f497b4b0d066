#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-snapshot --at T on a ledger built under libfaketime: before the first
# entry, between entries, exactly at an entry's ts and in the future, with
# every proof checked by sl-prove --check and the checkpoint by
# sl-checkpoint verify.

bats_require_minimum_version 1.5.0
load test_helper

SHA_A=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
SHA_B=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
C1=1111111111111111111111111111111111111111
C2=2222222222222222222222222222222222222222

# at TIME LINE...: append the lines as one batch with the clock at TIME (UTC).
at() {
	local t=$1
	shift
	printf '%s\n' "$@" | faketime "$t" sl-append >/dev/null || fail "append at $t failed"
}

setup() {
	ledger_setup jq faketime
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	S="$BATS_TEST_TMPDIR/snap.json"
	at '2026-01-01 10:00:00' \
		"{\"type\":\"code\",\"source\":\"git:shop\",\"payload\":{\"repo\":\"https://example.org/shop\",\"commit\":\"$C1\"}}" \
		"{\"type\":\"config\",\"source\":\"config:web-1:/etc/nginx.conf\",\"payload\":{\"path\":\"/etc/nginx.conf\",\"sha256\":\"$SHA_A\"}}" \
		'{"type":"environment","source":"env:web-1","payload":{"os":"linux","arch":"x86_64","kernel":"6.1"}}'
	at '2026-01-01 11:00:00' \
		"{\"type\":\"code\",\"source\":\"git:shop\",\"payload\":{\"repo\":\"https://example.org/shop\",\"commit\":\"$C2\"}}" \
		"{\"type\":\"mutation\",\"source\":\"kafka:orders\",\"payload\":{\"namespace\":\"kafka/c1/orders/0\",\"position\":1,\"id\":\"o-1\",\"sha256\":\"$SHA_A\"}}"
	at '2026-01-01 12:00:00' \
		"{\"type\":\"config\",\"source\":\"config:web-1:/etc/nginx.conf\",\"payload\":{\"path\":\"/etc/nginx.conf\",\"sha256\":\"$SHA_B\"}}" \
		"{\"type\":\"mutation\",\"source\":\"kafka:orders\",\"payload\":{\"namespace\":\"kafka/c1/orders/0\",\"position\":2,\"id\":\"o-2\",\"sha256\":\"$SHA_B\"}}" \
		"{\"type\":\"mutation\",\"source\":\"pg:main\",\"payload\":{\"namespace\":\"pg/db1/slot1\",\"position\":\"0/16B3748\",\"id\":\"tx-9\",\"sha256\":\"$SHA_B\"}}"
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
}

# check_proofs FILE: every inclusion proof against the snapshot's root and
# the entry bytes it carries, and the consistency proof to the checkpoint.
check_proofs() {
	local root n k cp
	root=$(jq -r .root "$1")
	n=$(jq '.entries | length' "$1")
	for ((k = 0; k < n; k++)); do
		jq -j ".entries[$k].entry" "$1" >"$BATS_TEST_TMPDIR/entry"
		jq -c ".entries[$k].inclusion" "$1" >"$BATS_TEST_TMPDIR/proof"
		run -0 --separate-stderr sl-prove --check --root "$root" --size "$(jq .size "$1")" \
			--entry "$BATS_TEST_TMPDIR/entry" <"$BATS_TEST_TMPDIR/proof"
		assert_regex "$output" '^\{"verified":true,"type":"inclusion",'
		# The entry bytes are those the ledger stores.
		assert_equal "$(cat "$BATS_TEST_TMPDIR/entry")" "$(sl-get "$(jq ".entries[$k].seq" "$1")")"
	done
	jq -j .checkpoint.note "$1" >"$BATS_TEST_TMPDIR/note"
	run -0 --separate-stderr sl-checkpoint verify --key "$VKEY" --origin test.example/log <"$BATS_TEST_TMPDIR/note"
	cp=$(jq -r .root <<<"$output")
	if [[ $(jq .size "$1") -gt 0 ]]; then
		jq -c .checkpoint.consistency "$1" >"$BATS_TEST_TMPDIR/proof"
		run -0 --separate-stderr sl-prove --check --old-root "$root" --root "$cp" \
			--from "$(jq .size "$1")" --to "$(jq .checkpoint.consistency.to "$1")" <"$BATS_TEST_TMPDIR/proof"
		assert_regex "$output" '^\{"verified":true,"type":"consistency",'
	else
		assert_equal "$(jq -c .checkpoint.consistency "$1")" null
	fi
}

@test "before the first entry: the empty state, the empty root, the checkpoint without a proof" {
	run -0 --separate-stderr sl-snapshot --at 2026-01-01T09:59:59Z
	assert_equal "$stderr" ""
	echo "$output" >"$S"
	assert_equal "$(jq -c '[.type, .at, .size, .root, .entries, .mutations, .complete]' "$S")" \
		"[\"snapshot\",\"2026-01-01T09:59:59.000000Z\",0,\"$EMPTY_ROOT\",[],[],false]"
	assert_equal "$(jq -c .warnings "$S")" '["no entry at or before this time matches"]'
	check_proofs "$S"
}

@test "between entries: the first batch, in (type, source) order, each with its proof" {
	sl-snapshot --at 2026-01-01T10:30:00Z >"$S"
	assert_equal "$(jq .size "$S")" 3
	assert_equal "$(jq -c '[.entries[] | [.seq, .type, .source]]' "$S")" \
		'[[0,"code","git:shop"],[1,"config","config:web-1:/etc/nginx.conf"],[2,"environment","env:web-1"]]'
	assert_equal "$(jq .root "$S")" "\"$(root_at 3)\""
	assert_equal "$(jq -c .mutations "$S")" '[]'
	assert_equal "$(jq -c .warnings "$S")" '[]'
	check_proofs "$S"
}

@test "exactly at an entry's ts the entry is in; one microsecond before, it is not" {
	local ts before
	ts=$(sl-get 3 | jq -r .ts)
	sl-snapshot --at "$ts" >"$S"
	assert_equal "$(jq .size "$S")" 5
	assert_equal "$(jq -c '[.entries[] | .seq]' "$S")" '[3,1,2,4]'
	assert_equal "$(jq -c '[.mutations[] | {namespace, seq, position, id, last}]' "$S")" '[{"namespace":"kafka/c1/orders/0","seq":4,"position":1,"id":"o-1","last":null}]'
	check_proofs "$S"
	# The same instant minus one microsecond.
	local frac=${ts:20:6}
	[[ $frac != 000000 ]] || skip "the entry's ts has no fraction to step back"
	before=$(printf '%s.%06dZ' "${ts:0:19}" $((10#$frac - 1)))
	sl-snapshot --at "$before" >"$S"
	assert_equal "$(jq .size "$S")" 3
}

@test "in the future: the latest entry of every source and of every namespace" {
	sl-snapshot --at 2030-01-01 >"$S"
	assert_equal "$(jq .size "$S")" 8
	assert_equal "$(jq -c '[.entries[] | [.seq, .source]]' "$S")" \
		'[[3,"git:shop"],[5,"config:web-1:/etc/nginx.conf"],[2,"env:web-1"],[6,"kafka:orders"],[7,"pg:main"]]'
	assert_equal "$(jq -r '.entries[0].entry | fromjson | .payload.commit' "$S")" "$C2"
	assert_equal "$(jq -c '[.mutations[] | {namespace, seq, position, id, last}]' "$S")" \
		'[{"namespace":"kafka/c1/orders/0","seq":6,"position":2,"id":"o-2","last":null},{"namespace":"pg/db1/slot1","seq":7,"position":"0/16B3748","id":"tx-9","last":null}]'
	check_proofs "$S"
	run -0 sl-snapshot --at now
	assert_equal "$output" "$(cat "$S" | jq -c --arg at "$(jq -r .at <<<"$output")" '.at = $at')"
}

@test "--type and --source name fewer entries; proofs stay at the prefix size" {
	sl-snapshot --at 2030-01-01 --type mutation >"$S"
	assert_equal "$(jq -c '[.entries[] | .seq]' "$S")" '[6,7]'
	check_proofs "$S"
	sl-snapshot --at 2030-01-01 --source 'config:*' >"$S"
	assert_equal "$(jq -c '[.size, [.entries[] | .seq]]' "$S")" '[8,[5]]'
	check_proofs "$S"
	sl-snapshot --at 2030-01-01 --type code --source 'nothing*' >"$S"
	assert_equal "$(jq -c '[.entries, .warnings]' "$S")" '[[],["no entry at or before this time matches"]]'
}

@test "--complete adds every entry of the prefix, byte for byte" {
	sl-snapshot --at 2026-01-01T11:30:00Z --complete >"$S"
	assert_equal "$(jq -c '[.size, .complete, (.prefix | length)]' "$S")" '[5,true,5]'
	local k
	for k in 0 1 2 3 4; do
		assert_equal "$(jq -r ".prefix[$k]" "$S")" "$(sl-get "$k")"
	done
	sl-snapshot --at 2026-01-01T09:00:00Z --complete >"$S"
	assert_equal "$(jq -c .prefix "$S")" '[]'
}

@test "a checkpoint older than the prefix is left out with a warning" {
	at '2026-01-01 13:00:00' '{"type":"x-late","source":"late","payload":{}}'
	sl-snapshot --at 2030-01-01 >"$S"
	assert_equal "$(jq -c '[.size, .checkpoint]' "$S")" '[9,null]'
	assert_equal "$(jq -c .warnings "$S")" '["the newest checkpoint (size 8) does not cover size 9"]'
	# An earlier time is still covered.
	sl-snapshot --at 2026-01-01T12:30:00Z >"$S"
	check_proofs "$S"
}

@test "usage: --at is required and must be a time; no ledger is 100" {
	run -2 --separate-stderr sl-snapshot
	assert_equal "$stderr" "sl-snapshot: usage: '--at' is needed
sl-snapshot: usage: sl-snapshot [-L ADDRESS] --at T [--type TYPE] [--source GLOB] [--complete] [--objects] [-o json|text] [-q | --progress]"
	run -2 --separate-stderr sl-snapshot --at yesterday
	assert_regex "$stderr" "^sl-snapshot: usage: --at: "
	run -2 sl-snapshot --at now extra
	run -100 --separate-stderr sl-snapshot -L "$BATS_TEST_TMPDIR/none" --at now
	assert_regex "$stderr" "^sl-snapshot: fatal: unable to open ledger"
}

# check_bounds FILE: the bounds' entries are the ledger's at seq size-1 and
# size, proved against the checkpoint's root at its size.
check_bounds() {
	local n cs root which seq
	n=$(jq .size "$1")
	cs=$(jq -r .checkpoint.note "$1" | sed -n 2p)
	root=$(jq -r .checkpoint.note "$1" | sed -n 3p | base64 -d | od -An -tx1 | tr -d ' \n')
	for which in last next; do
		seq=$(jq ".bounds.$which.seq" "$1")
		if [[ $which == last && $n == 0 ]] || [[ $which == next && $n == "$cs" ]]; then
			assert_equal "$seq" null
			continue
		fi
		assert_equal "$seq" "$([[ $which == last ]] && echo $((n - 1)) || echo "$n")"
		jq -j ".bounds.$which.entry" "$1" >"$BATS_TEST_TMPDIR/entry"
		assert_equal "$(cat "$BATS_TEST_TMPDIR/entry")" "$(sl-get "$seq")"
		jq -c ".bounds.$which.inclusion" "$1" >"$BATS_TEST_TMPDIR/proof"
		run -0 --separate-stderr sl-prove --check --root "$root" --size "$cs" \
			--entry "$BATS_TEST_TMPDIR/entry" <"$BATS_TEST_TMPDIR/proof"
		assert_equal "$(jq -c '[.verified, .seq, .size]' <<<"$output")" "[true,$seq,$cs]"
	done
}

@test "bounds: the entries on either side of the prefix, proved in the checkpoint's tree" {
	local t
	for t in 2026-01-01T09:00:00Z 2026-01-01T10:30:00Z 2026-01-01T11:30:00Z 2030-01-01; do
		sl-snapshot --at "$t" >"$S"
		check_bounds "$S"
	done
	assert_equal "$(jq -c '[.size, .bounds.last.seq, .bounds.next]' "$S")" '[8,7,null]'
	sl-snapshot --at 2026-01-01T10:30:00Z >"$S"
	assert_equal "$(jq -c '[.bounds.last.seq, .bounds.next.seq]' "$S")" '[2,3]'
	assert_regex "$(jq -r '.bounds.last.entry | fromjson | .ts' "$S")" '^2026-01-01T10:00:00\.[0-9]{6}Z$'
	assert_regex "$(jq -r '.bounds.next.entry | fromjson | .ts' "$S")" '^2026-01-01T11:00:00\.[0-9]{6}Z$'
}

@test "filter: a filtered snapshot states its filter, an unfiltered one null" {
	sl-snapshot --at 2030-01-01 >"$S"
	assert_equal "$(jq -c .filter "$S")" null
	sl-snapshot --at 2030-01-01 --type mutation >"$S"
	assert_equal "$(jq -c .filter "$S")" '{"type":"mutation","source":null}'
	sl-snapshot --at 2030-01-01 --source 'config:*' --complete >"$S"
	assert_equal "$(jq -c '[.filter, (.prefix | length)]' "$S")" '[{"type":null,"source":"config:*"},8]'
}

@test "an entry whose stored bytes were changed: sl-snapshot exits 100 naming the seq" {
	# seq 2 is env:web-1's only entry: every snapshot after 10:00 names it.
	tamper_entry 2
	run -100 --separate-stderr sl-snapshot --at 2026-01-01T13:00:00Z
	assert_leaf_mismatch sl-snapshot 2
	refute_output --partial '"warnings"'
	# --complete reads every entry of the prefix, not only the latest ones.
	run -100 --separate-stderr sl-snapshot --at 2026-01-01T13:00:00Z --type code --complete
	assert_leaf_mismatch sl-snapshot 2
	# A snapshot that does not reach it is not refused.
	run -0 --separate-stderr sl-snapshot --at 2026-01-01T13:00:00Z --type code
}
