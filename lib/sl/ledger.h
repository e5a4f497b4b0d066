// SPDX-License-Identifier: MIT
/*
 * The ledger: the store named by the ledger's address (a directory, or a
 * PostgreSQL URI; lib/sl/store.h chooses the backend), and the log logic
 * on top of it: appending batches with their tree nodes, roots, proofs and
 * full verification.  Nothing here depends on which backend holds the log.
 */
#ifndef SL_LEDGER_H
#define SL_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "sl/entry.h"
#include "sl/err.h"
#include "sl/merkle.h"
#include "sl/proof.h"
#include "sl/heads.h"
#include "sl/progress.h"
#include "sl/store.h"

#define SL_LEDGER_DEFAULT ".stateledger"
#define SL_ORIGIN_MAX 255

#define SL_LEDGER_RDONLY SL_STORE_RDONLY

struct sl_ledger {
	char *dir;
	struct sl_store *store;
	struct sl_buf scratch; /* private: the reads' check (ledger.c), so a row costs no malloc */
	struct sl_lane_cache *lanes; /* private: the mutation index's lanes (ledger-mutations.c) */
};

/*
 * Create a ledger at the address dir: for a directory, the directory (0700;
 * an existing empty directory is used), artifacts/ and keys/ (0700) and the
 * store's database (0600), with `origin`
 * as the name its checkpoints carry.  SL_EEXIST if dir is not empty.
 */
int sl_ledger_init(const char *dir, const char *origin, struct sl_error *err) SL_WUR;

/* A valid checkpoint origin: 1-255 printable ASCII bytes, no spaces, not "+". */
int sl_origin_valid(const char *origin);

/*
 * Open the ledger at the address dir; busy_ms is how long a writer waits
 * for the lock.  A handle serves one thread at a time (the store's
 * connection is not shared between threads: a threaded server opens one
 * per thread); between its calls it holds no view of the log open.
 */
int sl_ledger_open(struct sl_ledger **out, const char *dir, int flags, int busy_ms,
		   struct sl_error *err) SL_WUR;
/*
 * Close the ledger (NULL is allowed).  After a write failed (an append, a
 * checkpoint) a program closes the ledger before it reports the failure
 * and exits: closing is where the store discards whatever the failed
 * commit left behind, so that a batch reported as not appended (no
 * receipt) cannot be found in the log by the next opener.
 */
void sl_ledger_close(struct sl_ledger *l);

/* The origin recorded at init. */
int sl_ledger_origin(struct sl_ledger *l, struct sl_buf *out, struct sl_error *err) SL_WUR;

/* The current head (size, root, ts of the last entry). */
int sl_ledger_head(struct sl_ledger *l, struct sl_head *h, struct sl_error *err) SL_WUR;

/*
 * 1 when the ledger's store is a read-only replica of another (a
 * PostgreSQL hot standby): it serves every read, as of what it has
 * replayed, and refuses every write with SL_EREPLICA.  0 when it takes
 * writes; a negative SL_E... code (err set) when the store cannot answer.
 */
int sl_ledger_replica(struct sl_ledger *l, struct sl_error *err) SL_WUR;
/*
 * Whether l could take a write now, asked without writing: 0, SL_EACCES
 * (may not be written: a read-only file system, permissions) or
 * SL_ENOSPACE (no room left).  A write may still fail for other reasons.
 */
int sl_ledger_writable(struct sl_ledger *l, struct sl_error *err) SL_WUR;

struct sl_receipt {
	uint64_t seq;
	char ts[SL_TS_LEN + 1];
	unsigned char leaf[SL_HASH_LEN];
};

/*
 * Append every entry of b in one transaction: assign seq and ts (the
 * ledger's clock, never earlier than the last entry's ts), store the
 * entries and the nodes they complete, and commit durably.  On success
 * receipts[0..b->n) are filled (the caller provides b->n of them).  On
 * failure nothing of the batch is in the ledger.
 */
int sl_ledger_append(struct sl_ledger *l, const struct sl_batch *b, struct sl_receipt *receipts,
		     struct sl_error *err) SL_WUR;

/*
 * Append entries verbatim, as another ledger holds them (sl-copy), in one
 * write transaction: rows[0..n) with their own seq, ts, type, source and
 * canonical bytes (entry, len), neither re-timestamped nor
 * re-canonicalised; their leaf, stream, prev and nth are not read.  Each
 * seq must be the log's size at the time (SL_ERANGE otherwise: a gap or an
 * overlap), each ts a ledger ts not earlier than the entry before it, and
 * the bytes 1..SL_ENTRY_MAX long and saying that seq, ts, type and source
 * (SL_EINVAL naming the seq otherwise).  Stored as sl_ledger_append stores
 * an entry: its leaf hash, the tree nodes it completes, the stream index,
 * the mutation index for a mutation, and the head (size, root, ts).  The
 * new head is copied to *out (may be NULL).  On failure nothing of rows is
 * in the ledger.  n = 0 commits nothing new.
 */
int sl_ledger_append_rows(struct sl_ledger *l, const struct sl_entry_row *rows, size_t n,
			  struct sl_head *out, struct sl_error *err) SL_WUR;

/*
 * Reading entries.  Every entry these return has been checked: its bytes
 * against its stored leaf hash (SHA-256(0x00 || bytes)), and the seq, ts,
 * type and source it was found by against what the bytes say.  One that
 * fails is SL_ECORRUPT with "seq N: stored entry does not match its leaf
 * hash" (or "... its seq, ts, type and source columns") in err, and is not
 * returned; a listing stops there.  They do not check that the leaf is the
 * tree's, nor that a listing left nothing out (sl_ledger_verify does).
 */

/* One entry's canonical bytes (copied into out); SL_ENOTFOUND if absent. */
int sl_ledger_get(struct sl_ledger *l, uint64_t seq, struct sl_buf *out,
		  struct sl_error *err) SL_WUR;

/* One entry's row, valid until the next call on the ledger; SL_ENOTFOUND if absent. */
int sl_ledger_entry(struct sl_ledger *l, uint64_t seq, struct sl_entry_row *row,
		    struct sl_error *err) SL_WUR;

/*
 * Many entries at once (sl_store_get_entries): fn is called for each one
 * stored, in any order, with its row checked as sl_ledger_entry checks it
 * and valid only during the call; a seq not stored is left out.
 */
int sl_ledger_entries(struct sl_ledger *l, size_t n, const uint64_t *seq,
		      int (*fn)(void *ctx, const struct sl_entry_row *row), void *ctx,
		      struct sl_error *err) SL_WUR;

/* Listing entries; rows are valid until the next sl_ledger_scan_next. */
int sl_ledger_scan_open(struct sl_ledger *l, const struct sl_filter *f, struct sl_scan **it,
			struct sl_error *err) SL_WUR;
int sl_ledger_scan_next(struct sl_ledger *l, struct sl_scan *it, struct sl_entry_row *row,
			struct sl_error *err) SL_WUR;
void sl_ledger_scan_close(struct sl_ledger *l, struct sl_scan *it);

/* N(T): the number of entries whose ts <= ts. */
int sl_ledger_size_at(struct sl_ledger *l, const char *ts, uint64_t *n,
		      struct sl_error *err) SL_WUR;

/*
 * An sl_node_fn over the ledger's stored nodes, for sl_merkle_*: ctx is a
 * struct sl_ledger_nodes.  A node the tree must have but the store lacks
 * is SL_ECORRUPT, not SL_ENOTFOUND: it is damage, not absence.
 */
struct sl_ledger_nodes {
	struct sl_ledger *l;
	struct sl_error *err;
};
int sl_ledger_node(void *ctx, unsigned level, uint64_t index, unsigned char out[SL_HASH_LEN]);

/* The root of the first `size` entries (size <= head size). */
int sl_ledger_root(struct sl_ledger *l, uint64_t size, unsigned char out[SL_HASH_LEN],
		   struct sl_error *err) SL_WUR;

/* Proofs from stored nodes; SL_ERANGE when the sizes do not fit the tree. */
int sl_ledger_inclusion(struct sl_ledger *l, uint64_t seq, uint64_t size,
			unsigned char proof[][SL_HASH_LEN], size_t *n,
			unsigned char leaf[SL_HASH_LEN], struct sl_error *err) SL_WUR;
int sl_ledger_consistency(struct sl_ledger *l, uint64_t m, uint64_t n,
			  unsigned char proof[][SL_HASH_LEN], size_t *count,
			  struct sl_error *err) SL_WUR;
/*
 * A whole proof document for sl_proof_write(): with kind
 * SL_PROOF_INCLUSION, entry a's path in the tree of size b with its leaf
 * hash and the root at b; with SL_PROOF_CONSISTENCY, the path from size a
 * to size b with both roots.  p is filled entirely; errors as above.
 */
int sl_ledger_proof(struct sl_ledger *l, enum sl_proof_kind kind, uint64_t a, uint64_t b,
		    struct sl_proof *p, struct sl_error *err) SL_WUR;

/* sl_progress_fn: lib/sl/progress.h. */

/*
 * The mutation heads of the first n entries (lib/sl/heads.h), counting
 * only mutations of sources matching the GLOB source (NULL: all), into h
 * (finished: in namespace order).  Run it inside a read transaction.  It
 * costs O(lanes log n) with the store's mutation index, and reads every
 * mutation of the prefix in a ledger not appended to since it was made by
 * a version without the index.
 */
int sl_ledger_mutheads(struct sl_ledger *l, uint64_t n, const char *source, struct sl_nsheads *h,
		       struct sl_error *err) SL_WUR;

/*
 * Inside a write transaction, at the given size: make the mutation index
 * when the ledger has none, filled with every mutation already there;
 * then add one appended mutation entry (its canonical bytes).
 */
int sl_ledger_index_ready(struct sl_ledger *l, uint64_t size, struct sl_error *err) SL_WUR;
/*
 * The lanes an appender met are kept between its transactions while the
 * log is as it left it: sl_ledger_lanes_begin at the start of a write
 * transaction (at the log's size then) forgets them when another writer
 * committed since; sl_ledger_lanes_done after it, with its outcome
 * (committed, at size) keeps them, or forgets them on a rollback.
 */
void sl_ledger_lanes_begin(struct sl_ledger *l, uint64_t size);
void sl_ledger_lanes_done(struct sl_ledger *l, int committed, uint64_t size);
void sl_ledger_lanes_free(struct sl_ledger *l);
/*
 * The mutation index checked inside sl_ledger_verify's one pass over the
 * log (so a verify reads each entry once): the reading thread takes each
 * entry's index row with sl_mutcheck_row (1 for a mutation, its row in
 * *m and its strings in strs; 0 for another entry; SL_EVERIFY naming
 * *bad when a row is missing or extra), and the hashing thread checks it
 * against the entry's bytes, in seq order, with sl_mutcheck_entry.  A
 * ledger made before the index passes (it has nothing derived).
 */
struct sl_mutcheck;
struct sl_vmut {
	uint64_t lane;                 /* its lane's slot: 0, 1, ... as the lanes are met */
	struct sl_lane after;          /* the row's lane state after the entry */
	struct sl_lane start;          /* with init: the lane's state before the first seq read */
	unsigned char pos[SL_POSKEY_LEN];
	unsigned char has_pos, init;
	size_t ns_off, src_off;        /* the row's namespace and source in strs */
};
struct sl_mutlanes {                   /* the hashing thread's lanes, by slot (sl_vmut.lane) */
	struct sl_lane *v;
	size_t alloc;
};
int sl_mutcheck_open(struct sl_ledger *l, uint64_t from, struct sl_mutcheck **m,
		     struct sl_error *err) SL_WUR;
int sl_mutcheck_row(struct sl_mutcheck *m, uint64_t seq, const char *type, struct sl_vmut *out,
		    struct sl_buf *strs, uint64_t *bad, struct sl_error *err) SL_WUR;
/* After the last entry (size of them): no index row may remain. */
int sl_mutcheck_end(struct sl_mutcheck *m, uint64_t size, uint64_t *bad, struct sl_error *err) SL_WUR;
void sl_mutcheck_close(struct sl_mutcheck *m);
int sl_mutcheck_entry(struct sl_mutlanes *w, const struct sl_vmut *m, const char *strs, uint64_t seq,
		      const char *source, const void *entry, size_t len, uint64_t *bad,
		      struct sl_error *err) SL_WUR;
void sl_mutlanes_release(struct sl_mutlanes *w);
int sl_ledger_index_mutation(struct sl_ledger *l, uint64_t seq, const char *source, const void *entry,
			     size_t len, struct sl_error *err) SL_WUR;
/* The same with the namespace and position key already known (sl_batch_mutation). */
int sl_ledger_index_key(struct sl_ledger *l, uint64_t seq, const char *source, const char *ns,
			const unsigned char pos[SL_POSKEY_LEN], struct sl_error *err) SL_WUR;

/*
 * Check everything the ledger stores: every entry's bytes against its
 * columns and its leaf hash, every stored node, the order of seq and ts,
 * and the head's size and root.  Memory does not grow with the ledger.
 * Returns 0 when all holds, with the head that was verified in *verified;
 * SL_EVERIFY naming the first bad seq in err
 * (*bad_seq set, or UINT64_MAX when the fault is not one entry's).
 */
int sl_ledger_verify(struct sl_ledger *l, sl_progress_fn progress, void *ctx,
		     struct sl_head *verified, uint64_t *bad_seq, struct sl_error *err) SL_WUR;

/*
 * As sl_ledger_verify, but for the entries from seq `from` on only, taking
 * the tree of the first `from` entries on trust as the one whose root is
 * from_root (a signed checkpoint's): the stored subtrees that make up that
 * tree must hash to it, and everything after must extend it up to the
 * head.  Entry from-1, whose ts the later ones must not precede, is read:
 * its bytes must match its columns and be the trusted tree's last leaf
 * (an inclusion proof against from_root).  The other entries below `from`
 * are not read, save one per stream that its first later entry links to.  Cost: O(new entries + sources + log n).
 * from 0 is sl_ledger_verify (from_root is then not read).
 */
int sl_ledger_verify_from(struct sl_ledger *l, uint64_t from,
			  const unsigned char from_root[SL_HASH_LEN], sl_progress_fn progress,
			  void *ctx, struct sl_head *verified, uint64_t *bad_seq,
			  struct sl_error *err) SL_WUR;

#endif
