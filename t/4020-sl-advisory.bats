#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-advisory: user rules (--rules, SL_RULES_PATH), rules that fail
# (syntax, run time, invalid findings, time, size) and exit 100, the
# --max-risk gate, and a real capture that is clean and pinned scoring
# lower than the same checkout dirty and unpinned (issue 5, done-when 1-2).

bats_require_minimum_version 1.5.0
load capture_helper

ADV="$BATS_TEST_DIRNAME/fixtures/advisory"

setup() {
	capture_setup
	BASE="$BATS_TEST_TMPDIR/base.json"
	jq -cs -f "$ADV/snapshot.jq" "$ADV/baseline.ndjson" >"$BASE" || fail "baseline"
	U="$BATS_TEST_TMPDIR/rules-a"
	mkdir -p "$U"
}

# rule DIR NAME TEXT: write the rule DIR/NAME.jq.
rule() {
	mkdir -p "$1" && printf '%s\n' "$3" >"$1/$2.jq" || fail "unable to write $1/$2.jq"
}

CODE_RULE='.entries[] | select(.type == "code") | {severity: "medium", weight: 7, message: "code from \(.source)", remedy: "none needed", evidence: [.seq]}'

@test "a user rule in its own directory is run with --rules, beside the shipped ones" {
	rule "$U" my-code "$CODE_RULE"
	run -0 --separate-stderr sl-advisory --rules "$U" <"$BASE"
	assert_equal "$stderr" ""
	assert_equal "$(jq -c '[.risk, .findings]' <<<"$output")" \
		'[7,[{"rule":"my-code","severity":"medium","weight":7,"message":"code from git:shop","remedy":"none needed","evidence":[0]}]]'
	assert_equal "$(jq '.rules | length' <<<"$output")" 18
	assert_equal "$(jq -r '.rules[] | select(.rule == "my-code") | .path' <<<"$output")" "$U/my-code.jq"
	# However many rules run at once, the report is the same.
	local all=$output
	run -0 --separate-stderr sl-advisory --rules "$U" --jobs 1 <"$BASE"
	assert_equal "$output" "$all"
	run -0 --separate-stderr sl-advisory --rules "$U" --jobs 16 <"$BASE"
	assert_equal "$output" "$all"
}

@test "user rules are found through SL_RULES_PATH too, and the first rule of a name wins" {
	local V="$BATS_TEST_TMPDIR/rules-b"
	rule "$U" my-code "$CODE_RULE"
	rule "$V" other '.entries[] | select(.type == "environment") | {severity: "low", weight: 2, message: "env", remedy: "r", evidence: [.seq]}'
	# A user rule named like a shipped one replaces it: here tz, which says nothing.
	rule "$V" tz 'empty'
	tz_env=$(jq -c '(select(.type == "environment") | .payload.tz) |= "Europe/Paris"' "$ADV/baseline.ndjson")
	jq -cs -f "$ADV/snapshot.jq" <<<"$tz_env" >"$BATS_TEST_TMPDIR/paris.json"
	SL_RULES_PATH="$U::$V" run -0 --separate-stderr sl-advisory <"$BATS_TEST_TMPDIR/paris.json"
	assert_equal "$(jq -c '[.findings[] | [.rule, .weight]]' <<<"$output")" '[["my-code",7],["other",2]]'
	assert_equal "$(jq -r '.rules[] | select(.rule == "tz") | .path' <<<"$output")" "$V/tz.jq"
	# --rules comes before SL_RULES_PATH.
	rule "$BATS_TEST_TMPDIR/rules-c" my-code 'empty'
	SL_RULES_PATH="$U:$V" run -0 --separate-stderr sl-advisory --no-builtin-rules --rules "$BATS_TEST_TMPDIR/rules-c" \
		--list-rules </dev/null
	assert_equal "$output" "my-code $BATS_TEST_TMPDIR/rules-c/my-code.jq
other $V/other.jq
tz $V/tz.jq"
}

@test "the shipped rules are listed from the tree's share/stateledger/rules" {
	run -0 --separate-stderr sl-advisory --list-rules
	assert_equal "$(wc -l <<<"$output")" 17
	assert_equal "$(head -n1 <<<"$output")" "clock $(cd "$BATS_TEST_DIRNAME/.." && pwd -P)/share/stateledger/rules/clock.jq"
}

@test "a rule with a jq syntax error is reported and the run fails with exit 100" {
	rule "$U" broken '.entries[ | foo'
	rule "$U" my-code "$CODE_RULE"
	run -100 --separate-stderr sl-advisory --rules "$U" <"$BASE"
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-advisory: rule 'broken' ($U/broken.jq) failed: jq exited with status 3: jq: error: syntax error, unexpected '|' (Unix shell quoting issues?) at <top-level>, line 1:; .entries[ | foo; jq: 1 compile error
sl-advisory: fatal: unable to judge the snapshot: 1 rule failed"
}

@test "every rule that fails is reported: run-time errors, time and size limits" {
	rule "$U" boom 'error("boom")'
	rule "$U" forever 'def f: f; f'
	rule "$U" huge 'range(0; 100000) | {severity: "low", weight: 0, message: ("x" * 20), remedy: "", evidence: []}'
	run -100 --separate-stderr sl-advisory --no-builtin-rules --rules "$U" --timeout 1 <"$BASE"
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-advisory: rule 'boom' ($U/boom.jq) failed: jq exited with status 5: jq: error (at <stdin>:1): boom
sl-advisory: rule 'forever' ($U/forever.jq) failed: ran longer than 1000 ms and was killed
sl-advisory: rule 'huge' ($U/huge.jq) failed: wrote more than 1048576 bytes and was killed
sl-advisory: fatal: unable to judge the snapshot: 3 rules failed"
}

@test "findings are checked strictly: a bad one fails its rule with exit 100, naming the line and member" {
	local cases=(
		'{"severity":"severe","weight":1,"message":"m","remedy":"r","evidence":[]}|line 1: severity: required: "info", "low", "medium" or "high"'
		'{"severity":"low","weight":1.5,"message":"m","remedy":"r","evidence":[]}|line 1: weight: required: an integer from -100 to 100'
		'{"severity":"low","weight":101,"message":"m","remedy":"r","evidence":[]}|line 1: weight: required: an integer from -100 to 100'
		'{"severity":"high","weight":-3,"message":"m","remedy":"r","evidence":[]}|line 1: weight: a negative weight (a credit) needs severity "info"'
		'{"severity":"low","weight":1,"message":"","remedy":"r","evidence":[]}|line 1: message: required: a string of 1 to 4096 bytes'
		'{"severity":"low","weight":1,"message":"m","remedy":"","evidence":[]}|line 1: remedy: required: a string of at most 4096 bytes, not empty when the weight is positive'
		'{"severity":"low","weight":1,"message":"m","remedy":"r","evidence":[0, 99]}|line 1: evidence[1]: no entry of the snapshot has this seq'
		'{"severity":"low","weight":1,"message":"m","remedy":"r","evidence":"0"}|line 1: evidence: required: an array of seqs'
		'{"severity":"low","weight":1,"message":"m","remedy":"r","evidence":[],"score":3}|line 1: score: unknown member'
		'{"rule":"other","severity":"low","weight":1,"message":"m","remedy":"r","evidence":[]}|line 1: rule: must be the rule'"'"'s name (or left out)'
		'"just a string"|line 1: a finding must be a JSON object'
	)
	local c
	for c in "${cases[@]}"; do
		rule "$U" r "${c%%|*}"
		run -100 --separate-stderr sl-advisory --no-builtin-rules --rules "$U" <"$BASE"
		assert_equal "$output" ""
		assert_equal "$stderr" "sl-advisory: rule 'r' ($U/r.jq) failed: output ${c#*|}
sl-advisory: fatal: unable to judge the snapshot: 1 rule failed"
	done
	# The second value of an output is line 2; a valid first one is not kept alone.
	rule "$U" r '{"severity":"low","weight":1,"message":"m","remedy":"r","evidence":[]}, {"severity":"low"}'
	run -100 --separate-stderr sl-advisory --no-builtin-rules --rules "$U" <"$BASE"
	assert_equal "$(head -n1 <<<"$stderr")" "sl-advisory: rule 'r' ($U/r.jq) failed: output line 2: weight: required: an integer from -100 to 100"
}

@test "errors: not a snapshot, a missing rules directory, no jq, usage" {
	run -100 --separate-stderr sl-advisory <<<'{"type":"x"}'
	assert_equal "$stderr" "sl-advisory: fatal: unable to read the snapshot: not a snapshot document"
	run -100 --separate-stderr sl-advisory <<<'not json'
	assert_regex "$stderr" "^sl-advisory: fatal: unable to read the snapshot: the snapshot is not JSON: "
	run -100 --separate-stderr sl-advisory --rules "$BATS_TEST_TMPDIR/nowhere" <"$BASE"
	assert_equal "$stderr" "sl-advisory: fatal: unable to open the rules directory '$BATS_TEST_TMPDIR/nowhere': No such file or directory"
	run -100 --separate-stderr sl-advisory --no-builtin-rules <"$BASE"
	assert_equal "$stderr" "sl-advisory: fatal: unable to judge the snapshot: no rules to run"
	SL_JQ="$BATS_TEST_TMPDIR/no-jq" run -111 --separate-stderr sl-advisory <"$BASE"
	assert_equal "$stderr" "sl-advisory: fatal: unable to run the rules: unable to run '$BATS_TEST_TMPDIR/no-jq': No such file or directory"
	run -100 --separate-stderr sl-advisory -L "$BATS_TEST_TMPDIR/no-ledger" <"$BASE"
	assert_regex "$stderr" "^sl-advisory: fatal: unable to read the snapshot: "
	run -2 --separate-stderr sl-advisory extra
	assert_equal "${stderr_lines[0]}" "sl-advisory: usage: unknown verb 'extra'"
	assert_regex "${stderr_lines[1]}" "^sl-advisory: usage: sl-advisory "
	run -2 --separate-stderr sl-advisory --max-risk 101
	run -2 --separate-stderr sl-advisory --list-rules --input
	run -2 --separate-stderr sl-advisory --jobs 0
	run -0 --separate-stderr sl-advisory -h
	assert_regex "$output" "^usage: sl-advisory "
	run -0 --separate-stderr sl-advisory --version
}

@test "--input shows what the rules read: decoded entries, the replay summary, no prefix" {
	run -0 --separate-stderr sl-advisory --input <"$BASE"
	# The prefix is walked once in C and never handed to jq: the rules get its summary.
	assert_equal "$(jq -c '[.complete, (.entries | length), .prefix, .limit, .mutation_config, .entries[0].payload.commit, .artifacts, (keys | length)]' <<<"$output")" \
		'[true,4,null,100,{"total":0,"items":[]},"0123456789abcdef0123456789abcdef01234567",null,10]'
	assert_equal "$(jq -c '[.mutations[] | [.namespace, .seq, .position, .last]]' <<<"$output")" '[["kafka/c1/orders/0",4,2,null]]'
	assert_equal "$(jq -c .replay <<<"$output")" \
		'{"complete":true,"steps":2,"limit":100,"namespaces":[{"namespace":"kafka/c1/orders/0","positions":"integer","count":2,"first":1,"last":2,"redeliveries":{"items":[],"total":0},"conflicts":{"items":[],"total":0},"gaps":{"items":[],"total":0,"missing":0}}],"redeliveries":[],"conflicts":[],"gaps":[],"mixed":[],"unpositioned":[],"totals":{"mutations":2,"namespaces":1,"redeliveries":0,"conflicts":0,"gaps":0,"missing":0,"mixed":0,"unpositioned":0}}'
}

# capture STATE: capture the checkout $R into a new ledger and print its report.
#   clean: committed, lockfile, TZ=UTC, LC_ALL=C, SOURCE_DATE_EPOCH, image by digest, config stored
#   dirty: a changed file, no lockfile, TZ and locale of a desktop, no SOURCE_DATE_EPOCH,
#          image by tag, config not stored
capture() {
	local led="$BATS_TEST_TMPDIR/ledger-$1" out="$BATS_TEST_TMPDIR/cap-$1.ndjson"
	local digest=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	sl-init -L "$led" --origin test.example/log >/dev/null || fail "sl-init"
	printf 'listen 80;\n' >"$BATS_TEST_TMPDIR/app.conf"
	(
		umask 022
		unset SOURCE_DATE_EPOCH TZ LC_ALL LANG
		sl-capture-git -C "$R" || exit
		if [[ $1 == clean ]]; then
			TZ=UTC LC_ALL=C SOURCE_DATE_EPOCH=1767225600 \
				sl-capture-env --image registry.example/shop --digest "$digest" || exit
			sl-capture-config -L "$led" --store "$BATS_TEST_TMPDIR/app.conf" || exit
		else
			TZ=Europe/Paris LC_ALL=en_US.UTF-8 sl-capture-env --image registry.example/shop:latest || exit
			sl-capture-config "$BATS_TEST_TMPDIR/app.conf" || exit
		fi
	) >"$out" || fail "capture $1 failed"
	sl-append -L "$led" <"$out" >/dev/null || fail "sl-append $1"
	sl-snapshot -L "$led" --at now --complete >"$BATS_TEST_TMPDIR/snap-$1.json" || fail "sl-snapshot $1"
}

@test "a clean, pinned capture scores lower than the same checkout dirty and unpinned; --max-risk gates" {
	R="$BATS_TEST_TMPDIR/repo"
	make_repo "$R"
	(cd "$R" && printf '{"lockfileVersion":3}\n' >package-lock.json && git add package-lock.json &&
		git commit -q -m lock) || fail "lockfile"
	capture clean
	# The same checkout, dirty and without its lockfile.
	printf 'local change\n' >>"$R/a.txt"
	rm "$R/package-lock.json"
	capture dirty

	run -0 --separate-stderr sl-advisory -L "$BATS_TEST_TMPDIR/ledger-clean" <"$BATS_TEST_TMPDIR/snap-clean.json"
	assert_equal "$stderr" ""
	clean=$(jq -r .risk <<<"$output")
	# Only the host's clock can speak against the clean state (it is not ours to fix).
	assert_equal "$(jq -c '[.findings[].rule | select(. != "clock")]' <<<"$output")" "[]"
	assert_equal "$(jq -c .can_replay <<<"$output")" true
	run -0 --separate-stderr sl-advisory -L "$BATS_TEST_TMPDIR/ledger-dirty" <"$BATS_TEST_TMPDIR/snap-dirty.json"
	dirty=$(jq -r .risk <<<"$output")
	assert_equal "$(jq -c '[.findings[].rule | select(. != "clock")]' <<<"$output")" \
		'["dirty-tree","container-tag","no-lockfiles","config-not-stored","locale","source-date-epoch","tz"]'
	(( clean < dirty )) || fail "clean risk $clean is not below dirty risk $dirty"
	assert_equal "$((dirty - clean))" 60
	assert_equal "$(jq -r .level <<<"$output")" high

	# The gate: above N is 1, at N is 0; the report is printed either way.
	run -0 --separate-stderr sl-advisory --max-risk "$clean" <"$BATS_TEST_TMPDIR/snap-clean.json"
	run -1 --separate-stderr sl-advisory --max-risk "$clean" <"$BATS_TEST_TMPDIR/snap-dirty.json"
	assert_equal "$stderr" "sl-advisory: risk $dirty is above --max-risk $clean"
	assert_equal "$(jq -r .risk <<<"$output")" "$dirty"
	run -0 --separate-stderr sl-advisory --max-risk "$dirty" <"$BATS_TEST_TMPDIR/snap-dirty.json"
	run -1 --separate-stderr sl-advisory --max-risk 0 <"$BATS_TEST_TMPDIR/snap-dirty.json"
}

@test "SIGTERM or SIGINT while rules run: every jq is killed, sl-advisory ends by that signal" {
	rule "$U" spin 'def f: f; f'
	local sig pid st=0
	for sig in TERM INT; do
		sl-advisory --rules "$U" --timeout 120 <"$BASE" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
		pid=$!
		local n=0
		until pgrep -f "$U/spin.jq" >/dev/null; do
			((n++ < 200)) || fail "jq never started"
			sleep 0.05
		done
		kill -"$sig" "$pid"
		st=0
		wait "$pid" || st=$?
		assert_equal "$st" $((128 + $(kill -l "$sig")))
		run -0 cat "$BATS_TEST_TMPDIR/err"
		assert_output "sl-advisory: fatal: unable to judge the snapshot: interrupted by signal $(kill -l "$sig")"
		# No rule is left running (its timeout went with sl-advisory).
		run -1 pgrep -f "$U/spin.jq"
	done
}

