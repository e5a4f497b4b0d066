#!/bin/sh
# SPDX-License-Identifier: MIT
# `make demo`: a real pipeline on an embedded ledger in a temporary directory.
# It captures this machine's state (the source tree's commit, the environment,
# two config files), appends it, lists it, verifies the ledger, proves one
# entry's inclusion and checks that proof offline, signs a checkpoint, takes a
# snapshot, bundles it for an auditor and verifies the bundle offline, then
# shows that a change made behind the ledger's back is caught.
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/stateledger-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
SL_LEDGER="$work/ledger"
export SL_LEDGER

step() { printf '\n== %s\n' "$*"; }
now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

step "sl-init: a new ledger in $SL_LEDGER"
sl-init --origin demo.stateledger.example/log

step "capture: code, environment and configuration, as entry lines"
{
	if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
		sl-capture-git -C "$src" --source git:stateledger
	fi
	sl-capture-env --var LANG --var TZ --var 'LC_*' --runtime sqlite3
	sl-capture-config /etc/os-release /etc/hostname
} > "$work/capture.ndjson"
cat "$work/capture.ndjson"

step "sl-append: one receipt per entry, printed once it is on disk"
sl-append < "$work/capture.ndjson"

step "sl-append rejects a bad line and appends nothing of its batch"
printf '%s\n' '{"type":"config","source":"config:x:/etc/x","payload":{"path":"/etc/x","sha256":"not-a-digest"}}' \
	> "$work/bad.ndjson"
if sl-append < "$work/bad.ndjson"; then echo "demo: a bad line was accepted" >&2; exit 1; fi

step "sl-log --type config"
sl-log --type config

step "sl-verify: every leaf, node and the root recomputed"
sl-verify

step "sl-prove: inclusion of entry 0, checked offline against the root"
sl-prove --seq 0 > "$work/proof.json"
cat "$work/proof.json"
root=$(sl-prove head | jq -r .root)
size=$(sl-prove head | jq .size)
sl-get 0 > "$work/entry0.json"
sl-prove check --root "$root" --size "$size" --entry "$work/entry0.json" < "$work/proof.json"

step "sl-keygen and sl-checkpoint: a signed tree head"
vkey=$(sl-keygen --name demo.stateledger.example)
echo "verifier key: $vkey"
sl-checkpoint
echo "the checkpoint, checked against the key we trust (not one the database holds):"
sl-verify --key "$vkey" | jq -c '{verified, checkpoints, keys: [.keys[] | {trusted, checkpoints}]}'

step "sl-snapshot --at now: what was running, with proofs"
sl-snapshot --at now > "$work/snapshot.json"
jq -c '{at, size, root, entries: [.entries[] | {seq, type, source}]}' "$work/snapshot.json"

step "sl-audit: a signed bundle, checked offline with the verifier key alone"
sl-audit -k "$SL_LEDGER/keys/checkpoint.key" < "$work/snapshot.json" > "$work/bundle.json"
sl-audit verify --key "$vkey" --signer "$vkey" < "$work/bundle.json"

step "tampering behind the ledger's back is caught"
cp -R "$SL_LEDGER" "$work/copy"
sqlite3 "$work/copy/ledger.db" "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), '\"size\":', '\"size\":1') AS BLOB) WHERE type = 'config'"
if sl-verify -L "$work/copy"; then echo "demo: tampering went unnoticed" >&2; exit 1; fi

printf '\ndemo: done (the ledger was in %s, now removed)\n' "$SL_LEDGER"
