// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/artifact.c: known-answer digests and paths, put from
 * memory and from a file, dedup, get re-checking the digest, and verify.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl/artifact.h"

static char ledger[] = "/tmp/u-artifact.XXXXXX";
/* SHA-256("abc") */
static const char abc_hex[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

/* A fresh store for each test: an empty ledger directory with artifacts/. */
static void fresh(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s/artifacts' && mkdir -m 700 '%s/artifacts'", ledger,
		 ledger);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(digest_parse_and_path)
{
	unsigned char d[SL_HASH_LEN];
	struct sl_buf p = SL_BUF_INIT;

	ck_assert_int_eq(sl_artifact_digest_parse(abc_hex, d), 0);
	ck_assert_int_eq(sl_artifact_digest_parse("sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", d), 0);
	ck_assert_int_eq(d[0], 0xba);
	ck_assert_int_eq(sl_artifact_digest_parse("ba78", d), SL_EINVAL);
	ck_assert_int_eq(sl_artifact_digest_parse("sha1:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", d), SL_EINVAL);
	ck_assert_int_eq(sl_artifact_path(&p, "/L", d), 0);
	ck_assert_str_eq(p.buf, "/L/artifacts/sha256/ba/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sl_buf_release(&p);
}
END_TEST

START_TEST(put_get_has)
{
	unsigned char d[SL_HASH_LEN], want[SL_HASH_LEN];
	struct sl_error err = { 0 };
	struct sl_buf got = SL_BUF_INIT, path = SL_BUF_INIT;
	struct stat st;
	int created = -1;
	char hex[SL_HEX_LEN + 1];

	fresh();
	ck_assert_int_eq(sl_artifact_digest_parse(abc_hex, want), 0);
	ck_assert_int_eq(sl_artifact_has(ledger, want, &err), SL_ENOTFOUND);
	ck_assert_int_eq(sl_artifact_put_mem(ledger, "abc", 3, d, &created, &err), 0);
	sl_hex_encode(hex, d, SL_HASH_LEN);
	ck_assert_str_eq(hex, abc_hex);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(sl_artifact_has(ledger, d, &err), 0);
	ck_assert_int_eq(sl_artifact_path(&path, ledger, d), 0);
	ck_assert_int_eq(stat(path.buf, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0400);
	ck_assert_int_eq(sl_artifact_get(ledger, d, sl_buf_write, &got, &err), 0);
	ck_assert_uint_eq(got.len, 3);
	ck_assert_str_eq(got.buf, "abc");
	/* Stored once. */
	ck_assert_int_eq(sl_artifact_put_mem(ledger, "abc", 3, d, &created, &err), 0);
	ck_assert_int_eq(created, 0);
	ck_assert_int_eq(sl_artifact_check(ledger, d, &err), 0);
	sl_buf_release(&got);
	sl_buf_release(&path);
}
END_TEST

START_TEST(put_from_fd)
{
	unsigned char d[SL_HASH_LEN];
	struct sl_error err = { 0 };
	char file[600];
	uint64_t size = 0;
	int fd, created = -1;
	char hex[SL_HEX_LEN + 1];
	FILE *f;

	fresh();
	snprintf(file, sizeof(file), "%s/in", ledger);
	f = fopen(file, "w");
	fputs("abc", f);
	ck_assert_int_eq(fclose(f), 0);
	fd = open(file, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sl_artifact_put_fd(ledger, fd, d, &size, &created, &err), 0);
	close(fd);
	sl_hex_encode(hex, d, SL_HASH_LEN);
	ck_assert_str_eq(hex, abc_hex);
	ck_assert_uint_eq(size, 3);
	ck_assert_int_eq(created, 1);
}
END_TEST

START_TEST(get_refuses_altered_content)
{
	unsigned char d[SL_HASH_LEN];
	struct sl_error err = { 0 };
	struct sl_buf got = SL_BUF_INIT, path = SL_BUF_INIT;
	FILE *f;

	fresh();
	ck_assert_int_eq(sl_artifact_put_mem(ledger, "abc", 3, d, NULL, &err), 0);
	ck_assert_int_eq(sl_artifact_path(&path, ledger, d), 0);
	ck_assert_int_eq(chmod(path.buf, 0600), 0);
	f = fopen(path.buf, "w");
	fputs("abd", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(sl_artifact_get(ledger, d, sl_buf_write, &got, &err), SL_EVERIFY);
	ck_assert_uint_eq(got.len, 0); /* nothing was passed on */
	ck_assert(strstr(err.msg, "does not hold the content its name says") != NULL);
	ck_assert_int_eq(sl_artifact_check(ledger, d, &err), SL_EVERIFY);
	/* Putting the right content replaces the damaged copy. */
	ck_assert_int_eq(sl_artifact_put_mem(ledger, "abc", 3, d, NULL, &err), 0);
	ck_assert_int_eq(sl_artifact_get(ledger, d, sl_buf_write, &got, &err), 0);
	ck_assert_str_eq(got.buf, "abc");
	sl_buf_release(&got);
	sl_buf_release(&path);
}
END_TEST

struct seen {
	int good, bad, other;
};

static int count(void *ctx, const char *name, int code, const char *msg)
{
	struct seen *s = ctx;

	(void)name;
	(void)msg;
	if (code == 0)
		s->good++;
	else if (code == SL_EVERIFY)
		s->bad++;
	else
		s->other++;
	return 0;
}

START_TEST(verify_all)
{
	unsigned char d[SL_HASH_LEN];
	struct sl_error err = { 0 };
	struct seen s = { 0 };
	uint64_t n = 99, bad = 99;
	char stray[700];
	FILE *f;

	fresh();
	ck_assert_int_eq(sl_artifact_verify_all(ledger, count, &s, &n, &bad, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(sl_artifact_put_mem(ledger, "abc", 3, d, NULL, &err), 0);
	ck_assert_int_eq(sl_artifact_put_mem(ledger, "", 0, d, NULL, &err), 0);
	snprintf(stray, sizeof(stray), "%s/artifacts/sha256/ba/stray", ledger);
	f = fopen(stray, "w");
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(sl_artifact_verify_all(ledger, count, &s, &n, &bad, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(bad, 1);
	ck_assert_int_eq(s.good, 2);
	ck_assert_int_eq(s.other, 1);
}
END_TEST

START_TEST(no_store)
{
	unsigned char d[SL_HASH_LEN];
	struct sl_error err = { 0 };

	ck_assert_int_eq(sl_artifact_put_mem("/nonexistent/ledger", "x", 1, d, NULL, &err), SL_ENOLEDGER);
	ck_assert_int_eq(sl_artifact_store_check("/nonexistent/ledger", &err), SL_ENOLEDGER);
}
END_TEST

static Suite *artifact_suite(void)
{
	Suite *s = suite_create("artifact");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, digest_parse_and_path);
	tcase_add_test(tc, put_get_has);
	tcase_add_test(tc, put_from_fd);
	tcase_add_test(tc, get_refuses_altered_content);
	tcase_add_test(tc, verify_all);
	tcase_add_test(tc, no_store);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(artifact_suite());
	char cmd[600];
	int failed;

	if (!mkdtemp(ledger))
		return EXIT_FAILURE;
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", ledger);
	if (system(cmd) != 0)
		failed++;
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
