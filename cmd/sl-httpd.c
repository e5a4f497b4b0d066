// SPDX-License-Identifier: MIT
/*
 * sl-httpd: the ledger over HTTP, through libmicrohttpd.
 *
 * This file is the glue: where the socket comes from (LISTEN_FDS, an
 * inherited socket on stdin, or -l), worker processes, privileges,
 * signals, and handing each request to sl_http_handle() (lib/http.c),
 * which holds the API itself.
 */
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "util.h"
#include "util-serve.h"
#include "sl/http.h"

static const char usage[] =
	"sl-httpd [-L DIR] [-l ADDR:PORT] [-w N] [-m epoll|pool|thread] [-t N] [-T FILE] [-u USER]"
	" [--max-body BYTES] [--max-header BYTES] [--max-conn N] [--max-conn-per-ip N]"
	" [--timeout SEC] [--request-timeout SEC] [--grace SEC] [--no-access-log] [-v]";
static const char help[] =
	"usage: sl-httpd [-L DIR] [-l ADDR:PORT] [-w N] [-m epoll|pool|thread] [-t N]\n"
	"                [-T FILE] [-u USER] [--max-body BYTES] [--max-header BYTES]\n"
	"                [--max-conn N] [--max-conn-per-ip N] [--timeout SEC]\n"
	"                [--request-timeout SEC] [--grace SEC] [--no-access-log] [-v]\n"
	"\n"
	"Serve the ledger over HTTP/1.1.  The socket is, in this order: the one\n"
	"socket-activated through LISTEN_FDS (LISTEN_FDS wins over -l), the address\n"
	"of -l, a listening socket on stdin, or the connection on stdin/stdout\n"
	"(inetd, tcpserver, systemd Accept=yes).  One JSON line per request goes\n"
	"to stderr (the access log), after a line saying where it listens.\n"
	"\n"
	"  -L, --ledger DIR        the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  -l, --listen ADDR:PORT  listen on ADDR:PORT (127.0.0.1:8080, [::1]:8080, *:8080)\n"
	"  -w, --workers N         worker processes sharing the socket (default 1)\n"
	"  -m, --mode MODE         pool (-t threads, default), epoll (one thread) or\n"
	"                          thread (a thread per connection)\n"
	"  -t, --threads N         threads of the pool mode (default: 2 per processor)\n"
	"  -T, --tokens FILE       take POST /v1/entries from clients with a token whose\n"
	"                          SHA-256 is in FILE (64 hex digits a line)\n"
	"  -u, --user USER         started as root: become USER once the socket is bound\n"
	"  --max-body BYTES        largest POST body (default 4194304)\n"
	"  --max-header BYTES      memory for a request line and its headers (default 16384)\n"
	"  --max-conn N            connections at once, per process (default 1024)\n"
	"  --max-conn-per-ip N     connections at once from one address, per worker\n"
	"                          (default 128; 0: no limit)\n"
	"  --timeout SEC           close a connection idle this long (default 30)\n"
	"  --request-timeout SEC   close a connection whose request has not arrived whole,\n"
	"                          or whose answer has not been taken, this long after\n"
	"                          it began (default 60)\n"
	"  --grace SEC             on SIGTERM, wait this long for requests in flight (default 30)\n"
	"  --no-access-log         no line per request on stderr\n"
	"  -v, --verbose           log libmicrohttpd's messages on stderr\n"
	"  -h, --help              show this help\n"
	"  --version               show the version\n"
	"\n"
	"Exit: 0 stopped by SIGTERM or connection done, 2 usage, 100 no ledger or bad\n"
	"token file, 111 system failure.\n";

enum mode { MODE_EPOLL, MODE_POOL, MODE_THREAD };

/*
 * Connections at once from one address, per worker: an eighth of
 * --max-conn, so that one client holding idle connections cannot starve
 * the others (and /health).  Behind a proxy every client is the proxy's
 * address: raise it there, or 0 for no limit.
 */
#define DEFAULT_PER_IP 128

static struct {
	const char *ldir;
	const char *listen;
	unsigned workers, threads, max_conn, per_ip, timeout, request_timeout, grace, max_header;
	size_t max_body;
	enum mode mode;
	int verbose;
	int writable;
	int busy_ms;
	int access_log;
} opt = { NULL, NULL, 1, 0, 1024, DEFAULT_PER_IP, 30, 60, 30, 16384, SL_HTTP_MAX_BODY, MODE_POOL,
	  0, 0, 10000, 1 };

static struct sl_http_tokens *tokens;
static struct sl_http_metrics *metrics;
static struct sl_http_verify_cache verify_cache;
/* The page's files, read at start-up; a request never names a file. */
static struct sl_http_ui ui;
static int have_ui;
static unsigned long inflight;

/*
 * One ledger handle per thread (a handle serves one thread at a time:
 * sl_ledger_open); all of them are closed at exit.
 */
static pthread_mutex_t ledgers_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sl_ledger **ledgers;
static size_t nledgers;
static _Thread_local struct sl_ledger *my_ledger;

static struct sl_ledger *thread_ledger(void)
{
	struct sl_error err = { 0 };
	struct sl_ledger *l, **n;

	if (my_ledger)
		return my_ledger;
	if (sl_ledger_open(&l, sl_ledger_dir(opt.ldir), opt.writable ? 0 : SL_LEDGER_RDONLY,
			   opt.busy_ms, &err) < 0)
		return NULL;
	pthread_mutex_lock(&ledgers_lock);
	n = realloc(ledgers, (nledgers + 1) * sizeof(*ledgers));
	if (n) {
		ledgers = n;
		ledgers[nledgers++] = l;
	}
	pthread_mutex_unlock(&ledgers_lock);
	if (!n) {
		sl_ledger_close(l);
		return NULL;
	}
	return my_ledger = l;
}

static void close_ledgers(void)
{
	size_t i;

	for (i = 0; i < nledgers; i++)
		sl_ledger_close(ledgers[i]);
	free(ledgers);
	ledgers = NULL;
	nledgers = 0;
}

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
				 on ? now_us() + (uint64_t)opt.request_timeout * 1000000u : 0,
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
		k->deadline = now_us() + (uint64_t)opt.request_timeout * 1000000u;
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
	int started, too_big;
	const char *method; /* libmicrohttpd's, alive as long as the request */
	char token[SL_HTTP_TOKEN_ID_LEN + 1]; /* the id of a write's token, "" for none */
	char uri[]; /* the raw request target, query string included */
};

static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *c)
{
	size_t n = strlen(uri);
	struct req *pr = malloc(sizeof(*pr) + n + 1);

	(void)cls;
	(void)c;
	if (!pr)
		return NULL;
	pr->start = now_us();
	sl_buf_init(&pr->body);
	pr->started = pr->too_big = 0;
	pr->method = NULL;
	pr->token[0] = '\0';
	memcpy(pr->uri, uri, n + 1);
	__atomic_fetch_add(&inflight, 1, __ATOMIC_SEQ_CST);
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
static void access_log(struct MHD_Connection *c, const struct req *pr, int status, size_t bytes)
{
	struct sl_http_access a = { 0 };
	struct sl_buf line = SL_BUF_INIT;
	char remote[NI_MAXHOST + NI_MAXSERV + 4];
	int64_t t;
	size_t off = 0;

	if (!opt.access_log || !pr)
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
				   const struct req *pr)
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
				   const char *msg, int route, const struct req *pr)
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
				   const char *msg, int route, const struct req *pr)
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
				   const struct req *pr)
{
	conn_deadline(c, 1);
	if (e == SL_ENOMEM)
		return quick_error(c, 503, "out_of_memory", "out of memory; retry later",
				   SL_ROUTE_UNKNOWN, pr);
	return quick_error(c, 400, "bad_request", err->msg, SL_ROUTE_UNKNOWN, pr);
}

/*
 * A request answered from its headers, before any body is read: bad
 * framing (400), and a POST that will be refused whatever it carries
 * (lib: sl_http_refuse_early).  The answer queued now makes libmicrohttpd
 * close the connection instead of reading the body, so 40 clients
 * without a token cost no 40 bodies.  MHD_YES with *done 0: read on.
 */
static enum MHD_Result from_headers(struct MHD_Connection *c, const char *url, const char *method,
				    struct req *pr, int *done)
{
	struct fields fs;
	struct sl_error err = { 0 };
	struct sl_http_server srv = { 0 };
	struct sl_http_request rq = { 0 };
	struct sl_http_response rs;
	const char *cl, *auth, *tok;
	size_t tlen;

	*done = 1;
	fs.n = 0;
	MHD_get_connection_values(c, MHD_HEADER_KIND, field_seen, &fs);
	if (fs.n > MAX_HEADERS)
		return early_error(c, 431, "headers_too_large", "too many header fields",
				   SL_ROUTE_UNKNOWN, pr);
	if (sl_http_frame_check(pr->uri, fs.f, fs.n, &err) < 0)
		return early_error(c, 400, "bad_request", err.msg, SL_ROUTE_UNKNOWN, pr);
	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (strcmp(method, "POST") != 0) {
		if (MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING) ||
		    (cl && strcmp(cl, "0") != 0))
			return early_error(c, 400, "bad_request", "only POST takes a body",
					   SL_ROUTE_UNKNOWN, pr);
		*done = 0;
		return MHD_YES;
	}
	auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (auth && sl_http_bearer(auth, &tok, &tlen) == 0)
		sl_http_token_id(pr->token, tok, tlen);
	{
		uint64_t n;
		if (cl && (sl_parse_u64(cl, UINT64_MAX, &n) < 0 || n > opt.max_body))
			return early_error(c, 413, "payload_too_large",
					   "the body is larger than the server takes",
					   SL_ROUTE_APPEND, pr);
	}
	{
		struct sl_http_arg args[SL_HTTP_ARGS_MAX];
		char *qs;
		size_t nargs;
		int refused, e;

		if ((e = query_of(pr, args, &nargs, &qs, &err)) < 0) {
			free(qs);
			return query_error(c, e, &err, pr);
		}
		rq.args = args;
		rq.nargs = nargs;
		rq.method = method;
		rq.path = url;
		rq.authorization = auth;
		rq.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							      MHD_HTTP_HEADER_CONTENT_TYPE);
		srv.tokens = tokens;
		sl_http_response_init(&rs);
		refused = sl_http_refuse_early(&srv, &rq, &rs);
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
	(void)version;
	if (!pr)
		return MHD_NO; /* out of memory when the request line came */
	if (!pr->started) {
		int done;
		pr->started = 1;
		pr->method = method;
		r = from_headers(c, url, method, pr, &done);
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
		if (!pr->too_big && pr->body.len + *upload_data_size <= opt.max_body)
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

/* Answer a request that has arrived whole. */
static enum MHD_Result answer(struct MHD_Connection *c, const char *url, const char *method,
			      struct req *pr)
{
	struct sl_http_server srv = { 0 };
	struct sl_http_request rq = { 0 };
	struct sl_http_response rs;
	struct sl_http_arg args[SL_HTTP_ARGS_MAX];
	struct sl_error err = { 0 };
	char *qs;
	size_t nargs;
	int e;

	if (pr->too_big)
		return quick_error(c, 413, "payload_too_large",
				   "the body is larger than the server takes", SL_ROUTE_APPEND,
				   pr);
	if (sl_buf_ok(&pr->body))
		return quick_error(c, 503, "out_of_memory", "out of memory; retry later",
				   SL_ROUTE_APPEND, pr);
	if ((e = query_of(pr, args, &nargs, &qs, &err)) < 0) {
		free(qs);
		return query_error(c, e, &err, pr);
	}
	rq.method = method;
	rq.path = url;
	rq.args = args;
	rq.nargs = nargs;
	rq.body = pr->body.buf;
	rq.body_len = pr->body.len;
	rq.accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	rq.authorization = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	rq.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_CONTENT_TYPE);
	srv.tokens = tokens;
	srv.metrics = metrics;
	srv.verify_cache = &verify_cache;
	srv.ui = have_ui ? &ui : NULL;
	srv.max_body = opt.max_body;
	srv.default_limit = SL_HTTP_DEFAULT_LIMIT;
	srv.max_limit = SL_HTTP_MAX_LIMIT;
	if (!(srv.ledger = thread_ledger())) {
		free(qs);
		return quick_error(c, 503, "unavailable", "the ledger cannot be opened; retry later",
				   SL_ROUTE_UNKNOWN, pr);
	}
	sl_http_response_init(&rs);
	e = sl_http_handle(&srv, &rq, &rs);
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
	(void)toe;
	/* The next request on this connection has its own time from now. */
	conn_deadline(c, 1);
	if (!pr)
		return;
	sl_buf_release(&pr->body);
	free(pr);
	*con_cls = NULL;
	__atomic_fetch_sub(&inflight, 1, __ATOMIC_SEQ_CST);
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

	if (opt.per_ip)
		snprintf(peri, sizeof(peri), "at most %u connections per address", opt.per_ip);
	sl_note("listening on %s (%u worker%s, %s)", where, opt.workers, opt.workers == 1 ? "" : "s",
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

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (opt.verbose)
		flags |= MHD_USE_ERROR_LOG;
	if (conn)
		flags |= MHD_USE_NO_LISTEN_SOCKET | MHD_USE_EPOLL;
	else if (opt.mode == MODE_THREAD)
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
		OPT(MHD_OPTION_CONNECTION_LIMIT, opt.max_conn, NULL);
		if (opt.per_ip && !conn)
			OPT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, opt.per_ip, NULL);
		OPT(MHD_OPTION_CONNECTION_TIMEOUT, opt.timeout, NULL);
		OPT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, opt.max_header, NULL);
		OPT(MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL);
		OPT(MHD_OPTION_NOTIFY_COMPLETED, 0, NULL);
		o[n - 1].value = (intptr_t)completed;
		OPT(MHD_OPTION_URI_LOG_CALLBACK, 0, NULL);
		o[n - 1].value = (intptr_t)uri_seen;
		OPT(MHD_OPTION_NOTIFY_CONNECTION, 0, conn ? (void *)&conns : NULL);
		o[n - 1].value = (intptr_t)conn_notify;
		if (opt.mode == MODE_POOL && !conn)
			OPT(MHD_OPTION_THREAD_POOL_SIZE, opt.threads, NULL);
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
		deadline = now_us() + (uint64_t)opt.grace * 1000000u;
		while (__atomic_load_n(&inflight, __ATOMIC_SEQ_CST) && now_us() < deadline) {
			struct timespec ts = { 0, 2000000 };
			nanosleep(&ts, NULL);
		}
	} else if (sig != SIGUSR1) {
		deadline = now_us() + (uint64_t)opt.grace * 1000000u;
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
	close_ledgers();
	return 0;
}

/* In a new worker: end with the supervisor, however it ends. */
static void worker_start(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(SL_EXIT_TEMP);
}

/* Run `opt.workers` processes on the listening fd and keep them running until SIGTERM. */
static int supervise(int fd, const char *where)
{
	pid_t *pids = calloc(opt.workers, sizeof(*pids));
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
	for (i = 0; i < opt.workers; i++) {
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
	for (i = 0; i < opt.workers; i++) {
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
	if (i == opt.workers)
		started(where);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGCHLD) {
			pid_t p;
			int st;
			while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
				for (i = 0; i < opt.workers && pids[i] != p; i++)
					;
				if (i == opt.workers)
					continue;
				/* A worker that died is replaced, unless they keep dying. */
				if (now_us() - window > 10000000u) {
					window = now_us();
					restarts = 0;
				}
				if (++restarts > 10)
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
	for (i = 0; i < opt.workers; i++)
		kill(pids[i], SIGTERM);
	while (alive) {
		int st;
		pid_t p = waitpid(-1, &st, 0);
		if (p < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < opt.workers; i++) {
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

static void read_tokens(const char *path)
{
	struct sl_error err = { 0 };
	struct sl_buf b = SL_BUF_INIT;
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		sl_die(errno == ENOENT ? SL_EXIT_DATA : SL_EXIT_TEMP, "unable to open '%s': %s", path,
		       strerror(errno));
	sl_read_all(fd, path, &b, 1 << 20);
	close(fd);
	if (!(tokens = calloc(1, sizeof(*tokens))))
		sl_die(SL_EXIT_TEMP, "out of memory");
	if (sl_http_tokens_parse(tokens, b.buf, b.len, &err) < 0)
		sl_die(SL_EXIT_DATA, "unable to read tokens from '%s': %s", path,
		       sl_error_format(&err, msg, sizeof(msg)));
	sl_buf_release(&b);
}

static unsigned num_arg(const char *s, const char *what, uint64_t min, uint64_t max)
{
	return (unsigned)sl_parse_u64_arg(s, what, min, max);
}

int main(int argc, char **argv)
{
	enum { O_BODY = 256, O_HEADER, O_CONN, O_PERIP, O_TIMEOUT, O_RTIMEOUT, O_GRACE, O_NOLOG };
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "listen", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "mode", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		{ "tokens", required_argument, NULL, 'T' },
		{ "user", required_argument, NULL, 'u' },
		{ "max-body", required_argument, NULL, O_BODY },
		{ "max-header", required_argument, NULL, O_HEADER },
		{ "max-conn", required_argument, NULL, O_CONN },
		{ "max-conn-per-ip", required_argument, NULL, O_PERIP },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "request-timeout", required_argument, NULL, O_RTIMEOUT },
		{ "grace", required_argument, NULL, O_GRACE },
		{ "no-access-log", no_argument, NULL, O_NOLOG },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *user = NULL, *token_file = NULL, *lp, *lf;
	char where[NI_MAXHOST + NI_MAXSERV + 8];
	int c, fd = -1, conn = 0, status;

	sl_cmd_start("sl-httpd");
	while ((c = getopt_long(argc, argv, "L:l:w:m:t:T:u:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'L': opt.ldir = optarg; break;
		case 'l': opt.listen = optarg; break;
		case 'w': opt.workers = num_arg(optarg, "--workers", 1, 256); break;
		case 'm':
			if (strcmp(optarg, "epoll") == 0)
				opt.mode = MODE_EPOLL;
			else if (strcmp(optarg, "pool") == 0)
				opt.mode = MODE_POOL;
			else if (strcmp(optarg, "thread") == 0)
				opt.mode = MODE_THREAD;
			else
				sl_usage_die(usage);
			break;
		case 't': opt.threads = num_arg(optarg, "--threads", 1, 1024); break;
		case 'T': token_file = optarg; break;
		case 'u': user = optarg; break;
		case O_BODY:
			opt.max_body = (size_t)sl_parse_u64_arg(optarg, "--max-body", 1, 1u << 30);
			break;
		case O_HEADER:
			opt.max_header = num_arg(optarg, "--max-header", 1024, 1u << 20);
			break;
		case O_CONN: opt.max_conn = num_arg(optarg, "--max-conn", 1, 65536); break;
		case O_PERIP: opt.per_ip = num_arg(optarg, "--max-conn-per-ip", 0, 65536); break;
		case O_NOLOG: opt.access_log = 0; break;
		case O_TIMEOUT: opt.timeout = num_arg(optarg, "--timeout", 1, 86400); break;
		case O_RTIMEOUT:
			opt.request_timeout = num_arg(optarg, "--request-timeout", 1, 86400);
			break;
		case O_GRACE: opt.grace = num_arg(optarg, "--grace", 0, 86400); break;
		case 'v': opt.verbose = 1; break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	if (optind != argc)
		sl_usage_die(usage);
	if (!opt.threads) {
		/* Two threads per processor: measured best (doc/BENCHMARKS.md). */
		long np = sysconf(_SC_NPROCESSORS_ONLN);
		opt.threads = np < 1 ? 2 : np > 32 ? 64 : 2 * (unsigned)np;
	}
	{
		const char *bt = getenv("SL_BUSY_TIMEOUT");
		uint64_t busy;
		if (bt && *bt) {
			if (sl_parse_u64(bt, 3600000, &busy) < 0)
				sl_die(SL_EXIT_USAGE,
				       "unable to use SL_BUSY_TIMEOUT '%s': not milliseconds", bt);
			opt.busy_ms = (int)busy;
		}
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
			if (opt.listen)
				sl_note("serving the socket of LISTEN_FDS; -l '%s' is not used", opt.listen);
		}
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
	}
	if (fd < 0 && opt.listen)
		fd = sl_listen_on(opt.listen, usage);
	if (fd < 0)
		fd = STDIN_FILENO;
	switch (sl_socket_kind(fd)) {
	case 1:
		break;
	case 0:
		conn = 1;
		break;
	default:
		sl_die(SL_EXIT_USAGE, "give -l ADDR:PORT, or start me with a socket "
				      "(inetd, tcpserver, systemd)");
	}
	if (!conn) {
		int fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			sl_die(SL_EXIT_TEMP, "unable to use the listening socket: %s", strerror(errno));
		sl_socket_describe(fd, where, sizeof(where));
	} else {
		struct stat in, er;
		snprintf(where, sizeof(where), "standard input");
		/* inetd may hand the connection as stderr too: no log into the client's answer. */
		if (fstat(STDIN_FILENO, &in) == 0 && fstat(STDERR_FILENO, &er) == 0 &&
		    in.st_dev == er.st_dev && in.st_ino == er.st_ino)
			opt.access_log = 0;
	}

	if (token_file) {
		read_tokens(token_file); /* before dropping privileges: it may be root's only */
		opt.writable = 1;
	}
	if (user)
		sl_become_user(user);
	/* Fail now, not on the first request, when the ledger is not there. */
	sl_ledger_close(sl_open_ledger(opt.ldir, opt.writable ? 0 : SL_LEDGER_RDONLY));

	/* The counters are shared by every worker, so /metrics counts them all. */
	metrics = mmap(NULL, sizeof(*metrics), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		       -1, 0);
	if (metrics == MAP_FAILED)
		sl_die(SL_EXIT_TEMP, "unable to map the metrics: %s", strerror(errno));

	sl_http_verify_cache_init(&verify_cache);
	{
		/* Without its files (a bare copy of the program) the page is a 404; the API serves. */
		struct sl_buf www = SL_BUF_INIT;
		struct sl_error uerr = { 0 };
		sl_share_dir(&www, "www");
		have_ui = sl_http_ui_load(&ui, www.buf, &uerr) == 0;
		sl_buf_release(&www);
	}
	if (conn || opt.workers == 1)
		status = serve(fd, conn, -1, where);
	else
		status = supervise(fd, where);
	munmap(metrics, sizeof(*metrics));
	sl_http_verify_cache_release(&verify_cache);
	if (have_ui)
		sl_http_ui_release(&ui);
	free(tokens);
	return status;
}
