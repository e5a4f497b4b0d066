# SPDX-License-Identifier: MIT
# The clock: an unsynchronised clock stamps builds and data with wrong
# times; a pinned, fixed or virtualised one (libfaketime, a VM clock) is a
# credit: it lowers the risk and never raises it.  A clock whose state was
# not recorded is not judged.
include "sl";
[.entries[] | select(.type == "environment")] as $env
| ([$env[] | select(.payload.time_source == "unsynced")]
   | select(length > 0)
   | {severity: "medium", weight: 10,
      message: "the clock of \(map(.source) | sl_list) was not synchronised",
      items: map(.source), total: length,
      remedy: "synchronise the clock (chrony, systemd-timesyncd) or pin it for builds (libfaketime)",
      evidence: map(.seq)}),
  ([$env[] | (.payload.time_source // "") as $s
    | select(["fixed", "pinned", "virtual", "virtualised", "virtualized"] | any(. == $s))]
   | select(length > 0)
   | {severity: "info", weight: -5,
      message: "the clock of \(map(.source) | sl_list) was pinned (\(map(.payload.time_source) | unique | sl_list))",
      items: map(.source), total: length,
      remedy: "", evidence: map(.seq)})
