// SPDX-License-Identifier: MIT
/*
 * prove-time: the cost of one proof inside a process, as sl-prove,
 * sl-snapshot and sl-httpd pay it once the ledger is open.
 *
 *   usage: prove-time LEDGER [COUNT [SEED]]
 *
 * Opens the ledger read-only with sl_ledger_open() and times COUNT (default
 * 10,000) calls of each kind, for random (deterministic) arguments:
 *   incl       sl_ledger_inclusion(seq, head size)
 *   incl_root  sl_ledger_inclusion and sl_ledger_root(head size) for another
 *              random seq: what sl-prove --seq computes
 *   incl_old   sl_ledger_inclusion(seq, random older size): a proof at a
 *              past tree size (sl-snapshot --at T)
 *   cons       sl_ledger_consistency(random m, head size)
 * Every proof is checked (untimed) with sl_merkle_verify_inclusion() or
 * sl_merkle_verify_consistency() against the roots, so the figures are of
 * proofs that verify.  Beside wall time, each call's thread CPU time is
 * reported: on a busy machine a wall-time tail with no CPU-time tail is the
 * scheduler, not the ledger.  Each kind draws its own seq, so no call is helped
 * by the pages the call before it read (beyond what any reader shares: the
 * upper levels of the tree and SQLite's 8 MiB page cache).  Prints the median, p99 and max microseconds of each
 * kind as KEY=VALUE lines, and the SQLite version in use.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl/ledger.h"
#include "gen.h"

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* This thread's CPU time: a call that took long in wall time but not here was preempted. */
static double cpu_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void die(const char *what, const struct sl_error *err, int e)
{
	fprintf(stderr, "prove-time: fatal: %s: %s\n", what,
		err && err->msg[0] ? err->msg : sl_strerror(e));
	exit(111);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *name, double *t, double *c, size_t n, size_t proof_len)
{
	qsort(t, n, sizeof(*t), cmp);
	qsort(c, n, sizeof(*c), cmp);
	printf("%s_median_us=%.2f\n", name, t[n / 2]);
	printf("%s_p99_us=%.2f\n", name, t[n * 99 / 100]);
	printf("%s_max_us=%.2f\n", name, t[n - 1]);
	printf("%s_cpu_median_us=%.2f\n", name, c[n / 2]);
	printf("%s_cpu_p99_us=%.2f\n", name, c[n * 99 / 100]);
	printf("%s_avg_hashes=%.1f\n", name, (double)proof_len / (double)n);
}

static void refs(struct sl_hashref *r, unsigned char h[][SL_HASH_LEN], size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		r[i].p = h[i], r[i].len = SL_HASH_LEN;
}

int main(int argc, char **argv)
{
	struct sl_error err = { 0 };
	struct sl_ledger *l;
	struct sl_head h;
	struct gen_rng rng = { 42 };
	unsigned char proof[SL_PROOF_MAX][SL_HASH_LEN], leaf[SL_HASH_LEN], root[SL_HASH_LEN];
	unsigned char old_root[SL_HASH_LEN];
	struct sl_hashref pr[SL_PROOF_MAX];
	double *t_incl, *t_root, *t_old, *t_cons, *c_incl, *c_root, *c_old, *c_cons, t0, c0;
	size_t count = 10000, i, np, len_incl = 0, len_old = 0, len_cons = 0;
	char *end;
	int e;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "prove-time: usage: prove-time LEDGER [COUNT [SEED]]\n");
		return 2;
	}
	if (argc > 2) {
		count = (size_t)strtoull(argv[2], &end, 10);
		if (*end || count < 1 || count > 10000000) {
			fprintf(stderr, "prove-time: usage: COUNT must be 1..10000000\n");
			return 2;
		}
	}
	if (argc > 3)
		rng.s = strtoull(argv[3], NULL, 10);
	if (!(t_incl = calloc(count, sizeof(double))) || !(t_root = calloc(count, sizeof(double))) ||
	    !(t_old = calloc(count, sizeof(double))) || !(t_cons = calloc(count, sizeof(double))) ||
	    !(c_incl = calloc(count, sizeof(double))) || !(c_root = calloc(count, sizeof(double))) ||
	    !(c_old = calloc(count, sizeof(double))) || !(c_cons = calloc(count, sizeof(double))))
		die("out of memory", NULL, SL_ENOMEM);

	t0 = now_us();
	if ((e = sl_ledger_open(&l, argv[1], SL_LEDGER_RDONLY, 5000, &err)) < 0)
		die("unable to open the ledger", &err, e);
	printf("prove_open_us=%.1f\n", now_us() - t0);
	if ((e = sl_ledger_head(l, &h, &err)) < 0)
		die("unable to read the head", &err, e);
	if (h.size < 2)
		die("the ledger needs at least 2 entries", NULL, SL_ERANGE);

	for (i = 0; i < count; i++) {
		uint64_t seq = gen_next(&rng) % h.size, size, m;
		struct sl_hashref lr = { leaf, SL_HASH_LEN }, rr = { root, SL_HASH_LEN };
		struct sl_hashref orr = { old_root, SL_HASH_LEN };

		/* Inclusion at the head. */
		c0 = cpu_us();
		t0 = now_us();
		if ((e = sl_ledger_inclusion(l, seq, h.size, proof, &np, leaf, &err)) < 0)
			die("sl_ledger_inclusion", &err, e);
		t_incl[i] = now_us() - t0;
		c_incl[i] = cpu_us() - c0;
		len_incl += np;
		refs(pr, proof, np);
		if (sl_merkle_verify_inclusion(seq, h.size, lr, pr, np,
					       (struct sl_hashref){ h.root, SL_HASH_LEN }, &err) < 0)
			die("an inclusion proof does not verify", &err, SL_EVERIFY);

		/* What sl-prove --seq does: the proof and the root it leads to (another seq). */
		seq = gen_next(&rng) % h.size;
		c0 = cpu_us();
		t0 = now_us();
		if ((e = sl_ledger_inclusion(l, seq, h.size, proof, &np, leaf, &err)) < 0 ||
		    (e = sl_ledger_root(l, h.size, root, &err)) < 0)
			die("sl_ledger_inclusion + sl_ledger_root", &err, e);
		t_root[i] = now_us() - t0;
		c_root[i] = cpu_us() - c0;
		if (memcmp(root, h.root, SL_HASH_LEN) != 0)
			die("the computed root is not the head's", NULL, SL_EVERIFY);
		refs(pr, proof, np);
		if (sl_merkle_verify_inclusion(seq, h.size, lr, pr, np, rr, &err) < 0)
			die("an inclusion proof does not verify", &err, SL_EVERIFY);

		/* Inclusion in an older tree. */
		size = seq + 1 + gen_next(&rng) % (h.size - seq);
		c0 = cpu_us();
		t0 = now_us();
		if ((e = sl_ledger_inclusion(l, seq, size, proof, &np, leaf, &err)) < 0)
			die("sl_ledger_inclusion (older size)", &err, e);
		t_old[i] = now_us() - t0;
		c_old[i] = cpu_us() - c0;
		len_old += np;
		if ((e = sl_ledger_root(l, size, root, &err)) < 0)
			die("sl_ledger_root", &err, e);
		refs(pr, proof, np);
		if (sl_merkle_verify_inclusion(seq, size, lr, pr, np, rr, &err) < 0)
			die("an inclusion proof (older size) does not verify", &err, SL_EVERIFY);

		/* Consistency from a random older size to the head. */
		m = 1 + gen_next(&rng) % h.size;
		c0 = cpu_us();
		t0 = now_us();
		if ((e = sl_ledger_consistency(l, m, h.size, proof, &np, &err)) < 0)
			die("sl_ledger_consistency", &err, e);
		t_cons[i] = now_us() - t0;
		c_cons[i] = cpu_us() - c0;
		len_cons += np;
		if ((e = sl_ledger_root(l, m, old_root, &err)) < 0)
			die("sl_ledger_root", &err, e);
		refs(pr, proof, np);
		if (sl_merkle_verify_consistency(m, h.size, orr,
						 (struct sl_hashref){ h.root, SL_HASH_LEN }, pr, np,
						 &err) < 0)
			die("a consistency proof does not verify", &err, SL_EVERIFY);
	}
	printf("prove_size=%llu\n", (unsigned long long)h.size);
	printf("prove_count=%zu\n", count);
	report("incl", t_incl, c_incl, count, len_incl);
	report("incl_root", t_root, c_root, count, len_incl);
	report("incl_old", t_old, c_old, count, len_old);
	report("cons", t_cons, c_cons, count, len_cons);
	printf("sqlite_version=%s\n", sqlite3_libversion());
	sl_ledger_close(l);
	free(t_incl);
	free(t_root);
	free(t_old);
	free(t_cons);
	free(c_incl);
	free(c_root);
	free(c_old);
	free(c_cons);
	return 0;
}
