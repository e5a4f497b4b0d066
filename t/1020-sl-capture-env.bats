#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-capture-env: the environment payload, redaction of secrets, runtimes,
# containers and SOURCE_DATE_EPOCH as the reproducible-builds spec says.

bats_require_minimum_version 1.5.0
load capture_helper

setup() {
	capture_setup
	unset SOURCE_DATE_EPOCH
	export LC_ALL=C
}

@test "every member comes from the system it describes" {
	umask 0027
	TZ=Europe/Paris run -0 --separate-stderr sl-capture-env
	assert_equal "$stderr" ""
	assert_equal "$(jq -r .type <<<"$output")" environment
	assert_equal "$(jq -r .source <<<"$output")" "env:$HOST"
	local keys
	keys=$(jq -c '.payload | keys - ["container", "time_source"]' <<<"$output")
	assert_equal "$keys" '["arch","captured_at","hostname","kernel","libc","locale","nproc","os","tz","umask"]'
	local os
	os=$(. /etc/os-release && printf '%s' "$PRETTY_NAME")
	assert_equal "$(jq -r .payload.os <<<"$output")" "$os"
	assert_equal "$(jq -r .payload.kernel <<<"$output")" "$(uname -r)"
	assert_equal "$(jq -r .payload.arch <<<"$output")" "$(uname -m)"
	assert_equal "$(jq -r .payload.hostname <<<"$output")" "$HOST"
	assert_equal "$(jq -r .payload.libc <<<"$output")" "$(getconf GNU_LIBC_VERSION | sed 's/^glibc /glibc /')"
	assert_equal "$(jq -r .payload.tz <<<"$output")" Europe/Paris
	assert_equal "$(jq -r .payload.locale <<<"$output")" C
	assert_equal "$(jq -r .payload.umask <<<"$output")" 0027
	assert_equal "$(jq -r .payload.nproc <<<"$output")" "$(nproc)"
	assert_regex "$(jq -r .payload.time_source <<<"$output")" '^(ntp-synced|unsynced)$'
	assert_regex "$(jq -r .payload.captured_at <<<"$output")" "$CAPTURED_RE"
	assert_equal "$output" "$(jq -cS . <<<"$output")"
}

@test "under libfaketime the clock is reported as fixed, and captured_at is the fake time" {
	require_cmd faketime
	require_preload sl-capture-env
	run -0 --separate-stderr faketime -f '@2020-01-02 03:04:05' sl-capture-env
	assert_equal "$(jq -r .payload.time_source <<<"$output")" fixed
	assert_regex "$(jq -r .payload.captured_at <<<"$output")" '^2020-01-02T03:04:0[5-9]\.[0-9]{6}Z$'
}

@test "the time zone comes from TZ, else from the system" {
	TZ=:America/New_York run -0 --separate-stderr sl-capture-env
	assert_equal "$(jq -r .payload.tz <<<"$output")" America/New_York
	unset TZ
	run -0 --separate-stderr sl-capture-env
	local want
	if [[ -s /etc/timezone ]]; then
		want=$(head -n1 /etc/timezone)
	else
		want=$(readlink /etc/localtime | sed 's|.*zoneinfo/||')
	fi
	assert_equal "$(jq -r .payload.tz <<<"$output")" "$want"
}

@test "a locale that is not installed is reported as such" {
	LC_ALL=xx_YY.UTF-8 run -0 --separate-stderr sl-capture-env
	assert_equal "$(jq -r .payload.locale <<<"$output")" "C (xx_YY.UTF-8 is not installed)"
}

@test "the container: detected, and image and digest as given" {
	local d=sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
	run -0 --separate-stderr sl-capture-env --image registry.example/shop:1.4 --digest "$d"
	assert_equal "$(jq -c '.payload.container | del(.runtime)' <<<"$output")" \
		"{\"digest\":\"$d\",\"image\":\"registry.example/shop:1.4\"}"
	run -0 --separate-stderr sl-capture-env --image "registry.example/shop@$d"
	assert_equal "$(jq -c '.payload.container | del(.runtime)' <<<"$output")" \
		"{\"digest\":\"$d\",\"image\":\"registry.example/shop\"}"
	# Upper-case hex is written as the schema wants it.
	run -0 --separate-stderr sl-capture-env --image x --digest "${d^^}"
	assert_equal "$(jq -r .payload.container.digest <<<"$output")" "$d"
	if [[ -e /.dockerenv ]]; then
		run -0 --separate-stderr sl-capture-env
		assert_equal "$(jq -c .payload.container <<<"$output")" '{"runtime":"docker"}'
	fi
}

@test "an image digest that is not sha256:<64 hex> is exit 100" {
	run -100 --separate-stderr sl-capture-env --image x --digest sha256:abc
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-env: fatal: unable to capture the environment: unable to use the image digest 'sha256:abc': not sha256:<64 hex digits>"
}

@test "variables: only those asked for, by name or glob" {
	export APP_MODE=production APP_COLOR=blue OTHER=x
	run -0 --separate-stderr sl-capture-env --var 'APP_*' --var LC_ALL --var NOT_SET_ANYWHERE
	assert_equal "$(jq -c .payload.variables <<<"$output")" \
		'{"APP_COLOR":"blue","APP_MODE":"production","LC_ALL":"C"}'
}

@test "secret-looking names are redacted, matched by glob, whatever their case" {
	# A clean environment, so that only these variables can match.
	run -0 --separate-stderr env -i PATH="$PATH" AWS_SECRET_ACCESS_KEY=marker-aws-secret \
		github_token=marker-gh-token My_Password=marker-my-password DB_PASSWD=marker-db-passwd \
		SESSION_COOKIE=marker-session-cookie AWS_ACCESS_KEY_ID=marker-aws-key-id \
		API_KEY=marker-api-key DEPLOY_AUTH=marker-auth PLAIN_SETTING=visible \
		sl-capture-env --var 'AWS_*' --var 'github_*' --var 'My_*' \
		--var 'DB_*' --var 'SESSION_*' --var 'API_*' --var 'DEPLOY_*' --var 'PLAIN_*'
	assert_equal "$(jq -c .payload.variables <<<"$output")" \
		'{"API_KEY":"<redacted:name>","AWS_ACCESS_KEY_ID":"<redacted:name>","AWS_SECRET_ACCESS_KEY":"<redacted:name>","DB_PASSWD":"<redacted:name>","DEPLOY_AUTH":"<redacted:name>","My_Password":"<redacted:name>","PLAIN_SETTING":"visible","SESSION_COOKIE":"<redacted:name>","github_token":"<redacted:name>"}'
	refute_output --partial marker-
	[[ $stderr != *marker-* ]]
}

@test "--var '*' records everything and still no secret" {
	export AWS_SECRET_ACCESS_KEY=marker-aws-secret github_token=marker-gh-token \
		My_Password=marker-my-password DB_PASSWD=marker-db-passwd SESSION_COOKIE=marker-cookie \
		NPM_TOKEN=marker-npm PRIVATE_KEY_PEM=marker-pem DATABASE_URL='postgres://app:marker-db-url@db.example/shop?sslmode=require'
	run -0 --separate-stderr sl-capture-env --var '*'
	refute_output --partial marker-
	assert_equal "$(jq -r .payload.variables.DATABASE_URL <<<"$output")" \
		'postgres://<redacted:url-userinfo>@db.example/shop?sslmode=require'
	assert_equal "$(jq -r .payload.variables.HOME <<<"$output")" "$HOME"
	append_output
	run -0 tamper dump
	refute_output --partial marker-
}

@test "--allow keeps one secret-looking variable as it is, and only that one" {
	export DB_PASSWD=marker-db-passwd SESSION_COOKIE=marker-cookie
	run -0 --separate-stderr sl-capture-env --var DB_PASSWD --var SESSION_COOKIE --allow DB_PASSWD
	assert_equal "$(jq -c .payload.variables <<<"$output")" \
		'{"DB_PASSWD":"marker-db-passwd","SESSION_COOKIE":"<redacted:name>"}'
	# --allow alone records nothing.
	run -0 --separate-stderr sl-capture-env --allow DB_PASSWD
	assert_equal "$(jq -c .payload.variables <<<"$output")" null
}

@test "credentials inside URLs in ordinary variables are scrubbed" {
	export UPSTREAM='https://deploy:marker-pw@git.example/x.git and https://marker-tok@api.example/v1?token=marker-q&page=2'
	run -0 --separate-stderr sl-capture-env --var UPSTREAM
	assert_equal "$(jq -r .payload.variables.UPSTREAM <<<"$output")" \
		'https://<redacted:url-userinfo>@git.example/x.git and https://<redacted:url-userinfo>@api.example/v1?token=<redacted:url-query>&page=2'
}

@test "a value that is not UTF-8 is recorded and accepted by sl-append" {
	export ODD_VALUE=$(printf 'a\377b')
	run -0 --separate-stderr sl-capture-env --var ODD_VALUE
	assert_equal "$(jq -r .payload.variables.ODD_VALUE <<<"$output")" "$(printf 'a\357\277\275b')"
	append_output
}

@test "SOURCE_DATE_EPOCH: 0 and 1700000000 are recorded as integers" {
	SOURCE_DATE_EPOCH=0 run -0 --separate-stderr sl-capture-env
	assert_equal "$(jq -c .payload.source_date_epoch <<<"$output")" 0
	SOURCE_DATE_EPOCH=1700000000 run -0 --separate-stderr sl-capture-env
	assert_equal "$(jq -c .payload.source_date_epoch <<<"$output")" 1700000000
	append_output
	run -0 --separate-stderr sl-capture-env
	assert_equal "$(jq -c .payload.source_date_epoch <<<"$output")" null
	SOURCE_DATE_EPOCH= run -0 --separate-stderr sl-capture-env
	assert_equal "$(jq -c .payload.source_date_epoch <<<"$output")" null
}

@test "SOURCE_DATE_EPOCH: malformed values make the capture fail, as the spec asks" {
	SOURCE_DATE_EPOCH=abc run -100 --separate-stderr sl-capture-env
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-env: fatal: unable to capture the environment: SOURCE_DATE_EPOCH 'abc' is not a whole number of seconds as 'date +%s' prints it"
	SOURCE_DATE_EPOCH=-1 run -100 --separate-stderr sl-capture-env
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-env: fatal: unable to capture the environment: SOURCE_DATE_EPOCH '-1' is negative (a time before 1970 is not accepted)"
	SOURCE_DATE_EPOCH=99999999999999999999 run -100 --separate-stderr sl-capture-env
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-env: fatal: unable to capture the environment: SOURCE_DATE_EPOCH '99999999999999999999' is out of range (at most 253402300799, 9999-12-31T23:59:59Z)"
	local v
	for v in 1.5 ' 1' '1 ' +1 0x10 007 1e9; do
		SOURCE_DATE_EPOCH=$v run -100 --separate-stderr sl-capture-env
		assert_equal "$output" ""
	done
	SOURCE_DATE_EPOCH=253402300799 run -0 --separate-stderr sl-capture-env
	SOURCE_DATE_EPOCH=253402300800 run -100 --separate-stderr sl-capture-env
}

@test "runtimes: the first line of PROGRAM --version, by base name" {
	mkdir "$BATS_TEST_TMPDIR/rt"
	printf '#!/bin/sh\n[ "$1" = --version ] || exit 9\nprintf "\\n  fancy 1.2.3 (build 7)  \\nmore\\n" >&2\n' >"$BATS_TEST_TMPDIR/rt/fancy"
	chmod +x "$BATS_TEST_TMPDIR/rt/fancy"
	PATH="$BATS_TEST_TMPDIR/rt:$PATH" run -0 --separate-stderr sl-capture-env --runtime bash --runtime fancy \
		--runtime "$(command -v git)"
	assert_equal "$(jq -c '.payload.runtimes | keys' <<<"$output")" '["bash","fancy","git"]'
	assert_equal "$(jq -r .payload.runtimes.bash <<<"$output")" "$(bash --version | head -n1)"
	assert_equal "$(jq -r .payload.runtimes.git <<<"$output")" "$(git --version)"
	assert_equal "$(jq -r .payload.runtimes.fancy <<<"$output")" "fancy 1.2.3 (build 7)"
	append_output
}

@test "a runtime that is not installed is recorded as \"<not found>\" with a warning, and the capture goes on" {
	run -0 --separate-stderr sl-capture-env --runtime bash --runtime no-such-runtime-here --runtime /no/such/dir/node
	assert_equal "$stderr" "sl-capture-env: warning: runtime 'no-such-runtime-here' is not installed: recorded as \"<not found>\"
sl-capture-env: warning: runtime '/no/such/dir/node' is not installed: recorded as \"<not found>\""
	assert_equal "$(jq -c '.payload.runtimes | del(.bash)' <<<"$output")" '{"no-such-runtime-here":"<not found>","node":"<not found>"}'
	assert_equal "$(jq -r .payload.runtimes.bash <<<"$output")" "$(bash --version | head -n1)"
	append_output
}

@test "a runtime that is there but cannot be run, fails or says nothing is exit 100, naming it" {
	printf '#!/bin/sh\necho 1.0\n' >"$BATS_TEST_TMPDIR/noexec"
	chmod 644 "$BATS_TEST_TMPDIR/noexec"
	run -100 --separate-stderr sl-capture-env --runtime "$BATS_TEST_TMPDIR/noexec"
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-env: fatal: unable to capture the environment: unable to run '$BATS_TEST_TMPDIR/noexec --version': could not be started: Permission denied"
	run -100 --separate-stderr sl-capture-env --runtime false
	assert_equal "$stderr" "sl-capture-env: fatal: unable to capture the environment: unable to run 'false --version': exited with status 1"
	printf '#!/bin/sh\nexit 0\n' >"$BATS_TEST_TMPDIR/quiet"
	chmod +x "$BATS_TEST_TMPDIR/quiet"
	run -100 --separate-stderr sl-capture-env --runtime "$BATS_TEST_TMPDIR/quiet"
	assert_equal "$stderr" "sl-capture-env: fatal: unable to capture the environment: unable to read the version of '$BATS_TEST_TMPDIR/quiet': '$BATS_TEST_TMPDIR/quiet --version' printed nothing"
}

@test "a runtime that hangs is killed after 2 seconds: exit 111" {
	printf '#!/bin/sh\nsleep 30\n' >"$BATS_TEST_TMPDIR/hang"
	chmod +x "$BATS_TEST_TMPDIR/hang"
	SECONDS=0
	run -111 --separate-stderr sl-capture-env --runtime "$BATS_TEST_TMPDIR/hang"
	assert_equal "$output" ""
	assert_equal "$stderr" "sl-capture-env: fatal: unable to capture the environment: unable to run '$BATS_TEST_TMPDIR/hang --version': timed out after 2000 ms and was killed"
	[[ $SECONDS -lt 10 ]]
}

@test "no shell is involved in running a runtime" {
	run -0 --separate-stderr sl-capture-env --runtime 'echo hi; touch pwned'
	assert_equal "$stderr" "sl-capture-env: warning: runtime 'echo hi; touch pwned' is not installed: recorded as \"<not found>\""
	assert_equal "$(jq -c .payload.runtimes <<<"$output")" '{"echo hi; touch pwned":"<not found>"}'
	[[ ! -e pwned ]]
}

@test "sl-capture-env | sl-append | sl-verify" {
	init_ledger
	sl-capture-env --var LC_ALL | sl-append >/dev/null
	run -0 sl-verify
	assert_regex "$output" '"verified":true,"size":1,'
	run -0 sl-get 0
	assert_equal "$(jq -r .type <<<"$output")" environment
}

@test "--source names the entry; usage, help and version" {
	run -0 --separate-stderr sl-capture-env --source env:build-7
	assert_equal "$(jq -r .source <<<"$output")" env:build-7
	run -2 --separate-stderr sl-capture-env --source ''
	assert_equal "$output" ""
	run -2 --separate-stderr sl-capture-env stray
	assert_equal "$output" ""
	assert_equal "${stderr_lines[0]}" "sl-capture-env: usage: unexpected operand 'stray'"
	assert_regex "${stderr_lines[1]}" '^sl-capture-env: usage: sl-capture-env \[--var NAME\|GLOB\]'
	run -2 --separate-stderr sl-capture-env --runtime ''
	run -0 --separate-stderr sl-capture-env -h
	assert_regex "${lines[0]}" '^usage: sl-capture-env '
	run -0 --separate-stderr sl-capture-env --version
	assert_regex "$output" '^sl-capture-env [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "a full standard output is exit 111" {
	[[ -w /dev/full ]] || skip "no /dev/full on this system"
	run -111 --separate-stderr sh -c 'sl-capture-env >/dev/full'
	assert_regex "$stderr" 'unable to write to standard output'
}

# Issue 11: secrets the name rules and the URL parser let through.

# captures_as NAME VALUE WANT...: capture these variables alone with
# --var '*'; each must be recorded as WANT, and no "marker" may be left.
captures_as() {
	local -a assign=() names=() wants=()
	while (($# >= 3)); do
		assign+=("$1=$2") names+=("$1") wants+=("$3")
		shift 3
	done
	run -0 --separate-stderr env -i PATH="$PATH" "${assign[@]}" sl-capture-env --var '*'
	refute_output --partial marker
	local i
	for i in "${!names[@]}"; do
		assert_equal "$(jq -r --arg n "${names[i]}" '.payload.variables[$n]' <<<"$output")" "${wants[i]}"
	done
}

@test "finding: names without a separator (DBPASS, ROOTPASS, ENCRYPTIONKEY, STRIPE_SK) are redacted" {
	captures_as DBPASS marker-dbpass '<redacted:name>' ROOTPASS marker-rootpass '<redacted:name>' \
		ENCRYPTIONKEY marker-enckey '<redacted:name>' STRIPE_SK marker-stripe-sk '<redacted:name>'
}

@test "finding: a JWT, a PEM private key and webhook URLs under innocent names are redacted" {
	local jwt='eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJtYXJrZXIifQ.c2lnbmF0dXJlLW1hcmtlcg'
	captures_as MY_SETTING "$jwt" '<redacted:jwt>' \
		APP_CERT "$(printf -- '-----BEGIN RSA PRIVATE KEY-----\nMIIEmarkerPEMbody\n-----END RSA PRIVATE KEY-----')" \
		'<redacted:pem-private-key>' \
		NOTIFY 'https://hooks.slack.com/services/T000/B000/XXXXmarkerslack' \
		'https://hooks.slack.com/services/<redacted:webhook-url>' \
		ALERTS 'https://discord.com/api/webhooks/123456/markerdiscord' \
		'https://discord.com/api/webhooks/<redacted:webhook-url>'
	refute_output --partial "$jwt"
}

@test "finding: Password= and AccountKey= in connection strings are redacted" {
	captures_as SQL_CONN 'Server=db;Database=shop;User Id=app;Password=marker-pw;' \
		'Server=db;Database=shop;User Id=app;Password=<redacted:password-pair>;' \
		BLOB_CONN 'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=markerKEY==;EndpointSuffix=core.windows.net' \
		'DefaultEndpointsProtocol=https;AccountName=acme;AccountKey=<redacted:password-pair>;EndpointSuffix=core.windows.net'
}

@test "finding: URL passwords holding an unescaped /, ? or # are removed whole" {
	local want='https://<redacted:url-userinfo>@host.example/r.git'
	captures_as U1 'https://user:pa/ssmarker1@host.example/r.git' "$want" \
		U2 'https://user:pa?ssmarker2@host.example/r.git' "$want" \
		U3 'https://user:pa#ssmarker3@host.example/r.git' "$want"
	refute_output --partial 'pa/'
}

@test "finding: user:password@host:path without a scheme is redacted, mailto: is kept" {
	captures_as SCP 'deploy:marker1@git.example:acme/shop.git' '<redacted:url-userinfo>@git.example:acme/shop.git' \
		PROXY 'user:marker2@proxy.example:3128' '<redacted:url-userinfo>@proxy.example:3128' \
		MAIL 'mailto:alice@example.com' 'mailto:alice@example.com'
}

@test "finding: a password in --image is redacted" {
	run -0 --separate-stderr env -i PATH="$PATH" sl-capture-env --image 'https://u:markerpw@registry.example/acme/app:1'
	assert_equal "$(jq -r .payload.container.image <<<"$output")" 'https://<redacted:url-userinfo>@registry.example/acme/app:1'
	refute_output --partial marker
}

@test "corpus: no secret of t/fixtures/secrets reaches any byte of the ledger; every innocent value is kept" {
	load secret_helper
	load_corpus
	sanitizer_env
	local -a assign=()
	local i bad=()
	for i in "${!SECRET_NAMES[@]}"; do
		assign+=("${SECRET_NAMES[i]}=${SECRET_VALUES[i]}")
	done
	for i in "${!INNOCENT_NAMES[@]}"; do
		assign+=("${INNOCENT_NAMES[i]}=${INNOCENT_VALUES[i]}")
	done
	run -0 --separate-stderr env -i PATH="$PATH" "${SANITIZER_ENV[@]}" "${assign[@]}" sl-capture-env --var '*'
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/capture.ndjson"
	for i in "${!INNOCENT_NAMES[@]}"; do
		[[ $(jq -r --arg n "${INNOCENT_NAMES[i]}" '.payload.variables[$n]' <<<"$output") == "${INNOCENT_VALUES[i]}" ]] ||
			bad+=("${INNOCENT_NAMES[i]}")
	done
	assert_equal "innocents redacted: ${bad[*]}" "innocents redacted: "
	for i in "${!SECRET_NAMES[@]}"; do
		[[ $(jq -r --arg n "${SECRET_NAMES[i]}" '.payload.variables[$n]' <<<"$output") == *'<redacted:'* ]] ||
			bad+=("${SECRET_NAMES[i]}")
	done
	assert_equal "secrets without a marker: ${bad[*]}" "secrets without a marker: "
	append_output
	# The ledger's bytes can be searched: an innocent value is found in them.
	grep -r -a -F -q -e deadbeefcafebabe0123456789abcdef "$L"
	ls "$L/ledger.db-wal" >/dev/null
	refute_needles "$L" "$BATS_TEST_TMPDIR/capture.ndjson"
}
