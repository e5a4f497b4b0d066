// SPDX-License-Identifier: MIT
/* The one line reader (lib/sl/linereader.h); sl_reader splits what it reads with sl_lines. */
#include <poll.h>
#include <signal.h>

#include "sl/sys.h"

#include "sl/linereader.h"

void sl_lines_init(struct sl_lines *it, const char *text, size_t len)
{
	*it = (struct sl_lines){ .p = text, .end = text + len, .line = text };
}

int sl_lines_next(struct sl_lines *it)
{
	const char *nl;

	it->line = it->p;
	if (it->p == it->end) {
		it->len = 0;
		it->nl = 0;
		return 0;
	}
	nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
	it->nl = nl != NULL;
	it->len = (size_t)((nl ? nl : it->end) - it->p);
	it->p = nl ? nl + 1 : it->end;
	it->lineno++;
	return 1;
}

int sl_reader_init(struct sl_reader *r, int fd, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->max = max;
	r->cap = 1 << 16;
	sl_buf_init(&r->line);
	if (!(r->buf = malloc(r->cap)))
		return SL_ENOMEM;
	return 0;
}

void sl_reader_release(struct sl_reader *r)
{
	free(r->buf);
	sl_buf_release(&r->line);
}

/* Let in the signals pending that mask does not block; 1 when any was. */
static int let_in(const sigset_t *mask)
{
	sigset_t pending, old;
	int i;

	if (sigpending(&pending) < 0)
		return 0;
	for (i = 1; i < NSIG; i++)
		if (sigismember(&pending, i) == 1 && !sigismember(mask, i))
			break;
	if (i == NSIG)
		return 0;
	if (sigprocmask(SIG_SETMASK, mask, &old) < 0)
		return 0;
	(void)sigprocmask(SIG_SETMASK, &old, NULL);
	return 1;
}

/* 1 with more input in the buffer, 0 at its end, SL_EIO on a read error without soft. */
static int fill(struct sl_reader *r)
{
	ssize_t n;

	if (r->eof)
		return 0;
	if (r->before_read)
		r->before_read();
	for (;;) {
		if (r->stop) {
			struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

			if (*r->stop) {
				r->stopped = 1;
				r->eof = 1;
				return 0;
			}
			/* The stop signals are let in only here, atomically with the wait. */
			if (ppoll(&pfd, 1, NULL, r->waitmask) < 0 && errno == EINTR)
				continue; /* look at *stop again; other errors show in read */
			/*
			 * Input that is always ready (a regular file) never makes
			 * ppoll wait, and Linux then returns without taking a
			 * pending signal: open the mask for a moment, so that one
			 * sent meanwhile is taken before the next read.
			 */
			if (let_in(r->waitmask) && *r->stop)
				continue;
		}
		n = read(r->fd, r->buf, r->cap);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		r->read_errno = errno;
		r->eof = 1;
		return r->soft ? 0 : SL_EIO;
	}
	r->start = 0;
	r->end = (size_t)n;
	if (n == 0)
		r->eof = 1;
	return n > 0;
}

int sl_reader_next(struct sl_reader *r)
{
	int any = 0, e;

	sl_buf_reset(&r->line);
	r->too_long = 0;
	for (;;) {
		struct sl_lines it;

		if (r->start == r->end && (e = fill(r)) <= 0) {
			if (e < 0)
				return e;
			if (!any || r->read_errno || r->stopped)
				return 0; /* a line cut by a read error is not a line */
			break; /* a last line without newline is still a line */
		}
		any = 1;
		sl_lines_init(&it, r->buf + r->start, r->end - r->start);
		sl_lines_next(&it);
		if (!r->too_long) {
			size_t room = r->max - r->line.len;
			if (it.len > room) {
				sl_buf_add(&r->line, it.line, room);
				r->too_long = 1;
			} else {
				sl_buf_add(&r->line, it.line, it.len);
			}
		}
		r->start = (size_t)(it.p - r->buf);
		if (it.nl)
			break;
	}
	if (sl_buf_ok(&r->line) < 0)
		return SL_ENOMEM;
	r->lineno++;
	return 1;
}
