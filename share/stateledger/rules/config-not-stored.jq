# SPDX-License-Identifier: MIT
# A configuration known only by its digest cannot be restored.
include "sl";
[.entries[] | select(.type == "config" and .payload.stored != true)]
| select(length > 0)
| {severity: "medium", weight: 5,
   message: "the content of \(length | sl_count("config file"; "config files")) was not stored and cannot be restored: \(map(.payload.path) | sl_list)",
   items: map(.payload.path), total: length,
   remedy: (if any(.payload.private == true) then "capture configurations with sl-capture-config --store (files others cannot read: --store-private, which keeps their bytes in the ledger's artifacts)" else "capture configurations with sl-capture-config --store" end),
   evidence: map(.seq)}
