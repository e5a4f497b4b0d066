// SPDX-License-Identifier: MIT
/*
 * For store backends: the stream rows (store.h, "Streams") a write
 * transaction has touched, held in memory so that each (type, source)
 * pair is read from the store once per transaction and written back once,
 * at commit.  A hash table with open addressing; no store access of its
 * own: the backend reads and writes the rows.
 */
#ifndef SL_STORE_STREAMS_H
#define SL_STORE_STREAMS_H

#include <stddef.h>
#include <stdint.h>

#include "sl/err.h"

struct sl_stream_ent {
	char *key;          /* type NUL source NUL; NULL: a free slot */
	size_t tlen, slen;
	uint64_t hash;
	uint64_t id, last, count; /* the row: last is meaningful only when count > 0 */
	int dirty;          /* changed since read: write it back at commit */
	int fresh;          /* not yet in the store at all (the backend's to use) */
};

struct sl_streams {
	struct sl_stream_ent *tab; /* cap a power of two, or 0 */
	size_t n, cap;
};

#define SL_STREAMS_INIT { NULL, 0, 0 }

/*
 * The entry of (type, source): 1 when held already, 0 when it was not and
 * *out is a new entry (key set, id/last/count 0) for the caller to fill
 * from the store, or SL_ENOMEM.  *out stays valid until the next find or
 * clear.
 */
int sl_streams_find(struct sl_streams *c, const char *type, const char *source,
		    struct sl_stream_ent **out) SL_WUR;
/* Forget every entry (after a commit or rollback); the table is kept. */
void sl_streams_clear(struct sl_streams *c);
/* Free the table. */
void sl_streams_free(struct sl_streams *c);

/*
 * A long-lived writer keeps the rows it met between its transactions
 * (store-pg.c); the pairs of a log are unbounded, so that memory is too
 * unless trimmed.  When more than `max` pairs are held and none is dirty
 * or fresh (between transactions), forget them all and free the table:
 * 1 (the caller drops what it derived from them); else 0.
 */
#define SL_STREAMS_HELD_MAX 16384
int sl_streams_trim(struct sl_streams *c, size_t max);

#endif
