#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The timeline page on a big ledger (issue 15, done-when 2): 1,000,000
# entries of 1,000 sources (bench/gen; SL_UI_SCALE_N for another size),
# served on loopback, opened in Debian's chromium.  The load time is
# measured and reported (in the TAP output), not asserted; what is checked
# is that the page renders no more rows than fit, pages, counts every
# source and filters.  A browser that cannot start fails the test.

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

setup_file() {
	need_bench_gen
	local ui="${SL_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}/t/ui"
	if [[ ! -e $ui/node_modules/playwright-core/package.json ]]; then
		(cd "$ui" && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
			{ echo "npm ci in $ui failed" >&2; return 1; }
	fi
}

setup() {
	sl_setup
	local c
	for c in node chromium curl socat jq ss; do
		command -v "$c" >/dev/null || fail "'$c' is not installed (make deps installs it)"
	done
	init_ledger
	"$SL_SRCDIR/build/bench/gen" "${SL_UI_SCALE_N:-1000000}" 2>/dev/null | sl-append >/dev/null ||
		fail "append failed"
	httpd_start
}

teardown() {
	httpd_teardown
}

@test "the page at T on a ledger of 1M entries and 1,000 sources: load time reported, rows paged" {
	local sources
	sources=$(curl -sS "$URL/v1/sources?at=now" | jq '([.entries[] | select(.type != "mutation")] | length) + (.mutations | length)')
	[[ $sources -ge 1000 ]] || fail "only $sources sources and namespaces"
	# The server's first /v1/verify reads the whole ledger (seconds at 1M); the page asks for it
	# after its view is shown, and it is kept for the next requests.  Timed apart, beforehand,
	# so that the page's figures are the page's.
	local vt
	vt=$(curl -sS -o /dev/null -w '%{time_total}' "$URL/v1/verify")
	echo "# the server's first /v1/verify, by curl: $vt s" >&3
	run --separate-stderr env SL_URL="$URL" SL_SOURCES="$sources" node "$SL_SRCDIR/t/ui/ui-load.mjs"
	printf '%s\n' "$output" "$stderr" | sed 's/^/# /' >&3
	assert_equal "$status" 0
	refute_output --partial 'not ok'
}
