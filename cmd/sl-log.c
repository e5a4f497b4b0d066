// SPDX-License-Identifier: MIT
/* sl-log: list entries, filtered. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "util-text.h"

static const char usage[] =
	"sl-log [-L ADDRESS] [--type TYPE] [--source GLOB] [--since T] [--to T] [--after SEQ] [--limit N] [-o json|text]";
static const char help[] =
	"usage: sl-log [-L ADDRESS] [--type TYPE] [--source GLOB] [--since T] [--to T]\n"
	"              [--after SEQ] [--limit N] [-o json|text]\n"
	"\n"
	"Print the ledger's entries in seq order, one canonical JSON entry per line.\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  --type TYPE        only entries of this type\n"
	"  --source GLOB      only entries whose source matches GLOB (*, ?, [...])\n"
	"  --since T          only entries with ts >= T\n"
	"  --to T             only entries with ts <= T (--until T is a deprecated alias)\n"
	"  --after SEQ        only entries with seq > SEQ (for paging)\n"
	"  --limit N          at most N entries\n"
	"  -o, --format F     json (default: canonical entries) or text (a table:\n"
	"                     seq, time, type, source and what the payload says)\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"T is RFC 3339 (2026-11-25T12:00:00Z, offsets such as +01:00 allowed), a date\n"
	"alone (its midnight UTC), @UNIX-SECONDS[.FRACTION] or now.\n"
	"Exit: 0 listed (also when nothing matched), 2 usage, 100 no ledger or\n"
	"corrupt, 111 system failure.\n";

/* -o text: one row per entry. */
static void text_line(const char *line, size_t len)
{
	static struct sl_buf sum = SL_BUF_INIT;
	static const char *const cols[] = { "SEQ", "TIME", "TYPE", "SOURCE", "WHAT", NULL };
	json_t *e;

	if (!(e = sl_text_listing(line, len, cols, "(no entries)"))) {
		sl_buf_release(&sum);
		return;
	}
	sl_text_summary(json_string_value(json_object_get(e, "type")),
			json_object_get(e, "payload"), &sum);
	sl_table_row();
	sl_table_cell(SL_C_NONE, "%lld", (long long)json_integer_value(json_object_get(e, "seq")));
	sl_table_cell(SL_C_DIM, "%s", sl_text_time(json_string_value(json_object_get(e, "ts"))));
	sl_table_cell(SL_C_CYAN, "%s", json_string_value(json_object_get(e, "type")));
	sl_table_cell(SL_C_NONE, "%s", json_string_value(json_object_get(e, "source")));
	sl_table_cell(SL_C_YELLOW, "%s", sum.buf);
	json_decref(e);
}

static void to_ts(const char *arg, const char *opt, char out[SL_TS_LEN + 1])
{
	if (sl_time_format(out, sl_time_arg(opt, arg)) < 0)
		sl_die(SL_EXIT_USAGE, "%s: out of range", opt); /* sl_time_arg checked it */
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "type", required_argument, NULL, 't' },
		{ "source", required_argument, NULL, 's' },
		{ "since", required_argument, NULL, 'S' },
		{ "to", required_argument, NULL, 'T' },
		{ "until", required_argument, NULL, 'U' }, /* deprecated alias of --to */
		{ "after", required_argument, NULL, 'a' },
		{ "limit", required_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_filter f = { 0 };
	struct sl_error err = { 0 };
	struct sl_entry_row row;
	struct sl_scan *it;
	struct sl_ledger *l;
	char since[SL_TS_LEN + 1], until[SL_TS_LEN + 1];
	const char *ldir = NULL;
	uint64_t after;
	int c, e;

	sl_cmd_start("sl-log");
	while ((c = sl_getopt(argc, argv, "L:o:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 't':
			if (!sl_type_valid(optarg))
				sl_usage_fail(usage, "'--type' wants code, config, environment, mutation "
					      "or x-NAME, not '%s'", optarg);
			f.type = optarg;
			break;
		case 's': f.source = optarg; break;
		case 'S': to_ts(optarg, "--since", since); f.since = since; break;
		case 'T':
		case 'U': to_ts(optarg, c == 'T' ? "--to" : "--until", until); f.until = until; break;
		case 'a':
			after = sl_parse_u64_arg(optarg, "--after", 0, INT64_MAX - 1);
			f.from = after + 1;
			break;
		case 'n': f.limit = sl_parse_u64_arg(optarg, "--limit", 1, INT64_MAX); break;
		case 'o': sl_format_opt(optarg, usage, text_line); break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	sl_no_operands(usage, argc, argv);
	l = sl_open_ledger(ldir, SL_LEDGER_RDONLY);
	if ((e = sl_ledger_scan_open(l, &f, &it, &err)) < 0)
		sl_die_err(&err, e, "unable to list entries");
	while ((e = sl_ledger_scan_next(l, it, &row, &err)) == 1) {
		sl_out(row.entry, row.len);
		sl_out("\n", 1);
	}
	if (e < 0)
		sl_die_err(&err, e, "unable to list entries");
	sl_ledger_scan_close(l, it);
	sl_out_close();
	sl_ledger_close(l);
	return 0;
}
