// SPDX-License-Identifier: MIT
/*
 * Copying a ledger from one address to another (sl-copy), through the
 * backend-neutral ledger and store interfaces only, so that any pair of
 * backends works: entries verbatim (seq, ts, canonical bytes), every
 * checkpoint as signed with its stored verifier keys, every artifact, and
 * the derived indexes the destination keeps as an append would.
 *
 * The destination is either new (made with the source's origin) or an
 * earlier copy of the source: then it must agree with the source on every
 * entry and checkpoint it holds, and only what is new is appended.  Each
 * batch of entries is one write transaction, so an interrupted copy leaves
 * a destination that is a prefix of the source, and running the copy again
 * finishes it.  Memory does not grow with the log.
 */
#ifndef SL_COPY_H
#define SL_COPY_H

#include <stddef.h>
#include <stdint.h>

#include "sl/err.h"
#include "sl/hash.h"
#include "sl/ledger.h"
#include "sl/progress.h"

#define SL_COPY_BATCH 10000             /* entries per write transaction, by default */
#define SL_COPY_BATCH_BYTES (8u << 20)  /* and at most about this many bytes of entries */

struct sl_copy_opts {
	size_t batch;            /* entries per transaction; 0: SL_COPY_BATCH */
	sl_progress_fn progress; /* may be NULL: (ctx, entries copied, entries to copy) */
	void *ctx;
};

/* What a copy did, and what the destination holds after it. */
struct sl_copy_stats {
	uint64_t entries;              /* the size copied up to: the source's head when it began */
	uint64_t from;                 /* the destination's size before */
	uint64_t copied;               /* entries appended (entries - from) */
	uint64_t checkpoints;          /* the source's checkpoints, all now in the destination */
	uint64_t checkpoints_copied;
	uint64_t artifacts;            /* the source's artifacts, all now in the destination */
	uint64_t artifacts_copied;
	uint64_t roots;                /* distinct sizes whose roots were proved equal */
	unsigned char root[SL_HASH_LEN]; /* the root at `entries`, on both */
};

/*
 * Open the destination at address dst for writing, creating it (as
 * sl_ledger_init does) with the origin of src when there is no ledger
 * there; *created says which.  A destination whose origin is not the
 * source's is SL_EVERIFY (a ledger made but interrupted before its origin
 * was set is given it).  Errors as sl_ledger_open and sl_ledger_init.
 */
int sl_copy_open_dst(struct sl_ledger **out, const char *dst, struct sl_ledger *src, int busy_ms,
		     int *created, struct sl_error *err) SL_WUR;

/*
 * Copy src into dst (opened with sl_copy_open_dst) up to src's head when
 * the copy begins.  First, writing nothing: every entry dst holds must be
 * src's entry of that seq (the same ts, type, source and bytes, and dst's
 * stored leaf hash), dst's tree at its size must have src's root, and its
 * checkpoints must be src's first ones, as signed; else SL_EVERIFY with
 * *bad_seq the first seq that differs (UINT64_MAX when the fault is not
 * one entry's) and *bad_cp the first checkpoint id that differs
 * (UINT64_MAX when none).  Then the artifacts dst lacks, the entries after
 * dst's size in batches (sl_ledger_append_rows), and the checkpoints dst
 * lacks (sl_ledger_checkpoint_put).  Then the roots of both ledgers, each
 * computed from its own stored tree, are compared at every checkpoint's
 * size and at the head: SL_EVERIFY when one differs.  Last, dst's pending
 * mark is made src's (sl_ledger_pending_set): a checkpoint awaiting its
 * witnesses in src awaits them in dst, not published there.  A damaged source is
 * SL_ECORRUPT naming the seq (its rows are checked as they are read).
 */
int sl_ledger_copy(struct sl_ledger *src, struct sl_ledger *dst, const struct sl_copy_opts *o,
		   struct sl_copy_stats *st, uint64_t *bad_seq, uint64_t *bad_cp,
		   struct sl_error *err) SL_WUR;

#endif
