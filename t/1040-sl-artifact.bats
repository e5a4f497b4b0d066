#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-artifact: content-addressed, written atomically, stored once, and
# never served when the bytes on disk no longer match their name.

bats_require_minimum_version 1.5.0
load capture_helper

setup() {
	capture_setup
	init_ledger
	cd "$BATS_TEST_TMPDIR"
	printf 'hello, artifact\n' >f
	D=$(sha256sum <f | cut -c1-64)
	P="$L/artifacts/sha256/${D:0:2}/$D"
}

# Every file under artifacts/, with its mode and inode.
store_listing() {
	(cd "$L/artifacts" && find . -printf '%p %m %i\n' | sort)
}

@test "put prints the SHA-256 and stores the content read-only under sha256/xx/" {
	run -0 --separate-stderr sl-artifact put f
	assert_equal "$output" "$D"
	assert_equal "$stderr" ""
	[[ -f $P ]]
	assert_equal "$(stat -c %a "$P")" 400
	cmp f "$P"
	# Nothing else is left behind: no temporary file.
	assert_equal "$(cd "$L/artifacts" && find . -type f)" "./sha256/${D:0:2}/$D"
}

@test "get writes the content, byte for byte, after checking it; sha256: and upper case accepted" {
	head -c 100000 /dev/urandom >bin.dat
	printf '\0\0nul\n' >>bin.dat
	local d
	d=$(sl-artifact put bin.dat)
	sl-artifact get "$d" >out.dat
	cmp bin.dat out.dat
	sl-artifact get "sha256:$d" >out2.dat
	cmp bin.dat out2.dat
	sl-artifact get "${d^^}" >out3.dat
	cmp bin.dat out3.dat
}

@test "identical content is stored once: same digest, same file, untouched" {
	sl-artifact put f >/dev/null
	local before
	before=$(store_listing)
	run -0 --separate-stderr sl-artifact put - <f
	assert_equal "$output" "$D"
	cp f g
	run -0 --separate-stderr sl-artifact put g f
	assert_equal "$output" "$D
$D"
	assert_equal "$(store_listing)" "$before"
}

@test "put of several files prints one digest per file, in order" {
	printf 'a\n' >a && printf 'b\n' >b
	run -0 --separate-stderr sl-artifact put a b
	assert_equal "$output" "$(sha256sum <a | cut -c1-64)
$(sha256sum <b | cut -c1-64)"
}

@test "empty content has the digest of the empty string" {
	run -0 --separate-stderr sl-artifact put - </dev/null
	assert_equal "$output" "$EMPTY_ROOT"
	run -0 --separate-stderr sl-artifact get "$EMPTY_ROOT"
	assert_equal "$output" ""
}

@test "has: 0 when stored, 1 when not, silent both ways" {
	sl-artifact put f >/dev/null
	run -0 --separate-stderr sl-artifact has "$D"
	assert_equal "$output$stderr" ""
	run -1 --separate-stderr sl-artifact has "$H64"
	assert_equal "$output$stderr" ""
}

@test "an artifact altered on disk: get exits 1 and writes nothing" {
	sl-artifact put f >/dev/null
	chmod u+w "$P"
	printf 'hello, Artifact\n' >"$P"
	run -1 --separate-stderr sl-artifact get "$D"
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-artifact: fatal: unable to get 'sha256:$D': '$P' does not hold the content its name says (altered or damaged)"
	# A truncated one too.
	: >"$P"
	run -1 --separate-stderr sl-artifact get "$D"
	assert_equal "$output" ""
}

@test "verify names every altered artifact and says false; put repairs one" {
	printf 'other\n' >o
	local o
	o=$(sl-artifact put o)
	sl-artifact put f >/dev/null
	run -0 --separate-stderr sl-artifact verify
	assert_equal "$output" '{"verified":true,"count":2,"bad":0}'
	chmod u+w "$P" && printf 'tampered\n' >"$P"
	run -1 --separate-stderr sl-artifact verify
	assert_equal "$output" "{\"artifact\":\"sha256/${D:0:2}/$D\",\"error\":\"'$P' does not hold the content its name says (altered or damaged)\"}
{\"verified\":false,\"count\":2,\"bad\":1}"
	# Putting the right content again replaces the damaged copy.
	sl-artifact put f >/dev/null
	run -0 --separate-stderr sl-artifact verify
	assert_equal "$output" '{"verified":true,"count":2,"bad":0}'
	cmp f <(sl-artifact get "$D")
}

@test "verify reports files that have no place in the store, and warns of leftovers" {
	sl-artifact put f >/dev/null
	printf 'x\n' >"$L/artifacts/sha256/${D:0:2}/not-a-digest"
	mkdir "$L/artifacts/sha256/zz"
	printf 'partial' >"$L/artifacts/sha256/.tmp-abc123"
	run -1 --separate-stderr sl-artifact verify
	assert_equal "$output" "{\"artifact\":\"sha256/${D:0:2}/not-a-digest\",\"error\":\"has no place in the store\"}
{\"artifact\":\"sha256/zz\",\"error\":\"has no place in the store\"}
{\"verified\":false,\"count\":1,\"bad\":2}"
	assert_equal "$stderr" "sl-artifact: warning: sha256/.tmp-abc123: leftover temporary file"
}

@test "a missing artifact: get exits 1 naming it" {
	run -1 --separate-stderr sl-artifact get "$H64"
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-artifact: fatal: unable to get 'sha256:$H64': no artifact sha256:$H64"
}

@test "a write that fails leaves nothing behind and exits 111" {
	require_cmd fiu-run
	require_preload sl-artifact
	run -111 --separate-stderr fiu-run -x -c 'enable name=posix/io/sync/fsync,failinfo=5' sl-artifact put f
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-artifact: fatal: unable to store .f.: unable to fsync '
	[[ ! -e $P ]]
	assert_equal "$(cd "$L/artifacts" && find . -type f)" ""
	run -111 --separate-stderr fiu-run -x -c 'enable name=posix/io/dir/rename,failinfo=5' sl-artifact put f
	assert_equal "$output" ""
	assert_equal "$(cd "$L/artifacts" && find . -type f)" ""
	run -0 sl-artifact put f
	[[ -f $P ]]
}

@test "four writers of the same content at once: one file, one digest" {
	head -c 300000 /dev/urandom >big
	local d i
	d=$(sha256sum <big | cut -c1-64)
	for i in 1 2 3 4; do sl-artifact put big >"out.$i" & done
	wait
	for i in 1 2 3 4; do assert_equal "$(cat "out.$i")" "$d"; done
	assert_equal "$(cd "$L/artifacts" && find . -type f)" "./sha256/${d:0:2}/$d"
	cmp big "$L/artifacts/sha256/${d:0:2}/$d"
}

@test "a bad digest is a usage error; no ledger is exit 100" {
	run -2 --separate-stderr sl-artifact get abc
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" "sl-artifact: usage: 'abc' is not a digest (64 hex digits, optionally after sha256:)"
	assert_regex "${stderr_lines[1]}" '^sl-artifact: usage: sl-artifact '

	run -2 --separate-stderr sl-artifact has "sha1:$H64"
	run -100 --separate-stderr sl-artifact -L "$BATS_TEST_TMPDIR/nowhere" put f
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-artifact: fatal: unable to open ledger '$BATS_TEST_TMPDIR/nowhere': '$BATS_TEST_TMPDIR/nowhere' is not a ledger (no artifacts directory)"
	run -100 --separate-stderr sl-artifact put missing-file
	assert_equal "$stderr" "sl-artifact: fatal: unable to read 'missing-file': No such file or directory"
	run -100 --separate-stderr sl-artifact put .
	assert_equal "$stderr" "sl-artifact: fatal: unable to read '.': is a directory"
}

@test "usage, help and version" {
	run -2 --separate-stderr sl-artifact
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" "sl-artifact: usage: a verb is needed"
	assert_regex "${stderr_lines[1]}" '^sl-artifact: usage: sl-artifact \[-L ADDRESS\] put FILE\|-\.\.\.'
	run -2 --separate-stderr sl-artifact get
	assert_equal "${stderr_lines[0]}" "sl-artifact: usage: get needs a DIGEST"
	run -2 --separate-stderr sl-artifact put
	assert_equal "${stderr_lines[0]}" "sl-artifact: usage: put needs a FILE"
	run -2 --separate-stderr sl-artifact verify extra
	assert_equal "${stderr_lines[0]}" "sl-artifact: usage: unexpected operand 'extra'"
	run -2 --separate-stderr sl-artifact frobnicate
	assert_equal "${stderr_lines[0]}" "sl-artifact: usage: unknown verb 'frobnicate'"
	run -0 --separate-stderr sl-artifact -h
	assert_regex "${lines[0]}" '^usage: sl-artifact '
	run -0 --separate-stderr sl-artifact --version
	assert_regex "$output" '^sl-artifact [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "get into a closed pipe ends quietly; into a full disk is 111" {
	head -c 1000000 /dev/urandom >big
	local d
	d=$(sl-artifact put big)
	run --separate-stderr bash -c 'sl-artifact get "$1" | head -c 10 >/dev/null; echo "${PIPESTATUS[0]}"' _ "$d"
	assert_equal "$output" 0
	assert_equal "$stderr" ""
	[[ -w /dev/full ]] || skip "no /dev/full on this system"
	run -111 --separate-stderr sh -c 'sl-artifact get "$1" >/dev/full' _ "$d"
}
