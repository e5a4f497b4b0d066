// SPDX-License-Identifier: MIT
/*
 * The progress meter every program shares (util.h): one line on standard
 * error with the count, the rate and, when the total is known, the time
 * left.  On a terminal the line is redrawn in place (\r) a few times a
 * second and replaced by a final line; forced on a file or pipe
 * (--progress), each update is a line of its own, so a CI log reads well.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* The moving average forgets a rate in about this many seconds. */
#define RATE_TAU 3.0
#define TTY_INTERVAL_MS 200
#define LOG_INTERVAL_MS 1000

static struct {
	int mode;            /* SL_PROGRESS_AUTO, _FORCE or _QUIET */
	int on, tty;         /* this run shows progress; redrawn in place */
	int drawn;           /* anything was printed since start */
	const char *one, *many, *verb;
	uint64_t total, done;
	double interval;     /* seconds between updates */
	double t0, tlast;    /* start, last line */
	double tsample;      /* last rate sample */
	uint64_t dsample;
	double rate;         /* moving average, per second; 0 before a sample */
	double frac;         /* share of the work done when the total is not known, or -1 */
	int counted;         /* an update came: tfirst, dfirst hold the first */
	double tfirst;
	uint64_t dfirst;
} pm = { .mode = SL_PROGRESS_AUTO };

int sl_progress_shown;

static double now(void)
{
	struct timespec ts;

	/* Monotonic: a clock set back or forward mid-run must not make a rate. */
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sl_progress_mode(int mode)
{
	pm.mode = mode;
}

int sl_progress_wanted(void)
{
	if (pm.mode == SL_PROGRESS_QUIET)
		return 0;
	return pm.mode == SL_PROGRESS_FORCE || isatty(STDERR_FILENO);
}

void sl_progress_start(const char *one, const char *many, const char *verb, uint64_t total)
{
	const char *env = getenv("SL_PROGRESS_INTERVAL");
	uint64_t ms;

	sl_progress_clear();
	pm.on = sl_progress_wanted();
	pm.tty = isatty(STDERR_FILENO);
	pm.drawn = 0;
	pm.one = one, pm.many = many, pm.verb = verb;
	pm.total = total, pm.done = 0;
	ms = pm.tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS;
	if (env && *env && sl_parse_u64(env, 3600000, &ms) < 0)
		ms = pm.tty ? TTY_INTERVAL_MS : LOG_INTERVAL_MS;
	pm.interval = (double)ms / 1000;
	pm.t0 = pm.tlast = pm.tsample = now();
	pm.dsample = 0;
	pm.rate = 0;
	pm.frac = -1;
	pm.counted = 0;
}

/* Counts in plain digits, without separators, so that a log is easy to parse. */
static void add_count(struct sl_buf *b, uint64_t n)
{
	sl_buf_addu64(b, n);
}

static void add_rate(struct sl_buf *b, double r)
{
	if (r >= 100)
		sl_buf_addf(b, "%.0f/s", r);
	else
		sl_buf_addf(b, "%.1f/s", r);
}

static void add_duration(struct sl_buf *b, double s)
{
	unsigned long long t;

	if (s < 10) {
		sl_buf_addf(b, "%.1fs", s);
		return;
	}
	t = (unsigned long long)(s + 0.5);
	if (t < 60)
		sl_buf_addf(b, "%llus", t);
	else if (t < 3600)
		sl_buf_addf(b, "%llum%02llus", t / 60, t % 60);
	else
		sl_buf_addf(b, "%lluh%02llum", t / 3600, t / 60 % 60);
}

static void emit(const struct sl_buf *b, int final)
{
	/* Data first: a terminal shows stdout and stderr in the order written. */
	fflush(stdout);
	if (pm.tty)
		fprintf(stderr, "\r%s\033[K%s", b->buf, final ? "\n" : "");
	else
		fprintf(stderr, "%s\n", b->buf);
	fflush(stderr);
	pm.drawn = 1;
	sl_progress_shown = pm.tty && !final;
}

static void draw(double t)
{
	struct sl_buf b = SL_BUF_INIT;

	sl_buf_addf(&b, "%s: ", sl_progname);
	add_count(&b, pm.done);
	if (pm.total != SL_PROGRESS_UNKNOWN) {
		sl_buf_addch(&b, '/');
		add_count(&b, pm.total);
	}
	sl_buf_addf(&b, " %s %s", sl_plural(pm.total != SL_PROGRESS_UNKNOWN ? pm.total : pm.done,
					      pm.one, pm.many), pm.verb);
	if (pm.total != SL_PROGRESS_UNKNOWN && pm.total)
		sl_buf_addf(&b, " (%u%%)", (unsigned)(pm.done * 100.0 / (double)pm.total));
	else if (pm.frac >= 0)
		sl_buf_addf(&b, " (%u%%)", (unsigned)(pm.frac * 100));
	if (pm.rate > 0) {
		sl_buf_addstr(&b, ", ");
		add_rate(&b, pm.rate);
		if (pm.total != SL_PROGRESS_UNKNOWN && pm.total >= pm.done) {
			sl_buf_addstr(&b, ", ETA ");
			add_duration(&b, (double)(pm.total - pm.done) / pm.rate);
		} else if (pm.frac > 0) {
			/* What is left, at the share done so far per thing done. */
			sl_buf_addstr(&b, ", ETA ");
			add_duration(&b, (double)pm.done * (1 - pm.frac) / pm.frac / pm.rate);
		}
	} else {
		sl_buf_addstr(&b, ", ");
		add_duration(&b, t - pm.t0);
	}
	if (!sl_buf_ok(&b))
		emit(&b, 0);
	sl_buf_release(&b);
}

/* Is an update due at time t? */
static int due(double t)
{
	if (!pm.on)
		return 0;
	if (!pm.drawn)
		return t - pm.t0 >= pm.interval; /* a run shorter than that says nothing until it ends */
	return t - pm.tlast >= pm.interval;
}

int sl_progress_due(void)
{
	return due(now());
}

void sl_progress_fraction(double frac)
{
	pm.frac = frac < 0 ? -1 : frac > 1 ? 1 : frac;
}

void sl_progress_update(uint64_t done)
{
	double t, dt;

	pm.done = done;
	if (!pm.on)
		return;
	t = now();
	if (!pm.counted) {
		/* The rate counts from here: work before the first count (opening, a header) is not its. */
		pm.counted = 1;
		pm.tfirst = t;
		pm.dfirst = done;
	}
	if (!due(t))
		return;
	/*
	 * The rate is a moving average weighted by time, so that a pause fades
	 * out; until it has run RATE_TAU seconds, the mean since the first
	 * update is the best guess.
	 */
	dt = t - pm.tsample;
	if (t - pm.tfirst < RATE_TAU) {
		if (t > pm.tfirst && done > pm.dfirst)
			pm.rate = (double)(done - pm.dfirst) / (t - pm.tfirst);
		pm.tsample = t;
		pm.dsample = done;
	} else if (dt > 0 && done >= pm.dsample) {
		double inst = (double)(done - pm.dsample) / dt;
		pm.rate += (inst - pm.rate) * dt / (dt + RATE_TAU);
		pm.tsample = t;
		pm.dsample = done;
	}
	pm.tlast = t;
	draw(t);
}

uint64_t sl_progress_done(void)
{
	return pm.done;
}

void sl_progress_total(uint64_t total)
{
	pm.total = total;
}

void sl_progress_fn_meter(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	pm.total = total;
	sl_progress_update(done);
}

void sl_progress_finish(uint64_t done, const char *verb)
{
	struct sl_buf b = SL_BUF_INIT;
	double t;

	pm.done = done;
	/* On a terminal, a run too short to have drawn a line leaves none. */
	if (!pm.on || (pm.tty && !pm.drawn && pm.mode != SL_PROGRESS_FORCE)) {
		pm.on = 0;
		return;
	}
	t = now() - pm.t0;
	sl_buf_addf(&b, "%s: ", sl_progname);
	add_count(&b, done);
	sl_buf_addf(&b, " %s %s in ", sl_plural(done, pm.one, pm.many), verb ? verb : pm.verb);
	add_duration(&b, t);
	if (t > 0 && done) {
		sl_buf_addstr(&b, ", ");
		add_rate(&b, (double)done / t);
	}
	if (!sl_buf_ok(&b))
		emit(&b, 1);
	sl_buf_release(&b);
	pm.on = 0;
}

void sl_progress_clear(void)
{
	if (!sl_progress_shown)
		return;
	sl_progress_shown = 0;
	fputs("\r\033[K", stderr);
	/* The next update draws the line again, whenever it comes. */
	pm.tlast = 0;
}
