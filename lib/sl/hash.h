// SPDX-License-Identifier: MIT
/*
 * SHA-256 (through Nettle), the RFC 9162 leaf and node hashes, and the
 * hex and base64 codings used for hashes in JSON and in checkpoints.
 */
#ifndef SL_HASH_H
#define SL_HASH_H

#include <nettle/sha2.h>
#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"

#define SL_HASH_LEN 32
#define SL_HEX_LEN (2 * SL_HASH_LEN)

void sl_sha256(unsigned char out[SL_HASH_LEN], const void *data, size_t len);
/* SHA-256(0x00 || data): the hash of a log entry's canonical bytes. */
void sl_leaf_hash(unsigned char out[SL_HASH_LEN], const void *data, size_t len);
/* SHA-256(0x01 || left || right): an interior node. */
void sl_node_hash(unsigned char out[SL_HASH_LEN], const unsigned char left[SL_HASH_LEN],
		  const unsigned char right[SL_HASH_LEN]);

/*
 * An incremental SHA-256.  A context may be copied by assignment: sl-append
 * hashes the long, fixed start of each entry on its parsing thread and
 * finishes a copy with seq and ts once the ledger has assigned them.
 */
struct sl_sha256 {
	struct sha256_ctx c;
};

void sl_sha256_init(struct sl_sha256 *h);
void sl_sha256_update(struct sl_sha256 *h, const void *data, size_t len);
/* The digest of what h has taken so far; h is left as it was. */
void sl_sha256_final(const struct sl_sha256 *h, unsigned char out[SL_HASH_LEN]);

/* Write 2*n lowercase hex digits and a NUL to out (size 2*n+1). */
void sl_hex_encode(char *out, const unsigned char *in, size_t n);
/* The value of hex digit c (either case), or -1. */
int sl_hex_digit(int c);
/*
 * Decode exactly `n` bytes from hex (either case); the input must be exactly
 * 2*n hex digits long.  Returns 0 or SL_EINVAL.
 */
int sl_hex_decode(unsigned char *out, size_t n, const char *hex, size_t hexlen) SL_WUR;
/* True when s is exactly 2*n lowercase hex digits. */
int sl_is_lowerhex(const char *s, size_t len, size_t n);

/* Append standard base64 (with padding) of data to b. */
void sl_b64_encode(struct sl_buf *b, const unsigned char *data, size_t len);
/*
 * Decode standard base64 (padding required, no white space) into b.
 * Returns 0, or SL_EINVAL for anything that is not canonical base64.
 */
int sl_b64_decode(struct sl_buf *b, const char *s, size_t len) SL_WUR;

#endif
