// SPDX-License-Identifier: MIT
/*
 * hash-rate: the SHA-256 limit for sl-verify.  Hashes the ledger's
 * canonical entries (as `sl-log` prints them: one per line) with the hash
 * code libsl uses (sl_leaf_hash, sl_node_hash: Nettle's sha256), with
 * no database and no I/O in the timed part.
 *
 *   usage: hash-rate FILE [REPS]
 *
 * The file is read into memory first.  Timed, each REPS times (default 3,
 * the median is printed):
 *   leaf       sl_leaf_hash of every line (without its newline)
 *   leaf+node  the same plus one sl_node_hash per entry: the interior
 *              nodes a tree of n leaves has (n - popcount(n)), rounded up
 *   2 threads  leaf+node with the lines split between two threads: what
 *              the whole machine could hash if verification were
 *              perfectly parallel
 *   bearssl    leaf hashes with BearSSL's portable br_sha256, which libsl
 *              used before Nettle: the yardstick for the change
 * Untimed, the Merkle root of the leaves (sl_merkle_range) is printed so
 * that it can be compared with the root sl-verify reports.
 * Output: KEY=VALUE lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bearssl/bearssl_hash.h>

#include "sl/hash.h"
#include "sl/merkle.h"

static char *data;
static size_t *off, *len, nlines;
static unsigned char (*leaves)[SL_HASH_LEN];

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "hash-rate: fatal: %s: %s\n", what, strerror(errno));
	exit(111);
}

static void load(const char *path, size_t *total)
{
	struct sl_buf b = SL_BUF_INIT;
	char chunk[1 << 16];
	size_t i, start, cap = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die(path);
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die(path);
		}
		sl_buf_add(&b, chunk, (size_t)r);
	}
	close(fd);
	if (sl_buf_ok(&b))
		die("out of memory");
	data = b.buf;
	*total = b.len;
	for (i = start = 0; i <= b.len; i++) {
		if (i < b.len && data[i] != '\n')
			continue;
		if (i == start && i == b.len)
			break; /* no final line */
		if (nlines == cap) {
			cap = cap ? 2 * cap : 1 << 16;
			if (!(off = realloc(off, cap * sizeof(*off))) ||
			    !(len = realloc(len, cap * sizeof(*len))))
				die("out of memory");
		}
		off[nlines] = start;
		len[nlines++] = i - start;
		start = i + 1;
	}
}

struct job {
	size_t from, to;
	int nodes;
	unsigned char acc[SL_HASH_LEN];
};

/* Leaf hashes of lines [from, to) and, with nodes, one node hash per leaf. */
static void *run(void *arg)
{
	struct job *j = arg;
	unsigned char node[SL_HASH_LEN] = { 0 };
	size_t i;

	for (i = j->from; i < j->to; i++) {
		sl_leaf_hash(leaves[i], data + off[i], len[i]);
		if (j->nodes)
			sl_node_hash(node, node, leaves[i]);
	}
	memcpy(j->acc, node, SL_HASH_LEN);
	return NULL;
}

static double timed_bearssl(void)
{
	static const unsigned char zero = 0x00;
	double t0 = now();
	size_t i;

	for (i = 0; i < nlines; i++) {
		br_sha256_context c;
		br_sha256_init(&c);
		br_sha256_update(&c, &zero, 1);
		br_sha256_update(&c, data + off[i], len[i]);
		br_sha256_out(&c, leaves[i]);
	}
	return now() - t0;
}

static double timed(int nodes, int threads)
{
	struct job jobs[2];
	pthread_t th;
	double t0 = now();
	int t;

	for (t = 0; t < threads; t++) {
		jobs[t].from = nlines * (size_t)t / (size_t)threads;
		jobs[t].to = nlines * (size_t)(t + 1) / (size_t)threads;
		jobs[t].nodes = nodes;
	}
	if (threads == 2) {
		if (pthread_create(&th, NULL, run, &jobs[1]) != 0)
			die("pthread_create");
		run(&jobs[0]);
		pthread_join(th, NULL);
	} else {
		run(&jobs[0]);
	}
	return now() - t0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(int nodes, int threads, int reps)
{
	double t[16];
	int i;

	for (i = 0; i < reps; i++)
		t[i] = nodes < 0 ? timed_bearssl() : timed(nodes, threads);
	qsort(t, (size_t)reps, sizeof(t[0]), cmp);
	return t[reps / 2];
}

int main(int argc, char **argv)
{
	struct sl_merkle_range r = { 0 };
	unsigned char root[SL_HASH_LEN];
	char hex[SL_HEX_LEN + 1];
	size_t total, bytes = 0, i;
	double leaf, both, two, bear;
	int reps = 3;

	if (argc < 2 || argc > 3 || (argc == 3 && ((reps = (int)strtol(argv[2], NULL, 10)) < 1 || reps > 15))) {
		fprintf(stderr, "hash-rate: usage: hash-rate FILE [REPS]\n");
		return 2;
	}
	load(argv[1], &total);
	if (!nlines) {
		fprintf(stderr, "hash-rate: fatal: '%s' holds no lines\n", argv[1]);
		return 100;
	}
	for (i = 0; i < nlines; i++)
		bytes += len[i];
	if (!(leaves = malloc(nlines * sizeof(*leaves))))
		die("out of memory");
	bear = median(-1, 1, reps);
	leaf = median(0, 1, reps);
	both = median(1, 1, reps);
	two = median(1, 2, reps);
	for (i = 0; i < nlines; i++)
		if (sl_merkle_range_append(&r, leaves[i], NULL, NULL) < 0)
			die("sl_merkle_range_append");
	sl_merkle_range_root(&r, root);
	sl_hex_encode(hex, root, SL_HASH_LEN);

	printf("hash_entries=%zu\n", nlines);
	printf("hash_entry_bytes=%zu\n", bytes);
	printf("hash_reps=%d\n", reps);
	printf("hash_leaf_seconds=%.6f\n", leaf);
	printf("hash_leaf_rate=%.0f\n", (double)nlines / leaf);
	printf("hash_leaf_mbps=%.1f\n", (double)(bytes + nlines) / leaf / 1e6); /* with the 0x00 prefix */
	printf("hash_both_seconds=%.6f\n", both);
	printf("hash_both_rate=%.0f\n", (double)nlines / both);
	printf("hash_two_seconds=%.6f\n", two);
	printf("hash_two_rate=%.0f\n", (double)nlines / two);
	printf("hash_bearssl_leaf_rate=%.0f\n", (double)nlines / bear);
	printf("hash_root=%s\n", hex);
	return 0;
}
