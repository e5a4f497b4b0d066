# Recompute the leaf hashes, the stored interior nodes and the head root of a
# small ledger after its entries were edited (t/2042, t/2043: a log written
# behind sl-append's back, then signed).  Run by t/tamper's reroot, which
# knows the backend: it reads "SEQ HEX-OF-ENTRY" lines on stdin and writes
# the SQL that sets them on stdout, each hash written as the format
# argv[1] makes of its hex (x'%s' for SQLite, decode('%s', 'hex') for
# PostgreSQL).  Usage: reroot-ledger.py HASH-LITERAL-FORMAT
import hashlib, sys
lit = lambda h: sys.argv[1] % h.hex()
rows = [line.split() for line in sys.stdin if line.strip()]
out = ["BEGIN;"]
leaves = []
for seq, e in rows:
    h = hashlib.sha256(b"\x00" + bytes.fromhex(e)).digest()
    out.append("UPDATE entries SET leaf = %s WHERE seq = %d;" % (lit(h), int(seq)))
    leaves.append(h)
def node(a, b): return hashlib.sha256(b"\x01" + a + b).digest()
def ipos(level, index):
    k = (index + 1) << level
    return (k - 1) - bin(k - 1).count("1") + level - 1
lvl = leaves; L = 0
while len(lvl) > 1:
    L += 1
    nxt = [node(lvl[2*i], lvl[2*i+1]) for i in range(len(lvl)//2)]
    for i, h in enumerate(nxt):
        out.append("UPDATE nodes SET hash = %s WHERE pos = %d;" % (lit(h), ipos(L, i)))
    lvl = nxt
def mth(v):
    if len(v) == 1: return v[0]
    k = 1
    while k << 1 < len(v): k <<= 1
    return node(mth(v[:k]), mth(v[k:]))
out.append("UPDATE head SET root = %s;" % lit(mth(leaves)))
out.append("COMMIT;")
print("\n".join(out))
