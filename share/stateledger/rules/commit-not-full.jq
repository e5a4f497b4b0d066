# SPDX-License-Identifier: MIT
# A commit that is not a full object id (40 or 64 hex digits) may name
# another commit tomorrow.
[.entries[] | select(.type == "code")
 | select((.payload.commit | type) != "string"
          or (.payload.commit | test("^([0-9a-f]{40}|[0-9a-f]{64})$") | not))]
| select(length > 0)
| {severity: "high", weight: 20,
   message: "the commit of \(map(.source) | join(", ")) is not a full object id: \(map(.payload.commit | tostring) | join(", "))",
   remedy: "record the full commit id (git rev-parse HEAD), as sl-capture-git does",
   evidence: map(.seq)}
