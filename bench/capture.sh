#!/bin/sh
# SPDX-License-Identifier: MIT
# The capture figures of issue 3 ("Done when", point 5), each beside its
# limit: sl-capture-env, sl-capture-git on a generated repository of
# 10,000 commits and 5,000 files, and sl-manifest run with 10 collectors
# including the append.  Prints figures; never passes or fails on time.
# Exits 0 unless a program failed.
#
#   BENCH_RUNS=9          runs of each timed step (the median is reported)
#   BENCH_COMMITS=10000   commits of the generated repository
#   BENCH_FILES=5000      files of the generated repository
#   B=build               where bench programs were built (make sets it)
#   TMPDIR                where the work directory goes (about 30 MB)
#
# The programs are taken from PATH; make puts bin/ first.  Times are
# measured by $B/bench/spawn-time (wall clock from start to exit, and CPU
# time), beside the time to start /bin/true on the same machine: on a
# busy machine the wall clock grows, the CPU time much less.
set -u

RUNS=${BENCH_RUNS:-9}
COMMITS=${BENCH_COMMITS:-10000}
FILES=${BENCH_FILES:-5000}
B=${B:-build}
ST=$B/bench/spawn-time

. "$(dirname "$0")/lib.sh"

case $RUNS$COMMITS$FILES in *[!0-9]*) fail "BENCH_RUNS, BENCH_COMMITS and BENCH_FILES must be numbers" ;; esac
[ "$RUNS" -ge 1 ] && [ "$COMMITS" -ge 2 ] && [ "$FILES" -ge 1 ] || fail "BENCH_RUNS >= 1, BENCH_COMMITS >= 2, BENCH_FILES >= 1"
[ -x "$ST" ] || fail "$ST is missing (run make bench)"
for p in git jq sl-init sl-append sl-capture-env sl-capture-git sl-capture-config sl-manifest; do
	command -v $p >/dev/null 2>&1 || fail "$p is not on PATH (run make bench)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sl-bench-capture.XXXXXX") || fail "unable to make a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# Fixed identities and dates; no user configuration.
export HOME="$tmp/home" GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.com
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.com
mkdir -p "$HOME"

# timed LABEL LIMIT_MS CMD...: print one figure line.
timed() {
	label=$1 limit=$2
	shift 2
	"$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; fail "$label: '$*' failed"; }
	r=$("$ST" "$RUNS" "$@") || fail "$label: timing '$*' failed"
	wall=${r#wall_ms=}; wall=${wall%% *}
	cpu=${r#*cpu_ms=}; cpu=${cpu%% *}
	printf 'capture: %-46s %7s ms wall  %7s ms cpu   (limit %s ms)\n' "$label" "$wall" "$cpu" "$limit"
}

r=$("$ST" "$RUNS" /bin/true) || fail "unable to time /bin/true"
printf 'capture: %-46s %7s ms wall  %7s ms cpu   (process start on this machine)\n' \
	"/bin/true" "$(echo "$r" | sed 's/^wall_ms=\([^ ]*\).*/\1/')" "$(echo "$r" | sed 's/.*cpu_ms=\([^ ]*\).*/\1/')"

# 1. sl-capture-env, with a few variables as a deployment would ask for.
timed "sl-capture-env --var LANG --var 'LC_*' --var PATH" 10 \
	sl-capture-env --var LANG --var 'LC_*' --var PATH

# 2. A repository of COMMITS commits over FILES files in 200 directories,
# written by git fast-import and packed as a clone would receive it.
R="$tmp/big"
git init -q -b main "$R" || fail "git init"
awk -v nfiles="$FILES" -v ncommits="$COMMITS" 'BEGIN {
	t = 1700000000
	printf "commit refs/heads/main\nmark :1\ncommitter Bench <bench@example.com> %d +0000\ndata 5\nfirst\n", t
	for (i = 0; i < nfiles; i++) {
		c = sprintf("file %d\nline two of file %d\n", i, i)
		printf "M 100644 inline d%02d/s%d/f%05d.txt\ndata %d\n%s\n", i % 50, int(i / 50) % 4, i, length(c), c
	}
	for (k = 2; k <= ncommits; k++) {
		f = (k * 7919) % nfiles
		c = sprintf("file %d\nrevision %d\n", f, k)
		m = "change " k
		printf "commit refs/heads/main\nmark :%d\ncommitter Bench <bench@example.com> %d +0000\ndata %d\n%s\nfrom :%d\n", k, t + k, length(m), m, k - 1
		printf "M 100644 inline d%02d/s%d/f%05d.txt\ndata %d\n%s\n", f % 50, int(f / 50) % 4, f, length(c), c
	}
}' | git -C "$R" fast-import --quiet || fail "git fast-import"
git -C "$R" repack -adfq || fail "git repack"
git -C "$R" checkout -q -f main || fail "git checkout"
printf '{"lockfileVersion":3}\n' >"$R/package-lock.json"
printf 'flask==3.0.0\n' >"$R/requirements.txt"
git -C "$R" add package-lock.json requirements.txt && git -C "$R" commit -q -m locks || fail "git commit"
git -C "$R" tag -a -m release v1.0 && git -C "$R" tag light || fail "git tag"
# A working tree as one is found on a server: the index newer than the
# files (so no file is "racily clean"), a few changes, an untracked file.
sleep 1
git -C "$R" status --porcelain >/dev/null
printf 'edited\n' >>"$R/d07/s1/f00007.txt"
printf 'scratch\n' >"$R/notes.txt"
n=$(git -C "$R" rev-list --count HEAD) && f=$(git -C "$R" ls-files | wc -l) || fail "git"
timed "sl-capture-git ($n commits, $f files)" 100 sl-capture-git -C "$R"

# 3. sl-manifest run: 10 collectors (2 git, 3 env, 3 config, 2 command)
# and the append of their 10 entries in one batch.
S="$tmp/svc"
git init -q -b main "$S" && printf 'print(1)\n' >"$S/app.py" && printf 'port = 8080\n' >"$S/app.conf" &&
	printf 'workers = 4\n' >"$S/workers.conf" && printf 'level = info\n' >"$S/log.conf" &&
	git -C "$S" add . && git -C "$S" commit -q -m first || fail "git"
git -C "$S" worktree add -q -b canary "$tmp/svc-canary" || fail "git worktree"
x='{"type":"x-bench","source":"bench:%s","payload":{"n":1}}'
cat >"$S/manifest.json" <<EOF
{"version": 1, "collectors": [
  {"name": "code", "type": "git"},
  {"name": "canary", "type": "git", "dir": "$tmp/svc-canary"},
  {"name": "env", "type": "env", "variables": ["LANG", "PATH"]},
  {"name": "env-locale", "type": "env", "variables": ["LC_*"], "source": "env:locale"},
  {"name": "env-home", "type": "env", "variables": ["HOME"], "source": "env:home"},
  {"name": "app", "type": "config", "paths": ["app.conf"]},
  {"name": "workers", "type": "config", "paths": ["workers.conf"], "store": true},
  {"name": "log", "type": "config", "paths": ["log.conf"]},
  {"name": "build", "type": "command", "argv": ["printf", "$(printf "$x" build | sed 's/"/\\"/g')"]},
  {"name": "deploy", "type": "command", "argv": ["printf", "$(printf "$x" deploy | sed 's/"/\\"/g')"]}
]}
EOF
sl-manifest check "$S/manifest.json" || fail "the bench manifest is invalid"
sl-init -L "$tmp/ledger" --origin bench.example/log >/dev/null || fail "sl-init"
timed "sl-manifest run (10 collectors, one append)" 200 \
	sl-manifest -L "$tmp/ledger" run "$S/manifest.json"
size=$(sl-verify -L "$tmp/ledger" | jq .size) || fail "sl-verify"
[ "$size" -eq $((10 * (RUNS + 1))) ] || fail "the ledger holds $size entries, not $((10 * (RUNS + 1)))"
