#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-verify: an untouched ledger verifies; every change made behind the
# ledger's back (through the test hook t/tamper) is found, and the first entry
# it affects is named on stdout ("seq":N) and on stderr.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
	# 20 entries: the payload's host is "web-1", the source does not say it.
	local i
	for i in $(seq 0 19); do
		printf '{"type":"config","source":"config:app:/etc/app/%d.conf","payload":{"path":"/etc/app/%d.conf","sha256":"%s","host":"web-1"}}\n' \
			"$i" "$i" "$H64"
	done >"$IN"
	append_file "$IN"
}

# expect_bad SEQ: sl-verify exits 1, stdout is {"verified":false,"seq":SEQ,
# "error":...}, stderr is the same message naming seq SEQ.
expect_bad() {
	run -1 --separate-stderr sl-verify
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -c '[.verified, .seq]' <<<"$output")" "[false,$1]"
	assert_regex "$output" "^\\{\"verified\":false,\"seq\":$1,\"error\":\".+\"\\}\$"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^sl-verify: .*seq $1[^0-9]"
	assert_equal "$stderr" "sl-verify: $(jq -r .error <<<"$output")"
}

# expect_bad_head: sl-verify exits 1 and says so without naming an entry.
expect_bad_head() {
	run -1 --separate-stderr sl-verify
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -c .verified <<<"$output")" false
	assert_regex "$stderr" '^sl-verify: .+'
}

@test "an untouched ledger verifies: {\"verified\":true,\"size\":20,\"root\":...}" {
	local root
	root=$(root_at 20)
	run -0 --separate-stderr sl-verify
	assert_equal "$output" "{\"verified\":true,\"size\":20,\"root\":\"$root\"}"
	assert_equal "$stderr" ""
}

@test "sl-verify -q on an untouched ledger prints nothing and exits 0" {
	run -0 --separate-stderr sl-verify -q
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	run -0 --separate-stderr sl-verify --quiet
	assert_equal "$output" ""
}

@test "sl-verify -q on a tampered ledger prints nothing on stdout and exits 1" {
	tamper entry-replace 7 'web-1' 'web-2'
	run -1 --separate-stderr sl-verify -q
	assert_equal "$output" ""
}

@test "the tampering below is seen in the store: the hook really changes the ledger" {
	local before
	before=$(tamper entry 7)
	tamper entry-replace 7 'web-1' 'web-2'
	assert_not_equal "$(tamper entry 7)" "$before"
	assert_equal "$(tamper entry 7 | jq -r .payload.host)" web-2
	# A reader refuses the changed bytes rather than serve them.
	run -100 --separate-stderr sl-get 7
	assert_equal "$output" ""
	assert_regex "$stderr" 'seq 7: stored entry does not match its leaf hash$'
}

@test "tamper: one payload byte of entry 7 changed -> seq 7" {
	tamper entry-replace 7 'web-1' 'web-2'
	expect_bad 7
}

@test "tamper: the first entry's payload changed -> seq 0" {
	tamper entry-replace 0 'web-1' 'web-9'
	expect_bad 0
}

@test "tamper: the last entry's payload changed -> seq 19" {
	tamper entry-replace 19 'web-1' 'web-9'
	expect_bad 19
}

@test "tamper: ts changed in the ts column only -> seq 9" {
	tamper entry-set 9 ts '2099-01-01T00:00:00.000000Z'
	expect_bad 9
}

@test "tamper: ts changed in the entry bytes only -> seq 9" {
	tamper entry-replace 9 '"ts":"2' '"ts":"1'
	assert_regex "$(tamper entry 9)" '"ts":"1'
	expect_bad 9
}

@test "tamper: ts changed in both the column and the bytes (consistently) -> seq 9" {
	local old new
	old=$(tamper entry-get 9 ts)
	new="${old:0:20}999999Z"
	[[ $new != "$old" ]] || new="${old:0:20}999998Z"
	tamper entry-set 9 ts "$new"
	tamper entry-replace 9 "$old" "$new"
	expect_bad 9
}

@test "tamper: the source column changed -> seq 4" {
	tamper entry-set 4 source 'config:app:/etc/evil.conf'
	expect_bad 4
}

@test "tamper: the type column changed -> seq 4" {
	tamper entry-set 4 type 'x-other'
	expect_bad 4
}

@test "tamper: entry 5 deleted -> seq 5" {
	tamper entries-delete 5 6
	expect_bad 5
}

@test "tamper: entries 3 and 4 swapped -> seq 3" {
	tamper entries-swap 3 4
	assert_equal "$(tamper entry 3 | jq .seq)" 4
	expect_bad 3
}

@test "tamper: entries 3 and 4 swapped with their leaf hashes -> seq 3" {
	tamper entries-swap 3 4 leaves
	expect_bad 3
}

@test "tamper: a stored interior node (the level-3 node over seq 0..7) changed -> seq 7" {
	# That node's hash is the root of the tree of the first 8 entries.
	local r8
	r8=$(root_at 8)
	assert_equal "$(tamper node-count "$r8")" 1
	tamper node-set "$r8" zero
	expect_bad 7
}

@test "tamper: a stored level-1 node (over seq 0..1) changed -> seq 1" {
	local r2
	r2=$(root_at 2)
	assert_equal "$(tamper node-count "$r2")" 1
	tamper node-set "$r2" random
	expect_bad 1
}

@test "tamper: the stored level-2 node over seq 16..19 changed -> seq 19" {
	tamper node-set last zero
	expect_bad 19
}

@test "tamper: a stored interior node deleted -> seq 7" {
	local r8
	r8=$(root_at 8)
	tamper node-delete "$r8"
	expect_bad 7
}

@test "tamper: a stored interior node cut to 31 bytes -> seq 7" {
	local r8
	r8=$(root_at 8)
	tamper node-set "$r8" short
	expect_bad 7
}

@test "tamper: an extra interior node beyond the tree -> exit 1" {
	tamper node-add-extra
	expect_bad_head
}

@test "tamper: a stored leaf hash changed -> seq 11" {
	tamper leaf-set 11 zero
	expect_bad 11
}

# The last leaf is a level-0 node no stored interior node covers when the size
# is odd, and the newest node's only witness when it is even: only the direct
# comparison of the stored leaf catches it, so both sizes are tried.
@test "tamper: the last entry's stored leaf hash changed, even size 20 -> seq 19" {
	tamper leaf-set 19 zero
	expect_bad 19
}

@test "tamper: the last entry's stored leaf hash changed, odd size 21 -> seq 20" {
	printf '{"type":"config","source":"config:app:/etc/app/x.conf","payload":{"path":"/etc/app/x.conf","sha256":"%s"}}\n' "$H64" >"$IN"
	append_file "$IN"
	run -0 sl-verify -q
	tamper leaf-set 20 zero
	expect_bad 20
}

@test "tamper: the last entry's stored leaf replaced by its neighbour's -> seq 19" {
	tamper leaf-set 19 "$(tamper leaf 18)"
	expect_bad 19
}

@test "tamper: the last 3 entries truncated -> seq 17" {
	tamper entries-delete 17
	expect_bad 17
}

@test "tamper: the last 3 entries and their nodes truncated, head left -> seq 17" {
	local r16
	r16=$(root_at 16)
	tamper entries-delete 17
	tamper nodes-delete-after "$r16"
	expect_bad 17
}

@test "tamper: an entry added after the head -> seq 20" {
	tamper entry-copy 19 20
	expect_bad 20
}

@test "tamper: the head's size lowered to 19 -> seq 19" {
	tamper head-set size 19
	expect_bad 19
}

@test "tamper: the head's root changed -> exit 1" {
	tamper head-set root zero
	expect_bad_head
	assert_regex "$(jq -r .error <<<"$output")" 'root'
}

@test "tamper: the head's root replaced by an older root -> exit 1" {
	local r19
	r19=$(root_at 19)
	tamper head-set root "$r19"
	expect_bad_head
}

@test "tamper: the head's ts changed -> exit 1" {
	tamper head-set ts '2099-01-01T00:00:00.000000Z'
	expect_bad_head
}

@test "a rebuilt, consistent-looking ledger with one changed entry still fails (leaf hash recomputed)" {
	# Change entry 7's payload and its stored leaf hash to match; the stored
	# nodes above it now disagree.
	tamper entry-replace 7 'web-1' 'web-2'
	local leaf
	leaf=$(leaf_hash_of 7)
	tamper leaf-set 7 "$leaf"
	expect_bad 7
}

# The stream index (lib/store-sqlite.c): each entry's stream, the link to the
# previous entry of its source and its number within the source.  sl-snapshot
# trusts them, so sl-verify checks them.  Entries 20..25 repeat sources 2 and 3.
more_of_sources_2_and_3() {
	local i
	for i in 2 3 2 3 2 2; do
		printf '{"type":"config","source":"config:app:/etc/app/%d.conf","payload":{"path":"/etc/app/%d.conf","sha256":"%s","host":"web-2"}}\n' \
			"$i" "$i" "$H64"
	done >"$IN"
	append_file "$IN"
	run -0 sl-verify -q
}

@test "stream index: an untouched ledger with repeated sources verifies, and records the links" {
	more_of_sources_2_and_3
	local seq links=
	for seq in 2 20 22 25; do
		links+="$seq:$(tamper entry-get "$seq" prev):$(tamper entry-get "$seq" nth) "
	done
	assert_equal "$links" "2::0 20:2:1 22:20:2 25:24:4 "
}

@test "tamper: an entry's link to the previous entry of its source changed -> seq 22" {
	more_of_sources_2_and_3
	tamper entry-set 22 prev 2
	expect_bad 22
	assert_regex "$stderr" "link to the previous entry of its source is wrong"
}

@test "tamper: an entry's number within its source changed -> seq 24" {
	more_of_sources_2_and_3
	tamper entry-set 24 nth 16
	expect_bad 24
	assert_regex "$stderr" "counted as number 16"
}

@test "tamper: an entry moved to another stream -> seq 21" {
	more_of_sources_2_and_3
	tamper entry-set 21 stream 3
	expect_bad 21
	assert_regex "$stderr" "stream 3 is another type or source"
}

@test "tamper: a stream's newest seq changed -> exit 1 naming the source" {
	more_of_sources_2_and_3
	tamper stream-set 'config:app:/etc/app/2.conf' last 22
	expect_bad_head
	assert_regex "$stderr" "/etc/app/2.conf' records 5 entries up to seq 22; the entries say 5 up to seq 25"
}

@test "tamper: a stream's count changed -> exit 1" {
	more_of_sources_2_and_3
	tamper stream-set 'config:app:/etc/app/3.conf' count 4
	expect_bad_head
	assert_regex "$stderr" "stream index: "
}

@test "tamper: a stream row deleted -> exit 1" {
	more_of_sources_2_and_3
	tamper stream-delete 'config:app:/etc/app/5.conf'
	expect_bad_head
	assert_regex "$stderr" "stream index: "
}

@test "sl-verify with a missing ledger exits 100" {
	run -100 --separate-stderr sl-verify -L "$BATS_TEST_TMPDIR/nope"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-verify: fatal: unable to open ledger '$BATS_TEST_TMPDIR/nope': .*sl-init"
}

@test "sl-verify usage: extra argument, unknown option (exit 2); -h, --version (exit 0)" {
	run -2 --separate-stderr sl-verify extra
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-verify: usage: '
	run -2 --separate-stderr sl-verify --bogus
	assert_regex "$stderr" '(^|'$'\n'')sl-verify: usage: '
	run -0 --separate-stderr sl-verify -h
	assert_line --index 0 --regexp '^usage: sl-verify '
	assert_equal "$stderr" ""
	run -0 --separate-stderr sl-verify --version
	assert_regex "$output" '^sl-verify [0-9]+\.[0-9]+\.[0-9]+'
}
