# SPDX-License-Identifier: MIT
# sl-witness in the bats tests: a log (a ledger signing with an Ed25519
# key), a witness key, add-checkpoint bodies built from sl-checkpoint and
# sl-prove, and a witness run on a port the kernel picks (httpd_helper).

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

# cosigned NOTE: the note with the last answer's cosignature line appended, on stdout.
cosigned() {
	cat "$1" "$BODY"
}
