// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the parts of an HTTP request sl-httpd parses itself.
 * The input is split at its first five newlines into method, request
 * target (path?query), Accept, Authorization and Content-Type; the rest
 * is the body.  Each part goes through its parser (route, query string,
 * Accept, bearer token and token check, NDJSON append body, token file),
 * then the whole request through sl_http_handle() against a small ledger
 * made once (three entries and a checkpoint), read-only, so that every route's argument checking runs.
 * The body is also read as header fields ("Name: value" lines, split at
 * the first colon, so "Content-Length : 3" keeps its space) for the
 * framing check with the raw target, the refusal from headers alone and
 * the access log line.
 */
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/checkpoint.h"
#include "sl/entry.h"
#include "sl/hash.h"
#include "sl/http.h"
#include "sl/ledger.h"
#include "sl/tiles.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sl_ledger *ledger;
static struct sl_http_tokens tokens;
static char tmp[64] = "/tmp/sl-f-http-XXXXXX";

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* The ledger made for the run goes when the run ends. */
static void cleanup(void)
{
	sl_ledger_close(ledger);
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const lines[] = {
		"{\"type\":\"x-a\",\"source\":\"web-1\",\"payload\":{\"v\":1}}",
		"{\"type\":\"x-a\",\"source\":\"web-2\",\"payload\":{\"v\":2}}",
		"{\"type\":\"x-b\",\"source\":\"db\",\"payload\":{}}",
	};
	struct sl_error err = { 0 };
	struct sl_receipt rc[3];
	struct sl_batch b;
	struct sl_ledger *w;
	char dir[80];
	unsigned char h[SL_HASH_LEN];
	char hex[SL_HEX_LEN + 1];
	size_t i;

	(void)argc;
	(void)argv;
	if (!mkdtemp(tmp))
		abort();
	snprintf(dir, sizeof(dir), "%s/l", tmp);
	if (sl_ledger_init(dir, "fuzz.example/log", &err) < 0 ||
	    sl_ledger_open(&w, dir, 0, 1000, &err) < 0)
		abort();
	sl_batch_init(&b);
	for (i = 0; i < 3; i++)
		if (sl_batch_add_line(&b, lines[i], strlen(lines[i]), (long)i + 1, &err) < 0)
			abort();
	if (sl_ledger_append(w, &b, rc, &err) < 0)
		abort();
	{
		/* Signed, so that /checkpoint and the tiles of size 3 are answered, not 404. */
		struct sl_signer k;
		struct sl_buf note = SL_BUF_INIT;
		if (sl_signer_generate(&k, "fuzz.example/log", &err) < 0 ||
		    sl_ledger_checkpoint(w, &k, 0, &note, &err) < 0)
			abort();
		sl_signer_wipe(&k);
		sl_buf_release(&note);
	}
	sl_batch_release(&b);
	sl_ledger_close(w);
	if (sl_ledger_open(&ledger, dir, SL_LEDGER_RDONLY, 1000, &err) < 0)
		abort();
	atexit(cleanup);
	sl_sha256(h, "fuzz", 4);
	sl_hex_encode(hex, h, SL_HASH_LEN);
	if (sl_http_tokens_parse(&tokens, hex, SL_HEX_LEN, &err) < 0)
		abort();
	return 0;
}

#define FIELDS_MAX 64

/* The fields of the framing check: body lines split at their first ':' (in place, in copy). */
static size_t fields_of(char *copy, struct sl_http_field *f)
{
	size_t n = 0;
	char *line = copy;

	while (line && n < FIELDS_MAX) {
		char *nl = strchr(line, '\n'), *colon;
		if (nl)
			*nl = '\0';
		if ((colon = strchr(line, ':'))) {
			*colon = '\0';
			f[n].name = line;
			f[n].value = colon[1] == ' ' ? colon + 2 : colon + 1;
			n++;
		}
		line = nl ? nl + 1 : NULL;
	}
	return n;
}

/* The next newline-ended part of [*p, end) as a new string (NULL when absent). */
static char *part(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n;
	char *s;

	if (!nl)
		return NULL;
	n = (size_t)(nl - *p);
	if (!(s = malloc(n + 1)))
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p = nl + 1;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *method, *target, *accept, *auth, *ctype, *q;
	struct sl_http_arg args[SL_HTTP_ARGS_MAX];
	struct sl_http_server srv = { 0 };
	struct sl_http_request rq = { 0 };
	struct sl_http_response rs;
	struct sl_http_tokens *t;
	struct sl_error err = { 0 };
	int st;
	struct sl_batch b;
	const char *allowed, *tok;
	uint64_t seq;
	size_t nargs = 0, tlen;

	/* The token-file parser sees the whole input. */
	if (!(t = malloc(sizeof(*t))))
		abort();
	(void)!sl_http_tokens_parse(t, (const char *)data, size, &err);
	free(t);

	method = part(&p, end);
	target = part(&p, end);
	accept = part(&p, end);
	auth = part(&p, end);
	ctype = part(&p, end);
	if (!method || !target || !accept || !auth || !ctype)
		goto out;
	{
		struct sl_http_field f[FIELDS_MAX];
		struct sl_http_access a = { 0 };
		struct sl_buf line = SL_BUF_INIT;
		size_t n, blen = (size_t)(end - p);
		char *copy = malloc(blen + 1), id[SL_HTTP_TOKEN_ID_LEN + 1];

		if (!copy)
			abort();
		memcpy(copy, p, blen);
		copy[blen] = '\0';
		n = fields_of(copy, f);
		if (sl_http_frame_check(target, f, n, &st, &err) < 0 && err.code != SL_EINVAL)
			abort();
		free(copy);
		sl_http_token_id(id, auth, strlen(auth));
		a.method = method;
		a.target = target;
		a.remote = accept;
		a.token = id;
		a.status = 200;
		sl_http_access_line(&line, &a);
		if (sl_buf_ok(&line) == 0 && (line.len < 2 || line.buf[line.len - 1] != '\n'))
			abort();
		sl_buf_release(&line);
	}
	/* Strings with a NUL are cut there, as MHD would hand them over. */
	if ((q = strchr(target, '?')))
		*q++ = '\0';
	(void)sl_http_route(method, target, &seq, &allowed);
	{
		/* A tile path parses to one spelling: sl_tile_path gives it back. */
		int level;
		uint64_t n;
		unsigned w;
		if (strncmp(target, "/tile/", 6) == 0 &&
		    sl_http_tile_parse(target + 6, &level, &n, &w) == 0) {
			struct sl_buf back = SL_BUF_INIT;
			if (level < -1 || level > 63 || w < 1 || w > 256)
				abort();
			if (sl_tile_path(&back, level, n, w) == 0 && strcmp(back.buf, target + 1) != 0)
				abort();
			sl_buf_release(&back);
		}
	}
	if (q && sl_http_query_parse(q, args, SL_HTTP_ARGS_MAX, &nargs, &err) < 0)
		goto out;
	(void)sl_http_wants_ndjson(accept);
	if (sl_http_bearer(auth, &tok, &tlen) == 0) {
		if (tlen == 0 || tok < auth || tok + tlen > auth + strlen(auth))
			abort();
		(void)sl_http_token_ok(&tokens, tok, tlen);
	}
	sl_batch_init(&b);
	if (sl_http_parse_body(&b, p, (size_t)(end - p), 0, &err) < 0 && err.line < 1)
		abort();
	sl_batch_release(&b);

	/* The whole request, read-only (a POST gets its 401 or 403, never a write). */
	srv.ledger = ledger;
	srv.tokens = NULL;
	srv.max_body = 1 << 20;
	srv.default_limit = 2;
	srv.max_limit = 5;
	rq.method = method;
	rq.path = target;
	rq.args = args;
	rq.nargs = nargs;
	rq.accept = accept;
	rq.authorization = auth;
	rq.content_type = ctype;
	rq.body = p;
	rq.body_len = (size_t)(end - p);
	/* Refused from the headers alone: a refusal is a 4xx, made without the ledger. */
	srv.ledger = NULL;
	sl_http_response_init(&rs);
	if (sl_http_refuse_early(&srv, &rq, &rs) && (rs.status < 400 || rs.status > 499))
		abort();
	sl_http_response_release(&rs);
	srv.ledger = ledger;
	sl_http_response_init(&rs);
	/* Every request gets a status; only an NDJSON listing may be empty. */
	if (sl_http_handle(&srv, &rq, &rs) == 0 &&
	    (rs.status < 200 || rs.status > 599 ||
	     (rs.body.len == 0 && strcmp(rs.content_type, "application/x-ndjson") != 0)))
		abort();
	sl_http_response_release(&rs);
out:
	free(method);
	free(target);
	free(accept);
	free(auth);
	free(ctype);
	return 0;
}
