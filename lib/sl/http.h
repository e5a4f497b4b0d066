// SPDX-License-Identifier: MIT
/*
 * The HTTP API of sl-httpd, apart from the HTTP server library.  One
 * header, several rooms: lib/http-parse.c parses what a client sends (the
 * framing of a request, the query string, Accept, the bearer token, the
 * NDJSON body of an append, a tile path); lib/http-token.c keeps the
 * write tokens; lib/http-metrics.c the counters; lib/http-log.c writes the
 * access log line; lib/http.c routes and answers; lib/http-tiles.c answers
 * the C2SP tlog-tiles resources (/checkpoint, /tile/...).
 *
 * cmd/sl-httpd.c hands every request to sl_http_handle() as a struct
 * sl_http_request (method, decoded path, decoded query arguments, the few
 * headers that matter, the body) and sends back the struct
 * sl_http_response it gets.  Nothing here reads a file named by a
 * request: paths are matched against a fixed table of routes.
 *
 * The answers are the bytes the command-line programs print:
 * GET /v1/entries/{seq} is `sl-get SEQ`, the NDJSON form of /v1/entries
 * is `sl-log`, /v1/proof/... is `sl-prove`, /v1/snapshot is
 * `sl-snapshot`, the NDJSON form of /v1/diff is `sl-diff --from --to`,
 * /v1/verify is `sl-verify` and the NDJSON receipts of POST /v1/entries
 * are `sl-append`'s.  doc/sl-httpd-api.7 is the reference.
 */
#ifndef SL_HTTP_H
#define SL_HTTP_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/hash.h"

struct sl_ledger;

/* Routes, also the `route` label of the metrics. */
enum sl_http_route {
	SL_ROUTE_UNKNOWN = 0,
	SL_ROUTE_HEALTH,
	SL_ROUTE_READY,
	SL_ROUTE_ENTRIES,     /* GET /v1/entries */
	SL_ROUTE_APPEND,      /* POST /v1/entries */
	SL_ROUTE_ENTRY,       /* GET /v1/entries/{seq} */
	SL_ROUTE_CHECKPOINT,
	SL_ROUTE_INCLUSION,
	SL_ROUTE_CONSISTENCY,
	SL_ROUTE_SNAPSHOT,
	SL_ROUTE_DIFF,
	SL_ROUTE_VERIFY,
	SL_ROUTE_METRICS,
	SL_ROUTE_TLOG_CHECKPOINT, /* GET /checkpoint (tlog-tiles, lib/http-tiles.c) */
	SL_ROUTE_TILE,            /* GET /tile/<L>/<N>[.p/<W>] */
	SL_ROUTE_TILE_ENTRIES,    /* GET /tile/entries/<N>[.p/<W>] */
	SL_ROUTE_PAGE,        /* GET / and its files (lib/http-ui.c) */
	SL_ROUTE_HEAD,        /* GET /v1/head (lib/http-ui.c) */
	SL_ROUTE_SOURCES,     /* GET /v1/sources (lib/http-ui.c) */
	SL_ROUTE_CONTENT,     /* GET /v1/entries/{seq}/content (lib/http-ui.c) */
	SL_ROUTE_COUNT
};

/* The route's name for the metrics ("/v1/entries/{seq}", "unknown"); never NULL. */
const char *sl_http_route_name(int route);

/*
 * Match a decoded request path (no query) and method to a route.  *seq is
 * set for SL_ROUTE_ENTRY.  Returns the route, SL_ROUTE_UNKNOWN for a path
 * no route has; *allowed is set to the methods the path allows
 * ("GET, HEAD" or "GET, HEAD, POST") when the path is known, so that a
 * known path with another method is a 405, not a 404.
 */
int sl_http_route(const char *method, const char *path, uint64_t *seq, const char **allowed);

#define SL_HTTP_ARGS_MAX 16
struct sl_http_arg {
	const char *name;  /* decoded, NUL-terminated; owned by the caller */
	const char *value; /* decoded; NULL for "?name" without "=" */
};

/*
 * Split a raw query string (what follows '?', without it) into decoded
 * arguments, in place: '&' separates arguments, the first '=' a name from
 * its value, "%XX" and '+' (a space) are decoded.  An empty argument
 * ("a=1&&b=2") is skipped; "name" without '=' has a NULL value.  SL_EINVAL
 * for a malformed escape, an escaped NUL, an empty name or more than max
 * arguments; args[0..*n) point into qs.
 */
int sl_http_query_parse(char *qs, struct sl_http_arg *args, size_t max, size_t *n,
			struct sl_error *err) SL_WUR;

/*
 * Strict framing (lib/http-parse.c).  A header field as the server library
 * parsed it: name and value, NUL-terminated.
 */
struct sl_http_field {
	const char *name;
	const char *value;
};

/*
 * Check the framing of a request from its header fields and raw request
 * target (path and query, before any decoding), before its body is read.
 * SL_EINVAL, with a message for the answer and *status its HTTP status,
 * for: Content-Length with Transfer-Encoding; two Content-Length fields
 * that differ, or one that is not all digits (leading zeros are digits:
 * "00" is 0); more than one Transfer-Encoding field, or one that is
 * empty or names chunked twice (400); one that is anything but exactly
 * "chunked", in any case (501: the only coding read); a field name that
 * is not an RFC 9110 token (so a space or tab before the colon); a
 * control byte in a field value other than a tab; a control byte (raw,
 * or escaped as %00-%1F or %7F) in the path.  *status is 400 but for an
 * unknown transfer coding.  The caller answers and closes the connection:
 * a request framed in two ways must not be read in either.
 */
int sl_http_frame_check(const char *target, const struct sl_http_field *f, size_t n,
			int *status, struct sl_error *err) SL_WUR;

/*
 * A C2SP tlog-tiles path (lib/http-parse.c), what follows "/tile/":
 * "<L>/<N>[.p/<W>]" or "entries/<N>[.p/<W>]".  L is 0..63 without a
 * leading zero; N is zero-padded 3-digit elements, all but the last
 * prefixed with 'x', with no leading "x000" element (one spelling for each
 * N: sl_tile_path's); W is 1..255 without a leading zero.  0 with *level
 * (-1 for entries, SL_TILE_ENTRIES), *n and *w (256 for a full tile) set;
 * SL_EINVAL for anything else.  Nothing here touches a file.
 */
int sl_http_tile_parse(const char *path, int *level, uint64_t *n, unsigned *w) SL_WUR;

/*
 * The tlog-tiles routes (lib/http-tiles.c): the route of path when it is
 * one of /checkpoint, /tile/... (a well-formed tile path, else
 * SL_ROUTE_UNKNOWN), with *allowed as sl_http_route() sets it.
 */
int sl_http_tiles_route(const char *method, const char *path, const char **allowed);

struct sl_http_request {
	const char *method;        /* "GET", "HEAD", "POST", ... */
	const char *path;          /* decoded path, without the query */
	const struct sl_http_arg *args;
	size_t nargs;
	const char *accept;        /* Accept header or NULL */
	const char *authorization; /* Authorization header or NULL */
	const char *content_type;  /* Content-Type header or NULL */
	const char *body;          /* the request body (POST), may be NULL when body_len is 0 */
	size_t body_len;
};

struct sl_http_response {
	int status;                /* HTTP status code */
	int route;                 /* the route matched, for the metrics */
	const char *content_type;  /* a static string */
	struct sl_buf body;
	const char *allow;         /* Allow header for 405, else NULL */
	int www_authenticate;      /* send WWW-Authenticate: Bearer (401) */
	int retry_after;           /* seconds for Retry-After (503), 0 = none */
	struct sl_buf link;        /* Link header value ("<...>; rel=\"next\""), "" = none */
	long long age;             /* seconds for Age (an answer kept from before), -1 = none */
	const char *cache_control; /* a static string for Cache-Control, NULL = none */
	int page;                  /* a file of the page: send its Content-Security-Policy */
};

void sl_http_response_init(struct sl_http_response *rs);
void sl_http_response_release(struct sl_http_response *rs);

/*
 * Write tokens: a token file holds one token hash a line, 64 lowercase hex
 * digits of SHA-256 of the token, optionally followed by white space and a
 * label (so `printf %s TOKEN | sha256sum` writes a valid line); lines that
 * are empty or start with '#' are skipped.  The tokens themselves are
 * never stored.
 */
#define SL_HTTP_TOKENS_MAX 1024
struct sl_http_tokens {
	size_t n;
	unsigned char hash[SL_HTTP_TOKENS_MAX][SL_HASH_LEN];
};

/* Parse a token file's text; SL_EINVAL naming the line, or when it holds no token. */
int sl_http_tokens_parse(struct sl_http_tokens *t, const char *text, size_t len,
			 struct sl_error *err) SL_WUR;

/*
 * The token of an "Authorization: Bearer TOKEN" header value: the scheme
 * case-insensitively, one or more spaces, then a token68 (RFC 6750).
 * 0 with *tok and *len set, SL_EINVAL when the value is not of that form.
 */
int sl_http_bearer(const char *value, const char **tok, size_t *len) SL_WUR;

/*
 * 1 when SHA-256 of tok matches one of the stored hashes, else 0.  Every
 * stored hash is compared, in time that does not depend on where or
 * whether the hashes differ.
 */
int sl_http_token_ok(const struct sl_http_tokens *t, const char *tok, size_t len);

/*
 * The id of a token in the access log: the first 8 bytes of its SHA-256 as
 * 16 lowercase hex digits (the start of its line in the token file), so a
 * log line names the token without holding it.  out gets 17 bytes.
 */
#define SL_HTTP_TOKEN_ID_LEN 16
void sl_http_token_id(char out[SL_HTTP_TOKEN_ID_LEN + 1], const char *tok, size_t len);

/* 1 when the Accept value asks for application/x-ndjson (q > 0), else 0. */
int sl_http_wants_ndjson(const char *accept);

/*
 * Metrics: counters kept in memory the caller provides (sl-httpd maps it
 * shared between its worker processes), updated with atomic operations.
 */
#define SL_HTTP_BUCKETS 14
#define SL_HTTP_STATUSES 19
struct sl_http_metrics {
	uint64_t requests[SL_ROUTE_COUNT][SL_HTTP_STATUSES];
	uint64_t latency[SL_ROUTE_COUNT][SL_HTTP_BUCKETS + 1]; /* last: +Inf */
	uint64_t latency_sum_us[SL_ROUTE_COUNT];
	uint64_t appended;
	uint64_t in_flight; /* requests begun and not yet answered (kept by the server) */
	uint64_t cut;       /* connections closed past the request deadline (kept by the server) */
	uint64_t verifications; /* whole-ledger verifications run for /v1/verify */
	unsigned write_fault;   /* SL_HTTP_FAULT_...: why the last append failed, 0 once one succeeds */
};

/*
 * The access log (lib/http-log.c): one JSON object a request, ended by a
 * newline, appended to out.  Strings that are not UTF-8 are replaced, never
 * written broken; a NULL string is left out.
 */
struct sl_http_access {
	int64_t time_us;     /* when the answer was sent, microseconds since the epoch */
	const char *remote;  /* "ADDR:PORT", "[ADDR]:PORT" or NULL */
	const char *method;
	const char *target;  /* the raw request target; written with its query values redacted */
	int status;
	uint64_t bytes;      /* bytes of the answer's body */
	uint64_t usec;       /* from the request line to the answer */
	const char *token;   /* the token's id (sl_http_token_id) on a write, or NULL */
};
void sl_http_access_line(struct sl_buf *out, const struct sl_http_access *a);

/* Write the metrics in Prometheus' text form; h is the ledger's head. */
struct sl_head;
void sl_http_metrics_write(struct sl_buf *o, struct sl_http_metrics *m, const struct sl_head *h);

#define SL_HTTP_FAULT_DISK_FULL 1
#define SL_HTTP_FAULT_READ_ONLY 2
#define SL_HTTP_FAULT_REPLICA 3 /* the store is a replica (a standby): asked up front by /ready */

/* Count one answered request of `route` with `status` that took usec microseconds. */
void sl_http_metrics_observe(struct sl_http_metrics *m, int route, int status, uint64_t usec);

/*
 * Everything the server needs to answer: the ledger (opened read-write
 * only when tokens is not NULL), the write tokens (NULL: read-only, every
 * POST is refused), the metrics (may be NULL) and the limits.
 */
/*
 * The answer of the last /v1/verify, kept with the state it verified (the
 * head and the newest checkpoint), so that a GET at the same state is
 * answered from it and a verification of the whole ledger runs once per
 * state, one at a time (the lock is held while it runs).  One per
 * process; the threads share it.
 */
struct sl_http_verify_cache {
	pthread_mutex_t lock;
	int valid;
	unsigned char key[SL_HASH_LEN];
	int64_t at; /* when it was verified, microseconds since the epoch */
	struct sl_buf body;
};
void sl_http_verify_cache_init(struct sl_http_verify_cache *vc);
void sl_http_verify_cache_release(struct sl_http_verify_cache *vc);

struct sl_http_ui;
struct sl_http_server {
	struct sl_ledger *ledger;
	const struct sl_http_ui *ui; /* the page's files (lib/http-ui.c), NULL: no page */
	struct sl_http_verify_cache *verify_cache; /* NULL: every /v1/verify verifies afresh */
	const struct sl_http_tokens *tokens;
	struct sl_http_metrics *metrics;
	size_t max_body;       /* largest POST body accepted, bytes */
	unsigned default_limit; /* entries per page without ?limit= */
	unsigned max_limit;     /* largest ?limit= */
};

#define SL_HTTP_DEFAULT_LIMIT 100
#define SL_HTTP_MAX_LIMIT 1000
#define SL_HTTP_MAX_BODY (4u << 20)

/*
 * Answer one request into rs (initialised by the caller).  Every outcome,
 * errors included, is an answer: the status and a body
 * {"error":{"code":CODE,"message":MSG}}; the return value is 0, or
 * SL_ENOMEM when not even an answer could be made (send a bare 500).
 */
int sl_http_handle(struct sl_http_server *srv, const struct sl_http_request *rq,
		   struct sl_http_response *rs) SL_WUR;

/*
 * Answer a request of a tlog-tiles route (rs->route set by the router) as
 * sl_http_handle() does; served from the newest checkpoint, see
 * lib/http-tiles.c.
 */
int sl_http_tiles_handle(struct sl_http_server *srv, const struct sl_http_request *rq,
			 struct sl_http_response *rs) SL_WUR;

/*
 * A POST that will be refused whatever its body holds: to a path that
 * takes none (405, 404), to a read-only server (403), without a valid
 * token (401), with a query (400) or another media type (415).  1 with the
 * refusal in rs, 0 when the body is to be read.  Needs no ledger
 * (srv->ledger may be NULL), so a server answers from the headers alone
 * and never buffers a body it will not take.
 */
int sl_http_refuse_early(const struct sl_http_server *srv, const struct sl_http_request *rq,
			 struct sl_http_response *rs);

/*
 * Why the server cannot take writes now, or NULL when it can:
 * "read_only_server" (no tokens), "disk_full" or "store_read_only" (the
 * store, asked without writing, says so: a file system remounted
 * read-only, or full; or the last append failed so, which holds until an
 * append succeeds), or "store_replica" (the store is a hot standby:
 * /ready and /metrics ask it before any write, and a promotion clears
 * it).  /ready and /metrics say it.
 */
const char *sl_http_writes_refused(const struct sl_http_server *srv);

/* Fill rs with an error answer (status, code, message). */
void sl_http_error(struct sl_http_response *rs, int status, const char *code, const char *msg);

/*
 * Parse an append body (NDJSON lines, blank lines skipped) into b exactly
 * as sl-append does; seq_hint is the ledger's size.  SL_EINVAL with
 * err->line naming the first bad line; nothing is appended here.
 */
struct sl_batch;
int sl_http_parse_body(struct sl_batch *b, const char *body, size_t len, uint64_t seq_hint,
		       struct sl_error *err) SL_WUR;

/*
 * The page (lib/http-ui.c): GET / and the few files it loads, from a list
 * compiled in, read once at start-up from a directory (the installed
 * share/stateledger/www), never from a path a request names.
 */
#define SL_HTTP_UI_FILES 3
struct sl_http_ui {
	struct sl_buf body[SL_HTTP_UI_FILES];
};

/* The Content-Security-Policy sent with the page's files. */
#define SL_HTTP_UI_CSP "default-src 'self'; script-src 'self'; style-src 'self'; " \
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; " \
	"form-action 'self'; frame-ancestors 'none'"

/*
 * Read the page's files from dir.  SL_ENOTFOUND (naming the file) when one
 * is missing, SL_EIO when one cannot be read, SL_ENOMEM; on failure ui
 * holds nothing and the page is answered 404.
 */
int sl_http_ui_load(struct sl_http_ui *ui, const char *dir, struct sl_error *err) SL_WUR;
void sl_http_ui_release(struct sl_http_ui *ui);

/*
 * The route of the page's paths, /v1/head, /v1/sources and
 * /v1/entries/{seq}/content (*seq set), else SL_ROUTE_UNKNOWN (*allowed as
 * sl_http_route).
 */
int sl_http_ui_route(const char *method, const char *path, uint64_t *seq, const char **allowed);

/* Answer SL_ROUTE_PAGE, _HEAD, _SOURCES or _CONTENT (of entry seq); as sl_http_handle. */
int sl_http_ui_handle(struct sl_http_server *srv, int route, uint64_t seq,
		      const struct sl_http_request *rq, struct sl_http_response *rs) SL_WUR;

#endif
