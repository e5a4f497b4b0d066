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

cmd=${1:-}
dir=${2:-}
[ -n "$dir" ] || { echo "pg-cluster: usage: pg-cluster.sh start|stop|createdb|psql DIR ..." >&2; exit 2; }

case $cmd in
start)
	db=${3:-sl}
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ "$(id -u)" = 0 ] && chown postgres "$dir"
	chmod 0700 "$dir"
	as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 111; }
	tries=0
	while :; do
		port=$(free_port)
		echo "$port" >"$dir/port"
		if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on" start >/dev/null 2>&1; then
			break
		fi
		tries=$((tries + 1))
		if [ $tries -ge 3 ]; then
			echo "pg-cluster: fatal: unable to start PostgreSQL in '$dir':" >&2
			cat "$dir/server.log" >&2 || :
			exit 111
		fi
	done
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
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || :
	fi
	rm -rf "$dir"
	;;
*)
	echo "pg-cluster: usage: pg-cluster.sh start|stop|createdb|psql DIR ..." >&2
	exit 2
	;;
esac
