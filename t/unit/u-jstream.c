// SPDX-License-Identifier: MIT
/* Unit tests for lib/jstream.c: a JSON document read a value at a time. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sl/jstream.h"

static const char doc[] =
	" {\"a\" : 1, \"s\":\"x\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\", "
	"\"list\":[\"one\", {\"k\":[1,2,{\"z\":\"]}\"}]}, true, null, -2.5e3],\"end\":false}\n";

/* Walk doc through js: every member and item, in order, as "key=value;" */
static void walk(struct sl_jstream *js, struct sl_buf *out)
{
	struct sl_buf key = SL_BUF_INIT, s = SL_BUF_INIT;
	struct sl_error err;
	size_t n = 0, m;
	json_t *v;
	char *t;

	ck_assert_int_eq(sl_jstream_expect(js, '{', &err), 0);
	while (sl_jstream_more(js, '}', &n, &err) == 1) {
		ck_assert_int_eq(sl_jstream_key(js, &key, &err), 0);
		sl_buf_addf(out, "%s=", key.buf);
		if (!strcmp(key.buf, "s")) {
			ck_assert_int_eq(sl_jstream_string(js, &s, &err), 0);
			ck_assert_uint_eq(s.len, 15);
			ck_assert_int_eq(memcmp(s.buf, "x\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80", 15), 0);
			sl_buf_addstr(out, "S;");
			continue;
		}
		if (!strcmp(key.buf, "list")) {
			ck_assert_int_eq(sl_jstream_expect(js, '[', &err), 0);
			for (m = 0; sl_jstream_more(js, ']', &m, &err) == 1;) {
				ck_assert_int_eq(sl_jstream_value(js, &v, &err), 0);
				ck_assert_ptr_nonnull(t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY));
				sl_buf_addf(out, "%s,", t);
				free(t);
				json_decref(v);
			}
			sl_buf_addch(out, ';');
			continue;
		}
		ck_assert_int_eq(sl_jstream_value(js, &v, &err), 0);
		ck_assert_ptr_nonnull(t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY));
		sl_buf_addf(out, "%s;", t);
		free(t);
		json_decref(v);
	}
	ck_assert_int_eq(sl_jstream_finish(js, &err), 0);
	sl_buf_release(&key);
	sl_buf_release(&s);
}

#define WANT "a=1;s=S;list=\"one\",{\"k\":[1,2,{\"z\":\"]}\"}]},true,null,-2500.0,;end=false;"

START_TEST(memory)
{
	struct sl_jstream js;
	struct sl_buf out = SL_BUF_INIT;

	sl_jstream_init_mem(&js, doc, strlen(doc));
	walk(&js, &out);
	ck_assert_str_eq(out.buf, WANT);
	sl_jstream_release(&js);
	sl_buf_release(&out);
}
END_TEST

/* From a pipe, one byte at a time: every value crosses a read boundary. */
START_TEST(pipe_bytewise)
{
	struct sl_jstream js;
	struct sl_buf out = SL_BUF_INIT;
	int fd[2];
	pid_t pid;
	size_t i;

	ck_assert_int_eq(pipe(fd), 0);
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		close(fd[0]);
		for (i = 0; doc[i]; i++)
			if (write(fd[1], &doc[i], 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(fd[1]);
	sl_jstream_init_fd(&js, fd[0], 1 << 20);
	walk(&js, &out);
	ck_assert_str_eq(out.buf, WANT);
	sl_jstream_release(&js);
	close(fd[0]);
	sl_buf_release(&out);
}
END_TEST

static int first_error(const char *text, size_t max, struct sl_error *err)
{
	struct sl_jstream js;
	struct sl_buf key = SL_BUF_INIT;
	json_t *v = NULL;
	size_t n = 0;
	int e;

	sl_jstream_init_mem(&js, text, strlen(text));
	js.max = max;
	sl_error_clear(err);
	if ((e = sl_jstream_expect(&js, '{', err)) == 0)
		while ((e = sl_jstream_more(&js, '}', &n, err)) == 1 &&
		       (e = sl_jstream_key(&js, &key, err)) == 0 &&
		       (e = sl_jstream_value(&js, &v, err)) == 0)
			json_decref(v);
	if (e == 0)
		e = sl_jstream_finish(&js, err);
	sl_jstream_release(&js);
	sl_buf_release(&key);
	return e;
}

START_TEST(errors)
{
	struct sl_error err;

	ck_assert_int_eq(first_error("{\"a\":1}", 100, &err), 0);
	ck_assert_int_eq(first_error("[1]", 100, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "'{' expected at byte 0");
	ck_assert_int_eq(first_error("{\"a\":1 \"b\":2}", 100, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "',' or '}' expected at byte 7");
	ck_assert_int_eq(first_error("{\"a\":[1,2}", 100, &err), SL_EINVAL);
	ck_assert_int_eq(first_error("{\"a\":\"x", 100, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "the document ends early at byte 5");
	ck_assert_int_eq(first_error("{\"a\":tru}", 100, &err), SL_EINVAL);
	ck_assert_int_eq(first_error("{\"a\\q\":1}", 100, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "a bad escape in a string at byte 1");
	ck_assert_int_eq(first_error("{\"\\udc00\":1}", 100, &err), SL_EINVAL);
	ck_assert_int_eq(first_error("{\"a\":\"0123456789\"}", 8, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "a value is too long at byte 5");
	ck_assert_int_eq(first_error("{\"a\":1} x", 100, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "text after the document at byte 8");
	ck_assert_int_eq(first_error("", 100, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "the document ends early at byte 0");
}
END_TEST

static Suite *jstream_suite(void)
{
	Suite *s = suite_create("jstream");
	TCase *tc = tcase_create("jstream");

	tcase_add_test(tc, memory);
	tcase_add_test(tc, pipe_bytewise);
	tcase_add_test(tc, errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(jstream_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
