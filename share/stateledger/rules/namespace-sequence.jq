# SPDX-License-Identifier: MIT
# Gaps and duplicates in the positions of a namespace.  A duplicate with
# another digest is a conflict; with the same digest a redelivery (replay
# drops it).  Gaps are judged only on a complete snapshot: otherwise the
# mutations in between were simply not shown.  sl-advisory computes the
# sequence once: .replay lists the first .limit conflicts, gaps and
# redeliveries across all namespaces, .replay.totals counts them all.
# One finding per kind, naming the first few.
include "sl";
.complete as $complete
| .replay.totals as $t
| (.replay.conflicts
   | select($t.conflicts > 0)
   | {severity: "high", weight: 30,
      message: (if $t.conflicts == 1
                then "conflict in namespace \(.[0].namespace) at position \(.[0].position): two mutations with different digests"
                else "\($t.conflicts) conflicts (two mutations with different digests at one position): \(map("namespace \(.namespace) at position \(.position)") | sl_list($t.conflicts))" end),
      remedy: "find which of the two was applied; replay refuses to choose",
      items: ., total: $t.conflicts,
      evidence: [.[].seqs[]]}),
  (.replay.gaps
   | select($complete and $t.gaps > 0)
   | {severity: "high", weight: 15,
      message: (if $t.gaps == 1
                then "gap in namespace \(.[0].namespace): \(.[0].missing | sl_count("position"; "positions")) missing after \(.[0].after), before \(.[0].before)"
                else "\($t.gaps) gaps (\($t.missing) positions missing) in the mutations: \(map("namespace \(.namespace) after \(.after), before \(.before)") | sl_list($t.gaps; 3))" end),
      remedy: "capture the missing mutations; a replay would skip them",
      items: ., total: $t.gaps,
      evidence: [.[].seqs[]]}),
  (.replay.redeliveries
   | select($t.redeliveries > 0)
   | {severity: "low", weight: 1,
      message: "\($t.redeliveries | sl_count("mutation"; "mutations")) delivered twice with the same digest (replay drops the copies)",
      remedy: "make the capture idempotent, or ignore: replay is not affected",
      items: ., total: $t.redeliveries,
      evidence: [.[] | .seq, .of] | unique})
