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
#define LANES_AT 256 /* lanes read at once for the mutation heads */

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

/*
 * The lanes an appender met, with their ids and states: a batch of
 * mutations then costs one index row each, not two lookups more.  Valid
 * while the log's size is the one this appender committed last (another
 * appender's commit changes it); at most LANE_CACHE_MAX lanes.
 */
#define LANE_CACHE_MAX 65536

struct lane_ent {
	uint64_t id;
	struct sl_lane st;
};

struct sl_lane_cache {
	json_t *map; /* "source\x1fnamespace" -> index into v */
	struct lane_ent *v;
	size_t n, alloc;
	uint64_t size; /* the log's size when valid */
	int valid;
};

static void lanes_clear(struct sl_lane_cache *c)
{
	json_object_clear(c->map);
	c->n = 0;
	c->valid = 0;
}

void sl_ledger_lanes_begin(struct sl_ledger *l, uint64_t size)
{
	struct sl_lane_cache *c = l->lanes;

	/* Another writer committed since this one did: what it holds may be stale. */
	if (c && (!c->valid || c->size != size))
		lanes_clear(c);
}

void sl_ledger_lanes_done(struct sl_ledger *l, int committed, uint64_t size)
{
	struct sl_lane_cache *c = l->lanes;

	if (!c)
		return;
	if (!committed) {
		lanes_clear(c);
		return;
	}
	c->valid = 1;
	c->size = size;
}

void sl_ledger_lanes_free(struct sl_ledger *l)
{
	if (!l->lanes)
		return;
	json_decref(l->lanes->map);
	free(l->lanes->v);
	free(l->lanes);
	l->lanes = NULL;
}

/* The cached lane (source, ns), read from the store when not cached: *out, or NULL without memory. */
static int lane_get(struct sl_ledger *l, const char *source, const char *ns, struct sl_buf *key,
		    struct lane_ent **out, struct sl_error *err)
{
	struct sl_lane_cache *c = l->lanes;
	struct lane_ent x = { 0, { 0, 0, 0, { 0 } } };
	json_t *at;
	int e;

	*out = NULL;
	if (!c && (c = l->lanes = calloc(1, sizeof(*c))) && !(c->map = json_object())) {
		free(c);
		c = l->lanes = NULL;
	}
	sl_buf_reset(key);
	sl_buf_addf(key, "%s\x1f%s", source, ns);
	if (c && sl_buf_ok(key) == 0 && (at = json_object_get(c->map, key->buf))) {
		*out = &c->v[json_integer_value(at)];
		return 0;
	}
	if ((e = OPS(l)->lane_last(l->store, source, ns, &x.id, &x.st, err)) < 0)
		return e;
	if (e == 0)
		memset(&x, 0, sizeof(x));
	if (!c || sl_buf_ok(key) < 0)
		return SL_ENOMEM;
	if (c->n >= LANE_CACHE_MAX)
		lanes_clear(c);
	if (c->n == c->alloc) {
		size_t na = c->alloc ? 2 * c->alloc : 64;
		struct lane_ent *nv = realloc(c->v, na * sizeof(*nv));
		if (!nv)
			return SL_ENOMEM;
		c->v = nv, c->alloc = na;
	}
	if (json_object_set_new(c->map, key->buf, json_integer((json_int_t)c->n)) < 0)
		return SL_ENOMEM;
	c->v[c->n] = x;
	*out = &c->v[c->n++];
	return 0;
}

int sl_ledger_index_key(struct sl_ledger *l, uint64_t seq, const char *source, const char *ns,
			const unsigned char pos[SL_POSKEY_LEN], struct sl_error *err)
{
	struct sl_buf key = SL_BUF_INIT;
	struct lane_ent *ln = NULL;
	int e;

	if ((e = lane_get(l, source, ns, &key, &ln, err)) == 0) {
		if (ln->st.count && ln->st.last >= seq)
			e = sl_error_set(err, SL_ECORRUPT, "the mutation index is ahead of seq %llu",
					 (unsigned long long)seq);
		if (e == 0) {
			sl_lane_step(&ln->st, seq, pos);
			e = OPS(l)->lane_put(l->store, seq, &ln->id, source, ns, pos, &ln->st, err);
		}
	}
	sl_buf_release(&key);
	return e;
}

int sl_ledger_index_mutation(struct sl_ledger *l, uint64_t seq, const char *source, const void *entry,
			     size_t len, struct sl_error *err)
{
	unsigned char pos[SL_POSKEY_LEN];
	json_t *root = NULL;
	const char *ns;
	int e;

	if ((e = key_of(entry, len, seq, &root, &ns, pos, err)) == 0)
		e = sl_ledger_index_key(l, seq, source, ns, pos, err);
	json_decref(root);
	return e;
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
	int e;

	if ((e = OPS(l)->lanes_ready(l->store, err)) < 0)
		return e;
	if (e == 0)
		e = heads_by_scan(l, n, source, h, err);
	else if ((e = OPS(l)->lanes_open(l->store, source, &it, err)) == 0) {
		/* LANES_AT lanes at a time: one sl_store_lanes_at each, merged in the listing's order. */
		uint64_t id[LANES_AT];
		char *ns[LANES_AT];
		struct sl_lane ln[LANES_AT];
		unsigned char found[LANES_AT];
		size_t k = 0, i;
		int end = 0;

		while (!end) {
			if ((e = OPS(l)->lanes_next(it, &row, err)) < 0)
				break;
			if (e == 1) {
				if (!(ns[k] = strdup(row.ns))) {
					e = sl_error_set(err, SL_ENOMEM, "out of memory");
					break;
				}
				id[k++] = row.id;
			}
			end = e == 0;
			if (k < LANES_AT && !end)
				continue;
			e = sl_store_lanes_at(l->store, k, id, n, ln, found, err);
			for (i = 0; e >= 0 && i < k; i++)
				if (found[i])
					e = sl_nsheads_merge(h, ns[i], &ln[i]);
			for (i = 0; i < k; i++)
				free(ns[i]);
			k = 0;
			if (e < 0)
				break;
		}
		for (i = 0; i < k; i++)
			free(ns[i]);
		OPS(l)->scan_close(it);
	}
	if (e == 0)
		e = sl_nsheads_finish(h);
	return e;
}

/* The expected state of each lane met so far, by lane id (ids are 1, 2, ... as lanes are made). */
/*
 * The mutation index checked inside sl_ledger_verify (lib/ledger.c): the
 * reader walks the index's rows beside the entries (sl_mutcheck_row) and
 * hands each mutation's row to the hashing thread, which reads the key
 * from the entry's bytes and steps the lane (sl_mutcheck_entry).  One pass
 * over the log for both, and no tree built for an entry sl-append wrote.
 */
struct sl_mutcheck {
	struct sl_ledger *l;
	struct sl_scan *it;
	struct sl_mutation_row row;
	int have;             /* row holds the next index row */
	int ready;            /* 0: a ledger made before the index */
	uint64_t from;
	/*
	 * The lanes met, by id: an open-addressed table of id -> a dense slot
	 * (0, 1, ... as met), which is what the hashing thread's lanes are
	 * indexed by; an id is the index's word, and an array indexed by it
	 * let a lane id of 2^30 take gigabytes (exit 111, not a verdict).
	 */
	struct sl_error broken; /* code set: the next row read was malformed */
	uint64_t *ids;        /* 0: empty (lane ids are >= 1) */
	size_t *slot;
	size_t cap, nslots;
};

static size_t mc_hash(uint64_t id, size_t cap)
{
	return (size_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (cap - 1);
}

/* The slot of lane id; *fresh when it was not met before. */
static int mc_slot(struct sl_mutcheck *m, uint64_t id, size_t *out, int *fresh)
{
	size_t i;

	if (2 * (m->nslots + 1) > m->cap) {
		size_t ncap = m->cap ? 2 * m->cap : 256, j;
		uint64_t *ni = ncap > SIZE_MAX / sizeof(*ni) ? NULL : calloc(ncap, sizeof(*ni));
		size_t *ns = ni ? calloc(ncap, sizeof(*ns)) : NULL;
		if (!ns) {
			free(ni);
			return SL_ENOMEM;
		}
		for (j = 0; j < m->cap; j++) {
			if (!m->ids[j])
				continue;
			for (i = mc_hash(m->ids[j], ncap); ni[i]; i = (i + 1) & (ncap - 1))
				;
			ni[i] = m->ids[j];
			ns[i] = m->slot[j];
		}
		free(m->ids);
		free(m->slot);
		m->ids = ni, m->slot = ns, m->cap = ncap;
	}
	for (i = mc_hash(id, m->cap); m->ids[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->ids[i] == id) {
			*out = m->slot[i];
			*fresh = 0;
			return 0;
		}
	}
	m->ids[i] = id;
	m->slot[i] = *out = m->nslots++;
	*fresh = 1;
	return 0;
}

/*
 * The next index row, read ahead.  A malformed one (no lane, a count out
 * of range) is a verdict for the next entry met, not an error of the read
 * now: it was returned through the reading chunk's pending error, which
 * only a verdict hands on, and sl-verify said {"verified":false,"error":""}.
 */
static int mc_next(struct sl_mutcheck *m, struct sl_error *err)
{
	struct sl_error me = { 0 };
	int e = OPS(m->l)->mutations_next(m->it, &m->row, &me);

	m->have = e == 1;
	if (e == SL_ECORRUPT) {
		m->broken = me;
		return 0;
	}
	if (e < 0 && err)
		*err = me;
	return e < 0 ? e : 0;
}

static int mc_broken(struct sl_mutcheck *m, uint64_t seq, uint64_t *bad, struct sl_error *err)
{
	*bad = seq;
	if (err)
		*err = m->broken;
	return SL_EVERIFY;
}

int sl_mutcheck_open(struct sl_ledger *l, uint64_t from, struct sl_mutcheck **out,
		     struct sl_error *err)
{
	struct sl_mutcheck *m = calloc(1, sizeof(*m));
	int e;

	*out = NULL;
	if (!m)
		return SL_ENOMEM;
	m->l = l;
	m->from = from;
	if ((e = OPS(l)->lanes_ready(l->store, err)) < 0)
		goto fail;
	m->ready = e == 1;
	if (m->ready && ((e = OPS(l)->mutations_open(l->store, from, UINT64_MAX, &m->it, err)) < 0 ||
			 (e = mc_next(m, err)) < 0))
		goto fail;
	*out = m;
	return 0;
fail:
	sl_mutcheck_close(m);
	return e;
}

void sl_mutcheck_close(struct sl_mutcheck *m)
{
	if (!m)
		return;
	if (m->it)
		OPS(m->l)->scan_close(m->it);
	free(m->ids);
	free(m->slot);
	free(m);
}

static int mc_bad(uint64_t *bad, uint64_t seq, struct sl_error *err, const char *what)
{
	*bad = seq;
	return sl_error_set(err, SL_EVERIFY, "seq %llu: the mutation index %s",
			    (unsigned long long)seq, what);
}

int sl_mutcheck_row(struct sl_mutcheck *m, uint64_t seq, const char *type, struct sl_vmut *out,
		    struct sl_buf *strs, uint64_t *bad, struct sl_error *err)
{
	int mut = strcmp(type, "mutation") == 0, e, fresh;
	size_t slot;

	if (!m->ready)
		return 0;
	if (m->broken.code)
		return mc_broken(m, seq, bad, err);
	if (m->have && m->row.seq < seq)
		return mc_bad(bad, m->row.seq, err, "has a row for an entry that is not a mutation");
	if (!m->have || m->row.seq > seq)
		return mut ? mc_bad(bad, seq, err, "has no row for this mutation") : 0;
	if (!mut)
		return mc_bad(bad, seq, err, "has a row for an entry that is not a mutation");
	memset(out, 0, sizeof(*out));
	if ((e = mc_slot(m, m->row.lane, &slot, &fresh)) < 0)
		return e;
	out->lane = slot;
	out->after = m->row.after;
	out->has_pos = m->row.pos != NULL;
	if (m->row.pos)
		memcpy(out->pos, m->row.pos, SL_POSKEY_LEN);
	if (fresh) {
		/* The lane's state before `from` is the index's own: what came before was checked then. */
		out->init = 1;
		if (m->from && (e = OPS(m->l)->lane_at(m->l->store, m->row.lane, m->from, &out->start,
						      err)) < 0)
			return e;
	}
	out->ns_off = strs->len;
	sl_buf_add(strs, m->row.ns, strlen(m->row.ns) + 1);
	out->src_off = strs->len;
	sl_buf_add(strs, m->row.source, strlen(m->row.source) + 1);
	if ((e = sl_buf_ok(strs)) < 0)
		return e;
	if ((e = mc_next(m, err)) < 0)
		return e;
	return 1;
}

int sl_mutcheck_end(struct sl_mutcheck *m, uint64_t size, uint64_t *bad, struct sl_error *err)
{
	if (m->ready && m->broken.code)
		return mc_broken(m, size, bad, err);
	if (!m->ready || !m->have)
		return 0;
	*bad = m->row.seq;
	if (m->row.seq < size)
		return mc_bad(bad, m->row.seq, err, "has a row for an entry that is not a mutation");
	return sl_error_set(err, SL_EVERIFY, "seq %llu: the mutation index has a row beyond the "
			    "log's %llu %s", (unsigned long long)m->row.seq, (unsigned long long)size,
			    sl_plural(size, "entry", "entries"));
}

void sl_mutlanes_release(struct sl_mutlanes *w)
{
	free(w->v);
	w->v = NULL;
	w->alloc = 0;
}

int sl_mutcheck_entry(struct sl_mutlanes *w, const struct sl_vmut *m, const char *strs, uint64_t seq,
		      const char *source, const void *entry, size_t len, uint64_t *bad,
		      struct sl_error *err)
{
	unsigned char pos[SL_POSKEY_LEN];
	const char *ns, *want_ns = strs + m->ns_off;
	size_t nl;
	json_t *root = NULL;
	struct sl_lane *ln;
	int e;

	if (m->lane >= w->alloc) {
		size_t na = w->alloc ? w->alloc : 256;
		struct sl_lane *nv;
		while (na <= m->lane)
			na *= 2;
		if (!(nv = realloc(w->v, na * sizeof(*nv))))
			return SL_ENOMEM;
		w->v = nv, w->alloc = na;
	}
	ln = &w->v[m->lane];
	if (m->init)
		*ln = m->start;
	if ((e = sl_mutation_key_bytes(entry, len, &ns, &nl, pos, NULL)) != 0) {
		/* Not plain: the full parser says what the bytes are. */
		*bad = seq;
		if ((e = key_of(entry, len, seq, &root, &ns, pos, err)) < 0) {
			json_decref(root);
			return e == SL_ECORRUPT ? SL_EVERIFY : e;
		}
		nl = strlen(ns);
	}
	e = nl != strlen(want_ns) || memcmp(ns, want_ns, nl) != 0 ||
	    strcmp(source, strs + m->src_off) != 0 || !m->has_pos ||
	    memcmp(pos, m->pos, SL_POSKEY_LEN) != 0;
	json_decref(root);
	if (e) {
		*bad = seq;
		return sl_error_set(err, SL_EVERIFY, "seq %llu: the mutation index row's namespace, "
				    "source or position is not the entry's", (unsigned long long)seq);
	}
	sl_lane_step(ln, seq, pos);
	if (ln->head != m->after.head || ln->count != m->after.count) {
		*bad = seq;
		return sl_error_set(err, SL_EVERIFY, "seq %llu: the mutation index row says head seq "
				    "%llu of %llu, the entries say seq %llu of %llu",
				    (unsigned long long)seq, (unsigned long long)m->after.head,
				    (unsigned long long)m->after.count, (unsigned long long)ln->head,
				    (unsigned long long)ln->count);
	}
	if (memcmp(ln->headpos, m->after.headpos, SL_POSKEY_LEN) != 0) {
		*bad = seq;
		return sl_error_set(err, SL_EVERIFY, "seq %llu: the mutation index row's head position "
				    "is not seq %llu's", (unsigned long long)seq,
				    (unsigned long long)ln->head);
	}
	return 0;
}
