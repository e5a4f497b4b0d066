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

/* One "<word> <decimal>\n" at *p (n bytes left) into *v; 1, 0 when cut short, -1. */
static int header_line(const char **p, size_t *n, const char *word, uint64_t *v)
{
	size_t wl = strlen(word), i, digits = 0;

	*v = 0;
	for (i = 0; i < wl; i++)
		if (i == *n)
			return 0;
		else if ((*p)[i] != word[i])
			return -1;
	for (; i < *n && (*p)[i] >= '0' && (*p)[i] <= '9'; i++, digits++)
		if (digits == 19)
			return -1;
		else
			*v = *v * 10 + (uint64_t)((*p)[i] - '0');
	if (i == *n)
		return 0;
	if (!digits || (*p)[i] != '\n')
		return -1;
	*p += i + 1;
	*n -= i + 1;
	return 1;
}

/* A record's header "size N\ntime T\nbytes B\n" in h (len bytes): B and its length; as above. */
static int record_header(const char *h, size_t len, size_t *bytes, size_t *hlen)
{
	const char *p = h;
	size_t n = len;
	uint64_t v;
	int r;

	if ((r = header_line(&p, &n, "size ", &v)) <= 0 || (r = header_line(&p, &n, "time ", &v)) <= 0 ||
	    (r = header_line(&p, &n, "bytes ", &v)) <= 0)
		return r;
	*bytes = (size_t)v;
	*hlen = len - n;
	return 1;
}

/*
 * 0 when the bytes [from, end) of the evidence file fd can be the rest of
 * one torn record (shorter than a whole one, no whole record header in
 * them), else SL_ECORRUPT.
 */
static int only_torn(int fd, off_t from, off_t end, const char *path, struct sl_error *err)
{
	struct sl_buf rest = SL_BUF_INIT;
	char tmp[4096];
	off_t off;
	int e = 0;

	if (end - from > STATE_NOTE_MAX)
		return sl_error_set(err, SL_ECORRUPT, "'%s': a record is cut short before the end", path);
	for (off = from; off < end;) {
		ssize_t got = pread(fd, tmp, sizeof(tmp), off);

		if (got <= 0) {
			e = sl_error_set(err, got < 0 ? sl_errno_code(errno) : SL_ECORRUPT,
					 "unable to read '%s'", path);
			goto out;
		}
		sl_buf_add(&rest, tmp, (size_t)got);
		off += got;
	}
	if ((e = sl_buf_ok(&rest)) < 0) {
		sl_error_set(err, e, "out of memory");
		goto out;
	}
	/* A torn record's rest may end anywhere, and the next record starts right after it. */
	for (const char *p = rest.buf, *stop = rest.buf + rest.len;
	     (p = memmem(p, (size_t)(stop - p), "size ", 5)) != NULL; p++) {
		size_t bytes, n;

		if (record_header(p, (size_t)(stop - p), &bytes, &n) == 1) {
			e = sl_error_set(err, SL_ECORRUPT, "'%s': records follow one cut short", path);
			break;
		}
	}
out:
	sl_buf_release(&rest);
	return e;
}

/*
 * The note of the last whole record of the evidence file at path (records
 * as append_record writes them; a torn last one, never answered, is
 * skipped) into out.  SL_ENOTFOUND when the file is absent or holds no
 * whole record, SL_ECORRUPT when a record header does not parse.
 */
static int last_record(const char *path, struct sl_buf *out, struct sl_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), e = SL_ENOTFOUND;
	off_t off = 0, at = 0;
	size_t want = 0;
	struct stat st;

	if (fd < 0)
		return errno == ENOENT ? SL_ENOTFOUND
				       : sl_error_set(err, sl_errno_code(errno), "unable to open '%s': %s",
						      path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		e = sl_error_set(err, sl_errno_code(errno), "unable to read '%s': %s", path, strerror(errno));
		goto out;
	}
	for (;;) {
		char h[128];
		size_t bytes, n;
		ssize_t got = pread(fd, h, sizeof(h), off);
		int r;

		if (got < 0) {
			e = sl_error_set(err, sl_errno_code(errno), "unable to read '%s': %s", path,
					 strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		r = record_header(h, (size_t)got, &bytes, &n);
		/* Cut short at the end of the file: a record torn by a crash, never answered. */
		if (r == 0 && off + got == st.st_size)
			break;
		if (r <= 0) {
			e = sl_error_set(err, SL_ECORRUPT, "'%s': the record at byte %lld does not start "
					 "with its size, time and length", path, (long long)off);
			goto out;
		}
		if (bytes > STATE_NOTE_MAX || (off_t)bytes > st.st_size - off - (off_t)n) {
			/*
			 * Longer than the rest of the file: torn, if it is the last.
			 * Records appended after a torn one (the witness went on after
			 * the crash) would be hidden in it, and the state found here
			 * older than one answered since.
			 */
			if ((e = only_torn(fd, off + (off_t)n, st.st_size, path, err)) < 0)
				goto out;
			e = at ? 0 : SL_ENOTFOUND; /* a whole record before it, or none */
			break;
		}
		at = off + (off_t)n;
		want = bytes;
		e = 0;
		off = at + (off_t)bytes;
	}
	sl_buf_reset(out);
	for (off = at; e == 0 && off < at + (off_t)want;) {
		char tmp[4096];
		size_t n = (size_t)(at + (off_t)want - off) < sizeof(tmp) ? (size_t)(at + (off_t)want - off)
									   : sizeof(tmp);
		ssize_t got = pread(fd, tmp, n, off);

		if (got <= 0) {
			e = sl_error_set(err, got < 0 ? sl_errno_code(errno) : SL_ECORRUPT,
					 "unable to read '%s'", path);
			break;
		}
		sl_buf_add(out, tmp, (size_t)got);
		off += got;
	}
	if (e == 0 && (e = sl_buf_ok(out)) < 0)
		sl_error_set(err, e, "out of memory");
out:
	close(fd);
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
		 * Evidence of checkpoints cosigned, but no latest one (lost in a
		 * partial restore, or a crash between the evidence and the
		 * checkpoint of a log's first cosigning): starting over from size
		 * 0 would cosign any fork of the log.  The last whole record of
		 * the evidence is the latest checkpoint that can have been answered.
		 */
		snprintf(file, sizeof(file), "%s/cosigned", s->path);
		e = last_record(file, &s->note, err);
		if (e == 0 && sl_checkpoint_parse(s->note.buf, s->note.len, &c, NULL, NULL) == 0) {
			snprintf(file, sizeof(file), "%s/checkpoint", s->path);
			if ((e = sl_file_replace(file, s->note.buf, s->note.len, 0600, 1, err)) < 0)
				return e;
		}
		if (e == 0)
			goto parse;
		if (e != SL_ENOTFOUND)
			return e;
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
parse:
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
	char hash[2 * SL_HASH_LEN + 1], mark[4200];
	struct sl_checkpoint c;
	size_t tl;
	int e, fd;

	/*
	 * Each checkpoint text once: anyone who saw a checkpoint of the log
	 * newer than the witness's can send it with a bad proof as often as
	 * they like, and each copy kept would grow the evidence without end.
	 * A marker per text is made after its record, so a crash between the
	 * two keeps it twice, never not at all.
	 */
	if ((e = sl_checkpoint_parse(note, len, &c, &tl, err)) < 0)
		return e;
	{
		unsigned char h[SL_HASH_LEN];
		sl_sha256(h, note, tl);
		sl_hex_encode(hash, h, SL_HASH_LEN);
	}
	snprintf(mark, sizeof(mark), "%s/refused.d", s->path);
	if (mkdir(mark, 0700) != 0 && errno != EEXIST)
		return sl_error_set(err, sl_errno_code(errno), "unable to create '%s': %s", mark,
				    strerror(errno));
	snprintf(mark, sizeof(mark), "%s/refused.d/%s", s->path, hash);
	if (access(mark, F_OK) == 0)
		return 0;
	if ((e = append_record(s, "refused", note, len, size, ts, err)) < 0)
		return e;
	if ((fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return sl_error_set(err, sl_errno_code(errno), "unable to create '%s': %s", mark,
				    strerror(errno));
	close(fd);
	return 0;
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
