// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/capture-config.c: absolute paths by text, walking
 * directories in name order, and the config payload.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl/capture-config.h"

static char root[] = "/tmp/u-capture-config.XXXXXX";

static void abs_is(const char *in, const char *want)
{
	struct sl_buf b = SL_BUF_INIT;

	ck_assert_int_eq(sl_abs_path(&b, in), 0);
	ck_assert_msg(!strcmp(b.buf, want), "%s gave %s, want %s", in, b.buf, want);
	sl_buf_release(&b);
}

START_TEST(absolute_paths)
{
	char cwd[4096], want[4200];

	abs_is("/etc/nginx/nginx.conf", "/etc/nginx/nginx.conf");
	abs_is("//etc///nginx/", "/etc/nginx");
	abs_is("/etc/./nginx/../hosts", "/etc/hosts");
	abs_is("/../../etc", "/etc");
	abs_is("/", "/");
	abs_is("/a/b/../..", "/");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/x.conf", strcmp(cwd, "/") ? cwd : "");
	abs_is("x.conf", want);
	abs_is("./sub/../x.conf", want);
}
END_TEST

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void dir(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

static int collect(void *ctx, const char *path)
{
	sl_buf_addstr(ctx, path + strlen(root));
	sl_buf_addch(ctx, '\n');
	return 0;
}

START_TEST(walk)
{
	struct sl_buf got = SL_BUF_INIT;
	struct sl_error err = { 0 };
	char p[512], t[512];

	dir("d");
	dir("d/z");
	dir("d/a");
	put("d/b.conf", "b");
	put("d/a/x.conf", "x");
	put("d/z/y.conf", "y");
	snprintf(p, sizeof(p), "%s/d/link.conf", root);
	ck_assert_int_eq(symlink("b.conf", p), 0);
	snprintf(p, sizeof(p), "%s/d/a/up", root);
	ck_assert_int_eq(symlink("..", p), 0);
	snprintf(p, sizeof(p), "%s/d", root);
	ck_assert_int_eq(sl_config_walk(p, 1, collect, &got, &err), 0);
	ck_assert_str_eq(got.buf, "/d/a/x.conf\n/d/b.conf\n/d/link.conf\n/d/z/y.conf\n");
	ck_assert_int_eq(sl_config_walk(p, 0, collect, &got, &err), SL_EINVAL);
	ck_assert(strstr(err.msg, "is a directory") != NULL);
	snprintf(t, sizeof(t), "%s/d/none", root);
	ck_assert_int_eq(sl_config_walk(t, 0, collect, &got, &err), SL_EINVAL);
	ck_assert(strstr(err.msg, "No such file or directory") != NULL);
	sl_buf_release(&got);
}
END_TEST

START_TEST(payload)
{
	struct sl_error err = { 0 };
	char p[512];
	json_t *v;

	put("abc.conf", "abc");
	snprintf(p, sizeof(p), "%s/abc.conf", root);
	ck_assert_int_eq(chmod(p, 0640), 0);
	ck_assert_int_eq(sl_capture_config(p, "web-1", NULL, &v, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(v, "path")), p);
	ck_assert_str_eq(json_string_value(json_object_get(v, "sha256")),
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(json_integer_value(json_object_get(v, "size")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "mode")), 0640);
	ck_assert_str_eq(json_string_value(json_object_get(v, "host")), "web-1");
	ck_assert_ptr_null(json_object_get(v, "stored"));
	ck_assert_ptr_nonnull(json_object_get(v, "captured_at"));
	json_decref(v);
	/* --store needs a ledger with an artifact store. */
	ck_assert_int_eq(sl_capture_config(p, "web-1", root, &v, &err), SL_ENOLEDGER);
	dir("artifacts");
	ck_assert_int_eq(sl_capture_config(p, "web-1", root, &v, &err), 0);
	ck_assert(json_is_true(json_object_get(v, "stored")));
	json_decref(v);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("capture-config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, absolute_paths);
	tcase_add_test(tc, walk);
	tcase_add_test(tc, payload);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	char cmd[600];
	int failed;

	if (!mkdtemp(root))
		return EXIT_FAILURE;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		failed++;
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
