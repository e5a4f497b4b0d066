#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Read replicas and failover (doc/design.md, "Replicas and failover"), on
# real PostgreSQL clusters started for this file (t/pg-cluster.sh): sl-httpd
# on a hot standby serves every read as the primary does and answers writes
# 503 naming the read-only store; a paused standby never serves beyond what
# it has replayed; with a synchronous standby, kill -9 of the primary during
# concurrent POSTs and a promotion lose no receipt that was answered 200.

bats_require_minimum_version 1.5.0
load test_helper
load pg
load httpd_helper

setup_file() {
	pg_file_setup async
}

teardown_file() {
	pg_file_teardown
}

setup() {
	sl_setup
	require_cmd jq curl socat ss python3
	TOK=r3plica-Token_1
	printf '%s  ci\n' "$(printf %s "$TOK" | sha256sum | cut -d' ' -f1)" >"$BATS_TEST_TMPDIR/tokens"
	F_DIRS=()
}

teardown() {
	httpd_teardown
	local d
	for d in ${F_DIRS[@]+"${F_DIRS[@]}"}; do
		sh "$SL_SRCDIR/t/pg-cluster.sh" stop "$d"
	done
}

# serve ADDRESS VAR [OPTIONS]: sl-httpd with the write token on ADDRESS; its URL in VAR.
serve() {
	local keep=${HTTPD_PID-}
	L=$1 httpd_start -T "$BATS_TEST_TMPDIR/tokens" --no-access-log "${@:3}"
	printf -v "$2" %s "$URL"
	EXTRA_PIDS="${EXTRA_PIDS-} $HTTPD_PID"
	HTTPD_PID=$keep
}

# at URL PATH: GET; body in $BODY, status in $CODE.
at() {
	URL=$1 get "$2"
}

# post URL BODY-FILE: POST entries with the token; body in $BODY, status in $CODE.
post() {
	BODY="$BATS_TEST_TMPDIR/body"
	CODE=$(curl -sS -o "$BODY" -w '%{http_code}' -X POST -H 'Content-Type: application/x-ndjson' \
		-H "Authorization: Bearer $TOK" --data-binary @"$2" "$1/v1/entries") || fail "curl POST $1 failed"
}

# same PATH: the standby's answer ($US) is the primary's ($UP), 200 both
# (bodies compared by digest: tiles are bytes).
same() {
	local a
	at "$UP" "$1"
	assert_equal "primary $1: $CODE" "primary $1: 200"
	a=$(sha256sum <"$BODY")
	at "$US" "$1"
	assert_equal "standby $1: $CODE" "standby $1: 200"
	assert_equal "standby $1: $(sha256sum <"$BODY")" "standby $1: $a"
}

@test "sl-httpd on a hot standby serves every read as the primary does; writes are 503 store_read_only; /ready says writes false before any" {
	P=$(pg_new_db "t$BATS_TEST_NUMBER")
	S=$(pg_standby_uri "t$BATS_TEST_NUMBER")
	sl-init -L "$P" --origin replica.example/log >/dev/null
	gen_entries 300 "s:" | faketime -f '@2026-03-01 00:00:00 x0' sl-append -L "$P" --batch 50 >/dev/null
	sl-keygen -L "$P" --type ed25519 -o "$BATS_TEST_TMPDIR/ck.key" >"$BATS_TEST_TMPDIR/ck.vkey"
	SL_KEY="$BATS_TEST_TMPDIR/ck.key" sl-checkpoint -L "$P" >/dev/null
	pg_replica catchup "$PG_DIR" "$PG_STANDBY_DIR"
	serve "$P" UP
	serve "$S" US
	# Asked up front: no write was tried yet.
	at "$US" /ready
	assert_equal "$CODE" 200
	assert_equal "$(cat "$BODY")" '{"ready":true,"size":300,"writes":false,"reason":"store_replica"}'
	at "$UP" /ready
	assert_equal "$(cat "$BODY")" '{"ready":true,"size":300,"writes":true}'
	at "$US" /metrics
	run -0 grep -Fx 'stateledger_writable{reason="store_replica"} 0' "$BODY"
	local p
	for p in /v1/head /v1/entries?limit=1000 /v1/entries/7 '/v1/proof/inclusion?seq=7&size=300' \
		'/v1/proof/inclusion?seq=299' '/v1/proof/consistency?from=10&to=300' /v1/checkpoint /checkpoint \
		/tile/0/000 /tile/0/001.p/44 /tile/1/000.p/1 /tile/entries/000 /tile/entries/001.p/44 \
		'/v1/snapshot?at=2026-03-02' '/v1/diff?from=2026-02-01&to=2026-03-02' '/v1/sources?at=2026-03-02' /v1/verify; do
		same "$p"
	done
	# A write: 503, naming the read-only store; nothing appended anywhere.
	gen_entries 2 "w:" >"$IN"
	post "$US" "$IN"
	assert_equal "$CODE" 503
	assert_equal "$(jq -r .error.code "$BODY")" store_read_only
	assert_regex "$(jq -r .error.message "$BODY")" "^the ledger's store is read-only: a replica \\(standby\\)"
	at "$US" /ready
	assert_equal "$(cat "$BODY")" '{"ready":true,"size":300,"writes":false,"reason":"store_replica"}'
	run -111 --separate-stderr sl-append -L "$S" <"$IN"
	assert_regex "$stderr" "^sl-append: fatal: .*read-only"
	run -0 --separate-stderr sl-verify -L "$S"
	assert_equal "$(jq -r .size <<<"$output")" 300
	at "$UP" /v1/head
	assert_equal "$(jq -r .size "$BODY")" 300
}

@test "a paused standby never serves beyond what it replayed: head, proofs, entries, checkpoints stay at its size; after resume it catches up" {
	P=$(pg_new_db "t$BATS_TEST_NUMBER")
	S=$(pg_standby_uri "t$BATS_TEST_NUMBER")
	sl-init -L "$P" --origin paused.example/log >/dev/null
	gen_entries 100 "a:" | sl-append -L "$P" >/dev/null
	sl-keygen -L "$P" --type ed25519 -o "$BATS_TEST_TMPDIR/ck.key" >"$BATS_TEST_TMPDIR/ck.vkey"
	SL_KEY="$BATS_TEST_TMPDIR/ck.key" sl-checkpoint -L "$P" >/dev/null
	pg_replica catchup "$PG_DIR" "$PG_STANDBY_DIR"
	serve "$P" UP
	serve "$S" US
	local p old=()
	local paths=(/v1/head /v1/checkpoint /checkpoint /v1/verify /tile/entries/000.p/100 '/v1/entries?limit=1000')
	for p in "${paths[@]}"; do
		same "$p"
		old+=("$(sha256sum <"$BODY")")
	done
	pg_replica pause "$PG_STANDBY_DIR"
	# The primary goes on: 50 more entries and a checkpoint at 150.
	gen_entries 50 "b:" | sl-append -L "$P" >/dev/null
	SL_KEY="$BATS_TEST_TMPDIR/ck.key" sl-checkpoint -L "$P" >/dev/null
	run -0 --separate-stderr sl-verify -L "$P"
	assert_equal "$(jq -c '[.size, .checkpoints]' <<<"$output")" '[150,2]'
	# The standby: every answer as before the pause.
	local i
	for i in "${!paths[@]}"; do
		at "$US" "${paths[i]}"
		assert_equal "standby ${paths[i]}: $CODE" "standby ${paths[i]}: 200"
		assert_equal "standby ${paths[i]}: $(sha256sum <"$BODY")" "standby ${paths[i]}: ${old[i]}"
	done
	# Nothing about sizes or seqs it has not replayed: refused, never a proof.
	for p in '/v1/proof/inclusion?seq=120' '/v1/proof/inclusion?seq=120&size=150' \
		'/v1/proof/inclusion?seq=5&size=150' '/v1/proof/consistency?from=100&to=150' \
		'/v1/proof/consistency?from=10&to=101' /v1/entries/100 /v1/entries/120 /tile/entries/000.p/150; do
		at "$US" "$p"
		[[ $CODE == 400 || $CODE == 404 ]] || fail "standby $p: $CODE $(cat "$BODY")"
		run -1 grep -q '"root"\|"hashes"\|"proof"' "$BODY"
	done
	at "$US" /ready
	assert_equal "$(jq -c '[.size, .writes]' "$BODY")" '[100,false]'
	pg_replica resume "$PG_STANDBY_DIR"
	pg_replica catchup "$PG_DIR" "$PG_STANDBY_DIR"
	for p in "${paths[@]}" '/v1/proof/inclusion?seq=120&size=150' '/v1/proof/consistency?from=100&to=150'; do
		same "$p"
	done
	at "$US" /v1/head
	assert_equal "$(jq -r .size "$BODY")" 150
}

# acked_check ADDRESS FILE...: every receipt in FILEs is in the ledger at
# ADDRESS with the same seq and leaf hash; prints how many were checked.
acked_check() {
	local addr=$1
	shift
	sl-log -L "$addr" >"$BATS_TEST_TMPDIR/log" || fail "sl-log -L $addr failed"
	python3 - "$BATS_TEST_TMPDIR/log" "$@" <<'EOF'
import hashlib, json, sys
leaf = {}
for line in open(sys.argv[1], 'rb'):
    line = line.rstrip(b'\n')
    leaf[json.loads(line)['seq']] = hashlib.sha256(b'\0' + line).hexdigest()
n = 0
bad = []
for f in sys.argv[2:]:
    for line in open(f):
        r = json.loads(line)
        n += 1
        if leaf.get(r['seq']) != r['leaf_hash']:
            bad.append(r)
if bad:
    print('%d of %d acknowledged receipts missing or different, first %s' % (len(bad), n, bad[0]))
    sys.exit(1)
print(n)
EOF
}

@test "failover: kill -9 of the primary during concurrent POSTs, its synchronous standby promoted; every receipt answered 200 is there, verified, and appends go on, through servers that were not restarted" {
	local FP FS PU SU w pids=() n0 n1
	FP=$(mktemp -d /tmp/sl-pgf-XXXXXX)
	FS=$(mktemp -d /tmp/sl-pgfs-XXXXXX)
	F_DIRS=("$FS" "$FP")
	PU=$(sh "$SL_SRCDIR/t/pg-cluster.sh" start "$FP" sl) || fail "unable to start the primary"
	SU=$(sh "$SL_SRCDIR/t/pg-cluster.sh" standby "$FP" "$FS" "${SL_TEST_STANDBY_MODE:-sync}" sl) ||
		fail "unable to start the standby"
	sl-init -L "$PU" --origin failover.example/log >/dev/null
	gen_entries 10 "seed:" | sl-append -L "$PU" >/dev/null
	serve "$PU" UP
	serve "$SU" US
	# A third server on both addresses, which takes the one that takes writes;
	# one thread, so one connection, which must be made again after the failover.
	local multi="postgresql://postgres@127.0.0.1:$(cat "$FP/port"),127.0.0.1:$(cat "$FS/port")/sl?target_session_attrs=read-write"
	serve "$multi" UM -m epoll
	at "$UM" /ready
	assert_equal "$(jq -c '[.ready, .writes]' "$BODY")" '[true,true]'
	# Four clients POST 1-3 entries a request until told to stop; what was
	# answered 200 goes to ack$w, what was not is counted in fail$w.
	for w in 1 2 3 4; do
		(
			i=0
			while [[ ! -e $BATS_TEST_TMPDIR/stop ]]; do
				i=$((i + 1))
				gen_entries $((1 + i % 3)) "c$w.$i:" >"$BATS_TEST_TMPDIR/req$w"
				c=$(curl -s -o "$BATS_TEST_TMPDIR/resp$w" -w '%{http_code}' --max-time 20 -X POST \
					-H 'Content-Type: application/x-ndjson' -H "Authorization: Bearer $TOK" \
					--data-binary @"$BATS_TEST_TMPDIR/req$w" "$UP/v1/entries") || c=000
				if [[ $c == 200 ]]; then
					jq -c '.receipts[]' "$BATS_TEST_TMPDIR/resp$w" >>"$BATS_TEST_TMPDIR/ack$w"
				else
					echo "$c" >>"$BATS_TEST_TMPDIR/fail$w"
					sleep 0.05
				fi
			done
		) 3>&- &
		pids+=($!)
	done
	EXTRA_PIDS="${EXTRA_PIDS-} ${pids[*]}"
	# Mid-way: once 100 receipts were answered, the link to the standby
	# stalls (its WAL sender stopped: a synchronous commit then waits, an
	# asynchronous one is answered), and a second later the primary dies.
	# SL_TEST_STANDBY_MODE=async runs this with an asynchronous standby, which
	# must fail: receipts answered during the stall are lost.
	wait_acked() {
		local n
		n=$(cat "$BATS_TEST_TMPDIR"/ack? 2>/dev/null | wc -l)
		((n >= $1))
	}
	wait_for wait_acked 100
	sh "$SL_SRCDIR/t/pg-cluster.sh" stall "$FP"
	sleep 1
	n0=$(cat "$BATS_TEST_TMPDIR"/ack? | wc -l)
	sh "$SL_SRCDIR/t/pg-cluster.sh" kill "$FP"
	# The old primary's server cannot serve at all: not ready; nor, until a
	# promotion, the one on both addresses (the standby takes no writes).
	at "$UP" /ready
	assert_equal "$CODE" 503
	assert_equal "$(jq -r .ready "$BODY")" false
	at "$UM" /ready
	assert_equal "$CODE" 503
	touch "$BATS_TEST_TMPDIR/stop"
	for w in "${pids[@]}"; do
		wait "$w" || fail "client $w failed"
	done
	n1=$(cat "$BATS_TEST_TMPDIR"/ack? | wc -l)
	cat "$BATS_TEST_TMPDIR"/fail? >"$BATS_TEST_TMPDIR/fails" 2>/dev/null || :
	[[ -s $BATS_TEST_TMPDIR/fails ]] || fail "no POST failed: the primary was not killed mid-way"
	# Promote the standby (its synchronous_standby_names cleared first).
	sh "$SL_SRCDIR/t/pg-cluster.sh" promote "$FS"
	run -0 acked_check "$SU" "$BATS_TEST_TMPDIR"/ack?
	assert_equal "$output" "$n1"
	((n1 >= 100)) || fail "only $n1 receipts"
	run -0 --separate-stderr sl-verify -L "$SU"
	# No restart: the server that read the standby now takes writes (it sees
	# the promotion), and the one on both addresses connects again, to the
	# new primary.
	at "$US" /ready
	assert_equal "$(jq -c '[.ready, .writes]' "$BODY")" '[true,true]'
	gen_entries 3 "after:" >"$IN"
	post "$US" "$IN"
	assert_equal "$CODE" 200
	jq -c '.receipts[]' "$BODY" >"$BATS_TEST_TMPDIR/acks"
	at "$UM" /ready
	assert_equal "$(jq -c '[.ready, .writes]' "$BODY")" '[true,true]'
	gen_entries 3 "multi:" >"$IN"
	post "$UM" "$IN"
	assert_equal "$CODE" 200
	jq -c '.receipts[]' "$BODY" >"$BATS_TEST_TMPDIR/ackm"
	run -0 acked_check "$SU" "$BATS_TEST_TMPDIR/acks" "$BATS_TEST_TMPDIR/ackm"
	assert_equal "$output" 6
	run -0 --separate-stderr sl-verify -L "$SU"
	assert_equal "$(jq -r .size <<<"$output")" "$(sl-log -L "$SU" | wc -l)"
	echo "# $n0 answered before the kill, $n1 in all, $(wc -l <"$BATS_TEST_TMPDIR/fails") refused" >&3
}
