// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sl/ledger.h"

#define OPS(l) ((l)->store->ops)

int sl_origin_valid(const char *o)
{
	size_t i, n = strlen(o);

	if (n < 1 || n > SL_ORIGIN_MAX || strchr(o, '+'))
		return 0;
	for (i = 0; i < n; i++)
		if (o[i] <= 0x20 || o[i] >= 0x7f)
			return 0;
	return 1;
}

int sl_ledger_init(const char *address, const char *origin, struct sl_error *err)
{
	const struct sl_store_ops *ops;
	struct sl_store *s = NULL;
	int e;

	if (!sl_origin_valid(origin))
		return sl_error_set(err, SL_EUSAGE,
				    "invalid origin '%.64s' (1-255 printable characters, no space or '+')",
				    origin);
	if (!(ops = sl_store_for(address, err)))
		return SL_EUSAGE;
	if ((e = ops->create(address, err)) < 0)
		return e;
	if ((e = ops->open(&s, address, 0, 5000, err)) < 0)
		return e;
	if ((e = s->ops->meta_set(s, "origin", origin, err)) == 0)
		e = s->ops->meta_set(s, "format", "stateledger-1", err);
	s->ops->close(s);
	return e;
}

int sl_ledger_open(struct sl_ledger **out, const char *address, int flags, int busy_ms,
		   struct sl_error *err)
{
	const struct sl_store_ops *ops;
	struct sl_ledger *l;
	int e;

	*out = NULL;
	if (!(ops = sl_store_for(address, err)))
		return SL_EUSAGE;
	if (!(l = calloc(1, sizeof(*l))) || !(l->dir = strdup(address))) {
		free(l);
		return SL_ENOMEM;
	}
	sl_buf_init(&l->scratch);
	if ((e = ops->open(&l->store, address, flags & SL_STORE_RDONLY, busy_ms, err)) < 0) {
		free(l->dir);
		free(l);
		return e;
	}
	*out = l;
	return 0;
}

void sl_ledger_close(struct sl_ledger *l)
{
	if (!l)
		return;
	if (l->store)
		OPS(l)->close(l->store);
	sl_ledger_lanes_free(l);
	sl_buf_release(&l->scratch);
	free(l->dir);
	free(l);
}

int sl_ledger_origin(struct sl_ledger *l, struct sl_buf *out, struct sl_error *err)
{
	return OPS(l)->meta_get(l->store, "origin", out, err);
}

int sl_ledger_head(struct sl_ledger *l, struct sl_head *h, struct sl_error *err)
{
	return OPS(l)->get_head(l->store, h, err);
}

int sl_ledger_replica(struct sl_ledger *l, struct sl_error *err)
{
	return OPS(l)->replica ? OPS(l)->replica(l->store, err) : 0;
}

int sl_ledger_writable(struct sl_ledger *l, struct sl_error *err)
{
	return OPS(l)->writable ? OPS(l)->writable(l->store, err) : 0;
}

int sl_ledger_node(void *vctx, unsigned level, uint64_t index, unsigned char out[SL_HASH_LEN])
{
	struct sl_ledger_nodes *c = vctx;
	int e = OPS(c->l)->get_node(c->l->store, level, index, out, c->err);

	/* A node the head says exists but the store lacks is damage, not absence. */
	if (e == SL_ENOTFOUND)
		return sl_error_set(c->err, SL_ECORRUPT,
				    "stored tree node (level %u, index %llu) is missing", level,
				    (unsigned long long)index);
	return e;
}

static int put_node(void *vctx, unsigned level, uint64_t index, const unsigned char hash[SL_HASH_LEN])
{
	struct sl_ledger_nodes *c = vctx;

	if (level == 0) /* stored with its entry */
		return 0;
	return OPS(c->l)->put_node(c->l->store, level, index, hash, c->err);
}

int sl_ledger_append(struct sl_ledger *l, const struct sl_batch *b, struct sl_receipt *rc,
		     struct sl_error *err)
{
	struct sl_ledger_nodes nc = { l, err };
	struct sl_merkle_range r;
	struct sl_head h;
	struct sl_buf entry = SL_BUF_INIT;
	char ts[SL_TS_LEN + 1];
	int64_t now;
	size_t i;
	int e;

	if (b->n == 0)
		return 0;
	if ((e = OPS(l)->begin_write(l->store, err)) < 0)
		return e;
	if ((e = OPS(l)->get_head(l->store, &h, err)) < 0 ||
	    (e = sl_merkle_range_load(&r, sl_ledger_node, &nc, h.size)) < 0)
		goto fail;
	if (sl_time_now(&now) < 0 || sl_time_format(ts, now) < 0) {
		e = sl_error_set(err, SL_EIO, "unable to read the clock");
		goto fail;
	}
	/* ts never goes back: "the log as of T" must stay a prefix. */
	if (strcmp(ts, h.ts) < 0)
		memcpy(ts, h.ts, sizeof(ts));
	sl_ledger_lanes_begin(l, h.size); /* kept only if the log is as this appender left it */
	if ((e = sl_ledger_index_ready(l, h.size, err)) < 0)
		goto fail;
	for (i = 0; i < b->n; i++) {
		uint64_t seq = h.size + i;

		if ((e = sl_batch_entry(b, i, seq, ts, &entry, rc[i].leaf)) < 0)
			goto fail;
		if (entry.len > SL_ENTRY_MAX) {
			e = sl_entry_too_big(err, entry.len);
			if (err)
				err->line = b->items[i].line;
			goto fail;
		}
		if ((e = OPS(l)->put_entry(l->store, seq, ts, sl_batch_type(b, i), sl_batch_source(b, i),
					   entry.buf, entry.len, rc[i].leaf, err)) < 0 ||
		    (e = sl_merkle_range_append(&r, rc[i].leaf, put_node, &nc)) < 0)
			goto fail;
		{
			const unsigned char *pos;
			const char *ns;
			if (sl_batch_mutation(b, i, &ns, &pos) &&
			    (e = sl_ledger_index_key(l, seq, sl_batch_source(b, i), ns, pos, err)) < 0)
				goto fail;
		}
		rc[i].seq = seq;
		memcpy(rc[i].ts, ts, sizeof(ts));
	}
	h.size += b->n;
	sl_merkle_range_root(&r, h.root);
	memcpy(h.ts, ts, sizeof(ts));
	if ((e = OPS(l)->set_head(l->store, &h, err)) < 0 || (e = OPS(l)->commit(l->store, err)) < 0)
		goto fail;
	sl_ledger_lanes_done(l, 1, h.size);
	sl_buf_release(&entry);
	return 0;
fail:
	OPS(l)->rollback(l->store);
	sl_ledger_lanes_done(l, 0, 0);
	sl_buf_release(&entry);
	return e;
}

static int columns_differ(struct sl_buf *tail, const struct sl_entry_row *row);

int sl_ledger_append_rows(struct sl_ledger *l, const struct sl_entry_row *rows, size_t n,
			  struct sl_head *out, struct sl_error *err)
{
	struct sl_ledger_nodes nc = { l, err };
	struct sl_merkle_range r;
	struct sl_head h;
	unsigned char leaf[SL_HASH_LEN];
	size_t i;
	int e;

	if ((e = OPS(l)->begin_write(l->store, err)) < 0)
		return e;
	if ((e = OPS(l)->get_head(l->store, &h, err)) < 0 ||
	    (e = sl_merkle_range_load(&r, sl_ledger_node, &nc, h.size)) < 0)
		goto fail;
	sl_ledger_lanes_begin(l, h.size);
	if ((e = sl_ledger_index_ready(l, h.size, err)) < 0)
		goto fail;
	for (i = 0; i < n; i++) {
		const struct sl_entry_row *w = &rows[i];
		int d;

		/* The log stays a log: no gap, no overlap, and time never goes back. */
		if (w->seq != h.size) {
			e = sl_error_set(err, SL_ERANGE, "seq %llu does not follow the log, whose size "
					 "is %llu", (unsigned long long)w->seq, (unsigned long long)h.size);
			goto fail;
		}
		if (!w->ts || !sl_ts_valid(w->ts, strlen(w->ts)) || strcmp(w->ts, h.ts) < 0) {
			e = sl_error_set(err, SL_EINVAL, "seq %llu: ts '%.40s' is not a ledger ts at or "
					 "after the previous entry's", (unsigned long long)w->seq,
					 w->ts ? w->ts : "");
			goto fail;
		}
		if (w->len == 0 || w->len > SL_ENTRY_MAX) {
			e = sl_error_set(err, SL_EINVAL, "seq %llu: an entry of %zu bytes",
					 (unsigned long long)w->seq, w->len);
			goto fail;
		}
		/* The bytes are taken as they are, but they must say the columns they are filed by. */
		if ((d = columns_differ(&l->scratch, w)) != 0) {
			e = d < 0 && d != SL_EINVAL ? d : sl_error_set(err, SL_EINVAL, "seq %llu: entry does "
						      "not match its seq, ts, type and source",
						      (unsigned long long)w->seq);
			goto fail;
		}
		sl_leaf_hash(leaf, w->entry, w->len);
		if ((e = OPS(l)->put_entry(l->store, w->seq, w->ts, w->type, w->source, w->entry, w->len,
					   leaf, err)) < 0 ||
		    (e = sl_merkle_range_append(&r, leaf, put_node, &nc)) < 0)
			goto fail;
		if (strcmp(w->type, "mutation") == 0 &&
		    (e = sl_ledger_index_mutation(l, w->seq, w->source, w->entry, w->len, err)) < 0)
			goto fail;
		h.size++;
		memcpy(h.ts, w->ts, sizeof(h.ts));
	}
	sl_merkle_range_root(&r, h.root);
	if ((e = OPS(l)->set_head(l->store, &h, err)) < 0 || (e = OPS(l)->commit(l->store, err)) < 0)
		goto fail;
	sl_ledger_lanes_done(l, 1, h.size);
	if (out)
		*out = h;
	return 0;
fail:
	OPS(l)->rollback(l->store);
	sl_ledger_lanes_done(l, 0, 0);
	return e;
}

/*
 * The columns a row is found by (seq, ts, type, source) must be what its
 * hashed bytes say: `{"payload":{` and then the tail they determine.  0
 * when they are, 1 when not, a negative code when the columns cannot be
 * written as JSON (not UTF-8).  tail is scratch space.
 */
static int columns_differ(struct sl_buf *tail, const struct sl_entry_row *row)
{
	int e = sl_entry_tail(tail, row->seq, row->type, row->source, row->ts);

	if (e < 0)
		return e;
	return row->len < 12 + tail->len || memcmp(row->entry, "{\"payload\":{", 12) != 0 ||
	       memcmp(row->entry + row->len - tail->len, tail->buf, tail->len) != 0;
}

/*
 * Every read of an entry goes through here or sl_ledger_scan_next, so that
 * no program serves bytes its stored leaf hash does not cover (a hand edit
 * of the database, a flipped bit), nor an entry under a seq, time, type or
 * source its bytes do not say (rows swapped with their leaves).  Whether
 * the leaf is the tree's is sl_ledger_verify's question: checking it here
 * would mean reading the path up to the head, and whoever rewrote a leaf
 * can rewrite those nodes and the head too; only a signed checkpoint
 * anchors them.
 */
static int row_check(struct sl_ledger *l, const struct sl_entry_row *row, struct sl_error *err)
{
	unsigned char leaf[SL_HASH_LEN];
	int d = columns_differ(&l->scratch, row);

	if (d == SL_ENOMEM)
		return d;
	if (d)
		return sl_error_set(err, SL_ECORRUPT, "seq %llu: stored entry does not match its seq, ts, "
				    "type and source columns", (unsigned long long)row->seq);
	sl_leaf_hash(leaf, row->entry, row->len);
	if (!row->leaf || memcmp(leaf, row->leaf, SL_HASH_LEN) != 0)
		return sl_error_set(err, SL_ECORRUPT, "seq %llu: stored entry does not match its leaf hash",
				    (unsigned long long)row->seq);
	return 0;
}

int sl_ledger_entry(struct sl_ledger *l, uint64_t seq, struct sl_entry_row *row,
		    struct sl_error *err)
{
	int e = OPS(l)->get_entry(l->store, seq, row, err);

	return e < 0 ? e : row_check(l, row, err);
}

struct checked {
	struct sl_ledger *l;
	struct sl_error *err;
	int (*fn)(void *ctx, const struct sl_entry_row *row);
	void *ctx;
};

static int check_then(void *vctx, const struct sl_entry_row *row)
{
	struct checked *c = vctx;
	int e = row_check(c->l, row, c->err);

	return e < 0 ? e : c->fn(c->ctx, row);
}

int sl_ledger_entries(struct sl_ledger *l, size_t n, const uint64_t *seq,
		      int (*fn)(void *ctx, const struct sl_entry_row *row), void *ctx,
		      struct sl_error *err)
{
	struct checked c = { l, err, fn, ctx };

	return sl_store_get_entries(l->store, n, seq, check_then, &c, err);
}

int sl_ledger_get(struct sl_ledger *l, uint64_t seq, struct sl_buf *out, struct sl_error *err)
{
	struct sl_entry_row row;
	int e = sl_ledger_entry(l, seq, &row, err);

	if (e == 0) {
		sl_buf_reset(out);
		sl_buf_add(out, row.entry, row.len);
		e = sl_buf_ok(out);
	}
	OPS(l)->release(l->store);
	return e;
}

int sl_ledger_scan_open(struct sl_ledger *l, const struct sl_filter *f, struct sl_scan **it,
			struct sl_error *err)
{
	return OPS(l)->scan_open(l->store, f, it, err);
}

int sl_ledger_scan_next(struct sl_ledger *l, struct sl_scan *it, struct sl_entry_row *row,
			struct sl_error *err)
{
	int e = OPS(l)->scan_next(it, row, err);

	if (e == 1 && (e = row_check(l, row, err)) == 0)
		e = 1;
	return e;
}

void sl_ledger_scan_close(struct sl_ledger *l, struct sl_scan *it)
{
	OPS(l)->scan_close(it);
}

int sl_ledger_size_at(struct sl_ledger *l, const char *ts, uint64_t *n, struct sl_error *err)
{
	return OPS(l)->size_at(l->store, ts, n, err);
}

static int check_size(struct sl_ledger *l, uint64_t size, struct sl_error *err)
{
	struct sl_head h;
	int e = OPS(l)->get_head(l->store, &h, err);

	if (e < 0)
		return e;
	if (size > h.size)
		return sl_error_set(err, SL_ERANGE, "size %llu is beyond the tree size %llu",
				    (unsigned long long)size, (unsigned long long)h.size);
	return 0;
}

int sl_ledger_root(struct sl_ledger *l, uint64_t size, unsigned char out[SL_HASH_LEN],
		   struct sl_error *err)
{
	struct sl_ledger_nodes nc = { l, err };
	int e;

	if ((e = OPS(l)->begin_read(l->store, err)) < 0)
		return e;
	if ((e = check_size(l, size, err)) == 0)
		e = sl_merkle_root(sl_ledger_node, &nc, size, out);
	OPS(l)->end_read(l->store);
	return e;
}

int sl_ledger_inclusion(struct sl_ledger *l, uint64_t seq, uint64_t size,
			unsigned char proof[][SL_HASH_LEN], size_t *n,
			unsigned char leaf[SL_HASH_LEN], struct sl_error *err)
{
	struct sl_ledger_nodes nc = { l, err };
	int e;

	if ((e = OPS(l)->begin_read(l->store, err)) < 0)
		return e;
	if ((e = check_size(l, size, err)) < 0)
		goto out;
	if (seq >= size) {
		e = sl_error_set(err, SL_ERANGE, "seq %llu is not in a tree of size %llu",
				 (unsigned long long)seq, (unsigned long long)size);
		goto out;
	}
	if ((e = sl_ledger_node(&nc, 0, seq, leaf)) < 0)
		goto out;
	e = sl_merkle_inclusion(sl_ledger_node, &nc, seq, size, proof, n);
out:
	OPS(l)->end_read(l->store);
	return e;
}

int sl_ledger_consistency(struct sl_ledger *l, uint64_t m, uint64_t n,
			  unsigned char proof[][SL_HASH_LEN], size_t *count, struct sl_error *err)
{
	struct sl_ledger_nodes nc = { l, err };
	int e;

	if (m == 0 || m > n)
		return sl_error_set(err, SL_ERANGE,
				    "no consistency proof from size %llu to size %llu (need 0 < from <= to)",
				    (unsigned long long)m, (unsigned long long)n);
	if ((e = OPS(l)->begin_read(l->store, err)) < 0)
		return e;
	if ((e = check_size(l, n, err)) == 0)
		e = sl_merkle_consistency(sl_ledger_node, &nc, m, n, proof, count);
	OPS(l)->end_read(l->store);
	return e;
}

int sl_ledger_proof(struct sl_ledger *l, enum sl_proof_kind kind, uint64_t a, uint64_t b,
		    struct sl_proof *p, struct sl_error *err)
{
	int e;

	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->a = a;
	p->b = b;
	if (kind == SL_PROOF_INCLUSION) {
		if ((e = sl_ledger_inclusion(l, a, b, p->hashes, &p->n, p->h1, err)) < 0)
			return e;
		return sl_ledger_root(l, b, p->h2, err);
	}
	if ((e = sl_ledger_consistency(l, a, b, p->hashes, &p->n, err)) < 0 ||
	    (e = sl_ledger_root(l, a, p->h1, err)) < 0)
		return e;
	return sl_ledger_root(l, b, p->h2, err);
}

/*
 * Verification state: the stored nodes are read in post-order beside the
 * entries, a chunk's worth ahead (npos, nhash), and compared as the tree
 * is recomputed.
 */
struct vctx {
	struct sl_ledger *l;
	struct sl_scan *nodes;
	struct sl_error *err;
	uint64_t seq;
	const unsigned char *leaf;
	uint64_t *bad;
	const uint64_t *npos;
	const unsigned char (*nhash)[SL_HASH_LEN];
	size_t nn, ni;
};

static int check_node(void *vctx, unsigned level, uint64_t index, const unsigned char hash[SL_HASH_LEN])
{
	struct vctx *c = vctx;
	unsigned char stored[SL_HASH_LEN];
	uint64_t want, pos;
	int e;

	if (level == 0) {
		/* The stored leaf hash came with the entry row. */
		if (!c->leaf || memcmp(c->leaf, hash, SL_HASH_LEN) != 0) {
			*c->bad = c->seq;
			return sl_error_set(c->err, SL_EVERIFY,
					    "seq %llu: leaf hash of the stored entry differs from the "
					    "stored leaf hash (the entry or the tree was changed)",
					    (unsigned long long)c->seq);
		}
		return 0;
	}
	want = sl_merkle_interior_pos(level, index);
	e = c->ni < c->nn;
	if (e) {
		pos = c->npos[c->ni];
		memcpy(stored, c->nhash[c->ni], SL_HASH_LEN);
		c->ni++;
	}
	if (e == 0 || pos != want) {
		*c->bad = c->seq;
		return sl_error_set(c->err, SL_EVERIFY,
				    "seq %llu: stored tree node for seq %llu..%llu (level %u) is missing",
				    (unsigned long long)c->seq, (unsigned long long)(index << level),
				    (unsigned long long)c->seq, level);
	}
	if (memcmp(stored, hash, SL_HASH_LEN) != 0) {
		*c->bad = c->seq;
		return sl_error_set(c->err, SL_EVERIFY,
				    "seq %llu: stored tree node for seq %llu..%llu (level %u) differs "
				    "from the recomputed hash",
				    (unsigned long long)c->seq, (unsigned long long)(index << level),
				    (unsigned long long)c->seq, level);
	}
	return 0;
}

static int bad_at(struct vctx *c, uint64_t seq, const char *fmt, ...) SL_PRINTF(3, 4);

static int bad_at(struct vctx *c, uint64_t seq, const char *fmt, ...)
{
	char msg[SL_ERR_MSG];
	va_list ap;

	*c->bad = seq;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sl_error_set(c->err, SL_EVERIFY, "seq %llu: %s", (unsigned long long)seq, msg);
}
/*
 * sl-verify reads rows on this thread and checks them on a second one:
 * while chunk A is hashed (its leaves, the check of its bytes against its
 * columns, its interior nodes recomputed and compared with the stored ones
 * read ahead), chunk B is read, then A's verdict is taken.  The chunks are
 * hashed one after the other, in seq order, so the tree is built as one.
 * A row that fails a check while it is read ends its chunk with a pending
 * error, raised only after every earlier row was checked, so the first bad
 * seq is the one named.
 */
#define VCHUNK 4096
/* Interior nodes that VCHUNK leaves can complete: fewer than VCHUNK + 64. */
#define VCHUNK_NODES (VCHUNK + 64)

struct vchunk {
	size_t n;
	uint64_t seq0;       /* seq of row 0 */
	struct sl_buf data;  /* entry bytes, back to back */
	struct sl_buf cols;  /* "type\0source\0ts\0" per row, back to back */
	size_t off[VCHUNK], len[VCHUNK], coff[VCHUNK];
	unsigned char stored[VCHUNK][SL_HASH_LEN];
	unsigned char leaf[VCHUNK][SL_HASH_LEN];
	unsigned char has_leaf[VCHUNK];
	int mi[VCHUNK];      /* row's mutation index row in mut, or -1 */
	struct sl_vmut mut[VCHUNK];
	size_t nmut;
	struct sl_buf mstr;  /* the mutation rows' namespaces and sources */
	struct sl_mutlanes *lanes; /* the lanes, stepped by the chunks in turn */
	size_t nn;           /* stored interior nodes read ahead */
	uint64_t npos[VCHUNK_NODES];
	unsigned char nhash[VCHUNK_NODES][SL_HASH_LEN];
	int pend;            /* an error found after row n-1 */
	struct sl_error pend_err;
	uint64_t pend_bad;
	/* The hashing thread's part: the tree it extends, and its verdict. */
	struct sl_merkle_range *r;
	struct sl_ledger *l;
	struct sl_buf tail;
	int herr;
	struct sl_error herr_msg;
	uint64_t hbad;
	pthread_t th;
	int running;
};

/*
 * A stream row as stored, and what the entries read so far say of it.
 * Verifying from a size M > 0, a stream's state below M is not known
 * until its first entry at or after M links into it (stream_join).
 */
struct vstream {
	char *type, *source;
	uint64_t want_last, want_count;
	uint64_t last, count;
	int known;
};

struct vstate {
	struct vctx c;
	struct vstream *streams; /* streams[id - 1] */
	size_t nstreams;
	struct sl_scan *it;
	struct sl_mutcheck *mc;
	struct sl_mutlanes lanes;
	struct sl_buf tail;
	char last_ts[SL_TS_LEN + 1];
	uint64_t from;     /* the first seq read: 0, or the trusted size verified from */
	uint64_t next_seq;
	int done;
};

/* The indexed columns must be what the hashed bytes say. */
static int tail_check(struct vctx *c, struct sl_buf *tail, const struct sl_entry_row *row)
{
	int d = columns_differ(tail, row);

	if (d == SL_ENOMEM)
		return d;
	if (d < 0)
		return bad_at(c, row->seq, "stored type or source is not valid UTF-8");
	if (d)
		return bad_at(c, row->seq, "entry bytes do not match its seq, ts, type and source columns");
	return 0;
}

static void *hash_chunk(void *arg)
{
	struct vchunk *k = arg;
	struct vctx c = { k->l, NULL, &k->herr_msg, 0, NULL, &k->hbad, k->npos, k->nhash, k->nn, 0 };
	size_t i;
	int e = 0;

	for (i = 0; i < k->n; i++)
		sl_leaf_hash(k->leaf[i], k->data.buf + k->off[i], k->len[i]);
	for (i = 0; i < k->n && e == 0; i++) {
		struct sl_entry_row row = { 0 };
		row.seq = k->seq0 + i;
		row.type = k->cols.buf + k->coff[i];
		row.source = row.type + strlen(row.type) + 1;
		row.ts = row.source + strlen(row.source) + 1;
		row.entry = (const unsigned char *)k->data.buf + k->off[i];
		row.len = k->len[i];
		if ((e = tail_check(&c, &k->tail, &row)) < 0)
			break;
		if (k->mi[i] >= 0 &&
		    (e = sl_mutcheck_entry(k->lanes, &k->mut[k->mi[i]], k->mstr.buf, row.seq, row.source,
					   row.entry, row.len, &k->hbad, &k->herr_msg)) < 0)
			break;
		c.seq = k->r->size;
		c.leaf = k->has_leaf[i] ? k->stored[i] : NULL;
		e = sl_merkle_range_append(k->r, k->leaf[i], check_node, &c);
	}
	k->herr = e;
	return NULL;
}

static int chunk_start(struct vchunk *k, struct sl_merkle_range *r)
{
	k->r = r;
	k->herr = 0;
	k->running = 0;
	if (!k->n)
		return 0;
	if (pthread_create(&k->th, NULL, hash_chunk, k) != 0) {
		hash_chunk(k); /* no thread to be had: hash here */
		return 0;
	}
	k->running = 1;
	return 0;
}

static void chunk_wait(struct vchunk *k)
{
	if (k->running)
		pthread_join(k->th, NULL);
	k->running = 0;
}

/*
 * Below the size M verification starts from, a stream's entries are not
 * read: its first entry at or after M must link (prev) to an entry below
 * M of the same stream, numbered one less, or be its first (prev -1,
 * nth 0).  One read per stream, so the cost grows with the sources, not
 * with the log.  Integers only: a row of the running scan is in use.
 */
static int stream_join(struct vstate *v, struct vctx *pc, struct vstream *x, uint64_t id,
		       uint64_t seq, int64_t prev, uint64_t nth)
{
	struct sl_entry_row p;
	int e;

	x->known = 1;
	x->count = nth;
	x->last = prev < 0 ? 0 : (uint64_t)prev;
	if (prev < 0)
		return 0; /* stream_check wants nth 0 */
	if ((uint64_t)prev >= v->from || nth == 0)
		return bad_at(pc, seq, "stream index: link to the previous entry of its source "
			      "is wrong");
	if ((e = OPS(v->c.l)->get_entry(v->c.l->store, (uint64_t)prev, &p, pc->err)) < 0)
		return e == SL_ENOTFOUND ? bad_at(pc, seq, "stream index: links to entry %lld, "
						  "which is missing", (long long)prev) : e;
	if (p.stream != id || p.nth + 1 != nth)
		return bad_at(pc, seq, "stream index: link to the previous entry of its source "
			      "is wrong");
	return 0;
}

/*
 * The stream index (store.h) must say what the entries say: each entry's
 * stream is its (type, source), `prev` the previous entry of that pair and
 * `nth` the number before it.  Snapshots trust these links.
 */
static int stream_check(struct vstate *v, struct vctx *pc, const struct sl_entry_row *row)
{
	struct vstream *x;

	if (row->stream == 0 || row->stream > v->nstreams)
		return bad_at(pc, row->seq, "stream index: no stream %llu",
			      (unsigned long long)row->stream);
	x = &v->streams[row->stream - 1];
	if (strcmp(x->type, row->type) != 0 || strcmp(x->source, row->source) != 0)
		return bad_at(pc, row->seq, "stream index: stream %llu is another type or source",
			      (unsigned long long)row->stream);
	if (!x->known) {
		int e = stream_join(v, pc, x, row->stream, row->seq, row->prev, row->nth);
		if (e < 0)
			return e;
	}
	if (row->nth != x->count)
		return bad_at(pc, row->seq, "stream index: entry is counted as number %llu of its "
			      "source, not %llu", (unsigned long long)row->nth,
			      (unsigned long long)x->count);
	if (x->count ? row->prev != (int64_t)x->last : row->prev != -1)
		return bad_at(pc, row->seq, "stream index: link to the previous entry of its source "
			      "is wrong");
	x->last = row->seq;
	x->count++;
	return 0;
}

static int streams_load(struct vstate *v, struct sl_error *err)
{
	struct sl_scan *it;
	struct sl_stream_row r;
	size_t cap = 0;
	int e;

	if ((e = OPS(v->c.l)->streams_open(v->c.l->store, &it, err)) < 0)
		return e;
	while ((e = OPS(v->c.l)->streams_next(it, &r, err)) == 1) {
		struct vstream *x;
		if (r.id != v->nstreams + 1) {
			e = sl_error_set(err, SL_EVERIFY, "stream index: stream ids are not 1..n "
					 "(found %llu after %zu)", (unsigned long long)r.id, v->nstreams);
			break;
		}
		if (v->nstreams == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct vstream *t = ncap > SIZE_MAX / sizeof(*t) ? NULL
					    : realloc(v->streams, ncap * sizeof(*t));
			if (!t) {
				e = SL_ENOMEM;
				break;
			}
			v->streams = t, cap = ncap;
		}
		x = &v->streams[v->nstreams];
		memset(x, 0, sizeof(*x));
		x->type = strdup(r.type);
		x->source = strdup(r.source);
		v->nstreams++;
		if (!x->type || !x->source) {
			e = SL_ENOMEM;
			break;
		}
		x->want_last = r.last;
		x->want_count = r.count;
		x->known = v->from == 0;
	}
	OPS(v->c.l)->scan_close(it);
	return e;
}

static int streams_final(struct vstate *v, struct sl_error *err)
{
	size_t i;

	for (i = 0; i < v->nstreams; i++) {
		struct vstream *x = &v->streams[i];
		if (!x->known && x->want_count) {
			/* No entry at or after the trusted size: its row must name one below it. */
			struct sl_entry_row p;
			int e = x->want_last < v->from
				? OPS(v->c.l)->get_entry(v->c.l->store, x->want_last, &p, err)
				: SL_ENOTFOUND;
			if (e < 0 && e != SL_ENOTFOUND)
				return e;
			if (e == 0 && p.stream == i + 1 && p.nth + 1 == x->want_count)
				continue;
			return sl_error_set(err, SL_EVERIFY, "stream index: the row of %s '%.200s' "
					    "records %llu %s up to seq %lld, which the entries "
					    "do not say", x->type, x->source,
					    (unsigned long long)x->want_count,
					    sl_plural(x->want_count, "entry", "entries"), (long long)x->want_last);
		}
		if (x->count != x->want_count || (x->count && x->last != x->want_last))
			return sl_error_set(err, SL_EVERIFY, "stream index: the row of %s '%.200s' "
					    "records %llu %s up to seq %lld; the entries say %llu "
					    "up to seq %lld", x->type, x->source,
					    (unsigned long long)x->want_count,
					    sl_plural(x->want_count, "entry", "entries"),
					    x->want_count ? (long long)x->want_last : -1LL,
					    (unsigned long long)x->count,
					    x->count ? (long long)x->last : -1LL);
	}
	return 0;
}

/* Read and check up to VCHUNK rows; a failed check becomes the chunk's pending error. */
static int chunk_fill(struct vstate *v, struct vchunk *k)
{
	struct sl_entry_row row;
	struct sl_error perr = { 0 };
	struct vctx pc = v->c;
	int e;

	k->n = 0;
	k->nn = 0;
	k->pend = 0;
	k->seq0 = v->next_seq;
	k->l = v->c.l;
	sl_buf_reset(&k->data);
	sl_buf_reset(&k->cols);
	sl_buf_reset(&k->mstr);
	k->nmut = 0;
	k->lanes = &v->lanes;
	pc.err = &perr;
	pc.bad = &k->pend_bad;
	while (!v->done && k->n < VCHUNK) {
		if ((e = OPS(v->c.l)->scan_next(v->it, &row, v->c.err)) < 0)
			return e;
		if (e == 0) {
			v->done = 1;
			break;
		}
		if (row.seq != v->next_seq)
			k->pend = bad_at(&pc, v->next_seq, "entry is missing");
		else if (!sl_ts_valid(row.ts, strlen(row.ts)))
			k->pend = bad_at(&pc, row.seq, "ts '%.40s' is not a ledger timestamp", row.ts);
		else if (strcmp(row.ts, v->last_ts) < 0)
			k->pend = bad_at(&pc, row.seq, "ts %.40s is earlier than the previous entry's", row.ts);
		else if ((k->pend = stream_check(v, &pc, &row)) < 0 && k->pend == SL_EVERIFY) {
			/* The hashing thread checks the bytes against the columns; first here. */
			struct sl_error terr = { 0 };
			struct vctx tc = pc;
			tc.err = &terr;
			if (tail_check(&tc, &v->tail, &row) < 0)
				perr = terr;
		}
		if (!k->pend) {
			int m = sl_mutcheck_row(v->mc, row.seq, row.type, &k->mut[k->nmut], &k->mstr,
						&k->pend_bad, &perr);
			if (m < 0 && m != SL_EVERIFY) {
				*v->c.err = perr; /* its message is in the pending error */
				return m;
			}
			k->pend = m < 0 ? m : 0;
			k->mi[k->n] = m == 1 ? (int)k->nmut++ : -1;
		}
		if (k->pend) {
			k->pend_err = perr;
			v->done = 1;
			break;
		}
		memcpy(v->last_ts, row.ts, sizeof(v->last_ts));
		k->off[k->n] = k->data.len;
		k->len[k->n] = row.len;
		sl_buf_add(&k->data, row.entry, row.len);
		k->coff[k->n] = k->cols.len;
		sl_buf_add(&k->cols, row.type, strlen(row.type) + 1);
		sl_buf_add(&k->cols, row.source, strlen(row.source) + 1);
		sl_buf_add(&k->cols, row.ts, strlen(row.ts) + 1);
		k->has_leaf[k->n] = row.leaf != NULL;
		if (row.leaf)
			memcpy(k->stored[k->n], row.leaf, SL_HASH_LEN);
		k->n++;
		v->next_seq++;
	}
	/* The interior nodes these leaves complete, read ahead for the hashing thread. */
	if (k->n) {
		uint64_t a = k->seq0, b = k->seq0 + k->n, want;
		want = (b - (uint64_t)__builtin_popcountll(b)) - (a - (uint64_t)__builtin_popcountll(a));
		while (k->nn < want) {
			if ((e = OPS(v->c.l)->nodes_next(v->c.nodes, &k->npos[k->nn], k->nhash[k->nn],
							 v->c.err)) < 0)
				return e;
			if (e == 0)
				break;
			k->nn++;
		}
	}
	if ((e = sl_buf_ok(&k->data)) < 0 || (e = sl_buf_ok(&k->mstr)) < 0)
		return e;
	return sl_buf_ok(&k->cols);
}

/* Take a hashed chunk's verdict: the thread's, else the pending error of its reading. */
static int chunk_check(struct vstate *v, struct vchunk *k, sl_progress_fn progress, void *ctx,
		       uint64_t total)
{
	uint64_t done = k->seq0 + k->n - v->from;

	if (k->herr) {
		*v->c.bad = k->hbad;
		*v->c.err = k->herr_msg;
		return k->herr;
	}
	/* Once a chunk (VCHUNK entries): the caller decides how often to show it. */
	if (progress && k->n)
		progress(ctx, done, total);
	if (k->pend) {
		*v->c.bad = k->pend_bad;
		*v->c.err = k->pend_err;
		return SL_EVERIFY;
	}
	return 0;
}

int sl_ledger_verify(struct sl_ledger *l, sl_progress_fn progress, void *ctx,
		     struct sl_head *verified, uint64_t *bad_seq, struct sl_error *err)
{
	return sl_ledger_verify_from(l, 0, NULL, progress, ctx, verified, bad_seq, err);
}

/* Verifying from a trusted (size, root): the stored tree at that size must have that root. */
static int verify_start(struct vstate *v, struct sl_merkle_range *r, const struct sl_head *h,
			const unsigned char from_root[SL_HASH_LEN], struct sl_error *err)
{
	struct sl_ledger_nodes nc = { v->c.l, err };
	struct sl_entry_row row;
	unsigned char root[SL_HASH_LEN];
	int e;

	if (v->from > h->size) {
		*v->c.bad = h->size;
		return sl_error_set(err, SL_EVERIFY, "the log holds %llu %s, fewer than the "
				    "trusted size %llu", (unsigned long long)h->size,
				    sl_plural(h->size, "entry", "entries"),
				    (unsigned long long)v->from);
	}
	if ((e = sl_merkle_range_load(r, sl_ledger_node, &nc, v->from)) < 0)
		return e == SL_ECORRUPT ? sl_error_set(err, SL_EVERIFY, "the tree of the trusted "
						       "size %llu: %s", (unsigned long long)v->from,
						       err ? err->msg : "") : e;
	sl_merkle_range_root(r, root);
	if (memcmp(root, from_root, SL_HASH_LEN) != 0)
		return sl_error_set(err, SL_EVERIFY, "the stored tree of size %llu is not the trusted "
				    "one: its root differs", (unsigned long long)v->from);
	if (v->from == 0)
		return 0;
	if ((e = OPS(v->c.l)->get_entry(v->c.l->store, v->from - 1, &row, err)) < 0)
		return e == SL_ENOTFOUND ? bad_at(&v->c, v->from - 1, "entry is missing") : e;
	if (!sl_ts_valid(row.ts, strlen(row.ts)))
		return bad_at(&v->c, v->from - 1, "ts '%.40s' is not a ledger timestamp", row.ts);
	/*
	 * The entries after the trusted size must not precede this ts: it must
	 * be the one its hashed bytes say, and those bytes the signed tree's
	 * last leaf, else an edited column would let an earlier ts through.
	 */
	{
		unsigned char proof[SL_PROOF_MAX][SL_HASH_LEN], leaf[SL_HASH_LEN];
		struct sl_hashref refs[SL_PROOF_MAX], lf = { leaf, SL_HASH_LEN }, rt = { from_root, SL_HASH_LEN };
		struct sl_buf tail = SL_BUF_INIT;
		size_t n, i;

		e = tail_check(&v->c, &tail, &row);
		sl_buf_release(&tail);
		if (e < 0)
			return e;
		sl_leaf_hash(leaf, row.entry, row.len);
		memcpy(v->last_ts, row.ts, sizeof(v->last_ts)); /* before the row's memory is reused */
		if ((e = sl_merkle_inclusion(sl_ledger_node, &nc, v->from - 1, v->from, proof, &n)) < 0)
			return e;
		for (i = 0; i < n; i++)
			refs[i].p = proof[i], refs[i].len = SL_HASH_LEN;
		if (sl_merkle_verify_inclusion(v->from - 1, v->from, lf, refs, n, rt, NULL) < 0)
			return bad_at(&v->c, v->from - 1, "its bytes are not the last leaf of the trusted "
				      "tree");
	}
	return 0;
}

int sl_ledger_verify_from(struct sl_ledger *l, uint64_t from,
			  const unsigned char from_root[SL_HASH_LEN], sl_progress_fn progress,
			  void *ctx, struct sl_head *verified, uint64_t *bad_seq,
			  struct sl_error *err)
{
	struct sl_filter all = { 0 };
	struct sl_merkle_range r = { 0 };
	struct sl_head h;
	struct vstate v = { { l, NULL, err, 0, NULL, bad_seq, NULL, NULL, 0, 0 }, NULL, 0, NULL, NULL,
			    { NULL, 0 }, SL_BUF_INIT, "", 0, 0, 0 };
	struct vchunk *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b)), *t;
	unsigned char root[SL_HASH_LEN];
	int e;

	*bad_seq = UINT64_MAX;
	if (!a || !b) {
		free(a);
		free(b);
		return SL_ENOMEM;
	}
	sl_buf_init(&a->data);
	sl_buf_init(&b->data);
	sl_buf_init(&a->cols);
	sl_buf_init(&b->cols);
	sl_buf_init(&a->tail);
	sl_buf_init(&b->tail);
	sl_buf_init(&a->mstr);
	sl_buf_init(&b->mstr);
	v.from = v.next_seq = all.from = from;
	if ((e = OPS(l)->begin_read(l->store, err)) < 0)
		goto done;
	if ((e = OPS(l)->get_head(l->store, &h, err)) < 0 ||
	    (from && (e = verify_start(&v, &r, &h, from_root, err)) < 0) ||
	    (e = streams_load(&v, err)) < 0 ||
	    (e = sl_mutcheck_open(l, from, &v.mc, err)) < 0 ||
	    (e = OPS(l)->scan_open(l->store, &all, &v.it, err)) < 0 ||
	    (e = OPS(l)->nodes_open(l->store, from - (uint64_t)__builtin_popcountll(from),
				    &v.c.nodes, err)) < 0 ||
	    (e = chunk_fill(&v, a)) < 0)
		goto out;
	chunk_start(a, &r);
	for (;;) {
		int last = a->pend || v.done;

		e = 0;
		if (last)
			b->n = 0, b->pend = 0;
		else
			e = chunk_fill(&v, b);
		chunk_wait(a);
		if (e < 0)
			goto out;
		chunk_start(b, &r);
		/* b hashes while a is checked and, next round, while the one after b is read. */
		e = chunk_check(&v, a, progress, ctx, h.size - from);
		if (e < 0)
			goto out;
		if (b->n == 0 && !b->pend)
			break;
		t = a, a = b, b = t;
	}
	if (r.size < h.size) {
		e = bad_at(&v.c, r.size, "entry is missing (the head records more entries)");
		goto out;
	}
	if (r.size > h.size) {
		e = bad_at(&v.c, h.size, "entry is beyond the head's size");
		goto out;
	}
	{
		uint64_t pos;
		unsigned char extra[SL_HASH_LEN];
		if ((e = OPS(l)->nodes_next(v.c.nodes, &pos, extra, err)) < 0)
			goto out;
		if (e == 1) {
			e = sl_error_set(err, SL_EVERIFY,
					 "stored interior node %llu lies beyond the tree of %llu %s",
					 (unsigned long long)pos, (unsigned long long)h.size,
					 sl_plural(h.size, "entry", "entries"));
			goto out;
		}
	}
	sl_merkle_range_root(&r, root);
	if (memcmp(root, h.root, SL_HASH_LEN) != 0) {
		e = sl_error_set(err, SL_EVERIFY, "the head's root differs from the recomputed root");
		goto out;
	}
	if (strcmp(h.ts, v.last_ts) != 0) {
		e = sl_error_set(err, SL_EVERIFY, "the head's ts differs from the last entry's ts");
		goto out;
	}
	if ((e = streams_final(&v, err)) < 0 ||
	    (e = sl_mutcheck_end(v.mc, h.size, bad_seq, err)) < 0)
		goto out;
	if (progress)
		progress(ctx, r.size - from, h.size - from);
	*verified = h;
	e = 0;
out:
	chunk_wait(a);
	chunk_wait(b);
	if (v.it)
		OPS(l)->scan_close(v.it);
	if (v.c.nodes)
		OPS(l)->scan_close(v.c.nodes);
	sl_mutcheck_close(v.mc);
	OPS(l)->end_read(l->store);
done:
	while (v.nstreams--) {
		free(v.streams[v.nstreams].type);
		free(v.streams[v.nstreams].source);
	}
	free(v.streams);
	sl_buf_release(&v.tail);
	sl_buf_release(&a->data);
	sl_buf_release(&b->data);
	sl_buf_release(&a->cols);
	sl_buf_release(&b->cols);
	sl_buf_release(&a->tail);
	sl_buf_release(&b->tail);
	sl_buf_release(&a->mstr);
	sl_buf_release(&b->mstr);
	sl_mutlanes_release(&v.lanes);
	free(a);
	free(b);
	return e;
}
