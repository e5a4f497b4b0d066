# SPDX-License-Identifier: MIT
# t/memscan.py PID KEYFILE: how many copies of the Ed25519 seed of the
# sl-keygen key file KEYFILE are in the memory of process PID (read through
# /proc/PID/mem, which needs the right to trace it).  For t/2080: the
# process that parses HTTP must hold none.
import base64
import sys

pid = int(sys.argv[1])
lines = open(sys.argv[2]).read().split('\n')
der = base64.b64decode(''.join(l for l in lines[2:] if l and not l.startswith('-----')))
seed = der[-32:]
found = 0
with open('/proc/%d/maps' % pid) as maps, open('/proc/%d/mem' % pid, 'rb', 0) as mem:
    for line in maps:
        f = line.split()
        if 'r' not in f[1]:
            continue
        a, b = [int(x, 16) for x in f[0].split('-')]
        try:
            mem.seek(a)
            data = mem.read(b - a)
        except (OSError, OverflowError, ValueError):
            continue
        found += data.count(seed)
print(found)
