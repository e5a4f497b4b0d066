// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/buf.c: struct sl_buf.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/buf.h"

/*
 * Check sends every passing ck_assert's location to the parent process;
 * loops of many thousand checks use this instead, which reports failures only.
 */
#define expect(cond, ...)                                                                        \
	do {                                                                                     \
		if (!(cond))                                                                     \
			ck_abort_msg(__VA_ARGS__);                                               \
	} while (0)

START_TEST(init_is_empty_string)
{
	struct sl_buf a = SL_BUF_INIT, b;

	sl_buf_init(&b);
	ck_assert_ptr_nonnull(a.buf);
	ck_assert_uint_eq(a.len, 0);
	ck_assert_str_eq(a.buf, "");
	ck_assert_ptr_eq(a.buf, b.buf);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(sl_buf_ok(&a), 0);
	/* Releasing a buffer that owns nothing is harmless and leaves it usable. */
	sl_buf_release(&a);
	ck_assert_str_eq(a.buf, "");
	sl_buf_addstr(&a, "x");
	ck_assert_str_eq(a.buf, "x");
	sl_buf_release(&a);
	ck_assert_uint_eq(a.len, 0);
	ck_assert_str_eq(a.buf, "");
	/* The shared empty string was never written. */
	ck_assert_str_eq(sl_buf_empty, "");
}
END_TEST

START_TEST(add_and_nul_termination)
{
	struct sl_buf b = SL_BUF_INIT;

	sl_buf_add(&b, "abc", 3);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_str_eq(b.buf, "abc");
	sl_buf_addch(&b, 'd');
	ck_assert_uint_eq(b.len, 4);
	ck_assert_int_eq(b.buf[4], '\0');
	sl_buf_addstr(&b, "ef");
	ck_assert_str_eq(b.buf, "abcdef");
	sl_buf_add(&b, "", 0);
	ck_assert_uint_eq(b.len, 6);
	/* Embedded NUL bytes are kept and counted; the terminator follows them. */
	sl_buf_add(&b, "g\0h", 3);
	ck_assert_uint_eq(b.len, 9);
	ck_assert_mem_eq(b.buf, "abcdefg\0h", 10);
	sl_buf_addch(&b, 0);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_int_eq(b.buf[9], '\0');
	ck_assert_int_eq(b.buf[10], '\0');
	ck_assert_int_eq(sl_buf_ok(&b), 0);
	sl_buf_release(&b);
}
END_TEST

START_TEST(growth)
{
	struct sl_buf b = SL_BUF_INIT;
	char want[100001];
	size_t i;

	/* Byte by byte past many doublings, checking the terminator each time. */
	for (i = 0; i < 100000; i++) {
		want[i] = (char)('a' + i % 26);
		sl_buf_addch(&b, want[i]);
		expect(b.len == i + 1, "length %zu after %zu bytes", b.len, i + 1);
		expect(b.buf[b.len] == '\0', "not NUL-terminated at length %zu", b.len);
	}
	want[100000] = '\0';
	ck_assert_int_eq(sl_buf_ok(&b), 0);
	ck_assert_mem_eq(b.buf, want, 100001);
	sl_buf_release(&b);

	/* One big append, then more. */
	{
		char *big = malloc(1 << 20);
		ck_assert_ptr_nonnull(big);
		memset(big, 'z', 1 << 20);
		sl_buf_add(&b, "<", 1);
		sl_buf_add(&b, big, 1 << 20);
		sl_buf_add(&b, ">", 1);
		ck_assert_uint_eq(b.len, (1 << 20) + 2);
		ck_assert_int_eq(b.buf[0], '<');
		ck_assert_int_eq(b.buf[1 << 20], 'z');
		ck_assert_int_eq(b.buf[(1 << 20) + 1], '>');
		ck_assert_int_eq(b.buf[(1 << 20) + 2], '\0');
		free(big);
		sl_buf_release(&b);
	}
}
END_TEST

START_TEST(grow_reserves)
{
	struct sl_buf b = SL_BUF_INIT;
	char *before;

	sl_buf_grow(&b, 1000);
	ck_assert_int_eq(sl_buf_ok(&b), 0);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.buf, "");
	before = b.buf;
	/* Appends within the reserved room do not move the buffer. */
	{
		int i;
		for (i = 0; i < 100; i++)
			sl_buf_add(&b, "0123456789", 10);
	}
	ck_assert_ptr_eq(b.buf, before);
	ck_assert_uint_eq(b.len, 1000);
	ck_assert_int_eq(b.buf[1000], '\0');
	sl_buf_release(&b);
}
END_TEST

START_TEST(grow_overflow_is_sticky)
{
	struct sl_buf b = SL_BUF_INIT;

	sl_buf_addstr(&b, "abc");
	sl_buf_grow(&b, SIZE_MAX - 2);
	ck_assert_int_eq(sl_buf_ok(&b), SL_ENOMEM);
	/* Later appends do nothing; the contents stay a valid string. */
	sl_buf_addstr(&b, "def");
	sl_buf_addf(&b, "%d", 42);
	sl_buf_addhex(&b, (const unsigned char *)"\x01", 1);
	ck_assert_int_eq(sl_buf_ok(&b), SL_ENOMEM);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_str_eq(b.buf, "abc");
	/* detach of a failed buffer gives NULL and frees it. */
	ck_assert_ptr_null(sl_buf_detach(&b, NULL));
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(sl_buf_ok(&b), 0);
	/* reset clears the flag. */
	sl_buf_addstr(&b, "x");
	sl_buf_grow(&b, SIZE_MAX);
	ck_assert_int_eq(sl_buf_ok(&b), SL_ENOMEM);
	sl_buf_reset(&b);
	ck_assert_int_eq(sl_buf_ok(&b), 0);
	ck_assert_uint_eq(b.len, 0);
	sl_buf_addstr(&b, "ok");
	ck_assert_str_eq(b.buf, "ok");
	sl_buf_release(&b);
}
END_TEST

START_TEST(addf)
{
	struct sl_buf b = SL_BUF_INIT;
	char longs[3000];
	size_t i;

	/* The first append to an empty buffer must size itself. */
	sl_buf_addf(&b, "%s=%d", "n", 17);
	ck_assert_str_eq(b.buf, "n=17");
	ck_assert_uint_eq(b.len, 4);
	sl_buf_addf(&b, ",%05.1f,%x,%c", 3.25, 255u, 'q');
	ck_assert_str_eq(b.buf, "n=17,003.2,ff,q");
	ck_assert_uint_eq(b.len, strlen("n=17,003.2,ff,q"));
	/* An empty format adds nothing. */
	sl_buf_addf(&b, "%s", "");
	ck_assert_uint_eq(b.len, strlen("n=17,003.2,ff,q"));
	/* Longer than the room left: the retry path. */
	for (i = 0; i < sizeof(longs) - 1; i++)
		longs[i] = (char)('A' + i % 26);
	longs[sizeof(longs) - 1] = '\0';
	sl_buf_reset(&b);
	sl_buf_addstr(&b, "[");
	sl_buf_addf(&b, "%s]%zu", longs, sizeof(longs) - 1);
	ck_assert_uint_eq(b.len, 1 + 2999 + 1 + 4);
	ck_assert_int_eq(b.buf[0], '[');
	ck_assert_mem_eq(b.buf + 1, longs, 2999);
	ck_assert_str_eq(b.buf + 3000, "]2999");
	/* Exactly filling an allocation. */
	for (i = 1; i < 300; i++) {
		struct sl_buf c = SL_BUF_INIT;
		sl_buf_addf(&c, "%.*s", (int)i, longs);
		ck_assert_uint_eq(c.len, i);
		ck_assert_mem_eq(c.buf, longs, i);
		ck_assert_int_eq(c.buf[i], '\0');
		sl_buf_addf(&c, "%.*s", (int)i, longs);
		ck_assert_uint_eq(c.len, 2 * i);
		ck_assert_mem_eq(c.buf + i, longs, i);
		ck_assert_int_eq(c.buf[2 * i], '\0');
		sl_buf_release(&c);
	}
	sl_buf_release(&b);
}
END_TEST

START_TEST(addhex)
{
	struct sl_buf b = SL_BUF_INIT;
	static const unsigned char d[] = { 0x00, 0x0f, 0x10, 0xa5, 0xff };

	sl_buf_addstr(&b, "h:");
	sl_buf_addhex(&b, d, sizeof(d));
	ck_assert_str_eq(b.buf, "h:000f10a5ff");
	ck_assert_uint_eq(b.len, 12);
	sl_buf_addhex(&b, d, 0);
	ck_assert_uint_eq(b.len, 12);
	ck_assert_int_eq(sl_buf_ok(&b), 0);
	sl_buf_release(&b);
}
END_TEST

START_TEST(add_integers)
{
	struct sl_buf b = SL_BUF_INIT;

	sl_buf_addu64(&b, 0);
	sl_buf_addch(&b, ' ');
	sl_buf_addu64(&b, 7);
	sl_buf_addch(&b, ' ');
	sl_buf_addu64(&b, 10);
	sl_buf_addch(&b, ' ');
	sl_buf_addu64(&b, UINT64_MAX);
	ck_assert_str_eq(b.buf, "0 7 10 18446744073709551615");
	sl_buf_reset(&b);
	sl_buf_addi64(&b, 0);
	sl_buf_addch(&b, ' ');
	sl_buf_addi64(&b, -1);
	sl_buf_addch(&b, ' ');
	sl_buf_addi64(&b, 9007199254740991LL);
	sl_buf_addch(&b, ' ');
	sl_buf_addi64(&b, -9007199254740991LL);
	sl_buf_addch(&b, ' ');
	sl_buf_addi64(&b, INT64_MAX);
	sl_buf_addch(&b, ' ');
	sl_buf_addi64(&b, INT64_MIN);
	ck_assert_str_eq(b.buf, "0 -1 9007199254740991 -9007199254740991 9223372036854775807 "
				"-9223372036854775808");
	ck_assert_uint_eq(b.len, strlen(b.buf));
	sl_buf_release(&b);
}
END_TEST

START_TEST(setlen)
{
	struct sl_buf b = SL_BUF_INIT;

	sl_buf_addstr(&b, "abcdef");
	sl_buf_setlen(&b, 3);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_str_eq(b.buf, "abc");
	sl_buf_addstr(&b, "XY");
	ck_assert_str_eq(b.buf, "abcXY");
	sl_buf_setlen(&b, 0);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.buf, "");
	sl_buf_release(&b);
	/* On a buffer that owns nothing. */
	sl_buf_setlen(&b, 0);
	ck_assert_str_eq(b.buf, "");
	ck_assert_str_eq(sl_buf_empty, "");
}
END_TEST

START_TEST(reset_keeps_memory)
{
	struct sl_buf b = SL_BUF_INIT;
	char *p;

	sl_buf_addstr(&b, "hello world");
	p = b.buf;
	sl_buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.buf, "");
	ck_assert_ptr_eq(b.buf, p);
	sl_buf_addstr(&b, "again");
	ck_assert_str_eq(b.buf, "again");
	sl_buf_release(&b);
	/* Reset of an unallocated buffer. */
	sl_buf_reset(&b);
	ck_assert_str_eq(b.buf, "");
}
END_TEST

START_TEST(detach)
{
	struct sl_buf b = SL_BUF_INIT;
	size_t len = 99;
	char *p;

	sl_buf_addstr(&b, "payload");
	p = sl_buf_detach(&b, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(len, 7);
	ck_assert_str_eq(p, "payload");
	/* The buffer is empty and reusable; p is the caller's. */
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.buf, "");
	ck_assert_ptr_ne(b.buf, p);
	sl_buf_addstr(&b, "next");
	ck_assert_str_eq(p, "payload");
	free(p);
	sl_buf_release(&b);

	/* Detaching an empty buffer gives a freeable empty string, never the static one. */
	len = 99;
	p = sl_buf_detach(&b, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_ne(p, sl_buf_empty);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(p, "");
	free(p);
	/* len may be NULL. */
	sl_buf_addstr(&b, "q");
	p = sl_buf_detach(&b, NULL);
	ck_assert_str_eq(p, "q");
	free(p);
}
END_TEST

static Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, init_is_empty_string);
	tcase_add_test(tc, add_and_nul_termination);
	tcase_add_test(tc, growth);
	tcase_add_test(tc, grow_reserves);
	tcase_add_test(tc, grow_overflow_is_sticky);
	tcase_add_test(tc, addf);
	tcase_add_test(tc, addhex);
	tcase_add_test(tc, add_integers);
	tcase_add_test(tc, setlen);
	tcase_add_test(tc, reset_keeps_memory);
	tcase_add_test(tc, detach);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
