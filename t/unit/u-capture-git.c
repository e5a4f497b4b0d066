// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/capture-git.c: repository names for sources and the
 * lock file names.  Whole captures are tested on real repositories in
 * t/1010-sl-capture-git.bats.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sl/capture-git.h"

static void name_is(const char *repo, const char *want)
{
	struct sl_buf b = SL_BUF_INIT;

	sl_git_source_name(&b, repo);
	ck_assert_msg(!strcmp(b.buf, want), "%s gave %s, want %s", repo, b.buf, want);
	sl_buf_release(&b);
}

START_TEST(source_names)
{
	name_is("https://github.com/acme/shop.git", "github.com/acme/shop");
	name_is("https://github.com/acme/shop", "github.com/acme/shop");
	name_is("https://github.com/acme/shop/", "github.com/acme/shop");
	name_is("git@github.com:acme/shop.git", "github.com/acme/shop");
	name_is("github.com:acme/shop", "github.com/acme/shop");
	name_is("ssh://git@github.com/acme/shop.git", "github.com/acme/shop");
	name_is("ssh://git@host.example:2222/srv/x.git/", "host.example:2222/srv/x");
	name_is("/srv/git/shop.git", "/srv/git/shop.git");
	name_is("./relative", "./relative");
	name_is("file:///srv/git/shop.git", "/srv/git/shop");
	name_is("https://h/.git", "h/.git");
}
END_TEST

START_TEST(lockfile_names)
{
	static const char *const yes[] = {
		"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "Cargo.lock", "go.sum",
		"poetry.lock", "Pipfile.lock", "Gemfile.lock", "composer.lock", "requirements.txt",
		"requirements-dev.txt", "requirements_test.txt", "constraints.txt", "uv.lock",
		"flake.lock", NULL,
	};
	static const char *const no[] = {
		"package.json", "Cargo.toml", "go.mod", "requirements.in", "requirements.txt.bak",
		"yarn.lock~", ".requirements.txt", "Gemfile", "lock", "", NULL,
	};
	const char *const *p;

	for (p = yes; *p; p++)
		ck_assert_msg(sl_lockfile_name(*p), "%s should be a lock file", *p);
	for (p = no; *p; p++)
		ck_assert_msg(!sl_lockfile_name(*p), "%s should not be a lock file", *p);
}
END_TEST

START_TEST(not_a_directory)
{
	struct sl_error err = { 0 };
	json_t *p = NULL;

	ck_assert_int_eq(sl_capture_git("/nonexistent/dir", &p, NULL, &err), SL_EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err.msg, "unable to capture '/nonexistent/dir': No such file or directory");
}
END_TEST

static Suite *git_suite(void)
{
	Suite *s = suite_create("capture-git");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, source_names);
	tcase_add_test(tc, lockfile_names);
	tcase_add_test(tc, not_a_directory);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(git_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
