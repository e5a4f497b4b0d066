# Recompute the leaf hashes, the stored interior nodes and the head root of a
# small SQLite ledger after its entries were edited (t/2042: a log written
# behind sl-append's back, then signed).  Usage: reroot-ledger.py LEDGER.DB
import sqlite3, hashlib, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("select seq, entry from entries order by seq").fetchall()
leaves = []
for seq, e in rows:
    h = hashlib.sha256(b"\x00" + bytes(e)).digest()
    db.execute("update entries set leaf = ? where seq = ?", (h, seq))
    leaves.append(h)
n = len(leaves)
def node(a, b): return hashlib.sha256(b"\x01" + a + b).digest()
def ipos(level, index):
    k = (index + 1) << level
    return (k - 1) - bin(k - 1).count("1") + level - 1
lvl = leaves; L = 0
while len(lvl) > 1:
    L += 1
    nxt = [node(lvl[2*i], lvl[2*i+1]) for i in range(len(lvl)//2)]
    for i, h in enumerate(nxt):
        db.execute("update nodes set hash = ? where pos = ?", (h, ipos(L, i)))
    lvl = nxt
def mth(v):
    if len(v) == 1: return v[0]
    k = 1
    while k << 1 < len(v): k <<= 1
    return node(mth(v[:k]), mth(v[k:]))
db.execute("update head set root = ?", (mth(leaves),))
db.commit()
