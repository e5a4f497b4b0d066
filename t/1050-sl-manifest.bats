#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-manifest: starter manifests, checking (every problem named), showing,
# and running: collectors in parallel, one atomic append, all or nothing.

bats_require_minimum_version 1.5.0
load capture_helper

setup() {
	capture_setup
	W="$BATS_TEST_TMPDIR/work"
	mkdir -p "$W"
	make_repo "$W/app"
	printf 'port = 8080\n' >"$W/app/app.conf"
	printf 'app.conf\n' >"$W/app/.gitignore"
	git -C "$W/app" add .gitignore && git -C "$W/app" commit -q -m ignore
	init_ledger
	cd "$W"
}

# x_line NAME: a valid entry line of a user type.
x_line() {
	printf '{"type":"x-test","source":"test:%s","payload":{"n":"%s"}}' "$1" "$1"
}

@test "init prints a starter manifest that check accepts; init FILE never overwrites" {
	run -0 --separate-stderr sl-manifest init
	assert_equal "$stderr" ""
	jq -e '.version == 1 and (.collectors | length) == 3' <<<"$output" >/dev/null
	run -0 --separate-stderr sl-manifest init m.json
	assert_equal "$output" ""
	sl-manifest check m.json
	assert_equal "$(cat m.json)" "$(sl-manifest init)"
	printf 'mine\n' >mine.json
	run -100 --separate-stderr sl-manifest init mine.json
	assert_equal "$stderr" "sl-manifest: fatal: unable to create 'mine.json': it exists; refusing to overwrite it"
	assert_equal "$(cat mine.json)" mine
}

@test "check: a valid manifest prints nothing and exits 0" {
	cat >m.json <<'EOF'
{"version": 1, "description": "shop", "collectors": [
  {"name": "code", "type": "git", "dir": "app", "source": "git:shop", "timeout": 5},
  {"type": "env", "variables": ["LANG"], "allow": ["X"], "runtimes": ["git"], "image": "i", "digest": "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "source": "env:a"},
  {"type": "config", "paths": ["app/app.conf"], "recursive": false, "store": true, "host": "web-1"},
  {"name": "deps", "type": "command", "argv": ["true"]},
  {"name": "sh", "type": "command", "shell": "true"}
]}
EOF
	run -0 --separate-stderr sl-manifest check m.json
	assert_equal "$output$stderr" ""
}

@test "check names every problem at once, and exits 100" {
	cat >m.json <<'EOF'
{"version": 2, "colour": "red", "collectors": [
  {"name": "code", "type": "git", "dri": "."},
  {"type": "env", "variables": "LANG"},
  {"type": "config"},
  {"name": "code", "type": "command", "argv": ["a"], "shell": "b"},
  {"type": "svn"},
  {"name": "bad name!", "type": "command", "argv": []},
  {"name": "slow", "type": "command", "argv": ["x"], "timeout": 0},
  "git"
]}
EOF
	run -100 --separate-stderr sl-manifest check m.json
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-manifest: m.json: colour: unknown member (known: version, description, collectors)
sl-manifest: m.json: version: must be 1 (the only manifest format there is)
sl-manifest: m.json: collectors[0] (code).dri: unknown member for type git (known: name, type, timeout, dir, source)
sl-manifest: m.json: collectors[1].variables: must be an array of strings
sl-manifest: m.json: collectors[2].paths: required (the files and directories to capture)
sl-manifest: m.json: collectors[3] (code): wants exactly one of argv (a program and its arguments) and shell (a command for /bin/sh)
sl-manifest: m.json: collectors[4]: type: unknown collector type (want git, env, config or command)
sl-manifest: m.json: collectors[5]: name: must be 1 to 64 letters, digits, '.', '_' or '-' (starting with a letter or digit)
sl-manifest: m.json: collectors[5].argv: must name a program
sl-manifest: m.json: collectors[6] (slow).timeout: must be a whole number of seconds from 1 to 3600
sl-manifest: m.json: collectors[7]: must be an object
sl-manifest: fatal: unable to use manifest 'm.json': 11 problems"
}

@test "check: two collectors of one type need names; not JSON; no file" {
	printf '{"version":1,"collectors":[{"type":"env"},{"type":"env"}]}' >m.json
	run -100 --separate-stderr sl-manifest check m.json
	assert_equal "$stderr" "sl-manifest: m.json: collectors[1] (env): name: 'env' is already the name of an earlier collector (give each its own name)
sl-manifest: fatal: unable to use manifest 'm.json': 1 problem"
	printf '{"version":1,' >m.json
	run -100 --separate-stderr sl-manifest check m.json
	assert_regex "$stderr" "^sl-manifest: m.json: not JSON: "
	printf '{"version":1,"collectors":[]}' >m.json
	run -100 --separate-stderr sl-manifest check m.json
	assert_equal "${lines[0]-}" ""
	run -100 --separate-stderr sl-manifest check nowhere.json
	assert_equal "$stderr" "sl-manifest: fatal: unable to read manifest 'nowhere.json': No such file or directory"
}

@test "show prints the command each collector runs" {
	cat >m.json <<'EOF'
{"version": 1, "collectors": [
  {"name": "code", "type": "git", "dir": "app", "source": "git:shop"},
  {"type": "env", "variables": ["LANG", "CI_*"], "allow": ["CI_TOKEN"], "runtimes": ["python3"]},
  {"type": "config", "paths": ["/etc/app", "-odd"], "recursive": true, "store": true},
  {"name": "deps", "type": "command", "argv": ["list-deps", "--json"], "timeout": 9},
  {"name": "sh", "type": "command", "shell": "echo $HOME"}
]}
EOF
	run -0 --separate-stderr sl-manifest show m.json
	local bin
	# Found beside the running program: the directory /proc/self/exe names.
	bin=$(dirname "$(realpath "$(command -v sl-manifest)")")
	assert_equal "$output" "{\"name\":\"code\",\"type\":\"git\",\"timeout\":60,\"argv\":[\"$bin/sl-capture-git\",\"-C\",\"app\",\"--source\",\"git:shop\"]}
{\"name\":\"env\",\"type\":\"env\",\"timeout\":60,\"argv\":[\"$bin/sl-capture-env\",\"--var\",\"LANG\",\"--var\",\"CI_*\",\"--allow\",\"CI_TOKEN\",\"--runtime\",\"python3\"]}
{\"name\":\"config\",\"type\":\"config\",\"timeout\":60,\"argv\":[\"$bin/sl-capture-config\",\"-r\",\"--store\",\"--\",\"/etc/app\",\"-odd\"]}
{\"name\":\"deps\",\"type\":\"command\",\"timeout\":9,\"argv\":[\"list-deps\",\"--json\"]}
{\"name\":\"sh\",\"type\":\"command\",\"timeout\":60,\"argv\":[\"/bin/sh\",\"-c\",\"echo \$HOME\"]}"
}

@test "run: every collector's entries in one batch, in manifest order, and sl-verify accepts them" {
	cat >m.json <<EOF
{"version": 1, "collectors": [
  {"name": "code", "type": "git", "dir": "app"},
  {"name": "env", "type": "env", "variables": ["LC_ALL"]},
  {"name": "conf", "type": "config", "paths": ["app/app.conf"], "store": true},
  {"name": "extra", "type": "command", "argv": ["printf", "%s\\\\n%s", $(x_line a | jq -Rs .), $(x_line b | jq -Rs .)]}
]}
EOF
	sl-manifest check m.json
	run -0 --separate-stderr sl-manifest run m.json
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 5
	assert_regex "${lines[0]}" '^\{"seq":0,"ts":"[^"]+","leaf_hash":"[0-9a-f]{64}"\}$'
	# One batch: one ts for all.
	assert_equal "$(printf '%s\n' "$output" | jq -r .ts | sort -u | wc -l)" 1
	run -0 sl-log
	assert_equal "$(jq -r '.type + " " + .source' <<<"$output")" "code git:$W/app
environment env:$HOST
config config:$HOST:$W/app/app.conf
x-test test:a
x-test test:b"
	assert_equal "$(jq -r 'select(.type == "code") | .payload.commit' <<<"$output")" "$(git -C app rev-parse HEAD)"
	local d
	d=$(sha256sum <app/app.conf | cut -c1-64)
	sl-artifact has "$d"
	run -0 sl-verify
	assert_regex "$output" '"verified":true,"size":5,'
}

@test "run: one failing collector names itself, and nothing is appended" {
	printf '%s\n' "$(x_line before)" | sl-append >/dev/null
	save_state
	cat >m.json <<EOF
{"version": 1, "collectors": [
  {"name": "code", "type": "git", "dir": "app"},
  {"name": "broken", "type": "command", "shell": "$(x_line x | sed 's/"/\\"/g' | sed "s/.*/echo '&'/"); echo 'cannot reach the registry' >&2; exit 3"},
  {"name": "env", "type": "env"}
]}
EOF
	run -100 --separate-stderr sl-manifest run m.json
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-manifest: collector 'broken': cannot reach the registry
sl-manifest: collector 'broken' (command) failed: exited with status 3
sl-manifest: fatal: unable to run manifest 'm.json': 1 of 3 collectors failed; nothing was appended"
	assert_state_unchanged
}

@test "run: a runtime not installed on this host does not fail the run: recorded as not found, with a warning" {
	cat >m.json <<EOF
{"version": 1, "collectors": [
  {"name": "env", "type": "env", "runtimes": ["bash", "no-such-runtime-here"]},
  {"name": "mark", "type": "command", "argv": ["echo", $(x_line m | jq -Rs .)]}
]}
EOF
	run -0 --separate-stderr sl-manifest run m.json
	assert_equal "${#lines[@]}" 2
	assert_equal "$stderr" "sl-manifest: collector 'env': sl-capture-env: warning: runtime 'no-such-runtime-here' is not installed: recorded as \"<not found>\""
	run -0 sl-get 0
	assert_equal "$(jq -r '.payload.runtimes["no-such-runtime-here"]' <<<"$output")" "<not found>"
	assert_equal "$(jq -r .payload.runtimes.bash <<<"$output")" "$(bash --version | head -n1)"
	run -0 sl-verify -q
}

@test "run: a builtin collector that fails passes on its message" {
	save_state
	cat >m.json <<'EOF'
{"version": 1, "collectors": [
  {"name": "code", "type": "git", "dir": "."},
  {"name": "conf", "type": "config", "paths": ["no-such.conf"]}
]}
EOF
	export GIT_CEILING_DIRECTORIES=$BATS_TEST_TMPDIR
	run -100 --separate-stderr sl-manifest run m.json
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-manifest: collector 'code': sl-capture-git: fatal: unable to capture '.': not in a git repository
sl-manifest: collector 'code' (git) failed: exited with status 100
sl-manifest: collector 'conf': sl-capture-config: fatal: unable to read '$W/no-such.conf': No such file or directory
sl-manifest: collector 'conf' (config) failed: exited with status 100
sl-manifest: fatal: unable to run manifest 'm.json': 2 of 2 collectors failed; nothing was appended"
	assert_state_unchanged
}

@test "run: a collector that prints an invalid entry is named, and nothing is appended" {
	save_state
	cat >m.json <<EOF
{"version": 1, "collectors": [
  {"name": "good", "type": "command", "argv": ["echo", $(x_line g | jq -Rs .)]},
  {"name": "sloppy", "type": "command", "argv": ["printf", "%s\\\\n%s\\\\n", $(x_line s | jq -Rs .), "{\\"type\\":\\"code\\",\\"source\\":\\"s\\",\\"payload\\":{}}"]}
]}
EOF
	run -100 --separate-stderr sl-manifest run m.json
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-manifest: collector 'sloppy' (command) failed: printed an invalid entry: line 2: payload.repo: required
sl-manifest: fatal: unable to run manifest 'm.json': 1 of 2 collectors failed; nothing was appended"
	assert_state_unchanged
}

@test "run: a collector that hangs is killed at its timeout: exit 111, nothing appended" {
	save_state
	cat >m.json <<EOF
{"version": 1, "collectors": [
  {"name": "quick", "type": "command", "argv": ["echo", $(x_line q | jq -Rs .)]},
  {"name": "stuck", "type": "command", "shell": "sleep 30", "timeout": 1}
]}
EOF
	SECONDS=0
	run -111 --separate-stderr sl-manifest run m.json
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-manifest: collector 'stuck' (command) failed: timed out after 1000 ms and was killed
sl-manifest: fatal: unable to run manifest 'm.json': 1 of 2 collectors failed; nothing was appended"
	[[ $SECONDS -lt 10 ]]
	assert_state_unchanged
}

@test "run: collectors run at the same time (each waits for the other)" {
	# Each collector creates its flag and waits for the other's: run one
	# after the other, the first would wait in vain and time out.
	jq -n --arg a "touch a.flag; while [ ! -e b.flag ]; do sleep 0.05; done; echo '$(x_line a)'" \
		--arg b "touch b.flag; while [ ! -e a.flag ]; do sleep 0.05; done; echo '$(x_line b)'" \
		'{version: 1, collectors: [{name: "a", type: "command", timeout: 20, shell: $a},
		                           {name: "b", type: "command", timeout: 20, shell: $b}]}' >m.json
	run -0 --separate-stderr sl-manifest run m.json
	assert_equal "${#lines[@]}" 2
	run -0 sl-log
	assert_equal "$(jq -r .source <<<"$output")" "test:a
test:b"
}

@test "run: a stop signal kills the collectors and appends nothing" {
	save_state
	cat >m.json <<'EOF'
{"version": 1, "collectors": [
  {"name": "quick", "type": "command", "argv": ["echo", "{\"type\":\"x-q\",\"source\":\"q\",\"payload\":{}}"]},
  {"name": "slow", "type": "command", "shell": "echo $$ > slow.pid; exec sleep 30"}
]}
EOF
	sl-manifest run m.json >out 2>err &
	local pid=$! i st=0
	for i in $(seq 200); do [[ -s slow.pid ]] && break; sleep 0.05; done
	[[ -s slow.pid ]]
	kill -TERM "$pid"
	wait "$pid" || st=$?
	assert_equal "$st" 143
	assert_equal "$(cat out)" ""
	assert_equal "$(cat err)" "sl-manifest: fatal: unable to run manifest 'm.json': interrupted by signal 15; nothing was appended"
	run -1 kill -0 "$(cat slow.pid)"
	assert_state_unchanged
}

@test "run: argv reaches the program as it is, with no shell in between" {
	cat >m.json <<'EOF'
{"version": 1, "collectors": [
  {"name": "literal", "type": "command", "argv": ["jq", "-cn", "--arg", "a", "$HOME; touch pwned `id`", "{type: \"x-arg\", source: \"t\", payload: {a: $a}}"]}
]}
EOF
	run -0 --separate-stderr sl-manifest run m.json
	[[ ! -e pwned ]]
	run -0 sl-get 0
	assert_equal "$(jq -r .payload.a <<<"$output")" '$HOME; touch pwned `id`'
}

@test "run: collectors run in the manifest's directory, wherever run is started" {
	cat >app/m.json <<'EOF'
{"version": 1, "collectors": [
  {"name": "code", "type": "git"},
  {"name": "conf", "type": "config", "paths": ["app.conf"]},
  {"name": "where", "type": "command", "shell": "jq -cn --arg d \"$PWD\" '{type: \"x-where\", source: \"t\", payload: {dir: $d}}'"}
]}
EOF
	cd /
	run -0 --separate-stderr sl-manifest run "$W/app/m.json"
	run -0 sl-log
	assert_equal "$(jq -r 'select(.type == "x-where") | .payload.dir' <<<"$output")" "$W/app"
	assert_equal "$(jq -r 'select(.type == "config") | .payload.path' <<<"$output")" "$W/app/app.conf"
	assert_equal "$(jq -r 'select(.type == "code") | .payload.path' <<<"$output")" "$W/app"
}

@test "run -L: the ledger is used by sl-append and by collectors that store" {
	sl-init -L "$BATS_TEST_TMPDIR/other" --origin t/o >/dev/null
	cat >m.json <<'EOF'
{"version": 1, "collectors": [{"name": "conf", "type": "config", "paths": ["app/app.conf"], "store": true}]}
EOF
	run -0 --separate-stderr sl-manifest -L "$BATS_TEST_TMPDIR/other" run m.json
	assert_equal "${#lines[@]}" 1
	run -0 sl-verify -L "$BATS_TEST_TMPDIR/other"
	assert_regex "$output" '"size":1,'
	run -0 sl-verify
	assert_regex "$output" '"size":0,'
	sl-artifact -L "$BATS_TEST_TMPDIR/other" has "$(sha256sum <app/app.conf | cut -c1-64)"
	run -1 sl-artifact has "$(sha256sum <app/app.conf | cut -c1-64)"
}

@test "run without a ledger is exit 100 before any collector runs" {
	cat >m.json <<'EOF'
{"version": 1, "collectors": [{"name": "mark", "type": "command", "shell": "touch ran"}]}
EOF
	run -100 --separate-stderr sl-manifest -L "$BATS_TEST_TMPDIR/nowhere" run m.json
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-manifest: fatal: unable to open ledger '$BATS_TEST_TMPDIR/nowhere': "
	[[ ! -e ran ]]
}

@test "run: a program that does not exist is named" {
	cat >m.json <<'EOF'
{"version": 1, "collectors": [{"name": "ghost", "type": "command", "argv": ["no-such-collector-here"]}]}
EOF
	run -100 --separate-stderr sl-manifest run m.json
	assert_equal "$stderr" "sl-manifest: collector 'ghost' (command) failed: could not be started: No such file or directory
sl-manifest: fatal: unable to run manifest 'm.json': 1 of 1 collector failed; nothing was appended"
}

@test "run finds sl-append and the capture programs beside itself, not on PATH" {
	cat >m.json <<'EOF'
{"version": 1, "collectors": [{"name": "code", "type": "git", "dir": "app"}, {"name": "env", "type": "env"}]}
EOF
	local self
	self=$(command -v sl-manifest)
	PATH=/usr/bin:/bin run -0 --separate-stderr "$self" run m.json
	assert_equal "${#lines[@]}" 2
	run -0 sl-verify
	assert_regex "$output" '"size":2,'
}

@test "a collector's last line without a newline is still an entry" {
	cat >m.json <<EOF
{"version": 1, "collectors": [
  {"name": "a", "type": "command", "argv": ["printf", "%s", $(x_line a | jq -Rs .)]},
  {"name": "b", "type": "command", "argv": ["printf", "%s", $(x_line b | jq -Rs .)]}
]}
EOF
	run -0 --separate-stderr sl-manifest run m.json
	assert_equal "${#lines[@]}" 2
}

@test "usage, help and version" {
	run -2 --separate-stderr sl-manifest
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" "sl-manifest: usage: a verb is needed"
	assert_regex "${stderr_lines[1]}" '^sl-manifest: usage: sl-manifest init \[FILE\]'
	run -2 --separate-stderr sl-manifest check
	assert_equal "${stderr_lines[0]}" "sl-manifest: usage: check needs a FILE"
	run -2 --separate-stderr sl-manifest run a b
	assert_equal "${stderr_lines[0]}" "sl-manifest: usage: unexpected operand 'b'"
	run -2 --separate-stderr sl-manifest launch m.json
	assert_equal "${stderr_lines[0]}" "sl-manifest: usage: unknown verb 'launch'"
	run -0 --separate-stderr sl-manifest -h
	assert_regex "${lines[0]}" '^usage: sl-manifest init \[FILE\]$'
	run -0 --separate-stderr sl-manifest --version
	assert_regex "$output" '^sl-manifest [0-9]+\.[0-9]+\.[0-9]+$'
}
