// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/witness.c and lib/witness-state.c: the trusted-log
 * configuration, add-checkpoint bodies parsed strictly, the growth checks
 * against hand-made RFC 6962 trees, the log's signature, and the state
 * directory (kept, read back, evidence appended, a damaged state refused),
 * then whole add-checkpoint answers.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl/cosig.h"
#include "sl/witness.h"

#define TMPDIR_NAME "witness"
#include "tmpdir.h"

static struct sl_error err;

static void gen(struct sl_signer *k, int type, const char *name)
{
	sl_error_clear(&err);
	ck_assert_msg(sl_signer_generate_type(k, type, name, &err) == 0, "%s", err.msg);
}

/* Leaves "a", "b", "c" of an RFC 6962 tree, and the roots of its first 2 and 3. */
static unsigned char la[32], lb[32], lc[32], root2[32], root3[32];

static void trees(void)
{
	unsigned char buf[65];

	buf[0] = 0;
	buf[1] = 'a';
	sl_sha256(la, buf, 2);
	buf[1] = 'b';
	sl_sha256(lb, buf, 2);
	buf[1] = 'c';
	sl_sha256(lc, buf, 2);
	buf[0] = 1;
	memcpy(buf + 1, la, 32);
	memcpy(buf + 33, lb, 32);
	sl_sha256(root2, buf, 65);
	memcpy(buf + 1, root2, 32);
	memcpy(buf + 33, lc, 32);
	sl_sha256(root3, buf, 65);
}

/* body: "old OLD", the proof hashes, "", the note of (origin, size, root) signed by k. */
static void body(struct sl_buf *b, uint64_t old, const unsigned char (*proof)[32], size_t n,
		 const char *origin, uint64_t size, const unsigned char *root,
		 const struct sl_signer *k)
{
	struct sl_checkpoint c;
	size_t i;

	memset(&c, 0, sizeof(c));
	snprintf(c.origin, sizeof(c.origin), "%s", origin);
	c.size = size;
	memcpy(c.root, root, 32);
	sl_buf_reset(b);
	sl_buf_addf(b, "old %llu\n", (unsigned long long)old);
	for (i = 0; i < n; i++) {
		sl_b64_encode(b, proof[i], 32);
		sl_buf_addch(b, '\n');
	}
	sl_buf_addch(b, '\n');
	ck_assert_int_eq(sl_checkpoint_sign(b, &c, k, &err), 0);
}

START_TEST(config)
{
	struct sl_witness_config c = SL_WITNESS_CONFIG_INIT;
	struct sl_signer log, log2, w;
	struct sl_buf text = SL_BUF_INIT;
	const struct sl_witness_log *l;

	gen(&log, SL_KEY_ED25519, "example.org/log");
	gen(&log2, SL_KEY_ECDSA, "signer2");
	gen(&w, SL_KEY_COSIG, "witness.example/w1");
	sl_buf_addstr(&text, "# logs\n\n");
	ck_assert_int_eq(sl_vkey_format(&text, &log.vk), 0);
	sl_buf_addch(&text, '\n');
	ck_assert_int_eq(sl_vkey_format(&text, &log2.vk), 0);
	sl_buf_addstr(&text, " example.org/log\n");
	ck_assert_int_eq(sl_vkey_format(&text, &log2.vk), 0);
	sl_buf_addstr(&text, " other origin - 7");
	ck_assert_int_eq(sl_witness_config_parse(&c, text.buf, text.len, &err), 0);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_ptr_nonnull(l = sl_witness_config_find(&c, "example.org/log", 15));
	ck_assert_uint_eq(l->nkeys, 2);
	ck_assert_ptr_nonnull(sl_witness_config_find(&c, "other origin - 7", 16));
	ck_assert_ptr_null(sl_witness_config_find(&c, "example.org/lo", 14));
	/* The same key twice for one log, a witness key, a bad key: refused with the line. */
	sl_error_clear(&err);
	ck_assert_int_eq(sl_witness_config_parse(&c, text.buf, text.len, &err), SL_EINVAL);
	ck_assert_int_eq(err.line, 3);
	ck_assert_str_eq(err.msg, "key 'example.org/log' is given twice for log 'example.org/log'");
	sl_buf_reset(&text);
	sl_buf_addstr(&text, "\n");
	ck_assert_int_eq(sl_vkey_format(&text, &w.vk), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_witness_config_parse(&c, text.buf, text.len, &err), SL_EINVAL);
	ck_assert_int_eq(err.line, 2);
	ck_assert_str_eq(err.msg, "'witness.example/w1' is a witness (cosignature) key, not a log key");
	sl_error_clear(&err);
	ck_assert_int_eq(sl_witness_config_parse(&c, "x+1+2\n", 6, &err), SL_EINVAL);
	ck_assert_int_eq(err.line, 1);
	sl_witness_config_release(&c);
	sl_buf_release(&text);
	sl_signer_wipe(&log);
	sl_signer_wipe(&log2);
	sl_signer_wipe(&w);
}
END_TEST

START_TEST(request_parsing)
{
	static const char *bad[] = {
		"", "old 0", "old 0\n", "old 01\n\n", "old\n\n", "old  0\n\n", "old 0 \n\n",
		"old 99999999999999999999\n\n", "old 9223372036854775808\n\n", "OLD 0\n\n",
		"old 0\nAAAA\n\n", "old 0\n!!!!\n\n", "old 0\n\nx\n",
	};
	struct sl_witness_request *r = malloc(sizeof(*r));
	struct sl_signer log;
	struct sl_buf b = SL_BUF_INIT;
	unsigned char proof[64][32];
	size_t i;

	trees();
	gen(&log, SL_KEY_ED25519, "example.org/log");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sl_witness_request_parse(r, bad[i], strlen(bad[i]), &err) == SL_EINVAL,
			      "accepted '%s'", bad[i]);
	memset(proof, 7, sizeof(proof));
	body(&b, 2, (const unsigned char (*)[32])&lc, 1, "example.org/log", 3, root3, &log);
	ck_assert_int_eq(sl_witness_request_parse(r, b.buf, b.len, &err), 0);
	ck_assert_uint_eq(r->old, 2);
	ck_assert_uint_eq(r->nproof, 1);
	ck_assert_mem_eq(r->proof[0], lc, 32);
	ck_assert_uint_eq(r->c.size, 3);
	ck_assert_str_eq(r->c.origin, "example.org/log");
	ck_assert_ptr_eq(r->note, strstr(b.buf, "\n\n") + 2);
	/* 63 proof lines are the most. */
	body(&b, 2, (const unsigned char (*)[32])proof, 63, "example.org/log", 3, root3, &log);
	ck_assert_int_eq(sl_witness_request_parse(r, b.buf, b.len, &err), 0);
	body(&b, 2, (const unsigned char (*)[32])proof, 64, "example.org/log", 3, root3, &log);
	ck_assert_int_eq(sl_witness_request_parse(r, b.buf, b.len, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "more than 63 consistency proof lines");
	free(r);
	sl_buf_release(&b);
	sl_signer_wipe(&log);
}
END_TEST

START_TEST(growth)
{
	struct sl_witness_request *r = malloc(sizeof(*r));
	struct sl_signer log;
	struct sl_buf b = SL_BUF_INIT;
	unsigned char empty[32];

	trees();
	gen(&log, SL_KEY_ED25519, "example.org/log");
	sl_sha256(empty, "", 0);
	/* 2 -> 3 with the proof [c]: good from the stored root2, not from another root. */
	body(&b, 2, (const unsigned char (*)[32])&lc, 1, "example.org/log", 3, root3, &log);
	ck_assert_int_eq(sl_witness_request_parse(r, b.buf, b.len, &err), 0);
	ck_assert_int_eq(sl_witness_check_growth(r, 2, root2, &err), SL_WITNESS_OK);
	ck_assert_int_eq(sl_witness_check_growth(r, 2, la, &err), SL_WITNESS_UNPROCESSABLE);
	ck_assert_int_eq(sl_witness_check_growth(r, 1, la, &err), SL_WITNESS_CONFLICT);
	ck_assert_int_eq(sl_witness_check_growth(r, 0, la, &err), SL_WITNESS_CONFLICT);
	/* The wrong proof hash. */
	body(&b, 2, (const unsigned char (*)[32])&la, 1, "example.org/log", 3, root3, &log);
	ck_assert_int_eq(sl_witness_request_parse(r, b.buf, b.len, &err), 0);
	ck_assert_int_eq(sl_witness_check_growth(r, 2, root2, &err), SL_WITNESS_UNPROCESSABLE);
	/* Same size: the same root, no proof. */
	body(&b, 3, NULL, 0, "example.org/log", 3, root3, &log);
	ck_assert_int_eq(sl_witness_request_parse(r, b.buf, b.len, &err), 0);
	ck_assert_int_eq(sl_witness_check_growth(r, 3, root3, &err), SL_WITNESS_OK);
	ck_assert_int_eq(sl_witness_check_growth(r, 3, root2, &err), SL_WITNESS_UNPROCESSABLE);
	/* Old over the new size. */
	body(&b, 4, NULL, 0, "example.org/log", 3, root3, &log);
	ck_assert_int_eq(sl_witness_request_parse(r, b.buf, b.len, &err), 0);
	ck_assert_int_eq(sl_witness_check_growth(r, 4, root3, &err), SL_WITNESS_BAD_REQUEST);
	/* From 0: no proof at all; size 0 only with the empty tree's root. */
	body(&b, 0, NULL, 0, "example.org/log", 3, root3, &log);
	ck_assert_int_eq(sl_witness_request_parse(r, b.buf, b.len, &err), 0);
	ck_assert_int_eq(sl_witness_check_growth(r, 0, empty, &err), SL_WITNESS_OK);
	body(&b, 0, (const unsigned char (*)[32])&lc, 1, "example.org/log", 3, root3, &log);
	ck_assert_int_eq(sl_witness_request_parse(r, b.buf, b.len, &err), 0);
	ck_assert_int_eq(sl_witness_check_growth(r, 0, empty, &err), SL_WITNESS_UNPROCESSABLE);
	body(&b, 0, NULL, 0, "example.org/log", 0, root3, &log);
	ck_assert_int_eq(sl_witness_request_parse(r, b.buf, b.len, &err), 0);
	ck_assert_int_eq(sl_witness_check_growth(r, 0, empty, &err), SL_WITNESS_UNPROCESSABLE);
	body(&b, 0, NULL, 0, "example.org/log", 0, empty, &log);
	ck_assert_int_eq(sl_witness_request_parse(r, b.buf, b.len, &err), 0);
	ck_assert_int_eq(sl_witness_check_growth(r, 0, empty, &err), SL_WITNESS_OK);
	free(r);
	sl_buf_release(&b);
	sl_signer_wipe(&log);
}
END_TEST

START_TEST(add_checkpoint)
{
	struct sl_witness_config c = SL_WITNESS_CONFIG_INIT;
	struct sl_signer log, other, w;
	struct sl_witness wit;
	struct sl_buf b = SL_BUF_INIT, out = SL_BUF_INIT, note = SL_BUF_INIT, ev = SL_BUF_INIT;
	char hash[65], path[256];
	FILE *f;
	char line[512];
	int n = 0;
	uint64_t ts;

	trees();
	gen(&log, SL_KEY_ED25519, "example.org/log");
	gen(&other, SL_KEY_ED25519, "example.org/log");
	gen(&w, SL_KEY_COSIG, "witness.example/w1");
	ck_assert_int_eq(sl_witness_config_add(&c, &log.vk, NULL, &err), 0);
	wit.dir = tmproot;
	wit.config = &c;
	wit.key = &w;
	/* From nothing to 2, then 2 to 3: cosigned, kept; the answer is the cosignature line. */
	body(&b, 0, NULL, 0, "example.org/log", 2, root2, &log);
	ck_assert_int_eq(sl_witness_add_checkpoint(&wit, b.buf, b.len, 1700000000, &out, &err), 200);
	sl_buf_add(&note, strstr(b.buf, "\n\n") + 2, b.len - (size_t)(strstr(b.buf, "\n\n") + 2 - b.buf));
	sl_buf_add(&note, out.buf, out.len);
	ck_assert_int_eq(sl_cosig_verify(note.buf, note.len, &w.vk, &ts, &err), 0);
	ck_assert_uint_eq(ts, 1700000000);
	sl_buf_reset(&out);
	body(&b, 2, (const unsigned char (*)[32])&lc, 1, "example.org/log", 3, root3, &log);
	ck_assert_int_eq(sl_witness_add_checkpoint(&wit, b.buf, b.len, 1700000001, &out, &err), 200);
	/* The monitors' copy and the evidence. */
	sl_witness_origin_hash(hash, "example.org/log", 15);
	sl_buf_reset(&note);
	ck_assert_int_eq(sl_witness_latest(tmproot, hash, &note, &err), 0);
	ck_assert(strstr(note.buf, "example.org/log\n3\n") == note.buf);
	ck_assert_int_eq(sl_cosig_verify(note.buf, note.len, &w.vk, &ts, &err), 0);
	ck_assert_uint_eq(ts, 1700000001);
	ck_assert_int_eq(sl_witness_latest(tmproot, "00", &note, &err), SL_ENOTFOUND);
	hash[0] = hash[0] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(sl_witness_latest(tmproot, hash, &note, &err), SL_ENOTFOUND);
	sl_witness_origin_hash(hash, "example.org/log", 15);
	snprintf(path, sizeof(path), "%s/%s/cosigned", tmproot, hash);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f))
		n += strncmp(line, "size ", 5) == 0;
	fclose(f);
	ck_assert_int_eq(n, 2);
	/* Refusals: 409 with the size, 403, 404, 400; none of them kept. */
	sl_buf_reset(&out);
	body(&b, 2, (const unsigned char (*)[32])&lc, 1, "example.org/log", 3, root3, &log);
	ck_assert_int_eq(sl_witness_add_checkpoint(&wit, b.buf, b.len, 1700000002, &out, &err), 409);
	ck_assert_str_eq(out.buf, "3\n");
	sl_buf_reset(&out);
	body(&b, 3, NULL, 0, "example.org/log", 3, root3, &other);
	ck_assert_int_eq(sl_witness_add_checkpoint(&wit, b.buf, b.len, 1700000002, &out, &err), 403);
	body(&b, 3, NULL, 0, "example.org/log2", 3, root3, &log);
	ck_assert_int_eq(sl_witness_add_checkpoint(&wit, b.buf, b.len, 1700000002, &out, &err), 404);
	ck_assert_int_eq(sl_witness_add_checkpoint(&wit, "old 0\n", 6, 1700000002, &out, &err), 400);
	body(&b, 3, NULL, 0, "example.org/log", 3, root2, &log);
	ck_assert_int_eq(sl_witness_add_checkpoint(&wit, b.buf, b.len, 1700000002, &out, &err), 422);
	ck_assert_uint_eq(out.len, 0);
	/* The inconsistent one, signed by the log, is kept apart as evidence. */
	snprintf(path, sizeof(path), "%s/%s/refused", tmproot, hash);
	ck_assert_int_eq(access(path, R_OK), 0);
	/* A damaged state is refused, not taken for nothing seen. */
	snprintf(path, sizeof(path), "%s/%s/checkpoint", tmproot, hash);
	ck_assert_int_eq(truncate(path, 10), 0);
	body(&b, 0, NULL, 0, "example.org/log", 2, root2, &log);
	ck_assert_int_eq(sl_witness_add_checkpoint(&wit, b.buf, b.len, 1700000003, &out, &err), SL_ECORRUPT);
	sl_witness_config_release(&c);
	sl_buf_release(&b);
	sl_buf_release(&out);
	sl_buf_release(&note);
	sl_buf_release(&ev);
	sl_signer_wipe(&log);
	sl_signer_wipe(&other);
	sl_signer_wipe(&w);
}
END_TEST

static Suite *witness_suite(void)
{
	Suite *s = suite_create("witness");
	TCase *tc = tcase_create("witness");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, config);
	tcase_add_test(tc, request_parsing);
	tcase_add_test(tc, growth);
	tcase_add_test(tc, add_checkpoint);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(witness_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
