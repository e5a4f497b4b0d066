// SPDX-License-Identifier: MIT
/*
 * Running other programs without a shell: a runtime's `PROGRAM --version`
 * for sl-capture-env, and the collectors of a manifest run in parallel for
 * sl-manifest.  Programs are started with posix_spawnp(3) (PATH lookup when
 * argv[0] holds no '/'), standard input from /dev/null, and each in its own
 * process group so that a timeout ends it together with its children.
 *
 * Nothing here prints; what a program wrote is handed back in buffers.
 */
#ifndef SL_CAPTURE_RUN_H
#define SL_CAPTURE_RUN_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/progress.h"

/*
 * Start a program without a shell, the one way every caller here does it:
 * SIGPIPE at its default (we ignore it, to see EPIPE), no signal blocked,
 * and the given descriptors as its standard streams.
 */
#define SL_SPAWN_KEEP (-1)    /* the stream stays ours */
#define SL_SPAWN_DEVNULL (-2) /* /dev/null */
struct sl_spawn {
	const char *const *argv; /* NULL-terminated */
	const char *path;        /* the program; NULL: argv[0], looked up in PATH without '/' */
	char *const *envp;       /* its environment; NULL: ours */
	int fd[3];               /* >= 0: dup'ed onto 0, 1, 2 (the caller keeps it), or SL_SPAWN_* */
	const char *cwd;         /* directory to run in; NULL: ours */
	int pgroup;              /* 1: in a process group of its own */
};

/* 0 with *pid, or the errno value that says why it could not be started. */
int sl_spawn(const struct sl_spawn *sp, pid_t *pid);

/* How a job ended. */
enum sl_job_end {
	SL_JOB_EXITED = 0,  /* exited; status in `status` */
	SL_JOB_SIGNALLED,   /* killed by signal `status` */
	SL_JOB_TIMEOUT,     /* ran past its timeout and was killed */
	SL_JOB_TOO_MUCH,    /* wrote more than out_max bytes and was killed */
	SL_JOB_NOSTART,     /* could not be started; errno value in `status` */
};

struct sl_job {
	/* set by the caller */
	const char *const *argv; /* NULL-terminated; argv[0] is looked up in PATH without '/' */
	const char *cwd;      /* directory to run in, NULL for ours */
	int timeout_ms;       /* > 0 */
	size_t out_max;       /* most bytes of standard output kept (the job is killed past it) */
	size_t err_max;       /* most bytes of standard error kept (more is read and dropped) */
	int merge_stderr;     /* 1: standard error goes to `out` as well */
	int stdin_fd;         /* >= 0: standard input (dup'ed; the caller keeps it); -1: /dev/null */
	int stdin_private;    /* 1: stdin_fd's file opened afresh for this job (an offset of its own,
			       * so that jobs can read one file at once; see sl_fd_reopen) */
	int same_pgroup;      /* 1: in our process group (a signal to it reaches the job);
			       * 0: a group of its own, so a timeout kills the job's children too */
	/* set by sl_run_jobs */
	struct sl_buf out;    /* standard output */
	struct sl_buf err;    /* standard error (unless merged) */
	enum sl_job_end end;
	int status;
	pid_t pid;
	/* private */
	int fd_out, fd_err;
	long long deadline;
};

/* Initialise the result buffers of a job (the caller sets the other members). */
void sl_job_init(struct sl_job *j);
void sl_job_release(struct sl_job *j);
/* True when the job exited with status 0. */
int sl_job_ok(const struct sl_job *j);
/*
 * Describe how the job ended, for messages ("exited with status 100",
 * "killed by signal 9", "timed out after 2 s", "not started: No such file
 * or directory"), into dst of size n; returns dst.
 */
const char *sl_job_describe(const struct sl_job *j, char *dst, size_t n);

/*
 * Set by the caller's handler for SIGINT, SIGTERM or SIGHUP to the signal's
 * number.  sl_run_jobs() holds these signals blocked except while it waits
 * (ppoll(2)), so one that arrives is seen at once: every job is killed and
 * reaped and SL_EIO is returned ("interrupted by signal N").  Without a
 * handler installed, such a signal ends the caller as usual.
 */
extern volatile sig_atomic_t sl_run_interrupted;

/*
 * Start every job at once and collect their output until all have ended
 * or been killed.  Returns 0 when every job was run (whatever its exit
 * status: look at each job's `end` and `status`), or SL_EIO/SL_ENOMEM
 * when this process failed (pipes, poll, memory) or was interrupted:
 * every job started is then killed and reaped, and those not started end
 * as SL_JOB_NOSTART (ECANCELED).
 */
int sl_run_jobs(struct sl_job *jobs, size_t n, struct sl_error *err) SL_WUR;
/* The same, with at most `max` jobs running at once (0: no limit); the next starts as one ends. */
int sl_run_jobs_max(struct sl_job *jobs, size_t n, size_t max, struct sl_error *err) SL_WUR;
/* The same, calling progress (when not NULL) with the jobs ended of n as they end. */
int sl_run_jobs_progress(struct sl_job *jobs, size_t n, size_t max, sl_progress_fn progress,
			 void *ctx, struct sl_error *err) SL_WUR;

/*
 * Run argv (looked up as for jobs) with its standard input fed from the n
 * buffers in[0..n) in turn, a newline added after any buffer that does not
 * end in one, and with our standard output and error; wait for it and set
 * *wstatus to its wait status.  The caller must ignore SIGPIPE (the
 * programs do), so that a program that stops reading is not our death.
 * 0 when it ran (whatever its status), SL_EINVAL when it cannot be started
 * because it is missing or not executable, SL_EIO otherwise.
 */
int sl_run_feed(const char *const *argv, const struct sl_buf *const *in, size_t n, int *wstatus,
		struct sl_error *err) SL_WUR;

/*
 * A file in memory (memfd_create(2), close-on-exec) holding buf[0..len),
 * for a job's standard input: a program may seek it or read it at its own
 * pace, and nothing is written to disk.  Returns the descriptor (offset at
 * 0), or SL_EIO/SL_ENOMEM with err set.
 */
int sl_memfd(const char *name, const char *buf, size_t len, struct sl_error *err) SL_WUR;

/*
 * Open fd's file again, read-only and close-on-exec, through /proc/self/fd:
 * a descriptor with an offset of its own at 0, so that jobs started at
 * once can each read the same file from its start.  Without /proc, a
 * memfd copy of the file (read with pread(2)).  Returns it, or
 * SL_EIO/SL_ENOMEM.
 */
int sl_fd_reopen(int fd, struct sl_error *err) SL_WUR;

#endif
