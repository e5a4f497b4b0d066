# SPDX-License-Identifier: MIT
# Hosts of one service whose environments differ at T.  The service of a
# source "env:NAME" is NAME without a trailing host number (web-1 and web-2
# are hosts of "web").  Compared: what changes a program's behaviour.
include "sl";
["os", "arch", "kernel", "libc", "runtimes", "container", "tz", "locale", "umask", "source_date_epoch"] as $keys
| [.entries[] | select(.type == "environment")
   | . + {service: (.source | sub("^env:"; "") | sub("[-_.]?[0-9]+$"; ""))}]
| group_by(.service)[]
| select(length > 1)
| . as $hosts
| [$keys[] as $k | select(([$hosts[] | .payload[$k]] | unique | length) > 1) | $k] as $diff
| select($diff | length > 0)
| {severity: "medium", weight: 10,
   message: "the hosts of service \($hosts[0].service) (\([$hosts[].source] | sl_list)) differ in \($diff | join(", "))",
   items: [$hosts[].source], total: ($hosts | length),
   remedy: "build every host of a service from one image and configuration",
   evidence: [$hosts[].seq]}
