// SPDX-License-Identifier: MIT
/*
 * Snapshots: what the ledger says was in effect at time T, with proofs.
 *
 * For the prefix N(T) (the entries with ts <= T) a snapshot is one JSON
 * document, written on one line:
 *
 *   {"type":"snapshot","at":TS,"size":N,"root":HEX,
 *    "entries":[{"seq":S,"type":..,"source":..,"leaf_hash":HEX,
 *                "entry":"<canonical entry bytes as a JSON string>",
 *                "inclusion":<inclusion proof document at size N>},...],
 *    "mutations":[{"namespace":NS,"seq":S,"position":P,"id":ID},...],
 *    "checkpoint":{"note":"<signed note>","vkey":"<verifier key>",
 *                  "consistency":<consistency proof document N -> its size>} | null,
 *    "complete":false | true, ["prefix":["<canonical entry>",...],] "warnings":[..]}
 *
 * `entries` holds the latest entry of every (type, source) in the prefix,
 * in (type, source) byte order; `mutations` the latest mutation of every
 * namespace among them.  Proof documents are those of lib/sl/proof.h, so
 * `sl-prove --check` checks them.  The checkpoint is the newest the ledger
 * signed; its consistency proof is present when 0 < N <= its size.
 * With `complete`, `prefix` lists every entry of the prefix in seq order.
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
};

/*
 * Write the snapshot of l at o->at through write(), inside one read
 * transaction.  Memory grows with the number of (type, source) pairs named,
 * not with the ledger (a complete snapshot streams the prefix).
 */
int sl_snapshot(struct sl_ledger *l, const struct sl_snapshot_opts *o, sl_write_fn write, void *ctx,
		struct sl_error *err) SL_WUR;

#endif
