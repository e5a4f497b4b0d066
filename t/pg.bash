# SPDX-License-Identifier: MIT
# A PostgreSQL cluster for one bats file (t/pg-cluster.sh): load it after
# test_helper and call pg_start_file from setup_file, pg_stop_file from
# teardown_file.  pg_new_db NAME makes a database and prints its URI.
# A cluster that cannot start fails the file's tests: never a skip.

pg_start_file() {
	PG_DIR=$(mktemp -d /tmp/sl-pg-XXXXXX)
	export PG_DIR
	PG_URI=$(sh "$SL_SRCDIR/t/pg-cluster.sh" start "$PG_DIR" sl) || {
		echo "pg.bash: unable to start PostgreSQL in $PG_DIR" >&2
		sh "$SL_SRCDIR/t/pg-cluster.sh" stop "$PG_DIR"
		return 1
	}
	export PG_URI
}

pg_stop_file() {
	[[ -n ${PG_DIR:-} ]] && sh "$SL_SRCDIR/t/pg-cluster.sh" stop "$PG_DIR"
}

# pg_new_db NAME: a new, empty database; its URI on stdout.
pg_new_db() {
	sh "$SL_SRCDIR/t/pg-cluster.sh" createdb "$PG_DIR" "$1"
}

# pg_psql DB ARGS...: psql on database DB of the cluster.
pg_psql() {
	local db=$1
	shift
	sh "$SL_SRCDIR/t/pg-cluster.sh" psql "$PG_DIR" "$db" "$@"
}
