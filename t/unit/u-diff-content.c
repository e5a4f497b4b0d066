// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/diff-content.c: the hunks libgit2 makes, as git
 * writes them (known answers checked against `git diff --no-index`), and
 * the records sl_diff_content() takes and leaves alone.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sl/diff-content.h"

#define TMPDIR_NAME "diff-content"
#include "tmpdir.h"

static void patch_is(const char *a, const char *b, const char *want)
{
	struct sl_buf out = SL_BUF_INIT;
	struct sl_error err = { 0 };
	int binary = -1;

	ck_assert_msg(sl_content_patch(&out, a, a ? strlen(a) : 0, b, b ? strlen(b) : 0, &binary,
				       &err) == 0, "patch: %s", err.msg);
	ck_assert_int_eq(binary, 0);
	ck_assert_msg(!strcmp(out.buf, want), "got\n%s\nwant\n%s", out.buf, want);
	sl_buf_release(&out);
}

START_TEST(hunks_as_git)
{
	/* A change in the middle, a line added at the end. */
	patch_is("a=1\nb=2\nc=3\n", "a=1\nb=two\nc=3\nd=4\n",
		 "@@ -1,3 +1,4 @@\n a=1\n-b=2\n+b=two\n c=3\n+d=4\n");
	/* Two changes 7 lines apart: two hunks (git's interhunk context is 0). */
	patch_is("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", "one\n2\n3\n4\n5\n6\n7\n8\n9\nten\n",
		 "@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n@@ -7,4 +7,4 @@\n 7\n 8\n 9\n-10\n+ten\n");
	/* The last line without a newline, as git marks it. */
	patch_is("a\nb\n", "a\nb",
		 "@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n");
	/* Against /dev/null both ways. */
	patch_is(NULL, "new\n", "@@ -0,0 +1 @@\n+new\n");
	patch_is("old\nfile\n", NULL, "@@ -1,2 +0,0 @@\n-old\n-file\n");
	/* The same bytes: nothing. */
	patch_is("same\n", "same\n", "");
}
END_TEST

START_TEST(binary_named_not_diffed)
{
	struct sl_buf out = SL_BUF_INIT;
	struct sl_error err = { 0 };
	int binary = 0;

	sl_buf_addstr(&out, "kept");
	ck_assert_int_eq(sl_content_patch(&out, "x\0y", 3, "x\0z", 3, &binary, &err), 0);
	ck_assert_int_eq(binary, 1);
	ck_assert_str_eq(out.buf, "kept");
	binary = 0;
	ck_assert_int_eq(sl_content_patch(&out, NULL, 0, "\0\1\2", 3, &binary, &err), 0);
	ck_assert_int_eq(binary, 1);
	ck_assert_str_eq(out.buf, "kept");
	sl_buf_release(&out);
}
END_TEST

START_TEST(records)
{
	struct sl_buf out = SL_BUF_INIT;
	struct sl_error err = { 0 };
	struct sl_ledger *l;
	char dir[128];
	size_t n = 99;
	static const char others[] =
		"{\"change\":\"changed\",\"type\":\"code\",\"source\":\"git:x\",\"from_seq\":0,\"to_seq\":1,\"members\":[]}\n"
		"{\"change\":\"recaptured\",\"type\":\"config\",\"source\":\"config:h:/x\",\"from_seq\":0,\"to_seq\":1,\"members\":[]}\n"
		"{\"change\":\"mutations\",\"namespace\":\"n\",\"from\":null,\"to\":null,\"count\":null,\"applied\":null}";

	snprintf(dir, sizeof(dir), "%s/ledger", tmproot);
	ck_assert_msg(sl_ledger_init(dir, "example.org/log", &err) == 0, "init: %s", err.msg);
	ck_assert_msg(sl_ledger_open(&l, dir, 0, 10000, &err) == 0, "open: %s", err.msg);
	/* No records, and records of other kinds (the last without a newline): nothing, no reads. */
	ck_assert_int_eq(sl_diff_content(l, "", 0, &out, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(sl_diff_content(l, others, sizeof(others) - 1, &out, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(out.len, 0);
	/* Not sl_diff's records: SL_EINVAL, out left as it was. */
	sl_buf_addstr(&out, "kept");
	ck_assert_int_eq(sl_diff_content(l, "{\"change\"", 9, &out, &n, &err), SL_EINVAL);
	ck_assert_str_eq(out.buf, "kept");
	/* A config record naming an entry the ledger does not have. */
	memset(&err, 0, sizeof(err));
	ck_assert_int_eq(sl_diff_content(l, "{\"change\":\"added\",\"type\":\"config\",\"source\":\"config:h:/x\",\"from_seq\":null,\"to_seq\":5}", 84, &out, &n, &err),
			 SL_ENOTFOUND);
	ck_assert_str_eq(out.buf, "kept");
	sl_ledger_close(l);
	sl_buf_release(&out);
}
END_TEST

static Suite *diff_content_suite(void)
{
	Suite *s = suite_create("diff-content");
	TCase *tc = tcase_create("diff-content");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, hunks_as_git);
	tcase_add_test(tc, binary_named_not_diffed);
	tcase_add_test(tc, records);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(diff_content_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
