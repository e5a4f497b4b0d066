// SPDX-License-Identifier: MIT
/* sl-diff: what changed between two times of a ledger, or between two snapshots. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "sl/audit.h"
#include "sl/diff.h"
#include "sl/diff-content.h"
#include "sl/time.h"

static const char usage[] =
	"sl-diff [-L DIR] [--all] [--content] --from T1 --to T2 | sl-diff [--all] SNAPSHOT1 SNAPSHOT2";
static const char help[] =
	"usage: sl-diff [-L DIR] [--all] [--content] --from T1 --to T2\n"
	"       sl-diff [--all] SNAPSHOT1 SNAPSHOT2\n"
	"\n"
	"Print, as NDJSON, what changed from the first state to the second: one\n"
	"record per (type, source) added, removed or changed, with both seqs and the\n"
	"payload members that changed, then one per mutation namespace with the\n"
	"mutations applied in between.  The states are the ledger's at T1 and T2,\n"
	"or two snapshot files as sl-snapshot writes them (- for standard input).\n"
	"A source captured again with only its capture time (captured_at) moved was\n"
	"recaptured, not changed: shown, as \"recaptured\", only with --all.\n"
	"\n"
	"  -L, --ledger DIR   the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  --from T1          RFC 3339, a date, @UNIX-SECONDS or now\n"
	"  --to T2            likewise, not before T1\n"
	"  --all              also list the sources that were only recaptured\n"
	"  --content          print, instead, a unified diff of the configuration files'\n"
	"                     stored content (sl-capture-config --store), as git diff;\n"
	"                     private, binary and unstored content is named, not shown\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 printed (nothing when nothing changed), 2 usage, 100 no ledger,\n"
	"damaged data (a stored entry or artifact that does not match its hash) or a\n"
	"file that is not a snapshot, 111 system failure.\n";

static void read_file(const char *path, struct sl_buf *b)
{
	int fd;

	if (strcmp(path, "-") == 0) {
		sl_read_all(STDIN_FILENO, "standard input", b, SL_BUNDLE_MAX);
		return;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		sl_die(errno == ENOENT || errno == ENOTDIR ? SL_EXIT_DATA : sl_errno_exit(errno),
		       "unable to open '%s': %s", path, strerror(errno));
	sl_read_all(fd, path, b, SL_BUNDLE_MAX);
	close(fd);
}

int main(int argc, char **argv)
{
	enum { O_FROM = 256, O_TO, O_ALL, O_CONTENT };
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "all", no_argument, NULL, O_ALL },
		{ "content", no_argument, NULL, O_CONTENT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT;
	const char *ldir = NULL, *from = NULL, *to = NULL;
	int c, e, flags = 0, content = 0;

	sl_cmd_start("sl-diff");
	while ((c = sl_getopt(argc, argv, "L:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case O_FROM: from = optarg; break;
		case O_TO: to = optarg; break;
		case O_ALL: flags |= SL_DIFF_ALL; break;
		case O_CONTENT: content = 1; break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	if (from || to) {
		struct sl_ledger *l;
		int64_t t1, t2;
		if (!from || !to || optind != argc)
			sl_usage_die(usage);
		t1 = sl_time_arg("--from", from);
		t2 = sl_time_arg("--to", to);
		if (t2 < t1)
			sl_die(SL_EXIT_USAGE, "--to is before --from");
		l = sl_open_ledger(ldir, SL_LEDGER_RDONLY);
		if ((e = sl_diff_ledger(l, t1, t2, flags, &out, NULL, &err)) < 0)
			sl_die_err(&err, e, "unable to compare the snapshots");
		if (content) {
			/* The records name the entries; the patch replaces them. */
			struct sl_buf recs = out;
			sl_buf_init(&out);
			if ((e = sl_diff_content(l, recs.buf, recs.len, &out, NULL, &err)) < 0)
				sl_die_err(&err, e, "unable to compare the content");
			sl_buf_release(&recs);
		}
		sl_ledger_close(l);
	} else {
		struct sl_buf a = SL_BUF_INIT, b = SL_BUF_INIT;
		/* --content reads the artifact store by the entries' seqs: a ledger's times only. */
		if (ldir || content || argc - optind != 2 ||
		    (strcmp(argv[optind], "-") == 0 && strcmp(argv[optind + 1], "-") == 0))
			sl_usage_die(usage);
		read_file(argv[optind], &a);
		read_file(argv[optind + 1], &b);
		if ((e = sl_diff(a.buf, a.len, b.buf, b.len, flags, &out, NULL, &err)) < 0)
			sl_die_err(&err, e, "unable to compare the snapshots");
		sl_buf_release(&a);
		sl_buf_release(&b);
	}
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&out);
	return 0;
}
