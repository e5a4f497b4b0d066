// SPDX-License-Identifier: MIT
/*
 * The HTTP API of sl-httpd: routing and the answers, from the decoded
 * request to the bytes of the answer, the refusal of a POST from its
 * headers, /ready, and the kept answer of /v1/verify.  The client's bytes
 * are parsed in lib/http-parse.c, tokens kept in lib/http-token.c, the
 * counters in lib/http-metrics.c.  See lib/sl/http.h.
 */
#include "sl/sys.h"

#include "sl/checkpoint.h"
#include "sl/diff.h"
#include "sl/entry.h"
#include "sl/http.h"
#include "sl/json.h"
#include "sl/ledger.h"
#include "sl/proof.h"
#include "sl/snapshot.h"
#include "sl/time.h"

#include <pthread.h>

static const char *const route_names[SL_ROUTE_COUNT] = {
	[SL_ROUTE_UNKNOWN] = "unknown",
	[SL_ROUTE_HEALTH] = "/health",
	[SL_ROUTE_READY] = "/ready",
	[SL_ROUTE_ENTRIES] = "/v1/entries",
	[SL_ROUTE_APPEND] = "POST /v1/entries",
	[SL_ROUTE_ENTRY] = "/v1/entries/{seq}",
	[SL_ROUTE_CHECKPOINT] = "/v1/checkpoint",
	[SL_ROUTE_INCLUSION] = "/v1/proof/inclusion",
	[SL_ROUTE_CONSISTENCY] = "/v1/proof/consistency",
	[SL_ROUTE_SNAPSHOT] = "/v1/snapshot",
	[SL_ROUTE_DIFF] = "/v1/diff",
	[SL_ROUTE_VERIFY] = "/v1/verify",
	[SL_ROUTE_METRICS] = "/metrics",
	[SL_ROUTE_TLOG_CHECKPOINT] = "/checkpoint",
	[SL_ROUTE_TILE] = "/tile/{L}/{N}",
	[SL_ROUTE_TILE_ENTRIES] = "/tile/entries/{N}",
	[SL_ROUTE_PAGE] = "/", /* and the page's files, lib/http-ui.c */
	[SL_ROUTE_HEAD] = "/v1/head",
	[SL_ROUTE_SOURCES] = "/v1/sources",
	[SL_ROUTE_CONTENT] = "/v1/entries/{seq}/content",
};

const char *sl_http_route_name(int route)
{
	if (route < 0 || route >= SL_ROUTE_COUNT)
		route = SL_ROUTE_UNKNOWN;
	return route_names[route];
}

static const char get_only[] = "GET, HEAD";
static const char get_post[] = "GET, HEAD, POST";

static int is_get(const char *m)
{
	return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

/* A seq in a path: decimal digits only, no leading zero, at most INT64_MAX. */
static int path_seq(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > ((uint64_t)INT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int sl_http_route(const char *method, const char *path, uint64_t *seq, const char **allowed)
{
	static const struct {
		const char *path;
		int route;
	} fixed[] = {
		{ "/health", SL_ROUTE_HEALTH },
		{ "/ready", SL_ROUTE_READY },
		{ "/metrics", SL_ROUTE_METRICS },
		{ "/v1/checkpoint", SL_ROUTE_CHECKPOINT },
		{ "/v1/proof/inclusion", SL_ROUTE_INCLUSION },
		{ "/v1/proof/consistency", SL_ROUTE_CONSISTENCY },
		{ "/v1/snapshot", SL_ROUTE_SNAPSHOT },
		{ "/v1/diff", SL_ROUTE_DIFF },
		{ "/v1/verify", SL_ROUTE_VERIFY },
	};
	size_t i;
	int r;

	if ((r = sl_http_ui_route(method, path, seq, allowed)) != SL_ROUTE_UNKNOWN || *allowed)
		return r;
	if (strcmp(path, "/v1/entries") == 0) {
		*allowed = get_post;
		if (is_get(method))
			return SL_ROUTE_ENTRIES;
		if (strcmp(method, "POST") == 0)
			return SL_ROUTE_APPEND;
		return SL_ROUTE_UNKNOWN;
	}
	if (strncmp(path, "/v1/entries/", 12) == 0) {
		if (path_seq(path + 12, seq) < 0)
			return SL_ROUTE_UNKNOWN;
		*allowed = get_only;
		return is_get(method) ? SL_ROUTE_ENTRY : SL_ROUTE_UNKNOWN;
	}
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (strcmp(path, fixed[i].path) == 0) {
			*allowed = get_only;
			return is_get(method) ? fixed[i].route : SL_ROUTE_UNKNOWN;
		}
	}
	return sl_http_tiles_route(method, path, allowed);
}

void sl_http_response_init(struct sl_http_response *rs)
{
	memset(rs, 0, sizeof(*rs));
	sl_buf_init(&rs->body);
	sl_buf_init(&rs->link);
	rs->content_type = "application/json";
	rs->age = -1;
}

void sl_http_response_release(struct sl_http_response *rs)
{
	sl_buf_release(&rs->body);
	sl_buf_release(&rs->link);
}

/* JSON string of s; a message that is not UTF-8 is replaced, never sent broken. */
static void add_jstr(struct sl_buf *b, const char *s, size_t len)
{
	if (sl_jcs_string(b, s, len) < 0)
		sl_buf_addstr(b, "\"<invalid UTF-8>\"");
}

void sl_http_error(struct sl_http_response *rs, int status, const char *code, const char *msg)
{
	rs->status = status;
	rs->content_type = "application/json";
	sl_buf_reset(&rs->body);
	sl_buf_reset(&rs->link);
	sl_buf_addstr(&rs->body, "{\"error\":{\"code\":");
	add_jstr(&rs->body, code, strlen(code));
	sl_buf_addstr(&rs->body, ",\"message\":");
	add_jstr(&rs->body, msg, strlen(msg));
	sl_buf_addstr(&rs->body, "}}\n");
}

static int bad_request(struct sl_http_response *rs, const char *fmt, ...) SL_PRINTF(2, 3);
static int bad_request(struct sl_http_response *rs, const char *fmt, ...)
{
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sl_http_error(rs, 400, "bad_request", msg);
	return 0;
}

/*
 * A library error as an answer.  Data errors say what is wrong; system
 * errors say only what kind of failure it was, since their messages may
 * name files of the server.
 */
static int lib_error(struct sl_http_response *rs, const struct sl_error *err, int e)
{
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];

	sl_error_format(err, msg, sizeof(msg));
	if (!msg[0])
		snprintf(msg, sizeof(msg), "%s", sl_strerror(e));
	switch (e) {
	case SL_EINVAL:
	case SL_EUSAGE:
		sl_http_error(rs, 400, "bad_request", msg);
		break;
	case SL_ERANGE:
		sl_http_error(rs, 400, "out_of_range", msg);
		break;
	case SL_ENOTFOUND:
		sl_http_error(rs, 404, "not_found", msg);
		break;
	case SL_EBUSY:
		sl_http_error(rs, 503, "busy", "the ledger is busy; retry later");
		rs->retry_after = 1;
		break;
	case SL_ENOMEM:
		sl_http_error(rs, 503, "out_of_memory", "out of memory; retry later");
		rs->retry_after = 1;
		break;
	case SL_ENOSPACE:
		sl_http_error(rs, 503, "disk_full", "the ledger's disk is full; retry later");
		rs->retry_after = 1;
		break;
	case SL_EACCES: /* permission denied or a read-only file system: 100 for sl-append */
		sl_http_error(rs, 503, "store_read_only", "the ledger's store is read-only");
		rs->retry_after = 1;
		break;
	case SL_EREPLICA: /* a standby: no retry here will do, the primary takes writes */
		sl_http_error(rs, 503, "store_read_only",
			      "the ledger's store is read-only: a replica (standby) of another; "
			      "send writes to its primary");
		break;
	case SL_EIO: /* a temporary or system failure (EIO): 111 for sl-append */
		sl_http_error(rs, 503, "unavailable", "the ledger cannot be read or written now; retry later");
		rs->retry_after = 1;
		break;
	case SL_ECORRUPT: {
		/* The library's messages for damage name seqs and rows, never files. */
		char what[sizeof(msg) + 32];
		snprintf(what, sizeof(what), "the ledger is damaged: %s", msg);
		sl_http_error(rs, 500, "corrupt", what);
		break;
	}
	case SL_ENOLEDGER:
		sl_http_error(rs, 500, "corrupt", "the ledger is damaged or missing");
		break;
	default:
		sl_http_error(rs, 500, "internal", "the server failed; retry later");
		break;
	}
	return 0;
}


/* Query arguments: each route names the ones it takes; others are errors. */
static int check_args(const struct sl_http_request *rq, const char *const *names,
		      struct sl_http_response *rs)
{
	size_t i, j, k;

	for (i = 0; i < rq->nargs; i++) {
		const char *n = rq->args[i].name;
		for (k = 0; names && names[k]; k++)
			if (strcmp(n, names[k]) == 0)
				break;
		if (!names || !names[k]) {
			char shown[64];
			size_t len = strlen(n);
			snprintf(shown, sizeof(shown), "%.40s", n);
			if (len > 40 || !sl_utf8_valid(shown, strlen(shown)))
				return bad_request(rs, "unknown query parameter");
			return bad_request(rs, "unknown query parameter '%s'", shown);
		}
		if (!rq->args[i].value)
			return bad_request(rs, "query parameter '%s' needs a value", n);
		for (j = 0; j < i; j++)
			if (strcmp(rq->args[j].name, n) == 0)
				return bad_request(rs, "query parameter '%s' given twice", n);
	}
	return 1;
}

static const char *arg(const struct sl_http_request *rq, const char *name)
{
	size_t i;

	for (i = 0; i < rq->nargs; i++)
		if (strcmp(rq->args[i].name, name) == 0)
			return rq->args[i].value;
	return NULL;
}

/* A decimal argument in [min, max]: 1 with *out, 0 with the 400 answer made. */
static int u64_arg(const struct sl_http_request *rq, const char *name, uint64_t min, uint64_t max,
		   uint64_t *out, struct sl_http_response *rs)
{
	const char *s = arg(rq, name);
	uint64_t v = 0;
	size_t i, n = strlen(s);

	if (n == 0 || n > 19)
		goto bad;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < min || v > max)
		goto bad;
	*out = v;
	return 1;
bad:
	bad_request(rs, "%s: want a whole number from %llu to %llu", name, (unsigned long long)min,
		    (unsigned long long)max);
	return 0;
}

/* A time argument (sl_time_parse): 1 with *usec, 0 with the 400 answer made. */
static int time_arg(const struct sl_http_request *rq, const char *name, int64_t *usec,
		    struct sl_http_response *rs)
{
	struct sl_error err = { 0 };

	if (sl_time_parse(arg(rq, name), usec, &err) < 0) {
		bad_request(rs, "%s: %s", name, err.msg);
		return 0;
	}
	return 1;
}

static int source_arg(const struct sl_http_request *rq, struct sl_http_response *rs)
{
	const char *s = arg(rq, "source");

	if (s && !sl_source_valid(s, strlen(s))) {
		bad_request(rs, "source: want 1 to 256 bytes of UTF-8 without control characters");
		return 0;
	}
	return 1;
}

static int type_arg(const struct sl_http_request *rq, struct sl_http_response *rs)
{
	const char *s = arg(rq, "type");

	if (s && !sl_type_valid(s)) {
		bad_request(rs, "type: not an entry type");
		return 0;
	}
	return 1;
}



/* Percent-encode everything but RFC 3986's unreserved characters. */
static void add_qvalue(struct sl_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			sl_buf_addch(b, c);
		} else {
			sl_buf_addch(b, '%');
			sl_buf_addch(b, hex[c >> 4]);
			sl_buf_addch(b, hex[c & 15]);
		}
	}
}

static int do_entries(struct sl_http_server *srv, const struct sl_http_request *rq,
		      struct sl_http_response *rs)
{
	static const char *const names[] = { "type", "source", "since", "until", "after", "limit", NULL };
	struct sl_filter f = { 0 };
	struct sl_error err = { 0 };
	struct sl_entry_row row;
	struct sl_scan *it;
	char since[SL_TS_LEN + 1], until[SL_TS_LEN + 1];
	uint64_t after = 0, limit = srv->default_limit, n = 0, last = 0;
	int64_t t;
	int nd = sl_http_wants_ndjson(rq->accept), e, more = 0;

	if (!check_args(rq, names, rs) || !type_arg(rq, rs) || !source_arg(rq, rs))
		return 0;
	f.type = arg(rq, "type");
	f.source = arg(rq, "source");
	if (arg(rq, "since")) {
		if (!time_arg(rq, "since", &t, rs))
			return 0;
		if (sl_time_format(since, t) < 0)
			return bad_request(rs, "since: out of range");
		f.since = since;
	}
	if (arg(rq, "until")) {
		if (!time_arg(rq, "until", &t, rs))
			return 0;
		if (sl_time_format(until, t) < 0)
			return bad_request(rs, "until: out of range");
		f.until = until;
	}
	if (arg(rq, "after")) {
		if (!u64_arg(rq, "after", 0, INT64_MAX - 1, &after, rs))
			return 0;
		f.from = after + 1;
	}
	if (arg(rq, "limit") && !u64_arg(rq, "limit", 1, srv->max_limit, &limit, rs))
		return 0;
	/* One row more than the page tells whether there is a next page. */
	f.limit = limit + 1;
	if ((e = sl_ledger_scan_open(srv->ledger, &f, &it, &err)) < 0)
		return lib_error(rs, &err, e);
	if (!nd)
		sl_buf_addstr(&rs->body, "{\"entries\":[");
	while ((e = sl_ledger_scan_next(srv->ledger, it, &row, &err)) == 1) {
		if (n == limit) {
			more = 1;
			break;
		}
		if (!nd && n)
			sl_buf_addch(&rs->body, ',');
		sl_buf_add(&rs->body, row.entry, row.len);
		if (nd)
			sl_buf_addch(&rs->body, '\n');
		last = row.seq;
		n++;
	}
	sl_ledger_scan_close(srv->ledger, it);
	/*
	 * The row after a full page is read only to know that a next page
	 * exists: damage there is the next page's answer, not this one's.
	 */
	if (e == SL_ECORRUPT && n == limit)
		e = 0, more = 1;
	if (e < 0) {
		sl_buf_reset(&rs->body);
		return lib_error(rs, &err, e);
	}
	if (more) {
		struct sl_buf *lk = &rs->link;
		sl_buf_addstr(lk, "/v1/entries?");
		if (f.type) {
			sl_buf_addstr(lk, "type=");
			add_qvalue(lk, f.type);
			sl_buf_addch(lk, '&');
		}
		if (f.source) {
			sl_buf_addstr(lk, "source=");
			add_qvalue(lk, f.source);
			sl_buf_addch(lk, '&');
		}
		if (f.since) {
			sl_buf_addstr(lk, "since=");
			add_qvalue(lk, f.since);
			sl_buf_addch(lk, '&');
		}
		if (f.until) {
			sl_buf_addstr(lk, "until=");
			add_qvalue(lk, f.until);
			sl_buf_addch(lk, '&');
		}
		sl_buf_addf(lk, "after=%llu&limit=%llu", (unsigned long long)last,
			    (unsigned long long)limit);
	}
	if (!nd) {
		sl_buf_addstr(&rs->body, "],\"next\":");
		if (more) {
			sl_buf_addch(&rs->body, '"');
			sl_buf_add(&rs->body, rs->link.buf, rs->link.len); /* only URL-safe bytes */
			sl_buf_addch(&rs->body, '"');
		} else {
			sl_buf_addstr(&rs->body, "null");
		}
		sl_buf_addstr(&rs->body, "}\n");
	} else {
		rs->content_type = "application/x-ndjson";
	}
	if (more) {
		/* The header form: <URL>; rel="next" */
		struct sl_buf h = SL_BUF_INIT;
		sl_buf_addch(&h, '<');
		sl_buf_add(&h, rs->link.buf, rs->link.len);
		sl_buf_addstr(&h, ">; rel=\"next\"");
		sl_buf_release(&rs->link);
		rs->link = h;
	}
	rs->status = 200;
	return 0;
}

static int do_entry(struct sl_http_server *srv, uint64_t seq, const struct sl_http_request *rq,
		    struct sl_http_response *rs)
{
	struct sl_error err = { 0 };
	int e;

	if (!check_args(rq, NULL, rs))
		return 0;
	if ((e = sl_ledger_get(srv->ledger, seq, &rs->body, &err)) < 0) {
		if (e == SL_ENOTFOUND) {
			char msg[64];
			snprintf(msg, sizeof(msg), "no entry %llu", (unsigned long long)seq);
			sl_http_error(rs, 404, "not_found", msg);
			return 0;
		}
		return lib_error(rs, &err, e);
	}
	sl_buf_addch(&rs->body, '\n');
	rs->status = 200;
	return 0;
}

static int do_checkpoint(struct sl_http_server *srv, const struct sl_http_request *rq,
			 struct sl_http_response *rs)
{
	struct sl_error err = { 0 };
	int e;

	if (!check_args(rq, NULL, rs))
		return 0;
	if ((e = sl_ledger_published_checkpoint(srv->ledger, &rs->body, &err)) < 0) {
		if (e == SL_ENOTFOUND) {
			sl_http_error(rs, 404, "not_found", "the ledger has no checkpoint yet");
			return 0;
		}
		return lib_error(rs, &err, e);
	}
	rs->content_type = "text/plain; charset=utf-8";
	rs->status = 200;
	return 0;
}

/* A proof document (sl_ledger_proof) as the answer; the proof is large, so not on the stack. */
static int answer_proof(struct sl_http_server *srv, enum sl_proof_kind kind, uint64_t a, uint64_t b,
			struct sl_http_response *rs)
{
	struct sl_error err = { 0 };
	struct sl_proof *p;
	int e;

	if (!(p = malloc(sizeof(*p))))
		return lib_error(rs, &err, SL_ENOMEM);
	if ((e = sl_ledger_proof(srv->ledger, kind, a, b, p, &err)) < 0 ||
	    (e = sl_proof_write(&rs->body, p)) < 0) {
		free(p);
		return lib_error(rs, &err, e);
	}
	free(p);
	sl_buf_addch(&rs->body, '\n');
	rs->status = 200;
	return 0;
}

static int do_inclusion(struct sl_http_server *srv, const struct sl_http_request *rq,
			struct sl_http_response *rs)
{
	static const char *const names[] = { "seq", "size", NULL };
	struct sl_error err = { 0 };
	uint64_t seq, size;
	int e;

	if (!check_args(rq, names, rs))
		return 0;
	if (!arg(rq, "seq"))
		return bad_request(rs, "seq: required");
	if (!u64_arg(rq, "seq", 0, INT64_MAX, &seq, rs))
		return 0;
	if (arg(rq, "size")) {
		if (!u64_arg(rq, "size", 0, INT64_MAX, &size, rs))
			return 0;
	} else {
		struct sl_head h;
		if ((e = sl_ledger_head(srv->ledger, &h, &err)) < 0)
			return lib_error(rs, &err, e);
		size = h.size;
	}
	return answer_proof(srv, SL_PROOF_INCLUSION, seq, size, rs);
}

static int do_consistency(struct sl_http_server *srv, const struct sl_http_request *rq,
			  struct sl_http_response *rs)
{
	static const char *const names[] = { "from", "to", NULL };
	uint64_t from, to;

	if (!check_args(rq, names, rs))
		return 0;
	if (!arg(rq, "from") || !arg(rq, "to"))
		return bad_request(rs, "from and to: required");
	if (!u64_arg(rq, "from", 1, INT64_MAX, &from, rs) || !u64_arg(rq, "to", 1, INT64_MAX, &to, rs))
		return 0;
	if (from > to)
		return bad_request(rs, "from is greater than to");
	return answer_proof(srv, SL_PROOF_CONSISTENCY, from, to, rs);
}

static int do_snapshot(struct sl_http_server *srv, const struct sl_http_request *rq,
		       struct sl_http_response *rs)
{
	static const char *const names[] = { "at", "type", "source", NULL };
	struct sl_snapshot_opts o = { 0 };
	struct sl_error err = { 0 };
	int e;

	if (!check_args(rq, names, rs) || !source_arg(rq, rs))
		return 0;
	if (!arg(rq, "at"))
		return bad_request(rs, "at: required");
	if (!time_arg(rq, "at", &o.at, rs))
		return 0;
	o.type = arg(rq, "type");
	if (o.type && !*o.type)
		return bad_request(rs, "type: empty");
	o.source = arg(rq, "source");
	if ((e = sl_snapshot(srv->ledger, &o, sl_buf_write, &rs->body, &err)) < 0) {
		sl_buf_reset(&rs->body);
		return lib_error(rs, &err, e);
	}
	sl_buf_addch(&rs->body, '\n');
	rs->status = 200;
	return 0;
}

/* Mutations listed per namespace in a diff's `applied` unless `limit` says otherwise. */
#define DIFF_APPLIED_DEFAULT 1000
#define DIFF_APPLIED_MAX 100000

static int do_diff(struct sl_http_server *srv, const struct sl_http_request *rq,
		   struct sl_http_response *rs)
{
	static const char *const names[] = { "from", "to", "all", "limit", NULL };
	static const char head[] = "{\"changes\":[";
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT;
	uint64_t limit = DIFF_APPLIED_DEFAULT;
	const char *all;
	int64_t t1, t2;
	size_t i, start;
	int e, flags = 0, nd = sl_http_wants_ndjson(rq->accept);

	if (!check_args(rq, names, rs))
		return 0;
	if (!arg(rq, "from") || !arg(rq, "to"))
		return bad_request(rs, "from and to: required");
	if (!time_arg(rq, "from", &t1, rs) || !time_arg(rq, "to", &t2, rs))
		return 0;
	if (t2 < t1)
		return bad_request(rs, "to is before from");
	if ((all = arg(rq, "all")) != NULL) {
		if (strcmp(all, "1") != 0 && strcmp(all, "0") != 0)
			return bad_request(rs, "all: 0 or 1");
		if (*all == '1')
			flags |= SL_DIFF_ALL;
	}
	if (arg(rq, "limit") && !u64_arg(rq, "limit", 1, DIFF_APPLIED_MAX, &limit, rs))
		return 0;
	/*
	 * Memory is bounded by the sources, the namespaces and `limit`: the
	 * applied lists are cut (their counts are not), and the JSON form is
	 * made in place, not copied.
	 */
	if (!nd)
		sl_buf_addstr(&out, head);
	if ((e = sl_diff_ledger_max(srv->ledger, t1, t2, flags, (size_t)limit, &out, NULL, &err)) < 0) {
		sl_buf_release(&out);
		return lib_error(rs, &err, e);
	}
	rs->status = 200;
	if (nd) {
		rs->content_type = "application/x-ndjson";
	} else {
		/* The JSON form: the same records in an array. */
		for (i = start = sizeof(head) - 1; i < out.len; i++)
			if (out.buf[i] == '\n')
				out.buf[i] = ',';
		if (out.len > start)
			sl_buf_setlen(&out, out.len - 1); /* the last record's separator */
		sl_buf_addstr(&out, "]}\n");
		if ((e = sl_buf_ok(&out)) < 0) {
			sl_buf_release(&out);
			return lib_error(rs, &err, e);
		}
	}
	sl_buf_release(&rs->body);
	rs->body = out;
	return 0;
}

/* Verify the whole ledger, as sl-verify: the answer's body into out, the head verified into *h. */
static int verify_fresh(struct sl_http_server *srv, struct sl_buf *out, struct sl_head *h,
			struct sl_error *err)
{
	uint64_t bad = UINT64_MAX, ncp = 0, bad_cp = UINT64_MAX;
	int e;

	if (srv->metrics)
		__atomic_fetch_add(&srv->metrics->verifications, 1, __ATOMIC_RELAXED);
	/* As sl-verify: the entries, nodes and mutation index, then every checkpoint. */
	e = sl_ledger_verify(srv->ledger, NULL, NULL, h, &bad, err);
	if (e == 0)
		e = sl_ledger_verify_checkpoints(srv->ledger, &ncp, &bad_cp, err);
	if (e == SL_ECORRUPT)
		e = SL_EVERIFY;
	if (e == SL_EVERIFY) {
		sl_buf_addstr(out, "{\"verified\":false,");
		if (bad != UINT64_MAX)
			sl_buf_addf(out, "\"seq\":%llu,", (unsigned long long)bad);
		if (bad_cp != UINT64_MAX)
			sl_buf_addf(out, "\"checkpoint\":%llu,", (unsigned long long)bad_cp);
		sl_buf_addstr(out, "\"error\":");
		add_jstr(out, err->msg, strlen(err->msg));
		sl_buf_addstr(out, "}\n");
		return 0;
	}
	if (e < 0)
		return e;
	{
		char hex[SL_HEX_LEN + 1];
		sl_hex_encode(hex, h->root, SL_HASH_LEN);
		sl_buf_addf(out, "{\"verified\":true,\"size\":%llu,\"root\":\"%s\"",
			    (unsigned long long)h->size, hex);
		if (ncp)
			sl_buf_addf(out, ",\"checkpoints\":%llu", (unsigned long long)ncp);
		sl_buf_addstr(out, "}\n");
	}
	return sl_buf_ok(out);
}

void sl_http_verify_cache_init(struct sl_http_verify_cache *vc)
{
	memset(vc, 0, sizeof(*vc));
	pthread_mutex_init(&vc->lock, NULL);
	sl_buf_init(&vc->body);
}

void sl_http_verify_cache_release(struct sl_http_verify_cache *vc)
{
	sl_buf_release(&vc->body);
	pthread_mutex_destroy(&vc->lock);
}

/*
 * What names the state a verification saw: the head (size and root) and
 * the newest checkpoint's digest (a checkpoint signed at the same size is
 * new state too).
 */
static int verify_key(struct sl_ledger *l, unsigned char key[SL_HASH_LEN], struct sl_error *err)
{
	struct sl_sha256 c;
	struct sl_head h;
	struct sl_buf cp = SL_BUF_INIT;
	int e;

	if ((e = sl_ledger_head(l, &h, err)) < 0)
		return e;
	e = sl_ledger_last_checkpoint(l, &cp, err);
	if (e < 0 && e != SL_ENOTFOUND) {
		sl_buf_release(&cp);
		return e;
	}
	sl_sha256_init(&c);
	sl_sha256_update(&c, &h.size, sizeof(h.size));
	sl_sha256_update(&c, h.root, SL_HASH_LEN);
	sl_sha256_update(&c, cp.buf, cp.len);
	sl_sha256_final(&c, key);
	sl_buf_release(&cp);
	return 0;
}

static int do_verify(struct sl_http_server *srv, const struct sl_http_request *rq,
		     struct sl_http_response *rs)
{
	struct sl_http_verify_cache *vc = srv->verify_cache;
	struct sl_error err = { 0 };
	struct sl_head h;
	unsigned char key[SL_HASH_LEN];
	int64_t now;
	int e;

	if (!check_args(rq, NULL, rs))
		return 0;
	if (!vc) {
		if ((e = verify_fresh(srv, &rs->body, &h, &err)) < 0)
			return lib_error(rs, &err, e);
		rs->status = 200;
		return 0;
	}
	if ((e = verify_key(srv->ledger, key, &err)) < 0)
		return lib_error(rs, &err, e);
	/*
	 * One verification at a time: the others wait for it, and then find
	 * its answer when the ledger has not changed meanwhile.
	 */
	pthread_mutex_lock(&vc->lock);
	rs->age = -1;
	if (vc->valid && memcmp(vc->key, key, SL_HASH_LEN) == 0) {
		rs->age = sl_time_now(&now) == 0 && now > vc->at ? (now - vc->at) / 1000000 : 0;
	} else {
		vc->valid = 0;
		sl_buf_reset(&vc->body);
		if ((e = verify_fresh(srv, &vc->body, &h, &err)) < 0) {
			pthread_mutex_unlock(&vc->lock);
			return lib_error(rs, &err, e);
		}
		/* The key of what was verified: the ledger may have grown since verify_key. */
		if ((e = verify_key(srv->ledger, key, &err)) < 0) {
			pthread_mutex_unlock(&vc->lock);
			return lib_error(rs, &err, e);
		}
		if (sl_time_now(&vc->at) < 0)
			vc->at = 0;
		memcpy(vc->key, key, SL_HASH_LEN);
		vc->valid = 1;
	}
	sl_buf_add(&rs->body, vc->body.buf, vc->body.len);
	pthread_mutex_unlock(&vc->lock);
	rs->status = 200;
	return 0;
}

static int do_health(struct sl_http_server *srv, const struct sl_http_request *rq,
		     struct sl_http_response *rs)
{
	(void)srv;
	if (!check_args(rq, NULL, rs))
		return 0;
	sl_buf_addstr(&rs->body, "{\"status\":\"ok\"}\n");
	rs->status = 200;
	return 0;
}

const char *sl_http_writes_refused(const struct sl_http_server *srv)
{
	unsigned f;

	if (!srv->tokens)
		return "read_only_server";
	switch (sl_ledger_writable(srv->ledger, NULL)) {
	case SL_EACCES: return "store_read_only";
	case SL_ENOSPACE: return "disk_full";
	default: break;
	}
	f = srv->metrics ? __atomic_load_n(&srv->metrics->write_fault, __ATOMIC_RELAXED) : 0;
	if (f == SL_HTTP_FAULT_DISK_FULL)
		return "disk_full";
	if (f == SL_HTTP_FAULT_READ_ONLY)
		return "store_read_only";
	if (f == SL_HTTP_FAULT_REPLICA)
		return "store_replica";
	return NULL;
}

/*
 * Ask the store, before any write is tried, whether it is a replica (a hot
 * standby): its writes are then refused for that reason.  A store promoted
 * since takes writes again.  0, or the store's error when it cannot answer.
 */
static int replica_check(struct sl_http_server *srv, struct sl_error *err)
{
	int r = sl_ledger_replica(srv->ledger, err);

	if (r < 0)
		return r;
	if (srv->metrics) {
		if (r)
			__atomic_store_n(&srv->metrics->write_fault, SL_HTTP_FAULT_REPLICA,
					 __ATOMIC_RELAXED);
		else {
			unsigned f = SL_HTTP_FAULT_REPLICA;
			__atomic_compare_exchange_n(&srv->metrics->write_fault, &f, 0, 0,
						    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
		}
	}
	return 0;
}

/*
 * Ready: the store answers (its head can be read), 200; else 503 with the
 * reason.  Whether writes can be taken is said beside it, not by the
 * status: a server that cannot append still serves every read.
 */
static int do_ready(struct sl_http_server *srv, const struct sl_http_request *rq,
		    struct sl_http_response *rs)
{
	struct sl_error err = { 0 };
	struct sl_head h;
	const char *why;
	int e;

	if (!check_args(rq, NULL, rs))
		return 0;
	if ((e = sl_ledger_head(srv->ledger, &h, &err)) < 0 ||
	    (srv->tokens && (e = replica_check(srv, &err)) < 0)) {
		lib_error(rs, &err, e);
		sl_buf_reset(&rs->body);
		sl_buf_addstr(&rs->body, "{\"ready\":false,\"writes\":false,\"reason\":");
		add_jstr(&rs->body, sl_strerror(e), strlen(sl_strerror(e)));
		sl_buf_addstr(&rs->body, "}\n");
		if (rs->status < 500)
			rs->status = 503;
		return 0;
	}
	why = sl_http_writes_refused(srv);
	sl_buf_addf(&rs->body, "{\"ready\":true,\"size\":%llu,\"writes\":%s",
		    (unsigned long long)h.size, why ? "false" : "true");
	if (why)
		sl_buf_addf(&rs->body, ",\"reason\":\"%s\"", why);
	sl_buf_addstr(&rs->body, "}\n");
	rs->status = 200;
	return 0;
}

static int do_metrics(struct sl_http_server *srv, const struct sl_http_request *rq,
		      struct sl_http_response *rs)
{
	struct sl_error err = { 0 };
	struct sl_head h;
	int e;

	if (!check_args(rq, NULL, rs))
		return 0;
	if ((e = sl_ledger_head(srv->ledger, &h, &err)) < 0 ||
	    (srv->tokens && (e = replica_check(srv, &err)) < 0))
		return lib_error(rs, &err, e);
	sl_http_metrics_write(&rs->body, srv->metrics, &h);
	{
		const char *why = sl_http_writes_refused(srv);
		sl_buf_addstr(&rs->body,
			      "# HELP stateledger_writable Whether the server takes appends now (1) or"
			      " not (0, with the reason).\n# TYPE stateledger_writable gauge\n");
		if (why)
			sl_buf_addf(&rs->body, "stateledger_writable{reason=\"%s\"} 0\n", why);
		else
			sl_buf_addstr(&rs->body, "stateledger_writable 1\n");
	}
	rs->content_type = "text/plain; version=0.0.4; charset=utf-8";
	rs->status = 200;
	return 0;
}



static int is_ndjson_type(const char *ct)
{
	size_t n;

	if (!ct)
		return 0;
	n = strcspn(ct, "; \t");
	return (n == 20 && strncasecmp(ct, "application/x-ndjson", 20) == 0) ||
	       (n == 16 && strncasecmp(ct, "application/json", 16) == 0);
}

/*
 * What refuses an append from its headers alone, in the order a client
 * learns of it: a read-only server, no or a bad token, a query, the media
 * type.  1 with the answer made.
 */
static int append_refused(const struct sl_http_server *srv, const struct sl_http_request *rq,
			  struct sl_http_response *rs)
{
	const char *tok;
	size_t tlen;

	if (!srv->tokens) {
		sl_http_error(rs, 403, "read_only", "this server does not take writes");
		return 1;
	}
	if (!rq->authorization || sl_http_bearer(rq->authorization, &tok, &tlen) < 0) {
		sl_http_error(rs, 401, "unauthorized", "a bearer token is required");
		rs->www_authenticate = 1;
		return 1;
	}
	if (!sl_http_token_ok(srv->tokens, tok, tlen)) {
		sl_http_error(rs, 401, "unauthorized", "the bearer token is not valid");
		rs->www_authenticate = 1;
		return 1;
	}
	if (!check_args(rq, NULL, rs))
		return 1;
	if (!is_ndjson_type(rq->content_type)) {
		sl_http_error(rs, 415, "unsupported_media_type",
			      "send entries as application/x-ndjson");
		return 1;
	}
	return 0;
}

int sl_http_refuse_early(const struct sl_http_server *srv, const struct sl_http_request *rq,
			 struct sl_http_response *rs)
{
	const char *allowed;
	uint64_t seq;

	if (strcmp(rq->method, "POST") != 0)
		return 0;
	rs->route = sl_http_route(rq->method, rq->path, &seq, &allowed);
	if (rs->route == SL_ROUTE_APPEND)
		return append_refused(srv, rq, rs);
	/* No other path takes a POST: 405 or 404, as sl_http_handle() says. */
	if (allowed) {
		sl_http_error(rs, 405, "method_not_allowed", "the path does not take this method");
		rs->allow = allowed;
	} else {
		sl_http_error(rs, 404, "not_found", "no such path");
	}
	return 1;
}

static int do_append(struct sl_http_server *srv, const struct sl_http_request *rq,
		     struct sl_http_response *rs)
{
	struct sl_error err = { 0 };
	struct sl_batch b;
	struct sl_receipt *rc = NULL;
	struct sl_head h;
	size_t i;
	int e, nd = sl_http_wants_ndjson(rq->accept);

	if (append_refused(srv, rq, rs))
		return 0;
	if (rq->body_len > srv->max_body) {
		sl_http_error(rs, 413, "payload_too_large", "the body is larger than the server takes");
		return 0;
	}
	if ((e = sl_ledger_head(srv->ledger, &h, &err)) < 0)
		return lib_error(rs, &err, e);
	sl_batch_init(&b);
	if ((e = sl_http_parse_body(&b, rq->body, rq->body_len, h.size, &err)) < 0) {
		sl_batch_release(&b);
		if (e == SL_EINVAL) {
			char msg[SL_ERR_MSG + SL_ERR_MEMBER + 96];
			char m2[SL_ERR_MSG + SL_ERR_MEMBER + 64];
			snprintf(msg, sizeof(msg), "%s (nothing was appended)",
				 sl_error_format(&err, m2, sizeof(m2)));
			sl_http_error(rs, 400, "invalid_entry", msg);
			return 0;
		}
		return lib_error(rs, &err, e);
	}
	if (b.n == 0) {
		sl_batch_release(&b);
		return bad_request(rs, "the body holds no entry");
	}
	if (!(rc = calloc(b.n, sizeof(*rc)))) {
		sl_batch_release(&b);
		return lib_error(rs, &err, SL_ENOMEM);
	}
	e = sl_ledger_append(srv->ledger, &b, rc, &err);
	/*
	 * Why writes fail, for /ready: set by a full disk, a read-only store or
	 * a replica's, cleared by a success.
	 */
	if (srv->metrics && (e == 0 || e == SL_ENOSPACE || e == SL_EACCES || e == SL_EREPLICA))
		__atomic_store_n(&srv->metrics->write_fault,
				 e == SL_ENOSPACE ? SL_HTTP_FAULT_DISK_FULL
				 : e == SL_EACCES ? SL_HTTP_FAULT_READ_ONLY
				 : e == SL_EREPLICA ? SL_HTTP_FAULT_REPLICA : 0,
				 __ATOMIC_RELAXED);
	if (e < 0) {
		free(rc);
		sl_batch_release(&b);
		if (e == SL_EINVAL) {
			char m2[SL_ERR_MSG + SL_ERR_MEMBER + 64];
			sl_http_error(rs, 400, "invalid_entry", sl_error_format(&err, m2, sizeof(m2)));
			return 0;
		}
		return lib_error(rs, &err, e);
	}
	if (srv->metrics)
		__atomic_fetch_add(&srv->metrics->appended, b.n, __ATOMIC_RELAXED);
	if (!nd)
		sl_buf_addstr(&rs->body, "{\"receipts\":[");
	for (i = 0; i < b.n; i++) {
		char hex[SL_HEX_LEN + 1];

		if (!nd && i)
			sl_buf_addch(&rs->body, ',');
		sl_hex_encode(hex, rc[i].leaf, SL_HASH_LEN);
		sl_buf_add(&rs->body, "{\"seq\":", 7);
		sl_buf_addu64(&rs->body, rc[i].seq);
		sl_buf_add(&rs->body, ",\"ts\":\"", 7);
		sl_buf_add(&rs->body, rc[i].ts, SL_TS_LEN);
		sl_buf_add(&rs->body, "\",\"leaf_hash\":\"", 15);
		sl_buf_add(&rs->body, hex, SL_HEX_LEN);
		sl_buf_add(&rs->body, "\"}", 2);
		if (nd)
			sl_buf_addch(&rs->body, '\n');
	}
	if (!nd)
		sl_buf_addstr(&rs->body, "]}\n");
	else
		rs->content_type = "application/x-ndjson";
	free(rc);
	sl_batch_release(&b);
	rs->status = 200;
	return 0;
}

int sl_http_handle(struct sl_http_server *srv, const struct sl_http_request *rq,
		   struct sl_http_response *rs)
{
	const char *allowed;
	uint64_t seq = 0;
	int e;

	rs->route = sl_http_route(rq->method, rq->path, &seq, &allowed);
	switch (rs->route) {
	case SL_ROUTE_HEALTH: e = do_health(srv, rq, rs); break;
	case SL_ROUTE_READY: e = do_ready(srv, rq, rs); break;
	case SL_ROUTE_ENTRIES: e = do_entries(srv, rq, rs); break;
	case SL_ROUTE_APPEND: e = do_append(srv, rq, rs); break;
	case SL_ROUTE_ENTRY: e = do_entry(srv, seq, rq, rs); break;
	case SL_ROUTE_CHECKPOINT: e = do_checkpoint(srv, rq, rs); break;
	case SL_ROUTE_INCLUSION: e = do_inclusion(srv, rq, rs); break;
	case SL_ROUTE_CONSISTENCY: e = do_consistency(srv, rq, rs); break;
	case SL_ROUTE_SNAPSHOT: e = do_snapshot(srv, rq, rs); break;
	case SL_ROUTE_DIFF: e = do_diff(srv, rq, rs); break;
	case SL_ROUTE_VERIFY: e = do_verify(srv, rq, rs); break;
	case SL_ROUTE_METRICS: e = do_metrics(srv, rq, rs); break;
	case SL_ROUTE_TLOG_CHECKPOINT:
	case SL_ROUTE_TILE:
	case SL_ROUTE_TILE_ENTRIES: e = sl_http_tiles_handle(srv, rq, rs); break;
	case SL_ROUTE_PAGE:
	case SL_ROUTE_HEAD:
	case SL_ROUTE_SOURCES:
	case SL_ROUTE_CONTENT: e = sl_http_ui_handle(srv, rs->route, seq, rq, rs); break;
	default:
		if (allowed) {
			sl_http_error(rs, 405, "method_not_allowed", "the path does not take this method");
			rs->allow = allowed;
		} else {
			sl_http_error(rs, 404, "not_found", "no such path");
		}
		e = 0;
		break;
	}
	if (e == 0 && (sl_buf_ok(&rs->body) || sl_buf_ok(&rs->link))) {
		/* An answer that could not be built whole is not sent in part. */
		sl_buf_release(&rs->body);
		sl_buf_release(&rs->link);
		sl_http_error(rs, 503, "out_of_memory", "out of memory; retry later");
		rs->retry_after = 1;
		if (sl_buf_ok(&rs->body))
			return SL_ENOMEM;
	}
	return e;
}
