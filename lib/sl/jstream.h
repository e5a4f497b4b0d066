// SPDX-License-Identifier: MIT
/*
 * Reading one large JSON document a value at a time, so that a document
 * far larger than memory (a complete snapshot lists every entry of the
 * ledger) can be walked with memory bounded by its largest single value.
 *
 * The reader sees the document as a sequence of tokens: the caller says
 * what it expects next (an object, a key, an array item, a whole value)
 * and the reader checks it.  A whole value is found by scanning for its
 * end (strings, escapes and nesting are tracked) and then parsed by
 * jansson, so every value handed out was checked by the one JSON parser.
 *
 * Every function returns 0 or 1 as described, or SL_EINVAL (err says what
 * and at which byte offset) when the text is not what was expected or a
 * value is longer than `max`, SL_EIO when reading failed, SL_ENOMEM.
 */
#ifndef SL_JSTREAM_H
#define SL_JSTREAM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"

struct sl_jstream {
	int fd;          /* read from, or -1: the whole text is in buf */
	char *buf;       /* owned when fd >= 0 */
	size_t pos, end, cap;
	size_t max;      /* most bytes one value may take */
	uint64_t off;    /* bytes dropped before buf[0] (for messages) */
	int eof;
};

/* Read from fd (not closed by the reader); a value of more than max bytes is refused. */
void sl_jstream_init_fd(struct sl_jstream *js, int fd, size_t max);
/* Read text[0..len), which must stay valid while js is used. */
void sl_jstream_init_mem(struct sl_jstream *js, const char *text, size_t len);
void sl_jstream_release(struct sl_jstream *js);

/* The next character that is not white space, not consumed: 1 with *c set, 0 at the end. */
int sl_jstream_peek(struct sl_jstream *js, int *c, struct sl_error *err) SL_WUR;

/* Consume the character c (after white space); SL_EINVAL when another comes. */
int sl_jstream_expect(struct sl_jstream *js, int c, struct sl_error *err) SL_WUR;

/*
 * Inside an object or array opened by sl_jstream_expect('{' or '['):
 * 1 when another member or item follows (its separating comma consumed;
 * *count, 0 at the opening, counts them), 0 when `close` was consumed.
 */
int sl_jstream_more(struct sl_jstream *js, int close, size_t *count, struct sl_error *err) SL_WUR;

/* An object's key and its colon: the key's bytes are put in key (emptied first). */
int sl_jstream_key(struct sl_jstream *js, struct sl_buf *key, struct sl_error *err) SL_WUR;

/* The next whole value, parsed: *v is a new reference. */
int sl_jstream_value(struct sl_jstream *js, json_t **v, struct sl_error *err) SL_WUR;

/* The next whole value, checked for its end only and dropped (not parsed). */
int sl_jstream_skip(struct sl_jstream *js, struct sl_error *err) SL_WUR;

/* The next value, a string, unescaped into out (emptied first). */
int sl_jstream_string(struct sl_jstream *js, struct sl_buf *out, struct sl_error *err) SL_WUR;

/*
 * The next whole value's text, not parsed: *p (valid until the next call
 * on js) and *len.  Its brackets and strings are balanced; the rest is the
 * caller's to check.
 */
int sl_jstream_span(struct sl_jstream *js, const char **p, size_t *len, struct sl_error *err) SL_WUR;

/* Only white space is left: 0, else SL_EINVAL. */
int sl_jstream_finish(struct sl_jstream *js, struct sl_error *err) SL_WUR;

#endif
