#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-advisory on realistic and large input always reports (issue 12): an
# /etc-sized set of configs, a generated ledger (bench/gen), a namespace
# with thousands of gaps.  A finding's message stays bounded ("… and N
# more") with the whole list in its items and total; only a user rule
# that writes an unbounded message still fails, by name.

bats_require_minimum_version 1.5.0
load test_helper

setup_file() {
	need_bench_gen
}

setup() {
	ledger_setup
	GEN="$SL_SRCDIR/build/bench/gen"
}

# report: a complete snapshot of $L judged by the shipped rules; the report in $output.
report() {
	sl-snapshot --at now --complete >"$BATS_TEST_TMPDIR/snap.json" || fail "sl-snapshot"
	run -0 --separate-stderr sl-advisory "$@" <"$BATS_TEST_TMPDIR/snap.json"
	assert_equal "$stderr" ""
	# Every message is for people: bounded whatever the input.
	assert_equal "$(jq '[.findings[].message | utf8bytelength | select(. > 4096)] | length' <<<"$output")" 0
}

# finding RULE: the finding of RULE in the report (its first one).
finding() {
	jq -c --arg r "$1" 'first(.findings[] | select(.rule == $r))' <<<"$output"
}

@test "300 config files captured with -r: one bounded message, the whole list in items" {
	local d="$BATS_TEST_TMPDIR/etc" i
	mkdir -p "$d/conf.d"
	for i in $(seq 1 300); do
		printf 'option-%d = value-%d\n' "$i" "$i" >"$d/conf.d/service-$(printf %03d "$i").conf"
	done
	sl-capture-config -r "$d" >"$IN" || fail "sl-capture-config"
	append_file "$IN"
	report
	local f
	f=$(finding config-not-stored)
	assert_equal "$(jq -c '[.severity, .weight, .total, (.items | length), (.evidence | length), (.items | unique | length)]' <<<"$f")" \
		'["medium",5,300,300,300,300]'
	assert_equal "$(jq -r .message <<<"$f")" \
		"the content of 300 config files was not stored and cannot be restored: $d/conf.d/service-001.conf, $d/conf.d/service-002.conf, $d/conf.d/service-003.conf, $d/conf.d/service-004.conf, $d/conf.d/service-005.conf, … and 295 more"
	assert_equal "$(jq -r '.items[299]' <<<"$f")" "$d/conf.d/service-300.conf"
}

@test "the real /etc/ssl and /etc/apt, captured with -r, are judged" {
	local dirs=() d
	for d in /etc/ssl /etc/apt; do
		[[ -d $d ]] && dirs+=("$d")
	done
	[[ ${#dirs[@]} -gt 0 ]] || skip "neither /etc/ssl nor /etc/apt exists here"
	sl-capture-config -r "${dirs[@]}" >"$IN" 2>/dev/null
	[[ -s $IN ]] || skip "nothing readable under ${dirs[*]}"
	append_file "$IN"
	report
	local n
	n=$(grep -c '"type":"config"' "$IN")
	assert_equal "$(jq -c "$(printf '%s' '[first(.findings[] | select(.rule == "config-not-stored")) | .total, (.items | length)]')" <<<"$output")" "[$n,$n]"
}

@test "a ledger of 2,000 generated entries (bench/gen) is judged, not refused" {
	"$GEN" 2000 2>/dev/null >"$IN" || fail "gen"
	append_file "$IN"
	report
	assert_equal "$(jq -c '[.complete, .size, (.rules | length), (.findings | length > 0)]' <<<"$output")" \
		'[true,2000,17,true]'
	# The bounded lists say how long they are.
	local f
	f=$(finding config-not-stored)
	assert_equal "$(jq '.total == (.items | length) and .total == (.evidence | length)' <<<"$f")" true
	assert_regex "$(jq -r .message <<<"$f")" ', … and [0-9]+ more$'
	# The rule input is not the prefix: it grows with the sources, not the entries.
	run -0 --separate-stderr sl-advisory --input <"$BATS_TEST_TMPDIR/snap.json"
	assert_equal "$(jq -c '[.prefix, (.entries | length) < 2000, .replay.totals.mutations > 0]' <<<"$output")" \
		'[null,true,true]'
}

@test "30,000 config sources: the whole list in items, though it is more than 1 MiB" {
	awk -v n=30000 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"type\":\"config\",\"source\":\"config:web-%d:/etc/service/conf.d/some-longer-name-%05d.conf\",\"payload\":{\"path\":\"/etc/service/conf.d/some-longer-name-%05d.conf\",\"sha256\":\"%064d\"}}\n", i % 10, i, i, i
	}' >"$IN"
	jq -cs -f "$BATS_TEST_DIRNAME/fixtures/advisory/snapshot.jq" "$IN" >"$BATS_TEST_TMPDIR/30k.json" ||
		fail "snapshot.jq"
	run -0 --separate-stderr sl-advisory <"$BATS_TEST_TMPDIR/30k.json"
	assert_equal "$stderr" ""
	assert_equal "$(jq -c 'first(.findings[] | select(.rule == "config-not-stored")) | [.total, (.items | length), .items[29999], (.message | test(", … and 29995 more$"))]' <<<"$output")" \
		'[30000,30000,"/etc/service/conf.d/some-longer-name-29999.conf",true]'
}

# A snapshot (t/fixtures/advisory/snapshot.jq) of N mutations in one
# namespace at positions 0, 2, 4, ...: N-1 gaps of one position each.
gaps_snapshot() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"type\":\"mutation\",\"source\":\"kafka:orders\",\"payload\":{\"namespace\":\"kafka/c1/orders/0\",\"position\":%d,\"id\":\"m%d\",\"sha256\":\"%064d\"}}\n", 2 * i, i, i
	}' >"$BATS_TEST_TMPDIR/gaps.ndjson"
	jq -cs -f "$BATS_TEST_DIRNAME/fixtures/advisory/snapshot.jq" "$BATS_TEST_TMPDIR/gaps.ndjson" \
		>"$BATS_TEST_TMPDIR/gaps.json" || fail "snapshot.jq"
}

@test "namespace-sequence: 20,000 gaps give one bounded finding with the totals" {
	gaps_snapshot 20000
	local d="$BATS_TEST_TMPDIR/only"
	mkdir -p "$d" && cp "$BATS_TEST_DIRNAME/../share/stateledger/rules/namespace-sequence.jq" "$d/"
	run -0 --separate-stderr sl-advisory --no-builtin-rules --rules "$d" <"$BATS_TEST_TMPDIR/gaps.json"
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[(.findings | length), .replay]' <<<"$output")" '[1,["19999 gaps in the mutations"]]'
	assert_equal "$(jq -c '.findings[0] | [.severity, .weight, .total, (.items | length), .items[0], (.evidence | length)]' <<<"$output")" \
		'["high",15,19999,100,{"namespace":"kafka/c1/orders/0","after":0,"before":2,"missing":1,"seqs":[0,1]},101]'
	assert_equal "$(jq -r '.findings[0].message' <<<"$output")" \
		"19999 gaps (19999 positions missing) in the mutations: namespace kafka/c1/orders/0 after 0, before 2, namespace kafka/c1/orders/0 after 2, before 4, namespace kafka/c1/orders/0 after 4, before 6, … and 19996 more"
	# What the rules read holds the first 100 gaps and the totals, per namespace too.
	run -0 --separate-stderr sl-advisory --input <"$BATS_TEST_TMPDIR/gaps.json"
	assert_equal "$(jq -c '.replay | [(.gaps | length), .totals.gaps, .totals.missing, .namespaces[0].count, .namespaces[0].first, .namespaces[0].last, .namespaces[0].gaps.total, (.namespaces[0].gaps.items | length)]' <<<"$output")" \
		'[100,19999,19999,20000,0,39998,19999,100]'
}

@test "a user rule that writes an unbounded message still fails, naming the rule" {
	local d="$BATS_TEST_TMPDIR/user"
	mkdir -p "$d"
	printf '%s\n' '{severity: "low", weight: 1, message: ("x" * 5000), remedy: "r", evidence: []}' >"$d/long.jq"
	"$GEN" 50 2>/dev/null >"$IN" || fail "gen"
	append_file "$IN"
	sl-snapshot --at now --complete >"$BATS_TEST_TMPDIR/snap.json" || fail "sl-snapshot"
	run -100 --separate-stderr sl-advisory --no-builtin-rules --rules "$d" <"$BATS_TEST_TMPDIR/snap.json"
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-advisory: rule 'long' ($d/long.jq) failed: output line 1: message: 5000 bytes, more than 4096: bound the message and put the whole list in \"items\"
sl-advisory: fatal: unable to judge the snapshot: 1 rule failed"
	# A finding's items and total are checked too.
	printf '%s\n' '{severity: "low", weight: 1, message: "m", remedy: "r", evidence: [], items: [1, 2], total: 1}' >"$d/long.jq"
	run -100 --separate-stderr sl-advisory --no-builtin-rules --rules "$d" <"$BATS_TEST_TMPDIR/snap.json"
	assert_equal "$stderr" "sl-advisory: rule 'long' ($d/long.jq) failed: output line 1: total: must be an integer, at least the number of items
sl-advisory: fatal: unable to judge the snapshot: 1 rule failed"
}

@test "a complete snapshot is read a value at a time: a broken prefix item is named" {
	gaps_snapshot 3
	jq -c '.prefix[1] = "not an entry"' "$BATS_TEST_TMPDIR/gaps.json" >"$BATS_TEST_TMPDIR/bad.json"
	run -100 --separate-stderr sl-advisory <"$BATS_TEST_TMPDIR/bad.json"
	assert_equal "$stderr" "sl-advisory: fatal: unable to read the snapshot: prefix: item 1 is not an entry"
	# Cut short in the middle of the prefix: not JSON, with the byte offset.
	head -c 700 "$BATS_TEST_TMPDIR/gaps.json" >"$BATS_TEST_TMPDIR/cut.json"
	run -100 --separate-stderr sl-advisory <"$BATS_TEST_TMPDIR/cut.json"
	assert_regex "$stderr" "^sl-advisory: fatal: unable to read the snapshot: the snapshot is not JSON: the document ends early at byte [0-9]+$"
}

@test "a complete snapshot far larger than the memory it may use is read, never held whole" {
	if ldd "$(command -v sl-advisory)" 2>/dev/null | grep -q libasan; then
		skip "AddressSanitizer reserves more address space than the limit this test sets"
	fi
	# 200,000 prefix entries: 43 MB of JSON, read under a 64 MiB address-space limit.
	awk -v n=200000 'BEGIN {
		printf "{\"type\":\"snapshot\",\"at\":\"2026-01-01T00:00:00.000000Z\",\"size\":%d,\"entries\":[],\"complete\":true,\"prefix\":[", n
		for (i = 0; i < n; i++)
			printf "%s\"{\\\"payload\\\":{\\\"i\\\":%d,\\\"note\\\":\\\"%s\\\"},\\\"seq\\\":%d,\\\"source\\\":\\\"x:%d\\\",\\\"ts\\\":\\\"2026-01-01T00:00:00.000000Z\\\",\\\"type\\\":\\\"x-test\\\"}\"", (i ? "," : ""), i, "padding-padding-padding-padding-padding-padding-padding-padding-padding-padding", i, i % 100
		printf "]}\n"
	}' >"$BATS_TEST_TMPDIR/big.json"
	run -0 --separate-stderr bash -c 'ulimit -v 65536 && exec sl-advisory --input' <"$BATS_TEST_TMPDIR/big.json"
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.size, .complete, .prefix, .replay.totals.mutations]' <<<"$output")" '[200000,true,null,0]'
}
