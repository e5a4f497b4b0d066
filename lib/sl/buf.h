// SPDX-License-Identifier: MIT
/*
 * struct sl_buf: the one growable byte buffer of libsl.
 *
 * The contents are always NUL-terminated (buf[len] == '\0'), so they can be
 * used as a C string when they hold no NUL.  An initialised, empty buffer
 * points at a static empty string and owns no memory.
 *
 * Allocation failure is sticky, as with stdio's error flag: once an append
 * fails, `oom` is set, later appends do nothing, and the caller checks once
 * with sl_buf_ok() before using the result.  This keeps the many small
 * appends of a serialiser readable while no failure goes unnoticed.
 */
#ifndef SL_BUF_H
#define SL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "sl/err.h"

struct sl_buf {
	char *buf;
	size_t len;
	/* private */
	size_t alloc;
	int oom;
};

extern char sl_buf_empty[];
#define SL_BUF_INIT { sl_buf_empty, 0, 0, 0 }

void sl_buf_init(struct sl_buf *b);
/* Free the contents; the buffer is left initialised and empty. */
void sl_buf_release(struct sl_buf *b);
/* Make the buffer empty, keeping its memory; clears the error flag. */
void sl_buf_reset(struct sl_buf *b);
/* Make room for `extra` more bytes; sets the error flag on failure. */
void sl_buf_grow(struct sl_buf *b, size_t extra);
void sl_buf_add(struct sl_buf *b, const void *data, size_t len);
void sl_buf_addstr(struct sl_buf *b, const char *s);
void sl_buf_addch(struct sl_buf *b, int c);
void sl_buf_addf(struct sl_buf *b, const char *fmt, ...) SL_PRINTF(2, 3);
void sl_buf_vaddf(struct sl_buf *b, const char *fmt, va_list ap);
/* Append `len` bytes as lowercase hex. */
void sl_buf_addhex(struct sl_buf *b, const unsigned char *data, size_t len);
/* Append a decimal integer (faster than sl_buf_addf on hot paths). */
void sl_buf_addu64(struct sl_buf *b, uint64_t v);
void sl_buf_addi64(struct sl_buf *b, int64_t v);

/*
 * A sink for streamed output (sl_snapshot(), sl_artifact_get()): called
 * with each piece in turn; returns 0, or a negative SL_E... code that stops
 * the producer and is returned by it.
 */
typedef int (*sl_write_fn)(void *ctx, const void *data, size_t len);
/* An sl_write_fn that appends to the struct sl_buf ctx (SL_ENOMEM when it cannot). */
int sl_buf_write(void *ctx, const void *data, size_t len);
/* Shorten to `len` bytes (len <= b->len). */
void sl_buf_setlen(struct sl_buf *b, size_t len);

/* 0 when every append so far succeeded, SL_ENOMEM otherwise. */
static inline int sl_buf_ok(const struct sl_buf *b)
{
	return b->oom ? SL_ENOMEM : 0;
}

/*
 * Hand the contents to the caller (to free()), leaving the buffer empty.
 * Returns NULL if an append failed or no memory could be had.
 */
char *sl_buf_detach(struct sl_buf *b, size_t *len) SL_WUR;

#endif
