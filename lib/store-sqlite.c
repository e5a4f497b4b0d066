// SPDX-License-Identifier: MIT
/*
 * The SQLite backend of the store.  The only file of libsl that holds SQL.
 *
 * Layout: `entries` (seq = rowid, so appends write at the end of the
 * b-tree; each with its leaf hash), `nodes` (every complete interior
 * subtree, keyed by its post-order position, also appended at the end), `head` (one row: size, root, ts of
 * the last entry), `meta` (origin, format) and `checkpoints` (every signed
 * note with the verifier key that signed it).  WAL with synchronous=FULL:
 * a commit that returns is on disk.  ts is non-decreasing in seq, so the
 * entries at or before a time are found by binary search on seq and need
 * no index of their own.
 */
#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sl/merkle.h"
#include "sl/store.h"

#define SL_APP_ID 0x534c4752 /* "SLGR" */
#define SL_FORMAT 1

struct sqlite_store {
	struct sl_store base;
	sqlite3 *db;
	sqlite3_stmt *put_entry, *get_entry, *put_node, *get_node, *get_head, *set_head;
	sqlite3_stmt *get_ts, *get_leaf;
	sqlite3_stmt *key_ge, *latest; /* snapshots: prepared on first use */
	int in_txn;
};

struct sqlite_scan {
	struct sqlite_store *s;
	sqlite3_stmt *st;
};

static const char schema[] =
	"PRAGMA application_id = 1397507922;\n" /* SL_APP_ID */
	"PRAGMA user_version = 1;\n"
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;\n"
	"CREATE TABLE head(id INTEGER PRIMARY KEY CHECK (id = 0), size INTEGER NOT NULL,"
	" root BLOB NOT NULL, ts TEXT NOT NULL);\n"
	"INSERT INTO head VALUES (0, 0, x'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '');\n"
	"CREATE TABLE entries(seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, type TEXT NOT NULL,"
	" source TEXT NOT NULL, entry BLOB NOT NULL, leaf BLOB NOT NULL);\n"
	"CREATE INDEX entries_type_source ON entries(type, source);\n"
	"CREATE TABLE nodes(pos INTEGER PRIMARY KEY, hash BLOB NOT NULL);\n"
	"CREATE TABLE checkpoints(id INTEGER PRIMARY KEY, size INTEGER NOT NULL,"
	" root BLOB NOT NULL, note TEXT NOT NULL, vkey TEXT NOT NULL);\n";

/*
 * Ledgers made before checkpoints existed lack the table; a writer that
 * stores a checkpoint creates it inside its own write transaction, so that
 * opening a ledger never takes the write lock.  The format number stays 1:
 * the table is only added, and readers treat its absence as "none".
 */
static const char checkpoints_table[] =
	"CREATE TABLE IF NOT EXISTS checkpoints(id INTEGER PRIMARY KEY, size INTEGER NOT NULL,"
	" root BLOB NOT NULL, note TEXT NOT NULL, vkey TEXT NOT NULL)";

static int map(struct sqlite_store *s, int rc, struct sl_error *err, const char *what)
{
	int code;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: code = SL_EBUSY; break;
	case SQLITE_NOMEM: code = SL_ENOMEM; break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FORMAT:
	case SQLITE_SCHEMA:
	case SQLITE_MISMATCH:
	case SQLITE_CONSTRAINT: code = SL_ECORRUPT; break;
	default: code = SL_EIO;
	}
	return sl_error_set(err, code, "%s: %s", what,
			    s && s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
}

static int prep(struct sqlite_store *s, sqlite3_stmt **st, const char *sql, struct sl_error *err)
{
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	return rc == SQLITE_OK ? 0 : map(s, rc, err, "unable to prepare a statement");
}

static int exec(struct sqlite_store *s, const char *sql, struct sl_error *err, const char *what)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : map(s, rc, err, what);
}

static void sq_close(struct sl_store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;

	if (!s)
		return;
	if (s->in_txn)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_finalize(s->put_entry);
	sqlite3_finalize(s->get_entry);
	sqlite3_finalize(s->put_node);
	sqlite3_finalize(s->get_node);
	sqlite3_finalize(s->get_head);
	sqlite3_finalize(s->set_head);
	sqlite3_finalize(s->get_ts);
	sqlite3_finalize(s->get_leaf);
	sqlite3_finalize(s->key_ge);
	sqlite3_finalize(s->latest);
	sqlite3_close(s->db);
	free(s);
}

extern const struct sl_store_ops sl_store_sqlite;

/*
 * A reader that may not write the ledger's directory cannot create the
 * -shm file a WAL database needs.  When no -wal file exists either, every
 * committed transaction is in the main file, and it is opened immutable.
 */
static int reopen_immutable(struct sqlite_store *s, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	struct sl_buf uri = SL_BUF_INIT, wal = SL_BUF_INIT;
	const char *p;
	int rc;

	sl_buf_addf(&wal, "%s-wal", path);
	if (sl_buf_ok(&wal) || access(wal.buf, F_OK) == 0 || errno != ENOENT) {
		sl_buf_release(&wal);
		return SQLITE_CANTOPEN;
	}
	sl_buf_release(&wal);
	sl_buf_addstr(&uri, "file:");
	for (p = path; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '%' || c == '?' || c == '#' || c < 0x21 || c > 0x7e) {
			char q[3] = { '%', hex[c >> 4], hex[c & 15] };
			sl_buf_add(&uri, q, 3);
		} else {
			sl_buf_addch(&uri, c);
		}
	}
	sl_buf_addstr(&uri, "?mode=ro&immutable=1");
	if (sl_buf_ok(&uri))
		return SQLITE_NOMEM;
	sqlite3_close(s->db);
	s->db = NULL;
	rc = sqlite3_open_v2(uri.buf, &s->db,
			     SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
	sl_buf_release(&uri);
	return rc;
}

static int sq_open(struct sl_store **out, const char *path, int flags, int busy_ms,
		   struct sl_error *err)
{
	struct sqlite_store *s;
	int oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	int rc, e;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return SL_ENOMEM;
	s->base.ops = &sl_store_sqlite;
	oflags |= (flags & SL_STORE_RDONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (flags & SL_STORE_CREATE)
		oflags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &s->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		e = map(s, rc, err, "unable to open the database");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	sqlite3_busy_timeout(s->db, busy_ms);
	if (flags & SL_STORE_CREATE) {
		/* journal_mode=WAL is persistent: set once, here. */
		if ((e = exec(s, "PRAGMA journal_mode = WAL", err, "unable to set WAL mode")) < 0 ||
		    (e = exec(s, "BEGIN IMMEDIATE", err, "unable to create the database")) < 0)
			goto fail;
		if ((e = exec(s, schema, err, "unable to create the database")) < 0 ||
		    (e = exec(s, "COMMIT", err, "unable to create the database")) < 0)
			goto fail;
	} else {
		sqlite3_stmt *st;
		int app = 0, ver = 0;

		rc = sqlite3_prepare_v2(s->db, "PRAGMA application_id", -1, &st, NULL);
		if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
			app = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if ((flags & SL_STORE_RDONLY) &&
		    ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN)) {
			int rc2 = reopen_immutable(s, path);
			if (rc2 == SQLITE_OK) {
				rc = sqlite3_prepare_v2(s->db, "PRAGMA application_id", -1, &st, NULL);
				if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
					app = sqlite3_column_int(st, 0);
				sqlite3_finalize(st);
			}
		}
		if (rc != SQLITE_ROW) {
			e = map(s, rc, err, "unable to read the database");
			goto fail;
		}
		rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);
		if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
			ver = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (app != SL_APP_ID) {
			e = sl_error_set(err, SL_ENOLEDGER, "not a StateLedger database");
			goto fail;
		}
		if (ver != SL_FORMAT) {
			e = sl_error_set(err, SL_ECORRUPT, "database format %d, this program reads %d",
					 ver, SL_FORMAT);
			goto fail;
		}
	}
	if (!(flags & SL_STORE_RDONLY)) {
		int one = 1;

		/*
		 * journal_size_limit=0: after a checkpoint the -wal file is cut back,
		 * so a reader opening the ledger does not rescan frames already in
		 * the main file (measured in doc/BENCHMARKS.md: 24.6 -> 10.4 ms).
		 */
		if ((e = exec(s, "PRAGMA synchronous = FULL; PRAGMA journal_size_limit = 0", err,
			      "unable to configure the database")) < 0)
			goto fail;
		/*
		 * Keep -wal and -shm when the last writer closes: a reader that may
		 * not write the directory can open a WAL database only if they exist.
		 */
		sqlite3_file_control(s->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
	}
	/*
	 * A bounded page cache and no mmap: mapped pages would count in the
	 * resident size, which must not grow with the ledger.
	 */
	if ((e = exec(s, "PRAGMA cache_size = -8192", err, "unable to configure the database")) < 0)
		goto fail;
	if ((e = prep(s, &s->put_entry, "INSERT INTO entries(seq, ts, type, source, entry, leaf) VALUES (?,?,?,?,?,?)", err)) < 0 ||
	    (e = prep(s, &s->get_entry, "SELECT seq, ts, type, source, entry, leaf FROM entries WHERE seq = ?", err)) < 0 ||
	    (e = prep(s, &s->put_node, "INSERT INTO nodes(pos, hash) VALUES (?,?)", err)) < 0 ||
	    (e = prep(s, &s->get_node, "SELECT hash FROM nodes WHERE pos = ?", err)) < 0 ||
	    (e = prep(s, &s->get_head, "SELECT size, root, ts FROM head WHERE id = 0", err)) < 0 ||
	    (e = prep(s, &s->set_head, "UPDATE head SET size = ?, root = ?, ts = ? WHERE id = 0", err)) < 0 ||
	    (e = prep(s, &s->get_ts, "SELECT ts FROM entries WHERE seq = ?", err)) < 0 ||
	    (e = prep(s, &s->get_leaf, "SELECT leaf FROM entries WHERE seq = ?", err)) < 0)
		goto fail;
	*out = &s->base;
	return 0;
fail:
	sq_close(&s->base);
	return e;
}

static int sq_begin_read(struct sl_store *base, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	int e;

	/* A deferred transaction takes its snapshot at the first read. */
	if ((e = exec(s, "BEGIN", err, "unable to begin a read")) < 0)
		return e;
	s->in_txn = 1;
	return 0;
}

static void sq_end_read(struct sl_store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;

	if (s->in_txn)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	s->in_txn = 0;
}

static int sq_begin_write(struct sl_store *base, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	int e;

	if ((e = exec(s, "BEGIN IMMEDIATE", err, "unable to lock the ledger for writing")) < 0)
		return e;
	s->in_txn = 1;
	return 0;
}

static int sq_commit(struct sl_store *base, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	int e = exec(s, "COMMIT", err, "unable to commit");

	if (e < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_txn = 0;
		return e;
	}
	s->in_txn = 0;
	return 0;
}

static void sq_rollback(struct sl_store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;

	if (s->in_txn)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_txn = 0;
}

static int step_done(struct sqlite_store *s, sqlite3_stmt *st, struct sl_error *err, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : map(s, rc, err, what);
}

static int sq_get_head(struct sl_store *base, struct sl_head *h, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = s->get_head;
	int rc = sqlite3_step(st), e = 0;

	if (rc != SQLITE_ROW) {
		e = rc == SQLITE_DONE ? sl_error_set(err, SL_ECORRUPT, "the head row is missing")
				      : map(s, rc, err, "unable to read the head");
	} else {
		sqlite3_int64 size = sqlite3_column_int64(st, 0);
		const void *root = sqlite3_column_blob(st, 1);
		const unsigned char *ts = sqlite3_column_text(st, 2);
		if (size < 0 || !root || sqlite3_column_bytes(st, 1) != SL_HASH_LEN || !ts ||
		    strlen((const char *)ts) > SL_TS_LEN) {
			e = sl_error_set(err, SL_ECORRUPT, "the head row is malformed");
		} else {
			h->size = (uint64_t)size;
			memcpy(h->root, root, SL_HASH_LEN);
			snprintf(h->ts, sizeof(h->ts), "%s", (const char *)ts);
		}
	}
	sqlite3_reset(st);
	return e;
}

static int sq_set_head(struct sl_store *base, const struct sl_head *h, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = s->set_head;

	if (h->size > INT64_MAX)
		return sl_error_set(err, SL_ERANGE, "tree too large");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)h->size);
	sqlite3_bind_blob(st, 2, h->root, SL_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, h->ts, -1, SQLITE_STATIC);
	return step_done(s, st, err, "unable to write the head");
}

static int sq_put_entry(struct sl_store *base, uint64_t seq, const char *ts, const char *type,
			const char *source, const void *entry, size_t len,
			const unsigned char leaf[SL_HASH_LEN], struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = s->put_entry;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	sqlite3_bind_text(st, 2, ts, SL_TS_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, entry, (int)len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, leaf, SL_HASH_LEN, SQLITE_STATIC);
	return step_done(s, st, err, "unable to write an entry");
}

static int row_from(sqlite3_stmt *st, struct sl_entry_row *row, struct sl_error *err)
{
	sqlite3_int64 seq = sqlite3_column_int64(st, 0);

	row->ts = (const char *)sqlite3_column_text(st, 1);
	row->type = (const char *)sqlite3_column_text(st, 2);
	row->source = (const char *)sqlite3_column_text(st, 3);
	row->entry = sqlite3_column_blob(st, 4);
	row->len = (size_t)sqlite3_column_bytes(st, 4);
	row->leaf = sqlite3_column_blob(st, 5);
	if (sqlite3_column_bytes(st, 5) != SL_HASH_LEN)
		row->leaf = NULL;
	if (seq < 0 || !row->ts || !row->type || !row->source || !row->entry)
		return sl_error_set(err, SL_ECORRUPT, "entry row %lld is malformed", (long long)seq);
	row->seq = (uint64_t)seq;
	return 0;
}

static int sq_get_entry(struct sl_store *base, uint64_t seq, struct sl_entry_row *row,
			struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = s->get_entry;
	int rc;

	if (seq > INT64_MAX)
		return SL_ENOTFOUND;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		return sl_error_set(err, SL_ENOTFOUND, "no entry %llu", (unsigned long long)seq);
	if (rc != SQLITE_ROW)
		return map(s, rc, err, "unable to read an entry");
	/* The row stays valid until the next call resets the statement. */
	return row_from(st, row, err);
}

static int sq_put_node(struct sl_store *base, unsigned level, uint64_t index,
		       const unsigned char hash[SL_HASH_LEN], struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = s->put_node;

	if (level == 0)
		return sl_error_set(err, SL_EUSAGE, "leaf hashes are stored with their entries");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)sl_merkle_interior_pos(level, index));
	sqlite3_bind_blob(st, 2, hash, SL_HASH_LEN, SQLITE_STATIC);
	return step_done(s, st, err, "unable to write a tree node");
}

static int sq_get_node(struct sl_store *base, unsigned level, uint64_t index,
		       unsigned char out[SL_HASH_LEN], struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = level ? s->get_node : s->get_leaf;
	uint64_t pos = level ? sl_merkle_interior_pos(level, index) : index;
	int rc, e = 0;

	if (pos > INT64_MAX)
		return sl_error_set(err, SL_ENOTFOUND, "tree node beyond any stored tree");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)pos);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) != SL_HASH_LEN)
			e = sl_error_set(err, SL_ECORRUPT, "tree node (level %u, index %llu) is not 32 bytes",
					 level, (unsigned long long)index);
		else
			memcpy(out, sqlite3_column_blob(st, 0), SL_HASH_LEN);
	} else if (rc == SQLITE_DONE) {
		e = sl_error_set(err, SL_ENOTFOUND, "tree node (level %u, index %llu) is missing", level,
				 (unsigned long long)index);
	} else {
		e = map(s, rc, err, "unable to read a tree node");
	}
	sqlite3_reset(st);
	return e;
}

static int get_ts(struct sqlite_store *s, uint64_t seq, char out[SL_TS_LEN + 1], struct sl_error *err)
{
	sqlite3_stmt *st = s->get_ts;
	int rc, e = 0;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		snprintf(out, SL_TS_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
	else if (rc == SQLITE_DONE)
		e = sl_error_set(err, SL_ECORRUPT, "entry %llu is missing", (unsigned long long)seq);
	else
		e = map(s, rc, err, "unable to read an entry");
	sqlite3_reset(st);
	return e;
}

static int sq_size_at(struct sl_store *base, const char *ts, uint64_t *n, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct sl_head h;
	uint64_t lo = 0, hi;
	char t[SL_TS_LEN + 1];
	int e;

	if ((e = sq_get_head(base, &h, err)) < 0)
		return e;
	/* First seq whose ts is after `ts`: ts is non-decreasing in seq. */
	hi = h.size;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if ((e = get_ts(s, mid, t, err)) < 0)
			return e;
		if (strcmp(t, ts) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*n = lo;
	return 0;
}

static int first_after(struct sqlite_store *s, const char *ts, int inclusive, uint64_t *n,
		       struct sl_error *err)
{
	struct sl_head h;
	uint64_t lo = 0, hi;
	char t[SL_TS_LEN + 1];
	int e;

	if ((e = sq_get_head(&s->base, &h, err)) < 0)
		return e;
	hi = h.size;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		int c;
		if ((e = get_ts(s, mid, t, err)) < 0)
			return e;
		c = strcmp(t, ts);
		if (inclusive ? c < 0 : c <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*n = lo;
	return 0;
}

static int sq_meta_get(struct sl_store *base, const char *key, struct sl_buf *val,
		       struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st;
	int rc, e = 0;

	if ((rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL)))
		return map(s, rc, err, "unable to read metadata");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sl_buf_reset(val);
		sl_buf_add(val, sqlite3_column_text(st, 0), (size_t)sqlite3_column_bytes(st, 0));
		e = sl_buf_ok(val);
	} else if (rc == SQLITE_DONE) {
		e = sl_error_set(err, SL_ENOTFOUND, "no metadata '%s'", key);
	} else {
		e = map(s, rc, err, "unable to read metadata");
	}
	sqlite3_finalize(st);
	return e;
}

static int sq_meta_set(struct sl_store *base, const char *key, const char *val, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(s->db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)",
				     -1, &st, NULL)))
		return map(s, rc, err, "unable to write metadata");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : map(s, rc, err, "unable to write metadata");
}

static int sq_scan_open(struct sl_store *base, const struct sl_filter *f, struct sl_scan **out,
			struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct sqlite_scan *it;
	struct sl_buf sql = SL_BUF_INIT;
	uint64_t lo = f->from, hi = f->below ? f->below : (uint64_t)INT64_MAX, n;
	int rc, i = 1, e;

	/* Times become a seq range by binary search (ts is ordered by seq). */
	if (f->since) {
		if ((e = first_after(s, f->since, 1, &n, err)) < 0)
			return e;
		if (n > lo)
			lo = n;
	}
	if (f->until) {
		if ((e = first_after(s, f->until, 0, &n, err)) < 0)
			return e;
		if (n < hi)
			hi = n;
	}
	if (hi > (uint64_t)INT64_MAX)
		hi = (uint64_t)INT64_MAX;
	sl_buf_addstr(&sql, "SELECT seq, ts, type, source, entry, leaf FROM entries WHERE seq >= ? AND seq < ?");
	if (f->type)
		sl_buf_addstr(&sql, " AND type = ?");
	if (f->source)
		sl_buf_addstr(&sql, " AND source GLOB ?");
	sl_buf_addstr(&sql, " ORDER BY seq");
	if (f->limit)
		sl_buf_addstr(&sql, " LIMIT ?");
	if ((e = sl_buf_ok(&sql)) < 0)
		return e;
	if (!(it = calloc(1, sizeof(*it)))) {
		sl_buf_release(&sql);
		return SL_ENOMEM;
	}
	it->s = s;
	rc = sqlite3_prepare_v2(s->db, sql.buf, -1, &it->st, NULL);
	sl_buf_release(&sql);
	if (rc != SQLITE_OK) {
		free(it);
		return map(s, rc, err, "unable to list entries");
	}
	sqlite3_bind_int64(it->st, i++, (sqlite3_int64)(lo > (uint64_t)INT64_MAX ? INT64_MAX : lo));
	sqlite3_bind_int64(it->st, i++, (sqlite3_int64)hi);
	if (f->type)
		sqlite3_bind_text(it->st, i++, f->type, -1, SQLITE_TRANSIENT);
	if (f->source)
		sqlite3_bind_text(it->st, i++, f->source, -1, SQLITE_TRANSIENT);
	if (f->limit)
		sqlite3_bind_int64(it->st, i++, f->limit > INT64_MAX ? INT64_MAX : (sqlite3_int64)f->limit);
	*out = (struct sl_scan *)it;
	return 0;
}

static int sq_scan_next(struct sl_scan *base, struct sl_entry_row *row, struct sl_error *err)
{
	struct sqlite_scan *it = (struct sqlite_scan *)base;
	int rc = sqlite3_step(it->st), e;

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return map(it->s, rc, err, "unable to read entries");
	if ((e = row_from(it->st, row, err)) < 0)
		return e;
	return 1;
}

static int sq_nodes_open(struct sl_store *base, uint64_t from, struct sl_scan **out,
			 struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct sqlite_scan *it;
	int rc;

	if (!(it = calloc(1, sizeof(*it))))
		return SL_ENOMEM;
	it->s = s;
	rc = sqlite3_prepare_v2(s->db, "SELECT pos, hash FROM nodes WHERE pos >= ? ORDER BY pos", -1,
				&it->st, NULL);
	if (rc != SQLITE_OK) {
		free(it);
		return map(s, rc, err, "unable to read tree nodes");
	}
	sqlite3_bind_int64(it->st, 1, (sqlite3_int64)from);
	*out = (struct sl_scan *)it;
	return 0;
}

static int sq_nodes_next(struct sl_scan *base, uint64_t *pos, unsigned char hash[SL_HASH_LEN],
			 struct sl_error *err)
{
	struct sqlite_scan *it = (struct sqlite_scan *)base;
	int rc = sqlite3_step(it->st);

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return map(it->s, rc, err, "unable to read tree nodes");
	*pos = (uint64_t)sqlite3_column_int64(it->st, 0);
	if (sqlite3_column_bytes(it->st, 1) != SL_HASH_LEN) {
		memset(hash, 0, SL_HASH_LEN);
		return 1; /* the caller compares and names the node */
	}
	memcpy(hash, sqlite3_column_blob(it->st, 1), SL_HASH_LEN);
	return 1;
}

static void sq_scan_close(struct sl_scan *base)
{
	struct sqlite_scan *it = (struct sqlite_scan *)base;

	if (!it)
		return;
	sqlite3_finalize(it->st);
	free(it);
}

static int sq_put_checkpoint(struct sl_store *base, uint64_t size,
			     const unsigned char root[SL_HASH_LEN], const char *note, const char *vkey,
			     struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st;
	int rc, e;

	if (!s->in_txn)
		return sl_error_set(err, SL_EUSAGE, "a checkpoint is stored inside a write transaction");
	if (size > INT64_MAX)
		return sl_error_set(err, SL_ERANGE, "tree too large");
	if ((e = exec(s, checkpoints_table, err, "unable to create the checkpoints table")) < 0)
		return e;
	rc = sqlite3_prepare_v2(s->db, "INSERT INTO checkpoints(size, root, note, vkey) VALUES (?,?,?,?)",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return map(s, rc, err, "unable to store a checkpoint");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)size);
	sqlite3_bind_blob(st, 2, root, SL_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, vkey, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : map(s, rc, err, "unable to store a checkpoint");
}

/* 1 when the checkpoints table exists, 0 when not (an older ledger). */
static int have_checkpoints(struct sqlite_store *s, struct sl_error *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
				"name = 'checkpoints'", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return map(s, rc, err, "unable to read the schema");
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : map(s, rc, err, "unable to read the schema");
}

static int cp_row(sqlite3_stmt *st, struct sl_checkpoint_row *row, struct sl_error *err)
{
	sqlite3_int64 id = sqlite3_column_int64(st, 0), size = sqlite3_column_int64(st, 1);

	row->root = sqlite3_column_blob(st, 2);
	if (sqlite3_column_bytes(st, 2) != SL_HASH_LEN)
		row->root = NULL;
	row->note = (const char *)sqlite3_column_text(st, 3);
	row->note_len = (size_t)sqlite3_column_bytes(st, 3);
	row->vkey = (const char *)sqlite3_column_text(st, 4);
	if (id < 1 || size < 0 || !row->note || !row->vkey)
		return sl_error_set(err, SL_ECORRUPT, "checkpoint row %lld is malformed", (long long)id);
	row->id = (uint64_t)id;
	row->size = (uint64_t)size;
	return 0;
}

static int sq_last_checkpoint(struct sl_store *base, uint64_t *id, struct sl_buf *note,
			      struct sl_buf *vkey, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct sl_checkpoint_row row;
	sqlite3_stmt *st;
	int rc, e;

	if ((e = have_checkpoints(s, err)) <= 0)
		return e < 0 ? e : sl_error_set(err, SL_ENOTFOUND, "no checkpoint");
	rc = sqlite3_prepare_v2(s->db, "SELECT id, size, root, note, vkey FROM checkpoints "
				"ORDER BY id DESC LIMIT 1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return map(s, rc, err, "unable to read checkpoints");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((e = cp_row(st, &row, err)) == 0) {
			*id = row.id;
			sl_buf_reset(note);
			sl_buf_add(note, row.note, row.note_len);
			sl_buf_reset(vkey);
			sl_buf_addstr(vkey, row.vkey);
			e = sl_buf_ok(note) < 0 ? SL_ENOMEM : sl_buf_ok(vkey);
		}
	} else if (rc == SQLITE_DONE) {
		e = sl_error_set(err, SL_ENOTFOUND, "no checkpoint");
	} else {
		e = map(s, rc, err, "unable to read checkpoints");
	}
	sqlite3_finalize(st);
	return e;
}

static int sq_checkpoints_open(struct sl_store *base, uint64_t from, struct sl_scan **out,
			       struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct sqlite_scan *it;
	int rc, e;

	if ((e = have_checkpoints(s, err)) < 0)
		return e;
	if (!(it = calloc(1, sizeof(*it))))
		return SL_ENOMEM;
	it->s = s;
	/* Without the table, an empty list: a query over nothing. */
	rc = sqlite3_prepare_v2(s->db, e ? "SELECT id, size, root, note, vkey FROM checkpoints "
					   "WHERE id >= ? ORDER BY id"
					 : "SELECT 0, 0, NULL, NULL, NULL WHERE ? < 0",
				-1, &it->st, NULL);
	if (rc != SQLITE_OK) {
		free(it);
		return map(s, rc, err, "unable to read checkpoints");
	}
	sqlite3_bind_int64(it->st, 1, from > INT64_MAX ? INT64_MAX : (sqlite3_int64)from);
	*out = (struct sl_scan *)it;
	return 0;
}

static int sq_checkpoints_next(struct sl_scan *base, struct sl_checkpoint_row *row,
			       struct sl_error *err)
{
	struct sqlite_scan *it = (struct sqlite_scan *)base;
	int rc = sqlite3_step(it->st), e;

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return map(it->s, rc, err, "unable to read checkpoints");
	if ((e = cp_row(it->st, row, err)) < 0)
		return e;
	return 1;
}

/* Prepare a statement once per store, on first use. */
static int cached(struct sqlite_store *s, sqlite3_stmt **st, const char *sql, struct sl_error *err)
{
	if (*st) {
		sqlite3_reset(*st);
		sqlite3_clear_bindings(*st);
		return 0;
	}
	return prep(s, st, sql, err);
}

/*
 * One probe of the (type, source) index: the first pair >= (a, b), the
 * strings given with their lengths.  1 with the pair in the buffers, 0 at
 * the end.
 */
static int key_probe(struct sqlite_store *s, const char *a, size_t alen, const char *b, size_t blen,
		     struct sl_buf *out_type, struct sl_buf *out_source, struct sl_error *err)
{
	sqlite3_stmt *st = s->key_ge;
	const char *t, *src;
	int rc, e;

	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, a, (int)alen, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, b, (int)blen, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		e = map(s, rc, err, "unable to list sources");
		sqlite3_reset(st);
		return e;
	}
	t = (const char *)sqlite3_column_text(st, 0);
	src = (const char *)sqlite3_column_text(st, 1);
	if (!t || !src) {
		sqlite3_reset(st);
		return sl_error_set(err, SL_ECORRUPT, "an entry row has no type or source");
	}
	sl_buf_reset(out_type);
	sl_buf_addstr(out_type, t);
	sl_buf_reset(out_source);
	sl_buf_addstr(out_source, src);
	sqlite3_reset(st);
	if (sl_buf_ok(out_type) < 0 || sl_buf_ok(out_source) < 0)
		return SL_ENOMEM;
	return 1;
}

static int sq_next_key(struct sl_store *base, const char *after_type, const char *after_source,
		       const char *type, const char *source, struct sl_buf *out_type,
		       struct sl_buf *out_source, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct sl_buf prefix = SL_BUF_INIT;
	int e;

	/*
	 * A skip scan over the (type, source) index: one O(log n) seek per
	 * distinct pair, however many entries each pair has.  Every seek is
	 * ">=": the pair after (t, x) is the first >= (t, x || NUL), since no
	 * type or source holds a NUL ("> (t, x)" would step over each entry of
	 * (t, x) in turn).  A glob's literal start bounds the sources tried
	 * within each type, so the seeks follow the sources named.
	 */
	if ((e = cached(s, &s->key_ge, "SELECT type, source FROM entries WHERE (type, source) >= (?1, ?2)"
			" ORDER BY type, source LIMIT 1", err)) < 0)
		return e;
	if (source)
		sl_buf_add(&prefix, source, strcspn(source, "*?["));
	if ((e = sl_buf_ok(&prefix)) < 0)
		return e;
	if (after_type)
		e = key_probe(s, after_type, strlen(after_type), after_source, strlen(after_source) + 1,
			      out_type, out_source, err);
	else
		e = key_probe(s, type ? type : "", type ? strlen(type) : 0, prefix.buf, prefix.len,
			      out_type, out_source, err);
	while (e == 1) {
		int c;

		if (type && strcmp(out_type->buf, type) != 0) {
			e = 0;
			break;
		}
		c = strncmp(out_source->buf, prefix.buf, prefix.len);
		if (c < 0) {
			/* Before the glob's range in this type: seek to its start. */
			e = key_probe(s, out_type->buf, out_type->len, prefix.buf, prefix.len, out_type,
				      out_source, err);
			continue;
		}
		if (c > 0) {
			/* Past it: on to the next type, if another type may follow. */
			if (type) {
				e = 0;
				break;
			}
			e = key_probe(s, out_type->buf, out_type->len + 1, "", 0, out_type, out_source, err);
			continue;
		}
		if (!source || sqlite3_strglob(source, out_source->buf) == 0)
			break;
		e = key_probe(s, out_type->buf, out_type->len, out_source->buf, out_source->len + 1,
			      out_type, out_source, err);
	}
	sl_buf_release(&prefix);
	return e;
}

static int sq_latest_seq(struct sl_store *base, const char *type, const char *source, uint64_t below,
			 uint64_t *seq, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st;
	int rc, e;

	if ((e = cached(s, &s->latest, "SELECT seq FROM entries WHERE type = ? AND source = ?"
			" AND seq < ? ORDER BY seq DESC LIMIT 1", err)) < 0)
		return e;
	st = s->latest;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, below > INT64_MAX ? INT64_MAX : (sqlite3_int64)below);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*seq = (uint64_t)sqlite3_column_int64(st, 0);
		e = 1;
	} else if (rc == SQLITE_DONE) {
		e = 0;
	} else {
		e = map(s, rc, err, "unable to find an entry");
	}
	sqlite3_reset(st);
	return e;
}

const struct sl_store_ops sl_store_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.begin_read = sq_begin_read,
	.end_read = sq_end_read,
	.begin_write = sq_begin_write,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.get_head = sq_get_head,
	.set_head = sq_set_head,
	.put_entry = sq_put_entry,
	.get_entry = sq_get_entry,
	.put_node = sq_put_node,
	.get_node = sq_get_node,
	.size_at = sq_size_at,
	.meta_get = sq_meta_get,
	.meta_set = sq_meta_set,
	.scan_open = sq_scan_open,
	.scan_next = sq_scan_next,
	.nodes_open = sq_nodes_open,
	.nodes_next = sq_nodes_next,
	.scan_close = sq_scan_close,
	.put_checkpoint = sq_put_checkpoint,
	.last_checkpoint = sq_last_checkpoint,
	.checkpoints_open = sq_checkpoints_open,
	.checkpoints_next = sq_checkpoints_next,
	.next_key = sq_next_key,
	.latest_seq = sq_latest_seq,
};
