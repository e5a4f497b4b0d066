// SPDX-License-Identifier: MIT
/* sl-diff: what changed between two times of a ledger, or between two snapshots. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "util-text.h"
#include "sl/audit.h"
#include "sl/diff.h"
#include "sl/diff-content.h"
#include "sl/time.h"

static const char usage[] =
	"sl-diff [-L ADDRESS] [--all] [--content] [-o json|text] --from T1 --to T2 | "
	"sl-diff [--all] [-o json|text] SNAPSHOT1 SNAPSHOT2";
static const char help[] =
	"usage: sl-diff [-L ADDRESS] [--all] [--content] [-o json|text] --from T1 --to T2\n"
	"       sl-diff [--all] [-o json|text] SNAPSHOT1 SNAPSHOT2\n"
	"\n"
	"Print, as NDJSON, what changed from the first state to the second: one\n"
	"record per (type, source) added, removed or changed, with both seqs and the\n"
	"payload members that changed, then one per mutation namespace with the\n"
	"mutations applied in between.  The states are the ledger's at T1 and T2,\n"
	"or two snapshot files as sl-snapshot writes them (- for standard input).\n"
	"A source captured again with only its capture time (captured_at) moved was\n"
	"recaptured, not changed: shown, as \"recaptured\", only with --all.\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  --from T1          RFC 3339, a date, @UNIX-SECONDS or now\n"
	"  --to T2            likewise, not before T1\n"
	"  --all              also list the sources that were only recaptured\n"
	"  --content          print, instead, a unified diff of the configuration files'\n"
	"                     stored content (sl-capture-config --store), as git diff;\n"
	"                     private, binary and unstored content is named, not shown\n"
	"  -o, --format F     json (default) or text: a table of the changes, each\n"
	"                     changed member on a line below (hashes cut to 12 digits)\n"
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

/* -o text: one row per (type, source) or namespace; changed members on lines below it. */
static void text_line(const char *line, size_t len)
{
	static struct sl_buf b = SL_BUF_INIT, b2 = SL_BUF_INIT;
	static const char *const cols[] = { "CHANGE", "TYPE", "SOURCE", "FROM", "TO", NULL };
	const char *ch, *col;
	json_t *r, *m, *from, *to;
	char h1[13], h2[13];
	size_t i;

	if (!(r = sl_text_listing(line, len, cols, "(no changes)"))) {
		sl_buf_release(&b);
		sl_buf_release(&b2);
		return;
	}
	ch = json_string_value(json_object_get(r, "change"));
	ch = ch ? ch : "-";
	col = !strcmp(ch, "added") ? SL_C_GREEN : !strcmp(ch, "removed") ? SL_C_RED :
	      !strcmp(ch, "changed") ? SL_C_YELLOW : SL_C_CYAN;
	sl_table_row();
	sl_table_cell(col, "%s", ch);
	if (!strcmp(ch, "mutations")) {
		from = json_object_get(r, "from");
		to = json_object_get(r, "to");
		sl_table_cell(SL_C_CYAN, "mutation");
		sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(r, "namespace"), &b));
		sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(from, "seq"), &b));
		sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(to, "seq"), &b));
		/* Each value has a scratch buffer of its own: they are printed together. */
		sl_table_line(SL_C_NONE, "    %lld applied, position %s -> %s",
			      (long long)json_integer_value(json_object_get(r, "count")),
			      sl_text_value(json_object_get(from, "position"), &b),
			      sl_text_value(json_object_get(to, "position"), &b2));
	} else {
		sl_table_cell(SL_C_CYAN, "%s", sl_text_value(json_object_get(r, "type"), &b));
		sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(r, "source"), &b));
		sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(r, "from_seq"), &b));
		sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(r, "to_seq"), &b));
		json_array_foreach(json_object_get(r, "members"), i, m) {
			const char *f = sl_text_value(json_object_get(m, "from"), &b);
			const char *t;

			f = sl_text_hash_or(f, h1);
			t = sl_text_hash_or(sl_text_value(json_object_get(m, "to"), &b2), h2);
			/* f and t live in b and b2: the member's name must use neither. */
			sl_table_line(SL_C_NONE, "    %s: %s -> %s",
				      json_string_value(json_object_get(m, "member")), f, t);
		}
	}
	json_decref(r);
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
		{ "format", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT;
	const char *ldir = NULL, *from = NULL, *to = NULL;
	int c, e, flags = 0, content = 0;
	enum sl_format fmt = SL_FORMAT_JSON;

	sl_cmd_start("sl-diff");
	while ((c = sl_getopt(argc, argv, "L:o:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case O_FROM: from = optarg; break;
		case O_TO: to = optarg; break;
		case O_ALL: flags |= SL_DIFF_ALL; break;
		case O_CONTENT: content = 1; break;
		case 'o': fmt = sl_format_arg(optarg, usage); break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	if (from || to) {
		struct sl_ledger *l;
		int64_t t1, t2;
		if (!from || !to)
			sl_usage_fail(usage, "'%s' needs '%s'", from ? "--from" : "--to", from ? "--to" : "--from");
		sl_no_operands(usage, argc, argv);
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
		if (ldir || content)
			sl_usage_fail(usage, "'%s' needs '--from' and '--to'", ldir ? "-L" : "--content");
		if (argc - optind != 2)
			sl_usage_fail(usage, argc - optind > 2 ? "unexpected operand '%.80s'" :
				      "two SNAPSHOTs or '--from' and '--to' are needed%.0s", argv[argc - 1]);
		if (strcmp(argv[optind], "-") == 0 && strcmp(argv[optind + 1], "-") == 0)
			sl_usage_fail(usage, "only one SNAPSHOT can be standard input");
		read_file(argv[optind], &a);
		read_file(argv[optind + 1], &b);
		if ((e = sl_diff(a.buf, a.len, b.buf, b.len, flags, &out, NULL, &err)) < 0)
			sl_die_err(&err, e, "unable to compare the snapshots");
		sl_buf_release(&a);
		sl_buf_release(&b);
	}
	/* --content prints a unified diff, for people already. */
	if (fmt == SL_FORMAT_TEXT && !content)
		sl_text_start(text_line);
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&out);
	return 0;
}
