# SPDX-License-Identifier: MIT
# Mutations that cannot be ordered: without a position, or in a namespace
# that mixes integer positions and LSNs.  .replay lists the first .limit
# of each; .replay.totals counts them all.
include "sl";
.replay.totals as $t
| (.replay.unpositioned
   | select($t.unpositioned > 0)
   | {severity: "high", weight: 20,
      message: "\($t.unpositioned | sl_count("mutation"; "mutations")) without a position cannot be put in order",
      remedy: "record each mutation's position (offset, LSN) when it is captured",
      items: ., total: $t.unpositioned,
      evidence: .}),
  (.replay.mixed
   | select($t.mixed > 0)
   | {severity: "high", weight: 20,
      message: (if $t.mixed == 1 then "namespace \(.[0].namespace) mixes integer positions and LSNs"
                else "\($t.mixed) namespaces mix integer positions and LSNs: \(map(.namespace) | sl_list($t.mixed))" end),
      remedy: "record one kind of position per namespace",
      items: map(.namespace), total: $t.mixed,
      evidence: [.[].seqs[]]})
