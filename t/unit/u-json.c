// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/json.c: reading (sl_json_parse) and the RFC 8785
 * (JCS) canonical writer, with the ledger's restrictions (integers only,
 * |n| <= 2^53-1, no duplicate keys, valid UTF-8, bounded nesting).
 */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/buf.h"
#include "sl/json.h"

/*
 * Check sends every passing ck_assert's location to the parent process;
 * loops of many thousand checks use this instead, which reports failures only.
 */
#define expect(cond, ...)                                                                        \
	do {                                                                                     \
		if (!(cond))                                                                     \
			ck_abort_msg(__VA_ARGS__);                                               \
	} while (0)

/* Parse `in` (must succeed), write it canonically, return 0 and the text in out. */
static int canon(const char *in, size_t inlen, struct sl_buf *out, struct sl_error *err)
{
	json_t *v = NULL;
	int e;

	sl_error_clear(err);
	e = sl_json_parse(in, inlen, &v, err);
	ck_assert_msg(e == 0, "parse of '%s' failed: %s", in, err->msg);
	ck_assert_ptr_nonnull(v);
	sl_buf_reset(out);
	e = sl_jcs_write(out, v, "payload", err);
	json_decref(v);
	return e;
}

/* Canonical form of `in` must be exactly `want`. */
static void expect_canon(const char *in, const char *want)
{
	struct sl_buf out = SL_BUF_INIT;
	struct sl_error err;
	int e = canon(in, strlen(in), &out, &err);

	ck_assert_msg(e == 0, "'%s' rejected: %s: %s", in, err.member, err.msg);
	ck_assert_msg(out.len == strlen(want) && !memcmp(out.buf, want, out.len),
		      "canonical form of '%s' is '%s', want '%s'", in, out.buf, want);
	sl_buf_release(&out);
}

/* `in` parses, and the writer rejects it naming `member`. */
static void expect_write_rejects(const char *in, const char *member)
{
	struct sl_buf out = SL_BUF_INIT;
	struct sl_error err;
	int e = canon(in, strlen(in), &out, &err);

	ck_assert_msg(e == SL_EINVAL, "'%s' accepted as '%s' (rc %d)", in, out.buf, e);
	ck_assert_msg(!strcmp(err.member, member), "'%s': member is '%s', want '%s'", in, err.member,
		      member);
	ck_assert_msg(err.msg[0] != '\0', "'%s': no message", in);
	ck_assert_int_eq(err.code, SL_EINVAL);
	sl_buf_release(&out);
}

/* sl_json_parse rejects `in` (len bytes). */
static void expect_parse_rejects(const char *in, size_t len)
{
	struct sl_error err;
	json_t *v = (json_t *)1;
	int e;

	sl_error_clear(&err);
	err.line = 7;
	e = sl_json_parse(in, len, &v, &err);
	ck_assert_msg(e == SL_EINVAL, "'%.*s' parsed (rc %d)", (int)len, in, e);
	ck_assert_ptr_null(v);
	ck_assert_msg(err.msg[0] != '\0', "'%.*s': no message", (int)len, in);
	/* The line is the caller's business. */
	ck_assert_int_eq(err.line, 7);
}

START_TEST(rfc8785_sorting_example)
{
	/* RFC 8785 section 3.2.3: members sorted by their UTF-16 code units. */
	expect_canon("{\n"
		     "  \"\\u20ac\": \"Euro Sign\",\n"
		     "  \"\\r\": \"Carriage Return\",\n"
		     "  \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\",\n"
		     "  \"1\": \"One\",\n"
		     "  \"\\ud83d\\ude00\": \"Emoji: Grinning Face\",\n"
		     "  \"\\u0080\": \"Control\",\n"
		     "  \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"\n"
		     "}\n",
		     "{\"\\r\":\"Carriage Return\","
		     "\"1\":\"One\","
		     "\"\xc2\x80\":\"Control\","
		     "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\","
		     "\"\xe2\x82\xac\":\"Euro Sign\","
		     "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
		     "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}
END_TEST

START_TEST(rfc8785_string_example)
{
	/* The string and literals of RFC 8785 section 3.2.2 (its numbers are reals: not ours). */
	expect_canon("{\"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\","
		     " \"literals\": [null, true, false]}",
		     "{\"literals\":[null,true,false],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}
END_TEST

START_TEST(escaping)
{
	struct sl_buf out = SL_BUF_INIT;
	unsigned c;

	/* Every control character: short escapes where JSON has them, else lowercase \u00XX. */
	for (c = 0; c < 0x20; c++) {
		char in[1] = { (char)c };
		char want[16];

		switch (c) {
		case '\b': snprintf(want, sizeof(want), "\"\\b\""); break;
		case '\t': snprintf(want, sizeof(want), "\"\\t\""); break;
		case '\n': snprintf(want, sizeof(want), "\"\\n\""); break;
		case '\f': snprintf(want, sizeof(want), "\"\\f\""); break;
		case '\r': snprintf(want, sizeof(want), "\"\\r\""); break;
		default: snprintf(want, sizeof(want), "\"\\u%04x\"", c);
		}
		sl_buf_reset(&out);
		ck_assert_int_eq(sl_jcs_string(&out, in, 1), 0);
		ck_assert_msg(!strcmp(out.buf, want), "0x%02x written as %s, want %s", c, out.buf, want);
	}
	/* Everything else from 0x20 to 0x7f is literal, except '"' and '\\'. */
	for (c = 0x20; c < 0x80; c++) {
		char in[1] = { (char)c };
		char want[8];

		if (c == '"')
			snprintf(want, sizeof(want), "\"\\\"\"");
		else if (c == '\\')
			snprintf(want, sizeof(want), "\"\\\\\"");
		else
			snprintf(want, sizeof(want), "\"%c\"", (char)c);
		sl_buf_reset(&out);
		ck_assert_int_eq(sl_jcs_string(&out, in, 1), 0);
		ck_assert_msg(!strcmp(out.buf, want), "0x%02x written as %s, want %s", c, out.buf, want);
	}
	/* Through the parser: \u escapes of non-ASCII become literal UTF-8, "\/" becomes "/". */
	expect_canon("[\"\\u00e9\\u4e2d\\ud834\\udd1e\\/\\u007f\\u001F\\u0000x\"]",
		     "[\"\xc3\xa9\xe4\xb8\xad\xf0\x9d\x84\x9e/\x7f\\u001f\\u0000x\"]");
	expect_canon("{\"a/b\":\"c\\\\d\\\"e\"}", "{\"a/b\":\"c\\\\d\\\"e\"}");
	/* Escapes in member names too. */
	expect_canon("{\"\\t\\u0001\":1}", "{\"\\t\\u0001\":1}");
	sl_buf_release(&out);
}
END_TEST

START_TEST(nul_in_strings)
{
	struct sl_buf out = SL_BUF_INIT;

	/* A NUL inside a string is data, written as \u0000 and not a terminator. */
	expect_canon("[\"a\\u0000b\"]", "[\"a\\u0000b\"]");
	ck_assert_int_eq(sl_jcs_string(&out, "a\0b", 3), 0);
	ck_assert_uint_eq(out.len, 10);
	ck_assert_str_eq(out.buf, "\"a\\u0000b\"");
	sl_buf_release(&out);
}
END_TEST

START_TEST(jcs_string_appends)
{
	struct sl_buf out = SL_BUF_INIT;

	sl_buf_addstr(&out, "x=");
	ck_assert_int_eq(sl_jcs_string(&out, "", 0), 0);
	ck_assert_str_eq(out.buf, "x=\"\"");
	ck_assert_int_eq(sl_jcs_string(&out, "\xe2\x82\xac", 3), 0);
	ck_assert_str_eq(out.buf, "x=\"\"\"\xe2\x82\xac\"");
	/* Invalid UTF-8 is refused. */
	ck_assert_int_eq(sl_jcs_string(&out, "\xff", 1), SL_EINVAL);
	ck_assert_int_eq(sl_jcs_string(&out, "a\xed\xa0\x80", 4), SL_EINVAL);
	sl_buf_release(&out);
}
END_TEST

START_TEST(nesting_and_whitespace)
{
	expect_canon(" { \"b\" : [ 1 , { \"d\" : true , \"c\" : null } ] ,\n\t\"a\" : { } , \"e\": [] } \r\n",
		     "{\"a\":{},\"b\":[1,{\"c\":null,\"d\":true}],\"e\":[]}");
	expect_canon("[[[[]]],{},[{}],\"\"]", "[[[[]]],{},[{}],\"\"]");
	expect_canon("[false,true,null]", "[false,true,null]");
	/* Arrays keep their order; objects are sorted at every level. */
	expect_canon("[3,1,2,{\"z\":{\"y\":1,\"x\":2},\"a\":[{\"c\":1,\"b\":2}]}]",
		     "[3,1,2,{\"a\":[{\"b\":2,\"c\":1}],\"z\":{\"x\":2,\"y\":1}}]");
	/* Prefixes sort first; ASCII by code point. */
	expect_canon("{\"ab\":1,\"a\":2,\"B\":3,\"\":4,\"a b\":5,\"_\":6}",
		     "{\"\":4,\"B\":3,\"_\":6,\"a\":2,\"a b\":5,\"ab\":1}");
}
END_TEST

START_TEST(many_members)
{
	/* More members than the writer keeps on its stack. */
	struct sl_buf in = SL_BUF_INIT, want = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_error err;
	int i;

	sl_buf_addch(&in, '{');
	for (i = 99; i >= 0; i--)
		sl_buf_addf(&in, "%s\"k%02d\":%d", i == 99 ? "" : ",", i, i);
	sl_buf_addch(&in, '}');
	sl_buf_addch(&want, '{');
	for (i = 0; i < 100; i++)
		sl_buf_addf(&want, "%s\"k%02d\":%d", i ? "," : "", i, i);
	sl_buf_addch(&want, '}');
	ck_assert_int_eq(canon(in.buf, in.len, &out, &err), 0);
	ck_assert_str_eq(out.buf, want.buf);
	sl_buf_release(&in);
	sl_buf_release(&want);
	sl_buf_release(&out);
}
END_TEST

START_TEST(integers)
{
	expect_canon("[0]", "[0]");
	expect_canon("[-0]", "[0]");
	expect_canon("[1,-1,42,-42]", "[1,-1,42,-42]");
	expect_canon("[9007199254740991]", "[9007199254740991]");
	expect_canon("[-9007199254740991]", "[-9007199254740991]");
	expect_canon("{\"n\":1000000}", "{\"n\":1000000}");
	expect_write_rejects("[9007199254740992]", "payload[0]");
	expect_write_rejects("[-9007199254740992]", "payload[0]");
	expect_write_rejects("{\"a\":9223372036854775807}", "payload.a");
	expect_write_rejects("{\"a\":-9223372036854775808}", "payload.a");
	/* Beyond 64 bits the reader already refuses. */
	expect_parse_rejects("[18446744073709551616]", 22);
}
END_TEST

START_TEST(reals_rejected)
{
	expect_write_rejects("[1.0]", "payload[0]");
	expect_write_rejects("[1e3]", "payload[0]");
	expect_write_rejects("[1E3]", "payload[0]");
	expect_write_rejects("[0.5]", "payload[0]");
	expect_write_rejects("[-0.0]", "payload[0]");
	expect_write_rejects("{\"x\":2.5e-3}", "payload.x");
	/* The path names the member however deep it is. */
	expect_write_rejects("{\"a\":[0,{\"b\":1.5}]}", "payload.a[1].b");
	expect_write_rejects("{\"a\":[0,{\"c\":1,\"b\":[[1,2,[0.5]]]}]}", "payload.a[1].b[0][2][0]");
	expect_write_rejects("{\"z\":1,\"a\":{\"b\":{\"c\":1.5}}}", "payload.a.b.c");
	{
		/* The writer's own path argument: NULL names members from the top. */
		struct sl_buf out = SL_BUF_INIT;
		struct sl_error err;
		json_t *v;

		ck_assert_int_eq(sl_json_parse("{\"a\":[1.5]}", 11, &v, &err), 0);
		sl_error_clear(&err);
		ck_assert_int_eq(sl_jcs_write(&out, v, NULL, &err), SL_EINVAL);
		ck_assert_str_eq(err.member, "a[0]");
		sl_error_clear(&err);
		ck_assert_int_eq(sl_jcs_write(&out, v, "entry.payload", &err), SL_EINVAL);
		ck_assert_str_eq(err.member, "entry.payload.a[0]");
		/* err may be NULL. */
		ck_assert_int_eq(sl_jcs_write(&out, v, "payload", NULL), SL_EINVAL);
		json_decref(v);
		/* A top-level real: the path itself. */
		v = json_real(0.5);
		sl_error_clear(&err);
		ck_assert_int_eq(sl_jcs_write(&out, v, "payload", &err), SL_EINVAL);
		ck_assert_str_eq(err.member, "payload");
		json_decref(v);
		sl_buf_release(&out);
	}
}
END_TEST

START_TEST(duplicate_keys_rejected)
{
	static const char *const dups[] = {
		"{\"a\":1,\"a\":2}",
		"{\"a\":1,\"a\":1}",
		"{\"a\":1,\"b\":2,\"a\":{}}",
		"{\"x\":{\"a\":1,\"a\":2}}",
		"{\"x\":[{\"k\":1,\"k\":2}]}",
		"[{\"k\":null,\"k\":null}]",
		"{\"\\u0061\":1,\"a\":2}",  /* the same key, spelled differently */
		"{\"\xc3\xa9\":1,\"\\u00e9\":2}",
	};
	size_t i;

	for (i = 0; i < sizeof(dups) / sizeof(dups[0]); i++)
		expect_parse_rejects(dups[i], strlen(dups[i]));
	/* Keys that differ only in case are different keys. */
	expect_canon("{\"a\":1,\"A\":2}", "{\"A\":2,\"a\":1}");
}
END_TEST

START_TEST(parse_errors)
{
	static const char *const bad[] = {
		"",
		" ",
		"{",
		"{\"a\":}",
		"{\"a\":1,}",
		"[1,]",
		"{} x",
		"{}{}",
		"{'a':1}",
		"{\"a\":01}",
		"{\"a\":NaN}",
		"{\"a\":Infinity}",
		"[\"\\x\"]",
		"[\"tab\there\"]",
		"{\"a\":1} // comment",
	};
	size_t i;
	struct sl_error err;
	json_t *v;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_parse_rejects(bad[i], strlen(bad[i]));
	/* The length is the whole input: bytes after it are not read, a NUL inside is not the end. */
	ck_assert_int_eq(sl_json_parse("{}garbage", 2, &v, &err), 0);
	json_decref(v);
	expect_parse_rejects("{}\0", 3);
	/* The message says where. */
	sl_error_clear(&err);
	ck_assert_int_eq(sl_json_parse("{\"a\":1,\"b\":}", 12, &v, &err), SL_EINVAL);
	ck_assert_msg(strstr(err.msg, "column") != NULL, "no column in '%s'", err.msg);
	/* Surrounding white space is allowed. */
	ck_assert_int_eq(sl_json_parse(" \t\r\n{\"a\":[]} \n", 14, &v, &err), 0);
	ck_assert(json_is_object(v));
	json_decref(v);
}
END_TEST

START_TEST(invalid_utf8_rejected)
{
	static const char *const bad[] = {
		"[\"\xff\"]",
		"[\"\xc0\xaf\"]",          /* overlong '/' */
		"[\"\xed\xa0\x80\"]",      /* UTF-16 surrogate D800 */
		"[\"\xf4\x90\x80\x80\"]",  /* above U+10FFFF */
		"[\"\xe2\x82\"]",          /* truncated */
		"{\"\xfe\":1}",            /* in a key */
		"[\"\\ud800\"]",           /* lone surrogate escape */
		"[\"\\udc00x\"]",
		"[\"\\ude00\\ud83d\"]",    /* surrogates in the wrong order */
	};
	size_t i;

	/* Refused by the reader or by the writer: never written. */
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sl_buf out = SL_BUF_INIT;
		struct sl_error err;
		json_t *v = NULL;
		int e = sl_json_parse(bad[i], strlen(bad[i]), &v, &err);

		if (e == 0) {
			e = sl_jcs_write(&out, v, "payload", &err);
			json_decref(v);
		}
		ck_assert_msg(e == SL_EINVAL, "'%s' accepted as '%s'", bad[i], out.buf);
		sl_buf_release(&out);
	}
}
END_TEST

START_TEST(writer_checks_utf8_itself)
{
	/* jansson's *_nocheck functions let invalid UTF-8 reach the writer. */
	struct sl_buf out = SL_BUF_INIT;
	struct sl_error err;
	json_t *o = json_object(), *a = json_array();

	ck_assert_int_eq(json_array_append_new(a, json_integer(1)), 0);
	ck_assert_int_eq(json_array_append_new(a, json_stringn_nocheck("ok\xed\xa0\x80", 5)), 0);
	ck_assert_int_eq(json_object_set_new(o, "list", a), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_jcs_write(&out, o, "payload", &err), SL_EINVAL);
	ck_assert_str_eq(err.member, "payload.list[1]");
	ck_assert_str_ne(err.msg, "");
	json_decref(o);

	o = json_object();
	ck_assert_int_eq(json_object_set_new_nocheck(o, "bad\xc0\x80", json_true()), 0);
	sl_error_clear(&err);
	sl_buf_reset(&out);
	ck_assert_int_eq(sl_jcs_write(&out, o, "payload", &err), SL_EINVAL);
	ck_assert_str_ne(err.msg, "");
	json_decref(o);
	sl_buf_release(&out);
}
END_TEST

/* n nested arrays, the innermost holding `inner` ("" for none). */
static void nested(struct sl_buf *b, int n, const char *inner)
{
	int i;

	sl_buf_reset(b);
	for (i = 0; i < n; i++)
		sl_buf_addch(b, '[');
	sl_buf_addstr(b, inner);
	for (i = 0; i < n; i++)
		sl_buf_addch(b, ']');
}

START_TEST(depth_limit)
{
	struct sl_buf in = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_error err;
	static const char *const inners[] = { "", "1", "{}", "\"s\"" };
	size_t k;

	for (k = 0; k < sizeof(inners) / sizeof(inners[0]); k++) {
		/* SL_JSON_DEPTH_MAX nested containers are fine, whatever the innermost holds. */
		nested(&in, SL_JSON_DEPTH_MAX - (inners[k][0] == '{'), inners[k]);
		ck_assert_msg(canon(in.buf, in.len, &out, &err) == 0,
			      "%d levels around '%s' rejected: %s", SL_JSON_DEPTH_MAX, inners[k], err.msg);
		ck_assert_str_eq(out.buf, in.buf);
		/* Two more are too deep, whatever the innermost holds. */
		nested(&in, SL_JSON_DEPTH_MAX + 2 - (inners[k][0] == '{'), inners[k]);
		ck_assert_msg(canon(in.buf, in.len, &out, &err) == SL_EINVAL,
			      "%d nested containers around '%s' accepted", SL_JSON_DEPTH_MAX + 2,
			      inners[k]);
		ck_assert_str_ne(err.msg, "");
		/* Far deeper. */
		nested(&in, 1000, inners[k]);
		ck_assert_int_eq(canon(in.buf, in.len, &out, &err), SL_EINVAL);
		ck_assert_str_ne(err.msg, "");
	}
	/* Objects count as levels too. */
	{
		int i;
		sl_buf_reset(&in);
		for (i = 0; i < 200; i++)
			sl_buf_addstr(&in, "{\"a\":");
		sl_buf_addstr(&in, "1");
		for (i = 0; i < 200; i++)
			sl_buf_addch(&in, '}');
		ck_assert_int_eq(canon(in.buf, in.len, &out, &err), SL_EINVAL);
		ck_assert_msg(!strncmp(err.member, "payload.a.a.a", 13), "member '%s'", err.member);
	}
	sl_buf_release(&in);
	sl_buf_release(&out);
}
END_TEST

/*
 * The exact boundary: "[]" nests one level, "1" none (RFC 8259 section 9
 * counts the nesting of arrays and objects), so SL_JSON_DEPTH_MAX + 1
 * nested containers are "deeper than SL_JSON_DEPTH_MAX" whether or not the
 * innermost one is empty.
 */
START_TEST(depth_limit_counts_containers)
{
	struct sl_buf in = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_error err;
	static const char *const inners[] = { "1", "", "{}" };
	static const char *const names[] = { "[1]", "[]", "{}" };
	size_t k;

	for (k = 0; k < sizeof(inners) / sizeof(inners[0]); k++) {
		nested(&in, SL_JSON_DEPTH_MAX + 1 - (inners[k][0] == '{'), inners[k]);
		ck_assert_msg(canon(in.buf, in.len, &out, &err) == SL_EINVAL,
			      "%d nested containers, the innermost %s, accepted (with [1] innermost "
			      "they are rejected)", SL_JSON_DEPTH_MAX + 1, names[k]);
	}
	sl_buf_release(&in);
	sl_buf_release(&out);
}
END_TEST

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static int kc(const char *a, const char *b)
{
	return sign(sl_jcs_keycmp(a, strlen(a), b, strlen(b)));
}

START_TEST(keycmp)
{
	static const char *const ordered[] = {
		/* Increasing UTF-16 code unit order (not UTF-8 byte order for the last ones). */
		"",
		"\r",
		"1",
		"A",
		"a",
		"a\x01",
		"ab",
		"\x7f",
		"\xc2\x80",          /* U+0080 */
		"\xc3\xb6",          /* U+00F6 */
		"\xe2\x82\xac",      /* U+20AC */
		"\xed\x9f\xbf",      /* U+D7FF */
		"\xf0\x90\x80\x80",  /* U+10000: D800 DC00 */
		"\xf0\x90\x8f\xbf",  /* U+103FF: D800 DFFF */
		"\xf0\x90\x90\x80",  /* U+10400: D801 DC00 */
		"\xf0\x9f\x98\x80",  /* U+1F600: D83D DE00 */
		"\xf0\x9f\x98\x81",  /* U+1F601: D83D DE01 */
		"\xf4\x8f\xbf\xbf",  /* U+10FFFF: DBFF DFFF */
		"\xee\x80\x80",      /* U+E000, above every surrogate */
		"\xef\xac\xb3",      /* U+FB33 */
		"\xef\xbf\xbf",      /* U+FFFF */
	};
	size_t n = sizeof(ordered) / sizeof(ordered[0]), i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			int want = i < j ? -1 : i > j ? 1 : 0;
			expect(kc(ordered[i], ordered[j]) == want,
			       "keycmp(#%zu, #%zu) = %d, want %d", i, j, kc(ordered[i], ordered[j]),
			       want);
		}
	/* Lengths are honoured: bytes past them are not compared, a NUL is a character. */
	ck_assert_int_eq(sign(sl_jcs_keycmp("abc", 2, "abd", 2)), 0);
	ck_assert_int_eq(sign(sl_jcs_keycmp("a\0b", 3, "a", 1)), 1);
	ck_assert_int_eq(sign(sl_jcs_keycmp("a\0b", 3, "a\0c", 3)), -1);
	ck_assert_int_eq(sign(sl_jcs_keycmp("a", 1, "a\0", 2)), -1);
	/* A prefix first. */
	ck_assert_int_eq(kc("\xe2\x82\xac", "\xe2\x82\xac" "a"), -1);
	ck_assert_int_eq(kc("\xe2\x82\xac" "b", "\xe2\x82\xac" "a"), 1);
}
END_TEST

START_TEST(utf8_valid)
{
	static const struct {
		const char *s;
		size_t len;
		int ok;
	} cases[] = {
		{ "", 0, 1 },
		{ "plain ascii ~\x7f", 14, 1 },
		{ "\0", 1, 1 },
		{ "\xc2\x80", 2, 1 },
		{ "\xdf\xbf", 2, 1 },
		{ "\xe0\xa0\x80", 3, 1 },
		{ "\xed\x9f\xbf", 3, 1 },         /* U+D7FF, just below the surrogates */
		{ "\xee\x80\x80", 3, 1 },         /* U+E000, just above */
		{ "\xef\xbf\xbf", 3, 1 },
		{ "\xf0\x90\x80\x80", 4, 1 },
		{ "\xf4\x8f\xbf\xbf", 4, 1 },     /* U+10FFFF */
		{ "a\xc3\xb6z\xe2\x82\xac\xf0\x9f\x98\x80", 11, 1 },
		/* Stray continuation and impossible bytes. */
		{ "\x80", 1, 0 },
		{ "\xbf", 1, 0 },
		{ "a\x80z", 3, 0 },
		{ "\xfe", 1, 0 },
		{ "\xff", 1, 0 },
		{ "\xf5\x80\x80\x80", 4, 0 },
		{ "\xf8\x88\x80\x80\x80", 5, 0 },
		{ "\xfc\x84\x80\x80\x80\x80", 6, 0 },
		/* Overlongs. */
		{ "\xc0\x80", 2, 0 },
		{ "\xc0\xaf", 2, 0 },
		{ "\xc1\xbf", 2, 0 },
		{ "\xe0\x80\x80", 3, 0 },
		{ "\xe0\x9f\xbf", 3, 0 },
		{ "\xf0\x80\x80\x80", 4, 0 },
		{ "\xf0\x8f\xbf\xbf", 4, 0 },
		/* Surrogates. */
		{ "\xed\xa0\x80", 3, 0 },
		{ "\xed\xaf\xbf", 3, 0 },
		{ "\xed\xb0\x80", 3, 0 },
		{ "\xed\xbf\xbf", 3, 0 },
		{ "\xed\xa0\xbd\xed\xb8\x80", 6, 0 }, /* CESU-8 of U+1F600 */
		/* Beyond U+10FFFF. */
		{ "\xf4\x90\x80\x80", 4, 0 },
		{ "\xf7\xbf\xbf\xbf", 4, 0 },
		/* Truncated sequences. */
		{ "\xc2", 1, 0 },
		{ "\xe2\x82", 2, 0 },
		{ "\xf0\x9f\x98", 3, 0 },
		{ "abc\xc3", 4, 0 },
		{ "\xe2\x82" "A", 3, 0 },
		{ "\xf0\x9f\x98" "A", 4, 0 },
		{ "\xc3\xb6", 1, 0 },             /* cut by the length */
		{ "\xf0\x9f\x98\x80", 3, 0 },
		/* A continuation byte where a lead is expected after a complete sequence. */
		{ "\xc3\xb6\xb6", 3, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(sl_utf8_valid(cases[i].s, cases[i].len) == cases[i].ok,
			      "case %zu: sl_utf8_valid is %d, want %d", i,
			      sl_utf8_valid(cases[i].s, cases[i].len), cases[i].ok);
}
END_TEST

START_TEST(utf8_valid_exhaustive_two_and_three_bytes)
{
	/* Every 2- and 3-byte sequence against the definition (RFC 3629 section 4). */
	unsigned a, b, c;

	for (a = 0x80; a < 0x100; a++)
		for (b = 0; b < 0x100; b++) {
			char s[2] = { (char)a, (char)b };
			unsigned cp = ((a & 0x1f) << 6) | (b & 0x3f);
			int want = a >= 0xc0 && a < 0xe0 && (b & 0xc0) == 0x80 && cp >= 0x80;
			expect(sl_utf8_valid(s, 2) == want, "%02x %02x", a, b);
		}
	for (a = 0xe0; a < 0xf0; a++)
		for (b = 0x80; b < 0xc0; b++)
			for (c = 0; c < 0x100; c++) {
				char s[3] = { (char)a, (char)b, (char)c };
				unsigned cp = ((a & 0x0f) << 12) | ((b & 0x3f) << 6) | (c & 0x3f);
				int want = (c & 0xc0) == 0x80 && cp >= 0x800 && !(cp >= 0xd800 && cp <= 0xdfff);
				expect(sl_utf8_valid(s, 3) == want, "%02x %02x %02x", a, b, c);
			}
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("jcs");

	tcase_add_test(tc, rfc8785_sorting_example);
	tcase_add_test(tc, rfc8785_string_example);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, nul_in_strings);
	tcase_add_test(tc, jcs_string_appends);
	tcase_add_test(tc, nesting_and_whitespace);
	tcase_add_test(tc, many_members);
	tcase_add_test(tc, integers);
	tcase_add_test(tc, reals_rejected);
	tcase_add_test(tc, duplicate_keys_rejected);
	tcase_add_test(tc, parse_errors);
	tcase_add_test(tc, invalid_utf8_rejected);
	tcase_add_test(tc, writer_checks_utf8_itself);
	tcase_add_test(tc, depth_limit);
	tcase_add_test(tc, depth_limit_counts_containers);
	tcase_add_test(tc, keycmp);
	tcase_add_test(tc, utf8_valid);
	tcase_add_test(tc, utf8_valid_exhaustive_two_and_three_bytes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
