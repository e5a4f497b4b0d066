// SPDX-License-Identifier: MIT
#include <string.h>

#include "sl/hash.h"

/*
 * Nettle's SHA-256: Debian builds it "fat", so it picks the CPU's SHA
 * instructions at run time where they exist (doc/BENCHMARKS.md: about 5x
 * BearSSL's portable code for an entry, the same as OpenSSL's libcrypto,
 * and faster than EVP for the 65-byte node hashes, with a context that is
 * a plain struct).  BearSSL still makes and checks the signatures.
 */
void sl_sha256_init(struct sl_sha256 *h)
{
	sha256_init(&h->c);
}

void sl_sha256_update(struct sl_sha256 *h, const void *data, size_t len)
{
	sha256_update(&h->c, len, data);
}

void sl_sha256_final(const struct sl_sha256 *h, unsigned char out[SL_HASH_LEN])
{
	/* sha256_digest resets its context: finish a copy, so h can be finished again. */
	struct sha256_ctx c = h->c;

	sha256_digest(&c, SL_HASH_LEN, out);
}

void sl_sha256(unsigned char out[SL_HASH_LEN], const void *data, size_t len)
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, SL_HASH_LEN, out);
}

void sl_leaf_hash(unsigned char out[SL_HASH_LEN], const void *data, size_t len)
{
	static const unsigned char zero = 0x00;
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, 1, &zero);
	sha256_update(&c, len, data);
	sha256_digest(&c, SL_HASH_LEN, out);
}

void sl_node_hash(unsigned char out[SL_HASH_LEN], const unsigned char left[SL_HASH_LEN],
		  const unsigned char right[SL_HASH_LEN])
{
	unsigned char in[1 + 2 * SL_HASH_LEN];

	/* One contiguous update: 65 bytes is two compression blocks either way. */
	in[0] = 0x01;
	memcpy(in + 1, left, SL_HASH_LEN);
	memcpy(in + 1 + SL_HASH_LEN, right, SL_HASH_LEN);
	sl_sha256(out, in, sizeof(in));
}

void sl_hex_encode(char *out, const unsigned char *in, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int sl_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sl_hex_decode(unsigned char *out, size_t n, const char *hex, size_t hexlen)
{
	size_t i;

	if (hexlen != 2 * n)
		return SL_EINVAL;
	for (i = 0; i < n; i++) {
		int hi = sl_hex_digit((unsigned char)hex[2 * i]);
		int lo = sl_hex_digit((unsigned char)hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return SL_EINVAL;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int sl_is_lowerhex(const char *s, size_t len, size_t n)
{
	size_t i;

	if (len != 2 * n)
		return 0;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void sl_b64_encode(struct sl_buf *b, const unsigned char *d, size_t len)
{
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], b64[v & 63] };
		sl_buf_add(b, q, 4);
	}
	if (len - i == 1) {
		unsigned v = (unsigned)d[i] << 16;
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], '=', '=' };
		sl_buf_add(b, q, 4);
	} else if (len - i == 2) {
		unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8;
		char q[4] = { b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], '=' };
		sl_buf_add(b, q, 4);
	}
}

static int b64val(int c)
{
	const char *p;

	if (!c)
		return -1;
	p = strchr(b64, c);
	return p ? (int)(p - b64) : -1;
}

int sl_b64_decode(struct sl_buf *b, const char *s, size_t len)
{
	size_t i;

	if (len % 4)
		return SL_EINVAL;
	for (i = 0; i < len; i += 4) {
		int v[4], k, pad = 0;
		unsigned char out[3];

		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad)
				return SL_EINVAL;
			v[k] = b64val((unsigned char)s[i + k]);
			if (v[k] < 0)
				return SL_EINVAL;
		}
		out[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		out[1] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		out[2] = (unsigned char)((v[2] & 3) << 6 | v[3]);
		/* Reject non-canonical encodings: the unused bits must be zero. */
		if ((pad == 1 && (v[2] & 3)) || (pad == 2 && (v[1] & 15)))
			return SL_EINVAL;
		sl_buf_add(b, out, 3 - (size_t)pad);
	}
	return sl_buf_ok(b);
}
