// SPDX-License-Identifier: MIT
/*
 * The HTTP server of the programs that serve (sl-httpd, sl-witness),
 * through libmicrohttpd: where the socket comes from (LISTEN_FDS, -l, a
 * listening socket or the connection on stdin), worker processes, the
 * bounds on every size and wait (headers, body, idle and whole-request
 * deadlines, connections per address), the strict framing checks, the
 * access log, graceful stop on SIGTERM.  A program gives two hooks: one
 * that may refuse a POST from its headers alone, one that answers a whole
 * request.  Kept in its own file of build/libslcmd.a, so only servers link
 * libmicrohttpd.
 */
#ifndef SL_CMD_UTIL_HTTPD_H
#define SL_CMD_UTIL_HTTPD_H

#include <stddef.h>

#include "sl/http.h"

enum sl_httpd_mode { SL_HTTPD_EPOLL, SL_HTTPD_POOL, SL_HTTPD_THREAD };

/*
 * Connections at once from one address, per worker: an eighth of
 * --max-conn, so that one client holding idle connections cannot starve
 * the others (and /health).  Behind a proxy every client is the proxy's
 * address: raise it there, or 0 for no limit.
 */
#define SL_HTTPD_DEFAULT_PER_IP 128

struct sl_httpd_options {
	unsigned workers, threads, max_conn, per_ip, timeout, request_timeout, grace, max_header;
	size_t max_body;
	enum sl_httpd_mode mode;
	int verbose;
	int access_log;
	int body_route; /* the metrics route of a 413 answer */
};

/* The options, with their defaults; set them before sl_httpd_run. */
extern struct sl_httpd_options sl_httpd_opt;

/*
 * What a program serves with.  Each hook is given ctx first: the
 * program's own state (its server context), so that it needs no state of
 * its own at file scope.
 */
struct sl_httpd_hooks {
	/*
	 * A POST, from its headers (rq has no body yet): 1 with the refusal in
	 * rs, so that the body is never read, 0 to read it.  NULL: read it.
	 */
	int (*post_headers)(void *ctx, const struct sl_http_request *rq,
			    struct sl_http_response *rs);
	/* A whole request: 0 with the answer in rs, negative to close without one. */
	int (*answer)(void *ctx, const struct sl_http_request *rq, struct sl_http_response *rs);
	/* Called in each serving process as it stops (close what its threads opened); may be NULL. */
	void (*stop)(void *ctx);
	struct sl_http_metrics *metrics; /* may be NULL */
	/*
	 * Called first in each serving process (the one process, or each
	 * worker as it starts), before any request; may be NULL.  Signals are
	 * not yet blocked: a child forked here has the process's own mask.
	 */
	void (*start)(void *ctx);
	void *ctx; /* given to each hook */
};

/* The long options common to the servers, for their getopt_long arrays. */
enum {
	SL_HTTPD_O_BODY = 0x1000, SL_HTTPD_O_HEADER, SL_HTTPD_O_CONN, SL_HTTPD_O_PERIP,
	SL_HTTPD_O_TIMEOUT, SL_HTTPD_O_RTIMEOUT, SL_HTTPD_O_GRACE, SL_HTTPD_O_NOLOG
};
#define SL_HTTPD_SHORT_OPTIONS "w:m:t:v"
#define SL_HTTPD_LONG_OPTIONS                                                   \
	{ "workers", required_argument, NULL, 'w' },                            \
	SL_HTTPD_LONG_OPTIONS_BUT_WORKERS
/* All but --workers, for a program whose -w is something else too (sl-witness verify). */
#define SL_HTTPD_LONG_OPTIONS_BUT_WORKERS                                       \
	{ "mode", required_argument, NULL, 'm' },                               \
	{ "threads", required_argument, NULL, 't' },                            \
	{ "max-body", required_argument, NULL, SL_HTTPD_O_BODY },               \
	{ "max-header", required_argument, NULL, SL_HTTPD_O_HEADER },           \
	{ "max-conn", required_argument, NULL, SL_HTTPD_O_CONN },               \
	{ "max-conn-per-ip", required_argument, NULL, SL_HTTPD_O_PERIP },       \
	{ "timeout", required_argument, NULL, SL_HTTPD_O_TIMEOUT },             \
	{ "request-timeout", required_argument, NULL, SL_HTTPD_O_RTIMEOUT },    \
	{ "grace", required_argument, NULL, SL_HTTPD_O_GRACE },                 \
	{ "no-access-log", no_argument, NULL, SL_HTTPD_O_NOLOG },               \
	{ "verbose", no_argument, NULL, 'v' }
/*
 * Take the server option c (getopt_long's value) with its argument: 1 when
 * it was one of the above, 0 when not.  Dies with 2 on a bad value; a
 * --max-body over max_body_limit is refused.
 */
int sl_httpd_option(int c, const char *arg, const char *usage, size_t max_body_limit);
/* Their lines for the help (--max-body is the program's own). */
#define SL_HTTPD_HELP                                                                    \
	"  -w, --workers N         worker processes sharing the socket (default 1)\n"       \
	"  -m, --mode MODE         pool (-t threads, default), epoll (one thread) or\n"     \
	"                          thread (a thread per connection)\n"                      \
	"  -t, --threads N         threads of the pool mode (default: 2 per processor)\n"   \
	"  --max-header BYTES      memory for a request line and its headers (default 16384)\n" \
	"  --max-conn N            connections at once, per process (default 1024)\n"       \
	"  --max-conn-per-ip N     connections at once from one address, per worker\n"      \
	"                          (default 128; 0: no limit)\n"                            \
	"  --timeout SEC           close a connection idle this long (default 30)\n"        \
	"  --request-timeout SEC   close a connection whose request has not arrived whole,\n" \
	"                          or whose answer has not been taken, this long after\n"   \
	"                          it began (default 60)\n"                                 \
	"  --grace SEC             on SIGTERM, wait this long for requests in flight (default 30)\n" \
	"  --no-access-log         no line per request on stderr\n"                         \
	"  -v, --verbose           log libmicrohttpd's messages on stderr\n"

/*
 * The socket, in this order: the one of LISTEN_FDS (checking LISTEN_PID,
 * unsetting the variables; it wins over `listen`), binding `listen`
 * ("ADDR:PORT", may be NULL), a listening socket on stdin, the
 * connection on stdin/stdout (*conn set; the access log is then off when
 * stderr is that connection too).  Dies with 2 when there is none.  where
 * gets "ADDR:PORT" or "standard input".  Also fills in the default of
 * --threads.
 */
int sl_httpd_socket(const char *listen, const char *usage, int *conn, char *where, size_t n);

/* Serve fd until SIGTERM (or, for a connection, until it closes); returns the exit status. */
int sl_httpd_run(int fd, int conn, const char *where, const struct sl_httpd_hooks *h);

#endif
