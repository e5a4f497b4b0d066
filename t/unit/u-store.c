// SPDX-License-Identifier: MIT
/*
 * The store conformance suite: every test holds a backend to the contract
 * written in lib/sl/store.h, through struct sl_store_ops only (never SQL,
 * never a file inside the ledger), and runs once per backend of the table
 * `backends` below (tcase_add_loop_test).  The backend is the one
 * sl_store_for() chooses for the address a row makes, so a PostgreSQL
 * backend joins with one row: a function that makes a fresh address (a
 * new database or schema) and one that drops it.
 *
 * Expected values are computed here, by brute force over what each test
 * put, never by the code under test: the GLOB matcher, the post-order of
 * the tree's interior nodes, N(T), the stream links, the snapshot keys and
 * the mutation index are all recomputed below.
 */
#include <check.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/hash.h"
#include "sl/store-streams.h"
#include "sl/store.h"
#include "sl/time.h"

#define TMPDIR_NAME "store"
#include "tmpdir.h"

/* ---------------------------------------------------------------------------
 * The backends.  available() says whether this run can test it (NULL:
 * always; a server-backed one needs its server named in the environment);
 * fresh() returns (malloc'd) an address where no ledger is; drop() removes
 * whatever the test left there.  A test that fails may not reach drop():
 * the SQLite row's addresses live under the test case's temporary root,
 * which the unchecked teardown removes in any case (a server-backed row
 * should make its names unique per run so that leftovers do not collide).
 */

struct backend {
	const char *name;
	int (*available)(void);
	char *(*fresh)(void);
	void (*drop)(const char *address);
};

/* A new directory per test under the root; the ledger is "ledger" inside it, not yet made. */
static char *sqlite_fresh(void)
{
	char dir[256], *a;

	snprintf(dir, sizeof(dir), "%s/t-XXXXXX", tmproot);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp under %s", tmproot);
	ck_assert_ptr_nonnull(a = malloc(strlen(dir) + sizeof("/ledger")));
	snprintf(a, strlen(dir) + sizeof("/ledger"), "%s/ledger", dir);
	return a;
}

static void sqlite_drop(const char *address)
{
	char dir[256];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", address);
	if ((slash = strrchr(dir, '/')))
		*slash = '\0';
	nftw(dir, tmp_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * PostgreSQL: one throwaway cluster per run (t/pg-cluster.sh, started by
 * main() unless SL_TEST_PG_DIR names a running one), a new database per
 * test.  A cluster that cannot start fails the run: never a skip.
 */
static char pg_dir[256];
static int pg_started;

static char *pg_sh(const char *args)
{
	char cmd[1024], line[512];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "sh '%s/t/pg-cluster.sh' %s", SL_SRCDIR, args);
	ck_assert_ptr_nonnull(p = popen(cmd, "r"));
	line[0] = '\0';
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	ck_assert_msg(pclose(p) == 0, "%s failed", cmd);
	line[strcspn(line, "\n")] = '\0';
	return strdup(line);
}

static char *pg_fresh(void)
{
	static unsigned n;
	char args[512], *a;

	snprintf(args, sizeof(args), "createdb '%s' t_%ld_%u", pg_dir, (long)getpid(), n++);
	a = pg_sh(args);
	ck_assert_msg(a && strncmp(a, "postgresql://", 13) == 0, "createdb gave '%s'", a ? a : "");
	return a;
}

static void pg_drop(const char *address)
{
	char args[512];
	const char *db = strrchr(address, '/') + 1;

	snprintf(args, sizeof(args), "psql '%s' postgres -c 'DROP DATABASE IF EXISTS %s WITH (FORCE)'",
		 pg_dir, db);
	free(pg_sh(args));
}

static const struct backend backends[] = {
	{ "sqlite", NULL, sqlite_fresh, sqlite_drop },
	{ "postgresql", NULL, pg_fresh, pg_drop },
};
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

/* The rows of `backends` this run tests; a loop test's _i indexes this. */
static size_t active[NBACKENDS];
static int nactive;

/* ---------------------------------------------------------------------------
 * Per-test state and checks.
 */

static struct sl_error err;
static const struct sl_store_ops *O; /* the ops of the current test's backend */

#define OK(x)                                                                              \
	do {                                                                               \
		int r_;                                                                    \
		sl_error_clear(&err);                                                      \
		r_ = (x);                                                                  \
		ck_assert_msg(r_ == 0, "%s = %d: %s", #x, r_, err.msg);                    \
	} while (0)
#define IS(want, x)                                                                        \
	do {                                                                               \
		int r_;                                                                    \
		sl_error_clear(&err);                                                      \
		r_ = (x);                                                                  \
		ck_assert_msg(r_ == (want), "%s = %d, want %d: %s", #x, r_, (int)(want), err.msg); \
		/* an error is recorded in err too, with a message */                      \
		ck_assert_msg(r_ >= 0 || (err.code == r_ && err.msg[0]),                   \
			      "%s = %d without err set", #x, r_);                           \
	} while (0)

struct fx {
	const struct backend *b;
	char *addr;
};

static struct fx begin(int i)
{
	struct fx f;

	f.b = &backends[active[i]];
	f.addr = f.b->fresh();
	sl_error_clear(&err);
	O = sl_store_for(f.addr, &err);
	ck_assert_msg(O != NULL, "%s: sl_store_for: %s", f.b->name, err.msg);
	return f;
}

static void end(struct fx *f)
{
	f->b->drop(f->addr);
	free(f->addr);
	f->addr = NULL;
}

static struct sl_store *open_store(const struct fx *f, int flags, int busy_ms)
{
	struct sl_store *s = NULL;

	OK(O->open(&s, f->addr, flags, busy_ms, &err));
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_eq(s->ops, O);
	return s;
}

static struct sl_store *create_open(const struct fx *f)
{
	OK(O->create(f->addr, &err));
	return open_store(f, 0, 2000);
}

/* A fixed-seed generator, so that a failure is the same failure on every run. */
static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
	rng_state = seed * 0x9e3779b97f4a7c15u + 1;
}

static uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? rng_state % n : rng_state;
}

static void rnd_bytes(unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)rnd(256);
}

/* The ts of second k of a day: 27 characters, as SL_TS_LEN. */
static void ts_of(char out[SL_TS_LEN + 1], unsigned k)
{
	snprintf(out, SL_TS_LEN + 1, "2026-03-01T%02u:%02u:%02u.000000Z", (k / 3600) % 24, (k / 60) % 60,
		 k % 60);
	ck_assert_uint_eq(strlen(out), SL_TS_LEN);
}

/* ---------------------------------------------------------------------------
 * An independent GLOB (struct sl_filter's source): `*`, `?` one UTF-8
 * character, `[...]` and `[^...]` with ranges, a `]` first in a set
 * literal, case-sensitive, no escapes.
 */

static uint32_t u8next(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;
	uint32_t c = s[0];
	int n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2 : (c & 0xf8) == 0xf0 ? 3 : 0;
	int i;

	if (n)
		c &= 0x3fu >> n;
	for (i = 1; i <= n && (s[i] & 0xc0) == 0x80; i++)
		c = (c << 6) | (s[i] & 0x3f);
	*p += i;
	return c;
}

static int glob(const char *p, const char *s)
{
	while (*p) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return 1;
			for (;;) {
				if (glob(p, s))
					return 1;
				if (!*s)
					return 0;
				u8next(&s);
			}
		}
		if (!*s)
			return 0;
		if (*p == '?') {
			p++;
			u8next(&s);
		} else if (*p == '[') {
			const char *q = p + 1;
			uint32_t c = u8next(&s);
			int neg = 0, hit = 0;

			if (*q == '^')
				neg = 1, q++;
			if (*q == ']')
				hit = c == ']', q++;
			while (*q && *q != ']') {
				uint32_t lo = u8next(&q);
				if (*q == '-' && q[1] && q[1] != ']') {
					uint32_t hi;
					q++;
					hi = u8next(&q);
					hit |= lo <= c && c <= hi;
				} else {
					hit |= c == lo;
				}
			}
			if (*q != ']')
				return 0;
			p = q + 1;
			if (hit == neg)
				return 0;
		} else if (u8next(&p) != u8next(&s)) {
			return 0;
		}
	}
	return *s == '\0';
}

/* ---------------------------------------------------------------------------
 * Entries as the tests put them, and the brute-force answers over them.
 */

struct ent {
	uint64_t seq;
	char ts[SL_TS_LEN + 1];
	const char *type;
	const char *source;
	unsigned char *bytes;
	size_t len;
	unsigned char leaf[SL_HASH_LEN];
};

static void ent_make(struct ent *e, uint64_t seq, unsigned tsk, const char *type, const char *source,
		     size_t len)
{
	e->seq = seq;
	ts_of(e->ts, tsk);
	e->type = type;
	e->source = source;
	e->len = len;
	ck_assert_ptr_nonnull(e->bytes = malloc(len ? len : 1));
	rnd_bytes(e->bytes, len);
	if (len > 2)
		e->bytes[len / 2] = '\0'; /* every entry holds a NUL byte */
	rnd_bytes(e->leaf, SL_HASH_LEN);
}

static void ents_free(struct ent *es, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(es[i].bytes);
	free(es);
}

/* Put es[from, to) in one write transaction and move the head to `to`. */
static void put_range(struct sl_store *s, const struct ent *es, size_t from, size_t to)
{
	struct sl_head h;
	size_t i;

	OK(O->begin_write(s, &err));
	for (i = from; i < to; i++)
		OK(O->put_entry(s, es[i].seq, es[i].ts, es[i].type, es[i].source, es[i].bytes, es[i].len,
				es[i].leaf, &err));
	memset(&h, 0, sizeof(h));
	h.size = to;
	memcpy(h.root, es[to - 1].leaf, SL_HASH_LEN);
	memcpy(h.ts, es[to - 1].ts, sizeof(h.ts));
	OK(O->set_head(s, &h, &err));
	OK(O->commit(s, &err));
}

/* Put all of es in batches of about `batch`. */
static void put_all(struct sl_store *s, const struct ent *es, size_t n, size_t batch)
{
	size_t i;

	for (i = 0; i < n; i += batch)
		put_range(s, es, i, i + batch < n ? i + batch : n);
}

static void check_row(const struct sl_entry_row *r, const struct ent *e)
{
	ck_assert_uint_eq(r->seq, e->seq);
	ck_assert_str_eq(r->ts, e->ts);
	ck_assert_str_eq(r->type, e->type);
	ck_assert_str_eq(r->source, e->source);
	ck_assert_uint_eq(r->len, e->len);
	ck_assert_msg(memcmp(r->entry, e->bytes, e->len) == 0, "entry %llu: bytes differ",
		      (unsigned long long)e->seq);
	ck_assert_ptr_nonnull(r->leaf);
	ck_assert_mem_eq(r->leaf, e->leaf, SL_HASH_LEN);
}

static int pair_eq(const struct ent *a, const char *type, const char *source)
{
	return strcmp(a->type, type) == 0 && strcmp(a->source, source) == 0;
}

/* The stream links of es[i], by brute force: prev seq (-1) and how many came before. */
static void links_of(const struct ent *es, size_t i, int64_t *prev, uint64_t *nth)
{
	size_t j;

	*prev = -1;
	*nth = 0;
	for (j = 0; j < i; j++)
		if (pair_eq(&es[j], es[i].type, es[i].source)) {
			*prev = (int64_t)es[j].seq;
			(*nth)++;
		}
}

/*
 * Streams: one row per distinct pair of es, in id order, each with its
 * newest seq and its count.
 */
static void check_streams(struct sl_store *s, const struct ent *es, size_t n)
{
	struct sl_stream_row sr;
	struct sl_scan *it;
	uint64_t lastid = 0;
	size_t i, j, nstreams, want = 0;
	int r;

	OK(O->streams_open(s, &it, &err));
	for (nstreams = 0; (r = O->streams_next(it, &sr, &err)) == 1; nstreams++) {
		uint64_t count = 0, last = 0;
		ck_assert_uint_gt(sr.id, lastid);
		lastid = sr.id;
		for (i = 0; i < n; i++)
			if (pair_eq(&es[i], sr.type, sr.source))
				count++, last = es[i].seq;
		ck_assert_msg(count == sr.count && last == sr.last, "stream (%s, %s): count %llu last %llu, "
			      "want %llu %llu", sr.type, sr.source, (unsigned long long)sr.count,
			      (unsigned long long)sr.last, (unsigned long long)count, (unsigned long long)last);
	}
	ck_assert_int_eq(r, 0);
	O->scan_close(it);
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && !pair_eq(&es[j], es[i].type, es[i].source); j++)
			;
		want += j == i;
	}
	ck_assert_uint_eq(nstreams, want);
}

/* ---------------------------------------------------------------------------
 * create, open, reopen, read-only.
 */

START_TEST(create_and_open)
{
	struct fx f = begin(_i);
	struct sl_store *s = NULL, *ro;
	struct sl_head h;
	struct sl_entry_row row;
	struct sl_buf v = SL_BUF_INIT;
	unsigned char leaf[SL_HASH_LEN];
	static const unsigned char bytes[] = "{\"a\":1}";
	char ts[SL_TS_LEN + 1];
	int r;

	/* Nothing there: open says so, and leaves *out NULL. */
	IS(SL_ENOLEDGER, O->open(&s, f.addr, 0, 100, &err));
	ck_assert_ptr_null(s);
	IS(SL_ENOLEDGER, O->open(&s, f.addr, SL_STORE_RDONLY, 100, &err));
	OK(O->create(f.addr, &err));
	/* Something there now: create refuses. */
	IS(SL_EEXIST, O->create(f.addr, &err));

	s = open_store(&f, 0, 2000);
	rnd_bytes(leaf, sizeof(leaf));
	ts_of(ts, 7);
	OK(O->begin_write(s, &err));
	OK(O->put_entry(s, 0, ts, "t", "src", bytes, sizeof(bytes) - 1, leaf, &err));
	memset(&h, 0, sizeof(h));
	h.size = 1;
	memcpy(h.root, leaf, SL_HASH_LEN);
	memcpy(h.ts, ts, sizeof(ts));
	OK(O->set_head(s, &h, &err));
	OK(O->meta_set(s, "origin", "example.org/log", &err));
	OK(O->commit(s, &err));
	O->close(s);
	IS(SL_EEXIST, O->create(f.addr, &err));

	/* Reopened, read-write then read-only: what was committed is there. */
	s = open_store(&f, 0, 2000);
	ro = open_store(&f, SL_STORE_RDONLY, 2000);
	OK(O->begin_read(ro, &err));
	OK(O->get_head(ro, &h, &err));
	ck_assert_uint_eq(h.size, 1);
	ck_assert_mem_eq(h.root, leaf, SL_HASH_LEN);
	ck_assert_str_eq(h.ts, ts);
	OK(O->get_entry(ro, 0, &row, &err));
	ck_assert_uint_eq(row.len, sizeof(bytes) - 1);
	ck_assert_mem_eq(row.entry, bytes, row.len);
	OK(O->meta_get(ro, "origin", &v, &err));
	ck_assert_str_eq(v.buf, "example.org/log");
	O->end_read(ro);

	/* Read-only refuses writes: some step of a write fails, and nothing changes. */
	sl_error_clear(&err);
	r = O->begin_write(ro, &err);
	if (r == 0) {
		r = O->put_entry(ro, 1, ts, "t", "src", bytes, sizeof(bytes) - 1, leaf, &err);
		if (r == 0)
			r = O->meta_set(ro, "origin", "changed", &err);
		if (r == 0)
			r = O->commit(ro, &err);
		if (r < 0)
			O->rollback(ro);
	}
	ck_assert_msg(r < 0, "a read-only store took a write");
	O->close(ro);
	OK(O->begin_read(s, &err));
	IS(SL_ENOTFOUND, O->get_entry(s, 1, &row, &err));
	OK(O->meta_get(s, "origin", &v, &err));
	ck_assert_str_eq(v.buf, "example.org/log");
	O->end_read(s);
	O->close(s);
	sl_buf_release(&v);
	end(&f);
}
END_TEST

/* ---------------------------------------------------------------------------
 * The head.
 */

START_TEST(head_round_trip)
{
	static const unsigned char empty_root[SL_HASH_LEN] = {
		/* SHA-256 of nothing: the root of the empty tree (RFC 9162 2.1.1) */
		0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
		0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
	};
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	struct sl_head h, g;

	OK(O->begin_read(s, &err));
	memset(&h, 0xaa, sizeof(h));
	OK(O->get_head(s, &h, &err));
	ck_assert_uint_eq(h.size, 0);
	ck_assert_mem_eq(h.root, empty_root, SL_HASH_LEN);
	ck_assert_str_eq(h.ts, "");
	O->end_read(s);

	memset(&h, 0, sizeof(h));
	h.size = 12345;
	rnd_bytes(h.root, SL_HASH_LEN);
	ts_of(h.ts, 4000);
	OK(O->begin_write(s, &err));
	OK(O->set_head(s, &h, &err));
	memset(&g, 0, sizeof(g));
	OK(O->get_head(s, &g, &err)); /* inside the write transaction */
	ck_assert_uint_eq(g.size, h.size);
	ck_assert_mem_eq(g.root, h.root, SL_HASH_LEN);
	ck_assert_str_eq(g.ts, h.ts);
	OK(O->commit(s, &err));
	O->close(s);

	s = open_store(&f, SL_STORE_RDONLY, 2000);
	/* A store that takes writes is no replica, also when opened to read (t/0017 has a standby). */
	ck_assert_int_eq(O->replica ? O->replica(s, &err) : 0, 0);
	OK(O->begin_read(s, &err));
	memset(&g, 0, sizeof(g));
	OK(O->get_head(s, &g, &err));
	ck_assert_uint_eq(g.size, 12345);
	ck_assert_mem_eq(g.root, h.root, SL_HASH_LEN);
	ck_assert_str_eq(g.ts, h.ts);
	O->end_read(s);
	O->close(s);
	end(&f);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Entries and tree nodes.
 */

START_TEST(entries_and_nodes)
{
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	enum { N = 6 };
	static const size_t lens[N] = { 1, 2, 100, 1 << 20, 3, 4096 };
	static const char *const srcs[N] = { "a", "b", "a", "a", "caf\xc3\xa9", "b" };
	struct ent *es = calloc(N, sizeof(*es));
	struct sl_entry_row row;
	unsigned char hash[SL_HASH_LEN], node[3][SL_HASH_LEN];
	uint64_t sid[N];
	size_t i, j;

	rng_seed(1);
	for (i = 0; i < N; i++)
		ent_make(&es[i], i, 10 + (unsigned)i, i % 2 ? "t2" : "t1", srcs[i], lens[i]);
	es[0].bytes[0] = '\0'; /* a NUL as the only byte */
	memset(es[1].bytes, 0, 2);
	put_all(s, es, N, 4);

	/* Interior nodes of the first four leaves, level >= 1. */
	rnd_bytes(node[0], SL_HASH_LEN);
	rnd_bytes(node[1], SL_HASH_LEN);
	rnd_bytes(node[2], SL_HASH_LEN);
	OK(O->begin_write(s, &err));
	OK(O->put_node(s, 1, 0, node[0], &err));
	OK(O->put_node(s, 1, 1, node[1], &err));
	OK(O->put_node(s, 2, 0, node[2], &err));
	OK(O->commit(s, &err));
	O->close(s);

	s = open_store(&f, SL_STORE_RDONLY, 2000);
	OK(O->begin_read(s, &err));
	for (i = 0; i < N; i++) {
		int64_t prev;
		uint64_t nth;

		memset(&row, 0, sizeof(row));
		OK(O->get_entry(s, i, &row, &err));
		check_row(&row, &es[i]);
		links_of(es, i, &prev, &nth);
		ck_assert_int_eq(row.prev, prev);
		ck_assert_uint_eq(row.nth, nth);
		sid[i] = row.stream;
		for (j = 0; j < i; j++)
			ck_assert_msg((sid[j] == sid[i]) == pair_eq(&es[j], es[i].type, es[i].source),
				      "entries %zu and %zu: stream ids %llu, %llu", j, i,
				      (unsigned long long)sid[j], (unsigned long long)sid[i]);
		/* Level 0 is the leaf stored with the entry. */
		OK(O->get_node(s, 0, i, hash, &err));
		ck_assert_mem_eq(hash, es[i].leaf, SL_HASH_LEN);
	}
	IS(SL_ENOTFOUND, O->get_entry(s, N, &row, &err));
	IS(SL_ENOTFOUND, O->get_entry(s, 1000000, &row, &err));
	IS(SL_ENOTFOUND, O->get_entry(s, UINT64_MAX, &row, &err));
	IS(SL_ENOTFOUND, O->get_node(s, 0, N, hash, &err));
	OK(O->get_node(s, 1, 0, hash, &err));
	ck_assert_mem_eq(hash, node[0], SL_HASH_LEN);
	OK(O->get_node(s, 1, 1, hash, &err));
	ck_assert_mem_eq(hash, node[1], SL_HASH_LEN);
	OK(O->get_node(s, 2, 0, hash, &err));
	ck_assert_mem_eq(hash, node[2], SL_HASH_LEN);
	IS(SL_ENOTFOUND, O->get_node(s, 1, 2, hash, &err));
	IS(SL_ENOTFOUND, O->get_node(s, 3, 0, hash, &err));
	IS(SL_ENOTFOUND, O->get_node(s, 20, 3, hash, &err)); /* a subtree of leaves no tree here has */
	/* The row of a get_entry survives nothing but the next call: re-read after release. */
	OK(O->get_entry(s, 3, &row, &err));
	check_row(&row, &es[3]);
	O->release(s);
	OK(O->get_entry(s, 2, &row, &err));
	check_row(&row, &es[2]);
	O->end_read(s);
	O->close(s);
	ents_free(es, N);
	end(&f);
}
END_TEST

/* get_nodes (through sl_store_get_nodes) answers as get_node would for each node. */
START_TEST(nodes_at_once)
{
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	enum { N = 5, M = 9 };
	static const unsigned level[M] = { 0, 1, 2, 0, 1, 3, 0, 1, 20 };
	static const uint64_t index[M] = { 3, 1, 0, 9, 1, 0, 0, 2, UINT64_MAX / 2 };
	struct ent *es = calloc(N, sizeof(*es));
	unsigned char node[2][SL_HASH_LEN], out[M][SL_HASH_LEN], one[SL_HASH_LEN], found[M];
	size_t i;

	rng_seed(7);
	for (i = 0; i < N; i++)
		ent_make(&es[i], i, 10 + (unsigned)i, "t1", i % 2 ? "a" : "b", 8);
	put_all(s, es, N, N);
	rnd_bytes(node[0], SL_HASH_LEN);
	rnd_bytes(node[1], SL_HASH_LEN);
	OK(O->begin_write(s, &err));
	OK(O->put_node(s, 1, 1, node[0], &err));
	OK(O->put_node(s, 2, 0, node[1], &err));
	OK(O->commit(s, &err));
	OK(O->begin_read(s, &err));
	memset(found, 9, sizeof(found));
	OK(sl_store_get_nodes(s, M, level, index, out, found, &err));
	for (i = 0; i < M; i++) {
		int e = O->get_node(s, level[i], index[i], one, &err);
		ck_assert_msg(e == 0 || e == SL_ENOTFOUND, "node %zu: %d", i, e);
		ck_assert_msg(found[i] == (e == 0), "node %zu (level %u, index %llu): found %d, get_node %d",
			      i, level[i], (unsigned long long)index[i], found[i], e);
		if (e == 0)
			ck_assert_mem_eq(out[i], one, SL_HASH_LEN);
	}
	/* Leaves are the entries' leaf hashes; a node asked for twice is given twice. */
	ck_assert_mem_eq(out[0], es[3].leaf, SL_HASH_LEN);
	ck_assert_mem_eq(out[6], es[0].leaf, SL_HASH_LEN);
	ck_assert_mem_eq(out[1], node[0], SL_HASH_LEN);
	ck_assert_mem_eq(out[4], node[0], SL_HASH_LEN);
	ck_assert_mem_eq(out[2], node[1], SL_HASH_LEN);
	ck_assert_int_eq(found[3] + found[5] + found[7] + found[8], 0);
	OK(sl_store_get_nodes(s, 0, level, index, out, found, &err));
	O->end_read(s);
	O->close(s);
	ents_free(es, N);
	end(&f);
}
END_TEST

struct got {
	const struct ent *es;
	size_t n, calls;
	unsigned seen; /* bit i: seq i given */
};

static int got_row(void *ctx, const struct sl_entry_row *row)
{
	struct got *g = ctx;

	ck_assert_uint_lt(row->seq, g->n);
	check_row(row, &g->es[row->seq]);
	g->seen |= 1u << row->seq;
	g->calls++;
	return 0;
}

static int stop_row(void *ctx, const struct sl_entry_row *row)
{
	(void)ctx;
	(void)row;
	return sl_error_set(&err, SL_EIO, "the caller stops");
}

/* get_entries (through sl_store_get_entries) gives each stored entry asked for once, checked. */
START_TEST(entries_at_once)
{
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	enum { N = 6 };
	static const uint64_t want[] = { 4, 0, 9, 2, UINT64_MAX, 5 };
	struct ent *es = calloc(N, sizeof(*es));
	struct got g = { es, N, 0, 0 };
	size_t i;

	rng_seed(11);
	for (i = 0; i < N; i++)
		ent_make(&es[i], i, 10 + (unsigned)i, "t1", i % 2 ? "a" : "b", 5 + i);
	put_all(s, es, N, 4);
	OK(O->begin_read(s, &err));
	OK(sl_store_get_entries(s, sizeof(want) / sizeof(want[0]), want, got_row, &g, &err));
	ck_assert_uint_eq(g.calls, 4);
	ck_assert_uint_eq(g.seen, (1u << 0) | (1u << 2) | (1u << 4) | (1u << 5));
	IS(SL_EIO, sl_store_get_entries(s, 2, want, stop_row, NULL, &err));
	OK(sl_store_get_entries(s, 0, want, stop_row, NULL, &err));
	O->end_read(s);
	O->close(s);
	ents_free(es, N);
	end(&f);
}
END_TEST

/*
 * Two connections writing in turn: each must see the stream rows the other
 * changed (prev, nth, ids), whatever it held from its own last commit.
 */
START_TEST(writers_take_turns)
{
	struct fx f = begin(_i);
	struct sl_store *a = create_open(&f), *b = open_store(&f, 0, 2000), *w;
	enum { N = 14 };
	static const char *const srcs[N] = { "a", "b", "c", "a", "b", "a", "c", "a", "d", "d",
					     "a", "e", "b", "e" };
	static const size_t cut[] = { 0, 3, 5, 8, 9, 11, 12, N };
	struct ent *es = calloc(N, sizeof(*es));
	struct sl_entry_row row;
	uint64_t sid[N];
	size_t i, j;

	rng_seed(3);
	for (i = 0; i < N; i++)
		ent_make(&es[i], i, 10 + (unsigned)i, "t1", srcs[i], 8);
	for (i = 0; i + 1 < sizeof(cut) / sizeof(cut[0]); i++)
		put_range(i % 2 ? b : a, es, cut[i], cut[i + 1]);
	for (w = a; w; w = w == a ? b : NULL) {
		OK(O->begin_read(w, &err));
		for (i = 0; i < N; i++) {
			int64_t prev;
			uint64_t nth;
			OK(O->get_entry(w, i, &row, &err));
			check_row(&row, &es[i]);
			links_of(es, i, &prev, &nth);
			ck_assert_msg(row.prev == prev && row.nth == nth, "seq %zu: prev %lld nth %llu, "
				      "want %lld %llu", i, (long long)row.prev, (unsigned long long)row.nth,
				      (long long)prev, (unsigned long long)nth);
			sid[i] = row.stream;
			for (j = 0; j < i; j++)
				ck_assert_msg((sid[j] == sid[i]) == pair_eq(&es[j], es[i].type, es[i].source),
					      "entries %zu and %zu: stream ids %llu, %llu", j, i,
					      (unsigned long long)sid[j], (unsigned long long)sid[i]);
		}
		O->end_read(w);
		check_streams(w, es, N);
	}
	O->close(a);
	O->close(b);
	ents_free(es, N);
	end(&f);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Transactions.
 */

static void lane_state(struct sl_lane *l, uint64_t count, uint64_t last, uint64_t head)
{
	memset(l, 0, sizeof(*l));
	l->count = count;
	l->last = last;
	l->head = head;
	l->headpos[0] = 1;
	l->headpos[8] = (unsigned char)head;
}

START_TEST(rollback_leaves_nothing)
{
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	struct ent *es = calloc(3, sizeof(*es));
	struct sl_head h, g;
	struct sl_entry_row row;
	struct sl_buf v = SL_BUF_INIT, t = SL_BUF_INIT, src = SL_BUF_INIT;
	struct sl_stream_row sr;
	struct sl_checkpoint_row cr;
	struct sl_lane_row lr;
	struct sl_mutation_row mr;
	struct sl_lane ln;
	struct sl_scan *it;
	unsigned char hash[SL_HASH_LEN], pos[SL_POSKEY_LEN] = { 1, 0, 0, 0, 0, 0, 0, 0, 5 };
	uint64_t id, lane, seq;
	size_t i;
	int round;

	rng_seed(2);
	for (i = 0; i < 3; i++)
		ent_make(&es[i], i, 1, "t", "s", 50);
	if (O->lanes_ready(s, &err) == 0) {
		OK(O->begin_write(s, &err));
		OK(O->lanes_create(s, &err));
		OK(O->commit(s, &err));
	}
	IS(1, O->lanes_ready(s, &err));
	/* Twice: the second round checks that the first left no state behind in the store either. */
	for (round = 0; round < 2; round++) {
		OK(O->begin_write(s, &err));
		for (i = 0; i < 3; i++)
			OK(O->put_entry(s, i, es[i].ts, es[i].type, es[i].source, es[i].bytes, es[i].len,
					es[i].leaf, &err));
		OK(O->put_node(s, 1, 0, es[0].leaf, &err));
		memset(&h, 0, sizeof(h));
		h.size = 3;
		memcpy(h.ts, es[2].ts, sizeof(h.ts));
		OK(O->set_head(s, &h, &err));
		OK(O->meta_set(s, "k", "v", &err));
		OK(O->put_checkpoint(s, 3, es[0].leaf, "note\n", "vkey", &err));
		lane = 0;
		lane_state(&ln, 1, 2, 2);
		OK(O->lane_put(s, 2, &lane, "src", "ns", pos, &ln, &err));
		ck_assert_uint_ne(lane, 0);
		O->rollback(s);

		OK(O->begin_read(s, &err));
		OK(O->get_head(s, &g, &err));
		ck_assert_uint_eq(g.size, 0);
		ck_assert_str_eq(g.ts, "");
		for (i = 0; i < 3; i++)
			IS(SL_ENOTFOUND, O->get_entry(s, i, &row, &err));
		IS(SL_ENOTFOUND, O->get_node(s, 1, 0, hash, &err));
		IS(SL_ENOTFOUND, O->get_node(s, 0, 0, hash, &err));
		IS(SL_ENOTFOUND, O->meta_get(s, "k", &v, &err));
		IS(SL_ENOTFOUND, O->last_checkpoint(s, UINT64_MAX, &id, &v, &v, &err));
		OK(O->checkpoints_open(s, 0, &it, &err));
		IS(0, O->checkpoints_next(it, &cr, &err));
		O->scan_close(it);
		IS(0, O->lane_last(s, "src", "ns", &id, &ln, &err));
		OK(O->lanes_open(s, NULL, &it, &err));
		IS(0, O->lanes_next(it, &lr, &err));
		O->scan_close(it);
		OK(O->mutations_open(s, 0, UINT64_MAX, &it, &err));
		IS(0, O->mutations_next(it, &mr, &err));
		O->scan_close(it);
		OK(O->streams_open(s, &it, &err));
		IS(0, O->streams_next(it, &sr, &err));
		O->scan_close(it);
		IS(0, O->next_key(s, NULL, NULL, NULL, NULL, &t, &src, &err));
		IS(0, O->latest_seq(s, "t", "s", UINT64_MAX, &seq, &err));
		O->end_read(s);
	}
	/* And the same writes commit afterwards. */
	put_all(s, es, 3, 3);
	OK(O->begin_read(s, &err));
	OK(O->get_entry(s, 2, &row, &err));
	check_row(&row, &es[2]);
	IS(1, O->latest_seq(s, "t", "s", UINT64_MAX, &seq, &err));
	ck_assert_uint_eq(seq, 2);
	O->end_read(s);
	O->close(s);
	sl_buf_release(&v);
	sl_buf_release(&t);
	sl_buf_release(&src);
	ents_free(es, 3);
	end(&f);
}
END_TEST

START_TEST(reader_keeps_its_view)
{
	struct fx f = begin(_i);
	struct sl_store *w = create_open(&f), *r = open_store(&f, SL_STORE_RDONLY, 2000);
	struct ent *es = calloc(4, sizeof(*es));
	struct sl_head h;
	struct sl_entry_row row;
	struct sl_filter all = { NULL, NULL, NULL, NULL, 0, 0, 0 };
	struct sl_scan *it;
	size_t i, n;

	rng_seed(3);
	for (i = 0; i < 4; i++)
		ent_make(&es[i], i, 5, "t", "s", 20);
	put_range(w, es, 0, 2);

	OK(O->begin_read(r, &err));
	OK(O->get_head(r, &h, &err)); /* the view is taken by now */
	ck_assert_uint_eq(h.size, 2);
	put_range(w, es, 2, 4); /* committed while r reads */
	OK(O->get_head(r, &h, &err));
	ck_assert_uint_eq(h.size, 2);
	IS(SL_ENOTFOUND, O->get_entry(r, 2, &row, &err));
	OK(O->scan_open(r, &all, &it, &err));
	for (n = 0; O->scan_next(it, &row, &err) == 1; n++)
		check_row(&row, &es[n]);
	O->scan_close(it);
	ck_assert_uint_eq(n, 2);
	O->end_read(r);

	/* A new read transaction sees the commit. */
	OK(O->begin_read(r, &err));
	OK(O->get_head(r, &h, &err));
	ck_assert_uint_eq(h.size, 4);
	OK(O->get_entry(r, 3, &row, &err));
	check_row(&row, &es[3]);
	O->end_read(r);

	/* A scan outside a read transaction holds its own view until scan_close. */
	OK(O->scan_open(r, &all, &it, &err));
	IS(1, O->scan_next(it, &row, &err));
	check_row(&row, &es[0]);
	OK(O->begin_write(w, &err));
	free(es[0].bytes);
	ent_make(&es[0], 4, 6, "t", "s", 20); /* reuse slot 0 as seq 4 */
	OK(O->put_entry(w, 4, es[0].ts, "t", "s", es[0].bytes, es[0].len, es[0].leaf, &err));
	memset(&h, 0, sizeof(h));
	h.size = 5;
	memcpy(h.ts, es[0].ts, sizeof(h.ts));
	OK(O->set_head(w, &h, &err));
	OK(O->commit(w, &err));
	for (n = 1; O->scan_next(it, &row, &err) == 1; n++)
		ck_assert_uint_eq(row.seq, n);
	O->scan_close(it);
	ck_assert_uint_eq(n, 4);

	O->close(r);
	O->close(w);
	ents_free(es, 4);
	end(&f);
}
END_TEST

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

START_TEST(second_writer_is_busy)
{
	struct fx f = begin(_i);
	struct sl_store *a = create_open(&f), *b = open_store(&f, 0, 150);
	struct sl_head h;
	double t0, dt;

	OK(O->begin_write(a, &err));
	memset(&h, 0, sizeof(h));
	h.size = 7;
	OK(O->set_head(a, &h, &err));
	t0 = now_ms();
	IS(SL_EBUSY, O->begin_write(b, &err));
	dt = now_ms() - t0;
	ck_assert_msg(dt >= 100 && dt < 5000, "SL_EBUSY after %.0f ms with busy_ms 150", dt);
	/* A reader is not held up by the writer, and does not see its work. */
	OK(O->begin_read(b, &err));
	OK(O->get_head(b, &h, &err));
	ck_assert_uint_eq(h.size, 0);
	O->end_read(b);
	OK(O->commit(a, &err));
	/* The lock is gone with the commit. */
	OK(O->begin_write(b, &err));
	OK(O->get_head(b, &h, &err));
	ck_assert_uint_eq(h.size, 7);
	O->rollback(b);
	O->close(a);
	O->close(b);
	end(&f);
}
END_TEST

/* ---------------------------------------------------------------------------
 * N(T).
 */

START_TEST(size_at)
{
	/* Runs of equal ts, with gaps between them. */
	static const unsigned tsk[] = { 100, 100, 100, 105, 110, 110, 111, 200, 200, 200, 200, 300 };
	enum { N = sizeof(tsk) / sizeof(tsk[0]) };
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	struct ent *es = calloc(N, sizeof(*es));
	char q[SL_TS_LEN + 1];
	uint64_t n, want;
	unsigned k;
	size_t i;

	rng_seed(4);
	/* Empty: nothing at any time. */
	ts_of(q, 100);
	OK(O->size_at(s, q, &n, &err));
	ck_assert_uint_eq(n, 0);
	for (i = 0; i < N; i++)
		ent_make(&es[i], i, tsk[i], "t", i % 3 ? "a" : "b", 10);
	put_all(s, es, N, 5);
	OK(O->begin_read(s, &err));
	for (k = 0; k <= 310; k++) {
		ts_of(q, k);
		for (want = 0, i = 0; i < N; i++)
			want += strcmp(es[i].ts, q) <= 0;
		OK(O->size_at(s, q, &n, &err));
		ck_assert_msg(n == want, "N(%s) = %llu, want %llu", q, (unsigned long long)n,
			      (unsigned long long)want);
	}
	/* Between whole seconds, and beyond any entry. */
	OK(O->size_at(s, "2026-03-01T00:01:40.000001Z", &n, &err)); /* just after 100 */
	ck_assert_uint_eq(n, 3);
	OK(O->size_at(s, "2026-03-01T00:01:39.999999Z", &n, &err)); /* just before 100 */
	ck_assert_uint_eq(n, 0);
	OK(O->size_at(s, "9999-12-31T23:59:59.999999Z", &n, &err));
	ck_assert_uint_eq(n, N);
	OK(O->size_at(s, "0001-01-01T00:00:00.000000Z", &n, &err));
	ck_assert_uint_eq(n, 0);
	O->end_read(s);
	O->close(s);
	ents_free(es, N);
	end(&f);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Metadata.
 */

START_TEST(meta)
{
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	struct sl_buf v = SL_BUF_INIT;

	IS(SL_ENOTFOUND, O->meta_get(s, "origin", &v, &err));
	OK(O->begin_write(s, &err));
	OK(O->meta_set(s, "origin", "one", &err));
	OK(O->meta_set(s, "format", "stateledger-1", &err));
	OK(O->meta_set(s, "origin", "two \xc3\xa9", &err)); /* replaces */
	OK(O->meta_set(s, "empty", "", &err));
	OK(O->commit(s, &err));
	O->close(s);
	s = open_store(&f, SL_STORE_RDONLY, 2000);
	OK(O->begin_read(s, &err));
	OK(O->meta_get(s, "origin", &v, &err));
	ck_assert_uint_eq(v.len, strlen("two \xc3\xa9"));
	ck_assert_str_eq(v.buf, "two \xc3\xa9");
	OK(O->meta_get(s, "format", &v, &err));
	ck_assert_str_eq(v.buf, "stateledger-1");
	OK(O->meta_get(s, "empty", &v, &err));
	ck_assert_uint_eq(v.len, 0);
	IS(SL_ENOTFOUND, O->meta_get(s, "Origin", &v, &err));
	IS(SL_ENOTFOUND, O->meta_get(s, "missing", &v, &err));
	O->end_read(s);
	O->close(s);
	sl_buf_release(&v);
	end(&f);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Listings with filters.
 */

static const char *const scan_types[] = { "mutation", "event", "release" };
/* Sources sharing prefixes, multi-byte UTF-8 (é is 2 bytes, 漢 3, 😀 4), glob characters as data. */
static const char *const scan_sources[] = {
	"a", "ab", "abc", "ab/c", "ab/cd", "b", "ba", "caf\xc3\xa9", "cafe", "cafx", "caf\xc3\xa9s",
	"\xe6\xbc\xa2", "\xe6\xbc\xa2x", "x\xf0\x9f\x98\x80y", "xzy", "Ab", "a*b", "a[1]", "z",
};
#define NSRC (sizeof(scan_sources) / sizeof(scan_sources[0]))

/* n entries: a hot pair (every 9th, so that a filter on it is a walk of several segments), the rest random. */
static struct ent *scan_entries(size_t n)
{
	struct ent *es = calloc(n, sizeof(*es));
	unsigned tsk = 1000;
	size_t i;

	ck_assert_ptr_nonnull(es);
	for (i = 0; i < n; i++) {
		if (rnd(4) == 0)
			tsk += (unsigned)rnd(3); /* runs of equal ts */
		if (i % 9 == 4)
			ent_make(&es[i], i, tsk, "release", "ab/cd", 1 + rnd(300));
		else
			ent_make(&es[i], i, tsk, scan_types[rnd(2)], scan_sources[rnd(NSRC)], 1 + rnd(300));
	}
	return es;
}

static int filter_wants(const struct ent *e, const struct sl_filter *f)
{
	return (!f->type || strcmp(e->type, f->type) == 0) && (!f->source || glob(f->source, e->source)) &&
	       (!f->since || strcmp(e->ts, f->since) >= 0) && (!f->until || strcmp(e->ts, f->until) <= 0) &&
	       e->seq >= f->from && (!f->below || e->seq < f->below);
}

static size_t check_scan(struct sl_store *s, const struct ent *es, size_t n, const struct sl_filter *f)
{
	struct sl_scan *it = NULL;
	struct sl_entry_row row;
	size_t i = 0, got = 0;
	int r;

	OK(O->scan_open(s, f, &it, &err));
	for (;;) {
		while (i < n && !filter_wants(&es[i], f))
			i++;
		if (f->limit && got == f->limit)
			i = n;
		sl_error_clear(&err);
		r = O->scan_next(it, &row, &err);
		ck_assert_msg(r >= 0, "scan_next: %s", err.msg);
		ck_assert_msg(r == (i < n), "filter type=%s source=%s since=%s until=%s from=%llu below=%llu "
			      "limit=%llu: row %zu: scan_next %d, want seq %lld", f->type ? f->type : "-",
			      f->source ? f->source : "-", f->since ? f->since : "-", f->until ? f->until : "-",
			      (unsigned long long)f->from, (unsigned long long)f->below,
			      (unsigned long long)f->limit, got, r, i < n ? (long long)es[i].seq : -1LL);
		if (r == 0)
			break;
		check_row(&row, &es[i]);
		i++;
		got++;
	}
	O->scan_close(it);
	return got;
}

START_TEST(scan_filters)
{
	static const char *const types[] = { NULL, "mutation", "release", "none" };
	static const char *const globs[] = {
		NULL, "*", "ab/cd", "a*", "ab?", "ab/*", "caf?", "caf?s", "*\xc3\xa9*", "?", "??",
		"\xe6\xbc\xa2?", "x?y", "[ab]*", "[^ab]*", "[a-c]?", "[]]*", "*[0-9]*", "a[*]b", "a[[]1]",
		"[\xc3\xa9\xe6\xbc\xa2]*", "A*", "nothing",
	};
	enum { N = 400 };
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	struct sl_filter fl;
	struct ent *es;
	char since[SL_TS_LEN + 1], until[SL_TS_LEN + 1];
	size_t t, g, k, total = 0;

	rng_seed(5);
	es = scan_entries(N);
	put_all(s, es, N, 37);
	/* Every type with every glob, bare. */
	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (g = 0; g < sizeof(globs) / sizeof(globs[0]); g++) {
			memset(&fl, 0, sizeof(fl));
			fl.type = types[t];
			fl.source = globs[g];
			total += check_scan(s, es, N, &fl);
		}
	ck_assert_uint_gt(total, N); /* the filters matched something */
	/* And with bounds: times (equal-ts runs, edges inclusive), seqs and a limit. */
	for (k = 0; k < 300; k++) {
		memset(&fl, 0, sizeof(fl));
		fl.type = types[rnd(4)];
		fl.source = globs[rnd(sizeof(globs) / sizeof(globs[0]))];
		if (rnd(2)) {
			memcpy(since, es[rnd(N)].ts, sizeof(since));
			fl.since = since;
		}
		if (rnd(2)) {
			memcpy(until, es[rnd(N)].ts, sizeof(until));
			fl.until = until;
		}
		if (rnd(2))
			fl.from = rnd(N + 10);
		if (rnd(2))
			fl.below = rnd(N + 10);
		if (rnd(3) == 0)
			fl.limit = 1 + rnd(20);
		if (k % 3 == 0) {
			OK(O->begin_read(s, &err)); /* inside the caller's read transaction too */
			check_scan(s, es, N, &fl);
			O->end_read(s);
		} else {
			check_scan(s, es, N, &fl);
		}
	}
	/* Edges named outright. */
	memset(&fl, 0, sizeof(fl));
	fl.since = es[0].ts;
	fl.until = es[N - 1].ts;
	ck_assert_uint_eq(check_scan(s, es, N, &fl), N);
	fl.since = fl.until = es[200].ts;
	ck_assert_uint_ge(check_scan(s, es, N, &fl), 1);
	memset(&fl, 0, sizeof(fl));
	fl.from = 10;
	fl.below = 10;
	ck_assert_uint_eq(check_scan(s, es, N, &fl), 0);
	fl.below = 11;
	ck_assert_uint_eq(check_scan(s, es, N, &fl), 1);
	fl.from = N;
	fl.below = 0;
	ck_assert_uint_eq(check_scan(s, es, N, &fl), 0);
	memset(&fl, 0, sizeof(fl));
	fl.type = "release";
	fl.source = "ab/cd";
	fl.from = 30;
	fl.limit = 5;
	ck_assert_uint_eq(check_scan(s, es, N, &fl), 5);
	O->close(s);
	ents_free(es, N);
	end(&f);
}
END_TEST

/*
 * A write transaction reads its own writes: every read op, after put_entry
 * and set_head in the same transaction, answers as it will after commit.
 */
START_TEST(writer_reads_its_own_writes)
{
	enum { N = 40 };
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	struct ent *es = calloc(N, sizeof(*es));
	struct sl_buf t = SL_BUF_INIT, src = SL_BUF_INIT;
	struct sl_filter fl;
	struct sl_entry_row row;
	struct sl_head h;
	uint64_t seq, n;
	size_t i;
	int round;

	rng_seed(10);
	for (i = 0; i < N; i++)
		ent_make(&es[i], i, 50 + (unsigned)i / 4, i % 5 ? "event" : "release", i % 3 ? "a" : "b", 16);
	put_range(s, es, 0, 20);
	/* Twice: the same reads inside the write transaction, then after its commit. */
	OK(O->begin_write(s, &err));
	for (i = 20; i < N; i++)
		OK(O->put_entry(s, es[i].seq, es[i].ts, es[i].type, es[i].source, es[i].bytes, es[i].len,
				es[i].leaf, &err));
	memset(&h, 0, sizeof(h));
	h.size = N;
	memcpy(h.ts, es[N - 1].ts, sizeof(h.ts));
	OK(O->set_head(s, &h, &err));
	for (round = 0; round < 2; round++) {
		if (round == 1) {
			OK(O->commit(s, &err));
			OK(O->begin_read(s, &err));
		}
		OK(O->get_entry(s, N - 1, &row, &err));
		check_row(&row, &es[N - 1]);
		OK(O->size_at(s, es[N - 1].ts, &n, &err));
		ck_assert_uint_eq(n, N);
		IS(1, O->latest_seq(s, "event", "a", UINT64_MAX, &seq, &err));
		for (i = N; i-- > 0 && !pair_eq(&es[i], "event", "a");)
			;
		ck_assert_uint_eq(seq, es[i].seq);
		IS(1, O->latest_seq(s, "release", "b", 21, &seq, &err));
		ck_assert_uint_eq(seq, 15);
		check_streams(s, es, N);
		IS(1, O->next_key(s, "event", "b", NULL, NULL, &t, &src, &err));
		ck_assert_str_eq(t.buf, "release");
		memset(&fl, 0, sizeof(fl));
		fl.type = "release";
		check_scan(s, es, N, &fl);
		fl.type = NULL;
		fl.source = "b";
		fl.from = 10;
		check_scan(s, es, N, &fl);
		fl.type = "release"; /* a pair with few entries: a backend may list it by its own index */
		fl.from = 0;
		check_scan(s, es, N, &fl);
	}
	O->end_read(s);
	O->close(s);
	sl_buf_release(&t);
	sl_buf_release(&src);
	ents_free(es, N);
	end(&f);
}
END_TEST

/* The GLOB of store.h without a store, against the same independent matcher. */
START_TEST(glob_match)
{
	static const char *const globs[] = { "*", "a*", "ab?", "caf?", "[ab]*", "[^ab]*", "[a-c]?",
					     "[]]*", "a[*]b", "x?y", "*\xc3\xa9*", "", "A*" };
	size_t g, k;

	(void)_i;
	for (g = 0; g < sizeof(globs) / sizeof(globs[0]); g++)
		for (k = 0; k < NSRC; k++)
			ck_assert_msg(sl_store_glob_match(globs[g], scan_sources[k]) ==
				      glob(globs[g], scan_sources[k]), "'%s' ~ '%s'", scan_sources[k], globs[g]);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Tree nodes in post-order.
 */

struct inode {
	unsigned level;
	uint64_t index, k; /* k: the leaf count at which the subtree completes */
	unsigned char hash[SL_HASH_LEN];
};

static int inode_cmp(const void *a, const void *b)
{
	const struct inode *x = a, *y = b;

	if (x->k != y->k)
		return x->k < y->k ? -1 : 1;
	return (x->level > y->level) - (x->level < y->level);
}

START_TEST(nodes_in_post_order)
{
	enum { LEAVES = 37 };
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	struct inode in[2 * LEAVES];
	struct sl_scan *it;
	unsigned char hash[SL_HASH_LEN];
	uint64_t pos, from;
	size_t n = 0, i;
	unsigned level;

	rng_seed(6);
	/* Every complete interior subtree of 37 leaves, ranked by when it completes (post-order). */
	for (level = 1; (1u << level) <= LEAVES; level++)
		for (i = 0; ((i + 1) << level) <= LEAVES; i++) {
			in[n].level = level;
			in[n].index = i;
			in[n].k = (uint64_t)(i + 1) << level;
			rnd_bytes(in[n].hash, SL_HASH_LEN);
			n++;
		}
	ck_assert_uint_eq(n, LEAVES - __builtin_popcount(LEAVES));
	qsort(in, n, sizeof(in[0]), inode_cmp);
	OK(O->begin_write(s, &err));
	for (i = 0; i < n; i++)
		OK(O->put_node(s, in[i].level, in[i].index, in[i].hash, &err));
	OK(O->commit(s, &err));

	for (from = 0; from <= n + 1; from++) {
		OK(O->nodes_open(s, from, &it, &err));
		for (i = from; i < n; i++) {
			IS(1, O->nodes_next(it, &pos, hash, &err));
			ck_assert_uint_eq(pos, i);
			ck_assert_mem_eq(hash, in[i].hash, SL_HASH_LEN);
		}
		IS(0, O->nodes_next(it, &pos, hash, &err));
		O->scan_close(it);
	}
	O->close(s);
	end(&f);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Checkpoints.
 */

START_TEST(checkpoints)
{
	static const char *const notes[] = { "log.example\n1\nAAAA\n\n\xe2\x80\x94 k sig1\n",
					     "log.example\n5\nBBBB\n\n\xe2\x80\x94 k sig2\n",
					     "log.example\n9\nCCCC\n\n\xe2\x80\x94 k sig3\n" };
	static const char *const vkeys[] = { "k+1234+AAAA", "k+1234+AAAA", "k2+99+BBBB" };
	static const uint64_t sizes[] = { 1, 5, 9 };
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	struct sl_buf note = SL_BUF_INIT, vkey = SL_BUF_INIT;
	struct sl_checkpoint_row row;
	struct sl_scan *it;
	unsigned char roots[3][SL_HASH_LEN];
	uint64_t id, from;
	size_t i;

	rng_seed(7);
	IS(SL_ENOTFOUND, O->last_checkpoint(s, UINT64_MAX, &id, &note, &vkey, &err));
	OK(O->checkpoints_open(s, 0, &it, &err));
	IS(0, O->checkpoints_next(it, &row, &err));
	O->scan_close(it);
	for (i = 0; i < 3; i++)
		rnd_bytes(roots[i], SL_HASH_LEN);
	/* One in a transaction of its own, two in one. */
	OK(O->begin_write(s, &err));
	OK(O->put_checkpoint(s, sizes[0], roots[0], notes[0], vkeys[0], &err));
	OK(O->commit(s, &err));
	OK(O->begin_read(s, &err));
	OK(O->last_checkpoint(s, UINT64_MAX, &id, &note, &vkey, &err));
	O->end_read(s);
	ck_assert_uint_eq(id, 1);
	ck_assert_str_eq(note.buf, notes[0]);
	ck_assert_str_eq(vkey.buf, vkeys[0]);
	OK(O->begin_write(s, &err));
	OK(O->put_checkpoint(s, sizes[1], roots[1], notes[1], vkeys[1], &err));
	OK(O->put_checkpoint(s, sizes[2], roots[2], notes[2], vkeys[2], &err));
	OK(O->commit(s, &err));
	O->close(s);

	s = open_store(&f, SL_STORE_RDONLY, 2000);
	OK(O->begin_read(s, &err));
	OK(O->last_checkpoint(s, UINT64_MAX, &id, &note, &vkey, &err));
	ck_assert_uint_eq(id, 3);
	ck_assert_uint_eq(note.len, strlen(notes[2]));
	ck_assert_str_eq(note.buf, notes[2]);
	ck_assert_str_eq(vkey.buf, vkeys[2]);
	/* Below a bound: the newest under it, none under the first. */
	for (from = 4; from >= 2; from--) {
		OK(O->last_checkpoint(s, from, &id, &note, &vkey, &err));
		ck_assert_uint_eq(id, from - 1);
		ck_assert_str_eq(note.buf, notes[from - 2]);
		ck_assert_str_eq(vkey.buf, vkeys[from - 2]);
	}
	IS(SL_ENOTFOUND, O->last_checkpoint(s, 1, &id, &note, &vkey, &err));
	IS(SL_ENOTFOUND, O->last_checkpoint(s, 0, &id, &note, &vkey, &err));
	for (from = 0; from <= 5; from++) {
		OK(O->checkpoints_open(s, from, &it, &err));
		for (i = from ? from - 1 : 0; i < 3; i++) {
			IS(1, O->checkpoints_next(it, &row, &err));
			ck_assert_uint_eq(row.id, i + 1);
			ck_assert_uint_eq(row.size, sizes[i]);
			ck_assert_ptr_nonnull(row.root);
			ck_assert_mem_eq(row.root, roots[i], SL_HASH_LEN);
			ck_assert_uint_eq(row.note_len, strlen(notes[i]));
			ck_assert_mem_eq(row.note, notes[i], row.note_len);
			ck_assert_str_eq(row.vkey, vkeys[i]);
		}
		IS(0, O->checkpoints_next(it, &row, &err));
		O->scan_close(it);
	}
	O->end_read(s);
	O->close(s);
	sl_buf_release(&note);
	sl_buf_release(&vkey);
	end(&f);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Snapshot keys, latest seqs and streams, against brute force.
 */

static int pair_cmp(const char *t1, const char *s1, const char *t2, const char *s2)
{
	int c = strcmp(t1, t2);

	return c ? c : strcmp(s1, s2);
}

/* The first distinct pair of es after (at, as) (at NULL: of all) passing type and glob, or -1. */
static long want_key(const struct ent *es, size_t n, const char *at, const char *as, const char *type,
		     const char *src)
{
	long best = -1;
	size_t i;

	for (i = 0; i < n; i++) {
		if (at && pair_cmp(es[i].type, es[i].source, at, as) <= 0)
			continue;
		if ((type && strcmp(es[i].type, type) != 0) || (src && !glob(src, es[i].source)))
			continue;
		if (best < 0 || pair_cmp(es[i].type, es[i].source, es[best].type, es[best].source) < 0)
			best = (long)i;
	}
	return best;
}

/* What a walk of the pairs gave: "type\tsource\tseq|-" a line. */
struct walked {
	struct sl_buf out;
	char at[64], as[64];
	size_t n;
};

static int walked_pair(void *ctx, const char *type, const char *source, int found, uint64_t seq)
{
	struct walked *w = ctx;

	sl_buf_addf(&w->out, "%s\t%s\t", type, source);
	if (found)
		sl_buf_addu64(&w->out, seq);
	else
		sl_buf_addch(&w->out, '-');
	sl_buf_addch(&w->out, '\n');
	snprintf(w->at, sizeof(w->at), "%s", type);
	snprintf(w->as, sizeof(w->as), "%s", source);
	w->n++;
	return 0;
}

/*
 * Every pair of type and glob with its latest seq below `below`, through
 * sl_store_latest_pairs `max` at a time (the backend's own when it has
 * one), against next_key then latest_seq one pair at a time.
 */
static void check_latest_pairs(struct sl_store *s, const char *type, const char *src, uint64_t below,
			       size_t max)
{
	struct walked w = { SL_BUF_INIT, "", "", 0 }, one = { SL_BUF_INIT, "", "", 0 };
	struct sl_buf t = SL_BUF_INIT, so = SL_BUF_INIT;
	uint64_t seq = 0;
	int r, have = 0;

	for (;;) {
		size_t before = w.n;
		sl_error_clear(&err);
		r = sl_store_latest_pairs(s, have ? w.at : NULL, have ? w.as : NULL, type, src, below, max,
					  walked_pair, &w, &err);
		ck_assert_msg(r >= 0, "latest_pairs: %d %s", r, err.msg);
		ck_assert_msg(w.n - before <= max, "latest_pairs gave %zu pairs, asked %zu", w.n - before, max);
		ck_assert_int_eq(r, w.n - before == max);
		have = have || w.n > before;
		if (r == 0)
			break;
	}
	for (have = 0;;) {
		sl_error_clear(&err);
		r = O->next_key(s, have ? t.buf : NULL, have ? so.buf : NULL, type, src, &t, &so, &err);
		ck_assert_int_ge(r, 0);
		if (r == 0)
			break;
		have = 1;
		r = O->latest_seq(s, t.buf, so.buf, below, &seq, &err);
		ck_assert_int_ge(r, 0);
		walked_pair(&one, t.buf, so.buf, r, seq);
	}
	ck_assert_msg(w.out.len == one.out.len && memcmp(w.out.buf, one.out.buf, w.out.len) == 0,
		      "type %s glob %s below %llu max %zu: latest_pairs gave\n%.2000s\none at a time\n%.2000s",
		      type ? type : "-", src ? src : "-", (unsigned long long)below, max,
		      w.out.buf ? w.out.buf : "", one.out.buf ? one.out.buf : "");
	sl_buf_release(&w.out);
	sl_buf_release(&one.out);
	sl_buf_release(&t);
	sl_buf_release(&so);
}

/* The end of a test over named pairs: the read ended, the store closed, everything freed. */
static void finish_named(struct sl_store *s, struct fx *f, struct ent *es, size_t n, void *names)
{
	O->end_read(s);
	O->close(s);
	ents_free(es, n);
	free(names);
	end(f);
}

/*
 * One long-lived writer meets more pairs than a backend holds between its
 * transactions (SL_STREAMS_HELD_MAX): what it dropped it reads again, so
 * entries of pairs met long before still link to their previous entry.
 */
START_TEST(writer_beyond_held_streams)
{
	enum { NEW = SL_STREAMS_HELD_MAX + 3000, OLD = 400, N = NEW + OLD };
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	struct ent *es = calloc(N, sizeof(*es));
	char (*names)[12] = calloc(NEW, sizeof(*names));
	struct sl_entry_row row;
	uint64_t stream0;
	size_t i;

	ck_assert_ptr_nonnull(es);
	ck_assert_ptr_nonnull(names);
	rng_seed(12);
	for (i = 0; i < NEW; i++) {
		snprintf(names[i], sizeof(names[i]), "p%zu", i);
		ent_make(&es[i], i, 100, "event", names[i], 2);
	}
	/* Then entries of the first pairs again, after the held rows had to go. */
	for (i = NEW; i < N; i++)
		ent_make(&es[i], i, 101, "event", names[(i - NEW) * 7], 2);
	for (i = 0; i < NEW; i += 5000)
		put_range(s, es, i, i + 5000 < NEW ? i + 5000 : NEW);
	put_range(s, es, NEW, N);
	OK(O->begin_read(s, &err));
	for (i = NEW; i < N; i++) {
		uint64_t first = (i - NEW) * 7;
		OK(O->get_entry(s, first, &row, &err));
		stream0 = row.stream;
		OK(O->get_entry(s, i, &row, &err));
		ck_assert_msg(row.stream == stream0 && row.prev == (int64_t)first && row.nth == 1,
			      "seq %zu (%s): stream %llu prev %lld nth %llu; want %llu %llu 1", i, es[i].source,
			      (unsigned long long)row.stream, (long long)row.prev, (unsigned long long)row.nth,
			      (unsigned long long)stream0, (unsigned long long)first);
	}
	finish_named(s, &f, es, N, names);
}
END_TEST

/* More pairs than a backend reads at once, walked with latest_pairs in steps of every kind. */
START_TEST(latest_pairs_many)
{
	static const char *const globs[] = { NULL, "s1*", "s[12]?7", "*9", "none" };
	enum { NP = 700, N = 2 * NP };
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	struct ent *es = calloc(N, sizeof(*es));
	char (*names)[8] = calloc(NP, sizeof(*names));
	static const size_t maxes[] = { 1, 5, 255, 256, 257, 600, 10000 };
	size_t i, g, m;

	ck_assert_ptr_nonnull(es);
	ck_assert_ptr_nonnull(names);
	rng_seed(11);
	for (i = 0; i < NP; i++)
		snprintf(names[i], sizeof(names[i]), "s%03zu", (i * 3) % NP);
	/* Each pair twice: once in the first half of the log, once in the second. */
	for (i = 0; i < N; i++)
		ent_make(&es[i], i, 100 + (unsigned)i, i % 3 ? "event" : "release", names[i % NP], 4);
	for (i = 0; i < N; i += 200)
		put_range(s, es, i, i + 200 < N ? i + 200 : N);
	OK(O->begin_read(s, &err));
	for (g = 0; g < sizeof(globs) / sizeof(globs[0]); g++)
		for (m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
			check_latest_pairs(s, NULL, globs[g], UINT64_MAX, maxes[m]);
			check_latest_pairs(s, "event", globs[g], N / 2 + 3, maxes[m]);
			check_latest_pairs(s, NULL, globs[g], NP / 2, maxes[m]);
		}
	check_latest_pairs(s, "none", NULL, UINT64_MAX, 10);
	check_latest_pairs(s, NULL, NULL, 0, 300);
	finish_named(s, &f, es, N, names);
}
END_TEST

START_TEST(snapshot_keys)
{
	static const char *const types[] = { "event", "mutation", "release", "rel", "a" };
	static const char *const globs[] = { NULL, "*", "a*", "ab?", "ab/*", "caf?", "[ab]*", "[^ab]*",
					     "*\xc3\xa9*", "\xe6\xbc\xa2*", "?", "x?y", "z", "nothing" };
	static const char *const qtypes[] = { NULL, "event", "mutation", "release", "rel", "none", "a" };
	enum { N = 300 };
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	struct sl_buf t = SL_BUF_INIT, src = SL_BUF_INIT;
	struct sl_stream_row sr;
	struct sl_entry_row row;
	struct sl_scan *it;
	struct ent *es = calloc(N, sizeof(*es));
	size_t i, j, q, g;
	uint64_t seq, below;
	long w;
	int r;

	rng_seed(8);
	for (i = 0; i < N; i++)
		ent_make(&es[i], i, 500 + (unsigned)(i / 3), types[rnd(5)], scan_sources[rnd(NSRC)], 8);
	/* One pair with many entries, so that its latest seqs lie far back. */
	for (i = 0; i < N; i += 4) {
		es[i].type = "event";
		es[i].source = "ab";
	}
	/* 150 pairs' entries in one transaction, the rest in several. */
	put_range(s, es, 0, 150);
	for (i = 150; i < N; i += 29)
		put_range(s, es, i, i + 29 < N ? i + 29 : N);
	OK(O->begin_read(s, &err));
	/* Walk every key in order, per type and glob. */
	for (q = 0; q < sizeof(qtypes) / sizeof(qtypes[0]); q++)
		for (g = 0; g < sizeof(globs) / sizeof(globs[0]); g++) {
			const char *at = NULL, *as = NULL;
			char pt[64], ps[64];

			for (;;) {
				w = want_key(es, N, at, as, qtypes[q], globs[g]);
				sl_error_clear(&err);
				r = O->next_key(s, at, as, qtypes[q], globs[g], &t, &src, &err);
				ck_assert_msg(r == (w >= 0), "next_key after (%s, %s) type %s glob %s: %d (%s), want %s %s",
					      at ? at : "-", as ? as : "-", qtypes[q] ? qtypes[q] : "-",
					      globs[g] ? globs[g] : "-", r, err.msg, w >= 0 ? es[w].type : "none",
					      w >= 0 ? es[w].source : "");
				if (r == 0)
					break;
				ck_assert_str_eq(t.buf, es[w].type);
				ck_assert_str_eq(src.buf, es[w].source);
				snprintf(pt, sizeof(pt), "%s", t.buf);
				snprintf(ps, sizeof(ps), "%s", src.buf);
				at = pt;
				as = ps;
			}
		}
	/* From points that are no key: between keys, before all, after all, other types. */
	for (i = 0; i < 400; i++) {
		static const char *const afters[] = { "", "a", "ab", "ab/", "caf", "cafe\x01", "\xe6", "zz", "\xff" };
		const char *at = types[rnd(5)], *as = afters[rnd(9)];
		const char *qt = qtypes[rnd(7)], *qg = globs[rnd(sizeof(globs) / sizeof(globs[0]))];

		if (rnd(5) == 0)
			at = rnd(2) ? "" : "zzz";
		w = want_key(es, N, at, as, qt, qg);
		sl_error_clear(&err);
		r = O->next_key(s, at, as, qt, qg, &t, &src, &err);
		ck_assert_msg(r == (w >= 0) && (r == 0 || (strcmp(t.buf, es[w].type) == 0 &&
							   strcmp(src.buf, es[w].source) == 0)),
			      "next_key after (%s, %s) type %s glob %s: %d (%s %s), want %s %s", at, as,
			      qt ? qt : "-", qg ? qg : "-", r, r == 1 ? t.buf : err.msg, r == 1 ? src.buf : "",
			      w >= 0 ? es[w].type : "none", w >= 0 ? es[w].source : "");
	}
	/* latest_seq: every pair (and some that are none) at many bounds. */
	for (i = 0; i < N + 3; i++) {
		const char *ty = i < N ? es[i].type : "event", *so = i < N ? es[i].source : i == N ? "abx" : "";

		for (below = 0; below <= N + 2; below += 1 + rnd(20)) {
			long want = -1;
			for (j = 0; j < N && es[j].seq < below; j++)
				if (pair_eq(&es[j], ty, so))
					want = (long)j;
			seq = UINT64_MAX;
			sl_error_clear(&err);
			r = O->latest_seq(s, ty, so, below, &seq, &err);
			ck_assert_msg(r == (want >= 0) && (r == 0 || seq == (uint64_t)want),
				      "latest_seq(%s, %s, below %llu) = %d, %llu; want %ld (%s)", ty, so,
				      (unsigned long long)below, r, (unsigned long long)seq, want, err.msg);
		}
		IS(i < N, O->latest_seq(s, ty, so, UINT64_MAX, &seq, &err));
	}
	/* latest_pairs: the same pairs and seqs as next_key and latest_seq give one at a time. */
	for (q = 0; q < sizeof(qtypes) / sizeof(qtypes[0]); q++)
		for (g = 0; g < sizeof(globs) / sizeof(globs[0]); g++) {
			check_latest_pairs(s, qtypes[q], globs[g], UINT64_MAX, 1 + rnd(40));
			check_latest_pairs(s, qtypes[q], globs[g], rnd(N + 2), 1 + rnd(40));
		}
	check_streams(s, es, N);
	/* An entry's stream id is its pair's row. */
	OK(O->streams_open(s, &it, &err));
	while (O->streams_next(it, &sr, &err) == 1) {
		uint64_t id = sr.id, last = sr.last;
		char ty[64], so[64];
		snprintf(ty, sizeof(ty), "%s", sr.type);
		snprintf(so, sizeof(so), "%s", sr.source);
		OK(O->get_entry(s, last, &row, &err));
		ck_assert_uint_eq(row.stream, id);
		ck_assert_str_eq(row.type, ty);
		ck_assert_str_eq(row.source, so);
	}
	O->scan_close(it);
	O->end_read(s);
	O->close(s);
	sl_buf_release(&t);
	sl_buf_release(&src);
	ents_free(es, N);
	end(&f);
}
END_TEST

/* ---------------------------------------------------------------------------
 * The mutation index.
 */

struct mrow {
	uint64_t seq;
	size_t lane; /* index into the lanes of the test */
	unsigned char pos[SL_POSKEY_LEN];
	struct sl_lane after;
};

struct tlane {
	const char *source, *ns;
	uint64_t id;
};

static int tlane_cmp(const void *a, const void *b)
{
	const struct tlane *x = *(const struct tlane *const *)a, *y = *(const struct tlane *const *)b;
	int c = strcmp(x->ns, y->ns);

	return c ? c : strcmp(x->source, y->source);
}

START_TEST(mutation_index)
{
	static const char *const lsrc[] = { "db/a", "db/b", "db/ab", "cache", "caf\xc3\xa9", "db/a" };
	static const char *const lns[] = { "public", "public", "app", "public", "app", "app" };
	static const char *const globs[] = { NULL, "*", "db/*", "db/?", "caf?", "[cd]*", "none" };
	enum { NL = 6, NM = 200 };
	struct fx f = begin(_i);
	struct sl_store *s = create_open(&f);
	struct tlane lanes[NL], *sorted[NL];
	struct mrow *m = calloc(NM, sizeof(*m));
	struct sl_mutation_row mr;
	struct sl_lane_row lr;
	struct sl_lane ln;
	struct sl_scan *it;
	uint64_t seq = 3, id, from, below;
	size_t i, j, g, k;
	int r;

	rng_seed(9);
	if ((r = O->lanes_ready(s, &err)) == 0) {
		OK(O->begin_write(s, &err));
		OK(O->lanes_create(s, &err));
		OK(O->commit(s, &err));
	}
	ck_assert_int_ge(r, 0);
	IS(1, O->lanes_ready(s, &err));
	for (i = 0; i < NL; i++) {
		lanes[i].source = lsrc[i];
		lanes[i].ns = lns[i];
		lanes[i].id = 0;
		sorted[i] = &lanes[i];
		IS(0, O->lane_last(s, lsrc[i], lns[i], &id, &ln, &err));
	}
	/* Rows in seq order over random lanes, in several transactions. */
	for (i = 0; i < NM; i++) {
		struct mrow *prev = NULL;

		seq += 1 + rnd(3);
		m[i].seq = seq;
		m[i].lane = rnd(NL);
		rnd_bytes(m[i].pos + 1, SL_POSKEY_LEN - 1);
		m[i].pos[0] = (unsigned char)(1 + rnd(2));
		for (j = i; j-- > 0;)
			if (m[j].lane == m[i].lane) {
				prev = &m[j];
				break;
			}
		m[i].after.count = prev ? prev->after.count + 1 : 1;
		m[i].after.last = seq;
		if (!prev || rnd(3)) {
			m[i].after.head = seq;
			memcpy(m[i].after.headpos, m[i].pos, SL_POSKEY_LEN);
		} else {
			m[i].after.head = prev->after.head;
			memcpy(m[i].after.headpos, prev->after.headpos, SL_POSKEY_LEN);
		}
	}
	for (i = 0; i < NM; i++) {
		struct tlane *l = &lanes[m[i].lane];
		uint64_t lid = l->id;

		if (i % 50 == 0)
			OK(O->begin_write(s, &err));
		OK(O->lane_put(s, m[i].seq, &lid, l->source, l->ns, m[i].pos, &m[i].after, &err));
		if (l->id == 0) {
			ck_assert_uint_ne(lid, 0);
			for (j = 0; j < NL; j++)
				ck_assert_uint_ne(lanes[j].id, lid);
			l->id = lid;
		} else {
			ck_assert_uint_eq(lid, l->id); /* a given id stays */
		}
		if (i % 50 == 49 || i == NM - 1)
			OK(O->commit(s, &err));
	}
	O->close(s);
	s = open_store(&f, SL_STORE_RDONLY, 2000);
	OK(O->begin_read(s, &err));
	/* lane_last: the state after each lane's last row. */
	for (k = 0; k < NL; k++) {
		const struct mrow *last = NULL;
		for (i = 0; i < NM; i++)
			if (m[i].lane == k)
				last = &m[i];
		memset(&ln, 0, sizeof(ln));
		IS(last != NULL, O->lane_last(s, lanes[k].source, lanes[k].ns, &id, &ln, &err));
		if (!last)
			continue;
		ck_assert_uint_eq(id, lanes[k].id);
		ck_assert_uint_eq(ln.count, last->after.count);
		ck_assert_uint_eq(ln.last, last->after.last);
		ck_assert_uint_eq(ln.head, last->after.head);
		ck_assert_mem_eq(ln.headpos, last->after.headpos, SL_POSKEY_LEN);
	}
	IS(0, O->lane_last(s, "db/a", "other", &id, &ln, &err));
	IS(0, O->lane_last(s, "db", "public", &id, &ln, &err));
	/* lane_at: the state after the last row below each bound. */
	for (k = 0; k < NL; k++) {
		if (!lanes[k].id)
			continue;
		for (below = 0; below <= seq + 2; below++) {
			const struct mrow *want = NULL;
			for (i = 0; i < NM && m[i].seq < below; i++)
				if (m[i].lane == k)
					want = &m[i];
			memset(&ln, 0, sizeof(ln));
			IS(want != NULL, O->lane_at(s, lanes[k].id, below, &ln, &err));
			if (!want)
				continue;
			ck_assert_uint_eq(ln.count, want->after.count);
			ck_assert_uint_eq(ln.last, want->seq);
			ck_assert_uint_eq(ln.head, want->after.head);
			ck_assert_mem_eq(ln.headpos, want->after.headpos, SL_POSKEY_LEN);
		}
		IS(1, O->lane_at(s, lanes[k].id, UINT64_MAX, &ln, &err));
	}
	/* lanes_at: every lane at once (and an id of none), as lane_at gives each. */
	for (below = 0; below <= seq + 2; below += 1 + rnd(7)) {
		uint64_t ids[NL + 1];
		struct sl_lane at[NL + 1];
		unsigned char found[NL + 1];
		size_t n = 0;

		for (k = 0; k < NL; k++)
			if (lanes[k].id)
				ids[n++] = lanes[NL - 1 - k].id ? lanes[NL - 1 - k].id : lanes[k].id;
		ids[n++] = 1000000; /* no such lane */
		memset(found, 7, sizeof(found));
		OK(sl_store_lanes_at(s, n, ids, below, at, found, &err));
		for (k = 0; k < n; k++) {
			memset(&ln, 0, sizeof(ln));
			IS(found[k], O->lane_at(s, ids[k], below, &ln, &err));
			if (!found[k])
				continue;
			ck_assert_uint_eq(at[k].count, ln.count);
			ck_assert_uint_eq(at[k].last, ln.last);
			ck_assert_uint_eq(at[k].head, ln.head);
			ck_assert_mem_eq(at[k].headpos, ln.headpos, SL_POSKEY_LEN);
		}
	}
	/* lanes_open: (namespace, source) order, filtered by GLOB. */
	qsort(sorted, NL, sizeof(sorted[0]), tlane_cmp);
	for (g = 0; g < sizeof(globs) / sizeof(globs[0]); g++) {
		OK(O->lanes_open(s, globs[g], &it, &err));
		for (k = 0; k < NL; k++) {
			if (!sorted[k]->id || (globs[g] && !glob(globs[g], sorted[k]->source)))
				continue;
			IS(1, O->lanes_next(it, &lr, &err));
			ck_assert_uint_eq(lr.id, sorted[k]->id);
			ck_assert_str_eq(lr.ns, sorted[k]->ns);
			ck_assert_str_eq(lr.source, sorted[k]->source);
		}
		IS(0, O->lanes_next(it, &lr, &err));
		O->scan_close(it);
	}
	/* mutations_open: from <= seq < below, in seq order. */
	for (k = 0; k < 60; k++) {
		from = k == 0 ? 0 : rnd(seq + 3);
		below = k == 0 ? UINT64_MAX : k == 1 ? from : from + rnd(seq / 2);
		OK(O->mutations_open(s, from, below, &it, &err));
		for (i = 0; i < NM; i++) {
			const struct tlane *l = &lanes[m[i].lane];
			if (m[i].seq < from || m[i].seq >= below)
				continue;
			IS(1, O->mutations_next(it, &mr, &err));
			ck_assert_uint_eq(mr.seq, m[i].seq);
			ck_assert_uint_eq(mr.lane, l->id);
			ck_assert_str_eq(mr.ns, l->ns);
			ck_assert_str_eq(mr.source, l->source);
			ck_assert_ptr_nonnull(mr.pos);
			ck_assert_mem_eq(mr.pos, m[i].pos, SL_POSKEY_LEN);
			ck_assert_uint_eq(mr.after.count, m[i].after.count);
			ck_assert_uint_eq(mr.after.last, m[i].seq);
			ck_assert_uint_eq(mr.after.head, m[i].after.head);
			ck_assert_mem_eq(mr.after.headpos, m[i].after.headpos, SL_POSKEY_LEN);
		}
		IS(0, O->mutations_next(it, &mr, &err));
		O->scan_close(it);
	}
	O->end_read(s);
	O->close(s);
	free(m);
	end(&f);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Every test, once per backend.
 */

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("conformance");
	size_t b;

	for (b = 0; b < NBACKENDS; b++) {
		int on = !backends[b].available || backends[b].available();
		if (on)
			active[nactive++] = b;
		fprintf(stderr, "store backend %s: %s\n", backends[b].name, on ? "tested" : "not available, skipped");
	}

	tcase_add_unchecked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, create_and_open, 0, nactive);
	tcase_add_loop_test(tc, head_round_trip, 0, nactive);
	tcase_add_loop_test(tc, entries_and_nodes, 0, nactive);
	tcase_add_loop_test(tc, nodes_at_once, 0, nactive);
	tcase_add_loop_test(tc, writers_take_turns, 0, nactive);
	tcase_add_loop_test(tc, entries_at_once, 0, nactive);
	tcase_add_loop_test(tc, rollback_leaves_nothing, 0, nactive);
	tcase_add_loop_test(tc, reader_keeps_its_view, 0, nactive);
	tcase_add_loop_test(tc, second_writer_is_busy, 0, nactive);
	tcase_add_loop_test(tc, writer_reads_its_own_writes, 0, nactive);
	tcase_add_loop_test(tc, size_at, 0, nactive);
	tcase_add_loop_test(tc, meta, 0, nactive);
	tcase_add_loop_test(tc, scan_filters, 0, nactive);
	tcase_add_test(tc, glob_match);
	tcase_add_loop_test(tc, nodes_in_post_order, 0, nactive);
	tcase_add_loop_test(tc, checkpoints, 0, nactive);
	tcase_add_loop_test(tc, snapshot_keys, 0, nactive);
	tcase_add_loop_test(tc, latest_pairs_many, 0, nactive);
	tcase_add_loop_test(tc, writer_beyond_held_streams, 0, nactive);
	tcase_add_loop_test(tc, mutation_index, 0, nactive);
	suite_add_tcase(s, tc);
	return s;
}

/* Start the run's PostgreSQL cluster, or use SL_TEST_PG_DIR's; exit 1 when it cannot start. */
static void pg_start(void)
{
	const char *env = getenv("SL_TEST_PG_DIR");
	char cmd[600];
	int rc;

	if (env && *env) {
		snprintf(pg_dir, sizeof(pg_dir), "%s", env);
		return;
	}
	snprintf(pg_dir, sizeof(pg_dir), "/tmp/sl-u-store-pg-XXXXXX");
	if (!mkdtemp(pg_dir)) {
		perror("mkdtemp");
		exit(EXIT_FAILURE);
	}
	snprintf(cmd, sizeof(cmd), "sh '%s/t/pg-cluster.sh' start '%s' >/dev/null", SL_SRCDIR, pg_dir);
	if ((rc = system(cmd)) != 0) {
		fprintf(stderr, "u-store: fatal: unable to start PostgreSQL for the conformance suite "
			"(t/pg-cluster.sh: %d)\n", rc);
		snprintf(cmd, sizeof(cmd), "sh '%s/t/pg-cluster.sh' stop '%s'", SL_SRCDIR, pg_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "u-store: unable to remove '%s'\n", pg_dir);
		exit(EXIT_FAILURE);
	}
	pg_started = 1;
}

static void pg_stop(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "sh '%s/t/pg-cluster.sh' stop '%s'", SL_SRCDIR, pg_dir);
	if (pg_started && system(cmd) != 0)
		fprintf(stderr, "u-store: unable to stop PostgreSQL in '%s'\n", pg_dir);
}

int main(void)
{
	SRunner *sr;
	int failed;

	pg_start();
	sr = srunner_create(store_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	pg_stop();
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
