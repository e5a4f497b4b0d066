// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/cosig.c: witness keys (signed-note type 0x04), C2SP
 * tlog-cosignature/v1 cosignatures made and checked, every byte of what a
 * cosignature covers flipped, wrong keys, log signatures and cosignatures
 * kept apart, and quorums.
 */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/checkpoint.h"
#include "sl/cosig.h"
#include "sl/witnessing.h"
#include "sl/hash.h"

/*
 * The example of C2SP tlog-cosignature (c2sp.org/tlog-cosignature): a
 * checkpoint with its log's signature and one cosignature, made at the time
 * of the spec's example message, 1679315147.  The spec gives no witness
 * key, so only its framing is checked here.
 */
#define SPEC_TEXT "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
#define SPEC_NOTE                                                                                  \
	SPEC_TEXT "\n"                                                                             \
		  "\xe2\x80\x94 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurm" \
		  "RDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"                          \
		  "\xe2\x80\x94 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeol" \
		  "MI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"

static struct sl_error err;

static void gen(struct sl_signer *k, int type, const char *name)
{
	sl_error_clear(&err);
	ck_assert_msg(sl_signer_generate_type(k, type, name, &err) == 0, "%s", err.msg);
}

/* A log's checkpoint note of size 7, signed by log. */
static void log_note(struct sl_buf *note, const struct sl_signer *log)
{
	struct sl_checkpoint c = { "example.org/log", 7, { 9, 8, 7, 6 } };

	ck_assert_int_eq(sl_checkpoint_sign(note, &c, log, &err), 0);
}

/* note with w's cosignature at ts appended. */
static void cosign(struct sl_buf *note, const struct sl_signer *w, uint64_t ts)
{
	struct sl_buf line = SL_BUF_INIT;

	sl_error_clear(&err);
	ck_assert_msg(sl_cosig_sign(&line, w, ts, note->buf, note->len, &err) == 0, "%s", err.msg);
	sl_buf_add(note, line.buf, line.len);
	sl_buf_release(&line);
}

static int cverify(const struct sl_buf *note, const struct sl_vkey *w, uint64_t *ts)
{
	sl_error_clear(&err);
	return sl_cosig_verify(note->buf, note->len, w, ts, &err);
}

START_TEST(witness_keys)
{
	struct sl_signer w, w2, ed;
	struct sl_buf file = SL_BUF_INIT, vk = SL_BUF_INIT, edfile = SL_BUF_INIT, raw = SL_BUF_INIT;
	struct sl_vkey parsed;
	struct sl_sha256 c;
	unsigned char h[SL_HASH_LEN];
	const char *plus;
	size_t i;

	gen(&w, SL_KEY_COSIG, "witness.example/w1");
	ck_assert_int_eq(w.vk.type, SL_KEY_COSIG);
	ck_assert_str_eq(sl_key_type_name(SL_KEY_COSIG), "cosignature");
	ck_assert_int_eq(sl_key_type_parse("cosignature"), SL_KEY_COSIG);
	ck_assert_int_eq(sl_key_type_parse("witness"), 0);
	/* The key id, computed here by the spec's words: SHA-256(name || "\n" || 0x04 || key)[:4]. */
	sl_sha256_init(&c);
	sl_sha256_update(&c, "witness.example/w1\n\x04", 20);
	sl_sha256_update(&c, w.vk.pub, SL_ED25519_PUB_LEN);
	sl_sha256_final(&c, h);
	ck_assert_mem_eq(w.vk.id, h, SL_KEYID_LEN);
	/* The verifier key: NAME+ID+base64(0x04 || key); it parses back to the same key. */
	ck_assert_int_eq(sl_vkey_format(&vk, &w.vk), 0);
	plus = strchr(strchr(vk.buf, '+') + 1, '+'); /* the base64 may hold '+' itself */
	ck_assert_int_eq(sl_b64_decode(&raw, plus + 1, strlen(plus + 1)), 0);
	ck_assert_uint_eq(raw.len, 33);
	ck_assert_int_eq((unsigned char)raw.buf[0], 0x04);
	ck_assert_mem_eq(raw.buf + 1, w.vk.pub, 32);
	ck_assert_int_eq(sl_vkey_parse(&parsed, vk.buf, vk.len, &err), 0);
	ck_assert_int_eq(parsed.type, SL_KEY_COSIG);
	ck_assert(sl_vkey_equal(&parsed, &w.vk));
	/* The same public key written as a log key (0x01) is another key with another id. */
	raw.buf[0] = 0x01;
	sl_buf_setlen(&vk, (size_t)(plus + 1 - vk.buf));
	sl_b64_encode(&vk, (unsigned char *)raw.buf, raw.len);
	ck_assert_int_eq(sl_vkey_parse(&parsed, vk.buf, vk.len, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "verifier key: the key id does not match the key");
	/* The key file says what the key signs, and reads back as the same witness key. */
	ck_assert_int_eq(sl_signer_write(&file, &w), 0);
	ck_assert_msg(strncmp(file.buf, "stateledger-key witness.example/w1 cosignature\n"
				       "-----BEGIN PRIVATE KEY-----\n", 75) == 0, "%s", file.buf);
	ck_assert_int_eq(sl_signer_parse(&w2, file.buf, file.len, &err), 0);
	ck_assert_int_eq(w2.vk.type, SL_KEY_COSIG);
	ck_assert(sl_vkey_equal(&w2.vk, &w.vk));
	ck_assert_mem_eq(w2.priv, w.priv, SL_EC_PRIV_LEN);
	/* Without the mark, the same seed is an Ed25519 log key: another type, another id. */
	sl_buf_add(&edfile, "stateledger-key witness.example/w1", 34);
	sl_buf_addstr(&edfile, strchr(file.buf, '\n'));
	ck_assert_int_eq(sl_signer_parse(&ed, edfile.buf, edfile.len, &err), 0);
	ck_assert_int_eq(ed.vk.type, SL_KEY_ED25519);
	ck_assert_mem_eq(ed.vk.pub, w.vk.pub, SL_ED25519_PUB_LEN);
	ck_assert_mem_ne(ed.vk.id, w.vk.id, SL_KEYID_LEN);
	ck_assert(!sl_vkey_equal(&ed.vk, &w.vk));
	/* The mark on an ECDSA key file is refused; a damaged witness key file too. */
	sl_buf_reset(&edfile);
	gen(&w2, SL_KEY_ECDSA, "witness.example/w1");
	ck_assert_int_eq(sl_signer_write(&edfile, &w2), 0);
	sl_buf_reset(&raw);
	sl_buf_addstr(&raw, "stateledger-key witness.example/w1 cosignature");
	sl_buf_addstr(&raw, strchr(edfile.buf, '\n'));
	ck_assert_int_eq(sl_signer_parse(&w2, raw.buf, raw.len, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "a cosignature key must be an Ed25519 key");
	for (i = 35; i < file.len; i += 5) {
		char save = file.buf[i];
		file.buf[i] = save == '~' ? '!' : '~';
		ck_assert_msg(sl_signer_parse(&w2, file.buf, file.len, &err) == SL_EINVAL,
			      "damaged witness key file accepted at byte %zu", i);
		file.buf[i] = save;
	}
	sl_signer_wipe(&w);
	sl_signer_wipe(&ed);
	sl_buf_release(&file);
	sl_buf_release(&edfile);
	sl_buf_release(&vk);
	sl_buf_release(&raw);
}
END_TEST

START_TEST(sign_and_verify)
{
	struct sl_signer log, w;
	struct sl_buf note = SL_BUF_INIT, msg = SL_BUF_INIT, raw = SL_BUF_INIT, line = SL_BUF_INIT;
	struct sl_checkpoint c;
	const char *sp;
	size_t text_len, before;
	uint64_t ts = 0;

	gen(&log, SL_KEY_ED25519, "example.org/log");
	gen(&w, SL_KEY_COSIG, "witness.example/w1");
	log_note(&note, &log);
	ck_assert_int_eq(cverify(&note, &w.vk, &ts), SL_EVERIFY);
	ck_assert(strncmp(err.msg, "no cosignature by witness 'witness.example/w1' (id ", 51) == 0);
	before = note.len;
	cosign(&note, &w, 1679315147);
	ck_assert_int_eq(cverify(&note, &w.vk, &ts), 0);
	ck_assert_uint_eq(ts, 1679315147);
	/* The log's signature still holds beside it. */
	ck_assert_int_eq(sl_checkpoint_verify(note.buf, note.len, &log.vk, &c, &err), 0);
	/*
	 * The line, taken apart by hand: "— NAME " and base64 of key id || big-endian
	 * time || the Ed25519 signature of the message the spec spells out, checked
	 * here with libsodium directly.
	 */
	ck_assert(strncmp(note.buf + before, "\xe2\x80\x94 witness.example/w1 ", 23) == 0);
	sp = note.buf + before + 23;
	ck_assert_int_eq(sl_b64_decode(&raw, sp, note.len - 1 - (size_t)(sp - note.buf)), 0);
	ck_assert_uint_eq(raw.len, 76);
	ck_assert_mem_eq(raw.buf, w.vk.id, 4);
	ck_assert_mem_eq(raw.buf + 4, "\x00\x00\x00\x00\x64\x18\x50\xcb", 8);
	ck_assert_int_eq(sl_checkpoint_parse(note.buf, note.len, &c, &text_len, &err), 0);
	sl_buf_addstr(&msg, "cosignature/v1\ntime 1679315147\n");
	sl_buf_add(&msg, note.buf, text_len);
	ck_assert_int_eq(crypto_sign_verify_detached((unsigned char *)raw.buf + 12,
						     (unsigned char *)msg.buf, msg.len, w.vk.pub), 0);
	sl_buf_reset(&msg);
	ck_assert_int_eq(sl_cosig_message(&msg, 1679315147, note.buf, text_len), 0);
	ck_assert_str_eq(msg.buf, "cosignature/v1\ntime 1679315147\nexample.org/log\n7\n"
				  "CQgHBgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
	/* Refusals: a log key, a time over 2^63-1, a note that is no checkpoint; out untouched. */
	ck_assert_int_eq(sl_cosig_sign(&line, &log, 1, note.buf, note.len, &err), SL_EUSAGE);
	ck_assert_int_eq(sl_cosig_sign(&line, &w, (uint64_t)INT64_MAX + 1, note.buf, note.len, &err),
			 SL_EUSAGE);
	ck_assert_int_eq(sl_cosig_sign(&line, &w, 1, "x\n", 2, &err), SL_EINVAL);
	ck_assert_uint_eq(line.len, 0);
	/* The largest time is fine, and 0 too (the witness protocol forbids 0; the format does not). */
	ck_assert_int_eq(sl_cosig_sign(&line, &w, (uint64_t)INT64_MAX, note.buf, note.len, &err), 0);
	sl_buf_reset(&line);
	/* Two cosignatures by one witness: the first decides. */
	cosign(&note, &w, 5);
	ck_assert_int_eq(cverify(&note, &w.vk, &ts), 0);
	ck_assert_uint_eq(ts, 1679315147);
	sl_signer_wipe(&log);
	sl_signer_wipe(&w);
	sl_buf_release(&note);
	sl_buf_release(&msg);
	sl_buf_release(&raw);
	sl_buf_release(&line);
}
END_TEST

/* The note, its cosignature line's base64 re-made from raw (76 bytes) in place of the old. */
static void remake(struct sl_buf *out, const struct sl_buf *note, size_t b64_at,
		   const unsigned char *raw)
{
	sl_buf_reset(out);
	sl_buf_add(out, note->buf, b64_at);
	sl_b64_encode(out, raw, 76);
	sl_buf_addch(out, '\n');
}

START_TEST(every_flipped_byte_fails)
{
	struct sl_signer log, w;
	struct sl_buf note = SL_BUF_INIT, bad = SL_BUF_INIT, raw = SL_BUF_INIT;
	size_t i, text_len, cos_at, b64_at;
	struct sl_checkpoint c;
	int bit;

	gen(&log, SL_KEY_ED25519, "example.org/log");
	gen(&w, SL_KEY_COSIG, "witness.example/w1");
	log_note(&note, &log);
	ck_assert_int_eq(sl_checkpoint_parse(note.buf, note.len, &c, &text_len, &err), 0);
	cos_at = note.len;
	cosign(&note, &w, 1700000000);
	b64_at = cos_at + strlen("\xe2\x80\x94 witness.example/w1 ");
	ck_assert_int_eq(sl_b64_decode(&raw, note.buf + b64_at, note.len - 1 - b64_at), 0);
	ck_assert_uint_eq(raw.len, 76);
	ck_assert_int_eq(cverify(&note, &w.vk, NULL), 0);
	/* Every byte of the checkpoint text and of the cosignature line's name. */
	for (i = 0; i < b64_at; i++) {
		if (i >= text_len && i < cos_at)
			continue; /* the blank line and the log's signature: not what a cosignature covers */
		sl_buf_reset(&bad);
		sl_buf_add(&bad, note.buf, note.len);
		bad.buf[i] ^= 0x01;
		ck_assert_msg(cverify(&bad, &w.vk, NULL) != 0, "flipped byte %zu of the note accepted", i);
	}
	/* Every bit of the key id, the time and the signature. */
	for (i = 0; i < 76; i++)
		for (bit = 0; bit < 8; bit++) {
			raw.buf[i] ^= (char)(1 << bit);
			remake(&bad, &note, b64_at, (unsigned char *)raw.buf);
			ck_assert_msg(cverify(&bad, &w.vk, NULL) == SL_EVERIFY,
				      "flipped bit %d of byte %zu of the cosignature accepted", bit, i);
			if (i >= 4)
				ck_assert_msg(strstr(err.msg, "does not verify") ||
					      (i == 4 && bit == 7 && strstr(err.msg, "over 2^63-1")),
					      "byte %zu: %s", i, err.msg);
			raw.buf[i] ^= (char)(1 << bit);
		}
	remake(&bad, &note, b64_at, (unsigned char *)raw.buf);
	ck_assert_int_eq(cverify(&bad, &w.vk, NULL), 0);
	/* A short or long cosignature under the witness's name and id. */
	sl_buf_reset(&bad);
	sl_buf_add(&bad, note.buf, b64_at);
	sl_b64_encode(&bad, (unsigned char *)raw.buf, 75);
	sl_buf_addch(&bad, '\n');
	ck_assert_int_eq(cverify(&bad, &w.vk, NULL), SL_EVERIFY);
	ck_assert(strstr(err.msg, "is not 72 bytes"));
	/* A malformed note is no "no": it is bad input. */
	sl_buf_reset(&bad);
	sl_buf_add(&bad, note.buf, note.len - 1);
	ck_assert_int_eq(cverify(&bad, &w.vk, NULL), SL_EINVAL);
	sl_signer_wipe(&log);
	sl_signer_wipe(&w);
	sl_buf_release(&note);
	sl_buf_release(&bad);
	sl_buf_release(&raw);
}
END_TEST

START_TEST(time_over_the_limit)
{
	struct sl_signer log, w;
	struct sl_buf note = SL_BUF_INIT, msg = SL_BUF_INIT;
	struct sl_checkpoint c;
	unsigned char raw[76], sig[SL_SIG_MAX];
	size_t text_len, n;

	/* Made by hand, as only a foreign signer could: a valid signature over time 2^63. */
	gen(&log, SL_KEY_ED25519, "example.org/log");
	gen(&w, SL_KEY_COSIG, "witness.example/w1");
	log_note(&note, &log);
	ck_assert_int_eq(sl_checkpoint_parse(note.buf, note.len, &c, &text_len, &err), 0);
	ck_assert_int_eq(sl_cosig_message(&msg, (uint64_t)1 << 63, note.buf, text_len), 0);
	ck_assert_int_eq(sl_signer_sign(&w, msg.buf, msg.len, sig, &n, &err), 0);
	memcpy(raw, w.vk.id, 4);
	memcpy(raw + 4, "\x80\0\0\0\0\0\0\0", 8);
	memcpy(raw + 12, sig, 64);
	sl_buf_addstr(&note, "\xe2\x80\x94 witness.example/w1 ");
	sl_b64_encode(&note, raw, sizeof(raw));
	sl_buf_addch(&note, '\n');
	ck_assert_int_eq(cverify(&note, &w.vk, NULL), SL_EVERIFY);
	ck_assert_str_eq(err.msg, "the cosignature by 'witness.example/w1' has a time over 2^63-1");
	sl_signer_wipe(&log);
	sl_signer_wipe(&w);
	sl_buf_release(&note);
	sl_buf_release(&msg);
}
END_TEST

START_TEST(wrong_keys_fail)
{
	struct sl_signer log, w, other, renamed;
	struct sl_buf note = SL_BUF_INIT;
	struct sl_vkey v;

	gen(&log, SL_KEY_ED25519, "example.org/log");
	gen(&w, SL_KEY_COSIG, "witness.example/w1");
	gen(&other, SL_KEY_COSIG, "witness.example/w1");
	log_note(&note, &log);
	cosign(&note, &w, 1700000000);
	/* Another key of the same name: its id differs, so no line is its. */
	ck_assert_int_eq(cverify(&note, &other.vk, NULL), SL_EVERIFY);
	ck_assert(strncmp(err.msg, "no cosignature by witness", 25) == 0);
	/* Another key under the witness's name and id (a forged id): the signature fails. */
	v = other.vk;
	memcpy(v.id, w.vk.id, SL_KEYID_LEN);
	ck_assert_int_eq(cverify(&note, &v, NULL), SL_EVERIFY);
	ck_assert(strstr(err.msg, "does not verify"));
	/* The witness's key under another name (id recomputed): not its line either. */
	renamed = w;
	snprintf(renamed.name, sizeof(renamed.name), "witness.example/w2");
	snprintf(renamed.vk.name, sizeof(renamed.vk.name), "witness.example/w2");
	ck_assert_int_eq(cverify(&note, &renamed.vk, NULL), SL_EVERIFY);
	sl_signer_wipe(&log);
	sl_signer_wipe(&w);
	sl_signer_wipe(&other);
	sl_buf_release(&note);
}
END_TEST

START_TEST(log_signatures_and_cosignatures_apart)
{
	struct sl_signer log, w, same_seed;
	struct sl_buf note = SL_BUF_INIT, file = SL_BUF_INIT, two = SL_BUF_INIT;
	struct sl_checkpoint c = { "example.org/log", 7, { 1 } }, got;
	unsigned char h[SL_HASH_LEN] = { 1 }, sig[SL_SIG_MAX];
	size_t n;

	gen(&log, SL_KEY_ED25519, "example.org/log");
	gen(&w, SL_KEY_COSIG, "witness.example/w1");
	log_note(&note, &log);
	cosign(&note, &w, 1700000000);
	/* The witness key is no log key: its cosignature is not the log's signature. */
	ck_assert_int_eq(sl_checkpoint_verify(note.buf, note.len, &w.vk, &got, &err), SL_EVERIFY);
	ck_assert_str_eq(err.msg, "'witness.example/w1' is a witness (cosignature) key, not a log key");
	/* The log key is no witness key: its signature is no cosignature. */
	ck_assert_int_eq(cverify(&note, &log.vk, NULL), SL_EVERIFY);
	ck_assert(strstr(err.msg, "is not a witness (cosignature, type 0x04) key"));
	/* A witness key does not sign as a log, nor digests. */
	ck_assert_int_eq(sl_checkpoint_sign(&two, &c, &w, &err), SL_EUSAGE);
	ck_assert_uint_eq(two.len, 0);
	ck_assert_int_eq(sl_signer_sign_digest(&w, h, sig, &n, &err), SL_EUSAGE);
	ck_assert_int_eq(sl_vkey_verify_digest(&w.vk, h, sig, 64), 0);
	/*
	 * One seed as both a log key and a witness key of one name (which the spec
	 * forbids, and which happens): the ids differ by the type byte, so the
	 * log's signature line is never taken for a cosignature and back.
	 */
	ck_assert_int_eq(sl_signer_write(&file, &w), 0);
	*strstr(file.buf, " cosignature\n") = '\n';
	memmove(strchr(file.buf, '\n') + 1, strstr(file.buf, "-----BEGIN"),
		strlen(strstr(file.buf, "-----BEGIN")) + 1);
	ck_assert_int_eq(sl_signer_parse(&same_seed, file.buf, strlen(file.buf), &err), 0);
	ck_assert_int_eq(same_seed.vk.type, SL_KEY_ED25519);
	sl_buf_reset(&two);
	ck_assert_int_eq(sl_checkpoint_sign(&two, &c, &same_seed, &err), 0);
	ck_assert_int_eq(cverify(&two, &w.vk, NULL), SL_EVERIFY);
	ck_assert(strncmp(err.msg, "no cosignature by witness", 25) == 0);
	cosign(&two, &w, 1700000000);
	ck_assert_int_eq(cverify(&two, &w.vk, NULL), 0);
	ck_assert_int_eq(sl_checkpoint_verify(two.buf, two.len, &same_seed.vk, &got, &err), 0);
	sl_signer_wipe(&log);
	sl_signer_wipe(&w);
	sl_signer_wipe(&same_seed);
	sl_buf_release(&note);
	sl_buf_release(&file);
	sl_buf_release(&two);
}
END_TEST

START_TEST(quorum)
{
	struct sl_signer log, w[4];
	struct sl_buf note = SL_BUF_INIT, bad = SL_BUF_INIT;
	struct sl_vkey ws[6];
	char name[32];
	size_t valid = 99, i;

	gen(&log, SL_KEY_ED25519, "example.org/log");
	for (i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "witness.example/w%zu", i);
		gen(&w[i], SL_KEY_COSIG, name);
		ws[i] = w[i].vk;
	}
	log_note(&note, &log);
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, ws, 4, 0, &valid, NULL, &err), 0);
	ck_assert_uint_eq(valid, 0);
	cosign(&note, &w[0], 1700000000);
	cosign(&note, &w[2], 1700000001);
	cosign(&note, &w[2], 1700000002);
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, ws, 4, 0, &valid, NULL, &err), 0);
	ck_assert_uint_eq(valid, 2);
	/* A witness given twice counts once. */
	ws[4] = w[0].vk;
	ws[5] = w[2].vk;
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, ws, 6, 0, &valid, NULL, &err), 0);
	ck_assert_uint_eq(valid, 2);
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, ws, 0, 0, &valid, NULL, &err), 0);
	ck_assert_uint_eq(valid, 0);
	/* A cosignature that fails is not counted: the root changed under both. */
	cosign(&note, &w[3], 1700000003);
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, ws, 4, 0, &valid, NULL, &err), 0);
	ck_assert_uint_eq(valid, 3);
	sl_buf_add(&bad, note.buf, note.len);
	bad.buf[strlen("example.org/log\n7\n")] ^= 0x01;
	ck_assert_int_eq(sl_witness_quorum(bad.buf, bad.len, ws, 4, 0, &valid, NULL, &err), 0);
	ck_assert_uint_eq(valid, 0);
	/* The quorum: 3 of 4 hold; a witness given twice is not a second vote. */
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, ws, 4, 3, &valid, NULL, &err), 0);
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, ws, 4, 4, &valid, NULL, &err), SL_EVERIFY);
	ck_assert_msg(strstr(err.msg, "3 of 4 witness cosignatures held"), "%s", err.msg);
	ws[4] = w[2].vk;
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, ws + 2, 3, 3, &valid, NULL, &err), SL_EVERIFY);
	ck_assert_uint_eq(valid, 2);
	/* A log key among the witnesses holds nothing (the programs refuse it as a usage error). */
	ws[1] = log.vk;
	valid = 99;
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len, ws, 4, 4, &valid, NULL, &err), SL_EVERIFY);
	ck_assert_uint_eq(valid, 3);
	ck_assert_msg(strstr(err.msg, "'example.org/log' is not a witness (cosignature, type 0x04) key"),
		      "%s", err.msg);
	/* A malformed note is bad input. */
	ws[1] = w[1].vk;
	ck_assert_int_eq(sl_witness_quorum(note.buf, note.len - 1, ws, 4, 0, &valid, NULL, &err), SL_EINVAL);
	sl_signer_wipe(&log);
	for (i = 0; i < 4; i++)
		sl_signer_wipe(&w[i]);
	sl_buf_release(&note);
	sl_buf_release(&bad);
}
END_TEST

START_TEST(spec_example_framing)
{
	struct sl_checkpoint c;
	struct sl_vkey fake;
	struct sl_buf msg = SL_BUF_INIT;
	size_t text_len;
	const char *note = SPEC_NOTE;

	/*
	 * The spec's note parses, and its cosignature (76 bytes: key id 8d66cf3f,
	 * time 1679315147) fits what a signature line holds.  The message of that
	 * time is the spec's example message, byte for byte.
	 */
	ck_assert_int_eq(sl_checkpoint_parse(note, strlen(note), &c, &text_len, &err), 0);
	ck_assert_uint_eq(c.size, 20852163);
	ck_assert_int_eq(sl_cosig_message(&msg, 1679315147, note, text_len), 0);
	ck_assert_str_eq(msg.buf, "cosignature/v1\ntime 1679315147\n" SPEC_TEXT);
	/* A witness key of that name and id (the spec publishes no key): the line is found, 72 bytes long, and fails. */
	memset(&fake, 0, sizeof(fake));
	fake.type = SL_KEY_COSIG;
	snprintf(fake.name, sizeof(fake.name), "witness.example.com/w1");
	memcpy(fake.id, "\x8d\x66\xcf\x3f", 4);
	ck_assert_int_eq(sl_cosig_verify(note, strlen(note), &fake, NULL, &err), SL_EVERIFY);
	ck_assert_str_eq(err.msg, "the cosignature by 'witness.example.com/w1' (id 8d66cf3f, time "
				  "1679315147) does not verify");
	sl_buf_release(&msg);
}
END_TEST

static Suite *cosig_suite(void)
{
	Suite *s = suite_create("cosig");
	TCase *tc = tcase_create("cosig");

	tcase_add_test(tc, witness_keys);
	tcase_add_test(tc, sign_and_verify);
	tcase_add_test(tc, every_flipped_byte_fails);
	tcase_add_test(tc, time_over_the_limit);
	tcase_add_test(tc, wrong_keys_fail);
	tcase_add_test(tc, log_signatures_and_cosignatures_apart);
	tcase_add_test(tc, quorum);
	tcase_add_test(tc, spec_example_framing);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cosig_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
