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

# pg_standby_file [sync]: a hot standby of the file's cluster, in
# $PG_STANDBY_DIR, its URI of database sl in $PG_STANDBY_URI; with sync, the
# primary's synchronous standby.  Fails (never skips) when it cannot start.
pg_standby_file() {
	PG_STANDBY_DIR=$(mktemp -d /tmp/sl-pgs-XXXXXX)
	export PG_STANDBY_DIR
	PG_STANDBY_URI=$(sh "$SL_SRCDIR/t/pg-cluster.sh" standby "$PG_DIR" "$PG_STANDBY_DIR" "${1:-async}" sl) || {
		echo "pg.bash: unable to start a standby in $PG_STANDBY_DIR" >&2
		sh "$SL_SRCDIR/t/pg-cluster.sh" stop "$PG_STANDBY_DIR"
		return 1
	}
	export PG_STANDBY_URI
}

pg_standby_stop_file() {
	[[ -n ${PG_STANDBY_DIR:-} ]] && sh "$SL_SRCDIR/t/pg-cluster.sh" stop "$PG_STANDBY_DIR"
}

# pg_standby_uri DB: the standby's URI of database DB.
pg_standby_uri() {
	printf 'postgresql://postgres@127.0.0.1:%s/%s\n' "$(cat "$PG_STANDBY_DIR/port")" "$1"
}

# pg_replica VERB DIR...: t/pg-cluster.sh's catchup, promote, kill, pause, resume.
pg_replica() {
	sh "$SL_SRCDIR/t/pg-cluster.sh" "$@"
}
