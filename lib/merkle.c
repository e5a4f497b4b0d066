// SPDX-License-Identifier: MIT
#include <string.h>

#include "sl/merkle.h"

static unsigned popcount64(uint64_t x)
{
	return (unsigned)__builtin_popcountll(x);
}

uint64_t sl_merkle_nodes(uint64_t size)
{
	return 2 * size - popcount64(size);
}

uint64_t sl_merkle_postorder(unsigned level, uint64_t index)
{
	/*
	 * The subtree is completed by the append of leaf k-1, k = (index+1)
	 * << level.  Before that append sl_merkle_nodes(k-1) nodes exist; the
	 * append writes the leaf, then one node per level up to ctz(k).
	 */
	uint64_t k = (index + 1) << level;
	return sl_merkle_nodes(k - 1) + level;
}

uint64_t sl_merkle_interior_pos(unsigned level, uint64_t index)
{
	/* Interior nodes before the append of leaf k-1: (k-1) - popcount(k-1). */
	uint64_t k = (index + 1) << level;
	return (k - 1) - popcount64(k - 1) + level - 1;
}

/* Largest power of two strictly smaller than n (n >= 2). */
static uint64_t split(uint64_t n)
{
	uint64_t k = 1;
	while (k << 1 < n)
		k <<= 1;
	return k;
}

static unsigned log2exact(uint64_t k)
{
	return (unsigned)__builtin_ctzll(k);
}

/* Hash of leaves [start, start+n); start is a multiple of a power of two >= n. */
static int mth(sl_node_fn get, void *ctx, uint64_t start, uint64_t n, unsigned char out[SL_HASH_LEN])
{
	unsigned char l[SL_HASH_LEN], r[SL_HASH_LEN];
	uint64_t k;
	int e;

	if ((n & (n - 1)) == 0)
		return get(ctx, log2exact(n), start >> log2exact(n), out);
	k = split(n);
	if ((e = get(ctx, log2exact(k), start >> log2exact(k), l)) < 0)
		return e;
	if ((e = mth(get, ctx, start + k, n - k, r)) < 0)
		return e;
	sl_node_hash(out, l, r);
	return 0;
}

int sl_merkle_root(sl_node_fn get, void *ctx, uint64_t size, unsigned char out[SL_HASH_LEN])
{
	if (size == 0) {
		sl_sha256(out, "", 0);
		return 0;
	}
	return mth(get, ctx, 0, size, out);
}

static int path(sl_node_fn get, void *ctx, uint64_t m, uint64_t start, uint64_t n,
		unsigned char proof[][SL_HASH_LEN], size_t *cnt)
{
	uint64_t k;
	int e;

	if (n == 1)
		return 0;
	k = split(n);
	if (m < k) {
		if ((e = path(get, ctx, m, start, k, proof, cnt)) < 0)
			return e;
		e = mth(get, ctx, start + k, n - k, proof[*cnt]);
	} else {
		if ((e = path(get, ctx, m - k, start + k, n - k, proof, cnt)) < 0)
			return e;
		e = mth(get, ctx, start, k, proof[*cnt]);
	}
	if (e < 0)
		return e;
	(*cnt)++;
	return 0;
}

int sl_merkle_inclusion(sl_node_fn get, void *ctx, uint64_t index, uint64_t size,
			unsigned char proof[][SL_HASH_LEN], size_t *n)
{
	*n = 0;
	if (index >= size)
		return SL_ERANGE;
	return path(get, ctx, index, 0, size, proof, n);
}

/* RFC 9162 2.1.4.1 SUBPROOF(m, D[start:start+n], b). */
static int subproof(sl_node_fn get, void *ctx, uint64_t m, uint64_t start, uint64_t n, int b,
		    unsigned char proof[][SL_HASH_LEN], size_t *cnt)
{
	uint64_t k;
	int e;

	if (m == n) {
		if (b)
			return 0;
		if ((e = mth(get, ctx, start, n, proof[*cnt])) < 0)
			return e;
		(*cnt)++;
		return 0;
	}
	k = split(n);
	if (m <= k) {
		if ((e = subproof(get, ctx, m, start, k, b, proof, cnt)) < 0)
			return e;
		e = mth(get, ctx, start + k, n - k, proof[*cnt]);
	} else {
		if ((e = subproof(get, ctx, m - k, start + k, n - k, 0, proof, cnt)) < 0)
			return e;
		e = mth(get, ctx, start, k, proof[*cnt]);
	}
	if (e < 0)
		return e;
	(*cnt)++;
	return 0;
}

int sl_merkle_consistency(sl_node_fn get, void *ctx, uint64_t m, uint64_t n,
			  unsigned char proof[][SL_HASH_LEN], size_t *count)
{
	*count = 0;
	if (m == 0 || m > n)
		return SL_ERANGE;
	if (m == n)
		return 0;
	return subproof(get, ctx, m, 0, n, 1, proof, count);
}

static int hash_ok(struct sl_hashref h)
{
	return h.p && h.len == SL_HASH_LEN;
}

int sl_merkle_verify_inclusion(uint64_t index, uint64_t size, struct sl_hashref leaf,
			       const struct sl_hashref *proof, size_t n,
			       struct sl_hashref root, struct sl_error *err)
{
	unsigned char r[SL_HASH_LEN];
	uint64_t fn, sn;
	size_t i;

	if (index >= size)
		return sl_error_set(err, SL_EVERIFY, "leaf index %llu is not below tree size %llu",
				    (unsigned long long)index, (unsigned long long)size);
	if (!hash_ok(leaf))
		return sl_error_set(err, SL_EVERIFY, "leaf hash is %zu bytes, not 32", leaf.len);
	if (!hash_ok(root))
		return sl_error_set(err, SL_EVERIFY, "root hash is %zu bytes, not 32", root.len);
	fn = index;
	sn = size - 1;
	memcpy(r, leaf.p, SL_HASH_LEN);
	for (i = 0; i < n; i++) {
		if (!hash_ok(proof[i]))
			return sl_error_set(err, SL_EVERIFY, "proof hash %zu is %zu bytes, not 32", i,
					    proof[i].len);
		if (sn == 0)
			return sl_error_set(err, SL_EVERIFY, "proof has %zu hashes, more than the tree needs", n);
		if ((fn & 1) || fn == sn) {
			sl_node_hash(r, proof[i].p, r);
			if (!(fn & 1))
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			sl_node_hash(r, r, proof[i].p);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return sl_error_set(err, SL_EVERIFY, "proof has %zu hashes, fewer than the tree needs", n);
	if (memcmp(r, root.p, SL_HASH_LEN) != 0)
		return sl_error_set(err, SL_EVERIFY, "computed root does not match the given root");
	return 0;
}

int sl_merkle_verify_consistency(uint64_t m, uint64_t n, struct sl_hashref root1,
				 struct sl_hashref root2, const struct sl_hashref *proof,
				 size_t count, struct sl_error *err)
{
	unsigned char fr[SL_HASH_LEN], sr[SL_HASH_LEN];
	uint64_t fn, sn;
	size_t i, start;

	if (m > n)
		return sl_error_set(err, SL_EVERIFY, "size %llu is larger than size %llu",
				    (unsigned long long)m, (unsigned long long)n);
	if (m == 0)
		return sl_error_set(err, SL_EVERIFY, "a consistency proof from size 0 is not accepted");
	if (m == n) {
		/* Nothing to hash: the two roots must be the same bytes, whatever their length. */
		if (count)
			return sl_error_set(err, SL_EVERIFY, "proof between equal sizes must be empty");
		if (!root1.p || !root2.p || root1.len != root2.len || memcmp(root1.p, root2.p, root1.len))
			return sl_error_set(err, SL_EVERIFY, "roots differ at equal sizes");
		return 0;
	}
	if (!hash_ok(root1) || !hash_ok(root2))
		return sl_error_set(err, SL_EVERIFY, "root hash is not 32 bytes");
	if (count == 0)
		return sl_error_set(err, SL_EVERIFY, "empty consistency proof");
	for (i = 0; i < count; i++)
		if (!hash_ok(proof[i]))
			return sl_error_set(err, SL_EVERIFY, "proof hash %zu is %zu bytes, not 32", i,
					    proof[i].len);
	/* If m is a power of two, root1 is the first (implicit) proof element. */
	if ((m & (m - 1)) == 0) {
		memcpy(fr, root1.p, SL_HASH_LEN);
		start = 0;
	} else {
		memcpy(fr, proof[0].p, SL_HASH_LEN);
		start = 1;
	}
	memcpy(sr, fr, SL_HASH_LEN);
	fn = m - 1;
	sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (i = start; i < count; i++) {
		if (sn == 0)
			return sl_error_set(err, SL_EVERIFY, "proof has more hashes than the sizes need");
		if ((fn & 1) || fn == sn) {
			sl_node_hash(fr, proof[i].p, fr);
			sl_node_hash(sr, proof[i].p, sr);
			if (!(fn & 1))
				while (!(fn & 1) && fn != 0) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			sl_node_hash(sr, sr, proof[i].p);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return sl_error_set(err, SL_EVERIFY, "proof has fewer hashes than the sizes need");
	if (memcmp(fr, root1.p, SL_HASH_LEN))
		return sl_error_set(err, SL_EVERIFY, "proof does not lead to the old root");
	if (memcmp(sr, root2.p, SL_HASH_LEN))
		return sl_error_set(err, SL_EVERIFY, "proof does not lead to the new root");
	return 0;
}

int sl_merkle_range_load(struct sl_merkle_range *r, sl_node_fn get, void *ctx, uint64_t size)
{
	uint64_t start = 0;
	int bit, e;

	r->size = size;
	r->n = 0;
	for (bit = 63; bit >= 0; bit--) {
		uint64_t k = (uint64_t)1 << bit;
		if (!(size & k))
			continue;
		if ((e = get(ctx, (unsigned)bit, start >> bit, r->h[r->n])) < 0)
			return e;
		r->n++;
		start += k;
	}
	return 0;
}

int sl_merkle_range_append(struct sl_merkle_range *r, const unsigned char leaf[SL_HASH_LEN],
			   sl_emit_fn emit, void *ctx)
{
	uint64_t idx = r->size;
	unsigned level = 0;
	int e;

	if (r->size == UINT64_MAX / 2)
		return SL_ERANGE;
	memcpy(r->h[r->n++], leaf, SL_HASH_LEN);
	if (emit && (e = emit(ctx, 0, idx, leaf)) < 0)
		return e;
	/* Every trailing 1 bit of the old size is a pair of subtrees to merge. */
	while (idx & 1) {
		r->n--;
		sl_node_hash(r->h[r->n - 1], r->h[r->n - 1], r->h[r->n]);
		idx >>= 1;
		level++;
		if (emit && (e = emit(ctx, level, idx, r->h[r->n - 1])) < 0)
			return e;
	}
	r->size++;
	return 0;
}

void sl_merkle_range_root(const struct sl_merkle_range *r, unsigned char out[SL_HASH_LEN])
{
	unsigned i;

	if (r->n == 0) {
		sl_sha256(out, "", 0);
		return;
	}
	memcpy(out, r->h[r->n - 1], SL_HASH_LEN);
	for (i = r->n - 1; i-- > 0;)
		sl_node_hash(out, r->h[i], out);
}
