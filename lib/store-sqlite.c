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
 *
 * Streams (format 2).  Snapshots need "the last entry of (type, source)
 * before seq N".  An index on entries(type, source) answers that, but every
 * commit then dirties one index page per active source (about 1,000 pages
 * for 10,000 entries from 1,000 sources), which cost sl-append half its
 * speed (doc/BENCHMARKS.md).  Instead each pair has one row in `streams`
 * (id, newest seq, count), and each entry records its stream, the seq of
 * the previous entry of its pair (`prev`) and how many came before it
 * (`nth`).  Every STREAM_MARK-th entry of a pair is in a partial index on
 * (stream, seq), a sixteenth the size of the full one.  The last entry
 * before N is then one seek for the first mark at or after N and at most
 * STREAM_MARK steps back along `prev`.  Within a write transaction the
 * stream rows are kept in memory and written once at commit.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "sl/merkle.h"
#include "sl/store-schema.h"
#include "sl/store-streams.h"
#include "sl/store.h"

#define SL_APP_ID SL_STORE_APP_ID
#define SL_FORMAT SL_STORE_FORMAT
#define STREAM_MARK 16 /* keep in step with the index's WHERE clause below */
#define ROW_COLS "seq, ts, type, source, entry, leaf, stream, prev, nth"


int sl_store_glob_match(const char *pattern, const char *s)
{
	return sqlite3_strglob(pattern, s) == 0;
}

struct sqlite_store {
	struct sl_store base;
	sqlite3 *db;
	sqlite3_stmt *put_entry, *get_entry, *put_node, *get_node, *get_head, *set_head;
	sqlite3_stmt *get_ts, *get_leaf;
	sqlite3_stmt *key_ge, *latest, *first_mark, *get_prev; /* snapshots: prepared on first use */
	sqlite3_stmt *get_link; /* listings by stream: prepared on first use */
	sqlite3_stmt *lane_id, *lane_new, *lane_last, *lane_put, *lane_at; /* the mutation index */
	sqlite3_stmt *stream_get, *stream_new, *stream_set;
	struct sl_streams streams;   /* the stream rows of this write transaction */
	int in_txn;
};

/* One stream of a walk (see sq_scan_open): its entries in segments of <= STREAM_MARK. */
struct walk {
	uint64_t id, last, count;       /* the stream's id, newest seq and number of entries */
	uint64_t floor;                 /* the next segment holds seqs >= floor */
	uint64_t seg[STREAM_MARK + 1];  /* seg[i..n): the current segment's seqs still to list */
	int n, i;
	int done;                       /* no segment after the current one */
};

struct sqlite_scan {
	struct sqlite_store *s;
	sqlite3_stmt *st;
	/* A walk over the filter's streams, merged by seq; NULL: st is the scan. */
	struct walk *w;
	size_t *heap, nheap;            /* indexes into w, a min-heap on each one's next seq */
	char *type, *source;            /* a walk's filter (copies), each row checked against it */
	uint64_t hi, left;              /* seqs < hi; rows still to list (UINT64_MAX: no limit) */
	int own_txn;                    /* the scan began the read transaction it ends */
};

static const char schema[] = SL_STORE_SCHEMA_CORE SL_STORE_SCHEMA_CHECKPOINTS SL_STORE_SCHEMA_LANES;

/*
 * Ledgers made before checkpoints existed lack the table; a writer that
 * stores a checkpoint creates it inside its own write transaction, so that
 * opening a ledger never takes the write lock.  The format number stays 1:
 * the table is only added, and readers treat its absence as "none".
 */
static const char checkpoints_table[] =
	"CREATE TABLE IF NOT EXISTS checkpoints(id INTEGER PRIMARY KEY, size INTEGER NOT NULL,"
	" root BLOB NOT NULL, note TEXT NOT NULL, vkey TEXT NOT NULL)";

/*
 * SL_EACCES when the user may not write the database, its -wal or -shm
 * file, or, when one of those is missing and must be made, its directory
 * (permission denied, a read-only file system), else 0; the directory's
 * path in dir (of PATH_MAX) when dir is not NULL.  With all three there
 * (the -wal and -shm files persist), a directory the user may not write
 * (root's, say) does not stop a write.
 */
static int denied(struct sqlite_store *s, char *dir)
{
	static const char *const suffix[] = { "", "-wal", "-shm" };
	const char *f = s && s->db ? sqlite3_db_filename(s->db, "main") : NULL;
	char p[PATH_MAX];
	size_t i;
	int n, missing = 0;

	if (dir)
		*dir = '\0';
	if (!f || !*f)
		return 0;
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		n = snprintf(p, sizeof(p), "%s%s", f, suffix[i]);
		if (n <= 0 || (size_t)n >= sizeof(p) || access(p, W_OK) == 0)
			continue;
		if (errno == ENOENT)
			missing = 1;
		else if (sl_errno_code(errno) == SL_EACCES)
			return SL_EACCES;
	}
	n = snprintf(p, sizeof(p), "%s", f);
	if (n > 0 && (size_t)n < sizeof(p) && strrchr(p, '/')) {
		*strrchr(p, '/') = '\0';
		if (!*p)
			memcpy(p, "/", 2);
		if (dir)
			memcpy(dir, p, strlen(p) + 1);
		if (missing && access(p, W_OK) != 0 && sl_errno_code(errno) == SL_EACCES)
			return SL_EACCES;
	}
	return 0;
}

/*
 * SL_EACCES when the user may not write the store (see denied); SL_EIO
 * otherwise: SQLite also reports a database as read-only when mapping its
 * -shm file failed, which may pass.
 */
static int access_code(struct sqlite_store *s)
{
	if (!s || !s->db)
		return SL_EIO;
	if (denied(s, NULL) == SL_EACCES)
		return SL_EACCES;
	return sl_errno_code(sqlite3_system_errno(s->db)) == SL_EACCES ? SL_EACCES : SL_EIO;
}

static int map(struct sqlite_store *s, int rc, struct sl_error *err, const char *what)
{
	int code;

	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: code = SL_EBUSY; break;
	case SQLITE_PERM:
	case SQLITE_AUTH: code = SL_EACCES; break;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
		/*
		 * Permission denied (or a read-only file system) on the database,
		 * its -wal or -shm file or its directory stays so: exit 100.  A
		 * read-only state for any other reason (a failed map of the -shm
		 * file, another connection recovering the WAL) may pass: 111.
		 */
		code = rc == SQLITE_READONLY_RECOVERY ? SL_EBUSY : access_code(s);
		break;
	case SQLITE_NOMEM: code = SL_ENOMEM; break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_FORMAT:
	case SQLITE_SCHEMA:
	case SQLITE_MISMATCH:
	case SQLITE_CONSTRAINT: code = SL_ECORRUPT; break;
	/* Said apart, so that a server can tell why writes fail (sl-httpd's /ready). */
	case SQLITE_FULL: code = SL_ENOSPACE; break;
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

static int exec(struct sqlite_store *s, const char *sql, struct sl_error *err, const char *what)
{
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : map(s, rc, err, what);
}

static void streams_clear(struct sqlite_store *s)
{
	sl_streams_clear(&s->streams);
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
	sqlite3_finalize(s->first_mark);
	sqlite3_finalize(s->get_prev);
	sqlite3_finalize(s->get_link);
	sqlite3_finalize(s->stream_get);
	sqlite3_finalize(s->stream_new);
	sqlite3_finalize(s->stream_set);
	sqlite3_finalize(s->lane_id);
	sqlite3_finalize(s->lane_new);
	sqlite3_finalize(s->lane_last);
	sqlite3_finalize(s->lane_put);
	sqlite3_finalize(s->lane_at);
	sl_streams_free(&s->streams);
	sqlite3_close(s->db);
	free(s);
}

extern const struct sl_store_ops sl_store_sqlite;

/*
 * A ledger.db may come from someone else (an auditor opening an operator's
 * copy), so it is opened as SQLite's "untrusted database" advice says: no
 * writes to the schema, no SQL functions run from the schema, no triggers
 * or views, and every b-tree cell's size checked as it is read, so that a
 * damaged file is an error, not a crash.
 */
static int harden(struct sqlite_store *s, struct sl_error *err)
{
	static const int off[] = { SQLITE_DBCONFIG_TRUSTED_SCHEMA, SQLITE_DBCONFIG_ENABLE_TRIGGER,
				   SQLITE_DBCONFIG_ENABLE_VIEW };
	size_t i;
	int rc = sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);

	for (i = 0; rc == SQLITE_OK && i < sizeof(off) / sizeof(off[0]); i++)
		rc = sqlite3_db_config(s->db, off[i], 0, (int *)NULL);
	if (rc != SQLITE_OK)
		return map(s, rc, err, "unable to configure the database");
	return exec(s, "PRAGMA trusted_schema = OFF; PRAGMA cell_size_check = ON", err,
		    "unable to configure the database");
}

static int has_table(struct sqlite_store *s, const char *name, struct sl_error *err)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?",
				    -1, &st, NULL);

	if (rc != SQLITE_OK)
		return map(s, rc, err, "unable to read the database's schema");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : map(s, rc, err, "unable to read the database's schema");
}

/*
 * The objects of a schema, one line each, in name order (sqlite_stat* left
 * out: ANALYZE's), without those of the tables named in `except`
 * (NULL-terminated, or NULL).
 */
static int schema_text(sqlite3 *db, const char *const *except, struct sl_buf *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_schema"
				    " WHERE name NOT IN ('sqlite_stat1', 'sqlite_stat4') ORDER BY name",
				    -1, &st, NULL);
	int i;

	if (rc != SQLITE_OK)
		return rc;
	sl_buf_reset(out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *tbl = sqlite3_column_text(st, 2);
		const char *const *x;
		for (x = except; x && *x && (!tbl || strcmp(*x, (const char *)tbl) != 0); x++)
			;
		if (x && *x)
			continue;
		for (i = 0; i < 4; i++) {
			const unsigned char *t = sqlite3_column_text(st, i);
			sl_buf_add(out, t ? (const char *)t : "", (size_t)sqlite3_column_bytes(st, i));
			sl_buf_addch(out, i < 3 ? '\0' : '\n');
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc;
	return sl_buf_ok(out) < 0 ? SQLITE_NOMEM : SQLITE_OK;
}

/*
 * The schema must be exactly the one this file creates, but for what older
 * ledgers lack until a writer adds it: the checkpoints table (added by the
 * first checkpoint) and the mutation index (added by the next append).  A
 * view named entries, a trigger or an index of someone else's could make
 * the same queries answer differently.  The reference is the schema
 * itself, created in memory, so there is no second copy of it to keep in
 * step.
 */
static int schema_compare(struct sqlite_store *s, struct sl_error *err)
{
	struct sl_buf have = SL_BUF_INIT, want = SL_BUF_INIT;
	const char *except[4];
	sqlite3 *ref = NULL;
	size_t nx = 0;
	int rc, e = 0;

	if ((e = has_table(s, "checkpoints", err)) < 0)
		goto out;
	if (!e)
		except[nx++] = "checkpoints";
	if ((e = has_table(s, "lanes", err)) < 0)
		goto out;
	if (!e) {
		except[nx++] = "lanes";
		except[nx++] = "mutations";
	}
	except[nx] = NULL;
	e = 0;
	if ((rc = schema_text(s->db, NULL, &have)) != SQLITE_OK) {
		e = map(s, rc, err, "unable to read the database's schema");
		goto out;
	}
	rc = sqlite3_open_v2(":memory:", &ref, SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(ref, schema, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = schema_text(ref, except, &want);
	if (rc != SQLITE_OK) {
		e = sl_error_set(err, rc == SQLITE_NOMEM ? SL_ENOMEM : SL_EIO,
				 "unable to build the reference schema: %s", sqlite3_errstr(rc));
		goto out;
	}
	if (have.len != want.len || memcmp(have.buf, want.buf, have.len) != 0)
		e = sl_error_set(err, SL_ECORRUPT, "the database's schema is not a ledger's (a table, "
				 "index, view or trigger was added, removed or changed)");
out:
	sqlite3_close(ref);
	sl_buf_release(&have);
	sl_buf_release(&want);
	return e;
}

/*
 * The reads of schema_compare in one read transaction: a writer adding the
 * mutation index meanwhile (an older ledger's first append) is either not
 * seen at all or seen whole, never the tables looked up before it and
 * their objects read after.
 */
static int schema_check(struct sqlite_store *s, struct sl_error *err)
{
	int e;

	if ((e = exec(s, "BEGIN", err, "unable to read the database's schema")) < 0)
		return e;
	e = schema_compare(s, err);
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return e;
}

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

static int sq_open_db(struct sl_store **out, const char *path, int flags, int busy_ms,
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
	if ((e = harden(s, err)) < 0)
		goto fail;
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
			if (rc2 == SQLITE_OK && (e = harden(s, err)) < 0)
				goto fail;
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
		/* A read that failed is an I/O error (111), not "database format 0". */
		if (rc != SQLITE_ROW) {
			e = map(s, rc, err, "unable to read the database");
			goto fail;
		}
		if (app != SL_APP_ID) {
			e = sl_error_set(err, SL_ENOLEDGER, "not a StateLedger database");
			goto fail;
		}
		if (ver != SL_FORMAT) {
			e = sl_error_set(err, SL_ECORRUPT,
					 "database format %d, this program reads format %d%s", ver,
					 SL_FORMAT, ver == 1 ? " (made by StateLedger 0.1 before streams; "
					 "export it with that version's sl-log and append it to a new ledger)" : "");
			goto fail;
		}
		if ((e = schema_check(s, err)) < 0)
			goto fail;
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
	if ((e = prep(s, &s->put_entry, "INSERT INTO entries(seq, ts, type, source, entry, leaf, stream,"
		      " prev, nth) VALUES (?,?,?,?,?,?,?,?,?)", err)) < 0 ||
	    (e = prep(s, &s->get_entry, "SELECT " ROW_COLS " FROM entries WHERE seq = ?", err)) < 0 ||
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

static int path_join(struct sl_buf *b, const char *dir, const char *name)
{
	sl_buf_reset(b);
	sl_buf_addf(b, "%s/%s", dir, name);
	return sl_buf_ok(b);
}

static int sys_err(struct sl_error *err, const char *what, const char *path)
{
	/* A path that does not lead anywhere will not heal on retry. */
	int code = (errno == ENOMEM)			      ? SL_ENOMEM
		   : (errno == ENOENT || errno == ENOTDIR) ? SL_ENOLEDGER
							   : sl_errno_code(errno);
	return sl_error_set(err, code, "unable to %s '%s': %s", what, path, strerror(errno));
}

/* 1 if dir exists and is empty, 0 if absent, SL_EEXIST if it holds anything. */
static int dir_state(const char *dir, struct sl_error *err)
{
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp) {
		if (errno == ENOENT)
			return 0;
		if (errno == ENOTDIR)
			return sl_error_set(err, SL_EEXIST, "'%s' already exists and is not a directory", dir);
		return sys_err(err, "open", dir);
	}
	while ((d = readdir(dp)))
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..")) {
			closedir(dp);
			return sl_error_set(err, SL_EEXIST,
					    "'%s' already exists and is not empty; refusing to touch it", dir);
		}
	closedir(dp);
	return 1;
}

/* fsync(2) of the file or (with O_DIRECTORY in oflags) the directory at path. */
static int fsync_open(const char *path, int oflags, struct sl_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | oflags);

	if (fd < 0)
		return sys_err(err, "open", path);
	if (fsync(fd) != 0) {
		close(fd);
		return sys_err(err, "sync", path);
	}
	if (close(fd) != 0)
		return sys_err(err, "close", path);
	return 0;
}

static int fsync_path(const char *dir, struct sl_error *err)
{
	return fsync_open(dir, O_DIRECTORY, err);
}

/*
 * A directory ledger: the directory (0700; an empty one is used), its
 * artifacts/ and keys/ (0700), and ledger.db (0600, with its -wal and -shm
 * files) holding the schema.  SL_EEXIST when the directory holds anything.
 */
/* Another creator made dir's ledger meanwhile. */
static int racing(struct sl_error *err, const char *dir)
{
	return sl_error_set(err, SL_EEXIST, "'%s' was created meanwhile by another program", dir);
}

/* SL_EIO unless the database made at t->buf left nothing in its -wal. */
static int tmp_whole(struct sl_buf *t, struct sl_error *err)
{
	size_t n = t->len;
	struct stat st;
	int e = 0;

	sl_buf_addstr(t, "-wal");
	if ((e = sl_buf_ok(t)) < 0)
		return e;
	if (stat(t->buf, &st) == 0 && st.st_size > 0)
		e = sl_error_set(err, SL_EIO, "unable to create '%s': its log was not folded in", t->buf);
	sl_buf_setlen(t, n);
	return e;
}

/* Remove the database made at t->buf, with its -wal and -shm. */
static void tmp_remove(struct sl_buf *t)
{
	static const char *const sfx[] = { "-wal", "-shm" };
	size_t n = t->len, i;

	unlink(t->buf);
	for (i = 0; i < 2; i++) {
		sl_buf_addstr(t, sfx[i]);
		if (sl_buf_ok(t) == 0)
			unlink(t->buf);
		sl_buf_setlen(t, n);
	}
}

static int sq_create(const char *dir, struct sl_error *err)
{
	static const char *const subdirs[] = { "artifacts", "keys" };
	struct sl_buf p = SL_BUF_INIT, tmp = SL_BUF_INIT;
	struct sl_store *s = NULL;
	mode_t old;
	size_t i;
	int e, st;

	if ((st = dir_state(dir, err)) < 0)
		return st;
	if (!st && mkdir(dir, 0700) != 0)
		return errno == EEXIST ? racing(err, dir) : sys_err(err, "create", dir);
	if (chmod(dir, 0700) != 0)
		return sys_err(err, "set the mode of", dir);
	for (i = 0; i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		if ((e = path_join(&p, dir, subdirs[i])) < 0)
			goto out;
		if (mkdir(p.buf, 0700) != 0) {
			e = errno == EEXIST ? racing(err, dir) : sys_err(err, "create", p.buf);
			goto out;
		}
	}
	/*
	 * The schema is written under a name of this process's and linked to
	 * ledger.db only when whole: another program never opens a half-made
	 * ledger.db, and of two creators racing the first link wins.
	 */
	if ((e = path_join(&p, dir, SL_STORE_SQLITE_DB)) < 0 ||
	    (e = path_join(&tmp, dir, SL_STORE_SQLITE_DB)) < 0 ||
	    (sl_buf_addf(&tmp, ".new-%ld", (long)getpid()), e = sl_buf_ok(&tmp)) < 0)
		goto out;
	/* ledger.db and its -wal and -shm files: owner only. */
	old = umask(077);
	e = sq_open_db(&s, tmp.buf, SL_STORE_CREATE, 5000, err);
	umask(old);
	if (e < 0)
		goto out;
	if (chmod(tmp.buf, 0600) != 0) {
		e = sys_err(err, "set the mode of", tmp.buf);
		goto out;
	}
	/*
	 * Closed first: the last close folds its -wal into it (and, with
	 * PERSIST_WAL, leaves the -wal empty), so the file is whole alone.
	 */
	s->ops->close(s);
	s = NULL;
	if ((e = tmp_whole(&tmp, err)) < 0 || (e = fsync_open(tmp.buf, 0, err)) < 0)
		goto out;
	if (link(tmp.buf, p.buf) != 0) {
		e = errno == EEXIST ? racing(err, dir) : sys_err(err, "create", p.buf);
		goto out;
	}
	e = fsync_path(dir, err);
out:
	if (s)
		s->ops->close(s);
	if (tmp.len)
		tmp_remove(&tmp);
	sl_buf_release(&tmp);
	sl_buf_release(&p);
	return e;
}

/* The directory ledger at dir: its ledger.db. */
static int sq_open(struct sl_store **out, const char *dir, int flags, int busy_ms,
		   struct sl_error *err)
{
	struct sl_buf p = SL_BUF_INIT;
	struct stat st;
	int e;

	*out = NULL;
	if ((e = path_join(&p, dir, SL_STORE_SQLITE_DB)) < 0)
		return e;
	if (stat(p.buf, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			e = sl_error_set(err, SL_ENOLEDGER,
					 "no ledger at '%s' (create one with sl-init, or set -L or SL_LEDGER)",
					 dir);
		else
			e = sys_err(err, "open", p.buf);
	} else {
		e = sq_open_db(out, p.buf, flags, busy_ms, err);
	}
	sl_buf_release(&p);
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

static void sq_release(struct sl_store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *const all[] = { s->get_entry, s->get_node, s->get_leaf, s->get_ts, s->get_head,
				      s->latest, s->first_mark, s->get_prev, s->key_ge, s->stream_get,
				      s->get_link, s->lane_id, s->lane_last, s->lane_at };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i])
			sqlite3_reset(all[i]);
}

static void sq_end_read(struct sl_store *base)
{
	struct sqlite_store *s = (struct sqlite_store *)base;

	sq_release(base);

	if (s->in_txn)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	s->in_txn = 0;
}

static int sq_begin_write(struct sl_store *base, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	int e;

	streams_clear(s); /* another process may have written since */
	if ((e = exec(s, "BEGIN IMMEDIATE", err, "unable to lock the ledger for writing")) < 0)
		return e;
	s->in_txn = 1;
	return 0;
}

static int streams_flush(struct sqlite_store *s, struct sl_error *err);

static int sq_commit(struct sl_store *base, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	int e = streams_flush(s, err);

	if (e == 0)
		e = exec(s, "COMMIT", err, "unable to commit");
	streams_clear(s);
	if (e < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		s->in_txn = 0;
		/*
		 * A COMMIT whose sync failed has written its frames to the WAL
		 * beyond what the wal-index holds: invisible now, but the next
		 * opener's recovery after a crash would find them valid, and a
		 * batch reported as failed would appear in the log.  A long-lived
		 * writer (sl-httpd) does not close its connection after a failure
		 * as sl-append does, so cut the WAL back here (done only when no
		 * reader holds it and the sync works; otherwise the next commit
		 * overwrites the frames, or the close does).
		 */
		sqlite3_wal_checkpoint_v2(s->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
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
	streams_clear(s);
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

/*
 * The stream row of (type, source) for this write transaction: from
 * memory, else read from `streams`, else created there (count 0).
 */
static int stream_find(struct sqlite_store *s, const char *type, const char *source,
		       struct sl_stream_ent **out, struct sl_error *err)
{
	struct sl_stream_ent *x;
	sqlite3_stmt *st;
	int rc, e;

	/* A failure below leaves a half-made entry: the transaction then rolls back and clears them all. */
	if ((e = sl_streams_find(&s->streams, type, source, &x)) != 0)
		return e < 0 ? e : (*out = x, 0);
	if ((e = cached(s, &s->stream_get, "SELECT id, last, count FROM streams"
			" WHERE type = ? AND source = ?", err)) < 0)
		return e;
	st = s->stream_get;
	sqlite3_bind_text(st, 1, type, (int)x->tlen, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, source, (int)x->slen, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0), last = sqlite3_column_int64(st, 1),
			      count = sqlite3_column_int64(st, 2);
		sqlite3_reset(st);
		if (id < 1 || last < -1 || count < 0)
			return sl_error_set(err, SL_ECORRUPT, "the stream row of '%.40s' is malformed",
					    source);
		x->id = (uint64_t)id;
		x->last = (uint64_t)last;
		x->count = (uint64_t)count;
	} else if (rc == SQLITE_DONE) {
		sqlite3_reset(st);
		if ((e = cached(s, &s->stream_new, "INSERT INTO streams(type, source, last, count)"
				" VALUES (?, ?, -1, 0)", err)) < 0)
			return e;
		sqlite3_bind_text(s->stream_new, 1, type, (int)x->tlen, SQLITE_STATIC);
		sqlite3_bind_text(s->stream_new, 2, source, (int)x->slen, SQLITE_STATIC);
		if ((e = step_done(s, s->stream_new, err, "unable to write a stream")) < 0)
			return e;
		x->id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	} else {
		e = map(s, rc, err, "unable to read a stream");
		sqlite3_reset(st);
		return e;
	}
	*out = x;
	return 0;
}

/* Write the stream rows changed in this transaction, just before it commits. */
static int streams_flush(struct sqlite_store *s, struct sl_error *err)
{
	size_t i;
	int e;

	for (i = 0; i < s->streams.cap; i++) {
		struct sl_stream_ent *x = &s->streams.tab[i];
		if (!x->key || !x->dirty)
			continue;
		if ((e = cached(s, &s->stream_set, "UPDATE streams SET last = ?, count = ? WHERE id = ?",
				err)) < 0)
			return e;
		sqlite3_bind_int64(s->stream_set, 1, (sqlite3_int64)x->last);
		sqlite3_bind_int64(s->stream_set, 2, (sqlite3_int64)x->count);
		sqlite3_bind_int64(s->stream_set, 3, (sqlite3_int64)x->id);
		if ((e = step_done(s, s->stream_set, err, "unable to write a stream")) < 0)
			return e;
		x->dirty = 0;
	}
	return 0;
}

/*
 * Reads of `streams` inside a write transaction must see its put_entry
 * calls: write the rows held in memory first (none outside one).
 */
static int streams_sync(struct sqlite_store *s, struct sl_error *err)
{
	return s->streams.n ? streams_flush(s, err) : 0;
}

static int sq_put_entry(struct sl_store *base, uint64_t seq, const char *ts, const char *type,
			const char *source, const void *entry, size_t len,
			const unsigned char leaf[SL_HASH_LEN], struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = s->put_entry;
	struct sl_stream_ent *se = NULL;
	int e;

	if (seq > INT64_MAX)
		return sl_error_set(err, SL_ERANGE, "tree too large");
	if ((e = stream_find(s, type, source, &se, err)) < 0)
		return e;
	if (se->count && se->last >= seq)
		return sl_error_set(err, SL_ECORRUPT, "stream of '%.40s' is ahead of seq %llu", source,
				    (unsigned long long)seq);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	sqlite3_bind_text(st, 2, ts, SL_TS_LEN, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, entry, (int)len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, leaf, SL_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)se->id);
	if (se->count)
		sqlite3_bind_int64(st, 8, (sqlite3_int64)se->last);
	else
		sqlite3_bind_null(st, 8);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)se->count);
	if ((e = step_done(s, st, err, "unable to write an entry")) < 0)
		return e;
	se->last = seq;
	se->count++;
	se->dirty = 1;
	return 0;
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
	row->prev = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 7);
	return sl_store_entry_row(row, seq, sqlite3_column_int64(st, 6), sqlite3_column_int64(st, 8), err);
}

static int sq_get_entry(struct sl_store *base, uint64_t seq, struct sl_entry_row *row,
			struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st = s->get_entry;
	int rc;

	if (seq > INT64_MAX)
		return sl_error_set(err, SL_ENOTFOUND, "no entry %llu", (unsigned long long)seq);
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

static int ts_of(void *ctx, uint64_t seq, char out[SL_TS_LEN + 1], struct sl_error *err)
{
	return get_ts(ctx, seq, out, err);
}

static int head_size(void *ctx, uint64_t *size, struct sl_error *err)
{
	struct sl_head h;
	int e = sq_get_head(&((struct sqlite_store *)ctx)->base, &h, err);

	*size = h.size;
	return e;
}

/* The first seq whose ts is after `ts` (inclusive: at or after it). */
/* N(T): the first seq whose ts is after `ts`. */
static int sq_size_at(struct sl_store *base, const char *ts, uint64_t *n, struct sl_error *err)
{
	uint64_t size;
	int e;

	if ((e = head_size(base, &size, err)) < 0)
		return e;
	return sl_store_first_after(size, ts, 0, ts_of, base, n, err);
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

static int entry_prev(struct sqlite_store *s, uint64_t seq, uint64_t *prev, struct sl_error *err);
static void sq_scan_close(struct sl_scan *base);

/* A scan over the rows of sql (bind its parameters on it->st); `what` names it in errors. */
static int scan_new(struct sqlite_store *s, const char *sql, struct sqlite_scan **out,
		    struct sl_error *err, const char *what)
{
	struct sqlite_scan *it;
	int rc;

	if (!(it = calloc(1, sizeof(*it))))
		return SL_ENOMEM;
	it->s = s;
	if ((rc = sqlite3_prepare_v2(s->db, sql, -1, &it->st, NULL)) != SQLITE_OK) {
		free(it);
		return map(s, rc, err, what);
	}
	*out = it;
	return 0;
}

/* An entry's place in its stream: the stream, the seq before it (-1: none) and its nth. */
struct link {
	uint64_t stream, nth;
	int64_t prev;
};

static int entry_link(struct sqlite_store *s, uint64_t seq, struct link *l, struct sl_error *err)
{
	sqlite3_stmt *st;
	int rc, e = 0;

	if ((e = cached(s, &s->get_link, "SELECT stream, prev, nth FROM entries WHERE seq = ?", err)) < 0)
		return e;
	st = s->get_link;
	sqlite3_bind_int64(st, 1, seq > INT64_MAX ? INT64_MAX : (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		l->stream = (uint64_t)sqlite3_column_int64(st, 0);
		l->prev = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 1);
		l->nth = (uint64_t)sqlite3_column_int64(st, 2);
		if (sqlite3_column_int64(st, 0) < 1 || l->prev < -1 || sqlite3_column_int64(st, 2) < 0)
			e = sl_error_set(err, SL_ECORRUPT, "entry row %llu is malformed",
					 (unsigned long long)seq);
	} else if (rc == SQLITE_DONE) {
		e = sl_error_set(err, SL_ECORRUPT, "a stream links to missing entry %llu",
				 (unsigned long long)seq);
	} else {
		e = map(s, rc, err, "unable to list entries");
	}
	sqlite3_reset(st);
	return e;
}

static int broken_link(const struct walk *w, uint64_t seq, struct sl_error *err)
{
	return sl_error_set(err, SL_ECORRUPT, "the stream with id %llu has a broken link at seq %llu",
			    (unsigned long long)w->id, (unsigned long long)seq);
}

/*
 * Load the next segment of w with seqs in [w->floor, it->hi): from the
 * first mark at or after floor (or the stream's newest entry when no mark
 * follows) back along the prev links to floor, at most STREAM_MARK + 1
 * steps, since the mark before lies below floor.  1 when loaded, 0 when
 * the stream has no more entries in range.
 */
static int walk_fill(struct sqlite_scan *it, struct walk *w, struct sl_error *err)
{
	struct sqlite_store *s = it->s;
	sqlite3_stmt *st;
	struct link link;
	uint64_t top, cur, prev;
	int rc, e, k, steps;

	while (!w->done) {
		if (w->floor > w->last || w->floor >= it->hi) {
			w->done = 1;
			break;
		}
		if ((e = cached(s, &s->first_mark, "SELECT seq FROM entries WHERE stream = ? AND seq >= ?"
				" AND nth % 16 = 0 ORDER BY seq LIMIT 1", err)) < 0)
			return e;
		st = s->first_mark;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)w->id);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)w->floor);
		rc = sqlite3_step(st);
		top = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : w->last;
		sqlite3_reset(st);
		if (rc != SQLITE_ROW && rc != SQLITE_DONE)
			return map(s, rc, err, "unable to list entries");
		if (top >= w->last) {
			top = w->last;
			w->done = 1;
		}
		if (top >= it->hi)
			w->done = 1;
		w->n = w->i = 0;
		/*
		 * Every link walked is checked (each step stays in the stream and
		 * counts nth down by one, down to the entry below floor), so a
		 * damaged index stops the listing instead of dropping or
		 * borrowing entries.  Bounded, so that it cannot loop for long.
		 */
		if ((e = entry_link(s, top, &link, err)) < 0)
			return e;
		if (link.stream != w->id || (top == w->last && link.nth + 1 != w->count))
			return broken_link(w, top, err);
		for (cur = top, steps = 0;; cur = prev) {
			uint64_t nth = link.nth;

			if (++steps > STREAM_MARK + 1)
				return broken_link(w, cur, err);
			if (cur < it->hi)
				w->seg[w->n++] = cur;
			if (link.prev < 0) {
				if (nth != 0)
					return broken_link(w, cur, err);
				break;
			}
			prev = (uint64_t)link.prev;
			if (prev >= cur)
				return broken_link(w, cur, err);
			if ((e = entry_link(s, prev, &link, err)) < 0)
				return e;
			if (link.stream != w->id || link.nth + 1 != nth)
				return broken_link(w, cur, err);
			if (prev < w->floor)
				break;
		}
		w->floor = top + 1;
		for (k = 0; k < w->n / 2; k++) {
			uint64_t t = w->seg[k];
			w->seg[k] = w->seg[w->n - 1 - k];
			w->seg[w->n - 1 - k] = t;
		}
		if (w->n > 0)
			return 1;
	}
	return 0;
}

static uint64_t walk_key(const struct sqlite_scan *it, size_t h)
{
	const struct walk *w = &it->w[it->heap[h]];
	return w->seg[w->i];
}

static void heap_down(struct sqlite_scan *it, size_t h)
{
	for (;;) {
		size_t l = 2 * h + 1, m = h, t;
		if (l < it->nheap && walk_key(it, l) < walk_key(it, m))
			m = l;
		if (l + 1 < it->nheap && walk_key(it, l + 1) < walk_key(it, m))
			m = l + 1;
		if (m == h)
			return;
		t = it->heap[h];
		it->heap[h] = it->heap[m];
		it->heap[m] = t;
		h = m;
	}
}

/*
 * Choose how to list a filter on type or source.  A scan reads every
 * entry in the seq range; a walk reads only the entries of the matching
 * streams (two lookups each: its prev link, then its row) and merges them
 * by seq.  The walk wins when those streams hold a small part of the log,
 * which is the usual question ("what happened to this service?"); a
 * filter that matches much of the log is scanned.  0 to scan, 1 when
 * it->w holds the walk, or a negative code.
 */
#define WALK_MAX_STREAMS 4096
#define WALK_MAX_SHARE 8 /* walk when the streams hold < 1/8 of the log */

static int walk_open(struct sqlite_scan *it, const struct sl_filter *f, uint64_t lo,
		     struct sl_error *err)
{
	struct sqlite_store *s = it->s;
	sqlite3_stmt *st;
	struct sl_head h;
	uint64_t total = 0;
	size_t n = 0, alloc = 0, k;
	int rc, e;

	if ((e = sq_get_head(&s->base, &h, err)) < 0 || (e = streams_sync(s, err)) < 0)
		return e;
	/* Spelt out per case, so that "type = ?" seeks the streams' (type, source) index. */
	rc = sqlite3_prepare_v2(s->db, !f->source ? "SELECT id, last, count FROM streams WHERE type = ?1" :
					!f->type ? "SELECT id, last, count FROM streams WHERE source GLOB ?2" :
					"SELECT id, last, count FROM streams WHERE type = ?1 AND source GLOB ?2",
				-1, &st, NULL);
	if (rc != SQLITE_OK)
		return map(s, rc, err, "unable to list entries");
	if (f->type)
		sqlite3_bind_text(st, 1, f->type, -1, SQLITE_STATIC);
	if (f->source)
		sqlite3_bind_text(st, 2, f->source, -1, SQLITE_STATIC);
	e = 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0), last = sqlite3_column_int64(st, 1);
		sqlite3_int64 count = sqlite3_column_int64(st, 2);

		if (id < 1 || last < 0 || count < 0) {
			e = sl_error_set(err, SL_ECORRUPT, "stream row %lld is malformed", (long long)id);
			break;
		}
		if (count == 0 || (uint64_t)last < lo)
			continue;
		total += (uint64_t)count;
		if (n == WALK_MAX_STREAMS || total > h.size / WALK_MAX_SHARE) {
			e = 0;
			break;
		}
		if (n == alloc) {
			size_t na = alloc ? 2 * alloc : 16;
			struct walk *nw = realloc(it->w, na * sizeof(*nw));
			if (!nw) {
				e = SL_ENOMEM;
				break;
			}
			it->w = nw;
			alloc = na;
		}
		memset(&it->w[n], 0, sizeof(it->w[n]));
		it->w[n].id = (uint64_t)id;
		it->w[n].last = (uint64_t)last;
		it->w[n].count = (uint64_t)count;
		it->w[n].floor = lo;
		n++;
	}
	if (e == 1 && rc != SQLITE_DONE)
		e = map(s, rc, err, "unable to list entries");
	sqlite3_finalize(st);
	if (e == 1 && !(it->heap = calloc(n ? n : 1, sizeof(*it->heap))))
		e = SL_ENOMEM;
	for (k = 0; e == 1 && k < n; k++) {
		int r = walk_fill(it, &it->w[k], err);
		if (r < 0)
			e = r;
		else if (r == 1)
			it->heap[it->nheap++] = k;
	}
	if (e != 1) {
		free(it->w);
		free(it->heap);
		it->w = NULL;
		it->heap = NULL;
		it->nheap = 0;
		return e;
	}
	if (!it->w && !(it->w = malloc(sizeof(*it->w)))) {
		free(it->heap);
		it->heap = NULL;
		return SL_ENOMEM;
	}
	for (k = it->nheap / 2; k-- > 0;)
		heap_down(it, k);
	return 1;
}

static int scan_open(struct sl_store *base, const struct sl_filter *f, struct sl_scan **out,
		     struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct sqlite_scan *it;
	struct sl_buf sql = SL_BUF_INIT;
	uint64_t lo, hi;
	int i = 1, e;

	if ((e = sl_store_seq_range(f, head_size, ts_of, s, &lo, &hi, err)) < 0)
		return e;
	if (f->type || f->source) {
		if ((e = scan_new(s, "SELECT " ROW_COLS " FROM entries WHERE seq = ?", &it, err,
				  "unable to list entries")) < 0)
			return e;
		it->hi = hi;
		it->left = f->limit ? f->limit : UINT64_MAX;
		if ((e = walk_open(it, f, lo, err)) == 1) {
			if ((f->type && !(it->type = strdup(f->type))) ||
			    (f->source && !(it->source = strdup(f->source)))) {
				sq_scan_close((struct sl_scan *)it);
				return SL_ENOMEM;
			}
			*out = (struct sl_scan *)it;
			return 0;
		}
		sq_scan_close((struct sl_scan *)it);
		if (e < 0)
			return e;
	}
	sl_buf_addstr(&sql, "SELECT " ROW_COLS " FROM entries WHERE seq >= ? AND seq < ?");
	if (f->type)
		sl_buf_addstr(&sql, " AND type = ?");
	if (f->source)
		sl_buf_addstr(&sql, " AND source GLOB ?");
	sl_buf_addstr(&sql, " ORDER BY seq");
	if (f->limit)
		sl_buf_addstr(&sql, " LIMIT ?");
	if ((e = sl_buf_ok(&sql)) < 0)
		return e;
	e = scan_new(s, sql.buf, &it, err, "unable to list entries");
	sl_buf_release(&sql);
	if (e < 0)
		return e;
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

/*
 * A listing sees one state of the log: outside a read transaction of the
 * caller's, it holds one of its own (a walk makes many statements, and
 * the times become seqs by a search) until scan_close.
 */
static int sq_scan_open(struct sl_store *base, const struct sl_filter *f, struct sl_scan **out,
			struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	int e, own = !s->in_txn;

	if (own && (e = sq_begin_read(base, err)) < 0)
		return e;
	if ((e = scan_open(base, f, out, err)) < 0) {
		if (own)
			sq_end_read(base);
		return e;
	}
	((struct sqlite_scan *)*out)->own_txn = own;
	return 0;
}

/* The next row of a walk: the smallest next seq of its streams. */
static int walk_next(struct sqlite_scan *it, struct sl_entry_row *row, struct sl_error *err)
{
	struct walk *w;
	uint64_t seq, id;
	int rc, e;

	sqlite3_reset(it->st);
	if (it->left == 0 || it->nheap == 0)
		return 0;
	w = &it->w[it->heap[0]];
	id = w->id;
	seq = w->seg[w->i++];
	if (w->i == w->n) {
		if ((e = walk_fill(it, w, err)) < 0)
			return e;
		if (e == 0)
			it->heap[0] = it->heap[--it->nheap];
	}
	heap_down(it, 0);
	if (it->left != UINT64_MAX)
		it->left--;
	sqlite3_bind_int64(it->st, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(it->st);
	if (rc == SQLITE_DONE)
		return sl_error_set(err, SL_ECORRUPT, "a stream links to missing entry %llu",
				    (unsigned long long)seq);
	if (rc != SQLITE_ROW)
		return map(it->s, rc, err, "unable to read entries");
	if ((e = row_from(it->st, row, err)) < 0)
		return e;
	/* A link into another stream would list a row under the wrong pair. */
	if (row->stream != id)
		return sl_error_set(err, SL_ECORRUPT, "the stream with id %llu links to entry %llu of "
				    "another stream", (unsigned long long)id, (unsigned long long)seq);
	/* So would a stream row whose (type, source) is not its entries'. */
	if ((it->type && strcmp(row->type, it->type) != 0) ||
	    (it->source && sqlite3_strglob(it->source, row->source) != 0))
		return sl_error_set(err, SL_ECORRUPT, "seq %llu: listed by the stream index under a type "
				    "or source it does not have", (unsigned long long)seq);
	return 1;
}

static int sq_scan_next(struct sl_scan *base, struct sl_entry_row *row, struct sl_error *err)
{
	struct sqlite_scan *it = (struct sqlite_scan *)base;
	int rc, e;

	if (it->w)
		return walk_next(it, row, err);
	rc = sqlite3_step(it->st);

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
	int e;

	if ((e = scan_new(s, "SELECT pos, hash FROM nodes WHERE pos >= ? ORDER BY pos", &it, err,
			  "unable to read tree nodes")) < 0)
		return e;
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
	if (it->own_txn)
		sq_end_read(&it->s->base);
	free(it->w);
	free(it->heap);
	free(it->type);
	free(it->source);
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
	return sl_store_checkpoint_row(row, id, size, err);
}

static int sq_last_checkpoint(struct sl_store *base, uint64_t before, uint64_t *id,
			      struct sl_buf *note, struct sl_buf *vkey, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct sl_checkpoint_row row;
	sqlite3_stmt *st;
	int rc, e;

	if ((e = have_checkpoints(s, err)) <= 0)
		return e < 0 ? e : sl_error_set(err, SL_ENOTFOUND, "no checkpoint");
	/* The primary key read backwards: one row, however many come before. */
	rc = sqlite3_prepare_v2(s->db, "SELECT id, size, root, note, vkey FROM checkpoints "
				"WHERE id < ? ORDER BY id DESC LIMIT 1", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return map(s, rc, err, "unable to read checkpoints");
	sqlite3_bind_int64(st, 1, before > INT64_MAX ? INT64_MAX : (sqlite3_int64)before);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((e = cp_row(st, &row, err)) == 0)
			e = sl_store_checkpoint_copy(&row, id, note, vkey);
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
	int e;

	if ((e = have_checkpoints(s, err)) < 0)
		return e;
	/* Without the table, an empty list: a query over nothing. */
	if ((e = scan_new(s, e ? "SELECT id, size, root, note, vkey FROM checkpoints WHERE id >= ? ORDER BY id"
			       : "SELECT 0, 0, NULL, NULL, NULL WHERE ? < 0",
			  &it, err, "unable to read checkpoints")) < 0)
		return e;
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

/* Byte order of two strings given with their lengths, as SQLite's BINARY collation. */
static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

/*
 * One probe of the (type, source) index: the first pair >= (a, b), the
 * strings given with their lengths.  1 with the pair in the buffers, 0 at
 * the end.  A damaged index can answer a smaller pair, or one with a NUL
 * that the buffers would cut short; either would make sq_next_key seek
 * the same pair for ever, so both are damage.
 */
static int key_probe(struct sqlite_store *s, const char *a, size_t alen, const char *b, size_t blen,
		     struct sl_buf *out_type, struct sl_buf *out_source, struct sl_error *err)
{
	sqlite3_stmt *st = s->key_ge;
	const char *t, *src;
	size_t tlen, slen;
	int rc, e, c;

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
	tlen = (size_t)sqlite3_column_bytes(st, 0);
	slen = (size_t)sqlite3_column_bytes(st, 1);
	c = bytes_cmp(t, tlen, a, alen);
	if (strlen(t) != tlen || strlen(src) != slen || c < 0 || (c == 0 && bytes_cmp(src, slen, b, blen) < 0)) {
		sqlite3_reset(st);
		return sl_error_set(err, SL_ECORRUPT, "the index of sources is out of order");
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
	 * A skip scan over the streams' (type, source) index: one O(log n) seek per
	 * distinct pair, however many entries each pair has.  Every seek is
	 * ">=": the pair after (t, x) is the first >= (t, x || NUL), since no
	 * type or source holds a NUL ("> (t, x)" would step over each entry of
	 * (t, x) in turn).  A glob's literal start bounds the sources tried
	 * within each type, so the seeks follow the sources named.
	 */
	if ((e = cached(s, &s->key_ge, "SELECT type, source FROM streams WHERE (type, source) >= (?1, ?2)"
			" ORDER BY type, source LIMIT 1", err)) < 0)
		return e;
	if (source)
		sl_buf_add(&prefix, source, strcspn(source, "*?["));
	if ((e = sl_buf_ok(&prefix)) < 0)
		return e;
	/* Every pair of `type` comes after a pair of an earlier type: start at its first. */
	if (after_type && type && strcmp(after_type, type) < 0)
		after_type = NULL;
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

/* The seq before `seq` in its stream: 1 with *prev, 0 for the first entry. */
static int entry_prev(struct sqlite_store *s, uint64_t seq, uint64_t *prev, struct sl_error *err)
{
	sqlite3_stmt *st;
	int rc, e;

	if ((e = cached(s, &s->get_prev, "SELECT prev FROM entries WHERE seq = ?", err)) < 0)
		return e;
	st = s->get_prev;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(st, 0) == SQLITE_NULL) {
			e = 0;
		} else if (sqlite3_column_int64(st, 0) < 0 ||
			   (uint64_t)sqlite3_column_int64(st, 0) >= seq) {
			e = sl_error_set(err, SL_ECORRUPT, "entry %llu links to a later entry",
					 (unsigned long long)seq);
		} else {
			*prev = (uint64_t)sqlite3_column_int64(st, 0);
			e = 1;
		}
	} else if (rc == SQLITE_DONE) {
		e = sl_error_set(err, SL_ECORRUPT, "a stream links to missing entry %llu",
				 (unsigned long long)seq);
	} else {
		e = map(s, rc, err, "unable to read an entry");
	}
	sqlite3_reset(st);
	return e;
}

static int sq_latest_seq(struct sl_store *base, const char *type, const char *source, uint64_t below,
			 uint64_t *seq, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_stmt *st;
	sqlite3_int64 id, last, count;
	uint64_t cur;
	int rc, e, steps;

	if ((e = streams_sync(s, err)) < 0 ||
	    (e = cached(s, &s->latest, "SELECT id, last, count FROM streams WHERE type = ? AND source = ?",
			err)) < 0)
		return e;
	st = s->latest;
	sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		e = rc == SQLITE_DONE ? 0 : map(s, rc, err, "unable to find an entry");
		sqlite3_reset(st);
		return e;
	}
	id = sqlite3_column_int64(st, 0);
	last = sqlite3_column_int64(st, 1);
	count = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	if (count == 0)
		return 0;
	if (last < 0)
		return sl_error_set(err, SL_ECORRUPT, "the stream row of '%.40s' is malformed", source);
	if ((uint64_t)last < below) {
		*seq = (uint64_t)last;
		return 1;
	}
	/*
	 * Start from the first mark at or after `below` (or the newest entry
	 * when none follows): the answer lies within STREAM_MARK steps back.
	 */
	if ((e = cached(s, &s->first_mark, "SELECT seq FROM entries WHERE stream = ? AND seq >= ?"
			" AND nth % 16 = 0 ORDER BY seq LIMIT 1", err)) < 0)
		return e;
	st = s->first_mark;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, below > INT64_MAX ? INT64_MAX : (sqlite3_int64)below);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		cur = (uint64_t)sqlite3_column_int64(st, 0);
	} else if (rc == SQLITE_DONE) {
		cur = (uint64_t)last;
	} else {
		e = map(s, rc, err, "unable to find an entry");
		sqlite3_reset(st);
		return e;
	}
	sqlite3_reset(st);
	/* Bounded, so that a tampered link cannot make this loop for long. */
	for (steps = 0; cur >= below; steps++) {
		if (steps > STREAM_MARK)
			return sl_error_set(err, SL_ECORRUPT, "the stream of '%.40s' has a broken link "
					    "near seq %llu", source, (unsigned long long)cur);
		if ((e = entry_prev(s, cur, &cur, err)) <= 0)
			return e;
	}
	*seq = cur;
	return 1;
}

static int sq_streams_open(struct sl_store *base, struct sl_scan **out, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct sqlite_scan *it;
	int e;

	if ((e = streams_sync(s, err)) < 0)
		return e;
	if ((e = scan_new(s, "SELECT id, type, source, last, count FROM streams ORDER BY id", &it, err,
			  "unable to list streams")) < 0)
		return e;
	*out = (struct sl_scan *)it;
	return 0;
}

static int sq_streams_next(struct sl_scan *base, struct sl_stream_row *row, struct sl_error *err)
{
	struct sqlite_scan *it = (struct sqlite_scan *)base;
	int rc = sqlite3_step(it->st);
	sqlite3_int64 id, last, count;
	int e;

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return map(it->s, rc, err, "unable to read streams");
	id = sqlite3_column_int64(it->st, 0);
	row->type = (const char *)sqlite3_column_text(it->st, 1);
	row->source = (const char *)sqlite3_column_text(it->st, 2);
	last = sqlite3_column_int64(it->st, 3);
	count = sqlite3_column_int64(it->st, 4);
	if ((e = sl_store_stream_row(row, id, last, count, err)) < 0)
		return e;
	return 1;
}

static int sq_lanes_ready(struct sl_store *base, struct sl_error *err)
{
	return has_table((struct sqlite_store *)base, "lanes", err);
}

static int sq_lanes_create(struct sl_store *base, struct sl_error *err)
{
	return exec((struct sqlite_store *)base, SL_STORE_SCHEMA_LANES, err,
		    "unable to create the mutation index");
}

/* A lane's state from columns count, last (seq), head, headpos at i.. of st. */
static int lane_from(sqlite3_stmt *st, int i, struct sl_lane *out, struct sl_error *err)
{
	const unsigned char *hp = sqlite3_column_blob(st, i + 3);

	if (sqlite3_column_bytes(st, i + 3) != SL_POSKEY_LEN)
		hp = NULL;
	return sl_store_lane_row(out, sqlite3_column_int64(st, i), sqlite3_column_int64(st, i + 1),
				 sqlite3_column_int64(st, i + 2), hp, err);
}

/* The id of lane (source, ns): 1 and *id, or 0 when there is none. */
static int lane_find(struct sqlite_store *s, const char *source, const char *ns, sqlite3_int64 *id,
		     struct sl_error *err)
{
	sqlite3_stmt *st;
	int rc, e;

	if ((e = cached(s, &s->lane_id, "SELECT id FROM lanes WHERE namespace = ? AND source = ?", err)) < 0)
		return e;
	st = s->lane_id;
	sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, source, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : map(s, rc, err, "unable to read the mutation index");
}

/* The state after lane id's last mutation below `below` (INT64_MAX: of all). */
static int lane_state(struct sqlite_store *s, sqlite3_int64 id, uint64_t below, struct sl_lane *out,
		      struct sl_error *err)
{
	sqlite3_stmt *st;
	int rc, e;

	if ((e = cached(s, &s->lane_at, "SELECT count, seq, head, headpos FROM mutations"
			" WHERE lane = ? AND seq < ? ORDER BY seq DESC LIMIT 1", err)) < 0)
		return e;
	st = s->lane_at;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, below > INT64_MAX ? INT64_MAX : (sqlite3_int64)below);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		e = lane_from(st, 0, out, err);
	else
		e = rc == SQLITE_DONE ? 0 : map(s, rc, err, "unable to read the mutation index");
	sqlite3_reset(st);
	return e;
}

static int sq_lane_last(struct sl_store *base, const char *source, const char *ns, uint64_t *id,
			struct sl_lane *out, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_int64 v = 0;
	int e = lane_find(s, source, ns, &v, err);

	if (e <= 0)
		return e;
	if (v < 1)
		return sl_error_set(err, SL_ECORRUPT, "lane %lld of the mutation index is malformed", (long long)v);
	*id = (uint64_t)v;
	if ((e = lane_state(s, v, UINT64_MAX, out, err)) == 0)
		out->count = 0; /* a lane without rows: as good as new */
	return e < 0 ? e : 1;
}

static int sq_lane_put(struct sl_store *base, uint64_t seq, uint64_t *lane, const char *source,
		       const char *ns, const unsigned char pos[SL_POSKEY_LEN], const struct sl_lane *after,
		       struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	sqlite3_int64 id = (sqlite3_int64)*lane;
	sqlite3_stmt *st;
	int e;

	if (seq > INT64_MAX || *lane > INT64_MAX || after->count > INT64_MAX || after->head > seq ||
	    after->last != seq)
		return sl_error_set(err, SL_ERANGE, "mutation index row out of range");
	if (id == 0) {
		if ((e = cached(s, &s->lane_new, "INSERT INTO lanes(namespace, source) VALUES (?, ?)", err)) < 0)
			return e;
		sqlite3_bind_text(s->lane_new, 1, ns, -1, SQLITE_STATIC);
		sqlite3_bind_text(s->lane_new, 2, source, -1, SQLITE_STATIC);
		if ((e = step_done(s, s->lane_new, err, "unable to write the mutation index")) < 0)
			return e;
		id = sqlite3_last_insert_rowid(s->db);
		*lane = (uint64_t)id;
	}
	if ((e = cached(s, &s->lane_put, "INSERT INTO mutations(seq, lane, pos, count, head, headpos)"
			" VALUES (?,?,?,?,?,?)", err)) < 0)
		return e;
	st = s->lane_put;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)seq);
	sqlite3_bind_int64(st, 2, id);
	sqlite3_bind_blob(st, 3, pos, SL_POSKEY_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)after->count);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)after->head);
	sqlite3_bind_blob(st, 6, after->headpos, SL_POSKEY_LEN, SQLITE_STATIC);
	return step_done(s, st, err, "unable to write the mutation index");
}

static int sq_lanes_open(struct sl_store *base, const char *source, struct sl_scan **out,
			 struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct sqlite_scan *it;
	int e;

	if ((e = scan_new(s, "SELECT id, namespace, source FROM lanes WHERE ?1 IS NULL OR source GLOB ?1"
			  " ORDER BY namespace, source", &it, err, "unable to list the mutation index")) < 0)
		return e;
	if (source && !(it->source = strdup(source))) {
		sq_scan_close((struct sl_scan *)it);
		return SL_ENOMEM;
	}
	if (it->source)
		sqlite3_bind_text(it->st, 1, it->source, -1, SQLITE_STATIC);
	*out = (struct sl_scan *)it;
	return 0;
}

static int sq_lanes_next(struct sl_scan *base, struct sl_lane_row *row, struct sl_error *err)
{
	struct sqlite_scan *it = (struct sqlite_scan *)base;
	int rc = sqlite3_step(it->st);
	sqlite3_int64 id;
	int e;

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return map(it->s, rc, err, "unable to read the mutation index");
	id = sqlite3_column_int64(it->st, 0);
	row->ns = (const char *)sqlite3_column_text(it->st, 1);
	row->source = (const char *)sqlite3_column_text(it->st, 2);
	if ((e = sl_store_lane_name_row(row, id, err)) < 0)
		return e;
	return 1;
}

static int sq_lane_at(struct sl_store *base, uint64_t lane, uint64_t below, struct sl_lane *out,
		      struct sl_error *err)
{
	if (lane > INT64_MAX)
		return sl_error_set(err, SL_ERANGE, "no such lane");
	return lane_state((struct sqlite_store *)base, (sqlite3_int64)lane, below, out, err);
}

static int sq_mutations_open(struct sl_store *base, uint64_t from, uint64_t below, struct sl_scan **out,
			     struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	struct sqlite_scan *it;
	int e;

	if ((e = scan_new(s, "SELECT m.count, m.seq, m.head, m.headpos, m.lane, l.namespace, l.source, m.pos"
			  " FROM mutations m LEFT JOIN lanes l ON l.id = m.lane"
			  " WHERE m.seq >= ? AND m.seq < ? ORDER BY m.seq", &it, err,
			  "unable to list the mutation index")) < 0)
		return e;
	/* From 0: from the first row, so that a row of a negative seq is met (and refused) too. */
	sqlite3_bind_int64(it->st, 1, from == 0 ? INT64_MIN : from > INT64_MAX ? INT64_MAX : (sqlite3_int64)from);
	sqlite3_bind_int64(it->st, 2, below > INT64_MAX ? INT64_MAX : (sqlite3_int64)below);
	*out = (struct sl_scan *)it;
	return 0;
}

static int sq_mutations_next(struct sl_scan *base, struct sl_mutation_row *row, struct sl_error *err)
{
	struct sqlite_scan *it = (struct sqlite_scan *)base;
	int rc = sqlite3_step(it->st), e;
	sqlite3_int64 lane;

	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return map(it->s, rc, err, "unable to read the mutation index");
	if ((e = lane_from(it->st, 0, &row->after, err)) < 0)
		return e;
	row->seq = row->after.last;
	lane = sqlite3_column_int64(it->st, 4);
	row->ns = (const char *)sqlite3_column_text(it->st, 5);
	row->source = (const char *)sqlite3_column_text(it->st, 6);
	row->pos = sqlite3_column_bytes(it->st, 7) == SL_POSKEY_LEN ? sqlite3_column_blob(it->st, 7) : NULL;
	if ((e = sl_store_mutation_row(row, lane, err)) < 0)
		return e;
	return 1;
}

/*
 * Whether a write could be taken, asked without writing: the files and
 * their directory writable (a file system remounted read-only shows here)
 * and a block left on that file system for this user.
 */
static int sq_writable(struct sl_store *base, struct sl_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)base;
	char dir[PATH_MAX];
	struct statvfs fs;

	if (denied(s, dir) == SL_EACCES)
		return sl_error_set(err, SL_EACCES, "the store's files may not be written");
	if (*dir && statvfs(dir, &fs) == 0 && (geteuid() == 0 ? fs.f_bfree : fs.f_bavail) == 0)
		return sl_error_set(err, SL_ENOSPACE, "no space left on the store's file system");
	return 0;
}

const struct sl_store_ops sl_store_sqlite = {
	.name = "sqlite",
	.create = sq_create,
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
	.streams_open = sq_streams_open,
	.streams_next = sq_streams_next,
	.lanes_ready = sq_lanes_ready,
	.lanes_create = sq_lanes_create,
	.lane_last = sq_lane_last,
	.lane_put = sq_lane_put,
	.lanes_open = sq_lanes_open,
	.lanes_next = sq_lanes_next,
	.lane_at = sq_lane_at,
	.mutations_open = sq_mutations_open,
	.mutations_next = sq_mutations_next,
	.release = sq_release,
	.writable = sq_writable,
};
