// SPDX-License-Identifier: MIT
/*
 * Snapshots: what the ledger says was in effect at time T, with proofs.
 *
 * For the prefix N(T) (the entries with ts <= T) a snapshot is one JSON
 * document, written on one line:
 *
 *   {"type":"snapshot","at":TS,"size":N,"root":HEX,
 *    "filter":null | {"type":TYPE|null,"source":GLOB|null},
 *    "entries":[{"seq":S,"type":..,"source":..,"leaf_hash":HEX,
 *                "entry":"<canonical entry bytes as a JSON string>",
 *                "inclusion":<inclusion proof document at size N>},...],
 *    "mutations":[{"namespace":NS,"seq":S,"position":P,"id":ID},...],
 *    "checkpoint":{"note":"<signed note>","vkey":"<verifier keys that signed it, one a line>",
 *                  "consistency":<consistency proof document N -> its size>} | null,
 *    "bounds":{"last":<bound>|null,"next":<bound>|null} | null,
 *    "complete":false | true, ["prefix":["<canonical entry>",...],] "warnings":[..]}
 *
 *   <bound> = {"seq":S,"leaf_hash":HEX,"entry":"<canonical entry>",
 *              "inclusion":<inclusion proof document at the checkpoint's size>}
 *
 * `entries` holds the latest entry of every (type, source) in the prefix
 * that passes the filter, in (type, source) byte order; `mutations` the
 * heads of the namespaces among them (the rule is lib/sl/heads.h).
 * `filter` states the --type and --source asked for (null: none).  Proof
 * documents are those of lib/sl/proof.h, so `sl-prove --check` checks
 * them.  The checkpoint is the newest the ledger signed, or null when
 * there is none or it is older than N (a warning says which); its
 * consistency proof is present when 0 < N <= its size.  `bounds` pins
 * N = N(T): `last` is the entry at seq N-1 (ts <= T; null when N = 0) and
 * `next` the entry at seq N (ts > T; null when the checkpoint ends at N),
 * both proved against the checkpoint's root; null when the checkpoint is.
 * With `complete`, `prefix` lists every entry of the prefix in seq order
 * (whatever the filter), so a verifier can recompute `entries` from it.
 */
#ifndef SL_SNAPSHOT_H
#define SL_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/ledger.h"

struct sl_snapshot_opts {
	int64_t at;         /* T, microseconds since the epoch (sl_time_parse) */
	const char *type;   /* only this type, or NULL */
	const char *source; /* only sources matching this GLOB, or NULL */
	int complete;       /* add every entry of the prefix */
	/*
	 * Leave out what only an auditor needs: no inclusion proofs, no
	 * checkpoint or bounds, mutation records without their entries (for
	 * sl-diff, which compares what the snapshots say, and sl-httpd's
	 * GET /v1/sources, the list the page shows).
	 */
	int lean;
	/* Called as the prefix of a complete snapshot is written (done of total entries), or NULL. */
	sl_progress_fn progress;
	void *progress_ctx;
};

/*
 * Write the snapshot of l at o->at through write(), inside one read
 * transaction.  Memory grows with the number of (type, source) pairs named,
 * not with the ledger (a complete snapshot streams the prefix).
 */
int sl_snapshot(struct sl_ledger *l, const struct sl_snapshot_opts *o, sl_write_fn write, void *ctx,
		struct sl_error *err) SL_WUR;

#endif
