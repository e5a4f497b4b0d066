// SPDX-License-Identifier: MIT
/*
 * The mutation index of a ledger (lib/sl/ledger.h): kept by appends,
 * filled once for a ledger made before it, and read for the heads of a
 * snapshot.  The rule is lib/heads.c's; this file only feeds it.
 */
#include <stdlib.h>
#include <string.h>

#include "sl/heads.h"
#include "sl/json.h"
#include "sl/ledger.h"

#define OPS(l) ((l)->store->ops)

/* The namespace and position key of a stored mutation's bytes; SL_ECORRUPT naming seq when malformed. */
static int key_of(const void *entry, size_t len, uint64_t seq, json_t **root, const char **ns,
		  unsigned char pos[SL_POSKEY_LEN], struct sl_error *err)
{
	int e;

	if ((e = sl_json_parse(entry, len, root, NULL)) < 0)
		return e == SL_ENOMEM ? e : sl_error_set(err, SL_ECORRUPT, "seq %llu: entry is not JSON",
							 (unsigned long long)seq);
	if (sl_mutation_key(*root, ns, pos) < 0)
		return sl_error_set(err, SL_ECORRUPT, "seq %llu: a mutation without a namespace, "
				    "a position or an id", (unsigned long long)seq);
	return 0;
}

int sl_ledger_index_mutation(struct sl_ledger *l, uint64_t seq, const char *source, const void *entry,
			     size_t len, struct sl_error *err)
{
	unsigned char pos[SL_POSKEY_LEN];
	struct sl_lane ln;
	json_t *root = NULL;
	const char *ns;
	int e;

	if ((e = key_of(entry, len, seq, &root, &ns, pos, err)) == 0 &&
	    (e = OPS(l)->lane_last(l->store, source, ns, &ln, err)) >= 0) {
		if (e == 0)
			memset(&ln, 0, sizeof(ln));
		else if (ln.last >= seq)
			e = sl_error_set(err, SL_ECORRUPT, "the mutation index is ahead of seq %llu",
					 (unsigned long long)seq);
		if (e >= 0) {
			sl_lane_step(&ln, seq, pos);
			e = OPS(l)->lane_put(l->store, seq, source, ns, pos, &ln, err);
		}
	}
	json_decref(root);
	return e < 0 ? e : 0;
}

int sl_ledger_index_ready(struct sl_ledger *l, uint64_t size, struct sl_error *err)
{
	struct sl_filter f = { 0 };
	struct sl_entry_row row;
	struct sl_scan *it = NULL;
	int e;

	if ((e = OPS(l)->lanes_ready(l->store, err)) != 0)
		return e < 0 ? e : 0;
	if ((e = OPS(l)->lanes_create(l->store, err)) < 0 || size == 0)
		return e;
	/* A ledger made before the index: every mutation it holds, once. */
	f.type = "mutation";
	f.below = size;
	if ((e = OPS(l)->scan_open(l->store, &f, &it, err)) < 0)
		return e;
	while ((e = sl_ledger_scan_next(l, it, &row, err)) == 1)
		if ((e = sl_ledger_index_mutation(l, row.seq, row.source, row.entry, row.len, err)) < 0)
			break;
	OPS(l)->scan_close(it);
	return e;
}

/* Without the index (a ledger not appended to since it came): every mutation of the prefix. */
static int heads_by_scan(struct sl_ledger *l, uint64_t n, const char *source, struct sl_nsheads *h,
			 struct sl_error *err)
{
	struct sl_filter f = { 0 };
	struct sl_entry_row row;
	struct sl_scan *it = NULL;
	int e;

	if (n == 0)
		return 0;
	f.type = "mutation";
	f.source = source;
	f.below = n;
	if ((e = OPS(l)->scan_open(l->store, &f, &it, err)) < 0)
		return e;
	while ((e = sl_ledger_scan_next(l, it, &row, err)) == 1) {
		unsigned char pos[SL_POSKEY_LEN];
		json_t *root = NULL;
		const char *ns;
		if ((e = key_of(row.entry, row.len, row.seq, &root, &ns, pos, err)) == 0)
			e = sl_nsheads_step(h, ns, row.seq, pos);
		json_decref(root);
		if (e < 0)
			break;
	}
	OPS(l)->scan_close(it);
	return e;
}

int sl_ledger_mutheads(struct sl_ledger *l, uint64_t n, const char *source, struct sl_nsheads *h,
		       struct sl_error *err)
{
	struct sl_lane_row row;
	struct sl_scan *it = NULL;
	struct sl_lane ln;
	int e;

	if ((e = OPS(l)->lanes_ready(l->store, err)) < 0)
		return e;
	if (e == 0)
		e = heads_by_scan(l, n, source, h, err);
	else if ((e = OPS(l)->lanes_open(l->store, source, &it, err)) == 0) {
		while ((e = OPS(l)->lanes_next(it, &row, err)) == 1) {
			if ((e = OPS(l)->lane_at(l->store, row.id, n, &ln, err)) < 0)
				break;
			if (e == 1 && (e = sl_nsheads_merge(h, row.ns, &ln)) < 0)
				break;
		}
		OPS(l)->scan_close(it);
	}
	if (e == 0)
		e = sl_nsheads_finish(h);
	return e;
}
