#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# A hostile reviewer's findings on the PostgreSQL store and sl-copy, each
# on both backends (a directory and a database of a server started for
# this file, t/pg.bash): a copy must never call "the same" a destination
# that sl-verify would call damaged.

bats_require_minimum_version 1.5.0
load test_helper
load pg

setup_file() {
	need_bench_gen && pg_file_setup
}

setup() {
	sl_setup
	require_cmd jq
	S=$BATS_TEST_TMPDIR/src
	run -0 sl-init -L "$S" --origin test.example/hostile
	local i
	for i in $(seq 0 29); do
		printf '{"type":"mutation","source":"db:%d","payload":{"namespace":"kafka/c/t/%d","position":%d,"id":"m%d","sha256":"%064d"}}\n' \
			$((i % 3)) $((i % 2)) "$i" "$i" "$i"
		printf '{"type":"x-a","source":"s%d","payload":{"i":%d}}\n' $((i % 5)) "$i"
	done >"$BATS_TEST_TMPDIR/in"
	sl-append -L "$S" <"$BATS_TEST_TMPDIR/in" >/dev/null || fail "append"
	printf 'listen 8080;\n' >"$BATS_TEST_TMPDIR/conf"
	ART=$(sl-artifact put -L "$S" "$BATS_TEST_TMPDIR/conf" | head -1) || fail "artifact"
	run -0 sl-keygen -L "$S" --type ed25519
	run -0 sl-checkpoint -L "$S"
}

# dst_pair N: a directory copy and a database copy of $S, in D and P.
dst_pair() {
	D=$BATS_TEST_TMPDIR/d$1
	P=$(pg_new_db "h${BATS_TEST_NUMBER}_$1") || fail "createdb"
	run -0 sl-copy -q "$S" "$D"
	run -0 sl-copy -q "$S" "$P"
}

@test "sl-copy refuses a destination whose derived rows were edited (stream and mutation index, head ts, checkpoint size, extra node): exit 1 on both backends" {
	local n=0 op a
	while IFS= read -r op; do
		n=$((n + 1))
		dst_pair "$n"
		for a in "$D" "$P"; do
			eval "\"\$SL_SRCDIR/t/tamper\" \"\$a\" $op" >/dev/null || fail "tamper $op"
			run -1 sl-verify -q -L "$a"
			run -1 --separate-stderr sl-copy "$S" "$a"
			[[ $(jq -r .copied <<<"$output") == false ]] || fail "sl-copy accepted '$a' after: $op"
		done
	done <<'OPS'
entry-set 5 stream "stream + 1"
entry-set 7 nth "nth + 1"
stream-set s1 count "count + 1"
stream-delete s1
mutation-set 2 head 0
mutation-delete 2
head-set ts 2099-01-01T00:00:00.000000Z
node-add-extra
checkpoint-set 1 size 5
OPS
}

@test "sl-copy refuses a destination whose stored artifact was altered: exit 1 on both backends" {
	local f
	dst_pair 1
	f=$(find "$D/artifacts" -type f -name "$ART")
	[[ -n $f ]] || fail "no artifact file"
	chmod u+w "$f"
	printf 'evil\n' >"$f"
	"$SL_SRCDIR/t/tamper" "$P" sql "UPDATE artifacts SET content = '\\x6576696c0a'::bytea" || fail "tamper"
	run -1 --separate-stderr sl-copy "$S" "$D"
	assert_regex "$stderr" "$ART"
	run -1 --separate-stderr sl-copy "$S" "$P"
	assert_regex "$stderr" "$ART"
}

@test "a libpq keyword/value connection string is refused (exit 2), not made a directory named by its password" {
	local port kv
	port=${PG_URI#*@127.0.0.1:}
	port=${port%%/*}
	kv="host=127.0.0.1 port=$port user=postgres password=S3cr3tPW dbname=sl"
	cd "$BATS_TEST_TMPDIR"
	run -2 --separate-stderr sl-init -L "$kv"
	assert_equal "$output" ""
	assert_regex "$stderr" "postgresql://"
	refute_regex "$stderr" "S3cr3tPW"
	[[ ! -e $kv ]] || fail "sl-init made a directory named '$kv'"
	run -2 --separate-stderr env SL_LEDGER="$kv" sl-log
	refute_regex "$stderr" "S3cr3tPW"
	run -2 --separate-stderr sl-copy "$S" "$kv"
	refute_regex "$stderr" "S3cr3tPW"
	[[ ! -e $kv ]] || fail "sl-copy made a directory named '$kv'"
}

@test "a password parameter holding ';' or '?' is hidden whole: libpq ends its value only at '&'" {
	local base=${PG_URI%/*} a
	# libpq reaches the server (no database nodb: 100), or refuses a second '=' (2).
	for a in "100 $base/nodb?password=abc;S3cr3tTail" "100 $base/nodb?password=abc?S3cr3tTail" \
		"100 $base/nodb?pass%77ord=a;S3cr3tTail" \
		"2 $base/nodb?password=abc;x=S3cr3tTail&sslmode=disable"; do
		run "-${a%% *}" --separate-stderr sl-log -L "${a#* }"
		assert_regex "$stderr" "nodb"
		refute_regex "$stderr" "S3cr3tTail"
	done
}

@test "a mutation whose namespace is longer than a PostgreSQL index row is appended and copied as on SQLite" {
	local d=$BATS_TEST_TMPDIR/long p p2 ns
	# 6000 bytes of hex: valid, and no compression brings it under an index row's limit.
	ns=kafka/$(head -c 3000 /dev/urandom | od -An -tx1 | tr -d ' \n')/t/0
	printf '{"type":"mutation","source":"db","payload":{"namespace":"%s","position":7,"id":"m1","sha256":"%064d"}}\n' \
		"$ns" 1 >"$BATS_TEST_TMPDIR/long.ndjson"
	p=$(pg_new_db "l$BATS_TEST_NUMBER") || fail "createdb"
	run -0 sl-init -L "$d" --origin test.example/long
	run -0 sl-init -L "$p" --origin test.example/long
	run -0 --separate-stderr sl-append -L "$d" <"$BATS_TEST_TMPDIR/long.ndjson"
	run -0 --separate-stderr sl-append -L "$p" <"$BATS_TEST_TMPDIR/long.ndjson"
	run -0 sl-verify -q -L "$p"
	assert_equal "$(sl-snapshot -L "$p" --at now | jq -c '[.mutations[] | [(.namespace | length), .seq, .position]]')" \
		"[[${#ns},0,7]]"
	p2=$(pg_new_db "m$BATS_TEST_NUMBER") || fail "createdb"
	run -0 --separate-stderr sl-copy "$d" "$p2"
	run -0 sl-verify -q -L "$p2"
}

@test "another writer appends to the destination during a copy: exit 1 naming the writer and the seq, and the next run names the seq" {
	local big=$BATS_TEST_TMPDIR/big p pid rc n=0
	run -0 sl-init -L "$big" --origin test.example/big
	"$SL_SRCDIR/build/bench/gen" 20000 2>/dev/null | sl-append -L "$big" >/dev/null || fail "append"
	p=$(pg_new_db "r$BATS_TEST_NUMBER") || fail "createdb"
	sl-copy -q --batch 20 "$big" "$p" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	until [[ $(sl-prove head -L "$p" 2>/dev/null | jq -r '.size // 0') -gt 0 ]]; do
		((n++ < 300)) || fail "the copy never began"
		sleep 0.05
	done
	printf '{"type":"x-a","source":"intruder","payload":{}}\n' | sl-append -L "$p" >/dev/null || fail "intruder"
	rc=0
	wait "$pid" || rc=$?
	# The copy compares again after the move, finds the intruder's entry, and says so at once.
	assert_equal "$rc" 1
	assert_regex "$(cat "$BATS_TEST_TMPDIR/err")" "another writer appended .*no longer agrees .*seq [0-9]+: the destination's entry differs"
	run -1 --separate-stderr sl-copy "$big" "$p"
	assert_equal "$(jq -r .copied <<<"$output")" false
	assert_regex "$stderr" "seq [0-9]+: the destination's entry differs"
}

@test "a password of '*' and a message holding '*': the error is printed, not an endless masking loop" {
	local hostport=${PG_URI#postgresql://postgres@}
	hostport=${hostport%%/*}
	run -100 --separate-stderr timeout 20 sl-log -L "postgresql://postgres:*@$hostport/no*db"
	assert_regex "$stderr" 'database "no\*\*\*db" does not exist'
	run -100 --separate-stderr timeout 20 sl-log -L "postgresql://postgres:***@$hostport/no***db"
	assert_regex "$stderr" 'does not exist'
}

@test "sl-copy into PostgreSQL killed with kill -9 again and again: the last run's result is the uninterrupted copy's" {
	local big=$BATS_TEST_TMPDIR/big p whole k pid n rc
	run -0 sl-init -L "$big" --origin test.example/big
	"$SL_SRCDIR/build/bench/gen" 20000 2>/dev/null | sl-append -L "$big" >/dev/null || fail "append"
	run -0 sl-keygen -L "$big" --type ed25519
	run -0 sl-checkpoint -L "$big"
	"$SL_SRCDIR/build/bench/gen" 3000 2>/dev/null | sl-append -L "$big" >/dev/null || fail "append"
	run -0 sl-checkpoint -L "$big"
	p=$(pg_new_db "k$BATS_TEST_NUMBER") || fail "createdb"
	whole=$(pg_new_db "w$BATS_TEST_NUMBER") || fail "createdb"
	run -0 sl-copy -q "$big" "$whole"
	# Each run resumes the one killed before it, and is killed in turn.
	# Each is killed as soon as it has committed a batch past the size before it, so that
	# the kills land mid-copy however fast the machine (a fixed 0.4 s let CI copy it all).
	local before=0 waited size
	for k in 1 2 3 4 5 6 7 8; do
		sl-copy -q --batch 100 "$big" "$p" >/dev/null 2>"$BATS_TEST_TMPDIR/err" &
		pid=$!
		waited=0
		while kill -0 "$pid" 2>/dev/null; do
			size=$(sl-prove head -L "$p" 2>/dev/null | jq -r '.size // 0')
			((${size:-0} > before)) && break
			((waited++ < 1000)) || break
			sleep 0.01
		done
		before=${size:-0}
		kill -9 "$pid" 2>/dev/null || :
		rc=0
		wait "$pid" || rc=$?
		# Killed (137), finished (0), or a killed copy's transaction still committing (111): never 1.
		[[ $rc == 137 || $rc == 0 || $rc == 111 ]] || fail "status $rc: $(cat "$BATS_TEST_TMPDIR/err")"
	done
	n=$(sl-prove head -L "$p" | jq -r .size)
	((n < 23000)) || fail "the kills never landed mid-copy (size $n)"
	echo "# size after the kills: $n of 23000" >&3
	run --separate-stderr sl-copy "$big" "$p"
	((status == 111)) && run --separate-stderr sl-copy "$big" "$p"
	assert_equal "$status" 0
	assert_equal "$(jq -r .root <<<"$output")" "$(sl-prove head -L "$big" | jq -r .root)"
	assert_equal "$(sl-log -L "$p" | sha256sum)" "$(sl-log -L "$whole" | sha256sum)"
	assert_equal "$(sl-checkpoint latest -L "$p")" "$(sl-checkpoint latest -L "$whole")"
	run -0 sl-verify -q -L "$p"
}

@test "sl-verify finds each tamper on PostgreSQL that it finds on SQLite, naming the same seq" {
	local n=0 op a out
	local -a got
	while IFS= read -r op; do
		n=$((n + 1))
		dst_pair "$n"
		got=()
		for a in "$D" "$P"; do
			eval "\"\$SL_SRCDIR/t/tamper\" \"\$a\" $op" >/dev/null || fail "tamper $op"
			run -1 --separate-stderr sl-verify -L "$a"
			out=$(jq -c '.seq // .checkpoint // "none"' <<<"$output")
			got+=("$out")
		done
		[[ ${got[0]} == "${got[1]}" ]] || fail "$op: directory says ${got[0]}, PostgreSQL ${got[1]}"
	done <<'OPS'
entry-set 5 ts 2000-01-01T00:00:00.000000Z
entry-set 5 source zzz
entry-set 5 type x-b
entry-set 11 prev 6
entry-replace 5 '"i":2' '"i":3'
entry-set-hex 9 7b22
leaf-set 5 zero
node-set last zero
node-set last short
node-add-extra
head-set size 59
head-set root zero
entries-delete 59
entries-delete 10 20
entries-swap 1 3 leaves
checkpoint-set 1 note x
stream-set s1 last "last - 10"
mutation-set 2 count "count + 1"
mutation-copy 0 1
OPS
}

# PostgreSQL only: a directory being made by one sl-init is still seen
# half-made by a concurrent open ("not a StateLedger database", 100), a
# limit of the SQLite backend's sl-init that this branch does not change.
@test "several sl-copy at once into one new PostgreSQL destination: none says 100 ('a ledger exists'); each finishes or says 111" {
	local p a i
	local -a pids
	p=$(pg_new_db "n$BATS_TEST_NUMBER") || fail "createdb"
	for a in "$p"; do
		pids=()
		for i in 1 2 3 4; do
			sl-copy -q "$S" "$a" 2>"$BATS_TEST_TMPDIR/err.$i" &
			pids+=($!)
		done
		for i in 1 2 3 4; do
			rc=0
			wait "${pids[$((i - 1))]}" || rc=$?
			[[ $rc == 0 || $rc == 111 ]] || fail "$a: status $rc: $(cat "$BATS_TEST_TMPDIR/err.$i")"
		done
		run -0 sl-copy -q "$S" "$a"
		assert_equal "$(sl-log -L "$a" | sha256sum)" "$(sl-log -L "$S" | sha256sum)"
	done
}

@test "a database with legacy settings (standard_conforming_strings off, client_encoding SQL_ASCII): the same ledger as a directory's" {
	local p db=e$BATS_TEST_NUMBER d=$BATS_TEST_TMPDIR/enc
	p=$(pg_new_db "$db") || fail "createdb"
	pg_psql "$db" -c "ALTER DATABASE $db SET standard_conforming_strings = off" \
		-c "ALTER DATABASE $db SET client_encoding = 'SQL_ASCII'" >/dev/null || fail "alter"
	printf '%s\n' '{"type":"x-a","source":"caf\u00e9 \\ 100%","payload":{"s":"\u20ac \\x00"}}' \
		'{"type":"x-a","source":"cafe\u0301","payload":{}}' >"$BATS_TEST_TMPDIR/enc.ndjson"
	run -0 sl-init -L "$d" --origin test.example/enc
	run -0 sl-init -L "$p" --origin test.example/enc
	sl-append -L "$d" <"$BATS_TEST_TMPDIR/enc.ndjson" >/dev/null || fail "append"
	run -0 --separate-stderr sl-append -L "$p" <"$BATS_TEST_TMPDIR/enc.ndjson"
	run -0 sl-verify -q -L "$p"
	assert_equal "$(sl-log -L "$p" | jq -c 'del(.ts)')" "$(sl-log -L "$d" | jq -c 'del(.ts)')"
	assert_equal "$(sl-log -L "$p" --source 'caf?*' | jq -c .seq)" "$(sl-log -L "$d" --source 'caf?*' | jq -c .seq)"
	assert_equal "$(sl-prove head -L "$p" | jq -r .root)" "$(sl-copy -q "$p" "$BATS_TEST_TMPDIR/back" && sl-prove head -L "$BATS_TEST_TMPDIR/back" | jq -r .root)"
}

# The file's server, stopped as by a crash (pg_ctl stop -m immediate) and started again.
pg_crash_restart() {
	local bindir d
	for d in /usr/lib/postgresql/*/bin; do [[ -x $d/pg_ctl ]] && bindir=$d; done
	local -a as=()
	[[ $(id -u) == 0 ]] && as=(runuser -u postgres --)
	(cd / && "${as[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" stop -m immediate) >/dev/null || return 1
	(cd / && "${as[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
		-o "-p $(cat "$PG_DIR/port") -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=on" start) >/dev/null
}

@test "a database whose synchronous_commit is off: what sl-append acknowledged survives a crash of the server" {
	local p db=s$BATS_TEST_NUMBER
	p=$(pg_new_db "$db") || fail "createdb"
	pg_psql "$db" -c "ALTER DATABASE $db SET synchronous_commit = off" >/dev/null || fail "alter"
	# The WAL writer would otherwise flush the commit within 200 ms of its own accord.
	pg_psql "$db" -c "ALTER SYSTEM SET wal_writer_delay = '10s'" -c "SELECT pg_reload_conf()" >/dev/null || fail "alter"
	run -0 sl-init -L "$p"
	run -0 --separate-stderr sl-append -L "$p" <<<'{"type":"x-a","source":"acknowledged","payload":{}}'
	assert_equal "$(jq -r .seq <<<"$output")" 0
	pg_crash_restart || fail "restart"
	pg_psql "$db" -c "ALTER SYSTEM RESET wal_writer_delay" -c "SELECT pg_reload_conf()" >/dev/null
	run -0 --separate-stderr sl-get -L "$p" 0
	assert_regex "$output" '"source":"acknowledged"'
}

@test "a data exception from the server (SQLSTATE 22003: a checkpoint id at the top of bigint) is permanent: exit 100, not 111" {
	local P
	P=$(pg_new_db "h${BATS_TEST_NUMBER}") || fail "createdb"
	run -0 sl-init -L "$P" --origin test.example/hostile
	run -0 sl-append -L "$P" <"$BATS_TEST_TMPDIR/in"
	run -0 sl-keygen -L "$P" -k "$BATS_TEST_TMPDIR/k" --type ed25519
	run -0 sl-checkpoint -L "$P" -k "$BATS_TEST_TMPDIR/k"
	# The next checkpoint's id is max(id) + 1: bigint out of range, on every retry alike.
	"$SL_SRCDIR/t/tamper" "$P" sql "UPDATE checkpoints SET id = 9223372036854775807" || fail "tamper"
	printf '{"type":"x-a","source":"s9","payload":{"i":99}}\n' | sl-append -L "$P" >/dev/null || fail "append"
	run -100 --separate-stderr sl-checkpoint -L "$P" -k "$BATS_TEST_TMPDIR/k"
	[[ $stderr == *"out of range"* ]] || fail "stderr: $stderr"
}

@test "sl-copy out of a PostgreSQL ledger reads its artifacts through the ledger's connection, not a connection each" {
	local P i before after
	P=$(pg_new_db "h${BATS_TEST_NUMBER}") || fail "createdb"
	run -0 sl-init -L "$P" --origin test.example/hostile
	for i in 1 2 3 4 5 6 7 8; do
		printf 'artifact %d\n' "$i" >"$BATS_TEST_TMPDIR/a$i"
		run -0 sl-artifact put -L "$P" "$BATS_TEST_TMPDIR/a$i"
	done
	# Sessions are counted as they end: each t/tamper call is one, sl-copy's are the rest.
	sessions() { "$SL_SRCDIR/t/tamper" "$P" sql "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"; }
	before=$(sessions) || fail "sessions"
	run -0 sl-copy -q "$P" "$BATS_TEST_TMPDIR/copy"
	sleep 1
	after=$(sessions) || fail "sessions"
	run -0 sl-artifact verify -L "$BATS_TEST_TMPDIR/copy"
	((after - before <= 3)) || fail "sl-copy of 8 artifacts took $((after - before - 1)) connections"
}
