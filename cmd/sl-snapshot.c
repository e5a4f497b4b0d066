// SPDX-License-Identifier: MIT
/* sl-snapshot: what the ledger says was in effect at time T, with its proofs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "util-text.h"
#include "sl/snapshot.h"
#include "sl/time.h"

static const char usage[] =
	"sl-snapshot [-L ADDRESS] --at T [--type TYPE] [--source GLOB] [--complete] [--objects] [-o json|text] [-q | --progress]";
static const char help[] =
	"usage: sl-snapshot [-L ADDRESS] --at T [--type TYPE] [--source GLOB]\n"
	"                   [--complete] [--objects] [-o json|text] [-q | --progress]\n"
	"\n"
	"Print, as one JSON line, the state of the ledger at time T: for the entries\n"
	"with ts <= T, the latest entry of every (type, source) in canonical form with\n"
	"its inclusion proof, the latest mutation of every namespace, the root, and\n"
	"the newest checkpoint with a consistency proof to it.\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  --at T             RFC 3339, a date, @UNIX-SECONDS or now\n"
	"  --type TYPE        only entries of this type\n"
	"  --source GLOB      only sources matching GLOB (*, ?, [...]; case-sensitive)\n"
	"  --complete         add every entry of the prefix, so the root can be recomputed\n"
	"                     (with progress on stderr when it is a terminal)\n"
	"  --objects          beside each canonical \"entry\" string, add \"object\": the\n"
	"                     same entry as a JSON object (the string stays the hashed bytes)\n"
	"  -o, --format F     json (default) or text: one screen, grouped by type: each\n"
	"                     repository's commit, each config's digest, each host's\n"
	"                     environment, each namespace's head\n"
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

/* --objects: each item holding an "entry" string gets "object", that entry parsed. */
static void add_objects(json_t *v)
{
	const char *k;
	json_t *m;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach(v, i, m)
			add_objects(m);
		return;
	}
	if (!json_is_object(v))
		return;
	json_object_foreach(v, k, m)
		add_objects(m);
	if (json_is_string(json_object_get(v, "entry")) &&
	    json_object_set_new(v, "object", sl_text_entry_of(v)) < 0)
		sl_die(SL_EXIT_TEMP, "out of memory");
}

int main(int argc, char **argv)
{
	enum { O_AT = 256, O_TYPE, O_SOURCE, O_COMPLETE, O_OBJECTS };
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "at", required_argument, NULL, O_AT },
		{ "type", required_argument, NULL, O_TYPE },
		{ "source", required_argument, NULL, O_SOURCE },
		{ "complete", no_argument, NULL, O_COMPLETE },
		{ "objects", no_argument, NULL, O_OBJECTS },
		{ "format", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		SL_PROGRESS_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_snapshot_opts o = { 0 };
	struct sl_ledger *l;
	struct sl_buf snap = SL_BUF_INIT;
	const char *ldir = NULL, *at = NULL;
	int c, e, objects = 0, progress = SL_PROGRESS_AUTO;
	enum sl_format fmt = SL_FORMAT_JSON;

	sl_cmd_start("sl-snapshot");
	while ((c = sl_getopt(argc, argv, "L:o:qh", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case O_AT: at = optarg; break;
		case O_TYPE: o.type = optarg; break;
		case O_SOURCE: o.source = sl_source_arg(optarg); break;
		case O_COMPLETE: o.complete = 1; break;
		case O_OBJECTS: objects = 1; break;
		case 'o': fmt = sl_format_arg(optarg, usage); break;
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
	sl_no_operands(usage, argc, argv);
	if (!at)
		sl_usage_fail(usage, "'--at' is needed");
	if (o.type && !*o.type)
		sl_usage_fail(usage, "'--type' needs a type");
	o.at = sl_time_arg("--at", at);
	l = sl_open_ledger(ldir, SL_LEDGER_RDONLY);
	/* Only the prefix of --complete is long work. */
	sl_progress_mode(progress);
	if (o.complete) {
		sl_progress_start("entry", "entries", "written", SL_PROGRESS_UNKNOWN);
		o.progress = sl_progress_fn_meter;
	}
	/*
	 * The default streams the library's bytes unchanged; text and
	 * --objects need the whole snapshot first, to read it.
	 */
	if (fmt == SL_FORMAT_JSON && !objects) {
		if ((e = sl_snapshot(l, &o, out_fn, NULL, &err)) < 0)
			sl_die_err(&err, e, "unable to take the snapshot");
		if (o.complete)
			sl_progress_finish(sl_progress_done(), NULL);
		sl_outs("\n");
	} else {
		json_t *s;

		if ((e = sl_snapshot(l, &o, sl_buf_write, &snap, &err)) < 0)
			sl_die_err(&err, e, "unable to take the snapshot");
		if (o.complete)
			sl_progress_finish(sl_progress_done(), NULL);
		s = sl_text_json(snap.buf, snap.len);
		sl_buf_release(&snap);
		if (fmt == SL_FORMAT_TEXT) {
			sl_text_snapshot(s);
		} else {
			char *d;

			add_objects(s);
			if (!(d = json_dumps(s, JSON_COMPACT | JSON_PRESERVE_ORDER)))
				sl_die(SL_EXIT_TEMP, "out of memory");
			sl_outs(d);
			sl_outs("\n");
			free(d);
		}
		json_decref(s);
	}
	sl_out_close();
	sl_ledger_close(l);
	return 0;
}
