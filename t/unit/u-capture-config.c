// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/capture-config.c: absolute paths by text, walking
 * directories in name order, the config payload, and the keyed digest of
 * files not readable by others.
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
	struct sl_config_key k;
	struct sl_config_opts o = { "web-1", NULL, 0, &k };
	char p[512];
	json_t *v;

	sl_config_key_init(&k, NULL);

	put("abc.conf", "abc");
	snprintf(p, sizeof(p), "%s/abc.conf", root);
	ck_assert_int_eq(chmod(p, 0644), 0);
	ck_assert_int_eq(sl_capture_config(p, &o, &v, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(v, "path")), p);
	ck_assert_str_eq(json_string_value(json_object_get(v, "sha256")),
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	ck_assert_int_eq(json_integer_value(json_object_get(v, "size")), 3);
	ck_assert_int_eq(json_integer_value(json_object_get(v, "mode")), 0644);
	ck_assert_ptr_null(json_object_get(v, "private"));
	ck_assert_ptr_null(json_object_get(v, "hmac_sha256"));
	ck_assert_str_eq(json_string_value(json_object_get(v, "host")), "web-1");
	ck_assert_ptr_null(json_object_get(v, "stored"));
	ck_assert_ptr_nonnull(json_object_get(v, "captured_at"));
	json_decref(v);
	/* --store needs a ledger with an artifact store. */
	o.ledger = root;
	ck_assert_int_eq(sl_capture_config(p, &o, &v, &err), SL_ENOLEDGER);
	dir("artifacts");
	ck_assert_int_eq(sl_capture_config(p, &o, &v, &err), 0);
	ck_assert(json_is_true(json_object_get(v, "stored")));
	json_decref(v);
}
END_TEST

static const char *str(json_t *v, const char *key)
{
	return json_string_value(json_object_get(v, key));
}

/* Key 00 01 .. 1f: the answers below come from `openssl dgst -sha256 -mac HMAC`. */
#define HMAC_ABC "f0133729c4163dede81e21cd47839256da58171238c8a0d874397c73b14e1e47"
#define HMAC_ABD "9eff4b658ac6f6ef1cc44e44afdb9bb9b881f40c01fdac48e6e950047cc26c3b"

START_TEST(private_files)
{
	struct sl_error err = { 0 };
	struct sl_config_key k;
	struct sl_config_opts o = { "web-1", NULL, 0, &k };
	unsigned char key[32];
	char p[512], kp[512], led[512];
	struct stat st;
	json_t *v;
	FILE *f;
	int i;

	snprintf(led, sizeof(led), "%s/priv", root);
	snprintf(kp, sizeof(kp), "%s/priv/keys/config-hmac.key", root);
	snprintf(p, sizeof(p), "%s/priv.conf", root);
	put("priv.conf", "abc");
	ck_assert_int_eq(chmod(p, 0640), 0);
	/* No ledger, or one without keys/: no key, no capture. */
	sl_config_key_init(&k, NULL);
	ck_assert_int_eq(sl_capture_config(p, &o, &v, &err), SL_ENOLEDGER);
	dir("priv");
	sl_config_key_init(&k, led);
	ck_assert_int_eq(sl_capture_config(p, &o, &v, &err), SL_ENOLEDGER);
	ck_assert_ptr_nonnull(strstr(err.msg, "not readable by others"));
	dir("priv/keys");
	/* A known key: a known answer. */
	for (i = 0; i < 32; i++)
		key[i] = (unsigned char)i;
	ck_assert_ptr_nonnull(f = fopen(kp, "w"));
	ck_assert_int_eq(fwrite(key, 1, 32, f), 32);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(kp, 0644), 0);
	ck_assert_int_eq(sl_capture_config(p, &o, &v, &err), SL_EINVAL); /* others can read the key */
	ck_assert_int_eq(chmod(kp, 0600), 0);
	ck_assert_int_eq(sl_capture_config(p, &o, &v, &err), 0);
	ck_assert_str_eq(str(v, "hmac_sha256"), HMAC_ABC);
	ck_assert_str_eq(str(v, "hmac_key"), "config-hmac+a5e80966");
	ck_assert(json_is_true(json_object_get(v, "private")));
	ck_assert_ptr_null(json_object_get(v, "sha256"));
	/* No size: it would tell a short secret's length. */
	ck_assert_ptr_null(json_object_get(v, "size"));
	json_decref(v);
	/* Changed content, changed digest. */
	put("priv.conf", "abd");
	ck_assert_int_eq(sl_capture_config(p, &o, &v, &err), 0);
	ck_assert_str_eq(str(v, "hmac_sha256"), HMAC_ABD);
	json_decref(v);
	put("priv.conf", "abc");
	sl_config_key_release(&k);
	/* A key of the wrong size is refused. */
	ck_assert_ptr_nonnull(f = fopen(kp, "a"));
	ck_assert_int_eq(fputc('x', f), 'x');
	ck_assert_int_eq(fclose(f), 0);
	sl_config_key_init(&k, led);
	ck_assert_int_eq(sl_capture_config(p, &o, &v, &err), SL_EINVAL);
	/* None yet: made at first use, 32 bytes of mode 0600, then used again. */
	ck_assert_int_eq(unlink(kp), 0);
	ck_assert_int_eq(sl_capture_config(p, &o, &v, &err), 0);
	ck_assert_int_eq(stat(kp, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(st.st_size, 32);
	ck_assert_str_ne(str(v, "hmac_sha256"), HMAC_ABC);
	sl_config_key_release(&k);
	sl_config_key_init(&k, led);
	{
		json_t *w;
		ck_assert_int_eq(sl_capture_config(p, &o, &w, &err), 0);
		ck_assert_str_eq(str(w, "hmac_sha256"), str(v, "hmac_sha256"));
		ck_assert_str_eq(str(w, "hmac_key"), str(v, "hmac_key"));
		json_decref(w);
	}
	json_decref(v);
	/* Stored only when asked; the keyed digest is that of the bytes stored. */
	dir("priv/artifacts");
	o.ledger = led;
	ck_assert_int_eq(sl_capture_config(p, &o, &v, &err), 0);
	ck_assert_ptr_null(json_object_get(v, "stored"));
	{
		char hm[65];
		snprintf(hm, sizeof(hm), "%s", str(v, "hmac_sha256"));
		json_decref(v);
		o.store_private = 1;
		ck_assert_int_eq(sl_capture_config(p, &o, &v, &err), 0);
		ck_assert(json_is_true(json_object_get(v, "stored")));
		ck_assert_str_eq(str(v, "hmac_sha256"), hm);
		json_decref(v);
	}
	sl_config_key_release(&k);
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("capture-config");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, absolute_paths);
	tcase_add_test(tc, walk);
	tcase_add_test(tc, payload);
	tcase_add_test(tc, private_files);
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
