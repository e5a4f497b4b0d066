// SPDX-License-Identifier: MIT
/*
 * Stopping while other programs run for us (cmd/util.h): SIGINT, SIGTERM
 * and SIGHUP set sl_run_interrupted, so that sl_run_jobs() kills and reaps
 * the jobs before we go; then we end as the signal would have ended us.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "util.h"
#include "sl/capture-run.h"

static void on_stop(int sig)
{
	sl_run_interrupted = sig;
}

void sl_catch_stops(void)
{
	sl_on_stops(on_stop);
}

void sl_die_interrupted(const char *what, const char *after)
{
	int sig = (int)sl_run_interrupted;

	fprintf(stderr, "%s: fatal: %s: interrupted by signal %d%s\n", sl_progname, what, sig, after);
	/* End as the signal would have ended us, for the shell that waits. */
	signal(sig, SIG_DFL);
	raise(sig);
	sl_exit(SL_EXIT_TEMP);
}
