#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-log: listing entries, filtered by type, source, seq and limit.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
	# seq 0 code, 1 config, 2 environment, 3-4 mutation, 5 x-deploy.
	append_file "$FIXTURES/entries-valid.ndjson"
	{
		printf '{"type":"environment","source":"env:web-2","payload":{"os":"linux","arch":"arm64","kernel":"6.1.0"}}\n'
		printf '{"type":"x-deploy","source":"Env:web-3","payload":{"n":7}}\n'
		printf '{"type":"x-deploy","source":"env:db-1","payload":{"n":8}}\n'
	} >"$IN"
	append_file "$IN"
	# seq 6 environment env:web-2, 7 x-deploy Env:web-3, 8 x-deploy env:db-1.
}

# The seqs of the entries in $output, comma-separated.
seqs() {
	jq -r .seq <<<"$output" | paste -sd, -
}

@test "sl-log lists every entry in seq order, each exactly as sl-get prints it" {
	run -0 --separate-stderr sl-log
	assert_equal "$stderr" ""
	assert_equal "$(seqs)" 0,1,2,3,4,5,6,7,8
	local i
	for i in 0 1 2 3 4 5 6 7 8; do
		assert_equal "${lines[i]}" "$(sl-get "$i")"
	done
}

@test "sl-log output ends with a newline after the last entry" {
	run -0 --keep-empty-lines --separate-stderr sl-log --after 7
	assert_equal "$output" "$(sl-get 8)"$'\n'
}

@test "sl-log on an empty ledger prints nothing and exits 0" {
	local empty="$BATS_TEST_TMPDIR/empty"
	sl-init -L "$empty" --origin test.example/empty >/dev/null
	run -0 --separate-stderr sl-log -L "$empty"
	assert_equal "$output" ""
	assert_equal "$stderr" ""
}

@test "sl-log --type" {
	run -0 --separate-stderr sl-log --type mutation
	assert_equal "$(seqs)" 3,4
	run -0 sl-log --type environment
	assert_equal "$(seqs)" 2,6
	run -0 sl-log --type code
	assert_equal "$(seqs)" 0
	run -0 sl-log --type config
	assert_equal "$(seqs)" 1
	run -0 sl-log --type x-deploy
	assert_equal "$(seqs)" 5,7,8
}

@test "sl-log --type with no match prints nothing, exit 0" {
	run -0 --separate-stderr sl-log --type x-none
	assert_equal "$output" ""
	assert_equal "$stderr" ""
}

@test "sl-log --type that cannot be a type is a usage error" {
	local t
	for t in bogus '' X-DEPLOY 'x-a b'; do
		run -2 --separate-stderr sl-log --type "$t"
		assert_equal "$output" ""
		assert_regex "$stderr" '^sl-log: usage: '
	done
}

@test "sl-log --source with an exact source" {
	run -0 --separate-stderr sl-log --source env:web-1
	assert_equal "$(seqs)" 2
	run -0 sl-log --source config:web-1:/etc/nginx/nginx.conf
	assert_equal "$(seqs)" 1
}

@test "sl-log --source with * (case-sensitive)" {
	run -0 --separate-stderr sl-log --source 'env:*'
	assert_equal "$(seqs)" 2,6,8
	run -0 sl-log --source 'Env:*'
	assert_equal "$(seqs)" 7
	run -0 sl-log --source '*web-1*'
	assert_equal "$(seqs)" 1,2
	run -0 sl-log --source '*'
	assert_equal "$(seqs)" 0,1,2,3,4,5,6,7,8
}

@test "sl-log --source with ? and [...]" {
	run -0 --separate-stderr sl-log --source 'env:web-?'
	assert_equal "$(seqs)" 2,6
	run -0 sl-log --source '[ek]*'
	assert_equal "$(seqs)" 2,3,6,8
	run -0 sl-log --source 'env:[a-d]*'
	assert_equal "$(seqs)" 8
}

@test "sl-log --source with no match prints nothing, exit 0" {
	run -0 --separate-stderr sl-log --source 'nothing:*'
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	# A glob matches the whole source, not a part of it.
	run -0 sl-log --source 'env'
	assert_equal "$output" ""
}

@test "sl-log --after SEQ lists the entries after SEQ" {
	run -0 --separate-stderr sl-log --after 0
	assert_equal "$(seqs)" 1,2,3,4,5,6,7,8
	run -0 sl-log --after 6
	assert_equal "$(seqs)" 7,8
	run -0 sl-log --after 8
	assert_equal "$output" ""
	run -0 sl-log --after 1000000
	assert_equal "$output" ""
}

@test "sl-log --limit N lists at most N entries" {
	run -0 --separate-stderr sl-log --limit 2
	assert_equal "$(seqs)" 0,1
	run -0 sl-log --limit 9
	assert_equal "$(seqs)" 0,1,2,3,4,5,6,7,8
	run -0 sl-log --limit 100
	assert_equal "$(seqs)" 0,1,2,3,4,5,6,7,8
}

@test "sl-log --after with --limit pages through the whole log" {
	local after=-1 pages=0 all=""
	while :; do
		if ((after < 0)); then
			run -0 sl-log --limit 2
		else
			run -0 sl-log --after "$after" --limit 2
		fi
		[[ -n $output ]] || break
		all+="$output"$'\n'
		after=$(jq -r .seq <<<"${lines[-1]}")
		pages=$((pages + 1))
		((pages < 20)) || fail "paging does not end"
	done
	assert_equal "$pages" 5
	assert_equal "$all" "$(sl-log)"$'\n'
}

@test "sl-log combines filters (all must hold)" {
	run -0 --separate-stderr sl-log --type x-deploy --source 'env:*'
	assert_equal "$(seqs)" 8
	run -0 sl-log --type environment --source 'env:*' --after 2
	assert_equal "$(seqs)" 6
	run -0 sl-log --type x-deploy --limit 2
	assert_equal "$(seqs)" 5,7
	run -0 sl-log --type x-deploy --after 5 --limit 1
	assert_equal "$(seqs)" 7
	run -0 sl-log --type mutation --source 'pg:*'
	assert_equal "$(seqs)" 4
	run -0 sl-log --type code --source 'env:*'
	assert_equal "$output" ""
}

@test "sl-log --limit 0, --limit abc, --after -1, --after abc are usage errors" {
	local args
	for args in '--limit 0' '--limit abc' '--limit -1' '--after -1' '--after abc' '--after 1x'; do
		# shellcheck disable=SC2086
		run -2 --separate-stderr sl-log $args
		assert_equal "$output" ""
		assert_regex "$stderr" '^sl-log: usage: '
	done
}

@test "sl-log with an extra argument or unknown option is a usage error" {
	run -2 --separate-stderr sl-log extra
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-log: usage: '
	run -2 --separate-stderr sl-log --bogus
	assert_equal "$output" ""
	assert_regex "$stderr" '(^|'$'\n'')sl-log: usage: '
}

@test "sl-log with a missing ledger exits 100" {
	run -100 --separate-stderr sl-log -L "$BATS_TEST_TMPDIR/nope"
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-log: fatal: unable to open ledger '$BATS_TEST_TMPDIR/nope': .*sl-init"
	[[ ! -e $BATS_TEST_TMPDIR/nope ]]
}

@test "sl-log -h prints the usage on stdout, --version the version" {
	run -0 --separate-stderr sl-log -h
	assert_line --index 0 --regexp '^usage: sl-log '
	assert_output --partial -- '--since'
	assert_equal "$stderr" ""
	run -0 --separate-stderr sl-log --version
	assert_regex "$output" '^sl-log [0-9]+\.[0-9]+\.[0-9]+'
}

@test "EPIPE: sl-log whose reader goes away early exits 0 quietly" {
	append_n 5000 many
	run -0 --separate-stderr bash -c 'sl-log | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_equal "$output" 0
	assert_equal "$stderr" ""
}

@test "a narrow filter (walked along its streams) lists what a scan keeps, page by page; a broken link is refused" {
	local i
	for ((i = 0; i < 640; i++)); do
		printf '{"type":"x-t%d","source":"s%d","payload":{"i":%d}}\n' $((i % 2)) $((i * 7 % 40)) "$i"
	done >"$IN"
	append_file "$IN"
	# s3 holds 16 of 649 entries: few enough to be walked.
	run -0 --separate-stderr sl-log --source s3
	assert_equal "${#lines[@]}" 16
	assert_equal "$output" "$(sl-log | jq -c 'select(.source == "s3")')"
	assert_equal "$(sl-log --type x-t1 --source 's1?')" "$(sl-log | jq -c 'select(.type == "x-t1" and (.source | test("^s1.$")))')"
	# Pages of 5 after a seq inside the stream give the same entries.
	local after=-1 all=
	while :; do
		if ((after < 0)); then run -0 sl-log --source s3 --limit 5; else run -0 sl-log --source s3 --limit 5 --after "$after"; fi
		[[ -n $output ]] || break
		all+=$output$'\n'
		after=$(jq -s '.[-1].seq' <<<"$output")
	done
	assert_equal "${all%$'\n'}" "$(sl-log --source s3)"
	# A link from an entry of s3 into another stream: refused, not listed under s3.
	local victim other
	victim=$(sl-log --source s3 | jq -s '.[5].seq')
	other=$(sl-log --source s4 | jq -s '.[0].seq')
	tamper entry-set "$victim" prev "$other"
	run -100 --separate-stderr sl-log --source s3
	assert_equal "$stderr" "sl-log: fatal: unable to list entries: the stream with id $(tamper stream-get s3 id) has a broken link at seq $victim"
	run -1 --separate-stderr sl-verify
}

@test "sl-log stops at an entry whose stored bytes were changed: exit 100 naming the seq, never its bytes" {
	tamper_entry 2
	run -100 --separate-stderr sl-log
	assert_leaf_mismatch sl-log 2
	# What came before the damage was printed, and nothing after it.
	assert_equal "$(seqs)" 0,1
	run -100 --separate-stderr sl-log --type environment
	assert_leaf_mismatch sl-log 2
	assert_equal "$output" ""
	# A listing that does not reach it is not refused.
	run -0 --separate-stderr sl-log --after 2
	assert_equal "$(seqs)" 3,4,5,6,7,8
}

@test "sl-log through the stream index (a rare source) checks the bytes too" {
	# 40 sources of one entry each (seq 9..48): one of them is under an
	# eighth of the log, so --source src2 walks its stream (store-sqlite.c).
	append_n 40 src
	tamper_entry 11
	run -100 --separate-stderr sl-log --source src2
	assert_leaf_mismatch sl-log 11
	assert_equal "$output" ""
	run -100 --separate-stderr sl-log --source 'src[0-3]' --type x-test
	assert_leaf_mismatch sl-log 11
	assert_equal "$(seqs)" 9,10
	run -0 --separate-stderr sl-log --source src3
	assert_equal "$(seqs)" 12
}

@test "a stream row relabelled behind the ledger's back: the walk refuses rows of another source" {
	append_n 40 src
	# src2's stream (its one entry is seq 11) now claims to be "fake".
	tamper stream-set src2 source fake
	run -100 --separate-stderr sl-log --source fake
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-log: fatal: .*seq 11: listed by the stream index under a type or source it does not have$'
	run -100 --separate-stderr sl-log --type x-test --source 'fak?'
}
