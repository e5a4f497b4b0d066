#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# -o text (--format text) on sl-log, sl-get, sl-snapshot, sl-diff, sl-verify,
# sl-advisory, sl-replay plan and sl-checkpoint: columns, short hashes,
# absolute and relative times, colour only on a terminal (NO_COLOR,
# SL_COLOR=always|never), -o json the same bytes as the default, and a bad
# -o a usage error naming the option.  Also sl-snapshot --objects.

bats_require_minimum_version 1.5.0
load test_helper

C1=1111111111111111111111111111111111111111
C2=2222222222222222222222222222222222222222
SHA_A=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
SHA_B=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
# "2026-01-01 10:00:00Z (N d ago)": the absolute time, then the relative one.
TIME_RE='2026-01-0[12] 1[01]:00:0[0-9]Z \([0-9]+ d ago\)'
ESC=$'\033'

setup() {
	sl_setup
	require_cmd jq faketime
	unset NO_COLOR SL_COLOR
	init_ledger
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	append_at '2026-01-01 10:00:00' \
		"{\"type\":\"code\",\"source\":\"git:shop\",\"payload\":{\"repo\":\"https://example.org/shop\",\"commit\":\"$C1\",\"branch\":\"main\",\"tags\":[\"v1.0\"],\"dirty\":false}}" \
		"{\"type\":\"config\",\"source\":\"config:web-1:/etc/app.conf\",\"payload\":{\"path\":\"/etc/app.conf\",\"sha256\":\"$SHA_A\",\"host\":\"web-1\",\"stored\":true}}" \
		"{\"type\":\"environment\",\"source\":\"env:web-1\",\"payload\":{\"os\":\"Debian GNU/Linux 12\",\"kernel\":\"6.1.0-18\",\"arch\":\"x86_64\",\"hostname\":\"web-1\"}}" \
		"{\"type\":\"mutation\",\"source\":\"kafka/c1/orders/0\",\"payload\":{\"namespace\":\"kafka/c1/orders/0\",\"position\":41,\"id\":\"m41\",\"sha256\":\"$SHA_A\"}}"
	T1='2026-01-01T10:30:00Z'
	append_at '2026-01-02 11:00:00' \
		"{\"type\":\"code\",\"source\":\"git:shop\",\"payload\":{\"repo\":\"https://example.org/shop\",\"commit\":\"$C2\",\"branch\":\"main\",\"dirty\":true}}" \
		"{\"type\":\"config\",\"source\":\"config:web-1:/etc/app.conf\",\"payload\":{\"path\":\"/etc/app.conf\",\"sha256\":\"$SHA_B\",\"host\":\"web-1\"}}" \
		"{\"type\":\"mutation\",\"source\":\"kafka/c1/orders/0\",\"payload\":{\"namespace\":\"kafka/c1/orders/0\",\"position\":42,\"id\":\"m42\",\"sha256\":\"$SHA_B\"}}"
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
}

# no_escapes: $output holds no escape character.
no_escapes() {
	[[ $output != *"$ESC"* ]] || fail "escape codes in: $output"
}

@test "sl-log -o text: a header, one aligned row per entry, times and short hashes" {
	run -0 --separate-stderr sl-log -o text
	assert_equal "${#lines[@]}" 8
	assert_line --index 0 --regexp '^SEQ +TIME +TYPE +SOURCE +WHAT$'
	assert_line --index 1 --regexp "^0 +$TIME_RE +code +git:shop +111111111111 tag v1\.0 \(main\)$"
	assert_line --index 2 --regexp "^1 +$TIME_RE +config +config:web-1:/etc/app.conf +sha256 aaaaaaaaaaaa, stored$"
	assert_line --index 3 --regexp "^2 +$TIME_RE +environment +env:web-1 +Debian GNU/Linux 12, kernel 6\.1\.0-18, x86_64$"
	assert_line --index 5 --regexp "^4 +$TIME_RE +code +git:shop +222222222222 \(main\) dirty$"
	# The columns line up: TYPE starts at the same place on every line.
	local col=${lines[0]%%TYPE*}
	for i in 1 2 3 4 5 6 7; do
		[[ ${lines[i]:${#col}:1} =~ [a-z] ]] || fail "line $i is not aligned: ${lines[i]}"
	done
	[[ $output != *"$C1"* ]] || fail "a full commit id in the table"
	no_escapes
	assert_equal "$stderr" ""
}

@test "sl-log --format text is -o text; an empty listing says so" {
	run -0 --separate-stderr sl-log --format text --type x-none
	assert_output "(no entries)"
	run -0 --separate-stderr sl-log --type code --format text
	assert_equal "${#lines[@]}" 3
}

@test "-o json and the default are the same bytes, on every program" {
	sl-log >"$BATS_TEST_TMPDIR/a"
	sl-log -o json >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	sl-get 4 >"$BATS_TEST_TMPDIR/a"
	sl-get --format json 4 >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	sl-snapshot --at 2026-06-01 >"$BATS_TEST_TMPDIR/a"
	sl-snapshot --at 2026-06-01 -o json >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	sl-diff --from "$T1" --to now >"$BATS_TEST_TMPDIR/a"
	sl-diff -o json --from "$T1" --to now >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	sl-verify >"$BATS_TEST_TMPDIR/a"
	sl-verify -o json >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	sl-replay plan --from "$T1" --to now >"$BATS_TEST_TMPDIR/a"
	sl-replay plan -o json --from "$T1" --to now >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	sl-checkpoint --latest >"$BATS_TEST_TMPDIR/a"
	sl-checkpoint --latest -o json >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	sl-snapshot --at 2026-06-01 --complete >"$BATS_TEST_TMPDIR/s"
	sl-advisory <"$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/a"
	sl-advisory -o json <"$BATS_TEST_TMPDIR/s" >"$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
}

@test "the default output is still what the hashes cover (sl-get) and has no object member (sl-snapshot)" {
	run -0 --separate-stderr sl-get 4
	local want
	want=$(sl-snapshot --at now | jq -r '.entries[] | select(.seq == 4) | .leaf_hash')
	assert_equal "$( { printf '\0'; printf '%s' "$output"; } | sha256sum | cut -c1-64)" "$want"
	run -0 --separate-stderr sl-snapshot --at now
	assert_equal "$(jq '[.. | objects | select(has("object"))] | length' <<<"$output")" 0
}

@test "a bad -o is a usage error naming the option, on every program" {
	local p
	for p in "sl-log" "sl-get 0" "sl-snapshot --at now" "sl-diff --from $T1 --to now" \
		"sl-verify" "sl-advisory" "sl-replay plan" "sl-checkpoint --latest"; do
		run -2 --separate-stderr $p -o yaml
		assert_output ""
		assert_equal "${stderr_lines[0]}" "${p%% *}: usage: '-o/--format' wants json or text, not 'yaml'"
		run -2 --separate-stderr $p --format=
		assert_equal "${stderr_lines[0]}" "${p%% *}: usage: '-o/--format' wants json or text, not ''"
	done
	run -2 --separate-stderr sl-log -o
	assert_equal "${stderr_lines[0]}" "sl-log: usage: '-o' needs a value"
	run -2 --separate-stderr sl-replay exec --command true --state "$BATS_TEST_TMPDIR/st" -o text
	assert_equal "${stderr_lines[0]}" "sl-replay: usage: '-o/--format' is for plan, not exec"
}

@test "colour: never on a pipe, SL_COLOR=always forces it, NO_COLOR and SL_COLOR=never on a terminal" {
	require_cmd script
	run -0 --separate-stderr sl-log -o text
	no_escapes
	SL_COLOR=always run -0 --separate-stderr sl-log -o text
	assert_output --partial "${ESC}[1mSEQ${ESC}[m"
	assert_output --partial "${ESC}[36mcode${ESC}[m"
	# The padding is outside the colour: the columns stay aligned.
	assert_line --index 1 --regexp "^0 +${ESC}\[2m"
	SL_COLOR=always NO_COLOR=1 run -0 --separate-stderr sl-log -o text
	assert_output --partial "${ESC}["
	# On a terminal: colour, unless NO_COLOR or SL_COLOR=never.
	run -0 script -qec "sl-log -o text" /dev/null
	assert_output --partial "${ESC}[1mSEQ"
	NO_COLOR=1 run -0 script -qec "sl-log -o text" /dev/null
	no_escapes
	SL_COLOR=never run -0 script -qec "sl-log -o text" /dev/null
	no_escapes
	# JSON never has colour, even forced.
	SL_COLOR=always run -0 script -qec "sl-log" /dev/null
	no_escapes
}

@test "-o text shows control characters from the ledger as \\xNN, never raw" {
	printf '%s\n' '{"type":"x-note","source":"ci:note","payload":{"note":"\u001b]0;owned\u0007\u001b[31mred\u009b"}}' | sl-append >/dev/null
	run -0 --separate-stderr sl-get -o text 7
	no_escapes
	assert_line 'payload.note  \x1b]0;owned\x07\x1b[31mred\x9b'
	run -0 --separate-stderr sl-log -o text --type x-note
	no_escapes
	assert_line --index 1 --partial 'red\x9b"}'
}

@test "sl-get -o text: one member a line, the payload's hashes short" {
	run -0 --separate-stderr sl-get -o text 1
	assert_line --index 0 --regexp '^seq +1$'
	assert_line --index 1 --regexp "^time +$TIME_RE$"
	assert_line --index 2 --regexp '^type +config$'
	assert_line --index 3 --regexp '^source +config:web-1:/etc/app.conf$'
	assert_line --index 4 --regexp '^what +sha256 aaaaaaaaaaaa, stored$'
	assert_line --regexp '^payload\.sha256 +aaaaaaaaaaaa$'
	assert_line --regexp '^payload\.path +/etc/app\.conf$'
	run -1 --separate-stderr sl-get -o text 99
	assert_output ""
}

@test "sl-snapshot -o text: what was running at T, grouped by type" {
	run -0 --separate-stderr sl-snapshot --at "$T1" -o text
	assert_line --index 0 --regexp '^at 2026-01-01 10:30:00Z \([0-9]+ d ago\)$'
	assert_line --index 1 --regexp '^tree size 4, root [0-9a-f]{12}$'
	# The checkpoint of size 7 covers size 4, with a consistency proof from 4.
	assert_line --index 2 "checkpoint of size 7 (origin test.example/log), consistent with this size"
	assert_line --regexp '^code: each repository.s commit \(1\)$'
	assert_line --regexp '^REPOSITORY +COMMIT +TAG/BRANCH +DIRTY +SEQ +RECORDED$'
	assert_line --regexp "^https://example.org/shop +111111111111 +v1\.0 \(main\) +clean +0 +$TIME_RE$"
	assert_line --regexp '^PATH +HOST +DIGEST +STORED +SEQ +RECORDED$'
	assert_line --regexp "^/etc/app.conf +web-1 +sha256 aaaaaaaaaaaa +stored +1 +$TIME_RE$"
	assert_line --regexp '^HOST +OS +KERNEL +ARCH +SEQ +RECORDED$'
	assert_line --regexp "^web-1 +Debian GNU/Linux 12 +6\.1\.0-18 +x86_64 +2 +$TIME_RE$"
	assert_line --regexp '^NAMESPACE +POSITION +ID +SEQ +APPLIED$'
	assert_line --regexp "^kafka/c1/orders/0 +41 +m41 +3 +$TIME_RE$"
	no_escapes
	run -0 --separate-stderr sl-snapshot --at now -o text
	assert_line --index 1 --regexp '^tree size 7, root [0-9a-f]{12}$'
	assert_line --regexp "^https://example.org/shop +222222222222 +\(main\) +dirty +4 "
	assert_line --regexp "^/etc/app.conf +web-1 +sha256 bbbbbbbbbbbb +not stored +5 "
	assert_line --regexp "^kafka/c1/orders/0 +42 +m42 +6 "
	run -0 --separate-stderr sl-snapshot --at 2025-01-01 -o text
	assert_line "(nothing recorded at that time)"
}

@test "sl-snapshot --objects: each entry string beside its parsed object; the string is still the hashed bytes" {
	run -0 --separate-stderr sl-snapshot --at 2026-06-01 --objects --complete
	assert_equal "$(jq '[.entries[], .mutations[] | .object == (.entry | fromjson)] | all' <<<"$output")" true
	assert_equal "$(jq -r '.entries[] | select(.type == "code") | .object.payload.commit' <<<"$output")" "$C2"
	# The entry string is unchanged: its leaf hash is still the one proved.
	local e h
	e=$(jq -j '.entries[] | select(.type == "code") | .entry' <<<"$output")
	h=$(jq -r '.entries[] | select(.type == "code") | .leaf_hash' <<<"$output")
	assert_equal "$( { printf '\0'; printf '%s' "$e"; } | sha256sum | cut -c1-64)" "$h"
	# The same snapshot without the objects, member for member.
	sl-snapshot --at 2026-06-01 --complete >"$BATS_TEST_TMPDIR/plain"
	assert_equal "$(jq -S -c 'del(.. | objects | .object?)' <<<"$output")" \
		"$(jq -S -c . "$BATS_TEST_TMPDIR/plain")"
	# sl-audit bundles only what its verify checks: it refuses the objects.
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/objects"
	run -100 --separate-stderr sl-audit --sign "$L/keys/checkpoint.key" <"$BATS_TEST_TMPDIR/objects"
	assert_output ""
	assert_equal "$stderr" "sl-audit: fatal: unable to read the snapshot 'standard input': entries: carries parsed objects (sl-snapshot --objects): bundle a snapshot taken without --objects"
	run -0 --separate-stderr sl-audit --sign "$L/keys/checkpoint.key" <"$BATS_TEST_TMPDIR/plain"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <<<"$output"
}

@test "sl-diff -o text: a row per change, changed members below with short hashes" {
	run -0 --separate-stderr sl-diff -o text --from "$T1" --to now
	assert_line --index 0 --regexp '^CHANGE +TYPE +SOURCE +FROM +TO$'
	assert_line --regexp '^changed +code +git:shop +0 +4$'
	assert_line '    payload.commit: 111111111111 -> 222222222222'
	assert_line '    payload.dirty: false -> true'
	assert_line '    payload.tags: ["v1.0"] -> -'
	assert_line --regexp '^changed +config +config:web-1:/etc/app.conf +1 +5$'
	assert_line '    payload.sha256: aaaaaaaaaaaa -> bbbbbbbbbbbb'
	assert_line --regexp '^mutations +mutation +kafka/c1/orders/0 +3 +6$'
	assert_line '    1 applied, position 41 -> 42'
	run -0 --separate-stderr sl-diff -o text --from "$T1" --to "$T1"
	assert_output "(no changes)"
}

@test "sl-verify -o text: the verdict, then a line per key" {
	run -0 --separate-stderr sl-verify -o text --key "$VKEY"
	assert_line --index 0 --regexp '^verified: size 7, root [0-9a-f]{12}, 1 checkpoint$'
	assert_line --index 1 --regexp '^key +test\.example/log\+[0-9a-f]{8} +trusted +checkpoints 1-1$'
	tamper_entry 2
	run -1 --separate-stderr sl-verify -o text
	assert_line --index 0 --regexp '^NOT VERIFIED at seq 2: '
}

@test "sl-advisory -o text: risk, level and a row per finding with its remedy" {
	sl-snapshot --at now --complete >"$BATS_TEST_TMPDIR/s"
	run -0 --separate-stderr sl-advisory -o text <"$BATS_TEST_TMPDIR/s"
	assert_line --index 0 --regexp '^risk [0-9]+/100 \((low|medium|high)\), can(not)? be replayed$'
	assert_line --index 1 --regexp '^at [0-9-]+ [0-9:]+Z \(.*\), tree size 7, complete snapshot$'
	assert_line --regexp '^high +dirty-tree +seq 4 +uncommitted changes'
	assert_line --regexp '^    remedy: '
}

@test "sl-replay plan -o text: a row per step" {
	run -0 --separate-stderr sl-replay plan -o text --from 2025-01-01 --to now
	assert_line --index 0 --regexp '^STEP +NAMESPACE +POSITION +ID +SEQ +SHA256 +BODY +RECORDED$'
	assert_line --index 1 --regexp "^1 +kafka/c1/orders/0 +41 +m41 +3 +aaaaaaaaaaaa +not stored +$TIME_RE$"
	assert_line --index 2 --regexp "^2 +kafka/c1/orders/0 +42 +m42 +6 +bbbbbbbbbbbb +not stored +$TIME_RE$"
}

@test "sl-checkpoint -o text: origin, size, short root, signer; verify's verdict" {
	run -0 --separate-stderr sl-checkpoint --latest -o text
	assert_line --index 0 --regexp '^origin +test\.example/log$'
	assert_line --index 1 --regexp '^size +7$'
	assert_line --index 2 --regexp '^root +[0-9a-f]{12}$'
	local rest=${VKEY#*+}
	assert_line --index 3 "signed by  ${VKEY%%+*}+${rest%%+*}"
	sl-checkpoint --latest >"$BATS_TEST_TMPDIR/cp"
	run -0 --separate-stderr sl-checkpoint -o text verify --key "$VKEY" <"$BATS_TEST_TMPDIR/cp"
	assert_output --regexp '^verified: origin test\.example/log, size 7, root [0-9a-f]{12}$'
	run -1 --separate-stderr sl-checkpoint verify -o text --key "$VKEY" </dev/null
	assert_output "NOT VERIFIED"
}

@test "doc/tour.sh still runs on a real capture and writes the sections of doc/tour.md" {
	require_cmd git
	run -0 --separate-stderr sh "$SL_SRCDIR/doc/tour.sh"
	assert_equal "$stderr" ""
	# The findings depend on the host (a synchronised clock, say): the sections do not.
	assert_equal "$(grep '^## ' <<<"$output")" "$(grep '^## ' "$SL_SRCDIR/doc/tour.md")"
	assert_output --partial 'code: each repository'
	assert_output --partial 'config: each file'
	assert_output --partial 'environment: each host'
}
