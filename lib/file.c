// SPDX-License-Identifier: MIT
/* Files written whole and durably (lib/sl/file.h). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl/buf.h"
#include "sl/file.h"

int sl_write_all(int fd, const void *data, size_t n)
{
	const char *p = data;

	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Replace path by the bytes: written to path.tmp, fsynced (when sync),
 * renamed, and the directory fsynced (when sync).
 */
int sl_file_replace(const char *path, const void *data, size_t len, mode_t mode, int sync,
		    struct sl_error *err)
{
	struct sl_buf tmp = SL_BUF_INIT, dir = SL_BUF_INIT;
	const char *slash = strrchr(path, '/');
	int fd = -1, e = 0;

	sl_buf_addf(&tmp, "%s.tmp", path);
	if (slash)
		sl_buf_add(&dir, path, slash == path ? 1 : (size_t)(slash - path));
	else
		sl_buf_addch(&dir, '.');
	if ((e = sl_buf_ok(&tmp)) < 0 || (e = sl_buf_ok(&dir)) < 0) {
		sl_error_set(err, e, "out of memory");
		goto out;
	}
	if ((fd = open(tmp.buf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)) < 0) {
		e = sl_error_set(err, SL_EIO, "unable to create '%s': %s", tmp.buf, strerror(errno));
		goto out;
	}
	if (sl_write_all(fd, data, len) < 0) {
		e = sl_error_set(err, SL_EIO, "unable to write '%s': %s", tmp.buf, strerror(errno));
		goto out;
	}
	if (sync && fsync(fd) != 0) {
		e = sl_error_set(err, SL_EIO, "unable to fsync '%s': %s", tmp.buf, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		e = sl_error_set(err, SL_EIO, "unable to close '%s': %s", tmp.buf, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp.buf, path) != 0) {
		e = sl_error_set(err, SL_EIO, "unable to rename '%s': %s", tmp.buf, strerror(errno));
		goto out;
	}
	if (sync && ((fd = open(dir.buf, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fsync(fd) != 0)) {
		e = sl_error_set(err, SL_EIO, "unable to fsync '%s': %s", dir.buf, strerror(errno));
		goto out;
	}
out:
	if (fd >= 0)
		close(fd);
	if (e < 0)
		unlink(tmp.buf);
	sl_buf_release(&tmp);
	sl_buf_release(&dir);
	return e;
}


int sl_mkdir_p(const char *path, mode_t mode, struct sl_error *err)
{
	struct sl_buf p = SL_BUF_INIT;
	size_t i;
	int e = 0;

	sl_buf_addstr(&p, path);
	if ((e = sl_buf_ok(&p)) < 0)
		return e;
	for (i = 1; i <= p.len && e == 0; i++) {
		char c = p.buf[i];
		if (c != '/' && c != '\0')
			continue;
		p.buf[i] = '\0';
		if (mkdir(p.buf, mode) != 0 && errno != EEXIST)
			e = sl_error_set(err, SL_EIO, "unable to create '%s': %s", p.buf, strerror(errno));
		p.buf[i] = c;
	}
	sl_buf_release(&p);
	return e;
}
