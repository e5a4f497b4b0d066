// SPDX-License-Identifier: MIT
/*
 * Time: the ledger's fixed-width `ts` (YYYY-MM-DDTHH:MM:SS.ffffffZ, UTC,
 * so that text order is time order) and the parsing of the times users
 * give to --at, --since and --until.  Times are microseconds since the
 * Unix epoch, UTC, in an int64_t.
 */
#ifndef SL_TIME_H
#define SL_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "sl/err.h"

#define SL_TS_LEN 27 /* strlen("2026-11-25T20:46:33.123456Z") */
#define SL_TIME_MIN (-62135596800LL * 1000000) /* 0001-01-01T00:00:00Z */
#define SL_TIME_MAX (253402300799LL * 1000000 + 999999) /* 9999-12-31T23:59:59.999999Z */

/* Current time (CLOCK_REALTIME) in microseconds; SL_EIO if the clock fails. */
int sl_time_now(int64_t *usec) SL_WUR;

/* Write the ts form of usec (SL_TIME_MIN..SL_TIME_MAX) and a NUL to out. */
int sl_time_format(char out[SL_TS_LEN + 1], int64_t usec) SL_WUR;

/*
 * Parse a time given by a user: RFC 3339 ("2026-11-25T20:46:33Z",
 * "2026-11-25T21:46:33.5+01:00", a space or "t" for the "T", "z" for "Z",
 * a comma for the decimal point as `date -Ins` writes it; fractions beyond
 * microseconds are cut, never rounded up), a date alone
 * ("2026-11-25", meaning its midnight UTC), "@SECONDS[.FRACTION]" (Unix
 * time) or "now".  Returns 0 or SL_EINVAL with the reason in err.
 */
int sl_time_parse(const char *s, int64_t *usec, struct sl_error *err) SL_WUR;

/* True when s is exactly a ts as the ledger writes it. */
int sl_ts_valid(const char *s, size_t len);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t sl_days_from_civil(int64_t y, unsigned m, unsigned d);

#endif
