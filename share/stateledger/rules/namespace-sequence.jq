# SPDX-License-Identifier: MIT
# Gaps and duplicates in the positions of a namespace.  A duplicate with
# another digest is a conflict; with the same digest a redelivery (replay
# drops it).  Gaps are judged only on a complete snapshot: otherwise the
# mutations in between were simply not shown.
.complete as $complete
| (.replay.conflicts[]
   | {severity: "high", weight: 30,
      message: "conflict in namespace \(.namespace) at position \(.position): two mutations with different digests",
      remedy: "find which of the two was applied; replay refuses to choose",
      evidence: .seqs}),
  (.replay.gaps[] | select($complete)
   | {severity: "high", weight: 15,
      message: "gap in namespace \(.namespace): \(.missing) position(s) missing after \(.after), before \(.before)",
      remedy: "capture the missing mutations; a replay would skip them",
      evidence: .seqs}),
  ([.replay.redeliveries[]] | select(length > 0)
   | {severity: "low", weight: 1,
      message: "\(length) mutation(s) delivered twice with the same digest (replay drops the copies)",
      remedy: "make the capture idempotent, or ignore: replay is not affected",
      evidence: [.[] | .seq, .of] | unique})
