// SPDX-License-Identifier: MIT
/*
 * The RFC 9162 Merkle tree: roots and proofs computed from stored complete
 * subtrees, and the verification of inclusion and consistency proofs.
 *
 * A complete subtree is named by (level, index): it covers the leaves
 * [index * 2^level, (index + 1) * 2^level).  Level 0 nodes are the leaf
 * hashes.  Its position in post-order (the order in which an append-only
 * log completes its subtrees) is sl_merkle_postorder(level, index), which
 * the store uses as the node's key so that appends write at the end.
 */
#ifndef SL_MERKLE_H
#define SL_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "sl/err.h"
#include "sl/hash.h"

/* Longest proof in a tree of up to 2^64 leaves (consistency adds one). */
#define SL_PROOF_MAX 65

/*
 * Fetch the hash of the complete subtree (level, index) into out.
 * Returns 0, or a negative SL_E... code that the caller passes on.
 */
typedef int (*sl_node_fn)(void *ctx, unsigned level, uint64_t index,
			  unsigned char out[SL_HASH_LEN]);

/* Post-order position (0-based) of the complete subtree (level, index). */
uint64_t sl_merkle_postorder(unsigned level, uint64_t index);
/*
 * Post-order position among interior nodes only (level >= 1): the store
 * keeps leaf hashes beside their entries and interior nodes by this key.
 * A tree of n leaves has n - popcount(n) interior nodes.
 */
uint64_t sl_merkle_interior_pos(unsigned level, uint64_t index);
/* Number of stored nodes of a tree of `size` leaves: 2*size - popcount(size). */
uint64_t sl_merkle_nodes(uint64_t size);

/* The root of the first `size` leaves; SHA-256("") for size 0. */
int sl_merkle_root(sl_node_fn get, void *ctx, uint64_t size,
		   unsigned char out[SL_HASH_LEN]) SL_WUR;

/*
 * The inclusion proof of leaf `index` in the tree of `size` leaves, leaf
 * level first (RFC 9162 2.1.3.1).  proof must hold SL_PROOF_MAX hashes;
 * *n is set to the number written.  SL_ERANGE if index >= size.
 */
int sl_merkle_inclusion(sl_node_fn get, void *ctx, uint64_t index, uint64_t size,
			unsigned char proof[][SL_HASH_LEN], size_t *n) SL_WUR;

/*
 * The consistency proof from size m to size n (RFC 9162 2.1.4.1).
 * SL_ERANGE unless 0 < m <= n.
 */
int sl_merkle_consistency(sl_node_fn get, void *ctx, uint64_t m, uint64_t n,
			  unsigned char proof[][SL_HASH_LEN], size_t *count) SL_WUR;

/* A hash as read from untrusted input: any length, checked by the verifier. */
struct sl_hashref {
	const unsigned char *p;
	size_t len;
};

/*
 * RFC 9162 2.1.3.2.  Returns 0 when the proof shows that `leaf` is leaf
 * `index` of the tree of `size` leaves with root `root`; SL_EVERIFY when it
 * does not, with the reason in err.  A hash that is not 32 bytes is an error.
 */
int sl_merkle_verify_inclusion(uint64_t index, uint64_t size, struct sl_hashref leaf,
			       const struct sl_hashref *proof, size_t n,
			       struct sl_hashref root, struct sl_error *err) SL_WUR;

/*
 * RFC 9162 2.1.4.2.  A proof from size 0 is an error; from m == n the proof
 * must be empty and the roots equal.
 */
int sl_merkle_verify_consistency(uint64_t m, uint64_t n, struct sl_hashref root1,
				 struct sl_hashref root2, const struct sl_hashref *proof,
				 size_t count, struct sl_error *err) SL_WUR;

/*
 * An in-memory "compact range": the roots of the complete subtrees that
 * make up a tree of `size` leaves, largest first.  It appends leaves in
 * O(1) amortised hashes and reports every node it completes, so the store
 * and the verifier walk the tree in post-order with O(log n) memory.
 */
struct sl_merkle_range {
	uint64_t size;
	unsigned n;
	unsigned char h[64][SL_HASH_LEN];
};

/* Called for every node a leaf append completes, the leaf itself first. */
typedef int (*sl_emit_fn)(void *ctx, unsigned level, uint64_t index,
			  const unsigned char hash[SL_HASH_LEN]);

/* Load the range of a tree of `size` leaves from stored subtrees. */
int sl_merkle_range_load(struct sl_merkle_range *r, sl_node_fn get, void *ctx,
			 uint64_t size) SL_WUR;
/* Append a leaf hash; emit (may be NULL) sees each completed node. */
int sl_merkle_range_append(struct sl_merkle_range *r, const unsigned char leaf[SL_HASH_LEN],
			   sl_emit_fn emit, void *ctx) SL_WUR;
/* The root of the range. */
void sl_merkle_range_root(const struct sl_merkle_range *r, unsigned char out[SL_HASH_LEN]);

#endif
