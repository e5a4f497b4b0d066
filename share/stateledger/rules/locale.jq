# SPDX-License-Identifier: MIT
# Sorting, case mapping and number formats follow the locale: anything but
# C or POSIX (or unset) makes them depend on the host's locale data.
include "sl";
["C", "POSIX", "C.UTF-8", "C.utf8"] as $ok
| [.entries[] | select(.type == "environment")
   | (.payload.locale // null) as $l | select($l == null or ($ok | any(. == $l) | not))]
| select(length > 0)
| {severity: "low", weight: 5,
   message: "the locale is not C or POSIX on \(map("\(.source) (\(.payload.locale // "unset"))") | sl_list)",
   items: map({source, locale: .payload.locale}), total: length,
   remedy: "run with LC_ALL=C (or C.UTF-8)",
   evidence: map(.seq)}
