# SPDX-License-Identifier: MIT
# A mutation applied under a config other than the one in effect at its
# time: its config_sha256 matches no config entry in effect at its seq
# (the sha256 of a config, or the hmac_sha256 of a private one).
# sl-advisory walks the prefix once and hands the mutations it found in
# .mutation_config (the first .limit of them, and their total).  With the
# prefix every config's history is known; otherwise only mutations newer
# than every config entry are judged.
include "sl";
.mutation_config
| select(.total > 0)
| .total as $n
| {severity: "high", weight: 20,
   message: "\(.total | sl_count("mutation"; "mutations")) applied under a config not in effect at the time (\(.items | map("seq \(.seq): \(.config_sha256[0:12])") | sl_list($n)))",
   remedy: "find which configuration the writer really used, and capture configs before the writer starts",
   items: .items, total: .total,
   evidence: [.items[].seq]}
