# SPDX-License-Identifier: MIT
# A container image named by tag only: the tag may point at another image
# tomorrow.
include "sl";
[.entries[] | select(.type == "environment")
 | select(.payload.container.image != null and .payload.container.digest == null
          and (.payload.container.image | contains("@sha256:") | not))]
| select(length > 0)
| {severity: "medium", weight: 10,
   message: "container image referenced by tag without digest on \(map(.source) | sl_list): \(map(.payload.container.image) | unique | sl_list)",
   items: map({source, image: .payload.container.image}), total: length,
   remedy: "deploy the image by digest (name@sha256:...) and record it with sl-capture-env --digest",
   evidence: map(.seq)}
