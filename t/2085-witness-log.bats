#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Issue 16, the log's side and the auditors' side of witnessing:
# sl-checkpoint --witness KEY@URL --quorum K against real sl-witness
# servers (C2SP tlog-witness), the cosigned note kept, served and
# exported, sl-checkpoint verify and sl-audit verify requiring a quorum,
# resynchronisation on 409, witnesses down, refusing or answering with
# the wrong key.

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

setup() {
	sl_setup
	require_cmd curl socat jq python3 ss
	init_ledger
	LOGVK=$(sl-keygen --type ed25519) || fail "sl-keygen failed"
	W="$BATS_TEST_TMPDIR/w"
	mkdir -p "$W"
	for w in a b c; do
		sl-keygen --type cosignature --name "w$w.example" -o "$W/$w.key" >"$W/$w.vkey" ||
			fail "sl-keygen --type cosignature failed"
	done
	WA=$(cat "$W/a.vkey") WB=$(cat "$W/b.vkey") WC=$(cat "$W/c.vkey")
}

teardown() {
	httpd_teardown
}

# has_err TEXT: standard error holds TEXT (a fixed string).
has_err() {
	[[ $stderr == *"$1"* ]] || fail "standard error lacks: $1
it is: $stderr"
}

# err_line N TEXT: line N (0-based) of standard error is TEXT.
err_line() {
	assert_equal "${stderr_lines[$1]}" "$2"
}

# add N: append N entries.
add() {
	gen_entries "$1" "s$RANDOM-" | sl-append >/dev/null || fail "append failed"
}

@test "usage: --quorum over the witnesses, without one, a log key as a witness, no URL, a witness twice" {
	add 1
	run -2 --separate-stderr sl-checkpoint --witness "$WA@http://127.0.0.1:1" --quorum 2
	assert_equal "$output" ""
	has_err "--quorum wants a whole number from 1 to 1, not '2'"
	run -2 --separate-stderr sl-checkpoint --quorum 1
	assert_equal "$stderr" "sl-checkpoint: usage: --quorum: no --witness given"
	run -2 --separate-stderr sl-checkpoint --witness "$LOGVK@http://127.0.0.1:1"
	has_err "not a witness key: a cosignature key (type 0x04"
	run -2 --separate-stderr sl-checkpoint --witness "$WA"
	has_err "no URL: write the witness as KEY@URL"
	run -2 --separate-stderr sl-checkpoint --witness "$WA@ftp://x"
	has_err "is not http:// or https://"
	run -2 --separate-stderr sl-checkpoint --witness "$WA@http://x" --witness "$WA@http://y"
	has_err "given twice"
	run -2 --separate-stderr sl-checkpoint --witness-timeout 5
	run -2 --separate-stderr sl-checkpoint --latest --witness "$WA@http://x"
	# verify takes keys, not URLs.
	run -2 --separate-stderr sl-checkpoint verify --key "$LOGVK" --witness "$WA@http://x" </dev/null
	has_err "a URL is not taken here"
	run -2 --separate-stderr sl-audit verify --key "$LOGVK" --witness "$WA" --quorum 0 </dev/null
	run -2 --separate-stderr sl-audit --witness "$WA" </dev/null
	# Nothing was signed by any of them.
	run -1 --separate-stderr sl-checkpoint --latest
}

@test "a witness that is down: exit 111 naming it, the checkpoint kept without cosignatures, a retry asks again" {
	add 3
	port=$(free_port)
	run -111 --separate-stderr sl-checkpoint --witness "$WA@http://127.0.0.1:$port" --witness-timeout 2
	assert_equal "$output" ""
	assert_regex "${stderr_lines[0]}" "^sl-checkpoint: witness 'wa\.example\+[0-9a-f]{8}' at 'http://127\.0\.0\.1:$port': no answer from 'http://127\.0\.0\.1:$port/add-checkpoint': "
	err_line 1 "sl-checkpoint: fatal: unable to have the checkpoint cosigned: 0 of 1 witness cosigned, 1 required; the checkpoint is kept without cosignatures"
	# Kept as the ledger signed it: the log's signature only.
	run -0 --separate-stderr sl-checkpoint --latest
	assert_equal "$(grep -c '^— ' <<<"$output")" 1
	run -0 sl-verify --key "$LOGVK"
	# Again: nothing new is signed, the witness is asked again.
	run -111 --separate-stderr sl-checkpoint --witness "$WA@http://127.0.0.1:$port" --witness-timeout 2
	has_err "not signing another, asking the witnesses to cosign it"
	run -0 sl-verify
	assert_equal "$(jq .checkpoints <<<"$output")" 1
}

@test "a server that answers 200 with no cosignature, or garbage, is no witness: exit 1" {
	add 2
	cat >"$BATS_TEST_TMPDIR/liar.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        out = b"hello\n" if sys.argv[2] == "garbage" else b""
        self.send_response(200); self.send_header('Content-Length', str(len(out))); self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
	python3 "$BATS_TEST_TMPDIR/liar.py" x garbage >"$BATS_TEST_TMPDIR/liar.port" &
	EXTRA_PIDS=$!
	wait_for test -s "$BATS_TEST_TMPDIR/liar.port"
	run -1 --separate-stderr sl-checkpoint --witness "$WA@http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/liar.port")"
	assert_equal "$output" ""
	has_err "its answer holds no valid cosignature by its key"
}
