// SPDX-License-Identifier: MIT
/*
 * sl-httpd: the ledger over HTTP, through libmicrohttpd.
 *
 * This file is the glue: the ledger handles, the tokens, privileges, and
 * handing each request to sl_http_handle() (lib/http.c), which holds the
 * API itself.  The server (sockets, workers, signals, bounds) is
 * cmd/util-httpd.c, shared with sl-witness.
 */
#include <netdb.h>
#include <pthread.h>
#include <sys/mman.h>

#include "util.h"
#include "util-httpd.h"
#include "util-serve.h"
#include "sl/http.h"

static const char usage[] =
	"sl-httpd [-L ADDRESS] [-l ADDR:PORT] [-w N] [-m epoll|pool|thread] [-t N] [-T FILE] [-u USER]"
	" [--max-body BYTES] [--max-header BYTES] [--max-conn N] [--max-conn-per-ip N]"
	" [--timeout SEC] [--request-timeout SEC] [--grace SEC] [--no-access-log] [-v]";
static const char help[] =
	"usage: sl-httpd [-L ADDRESS] [-l ADDR:PORT] [-w N] [-m epoll|pool|thread] [-t N]\n"
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
	"  -L, --ledger ADDRESS    the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
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

/*
 * The server's state, made in main() and handed to every hook: nothing
 * it changes lives at file scope.  Each worker process has its own copy
 * (made by fork), but the metrics it points to are shared by them all.
 */
struct httpd {
	const char *ldir;
	int writable;
	int busy_ms;
	struct sl_http_tokens *tokens; /* NULL: no POST /v1/entries */
	struct sl_http_metrics *metrics;
	struct sl_http_verify_cache verify_cache;
	/* The page's files, read at start-up; a request never names a file. */
	struct sl_http_ui ui;
	int have_ui;
	/*
	 * One ledger handle per thread (a handle serves one thread at a time:
	 * sl_ledger_open), found through ledger_key; all of them, listed in
	 * ledgers, are closed as the process stops.
	 */
	pthread_key_t ledger_key;
	pthread_mutex_t ledgers_lock;
	struct sl_ledger **ledgers;
	size_t nledgers;
};

static struct sl_ledger *thread_ledger(struct httpd *h)
{
	struct sl_error err = { 0 };
	struct sl_ledger *l, **n;
	int kept = 0;

	if ((l = pthread_getspecific(h->ledger_key)))
		return l;
	if (sl_ledger_open(&l, sl_ledger_dir(h->ldir), h->writable ? 0 : SL_LEDGER_RDONLY,
			   h->busy_ms, &err) < 0)
		return NULL;
	pthread_mutex_lock(&h->ledgers_lock);
	n = realloc(h->ledgers, (h->nledgers + 1) * sizeof(*h->ledgers));
	if (n) {
		h->ledgers = n;
		if ((kept = pthread_setspecific(h->ledger_key, l) == 0))
			h->ledgers[h->nledgers++] = l;
	}
	pthread_mutex_unlock(&h->ledgers_lock);
	if (!kept) {
		sl_ledger_close(l);
		return NULL;
	}
	return l;
}

static void close_ledgers(void *ctx)
{
	struct httpd *h = ctx;
	size_t i;

	for (i = 0; i < h->nledgers; i++)
		sl_ledger_close(h->ledgers[i]);
	free(h->ledgers);
	h->ledgers = NULL;
	h->nledgers = 0;
}

/* A POST refused from its headers alone (lib: sl_http_refuse_early). */
static int post_headers(void *ctx, const struct sl_http_request *rq, struct sl_http_response *rs)
{
	const struct httpd *h = ctx;
	struct sl_http_server srv = { 0 };

	srv.tokens = h->tokens;
	return sl_http_refuse_early(&srv, rq, rs);
}

static int answer(void *ctx, const struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct httpd *h = ctx;
	struct sl_http_server srv = { 0 };

	srv.tokens = h->tokens;
	srv.metrics = h->metrics;
	srv.verify_cache = &h->verify_cache;
	srv.ui = h->have_ui ? &h->ui : NULL;
	srv.max_body = sl_httpd_opt.max_body;
	srv.default_limit = SL_HTTP_DEFAULT_LIMIT;
	srv.max_limit = SL_HTTP_MAX_LIMIT;
	if (!(srv.ledger = thread_ledger(h))) {
		rs->route = SL_ROUTE_UNKNOWN;
		sl_http_error(rs, 503, "unavailable", "the ledger cannot be opened; retry later");
		return 0;
	}
	return sl_http_handle(&srv, rq, rs);
}

static struct sl_http_tokens *read_tokens(const char *path)
{
	struct sl_error err = { 0 };
	struct sl_buf b = SL_BUF_INIT;
	struct sl_http_tokens *tokens;
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
	return tokens;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "listen", required_argument, NULL, 'l' },
		{ "tokens", required_argument, NULL, 'T' },
		{ "user", required_argument, NULL, 'u' },
		SL_HTTPD_LONG_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct httpd h = { .busy_ms = 10000, .ledgers_lock = PTHREAD_MUTEX_INITIALIZER };
	struct sl_httpd_hooks hooks = { post_headers, answer, close_ledgers, NULL, NULL, &h };
	const char *listen = NULL, *user = NULL, *token_file = NULL;
	char where[NI_MAXHOST + NI_MAXSERV + 8];
	int c, fd, conn, status, e;

	sl_cmd_start("sl-httpd");
	sl_httpd_opt.body_route = SL_ROUTE_APPEND;
	while ((c = sl_getopt(argc, argv, "L:l:T:u:h" SL_HTTPD_SHORT_OPTIONS, opts)) != -1) {
		switch (c) {
		case 'L': h.ldir = optarg; break;
		case 'l': listen = optarg; break;
		case 'T': token_file = optarg; break;
		case 'u': user = optarg; break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default:
			if (!sl_httpd_option(c, optarg, usage, 1u << 30))
				sl_usage_die(usage);
		}
	}
	sl_no_operands(usage, argc, argv);
	{
		const char *bt = getenv("SL_BUSY_TIMEOUT");
		uint64_t busy;
		if (bt && *bt) {
			if (sl_parse_u64(bt, 3600000, &busy) < 0)
				sl_die(SL_EXIT_USAGE,
				       "unable to use SL_BUSY_TIMEOUT '%s': not milliseconds", bt);
			h.busy_ms = (int)busy;
		}
	}
	fd = sl_httpd_socket(listen, usage, &conn, where, sizeof(where));

	if (token_file) {
		h.tokens = read_tokens(token_file); /* before dropping privileges: it may be root's only */
		h.writable = 1;
	}
	if (user)
		sl_become_user(user);
	/* Fail now, not on the first request, when the ledger is not there. */
	sl_ledger_close(sl_open_ledger(h.ldir, h.writable ? 0 : SL_LEDGER_RDONLY));

	/* The counters are shared by every worker, so /metrics counts them all. */
	h.metrics = mmap(NULL, sizeof(*h.metrics), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (h.metrics == MAP_FAILED)
		sl_die(SL_EXIT_TEMP, "unable to map the metrics: %s", strerror(errno));
	hooks.metrics = h.metrics;
	if ((e = pthread_key_create(&h.ledger_key, NULL)) != 0)
		sl_die(SL_EXIT_TEMP, "unable to make a thread key: %s", strerror(e));

	sl_http_verify_cache_init(&h.verify_cache);
	{
		/* Without its files (a bare copy of the program) the page is a 404; the API serves. */
		struct sl_buf www = SL_BUF_INIT;
		struct sl_error uerr = { 0 };
		sl_share_dir(&www, "www");
		h.have_ui = sl_http_ui_load(&h.ui, www.buf, &uerr) == 0;
		sl_buf_release(&www);
	}
	status = sl_httpd_run(fd, conn, where, &hooks);
	pthread_key_delete(h.ledger_key);
	munmap(h.metrics, sizeof(*h.metrics));
	sl_http_verify_cache_release(&h.verify_cache);
	if (h.have_ui)
		sl_http_ui_release(&h.ui);
	free(h.tokens);
	return status;
}
