// SPDX-License-Identifier: MIT
/* lib/store-streams.c: the stream rows a backend holds, and their bound. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "sl/store-streams.h"

/* A writer that meets new pairs in every transaction holds at most max + one transaction's. */
START_TEST(held_rows_are_bounded)
{
	struct sl_streams c = SL_STREAMS_INIT;
	struct sl_stream_ent *x;
	char src[32];
	size_t txn, i, most = 0;
	enum { MAX = 1000, PER = 300 };

	for (txn = 0; txn < 40; txn++) {
		for (i = 0; i < PER; i++) {
			snprintf(src, sizeof(src), "s%zu", txn * PER + i);
			ck_assert_int_eq(sl_streams_find(&c, "event", src, &x), 0);
			x->dirty = 1;
		}
		/* Commit: every row written back. */
		for (i = 0; i < c.cap; i++)
			c.tab[i].dirty = 0;
		if (c.n > most)
			most = c.n;
		if (sl_streams_trim(&c, MAX)) {
			ck_assert_uint_eq(c.n, 0);
			ck_assert_uint_eq(c.cap, 0);
		}
		ck_assert_uint_le(c.n, MAX);
	}
	ck_assert_uint_le(most, MAX + PER);
	sl_streams_free(&c);
}
END_TEST

/* Rows not yet written back (dirty or fresh) are never dropped, however many. */
START_TEST(pending_rows_stay)
{
	struct sl_streams c = SL_STREAMS_INIT;
	struct sl_stream_ent *x;
	char src[32];
	size_t i;

	for (i = 0; i < 50; i++) {
		snprintf(src, sizeof(src), "s%zu", i);
		ck_assert_int_eq(sl_streams_find(&c, "event", src, &x), 0);
		x->id = i + 1;
	}
	x->fresh = 1;
	ck_assert_int_eq(sl_streams_trim(&c, 10), 0);
	ck_assert_uint_eq(c.n, 50);
	x->fresh = 0;
	x->dirty = 1;
	ck_assert_int_eq(sl_streams_trim(&c, 10), 0);
	x->dirty = 0;
	ck_assert_int_eq(sl_streams_trim(&c, 50), 0); /* not more than max */
	ck_assert_uint_eq(c.n, 50);
	ck_assert_int_eq(sl_streams_trim(&c, 49), 1);
	ck_assert_uint_eq(c.n, 0);
	/* Usable again after. */
	ck_assert_int_eq(sl_streams_find(&c, "event", "s1", &x), 0);
	ck_assert_int_eq(sl_streams_find(&c, "event", "s1", &x), 1);
	sl_streams_free(&c);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("store-streams");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, held_rows_are_bounded);
	tcase_add_test(tc, pending_rows_stay);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
