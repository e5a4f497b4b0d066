// SPDX-License-Identifier: MIT
/*
 * spawn-time RUNS PROGRAM [ARG...]: run a program RUNS times (standard
 * input from /dev/null, standard output to /dev/null) and print
 *
 *   wall_ms=MEDIAN cpu_ms=MEDIAN min_ms=MIN
 *
 * the median wall-clock time from start to exit, the median CPU time
 * (user + system, children included, from wait4), and the fastest run.
 * Measured here rather than with date(1) so that starting a shell and
 * date does not count.  Exits 1 if a run does not exit 0.
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	double *wall, *cpu;
	char *end;
	long runs, i;

	if (argc < 3 || (runs = strtol(argv[1], &end, 10)) < 1 || *end || runs > 10000) {
		fprintf(stderr, "usage: spawn-time RUNS PROGRAM [ARG...]\n");
		return 2;
	}
	wall = calloc((size_t)runs, sizeof(*wall));
	cpu = calloc((size_t)runs, sizeof(*cpu));
	if (!wall || !cpu)
		return 1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	for (i = 0; i < runs; i++) {
		struct rusage ru;
		double t0 = now_ms();
		pid_t pid;
		int st, e;

		if ((e = posix_spawnp(&pid, argv[2], &fa, NULL, argv + 2, environ)) != 0) {
			fprintf(stderr, "spawn-time: unable to run '%s': %s\n", argv[2], strerror(e));
			return 1;
		}
		if (wait4(pid, &st, 0, &ru) != pid) {
			perror("spawn-time: wait4");
			return 1;
		}
		wall[i] = now_ms() - t0;
		cpu[i] = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
			 (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			fprintf(stderr, "spawn-time: '%s' failed (status %d)\n", argv[2], st);
			return 1;
		}
	}
	qsort(wall, (size_t)runs, sizeof(*wall), cmp);
	qsort(cpu, (size_t)runs, sizeof(*cpu), cmp);
	printf("wall_ms=%.1f cpu_ms=%.1f min_ms=%.1f\n", wall[runs / 2], cpu[runs / 2], wall[0]);
	free(wall);
	free(cpu);
	return 0;
}
