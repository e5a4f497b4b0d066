// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/ledger.c (with the SQLite store): creating and
 * opening ledgers, appending batches, receipts, roots, proofs, N(T),
 * listing with filters and full verification, on temporary directories.
 */
#include <check.h>
#include <errno.h>
#include <fnmatch.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sl/buf.h"
#include "sl/entry.h"
#include "sl/hash.h"
#include "sl/json.h"
#include "sl/ledger.h"
#include "sl/merkle.h"
#include "sl/time.h"

#define H40 "0123456789abcdef0123456789abcdef01234567"
#define H64 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define ORIGIN "ledger.example.com/test"

/* ---------------------------------------------------------------------------
 * A temporary directory per test case, removed by the (unchecked) teardown,
 * which runs in the parent process even when a test fails.
 */

#define TMPDIR_NAME "ledger"
#include "tmpdir.h"

/* A fresh path under the temporary root (not created). */
static const char *tmp_path(const char *name)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmproot, name);
	return path;
}

static mode_t mode_of(const char *dir, const char *name)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s%s%s", dir, name[0] ? "/" : "", name);
	ck_assert_msg(stat(p, &st) == 0, "stat '%s': %s", p, strerror(errno));
	return st.st_mode;
}

static int exists(const char *dir, const char *name)
{
	char p[512];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return lstat(p, &st) == 0;
}

/* ---------------------------------------------------------------------------
 * Helpers over the ledger.
 */

static struct sl_ledger *new_ledger(const char *name, char dir[256])
{
	struct sl_ledger *l = NULL;
	struct sl_error err;

	snprintf(dir, 256, "%s", tmp_path(name));
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_init(dir, ORIGIN, &err) == 0, "init '%s': %s", dir, err.msg);
	ck_assert_msg(sl_ledger_open(&l, dir, 0, 10000, &err) == 0, "open '%s': %s", dir, err.msg);
	ck_assert_ptr_nonnull(l);
	return l;
}

/* Append the given lines as one batch; receipts to rc (room for n). */
static void append_lines(struct sl_ledger *l, const char *const *lines, size_t n,
			 struct sl_receipt *rc)
{
	struct sl_batch b;
	struct sl_error err;
	size_t i;
	int e;

	sl_batch_init(&b);
	for (i = 0; i < n; i++) {
		sl_error_clear(&err);
		e = sl_batch_add_line(&b, lines[i], strlen(lines[i]), (long)i + 1, &err);
		ck_assert_msg(e == 0, "line %zu rejected: %s: %s", i + 1, err.member, err.msg);
	}
	sl_error_clear(&err);
	e = sl_ledger_append(l, &b, rc, &err);
	ck_assert_msg(e == 0, "append: %s", err.msg);
	sl_batch_release(&b);
}

/* Append `n` entries {"type":"x-n","source":"<prefix>-<i>","payload":{"i":<i>}}. */
static void append_numbered(struct sl_ledger *l, const char *prefix, size_t first, size_t n,
			    struct sl_receipt *rc)
{
	struct sl_batch b;
	struct sl_error err;
	char line[256];
	size_t i;

	sl_batch_init(&b);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "{\"type\":\"x-n\",\"source\":\"%s-%zu\",\"payload\":{\"i\":%zu}}",
			 prefix, first + i, first + i);
		ck_assert_int_eq(sl_batch_add_line(&b, line, strlen(line), (long)i + 1, &err), 0);
	}
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_append(l, &b, rc, &err) == 0, "append: %s", err.msg);
	sl_batch_release(&b);
}

static uint64_t head_size(struct sl_ledger *l)
{
	struct sl_head h;
	struct sl_error err;

	ck_assert_int_eq(sl_ledger_head(l, &h, &err), 0);
	return h.size;
}

/* Naive RFC 9162 MTH over leaves[start, start+n). */
static void mth(const unsigned char (*leaves)[SL_HASH_LEN], uint64_t start, uint64_t n,
		unsigned char out[SL_HASH_LEN])
{
	unsigned char l[SL_HASH_LEN], r[SL_HASH_LEN];
	uint64_t k = 1;

	if (n == 0) {
		sl_sha256(out, "", 0);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[start], SL_HASH_LEN);
		return;
	}
	while (2 * k < n)
		k *= 2;
	mth(leaves, start, k, l);
	mth(leaves, start + k, n - k, r);
	sl_node_hash(out, l, r);
}

/* Leaf hashes of every entry, from the stored bytes. */
static unsigned char (*read_leaves(struct sl_ledger *l, uint64_t n))[SL_HASH_LEN]
{
	unsigned char (*leaves)[SL_HASH_LEN] = calloc(n ? n : 1, SL_HASH_LEN);
	struct sl_buf e = SL_BUF_INIT;
	struct sl_error err;
	uint64_t i;

	ck_assert_ptr_nonnull(leaves);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sl_ledger_get(l, i, &e, &err), 0);
		sl_leaf_hash(leaves[i], e.buf, e.len);
	}
	sl_buf_release(&e);
	return leaves;
}

static int64_t ts_usec(const char *ts)
{
	struct sl_error err;
	int64_t t;

	ck_assert_msg(sl_ts_valid(ts, strlen(ts)), "'%s' is not a ts", ts);
	ck_assert_int_eq(sl_time_parse(ts, &t, &err), 0);
	return t;
}

/* Wait until the clock is past ts, so the next append gets a later ts. */
static void wait_past(const char *ts)
{
	int64_t t = ts_usec(ts), now;

	do {
		usleep(200);
		ck_assert_int_eq(sl_time_now(&now), 0);
	} while (now <= t + 1000);
}

/* ---------------------------------------------------------------------------
 * init and open.
 */

START_TEST(init_creates_private_ledger)
{
	char dir[256];
	struct sl_error err;
	struct sl_ledger *l = NULL;
	struct sl_buf origin = SL_BUF_INIT;
	struct sl_head h;
	unsigned char empty[SL_HASH_LEN];
	mode_t old = umask(022);

	snprintf(dir, sizeof(dir), "%s", tmp_path("fresh"));
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_init(dir, ORIGIN, &err) == 0, "init: %s", err.msg);
	umask(old);
	ck_assert(S_ISDIR(mode_of(dir, "")));
	ck_assert_int_eq(mode_of(dir, "") & 07777, 0700);
	ck_assert(S_ISDIR(mode_of(dir, "artifacts")));
	ck_assert_int_eq(mode_of(dir, "artifacts") & 07777, 0700);
	ck_assert(S_ISDIR(mode_of(dir, "keys")));
	ck_assert_int_eq(mode_of(dir, "keys") & 07777, 0700);
	ck_assert(S_ISREG(mode_of(dir, SL_STORE_SQLITE_DB)));
	ck_assert_int_eq(mode_of(dir, SL_STORE_SQLITE_DB) & 07777, 0600);
	if (exists(dir, "ledger.db-wal"))
		ck_assert_int_eq(mode_of(dir, "ledger.db-wal") & 07777, 0600);
	if (exists(dir, "ledger.db-shm"))
		ck_assert_int_eq(mode_of(dir, "ledger.db-shm") & 07777, 0600);

	ck_assert_int_eq(sl_ledger_open(&l, dir, 0, 1000, &err), 0);
	ck_assert_int_eq(sl_ledger_origin(l, &origin, &err), 0);
	ck_assert_str_eq(origin.buf, ORIGIN);
	ck_assert_int_eq(sl_ledger_head(l, &h, &err), 0);
	ck_assert_uint_eq(h.size, 0);
	ck_assert_str_eq(h.ts, "");
	sl_sha256(empty, "", 0);
	ck_assert_mem_eq(h.root, empty, SL_HASH_LEN);
	sl_ledger_close(l);
	sl_buf_release(&origin);
}
END_TEST

START_TEST(init_refuses_what_exists)
{
	char dir[256], file[300];
	struct sl_error err;
	FILE *f;

	/* A ledger already there. */
	snprintf(dir, sizeof(dir), "%s", tmp_path("twice"));
	ck_assert_int_eq(sl_ledger_init(dir, ORIGIN, &err), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_init(dir, ORIGIN, &err), SL_EEXIST);
	ck_assert_str_ne(err.msg, "");

	/* Any non-empty directory, left untouched. */
	snprintf(dir, sizeof(dir), "%s", tmp_path("busy"));
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	snprintf(file, sizeof(file), "%s/precious", dir);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fputs("data\n", f);
	ck_assert_int_eq(fclose(f), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_init(dir, ORIGIN, &err), SL_EEXIST);
	ck_assert(!exists(dir, SL_STORE_SQLITE_DB));
	ck_assert(!exists(dir, "artifacts"));
	ck_assert(!exists(dir, "keys"));
	ck_assert_int_eq(mode_of(dir, "") & 07777, 0755);

	/* A hidden file counts. */
	snprintf(dir, sizeof(dir), "%s", tmp_path("hidden"));
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(file, sizeof(file), "%s/.x", dir);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(sl_ledger_init(dir, ORIGIN, &err), SL_EEXIST);

	/* An existing empty directory is used, and made private. */
	snprintf(dir, sizeof(dir), "%s", tmp_path("empty"));
	ck_assert_int_eq(mkdir(dir, 0755), 0);
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_init(dir, ORIGIN, &err) == 0, "init of an empty dir: %s", err.msg);
	ck_assert_int_eq(mode_of(dir, "") & 07777, 0700);
	ck_assert(exists(dir, SL_STORE_SQLITE_DB));
}
END_TEST

START_TEST(init_checks_origin)
{
	char dir[256];
	struct sl_error err;
	char long_origin[300];

	snprintf(dir, sizeof(dir), "%s", tmp_path("origin"));
	ck_assert_int_eq(sl_ledger_init(dir, "", &err), SL_EUSAGE);
	ck_assert_int_eq(sl_ledger_init(dir, "has space", &err), SL_EUSAGE);
	ck_assert_int_eq(sl_ledger_init(dir, "a+b", &err), SL_EUSAGE);
	ck_assert_int_eq(sl_ledger_init(dir, "tab\there", &err), SL_EUSAGE);
	ck_assert(!exists(tmproot, "origin"));

	ck_assert(sl_origin_valid("example.com/log"));
	ck_assert(sl_origin_valid("x"));
	ck_assert(!sl_origin_valid(""));
	ck_assert(!sl_origin_valid("+"));
	ck_assert(!sl_origin_valid("a b"));
	ck_assert(!sl_origin_valid("a\nb"));
	ck_assert(!sl_origin_valid("caf\xc3\xa9"));
	ck_assert(!sl_origin_valid("del\x7f"));
	memset(long_origin, 'o', sizeof(long_origin));
	long_origin[255] = '\0';
	ck_assert(sl_origin_valid(long_origin));
	long_origin[255] = 'o';
	long_origin[256] = '\0';
	ck_assert(!sl_origin_valid(long_origin));
}
END_TEST

START_TEST(open_missing_ledger)
{
	struct sl_ledger *l = (struct sl_ledger *)1;
	struct sl_error err;
	char dir[256];

	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_open(&l, tmp_path("nowhere"), 0, 100, &err), SL_ENOLEDGER);
	ck_assert_ptr_null(l);
	ck_assert_str_ne(err.msg, "");
	/* An empty directory is no ledger either. */
	snprintf(dir, sizeof(dir), "%s", tmp_path("void"));
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	l = (struct sl_ledger *)1;
	ck_assert_int_eq(sl_ledger_open(&l, dir, 0, 100, &err), SL_ENOLEDGER);
	ck_assert_ptr_null(l);
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 100, &err), SL_ENOLEDGER);
}
END_TEST

START_TEST(open_foreign_database)
{
	struct sl_ledger *l = NULL;
	struct sl_error err;
	char dir[256], db[300];
	sqlite3 *s;
	FILE *f;

	/* Some other program's SQLite database. */
	snprintf(dir, sizeof(dir), "%s", tmp_path("foreign"));
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	snprintf(db, sizeof(db), "%s/" SL_STORE_SQLITE_DB, dir);
	ck_assert_int_eq(sqlite3_open(db, &s), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(s, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(s);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_open(&l, dir, 0, 100, &err), SL_ENOLEDGER);
	ck_assert_ptr_null(l);

	/* Not a database at all. */
	f = fopen(db, "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not an SQLite database, it is a text file of some length......\n", f);
	ck_assert_int_eq(fclose(f), 0);
	sl_error_clear(&err);
	ck_assert_int_lt(sl_ledger_open(&l, dir, 0, 100, &err), 0);
	ck_assert_ptr_null(l);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Appending.
 */

static const char *const batch1[] = {
	"{\"type\":\"code\",\"source\":\"git:github.com/acme/shop\",\"payload\":{\"repo\":\"https://github.com/acme/shop\",\"commit\":\"" H40 "\"}}",
	"{\"type\":\"config\",\"source\":\"config:web-1:/etc/nginx/nginx.conf\",\"payload\":{\"path\":\"/etc/nginx/nginx.conf\",\"sha256\":\"" H64 "\"}}",
	"{\"type\":\"environment\",\"source\":\"env:web-1\",\"payload\":{\"os\":\"linux\",\"arch\":\"x86_64\",\"kernel\":\"6.1\"}}",
};
static const char *const batch2[] = {
	"{\"type\":\"config\",\"source\":\"config:web-2:/etc/app.conf\",\"payload\":{\"path\":\"/etc/app.conf\",\"sha256\":\"" H64 "\"}}",
	"{\"type\":\"mutation\",\"source\":\"pg:db1\",\"payload\":{\"namespace\":\"pg/db1/slot\",\"position\":\"16/B374D848\",\"id\":\"t1\",\"sha256\":\"" H64 "\"}}",
	"{\"type\":\"config\",\"source\":\"config:web-1:/etc/nginx/nginx.conf\",\"payload\":{\"path\":\"/etc/nginx/nginx.conf\",\"sha256\":\"" H64 "\",\"size\":10}}",
	"{\"type\":\"x-deploy\",\"source\":\"ci:build-7\",\"payload\":{\"who\":\"robot\",\"n\":[1,2,3]}}",
	"{\"type\":\"code\",\"source\":\"git:github.com/acme/shop\",\"payload\":{\"repo\":\"https://github.com/acme/shop\",\"commit\":\"" H64 "\"}}",
};
static const char *const batch3[] = {
	"{\"type\":\"x-deploy\",\"source\":\"ci:build-8\",\"payload\":{}}",
};

#define N1 3
#define N2 5
#define N3 1
#define NALL (N1 + N2 + N3)

/* The three batches, each after the clock has moved past the last ts. */
static struct sl_ledger *standard_ledger(const char *name, char dir[256], struct sl_receipt rc[NALL])
{
	struct sl_ledger *l = new_ledger(name, dir);

	append_lines(l, batch1, N1, rc);
	wait_past(rc[N1 - 1].ts);
	append_lines(l, batch2, N2, rc + N1);
	wait_past(rc[N1 + N2 - 1].ts);
	append_lines(l, batch3, N3, rc + N1 + N2);
	return l;
}

START_TEST(append_receipts)
{
	char dir[256];
	struct sl_receipt rc[NALL + 1];
	struct sl_ledger *l = new_ledger("append", dir);
	struct sl_buf e = SL_BUF_INIT;
	struct sl_error err;
	struct sl_head h;
	int64_t before, after, prev = INT64_MIN;
	size_t i;

	ck_assert_int_eq(sl_time_now(&before), 0);
	umask(022);
	append_lines(l, batch1, N1, rc);
	append_lines(l, batch2, N2, rc + N1);
	append_lines(l, batch3, N3, rc + N1 + N2);
	ck_assert_int_eq(sl_time_now(&after), 0);
	/* What the writer created beside ledger.db is private too. */
	ck_assert_int_eq(mode_of(dir, SL_STORE_SQLITE_DB) & 07777, 0600);
	if (exists(dir, "ledger.db-wal"))
		ck_assert_int_eq(mode_of(dir, "ledger.db-wal") & 07777, 0600);
	if (exists(dir, "ledger.db-shm"))
		ck_assert_int_eq(mode_of(dir, "ledger.db-shm") & 07777, 0600);

	for (i = 0; i < NALL; i++) {
		unsigned char leaf[SL_HASH_LEN];
		int64_t t = ts_usec(rc[i].ts);

		/* seq consecutive from 0. */
		ck_assert_uint_eq(rc[i].seq, i);
		/* ts from the ledger's clock, never decreasing. */
		ck_assert_msg(t >= before && t <= after, "ts %s outside the append", rc[i].ts);
		ck_assert_msg(t >= prev, "ts %s earlier than the one before", rc[i].ts);
		prev = t;
		/* The leaf hash is the hash of the stored bytes. */
		sl_error_clear(&err);
		ck_assert_msg(sl_ledger_get(l, i, &e, &err) == 0, "get %zu: %s", i, err.msg);
		sl_leaf_hash(leaf, e.buf, e.len);
		ck_assert_msg(!memcmp(leaf, rc[i].leaf, SL_HASH_LEN), "receipt %zu: wrong leaf hash", i);
		/* The stored bytes carry this seq and ts. */
		{
			char want[128];
			snprintf(want, sizeof(want), ",\"seq\":%zu,", i);
			ck_assert_msg(strstr(e.buf, want) != NULL, "entry %zu: '%s'", i, e.buf);
			snprintf(want, sizeof(want), ",\"ts\":\"%s\",", rc[i].ts);
			ck_assert_msg(strstr(e.buf, want) != NULL, "entry %zu: '%s'", i, e.buf);
		}
	}
	/* One batch, one ts. */
	ck_assert_str_eq(rc[0].ts, rc[N1 - 1].ts);
	ck_assert_str_eq(rc[N1].ts, rc[N1 + N2 - 1].ts);

	ck_assert_int_eq(sl_ledger_head(l, &h, &err), 0);
	ck_assert_uint_eq(h.size, NALL);
	ck_assert_str_eq(h.ts, rc[NALL - 1].ts);

	/* An empty batch changes nothing. */
	{
		struct sl_batch b;
		sl_batch_init(&b);
		ck_assert_int_eq(sl_ledger_append(l, &b, rc, &err), 0);
		ck_assert_uint_eq(head_size(l), NALL);
		sl_batch_release(&b);
	}
	/* Nothing beyond the end. */
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_get(l, NALL, &e, &err), SL_ENOTFOUND);
	ck_assert_int_eq(sl_ledger_get(l, UINT64_MAX, &e, &err), SL_ENOTFOUND);
	sl_buf_release(&e);
	sl_ledger_close(l);
}
END_TEST

START_TEST(entries_are_the_batch_bytes)
{
	char dir[256];
	struct sl_receipt rc[NALL];
	struct sl_ledger *l = new_ledger("bytes", dir);
	struct sl_batch b;
	struct sl_buf want = SL_BUF_INIT, got = SL_BUF_INIT;
	struct sl_error err;
	size_t i;

	append_lines(l, batch2, N2, rc);
	sl_batch_init(&b);
	for (i = 0; i < N2; i++)
		ck_assert_int_eq(sl_batch_add_line(&b, batch2[i], strlen(batch2[i]), 1, &err), 0);
	for (i = 0; i < N2; i++) {
		json_t *v;
		ck_assert_int_eq(sl_batch_entry(&b, i, rc[i].seq, rc[i].ts, &want, NULL), 0);
		ck_assert_int_eq(sl_ledger_get(l, i, &got, &err), 0);
		ck_assert_str_eq(got.buf, want.buf);
		/* And it is the canonical entry: exactly seq, ts, type, source, payload. */
		ck_assert_int_eq(sl_json_parse(got.buf, got.len, &v, &err), 0);
		ck_assert_uint_eq(json_object_size(v), 5);
		ck_assert_int_eq(json_integer_value(json_object_get(v, "seq")), (json_int_t)i);
		ck_assert_str_eq(json_string_value(json_object_get(v, "ts")), rc[i].ts);
		ck_assert_str_eq(json_string_value(json_object_get(v, "type")), sl_batch_type(&b, i));
		ck_assert_str_eq(json_string_value(json_object_get(v, "source")), sl_batch_source(&b, i));
		ck_assert(json_is_object(json_object_get(v, "payload")));
		json_decref(v);
	}
	sl_batch_release(&b);
	sl_buf_release(&want);
	sl_buf_release(&got);
	sl_ledger_close(l);
}
END_TEST

START_TEST(roots_match_leaves)
{
	char dir[256];
	struct sl_receipt rc[NALL];
	struct sl_ledger *l = standard_ledger("roots", dir, rc);
	unsigned char (*leaves)[SL_HASH_LEN] = read_leaves(l, NALL);
	unsigned char want[SL_HASH_LEN], got[SL_HASH_LEN];
	struct sl_error err;
	struct sl_head h;
	uint64_t n;

	for (n = 0; n < NALL; n++)
		ck_assert_mem_eq(leaves[n], rc[n].leaf, SL_HASH_LEN);
	for (n = 0; n <= NALL; n++) {
		mth((const unsigned char (*)[SL_HASH_LEN])leaves, 0, n, want);
		sl_error_clear(&err);
		ck_assert_msg(sl_ledger_root(l, n, got, &err) == 0, "root(%llu): %s",
			      (unsigned long long)n, err.msg);
		ck_assert_msg(!memcmp(want, got, SL_HASH_LEN), "root(%llu) differs from the leaves' MTH",
			      (unsigned long long)n);
	}
	ck_assert_int_eq(sl_ledger_head(l, &h, &err), 0);
	mth((const unsigned char (*)[SL_HASH_LEN])leaves, 0, NALL, want);
	ck_assert_mem_eq(h.root, want, SL_HASH_LEN);
	ck_assert_int_eq(sl_ledger_root(l, NALL + 1, got, &err), SL_ERANGE);
	ck_assert_int_eq(sl_ledger_root(l, UINT64_MAX, got, &err), SL_ERANGE);
	free(leaves);
	sl_ledger_close(l);
}
END_TEST

START_TEST(proofs)
{
	char dir[256];
	struct sl_receipt rc[40];
	struct sl_ledger *l = new_ledger("proofs", dir);
	unsigned char (*leaves)[SL_HASH_LEN];
	unsigned char proof[SL_PROOF_MAX][SL_HASH_LEN], leaf[SL_HASH_LEN];
	unsigned char roots[41][SL_HASH_LEN];
	struct sl_hashref refs[SL_PROOF_MAX];
	struct sl_error err;
	uint64_t size, i, m;
	size_t n, k;

	/* 37 entries over batches of several sizes. */
	append_numbered(l, "p", 0, 1, rc);
	append_numbered(l, "p", 1, 6, rc + 1);
	append_numbered(l, "p", 7, 9, rc + 7);
	append_numbered(l, "p", 16, 21, rc + 16);
	ck_assert_uint_eq(head_size(l), 37);
	leaves = read_leaves(l, 37);
	for (size = 0; size <= 37; size++)
		ck_assert_int_eq(sl_ledger_root(l, size, roots[size], &err), 0);

	for (size = 1; size <= 37; size++)
		for (i = 0; i < size; i++) {
			struct sl_hashref lr = { leaf, SL_HASH_LEN }, rr = { roots[size], SL_HASH_LEN };
			sl_error_clear(&err);
			ck_assert_msg(sl_ledger_inclusion(l, i, size, proof, &n, leaf, &err) == 0,
				      "inclusion(%llu, %llu): %s", (unsigned long long)i,
				      (unsigned long long)size, err.msg);
			ck_assert_mem_eq(leaf, leaves[i], SL_HASH_LEN);
			for (k = 0; k < n; k++) {
				refs[k].p = proof[k];
				refs[k].len = SL_HASH_LEN;
			}
			ck_assert_msg(sl_merkle_verify_inclusion(i, size, lr, refs, n, rr, &err) == 0,
				      "inclusion(%llu, %llu) does not verify: %s", (unsigned long long)i,
				      (unsigned long long)size, err.msg);
			/* Not against another size's root. */
			if (size > 1) {
				rr.p = roots[size - 1];
				ck_assert_int_eq(sl_merkle_verify_inclusion(i, size, lr, refs, n, rr, NULL),
						 SL_EVERIFY);
			}
		}
	for (size = 1; size <= 37; size++)
		for (m = 1; m <= size; m++) {
			struct sl_hashref r1 = { roots[m], SL_HASH_LEN }, r2 = { roots[size], SL_HASH_LEN };
			sl_error_clear(&err);
			ck_assert_msg(sl_ledger_consistency(l, m, size, proof, &n, &err) == 0,
				      "consistency(%llu, %llu): %s", (unsigned long long)m,
				      (unsigned long long)size, err.msg);
			for (k = 0; k < n; k++) {
				refs[k].p = proof[k];
				refs[k].len = SL_HASH_LEN;
			}
			ck_assert_msg(sl_merkle_verify_consistency(m, size, r1, r2, refs, n, &err) == 0,
				      "consistency(%llu, %llu) does not verify: %s", (unsigned long long)m,
				      (unsigned long long)size, err.msg);
			if (m < size) {
				r1.p = roots[m - 1 ? m - 1 : 2];
				ck_assert_int_eq(sl_merkle_verify_consistency(m, size, r1, r2, refs, n, NULL),
						 SL_EVERIFY);
			}
		}
	/* Out of range. */
	ck_assert_int_eq(sl_ledger_inclusion(l, 5, 5, proof, &n, leaf, &err), SL_ERANGE);
	ck_assert_int_eq(sl_ledger_inclusion(l, 0, 0, proof, &n, leaf, &err), SL_ERANGE);
	ck_assert_int_eq(sl_ledger_inclusion(l, 0, 38, proof, &n, leaf, &err), SL_ERANGE);
	ck_assert_int_eq(sl_ledger_inclusion(l, 37, 37, proof, &n, leaf, &err), SL_ERANGE);
	ck_assert_int_eq(sl_ledger_consistency(l, 0, 5, proof, &n, &err), SL_ERANGE);
	ck_assert_int_eq(sl_ledger_consistency(l, 6, 5, proof, &n, &err), SL_ERANGE);
	ck_assert_int_eq(sl_ledger_consistency(l, 5, 38, proof, &n, &err), SL_ERANGE);
	ck_assert_int_eq(sl_ledger_consistency(l, 0, 0, proof, &n, &err), SL_ERANGE);
	free(leaves);
	sl_ledger_close(l);
}
END_TEST

static int progress_calls;
static uint64_t progress_last_done, progress_last_total;

static void progress(void *ctx, uint64_t done, uint64_t total)
{
	ck_assert_ptr_eq(ctx, &progress_calls);
	ck_assert_uint_le(done, total);
	progress_calls++;
	progress_last_done = done;
	progress_last_total = total;
}

START_TEST(verify_ok)
{
	char dir[256];
	struct sl_receipt rc[NALL];
	struct sl_ledger *l;
	struct sl_head h, v;
	struct sl_error err;
	uint64_t bad = 0;

	/* The empty ledger verifies. */
	l = new_ledger("verify-empty", dir);
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_verify(l, NULL, NULL, &v, &bad, &err) == 0, "verify: %s", err.msg);
	ck_assert_uint_eq(v.size, 0);
	sl_ledger_close(l);

	l = standard_ledger("verify", dir, rc);
	ck_assert_int_eq(sl_ledger_head(l, &h, &err), 0);
	memset(&v, 0, sizeof(v));
	sl_error_clear(&err);
	progress_calls = 0;
	ck_assert_msg(sl_ledger_verify(l, progress, &progress_calls, &v, &bad, &err) == 0, "verify: %s",
		      err.msg);
	ck_assert_uint_eq(v.size, NALL);
	ck_assert_mem_eq(v.root, h.root, SL_HASH_LEN);
	ck_assert_str_eq(v.ts, rc[NALL - 1].ts);
	ck_assert_uint_eq(bad, UINT64_MAX);
	ck_assert_int_ge(progress_calls, 1);
	ck_assert_uint_eq(progress_last_done, NALL);
	ck_assert_uint_eq(progress_last_total, NALL);
	sl_ledger_close(l);

	/* Read-only, from another handle. */
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 1000, &err), 0);
	ck_assert_int_eq(sl_ledger_verify(l, NULL, NULL, &v, &bad, &err), 0);
	ck_assert_uint_eq(v.size, NALL);
	sl_ledger_close(l);
}
END_TEST

/* Verifying from every trusted size of the standard ledger, and from wrong ones. */
START_TEST(verify_from_trusted_sizes)
{
	char dir[256];
	struct sl_receipt rc[NALL];
	struct sl_ledger *l = standard_ledger("verify-from", dir, rc);
	struct sl_head h, v;
	struct sl_error err;
	unsigned char root[SL_HASH_LEN];
	uint64_t m, bad;

	ck_assert_int_eq(sl_ledger_head(l, &h, &err), 0);
	for (m = 0; m <= NALL; m++) {
		ck_assert_int_eq(sl_ledger_root(l, m, root, &err), 0);
		sl_error_clear(&err);
		progress_calls = 0;
		ck_assert_msg(sl_ledger_verify_from(l, m, root, progress, &progress_calls, &v, &bad,
						    &err) == 0, "from %llu: %s", (unsigned long long)m,
			      err.msg);
		ck_assert_uint_eq(v.size, NALL);
		ck_assert_mem_eq(v.root, h.root, SL_HASH_LEN);
		ck_assert_uint_eq(progress_last_done, NALL - m);
		ck_assert_uint_eq(progress_last_total, NALL - m);
		if (m == 0)
			continue;
		/* Another root for the same size is not the stored tree. */
		root[m % SL_HASH_LEN] ^= 1;
		sl_error_clear(&err);
		ck_assert_int_eq(sl_ledger_verify_from(l, m, root, NULL, NULL, &v, &bad, &err), SL_EVERIFY);
		ck_assert_msg(strstr(err.msg, "is not the trusted one") != NULL, "%s", err.msg);
	}
	/* A trusted size beyond the log: the log shrank. */
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_verify_from(l, NALL + 1, root, NULL, NULL, &v, &bad, &err),
			 SL_EVERIFY);
	ck_assert_uint_eq(bad, NALL);
	ck_assert_msg(strstr(err.msg, "fewer than the trusted size") != NULL, "%s", err.msg);
	sl_ledger_close(l);
}
END_TEST

/* Rewrite one stored entry's bytes behind the ledger's back. */
static void tamper(const char *dir, uint64_t seq, const char *from, const char *to)
{
	char db[300];
	sqlite3 *s;
	sqlite3_stmt *st;
	struct sl_buf e = SL_BUF_INIT;
	const char *p;
	int rc;

	snprintf(db, sizeof(db), "%s/" SL_STORE_SQLITE_DB, dir);
	ck_assert_int_eq(sqlite3_open(db, &s), SQLITE_OK);
	rc = sqlite3_prepare_v2(s, "SELECT entry FROM entries WHERE seq = ?", -1, &st, NULL);
	ck_assert_msg(rc == SQLITE_OK, "the store's schema changed: %s", sqlite3_errmsg(s));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
	sl_buf_add(&e, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	sqlite3_finalize(st);
	p = strstr(e.buf, from);
	ck_assert_msg(p != NULL && strlen(from) == strlen(to), "'%s' not in '%s'", from, e.buf);
	memcpy(e.buf + (p - e.buf), to, strlen(to));
	rc = sqlite3_prepare_v2(s, "UPDATE entries SET entry = ? WHERE seq = ?", -1, &st, NULL);
	ck_assert_int_eq(rc, SQLITE_OK);
	sqlite3_bind_blob(st, 1, e.buf, (int)e.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
	ck_assert_int_eq(sqlite3_step(st), SQLITE_DONE);
	ck_assert_int_eq(sqlite3_changes(s), 1);
	sqlite3_finalize(st);
	ck_assert_int_eq(sqlite3_close(s), SQLITE_OK);
	sl_buf_release(&e);
}

START_TEST(verify_many_and_tampering)
{
	char dir[256];
	struct sl_receipt *rc = calloc(10000, sizeof(*rc));
	struct sl_ledger *l = new_ledger("verify-many", dir);
	struct sl_head h, v;
	struct sl_error err;
	uint64_t bad = 0;
	size_t i;

	ck_assert_ptr_nonnull(rc);
	/* Enough entries for the verifier to work in several chunks. */
	for (i = 0; i < 10000; i += 2500)
		append_numbered(l, "m", i, 2500, rc + i);
	for (i = 0; i < 10000; i++)
		ck_assert_uint_eq(rc[i].seq, i);
	ck_assert_int_eq(sl_ledger_head(l, &h, &err), 0);
	ck_assert_uint_eq(h.size, 10000);
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_verify(l, NULL, NULL, &v, &bad, &err) == 0, "verify: %s", err.msg);
	ck_assert_uint_eq(v.size, 10000);
	ck_assert_mem_eq(v.root, h.root, SL_HASH_LEN);
	sl_ledger_close(l);

	/* One changed payload byte deep in the log is found and named. */
	tamper(dir, 5000, "\"i\":5000", "\"i\":5001");
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 1000, &err), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_verify(l, NULL, NULL, &v, &bad, &err), SL_EVERIFY);
	ck_assert_msg(bad == 5000, "bad seq %llu, want 5000 (%s)", (unsigned long long)bad, err.msg);
	ck_assert_str_ne(err.msg, "");
	sl_ledger_close(l);

	/* An earlier one is named first. */
	tamper(dir, 4096, "\"i\":4096", "\"i\":4097");
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 1000, &err), 0);
	ck_assert_int_eq(sl_ledger_verify(l, NULL, NULL, &v, &bad, &err), SL_EVERIFY);
	ck_assert_msg(bad == 4096, "bad seq %llu, want 4096 (%s)", (unsigned long long)bad, err.msg);
	sl_ledger_close(l);

	/* A changed seq column (the bytes no longer match their position). */
	tamper(dir, 3, "\"seq\":3,", "\"seq\":4,");
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 1000, &err), 0);
	ck_assert_int_eq(sl_ledger_verify(l, NULL, NULL, &v, &bad, &err), SL_EVERIFY);
	ck_assert_msg(bad == 3, "bad seq %llu, want 3 (%s)", (unsigned long long)bad, err.msg);
	sl_ledger_close(l);
	free(rc);
}
END_TEST

/* Every read checks each entry's bytes against its stored leaf and its columns. */
START_TEST(reads_check_each_entry)
{
	char dir[256];
	struct sl_receipt rc[20];
	struct sl_ledger *l = new_ledger("reads-check", dir);
	struct sl_filter all = { 0 };
	struct sl_entry_row row;
	struct sl_buf out = SL_BUF_INIT;
	struct sl_scan *it;
	struct sl_error err;
	uint64_t n = 0;
	int e;

	append_numbered(l, "r", 0, 20, rc);
	sl_ledger_close(l);
	tamper(dir, 7, "\"i\":7}", "\"i\":8}");
	tamper(dir, 12, "\"seq\":12,", "\"seq\":13,");
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 1000, &err), 0);

	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_get(l, 7, &out, &err), SL_ECORRUPT);
	ck_assert_str_eq(err.msg, "seq 7: stored entry does not match its leaf hash");
	ck_assert_uint_eq(out.len, 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_entry(l, 12, &row, &err), SL_ECORRUPT);
	ck_assert_str_eq(err.msg, "seq 12: stored entry does not match its seq, ts, type and source columns");
	ck_assert_int_eq(sl_ledger_get(l, 6, &out, &err), 0);
	ck_assert_ptr_nonnull(strstr(out.buf, "\"i\":6}"));
	ck_assert_int_eq(sl_ledger_get(l, 20, &out, &err), SL_ENOTFOUND);

	/* A listing stops at the first bad entry, after the good ones before it. */
	ck_assert_int_eq(sl_ledger_scan_open(l, &all, &it, &err), 0);
	sl_error_clear(&err);
	while ((e = sl_ledger_scan_next(l, it, &row, &err)) == 1)
		ck_assert_uint_eq(row.seq, n++);
	sl_ledger_scan_close(l, it);
	ck_assert_int_eq(e, SL_ECORRUPT);
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(err.msg, "seq 7: stored entry does not match its leaf hash");
	sl_buf_release(&out);
	sl_ledger_close(l);
}
END_TEST

/* Run SQL on the store behind the ledger's back (the SQLite schema of lib/store-sqlite.c). */
static void sql(const char *dir, const char *q)
{
	char db[300];
	sqlite3 *s;
	char *msg = NULL;

	snprintf(db, sizeof(db), "%s/" SL_STORE_SQLITE_DB, dir);
	ck_assert_int_eq(sqlite3_open(db, &s), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(s, q, NULL, NULL, &msg) == SQLITE_OK, "'%s': %s (the store's schema changed?)",
		      q, msg ? msg : "");
	ck_assert_msg(sqlite3_changes(s) == 1, "'%s' changed %d rows", q, sqlite3_changes(s));
	ck_assert_int_eq(sqlite3_close(s), SQLITE_OK);
}

START_TEST(tampered_tree_nodes)
{
	char dir[256];
	struct sl_receipt rc[8];
	struct sl_ledger *l = new_ledger("nodes", dir);
	unsigned char proof[SL_PROOF_MAX][SL_HASH_LEN], leaf[SL_HASH_LEN], root[SL_HASH_LEN];
	struct sl_hashref refs[SL_PROOF_MAX], lr = { leaf, SL_HASH_LEN }, rr = { root, SL_HASH_LEN };
	struct sl_head h, v;
	struct sl_error err;
	uint64_t bad;
	size_t n, k;
	char q[128];

	append_numbered(l, "t", 0, 8, rc);
	ck_assert_int_eq(sl_ledger_head(l, &h, &err), 0);
	sl_ledger_close(l);

	/* The node over seqs 2..3, completed by the append of seq 3, is changed. */
	snprintf(q, sizeof(q), "UPDATE nodes SET hash = zeroblob(32) WHERE pos = %llu",
		 (unsigned long long)sl_merkle_interior_pos(1, 1));
	sql(dir, q);
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 1000, &err), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_verify(l, NULL, NULL, &v, &bad, &err), SL_EVERIFY);
	ck_assert_msg(bad == 3, "bad seq %llu, want 3 (%s)", (unsigned long long)bad, err.msg);
	/* A proof through it no longer leads to the signed-off root. */
	ck_assert_int_eq(sl_ledger_inclusion(l, 0, 8, proof, &n, leaf, &err), 0);
	for (k = 0; k < n; k++) {
		refs[k].p = proof[k];
		refs[k].len = SL_HASH_LEN;
	}
	memcpy(root, h.root, SL_HASH_LEN);
	ck_assert_int_eq(sl_merkle_verify_inclusion(0, 8, lr, refs, n, rr, NULL), SL_EVERIFY);
	sl_ledger_close(l);

	/* A missing node is damage, not absence. */
	snprintf(q, sizeof(q), "DELETE FROM nodes WHERE pos = %llu",
		 (unsigned long long)sl_merkle_interior_pos(2, 0));
	sql(dir, q);
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 1000, &err), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_inclusion(l, 5, 6, proof, &n, leaf, &err), SL_ECORRUPT);
	ck_assert_str_ne(err.msg, "");
	ck_assert_int_eq(sl_ledger_root(l, 5, root, &err), SL_ECORRUPT);
	ck_assert_int_eq(sl_ledger_consistency(l, 5, 8, proof, &n, &err), SL_ECORRUPT);
	ck_assert_int_eq(sl_ledger_consistency(l, 4, 8, proof, &n, &err), 0);
	/* Proofs that do not need it still work. */
	ck_assert_int_eq(sl_ledger_root(l, 8, root, &err), 0);
	ck_assert_mem_eq(root, h.root, SL_HASH_LEN);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_verify(l, NULL, NULL, &v, &bad, &err), SL_EVERIFY);
	ck_assert_msg(bad == 3, "bad seq %llu, want 3 (%s)", (unsigned long long)bad, err.msg);
	sl_ledger_close(l);
}
END_TEST

START_TEST(size_at)
{
	char dir[256];
	struct sl_receipt rc[NALL];
	struct sl_ledger *l = standard_ledger("size-at", dir, rc);
	struct sl_error err;
	char ts[SL_TS_LEN + 1];
	uint64_t n = 999;
	struct {
		int64_t t;
		uint64_t want;
	} cases[16];
	size_t k = 0, i;
	int64_t t1 = ts_usec(rc[0].ts), t2 = ts_usec(rc[N1].ts), t3 = ts_usec(rc[N1 + N2].ts);

	ck_assert(t1 < t2 && t2 < t3);
	cases[k].t = SL_TIME_MIN, cases[k++].want = 0;
	cases[k].t = t1 - 1000000, cases[k++].want = 0;
	cases[k].t = t1 - 1, cases[k++].want = 0;
	cases[k].t = t1, cases[k++].want = N1;
	cases[k].t = t1 + 1, cases[k++].want = N1;
	cases[k].t = t2 - 1, cases[k++].want = N1;
	cases[k].t = t2, cases[k++].want = N1 + N2;
	cases[k].t = t2 + 1, cases[k++].want = N1 + N2;
	cases[k].t = t3 - 1, cases[k++].want = N1 + N2;
	cases[k].t = t3, cases[k++].want = NALL;
	cases[k].t = t3 + 1, cases[k++].want = NALL;
	cases[k].t = SL_TIME_MAX, cases[k++].want = NALL;
	for (i = 0; i < k; i++) {
		ck_assert_int_eq(sl_time_format(ts, cases[i].t), 0);
		sl_error_clear(&err);
		ck_assert_msg(sl_ledger_size_at(l, ts, &n, &err) == 0, "size_at(%s): %s", ts, err.msg);
		ck_assert_msg(n == cases[i].want, "size_at(%s) = %llu, want %llu", ts,
			      (unsigned long long)n, (unsigned long long)cases[i].want);
	}
	sl_ledger_close(l);

	/* The empty ledger. */
	l = new_ledger("size-at-empty", dir);
	n = 999;
	ck_assert_int_eq(sl_ledger_size_at(l, "9999-12-31T23:59:59.999999Z", &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	sl_ledger_close(l);
}
END_TEST

/* Scan with f and compare the seqs with want[0..nwant). */
static void scan_is(struct sl_ledger *l, const struct sl_filter *f, const uint64_t *want, size_t nwant,
		    const char *what)
{
	struct sl_scan *it = NULL;
	struct sl_entry_row row;
	struct sl_error err;
	struct sl_buf bytes = SL_BUF_INIT;
	size_t got = 0;
	int e;

	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_scan_open(l, f, &it, &err) == 0, "%s: %s", what, err.msg);
	while ((e = sl_ledger_scan_next(l, it, &row, &err)) == 1) {
		ck_assert_msg(got < nwant, "%s: more rows than the %zu wanted (seq %llu)", what, nwant,
			      (unsigned long long)row.seq);
		ck_assert_msg(row.seq == want[got], "%s: row %zu is seq %llu, want %llu", what, got,
			      (unsigned long long)row.seq, (unsigned long long)want[got]);
		got++;
	}
	ck_assert_msg(e == 0, "%s: scan error %d: %s", what, e, err.msg);
	ck_assert_msg(got == nwant, "%s: %zu rows, want %zu", what, got, nwant);
	sl_ledger_scan_close(l, it);
	/* Rows carry what sl_ledger_get returns. */
	ck_assert_int_eq(sl_ledger_scan_open(l, f, &it, &err), 0);
	while (sl_ledger_scan_next(l, it, &row, &err) == 1) {
		struct sl_ledger *l2 = NULL;
		ck_assert_int_eq(sl_ledger_open(&l2, l->dir, SL_LEDGER_RDONLY, 1000, &err), 0);
		ck_assert_int_eq(sl_ledger_get(l2, row.seq, &bytes, &err), 0);
		ck_assert_uint_eq(row.len, bytes.len);
		ck_assert_mem_eq(row.entry, bytes.buf, bytes.len);
		sl_ledger_close(l2);
		ck_assert(sl_ts_valid(row.ts, strlen(row.ts)));
	}
	sl_ledger_scan_close(l, it);
	sl_buf_release(&bytes);
}

START_TEST(scan_filters)
{
	char dir[256];
	struct sl_receipt rc[NALL];
	struct sl_ledger *l = standard_ledger("scan", dir, rc);
	struct sl_filter f;
	/* seq: 0 code git, 1 config web-1, 2 env, 3 config web-2, 4 mutation, 5 config web-1,
	 * 6 x-deploy ci:build-7, 7 code git, 8 x-deploy ci:build-8 */
	static const uint64_t all[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint64_t configs[] = { 1, 3, 5 };
	static const uint64_t web1[] = { 1, 5 };
	static const uint64_t deploys[] = { 6, 8 };
	static const uint64_t git_code[] = { 0, 7 };
	static const uint64_t from4[] = { 4, 5, 6, 7, 8 };
	static const uint64_t first2[] = { 0, 1 };
	static const uint64_t batch2_only[] = { 3, 4, 5, 6, 7 };
	static const uint64_t below3[] = { 0, 1, 2 };
	struct sl_scan *it;
	struct sl_entry_row row;
	struct sl_error err;

	memset(&f, 0, sizeof(f));
	scan_is(l, &f, all, 9, "no filter");

	memset(&f, 0, sizeof(f));
	f.type = "config";
	scan_is(l, &f, configs, 3, "type=config");
	f.type = "x-deploy";
	scan_is(l, &f, deploys, 2, "type=x-deploy");
	f.type = "conf";
	scan_is(l, &f, NULL, 0, "type=conf (exact match only)");
	f.type = "x-none";
	scan_is(l, &f, NULL, 0, "type=x-none");

	memset(&f, 0, sizeof(f));
	f.source = "config:web-1:*";
	scan_is(l, &f, web1, 2, "source=config:web-1:*");
	f.source = "config:web-?:*";
	scan_is(l, &f, configs, 3, "source=config:web-?:*");
	f.source = "config:web-[2-9]:*";
	scan_is(l, &f, configs + 1, 1, "source=config:web-[2-9]:*");
	f.source = "ci:build-*";
	scan_is(l, &f, deploys, 2, "source=ci:build-*");
	f.source = "git:github.com/acme/shop";
	scan_is(l, &f, git_code, 2, "source exact");
	f.source = "GIT:*";
	scan_is(l, &f, NULL, 0, "source glob is case-sensitive");
	f.source = "*";
	scan_is(l, &f, all, 9, "source=*");
	f.source = "config";
	scan_is(l, &f, NULL, 0, "source=config (whole match only)");

	memset(&f, 0, sizeof(f));
	f.from = 4;
	scan_is(l, &f, from4, 5, "from=4");
	f.from = 9;
	scan_is(l, &f, NULL, 0, "from=9");
	f.from = UINT64_MAX;
	scan_is(l, &f, NULL, 0, "from=max");

	memset(&f, 0, sizeof(f));
	f.limit = 2;
	scan_is(l, &f, first2, 2, "limit=2");
	f.limit = 100;
	scan_is(l, &f, all, 9, "limit=100");
	f.below = 3;
	f.limit = 0;
	scan_is(l, &f, below3, 3, "below=3");

	/* Times: the second batch alone. */
	memset(&f, 0, sizeof(f));
	f.since = rc[N1].ts;
	f.until = rc[N1].ts;
	scan_is(l, &f, batch2_only, N2, "since=until=batch 2");
	f.until = NULL;
	scan_is(l, &f, all + N1, N2 + N3, "since=batch 2");
	f.since = NULL;
	f.until = rc[0].ts;
	scan_is(l, &f, all, N1, "until=batch 1");
	f.until = "0001-01-01T00:00:00.000000Z";
	scan_is(l, &f, NULL, 0, "until=year 1");

	/* Everything at once. */
	memset(&f, 0, sizeof(f));
	f.type = "config";
	f.source = "config:*";
	f.from = 2;
	f.limit = 1;
	scan_is(l, &f, configs + 1, 1, "type, source, from, limit");
	f.limit = 5;
	scan_is(l, &f, configs + 1, 2, "type, source, from");

	/* A row's columns. */
	memset(&f, 0, sizeof(f));
	f.from = 4;
	f.limit = 1;
	ck_assert_int_eq(sl_ledger_scan_open(l, &f, &it, &err), 0);
	ck_assert_int_eq(sl_ledger_scan_next(l, it, &row, &err), 1);
	ck_assert_uint_eq(row.seq, 4);
	ck_assert_str_eq(row.type, "mutation");
	ck_assert_str_eq(row.source, "pg:db1");
	ck_assert_str_eq(row.ts, rc[4].ts);
	ck_assert_int_eq(sl_ledger_scan_next(l, it, &row, &err), 0);
	sl_ledger_scan_close(l, it);
	sl_ledger_close(l);
}
END_TEST

/* A submission whose payload is {"d":"<n times 'a'>"}. */
static void big_line(struct sl_buf *line, size_t n)
{
	sl_buf_reset(line);
	sl_buf_addstr(line, "{\"type\":\"x-big\",\"source\":\"s\",\"payload\":{\"d\":\"");
	while (n--)
		sl_buf_addch(line, 'a');
	sl_buf_addstr(line, "\"}}");
	ck_assert_int_eq(sl_buf_ok(line), 0);
}

/*
 * The 65,535-byte limit is exact once the seq is known: an entry that is
 * 65,535 bytes at seq 0 is appended; the same content at seq 11 would be
 * 65,536 bytes and is refused, with the whole batch.
 */
START_TEST(entry_limit_and_atomic_batches)
{
	char dir[256];
	struct sl_ledger *l = new_ledger("limit", dir);
	struct sl_receipt rc[16];
	struct sl_batch b;
	struct sl_buf line = SL_BUF_INIT, e = SL_BUF_INIT;
	struct sl_error err;
	struct sl_head before, after, v;
	size_t n;
	uint64_t bad;

	/* The entry of an empty "d" at seq 0 is fixed text plus a 27-byte ts. */
	n = SL_ENTRY_MAX - strlen("{\"payload\":{\"d\":\"\"},\"seq\":0,\"source\":\"s\","
				  "\"ts\":\"2026-11-25T20:46:33.123456Z\",\"type\":\"x-big\"}");
	sl_batch_init(&b);
	big_line(&line, n);
	ck_assert_int_eq(sl_batch_add_line(&b, line.buf, line.len, 1, &err), 0);
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_append(l, &b, rc, &err) == 0, "append of a 65,535-byte entry: %s",
		      err.msg);
	ck_assert_int_eq(sl_ledger_get(l, 0, &e, &err), 0);
	ck_assert_uint_eq(e.len, SL_ENTRY_MAX);
	sl_batch_reset(&b);
	append_numbered(l, "small", 1, 9, rc);
	ck_assert_uint_eq(head_size(l), 10);

	/* seq 10 small, seq 11 too big: nothing of the batch is appended. */
	ck_assert_int_eq(sl_ledger_head(l, &before, &err), 0);
	ck_assert_int_eq(sl_batch_add_line(&b, batch3[0], strlen(batch3[0]), 1, &err), 0);
	ck_assert_int_eq(sl_batch_add_line(&b, line.buf, line.len, 2, &err), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_append(l, &b, rc, &err), SL_EINVAL);
	ck_assert_str_eq(err.member, "payload");
	ck_assert_int_eq(err.line, 2);
	ck_assert_str_ne(err.msg, "");
	ck_assert_int_eq(sl_ledger_head(l, &after, &err), 0);
	ck_assert_uint_eq(after.size, before.size);
	ck_assert_mem_eq(after.root, before.root, SL_HASH_LEN);
	ck_assert_str_eq(after.ts, before.ts);
	ck_assert_int_eq(sl_ledger_get(l, 10, &e, &err), SL_ENOTFOUND);

	/* The ledger is intact and takes the next batch at seq 10. */
	sl_batch_reset(&b);
	ck_assert_int_eq(sl_batch_add_line(&b, batch3[0], strlen(batch3[0]), 1, &err), 0);
	ck_assert_int_eq(sl_ledger_append(l, &b, rc, &err), 0);
	ck_assert_uint_eq(rc[0].seq, 10);
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_verify(l, NULL, NULL, &v, &bad, &err) == 0, "verify: %s", err.msg);
	ck_assert_uint_eq(v.size, 11);
	sl_batch_release(&b);
	sl_buf_release(&line);
	sl_buf_release(&e);
	sl_ledger_close(l);
}
END_TEST

START_TEST(writers_never_fork_the_log)
{
	char dir[256];
	struct sl_ledger *l = new_ledger("concurrent", dir);
	struct sl_receipt rc[4];
	struct sl_head v;
	struct sl_error err;
	struct sl_scan *it;
	struct sl_entry_row row;
	struct sl_filter all;
	static int seen[4][20][3];
	uint64_t bad, expect = 0;
	pid_t pids[4];
	int p, status;

	sl_ledger_close(l);
	/* Four processes, each appending twenty batches of three. */
	for (p = 0; p < 4; p++) {
		pids[p] = fork();
		ck_assert_int_ge(pids[p], 0);
		if (pids[p] == 0) {
			struct sl_ledger *w = NULL;
			char prefix[16];
			int b, ok = 1;
			if (sl_ledger_open(&w, dir, 0, 30000, &err) != 0)
				_exit(2);
			for (b = 0; b < 20 && ok; b++) {
				struct sl_batch batch;
				char line[128];
				int i;
				sl_batch_init(&batch);
				snprintf(prefix, sizeof(prefix), "w%d", p);
				for (i = 0; i < 3; i++) {
					snprintf(line, sizeof(line),
						 "{\"type\":\"x-w\",\"source\":\"%s\",\"payload\":{\"b\":%d,\"i\":%d}}",
						 prefix, b, i);
					if (sl_batch_add_line(&batch, line, strlen(line), 1, &err) != 0)
						ok = 0;
				}
				if (ok && sl_ledger_append(w, &batch, rc, &err) != 0)
					ok = 0;
				/* A batch's seqs are consecutive. */
				if (ok && (rc[1].seq != rc[0].seq + 1 || rc[2].seq != rc[0].seq + 2))
					ok = 0;
				sl_batch_release(&batch);
			}
			sl_ledger_close(w);
			_exit(ok ? 0 : 1);
		}
	}
	for (p = 0; p < 4; p++) {
		ck_assert_int_eq(waitpid(pids[p], &status, 0), pids[p]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer %d failed (status %d)",
			      p, status);
	}
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 1000, &err), 0);
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_verify(l, NULL, NULL, &v, &bad, &err) == 0, "verify: %s", err.msg);
	ck_assert_uint_eq(v.size, 240);
	/* Every entry is there once, batches unbroken. */
	memset(&all, 0, sizeof(all));
	ck_assert_int_eq(sl_ledger_scan_open(l, &all, &it, &err), 0);
	while (sl_ledger_scan_next(l, it, &row, &err) == 1) {
		json_t *j;
		int w, b, i;
		ck_assert_uint_eq(row.seq, expect);
		ck_assert_int_eq(sl_json_parse((const char *)row.entry, row.len, &j, &err), 0);
		w = row.source[1] - '0';
		b = (int)json_integer_value(json_object_get(json_object_get(j, "payload"), "b"));
		i = (int)json_integer_value(json_object_get(json_object_get(j, "payload"), "i"));
		ck_assert(w >= 0 && w < 4 && b >= 0 && b < 20 && i >= 0 && i < 3);
		ck_assert_int_eq(i, (int)(expect % 3));
		ck_assert_int_eq(seen[w][b][i]++, 0);
		json_decref(j);
		expect++;
	}
	sl_ledger_scan_close(l, it);
	ck_assert_uint_eq(expect, 240);
	sl_ledger_close(l);
}
END_TEST

START_TEST(read_only_cannot_append)
{
	char dir[256];
	struct sl_receipt rc[NALL];
	struct sl_ledger *l = standard_ledger("rdonly", dir, rc);
	struct sl_batch b;
	struct sl_error err;
	struct sl_head before, after;

	ck_assert_int_eq(sl_ledger_head(l, &before, &err), 0);
	sl_ledger_close(l);
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 1000, &err), 0);
	sl_batch_init(&b);
	ck_assert_int_eq(sl_batch_add_line(&b, batch3[0], strlen(batch3[0]), 1, &err), 0);
	sl_error_clear(&err);
	ck_assert_int_lt(sl_ledger_append(l, &b, rc, &err), 0);
	sl_batch_release(&b);
	ck_assert_int_eq(sl_ledger_head(l, &after, &err), 0);
	ck_assert_uint_eq(after.size, before.size);
	ck_assert_mem_eq(after.root, before.root, SL_HASH_LEN);
	sl_ledger_close(l);
}
END_TEST

/*
 * sl_ledger_append_rows: entries of one ledger appended verbatim to
 * another, their seq and ts kept; a gap, an overlap, a ts that goes back
 * or bytes that do not say their columns are refused, and nothing of the
 * refused batch is stored.
 */
#define RCOPY NALL

struct vrow {
	struct sl_buf ts, type, source, entry;
	uint64_t seq;
};

static void rows_of(struct vrow *v, size_t n, struct sl_entry_row *rows, size_t from, size_t count)
{
	size_t i;

	ck_assert_uint_le(from + count, n);
	for (i = 0; i < count; i++) {
		struct vrow *x = &v[from + i];
		memset(&rows[i], 0, sizeof(rows[i]));
		rows[i].seq = x->seq;
		rows[i].ts = x->ts.buf;
		rows[i].type = x->type.buf;
		rows[i].source = x->source.buf;
		rows[i].entry = (const unsigned char *)x->entry.buf;
		rows[i].len = x->entry.len;
	}
}

START_TEST(append_rows_verbatim)
{
	char da[256], db[256];
	struct sl_receipt rc[NALL];
	struct sl_ledger *a = standard_ledger("rows-a", da, rc), *b = new_ledger("rows-b", db);
	struct vrow v[RCOPY];
	struct sl_entry_row rows[RCOPY];
	struct sl_head ha, hb, out;
	struct sl_error err;
	unsigned char ra[SL_HASH_LEN], rb[SL_HASH_LEN];
	uint64_t bad;
	size_t i;

	for (i = 0; i < RCOPY; i++) {
		struct sl_entry_row row;
		ck_assert_int_eq(sl_ledger_entry(a, i, &row, &err), 0);
		sl_buf_init(&v[i].ts);
		sl_buf_init(&v[i].type);
		sl_buf_init(&v[i].source);
		sl_buf_init(&v[i].entry);
		sl_buf_addstr(&v[i].ts, row.ts);
		sl_buf_addstr(&v[i].type, row.type);
		sl_buf_addstr(&v[i].source, row.source);
		sl_buf_add(&v[i].entry, row.entry, row.len);
		v[i].seq = row.seq;
	}
	/* The first four, verbatim: the same root at 4 as the source's. */
	rows_of(v, RCOPY, rows, 0, 4);
	ck_assert_msg(sl_ledger_append_rows(b, rows, 4, &out, &err) == 0, "append rows: %s", err.msg);
	ck_assert_uint_eq(out.size, 4);
	ck_assert_str_eq(out.ts, v[3].ts.buf);
	ck_assert_int_eq(sl_ledger_root(a, 4, ra, &err), 0);
	ck_assert_int_eq(memcmp(ra, out.root, SL_HASH_LEN), 0);
	/* A gap, and an overlap. */
	rows_of(v, RCOPY, rows, 5, 1);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_append_rows(b, rows, 1, NULL, &err), SL_ERANGE);
	ck_assert_msg(strstr(err.msg, "seq 5 does not follow the log, whose size is 4"), "%s", err.msg);
	rows_of(v, RCOPY, rows, 3, 1);
	ck_assert_int_eq(sl_ledger_append_rows(b, rows, 1, NULL, &err), SL_ERANGE);
	/* Two good rows, then a gap: nothing of the batch is stored. */
	rows_of(v, RCOPY, rows, 4, 3);
	rows[2].seq = 7;
	ck_assert_int_eq(sl_ledger_append_rows(b, rows, 3, NULL, &err), SL_ERANGE);
	ck_assert_uint_eq(head_size(b), 4);
	/* A ts before the last entry's, and one that is no ledger ts. */
	rows_of(v, RCOPY, rows, 4, 1);
	rows[0].ts = "2000-01-01T00:00:00.000000Z";
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_append_rows(b, rows, 1, NULL, &err), SL_EINVAL);
	ck_assert_msg(strstr(err.msg, "seq 4: ts '2000-01-01T00:00:00.000000Z' is not a ledger ts at or "
			  "after the previous entry's"), "%s", err.msg);
	rows[0].ts = "yesterday";
	ck_assert_int_eq(sl_ledger_append_rows(b, rows, 1, NULL, &err), SL_EINVAL);
	/* Columns the bytes do not say: another type, another seq in the bytes. */
	rows_of(v, RCOPY, rows, 4, 1);
	rows[0].type = "x-other";
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_append_rows(b, rows, 1, NULL, &err), SL_EINVAL);
	ck_assert_msg(strstr(err.msg, "seq 4: entry does not match its seq, ts, type and source"), "%s", err.msg);
	rows_of(v, RCOPY, rows, 5, 1);
	rows[0].seq = 4;
	ck_assert_int_eq(sl_ledger_append_rows(b, rows, 1, NULL, &err), SL_EINVAL);
	ck_assert_uint_eq(head_size(b), 4);
	/* The rest, a mutation among them: the same log, and it verifies, indexes and all. */
	rows_of(v, RCOPY, rows, 4, RCOPY - 4);
	ck_assert_msg(sl_ledger_append_rows(b, rows, RCOPY - 4, NULL, &err) == 0, "append rows: %s", err.msg);
	ck_assert_int_eq(sl_ledger_head(a, &ha, &err), 0);
	ck_assert_int_eq(sl_ledger_head(b, &hb, &err), 0);
	ck_assert_uint_eq(hb.size, ha.size);
	ck_assert_str_eq(hb.ts, ha.ts);
	ck_assert_int_eq(memcmp(hb.root, ha.root, SL_HASH_LEN), 0);
	ck_assert_int_eq(sl_ledger_root(b, ha.size, rb, &err), 0);
	ck_assert_int_eq(memcmp(rb, ha.root, SL_HASH_LEN), 0);
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_verify(b, NULL, NULL, &hb, &bad, &err) == 0, "verify: %s", err.msg);
	for (i = 0; i < RCOPY; i++) {
		struct sl_buf got = SL_BUF_INIT;
		ck_assert_int_eq(sl_ledger_get(b, i, &got, &err), 0);
		ck_assert_uint_eq(got.len, v[i].entry.len);
		ck_assert_int_eq(memcmp(got.buf, v[i].entry.buf, got.len), 0);
		sl_buf_release(&got);
		sl_buf_release(&v[i].ts);
		sl_buf_release(&v[i].type);
		sl_buf_release(&v[i].source);
		sl_buf_release(&v[i].entry);
	}
	sl_ledger_close(a);
	sl_ledger_close(b);
}
END_TEST

static Suite *ledger_suite(void)
{
	Suite *s = suite_create("ledger");
	TCase *tc = tcase_create("ledger");

	tcase_add_unchecked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, init_creates_private_ledger);
	tcase_add_test(tc, init_refuses_what_exists);
	tcase_add_test(tc, init_checks_origin);
	tcase_add_test(tc, open_missing_ledger);
	tcase_add_test(tc, open_foreign_database);
	tcase_add_test(tc, append_receipts);
	tcase_add_test(tc, entries_are_the_batch_bytes);
	tcase_add_test(tc, roots_match_leaves);
	tcase_add_test(tc, proofs);
	tcase_add_test(tc, verify_ok);
	tcase_add_test(tc, verify_from_trusted_sizes);
	tcase_add_test(tc, verify_many_and_tampering);
	tcase_add_test(tc, tampered_tree_nodes);
	tcase_add_test(tc, reads_check_each_entry);
	tcase_add_test(tc, size_at);
	tcase_add_test(tc, scan_filters);
	tcase_add_test(tc, entry_limit_and_atomic_batches);
	tcase_add_test(tc, writers_never_fork_the_log);
	tcase_add_test(tc, read_only_cannot_append);
	tcase_add_test(tc, append_rows_verbatim);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ledger_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
