// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/manifest.c: what each collector becomes (its argv),
 * defaults, and problems named by member path.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sl/manifest.h"

static void argv_is(const struct sl_collector *c, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		ck_assert_ptr_nonnull(c->argv[i]);
		ck_assert_str_eq(c->argv[i], want[i]);
	}
	ck_assert_ptr_null(c->argv[i]);
	ck_assert_uint_eq(c->argc, i);
}

START_TEST(parse_every_type)
{
	static const char text[] =
		"{\"version\":1,\"description\":\"d\",\"collectors\":["
		"{\"type\":\"git\"},"
		"{\"name\":\"e\",\"type\":\"env\",\"variables\":[\"A\",\"B_*\"],\"allow\":[\"B_X\"],"
		"\"runtimes\":[\"py\"],\"image\":\"i\",\"digest\":\"d\",\"source\":\"s\",\"timeout\":7},"
		"{\"type\":\"config\",\"paths\":[\"/etc/a\",\"-b\"],\"recursive\":true,\"store\":false,\"host\":\"h\"},"
		"{\"name\":\"c1\",\"type\":\"command\",\"argv\":[\"prog\",\"--x\"]},"
		"{\"name\":\"c2\",\"type\":\"command\",\"shell\":\"echo hi\"}]}";
	static const char *const git[] = { "sl-capture-git", "-C", ".", NULL };
	static const char *const env[] = { "sl-capture-env", "--var", "A", "--var", "B_*", "--allow",
					   "B_X", "--runtime", "py", "--image", "i", "--digest", "d",
					   "--source", "s", NULL };
	static const char *const cfg[] = { "sl-capture-config", "-r", "--host", "h", "--", "/etc/a",
					   "-b", NULL };
	static const char *const c1[] = { "prog", "--x", NULL };
	static const char *const c2[] = { "/bin/sh", "-c", "echo hi", NULL };
	struct sl_manifest m;
	struct sl_buf problems = SL_BUF_INIT;
	struct sl_error err = { 0 };

	ck_assert_int_eq(sl_manifest_parse(&m, text, strlen(text), &problems, &err), 0);
	ck_assert_str_eq(problems.buf, "");
	ck_assert_uint_eq(m.n, 5);
	ck_assert_str_eq(m.c[0].name, "git");
	ck_assert_int_eq(m.c[0].type, SL_COLLECT_GIT);
	ck_assert_int_eq(m.c[0].timeout_s, SL_MANIFEST_TIMEOUT);
	argv_is(&m.c[0], git);
	ck_assert_str_eq(m.c[1].name, "e");
	ck_assert_int_eq(m.c[1].timeout_s, 7);
	argv_is(&m.c[1], env);
	ck_assert_str_eq(m.c[2].name, "config");
	argv_is(&m.c[2], cfg);
	argv_is(&m.c[3], c1);
	argv_is(&m.c[4], c2);
	ck_assert_str_eq(sl_collector_type_name(m.c[4].type), "command");
	sl_manifest_release(&m);
	ck_assert_uint_eq(m.n, 0);
	sl_buf_release(&problems);
}
END_TEST

static void problems_are(const char *text, const char *want)
{
	struct sl_manifest m;
	struct sl_buf problems = SL_BUF_INIT;
	struct sl_error err = { 0 };

	ck_assert_int_eq(sl_manifest_parse(&m, text, strlen(text), &problems, &err), SL_EINVAL);
	ck_assert_uint_eq(m.n, 0);
	ck_assert_ptr_null(m.c);
	ck_assert_msg(!strcmp(problems.buf, want), "%s\ngave:\n%s\nwant:\n%s", text, problems.buf, want);
	ck_assert_int_eq(err.code, SL_EINVAL);
	sl_buf_release(&problems);
}

START_TEST(problems)
{
	problems_are("[]", "a manifest must be a JSON object\n");
	problems_are("{\"collectors\":[{\"type\":\"env\"}]}", "version: required (1)\n");
	problems_are("{\"version\":1}", "collectors: required (an array of collectors)\n");
	problems_are("{\"version\":1,\"collectors\":{}}", "collectors: must be an array of at least one collector\n");
	problems_are("{\"version\":1,\"collectors\":[{\"type\":\"git\",\"dir\":5}]}",
		     "collectors[0].dir: must be a non-empty string\n");
	problems_are("{\"version\":1,\"collectors\":[{\"type\":\"git\",\"dir\":\"a\\u0000b\"}]}",
		     "collectors[0].dir: must be a non-empty string\n");
	problems_are("{\"version\":1,\"collectors\":[{\"type\":\"config\",\"paths\":[\"\"]}]}",
		     "collectors[0].paths: [0] must be a non-empty string\n");
	problems_are("{\"version\":1,\"collectors\":[{\"type\":\"config\",\"paths\":[\"a\"],\"store\":\"yes\"}]}",
		     "collectors[0].store: must be true or false\n");
	problems_are("{\"version\":1,\"collectors\":[{\"type\":\"command\"}]}",
		     "collectors[0]: wants exactly one of argv (a program and its arguments) and shell "
		     "(a command for /bin/sh)\n");
	problems_are("{\"version\":1,\"collectors\":[{\"name\":\"-x\",\"type\":\"env\"}]}",
		     "collectors[0]: name: must be 1 to 64 letters, digits, '.', '_' or '-' "
		     "(starting with a letter or digit)\n");
	problems_are("{\"version\":1,\"collectors\":[{\"type\":\"env\",\"timeout\":3601}]}",
		     "collectors[0].timeout: must be a whole number of seconds from 1 to 3600\n");
	problems_are("{\"version\":1,\"version\":1}", "not JSON: duplicate object key near '\"version\"' at column 22\n");
}
END_TEST

START_TEST(starter_is_valid)
{
	struct sl_manifest m;
	struct sl_error err = { 0 };

	ck_assert_int_eq(sl_manifest_parse(&m, sl_manifest_starter, strlen(sl_manifest_starter), NULL,
					   &err), 0);
	ck_assert_uint_eq(m.n, 3);
	sl_manifest_release(&m);
}
END_TEST

static Suite *manifest_suite(void)
{
	Suite *s = suite_create("manifest");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, parse_every_type);
	tcase_add_test(tc, problems);
	tcase_add_test(tc, starter_is_valid);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(manifest_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
