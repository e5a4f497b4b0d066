# SPDX-License-Identifier: MIT
# Mutations that cannot be ordered: without a position, or in a namespace
# that mixes integer positions and LSNs.
(.replay.unpositioned
 | select(length > 0)
 | {severity: "high", weight: 20,
    message: "\(length) mutation(s) without a position cannot be put in order",
    remedy: "record each mutation's position (offset, LSN) when it is captured",
    evidence: .}),
(.replay.mixed[]
 | {severity: "high", weight: 20,
    message: "namespace \(.namespace) mixes integer positions and LSNs",
    remedy: "record one kind of position per namespace",
    evidence: .seqs})
