// SPDX-License-Identifier: MIT
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/buf.h"

char sl_buf_empty[1];

void sl_buf_init(struct sl_buf *b)
{
	b->buf = sl_buf_empty;
	b->len = 0;
	b->alloc = 0;
	b->oom = 0;
}

void sl_buf_release(struct sl_buf *b)
{
	if (b->alloc)
		free(b->buf);
	sl_buf_init(b);
}

void sl_buf_reset(struct sl_buf *b)
{
	b->oom = 0;
	if (b->alloc) {
		b->len = 0;
		b->buf[0] = '\0';
	}
}

void sl_buf_grow(struct sl_buf *b, size_t extra)
{
	size_t need, alloc;
	char *p;

	if (b->oom)
		return;
	if (extra > SIZE_MAX - b->len - 1) {
		b->oom = 1;
		return;
	}
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return;
	alloc = b->alloc ? b->alloc : 64;
	while (alloc < need)
		alloc = alloc > SIZE_MAX / 2 ? need : alloc * 2;
	p = realloc(b->alloc ? b->buf : NULL, alloc);
	if (!p) {
		b->oom = 1;
		return;
	}
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = alloc;
}

void sl_buf_add(struct sl_buf *b, const void *data, size_t len)
{
	sl_buf_grow(b, len);
	if (b->oom)
		return;
	if (len)
		memcpy(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

void sl_buf_addstr(struct sl_buf *b, const char *s)
{
	sl_buf_add(b, s, strlen(s));
}

void sl_buf_addch(struct sl_buf *b, int c)
{
	sl_buf_grow(b, 1);
	if (b->oom)
		return;
	b->buf[b->len++] = (char)c;
	b->buf[b->len] = '\0';
}

void sl_buf_vaddf(struct sl_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (b->oom)
		return;
	va_copy(cp, ap);
	n = vsnprintf(b->buf + b->len, b->alloc ? b->alloc - b->len : 0, fmt, cp);
	va_end(cp);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	if (b->len + (size_t)n + 1 > b->alloc) {
		sl_buf_grow(b, (size_t)n);
		if (b->oom)
			return;
		n = vsnprintf(b->buf + b->len, b->alloc - b->len, fmt, ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
	}
	b->len += (size_t)n;
}

void sl_buf_addf(struct sl_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sl_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void sl_buf_addhex(struct sl_buf *b, const unsigned char *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (len > SIZE_MAX / 2) {
		b->oom = 1;
		return;
	}
	sl_buf_grow(b, 2 * len);
	if (b->oom)
		return;
	for (i = 0; i < len; i++) {
		b->buf[b->len++] = hex[data[i] >> 4];
		b->buf[b->len++] = hex[data[i] & 15];
	}
	b->buf[b->len] = '\0';
}

void sl_buf_setlen(struct sl_buf *b, size_t len)
{
	if (len > b->len)
		len = b->len;
	b->len = len;
	if (b->alloc)
		b->buf[len] = '\0';
}

char *sl_buf_detach(struct sl_buf *b, size_t *len)
{
	char *p;

	if (b->oom) {
		sl_buf_release(b);
		return NULL;
	}
	if (!b->alloc) {
		sl_buf_grow(b, 0);
		if (b->oom)
			return NULL;
	}
	p = b->buf;
	if (len)
		*len = b->len;
	sl_buf_init(b);
	return p;
}

void sl_buf_addu64(struct sl_buf *b, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	sl_buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void sl_buf_addi64(struct sl_buf *b, int64_t v)
{
	if (v < 0) {
		sl_buf_addch(b, '-');
		sl_buf_addu64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		sl_buf_addu64(b, (uint64_t)v);
	}
}

int sl_buf_write(void *ctx, const void *data, size_t len)
{
	sl_buf_add(ctx, data, len);
	return sl_buf_ok(ctx);
}
