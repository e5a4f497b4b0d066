# SPDX-License-Identifier: MIT
# StateLedger as make targets: record what this build is made of (the commit,
# the environment, the build's configuration files) in a ledger, check that
# the ledger verifies, sign a checkpoint, stop when the state is too hard to
# reproduce, and write a signed audit bundle.  For any CI that runs make:
#
#   make -f contrib/ci/stateledger.mk stateledger      # or include it in your Makefile
#
# From the environment (CI variables; contrib/ci/README.md):
#   SL_CHECKPOINT_KEY  the checkpoint key file, base64 on one line (a secret)
#   SL_VKEY            the verifier key sl-keygen printed for it
# The rest can be set on the command line or in the environment.  The outputs
# are in $(SL_OUT); keep $(SL_OUT)/bundle.json as the build's artifact.
# Recipes run with /bin/sh; nothing whose failure matters is piped.

SL_LEDGER ?= ../stateledger
SL_KEY ?= ../stateledger-key/checkpoint.key
SL_OUT ?= ../stateledger-out
SL_ORIGIN ?= ci.example.com/ledger
SL_MAX_RISK ?= 25
SL_CONFIG_FILES ?= Makefile
SL_ENV_VARS ?= CI TZ LC_ALL SOURCE_DATE_EPOCH
SL_RUNTIMES ?= cc make
SL_ENV_SOURCE ?= env:make
SL_HOST ?= ci
# The build's clock: the commit's time, unless the environment sets one.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null)
export SL_LEDGER SL_KEY SOURCE_DATE_EPOCH

# Every makefile read so far: the sub-make below reads the same ones.
SL_MAKEFILES := $(MAKEFILE_LIST)

# The advisory report, as people read it, in the build's log.
SL_REPORT_JQ = "risk \(.risk) (\(.level)), the gate allows \($$max)", (.findings[] | "  \(.weight)\t\(.rule): \(.message)")

.PHONY: stateledger stateledger-key stateledger-ledger stateledger-capture stateledger-verify \
	stateledger-checkpoint stateledger-gate stateledger-bundle stateledger-forget-key

# Everything, and the key file removed afterwards whether it worked or not.
stateledger:
	@rc=0; $(MAKE) --no-print-directory $(foreach f,$(SL_MAKEFILES),-f $(f)) stateledger-bundle || rc=$$?; \
	rm -f "$(SL_KEY)"; exit $$rc

# The key: from the environment to a file of mode 0600, never on a command line
# (the recipe reads $$SL_CHECKPOINT_KEY in the shell, and make does not echo it).
stateledger-key:
	@if [ -z "$$SL_CHECKPOINT_KEY" ]; then \
		echo "stateledger.mk: SL_CHECKPOINT_KEY is not set (contrib/ci/README.md)" >&2; exit 1; fi
	@umask 077 && mkdir -p "$(dir $(SL_KEY))" && rm -f "$(SL_KEY)" && \
		printf '%s' "$$SL_CHECKPOINT_KEY" | base64 -d > "$(SL_KEY)" && \
		test "$$(stat -c %a "$(SL_KEY)")" = 600

# The ledger, made on the first run; the outputs of any run before, removed.
stateledger-ledger:
	test -e "$(SL_LEDGER)/ledger.db" || sl-init --origin "$(SL_ORIGIN)"
	rm -rf "$(SL_OUT)"
	mkdir -p "$(SL_OUT)"

stateledger-capture: stateledger-ledger
	sl-capture-git > "$(SL_OUT)/code.ndjson"
	sl-capture-env --source "$(SL_ENV_SOURCE)" $(foreach v,$(SL_ENV_VARS),--var '$(v)') \
		$(foreach r,$(SL_RUNTIMES),--runtime '$(r)') > "$(SL_OUT)/environment.ndjson"
	sl-capture-config --store --host "$(SL_HOST)" $(SL_CONFIG_FILES) > "$(SL_OUT)/config.ndjson"
	cat "$(SL_OUT)/code.ndjson" "$(SL_OUT)/environment.ndjson" "$(SL_OUT)/config.ndjson" \
		> "$(SL_OUT)/capture.ndjson"
	sl-append < "$(SL_OUT)/capture.ndjson" > "$(SL_OUT)/receipts.ndjson"

# The first gate: the ledger verifies, its checkpoints signed by the key we trust.
stateledger-verify: stateledger-capture
	@if [ -z "$$SL_VKEY" ]; then echo "stateledger.mk: SL_VKEY is not set" >&2; exit 1; fi
	sl-verify --key "$$SL_VKEY" > "$(SL_OUT)/verify.json"

stateledger-checkpoint: stateledger-key stateledger-verify
	sl-checkpoint > "$(SL_OUT)/checkpoint"

# The second gate: the advisory risk is not above SL_MAX_RISK (sl-advisory
# exits 1 above it, after writing the report, which is kept).
stateledger-gate: stateledger-checkpoint
	sl-snapshot --at now --complete > "$(SL_OUT)/snapshot.json"
	@rc=0; sl-advisory -L "$(SL_LEDGER)" --max-risk "$(SL_MAX_RISK)" < "$(SL_OUT)/snapshot.json" \
		> "$(SL_OUT)/advisory.json" || rc=$$?; \
	if [ -s "$(SL_OUT)/advisory.json" ]; then \
		jq -r --arg max "$(SL_MAX_RISK)" '$(SL_REPORT_JQ)' "$(SL_OUT)/advisory.json"; fi; \
	exit $$rc

stateledger-bundle: stateledger-gate
	sl-audit -k "$(SL_KEY)" < "$(SL_OUT)/snapshot.json" > "$(SL_OUT)/bundle.json"
	sl-audit verify --key "$$SL_VKEY" --signer "$$SL_VKEY" < "$(SL_OUT)/bundle.json" \
		> "$(SL_OUT)/bundle-verify.json"

stateledger-forget-key:
	rm -f "$(SL_KEY)"
