# SPDX-License-Identifier: MIT
# sl-witness in the bats tests: a log (a ledger signing with an Ed25519
# key), a witness key, add-checkpoint bodies built from sl-checkpoint and
# sl-prove, and a witness run on a port the kernel picks (httpd_helper).
# Load it after test_helper and httpd_helper: it defines setup as
# witness_setup and teardown as httpd_teardown; a file that needs others
# defines its own after loading it.

# witness_setup: the usual test's start: a log at $L (origin test.example/log,
# verifier key in $LOGVK) with checkpoints at sizes 3 and 7 in $T/cp3 and
# $T/cp7, a witness key $WKEY (verifier key $WVK) and its state dir $WSTATE.
witness_setup() {
	sl_setup
	require_cmd curl socat jq ss base64
	witness_log "$L" test.example/log
	LOGVK=$(cat "$L.vkey")
	WKEY="$BATS_TEST_TMPDIR/w1.key"
	WVK=$(sl-keygen --type cosignature --name witness.example/w1 -o "$WKEY")
	WSTATE="$BATS_TEST_TMPDIR/state"
	T="$BATS_TEST_TMPDIR"
	grow "$L" 3 a
	sl-checkpoint >"$T/cp3"
	grow "$L" 4 b
	sl-checkpoint >"$T/cp7"
}

setup() {
	witness_setup
}

teardown() {
	httpd_teardown
}

# The state of the test's log in the witness's directory.
log_state() {
	echo "$WSTATE/$(printf %s test.example/log | sha256sum | cut -c1-64)"
}

# witness_fork B NOTE3: $L made anew, and B its copy at size 3 (same entries,
# same key; the note at size 3 in $T/NOTE3), then each grows its own way:
# $L by 4 (note in $T/A7), B by 4 others (note in $T/B7).
witness_fork() {
	rm -rf "$L" "$L.vkey"
	witness_log "$L" test.example/log
	LOGVK=$(cat "$L.vkey")
	grow "$L" 3 a
	sl-checkpoint >"$T/$2"
	cp -a "$L" "$1"
	grow "$L" 4 b
	sl-checkpoint >"$T/A7"
	grow "$1" 4 c
	sl-checkpoint -L "$1" >"$T/B7"
}

# witness_log DIR ORIGIN: a ledger at DIR with an Ed25519 key; its verifier key in DIR.vkey.
witness_log() {
	sl-init -L "$1" --origin "$2" >/dev/null || fail "sl-init $1 failed"
	sl-keygen -L "$1" --type ed25519 >"$1.vkey" || fail "sl-keygen $1 failed"
}

# grow DIR N TAG: append N entries with sources TAG0..TAG(N-1) to the ledger at DIR.
grow() {
	gen_entries "$2" "$3" | sl-append -L "$1" >/dev/null || fail "sl-append -L $1 failed"
}

# hex2b64 HEX: the base64 of the bytes spelled in hex.
hex2b64() {
	printf '%b' "$(sed 's/../\\x&/g' <<<"$1")" | base64 -w0
	echo
}

# request OLD NOTE [DIR]: an add-checkpoint body on stdout: "old OLD", the
# consistency proof from OLD to the note's size (from the ledger at DIR,
# default $L) in base64 lines, an empty line, the note (a file).
request() {
	local old=$1 note=$2 dir=${3:-$L} size h
	size=$(sed -n 2p "$note")
	echo "old $old"
	if ((old > 0 && old < size)); then
		for h in $(sl-prove -L "$dir" --from "$old" --to "$size" | jq -r '.proof[]'); do
			hex2b64 "$h"
		done
	fi
	echo
	cat "$note"
}

# witness_start [sl-witness options]: sl-witness -d $WSTATE -k $WKEY -l 127.0.0.1:0
# in the background (HTTPD_PID), URL set once it is ready.
witness_start() {
	notify_listen
	NOTIFY_SOCKET="$NOTIFY" sl-witness -d "$WSTATE" -k "$WKEY" -l 127.0.0.1:0 "$@" \
		>"$BATS_TEST_TMPDIR/witness.out" 2>>"$BATS_TEST_TMPDIR/witness.err" 3>&- &
	HTTPD_PID=$!
	httpd_ready
}

# add FILE: POST the body in FILE to /add-checkpoint; the answer in $BODY, status in $CODE.
add() {
	get /add-checkpoint --data-binary "@$1"
}

# submit OLD NOTE [DIR]: the add-checkpoint body (request) in $T/r, POSTed (add).
submit() {
	request "$@" >"$T/r"
	add "$T/r"
}

# cosigned NOTE: the note with the last answer's cosignature line appended, on stdout.
cosigned() {
	cat "$1" "$BODY"
}
