// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/audit.c, lib/heads.c, the signature module and lib/diff.c: a one-entry snapshot made by
 * hand (its root is the leaf hash, its proofs are empty), packed, signed,
 * verified and damaged; and the records sl_diff gives for it.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/audit.h"
#include "sl/diff.h"
#include "sl/hash.h"
#include "sl/heads.h"
#include "sl/json.h"

#define ENTRY(v)                                                                              \
	"{\"payload\":{\"env\":{\"A\":\"1\",\"B\":\"" v "\"},\"i\":1},\"seq\":0,\"source\":\"a\"," \
	"\"ts\":\"2026-01-01T00:00:00.000000Z\",\"type\":\"x-t\"}"

static struct sl_signer key;

/* The snapshot at 2026-01-01T01:00:00Z of a log holding only `entry`, with a checkpoint by key. */
static void snapshot(struct sl_buf *b, const char *entry)
{
	struct sl_checkpoint c = { "u.test/log", 1, { 0 } };
	struct sl_buf note = SL_BUF_INIT, vk = SL_BUF_INIT;
	char hex[SL_HEX_LEN + 1];

	sl_leaf_hash(c.root, entry, strlen(entry));
	sl_hex_encode(hex, c.root, SL_HASH_LEN);
	ck_assert_int_eq(sl_checkpoint_sign(&note, &c, &key, NULL), 0);
	ck_assert_int_eq(sl_vkey_format(&vk, &key.vk), 0);
	sl_buf_reset(b);
	sl_buf_addf(b, "{\"type\":\"snapshot\",\"at\":\"2026-01-01T01:00:00.000000Z\",\"size\":1,"
		    "\"root\":\"%s\",\"entries\":[{\"seq\":0,\"type\":\"x-t\",\"source\":\"a\","
		    "\"leaf_hash\":\"%s\",\"entry\":", hex, hex);
	ck_assert_int_eq(sl_jcs_string(b, entry, strlen(entry)), 0);
	sl_buf_addf(b, ",\"inclusion\":{\"type\":\"inclusion\",\"seq\":0,\"size\":1,\"leaf_hash\":\"%s\","
		    "\"root\":\"%s\",\"proof\":[]}}],\"mutations\":[],\"checkpoint\":{\"note\":", hex, hex);
	ck_assert_int_eq(sl_jcs_string(b, note.buf, note.len), 0);
	sl_buf_addstr(b, ",\"vkey\":");
	ck_assert_int_eq(sl_jcs_string(b, vk.buf, vk.len), 0);
	sl_buf_addf(b, ",\"consistency\":{\"type\":\"consistency\",\"from\":1,\"to\":1,\"from_root\":\"%s\","
		    "\"to_root\":\"%s\",\"proof\":[]}},\"bounds\":{\"last\":{\"seq\":0,\"leaf_hash\":\"%s\","
		    "\"entry\":", hex, hex, hex);
	ck_assert_int_eq(sl_jcs_string(b, entry, strlen(entry)), 0);
	sl_buf_addf(b, ",\"inclusion\":{\"type\":\"inclusion\",\"seq\":0,\"size\":1,\"leaf_hash\":\"%s\","
		    "\"root\":\"%s\",\"proof\":[]}},\"next\":null},\"complete\":true,\"prefix\":[", hex, hex);
	ck_assert_int_eq(sl_jcs_string(b, entry, strlen(entry)), 0);
	sl_buf_addstr(b, "],\"warnings\":[]}");
	ck_assert_int_eq(sl_buf_ok(b), 0);
	sl_buf_release(&note);
	sl_buf_release(&vk);
}

static void setup(void)
{
	ck_assert_int_eq(sl_signer_generate(&key, "u.test/log", NULL), 0);
}

START_TEST(bundle_verifies)
{
	struct sl_buf s = SL_BUF_INIT, b = SL_BUF_INIT, env = SL_BUF_INIT;
	struct sl_audit_result r;
	struct sl_error err = { 0 };
	struct sl_signer other;

	snapshot(&s, ENTRY("2"));
	ck_assert_int_eq(sl_audit_bundle(s.buf, s.len, 0, NULL, &b, &err), 0);
	ck_assert_msg(strstr(b.buf, "\"requested\":\"1970-01-01T00:00:00.000000Z\"") == b.buf + 1, "%s", b.buf);
	ck_assert_int_eq(sl_audit_verify(b.buf, b.len, &key.vk, NULL, NULL, &r, &err), 0);
	ck_assert_str_eq(r.at, "2026-01-01T01:00:00.000000Z");
	ck_assert(r.size == 1 && r.entries == 1 && r.checkpoint_size == 1 && r.complete);
	ck_assert(!r.enveloped);
	/* The checkpoint ends at the snapshot: the time is bounded only from below. */
	ck_assert(r.upper_open && !*r.next_ts);
	ck_assert_str_eq(r.last_ts, "2026-01-01T00:00:00.000000Z");
	ck_assert_str_eq(r.origin, "u.test/log");
	ck_assert(r.unproved & (1u << SL_AM_TARGET));
	ck_assert(r.proved & (1u << SL_AM_PREFIX));
	ck_assert_str_eq(sl_audit_member_name(SL_AM_TARGET), "target");
	ck_assert_ptr_null(sl_audit_member_name(SL_AM_COUNT));
	ck_assert_int_eq(sl_audit_verify(b.buf, b.len, &key.vk, NULL, "u.test/log", &r, &err), 0);
	ck_assert_int_eq(sl_audit_verify(b.buf, b.len, &key.vk, NULL, "u.test/other", &r, &err), SL_EVERIFY);
	ck_assert_str_eq(err.member, "snapshot.checkpoint.note");
	/* Signed: with and without the signer's key, and with another. */
	ck_assert_int_eq(sl_audit_sign(b.buf, b.len, &key, &env, &err), 0);
	ck_assert_int_eq(sl_audit_verify(env.buf, env.len, &key.vk, &key.vk, NULL, &r, &err), 0);
	ck_assert(r.enveloped && r.signer_checked);
	ck_assert_int_eq(sl_audit_verify(env.buf, env.len, &key.vk, NULL, NULL, &r, &err), 0);
	ck_assert(r.enveloped && !r.signer_checked);
	ck_assert_int_eq(sl_signer_generate(&other, "other", NULL), 0);
	ck_assert_int_eq(sl_audit_verify(env.buf, env.len, &key.vk, &other.vk, NULL, &r, &err), SL_EVERIFY);
	ck_assert_str_eq(err.member, "signatures");
	ck_assert_int_eq(sl_audit_verify(b.buf, b.len, &other.vk, NULL, NULL, &r, &err), SL_EVERIFY);
	ck_assert_str_eq(err.member, "snapshot.checkpoint.vkey");
	sl_signer_wipe(&other);
	sl_buf_release(&s);
	sl_buf_release(&b);
	sl_buf_release(&env);
}
END_TEST

/*
 * Change the byte `off` bytes into the first `find` at or after `from` in
 * b to `to`: verification must fail with code, naming member; then undo.
 */
static void damaged(struct sl_buf *b, const char *from, const char *find, size_t off, char to, int code,
		    const char *member)
{
	struct sl_audit_result r;
	struct sl_error err = { 0 };
	char *p = strstr(from, find), was;

	ck_assert_ptr_nonnull(p);
	was = p[off];
	p[off] = to;
	ck_assert_int_eq(sl_audit_verify(b->buf, b->len, &key.vk, NULL, NULL, &r, &err), code);
	ck_assert_str_eq(err.member, member);
	p[off] = was;
}

START_TEST(damage_is_named)
{
	struct sl_buf s = SL_BUF_INIT, b = SL_BUF_INIT;
	struct sl_audit_result r;
	struct sl_error err = { 0 };

	snapshot(&s, ENTRY("2"));
	ck_assert_int_eq(sl_audit_bundle(s.buf, s.len, 0, NULL, &b, &err), 0);
	/* The payload's value inside the named entry's bytes. */
	damaged(&b, strstr(b.buf, "\"entries\":["), "\\\"B\\\":\\\"2", 8, '3', SL_EVERIFY,
		"snapshot.entries[0].leaf_hash");
	/* The size. */
	damaged(&b, b.buf, "\"size\":1,\"type\":\"snapshot\"", 7, '2', SL_EVERIFY,
		"snapshot.entries[0].inclusion");
	/* No bounds: nothing pins the size to the time. */
	damaged(&b, b.buf, "\"bounds\":{", 2, 'x', SL_EINVAL, "snapshot.bxunds");
	ck_assert_int_eq(sl_audit_verify(b.buf, b.len, &key.vk, NULL, NULL, &r, &err), 0);
	/* Not a bundle at all. */
	ck_assert_int_eq(sl_audit_verify("{}", 2, &key.vk, NULL, NULL, &r, &err), SL_EINVAL);
	ck_assert_int_eq(sl_audit_bundle("[]", 2, 0, NULL, &b, &err), SL_EINVAL);
	sl_buf_release(&s);
	sl_buf_release(&b);
}
END_TEST

/*
 * The complete snapshot of a log of two entries e0 and e1 (same type), at
 * 2026-01-01T01:00:00Z, naming entry `named` (0 or 1) only, recorded with
 * `source`.
 */
static void snapshot2(struct sl_buf *b, const char *e0, const char *e1, const char *source, int named)
{
	struct sl_checkpoint c = { "u.test/log", 2, { 0 } };
	struct sl_buf note = SL_BUF_INIT, vk = SL_BUF_INIT;
	unsigned char l0[SL_HASH_LEN], l1[SL_HASH_LEN];
	char h0[SL_HEX_LEN + 1], h1[SL_HEX_LEN + 1], hr[SL_HEX_LEN + 1], proof[SL_HEX_LEN + 64];
	int k;

	sl_leaf_hash(l0, e0, strlen(e0));
	sl_leaf_hash(l1, e1, strlen(e1));
	sl_node_hash(c.root, l0, l1);
	sl_hex_encode(h0, l0, SL_HASH_LEN);
	sl_hex_encode(h1, l1, SL_HASH_LEN);
	sl_hex_encode(hr, c.root, SL_HASH_LEN);
	ck_assert_int_eq(sl_checkpoint_sign(&note, &c, &key, NULL), 0);
	ck_assert_int_eq(sl_vkey_format(&vk, &key.vk), 0);
	snprintf(proof, sizeof(proof), "\"proof\":[\"%s\"]", named ? h0 : h1);
	sl_buf_reset(b);
	sl_buf_addf(b, "{\"type\":\"snapshot\",\"at\":\"2026-01-01T01:00:00.000000Z\",\"size\":2,"
		    "\"root\":\"%s\",\"entries\":[{\"seq\":%d,\"type\":\"x-t\",\"source\":%s,"
		    "\"leaf_hash\":\"%s\",\"entry\":", hr, named, source, named ? h1 : h0);
	ck_assert_int_eq(sl_jcs_string(b, named ? e1 : e0, strlen(named ? e1 : e0)), 0);
	sl_buf_addf(b, ",\"inclusion\":{\"type\":\"inclusion\",\"seq\":%d,\"size\":2,\"leaf_hash\":\"%s\","
		    "\"root\":\"%s\",%s}}],\"mutations\":[],\"checkpoint\":{\"note\":", named,
		    named ? h1 : h0, hr, proof);
	snprintf(proof, sizeof(proof), "\"proof\":[\"%s\"]", h0);
	ck_assert_int_eq(sl_jcs_string(b, note.buf, note.len), 0);
	sl_buf_addstr(b, ",\"vkey\":");
	ck_assert_int_eq(sl_jcs_string(b, vk.buf, vk.len), 0);
	sl_buf_addf(b, ",\"consistency\":{\"type\":\"consistency\",\"from\":2,\"to\":2,\"from_root\":\"%s\","
		    "\"to_root\":\"%s\",\"proof\":[]}},\"bounds\":{\"last\":{\"seq\":1,\"leaf_hash\":\"%s\","
		    "\"entry\":", hr, hr, h1);
	ck_assert_int_eq(sl_jcs_string(b, e1, strlen(e1)), 0);
	sl_buf_addf(b, ",\"inclusion\":{\"type\":\"inclusion\",\"seq\":1,\"size\":2,\"leaf_hash\":\"%s\","
		    "\"root\":\"%s\",%s}},\"next\":null},\"complete\":true,\"prefix\":[", h1, hr, proof);
	for (k = 0; k < 2; k++) {
		const char *e = k ? e1 : e0;
		if (k)
			sl_buf_addch(b, ',');
		ck_assert_int_eq(sl_jcs_string(b, e, strlen(e)), 0);
	}
	sl_buf_addstr(b, "],\"warnings\":[]}");
	ck_assert_int_eq(sl_buf_ok(b), 0);
	sl_buf_release(&note);
	sl_buf_release(&vk);
}

#define ENTRY2(seq, src) \
	"{\"payload\":{},\"seq\":" seq ",\"source\":\"" src "\",\"ts\":\"2026-01-01T00:00:00.000000Z\",\"type\":\"x-t\"}"

/*
 * A source with a NUL in it (which sl-append refuses, but an operator can
 * store and sign) compared as a C string is another source cut short:
 * named as "a\0y", it must not stand for "a\0x", left out of a bundle
 * that says it is complete.
 */
START_TEST(nul_in_source)
{
	struct sl_buf s = SL_BUF_INIT, b = SL_BUF_INIT;
	struct sl_audit_result r;
	struct sl_error err = { 0 };

	/* The two-entry snapshot itself verifies when the sources are plain. */
	snapshot2(&s, ENTRY2("0", "a"), ENTRY2("1", "a"), "\"a\"", 1);
	ck_assert_int_eq(sl_audit_bundle(s.buf, s.len, 0, NULL, &b, &err), 0);
	ck_assert_int_eq(sl_audit_verify(b.buf, b.len, &key.vk, NULL, NULL, &r, &err), 0);
	ck_assert(r.complete && r.size == 2 && r.entries == 1);
	sl_buf_reset(&b);
	snapshot2(&s, ENTRY2("0", "a\\u0000x"), ENTRY2("1", "a\\u0000y"), "\"a\\u0000y\"", 1);
	ck_assert_int_eq(sl_audit_bundle(s.buf, s.len, 0, NULL, &b, &err), 0);
	ck_assert_int_eq(sl_audit_verify(b.buf, b.len, &key.vk, NULL, NULL, &r, &err), SL_EVERIFY);
	ck_assert_str_eq(err.member, "snapshot.entries[0].source");
	/* Nor "a" for an unnamed "a\0x" of the prefix. */
	sl_buf_reset(&b);
	snapshot2(&s, ENTRY2("0", "a\\u0000x"), ENTRY2("1", "a"), "\"a\"", 1);
	ck_assert_int_eq(sl_audit_bundle(s.buf, s.len, 0, NULL, &b, &err), 0);
	ck_assert_int_eq(sl_audit_verify(b.buf, b.len, &key.vk, NULL, NULL, &r, &err), SL_EVERIFY);
	ck_assert_str_eq(err.member, "snapshot.prefix");
	ck_assert_str_eq(err.msg, "entry 0: its type or source holds a NUL character");
	sl_buf_release(&s);
	sl_buf_release(&b);
}
END_TEST

/*
 * A named entry's ts is compared with T as text, which orders ledger
 * timestamps only: an entry whose ts is not one (which sl-append never
 * writes, but an operator can store and sign) is not "at or before T".
 */
START_TEST(named_ts_malformed)
{
	static const char e0[] = "{\"payload\":{},\"seq\":0,\"source\":\"b\",\"ts\":\"0\",\"type\":\"x-t\"}";
	struct sl_buf s = SL_BUF_INIT, b = SL_BUF_INIT;
	struct sl_audit_result r;
	struct sl_error err = { 0 };
	char *p;

	/*
	 * The two-entry log named at seq 0, made not complete (the prefix
	 * would check every ts): with a well-formed ts it verifies.
	 */
	{
		struct sl_buf t = SL_BUF_INIT;
		snapshot2(&t, ENTRY2("0", "b"), ENTRY2("1", "a"), "\"b\"", 0);
		ck_assert_ptr_nonnull(p = strstr(t.buf, ",\"complete\":true"));
		sl_buf_reset(&s);
		sl_buf_add(&s, t.buf, (size_t)(p - t.buf));
		sl_buf_addstr(&s, ",\"complete\":false,\"warnings\":[]}");
		ck_assert_int_eq(sl_audit_bundle(s.buf, s.len, 0, NULL, &b, &err), 0);
		ck_assert_int_eq(sl_audit_verify(b.buf, b.len, &key.vk, NULL, NULL, &r, &err), 0);
		ck_assert(!r.complete && r.entries == 1);
		snapshot2(&t, e0, ENTRY2("1", "a"), "\"b\"", 0);
		p = strstr(t.buf, ",\"complete\":true");
		sl_buf_reset(&s);
		sl_buf_add(&s, t.buf, (size_t)(p - t.buf));
		sl_buf_addstr(&s, ",\"complete\":false,\"warnings\":[]}");
		sl_buf_release(&t);
	}
	sl_buf_reset(&b);
	ck_assert_int_eq(sl_audit_bundle(s.buf, s.len, 0, NULL, &b, &err), 0);
	ck_assert_int_eq(sl_audit_verify(b.buf, b.len, &key.vk, NULL, NULL, &r, &err), SL_EVERIFY);
	ck_assert_str_eq(err.member, "snapshot.entries[0].entry");
	ck_assert_str_eq(err.msg, "its ts is not a ledger timestamp");
	sl_buf_release(&s);
	sl_buf_release(&b);
}
END_TEST

START_TEST(signature_module)
{
	unsigned char h[SL_HASH_LEN] = { 1, 2, 3 }, sig[SL_SIG_MAX];
	size_t n = 0;

	ck_assert_int_eq(sl_signer_sign_digest(&key, h, sig, &n, NULL), 0);
	ck_assert(n > 0 && n <= SL_SIG_MAX);
	ck_assert_int_eq(sl_vkey_verify_digest(&key.vk, h, sig, n), 1);
	h[0] ^= 1;
	ck_assert_int_eq(sl_vkey_verify_digest(&key.vk, h, sig, n), 0);
	ck_assert_int_eq(sl_vkey_verify_digest(&key.vk, h, sig, 0), 0);
}
END_TEST

#define MUT(ns, pos) "{\"type\":\"mutation\",\"payload\":{\"id\":\"i\",\"namespace\":\"" ns "\",\"position\":" pos "}}"

static void step(struct sl_nsheads *h, uint64_t seq, const char *text, int want)
{
	unsigned char pos[SL_POSKEY_LEN];
	json_t *ent = json_loads(text, 0, NULL);
	const char *ns;

	ck_assert_ptr_nonnull(ent);
	ck_assert_int_eq(sl_mutation_key(ent, &ns, pos), want);
	if (want == 0)
		ck_assert_int_eq(sl_nsheads_step(h, ns, seq, pos), 0);
	json_decref(ent);
}

/* The head is the highest position, the first appended at it; LSNs order by (X, Y). */
START_TEST(heads_rule)
{
	struct sl_nsheads h = SL_NSHEADS_INIT, m = SL_NSHEADS_INIT;
	struct sl_lane a = { 0 }, b = { 0 };
	struct sl_snap_filter f = { "code", "git:*" }, any = { NULL, "a[^b]c" };
	unsigned char p1[SL_POSKEY_LEN] = { 1, 0, 0, 0, 0, 0, 0, 0, 5 };
	unsigned char p2[SL_POSKEY_LEN] = { 1, 0, 0, 0, 0, 0, 0, 0, 9 };

	step(&h, 7, MUT("b/x", "1"), 0);
	step(&h, 9, MUT("a/x", "2"), 0);
	step(&h, 8, MUT("b/x", "3"), 0);
	step(&h, 10, MUT("b/x", "2"), 0);  /* lower: not the head, but the last */
	step(&h, 11, MUT("b/x", "3"), 0);  /* a redelivery: the head stays 8 */
	step(&h, 12, MUT("c/x", "\"A/1\""), 0);
	step(&h, 13, MUT("c/x", "\"9/FFFFFFFF\""), 0); /* below A/1 */
	step(&h, 3, "{\"type\":\"mutation\",\"payload\":{}}", SL_EINVAL);
	step(&h, 3, MUT("d/x", "-1"), SL_EINVAL);
	step(&h, 3, MUT("d/x", "\"1/\""), SL_EINVAL);
	step(&h, 3, "{\"type\":\"code\",\"payload\":{\"id\":\"i\",\"namespace\":\"d/x\",\"position\":1}}", SL_EINVAL);
	ck_assert_int_eq(sl_nsheads_finish(&h), 0);
	ck_assert_uint_eq(h.n, 3);
	ck_assert_str_eq(h.ns[0], "a/x");
	ck_assert_uint_eq(h.lane[0].head, 9);
	ck_assert_uint_eq(h.lane[0].last, 9);
	ck_assert_str_eq(h.ns[1], "b/x");
	ck_assert_uint_eq(h.lane[1].head, 8);
	ck_assert_uint_eq(h.lane[1].last, 11);
	ck_assert_uint_eq(h.lane[1].count, 4);
	ck_assert_str_eq(h.ns[2], "c/x");
	ck_assert_uint_eq(h.lane[2].head, 12);
	ck_assert_uint_eq(h.lane[2].last, 13);
	sl_nsheads_release(&h);

	/* Two lanes of one namespace merge to what one lane of all gives, in either order. */
	sl_lane_step(&a, 4, p2);
	sl_lane_step(&a, 6, p1);
	sl_lane_step(&b, 2, p2);
	sl_lane_step(&b, 5, p1);
	ck_assert_int_eq(sl_nsheads_merge(&m, "n/x", &a), 0);
	ck_assert_int_eq(sl_nsheads_merge(&m, "n/x", &b), 0);
	ck_assert_int_eq(sl_nsheads_finish(&m), 0);
	ck_assert_uint_eq(m.lane[0].head, 2);
	ck_assert_uint_eq(m.lane[0].last, 6);
	ck_assert_uint_eq(m.lane[0].count, 4);
	sl_nsheads_release(&m);
	sl_lane_merge(&b, &a);
	ck_assert_uint_eq(b.head, 2);
	ck_assert_uint_eq(b.last, 6);

	ck_assert(sl_filter_match(NULL, "x", "y"));
	ck_assert(sl_filter_match(&f, "code", "git:a/b"));
	ck_assert(!sl_filter_match(&f, "config", "git:a"));
	ck_assert(!sl_filter_match(&f, "code", "Git:a"));
	ck_assert(sl_filter_match(&any, "x", "a-c") && !sl_filter_match(&any, "x", "abc"));
}
END_TEST

START_TEST(diff_records)
{
	struct sl_buf a = SL_BUF_INIT, b = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_error err = { 0 };
	size_t n = 99;

	snapshot(&a, ENTRY("2"));
	snapshot(&b, ENTRY("3"));
	ck_assert_int_eq(sl_diff(a.buf, a.len, a.buf, a.len, 0, &out, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_uint_eq(out.len, 0);
	ck_assert_int_eq(sl_diff(a.buf, a.len, b.buf, b.len, 0, &out, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(out.buf, "{\"change\":\"changed\",\"type\":\"x-t\",\"source\":\"a\",\"from_seq\":0,"
				  "\"to_seq\":0,\"members\":[{\"member\":\"payload.env.B\",\"from\":\"2\","
				  "\"to\":\"3\"}]}\n");
	ck_assert_int_eq(sl_diff("{}", 2, b.buf, b.len, 0, &out, &n, &err), SL_EINVAL);
	ck_assert_str_eq(err.member, "from");
	sl_buf_release(&a);
	sl_buf_release(&b);
	sl_buf_release(&out);
}
END_TEST

static Suite *audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, bundle_verifies);
	tcase_add_test(tc, damage_is_named);
	tcase_add_test(tc, nul_in_source);
	tcase_add_test(tc, named_ts_malformed);
	tcase_add_test(tc, diff_records);
	tcase_add_test(tc, signature_module);
	tcase_add_test(tc, heads_rule);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(audit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
