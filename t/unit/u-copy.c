// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/copy.c (sl_copy_open_dst, sl_ledger_copy) on
 * temporary directory ledgers: a new copy, an earlier one, the first
 * differing seq, a destination of another origin, an interrupted init.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sl/buf.h"
#include "sl/copy.h"
#include "sl/entry.h"
#include "sl/ledger.h"

#define ORIGIN "copy.example/log"

#define TMPDIR_NAME "copy"
#include "tmpdir.h"

static const char *tmp_path(const char *name, char out[256])
{
	snprintf(out, 256, "%s/%s", tmproot, name);
	return out;
}

/* A ledger at name with n entries (a mutation every third), open for writing. */
static struct sl_ledger *ledger_with(const char *name, size_t n)
{
	struct sl_ledger *l = NULL;
	struct sl_error err = { 0 };
	struct sl_batch b;
	struct sl_receipt *rc = calloc(n ? n : 1, sizeof(*rc));
	char dir[256], line[512];
	size_t i;

	ck_assert_ptr_nonnull(rc);
	tmp_path(name, dir);
	ck_assert_msg(sl_ledger_init(dir, ORIGIN, &err) == 0, "init: %s", err.msg);
	ck_assert_msg(sl_ledger_open(&l, dir, 0, 10000, &err) == 0, "open: %s", err.msg);
	sl_batch_init(&b);
	for (i = 0; i < n; i++) {
		if (i % 3 == 0)
			snprintf(line, sizeof(line), "{\"type\":\"mutation\",\"source\":\"db\",\"payload\":"
				 "{\"namespace\":\"kafka/c/t/0\",\"position\":%zu,\"id\":\"m%zu\",\"sha256\":"
				 "\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}}", i, i);
		else
			snprintf(line, sizeof(line), "{\"type\":\"x-n\",\"source\":\"s-%zu\",\"payload\":{\"i\":%zu}}",
				 i % 5, i);
		ck_assert_int_eq(sl_batch_add_line(&b, line, strlen(line), (long)i + 1, &err), 0);
	}
	if (n)
		ck_assert_msg(sl_ledger_append(l, &b, rc, &err) == 0, "append: %s", err.msg);
	sl_batch_release(&b);
	free(rc);
	return l;
}

static struct sl_ledger *open_dst(struct sl_ledger *src, const char *name, int want_created)
{
	struct sl_ledger *d = NULL;
	struct sl_error err = { 0 };
	char dir[256];
	int created = -1;

	ck_assert_msg(sl_copy_open_dst(&d, tmp_path(name, dir), src, 10000, &created, &err) == 0,
		      "open dst: %s", err.msg);
	ck_assert_int_eq(created, want_created);
	return d;
}

static void copy_ok(struct sl_ledger *src, struct sl_ledger *dst, size_t batch,
		    struct sl_copy_stats *st)
{
	struct sl_copy_opts o = { batch, NULL, NULL };
	struct sl_error err = { 0 };
	uint64_t bad, badcp;

	ck_assert_msg(sl_ledger_copy(src, dst, &o, st, &bad, &badcp, &err) == 0, "copy: %s", err.msg);
	ck_assert_uint_eq(bad, UINT64_MAX);
	ck_assert_uint_eq(badcp, UINT64_MAX);
}

static void same_heads(struct sl_ledger *a, struct sl_ledger *b)
{
	struct sl_head ha, hb;
	struct sl_error err = { 0 };
	uint64_t bad;

	ck_assert_int_eq(sl_ledger_head(a, &ha, &err), 0);
	ck_assert_int_eq(sl_ledger_head(b, &hb, &err), 0);
	ck_assert_uint_eq(ha.size, hb.size);
	ck_assert_str_eq(ha.ts, hb.ts);
	ck_assert_int_eq(memcmp(ha.root, hb.root, SL_HASH_LEN), 0);
	ck_assert_msg(sl_ledger_verify(b, NULL, NULL, &hb, &bad, &err) == 0, "verify: %s", err.msg);
}

#define MORE1 "{\"type\":\"x-n\",\"source\":\"s\",\"payload\":{}}"
#define MORE2 "{\"type\":\"x-n\",\"source\":\"t\",\"payload\":{}}"

START_TEST(copy_new_then_more)
{
	struct sl_ledger *a = ledger_with("a", 25), *b = open_dst(a, "b", 1);
	struct sl_copy_stats st;
	struct sl_batch bt;
	struct sl_receipt rc[2];
	struct sl_error err = { 0 };

	/* Batches of 7: four transactions. */
	copy_ok(a, b, 7, &st);
	ck_assert_uint_eq(st.entries, 25);
	ck_assert_uint_eq(st.from, 0);
	ck_assert_uint_eq(st.copied, 25);
	ck_assert_uint_eq(st.roots, 1);
	same_heads(a, b);
	/* Nothing new; then two more. */
	copy_ok(a, b, 0, &st);
	ck_assert_uint_eq(st.copied, 0);
	sl_batch_init(&bt);
	ck_assert_int_eq(sl_batch_add_line(&bt, MORE1, strlen(MORE1), 1, &err), 0);
	ck_assert_int_eq(sl_batch_add_line(&bt, MORE2, strlen(MORE2), 2, &err), 0);
	ck_assert_int_eq(sl_ledger_append(a, &bt, rc, &err), 0);
	sl_batch_release(&bt);
	copy_ok(a, b, 0, &st);
	ck_assert_uint_eq(st.from, 25);
	ck_assert_uint_eq(st.copied, 2);
	same_heads(a, b);
	sl_ledger_close(a);
	sl_ledger_close(b);
}
END_TEST

START_TEST(first_difference_named)
{
	struct sl_ledger *a = ledger_with("a", 12), *b = ledger_with("b", 12), *c, *small;
	struct sl_copy_opts o = { 0, NULL, NULL };
	struct sl_copy_stats st;
	struct sl_error err = { 0 };
	char dir[256];
	uint64_t bad, badcp;
	int created;

	/* The same submissions appended apart: the same bytes but for ts, from seq 0. */
	ck_assert_int_eq(sl_ledger_copy(a, b, &o, &st, &bad, &badcp, &err), SL_EVERIFY);
	ck_assert_uint_eq(bad, 0);
	ck_assert_msg(strstr(err.msg, "seq 0: the destination's entry differs from the source's (its ts)"),
		      "%s", err.msg);
	/* A destination longer than the source: the seq after the source's last. */
	c = open_dst(b, "c", 1);
	copy_ok(b, c, 0, &st);
	sl_ledger_close(c);
	small = ledger_with("small", 0);
	ck_assert_int_eq(sl_copy_open_dst(&c, tmp_path("c", dir), small, 10000, &created, &err), 0);
	ck_assert_int_eq(sl_ledger_copy(small, c, &o, &st, &bad, &badcp, &err), SL_EVERIFY);
	ck_assert_uint_eq(bad, 0);
	ck_assert_msg(strstr(err.msg, "seq 0: the destination holds 12 entries, more than the source's 0"),
		      "%s", err.msg);
	sl_ledger_close(small);
	sl_ledger_close(c);
	sl_ledger_close(a);
	sl_ledger_close(b);
}
END_TEST

/* Another writer that appends to the destination once the last batch is in. */
struct intruder {
	const char *dir;
	int done;
};

static void intrude(void *ctx, uint64_t done, uint64_t total)
{
	struct intruder *in = ctx;
	struct sl_ledger *l = NULL;
	struct sl_error err = { 0 };
	struct sl_batch bt;
	struct sl_receipt rc[1];

	if (done != total || in->done++)
		return;
	ck_assert_msg(sl_ledger_open(&l, in->dir, 0, 10000, &err) == 0, "open: %s", err.msg);
	sl_batch_init(&bt);
	ck_assert_int_eq(sl_batch_add_line(&bt, MORE1, strlen(MORE1), 1, &err), 0);
	ck_assert_msg(sl_ledger_append(l, &bt, rc, &err) == 0, "append: %s", err.msg);
	sl_batch_release(&bt);
	sl_ledger_close(l);
}

/*
 * Another writer appends after the copy's last batch, before the roots
 * are proven: the seq of its entry is named, as for any destination
 * longer than the source (it was "holds 21 entries after the copy").
 */
START_TEST(intruder_after_last_batch)
{
	struct sl_ledger *a = ledger_with("a", 20), *b = open_dst(a, "b", 1);
	char dir[256];
	struct intruder in = { tmp_path("b", dir), 0 };
	struct sl_copy_opts o = { 8, intrude, &in };
	struct sl_copy_stats st;
	struct sl_error err = { 0 };
	uint64_t bad, badcp;

	ck_assert_int_eq(sl_ledger_copy(a, b, &o, &st, &bad, &badcp, &err), SL_EVERIFY);
	ck_assert_int_eq(in.done, 1);
	ck_assert_uint_eq(bad, 20);
	ck_assert_msg(strstr(err.msg, "seq 20: another writer appended to the destination after the copy"),
		      "%s", err.msg);
	ck_assert_uint_eq(badcp, UINT64_MAX);
	sl_ledger_close(a);
	sl_ledger_close(b);
}
END_TEST

START_TEST(origins)
{
	struct sl_ledger *a = ledger_with("a", 3), *d = NULL;
	struct sl_copy_stats st;
	struct sl_error err = { 0 };
	char dir[256];
	int created;

	/* Another origin: a "no", and the ledger is not opened. */
	ck_assert_int_eq(sl_ledger_init(tmp_path("other", dir), "other.example/log", &err), 0);
	ck_assert_int_eq(sl_copy_open_dst(&d, dir, a, 10000, &created, &err), SL_EVERIFY);
	ck_assert_ptr_null(d);
	ck_assert_msg(strstr(err.msg, "the destination's origin 'other.example/log' is not the source's "
			  "'" ORIGIN "'"), "%s", err.msg);
	/* An empty ledger of the same origin takes the copy. */
	ck_assert_int_eq(sl_ledger_init(tmp_path("same", dir), ORIGIN, &err), 0);
	ck_assert_int_eq(sl_copy_open_dst(&d, dir, a, 10000, &created, &err), 0);
	ck_assert_int_eq(created, 0);
	copy_ok(a, d, 0, &st);
	ck_assert_uint_eq(st.copied, 3);
	same_heads(a, d);
	sl_ledger_close(d);
	sl_ledger_close(a);
}
END_TEST

static Suite *copy_suite(void)
{
	Suite *s = suite_create("copy");
	TCase *tc = tcase_create("copy");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, copy_new_then_more);
	tcase_add_test(tc, first_difference_named);
	tcase_add_test(tc, origins);
	tcase_add_test(tc, intruder_after_last_batch);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(copy_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
