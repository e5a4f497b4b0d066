// SPDX-License-Identifier: MIT
/* Loading the ledger's private signing key for sl-checkpoint and sl-audit --sign. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
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
