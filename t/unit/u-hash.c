// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/hash.c: SHA-256, the RFC 9162 leaf and node hashes,
 * hex and base64.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/buf.h"
#include "sl/hash.h"

/* Hex of a 32-byte hash, for comparisons with known answers. */
static const char *hexof(const unsigned char h[SL_HASH_LEN], char out[SL_HEX_LEN + 1])
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	/* Written here, not with sl_hex_encode, so a fault there cannot hide one here. */
	for (i = 0; i < SL_HASH_LEN; i++) {
		out[2 * i] = digits[h[i] >> 4];
		out[2 * i + 1] = digits[h[i] & 15];
	}
	out[SL_HEX_LEN] = '\0';
	return out;
}

START_TEST(sha256_known_answers)
{
	unsigned char h[SL_HASH_LEN];
	char hex[SL_HEX_LEN + 1];
	static const char million_a_first[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	sl_sha256(h, "", 0);
	ck_assert_str_eq(hexof(h, hex), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	sl_sha256(h, "abc", 3);
	ck_assert_str_eq(hexof(h, hex), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* FIPS 180-2 two-block message. */
	sl_sha256(h, million_a_first, strlen(million_a_first));
	ck_assert_str_eq(hexof(h, hex), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}
END_TEST

START_TEST(leaf_hash_known_answers)
{
	unsigned char h[SL_HASH_LEN];
	char hex[SL_HEX_LEN + 1];
	static const unsigned char zero = 0;

	/* RFC 6962 test tree: leaf "" and leaf 0x00. */
	sl_leaf_hash(h, "", 0);
	ck_assert_str_eq(hexof(h, hex), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
	sl_leaf_hash(h, &zero, 1);
	ck_assert_str_eq(hexof(h, hex), "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
	/* The leaf hash is not the plain hash. */
	{
		unsigned char p[SL_HASH_LEN];
		sl_sha256(p, "", 0);
		ck_assert(memcmp(p, h, SL_HASH_LEN) != 0);
	}
}
END_TEST

START_TEST(node_hash_known_answers)
{
	unsigned char l[SL_HASH_LEN], r[SL_HASH_LEN], h[SL_HASH_LEN];
	char hex[SL_HEX_LEN + 1];
	static const unsigned char zero = 0;

	sl_leaf_hash(l, "", 0);
	sl_leaf_hash(r, &zero, 1);
	/* The RFC 6962 test tree of size 2. */
	sl_node_hash(h, l, r);
	ck_assert_str_eq(hexof(h, hex), "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
	/* Order matters. */
	sl_node_hash(h, r, l);
	ck_assert_str_ne(hexof(h, hex), "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
	sl_node_hash(h, l, l);
	ck_assert_str_eq(hexof(h, hex), "fe43d66afa4a9a5c4f9c9da89f4ffb52635c8f342e7ffb731d68e36c5982072a");
	/* Output may alias an input, as the tree code does. */
	memcpy(h, l, SL_HASH_LEN);
	sl_node_hash(h, h, r);
	ck_assert_str_eq(hexof(h, hex), "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
	memcpy(h, r, SL_HASH_LEN);
	sl_node_hash(h, l, h);
	ck_assert_str_eq(hexof(h, hex), "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
}
END_TEST

START_TEST(sha256_incremental)
{
	unsigned char data[1000], one[SL_HASH_LEN], inc[SL_HASH_LEN], fork[SL_HASH_LEN];
	char hex[SL_HEX_LEN + 1];
	struct sl_sha256 h, copy;
	size_t i, step;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	sl_sha256(one, data, sizeof(data));
	/* Any split into pieces gives the one-shot hash, across block borders. */
	for (step = 1; step <= 130; step += 3) {
		sl_sha256_init(&h);
		for (i = 0; i < sizeof(data); i += step)
			sl_sha256_update(&h, data + i, i + step > sizeof(data) ? sizeof(data) - i : step);
		sl_sha256_final(&h, inc);
		ck_assert_msg(!memcmp(one, inc, SL_HASH_LEN), "pieces of %zu bytes", step);
	}
	/* A context copied by assignment is independent, and final leaves it usable. */
	sl_sha256_init(&h);
	sl_sha256_update(&h, "a", 1);
	copy = h;
	sl_sha256_update(&h, "bc", 2);
	sl_sha256_final(&h, inc);
	ck_assert_str_eq(hexof(inc, hex), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sl_sha256_final(&h, inc);
	ck_assert_str_eq(hexof(inc, hex), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sl_sha256_update(&copy, "b", 1);
	sl_sha256_update(&copy, "c", 1);
	sl_sha256_final(&copy, fork);
	ck_assert_mem_eq(fork, inc, SL_HASH_LEN);
	/* Nothing hashed: SHA-256(""). */
	sl_sha256_init(&h);
	sl_sha256_final(&h, inc);
	ck_assert_str_eq(hexof(inc, hex), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* 0x00 || data is the leaf hash. */
	sl_sha256_init(&h);
	sl_sha256_update(&h, "\0", 1);
	sl_sha256_update(&h, data, 100);
	sl_sha256_final(&h, inc);
	sl_leaf_hash(one, data, 100);
	ck_assert_mem_eq(one, inc, SL_HASH_LEN);
}
END_TEST

START_TEST(hex_encode)
{
	static const unsigned char in[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff };
	char out[2 * sizeof(in) + 1];

	memset(out, 'x', sizeof(out));
	sl_hex_encode(out, in, sizeof(in));
	ck_assert_str_eq(out, "00017f80abcdefff");
	memset(out, 'x', sizeof(out));
	sl_hex_encode(out, in, 0);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(hex_decode)
{
	unsigned char out[8];
	static const unsigned char want[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff };

	ck_assert_int_eq(sl_hex_decode(out, 8, "00017f80abcdefff", 16), 0);
	ck_assert_mem_eq(out, want, 8);
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(sl_hex_decode(out, 8, "00017F80ABCDEFFF", 16), 0);
	ck_assert_mem_eq(out, want, 8);
	ck_assert_int_eq(sl_hex_decode(out, 0, "", 0), 0);

	/* Wrong lengths. */
	ck_assert_int_eq(sl_hex_decode(out, 8, "00017f80abcdeff", 15), SL_EINVAL);
	ck_assert_int_eq(sl_hex_decode(out, 8, "00017f80abcdefff00", 18), SL_EINVAL);
	ck_assert_int_eq(sl_hex_decode(out, 4, "00017f80abcdefff", 16), SL_EINVAL);
	/* Non-hex characters anywhere. */
	ck_assert_int_eq(sl_hex_decode(out, 2, "0g00", 4), SL_EINVAL);
	ck_assert_int_eq(sl_hex_decode(out, 2, "000g", 4), SL_EINVAL);
	ck_assert_int_eq(sl_hex_decode(out, 2, " 000", 4), SL_EINVAL);
	ck_assert_int_eq(sl_hex_decode(out, 2, "00:0", 4), SL_EINVAL);
	ck_assert_int_eq(sl_hex_decode(out, 2, "0\0000", 4), SL_EINVAL);
	ck_assert_int_eq(sl_hex_decode(out, 1, "G0", 2), SL_EINVAL);
}
END_TEST

START_TEST(hex_round_trip)
{
	unsigned char in[256], back[256];
	char hex[513];
	size_t i, n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);
	for (n = 0; n <= sizeof(in); n += 17) {
		sl_hex_encode(hex, in, n);
		ck_assert_uint_eq(strlen(hex), 2 * n);
		ck_assert(sl_is_lowerhex(hex, 2 * n, n));
		ck_assert_int_eq(sl_hex_decode(back, n, hex, 2 * n), 0);
		ck_assert_mem_eq(back, in, n);
	}
}
END_TEST

START_TEST(is_lowerhex)
{
	static const char h64[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	char buf[65];

	ck_assert(sl_is_lowerhex(h64, 64, 32));
	ck_assert(!sl_is_lowerhex(h64, 63, 32));
	ck_assert(!sl_is_lowerhex(h64, 64, 31));
	memcpy(buf, h64, sizeof(buf));
	buf[10] = 'C';
	ck_assert(!sl_is_lowerhex(buf, 64, 32));
	buf[10] = 'g';
	ck_assert(!sl_is_lowerhex(buf, 64, 32));
	ck_assert(sl_is_lowerhex("", 0, 0));
	ck_assert(sl_is_lowerhex("0123456789abcdef", 16, 8));
	ck_assert(!sl_is_lowerhex("0123456789ABCDEF", 16, 8));
}
END_TEST

/* Base64 of a string; returns a malloc'd C string. */
static char *b64(const void *data, size_t len)
{
	struct sl_buf b = SL_BUF_INIT;
	char *p;

	sl_b64_encode(&b, data, len);
	ck_assert_int_eq(sl_buf_ok(&b), 0);
	p = sl_buf_detach(&b, NULL);
	ck_assert_ptr_nonnull(p);
	return p;
}

START_TEST(b64_known_answers)
{
	/* RFC 4648 section 10. */
	static const char *const tv[][2] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	size_t i;

	for (i = 0; i < sizeof(tv) / sizeof(tv[0]); i++) {
		struct sl_buf d = SL_BUF_INIT;
		char *e = b64(tv[i][0], strlen(tv[i][0]));

		ck_assert_msg(strcmp(e, tv[i][1]) == 0, "encode '%s': got '%s', want '%s'", tv[i][0], e,
			      tv[i][1]);
		free(e);
		ck_assert_msg(sl_b64_decode(&d, tv[i][1], strlen(tv[i][1])) == 0, "decode '%s'", tv[i][1]);
		ck_assert_uint_eq(d.len, strlen(tv[i][0]));
		ck_assert_str_eq(d.buf, tv[i][0]);
		sl_buf_release(&d);
	}
	{
		/* The alphabet's last characters and high bits. */
		static const unsigned char ff[] = { 0xfb, 0xff, 0xbf };
		char *e = b64(ff, 3);
		ck_assert_str_eq(e, "+/+/");
		free(e);
	}
}
END_TEST

START_TEST(b64_round_trip)
{
	unsigned char in[300];
	size_t i, n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 151 + 7);
	for (n = 0; n <= sizeof(in); n++) {
		struct sl_buf d = SL_BUF_INIT;
		char *e = b64(in, n);

		ck_assert_uint_eq(strlen(e), (n + 2) / 3 * 4);
		ck_assert_int_eq(sl_b64_decode(&d, e, strlen(e)), 0);
		ck_assert_uint_eq(d.len, n);
		ck_assert_mem_eq(d.buf, in, n);
		ck_assert_int_eq(d.buf[d.len], '\0');
		free(e);
		sl_buf_release(&d);
	}
}
END_TEST

START_TEST(b64_decode_appends)
{
	struct sl_buf d = SL_BUF_INIT;

	sl_buf_addstr(&d, "x:");
	ck_assert_int_eq(sl_b64_decode(&d, "Zm9v", 4), 0);
	ck_assert_str_eq(d.buf, "x:foo");
	sl_buf_release(&d);
}
END_TEST

START_TEST(b64_rejects_non_canonical)
{
	static const char *const bad[] = {
		"Zg=",       /* length not a multiple of 4 */
		"Zg",        /* missing padding */
		"Zm9",       /* missing padding */
		"Zm9vY",     /* length 5 */
		"Z===",      /* too much padding */
		"====",      /* padding only */
		"=Zg=",      /* padding first */
		"Zg=a",      /* data after padding */
		"Zg==Zg==",  /* padding in the middle */
		"Zm=v",      /* padding then data in one quantum */
		"Zh==",      /* unused bits not zero (one byte) */
		"Zm9=",      /* unused bits not zero (two bytes): "Zm8=" is canonical */
		"Zm9w",      /* valid: control case below */
		"Zm9v\n",    /* white space */
		"Zm 9",      /* white space inside */
		"Zm-v",      /* URL-safe alphabet */
		"Zm_v",      /* URL-safe alphabet */
		"Zm9v====",  /* extra padding quantum */
		"Zm*v",      /* not in the alphabet */
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sl_buf d = SL_BUF_INIT;
		int e = sl_b64_decode(&d, bad[i], strlen(bad[i]));

		if (!strcmp(bad[i], "Zm9w"))
			ck_assert_msg(e == 0, "'%s' is canonical base64", bad[i]);
		else
			ck_assert_msg(e == SL_EINVAL, "'%s' accepted (rc %d)", bad[i], e);
		sl_buf_release(&d);
	}
	{
		/* An embedded NUL and a byte above 0x7f. */
		struct sl_buf d = SL_BUF_INIT;
		ck_assert_int_eq(sl_b64_decode(&d, "Zm\0v", 4), SL_EINVAL);
		ck_assert_int_eq(sl_b64_decode(&d, "Zm\xc3v", 4), SL_EINVAL);
		sl_buf_release(&d);
	}
}
END_TEST

START_TEST(b64_hash_sized)
{
	/* A 32-byte hash is 44 characters with one '='. */
	unsigned char h[SL_HASH_LEN];
	struct sl_buf d = SL_BUF_INIT;
	char *e;

	sl_sha256(h, "", 0);
	e = b64(h, sizeof(h));
	ck_assert_str_eq(e, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	ck_assert_int_eq(sl_b64_decode(&d, e, strlen(e)), 0);
	ck_assert_uint_eq(d.len, SL_HASH_LEN);
	ck_assert_mem_eq(d.buf, h, SL_HASH_LEN);
	free(e);
	sl_buf_release(&d);
}
END_TEST

static Suite *hash_suite(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sha256_known_answers);
	tcase_add_test(tc, sha256_incremental);
	tcase_add_test(tc, leaf_hash_known_answers);
	tcase_add_test(tc, node_hash_known_answers);
	tcase_add_test(tc, hex_encode);
	tcase_add_test(tc, hex_decode);
	tcase_add_test(tc, hex_round_trip);
	tcase_add_test(tc, is_lowerhex);
	tcase_add_test(tc, b64_known_answers);
	tcase_add_test(tc, b64_round_trip);
	tcase_add_test(tc, b64_decode_appends);
	tcase_add_test(tc, b64_rejects_non_canonical);
	tcase_add_test(tc, b64_hash_sized);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hash_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
