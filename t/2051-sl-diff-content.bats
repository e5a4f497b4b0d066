#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-diff --content (issue 12): the unified diff of the configuration
# files' stored content between two captures of a real directory with
# sl-capture-config --store, hunk for hunk as git diff --no-index makes
# them; binary, unstored and private content named, never printed; an
# artifact whose bytes do not match its digest refused.
#
# Every test here fails on the code before --content (f89807a..418bc1e):
# the option is unknown there, and sl-diff exits 2 where these expect 0
# or 100.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup git
	C="$BATS_TEST_TMPDIR/etc"
	OLD="$BATS_TEST_TMPDIR/old"
	mkdir -p "$C" "$OLD"
	# Two changes far apart (two hunks) and a last line without a newline.
	seq 1 20 | sed 's/^/line /' >"$C/app.conf"
	printf 'listen 80;\nroot /srv;' >"$C/web.conf"
	printf 'PNG\0\1\2\3' >"$C/logo.bin"
	chmod 644 "$C"/*
	cp -p "$C/app.conf" "$C/web.conf" "$OLD/"
}

# capture [sl-capture-config options] FILE...: capture and append, as host web-1.
capture() {
	sl-capture-config --host web-1 "$@" | sl-append >/dev/null || fail "capture $* failed"
}

# The ledger time of the last entry, for --from.
last_ts() {
	sl-log | tail -n 1 | jq -r .ts
}

# git's hunks for OLD -> NEW (from the first @@ on).
git_hunks() {
	git diff --no-index --no-color -- "$1" "$2" | sed -n '/^@@/,$p'
}

# The header sl-diff --content writes for a changed source: SEQ1 SEQ2 FILE.
header() {
	printf 'diff --stateledger a%s b%s\nsource config:web-1:%s from seq %s to seq %s\n' \
		"$C/$3" "$C/$3" "$C/$3" "$1" "$2"
}

@test "sl-diff --content: a text file changed between two captures, exactly git's hunks" {
	capture --store "$C/app.conf" "$C/web.conf"
	T1=$(last_ts)
	sed -i 's/^line 2$/line two/; s/^line 19$/line nineteen/' "$C/app.conf"
	printf 'line 21\n' >>"$C/app.conf"
	printf 'listen 443;\nroot /srv;\n' >"$C/web.conf"
	capture --store "$C/app.conf" "$C/web.conf"
	run -0 --separate-stderr sl-diff --content --from "$T1" --to now
	assert_equal "$stderr" ""
	local want
	want=$(
		header 0 2 app.conf
		printf -- '--- a%s\n+++ b%s\n' "$C/app.conf" "$C/app.conf"
		git_hunks "$OLD/app.conf" "$C/app.conf"
		header 1 3 web.conf
		printf -- '--- a%s\n+++ b%s\n' "$C/web.conf" "$C/web.conf"
		git_hunks "$OLD/web.conf" "$C/web.conf"
	)
	assert_equal "$output" "$want"
	# Two hunks, and the newline added at the end marked as git marks it.
	assert_equal "$(grep -c '^@@' <<<"$output")" 3
	assert_line '\ No newline at end of file'
	# The same hunks as diff -u (which writes no function context after @@).
	assert_equal "$(awk -v f="+++ b$C/app.conf" '/^diff / { on = 0 } on; $0 == f { on = 1 }' <<<"$output" |
		sed 's/^\(@@ .* @@\).*/\1/')" "$(diff -u "$OLD/app.conf" "$C/app.conf" | sed -n '/^@@/,$p')"
	# Without --content: the NDJSON records, as before.
	run -0 --separate-stderr sl-diff --from "$T1" --to now
	assert_equal "$(jq -r .source <<<"$output")" "$(printf 'config:web-1:%s\n' "$C/app.conf" "$C/web.conf")"
}

@test "sl-diff --content: an added file against /dev/null; nothing for a recapture, other types or a time without change" {
	capture --store "$C/app.conf"
	T1=$(last_ts)
	printf '{"type":"x-deploy","source":"ci:shop","payload":{"v":"1"}}\n' | sl-append >/dev/null
	capture --store "$C/app.conf" "$C/web.conf"
	run -0 --separate-stderr sl-diff --content --all --from "$T1" --to now
	assert_equal "$stderr" ""
	local want
	want=$(
		printf 'diff --stateledger a%s b%s\n' "$C/web.conf" "$C/web.conf"
		printf 'source config:web-1:%s added at seq 3\nnew file mode 100644\n' "$C/web.conf"
		printf -- '--- /dev/null\n+++ b%s\n' "$C/web.conf"
		git_hunks /dev/null "$C/web.conf"
	)
	assert_equal "$output" "$want"
	run -0 --separate-stderr sl-diff --content --from now --to now
	assert_output ''
}

@test "sl-diff --content: a mode change alone is shown as git shows it" {
	capture --store "$C/app.conf"
	T1=$(last_ts)
	chmod 664 "$C/app.conf"
	capture --store "$C/app.conf"
	run -0 --separate-stderr sl-diff --content --from "$T1" --to now
	assert_output "$(header 0 1 app.conf; printf 'old mode 100644\nnew mode 100664')"
}

@test "sl-diff --content: a binary file is named, as git names it, and its bytes are not printed" {
	capture --store "$C/logo.bin"
	T1=$(last_ts)
	printf 'PNG\0\1\2\4' >"$C/logo.bin"
	capture --store "$C/logo.bin"
	run -0 --separate-stderr sl-diff --content --from "$T1" --to now
	assert_output "$(header 0 1 logo.bin; printf 'Binary files a%s and b%s differ' "$C/logo.bin" "$C/logo.bin")"
	run -0 sl-diff --content --from 2000-01-01 --to "$T1"
	assert_line "Binary files /dev/null and b$C/logo.bin differ"
}

@test "sl-diff --content: content not stored is named, with the side that lacks it" {
	capture "$C/app.conf"
	T1=$(last_ts)
	printf 'changed\n' >"$C/app.conf"
	capture --store "$C/app.conf"
	run -0 --separate-stderr sl-diff --content --from "$T1" --to now
	assert_output "$(header 0 1 app.conf; printf 'content not stored at seq 0 (capture with --store)')"
	T2=$(last_ts)
	printf 'again\n' >"$C/app.conf"
	capture "$C/app.conf"
	run -0 --separate-stderr sl-diff --content --from "$T1" --to now
	assert_output "$(header 0 2 app.conf; printf 'content not stored at seq %s (capture with --store)\n' 0 2)"
	# Stored says the payload, but the store has lost it: named too.
	rm -f "$L"/artifacts/sha256/*/"$(sha256sum <<<changed | cut -c1-64)"
	run -0 --separate-stderr sl-diff --content --from 2000-01-01 --to "$T2"
	assert_line "content missing from the artifact store at seq 1 (sha256 $(sha256sum <<<changed | cut -c1-64))"
}

@test "sl-diff --content: a private file is named and never printed, even stored with --store-private" {
	printf 'db_password=Hunter2-old-S3CRET\n' >"$C/db.conf"
	chmod 600 "$C/db.conf"
	# World-readable, but it holds a secret: private too.
	printf 'url=https://admin:Pa55-OLD-word@db.example.org/\n' >"$C/url.conf"
	chmod 644 "$C/url.conf"
	capture --store-private "$C/db.conf" "$C/url.conf"
	T1=$(last_ts)
	printf 'db_password=Hunter2-new-S3CRET\n' >"$C/db.conf"
	printf 'url=https://admin:Pa55-NEW-word@db.example.org/\n' >"$C/url.conf"
	capture --store-private "$C/db.conf" "$C/url.conf"
	[[ $(jq -r .payload.stored <<<"$(sl-log)" | sort -u) == true ]] || fail "the private files were not stored"
	run -0 --separate-stderr sl-diff --content --from "$T1" --to now
	assert_output "$(
		header 0 2 db.conf
		printf 'content private at seq %s (not shown)\n' 0 2
		header 1 3 url.conf
		printf 'content private at seq %s (not shown)\n' 1 3
	)"
	run -0 --separate-stderr sl-diff --content --from 2000-01-01 --to now
	assert_line 'content private at seq 2 (not shown)'
	refute_output --partial S3CRET
	refute_output --partial Pa55
	[[ $stderr != *S3CRET* && $stderr != *Pa55* ]] || fail "a secret on stderr"
}

@test "sl-diff --content: stored bytes that hold a secret, in an entry not marked private, are named, not printed" {
	# As an older capture, or an entry appended by hand, would leave them.
	printf 'github ghp_0123456789abcdefghijABCDEFGHIJ012345\n' >"$BATS_TEST_TMPDIR/leak.conf"
	local d
	d=$(sl-artifact put "$BATS_TEST_TMPDIR/leak.conf") || fail "sl-artifact put failed"
	[[ $d =~ ^$HEX64_RE$ ]] || fail "sl-artifact put printed no digest"
	printf '{"type":"config","source":"config:web-1:/etc/leak.conf","payload":{"path":"/etc/leak.conf","sha256":"%s","stored":true}}\n' "$d" |
		sl-append >/dev/null
	run -0 --separate-stderr sl-diff --content --from 2000-01-01 --to now
	assert_line 'content at seq 0 looks like it holds a secret (github-token): not shown'
	refute_output --partial ghp_
}

@test "sl-diff --content: an artifact whose bytes do not match its sha256 is refused (100), naming it; nothing printed" {
	capture --store "$C/app.conf" "$C/web.conf"
	T1=$(last_ts)
	printf 'new\n' >"$C/app.conf"
	capture --store "$C/app.conf"
	local d f
	d=$(sha256sum <"$OLD/app.conf" | cut -c1-64)
	f="$L/artifacts/sha256/${d:0:2}/$d"
	[[ -f $f ]] || fail "no artifact $f"
	chmod u+w "$f"
	printf 'line 1\nTAMPERED\n' >"$f"
	run -100 --separate-stderr sl-diff --content --from "$T1" --to now
	assert_output ''
	assert_equal "$stderr" "sl-diff: fatal: unable to compare the content: seq 0: the stored content of '$C/app.conf' (artifact sha256 $d) does not match its digest"
}

@test "sl-diff --content: a path or source holding a quote or a backslash is quoted as git quotes it" {
	# git diff --no-index names the file a b\c"d  "a/a b\\c\"d".
	printf '%s\n' '{"type":"config","source":"config:h:/etc/x\"y","payload":{"path":"/etc/a b\\c\"d","sha256":"'"$H64"'"}}' |
		sl-append >/dev/null
	run -0 --separate-stderr sl-diff --content --from 2000-01-01 --to now
	assert_output "$(printf '%s\n' 'diff --stateledger "a/etc/a b\\c\"d" "b/etc/a b\\c\"d"' \
		'source "config:h:/etc/x\"y" added at seq 0' 'content not stored at seq 0 (capture with --store)')"
}

@test "sl-diff --content: usage" {
	run -0 --separate-stderr sl-diff -h
	assert_line --index 0 'usage: sl-diff [-L ADDRESS] [--all] [--content] [-o json|text] --from T1 --to T2'
	# Snapshot files carry no artifacts: --content is for a ledger's times.
	sl-snapshot --at now >"$BATS_TEST_TMPDIR/a.json"
	run -2 --separate-stderr sl-diff --content "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/a.json"
	assert_output ''
	assert_equal "$stderr" "sl-diff: usage: '--content' needs '--from' and '--to'"'
sl-diff: usage: sl-diff [-L ADDRESS] [--all] [--content] [-o json|text] --from T1 --to T2 | sl-diff [--all] [-o json|text] SNAPSHOT1 SNAPSHOT2'
}
