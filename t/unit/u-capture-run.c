// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/capture-run.c: jobs run in parallel, and every way a
 * job can end is told apart.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sl/capture-run.h"

static void job(struct sl_job *j, const char *const *argv, int timeout_ms)
{
	memset(j, 0, sizeof(*j));
	sl_job_init(j);
	j->argv = argv;
	j->timeout_ms = timeout_ms;
	j->out_max = 1 << 20;
	j->err_max = 1 << 10;
}

START_TEST(output_status_and_stderr)
{
	const char *a[] = { "sh", "-c", "printf 'out\\n'; printf 'err\\n' >&2; exit 7", NULL };
	const char *b[] = { "printf", "%s", "no newline", NULL };
	struct sl_job j[2];
	struct sl_error err = { 0 };
	char how[128];

	job(&j[0], a, 5000);
	job(&j[1], b, 5000);
	ck_assert_int_eq(sl_run_jobs(j, 2, &err), 0);
	ck_assert_int_eq(j[0].end, SL_JOB_EXITED);
	ck_assert_int_eq(j[0].status, 7);
	ck_assert(!sl_job_ok(&j[0]));
	ck_assert_str_eq(j[0].out.buf, "out\n");
	ck_assert_str_eq(j[0].err.buf, "err\n");
	ck_assert_str_eq(sl_job_describe(&j[0], how, sizeof(how)), "exited with status 7");
	ck_assert(sl_job_ok(&j[1]));
	ck_assert_str_eq(j[1].out.buf, "no newline");
	sl_job_release(&j[0]);
	sl_job_release(&j[1]);
}
END_TEST

START_TEST(merged_stderr_and_cwd)
{
	const char *a[] = { "sh", "-c", "pwd; echo e >&2", NULL };
	struct sl_job j;
	struct sl_error err = { 0 };

	job(&j, a, 5000);
	j.merge_stderr = 1;
	j.cwd = "/";
	ck_assert_int_eq(sl_run_jobs(&j, 1, &err), 0);
	ck_assert(sl_job_ok(&j));
	ck_assert_str_eq(j.out.buf, "/\ne\n");
	sl_job_release(&j);
}
END_TEST

START_TEST(parallel)
{
	/* Each waits for the other's mark: only parallel jobs can both finish. */
	const char *a[] = { "sh", "-c", "touch /tmp/u-capture-run.$PPID.a; "
		      "while [ ! -e /tmp/u-capture-run.$PPID.b ]; do sleep 0.02; done", NULL };
	const char *b[] = { "sh", "-c", "touch /tmp/u-capture-run.$PPID.b; "
		      "while [ ! -e /tmp/u-capture-run.$PPID.a ]; do sleep 0.02; done", NULL };
	const char *clean[] = { "sh", "-c", "rm -f /tmp/u-capture-run.$PPID.a /tmp/u-capture-run.$PPID.b", NULL };
	struct sl_job j[2];
	struct sl_error err = { 0 };

	job(&j[0], a, 10000);
	job(&j[1], b, 10000);
	ck_assert_int_eq(sl_run_jobs(j, 2, &err), 0);
	ck_assert(sl_job_ok(&j[0]));
	ck_assert(sl_job_ok(&j[1]));
	job(&j[0], clean, 5000);
	ck_assert_int_eq(sl_run_jobs(j, 1, &err), 0);
}
END_TEST

START_TEST(timeout_kills_the_group)
{
	const char *a[] = { "sh", "-c", "sleep 30 & sleep 30", NULL };
	struct sl_job j;
	struct sl_error err = { 0 };
	char how[128];
	time_t t0 = time(NULL);

	job(&j, a, 300);
	ck_assert_int_eq(sl_run_jobs(&j, 1, &err), 0);
	ck_assert_int_eq(j.end, SL_JOB_TIMEOUT);
	ck_assert_str_eq(sl_job_describe(&j, how, sizeof(how)), "timed out after 300 ms and was killed");
	ck_assert(time(NULL) - t0 < 10);
	sl_job_release(&j);
}
END_TEST

START_TEST(too_much_output)
{
	const char *a[] = { "sh", "-c", "while :; do echo yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy; done", NULL };
	struct sl_job j;
	struct sl_error err = { 0 };

	job(&j, a, 10000);
	j.out_max = 100000;
	ck_assert_int_eq(sl_run_jobs(&j, 1, &err), 0);
	ck_assert_int_eq(j.end, SL_JOB_TOO_MUCH);
	ck_assert_uint_eq(j.out.len, 100000);
	sl_job_release(&j);
}
END_TEST

START_TEST(signal_and_nostart)
{
	const char *a[] = { "sh", "-c", "kill -TERM $$", NULL };
	const char *b[] = { "/nonexistent/program", NULL };
	const char *c[] = { "sh", "-c", "yes | head -c 10 >/dev/null", NULL };
	struct sl_job j[3];
	struct sl_error err = { 0 };
	char how[128];

	job(&j[0], a, 5000);
	job(&j[1], b, 5000);
	job(&j[2], c, 5000);
	ck_assert_int_eq(sl_run_jobs(j, 3, &err), 0);
	ck_assert_int_eq(j[0].end, SL_JOB_SIGNALLED);
	ck_assert_int_eq(j[0].status, SIGTERM);
	ck_assert_int_eq(j[1].end, SL_JOB_NOSTART);
	ck_assert_int_eq(j[1].status, ENOENT);
	ck_assert_str_eq(sl_job_describe(&j[1], how, sizeof(how)),
			 "could not be started: No such file or directory");
	/* The job gets SIGPIPE's default even though we ignore it. */
	ck_assert(sl_job_ok(&j[2]));
}
END_TEST

START_TEST(feed)
{
	const char *argv[] = { "sh", "-c", "test \"$(cat)\" = \"$(printf 'a\\nb\\nc')\"", NULL };
	const char *missing[] = { "/nonexistent/program", NULL };
	struct sl_buf a = SL_BUF_INIT, b = SL_BUF_INIT, c = SL_BUF_INIT;
	const struct sl_buf *in[3] = { &a, &b, &c };
	struct sl_error err = { 0 };
	int st = -1;

	/* "a" and "b" lack their newlines: each is given one; the empty one adds nothing. */
	sl_buf_addstr(&a, "a");
	sl_buf_addstr(&c, "b\nc\n");
	ck_assert_int_eq(sl_run_feed(argv, in, 3, &st, &err), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ck_assert_int_eq(sl_run_feed(missing, in, 3, &st, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "unable to run '/nonexistent/program': No such file or directory");
	sl_buf_release(&a);
	sl_buf_release(&b);
	sl_buf_release(&c);
}
END_TEST

START_TEST(feed_to_a_program_that_stops_reading)
{
	const char *argv[] = { "sh", "-c", "exit 3", NULL };
	struct sl_buf big = SL_BUF_INIT;
	const struct sl_buf *in[1] = { &big };
	struct sl_error err = { 0 };
	static char chunk[65536];
	int st = -1, i;

	/* More than a pipe holds, for a program that reads none of it. */
	memset(chunk, 'x', sizeof(chunk));
	for (i = 0; i < 16; i++)
		sl_buf_add(&big, chunk, sizeof(chunk));
	ck_assert_int_eq(sl_buf_ok(&big), 0);
	ck_assert_int_eq(sl_run_feed(argv, in, 1, &st, &err), 0);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3);
	sl_buf_release(&big);
}
END_TEST

/*
 * At most `max` at once, and the next job starts as soon as one ends:
 * job 0 waits for a file that only job 2 makes.  Run in fixed batches of
 * two (jobs 0 and 1, then 2), job 0 would wait in vain and fail.
 */
START_TEST(max_at_once_refills)
{
	char dir[] = "/tmp/sl-u-run-XXXXXX", a0[256], a2[256];
	const char *c0[] = { "sh", "-c", a0, NULL };
	const char *c1[] = { "true", NULL };
	const char *c2[] = { "sh", "-c", a2, NULL };
	struct sl_job j[3];
	struct sl_error err = { 0 };
	int i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(a0, sizeof(a0), "i=0; while [ $i -lt 200 ]; do [ -e %s/c ] && exit 0; sleep 0.05; "
		 "i=$((i+1)); done; exit 1", dir);
	snprintf(a2, sizeof(a2), "touch %s/c", dir);
	job(&j[0], c0, 30000);
	job(&j[1], c1, 30000);
	job(&j[2], c2, 30000);
	ck_assert_int_eq(sl_run_jobs_max(j, 3, 2, &err), 0);
	for (i = 0; i < 3; i++) {
		ck_assert_msg(sl_job_ok(&j[i]), "job %d: end %d status %d", i, j[i].end, j[i].status);
		sl_job_release(&j[i]);
	}
	snprintf(a0, sizeof(a0), "%s/c", dir);
	unlink(a0);
	rmdir(dir);
}
END_TEST

/* Never more than max running: each job counts itself in and out of a shared file. */
START_TEST(max_at_once_bound)
{
	enum { N = 6 };
	char dir[] = "/tmp/sl-u-run-XXXXXX", cmd[512], path[300];
	const char *c[] = { "sh", "-c", cmd, NULL };
	struct sl_job j[N];
	struct sl_error err = { 0 };
	FILE *f;
	int i, ch, now = 0, most = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cmd, sizeof(cmd), "echo + >>%s/log; sleep 0.2; echo - >>%s/log", dir, dir);
	for (i = 0; i < N; i++)
		job(&j[i], c, 30000);
	ck_assert_int_eq(sl_run_jobs_max(j, N, 2, &err), 0);
	snprintf(path, sizeof(path), "%s/log", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while ((ch = fgetc(f)) != EOF) {
		if (ch == '+' && ++now > most)
			most = now;
		if (ch == '-')
			now--;
	}
	fclose(f);
	ck_assert_int_le(most, 2);
	ck_assert_int_ge(most, 1);
	for (i = 0; i < N; i++) {
		ck_assert(sl_job_ok(&j[i]));
		sl_job_release(&j[i]);
	}
	unlink(path);
	rmdir(dir);
}
END_TEST

/* Jobs reading one file at once each read all of it (stdin_private). */
START_TEST(private_stdin)
{
	const char *c[] = { "cat", NULL };
	struct sl_job j[4];
	struct sl_error err = { 0 };
	char text[100000];
	int fd, i;

	for (i = 0; i < (int)sizeof(text); i++)
		text[i] = (char)('a' + i % 26);
	ck_assert_int_ge(fd = sl_memfd("t", text, sizeof(text), &err), 0);
	for (i = 0; i < 4; i++) {
		job(&j[i], c, 30000);
		j[i].stdin_fd = fd;
		j[i].stdin_private = 1;
	}
	ck_assert_int_eq(sl_run_jobs_max(j, 4, 3, &err), 0);
	for (i = 0; i < 4; i++) {
		ck_assert(sl_job_ok(&j[i]));
		ck_assert_uint_eq(j[i].out.len, sizeof(text));
		ck_assert(memcmp(j[i].out.buf, text, sizeof(text)) == 0);
		sl_job_release(&j[i]);
	}
	close(fd);
}
END_TEST

/* Progress: called as jobs end, with the count of those ended, rising to n. */
struct seen_progress {
	int calls;
	uint64_t last, total;
	int rising;
};

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct seen_progress *p = ctx;

	if (p->calls && done <= p->last)
		p->rising = 0;
	p->calls++;
	p->last = done;
	p->total = total;
}

START_TEST(progress_as_jobs_end)
{
	enum { N = 5 };
	const char *c[] = { "true", NULL };
	struct sl_job j[N];
	struct sl_error err = { 0 };
	struct seen_progress p = { 0, 0, 0, 1 };
	int i;

	for (i = 0; i < N; i++)
		job(&j[i], c, 30000);
	ck_assert_int_eq(sl_run_jobs_progress(j, N, 2, on_progress, &p, &err), 0);
	ck_assert_int_ge(p.calls, 1);
	ck_assert_int_le(p.calls, N);
	ck_assert(p.rising);
	ck_assert_uint_eq(p.last, N);
	ck_assert_uint_eq(p.total, N);
	for (i = 0; i < N; i++)
		sl_job_release(&j[i]);
}
END_TEST

static Suite *run_suite(void)
{
	Suite *s = suite_create("capture-run");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, output_status_and_stderr);
	tcase_add_test(tc, merged_stderr_and_cwd);
	tcase_add_test(tc, parallel);
	tcase_add_test(tc, timeout_kills_the_group);
	tcase_add_test(tc, too_much_output);
	tcase_add_test(tc, signal_and_nostart);
	tcase_add_test(tc, feed);
	tcase_add_test(tc, feed_to_a_program_that_stops_reading);
	tcase_add_test(tc, max_at_once_refills);
	tcase_add_test(tc, max_at_once_bound);
	tcase_add_test(tc, private_stdin);
	tcase_add_test(tc, progress_as_jobs_end);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(run_suite());
	int failed;

	signal(SIGPIPE, SIG_IGN); /* as the programs do */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
