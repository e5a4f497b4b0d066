#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-capture-config: one config entry per file, recursion, the artifact
# store, and a run that prints all of its entries or none.

bats_require_minimum_version 1.5.0
load capture_helper

setup() {
	capture_setup
	C="$BATS_TEST_TMPDIR/etc"
	mkdir -p "$C/app/conf.d" "$C/app/empty"
	printf 'worker_processes 4;\n' >"$C/app/main.conf"
	printf 'listen 80;\n' >"$C/app/conf.d/b.conf"
	printf 'listen 443;\n' >"$C/app/conf.d/a.conf"
	chmod 644 "$C/app/main.conf" # readable by others: a plain sha256 (private files: see below)
	cd "$BATS_TEST_TMPDIR"
}

sum() {
	sha256sum <"$1" | cut -c1-64
}

@test "one file: absolute path, sha256, size, mode, host, captured_at" {
	run -0 --separate-stderr sl-capture-config etc/app/main.conf
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -r .type <<<"$output")" config
	assert_equal "$(jq -r .source <<<"$output")" "config:$HOST:$C/app/main.conf"
	assert_equal "$(jq -c '.payload | del(.captured_at)' <<<"$output")" \
		"{\"host\":\"$HOST\",\"mode\":420,\"path\":\"$C/app/main.conf\",\"sha256\":\"$(sum "$C/app/main.conf")\",\"size\":20}"
	assert_regex "$(jq -r .payload.captured_at <<<"$output")" "$CAPTURED_RE"
	append_output
	run -0 sl-verify
}

@test "the path is made absolute by its text: . and .. are removed, links are kept" {
	ln -s app "$C/current"
	run -0 --separate-stderr sl-capture-config ./etc/app/../current//main.conf
	assert_equal "$(jq -r .payload.path <<<"$output")" "$C/current/main.conf"
	assert_equal "$(jq -r .payload.sha256 <<<"$output")" "$(sum "$C/app/main.conf")"
}

@test "-r: every file below a directory, in name order; links to files yes, to directories no" {
	ln -s ../main.conf "$C/app/conf.d/c-link.conf"
	ln -s .. "$C/app/conf.d/loop"
	mkfifo "$C/app/conf.d/fifo"
	run -0 --separate-stderr sl-capture-config -r etc/app
	assert_equal "$stderr" ""
	assert_equal "$(jq -r .payload.path <<<"$output")" \
"$C/app/conf.d/a.conf
$C/app/conf.d/b.conf
$C/app/conf.d/c-link.conf
$C/app/main.conf"
	assert_equal "$(jq -r 'select(.payload.path | endswith("c-link.conf")) | .payload.sha256' <<<"$output")" \
		"$(sum "$C/app/main.conf")"
	append_output
	run -0 sl-log
	assert_equal "${#lines[@]}" 4
}

@test "a file named twice, or also found below a named directory, is captured once" {
	run -0 --separate-stderr sl-capture-config -r etc/app/main.conf etc/app etc/app/main.conf
	assert_equal "$(jq -r .payload.path <<<"$output")" \
"$C/app/main.conf
$C/app/conf.d/a.conf
$C/app/conf.d/b.conf"
}

@test "a directory without -r is an error, and nothing is printed" {
	run -100 --separate-stderr sl-capture-config etc/app/main.conf etc/app
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-config: fatal: unable to read '$C/app': is a directory (use -r to capture the files below it)"
}

@test "a missing file fails the whole run: nothing printed for the others" {
	run -100 --separate-stderr sl-capture-config etc/app/main.conf etc/app/nope.conf etc/app/conf.d/a.conf
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-config: fatal: unable to read '$C/app/nope.conf': No such file or directory"
	ln -s nowhere "$C/app/dangling.conf"
	run -100 --separate-stderr sl-capture-config etc/app/dangling.conf
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-config: fatal: unable to read '$C/app/dangling.conf': No such file or directory"
}

@test "a file that is not a regular file is an error when named" {
	mkfifo "$C/pipe"
	run -100 --separate-stderr sl-capture-config etc/app/main.conf etc/pipe
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-config: fatal: unable to read '$C/pipe': not a regular file"
}

@test "an unreadable file fails the whole run" {
	[[ $(id -u) -ne 0 ]] || skip "running as root: permissions do not stop reading"
	chmod 000 "$C/app/conf.d/b.conf"
	run -100 --separate-stderr sl-capture-config -r etc/app
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-config: fatal: unable to read '$C/app/conf.d/b.conf': Permission denied"
}

@test "--store puts each file's content in the artifact store: stored true" {
	init_ledger
	run -0 --separate-stderr sl-capture-config --store -r etc/app
	assert_equal "$(jq -r .payload.stored <<<"$output" | sort -u)" true
	local f d
	for f in "$C/app/main.conf" "$C/app/conf.d/a.conf" "$C/app/conf.d/b.conf"; do
		d=$(sum "$f")
		assert_equal "$(jq -r --arg p "$f" 'select(.payload.path == $p) | .payload.sha256' <<<"$output")" "$d"
		[[ -f $L/artifacts/sha256/${d:0:2}/$d ]]
		cmp "$f" <(sl-artifact get "$d")
	done
	printf '%s\n' "$output" | sl-append >/dev/null
	run -0 sl-verify
	assert_regex "$output" '"size":3,'
}

@test "--store with -L, and without a ledger: exit 100 before reading anything" {
	sl-init -L "$BATS_TEST_TMPDIR/other" --origin t/o >/dev/null
	run -0 --separate-stderr sl-capture-config -L "$BATS_TEST_TMPDIR/other" --store etc/app/main.conf
	local d
	d=$(sum "$C/app/main.conf")
	[[ -f $BATS_TEST_TMPDIR/other/artifacts/sha256/${d:0:2}/$d ]]
	run -100 --separate-stderr sl-capture-config --store etc/app/main.conf
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-config: fatal: unable to open ledger '$L': '$L' is not a ledger (no artifacts directory)"
}

@test "--host names the host in the payload and the source" {
	run -0 --separate-stderr sl-capture-config --host web-1 etc/app/main.conf
	assert_equal "$(jq -r .source <<<"$output")" "config:web-1:$C/app/main.conf"
	assert_equal "$(jq -r .payload.host <<<"$output")" web-1
	run -2 --separate-stderr sl-capture-config --host 'a:b' etc/app/main.conf
	assert_equal "$output" ""
}

@test "a path too long for a source keeps its end in the source and all of it in the payload" {
	local deep=etc/$(printf 'd%.0s' {1..120})/$(printf 'e%.0s' {1..120})
	mkdir -p "$deep" && printf 'x\n' >"$deep/app.conf"
	run -0 --separate-stderr sl-capture-config "$deep/app.conf"
	assert_equal "$(jq -r .payload.path <<<"$output")" "$BATS_TEST_TMPDIR/$deep/app.conf"
	local src
	src=$(jq -r .source <<<"$output")
	[[ ${#src} -le 256 && $src == "config:$HOST:..."*"/app.conf" ]]
	append_output
}

@test "an empty file and a file with a newline in its name" {
	: >"$C/empty.conf"
	printf 'x\n' >"$C/$(printf 'new\nline.conf')"
	run -0 --separate-stderr sl-capture-config "$C/empty.conf" "$C/$(printf 'new\nline.conf')"
	assert_equal "$(jq -r .payload.sha256 <<<"${lines[0]}")" "$EMPTY_ROOT"
	assert_equal "$(jq -r .payload.size <<<"${lines[0]}")" 0
	assert_equal "$(jq -r .payload.path <<<"${lines[1]}")" "$(printf '%s/new\357\277\275line.conf' "$C")"
	append_output
}

@test "usage, help and version" {
	run -2 --separate-stderr sl-capture-config
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-config: usage: a FILE or DIR is needed
sl-capture-config: usage: sl-capture-config [-L ADDRESS] [--store] [--store-private] [-r] [--host NAME] FILE|DIR..."
	run -2 --separate-stderr sl-capture-config ''
	run -0 --separate-stderr sl-capture-config -h
	assert_regex "${lines[0]}" '^usage: sl-capture-config '
	run -0 --separate-stderr sl-capture-config --version
	assert_regex "$output" '^sl-capture-config [0-9]+\.[0-9]+\.[0-9]+$'
	run -0 --separate-stderr sl-capture-config -- etc/app/main.conf
}

@test "a full standard output is exit 111" {
	[[ -w /dev/full ]] || skip "no /dev/full on this system"
	run -111 --separate-stderr sh -c 'sl-capture-config etc/app/main.conf >/dev/full'
	assert_regex "$stderr" 'unable to write to standard output'
}

@test "finding: --store -r stores no file others cannot read, and publishes no plain digest of it" {
	init_ledger
	printf 'pw=hunter2\n' >"$C/app/secret.conf"
	chmod 600 "$C/app/secret.conf"
	local d
	d=$(sum "$C/app/secret.conf")
	run -0 --separate-stderr sl-capture-config --store -r etc/app
	[[ ! -e $L/artifacts/sha256/${d:0:2}/$d ]]
	refute_output --partial "$d"
	assert_equal "$(jq -c --arg p "$C/app/secret.conf" 'select(.payload.path == $p) | .payload | [.private, has("sha256"), has("stored"), (.hmac_sha256 | length)]' <<<"$output")" '[true,false,false,64]'
}

@test "a file others cannot read: keyed digest under keys/config-hmac.key, made once, 0600" {
	init_ledger
	printf 'pw=hunter2\n' >"$C/app/secret.conf"
	chmod 640 "$C/app/secret.conf"
	[[ ! -e $L/keys/config-hmac.key ]]
	run -0 --separate-stderr sl-capture-config etc/app/secret.conf
	assert_equal "$stderr" ""
	[[ $(stat -c %a "$L/keys/config-hmac.key") == 600 ]]
	[[ $(stat -c %s "$L/keys/config-hmac.key") == 32 ]]
	local key want id
	key=$(od -An -tx1 -v "$L/keys/config-hmac.key" | tr -d ' \n')
	want=$(openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" <"$C/app/secret.conf" | awk '{print $2}')
	id=$(printf 'stateledger config-hmac key id' | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" | awk '{print substr($2, 1, 8)}')
	assert_equal "$(jq -c '.payload | del(.captured_at)' <<<"$output")" \
		"{\"hmac_key\":\"config-hmac+$id\",\"hmac_sha256\":\"$want\",\"host\":\"$HOST\",\"mode\":416,\"path\":\"$C/app/secret.conf\",\"private\":true}"
	refute_output --partial "$(sum "$C/app/secret.conf")"
	local first=$output
	# The same content: the same digest, under the same key; changed content: another.
	run -0 --separate-stderr sl-capture-config etc/app/secret.conf
	assert_equal "$(jq -r .payload.hmac_sha256 <<<"$output")" "$want"
	printf 'pw=hunter3\n' >"$C/app/secret.conf"
	run -0 --separate-stderr sl-capture-config etc/app/secret.conf
	[[ $(jq -r .payload.hmac_sha256 <<<"$output") != "$want" ]]
	printf '%s\n%s\n' "$first" "$output" | sl-append >/dev/null
	run -0 sl-verify
}

@test "a file others cannot read and no ledger for its key: exit 100, nothing printed" {
	chmod 600 "$C/app/conf.d/a.conf"
	run -100 --separate-stderr sl-capture-config -r etc/app
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-config: fatal: unable to key the digest of '$C/app/conf.d/a.conf' (not readable by others): '$L' is not a ledger (no keys directory)"
	init_ledger
	: >"$L/keys/config-hmac.key"
	chmod 600 "$L/keys/config-hmac.key"
	run -100 --separate-stderr sl-capture-config etc/app/conf.d/a.conf
	assert_equal "$stderr" "sl-capture-config: fatal: unable to key the digest of '$C/app/conf.d/a.conf' (not readable by others): unable to use key '$L/keys/config-hmac.key': not 32 bytes"
	head -c 32 /dev/zero >"$L/keys/config-hmac.key"
	chmod 640 "$L/keys/config-hmac.key"
	run -100 --separate-stderr sl-capture-config etc/app/conf.d/a.conf
	assert_equal "$stderr" "sl-capture-config: fatal: unable to key the digest of '$C/app/conf.d/a.conf' (not readable by others): unable to use key '$L/keys/config-hmac.key': not a regular file of mode 0600 (mode 0640)"
}

@test "--store skips a file others cannot read and says so; --store-private stores it" {
	init_ledger
	printf 'pw=hunter2\n' >"$C/app/secret.conf"
	chmod 600 "$C/app/secret.conf"
	local d
	d=$(sum "$C/app/secret.conf")
	run -0 --separate-stderr sl-capture-config --store etc/app/secret.conf etc/app/main.conf
	assert_equal "$stderr" "sl-capture-config: warning: not storing '$C/app/secret.conf': others cannot read it, or it holds a secret (--store-private stores it)"
	assert_equal "$(jq -c '.payload | [.path, .stored]' <<<"$output")" "$(printf '["%s",null]\n["%s",true]' "$C/app/secret.conf" "$C/app/main.conf")"
	[[ ! -e $L/artifacts/sha256/${d:0:2}/$d ]]
	local hm
	hm=$(jq -r 'select(.payload.private) | .payload.hmac_sha256' <<<"$output")
	run -0 --separate-stderr sl-capture-config --store-private etc/app/secret.conf
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '.payload | [.stored, .private, .hmac_sha256]' <<<"$output")" "[true,true,\"$hm\"]"
	cmp "$C/app/secret.conf" "$L/artifacts/sha256/${d:0:2}/$d"
	printf '%s\n' "$output" | sl-append >/dev/null
}

@test "finding: a 0644 .netrc with a password in a 0700 directory, and a link to it, are private by their content" {
	init_ledger
	mkdir -p "$C/home/alice"
	printf 'machine h login alice password hunter2\n' >"$C/home/alice/.netrc"
	chmod 644 "$C/home/alice/.netrc"
	chmod 700 "$C/home/alice"
	ln -s ../home/alice/.netrc "$C/app/netrc-link"
	local d
	d=$(sum "$C/home/alice/.netrc")
	run -0 --separate-stderr sl-capture-config --store etc/home/alice/.netrc etc/app/netrc-link
	assert_equal "$(jq -c '.payload | [.private, has("sha256"), has("size"), .stored]' <<<"$output" | sort -u)" '[true,false,false,null]'
	refute_output --partial "$d"
	[[ ! -e $L/artifacts/sha256/${d:0:2}/$d ]]
	# No password in it: others could read it once the directory is opened, so its digest is plain.
	printf 'machine h login alice\n' >"$C/home/alice/.netrc"
	run -0 --separate-stderr sl-capture-config etc/home/alice/.netrc
	assert_equal "$(jq -r .payload.sha256 <<<"$output")" "$(sum "$C/home/alice/.netrc")"
}

@test "finding: a file others can read that holds a secret is private: keyed digest, not stored" {
	load secret_helper
	load_corpus
	init_ledger
	local i f sums=() pub="$C/public"
	mkdir -p "$pub"
	for i in "${!SECRET_VALUES[@]}"; do
		[[ ${SECRET_NAMES[i]} == S_* || ${SECRET_NAMES[i]} == PEM_* ]] || continue # secret by its name only
		f="$pub/${SECRET_NAMES[i]}.conf"
		printf 'a = 1\n%s\nb = 2\n' "${SECRET_VALUES[i]}" >"$f"
		chmod 644 "$f"
		sums+=("$(sum "$f")")
	done
	run -0 --separate-stderr sl-capture-config --store -r etc/public
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/capture.ndjson"
	assert_equal "$(jq -c '.payload | [.private, .stored, has("sha256")]' "$BATS_TEST_TMPDIR/capture.ndjson" | sort -u)" '[true,null,false]'
	assert_equal "$(grep -c "warning: not storing '$pub/" <<<"$stderr")" "${#sums[@]}"
	sl-append <"$BATS_TEST_TMPDIR/capture.ndjson" >/dev/null
	refute_needles "$L" "$BATS_TEST_TMPDIR/capture.ndjson"
	NEEDLES=("${sums[@]}")
	SECRET_VALUES=()
	refute_needles "$L" "$BATS_TEST_TMPDIR/capture.ndjson"
	# Without a ledger for the key, the error says why the file is private.
	run -100 --separate-stderr sl-capture-config -L "$BATS_TEST_TMPDIR/none" "etc/public/S_JWT.conf"
	assert_regex "$stderr" "unable to key the digest of '$pub/S_JWT.conf' \(it holds a secret\)"
}

@test "finding: a private file's size is not recorded (it would tell a password's length)" {
	init_ledger
	printf 'hunter' >"$C/app/pw"
	chmod 600 "$C/app/pw"
	run -0 --separate-stderr sl-capture-config etc/app/pw
	assert_equal "$(jq -c '.payload | [.private, has("size")]' <<<"$output")" '[true,false]'
}

@test "a secret in --host is redacted like any recorded text" {
	run -0 --separate-stderr sl-capture-config --host ghp_FAKEfakeFAKEfake0123456789abcdefghij etc/app/main.conf
	assert_equal "$(jq -r .payload.host <<<"$output")" '<redacted:github-token>'
	assert_equal "$(jq -r .source <<<"$output")" "config:<redacted:github-token>:$C/app/main.conf"
	refute_output --partial FAKEfake
}

@test "corpus: files of t/fixtures/secrets others cannot read leave no secret and no plain digest in the ledger" {
	load secret_helper
	load_corpus
	init_ledger
	local i f sums=() plain="$C/plain"
	mkdir -p "$C/secrets" "$plain"
	for i in "${!SECRET_VALUES[@]}"; do
		f="$C/secrets/${SECRET_NAMES[i]}.conf"
		printf '%s\n' "${SECRET_VALUES[i]}" >"$f"
		chmod 600 "$f"
		sums+=("$(sum "$f")")
	done
	for i in "${!INNOCENT_VALUES[@]}"; do
		printf '%s\n' "${INNOCENT_VALUES[i]}" >"$plain/${INNOCENT_NAMES[i]}.conf"
		chmod 644 "$plain/${INNOCENT_NAMES[i]}.conf"
	done
	run -0 --separate-stderr sl-capture-config --store -r etc/secrets etc/plain
	assert_equal "$(grep -c "warning: not storing '$C/secrets/" <<<"$stderr")" "${#SECRET_VALUES[@]}"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/capture.ndjson"
	assert_equal "$(jq -c 'select(.payload.private) | .payload.stored' "$BATS_TEST_TMPDIR/capture.ndjson" | sort -u)" null
	assert_equal "$(jq -r 'select(.payload.private) | .source' "$BATS_TEST_TMPDIR/capture.ndjson" | wc -l)" "${#SECRET_VALUES[@]}"
	assert_equal "$(jq -r 'select(.payload.stored) | .source' "$BATS_TEST_TMPDIR/capture.ndjson" | wc -l)" "${#INNOCENT_VALUES[@]}"
	sl-append <"$BATS_TEST_TMPDIR/capture.ndjson" >/dev/null
	# The ledger's bytes can be searched: an innocent file's content is found in them.
	grep -r -a -F -q -e deadbeefcafebabe0123456789abcdef "$L"
	refute_needles "$L" "$BATS_TEST_TMPDIR/capture.ndjson"
	NEEDLES=("${sums[@]}")
	SECRET_VALUES=()
	refute_needles "$L" "$BATS_TEST_TMPDIR/capture.ndjson"
}

@test "private configs go through sl-snapshot, sl-diff and sl-advisory like the others" {
	init_ledger
	printf 'pw=1\n' >"$C/app/secret.conf"
	chmod 600 "$C/app/secret.conf"
	sl-capture-config etc/app/secret.conf etc/app/main.conf | sl-append >/dev/null
	local t1
	t1=$(sl-log | tail -n1 | jq -r .ts)
	sleep 0.01
	printf 'pw=2\n' >"$C/app/secret.conf"
	sl-capture-config --store-private etc/app/secret.conf | sl-append >/dev/null
	# A mutation applied under the private config names it by its keyed digest.
	local hm
	hm=$(sl-log | tail -n1 | jq -r .payload.hmac_sha256)
	printf '{"type":"mutation","source":"kafka:orders","payload":{"namespace":"kafka/c1/orders/0","position":1,"id":"o-1","sha256":"%s","config_sha256":"%s"}}\n' \
		"$(printf x | sha256sum | cut -c1-64)" "$hm" | sl-append >/dev/null
	run -0 --separate-stderr sl-diff --from "$t1" --to now
	assert_equal "$stderr" ""
	assert_equal "$(jq -r 'select(.source == "config:'"$HOST:$C"'/app/secret.conf" and .type == "config") | [.members[].member] | join(" ")' <<<"$output")" \
		"payload.captured_at payload.hmac_sha256 payload.stored"
	run -0 --separate-stderr sl-snapshot --at now --complete
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/snap.json"
	run -0 --separate-stderr sl-advisory -L "$L" <"$BATS_TEST_TMPDIR/snap.json"
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.findings[].rule | select(. == "config-digest" or . == "mutation-config")]' <<<"$output")" "[]"
	assert_equal "$(jq -r '.findings[] | select(.rule == "config-not-stored") | .message' <<<"$output")" \
		"the content of 1 config file was not stored and cannot be restored: $C/app/main.conf"
}

@test "captures starting at once on a new ledger agree on one key" {
	init_ledger
	printf 'pw=hunter2\n' >"$C/app/secret.conf"
	chmod 600 "$C/app/secret.conf"
	local k
	for k in 1 2 3 4 5 6; do
		sl-capture-config etc/app/secret.conf >"$BATS_TEST_TMPDIR/out.$k" 2>&1 &
	done
	wait
	local first got
	first=$(jq -r '.payload | .hmac_key + " " + .hmac_sha256' "$BATS_TEST_TMPDIR/out.1")
	assert_regex "$first" '^config-hmac\+[0-9a-f]{8} [0-9a-f]{64}$'
	for k in 2 3 4 5 6; do
		got=$(jq -r '.payload | .hmac_key + " " + .hmac_sha256' "$BATS_TEST_TMPDIR/out.$k")
		assert_equal "$got" "$first"
	done
	# No temporary file is left beside the key.
	assert_equal "$(ls -A "$L/keys")" config-hmac.key
}

@test "the key's making fails cleanly: a failed write or fsync is 111, leaves no key, prints nothing" {
	load reliability_helper
	skip_under_asan
	require_cmd fiu-run
	init_ledger
	printf 'pw=hunter2\n' >"$C/app/secret.conf"
	chmod 600 "$C/app/secret.conf"
	IN=/dev/null OUT="$BATS_TEST_TMPDIR/out" ERR="$BATS_TEST_TMPDIR/err"
	local p
	for p in posix/io/rw/write posix/io/sync/fsync; do
		fiu_run "enable name=$p,failinfo=28" -- sl-capture-config etc/app/secret.conf
		assert_equal "$p: $RC" "$p: 111"
		assert_equal "$(cat "$OUT")" ""
		assert_regex "$(cat "$ERR")" "^sl-capture-config: fatal: unable to key the digest of '$C/app/secret.conf' \(not readable by others\): unable to make key '$L/keys/config-hmac.key': No space left on device$"
		assert_equal "$(ls -A "$L/keys")" ""
	done
	run -0 --separate-stderr sl-capture-config etc/app/secret.conf
	assert_equal "$(ls -A "$L/keys")" config-hmac.key
}
