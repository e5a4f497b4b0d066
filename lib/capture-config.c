// SPDX-License-Identifier: MIT
/*
 * Configuration files: naming them (absolute paths by text, not by
 * resolving links), finding them below directories, and hashing (and
 * optionally storing) each in one pass over its bytes.
 */
#include "sl/artifact.h"
#include "sl/capture-config.h"
#include "sl/capture.h"
#include "sl/hash.h"

int sl_abs_path(struct sl_buf *out, const char *path)
{
	struct sl_buf t = SL_BUF_INIT;
	const char *p;
	size_t base = out->len;

	if (path[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		if (!cwd)
			return errno == ENOMEM ? SL_ENOMEM : SL_EIO;
		sl_buf_addstr(&t, cwd);
		free(cwd);
		sl_buf_addch(&t, '/');
	}
	sl_buf_addstr(&t, path);
	if (sl_buf_ok(&t)) {
		sl_buf_release(&t);
		return SL_ENOMEM;
	}
	/* Walk the components, keeping a stack of them in out. */
	for (p = t.buf; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		for (n = 0; p[n] && p[n] != '/'; n++)
			;
		if (!n)
			break;
		if (n == 1 && p[0] == '.') {
			;
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			size_t len = out->len;
			while (len > base && out->buf[len - 1] != '/')
				len--;
			if (len > base)
				len--; /* the slash before the removed component */
			sl_buf_setlen(out, len);
		} else {
			sl_buf_addch(out, '/');
			sl_buf_add(out, p, n);
		}
		p += n;
	}
	if (out->len == base)
		sl_buf_addch(out, '/');
	sl_buf_release(&t);
	return sl_buf_ok(out);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(const char *dir, sl_file_fn fn, void *ctx, int depth, struct sl_error *err)
{
	struct sl_buf p = SL_BUF_INIT;
	char **names = NULL;
	size_t n = 0, alloc = 0, i;
	struct dirent *de;
	DIR *d;
	int e = 0;

	if (depth > 64)
		return sl_error_set(err, SL_EINVAL, "unable to read directory '%s': nested too deeply",
				    dir);
	if (!(d = opendir(dir)))
		return sl_error_set(err, errno == EACCES ? SL_EINVAL : SL_EIO,
				    "unable to read directory '%s': %s", dir, strerror(errno));
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (n == alloc) {
			size_t na = alloc ? 2 * alloc : 32;
			char **nn = realloc(names, na * sizeof(*nn));
			if (!nn) {
				e = SL_ENOMEM;
				break;
			}
			names = nn;
			alloc = na;
		}
		if (!(names[n] = strdup(de->d_name))) {
			e = SL_ENOMEM;
			break;
		}
		n++;
		errno = 0;
	}
	if (!e && errno)
		e = sl_error_set(err, SL_EIO, "unable to read directory '%s': %s", dir, strerror(errno));
	closedir(d);
	if (e == SL_ENOMEM)
		sl_error_set(err, e, "out of memory");
	if (!e && n)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n && !e; i++) {
		struct stat st;

		sl_buf_reset(&p);
		sl_buf_addf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", names[i]);
		if (sl_buf_ok(&p)) {
			e = sl_error_set(err, SL_ENOMEM, "out of memory");
			break;
		}
		if (lstat(p.buf, &st) != 0) {
			if (errno == ENOENT)
				continue; /* removed while we looked */
			e = sl_error_set(err, SL_EIO, "unable to look at '%s': %s", p.buf, strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			e = walk_dir(p.buf, fn, ctx, depth + 1, err);
		} else if (S_ISREG(st.st_mode)) {
			e = fn(ctx, p.buf);
		} else if (S_ISLNK(st.st_mode)) {
			/* A link to a file is that file here; links to directories are not followed. */
			if (stat(p.buf, &st) == 0 && S_ISREG(st.st_mode))
				e = fn(ctx, p.buf);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	sl_buf_release(&p);
	return e;
}

int sl_config_walk(const char *path, int recursive, sl_file_fn fn, void *ctx,
		   struct sl_error *err)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return sl_error_set(err, errno == ENOENT || errno == ENOTDIR || errno == EACCES ||
					 errno == ELOOP ? SL_EINVAL : SL_EIO,
				    "unable to read '%s': %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode)) {
		if (!recursive)
			return sl_error_set(err, SL_EINVAL, "unable to read '%s': is a directory "
					    "(use -r to capture the files below it)", path);
		return walk_dir(path, fn, ctx, 0, err);
	}
	if (!S_ISREG(st.st_mode))
		return sl_error_set(err, SL_EINVAL, "unable to read '%s': not a regular file", path);
	return fn(ctx, path);
}

int sl_capture_config(const char *path, const char *host, const char *ledger, json_t **payload,
		      struct sl_error *err)
{
	unsigned char digest[SL_HASH_LEN];
	char hex[SL_HEX_LEN + 1], ts[SL_TS_LEN + 1];
	uint64_t size = 0;
	struct stat st;
	json_t *p = NULL, *v;
	int fd, e = 0;

	*payload = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return sl_error_set(err, errno == ENOENT || errno == ENOTDIR || errno == EACCES ||
					 errno == ELOOP ? SL_EINVAL : SL_EIO,
				    "unable to read '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		e = sl_error_set(err, SL_EIO, "unable to read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		e = sl_error_set(err, SL_EINVAL, "unable to read '%s': not a regular file", path);
		goto out;
	}
	if (ledger) {
		struct sl_error one = { 0 };
		if ((e = sl_artifact_put_fd(ledger, fd, digest, &size, NULL, &one)) < 0) {
			sl_error_set(err, e, "unable to store '%s': %s", path, one.msg);
			goto out;
		}
	} else {
		struct sl_sha256 h;
		char buf[65536];
		ssize_t n;

		sl_sha256_init(&h);
		while ((n = read(fd, buf, sizeof(buf))) != 0) {
			if (n < 0) {
				if (errno == EINTR)
					continue;
				e = sl_error_set(err, errno == EISDIR ? SL_EINVAL : SL_EIO,
						 "unable to read '%s': %s", path, strerror(errno));
				goto out;
			}
			sl_sha256_update(&h, buf, (size_t)n);
			size += (uint64_t)n;
		}
		sl_sha256_final(&h, digest);
	}
	sl_hex_encode(hex, digest, SL_HASH_LEN);
	if ((e = sl_capture_time(ts)) < 0) {
		sl_error_set(err, e, "unable to read the clock");
		goto out;
	}
	if (!(p = json_object()) || !(v = sl_json_string_clean(path, strlen(path))) ||
	    json_object_set_new(p, "path", v) != 0 ||
	    json_object_set_new(p, "sha256", json_string(hex)) != 0 ||
	    json_object_set_new(p, "size", json_integer((json_int_t)size)) != 0 ||
	    json_object_set_new(p, "mode", json_integer(st.st_mode & 07777)) != 0 ||
	    !(v = sl_json_string_clean(host, strlen(host))) || json_object_set_new(p, "host", v) != 0 ||
	    json_object_set_new(p, "captured_at", json_string(ts)) != 0 ||
	    (ledger && json_object_set_new(p, "stored", json_true()) != 0)) {
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	*payload = p;
	p = NULL;
out:
	json_decref(p);
	close(fd);
	return e;
}
