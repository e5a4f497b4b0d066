// SPDX-License-Identifier: MIT
/*
 * Audit bundles: a snapshot (lib/sl/snapshot.h) packed with the time it is
 * about, the time it was asked for and warnings, so that an auditor can
 * check it offline with no ledger at hand.
 *
 *   {["advisory":<sl-advisory's report>,]["replay_plan":[<sl-replay plan's steps>],]
 *    "requested":TS,"snapshot":<the snapshot document>,"target":TS,
 *    "type":"audit-bundle","version":1,"warnings":[STRING,...]}
 *
 * written on one line in JCS canonical form.  `target` must equal the
 * snapshot's `at`.  `advisory` and `replay_plan` are present when sl-audit
 * found those programs (each judges the snapshot it is bundled with; an
 * auditor can rerun them on it).  `requested`, `warnings`, `advisory` and
 * `replay_plan` are not covered by any Merkle proof: only an envelope
 * signature protects them.
 *
 * A signed bundle is a DSSE envelope (https://github.com/secure-systems-lab/dsse):
 *
 *   {"payloadType":"application/vnd.stateledger.bundle+json",
 *    "payload":"<base64 of the bundle>",
 *    "signatures":[{"keyid":"<name>+<8 hex key id>","sig":"<base64 DER ECDSA>"}]}
 *
 * The signature is ECDSA P-256 over SHA-256 of the DSSE pre-authentication
 * encoding "DSSEv1 <len type> <type> <len body> <body>", DER encoded, made
 * with a ledger key (lib/sl/checkpoint.h: struct sl_signer).
 */
#ifndef SL_AUDIT_H
#define SL_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/checkpoint.h"
#include "sl/err.h"

#define SL_DSSE_TYPE "application/vnd.stateledger.bundle+json"
/* Largest snapshot, bundle or envelope read, in bytes. */
#define SL_BUNDLE_MAX ((size_t)1 << 30)

/* What a bundle may carry besides the snapshot; any member may be NULL / 0. */
struct sl_audit_extras {
	const char *advisory;       /* sl-advisory's report: one JSON object */
	size_t advisory_len;
	const char *replay;         /* sl-replay plan's output: NDJSON steps */
	size_t replay_len;
	const char *const *warnings; /* more warnings, UTF-8 */
	size_t nwarnings;
};

/*
 * Append the bundle of the snapshot document `snap` (len bytes), asked for
 * at `requested` (microseconds since the epoch), with the extras x (NULL
 * for none), to out, without newline.  SL_EINVAL naming the member when
 * snap is not a snapshot document or an extra is malformed.
 */
int sl_audit_bundle(const char *snap, size_t len, int64_t requested,
		    const struct sl_audit_extras *x, struct sl_buf *out, struct sl_error *err) SL_WUR;

/* Append the DSSE envelope of `bundle`, signed by k, to out (no newline). */
int sl_audit_sign(const char *bundle, size_t len, const struct sl_signer *k, struct sl_buf *out,
		  struct sl_error *err) SL_WUR;

/* What a verified bundle holds. */
struct sl_audit_result {
	char at[64];              /* the target time */
	uint64_t size;            /* N(T) */
	uint64_t entries;         /* named entries */
	uint64_t mutations;       /* namespaces */
	uint64_t checkpoint_size; /* size of the checkpoint the proof reaches */
	int complete;             /* the root was recomputed from the prefix */
	int enveloped;            /* the input was a DSSE envelope */
	int signer_checked;       /* its signature by `signer` held */
};

/*
 * Check a bundle or an envelope (text, len bytes) offline: the envelope
 * signature by `signer` (when not NULL; a bare bundle then fails), every
 * entry's leaf hash from its bytes and its inclusion proof against the
 * snapshot root, the mutations against their entries, the checkpoint's
 * signature by `key` (required), the consistency proof from the snapshot
 * to the checkpoint, and with complete bundles the root recomputed from
 * the prefix.  Returns 0 with res filled; SL_EVERIFY with err naming the
 * member of the first thing that does not hold; SL_EINVAL for text that is
 * not a bundle at all; SL_ENOMEM.
 */
int sl_audit_verify(const char *text, size_t len, const struct sl_vkey *key,
		    const struct sl_vkey *signer, struct sl_audit_result *res,
		    struct sl_error *err) SL_WUR;

#endif
