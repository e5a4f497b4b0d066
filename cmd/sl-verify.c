// SPDX-License-Identifier: MIT
/* sl-verify: recompute and check everything the ledger stores. */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "util.h"
#include "sl/checkpoint.h"

static const char usage[] = "sl-verify [-L DIR] [-q]";
static const char help[] =
	"usage: sl-verify [-L DIR] [-q]\n"
	"\n"
	"Recompute every entry's leaf hash from its stored bytes, check the bytes\n"
	"against the stored seq, ts, type and source, recompute every stored tree\n"
	"node and the root, and compare them with what is stored; then check every\n"
	"stored checkpoint: its signature, its root at its size and its consistency\n"
	"with the one before.  Prints {\"verified\":true,\"size\":N,\"root\":HEX}\n"
	"(with \"checkpoints\":K when there are any) or, at the first difference,\n"
	"{\"verified\":false,\"seq\":N,\"error\":MESSAGE} (\"checkpoint\":ID for a\n"
	"checkpoint) and the message on stderr.\n"
	"Progress goes to stderr when it is a terminal.\n"
	"\n"
	"  -L, --ledger DIR   the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  -q, --quiet        print nothing on stdout; the exit status says it all\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 verified, 1 verification failed (tampering or damage), 2 usage,\n"
	"100 no ledger or unreadable database, 111 system failure.\n";

static void progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	fprintf(stderr, "\r%s: %llu/%llu entries verified", sl_progname, (unsigned long long)done,
		(unsigned long long)total);
	if (done == total)
		fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT;
	struct sl_ledger *l;
	struct sl_head h;
	const char *ldir = NULL;
	uint64_t bad, ncp = 0, bad_cp = UINT64_MAX;
	int c, e, quiet = 0;

	sl_cmd_start("sl-verify");
	while ((c = getopt_long(argc, argv, "L:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	if (optind != argc)
		sl_usage_die(usage);
	l = sl_open_ledger(ldir, SL_LEDGER_RDONLY);
	e = sl_ledger_verify(l, isatty(STDERR_FILENO) ? progress : NULL, NULL, &h, &bad, &err);
	/* The checkpoints are checked against the nodes just verified. */
	if (e == 0)
		e = sl_ledger_verify_checkpoints(l, &ncp, &bad_cp, &err);
	/* A database SQLite finds damaged is what sl-verify is here to find: a "no". */
	if (e == SL_ECORRUPT)
		e = SL_EVERIFY;
	if (e == SL_EVERIFY) {
		if (!quiet) {
			sl_buf_addstr(&out, "{\"verified\":false,");
			if (bad != UINT64_MAX)
				sl_buf_addf(&out, "\"seq\":%llu,", (unsigned long long)bad);
			if (bad_cp != UINT64_MAX)
				sl_buf_addf(&out, "\"checkpoint\":%llu,", (unsigned long long)bad_cp);
			sl_buf_addstr(&out, "\"error\":");
			sl_buf_add_jstr(&out, err.msg);
			sl_buf_addstr(&out, "}\n");
			sl_out(out.buf, out.len);
		}
		sl_out_flush();
		fprintf(stderr, "%s: %s\n", sl_progname, err.msg);
		sl_out_close();
		sl_buf_release(&out);
		sl_ledger_close(l);
		return SL_EXIT_NO;
	}
	if (e < 0)
		sl_die_err(&err, e, "unable to verify the ledger");
	if (!quiet) {
		char hex[SL_HEX_LEN + 1];
		sl_hex_encode(hex, h.root, SL_HASH_LEN);
		sl_buf_addf(&out, "{\"verified\":true,\"size\":%llu,\"root\":\"%s\"",
			    (unsigned long long)h.size, hex);
		if (ncp)
			sl_buf_addf(&out, ",\"checkpoints\":%llu", (unsigned long long)ncp);
		sl_buf_addstr(&out, "}\n");
		if (sl_buf_ok(&out))
			sl_die(SL_EXIT_TEMP, "out of memory");
		sl_out(out.buf, out.len);
	}
	sl_out_close();
	sl_buf_release(&out);
	sl_ledger_close(l);
	return 0;
}
