# SPDX-License-Identifier: MIT
# Local time depends on the time zone: TZ unset (no zone recorded) or a
# zone other than UTC makes dates in output depend on the host.
include "sl";
["UTC", "Etc/UTC", "UTC0", "UCT", "Etc/UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"] as $utc
| [.entries[] | select(.type == "environment")
   | (.payload.tz // null) as $tz | select($tz == null or ($utc | any(. == $tz) | not))]
| select(length > 0)
| {severity: "low", weight: 5,
   message: "the time zone is not UTC on \(map("\(.source) (\(.payload.tz // "unset"))") | sl_list)",
   items: map({source, tz: .payload.tz}), total: length,
   remedy: "run with TZ=UTC",
   evidence: map(.seq)}
