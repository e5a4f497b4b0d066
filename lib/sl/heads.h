// SPDX-License-Identifier: MIT
/*
 * The rule of a snapshot, written once: which entries a snapshot names and
 * which mutation heads it lists.  sl_snapshot() (lib/snapshot.c) applies it
 * to what the store finds, sl_audit_verify() (lib/audit.c) to what a bundle
 * proves, so the two cannot drift.
 *
 *  - Named: the latest entry (highest seq below the size) of every
 *    (type, source) of the prefix that passes the filter.
 *  - Mutation heads: among the named entries of type `mutation`, per
 *    namespace the one that sl_mutation_supersedes() prefers (today: the
 *    highest seq), as the record
 *    {"namespace":NS,"seq":S,"position":P,"id":ID}.
 *    A namespace that only an older entry of a source wrote (the source's
 *    latest mutation is in another namespace) has no head.
 */
#ifndef SL_HEADS_H
#define SL_HEADS_H

#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"

/* A snapshot's filter: only this type (NULL: any), only sources matching this GLOB (NULL: any). */
struct sl_snap_filter {
	const char *type;
	const char *source;
};

/*
 * 1 when (type, source) passes f (NULL: no filter).  The GLOB is matched as
 * the store's GLOB, by SQLite's own matcher (sqlite3_strglob): `*`, `?` (one UTF-8
 * character), `[...]`, `[^...]`, case-sensitive, no escapes, no POSIX classes.
 */
int sl_filter_match(const struct sl_snap_filter *f, const char *type, const char *source);

/* One mutation: its namespace, seq and record (JSON text). */
struct sl_mut {
	char *ns;
	uint64_t seq;
	char *rec;
};

struct sl_mutheads {
	struct sl_mut *v; /* after sl_mutheads_finish: the heads, in namespace byte order */
	size_t n, alloc;
};
#define SL_MUTHEADS_INIT { NULL, 0, 0 }

/*
 * Add the named mutation entry of `seq` (its canonical bytes, len).
 * SL_EINVAL naming the fault when the bytes are not a mutation entry with
 * a string namespace, a position and an id; SL_ENOMEM.
 */
int sl_mutheads_add(struct sl_mutheads *h, uint64_t seq, const char *entry, size_t len,
		    struct sl_error *err) SL_WUR;
/* Keep the head of each namespace, in namespace order. */
void sl_mutheads_finish(struct sl_mutheads *h);
/* Free everything h holds. */
void sl_mutheads_release(struct sl_mutheads *h);

/* The head rule: 1 when mutation b replaces a as its namespace's head. */
int sl_mutation_supersedes(const struct sl_mut *a, const struct sl_mut *b);

#endif
