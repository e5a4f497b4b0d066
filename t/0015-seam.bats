#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The store seam (issue 13): what one backend needs stays inside it.  No
# SQLite name (sqlite3_*, <sqlite3.h>) appears in cmd/ or lib/ outside the
# SQLite backend, no libpq name (PQexec, PGconn, <libpq-fe.h>) outside the
# PostgreSQL one; cmd/ does not even speak of SQLite or its WAL, and lib/
# outside the store names no SQLite detail.  The allow-lists below are the
# whole of what may remain; each entry says why.

bats_require_minimum_version 1.5.0
load test_helper

# The backends' own files.
SQLITE_FILES='^(lib/store-sqlite\.c|lib/sl/store-schema\.h):'
PG_FILES='^(lib/store-pg[a-z-]*\.c|lib/sl/store-pg[a-z-]*\.h):'
# The store's seam and backends (lib/store.c chooses the backend by address).
STORE_FILES='^(lib/store[a-z-]*\.c|lib/sl/store[a-z-]*\.h):'

# hits PATTERN FILES-TO-SKIP DIRS...: the matching lines, as FILE:LINE:TEXT.
# In any case, unless CASE=1.
hits() {
	local pat=$1 skip=$2 i=-i
	shift 2
	[[ ${CASE:-} != 1 ]] || i=
	(cd "$SL_SRCDIR" && grep -rnE $i --include='*.c' --include='*.h' -- "$pat" "$@") |
		grep -vE "$skip" || true
}

# allowed LINES REGEX...: the lines that match none of the regexes.
allowed() {
	local lines=$1 s
	shift
	for s in "$@"; do
		lines=$(grep -vE -- "$s" <<<"$lines" || true)
	done
	printf '%s' "$lines"
}

@test "the checks see the tree: the SQLite backend names sqlite3, the store chooses it" {
	[[ -n $(hits 'sqlite3_' '^$' lib) ]] || fail "no sqlite3_ name found at all: the grep is broken"
	[[ -n $(hits 'sqlite' '^$' lib/store.c) ]] || fail "lib/store.c does not name the SQLite backend"
}

@test "no sqlite3 name in cmd/ or lib/ outside the SQLite backend" {
	assert_equal "$(hits 'sqlite3' "$SQLITE_FILES" cmd lib)" ""
}

@test "no libpq name in cmd/ or lib/ outside the PostgreSQL backend" {
	# (The word "libpq" may name the URI form the store takes; its API may not appear.)
	assert_equal "$(CASE=1 hits '\bPQ[a-z][a-zA-Z]*\b|\bPG(conn|result|notify)\b|libpq-fe\.h' "$PG_FILES" cmd lib)" ""
}

@test "cmd/ never mentions SQLite, its WAL or its connections" {
	assert_equal "$(hits 'sqlite|\bwal\b|wal_|-wal\b|journal_mode|pragma' '^$' cmd)" ""
}

@test "lib/ outside the store names no SQLite detail" {
	local h
	h=$(hits 'sqlite|\bwal\b|wal_|-wal\b|journal_mode|pragma' "$STORE_FILES" lib)
	# Artifacts are files of a directory ledger until they move into the
	# store (issue 13, branch pg): the one check that tells the two apart.
	h=$(allowed "$h" '^lib/artifact\.c:[0-9]+:	if \(ops != &sl_store_sqlite\)$')
	assert_equal "$h" ""
}

@test "the bats tests reach a ledger's database only through the hook t/tamper" {
	local h
	# The sqlite3 shell or Python module, or psql, called by a test itself.
	h=$(cd "$SL_SRCDIR" && grep -nE '(^|[^-_./a-z])(sqlite3|psql)([^-_a-z.]|$)' t/*.bats t/*.bash t/*.py || true)
	h=$(grep -v '^t/0015-seam\.bats:' <<<"$h" || true)
	# t/pg.bash runs the test clusters (psql for their administration: standbys,
	# databases), never a ledger's rows.
	h=$(grep -vE '^t/pg\.bash:[0-9]+:' <<<"$h" || true)
	# The replay tests apply mutations to a database of their own (the kv
	# table the user's command keeps), which is no ledger.
	h=$(grep -vE '^t/4030-sl-replay\.bats:[0-9]+:.*(kv|direct\.db|wrong\.db|replay\.db|"\$db\.db"|fail "sqlite3"|require_cmd sqlite3 perl)' <<<"$h" || true)
	assert_equal "$h" ""
}

@test "t/tamper: a change that does not apply is exit 1, never a silent no-op; bad usage is 2" {
	sl_setup
	init_ledger
	append_n 3 a
	run -1 --separate-stderr "$SL_SRCDIR/t/tamper" "$L" entry-replace 1 'not in it' x
	assert_equal "$stderr" "t/tamper: entry 1 does not hold 'not in it'"
	run -1 --separate-stderr "$SL_SRCDIR/t/tamper" "$L" leaf-set 9 zero
	run -1 --separate-stderr "$SL_SRCDIR/t/tamper" "$L" node-set "$EMPTY_ROOT" zero
	run -1 --separate-stderr "$SL_SRCDIR/t/tamper" "$L" meta-set no-such-key 1
	run -1 --separate-stderr "$SL_SRCDIR/t/tamper" "$L" meta-delete no-such-key
	run -1 --separate-stderr "$SL_SRCDIR/t/tamper" "$L" checkpoint-replace 1 note a b
	run -2 --separate-stderr "$SL_SRCDIR/t/tamper" "$L" head-get leaf
	run -0 "$SL_SRCDIR/t/tamper" "$L" entry-replace 1 '"payload":{' '"payload":{"x":1,'
	run -1 --separate-stderr sl-verify
	run -2 --separate-stderr "$SL_SRCDIR/t/tamper" "$L" entry-set 1 entry x
	run -2 --separate-stderr "$SL_SRCDIR/t/tamper" "$L" frobnicate
	run -2 --separate-stderr "$SL_SRCDIR/t/tamper" "$L" leaf-set 1 "1; DROP TABLE entries"
	run -1 --separate-stderr "$SL_SRCDIR/t/tamper" "$BATS_TEST_TMPDIR/none" entry 0
}

@test "t/tamper: entries-swap swaps (both rows, with their leaves), and dump shows the entries' text" {
	sl_setup
	init_ledger
	append_n 3 a
	local e0 e2 l0 l2
	e0=$("$SL_SRCDIR/t/tamper" "$L" entry-hex 0) e2=$("$SL_SRCDIR/t/tamper" "$L" entry-hex 2)
	l0=$("$SL_SRCDIR/t/tamper" "$L" leaf 0) l2=$("$SL_SRCDIR/t/tamper" "$L" leaf 2)
	[[ $e0 != "$e2" && $l0 != "$l2" ]] || fail "the entries are alike: the test proves nothing"
	run -0 "$SL_SRCDIR/t/tamper" "$L" entries-swap 0 2 leaves
	assert_equal "$("$SL_SRCDIR/t/tamper" "$L" entry-hex 0) $("$SL_SRCDIR/t/tamper" "$L" leaf 0)" "$e2 $l2"
	assert_equal "$("$SL_SRCDIR/t/tamper" "$L" entry-hex 2) $("$SL_SRCDIR/t/tamper" "$L" leaf 2)" "$e0 $l0"
	run -0 "$SL_SRCDIR/t/tamper" "$L" dump
	assert_output --partial '"source":"a1"'
}
