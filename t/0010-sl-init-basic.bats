#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# sl-init: creating a ledger, refusing to touch what exists, options.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	sl_setup
}

# Everything a ledger directory holds, with modes and checksums.
dir_fingerprint() {
	(cd "$1" && find . -printf '%p %m %s\n' | sort && find . -type f -exec sha256sum {} + | sort)
}

@test "sl-init creates the directories 0700 and ledger.db 0600, even with umask 0" {
	umask 0
	run -0 --separate-stderr sl-init -L "$L" --origin test.example/log
	assert_equal "$stderr" ""
	assert_equal "$(stat -c %a "$L")" 700
	assert_equal "$(stat -c %a "$L/artifacts")" 700
	assert_equal "$(stat -c %a "$L/keys")" 700
	assert_equal "$(stat -c %a "$L/ledger.db")" 600
	[[ -f $L/ledger.db && -d $L/artifacts && -d $L/keys ]]
	# Any -wal or -shm file left behind is owner-only as well.
	local f
	for f in "$L"/ledger.db-*; do
		[[ -e $f ]] || continue
		assert_equal "$(stat -c %a "$f")" 600
	done
}

@test "sl-init prints {\"ledger\":DIR,\"origin\":NAME} and the ledger is empty and valid" {
	run -0 --separate-stderr sl-init -L "$L" --origin test.example/log
	assert_equal "$output" "{\"ledger\":\"$L\",\"origin\":\"test.example/log\"}"
	assert_equal "$stderr" ""
	run -0 --separate-stderr sl-verify
	assert_equal "$output" "{\"verified\":true,\"size\":0,\"root\":\"$EMPTY_ROOT\"}"
	run -0 --separate-stderr sl-log
	assert_equal "$output" ""
	assert_equal "$(tamper meta-get origin)" test.example/log
}

@test "sl-init without --origin makes one up: HOST/stateledger/8 hex digits" {
	run -0 --separate-stderr sl-init -L "$L"
	assert_regex "$output" "^\\{\"ledger\":\"$L\",\"origin\":\"[!-~]+/stateledger/[0-9a-f]{8}\"\\}\$"
	assert_equal "$stderr" ""
	local origin
	origin=$(jq -r .origin <<<"$output")
	assert_equal "$(tamper meta-get origin)" "$origin"
}

@test "sl-init uses SL_LEDGER when there is no -L" {
	run -0 --separate-stderr sl-init --origin test.example/log
	assert_equal "$output" "{\"ledger\":\"$L\",\"origin\":\"test.example/log\"}"
	[[ -f $L/ledger.db ]]
}

@test "sl-init -L wins over SL_LEDGER" {
	local other="$BATS_TEST_TMPDIR/other"
	run -0 --separate-stderr sl-init -L "$other" --origin test.example/log
	assert_equal "$output" "{\"ledger\":\"$other\",\"origin\":\"test.example/log\"}"
	[[ -f $other/ledger.db ]]
	[[ ! -e $L ]]
}

@test "sl-init with neither -L nor SL_LEDGER creates ./.stateledger" {
	unset SL_LEDGER
	cd "$BATS_TEST_TMPDIR"
	run -0 --separate-stderr sl-init --origin test.example/log
	assert_equal "$output" '{"ledger":".stateledger","origin":"test.example/log"}'
	[[ -f $BATS_TEST_TMPDIR/.stateledger/ledger.db ]]
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/.stateledger")" 700
}

@test "sl-init uses an existing empty directory and makes it 0700" {
	mkdir -m 755 "$L"
	run -0 --separate-stderr sl-init -L "$L" --origin test.example/log
	assert_equal "$output" "{\"ledger\":\"$L\",\"origin\":\"test.example/log\"}"
	assert_equal "$(stat -c %a "$L")" 700
	assert_equal "$(stat -c %a "$L/ledger.db")" 600
	run -0 sl-verify -q
}

@test "sl-init refuses an existing ledger and leaves it untouched" {
	init_ledger
	append_n 3
	save_state
	local before
	before=$(dir_fingerprint "$L")
	run -100 --separate-stderr sl-init -L "$L" --origin other.example/log
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-init: fatal: unable to create ledger '$L': .+"
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$(dir_fingerprint "$L")" "$before"
	assert_state_unchanged
	assert_equal "$(tamper meta-get origin)" test.example/log
}

@test "sl-init racing sl-init on one new directory: exactly one makes it, the others exit 100; never a half-made ledger.db" {
	local t k d wins codes
	for t in $(seq 1 12); do
		d="$BATS_TEST_TMPDIR/race$t"
		for k in 1 2 3; do
			(
				rc=0
				sl-init -L "$d" --origin "o$k.example/log" >"$d.out$k" 2>"$d.err$k" || rc=$?
				echo $rc >"$d.rc$k"
			) &
		done
		wait
		wins=0 codes=
		for k in 1 2 3; do
			codes+=" $(cat "$d.rc$k")"
			if [[ $(cat "$d.rc$k") == 0 ]]; then
				wins=$((wins + 1))
				# The winner's origin is the ledger's.
				assert_equal "$(jq -r .origin "$d.out$k")" "$("$SL_SRCDIR/t/tamper" "$d" meta-get origin)"
			else
				assert_regex "$(cat "$d.err$k")" "^sl-init: fatal: unable to create ledger '$d': '$d' (already exists and is not empty|was created meanwhile by another program)"
			fi
		done
		[[ $wins == 1 && $codes =~ ^(\ (0|100)){3}$ ]] || fail "trial $t: exit codes$codes"
		run -0 sl-verify -L "$d" -q
		# Only the ledger's own files: no database left under a made-up name.
		assert_equal "$(ls "$d" | tr '\n' ' ')" "artifacts keys ledger.db ledger.db-shm ledger.db-wal "
	done
}

@test "sl-init refuses a non-empty directory and adds nothing to it" {
	mkdir "$L"
	echo 'precious' >"$L/notes.txt"
	local before
	before=$(dir_fingerprint "$L")
	run -100 --separate-stderr sl-init -L "$L" --origin test.example/log
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-init: fatal: unable to create ledger '$L': .+"
	assert_equal "$(dir_fingerprint "$L")" "$before"
	[[ ! -e $L/ledger.db && ! -e $L/artifacts && ! -e $L/keys ]]
}

@test "sl-init refuses a directory holding only a dot file" {
	mkdir "$L"
	: >"$L/.hidden"
	run -100 --separate-stderr sl-init -L "$L" --origin test.example/log
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-init: fatal: unable to create ledger '$L': "
	[[ ! -e $L/ledger.db ]]
}

@test "sl-init --origin with a space is a usage error and creates nothing" {
	run -2 --separate-stderr sl-init -L "$L" --origin 'test example'
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-init: .*origin"
	[[ ! -e $L ]]
}

@test "sl-init --origin with '+' is a usage error and creates nothing" {
	run -2 --separate-stderr sl-init -L "$L" --origin 'test+example'
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-init: .*origin"
	[[ ! -e $L ]]
}

@test "sl-init --origin with a control character is a usage error" {
	run -2 --separate-stderr sl-init -L "$L" --origin $'test\texample'
	assert_equal "$output" ""
	assert_regex "$stderr" "^sl-init: .*origin"
	[[ ! -e $L ]]
}

@test "sl-init --origin takes 255 bytes but not 256" {
	local o255 o256
	o255=$(printf 'o%.0s' {1..255})
	o256=${o255}o
	run -2 --separate-stderr sl-init -L "$L" --origin "$o256"
	assert_equal "$output" ""
	[[ ! -e $L ]]
	run -0 --separate-stderr sl-init -L "$L" --origin "$o255"
	assert_equal "$output" "{\"ledger\":\"$L\",\"origin\":\"$o255\"}"
}

@test "sl-init --origin '' (explicitly empty) is a usage error, not a made-up origin" {
	run -2 --separate-stderr sl-init -L "$L" --origin ''
	assert_equal "$output" ""
	[[ ! -e $L ]]
}

@test "sl-init -h prints the usage on stdout and exits 0" {
	run -0 --separate-stderr sl-init -h
	assert_line --index 0 --regexp '^usage: sl-init '
	assert_output --partial -- '--origin'
	assert_equal "$stderr" ""
	[[ ! -e $L ]]
	run -0 --separate-stderr sl-init --help
	assert_line --index 0 --regexp '^usage: sl-init '
}

@test "sl-init --version prints the name and version" {
	run -0 --separate-stderr sl-init --version
	assert_regex "$output" '^sl-init [0-9]+\.[0-9]+\.[0-9]+'
	assert_equal "${#lines[@]}" 1
	assert_equal "$stderr" ""
	[[ ! -e $L ]]
}

@test "sl-init with an unknown option is a usage error" {
	run -2 --separate-stderr sl-init -L "$L" --bogus
	assert_equal "$output" ""
	# getopt may name the option first; the usage line must be there.
	assert_regex "$stderr" '(^|'$'\n'')sl-init: usage: sl-init '
	local l
	for l in "${stderr_lines[@]}"; do
		assert_regex "$l" '^sl-init: '
	done
	[[ ! -e $L ]]
}

@test "sl-init with an extra argument is a usage error" {
	run -2 --separate-stderr sl-init -L "$L" extra
	assert_equal "$output" ""
	assert_regex "$stderr" '^sl-init: usage: '
	[[ ! -e $L ]]
}

@test "sl-init -L without a value is a usage error" {
	run -2 --separate-stderr sl-init -L
	assert_equal "$output" ""
	assert_regex "$stderr" '(^|'$'\n'')sl-init: usage: '
}
