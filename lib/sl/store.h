// SPDX-License-Identifier: MIT
/*
 * The store: where entries, tree nodes, the head and ledger metadata live.
 *
 * Everything that knows SQL is behind struct sl_store_ops, so that cmd/
 * and the log logic in ledger.c never know which backend holds the log.
 * The backends are lib/store-sqlite.c (a directory) and lib/store-pg.c
 * (PostgreSQL, for several servers sharing one ledger); t/unit/u-store.c
 * holds both to this contract.
 *
 * Rows returned by get_entry and scan_next point into the backend's memory
 * and stay valid only until the next call on the same store or scan.
 * Every function returns 0 or a negative SL_E... code; scan_next and
 * nodes_next return 1 for a row and 0 at the end.
 */
#ifndef SL_STORE_H
#define SL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/hash.h"
#include "sl/time.h"

#define SL_STORE_RDONLY 0x1 /* open for reading only */
#define SL_STORE_CREATE 0x2 /* the SQLite backend's own: its create makes the database with it */

struct sl_entry_row {
	uint64_t seq;
	const char *ts;
	const char *type;
	const char *source;
	const unsigned char *entry; /* canonical bytes */
	size_t len;
	const unsigned char *leaf;  /* stored leaf hash: SL_HASH_LEN bytes, or NULL if malformed */
	/*
	 * The stream index (see "Streams" below), as stored: the entry's
	 * stream id, the seq of the previous entry of its (type, source) or -1
	 * for the first, and how many entries of that pair come before it.
	 * Derived data: sl_ledger_verify checks it against the entries.
	 */
	uint64_t stream;
	int64_t prev;
	uint64_t nth;
};

/* One (type, source) pair: its id, newest seq and number of entries. */
struct sl_stream_row {
	uint64_t id;
	const char *type;
	const char *source;
	uint64_t last;
	uint64_t count;
};

/* What sl-log and the HTTP entries listing filter on; zero = no filter. */
struct sl_filter {
	const char *type;   /* exact type */
	const char *source; /* a glob, as sl_store_glob_match: *, ?, [...], [^...]; case-sensitive */
	const char *since;  /* ts >= since (ts form) */
	const char *until;  /* ts <= until (ts form) */
	uint64_t from;      /* seq >= from */
	uint64_t below;     /* seq < below; 0 = no bound */
	uint64_t limit;     /* at most this many rows; 0 = all */
};

/* The head: the tree size, its root and the ts of the last entry. */
struct sl_head {
	uint64_t size;
	unsigned char root[SL_HASH_LEN];
	char ts[SL_TS_LEN + 1]; /* "" when the log is empty */
};

/* A stored checkpoint; the pointers stay valid until the next checkpoints_next. */
struct sl_checkpoint_row {
	uint64_t id;               /* 1, 2, ... in the order they were signed */
	uint64_t size;             /* copy of the note's size, for queries */
	const unsigned char *root; /* copy of the note's root: SL_HASH_LEN bytes, or NULL if malformed */
	const char *note;          /* the signed note, as signed */
	size_t note_len;
	const char *vkey;          /* the verifier keys that signed it, signed-note form, one a line */
};

/*
 * The mutation index (see lib/sl/heads.h for the rule it serves): the
 * mutations of one (source, namespace) are a lane, and each has a row
 * holding the lane's state after it.
 */
#define SL_POSKEY_LEN 9 /* a position's sort key: kind (1 integer, 2 LSN), 8 bytes big-endian */

struct sl_lane {
	uint64_t count;                        /* how many mutations; 0: none */
	uint64_t last;                         /* the seq of the last appended */
	uint64_t head;                         /* the seq of the head */
	unsigned char headpos[SL_POSKEY_LEN];  /* the head's position key */
};

/* One row of the mutation index; the pointers stay valid until the next mutations_next. */
struct sl_mutation_row {
	uint64_t seq;
	uint64_t lane;
	const char *ns;
	const char *source;
	const unsigned char *pos;  /* SL_POSKEY_LEN bytes, or NULL when malformed */
	struct sl_lane after;      /* the lane's state after it */
};

/* One lane; the pointers stay valid until the next lanes_next. */
struct sl_lane_row {
	uint64_t id;
	const char *ns;
	const char *source;
};

struct sl_store;
struct sl_scan;

/*
 * 1 when `s` matches the source glob `pattern` exactly as every backend's
 * filtered listings and snapshots match it (struct sl_filter's source:
 * `*`, `?` one UTF-8 character, `[...]`, `[^...]` with ranges, a `]`
 * first in a set literal, case-sensitive, no escapes; the rules of
 * SQLite's GLOB, which this is), else 0.  Needs no store: an offline
 * verifier uses it to recompute what a filtered snapshot holds.
 */
int sl_store_glob_match(const char *pattern, const char *s);

/*
 * A backend is chosen by the ledger's address alone (sl_store_for): a
 * directory is the embedded SQLite ledger; a PostgreSQL URI
 * (postgresql://, postgres://) the PostgreSQL one.  Everything above the
 * store sees only these operations, never how a backend keeps them.
 */
struct sl_store_ops {
	const char *name;
	/* Make an empty ledger at address: SL_EEXIST when something is there. */
	int (*create)(const char *address, struct sl_error *err);
	/* Open the ledger at address: SL_ENOLEDGER when there is none. */
	int (*open)(struct sl_store **out, const char *address, int flags, int busy_ms,
		    struct sl_error *err);
	void (*close)(struct sl_store *s);

	/*
	 * A read transaction sees one consistent state until end_read (a
	 * backend may fix that state at its first read, not at begin_read).
	 * end_read is for read transactions only.
	 */
	int (*begin_read)(struct sl_store *s, struct sl_error *err);
	void (*end_read)(struct sl_store *s);
	/* A write transaction excludes other writers (waits busy_ms, then SL_EBUSY). */
	int (*begin_write)(struct sl_store *s, struct sl_error *err);
	/* Durable when it returns 0. */
	int (*commit)(struct sl_store *s, struct sl_error *err);
	void (*rollback)(struct sl_store *s);

	int (*get_head)(struct sl_store *s, struct sl_head *h, struct sl_error *err);
	int (*set_head)(struct sl_store *s, const struct sl_head *h, struct sl_error *err);
	/* An entry (at least one byte) with its leaf hash (the tree's level-0 node). */
	int (*put_entry)(struct sl_store *s, uint64_t seq, const char *ts, const char *type,
			 const char *source, const void *entry, size_t len,
			 const unsigned char leaf[SL_HASH_LEN], struct sl_error *err);
	/* SL_ENOTFOUND when there is no entry seq. */
	int (*get_entry)(struct sl_store *s, uint64_t seq, struct sl_entry_row *row,
			 struct sl_error *err);
	/* An interior node (level >= 1); leaves come with put_entry. */
	int (*put_node)(struct sl_store *s, unsigned level, uint64_t index,
			const unsigned char hash[SL_HASH_LEN], struct sl_error *err);
	/* Any complete subtree, level 0 included; SL_ENOTFOUND when not stored. */
	int (*get_node)(struct sl_store *s, unsigned level, uint64_t index,
			unsigned char out[SL_HASH_LEN], struct sl_error *err);
	/*
	 * Optional (NULL: get_entry one at a time; call it through
	 * sl_store_get_entries): the entries seq[0..n) at once, for a reader
	 * that needs many (a snapshot's named entries).  fn is called once for
	 * each one stored, in any order, with a row valid only during the
	 * call; a seq not stored is left out; a negative return of fn ends it
	 * with that code.
	 */
	int (*get_entries)(struct sl_store *s, size_t n, const uint64_t *seq,
			   int (*fn)(void *ctx, const struct sl_entry_row *row), void *ctx,
			   struct sl_error *err);
	/*
	 * Optional (NULL: get_node one at a time; call it through
	 * sl_store_get_nodes): the n nodes (level[i], index[i]) at once, as
	 * get_node would give each, for a reader that needs many (the proofs
	 * of a snapshot) from a backend where each call is a round trip.
	 * found[i] is 1 with out[i] set, or 0 when the node is not stored;
	 * a malformed node is SL_ECORRUPT, as from get_node.
	 */
	int (*get_nodes)(struct sl_store *s, size_t n, const unsigned *level, const uint64_t *index,
			 unsigned char (*out)[SL_HASH_LEN], unsigned char *found, struct sl_error *err);
	/*
	 * The number of entries with ts <= `ts`, i.e. the tree size N(T);
	 * only entries within the head's size count (as for a filter's since
	 * and until), so entries put in a transaction before its set_head do not.
	 */
	int (*size_at)(struct sl_store *s, const char *ts, uint64_t *n, struct sl_error *err);
	/* Metadata; get returns SL_ENOTFOUND for a missing key. */
	int (*meta_get)(struct sl_store *s, const char *key, struct sl_buf *val,
			struct sl_error *err);
	int (*meta_set)(struct sl_store *s, const char *key, const char *val,
			struct sl_error *err);

	/*
	 * A listing sees one state of the log: outside a read transaction of
	 * the caller's it begins its own, ended by scan_close, and no other
	 * transaction may begin on this store until then.
	 */
	int (*scan_open)(struct sl_store *s, const struct sl_filter *f, struct sl_scan **it,
			 struct sl_error *err);
	int (*scan_next)(struct sl_scan *it, struct sl_entry_row *row, struct sl_error *err);
	/* Interior nodes in post-order (sl_merkle_interior_pos) from position `from`. */
	int (*nodes_open)(struct sl_store *s, uint64_t from, struct sl_scan **it,
			  struct sl_error *err);
	int (*nodes_next)(struct sl_scan *it, uint64_t *pos, unsigned char hash[SL_HASH_LEN],
			  struct sl_error *err);
	void (*scan_close)(struct sl_scan *it);

	/*
	 * Checkpoints.  put_checkpoint runs inside a write transaction and
	 * numbers the checkpoint after the last one (a backend may make its
	 * table there, for a ledger made before checkpoints existed).
	 * last_checkpoint copies the newest one with an id below `before`
	 * (UINT64_MAX: the newest of all), reading that one row from the
	 * newest down, so its cost does not grow with the checkpoints
	 * before it; SL_ENOTFOUND when there is none.  checkpoints_open lists those with id >= from in id order;
	 * checkpoints_next returns 1 for a row, 0 at the end; close the scan
	 * with scan_close.
	 */
	int (*put_checkpoint)(struct sl_store *s, uint64_t size, const unsigned char root[SL_HASH_LEN],
			      const char *note, const char *vkey, struct sl_error *err);
	int (*last_checkpoint)(struct sl_store *s, uint64_t before, uint64_t *id,
			       struct sl_buf *note, struct sl_buf *vkey, struct sl_error *err);
	int (*checkpoints_open)(struct sl_store *s, uint64_t from, struct sl_scan **it,
				struct sl_error *err);
	int (*checkpoints_next)(struct sl_scan *it, struct sl_checkpoint_row *row,
				struct sl_error *err);

	/*
	 * Snapshots.  next_key finds the first (type, source) after
	 * (after_type, after_source) in (type, source) byte order (after_type
	 * NULL: the first of all), restricted to `type` when not NULL and to
	 * sources matching the GLOB `source` when not NULL; 1 with the pair
	 * copied into the buffers, 0 when there is none.  latest_seq finds the
	 * last seq < below of that pair: 1 with *seq, 0 when there is none.
	 * Both cost O(log n) reads per call.
	 */
	int (*next_key)(struct sl_store *s, const char *after_type, const char *after_source,
			const char *type, const char *source, struct sl_buf *out_type,
			struct sl_buf *out_source, struct sl_error *err);
	int (*latest_seq)(struct sl_store *s, const char *type, const char *source, uint64_t below,
			  uint64_t *seq, struct sl_error *err);
	/*
	 * Optional (NULL: next_key then latest_seq for each pair; call it
	 * through sl_store_latest_pairs): the pairs next_key would find one
	 * after another from (after_type, after_source), at most max of them,
	 * each with its latest_seq below `below`, for a reader that needs
	 * every pair (a snapshot) from a backend where each call is a round
	 * trip.  fn is called for each pair in (type, source) byte order with
	 * found 1 and seq set, or found 0 when the pair has no entry below;
	 * the strings are valid only during the call; a negative return of fn
	 * ends it with that code.  1 when max pairs were given (more may
	 * follow), 0 when there are no more.
	 */
	int (*latest_pairs)(struct sl_store *s, const char *after_type, const char *after_source,
			    const char *type, const char *source, uint64_t below, size_t max,
			    int (*fn)(void *ctx, const char *type, const char *source, int found,
				      uint64_t seq),
			    void *ctx, struct sl_error *err);

	/*
	 * Streams: every (type, source) pair has a row with an id, its newest
	 * seq and its number of entries, kept by put_entry.  streams_open
	 * lists them in id order; streams_next returns 1 for a row (valid
	 * until the next call), 0 at the end; close with scan_close.
	 */
	int (*streams_open)(struct sl_store *s, struct sl_scan **it, struct sl_error *err);
	int (*streams_next)(struct sl_scan *it, struct sl_stream_row *row, struct sl_error *err);

	/*
	 * The mutation index.  Ledgers made before it have none until their
	 * next append: lanes_ready returns 1 when it is there, 0 when not, and
	 * lanes_create (inside a write transaction) makes it, empty, for the
	 * caller to fill.  lane_last finds lane (source, ns): 1 with its id
	 * and its state after its last mutation, or 0 when there is none.
	 * lane_put adds the row of mutation seq with the lane's state after
	 * it, to lane *id, or when *id is 0 to a new lane (source, ns) whose
	 * id it sets; the state must be one after seq (after->last == seq,
	 * after->head <= seq), else SL_ERANGE.  lanes_open
	 * lists the lanes whose source matches the GLOB `source` (NULL: all)
	 * in (namespace, source) byte order; close with scan_close.  lane_at
	 * copies a lane's state after its last mutation below `below`: 1, or 0
	 * when it has none there.  lane_last and lane_at cost O(log n).
	 */
	int (*lanes_ready)(struct sl_store *s, struct sl_error *err);
	int (*lanes_create)(struct sl_store *s, struct sl_error *err);
	int (*lane_last)(struct sl_store *s, const char *source, const char *ns, uint64_t *id,
			 struct sl_lane *out, struct sl_error *err);
	int (*lane_put)(struct sl_store *s, uint64_t seq, uint64_t *id, const char *source, const char *ns,
			const unsigned char pos[SL_POSKEY_LEN], const struct sl_lane *after,
			struct sl_error *err);
	int (*lanes_open)(struct sl_store *s, const char *source, struct sl_scan **it,
			  struct sl_error *err);
	int (*lanes_next)(struct sl_scan *it, struct sl_lane_row *row, struct sl_error *err);
	int (*lane_at)(struct sl_store *s, uint64_t lane, uint64_t below, struct sl_lane *out,
		       struct sl_error *err);
	/*
	 * Optional (NULL: lane_at for each; call it through
	 * sl_store_lanes_at): lane_at of the n lanes id[i] at once: found[i]
	 * 1 with out[i] set, or 0 when the lane has no mutation below.
	 */
	int (*lanes_at)(struct sl_store *s, size_t n, const uint64_t *id, uint64_t below,
			struct sl_lane *out, unsigned char *found, struct sl_error *err);
	/* The rows with from <= seq < below in seq order (sl-verify's check); close with scan_close. */
	int (*mutations_open)(struct sl_store *s, uint64_t from, uint64_t below, struct sl_scan **it,
			      struct sl_error *err);
	int (*mutations_next)(struct sl_scan *it, struct sl_mutation_row *row, struct sl_error *err);

	/*
	 * Artifacts (lib/artifact.c), for a backend that keeps them in its
	 * database so that every server sees them; NULL in one whose ledger
	 * keeps them as files (sl_store_keeps_files).  artifact_put stores len
	 * bytes under their SHA-256 `digest` (the caller's), durably when it
	 * returns, once: *created (may be NULL) 1 when new, 0 when there (a
	 * stored copy whose bytes do not match is replaced).  artifact_get
	 * copies the stored bytes, unchecked, into out (NULL: only whether
	 * they are there): SL_ENOTFOUND when none.  artifacts_open lists every
	 * digest in byte order; artifacts_next returns 1 with one, 0 at the
	 * end; close with scan_close.  Not inside a write transaction.
	 */
	int (*artifact_put)(struct sl_store *s, const unsigned char digest[SL_HASH_LEN], const void *data,
			    size_t len, int *created, struct sl_error *err);
	int (*artifact_get)(struct sl_store *s, const unsigned char digest[SL_HASH_LEN], struct sl_buf *out,
			    struct sl_error *err);
	int (*artifacts_open)(struct sl_store *s, struct sl_scan **it, struct sl_error *err);
	int (*artifacts_next)(struct sl_scan *it, unsigned char digest[SL_HASH_LEN], struct sl_error *err);

	/*
	 * Let go of the rows get_entry returned (they become invalid), so
	 * that an idle reader (a server between requests) holds no snapshot
	 * of the log open, which would keep a backend from cleaning up behind
	 * the writers.
	 */
	void (*release)(struct sl_store *s);

	/*
	 * 1 when the store is a read-only replica that replays another's log
	 * (a hot standby: every read works, every write is SL_EREPLICA), 0
	 * when it takes writes, or a negative SL_E... code when it cannot be
	 * asked.  NULL for a backend that has no replicas (always 0).
	 */
	int (*replica)(struct sl_store *s, struct sl_error *err);

	/*
	 * Whether a write could be taken, asked without writing (for a
	 * server's readiness): 0, SL_EACCES when the store may not be written
	 * (a read-only file system, permissions) or SL_ENOSPACE when no room
	 * is left.  A probe: a write may still fail for a reason it cannot
	 * see.  NULL for a backend that cannot tell (always 0).
	 */
	int (*writable)(struct sl_store *s, struct sl_error *err);
};

/* Every store starts with this, so generic code can reach its ops. */
struct sl_store {
	const struct sl_store_ops *ops;
};

extern const struct sl_store_ops sl_store_sqlite;
extern const struct sl_store_ops sl_store_pg;

/*
 * The store's get_nodes, or get_node for each node when it has none:
 * 0 with found[] and out[] set, or a negative SL_E... code.
 */
int sl_store_get_nodes(struct sl_store *s, size_t n, const unsigned *level, const uint64_t *index,
		       unsigned char (*out)[SL_HASH_LEN], unsigned char *found,
		       struct sl_error *err) SL_WUR;

/* The store's get_entries, or get_entry for each seq when it has none. */
int sl_store_get_entries(struct sl_store *s, size_t n, const uint64_t *seq,
			 int (*fn)(void *ctx, const struct sl_entry_row *row), void *ctx,
			 struct sl_error *err) SL_WUR;

/* The store's latest_pairs, or next_key and latest_seq for each pair when it has none. */
int sl_store_latest_pairs(struct sl_store *s, const char *after_type, const char *after_source,
			  const char *type, const char *source, uint64_t below, size_t max,
			  int (*fn)(void *ctx, const char *type, const char *source, int found,
				    uint64_t seq),
			  void *ctx, struct sl_error *err) SL_WUR;

/* For latest_pairs' callers and backends: (type, source) copied into the two buffers; 0 or SL_ENOMEM. */
int sl_store_pair_copy(struct sl_buf *out_type, struct sl_buf *out_source, const char *type,
		       const char *source, struct sl_error *err) SL_WUR;

/* The store's lanes_at, or lane_at for each lane when it has none. */
int sl_store_lanes_at(struct sl_store *s, size_t n, const uint64_t *id, uint64_t below,
		      struct sl_lane *out, unsigned char *found, struct sl_error *err) SL_WUR;

/* A directory ledger's database file, in the directory (the SQLite backend). */
#define SL_STORE_SQLITE_DB "ledger.db"

/*
 * The backend of a ledger address, or NULL with err set (SL_EUSAGE) when
 * no backend of this build takes it.
 */
const struct sl_store_ops *sl_store_for(const char *address, struct sl_error *err);
/*
 * 1 when the ledger at address keeps files of its own beside its store (a
 * directory ledger: artifacts/ and keys/), 0 when it is a database that
 * every server reaches (its private keys are then files named apart:
 * -k, SL_KEY or SL_KEY_DIR).
 */
int sl_store_keeps_files(const char *address);

/*
 * The address as it may be shown (messages, logs): a PostgreSQL URI's
 * password, in its user part (up to the address's last '@') or as the
 * value of any parameter whose decoded name holds "pass" in any case,
 * becomes "***".
 * Returns out's text ("" when out cannot hold it).
 */
const char *sl_store_address_shown(const char *address, struct sl_buf *out);

/*
 * For backends: rows as read, checked the same way by every backend.
 * sl_store_entry_row finishes an entry row whose other members the caller
 * set, from its seq, stream and nth columns; sl_store_checkpoint_row a
 * checkpoint row from its id and size; sl_store_stream_row a stream row
 * whose type and source the caller set, from its id, last and count
 * columns; sl_store_lane_name_row a lanes listing's row whose namespace
 * and source the caller set, from its id; sl_store_mutation_row a
 * mutation index row whose seq, namespace and source the caller set, from
 * its lane column; sl_store_lane_row a lane's state
 * from its count, last seq, head seq and head position (NULL when not
 * SL_POSKEY_LEN bytes).  0 (1 for a lane) or SL_ECORRUPT naming the row.
 * sl_store_checkpoint_copy copies a checked checkpoint row out as
 * last_checkpoint gives it (0 or SL_ENOMEM).
 */
int sl_store_entry_row(struct sl_entry_row *row, int64_t seq, int64_t stream, int64_t nth,
		       struct sl_error *err) SL_WUR;
int sl_store_checkpoint_row(struct sl_checkpoint_row *row, int64_t id, int64_t size,
			    struct sl_error *err) SL_WUR;
int sl_store_stream_row(struct sl_stream_row *row, int64_t id, int64_t last, int64_t count,
			struct sl_error *err) SL_WUR;
int sl_store_lane_name_row(struct sl_lane_row *row, int64_t id, struct sl_error *err) SL_WUR;
int sl_store_mutation_row(struct sl_mutation_row *row, int64_t lane, struct sl_error *err) SL_WUR;
int sl_store_lane_row(struct sl_lane *out, int64_t count, int64_t last, int64_t head,
		      const unsigned char *headpos, struct sl_error *err) SL_WUR;
int sl_store_checkpoint_copy(const struct sl_checkpoint_row *row, uint64_t *id, struct sl_buf *note,
			     struct sl_buf *vkey) SL_WUR;

/*
 * For backends: the first seq below size whose ts is after `ts` (with
 * inclusive, at or after it), by binary search on seq, reading the ts of
 * an entry with ts_at (ts is non-decreasing in seq).  size_at(T) is the
 * exclusive search.  O(log size) reads.
 */
typedef int (*sl_store_ts_fn)(void *ctx, uint64_t seq, char out[SL_TS_LEN + 1],
			      struct sl_error *err);
int sl_store_first_after(uint64_t size, const char *ts, int inclusive, sl_store_ts_fn ts_at,
			 void *ctx, uint64_t *n, struct sl_error *err) SL_WUR;
/*
 * For backends: the seqs a filter's from, below, since and until leave,
 * [*lo, *hi) with *hi <= INT64_MAX and *lo <= *hi, in a log of `size`
 * entries (the head's; read only when the filter has a time: pass
 * get_size, which is called at most once).  O(log size) reads of ts_at.
 */
typedef int (*sl_store_size_fn)(void *ctx, uint64_t *size, struct sl_error *err);
int sl_store_seq_range(const struct sl_filter *f, sl_store_size_fn get_size, sl_store_ts_fn ts_at,
		       void *ctx, uint64_t *lo, uint64_t *hi, struct sl_error *err) SL_WUR;

#endif
