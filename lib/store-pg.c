// SPDX-License-Identifier: MIT
/*
 * The PostgreSQL backend of the store, on libpq: the only file of libsl
 * that speaks to PostgreSQL.  The ledger lives in the tables of the
 * address's database (in the schema its search_path names), so that any
 * number of servers on any number of machines share one log.
 *
 * Layout: as the SQLite backend's (entries, nodes, head, meta, streams,
 * checkpoints, lanes, mutations), with every text column in the "C"
 * collation so that PostgreSQL orders (type, source) by bytes as SQLite
 * does, and an index on entries(stream, seq): the last entry of a pair
 * before N is one index seek here, where SQLite walks its prev links.
 *
 * Sequencing (doc/design.md, "PostgreSQL sequencing").  A write
 * transaction is READ COMMITTED and begins by locking the one head row
 * FOR UPDATE: writers on every machine queue on that row, and each one
 * that gets it reads the head as the last committed writer left it, so
 * the seqs it gives follow that head with no gap and no fork.  The rows of
 * a batch are held in memory and sent with COPY, in the same transaction,
 * just before a read needs them or at commit; the head row is updated in
 * it too.  The commit returns only once PostgreSQL says it is durable
 * (and on a synchronous standby, when one is configured): a connection
 * never keeps synchronous_commit off.
 *
 * Listings run through cursors, fetched a batch of rows at a time, so a
 * listing of a million entries holds one batch in memory.  Binary results
 * throughout: bytea and bigint come as bytes, text NUL-terminated.
 */
#include <endian.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sl/json.h"
#include "sl/merkle.h"
#include "sl/store-streams.h"
#include "sl/store.h"

#define FETCH_ROWS 1024
#define FIND_BATCH 256
#define FILTER_MAX_STREAMS 4096
#define ROW_COLS "seq, ts, type, source, entry, leaf, stream, prev, nth"

/* The schema of a PostgreSQL ledger, made by create in one transaction. */
static const char schema[] =
	"CREATE TABLE meta(key TEXT COLLATE \"C\" PRIMARY KEY, value TEXT NOT NULL);\n"
	"CREATE TABLE head(id BIGINT PRIMARY KEY CHECK (id = 0), size BIGINT NOT NULL,"
	" root BYTEA NOT NULL, ts TEXT COLLATE \"C\" NOT NULL);\n"
	"INSERT INTO head VALUES (0, 0,"
	" '\\xe3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '');\n"
	"CREATE TABLE streams(id BIGINT PRIMARY KEY, type TEXT COLLATE \"C\" NOT NULL,"
	" source TEXT COLLATE \"C\" NOT NULL, last BIGINT NOT NULL, count BIGINT NOT NULL,"
	" UNIQUE (type, source));\n"
	"CREATE TABLE entries(seq BIGINT PRIMARY KEY, ts TEXT COLLATE \"C\" NOT NULL,"
	" type TEXT COLLATE \"C\" NOT NULL, source TEXT COLLATE \"C\" NOT NULL, entry BYTEA NOT NULL,"
	" leaf BYTEA NOT NULL, stream BIGINT NOT NULL, prev BIGINT, nth BIGINT NOT NULL);\n"
	"CREATE INDEX entries_stream ON entries(stream, seq);\n"
	"CREATE TABLE nodes(pos BIGINT PRIMARY KEY, hash BYTEA NOT NULL);\n"
	"CREATE TABLE checkpoints(id BIGINT PRIMARY KEY, size BIGINT NOT NULL, root BYTEA NOT NULL,"
	" note TEXT NOT NULL, vkey TEXT NOT NULL);\n"
	"CREATE TABLE lanes(id BIGINT PRIMARY KEY, namespace TEXT COLLATE \"C\" NOT NULL,"
	" source TEXT COLLATE \"C\" NOT NULL);\n"
	/*
	 * A namespace is bounded only by the entry's size, and a B-tree row
	 * holds ~2.7 kB: the lanes are found by a digest of it (md5 is the
	 * immutable one PostgreSQL has; the query compares the namespace
	 * itself).  One lane per pair is the writers' doing, one at a time
	 * under the head's lock, as the ids of streams and lanes are.
	 */
	"CREATE INDEX lanes_key ON lanes(md5(namespace), source);\n"
	"CREATE TABLE mutations(seq BIGINT PRIMARY KEY, lane BIGINT NOT NULL, pos BYTEA NOT NULL,"
	" count BIGINT NOT NULL, head BIGINT NOT NULL, headpos BYTEA NOT NULL);\n"
	"CREATE INDEX mutations_lane ON mutations(lane, seq);\n"
	"CREATE TABLE artifacts(digest BYTEA PRIMARY KEY, content BYTEA NOT NULL);\n";

enum { TXN_NONE, TXN_READ, TXN_WRITE };

struct pg_store {
	struct sl_store base;
	PGconn *c;
	char *shown;          /* the address as it may be shown (no password) */
	int busy_ms;
	int rdonly;           /* opened SL_STORE_RDONLY: its own transactions are read-only */
	int txn;
	PGresult *row;        /* get_entry's row, valid until the next call */
	struct sl_streams streams;
	struct sl_streams touched; /* (namespace, source) of the lanes with rows not yet sent */
	uint64_t next_stream; /* the id a new stream gets; 0: not read yet in this transaction */
	uint64_t next_lane;
	struct sl_buf ent, nod, lan, mut; /* COPY text of the rows not yet sent */
	size_t nent, nnod, nlan, nmut;
	/*
	 * The head's size after this connection's last commit (UINT64_MAX:
	 * none): a writer that finds the head there knows no one else wrote
	 * since, and keeps its stream rows and next ids.
	 */
	uint64_t cached_size, new_size;
	unsigned cursors;     /* names the next cursor */
};

enum scan_kind { K_ENTRIES, K_NODES, K_CHECKPOINTS, K_STREAMS, K_LANES, K_MUTATIONS, K_ARTIFACTS };

struct pg_scan {
	struct pg_store *s;
	enum scan_kind kind;
	char name[32];
	PGresult *res;
	int i, n, done;
	int own_txn;
	char *type, *source; /* filters checked in C */
	uint64_t left;       /* rows still to list (UINT64_MAX: no limit) */
};

/* ---------------------------------------------------------------------------
 * Parameters and results.
 */

#define MAX_ARGS 8

struct args {
	int n;
	const char *v[MAX_ARGS];
	int l[MAX_ARGS], f[MAX_ARGS];
	char num[MAX_ARGS][24];
};

static void a_i64(struct args *a, int64_t v)
{
	snprintf(a->num[a->n], sizeof(a->num[0]), "%lld", (long long)v);
	a->v[a->n] = a->num[a->n];
	a->l[a->n] = 0;
	a->f[a->n++] = 0;
}

/* A seq, size or id: the database holds bigints, so larger ones stop at INT64_MAX. */
static void a_u64(struct args *a, uint64_t v)
{
	a_i64(a, v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static void a_text(struct args *a, const char *s)
{
	a->v[a->n] = s;
	a->l[a->n] = 0;
	a->f[a->n++] = 0;
}

static void a_bin(struct args *a, const void *p, size_t len)
{
	a->v[a->n] = p;
	a->l[a->n] = (int)len;
	a->f[a->n++] = 1;
}

static int64_t col_i64(const PGresult *r, int row, int col)
{
	uint64_t v;

	if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
		return INT64_MIN;
	memcpy(&v, PQgetvalue(r, row, col), 8);
	return (int64_t)be64toh(v);
}

static const char *col_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

/* A bytea column of exactly len bytes, else NULL. */
static const unsigned char *col_bytes(const PGresult *r, int row, int col, int len)
{
	if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != len)
		return NULL;
	return (const unsigned char *)PQgetvalue(r, row, col);
}

/*
 * Text parameters must be valid UTF-8 in a UTF8 database, and every type
 * and source stored is: a string that is not names nothing stored.
 */
static int utf8(const char *s)
{
	return !s || sl_utf8_valid(s, strlen(s));
}

/* The length of s's longest valid UTF-8 prefix. */
static size_t utf8_prefix(const char *s, size_t n)
{
	while (n && !sl_utf8_valid(s, n))
		n--;
	return n;
}

/* Byte order of two strings, as SQLite's BINARY collation and PostgreSQL's "C". */
static int pair_cmp(const char *t1, const char *s1, const char *t2, const char *s2)
{
	int c = strcmp(t1, t2);

	return c ? c : strcmp(s1, s2);
}

/*
 * The SL_E... code of a failed command, by its SQLSTATE: a lock not had
 * in time, a serialization failure or a cancelled statement is busy (a
 * retry may do); a write in a read-only transaction is no access on a
 * store opened read-only, else a replica's refusal (a hot standby); a
 * refused privilege is no access, a full disk is no space; a data
 * exception (class 22: a value out of range, not valid for its type) or a
 * program limit exceeded (class 54: an index row or a statement too large)
 * comes back alike on every retry, so it is permanent (invalid data, exit
 * 100); the rest is a system failure.  The rest of class 42 stays there: a
 * ledger's tables made by two processes at once meet 42P07, which a retry
 * resolves.
 */
static int pg_fail(struct pg_store *s, PGresult *r, struct sl_error *err, const char *what)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	int code = SL_EIO;

	if (!msg)
		msg = PQerrorMessage(s->c);
	if (state) {
		if (!strcmp(state, "55P03") || !strcmp(state, "40001") || !strcmp(state, "40P01") ||
		    !strcmp(state, "57014"))
			code = SL_EBUSY;
		else if (!strcmp(state, "25006"))
			code = s->rdonly ? SL_EACCES : SL_EREPLICA;
		else if (!strcmp(state, "42501"))
			code = SL_EACCES;
		else if (!strcmp(state, "53100"))
			code = SL_ENOSPACE;
		else if (!strcmp(state, "53200"))
			code = SL_ENOMEM;
		else if (!strcmp(state, "42P01") || !strcmp(state, "42703"))
			code = SL_ECORRUPT;
		else if (!strncmp(state, "22", 2) || !strncmp(state, "54", 2))
			code = SL_EINVAL;
	}
	sl_error_set(err, code, "%s in '%s': %.*s", what, s->shown, (int)strcspn(msg ? msg : "", "\n"),
		     msg ? msg : "");
	PQclear(r); /* msg lives in r */
	return code;
}

static int reconnect(struct pg_store *s, struct sl_error *err);

/* Run sql with its arguments; *out (when not NULL) gets the result to PQclear. */
static int run(struct pg_store *s, const char *sql, const struct args *a, PGresult **out,
	       struct sl_error *err, const char *what)
{
	PGresult *r;
	ExecStatusType st;
	int e;

	if ((e = reconnect(s, err)) < 0)
		return e;
	r = PQexecParams(s->c, sql, a ? a->n : 0, NULL, a ? a->v : NULL, a ? a->l : NULL,
			 a ? a->f : NULL, 1);
	st = PQresultStatus(r);

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		return pg_fail(s, r, err, what);
	if (out)
		*out = r;
	else
		PQclear(r);
	return 0;
}

static int exec_simple(struct pg_store *s, const char *sql, struct sl_error *err, const char *what)
{
	PGresult *r;
	int e;

	if ((e = reconnect(s, err)) < 0)
		return e;
	r = PQexec(s->c, sql);

	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		return pg_fail(s, r, err, what);
	PQclear(r);
	return 0;
}

/* ---------------------------------------------------------------------------
 * Connections.
 */

/* libpq prints notices on stderr by default; the library never prints. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/*
 * A message of libpq's about the address, with every password the
 * address holds replaced by "***": libpq may quote parts of what it was
 * given (a host, a parameter), and a password must never be shown.
 */
static void scrub(struct sl_buf *out, const char *msg, PQconninfoOption *opts)
{
	PQconninfoOption *o;

	sl_buf_reset(out);
	sl_buf_add(out, msg, strcspn(msg, "\n"));
	for (o = opts; o && o->keyword; o++) {
		const char *pw = o->val;
		char *at;
		size_t n, from = 0;
		if (!pw || !*pw || !strcasestr(o->keyword, "pass"))
			continue;
		n = strlen(pw);
		/* From after each "***" put in: a password of '*'s would be found in it for ever. */
		while (sl_buf_ok(out) == 0 && (at = strstr(out->buf + from, pw))) {
			size_t off = (size_t)(at - out->buf), tail = out->len - off - n;
			struct sl_buf t = SL_BUF_INIT;
			sl_buf_add(&t, out->buf, off);
			sl_buf_addstr(&t, "***");
			sl_buf_add(&t, at + n, tail);
			sl_buf_release(out);
			*out = t;
			from = off + 3;
		}
	}
}

static int connect_to(const char *address, PGconn **out, struct sl_error *err)
{
	struct sl_buf m = SL_BUF_INIT;
	PQconninfoOption *opts;
	char *perr = NULL;
	PGconn *c;
	int e;

	/* libpq's own words about a malformed URI may quote it, password and all: not shown. */
	if (!(opts = PQconninfoParse(address, &perr))) {
		e = perr ? SL_EUSAGE : SL_ENOMEM;
		PQfreemem(perr);
		return sl_error_set(err, e, e == SL_ENOMEM ? "out of memory"
				    : "not a PostgreSQL URI libpq can read (see PostgreSQL's "
				      "\"Connection URIs\")");
	}
	if (!(c = PQconnectdb(address))) {
		PQconninfoFree(opts);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	if (PQstatus(c) != CONNECTION_OK) {
		const char *pm = PQerrorMessage(c);
		scrub(&m, pm, opts);
		e = sl_error_set(err, strstr(pm, "does not exist") ? SL_ENOLEDGER : SL_EIO,
				 "unable to connect: %s", sl_buf_ok(&m) == 0 ? m.buf : "out of memory");
		PQfinish(c);
		PQconninfoFree(opts);
		sl_buf_release(&m);
		return e;
	}
	PQconninfoFree(opts);
	PQsetNoticeProcessor(c, quiet, NULL);
	/*
	 * A receipt is printed only for what is durable: a database, role or
	 * address that turned synchronous_commit off would have COMMIT return
	 * before the WAL is flushed, and a crash lose what was acknowledged.
	 * Any other setting (local, remote_write, on, remote_apply) is kept.
	 */
	/*
	 * And the text this file sends is UTF-8 with standard strings (its
	 * schema's '\x...' literals), whatever the database's defaults.
	 */
	{
		PGresult *r = PQexec(c, "SELECT set_config('client_encoding', 'UTF8', false),"
				     " set_config('standard_conforming_strings', 'on', false),"
				     " set_config('synchronous_commit', CASE current_setting('synchronous_commit')"
				     " WHEN 'off' THEN 'on' ELSE current_setting('synchronous_commit') END, false)");
		if (PQresultStatus(r) != PGRES_TUPLES_OK) {
			const char *pm = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
			e = sl_error_set(err, SL_EIO, "unable to set the connection up: %s",
					 pm ? pm : "no answer");
			PQclear(r);
			PQfinish(c);
			return e;
		}
		PQclear(r);
	}
	*out = c;
	return 0;
}

/* 1 when the ledger's tables are there, 0 when not. */
static int has_ledger(struct pg_store *s, struct sl_error *err)
{
	PGresult *r;
	int e;

	if ((e = run(s, "SELECT to_regclass('head') IS NOT NULL", NULL, &r, err,
		     "unable to read the schema")) < 0)
		return e;
	e = PQntuples(r) == 1 && PQgetlength(r, 0, 0) == 1 && PQgetvalue(r, 0, 0)[0] == 1;
	PQclear(r);
	return e;
}

static void pg_close(struct sl_store *base)
{
	struct pg_store *s = (struct pg_store *)base;

	if (!s)
		return;
	PQclear(s->row);
	if (s->c)
		PQfinish(s->c); /* an open transaction is rolled back by the server */
	sl_streams_free(&s->streams);
	sl_streams_free(&s->touched);
	sl_buf_release(&s->ent);
	sl_buf_release(&s->nod);
	sl_buf_release(&s->lan);
	sl_buf_release(&s->mut);
	free(s->shown);
	free(s);
}

static int store_new(const char *address, struct pg_store **out, struct sl_error *err)
{
	struct sl_buf shown = SL_BUF_INIT;
	struct pg_store *s = calloc(1, sizeof(*s));
	int e;

	if (!s)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	s->base.ops = &sl_store_pg;
	sl_buf_init(&s->ent);
	sl_buf_init(&s->nod);
	sl_buf_init(&s->lan);
	sl_buf_init(&s->mut);
	s->cached_size = UINT64_MAX;
	sl_store_address_shown(address, &shown);
	s->shown = sl_buf_detach(&shown, NULL);
	if (!s->shown) {
		free(s);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	if ((e = connect_to(address, &s->c, err)) < 0) {
		pg_close(&s->base);
		return e;
	}
	*out = s;
	return 0;
}

static int pg_create(const char *address, struct sl_error *err)
{
	struct pg_store *s;
	int e;

	if ((e = store_new(address, &s, err)) < 0)
		return e;
	if ((e = exec_simple(s, "BEGIN", err, "unable to create the ledger")) == 0) {
		/* Two sl-init at once: the second waits on the first's lock and then finds its tables. */
		if ((e = exec_simple(s, "SELECT pg_advisory_xact_lock(1397507922)", err,
				     "unable to create the ledger")) == 0 &&
		    (e = has_ledger(s, err)) == 1)
			e = sl_error_set(err, SL_EEXIST, "a ledger exists at '%s'", s->shown);
		if (e == 0)
			e = exec_simple(s, schema, err, "unable to create the ledger");
		if (e == 0)
			e = exec_simple(s, "COMMIT", err, "unable to create the ledger");
	}
	pg_close(&s->base);
	return e;
}

static int pg_open(struct sl_store **out, const char *address, int flags, int busy_ms,
		   struct sl_error *err)
{
	struct pg_store *s;
	int e;

	*out = NULL;
	if ((e = store_new(address, &s, err)) < 0)
		return e;
	s->busy_ms = busy_ms;
	if ((e = has_ledger(s, err)) == 0)
		e = sl_error_set(err, SL_ENOLEDGER,
				 "no ledger at '%s' (create one with sl-init, or set -L or SL_LEDGER)",
				 s->shown);
	if (e >= 0 && (flags & SL_STORE_RDONLY)) {
		s->rdonly = 1;
		e = exec_simple(s, "SET default_transaction_read_only = on", err,
				"unable to open the ledger");
	}
	if (e < 0) {
		pg_close(&s->base);
		return e;
	}
	*out = &s->base;
	return 0;
}

/* ---------------------------------------------------------------------------
 * Transactions, and the rows a write transaction holds until it sends them.
 */

/* Forget the rows not sent; with `cache`, the stream rows and ids held too. */
static void pending_drop(struct pg_store *s, int cache)
{
	size_t i;

	sl_buf_reset(&s->ent);
	sl_buf_reset(&s->nod);
	sl_buf_reset(&s->lan);
	sl_buf_reset(&s->mut);
	s->nent = s->nnod = s->nlan = s->nmut = 0;
	sl_streams_clear(&s->touched);
	if (cache) {
		sl_streams_clear(&s->streams);
		s->next_stream = s->next_lane = 0;
		s->cached_size = UINT64_MAX;
	}
	for (i = 0; i < s->streams.cap; i++)
		if (s->streams.tab[i].key && (s->streams.tab[i].dirty || s->streams.tab[i].fresh))
			return pending_drop(s, 1); /* a row changed in memory only: not to be trusted */
}

/*
 * A connection lost (its server died, or a failover moved the primary) is
 * made again between transactions, to the same address: a libpq
 * multi-host URI with target_session_attrs=read-write then finds the new
 * primary, so a server follows a failover without a restart.  Within a
 * transaction nothing is retried: its statement fails (SL_EIO), the caller
 * rolls back and may begin again.  What this connection had cached of the
 * log (stream rows, ids) is forgotten, and a read-only store's session
 * setting made again.
 */
static int reconnect(struct pg_store *s, struct sl_error *err)
{
	if (s->txn != TXN_NONE || PQstatus(s->c) == CONNECTION_OK)
		return 0;
	PQreset(s->c);
	if (PQstatus(s->c) != CONNECTION_OK)
		return sl_error_set(err, SL_EIO, "unable to connect again to '%s': the server "
				    "cannot be reached", s->shown);
	pending_drop(s, 1);
	if (s->rdonly)
		return exec_simple(s, "SET default_transaction_read_only = on", err,
				   "unable to open the ledger again");
	return 0;
}

/* One COPY of the text rows in b into `into`. */
static int copy_in(struct pg_store *s, const char *into, struct sl_buf *b, struct sl_error *err)
{
	PGresult *r = PQexec(s->c, into);
	int e = 0;

	if (PQresultStatus(r) != PGRES_COPY_IN)
		return pg_fail(s, r, err, "unable to write to the ledger");
	PQclear(r);
	if (PQputCopyData(s->c, b->buf, (int)b->len) != 1 || PQputCopyEnd(s->c, NULL) != 1)
		e = pg_fail(s, NULL, err, "unable to write to the ledger");
	while ((r = PQgetResult(s->c))) {
		if (e == 0 && PQresultStatus(r) != PGRES_COMMAND_OK)
			e = pg_fail(s, r, err, "unable to write to the ledger");
		else
			PQclear(r);
	}
	sl_buf_reset(b);
	return e;
}

/* Text for COPY's text format: backslash, tab, newline and return escaped. */
static void copy_text(struct sl_buf *b, const char *t, size_t n)
{
	size_t i, run0 = 0;

	for (i = 0; i < n; i++) {
		char c = t[i];
		const char *x = c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n"
			      : c == '\r' ? "\\r" : NULL;
		if (!x)
			continue;
		sl_buf_add(b, t + run0, i - run0);
		sl_buf_addstr(b, x);
		run0 = i + 1;
	}
	sl_buf_add(b, t + run0, n - run0);
}

static void copy_bytea(struct sl_buf *b, const void *p, size_t n)
{
	sl_buf_addstr(b, "\\\\x");
	sl_buf_addhex(b, p, n);
}

/* Write every stream row changed in this transaction: the new ones, then the changed. */
static int streams_send(struct pg_store *s, struct sl_error *err)
{
	struct sl_buf ins = SL_BUF_INIT, ids = SL_BUF_INIT, lasts = SL_BUF_INIT, counts = SL_BUF_INIT;
	struct args a = { 0 };
	size_t i, nupd = 0;
	int e = 0;

	sl_buf_addch(&ids, '{');
	sl_buf_addch(&lasts, '{');
	sl_buf_addch(&counts, '{');
	for (i = 0; i < s->streams.cap; i++) {
		struct sl_stream_ent *x = &s->streams.tab[i];
		if (!x->key || !x->dirty)
			continue;
		if (x->fresh) {
			sl_buf_addu64(&ins, x->id);
			sl_buf_addch(&ins, '\t');
			copy_text(&ins, x->key, x->tlen);
			sl_buf_addch(&ins, '\t');
			copy_text(&ins, x->key + x->tlen + 1, x->slen);
			sl_buf_addf(&ins, "\t%lld\t%llu\n", x->count ? (long long)x->last : -1LL,
				    (unsigned long long)x->count);
		} else {
			if (nupd++) {
				sl_buf_addch(&ids, ',');
				sl_buf_addch(&lasts, ',');
				sl_buf_addch(&counts, ',');
			}
			sl_buf_addu64(&ids, x->id);
			sl_buf_addu64(&lasts, x->last);
			sl_buf_addu64(&counts, x->count);
		}
	}
	sl_buf_addch(&ids, '}');
	sl_buf_addch(&lasts, '}');
	sl_buf_addch(&counts, '}');
	if (sl_buf_ok(&ins) < 0 || sl_buf_ok(&ids) < 0 || sl_buf_ok(&lasts) < 0 || sl_buf_ok(&counts) < 0)
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
	if (e == 0 && ins.len)
		e = copy_in(s, "COPY streams(id, type, source, last, count) FROM STDIN", &ins, err);
	if (e == 0 && nupd) {
		a_text(&a, ids.buf);
		a_text(&a, lasts.buf);
		a_text(&a, counts.buf);
		e = run(s, "UPDATE streams SET last = u.last, count = u.count FROM"
			" unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS u(id, last, count)"
			" WHERE streams.id = u.id", &a, NULL, err, "unable to write a stream");
	}
	for (i = 0; e == 0 && i < s->streams.cap; i++)
		if (s->streams.tab[i].key)
			s->streams.tab[i].dirty = s->streams.tab[i].fresh = 0;
	sl_buf_release(&ins);
	sl_buf_release(&ids);
	sl_buf_release(&lasts);
	sl_buf_release(&counts);
	return e;
}

/* Send what this write transaction holds, before a read that must see it, or at commit. */
static int flush(struct pg_store *s, struct sl_error *err)
{
	int e = 0;

	if (s->txn != TXN_WRITE)
		return 0;
	if (sl_buf_ok(&s->ent) < 0 || sl_buf_ok(&s->nod) < 0 || sl_buf_ok(&s->lan) < 0 ||
	    sl_buf_ok(&s->mut) < 0)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	if (s->nent && (e = copy_in(s, "COPY entries(" ROW_COLS ") FROM STDIN", &s->ent, err)) < 0)
		return e;
	s->nent = 0;
	if (s->nnod && (e = copy_in(s, "COPY nodes(pos, hash) FROM STDIN", &s->nod, err)) < 0)
		return e;
	s->nnod = 0;
	if (s->nlan && (e = copy_in(s, "COPY lanes(id, namespace, source) FROM STDIN", &s->lan, err)) < 0)
		return e;
	s->nlan = 0;
	if (s->nmut && (e = copy_in(s, "COPY mutations(seq, lane, pos, count, head, headpos) FROM STDIN",
				    &s->mut, err)) < 0)
		return e;
	s->nmut = 0;
	sl_streams_clear(&s->touched);
	return s->streams.n ? streams_send(s, err) : 0;
}

static void pg_release(struct sl_store *base)
{
	struct pg_store *s = (struct pg_store *)base;

	PQclear(s->row);
	s->row = NULL;
}

static int pg_begin_read(struct sl_store *base, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	int e;

	/* One snapshot for the whole transaction, taken at its first read. */
	if ((e = exec_simple(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", err,
			     "unable to begin a read")) < 0)
		return e;
	s->txn = TXN_READ;
	return 0;
}

static void pg_end_read(struct sl_store *base)
{
	struct pg_store *s = (struct pg_store *)base;

	pg_release(base);
	if (s->txn == TXN_READ)
		PQclear(PQexec(s->c, "COMMIT"));
	s->txn = TXN_NONE;
}

/*
 * Under the head's lock, with the head at `size` where this connection's
 * last commit left it at cached_size: other writers appended seqs
 * cached_size..size-1, and only the streams of those entries changed (a
 * stream row changes only with an entry of its pair).  So the held rows
 * stay, and those streams' rows are read again, all in one round trip,
 * instead of every pair of the batch once each.  The next ids are read
 * again when needed.  When the log went back (a restore) or far ahead, or
 * nothing is held, everything held is dropped instead.
 */
#define REFRESH_MAX 100000 /* entries of others' to look through; beyond, drop */

static int streams_refresh(struct pg_store *s, uint64_t size, struct sl_error *err)
{
	struct args a = { 0 };
	PGresult *r;
	int e, i, n;

	if (s->cached_size == UINT64_MAX || size < s->cached_size ||
	    size - s->cached_size > REFRESH_MAX || s->streams.n == 0 || s->cached_size > INT64_MAX) {
		pending_drop(s, 1);
		return 0;
	}
	s->next_stream = s->next_lane = 0;
	a_u64(&a, s->cached_size);
	if ((e = run(s, "SELECT id, type, source, last, count FROM streams WHERE id IN"
		     " (SELECT DISTINCT stream FROM entries WHERE seq >= $1)", &a, &r, err,
		     "unable to read the streams")) < 0)
		return e;
	n = PQntuples(r);
	for (i = 0; e == 0 && i < n; i++) {
		int64_t id = col_i64(r, i, 0), last = col_i64(r, i, 3), count = col_i64(r, i, 4);
		const char *type = col_text(r, i, 1), *source = col_text(r, i, 2);
		struct sl_stream_ent *x;
		if (id < 1 || last < -1 || count < 0 || !type || !source) {
			e = sl_error_set(err, SL_ECORRUPT, "stream row %lld is malformed", (long long)id);
			break;
		}
		/* Held or not, the row as it is now; a pair not held is held from now on. */
		if ((e = sl_streams_find(&s->streams, type, source, &x)) < 0) {
			e = sl_error_set(err, e, "out of memory");
			break;
		}
		e = 0;
		x->id = (uint64_t)id;
		x->last = (uint64_t)last;
		x->count = (uint64_t)count;
	}
	PQclear(r);
	if (e < 0)
		pending_drop(s, 1);
	else
		s->cached_size = size;
	return e;
}

static int pg_begin_write(struct sl_store *base, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	char sql[64];
	PGresult *r;
	int e;

	pending_drop(s, 0);
	if ((e = exec_simple(s, "BEGIN ISOLATION LEVEL READ COMMITTED", err,
			     "unable to lock the ledger for writing")) < 0)
		return e;
	/* lock_timeout 0 would wait for ever: a busy_ms of 0 means "do not wait". */
	snprintf(sql, sizeof(sql), "SET LOCAL lock_timeout = %d", s->busy_ms > 0 ? s->busy_ms : 1);
	if ((e = exec_simple(s, sql, err, "unable to lock the ledger for writing")) == 0)
		e = run(s, "SELECT size FROM head WHERE id = 0 FOR UPDATE", NULL, &r, err,
			"unable to lock the ledger for writing");
	if (e == 0) {
		if (PQntuples(r) != 1)
			e = sl_error_set(err, SL_ECORRUPT, "the head row is missing");
		/* Someone else wrote since this connection's last commit: its stream rows are stale. */
		else if ((uint64_t)col_i64(r, 0, 0) != s->cached_size)
			e = streams_refresh(s, (uint64_t)col_i64(r, 0, 0), err);
		PQclear(r);
	}
	if (e < 0) {
		pending_drop(s, 1);
		PQclear(PQexec(s->c, "ROLLBACK"));
		if (e == SL_EBUSY)
			e = sl_error_set(err, SL_EBUSY, "the ledger '%s' is busy: another writer held it "
					 "for %d ms", s->shown, s->busy_ms);
		return e;
	}
	s->txn = TXN_WRITE;
	return 0;
}

static int pg_commit(struct sl_store *base, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	int e = flush(s, err);

	/* COMMIT returns once the server has made it durable (synchronous_commit). */
	if (e == 0)
		e = exec_simple(s, "COMMIT", err, "unable to commit");
	if (e < 0)
		PQclear(PQexec(s->c, "ROLLBACK"));
	pending_drop(s, e < 0);
	/* The rows held for the next transaction, unless they grew past the bound: then none. */
	if (e == 0 && sl_streams_trim(&s->streams, SL_STREAMS_HELD_MAX))
		pending_drop(s, 1);
	else if (e == 0)
		s->cached_size = s->new_size;
	s->txn = TXN_NONE;
	return e;
}

static void pg_rollback(struct sl_store *base)
{
	struct pg_store *s = (struct pg_store *)base;

	pg_release(base);
	if (s->txn != TXN_NONE)
		PQclear(PQexec(s->c, "ROLLBACK"));
	pending_drop(s, 1);
	s->txn = TXN_NONE;
}

/* ---------------------------------------------------------------------------
 * Head, entries, nodes, metadata.
 */

/*
 * A hot standby answers pg_is_in_recovery() true until it is promoted; its
 * reads are of what it has replayed, its writes fail with 25006.
 */
static int pg_replica(struct sl_store *base, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	PGresult *r;
	int e;

	if ((e = run(s, "SELECT pg_is_in_recovery()::int::int8", NULL, &r, err,
		     "unable to ask whether the store is a replica")) < 0)
		return e;
	e = PQntuples(r) == 1 && col_i64(r, 0, 0) == 1;
	PQclear(r);
	return e;
}

static int pg_get_head(struct sl_store *base, struct sl_head *h, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	const unsigned char *root;
	const char *ts;
	PGresult *r;
	int64_t size;
	int e;

	if ((e = run(s, "SELECT size, root, ts FROM head WHERE id = 0", NULL, &r, err,
		     "unable to read the head")) < 0)
		return e;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return sl_error_set(err, SL_ECORRUPT, "the head row is missing");
	}
	size = col_i64(r, 0, 0);
	root = col_bytes(r, 0, 1, SL_HASH_LEN);
	ts = col_text(r, 0, 2);
	if (size < 0 || !root || !ts || strlen(ts) > SL_TS_LEN) {
		e = sl_error_set(err, SL_ECORRUPT, "the head row is malformed");
	} else {
		h->size = (uint64_t)size;
		memcpy(h->root, root, SL_HASH_LEN);
		snprintf(h->ts, sizeof(h->ts), "%s", ts);
	}
	PQclear(r);
	return e;
}

static int pg_set_head(struct sl_store *base, const struct sl_head *h, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct args a = { 0 };

	if (h->size > INT64_MAX)
		return sl_error_set(err, SL_ERANGE, "tree too large");
	a_u64(&a, h->size);
	a_bin(&a, h->root, SL_HASH_LEN);
	a_text(&a, h->ts);
	s->new_size = h->size;
	return run(s, "UPDATE head SET size = $1, root = $2, ts = $3 WHERE id = 0", &a, NULL, err,
		   "unable to write the head");
}

/* The next id of streams or lanes: writers are one at a time (the head's lock), so max + 1. */
static int next_id(struct pg_store *s, const char *table, uint64_t *next, struct sl_error *err)
{
	char sql[80];
	PGresult *r;
	int64_t v;
	int e;

	if (*next)
		return 0;
	snprintf(sql, sizeof(sql), "SELECT coalesce(max(id), 0)::bigint FROM %s", table);
	if ((e = run(s, sql, NULL, &r, err, "unable to read the ledger")) < 0)
		return e;
	v = col_i64(r, 0, 0);
	PQclear(r);
	if (v < 0 || v == INT64_MAX)
		return sl_error_set(err, SL_ECORRUPT, "the ids of %s are malformed", table);
	*next = (uint64_t)v + 1;
	return 0;
}

static int stream_find(struct pg_store *s, const char *type, const char *source,
		       struct sl_stream_ent **out, struct sl_error *err)
{
	struct sl_stream_ent *x;
	struct args a = { 0 };
	PGresult *r;
	int e;

	/* A failure below leaves a half-made entry: the transaction then rolls back and clears them all. */
	if ((e = sl_streams_find(&s->streams, type, source, &x)) != 0)
		return e < 0 ? sl_error_set(err, e, "out of memory") : (*out = x, 0);
	a_text(&a, type);
	a_text(&a, source);
	if ((e = run(s, "SELECT id, last, count FROM streams WHERE type = $1 AND source = $2", &a, &r,
		     err, "unable to read a stream")) < 0)
		return e;
	if (PQntuples(r) == 1) {
		int64_t id = col_i64(r, 0, 0), last = col_i64(r, 0, 1), count = col_i64(r, 0, 2);
		PQclear(r);
		if (id < 1 || last < -1 || count < 0)
			return sl_error_set(err, SL_ECORRUPT, "the stream row of '%.40s' is malformed",
					    source);
		x->id = (uint64_t)id;
		x->last = (uint64_t)last;
		x->count = (uint64_t)count;
	} else {
		PQclear(r);
		if ((e = next_id(s, "streams", &s->next_stream, err)) < 0)
			return e;
		x->id = s->next_stream++;
		x->fresh = x->dirty = 1;
	}
	*out = x;
	return 0;
}

static int pg_put_entry(struct sl_store *base, uint64_t seq, const char *ts, const char *type,
			const char *source, const void *entry, size_t len,
			const unsigned char leaf[SL_HASH_LEN], struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct sl_stream_ent *se = NULL;
	struct sl_buf *b = &s->ent;
	int e;

	if (s->txn != TXN_WRITE)
		return sl_error_set(err, SL_EUSAGE, "an entry is put inside a write transaction");
	if (seq > INT64_MAX)
		return sl_error_set(err, SL_ERANGE, "tree too large");
	if ((e = stream_find(s, type, source, &se, err)) < 0)
		return e;
	if (se->count && se->last >= seq)
		return sl_error_set(err, SL_ECORRUPT, "stream of '%.40s' is ahead of seq %llu", source,
				    (unsigned long long)seq);
	sl_buf_addu64(b, seq);
	sl_buf_addch(b, '\t');
	copy_text(b, ts, strlen(ts));
	sl_buf_addch(b, '\t');
	copy_text(b, type, strlen(type));
	sl_buf_addch(b, '\t');
	copy_text(b, source, strlen(source));
	sl_buf_addch(b, '\t');
	copy_bytea(b, entry, len);
	sl_buf_addch(b, '\t');
	copy_bytea(b, leaf, SL_HASH_LEN);
	sl_buf_addch(b, '\t');
	sl_buf_addu64(b, se->id);
	sl_buf_addch(b, '\t');
	if (se->count)
		sl_buf_addu64(b, se->last);
	else
		sl_buf_addstr(b, "\\N");
	sl_buf_addch(b, '\t');
	sl_buf_addu64(b, se->count);
	sl_buf_addch(b, '\n');
	if (sl_buf_ok(b) < 0)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	s->nent++;
	se->last = seq;
	se->count++;
	se->dirty = 1;
	/* Bound the memory a large batch holds. */
	if (b->len > (8u << 20))
		return flush(s, err);
	return 0;
}

static int row_from(const PGresult *r, int i, struct sl_entry_row *row, struct sl_error *err)
{
	int64_t seq = col_i64(r, i, 0), stream = col_i64(r, i, 6), nth = col_i64(r, i, 8);

	row->ts = col_text(r, i, 1);
	row->type = col_text(r, i, 2);
	row->source = col_text(r, i, 3);
	row->entry = PQgetisnull(r, i, 4) ? NULL : (const unsigned char *)PQgetvalue(r, i, 4);
	row->len = (size_t)PQgetlength(r, i, 4);
	row->leaf = col_bytes(r, i, 5, SL_HASH_LEN);
	row->prev = PQgetisnull(r, i, 7) ? -1 : col_i64(r, i, 7);
	return sl_store_entry_row(row, seq, stream, nth, err);
}

static int pg_get_entry(struct sl_store *base, uint64_t seq, struct sl_entry_row *row,
			struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct args a = { 0 };
	int e;

	pg_release(base);
	if (seq > INT64_MAX)
		return sl_error_set(err, SL_ENOTFOUND, "no entry %llu", (unsigned long long)seq);
	if ((e = flush(s, err)) < 0)
		return e;
	a_u64(&a, seq);
	if ((e = run(s, "SELECT " ROW_COLS " FROM entries WHERE seq = $1", &a, &s->row, err,
		     "unable to read an entry")) < 0)
		return e;
	if (PQntuples(s->row) != 1)
		return sl_error_set(err, SL_ENOTFOUND, "no entry %llu", (unsigned long long)seq);
	return row_from(s->row, 0, row, err);
}

/* One round trip for many entries. */
/* The text of a bigint[] of v[0..n), leaving out any over INT64_MAX (never stored): 0 or SL_ENOMEM. */
static int bigint_array(struct sl_buf *out, size_t n, const uint64_t *v, struct sl_error *err)
{
	size_t i;

	sl_buf_addch(out, '{');
	for (i = 0; i < n; i++) {
		if (v[i] > INT64_MAX)
			continue;
		if (out->len > 1)
			sl_buf_addch(out, ',');
		sl_buf_addu64(out, v[i]);
	}
	sl_buf_addch(out, '}');
	if (sl_buf_ok(out) < 0) {
		sl_buf_release(out);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	return 0;
}

static int pg_get_entries(struct sl_store *base, size_t n, const uint64_t *seq,
			  int (*fn)(void *ctx, const struct sl_entry_row *row), void *ctx,
			  struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct sl_buf keys = SL_BUF_INIT;
	struct sl_entry_row row;
	struct args a = { 0 };
	PGresult *r;
	int e, k, rows;

	if (n == 0)
		return 0;
	pg_release(base);
	if ((e = flush(s, err)) < 0)
		return e;
	if ((e = bigint_array(&keys, n, seq, err)) < 0)
		return e;
	a_text(&a, keys.buf);
	e = run(s, "SELECT " ROW_COLS " FROM entries WHERE seq = ANY($1::bigint[])", &a, &r, err,
		"unable to read entries");
	sl_buf_release(&keys);
	if (e < 0)
		return e;
	rows = PQntuples(r);
	for (k = 0; e == 0 && k < rows; k++) {
		memset(&row, 0, sizeof(row));
		if ((e = row_from(r, k, &row, err)) == 0)
			e = fn(ctx, &row);
	}
	PQclear(r);
	return e < 0 ? e : 0;
}

static int pg_put_node(struct sl_store *base, unsigned level, uint64_t index,
		       const unsigned char hash[SL_HASH_LEN], struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	uint64_t pos;

	if (level == 0)
		return sl_error_set(err, SL_EUSAGE, "leaf hashes are stored with their entries");
	if (s->txn != TXN_WRITE)
		return sl_error_set(err, SL_EUSAGE, "a node is put inside a write transaction");
	if ((pos = sl_merkle_interior_pos(level, index)) > INT64_MAX)
		return sl_error_set(err, SL_ERANGE, "tree too large");
	sl_buf_addu64(&s->nod, pos);
	sl_buf_addch(&s->nod, '\t');
	copy_bytea(&s->nod, hash, SL_HASH_LEN);
	sl_buf_addch(&s->nod, '\n');
	if (sl_buf_ok(&s->nod) < 0)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	s->nnod++;
	return 0;
}

static int pg_get_node(struct sl_store *base, unsigned level, uint64_t index,
		       unsigned char out[SL_HASH_LEN], struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	uint64_t pos = level ? sl_merkle_interior_pos(level, index) : index;
	struct args a = { 0 };
	PGresult *r;
	int e;

	if (pos > INT64_MAX)
		return sl_error_set(err, SL_ENOTFOUND, "tree node beyond any stored tree");
	if ((e = flush(s, err)) < 0)
		return e;
	a_u64(&a, pos);
	if ((e = run(s, level ? "SELECT hash FROM nodes WHERE pos = $1" : "SELECT leaf FROM entries WHERE seq = $1",
		     &a, &r, err, "unable to read a tree node")) < 0)
		return e;
	if (PQntuples(r) != 1)
		e = sl_error_set(err, SL_ENOTFOUND, "tree node (level %u, index %llu) is missing", level,
				 (unsigned long long)index);
	else if (!col_bytes(r, 0, 0, SL_HASH_LEN))
		e = sl_error_set(err, SL_ECORRUPT, "tree node (level %u, index %llu) is not 32 bytes",
				 level, (unsigned long long)index);
	else
		memcpy(out, PQgetvalue(r, 0, 0), SL_HASH_LEN);
	PQclear(r);
	return e;
}

/* A node asked for by pg_get_nodes: its key in its table, and its place in the caller's arrays. */
struct want {
	uint64_t pos;
	size_t i;
};

static int want_cmp(const void *a, const void *b)
{
	const struct want *x = a, *y = b;

	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/*
 * One round trip for the nodes of one table: `sql` takes the keys as a
 * bigint[] and returns (key, hash) rows; w holds m keys in key order.
 */
static int nodes_query(struct pg_store *s, const char *sql, const struct want *w, size_t m,
		       const unsigned *level, const uint64_t *index, unsigned char (*out)[SL_HASH_LEN],
		       unsigned char *found, struct sl_error *err)
{
	struct sl_buf keys = SL_BUF_INIT;
	struct args a = { 0 };
	PGresult *r;
	size_t j;
	int e, row, rows;

	sl_buf_addch(&keys, '{');
	for (j = 0; j < m; j++) {
		if (j)
			sl_buf_addch(&keys, ',');
		sl_buf_addu64(&keys, w[j].pos);
	}
	sl_buf_addch(&keys, '}');
	if (sl_buf_ok(&keys) < 0) {
		sl_buf_release(&keys);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	a_text(&a, keys.buf);
	e = run(s, sql, &a, &r, err, "unable to read tree nodes");
	sl_buf_release(&keys);
	if (e < 0)
		return e;
	rows = PQntuples(r);
	for (row = 0; e == 0 && row < rows; row++) {
		int64_t pos = col_i64(r, row, 0);
		const unsigned char *h = col_bytes(r, row, 1, SL_HASH_LEN);
		size_t lo = 0, hi = m;
		/* The first asked for at pos; a caller may ask for a node twice. */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (pos >= 0 && w[mid].pos < (uint64_t)pos)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; e == 0 && pos >= 0 && lo < m && w[lo].pos == (uint64_t)pos; lo++) {
			size_t i = w[lo].i;
			if (!h)
				e = sl_error_set(err, SL_ECORRUPT, "tree node (level %u, index %llu) is "
						 "not 32 bytes", level[i], (unsigned long long)index[i]);
			else
				memcpy(out[i], h, SL_HASH_LEN), found[i] = 1;
		}
	}
	PQclear(r);
	return e;
}

/* Two round trips however many nodes: the interior ones by pos, the leaves by seq. */
static int pg_get_nodes(struct sl_store *base, size_t n, const unsigned *level, const uint64_t *index,
			unsigned char (*out)[SL_HASH_LEN], unsigned char *found, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct want *w;
	size_t i, nleaf = 0, nint = 0;
	int e;

	if (n == 0)
		return 0;
	if ((e = flush(s, err)) < 0)
		return e;
	if (n > SIZE_MAX / sizeof(*w) || !(w = malloc(n * sizeof(*w))))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	/* Leaves from the front of w, interior nodes from the back. */
	for (i = 0; i < n; i++) {
		uint64_t pos = level[i] ? sl_merkle_interior_pos(level[i], index[i]) : index[i];
		found[i] = 0;
		if (pos > INT64_MAX)
			continue; /* beyond any stored tree: not found */
		if (level[i])
			w[n - ++nint] = (struct want){ pos, i };
		else
			w[nleaf++] = (struct want){ pos, i };
	}
	qsort(w, nleaf, sizeof(*w), want_cmp);
	qsort(w + n - nint, nint, sizeof(*w), want_cmp);
	e = 0;
	if (nleaf)
		e = nodes_query(s, "SELECT seq, leaf FROM entries WHERE seq = ANY($1::bigint[])", w, nleaf,
				level, index, out, found, err);
	if (e == 0 && nint)
		e = nodes_query(s, "SELECT pos, hash FROM nodes WHERE pos = ANY($1::bigint[])", w + n - nint,
				nint, level, index, out, found, err);
	free(w);
	return e;
}

static int ts_of(void *ctx, uint64_t seq, char out[SL_TS_LEN + 1], struct sl_error *err)
{
	struct pg_store *s = ctx;
	struct args a = { 0 };
	PGresult *r;
	int e;

	a_u64(&a, seq);
	if ((e = run(s, "SELECT ts FROM entries WHERE seq = $1", &a, &r, err, "unable to read an entry")) < 0)
		return e;
	if (PQntuples(r) != 1 || PQgetisnull(r, 0, 0))
		e = sl_error_set(err, SL_ECORRUPT, "entry %llu is missing", (unsigned long long)seq);
	else
		snprintf(out, SL_TS_LEN + 1, "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	return e;
}

static int head_size(void *ctx, uint64_t *size, struct sl_error *err)
{
	struct sl_head h;
	int e = pg_get_head(ctx, &h, err);

	*size = h.size;
	return e;
}

/* N(T): the first seq whose ts is after `ts`. */
static int pg_size_at(struct sl_store *base, const char *ts, uint64_t *n, struct sl_error *err)
{
	uint64_t size;
	int e;

	if ((e = flush((struct pg_store *)base, err)) < 0 || (e = head_size(base, &size, err)) < 0)
		return e;
	return sl_store_first_after(size, ts, 0, ts_of, base, n, err);
}

static int pg_meta_get(struct sl_store *base, const char *key, struct sl_buf *val,
		       struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct args a = { 0 };
	PGresult *r;
	int e;

	a_text(&a, key);
	if ((e = run(s, "SELECT value FROM meta WHERE key = $1", &a, &r, err,
		     "unable to read metadata")) < 0)
		return e;
	if (PQntuples(r) != 1) {
		e = sl_error_set(err, SL_ENOTFOUND, "no metadata '%s'", key);
	} else {
		sl_buf_reset(val);
		sl_buf_add(val, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
		e = sl_buf_ok(val);
	}
	PQclear(r);
	return e;
}

static int pg_meta_set(struct sl_store *base, const char *key, const char *val, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct args a = { 0 };

	a_text(&a, key);
	a_text(&a, val);
	return run(s, "INSERT INTO meta(key, value) VALUES ($1, $2)"
		   " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", &a, NULL, err,
		   "unable to write metadata");
}

/* ---------------------------------------------------------------------------
 * Listings: a cursor each, inside the caller's transaction or one of their own.
 */

static void pg_scan_close(struct sl_scan *base)
{
	struct pg_scan *it = (struct pg_scan *)base;
	char sql[48];

	if (!it)
		return;
	PQclear(it->res);
	if (it->s->txn != TXN_NONE && it->name[0]) {
		snprintf(sql, sizeof(sql), "CLOSE %s", it->name);
		PQclear(PQexec(it->s->c, sql));
	}
	if (it->own_txn)
		pg_end_read(&it->s->base);
	free(it->type);
	free(it->source);
	free(it);
}

/*
 * A listing of the rows of sql (with its arguments): flushes what the
 * write transaction holds, begins a read transaction when none is open,
 * and declares the cursor.
 */
static int scan_new(struct pg_store *s, enum scan_kind kind, const char *sql, const struct args *a,
		    struct pg_scan **out, struct sl_error *err, const char *what)
{
	struct sl_buf decl = SL_BUF_INIT;
	struct pg_scan *it;
	int e;

	if ((e = flush(s, err)) < 0)
		return e;
	if (!(it = calloc(1, sizeof(*it))))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	it->s = s;
	it->kind = kind;
	it->left = UINT64_MAX;
	if (s->txn == TXN_NONE) {
		if ((e = pg_begin_read(&s->base, err)) < 0) {
			free(it);
			return e;
		}
		it->own_txn = 1;
	}
	snprintf(it->name, sizeof(it->name), "sl_scan_%u", s->cursors++);
	sl_buf_addf(&decl, "DECLARE %s BINARY NO SCROLL CURSOR FOR %s", it->name, sql);
	if ((e = sl_buf_ok(&decl)) < 0)
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
	else
		e = run(s, decl.buf, a, NULL, err, what);
	sl_buf_release(&decl);
	if (e < 0) {
		it->name[0] = '\0';
		pg_scan_close((struct sl_scan *)it);
		return e;
	}
	*out = it;
	return 0;
}

/* The next row of the cursor: 1 with it->res row it->i - 1, 0 at the end. */
static int fetch(struct pg_scan *it, struct sl_error *err, const char *what)
{
	char sql[64];
	int e;

	if (it->i < it->n) {
		it->i++;
		return 1;
	}
	PQclear(it->res);
	it->res = NULL;
	it->i = it->n = 0;
	if (it->done)
		return 0;
	snprintf(sql, sizeof(sql), "FETCH %d FROM %s", FETCH_ROWS, it->name);
	if ((e = run(it->s, sql, NULL, &it->res, err, what)) < 0)
		return e;
	it->n = PQntuples(it->res);
	if (it->n < FETCH_ROWS)
		it->done = 1;
	if (it->n == 0)
		return 0;
	it->i = 1;
	return 1;
}

/*
 * The streams of a filter's type and source glob, as a bigint[] literal in
 * ids: 1 when found (perhaps none: "{}"), 0 when there are too many to
 * list by stream (the caller then reads the seq range and filters).
 */
static int filter_streams(struct pg_store *s, const struct sl_filter *f, struct sl_buf *ids,
			  struct sl_error *err)
{
	struct args a = { 0 };
	PGresult *r;
	int i, n, k = 0, e;

	if (!utf8(f->type)) {
		sl_buf_addstr(ids, "{}");
		return sl_buf_ok(ids) < 0 ? sl_error_set(err, SL_ENOMEM, "out of memory") : 1;
	}
	if (f->type)
		a_text(&a, f->type);
	if ((e = run(s, f->type ? "SELECT id, source FROM streams WHERE type = $1 AND count > 0"
				: "SELECT id, source FROM streams WHERE count > 0",
		     &a, &r, err, "unable to list entries")) < 0)
		return e;
	n = PQntuples(r);
	sl_buf_addch(ids, '{');
	for (i = 0; i < n && k <= FILTER_MAX_STREAMS; i++) {
		const char *src = col_text(r, i, 1);
		if (!src || (f->source && !sl_store_glob_match(f->source, src)))
			continue;
		if (k++)
			sl_buf_addch(ids, ',');
		sl_buf_addi64(ids, col_i64(r, i, 0));
	}
	sl_buf_addch(ids, '}');
	PQclear(r);
	if (sl_buf_ok(ids) < 0)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	return k <= FILTER_MAX_STREAMS;
}

static int scan_open(struct pg_store *s, const struct sl_filter *f, struct pg_scan **out,
		     struct sl_error *err)
{
	struct sl_buf ids = SL_BUF_INIT, q = SL_BUF_INIT;
	struct args a = { 0 };
	uint64_t lo, hi;
	const char *sql;
	int e, by_stream = 0;

	if ((e = flush(s, err)) < 0 || (e = sl_store_seq_range(f, head_size, ts_of, s, &lo, &hi, err)) < 0)
		return e;
	if ((f->type || f->source) && (e = flush(s, err)) == 0)
		e = filter_streams(s, f, &ids, err);
	if (e < 0) {
		sl_buf_release(&ids);
		return e;
	}
	by_stream = e;
	a_u64(&a, lo);
	a_u64(&a, hi);
	if (by_stream) {
		a_text(&a, ids.buf);
		sql = "SELECT " ROW_COLS " FROM entries WHERE seq >= $1 AND seq < $2"
		      " AND stream = ANY($3::bigint[]) ORDER BY seq";
	} else if (f->type) {
		a_text(&a, f->type);
		sql = "SELECT " ROW_COLS " FROM entries WHERE seq >= $1 AND seq < $2 AND type = $3"
		      " ORDER BY seq";
	} else {
		sql = "SELECT " ROW_COLS " FROM entries WHERE seq >= $1 AND seq < $2 ORDER BY seq";
	}
	/* Every row the server gives passes the filters but the glob: a limit without one is the server's. */
	sl_buf_addstr(&q, sql);
	if (f->limit && !f->source) {
		sl_buf_addstr(&q, " LIMIT ");
		sl_buf_addu64(&q, f->limit > INT64_MAX ? INT64_MAX : f->limit);
	}
	e = sl_buf_ok(&q) < 0 ? sl_error_set(err, SL_ENOMEM, "out of memory")
			       : scan_new(s, K_ENTRIES, q.buf, &a, out, err, "unable to list entries");
	sl_buf_release(&q);
	sl_buf_release(&ids);
	if (e < 0)
		return e;
	(*out)->left = f->limit ? f->limit : UINT64_MAX;
	if ((f->type && !((*out)->type = strdup(f->type))) ||
	    (f->source && !((*out)->source = strdup(f->source)))) {
		pg_scan_close((struct sl_scan *)*out);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	return 0;
}

static int pg_scan_open(struct sl_store *base, const struct sl_filter *f, struct sl_scan **out,
			struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	int e, own = s->txn == TXN_NONE;

	/* The time search and the cursor see one state: the same transaction. */
	if (own && (e = pg_begin_read(base, err)) < 0)
		return e;
	if ((e = scan_open(s, f, (struct pg_scan **)out, err)) < 0) {
		if (own)
			pg_end_read(base);
		return e;
	}
	((struct pg_scan *)*out)->own_txn = own;
	return 0;
}

static int pg_scan_next(struct sl_scan *base, struct sl_entry_row *row, struct sl_error *err)
{
	struct pg_scan *it = (struct pg_scan *)base;
	int e;

	while (it->left) {
		if ((e = fetch(it, err, "unable to read entries")) <= 0)
			return e;
		if ((e = row_from(it->res, it->i - 1, row, err)) < 0)
			return e;
		/* The source glob is matched here, exactly as SQLite's GLOB. */
		if ((it->type && strcmp(row->type, it->type) != 0) ||
		    (it->source && !sl_store_glob_match(it->source, row->source)))
			continue;
		if (it->left != UINT64_MAX)
			it->left--;
		return 1;
	}
	return 0;
}

static int pg_nodes_open(struct sl_store *base, uint64_t from, struct sl_scan **out,
			 struct sl_error *err)
{
	struct args a = { 0 };

	a_u64(&a, from);
	return scan_new((struct pg_store *)base, K_NODES,
			"SELECT pos, hash FROM nodes WHERE pos >= $1 ORDER BY pos", &a,
			(struct pg_scan **)out, err, "unable to read tree nodes");
}

static int pg_nodes_next(struct sl_scan *base, uint64_t *pos, unsigned char hash[SL_HASH_LEN],
			 struct sl_error *err)
{
	struct pg_scan *it = (struct pg_scan *)base;
	const unsigned char *h;
	int e;

	if ((e = fetch(it, err, "unable to read tree nodes")) <= 0)
		return e;
	*pos = (uint64_t)col_i64(it->res, it->i - 1, 0);
	if (!(h = col_bytes(it->res, it->i - 1, 1, SL_HASH_LEN)))
		memset(hash, 0, SL_HASH_LEN); /* the caller compares and names the node */
	else
		memcpy(hash, h, SL_HASH_LEN);
	return 1;
}

/* ---------------------------------------------------------------------------
 * Checkpoints.
 */

static int pg_put_checkpoint(struct sl_store *base, uint64_t size,
			     const unsigned char root[SL_HASH_LEN], const char *note, const char *vkey,
			     struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct args a = { 0 };

	if (s->txn != TXN_WRITE)
		return sl_error_set(err, SL_EUSAGE, "a checkpoint is stored inside a write transaction");
	if (size > INT64_MAX)
		return sl_error_set(err, SL_ERANGE, "tree too large");
	a_u64(&a, size);
	a_bin(&a, root, SL_HASH_LEN);
	a_text(&a, note);
	a_text(&a, vkey);
	/* Writers hold the head's lock one at a time: max + 1 numbers them 1, 2, ... */
	return run(s, "INSERT INTO checkpoints(id, size, root, note, vkey)"
		   " SELECT coalesce(max(id), 0) + 1, $1, $2, $3, $4 FROM checkpoints", &a, NULL, err,
		   "unable to store a checkpoint");
}

static int cp_row(const PGresult *r, int i, struct sl_checkpoint_row *row, struct sl_error *err)
{
	int64_t id = col_i64(r, i, 0), size = col_i64(r, i, 1);

	row->root = col_bytes(r, i, 2, SL_HASH_LEN);
	row->note = col_text(r, i, 3);
	row->note_len = row->note ? (size_t)PQgetlength(r, i, 3) : 0;
	row->vkey = col_text(r, i, 4);
	return sl_store_checkpoint_row(row, id, size, err);
}

static int pg_last_checkpoint(struct sl_store *base, uint64_t before, uint64_t *id,
			      struct sl_buf *note, struct sl_buf *vkey, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct sl_checkpoint_row row;
	struct args a = { 0 };
	PGresult *r;
	int e;

	/* The primary key read backwards: one row, however many come before. */
	a_u64(&a, before);
	if ((e = run(s, "SELECT id, size, root, note, vkey FROM checkpoints WHERE id < $1"
		     " ORDER BY id DESC LIMIT 1", &a, &r, err, "unable to read checkpoints")) < 0)
		return e;
	if (PQntuples(r) != 1) {
		e = sl_error_set(err, SL_ENOTFOUND, "no checkpoint");
	} else if ((e = cp_row(r, 0, &row, err)) == 0) {
		e = sl_store_checkpoint_copy(&row, id, note, vkey);
	}
	PQclear(r);
	return e;
}

static int pg_checkpoints_open(struct sl_store *base, uint64_t from, struct sl_scan **out,
			       struct sl_error *err)
{
	struct args a = { 0 };

	a_u64(&a, from);
	return scan_new((struct pg_store *)base, K_CHECKPOINTS,
			"SELECT id, size, root, note, vkey FROM checkpoints WHERE id >= $1 ORDER BY id", &a,
			(struct pg_scan **)out, err, "unable to read checkpoints");
}

static int pg_checkpoints_next(struct sl_scan *base, struct sl_checkpoint_row *row,
			       struct sl_error *err)
{
	struct pg_scan *it = (struct pg_scan *)base;
	int e;

	if ((e = fetch(it, err, "unable to read checkpoints")) <= 0)
		return e;
	if ((e = cp_row(it->res, it->i - 1, row, err)) < 0)
		return e;
	return 1;
}

/* ---------------------------------------------------------------------------
 * Snapshots and streams.
 */

/*
 * The pairs from (after_type, after_source) on in byte order, at most max
 * given to fn, a batch at a time, by the streams' (type, source) index;
 * with want_seq, each with its last seq below `below`, read in the same
 * statement (the server walks entries_stream back from it).  The glob is
 * matched here, and its literal start narrows the pairs the server
 * reads.  A bound that is not UTF-8 cannot be sent: the server starts
 * from its longest valid prefix and the order is checked here, byte by
 * byte.  1 when max pairs were given, 0 when there are no more.
 */
static int pairs_find(struct pg_store *s, const char *after_type, const char *after_source,
		      const char *type, const char *source, int want_seq, uint64_t below, size_t max,
		      int (*fn)(void *ctx, const char *type, const char *source, int found, uint64_t seq),
		      void *ctx, struct sl_error *err)
{
	static const char *const sql[2][2] = {
		{ "SELECT type, source FROM streams WHERE (type, source) >= ($1, $2)"
		  " AND starts_with(source, $3) ORDER BY type, source LIMIT 256",
		  "SELECT type, source FROM streams WHERE (type, source) >= ($1, $2)"
		  " AND starts_with(source, $3) AND type = $4 ORDER BY type, source LIMIT 256" },
		{ "SELECT type, source, id, last, count, (SELECT max(seq) FROM entries"
		  " WHERE stream = streams.id AND seq < $4) FROM streams WHERE (type, source) >= ($1, $2)"
		  " AND starts_with(source, $3) ORDER BY type, source LIMIT 256",
		  "SELECT type, source, id, last, count, (SELECT max(seq) FROM entries"
		  " WHERE stream = streams.id AND seq < $4) FROM streams WHERE (type, source) >= ($1, $2)"
		  " AND starts_with(source, $3) AND type = $5 ORDER BY type, source LIMIT 256" },
	};
	struct sl_buf prefix = SL_BUF_INIT, at = SL_BUF_INIT, as = SL_BUF_INIT;
	const char *ft = after_type ? after_type : "", *fs = after_type ? after_source : "";
	size_t given = 0;
	int e;

	if (!utf8(type) || max == 0)
		return max == 0;
	if ((e = flush(s, err)) < 0)
		return e;
	if (source)
		sl_buf_add(&prefix, source, utf8_prefix(source, strcspn(source, "*?[")));
	if (!utf8(ft)) {
		sl_buf_add(&at, ft, utf8_prefix(ft, strlen(ft)));
		sl_buf_addstr(&as, "");
	} else {
		sl_buf_addstr(&at, ft);
		sl_buf_add(&as, fs, utf8_prefix(fs, strlen(fs)));
	}
	if (sl_buf_ok(&prefix) < 0 || sl_buf_ok(&at) < 0 || sl_buf_ok(&as) < 0) {
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		struct args a = { 0 };
		PGresult *r;
		int i, n;

		a_text(&a, at.buf);
		a_text(&a, as.buf);
		a_text(&a, prefix.buf);
		if (want_seq)
			a_u64(&a, below);
		if (type)
			a_text(&a, type);
		if ((e = run(s, sql[!!want_seq][!!type], &a, &r, err, "unable to list sources")) < 0)
			goto out;
		n = PQntuples(r);
		for (i = 0; i < n; i++) {
			const char *t = col_text(r, i, 0), *src = col_text(r, i, 1);
			int64_t id, last, count, v = -1;
			int c;
			if (!t || !src) {
				PQclear(r);
				e = sl_error_set(err, SL_ECORRUPT, "a stream row has no type or source");
				goto out;
			}
			c = pair_cmp(t, src, ft, fs);
			if (c < 0 || (c == 0 && after_type))
				continue;
			if (source && !sl_store_glob_match(source, src))
				continue;
			if (want_seq) {
				/* As pg_latest_seq reads the pair alone. */
				id = col_i64(r, i, 2);
				last = col_i64(r, i, 3);
				count = col_i64(r, i, 4);
				if (count != 0 && (last < 0 || id < 1)) {
					e = sl_error_set(err, SL_ECORRUPT, "the stream row of '%.40s' is malformed",
							 src);
					PQclear(r);
					goto out;
				}
				if (count != 0 && !PQgetisnull(r, i, 5))
					v = col_i64(r, i, 5);
			}
			if ((e = fn(ctx, t, src, v >= 0, v >= 0 ? (uint64_t)v : 0)) < 0 || ++given == max) {
				PQclear(r);
				e = e < 0 ? e : 1;
				goto out;
			}
		}
		if (n < FIND_BATCH) {
			PQclear(r);
			e = 0;
			goto out;
		}
		/* On from the last pair read (>= reads it again; it is skipped as not after it). */
		sl_buf_reset(&at);
		sl_buf_addstr(&at, col_text(r, n - 1, 0));
		sl_buf_reset(&as);
		sl_buf_addstr(&as, col_text(r, n - 1, 1));
		PQclear(r);
		if (sl_buf_ok(&at) < 0 || sl_buf_ok(&as) < 0) {
			e = sl_error_set(err, SL_ENOMEM, "out of memory");
			goto out;
		}
		/* The next batch starts after the last pair read, which the first pass may not have been. */
		ft = at.buf;
		fs = as.buf;
		after_type = ft;
	}
out:
	sl_buf_release(&prefix);
	sl_buf_release(&at);
	sl_buf_release(&as);
	return e;
}

/* next_key: the first pair pairs_find gives, copied out. */
struct key_out {
	struct sl_buf *type, *source;
	struct sl_error *err;
};

static int key_copy(void *ctx, const char *type, const char *source, int found, uint64_t seq)
{
	struct key_out *k = ctx;

	(void)found;
	(void)seq;
	return sl_store_pair_copy(k->type, k->source, type, source, k->err);
}

static int pg_next_key(struct sl_store *base, const char *after_type, const char *after_source,
		       const char *type, const char *source, struct sl_buf *out_type,
		       struct sl_buf *out_source, struct sl_error *err)
{
	struct key_out k = { out_type, out_source, err };

	return pairs_find((struct pg_store *)base, after_type, after_source, type, source, 0, 0, 1,
			  key_copy, &k, err);
}

static int pg_latest_pairs(struct sl_store *base, const char *after_type, const char *after_source,
			   const char *type, const char *source, uint64_t below, size_t max,
			   int (*fn)(void *ctx, const char *type, const char *source, int found,
				     uint64_t seq),
			   void *ctx, struct sl_error *err)
{
	return pairs_find((struct pg_store *)base, after_type, after_source, type, source, 1, below, max,
			  fn, ctx, err);
}

static int pg_latest_seq(struct sl_store *base, const char *type, const char *source, uint64_t below,
			 uint64_t *seq, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct args a = { 0 };
	int64_t id, last, count, v;
	PGresult *r;
	int e;

	if (!utf8(type) || !utf8(source))
		return 0;
	if ((e = flush(s, err)) < 0)
		return e;
	if (below > INT64_MAX)
		below = INT64_MAX;
	a_text(&a, type);
	a_text(&a, source);
	a_u64(&a, below);
	/* The stream row and its last entry below, in one round trip (a snapshot asks per pair). */
	if ((e = run(s, "SELECT id, last, count, (SELECT max(seq) FROM entries WHERE stream = streams.id"
		     " AND seq < $3) FROM streams WHERE type = $1 AND source = $2", &a, &r,
		     err, "unable to find an entry")) < 0)
		return e;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	id = col_i64(r, 0, 0);
	last = col_i64(r, 0, 1);
	count = col_i64(r, 0, 2);
	v = PQgetisnull(r, 0, 3) ? -1 : col_i64(r, 0, 3);
	PQclear(r);
	if (count == 0)
		return 0;
	if (last < 0 || id < 1)
		return sl_error_set(err, SL_ECORRUPT, "the stream row of '%.40s' is malformed", source);
	if (v < 0)
		return 0;
	*seq = (uint64_t)v;
	return 1;
}

static int pg_streams_open(struct sl_store *base, struct sl_scan **out, struct sl_error *err)
{
	return scan_new((struct pg_store *)base, K_STREAMS,
			"SELECT id, type, source, last, count FROM streams ORDER BY id", NULL,
			(struct pg_scan **)out, err, "unable to list streams");
}

static int pg_streams_next(struct sl_scan *base, struct sl_stream_row *row, struct sl_error *err)
{
	struct pg_scan *it = (struct pg_scan *)base;
	int64_t id, last, count;
	int e, i;

	if ((e = fetch(it, err, "unable to read streams")) <= 0)
		return e;
	i = it->i - 1;
	id = col_i64(it->res, i, 0);
	row->type = col_text(it->res, i, 1);
	row->source = col_text(it->res, i, 2);
	last = col_i64(it->res, i, 3);
	count = col_i64(it->res, i, 4);
	if ((e = sl_store_stream_row(row, id, last, count, err)) < 0)
		return e;
	return 1;
}

/* ---------------------------------------------------------------------------
 * The mutation index: made with the ledger, so always ready.
 */

static int pg_lanes_ready(struct sl_store *base, struct sl_error *err)
{
	(void)base;
	(void)err;
	return 1;
}

static int pg_lanes_create(struct sl_store *base, struct sl_error *err)
{
	(void)base;
	(void)err;
	return 0;
}

static int lane_from(const PGresult *r, int row, int i, struct sl_lane *out, struct sl_error *err)
{
	return sl_store_lane_row(out, col_i64(r, row, i), col_i64(r, row, i + 1), col_i64(r, row, i + 2),
				 col_bytes(r, row, i + 3, SL_POSKEY_LEN), err);
}

static int lane_state(struct pg_store *s, uint64_t id, uint64_t below, struct sl_lane *out,
		      struct sl_error *err)
{
	struct args a = { 0 };
	PGresult *r;
	int e;

	if ((e = flush(s, err)) < 0)
		return e;
	a_u64(&a, id);
	a_u64(&a, below);
	if ((e = run(s, "SELECT count, seq, head, headpos FROM mutations WHERE lane = $1 AND seq < $2"
		     " ORDER BY seq DESC LIMIT 1", &a, &r, err, "unable to read the mutation index")) < 0)
		return e;
	e = PQntuples(r) == 1 ? lane_from(r, 0, 0, out, err) : 0;
	PQclear(r);
	return e;
}

static int pg_lane_last(struct sl_store *base, const char *source, const char *ns, uint64_t *id,
			struct sl_lane *out, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct sl_stream_ent *x;
	struct args a = { 0 };
	PGresult *r;
	int64_t v;
	int e;

	if (!utf8(ns) || !utf8(source))
		return 0;
	/* Only a lane with rows held in memory needs them sent first; the others are as stored. */
	if (s->touched.n) {
		if ((e = sl_streams_find(&s->touched, ns, source, &x)) < 0)
			return sl_error_set(err, e, "out of memory");
		if (e == 1 && (e = flush(s, err)) < 0)
			return e;
	}
	a_text(&a, ns);
	a_text(&a, source);
	/* The lane and its last row, in one round trip. */
	if ((e = run(s, "SELECT l.id, m.count, m.seq, m.head, m.headpos FROM lanes l LEFT JOIN LATERAL"
		     " (SELECT count, seq, head, headpos FROM mutations WHERE lane = l.id ORDER BY seq DESC"
		     " LIMIT 1) m ON true WHERE md5(l.namespace) = md5($1::text)"
		     " AND l.namespace = $1 AND l.source = $2", &a, &r, err,
		     "unable to read the mutation index")) < 0)
		return e;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	v = col_i64(r, 0, 0);
	if (v < 1) {
		PQclear(r);
		return sl_error_set(err, SL_ECORRUPT, "lane %lld of the mutation index is malformed", (long long)v);
	}
	*id = (uint64_t)v;
	if (PQgetisnull(r, 0, 1))
		out->count = 0; /* a lane without rows: as good as new */
	else if ((e = lane_from(r, 0, 1, out, err)) < 0) {
		PQclear(r);
		return e;
	}
	PQclear(r);
	return 1;
}

static int pg_lane_put(struct sl_store *base, uint64_t seq, uint64_t *lane, const char *source,
		       const char *ns, const unsigned char pos[SL_POSKEY_LEN], const struct sl_lane *after,
		       struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct sl_buf *b = &s->mut;
	int e;

	if (seq > INT64_MAX || *lane > INT64_MAX || after->count > INT64_MAX || after->head > seq ||
	    after->last != seq)
		return sl_error_set(err, SL_ERANGE, "mutation index row out of range");
	if (s->txn != TXN_WRITE)
		return sl_error_set(err, SL_EUSAGE, "the mutation index is written inside a write transaction");
	/* Rows held for COPY, as the entries are (a lane's new id: writers are one at a time). */
	if (*lane == 0) {
		if ((e = next_id(s, "lanes", &s->next_lane, err)) < 0)
			return e;
		*lane = s->next_lane++;
		sl_buf_addu64(&s->lan, *lane);
		sl_buf_addch(&s->lan, '\t');
		copy_text(&s->lan, ns, strlen(ns));
		sl_buf_addch(&s->lan, '\t');
		copy_text(&s->lan, source, strlen(source));
		sl_buf_addch(&s->lan, '\n');
		s->nlan++;
	}
	sl_buf_addu64(b, seq);
	sl_buf_addch(b, '\t');
	sl_buf_addu64(b, *lane);
	sl_buf_addch(b, '\t');
	copy_bytea(b, pos, SL_POSKEY_LEN);
	sl_buf_addch(b, '\t');
	sl_buf_addu64(b, after->count);
	sl_buf_addch(b, '\t');
	sl_buf_addu64(b, after->head);
	sl_buf_addch(b, '\t');
	copy_bytea(b, after->headpos, SL_POSKEY_LEN);
	sl_buf_addch(b, '\n');
	s->nmut++;
	{
		struct sl_stream_ent *x;
		if ((e = sl_streams_find(&s->touched, ns, source, &x)) < 0)
			return sl_error_set(err, e, "out of memory");
	}
	if (sl_buf_ok(b) < 0 || sl_buf_ok(&s->lan) < 0)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	return 0;
}

static int pg_lanes_open(struct sl_store *base, const char *source, struct sl_scan **out,
			 struct sl_error *err)
{
	struct pg_scan *it;
	int e;

	if ((e = scan_new((struct pg_store *)base, K_LANES,
			  "SELECT id, namespace, source FROM lanes ORDER BY namespace, source", NULL, &it,
			  err, "unable to list the mutation index")) < 0)
		return e;
	if (source && !(it->source = strdup(source))) {
		pg_scan_close((struct sl_scan *)it);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	*out = (struct sl_scan *)it;
	return 0;
}

static int pg_lanes_next(struct sl_scan *base, struct sl_lane_row *row, struct sl_error *err)
{
	struct pg_scan *it = (struct pg_scan *)base;
	int64_t id;
	int e;

	for (;;) {
		if ((e = fetch(it, err, "unable to read the mutation index")) <= 0)
			return e;
		id = col_i64(it->res, it->i - 1, 0);
		row->ns = col_text(it->res, it->i - 1, 1);
		row->source = col_text(it->res, it->i - 1, 2);
		if ((e = sl_store_lane_name_row(row, id, err)) < 0)
			return e;
		if (it->source && !sl_store_glob_match(it->source, row->source))
			continue;
		return 1;
	}
}

static int pg_lane_at(struct sl_store *base, uint64_t lane, uint64_t below, struct sl_lane *out,
		      struct sl_error *err)
{
	if (lane > INT64_MAX)
		return sl_error_set(err, SL_ERANGE, "no such lane");
	return lane_state((struct pg_store *)base, lane, below, out, err);
}

static int pg_lanes_at(struct sl_store *base, size_t n, const uint64_t *id, uint64_t below,
		       struct sl_lane *out, unsigned char *found, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct sl_buf keys = SL_BUF_INIT;
	struct args a = { 0 };
	PGresult *r;
	size_t i;
	int e, k, rows;

	if (n == 0)
		return 0;
	if ((e = flush(s, err)) < 0)
		return e;
	for (i = 0; i < n; i++) {
		if (id[i] > INT64_MAX)
			return sl_error_set(err, SL_ERANGE, "no such lane");
		found[i] = 0;
	}
	if ((e = bigint_array(&keys, n, id, err)) < 0)
		return e;
	a_text(&a, keys.buf);
	a_u64(&a, below);
	/* Each lane's last row below, as lane_state reads one, in one round trip. */
	e = run(s, "SELECT l.i, m.count, m.seq, m.head, m.headpos"
		" FROM unnest($1::bigint[]) WITH ORDINALITY AS l(id, i) CROSS JOIN LATERAL"
		" (SELECT count, seq, head, headpos FROM mutations WHERE lane = l.id AND seq < $2"
		" ORDER BY seq DESC LIMIT 1) m", &a, &r, err, "unable to read the mutation index");
	sl_buf_release(&keys);
	if (e < 0)
		return e;
	rows = PQntuples(r);
	for (k = 0; e >= 0 && k < rows; k++) {
		int64_t at = col_i64(r, k, 0);
		if (at < 1 || (uint64_t)at > n) {
			e = sl_error_set(err, SL_ECORRUPT, "the mutation index answered for no lane asked");
			break;
		}
		if ((e = lane_from(r, k, 1, &out[at - 1], err)) >= 0)
			found[at - 1] = 1;
	}
	PQclear(r);
	return e < 0 ? e : 0;
}

static int pg_mutations_open(struct sl_store *base, uint64_t from, uint64_t below, struct sl_scan **out,
			     struct sl_error *err)
{
	struct args a = { 0 };

	/* From 0: from the first row, so that a row of a negative seq is met (and refused) too. */
	if (from == 0)
		a_i64(&a, INT64_MIN);
	else
		a_u64(&a, from);
	a_u64(&a, below);
	return scan_new((struct pg_store *)base, K_MUTATIONS,
			"SELECT m.count, m.seq, m.head, m.headpos, m.lane, l.namespace, l.source, m.pos"
			" FROM mutations m LEFT JOIN lanes l ON l.id = m.lane"
			" WHERE m.seq >= $1 AND m.seq < $2 ORDER BY m.seq", &a, (struct pg_scan **)out, err,
			"unable to list the mutation index");
}

static int pg_mutations_next(struct sl_scan *base, struct sl_mutation_row *row, struct sl_error *err)
{
	struct pg_scan *it = (struct pg_scan *)base;
	int64_t lane;
	int e, i;

	if ((e = fetch(it, err, "unable to read the mutation index")) <= 0)
		return e;
	i = it->i - 1;
	if ((e = lane_from(it->res, i, 0, &row->after, err)) < 0)
		return e;
	row->seq = row->after.last;
	lane = col_i64(it->res, i, 4);
	row->ns = col_text(it->res, i, 5);
	row->source = col_text(it->res, i, 6);
	row->pos = col_bytes(it->res, i, 7, SL_POSKEY_LEN);
	if ((e = sl_store_mutation_row(row, lane, err)) < 0)
		return e;
	return 1;
}

/* ---------------------------------------------------------------------------
 * Artifacts: content-addressed rows, so that every server sees them.
 */

static int pg_artifact_put(struct sl_store *base, const unsigned char digest[SL_HASH_LEN], const void *data,
			   size_t len, int *created, struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	struct args a = { 0 };
	PGresult *r;
	int e;

	if (len > INT32_MAX)
		return sl_error_set(err, SL_EINVAL, "an artifact of %zu bytes is too large for the database", len);
	a_bin(&a, digest, SL_HASH_LEN);
	a_bin(&a, len ? data : "", len);
	/* Stored once; a stored copy that no longer hashes to its name is replaced. */
	if ((e = run(s, "INSERT INTO artifacts(digest, content) VALUES ($1, $2) ON CONFLICT (digest) DO UPDATE"
		     " SET content = EXCLUDED.content WHERE sha256(artifacts.content) <> artifacts.digest", &a,
		     &r, err, "unable to store an artifact")) < 0)
		return e;
	if (created)
		*created = strcmp(PQcmdTuples(r), "1") == 0;
	PQclear(r);
	return 0;
}

static int pg_artifact_get(struct sl_store *base, const unsigned char digest[SL_HASH_LEN], struct sl_buf *out,
			   struct sl_error *err)
{
	struct pg_store *s = (struct pg_store *)base;
	char hex[SL_HEX_LEN + 1];
	struct args a = { 0 };
	PGresult *r;
	int e;

	a_bin(&a, digest, SL_HASH_LEN);
	if ((e = run(s, out ? "SELECT content FROM artifacts WHERE digest = $1"
			    : "SELECT 1 FROM artifacts WHERE digest = $1", &a, &r, err,
		     "unable to read an artifact")) < 0)
		return e;
	if (PQntuples(r) != 1) {
		sl_hex_encode(hex, digest, SL_HASH_LEN);
		e = sl_error_set(err, SL_ENOTFOUND, "no artifact sha256:%s", hex);
	} else if (out) {
		sl_buf_reset(out);
		sl_buf_add(out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
		if (sl_buf_ok(out) < 0)
			e = sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	PQclear(r);
	return e;
}

static int pg_artifacts_open(struct sl_store *base, struct sl_scan **out, struct sl_error *err)
{
	return scan_new((struct pg_store *)base, K_ARTIFACTS, "SELECT digest FROM artifacts ORDER BY digest",
			NULL, (struct pg_scan **)out, err, "unable to list artifacts");
}

static int pg_artifacts_next(struct sl_scan *base, unsigned char digest[SL_HASH_LEN], struct sl_error *err)
{
	struct pg_scan *it = (struct pg_scan *)base;
	const unsigned char *d;
	int e;

	if ((e = fetch(it, err, "unable to list artifacts")) <= 0)
		return e;
	if (!(d = col_bytes(it->res, it->i - 1, 0, SL_HASH_LEN)))
		return sl_error_set(err, SL_ECORRUPT, "an artifact row's digest is not 32 bytes");
	memcpy(digest, d, SL_HASH_LEN);
	return 1;
}

const struct sl_store_ops sl_store_pg = {
	.name = "postgresql",
	.create = pg_create,
	.open = pg_open,
	.close = pg_close,
	.begin_read = pg_begin_read,
	.end_read = pg_end_read,
	.begin_write = pg_begin_write,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.get_head = pg_get_head,
	.set_head = pg_set_head,
	.put_entry = pg_put_entry,
	.get_entry = pg_get_entry,
	.put_node = pg_put_node,
	.get_node = pg_get_node,
	.get_entries = pg_get_entries,
	.get_nodes = pg_get_nodes,
	.size_at = pg_size_at,
	.meta_get = pg_meta_get,
	.meta_set = pg_meta_set,
	.scan_open = pg_scan_open,
	.scan_next = pg_scan_next,
	.nodes_open = pg_nodes_open,
	.nodes_next = pg_nodes_next,
	.scan_close = pg_scan_close,
	.put_checkpoint = pg_put_checkpoint,
	.last_checkpoint = pg_last_checkpoint,
	.checkpoints_open = pg_checkpoints_open,
	.checkpoints_next = pg_checkpoints_next,
	.next_key = pg_next_key,
	.latest_seq = pg_latest_seq,
	.latest_pairs = pg_latest_pairs,
	.streams_open = pg_streams_open,
	.streams_next = pg_streams_next,
	.lanes_ready = pg_lanes_ready,
	.lanes_create = pg_lanes_create,
	.lane_last = pg_lane_last,
	.lane_put = pg_lane_put,
	.lanes_open = pg_lanes_open,
	.lanes_next = pg_lanes_next,
	.lane_at = pg_lane_at,
	.lanes_at = pg_lanes_at,
	.mutations_open = pg_mutations_open,
	.mutations_next = pg_mutations_next,
	.artifact_put = pg_artifact_put,
	.artifact_get = pg_artifact_get,
	.artifacts_open = pg_artifacts_open,
	.artifacts_next = pg_artifacts_next,
	.release = pg_release,
	.replica = pg_replica,
};
