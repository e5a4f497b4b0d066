#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# One command-line grammar for every program (stateledger(7), COMMAND
# LINE): options before, between and after verbs and operands ("--" ends
# them, POSIXLY_CORRECT changes nothing); tree sizes are --size and
# --old-size, a private key file is -k/--key-file, modes are verbs; the
# old spellings still give the same output; each usage error names the
# option or operand and says why, before the usage line.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
	VKEY=$(sl-keygen) || fail "sl-keygen failed"
	append_n 6
	sl-checkpoint >/dev/null || fail "sl-checkpoint failed"
	# The ledger is named only by -L in these tests.
	unset SL_LEDGER
	cd "$BATS_TEST_TMPDIR"
}

@test "sl-artifact: -L after the verb and between operands; -- ends the options" {
	echo hello >f
	echo other >-f
	run -0 --separate-stderr sl-artifact put f -L "$L"
	local d=$output
	run -0 --separate-stderr sl-artifact get "$d" -L "$L"
	assert_output hello
	run -0 --separate-stderr sl-artifact has -L "$L" "$d"
	run -0 --separate-stderr sl-artifact put -L "$L" -- -f
	run -0 --separate-stderr sl-artifact get -L "$L" -- "$output"
	assert_output other
	POSIXLY_CORRECT=1 run -0 --separate-stderr sl-artifact get "$d" -L "$L"
	assert_output hello
}

@test "sl-manifest: -L after run and after its FILE" {
	cat >m.json <<'EOF'
{"version": 1, "collectors": [
  {"name": "a", "type": "command", "argv": ["printf", "%s\n", "{\"type\":\"x-m\",\"source\":\"m\",\"payload\":{}}"]}
]}
EOF
	run -0 --separate-stderr sl-manifest run m.json -L "$L"
	assert_regex "$output" '"seq":6'
	run -0 --separate-stderr sl-manifest run -L "$L" m.json
	assert_regex "$output" '"seq":7'
	usage_error "'-L' does not go with 'check'" sl-manifest check m.json -L "$L"
}

@test "sl-checkpoint: latest is a verb (--latest an alias); options after verify" {
	run -0 --separate-stderr sl-checkpoint -L "$L" --latest
	local note=$output
	run -0 --separate-stderr sl-checkpoint latest -L "$L"
	assert_equal "$output" "$note"
	run -0 --separate-stderr sl-checkpoint sign -L "$L"
	assert_equal "$output" "$note"
	run -0 --separate-stderr sl-checkpoint verify --key "$VKEY" -o json <<<"$note"
	assert_regex "$output" '^\{"verified":true'
	run -0 --separate-stderr sl-checkpoint --key "$VKEY" verify <<<"$note"
	assert_regex "$output" '^\{"verified":true'
	usage_error "unknown verb 'newest'" sl-checkpoint newest -L "$L"
	usage_error "'--latest' does not go with 'verify'" sl-checkpoint --latest verify
	usage_error "verify needs '--key'" sl-checkpoint verify
	usage_error "'--key' does not go with 'latest'" sl-checkpoint latest --key "$VKEY" -L "$L"
}

@test "sl-prove: --old-size and --size (--from and --to are aliases), head, check and inclusion verbs" {
	run -0 --separate-stderr sl-prove -L "$L" --from 2 --to 5
	local old=$output
	run -0 --separate-stderr sl-prove --old-size 2 --size 5 -L "$L"
	assert_equal "$output" "$old"
	run -0 --separate-stderr sl-prove consistency -L "$L" --old-size 2 --size 5
	assert_equal "$output" "$old"
	local r2 r5
	r2=$(sl-prove -L "$L" head --size 2 | jq -r .root)
	r5=$(sl-prove -L "$L" --head --size 5 | jq -r .root)
	run -0 --separate-stderr sl-prove check --old-root "$r2" --root "$r5" --old-size 2 --size 5 <<<"$old"
	local checked=$output
	run -0 --separate-stderr sl-prove --check --old-root "$r2" --root "$r5" --from 2 --to 5 <<<"$old"
	assert_equal "$output" "$checked"
	assert_regex "$checked" '^\{"verified":true,"type":"consistency","from":2,"to":5,'
	run -0 --separate-stderr sl-prove -L "$L" --head
	local head=$output
	run -0 --separate-stderr sl-prove head -L "$L"
	assert_equal "$output" "$head"
	run -0 --separate-stderr sl-prove --seq 1 --to 4 -L "$L"
	local inc=$output
	run -0 --separate-stderr sl-prove inclusion --seq 1 -L "$L" --size 4
	assert_equal "$output" "$inc"
	usage_error "'--size' needs a number" sl-prove --seq 1 --size
	usage_error "'--old-size' needs a number" sl-prove --old-size
	usage_error "'--seq' does not go with '--old-size'" sl-prove --seq 1 --old-size 2
	usage_error "'--to' and '--size' give two values" sl-prove --old-size 1 --to 4 --size 5
	usage_error "'--old-size' is larger than '--size'" sl-prove --old-size 4 --size 2
	usage_error "check needs '--root'" sl-prove check
	usage_error "'-L' does not go with 'check'" sl-prove check -L "$L" --root "$r5"
	usage_error "say what to prove: '--seq', '--old-size' or 'head'" sl-prove --size 3
	run -2 --separate-stderr sl-prove --old-size x
	assert_equal "$stderr" "sl-prove: usage: --old-size wants a whole number from 1 to 9223372036854775807, not 'x'"
}

@test "sl-keygen: -k/--key-file names the private key file (-o/--output are aliases)" {
	run -0 --separate-stderr sl-keygen -k k1 --name a
	assert_regex "$output" '^a\+[0-9a-f]{8}\+'
	run -0 --separate-stderr sl-keygen --name a --key-file k2
	run -0 --separate-stderr sl-keygen -o k3 --name a
	run -0 --separate-stderr sl-keygen --output k4 --name a
	local f
	for f in k1 k2 k3 k4; do
		assert_equal "$(stat -c %a "$f")" 600
	done
	usage_error "unexpected operand 'extra'" sl-keygen -k k5 extra --name a
	usage_error "'-k' needs a value" sl-keygen -k
	[[ ! -e k5 ]]
}

@test "sl-audit: -k/--key-file signs (--sign is an alias); options before verify" {
	sl-snapshot -L "$L" --at 2099-01-01T00:00:00Z >snap 2>/dev/null
	local skey
	skey=$(sl-keygen -k signer.key --name signer)
	local k
	for k in "-k signer.key" "--key-file signer.key" "--sign signer.key"; do
		# shellcheck disable=SC2086
		run -0 --separate-stderr sl-audit --bare $k <snap
		echo "$output" >env
		run -0 --separate-stderr sl-audit --signer "$skey" --key "$VKEY" verify <env
		assert_regex "$output" '^\{"verified":true'
	done
	usage_error "'-k' does not go with 'verify'" sl-audit verify -k signer.key --key "$VKEY"
	usage_error "unknown verb 'check'" sl-audit check
}

@test "sl-replay and sl-tiles: options before the verb and after it" {
	run -0 --separate-stderr sl-replay -L "$L" plan --from 2000-01-01T00:00:00Z --to 2099-01-01T00:00:00Z
	local plan=$output
	run -0 --separate-stderr sl-replay plan --from 2000-01-01T00:00:00Z -L "$L" --to 2099-01-01T00:00:00Z
	assert_equal "$output" "$plan"
	usage_error "a verb is needed" sl-replay -L "$L"
	usage_error "'--to' needs '--from'" sl-replay plan --to 2099-01-01T00:00:00Z
	usage_error "exec needs '--command'" sl-replay exec --state s
	usage_error "'--dry-run' does not go with 'plan'" sl-replay plan --dry-run
	run -0 --separate-stderr sl-tiles export out -L "$L" -q
	[[ -f out/checkpoint ]]
	usage_error "export needs an OUTDIR" sl-tiles export -L "$L"
	usage_error "unknown verb 'import'" sl-tiles import out
}

@test "programs without verbs: options after operands; each usage error names what is wrong" {
	run -0 --separate-stderr sl-get 0 -L "$L"
	local e=$output
	POSIXLY_CORRECT=1 run -0 --separate-stderr sl-get 0 -L "$L"
	assert_equal "$output" "$e"
	usage_error "a SEQ is needed" sl-get -L "$L"
	usage_error "unexpected operand '1'" sl-get 0 1 -L "$L"
	usage_error "'--at' is needed" sl-snapshot -L "$L"
	usage_error "unexpected operand 'x'" sl-snapshot x --at 2099-01-01T00:00:00Z -L "$L"
	usage_error "unexpected operand 'x'" sl-verify -L "$L" x
	usage_error "unexpected operand 'x'" sl-init -L "$L" x
	usage_error "unexpected operand 'x'" sl-capture-env x
	usage_error "'--runtime' needs a program name" sl-capture-env --runtime ''
	usage_error "a FILE or DIR is needed" sl-capture-config
	usage_error "'--host' wants 1 to 128 bytes without control characters or ':'" sl-capture-config --host a:b f
	usage_error "'--to' needs '--from'" sl-diff -L "$L" --to 2099-01-01T00:00:00Z
	usage_error "'--content' needs '--from' and '--to'" sl-diff --content a b
	usage_error "only one SNAPSHOT can be standard input" sl-diff - -
	usage_error "'--list-rules' does not go with '--input'" sl-advisory --list-rules --input
	usage_error "'--limit' needs a number" sl-log -L "$L" --limit
	usage_error "unexpected operand 'x'" sl-append x -L "$L"
	usage_error "'-C' needs a directory" sl-capture-git -C ''
	run -2 --separate-stderr sl-init -L new --origin 'a b'
	assert_equal "$stderr" "sl-init: usage: --origin wants 1-255 printable characters, no space or '+', not 'a b'"
}

@test "sl-log --to (--until an alias); sl-advisory list-rules and input are verbs (--list-rules, --input aliases)" {
	run -0 --separate-stderr sl-log -L "$L" --until 2099-01-01T00:00:00Z
	local all=$output
	assert_equal "${#lines[@]}" 6
	run -0 --separate-stderr sl-log --to 2099-01-01T00:00:00Z -L "$L"
	assert_equal "$output" "$all"
	run -0 --separate-stderr sl-log -L "$L" --to 2000-01-01T00:00:00Z
	assert_output ""
	usage_error "'--to' needs a value" sl-log --to
	run -0 --separate-stderr sl-advisory --list-rules
	local rules=$output
	[[ -n $rules ]]
	run -0 --separate-stderr sl-advisory list-rules
	assert_equal "$output" "$rules"
	sl-snapshot -L "$L" --at 2099-01-01T00:00:00Z >snap 2>/dev/null
	run -0 --separate-stderr sl-advisory --input <snap
	local input=$output
	run -0 --separate-stderr sl-advisory input <snap
	assert_equal "$output" "$input"
	usage_error "'--list-rules' does not go with 'input'" sl-advisory --list-rules input
	usage_error "unknown verb 'rules'" sl-advisory rules
}

@test "sl-httpd: each usage error names the option or operand and says why" {
	usage_error "unknown option '--bogus'" sl-httpd -L "$L" --bogus
	usage_error "unknown option '-x'" sl-httpd -x -L "$L"
	usage_error "'--max-conn' needs a number" sl-httpd -L "$L" --max-conn
	usage_error "'-w' needs a number" sl-httpd -L "$L" -w
	usage_error "'--tokens' needs a value" sl-httpd -L "$L" --tokens
	usage_error "'-L' needs a value" sl-httpd -L
	usage_error "'--no-access-log' takes no value" sl-httpd -L "$L" --no-access-log=1
	usage_error "unexpected operand 'extra'" sl-httpd extra -L "$L"
	POSIXLY_CORRECT=1 usage_error "unexpected operand 'extra'" sl-httpd extra -L "$L"
	usage_error "'-m/--mode' wants epoll, pool or thread, not 'fast'" sl-httpd -L "$L" -m fast
	usage_error "'-l/--listen' wants ADDR:PORT, not 'nocolon'" sl-httpd -L "$L" -l nocolon
}

@test "sl-httpd: options in any order, even with POSIXLY_CORRECT; --help after them all" {
	POSIXLY_CORRECT=1 run -0 --separate-stderr sl-httpd --no-access-log -L "$L" -w 1 --max-conn-per-ip 4 --help
	assert_line --index 0 --partial "usage: sl-httpd [-L ADDRESS]"
	# Serve a request with the options after one another in an unusual order.
	local err="$BATS_TEST_TMPDIR/httpd.err" port pid i
	POSIXLY_CORRECT=1 sl-httpd --max-conn-per-ip 4 -l 127.0.0.1:0 -w 1 --ledger "$L" 2>"$err" &
	pid=$!
	for ((i = 0; i < 100; i++)); do
		port=$(sed -n 's/^sl-httpd: listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$err")
		[[ -n $port ]] && break
		sleep 0.1
	done
	[[ -n $port ]] || { kill "$pid"; fail "sl-httpd did not start: $(cat "$err")"; }
	run curl -fsS "http://127.0.0.1:$port/v1/checkpoint"
	kill -TERM "$pid"
	wait "$pid" || true
	assert_success
	assert_line --index 1 6
}

@test "sl-witness: each usage error names the option or operand; options before and after the verb and its FILE" {
	usage_error "unknown option '--bogus'" sl-witness -d st -k key --bogus
	usage_error "'-d' needs a value" sl-witness -k key -d
	usage_error "'--state' needs a value" sl-witness --state
	usage_error "'--workers' needs a value" sl-witness --workers
	usage_error "unexpected operand 'extra'" sl-witness -d st -k key extra
	usage_error "'-d/--state' is needed" sl-witness -k key
	usage_error "'-k/--key' is needed" sl-witness -d st
	usage_error "'-m/--mode' wants epoll, pool or thread, not 'fast'" sl-witness -m fast
	usage_error "unknown option '--bogus'" sl-witness verify --bogus
	usage_error "verify needs '-w/--witness'" sl-witness verify note
	local wvk
	wvk=$(sl-keygen -k w.key --type cosignature --name w) || fail "sl-keygen failed"
	usage_error "unexpected operand 'two'" sl-witness verify one two -w "$wvk"
	sl-checkpoint latest -L "$L" >note || fail "sl-checkpoint failed"
	# Not cosigned: the answer is no (1), not a usage error.
	run -1 --separate-stderr sl-witness verify note -w "$wvk"
	assert_regex "$output" '^\{"witness":"w","verified":false,'
	POSIXLY_CORRECT=1 run -1 --separate-stderr sl-witness verify note --quorum 1 --witness "$wvk"
	assert_regex "$output" '^\{"witness":"w","verified":false,'
	# Options before the verb too: -w is --witness to verify, --workers to the server.
	run -1 --separate-stderr sl-witness -w "$wvk" -q 1 verify note
	assert_regex "$output" '^\{"witness":"w","verified":false,'
	usage_error "'-d' does not go with 'verify'" sl-witness -d st verify -w "$wvk" note
	usage_error "'--workers' does not go with 'verify'" sl-witness --workers 2 verify -w "$wvk" note
	usage_error "'-q' is for verify" sl-witness -d st -k key -q 1
	usage_error "'--witness' is for verify" sl-witness -d st -k key --witness "$wvk"
}

@test "every program's --help, usage line and man page write the ledger as -L ADDRESS" {
	local p name n=0
	for p in "$SL_SRCDIR"/bin/sl-*; do
		name=${p##*/}
		run -0 --separate-stderr "$p" --help
		[[ $output != *"-L DIR"* && $output != *"--ledger DIR"* ]] || fail "$name --help writes -L DIR"
		[[ $output == *"--ledger"* ]] || continue
		n=$((n + 1))
		[[ $output == *"[-L ADDRESS]"* ]] || fail "$name --help has no [-L ADDRESS]"
		[[ $output == *"-L, --ledger ADDRESS"* ]] || fail "$name --help has no '-L, --ledger ADDRESS'"
		run -2 --separate-stderr "$p" --no-such-option
		[[ $stderr == *"-L ADDRESS"* ]] || fail "$name's usage line has no -L ADDRESS: $stderr"
		[[ -f $SL_SRCDIR/doc/$name.1 ]] || fail "no doc/$name.1"
		run -1 grep -n 'Fl L Ar DIR\|-L DIR' "$SL_SRCDIR/doc/$name.1"
		run -0 grep -c 'Fl L Ar ADDRESS' "$SL_SRCDIR/doc/$name.1"
	done
	((n >= 17)) || fail "only $n programs take --ledger"
}
