#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-witness (C2SP tlog-witness): a chain of checkpoints cosigned step by
# step, each refusal of the spec (400, 403, 404, 409 with the size, 422),
# state kept across a restart, a split view refused, the monitoring
# checkpoint, and the three ways to run.

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper
load witness_helper

@test "a chain of checkpoints cosigned step by step; each cosignature verifies, and is kept" {
	witness_start --log "$LOGVK"
	request 0 "$T/cp3" >"$T/r3"
	add "$T/r3"
	assert_equal "$CODE" 200
	assert_equal "$(header Content-Type)" "text/plain; charset=utf-8"
	assert_equal "$(wc -l <"$BODY")" 1
	# "— NAME " then base64 of 76 bytes: key id, time, Ed25519 signature.
	assert_equal "$(cut -d' ' -f2 "$BODY")" witness.example/w1
	assert_equal "$(cut -d' ' -f3 "$BODY" | base64 -d | wc -c)" 76
	assert_equal "$(cut -d' ' -f3 "$BODY" | base64 -d | head -c 4 | od -An -tx1 | tr -d ' ')" \
		"$(cut -d+ -f2 <<<"$WVK")"
	[[ $(head -c 4 "$BODY") == $'\xe2\x80\x94 ' ]]
	cosigned "$T/cp3" >"$T/cp3.w"
	run -0 --separate-stderr sl-witness verify -w "$WVK" "$T/cp3.w"
	assert_equal "$(jq -c '[.witness, .verified]' <<<"$output")" '["witness.example/w1",true]'
	# The time is now, in seconds.
	local t
	t=$(jq .time <<<"$output")
	(( t > $(date +%s) - 60 && t <= $(date +%s) ))
	# The next one, from size 3 with a consistency proof.
	request 3 "$T/cp7" >"$T/r7"
	[[ $(wc -l <"$T/r7") -gt 7 ]]
	add "$T/r7"
	assert_equal "$CODE" 200
	cosigned "$T/cp7" >"$T/cp7.w"
	run -0 sl-witness verify -w "$WVK" "$T/cp7.w"
	# The cosignature of one checkpoint does not hold on the other.
	{ cat "$T/cp7"; tail -1 "$T/cp3.w"; } >"$T/mixed"
	run -1 --separate-stderr sl-witness verify -w "$WVK" "$T/mixed"
	assert_regex "$(jq -r .reason <<<"$output")" "^the cosignature by 'witness.example/w1' \(id [0-9a-f]{8}, time [0-9]+\) does not verify$"
	assert_equal "$stderr" "sl-witness: fatal: unable to verify the note: 0 of 1 cosignatures hold"
	# Monitors read the latest cosigned checkpoint by the hash of its origin.
	get "/$(printf %s test.example/log | sha256sum | cut -c1-64)/checkpoint"
	assert_equal "$CODE" 200
	cmp "$BODY" "$T/cp7.w"
	get "/$(printf %s other.example | sha256sum | cut -c1-64)/checkpoint"
	assert_equal "$CODE" 404
	# Evidence: both checkpoints, appended; the files are the witness's alone.
	local s
	s=$(log_state)
	assert_equal "$(grep -c '^size ' "$s/cosigned")" 2
	assert_equal "$(sed -n 1p "$s/cosigned")" "size 3"
	assert_equal "$(stat -c %a "$s/checkpoint" "$s/cosigned" "$s" | tr '\n' ' ')" "600 600 700 "
	cmp "$s/checkpoint" "$T/cp7.w"
}

@test "409 with the size it knows when the old size is not the last cosigned size, as text/x.tlog.size" {
	witness_start --log "$LOGVK"
	# Nothing seen yet: the size it knows is 0.
	submit 3 "$T/cp7"
	assert_equal "$CODE" 409
	assert_equal "$(header Content-Type)" "text/x.tlog.size"
	assert_equal "$(cat "$BODY")" "0"
	assert_equal "$(wc -c <"$BODY")" 2
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	# A log that lost track starts from 0 and learns the size.
	submit 0 "$T/cp7"
	assert_equal "$CODE" 409
	assert_equal "$(cat "$BODY")" "3"
	submit 3 "$T/cp7"
	assert_equal "$CODE" 200
	add "$T/r"
	assert_equal "$CODE" 409
	assert_equal "$(cat "$BODY")" "7"
}

@test "403 for a log signature that fails, or none by a trusted key; 404 for an unknown origin" {
	witness_start --log "$LOGVK"
	# One byte of the log's signature changed.
	awk 'NR==5 { c = substr($3, 30, 1); $3 = substr($3, 1, 29) (c == "A" ? "B" : "A") substr($3, 31) } { print }' \
		"$T/cp3" >"$T/bad"
	! cmp -s "$T/bad" "$T/cp3"
	submit 0 "$T/bad"
	assert_equal "$CODE" 403
	assert_equal "$(cat "$BODY")" "the signature by the log's key 'test.example/log' does not verify"
	# Signed by another key of the same name (an impostor): no signature by a trusted key.
	witness_log "$T/other" test.example/log
	grow "$T/other" 3 a
	sl-checkpoint -L "$T/other" >"$T/other.cp"
	submit 0 "$T/other.cp"
	assert_equal "$CODE" 403
	assert_equal "$(cat "$BODY")" "no signature by a key of log 'test.example/log'"
	# Another origin altogether.
	witness_log "$T/third" third.example/log
	grow "$T/third" 1 a
	sl-checkpoint -L "$T/third" >"$T/third.cp"
	submit 0 "$T/third.cp"
	assert_equal "$CODE" 404
	assert_equal "$(cat "$BODY")" "unknown log 'third.example/log'"
	# Nothing of these was kept.
	[[ ! -e $(log_state)/checkpoint ]]
}

@test "422 for a consistency proof that does not hold, a proof from 0, or another root at the same size" {
	witness_start --log "$LOGVK"
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	# One proof hash changed (the second line of the body).
	request 3 "$T/cp7" >"$T/r"
	awk 'NR==2 { $0 = ($0 ~ /^A/ ? "B" : "A") substr($0, 2) } { print }' "$T/r" >"$T/bad"
	add "$T/bad"
	assert_equal "$CODE" 422
	assert_regex "$(cat "$BODY")" "^not consistent with the checkpoint of size 3 last cosigned: "
	# A proof line dropped.
	sed 2d "$T/r" >"$T/bad"
	add "$T/bad"
	assert_equal "$CODE" 422
	# From 0 the proof must be empty: asked of a witness that has seen nothing.
	{ echo "old 0"; sed -n 2p "$T/r"; echo; cat "$T/cp3"; } >"$T/bad"
	WSTATE="$T/state2"
	httpd_stop
	witness_start --log "$LOGVK"
	add "$T/bad"
	assert_equal "$CODE" 422
	assert_equal "$(cat "$BODY")" "a proof from size 0 must be empty"
	# The old state is untouched by refusals: 3 still grows to 7.
	WSTATE="$BATS_TEST_TMPDIR/state"
	httpd_stop
	witness_start --log "$LOGVK"
	add "$T/r"
	assert_equal "$CODE" 200
}

@test "400 for a malformed body, an old size over the checkpoint's, a bad proof line" {
	witness_start --log "$LOGVK"
	local bad
	for bad in $'' $'old 0\n' $'old 00\n\n' $'old -1\n\n' $'old 1x\n\n' $'Old 0\n\n' \
		$'old 0\nnot base64!\n\n' $'old 0\nAAAA\n\n' $'old 0\n\nnot a checkpoint\n'; do
		printf '%s' "$bad" >"$T/bad"
		[[ $bad == *$'\n\n' ]] && cat "$T/cp3" >>"$T/bad"
		add "$T/bad"
		assert_equal "$CODE" 400
	done
	request 0 "$T/cp3" >"$T/r"
	sed -i 1s/.*/"old 4"/ "$T/r"
	add "$T/r"
	assert_equal "$CODE" 400
	assert_equal "$(cat "$BODY")" "old size 4 is over the checkpoint's size 3"
	# The note without its final newline.
	request 0 "$T/cp3" | head -c -1 >"$T/r"
	add "$T/r"
	assert_equal "$CODE" 400
	assert_equal "$(cat "$BODY")" "note does not end with a newline"
	# 64 proof lines.
	{ echo "old 0"; for i in $(seq 64); do echo "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; done; echo; cat "$T/cp3"; } >"$T/r"
	add "$T/r"
	assert_equal "$CODE" 400
	assert_equal "$(cat "$BODY")" "more than 63 consistency proof lines"
	# Other paths and methods.
	get /add-checkpoint
	assert_equal "$CODE" 405
	assert_equal "$(header Allow)" POST
	get /anything --data-binary @"$T/r"
	assert_equal "$CODE" 404
	get /etc/passwd
	assert_equal "$CODE" 404
	# Bodies past the bound are refused before they are read.
	head -c 100000 /dev/zero >"$T/big"
	add "$T/big"
	assert_equal "$CODE" 413
}

@test "a restart keeps the state: the size cosigned before is still the one known" {
	witness_start --log "$LOGVK"
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	httpd_stop
	assert_equal "$HTTPD_STATUS" 0
	witness_start --log "$LOGVK"
	add "$T/r"
	assert_equal "$CODE" 409
	assert_equal "$(cat "$BODY")" "3"
	submit 3 "$T/cp7"
	assert_equal "$CODE" 200
}

@test "a split view: two ledgers of one origin and key that part after size 3; the other's checkpoints are refused" {
	# B is A's copy at size 3 (same entries, same key), then each grows its own way.
	local B="$T/B"
	witness_fork "$B" cp3
	grow "$B" 1 d
	sl-checkpoint -L "$B" >"$T/B8"
	assert_equal "$(sed -n 2p "$T/A7")" "$(sed -n 2p "$T/B7")"
	[[ $(sed -n 3p "$T/A7") != $(sed -n 3p "$T/B7") ]]
	witness_start --log "$LOGVK"
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	submit 3 "$T/A7"
	assert_equal "$CODE" 200
	# B from the size they shared: the witness has moved on.
	submit 3 "$T/B7" "$B"
	assert_equal "$CODE" 409
	assert_equal "$(cat "$BODY")" "7"
	# B at the same size: another root.
	submit 7 "$T/B7" "$B"
	assert_equal "$CODE" 422
	# B grown from its own 7: the proof does not hold against A's 7.
	submit 7 "$T/B8" "$B"
	assert_equal "$CODE" 422
	# The witness still holds A's view, and kept B's two signed inconsistent checkpoints.
	cmp <(head -5 "$(log_state)/checkpoint") "$T/A7"
	assert_equal "$(grep '^size ' "$(log_state)/refused" | tr '\n' ' ')" "size 7 size 8 "
	grep -qF "$(sed -n 3p "$T/B8")" "$(log_state)/refused"
	assert_equal "$(grep -c '^size ' "$(log_state)/cosigned")" 2
}

@test "stdin/stdout (inetd style) and socket activation, and usage errors" {
	request 0 "$T/cp3" >"$T/r"
	{
		printf 'POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nConnection: close\r\nContent-Length: %d\r\n\r\n' \
			"$(wc -c <"$T/r")"
		cat "$T/r"
	} >"$T/http"
	run -0 --separate-stderr socat -t 10 - EXEC:"sl-witness -d $WSTATE -k $WKEY --log '$LOGVK'" <"$T/http"
	assert_line --index 0 $'HTTP/1.1 200 OK\r'
	assert_regex "${lines[-1]}" '^— witness\.example/w1 '
	if command -v systemd-socket-activate >/dev/null; then
		local port
		port=$(free_port)
		systemd-socket-activate -l "127.0.0.1:$port" sl-witness -d "$WSTATE" -k "$WKEY" --log "$LOGVK" \
			>/dev/null 2>"$T/activate.err" 3>&- &
		HTTPD_PID=$!
		URL="http://127.0.0.1:$port"
		wait_for curl -sS -o /dev/null "$URL/"
		add "$T/r"
		assert_equal "$CODE" 409
		assert_equal "$(cat "$BODY")" "3"
		httpd_stop
		assert_equal "$HTTPD_STATUS" 0
	fi
	run -2 --separate-stderr sl-witness -d "$WSTATE" -k "$WKEY" --log "$LOGVK" </dev/null
	assert_equal "$stderr" "sl-witness: usage: give -l ADDR:PORT, or start me with a socket (inetd, tcpserver, systemd)"
	run -2 --separate-stderr sl-witness -d "$WSTATE" -k "$WKEY"
	assert_equal "$stderr" "sl-witness: usage: no log to witness: give -c FILE or --log VKEY"
	run -2 --separate-stderr sl-witness -d "$WSTATE" -k "$WKEY" --log "$WVK"
	assert_regex "$stderr" "is a witness \(cosignature\) key, not a log key"
	# The log's key is no witness key.
	run -100 --separate-stderr sl-witness -d "$WSTATE" -k "$L/keys/checkpoint.key" --log "$LOGVK" -l 127.0.0.1:0
	assert_regex "$stderr" "not a witness key \(make one with sl-keygen --type cosignature\)"
	chmod 644 "$WKEY"
	run -100 --separate-stderr sl-witness -d "$WSTATE" -k "$WKEY" --log "$LOGVK" -l 127.0.0.1:0
	assert_regex "$stderr" "not a regular file of mode 0600"
	run -0 sl-witness -h
	assert_line --partial "sl-witness verify -w VKEY... [-q K] [FILE]"
}

@test "a configuration file: several logs, several keys, an origin unlike the key's name" {
	# A log whose key is not named after its origin, and is ECDSA P-256 (the default).
	sl-init -L "$T/r2" --origin r2.example/log >/dev/null
	local k2 k3
	k2=$(sl-keygen -L "$T/r2" --name r2-signer)
	[[ $k2 == r2-signer+*+AjBZ* ]]
	grow "$T/r2" 2 a
	sl-checkpoint -L "$T/r2" >"$T/r2.cp"
	k3=$(sl-keygen --type ed25519 --name second -o "$T/second.key")
	cat >"$T/logs" <<-END
	# the test log with a second key, a log whose origin is not its key's
	# name, and an origin with spaces (as Rekor's)
	$LOGVK
	$k3 test.example/log

	$k2 r2.example/log
	$k3 rekor.example - 1234
	END
	witness_start -c "$T/logs"
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	submit 0 "$T/r2.cp" "$T/r2"
	assert_equal "$CODE" 200
	# The same checkpoint with its key trusted under its name only: another origin.
	httpd_stop
	WSTATE="$T/state-2"
	witness_start --log "$k2"
	add "$T/r"
	assert_equal "$CODE" 404
	assert_equal "$(cat "$BODY")" "unknown log 'r2.example/log'"
	printf '%s\n' "not a key" >"$T/badlogs"
	run -100 --separate-stderr sl-witness -d "$WSTATE" -k "$WKEY" -c "$T/badlogs"
	assert_regex "$stderr" "^sl-witness: fatal: unable to read '.*/badlogs': line 1: verifier key: "
}

@test "sl-witness verify: quorum of two witnesses, each counted once; a log key is refused" {
	local W2KEY="$T/w2.key" W2VK
	W2VK=$(sl-keygen --type cosignature --name witness.example/w2 -o "$W2KEY")
	witness_start --log "$LOGVK"
	submit 0 "$T/cp3"
	cosigned "$T/cp3" >"$T/cp3.w"
	httpd_stop
	WSTATE="$T/state-w2"
	WKEY=$W2KEY
	witness_start --log "$LOGVK"
	add "$T/r"
	assert_equal "$CODE" 200
	cat "$BODY" >>"$T/cp3.w"
	run -0 sl-witness verify -w "$WVK" -w "$W2VK" -q 2 "$T/cp3.w"
	run -0 sl-witness verify -w "$WVK" -w "$W2VK" <"$T/cp3.w"
	# One witness is one vote: given twice, it is refused, as
	# sl-checkpoint and sl-audit verify refuse it.
	head -6 "$T/cp3.w" >"$T/one"
	run -1 --separate-stderr sl-witness verify -w "$WVK" -w "$W2VK" -q 2 "$T/one"
	assert_equal "$stderr" "sl-witness: fatal: unable to verify the note: 1 of 2 cosignatures hold"
	run -2 --separate-stderr sl-witness verify -w "$WVK" -w "$WVK" -q 2 "$T/one"
	assert_regex "$stderr" "^sl-witness: usage: --witness '.*': given twice\$"
	run -2 --separate-stderr sl-witness verify -w "$WVK" -w "$W2VK" -q 3 "$T/one"
	assert_regex "$stderr" "--quorum"
	run -0 sl-witness verify -w "$WVK" -w "$W2VK" -q 1 "$T/one"
	run -2 --separate-stderr sl-witness verify -w "$LOGVK" "$T/one"
	assert_regex "$stderr" "^sl-witness: usage: --witness 'test.example/log.*': not a witness key: a cosignature key"
	run -100 --separate-stderr sl-witness verify -w "$WVK" /dev/null
}

@test "concurrent requests from one old size: exactly one is cosigned, the others learn the new size (409)" {
	witness_start --log "$LOGVK" -w 3 -t 4
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	request 3 "$T/cp7" >"$T/r7"
	local i pids=()
	for i in $(seq 24); do
		curl -sS -o "$T/out.$i" -w '%{http_code}\n' --data-binary "@$T/r7" "$URL/add-checkpoint" >"$T/code.$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	assert_equal "$(cat "$T"/code.* | sort | uniq -c | sed 's/^ *//' | tr '\n' ' ')" "1 200 23 409 "
	assert_equal "$(grep -c '^size ' "$(log_state)/cosigned")" 2
}

@test "the cosignature holds under OpenSSL's Ed25519, over the message C2SP tlog-cosignature spells out" {
	require_cmd openssl od
	witness_start --log "$LOGVK"
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	cut -d' ' -f3 "$BODY" | base64 -d >"$T/sig.raw"
	# key id (4) || time (8, big-endian) || signature (64)
	local t
	t=$((16#$(od -An -tx1 -j4 -N8 "$T/sig.raw" | tr -d ' \n')))
	tail -c 64 "$T/sig.raw" >"$T/sig"
	{ printf 'cosignature/v1\ntime %d\n' "$t"; head -3 "$T/cp3"; } >"$T/msg"
	# The public key as OpenSSL reads it: the RFC 8410 SubjectPublicKeyInfo prefix, then the 32 bytes.
	{ printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'; cut -d+ -f3- <<<"$WVK" | base64 -d | tail -c 32; } >"$T/pub.der"
	openssl pkey -pubin -inform DER -in "$T/pub.der" -out "$T/pub.pem"
	run -0 openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -rawin -in "$T/msg" -sigfile "$T/sig"
	assert_output --partial "Signature Verified Successfully"
	# One byte of the message else, and OpenSSL says no too.
	sed -i '2s/time \([0-9]*\)/time 1\1/' "$T/msg"
	run -1 openssl pkeyutl -verify -pubin -inkey "$T/pub.pem" -rawin -in "$T/msg" -sigfile "$T/sig"
}

@test "the process that parses HTTP holds no copy of the witness key; its keeper child does" {
	require_cmd python3 pgrep
	witness_start --log "$LOGVK"
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	local keeper
	keeper=$(pgrep -P "$HTTPD_PID")
	[[ -n $keeper ]]
	# It holds nothing of the server's: no listening socket, no connection; its pair end and stderr.
	assert_equal "$(readlink "/proc/$keeper/fd/0") $(readlink "/proc/$keeper/fd/1")" "/dev/null /dev/null"
	assert_equal "$(ls "/proc/$keeper/fd" | wc -l)" 4
	python3 "$SL_SRCDIR/t/memscan.py" "$keeper" "$WKEY" >"$T/k" 2>/dev/null ||
		skip "the memory of a process cannot be read here (no right to trace it)"
	assert_equal "$(cat "$T/k")" 1
	run -0 python3 "$SL_SRCDIR/t/memscan.py" "$HTTPD_PID" "$WKEY"
	assert_output 0
	# Without its keeper the server cannot sign, and says so rather than hang;
	# then it stops (exit 111), to be started again with a new keeper.
	kill -KILL "$keeper"
	submit 3 "$T/cp7"
	assert_equal "$CODE" 503
	assert_equal "$(cat "$BODY")" "the witness cannot sign now; retry later"
	wait_exit "$HTTPD_PID" 10
	HTTPD_PID=
	assert_equal "$WAIT_STATUS" 111
	grep -Eq "the keeper (is gone|cannot be reached); no more cosignatures from this process: it stops" \
		"$BATS_TEST_TMPDIR/witness.err"
}

@test "among workers, one whose keeper died stops and is replaced: cosigning goes on" {
	require_cmd pgrep
	witness_start --log "$LOGVK" -w 2
	local w k before after n
	w=$(pgrep -P "$HTTPD_PID" | head -1)
	k=$(pgrep -P "$w")
	[[ -n $w && -n $k ]] || fail "no worker with a keeper"
	kill -KILL "$k"
	# Each request is answered 503 by the keeperless worker, or cosigned by
	# another; within a few requests the replaced worker's keeper runs.
	for n in $(seq 1 100); do
		before=$(pgrep -P "$HTTPD_PID" | wc -l)
		[[ $before == 2 ]] && ! kill -0 "$w" 2>/dev/null && break
		request 0 "$T/cp3" >"$T/r"
		add "$T/r"
		[[ $CODE == 503 || $CODE == 200 || $CODE == 409 ]] || fail "answer $CODE"
		sleep 0.1
	done
	! kill -0 "$w" 2>/dev/null || fail "the worker without a keeper still runs"
	for w in $(pgrep -P "$HTTPD_PID"); do
		[[ -n $(pgrep -P "$w") ]] || fail "worker $w has no keeper"
	done
	grep -q "starting another" "$BATS_TEST_TMPDIR/witness.err"
	kill -0 "$HTTPD_PID"
}

@test "among 12 workers, all of whose keepers died at once: each is replaced, the server goes on (the replacements are not a crash loop)" {
	require_cmd pgrep
	witness_start --log "$LOGVK" -w 12
	local w k n i old pids
	old=$(pgrep -P "$HTTPD_PID" | sort)
	[[ $(wc -l <<<"$old") == 12 ]] || fail "not 12 workers"
	for w in $old; do
		k=$(pgrep -P "$w") || fail "worker $w has no keeper"
		kill -KILL "$k"
	done
	# Each keeperless worker answers 503 once and stops.  Requests 12 at a
	# time, so that busy workers leave the next ones to the others.
	request 0 "$T/cp3" >"$T/r"
	for n in $(seq 1 100); do
		kill -0 "$HTTPD_PID" 2>/dev/null || break
		[[ -z $(comm -12 <(pgrep -P "$HTTPD_PID" | sort) <(echo "$old")) ]] && break
		pids=
		for i in $(seq 1 12); do
			curl -sS -o /dev/null --data-binary "@$T/r" "$URL/add-checkpoint" 2>/dev/null &
			pids+=" $!"
		done
		for i in $pids; do wait "$i" || :; done
	done
	kill -0 "$HTTPD_PID" 2>/dev/null ||
		fail "the supervisor gave up: $(grep -c 'starting another' "$BATS_TEST_TMPDIR/witness.err") replacements, then '$(tail -n 1 "$BATS_TEST_TMPDIR/witness.err")'"
	[[ -z $(comm -12 <(pgrep -P "$HTTPD_PID" | sort) <(echo "$old")) ]] || fail "workers of old still run"
	run -0 grep -c "starting another" "$BATS_TEST_TMPDIR/witness.err"
	assert_output 12
}

@test "a keeper that does not answer within --request-timeout: 503, and no stale answer later" {
	require_cmd pgrep
	witness_start --log "$LOGVK" --request-timeout 2
	local keeper
	keeper=$(pgrep -P "$HTTPD_PID")
	kill -STOP "$keeper"
	submit 0 "$T/cp3"
	assert_equal "$CODE" 503
	assert_equal "$(cat "$BODY")" "the witness cannot sign now; retry later"
	kill -CONT "$keeper"
	# The keeper's late answer is never taken for another request's: the
	# process gives up on it and stops (111).
	wait_exit "$HTTPD_PID" 10
	HTTPD_PID=
	assert_equal "$WAIT_STATUS" 111
	grep -q "the keeper did not answer in 2 seconds; no more cosignatures" "$BATS_TEST_TMPDIR/witness.err"
}

@test "the access log holds no query value: a token in the query stays out of it" {
	witness_start --log "$LOGVK"
	request 0 "$T/cp3" >"$T/r"
	get "/add-checkpoint?token=s3cret-Tok" --data-binary "@$T/r" -H "Authorization: Bearer s3cret-Auth"
	get "/?s3cret-Bare"
	httpd_stop
	run -0 jq -r 'select(.path) | .path' < <(grep '^{' "$T/witness.err")
	assert_output - <<-'EOF'
		/add-checkpoint?token=<redacted>
		/?<redacted>
	EOF
	run -1 grep -F s3cret "$T/witness.err"
}
