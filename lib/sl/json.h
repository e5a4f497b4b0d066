// SPDX-License-Identifier: MIT
/*
 * JSON reading (through jansson, chosen by measurement: doc/json-parser.md)
 * and the RFC 8785 (JCS) canonical writer.
 *
 * The ledger stores no floating-point numbers: every number must be an
 * integer with |n| <= 2^53 - 1 (SL_JSON_INT_MAX).  Duplicate keys are
 * rejected when reading.  Strings must be valid UTF-8.
 */
#ifndef SL_JSON_H
#define SL_JSON_H

#include <jansson.h>
#include <stddef.h>

#include "sl/buf.h"
#include "sl/err.h"

#define SL_JSON_INT_MAX 9007199254740991LL
#define SL_JSON_DEPTH_MAX 64

/*
 * Parse one JSON text of `len` bytes (no trailing garbage; white space
 * around it is allowed).  On success *out holds a new reference the caller
 * must json_decref().  On failure returns SL_EINVAL with the column and
 * reason in err (err->line is left alone), and *out is NULL.
 */
int sl_json_parse(const char *s, size_t len, json_t **out, struct sl_error *err) SL_WUR;

/*
 * json_loadb() of s[0..len) with jansson's flags: 0 with *out a new
 * reference; SL_ENOMEM when an allocation failed (which jansson may
 * report as bad JSON); SL_EINVAL with *je saying what is wrong.
 */
int sl_json_load(const char *s, size_t len, size_t flags, json_t **out, json_error_t *je) SL_WUR;

/*
 * Append the JCS canonical form of v to out.  `path` names v in messages
 * ("payload"); may be NULL.  Rejects reals, integers beyond 2^53-1,
 * invalid UTF-8 and nesting deeper than SL_JSON_DEPTH_MAX with SL_EINVAL,
 * naming the member in err->member.  Out of memory is SL_ENOMEM.
 */
int sl_jcs_write(struct sl_buf *out, const json_t *v, const char *path,
		 struct sl_error *err) SL_WUR;

/* Append s (len bytes, must be valid UTF-8) as a canonical JSON string. */
int sl_jcs_string(struct sl_buf *out, const char *s, size_t len) SL_WUR;

/* True when s[0..len) is valid UTF-8 (no surrogates, no overlongs). */
int sl_utf8_valid(const char *s, size_t len);

/* Compare two UTF-8 keys in UTF-16 code unit order, as RFC 8785 sorts. */
int sl_jcs_keycmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
