// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/http.c: routes, Accept, bearer tokens and token
 * files, append bodies, metrics, and sl_http_handle on a small ledger
 * (the answers, their statuses and the pagination links).
 */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sl/checkpoint.h"
#include "sl/entry.h"
#include "sl/hash.h"
#include "sl/http.h"
#include "sl/ledger.h"
#include "sl/tiles.h"

#define TMPDIR_NAME "http"
#include "tmpdir.h"

START_TEST(routes)
{
	const char *allowed;
	uint64_t seq = 99;

	ck_assert_int_eq(sl_http_route("GET", "/health", &seq, &allowed), SL_ROUTE_HEALTH);
	ck_assert_str_eq(allowed, "GET, HEAD");
	ck_assert_int_eq(sl_http_route("HEAD", "/metrics", &seq, &allowed), SL_ROUTE_METRICS);
	ck_assert_int_eq(sl_http_route("GET", "/v1/entries", &seq, &allowed), SL_ROUTE_ENTRIES);
	ck_assert_int_eq(sl_http_route("POST", "/v1/entries", &seq, &allowed), SL_ROUTE_APPEND);
	ck_assert_int_eq(sl_http_route("PUT", "/v1/entries", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_str_eq(allowed, "GET, HEAD, POST");
	ck_assert_int_eq(sl_http_route("GET", "/v1/entries/0", &seq, &allowed), SL_ROUTE_ENTRY);
	ck_assert_uint_eq(seq, 0);
	ck_assert_int_eq(sl_http_route("GET", "/v1/entries/9223372036854775807", &seq, &allowed),
			 SL_ROUTE_ENTRY);
	ck_assert_uint_eq(seq, 9223372036854775807ULL);
	ck_assert_int_eq(sl_http_route("GET", "/v1/entries/9223372036854775808", &seq, &allowed),
			 SL_ROUTE_UNKNOWN);
	ck_assert_ptr_null(allowed);
	ck_assert_int_eq(sl_http_route("GET", "/v1/entries/01", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_int_eq(sl_http_route("GET", "/v1/entries/", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_int_eq(sl_http_route("GET", "/v1/entries/1/", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_int_eq(sl_http_route("DELETE", "/v1/entries/1", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_str_eq(allowed, "GET, HEAD");
	ck_assert_int_eq(sl_http_route("POST", "/v1/verify", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_str_eq(allowed, "GET, HEAD");
	ck_assert_int_eq(sl_http_route("GET", "/health/", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_ptr_null(allowed);
	ck_assert_int_eq(sl_http_route("GET", "/../etc/passwd", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_str_eq(sl_http_route_name(SL_ROUTE_ENTRY), "/v1/entries/{seq}");
	ck_assert_str_eq(sl_http_route_name(-3), "unknown");
	ck_assert_str_eq(sl_http_route_name(SL_ROUTE_COUNT), "unknown");
}
END_TEST

START_TEST(tile_paths)
{
	static const struct {
		const char *path;
		int level;
		uint64_t n;
		unsigned w;
	} good[] = {
		{ "0/000", 0, 0, 256 },
		{ "0/001", 0, 1, 256 },
		{ "63/999", 63, 999, 256 },
		{ "1/x001/x234/067", 1, 1234067, 256 },
		{ "2/x001/000.p/1", 2, 1000, 1 },
		{ "0/273.p/112", 0, 273, 112 },
		{ "0/000.p/255", 0, 0, 255 },
		{ "entries/000", -1, 0, 256 },
		{ "entries/x018/x446/x744/x073/x709/x551/615", -1, UINT64_MAX, 256 },
		{ "entries/273.p/112", -1, 273, 112 },
	};
	static const char *const bad[] = {
		"", "0", "0/", "00/000", "01/000", "64/000", "100/000", "-1/000", "+1/000", " 0/000",
		"0/0", "0/00", "0/0000", "0/1", "0/x001", "0/001/002", "0/x001/02", "0/x001/0002",
		"0/x000/001", "0/X001/002", "0/xx001/002", "0/001/", "0/000/", "0//000",
		"0/000.p/0", "0/000.p/256", "0/000.p/01", "0/000.p/", "0/000.p", "0/000.P/1",
		"0/000.p/1/", "0/000.p/1x", "0/000.q/1", "0/000x", "0/../000", "0/./000",
		"../0/000", "0/000/..", "0/%2e%2e", "entries", "entries/", "entries/0",
		"entries/000.p/256", "Entries/000", "entries/x000/001",
		"entries/x018/x446/x744/x073/x709/x551/616",
		"entries/x999/x999/x999/x999/x999/x999/x999/999", "8/000\n",
	};
	const char *allowed;
	uint64_t n, seq;
	unsigned w;
	size_t i;
	int level;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(sl_http_tile_parse(good[i].path, &level, &n, &w) == 0, "%s", good[i].path);
		ck_assert_int_eq(level, good[i].level);
		ck_assert_uint_eq(n, good[i].n);
		ck_assert_uint_eq(w, good[i].w);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sl_http_tile_parse(bad[i], &level, &n, &w) == SL_EINVAL, "%s", bad[i]);
	ck_assert_int_eq(sl_http_route("GET", "/checkpoint", &seq, &allowed), SL_ROUTE_TLOG_CHECKPOINT);
	ck_assert_int_eq(sl_http_route("HEAD", "/tile/0/000", &seq, &allowed), SL_ROUTE_TILE);
	ck_assert_int_eq(sl_http_route("GET", "/tile/entries/x001/000.p/3", &seq, &allowed),
			 SL_ROUTE_TILE_ENTRIES);
	ck_assert_int_eq(sl_http_route("POST", "/tile/0/000", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_str_eq(allowed, "GET, HEAD");
	ck_assert_int_eq(sl_http_route("GET", "/tile/0/0000", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_ptr_null(allowed);
	ck_assert_int_eq(sl_http_route("GET", "/checkpoint/", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_int_eq(sl_http_route("GET", "/tile/", &seq, &allowed), SL_ROUTE_UNKNOWN);
	ck_assert_str_eq(sl_http_route_name(SL_ROUTE_TILE), "/tile/{L}/{N}");
	ck_assert_str_eq(sl_http_route_name(SL_ROUTE_TILE_ENTRIES), "/tile/entries/{N}");
	ck_assert_str_eq(sl_http_route_name(SL_ROUTE_TLOG_CHECKPOINT), "/checkpoint");
}
END_TEST

START_TEST(query_strings)
{
	struct sl_http_arg a[4];
	struct sl_error err = { 0 };
	char q1[] = "type=x-a&source=web%2D*+1&&after=5&flag";
	char q2[] = "a=%zz";
	char q3[] = "a=%00";
	char q4[] = "=1";
	char q5[] = "a=1&b=2&c=3&d=4&e=5";
	char q6[] = "";
	char q7[] = "%41=%4a%4B";
	size_t n;

	ck_assert_int_eq(sl_http_query_parse(q1, a, 4, &n, &err), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(a[0].name, "type");
	ck_assert_str_eq(a[0].value, "x-a");
	ck_assert_str_eq(a[1].value, "web-* 1");
	ck_assert_str_eq(a[2].name, "after");
	ck_assert_str_eq(a[3].name, "flag");
	ck_assert_ptr_null(a[3].value);
	ck_assert_int_eq(sl_http_query_parse(q2, a, 4, &n, &err), SL_EINVAL);
	ck_assert_int_eq(sl_http_query_parse(q3, a, 4, &n, &err), SL_EINVAL);
	ck_assert_int_eq(sl_http_query_parse(q4, a, 4, &n, &err), SL_EINVAL);
	ck_assert_int_eq(sl_http_query_parse(q5, a, 4, &n, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "more than 4 query parameters");
	ck_assert_int_eq(sl_http_query_parse(q6, a, 4, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(sl_http_query_parse(q7, a, 4, &n, &err), 0);
	ck_assert_str_eq(a[0].name, "A");
	ck_assert_str_eq(a[0].value, "JK");
}
END_TEST

START_TEST(accept_ndjson)
{
	ck_assert(!sl_http_wants_ndjson(NULL));
	ck_assert(!sl_http_wants_ndjson("application/json"));
	ck_assert(!sl_http_wants_ndjson("*/*"));
	ck_assert(sl_http_wants_ndjson("application/x-ndjson"));
	ck_assert(sl_http_wants_ndjson("text/html, Application/X-NDJSON;q=0.5"));
	ck_assert(!sl_http_wants_ndjson("application/x-ndjson;q=0"));
	ck_assert(!sl_http_wants_ndjson("application/x-ndjson; q=0.000"));
	ck_assert(sl_http_wants_ndjson("application/x-ndjson; q=0.001"));
	ck_assert(!sl_http_wants_ndjson("application/x-ndjsonx"));
}
END_TEST

START_TEST(bearer_and_tokens)
{
	struct sl_http_tokens *t = calloc(1, sizeof(*t));
	struct sl_error err = { 0 };
	const char *tok;
	size_t len;
	char file[512];
	unsigned char h[SL_HASH_LEN];
	char hex[SL_HEX_LEN + 1];

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(sl_http_bearer("Bearer abc.DEF-_~+/==", &tok, &len), 0);
	ck_assert_uint_eq(len, 14);
	ck_assert(strncmp(tok, "abc.DEF-_~+/==", len) == 0);
	ck_assert_int_eq(sl_http_bearer("bearer    x  ", &tok, &len), 0);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(sl_http_bearer("Bearer", &tok, &len), SL_EINVAL);
	ck_assert_int_eq(sl_http_bearer("Bearer ", &tok, &len), SL_EINVAL);
	ck_assert_int_eq(sl_http_bearer("Basic abc", &tok, &len), SL_EINVAL);
	ck_assert_int_eq(sl_http_bearer("Bearerabc", &tok, &len), SL_EINVAL);
	ck_assert_int_eq(sl_http_bearer("Bearer a b", &tok, &len), SL_EINVAL);
	ck_assert_int_eq(sl_http_bearer("Bearer a=b", &tok, &len), SL_EINVAL);

	sl_sha256(h, "tok-1", 5);
	sl_hex_encode(hex, h, SL_HASH_LEN);
	snprintf(file, sizeof(file), "# comment\n\n%s  -\r\n%s\n", hex,
		 "0000000000000000000000000000000000000000000000000000000000000000");
	ck_assert_int_eq(sl_http_tokens_parse(t, file, strlen(file), &err), 0);
	ck_assert_uint_eq(t->n, 2);
	ck_assert(sl_http_token_ok(t, "tok-1", 5));
	ck_assert(!sl_http_token_ok(t, "tok-2", 5));
	ck_assert(!sl_http_token_ok(t, "tok-", 4));
	ck_assert(!sl_http_token_ok(NULL, "tok-1", 5));

	sl_error_clear(&err);
	ck_assert_int_eq(sl_http_tokens_parse(t, "# none\n", 7, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "no token in the file");
	sl_error_clear(&err);
	hex[10] = 'A';
	snprintf(file, sizeof(file), "\n%s\n", hex);
	ck_assert_int_eq(sl_http_tokens_parse(t, file, strlen(file), &err), SL_EINVAL);
	ck_assert_int_eq(err.line, 2);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_http_tokens_parse(t, "secret\n", 7, &err), SL_EINVAL);
	free(t);
}
END_TEST

START_TEST(append_bodies)
{
	static const char good[] = "\n{\"type\":\"x-a\",\"source\":\"s\",\"payload\":{}}\n  \r\n"
				   "{\"type\":\"x-a\",\"source\":\"t\",\"payload\":{\"n\":1}}";
	static const char bad[] = "{\"type\":\"x-a\",\"source\":\"s\",\"payload\":{}}\n"
				  "{\"type\":\"x-a\",\"payload\":{}}\n";
	struct sl_error err = { 0 };
	struct sl_batch b;

	sl_batch_init(&b);
	ck_assert_int_eq(sl_http_parse_body(&b, good, strlen(good), 0, &err), 0);
	ck_assert_uint_eq(b.n, 2);
	sl_batch_reset(&b);
	ck_assert_int_eq(sl_http_parse_body(&b, bad, strlen(bad), 0, &err), SL_EINVAL);
	ck_assert_int_eq(err.line, 2);
	ck_assert_str_eq(err.member, "source");
	sl_batch_release(&b);
}
END_TEST

START_TEST(metrics_counts)
{
	struct sl_http_metrics *m = calloc(1, sizeof(*m));

	ck_assert_ptr_nonnull(m);
	sl_http_metrics_observe(m, SL_ROUTE_HEALTH, 200, 10);
	sl_http_metrics_observe(m, SL_ROUTE_HEALTH, 200, 60);
	sl_http_metrics_observe(m, SL_ROUTE_HEALTH, 599, 99999999);
	sl_http_metrics_observe(m, 77, 404, 1);
	ck_assert_uint_eq(m->requests[SL_ROUTE_HEALTH][0], 2);
	ck_assert_uint_eq(m->requests[SL_ROUTE_HEALTH][SL_HTTP_STATUSES - 1], 1);
	ck_assert_uint_eq(m->requests[SL_ROUTE_UNKNOWN][6], 1);
	ck_assert_uint_eq(m->latency[SL_ROUTE_HEALTH][0], 1);
	ck_assert_uint_eq(m->latency[SL_ROUTE_HEALTH][1], 1);
	ck_assert_uint_eq(m->latency[SL_ROUTE_HEALTH][SL_HTTP_BUCKETS], 1);
	ck_assert_uint_eq(m->latency_sum_us[SL_ROUTE_HEALTH], 100000069);
	free(m);
}
END_TEST

/* One request against srv; the answer in rs (released by the caller). */
static void ask(struct sl_http_server *srv, const char *method, const char *path,
		const struct sl_http_arg *args, size_t nargs, const char *accept,
		struct sl_http_response *rs)
{
	struct sl_http_request rq = { 0 };

	rq.method = method;
	rq.path = path;
	rq.args = args;
	rq.nargs = nargs;
	rq.accept = accept;
	sl_http_response_init(rs);
	ck_assert_int_eq(sl_http_handle(srv, &rq, rs), 0);
}

START_TEST(framing)
{
	struct sl_error err = { 0 };
	int st;
	struct sl_http_field te2[] = { { "Transfer-Encoding", "chunked" }, { "transfer-encoding", "chunked" } };
	struct sl_http_field tegz[] = { { "Transfer-Encoding", "gzip, chunked" } };
	struct sl_http_field tecc[] = { { "Transfer-Encoding", "chunked , CHUNKED" } };
	struct sl_http_field teempty[] = { { "Transfer-Encoding", " , " } };
	struct sl_http_field teok[] = { { "Transfer-Encoding", "ChUnKeD" } };
	struct sl_http_field zeros[] = { { "Content-Length", "00" }, { "Content-Length", "00" } };
	struct sl_http_field ok[] = { { "Host", "x" }, { "Content-Length", "3" },
				      { "Content-Length", "3" }, { "X-A", "a\tb" } };
	struct sl_http_field clte[] = { { "Content-Length", "3" }, { "transfer-encoding", "chunked" } };
	struct sl_http_field clcl[] = { { "Content-Length", "3" }, { "content-length", "5" } };
	struct sl_http_field space[] = { { "Content-Length ", "3" } };
	struct sl_http_field ctl[] = { { "X-A", "a\rb" } };
	struct sl_http_field neg[] = { { "Content-Length", "-1" } };

	ck_assert_int_eq(sl_http_frame_check("/v1/entries?x=%00", ok, 4, &st, &err), 0);
	ck_assert_int_eq(sl_http_frame_check("/health", clte, 2, &st, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "both Content-Length and Transfer-Encoding");
	ck_assert_int_eq(sl_http_frame_check("/health", clcl, 2, &st, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "two different Content-Length fields");
	ck_assert_int_eq(sl_http_frame_check("/health", space, 1, &st, &err), SL_EINVAL);
	ck_assert_int_eq(sl_http_frame_check("/health", ctl, 1, &st, &err), SL_EINVAL);
	ck_assert_int_eq(sl_http_frame_check("/health", neg, 1, &st, &err), SL_EINVAL);
	ck_assert_int_eq(sl_http_frame_check("/metrics%00.css", NULL, 0, &st, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "a control byte in the path");
	ck_assert_int_eq(sl_http_frame_check("/health%7F", NULL, 0, &st, &err), SL_EINVAL);
	ck_assert_int_eq(sl_http_frame_check("/health%1", NULL, 0, &st, &err), SL_EINVAL);
	ck_assert_int_eq(sl_http_frame_check("/a\tb", NULL, 0, &st, &err), SL_EINVAL);
	ck_assert_int_eq(sl_http_frame_check("/v1/entries/%31", NULL, 0, &st, &err), 0);
	ck_assert_int_eq(sl_http_frame_check("/", te2, 2, &st, &err), SL_EINVAL);
	ck_assert_int_eq(st, 400);
	ck_assert_str_eq(err.msg, "more than one Transfer-Encoding field");
	ck_assert_int_eq(sl_http_frame_check("/", tegz, 1, &st, &err), SL_EINVAL);
	ck_assert_int_eq(st, 501);
	ck_assert_str_eq(err.msg, "a transfer coding other than chunked");
	ck_assert_int_eq(sl_http_frame_check("/", tecc, 1, &st, &err), SL_EINVAL);
	ck_assert_int_eq(st, 400);
	ck_assert_int_eq(sl_http_frame_check("/", teempty, 1, &st, &err), SL_EINVAL);
	ck_assert_int_eq(st, 400);
	ck_assert_int_eq(sl_http_frame_check("/", teok, 1, &st, &err), 0);
	ck_assert_int_eq(sl_http_frame_check("/", zeros, 2, &st, &err), 0);
	ck_assert_int_eq(sl_http_frame_check("/", clte, 2, &st, &err), SL_EINVAL);
	ck_assert_int_eq(st, 400);
}
END_TEST

START_TEST(access_line_and_token_id)
{
	struct sl_http_access a = { 0 };
	struct sl_buf b = SL_BUF_INIT;
	char id[SL_HTTP_TOKEN_ID_LEN + 1];

	/* SHA-256("abc") = ba7816bf8f01cfea... */
	sl_http_token_id(id, "abc", 3);
	ck_assert_str_eq(id, "ba7816bf8f01cfea");
	a.time_us = 1764633600000000LL; /* 2025-12-02T00:00:00Z */
	a.remote = "127.0.0.1:5";
	a.method = "GET";
	a.target = "/x\"\x01\xff?a=b";
	a.status = 404;
	a.bytes = 7;
	a.usec = 12;
	sl_http_access_line(&b, &a);
	ck_assert_str_eq(b.buf, "{\"time\":\"2025-12-02T00:00:00.000000Z\",\"remote\":\"127.0.0.1:5\","
				"\"method\":\"GET\",\"path\":\"<invalid UTF-8>\",\"status\":404,"
				"\"bytes\":7,\"duration_us\":12}\n");
	sl_buf_reset(&b);
	/* Query values are never written: a token may hide in one. */
	a.target = "/x\"\x01?tok=s3cret&bare&=v&&n=";
	a.token = id;
	a.remote = NULL;
	sl_http_access_line(&b, &a);
	ck_assert_str_eq(b.buf, "{\"time\":\"2025-12-02T00:00:00.000000Z\",\"method\":\"GET\","
				"\"path\":\"/x\\\"\\u0001?tok=<redacted>&<redacted>&=<redacted>&&n=<redacted>\","
				"\"status\":404,\"bytes\":7,"
				"\"duration_us\":12,\"token\":\"ba7816bf8f01cfea\"}\n");
	sl_buf_release(&b);
}
END_TEST

/* The status sl_http_refuse_early() refuses rq with, 0 when the body is to be read. */
static int refused(const struct sl_http_server *srv, const struct sl_http_request *rq,
		   const char **allow)
{
	struct sl_http_response rs;
	int status;

	sl_http_response_init(&rs);
	status = sl_http_refuse_early(srv, rq, &rs) ? rs.status : 0;
	if (allow)
		*allow = rs.allow;
	sl_http_response_release(&rs);
	return status;
}

START_TEST(refused_from_headers)
{
	struct sl_http_tokens *t = calloc(1, sizeof(*t));
	struct sl_http_server srv = { 0 };
	struct sl_http_request rq = { 0 };
	struct sl_error err = { 0 };
	struct sl_http_arg q[1] = { { "x", "1" } };
	/* SHA-256("good") */
	const char *line = "770e607624d689265ca6c44884d0807d9b054d23c473c106c72be9de08b7376c\n";
	const char *allow = NULL;

	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(sl_http_tokens_parse(t, line, strlen(line), &err), 0);
	rq.method = "POST";
	rq.path = "/v1/entries";
	/* Read-only: 403, without a ledger. */
	ck_assert_int_eq(refused(&srv, &rq, NULL), 403);
	srv.tokens = t;
	ck_assert_int_eq(refused(&srv, &rq, NULL), 401);
	rq.authorization = "Bearer bad";
	ck_assert_int_eq(refused(&srv, &rq, NULL), 401);
	rq.authorization = "Bearer good";
	ck_assert_int_eq(refused(&srv, &rq, NULL), 415);
	rq.content_type = "application/x-ndjson; charset=utf-8";
	ck_assert_int_eq(refused(&srv, &rq, NULL), 0);
	rq.args = q;
	rq.nargs = 1;
	ck_assert_int_eq(refused(&srv, &rq, NULL), 400);
	rq.nargs = 0;
	rq.path = "/health";
	ck_assert_int_eq(refused(&srv, &rq, &allow), 405);
	ck_assert_str_eq(allow, "GET, HEAD");
	rq.path = "/nowhere";
	ck_assert_int_eq(refused(&srv, &rq, NULL), 404);
	/* Only a POST is looked at. */
	rq.method = "GET";
	ck_assert_int_eq(refused(&srv, &rq, NULL), 0);
	free(t);
}
END_TEST

START_TEST(handle_ledger)
{
	struct sl_http_server srv = { 0 };
	struct sl_http_tokens *t = calloc(1, sizeof(*t));
	struct sl_http_response rs;
	struct sl_http_request rq = { 0 };
	struct sl_error err = { 0 };
	struct sl_ledger *l;
	char dir[256], body[4096];
	struct sl_http_arg a[3];
	size_t i, off = 0;
	unsigned char h[SL_HASH_LEN];
	char hex[SL_HEX_LEN + 1];

	snprintf(dir, sizeof(dir), "%s/l", tmproot);
	ck_assert_int_eq(sl_ledger_init(dir, "example.org/log", &err), 0);
	ck_assert_int_eq(sl_ledger_open(&l, dir, 0, 10000, &err), 0);
	srv.ledger = l;
	srv.max_body = 1 << 20;
	srv.default_limit = 2;
	srv.max_limit = 3;

	/* Read-only: POST is refused. */
	rq.method = "POST";
	rq.path = "/v1/entries";
	sl_http_response_init(&rs);
	ck_assert_int_eq(sl_http_handle(&srv, &rq, &rs), 0);
	ck_assert_int_eq(rs.status, 403);
	sl_http_response_release(&rs);

	/* Writable: five entries through POST. */
	sl_sha256(h, "tk", 2);
	sl_hex_encode(hex, h, SL_HASH_LEN);
	ck_assert_int_eq(sl_http_tokens_parse(t, hex, SL_HEX_LEN, &err), 0);
	srv.tokens = t;
	for (i = 0; i < 5; i++)
		off += (size_t)snprintf(body + off, sizeof(body) - off,
					"{\"type\":\"x-a\",\"source\":\"s%zu\",\"payload\":{}}\n", i);
	rq.body = body;
	rq.body_len = off;
	rq.authorization = "Bearer tk";
	rq.content_type = "application/x-ndjson; charset=utf-8";
	sl_http_response_init(&rs);
	ck_assert_int_eq(sl_http_handle(&srv, &rq, &rs), 0);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_ptr_nonnull(strstr(rs.body.buf, "\"seq\":4,"));
	sl_http_response_release(&rs);
	rq.authorization = "Bearer tK";
	sl_http_response_init(&rs);
	ck_assert_int_eq(sl_http_handle(&srv, &rq, &rs), 0);
	ck_assert_int_eq(rs.status, 401);
	ck_assert(rs.www_authenticate);
	sl_http_response_release(&rs);

	/* Pages of 2 with their next links. */
	ask(&srv, "GET", "/v1/entries", NULL, 0, NULL, &rs);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(rs.link.buf, "</v1/entries?after=1&limit=2>; rel=\"next\"");
	ck_assert_ptr_nonnull(strstr(rs.body.buf, "],\"next\":\"/v1/entries?after=1&limit=2\"}\n"));
	sl_http_response_release(&rs);
	a[0].name = "after";
	a[0].value = "3";
	a[1].name = "source";
	a[1].value = "s[0-9]";
	ask(&srv, "GET", "/v1/entries", a, 2, "application/x-ndjson", &rs);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(rs.content_type, "application/x-ndjson");
	ck_assert_ptr_nonnull(strstr(rs.body.buf, "\"seq\":4,"));
	ck_assert_uint_eq(rs.link.len, 0);
	sl_http_response_release(&rs);
	a[0].value = "0";
	a[1].name = "limit";
	a[1].value = "1";
	a[2].name = "source";
	a[2].value = "s *";
	ask(&srv, "GET", "/v1/entries", a, 3, NULL, &rs);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_str_eq(rs.body.buf, "{\"entries\":[],\"next\":null}\n");
	sl_http_response_release(&rs);
	a[2].value = "s*";
	ask(&srv, "GET", "/v1/entries", a, 3, NULL, &rs);
	ck_assert_str_eq(rs.link.buf, "</v1/entries?source=s%2A&after=1&limit=1>; rel=\"next\"");
	sl_http_response_release(&rs);

	/* Errors: limit over the maximum, repeated, unknown, valueless. */
	a[0].name = "limit";
	a[0].value = "4";
	ask(&srv, "GET", "/v1/entries", a, 1, NULL, &rs);
	ck_assert_int_eq(rs.status, 400);
	ck_assert_str_eq(rs.body.buf, "{\"error\":{\"code\":\"bad_request\",\"message\":"
				      "\"limit: want a whole number from 1 to 3\"}}\n");
	sl_http_response_release(&rs);
	a[0].value = NULL;
	ask(&srv, "GET", "/v1/entries", a, 1, NULL, &rs);
	ck_assert_int_eq(rs.status, 400);
	sl_http_response_release(&rs);
	a[0].name = "x\x01";
	a[0].value = "1";
	ask(&srv, "GET", "/health", a, 1, NULL, &rs);
	ck_assert_int_eq(rs.status, 400);
	sl_http_response_release(&rs);

	/* One entry, a proof, a missing entry, an unknown path. */
	ask(&srv, "GET", "/v1/entries/4", NULL, 0, NULL, &rs);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_ptr_nonnull(strstr(rs.body.buf, "\"source\":\"s4\""));
	sl_http_response_release(&rs);
	ask(&srv, "GET", "/v1/entries/5", NULL, 0, NULL, &rs);
	ck_assert_int_eq(rs.status, 404);
	sl_http_response_release(&rs);
	a[0].name = "seq";
	a[0].value = "2";
	ask(&srv, "GET", "/v1/proof/inclusion", a, 1, NULL, &rs);
	ck_assert_int_eq(rs.status, 200);
	ck_assert(strncmp(rs.body.buf, "{\"type\":\"inclusion\",\"seq\":2,\"size\":5,", 37) == 0);
	sl_http_response_release(&rs);
	ask(&srv, "GET", "/nope", NULL, 0, NULL, &rs);
	ck_assert_int_eq(rs.status, 404);
	sl_http_response_release(&rs);
	ask(&srv, "GET", "/v1/verify", NULL, 0, NULL, &rs);
	ck_assert_int_eq(rs.status, 200);
	ck_assert(strncmp(rs.body.buf, "{\"verified\":true,\"size\":5,", 26) == 0);
	sl_http_response_release(&rs);
	ask(&srv, "GET", "/metrics", NULL, 0, NULL, &rs);
	ck_assert_int_eq(rs.status, 200);
	ck_assert_ptr_nonnull(strstr(rs.body.buf, "\nstateledger_tree_size 5\n"));
	sl_http_response_release(&rs);
	/* No checkpoint yet: no tlog-tiles resource, though five entries are there. */
	ask(&srv, "GET", "/checkpoint", NULL, 0, NULL, &rs);
	ck_assert_int_eq(rs.status, 404);
	ck_assert_ptr_null(rs.cache_control);
	sl_http_response_release(&rs);
	ask(&srv, "GET", "/tile/entries/000.p/5", NULL, 0, NULL, &rs);
	ck_assert_int_eq(rs.status, 404);
	sl_http_response_release(&rs);
	{
		/* Signed at 5: the partial tiles of 5 are served, others are not. */
		struct sl_signer k;
		struct sl_buf note = SL_BUF_INIT, want = SL_BUF_INIT;

		ck_assert_int_eq(sl_signer_generate(&k, "example.org/log", &err), 0);
		ck_assert_int_eq(sl_ledger_checkpoint(l, &k, 0, &note, &err), 0);
		sl_signer_wipe(&k);
		ask(&srv, "HEAD", "/checkpoint", NULL, 0, NULL, &rs);
		ck_assert_int_eq(rs.status, 200);
		ck_assert_str_eq(rs.body.buf, note.buf);
		ck_assert_str_eq(rs.content_type, "text/plain; charset=utf-8");
		ck_assert_str_eq(rs.cache_control, "no-cache");
		sl_http_response_release(&rs);
		ask(&srv, "GET", "/tile/0/000.p/5", NULL, 0, NULL, &rs);
		ck_assert_int_eq(rs.status, 200);
		ck_assert_str_eq(rs.content_type, "application/octet-stream");
		ck_assert_str_eq(rs.cache_control, "public, max-age=60");
		ck_assert_int_eq(sl_tile_hashes(l, 0, 0, 5, &want, &err), 0);
		ck_assert_uint_eq(rs.body.len, 5 * SL_HASH_LEN);
		ck_assert_mem_eq(rs.body.buf, want.buf, want.len);
		sl_http_response_release(&rs);
		sl_buf_reset(&want);
		ask(&srv, "GET", "/tile/entries/000.p/5", NULL, 0, NULL, &rs);
		ck_assert_int_eq(rs.status, 200);
		ck_assert_int_eq(sl_tile_entries(l, 0, 5, &want, &err), 0);
		ck_assert_uint_eq(rs.body.len, want.len);
		ck_assert_mem_eq(rs.body.buf, want.buf, want.len);
		sl_http_response_release(&rs);
		ask(&srv, "GET", "/tile/0/000.p/4", NULL, 0, NULL, &rs);
		ck_assert_int_eq(rs.status, 404);
		sl_http_response_release(&rs);
		ask(&srv, "GET", "/tile/0/000", NULL, 0, NULL, &rs);
		ck_assert_int_eq(rs.status, 404);
		sl_http_response_release(&rs);
		ask(&srv, "GET", "/tile/1/000.p/1", NULL, 0, NULL, &rs);
		ck_assert_int_eq(rs.status, 404);
		sl_http_response_release(&rs);
		sl_buf_release(&want);
		sl_buf_release(&note);
	}

	sl_ledger_close(l);
	free(t);
}
END_TEST

static Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("http");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, routes);
	tcase_add_test(tc, tile_paths);
	tcase_add_test(tc, query_strings);
	tcase_add_test(tc, accept_ndjson);
	tcase_add_test(tc, bearer_and_tokens);
	tcase_add_test(tc, append_bodies);
	tcase_add_test(tc, metrics_counts);
	tcase_add_test(tc, handle_ledger);
	tcase_add_test(tc, framing);
	tcase_add_test(tc, refused_from_headers);
	tcase_add_test(tc, access_line_and_token_id);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(http_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
