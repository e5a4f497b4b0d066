// SPDX-License-Identifier: MIT
/* sl-append: validate entry lines from stdin and append them, printing receipts. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "sl/json.h"
#include "sl/pipeline.h"
#include "sl/store.h"

static const char usage[] =
	"sl-append [-L ADDRESS] [-n N | --atomic] [--skip-invalid] [--resume-from-line N [--after-seq S]] "
	"[-q | --progress]";
static const char help[] =
	"usage: sl-append [-L ADDRESS] [-n N | --atomic] [--skip-invalid]\n"
	"                 [--resume-from-line N [--after-seq S]] [-q | --progress]\n"
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
	"When it stops before the end of its input (an error, SIGINT, SIGTERM or\n"
	"SIGHUP), sl-append says on stderr how many entries it appended, the last\n"
	"one's seq and input line, and the options that resume after it.  When its\n"
	"standard output is closed early it appends the rest without receipts.\n"
	"\n"
	"  -L, --ledger ADDRESS      the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  -n, --batch N             at most N entries per batch (default 10000)\n"
	"  --atomic                  the whole input is one batch: all of it or nothing\n"
	"  --skip-invalid            report invalid lines on stderr and append the others\n"
	"  --resume-from-line N      skip input lines 1 to N-1 (appended by an earlier run)\n"
	"  --after-seq S             first check that the last line before N is entry S\n"
	"  --progress                show progress on stderr even when it is not a terminal\n"
	"                            (with an ETA when the input is a file)\n"
	"  -q, --quiet               show no progress (shown by default when stderr is a\n"
	"                            terminal and stdout is not)\n"
	"  -h, --help                show this help\n"
	"  --version                 show the version\n"
	"\n"
	"Exit: 0 appended, 2 usage, 100 invalid input, 111 system failure or ledger busy\n"
	"(SL_BUSY_TIMEOUT milliseconds, default 10000); ended by the signal that\n"
	"interrupted it.\n";

#define DEFAULT_BATCH 10000

struct state {
	struct sl_pipeline *pipe;
	struct sl_batch batch;
	struct sl_buf out;
	/*
	 * Set by the writer thread in print_receipts, once per durable batch;
	 * read by the main thread only when the writer is idle (after submit
	 * or finish), except out_errno, which stops the reading at once.
	 */
	uint64_t appended;   /* entries appended by this run */
	uint64_t last_seq;   /* the last one's seq ... */
	long last_line;      /* ... and input line */
	uint64_t printed;    /* receipts written whole to standard output */
	int out_gone;        /* EPIPE: receipts are no longer printed */
	atomic_int out_errno; /* any other failure to print receipts */
	/* Where this run resumed (--resume-from-line, --after-seq), for the summary. */
	long resume_line;
	int has_after;
	uint64_t after_seq;
	int complete;        /* the whole input was read and appended */
};

static struct state st;
static struct sl_ledger *ledger;
static const char *ledger_dir;
static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

/* Write all n bytes of p to standard output, noting in st how that went. */
static void write_receipts(const char *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = write(STDOUT_FILENO, p + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w < 0 && errno == EPIPE)
				st.out_gone = 1; /* keep appending: the input asked for it */
			else
				atomic_store(&st.out_errno, w < 0 ? errno : EIO);
			break;
		}
		done += (size_t)w;
	}
	for (size_t i = 0; i < done; i++)
		st.printed += p[i] == '\n';
}

/* On the writer thread, once the batch is durable: only now may receipts be seen. */
static void print_receipts(void *ctx, const struct sl_batch *b, const struct sl_receipt *rc)
{
	struct sl_buf *out = ctx;
	size_t i;

	st.appended += b->n;
	st.last_seq = rc[b->n - 1].seq;
	st.last_line = b->items[b->n - 1].line;
	if (st.out_gone || atomic_load(&st.out_errno))
		return;
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
		atomic_store(&st.out_errno, ENOMEM);
	else
		write_receipts(out->buf, out->len);
}

/*
 * How this run ended, for a person who must decide what to feed next:
 * what was appended, and the options that resume right after it.
 */
static void summary(int complete)
{
	if (st.appended)
		sl_note("appended %llu %s, the last at seq %llu from input line %ld%s",
			(unsigned long long)st.appended, sl_plural(st.appended, "entry", "entries"),
			(unsigned long long)st.last_seq, st.last_line,
			complete ? "; the whole input is appended" : "");
	else
		sl_note("appended no entries");
	if (complete)
		return;
	if (st.appended)
		sl_note("to resume, run the same command on the same input with "
			"--resume-from-line %ld --after-seq %llu", st.last_line + 1,
			(unsigned long long)st.last_seq);
	else if (st.has_after)
		sl_note("to resume, run the same command on the same input with "
			"--resume-from-line %ld --after-seq %llu", st.resume_line,
			(unsigned long long)st.after_seq);
	else if (st.resume_line > 1)
		sl_note("to resume, run the same command on the same input with "
			"--resume-from-line %ld", st.resume_line);
	else
		sl_note("to resume, run the same command on the whole input again");
}

/*
 * Whatever ends the program once the writer runs (sl_die): let the batch
 * in flight land first, then say what was appended and where to resume.
 */
static void die_hook(void)
{
	static int once;

	if (once++)
		return;
	if (st.pipe) {
		struct sl_pipeline *p = st.pipe;
		int e;

		st.pipe = NULL;
		e = sl_pipeline_finish(p, NULL);
		(void)e; /* the first error is the one being reported */
	}
	/* As in append_failed: closing discards what a failed commit left behind. */
	if (ledger) {
		sl_ledger_close(ledger);
		ledger = NULL;
	}
	if (st.out_gone)
		sl_note("standard output was closed after %llu %s", (unsigned long long)st.printed,
			sl_plural(st.printed, "receipt", "receipts"));
	/* An error before anything was appended needs no report: feed it all again. */
	if (st.appended || st.resume_line > 1 || st.out_gone)
		summary(st.complete);
}

static void append_failed(const struct sl_error *err, int e)
{
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64], what[600];

	/* The writer is idle: stop it, so that the summary is the final word. */
	if (st.pipe) {
		int e2 = sl_pipeline_finish(st.pipe, NULL);

		(void)e2;
		st.pipe = NULL;
	}
	/*
	 * Close the ledger before exiting (sl_ledger_close): the store then
	 * discards what a commit that failed left behind.  Left there, it
	 * could be found valid by the next opener, and a batch reported as
	 * not appended (no receipt, exit 111) would appear in the log.
	 */
	sl_ledger_close(ledger);
	ledger = NULL;

	if (err->code == SL_EINVAL) /* an entry found too big once its seq was known */
		sl_die(SL_EXIT_DATA, "unable to append: %s (nothing of this batch was appended)",
		       sl_error_format(err, msg, sizeof(msg)));
	{
		struct sl_buf shown = SL_BUF_INIT;
		snprintf(what, sizeof(what), "unable to append to ledger '%s'",
			 sl_store_address_shown(ledger_dir, &shown));
		sl_buf_release(&shown);
	}
	sl_die_err(err, e, what);
}

/*
 * Hand the full batch to the writer thread; die if an earlier batch failed.
 * Once receipts cannot be printed, hand over nothing more (the caller stops).
 */
static void flush_batch(void)
{
	struct sl_error err = { 0 };
	int e;

	if (!st.batch.n)
		return;
	if ((e = sl_pipeline_wait(st.pipe, &err)) < 0)
		append_failed(&err, e);
	if (atomic_load(&st.out_errno))
		return;
	if ((e = sl_pipeline_submit(st.pipe, &st.batch, &err)) < 0)
		append_failed(&err, e);
}

/* Wait for everything submitted; die if any batch failed. */
static void finish(void)
{
	struct sl_error err = { 0 };
	int e;

	if (!st.pipe)
		return;
	if ((e = sl_pipeline_finish(st.pipe, &err)) < 0) {
		st.pipe = NULL;
		append_failed(&err, e);
	}
	st.pipe = NULL;
}

/*
 * Whether input line `lineno` (s, len) is the ledger's entry at seq, byte
 * for byte once given that entry's seq and ts: 1 when it is, 0 when not,
 * SL_ENOTFOUND when the ledger has no entry at seq, SL_EINVAL when the
 * line is not an entry (its error in *err).
 */
static int same_row(const struct sl_entry_row *row, const char *s, size_t len, long lineno,
		    struct sl_error *err)
{
	struct sl_batch b;
	struct sl_buf canon = SL_BUF_INIT;
	int e;

	sl_batch_init(&b);
	b.seq_hint = row->seq;
	if ((e = sl_batch_add_line(&b, s, len, lineno, err)) == 0 &&
	    (e = sl_batch_entry(&b, 0, row->seq, row->ts, &canon, NULL)) == 0)
		e = canon.len == row->len && memcmp(canon.buf, row->entry, row->len) == 0;
	sl_buf_release(&canon);
	sl_batch_release(&b);
	if (e == SL_EINVAL)
		err->line = lineno;
	else if (e < 0)
		sl_die_err(NULL, e, "unable to resume");
	return e;
}

static int same_entry(uint64_t seq, const char *s, size_t len, long lineno, struct sl_error *err)
{
	struct sl_entry_row row;
	int e;

	if ((e = sl_ledger_entry(ledger, seq, &row, err)) == SL_ENOTFOUND)
		return e;
	if (e < 0)
		sl_die_err(err, e, "unable to read the entry to resume after");
	return same_row(&row, s, len, lineno, err);
}

/*
 * The seq of an entry after `after` that line `lineno` (s, len) is, byte
 * for byte once given that entry's seq and ts, or UINT64_MAX.  Only the
 * line's own (type, source) stream is read, through the stream index: the
 * cost grows with that stream's entries after `after`, not with the log.
 */
static uint64_t found_later(uint64_t after, const char *s, size_t len, long lineno)
{
	struct sl_error err = { 0 };
	struct sl_filter f = { 0 };
	struct sl_buf glob = SL_BUF_INIT;
	struct sl_entry_row row;
	struct sl_scan *it = NULL;
	uint64_t found = UINT64_MAX;
	const char *src, *p;
	json_t *v = NULL;
	int e;

	if (sl_json_parse(s, len, &v, NULL) < 0 || !json_is_object(v) ||
	    !(f.type = json_string_value(json_object_get(v, "type"))) ||
	    !(src = json_string_value(json_object_get(v, "source"))))
		goto out; /* not an entry: said when appending */
	/* The source matched exactly: each glob character in it in brackets. */
	for (p = src; *p; p++) {
		if (*p == '*' || *p == '?' || *p == '[')
			sl_buf_addf(&glob, "[%c]", *p);
		else
			sl_buf_addch(&glob, *p);
	}
	if (sl_buf_ok(&glob))
		sl_die(SL_EXIT_TEMP, "unable to resume: out of memory");
	f.source = glob.buf;
	f.from = after + 1;
	if ((e = sl_ledger_scan_open(ledger, &f, &it, &err)) < 0)
		sl_die_err(&err, e, "unable to read the entries after the resume point");
	while ((e = sl_ledger_scan_next(ledger, it, &row, &err)) > 0)
		if (same_row(&row, s, len, lineno, &err) == 1) {
			found = row.seq;
			break;
		}
	if (e < 0)
		sl_die_err(&err, e, "unable to read the entries after the resume point");
out:
	if (it)
		sl_ledger_scan_close(ledger, it);
	sl_buf_release(&glob);
	json_decref(v);
	return found;
}

/*
 * --after-seq: the last entry line before the resume line (s, len; line
 * `lineno`) must be the entry at seq `seq`.  Else the input or the line
 * number is not the one the earlier run was given, and resuming would
 * lose or repeat entries.
 */
static void check_after(uint64_t seq, const char *s, size_t len, long lineno)
{
	struct sl_error err = { 0 };
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];
	int e;

	if (!lineno)
		sl_die(SL_EXIT_DATA, "unable to resume: no entry line before line %ld", st.resume_line);
	if ((e = same_entry(seq, s, len, lineno, &err)) == SL_ENOTFOUND)
		sl_die(SL_EXIT_DATA, "unable to resume: the ledger has no entry at seq %llu",
		       (unsigned long long)seq);
	if (e == SL_EINVAL)
		sl_die(SL_EXIT_DATA, "unable to resume: %s", sl_error_format(&err, msg, sizeof(msg)));
	if (!e)
		sl_die(SL_EXIT_DATA, "unable to resume: line %ld is not the entry at seq %llu "
		       "(nothing was appended)", lineno, (unsigned long long)seq);
}

/* An input line longer than any entry: an invalid line, said so in err. */
static int line_too_long(struct sl_error *err)
{
	return sl_error_member(err, SL_EINVAL, "", "longer than %d bytes", SL_LINE_MAX);
}

/* --skip-invalid: say that input line `lineno` is skipped, and why (err). */
static void warn_skipped(struct sl_error *err, long lineno)
{
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];

	err->line = lineno;
	sl_warn("skipped %s", sl_error_format(err, msg, sizeof(msg)));
}

/*
 * --after-seq, again: the first entry line to append (rd's line) must not
 * already be the entry right after seq.  It is when this resume was run
 * before (a resume point printed by an earlier run, used twice):
 * appending again would repeat every entry of that run.  When another
 * writer's entry is there, ours may be further on: the line's own stream
 * after it is read for it.  1 when
 * the line is one --skip-invalid (skip) skips, warned of here: the first
 * line to append is further on, as that earlier run found it; else 0.
 */
static int check_not_done(uint64_t seq, const struct sl_reader *rd, int skip)
{
	struct sl_error err = { 0 };
	uint64_t later;
	int e;

	if (rd->too_long)
		e = line_too_long(&err);
	else if (seq == (uint64_t)INT64_MAX)
		return 0; /* no entry after it */
	else
		e = same_entry(seq + 1, rd->line.buf, rd->line.len, rd->lineno, &err);
	if (e == SL_EINVAL && skip) {
		warn_skipped(&err, rd->lineno);
		return 1;
	}
	if (e == 1)
		sl_die(SL_EXIT_DATA, "unable to resume: line %ld is already the entry at seq %llu, "
		       "right after seq %llu: this resume was run before (nothing was appended); "
		       "resume from the point that run printed", rd->lineno,
		       (unsigned long long)seq + 1, (unsigned long long)seq);
	if (e != 0)
		return 0; /* nothing after seq, or not an entry (said when appending) */
	/* Another writer's entry at seq + 1: ours may still be further on, after theirs. */
	if ((later = found_later(seq + 1, rd->line.buf, rd->line.len, rd->lineno)) != UINT64_MAX)
		sl_die(SL_EXIT_DATA, "unable to resume: line %ld is already the entry at seq %llu, "
		       "after seq %llu: this resume was run before (nothing was appended); resume "
		       "from the point that run printed", rd->lineno, (unsigned long long)later,
		       (unsigned long long)seq);
	return 0;
}

/* A signal stopped the input: the batch in flight lands, the one being read does not. */
static void interrupted(void)
{
	int sig = (int)stop_sig;
	sigset_t s;

	finish();
	sl_ledger_close(ledger);
	ledger = NULL;
	sl_fatal_msg("unable to append the whole input: interrupted by signal %d (%s)", sig,
		     sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP");
	if (st.out_gone)
		sl_note("standard output was closed after %llu %s", (unsigned long long)st.printed,
			sl_plural(st.printed, "receipt", "receipts"));
	summary(0);
	/* End as the signal would have ended us, for the shell that waits. */
	fflush(stderr);
	signal(sig, SIG_DFL);
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(sig);
	sl_exit(SL_EXIT_TEMP);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "batch", required_argument, NULL, 'n' },
		{ "atomic", no_argument, NULL, 'a' },
		{ "skip-invalid", no_argument, NULL, 's' },
		{ "resume-from-line", required_argument, NULL, 'r' },
		{ "after-seq", required_argument, NULL, 'A' },
		{ "quiet", no_argument, NULL, 'q' },
		SL_PROGRESS_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_buf prev = SL_BUF_INIT;
	long prev_line = 0;
	int have = 0; /* rd.line holds a line not yet taken by the loop below */
	uint64_t start_size = 0, added = 0;
	struct sl_reader rd;
	const char *ldir = NULL;
	uint64_t batch = DEFAULT_BATCH;
	int c, atomic = 0, skip = 0, nset = 0, progress = SL_PROGRESS_AUTO;
	uint64_t skipped = 0;
	sigset_t stops, waitmask;
	struct stat in_st;
	off_t in_start = -1;

	sl_cmd_start("sl-append");
	st.resume_line = 1;
	while ((c = sl_getopt(argc, argv, "L:n:qh", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'n': batch = sl_parse_u64_arg(optarg, "--batch", 1, 1000000); nset = 1; break;
		case 'a': atomic = 1; break;
		case 's': skip = 1; break;
		case 'r':
			st.resume_line = (long)sl_parse_u64_arg(optarg, "--resume-from-line", 1,
								 (uint64_t)LONG_MAX);
			break;
		case 'q': progress = SL_PROGRESS_QUIET; break;
		case SL_OPT_PROGRESS:
			if (progress != SL_PROGRESS_QUIET)
				progress = SL_PROGRESS_FORCE;
			break;
		case 'A':
			st.after_seq = sl_parse_u64_arg(optarg, "--after-seq", 0, (uint64_t)INT64_MAX);
			st.has_after = 1;
			break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	sl_no_operands(usage, argc, argv);
	if (atomic && nset)
		sl_usage_fail(usage, "'--atomic' and '--batch' do not go together");
	if (st.has_after && st.resume_line < 2)
		sl_usage_fail(usage, "'--after-seq' needs '--resume-from-line' 2 or more");
	ledger_dir = sl_ledger_dir(ldir);
	ledger = sl_open_ledger(ldir, 0);
	{
		struct sl_error err = { 0 };
		struct sl_head h;
		int e = sl_ledger_head(ledger, &h, &err);
		if (e < 0)
			sl_die_err(&err, e, "unable to read the ledger's head");
		start_size = h.size;
	}

	/*
	 * SIGINT, SIGTERM and SIGHUP are blocked, in the writer thread for
	 * good and in this one except while it waits for input: so a stop
	 * never cuts a batch, and none is missed between a check and a wait.
	 */
	sigemptyset(&stops);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	sigaddset(&stops, SIGHUP);
	sigprocmask(SIG_BLOCK, &stops, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGHUP);
	sl_on_stops(on_stop);

	/* A file given as input has a size: the progress then shows the share read and an ETA. */
	if (fstat(STDIN_FILENO, &in_st) == 0 && S_ISREG(in_st.st_mode))
		in_start = lseek(STDIN_FILENO, 0, SEEK_CUR);
	if (in_start >= in_st.st_size)
		in_start = -1;
	sl_cmd_reader_init(&rd, STDIN_FILENO, SL_LINE_MAX);
	rd.soft = 1; /* a read error must not cut short the batch being written */
	rd.stop = &stop_sig;
	rd.waitmask = &waitmask;

	/* --resume-from-line: lines before it were appended by an earlier run. */
	while (rd.lineno < st.resume_line - 1 && sl_cmd_reader_next(&rd)) {
		if (st.has_after && !sl_line_blank(rd.line.buf, rd.line.len)) {
			sl_buf_reset(&prev);
			sl_buf_add(&prev, rd.line.buf, rd.line.len);
			if (sl_buf_ok(&prev))
				sl_die(SL_EXIT_TEMP, "unable to read input: out of memory");
			prev_line = rd.lineno;
		}
	}
	if (rd.stopped)
		interrupted();
	if (rd.read_errno) {
		errno = rd.read_errno;
		sl_die(SL_EXIT_TEMP, "unable to read standard input: %s", strerror(errno));
	}
	if (rd.lineno < st.resume_line - 1)
		sl_die(SL_EXIT_DATA, "unable to resume from line %ld: the input has %ld %s",
		       st.resume_line, rd.lineno, sl_plural((uint64_t)rd.lineno, "line", "lines"));
	if (st.has_after) {
		check_after(st.after_seq, prev.buf, prev.len, prev_line);
		/*
		 * The first entry line to append, kept in rd.line for the loop
		 * below: past blank lines, and past the lines --skip-invalid skips.
		 */
		while ((have = sl_cmd_reader_next(&rd)) &&
		       (sl_line_blank(rd.line.buf, rd.line.len) || check_not_done(st.after_seq, &rd, skip)))
			;
	}
	sl_buf_release(&prev);

	/* Receipts on the terminal show the progress themselves: no line among them. */
	if (progress == SL_PROGRESS_AUTO && isatty(STDOUT_FILENO))
		progress = SL_PROGRESS_QUIET;
	sl_progress_mode(progress);
	sl_progress_start("entry", "entries", "read", SL_PROGRESS_UNKNOWN);

	/* From here on, every way out says what was appended. */
	sl_die_hook = die_hook;
	sl_batch_init(&st.batch);
	sl_buf_init(&st.out);
	if (sl_pipeline_start(&st.pipe, ledger, print_receipts, &st.out) < 0)
		sl_die(SL_EXIT_TEMP, "unable to start the writer thread");
	while (!atomic_load(&st.out_errno) && (have || sl_cmd_reader_next(&rd))) {
		struct sl_error err = { 0 };
		char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];
		int e;

		have = 0;

		if (sl_line_blank(rd.line.buf, rd.line.len))
			continue;
		/* Concurrent appenders may move the seq on; the ledger checks the exact size. */
		st.batch.seq_hint = start_size + added - st.batch.n;
		if (rd.too_long)
			e = line_too_long(&err);
		else if ((e = sl_batch_add_line(&st.batch, rd.line.buf, rd.line.len, rd.lineno, &err)) == 0)
			added++;
		err.line = rd.lineno;
		if (e == SL_EINVAL) {
			if (skip) {
				warn_skipped(&err, rd.lineno);
				skipped++;
				continue;
			}
			sl_error_format(&err, msg, sizeof(msg));
			/* Earlier batches are valid: let them land (and be receipted) first. */
			finish();
			sl_die(SL_EXIT_DATA, "unable to append: %s (nothing of this batch was appended)",
			       msg);
		} else if (e < 0) {
			finish();
			sl_die_err(&err, e, "unable to append");
		}
		if (!atomic && st.batch.n >= batch)
			flush_batch();
		if (in_start >= 0 && sl_progress_due()) {
			off_t pos = lseek(STDIN_FILENO, 0, SEEK_CUR);
			if (pos >= 0)
				sl_progress_fraction((double)(pos - in_start - (off_t)(rd.end - rd.start)) /
						     (double)(in_st.st_size - in_start));
		}
		sl_progress_update(added);
	}
	if (rd.stopped)
		interrupted();
	if (atomic_load(&st.out_errno)) {
		/* The receipts cannot be given: append no more, say what was appended. */
		finish();
		errno = atomic_load(&st.out_errno);
		sl_die(SL_EXIT_TEMP, "unable to write receipts to standard output: %s (their "
		       "entries were appended; no more input was read)", strerror(errno));
	}
	if (rd.read_errno) {
		/* What was submitted lands and is receipted; the rest is not appended. */
		finish();
		errno = rd.read_errno;
		sl_die(SL_EXIT_TEMP, "unable to read standard input: %s (lines after the last "
		       "receipt were not appended)", strerror(errno));
	}
	flush_batch();
	finish();
	st.complete = 1;
	sl_progress_finish(st.appended, "appended");
	if (atomic_load(&st.out_errno)) {
		errno = atomic_load(&st.out_errno);
		sl_die(SL_EXIT_TEMP, "unable to write receipts to standard output: %s (their "
		       "entries were appended)", strerror(errno));
	}
	sl_die_hook = NULL;
	if (st.out_gone) {
		sl_note("standard output was closed after %llu %s; the rest of the input was "
			"appended without receipts", (unsigned long long)st.printed,
			sl_plural(st.printed, "receipt", "receipts"));
		summary(1);
	}
	sl_out_close();
	sl_reader_release(&rd);
	sl_batch_release(&st.batch);
	sl_buf_release(&st.out);
	sl_ledger_close(ledger);
	(void)skipped;
	return SL_EXIT_OK;
}
