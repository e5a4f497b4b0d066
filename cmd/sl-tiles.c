// SPDX-License-Identifier: MIT
/* sl-tiles: the log as C2SP tlog-tiles, static files for any web server. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sl/tiles.h"
#include "util.h"

static const char usage[] = "sl-tiles [-L ADDRESS] [-q | --progress] export OUTDIR";
static const char help[] =
	"usage: sl-tiles [-L ADDRESS] [-q | --progress] export OUTDIR\n"
	"\n"
	"Write the ledger's newest checkpoint and the C2SP tlog-tiles it needs into\n"
	"OUTDIR: every full tile and entry bundle up to its size, the partial tiles\n"
	"and bundles of every checkpointed size, and OUTDIR/checkpoint last, once\n"
	"the tiles are on disk.  Run it again after each checkpoint: full tiles\n"
	"already there are kept (they never change).  Prints one JSON line:\n"
	"{\"size\",\"checkpoints\",\"written\",\"kept\"}.\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  --progress         show the full tiles written on stderr even when it is not\n"
	"                     a terminal (shown by default on a terminal)\n"
	"  -q, --quiet        show no progress\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Options go before or after the verb and its operands; -- ends them.\n"
	"\n"
	"Exit: 0 written, 1 the ledger has no checkpoint, 2 usage, 100 no ledger,\n"
	"corrupt, or OUTDIR holds another log's tiles, 111 system failure.\n";

int main(int argc, char **argv)
{
	static const char *const verbs[] = { "export", NULL };
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		SL_PROGRESS_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_tiles_stats st;
	struct sl_buf out = SL_BUF_INIT;
	struct sl_ledger *l;
	const char *ldir = NULL;
	int c, e, progress = SL_PROGRESS_AUTO;

	sl_cmd_start("sl-tiles");
	while ((c = sl_getopt(argc, argv, "L:qh", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'q': progress = SL_PROGRESS_QUIET; break;
		case SL_OPT_PROGRESS:
			if (progress != SL_PROGRESS_QUIET)
				progress = SL_PROGRESS_FORCE;
			break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	sl_verb_arg(usage, argc, argv, NULL, verbs, NULL);
	if (optind == argc)
		sl_usage_fail(usage, "export needs an OUTDIR");
	if (argc - optind > 1)
		sl_usage_fail(usage, "unexpected operand '%.80s'", argv[optind + 1]);
	l = sl_open_ledger(ldir, SL_LEDGER_RDONLY);
	sl_progress_mode(progress);
	sl_progress_start("tile", "tiles", "exported", SL_PROGRESS_UNKNOWN);
	if ((e = sl_tiles_export_progress(l, argv[optind], sl_progress_fn_meter, NULL, &st,
					  &err)) < 0) {
		char what[600];
		snprintf(what, sizeof(what), "unable to export tiles to '%s'", argv[optind]);
		if (e == SL_ENOTFOUND)
			sl_die(SL_EXIT_NO, "%s: %s", what, err.msg);
		sl_die_err(&err, e, what);
	}
	sl_progress_finish(sl_progress_done(), NULL);
	sl_buf_addf(&out, "{\"size\":%llu,\"checkpoints\":%llu,\"written\":%llu,\"kept\":%llu}\n",
		    (unsigned long long)st.size, (unsigned long long)st.checkpoints,
		    (unsigned long long)st.written, (unsigned long long)st.kept);
	if (sl_buf_ok(&out))
		sl_die(SL_EXIT_TEMP, "out of memory");
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&out);
	sl_ledger_close(l);
	return 0;
}
