# SPDX-License-Identifier: MIT
# Shared set-up for the tests of the capture programs (t/1NNN-*.bats):
# git repositories built in the test, isolated from the user's git
# configuration, with fixed identities and dates so that ids are stable.

load test_helper

capture_setup() {
	sl_setup
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	export GIT_CONFIG_NOSYSTEM=1
	export XDG_CONFIG_HOME="$HOME/.config"
	export GIT_AUTHOR_NAME=Alice GIT_AUTHOR_EMAIL=alice@example.com
	export GIT_COMMITTER_NAME=Alice GIT_COMMITTER_EMAIL=alice@example.com
	export GIT_AUTHOR_DATE='2026-01-02T03:04:05Z' GIT_COMMITTER_DATE='2026-01-02T03:04:05Z'
	unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
	HOST=$(hostname)
}

# A capture time: what sl_time_format writes.
CAPTURED_RE='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$'

# make_repo DIR: a repository on branch main with two commits.
make_repo() {
	local d=$1
	git init -q -b main "$d" || fail "git init $d"
	(
		cd "$d" &&
			printf 'one\n' >a.txt && printf 'two\n' >b.txt && mkdir -p src/lib &&
			printf 'int x;\n' >src/lib/x.c &&
			git add . && git commit -q -m first &&
			printf 'one more\n' >>a.txt && git commit -q -am second
	) || fail "unable to build the repository $d"
}

# The payload of the single line in $output.
payload() {
	jq -c .payload <<<"$output"
}

# member NAME: payload member as jq prints it (compact).
member() {
	jq -c ".payload.$1" <<<"$output"
}

# Feed $output through sl-append; fail unless it is accepted.
append_output() {
	init_ledger
	printf '%s\n' "$output" | sl-append >"$BATS_TEST_TMPDIR/receipt" ||
		fail "sl-append refused: $output"
}

# require_preload PROGRAM: skip unless an LD_PRELOAD library (faketime,
# fiu-run) can run PROGRAM; AddressSanitizer must come first in the list.
require_preload() {
	if ldd "$(command -v "$1")" 2>/dev/null | grep -q libasan; then
		skip "$1 is built with AddressSanitizer, which must be loaded before any LD_PRELOAD library"
	fi
}
