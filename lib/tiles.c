// SPDX-License-Identifier: MIT
/* The log as C2SP tlog-tiles (lib/sl/tiles.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl/checkpoint.h"
#include "sl/file.h"
#include "sl/tiles.h"

#define OPS(l) ((l)->store->ops)

int sl_tile_path(struct sl_buf *out, int level, uint64_t n, unsigned w)
{
	unsigned groups[8];
	int k = 0;

	if (level == SL_TILE_ENTRIES)
		sl_buf_addstr(out, "tile/entries/");
	else
		sl_buf_addf(out, "tile/%d/", level);
	/* 1234067 -> x001/x234/067: groups of three digits, all but the last after an x. */
	do {
		groups[k++] = (unsigned)(n % 1000);
		n /= 1000;
	} while (n);
	while (k--)
		sl_buf_addf(out, "%s%03u%s", k ? "x" : "", groups[k], k ? "/" : "");
	if (w < SL_TILE_WIDTH)
		sl_buf_addf(out, ".p/%u", w);
	return sl_buf_ok(out);
}

int sl_tile_hashes(struct sl_ledger *l, unsigned level, uint64_t n, unsigned w, struct sl_buf *out,
		   struct sl_error *err)
{
	struct sl_ledger_nodes nc = { l, err };
	unsigned char h[SL_HASH_LEN];
	unsigned i;
	int e;

	for (i = 0; i < w; i++) {
		if ((e = sl_ledger_node(&nc, 8 * level, n * SL_TILE_WIDTH + i, h)) < 0)
			return e;
		sl_buf_add(out, h, SL_HASH_LEN);
	}
	return sl_buf_ok(out);
}

int sl_tile_entries(struct sl_ledger *l, uint64_t n, unsigned w, struct sl_buf *out,
		    struct sl_error *err)
{
	struct sl_filter f = { 0 };
	struct sl_entry_row row;
	struct sl_scan *it;
	uint64_t want = n * SL_TILE_WIDTH;
	int e;

	f.from = want;
	f.below = want + w;
	if ((e = sl_ledger_scan_open(l, &f, &it, err)) < 0)
		return e;
	while ((e = sl_ledger_scan_next(l, it, &row, err)) == 1) {
		if (row.seq != want || row.len > 0xffff) {
			e = sl_error_set(err, SL_ECORRUPT, "entry %llu %s", (unsigned long long)want,
					 row.seq != want ? "is missing" : "is longer than 65535 bytes");
			break;
		}
		sl_buf_addch(out, (int)(row.len >> 8));
		sl_buf_addch(out, (int)(row.len & 0xff));
		sl_buf_add(out, row.entry, row.len);
		want++;
	}
	sl_ledger_scan_close(l, it);
	if (e == 0 && want != n * SL_TILE_WIDTH + w)
		e = sl_error_set(err, SL_ECORRUPT, "entry %llu is missing", (unsigned long long)want);
	return e < 0 ? e : sl_buf_ok(out);
}

struct exporter {
	struct sl_ledger *l;
	const char *dir;
	struct sl_buf path, data;
	struct sl_tiles_stats *st;
	struct sl_error *err;
};

/* Write one tile or bundle unless it is there already. */
static int put_tile(struct exporter *x, int level, uint64_t n, unsigned w)
{
	struct stat sb;
	char *slash;
	int e;

	sl_buf_reset(&x->path);
	sl_buf_addf(&x->path, "%s/", x->dir);
	if ((e = sl_tile_path(&x->path, level, n, w)) < 0)
		return e;
	if (stat(x->path.buf, &sb) == 0) {
		x->st->kept++;
		return 0;
	}
	sl_buf_reset(&x->data);
	e = level == SL_TILE_ENTRIES ? sl_tile_entries(x->l, n, w, &x->data, x->err)
				     : sl_tile_hashes(x->l, (unsigned)level, n, w, &x->data, x->err);
	if (e < 0)
		return e;
	slash = strrchr(x->path.buf, '/');
	*slash = '\0';
	e = sl_mkdir_p(x->path.buf, 0755, x->err);
	*slash = '/';
	if (e < 0)
		return e;
	/* Not fsynced one by one: the whole file system is, before the checkpoint is written. */
	if ((e = sl_file_replace(x->path.buf, x->data.buf, x->data.len, 0644, 0, x->err)) < 0)
		return e;
	x->st->written++;
	return 0;
}

/* The partial tiles and bundle of a tree of size s (none where s is a multiple of 256^(L+1)). */
static int put_partials(struct exporter *x, uint64_t s)
{
	unsigned level;
	int e;

	for (level = 0; level < 8 && s >> (8 * level); level++) {
		uint64_t count = s >> (8 * level);
		unsigned w = (unsigned)(count % SL_TILE_WIDTH);
		if (!w)
			continue;
		if ((e = put_tile(x, (int)level, count / SL_TILE_WIDTH, w)) < 0)
			return e;
		if (level == 0 && (e = put_tile(x, SL_TILE_ENTRIES, count / SL_TILE_WIDTH, w)) < 0)
			return e;
	}
	return 0;
}

/* The checkpoint already in dir: another log's, or one beyond this ledger, is refused. */
static int check_existing(struct exporter *x, const struct sl_checkpoint *newest)
{
	struct sl_checkpoint c;
	char buf[SL_NOTE_MAX];
	ssize_t n;
	int fd;

	sl_buf_reset(&x->path);
	sl_buf_addf(&x->path, "%s/checkpoint", x->dir);
	if (sl_buf_ok(&x->path) < 0)
		return SL_ENOMEM;
	if ((fd = open(x->path.buf, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? 0 : sl_error_set(x->err, SL_EIO, "unable to open '%s': %s",
							  x->path.buf, strerror(errno));
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0)
		return sl_error_set(x->err, SL_EIO, "unable to read '%s': %s", x->path.buf,
				    strerror(errno));
	if (sl_checkpoint_parse(buf, (size_t)n, &c, NULL, NULL) < 0)
		return sl_error_set(x->err, SL_EEXIST, "'%s' is not a checkpoint; refusing to write "
				    "tiles beside it", x->path.buf);
	if (strcmp(c.origin, newest->origin) != 0)
		return sl_error_set(x->err, SL_EEXIST, "'%s' holds the tiles of another log (%.200s)",
				    x->dir, c.origin);
	if (c.size > newest->size)
		return sl_error_set(x->err, SL_EEXIST, "'%s' holds tiles of size %llu, beyond this "
				    "ledger's newest checkpoint (%llu)", x->dir,
				    (unsigned long long)c.size, (unsigned long long)newest->size);
	return 0;
}

int sl_tiles_export(struct sl_ledger *l, const char *dir, struct sl_tiles_stats *st,
		    struct sl_error *err)
{
	return sl_tiles_export_progress(l, dir, NULL, NULL, st, err);
}

int sl_tiles_export_progress(struct sl_ledger *l, const char *dir, sl_progress_fn progress, void *ctx,
			     struct sl_tiles_stats *st, struct sl_error *err)
{
	struct exporter x = { l, dir, SL_BUF_INIT, SL_BUF_INIT, st, err };
	struct sl_buf note = SL_BUF_INIT, sizes = SL_BUF_INIT;
	struct sl_checkpoint newest;
	size_t i;
	struct sl_checkpoint_row row;
	struct sl_scan *it = NULL;
	unsigned level;
	uint64_t nfull = 0, done = 0;
	int e, fd;

	memset(st, 0, sizeof(*st));
	/* No read transaction around it all: what lies below a signed size never changes. */
	if ((e = sl_ledger_published_checkpoint(l, &note, err)) < 0) {
		if (e == SL_ENOTFOUND)
			sl_error_set(err, e, "the ledger has no checkpoint: sign one with sl-checkpoint");
		goto out;
	}
	if ((e = sl_checkpoint_parse(note.buf, note.len, &newest, NULL, err)) < 0) {
		e = SL_ECORRUPT;
		goto out;
	}
	st->size = newest.size;
	if ((e = sl_mkdir_p(dir, 0755, err)) < 0 || (e = check_existing(&x, &newest)) < 0)
		goto out;
	/* Every full tile and bundle of the newest size: they never change once written. */
	for (level = 0; level < 8 && newest.size >> (8 * level); level++)
		nfull += (newest.size >> (8 * level)) / SL_TILE_WIDTH * (level == 0 ? 2 : 1);
	for (level = 0; level < 8 && newest.size >> (8 * level); level++) {
		uint64_t n, full = (newest.size >> (8 * level)) / SL_TILE_WIDTH;
		for (n = 0; n < full; n++) {
			if ((e = put_tile(&x, (int)level, n, SL_TILE_WIDTH)) < 0 ||
			    (level == 0 && (e = put_tile(&x, SL_TILE_ENTRIES, n, SL_TILE_WIDTH)) < 0))
				goto out;
			done += level == 0 ? 2 : 1;
			if (progress)
				progress(ctx, done, nfull);
		}
	}
	/*
	 * The partial tiles of every checkpointed size, as the spec requires:
	 * the sizes first (8 bytes each), as a listing holds its own read.
	 */
	if ((e = OPS(l)->checkpoints_open(l->store, 0, &it, err)) < 0)
		goto out;
	while ((e = OPS(l)->checkpoints_next(it, &row, err)) == 1)
		if (row.size <= newest.size)
			sl_buf_add(&sizes, &row.size, sizeof(row.size));
	OPS(l)->scan_close(it);
	it = NULL;
	if (e < 0 || (e = sl_buf_ok(&sizes)) < 0)
		goto out;
	for (i = 0; i < sizes.len / sizeof(uint64_t); i++) {
		uint64_t s;
		memcpy(&s, sizes.buf + i * sizeof(s), sizeof(s));
		st->checkpoints++;
		if ((e = put_partials(&x, s)) < 0)
			goto out;
	}
	/* The tiles are on disk before the checkpoint that points at them. */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || syncfs(fd) != 0) {
		e = sl_error_set(err, sl_errno_code(errno), "unable to sync '%s': %s", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	sl_buf_reset(&x.path);
	sl_buf_addf(&x.path, "%s/checkpoint", dir);
	if ((e = sl_buf_ok(&x.path)) < 0)
		goto out;
	if ((e = sl_file_replace(x.path.buf, note.buf, note.len, 0644, 1, err)) < 0)
		goto out;
	st->written++;
out:
	if (it)
		OPS(l)->scan_close(it);
	sl_buf_release(&sizes);
	sl_buf_release(&note);
	sl_buf_release(&x.path);
	sl_buf_release(&x.data);
	return e < 0 ? e : 0;
}

/* The first checkpoint with id >= from: 1 with its id and size, 0 when there is none. */
static int checkpoint_from(struct sl_ledger *l, uint64_t from, uint64_t *id, uint64_t *size,
			   struct sl_error *err)
{
	struct sl_checkpoint_row row;
	struct sl_scan *it;
	int e;

	if ((e = OPS(l)->checkpoints_open(l->store, from, &it, err)) < 0)
		return e;
	if ((e = OPS(l)->checkpoints_next(it, &row, err)) == 1) {
		*id = row.id;
		*size = row.size;
	}
	OPS(l)->scan_close(it);
	return e;
}

int sl_tiles_signed_between(struct sl_ledger *l, uint64_t lo, uint64_t hi, struct sl_error *err)
{
	struct sl_buf note = SL_BUF_INIT, vkey = SL_BUF_INIT;
	uint64_t last, a = 1, b, best_size = UINT64_MAX;
	int e;

	if ((e = OPS(l)->begin_read(l->store, err)) < 0)
		return e;
	e = OPS(l)->last_checkpoint(l->store, UINT64_MAX, &last, &note, &vkey, err);
	OPS(l)->end_read(l->store);
	sl_buf_release(&note);
	sl_buf_release(&vkey);
	if (e < 0)
		return e == SL_ENOTFOUND ? 0 : e;
	/*
	 * Each checkpoint is consistent with the one before, so sizes never
	 * fall in id order: find the first id whose size is >= lo by halving
	 * the ids (gaps allowed), one single-row listing a step.
	 */
	b = last;
	while (a <= b) {
		uint64_t mid = a + (b - a) / 2, id = 0, size = 0;
		if ((e = checkpoint_from(l, mid, &id, &size, err)) < 0)
			return e;
		if (e == 0 || id > b) {
			b = mid - 1;
		} else if (size >= lo) {
			best_size = size;
			b = mid - 1;
		} else {
			a = id + 1;
		}
	}
	return best_size >= lo && best_size < hi;
}

/* Reading tiles back: the complete subtrees of a tree of `size` from its tiles alone. */
struct tiles_src {
	const struct sl_tiles_source *src;
	uint64_t size;
	struct sl_error *err;
	struct sl_buf path, data;
	int have;
	unsigned level, w;
	uint64_t n;
	unsigned char h[SL_TILE_WIDTH][SL_HASH_LEN];
};

static int dir_get(void *ctx, const char *path, size_t max, struct sl_buf *out,
		   struct sl_error *err)
{
	struct sl_buf p = SL_BUF_INIT;
	ssize_t got = 0;
	size_t have = 0;
	int fd, e = 0;

	sl_buf_addf(&p, "%s/%s", (const char *)ctx, path);
	if ((e = sl_buf_ok(&p)) < 0)
		return e;
	sl_buf_reset(out);
	if ((fd = open(p.buf, O_RDONLY | O_CLOEXEC)) < 0) {
		e = sl_error_set(err, errno == ENOENT ? SL_ENOTFOUND : SL_EIO,
				 "unable to open '%s': %s", p.buf, strerror(errno));
		goto out;
	}
	while (have < max) {
		char chunk[4096];
		size_t want = max - have < sizeof(chunk) ? max - have : sizeof(chunk);
		if ((got = read(fd, chunk, want)) <= 0)
			break;
		sl_buf_add(out, chunk, (size_t)got);
		have += (size_t)got;
	}
	close(fd);
	if (got < 0)
		e = sl_error_set(err, SL_EIO, "unable to read '%s': %s", p.buf, strerror(errno));
	else
		e = sl_buf_ok(out);
out:
	sl_buf_release(&p);
	return e;
}

void sl_tiles_dir_source(struct sl_tiles_source *src, const char *dir)
{
	src->get = dir_get;
	src->ctx = (void *)(uintptr_t)dir;
	src->name = dir;
}

static int tile_load(struct tiles_src *t, unsigned level, uint64_t n)
{
	uint64_t count = t->size >> (8 * level);
	unsigned w;
	int e;

	if (t->have && t->level == level && t->n == n)
		return 0;
	t->have = 0;
	if (n * SL_TILE_WIDTH >= count)
		return sl_error_set(t->err, SL_ERANGE, "tile %u/%llu lies beyond a tree of %llu %s",
				    level, (unsigned long long)n, (unsigned long long)t->size,
				    sl_plural(t->size, "entry", "entries"));
	w = count - n * SL_TILE_WIDTH >= SL_TILE_WIDTH ? SL_TILE_WIDTH
						       : (unsigned)(count - n * SL_TILE_WIDTH);
	sl_buf_reset(&t->path);
	if ((e = sl_tile_path(&t->path, (int)level, n, w)) < 0)
		return e;
	/* One byte more than it may hold: a longer tile is caught. */
	if ((e = t->src->get(t->src->ctx, t->path.buf, sizeof(t->h) + 1, &t->data, t->err)) < 0)
		return e;
	if (t->data.len != (size_t)w * SL_HASH_LEN)
		return sl_error_set(t->err, SL_ECORRUPT, "'%s/%s' is not %u hashes", t->src->name,
				    t->path.buf, w);
	memcpy(t->h, t->data.buf, t->data.len);
	t->have = 1, t->level = level, t->n = n, t->w = w;
	return 0;
}

static int tiles_node(void *ctx, unsigned level, uint64_t index, unsigned char out[SL_HASH_LEN])
{
	struct tiles_src *t = ctx;
	unsigned tl = level / 8, r = level % 8, k, span = 1u << r;
	uint64_t first = index << r;
	unsigned char buf[SL_TILE_WIDTH][SL_HASH_LEN];
	unsigned off;
	int e;

	if ((e = tile_load(t, tl, first / SL_TILE_WIDTH)) < 0)
		return e;
	off = (unsigned)(first % SL_TILE_WIDTH);
	if (off + span > t->w)
		return sl_error_set(t->err, SL_ECORRUPT, "subtree (level %u, index %llu) is not "
				    "complete in '%s/%s'", level, (unsigned long long)index,
				    t->src->name, t->path.buf);
	/* The tile holds the subtree's hashes at height 8 * tl: hash them up r levels. */
	memcpy(buf, t->h[off], (size_t)span * SL_HASH_LEN);
	for (; span > 1; span /= 2)
		for (k = 0; k < span / 2; k++)
			sl_node_hash(buf[k], buf[2 * k], buf[2 * k + 1]);
	memcpy(out, buf[0], SL_HASH_LEN);
	return 0;
}

int sl_tiles_checkpoint_from(const struct sl_tiles_source *src, struct sl_buf *note,
			     struct sl_checkpoint *c, struct sl_error *err)
{
	int e;

	if ((e = src->get(src->ctx, "checkpoint", SL_NOTE_MAX + 1, note, err)) < 0)
		return e;
	if (note->len > SL_NOTE_MAX)
		return sl_error_set(err, SL_EINVAL, "'%s/checkpoint' is longer than a note may be",
				    src->name);
	return sl_checkpoint_parse(note->buf, note->len, c, NULL, err);
}

int sl_tiles_checkpoint(const char *dir, struct sl_buf *note, struct sl_checkpoint *c,
			struct sl_error *err)
{
	struct sl_tiles_source src;

	sl_tiles_dir_source(&src, dir);
	return sl_tiles_checkpoint_from(&src, note, c, err);
}

static struct tiles_src *tiles_src_new(const struct sl_tiles_source *src, uint64_t size,
				       struct sl_error *err)
{
	struct tiles_src *t = calloc(1, sizeof(*t));

	if (t) {
		t->src = src;
		t->size = size;
		t->err = err;
		sl_buf_init(&t->path);
		sl_buf_init(&t->data);
	}
	return t;
}

static void tiles_src_free(struct tiles_src *t)
{
	sl_buf_release(&t->path);
	sl_buf_release(&t->data);
	free(t);
}

int sl_tiles_root_from(const struct sl_tiles_source *src, uint64_t size,
		       unsigned char out[SL_HASH_LEN], struct sl_error *err)
{
	struct tiles_src *t = tiles_src_new(src, size, err);
	int e;

	if (!t)
		return SL_ENOMEM;
	e = sl_merkle_root(tiles_node, t, size, out);
	tiles_src_free(t);
	return e;
}

int sl_tiles_root(const char *dir, uint64_t size, unsigned char out[SL_HASH_LEN],
		  struct sl_error *err)
{
	struct sl_tiles_source src;

	sl_tiles_dir_source(&src, dir);
	return sl_tiles_root_from(&src, size, out, err);
}

int sl_tiles_proof_from(const struct sl_tiles_source *src, enum sl_proof_kind kind, uint64_t a,
			uint64_t b, struct sl_proof *p, struct sl_error *err)
{
	struct tiles_src *t = tiles_src_new(src, b, err);
	int e;

	if (!t)
		return SL_ENOMEM;
	memset(p, 0, sizeof(*p));
	p->kind = kind;
	p->a = a;
	p->b = b;
	if (kind == SL_PROOF_INCLUSION) {
		if (a >= b) {
			e = sl_error_set(err, SL_ERANGE, "seq %llu is not in a tree of %llu %s",
					 (unsigned long long)a, (unsigned long long)b,
					 sl_plural(b, "entry", "entries"));
			goto out;
		}
		if ((e = sl_merkle_inclusion(tiles_node, t, a, b, p->hashes, &p->n)) < 0 ||
		    (e = tiles_node(t, 0, a, p->h1)) < 0)
			goto out;
	} else {
		if ((e = sl_merkle_consistency(tiles_node, t, a, b, p->hashes, &p->n)) < 0 ||
		    (e = sl_merkle_root(tiles_node, t, a, p->h1)) < 0)
			goto out;
	}
	e = sl_merkle_root(tiles_node, t, b, p->h2);
out:
	if (e == SL_ERANGE && !err->msg[0])
		sl_error_set(err, e, "sizes outside the tree");
	tiles_src_free(t);
	return e;
}

int sl_tiles_proof(const char *dir, enum sl_proof_kind kind, uint64_t a, uint64_t b,
		   struct sl_proof *p, struct sl_error *err)
{
	struct sl_tiles_source src;

	sl_tiles_dir_source(&src, dir);
	return sl_tiles_proof_from(&src, kind, a, b, p, err);
}
