#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# contrib/ci (issue 14, "CI examples that run"): the GitHub Actions workflow,
# the GitLab CI job and the Makefile fragment, each run as written against a
# real git checkout and a ledger in a temporary directory.  The YAML is read
# with yq; its run:/script: text is executed by bash in order, with the env
# the file declares, as the runner would; uses: steps (checkout, artifact
# upload) are the CI host's and are skipped.  Then the results are checked:
# the ledger verifies under the trusted key, the bundle passes sl-audit verify
# offline, the key is never printed and is gone at the end, and a state whose
# advisory risk is above the limit fails the gate.

bats_require_minimum_version 1.5.0
load test_helper

CI_DIR="$SL_SRCDIR/contrib/ci"

setup() {
	sl_setup
	require_cmd yq jq git make base64
	W="$BATS_TEST_TMPDIR/w"
	REPO="$W/src"            # the checkout: the runner's working directory
	SECRETS="$W/operator"    # made on the operator's machine, never in the checkout
	RUNHOME="$W/home"
	LOG="$W/job.log"         # everything the job printed: the CI log
	mkdir -p "$W" "$SECRETS" "$RUNHOME" || fail "mkdir"
	# The operator's key pair: the secret is the key file in base64 (one line),
	# the verifier key a plain CI variable.
	sl-keygen -o "$SECRETS/ci.key" --name ci.example.com/ledger >"$SECRETS/ci.vkey" ||
		fail "sl-keygen"
	SECRET=$(base64 -w0 "$SECRETS/ci.key")
	VKEY=$(cat "$SECRETS/ci.vkey")
	# A line of the key's PEM body: it must not show in any log either.
	PEMLINE=$(sed -n 3p "$SECRETS/ci.key")
	[[ ${#PEMLINE} -gt 40 ]] || fail "no PEM line in the key file"
	# Where the job's files land, by the env the examples declare (../ of the checkout).
	LEDGER="$W/stateledger"
}

# make_repo CI-FILE DEST [--no-lockfile]: a project with a Makefile, a lock
# file and the CI file at DEST, committed, with an origin that holds a credential.
make_repo() {
	local ci=$1 dest=$2 lock=1
	[[ ${3-} == --no-lockfile ]] && lock=0
	mkdir -p "$REPO" || fail "mkdir"
	git init -q -b main "$REPO" || fail "git init"
	printf 'all:\n\t@echo built\n' >"$REPO/Makefile"
	((lock)) && printf '{"lockfileVersion": 3}\n' >"$REPO/package-lock.json"
	mkdir -p "$(dirname "$REPO/$dest")"
	cp "$ci" "$REPO/$dest" || fail "cp $ci"
	git -C "$REPO" add -A || fail "git add"
	git -C "$REPO" commit -qm 'the project' || fail "git commit"
	git -C "$REPO" remote add origin https://ci-token:s3cr3t-t0ken@git.example.com/acme/shop.git
	HEAD_OID=$(git -C "$REPO" rev-parse HEAD)
}

# The environment the runner starts a step with (nothing of the test's own,
# but the sanitizers' settings of `make check SANITIZE=...`).
base_env() {
	local v
	BASE_ENV=(PATH="$PATH" HOME="$RUNHOME" LANG=C.UTF-8 CI=true
		GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=ci GIT_AUTHOR_EMAIL=ci@example.com
		GIT_COMMITTER_NAME=ci GIT_COMMITTER_EMAIL=ci@example.com "$@")
	for v in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS; do
		[[ -n ${!v:-} ]] && BASE_ENV+=("$v=${!v}")
	done
	return 0
}

# yaml_json FILE: the YAML as JSON, once (yq is slow to start).
yaml_json() {
	yq . "$1" >"$W/ci.json" || fail "$1 is not YAML"
}

# env_from JQ-PATH [JQ-PATH...]: NAME=VALUE for each member of the env maps
# at those paths of $W/ci.json, later ones winning, into ENV_LIST.
# ${{ secrets.NAME }} and ${{ vars.NAME }} are what the repository's settings
# hold: SL_CHECKPOINT_KEY and SL_VKEY; any other expression fails the test.
env_from() {
	local filter="{}" p k v
	for p in "$@"; do filter+=" + ($p // {})"; done
	ENV_LIST=()
	while IFS= read -r -d '' k && IFS= read -r -d '' v; do
		case $v in
		'${{ secrets.SL_CHECKPOINT_KEY }}') v=$SECRET ;;
		'${{ vars.SL_VKEY }}') v=$VKEY ;;
		*'${{'*) fail "env $k: the expression '$v' is not one a runner would give this test" ;;
		esac
		ENV_LIST+=("$k=$v")
	done < <(jq -j "$filter | to_entries[] | \"\(.key)\u0000\(.value | tostring)\u0000\"" "$W/ci.json")
}

# run_github: each step of the workflow's one job, as the runner does: a run:
# step is a script of its own, run by `bash --noprofile --norc -eo pipefail`
# (what `shell: bash` means) in the checkout, with the workflow's, the job's
# and the step's env and what earlier steps wrote to $GITHUB_ENV.  After a step
# fails, only the steps marked if: always() run.  Sets FAILED_STEP and FAILED_RC.
run_github() {
	yaml_json "$CI_DIR/github-actions.yml"
	assert_equal "$(jq -r '.defaults.run.shell' "$W/ci.json")" bash
	assert_equal "$(jq -r '.jobs | keys | join(" ")' "$W/ci.json")" stateledger
	local n s step name cond script
	n=$(jq '.jobs.stateledger.steps | length' "$W/ci.json")
	FAILED_STEP='' FAILED_RC=0 RAN=0
	: >"$W/github_env"
	base_env GITHUB_WORKSPACE="$REPO" GITHUB_ENV="$W/github_env" RUNNER_TEMP="$W/runner-temp" \
		GITHUB_REPOSITORY=acme/shop GITHUB_SHA="$HEAD_OID" GITHUB_RUN_ID=4242 RUNNER_OS=Linux
	mkdir -p "$W/runner-temp"
	for ((s = 0; s < n; s++)); do
		step=$(jq -c ".jobs.stateledger.steps[$s]" "$W/ci.json")
		jq -e 'has("run")' <<<"$step" >/dev/null || continue   # uses: the CI host's
		name=$(jq -r '.name // .run' <<<"$step")
		cond=$(jq -r '.if // empty' <<<"$step")
		case $cond in
		'') [[ -z $FAILED_STEP ]] || continue ;;
		'always()' | '${{ always() }}') ;;
		*) fail "step '$name': the condition '$cond' is not one this test knows" ;;
		esac
		script=$(jq -r .run <<<"$step")
		[[ $script != *'${{'* ]] || fail "step '$name': an expression in a script"
		printf '%s\n' "$script" >"$W/step.$s.sh"
		env_from .env .jobs.stateledger.env "(.jobs.stateledger.steps[$s].env)"
		# What earlier steps added to $GITHUB_ENV (NAME=VALUE lines).
		local genv=()
		mapfile -t genv <"$W/github_env"
		printf '== %s\n' "$name" >>"$LOG"
		local rc=0
		(cd "$REPO" && env -i "${BASE_ENV[@]}" "${ENV_LIST[@]}" "${genv[@]}" \
			bash --noprofile --norc -eo pipefail "$W/step.$s.sh") >>"$LOG" 2>&1 || rc=$?
		RAN=$((RAN + 1))
		if ((rc != 0)) && [[ -z $FAILED_STEP ]]; then
			FAILED_STEP=$name FAILED_RC=$rc
		fi
	done
	OUT="$REPO/stateledger-out"   # what upload-artifact keeps
}

# run_gitlab: the job's before_script and script lines as one bash -eo pipefail
# script (as the runner joins them), then after_script in a shell of its own,
# with the file's variables and the project's CI/CD variables.
run_gitlab() {
	yaml_json "$CI_DIR/gitlab-ci.yml"
	jq -e '.stateledger.artifacts.when == "always" and (.stateledger.artifacts.paths == ["stateledger-out/"])' \
		"$W/ci.json" >/dev/null || fail "the job does not keep stateledger-out/ always"
	# The secret is a CI/CD variable, never in the file.
	jq -e '[.. | objects | .SL_CHECKPOINT_KEY?] | all(. == null)' "$W/ci.json" >/dev/null ||
		fail "SL_CHECKPOINT_KEY is written in the file"
	env_from .variables .stateledger.variables
	ENV_LIST+=(SL_CHECKPOINT_KEY="$SECRET" SL_VKEY="$VKEY")
	base_env CI_PROJECT_DIR="$REPO" CI_COMMIT_SHA="$HEAD_OID" CI_PROJECT_PATH=acme/shop \
		CI_PIPELINE_ID=4242 CI_JOB_ID=77 GITLAB_CI=true
	jq -r '(.stateledger.before_script // []) + .stateledger.script | .[]' "$W/ci.json" >"$W/script.sh"
	jq -r '.stateledger.after_script // [] | .[]' "$W/ci.json" >"$W/after.sh"
	FAILED_RC=0
	printf '== script\n' >>"$LOG"
	(cd "$REPO" && env -i "${BASE_ENV[@]}" "${ENV_LIST[@]}" \
		bash --noprofile --norc -eo pipefail "$W/script.sh") >>"$LOG" 2>&1 || FAILED_RC=$?
	printf '== after_script\n' >>"$LOG"
	(cd "$REPO" && env -i "${BASE_ENV[@]}" "${ENV_LIST[@]}" \
		bash --noprofile --norc -eo pipefail "$W/after.sh") >>"$LOG" 2>&1 ||
		fail "after_script failed: $(cat "$LOG")"
	OUT="$REPO/stateledger-out"
}

# run_make: the fragment's stateledger target, with the key and verifier key
# in the environment as CI variables give them.
run_make() {
	base_env SL_CHECKPOINT_KEY="$SECRET" SL_VKEY="$VKEY"
	FAILED_RC=0
	(cd "$REPO" && env -i "${BASE_ENV[@]}" make -f "$CI_DIR/stateledger.mk" stateledger) \
		>>"$LOG" 2>&1 || FAILED_RC=$?
	OUT="$W/stateledger-out"
}

# The key was written for the job and removed after it, and never printed.
assert_key_handled() {
	[[ ! -e $W/stateledger-key/checkpoint.key ]] || fail "the key file is still there"
	[[ -d $W/stateledger-key ]] || fail "the key was never written where SL_KEY says"
	if grep -qF -e "$SECRET" -e "$PEMLINE" "$LOG"; then
		fail "the key is in the job's log"
	fi
	if grep -rqaF -e "$SECRET" -e "$PEMLINE" "$LEDGER" "$OUT"; then
		fail "the key is in the ledger or the outputs"
	fi
}

# assert_recorded N-CONFIGS ENV-SOURCE [TZ]: the ledger verifies under the trusted
# key and holds this checkout's commit (clean, no credential), the environment
# and the config files, stored; the signed bundle verifies offline.
assert_recorded() {
	local nconf=$1 envsrc=$2 tz=${3:-UTC}
	run -0 --separate-stderr sl-verify -L "$LEDGER" --key "$VKEY"
	assert_equal "$(jq -c '[.verified, .size, .checkpoints, .keys[0].trusted]' <<<"$output")" \
		"[true,$((2 + nconf)),1,true]"
	# The first gate ran before the checkpoint was signed.
	assert_equal "$(jq -c '[.verified, .size, .checkpoints]' "$OUT/verify.json")" "[true,$((2 + nconf)),0]"
	run -0 sl-log -L "$LEDGER" --type code
	assert_equal "$(jq -r '.payload | [.commit, .dirty, .repo] | @tsv' <<<"$output")" \
		"$HEAD_OID	false	https://git.example.com/acme/shop.git"
	refute_output --partial s3cr3t
	run -0 sl-log -L "$LEDGER" --type environment
	assert_equal "$(jq -r '[.source, .payload.variables.CI, .payload.tz] | @tsv' <<<"$output")" \
		"$envsrc	true	$tz"
	# Every config file is recorded; the Makefile with its bytes stored.  (The CI
	# files name key variables, "SL_KEY: ..." and "--key ...", which the secret
	# rules take for secrets: they are recorded by HMAC, and not stored.)
	run -0 sl-log -L "$LEDGER" --type config
	assert_equal "$(jq -s length <<<"$output")" "$nconf"
	jq -se --arg p "$REPO/Makefile" 'any(.[]; .payload.path == $p and .payload.stored == true
		and (.payload.sha256 | length) == 64)' <<<"$output" >/dev/null ||
		fail "the Makefile is not recorded and stored: $output"
	# The gate's outputs, kept.
	jq -e '.risk <= 25 and ([.findings[].rule] | (index("dirty-tree") or index("no-lockfiles")) | not)' \
		"$OUT/advisory.json" >/dev/null || fail "advisory.json: $(cat "$OUT/advisory.json")"
	# The bundle, as an auditor checks it: offline, with the verifier key alone.
	[[ -s $OUT/bundle.json ]] || fail "no bundle kept"
	run -0 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$OUT/bundle.json"
	assert_equal "$(jq -c '[.verified, .complete, .envelope, .origin, .size]' <<<"$output")" \
		"[true,true,\"verified\",\"ci.example.com/ledger\",$((2 + nconf))]"
	# ... and with another key it does not.
	local other
	other=$(sl-keygen -o "$W/other.key" --name ci.example.com/ledger) || fail "sl-keygen"
	run -1 --separate-stderr sl-audit verify --key "$other" <"$OUT/bundle.json"
	assert_key_handled
}

# assert_gate_failed: the advisory gate stopped the job, with the report kept
# and no bundle made; the state was recorded all the same.
assert_gate_failed() {
	[[ -s $OUT/advisory.json ]] || fail "no advisory report kept: $(cat "$LOG")"
	jq -e '.risk > 25' "$OUT/advisory.json" >/dev/null || fail "risk not above 25"
	jq -e '[.findings[].rule] | index("dirty-tree") and index("no-lockfiles")' \
		"$OUT/advisory.json" >/dev/null || fail "findings: $(cat "$OUT/advisory.json")"
	[[ ! -e $OUT/bundle.json ]] || fail "a bundle was made past a failed gate"
	grep -q 'dirty-tree' "$LOG" || fail "the log does not say why the gate failed"
	run -0 --separate-stderr sl-verify -L "$LEDGER" --key "$VKEY"
	run -0 sl-log -L "$LEDGER" --type code
	assert_equal "$(jq -r .payload.dirty <<<"$output")" true
	assert_key_handled
}

# A checkout whose state is over the limit: no lock file, and a tracked file
# changed after the commit (dirty-tree 20 + no-lockfiles 10 = 30 > 25).
make_dirty() {
	printf 'all:\n\t@echo patched\n' >"$REPO/Makefile"
}

@test "GitHub Actions: the workflow's run: steps record the build, pass the gate and keep a verified bundle" {
	make_repo "$CI_DIR/github-actions.yml" .github/workflows/stateledger.yml
	run_github
	[[ -z $FAILED_STEP ]] || fail "step '$FAILED_STEP' failed ($FAILED_RC): $(cat "$LOG")"
	assert_equal "$RAN" 8
	assert_recorded 2 env:github-actions
	# The env entry holds the runner's variables, and the build's clock is the commit's.
	run -0 sl-log -L "$LEDGER" --type environment
	assert_equal "$(jq -r '.payload | [.variables.GITHUB_SHA, .source_date_epoch] | @tsv' <<<"$output")" \
		"$HEAD_OID	$(git -C "$REPO" log -1 --format=%ct)"
	grep -qx "SOURCE_DATE_EPOCH=$(git -C "$REPO" log -1 --format=%ct)" "$W/github_env" ||
		fail "SOURCE_DATE_EPOCH not passed on to the build's steps"
}

@test "GitHub Actions: a second run appends to the same ledger, and a tampered ledger stops the job" {
	make_repo "$CI_DIR/github-actions.yml" .github/workflows/stateledger.yml
	run_github
	[[ -z $FAILED_STEP ]] || fail "first run: '$FAILED_STEP' failed ($FAILED_RC): $(cat "$LOG")"
	rm -rf "$REPO/stateledger-out"
	run_github
	[[ -z $FAILED_STEP ]] || fail "second run: '$FAILED_STEP' failed ($FAILED_RC): $(cat "$LOG")"
	run -0 --separate-stderr sl-verify -L "$LEDGER" --key "$VKEY"
	assert_equal "$(jq -c '[.size, .checkpoints]' <<<"$output")" '[8,2]'
	run -0 --separate-stderr sl-audit verify --key "$VKEY" --signer "$VKEY" <"$REPO/stateledger-out/bundle.json"
	# Change a recorded entry's bytes behind the ledger's back: the first gate says no.
	L=$LEDGER
	tamper_entry 2
	rm -rf "$REPO/stateledger-out"
	run_github
	assert_equal "$FAILED_STEP" "Gate: the ledger verifies, its checkpoints signed by our key"
	assert_equal "$FAILED_RC" 1
	grep -q 'sl-verify: seq 2: leaf hash of the stored entry differs' "$LOG" || fail "$(cat "$LOG")"
	# Nothing was signed over it.
	run -0 sl-checkpoint -L "$LEDGER" --latest
	assert_equal "$(sed -n 2p <<<"$output")" 8
	[[ ! -e $REPO/stateledger-out/bundle.json ]] || fail "a bundle was made from a tampered ledger"
	assert_key_handled
}

@test "GitHub Actions: a state over the risk limit fails the gate step (exit 1), and the report is kept" {
	make_repo "$CI_DIR/github-actions.yml" .github/workflows/stateledger.yml --no-lockfile
	make_dirty
	run_github
	assert_equal "$FAILED_STEP" "Gate: the build's state is reproducible enough (advisory risk at most SL_MAX_RISK)"
	assert_equal "$FAILED_RC" 1
	assert_gate_failed
}

@test "GitLab CI: the job's script: lines record the build, pass the gate and keep a verified bundle" {
	make_repo "$CI_DIR/gitlab-ci.yml" .gitlab-ci.yml
	run_gitlab
	assert_equal "$FAILED_RC" 0 || fail "$(cat "$LOG")"
	assert_recorded 2 env:gitlab-ci
	run -0 sl-log -L "$LEDGER" --type environment
	assert_equal "$(jq -r '.payload.variables.CI_COMMIT_SHA' <<<"$output")" "$HEAD_OID"
}

@test "GitLab CI: a state over the risk limit fails the job (exit 1), and the report is kept" {
	make_repo "$CI_DIR/gitlab-ci.yml" .gitlab-ci.yml --no-lockfile
	make_dirty
	run_gitlab
	assert_equal "$FAILED_RC" 1
	assert_gate_failed
}

@test "stateledger.mk: make stateledger records the build, passes the gate and writes a verified bundle" {
	make_repo "$CI_DIR/stateledger.mk" stateledger.mk
	run_make
	assert_equal "$FAILED_RC" 0 || fail "$(cat "$LOG")"
	# TZ is the job's to set: here the machine's, the one sl-capture-env finds.
	assert_recorded 1 env:make "$(env -u TZ sl-capture-env | jq -r .payload.tz)"
}

@test "stateledger.mk: a state over the risk limit fails make, and the report is kept" {
	make_repo "$CI_DIR/stateledger.mk" stateledger.mk --no-lockfile
	make_dirty
	run_make
	assert_equal "$FAILED_RC" 2    # make's own status for a failed recipe
	grep -q 'sl-advisory: risk [0-9]* is above --max-risk 25' "$LOG" || fail "$(cat "$LOG")"
	assert_gate_failed
}
