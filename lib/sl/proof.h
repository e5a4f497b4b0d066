// SPDX-License-Identifier: MIT
/*
 * Proof documents: the JSON form in which sl-prove prints inclusion and
 * consistency proofs, and their strict parsing (they arrive from
 * untrusted places, so every member is checked).
 *
 *   {"type":"inclusion","seq":N,"size":M,"leaf_hash":HEX,"root":HEX,"proof":[HEX,...]}
 *   {"type":"consistency","from":M,"to":N,"from_root":HEX,"to_root":HEX,"proof":[HEX,...]}
 */
#ifndef SL_PROOF_H
#define SL_PROOF_H

#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/merkle.h"

enum sl_proof_kind { SL_PROOF_INCLUSION = 1, SL_PROOF_CONSISTENCY = 2 };

struct sl_proof {
	enum sl_proof_kind kind;
	uint64_t a, b;                     /* seq and size, or from and to */
	unsigned char h1[SL_HASH_LEN];     /* leaf_hash, or from_root */
	unsigned char h2[SL_HASH_LEN];     /* root, or to_root */
	size_t n;
	unsigned char hashes[SL_PROOF_MAX][SL_HASH_LEN];
};

/* Parse a proof document; SL_EINVAL naming the member on any fault. */
int sl_proof_parse(const char *s, size_t len, struct sl_proof *p, struct sl_error *err) SL_WUR;
/* Append the document (one line, no newline) to out. */
int sl_proof_write(struct sl_buf *out, const struct sl_proof *p) SL_WUR;
/*
 * Verify p: an inclusion proof against `root` (and leaf hash h1), a
 * consistency proof against `old_root` (size a) and `root` (size b).
 * SL_EVERIFY with the reason when it does not hold.
 */
int sl_proof_verify(const struct sl_proof *p, const unsigned char leaf[SL_HASH_LEN],
		    const unsigned char old_root[SL_HASH_LEN], const unsigned char root[SL_HASH_LEN],
		    struct sl_error *err) SL_WUR;

#endif
