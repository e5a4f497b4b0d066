# SPDX-License-Identifier: MIT
# An unusual umask gives created files other modes than elsewhere.  Only a
# recorded umask is judged.
include "sl";
["0022", "0002", "022", "002"] as $usual
| [.entries[] | select(.type == "environment")
   | (.payload.umask // null) as $u | select($u != null and ($usual | any(. == $u) | not))]
| select(length > 0)
| {severity: "low", weight: 3,
   message: "unusual umask on \(map(.source) | sl_list): \(map(.payload.umask) | unique | sl_list)",
   items: map({source, umask: .payload.umask}), total: length,
   remedy: "run with umask 022 (or record why another is needed)",
   evidence: map(.seq)}
