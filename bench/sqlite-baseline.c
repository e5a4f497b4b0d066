// SPDX-License-Identifier: MIT
/*
 * sqlite-baseline: the SQLite limit for sl-append.  Stores the rows
 * sl-append would store for the benchmark's entries (bench/gen.h), with
 * nothing else: no JSON parsing, no canonical writer, no hashing.
 *
 *   usage: sqlite-baseline [-O] [-P SQL]... DB N [BATCH [SEED]]
 *
 * The database is made as lib/store-sqlite.c makes a ledger (the same
 * CREATE statements, journal_mode=WAL set at creation, the meta rows that
 * sl-init writes) and then reopened as sl-append opens it
 * (synchronous=FULL, journal_size_limit=0, cache_size=-8192, persistent WAL).  Each batch of
 * BATCH entries (default 10,000, sl-append's default) is one
 * BEGIN IMMEDIATE ... COMMIT transaction that reads the head, inserts every
 * entries row (seq, ts, type, source, entry bytes of exactly the canonical
 * entry's size and content, a 32-byte leaf blob, and the stream columns:
 * stream id, prev, nth, with the partial index over every 16th entry of a
 * source), a streams row the first time a source is seen, for a mutation
 * its row of the mutation index (and a lanes row the first time its
 * (namespace, source) is seen), the interior tree
 * nodes each leaf completes (32-byte blobs at consecutive pos,
 * n - popcount(n) rows in all, as lib/ledger.c stores them), one UPDATE of
 * each stream row the batch touched (as the store does at commit) and the
 * head, with the store's own statements.
 *
 * The rows of each batch (entry text and dummy hashes) are built before the
 * clock starts; only the SQLite work, including the final close (which
 * checkpoints the WAL, as it does when sl-append exits), is timed.
 * Output: KEY=VALUE lines.
 *
 * For "what if" measurements only (make bench uses none of them; see
 * bench/sqlite-whatif.sh):
 *   -O  the format-1 schema of StateLedger 0.1 instead: no streams, and an
 *       index on entries(type, source) (what the streams replaced)
 *   -P  run SQL (e.g. "PRAGMA cache_size = -65536") after the store's pragmas
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sl/store-schema.h"
#include "sl/time.h"
#include "gen.h"

/* The store's own schema (lib/sl/store-schema.h), less the checkpoints table. */
static const char schema[] = SL_STORE_SCHEMA_CORE SL_STORE_SCHEMA_LANES;

/* StateLedger 0.1's format 1, for -O. */
static const char schema_v1[] =
	"PRAGMA application_id = 1397507922;\n"
	"PRAGMA user_version = 1;\n"
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;\n"
	"CREATE TABLE head(id INTEGER PRIMARY KEY CHECK (id = 0), size INTEGER NOT NULL,"
	" root BLOB NOT NULL, ts TEXT NOT NULL);\n"
	"INSERT INTO head VALUES (0, 0, x'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '');\n"
	"CREATE TABLE entries(seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, type TEXT NOT NULL,"
	" source TEXT NOT NULL, entry BLOB NOT NULL, leaf BLOB NOT NULL);\n"
	"CREATE INDEX entries_type_source ON entries(type, source);\n"
	"CREATE TABLE nodes(pos INTEGER PRIMARY KEY, hash BLOB NOT NULL);\n";

/* The stream of each generated source (gen_source_of: 0..GEN_SOURCES-1). */
#define MAX_SOURCES 65536
static struct bstream {
	uint64_t id, last, count; /* id 0: not seen yet */
	int touched;
} streams[MAX_SOURCES];

/* The mutation index's lanes: (source, partition) of a generated mutation; 12 partitions each. */
#define GEN_PARTS 12
static struct blane {
	uint64_t id, count; /* id 0: not seen yet */
} lanes[MAX_SOURCES * GEN_PARTS];

static sqlite3 *db;

static void die(const char *what)
{
	fprintf(stderr, "sqlite-baseline: fatal: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
	exit(111);
}

static void exec(const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(sql);
}

static sqlite3_stmt *prep(const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		die(sql);
	return st;
}

static void step_done(sqlite3_stmt *st, const char *what)
{
	if (sqlite3_step(st) != SQLITE_DONE)
		die(what);
	sqlite3_reset(st);
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		return -1;
	*out = v;
	return 0;
}

struct row {
	const char *type;
	unsigned k; /* gen_source_of */
	char source[96];
	size_t off, len; /* entry bytes in the batch buffer */
	unsigned char leaf[32];
	/* A mutation's index row: its lane (GEN_PARTS per source), namespace and position. */
	int mut;
	unsigned part;
	char ns[64];
	uint64_t pos;
};

int main(int argc, char **argv)
{
	const int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	sqlite3_stmt *put_entry, *put_node, *get_head, *set_head, *stream_new = NULL, *stream_set = NULL,
		     *lane_new = NULL, *lane_put = NULL;
	uint64_t n, batch = 10000, seed = 1, seq = 0, pos = 0, bytes = 0;
	struct row *rows;
	char *buf;
	unsigned char node[32] = { 0 }, root[32] = { 0 };
	double timed = 0, t0, wall0 = now();
	const char *extra[16];
	int one = 1, c, v1 = 0, nextra = 0, i;
	uint64_t nstreams = 0;

	while ((c = getopt(argc, argv, "OP:")) != -1) {
		if (c == 'O')
			v1 = 1;
		else if (c == 'P' && nextra < 16)
			extra[nextra++] = optarg;
		else
			goto usage;
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 3 || argc > 5 || parse_u64(argv[2], &n) < 0 ||
	    (argc > 3 && (parse_u64(argv[3], &batch) < 0 || batch == 0 || batch > 1000000)) ||
	    (argc > 4 && parse_u64(argv[4], &seed) < 0)) {
usage:
		fprintf(stderr, "sqlite-baseline: usage: sqlite-baseline [-O] [-P SQL]... DB N [BATCH [SEED]]\n");
		return 2;
	}
	if (!(rows = calloc(batch, sizeof(*rows))) || !(buf = malloc(batch * 1024)))
		die("out of memory");

	/* Create, as sl-init does (lib/store-sqlite.c with SL_STORE_CREATE). */
	if (sqlite3_open_v2(argv[1], &db, oflags | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		die("unable to create the database");
	exec("PRAGMA journal_mode = WAL");
	exec("BEGIN IMMEDIATE");
	exec(v1 ? schema_v1 : schema);
	exec("COMMIT");
	exec("INSERT OR REPLACE INTO meta(key, value) VALUES ('origin', 'bench'), "
	     "('format', 'stateledger-1')");
	sqlite3_close(db);

	/* Open, as sl-append does (a writer). */
	t0 = now();
	if (sqlite3_open_v2(argv[1], &db, oflags, NULL) != SQLITE_OK)
		die("unable to open the database");
	sqlite3_extended_result_codes(db, 1);
	sqlite3_busy_timeout(db, 10000);
	exec("PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 0");
	sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	exec("PRAGMA cache_size = -8192");
	for (i = 0; i < nextra; i++)
		exec(extra[i]);
	if (!v1) {
		stream_new = prep("INSERT INTO streams(type, source, last, count) VALUES (?, ?, -1, 0)");
		stream_set = prep("UPDATE streams SET last = ?, count = ? WHERE id = ?");
	}
	put_entry = v1 ? prep("INSERT INTO entries(seq, ts, type, source, entry, leaf) VALUES (?,?,?,?,?,?)")
		       : prep("INSERT INTO entries(seq, ts, type, source, entry, leaf, stream, prev, nth)"
			      " VALUES (?,?,?,?,?,?,?,?,?)");
	put_node = prep("INSERT INTO nodes(pos, hash) VALUES (?,?)");
	if (!v1) {
		lane_new = prep("INSERT INTO lanes(namespace, source) VALUES (?, ?)");
		lane_put = prep("INSERT INTO mutations(seq, lane, pos, count, head, headpos)"
				" VALUES (?, ?, ?, ?, ?, ?)");
	}
	get_head = prep("SELECT size, root, ts FROM head WHERE id = 0");
	set_head = prep("UPDATE head SET size = ?, root = ?, ts = ? WHERE id = 0");
	timed += now() - t0;

	while (seq < n) {
		uint64_t m = n - seq < batch ? n - seq : batch, j;
		char ts[SL_TS_LEN + 1];
		int64_t usec;
		size_t used = 0;

		/* Untimed: the rows, as sl-append would have them ready. */
		if (sl_time_now(&usec) < 0 || sl_time_format(ts, usec) < 0)
			die("unable to read the clock");
		for (j = 0; j < m; j++) {
			struct gen_row g;
			struct row *r = &rows[j];
			char *p = buf + used;
			uint64_t h;
			int k;

			gen_row(seed, seq + j, &g);
			r->type = g.type;
			r->k = gen_source_of(seed, seq + j);
			if (r->k >= MAX_SOURCES)
				die("too many sources");
			memcpy(r->source, g.source, g.source_len + 1);
			p = gen_str(p, "{\"payload\":");
			memcpy(p, g.payload, g.payload_len);
			p += g.payload_len;
			p = gen_str(p, ",\"seq\":");
			p = gen_u64(p, seq + j);
			p = gen_str(p, ",\"source\":\"");
			p = gen_str(p, g.source);
			p = gen_str(p, "\",\"ts\":\"");
			p = gen_str(p, ts);
			p = gen_str(p, "\",\"type\":\"");
			p = gen_str(p, g.type);
			p = gen_str(p, "\"}");
			r->off = used;
			r->len = (size_t)(p - (buf + used));
			used += r->len;
			bytes += r->len;
			r->mut = !strcmp(g.type, "mutation");
			if (r->mut) {
				/* The store's key: the namespace and position sl-append reads from the payload. */
				const char *a = strstr(g.payload, "\"namespace\":\""), *b, *q;
				size_t nl;
				if (!a || !(b = strchr(a + 13, '"')) || (nl = (size_t)(b - a - 13)) >= sizeof(r->ns) ||
				    !(q = strstr(g.payload, "\"position\":")))
					die("a generated mutation without a key");
				memcpy(r->ns, a + 13, nl);
				r->ns[nl] = '\0';
				r->part = (unsigned)strtoul(strrchr(r->ns, '/') + 1, NULL, 10) % GEN_PARTS;
				r->pos = strtoull(q + 11, NULL, 10);
			}
			h = gen_mix(seq + j);
			for (k = 0; k < 32; k++)
				r->leaf[k] = (unsigned char)(h >> (8 * (k & 7)));
		}

		t0 = now();
		exec("BEGIN IMMEDIATE");
		if (sqlite3_step(get_head) != SQLITE_ROW)
			die("unable to read the head");
		sqlite3_reset(get_head);
		for (j = 0; j < m; j++) {
			struct row *r = &rows[j];
			uint64_t s = seq + j, done;

			sqlite3_bind_int64(put_entry, 1, (sqlite3_int64)s);
			sqlite3_bind_text(put_entry, 2, ts, SL_TS_LEN, SQLITE_STATIC);
			sqlite3_bind_text(put_entry, 3, r->type, -1, SQLITE_STATIC);
			sqlite3_bind_text(put_entry, 4, r->source, -1, SQLITE_STATIC);
			sqlite3_bind_blob(put_entry, 5, buf + r->off, (int)r->len, SQLITE_STATIC);
			sqlite3_bind_blob(put_entry, 6, r->leaf, 32, SQLITE_STATIC);
			if (!v1) {
				/* The store keeps the stream rows in memory; a new one is inserted at once. */
				struct bstream *x = &streams[r->k];
				if (!x->id) {
					sqlite3_bind_text(stream_new, 1, r->type, -1, SQLITE_STATIC);
					sqlite3_bind_text(stream_new, 2, r->source, -1, SQLITE_STATIC);
					step_done(stream_new, "unable to insert a stream");
					x->id = ++nstreams;
				}
				sqlite3_bind_int64(put_entry, 7, (sqlite3_int64)x->id);
				if (x->count)
					sqlite3_bind_int64(put_entry, 8, (sqlite3_int64)x->last);
				else
					sqlite3_bind_null(put_entry, 8);
				sqlite3_bind_int64(put_entry, 9, (sqlite3_int64)x->count);
				x->last = s;
				x->count++;
				x->touched = 1;
			}
			step_done(put_entry, "unable to insert an entry");
			if (!v1 && r->mut) {
				/* Its row of the mutation index (positions rise: each is its lane's head). */
				struct blane *ln = &lanes[r->k * GEN_PARTS + r->part];
				unsigned char pk[9];
				int b;
				if (!ln->id) {
					sqlite3_bind_text(lane_new, 1, r->ns, -1, SQLITE_STATIC);
					sqlite3_bind_text(lane_new, 2, r->source, -1, SQLITE_STATIC);
					step_done(lane_new, "unable to insert a lane");
					ln->id = (uint64_t)sqlite3_last_insert_rowid(db);
				}
				pk[0] = 1;
				for (b = 8; b >= 1; b--)
					pk[b] = (unsigned char)(r->pos >> (8 * (8 - b)));
				ln->count++;
				sqlite3_bind_int64(lane_put, 1, (sqlite3_int64)s);
				sqlite3_bind_int64(lane_put, 2, (sqlite3_int64)ln->id);
				sqlite3_bind_blob(lane_put, 3, pk, 9, SQLITE_TRANSIENT);
				sqlite3_bind_int64(lane_put, 4, (sqlite3_int64)ln->count);
				sqlite3_bind_int64(lane_put, 5, (sqlite3_int64)s);
				sqlite3_bind_blob(lane_put, 6, pk, 9, SQLITE_TRANSIENT);
				step_done(lane_put, "unable to insert a mutation index row");
			}
			/* Leaf s completes one interior node per trailing one bit of s. */
			for (done = s; done & 1; done >>= 1) {
				node[0] = (unsigned char)pos;
				sqlite3_bind_int64(put_node, 1, (sqlite3_int64)pos++);
				sqlite3_bind_blob(put_node, 2, node, 32, SQLITE_STATIC);
				step_done(put_node, "unable to insert a node");
			}
		}
		root[0] = (unsigned char)seq;
		sqlite3_bind_int64(set_head, 1, (sqlite3_int64)(seq + m));
		sqlite3_bind_blob(set_head, 2, root, 32, SQLITE_STATIC);
		sqlite3_bind_text(set_head, 3, ts, -1, SQLITE_STATIC);
		step_done(set_head, "unable to update the head");
		for (j = 0; !v1 && j < MAX_SOURCES; j++) {
			if (!streams[j].touched)
				continue;
			sqlite3_bind_int64(stream_set, 1, (sqlite3_int64)streams[j].last);
			sqlite3_bind_int64(stream_set, 2, (sqlite3_int64)streams[j].count);
			sqlite3_bind_int64(stream_set, 3, (sqlite3_int64)streams[j].id);
			step_done(stream_set, "unable to update a stream");
			streams[j].touched = 0;
		}
		exec("COMMIT");
		timed += now() - t0;
		seq += m;
	}
	t0 = now();
	sqlite3_finalize(put_entry);
	sqlite3_finalize(stream_new);
	sqlite3_finalize(stream_set);
	sqlite3_finalize(put_node);
	sqlite3_finalize(lane_new);
	sqlite3_finalize(lane_put);
	sqlite3_finalize(get_head);
	sqlite3_finalize(set_head);
	if (sqlite3_close(db) != SQLITE_OK)
		die("unable to close the database");
	db = NULL;
	timed += now() - t0;

	printf("baseline_entries=%llu\n", (unsigned long long)n);
	printf("baseline_variant=%s%s\n", v1 ? "format-1-index" : "store", nextra ? "+pragmas" : "");
	printf("baseline_nodes=%llu\n", (unsigned long long)pos);
	printf("baseline_entry_bytes=%llu\n", (unsigned long long)bytes);
	printf("baseline_batch=%llu\n", (unsigned long long)batch);
	printf("baseline_seconds=%.6f\n", timed);
	printf("baseline_rate=%.0f\n", timed > 0 ? (double)n / timed : 0.0);
	printf("baseline_sqlite_version=%s\n", sqlite3_libversion());
	printf("baseline_wall_seconds=%.6f\n", now() - wall0);
	free(rows);
	free(buf);
	return 0;
}
