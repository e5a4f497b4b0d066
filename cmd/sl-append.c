// SPDX-License-Identifier: MIT
/* sl-append: validate entry lines from stdin and append them, printing receipts. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "sl/pipeline.h"

static const char usage[] = "sl-append [-L DIR] [-n N | --atomic] [--skip-invalid]";
static const char help[] =
	"usage: sl-append [-L DIR] [-n N | --atomic] [--skip-invalid]\n"
	"\n"
	"Read entry lines {\"type\":...,\"source\":...,\"payload\":{...}} from standard input,\n"
	"validate each, append them to the ledger and print one receipt per entry,\n"
	"{\"seq\":N,\"ts\":TS,\"leaf_hash\":HEX}, once the entry is on disk.\n"
	"\n"
	"Lines are appended in batches; a batch is one transaction.  An invalid line\n"
	"aborts its batch: nothing of it is appended, the line is named on stderr and\n"
	"the exit status is 100.  Batches before it stay appended (their receipts were\n"
	"printed).  Blank lines are ignored.\n"
	"\n"
	"  -L, --ledger DIR   the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  -n, --batch N      at most N entries per batch (default 10000)\n"
	"  --atomic           the whole input is one batch: all of it or nothing\n"
	"  --skip-invalid     report invalid lines on stderr and append the others\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 appended, 2 usage, 100 invalid input, 111 system failure or ledger busy\n"
	"(SL_BUSY_TIMEOUT milliseconds, default 10000).\n";

#define DEFAULT_BATCH 10000

struct state {
	struct sl_pipeline *pipe;
	struct sl_batch batch;
	struct sl_buf out;
};

/* On the writer thread, once the batch is durable: only now may receipts be seen. */
static void print_receipts(void *ctx, const struct sl_batch *b, const struct sl_receipt *rc)
{
	struct sl_buf *out = ctx;
	size_t i;

	sl_buf_reset(out);
	for (i = 0; i < b->n; i++) {
		char hex[SL_HEX_LEN + 1];

		sl_hex_encode(hex, rc[i].leaf, SL_HASH_LEN);
		sl_buf_add(out, "{\"seq\":", 7);
		sl_buf_addu64(out, rc[i].seq);
		sl_buf_add(out, ",\"ts\":\"", 7);
		sl_buf_add(out, rc[i].ts, SL_TS_LEN);
		sl_buf_add(out, "\",\"leaf_hash\":\"", 15);
		sl_buf_add(out, hex, SL_HEX_LEN);
		sl_buf_add(out, "\"}\n", 3);
	}
	if (sl_buf_ok(out))
		sl_die(SL_EXIT_TEMP, "unable to print receipts: out of memory");
	sl_out(out->buf, out->len);
	sl_out_flush();
}

static const char *ledger_dir;
static struct sl_ledger *ledger;

static void append_failed(const struct sl_error *err, int e)
{
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64], what[600];

	/*
	 * The writer is idle.  Close the ledger before exiting: SQLite then
	 * checkpoints what was committed and cuts the WAL back, dropping the
	 * frames of a commit whose sync failed.  Left there, they would be
	 * found valid by the next opener's WAL recovery, and a batch reported
	 * as not appended (no receipt, exit 111) would appear in the log.
	 */
	sl_ledger_close(ledger);
	ledger = NULL;

	if (err->code == SL_EINVAL) /* an entry found too big once its seq was known */
		sl_die(SL_EXIT_DATA, "unable to append: %s (nothing of this batch was appended)",
		       sl_error_format(err, msg, sizeof(msg)));
	snprintf(what, sizeof(what), "unable to append to ledger '%s'", ledger_dir);
	sl_die_err(err, e, what);
}

/* Hand the full batch to the writer thread; die if an earlier batch failed. */
static void flush_batch(struct state *st)
{
	struct sl_error err = { 0 };
	int e;

	if (st->batch.n && (e = sl_pipeline_submit(st->pipe, &st->batch, &err)) < 0)
		append_failed(&err, e);
}

/* Wait for everything submitted; die if any batch failed. */
static void finish(struct state *st)
{
	struct sl_error err = { 0 };
	int e;

	if ((e = sl_pipeline_finish(st->pipe, &err)) < 0)
		append_failed(&err, e);
	st->pipe = NULL;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "batch", required_argument, NULL, 'n' },
		{ "atomic", no_argument, NULL, 'a' },
		{ "skip-invalid", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct state st = { 0 };
	struct sl_ledger *l;
	uint64_t start_size = 0, added = 0;
	struct sl_reader rd;
	const char *ldir = NULL;
	uint64_t batch = DEFAULT_BATCH;
	int c, atomic = 0, skip = 0, nset = 0;
	uint64_t skipped = 0;

	sl_cmd_start("sl-append");
	sl_epipe_status = SL_EXIT_TEMP;
	while ((c = getopt_long(argc, argv, "L:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'n': batch = sl_parse_u64_arg(optarg, "--batch", 1, 1000000); nset = 1; break;
		case 'a': atomic = 1; break;
		case 's': skip = 1; break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	if (optind != argc || (atomic && nset))
		sl_usage_die(usage);
	ledger_dir = sl_ledger_dir(ldir);
	l = ledger = sl_open_ledger(ldir, 0);
	{
		struct sl_error err = { 0 };
		struct sl_head h;
		int e = sl_ledger_head(l, &h, &err);
		if (e < 0)
			sl_die_err(&err, e, "unable to read the ledger's head");
		start_size = h.size;
	}
	sl_batch_init(&st.batch);
	sl_buf_init(&st.out);
	if (sl_pipeline_start(&st.pipe, l, print_receipts, &st.out) < 0)
		sl_die(SL_EXIT_TEMP, "unable to start the writer thread");
	sl_reader_init(&rd, STDIN_FILENO, SL_LINE_MAX);
	rd.soft = 1; /* a read error must not cut short the batch being written */
	while (sl_reader_next(&rd)) {
		struct sl_error err = { 0 };
		char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];
		int e;

		if (sl_line_blank(rd.line.buf, rd.line.len))
			continue;
		/* Concurrent appenders may move the seq on; the ledger checks the exact size. */
		st.batch.seq_hint = start_size + added - st.batch.n;
		if (rd.too_long)
			e = sl_error_member(&err, SL_EINVAL, "", "longer than %d bytes", SL_LINE_MAX);
		else if ((e = sl_batch_add_line(&st.batch, rd.line.buf, rd.line.len, rd.lineno, &err)) == 0)
			added++;
		err.line = rd.lineno;
		if (e == SL_EINVAL) {
			sl_error_format(&err, msg, sizeof(msg));
			if (skip) {
				sl_warn("skipped %s", msg);
				skipped++;
				continue;
			}
			/* Earlier batches are valid: let them land (and be receipted) first. */
			finish(&st);
			sl_die(SL_EXIT_DATA, "unable to append: %s (nothing of this batch was appended)",
			       msg);
		} else if (e < 0) {
			finish(&st);
			sl_die_err(&err, e, "unable to append");
		}
		if (!atomic && st.batch.n >= batch)
			flush_batch(&st);
	}
	if (rd.read_errno) {
		/* What was submitted lands and is receipted; the rest is not appended. */
		finish(&st);
		sl_out_flush();
		errno = rd.read_errno;
		sl_die(SL_EXIT_TEMP, "unable to read standard input: %s (lines after the last "
		       "receipt were not appended)", strerror(errno));
	}
	flush_batch(&st);
	finish(&st);
	sl_out_close();
	sl_reader_release(&rd);
	sl_batch_release(&st.batch);
	sl_buf_release(&st.out);
	sl_ledger_close(l);
	return SL_EXIT_OK;
}
