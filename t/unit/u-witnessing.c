// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/witnessing.c: witness arguments, the add-checkpoint
 * request body (C2SP tlog-witness), 409 answers, taking a cosignature from
 * a witness's answer (by its key only, checked), and quorums with their
 * messages.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sl/checkpoint.h"
#include "sl/cosig.h"
#include "sl/hash.h"
#include "sl/witnessing.h"

static struct sl_error err;

static void gen(struct sl_signer *k, int type, const char *name)
{
	sl_error_clear(&err);
	ck_assert_msg(sl_signer_generate_type(k, type, name, &err) == 0, "%s", err.msg);
}

static void note_of(struct sl_buf *note, const struct sl_signer *log, uint64_t size)
{
	struct sl_checkpoint c = { "example.org/log", size, { 1, 2, 3 } };

	ck_assert_int_eq(sl_checkpoint_sign(note, &c, log, &err), 0);
}

static void cosign(struct sl_buf *out, const struct sl_signer *w, const struct sl_buf *note)
{
	sl_error_clear(&err);
	ck_assert_msg(sl_cosig_sign(out, w, 1700000000, note->buf, note->len, &err) == 0, "%s", err.msg);
}

START_TEST(arguments)
{
	struct sl_signer w, log;
	struct sl_buf vk = SL_BUF_INIT, arg = SL_BUF_INIT, lvk = SL_BUF_INIT;
	struct sl_witness_peer wi;

	gen(&w, SL_KEY_COSIG, "w1.example");
	gen(&log, SL_KEY_ED25519, "example.org/log");
	ck_assert_int_eq(sl_vkey_format(&vk, &w.vk), 0);
	ck_assert_int_eq(sl_vkey_format(&lvk, &log.vk), 0);
	/* A key alone for verifying; with a URL for the log's side. */
	ck_assert_int_eq(sl_witness_parse(&wi, vk.buf, 0, &err), 0);
	ck_assert(sl_vkey_equal(&wi.vk, &w.vk));
	ck_assert_str_eq(wi.url, "");
	ck_assert_int_eq(sl_witness_parse(&wi, vk.buf, 1, &err), SL_EUSAGE);
	ck_assert_str_eq(err.msg, "no URL: write the witness as KEY@URL");
	sl_buf_addf(&arg, "%s@http://127.0.0.1:8080/w/", vk.buf);
	ck_assert_int_eq(sl_witness_parse(&wi, arg.buf, 1, &err), 0);
	ck_assert_str_eq(wi.url, "http://127.0.0.1:8080/w/");
	ck_assert_int_eq(sl_witness_parse(&wi, arg.buf, 0, &err), SL_EUSAGE);
	sl_buf_reset(&arg);
	sl_buf_addf(&arg, "%s@ftp://x", vk.buf);
	ck_assert_int_eq(sl_witness_parse(&wi, arg.buf, 1, &err), SL_EUSAGE);
	sl_buf_reset(&arg);
	sl_buf_addf(&arg, "%s@http://x y", vk.buf);
	ck_assert_int_eq(sl_witness_parse(&wi, arg.buf, 1, &err), SL_EUSAGE);
	/* A log's key is no witness's. */
	ck_assert_int_eq(sl_witness_parse(&wi, lvk.buf, 0, &err), SL_EUSAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "cosignature key"));
	ck_assert_int_eq(sl_witness_parse(&wi, "nonsense", 0, &err), SL_EUSAGE);
	sl_buf_release(&vk);
	sl_buf_release(&arg);
	sl_buf_release(&lvk);
}
END_TEST

START_TEST(request_body)
{
	unsigned char proof[2][SL_HASH_LEN];
	struct sl_buf b = SL_BUF_INIT;

	memset(proof[0], 0, SL_HASH_LEN);
	memset(proof[1], 0xff, SL_HASH_LEN);
	ck_assert_int_eq(sl_witness_request_write(&b, 0, NULL, 0, "N\n", 2), 0);
	ck_assert_str_eq(b.buf, "old 0\n\nN\n");
	sl_buf_reset(&b);
	ck_assert_int_eq(sl_witness_request_write(&b, 20852014, (const unsigned char (*)[SL_HASH_LEN])proof, 2,
					    "N\n", 2), 0);
	ck_assert_str_eq(b.buf, "old 20852014\n"
				"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
				"//////////////////////////////////////////8=\n\nN\n");
	sl_buf_release(&b);
}
END_TEST

START_TEST(conflict_size)
{
	uint64_t v = 1;

	ck_assert_int_eq(sl_witness_conflict_size("0\n", 2, &v, &err), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(sl_witness_conflict_size("18446744073709551615\n", 21, &v, &err), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(sl_witness_conflict_size("18446744073709551616\n", 21, &v, &err), SL_EINVAL);
	ck_assert_int_eq(sl_witness_conflict_size("12", 2, &v, &err), SL_EINVAL);
	ck_assert_int_eq(sl_witness_conflict_size("012\n", 4, &v, &err), SL_EINVAL);
	ck_assert_int_eq(sl_witness_conflict_size("\n", 1, &v, &err), SL_EINVAL);
	ck_assert_int_eq(sl_witness_conflict_size("1 2\n", 4, &v, &err), SL_EINVAL);
	ck_assert_int_eq(sl_witness_conflict_size("-1\n", 3, &v, &err), SL_EINVAL);
}
END_TEST

START_TEST(take_only_a_valid_cosignature_by_the_key)
{
	struct sl_signer log, w, other;
	struct sl_buf note = SL_BUF_INIT, body = SL_BUF_INIT, line = SL_BUF_INIT, bad = SL_BUF_INIT;

	gen(&log, SL_KEY_ED25519, "example.org/log");
	gen(&w, SL_KEY_COSIG, "w1.example");
	gen(&other, SL_KEY_COSIG, "w2.example");
	note_of(&note, &log, 5);
	/* An answer with another witness's line first, then ours: ours is taken. */
	cosign(&body, &other, &note);
	cosign(&body, &w, &note);
	ck_assert_int_eq(sl_witness_take(note.buf, note.len, body.buf, body.len, &w.vk, &line, &err), 0);
	ck_assert_uint_eq(line.len, body.len - (size_t)(strchr(body.buf, '\n') + 1 - body.buf));
	ck_assert_int_eq(memcmp(line.buf, strchr(body.buf, '\n') + 1, line.len), 0);
	/* Only another key's cosignature: none taken. */
	sl_buf_reset(&line);
	sl_buf_reset(&body);
	cosign(&body, &other, &note);
	ck_assert_int_eq(sl_witness_take(note.buf, note.len, body.buf, body.len, &w.vk, &line, &err),
			 SL_EVERIFY);
	ck_assert_uint_eq(line.len, 0);
	/* A flipped byte in our line: none taken. */
	sl_buf_reset(&bad);
	cosign(&bad, &w, &note);
	bad.buf[bad.len - 5] ^= 1;
	ck_assert_int_eq(sl_witness_take(note.buf, note.len, bad.buf, bad.len, &w.vk, &line, &err),
			 SL_EVERIFY);
	/* A cosignature of another checkpoint (size 6) is none of this one. */
	{
		struct sl_buf n6 = SL_BUF_INIT;
		note_of(&n6, &log, 6);
		sl_buf_reset(&bad);
		cosign(&bad, &w, &n6);
		ck_assert_int_eq(sl_witness_take(note.buf, note.len, bad.buf, bad.len, &w.vk, &line,
						 &err), SL_EVERIFY);
		sl_buf_release(&n6);
	}
	/* Garbage, and an empty answer. */
	ck_assert_int_eq(sl_witness_take(note.buf, note.len, "hello\n", 6, &w.vk, &line, &err),
			 SL_EVERIFY);
	ck_assert_int_eq(sl_witness_take(note.buf, note.len, "", 0, &w.vk, &line, &err), SL_EVERIFY);
	ck_assert_str_eq(err.msg, "its answer holds no signature line");
	ck_assert_uint_eq(line.len, 0);
	sl_buf_release(&note);
	sl_buf_release(&body);
	sl_buf_release(&line);
	sl_buf_release(&bad);
}
END_TEST

START_TEST(quorum)
{
	struct sl_signer log, w[3];
	struct sl_vkey vk[3];
	struct sl_buf note = SL_BUF_INIT;
	size_t valid;
	int held[3];

	gen(&log, SL_KEY_ED25519, "example.org/log");
	gen(&w[0], SL_KEY_COSIG, "w1.example");
	gen(&w[1], SL_KEY_COSIG, "w2.example");
	gen(&w[2], SL_KEY_COSIG, "w3.example");
	for (int i = 0; i < 3; i++)
		vk[i] = w[i].vk;
	note_of(&note, &log, 5);
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, vk, 3, 1, &valid, held, &err), SL_EVERIFY);
	ck_assert_uint_eq(valid, 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "0 of 3 witness cosignatures held (none), 1 required"));
	{
		struct sl_buf c = SL_BUF_INIT;
		cosign(&c, &w[0], &note);
		cosign(&c, &w[2], &note);
		sl_buf_add(&note, c.buf, c.len);
		sl_buf_release(&c);
	}
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, vk, 3, 2, &valid, held, &err), 0);
	ck_assert_uint_eq(valid, 2);
	ck_assert(held[0] && !held[1] && held[2]);
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, vk, 3, 3, &valid, held, &err), SL_EVERIFY);
	ck_assert_ptr_nonnull(strstr(err.msg, "2 of 3 witness cosignatures held (w1.example+"));
	ck_assert_ptr_nonnull(strstr(err.msg, "3 required; not held: w2.example+"));
	/*
	 * Another base64 letter inside the last cosignature: one fewer holds.
	 * (A flipped bit could make a character that is no base64, and the
	 * note malformed, once in a few runs.)
	 */
	note.buf[note.len - 30] = note.buf[note.len - 30] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, vk, 3, 2, &valid, held, &err), SL_EVERIFY);
	ck_assert_uint_eq(valid, 1);
	ck_assert(held[0] && !held[1] && !held[2]);
	ck_assert_int_eq(sl_witness_quorum("x", 1, vk, 3, 1, &valid, NULL, &err), SL_EINVAL);
	sl_buf_release(&note);
}
END_TEST

/* The signer k under another name: the same Ed25519 key, so another key id. */
static void renamed(struct sl_signer *out, const struct sl_signer *k, const char *name)
{
	struct sl_buf f = SL_BUF_INIT, g = SL_BUF_INIT;
	const char *nl;

	ck_assert_int_eq(sl_signer_write(&f, k), 0);
	nl = strchr(f.buf, '\n');
	sl_buf_addf(&g, "stateledger-key %s cosignature", name);
	sl_buf_addstr(&g, nl);
	sl_error_clear(&err);
	ck_assert_msg(sl_signer_parse(out, g.buf, g.len, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(memcmp(out->vk.pub, k->vk.pub, SL_ED25519_PUB_LEN), 0);
	ck_assert_int_ne(memcmp(out->vk.id, k->vk.id, SL_KEYID_LEN), 0);
	sl_buf_release(&f);
	sl_buf_release(&g);
}

/*
 * The signed message does not hold the witness's name: one witness's
 * cosignature, its line renamed, holds for the same key under any other
 * name.  One key is one witness, whatever it is called.
 */
START_TEST(one_key_under_two_names_counts_once)
{
	struct sl_signer log, a, b;
	struct sl_vkey vk[2];
	struct sl_buf note = SL_BUF_INIT, line = SL_BUF_INIT, raw = SL_BUF_INIT;
	size_t valid, sp;
	int held[2];

	gen(&log, SL_KEY_ED25519, "example.org/log");
	gen(&a, SL_KEY_COSIG, "w1.example");
	renamed(&b, &a, "w2.example");
	vk[0] = a.vk;
	vk[1] = b.vk;
	note_of(&note, &log, 5);
	cosign(&line, &a, &note);
	sl_buf_add(&note, line.buf, line.len);
	/* The forgery: w1's line with w2's name and key id. */
	sp = (size_t)(strchr(line.buf + strlen(SL_NOTE_SIG_PREFIX), ' ') - line.buf);
	ck_assert_int_eq(sl_b64_decode(&raw, line.buf + sp + 1, line.len - sp - 2), 0);
	memcpy(raw.buf, b.vk.id, SL_KEYID_LEN);
	sl_buf_addstr(&note, SL_NOTE_SIG_PREFIX "w2.example ");
	sl_b64_encode(&note, (const unsigned char *)raw.buf, raw.len);
	sl_buf_addch(&note, '\n');
	ck_assert_int_eq(sl_buf_ok(&note), 0);
	ck_assert_int_eq(sl_cosig_verify(note.buf, note.len, &b.vk, NULL, NULL), 0);
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, vk, 2, 2, &valid, held, &err), SL_EVERIFY);
	ck_assert_uint_eq(valid, 1);
	ck_assert(held[0] && !held[1]);
	sl_buf_release(&note);
	sl_buf_release(&line);
	sl_buf_release(&raw);
}
END_TEST

static Suite *witnessing_suite(void)
{
	Suite *s = suite_create("witnessing");
	TCase *tc = tcase_create("witnessing");

	tcase_add_test(tc, arguments);
	tcase_add_test(tc, request_body);
	tcase_add_test(tc, conflict_size);
	tcase_add_test(tc, take_only_a_valid_cosignature_by_the_key);
	tcase_add_test(tc, quorum);
	tcase_add_test(tc, one_key_under_two_names_counts_once);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(witnessing_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
