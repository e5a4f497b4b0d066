// SPDX-License-Identifier: MIT
/*
 * What the capture programs (sl-capture-git, sl-capture-env,
 * sl-capture-config) share: the capture time, the host name, JSON strings
 * from bytes that may not be UTF-8, the rules that keep secrets out of the
 * ledger, and the writing of one validated entry line.
 *
 * Secrets (DESIGN.md section 3): no capture program ever writes a
 * credential; what is one is decided in sl/secret.h.
 */
#ifndef SL_CAPTURE_H
#define SL_CAPTURE_H

#include <jansson.h>
#include <stddef.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/time.h"

/* The current time as the ledger writes it (UTC, 6 fraction digits): captured_at. */
int sl_capture_time(char out[SL_TS_LEN + 1]) SL_WUR;

/*
 * This host's name from gethostname(2), replaced by "localhost" when it is
 * empty or holds control characters.  Appended to out; SL_ENOMEM on failure.
 */
int sl_capture_hostname(struct sl_buf *out) SL_WUR;

/*
 * A new JSON string (one reference, or NULL when out of memory) from len
 * bytes that need not be UTF-8: each byte that is not part of a valid
 * UTF-8 sequence becomes U+FFFD, and a NUL byte becomes U+FFFD too, so the
 * result is always a string the ledger accepts.  File names and variable
 * values come from outside and are not always UTF-8.
 */
json_t *sl_json_string_lossy(const char *s, size_t len);

/*
 * As sl_json_string_lossy(), and control characters (U+0000 to U+001F,
 * U+007F) become U+FFFD as well: for file names, which git and POSIX allow
 * to hold a newline but the ledger's path members do not.
 */
json_t *sl_json_string_clean(const char *s, size_t len);

/*
 * Check the entry {type, source, payload} exactly as sl-append does
 * (members, payload schema, canonical size) and append its canonical form
 * and a newline to out.  payload is not consumed.  SL_EINVAL with the
 * member in err when it would be rejected; out is then unchanged.
 */
int sl_capture_emit(struct sl_buf *out, const char *type, const char *source,
		    const json_t *payload, struct sl_error *err) SL_WUR;

/*
 * Append s to b as sl_json_string_clean() would write it: invalid UTF-8
 * and control characters become U+FFFD, so that a file name with a
 * newline still makes a valid source.
 */
void sl_capture_source_add(struct sl_buf *b, const char *s);

/*
 * Make a source fit the ledger's 256 bytes: when b is longer, keep its
 * first `keep` bytes (such as "config:HOST:"), then "..." and as much of
 * the end as fits, never cutting a UTF-8 sequence.  The payload still
 * carries the whole path; the source only has to tell entries apart.
 */
void sl_capture_source_fit(struct sl_buf *b, size_t keep);

/*
 * Check every line of buf (len bytes) as sl-append will: blank lines are
 * skipped, a last line without a newline counts.  0 when all are valid
 * entries; SL_EINVAL with the 1-based line in err->line and the member
 * and reason in err for the first that is not; SL_ENOMEM.
 */
int sl_capture_check_lines(const char *buf, size_t len, struct sl_error *err) SL_WUR;

#endif
