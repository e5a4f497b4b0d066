// SPDX-License-Identifier: MIT
/* Loading the ledger's private signing keys for sl-checkpoint and sl-audit --sign. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "sl/checkpoint.h"

void sl_load_signer(const char *path, struct sl_signer *k)
{
	struct sl_error err = { 0 };
	struct sl_buf b = SL_BUF_INIT;
	struct stat st;
	char what[600];
	int fd, e;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		sl_die(errno == ENOENT || errno == ENOTDIR ? SL_EXIT_DATA : sl_errno_exit(errno),
		       "unable to open key '%s': %s%s", path, strerror(errno),
		       errno == ENOENT ? " (make one with sl-keygen)" : "");
	if (fstat(fd, &st) != 0)
		sl_die(sl_errno_exit(errno), "unable to stat key '%s': %s", path, strerror(errno));
	/* A private key others can read is no longer private. */
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077))
		sl_die(SL_EXIT_DATA, "unable to use key '%s': not a regular file of mode 0600 "
		       "(mode %04o)", path, (unsigned)(st.st_mode & 07777));
	sl_read_all(fd, path, &b, SL_KEY_FILE_MAX);
	close(fd);
	snprintf(what, sizeof(what), "unable to read key '%s'", path);
	e = sl_signer_parse(k, b.buf, b.len, &err);
	memset(b.buf, 0, b.len);
	sl_buf_release(&b);
	if (e < 0)
		sl_die_err(&err, e, what);
}

void sl_vkey_arg(const char *opt, const char *s, struct sl_vkey *vk)
{
	struct sl_error err = { 0 };

	if (sl_vkey_parse(vk, s, strlen(s), &err) < 0)
		sl_die(SL_EXIT_USAGE, "%s: %s", opt, err.msg);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

const char *sl_key_dir(const char *dir, struct sl_buf *out)
{
	const char *env = getenv("SL_KEY_DIR");
	struct sl_buf shown = SL_BUF_INIT;

	sl_buf_reset(out);
	if (env && *env)
		sl_buf_addstr(out, env);
	else if (sl_store_keeps_files(dir))
		sl_buf_addf(out, "%s/keys", dir);
	else
		sl_die(SL_EXIT_USAGE, "the ledger '%s' keeps no key files: name the key with -k FILE, "
		       "SL_KEY or SL_KEY_DIR", sl_store_address_shown(dir, &shown));
	if (sl_buf_ok(out) < 0)
		sl_die(SL_EXIT_TEMP, "out of memory");
	return out->buf;
}

static void add_path(char ***paths, size_t *n, const char *keydir, const char *name)
{
	char **p = realloc(*paths, (*n + 1) * sizeof(*p));

	if (!p || asprintf(&p[*n], "%s/%s", keydir, name) < 0)
		sl_die(SL_EXIT_TEMP, "out of memory");
	*paths = p;
	(*n)++;
}

void sl_ledger_key_files(const char *dir, char ***paths, size_t *n)
{
	struct sl_buf kd = SL_BUF_INIT;
	struct dirent *d;
	DIR *dp;
	size_t first;

	/* checkpoint.key always comes first: a missing one is reported as it was before. */
	sl_key_dir(dir, &kd);
	add_path(paths, n, kd.buf, "checkpoint.key");
	first = *n;
	if (!(dp = opendir(kd.buf))) {
		/* No keys/ at all: checkpoint.key is then missing, and says so when opened. */
		if (errno == ENOENT || errno == ENOTDIR) {
			sl_buf_release(&kd);
			return;
		}
		sl_die(SL_EXIT_TEMP, "unable to read '%s': %s", kd.buf, strerror(errno));
	}
	errno = 0;
	while ((d = readdir(dp))) {
		size_t len = strlen(d->d_name);
		/* checkpoint-NAME.key: a further key the ledger signs every checkpoint with. */
		if (len > 15 && strncmp(d->d_name, "checkpoint-", 11) == 0 &&
		    strcmp(d->d_name + len - 4, ".key") == 0)
			add_path(paths, n, kd.buf, d->d_name);
		errno = 0;
	}
	if (errno)
		sl_die(SL_EXIT_TEMP, "unable to read '%s': %s", kd.buf, strerror(errno));
	closedir(dp);
	qsort(*paths + first, *n - first, sizeof(**paths), cmp_str);
	sl_buf_release(&kd);
}
