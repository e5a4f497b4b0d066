#!/bin/sh
# SPDX-License-Identifier: MIT
# A throwaway PostgreSQL cluster for the tests and benchmarks
# (doc/design.md, "PostgreSQL sequencing"; /usr/lib/postgresql/15/bin).
#
#   t/pg-cluster.sh start DIR [DB]   initdb in DIR, start on a free port with its
#                                    socket in DIR, create database DB (default
#                                    "sl"), print its URI on stdout
#   t/pg-cluster.sh stop DIR         stop the server and remove DIR
#   t/pg-cluster.sh createdb DIR DB  another database in the cluster; prints its URI
#   t/pg-cluster.sh psql DIR DB ...  psql on database DB with the rest as arguments
#
# Replicas (doc/design.md, "Replicas and failover"):
#   t/pg-cluster.sh standby PRIMARY DIR [sync|async] [DB]
#                                    pg_basebackup of the cluster in PRIMARY into
#                                    DIR, started as a hot standby (application_name
#                                    s1) on a free port; with sync, the primary's
#                                    synchronous standby (ANY 1 (s1)), waited for
#                                    until it streams in quorum; prints the URI of
#                                    DB (default "sl") on the standby
#   t/pg-cluster.sh catchup PRIMARY DIR  wait until the standby in DIR has replayed
#                                    all the primary has written
#   t/pg-cluster.sh promote DIR      the standby in DIR becomes a primary (its
#                                    synchronous_standby_names cleared first)
#   t/pg-cluster.sh kill DIR         kill -9 the postmaster in DIR and its children
#   t/pg-cluster.sh pause DIR        pg_wal_replay_pause() on the standby in DIR,
#                                    waited for until replay has stopped
#   t/pg-cluster.sh resume DIR       pg_wal_replay_resume()
#   t/pg-cluster.sh stall DIR        SIGSTOP the WAL sender of the primary in DIR to
#                                    its standby s1 (a network stall: the standby
#                                    receives nothing), unstall: SIGCONT
#
# initdb refuses root, so the server runs as the user postgres when run as
# root; trust on loopback and on the private socket only.  Exits non-zero,
# with the server's log on stderr, when the cluster cannot start: a test
# that needs it then fails, never skips.
set -eu

bindir=${SL_PG_BINDIR:-}
if [ -z "$bindir" ]; then
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && bindir=$d
	done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
	echo "pg-cluster: fatal: no PostgreSQL server programs (install postgresql-15: make deps)" >&2
	exit 111
fi

as_owner() {
	if [ "$(id -u)" = 0 ]; then
		(cd / && runuser -u postgres -- "$@")
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

uri() { # DIR DB
	printf 'postgresql://postgres@127.0.0.1:%s/%s\n' "$(cat "$1/port")" "$2"
}

psql_in() { # DIR DB args...
	_pd=$1 _pdb=$2
	shift 2
	"$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(cat "$_pd/port")" -U postgres -d "$_pdb" "$@"
}

# own_dir DIR: make DIR (0700, the server's user's); its absolute path on stdout.
own_dir() {
	mkdir -p "$1"
	(cd "$1" && pwd)
	[ "$(id -u)" != 0 ] || chown postgres "$1"
	chmod 0700 "$1"
}

# start_server DIR WHAT OPTIONS: start the cluster in DIR/data on a free port
# (in DIR/port) with its socket in DIR and OPTIONS; three tries on ports
# taken meanwhile, then exit 111 with its log, naming WHAT.
start_server() {
	_ss_tries=0
	while :; do
		_ss_port=$(free_port)
		echo "$_ss_port" >"$1/port"
		if as_owner "$bindir/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 \
			-o "-p $_ss_port -k $1 -c listen_addresses=127.0.0.1 $3" start >/dev/null 2>&1; then
			return 0
		fi
		_ss_tries=$((_ss_tries + 1))
		if [ $_ss_tries -ge 3 ]; then
			echo "pg-cluster: fatal: unable to start $2 in '$1':" >&2
			cat "$1/server.log" >&2 || :
			exit 111
		fi
	done
}

# wait_until DIR SQL WANT WHAT: poll SQL (one value) on the cluster in DIR
# every 0.1 s until it answers WANT; after 60 s exit 111, saying WHAT is not
# so (and showing DIR's server log).
wait_until() {
	_wu_i=0
	until [ "$(psql_in "$1" postgres -At -c "$2")" = "$3" ]; do
		_wu_i=$((_wu_i + 1))
		if [ $_wu_i -ge 600 ]; then
			echo "pg-cluster: fatal: $4 after 60 s" >&2
			cat "$1/server.log" >&2 || :
			exit 111
		fi
		sleep 0.1
	done
}

# The replica verbs (standby, catchup, promote, kill, pause, resume).
replica() {
	_verb=$1
	shift
	case $_verb in
	standby)
		_prim=$1 _sd=$2 _mode=${3:-async} _db=${4:-sl}
		[ -f "$_prim/port" ] || { echo "pg-cluster: fatal: no cluster in '$_prim'" >&2; exit 111; }
		_sd=$(own_dir "$_sd")
		_pport=$(cat "$_prim/port")
		as_owner "$bindir/pg_basebackup" -h 127.0.0.1 -p "$_pport" -U postgres -D "$_sd/data" \
			-R -X stream -c fast >"$_sd/basebackup.log" 2>&1 ||
			{ cat "$_sd/basebackup.log" >&2; exit 111; }
		# Read last: the standby names itself s1 and, once promoted with no
		# standby of its own, must not wait for one (the copy of the
		# primary's synchronous_standby_names would block every commit).
		printf "primary_conninfo = 'host=127.0.0.1 port=%s user=postgres application_name=s1'\nsynchronous_standby_names = ''\n" \
			"$_pport" | as_owner tee -a "$_sd/data/postgresql.auto.conf" >/dev/null
		start_server "$_sd" "the standby" "-c hot_standby=on"
		if [ "$_mode" = sync ]; then
			psql_in "$_prim" postgres -c "ALTER SYSTEM SET synchronous_standby_names = 'ANY 1 (s1)'" \
				-c "SELECT pg_reload_conf()" >/dev/null
		fi
		# Streaming (and in quorum when synchronous), or fail after 60 s.
		_want="streaming async"
		[ "$_mode" = sync ] && _want="streaming quorum"
		wait_until "$_prim" "SELECT state || ' ' || sync_state FROM pg_stat_replication WHERE application_name = 's1'" \
			"$_want" "the standby in '$_sd' is not '$_want' (the primary's log follows)"
		uri "$_sd" "$_db"
		;;
	catchup)
		_prim=$1 _sd=$2
		_lsn=$(psql_in "$_prim" postgres -At -c "SELECT pg_current_wal_lsn()")
		wait_until "$_sd" "SELECT pg_last_wal_replay_lsn() >= '$_lsn'::pg_lsn" t \
			"the standby in '$_sd' has not replayed $_lsn"
		;;
	promote)
		_sd=$1
		printf "synchronous_standby_names = ''\n" |
			as_owner tee -a "$_sd/data/postgresql.auto.conf" >/dev/null
		as_owner "$bindir/pg_ctl" -D "$_sd/data" -w -t 60 promote >/dev/null ||
			{ cat "$_sd/server.log" >&2; exit 111; }
		wait_until "$_sd" "SELECT pg_is_in_recovery()" f "'$_sd' still in recovery"
		;;
	kill)
		_sd=$1
		_pm=$(head -n 1 "$_sd/data/postmaster.pid")
		# Its children first named (once it is gone they are init's), then all at once.
		_kids=$(ps -o pid= --ppid "$_pm" || :)
		# shellcheck disable=SC2086
		kill -9 "$_pm" $_kids 2>/dev/null || :
		_i=0
		while kill -0 "$_pm" 2>/dev/null; do
			_i=$((_i + 1))
			[ $_i -lt 100 ] || { echo "pg-cluster: fatal: postmaster $_pm lives on" >&2; exit 111; }
			sleep 0.1
		done
		;;
	pause)
		_sd=$1
		psql_in "$_sd" postgres -c "SELECT pg_wal_replay_pause()" >/dev/null
		wait_until "$_sd" "SELECT pg_get_wal_replay_pause_state()" paused "replay in '$_sd' not paused"
		;;
	resume)
		psql_in "$1" postgres -c "SELECT pg_wal_replay_resume()" >/dev/null
		;;
	stall)
		# The sender, not the receiver: what a stopped receiver's socket
		# already holds would still reach it.
		_pid=$(psql_in "$1" postgres -At -c "SELECT pid FROM pg_stat_replication WHERE application_name = 's1'")
		[ -n "$_pid" ] || { echo "pg-cluster: fatal: no WAL sender to s1 in '$1'" >&2; exit 111; }
		echo "$_pid" >"$1/walsender.pid"
		kill -STOP "$_pid"
		;;
	unstall)
		if [ -f "$1/walsender.pid" ]; then
			kill -CONT "$(cat "$1/walsender.pid")" 2>/dev/null || :
			rm -f "$1/walsender.pid"
		fi
		;;
	esac
}

cmd=${1:-}
dir=${2:-}
[ -n "$dir" ] || { echo "pg-cluster: usage: pg-cluster.sh start|stop|createdb|psql|standby|catchup|promote|kill|pause|resume|stall|unstall DIR ..." >&2; exit 2; }

case $cmd in
start)
	db=${3:-sl}
	dir=$(own_dir "$dir")
	as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 111; }
	start_server "$dir" PostgreSQL "-c fsync=on"
	psql_in "$dir" postgres -c "CREATE DATABASE $db" >&2
	uri "$dir" "$db"
	;;
createdb)
	psql_in "$dir" postgres -c "CREATE DATABASE $3" >&2
	uri "$dir" "$3"
	;;
psql)
	db=$3
	shift 3
	psql_in "$dir" "$db" "$@"
	;;
stop)
	if [ -f "$dir/walsender.pid" ]; then kill -CONT "$(cat "$dir/walsender.pid")" 2>/dev/null || :; fi
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || :
	fi
	rm -rf "$dir"
	;;
standby|catchup|promote|kill|pause|resume|stall|unstall)
	replica "$@"
	;;
*)
	echo "pg-cluster: usage: pg-cluster.sh start|stop|createdb|psql|standby|catchup|promote|kill|pause|resume|stall|unstall DIR ..." >&2
	exit 2
	;;
esac
