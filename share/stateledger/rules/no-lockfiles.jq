# SPDX-License-Identifier: MIT
# Code without a lockfile: its dependencies are resolved anew at each build.
include "sl";
[.entries[] | select(.type == "code" and ((.payload.lockfiles // []) | length) == 0)]
| select(length > 0)
| {severity: "medium", weight: 10,
   message: "no lockfile recorded for \(map(.source) | sl_list): dependencies are not pinned",
   items: map(.source), total: length,
   remedy: "commit the package manager's lockfile (package-lock.json, Cargo.lock, go.sum, poetry.lock, ...)",
   evidence: map(.seq)}
