// SPDX-License-Identifier: MIT
/*
 * A witness's state directory: per origin, a lock, the latest cosigned
 * checkpoint (replaced atomically) and the append-only evidence of every
 * checkpoint cosigned.  See lib/sl/witness.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl/file.h"
#include "sl/witness.h"

#define STATE_NOTE_MAX (SL_NOTE_MAX + 4096)

void sl_witness_origin_hash(char out[2 * SL_HASH_LEN + 1], const char *origin, size_t len)
{
	unsigned char h[SL_HASH_LEN];

	sl_sha256(h, origin, len);
	sl_hex_encode(out, h, SL_HASH_LEN);
}

/* Read the whole regular file at path (at most max bytes) into out; SL_ENOTFOUND when absent. */
static int read_file(const char *path, struct sl_buf *out, size_t max, struct sl_error *err)
{
	char tmp[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), e = 0;

	if (fd < 0)
		return errno == ENOENT ? SL_ENOTFOUND
				       : sl_error_set(err, sl_errno_code(errno), "unable to open '%s': %s",
						      path, strerror(errno));
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = sl_error_set(err, sl_errno_code(errno), "unable to read '%s': %s", path,
					 strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max) {
			e = sl_error_set(err, SL_ECORRUPT, "'%s' is longer than %zu bytes", path, max);
			break;
		}
		sl_buf_add(out, tmp, (size_t)n);
	}
	close(fd);
	if (e == 0 && (e = sl_buf_ok(out)) < 0)
		sl_error_set(err, e, "out of memory");
	return e;
}

int sl_witness_state_lock(struct sl_witness_state *s, const char *dir, const char *origin,
			  struct sl_error *err)
{
	char hash[2 * SL_HASH_LEN + 1], file[4200];
	struct sl_checkpoint c;
	int e, n;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	sl_buf_init(&s->note);
	sl_witness_origin_hash(hash, origin, strlen(origin));
	n = snprintf(s->path, sizeof(s->path), "%s/%s", dir, hash);
	if (n < 0 || (size_t)n >= sizeof(s->path))
		return sl_error_set(err, SL_EUSAGE, "state directory name too long");
	if (mkdir(s->path, 0700) != 0 && errno != EEXIST)
		return sl_error_set(err, sl_errno_code(errno), "unable to create '%s': %s", s->path,
				    strerror(errno));
	snprintf(file, sizeof(file), "%s/lock", s->path);
	if ((s->lock_fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return sl_error_set(err, sl_errno_code(errno), "unable to open '%s': %s", file,
				    strerror(errno));
	/* flock: per open file, so threads of one process exclude each other as processes do. */
	while (flock(s->lock_fd, LOCK_EX) != 0) {
		if (errno != EINTR)
			return sl_error_set(err, sl_errno_code(errno), "unable to lock '%s': %s", file,
					    strerror(errno));
	}
	snprintf(file, sizeof(file), "%s/checkpoint", s->path);
	e = read_file(file, &s->note, STATE_NOTE_MAX, err);
	if (e == SL_ENOTFOUND) {
		/*
		 * Nothing kept yet: the log's entry in the state directory must be
		 * durable before anything is kept under it, or a crash could make
		 * the witness forget the log and cosign a fork of it from size 0.
		 */
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (dfd < 0 || fsync(dfd) != 0) {
			e = sl_error_set(err, sl_errno_code(errno), "unable to fsync '%s': %s", dir,
					 strerror(errno));
			if (dfd >= 0)
				close(dfd);
			return e;
		}
		close(dfd);
		return 0;
	}
	if (e < 0)
		return e;
	if (sl_checkpoint_parse(s->note.buf, s->note.len, &c, NULL, err) < 0)
		return sl_error_set(err, SL_ECORRUPT, "'%s' is not a checkpoint: %s", file, err ? err->msg : "");
	s->size = c.size;
	memcpy(s->root, c.root, SL_HASH_LEN);
	return 0;
}

/* Append the record "size N\ntime T\nbytes B\n" and the B bytes of note to the file `name`, fsynced. */
static int append_record(struct sl_witness_state *s, const char *name, const char *note,
			 size_t len, uint64_t size, uint64_t ts, struct sl_error *err)
{
	struct sl_buf rec = SL_BUF_INIT;
	char file[4200];
	int fd, e = 0;

	snprintf(file, sizeof(file), "%s/%s", s->path, name);
	sl_buf_addf(&rec, "size %llu\ntime %llu\nbytes %zu\n", (unsigned long long)size,
		    (unsigned long long)ts, len);
	sl_buf_add(&rec, note, len);
	if ((e = sl_buf_ok(&rec)) < 0)
		return sl_error_set(err, e, "out of memory");
	if ((fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0 ||
	    sl_write_all(fd, rec.buf, rec.len) < 0 || fsync(fd) != 0)
		e = sl_error_set(err, sl_errno_code(errno), "unable to append to '%s': %s", file,
				 strerror(errno));
	if (fd >= 0 && close(fd) != 0 && e == 0)
		e = sl_error_set(err, sl_errno_code(errno), "unable to close '%s': %s", file,
				 strerror(errno));
	sl_buf_release(&rec);
	return e;
}

int sl_witness_state_keep(struct sl_witness_state *s, const char *cosigned, size_t len,
			  uint64_t size, uint64_t ts, struct sl_error *err)
{
	char file[4200];
	int e;

	/* The evidence first: a checkpoint that was answered is always in it. */
	if ((e = append_record(s, "cosigned", cosigned, len, size, ts, err)) < 0)
		return e;
	snprintf(file, sizeof(file), "%s/checkpoint", s->path);
	return sl_file_replace(file, cosigned, len, 0600, 1, err);
}

int sl_witness_state_refused(struct sl_witness_state *s, const char *note, size_t len,
			     uint64_t size, uint64_t ts, struct sl_error *err)
{
	return append_record(s, "refused", note, len, size, ts, err);
}

void sl_witness_state_unlock(struct sl_witness_state *s)
{
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* and with it the lock */
	s->lock_fd = -1;
	sl_buf_release(&s->note);
}

int sl_witness_latest(const char *dir, const char *hash, struct sl_buf *out, struct sl_error *err)
{
	char file[4200];
	size_t i;
	int n;

	for (i = 0; hash[i]; i++)
		if (i == 2 * SL_HASH_LEN || !((hash[i] >= '0' && hash[i] <= '9') ||
					      (hash[i] >= 'a' && hash[i] <= 'f')))
			return sl_error_set(err, SL_ENOTFOUND, "not an origin hash");
	if (i != 2 * SL_HASH_LEN)
		return sl_error_set(err, SL_ENOTFOUND, "not an origin hash");
	n = snprintf(file, sizeof(file), "%s/%s/checkpoint", dir, hash);
	if (n < 0 || (size_t)n >= sizeof(file))
		return sl_error_set(err, SL_EUSAGE, "state directory name too long");
	n = read_file(file, out, STATE_NOTE_MAX, err);
	if (n == SL_ENOTFOUND)
		return sl_error_set(err, SL_ENOTFOUND, "nothing cosigned for that log");
	return n;
}
