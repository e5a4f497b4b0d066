// SPDX-License-Identifier: MIT
/*
 * sl-witness: a C2SP tlog-witness.  It takes POST /add-checkpoint, checks
 * the log's signature and the consistency proof from the size it saw last
 * (lib/witness.c), keeps its state per origin (lib/witness-state.c) and
 * answers with its C2SP tlog-cosignature/v1 cosignature (lib/cosig.c).
 * The server is cmd/util-httpd.c, sl-httpd's.  `sl-witness verify` checks
 * the cosignatures on a note.
 *
 * The process that parses HTTP holds no key: each serving process forks a
 * keeper as it starts, which alone holds the witness key and writes the
 * state, and then wipes its own copy.  A whole add-checkpoint body goes to
 * the keeper over a SOCK_SEQPACKET socket pair and the answer comes back,
 * one message each way; the keeper parses and checks everything again, as
 * it trusts nothing the other side says.
 */
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include "util.h"
#include "util-httpd.h"
#include "util-serve.h"
#include "sl/cosig.h"
#include "sl/file.h"
#include "sl/json.h"
#include "sl/time.h"
#include "sl/witness.h"
#include "sl/witnessing.h"

static const char usage[] =
	"sl-witness -d DIR -k KEY (-c FILE | --log VKEY)... [-l ADDR:PORT] [-u USER] [server options]\n"
	"       sl-witness verify -w VKEY... [-q K] [FILE]";
static const char help[] =
	"usage: sl-witness -d DIR -k KEY (-c FILE | --log VKEY)... [-l ADDR:PORT] [-u USER]\n"
	"                  [server options]\n"
	"       sl-witness verify -w VKEY... [-q K] [FILE]\n"
	"\n"
	"Witness logs (C2SP tlog-witness): take POST /add-checkpoint, cosign each\n"
	"checkpoint that a trusted log signed and that is consistent with the last\n"
	"one cosigned for its origin, with KEY (C2SP tlog-cosignature/v1, made by\n"
	"sl-keygen --type cosignature).  GET /<SHA-256 of the origin, hex>/checkpoint\n"
	"is the latest checkpoint cosigned.  The socket is, in this order: LISTEN_FDS,\n"
	"-l, a listening socket on stdin, the connection on stdin/stdout.\n"
	"\n"
	"  -d, --state DIR         the witness's state: one directory per log\n"
	"  -k, --key KEY           the witness's private key (mode 0600)\n"
	"  -c, --config FILE       the logs to trust: 'VKEY[ ORIGIN]' a line\n"
	"  --log 'VKEY[ ORIGIN]'   trust one log key (ORIGIN defaults to its name)\n"
	"  -l, --listen ADDR:PORT  listen on ADDR:PORT (127.0.0.1:8080, [::1]:8080, *:8080)\n"
	"  -u, --user USER         started as root: become USER once the socket is bound\n"
	"  --max-body BYTES        largest POST body (default 68640)\n"
	SL_HTTPD_HELP
	"\n"
	"verify: check the cosignatures on the note in FILE (default: standard input)\n"
	"  -w, --witness VKEY      a witness's verifier key (repeatable)\n"
	"  -q, --quorum K          how many must hold (default: all of them)\n"
	"\n"
	"  -h, --help              show this help\n"
	"  --version               show the version\n"
	"\n"
	"Exit: 0 stopped by SIGTERM or connection done (verify: quorum met), 1 quorum\n"
	"not met, 2 usage, 100 bad key, configuration or note, 111 system failure.\n";

static struct sl_witness_config config = SL_WITNESS_CONFIG_INIT;
static struct sl_signer key;
static struct sl_witness witness;

/* The serving process's end of the socket pair to its keeper; one request at a time. */
static int keeper_fd = -1;
static pthread_mutex_t keeper_lock = PTHREAD_MUTEX_INITIALIZER;

/* The keeper's answer: a 4-byte status (host order), then its body or the reason. */
#define REPLY_MAX 4096
/*
 * The wait for the keeper (its fsyncs) is bounded by --request-timeout:
 * past it the serving process gives up on its keeper for good, since a
 * late answer would be read as the next request's.  A keeper lost so, or
 * dead, cannot be started again here (this process no longer holds the
 * key): the process answers 503 and stops as on SIGTERM, letting its
 * requests in flight finish, so that it is started again with a new
 * keeper, by the supervising process among several workers, else by
 * systemd or Kubernetes (exit 111).
 */
static volatile sig_atomic_t keeper_lost;

/* Give up on the keeper (under keeper_lock): say why, and stop this process. */
static void lose_keeper(const char *why)
{
	sl_warn("%s; no more cosignatures from this process: it stops, to be started again "
		"with a new keeper", why);
	close(keeper_fd);
	keeper_fd = -1;
	keeper_lost = 1;
	kill(getpid(), SIGTERM);
}

/* Send the whole message, retrying on EINTR; 0 or -1. */
static int send_msg(int fd, const void *p, size_t n)
{
	while (send(fd, p, n, MSG_NOSIGNAL) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Receive one message into buf (cap bytes): its length (> cap when cut), 0 at the end, -1. */
static ssize_t recv_msg(int fd, void *buf, size_t cap)
{
	ssize_t n;

	while ((n = recv(fd, buf, cap, MSG_TRUNC)) < 0)
		if (errno != EINTR)
			return -1;
	return n;
}

/* The keeper: answer each body that comes on fd until the serving process goes away. */
static void keeper(int fd) __attribute__((noreturn));
static void keeper(int fd)
{
	char *buf = malloc(SL_WITNESS_BODY_MAX + 2);
	struct sl_buf out = SL_BUF_INIT, reply = SL_BUF_INIT;

	if (!buf)
		_exit(SL_EXIT_TEMP);
	for (;;) {
		struct sl_error err = { 0 };
		ssize_t n = recv_msg(fd, buf, SL_WITNESS_BODY_MAX + 2);
		int32_t status;
		int64_t now;
		int e;

		if (n <= 0)
			_exit(n == 0 ? 0 : SL_EXIT_TEMP);
		sl_buf_reset(&out);
		/* The first byte is a tag, so that an empty body is still a message. */
		if ((size_t)n > SL_WITNESS_BODY_MAX + 1 || buf[0] != 'A') {
			sl_error_set(&err, SL_EINVAL, "body longer than %d bytes", SL_WITNESS_BODY_MAX);
			e = SL_WITNESS_BAD_REQUEST;
		} else if (sl_time_now(&now) < 0 || now < 1000000) {
			e = sl_error_set(&err, SL_EIO, "the clock cannot be read");
		} else {
			e = sl_witness_add_checkpoint(&witness, buf + 1, (size_t)n - 1,
						      (uint64_t)now / 1000000u, &out, &err);
		}
		status = e;
		sl_buf_reset(&reply);
		sl_buf_add(&reply, &status, sizeof(status));
		if (e == SL_WITNESS_OK || e == SL_WITNESS_CONFLICT)
			sl_buf_add(&reply, out.buf, out.len);
		else
			sl_buf_addstr(&reply, err.msg);
		if (sl_buf_ok(&reply) < 0 || reply.len > REPLY_MAX)
			_exit(SL_EXIT_TEMP);
		if (send_msg(fd, reply.buf, reply.len) < 0)
			_exit(0);
	}
}

/* In each serving process as it starts: fork its keeper, then forget the key here. */
static void start_keeper(void *ctx)
{
	sigset_t none;
	pid_t parent = getpid(), p;
	int sv[2];

	(void)ctx;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		sl_die(SL_EXIT_TEMP, "unable to make the keeper's socket: %s", strerror(errno));
	if ((p = fork()) < 0)
		sl_die(SL_EXIT_TEMP, "unable to start the keeper: %s", strerror(errno));
	if (p == 0) {
		int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
		/*
		 * Only its end of the pair and stderr: a listening socket or the
		 * connection on stdin/stdout held here would outlive the server's
		 * close of it (new clients queued, a peer never seeing the end).
		 */
		if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 || dup2(nul, STDOUT_FILENO) < 0)
			_exit(SL_EXIT_TEMP);
		if (sv[1] > 3)
			close_range(3, (unsigned)sv[1] - 1, 0);
		close_range((unsigned)sv[1] + 1, ~0u, 0);
		/* The serving process blocks its stop signals; the keeper ends with it. */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			_exit(SL_EXIT_TEMP);
		keeper(sv[1]);
	}
	close(sv[1]);
	keeper_fd = sv[0];
	{
		struct timeval tv = { (time_t)sl_httpd_opt.request_timeout, 0 };
		if (setsockopt(keeper_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
		    setsockopt(keeper_fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
			sl_die(SL_EXIT_TEMP, "unable to bound the wait for the keeper: %s", strerror(errno));
	}
	sl_signer_wipe(&key);
}

/*
 * Ask the keeper: the status (or a negative SL_E... code) with the answer's
 * body in body, or -1 when the keeper cannot be reached.
 */
static int ask_keeper(const char *req, size_t len, struct sl_buf *body)
{
	struct sl_buf msg = SL_BUF_INIT;
	char reply[REPLY_MAX + 1];
	int32_t status;
	ssize_t n;

	sl_buf_addch(&msg, 'A');
	sl_buf_add(&msg, req, len);
	if (sl_buf_ok(&msg) < 0)
		return SL_ENOMEM;
	pthread_mutex_lock(&keeper_lock);
	n = keeper_fd < 0 || send_msg(keeper_fd, msg.buf, msg.len) < 0
		    ? -1
		    : recv_msg(keeper_fd, reply, sizeof(reply));
	if (n < 0 && keeper_fd >= 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		char why[80];
		snprintf(why, sizeof(why), "the keeper did not answer in %u seconds",
			 sl_httpd_opt.request_timeout);
		lose_keeper(why);
	} else if (n <= 0 && keeper_fd >= 0) {
		lose_keeper(n == 0 ? "the keeper is gone" : "the keeper cannot be reached");
	}
	pthread_mutex_unlock(&keeper_lock);
	sl_buf_release(&msg);
	if (n < (ssize_t)sizeof(status) || n > REPLY_MAX)
		return -1;
	memcpy(&status, reply, sizeof(status));
	sl_buf_add(body, reply + sizeof(status), (size_t)n - sizeof(status));
	return status;
}

/* A plain-text answer: tlog-witness speaks text, not JSON. */
static void text_answer(struct sl_http_response *rs, int status, const char *type, const char *msg)
{
	rs->status = status;
	rs->route = SL_ROUTE_UNKNOWN;
	rs->content_type = type;
	sl_buf_reset(&rs->body);
	sl_buf_addstr(&rs->body, msg);
	sl_buf_addch(&rs->body, '\n');
}

#define TEXT "text/plain; charset=utf-8"

/* "/<64 hex>/checkpoint": the hash into hash (65 bytes), else 0. */
static int monitor_path(const char *path, char *hash)
{
	size_t n = strlen(path);

	if (n != 1 + 2 * SL_HASH_LEN + 11 || path[0] != '/' ||
	    strcmp(path + 1 + 2 * SL_HASH_LEN, "/checkpoint") != 0)
		return 0;
	memcpy(hash, path + 1, 2 * SL_HASH_LEN);
	hash[2 * SL_HASH_LEN] = '\0';
	return 1;
}

/* Refuse from the headers a POST to anything but /add-checkpoint. */
static int post_headers(void *ctx, const struct sl_http_request *rq, struct sl_http_response *rs)
{
	char hash[2 * SL_HASH_LEN + 1];

	(void)ctx;
	if (strcmp(rq->path, "/add-checkpoint") == 0)
		return 0;
	if (monitor_path(rq->path, hash)) {
		text_answer(rs, 405, TEXT, "method not allowed");
		rs->allow = "GET, HEAD";
		return 1;
	}
	text_answer(rs, 404, TEXT, "not found");
	return 1;
}

static int answer(void *ctx, const struct sl_http_request *rq, struct sl_http_response *rs)
{
	struct sl_error err = { 0 };
	struct sl_buf why = SL_BUF_INIT;
	char hash[2 * SL_HASH_LEN + 1];
	int e, get = strcmp(rq->method, "GET") == 0 || strcmp(rq->method, "HEAD") == 0;

	(void)ctx;
	rs->route = SL_ROUTE_UNKNOWN;
	if (strcmp(rq->path, "/add-checkpoint") == 0) {
		if (strcmp(rq->method, "POST") != 0) {
			text_answer(rs, 405, TEXT, "method not allowed: POST the checkpoint");
			rs->allow = "POST";
			return 0;
		}
		e = ask_keeper(rq->body ? rq->body : "", rq->body_len, &why);
		if (e == SL_WITNESS_OK || e == SL_WITNESS_CONFLICT) {
			rs->status = e;
			rs->content_type = e == SL_WITNESS_OK ? TEXT : "text/x.tlog.size";
			sl_buf_add(&rs->body, why.buf, why.len);
		} else if (e > 0) {
			text_answer(rs, e, TEXT, why.len ? why.buf : "refused");
		} else if (e == -1) {
			sl_warn("unable to reach the keeper of the witness key");
			text_answer(rs, 503, TEXT, "the witness cannot sign now; retry later");
		} else if (e == SL_ENOMEM || e == SL_EIO || e == SL_EBUSY || e == SL_ENOSPACE) {
			/* The state could not be kept: say so in the log, not to the client. */
			sl_warn("unable to keep the witness state: %s", why.len ? why.buf : sl_strerror(e));
			text_answer(rs, 503, TEXT, "the witness cannot keep its state; retry later");
		} else {
			sl_warn("unable to witness: %s", why.len ? why.buf : sl_strerror(e));
			text_answer(rs, 500, TEXT, "internal error");
		}
		sl_buf_release(&why);
		return 0;
	}
	if (monitor_path(rq->path, hash)) {
		if (!get) {
			text_answer(rs, 405, TEXT, "method not allowed");
			rs->allow = "GET, HEAD";
			return 0;
		}
		sl_buf_reset(&rs->body);
		e = sl_witness_latest(witness.dir, hash, &rs->body, &err);
		if (e == 0) {
			rs->status = 200;
			rs->content_type = TEXT;
		} else if (e == SL_ENOTFOUND) {
			text_answer(rs, 404, TEXT, "nothing cosigned for that log");
		} else {
			sl_warn("unable to read the witness state: %s", err.msg);
			text_answer(rs, 503, TEXT, "the witness state cannot be read; retry later");
		}
		return 0;
	}
	text_answer(rs, 404, TEXT, "not found");
	return 0;
}

static void add_log_line(const char *line, const char *what)
{
	struct sl_error err = { 0 };
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];

	if (sl_witness_config_parse(&config, line, strlen(line), &err) < 0)
		sl_die(SL_EXIT_USAGE, "unable to trust %s '%.200s': %s", what, line,
		       sl_error_format(&err, msg, sizeof(msg)));
}

static void read_config(const char *path)
{
	struct sl_error err = { 0 };
	struct sl_buf b = SL_BUF_INIT;
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0)
		sl_die(errno == ENOENT ? SL_EXIT_DATA : sl_errno_exit(errno), "unable to open '%s': %s",
		       path, strerror(errno));
	sl_read_all(fd, path, &b, SL_WITNESS_CONFIG_MAX);
	close(fd);
	if ((e = sl_witness_config_parse(&config, b.buf, b.len, &err)) < 0)
		sl_die(e == SL_ENOMEM ? SL_EXIT_TEMP : SL_EXIT_DATA, "unable to read '%s': %s", path,
		       sl_error_format(&err, msg, sizeof(msg)));
	sl_buf_release(&b);
}

/*
 * An option as sl_getopt() returned it, kept until the verb is known: the
 * server and verify take one table (options go anywhere), and -w is
 * --workers to the server but --witness to verify.
 */
struct given {
	int c;
	const char *arg;
};

enum { O_LOG = 0x2000, O_WITNESS, O_WORKERS };
static const struct option opts[] = {
	{ "state", required_argument, NULL, 'd' },
	{ "key", required_argument, NULL, 'k' },
	{ "config", required_argument, NULL, 'c' },
	{ "log", required_argument, NULL, O_LOG },
	{ "listen", required_argument, NULL, 'l' },
	{ "user", required_argument, NULL, 'u' },
	/* Its own value, so that --workers is told from -w (--witness to verify). */
	{ "workers", required_argument, NULL, O_WORKERS },
	SL_HTTPD_LONG_OPTIONS_BUT_WORKERS,
	{ "witness", required_argument, NULL, O_WITNESS },
	{ "quorum", required_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* "-x" or "--name": how the option c is written, for a usage error. */
static const char *opt_name(int c, char *buf, size_t n)
{
	const struct option *o;

	if (c > ' ' && c < 127) {
		snprintf(buf, n, "-%c", c);
		return buf;
	}
	for (o = opts; o->name; o++)
		if (o->val == c) {
			snprintf(buf, n, "--%s", o->name);
			return buf;
		}
	return "?";
}

/* sl-witness verify: the cosignatures on a note, NDJSON a witness, exit 0 when K hold. */
static int verify_main(const struct given *g, size_t ng, int argc, char **argv)
{
	struct sl_error err = { 0 };
	struct sl_buf note = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_vkey *ws = NULL;
	struct sl_checkpoint c;
	const char **wargs;
	const char *path = "-", *quorum_arg = NULL;
	size_t n = 0, i, valid = 0, quorum = 0;
	uint64_t ts;
	char name[64];
	size_t gi;
	int fd = STDIN_FILENO, e;

	if (!(wargs = calloc(ng + 1, sizeof(*wargs))))
		sl_die(SL_EXIT_TEMP, "out of memory");
	for (gi = 0; gi < ng; gi++) {
		switch (g[gi].c) {
		case 'w':
		case O_WITNESS:
			wargs[n++] = g[gi].arg;
			break;
		case 'q':
			quorum_arg = g[gi].arg;
			break;
		default:
			sl_usage_fail(usage, "'%s' does not go with 'verify'",
				      opt_name(g[gi].c, name, sizeof(name)));
		}
	}
	if (n == 0)
		sl_usage_fail(usage, "verify needs '-w/--witness'");
	if (argc - optind > 1)
		sl_usage_fail(usage, "unexpected operand '%.80s'", argv[optind + 1]);
	/* As sl-checkpoint and sl-audit verify take them: a witness given twice is a usage error. */
	ws = sl_witness_key_args(wargs, n, quorum_arg, &quorum);
	free(wargs);
	if (argc - optind == 1 && strcmp(argv[optind], "-") != 0) {
		path = argv[optind];
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
			sl_die(errno == ENOENT ? SL_EXIT_DATA : sl_errno_exit(errno),
			       "unable to open '%s': %s", path, strerror(errno));
	}
	sl_read_all(fd, path, &note, SL_NOTE_MAX);
	if (fd != STDIN_FILENO)
		close(fd);
	if ((e = sl_checkpoint_parse(note.buf, note.len, &c, NULL, &err)) < 0)
		sl_die_err(&err, e, "unable to read the note");
	for (i = 0; i < n; i++) {
		struct sl_error werr = { 0 };
		e = sl_cosig_verify(note.buf, note.len, &ws[i], &ts, &werr);
		if (e != 0 && e != SL_EVERIFY)
			sl_die_err(&werr, e, "unable to check the note");
		sl_buf_addstr(&out, "{\"witness\":");
		if (sl_jcs_string(&out, ws[i].name, strlen(ws[i].name)) < 0)
			sl_die(SL_EXIT_TEMP, "out of memory");
		if (e == 0) {
			sl_buf_addf(&out, ",\"verified\":true,\"time\":%llu}\n", (unsigned long long)ts);
		} else {
			sl_buf_addstr(&out, ",\"verified\":false,\"reason\":");
			if (sl_jcs_string(&out, werr.msg, strlen(werr.msg)) < 0)
				sl_die(SL_EXIT_TEMP, "out of memory");
			sl_buf_addstr(&out, "}\n");
		}
	}
	/* Counted as sl-checkpoint and sl-audit verify count them. */
	if ((e = sl_witness_quorum(note.buf, note.len, ws, n, quorum, &valid, NULL, &err)) < 0 &&
	    e != SL_EVERIFY)
		sl_die_err(&err, e, "unable to count the cosignatures");
	if (sl_buf_ok(&out) < 0)
		sl_die(SL_EXIT_TEMP, "out of memory");
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&note);
	sl_buf_release(&out);
	free(ws);
	if (valid < quorum) {
		sl_fatal_msg("unable to verify the note: %zu of %zu cosignatures hold", valid, quorum);
		return SL_EXIT_NO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sl_httpd_hooks hooks = { post_headers, answer, NULL, NULL, start_keeper, NULL };
	struct sl_error err = { 0 };
	struct sl_buf vk = SL_BUF_INIT;
	struct given *g;
	const char *dir = NULL, *keyfile = NULL, *listen = NULL, *user = NULL;
	char where[NI_MAXHOST + NI_MAXSERV + 8], name[64];
	size_t ng = 0, gi;
	int c, fd, conn, status, e;

	sl_cmd_start("sl-witness");
	if (!(g = calloc((size_t)argc, sizeof(*g))))
		sl_die(SL_EXIT_TEMP, "out of memory");
	while ((c = sl_getopt(argc, argv, "d:k:c:l:u:q:h" SL_HTTPD_SHORT_OPTIONS, opts)) != -1) {
		switch (c) {
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		case '?': sl_usage_die(usage);
		default: g[ng].c = c, g[ng++].arg = optarg;
		}
	}
	if (optind < argc && strcmp(argv[optind], "verify") == 0) {
		optind++;
		status = verify_main(g, ng, argc, argv);
		free(g);
		return status;
	}
	sl_no_operands(usage, argc, argv);
	sl_httpd_opt.max_body = SL_WITNESS_BODY_MAX;
	for (gi = 0; gi < ng; gi++) {
		const char *arg = g[gi].arg;

		switch (g[gi].c) {
		case 'd': dir = arg; break;
		case 'k': keyfile = arg; break;
		case 'c': read_config(arg); break;
		case O_LOG: add_log_line(arg, "--log"); break;
		case 'l': listen = arg; break;
		case 'u': user = arg; break;
		case O_WORKERS: sl_httpd_option('w', arg, usage, SL_WITNESS_BODY_MAX); break;
		default:
			if (!sl_httpd_option(g[gi].c, arg, usage, SL_WITNESS_BODY_MAX))
				sl_usage_fail(usage, "'%s' is for verify",
					      opt_name(g[gi].c, name, sizeof(name)));
		}
	}
	free(g);
	if (!dir || !*dir)
		sl_usage_fail(usage, "'-d/--state' is needed");
	if (!keyfile)
		sl_usage_fail(usage, "'-k/--key' is needed");
	if (config.n == 0)
		sl_die(SL_EXIT_USAGE, "no log to witness: give -c FILE or --log VKEY");
	sl_load_signer(keyfile, &key);
	if (key.vk.type != SL_KEY_COSIG)
		sl_die(SL_EXIT_DATA, "unable to use key '%s': not a witness key (make one with "
		       "sl-keygen --type cosignature)", keyfile);
	witness.dir = dir;
	witness.config = &config;
	witness.key = &key;
	fd = sl_httpd_socket(listen, usage, &conn, where, sizeof(where));
	if (user)
		sl_become_user(user);
	/* Made as the user who will write it. */
	if ((e = sl_mkdir_p(dir, 0700, &err)) < 0)
		sl_die_err(&err, e, "unable to make the state directory");
	if (!conn) {
		if (sl_vkey_format(&vk, &key.vk) < 0)
			sl_die(SL_EXIT_TEMP, "out of memory");
		sl_note("cosigning as %s for %zu log%s", vk.buf, config.n, config.n == 1 ? "" : "s");
		sl_buf_release(&vk);
	}
	status = sl_httpd_run(fd, conn, where, &hooks);
	if (keeper_lost && status == 0)
		status = SL_EXIT_TEMP;
	sl_signer_wipe(&key);
	sl_witness_config_release(&config);
	return status;
}
