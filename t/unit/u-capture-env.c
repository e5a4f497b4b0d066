// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/capture-env.c: os-release, SOURCE_DATE_EPOCH, cgroup
 * text, first lines, and a capture against a made-up root directory.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl/capture-env.h"

static void osr_is(const char *text, const char *want)
{
	struct sl_buf b = SL_BUF_INIT;
	int e = sl_os_release_name(text, strlen(text), &b);

	if (!want) {
		ck_assert_int_eq(e, SL_ENOTFOUND);
	} else {
		ck_assert_int_eq(e, 0);
		ck_assert_str_eq(b.buf, want);
	}
	sl_buf_release(&b);
}

START_TEST(os_release)
{
	osr_is("NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n",
	       "Debian GNU/Linux 12 (bookworm)");
	osr_is("NAME=Alpine\nVERSION_ID=3.19.1\nID=alpine\n", "Alpine 3.19.1");
	osr_is("ID=nixos", "nixos");
	osr_is("PRETTY_NAME='Single quoted'\r\n", "Single quoted");
	osr_is("PRETTY_NAME=\"Say \\\"hi\\\"\"\n", "Say \"hi\"");
	osr_is("PRETTY_NAME=\"\"\nNAME=Fallback\n", "Fallback");
	osr_is("# comment\nXPRETTY_NAME=no\n", NULL);
	osr_is("", NULL);
}
END_TEST

static void sde_ok(const char *s, int64_t want)
{
	struct sl_error err = { 0 };
	int64_t v = -42;

	ck_assert_msg(sl_sde_parse(s, &v, &err) == 0, "%s: %s", s, err.msg);
	ck_assert_int_eq(v, want);
}

static void sde_bad(const char *s, const char *msg_part)
{
	struct sl_error err = { 0 };
	int64_t v = -42;

	ck_assert_int_eq(sl_sde_parse(s, &v, &err), SL_EINVAL);
	ck_assert_int_eq(v, -42);
	ck_assert_msg(strstr(err.msg, msg_part) != NULL, "%s: %s", s, err.msg);
}

START_TEST(source_date_epoch)
{
	sde_ok("0", 0);
	sde_ok("1700000000", 1700000000);
	sde_ok("253402300799", 253402300799LL);
	sde_bad("abc", "not a whole number");
	sde_bad("-1", "negative");
	sde_bad("-0", "negative");
	sde_bad("99999999999999999999", "out of range");
	sde_bad("253402300800", "out of range");
	sde_bad("", "empty");
	sde_bad("1.5", "not a whole number");
	sde_bad("+1", "not a whole number");
	sde_bad(" 1", "not a whole number");
	sde_bad("1 ", "not a whole number");
	sde_bad("0x10", "not a whole number");
	sde_bad("007", "leading zeros");
	sde_bad("-", "not a whole number");
	sde_bad("1e9", "not a whole number");
}
END_TEST

START_TEST(cgroup_text)
{
	ck_assert_str_eq(sl_container_from_cgroup("12:cpu:/docker/0123abcd\n"), "docker");
	ck_assert_str_eq(sl_container_from_cgroup("0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-1.scope\n"),
			 "kubernetes");
	ck_assert_str_eq(sl_container_from_cgroup("0::/machine.slice/libpod-abc.scope\n"), "podman");
	ck_assert_str_eq(sl_container_from_cgroup("0::/lxc.payload.web\n"), "lxc");
	ck_assert_ptr_null(sl_container_from_cgroup("0::/\n"));
	ck_assert_ptr_null(sl_container_from_cgroup("0::/user.slice/user-1000.slice\n"));
}
END_TEST

static void first_is(const char *in, size_t max, const char *want)
{
	struct sl_buf b = SL_BUF_INIT;

	sl_first_line(&b, in, strlen(in), max);
	ck_assert_str_eq(b.buf, want);
	sl_buf_release(&b);
}

START_TEST(first_line)
{
	first_is("Python 3.11.7\n", 256, "Python 3.11.7");
	first_is("\n\n  \t go version go1.22 linux/amd64  \r\nmore\n", 256, "go version go1.22 linux/amd64");
	first_is("", 256, "");
	first_is("\n \n", 256, "");
	first_is("abcdef", 3, "abc");
	/* Never cut a UTF-8 sequence in two. */
	first_is("ab\xc3\xa9z", 3, "ab");
}
END_TEST

static char root[] = "/tmp/u-capture-env.XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void dir(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s%s", root, rel);
	ck_assert_int_eq(mkdir(path, 0755), 0);
}

START_TEST(capture_with_root)
{
	struct sl_env_opts o = { 0 };
	struct sl_error err = { 0 };
	json_t *p, *c;

	dir("/etc");
	dir("/run");
	put("/etc/os-release", "NAME=Test\nVERSION_ID=1\n");
	put("/etc/timezone", "Europe/Oslo\n");
	put("/run/.containerenv", "engine=\"podman-4.3.1\"\nimage=\"quay.io/acme/shop:2\"\n");
	o.root = root;
	ck_assert_int_eq(sl_capture_env(&o, &p, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(p, "os")), "Test 1");
	ck_assert_str_eq(json_string_value(json_object_get(p, "tz")), "Europe/Oslo");
	c = json_object_get(p, "container");
	ck_assert_str_eq(json_string_value(json_object_get(c, "runtime")), "podman");
	ck_assert_str_eq(json_string_value(json_object_get(c, "image")), "quay.io/acme/shop:2");
	ck_assert_ptr_null(json_object_get(p, "variables"));
	ck_assert_ptr_null(json_object_get(p, "runtimes"));
	json_decref(p);

	/* An image given wins; a bad digest is refused. */
	o.image = "registry.example/x:1";
	o.digest = "sha256:00";
	ck_assert_int_eq(sl_capture_env(&o, &p, &err), SL_EINVAL);
	ck_assert_ptr_null(p);
	ck_assert(strstr(err.msg, "sha256:00") != NULL);
}
END_TEST

static Suite *env_suite(void)
{
	Suite *s = suite_create("capture-env");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, os_release);
	tcase_add_test(tc, source_date_epoch);
	tcase_add_test(tc, cgroup_text);
	tcase_add_test(tc, first_line);
	tcase_add_test(tc, capture_with_root);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(env_suite());
	int failed;

	char cmd[600];

	unsetenv("SOURCE_DATE_EPOCH");
	/* Made here, not in a test: with CK_FORK each test runs in a child. */
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
