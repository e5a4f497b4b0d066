#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Every systemd unit that the shipped units, contrib/ and the docs name
# exists in contrib/systemd/: a comment that sends an operator to a unit
# that is not there is a defect (the accept socket once named
# "sl-httpd@.service" for sl-httpd-accept@.service).

bats_require_minimum_version 1.5.0
load test_helper

@test "every unit named in contrib/, share/, doc/ and the README is a file in contrib/systemd/" {
	local u named=0 missing=()
	while read -r u; do
		named=$((named + 1))
		[[ -f $SL_SRCDIR/contrib/systemd/$u ]] || missing+=("$u")
	done < <(grep -rhoE '\bsl-[A-Za-z0-9_-]+@?\.(service|socket)\b' \
		"$SL_SRCDIR/contrib" "$SL_SRCDIR/share" "$SL_SRCDIR/doc" "$SL_SRCDIR/README.md" | sort -u)
	# The test must see the units it checks, or it proves nothing.
	((named >= 4)) || fail "only $named unit names found"
	assert_equal "${missing[*]}" ""
}

@test "the accept socket's comment names the service it starts, which runs per connection" {
	run -0 grep -E '^# .*sl-httpd-accept@\.service instance' "$SL_SRCDIR/contrib/systemd/sl-httpd-accept.socket"
	run -0 grep -E '^Accept=yes$' "$SL_SRCDIR/contrib/systemd/sl-httpd-accept.socket"
	run -0 grep -E '^StandardInput=socket$' "$SL_SRCDIR/contrib/systemd/sl-httpd-accept@.service"
}
