# SPDX-License-Identifier: MIT
# A runtime recorded without a version (no digit in what it said).
include "sl";
[.entries[] | select(.type == "environment")
 | {seq, source, bad: [(.payload.runtimes // {}) | to_entries[] | select(.value | test("[0-9]") | not) | .key]}
 | select(.bad | length > 0)]
| select(length > 0)
| {severity: "low", weight: 5,
   message: "runtime without a version on \(map("\(.source) (\(.bad | sl_list))") | sl_list)",
   items: map({source, runtimes: .bad}), total: length,
   remedy: "install runtimes of a pinned version and record them with sl-capture-env --runtime",
   evidence: map(.seq)}
