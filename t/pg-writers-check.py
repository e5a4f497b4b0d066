#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# The many-writers check of t/0018-pg-writers.bats: the log (sl-log's
# canonical lines) against every receipt the writers were given.
#
#   pg-writers-check.py LOG RECEIPTS...
#
# A RECEIPTS file holds, for each batch a writer submitted, a line
# "batch WRITER BATCH COUNT" followed by the answer it got: receipt lines
# ({"seq":..,"ts":..,"leaf_hash":..}) or sl-httpd's {"receipts":[...]}.
# Entry sources are "wWRITER.bBATCH.iINDEX".  Checks: seqs 0..N-1 each once
# (no gap, no duplicate); ts non-decreasing in seq; every source once; every
# receipt names the seq, ts and leaf hash (SHA-256(0x00 || canonical bytes))
# the log holds for that entry; each batch's entries are contiguous seqs in
# submission order with one ts (a batch is atomic); and every entry in the log has its
# receipt (nothing appended unacknowledged while every writer succeeded).
# Prints one summary line on stdout; problems on stderr, exit 1.
import hashlib
import json
import sys

problems = []


def problem(msg):
    if len(problems) < 20:
        print("pg-writers-check: " + msg, file=sys.stderr)
    problems.append(msg)


log = []
with open(sys.argv[1], "rb") as f:
    for raw in f:
        raw = raw.rstrip(b"\n")
        e = json.loads(raw)
        e["_leaf"] = hashlib.sha256(b"\x00" + raw).hexdigest()
        log.append(e)

n = len(log)
for i, e in enumerate(log):
    if e["seq"] != i:
        problem("position %d of the log holds seq %d (gap or duplicate)" % (i, e["seq"]))
        break
for i in range(1, n):
    if log[i]["ts"] < log[i - 1]["ts"]:
        problem("ts goes back at seq %d: %s after %s" % (i, log[i]["ts"], log[i - 1]["ts"]))
by_source = {}
for e in log:
    if e["source"] in by_source:
        problem("source %s appended twice: seqs %d and %d" % (e["source"], by_source[e["source"]]["seq"], e["seq"]))
    by_source[e["source"]] = e

batches = []  # (writer, batch, count, [receipts])
for path in sys.argv[2:]:
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            if line.startswith("batch "):
                _, w, b, k = line.split()
                batches.append((w, b, int(k), []))
                continue
            obj = json.loads(line)
            rs = obj["receipts"] if "receipts" in obj else [obj]
            if not batches:
                problem("%s: a receipt before any batch line" % path)
                continue
            batches[-1][3].extend(rs)

receipts = 0
seen = set()
sizes = {}
for w, b, k, rs in batches:
    receipts += len(rs)
    sizes[k] = sizes.get(k, 0) + 1
    if len(rs) != k:
        problem("writer %s batch %s: %d entries submitted, %d receipts" % (w, b, k, len(rs)))
        continue
    seqs = [r["seq"] for r in rs]
    if seqs != list(range(seqs[0], seqs[0] + k)):
        problem("writer %s batch %s: not contiguous seqs: %s" % (w, b, seqs))
    if len(set(r["ts"] for r in rs)) != 1:
        problem("writer %s batch %s: one transaction, several ts: %s" % (w, b, sorted(set(r["ts"] for r in rs))))
    for i, r in enumerate(rs):
        src = "w%s.b%s.i%d" % (w, b, i)
        seen.add(src)
        e = by_source.get(src)
        if e is None:
            problem("lost: receipt %s for %s, which the log does not hold" % (json.dumps(r), src))
            continue
        if (r["seq"], r["ts"], r["leaf_hash"]) != (e["seq"], e["ts"], e["_leaf"]):
            problem("receipt %s for %s, but the log has seq %d ts %s leaf %s"
                    % (json.dumps(r), src, e["seq"], e["ts"], e["_leaf"]))
for src in by_source:
    if src not in seen:
        problem("entry %s (seq %d) in the log without a receipt" % (src, by_source[src]["seq"]))

print(json.dumps({"entries": n, "receipts": receipts, "batches": len(batches),
                  "batch_sizes": len(sizes), "problems": len(problems)}))
sys.exit(1 if problems else 0)
