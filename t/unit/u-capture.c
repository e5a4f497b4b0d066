// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/capture.c: lossy JSON strings, sources that fit,
 * and entry lines checked as sl-append checks them.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sl/capture.h"
#include "sl/entry.h"
#include "sl/json.h"

START_TEST(lossy_strings)
{
	json_t *v;

	v = sl_json_string_lossy("plain", 5);
	ck_assert_str_eq(json_string_value(v), "plain");
	json_decref(v);
	v = sl_json_string_lossy("a\xff" "b\xc3", 4);
	ck_assert_str_eq(json_string_value(v), "a\xef\xbf\xbd" "b\xef\xbf\xbd");
	json_decref(v);
	/* Overlong forms and surrogates are not UTF-8. */
	v = sl_json_string_lossy("\xc0\xaf\xed\xa0\x80", 5);
	ck_assert_uint_eq(json_string_length(v), 15);
	json_decref(v);
	v = sl_json_string_lossy("a\0b", 3);
	ck_assert_str_eq(json_string_value(v), "a\xef\xbf\xbd" "b");
	json_decref(v);
	/* Lossy keeps control characters; clean does not. */
	v = sl_json_string_lossy("a\nb", 3);
	ck_assert_str_eq(json_string_value(v), "a\nb");
	json_decref(v);
	v = sl_json_string_clean("a\nb\x7f\xc3\xa9", 6);
	ck_assert_str_eq(json_string_value(v), "a\xef\xbf\xbd" "b\xef\xbf\xbd\xc3\xa9");
	json_decref(v);
}
END_TEST

START_TEST(source_fit)
{
	struct sl_buf b = SL_BUF_INIT;
	size_t i;

	sl_buf_addstr(&b, "config:h:/short");
	sl_capture_source_fit(&b, 9);
	ck_assert_str_eq(b.buf, "config:h:/short");
	sl_buf_reset(&b);
	sl_buf_addstr(&b, "config:h:");
	for (i = 0; i < 300; i++)
		sl_buf_addstr(&b, i % 2 ? "\xc3\xa9" : "a");
	sl_buf_addstr(&b, "/end.conf");
	sl_capture_source_fit(&b, 9);
	ck_assert_uint_le(b.len, SL_SOURCE_MAX);
	ck_assert(sl_source_valid(b.buf, b.len));
	ck_assert(!strncmp(b.buf, "config:h:...", 12));
	ck_assert_str_eq(b.buf + b.len - 9, "/end.conf");
	sl_buf_release(&b);
}
END_TEST

START_TEST(source_add)
{
	struct sl_buf b = SL_BUF_INIT;

	sl_buf_addstr(&b, "x:");
	sl_capture_source_add(&b, "a\nb\xff");
	ck_assert_str_eq(b.buf, "x:a\xef\xbf\xbd" "b\xef\xbf\xbd");
	sl_buf_release(&b);
}
END_TEST

START_TEST(emit_valid_and_invalid)
{
	struct sl_buf out = SL_BUF_INIT;
	struct sl_error err = { 0 };
	size_t len;
	json_t *p = json_pack("{s:s, s:s}", "path", "/etc/x", "sha256",
			      "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");

	ck_assert_int_eq(sl_capture_emit(&out, "config", "config:h:/etc/x", p, &err), 0);
	ck_assert_str_eq(out.buf, "{\"payload\":{\"path\":\"/etc/x\",\"sha256\":"
				  "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"},"
				  "\"source\":\"config:h:/etc/x\",\"type\":\"config\"}\n");
	len = out.len;
	/* A payload sl-append would refuse is refused here, and out is unchanged. */
	json_object_set_new(p, "colour", json_string("red"));
	ck_assert_int_eq(sl_capture_emit(&out, "config", "config:h:/etc/x", p, &err), SL_EINVAL);
	ck_assert_str_eq(err.member, "payload.colour");
	ck_assert_uint_eq(out.len, len);
	json_object_del(p, "colour");
	ck_assert_int_eq(sl_capture_emit(&out, "config", "", p, &err), SL_EINVAL);
	ck_assert_str_eq(err.member, "source");
	json_decref(p);
	sl_buf_release(&out);
}
END_TEST

START_TEST(emit_too_large)
{
	struct sl_buf out = SL_BUF_INIT;
	struct sl_error err = { 0 };
	char *big = malloc(70000);
	json_t *p;

	memset(big, 'a', 69999);
	big[69999] = '\0';
	p = json_pack("{s:s}", "blob", big);
	ck_assert_int_eq(sl_capture_emit(&out, "x-big", "s", p, &err), SL_EINVAL);
	ck_assert(strstr(err.msg, "more than 65535") != NULL);
	ck_assert_uint_eq(out.len, 0);
	json_decref(p);
	free(big);
	sl_buf_release(&out);
}
END_TEST

START_TEST(check_lines)
{
	static const char good[] = "{\"type\":\"x-a\",\"source\":\"s\",\"payload\":{}}\n"
				   "  \r\n"
				   "{\"type\":\"x-b\",\"source\":\"s\",\"payload\":{\"n\":1}}";
	static const char bad[] = "{\"type\":\"x-a\",\"source\":\"s\",\"payload\":{}}\n\n"
				  "{\"type\":\"code\",\"source\":\"s\",\"payload\":{}}\n";
	struct sl_error err = { 0 };

	ck_assert_int_eq(sl_capture_check_lines(good, strlen(good), &err), 0);
	ck_assert_int_eq(sl_capture_check_lines("", 0, &err), 0);
	ck_assert_int_eq(sl_capture_check_lines(bad, strlen(bad), &err), SL_EINVAL);
	ck_assert_int_eq(err.line, 3);
	ck_assert_str_eq(err.member, "payload.repo");
	ck_assert_int_eq(sl_capture_check_lines("{\"type\":1}", 11, &err), SL_EINVAL);
	ck_assert_int_eq(err.line, 1);
}
END_TEST

START_TEST(capture_time_and_host)
{
	char ts[SL_TS_LEN + 1];
	struct sl_buf h = SL_BUF_INIT;

	ck_assert_int_eq(sl_capture_time(ts), 0);
	ck_assert(sl_ts_valid(ts, strlen(ts)));
	ck_assert_int_eq(sl_capture_hostname(&h), 0);
	ck_assert(h.len > 0);
	ck_assert(sl_source_valid(h.buf, h.len));
	sl_buf_release(&h);
}
END_TEST

static Suite *capture_suite(void)
{
	Suite *s = suite_create("capture");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, lossy_strings);
	tcase_add_test(tc, source_fit);
	tcase_add_test(tc, source_add);
	tcase_add_test(tc, emit_valid_and_invalid);
	tcase_add_test(tc, emit_too_large);
	tcase_add_test(tc, check_lines);
	tcase_add_test(tc, capture_time_and_host);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(capture_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
