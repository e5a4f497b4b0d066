# SPDX-License-Identifier: MIT
# A PostgreSQL cluster for one bats file (t/pg-cluster.sh): load it after
# test_helper.  It defines setup_file and teardown_file as pg_file_setup and
# pg_file_teardown; a file that needs more defines its own, calling them.
# pg_new_db NAME makes a database and prints its URI.
# A cluster that cannot start fails the file's tests: never a skip.

# pg_up DIR WHAT VERB ARGS...: t/pg-cluster.sh VERB ARGS, printing its URI;
# when it fails, DIR is stopped and removed, and WHAT named.
pg_up() {
	local dir=$1 what=$2
	shift 2
	sh "$SL_SRCDIR/t/pg-cluster.sh" "$@" && return
	echo "pg.bash: unable to start $what in $dir" >&2
	sh "$SL_SRCDIR/t/pg-cluster.sh" stop "$dir"
	return 1
}

pg_start_file() {
	PG_DIR=$(mktemp -d /tmp/sl-pg-XXXXXX)
	export PG_DIR
	PG_URI=$(pg_up "$PG_DIR" PostgreSQL start "$PG_DIR" sl) || return
	export PG_URI
}

pg_stop_file() {
	[[ -n ${PG_DIR:-} ]] && sh "$SL_SRCDIR/t/pg-cluster.sh" stop "$PG_DIR"
}

# pg_file_setup [sync|async]: the file's cluster (pg_start_file) and, with
# a mode, its hot standby (pg_standby_file MODE).
pg_file_setup() {
	pg_start_file || return
	[[ -z ${1:-} ]] || pg_standby_file "$1"
}

# pg_file_teardown: the standby, if any, and the cluster stopped.
pg_file_teardown() {
	pg_standby_stop_file
	pg_stop_file
}

setup_file() {
	pg_file_setup
}

teardown_file() {
	pg_file_teardown
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
	PG_STANDBY_URI=$(pg_up "$PG_STANDBY_DIR" "a standby" standby "$PG_DIR" "$PG_STANDBY_DIR" "${1:-async}" sl) || return
	export PG_STANDBY_URI
}

pg_standby_stop_file() {
	[[ -z ${PG_STANDBY_DIR:-} ]] || sh "$SL_SRCDIR/t/pg-cluster.sh" stop "$PG_STANDBY_DIR"
}

# pg_standby_uri DB: the standby's URI of database DB.
pg_standby_uri() {
	printf 'postgresql://postgres@127.0.0.1:%s/%s\n' "$(cat "$PG_STANDBY_DIR/port")" "$1"
}

# pg_replica VERB DIR...: t/pg-cluster.sh's catchup, promote, kill, pause, resume.
pg_replica() {
	sh "$SL_SRCDIR/t/pg-cluster.sh" "$@"
}
