#!/bin/sh
# SPDX-License-Identifier: MIT
# `make demo`: a real pipeline on an embedded ledger in a temporary directory.
# It records this machine's state (the source tree's commit, a config file's
# digest, the kernel and OS), appends it, lists it, verifies the ledger, proves
# one entry's inclusion and checks that proof offline, then shows that a
# change made behind the ledger's back is caught.
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

step "capture: code, config and environment as entry lines"
commit=$(git -C "$src" rev-parse HEAD 2>/dev/null || echo "")
{
	if [ -n "$commit" ]; then
		jq -cn --arg repo "$src" --arg commit "$commit" --arg at "$(now)" \
			--argjson dirty "$(test -z "$(git -C "$src" status --porcelain 2>/dev/null)" && echo false || echo true)" \
			'{type:"code",source:"git:stateledger",payload:{repo:$repo,commit:$commit,dirty:$dirty,captured_at:$at}}'
	fi
	for f in /etc/os-release /etc/hostname; do
		[ -r "$f" ] || continue
		jq -cn --arg path "$f" --arg sha "$(sha256sum "$f" | cut -d' ' -f1)" \
			--argjson size "$(wc -c < "$f")" --arg host "$(uname -n)" --arg at "$(now)" \
			'{type:"config",source:("config:"+$host+":"+$path),payload:{path:$path,sha256:$sha,size:$size,host:$host,captured_at:$at}}'
	done
	os=$(. /etc/os-release 2>/dev/null && echo "${PRETTY_NAME:-unknown}" || echo unknown)
	jq -cn --arg os "$os" --arg arch "$(uname -m)" --arg kernel "$(uname -r)" \
		--arg host "$(uname -n)" --argjson nproc "$(nproc)" --arg at "$(now)" \
		'{type:"environment",source:("env:"+$host),payload:{os:$os,arch:$arch,kernel:$kernel,hostname:$host,nproc:$nproc,captured_at:$at}}'
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
root=$(sl-prove --head | jq -r .root)
sl-get 0 > "$work/entry0.json"
sl-prove --check --root "$root" --entry "$work/entry0.json" < "$work/proof.json"

step "tampering behind the ledger's back is caught"
cp -R "$SL_LEDGER" "$work/copy"
sqlite3 "$work/copy/ledger.db" "UPDATE entries SET entry = CAST(replace(CAST(entry AS TEXT), '\"size\":', '\"size\":1') AS BLOB) WHERE type = 'config'"
if sl-verify -L "$work/copy"; then echo "demo: tampering went unnoticed" >&2; exit 1; fi

printf '\ndemo: done (the ledger was in %s, now removed)\n' "$SL_LEDGER"
