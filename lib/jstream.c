// SPDX-License-Identifier: MIT
/* Reading a JSON document a value at a time (lib/sl/jstream.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sl/hash.h"
#include "sl/json.h"
#include "sl/jstream.h"

#define CHUNK ((size_t)1 << 16)

void sl_jstream_init_fd(struct sl_jstream *js, int fd, size_t max)
{
	memset(js, 0, sizeof(*js));
	js->fd = fd;
	js->max = max;
}

void sl_jstream_init_mem(struct sl_jstream *js, const char *text, size_t len)
{
	memset(js, 0, sizeof(*js));
	js->fd = -1;
	js->buf = (char *)text; /* never written: fill() reads nothing when fd < 0 */
	js->end = js->cap = len;
	js->max = len;
	js->eof = 1;
}

void sl_jstream_release(struct sl_jstream *js)
{
	if (js->fd >= 0)
		free(js->buf);
	memset(js, 0, sizeof(*js));
	js->fd = -1;
}

static int where(struct sl_jstream *js, struct sl_error *err, const char *what)
{
	return sl_error_set(err, SL_EINVAL, "%s at byte %llu", what,
			    (unsigned long long)(js->off + js->pos));
}

/*
 * Read more: 1 when bytes were added after buf[end], 0 at the end of the
 * input.  Bytes before pos are dropped first; what lies between pos and
 * end stays, at a new address (callers keep offsets from pos, never
 * pointers).
 */
static int fill(struct sl_jstream *js, struct sl_error *err)
{
	ssize_t n;

	if (js->eof || js->fd < 0)
		return 0;
	if (js->pos > 0) {
		memmove(js->buf, js->buf + js->pos, js->end - js->pos);
		js->off += js->pos;
		js->end -= js->pos;
		js->pos = 0;
	}
	if (js->cap - js->end < CHUNK / 2) {
		size_t nc = js->cap ? 2 * js->cap : CHUNK;
		char *nb;
		if (js->end > js->max)
			return sl_error_set(err, SL_EINVAL, "a value at byte %llu is longer than %zu bytes",
					    (unsigned long long)js->off, js->max);
		if (!(nb = realloc(js->buf, nc)))
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		js->buf = nb;
		js->cap = nc;
	}
	do
		n = read(js->fd, js->buf + js->end, js->cap - js->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return sl_error_set(err, sl_errno_code(errno),
				    "unable to read: %s", strerror(errno));
	if (n == 0) {
		js->eof = 1;
		return 0;
	}
	js->end += (size_t)n;
	return 1;
}

static int is_ws(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int sl_jstream_peek(struct sl_jstream *js, int *c, struct sl_error *err)
{
	int e;

	for (;;) {
		while (js->pos < js->end && is_ws((unsigned char)js->buf[js->pos]))
			js->pos++;
		if (js->pos < js->end) {
			*c = (unsigned char)js->buf[js->pos];
			return 1;
		}
		if ((e = fill(js, err)) <= 0)
			return e;
	}
}

int sl_jstream_expect(struct sl_jstream *js, int c, struct sl_error *err)
{
	int got, e;
	char msg[32];

	if ((e = sl_jstream_peek(js, &got, err)) < 0)
		return e;
	if (e == 0 || got != c) {
		snprintf(msg, sizeof(msg), "'%c' expected", c);
		return where(js, err, e == 0 ? "the document ends early" : msg);
	}
	js->pos++;
	return 0;
}

int sl_jstream_more(struct sl_jstream *js, int close, size_t *count, struct sl_error *err)
{
	int c, e;

	if ((e = sl_jstream_peek(js, &c, err)) < 0)
		return e;
	if (e == 0)
		return where(js, err, "the document ends early");
	if (c == close) {
		js->pos++;
		return 0;
	}
	if (*count > 0) {
		if (c != ',')
			return where(js, err, close == '}' ? "',' or '}' expected" : "',' or ']' expected");
		js->pos++;
	}
	(*count)++;
	return 1;
}

/*
 * The length of the value starting at pos (after white space): scanned for
 * its end only, so that it can be parsed whole from buf + pos.
 */
static int scan(struct sl_jstream *js, size_t *len, struct sl_error *err)
{
	size_t i = 0, depth = 0;
	int instr = 0, esc = 0, c, e;

	if ((e = sl_jstream_peek(js, &c, err)) < 0)
		return e;
	if (e == 0)
		return where(js, err, "the document ends early");
	for (;; i++) {
		if (js->pos + i == js->end) {
			if (i > js->max)
				return where(js, err, "a value is too long");
			if ((e = fill(js, err)) < 0)
				return e;
			if (e == 0) {
				if (depth || instr)
					return where(js, err, "the document ends early");
				break; /* a number, true, false or null at the very end */
			}
		}
		if (instr && !esc) {
			/* The bulk of a document is string bytes: skip them in a tight loop. */
			const char *b = js->buf + js->pos, *q = b + i, *lim = js->buf + js->end;
			while (q < lim && *q != '"' && *q != '\\')
				q++;
			i = (size_t)(q - b);
			if (q == lim) {
				i--; /* the loop's i++ brings it back to the end: refill there */
				continue;
			}
		}
		c = (unsigned char)js->buf[js->pos + i];
		if (instr) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"' && (instr = 0, depth == 0)) {
				i++;
				break;
			}
			continue;
		}
		if (c == '"') {
			instr = 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				break;
			if (--depth == 0) {
				i++;
				break;
			}
		} else if (depth == 0 && (c == ',' || c == ':' || is_ws(c))) {
			break;
		}
	}
	if (i == 0)
		return where(js, err, "a value expected");
	if (i > js->max)
		return where(js, err, "a value is too long");
	*len = i;
	return 0;
}

int sl_jstream_value(struct sl_jstream *js, json_t **v, struct sl_error *err)
{
	json_error_t je;
	size_t n;
	int e;

	if ((e = scan(js, &n, err)) < 0)
		return e;
	e = sl_json_load(js->buf + js->pos, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES |
			 JSON_ALLOW_NUL, v, &je);
	if (e == SL_ENOMEM)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	if (e < 0)
		return sl_error_set(err, SL_EINVAL, "not JSON at byte %llu: %s",
				    (unsigned long long)(js->off + js->pos + (size_t)(je.position > 0 ? je.position : 0)),
				    je.text);
	js->pos += n;
	return 0;
}

int sl_jstream_skip(struct sl_jstream *js, struct sl_error *err)
{
	size_t n;
	int e;

	if ((e = scan(js, &n, err)) < 0)
		return e;
	js->pos += n;
	return 0;
}

static int hex4(const char *s, unsigned long *v)
{
	int i, d;

	for (*v = 0, i = 0; i < 4; i++) {
		if ((d = sl_hex_digit((unsigned char)s[i])) < 0)
			return -1;
		*v = *v << 4 | (unsigned long)d;
	}
	return 0;
}

static void add_utf8(struct sl_buf *out, unsigned long c)
{
	char u[4];
	size_t n;

	if (c < 0x80)
		u[0] = (char)c, n = 1;
	else if (c < 0x800)
		u[0] = (char)(0xc0 | c >> 6), u[1] = (char)(0x80 | (c & 0x3f)), n = 2;
	else if (c < 0x10000)
		u[0] = (char)(0xe0 | c >> 12), u[1] = (char)(0x80 | (c >> 6 & 0x3f)),
		u[2] = (char)(0x80 | (c & 0x3f)), n = 3;
	else
		u[0] = (char)(0xf0 | c >> 18), u[1] = (char)(0x80 | (c >> 12 & 0x3f)),
		u[2] = (char)(0x80 | (c >> 6 & 0x3f)), u[3] = (char)(0x80 | (c & 0x3f)), n = 4;
	sl_buf_add(out, u, n);
}

/*
 * RFC 8259 string unescaping: every escape, surrogate pairs joined, control
 * characters and lone surrogates refused (UTF-8 itself is checked by the
 * caller's parser, or is the caller's to check).
 */
int sl_jstream_string(struct sl_jstream *js, struct sl_buf *out, struct sl_error *err)
{
	const char *s, *end, *run;
	size_t n;
	int c, e;

	if ((e = sl_jstream_peek(js, &c, err)) < 0)
		return e;
	if (e == 0 || c != '"')
		return where(js, err, "a string expected");
	if ((e = scan(js, &n, err)) < 0)
		return e;
	sl_buf_reset(out);
	s = js->buf + js->pos + 1;
	end = js->buf + js->pos + n - 1;
	while (s < end) {
		for (run = s; s < end && *s != '\\' && (unsigned char)*s >= 0x20; s++)
			;
		sl_buf_add(out, run, (size_t)(s - run));
		if (s == end)
			break;
		if ((unsigned char)*s < 0x20 || s + 1 == end)
			return where(js, err, "a control character in a string");
		switch (s[1]) {
		case '"': case '\\': case '/': sl_buf_addch(out, s[1]); s += 2; break;
		case 'b': sl_buf_addch(out, '\b'); s += 2; break;
		case 'f': sl_buf_addch(out, '\f'); s += 2; break;
		case 'n': sl_buf_addch(out, '\n'); s += 2; break;
		case 'r': sl_buf_addch(out, '\r'); s += 2; break;
		case 't': sl_buf_addch(out, '\t'); s += 2; break;
		case 'u': {
			unsigned long u, lo;
			if (end - s < 6 || hex4(s + 2, &u) < 0)
				return where(js, err, "a bad \\u escape in a string");
			s += 6;
			if (u >= 0xdc00 && u <= 0xdfff)
				return where(js, err, "a lone surrogate in a string");
			if (u >= 0xd800 && u <= 0xdbff) {
				if (end - s < 6 || s[0] != '\\' || s[1] != 'u' || hex4(s + 2, &lo) < 0 ||
				    lo < 0xdc00 || lo > 0xdfff)
					return where(js, err, "a lone surrogate in a string");
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				s += 6;
			}
			add_utf8(out, u);
			break;
		}
		default:
			return where(js, err, "a bad escape in a string");
		}
	}
	if (sl_buf_ok(out) < 0)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	js->pos += n;
	return 0;
}

int sl_jstream_span(struct sl_jstream *js, const char **p, size_t *len, struct sl_error *err)
{
	int e;

	if ((e = scan(js, len, err)) < 0)
		return e;
	*p = js->buf + js->pos;
	js->pos += *len;
	return 0;
}

int sl_jstream_key(struct sl_jstream *js, struct sl_buf *key, struct sl_error *err)
{
	int e;

	if ((e = sl_jstream_string(js, key, err)) < 0)
		return e;
	return sl_jstream_expect(js, ':', err);
}

int sl_jstream_finish(struct sl_jstream *js, struct sl_error *err)
{
	int c, e;

	if ((e = sl_jstream_peek(js, &c, err)) < 0)
		return e;
	return e == 0 ? 0 : where(js, err, "text after the document");
}
