# SPDX-License-Identifier: MIT
# Code captured from a working tree with uncommitted changes: the commit
# alone does not say what ran.
include "sl";
[.entries[] | select(.type == "code" and .payload.dirty == true)]
| select(length > 0)
| {severity: "high", weight: 20,
   items: map(.source), total: length,
   message: "uncommitted changes in the working tree of \(map(.source) | sl_list) (\(map((.payload.changes // []) | length) | add | sl_count("changed path"; "changed paths")) recorded)",
   remedy: "commit the changes and deploy from a clean checkout",
   evidence: map(.seq)}
