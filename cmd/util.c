// SPDX-License-Identifier: MIT
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "util.h"
#include "sl/entry.h"
#include "sl/json.h"
#include "sl/time.h"

#ifndef SL_VERSION
#define SL_VERSION "0.1.0"
#endif

const char *sl_progname = "sl";
void (*sl_die_hook)(void);
/*
 * Why sl_getopt() refused the last option, for sl_usage_die(): optfault
 * says it, or optneeds names an option that lacks its value ("" for none).
 */
static char optfault[160], optneeds[128], optalias[128];

void sl_cmd_start(const char *name)
{
	sl_progname = name;
	signal(SIGPIPE, SIG_IGN);
	/* Bad options get one line, ours: "sl-NAME: usage: ...". */
	opterr = 0;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SL_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SL_ASAN)
#define SL_ASAN 1
#endif

void sl_exit(int code)
{
#ifdef SL_ASAN
	/*
	 * A program that stops early exits holding its allocations, by design
	 * (as git does).  Under AddressSanitizer, leave without LeakSanitizer's
	 * check at exit, which is for runs that finish (return from main): so
	 * `make check SANITIZE=address` can look for leaks in every program.
	 */
	fflush(NULL);
	_exit(code);
#endif
	exit(code);
}

static void vmsg(const char *kind, const char *fmt, va_list ap)
{
	fflush(stdout);
	sl_progress_clear();
	fprintf(stderr, "%s: %s", sl_progname, kind);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void sl_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(code == SL_EXIT_USAGE ? "usage: " : "fatal: ", fmt, ap);
	va_end(ap);
	if (sl_die_hook)
		sl_die_hook();
	sl_exit(code);
}

void sl_die_err(const struct sl_error *err, int code, const char *what)
{
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];

	if (err && err->code)
		code = err->code;
	if (err && err->code)
		sl_error_format(err, msg, sizeof(msg));
	else
		snprintf(msg, sizeof(msg), "%s", sl_strerror(code));
	sl_die(sl_exit_code(code), "%s: %s", what, msg);
}

void sl_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

int sl_errno_exit(int errnum)
{
	return sl_exit_code(sl_errno_code(errnum));
}

void sl_fatal_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("fatal: ", fmt, ap);
	va_end(ap);
}

void sl_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

/*
 * Does the usage line show a number after option `name` ("--limit N")?
 * Then a missing value is "needs a number", which says more than "a value".
 */
static int usage_wants_number(const char *usage, const char *name)
{
	static const char *const numbers[] = { "N", "M", "SEQ", "SIZE", "MS", "SECONDS", "COUNT" };
	size_t nl = strlen(name), i;
	const char *p = usage;

	while ((p = strstr(p, name)) != NULL) {
		const char *v = p + nl, *e;

		p += nl;
		if (p - nl > usage && p[-nl - 1] != ' ' && p[-nl - 1] != '[' && p[-nl - 1] != '|')
			continue; /* "--size" inside "--old-size" */
		if (*v != ' ' && *v != '=')
			continue;
		for (e = ++v; *e >= 'A' && *e <= 'Z'; e++)
			;
		for (i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
			if ((size_t)(e - v) == strlen(numbers[i]) && !strncmp(v, numbers[i], (size_t)(e - v)))
				return 1;
		return 0;
	}
	return 0;
}

void sl_usage_die(const char *usage)
{
	sl_progress_clear();
	if (optneeds[0])
		fprintf(stderr, "%s: usage: '%s' needs a %s\n", sl_progname, optneeds,
			usage_wants_number(usage, optneeds) ||
					(optalias[0] && usage_wants_number(usage, optalias)) ?
				"number" : "value");
	else if (optfault[0])
		fprintf(stderr, "%s: usage: %s\n", sl_progname, optfault);
	optfault[0] = optneeds[0] = '\0';
	fprintf(stderr, "%s: usage: %s\n", sl_progname, usage);
	sl_exit(SL_EXIT_USAGE);
}

void sl_usage_fail(const char *usage, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("usage: ", fmt, ap);
	va_end(ap);
	optfault[0] = optneeds[0] = '\0';
	sl_usage_die(usage);
}

/*
 * The operands sl_getopt() has passed so far in this scan: kept in the
 * slots of argv that getopt has already read, from argv[opbase] on.
 */
static int opscan, opbase, opcount;

/*
 * The end of a scan: move the operands kept at argv[opbase...] to just
 * before argv[optind] (the operands after "--", if any), so that
 * argv[optind..argc) holds every operand in the order given.
 */
static void operands_gather(char **argv)
{
	memmove(argv + optind - opcount, argv + opbase, (size_t)opcount * sizeof(*argv));
	optind -= opcount;
	opscan = 0;
}

int sl_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	char spec[128];
	const char *arg;
	size_t nlen;
	int c;

	if (!opscan) {
		opscan = 1;
		opbase = optind > 0 ? optind : 1;
		opcount = 0;
	}
	/*
	 * "-" returns each operand in place (as 1), whatever POSIXLY_CORRECT
	 * says, so options are taken before, between and after operands and
	 * verbs alike; "--" still ends the options.  A leading ':' tells a
	 * missing value (':') from an unknown option ('?').
	 */
	if (shortopts[0] == '+' || shortopts[0] == '-')
		shortopts++;
	snprintf(spec, sizeof(spec), "-:%s", shortopts);
	optfault[0] = optneeds[0] = optalias[0] = '\0';
	while ((c = getopt_long(argc, argv, spec, longopts, NULL)) == 1)
		argv[opbase + opcount++] = optarg; /* a slot getopt has read */
	if (c == -1)
		operands_gather(argv);
	if (c != '?' && c != ':')
		return c;
	/* A long option has moved optind past itself; a short one is optopt. */
	arg = optind > 0 && optind <= argc ? argv[optind - 1] : NULL;
	if (arg && arg[0] == '-' && arg[1] == '-') {
		nlen = strcspn(arg, "=");
		if (c == ':')
			snprintf(optneeds, sizeof(optneeds), "%.*s", (int)nlen, arg);
		else if (arg[nlen] == '=' && optopt)
			snprintf(optfault, sizeof(optfault), "'%.*s' takes no value", (int)nlen, arg);
		else
			snprintf(optfault, sizeof(optfault), "unknown option '%.*s'", (int)nlen, arg);
	} else if (c == ':') {
		snprintf(optneeds, sizeof(optneeds), "-%c", optopt);
	} else {
		snprintf(optfault, sizeof(optfault), "unknown option '-%c'", optopt);
	}
	if (optneeds[0]) {
		/* The usage line may show the option's other spelling: -n N for --batch. */
		const struct option *o;

		for (o = longopts; o && o->name; o++) {
			if (o->flag || o->val != optopt)
				continue;
			if (optneeds[1] == '-' && optopt > ' ' && optopt < 127 && strchr(shortopts, optopt))
				snprintf(optalias, sizeof(optalias), "-%c", optopt);
			else if (optneeds[1] != '-')
				snprintf(optalias, sizeof(optalias), "--%s", o->name);
			break;
		}
	}
	return '?';
}

void sl_mode_flag(const char *usage, struct sl_mode *m, const char *flag, const char *verb)
{
	if (m->flag && strcmp(m->flag, flag))
		sl_usage_fail(usage, "'%s' does not go with '%s'", m->flag, flag);
	m->flag = flag, m->verb = verb;
}

const char *sl_verb_arg(const char *usage, int argc, char **argv, const char *dflt,
			const char *const *verbs, const struct sl_mode *m)
{
	const char *v;
	size_t i;

	if (optind >= argc) {
		if (m && m->verb)
			return m->verb;
		if (!dflt)
			sl_usage_fail(usage, "a verb is needed");
		return dflt;
	}
	v = argv[optind];
	for (i = 0; verbs[i]; i++)
		if (!strcmp(v, verbs[i])) {
			optind++;
			if (m && m->verb && strcmp(m->verb, verbs[i]))
				sl_usage_fail(usage, "'%s' does not go with '%s'", m->flag, verbs[i]);
			return verbs[i];
		}
	sl_usage_fail(usage, "unknown verb '%.80s'", v);
}

void sl_no_operands(const char *usage, int argc, char **argv)
{
	if (optind < argc)
		sl_usage_fail(usage, "unexpected operand '%.80s'", argv[optind]);
}

void sl_verb_refuse(const char *usage, const char *verb, ...)
{
	const char *opt;
	va_list ap;

	va_start(ap, verb);
	while ((opt = va_arg(ap, const char *)) != NULL) {
		if (va_arg(ap, int))
			sl_usage_fail(usage, "'%s' does not go with '%s'", opt, verb);
	}
	va_end(ap);
}

void sl_help_exit(const char *help)
{
	sl_outs(help);
	sl_out_close();
	sl_exit(0);
}

void sl_version_exit(void)
{
	sl_outs(sl_progname);
	sl_outs(" " SL_VERSION "\n");
	sl_out_close();
	sl_exit(0);
}

int sl_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

uint64_t sl_parse_u64_arg(const char *s, const char *what, uint64_t min, uint64_t max)
{
	uint64_t v;

	if (sl_parse_u64(s, max, &v) < 0 || v < min) {
		fprintf(stderr, "%s: usage: %s wants a whole number from %llu to %llu, not '%s'\n",
			sl_progname, what, (unsigned long long)min, (unsigned long long)max, s);
		sl_exit(SL_EXIT_USAGE);
	}
	return v;
}

const char *sl_ledger_dir(const char *opt)
{
	const char *env;

	if (opt && *opt)
		return opt;
	env = getenv("SL_LEDGER");
	if (env && *env)
		return env;
	return SL_LEDGER_DEFAULT;
}

static void out_failed(void)
{
	if (errno == EPIPE)
		sl_exit(0);
	sl_die(SL_EXIT_TEMP, "unable to write to standard output: %s", strerror(errno));
}

void (*sl_out_hook)(const void *p, size_t n);
void (*sl_out_hook_flush)(int end);

void sl_out_raw(const void *p, size_t n)
{
	/* Data on the terminal the progress line is on: the line makes way. */
	if (sl_progress_shown && isatty(STDOUT_FILENO))
		sl_progress_clear();
	if (n && fwrite(p, 1, n, stdout) != n)
		out_failed();
}

void sl_out(const void *p, size_t n)
{
	if (sl_out_hook)
		sl_out_hook(p, n);
	else
		sl_out_raw(p, n);
}

void sl_outs(const char *s)
{
	sl_out(s, strlen(s));
}

void sl_out_flush(void)
{
	if (sl_out_hook_flush)
		sl_out_hook_flush(0);
	if (fflush(stdout) != 0)
		out_failed();
}

void sl_out_close(void)
{
	if (sl_out_hook_flush)
		sl_out_hook_flush(1);
	if (fflush(stdout) != 0)
		out_failed();
	if (ferror(stdout))
		sl_die(SL_EXIT_TEMP, "unable to write to standard output");
	if (fclose(stdout) != 0)
		out_failed();
}

void sl_cmd_reader_init(struct sl_reader *r, int fd, size_t max)
{
	if (sl_reader_init(r, fd, max) < 0)
		sl_die(SL_EXIT_TEMP, "unable to read input: out of memory");
	r->before_read = sl_out_flush;
}

void sl_read_all(int fd, const char *name, struct sl_buf *b, size_t max)
{
	char chunk[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sl_die(sl_errno_exit(errno),
			       "unable to read '%s': %s", name, strerror(errno));
		}
		if (n == 0)
			break;
		if (b->len + (size_t)n > max)
			sl_die(SL_EXIT_DATA, "unable to read '%s': longer than %zu bytes", name, max);
		sl_buf_add(b, chunk, (size_t)n);
	}
	if (sl_buf_ok(b))
		sl_die(SL_EXIT_TEMP, "unable to read '%s': out of memory", name);
}

int sl_cmd_reader_next(struct sl_reader *r)
{
	int e = sl_reader_next(r);

	if (e == SL_ENOMEM)
		sl_die(SL_EXIT_TEMP, "unable to read input: out of memory");
	if (e < 0)
		sl_die(SL_EXIT_TEMP, "unable to read standard input: %s", strerror(r->read_errno));
	return e;
}

void sl_on_stops(void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int64_t sl_time_arg(const char *opt, const char *arg)
{
	struct sl_error err = { 0 };
	char ts[SL_TS_LEN + 1];
	int64_t t, now;

	if (sl_time_parse(arg, &t, &err) < 0 || sl_time_format(ts, t) < 0)
		sl_die(SL_EXIT_USAGE, "%s: %s", opt, err.msg[0] ? err.msg : "out of range");
	/* A second of slack, for a clock read twice ("now", then now). */
	if (sl_time_now(&now) == 0 && t > now + 1000000)
		sl_warn("%s %s (%s) is in the future: the answer is the ledger as it is now, "
			"and may change as entries are appended", opt, arg, ts);
	return t;
}

const char *sl_source_arg(const char *s)
{
	if (!sl_source_valid(s, strlen(s))) {
		fprintf(stderr, "%s: usage: --source wants 1 to 256 bytes of UTF-8 without control "
			"characters\n", sl_progname);
		sl_exit(SL_EXIT_USAGE);
	}
	return s;
}

#ifndef SL_SHAREDIR
#define SL_SHAREDIR "/usr/local/share/stateledger"
#endif

char *sl_find_program(const char *name)
{
	struct sl_buf p = SL_BUF_INIT;
	char exe[PATH_MAX], *slash, *r;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')) != NULL) {
			sl_buf_add(&p, exe, (size_t)(slash - exe) + 1);
			sl_buf_addstr(&p, name);
			if (!sl_buf_ok(&p) && access(p.buf, X_OK) == 0 &&
			    (r = sl_buf_detach(&p, NULL)) != NULL)
				return r;
		}
	}
	sl_buf_release(&p);
	if (!(r = strdup(name)))
		sl_die(SL_EXIT_TEMP, "unable to find '%s': out of memory", name);
	return r;
}

/* See util.h. */
void sl_share_dir(struct sl_buf *out, const char *name)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;

	if (n > 0) {
		char *slash;
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/'))) {
			*slash = '\0';
			char real[PATH_MAX];
			sl_buf_addf(out, "%s/../share/stateledger/%s", exe, name);
			if (sl_buf_ok(out))
				sl_die(SL_EXIT_TEMP, "out of memory");
			if (stat(out->buf, &st) == 0 && S_ISDIR(st.st_mode)) {
				if (realpath(out->buf, real)) {
					sl_buf_reset(out);
					sl_buf_addstr(out, real);
				}
				return;
			}
			sl_buf_reset(out);
		}
	}
	sl_buf_addf(out, "%s/%s", SL_SHAREDIR, name);
}

void sl_buf_add_jstr(struct sl_buf *b, const char *s)
{
	if (sl_jcs_string(b, s, strlen(s)) < 0) {
		/* Not UTF-8: never emit broken JSON; say so instead. */
		sl_buf_addstr(b, "\"<invalid UTF-8>\"");
	}
}
