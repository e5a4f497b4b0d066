# SPDX-License-Identifier: MIT
# A stored configuration whose bytes no longer match its digest (or that
# is gone from the artifact store) cannot be restored.  Judged only when
# sl-advisory was given the ledger (-L): .artifacts is null otherwise.
include "sl";
select(.artifacts != null)
| .artifacts as $a
# A private file's entry carries only a keyed digest (hmac_sha256): its
# stored bytes cannot be named, so they are not judged here.
| [.entries[] | select(.type == "config" and .payload.stored == true and .payload.sha256 != null)] as $cfg
| ([$cfg[] | select($a[.payload.sha256] == "mismatch")]
   | select(length > 0)
   | {severity: "high", weight: 25,
      message: "the stored bytes of \(map(.payload.path) | sl_list) no longer match their digest",
      items: map(.payload.path), total: length,
      remedy: "restore the artifact store from a backup (sl-artifact), then find out who changed it",
      evidence: map(.seq)}),
  ([$cfg[] | select($a[.payload.sha256] == "missing")]
   | select(length > 0)
   | {severity: "high", weight: 15,
      message: "the stored content of \(map(.payload.path) | sl_list) is missing from the artifact store",
      items: map(.payload.path), total: length,
      remedy: "restore the artifact store from a backup (sl-artifact)",
      evidence: map(.seq)})
