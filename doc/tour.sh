#!/bin/sh
# SPDX-License-Identifier: MIT
#
# doc/tour.sh: write doc/tour.md, the walk-through of -o text, by running
# its commands on a real capture (a git repository made here, this host's
# environment, a few configuration files) and keeping what they print.
# Nothing in doc/tour.md is written by hand but the prose below.
#
#   usage: PATH="$PWD/bin:$PATH" sh doc/tour.sh > doc/tour.md
set -eu

work=$(mktemp -d "${TMPDIR:-/tmp}/sl-tour.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
export SL_LEDGER="$work/.stateledger" TZ=UTC SL_COLOR=never
export GIT_CONFIG_NOSYSTEM=1 HOME="$work" GIT_AUTHOR_NAME=Alice GIT_AUTHOR_EMAIL=alice@example.com
export GIT_COMMITTER_NAME=Alice GIT_COMMITTER_EMAIL=alice@example.com

# run CMD: show the command and what it prints, as a shell session.
run() {
	printf '```console\n$ %s\n' "$1"
	sh -c "$1" 2>&1
	printf '```\n\n'
}
# quiet CMD: run it, showing only the command.
quiet() {
	printf '```console\n$ %s\n```\n\n' "$1"
	sh -c "$1" >/dev/null 2>&1
}
say() {
	printf '%s\n\n' "$*"
}

cat <<'EOF'
# A tour of the human output

Every program that answers a question prints NDJSON by default, for
scripts and for `jq`, and the same bytes on a terminal as on a pipe.
`-o text` (or `--format text`) prints the same facts for a person: aligned
columns, one line per entry or source, hashes cut to 12 hex digits, and
times both absolute and relative ("2026-12-02 13:55:01Z (3 h ago)").
Colour is used only when standard output is a terminal and `NO_COLOR` is
unset; `SL_COLOR=always` or `SL_COLOR=never` decides instead.  See
HUMAN OUTPUT in stateledger(7).

This page is written by `doc/tour.sh`, which runs the commands below in a
temporary directory and keeps what they print: regenerate it with
`PATH="$PWD/bin:$PATH" sh doc/tour.sh > doc/tour.md`.

## Capture a deployment

A ledger, a key for checkpoints, and a real repository with a tag and an
uncommitted change:

EOF

quiet 'sl-init --origin tour.example/log && sl-keygen'
quiet 'git init -q -b main shop && cd shop && echo "v1" > app.txt && git add app.txt && git commit -qm "first release" && git tag v1.0 && echo "hotfix" >> app.txt'
say 'The repository, this host, and two configuration files (one stored in the artifact store):'
printf 'listen 80;\nroot /srv/shop;\n' >nginx.conf
printf 'workers=4\n' >app.ini
quiet 'sl-capture-git -C shop | sl-append && sl-capture-env | sl-append && sl-capture-config --store nginx.conf | sl-append && sl-capture-config app.ini | sl-append'
quiet 'sl-checkpoint'

say '## The log'
say 'One row per entry: what was captured, and the one fact that matters about it.'
run 'sl-log -o text'
say 'One entry in full, a member a line:'
run 'sl-get -o text 0'

say '## What was running at T'
say '`sl-snapshot -o text` answers the question on one screen: for each repository its commit, tag, branch and dirty flag; for each configuration its digest and whether its content is stored; for each host its environment; for each namespace its head.'
sleep 1
T1=$(date -u +%Y-%m-%dT%H:%M:%SZ)
run 'sl-snapshot --at now -o text'

say 'The JSON is unchanged; `--objects` adds each entry as an object beside the exact string its leaf hash covers, so it reads without `fromjson`:'
run "sl-snapshot --at now --objects | jq -r '.entries[] | select(.type == \"code\") | .object.payload | \"\\(.commit[:12]) \\(.tags) dirty=\\(.dirty)\"'"

say '## A change, and what it changed'
printf 'listen 443;\nroot /srv/shop;\n' >nginx.conf
quiet 'sl-capture-config --store nginx.conf | sl-append && (cd shop && git commit -qam hotfix && git tag v1.1) && sl-capture-git -C shop | sl-append'
run "sl-diff -o text --from $T1 --to now"

say '## Is the ledger intact, and is it signed?'
quiet 'sl-checkpoint'
run 'sl-verify -o text'
run 'sl-checkpoint latest -o text'

say '## How reproducible is it?'
run 'sl-snapshot --at now --complete | sl-advisory -o text'
