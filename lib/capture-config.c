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
#include "sl/secret.h"

#include <bearssl/bearssl_hmac.h>
#include <sys/random.h>

int sl_abs_path(struct sl_buf *out, const char *path)
{
	struct sl_buf t = SL_BUF_INIT;
	const char *p;
	size_t base = out->len;

	if (path[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		if (!cwd)
			return sl_errno_code(errno);
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
		return sl_error_set(err, errno == EACCES ? SL_EINVAL : sl_errno_code(errno),
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
		e = sl_error_set(err, sl_errno_code(errno),
				 "unable to read directory '%s': %s", dir, strerror(errno));
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
			e = sl_error_set(err, sl_errno_code(errno),
					 "unable to look at '%s': %s", p.buf, strerror(errno));
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
					 errno == ELOOP ? SL_EINVAL : sl_errno_code(errno),
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

/* Clear memory that held a key in a way the compiler may not drop. */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

void sl_config_key_init(struct sl_config_key *k, const char *ledger)
{
	memset(k, 0, sizeof(*k));
	k->ledger = ledger;
}

void sl_config_key_release(struct sl_config_key *k)
{
	wipe(k->key, sizeof(k->key));
	k->loaded = 0;
}

/* Read the key file at path into k: exactly SL_CONFIG_KEY_LEN bytes, mode 0600 or stricter. */
static int key_read(struct sl_config_key *k, const char *path, struct sl_error *err)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	char extra;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW);

	if (fd < 0)
		return errno == ENOENT ? SL_ENOTFOUND
				       : sl_error_set(err,
						      errno == ELOOP ? SL_EINVAL : sl_errno_code(errno),
						      "unable to open key '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		close(fd);
		return sl_error_set(err, sl_errno_code(errno),
				    "unable to open key '%s': %s", path, strerror(errno));
	}
	/* A key others can read keys nothing. */
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		close(fd);
		return sl_error_set(err, SL_EINVAL, "unable to use key '%s': not a regular file of "
				    "mode 0600 (mode %04o)", path, (unsigned)(st.st_mode & 07777));
	}
	while (got < sizeof(k->key) && (n = read(fd, k->key + got, sizeof(k->key) - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			close(fd);
			return sl_error_set(err, sl_errno_code(errno),
					    "unable to read key '%s': %s", path, strerror(errno));
		}
		got += (size_t)n;
	}
	n = got == sizeof(k->key) ? read(fd, &extra, 1) : 0;
	close(fd);
	if (got != sizeof(k->key) || n != 0) {
		wipe(k->key, sizeof(k->key));
		return sl_error_set(err, SL_EINVAL, "unable to use key '%s': not %d bytes", path,
				    SL_CONFIG_KEY_LEN);
	}
	return 0;
}

/*
 * Make the key file: 32 bytes from getrandom(2) in a temporary file of
 * mode 0600, fsynced, then linked to its name, so that two captures
 * starting at once agree on one key (link(2) never replaces a file).
 */
static int key_make(const char *dir, const char *path, struct sl_error *err)
{
	struct sl_buf tmp = SL_BUF_INIT;
	unsigned char key[SL_CONFIG_KEY_LEN];
	size_t got = 0;
	int fd, e = 0;

	while (got < sizeof(key)) {
		ssize_t r = getrandom(key + got, sizeof(key) - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return sl_error_set(err, sl_errno_code(errno),
					    "unable to get random bytes: %s", strerror(errno));
		got += (size_t)r;
	}
	sl_buf_addf(&tmp, "%s/.tmp-config-hmac-XXXXXX", dir);
	if (sl_buf_ok(&tmp) < 0) {
		wipe(key, sizeof(key));
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	if ((fd = mkostemp(tmp.buf, O_CLOEXEC)) < 0) {
		e = sl_error_set(err, sl_errno_code(errno),
				 "unable to make key '%s': %s", path, strerror(errno));
		goto out;
	}
	errno = ENOSPC; /* what a short write of 32 bytes to a new file means */
	if (fchmod(fd, 0600) != 0 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) ||
	    fsync(fd) != 0) {
		e = sl_error_set(err, sl_errno_code(errno),
				 "unable to make key '%s': %s", path, strerror(errno));
		close(fd);
		goto unlink;
	}
	if (close(fd) != 0) {
		e = sl_error_set(err, sl_errno_code(errno),
				 "unable to make key '%s': %s", path, strerror(errno));
		goto unlink;
	}
	if (link(tmp.buf, path) != 0 && errno != EEXIST)
		e = sl_error_set(err, sl_errno_code(errno),
				 "unable to make key '%s': %s", path, strerror(errno));
unlink:
	if (unlink(tmp.buf) != 0 && !e)
		e = sl_error_set(err, sl_errno_code(errno),
				 "unable to remove '%s': %s", tmp.buf, strerror(errno));
	if (!e && (fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(fd) != 0)
			e = sl_error_set(err, sl_errno_code(errno),
					 "unable to sync '%s': %s", dir, strerror(errno));
		close(fd);
	}
out:
	wipe(key, sizeof(key));
	sl_buf_release(&tmp);
	return e;
}

static void hmac_init(br_hmac_context *h, const struct sl_config_key *k)
{
	br_hmac_key_context kc;

	br_hmac_key_init(&kc, &br_sha256_vtable, k->key, sizeof(k->key));
	br_hmac_init(h, &kc, 0);
	wipe(&kc, sizeof(kc));
}

int sl_config_key_load(struct sl_config_key *k, struct sl_error *err)
{
	struct sl_buf dir = SL_BUF_INIT, path = SL_BUF_INIT;
	static const char id_msg[] = "stateledger config-hmac key id";
	unsigned char mac[SL_HASH_LEN];
	br_hmac_context h;
	struct stat st;
	int e;

	if (k->loaded)
		return 0;
	if (!k->ledger)
		return sl_error_set(err, SL_ENOLEDGER, "no ledger to hold the key");
	sl_buf_addf(&dir, "%s/keys", k->ledger);
	sl_buf_addf(&path, "%s/%s", dir.buf, SL_CONFIG_KEY_FILE);
	if (sl_buf_ok(&dir) < 0 || sl_buf_ok(&path) < 0) {
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	if (stat(dir.buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
		e = sl_error_set(err, SL_ENOLEDGER, "'%s' is not a ledger (no keys directory)", k->ledger);
		goto out;
	}
	e = key_read(k, path.buf, err);
	if (e == SL_ENOTFOUND && (e = key_make(dir.buf, path.buf, err)) == 0)
		e = key_read(k, path.buf, err);
	if (e == SL_ENOTFOUND)
		e = sl_error_set(err, SL_EIO, "unable to open key '%s': it vanished", path.buf);
	if (e < 0)
		goto out;
	hmac_init(&h, k);
	br_hmac_update(&h, id_msg, sizeof(id_msg) - 1);
	br_hmac_out(&h, mac);
	wipe(&h, sizeof(h));
	memcpy(k->id, SL_CONFIG_KEY_NAME "+", sizeof(SL_CONFIG_KEY_NAME));
	sl_hex_encode(k->id + sizeof(SL_CONFIG_KEY_NAME), mac, 4);
	k->loaded = 1;
out:
	sl_buf_release(&dir);
	sl_buf_release(&path);
	return e;
}

static int hmac_write(void *ctx, const void *data, size_t len)
{
	br_hmac_update(ctx, data, len);
	return 0;
}

/*
 * Whether the content of fd, a file others can read, holds a secret by
 * the rules of lib/secret.c (a password in a world-readable config is a
 * password still: stored, it would stay in the ledger for ever, and its
 * plain digest could be checked against guesses on the rest of a known
 * template).  Read in windows of 1 MiB that overlap by 64 KiB, so that a
 * token across two windows is seen whole; fd is then rewound.  1, 0, or
 * a negative SL_E... code with err set.
 */
#define SCAN_WINDOW (1u << 20)
#define SCAN_OVERLAP (64u << 10)

static int holds_secret(int fd, const char *path, struct sl_error *err)
{
	char *buf = malloc(SCAN_WINDOW);
	size_t have = 0;
	ssize_t n;
	int found = 0;

	if (!buf)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	for (;;) {
		n = read(fd, buf + have, SCAN_WINDOW - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return sl_error_set(err, sl_errno_code(errno),
					    "unable to read '%s': %s", path, strerror(errno));
		}
		have += (size_t)n;
		if (n == 0 || have == SCAN_WINDOW) {
			if (have && sl_secret_classify(NULL, buf, have)) {
				found = 1;
				break;
			}
			if (n == 0)
				break;
			memmove(buf, buf + have - SCAN_OVERLAP, SCAN_OVERLAP);
			have = SCAN_OVERLAP;
		}
	}
	wipe(buf, SCAN_WINDOW);
	free(buf);
	if (lseek(fd, 0, SEEK_SET) != 0)
		return sl_error_set(err, sl_errno_code(errno),
				    "unable to read '%s': %s", path, strerror(errno));
	return found;
}

int sl_capture_config(const char *path, const struct sl_config_opts *o, json_t **payload,
		      struct sl_error *err)
{
	unsigned char digest[SL_HASH_LEN];
	char hex[SL_HEX_LEN + 1], ts[SL_TS_LEN + 1];
	struct sl_buf host = SL_BUF_INIT;
	br_hmac_context mac;
	uint64_t size = 0;
	struct stat st;
	json_t *p = NULL, *v;
	const char *ledger;
	int fd, e = 0, private, readable;

	*payload = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return sl_error_set(err, errno == ENOENT || errno == ENOTDIR || errno == EACCES ||
					 errno == ELOOP ? SL_EINVAL : sl_errno_code(errno),
				    "unable to read '%s': %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		e = sl_error_set(err, sl_errno_code(errno),
				 "unable to read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		e = sl_error_set(err, SL_EINVAL, "unable to read '%s': not a regular file", path);
		goto out;
	}
	/* Not readable by others: its plain digest would let a short secret be guessed. */
	/*
	 * The directories above are not looked at: a 0644 file in a 0700 home
	 * or CI work directory is taken as others would find it once copied
	 * or deployed; if it holds a secret, holds_secret() makes it private.
	 */
	readable = (st.st_mode & S_IROTH) != 0;
	private = !readable;
	if (!private && (private = holds_secret(fd, path, err)) < 0) {
		e = private;
		goto out;
	}
	ledger = private && !o->store_private ? NULL : o->ledger;
	if (private) {
		struct sl_error one = { 0 };
		if ((e = sl_config_key_load(o->key, &one)) < 0) {
			sl_error_set(err, e, "unable to key the digest of '%s' (%s): %s", path,
				     readable ? "it holds a secret" : "not readable by others", one.msg);
			goto out;
		}
		hmac_init(&mac, o->key);
	}
	if (ledger) {
		struct sl_error one = { 0 };
		if ((e = sl_artifact_put_fd(ledger, fd, digest, &size, NULL, &one)) < 0) {
			sl_error_set(err, e, "unable to store '%s': %s", path, one.msg);
			goto out;
		}
		/* The keyed digest of exactly the bytes stored. */
		if (private && (e = sl_artifact_get(ledger, digest, hmac_write, &mac, &one)) < 0) {
			sl_error_set(err, e, "unable to read back '%s': %s", path, one.msg);
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
				e = sl_error_set(err, errno == EISDIR ? SL_EINVAL : sl_errno_code(errno),
						 "unable to read '%s': %s", path, strerror(errno));
				goto out;
			}
			if (private)
				br_hmac_update(&mac, buf, (size_t)n);
			else
				sl_sha256_update(&h, buf, (size_t)n);
			size += (uint64_t)n;
		}
		wipe(buf, sizeof(buf));
		if (!private)
			sl_sha256_final(&h, digest);
	}
	if (private) {
		br_hmac_out(&mac, digest);
		wipe(&mac, sizeof(mac));
	}
	sl_hex_encode(hex, digest, SL_HASH_LEN);
	if ((e = sl_capture_time(ts)) < 0) {
		sl_error_set(err, e, "unable to read the clock");
		goto out;
	}
	/* The host is recorded as text: a secret in it is redacted like any other. */
	if (sl_secret_redact(&host, o->host, strlen(o->host), 0, NULL) < 0 ||
	    !(p = json_object()) || !(v = sl_json_string_clean(path, strlen(path))) ||
	    json_object_set_new(p, "path", v) != 0 ||
	    json_object_set_new(p, private ? "hmac_sha256" : "sha256", json_string(hex)) != 0 ||
	    (private && (json_object_set_new(p, "private", json_true()) != 0 ||
			 json_object_set_new(p, "hmac_key", json_string(o->key->id)) != 0)) ||
	    /* A private file's size would tell a password's length. */
	    (!private && json_object_set_new(p, "size", json_integer((json_int_t)size)) != 0) ||
	    json_object_set_new(p, "mode", json_integer(st.st_mode & 07777)) != 0 ||
	    !(v = sl_json_string_clean(host.buf, host.len)) || json_object_set_new(p, "host", v) != 0 ||
	    json_object_set_new(p, "captured_at", json_string(ts)) != 0 ||
	    (ledger && json_object_set_new(p, "stored", json_true()) != 0)) {
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	*payload = p;
	p = NULL;
out:
	json_decref(p);
	sl_buf_release(&host);
	close(fd);
	return e;
}
