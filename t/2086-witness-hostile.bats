#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Hostile review of witnessing (issue 16): requests, states and answers
# made to make a witness, a log or an auditor lie or stop.

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper
load witness_helper

# pad NOTE N: the note with N more signature lines by unknown keys (ignored by everyone).
pad() {
	local i
	cat "$1"
	for ((i = 0; i < $2; i++)); do
		printf '\xe2\x80\x94 junk%d.example %s\n' "$i" "$(head -c 68 /dev/zero | base64 -w0)"
	done
}

@test "a note already carrying 99 other signatures cannot wedge the witness's state for its log" {
	witness_start --log "$LOGVK"
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	# Anyone may replay a published checkpoint, padded with lines the witness ignores.
	pad "$T/cp3" 99 >"$T/cp3.pad"
	submit 3 "$T/cp3.pad"
	assert_equal "$CODE" 400
	# The log's next checkpoint is still cosigned.
	submit 3 "$T/cp7"
	assert_equal "$CODE" 200
	cosigned "$T/cp7" >"$T/cp7.w"
	run -0 sl-witness verify -w "$WVK" "$T/cp7.w"
}

@test "replaying the checkpoint the witness serves does not grow its evidence" {
	witness_start --log "$LOGVK"
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	local s i
	s=$(log_state)
	# Anyone can fetch the latest cosigned checkpoint and send it back, padded near the bound.
	pad "$T/cp3" 80 >"$T/cp3.pad"
	request 3 "$T/cp3.pad" >"$T/r"
	for i in 1 2 3 4 5; do
		add "$T/r"
		assert_equal "$CODE" 200
		cosigned "$T/cp3" >"$T/cp3.w"
		run -0 sl-witness verify -w "$WVK" "$T/cp3.w"
	done
	assert_equal "$(grep -c '^size ' "$s/cosigned")" 1
	# A new checkpoint is still kept as evidence.
	submit 3 "$T/cp7"
	assert_equal "$CODE" 200
	assert_equal "$(grep -c '^size ' "$s/cosigned")" 2
}

@test "the first checkpoint of a log is durable: the new log's directory entry is synced before the answer" {
	require_cmd strace
	mkdir -p "$WSTATE"
	request 0 "$T/cp3" >"$T/r"
	{
		printf 'POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nConnection: close\r\nContent-Length: %d\r\n\r\n' \
			"$(wc -c <"$T/r")"
		cat "$T/r"
	} >"$T/http"
	# socat splits its EXEC at commas: the traced witness is run by a script.
	printf '#!/bin/sh\nexec strace -f -qq -o "$1" -e trace=mkdir,openat,fsync "$@"\n' >"$T/traced"
	sed -i 's/"\$@"$/sl-witness -d "$2" -k "$3" --log "$4"/' "$T/traced"
	chmod +x "$T/traced"
	run -0 --separate-stderr socat -t 10 - EXEC:"$T/traced $T/trace $WSTATE $WKEY '$LOGVK'" <"$T/http"
	assert_line --index 0 $'HTTP/1.1 200 OK\r'
	# After the log's directory is made, the state directory itself is opened and fsynced
	# (else a crash may forget the log, and the witness cosign a fork from size 0).
	run -0 awk -v d="\"$WSTATE\"" '
		/mkdir\(/ && /= 0$/ { made = 1 }
		made && /openat\(/ && index($0, d ", ") && /O_DIRECTORY/ { n = split($0, a, "= "); fd = a[n] }
		made && fd != "" && index($0, "fsync(" fd ")") { ok = 1 }
		END { exit !ok }' "$T/trace"
}

@test "a witness that lost its latest checkpoint but holds its evidence does not start over from 0" {
	# B is a fork of the log (same origin, same key) that parts from it at size 3.
	local B="$T/B"
	witness_fork "$B" A3
	witness_start --log "$LOGVK"
	submit 0 "$T/A3"
	assert_equal "$CODE" 200
	submit 3 "$T/A7"
	assert_equal "$CODE" 200
	cosigned "$T/A7" >"$T/A7.w"
	httpd_stop
	# The latest checkpoint lost (a partial restore, or a crash while keeping a log's
	# first one), and the evidence's last record torn by a crash.
	rm "$(log_state)/checkpoint"
	printf 'size 9\ntime 1\nbytes 5000\npartial' >>"$(log_state)/cosigned"
	witness_start --log "$LOGVK"
	submit 0 "$T/B7" "$B"
	assert_equal "$CODE" 409
	assert_equal "$(cat "$BODY")" "7"
	cmp "$(log_state)/checkpoint" "$T/A7.w"
	submit 3 "$T/B7" "$B"
	assert_equal "$CODE" 409
	submit 7 "$T/B7" "$B"
	assert_equal "$CODE" 422
	# A record that is not one, before the end, is no state to guess from.
	httpd_stop
	rm "$(log_state)/checkpoint"
	printf 'garbage\n' >"$(log_state)/cosigned.new"
	cat "$(log_state)/cosigned" >>"$(log_state)/cosigned.new"
	mv "$(log_state)/cosigned.new" "$(log_state)/cosigned"
	witness_start --log "$LOGVK"
	add "$T/r"
	assert_equal "$CODE" 500
}

@test "a genuine newer checkpoint sent again and again with a junk proof is kept as refused once" {
	witness_start --log "$LOGVK"
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	local i s
	s=$(log_state)
	# cp7 is the log's, newer than the witness's 3: anyone who saw it can send it with a bad proof.
	for i in 1 2 3 4 5; do
		{
			echo "old 3"
			head -c 32 /dev/zero | base64 -w0
			echo
			echo
			pad "$T/cp7" "$((i * 10))"
		} >"$T/bad"
		add "$T/bad"
		assert_equal "$CODE" 422
	done
	assert_equal "$(grep -c '^size ' "$s/refused")" 1
	# The log itself still gets its checkpoint cosigned.
	submit 3 "$T/cp7"
	assert_equal "$CODE" 200
}

# rename VKEY NAME: the verifier key of the same Ed25519 key under another name (and so key id).
rename() {
	python3 - "$1" "$2" <<'PY'
import base64, hashlib, sys
name, kid, key = sys.argv[1].split('+', 2)
raw = base64.b64decode(key)
new = sys.argv[2]
kid = hashlib.sha256(new.encode() + b'\n' + raw).digest()[:4].hex()
print(f"{new}+{kid}+{key}")
PY
}

# forge LINE VKEY: the cosignature line LINE under VKEY's name and key id.
forge() {
	python3 - "$1" "$2" <<'PY'
import base64, sys
line, vkey = sys.argv[1], sys.argv[2]
name, kid, _ = vkey.split('+', 2)
sig = base64.b64decode(line.split(' ')[2])
print('\u2014 ' + name + ' ' + base64.b64encode(bytes.fromhex(kid) + sig[4:]).decode())
PY
}

@test "one witness's key under two names is one witness: its renamed cosignature does not make a quorum of two" {
	witness_start --log "$LOGVK"
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	local wvk2
	wvk2=$(rename "$WVK" witness.example/w2)
	{ cosigned "$T/cp3"; forge "$(cat "$BODY")" "$wvk2"; } >"$T/forged"
	# The renamed line holds for the renamed key on its own...
	run -0 sl-checkpoint verify --key "$LOGVK" --witness "$wvk2" <"$T/forged"
	# ...but the two names are one key: a usage error in each of the three verifiers.
	run -2 --separate-stderr sl-witness verify -w "$WVK" -w "$wvk2" -q 2 "$T/forged"
	assert_regex "$stderr" "given twice \(the same key under another name\)$"
	run -2 --separate-stderr sl-checkpoint verify --key "$LOGVK" --witness "$WVK" --witness "$wvk2" \
		--quorum 2 <"$T/forged"
	assert_regex "$stderr" "given twice \(the same key under another name\)$"
	run -2 --separate-stderr sl-audit verify --key "$LOGVK" --witness "$WVK" --witness "$wvk2" </dev/null
	assert_regex "$stderr" "given twice \(the same key under another name\)$"
}

@test "records appended after a torn one are not hidden by it: no rollback to the record before" {
	local B="$T/B"
	witness_fork "$B" A3
	witness_start --log "$LOGVK"
	submit 0 "$T/A3"
	assert_equal "$CODE" 200
	httpd_stop
	# A crash in the middle of an append; the witness restarts and goes on.
	printf 'size 9\ntime 1\nbytes 5000\npartial' >>"$(log_state)/cosigned"
	witness_start --log "$LOGVK"
	submit 3 "$T/A7"
	assert_equal "$CODE" 200
	httpd_stop
	rm "$(log_state)/checkpoint"
	witness_start --log "$LOGVK"
	# B forks from 3: the witness, which cosigned A's 7, must not take 3 for its state.
	submit 3 "$T/B7" "$B"
	assert_equal "$CODE" 500
}

@test "its own old cosignature sent under a new checkpoint is not kept before its new one: the checkpoint it serves verifies" {
	witness_start --log "$LOGVK"
	submit 0 "$T/cp3"
	assert_equal "$CODE" 200
	# Anyone who sees the log's next checkpoint first can send it on with the cosignature of cp3 under it.
	cat "$T/cp7" "$BODY" >"$T/cp7.stale"
	submit 3 "$T/cp7.stale"
	assert_equal "$CODE" 200
	cosigned "$T/cp7" >"$T/cp7.w"
	run -0 sl-witness verify -w "$WVK" "$T/cp7.w"
	# The log's own request, the same text, is cosigned but not kept again.
	submit 7 "$T/cp7"
	assert_equal "$CODE" 200
	get "/$(printf %s test.example/log | sha256sum | cut -c1-64)/checkpoint"
	assert_equal "$CODE" 200
	run -0 sl-witness verify -w "$WVK" "$BODY"
	run -0 sl-checkpoint verify --key "$LOGVK" --witness "$WVK" <"$(log_state)/checkpoint"
	assert_equal "$(grep -c '^— witness.example/w1 ' "$(log_state)/checkpoint")" 1
}
