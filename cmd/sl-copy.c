// SPDX-License-Identifier: MIT
/* sl-copy: copy a ledger from one address to another, verbatim, and prove the roots. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "util-text.h"
#include "sl/copy.h"

static const char usage[] = "sl-copy [-q] [--progress] [--batch N] [-o json|text] SRC DST";
static const char help[] =
	"usage: sl-copy [-q] [--progress] [--batch N] [-o json|text] SRC DST\n"
	"\n"
	"Copy the ledger at address SRC to address DST (a directory or a\n"
	"PostgreSQL URI, as -L takes them): every entry verbatim (seq, ts and\n"
	"canonical bytes), every checkpoint as signed with its verifier keys,\n"
	"and every artifact.  Private keys are never copied.  A DST with no\n"
	"ledger is created with SRC's origin; a DST that is an earlier copy\n"
	"gets only what is new, so an interrupted copy is finished by running\n"
	"it again.  Before writing anything, every entry and checkpoint DST\n"
	"holds is compared with SRC's, DST is verified and its artifacts\n"
	"re-hashed; after copying, the roots of both, each\n"
	"from its own stored tree, are compared at every checkpoint's size and\n"
	"at the head.  Prints {\"copied\":N,\"from\":M,\"entries\":SIZE,\n"
	"\"checkpoints\":K,\"checkpoints_copied\":K2,\"artifacts\":A,\n"
	"\"artifacts_copied\":A2,\"roots\":R,\"root\":HEX,\"created\":BOOL}, or,\n"
	"when DST disagrees with SRC, {\"copied\":false,\"seq\":N,\"error\":MSG}\n"
	"(\"checkpoint\":ID for a checkpoint) and the message on stderr.\n"
	"Progress goes to stderr when it is a terminal (or with --progress).\n"
	"\n"
	"  --batch N          entries per write transaction (default 10000)\n"
	"  -q, --quiet        print nothing on stdout and no progress\n"
	"  --progress         show progress on stderr even when it is not a terminal\n"
	"  -o, --format F     json (default) or text\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 copied and proved, 1 DST disagrees with SRC (nothing written),\n"
	"2 usage, 100 no ledger at SRC, a damaged ledger or DST is not a ledger,\n"
	"111 system failure (run it again to finish).\n";

/* -o text: one line. */
static void text_line(const char *line, size_t len)
{
	struct sl_buf b = SL_BUF_INIT, c = SL_BUF_INIT;
	json_t *v;
	char h[13];

	if (!line)
		return;
	v = sl_text_json(line, len);
	if (!json_is_integer(json_object_get(v, "copied"))) {
		if (json_object_get(v, "seq"))
			sl_buf_addf(&c, " at seq %s", sl_text_value(json_object_get(v, "seq"), &b));
		if (json_object_get(v, "checkpoint"))
			sl_buf_addf(&c, " at checkpoint %s",
				    sl_text_value(json_object_get(v, "checkpoint"), &b));
		sl_table_line(SL_C_RED, "NOT COPIED: the destination disagrees%s: %s", c.buf,
			      sl_text_value(json_object_get(v, "error"), &b));
	} else {
		sl_buf_addf(&c, "copied %s", sl_text_value(json_object_get(v, "copied"), &b));
		sl_buf_addf(&c, " of %s entries", sl_text_value(json_object_get(v, "entries"), &b));
		sl_buf_addf(&c, ", %s", sl_text_value(json_object_get(v, "checkpoints_copied"), &b));
		sl_buf_addf(&c, " of %s checkpoints", sl_text_value(json_object_get(v, "checkpoints"), &b));
		sl_buf_addf(&c, ", %s", sl_text_value(json_object_get(v, "artifacts_copied"), &b));
		sl_buf_addf(&c, " of %s artifacts", sl_text_value(json_object_get(v, "artifacts"), &b));
		sl_buf_addf(&c, "; same root at %s sizes", sl_text_value(json_object_get(v, "roots"), &b));
		sl_table_line(SL_C_GREEN, "%s, root %s", c.buf,
			      sl_text_short(json_string_value(json_object_get(v, "root")), h));
	}
	json_decref(v);
	sl_buf_release(&b);
	sl_buf_release(&c);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'o' },
		{ "batch", required_argument, NULL, 'B' },
		SL_PROGRESS_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT, shown = SL_BUF_INIT;
	struct sl_copy_opts o = { 0 };
	struct sl_copy_stats st;
	struct sl_ledger *src, *dst = NULL;
	const char *dstaddr;
	const char *bt = getenv("SL_BUSY_TIMEOUT");
	uint64_t bad_seq, bad_cp, busy = 10000;
	char what[600];
	int c, e, quiet = 0, progress = 0, created;

	sl_cmd_start("sl-copy");
	while ((c = sl_getopt(argc, argv, "qo:h", opts)) != -1) {
		switch (c) {
		case 'q': quiet = 1; sl_progress_mode(SL_PROGRESS_QUIET); break;
		case SL_OPT_PROGRESS: progress = 1; break;
		case 'B': o.batch = (size_t)sl_parse_u64_arg(optarg, "--batch", 1, 1000000); break;
		case 'o': sl_format_opt(optarg, usage, text_line); break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	if (argc - optind != 2)
		sl_usage_fail(usage, "%s", argc - optind < 2 ? "SRC and DST are needed"
							     : "only SRC and DST are taken");
	if (!*argv[optind] || !*argv[optind + 1])
		sl_usage_fail(usage, "SRC and DST must not be empty");
	if (progress && !quiet)
		sl_progress_mode(SL_PROGRESS_FORCE);
	if (bt && *bt && sl_parse_u64(bt, 3600000, &busy) < 0)
		sl_die(SL_EXIT_USAGE, "unable to use SL_BUSY_TIMEOUT '%s': not milliseconds", bt);
	src = sl_open_ledger(argv[optind], SL_LEDGER_RDONLY);
	dstaddr = argv[optind + 1];
	e = sl_copy_open_dst(&dst, dstaddr, src, (int)busy, &created, &err);
	if (e < 0 && e != SL_EVERIFY) {
		snprintf(what, sizeof(what), "unable to open ledger '%s'",
			 sl_store_address_shown(dstaddr, &shown));
		sl_die_err(&err, e, what);
	}
	bad_seq = bad_cp = UINT64_MAX;
	if (e == 0) {
		o.progress = sl_progress_fn_meter;
		sl_progress_start("entry", "entries", "copied", SL_PROGRESS_UNKNOWN);
		e = sl_ledger_copy(src, dst, &o, &st, &bad_seq, &bad_cp, &err);
		if (e == 0)
			sl_progress_finish(st.copied, NULL);
		else
			sl_progress_clear();
	}
	if (e == SL_EVERIFY) {
		/* The destination is not a copy of the source: a definite "no". */
		if (!quiet) {
			sl_buf_addstr(&out, "{\"copied\":false,");
			if (bad_seq != UINT64_MAX)
				sl_buf_addf(&out, "\"seq\":%llu,", (unsigned long long)bad_seq);
			if (bad_cp != UINT64_MAX)
				sl_buf_addf(&out, "\"checkpoint\":%llu,", (unsigned long long)bad_cp);
			sl_buf_addstr(&out, "\"error\":");
			sl_buf_add_jstr(&out, err.msg);
			sl_buf_addstr(&out, "}\n");
			if (sl_buf_ok(&out))
				sl_die(SL_EXIT_TEMP, "out of memory");
			sl_out(out.buf, out.len);
		}
		sl_out_flush();
		sl_fatal_msg("unable to copy to '%s': %s", sl_store_address_shown(dstaddr, &shown),
			     err.msg);
		sl_out_close();
		sl_ledger_close(dst);
		sl_ledger_close(src);
		sl_buf_release(&out);
		sl_buf_release(&shown);
		return SL_EXIT_NO;
	}
	if (e < 0) {
		snprintf(what, sizeof(what), "unable to copy to '%s'",
			 sl_store_address_shown(dstaddr, &shown));
		sl_die_err(&err, e, what);
	}
	if (!quiet) {
		char hex[SL_HEX_LEN + 1];
		sl_hex_encode(hex, st.root, SL_HASH_LEN);
		sl_buf_addf(&out, "{\"copied\":%llu,\"from\":%llu,\"entries\":%llu,\"checkpoints\":%llu,"
			    "\"checkpoints_copied\":%llu,\"artifacts\":%llu,\"artifacts_copied\":%llu,"
			    "\"roots\":%llu,\"root\":\"%s\",\"created\":%s}\n",
			    (unsigned long long)st.copied, (unsigned long long)st.from,
			    (unsigned long long)st.entries, (unsigned long long)st.checkpoints,
			    (unsigned long long)st.checkpoints_copied, (unsigned long long)st.artifacts,
			    (unsigned long long)st.artifacts_copied, (unsigned long long)st.roots, hex,
			    created ? "true" : "false");
		if (sl_buf_ok(&out))
			sl_die(SL_EXIT_TEMP, "out of memory");
		sl_out(out.buf, out.len);
	}
	sl_out_close();
	sl_ledger_close(dst);
	sl_ledger_close(src);
	sl_buf_release(&out);
	sl_buf_release(&shown);
	return 0;
}
