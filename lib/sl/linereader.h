// SPDX-License-Identifier: MIT
/*
 * The one line reader: lines of a buffer (struct sl_lines) and of a file
 * descriptor (struct sl_reader).  A line is the bytes before a '\n', which
 * is not part of it; a '\r' before it and NUL bytes stay in the line.  The
 * last line may lack its '\n'; an empty input has no line.
 */
#ifndef SL_LINEREADER_H
#define SL_LINEREADER_H

#include <signal.h>
#include <stddef.h>

#include "sl/buf.h"
#include "sl/err.h"

/*
 * The lines of [text, text + len), not copied.  After sl_lines_next()
 * returns 1, line and len are the line (not NUL-terminated), nl is 1 when
 * a '\n' ended it, lineno its number (from 1), and p is where the next
 * line starts (end at the end).  After it returns 0, line is end, len and
 * nl are 0: an empty line.
 */
struct sl_lines {
	const char *p, *end;
	const char *line;
	size_t len;
	int nl;
	long lineno;
};

void sl_lines_init(struct sl_lines *it, const char *text, size_t len);
int sl_lines_next(struct sl_lines *it);

/* Lines of fd (which the reader never closes); set the fields marked so after sl_reader_init(). */
struct sl_reader {
	int fd;
	size_t max;
	struct sl_buf line; /* the last line read, without "\n" */
	long lineno;        /* its number, from 1 */
	/* Set when the line is longer than max: line holds its first max bytes, the rest is skipped. */
	int too_long;
	/*
	 * Set soft to 1 and a read error ends the input (sl_reader_next returns
	 * 0) with its errno in read_errno, so that the caller can first finish
	 * what it has under way.
	 */
	int soft, read_errno;
	/*
	 * Set stop to a flag set by a signal handler and waitmask to the
	 * signal mask to wait with (the caller blocks those signals at other
	 * times): then the signals are taken only while the reader waits for
	 * input, none is missed, and once *stop is set the input ends
	 * (sl_reader_next returns 0, stopped is set; a line cut short is not a line).
	 */
	volatile sig_atomic_t *stop;
	const sigset_t *waitmask;
	int stopped;
	/* Set to call it before each read, which may block (a program flushes its output there). */
	void (*before_read)(void);
	/* private */
	char *buf;
	size_t start, end, cap;
	int eof;
};

/* 0, or SL_ENOMEM. */
int sl_reader_init(struct sl_reader *r, int fd, size_t max) SL_WUR;
void sl_reader_release(struct sl_reader *r);
/*
 * 1 with the next line in r->line; 0 at the end of the input (a last line
 * without "\n" is still a line, one cut by a soft read error or a stop is
 * not); SL_EIO on a read error without soft (errno in r->read_errno), or
 * SL_ENOMEM.  After an error the input has ended.
 */
int sl_reader_next(struct sl_reader *r) SL_WUR;

#endif
