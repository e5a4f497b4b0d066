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
	ledger_setup curl socat jq python3 ss
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

# witness_start X [KEYNAME]: start sl-witness X (state $W/X.d) trusting the
# log's key, cosigning with key KEYNAME (default X), on a port the kernel
# picks; sets URL_X.  Its pid joins EXTRA_PIDS for the teardown.
witness_start() {
	local x=$1 k=${2:-$1}
	mkdir -p "$W/$x.d"
	notify_listen
	NOTIFY_SOCKET="$NOTIFY" sl-witness -d "$W/$x.d" -k "$W/$k.key" --log "$LOGVK" \
		-l 127.0.0.1:0 >"$W/$x.out" 2>"$W/$x.err" 3>&- &
	HTTPD_PID=$!
	httpd_ready
	EXTRA_PIDS="${EXTRA_PIDS-} $HTTPD_PID"
	HTTPD_PID=
	printf -v "URL_$x" '%s' "$URL"
}

# cosigs: the number of signature lines of the latest checkpoint beyond the log's one.
cosigs() {
	sl-checkpoint --latest | grep -c '^— w'
}

# resync SIZE N CONFLICTS: change the ledger's memory of witness a (the size it last saw
# cosigned, kept in the metadata; SIZE forget: the ledger forgets it) through the hook, append
# N entries and have them cosigned: it must take, in all, CONFLICTS 409 answers from the witness.
resync() {
	local key
	key=$(tamper meta-keys 'witness-size ') || fail "unable to read the ledger's metadata"
	[[ -n $key && $key != *$'\n'* ]] || fail "not one witness size kept: '$key'"
	if [[ $1 == forget ]]; then
		tamper meta-delete "$key" || fail "unable to forget the witness's size"
		assert_equal "$(tamper meta-keys 'witness-size ')" ""
	else
		tamper meta-set "$key" "$1" || fail "unable to change the witness's size"
		assert_equal "$(tamper meta-get "$key")" "$1"
	fi
	add "$2"
	run -0 --separate-stderr sl-checkpoint --witness "$WA@$URL_a"
	assert_equal "$(cosigs)" 1
	run -0 grep -c '"status":409' "$W/a.err"
	assert_equal "$output" "$3"
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
	# Kept as the ledger signed it, but not published.
	run -1 --separate-stderr sl-checkpoint --latest
	assert_equal "$output" ""
	run -0 sl-verify --key "$LOGVK"
	assert_equal "$(jq .checkpoints <<<"$output")" 1
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

@test "a witness of tlog-witness before C2SP #280 (409 naming the very size sent: another root there) is a split view: exit 1, not 111" {
	add 2
	# The spec said 409 for another root at the size last cosigned until C2SP/C2SP#280 made it
	# 422.  This witness cosigned another tree of size 2: asked from 0 it says 2 (409, a resync),
	# asked from 2 it says 2 again, the very size sent.  No second resync can mend that.
	cat >"$BATS_TEST_TMPDIR/old409.py" <<'PY'
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        out = b"2\n"
        self.send_response(409); self.send_header('Content-Type', 'text/x.tlog.size')
        self.send_header('Content-Length', str(len(out))); self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a): pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
	python3 "$BATS_TEST_TMPDIR/old409.py" >"$BATS_TEST_TMPDIR/old409.port" &
	EXTRA_PIDS=$!
	wait_for test -s "$BATS_TEST_TMPDIR/old409.port"
	run -1 --separate-stderr sl-checkpoint --witness "$WA@http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/old409.port")"
	assert_equal "$output" ""
	has_err "it holds another tree at size 2 (a split view?)"
}

@test "two real witnesses, quorum 2: the note kept, served and exported with both cosignatures, checked by the auditors" {
	witness_start a
	witness_start b
	add 5
	run -0 --separate-stderr sl-checkpoint --witness "$WA@$URL_a" --witness "$WB@$URL_b" --quorum 2
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/cp"
	# The log's signature, then the two cosignatures, in the order of the witnesses.
	assert_equal "${lines[3]%% *}" "—"
	assert_regex "${lines[4]}" "^— wa\.example "
	assert_regex "${lines[5]}" "^— wb\.example "
	run -0 sl-checkpoint --latest
	assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/cp")"
	run -0 --separate-stderr sl-checkpoint verify --key "$LOGVK" --witness "$WA" --witness "$WB" <"$BATS_TEST_TMPDIR/cp"
	assert_equal "$(jq -c .witnesses <<<"$output")" '{"cosigned":2,"given":2,"quorum":2}'
	# The witnesses' own tool agrees.
	run -0 sl-witness verify -w "$WA" -w "$WB" "$BATS_TEST_TMPDIR/cp"
	# The ledger still verifies: the cosignatures are signature lines by other keys.
	run -0 sl-verify --key "$LOGVK"
	assert_equal "$(jq .checkpoints <<<"$output")" 2
	# Served by sl-httpd and exported by sl-tiles as they are kept.
	httpd_start
	run -0 curl -sS --fail "$URL/checkpoint"
	assert_equal "$output" "$(cat "$BATS_TEST_TMPDIR/cp")"
	run -0 sl-tiles export "$BATS_TEST_TMPDIR/tiles"
	run -0 cmp "$BATS_TEST_TMPDIR/tiles/checkpoint" "$BATS_TEST_TMPDIR/cp"
	# An auditor's bundle rests on the cosigned note.
	sl-snapshot --at now >"$BATS_TEST_TMPDIR/snap" 2>/dev/null || fail "sl-snapshot failed"
	sl-audit --bare <"$BATS_TEST_TMPDIR/snap" >"$BATS_TEST_TMPDIR/bundle" || fail "sl-audit failed"
	run -0 --separate-stderr sl-audit verify --key "$LOGVK" --witness "$WA" --witness "$WB" --quorum 2 <"$BATS_TEST_TMPDIR/bundle"
	assert_equal "$(jq -c '[.verified, .witnesses]' <<<"$output")" '[true,{"cosigned":2,"given":2,"quorum":2}]'
	# A witness that did not cosign is one short of a quorum of 3.
	run -1 --separate-stderr sl-audit verify --key "$LOGVK" --witness "$WA" --witness "$WB" --witness "$WC" <"$BATS_TEST_TMPDIR/bundle"
	assert_equal "$output" '{"verified":false}'
	assert_regex "$stderr" "snapshot\.checkpoint\.note: 2 of 3 witness cosignatures held \(wa\.example\+[0-9a-f]{8}, wb\.example\+[0-9a-f]{8}\), 3 required; not held: wc\.example\+"
	run -0 sl-audit verify --key "$LOGVK" --witness "$WA" --witness "$WB" --witness "$WC" --quorum 2 <"$BATS_TEST_TMPDIR/bundle"
	# Without --witness, as before.
	run -0 sl-audit verify --key "$LOGVK" <"$BATS_TEST_TMPDIR/bundle"
	assert_equal "$(jq -c .witnesses <<<"$output")" null
	# The log grows: each witness is sent a proof from the size it cosigned.
	add 4
	run -0 sl-checkpoint --witness "$WA@$URL_a" --witness "$WB@$URL_b"
	assert_regex "$output" $'^test\\.example/log\n9\n'
	assert_equal "$(cosigs)" 2
	run -0 grep -c '"status":200' "$W/a.err"
	assert_equal "$output" 2
}

@test "a flipped byte in any cosignature: sl-checkpoint verify and sl-audit verify say no" {
	witness_start a
	witness_start b
	add 3
	sl-checkpoint --witness "$WA@$URL_a" --witness "$WB@$URL_b" >"$BATS_TEST_TMPDIR/cp" || fail "witnessing failed"
	sl-snapshot --at now 2>/dev/null | sl-audit --bare >"$BATS_TEST_TMPDIR/bundle" || fail "bundle failed"
	local line n pos
	for line in 6 7; do
		for pos in 20 40 60 80 100; do
			n="$BATS_TEST_TMPDIR/cp.$line.$pos"
			# Flip one base64 character of the cosignature (A<->B keeps it base64).
			awk -v l="$line" -v p="$pos" 'NR == l { c = substr($0, p, 1); r = (c == "A") ? "B" : "A"; $0 = substr($0, 1, p - 1) r substr($0, p + 1) } { print }' \
				"$BATS_TEST_TMPDIR/cp" >"$n"
			run -0 cmp -s "$n" "$BATS_TEST_TMPDIR/cp" && fail "nothing flipped"
			run -1 --separate-stderr sl-checkpoint verify --key "$LOGVK" --witness "$WA" --witness "$WB" <"$n"
			assert_equal "$output" '{"verified":false}'
			# The log's signature alone still holds: it does not cover the cosignatures.
			run -0 sl-checkpoint verify --key "$LOGVK" <"$n"
			# The same note inside a bundle.
			jq -c --rawfile note "$n" '.snapshot.checkpoint.note = $note' "$BATS_TEST_TMPDIR/bundle" >"$n.bundle"
			run -1 --separate-stderr sl-audit verify --key "$LOGVK" --witness "$WA" --witness "$WB" <"$n.bundle"
			assert_equal "$output" '{"verified":false}'
			run -0 sl-audit verify --key "$LOGVK" --witness "$WA" --witness "$WB" --quorum 1 <"$n.bundle"
		done
	done
}

@test "quorum 2 with one witness down: 111, no cosignatures kept; quorum 1: kept with the one" {
	witness_start a
	add 2
	port=$(free_port)
	run -111 --separate-stderr sl-checkpoint --witness "$WA@$URL_a" --witness "$WB@http://127.0.0.1:$port" --witness-timeout 3
	assert_equal "$output" ""
	assert_regex "${stderr_lines[0]}" "^sl-checkpoint: witness 'wb\.example\+[0-9a-f]{8}' at 'http://127\.0\.0\.1:$port': no answer"
	err_line 1 "sl-checkpoint: fatal: unable to have the checkpoint cosigned: 1 of 2 witnesses cosigned, 2 required; the checkpoint is kept without cosignatures"
	assert_equal "$(cosigs)" 0
	run -1 --separate-stderr sh -c 'sl-checkpoint --latest | sl-checkpoint verify --key "$1" --witness "$2" --witness "$3" --quorum 1' sh "$LOGVK" "$WA" "$WB"
	# Witness a holds size 2 now; with quorum 1 the same checkpoint is cosigned again.
	run -0 --separate-stderr sl-checkpoint --witness "$WA@$URL_a" --witness "$WB@http://127.0.0.1:$port" --quorum 1 --witness-timeout 3
	has_err "not signing another, asking the witnesses to cosign it"
	assert_regex "$output" $'\n— wa\\.example '
	assert_equal "$(cosigs)" 1
	run -0 sl-verify --key "$LOGVK"
	# b comes up: only b is asked, a's cosignature already in the note counts.
	run -0 grep -c '"status":200' "$W/a.err"
	local before=$output
	witness_start b
	run -0 --separate-stderr sl-checkpoint --witness "$WA@$URL_a" --witness "$WB@$URL_b"
	assert_equal "$(cosigs)" 2
	assert_equal "$(grep -c '^— wa\.example ' <<<"$output")" 1
	run -0 grep -c '"status":200' "$W/a.err"
	assert_equal "$output" "$before"
	run -0 sh -c 'sl-checkpoint --latest | sl-checkpoint verify --key "$1" --witness "$2" --witness "$3"' sh "$LOGVK" "$WA" "$WB"
}

# published NOTE: NOTE is what /checkpoint and /v1/checkpoint serve, sl-checkpoint latest
# prints, sl-tiles export writes and a snapshot rests on; NOTE "none": 404, exit 1,
# exit 1 and null.  The snapshot is at time $AT (the end of the first entries).
published() {
	local d="$BATS_TEST_TMPDIR/pub" code f want
	local -A none=([http]=404 [v1]=404 [latest]="exit 1" [tiles.out]="exit 1" [snap]=null)
	rm -rf "$d"
	mkdir -p "$d"
	code=$(curl -sS -o "$d/http" -w '%{http_code}' "$HURL/checkpoint") || fail "curl failed"
	[[ $code == 200 ]] || printf '%s\n' "$code" >"$d/http"
	code=$(curl -sS -o "$d/v1" -w '%{http_code}' "$HURL/v1/checkpoint") || fail "curl failed"
	[[ $code == 200 ]] || printf '%s\n' "$code" >"$d/v1"
	sl-checkpoint latest >"$d/latest" 2>/dev/null || echo "exit $?" >"$d/latest"
	sl-tiles export "$d/tiles" >/dev/null 2>&1 || echo "exit $?" >"$d/tiles.out"
	cat "$d/tiles/checkpoint" 2>/dev/null >>"$d/tiles.out" || true
	sl-snapshot --at "$AT" 2>/dev/null | jq -j '.checkpoint.note // "null\n"' >"$d/snap" ||
		fail "sl-snapshot failed"
	for f in http v1 latest tiles.out snap; do
		want=$1
		[[ $want == none ]] && want=${none[$f]}
		[[ $(cat "$d/$f") == "$want" ]] || fail "$f gives:
$(cat "$d/$f")
not:
$want"
	done
}

@test "short of the quorum nothing is published: the previous checkpoint is served until a retry meets it" {
	witness_start a
	witness_start b
	httpd_start
	HURL=$URL
	add 2
	AT=$(sl-get 1 | jq -r .ts) || fail "sl-get failed"
	port=$(free_port)
	run -111 --separate-stderr sl-checkpoint --witness "$WA@$URL_a" --witness "$WB@http://127.0.0.1:$port" --quorum 2 --witness-timeout 3
	# Kept, checked, but not published: there is none to serve.
	run -0 sl-verify --key "$LOGVK"
	assert_equal "$(jq .checkpoints <<<"$output")" 1
	published none
	# Quorum 1: the cosigned note is published.
	run -0 --separate-stderr sl-checkpoint --witness "$WA@$URL_a" --witness "$WB@http://127.0.0.1:$port" --quorum 1 --witness-timeout 3
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/p1"
	assert_equal "$(grep -c '^— ' "$BATS_TEST_TMPDIR/p1")" 2
	published "$(cat "$BATS_TEST_TMPDIR/p1")"
	# The log grows and one witness is down again: the cosigned note stays the published one.
	add 3
	run -111 --separate-stderr sl-checkpoint --witness "$WA@$URL_a" --witness "$WB@http://127.0.0.1:$port" --quorum 2 --witness-timeout 3
	run -0 sl-verify --key "$LOGVK"
	assert_equal "$(jq .checkpoints <<<"$output")" 3
	published "$(cat "$BATS_TEST_TMPDIR/p1")"
	# b answers: the retry meets the quorum and the note with both cosignatures is published.
	run -0 --separate-stderr sl-checkpoint --witness "$WA@$URL_a" --witness "$WB@$URL_b" --quorum 2
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/p2"
	assert_regex "$output" $'^test\\.example/log\n5\n'
	assert_equal "$(grep -c '^— w' "$BATS_TEST_TMPDIR/p2")" 2
	published "$(cat "$BATS_TEST_TMPDIR/p2")"
	run -0 sl-verify --key "$LOGVK"
	assert_equal "$(jq .checkpoints <<<"$output")" 4
	# A checkpoint signed without witnesses is published at once.
	add 1
	run -0 --separate-stderr sl-checkpoint
	published "$output"
}

@test "409: a witness that saw a newer or an older size than the ledger remembers is proved from its own size" {
	witness_start a
	add 3
	run -0 sl-checkpoint --witness "$WA@$URL_a"
	add 2
	run -0 sl-checkpoint --witness "$WA@$URL_a"
	# The ledger forgets what it knew of the witness (as a ledger restored from an older copy
	# would): it asks from 0, is told 5, and proves 5 -> 6.
	resync forget 1 1
	# It believes the witness behind where it is (3; the witness holds 6).
	resync 3 2 2
	# It believes the witness further on than it is (9; the witness holds 8, as a witness
	# restored from an older copy of its state would).
	resync 9 2 3
	run -0 sl-verify --key "$LOGVK"
}

@test "a split view: a copy of the ledger that forks is refused by the witness that cosigned the original" {
	witness_start a
	add 3
	run -0 sl-checkpoint --witness "$WA@$URL_a"
	cp -a "$L" "$BATS_TEST_TMPDIR/fork"
	add 2
	run -0 sl-checkpoint --witness "$WA@$URL_a"
	# The fork, at size 4, behind what the witness cosigned (5): told so, exit 1.
	gen_entries 1 fork | sl-append -L "$BATS_TEST_TMPDIR/fork" >/dev/null
	run -1 --separate-stderr sl-checkpoint -L "$BATS_TEST_TMPDIR/fork" --witness "$WA@$URL_a"
	assert_equal "$output" ""
	has_err "it has cosigned size 5, beyond this checkpoint's 4"
	# The fork at size 6: resynchronised to 5, its proof from 5 does not hold in the witness's tree.
	gen_entries 2 fork2 | sl-append -L "$BATS_TEST_TMPDIR/fork" >/dev/null
	run -1 --separate-stderr sl-checkpoint -L "$BATS_TEST_TMPDIR/fork" --witness "$WA@$URL_a"
	has_err "it refused the consistency proof (422)"
	# The original goes on being cosigned.
	add 1
	run -0 sl-checkpoint --witness "$WA@$URL_a"
}

@test "a witness answering with a cosignature by another key is not counted; refusals are named" {
	# Witness a's URL serves witness c's key: its cosignature is valid, but not by the key given for a.
	witness_start a c
	witness_start b
	add 2
	run -1 --separate-stderr sl-checkpoint --witness "$WA@$URL_a" --witness "$WB@$URL_b" --quorum 2
	assert_equal "$output" ""
	assert_regex "${stderr_lines[0]}" "^sl-checkpoint: witness 'wa\.example\+[0-9a-f]{8}' at '.*': its answer holds no valid cosignature by its key$"
	err_line 1 "sl-checkpoint: fatal: unable to have the checkpoint cosigned: 1 of 2 witnesses cosigned, 2 required; the checkpoint is kept without cosignatures"
	assert_equal "$(cosigs)" 0
	# With quorum 1, b's cosignature alone is kept.
	run -0 sl-checkpoint --witness "$WA@$URL_a" --witness "$WB@$URL_b" --quorum 1
	assert_equal "$(cosigs)" 1
	run -0 --separate-stderr sh -c 'sl-checkpoint --latest | sl-checkpoint verify --key "$1" --witness "$2"' sh "$LOGVK" "$WB"
	# A witness that does not trust this log: 404 or 403, named.
	sl-init -L "$BATS_TEST_TMPDIR/other" --origin other.example/log >/dev/null
	sl-keygen -L "$BATS_TEST_TMPDIR/other" --type ed25519 >/dev/null
	run -1 --separate-stderr sl-checkpoint -L "$BATS_TEST_TMPDIR/other" --witness "$WB@$URL_b"
	has_err "it does not know this log's origin (404)"
	sl-init -L "$BATS_TEST_TMPDIR/same" --origin test.example/log >/dev/null
	sl-keygen -L "$BATS_TEST_TMPDIR/same" --type ed25519 >/dev/null
	run -1 --separate-stderr sl-checkpoint -L "$BATS_TEST_TMPDIR/same" --witness "$WB@$URL_b"
	has_err "it refused the log's signature (403)"
}

@test "a witness that takes the request and never answers is given up after --witness-timeout; the other's cosignature counts" {
	witness_start a
	add 2
	# A socket that is listened on and never accepted: the request goes out, no answer comes.
	python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
print(s.getsockname()[1], flush=True)
time.sleep(120)' >"$BATS_TEST_TMPDIR/mute.port" &
	EXTRA_PIDS="${EXTRA_PIDS-} $!"
	wait_for test -s "$BATS_TEST_TMPDIR/mute.port"
	local start=$SECONDS
	run -0 --separate-stderr sl-checkpoint --witness "$WB@http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/mute.port")" \
		--witness "$WA@$URL_a" --quorum 1 --witness-timeout 2
	(( SECONDS - start < 10 )) || fail "took $((SECONDS - start)) s"
	assert_regex "$output" $'\n— wa\\.example '
	assert_equal "$(cosigs)" 1
	# With both required: 111, in the same bounded time.
	add 1
	start=$SECONDS
	run -111 --separate-stderr sl-checkpoint --witness "$WB@http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/mute.port")" \
		--witness "$WA@$URL_a" --witness-timeout 2
	(( SECONDS - start < 10 )) || fail "took $((SECONDS - start)) s"
	has_err "Timeout was reached"
}
