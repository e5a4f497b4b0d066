#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An independent reader of C2SP tlog-tiles (https://c2sp.org/tlog-tiles),
written from the spec and RFC 6962 alone, sharing no code with StateLedger.

  tiles-check.py DIR [SEQ...]

Reads DIR/checkpoint (origin, size, root), fetches every tile and entry
bundle a client needs for that size, and checks that: each entry bundle
hashes to its level-0 tile; each hash of a tile at level L >= 1 is the
Merkle Tree Hash of the full tile below it; the root recomputed from the
leaves is the checkpoint's.  For each SEQ it prints the RFC 6962
inclusion proof (PATH) computed from the leaves, as a JSON line
{"seq","size","root","proof"}, for comparison with sl-prove.  Exits 1
naming the first thing that does not hold.
"""
import base64
import hashlib
import json
import os
import sys


def fail(msg):
    print("tiles-check: " + msg, file=sys.stderr)
    sys.exit(1)


def tile_path(level, n, w):
    parts = []
    while True:
        parts.append(n % 1000)
        n //= 1000
        if n == 0:
            break
    parts.reverse()
    elems = ["x%03d" % p for p in parts[:-1]] + ["%03d" % parts[-1]]
    p = "tile/%s/%s" % (level, "/".join(elems))
    if w < 256:
        p += ".p/%d" % w
    return p


def read(d, rel):
    path = os.path.join(d, rel)
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        fail("%s: %s" % (rel, e.strerror))


def leaf(b):
    return hashlib.sha256(b"\x00" + b).digest()


def node(a, b):
    return hashlib.sha256(b"\x01" + a + b).digest()


def mth(h):
    """RFC 6962 2.1 over leaf hashes h."""
    if len(h) == 1:
        return h[0]
    k = 1
    while k * 2 < len(h):
        k *= 2
    return node(mth(h[:k]), mth(h[k:]))


def path(m, h):
    """RFC 6962 2.1.1 PATH(m, D[n]) over leaf hashes h."""
    if len(h) == 1:
        return []
    k = 1
    while k * 2 < len(h):
        k *= 2
    if m < k:
        return path(m, h[:k]) + [mth(h[k:])]
    return path(m - k, h[k:]) + [mth(h[:k])]


def main():
    if len(sys.argv) < 2:
        fail("usage: tiles-check.py DIR [SEQ...]")
    d = sys.argv[1]
    lines = read(d, "checkpoint").decode("utf-8").split("\n")
    if len(lines) < 4:
        fail("checkpoint: too short")
    size = int(lines[1])
    root = base64.b64decode(lines[2], validate=True)
    # Level 0 and the entry bundles: every leaf hash.
    leaves = []
    for n in range((size + 255) // 256):
        w = min(256, size - n * 256)
        tile = read(d, tile_path(0, n, w))
        bundle = read(d, tile_path("entries", n, w))
        if len(tile) != 32 * w:
            fail("%s: %d bytes, want %d" % (tile_path(0, n, w), len(tile), 32 * w))
        i, got = 0, []
        while i < len(bundle):
            if i + 2 > len(bundle):
                fail("%s: truncated length" % tile_path("entries", n, w))
            ln = bundle[i] << 8 | bundle[i + 1]
            if i + 2 + ln > len(bundle):
                fail("%s: truncated entry" % tile_path("entries", n, w))
            got.append(bundle[i + 2:i + 2 + ln])
            i += 2 + ln
        if len(got) != w:
            fail("%s: %d entries, want %d" % (tile_path("entries", n, w), len(got), w))
        for j, e in enumerate(got):
            if leaf(e) != tile[32 * j:32 * j + 32]:
                fail("entry %d does not hash to its level-0 tile" % (n * 256 + j))
            leaves.append(tile[32 * j:32 * j + 32])
    # Levels 1 and up: each hash is the MTH of a full tile below.
    below = leaves
    level = 1
    while size >> (8 * level):
        count = size >> (8 * level)
        hashes = []
        for n in range((count + 255) // 256):
            w = min(256, count - n * 256)
            tile = read(d, tile_path(level, n, w))
            if len(tile) != 32 * w:
                fail("%s: %d bytes" % (tile_path(level, n, w), len(tile)))
            for j in range(w):
                want = mth(below[(n * 256 + j) * 256:(n * 256 + j + 1) * 256])
                if tile[32 * j:32 * j + 32] != want:
                    fail("%s: hash %d is not the MTH of the tile below" % (tile_path(level, n, w), j))
                hashes.append(want)
        below = hashes
        level += 1
    if size and mth(leaves) != root:
        fail("the root of the leaves is not the checkpoint's")
    for a in sys.argv[2:]:
        m = int(a)
        print(json.dumps({"seq": m, "size": size, "root": root.hex(),
                          "proof": [x.hex() for x in path(m, leaves)]}, separators=(",", ":")))


main()
