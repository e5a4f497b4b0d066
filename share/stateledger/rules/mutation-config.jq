# SPDX-License-Identifier: MIT
# A mutation applied under a config other than the one in effect at its
# time: its config_sha256 matches no config entry in effect at its seq
# (the sha256 of a config, or the hmac_sha256 of a private one).
# With the prefix every config's history is known; otherwise only
# mutations newer than every config entry can be judged.
.complete as $complete
| ([.entries[] | select(.type == "config") | .seq] | max // -1) as $lastcfg
| reduce ((.prefix // .entries) | sort_by(.seq)[]) as $e ({cfg: {}, bad: []};
    if $e.type == "config" then .cfg[$e.source] = ($e.payload.sha256 // $e.payload.hmac_sha256)
    elif $e.type == "mutation" and ($e.payload.config_sha256 // null) != null then
      (if any(.cfg[]; . == $e.payload.config_sha256) then . else .bad += [$e] end)
    else . end)
| .bad
| if $complete then . else map(select(.seq > $lastcfg)) end
| select(length > 0)
| {severity: "high", weight: 20,
   message: "\(length) mutation(s) applied under a config not in effect at their time (\(map("seq \(.seq): \(.payload.config_sha256[0:12])") | join(", ")))",
   remedy: "find which configuration the writer really used, and capture configs before the writer starts",
   evidence: map(.seq)}
