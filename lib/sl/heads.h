// SPDX-License-Identifier: MIT
/*
 * The rule of a snapshot, written once: which entries a snapshot names and
 * which mutation heads it lists.  sl_snapshot() (lib/snapshot.c) applies it
 * to what the store finds, sl_audit_verify() (lib/audit.c) to what a bundle
 * proves, sl-verify to the store's mutation index, so they cannot drift.
 *
 *  - Named: the latest entry (highest seq below the size) of every
 *    (type, source) of the prefix that passes the filter.
 *  - Mutation heads: for every namespace that a mutation entry of the
 *    prefix within the filter names, the head is the mutation with the
 *    highest position (integers by value, LSNs X/Y by (X, Y); a namespace
 *    that mixes the two, which sl-replay refuses to order, has its LSNs
 *    above its integers), and of several at that position the first
 *    appended (a redelivery does not move the head).  The last appended
 *    mutation of the namespace is given too when it is not the head.
 *
 * The state of one namespace (or of one (source, namespace) lane of the
 * store's index) after some of its mutations is a struct sl_lane;
 * sl_lane_step() adds the next one in seq order and sl_lane_merge() joins
 * two lanes of one namespace, so that any split of the mutations gives
 * the same head.
 */
#ifndef SL_HEADS_H
#define SL_HEADS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/store.h"

/* A snapshot's filter: only this type (NULL: any), only sources matching this GLOB (NULL: any). */
struct sl_snap_filter {
	const char *type;
	const char *source;
};

/*
 * 1 when (type, source) passes f (NULL: no filter).  The GLOB is matched as
 * the store's listings match it (sl_store_glob_match): `*`, `?` (one UTF-8
 * character), `[...]`, `[^...]`, case-sensitive, no escapes, no POSIX classes.
 */
int sl_filter_match(const struct sl_snap_filter *f, const char *type, const char *source);


/*
 * The namespace and position key of a parsed mutation entry (ns points
 * into ent).  SL_EINVAL when it is not a mutation with a string namespace,
 * an integer position in 0 .. 2^53 - 1 or an LSN, and a string id.
 */
int sl_mutation_key(const json_t *ent, const char **ns, unsigned char pos[SL_POSKEY_LEN]) SL_WUR;

/*
 * The same key read straight from a stored entry's bytes, without building
 * a tree: 0 with ns (ns_len bytes, not NUL-terminated) pointing into
 * entry; 1 when the bytes are not plain enough to be sure (escapes in the
 * strings that matter, members out of canonical order, a number that is
 * not plain digits, anything sl_json_parse refuses) -- parse them then and
 * ask sl_mutation_key.  0 only for bytes sl_json_parse takes as JSON.
 * For the entries sl-append writes (canonical JSON) it is always 0.  With
 * text, also the position's and the id's JSON text as they stand in the
 * bytes, which is their canonical form (1 when the id holds an escape or
 * is not valid UTF-8).
 */
struct sl_mutkey_text {
	const char *position, *id; /* canonical JSON text of payload.position and payload.id */
	size_t position_len, id_len;
};
int sl_mutation_key_bytes(const void *entry, size_t len, const char **ns, size_t *ns_len,
			  unsigned char pos[SL_POSKEY_LEN], struct sl_mutkey_text *text) SL_WUR;

/*
 * The record of mutation seq, from its stored bytes, as every output gives
 * it: {"namespace":..,"seq":..,"position":..,"id":.. (namespace only with
 * with_ns), left open for the caller's further members and '}'.  With
 * ns_out, the namespace too (malloc'd).  SL_EINVAL when the bytes are not
 * a mutation with a key and an id; out may then hold a partial record.
 */
int sl_mutation_record(struct sl_buf *out, uint64_t seq, const void *entry, size_t len, int with_ns,
		       char **ns_out) SL_WUR;

/* struct sl_lane (lib/sl/store.h): the mutations of a namespace or lane so far. */

/* Add mutation seq (after every seq already in ln) at position pos. */
void sl_lane_step(struct sl_lane *ln, uint64_t seq, const unsigned char pos[SL_POSKEY_LEN]);
/* Join lane b of the same namespace into a: the head and last of both together. */
void sl_lane_merge(struct sl_lane *a, const struct sl_lane *b);

/* Lanes by namespace: the heads of a snapshot. */
struct sl_nsheads {
	char **ns;            /* after sl_nsheads_finish: in namespace byte order */
	struct sl_lane *lane;
	size_t n, alloc;
	json_t *index;        /* namespace -> position in the arrays */
};
#define SL_NSHEADS_INIT { NULL, NULL, 0, 0, NULL }

/* Merge lane ln into namespace ns (created when new). */
int sl_nsheads_merge(struct sl_nsheads *h, const char *ns, const struct sl_lane *ln) SL_WUR;
/* Add one mutation of ns (seq after every one already added to ns). */
int sl_nsheads_step(struct sl_nsheads *h, const char *ns, uint64_t seq,
		    const unsigned char pos[SL_POSKEY_LEN]) SL_WUR;
/* Sort by namespace. */
int sl_nsheads_finish(struct sl_nsheads *h) SL_WUR;
void sl_nsheads_release(struct sl_nsheads *h);

#endif
