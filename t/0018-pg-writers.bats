#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Many writers on one PostgreSQL ledger (issue 13): 8 writers for
# SL_PG_WRITERS_SECONDS (default 30) of wall time, 5 posting batches through
# 3 sl-httpd servers (each its own process and port, all on the same
# postgresql:// address) and 3 running sl-append one batch at a time, while
# a sampler records the tree head every half second and a checkpoint is
# signed early.  Then: no gap, no duplicate, every receipt in the log with
# its seq, ts and leaf hash, nothing in the log without a receipt, ts
# non-decreasing, each batch contiguous (atomic), sl-verify passes, every
# head seen during the run is consistent with the final one (no fork).
# t/pg-writers-check.py does the bookkeeping.

bats_require_minimum_version 1.5.0
load test_helper
load pg
load httpd_helper

setup() {
	sl_setup
	require_cmd jq curl socat ss python3
	P=$(pg_new_db "w$BATS_TEST_NUMBER") || fail "unable to create a database"
	DUR=${SL_PG_WRITERS_SECONDS:-30}
	[[ $DUR =~ ^[1-9][0-9]*$ ]] || fail "SL_PG_WRITERS_SECONDS must be a positive number"
}

teardown() {
	httpd_teardown
}

# batch_lines W B K: K entry lines of batch B of writer W (sources wW.bB.iI).
batch_lines() {
	awk -v w="$1" -v b="$2" -v k="$3" 'BEGIN {
		for (i = 0; i < k; i++)
			printf "{\"type\":\"x-w\",\"source\":\"w%d.b%d.i%d\",\"payload\":{\"w\":%d,\"b\":%d,\"i\":%d}}\n", w, b, i, w, b, i
	}'
}

# batch_size W B: 1 to 25 entries, and every 10th batch 100.
batch_size() {
	if (($2 % 10 == 9)); then echo 100; else echo $((($2 * 7 + $1) % 25 + 1)); fi
}

# http_writer W URL END: POST batches until SECONDS reaches END; a batch
# line and the answer for each.  Any failure ends it with exit 1.
http_writer() {
	local w=$1 url=$2 end=$3 b=0 k
	while ((SECONDS < end)); do
		k=$(batch_size "$w" $b)
		echo "batch $w $b $k"
		batch_lines "$w" $b "$k" | curl -sS -f --max-time 60 -X POST -H 'Content-Type: application/x-ndjson' \
			-H "Authorization: Bearer $TOK" --data-binary @- "$url/v1/entries" || return 1
		echo
		b=$((b + 1))
	done
}

# append_writer W END: the same through sl-append --atomic, one process a batch.
append_writer() {
	local w=$1 end=$2 b=0 k
	while ((SECONDS < end)); do
		k=$(batch_size "$w" $b)
		echo "batch $w $b $k"
		batch_lines "$w" $b "$k" >"$BATS_TEST_TMPDIR/in$w"
		sl-append -L "$P" --atomic <"$BATS_TEST_TMPDIR/in$w" || return 1
		b=$((b + 1))
	done
}

# sampler END: the head (size and root) every half second until END.
sampler() {
	local end=$1
	while ((SECONDS < end)); do
		sl-prove -L "$P" head || return 1
		sleep 0.5
	done
}

@test "8 writers through 3 sl-httpd servers and sl-append on one PostgreSQL ledger: no gap, no duplicate, no loss, no fork, batches atomic" {
	sl-init -L "$P" --origin writers.example/log >/dev/null
	sl-keygen -L "$P" --type ed25519 -o "$BATS_TEST_TMPDIR/ck.key" >"$BATS_TEST_TMPDIR/ck.vkey"
	TOK='w-Token_8'
	printf '%s  ci\n' "$(printf %s "$TOK" | sha256sum | cut -d' ' -f1)" >"$BATS_TEST_TMPDIR/tokens"
	local s urls=() pids=() names=() errs=() end rc w
	# shellcheck disable=SC2034 # httpd_start serves the ledger $L
	L=$P
	for s in 1 2 3; do
		httpd_start -T "$BATS_TEST_TMPDIR/tokens" --no-access-log
		urls+=("$URL")
		EXTRA_PIDS="${EXTRA_PIDS-} $HTTPD_PID"
		HTTPD_PID=
	done
	# Three different processes and ports on one database.
	assert_equal "$(printf '%s\n' "${urls[@]}" | sort -u | wc -l)" 3

	end=$((SECONDS + DUR))
	for w in 1 2 3 4 5; do
		http_writer $w "${urls[(w - 1) % 3]}" $end >"$BATS_TEST_TMPDIR/r$w" 2>"$BATS_TEST_TMPDIR/e$w" 3>&- &
		pids+=($!)
		names+=("http writer $w (server $(((w - 1) % 3 + 1)))")
		errs+=("$BATS_TEST_TMPDIR/e$w")
	done
	for w in 6 7 8; do
		append_writer $w $end >"$BATS_TEST_TMPDIR/r$w" 2>"$BATS_TEST_TMPDIR/e$w" 3>&- &
		pids+=($!)
		names+=("sl-append writer $w")
		errs+=("$BATS_TEST_TMPDIR/e$w")
	done
	sampler $end >"$BATS_TEST_TMPDIR/heads" 2>"$BATS_TEST_TMPDIR/sampler.err" 3>&- &
	pids+=($!)
	names+=("sampler")
	errs+=("$BATS_TEST_TMPDIR/sampler.err")
	# A failing assertion stops the test: teardown then ends the writers too.
	EXTRA_PIDS="${EXTRA_PIDS-} ${pids[*]}"
	# An early checkpoint, signed while they write; the last one, at the end, must extend it.
	sleep $((DUR > 6 ? 3 : 1))
	# Failures are gathered, not fatal at once: the log is checked whatever the writers met,
	# so that a broken build shows what it did to the log, not only the first error.
	local failed=
	SL_KEY="$BATS_TEST_TMPDIR/ck.key" sl-checkpoint -L "$P" >"$BATS_TEST_TMPDIR/ck1" 2>"$BATS_TEST_TMPDIR/ck1.err" ||
		failed+="the early checkpoint failed: $(cat "$BATS_TEST_TMPDIR/ck1.err")"$'\n'
	for w in "${!pids[@]}"; do
		rc=0
		wait "${pids[w]}" || rc=$?
		((rc == 0)) || failed+="${names[w]}: exit $rc $(tail -c 300 "${errs[w]}" || :)"$'\n'
	done

	# The whole log against every receipt.
	sl-log -L "$P" >"$BATS_TEST_TMPDIR/log" || failed+="sl-log failed"$'\n'
	run --separate-stderr python3 "$SL_SRCDIR/t/pg-writers-check.py" "$BATS_TEST_TMPDIR/log" "$BATS_TEST_TMPDIR"/r?
	[[ $status == 0 && -z $stderr ]] || failed+="$stderr"$'\n'
	[[ -z $failed ]] || fail "$failed"
	local n
	n=$(jq -r .entries <<<"$output")
	echo "# $output in ${DUR}s" >&3
	# Enough happened for the check to mean something: every writer had many batches.
	((n > 8 * 10)) || fail "only $n entries in ${DUR}s"
	for w in 1 2 3 4 5 6 7 8; do
		(($(grep -c '^batch ' "$BATS_TEST_TMPDIR/r$w") >= 5)) || fail "writer $w made fewer than 5 batches"
	done
	# The receipts' leaf hashes computed above are the ledger's own.
	for s in 0 $((n / 3)) $((n - 1)); do
		assert_equal "$(sl-prove -L "$P" --seq $s | jq -r .leaf_hash)" \
			"$(python3 -c 'import sys, hashlib; print(hashlib.sha256(b"\0" + open(sys.argv[1], "rb").readlines()[int(sys.argv[2])].rstrip(b"\n")).hexdigest())' "$BATS_TEST_TMPDIR/log" $s)"
	done

	run -0 --separate-stderr sl-verify -L "$P"
	assert_equal "$(jq -c '[.verified, .size]' <<<"$output")" "[true,$n]"
	local final
	final=$(sl-prove -L "$P" head | jq -r .root)
	# No fork: every head seen during the run is a prefix of the final tree.
	local heads=0 size root
	while read -r size root; do
		((size > 0)) || continue
		sl-prove -L "$P" consistency --old-size "$size" --size "$n" >"$BATS_TEST_TMPDIR/proof" ||
			fail "no consistency proof from $size"
		sl-prove check --old-root "$root" --root "$final" --old-size "$size" --size "$n" \
			<"$BATS_TEST_TMPDIR/proof" >/dev/null || fail "the head of size $size seen during the run is not a prefix of the final tree"
		heads=$((heads + 1))
	done < <(jq -r '"\(.size) \(.root)"' "$BATS_TEST_TMPDIR/heads")
	((heads >= 3)) || fail "only $heads heads sampled during the run"
	# The early checkpoint: the final one extends it, and both verify.
	local ck1size
	ck1size=$(sl-checkpoint verify --key "$(cat "$BATS_TEST_TMPDIR/ck.vkey")" <"$BATS_TEST_TMPDIR/ck1" | jq -r .size)
	((ck1size > 0 && ck1size < n)) || fail "the early checkpoint's size $ck1size is not inside (0, $n)"
	run -0 --separate-stderr env SL_KEY="$BATS_TEST_TMPDIR/ck.key" sl-checkpoint -L "$P"
	run -0 --separate-stderr sl-checkpoint verify --key "$(cat "$BATS_TEST_TMPDIR/ck.vkey")" <<<"$output"
	assert_equal "$(jq -c '[.verified, .size]' <<<"$output")" "[true,$n]"
	run -0 --separate-stderr sl-verify -L "$P" --since-checkpoint
}
