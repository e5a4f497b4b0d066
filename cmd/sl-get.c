// SPDX-License-Identifier: MIT
/* sl-get: print one entry. */
#include <getopt.h>
#include <stdio.h>

#include "util.h"

static const char usage[] = "sl-get [-L DIR] SEQ";
static const char help[] =
	"usage: sl-get [-L DIR] SEQ\n"
	"\n"
	"Print entry SEQ in its canonical form (the bytes its leaf hash covers),\n"
	"followed by a newline.\n"
	"\n"
	"  -L, --ledger DIR   the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 printed, 1 no such entry, 2 usage, 100 no ledger or corrupt,\n"
	"111 system failure.\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
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
	while ((c = sl_getopt(argc, argv, "L:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	if (optind + 1 != argc)
		sl_usage_die(usage);
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
