// SPDX-License-Identifier: MIT
/*
 * An append pipeline: one thread parses and validates the next batch while
 * a second thread writes the previous one to the ledger.  On two cores this
 * hides most of the JSON work behind the store's and the hashing work.
 *
 * Semantics are those of calling sl_ledger_append() on each batch in turn:
 * batches are appended in submission order, each atomically; once one fails
 * no later batch is appended.  The receipt callback runs on the writer
 * thread, after the batch is durable, once per batch.
 */
#ifndef SL_PIPELINE_H
#define SL_PIPELINE_H

#include "sl/entry.h"
#include "sl/err.h"
#include "sl/ledger.h"

struct sl_pipeline;

/* Receipts of one appended batch: b->n of them. */
typedef void (*sl_receipts_fn)(void *ctx, const struct sl_batch *b, const struct sl_receipt *rc);

/* Start the writer thread.  The ledger must not be used by the caller until finish. */
int sl_pipeline_start(struct sl_pipeline **out, struct sl_ledger *l, sl_receipts_fn fn,
		      void *ctx) SL_WUR;

/*
 * Hand batch b to the writer: waits until the previous batch is written,
 * then takes b's contents and leaves b empty for the caller to refill.
 * Returns the previous batch's error, if it failed (b is then untouched).
 */
int sl_pipeline_submit(struct sl_pipeline *p, struct sl_batch *b, struct sl_error *err) SL_WUR;

/*
 * Wait until the writer is idle: the last batch submitted is written (and
 * its receipt callback has returned) or has failed.  Returns the error of
 * a failed batch, as submit would.
 */
int sl_pipeline_wait(struct sl_pipeline *p, struct sl_error *err) SL_WUR;

/*
 * Wait for the last batch, stop the thread and free p.  Returns the first
 * error of any batch not yet reported by submit.
 */
int sl_pipeline_finish(struct sl_pipeline *p, struct sl_error *err) SL_WUR;

#endif
