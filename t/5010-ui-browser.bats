#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# The timeline page of sl-httpd in a real browser (issue 15): Debian's
# chromium driven by playwright-core (pinned in t/ui/package-lock.json,
# installed here with npm into t/ui/node_modules, which git ignores),
# against sl-httpd serving a ledger built by the capture programs.  The
# checks are in t/ui/ui-test.mjs: the rows at two times, a shared ?at= URL,
# the diff view, and "verify" green for an untouched entry and red when a
# proxy in the test tampers with the entry, the proof or the checkpoint's
# signature.  It writes the screenshots doc/ui-at.png and doc/ui-diff.png
# when SL_UI_SHOTS is set.  A browser that cannot be started is a failure,
# never a skip.

bats_require_minimum_version 1.5.0
load test_helper
load httpd_helper

setup_file() {
	# One npm install for the file, from the lock file, into the ignored folder.
	local ui="${SL_SRCDIR:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}/t/ui"
	if [[ ! -e $ui/node_modules/playwright-core/package.json ]]; then
		command -v npm >/dev/null || { echo "npm is not installed: make deps" >&2; return 1; }
		(cd "$ui" && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
			{ echo "npm ci in $ui failed" >&2; return 1; }
	fi
}

at() {
	local t=$1
	shift
	printf '%s\n' "$@" | faketime "$t" sl-append >>"$BATS_TEST_TMPDIR/receipts" ||
		fail "append at $t failed"
}

setup() {
	sl_setup
	# Missing tools fail this file: a browser test that does not run must say so loudly.
	local c
	for c in node chromium git faketime curl socat jq ss; do
		command -v "$c" >/dev/null || fail "'$c' is not installed (make deps installs it)"
	done
	init_ledger
	REPO="$BATS_TEST_TMPDIR/shop"
	git init -q -b main "$REPO"
	git -C "$REPO" -c user.name=t -c user.email=t@example.org commit -q --allow-empty -m one
	COMMIT1=$(git -C "$REPO" rev-parse HEAD)
	mkdir -p "$BATS_TEST_TMPDIR/etc"
	CONF="$BATS_TEST_TMPDIR/etc/app.conf"
	printf 'workers 4\n' >"$CONF"
	at '2026-01-01 10:00:00' "$(sl-capture-git -C "$REPO")" \
		"$(sl-capture-config -L "$L" --store --host web-1 "$CONF")" \
		"$(faketime '2026-01-01 10:00:00' sl-capture-env --source env:web-1)"
	git -C "$REPO" -c user.name=t -c user.email=t@example.org commit -q --allow-empty -m two
	COMMIT2=$(git -C "$REPO" rev-parse HEAD)
	printf 'workers 8\n' >"$CONF"
	printf 'x\n' >"$BATS_TEST_TMPDIR/etc/new.conf"
	at '2026-02-01 10:00:00' "$(sl-capture-git -C "$REPO")" \
		"$(sl-capture-config -L "$L" --store --host web-1 "$CONF" "$BATS_TEST_TMPDIR/etc/new.conf")" \
		"$(faketime '2026-02-01 10:00:00' sl-capture-env --source env:web-1)"
	sl-keygen -L "$L" >"$BATS_TEST_TMPDIR/vkey" 2>/dev/null || fail "sl-keygen failed"
	# A second signature, Ed25519, on the same checkpoint: the page verifies either key.
	sl-keygen -L "$L" --type ed25519 --name witness.example -o "$BATS_TEST_TMPDIR/ed.key" \
		>"$BATS_TEST_TMPDIR/vkey-ed" 2>/dev/null || fail "sl-keygen --type ed25519 failed"
	sl-checkpoint -L "$L" -k "$L/keys/checkpoint.key" -k "$BATS_TEST_TMPDIR/ed.key" >/dev/null ||
		fail "sl-checkpoint failed"
	httpd_start
}

teardown() {
	httpd_teardown
}

@test "the page in chromium: rows at two times, a shared URL, the diff, and verify green and red" {
	local git_source want shots=
	git_source=$(sl-log --type code | head -1 | jq -r .source)
	want=$(jq -nc --arg c1 "$COMMIT1" --arg c2 "$COMMIT2" --arg path "$(realpath "$CONF")" \
		--arg s1 "$(sl-get 1 | jq -r .payload.sha256)" --arg s2 "$(sl-log --type config | sed -n 2p | jq -r .payload.sha256)" \
		--arg gs "$git_source" --arg cs "$(sl-get 1 | jq -r .source)" \
		--arg ad "$(sl-log --type config | sed -n 3p | jq -r .source)" \
		--arg leaf "$(sed -n 1p "$BATS_TEST_TMPDIR/receipts" | jq -r .leaf_hash)" \
		--arg root "$(sl-prove --head | jq -r .root)" --argjson size "$(sl-prove --head | jq .size)" \
		--arg t1 $'workers 4\n' --arg t2 $'workers 8\n' \
		'{size:$size, root:$root, config1_text:$t1, config2_text:$t2, commit1:$c1, commit2:$c2, branch:"main", config_path:$path, config1:$s1, config2:$s2,
		  git_source:$gs, config_source:$cs, added_source:$ad, env_source:"env:web-1", seq:0, leaf:$leaf}')
	[[ -n ${SL_UI_SHOTS-} ]] && shots="$SL_SRCDIR/doc"
	run --separate-stderr env SL_URL="$URL" SL_VKEY="$(cat "$BATS_TEST_TMPDIR/vkey")" \
		SL_VKEY_ED="$(cat "$BATS_TEST_TMPDIR/vkey-ed")" \
		SL_T1=2026-01-15T00:00:00Z SL_T2=2026-02-15T00:00:00Z SL_WANT="$want" SL_SHOTS="$shots" \
		node "$SL_SRCDIR/t/ui/ui-test.mjs"
	printf '%s\n' "$output" "$stderr" | sed 's/^/# /' >&3
	assert_equal "$status" 0
	refute_output --partial 'not ok'
	assert_output --partial 'verify is red for a tampered entry'
}
