// SPDX-License-Identifier: MIT
/*
 * The content-addressed artifact store.  Every write goes through a
 * temporary file that is fsynced and renamed, then the directory is
 * fsynced: after a crash a name either is absent or holds the whole
 * content.  Every read re-hashes.
 */
#include "sl/artifact.h"
#include "sl/file.h"
#include "sl/store.h"

#define CHUNK 65536

int sl_artifact_digest_parse(const char *s, unsigned char digest[SL_HASH_LEN])
{
	if (!strncmp(s, "sha256:", 7))
		s += 7;
	return sl_hex_decode(digest, SL_HASH_LEN, s, strlen(s));
}

int sl_artifact_path(struct sl_buf *out, const char *ledger, const unsigned char digest[SL_HASH_LEN])
{
	char hex[SL_HEX_LEN + 1];

	sl_hex_encode(hex, digest, SL_HASH_LEN);
	sl_buf_addf(out, "%s/artifacts/sha256/%.2s/%s", ledger, hex, hex);
	return sl_buf_ok(out);
}

static int sys_err(struct sl_error *err, const char *what, const char *path)
{
	int e = errno;

	return sl_error_set(err, sl_errno_code(e), "unable to %s '%s': %s", what,
			    path, strerror(e));
}

/* ---------------------------------------------------------------------------
 * Artifacts in the ledger's database (a ledger that keeps no files: the
 * store's artifact ops), so that every server sees them.  The content is
 * read whole into memory; every read re-hashes it, as for files.
 */

static int db_open(const char *ledger, struct sl_store **s, struct sl_error *err)
{
	const struct sl_store_ops *ops = sl_store_for(ledger, err);

	if (!ops)
		return SL_EUSAGE;
	if (!ops->artifact_put)
		return sl_error_set(err, SL_EUSAGE, "a %s ledger keeps no artifacts", ops->name);
	return ops->open(s, ledger, 0, 10000, err);
}

static int db_mismatch(struct sl_error *err, const unsigned char digest[SL_HASH_LEN])
{
	char hex[SL_HEX_LEN + 1];

	sl_hex_encode(hex, digest, SL_HASH_LEN);
	return sl_error_set(err, SL_EVERIFY, "artifact sha256:%s does not hold the content its name says "
			    "(altered or damaged)", hex);
}

/* The stored bytes of digest in out, checked: 0, SL_ENOTFOUND, SL_EVERIFY or a store error. */
static int db_get(struct sl_store *in, const char *ledger, const unsigned char digest[SL_HASH_LEN],
		  struct sl_buf *out, struct sl_error *err)
{
	unsigned char have[SL_HASH_LEN];
	struct sl_store *s = in;
	int e;

	if (!s && (e = db_open(ledger, &s, err)) < 0)
		return e;
	e = s->ops->artifact_get(s, digest, out, err);
	if (s != in)
		s->ops->close(s);
	if (e == 0 && out) {
		sl_sha256(have, out->buf, out->len);
		if (memcmp(have, digest, SL_HASH_LEN))
			e = db_mismatch(err, digest);
	}
	return e;
}

static ssize_t read_some(int fd, void *p, size_t n);

static int db_put(const char *ledger, int fd, const void *mem, size_t len, unsigned char digest[SL_HASH_LEN],
		  uint64_t *size, int *created, struct sl_error *err)
{
	struct sl_buf b = SL_BUF_INIT;
	struct sl_store *s;
	ssize_t r = 0;
	int e;

	if (fd >= 0) {
		char *chunk = malloc(CHUNK);
		if (!chunk)
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		while ((r = read_some(fd, chunk, CHUNK)) > 0 && sl_buf_ok(&b) == 0)
			sl_buf_add(&b, chunk, (size_t)r);
		free(chunk);
		if (sl_buf_ok(&b) < 0) {
			sl_buf_release(&b);
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		}
		if (r < 0) {
			e = sys_err(err, "read", "the artifact's input");
			sl_buf_release(&b);
			return e;
		}
		mem = b.buf;
		len = b.len;
	}
	sl_sha256(digest, mem, len);
	if ((e = db_open(ledger, &s, err)) == 0) {
		e = s->ops->artifact_put(s, digest, mem, len, created, err);
		s->ops->close(s);
	}
	if (e == 0 && size)
		*size = len;
	sl_buf_release(&b);
	return e;
}

static int db_verify_all(const char *ledger, sl_artifact_fn fn, void *ctx, uint64_t *count,
			 uint64_t *bad, struct sl_error *err)
{
	unsigned char d[SL_HASH_LEN];
	char name[16 + SL_HEX_LEN], hex[SL_HEX_LEN + 1];
	struct sl_buf b = SL_BUF_INIT;
	struct sl_store *s;
	struct sl_scan *it;
	uint64_t cnt = 0, nbad = 0;
	int e, r;

	if ((e = db_open(ledger, &s, err)) < 0)
		return e;
	/* One connection lists while a second reads: a listing holds its own transaction. */
	if ((e = s->ops->artifacts_open(s, &it, err)) == 0) {
		while ((e = s->ops->artifacts_next(it, d, err)) == 1) {
			struct sl_error one = { 0 };
			cnt++;
			sl_hex_encode(hex, d, SL_HASH_LEN);
			snprintf(name, sizeof(name), "sha256/%.2s/%s", hex, hex);
			r = db_get(NULL, ledger, d, &b, &one);
			if (r == SL_ENOMEM || r == SL_EIO || r == SL_EBUSY) {
				e = sl_error_set(err, r, "%s", one.msg);
				break;
			}
			if (r < 0)
				nbad++;
			if ((e = fn(ctx, name, r == SL_ENOTFOUND ? SL_EVERIFY : r, r < 0 ? one.msg : "")) < 0)
				break;
		}
		s->ops->scan_close(it);
	}
	s->ops->close(s);
	sl_buf_release(&b);
	if (count)
		*count = cnt;
	if (bad)
		*bad = nbad;
	return e < 0 ? e : 0;
}

/* Each digest a database ledger keeps, in byte order (sl_artifact_each). */
static int db_each(struct sl_store *in, const char *ledger,
		   int (*fn)(void *ctx, const unsigned char digest[SL_HASH_LEN]), void *ctx, struct sl_error *err)
{
	unsigned char d[SL_HASH_LEN];
	struct sl_store *s = in;
	struct sl_scan *it;
	int e;

	if (!s && (e = db_open(ledger, &s, err)) < 0)
		return e;
	if ((e = s->ops->artifacts_open(s, &it, err)) == 0) {
		while ((e = s->ops->artifacts_next(it, d, err)) == 1)
			if ((e = fn(ctx, d)) < 0)
				break;
		s->ops->scan_close(it);
	}
	if (s != in)
		s->ops->close(s);
	return e < 0 ? e : 0;
}

int sl_artifact_store_check(const char *ledger, struct sl_error *err)
{
	/* A directory ledger keeps artifacts as files; a database ledger in the database. */
	const struct sl_store_ops *ops = sl_store_for(ledger, err);
	struct sl_buf p = SL_BUF_INIT;
	struct sl_store *s;
	struct stat st;
	int e = 0;

	if (!ops)
		return SL_EUSAGE;
	if (!sl_store_keeps_files(ledger)) {
		if ((e = db_open(ledger, &s, err)) == 0)
			s->ops->close(s);
		return e;
	}
	sl_buf_addf(&p, "%s/artifacts", ledger);
	if ((e = sl_buf_ok(&p)) < 0)
		return sl_error_set(err, e, "out of memory");
	if (stat(p.buf, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			e = sl_error_set(err, SL_ENOLEDGER, "'%s' is not a ledger (no artifacts directory)",
					 ledger);
		else
			e = sys_err(err, "look at", p.buf);
	} else if (!S_ISDIR(st.st_mode)) {
		e = sl_error_set(err, SL_ENOLEDGER, "'%s' is not a directory", p.buf);
	}
	sl_buf_release(&p);
	return e;
}

static int fsync_dir(const char *path, struct sl_error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return sys_err(err, "open directory", path);
	if (fsync(fd) != 0) {
		int e = sys_err(err, "fsync directory", path);
		close(fd);
		return e;
	}
	if (close(fd) != 0)
		return sys_err(err, "close directory", path);
	return 0;
}

/* mkdir that is durable: the parent is fsynced when the directory is new. */
static int make_dir(const char *path, const char *parent, struct sl_error *err)
{
	if (mkdir(path, 0700) == 0)
		return fsync_dir(parent, err);
	if (errno == EEXIST)
		return 0;
	return sys_err(err, "create directory", path);
}

static ssize_t read_some(int fd, void *p, size_t n)
{
	ssize_t r;

	do
		r = read(fd, p, n);
	while (r < 0 && errno == EINTR);
	return r;
}

/* Hash an open file from its start; SL_EIO on read errors. */
static int hash_fd(int fd, unsigned char out[SL_HASH_LEN], const char *path, struct sl_error *err)
{
	struct sl_sha256 h;
	char *buf;
	ssize_t r;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return sys_err(err, "seek in", path);
	if (!(buf = malloc(CHUNK)))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	sl_sha256_init(&h);
	while ((r = read_some(fd, buf, CHUNK)) > 0)
		sl_sha256_update(&h, buf, (size_t)r);
	free(buf);
	if (r < 0)
		return sys_err(err, "read", path);
	sl_sha256_final(&h, out);
	return 0;
}

/* 1 when path holds exactly the content with this digest, 0 otherwise. */
static int already_stored(const char *path, const unsigned char digest[SL_HASH_LEN])
{
	unsigned char have[SL_HASH_LEN];
	struct stat st;
	int fd, ok = 0;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && hash_fd(fd, have, path, NULL) == 0)
		ok = !memcmp(have, digest, SL_HASH_LEN);
	close(fd);
	return ok;
}

struct src {
	int fd;               /* read from this, or */
	const unsigned char *mem; /* copy this */
	size_t len;
};

static int put(const char *ledger, const struct src *src, unsigned char digest[SL_HASH_LEN],
	       uint64_t *size, int *created, struct sl_error *err)
{
	struct sl_buf top = SL_BUF_INIT, tmp = SL_BUF_INIT, dir = SL_BUF_INIT, final = SL_BUF_INIT;
	struct sl_sha256 h;
	char hex[SL_HEX_LEN + 1], *buf = NULL;
	uint64_t total = 0;
	int fd = -1, have_tmp = 0, e;

	if ((e = sl_artifact_store_check(ledger, err)) < 0)
		return e;
	sl_buf_addf(&top, "%s/artifacts/sha256", ledger);
	sl_buf_addf(&tmp, "%s/.tmp-XXXXXX", top.buf);
	if ((e = sl_buf_ok(&top)) < 0 || (e = sl_buf_ok(&tmp)) < 0) {
		sl_error_set(err, e, "out of memory");
		goto out;
	}
	{
		struct sl_buf arts = SL_BUF_INIT;
		sl_buf_addf(&arts, "%s/artifacts", ledger);
		e = sl_buf_ok(&arts) ? sl_error_set(err, SL_ENOMEM, "out of memory")
				     : make_dir(top.buf, arts.buf, err);
		sl_buf_release(&arts);
		if (e < 0)
			goto out;
	}
	if ((fd = mkostemp(tmp.buf, O_CLOEXEC)) < 0) {
		e = sys_err(err, "create a temporary file in", top.buf);
		goto out;
	}
	have_tmp = 1;
	/* Stored content is never rewritten in place: read-only from the start. */
	if (fchmod(fd, 0400) != 0) {
		e = sys_err(err, "set the mode of", tmp.buf);
		goto out;
	}
	sl_sha256_init(&h);
	if (src->mem) {
		sl_sha256_update(&h, src->mem, src->len);
		if (sl_write_all(fd, src->mem, src->len) != 0) {
			e = sys_err(err, "write", tmp.buf);
			goto out;
		}
		total = src->len;
	} else {
		ssize_t r;

		if (!(buf = malloc(CHUNK))) {
			e = sl_error_set(err, SL_ENOMEM, "out of memory");
			goto out;
		}
		while ((r = read_some(src->fd, buf, CHUNK)) > 0) {
			sl_sha256_update(&h, buf, (size_t)r);
			if (sl_write_all(fd, buf, (size_t)r) != 0) {
				e = sys_err(err, "write", tmp.buf);
				goto out;
			}
			total += (uint64_t)r;
		}
		if (r < 0) {
			e = sl_error_set(err, sl_errno_code(errno),
					 "unable to read the content: %s", strerror(errno));
			goto out;
		}
	}
	sl_sha256_final(&h, digest);
	sl_hex_encode(hex, digest, SL_HASH_LEN);
	sl_buf_addf(&dir, "%s/%.2s", top.buf, hex);
	sl_buf_addf(&final, "%s/%s", dir.buf, hex);
	if ((e = sl_buf_ok(&dir)) < 0 || (e = sl_buf_ok(&final)) < 0) {
		sl_error_set(err, e, "out of memory");
		goto out;
	}
	if (size)
		*size = total;
	if (already_stored(final.buf, digest)) {
		/*
		 * The name may come from a put whose last step, the directory's
		 * fsync, failed: sync it now, or a digest printed on the strength
		 * of it could name a file that a crash takes away.
		 */
		if ((e = fsync_dir(dir.buf, err)) < 0)
			goto out;
		if (created)
			*created = 0;
		goto out; /* the temporary file is removed below */
	}
	if (fsync(fd) != 0) {
		e = sys_err(err, "fsync", tmp.buf);
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		e = sys_err(err, "close", tmp.buf);
		goto out;
	}
	fd = -1;
	if ((e = make_dir(dir.buf, top.buf, err)) < 0)
		goto out;
	if (rename(tmp.buf, final.buf) != 0) {
		e = sys_err(err, "rename a temporary file to", final.buf);
		goto out;
	}
	have_tmp = 0; /* renamed: nothing to remove */
	if ((e = fsync_dir(dir.buf, err)) < 0)
		goto out;
	if (created)
		*created = 1;
out:
	if (fd >= 0)
		close(fd);
	if (have_tmp)
		unlink(tmp.buf);
	free(buf);
	sl_buf_release(&top);
	sl_buf_release(&tmp);
	sl_buf_release(&dir);
	sl_buf_release(&final);
	return e;
}

int sl_artifact_put_fd(const char *ledger, int fd, unsigned char digest[SL_HASH_LEN],
		       uint64_t *size, int *created, struct sl_error *err)
{
	struct src s = { fd, NULL, 0 };

	if (!sl_store_keeps_files(ledger))
		return db_put(ledger, fd, NULL, 0, digest, size, created, err);
	return put(ledger, &s, digest, size, created, err);
}

int sl_artifact_put_mem(const char *ledger, const void *data, size_t len,
			unsigned char digest[SL_HASH_LEN], int *created, struct sl_error *err)
{
	static const unsigned char empty[1];
	struct src s = { -1, len ? data : empty, len };

	if (!sl_store_keeps_files(ledger))
		return db_put(ledger, -1, s.mem, len, digest, NULL, created, err);
	return put(ledger, &s, digest, NULL, created, err);
}

/* Open a stored artifact; SL_ENOTFOUND when there is none. */
static int open_artifact(const char *ledger, const unsigned char digest[SL_HASH_LEN], int *fd,
			 struct sl_buf *path, struct sl_error *err)
{
	struct stat st;
	char hex[SL_HEX_LEN + 1];
	int e;

	*fd = -1;
	if ((e = sl_artifact_path(path, ledger, digest)) < 0)
		return sl_error_set(err, e, "out of memory");
	sl_hex_encode(hex, digest, SL_HASH_LEN);
	if ((*fd = open(path->buf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return sl_error_set(err, SL_ENOTFOUND, "no artifact sha256:%s", hex);
		return sys_err(err, "open", path->buf);
	}
	if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(*fd);
		*fd = -1;
		return sl_error_set(err, SL_EVERIFY, "'%s' is not a regular file", path->buf);
	}
	return 0;
}

int sl_artifact_has(const char *ledger, const unsigned char digest[SL_HASH_LEN],
		    struct sl_error *err)
{
	struct sl_buf path = SL_BUF_INIT;
	struct stat st;
	char hex[SL_HEX_LEN + 1];
	int e = 0;

	if (!sl_store_keeps_files(ledger))
		return db_get(NULL, ledger, digest, NULL, err);
	if ((e = sl_artifact_path(&path, ledger, digest)) < 0)
		return sl_error_set(err, e, "out of memory");
	sl_hex_encode(hex, digest, SL_HASH_LEN);
	if (lstat(path.buf, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			e = sl_error_set(err, SL_ENOTFOUND, "no artifact sha256:%s", hex);
		else
			e = sys_err(err, "look at", path.buf);
	} else if (!S_ISREG(st.st_mode)) {
		e = sl_error_set(err, SL_ENOTFOUND, "no artifact sha256:%s ('%s' is not a regular file)",
				 hex, path.buf);
	}
	sl_buf_release(&path);
	return e;
}

static int mismatch(struct sl_error *err, const char *path)
{
	return sl_error_set(err, SL_EVERIFY, "'%s' does not hold the content its name says "
			    "(altered or damaged)", path);
}

int sl_artifact_check(const char *ledger, const unsigned char digest[SL_HASH_LEN],
		      struct sl_error *err)
{
	struct sl_buf path = SL_BUF_INIT;
	unsigned char have[SL_HASH_LEN];
	int fd, e;

	if (!sl_store_keeps_files(ledger)) {
		e = db_get(NULL, ledger, digest, &path, err);
		sl_buf_release(&path);
		return e;
	}
	if ((e = open_artifact(ledger, digest, &fd, &path, err)) == 0) {
		if ((e = hash_fd(fd, have, path.buf, err)) == 0 && memcmp(have, digest, SL_HASH_LEN))
			e = mismatch(err, path.buf);
		close(fd);
	}
	sl_buf_release(&path);
	return e;
}

/*
 * Open a stored artifact whose whole content has just been hashed and
 * found right, at its start; SL_EVERIFY when it is not right.
 */
static int open_checked(const char *ledger, const unsigned char digest[SL_HASH_LEN], int *fd,
			struct sl_buf *path, struct sl_error *err)
{
	unsigned char have[SL_HASH_LEN];
	int e;

	if ((e = open_artifact(ledger, digest, fd, path, err)) < 0)
		return e;
	if ((e = hash_fd(*fd, have, path->buf, err)) == 0 && memcmp(have, digest, SL_HASH_LEN))
		e = mismatch(err, path->buf);
	if (e == 0 && lseek(*fd, 0, SEEK_SET) < 0)
		e = sys_err(err, "seek in", path->buf);
	if (e < 0) {
		close(*fd);
		*fd = -1;
	}
	return e;
}

int sl_artifact_get(const char *ledger, const unsigned char digest[SL_HASH_LEN],
		    sl_write_fn write, void *ctx, struct sl_error *err)
{
	return sl_artifact_get_in(NULL, ledger, digest, write, ctx, err);
}

int sl_artifact_get_in(struct sl_store *store, const char *ledger, const unsigned char digest[SL_HASH_LEN],
		       sl_write_fn write, void *ctx, struct sl_error *err)
{
	struct sl_buf path = SL_BUF_INIT;
	unsigned char have[SL_HASH_LEN];
	struct sl_sha256 h;
	char *buf = NULL;
	ssize_t r;
	int fd = -1, e;

	if (!sl_store_keeps_files(ledger)) {
		/* Checked whole before anything is passed on. */
		if ((e = db_get(store, ledger, digest, &path, err)) == 0)
			e = write(ctx, path.buf, path.len);
		goto out;
	}
	/* First pass: nothing is passed on unless the whole content is right. */
	if ((e = open_checked(ledger, digest, &fd, &path, err)) < 0)
		goto out;
	if (!(buf = malloc(CHUNK))) {
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	sl_sha256_init(&h);
	while ((r = read_some(fd, buf, CHUNK)) > 0) {
		sl_sha256_update(&h, buf, (size_t)r);
		if ((e = write(ctx, buf, (size_t)r)) < 0)
			goto out;
	}
	if (r < 0) {
		e = sys_err(err, "read", path.buf);
		goto out;
	}
	/* The file changed under us between the passes: say so, even now. */
	sl_sha256_final(&h, have);
	if (memcmp(have, digest, SL_HASH_LEN))
		e = mismatch(err, path.buf);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	sl_buf_release(&path);
	return e;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in a directory, without "." and ".."; *names is a NULL-terminated array. */
static int list_dir(const char *path, char ***names, size_t *n, struct sl_error *err)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **v = NULL;
	size_t cnt = 0, alloc = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return sys_err(err, "read directory", path);
	}
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (cnt + 1 >= alloc) {
			size_t na = alloc ? 2 * alloc : 64;
			char **nv = realloc(v, na * sizeof(*nv));
			if (!nv)
				goto oom;
			v = nv;
			alloc = na;
		}
		if (!(v[cnt] = strdup(de->d_name)))
			goto oom;
		cnt++;
		errno = 0;
	}
	if (errno) {
		int e = sys_err(err, "read directory", path);
		closedir(d);
		while (cnt)
			free(v[--cnt]);
		free(v);
		return e;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), name_cmp);
	*names = v;
	*n = cnt;
	return 0;
oom:
	closedir(d);
	while (cnt)
		free(v[--cnt]);
	free(v);
	return sl_error_set(err, SL_ENOMEM, "out of memory");
}

static void free_list(char **v, size_t n)
{
	while (n)
		free(v[--n]);
	free(v);
}

static int is_hex_name(const char *s, size_t n)
{
	return strlen(s) == n && sl_is_lowerhex(s, n, n / 2);
}

/* The store's top directory (artifacts/sha256, into top) and the names in it, sorted. */
static int store_dirs(const char *ledger, struct sl_buf *top, char ***dirs, size_t *nd,
		      struct sl_error *err)
{
	int e;

	*dirs = NULL;
	*nd = 0;
	if ((e = sl_artifact_store_check(ledger, err)) < 0)
		return e;
	sl_buf_addf(top, "%s/artifacts/sha256", ledger);
	if ((e = sl_buf_ok(top)) < 0)
		return sl_error_set(err, e, "out of memory");
	return list_dir(top->buf, dirs, nd, err);
}

int sl_artifact_verify_all(const char *ledger, sl_artifact_fn fn, void *ctx, uint64_t *count,
			   uint64_t *bad, struct sl_error *err)
{
	struct sl_buf top = SL_BUF_INIT, p = SL_BUF_INIT, rel = SL_BUF_INIT;
	char **dirs = NULL;
	size_t nd = 0, i;
	uint64_t cnt = 0, nbad = 0;
	int e;

	if (!sl_store_keeps_files(ledger))
		return db_verify_all(ledger, fn, ctx, count, bad, err);
	if ((e = store_dirs(ledger, &top, &dirs, &nd, err)) < 0)
		goto out;
	for (i = 0; i < nd; i++) {
		char **files = NULL;
		size_t nf = 0, k;
		struct stat st;

		sl_buf_reset(&p);
		sl_buf_addf(&p, "%s/%s", top.buf, dirs[i]);
		sl_buf_reset(&rel);
		sl_buf_addf(&rel, "sha256/%s", dirs[i]);
		if ((e = sl_buf_ok(&p)) < 0 || (e = sl_buf_ok(&rel)) < 0) {
			sl_error_set(err, e, "out of memory");
			goto out;
		}
		if (!strncmp(dirs[i], ".tmp-", 5)) {
			if ((e = fn(ctx, rel.buf, 0, "leftover temporary file")) < 0)
				goto out;
			continue;
		}
		if (lstat(p.buf, &st) != 0 || !S_ISDIR(st.st_mode) || !is_hex_name(dirs[i], 2)) {
			nbad++;
			if ((e = fn(ctx, rel.buf, SL_ECORRUPT, "has no place in the store")) < 0)
				goto out;
			continue;
		}
		if ((e = list_dir(p.buf, &files, &nf, err)) < 0)
			goto out;
		for (k = 0; k < nf; k++) {
			unsigned char digest[SL_HASH_LEN];
			struct sl_error one = { 0 };
			size_t mark = rel.len;
			int r;

			sl_buf_addf(&rel, "/%s", files[k]);
			if ((e = sl_buf_ok(&rel)) < 0) {
				sl_error_set(err, e, "out of memory");
				free_list(files, nf);
				goto out;
			}
			if (!is_hex_name(files[k], SL_HEX_LEN) || strncmp(files[k], dirs[i], 2) ||
			    sl_hex_decode(digest, SL_HASH_LEN, files[k], SL_HEX_LEN) != 0) {
				nbad++;
				r = fn(ctx, rel.buf, SL_ECORRUPT, "has no place in the store");
			} else {
				cnt++;
				r = sl_artifact_check(ledger, digest, &one);
				if (r == SL_ENOTFOUND)
					r = SL_EVERIFY; /* listed but gone or not a file */
				if (r == SL_ENOMEM) {
					e = sl_error_set(err, r, "out of memory");
					free_list(files, nf);
					goto out;
				}
				if (r < 0)
					nbad++;
				r = fn(ctx, rel.buf, r, r < 0 ? one.msg : "");
			}
			sl_buf_setlen(&rel, mark);
			if (r < 0) {
				e = r;
				free_list(files, nf);
				goto out;
			}
		}
		free_list(files, nf);
	}
	e = 0;
out:
	if (count)
		*count = cnt;
	if (bad)
		*bad = nbad;
	free_list(dirs, nd);
	sl_buf_release(&top);
	sl_buf_release(&p);
	sl_buf_release(&rel);
	return e;
}

int sl_artifact_each(const char *ledger, int (*fn)(void *ctx, const unsigned char digest[SL_HASH_LEN]),
		     void *ctx, struct sl_error *err)
{
	return sl_artifact_each_in(NULL, ledger, fn, ctx, err);
}

int sl_artifact_each_in(struct sl_store *store, const char *ledger,
			int (*fn)(void *ctx, const unsigned char digest[SL_HASH_LEN]), void *ctx,
			struct sl_error *err)
{
	struct sl_buf top = SL_BUF_INIT, p = SL_BUF_INIT;
	char **dirs = NULL;
	size_t nd = 0, i;
	int e;

	if (!sl_store_keeps_files(ledger))
		return db_each(store, ledger, fn, ctx, err);
	if ((e = store_dirs(ledger, &top, &dirs, &nd, err)) < 0)
		goto out;
	for (i = 0; i < nd; i++) {
		char **files = NULL;
		size_t nf = 0, k;

		/* Leftover temporary files and strays are sl-verify's to report, not artifacts. */
		if (!is_hex_name(dirs[i], 2))
			continue;
		sl_buf_reset(&p);
		sl_buf_addf(&p, "%s/%s", top.buf, dirs[i]);
		if ((e = sl_buf_ok(&p)) < 0) {
			sl_error_set(err, e, "out of memory");
			goto out;
		}
		if ((e = list_dir(p.buf, &files, &nf, err)) < 0)
			goto out;
		for (k = 0; k < nf && e == 0; k++) {
			unsigned char digest[SL_HASH_LEN];
			if (!is_hex_name(files[k], SL_HEX_LEN) || strncmp(files[k], dirs[i], 2) ||
			    sl_hex_decode(digest, SL_HASH_LEN, files[k], SL_HEX_LEN) != 0)
				continue;
			e = fn(ctx, digest);
		}
		free_list(files, nf);
		if (e < 0)
			goto out;
	}
	e = 0;
out:
	free_list(dirs, nd);
	sl_buf_release(&top);
	sl_buf_release(&p);
	return e;
}

int sl_artifact_copy(const char *src, const char *dst, const unsigned char digest[SL_HASH_LEN],
		     int *created, struct sl_error *err)
{
	return sl_artifact_copy_in(NULL, src, dst, digest, created, err);
}

int sl_artifact_copy_in(struct sl_store *src_store, const char *src, const char *dst,
			const unsigned char digest[SL_HASH_LEN], int *created, struct sl_error *err)
{
	struct sl_buf path = SL_BUF_INIT;
	unsigned char have[SL_HASH_LEN];
	int fd = -1, e;

	if (created)
		*created = 0;
	/* Already there: only if it still holds the content its name says. */
	if ((e = sl_artifact_has(dst, digest, err)) != SL_ENOTFOUND)
		return e == 0 ? sl_artifact_check(dst, digest, err) : e;
	if (err)
		sl_error_clear(err);
	if (!sl_store_keeps_files(src)) {
		/* db_get checks the bytes against their name before they go anywhere. */
		if ((e = db_get(src_store, src, digest, &path, err)) < 0)
			goto out;
		{
			struct src s = { -1, (const unsigned char *)path.buf, path.len };
			e = sl_store_keeps_files(dst)
				    ? put(dst, &s, have, NULL, created, err)
				    : db_put(dst, -1, path.buf, path.len, have, NULL, created, err);
		}
		if (e == 0 && memcmp(have, digest, SL_HASH_LEN))
			e = db_mismatch(err, digest);
		goto out;
	}
	/* A damaged source file is reported, never copied under the name it no longer earns. */
	if ((e = open_checked(src, digest, &fd, &path, err)) < 0)
		goto out;
	if (!sl_store_keeps_files(dst)) {
		if ((e = db_put(dst, fd, NULL, 0, have, NULL, created, err)) < 0)
			goto out;
	} else {
		struct src s = { fd, NULL, 0 };
		if ((e = put(dst, &s, have, NULL, created, err)) < 0)
			goto out;
	}
	if (memcmp(have, digest, SL_HASH_LEN))
		e = mismatch(err, path.buf); /* changed while it was copied */
out:
	if (fd >= 0)
		close(fd);
	sl_buf_release(&path);
	return e;
}
