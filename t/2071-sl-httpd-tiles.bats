#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Issue 16: sl-httpd serves the log as C2SP tlog-tiles (/checkpoint,
# /tile/<L>/<N>[.p/<W>], /tile/entries/<N>[.p/<W>]), byte for byte the
# files `sl-tiles export` writes, read back by t/tiles-check.py (a reader
# written from the spec alone) from a directory fetched with curl.

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

setup_file() {
	need_bench_gen
}

setup() {
	sl_setup
	require_cmd curl socat jq python3 ss
	init_ledger
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	T="$BATS_TEST_TMPDIR/tiles"
	F="$BATS_TEST_TMPDIR/fetched"
	CHECK="$SL_SRCDIR/t/tiles-check.py"
}

teardown() {
	httpd_teardown
}

# grow N: append the next N generated entries.
grow() {
	"$SL_SRCDIR/build/bench/gen" "$1" 2>/dev/null | sl-append >/dev/null || fail "append failed"
}

# fetch_all DIR OUT: fetch every file below DIR (by its path) from the server into OUT, in one curl.
fetch_all() {
	local f cfg="$BATS_TEST_TMPDIR/curl.cfg"
	: >"$cfg"
	(cd "$1" && find . -type f | sed 's|^\./||') | while read -r f; do
		printf 'url = "%s/%s"\noutput = "%s/%s"\n' "$URL" "$f" "$2" "$f" >>"$cfg"
	done
	curl -sS --fail --create-dirs -K "$cfg" || fail "curl could not fetch every file of $1"
}

@test "every file sl-tiles export writes is served byte-identical; tiles-check.py reads a copy fetched with curl" {
	grow 70000
	sl-checkpoint >/dev/null
	run -0 sl-tiles export "$T"
	httpd_start
	fetch_all "$T" "$F"
	# 274 level-0 tiles and bundles, 2 + 1 upper tiles, the checkpoint: nothing more, nothing less.
	assert_equal "$(find "$F" -type f | wc -l)" 552
	run -0 diff -r "$T" "$F"
	run -0 python3 "$CHECK" "$F" 0 255 256 65535 65536 69999
	assert_equal "$output" "$(python3 "$CHECK" "$T" 0 255 256 65535 65536 69999)"
	run -0 sl-checkpoint verify --key "$VKEY" <"$F/checkpoint"
}

@test "content types and cache headers: the checkpoint is not cached, full tiles are immutable; HEAD too" {
	grow 300
	sl-checkpoint >/dev/null
	httpd_start
	get /checkpoint
	assert_equal "$CODE" 200
	assert_equal "$(cat "$BODY")" "$(sl-checkpoint --latest)"
	assert_equal "$(header Content-Type)" "text/plain; charset=utf-8"
	assert_equal "$(header Cache-Control)" "no-cache"
	get /tile/0/000
	assert_equal "$CODE" 200
	assert_equal "$(stat -c %s "$BODY")" 8192
	assert_equal "$(header Content-Type)" application/octet-stream
	assert_equal "$(header Cache-Control)" "public, max-age=31536000, immutable"
	get /tile/entries/000
	assert_equal "$CODE" 200
	assert_equal "$(header Cache-Control)" "public, max-age=31536000, immutable"
	# The first entry: a big-endian uint16 length, then sl-get's canonical bytes.
	assert_equal "$(head -c 2 "$BODY" | od -An -tu1 | awk '{print $1 * 256 + $2}')" \
		"$(sl-get 0 | head -c -1 | wc -c)"
	get /tile/0/001.p/44
	assert_equal "$CODE" 200
	assert_equal "$(stat -c %s "$BODY")" $((44 * 32))
	assert_equal "$(header Content-Type)" application/octet-stream
	assert_equal "$(header Cache-Control)" "public, max-age=60"
	get /tile/1/000.p/1
	assert_equal "$CODE" 200
	assert_equal "$(stat -c %s "$BODY")" 32
	# HEAD: the headers of GET, no body.
	get /tile/0/000 -I
	assert_equal "$CODE" 200
	# curl -I writes the headers where the body would go: nothing else came.
	cmp "$BODY" "$HDRS" || fail "HEAD /tile/0/000 sent a body"
	assert_equal "$(header Content-Length)" 8192
	assert_equal "$(header Cache-Control)" "public, max-age=31536000, immutable"
	get /checkpoint -I
	assert_equal "$CODE" 200
	assert_equal "$(header Cache-Control)" "no-cache"
	# Errors are not cached as tiles.
	get /tile/0/002
	assert_equal "$CODE" 404
	assert_equal "$(header Cache-Control)" ""
	get /tile/0/000 -X POST
	assert_equal "$CODE" 405
	assert_equal "$(header Allow)" "GET, HEAD"
}

@test "only what the newest checkpoint holds: a tile beyond it is 404, whatever the ledger has" {
	grow 10
	httpd_start
	get /checkpoint
	assert_equal "$CODE" 404
	get /tile/entries/000.p/10
	assert_equal "$CODE" 404
	sl-checkpoint >/dev/null
	grow 290
	get /tile/entries/000.p/10
	assert_equal "$CODE" 200
	assert_equal "$(header Cache-Control)" "public, max-age=60"
	# 300 entries in the ledger, 10 signed: the full tile and the partial of 300 are not served.
	get /tile/0/000
	assert_equal "$CODE" 404
	get /tile/0/001.p/44
	assert_equal "$CODE" 404
	get /tile/0/000.p/11
	assert_equal "$CODE" 404
	sl-checkpoint >/dev/null
	get /tile/0/000
	assert_equal "$CODE" 200
	get /tile/entries/000
	assert_equal "$CODE" 200
	get /tile/0/001.p/44
	assert_equal "$CODE" 200
	get /tile/1/000.p/1
	assert_equal "$CODE" 200
	# The partial tiles of an older size go once their full tile is there.
	get /tile/entries/000.p/10
	assert_equal "$CODE" 404
	# Other widths, indexes and levels of this size.
	local p
	for p in /tile/0/001.p/45 /tile/0/001.p/43 /tile/0/001 /tile/0/002 /tile/1/000 /tile/1/000.p/2 \
		/tile/2/000.p/1 /tile/8/000.p/1 /tile/63/000 /tile/entries/001 /tile/entries/002.p/44 \
		/tile/0/x001/000 /tile/entries/x018/x446/x744/x073/x709/x551/615; do
		get "$p"
		assert_equal "$p: $CODE" "$p: 404"
	done
}

@test "the partial tiles of every checkpointed size are served while their tile is still partial" {
	grow 300
	sl-checkpoint >/dev/null
	grow 300
	sl-checkpoint >/dev/null
	grow 10
	sl-checkpoint >/dev/null
	run -0 sl-tiles export "$T"
	httpd_start
	# Every file sl-tiles export writes, byte for byte, but the partial tiles whose full tile is there.
	local f n=0 gone=0
	while read -r f; do
		get "/$f"
		if [[ $f == *.p/* && -f $T/${f%.p/*} ]]; then
			assert_equal "$f: $CODE" "$f: 404"
			gone=$((gone + 1))
		else
			assert_equal "$f: $CODE" "$f: 200"
			cmp "$BODY" "$T/$f" || fail "$f differs from the exported file"
			n=$((n + 1))
		fi
	done < <(cd "$T" && find . -type f | sed 's|^\./||' | sort)
	# 0/000 0/001 0/002.p/88 0/002.p/98, the bundles alike, 1/000.p/1 1/000.p/2, checkpoint;
	# gone: 0/001.p/44 and entries/001.p/44 (of 300).
	assert_equal "$n $gone" "11 2"
	# A width no checkpointed size gives.
	for f in /tile/0/002.p/90 /tile/entries/002.p/89 /tile/0/002.p/97 /tile/0/002.p/99 /tile/1/000.p/3; do
		get "$f"
		assert_equal "$f: $CODE" "$f: 404"
	done
	get /tile/0/002.p/88
	assert_equal "$(header Cache-Control)" "public, max-age=60"
}

@test "an older size is found among many checkpoints, with gaps in their ids" {
	local i w want=
	for ((i = 1; i <= 12; i++)); do
		grow 1
		sl-checkpoint >/dev/null
	done
	# Sizes 3, 4 and 8 were never signed, as far as the server can tell.
	tamper checkpoints-delete-size 3 4 8
	httpd_start
	for ((w = 1; w <= 13; w++)); do
		get "/tile/0/000.p/$w"
		want=200
		[[ $w == 3 || $w == 4 || $w == 8 || $w == 13 ]] && want=404
		assert_equal "$w: $CODE" "$w: $want"
	done
}

@test "malformed tile paths are 404 or 400 and no file is read, though the server's directory holds tiles" {
	grow 300
	sl-checkpoint >/dev/null
	# The server runs in a directory of exported tiles, with files at the malformed names too: a
	# server that read files named by the request would find them.
	run -0 sl-tiles export "$T"
	local d
	for d in tile/0/0000 tile/0/00 tile/0/1 tile/00/000 tile/64/000 tile/0/001/002 tile/0/x001 \
		tile/0/000.p/0/x tile/0/001.p/044 tile/0/000.p/256; do
		mkdir -p "$T/${d%/*}"
		[[ -e $T/$d ]] || printf 'planted\n' >"$T/$d"
	done
	printf 'secret\n' >"$BATS_TEST_TMPDIR/secret"
	cd "$T"
	httpd_start
	local p
	for p in /tile/0/0000 /tile/0/00 /tile/0/1 /tile/00/000 /tile/01/000 /tile/64/000 \
		/tile/0/001/002 /tile/0/x001 /tile/0/x001/0002 /tile/0/000.p/0 /tile/0/000.p/256 \
		/tile/0/001.p/044 /tile/0/000.p/ /tile/0/000.P/1 /tile/ /tile /tile/entries \
		/tile/entries/0 /tile/entries/0000 /tile/entries/000.p/0 /tile/0/../0/000 \
		/tile/0/./000 /tile/../checkpoint /tile/0/..%2f..%2fsecret /tile/0/%2e%2e/0/000 \
		/tile/0/000%2ep/44 /tile/0/000/ /checkpoint/ /Tile/0/000 \
		'/tile/0/000?x=1/../1' /tile/0/000.p/1%20; do
		get "$p" --path-as-is
		case $p in
		'/tile/0/000?x=1/../1') assert_equal "$p: $CODE" "$p: 200" ;; # the query is not the path
		*) assert_equal "$p: $CODE" "$p: 404" ;;
		esac
		run grep -c planted "$BODY"
		assert_equal "$p: $output" "$p: 0"
	done
	# Percent-escapes decode to digits, and then are well-formed paths: the same tile, not a file.
	get /tile/%30/00%30 --path-as-is
	assert_equal "$CODE" 200
	cmp "$BODY" "$T/tile/0/000" || fail "the escaped path is not tile 0/000"
	# A NUL, raw or escaped, is refused before any route (400).
	for p in /tile/0/000%00 /tile/0/%00/000 /tile/entries/000%00.p/1; do
		get "$p" --path-as-is
		assert_equal "$p: $CODE" "$p: 400"
	done
}

@test "the server never opens a file named by a tile request (strace, one connection on stdin/stdout)" {
	require_cmd strace
	strace -f -o /dev/null true 2>/dev/null || skip "strace cannot trace here (ptrace refused)"
	grow 300
	sl-checkpoint >/dev/null
	local p reqs=
	for p in /tile/0/0000 /tile/0/../../secret /tile/0/%2e%2e/x /tile/x/000 /tile/0/001.p/44; do
		reqs+="GET $p HTTP/1.1"$'\r\n'"Host: t"$'\r\n\r\n'
	done
	reqs+=$'GET /tile/0/000 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'
	run -0 --separate-stderr socat -t 10 - \
		EXEC:"strace -f -qq -e trace=%file -o $BATS_TEST_TMPDIR/trace sl-httpd -L $L" <<<"$reqs"
	assert_equal "$(jq -c .status <<<"$stderr" | tr '\n' ' ')" "404 404 404 404 200 200 "
	# The ledger's own files are opened; no name from a request is.
	grep -q 'ledger.db' "$BATS_TEST_TMPDIR/trace" || fail "the trace saw no file at all"
	# (The server's own start-up lookup of its page, "bin/../share/...", names nothing of a request.)
	run grep -E '"[^"]*(tile/|secret|%2e|\.\./secret)' "$BATS_TEST_TMPDIR/trace"
	assert_equal "$output" ""
}

@test "sl-prove --tiles URL: the proofs of sl-prove from the ledger, from tiles fetched from sl-httpd" {
	grow 300
	sl-checkpoint >/dev/null
	grow 300
	sl-checkpoint >/dev/null
	httpd_start
	local a
	for a in "--seq 0" "--seq 299" "--seq 599" "--from 1 --to 600" "--from 300 --to 600" \
		"--from 257 --to 600" "--head"; do
		# shellcheck disable=SC2086
		assert_equal "$(sl-prove --tiles "$URL" --key "$VKEY" $a)" "$(sl-prove $a)"
		# shellcheck disable=SC2086
		assert_equal "$(sl-prove --tiles "$URL/" $a)" "$(sl-prove $a)"
	done
	# Another key: the checkpoint does not hold.
	local other
	other=$(sl-keygen -o "$BATS_TEST_TMPDIR/other.key") || fail "sl-keygen failed"
	run -1 --separate-stderr sl-prove --tiles "$URL" --key "$other" --seq 1
	assert_regex "$stderr" "not signed by the key"
	# The partial tiles of size 300 are not served: a proof at that size finds them 404.
	run -100 --separate-stderr sl-prove --tiles "$URL" --seq 5 --size 300
	assert_regex "$stderr" "unable to fetch '$URL/tile/0/001.p/44': 404"
	# No such prefix: the checkpoint is 404.
	run -1 --separate-stderr sl-prove --tiles "$URL/nothing" --seq 1
	assert_regex "$stderr" "unable to read the tiles' checkpoint: unable to fetch '$URL/nothing/checkpoint': 404"
	# Nobody listening: a temporary failure.
	httpd_stop
	run -111 --separate-stderr sl-prove --tiles "$URL" --seq 1
	assert_regex "$stderr" "unable to fetch '$URL/checkpoint'"
}
