// SPDX-License-Identifier: MIT
/* sl-capture-git: print a `code` entry describing a git working tree. */
#include "util.h"
#include "sl/capture-git.h"
#include "sl/capture.h"

static const char usage[] = "sl-capture-git [-C DIR] [--source NAME]";
static const char help[] =
	"usage: sl-capture-git [-C DIR] [--source NAME]\n"
	"\n"
	"Print one entry line {\"type\":\"code\",\"source\":...,\"payload\":{...}} describing\n"
	"the git repository that holds DIR (default: the current directory): its\n"
	"origin URL without credentials (else its path), HEAD's commit and tree, the\n"
	"branch or a detached HEAD, the tags on HEAD, every changed, added, deleted,\n"
	"renamed and untracked path, the lock files at the top with their SHA-256,\n"
	"and the capture time.  Pipe it into sl-append.\n"
	"\n"
	"  -C DIR             capture the repository holding DIR\n"
	"  --source NAME      the entry's source (default: git:HOST/PATH of the origin)\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 printed, 2 usage, 100 not a repository, no commit yet or damaged,\n"
	"111 system failure.\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT, source = SL_BUF_INIT;
	const char *dir = ".", *src_opt = NULL;
	json_t *payload;
	int c, e;

	sl_cmd_start("sl-capture-git");
	while ((c = sl_getopt(argc, argv, "C:h", opts)) != -1) {
		switch (c) {
		case 'C': dir = optarg; break;
		case 's': src_opt = sl_source_arg(optarg); break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	sl_no_operands(usage, argc, argv);
	if (!*dir)
		sl_usage_fail(usage, "'-C' needs a directory");
	if ((e = sl_capture_git(dir, &payload, &source, &err)) < 0)
		sl_die(sl_exit_code(e), "%s", err.msg[0] ? err.msg : sl_strerror(e));
	if (src_opt) {
		sl_buf_reset(&source);
		sl_buf_addstr(&source, src_opt);
	}
	if (sl_buf_ok(&source))
		sl_die(SL_EXIT_TEMP, "unable to capture '%s': out of memory", dir);
	if ((e = sl_capture_emit(&out, "code", source.buf, payload, &err)) < 0) {
		char what[PATH_MAX + 64];
		snprintf(what, sizeof(what), "unable to capture '%s'", dir);
		sl_die_err(&err, e, what);
	}
	json_decref(payload);
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&out);
	sl_buf_release(&source);
	return SL_EXIT_OK;
}
