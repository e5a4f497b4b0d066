// SPDX-License-Identifier: MIT
/* sl-manifest: write, check, show and run capture manifests. */
#include <sys/wait.h>

#include "util.h"
#include "sl/capture-config.h"
#include "sl/capture.h"
#include "sl/capture-run.h"
#include "sl/manifest.h"

static const char usage[] =
	"sl-manifest init [FILE]\n"
	"       sl-manifest check FILE\n"
	"       sl-manifest show FILE\n"
	"       sl-manifest [-L ADDRESS] run FILE";
static const char help[] =
	"usage: sl-manifest init [FILE]\n"
	"       sl-manifest check FILE\n"
	"       sl-manifest show FILE\n"
	"       sl-manifest [-L ADDRESS] run FILE\n"
	"\n"
	"A manifest (JSON) lists collectors: git, env, config and command (any program\n"
	"that prints entry lines).\n"
	"\n"
	"  init [FILE]   print a starter manifest, or create FILE with it\n"
	"  check FILE    check the manifest and name every problem in it\n"
	"  show FILE     print, per collector, the command that run would start\n"
	"  run FILE      run every collector at once, in the manifest's directory, and\n"
	"                append all their entries in one sl-append --atomic batch: all\n"
	"                or nothing; prints the receipts\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger for run (default: $SL_LEDGER, else ./.stateledger)\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Options go before or after the verb and its operands; -- ends them.\n"
	"\n"
	"Exit: 0 done, 2 usage, 100 invalid manifest, a collector failed or printed an\n"
	"invalid entry, or sl-append refused the batch; 111 a collector timed out or was\n"
	"killed, or a system failure.  Nothing is appended unless every collector succeeded.\n";

/* Most a collector may print, and keep of its standard error. */
#define OUT_MAX (64u << 20)
#define ERR_MAX (64u << 10)
#define LINE_MAX_BYTES (4 * SL_ENTRY_MAX)

static char *read_file(const char *path, size_t *len)
{
	struct sl_buf b = SL_BUF_INIT;
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char *r;

	if (fd < 0)
		sl_die(errno == ENOENT || errno == ENOTDIR ? SL_EXIT_DATA : sl_errno_exit(errno),
		       "unable to read manifest '%s': %s", path, strerror(errno));
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			sl_die(errno == EISDIR ? SL_EXIT_DATA : sl_errno_exit(errno),
			       "unable to read manifest '%s': %s", path, strerror(errno));
		}
		if (b.len + (size_t)n > (1u << 20))
			sl_die(SL_EXIT_DATA, "unable to read manifest '%s': larger than 1 MiB", path);
		sl_buf_add(&b, buf, (size_t)n);
	}
	close(fd);
	if (!(r = sl_buf_detach(&b, len)))
		sl_die(SL_EXIT_TEMP, "unable to read manifest '%s': out of memory", path);
	return r;
}

/* Read and parse the manifest, or name every problem and exit 100. */
static void load(const char *path, struct sl_manifest *m)
{
	struct sl_buf problems = SL_BUF_INIT;
	struct sl_error err = { 0 };
	size_t len;
	char *text = read_file(path, &len);
	int e;

	e = sl_manifest_parse(m, text, len, &problems, &err);
	free(text);
	if (e == SL_EINVAL) {
		struct sl_lines it;
		int n = 0;

		sl_lines_init(&it, problems.buf, strlen(problems.buf));
		for (; sl_lines_next(&it); n++)
			sl_note("%s: %.*s", path, (int)it.len, it.line);
		sl_die(SL_EXIT_DATA, "unable to use manifest '%s': %d problem%s", path, n,
		       n == 1 ? "" : "s");
	}
	if (e < 0)
		sl_die(sl_exit_code(e), "unable to use manifest '%s': %s", path, err.msg);
	sl_buf_release(&problems);
}

static int cmd_init(int argc, char **argv)
{
	int fd;
	size_t n = strlen(sl_manifest_starter);

	if (argc == 0) {
		sl_outs(sl_manifest_starter);
		return SL_EXIT_OK;
	}
	/* Never overwrite: a manifest is edited by hand. */
	fd = open(argv[0], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		sl_die(errno == EEXIST ? SL_EXIT_DATA : SL_EXIT_TEMP, "unable to create '%s': %s",
		       argv[0], errno == EEXIST ? "it exists; refusing to overwrite it" : strerror(errno));
	if (write(fd, sl_manifest_starter, n) != (ssize_t)n || fsync(fd) != 0 || close(fd) != 0) {
		int e = errno;
		unlink(argv[0]);
		sl_die(SL_EXIT_TEMP, "unable to write '%s': %s", argv[0], strerror(e));
	}
	return SL_EXIT_OK;
}

static int cmd_check(const char *path)
{
	struct sl_manifest m;

	load(path, &m);
	sl_manifest_release(&m);
	return SL_EXIT_OK;
}

/* Builtin collectors run the capture program beside this one. */
static char *program_of(const struct sl_collector *c)
{
	if (c->type == SL_COLLECT_COMMAND)
		return NULL;
	return sl_find_program(c->argv[0]);
}

static int cmd_show(const char *path)
{
	struct sl_manifest m;
	struct sl_buf out = SL_BUF_INIT;
	size_t i, k;

	load(path, &m);
	for (i = 0; i < m.n; i++) {
		const struct sl_collector *c = &m.c[i];
		char *prog = program_of(c);

		sl_buf_reset(&out);
		sl_buf_addstr(&out, "{\"name\":");
		sl_buf_add_jstr(&out, c->name);
		sl_buf_addf(&out, ",\"type\":\"%s\",\"timeout\":%d,\"argv\":[",
			    sl_collector_type_name(c->type), c->timeout_s);
		for (k = 0; k < c->argc; k++) {
			if (k)
				sl_buf_addch(&out, ',');
			sl_buf_add_jstr(&out, k == 0 && prog ? prog : c->argv[k]);
		}
		sl_buf_addstr(&out, "]}\n");
		free(prog);
		if (sl_buf_ok(&out))
			sl_die(SL_EXIT_TEMP, "unable to show '%s': out of memory", path);
		sl_out(out.buf, out.len);
	}
	sl_buf_release(&out);
	sl_manifest_release(&m);
	return SL_EXIT_OK;
}

/* 100 for a collector that will fail the same way again, 111 for one that may not. */
static int failure_status(const struct sl_job *j)
{
	if (j->end == SL_JOB_TIMEOUT || j->end == SL_JOB_SIGNALLED)
		return SL_EXIT_TEMP;
	if (j->end == SL_JOB_EXITED && j->status == SL_EXIT_TEMP)
		return SL_EXIT_TEMP;
	if (j->end == SL_JOB_NOSTART && j->status != ENOENT && j->status != EACCES &&
	    j->status != ENOEXEC)
		return SL_EXIT_TEMP;
	return SL_EXIT_DATA;
}

/* Pass on what a collector said on standard error, naming it. */
static void relay_stderr(const struct sl_collector *c, const struct sl_job *j)
{
	struct sl_lines it;

	sl_lines_init(&it, j->err.buf, j->err.len);
	while (sl_lines_next(&it))
		sl_note("collector '%s': %.*s", c->name, (int)it.len, it.line);
}

/* Start sl-append --atomic, feed it every collector's lines, and return its exit status. */
static int append_all(const char *ledger, const struct sl_job *jobs, size_t n)
{
	char *prog = sl_find_program("sl-append");
	const char *argv[] = { prog, "-L", ledger, "--atomic", NULL };
	const struct sl_buf **in = calloc(n ? n : 1, sizeof(*in));
	struct sl_error err = { 0 };
	size_t i;
	int e, st;

	if (!in)
		sl_die(SL_EXIT_TEMP, "unable to append: out of memory");
	for (i = 0; i < n; i++)
		in[i] = &jobs[i].out;
	sl_out_flush(); /* its receipts follow whatever we printed */
	if ((e = sl_run_feed(argv, in, n, &st, &err)) < 0)
		sl_die(sl_exit_code(e), "%s", err.msg);
	free(in);
	free(prog);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	sl_die(SL_EXIT_TEMP, "unable to append: sl-append was killed by signal %d; nothing of "
	       "the batch was acknowledged", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static int cmd_run(const char *ldir, const char *path)
{
	struct sl_manifest m;
	struct sl_error err = { 0 };
	struct sl_buf ledger = SL_BUF_INIT;
	struct sl_job *jobs;
	char **progs, *mdir, *slash;
	size_t i;
	int e, status = 0, nfail = 0;

	load(path, &m);
	/* The ledger is named once, absolutely, for sl-append and for collectors that store. */
	if ((e = sl_abs_path(&ledger, sl_ledger_dir(ldir))) < 0)
		sl_die(sl_errno_exit(errno), "unable to find the ledger: %s", strerror(errno));
	sl_ledger_close(sl_open_ledger(ledger.buf, SL_LEDGER_RDONLY));
	if (setenv("SL_LEDGER", ledger.buf, 1) != 0)
		sl_die(sl_errno_exit(errno), "unable to set SL_LEDGER: %s", strerror(errno));
	/* Collectors run in the manifest's directory: "." there means beside the manifest. */
	if (!(mdir = realpath(path, NULL)))
		sl_die(SL_EXIT_DATA, "unable to read manifest '%s': %s", path, strerror(errno));
	slash = strrchr(mdir, '/'); /* realpath() gives an absolute path: there is one */
	if (slash == mdir)
		slash[1] = '\0'; /* a manifest in / */
	else if (slash)
		*slash = '\0';
	jobs = calloc(m.n, sizeof(*jobs));
	progs = calloc(m.n, sizeof(*progs));
	if (!jobs || !progs)
		sl_die(SL_EXIT_TEMP, "unable to run '%s': out of memory", path);
	for (i = 0; i < m.n; i++) {
		sl_job_init(&jobs[i]);
		progs[i] = program_of(&m.c[i]);
		if (progs[i]) {
			free(m.c[i].argv[0]);
			m.c[i].argv[0] = progs[i];
		}
		jobs[i].argv = (const char *const *)m.c[i].argv;
		jobs[i].cwd = mdir;
		jobs[i].timeout_ms = m.c[i].timeout_s * 1000;
		jobs[i].out_max = OUT_MAX;
		jobs[i].err_max = ERR_MAX;
	}
	sl_catch_stops();
	if ((e = sl_run_jobs(jobs, m.n, &err)) < 0) {
		if (sl_run_interrupted) {
			char what[4096 + 64];
			snprintf(what, sizeof(what), "unable to run manifest '%s'", path);
			sl_die_interrupted(what, "; nothing was appended");
		}
		sl_die(sl_exit_code(e), "unable to run the collectors of '%s': %s", path, err.msg);
	}
	for (i = 0; i < m.n; i++) {
		const struct sl_collector *c = &m.c[i];
		char how[SL_ERR_MSG + SL_ERR_MEMBER + 128];
		int bad = 0;

		relay_stderr(c, &jobs[i]);
		if (!sl_job_ok(&jobs[i])) {
			sl_job_describe(&jobs[i], how, sizeof(how));
			bad = failure_status(&jobs[i]);
		} else if ((e = sl_capture_check_lines(jobs[i].out.buf, jobs[i].out.len, &err)) < 0) {
			char what[SL_ERR_MSG + SL_ERR_MEMBER + 64];

			if (e != SL_EINVAL)
				sl_die(sl_exit_code(e), "unable to check the entries of collector '%s': %s",
				       c->name, sl_strerror(e));
			sl_error_format(&err, what, sizeof(what));
			snprintf(how, sizeof(how), "printed an invalid entry: %s", what);
			bad = SL_EXIT_DATA;
		}
		if (bad) {
			sl_note("collector '%s' (%s) failed: %s", c->name,
				sl_collector_type_name(c->type), how);
			nfail++;
			if (bad == SL_EXIT_DATA || !status)
				status = bad;
		}
	}
	if (nfail) {
		/* All or nothing: one failed collector and sl-append is never started. */
		sl_die(status, "unable to run manifest '%s': %d of %zu collector%s failed; nothing "
		       "was appended", path, nfail, m.n, m.n == 1 ? "" : "s");
	}
	status = append_all(ledger.buf, jobs, m.n);
	for (i = 0; i < m.n; i++)
		sl_job_release(&jobs[i]);
	free(jobs);
	free(progs);
	free(mdir);
	sl_buf_release(&ledger);
	sl_manifest_release(&m);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const verbs[] = { "init", "check", "show", "run", NULL };
	const char *ldir = NULL, *verb;
	int c, n, rc;

	sl_cmd_start("sl-manifest");
	while ((c = sl_getopt(argc, argv, "L:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	verb = sl_verb_arg(usage, argc, argv, NULL, verbs, NULL);
	n = argc - optind;
	if (n > 1)
		sl_usage_fail(usage, "unexpected operand '%s'", argv[optind + 1]);
	if (n < 1 && strcmp(verb, "init"))
		sl_usage_fail(usage, "%s needs a FILE", verb);
	if (strcmp(verb, "run"))
		sl_verb_refuse(usage, verb, "-L", ldir != NULL, NULL);
	if (!strcmp(verb, "init"))
		rc = cmd_init(n, argv + optind);
	else if (!strcmp(verb, "check"))
		rc = cmd_check(argv[optind]);
	else if (!strcmp(verb, "show"))
		rc = cmd_show(argv[optind]);
	else
		rc = cmd_run(ldir, argv[optind]);
	sl_out_close();
	return rc;
}
