# SPDX-License-Identifier: MIT
# A state without code, configuration or environment cannot be reproduced:
# one finding per dimension the snapshot has no entry of.  The evidence is
# every entry the snapshot has (what was recorded, lacking the dimension).
[.entries[].seq] as $all
| {code: "capture the code with sl-capture-git",
   config: "capture the configuration with sl-capture-config --store",
   environment: "capture the environment with sl-capture-env"} as $how
| ("code", "config", "environment") as $t
| select([.entries[] | select(.type == $t)] | length == 0)
| {severity: "high", weight: 15,
   message: "no \($t) entry: the snapshot cannot say which \($t) was in effect",
   remedy: $how[$t], evidence: $all}
