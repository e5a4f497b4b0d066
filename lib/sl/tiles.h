// SPDX-License-Identifier: MIT
/*
 * The log as C2SP tlog-tiles (https://c2sp.org/tlog-tiles): static files
 * from which anyone can fetch any entry, hash and proof without a live
 * server.  Tile (L, N) holds the Merkle Tree Hashes of the complete
 * subtrees of height 8L numbered N*256 .. N*256+W-1 (W = 256 for a full
 * tile, 1..255 for a partial one); entry bundle N holds entries N*256 ..
 * N*256+W-1, each as a big-endian uint16 length and its canonical bytes
 * (SL_ENTRY_MAX fits).  The hashes are RFC 6962's, as everywhere else.
 */
#ifndef SL_TILES_H
#define SL_TILES_H

#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/checkpoint.h"
#include "sl/ledger.h"
#include "sl/proof.h"

#define SL_TILE_WIDTH 256
#define SL_TILE_ENTRIES (-1) /* the "level" of entry bundles in sl_tile_path */

/*
 * The path of tile (level, n) of width w, below the log's prefix:
 * "tile/<L>/<N>[.p/<W>]" or, for level SL_TILE_ENTRIES,
 * "tile/entries/<N>[.p/<W>]", with N in the spec's x001/x234/067 form.
 */
int sl_tile_path(struct sl_buf *out, int level, uint64_t n, unsigned w) SL_WUR;

/* The w hashes of tile (level, n), 32 * w bytes, appended to out. */
int sl_tile_hashes(struct sl_ledger *l, unsigned level, uint64_t n, unsigned w, struct sl_buf *out,
		   struct sl_error *err) SL_WUR;

/* Entry bundle n of width w, appended to out. */
int sl_tile_entries(struct sl_ledger *l, uint64_t n, unsigned w, struct sl_buf *out,
		    struct sl_error *err) SL_WUR;

/*
 * 1 when the ledger signed a checkpoint of a size in [lo, hi), else 0 (or
 * a negative SL_E... code): whether the partial tiles of an older size must
 * be served.  O(log n) single-row reads of the n checkpoints.
 */
int sl_tiles_signed_between(struct sl_ledger *l, uint64_t lo, uint64_t hi,
			    struct sl_error *err) SL_WUR;

struct sl_tiles_stats {
	uint64_t size;        /* the newest checkpoint's size: what the tiles cover */
	uint64_t checkpoints; /* checkpointed sizes given their partial tiles */
	uint64_t written;     /* files written by this run */
	uint64_t kept;        /* files that were there already (full tiles never change) */
};

/*
 * Write the tiles of the ledger's newest checkpoint into dir: every full
 * tile and entry bundle up to its size that is not there yet, the partial
 * tiles and bundles of every checkpointed size, and last `checkpoint`, the
 * newest note, once the rest is on disk.  Each file is written beside its
 * place and renamed into it.  Run it again after each checkpoint: full
 * tiles already there are kept as they are.  SL_ENOTFOUND when the ledger
 * has no checkpoint; SL_EEXIST when dir holds another log's tiles or a
 * checkpoint beyond this ledger's.
 */
int sl_tiles_export(struct sl_ledger *l, const char *dir, struct sl_tiles_stats *st,
		    struct sl_error *err) SL_WUR;
/*
 * The same, calling progress (when not NULL) after each full tile or
 * bundle with how many of the full ones are done, of how many.
 */
int sl_tiles_export_progress(struct sl_ledger *l, const char *dir, sl_progress_fn progress, void *ctx,
			     struct sl_tiles_stats *st, struct sl_error *err) SL_WUR;

/*
 * Where tiles are read from: a directory (sl_tiles_dir_source) or anything
 * else, such as an HTTP server (sl-prove --tiles URL).  get() replaces
 * out's contents with the first max bytes at path ("checkpoint",
 * "tile/0/000", ...; a longer resource gives exactly max bytes, so ask for
 * one more than you accept); SL_ENOTFOUND when there is nothing at path,
 * another SL_E... code naming it in err on failure.  name is where the
 * tiles are, for messages.
 */
struct sl_tiles_source {
	int (*get)(void *ctx, const char *path, size_t max, struct sl_buf *out,
		   struct sl_error *err);
	void *ctx;
	const char *name;
};

/* A source reading the files below dir (which must outlive it). */
void sl_tiles_dir_source(struct sl_tiles_source *src, const char *dir);

/* As sl_tiles_checkpoint, sl_tiles_proof and sl_tiles_root below, from any source. */
int sl_tiles_checkpoint_from(const struct sl_tiles_source *src, struct sl_buf *note,
			     struct sl_checkpoint *c, struct sl_error *err) SL_WUR;
int sl_tiles_proof_from(const struct sl_tiles_source *src, enum sl_proof_kind kind, uint64_t a,
			uint64_t b, struct sl_proof *p, struct sl_error *err) SL_WUR;
int sl_tiles_root_from(const struct sl_tiles_source *src, uint64_t size,
		       unsigned char out[SL_HASH_LEN], struct sl_error *err) SL_WUR;

/* The checkpoint in dir: its note (replacing note's contents), parsed into c; no signature checked. */
int sl_tiles_checkpoint(const char *dir, struct sl_buf *note, struct sl_checkpoint *c,
			struct sl_error *err) SL_WUR;

/*
 * A proof from the tiles in dir alone, for a tree of b entries (the
 * tiles of that size: full ones, and the partial ones of that size):
 * the inclusion of entry a (with its leaf hash from the level-0 tile), or
 * the consistency from a to b; with the root(s) recomputed from the tiles.
 * SL_ENOTFOUND when a tile it needs is not there, SL_ECORRUPT when one is
 * not the size it must be.  Nothing here is trusted: check the roots
 * against a signed checkpoint.
 */
int sl_tiles_proof(const char *dir, enum sl_proof_kind kind, uint64_t a, uint64_t b,
		   struct sl_proof *p, struct sl_error *err) SL_WUR;
/* The root of the tree of size entries from the tiles in dir alone. */
int sl_tiles_root(const char *dir, uint64_t size, unsigned char out[SL_HASH_LEN],
		  struct sl_error *err) SL_WUR;

#endif
