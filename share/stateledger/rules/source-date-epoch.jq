# SPDX-License-Identifier: MIT
# Without SOURCE_DATE_EPOCH, build tools stamp the current time into what
# they make (reproducible-builds.org/specs/source-date-epoch).
include "sl";
[.entries[] | select(.type == "environment" and .payload.source_date_epoch == null)]
| select(length > 0)
| {severity: "low", weight: 5,
   message: "SOURCE_DATE_EPOCH was not set on \(map(.source) | sl_list)",
   items: map(.source), total: length,
   remedy: "export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) for builds",
   evidence: map(.seq)}
