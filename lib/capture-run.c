// SPDX-License-Identifier: MIT
/*
 * Running programs in parallel without a shell, collecting what they
 * print.  One poll(2) loop serves every job's pipes and timeouts, so that
 * a collector that prints a lot never blocks on a full pipe while we wait
 * for another one.
 */
#include <poll.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "sl/capture-run.h"

extern char **environ;

volatile sig_atomic_t sl_run_interrupted;

void sl_job_init(struct sl_job *j)
{
	sl_buf_init(&j->out);
	sl_buf_init(&j->err);
	j->end = SL_JOB_EXITED;
	j->status = 0;
	j->pid = -1;
	j->fd_out = j->fd_err = -1;
	j->stdin_fd = -1;
}

void sl_job_release(struct sl_job *j)
{
	sl_buf_release(&j->out);
	sl_buf_release(&j->err);
}

int sl_job_ok(const struct sl_job *j)
{
	return j->end == SL_JOB_EXITED && j->status == 0;
}

const char *sl_job_describe(const struct sl_job *j, char *dst, size_t n)
{
	switch (j->end) {
	case SL_JOB_EXITED:
		snprintf(dst, n, "exited with status %d", j->status);
		break;
	case SL_JOB_SIGNALLED:
		snprintf(dst, n, "killed by signal %d (%s)", j->status, strsignal(j->status));
		break;
	case SL_JOB_TIMEOUT:
		snprintf(dst, n, "timed out after %d ms and was killed", j->timeout_ms);
		break;
	case SL_JOB_TOO_MUCH:
		snprintf(dst, n, "printed more than %zu bytes and was killed", j->out_max);
		break;
	case SL_JOB_NOSTART:
		snprintf(dst, n, "could not be started: %s", strerror(j->status));
		break;
	}
	return dst;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int sl_spawn(const struct sl_spawn *sp, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	int i, e;

	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	for (i = 0; i < 3; i++) {
		if (sp->fd[i] >= 0)
			posix_spawn_file_actions_adddup2(&fa, sp->fd[i], i);
		else if (sp->fd[i] == SL_SPAWN_DEVNULL)
			posix_spawn_file_actions_addopen(&fa, i, "/dev/null", i ? O_WRONLY : O_RDONLY, 0);
	}
	if (sp->cwd)
		posix_spawn_file_actions_addchdir_np(&fa, sp->cwd);
	/*
	 * Our callers ignore SIGPIPE (to see EPIPE); the program we start must
	 * get the default, or `cmd | head` inside it would misbehave.
	 */
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	if (sp->pgroup)
		posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					      (sp->pgroup ? POSIX_SPAWN_SETPGROUP : 0));
	/* posix_spawn(3) does not modify argv or envp; its prototype predates const. */
	if (sp->path)
		e = posix_spawn(pid, sp->path, &fa, &at, (char *const *)sp->argv,
				sp->envp ? sp->envp : environ);
	else
		e = posix_spawnp(pid, sp->argv[0], &fa, &at, (char *const *)sp->argv,
				 sp->envp ? sp->envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return e;
}

static int spawn(struct sl_job *j, struct sl_error *err)
{
	struct sl_spawn sp = { 0 };
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, in = -1, e = 0;

	if (j->stdin_fd >= 0 && j->stdin_private && (in = sl_fd_reopen(j->stdin_fd, err)) < 0)
		return in;
	if (pipe2(po, O_CLOEXEC) != 0 || (!j->merge_stderr && pipe2(pe, O_CLOEXEC) != 0)) {
		e = errno;
		close_fd(&po[0]);
		close_fd(&po[1]);
		close_fd(&in);
		return sl_error_set(err, SL_EIO, "unable to make a pipe: %s", strerror(e));
	}
	sp.argv = j->argv;
	sp.fd[0] = in >= 0 ? in : j->stdin_fd >= 0 ? j->stdin_fd : SL_SPAWN_DEVNULL;
	sp.fd[1] = po[1];
	sp.fd[2] = j->merge_stderr ? po[1] : pe[1];
	sp.cwd = j->cwd;
	sp.pgroup = !j->same_pgroup;
	e = sl_spawn(&sp, &j->pid);
	close_fd(&po[1]);
	close_fd(&pe[1]);
	close_fd(&in);
	if (e != 0) {
		close_fd(&po[0]);
		close_fd(&pe[0]);
		j->pid = -1;
		j->end = SL_JOB_NOSTART;
		j->status = e;
		return 0;
	}
	j->fd_out = po[0];
	j->fd_err = pe[0];
	j->deadline = now_ms() + j->timeout_ms;
	return 0;
}

static void kill_job(struct sl_job *j, enum sl_job_end why)
{
	if (j->pid > 0) {
		if (!j->same_pgroup)
			kill(-j->pid, SIGKILL);
		kill(j->pid, SIGKILL);
	}
	j->end = why;
	close_fd(&j->fd_out);
	close_fd(&j->fd_err);
}

/* Read what is there from fd into b (keeping at most max bytes); 0 at EOF. */
static int drain(int fd, struct sl_buf *b, size_t max, int *over)
{
	char tmp[65536];
	ssize_t n;

	for (;;) {
		n = read(fd, tmp, sizeof(tmp));
		if (n < 0 && errno == EINTR)
			continue;
		break;
	}
	if (n < 0)
		return errno == EAGAIN ? 1 : 0;
	if (n == 0)
		return 0;
	if (b->len + (size_t)n > max) {
		*over = 1;
		if (b->len < max)
			sl_buf_add(b, tmp, max - b->len);
	} else {
		sl_buf_add(b, tmp, (size_t)n);
	}
	return 1;
}

/* Reap a job whose pipes are closed; 1 when reaped, 0 if still running. */
static int reap(struct sl_job *j, int block)
{
	int st;
	pid_t r;

	if (j->pid <= 0)
		return 1;
	do
		r = waitpid(j->pid, &st, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	if (r == j->pid && j->end == SL_JOB_EXITED) {
		if (WIFEXITED(st)) {
			j->status = WEXITSTATUS(st);
		} else if (WIFSIGNALED(st)) {
			j->end = SL_JOB_SIGNALLED;
			j->status = WTERMSIG(st);
		}
	}
	j->pid = -1;
	return 1;
}

static void kill_all(struct sl_job *jobs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (jobs[i].pid > 0) {
			kill_job(&jobs[i], SL_JOB_SIGNALLED);
			jobs[i].status = SIGKILL;
			reap(&jobs[i], 1);
		}
	}
}

int sl_run_jobs(struct sl_job *jobs, size_t n, struct sl_error *err)
{
	return sl_run_jobs_max(jobs, n, 0, err);
}

int sl_run_jobs_max(struct sl_job *jobs, size_t n, size_t max, struct sl_error *err)
{
	return sl_run_jobs_progress(jobs, n, max, NULL, NULL, err);
}

int sl_run_jobs_progress(struct sl_job *jobs, size_t n, size_t max, sl_progress_fn progress,
			 void *ctx, struct sl_error *err)
{
	struct pollfd *pfd;
	sigset_t stop, old;
	size_t i, next = 0, ended = 0;
	int e = 0;

	if (!(pfd = calloc(2 * n + 1, sizeof(*pfd))))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	/* Delivered only inside ppoll(), so a stop is never missed before a wait. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop, &old);
	if (max == 0 || max > n)
		max = n;
	for (i = 0; i < n; i++) {
		jobs[i].end = SL_JOB_EXITED;
		jobs[i].status = 0;
		jobs[i].pid = -1;
		jobs[i].fd_out = jobs[i].fd_err = -1;
	}
	for (;;) {
		long long now, wait = -1;
		struct timespec ts;
		size_t np = 0, active = 0;
		int running = 0, r;

		/* Start jobs while fewer than max run; one that ends makes room for the next. */
		for (i = 0; i < next; i++)
			active += jobs[i].pid > 0;
		for (; next < n && active < max; next++) {
			if ((e = spawn(&jobs[next], err)) < 0)
				goto fail;
			active += jobs[next].pid > 0;
		}
		now = now_ms();

		if (sl_run_interrupted) {
			e = sl_error_set(err, SL_EIO, "interrupted by signal %d", (int)sl_run_interrupted);
			goto fail;
		}
		for (i = 0; i < n; i++) {
			struct sl_job *j = &jobs[i];

			if (j->pid <= 0)
				continue;
			if (now >= j->deadline) {
				kill_job(j, SL_JOB_TIMEOUT);
				reap(j, 1);
				continue;
			}
			if (j->fd_out < 0 && j->fd_err < 0) {
				/* Output closed: it is exiting, or it went on without its pipes. */
				if (reap(j, 0))
					continue;
				if (wait < 0 || wait > 5)
					wait = 5;
			}
			running = 1;
			if (wait < 0 || j->deadline - now < wait)
				wait = j->deadline - now;
			if (j->fd_out >= 0)
				pfd[np++] = (struct pollfd){ .fd = j->fd_out, .events = POLLIN };
			if (j->fd_err >= 0)
				pfd[np++] = (struct pollfd){ .fd = j->fd_err, .events = POLLIN };
		}
		if (!running && next == n)
			break;
		/* A job ended in the loop above: start the next before waiting. */
		for (i = active = 0; i < next; i++)
			active += jobs[i].pid > 0;
		if (progress && next - active != ended)
			progress(ctx, ended = next - active, n);
		if (next < n && active < max)
			continue;
		if (wait > 60000)
			wait = 60000;
		ts.tv_sec = (time_t)(wait / 1000);
		ts.tv_nsec = (long)(wait % 1000) * 1000000;
		r = ppoll(pfd, np, &ts, &old);
		if (r < 0 && errno != EINTR) {
			e = sl_error_set(err, sl_errno_code(errno),
					 "unable to wait for programs: %s", strerror(errno));
			goto fail;
		}
		for (i = 0; r > 0 && i < n; i++) {
			struct sl_job *j = &jobs[i];
			size_t k;
			int over = 0;

			for (k = 0; k < np; k++) {
				if (!pfd[k].revents)
					continue;
				if (pfd[k].fd == j->fd_out && j->fd_out >= 0) {
					if (!drain(j->fd_out, &j->out, j->out_max, &over))
						close_fd(&j->fd_out);
					if (over) {
						kill_job(j, SL_JOB_TOO_MUCH);
						reap(j, 1);
						break;
					}
				} else if (pfd[k].fd == j->fd_err && j->fd_err >= 0) {
					if (!drain(j->fd_err, &j->err, j->err_max, &over))
						close_fd(&j->fd_err);
					over = 0; /* standard error beyond err_max is dropped */
				}
			}
			if (sl_buf_ok(&j->out) || sl_buf_ok(&j->err)) {
				e = sl_error_set(err, SL_ENOMEM, "out of memory");
				goto fail;
			}
		}
	}
	if (progress && ended != n)
		progress(ctx, n, n); /* the last ones ended in the pass that found none running */
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(pfd);
	return 0;
fail:
	sigprocmask(SIG_SETMASK, &old, NULL);
	kill_all(jobs, n);
	for (i = 0; i < n; i++) {
		close_fd(&jobs[i].fd_out);
		close_fd(&jobs[i].fd_err);
		if (i >= next) {
			jobs[i].end = SL_JOB_NOSTART;
			jobs[i].status = ECANCELED;
		}
	}
	free(pfd);
	return e;
}

static void feed(int fd, const char *p, size_t n, int *broken)
{
	while (n && !*broken) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			*broken = errno; /* it stopped reading: its exit status will say why */
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

int sl_run_feed(const char *const *argv, const struct sl_buf *const *in, size_t n, int *wstatus,
		struct sl_error *err)
{
	struct sl_spawn sp = { argv, NULL, NULL, { -1, SL_SPAWN_KEEP, SL_SPAWN_KEEP }, NULL, 0 };
	int pfd[2], e, broken = 0;
	pid_t pid;
	size_t i;

	if (pipe2(pfd, O_CLOEXEC) != 0)
		return sl_error_set(err, sl_errno_code(errno),
				    "unable to make a pipe: %s", strerror(errno));
	sp.fd[0] = pfd[0];
	e = sl_spawn(&sp, &pid);
	close(pfd[0]);
	if (e != 0) {
		close(pfd[1]);
		return sl_error_set(err, e == ENOENT || e == EACCES || e == ENOEXEC ? SL_EINVAL : SL_EIO,
				    "unable to run '%s': %s", argv[0], strerror(e));
	}
	for (i = 0; i < n; i++) {
		feed(pfd[1], in[i]->buf, in[i]->len, &broken);
		if (in[i]->len && in[i]->buf[in[i]->len - 1] != '\n')
			feed(pfd[1], "\n", 1, &broken);
	}
	close(pfd[1]);
	while (waitpid(pid, wstatus, 0) < 0) {
		if (errno != EINTR)
			return sl_error_set(err, sl_errno_code(errno),
					    "unable to wait for '%s': %s", argv[0],
					    strerror(errno));
	}
	return 0;
}

int sl_memfd(const char *name, const char *buf, size_t len, struct sl_error *err)
{
	size_t off = 0;
	int fd, e;

	if ((fd = memfd_create(name, MFD_CLOEXEC)) < 0)
		return sl_error_set(err, errno == ENOMEM ? SL_ENOMEM : sl_errno_code(errno),
				    "unable to make a file in memory: %s", strerror(errno));
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			e = w < 0 ? errno : ENOSPC;
			close(fd);
			return sl_error_set(err, e == ENOMEM ? SL_ENOMEM : SL_EIO,
					    "unable to fill a file in memory: %s", strerror(e));
		}
		off += (size_t)w;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		e = errno;
		close(fd);
		return sl_error_set(err, SL_EIO, "unable to rewind a file in memory: %s", strerror(e));
	}
	return fd;
}

int sl_fd_reopen(int fd, struct sl_error *err)
{
	char path[64], buf[65536];
	off_t off = 0;
	ssize_t n;
	int r, e;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((r = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
		return r;
	if ((r = sl_memfd("sl-copy", NULL, 0, err)) < 0)
		return r;
	while ((n = pread(fd, buf, sizeof(buf), off)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write(r, buf, (size_t)n) != n) {
			e = errno;
			close(r);
			return sl_error_set(err, SL_EIO, "unable to copy a file for a job: %s", strerror(e));
		}
		off += n;
	}
	if (lseek(r, 0, SEEK_SET) != 0) {
		e = errno;
		close(r);
		return sl_error_set(err, SL_EIO, "unable to rewind a file in memory: %s", strerror(e));
	}
	return r;
}
