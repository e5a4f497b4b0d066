// SPDX-License-Identifier: MIT
/* sl-snapshot: what the ledger says was in effect at time T, with its proofs. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "sl/snapshot.h"
#include "sl/time.h"

static const char usage[] =
	"sl-snapshot [-L DIR] --at T [--type TYPE] [--source GLOB] [--complete] [-q | --progress]";
static const char help[] =
	"usage: sl-snapshot [-L DIR] --at T [--type TYPE] [--source GLOB] [--complete]\n"
	"                   [-q | --progress]\n"
	"\n"
	"Print, as one JSON line, the state of the ledger at time T: for the entries\n"
	"with ts <= T, the latest entry of every (type, source) in canonical form with\n"
	"its inclusion proof, the latest mutation of every namespace, the root, and\n"
	"the newest checkpoint with a consistency proof to it.\n"
	"\n"
	"  -L, --ledger DIR   the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  --at T             RFC 3339, a date, @UNIX-SECONDS or now\n"
	"  --type TYPE        only entries of this type\n"
	"  --source GLOB      only sources matching GLOB (*, ?, [...]; case-sensitive)\n"
	"  --complete         add every entry of the prefix, so the root can be recomputed\n"
	"                     (with progress on stderr when it is a terminal)\n"
	"  --progress         show that progress even when stderr is not a terminal\n"
	"  -q, --quiet        show no progress\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 printed, 2 usage, 100 no ledger or damaged data, 111 system failure.\n";

static int out_fn(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	sl_out(p, n);
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_AT = 256, O_TYPE, O_SOURCE, O_COMPLETE };
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "at", required_argument, NULL, O_AT },
		{ "type", required_argument, NULL, O_TYPE },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "complete", no_argument, NULL, O_COMPLETE },
		{ "quiet", no_argument, NULL, 'q' },
		SL_PROGRESS_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_snapshot_opts o = { 0 };
	struct sl_ledger *l;
	const char *ldir = NULL, *at = NULL;
	int c, e, progress = SL_PROGRESS_AUTO;

	sl_cmd_start("sl-snapshot");
	while ((c = sl_getopt(argc, argv, "L:qh", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case O_AT: at = optarg; break;
		case O_TYPE: o.type = optarg; break;
		case O_SOURCE: o.source = sl_source_arg(optarg); break;
		case O_COMPLETE: o.complete = 1; break;
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
	if (optind != argc || !at || (o.type && !*o.type))
		sl_usage_die(usage);
	o.at = sl_time_arg("--at", at);
	l = sl_open_ledger(ldir, SL_LEDGER_RDONLY);
	/* Only the prefix of --complete is long work. */
	sl_progress_mode(progress);
	if (o.complete) {
		sl_progress_start("entry", "entries", "written", SL_PROGRESS_UNKNOWN);
		o.progress = sl_progress_fn_meter;
	}
	if ((e = sl_snapshot(l, &o, out_fn, NULL, &err)) < 0)
		sl_die_err(&err, e, "unable to take the snapshot");
	if (o.complete)
		sl_progress_finish(sl_progress_done(), NULL);
	sl_outs("\n");
	sl_out_close();
	sl_ledger_close(l);
	return 0;
}
