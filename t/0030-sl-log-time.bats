#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-log --since / --until: RFC 3339 (Z or offset), @unix-seconds, now,
# inclusive bounds, and bad times.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
}

seqs() {
	jq -r .seq <<<"$output" | paste -sd, -
}

# Three batches whose clocks are a year apart (libfaketime sets the clock;
# it keeps running from there):
#   seq 0-1 at 2021-01-01T00:00:00.xZ, 2-3 at 2022-01-01..., 4-5 at 2023-01-01...
three_years() {
	require_cmd faketime
	local y
	for y in 2021 2022 2023; do
		gen_entries 2 "y$y-" >"$IN"
		faketime "$y-01-01 00:00:00" sl-append <"$IN" >/dev/null || fail "faketime sl-append failed"
	done
	run -0 sl-log
	assert_regex "$(jq -r .ts <<<"${lines[0]}")" '^2021-01-01T00:00:0'
	assert_regex "$(jq -r .ts <<<"${lines[2]}")" '^2022-01-01T00:00:0'
	assert_regex "$(jq -r .ts <<<"${lines[4]}")" '^2023-01-01T00:00:0'
}

@test "--since and --until with RFC 3339 UTC times" {
	three_years
	run -0 --separate-stderr sl-log --since 2022-01-01T00:00:00Z
	assert_equal "$stderr" ""
	assert_equal "$(seqs)" 2,3,4,5
	run -0 sl-log --until 2022-01-01T00:00:00Z
	assert_equal "$(seqs)" 0,1
	run -0 sl-log --since 2021-06-01T00:00:00Z --until 2022-06-01T00:00:00Z
	assert_equal "$(seqs)" 2,3
	run -0 sl-log --since 2020-01-01T00:00:00Z
	assert_equal "$(seqs)" 0,1,2,3,4,5
	run -0 --separate-stderr sl-log --until 2030-01-01T00:00:00.5Z
	assert_equal "$(seqs)" 0,1,2,3,4,5
	assert_regex "$stderr" "^sl-log: warning: --until 2030-01-01T00:00:00.5Z .* is in the future"
	# Lower-case t and z are RFC 3339 too.
	run -0 sl-log --since 2022-06-01t00:00:00z
	assert_equal "$(seqs)" 4,5
}

@test "times as date -Ins writes them (a decimal comma) are taken by sl-log and sl-snapshot" {
	three_years
	run -0 --separate-stderr sl-log --since 2022-01-01T00:00:00,000000000+00:00
	assert_equal "$stderr" ""
	assert_equal "$(seqs)" 2,3,4,5
	run -0 --separate-stderr sl-log --until 2022-06-01T02:00:00,123456789+02:00
	assert_equal "$(seqs)" 0,1,2,3
	run -0 --separate-stderr sl-log --since 2021-06-01T00:00:00,5Z --until 2022-06-01T00:00:00,5Z
	assert_equal "$(seqs)" 2,3
	# Now, as date -Ins prints it.
	run -0 --separate-stderr sl-snapshot --at "$(date -Ins)"
	assert_equal "$stderr" ""
	assert_equal "$(jq .size <<<"$output")" 6
	# A comma with no digits after it is still refused.
	run -2 --separate-stderr sl-log --since 2022-01-01T00:00:00,Z
	assert_regex "$stderr" "^sl-log: usage: --since: invalid time"
}

@test "--since and --until with RFC 3339 offsets" {
	three_years
	# 2022-01-01T02:00:00+02:00 and 2021-12-31T19:00:00-05:00 are 2022-01-01T00:00:00Z.
	run -0 --separate-stderr sl-log --since 2022-01-01T02:00:00+02:00
	assert_equal "$(seqs)" 2,3,4,5
	run -0 sl-log --since 2021-12-31T19:00:00-05:00
	assert_equal "$(seqs)" 2,3,4,5
	run -0 sl-log --until 2021-12-31T19:00:00-05:00
	assert_equal "$(seqs)" 0,1
	# 2022-01-01T05:30:00+05:30 is 2022-01-01T00:00:00Z: nothing of 2022 yet at 00:00:00Z.
	run -0 sl-log --until 2022-01-01T05:30:00+05:30
	assert_equal "$(seqs)" 0,1
	# Offsets that move the time across a year boundary: 2022-01-01T01:00:00+02:00
	# is 2021-12-31T23:00:00Z, 2023-01-01T01:00:00+02:00 is 2022-12-31T23:00:00Z,
	# 2022-12-31T23:00:00-02:00 is 2023-01-01T01:00:00Z.
	run -0 sl-log --since 2022-01-01T01:00:00+02:00 --until 2023-01-01T01:00:00+02:00
	assert_equal "$(seqs)" 2,3
	run -0 sl-log --since 2022-01-01T01:00:00+02:00 --until 2022-12-31T23:00:00-02:00
	assert_equal "$(seqs)" 2,3,4,5
}

@test "--since and --until with @unix-seconds" {
	three_years
	# 1640995200 = 2022-01-01T00:00:00Z, 1672531200 = 2023-01-01T00:00:00Z.
	run -0 --separate-stderr sl-log --since @1640995200
	assert_equal "$(seqs)" 2,3,4,5
	run -0 sl-log --until @1640995200
	assert_equal "$(seqs)" 0,1
	run -0 sl-log --since @1640995200 --until @1672531200
	assert_equal "$(seqs)" 2,3
	run -0 sl-log --since @0
	assert_equal "$(seqs)" 0,1,2,3,4,5
	run -0 sl-log --until @0
	assert_equal "$output" ""
}

@test "--since/--until combine with --type, --source, --after and --limit" {
	three_years
	run -0 --separate-stderr sl-log --since 2021-06-01T00:00:00Z --source 'y2023-*'
	assert_equal "$(seqs)" 4,5
	run -0 sl-log --since 2021-06-01T00:00:00Z --limit 3
	assert_equal "$(seqs)" 2,3,4
	run -0 sl-log --since 2021-06-01T00:00:00Z --after 3
	assert_equal "$(seqs)" 4,5
	run -0 sl-log --until 2022-06-01T00:00:00Z --after 0 --limit 2
	assert_equal "$(seqs)" 1,2
	run -0 sl-log --since 2021-06-01T00:00:00Z --type x-test --source '*-1'
	assert_equal "$(seqs)" 3,5
	run -0 sl-log --since 2021-06-01T00:00:00Z --type x-other
	assert_equal "$output" ""
}

@test "--since after every entry, --until before every entry, --since later than --until: nothing, exit 0" {
	three_years
	run -0 --separate-stderr sl-log --since 2024-01-01T00:00:00Z
	assert_equal "$output" ""
	run -0 sl-log --until 2020-12-31T23:59:59Z
	assert_equal "$output" ""
	run -0 sl-log --since 2023-01-01T00:00:00Z --until 2021-01-01T00:00:00Z
	assert_equal "$output" ""
	assert_equal "$stderr" ""
}

@test "--since now lists nothing, --until now lists everything" {
	three_years
	run -0 --separate-stderr sl-log --since now
	assert_equal "$output" ""
	run -0 sl-log --until now
	assert_equal "$(seqs)" 0,1,2,3,4,5
}

@test "--since and --until are inclusive, to the microsecond, around the receipts' ts" {
	# The real clock: batch A, a pause of more than a second, batch B.
	gen_entries 2 a >"$IN"
	run -0 sl-append <"$IN"
	local tsA tsB
	tsA=$(jq -r .ts <<<"${lines[1]}")
	sleep 1.2
	gen_entries 2 b >"$IN"
	run -0 sl-append <"$IN"
	tsB=$(jq -r .ts <<<"${lines[0]}")
	# Exactly the receipts' ts: both bounds include it.
	run -0 --separate-stderr sl-log --since "$tsB"
	assert_equal "$(seqs)" 2,3
	run -0 sl-log --until "$tsA"
	assert_equal "$(seqs)" 0,1
	run -0 sl-log --since "$tsA" --until "$tsA"
	assert_equal "$(seqs)" 0,1
	# One microsecond either side.
	local secA usA secB usB
	secA=$(date -u -d "${tsA%.*}Z" +%s)
	usA=$((10#$(sed -E 's/.*\.([0-9]{6})Z/\1/' <<<"$tsA")))
	secB=$(date -u -d "${tsB%.*}Z" +%s)
	usB=$((10#$(sed -E 's/.*\.([0-9]{6})Z/\1/' <<<"$tsB")))
	if ((usA < 999999)); then
		run -0 sl-log --since "$(date -u -d "@$secA" +%Y-%m-%dT%H:%M:%S).$(printf %06d $((usA + 1)))Z"
		assert_equal "$(seqs)" 2,3
	fi
	if ((usB > 0)); then
		run -0 sl-log --until "$(date -u -d "@$secB" +%Y-%m-%dT%H:%M:%S).$(printf %06d $((usB - 1)))Z"
		assert_equal "$(seqs)" 0,1
	fi
	# Whole seconds between the batches, as @unix-seconds and with an offset.
	local mid=$((secA + 1))
	run -0 sl-log --until "@$mid"
	assert_equal "$(seqs)" 0,1
	run -0 sl-log --since "@$mid"
	assert_equal "$(seqs)" 2,3
	run -0 sl-log --since "$(TZ=XXX-2 date -d "@$mid" +%Y-%m-%dT%H:%M:%S+02:00)"
	assert_equal "$(seqs)" 2,3
	run -0 sl-log --until "$(TZ=XXX+5:30 date -d "@$mid" +%Y-%m-%dT%H:%M:%S-05:30)"
	assert_equal "$(seqs)" 0,1
	# Fractions of a second in @unix-seconds.
	run -0 sl-log --since "@$secB.$(printf %06d "$usB")"
	assert_equal "$(seqs)" 2,3
}

@test "a bad --since or --until is a usage error (exit 2)" {
	gen_entries 1 >"$IN"
	run -0 sl-append <"$IN"
	local t
	for t in bogus '' 2021-13-01T00:00:00Z 2021-02-30T00:00:00Z 2021-01-01T24:00:00Z \
		2021-01-01T00:00:00 2021-01-01T00:00:00+2 '2021-01-01T00:00:00 Z' \
		'@' '@abc' '@1.' '@12x' yesterday 2021-01-01T00:00:00.Z; do
		run -2 --separate-stderr sl-log --since "$t"
		assert_equal "$output" ""
		assert_regex "$stderr" '^sl-log: usage: --since: '
		run -2 --separate-stderr sl-log --until "$t"
		assert_equal "$output" ""
		assert_regex "$stderr" '^sl-log: usage: --until: '
	done
}
