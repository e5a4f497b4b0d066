// SPDX-License-Identifier: MIT
/* sl-init: create a ledger. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "util.h"

static const char usage[] = "sl-init [-L ADDRESS] [--origin NAME]";
static const char help[] =
	"usage: sl-init [-L ADDRESS] [--origin NAME]\n"
	"\n"
	"Create an empty ledger in DIR (default: $SL_LEDGER, else ./.stateledger):\n"
	"the directory and its artifacts/ and keys/ (mode 0700) and ledger.db (0600).\n"
	"An existing ledger or any non-empty directory is never touched.\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     where to create the ledger\n"
	"  --origin NAME      the name its checkpoints carry (default HOSTNAME/stateledger/RANDOM)\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Prints {\"ledger\":DIR,\"origin\":NAME}.  Exit: 0 created, 2 usage,\n"
	"100 the ledger or directory exists, 111 system failure.\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "origin", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT, origin = SL_BUF_INIT;
	const char *ldir = NULL, *dir;
	int c, e;

	sl_cmd_start("sl-init");
	while ((c = sl_getopt(argc, argv, "L:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'o':
			if (!sl_origin_valid(optarg))
				sl_die(SL_EXIT_USAGE, "--origin wants 1-255 printable characters, no "
				       "space or '+', not '%.64s'", optarg);
			sl_buf_reset(&origin);
			sl_buf_addstr(&origin, optarg);
			break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	sl_no_operands(usage, argc, argv);
	dir = sl_ledger_dir(ldir);
	if (!origin.len) {
		char host[256] = "localhost";
		unsigned char rnd[4];
		char hex[9];

		if (gethostname(host, sizeof(host) - 1) != 0 || !sl_origin_valid(host))
			snprintf(host, sizeof(host), "localhost");
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			sl_die(SL_EXIT_TEMP, "unable to read random bytes for the origin");
		sl_hex_encode(hex, rnd, sizeof(rnd));
		sl_buf_addf(&origin, "%s/stateledger/%s", host, hex);
	}
	if (sl_buf_ok(&origin))
		sl_die(SL_EXIT_TEMP, "out of memory");
	if ((e = sl_ledger_init(dir, origin.buf, &err)) < 0) {
		char what[600];
		struct sl_buf shown = SL_BUF_INIT;
		snprintf(what, sizeof(what), "unable to create ledger '%s'",
			 sl_store_address_shown(dir, &shown));
		sl_die_err(&err, e, what);
	}
	sl_buf_addstr(&out, "{\"ledger\":");
	{
		/* Never a password on stdout, where logs keep it. */
		struct sl_buf shown = SL_BUF_INIT;
		sl_buf_add_jstr(&out, sl_store_address_shown(dir, &shown));
		sl_buf_release(&shown);
	}
	sl_buf_addstr(&out, ",\"origin\":");
	sl_buf_add_jstr(&out, origin.buf);
	sl_buf_addstr(&out, "}\n");
	if (sl_buf_ok(&out))
		sl_die(SL_EXIT_TEMP, "out of memory");
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&out);
	sl_buf_release(&origin);
	return 0;
}
