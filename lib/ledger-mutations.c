// SPDX-License-Identifier: MIT
/*
 * The mutation index of a ledger (lib/sl/ledger.h): kept by appends,
 * filled once for a ledger made before it, and read for the heads of a
 * snapshot.  The rule is lib/heads.c's; this file only feeds it.
 */
#include <pthread.h>
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

/* The expected state of each lane met so far, by lane id (ids are 1, 2, ... as lanes are made). */
struct lanes_seen {
	struct sl_lane *v;
	unsigned char *met;
	size_t alloc;
};

static int lane_expected(struct sl_ledger *l, struct lanes_seen *ls, const struct sl_mutation_row *row,
			 uint64_t from, struct sl_lane **out, struct sl_error *err)
{
	int e;

	if (row->lane >= SIZE_MAX / sizeof(struct sl_lane) / 2 || row->lane > 1u << 30)
		return sl_error_set(err, SL_EVERIFY, "seq %llu: lane id %llu is out of range",
				    (unsigned long long)row->seq, (unsigned long long)row->lane);
	if (row->lane >= ls->alloc) {
		size_t na = ls->alloc ? ls->alloc : 256, i;
		struct sl_lane *nv;
		unsigned char *nm;
		while (na <= row->lane)
			na *= 2;
		if (!(nv = realloc(ls->v, na * sizeof(*nv))))
			return SL_ENOMEM;
		ls->v = nv;
		if (!(nm = realloc(ls->met, na)))
			return SL_ENOMEM;
		ls->met = nm;
		for (i = ls->alloc; i < na; i++)
			ls->met[i] = 0;
		ls->alloc = na;
	}
	*out = &ls->v[row->lane];
	if (ls->met[row->lane])
		return 0;
	/* The lane's state before `from` is the index's own: what came before was checked then. */
	memset(*out, 0, sizeof(**out));
	if ((e = OPS(l)->lane_at(l->store, row->lane, from, *out, err)) < 0)
		return e;
	ls->met[row->lane] = 1;
	return 0;
}

int sl_ledger_index_verify(struct sl_ledger *l, uint64_t from, uint64_t size, uint64_t *bad_seq,
			   struct sl_error *err)
{
	struct lanes_seen ls = { NULL, NULL, 0 };
	struct sl_filter f = { 0 };
	struct sl_entry_row er;
	struct sl_mutation_row mr;
	struct sl_scan *ei = NULL, *mi = NULL;
	int e, he, hm;

	if ((e = OPS(l)->begin_read(l->store, err)) < 0)
		return e;
	if ((e = OPS(l)->lanes_ready(l->store, err)) <= 0)
		goto out; /* a ledger made before the index: nothing derived to check */
	if (size == UINT64_MAX) {
		struct sl_head h;
		if ((e = OPS(l)->get_head(l->store, &h, err)) < 0)
			goto out;
		size = h.size;
	}
	f.type = "mutation";
	f.from = from;
	f.below = size;
	if ((e = OPS(l)->scan_open(l->store, &f, &ei, err)) < 0 ||
	    (e = OPS(l)->mutations_open(l->store, from, UINT64_MAX, &mi, err)) < 0)
		goto out;
	he = OPS(l)->scan_next(ei, &er, err);
	hm = OPS(l)->mutations_next(mi, &mr, err);
	e = he < 0 ? he : hm < 0 ? hm : 0;
	for (; e == 0 && (he == 1 || hm == 1);) {
		unsigned char pos[SL_POSKEY_LEN];
		struct sl_lane *want = NULL;
		json_t *root = NULL;
		const char *ns;
		if (hm == 1 && mr.seq >= size) {
			*bad_seq = mr.seq;
			e = sl_error_set(err, SL_EVERIFY, "seq %llu: the mutation index has a row beyond the "
					 "log's %llu %s", (unsigned long long)mr.seq, (unsigned long long)size,
					 sl_plural(size, "entry", "entries"));
			break;
		}
		if (hm == 1 && (he != 1 || mr.seq < er.seq)) {
			*bad_seq = mr.seq;
			e = sl_error_set(err, SL_EVERIFY, "seq %llu: the mutation index has a row for an entry "
					 "that is not a mutation", (unsigned long long)mr.seq);
			break;
		}
		if (hm != 1 || er.seq < mr.seq) {
			*bad_seq = er.seq;
			e = sl_error_set(err, SL_EVERIFY, "seq %llu: the mutation index has no row for this "
					 "mutation", (unsigned long long)er.seq);
			break;
		}
		if ((e = key_of(er.entry, er.len, er.seq, &root, &ns, pos, err)) == 0 &&
		    (strcmp(ns, mr.ns) != 0 || strcmp(er.source, mr.source) != 0 || !mr.pos ||
		     memcmp(pos, mr.pos, SL_POSKEY_LEN) != 0))
			e = sl_error_set(err, SL_EVERIFY, "seq %llu: the mutation index row's namespace, "
					 "source or position is not the entry's", (unsigned long long)er.seq);
		json_decref(root);
		if (e == 0 && (e = lane_expected(l, &ls, &mr, from, &want, err)) == 0) {
			sl_lane_step(want, er.seq, pos);
			if (want->head != mr.after.head || want->count != mr.after.count)
				e = sl_error_set(err, SL_EVERIFY, "seq %llu: the mutation index row says head "
						 "seq %llu of %llu, the entries say seq %llu of %llu",
						 (unsigned long long)er.seq, (unsigned long long)mr.after.head,
						 (unsigned long long)mr.after.count,
						 (unsigned long long)want->head, (unsigned long long)want->count);
			else if (memcmp(want->headpos, mr.after.headpos, SL_POSKEY_LEN) != 0)
				e = sl_error_set(err, SL_EVERIFY, "seq %llu: the mutation index row's head "
						 "position is not seq %llu's", (unsigned long long)er.seq,
						 (unsigned long long)want->head);
		}
		if (e < 0) {
			if (e == SL_ECORRUPT || e == SL_EVERIFY)
				*bad_seq = er.seq;
			break;
		}
		he = OPS(l)->scan_next(ei, &er, err);
		hm = OPS(l)->mutations_next(mi, &mr, err);
		if (he < 0)
			e = he;
		else if (hm < 0)
			e = hm;
	}
	if (e == 0 && (he < 0 || hm < 0))
		e = he < 0 ? he : hm;
out:
	if (ei)
		OPS(l)->scan_close(ei);
	if (mi)
		OPS(l)->scan_close(mi);
	OPS(l)->end_read(l->store);
	free(ls.v);
	free(ls.met);
	return e < 0 ? e : 0;
}

/* The index check on a connection of its own, beside the hash check (sl-verify). */
struct sl_index_job {
	struct sl_ledger *l;
	uint64_t from, bad;
	struct sl_error err;
	int e;
	pthread_t th;
	int running;
};

static void *index_job_run(void *arg)
{
	struct sl_index_job *j = arg;

	j->e = sl_ledger_index_verify(j->l, j->from, UINT64_MAX, &j->bad, &j->err);
	return NULL;
}

int sl_ledger_index_verify_start(struct sl_ledger *l, uint64_t from, struct sl_index_job **out,
				 struct sl_error *err)
{
	struct sl_index_job *j = calloc(1, sizeof(*j));
	int e;

	*out = NULL;
	if (!j)
		return SL_ENOMEM;
	j->from = from;
	j->bad = UINT64_MAX;
	if ((e = sl_ledger_open(&j->l, l->dir, SL_LEDGER_RDONLY, 10000, err)) < 0) {
		free(j);
		return e;
	}
	if (pthread_create(&j->th, NULL, index_job_run, j) == 0)
		j->running = 1;
	else
		index_job_run(j); /* no thread to be had: here, now */
	*out = j;
	return 0;
}

int sl_ledger_index_verify_finish(struct sl_index_job *j, uint64_t *bad_seq, struct sl_error *err)
{
	int e;

	if (!j)
		return 0;
	if (j->running)
		pthread_join(j->th, NULL);
	e = j->e;
	if (e < 0) {
		if (bad_seq && j->bad != UINT64_MAX)
			*bad_seq = j->bad;
		if (err)
			*err = j->err;
	}
	sl_ledger_close(j->l);
	free(j);
	return e;
}
