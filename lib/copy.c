// SPDX-License-Identifier: MIT
/*
 * sl-copy's work (lib/sl/copy.h): compare what the destination holds with
 * the source, then carry over the artifacts, the entries and the
 * checkpoints it lacks, and prove the roots.  Talks only to the ledger and
 * store interfaces, never to a backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl/artifact.h"
#include "sl/checkpoint.h"
#include "sl/copy.h"
#include "sl/merkle.h"

#define OPS(l) ((l)->store->ops)

/*
 * Open the ledger at dst just made, by us or (wait_ms > 0) by another
 * program still making it: its ledger.db is named only once whole, so
 * until then dst holds no ledger, and that is waited out for up to
 * wait_ms.
 */
static int open_made(struct sl_ledger **out, const char *dst, int busy_ms, int wait_ms,
		     struct sl_error *err)
{
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	int e, waited = 0;

	while ((e = sl_ledger_open(out, dst, 0, busy_ms, err)) == SL_ENOLEDGER && waited < wait_ms) {
		if (err)
			sl_error_clear(err);
		nanosleep(&tick, NULL);
		waited += 10;
	}
	return e;
}

int sl_copy_open_dst(struct sl_ledger **out, const char *dst, struct sl_ledger *src, int busy_ms,
		     int *created, struct sl_error *err)
{
	struct sl_buf so = SL_BUF_INIT, dor = SL_BUF_INIT;
	int e;

	*out = NULL;
	*created = 0;
	if ((e = sl_ledger_origin(src, &so, err)) < 0)
		goto out;
	e = sl_ledger_open(out, dst, 0, busy_ms, err);
	if (e == SL_ENOLEDGER) {
		if (err)
			sl_error_clear(err);
		/* Another copy (or sl-init) may have made it meanwhile: then it is opened as found. */
		if ((e = sl_ledger_init(dst, so.buf, err)) < 0 && e != SL_EEXIST)
			goto out;
		if (e == SL_EEXIST && err)
			sl_error_clear(err);
		*created = e == 0;
		e = open_made(out, dst, busy_ms, e == SL_EEXIST ? busy_ms : 0, err);
	}
	if (e < 0)
		goto out;
	e = sl_ledger_origin(*out, &dor, err);
	if (e == SL_ENOTFOUND) {
		struct sl_head h;
		/* Made by an init (or a copy) stopped before it named the ledger: name it now. */
		if (err)
			sl_error_clear(err);
		if ((e = sl_ledger_head(*out, &h, err)) < 0)
			goto out;
		if (h.size != 0) {
			e = sl_error_set(err, SL_ECORRUPT, "the destination holds entries but no origin");
			goto out;
		}
		if ((e = OPS(*out)->meta_set((*out)->store, "origin", so.buf, err)) == 0)
			e = OPS(*out)->meta_set((*out)->store, "format", "stateledger-1", err);
	} else if (e == 0 && strcmp(dor.buf, so.buf) != 0) {
		e = sl_error_set(err, SL_EVERIFY, "the destination's origin '%.255s' is not the source's "
				 "'%.255s' (copy to a new address, or make it with sl-init --origin)",
				 dor.buf, so.buf);
	}
out:
	if (e < 0 && *out) {
		sl_ledger_close(*out);
		*out = NULL;
	}
	sl_buf_release(&so);
	sl_buf_release(&dor);
	return e;
}

/* The root of the first `size` entries from l's stored tree, inside the caller's transaction. */
static int root_at(struct sl_ledger *l, uint64_t size, unsigned char out[SL_HASH_LEN],
		   struct sl_error *err)
{
	struct sl_ledger_nodes nc = { l, err };

	return sl_merkle_root(sl_ledger_node, &nc, size, out);
}

static void scans_close(struct sl_ledger *src, struct sl_scan *a, struct sl_ledger *dst,
			struct sl_scan *b)
{
	if (a)
		OPS(src)->scan_close(a);
	if (b)
		OPS(dst)->scan_close(b);
}

static int differs(uint64_t *bad, uint64_t seq, struct sl_error *err, const char *what)
{
	*bad = seq;
	return sl_error_set(err, SL_EVERIFY, "seq %llu: the destination's entry differs from the "
			    "source's (%s)", (unsigned long long)seq, what);
}

/*
 * Every entry below n in dst against src's of the same seq.  src's rows
 * are checked as they are read (a damaged source is SL_ECORRUPT); dst's
 * are taken as stored, to be compared, byte for byte, leaf hash and all.
 */
static int compare_entries(struct sl_ledger *src, struct sl_ledger *dst, uint64_t n, uint64_t *bad,
			   struct sl_error *err)
{
	struct sl_filter f = { 0 };
	struct sl_scan *a = NULL, *b = NULL;
	struct sl_entry_row r, d;
	uint64_t seq;
	int e, ea, eb;

	if (n == 0)
		return 0;
	f.below = n;
	if ((e = OPS(src)->scan_open(src->store, &f, &a, err)) < 0 ||
	    (e = OPS(dst)->scan_open(dst->store, &f, &b, err)) < 0)
		goto out;
	for (seq = 0; seq < n; seq++) {
		if ((ea = sl_ledger_scan_next(src, a, &r, err)) < 0) {
			e = ea;
			goto out;
		}
		if (ea == 0 || r.seq != seq) {
			e = sl_error_set(err, SL_ECORRUPT, "seq %llu: the source lacks the entry",
					 (unsigned long long)seq);
			goto out;
		}
		if ((eb = OPS(dst)->scan_next(b, &d, err)) < 0) {
			e = eb;
			goto out;
		}
		if (eb == 0 || d.seq != seq) {
			e = differs(bad, seq, err, "it is missing");
			goto out;
		}
		if (strcmp(d.ts, r.ts) != 0)
			e = differs(bad, seq, err, "its ts");
		else if (strcmp(d.type, r.type) != 0 || strcmp(d.source, r.source) != 0)
			e = differs(bad, seq, err, "its type or source");
		else if (d.len != r.len || memcmp(d.entry, r.entry, r.len) != 0)
			e = differs(bad, seq, err, "its bytes");
		else if (!d.leaf || memcmp(d.leaf, r.leaf, SL_HASH_LEN) != 0)
			e = differs(bad, seq, err, "its stored leaf hash");
		if (e < 0)
			goto out;
	}
	e = 0;
out:
	scans_close(src, a, dst, b);
	return e;
}

/*
 * dst's checkpoints must be src's first ones, note and keys as signed;
 * *have is set to how many dst holds.
 */
static int compare_checkpoints(struct sl_ledger *src, struct sl_ledger *dst, uint64_t *have,
			       uint64_t *bad_cp, struct sl_error *err)
{
	struct sl_scan *a = NULL, *b = NULL;
	struct sl_checkpoint_row r, d;
	int e, ea;

	*have = 0;
	if ((e = OPS(src)->checkpoints_open(src->store, 1, &a, err)) < 0 ||
	    (e = OPS(dst)->checkpoints_open(dst->store, 1, &b, err)) < 0)
		goto out;
	while ((e = OPS(dst)->checkpoints_next(b, &d, err)) == 1) {
		if ((ea = OPS(src)->checkpoints_next(a, &r, err)) < 0) {
			e = ea;
			goto out;
		}
		if (ea == 0) {
			*bad_cp = d.id;
			e = sl_error_set(err, SL_EVERIFY, "checkpoint %llu: the destination holds more "
					 "checkpoints than the source", (unsigned long long)d.id);
			goto out;
		}
		if (d.size != r.size || d.note_len != r.note_len ||
		    memcmp(d.note, r.note, r.note_len) != 0 || strcmp(d.vkey, r.vkey) != 0) {
			*bad_cp = d.id;
			e = sl_error_set(err, SL_EVERIFY, "checkpoint %llu: the destination's checkpoint "
					 "(size %llu) differs from the source's %llu", (unsigned long long)d.id,
					 (unsigned long long)d.size, (unsigned long long)r.id);
			goto out;
		}
		++*have;
	}
out:
	scans_close(src, a, dst, b);
	return e;
}

/* Writing nothing: does dst agree with src on all it holds?  *dh, *ncp: what it holds. */
static int agree(struct sl_ledger *src, const struct sl_head *sh, struct sl_ledger *dst,
		 struct sl_head *dh, uint64_t *ncp, uint64_t *bad, uint64_t *bad_cp,
		 struct sl_error *err)
{
	unsigned char rs[SL_HASH_LEN], rd[SL_HASH_LEN];
	uint64_t n;
	int e;

	if ((e = OPS(dst)->begin_read(dst->store, err)) < 0)
		return e;
	if ((e = OPS(dst)->get_head(dst->store, dh, err)) < 0)
		goto out;
	n = dh->size < sh->size ? dh->size : sh->size;
	if ((e = compare_entries(src, dst, n, bad, err)) < 0)
		goto out;
	if (dh->size > sh->size) {
		*bad = sh->size;
		e = sl_error_set(err, SL_EVERIFY, "seq %llu: the destination holds %llu %s, more "
				 "than the source's %llu", (unsigned long long)sh->size,
				 (unsigned long long)dh->size, sl_plural(dh->size, "entry", "entries"),
				 (unsigned long long)sh->size);
		goto out;
	}
	/* The same leaves: the same tree, unless its nodes or head were changed. */
	if ((e = root_at(src, n, rs, err)) < 0)
		goto out;
	if ((e = root_at(dst, n, rd, err)) < 0 && e != SL_ECORRUPT)
		goto out;
	if (e < 0 || memcmp(rs, rd, SL_HASH_LEN) != 0 || memcmp(rd, dh->root, SL_HASH_LEN) != 0) {
		e = sl_error_set(err, SL_EVERIFY, "the destination's tree of size %llu is not the "
				 "source's (its stored nodes or its head differ)", (unsigned long long)n);
		goto out;
	}
	e = compare_checkpoints(src, dst, ncp, bad_cp, err);
out:
	OPS(dst)->end_read(dst->store);
	return e;
}

/*
 * What dst holds must also be a sound ledger: its stream and mutation
 * index, its head's ts and its stored nodes are derived rows that the
 * comparison above does not read, and the entries copied next are
 * indexed and sequenced from them.  A destination sl-verify would call
 * damaged is one that disagrees, named by the seq it found.
 */
static int dst_sound(struct sl_ledger *dst, uint64_t *bad, struct sl_error *err)
{
	struct sl_head vh;
	uint64_t vbad = UINT64_MAX;
	char msg[SL_ERR_MSG];
	int e = sl_ledger_verify(dst, NULL, NULL, &vh, &vbad, err);

	if (e != SL_EVERIFY && e != SL_ECORRUPT)
		return e;
	snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
	if (vbad == UINT64_MAX)
		return sl_error_set(err, SL_EVERIFY, "the destination is damaged (%s)", msg);
	*bad = vbad;
	return sl_error_set(err, SL_EVERIFY, "seq %llu: the destination is damaged (%s)",
			    (unsigned long long)vbad, msg);
}

struct artctx {
	struct sl_ledger *src, *dst;
	struct sl_copy_stats *st;
	struct sl_error *err;
};

static int copy_artifact(void *vctx, const unsigned char digest[SL_HASH_LEN])
{
	struct artctx *c = vctx;
	int created, e = sl_artifact_copy_in(c->src->store, c->src->dir, c->dst->dir, digest, &created,
						 c->err);

	if (e < 0)
		return e;
	c->st->artifacts++;
	c->st->artifacts_copied += (uint64_t)created;
	return 0;
}

/* A batch of entries read from the source, copied out of its rows. */
struct item {
	uint64_t seq;
	size_t off;   /* its ts, type, source (each NUL-terminated) and bytes in data */
	size_t len;   /* the bytes' length */
};

struct batch {
	struct sl_buf data;
	struct item *items;
	struct sl_entry_row *rows;
	size_t n, cap;
};

static int batch_add(struct batch *b, const struct sl_entry_row *r)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 1024;
		struct item *items = realloc(b->items, cap * sizeof(*items));
		struct sl_entry_row *rows;

		if (!items)
			return SL_ENOMEM;
		b->items = items;
		if (!(rows = realloc(b->rows, cap * sizeof(*rows))))
			return SL_ENOMEM;
		b->rows = rows;
		b->cap = cap;
	}
	b->items[b->n].seq = r->seq;
	b->items[b->n].off = b->data.len;
	b->items[b->n].len = r->len;
	sl_buf_add(&b->data, r->ts, strlen(r->ts) + 1);
	sl_buf_add(&b->data, r->type, strlen(r->type) + 1);
	sl_buf_add(&b->data, r->source, strlen(r->source) + 1);
	sl_buf_add(&b->data, r->entry, r->len);
	b->n++;
	return sl_buf_ok(&b->data);
}

static int batch_flush(struct batch *b, struct sl_ledger *dst, struct sl_error *err)
{
	size_t i;
	int e;

	/* The pointers are made only now: data may have moved while it grew. */
	for (i = 0; i < b->n; i++) {
		struct sl_entry_row *w = &b->rows[i];
		const char *p = b->data.buf + b->items[i].off;

		memset(w, 0, sizeof(*w));
		w->seq = b->items[i].seq;
		w->ts = p;
		p += strlen(p) + 1;
		w->type = p;
		p += strlen(p) + 1;
		w->source = p;
		p += strlen(p) + 1;
		w->entry = (const unsigned char *)p;
		w->len = b->items[i].len;
	}
	e = sl_ledger_append_rows(dst, b->rows, b->n, NULL, err);
	b->n = 0;
	sl_buf_reset(&b->data);
	return e;
}

static void batch_release(struct batch *b)
{
	sl_buf_release(&b->data);
	free(b->items);
	free(b->rows);
}

/*
 * A batch that no longer follows the destination's log: another writer
 * (or a killed copy's transaction, still committing) appended since the
 * comparison.  Whether the destination now disagrees is for the next
 * run's comparison to say; this one is a temporary failure.
 */
static int moved(int e, struct sl_error *err)
{
	char msg[SL_ERR_MSG];

	if (e != SL_ERANGE)
		return e;
	snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
	return sl_error_set(err, SL_EBUSY, "another writer appended to the destination during the "
			    "copy (%s): run sl-copy again", msg);
}

/*
 * The comparison made again after another writer moved dst found that
 * the destination no longer agrees with the source: a permanent
 * failure, said with its cause.
 */
static int moved_apart(int e, struct sl_error *err)
{
	char msg[SL_ERR_MSG];

	if (e != SL_EVERIFY)
		return e;
	snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
	return sl_error_set(err, SL_EVERIFY, "another writer appended to the destination during the "
			    "copy, and it no longer agrees with the source: %s", msg);
}

/* How many times the comparison and copy are made when another writer moves dst meanwhile. */
#define COPY_TRIES 5

/* Copy entries [from, to) of src to dst; *copied: how many were committed. */
static int copy_entries(struct sl_ledger *src, struct sl_ledger *dst, uint64_t from, uint64_t to,
			const struct sl_copy_opts *o, uint64_t *copied, struct sl_error *err)
{
	struct sl_filter f = { 0 };
	struct batch b = { SL_BUF_INIT, NULL, NULL, 0, 0 };
	struct sl_scan *it = NULL;
	struct sl_entry_row r;
	size_t max = o->batch ? o->batch : SL_COPY_BATCH;
	uint64_t next = from, flushed = from;
	int e;

	*copied = 0;
	if (from >= to)
		return 0;
	f.from = from;
	f.below = to;
	if ((e = OPS(src)->scan_open(src->store, &f, &it, err)) < 0)
		return e;
	while ((e = sl_ledger_scan_next(src, it, &r, err)) == 1) {
		if (r.seq != next) {
			e = sl_error_set(err, SL_ECORRUPT, "seq %llu: the source lacks the entry",
					 (unsigned long long)next);
			break;
		}
		next++;
		if ((e = batch_add(&b, &r)) < 0)
			break;
		if (b.n >= max || b.data.len >= SL_COPY_BATCH_BYTES) {
			if ((e = moved(batch_flush(&b, dst, err), err)) < 0)
				break;
			flushed = next;
			if (o->progress)
				o->progress(o->ctx, next - from, to - from);
		}
	}
	if (e == 0 && next != to)
		e = sl_error_set(err, SL_ECORRUPT, "seq %llu: the source lacks the entry",
				 (unsigned long long)next);
	if (e == 0 && b.n) {
		if ((e = moved(batch_flush(&b, dst, err), err)) == 0)
			flushed = next;
		if (e == 0 && o->progress)
			o->progress(o->ctx, next - from, to - from);
	}
	*copied = flushed - from;
	OPS(src)->scan_close(it);
	batch_release(&b);
	return e;
}

/*
 * The source's checkpoints after the first `skip`: with dst NULL, checked
 * against the source itself (signature, origin, root at their size) before
 * anything is written, a bad one being a damaged source; else stored in
 * dst, as signed, with the same checks against dst's tree.
 */
static int each_checkpoint(struct sl_ledger *src, struct sl_ledger *dst, uint64_t skip,
			   struct sl_copy_stats *st, uint64_t *bad_cp, struct sl_error *err)
{
	struct sl_scan *it = NULL;
	struct sl_checkpoint_row r;
	struct sl_buf prev = SL_BUF_INIT;
	uint64_t i = 0;
	int e;

	if ((e = OPS(src)->checkpoints_open(src->store, 1, &it, err)) < 0)
		return e;
	while ((e = OPS(src)->checkpoints_next(it, &r, err)) == 1) {
		/*
		 * Stored only after the one before it: another copy of the same
		 * source that stored it meanwhile is not doubled (1: it is there).
		 */
		if (i++ >= skip)
			e = dst ? sl_ledger_checkpoint_put_after(dst, r.note, r.note_len, r.vkey,
								 i > 1 ? prev.buf : NULL, prev.len, err)
				: sl_ledger_checkpoint_check(src, r.note, r.note_len, r.vkey, err);
		if (e == 0 || e == 1) {
			st->checkpoints_copied += dst && i > skip && e == 0;
			sl_buf_reset(&prev);
			sl_buf_add(&prev, r.note, r.note_len);
			if ((e = sl_buf_ok(&prev)) == 0)
				continue;
		}
		if (e < 0 && e != SL_EBUSY) {
			*bad_cp = r.id;
			if (!dst && e == SL_EVERIFY) {
				char msg[SL_ERR_MSG];
				snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
				e = sl_error_set(err, SL_ECORRUPT, "the source's checkpoint %llu: %s",
						 (unsigned long long)r.id, msg);
			}
		}
		break;
	}
	OPS(src)->scan_close(it);
	sl_buf_release(&prev);
	if (e == 0)
		st->checkpoints = i;
	return e;
}

/*
 * The proof: at every checkpoint's size and at the head, the root of each
 * ledger's own stored tree, equal to each other and to the signed root.
 */
static int prove_roots(struct sl_ledger *src, const struct sl_head *sh, struct sl_ledger *dst,
		       struct sl_copy_stats *st, uint64_t *bad_seq, uint64_t *bad_cp,
		       struct sl_error *err)
{
	struct sl_scan *it = NULL;
	struct sl_checkpoint_row r;
	struct sl_head dh;
	unsigned char rs[SL_HASH_LEN], rd[SL_HASH_LEN];
	uint64_t last = UINT64_MAX;
	int e;

	if ((e = OPS(dst)->begin_read(dst->store, err)) < 0)
		return e;
	if ((e = OPS(dst)->get_head(dst->store, &dh, err)) < 0)
		goto out;
	/*
	 * Another writer appended after the last batch: the first entry the
	 * source does not have is named, as the comparison names it.
	 */
	if (dh.size > sh->size) {
		*bad_seq = sh->size;
		e = sl_error_set(err, SL_EVERIFY, "seq %llu: another writer appended to the destination "
				 "after the copy: it holds %llu %s, more than the source's %llu",
				 (unsigned long long)sh->size, (unsigned long long)dh.size,
				 sl_plural(dh.size, "entry", "entries"), (unsigned long long)sh->size);
		goto out;
	}
	if (dh.size != sh->size) {
		*bad_seq = dh.size;
		e = sl_error_set(err, SL_EVERIFY, "seq %llu: the destination holds %llu %s after the copy, "
				 "not the source's %llu", (unsigned long long)dh.size, (unsigned long long)dh.size,
				 sl_plural(dh.size, "entry", "entries"),
				 (unsigned long long)sh->size);
		goto out;
	}
	if ((e = OPS(src)->checkpoints_open(src->store, 1, &it, err)) < 0)
		goto out;
	while ((e = OPS(src)->checkpoints_next(it, &r, err)) == 1) {
		if (r.size == last)
			continue;
		last = r.size;
		if ((e = root_at(src, r.size, rs, err)) < 0 || (e = root_at(dst, r.size, rd, err)) < 0)
			break;
		if (!r.root || memcmp(rs, r.root, SL_HASH_LEN) != 0 || memcmp(rd, rs, SL_HASH_LEN) != 0) {
			*bad_cp = r.id;
			e = sl_error_set(err, SL_EVERIFY, "checkpoint %llu: the roots at size %llu differ "
					 "(source %s, destination %s the signed root)", (unsigned long long)r.id,
					 (unsigned long long)r.size,
					 r.root && !memcmp(rs, r.root, SL_HASH_LEN) ? "has" : "has not",
					 r.root && !memcmp(rd, r.root, SL_HASH_LEN) ? "has" : "has not");
			break;
		}
		st->roots++;
	}
	OPS(src)->scan_close(it);
	if (e < 0)
		goto out;
	if ((e = root_at(src, sh->size, rs, err)) < 0 || (e = root_at(dst, sh->size, rd, err)) < 0)
		goto out;
	if (memcmp(rs, sh->root, SL_HASH_LEN) != 0 || memcmp(rd, rs, SL_HASH_LEN) != 0 ||
	    memcmp(dh.root, rd, SL_HASH_LEN) != 0) {
		e = sl_error_set(err, SL_EVERIFY, "the roots at the head (size %llu) differ",
				 (unsigned long long)sh->size);
		goto out;
	}
	if (last != sh->size)
		st->roots++;
	memcpy(st->root, rd, SL_HASH_LEN);
out:
	OPS(dst)->end_read(dst->store);
	return e;
}

int sl_ledger_copy(struct sl_ledger *src, struct sl_ledger *dst, const struct sl_copy_opts *o,
		   struct sl_copy_stats *st, uint64_t *bad_seq, uint64_t *bad_cp,
		   struct sl_error *err)
{
	struct sl_head sh, dh;
	uint64_t ncp = 0, copied, pending;
	int e, tries;

	memset(st, 0, sizeof(*st));
	*bad_seq = UINT64_MAX;
	*bad_cp = UINT64_MAX;
	/* One state of the source from start to end: its head when the copy began. */
	if ((e = OPS(src)->begin_read(src->store, err)) < 0)
		return e;
	if ((e = OPS(src)->get_head(src->store, &sh, err)) < 0)
		goto out;
	if ((e = agree(src, &sh, dst, &dh, &ncp, bad_seq, bad_cp, err)) < 0 ||
	    (e = dst_sound(dst, bad_seq, err)) < 0 ||
	    (e = each_checkpoint(src, NULL, ncp, st, bad_cp, err)) < 0)
		goto out;
	st->entries = sh.size;
	st->from = dh.size;
	/*
	 * Artifacts first, so that an entry naming one never arrives before
	 * it; then the entries in batches; then the checkpoints over them.
	 */
	{
		struct artctx ac = { src, dst, st, err };
		if ((e = sl_artifact_each_in(src->store, src->dir, copy_artifact, &ac, err)) < 0)
			goto out;
	}
	/*
	 * Another writer (most likely another copy of the same source) may
	 * append to dst or store a checkpoint between the comparison and the
	 * copy: then what it wrote is compared in turn and the copy goes on
	 * from there, a few times before giving up with the temporary failure.
	 */
	for (tries = 1;; tries++) {
		e = copy_entries(src, dst, dh.size, sh.size, o, &copied, err);
		st->copied += copied;
		if (e == 0)
			e = each_checkpoint(src, dst, ncp, st, bad_cp, err);
		if (e != SL_EBUSY || tries == COPY_TRIES)
			break;
		if (err)
			sl_error_clear(err);
		if ((e = agree(src, &sh, dst, &dh, &ncp, bad_seq, bad_cp, err)) < 0 ||
		    (e = dst_sound(dst, bad_seq, err)) < 0) {
			e = moved_apart(e, err);
			goto out;
		}
	}
	if (e < 0 || (e = prove_roots(src, &sh, dst, st, bad_seq, bad_cp, err)) < 0)
		goto out;
	/*
	 * The pending mark too: a checkpoint still awaiting its witnesses must
	 * not be served as published by the copy (its ids are the source's).
	 */
	if ((e = sl_ledger_pending_in(src, &pending, err)) < 0 ||
	    (e = sl_ledger_pending_set(dst, pending, err)) < 0)
		goto out;
	e = 0;
out:
	OPS(src)->end_read(src->store);
	return e;
}
