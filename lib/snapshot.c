// SPDX-License-Identifier: MIT
/*
 * Snapshots at a time T (lib/sl/snapshot.h).  Everything is read inside
 * one read transaction, so the document describes one state of the ledger
 * even while appenders run.
 */
#include <stdlib.h>
#include <string.h>

#include "sl/checkpoint.h"
#include "sl/heads.h"
#include "sl/json.h"
#include "sl/merkle.h"
#include "sl/proof.h"
#include "sl/snapshot.h"

#define OPS(l) ((l)->store->ops)
#define FLUSH_AT 65536

/*
 * A snapshot names many entries, each with an inclusion proof against the
 * same tree, and their proofs share most of their nodes.  A backend where
 * every read is a round trip (PostgreSQL) must not be asked for them one
 * at a time, so the nodes are read in batches: the proofs of a chunk of
 * entries are first made in "plan" mode, where get_node only notes the
 * node it is asked for and answers zeros; the nodes noted are then read
 * with one sl_store_get_nodes; the proofs are then made from the table.
 * The table is fixed (NODE_TABLE slots, whatever the ledger's size) and
 * emptied between chunks once it is half full; a node it could not hold
 * is read alone.
 */
#define NODE_TABLE 65536            /* slots, a power of two */
#define NODE_FILL (NODE_TABLE / 4 * 3) /* at most this many held */
#define CHUNK 512                   /* named entries planned together */

enum { N_EMPTY, N_WANTED, N_HELD, N_ABSENT };

struct cached_node {
	uint64_t index;
	unsigned level;
	unsigned char state; /* N_... */
	unsigned char hash[SL_HASH_LEN];
};

struct nodectx {
	struct sl_ledger *l;
	struct sl_error *err;
	struct cached_node *cache; /* NODE_TABLE slots, or NULL: every node read alone */
	size_t n;                  /* slots in use */
	int plan;
};

static struct cached_node *slot_of(struct nodectx *c, unsigned level, uint64_t index)
{
	uint64_t h = (index * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)level * 0xbf58476d1ce4e5b9ULL);
	size_t i = (size_t)(h >> 32) & (NODE_TABLE - 1);

	/* Never full (NODE_FILL), so an empty slot ends every search. */
	while (c->cache[i].state != N_EMPTY &&
	       (c->cache[i].level != level || c->cache[i].index != index))
		i = (i + 1) & (NODE_TABLE - 1);
	return &c->cache[i];
}

static int get_node(void *vctx, unsigned level, uint64_t index, unsigned char out[SL_HASH_LEN])
{
	struct nodectx *c = vctx;
	struct cached_node *slot = c->cache ? slot_of(c, level, index) : NULL;
	int e;

	if (c->plan) {
		if (slot && slot->state == N_EMPTY && c->n < NODE_FILL) {
			slot->level = level;
			slot->index = index;
			slot->state = N_WANTED;
			c->n++;
		}
		memset(out, 0, SL_HASH_LEN);
		return 0;
	}
	if (slot && slot->state == N_HELD) {
		memcpy(out, slot->hash, SL_HASH_LEN);
		return 0;
	}
	{
		/* Not read in a batch: read alone, and a node not stored is damage. */
		struct sl_ledger_nodes ln = { c->l, c->err };
		if ((e = sl_ledger_node(&ln, level, index, out)) < 0)
			return e;
	}
	if (slot && slot->state == N_EMPTY && c->n < NODE_FILL) {
		slot->level = level;
		slot->index = index;
		slot->state = N_HELD;
		memcpy(slot->hash, out, SL_HASH_LEN);
		c->n++;
	}
	return 0;
}

/* Begin planning a batch: make room in the table when it is half full. */
static void plan_begin(struct nodectx *c)
{
	if (c->cache && c->n > NODE_TABLE / 2) {
		memset(c->cache, 0, NODE_TABLE * sizeof(*c->cache));
		c->n = 0;
	}
	c->plan = c->cache != NULL;
}

/* Read the nodes the plan noted, in one call of the store. */
static int plan_fetch(struct nodectx *c)
{
	unsigned char (*out)[SL_HASH_LEN] = NULL;
	unsigned char *found = NULL;
	unsigned *level = NULL;
	uint64_t *index = NULL;
	size_t i, m = 0, k;
	int e = 0;

	if (!c->plan)
		return 0;
	c->plan = 0;
	for (i = 0; i < NODE_TABLE; i++)
		m += c->cache[i].state == N_WANTED;
	if (m == 0)
		return 0;
	out = malloc(m * sizeof(*out));
	found = malloc(m);
	level = malloc(m * sizeof(*level));
	index = malloc(m * sizeof(*index));
	if (!out || !found || !level || !index) {
		e = sl_error_set(c->err, SL_ENOMEM, "out of memory");
		goto out;
	}
	for (i = k = 0; i < NODE_TABLE; i++)
		if (c->cache[i].state == N_WANTED) {
			level[k] = c->cache[i].level;
			index[k++] = c->cache[i].index;
		}
	if ((e = sl_store_get_nodes(c->l->store, m, level, index, out, found, c->err)) < 0)
		goto out;
	for (i = k = 0; i < NODE_TABLE; i++)
		if (c->cache[i].state == N_WANTED) {
			/* One not stored is read again alone, where its absence is an error. */
			c->cache[i].state = found[k] ? N_HELD : N_ABSENT;
			if (found[k])
				memcpy(c->cache[i].hash, out[k], SL_HASH_LEN);
			k++;
		}
out:
	if (e < 0) {
		/* Forget what was not read, so that nothing wanted stays behind. */
		for (i = 0; i < NODE_TABLE; i++)
			if (c->cache[i].state == N_WANTED)
				c->cache[i].state = N_ABSENT;
	}
	free(out);
	free(found);
	free(level);
	free(index);
	return e;
}

/* Note the nodes of the inclusion proof of seq in the tree of n (plan mode). */
static void plan_inclusion(struct nodectx *c, uint64_t seq, uint64_t n)
{
	unsigned char proof[SL_PROOF_MAX][SL_HASH_LEN];
	size_t k;

	if (c->plan && seq < n)
		(void)!sl_merkle_inclusion(get_node, c, seq, n, proof, &k);
}

/*
 * The entries a chunk names are read the same way: their seqs noted, then
 * read with one sl_ledger_entries, their bytes and leaves held here until
 * the chunk is written.
 */
struct pre {
	uint64_t seq;
	int have;
	unsigned char leaf[SL_HASH_LEN];
	struct sl_buf bytes;
};

struct snap {
	struct pre *pre; /* npre in seq order once fetched; apre allocated */
	size_t npre, apre;
	int lean; /* struct sl_snapshot_opts's */
	sl_progress_fn progress;
	void *progress_ctx;
	struct sl_ledger *l;
	struct nodectx nc;
	struct sl_error *err;
	sl_write_fn write;
	void *ctx;
	struct sl_buf out;
	struct sl_buf warnings;
};

static int flush(struct snap *s, int force)
{
	int e;

	if ((e = sl_buf_ok(&s->out)) < 0)
		return e;
	if (!s->out.len || (!force && s->out.len < FLUSH_AT))
		return 0;
	e = s->write(s->ctx, s->out.buf, s->out.len);
	sl_buf_reset(&s->out);
	return e;
}

static void warn(struct snap *s, const char *msg)
{
	if (s->warnings.len)
		sl_buf_addch(&s->warnings, ',');
	(void)!sl_jcs_string(&s->warnings, msg, strlen(msg));
}

static int jstr(struct sl_buf *b, const char *p, size_t n)
{
	if (sl_jcs_string(b, p, n) < 0)
		return SL_ECORRUPT; /* stored text that is not UTF-8 */
	return 0;
}

/* The record of a mutation head: {"namespace":NS,"seq":S,"position":P,"id":ID, from its bytes. */
static int mut_members(struct snap *s, uint64_t seq, const struct sl_buf *ent)
{
	int e = sl_mutation_record(&s->out, seq, ent->buf, ent->len, 1, NULL);

	if (e < 0 && e != SL_ENOMEM)
		e = sl_error_set(s->err, SL_ECORRUPT, "seq %llu: a mutation without a namespace, a "
				 "position or an id", (unsigned long long)seq);
	return e;
}

static int pre_cmp(const void *a, const void *b)
{
	const struct pre *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static struct pre *pre_find(struct snap *s, uint64_t seq)
{
	struct pre key;

	key.seq = seq;
	return s->npre ? bsearch(&key, s->pre, s->npre, sizeof(*s->pre), pre_cmp) : NULL;
}

/* Note an entry to read with the next pre_fetch (none noted when memory runs out: read alone). */
static void pre_want(struct snap *s, uint64_t seq)
{
	if (s->npre == s->apre) {
		size_t a = s->apre ? s->apre * 2 : 64;
		struct pre *p = realloc(s->pre, a * sizeof(*p));
		if (!p)
			return;
		memset(p + s->apre, 0, (a - s->apre) * sizeof(*p));
		s->pre = p;
		s->apre = a;
	}
	s->pre[s->npre].seq = seq;
	s->pre[s->npre++].have = 0;
}

static int pre_copy(void *vctx, const struct sl_entry_row *row)
{
	struct pre *p = pre_find(vctx, row->seq);

	if (!p)
		return 0;
	sl_buf_reset(&p->bytes);
	sl_buf_add(&p->bytes, row->entry, row->len);
	if (sl_buf_ok(&p->bytes) < 0)
		return SL_ENOMEM;
	memcpy(p->leaf, row->leaf, SL_HASH_LEN); /* checked by sl_ledger_entries */
	p->have = 1;
	return 0;
}

/* Read the entries noted, in one call. */
static int pre_fetch(struct snap *s)
{
	uint64_t *seq;
	size_t i, m = 0;
	int e;

	if (!s->npre)
		return 0;
	qsort(s->pre, s->npre, sizeof(*s->pre), pre_cmp);
	for (i = 0; i < s->npre; i++)
		if (m == 0 || s->pre[i].seq != s->pre[m - 1].seq) {
			struct sl_buf t = s->pre[m].bytes;
			s->pre[m].bytes = s->pre[i].bytes; /* keep every buffer once */
			s->pre[i].bytes = t;
			s->pre[m].seq = s->pre[i].seq;
			s->pre[m++].have = 0;
		}
	s->npre = m;
	if (!(seq = malloc(m * sizeof(*seq))))
		return 0; /* each is read alone */
	for (i = 0; i < m; i++)
		seq[i] = s->pre[i].seq;
	e = sl_ledger_entries(s->l, m, seq, pre_copy, s, s->err);
	free(seq);
	return e;
}

/*
 * One named entry: its canonical bytes and its inclusion proof at size n
 * against root.  With type NULL, a bound (no type or source); with mut, a
 * mutation record (namespace, position and id first), left open for its
 * "last" member.
 */
static int one_entry(struct snap *s, uint64_t seq, uint64_t n, const unsigned char root[SL_HASH_LEN],
		     const char *type, const char *source, int mut, struct sl_buf *ent)
{
	struct sl_entry_row row;
	struct sl_proof *p;
	struct pre *pp = pre_find(s, seq);
	unsigned char leaf[SL_HASH_LEN];
	char hex[SL_HEX_LEN + 1];
	int e;

	sl_buf_reset(ent);
	if (pp && pp->have) {
		sl_buf_add(ent, pp->bytes.buf, pp->bytes.len);
		memcpy(leaf, pp->leaf, SL_HASH_LEN);
	} else if ((e = sl_ledger_entry(s->l, seq, &row, s->err)) < 0) {
		return e == SL_ENOTFOUND ? sl_error_set(s->err, SL_ECORRUPT, "entry %llu is missing",
							(unsigned long long)seq)
					 : e;
	} else {
		sl_buf_add(ent, row.entry, row.len);
		memcpy(leaf, row.leaf, SL_HASH_LEN); /* the bytes' leaf: sl_ledger_entry checked it */
	}
	if ((e = sl_buf_ok(ent)) < 0)
		return e;
	if (s->lean && mut)
		return mut_members(s, seq, ent);
	if (!(p = calloc(1, sizeof(*p))))
		return SL_ENOMEM;
	p->kind = SL_PROOF_INCLUSION;
	p->a = seq;
	p->b = n;
	memcpy(p->h1, leaf, SL_HASH_LEN);
	memcpy(p->h2, root, SL_HASH_LEN);
	if (!s->lean && (e = sl_merkle_inclusion(get_node, &s->nc, seq, n, p->hashes, &p->n)) < 0)
		goto out;
	sl_hex_encode(hex, p->h1, SL_HASH_LEN);
	if (mut) {
		if ((e = mut_members(s, seq, ent)) < 0)
			goto out;
	} else {
		sl_buf_addf(&s->out, "{\"seq\":%llu", (unsigned long long)seq);
	}
	if (type) {
		sl_buf_addstr(&s->out, ",\"type\":");
		if ((e = jstr(&s->out, type, strlen(type))) < 0)
			goto out;
		sl_buf_addstr(&s->out, ",\"source\":");
		if ((e = jstr(&s->out, source, strlen(source))) < 0)
			goto out;
	}
	sl_buf_addf(&s->out, ",\"leaf_hash\":\"%s\",\"entry\":", hex);
	if ((e = jstr(&s->out, ent->buf, ent->len)) < 0)
		goto out;
	if (!s->lean) {
		sl_buf_addstr(&s->out, ",\"inclusion\":");
		if ((e = sl_proof_write(&s->out, p)) < 0)
			goto out;
	}
	if (!mut)
		sl_buf_addch(&s->out, '}');
out:
	free(p);
	if (e == SL_ECORRUPT && s->err && !s->err->code)
		sl_error_set(s->err, e, "seq %llu: stored text is not UTF-8", (unsigned long long)seq);
	return e;
}

/*
 * The mutation heads of the prefix (lib/sl/heads.h), each proved like a
 * named entry, with the namespace's last appended mutation when that is
 * not the head.
 */
static int write_heads(struct snap *s, const struct sl_snapshot_opts *o, uint64_t n,
		       const unsigned char root[SL_HASH_LEN], struct sl_buf *ent)
{
	struct sl_nsheads h = SL_NSHEADS_INIT;
	size_t i;
	int e = 0;

	sl_buf_addstr(&s->out, "\"mutations\":[");
	if (!o->type || strcmp(o->type, "mutation") == 0)
		e = sl_ledger_mutheads(s->l, n, o->source, &h, s->err);
	for (i = 0; e == 0 && i < h.n; i++) {
		const struct sl_lane *ln = &h.lane[i];
		if (i % (CHUNK / 2) == 0) {
			/* The nodes of the next lanes' proofs, at once. */
			size_t j;
			plan_begin(&s->nc);
			s->npre = 0;
			for (j = i; j < h.n && j < i + CHUNK / 2; j++) {
				plan_inclusion(&s->nc, h.lane[j].head, n);
				plan_inclusion(&s->nc, h.lane[j].last, n);
				pre_want(s, h.lane[j].head);
				pre_want(s, h.lane[j].last);
			}
			if ((e = plan_fetch(&s->nc)) < 0 || (e = pre_fetch(s)) < 0)
				break;
		}
		if (i)
			sl_buf_addch(&s->out, ',');
		if ((e = one_entry(s, ln->head, n, root, NULL, NULL, 1, ent)) < 0)
			break;
		sl_buf_addstr(&s->out, ",\"last\":");
		if (ln->last == ln->head)
			sl_buf_addstr(&s->out, "null");
		else if ((e = one_entry(s, ln->last, n, root, NULL, NULL, 1, ent)) < 0)
			break;
		else
			sl_buf_addch(&s->out, '}'); /* the last record has no "last" of its own */
		sl_buf_addch(&s->out, '}');
		e = flush(s, 0);
	}
	sl_buf_addch(&s->out, ']');
	sl_nsheads_release(&h);
	s->npre = 0;
	return e;
}

/*
 * The entries on either side of the prefix, proved in the checkpoint's
 * tree: seq n-1 (ts <= T) and seq n (ts > T), which pin n = N(T).  There is
 * no seq n to show when the checkpoint ends at n.
 */
static int write_bounds(struct snap *s, uint64_t n, const struct sl_checkpoint *c)
{
	struct sl_buf ent = SL_BUF_INIT;
	int e = 0;

	sl_buf_addstr(&s->out, ",\"bounds\":{\"last\":");
	if (n == 0)
		sl_buf_addstr(&s->out, "null");
	else
		e = one_entry(s, n - 1, c->size, c->root, NULL, NULL, 0, &ent);
	sl_buf_addstr(&s->out, ",\"next\":");
	if (e == 0 && c->size > n)
		e = one_entry(s, n, c->size, c->root, NULL, NULL, 0, &ent);
	else
		sl_buf_addstr(&s->out, "null");
	sl_buf_addch(&s->out, '}');
	sl_buf_release(&ent);
	return e;
}

static int write_checkpoint(struct snap *s, uint64_t n, const unsigned char root[SL_HASH_LEN])
{
	struct sl_buf note = SL_BUF_INIT, vkey = SL_BUF_INIT;
	struct sl_error perr = { 0 };
	struct sl_checkpoint c;
	struct sl_proof *p = NULL;
	uint64_t id;
	int e = sl_ledger_published_in(s->l, &id, &note, &vkey, s->err);

	if (e == SL_ENOTFOUND) {
		if (s->err)
			sl_error_clear(s->err);
		sl_buf_addstr(&s->out, "\"checkpoint\":null");
		warn(s, "the ledger has no checkpoint");
		sl_buf_addstr(&s->out, ",\"bounds\":null");
		e = 0;
		goto out;
	}
	if (e < 0)
		goto out;
	if (sl_checkpoint_parse(note.buf, note.len, &c, NULL, &perr) < 0) {
		e = sl_error_set(s->err, SL_ECORRUPT, "checkpoint %llu is malformed: %s",
				 (unsigned long long)id, perr.msg);
		goto out;
	}
	if (c.size < n) {
		char msg[160];
		snprintf(msg, sizeof(msg), "the newest checkpoint (size %llu) does not cover size %llu",
			 (unsigned long long)c.size, (unsigned long long)n);
		warn(s, msg);
		sl_buf_addstr(&s->out, "\"checkpoint\":null,\"bounds\":null");
		goto out;
	}
	sl_buf_addstr(&s->out, "\"checkpoint\":{\"note\":");
	(void)!sl_jcs_string(&s->out, note.buf, note.len);
	sl_buf_addstr(&s->out, ",\"vkey\":");
	(void)!sl_jcs_string(&s->out, vkey.buf, vkey.len);
	sl_buf_addstr(&s->out, ",\"consistency\":");
	if (n == 0) {
		/* Every tree extends the empty one; RFC 9162 has no proof for it. */
		sl_buf_addstr(&s->out, "null}");
		e = write_bounds(s, n, &c);
		goto out;
	}
	if (!(p = calloc(1, sizeof(*p)))) {
		e = SL_ENOMEM;
		goto out;
	}
	p->kind = SL_PROOF_CONSISTENCY;
	p->a = n;
	p->b = c.size;
	memcpy(p->h1, root, SL_HASH_LEN);
	/* The consistency proof's nodes and the bounds' (write_bounds), at once. */
	plan_begin(&s->nc);
	(void)!sl_merkle_consistency(get_node, &s->nc, n, c.size, p->hashes, &p->n);
	plan_inclusion(&s->nc, n - 1, c.size);
	plan_inclusion(&s->nc, n, c.size);
	if ((e = plan_fetch(&s->nc)) < 0)
		goto out;
	if ((e = sl_merkle_consistency(get_node, &s->nc, n, c.size, p->hashes, &p->n)) < 0)
		goto out;
	/* The signed root, not a stored one: the proof must join what was signed. */
	memcpy(p->h2, c.root, SL_HASH_LEN);
	if ((e = sl_proof_write(&s->out, p)) < 0)
		goto out;
	sl_buf_addch(&s->out, '}');
	e = write_bounds(s, n, &c);
out:
	free(p);
	sl_buf_release(&note);
	sl_buf_release(&vkey);
	return e;
}

static int write_prefix(struct snap *s, uint64_t n)
{
	struct sl_filter f = { 0 };
	struct sl_entry_row row;
	struct sl_scan *it = NULL;
	uint64_t next = 0;
	int e;

	sl_buf_addstr(&s->out, ",\"prefix\":[");
	if (n == 0) {
		sl_buf_addch(&s->out, ']');
		return 0;
	}
	f.below = n;
	if ((e = OPS(s->l)->scan_open(s->l->store, &f, &it, s->err)) < 0)
		return e;
	while ((e = sl_ledger_scan_next(s->l, it, &row, s->err)) == 1) {
		if (row.seq != next) {
			e = sl_error_set(s->err, SL_ECORRUPT, "entry %llu is missing",
					 (unsigned long long)next);
			break;
		}
		if (next++)
			sl_buf_addch(&s->out, ',');
		if ((e = jstr(&s->out, (const char *)row.entry, row.len)) < 0 || (e = flush(s, 0)) < 0)
			break;
		if (s->progress && (next % 1024 == 0 || next == n))
			s->progress(s->progress_ctx, next, n);
	}
	OPS(s->l)->scan_close(it);
	if (e == 0 && next != n)
		e = sl_error_set(s->err, SL_ECORRUPT, "entry %llu is missing", (unsigned long long)next);
	sl_buf_addch(&s->out, ']');
	return e;
}

/* The filter, null for none: it is part of what the snapshot claims. */
static int write_filter(struct sl_buf *b, const struct sl_snapshot_opts *o, struct sl_error *err)
{
	if (!o->type && !o->source) {
		sl_buf_addstr(b, "null");
		return 0;
	}
	sl_buf_addstr(b, "{\"type\":");
	if (!o->type)
		sl_buf_addstr(b, "null");
	else if (sl_jcs_string(b, o->type, strlen(o->type)) < 0)
		return sl_error_set(err, SL_EUSAGE, "the filter is not UTF-8");
	sl_buf_addstr(b, ",\"source\":");
	if (!o->source)
		sl_buf_addstr(b, "null");
	else if (sl_jcs_string(b, o->source, strlen(o->source)) < 0)
		return sl_error_set(err, SL_EUSAGE, "the filter is not UTF-8");
	sl_buf_addch(b, '}');
	return 0;
}

/* A named entry: the latest of its (type, source) at T. */
struct named {
	uint64_t seq;
	char *type, *source;
};

/* The pairs of a chunk as the store lists them: the last one met, and those with an entry at T. */
struct pairs {
	struct named *chunk;
	size_t k;
	int met;
	struct sl_buf *t, *src;
	struct sl_error *err;
};

static int named_pair(void *ctx, const char *type, const char *source, int found, uint64_t seq)
{
	struct pairs *p = ctx;
	struct named *x = &p->chunk[p->k];

	p->met = 1;
	if (sl_store_pair_copy(p->t, p->src, type, source, p->err) < 0)
		return SL_ENOMEM;
	if (!found)
		return 0; /* the source's first entry came after T */
	if (p->k >= CHUNK)
		return sl_error_set(p->err, SL_ERANGE, "the store gave more pairs than asked");
	x->seq = seq;
	if (!(x->type = strdup(type)) || !(x->source = strdup(source))) {
		free(x->type);
		return sl_error_set(p->err, SL_ENOMEM, "out of memory");
	}
	p->k++;
	return 0;
}

int sl_snapshot(struct sl_ledger *l, const struct sl_snapshot_opts *o, sl_write_fn write, void *ctx,
		struct sl_error *err)
{
	struct snap s = { NULL, 0, 0, o->lean, o->progress, o->progress_ctx, l, { l, err, NULL, 0, 0 }, err, write, ctx,
			  SL_BUF_INIT, SL_BUF_INIT };
	struct sl_buf t = SL_BUF_INIT, src = SL_BUF_INIT, ent = SL_BUF_INIT;
	unsigned char root[SL_HASH_LEN];
	char ts[SL_TS_LEN + 1], hex[SL_HEX_LEN + 1];
	struct named chunk[CHUNK];
	struct pairs pc = { chunk, 0, 0, &t, &src, err };
	uint64_t n;
	size_t named = 0, i, k;
	int e, have = 0, more;

	if ((e = sl_time_format(ts, o->at)) < 0)
		return sl_error_set(err, SL_EUSAGE, "time out of range");
	/* Without memory for the table, every node is read from the store alone. */
	s.nc.cache = calloc(NODE_TABLE, sizeof(*s.nc.cache));
	if ((e = OPS(l)->begin_read(l->store, err)) < 0)
		return e;
	if ((e = OPS(l)->size_at(l->store, ts, &n, err)) < 0)
		goto out;
	plan_begin(&s.nc);
	(void)!sl_merkle_root(get_node, &s.nc, n, root);
	if ((e = plan_fetch(&s.nc)) < 0 || (e = sl_merkle_root(get_node, &s.nc, n, root)) < 0)
		goto out;
	sl_hex_encode(hex, root, SL_HASH_LEN);
	sl_buf_addf(&s.out, "{\"type\":\"snapshot\",\"at\":\"%s\",\"size\":%llu,\"root\":\"%s\","
		    "\"filter\":", ts, (unsigned long long)n, hex);
	if ((e = write_filter(&s.out, o, err)) < 0)
		goto out;
	sl_buf_addstr(&s.out, ",\"entries\":[");
	for (more = 1; more;) {
		/* A chunk of named entries, their proofs' nodes read at once, then written. */
		pc.k = 0;
		e = sl_store_latest_pairs(l->store, have ? t.buf : NULL, have ? src.buf : NULL, o->type,
					  o->source, n, CHUNK, named_pair, &pc, err);
		k = pc.k;
		have = have || pc.met;
		more = e > 0;
		if (e >= 0) {
			s.npre = 0;
			if (!s.lean)
				plan_begin(&s.nc);
			for (i = 0; i < k; i++) {
				plan_inclusion(&s.nc, chunk[i].seq, n);
				pre_want(&s, chunk[i].seq);
			}
			if ((e = plan_fetch(&s.nc)) >= 0)
				e = pre_fetch(&s);
		}
		for (i = 0; e >= 0 && i < k; i++) {
			if (named++)
				sl_buf_addch(&s.out, ',');
			if ((e = one_entry(&s, chunk[i].seq, n, root, chunk[i].type, chunk[i].source, 0,
					   &ent)) >= 0)
				e = flush(&s, 0);
		}
		for (i = 0; i < k; i++) {
			free(chunk[i].type);
			free(chunk[i].source);
		}
		if (e < 0)
			goto out;
	}
	sl_buf_addstr(&s.out, "],");
	s.npre = 0;
	if ((e = write_heads(&s, o, n, root, &ent)) < 0)
		goto out;
	sl_buf_addch(&s.out, ',');
	if (s.lean)
		sl_buf_addstr(&s.out, "\"checkpoint\":null,\"bounds\":null");
	else if ((e = write_checkpoint(&s, n, root)) < 0)
		goto out;
	sl_buf_addf(&s.out, ",\"complete\":%s", o->complete ? "true" : "false");
	if (o->complete && (e = write_prefix(&s, n)) < 0)
		goto out;
	if (named == 0)
		warn(&s, "no entry at or before this time matches");
	sl_buf_addstr(&s.out, ",\"warnings\":[");
	sl_buf_add(&s.out, s.warnings.buf, s.warnings.len);
	sl_buf_addstr(&s.out, "]}");
	e = flush(&s, 1);
out:
	OPS(l)->end_read(l->store);
	free(s.nc.cache);
	for (i = 0; i < s.apre; i++)
		sl_buf_release(&s.pre[i].bytes);
	free(s.pre);
	sl_buf_release(&s.out);
	sl_buf_release(&s.warnings);
	sl_buf_release(&t);
	sl_buf_release(&src);
	sl_buf_release(&ent);
	return e;
}
