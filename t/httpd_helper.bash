# SPDX-License-Identifier: MIT
# Running sl-httpd in the bats tests: start it on a port the kernel picks,
# learn the port and readiness from its sd_notify message (NOTIFY_SOCKET,
# received by socat), and stop it in teardown.  No sleep decides a result:
# the only waits poll for a condition, with a bound.

# wait_for CMD...: run CMD every 20 ms until it succeeds, at most 10 s.
wait_for() {
	local n
	for ((n = 0; n < 500; n++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.02
	done
	fail "timed out waiting for: $*"
}

# notify_listen: a datagram socket at $NOTIFY whose messages go to $NOTIFY.out.
notify_listen() {
	NOTIFY="${PUBDIR:-$BATS_TEST_TMPDIR}/notify.sock"
	rm -f "$NOTIFY" "$NOTIFY.out"
	socat -u "UNIX-RECV:$NOTIFY" "OPEN:$NOTIFY.out,creat,append" 3>&- &
	SOCAT_PID=$!
	wait_for test -S "$NOTIFY"
	# As systemd's: any user may notify (sl-httpd -u sends it after changing user).
	chmod 777 "$NOTIFY"
}

ready_seen() {
	grep -q '^READY=1$' "$NOTIFY.out"
}

# httpd_start [sl-httpd options]: start sl-httpd -l 127.0.0.1:0 in the
# background with the test's ledger; sets HTTPD_PID, PORT and URL.
httpd_start() {
	notify_listen
	NOTIFY_SOCKET="$NOTIFY" sl-httpd -L "$L" -l 127.0.0.1:0 "$@" \
		>"$BATS_TEST_TMPDIR/httpd.out" 2>"$BATS_TEST_TMPDIR/httpd.err" 3>&- &
	HTTPD_PID=$!
	httpd_ready
}

# httpd_ready: after notify_listen and a server started in the background
# as HTTPD_PID, wait for its READY=1 and set PORT and URL.
httpd_ready() {
	wait_for ready_seen
	PORT=$(sed -n 's/^STATUS=listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$NOTIFY.out")
	[[ -n $PORT ]] || fail "no port in the notify message: $(cat "$NOTIFY.out")"
	URL="http://127.0.0.1:$PORT"
	kill "$SOCAT_PID" 2>/dev/null
	wait "$SOCAT_PID" 2>/dev/null || true
	SOCAT_PID=
}

# httpd_stop: SIGTERM, and the exit status in HTTPD_STATUS.
httpd_stop() {
	[[ -n ${HTTPD_PID-} ]] || return 0
	kill -TERM "$HTTPD_PID" 2>/dev/null || true
	HTTPD_STATUS=0
	wait "$HTTPD_PID" || HTTPD_STATUS=$?
	HTTPD_PID=
}

# Stop whatever a test started (by pid), quietly.
httpd_teardown() {
	local p
	for p in ${SOCAT_PID-} ${HTTPD_PID-} ${EXTRA_PIDS-}; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in ${SOCAT_PID-} ${HTTPD_PID-} ${EXTRA_PIDS-}; do
		wait "$p" 2>/dev/null
	done
	return 0
}

# A port nothing listens on now (for programs that must be given one).
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 30000))
		ss -Htln "sport = :$p" | grep -q . || break
	done
	echo "$p"
}

# get PATH [curl options]: the body on stdout, the status in $CODE (curl's
# own failures fail the test).  Headers go to $HDRS.
get() {
	local path=$1
	shift
	HDRS="$BATS_TEST_TMPDIR/headers"
	BODY="$BATS_TEST_TMPDIR/body"
	CODE=$(curl -sS -o "$BODY" -D "$HDRS" -w '%{http_code}' "$@" "$URL$path") ||
		fail "curl $path failed"
}

# header NAME: the value of header NAME of the last `get`.
header() {
	tr -d '\r' <"$HDRS" | sed -n "s/^$1: //Ip" | tail -1
}

vmrss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB$/\1/p' "/proc/$1/status"
}

# ledger_for_nobody: as root, a copy of $L that user nobody can reach and
# owns, in $PUBDIR/ledger (PUBDIR for the test's teardown to remove); L
# and SL_LEDGER name it.  Skips unless root with a user nobody.
ledger_for_nobody() {
	[[ $(id -u) == 0 ]] || skip "needs root to change user"
	id nobody >/dev/null 2>&1 || skip "no user 'nobody'"
	# The bats directories are root's only: the ledger goes where nobody can reach it.
	PUBDIR=$(mktemp -d /tmp/sl-httpd-user.XXXXXX)
	chmod 755 "$PUBDIR"
	cp -a "$L" "$PUBDIR/ledger"
	chown -R nobody "$PUBDIR/ledger"
	L="$PUBDIR/ledger"
	export SL_LEDGER=$L
}
