// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sl/time.h"

int sl_time_now(int64_t *usec)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return SL_EIO;
	*usec = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	return 0;
}

/* Howard Hinnant's days_from_civil, valid over the whole range we accept. */
int64_t sl_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

int sl_time_format(char out[SL_TS_LEN + 1], int64_t usec)
{
	int64_t days, secs, y;
	unsigned m, d;
	long frac;
	char tmp[64];

	if (usec < SL_TIME_MIN || usec > SL_TIME_MAX)
		return SL_ERANGE;
	secs = usec >= 0 ? usec / 1000000 : -((-usec + 999999) / 1000000);
	frac = (long)(usec - secs * 1000000);
	days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
	secs -= days * 86400;
	civil_from_days(days, &y, &m, &d);
	snprintf(tmp, sizeof(tmp), "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", (int)y, m % 13u, d % 32u,
		 (int)(secs / 3600) % 24, (int)(secs / 60 % 60), (int)(secs % 60), (int)frac % 1000000);
	memcpy(out, tmp, SL_TS_LEN);
	out[SL_TS_LEN] = '\0';
	return 0;
}

static int digits(const char *s, int n, long *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		*v = *v * 10 + (s[i] - '0');
	}
	return 1;
}

static int days_in_month(long y, long m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

static int bad(struct sl_error *err, const char *s)
{
	return sl_error_set(err, SL_EINVAL,
			    "invalid time '%.64s' (want RFC 3339 such as 2026-11-25T12:00:00Z, "
			    "@UNIX-SECONDS or now)", s);
}

static int parse_unix(const char *s, int64_t *usec, struct sl_error *err)
{
	const char *p = s + 1;
	int neg = 0;
	int64_t sec = 0, frac = 0;
	int nd = 0, nf = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	for (; *p >= '0' && *p <= '9'; p++, nd++) {
		if (sec > 300000000000LL)
			return bad(err, s);
		sec = sec * 10 + (*p - '0');
	}
	if (!nd)
		return bad(err, s);
	if (*p == '.' || *p == ',') {
		for (p++; *p >= '0' && *p <= '9'; p++, nf++)
			if (nf < 6)
				frac = frac * 10 + (*p - '0');
		if (!nf)
			return bad(err, s);
		for (; nf < 6; nf++)
			frac *= 10;
	}
	if (*p)
		return bad(err, s);
	*usec = neg ? -(sec * 1000000 + frac) : sec * 1000000 + frac;
	if (*usec < SL_TIME_MIN || *usec > SL_TIME_MAX)
		return sl_error_set(err, SL_EINVAL, "time '%.64s' is outside years 1 to 9999", s);
	return 0;
}

int sl_time_parse(const char *s, int64_t *usec, struct sl_error *err)
{
	long y, mo, d, h = 0, mi = 0, se = 0, oh, om;
	int64_t frac = 0, t;
	size_t len = strlen(s);
	const char *p;
	int nf = 0;

	if (strcmp(s, "now") == 0)
		return sl_time_now(usec) ? sl_error_set(err, SL_EIO, "unable to read the clock") : 0;
	if (s[0] == '@')
		return parse_unix(s, usec, err);
	if (len < 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d))
		return bad(err, s);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return bad(err, s);
	p = s + 10;
	if (*p == '\0')
		goto done;
	if ((*p != 'T' && *p != 't' && *p != ' ') || strlen(p) < 9 || !digits(p + 1, 2, &h) ||
	    p[3] != ':' || !digits(p + 4, 2, &mi) || p[6] != ':' || !digits(p + 7, 2, &se))
		return bad(err, s);
	/* RFC 3339 allows a leap second; the ledger's clock never shows one. */
	if (h > 23 || mi > 59 || se > 60)
		return bad(err, s);
	if (se == 60)
		se = 59, frac = 999999, nf = 6;
	p += 9;
	/* ISO 8601 allows a comma too, and `date -Ins` writes one. */
	if (*p == '.' || *p == ',') {
		int any = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, any++)
			if (nf < 6)
				frac = frac * 10 + (*p - '0'), nf++;
		if (!any)
			return bad(err, s);
		for (; nf < 6; nf++)
			frac *= 10;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		oh = om = 0;
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && digits(p + 1, 2, &oh) &&
		   p[3] == ':' && digits(p + 4, 2, &om) && oh <= 23 && om <= 59) {
		if (*p == '-')
			oh = -oh, om = -om;
	} else {
		return bad(err, s);
	}
	t = sl_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se -
	    (oh * 3600 + om * 60);
	*usec = t * 1000000 + frac;
	goto check;
done:
	*usec = sl_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 * 1000000;
check:
	if (*usec < SL_TIME_MIN || *usec > SL_TIME_MAX)
		return sl_error_set(err, SL_EINVAL, "time '%.64s' is outside years 1 to 9999", s);
	return 0;
}

int sl_ts_valid(const char *s, size_t len)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.ddddddZ";
	long y, mo, d, h, mi, se;
	size_t i;

	/* Called for every entry by sl-verify: no parsing round trip here. */
	if (len != SL_TS_LEN)
		return 0;
	for (i = 0; i < len; i++)
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return 0;
	digits(s, 4, &y);
	digits(s + 5, 2, &mo);
	digits(s + 8, 2, &d);
	digits(s + 11, 2, &h);
	digits(s + 14, 2, &mi);
	digits(s + 17, 2, &se);
	return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo) && h <= 23 &&
	       mi <= 59 && se <= 59;
}
