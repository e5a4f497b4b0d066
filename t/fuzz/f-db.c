// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: an untrusted ledger.db (an operator's copy opened by
 * an auditor).  The input is written as the database of a ledger in a
 * temporary directory, opened read-only through sl_ledger_open, and read
 * the ways the programs read it: the head, entries by seq, a full listing,
 * filtered listings (the stream walk), a proof, a snapshot and sl-verify's
 * whole check.  Every answer must be 0 or an SL_E code, and a ledger that
 * verifies must read back whole.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sl/ledger.h"
#include "sl/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ROWS 4096 /* a listing is cut here: the input bounds the file, not its row count */

static char dir[64], db[96], wal[100], shm[100];

static void check_code(int e)
{
	if (e > 1 || e < SL_ERANGE)
		abort();
}

static int discard(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	(void)p;
	(void)n;
	return 0;
}

static void cleanup(void)
{
	unlink(wal);
	unlink(shm);
	unlink(db);
	rmdir(dir);
}

static int setup(void)
{
	if (dir[0])
		return 0;
	snprintf(dir, sizeof(dir), "%s/sl-f-db-XXXXXX", access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir))
		return -1;
	snprintf(db, sizeof(db), "%s/" SL_STORE_SQLITE_DB, dir);
	snprintf(wal, sizeof(wal), "%s-wal", db);
	snprintf(shm, sizeof(shm), "%s-shm", db);
	return atexit(cleanup);
}

static int write_db(const uint8_t *data, size_t size)
{
	int fd;
	size_t off = 0;

	/* A -wal or -shm left by the last input would be read with this one. */
	if ((unlink(wal) != 0 && errno != ENOENT) || (unlink(shm) != 0 && errno != ENOENT))
		return -1;
	if ((fd = open(db, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return -1;
	while (off < size) {
		ssize_t w = write(fd, data + off, size - off);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	return close(fd);
}

/* List with filter f; the number of rows in *n; the result code. */
static int list(struct sl_ledger *l, const struct sl_filter *f, uint64_t *n)
{
	struct sl_error err = { 0 };
	struct sl_entry_row row;
	struct sl_scan *it;
	int e = sl_ledger_scan_open(l, f, &it, &err);

	*n = 0;
	check_code(e);
	if (e < 0)
		return e;
	while (*n < MAX_ROWS && (e = sl_ledger_scan_next(l, it, &row, &err)) == 1)
		(*n)++;
	check_code(e);
	sl_ledger_scan_close(l, it);
	return e < 0 ? e : 0;
}

static void read_all(struct sl_ledger *l)
{
	struct sl_error err = { 0 };
	struct sl_head h, v;
	struct sl_filter all = { 0 }, by_type = { 0 }, by_source = { 0 };
	struct sl_snapshot_opts so = { INT64_C(4102444800000000), NULL, NULL, 1 }; /* 2100 */
	struct sl_buf out = SL_BUF_INIT;
	struct sl_proof *p;
	uint64_t n, bad, i;
	int e, ve;

	e = sl_ledger_head(l, &h, &err);
	check_code(e);
	if (e < 0)
		return;
	for (i = 0; i < 3 && i < h.size; i++) {
		check_code(sl_ledger_get(l, i, &out, &err));
		check_code(sl_ledger_get(l, h.size - 1 - i, &out, &err));
	}
	check_code(sl_ledger_get(l, h.size, &out, &err));
	(void)list(l, &all, &n);
	by_type.type = "x-test";
	(void)list(l, &by_type, &n);
	by_source.source = "s*";
	by_source.limit = 3;
	(void)list(l, &by_source, &n);
	if (h.size && (p = malloc(sizeof(*p)))) {
		check_code(sl_ledger_proof(l, SL_PROOF_INCLUSION, h.size / 2, h.size, p, &err));
		check_code(sl_ledger_proof(l, SL_PROOF_CONSISTENCY, 1, h.size, p, &err));
		free(p);
	}
	check_code(sl_snapshot(l, &so, discard, NULL, &err));
	ve = sl_ledger_verify(l, NULL, NULL, &v, &bad, &err);
	check_code(ve);
	/* What verifies must read back whole, every entry past the read check. */
	if (ve == 0 && v.size <= MAX_ROWS) {
		e = list(l, &all, &n);
		if (e < 0 || n != v.size)
			abort();
	}
	sl_buf_release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_error err = { 0 };
	struct sl_ledger *l;
	int e;

	if (setup() != 0 || write_db(data, size) != 0)
		abort();
	e = sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 0, &err);
	check_code(e);
	if (e < 0)
		return 0;
	read_all(l);
	sl_ledger_close(l);
	return 0;
}
