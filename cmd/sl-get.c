// SPDX-License-Identifier: MIT
/* sl-get: print one entry. */
#include <getopt.h>
#include <stdio.h>

#include <string.h>

#include "util.h"
#include "util-text.h"

static const char usage[] = "sl-get [-L ADDRESS] [-o json|text] SEQ";
static const char help[] =
	"usage: sl-get [-L ADDRESS] [-o json|text] SEQ\n"
	"\n"
	"Print entry SEQ in its canonical form (the bytes its leaf hash covers),\n"
	"followed by a newline.\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  -o, --format F     json (default) or text: one member a line, payload\n"
	"                     members as payload.NAME, hashes cut to 12 digits\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 printed, 1 no such entry, 2 usage, 100 no ledger or corrupt,\n"
	"111 system failure.\n";

/* -o text: the entry as "name  value" lines. */
static void text_line(const char *line, size_t len)
{
	struct sl_buf b = SL_BUF_INIT;
	const char *k, *type;
	json_t *e, *p, *v;
	char h[13];

	if (!line)
		return;
	e = sl_text_json(line, len);
	p = json_object_get(e, "payload");
	type = json_string_value(json_object_get(e, "type"));
	sl_table_row();
	sl_table_cell(SL_C_BOLD, "seq");
	sl_table_cell(SL_C_BOLD, "%s", sl_text_value(json_object_get(e, "seq"), &b));
	sl_table_row();
	sl_table_cell(SL_C_NONE, "time");
	sl_table_cell(SL_C_DIM, "%s", sl_text_time(json_string_value(json_object_get(e, "ts"))));
	sl_table_row();
	sl_table_cell(SL_C_NONE, "type");
	sl_table_cell(SL_C_CYAN, "%s", type ? type : "-");
	sl_table_row();
	sl_table_cell(SL_C_NONE, "source");
	sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(e, "source"), &b));
	sl_text_summary(type, p, &b);
	sl_table_row();
	sl_table_cell(SL_C_NONE, "what");
	sl_table_cell(SL_C_YELLOW, "%s", b.buf);
	json_object_foreach(p, k, v) {
		const char *s = sl_text_value(v, &b);

		sl_table_row();
		sl_table_cell(SL_C_NONE, "payload.%s", k);
		/* A full digest or object id reads as its first 12 digits. */
		sl_table_cell(SL_C_NONE, "%s", json_is_string(v) ? sl_text_hash_or(s, h) : s);
	}
	sl_buf_release(&b);
	json_decref(e);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "format", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT;
	struct sl_ledger *l;
	const char *ldir = NULL;
	uint64_t seq;
	int c, e;

	sl_cmd_start("sl-get");
	while ((c = sl_getopt(argc, argv, "L:o:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'o': sl_format_opt(optarg, usage, text_line); break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	if (optind == argc)
		sl_usage_fail(usage, "a SEQ is needed");
	if (argc - optind > 1)
		sl_usage_fail(usage, "unexpected operand '%.80s'", argv[optind + 1]);
	seq = sl_parse_u64_arg(argv[optind], "SEQ", 0, INT64_MAX);
	l = sl_open_ledger(ldir, SL_LEDGER_RDONLY);
	if ((e = sl_ledger_get(l, seq, &out, &err)) < 0) {
		char what[64];
		snprintf(what, sizeof(what), "unable to get entry %llu", (unsigned long long)seq);
		if (e == SL_ENOTFOUND)
			sl_die(SL_EXIT_NO, "%s: no such entry", what);
		sl_die_err(&err, e, what);
	}
	sl_buf_addch(&out, '\n');
	if (sl_buf_ok(&out))
		sl_die(SL_EXIT_TEMP, "out of memory");
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&out);
	sl_ledger_close(l);
	return 0;
}
