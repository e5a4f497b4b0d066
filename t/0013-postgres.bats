#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The PostgreSQL ledger (lib/store-pg.c) against a real server started for
# this file (t/pg.bash): every program on a postgresql:// address; the same
# input gives the same entries, proofs, roots and checkpoints as SQLite;
# concurrent appenders never fork the log; a bad batch leaves nothing; the
# password in the address is never shown.

bats_require_minimum_version 1.5.0
load test_helper
load pg
load httpd_helper

teardown() {
	httpd_teardown
}

setup() {
	sl_setup
	require_cmd jq faketime
	ZERO64=0000000000000000000000000000000000000000000000000000000000000000
	# A database per test; the SQLite ledger beside it for comparisons.
	P=$(pg_new_db "t$BATS_TEST_NUMBER") || fail "unable to create a database"
}

# mixed_input: entries of several types and sources, mutations among them, for $IN.
mixed_input() {
	local i
	for i in $(seq 0 59); do
		case $((i % 5)) in
		0) printf '{"type":"x-app","source":"web-%d/conf","payload":{"i":%d}}\n' $((i % 7)) "$i" ;;
		1) printf '{"type":"x-app","source":"db[%d]","payload":{"i":%d}}\n' $((i % 3)) "$i" ;;
		2) printf '{"type":"x-other","source":"caf\xc3\xa9-%d","payload":{"i":%d}}\n' $((i % 4)) "$i" ;;
		3) printf '{"type":"mutation","source":"pg:main","payload":{"namespace":"pg/main/slot%d","position":%d,"id":"m%d","sha256":"%s"}}\n' $((i % 2)) "$i" "$i" "$H64" ;;
		4) printf '{"type":"x-app","source":"Web-%d?x*","payload":{"i":%d}}\n' $((i % 2)) "$i" ;;
		esac
	done
}

# both CMD ARGS...: run CMD on the SQLite ledger and on the PostgreSQL one; fail unless
# both exit 0 with the same stdout.
both() {
	local a b
	a=$("$@" -L "$L" 2>&1) || fail "sqlite: $* failed: $a"
	b=$("$@" -L "$P" 2>&1) || fail "postgresql: $* failed: $b"
	[[ -n $a ]] || fail "$*: no output"
	assert_equal "$b" "$a"
}

@test "sl-init makes the schema on an empty database, once; sl-log on a database with no ledger is exit 100" {
	run -0 --separate-stderr sl-init -L "$P" --origin pg.example/log
	assert_equal "$(jq -r .origin <<<"$output")" pg.example/log
	run -100 --separate-stderr sl-init -L "$P" --origin pg.example/log
	assert_regex "$stderr" "a ledger exists at 'postgresql://postgres@127.0.0.1:[0-9]+/t1'"
	E=$(pg_new_db empty)
	run -100 --separate-stderr sl-log -L "$E"
	assert_regex "$stderr" "no ledger at 'postgresql://.*/empty' \\(create one with sl-init"
	run -0 --separate-stderr sl-verify -L "$P"
	assert_equal "$output" "{\"verified\":true,\"size\":0,\"root\":\"$EMPTY_ROOT\"}"
}

@test "the same input at the same clock: the same entries, receipts, proofs, roots, snapshots and checkpoints as SQLite" {
	sl-init -L "$L" --origin same.example/log >/dev/null
	sl-init -L "$P" --origin same.example/log >/dev/null
	mixed_input >"$IN"
	# Three batches at three times, so that --since/--until and --at cut between them.
	head -n 20 "$IN" | faketime -f '@2026-01-01 00:00:00 x0' sl-append -L "$L" >"$BATS_TEST_TMPDIR/r1"
	head -n 20 "$IN" | faketime -f '@2026-01-01 00:00:00 x0' sl-append -L "$P" >"$BATS_TEST_TMPDIR/r2"
	sed -n 21,45p "$IN" | faketime -f '@2026-01-02 00:00:00 x0' sl-append -L "$L" >>"$BATS_TEST_TMPDIR/r1"
	sed -n 21,45p "$IN" | faketime -f '@2026-01-02 00:00:00 x0' sl-append -L "$P" >>"$BATS_TEST_TMPDIR/r2"
	sed -n '46,$p' "$IN" | faketime -f '@2026-01-03 00:00:00 x0' sl-append -L "$L" >>"$BATS_TEST_TMPDIR/r1"
	sed -n '46,$p' "$IN" | faketime -f '@2026-01-03 00:00:00 x0' sl-append -L "$P" >>"$BATS_TEST_TMPDIR/r2"
	run -0 cmp "$BATS_TEST_TMPDIR/r1" "$BATS_TEST_TMPDIR/r2"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/r1")" 60
	both sl-log
	both sl-verify
	both sl-prove --head
	both sl-get 0
	both sl-get 59
	both sl-log --type x-app --limit 7
	both sl-log --since 2026-01-02T00:00:00Z --until 2026-01-02T23:59:59Z
	both sl-log --after 30 --limit 5
	local n m
	for n in 0 1 13 31 59; do
		both sl-prove --seq "$n"
		both sl-prove --seq "$n" --size 60
	done
	for m in 1 7 20 45; do
		both sl-prove --from "$m" --to 60
		both sl-prove --head --size "$m"
	done
	both sl-snapshot --at 2026-01-02T12:00:00Z
	both sl-snapshot --at 2026-02-01T00:00:00Z --complete
	both sl-snapshot --at 2026-02-01T00:00:00Z --source 'web-*'
	# Ed25519 signatures are deterministic: the same checkpoint, byte for byte.
	sl-keygen -L "$L" --type ed25519 -o "$BATS_TEST_TMPDIR/ck.key" >"$BATS_TEST_TMPDIR/ck.vkey"
	both env SL_KEY="$BATS_TEST_TMPDIR/ck.key" sl-checkpoint
	both sl-checkpoint --latest
	run -0 --separate-stderr sl-checkpoint verify --key "$(cat "$BATS_TEST_TMPDIR/ck.vkey")" \
		<<<"$(sl-checkpoint -L "$P" --latest)"
	assert_equal "$(jq -r .verified <<<"$output")" true
	both sl-verify --since-checkpoint
}

@test "source globs list exactly what SQLite's GLOB lists" {
	sl-init -L "$L" --origin g.example/log >/dev/null
	sl-init -L "$P" --origin g.example/log >/dev/null
	mixed_input >"$IN"
	faketime -f '@2026-01-01 00:00:00 x0' sl-append -L "$L" <"$IN" >/dev/null
	faketime -f '@2026-01-01 00:00:00 x0' sl-append -L "$P" <"$IN" >/dev/null
	local g
	for g in '*' 'web-*' 'web-?/conf' 'db\[1\]' 'db[[]1]' 'db[]]' '[dw]*' '[^dw]*' 'caf?-1' 'caf\xc3\xa9-[0-2]' \
		'Web-*' 'web-*' 'WEB-*' '*[?]x[*]' '*?x*' '[a-c]*' '[]-]*' 'pg:main' '' '[' '[^' 'web-[0-9]' '*/conf'; do
		g=$(printf "$g")
		run -0 --separate-stderr sl-log -L "$L" --source "$g"
		local want=$output
		run -0 --separate-stderr sl-log -L "$P" --source "$g"
		assert_equal "$output" "$want"
		run -0 --separate-stderr sl-log -L "$P" --source "$g" --type x-app
		want=$(sl-log -L "$L" --source "$g" --type x-app)
		assert_equal "$output" "$want"
	done
	# Some globs list something, some nothing: the comparison is not empty on empty.
	assert_equal "$(sl-log -L "$P" --source 'web-?/conf' | wc -l)" 12
	assert_equal "$(printf 'caf\xc3\xa9-1' | xargs -0 sl-log -L "$P" --source | wc -l)" 3
}

@test "4 concurrent sl-append x 1,500 entries on one PostgreSQL ledger: no gap, no duplicate, no fork, ts in order, verified" {
	sl-init -L "$P" --origin c.example/log >/dev/null
	local w pids=() rc
	for w in 1 2 3 4; do
		gen_entries 1500 "w$w:" >"$BATS_TEST_TMPDIR/in$w"
	done
	for w in 1 2 3 4; do
		sl-append -L "$P" --batch 100 <"$BATS_TEST_TMPDIR/in$w" >"$BATS_TEST_TMPDIR/out$w" 2>"$BATS_TEST_TMPDIR/err$w" 3>&- &
		pids+=($!)
	done
	for w in 1 2 3 4; do
		rc=0
		wait "${pids[w - 1]}" || rc=$?
		assert_equal "writer $w exit $rc: $(cat "$BATS_TEST_TMPDIR/err$w")" "writer $w exit 0: "
	done
	run -0 --separate-stderr sl-log -L "$P"
	assert_equal "$(jq -s -c '[length, (map(.seq) == [range(0; 6000)]), (map(.ts) == (map(.ts) | sort)), (map(.source) | unique | length)]' <<<"$output")" \
		'[6000,true,true,6000]'
	# Every receipt names the entry the log holds at its seq, and the seqs are each given once.
	cat "$BATS_TEST_TMPDIR"/out? >"$BATS_TEST_TMPDIR/all"
	assert_equal "$(jq -s -c '[length, (map(.seq) | unique | length)]' "$BATS_TEST_TMPDIR/all")" '[6000,6000]'
	run -0 --separate-stderr sl-verify -L "$P"
	assert_equal "$(jq -r .size <<<"$output")" 6000
	# The receipts' leaf hashes are the log's (sl-prove --seq gives the stored leaf hash).
	local s
	for s in 0 1777 3000 5999; do
		assert_equal "$(sl-prove -L "$P" --seq $s | jq -r .leaf_hash)" \
			"$(jq -r --argjson s $s 'select(.seq == $s) | .leaf_hash' "$BATS_TEST_TMPDIR/all")"
	done
	# Were the writers interleaved?  Each writer's seqs are not one run (they took turns).
	run -0 jq -s '[.[].seq] | (max - min + 1) > length' "$BATS_TEST_TMPDIR/out1"
}

@test "a batch with a bad line appends nothing (exit 100, naming the line); the ledger is as it was" {
	sl-init -L "$P" --origin b.example/log >/dev/null
	gen_entries 5 a >"$IN"
	sl-append -L "$P" <"$IN" >/dev/null
	local before
	before=$(sl-prove -L "$P" --head; sl-log -L "$P")
	{ gen_entries 3 b; echo '{"type":"x-a","source":"s","payload":{"n":1.5}}'; gen_entries 2 c; } >"$IN"
	run -100 --separate-stderr sl-append -L "$P" <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" "line 4"
	assert_equal "$(sl-prove -L "$P" --head; sl-log -L "$P")" "$before"
	run -0 --separate-stderr sl-verify -L "$P"
	assert_equal "$(jq -r .size <<<"$output")" 5
	# A batch the database refuses at its last statement (the head update, through a
	# constraint added through t/tamper, the backends' test hook), after its entries and nodes
	# were sent: exit 111, and the rollback leaves nothing of it.
	"$SL_SRCDIR/t/tamper" "$P" sql "ALTER TABLE head ADD CONSTRAINT t_small CHECK (size <= 6)" || fail "tamper"
	gen_entries 3 e >"$IN"
	run -111 --separate-stderr sl-append -L "$P" <"$IN"
	assert_equal "$output" ""
	assert_regex "$stderr" "t_small"
	assert_equal "$(sl-prove -L "$P" --head; sl-log -L "$P")" "$before"
	"$SL_SRCDIR/t/tamper" "$P" sql "ALTER TABLE head DROP CONSTRAINT t_small" || fail "tamper"
	# And the next good batch follows on at seq 5.
	gen_entries 2 d >"$IN"
	run -0 --separate-stderr sl-append -L "$P" <"$IN"
	assert_equal "$(jq -s -c 'map(.seq)' <<<"$output")" '[5,6]'
}

@test "the password in a PostgreSQL address is never printed, by any program, in output or errors" {
	local port a
	port=$(cat "$PG_DIR/port")
	a="postgresql://postgres:Hunter2secret@127.0.0.1:$port/t$BATS_TEST_NUMBER?application_name=sl"
	{
		sl-init -L "$a" --origin p.example/log
		gen_entries 3 s | sl-append -L "$a"
		sl-log -L "$a"
		sl-get -L "$a" 1
		sl-get -L "$a" 99
		sl-verify -L "$a"
		sl-prove -L "$a" --seq 1
		sl-prove -L "$a" --seq 99
		sl-snapshot -L "$a" --at now
		sl-init -L "$a"
		SL_LEDGER=$a sl-log --type x
		sl-log -L "postgresql://postgres:Hunter2secret@127.0.0.1:$port/nosuchdb"
		sl-log -L "postgresql://postgres:Hunter2secret@127.0.0.1:1/x"
		echo '{"type":"x-a","source":"s","payload":{"n":1.5}}' | sl-append -L "$a"
		sl-keygen -L "$a"
		sl-checkpoint -L "$a"
	} >"$BATS_TEST_TMPDIR/all" 2>&1 || :
	run -0 cat "$BATS_TEST_TMPDIR/all"
	refute_output --partial Hunter2secret
	assert_output --partial "postgresql://postgres:***@127.0.0.1:$port/nosuchdb"
	assert_output --partial '"seq":2'
	# The ledger worked through that address: 3 entries, verified.
	run -0 --separate-stderr sl-verify -L "$P"
	assert_equal "$(jq -r .size <<<"$output")" 3
}

@test "private keys stay files: a PostgreSQL ledger has no DIR/keys, so sl-keygen and sl-checkpoint take -k, SL_KEY or SL_KEY_DIR" {
	sl-init -L "$P" --origin k.example/log >/dev/null
	gen_entries 4 k | sl-append -L "$P" >/dev/null
	run -2 --separate-stderr sl-checkpoint -L "$P"
	assert_regex "$stderr" "^sl-checkpoint: usage: the ledger 'postgresql://[^']*' keeps no key files: name the key with -k FILE, SL_KEY or SL_KEY_DIR\$"
	run -2 --separate-stderr sl-keygen -L "$P"
	mkdir -m 0700 "$BATS_TEST_TMPDIR/keys"
	run -0 --separate-stderr env SL_KEY_DIR="$BATS_TEST_TMPDIR/keys" sl-keygen -L "$P"
	local vkey=$output
	[[ -f $BATS_TEST_TMPDIR/keys/checkpoint.key ]] || fail "no key file in SL_KEY_DIR"
	run -0 --separate-stderr env SL_KEY_DIR="$BATS_TEST_TMPDIR/keys" sl-checkpoint -L "$P"
	run -0 --separate-stderr sl-checkpoint verify --key "$vkey" <<<"$(sl-checkpoint -L "$P" --latest)"
	assert_equal "$(jq -c '[.verified, .size]' <<<"$output")" '[true,4]'
	run -0 --separate-stderr sl-checkpoint -L "$P" -k "$BATS_TEST_TMPDIR/keys/checkpoint.key" --force
}

@test "artifacts live in the database: put, has, get, verify; a damaged row is found and a put repairs it" {
	sl-init -L "$P" --origin a.example/log >/dev/null
	printf 'hello\n' >"$BATS_TEST_TMPDIR/a"
	: >"$BATS_TEST_TMPDIR/empty"
	local d e
	d=$(sha256sum "$BATS_TEST_TMPDIR/a" | cut -c1-64)
	e=$(sha256sum "$BATS_TEST_TMPDIR/empty" | cut -c1-64)
	run -0 --separate-stderr sl-artifact -L "$P" put "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/empty"
	assert_equal "$output" "$d"$'\n'"$e"
	run -0 --separate-stderr sl-artifact -L "$P" has "$d"
	run -1 --separate-stderr sl-artifact -L "$P" has "$ZERO64"
	run -0 --separate-stderr sl-artifact -L "$P" get "$d"
	assert_equal "$output" hello
	run -0 --separate-stderr sl-artifact -L "$P" verify
	assert_equal "$output" '{"verified":true,"count":2,"bad":0}'
	# Another database of the same server sees nothing of them; the same one from any client does.
	run -0 --separate-stderr sl-artifact -L "$P" get "$e"
	assert_equal "$output" ""
	# A row changed behind the ledger's back (through t/tamper, the backends' test hook) is never served.
	"$SL_SRCDIR/t/tamper" "$P" sql "UPDATE artifacts SET content = 'x' WHERE digest = '\\x$d'" || fail "tamper"
	run -1 --separate-stderr sl-artifact -L "$P" get "$d"
	assert_equal "$output" ""
	assert_regex "$stderr" "does not hold the content its name says"
	run -1 --separate-stderr sl-artifact -L "$P" verify
	assert_equal "$(tail -n 1 <<<"$output")" '{"verified":false,"count":2,"bad":1}'
	run -0 --separate-stderr sl-artifact -L "$P" put "$BATS_TEST_TMPDIR/a"
	run -0 --separate-stderr sl-artifact -L "$P" verify
	# sl-capture-config --store keeps the content there too.
	printf 'listen 80;\n' >"$BATS_TEST_TMPDIR/nginx.conf"
	run -0 --separate-stderr sl-capture-config --store -L "$P" "$BATS_TEST_TMPDIR/nginx.conf"
	run -0 --separate-stderr sl-artifact -L "$P" get "$(sha256sum "$BATS_TEST_TMPDIR/nginx.conf" | cut -c1-64)"
	assert_equal "$output" "listen 80;"
}

@test "two sl-httpd servers and two sl-append processes append to one PostgreSQL ledger at once: no gap, no duplicate, verified" {
	require_cmd curl socat ss
	sl-init -L "$P" --origin h.example/log >/dev/null
	local tok=s3cr3t-Token_1 w i pids=() rc urls=()
	printf '%s  ci\n' "$(printf %s "$tok" | sha256sum | cut -d' ' -f1)" >"$BATS_TEST_TMPDIR/tokens"
	L=$P
	for w in 1 2; do
		httpd_start -T "$BATS_TEST_TMPDIR/tokens" --no-access-log
		urls+=("$URL")
		EXTRA_PIDS="${EXTRA_PIDS-} $HTTPD_PID"
		HTTPD_PID=
	done
	for w in 1 2; do
		gen_entries 400 "a$w:" >"$BATS_TEST_TMPDIR/in$w"
		sl-append -L "$P" --batch 20 <"$BATS_TEST_TMPDIR/in$w" >"$BATS_TEST_TMPDIR/out$w" 2>"$BATS_TEST_TMPDIR/err$w" 3>&- &
		pids+=($!)
	done
	for w in 1 2; do
		(
			for i in $(seq 1 20); do
				gen_entries 10 "h$w.$i:" | curl -sS -f -X POST -H 'Content-Type: application/x-ndjson' \
					-H "Authorization: Bearer $tok" --data-binary @- "${urls[w - 1]}/v1/entries" |
					jq -c '.receipts[]' || exit 1
			done
		) >"$BATS_TEST_TMPDIR/hout$w" 2>"$BATS_TEST_TMPDIR/herr$w" 3>&- &
		pids+=($!)
	done
	for w in 0 1 2 3; do
		rc=0
		wait "${pids[w]}" || rc=$?
		assert_equal "client $w exit $rc" "client $w exit 0"
	done
	run -0 --separate-stderr sl-log -L "$P"
	assert_equal "$(jq -s -c '[length, (map(.seq) == [range(0; 1200)]), (map(.ts) == (map(.ts) | sort)), (map(.source) | unique | length)]' <<<"$output")" \
		'[1200,true,true,1200]'
	cat "$BATS_TEST_TMPDIR"/out? "$BATS_TEST_TMPDIR"/hout? >"$BATS_TEST_TMPDIR/all"
	assert_equal "$(jq -s -c '[length, (map(.seq) | unique | length)]' "$BATS_TEST_TMPDIR/all")" '[1200,1200]'
	run -0 --separate-stderr sl-verify -L "$P"
	assert_equal "$(jq -r .size <<<"$output")" 1200
}
