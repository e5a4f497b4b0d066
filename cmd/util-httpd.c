// SPDX-License-Identifier: MIT
/*
 * The HTTP server of sl-httpd and sl-witness, through libmicrohttpd: see
 * util-httpd.h.  The API a program answers is its own (lib/http.c,
 * lib/witness.c); this file is the glue: sockets, workers, signals,
 * bounds and deadlines, framing checks and the access log.
 */
#include <getopt.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "util.h"
#include "util-serve.h"
#include "util-httpd.h"

struct sl_httpd_options sl_httpd_opt = {
	1, 0, 1024, SL_HTTPD_DEFAULT_PER_IP, 30, 60, 30, 16384, SL_HTTP_MAX_BODY, SL_HTTPD_POOL, 0, 1,
	SL_ROUTE_UNKNOWN,
};

static const struct sl_httpd_hooks *hooks;
static struct sl_http_metrics *metrics;
static unsigned long inflight;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}


/*
 * The whole-request deadline (--request-timeout).  libmicrohttpd bounds
 * only idleness (--timeout): a client that sends a byte of its request
 * now and then, or takes its answer a byte at a time, would keep its
 * connection for ever.  So each connection has a deadline while it waits
 * for a request to arrive whole (counted from the connection's start or
 * the end of its previous request) and while its answer is being sent;
 * none while the handler works.  A watchdog thread shuts down the socket
 * of a connection past its deadline, and libmicrohttpd then closes it as
 * it would for a client that went away.  The socket is only shut down
 * under conns_lock, and a connection leaves the list (on libmicrohttpd's
 * "closed" notice) before libmicrohttpd closes its socket, so the
 * watchdog never touches a descriptor that was reused.
 */
struct conn {
	struct conn *prev, *next;
	int fd;
	int cut;
	uint64_t deadline; /* now_us() clock; 0: no deadline (the handler works) */
};

static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn conns = { &conns, &conns, -1, 0, 0 };
static int watchdog_stop;
static pthread_t watchdog;
static int watchdog_running;

static void conn_deadline(struct MHD_Connection *c, int on)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn *k = ci ? ci->socket_context : NULL;

	if (k)
		__atomic_store_n(&k->deadline,
				 on ? now_us() + (uint64_t)sl_httpd_opt.request_timeout * 1000000u : 0,
				 __ATOMIC_RELAXED);
}

static void *watch(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&watchdog_stop, __ATOMIC_RELAXED)) {
		struct timespec ts = { 0, 200000000 };
		uint64_t now = now_us();
		struct conn *k;

		pthread_mutex_lock(&conns_lock);
		for (k = conns.next; k != &conns; k = k->next) {
			uint64_t d = __atomic_load_n(&k->deadline, __ATOMIC_RELAXED);
			if (d && now > d && !k->cut) {
				shutdown(k->fd, SHUT_RDWR);
				k->cut = 1;
				if (metrics)
					__atomic_fetch_add(&metrics->cut, 1, __ATOMIC_RELAXED);
			}
		}
		pthread_mutex_unlock(&conns_lock);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

static void conn_notify(void *cls, struct MHD_Connection *c, void **socket_context,
			enum MHD_ConnectionNotificationCode toe)
{
	struct conn *k = *socket_context;

	(void)cls;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		if (!ci || !(k = calloc(1, sizeof(*k))))
			return; /* no deadline for this one; the idle timeout still holds */
		k->fd = ci->connect_fd;
		k->deadline = now_us() + (uint64_t)sl_httpd_opt.request_timeout * 1000000u;
		pthread_mutex_lock(&conns_lock);
		k->next = &conns;
		k->prev = conns.prev;
		conns.prev->next = k;
		conns.prev = k;
		pthread_mutex_unlock(&conns_lock);
		*socket_context = k;
		return;
	}
	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (k) {
			pthread_mutex_lock(&conns_lock);
			k->prev->next = k->next;
			k->next->prev = k->prev;
			pthread_mutex_unlock(&conns_lock);
			free(k);
			*socket_context = NULL;
		}
		/* The one connection of inetd mode has closed: wake the main thread. */
		if (cls)
			kill(getpid(), SIGUSR1);
	}
}

/*
 * What a request keeps between the calls of the handler: made when its
 * request line arrives (MHD's URI log callback), freed when it completes.
 */
struct req {
	uint64_t start;
	struct sl_buf body;
	int started, too_big, logged;
	const char *method; /* libmicrohttpd's, alive as long as the request */
	const char *raw;    /* libmicrohttpd's raw target, in its header block (hidden_nul) */
	char token[SL_HTTP_TOKEN_ID_LEN + 1]; /* the id of a write's token, "" for none */
	char uri[]; /* the raw request target, query string included */
};

static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	size_t n = uri ? strlen(uri) : 0;
	struct req *pr = malloc(sizeof(*pr) + n + 1);

	(void)cls;
	(void)c;
	if (!pr)
		return NULL;
	pr->start = now_us();
	sl_buf_init(&pr->body);
	pr->started = pr->too_big = pr->logged = 0;
	pr->method = NULL;
	pr->raw = uri;
	pr->token[0] = '\0';
	memcpy(pr->uri, uri ? uri : "", n + 1);
	__atomic_fetch_add(&inflight, 1, __ATOMIC_SEQ_CST);
	if (metrics)
		__atomic_fetch_add(&metrics->in_flight, 1, __ATOMIC_RELAXED);
	return pr;
}

/* The client's address as "ADDR:PORT" ("[ADDR]:PORT" for IPv6); "" when it has none. */
static void remote_of(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	const struct sockaddr *sa = ci ? ci->client_addr : NULL;
	socklen_t len;

	out[0] = '\0';
	if (!sa || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return;
	len = sa->sa_family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	snprintf(out, n, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, serv);
}

/*
 * One access log line on stderr, in one write(2) so that the lines of
 * threads and workers never mix.  A log that cannot be written (a full
 * pipe, a closed stderr) loses the line, never the answer.
 */
static void access_log(struct MHD_Connection *c, struct req *pr, int status, size_t bytes)
{
	struct sl_http_access a = { 0 };
	struct sl_buf line = SL_BUF_INIT;
	char remote[NI_MAXHOST + NI_MAXSERV + 4];
	int64_t t;
	size_t off = 0;

	if (!pr)
		return;
	pr->logged = 1;
	if (!sl_httpd_opt.access_log)
		return;
	remote_of(c, remote, sizeof(remote));
	if (sl_time_now(&t) < 0)
		t = 0;
	a.time_us = t;
	a.remote = remote[0] ? remote : NULL;
	a.method = pr->method;
	a.target = pr->uri;
	a.status = status;
	a.bytes = bytes;
	a.usec = now_us() - pr->start;
	a.token = pr->token[0] ? pr->token : NULL;
	sl_http_access_line(&line, &a);
	while (sl_buf_ok(&line) == 0 && off < line.len) {
		ssize_t w = write(STDERR_FILENO, line.buf + off, line.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	sl_buf_release(&line);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, struct sl_http_response *rs,
				   struct req *pr)
{
	uint64_t start = pr->start;
	struct MHD_Response *r;
	enum MHD_Result ok;
	size_t len;
	char *body = sl_buf_detach(&rs->body, &len);
	char ra[24];

	if (!body)
		return MHD_NO;
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rs->content_type);
	if (rs->link.len)
		MHD_add_response_header(r, "Link", rs->link.buf);
	if (rs->page) {
		MHD_add_response_header(r, "Content-Security-Policy", SL_HTTP_UI_CSP);
		MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
		MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	}
	if (rs->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rs->allow);
	if (rs->www_authenticate)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	if (rs->cache_control)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, rs->cache_control);
	if (rs->age >= 0) {
		snprintf(ra, sizeof(ra), "%lld", rs->age);
		MHD_add_response_header(r, MHD_HTTP_HEADER_AGE, ra);
	}
	if (rs->retry_after) {
		snprintf(ra, sizeof(ra), "%d", rs->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	ok = MHD_queue_response(c, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	sl_http_metrics_observe(metrics, rs->route, rs->status, now_us() - start);
	access_log(c, pr, rs->status, len);
	sl_http_response_release(rs);
	return ok;
}

static enum MHD_Result quick_error(struct MHD_Connection *c, int status, const char *code,
				   const char *msg, int route, struct req *pr)
{
	struct sl_http_response rs;

	sl_http_response_init(&rs);
	rs.route = route;
	sl_http_error(&rs, status, code, msg);
	return send_answer(c, &rs, pr);
}

#define MAX_HEADERS 64

static enum MHD_Result answer(struct MHD_Connection *c, const char *url, const char *method,
			      struct req *pr);

/* An answer before the body: the client has its deadline afresh to take it. */
static enum MHD_Result early_error(struct MHD_Connection *c, int status, const char *code,
				   const char *msg, int route, struct req *pr)
{
	conn_deadline(c, 1);
	return quick_error(c, status, code, msg, route, pr);
}

/* The header fields of a request, as libmicrohttpd parsed them (at most MAX_HEADERS + 1). */
struct fields {
	struct sl_http_field f[MAX_HEADERS + 1];
	size_t n;
};

static enum MHD_Result field_seen(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	struct fields *fs = cls;

	(void)kind;
	if (fs->n == MAX_HEADERS + 1)
		return MHD_NO;
	fs->f[fs->n].name = key;
	fs->f[fs->n].value = value;
	fs->n++;
	return MHD_YES;
}

/*
 * The query arguments of pr's target, parsed strictly (lib/http-parse.c),
 * not by MHD; on a copy (*qs, the caller frees it after using args), since
 * parsing decodes in place and the access log names the target as sent.
 * 0, SL_ENOMEM, or SL_EINVAL with err set.
 */
static int query_of(const struct req *pr, struct sl_http_arg *args, size_t *nargs, char **qs,
		    struct sl_error *err)
{
	const char *q = strchr(pr->uri, '?');

	*nargs = 0;
	*qs = NULL;
	if (!q)
		return 0;
	if (!(*qs = strdup(q + 1)))
		return SL_ENOMEM;
	return sl_http_query_parse(*qs, args, SL_HTTP_ARGS_MAX, nargs, err);
}

/* The answer when query_of() failed. */
static enum MHD_Result query_error(struct MHD_Connection *c, int e, const struct sl_error *err,
				   struct req *pr)
{
	conn_deadline(c, 1);
	if (e == SL_ENOMEM)
		return quick_error(c, 503, "out_of_memory", "out of memory; retry later",
				   SL_ROUTE_UNKNOWN, pr);
	return quick_error(c, 400, "bad_request", err->msg, SL_ROUTE_UNKNOWN, pr);
}

/*
 * The request on c as a program reads it: method, path, the query
 * arguments (into args, parsed from the copy *qs, which the caller frees
 * whatever happened; query_of's return) and the headers that matter.
 */
static int request_of(struct MHD_Connection *c, const char *url, const char *method,
		      const struct req *pr, struct sl_http_request *rq, struct sl_http_arg *args,
		      char **qs, struct sl_error *err)
{
	size_t nargs;
	int e;

	if ((e = query_of(pr, args, &nargs, qs, err)) < 0)
		return e;
	rq->args = args;
	rq->nargs = nargs;
	rq->method = method;
	rq->path = url;
	rq->accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	rq->authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							MHD_HTTP_HEADER_AUTHORIZATION);
	rq->content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_CONTENT_TYPE);
	return 0;
}

/* The bytes [at, to) are n NULs, min <= n <= max, inside the block ending at end. */
static int nuls(uintptr_t at, uintptr_t to, uintptr_t end, size_t min, size_t max)
{
	if (to < at || to - at < min || to - at > max || to > end)
		return 0;
	for (; at < to; at++)
		if (*(const char *)at)
			return 0;
	return 1;
}

/*
 * A NUL byte the client sent in the request line or in a header field.
 * libmicrohttpd (0.9.75, Debian 12) hands these over as C strings, so a
 * NUL cuts them short: "GET /metrics\0.css" would be served as /metrics,
 * and no call of its API tells the length as sent (the _n calls measure
 * with strlen).  But it parses the header block in place: each line
 * ends in NULs (its CR and LF made NULs), a field's colon and the space
 * after the method are made NULs, and the strings it hands over (method,
 * raw target, version, then each field's name and value, in order) point
 * into that block, which is [method, method + REQUEST_HEADER_SIZE).  So
 * each string must be followed by just its terminator and the next one;
 * anything else between them is the rest of a string cut by a NUL, or a
 * field folded over lines (obs-fold, which RFC 9112 section 5.2 lets a
 * server refuse).  Every line must end alike, all in CRLF or all in LF:
 * a line of a lone NUL ends the block for libmicrohttpd, and "\n\0\n"
 * would otherwise pass for "\r\n\n" (not "\r\n\0\n" for "\r\n\r\n",
 * which leave the same bytes: the one case this cannot see).  1 for such
 * a request, 0 for a clean one.
 */
static int hidden_nul(struct MHD_Connection *c, const struct req *pr, const char *method,
		      const char *version, const struct fields *fs)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
	uintptr_t end, at;
	size_t i, eol = 0; /* 1: lines end in LF, 2: in CRLF; 0: not seen yet */

	if (!ci || !pr->raw)
		return 1;
	end = (uintptr_t)method + ci->header_size;
	/* The method, the NUL that was its space, maybe more spaces, the target. */
	at = (uintptr_t)method + strlen(method);
	if (!nuls(at, at + 1, end, 1, 1))
		return 1;
	for (at++; at < (uintptr_t)pr->raw && *(const char *)at == ' '; at++)
		;
	if (at != (uintptr_t)pr->raw)
		return 1;
	/* The target (its copy was taken before any decoding), a NUL, the version. */
	at += strlen(pr->uri);
	if (!nuls(at, (uintptr_t)version, end, 1, 1))
		return 1;
	at = (uintptr_t)version + strlen(version);
	for (i = 0; i < fs->n; i++) {
		const char *name = fs->f[i].name, *value = fs->f[i].value;

		/* The line's end (LF or CRLF), the name, the NUL that was the colon, OWS, the value. */
		if (!value || !nuls(at, (uintptr_t)name, end, eol ? eol : 1, eol ? eol : 2))
			return 1;
		eol = (uintptr_t)name - at;
		at = (uintptr_t)name + strlen(name);
		if (!nuls(at, at + 1, end, 1, 1))
			return 1;
		for (at++; at < (uintptr_t)value && (*(const char *)at == ' ' || *(const char *)at == '\t');
		     at++)
			;
		if (at != (uintptr_t)value)
			return 1;
		at += strlen(value);
	}
	/* The last line's end and the empty line's. */
	return !nuls(at, end, end, eol ? 2 * eol : 2, eol ? 2 * eol : 4) || (!eol && end - at == 3);
}

/*
 * A request answered from its headers, before any body is read: bad
 * framing (400), and a POST that will be refused whatever it carries
 * (lib: sl_http_refuse_early).  The answer queued now makes libmicrohttpd
 * close the connection instead of reading the body, so 40 clients
 * without a token cost no 40 bodies.  MHD_YES with *done 0: read on.
 */
static enum MHD_Result from_headers(struct MHD_Connection *c, const char *url, const char *method,
				    const char *version, struct req *pr, int *done)
{
	struct fields fs;
	struct sl_error err = { 0 };
	struct sl_http_request rq = { 0 };
	struct sl_http_response rs;
	const char *cl, *auth, *tok;
	size_t tlen;
	uint64_t n;
	int status;

	*done = 1;
	fs.n = 0;
	MHD_get_connection_values(c, MHD_HEADER_KIND, field_seen, &fs);
	if (fs.n > MAX_HEADERS)
		return early_error(c, 431, "headers_too_large", "too many header fields",
				   SL_ROUTE_UNKNOWN, pr);
	if (hidden_nul(c, pr, method, version, &fs))
		return early_error(c, 400, "bad_request",
				   "a NUL byte, a folded field or mixed line ends in the request head",
				   SL_ROUTE_UNKNOWN, pr);
	if (sl_http_frame_check(pr->uri, fs.f, fs.n, &status, &err) < 0)
		return early_error(c, status, status == 501 ? "not_implemented" : "bad_request",
				   err.msg, SL_ROUTE_UNKNOWN, pr);
	/* All digits now (sl_http_frame_check): "00" is 0, as RFC 9110 reads it. */
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (strcmp(method, "POST") != 0) {
		if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) ||
		    (cl && (sl_parse_u64(cl, UINT64_MAX, &n) < 0 || n != 0)))
			return early_error(c, 400, "bad_request", "only POST takes a body",
					   SL_ROUTE_UNKNOWN, pr);
		*done = 0;
		return MHD_YES;
	}
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth && sl_http_bearer(auth, &tok, &tlen) == 0)
		sl_http_token_id(pr->token, tok, tlen);
	if (cl && (sl_parse_u64(cl, UINT64_MAX, &n) < 0 || n > sl_httpd_opt.max_body))
		return early_error(c, 413, "payload_too_large",
				   "the body is larger than the server takes", sl_httpd_opt.body_route, pr);
	if (hooks->post_headers) {
		struct sl_http_arg args[SL_HTTP_ARGS_MAX];
		char *qs;
		int refused, e;

		if ((e = request_of(c, url, method, pr, &rq, args, &qs, &err)) < 0) {
			free(qs);
			return query_error(c, e, &err, pr);
		}
		sl_http_response_init(&rs);
		refused = hooks->post_headers(hooks->ctx, &rq, &rs);
		free(qs);
		if (refused) {
			conn_deadline(c, 1);
			return send_answer(c, &rs, pr);
		}
		sl_http_response_release(&rs);
	}
	*done = 0;
	return MHD_YES;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
			       const char *method, const char *version, const char *upload_data,
			       size_t *upload_data_size, void **con_cls)
{
	struct req *pr = *con_cls;
	enum MHD_Result r;

	(void)cls;
	if (!pr)
		return MHD_NO; /* out of memory when the request line came */
	if (!pr->started) {
		int done;
		pr->started = 1;
		pr->method = method;
		r = from_headers(c, url, method, version, pr, &done);
		if (done)
			return r;
		/*
		 * Answered on a later call: a response queued on the first
		 * call, before MHD has read the (even empty) body, closes the
		 * connection instead of keeping it alive.
		 */
		return MHD_YES;
	}
	if (*upload_data_size) {
		if (!pr->too_big && pr->body.len + *upload_data_size <= sl_httpd_opt.max_body)
			sl_buf_add(&pr->body, upload_data, *upload_data_size);
		else
			pr->too_big = 1;
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* The request is whole: no deadline while it is answered, a new one to send it. */
	conn_deadline(c, 0);
	r = answer(c, url, method, pr);
	conn_deadline(c, 1);
	return r;
}

/* Answer a request that has arrived whole, through the program's hook. */
static enum MHD_Result answer(struct MHD_Connection *c, const char *url, const char *method,
			      struct req *pr)
{
	struct sl_http_request rq = { 0 };
	struct sl_http_response rs;
	struct sl_http_arg args[SL_HTTP_ARGS_MAX];
	struct sl_error err = { 0 };
	char *qs;
	int e;

	if (pr->too_big)
		return quick_error(c, 413, "payload_too_large",
				   "the body is larger than the server takes", sl_httpd_opt.body_route,
				   pr);
	if (sl_buf_ok(&pr->body))
		return quick_error(c, 503, "out_of_memory", "out of memory; retry later",
				   sl_httpd_opt.body_route, pr);
	if ((e = request_of(c, url, method, pr, &rq, args, &qs, &err)) < 0) {
		free(qs);
		return query_error(c, e, &err, pr);
	}
	rq.body = pr->body.buf;
	rq.body_len = pr->body.len;
	sl_http_response_init(&rs);
	e = hooks->answer(hooks->ctx, &rq, &rs);
	free(qs);
	if (e < 0) {
		sl_http_response_release(&rs);
		return MHD_NO;
	}
	return send_answer(c, &rs, pr);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req *pr = *con_cls;

	(void)cls;
	/* The next request on this connection has its own time from now. */
	conn_deadline(c, 1);
	if (!pr)
		return;
	/*
	 * A request libmicrohttpd refused itself (a Content-Length that is
	 * not a number, a malformed chunk), or that it refused after the
	 * server's look at its headers, was never answered by the server:
	 * counted and logged here, with the status libmicrohttpd sent.
	 */
	if (!pr->logged && toe == MHD_REQUEST_TERMINATED_WITH_ERROR) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
		if (ci) {
			sl_http_metrics_observe(metrics, SL_ROUTE_UNKNOWN, (int)ci->http_status,
						now_us() - pr->start);
			access_log(c, pr, (int)ci->http_status, 0);
		}
	}
	sl_buf_release(&pr->body);
	free(pr);
	*con_cls = NULL;
	__atomic_fetch_sub(&inflight, 1, __ATOMIC_SEQ_CST);
	if (metrics)
		__atomic_fetch_sub(&metrics->in_flight, 1, __ATOMIC_RELAXED);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[1024];
	size_t n;

	(void)cls;
	/* Through the one message helper; libmicrohttpd ends its messages with a newline. */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	sl_note("%s", msg);
}

/* Ready: the start-up line on stderr (the port the kernel chose for :0), and systemd told. */
static void started(const char *where)
{
	char peri[48] = "no limit per address";

	if (sl_httpd_opt.per_ip)
		snprintf(peri, sizeof(peri), "at most %u connections per address", sl_httpd_opt.per_ip);
	sl_note("listening on %s (%u worker%s, %s)", where, sl_httpd_opt.workers, sl_httpd_opt.workers == 1 ? "" : "s",
		peri);
	sl_notify_ready(where);
}

/*
 * Run one daemon on fd (a listening socket, or with conn set the one
 * connection) until SIGTERM or SIGINT, or until the connection closes.
 * ready_fd, when >= 0, gets one byte once the daemon runs.
 */
static int serve(int fd, int conn, int ready_fd, const char *where)
{
	struct MHD_Daemon *d;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC;
	sigset_t set;
	int sig;
	uint64_t deadline;

	if (hooks->start)
		hooks->start(hooks->ctx);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (sl_httpd_opt.verbose)
		flags |= MHD_USE_ERROR_LOG;
	if (conn)
		flags |= MHD_USE_NO_LISTEN_SOCKET | MHD_USE_EPOLL;
	else if (sl_httpd_opt.mode == SL_HTTPD_THREAD)
		flags |= MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
	else
		flags |= MHD_USE_EPOLL;
	{
		struct MHD_OptionItem o[16];
		size_t n = 0;
#define OPT(k, v, p) (o[n].option = (k), o[n].value = (intptr_t)(v), o[n].ptr_value = (p), n++)
		OPT(MHD_OPTION_EXTERNAL_LOGGER, 0, NULL);
		o[n - 1].value = (intptr_t)mhd_log;
		if (!conn)
			OPT(MHD_OPTION_LISTEN_SOCKET, fd, NULL);
		OPT(MHD_OPTION_CONNECTION_LIMIT, sl_httpd_opt.max_conn, NULL);
		if (sl_httpd_opt.per_ip && !conn)
			OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, sl_httpd_opt.per_ip, NULL);
		OPT(MHD_OPTION_CONNECTION_TIMEOUT, sl_httpd_opt.timeout, NULL);
		OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, sl_httpd_opt.max_header, NULL);
		OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
		OPT(MHD_OPTION_NOTIFY_COMPLETED, 0, NULL);
		o[n - 1].value = (intptr_t)completed;
		OPT(MHD_OPTION_URI_LOG_CALLBACK, 0, NULL);
		o[n - 1].value = (intptr_t)uri_seen;
		OPT(MHD_OPTION_NOTIFY_CONNECTION, 0, conn ? (void *)&conns : NULL);
		o[n - 1].value = (intptr_t)conn_notify;
		if (sl_httpd_opt.mode == SL_HTTPD_POOL && !conn)
			OPT(MHD_OPTION_THREAD_POOL_SIZE, sl_httpd_opt.threads, NULL);
		OPT(MHD_OPTION_END, 0, NULL);
#undef OPT
		d = MHD_start_daemon(flags, 0, NULL, NULL, handler, NULL, MHD_OPTION_ARRAY, o,
				     MHD_OPTION_END);
	}
	if (!d)
		sl_die(SL_EXIT_TEMP, "unable to start the HTTP server on '%s'", where);
	if (pthread_create(&watchdog, NULL, watch, NULL) != 0)
		sl_die(SL_EXIT_TEMP, "unable to start the request watchdog");
	watchdog_running = 1;
	if (conn) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0) {
			memset(&ss, 0, sizeof(ss));
			ss.ss_family = AF_UNIX;
			len = sizeof(sa_family_t);
		}
		if (MHD_add_connection(d, fd, (struct sockaddr *)&ss, len) != MHD_YES)
			sl_die(SL_EXIT_TEMP, "unable to serve the connection on standard input");
	}
	if (ready_fd >= 0) {
		if (write(ready_fd, "r", 1) != 1)
			sl_die(SL_EXIT_TEMP, "unable to report readiness: %s", strerror(errno));
		close(ready_fd);
	} else if (!conn) {
		started(where);
	}
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT || sig == SIGUSR1)
			break;
	}
	if (sig != SIGUSR1 && !conn) {
		/* Stop accepting; let the requests in flight finish, then stop. */
		MHD_socket ls = MHD_quiesce_daemon(d);
		/* New connections are refused at once, not left in the backlog. */
		if (ls != MHD_INVALID_SOCKET)
			close(ls);
		deadline = now_us() + (uint64_t)sl_httpd_opt.grace * 1000000u;
		while (__atomic_load_n(&inflight, __ATOMIC_SEQ_CST) && now_us() < deadline) {
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
		}
	} else if (sig != SIGUSR1) {
		deadline = now_us() + (uint64_t)sl_httpd_opt.grace * 1000000u;
		while (__atomic_load_n(&inflight, __ATOMIC_SEQ_CST) && now_us() < deadline) {
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
		}
	}
	MHD_stop_daemon(d);
	if (watchdog_running) {
		__atomic_store_n(&watchdog_stop, 1, __ATOMIC_RELAXED);
		pthread_join(watchdog, NULL);
		watchdog_running = 0;
	}
	if (hooks->stop)
		hooks->stop(hooks->ctx);
	return 0;
}

/* In a new worker: end with the supervisor, however it ends. */
static void worker_start(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(SL_EXIT_TEMP);
}

/* Run `sl_httpd_opt.workers` processes on the listening fd and keep them running until SIGTERM. */
static int supervise(int fd, const char *where)
{
	pid_t *pids = calloc(sl_httpd_opt.workers, sizeof(*pids));
	sigset_t set;
	unsigned i, alive = 0, restarts = 0;
	int pfd[2], status = 0, sig;
	uint64_t window = now_us();
	pid_t self = getpid();

	if (!pids)
		sl_die(SL_EXIT_TEMP, "out of memory");
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		sl_die(SL_EXIT_TEMP, "unable to make a pipe: %s", strerror(errno));
	for (i = 0; i < sl_httpd_opt.workers; i++) {
		pid_t p = fork();
		if (p < 0)
			sl_die(SL_EXIT_TEMP, "unable to start a worker: %s", strerror(errno));
		if (p == 0) {
			worker_start(self);
			close(pfd[0]);
			_exit(serve(fd, 0, pfd[1], where));
		}
		pids[i] = p;
		alive++;
	}
	close(pfd[1]);
	/* Ready once every worker runs its daemon. */
	for (i = 0; i < sl_httpd_opt.workers; i++) {
		char ch;
		ssize_t r = read(pfd[0], &ch, 1);
		if (r < 0 && errno == EINTR) {
			i--;
			continue;
		}
		if (r != 1)
			break;
	}
	close(pfd[0]);
	if (i == sl_httpd_opt.workers)
		started(where);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGCHLD) {
			pid_t p;
			int st;
			while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
				for (i = 0; i < sl_httpd_opt.workers && pids[i] != p; i++)
					;
				if (i == sl_httpd_opt.workers)
					continue;
				/*
				 * A worker that died is replaced, unless they keep dying.
				 * One that stopped cleanly (status 0: told to, or an
				 * sl-witness worker that lost its keeper, after its
				 * requests finished) is replaced without counting: only
				 * a request or a signal stops it, never a loop.
				 */
				if (now_us() - window > 10000000u) {
					window = now_us();
					restarts = 0;
				}
				if (!(WIFEXITED(st) && WEXITSTATUS(st) == 0) && ++restarts > 10)
					sl_die(SL_EXIT_TEMP, "workers keep failing; giving up");
				sl_warn("worker %ld ended (status %d); starting another", (long)p, st);
				if ((p = fork()) < 0)
					sl_die(SL_EXIT_TEMP, "unable to start a worker: %s", strerror(errno));
				if (p == 0) {
					worker_start(self);
					_exit(serve(fd, 0, -1, where));
				}
				pids[i] = p;
			}
			continue;
		}
		break;
	}
	/* Our copy of the socket goes first, so that new clients are refused, not queued. */
	close(fd);
	for (i = 0; i < sl_httpd_opt.workers; i++)
		kill(pids[i], SIGTERM);
	while (alive) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < sl_httpd_opt.workers; i++) {
			if (pids[i] == p) {
				alive--;
				if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
					status = SL_EXIT_TEMP;
			}
		}
	}
	free(pids);
	return status;
}


int sl_httpd_option(int c, const char *arg, const char *usage, size_t max_body_limit)
{
	switch (c) {
	case 'w': sl_httpd_opt.workers = (unsigned)sl_parse_u64_arg(arg, "--workers", 1, 256); break;
	case 'm':
		if (strcmp(arg, "epoll") == 0)
			sl_httpd_opt.mode = SL_HTTPD_EPOLL;
		else if (strcmp(arg, "pool") == 0)
			sl_httpd_opt.mode = SL_HTTPD_POOL;
		else if (strcmp(arg, "thread") == 0)
			sl_httpd_opt.mode = SL_HTTPD_THREAD;
		else
			sl_usage_fail(usage, "'-m/--mode' wants epoll, pool or thread, not '%.80s'", arg);
		break;
	case 't': sl_httpd_opt.threads = (unsigned)sl_parse_u64_arg(arg, "--threads", 1, 1024); break;
	case SL_HTTPD_O_BODY:
		sl_httpd_opt.max_body = (size_t)sl_parse_u64_arg(arg, "--max-body", 1, max_body_limit);
		break;
	case SL_HTTPD_O_HEADER:
		sl_httpd_opt.max_header = (unsigned)sl_parse_u64_arg(arg, "--max-header", 1024, 1u << 20);
		break;
	case SL_HTTPD_O_CONN:
		sl_httpd_opt.max_conn = (unsigned)sl_parse_u64_arg(arg, "--max-conn", 1, 65536);
		break;
	case SL_HTTPD_O_PERIP:
		sl_httpd_opt.per_ip = (unsigned)sl_parse_u64_arg(arg, "--max-conn-per-ip", 0, 65536);
		break;
	case SL_HTTPD_O_NOLOG: sl_httpd_opt.access_log = 0; break;
	case SL_HTTPD_O_TIMEOUT:
		sl_httpd_opt.timeout = (unsigned)sl_parse_u64_arg(arg, "--timeout", 1, 86400);
		break;
	case SL_HTTPD_O_RTIMEOUT:
		sl_httpd_opt.request_timeout =
			(unsigned)sl_parse_u64_arg(arg, "--request-timeout", 1, 86400);
		break;
	case SL_HTTPD_O_GRACE:
		sl_httpd_opt.grace = (unsigned)sl_parse_u64_arg(arg, "--grace", 0, 86400);
		break;
	case 'v': sl_httpd_opt.verbose = 1; break;
	default: return 0;
	}
	return 1;
}

int sl_httpd_socket(const char *listen, const char *usage, int *conn, char *where, size_t wn)
{
	const char *lp, *lf;
	int fd = -1;

	*conn = 0;
	if (!sl_httpd_opt.threads) {
		/* Two threads per processor: measured best (doc/BENCHMARKS.md). */
		long np = sysconf(_SC_NPROCESSORS_ONLN);
		sl_httpd_opt.threads = np < 1 ? 2 : np > 32 ? 64 : 2 * (unsigned)np;
	}
	/*
	 * The socket: LISTEN_FDS, then -l, then what is on stdin.  Socket
	 * activation wins over -l: the manager holds the socket clients were
	 * told of, and a socket it passed and nobody serves leaves them hanging.
	 */
	lp = getenv("LISTEN_PID");
	lf = getenv("LISTEN_FDS");
	if (lp && lf) {
		uint64_t pid, n;
		if (sl_parse_u64(lp, INT32_MAX, &pid) < 0 || sl_parse_u64(lf, 1024, &n) < 0)
			sl_die(SL_EXIT_USAGE, "unable to use LISTEN_PID '%s' and LISTEN_FDS '%s'", lp, lf);
		if ((pid_t)pid == getpid()) {
			if (n != 1)
				sl_die(SL_EXIT_USAGE, "unable to serve %llu sockets: give one",
				       (unsigned long long)n);
			fd = 3;
			fcntl(fd, F_SETFD, FD_CLOEXEC);
			if (listen)
				sl_note("serving the socket of LISTEN_FDS; -l '%s' is not used", listen);
		}
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
	}
	if (fd < 0 && listen)
		fd = sl_listen_on(listen, usage);
	if (fd < 0)
		fd = STDIN_FILENO;
	switch (sl_socket_kind(fd)) {
	case 1:
		break;
	case 0:
		*conn = 1;
		break;
	default:
		sl_die(SL_EXIT_USAGE, "give -l ADDR:PORT, or start me with a socket "
				      "(inetd, tcpserver, systemd)");
	}
	if (!*conn) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			sl_die(SL_EXIT_TEMP, "unable to use the listening socket: %s", strerror(errno));
		sl_socket_describe(fd, where, wn);
	} else {
		struct stat in, er;
		snprintf(where, wn, "standard input");
		/* inetd may hand the connection as stderr too: no log into the client's answer. */
		if (fstat(STDIN_FILENO, &in) == 0 && fstat(STDERR_FILENO, &er) == 0 &&
		    in.st_dev == er.st_dev && in.st_ino == er.st_ino)
			sl_httpd_opt.access_log = 0;
	}
	return fd;
}

int sl_httpd_run(int fd, int conn, const char *where, const struct sl_httpd_hooks *h)
{
	hooks = h;
	metrics = h->metrics;
	if (conn || sl_httpd_opt.workers == 1)
		return serve(fd, conn, -1, where);
	return supervise(fd, where);
}
