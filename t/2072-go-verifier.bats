#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Issue 16: checked by verifiers nobody here wrote.  t/go/verify, built here
# from Debian's Go and golang.org/x/mod (sumdb/note, sumdb/tlog) and nothing
# else, checks our Ed25519 checkpoints with note.Open, reads the tiles of
# `sl-tiles export` and of sl-httpd through a tlog.TileReader that maps
# x/mod's tile paths to C2SP's, checks the tree hash against the signed root,
# every entry's inclusion (the record hash from the entry bundle's bytes)
# and the consistency of older checkpoints, and the cosignatures two
# sl-witness instances add (C2SP tlog-cosignature/v1, checked with
# crypto/ed25519: x/mod 0.7 has no cosignature verifier).  Each kind of
# damage (a byte of the signature, of a cosignature, of a hash tile, of an
# entry bundle; a root that is not the tiles') makes it fail, on the line of
# the check that catches it.  (The split view is t/2080's.)
#
# Without go or x/mod this file FAILS (make deps installs them): a foreign
# verifier that silently does not run checks nothing.

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper
load witness_helper

# go_env CMD...: the Go tool in GOPATH mode on Debian's packages alone, with a
# cache of its own (any user, no HOME, no network, no module proxy).
go_env() {
	env GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOENV=off GOPROXY=off \
		GOCACHE="$BATS_FILE_TMPDIR/gocache" GOTMPDIR="$BATS_FILE_TMPDIR" "$@"
}

setup_file() {
	if ! command -v go >/dev/null 2>&1; then
		printf '2072: go is not installed: make deps installs golang-go and golang-golang-x-mod-dev\n' >&2
		return 1
	fi
	if [[ ! -d /usr/share/gocode/src/golang.org/x/mod/sumdb/tlog ]]; then
		printf '2072: golang.org/x/mod is not in /usr/share/gocode: make deps installs golang-golang-x-mod-dev\n' >&2
		return 1
	fi
	export GOV="$BATS_FILE_TMPDIR/verify"
	(cd "$SL_SRCDIR" && go_env go build -o "$GOV" ./t/go/verify) || {
		printf '2072: unable to build t/go/verify\n' >&2
		return 1
	}
	need_bench_gen || return 1

	# One ledger of 700 entries for the file, signed at 5, 256, 300, 512 and 700:
	# full and partial tiles at level 0, a size that is a multiple of 256, and
	# partial tiles at level 1.
	unset SL_KEY
	export LG="$BATS_FILE_TMPDIR/ledger" TILES="$BATS_FILE_TMPDIR/tiles" CPS="$BATS_FILE_TMPDIR/cp"
	mkdir -p "$CPS"
	sl-init -L "$LG" --origin test.example/log >/dev/null || return 1
	VKEY=$(SL_LEDGER=$LG sl-keygen --type ed25519) || return 1
	export VKEY
	local s prev=0
	for s in 5 256 300 512 700; do
		gen_entries $((s - prev)) "e$s-" | SL_LEDGER=$LG sl-append >/dev/null || return 1
		SL_LEDGER=$LG sl-checkpoint >"$CPS/$s" || return 1
		prev=$s
	done
	SL_LEDGER=$LG sl-tiles export "$TILES" >/dev/null || return 1
}

setup() {
	sl_setup
	unset SL_KEY
	T="$BATS_TEST_TMPDIR/tiles"
}

teardown() {
	httpd_teardown
}

# count PATTERN: the lines of $output that match the extended regex PATTERN.
count() {
	grep -cE -- "$1" <<<"$output" || true
}

# copy_tiles: the file's exported tiles in $T, to damage.
copy_tiles() {
	cp -r "$TILES" "$T"
}

@test "the verifier uses the standard library and x/mod's note and tlog only, and its own tests pass" {
	cd "$SL_SRCDIR"
	run -0 --separate-stderr go_env go list -deps -f '{{if not .Standard}}{{.ImportPath}}{{end}}' ./t/go/verify
	assert_equal "$(grep -v '/t/go/verify$' <<<"$output")" "$(printf 'golang.org/x/mod/sumdb/note\ngolang.org/x/mod/sumdb/tlog')"
	run -0 go_env go test ./t/go/verify
	run -0 go_env go vet ./t/go/verify
	run -0 --separate-stderr gofmt -l t/go
	assert_equal "$output$stderr" ""
	# And the program says how it is used.
	run -2 --separate-stderr "$GOV"
	assert_regex "$stderr" "^verify: usage: -key and -tiles are required"
	run -2 --separate-stderr "$GOV" -key "$VKEY" -tiles "$TILES" extra
	run -2 --separate-stderr "$GOV" -key not-a-key -tiles "$TILES"
	assert_regex "$stderr" "^verify: usage: -key: malformed verifier id"
	run -2 --separate-stderr "$GOV" -key "$VKEY" -tiles "$TILES" -entries 1,x
	assert_equal "$output" ""
	assert_equal "$stderr" 'verify: usage: -entries: bad entry index "x"'
}

@test "each checkpoint (5, 256, 300, 512, 700) against the exported tiles: its signature, its root, every entry's inclusion" {
	local s
	for s in 5 256 300 512 700; do
		run -0 --separate-stderr "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$CPS/$s"
		assert_equal "$stderr" ""
		assert_equal "${lines[0]}" "ok checkpoint signature: $CPS/$s: origin test.example/log, size $s, signed by test.example/log"
		assert_equal "${lines[1]}" "ok tree hash: the tiles give the checkpoint's root $(sed -n 3p "$CPS/$s") at size $s"
		assert_equal "$(count '^ok inclusion: entry [0-9]+ in size '"$s"' \([0-9]+ hashes\)$')" "$s"
		assert_equal "${#lines[@]}" $((s + 2))
		assert_equal "$(count '^fail')" 0
	done
	# The tiles' own checkpoint is the newest, 700; chosen entries at the tiles' edges.
	run -0 --separate-stderr "$GOV" -key "$VKEY" -tiles "$TILES" -entries 0,255,256,511,512,699
	assert_equal "${lines[0]}" "ok checkpoint signature: $TILES/checkpoint: origin test.example/log, size 700, signed by test.example/log"
	assert_line "ok inclusion: entry 0 in size 700 (10 hashes)"
	assert_line "ok inclusion: entry 699 in size 700 (7 hashes)"
	assert_equal "${#lines[@]}" 8
	# An entry beyond the checkpoint is a failure, not a silent skip.
	run -1 --separate-stderr "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$CPS/300" -entries 1,300
	assert_line "fail inclusion: entry 300: beyond size 300"
	assert_line "ok inclusion: entry 1 in size 300 (9 hashes)"
}

@test "every older checkpoint is consistent with the newer ones, proved from the tiles" {
	run -0 --separate-stderr "$GOV" -key "$VKEY" -tiles "$TILES" -entries none \
		-old "$CPS/5" -old "$CPS/256" -old "$CPS/300" -old "$CPS/512" -old "$CPS/700"
	assert_equal "$stderr" ""
	local s
	for s in 5 256 300 512 700; do
		assert_line "ok checkpoint signature: $CPS/$s: origin test.example/log, size $s, signed by test.example/log"
		assert_line "ok consistency $s -> 700: the tiles give $CPS/$s's root"
		assert_line --regexp "^ok consistency $s -> 700: proof of [0-9]+ hashes checks$"
	done
	assert_equal "$(count '^fail')" 0
	# From the partial tiles of an older size: 512 (no partial level-0 tile) and 300.
	run -0 "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$CPS/512" -entries none -old "$CPS/300" -old "$CPS/256"
	assert_line --regexp "^ok consistency 300 -> 512: proof of [0-9]+ hashes checks$"
	assert_line --regexp "^ok consistency 256 -> 512: proof of [0-9]+ hashes checks$"
	run -0 "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$CPS/300" -entries none -old "$CPS/5"
	assert_line --regexp "^ok consistency 5 -> 300: proof of [0-9]+ hashes checks$"
	# A newer checkpoint given as the older one is refused.
	run -1 "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$CPS/300" -entries none -old "$CPS/512"
	assert_line "fail consistency 512 -> 300: $CPS/512 is larger than the checkpoint"
}

@test "over HTTP: the checkpoint and tiles sl-httpd serves, every entry and every older checkpoint" {
	require_cmd curl socat ss
	L=$LG
	httpd_start
	run -0 --separate-stderr "$GOV" -key "$VKEY" -tiles "$URL" \
		-old "$CPS/5" -old "$CPS/256" -old "$CPS/300" -old "$CPS/512"
	assert_equal "$stderr" ""
	assert_equal "${lines[0]}" "ok checkpoint signature: $URL/checkpoint: origin test.example/log, size 700, signed by test.example/log"
	assert_equal "${lines[1]}" "ok tree hash: the tiles give the checkpoint's root $(sed -n 3p "$CPS/700") at size 700"
	assert_equal "$(count '^ok inclusion: entry [0-9]+ in size 700 ')" 700
	assert_equal "$(count '^ok consistency [0-9]+ -> 700: proof of')" 4
	assert_equal "$(count '^fail')" 0
	# The served checkpoint is the exported one; a trailing slash on the URL is the same.
	run -0 "$GOV" -key "$VKEY" -tiles "$URL/" -entries 0,699
	assert_equal "${#lines[@]}" 4
	# A checkpoint whose root is not the served tiles' fails here too (see the forged one below).
	sed "3s#.*#$(sed -n 3p "$CPS/512")#" "$CPS/700" >"$BATS_TEST_TMPDIR/cp"
	run -1 "$GOV" -key "$VKEY" -tiles "$URL" -checkpoint "$BATS_TEST_TMPDIR/cp" -entries 0
	assert_regex "${lines[0]}" "^fail checkpoint signature: .*invalid signature"
	assert_regex "${lines[1]}" "^fail tree hash: "
	# Nobody listening: every check that needs the server fails.
	httpd_stop
	run -1 "$GOV" -key "$VKEY" -tiles "$URL"
	assert_regex "${lines[0]}" "^fail checkpoint: .*connection refused"
	assert_equal "${#lines[@]}" 1
}

@test "a flipped byte in the checkpoint's signature fails the signature check, and only that one" {
	copy_tiles
	local sig
	sig=$(tail -1 "$T/checkpoint" | cut -d' ' -f3)
	# Byte 20 of key id || signature: inside the Ed25519 signature.
	base64 -d <<<"$sig" >"$BATS_TEST_TMPDIR/sig"
	flip_bit "$BATS_TEST_TMPDIR/sig" 20
	{ sed '$d' "$TILES/checkpoint"; printf '— test.example/log %s\n' "$(base64 -w0 "$BATS_TEST_TMPDIR/sig")"; } >"$T/checkpoint"
	run -1 --separate-stderr "$GOV" -key "$VKEY" -tiles "$T"
	assert_equal "${lines[0]}" "fail checkpoint signature: $T/checkpoint: invalid signature for key test.example/log+$(cut -d+ -f2 <<<"$VKEY")"
	assert_equal "$(count '^fail')" 1
	assert_equal "$(count '^ok inclusion')" 700
	# The same byte flipped in the key id: no signature by the key at all.
	base64 -d <<<"$sig" >"$BATS_TEST_TMPDIR/sig"
	flip_bit "$BATS_TEST_TMPDIR/sig" 1
	{ sed '$d' "$TILES/checkpoint"; printf '— test.example/log %s\n' "$(base64 -w0 "$BATS_TEST_TMPDIR/sig")"; } >"$T/checkpoint"
	run -1 "$GOV" -key "$VKEY" -tiles "$T" -entries none
	assert_equal "${lines[0]}" "fail checkpoint signature: $T/checkpoint: note has no verifiable signatures"
	# An older checkpoint with a broken signature fails too.
	base64 -d <<<"$(tail -1 "$CPS/300" | cut -d' ' -f3)" >"$BATS_TEST_TMPDIR/sig"
	flip_bit "$BATS_TEST_TMPDIR/sig" 40
	{ sed '$d' "$CPS/300"; printf '— test.example/log %s\n' "$(base64 -w0 "$BATS_TEST_TMPDIR/sig")"; } >"$BATS_TEST_TMPDIR/old"
	run -1 "$GOV" -key "$VKEY" -tiles "$TILES" -entries none -old "$BATS_TEST_TMPDIR/old"
	assert_line --regexp "^fail checkpoint signature: $BATS_TEST_TMPDIR/old: invalid signature for key "
	assert_equal "$(count '^fail')" 1
}

@test "a flipped byte in a hash tile: a level-0 tile fails the proofs through it, an upper or partial one the tree hash" {
	copy_tiles
	# Leaf hash 7 of the full level-0 tile 000: every proof of entries 0-255 but entry 7's
	# own passes through it. (x/mod 0.7's TileHashReader hands that hash back unchecked:
	# CheckRecord against the signed root is what catches it.)
	flip_bit "$T/tile/0/000" $((7 * 32 + 3))
	run -1 --separate-stderr "$GOV" -key "$VKEY" -tiles "$T"
	assert_equal "${lines[0]}" "ok checkpoint signature: $T/checkpoint: origin test.example/log, size 700, signed by test.example/log"
	assert_regex "${lines[1]}" "^ok tree hash: "
	assert_line "fail inclusion: entry 0 in size 700: invalid transparency proof"
	assert_line "fail inclusion: entry 255 in size 700: invalid transparency proof"
	assert_line "ok inclusion: entry 7 in size 700 (10 hashes)"
	assert_line "ok inclusion: entry 256 in size 700 (10 hashes)"
	assert_equal "$(count '^fail')" 255
	# One chosen entry is enough to see it.
	run -1 "$GOV" -key "$VKEY" -tiles "$T" -entries 6
	assert_line "fail inclusion: entry 6 in size 700: invalid transparency proof"
	cp "$TILES/tile/0/000" "$T/tile/0/000"
	run -0 "$GOV" -key "$VKEY" -tiles "$T" -entries 6

	# The partial level-1 tile (the roots of 0-255 and 256-511): the tree hash fails.
	flip_bit "$T/tile/1/000.p/2" 40
	run -1 "$GOV" -key "$VKEY" -tiles "$T" -entries 0
	assert_regex "${lines[1]}" "^fail tree hash: size 700 from the tiles: downloaded inconsistent tile$"
	assert_line --regexp "^fail inclusion: entry 0: "
	cp "$TILES/tile/1/000.p/2" "$T/tile/1/000.p/2"

	# The partial level-0 tile of size 700 (entries 512-699).
	flip_bit "$T/tile/0/002.p/188" $((100 * 32))
	run -1 "$GOV" -key "$VKEY" -tiles "$T" -entries none
	assert_regex "${lines[1]}" "^fail tree hash: "
	cp "$TILES/tile/0/002.p/188" "$T/tile/0/002.p/188"

	# The full level-0 tile 001 (entries 256-511), at entry 300's hash: the consistency of
	# 300 with 512 rests on it.
	flip_bit "$T/tile/0/001" $((44 * 32))
	run -1 "$GOV" -key "$VKEY" -tiles "$T" -checkpoint "$CPS/512" -entries none -old "$CPS/300"
	assert_line --regexp "^fail consistency 300 -> 512: "
	cp "$TILES/tile/0/001" "$T/tile/0/001"

	# A missing tile and a short one.
	rm "$T/tile/0/001"
	run -1 "$GOV" -key "$VKEY" -tiles "$T" -entries 300
	assert_line --regexp "^fail inclusion: entry 300: no proof from the tiles: .*tile/0/001: no such file or directory$"
	head -c 8000 "$TILES/tile/0/001" >"$T/tile/0/001"
	run -1 "$GOV" -key "$VKEY" -tiles "$T" -entries 300
	assert_line "fail inclusion: entry 300: no proof from the tiles: tile/0/001 is 8000 bytes, not 256 hashes"
	cp "$TILES/tile/0/001" "$T/tile/0/001"
	run -0 "$GOV" -key "$VKEY" -tiles "$T"
}

@test "a flipped byte in an entry bundle fails that entry's inclusion, and only that one" {
	copy_tiles
	# Inside entry 256's bytes (after its 2-byte length), in the full bundle 001.
	flip_bit "$T/tile/entries/001" 12
	run -1 --separate-stderr "$GOV" -key "$VKEY" -tiles "$T"
	assert_regex "${lines[1]}" "^ok tree hash: "
	assert_equal "$(count '^fail')" 1
	assert_line "fail inclusion: entry 256 in size 700: invalid transparency proof"
	assert_equal "$(count '^ok inclusion')" 699
	cp "$TILES/tile/entries/001" "$T/tile/entries/001"
	# Inside the last entry, 699, of the partial bundle 002.p/188.
	flip_bit "$T/tile/entries/002.p/188" $(($(stat -c %s "$T/tile/entries/002.p/188") - 5))
	run -1 "$GOV" -key "$VKEY" -tiles "$T"
	assert_equal "$(count '^fail')" 1
	assert_line "fail inclusion: entry 699 in size 700: invalid transparency proof"
	cp "$TILES/tile/entries/002.p/188" "$T/tile/entries/002.p/188"
	# In the first length of bundle 000: the bundle no longer parses, its 256 entries fail.
	flip_bit "$T/tile/entries/000" 1
	run -1 "$GOV" -key "$VKEY" -tiles "$T"
	assert_equal "$(count '^fail inclusion: entry [0-9]+: tile/entries/000: ')" 256
	assert_equal "$(count '^fail')" 256
	cp "$TILES/tile/entries/000" "$T/tile/entries/000"
	run -0 "$GOV" -key "$VKEY" -tiles "$T"
}

@test "a checkpoint signed by the log's key whose root is not the tiles' fails the tree hash and the consistency" {
	# A second ledger with the same origin and the same key, and other entries: a fork.
	local fork="$BATS_TEST_TMPDIR/fork"
	sl-init -L "$fork" --origin test.example/log >/dev/null
	cp -p "$LG/keys/checkpoint.key" "$fork/keys/checkpoint.key"
	gen_entries 300 f | SL_LEDGER=$fork sl-append >/dev/null
	SL_LEDGER=$fork sl-checkpoint >"$BATS_TEST_TMPDIR/f300"
	gen_entries 400 g | SL_LEDGER=$fork sl-append >/dev/null
	SL_LEDGER=$fork sl-checkpoint >"$BATS_TEST_TMPDIR/f700"
	# Its checkpoints verify (the signature is good) but do not hold against our tiles.
	run -0 sl-checkpoint verify --key "$VKEY" <"$BATS_TEST_TMPDIR/f700"
	run -1 --separate-stderr "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$BATS_TEST_TMPDIR/f700" -entries 0,699
	assert_equal "${lines[0]}" "ok checkpoint signature: $BATS_TEST_TMPDIR/f700: origin test.example/log, size 700, signed by test.example/log"
	assert_equal "${lines[1]}" "fail tree hash: size 700 from the tiles: downloaded inconsistent tile"
	assert_line --regexp "^fail inclusion: entry 0: no proof from the tiles: downloaded inconsistent tile$"
	assert_line --regexp "^fail inclusion: entry 699: "
	# The fork's 300 is not a prefix of our 700.
	run -1 "$GOV" -key "$VKEY" -tiles "$TILES" -entries none -old "$BATS_TEST_TMPDIR/f300" -old "$CPS/300"
	assert_line "ok checkpoint signature: $BATS_TEST_TMPDIR/f300: origin test.example/log, size 300, signed by test.example/log"
	assert_line --regexp "^fail consistency 300 -> 700: the tiles give root [A-Za-z0-9+/=]+ at 300, $BATS_TEST_TMPDIR/f300 says [A-Za-z0-9+/=]+$"
	assert_line "fail consistency 300 -> 700: invalid transparency proof"
	assert_line "ok consistency 300 -> 700: the tiles give $CPS/300's root"
	assert_equal "$(count '^fail')" 2
	# The root line of our own checkpoint changed by hand: the signature and the tree hash fail.
	sed "3s#.*#$(sed -n 3p "$CPS/512")#" "$CPS/700" >"$BATS_TEST_TMPDIR/cp"
	run -1 "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$BATS_TEST_TMPDIR/cp" -entries none
	assert_regex "${lines[0]}" "^fail checkpoint signature: "
	assert_regex "${lines[1]}" "^fail tree hash: "
}

@test "a log of 256,300: full level-1 tiles, a level-2 tile, and paths in the x001/000 form" {
	local big="$BATS_TEST_TMPDIR/big"
	sl-init -L "$big" --origin big.example/log >/dev/null
	local v
	v=$(SL_LEDGER=$big sl-keygen --type ed25519)
	"$SL_SRCDIR/build/bench/gen" 70000 2>/dev/null | SL_LEDGER=$big sl-append >/dev/null
	SL_LEDGER=$big sl-checkpoint >"$BATS_TEST_TMPDIR/c70000"
	"$SL_SRCDIR/build/bench/gen" 256300 2>/dev/null | tail -n +70001 | SL_LEDGER=$big sl-append >/dev/null
	SL_LEDGER=$big sl-checkpoint >/dev/null
	SL_LEDGER=$big sl-tiles export "$T" >/dev/null
	[[ -f $T/tile/0/x001/000 && -f $T/tile/entries/x001/001.p/44 && -f $T/tile/1/002 && -f $T/tile/1/003.p/233 && -f $T/tile/2/000.p/3 ]]
	run -0 --separate-stderr "$GOV" -key "$v" -tiles "$T" -entries 0,255,256,65535,65536,69999,255999,256000,256299 \
		-old "$BATS_TEST_TMPDIR/c70000"
	assert_equal "$stderr" ""
	assert_equal "$(count '^ok inclusion: entry [0-9]+ in size 256300 ')" 9
	assert_line --regexp "^ok consistency 70000 -> 256300: proof of [0-9]+ hashes checks$"
	assert_equal "$(count '^fail')" 0
	run -0 "$GOV" -key "$v" -tiles "$T" -checkpoint "$BATS_TEST_TMPDIR/c70000" -entries 0,65536,69999
	assert_equal "$(count '^ok inclusion: entry [0-9]+ in size 70000 ')" 3
	# The root of entries 256-511 in the full level-1 tile 000: entry 0's proof passes through it.
	cp "$T/tile/1/000" "$BATS_TEST_TMPDIR/keep"
	flip_bit "$T/tile/1/000" 40
	run -1 "$GOV" -key "$v" -tiles "$T" -entries 0,65536
	assert_line --regexp "^fail inclusion: entry 0"
	assert_line --regexp "^ok inclusion: entry 65536 in size 256300 "
	cp "$BATS_TEST_TMPDIR/keep" "$T/tile/1/000"
	# An entry in the bundle at x001/000.
	flip_bit "$T/tile/entries/x001/000" 12
	run -1 "$GOV" -key "$v" -tiles "$T" -entries 256000,256001
	assert_line "fail inclusion: entry 256000 in size 256300: invalid transparency proof"
	assert_line --regexp "^ok inclusion: entry 256001 in size 256300 "
}

# cosign_with URL NOTE BODY: POST the add-checkpoint BODY to the witness at URL;
# its cosignature line is appended to NOTE.
cosign_with() {
	URL=$1
	add "$3"
	assert_equal "$CODE" 200
	cat "$BODY" >>"$2"
}

@test "cosignatures by two sl-witness instances on 300 and 700, checked by crypto/ed25519 over cosignature/v1; a flipped byte fails" {
	require_cmd curl socat jq ss
	local w1 w2 u1 u2 wv1 wv2
	WKEY="$BATS_TEST_TMPDIR/w1.key"
	wv1=$(sl-keygen --type cosignature --name witness.example/w1 -o "$WKEY")
	WSTATE="$BATS_TEST_TMPDIR/w1"
	witness_start --log "$VKEY"
	u1=$URL
	EXTRA_PIDS=$HTTPD_PID
	WKEY="$BATS_TEST_TMPDIR/w2.key"
	wv2=$(sl-keygen --type cosignature --name witness.example/w2 -o "$WKEY")
	WSTATE="$BATS_TEST_TMPDIR/w2"
	witness_start --log "$VKEY"
	u2=$URL
	# Size 300 from nothing, then 700 from 300 with sl-prove's consistency proof (C2SP tlog-witness).
	w1="$BATS_TEST_TMPDIR/cp300.w"
	w2="$BATS_TEST_TMPDIR/cp700.w"
	cp "$CPS/300" "$w1"
	cp "$CPS/700" "$w2"
	request 0 "$CPS/300" "$LG" >"$BATS_TEST_TMPDIR/r300"
	request 300 "$CPS/700" "$LG" >"$BATS_TEST_TMPDIR/r700"
	cosign_with "$u1" "$w1" "$BATS_TEST_TMPDIR/r300"
	cosign_with "$u2" "$w1" "$BATS_TEST_TMPDIR/r300"
	cosign_with "$u1" "$w2" "$BATS_TEST_TMPDIR/r700"
	cosign_with "$u2" "$w2" "$BATS_TEST_TMPDIR/r700"
	assert_equal "$(wc -l <"$w2")" 7
	# Both cosignatures hold, beside the log's signature (note.Open leaves them unverified),
	# and the times are those sl-witness verify reads.
	run -0 --separate-stderr "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$w2" -witness "$wv1" -witness "$wv2" \
		-old "$w1" -entries 0,699
	assert_equal "$stderr" ""
	assert_equal "${lines[0]}" "ok checkpoint signature: $w2: origin test.example/log, size 700, signed by test.example/log"
	local t1 t2
	t1=$(sl-witness verify -w "$wv1" "$w2" | jq .time)
	t2=$(sl-witness verify -w "$wv2" "$w2" | jq .time)
	assert_equal "${lines[1]}" "ok cosignature by witness.example/w1: time $t1, on test.example/log size 700"
	assert_equal "${lines[2]}" "ok cosignature by witness.example/w2: time $t2, on test.example/log size 700"
	assert_line --regexp "^ok consistency 300 -> 700: proof of [0-9]+ hashes checks$"
	assert_equal "$(count '^fail')" 0
	run -0 "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$w1" -witness "$wv2" -entries none
	assert_line --regexp "^ok cosignature by witness.example/w2: time [0-9]+, on test.example/log size 300$"
	# The cosigned note as the tiles' checkpoint; only the witness asked for is checked.
	copy_tiles
	cp "$w2" "$T/checkpoint"
	run -0 "$GOV" -key "$VKEY" -tiles "$T" -witness "$wv2" -entries 5
	assert_equal "${#lines[@]}" 4
	# Over HTTP: the latest checkpoint w2 cosigned, from w2's monitoring URL, against the
	# tiles sl-httpd serves.
	EXTRA_PIDS="$EXTRA_PIDS $HTTPD_PID"
	L=$LG
	httpd_start
	local mon
	mon="$u2/$(printf %s test.example/log | sha256sum | cut -c1-64)/checkpoint"
	run -0 --separate-stderr "$GOV" -key "$VKEY" -tiles "$URL" -checkpoint "$mon" -witness "$wv2" -entries 0,699 \
		-old "$CPS/300"
	assert_equal "${lines[0]}" "ok checkpoint signature: $mon: origin test.example/log, size 700, signed by test.example/log"
	assert_equal "${lines[1]}" "ok cosignature by witness.example/w2: time $t2, on test.example/log size 700"
	assert_equal "$(count '^ok')" 8
	assert_equal "$(count '^fail')" 0
	# w1's cosignature is not on w2's copy.
	run -1 "$GOV" -key "$VKEY" -tiles "$URL" -checkpoint "$mon" -witness "$wv1" -entries none
	assert_equal "${lines[1]}" "fail cosignature by witness.example/w1: no signature line by that key"

	local x="$BATS_TEST_TMPDIR/x"
	# flip_cosig N OFFSET: w2's note with byte OFFSET of cosignature line N (1 or 2) flipped, in $x.
	flip_cosig() {
		sed -n "$((5 + $1))p" "$w2" | cut -d' ' -f3 | base64 -d >"$BATS_TEST_TMPDIR/sig"
		flip_bit "$BATS_TEST_TMPDIR/sig" "$2"
		sed "$((5 + $1))s#.*#— witness.example/w$1 $(base64 -w0 "$BATS_TEST_TMPDIR/sig")#" "$w2" >"$x"
		! cmp -s "$x" "$w2" || fail "flip_cosig changed nothing"
	}
	# A byte of w2's Ed25519 signature (after the 4-byte key id and the 8-byte time).
	flip_cosig 2 40
	run -1 --separate-stderr "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$x" -witness "$wv1" -witness "$wv2" -entries 0
	assert_equal "${lines[0]}" "ok checkpoint signature: $x: origin test.example/log, size 700, signed by test.example/log"
	assert_regex "${lines[1]}" "^ok cosignature by witness.example/w1: "
	assert_equal "${lines[2]}" "fail cosignature by witness.example/w2: time $t2: the signature does not verify"
	assert_equal "$(count '^fail')" 1
	# The same damage is seen by ours.
	run -1 sl-witness verify -w "$wv2" "$x"
	# A byte of w1's timestamp: the message signed is no longer the one checked.
	flip_cosig 1 11
	run -1 "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$x" -witness "$wv1" -witness "$wv2" -entries none
	assert_equal "${lines[1]}" "fail cosignature by witness.example/w1: time $((t1 ^ 1)): the signature does not verify"
	assert_regex "${lines[2]}" "^ok cosignature by witness.example/w2: "
	# A byte of w1's key id: no cosignature by that key at all.
	flip_cosig 1 2
	run -1 "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$x" -witness "$wv1" -entries none
	assert_equal "${lines[1]}" "fail cosignature by witness.example/w1: no signature line by that key"
	# w1's cosignature of 300 under the checkpoint of 700: it signed another body.
	{ sed -n 1,5p "$CPS/700"; sed -n 6p "$w1"; } >"$x"
	run -1 "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$x" -witness "$wv1" -entries none
	assert_regex "${lines[1]}" "^fail cosignature by witness.example/w1: time [0-9]+: the signature does not verify$"
	# A witness that did not cosign; a log key given as a witness key (usage).
	run -1 "$GOV" -key "$VKEY" -tiles "$TILES" -checkpoint "$CPS/700" -witness "$wv1" -entries none
	assert_equal "${lines[1]}" "fail cosignature by witness.example/w1: no signature line by that key"
	run -2 --separate-stderr "$GOV" -key "$VKEY" -tiles "$TILES" -witness "$VKEY"
	assert_regex "$stderr" "not a 0x04 \(cosignature/v1\) Ed25519 key"
}
