// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/time.c: the ledger's ts form and the parsing of the
 * times users give (RFC 3339, dates, @UNIX, now).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl/time.h"

/*
 * Check sends every passing ck_assert's location to the parent process;
 * loops of many thousand checks use this instead, which reports failures only.
 */
#define expect(cond, ...)                                                                        \
	do {                                                                                     \
		if (!(cond))                                                                     \
			ck_abort_msg(__VA_ARGS__);                                               \
	} while (0)

static void fmt_is(int64_t usec, const char *want)
{
	char out[SL_TS_LEN + 1];

	memset(out, 'x', sizeof(out));
	ck_assert_msg(sl_time_format(out, usec) == 0, "format(%lld) failed", (long long)usec);
	ck_assert_msg(!strcmp(out, want), "format(%lld) = '%s', want '%s'", (long long)usec, out, want);
	ck_assert_msg(sl_ts_valid(out, strlen(out)), "'%s' is not a valid ts", out);
}

static void parse_is(const char *s, int64_t want)
{
	struct sl_error err;
	int64_t t = 12345;
	int e;

	sl_error_clear(&err);
	e = sl_time_parse(s, &t, &err);
	ck_assert_msg(e == 0, "'%s' rejected: %s", s, err.msg);
	ck_assert_msg(t == want, "'%s' parsed as %lld, want %lld", s, (long long)t, (long long)want);
}

static void parse_bad(const char *s)
{
	struct sl_error err;
	int64_t t = 0;
	int e;

	sl_error_clear(&err);
	e = sl_time_parse(s, &t, &err);
	ck_assert_msg(e == SL_EINVAL, "'%s' accepted as %lld (rc %d)", s, (long long)t, e);
	ck_assert_msg(err.msg[0] != '\0', "'%s': no message", s);
	ck_assert_int_eq(err.code, SL_EINVAL);
	/* err may be NULL. */
	ck_assert_int_eq(sl_time_parse(s, &t, NULL), SL_EINVAL);
}

#define SEC 1000000LL

START_TEST(format_known_answers)
{
	fmt_is(0, "1970-01-01T00:00:00.000000Z");
	fmt_is(1, "1970-01-01T00:00:00.000001Z");
	fmt_is(999999, "1970-01-01T00:00:00.999999Z");
	fmt_is(SEC, "1970-01-01T00:00:01.000000Z");
	fmt_is(86400 * SEC, "1970-01-02T00:00:00.000000Z");
	fmt_is(1700000000 * SEC + 123456, "2023-11-14T22:13:20.123456Z");
	fmt_is(1764103593 * SEC + 123456, "2025-11-25T20:46:33.123456Z");
	fmt_is(951782400 * SEC, "2000-02-29T00:00:00.000000Z");
	fmt_is(1709164800 * SEC, "2024-02-29T00:00:00.000000Z");
	fmt_is(4107542400 * SEC, "2100-03-01T00:00:00.000000Z");
	fmt_is(2147483648 * SEC, "2038-01-19T03:14:08.000000Z");
	/* Before the epoch. */
	fmt_is(-1, "1969-12-31T23:59:59.999999Z");
	fmt_is(-SEC, "1969-12-31T23:59:59.000000Z");
	fmt_is(-SEC - 1, "1969-12-31T23:59:58.999999Z");
	fmt_is(-86400 * SEC, "1969-12-31T00:00:00.000000Z");
	fmt_is(-86400 * SEC - 1, "1969-12-30T23:59:59.999999Z");
	fmt_is(-2208988800 * SEC, "1900-01-01T00:00:00.000000Z");
	fmt_is(-12219292800 * SEC, "1582-10-15T00:00:00.000000Z");
	/* The ends of the range. */
	fmt_is(SL_TIME_MIN, "0001-01-01T00:00:00.000000Z");
	fmt_is(SL_TIME_MAX, "9999-12-31T23:59:59.999999Z");
	fmt_is(SL_TIME_MIN + 1, "0001-01-01T00:00:00.000001Z");
	fmt_is(SL_TIME_MAX - 1, "9999-12-31T23:59:59.999998Z");
	{
		char out[SL_TS_LEN + 1];
		ck_assert_int_eq(sl_time_format(out, SL_TIME_MIN - 1), SL_ERANGE);
		ck_assert_int_eq(sl_time_format(out, SL_TIME_MAX + 1), SL_ERANGE);
		ck_assert_int_eq(sl_time_format(out, INT64_MIN), SL_ERANGE);
		ck_assert_int_eq(sl_time_format(out, INT64_MAX), SL_ERANGE);
	}
}
END_TEST

START_TEST(format_matches_gmtime)
{
	/* Against the C library over the range time_t covers here. */
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int i;

	for (i = 0; i < 200000; i++) {
		char out[SL_TS_LEN + 1], want[64];
		int64_t usec;
		time_t secs;
		struct tm tm;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		usec = SL_TIME_MIN + (int64_t)(x % (uint64_t)(SL_TIME_MAX - SL_TIME_MIN + 1));
		secs = (time_t)(usec >= 0 ? usec / SEC : -((-usec + SEC - 1) / SEC));
		expect(gmtime_r(&secs, &tm) != NULL, "gmtime_r(%lld) failed", (long long)secs);
		snprintf(want, sizeof(want), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
			 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (long long)(usec - (int64_t)secs * SEC));
		expect(sl_time_format(out, usec) == 0, "format(%lld) failed", (long long)usec);
		expect(!strcmp(out, want), "format(%lld) = '%s', want '%s'", (long long)usec, out,
		       want);
	}
}
END_TEST

START_TEST(round_trips_and_order)
{
	uint64_t x = 88172645463325252ULL;
	char prev[SL_TS_LEN + 1] = "";
	int64_t prev_t = 0;
	int i;

	for (i = 0; i < 200000; i++) {
		char out[SL_TS_LEN + 1];
		struct sl_error err;
		int64_t usec, back;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Half over the whole range, half near the epoch, where the signs change. */
		if (i & 1)
			usec = SL_TIME_MIN + (int64_t)(x % (uint64_t)(SL_TIME_MAX - SL_TIME_MIN + 1));
		else
			usec = (int64_t)(x % (200000 * SEC)) - 100000 * SEC;
		expect(sl_time_format(out, usec) == 0, "format(%lld) failed", (long long)usec);
		expect(strlen(out) == SL_TS_LEN, "'%s' is not %d long", out, SL_TS_LEN);
		expect(sl_ts_valid(out, SL_TS_LEN), "'%s' is not a valid ts", out);
		expect(sl_time_parse(out, &back, &err) == 0, "'%s' rejected: %s", out, err.msg);
		expect(back == usec, "'%s' parsed as %lld, want %lld", out, (long long)back,
		       (long long)usec);
		/* Text order is time order. */
		if (i) {
			int c = strcmp(prev, out);
			expect((c < 0) == (prev_t < usec) && (c == 0) == (prev_t == usec),
			       "'%s' vs '%s' orders wrongly", prev, out);
		}
		memcpy(prev, out, sizeof(prev));
		prev_t = usec;
	}
}
END_TEST

START_TEST(parse_rfc3339)
{
	parse_is("1970-01-01T00:00:00Z", 0);
	parse_is("1970-01-01T00:00:00.000000Z", 0);
	parse_is("2023-11-14T22:13:20Z", 1700000000 * SEC);
	parse_is("2023-11-14T22:13:20.123456Z", 1700000000 * SEC + 123456);
	/* Lowercase t and z, a space for the T. */
	parse_is("2023-11-14t22:13:20z", 1700000000 * SEC);
	parse_is("2023-11-14 22:13:20Z", 1700000000 * SEC);
	/* Offsets. */
	parse_is("2023-11-14T23:13:20+01:00", 1700000000 * SEC);
	parse_is("2023-11-14T23:13:20.5+01:00", 1700000000 * SEC + 500000);
	parse_is("2023-11-14T16:43:20-05:30", 1700000000 * SEC);
	parse_is("2023-11-14T22:13:20+00:00", 1700000000 * SEC);
	parse_is("2023-11-14T22:13:20-00:00", 1700000000 * SEC);
	parse_is("2023-11-15T12:13:20+14:00", 1700000000 * SEC);
	parse_is("2023-11-14T10:13:20-12:00", 1700000000 * SEC);
	/* Across a date line and a year. */
	parse_is("2024-01-01T00:30:00+01:00", 1704065400 * SEC);
	parse_is("2023-12-31T23:30:00Z", 1704065400 * SEC);
	/* Fractions: any number of digits, cut to microseconds, never rounded up. */
	parse_is("2023-11-14T22:13:20.5Z", 1700000000 * SEC + 500000);
	parse_is("2023-11-14T22:13:20.05Z", 1700000000 * SEC + 50000);
	parse_is("2023-11-14T22:13:20.000001Z", 1700000000 * SEC + 1);
	parse_is("2023-11-14T22:13:20.1234567Z", 1700000000 * SEC + 123456);
	parse_is("2023-11-14T22:13:20.9999999Z", 1700000000 * SEC + 999999);
	parse_is("2023-11-14T22:13:20.999999999999999999999Z", 1700000000 * SEC + 999999);
	parse_is("2023-11-14T22:13:20.0000009Z", 1700000000 * SEC);
	/* A decimal comma (ISO 8601; `date -Ins` writes one). */
	parse_is("2023-11-14T22:13:20,5Z", 1700000000 * SEC + 500000);
	parse_is("2023-11-14T22:13:20,123456789+00:00", 1700000000 * SEC + 123456);
	parse_is("2023-11-14T23:13:20,123456789+01:00", 1700000000 * SEC + 123456);
	/* Before the epoch. */
	parse_is("1969-12-31T23:59:59Z", -SEC);
	parse_is("1969-12-31T23:59:59.5Z", -500000);
	parse_is("1969-12-31T23:59:59.999999Z", -1);
	parse_is("1900-01-01T00:00:00Z", -2208988800 * SEC);
	/* Leap years. */
	parse_is("2024-02-29T12:00:00Z", 1709208000 * SEC);
	parse_is("2000-02-29T00:00:00Z", 951782400 * SEC);
	/* The ends of the range. */
	parse_is("0001-01-01T00:00:00Z", SL_TIME_MIN);
	parse_is("0001-01-01T00:00:00.000000Z", SL_TIME_MIN);
	parse_is("9999-12-31T23:59:59.999999Z", SL_TIME_MAX);
	parse_is("9999-12-31T23:59:59.9999999Z", SL_TIME_MAX);
	parse_is("0001-01-01T01:00:00+01:00", SL_TIME_MIN);
	parse_is("9999-12-31T22:59:59.999999-01:00", SL_TIME_MAX);
}
END_TEST

START_TEST(parse_leap_second)
{
	/* RFC 3339 allows :60; the ledger's clock never shows one: it may be refused, or taken as the end of :59. */
	struct sl_error err;
	int64_t t = 0;
	int e = sl_time_parse("2016-12-31T23:59:60Z", &t, &err);

	ck_assert_msg(e == SL_EINVAL || (e == 0 && t == 1483228799 * SEC + 999999),
		      "leap second: rc %d, t %lld", e, (long long)t);
	ck_assert_int_eq(sl_time_parse("2016-12-31T23:59:61Z", &t, &err), SL_EINVAL);
}
END_TEST

START_TEST(parse_dates)
{
	parse_is("1970-01-01", 0);
	parse_is("2026-11-25", 1795564800 * SEC);
	parse_is("2024-02-29", 1709164800 * SEC);
	parse_is("1969-12-31", -86400 * SEC);
	parse_is("0001-01-01", SL_TIME_MIN);
	parse_is("9999-12-31", 253402214400 * SEC);
	parse_bad("2023-02-29");
	parse_bad("1900-02-29");
	parse_bad("2100-02-29");
	parse_bad("2026-04-31");
	parse_bad("2026-06-31");
	parse_bad("2026-01-32");
	parse_bad("2026-13-01");
	parse_bad("2026-00-10");
	parse_bad("2026-11-00");
	parse_bad("0000-01-01");
	parse_bad("10000-01-01");
	parse_bad("2026-1-25");
	parse_bad("2026-11-5");
	parse_bad("26-11-25");
	parse_bad("20261125");
	parse_bad("2026/11/25");
	parse_bad("2026-11-25x");
	parse_bad("2026-11-25 ");
	parse_bad(" 2026-11-25");
	parse_bad("2026-11-25T");
	parse_bad("-2026-11-25");
	parse_bad("+2026-11-25");
}
END_TEST

START_TEST(parse_unix)
{
	parse_is("@0", 0);
	parse_is("@1", SEC);
	parse_is("@1700000000", 1700000000 * SEC);
	parse_is("@1700000000.5", 1700000000 * SEC + 500000);
	parse_is("@1700000000,5", 1700000000 * SEC + 500000);
	parse_is("@1700000000.123456", 1700000000 * SEC + 123456);
	parse_is("@1700000000.1234569", 1700000000 * SEC + 123456);
	parse_is("@0.000001", 1);
	parse_is("@-1", -SEC);
	parse_is("@-0.5", -500000);
	parse_is("@-62135596800", SL_TIME_MIN);
	parse_is("@253402300799.999999", SL_TIME_MAX);
	parse_is("@00012", 12 * SEC);
	parse_bad("@");
	parse_bad("@-");
	parse_bad("@.5");
	parse_bad("@1.");
	parse_bad("@1.5.");
	parse_bad("@abc");
	parse_bad("@1e3");
	parse_bad("@ 1");
	parse_bad("@1 ");
	parse_bad("@+1");
	parse_bad("@0x10");
	parse_bad("@1,");
	parse_bad("@1.5,");
	parse_bad("@-62135596801");
	parse_bad("@253402300800");
	parse_bad("@99999999999999999999");
	parse_bad("@9223372036854775807");
	parse_bad("@-9223372036854775808");
	parse_bad("@18446744073709551616");
	parse_bad("1700000000");
}
END_TEST

START_TEST(parse_now)
{
	int64_t before, t, after;
	struct sl_error err;

	ck_assert_int_eq(sl_time_now(&before), 0);
	ck_assert_int_eq(sl_time_parse("now", &t, &err), 0);
	ck_assert_int_eq(sl_time_now(&after), 0);
	ck_assert_msg(before <= t && t <= after, "now = %lld, not within [%lld, %lld]", (long long)t,
		      (long long)before, (long long)after);
	/* And the clock is a real one: after 2020, before 2200. */
	ck_assert(before > 1577836800 * SEC && before < 7258118400 * SEC);
	{
		/* Against time(2), to the second. */
		time_t now = time(NULL);
		ck_assert(t / SEC >= (int64_t)now - 2 && t / SEC <= (int64_t)now + 2);
	}
	parse_bad("now ");
	parse_bad(" now");
	parse_bad("nowx");
	parse_bad("no");
}
END_TEST

START_TEST(parse_invalid)
{
	static const char *const bad[] = {
		"",
		" ",
		"T",
		"Z",
		"2026",
		"2026-11",
		"2026-11-25T20:46Z",           /* seconds are required */
		"2026-11-25T20:46:33",         /* missing zone */
		"2026-11-25T20:46:33.5",       /* missing zone */
		"2026-11-25T20:46:33ZZ",
		"2026-11-25T20:46:33Z ",
		"2026-11-25T20:46:33Zjunk",
		"2026-11-25T20:46:33.Z",       /* no fraction digits */
		"2026-11-25T20:46:33,Z",       /* a comma, but no fraction digits */
		"2026-11-25T20:46:33,,5Z",
		"2026-11-25T20:46:33.,5Z",
		"2026-11-25T20:46:33+0100",
		"2026-11-25T20:46:33+01",
		"2026-11-25T20:46:33+1:00",
		"2026-11-25T20:46:33+24:00",
		"2026-11-25T20:46:33+01:60",
		"2026-11-25T20:46:33+01:00junk",
		"2026-11-25T20:46:33 +01:00",
		"2026-11-25T20:46:33UTC",
		"2026-11-25T20:46:33GMT",
		"2026-11-25T25:00:00Z",
		"2026-11-25T24:00:00Z",
		"2026-11-25T23:60:00Z",
		"2026-11-25T2:46:33Z",
		"2026-11-25T20:4:33Z",
		"2026-11-25T20:46:3Z",
		"2026-11-25X20:46:33Z",
		"2026-11-25_20:46:33Z",
		"2026-11-25TT20:46:33Z",
		"2026-13-01T00:00:00Z",
		"2023-02-29T00:00:00Z",
		"0000-12-31T23:59:59Z",
		"0001-01-01T00:00:00+00:01",   /* before year 1 */
		"0001-01-01T00:59:59.999999+01:00",
		"9999-12-31T23:59:59-00:01",   /* after year 9999 */
		"9999-12-31T23:30:00-01:00",
		"yesterday",
		"Now",
		"NOW",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_bad(bad[i]);
}
END_TEST

START_TEST(ts_valid)
{
	static const char *const good[] = {
		"2026-11-25T20:46:33.123456Z",
		"0001-01-01T00:00:00.000000Z",
		"9999-12-31T23:59:59.999999Z",
		"2024-02-29T23:59:59.000000Z",
		"1970-01-01T00:00:00.000000Z",
	};
	static const char *const bad[] = {
		"",
		"2026-11-25T20:46:33Z",
		"2026-11-25T20:46:33.12345Z",
		"2026-11-25T20:46:33.1234567Z",
		"2026-11-25T20:46:33.123456z",
		"2026-11-25t20:46:33.123456Z",
		"2026-11-25 20:46:33.123456Z",
		"2026-11-25T20:46:33.123456+00:00",
		"2026-11-25T20:46:33,123456Z",
		"2023-02-29T00:00:00.000000Z",
		"2026-02-30T00:00:00.000000Z",
		"2026-04-31T00:00:00.000000Z",
		"2026-13-01T00:00:00.000000Z",
		"2026-00-01T00:00:00.000000Z",
		"2026-01-00T00:00:00.000000Z",
		"2026-11-25T24:00:00.000000Z",
		"2026-11-25T23:60:00.000000Z",
		"2026-11-25T23:59:60.000000Z",
		"0000-01-01T00:00:00.000000Z",
		"2026-11-25T20:46:33.12345aZ",
		"2026-11-25T20:46:33.123456ZX",
		"+026-11-25T20:46:33.123456Z",
		" 026-11-25T20:46:33.123456Z",
		"2026-11-25T20:46:33.123456 ",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(sl_ts_valid(good[i], strlen(good[i])), "'%s' refused", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!sl_ts_valid(bad[i], strlen(bad[i])), "'%s' accepted", bad[i]);
	/* The length decides, not a NUL. */
	ck_assert(!sl_ts_valid("2026-11-25T20:46:33.123456Z", SL_TS_LEN - 1));
	ck_assert(!sl_ts_valid("2026-11-25T20:46:33.123456Z\0", SL_TS_LEN + 1));
}
END_TEST

START_TEST(days_from_civil)
{
	int y;

	ck_assert_int_eq(sl_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(sl_days_from_civil(1970, 1, 2), 1);
	ck_assert_int_eq(sl_days_from_civil(1969, 12, 31), -1);
	ck_assert_int_eq(sl_days_from_civil(2000, 3, 1), 11017);
	ck_assert_int_eq(sl_days_from_civil(2024, 2, 29), 19782);
	ck_assert_int_eq(sl_days_from_civil(1, 1, 1), -719162);
	ck_assert_int_eq(sl_days_from_civil(9999, 12, 31), 2932896);
	/* Consecutive: every year has 365 or 366 days, by the Gregorian rule. */
	for (y = 1; y < 9999; y++) {
		int64_t len = sl_days_from_civil(y + 1, 1, 1) - sl_days_from_civil(y, 1, 1);
		int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		expect(len == 365 + leap, "year %d has %lld days", y, (long long)len);
		expect(sl_days_from_civil(y, 3, 1) - sl_days_from_civil(y, 2, 28) == 1 + leap,
		       "year %d: February has the wrong length", y);
	}
}
END_TEST

static Suite *time_suite(void)
{
	Suite *s = suite_create("time");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, format_known_answers);
	tcase_add_test(tc, format_matches_gmtime);
	tcase_add_test(tc, round_trips_and_order);
	tcase_add_test(tc, parse_rfc3339);
	tcase_add_test(tc, parse_leap_second);
	tcase_add_test(tc, parse_dates);
	tcase_add_test(tc, parse_unix);
	tcase_add_test(tc, parse_now);
	tcase_add_test(tc, parse_invalid);
	tcase_add_test(tc, ts_valid);
	tcase_add_test(tc, days_from_civil);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(time_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
