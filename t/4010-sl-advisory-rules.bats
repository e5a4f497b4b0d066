#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-advisory: every shipped rule (share/stateledger/rules/NAME.jq) against
# a fixture that triggers it and one that does not
# (t/fixtures/advisory/NAME.trigger.ndjson and NAME.clean.ndjson: entry
# lines as sl-append reads them, made into a snapshot document by
# t/fixtures/advisory/snapshot.jq).  Issue 5, done-when 1.

bats_require_minimum_version 1.5.0
load test_helper

ADV="$BATS_TEST_DIRNAME/fixtures/advisory"
RULES="$BATS_TEST_DIRNAME/../share/stateledger/rules"

setup() {
	sl_setup
}

# snap FIXTURE: the snapshot document of t/fixtures/advisory/FIXTURE.ndjson.
snap() {
	jq -cs -f "$ADV/snapshot.jq" "$ADV/$1.ndjson" >"$BATS_TEST_TMPDIR/$1.json" ||
		fail "unable to make a snapshot of $1"
	printf '%s' "$BATS_TEST_TMPDIR/$1.json"
}

# only RULE: a directory holding only that shipped rule.
only() {
	local d="$BATS_TEST_TMPDIR/only-$1"
	mkdir -p "$d" && cp "$RULES/$1.jq" "$d/" || fail "no rule $1"
	printf '%s' "$d"
}

# findings RULE FIXTURE [sl-advisory options]: run RULE alone on FIXTURE and
# set $found to [severity, weight, evidence, message] of each finding.
findings() {
	local r=$1 f=$2
	shift 2
	run -0 --separate-stderr sl-advisory --no-builtin-rules --rules "$(only "$r")" "$@" <"$(snap "$f")"
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.findings[].rule | select(. != "'"$r"'")]' <<<"$output")" "[]"
	found=$(jq -c '[.findings[] | [.severity, .weight, .evidence, .message]]' <<<"$output")
	risk=$(jq -r .risk <<<"$output")
}

# silent RULE: the clean fixture gives no finding and no risk.
silent() {
	findings "$1" "$1.clean" "${@:2}"
	assert_equal "$found" "[]"
	assert_equal "$risk" 0
}

@test "every shipped rule has a trigger and a clean fixture, and a test here" {
	local r n=0
	for f in "$RULES"/*.jq; do
		r=$(basename "$f" .jq)
		[[ -f $ADV/$r.trigger.ndjson ]] || fail "no fixture $r.trigger.ndjson"
		[[ -f $ADV/$r.clean.ndjson ]] || fail "no fixture $r.clean.ndjson"
		grep -q "^@test \"$r:" "$BATS_TEST_FILENAME" || fail "no test for rule $r"
		n=$((n + 1))
	done
	assert_equal "$n" 17
}

@test "the baseline fixture triggers no shipped rule at all" {
	run -0 --separate-stderr sl-advisory <"$(snap baseline)"
	assert_equal "$(jq -c '[.risk, .level, .can_replay, .findings]' <<<"$output")" '[0,"low",true,[]]'
	assert_equal "$(jq '.rules | length' <<<"$output")" 17
}

@test "missing-dimension: no config entry; all three present is silent" {
	findings missing-dimension missing-dimension.trigger
	assert_equal "$found" '[["high",15,[0,1],"no config entry: the snapshot cannot say which config was in effect"]]'
	silent missing-dimension
}

@test "dirty-tree: dirty true scores, dirty false with no changes does not" {
	findings dirty-tree dirty-tree.trigger
	assert_equal "$found" '[["high",20,[0],"uncommitted changes in the working tree of git:shop (1 changed path recorded)"]]'
	silent dirty-tree
}

@test "commit-not-full: a short commit; a 64-digit (SHA-256) id is full" {
	findings commit-not-full commit-not-full.trigger
	assert_equal "$found" '[["high",20,[0],"the commit of git:shop is not a full object id: 0123abc"]]'
	silent commit-not-full
}

@test "no-lockfiles: an empty lockfile list" {
	findings no-lockfiles no-lockfiles.trigger
	assert_equal "$found" '[["medium",10,[0],"no lockfile recorded for git:shop: dependencies are not pinned"]]'
	silent no-lockfiles
}

@test "clock: unsynced scores; ntp-synced does not; a fixed clock is a credit" {
	findings clock clock.trigger
	assert_equal "$found" '[["medium",10,[2],"the clock of env:web-1 was not synchronised"]]'
	silent clock
	findings clock clock.pinned
	assert_equal "$found" '[["info",-5,[2],"the clock of env:web-1 was pinned (fixed)"]]'
	assert_equal "$risk" 0
	assert_equal "$(jq -c .score <<<"$output")" '{"points":0,"credits":-5,"cap":100,"medium":25,"high":60}'
}

@test "clock: a pinned clock lowers the risk of the other findings, never raises it" {
	local unsynced pinned synced
	# The same state with a tag-only image (10 points) and each clock.
	for c in unsynced fixed ntp-synced; do
		jq -c '(select(.type == "environment") | .payload.container) |= {image: "shop:1"} |
			(select(.type == "environment") | .payload.time_source) |= "'$c'"' \
			"$ADV/baseline.ndjson" >"$BATS_TEST_TMPDIR/c-$c.ndjson"
		jq -cs -f "$ADV/snapshot.jq" "$BATS_TEST_TMPDIR/c-$c.ndjson" >"$BATS_TEST_TMPDIR/c-$c.json"
		run -0 --separate-stderr sl-advisory <"$BATS_TEST_TMPDIR/c-$c.json"
		printf -v "risk_${c//-/_}" '%s' "$(jq -r .risk <<<"$output")"
	done
	assert_equal "$risk_unsynced $risk_ntp_synced $risk_fixed" "20 10 5"
}

@test "tz: unset and Europe/Paris score; UTC and Etc/UTC do not" {
	findings tz tz.trigger
	assert_equal "$found" '[["low",5,[2,3],"the time zone is not UTC on env:db-1 (unset), env:web-1 (Europe/Paris)"]]'
	silent tz
}

@test "locale: en_US.UTF-8 scores; C.UTF-8 does not" {
	findings locale locale.trigger
	assert_equal "$found" '[["low",5,[2],"the locale is not C or POSIX on env:web-1 (en_US.UTF-8)"]]'
	silent locale
}

@test "source-date-epoch: absent scores; 0 is a value" {
	findings source-date-epoch source-date-epoch.trigger
	assert_equal "$found" '[["low",5,[2],"SOURCE_DATE_EPOCH was not set on env:web-1"]]'
	silent source-date-epoch
}

@test "umask: 0000 is unusual; 0002 is not" {
	findings umask umask.trigger
	assert_equal "$found" '[["low",3,[2],"unusual umask on env:web-1: 0000"]]'
	silent umask
}

@test "container-tag: a tag without digest; an image named by digest is pinned" {
	findings container-tag container-tag.trigger
	assert_equal "$found" '[["medium",10,[2],"container image referenced by tag without digest on env:web-1: registry.example/shop:latest"]]'
	silent container-tag
}

@test "runtime-version: a runtime that said no version" {
	findings runtime-version runtime-version.trigger
	assert_equal "$found" '[["low",5,[2],"runtime without a version on env:web-1 (node)"]]'
	silent runtime-version
}

@test "config-not-stored: stored false scores; stored true does not" {
	findings config-not-stored config-not-stored.trigger
	assert_equal "$found" '[["medium",5,[1],"the content of 1 config file was not stored and cannot be restored: /etc/shop.conf"]]'
	silent config-not-stored
}

@test "config-digest: stored bytes changed or missing score; intact bytes do not; no -L judges nothing" {
	init_ledger
	# Both fixtures name the same stored config: the artifact store makes the difference.
	findings config-digest config-digest.trigger -L "$L"
	assert_equal "$found" '[["high",15,[1],"the stored content of /etc/shop.conf is missing from the artifact store"]]'
	local d
	d=$(printf 'listen 80;\n' | sl-artifact put -) || fail "put"
	assert_equal "$d" ae7ea37f433fb97005c5025e69e5fcefe0ea3c808e5d3a1dd0c3499958dfe539
	silent config-digest -L "$L"
	local f="$L/artifacts/sha256/ae/$d"
	chmod u+w "$f" && printf 'listen 8080;\n' >"$f" || fail "unable to damage $f"
	findings config-digest config-digest.trigger -L "$L"
	assert_equal "$found" '[["high",25,[1],"the stored bytes of /etc/shop.conf no longer match their digest"]]'
	# Without the ledger nothing was checked, and the report says so.
	findings config-digest config-digest.trigger
	assert_equal "$found" "[]"
	assert_equal "$(jq -r '.warnings[0]' <<<"$output")" \
		"stored configs were not checked against an artifact store (give the ledger with -L)"
}

@test "mutation-position: a mutation without a position; integers and LSNs in their own namespaces are fine" {
	findings mutation-position mutation-position.trigger
	assert_equal "$found" '[["high",20,[4],"1 mutation without a position cannot be put in order"]]'
	assert_equal "$(jq -c '[.can_replay, .replay]' <<<"$output")" '[false,["1 mutation cannot be ordered"]]'
	silent mutation-position
}

@test "namespace-sequence: a conflict, a gap and a redelivery; positions in order and LSN jumps are fine" {
	findings namespace-sequence namespace-sequence.trigger
	assert_equal "$found" '[["high",30,[4,6],"conflict in namespace kafka/c1/orders/0 at position 2: two mutations with different digests"],["high",15,[4,5],"gap in namespace kafka/c1/orders/0: 1 position missing after 2, before 4"],["low",1,[3,7],"1 mutation delivered twice with the same digest (replay drops the copies)"]]'
	assert_equal "$risk" 46
	assert_equal "$(jq -c '[.can_replay, .replay]' <<<"$output")" '[false,["1 conflicting mutation","1 gap in the mutations"]]'
	silent namespace-sequence
}

@test "namespace-sequence: gaps are judged only on a complete snapshot" {
	jq -cs --argjson complete false -f "$ADV/snapshot.jq" "$ADV/namespace-sequence.trigger.ndjson" \
		>"$BATS_TEST_TMPDIR/incomplete.json"
	run -0 --separate-stderr sl-advisory --no-builtin-rules --rules "$(only namespace-sequence)" \
		<"$BATS_TEST_TMPDIR/incomplete.json"
	# Only the latest mutation of the source is in an incomplete snapshot: nothing to judge.
	assert_equal "$(jq -c '[.findings, .can_replay, .warnings[0]]' <<<"$output")" \
		'[[],false,"the snapshot is not complete: rules saw only the latest entry of each source (take it with sl-snapshot --complete)"]'
}

@test "mutation-config: a mutation under the config replaced before it; one under the config in effect is fine" {
	findings mutation-config mutation-config.trigger
	assert_equal "$found" '[["high",20,[5],"1 mutation applied under a config not in effect at the time (seq 5: 555555555555)"]]'
	silent mutation-config
}

@test "env-drift: two hosts of service web with different kernels; db-1 alone is another service" {
	findings env-drift env-drift.trigger
	assert_equal "$found" '[["medium",10,[2,3],"the hosts of service web (env:web-1, env:web-2) differ in kernel"]]'
	silent env-drift
}
