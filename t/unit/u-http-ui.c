// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/http-ui.c: the page's routes (a fixed list: nothing
 * else is a file), loading its files from a directory, answering them with
 * the page's policy, and refusing what a request may not ask.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "sl/http.h"

#define TMPDIR_NAME "http-ui"
#include "tmpdir.h"

static void put(const char *name, const char *text)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmproot, name);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static int sl_http_ui_route_(const char *method, const char *path, const char **allowed)
{
	uint64_t seq = 0;
	return sl_http_ui_route(method, path, &seq, allowed);
}

START_TEST(routes)
{
	const char *allowed;
	uint64_t seq;

	ck_assert_int_eq(sl_http_ui_route_("GET", "/", &allowed), SL_ROUTE_PAGE);
	ck_assert_str_eq(allowed, "GET, HEAD");
	ck_assert_int_eq(sl_http_ui_route_("HEAD", "/ui/app.js", &allowed), SL_ROUTE_PAGE);
	ck_assert_int_eq(sl_http_ui_route_("GET", "/ui/app.css", &allowed), SL_ROUTE_PAGE);
	ck_assert_int_eq(sl_http_ui_route_("GET", "/v1/head", &allowed), SL_ROUTE_HEAD);
	ck_assert_int_eq(sl_http_ui_route_("GET", "/v1/sources", &allowed), SL_ROUTE_SOURCES);
	ck_assert_int_eq(sl_http_ui_route_("POST", "/", &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_str_eq(allowed, "GET, HEAD");
	ck_assert_int_eq(sl_http_ui_route_("GET", "/ui/../ui/app.js", &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_ptr_null(allowed);
	ck_assert_int_eq(sl_http_ui_route_("GET", "/ui/index.html", &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_int_eq(sl_http_ui_route_("GET", "//", &allowed), SL_ROUTE_UNKNOWN);
	/* Through the API's router too: the page's paths, then the API's. */
	ck_assert_int_eq(sl_http_route("GET", "/", &seq, &allowed), SL_ROUTE_PAGE);
	ck_assert_int_eq(sl_http_route("DELETE", "/v1/head", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_str_eq(allowed, "GET, HEAD");
	ck_assert_int_eq(sl_http_route("GET", "/health", &seq, &allowed), SL_ROUTE_HEALTH);
	seq = 0;
	ck_assert_int_eq(sl_http_ui_route("GET", "/v1/entries/42/content", &seq, &allowed), SL_ROUTE_CONTENT);
	ck_assert_uint_eq(seq, 42);
	ck_assert_int_eq(sl_http_ui_route("GET", "/v1/entries/042/content", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_int_eq(sl_http_ui_route("GET", "/v1/entries//content", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_int_eq(sl_http_ui_route("GET", "/v1/entries/9223372036854775808/content", &seq, &allowed),
			 SL_ROUTE_UNKNOWN);
	ck_assert_int_eq(sl_http_ui_route("GET", "/v1/entries/1/contents", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_int_eq(sl_http_route("GET", "/v1/entries/7", &seq, &allowed), SL_ROUTE_ENTRY);
	ck_assert_uint_eq(seq, 7);
	ck_assert_str_eq(sl_http_route_name(SL_ROUTE_PAGE), "/");
	ck_assert_str_eq(sl_http_route_name(SL_ROUTE_HEAD), "/v1/head");
	ck_assert_str_eq(sl_http_route_name(SL_ROUTE_SOURCES), "/v1/sources");
}
END_TEST

START_TEST(load_and_answer)
{
	struct sl_http_ui ui;
	struct sl_error err = { 0 };
	struct sl_http_server srv = { 0 };
	struct sl_http_arg args[2] = { { "at", "now" }, { "file", "/etc/passwd" } };
	struct sl_http_request rq = { .method = "GET", .path = "/" };
	struct sl_http_response rs;

	put("index.html", "<!DOCTYPE html><p>page</p>\n");
	put("app.js", "'use strict';\n");
	/* app.css is missing: nothing is loaded. */
	ck_assert_int_eq(sl_http_ui_load(&ui, tmproot, &err), SL_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "app.css"));
	ck_assert_uint_eq(ui.body[0].len, 0);
	put("app.css", "body{}\n");
	ck_assert_int_eq(sl_http_ui_load(&ui, tmproot, &err), 0);
	srv.ui = &ui;

	rq.args = args;
	rq.nargs = 1;
	sl_http_response_init(&rs);
	ck_assert_int_eq(sl_http_handle(&srv, &rq, &rs), 0);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_int_eq(rs.page, 1);
	ck_assert_str_eq(rs.content_type, "text/html; charset=utf-8");
	ck_assert_str_eq(rs.body.buf, "<!DOCTYPE html><p>page</p>\n");
	sl_http_response_release(&rs);

	rq.nargs = 2; /* an argument the page does not take */
	sl_http_response_init(&rs);
	ck_assert_int_eq(sl_http_handle(&srv, &rq, &rs), 0);
	ck_assert_int_eq(rs.status, 400);
	ck_assert_int_eq(rs.page, 0);
	sl_http_response_release(&rs);

	rq.path = "/ui/app.js";
	rq.nargs = 0;
	sl_http_response_init(&rs);
	ck_assert_int_eq(sl_http_handle(&srv, &rq, &rs), 0);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(rs.content_type, "text/javascript; charset=utf-8");
	ck_assert_str_eq(rs.body.buf, "'use strict';\n");
	sl_http_response_release(&rs);

	/* Without its files the page is a 404. */
	srv.ui = NULL;
	rq.path = "/";
	sl_http_response_init(&rs);
	ck_assert_int_eq(sl_http_handle(&srv, &rq, &rs), 0);
	ck_assert_int_eq(rs.status, 404);
	ck_assert_ptr_nonnull(strstr(rs.body.buf, "the page is not installed"));
	sl_http_response_release(&rs);
	sl_http_ui_release(&ui);
}
END_TEST

static Suite *http_ui_suite(void)
{
	Suite *s = suite_create("http-ui");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, routes);
	tcase_add_test(tc, load_and_answer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(http_ui_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
