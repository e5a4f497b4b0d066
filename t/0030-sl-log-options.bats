#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# Usage errors name the option and say why (cmd/util.c's sl_getopt, shared
# by every program), before the usage line; every spelling that worked
# before still works.

bats_require_minimum_version 1.5.0
load test_helper

setup() {
	ledger_setup jq
	append_n 3
}

@test "sl-log --before 3: \"unknown option '--before'\"" {
	usage_error "unknown option '--before'" sl-log --before 3
}

@test "sl-log --type (no value): \"'--type' needs a value\"" {
	usage_error "'--type' needs a value" sl-log --type
}

@test "sl-log --limit (no value): \"'--limit' needs a number\"" {
	usage_error "'--limit' needs a number" sl-log --limit
	usage_error "'--after' needs a number" sl-log --after
}

@test "sl-log: an unknown short option, a value given to a flag, a bad type, an operand" {
	usage_error "unknown option '-x'" sl-log -x
	usage_error "'--help' takes no value" sl-log --help=yes
	usage_error "'--type' wants code, config, environment, mutation or x-NAME, not 'bogus'" sl-log --type bogus
	usage_error "unexpected operand 'extra'" sl-log extra
	usage_error "'-L' needs a value" sl-log -L
}

@test "every program names the option: sl-append, sl-snapshot, sl-get, sl-verify, sl-prove, sl-checkpoint" {
	usage_error "unknown option '--bogus'" sl-append --bogus
	usage_error "'--batch' needs a number" sl-append --batch
	usage_error "'--at' needs a value" sl-snapshot --at
	usage_error "unknown option '--before'" sl-get --before 3
	usage_error "unknown option '--nope'" sl-verify --nope
	usage_error "unknown option '--nope'" sl-prove --nope
	usage_error "unknown option '--nope'" sl-checkpoint --nope
}

@test "the old spellings still work: --opt=value, unambiguous prefixes, -L DIR, options after operands" {
	run -0 --separate-stderr sl-log --limit=2
	assert_equal "${#lines[@]}" 2
	run -0 --separate-stderr sl-log --lim 1 --typ x-test
	assert_equal "${#lines[@]}" 1
	run -0 --separate-stderr sl-log -L "$L" --after=1
	assert_equal "$(jq -r .seq <<<"$output")" 2
	run -0 --separate-stderr sl-get 1 -L "$L"
	assert_equal "$(jq -r .seq <<<"$output")" 1
}
