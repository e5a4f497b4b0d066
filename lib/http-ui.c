// SPDX-License-Identifier: MIT
/*
 * The page of sl-httpd: GET / (the timeline page, read-only) and the two
 * files it loads; GET /v1/head, the head and time span the page and
 * scripts start from; GET /v1/sources, what was in effect at a time
 * without the proofs (the page lists it; it verifies one entry at a time);
 * GET /v1/entries/{seq}/content, the stored bytes of a configuration file
 * that is not private.  The files are a list compiled in; their bytes are
 * read once at start-up (sl_http_ui_load) from the installed
 * share/stateledger/www, so no request ever names a file the server
 * opens.  See lib/sl/http.h and doc/sl-httpd-api.7.
 */
#include "sl/sys.h"

#include "sl/artifact.h"
#include "sl/http.h"
#include "sl/ledger.h"
#include "sl/snapshot.h"
#include "sl/store.h"
#include "sl/time.h"

#include <fcntl.h>
#include <jansson.h>

static const struct {
	const char *path;  /* the request path */
	const char *file;  /* its file in the www directory */
	const char *type;  /* its media type */
} ui_files[SL_HTTP_UI_FILES] = {
	{ "/", "index.html", "text/html; charset=utf-8" },
	{ "/ui/app.js", "app.js", "text/javascript; charset=utf-8" },
	{ "/ui/app.css", "app.css", "text/css; charset=utf-8" },
};

/* The page's own state, carried in its URL: the server takes these and ignores their values. */
static const char *const page_args[] = { "at", "from", "to", "seq", "q", NULL };

#define UI_FILE_MAX (1u << 20)

static int read_file(const char *path, struct sl_buf *b, struct sl_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char chunk[8192];

	if (fd < 0)
		return sl_error_set(err, errno == ENOENT ? SL_ENOTFOUND : SL_EIO,
				    "unable to open '%s': %s", path, strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return sl_error_set(err, SL_EIO, "unable to read '%s': %s", path,
					    strerror(errno));
		}
		if (b->len + (size_t)n > UI_FILE_MAX) {
			close(fd);
			return sl_error_set(err, SL_EINVAL, "'%s' is larger than %u bytes", path,
					    UI_FILE_MAX);
		}
		sl_buf_add(b, chunk, (size_t)n);
	}
	close(fd);
	if (sl_buf_ok(b))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	return 0;
}

int sl_http_ui_load(struct sl_http_ui *ui, const char *dir, struct sl_error *err)
{
	struct sl_buf path;
	size_t i;
	int e = 0;

	for (i = 0; i < SL_HTTP_UI_FILES; i++)
		sl_buf_init(&ui->body[i]);
	sl_buf_init(&path);
	for (i = 0; i < SL_HTTP_UI_FILES && e == 0; i++) {
		sl_buf_reset(&path);
		sl_buf_addf(&path, "%s/%s", dir, ui_files[i].file);
		if (sl_buf_ok(&path))
			e = sl_error_set(err, SL_ENOMEM, "out of memory");
		else
			e = read_file(path.buf, &ui->body[i], err);
	}
	sl_buf_release(&path);
	if (e < 0)
		sl_http_ui_release(ui);
	return e;
}

void sl_http_ui_release(struct sl_http_ui *ui)
{
	size_t i;

	for (i = 0; i < SL_HTTP_UI_FILES; i++) {
		sl_buf_release(&ui->body[i]);
		sl_buf_init(&ui->body[i]);
	}
}

static int is_get(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

/* "/v1/entries/{seq}/content": 1 with *seq (decimal, no leading zero, at most INT64_MAX). */
static int content_path(const char *path, uint64_t *seq)
{
	static const char pre[] = "/v1/entries/", post[] = "/content";
	const char *p = path + sizeof(pre) - 1;
	uint64_t v = 0;

	if (strncmp(path, pre, sizeof(pre) - 1) != 0 || *p < '0' || *p > '9' ||
	    (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > ((uint64_t)INT64_MAX - (uint64_t)(*p - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (strcmp(p, post) != 0)
		return 0;
	*seq = v;
	return 1;
}

int sl_http_ui_route(const char *method, const char *path, uint64_t *seq, const char **allowed)
{
	size_t i;
	int r;

	*allowed = NULL;
	for (i = 0; i < SL_HTTP_UI_FILES; i++)
		if (strcmp(path, ui_files[i].path) == 0)
			break;
	if (i < SL_HTTP_UI_FILES)
		r = SL_ROUTE_PAGE;
	else if (strcmp(path, "/v1/head") == 0)
		r = SL_ROUTE_HEAD;
	else if (strcmp(path, "/v1/sources") == 0)
		r = SL_ROUTE_SOURCES;
	else if (content_path(path, seq))
		r = SL_ROUTE_CONTENT;
	else
		return SL_ROUTE_UNKNOWN;
	*allowed = "GET, HEAD";
	return is_get(method) ? r : SL_ROUTE_UNKNOWN;
}

static int bad_args(const struct sl_http_request *rq, const char *const *names,
		    struct sl_http_response *rs)
{
	size_t i, j, k;

	for (i = 0; i < rq->nargs; i++) {
		for (k = 0; names && names[k]; k++)
			if (strcmp(rq->args[i].name, names[k]) == 0)
				break;
		if (!names || !names[k]) {
			sl_http_error(rs, 400, "bad_request", "unknown query parameter");
			return 1;
		}
		for (j = 0; j < i; j++)
			if (strcmp(rq->args[j].name, rq->args[i].name) == 0) {
				sl_http_error(rs, 400, "bad_request", "a query parameter given twice");
				return 1;
			}
	}
	return 0;
}

static int page_file(struct sl_http_server *srv, const struct sl_http_request *rq,
		     struct sl_http_response *rs)
{
	size_t i;

	for (i = 0; i < SL_HTTP_UI_FILES; i++)
		if (strcmp(rq->path, ui_files[i].path) == 0)
			break;
	if (bad_args(rq, i == 0 ? page_args : NULL, rs))
		return 0;
	if (i == SL_HTTP_UI_FILES || !srv->ui || !srv->ui->body[i].len) {
		sl_http_error(rs, 404, "not_found", "the page is not installed");
		return 0;
	}
	sl_buf_add(&rs->body, srv->ui->body[i].buf, srv->ui->body[i].len);
	rs->content_type = ui_files[i].type;
	rs->page = 1;
	rs->status = 200;
	return 0;
}

/* A store failure: damage is a 500 that says so; anything else a 503 that names no file. */
static int store_error(struct sl_http_response *rs, const struct sl_error *err, int e)
{
	if (e == SL_ECORRUPT || e == SL_ENOLEDGER) {
		char msg[SL_ERR_MSG + 32];
		snprintf(msg, sizeof(msg), "the ledger is damaged: %s", err->msg);
		sl_http_error(rs, 500, "corrupt", msg);
	} else if (e == SL_ENOMEM) {
		sl_http_error(rs, 503, "out_of_memory", "out of memory; retry later");
		rs->retry_after = 1;
	} else if (e == SL_EBUSY) {
		sl_http_error(rs, 503, "busy", "the ledger is busy; retry later");
		rs->retry_after = 1;
	} else {
		sl_http_error(rs, 503, "unavailable", "the ledger cannot be read now; retry later");
		rs->retry_after = 1;
	}
	return 0;
}

/*
 * {"size":N,"root":HEX,"first_ts":TS|null,"last_ts":TS|null}: the tree
 * head as `sl-prove --head`, and the time span of the log (the ts of its
 * first and last entry), which the page's time control covers.
 */
static int do_head(struct sl_http_server *srv, const struct sl_http_request *rq,
		   struct sl_http_response *rs)
{
	struct sl_error err = { 0 };
	struct sl_head h;
	struct sl_entry_row row;
	char hex[SL_HEX_LEN + 1];
	int e;

	if (bad_args(rq, NULL, rs))
		return 0;
	if ((e = sl_ledger_head(srv->ledger, &h, &err)) < 0)
		return store_error(rs, &err, e);
	sl_hex_encode(hex, h.root, SL_HASH_LEN);
	sl_buf_addf(&rs->body, "{\"size\":%llu,\"root\":\"%s\",\"first_ts\":",
		    (unsigned long long)h.size, hex);
	if (h.size == 0) {
		sl_buf_addstr(&rs->body, "null,\"last_ts\":null}\n");
	} else {
		if ((e = sl_ledger_entry(srv->ledger, 0, &row, &err)) < 0) {
			sl_buf_reset(&rs->body);
			return store_error(rs, &err, e);
		}
		sl_buf_addf(&rs->body, "\"%s\",\"last_ts\":\"%s\"}\n", row.ts, h.ts);
	}
	rs->status = 200;
	return 0;
}

/*
 * The lean snapshot at T (struct sl_snapshot_opts.lean): the latest entry
 * of every (type, source) and the head of every mutation namespace of the
 * prefix N(T), with their seq, ts and bytes, and no proofs, checkpoint or
 * bounds.  At 1,000 sources of a 1M-entry log it is a tenth of
 * /v1/snapshot, whose proofs only an auditor needs at once.
 */
static int do_sources(struct sl_http_server *srv, const struct sl_http_request *rq,
		      struct sl_http_response *rs)
{
	static const char *const names[] = { "at", NULL };
	struct sl_snapshot_opts o = { 0 };
	struct sl_error err = { 0 };
	const char *at = rq->nargs ? rq->args[0].value : NULL;
	int e;

	if (bad_args(rq, names, rs))
		return 0;
	if (!at) {
		sl_http_error(rs, 400, "bad_request", "at: required");
		return 0;
	}
	if (sl_time_parse(at, &o.at, &err) < 0) {
		char msg[SL_ERR_MSG + 8];
		snprintf(msg, sizeof(msg), "at: %s", err.msg);
		sl_http_error(rs, 400, "bad_request", msg);
		return 0;
	}
	o.lean = 1;
	if ((e = sl_snapshot(srv->ledger, &o, sl_buf_write, &rs->body, &err)) < 0) {
		sl_buf_reset(&rs->body);
		return store_error(rs, &err, e);
	}
	sl_buf_addch(&rs->body, '\n');
	rs->status = 200;
	return 0;
}

#define CONTENT_MAX (16u << 20)

static int capped_write(void *ctx, const void *data, size_t len)
{
	struct sl_buf *b = ctx;

	if (b->len + len > CONTENT_MAX)
		return SL_ERANGE;
	sl_buf_add(b, data, len);
	return sl_buf_ok(b);
}

/*
 * The stored content of config entry seq, when its payload says it is
 * stored (sl-capture-config --store) and not private: the bytes of the
 * artifact named by payload.sha256, which sl_artifact_get re-checks
 * against that digest before any is passed on.  A private file (keyed
 * digest, --store-private) is never served, stored or not.
 */
static int do_content(struct sl_http_server *srv, uint64_t seq, const struct sl_http_request *rq,
		      struct sl_http_response *rs)
{
	struct sl_error err = { 0 };
	struct sl_buf ent = SL_BUF_INIT;
	unsigned char d[SL_HASH_LEN];
	json_t *j = NULL, *p;
	const char *type, *digest;
	char msg[96];
	int e;

	if (bad_args(rq, NULL, rs))
		return 0;
	if ((e = sl_ledger_get(srv->ledger, seq, &ent, &err)) < 0) {
		sl_buf_release(&ent);
		if (e == SL_ENOTFOUND) {
			snprintf(msg, sizeof(msg), "no entry %llu", (unsigned long long)seq);
			sl_http_error(rs, 404, "not_found", msg);
			return 0;
		}
		return store_error(rs, &err, e);
	}
	j = json_loadb(ent.buf, ent.len, 0, NULL);
	sl_buf_release(&ent);
	p = json_object_get(j, "payload");
	type = json_string_value(json_object_get(j, "type"));
	digest = json_string_value(json_object_get(p, "sha256"));
	if (!type || strcmp(type, "config") != 0 || !json_is_true(json_object_get(p, "stored")) ||
	    json_is_true(json_object_get(p, "private")) || !digest ||
	    sl_artifact_digest_parse(digest, d) < 0) {
		json_decref(j);
		snprintf(msg, sizeof(msg), "entry %llu has no stored content that may be served",
			 (unsigned long long)seq);
		sl_http_error(rs, 404, "not_found", msg);
		return 0;
	}
	json_decref(j);
	if ((e = sl_artifact_get_in(srv->ledger->store, srv->ledger->dir, d, capped_write, &rs->body, &err)) < 0) {
		sl_buf_reset(&rs->body);
		if (e == SL_ENOTFOUND) {
			snprintf(msg, sizeof(msg), "the content of entry %llu is not in the artifact store",
				 (unsigned long long)seq);
			sl_http_error(rs, 404, "not_found", msg);
			return 0;
		}
		if (e == SL_ERANGE) {
			sl_http_error(rs, 400, "out_of_range",
				      "the content is larger than 16 MiB; use sl-artifact get");
			return 0;
		}
		if (e == SL_EVERIFY) {
			snprintf(msg, sizeof(msg), "the ledger is damaged: seq %llu: stored content does "
				 "not match its sha256", (unsigned long long)seq);
			sl_http_error(rs, 500, "corrupt", msg);
			return 0;
		}
		return store_error(rs, &err, e);
	}
	/* Bytes of a file, never a page of this origin: nosniff and the page's policy with them. */
	rs->content_type = "application/octet-stream";
	rs->page = 1;
	rs->status = 200;
	return 0;
}

int sl_http_ui_handle(struct sl_http_server *srv, int route, uint64_t seq,
		      const struct sl_http_request *rq, struct sl_http_response *rs)
{
	if (route == SL_ROUTE_CONTENT)
		return do_content(srv, seq, rq, rs);
	if (route == SL_ROUTE_HEAD)
		return do_head(srv, rq, rs);
	if (route == SL_ROUTE_SOURCES)
		return do_sources(srv, rq, rs);
	return page_file(srv, rq, rs);
}
