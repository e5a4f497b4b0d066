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
 *    "signatures":[{"keyid":"<name>+<8 hex key id>","sig":"<base64 signature>"}]}
 *
 * The signature is ECDSA P-256 over SHA-256 of the DSSE pre-authentication
 * encoding "DSSEv1 <len type> <type> <len body> <body>", DER encoded, or,
 * with an Ed25519 key, the Ed25519 signature of those 32 SHA-256 bytes; made
 * with a ledger key through the one signature module
 * (lib/sl/checkpoint.h: sl_signer_sign_digest, sl_vkey_verify_digest).
 */
#ifndef SL_AUDIT_H
#define SL_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/checkpoint.h"
#include "sl/err.h"
#include "sl/time.h"

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

/*
 * The members of a bundle that verification reports on, each either proved
 * (by the Merkle proofs and the checkpoint signature) or not.  Those not
 * proved are vouched for only by an envelope signature, when one was
 * checked.  sl_audit_member_name() gives the member's path in the bundle.
 */
enum sl_audit_member {
	SL_AM_REQUESTED,     /* when the bundle was made: never proved */
	SL_AM_WARNINGS,      /* the bundle's warnings: never proved */
	SL_AM_ADVISORY,      /* sl-advisory's report: never proved */
	SL_AM_REPLAY_PLAN,   /* sl-replay's plan: never proved */
	SL_AM_SNAP_WARNINGS, /* the snapshot's warnings: never proved */
	SL_AM_TARGET,        /* the time: proved when both bounds are */
	SL_AM_FILTER,        /* proved only when complete and unfiltered */
	SL_AM_SIZE,
	SL_AM_ROOT,
	SL_AM_ENTRIES,
	SL_AM_MUTATIONS,
	SL_AM_CHECKPOINT,
	SL_AM_BOUNDS,
	SL_AM_PREFIX,        /* proved when complete; present otherwise: not proved */
	SL_AM_COUNT
};

/* "requested", "snapshot.entries", ...; NULL for m >= SL_AM_COUNT. */
const char *sl_audit_member_name(unsigned m);

/* What a verified bundle holds. */
struct sl_audit_result {
	char at[64];              /* the target time */
	uint64_t size;            /* N(T) */
	uint64_t entries;         /* named entries */
	uint64_t mutations;       /* namespaces */
	uint64_t checkpoint_size; /* size of the checkpoint the proof reaches */
	char origin[SL_NOTE_NAME_MAX + 1]; /* the checkpoint's origin */
	char last_ts[SL_TS_LEN + 1];       /* ts of the entry at size-1, "" at size 0 */
	char next_ts[SL_TS_LEN + 1];       /* ts of the entry at size, "" when upper_open */
	int upper_open;           /* the checkpoint ends at size: T is bounded only from below */
	int filtered;             /* the snapshot states a filter */
	int filter_has_type, filter_has_source;
	char filter_type[1024], filter_source[1024];
	int complete;             /* unfiltered, and the entries recomputed from the prefix */
	int filter_complete;      /* filtered, and the entries recomputed from the prefix with it */
	unsigned proved;          /* bit (1u << enum sl_audit_member): established by proofs */
	unsigned unproved;        /* bits of the members present that no proof covers */
	int enveloped;            /* the input was a DSSE envelope */
	int signer_checked;       /* its signature by `signer` held */
	size_t witnesses_held;    /* sl_audit_verify_witnessed: the witnesses whose cosignature held */
	size_t witnesses_required; /* and the quorum asked for (0: none asked) */
};

/*
 * Check a bundle or an envelope (text, len bytes) offline: the envelope
 * signature by `signer` (when not NULL; a bare bundle then fails); at
 * size 0, that the root is the empty tree's (SHA-256 of ""); every
 * named entry's leaf hash, seq below the size, ts (a ledger timestamp) at
 * or before the time, inclusion proof against the snapshot root, type and
 * source without NUL, and filter; the mutation
 * records against the heads the rule of lib/sl/heads.h gives for the named
 * entries; the checkpoint's signature by `key` (always, signed envelope or
 * not) and its origin (must equal `origin` when not NULL); the consistency
 * proof from the snapshot to the checkpoint; the bounds (size = N(T): the
 * entry at size-1 has ts <= T, the entry at size, when the checkpoint is
 * larger, ts > T, both proved in the checkpoint's tree); and with complete
 * bundles the root recomputed from the prefix, every prefix entry of its
 * own seq and with ts <= T, and the named entries recomputed from it (none
 * missing, stale or outside the filter).
 * Returns 0 with res filled; SL_EVERIFY with err naming the member of the
 * first thing that does not hold; SL_EINVAL for text that is not a bundle
 * at all; SL_ENOMEM.
 */
int sl_audit_verify(const char *text, size_t len, const struct sl_vkey *key,
		    const struct sl_vkey *signer, const char *origin, struct sl_audit_result *res,
		    struct sl_error *err) SL_WUR;

/*
 * As sl_audit_verify, and when nw > 0 the checkpoint's note must also
 * carry valid cosignatures (C2SP tlog-cosignature) by at least `quorum`
 * of the nw witnesses' keys, else SL_EVERIFY saying how many of which held
 * (lib/sl/witnessing.h: sl_witness_quorum).
 */
int sl_audit_verify_witnessed(const char *text, size_t len, const struct sl_vkey *key,
			      const struct sl_vkey *signer, const char *origin,
			      const struct sl_vkey *witnesses, size_t nw, size_t quorum,
			      struct sl_audit_result *res, struct sl_error *err) SL_WUR;

#endif
