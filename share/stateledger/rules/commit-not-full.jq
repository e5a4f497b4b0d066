# SPDX-License-Identifier: MIT
# A commit that is not a full object id (40 or 64 hex digits) may name
# another commit tomorrow.
include "sl";
[.entries[] | select(.type == "code")
 | select((.payload.commit | type) != "string"
          or (.payload.commit | test("^([0-9a-f]{40}|[0-9a-f]{64})$") | not))]
| select(length > 0)
| {severity: "high", weight: 20,
   message: "the commit of \(map(.source) | sl_list) is not a full object id: \(map(.payload.commit | tostring) | sl_list)",
   items: map({source, commit: .payload.commit}), total: length,
   remedy: "record the full commit id (git rev-parse HEAD), as sl-capture-git does",
   evidence: map(.seq)}
