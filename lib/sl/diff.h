// SPDX-License-Identifier: MIT
/*
 * Differences between two states of the ledger: two snapshot documents
 * (lib/sl/snapshot.h), or the snapshots of one ledger at two times.
 *
 * The result is NDJSON, one record a line, first per (type, source) in
 * (type, source) byte order, then per mutation namespace in byte order:
 *
 *   {"change":"added","type":T,"source":S,"from_seq":null,"to_seq":N}
 *   {"change":"removed","type":T,"source":S,"from_seq":N,"to_seq":null}
 *   {"change":"changed","type":T,"source":S,"from_seq":N,"to_seq":M,
 *    "members":[{"member":"payload.commit","from":V|null,"to":V|null},...]}
 *   {"change":"recaptured",...as changed...}   (only with SL_DIFF_ALL)
 *   {"change":"mutations","namespace":NS,"from":{"seq":..,"position":..,"id":..}|null,
 *    "to":{...},"count":K|null,"applied":[{"seq":..,"position":..,"id":..},...]|null}
 *
 * A source whose latest entry moved but whose payload is the same, or
 * differs only in members set at capture time (captured_at), was
 * recaptured, not changed: it is reported, as "recaptured" with the
 * members that moved, only with SL_DIFF_ALL.  Members are compared inside objects (payload.variables.PATH);
 * arrays and scalars are compared whole.  `count` and `applied` list every
 * mutation of the namespace with from.size <= seq < to.size; they are known
 * only when the second snapshot is complete (it carries the prefix), else null.
 */
#ifndef SL_DIFF_H
#define SL_DIFF_H

#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/ledger.h"

/* Also report the sources that were only recaptured. */
#define SL_DIFF_ALL 0x1

/*
 * Append the records of the differences from snapshot a to snapshot b
 * (JSON texts) to out, each ending in a newline; *count (may be NULL) is
 * the number of records.  SL_EINVAL naming the member when a text is not a
 * snapshot document; SL_ENOMEM.
 */
int sl_diff(const char *a, size_t alen, const char *b, size_t blen, int flags,
	    struct sl_buf *out, size_t *count, struct sl_error *err) SL_WUR;

/*
 * The differences in ledger l from time t1 to time t2 (microseconds since
 * the epoch): two snapshots that name sources and heads (without proofs),
 * and every mutation appended between their sizes, read through the
 * store's type index.  O(sources + namespaces + mutations between), not
 * the whole prefix.  With applied_max > 0, each namespace's `applied` list
 * holds at most its first applied_max mutations (its `count` stays the
 * number applied), so that memory is bounded by sources, namespaces and
 * applied_max (GET /v1/diff).  Errors as sl_snapshot and sl_diff.
 */
int sl_diff_ledger(struct sl_ledger *l, int64_t t1, int64_t t2, int flags, struct sl_buf *out,
		   size_t *count, struct sl_error *err) SL_WUR;
int sl_diff_ledger_max(struct sl_ledger *l, int64_t t1, int64_t t2, int flags, size_t applied_max,
		       struct sl_buf *out, size_t *count, struct sl_error *err) SL_WUR;

#endif
