// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/checkpoint.c and lib/ledger-checkpoint.c: verifier
 * keys and key files, signed notes (known answers from other
 * implementations, C2SP signed-note vectors), strict parsing, and the
 * checkpoints a ledger signs, keeps and verifies.
 */
#include <check.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl/checkpoint.h"
#include "sl/cosig.h"
#include "sl/entry.h"
#include "sl/hash.h"
#include "sl/ledger.h"
#include "sl/store.h"

/* transparency-dev/formats note/note_verifier_test.go (Apache-2.0): the Rekor v1 log. */
#define REKOR_VKEY                                                                              \
	"rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvX" \
	"wBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc="
#define REKOR_TEXT "Rekor\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n"
#define REKOR_SIG                                                                         \
	"\xe2\x80\x94 rekor.sigstore.dev wNI9ajBEAiARInWIWyCdyG27CO6LPnPekyw20qO0YJfoaPaowGp/XgIgc+" \
	"qEHS3+GKVClgqq20uDLet7MCoTURUCRdxwWBHHufk=\n"
#define REKOR_NOTE REKOR_TEXT "\n" REKOR_SIG
/* The Pixel 6 transparency log. */
#define PIXEL_VKEY                                                                                  \
	"pixel6_transparency_log+91c16e30+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABN+4x0Jk1yTwvLFI9A4NDdGZ" \
	"cX0aiWVdWM5XJVy0M4VWD3AvyW5Q6Hs9A0mcDkpUoYgn+KKPNzFC0H3nN3q6JQ8="
#define PIXEL_NOTE                                                                                \
	"DEFAULT\n10\nbsWRucJU5xJPHb5eBdOm6+DM+VelCZBuvtI3sHERJ9Y=\n\n\xe2\x80\x94 pixel6_transparency_log " \
	"kcFuMDBFAiEAhqMAP8P6qf6QxtUJhzMhbN+MbZ9dwfUHzGQJmffJHtoCIGD0cNe47dHWBoPwYdgBCepB06/+g5O1Fm"  \
	"YjXl06owL4\n"

static struct sl_vkey vkey(const char *s)
{
	struct sl_vkey vk;
	struct sl_error err;

	sl_error_clear(&err);
	ck_assert_msg(sl_vkey_parse(&vk, s, strlen(s), &err) == 0, "vkey '%s': %s", s, err.msg);
	return vk;
}

static int verify(const char *note, const struct sl_vkey *vk, struct sl_checkpoint *c)
{
	struct sl_error err;

	sl_error_clear(&err);
	return sl_checkpoint_verify(note, strlen(note), vk, c, &err);
}

START_TEST(spki_and_key_id)
{
	struct sl_vkey vk = vkey(REKOR_VKEY);
	struct sl_buf b = SL_BUF_INIT;
	unsigned char spki[SL_SPKI_LEN], h[SL_HASH_LEN];

	ck_assert_str_eq(vk.name, "rekor.sigstore.dev");
	ck_assert_mem_eq(vk.id, "\xc0\xd2\x3d\x6a", 4);
	/* The id is SHA-256 of the SPKI, and formatting gives back the same string. */
	sl_ec_spki(spki, vk.pub);
	ck_assert_mem_eq(spki, "\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01\x06\x08"
			       "\x2a\x86\x48\xce\x3d\x03\x01\x07\x03\x42\x00\x04", 27);
	sl_sha256(h, spki, sizeof(spki));
	ck_assert_mem_eq(h, vk.id, 4);
	ck_assert_int_eq(sl_vkey_format(&b, &vk), 0);
	ck_assert_str_eq(b.buf, REKOR_VKEY);
	sl_buf_release(&b);
	vk = vkey(PIXEL_VKEY);
	ck_assert_mem_eq(vk.id, "\x91\xc1\x6e\x30", 4);
}
END_TEST

START_TEST(bad_vkeys)
{
	static const char *const bad[] = {
		"",
		"rekor.sigstore.dev",
		"rekor.sigstore.dev+c0d23d6a",
		"+c0d23d6a+AjBZ",
		"rekor.sigstore.dev+NOT_A_NUMBER+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvX"
		"wBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=",
		/* Another key id. */
		"rekor.sigstore.dev+00000000+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvX"
		"wBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=",
		/* An Ed25519 key (type 0x01). */
		"example.com+12345678+AQ0123456789012345678901234567890123456789012=",
		/* A point changed: off the curve. */
		"rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvX"
		"wBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLd=",
		/* Not canonical base64 (no padding). */
		"rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvX"
		"wBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc",
		"bad name+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvX"
		"wBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=",
	};
	struct sl_vkey vk;
	struct sl_error err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_error_clear(&err);
		ck_assert_msg(sl_vkey_parse(&vk, bad[i], strlen(bad[i]), &err) == SL_EINVAL,
			      "accepted bad vkey %zu", i);
		ck_assert_str_ne(err.msg, "");
	}
}
END_TEST

START_TEST(foreign_notes_verify)
{
	struct sl_vkey rekor = vkey(REKOR_VKEY), pixel = vkey(PIXEL_VKEY);
	struct sl_checkpoint c;
	char hex[SL_HEX_LEN + 1];

	ck_assert_int_eq(verify(REKOR_NOTE, &rekor, &c), 0);
	ck_assert_str_eq(c.origin, "Rekor");
	ck_assert_uint_eq(c.size, 798034);
	sl_hex_encode(hex, c.root, SL_HASH_LEN);
	ck_assert_str_eq(hex, "7feec2a0a817284fed372b3d4d35dcaff69de94fcadf1bf39e6cdec3dcba48fd");
	ck_assert_int_eq(verify(PIXEL_NOTE, &pixel, &c), 0);
	ck_assert_str_eq(c.origin, "DEFAULT");
	ck_assert_uint_eq(c.size, 10);
	/* The other log's key finds no signature of its own. */
	ck_assert_int_eq(verify(REKOR_NOTE, &pixel, &c), SL_EVERIFY);
	ck_assert_int_eq(verify(PIXEL_NOTE, &rekor, &c), SL_EVERIFY);
	/* A signature by an unknown key beside the right one is ignored, in any order. */
	ck_assert_int_eq(verify(REKOR_TEXT "\n\xe2\x80\x94 other.example AAAAAAAA\n" REKOR_SIG, &rekor, &c), 0);
	ck_assert_int_eq(verify(REKOR_TEXT "\n" REKOR_SIG "\xe2\x80\x94 other.example AAAAAAAA\n", &rekor, &c), 0);
}
END_TEST

START_TEST(altered_notes_fail)
{
	struct sl_vkey rekor = vkey(REKOR_VKEY);
	struct sl_checkpoint c;
	char note[] = REKOR_NOTE;
	size_t i, n = strlen(note);

	/* Flip every bit of every byte in turn: none of them verifies. */
	for (i = 0; i < n; i++) {
		unsigned bit;
		for (bit = 0; bit < 8; bit++) {
			struct sl_error err;
			int e;
			note[i] ^= (char)(1u << bit);
			sl_error_clear(&err);
			e = sl_checkpoint_verify(note, n, &rekor, &c, &err);
			ck_assert_msg(e == SL_EVERIFY || e == SL_EINVAL,
				      "note with byte %zu bit %u flipped: %d", i, bit, e);
			note[i] ^= (char)(1u << bit);
		}
	}
	ck_assert_int_eq(verify(note, &rekor, &c), 0);
	/* The size and root changed, as in the signed-note vectors. */
	ck_assert_int_eq(verify("Rekor\n798035\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n" REKOR_SIG,
				&rekor, &c), SL_EVERIFY);
	ck_assert_int_eq(verify("Rekor\n798034\nf+7CoKgYKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n" REKOR_SIG,
				&rekor, &c), SL_EVERIFY);
}
END_TEST

START_TEST(strict_parsing)
{
	static const char *const bad[] = {
		"",
		"\n",
		REKOR_TEXT,                               /* no signatures */
		REKOR_TEXT "\n",                          /* blank line, no signature */
		REKOR_TEXT "\n" "- rekor.sigstore.dev AAAAAAAA\n", /* hyphen, not em dash */
		REKOR_TEXT "\n\xe2\x80\x94 rekor.sigstore.dev AAAAAAAA",   /* no final newline */
		REKOR_TEXT "\n\xe2\x80\x94 rekor.sigstore.dev AAAAAA==\n", /* shorter than a key id */
		REKOR_TEXT "\n\xe2\x80\x94 rekor.sigstore.dev AAAAAAAA \n",
		REKOR_TEXT "\n\xe2\x80\x94 rekor.sigstore.devAAAAAAAA\n",
		REKOR_TEXT "\n\xe2\x80\x94  AAAAAAAA\n",
		"Rekor\r\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n" REKOR_SIG,
		"\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n" REKOR_SIG,
		"Rekor\n0798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n" REKOR_SIG,
		"Rekor\n+798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n" REKOR_SIG,
		"Rekor\n\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n" REKOR_SIG,
		"Rekor\n9223372036854775808\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n" REKOR_SIG,
		"Rekor\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0\n\n" REKOR_SIG,
		"Rekor\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0A\n\n" REKOR_SIG,
		"Rekor\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6\n\n" REKOR_SIG,
		"Rekor\n798034\n\n" REKOR_SIG,
		"Rekor\n798034\n\n\n" REKOR_SIG,
		"Rekor\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\nextension\n\n" REKOR_SIG,
		"Rekor\x7f\n798034\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n" REKOR_SIG,
	};
	struct sl_checkpoint c;
	struct sl_error err;
	size_t i, tl;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_error_clear(&err);
		ck_assert_msg(sl_checkpoint_parse(bad[i], strlen(bad[i]), &c, &tl, &err) == SL_EINVAL,
			      "accepted bad note %zu", i);
	}
	/* A note holding a NUL. */
	ck_assert_int_eq(sl_checkpoint_parse("Rekor\0\n1\n", 9, &c, &tl, &err), SL_EINVAL);
	/* Extension lines are allowed, and signed. */
	ck_assert_int_eq(sl_checkpoint_parse(REKOR_TEXT "ext one\n\n" REKOR_SIG,
					     strlen(REKOR_TEXT "ext one\n\n" REKOR_SIG), &c, &tl, &err), 0);
	ck_assert_uint_eq(tl, strlen(REKOR_TEXT "ext one\n"));
	ck_assert_int_eq(sl_checkpoint_parse(REKOR_NOTE, strlen(REKOR_NOTE), &c, &tl, &err), 0);
	ck_assert_uint_eq(tl, strlen(REKOR_TEXT));
	/* The largest size: 2^63 - 1. */
	ck_assert_int_eq(sl_checkpoint_parse("o\n9223372036854775807\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n" REKOR_SIG,
					     strlen("o\n9223372036854775807\nf+7CoKgXKE/tNys9TTXcr/ad6U/K3xvznmzew9y6SP0=\n\n" REKOR_SIG),
					     &c, NULL, &err), 0);
	ck_assert_uint_eq(c.size, 9223372036854775807ULL);
}
END_TEST

START_TEST(body_known_answer)
{
	struct sl_checkpoint c = { "example.org/log", 0, { 0 } };
	struct sl_buf b = SL_BUF_INIT;

	ck_assert_int_eq(sl_checkpoint_body(&b, &c), 0);
	ck_assert_str_eq(b.buf, "example.org/log\n0\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n");
	sl_buf_reset(&b);
	c.size = 798034;
	ck_assert_int_eq(sl_hex_decode(c.root, SL_HASH_LEN,
				       "7feec2a0a817284fed372b3d4d35dcaff69de94fcadf1bf39e6cdec3dcba48fd", 64), 0);
	snprintf(c.origin, sizeof(c.origin), "Rekor");
	ck_assert_int_eq(sl_checkpoint_body(&b, &c), 0);
	ck_assert_str_eq(b.buf, REKOR_TEXT);
	/* No newline or empty origin. */
	sl_buf_reset(&b);
	snprintf(c.origin, sizeof(c.origin), "a\nb");
	ck_assert_int_eq(sl_checkpoint_body(&b, &c), SL_EINVAL);
	c.origin[0] = '\0';
	ck_assert_int_eq(sl_checkpoint_body(&b, &c), SL_EINVAL);
	sl_buf_release(&b);
}
END_TEST

START_TEST(keys_sign_and_verify)
{
	struct sl_signer k, k2, other;
	struct sl_checkpoint c = { "example.org/log", 42, { 1, 2, 3 } }, got;
	struct sl_buf file = SL_BUF_INIT, note = SL_BUF_INIT, note2 = SL_BUF_INIT, vk = SL_BUF_INIT;
	struct sl_error err;
	struct sl_vkey parsed;
	size_t i;

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate(&k, "bad name", &err), SL_EUSAGE);
	ck_assert_int_eq(sl_signer_generate(&k, "a+b", &err), SL_EUSAGE);
	ck_assert_int_eq(sl_signer_generate(&k, "signer.example", &err), 0);
	ck_assert_int_eq(sl_signer_generate(&other, "signer.example", &err), 0);
	ck_assert_mem_ne(k.priv, other.priv, SL_EC_PRIV_LEN);
	ck_assert_str_eq(k.vk.name, "signer.example");
	/* The key file gives back the same key. */
	ck_assert_int_eq(sl_signer_write(&file, &k), 0);
	ck_assert_msg(strncmp(file.buf, "stateledger-key signer.example\n-----BEGIN EC PRIVATE KEY-----\n", 62) == 0,
		      "key file: %s", file.buf);
	ck_assert_int_eq(sl_signer_parse(&k2, file.buf, file.len, &err), 0);
	ck_assert_mem_eq(k2.priv, k.priv, SL_EC_PRIV_LEN);
	ck_assert_mem_eq(k2.vk.pub, k.vk.pub, SL_EC_PUB_LEN);
	ck_assert_mem_eq(k2.vk.id, k.vk.id, SL_KEYID_LEN);
	ck_assert_str_eq(k2.name, k.name);
	/* Damaged key files are refused, and leave no key behind (the name may change). */
	for (i = strlen("stateledger-key signer.example"); i < file.len; i += 7) {
		char save = file.buf[i];
		file.buf[i] = save == '~' ? '!' : '~';
		sl_error_clear(&err);
		ck_assert_msg(sl_signer_parse(&k2, file.buf, file.len, &err) == SL_EINVAL,
			      "damaged key file accepted at byte %zu", i);
		ck_assert_str_eq(k2.name, "");
		file.buf[i] = save;
	}
	ck_assert_int_eq(sl_signer_parse(&k2, file.buf, file.len - 1, &err), SL_EINVAL);
	/* Sign; the verifier key string round-trips; signatures are deterministic (RFC 6979). */
	ck_assert_int_eq(sl_checkpoint_sign(&note, &c, &k, &err), 0);
	ck_assert_int_eq(sl_checkpoint_sign(&note2, &c, &k, &err), 0);
	ck_assert_str_eq(note.buf, note2.buf);
	ck_assert_int_eq(sl_vkey_format(&vk, &k.vk), 0);
	parsed = vkey(vk.buf);
	ck_assert_int_eq(verify(note.buf, &parsed, &got), 0);
	ck_assert_str_eq(got.origin, c.origin);
	ck_assert_uint_eq(got.size, 42);
	ck_assert_mem_eq(got.root, c.root, SL_HASH_LEN);
	ck_assert_msg(strstr(note.buf, "\n\n\xe2\x80\x94 signer.example ") != NULL, "note: %s", note.buf);
	/* Same name, another key: no signature by it. */
	ck_assert_int_eq(verify(note.buf, &other.vk, &got), SL_EVERIFY);
	sl_signer_wipe(&k);
	for (i = 0; i < sizeof(k); i++)
		ck_assert_int_eq(((unsigned char *)&k)[i], 0);
	sl_signer_wipe(&k2);
	sl_signer_wipe(&other);
	sl_buf_release(&file);
	sl_buf_release(&note);
	sl_buf_release(&note2);
	sl_buf_release(&vk);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Ed25519 (signed-note type 0x01).
 */

/*
 * golang.org/x/mod/sumdb/note (BSD-3-Clause), the package's example: the
 * verifier key, the signer key (0x01 || 32-byte seed) and the signed note.
 */
#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define PETER_SKEY_B64 "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define PETER_TEXT                                                  \
	"If you think cryptography is the answer to your problem,\n" \
	"then you don't know what your problem is.\n"
#define PETER_SIG "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="
#define ENOCH_VKEY "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"

/* A key file for the Ed25519 seed: the RFC 8410 PKCS#8 DER, base64, in a PEM block. */
static void ed_key_file(struct sl_buf *out, const char *name, const unsigned char seed[32])
{
	static const unsigned char prefix[16] = { 0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
						  0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20 };
	unsigned char der[48];

	memcpy(der, prefix, 16);
	memcpy(der + 16, seed, 32);
	sl_buf_addf(out, "stateledger-key %s\n-----BEGIN PRIVATE KEY-----\n", name);
	sl_b64_encode(out, der, sizeof(der));
	sl_buf_addstr(out, "\n-----END PRIVATE KEY-----\n");
	ck_assert_int_eq(sl_buf_ok(out), 0);
}

START_TEST(ed25519_go_known_answer)
{
	struct sl_vkey vk = vkey(PETER_VKEY), enoch = vkey(ENOCH_VKEY);
	struct sl_buf skey = SL_BUF_INIT, sig = SL_BUF_INIT, file = SL_BUF_INIT, f = SL_BUF_INIT;
	struct sl_signer k;
	struct sl_error err;
	unsigned char mine[SL_SIG_MAX];
	size_t n = 0;
	char text[] = PETER_TEXT;

	/* The key ids Go computed: SHA-256(name || 0x0A || 0x01 || key), first 4 bytes. */
	ck_assert_int_eq(vk.type, SL_KEY_ED25519);
	ck_assert_mem_eq(vk.id, "\xc7\x4f\x20\xa3", 4);
	ck_assert_mem_eq(enoch.id, "\xaf\x0c\xfe\x78", 4);
	ck_assert_int_eq(sl_vkey_format(&f, &vk), 0);
	ck_assert_str_eq(f.buf, PETER_VKEY);
	/* Go's signature verifies, and not over another text or by another key. */
	ck_assert_int_eq(sl_b64_decode(&sig, PETER_SIG, strlen(PETER_SIG)), 0);
	ck_assert_uint_eq(sig.len, 4 + SL_ED25519_SIG_LEN);
	ck_assert_mem_eq(sig.buf, vk.id, 4);
	ck_assert_int_eq(sl_vkey_verify(&vk, text, strlen(text), (unsigned char *)sig.buf + 4, 64), 1);
	ck_assert_int_eq(sl_vkey_verify(&enoch, text, strlen(text), (unsigned char *)sig.buf + 4, 64), 0);
	text[3] ^= 1;
	ck_assert_int_eq(sl_vkey_verify(&vk, text, strlen(text), (unsigned char *)sig.buf + 4, 64), 0);
	text[3] ^= 1;
	ck_assert_int_eq(sl_vkey_verify(&vk, text, strlen(text), (unsigned char *)sig.buf + 4, 63), 0);
	/* Go's signer seed in our key file signs the same bytes (Ed25519 is deterministic). */
	ck_assert_int_eq(sl_b64_decode(&skey, PETER_SKEY_B64, strlen(PETER_SKEY_B64)), 0);
	ck_assert_uint_eq(skey.len, 33);
	ck_assert_int_eq(skey.buf[0], 1);
	ed_key_file(&file, "PeterNeumann", (unsigned char *)skey.buf + 1);
	sl_error_clear(&err);
	ck_assert_msg(sl_signer_parse(&k, file.buf, file.len, &err) == 0, "parse: %s", err.msg);
	ck_assert(sl_vkey_equal(&k.vk, &vk));
	ck_assert_int_eq(sl_signer_sign(&k, text, strlen(text), mine, &n, &err), 0);
	ck_assert_uint_eq(n, SL_ED25519_SIG_LEN);
	ck_assert_mem_eq(mine, sig.buf + 4, SL_ED25519_SIG_LEN);
	sl_signer_wipe(&k);
	sl_buf_release(&skey);
	sl_buf_release(&sig);
	sl_buf_release(&file);
	sl_buf_release(&f);
}
END_TEST

START_TEST(ed25519_bad_vkeys)
{
	static const char *const bad[] = {
		/* 31 and 33 bytes of key. */
		"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10Q=",
		"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWAA==",
		/* Another name: the id no longer matches (the name is hashed into it). */
		"PeterNeumanm+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		/* Another id. */
		"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		/* Type 0x03 with the same 32 bytes. */
		"PeterNeumann+c74f20a3+Axpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		/* Type 0x01 alone. */
		"PeterNeumann+c74f20a3+AQ==",
	};
	struct sl_vkey vk;
	struct sl_error err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_error_clear(&err);
		ck_assert_msg(sl_vkey_parse(&vk, bad[i], strlen(bad[i]), &err) == SL_EINVAL,
			      "accepted bad vkey %zu", i);
		ck_assert_str_ne(err.msg, "");
	}
	sl_error_clear(&err);
	ck_assert_int_eq(sl_vkey_parse(&vk, bad[0], strlen(bad[0]), &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "verifier key: an Ed25519 (type 0x01) key is not 32 bytes");
}
END_TEST

START_TEST(ed25519_keys_sign_and_verify)
{
	struct sl_signer k, k2, other, ec;
	struct sl_checkpoint c = { "example.org/log", 7, { 9, 8, 7 } }, got;
	struct sl_buf file = SL_BUF_INIT, note = SL_BUF_INIT, note2 = SL_BUF_INIT, vk = SL_BUF_INIT;
	struct sl_error err;
	struct sl_vkey parsed;
	unsigned char h[SL_HASH_LEN] = { 1, 2, 3 }, sig[SL_SIG_MAX];
	size_t i, n;

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate_type(&k, 3, "signer.example", &err), SL_EUSAGE);
	ck_assert_int_eq(sl_signer_generate_type(&k, SL_KEY_ED25519, "a b", &err), SL_EUSAGE);
	ck_assert_int_eq(sl_signer_generate_type(&k, SL_KEY_ED25519, "signer.example", &err), 0);
	ck_assert_int_eq(sl_signer_generate_type(&other, SL_KEY_ED25519, "signer.example", &err), 0);
	ck_assert_int_eq(sl_signer_generate_type(&ec, SL_KEY_ECDSA, "signer.example", &err), 0);
	ck_assert_int_eq(k.vk.type, SL_KEY_ED25519);
	ck_assert_int_eq(ec.vk.type, SL_KEY_ECDSA);
	ck_assert_mem_ne(k.priv, other.priv, SL_EC_PRIV_LEN);
	ck_assert_str_eq(sl_key_type_name(SL_KEY_ED25519), "ed25519");
	ck_assert_int_eq(sl_key_type_parse("ecdsa"), SL_KEY_ECDSA);
	ck_assert_int_eq(sl_key_type_parse("Ed25519"), 0);
	/* The key file says its type and gives back the same key. */
	ck_assert_int_eq(sl_signer_write(&file, &k), 0);
	ck_assert_msg(strncmp(file.buf, "stateledger-key signer.example\n-----BEGIN PRIVATE KEY-----\n", 59) == 0,
		      "key file: %s", file.buf);
	ck_assert_int_eq(sl_signer_parse(&k2, file.buf, file.len, &err), 0);
	ck_assert_mem_eq(k2.priv, k.priv, SL_EC_PRIV_LEN);
	ck_assert(sl_vkey_equal(&k2.vk, &k.vk));
	for (i = strlen("stateledger-key signer.example"); i < file.len; i += 3) {
		char save = file.buf[i];
		file.buf[i] = save == '~' ? '!' : '~';
		sl_error_clear(&err);
		ck_assert_msg(sl_signer_parse(&k2, file.buf, file.len, &err) == SL_EINVAL,
			      "damaged key file accepted at byte %zu", i);
		file.buf[i] = save;
	}
	/* Checkpoints: deterministic, verified by the key, not by another of the same name. */
	ck_assert_int_eq(sl_checkpoint_sign(&note, &c, &k, &err), 0);
	ck_assert_int_eq(sl_checkpoint_sign(&note2, &c, &k, &err), 0);
	ck_assert_str_eq(note.buf, note2.buf);
	ck_assert_int_eq(sl_vkey_format(&vk, &k.vk), 0);
	parsed = vkey(vk.buf);
	ck_assert(sl_vkey_equal(&parsed, &k.vk));
	ck_assert_int_eq(verify(note.buf, &parsed, &got), 0);
	ck_assert_uint_eq(got.size, 7);
	ck_assert_int_eq(verify(note.buf, &other.vk, &got), SL_EVERIFY);
	ck_assert_int_eq(verify(note.buf, &ec.vk, &got), SL_EVERIFY);
	/* The digest form (audit envelopes) too. */
	ck_assert_int_eq(sl_signer_sign_digest(&k, h, sig, &n, &err), 0);
	ck_assert_uint_eq(n, SL_ED25519_SIG_LEN);
	ck_assert_int_eq(sl_vkey_verify_digest(&k.vk, h, sig, n), 1);
	ck_assert_int_eq(sl_vkey_verify_digest(&other.vk, h, sig, n), 0);
	ck_assert_int_eq(sl_vkey_verify_digest(&ec.vk, h, sig, n), 0);
	h[0] ^= 1;
	ck_assert_int_eq(sl_vkey_verify_digest(&k.vk, h, sig, n), 0);
	sl_signer_wipe(&k);
	sl_signer_wipe(&k2);
	sl_signer_wipe(&other);
	sl_signer_wipe(&ec);
	sl_buf_release(&file);
	sl_buf_release(&note);
	sl_buf_release(&note2);
	sl_buf_release(&vk);
}
END_TEST

/* The note with the byte at offset `at` of the base64 of signature line `line` (1-based) changed. */
static char *flip_sig(const char *note, int line, size_t at)
{
	char *s = strdup(note), *p = strstr(s, "\n\n");
	int i;

	ck_assert_ptr_nonnull(p);
	p += 1;
	for (i = 1; i < line; i++)
		p = strchr(p + 1, '\n');
	/* p is the newline before the line: skip the em dash, the space, the name and a space. */
	p = strchr(p + 1, ' ');
	p = strchr(p + 1, ' ') + 1 + at;
	*p = *p == 'A' ? 'B' : 'A';
	return s;
}

START_TEST(ed25519_and_ecdsa_in_one_note)
{
	struct sl_signer keys[3];
	struct sl_checkpoint c = { "example.org/log", 3, { 4, 5, 6 } }, got;
	struct sl_buf note = SL_BUF_INIT;
	struct sl_error err;
	char *bad;

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate_type(&keys[0], SL_KEY_ECDSA, "example.org/log", &err), 0);
	ck_assert_int_eq(sl_signer_generate_type(&keys[1], SL_KEY_ED25519, "example.org/log", &err), 0);
	ck_assert_int_eq(sl_checkpoint_sign_keys(&note, &c, keys, 2, &err), 0);
	ck_assert_int_eq(verify(note.buf, &keys[0].vk, &got), 0);
	ck_assert_int_eq(verify(note.buf, &keys[1].vk, &got), 0);
	/* One signature broken: only its key's verifier says no. */
	bad = flip_sig(note.buf, 2, 20);
	ck_assert_int_eq(verify(bad, &keys[0].vk, &got), 0);
	ck_assert_int_eq(verify(bad, &keys[1].vk, &got), SL_EVERIFY);
	free(bad);
	bad = flip_sig(note.buf, 1, 20);
	ck_assert_int_eq(verify(bad, &keys[0].vk, &got), SL_EVERIFY);
	ck_assert_int_eq(verify(bad, &keys[1].vk, &got), 0);
	free(bad);
	/* A key given twice signs nothing. */
	keys[2] = keys[1];
	sl_buf_reset(&note);
	ck_assert_int_eq(sl_checkpoint_sign_keys(&note, &c, keys, 3, &err), SL_EUSAGE);
	ck_assert_uint_eq(note.len, 0);
	ck_assert_int_eq(sl_checkpoint_sign_keys(&note, &c, keys, 0, &err), SL_EUSAGE);
	sl_signer_wipe(&keys[0]);
	sl_signer_wipe(&keys[1]);
	sl_signer_wipe(&keys[2]);
	sl_buf_release(&note);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Checkpoints of a ledger.
 */

#define TMPDIR_NAME "checkpoint"
#include "tmpdir.h"

static struct sl_ledger *new_ledger(const char *name, char dir[256])
{
	struct sl_ledger *l = NULL;
	struct sl_error err;

	snprintf(dir, 256, "%s/%s", tmproot, name);
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_init(dir, "example.org/log", &err) == 0, "init: %s", err.msg);
	ck_assert_msg(sl_ledger_open(&l, dir, 0, 10000, &err) == 0, "open: %s", err.msg);
	return l;
}

static void append(struct sl_ledger *l, const char *tag, size_t n)
{
	struct sl_receipt rc[16];
	struct sl_batch b;
	struct sl_error err;
	char line[128];
	size_t i;

	ck_assert_uint_le(n, 16);
	sl_batch_init(&b);
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "{\"type\":\"x-t\",\"source\":\"%s%zu\",\"payload\":{}}", tag, i);
		ck_assert_int_eq(sl_batch_add_line(&b, line, strlen(line), (long)i + 1, &err), 0);
	}
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_append(l, &b, rc, &err) == 0, "append: %s", err.msg);
	sl_batch_release(&b);
}

static void sql(const char *dir, const char *q)
{
	char path[300];
	char *msg = NULL;
	sqlite3 *s;

	snprintf(path, sizeof(path), "%s/ledger.db", dir);
	ck_assert_int_eq(sqlite3_open(path, &s), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(s, q, NULL, NULL, &msg) == SQLITE_OK, "'%s': %s", q, msg);
	sqlite3_free(msg);
	sqlite3_close(s);
}

static uint64_t count_ok(struct sl_ledger *l)
{
	struct sl_error err;
	uint64_t n, bad;

	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_verify_checkpoints(l, &n, &bad, &err) == 0, "verify: %s", err.msg);
	ck_assert_uint_eq(bad, UINT64_MAX);
	return n;
}

START_TEST(ledger_checkpoints)
{
	struct sl_ledger *l;
	struct sl_signer k, k2;
	struct sl_buf note = SL_BUF_INIT, last = SL_BUF_INIT;
	struct sl_checkpoint c;
	struct sl_error err;
	struct sl_head h;
	char dir[256];

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate(&k, "example.org/log", &err), 0);
	ck_assert_int_eq(sl_signer_generate(&k2, "second.example", &err), 0);
	l = new_ledger("a", dir);
	ck_assert_uint_eq(count_ok(l), 0);
	ck_assert_int_eq(sl_ledger_last_checkpoint(l, &last, &err), SL_ENOTFOUND);
	/* The empty tree can be signed. */
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), 0);
	ck_assert_int_eq(verify(note.buf, &k.vk, &c), 0);
	ck_assert_uint_eq(c.size, 0);
	ck_assert_str_eq(c.origin, "example.org/log");
	append(l, "a", 5);
	sl_buf_reset(&note);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), 0);
	ck_assert_int_eq(verify(note.buf, &k.vk, &c), 0);
	ck_assert_int_eq(sl_ledger_head(l, &h, &err), 0);
	ck_assert_uint_eq(c.size, 5);
	ck_assert_mem_eq(c.root, h.root, SL_HASH_LEN);
	ck_assert_int_eq(sl_ledger_last_checkpoint(l, &last, &err), 0);
	ck_assert_str_eq(last.buf, note.buf);
	/* The same head twice, and with another key. */
	sl_buf_reset(&note);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), 0);
	append(l, "b", 3);
	sl_buf_reset(&note);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k2, SL_CHECKPOINT_FORCE, &note, &err), 0);
	ck_assert_int_eq(verify(note.buf, &k2.vk, &c), 0);
	ck_assert_uint_eq(c.size, 8);
	ck_assert_uint_eq(count_ok(l), 4);
	sl_ledger_close(l);
	sl_signer_wipe(&k);
	sl_signer_wipe(&k2);
	sl_buf_release(&note);
	sl_buf_release(&last);
}
END_TEST

START_TEST(ledger_checkpoint_unchanged_head)
{
	struct sl_ledger *l;
	struct sl_signer k, k2;
	struct sl_buf note = SL_BUF_INIT, first = SL_BUF_INIT;
	struct sl_checkpoint c;
	struct sl_error err;
	char dir[256];

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate(&k, "example.org/log", &err), 0);
	ck_assert_int_eq(sl_signer_generate(&k2, "second.example", &err), 0);
	l = new_ledger("u", dir);
	append(l, "a", 3);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, 0, &first, &err), 0);
	/* The same head, the same key: the last note, nothing stored. */
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, 0, &note, &err), 1);
	ck_assert_str_eq(note.buf, first.buf);
	ck_assert_uint_eq(count_ok(l), 1);
	/* Forced, it signs. */
	sl_buf_reset(&note);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), 0);
	ck_assert_uint_eq(count_ok(l), 2);
	/* Another key adds a signature of its own over the same head. */
	sl_buf_reset(&note);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k2, 0, &note, &err), 0);
	ck_assert_int_eq(verify(note.buf, &k2.vk, &c), 0);
	ck_assert_uint_eq(count_ok(l), 3);
	/* A new entry: a new head to sign. */
	append(l, "b", 1);
	sl_buf_reset(&note);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k2, 0, &note, &err), 0);
	ck_assert_int_eq(verify(note.buf, &k2.vk, &c), 0);
	ck_assert_uint_eq(c.size, 4);
	ck_assert_uint_eq(count_ok(l), 4);
	sl_ledger_close(l);
	sl_signer_wipe(&k);
	sl_signer_wipe(&k2);
	sl_buf_release(&note);
	sl_buf_release(&first);
}
END_TEST

/*
 * A cosigned note (more signature lines after the log's) is kept as a new
 * row of the same head: only over the newest note's text, only with the
 * log's own signatures still good; the plain note stays kept before it.
 */
START_TEST(ledger_checkpoint_cosigned)
{
	struct sl_ledger *l;
	struct sl_signer k, w;
	struct sl_buf note = SL_BUF_INIT, cos = SL_BUF_INIT, last = SL_BUF_INIT, old = SL_BUF_INIT;
	struct sl_error err;
	char dir[256];
	size_t tl;
	struct sl_checkpoint c;

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate_type(&k, SL_KEY_ED25519, "example.org/log", &err), 0);
	ck_assert_int_eq(sl_signer_generate_type(&w, SL_KEY_COSIG, "w.example", &err), 0);
	l = new_ledger("cos", dir);
	append(l, "a", 3);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, 0, &old, &err), 0);
	append(l, "b", 2);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, 0, &note, &err), 0);
	/* The older note, cosigned: not the newest, refused. */
	sl_buf_add(&cos, old.buf, old.len);
	ck_assert_int_eq(sl_cosig_sign(&cos, &w, 1700000000, old.buf, old.len, &err), 0);
	ck_assert_int_eq(sl_ledger_checkpoint_cosigned(l, cos.buf, cos.len, &err), SL_EVERIFY);
	ck_assert_ptr_nonnull(strstr(err.msg, "it was signed meanwhile"));
	/* The newest with its log signature cut away: refused. */
	ck_assert_int_eq(sl_checkpoint_parse(note.buf, note.len, &c, &tl, &err), 0);
	sl_buf_reset(&cos);
	sl_buf_add(&cos, note.buf, tl + 1);
	ck_assert_int_eq(sl_cosig_sign(&cos, &w, 1700000000, note.buf, note.len, &err), 0);
	ck_assert_int_eq(sl_ledger_checkpoint_cosigned(l, cos.buf, cos.len, &err), SL_EVERIFY);
	ck_assert_uint_eq(count_ok(l), 2);
	/* The newest, cosigned: kept, the newest now; every row still verifies. */
	sl_buf_reset(&cos);
	sl_buf_add(&cos, note.buf, note.len);
	ck_assert_int_eq(sl_cosig_sign(&cos, &w, 1700000000, note.buf, note.len, &err), 0);
	ck_assert_int_eq(sl_ledger_checkpoint_cosigned(l, cos.buf, cos.len, &err), 0);
	ck_assert_int_eq(sl_ledger_last_checkpoint(l, &last, &err), 0);
	ck_assert_str_eq(last.buf, cos.buf);
	ck_assert_int_eq(sl_cosig_verify(last.buf, last.len, &w.vk, NULL, &err), 0);
	ck_assert_uint_eq(count_ok(l), 3);
	/* The same head by the same key is still "covered": nothing new is signed. */
	sl_buf_reset(&note);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, 0, &note, &err), 1);
	ck_assert_str_eq(note.buf, cos.buf);
	sl_ledger_close(l);
	sl_signer_wipe(&k);
	sl_signer_wipe(&w);
	sl_buf_release(&note);
	sl_buf_release(&cos);
	sl_buf_release(&last);
	sl_buf_release(&old);
}
END_TEST

/*
 * A checkpoint signed with SL_CHECKPOINT_PENDING is kept but not published
 * until its cosigned note is kept; one signed without the flag is
 * published at once and clears the mark.
 */
START_TEST(ledger_checkpoint_pending)
{
	struct sl_ledger *l;
	struct sl_signer k, w;
	struct sl_buf p1 = SL_BUF_INIT, p2 = SL_BUF_INIT, cos = SL_BUF_INIT, pub = SL_BUF_INIT;
	struct sl_buf last = SL_BUF_INIT;
	struct sl_error err;
	char dir[256];

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate_type(&k, SL_KEY_ED25519, "example.org/log", &err), 0);
	ck_assert_int_eq(sl_signer_generate_type(&w, SL_KEY_COSIG, "w.example", &err), 0);
	l = new_ledger("pend", dir);
	append(l, "a", 3);
	/* Pending and alone: kept, not published. */
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_PENDING, &p1, &err), 0);
	ck_assert_int_eq(sl_ledger_published_checkpoint(l, &pub, &err), SL_ENOTFOUND);
	ck_assert_int_eq(sl_ledger_last_checkpoint(l, &last, &err), 0);
	ck_assert_str_eq(last.buf, p1.buf);
	ck_assert_uint_eq(count_ok(l), 1);
	/* Cosigned: published. */
	sl_buf_add(&cos, p1.buf, p1.len);
	ck_assert_int_eq(sl_cosig_sign(&cos, &w, 1700000000, p1.buf, p1.len, &err), 0);
	ck_assert_int_eq(sl_ledger_checkpoint_cosigned(l, cos.buf, cos.len, &err), 0);
	ck_assert_int_eq(sl_ledger_published_checkpoint(l, &pub, &err), 0);
	ck_assert_str_eq(pub.buf, cos.buf);
	/* A newer pending one: the cosigned note stays the published one. */
	append(l, "b", 2);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_PENDING, &p2, &err), 0);
	ck_assert_int_eq(sl_ledger_published_checkpoint(l, &pub, &err), 0);
	ck_assert_str_eq(pub.buf, cos.buf);
	ck_assert_uint_eq(count_ok(l), 3);
	/* Signed again without the flag: published at once. */
	sl_buf_reset(&p2);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &p2, &err), 0);
	ck_assert_int_eq(sl_ledger_published_checkpoint(l, &pub, &err), 0);
	ck_assert_str_eq(pub.buf, p2.buf);
	ck_assert_uint_eq(count_ok(l), 4);
	sl_ledger_close(l);
	sl_signer_wipe(&k);
	sl_signer_wipe(&w);
	sl_buf_release(&p1);
	sl_buf_release(&p2);
	sl_buf_release(&cos);
	sl_buf_release(&pub);
	sl_buf_release(&last);
}
END_TEST

/*
 * The rows the checkpoint ops hand out, counted around the real store: what
 * finding the published checkpoint reads.
 */
static const struct sl_store_ops *counted_ops;
static uint64_t rows_read;

static int counting_last(struct sl_store *s, uint64_t before, uint64_t *id, struct sl_buf *note,
			 struct sl_buf *vkey, struct sl_error *err)
{
	int e = counted_ops->last_checkpoint(s, before, id, note, vkey, err);

	rows_read += e == 0;
	return e;
}

static int counting_next(struct sl_scan *it, struct sl_checkpoint_row *row, struct sl_error *err)
{
	int e = counted_ops->checkpoints_next(it, row, err);

	rows_read += e == 1;
	return e;
}

/*
 * With a pending checkpoint after 20,000 others, finding the published one
 * reads two rows (the newest, then the one below it), not every checkpoint.
 */
START_TEST(ledger_published_cost_flat)
{
	struct sl_store_ops counting;
	struct sl_ledger *l;
	struct sl_signer k;
	struct sl_buf first = SL_BUF_INIT, p = SL_BUF_INIT, pub = SL_BUF_INIT, vk = SL_BUF_INIT;
	struct sl_checkpoint c;
	struct sl_error err;
	char dir[256];
	size_t tl, i;

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate_type(&k, SL_KEY_ED25519, "example.org/log", &err), 0);
	ck_assert_int_eq(sl_vkey_format(&vk, &k.vk), 0);
	l = new_ledger("cost", dir);
	append(l, "a", 3);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, 0, &first, &err), 0);
	ck_assert_int_eq(sl_checkpoint_parse(first.buf, first.len, &c, &tl, &err), 0);
	/* 20,000 more of the same head, stored in one transaction, then one pending. */
	ck_assert_int_eq(l->store->ops->begin_write(l->store, &err), 0);
	for (i = 0; i < 20000; i++)
		ck_assert_int_eq(l->store->ops->put_checkpoint(l->store, c.size, c.root, first.buf, vk.buf,
							       &err), 0);
	ck_assert_int_eq(l->store->ops->commit(l->store, &err), 0);
	append(l, "b", 2);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_PENDING, &p, &err), 0);

	counted_ops = l->store->ops;
	counting = *counted_ops;
	counting.last_checkpoint = counting_last;
	counting.checkpoints_next = counting_next;
	l->store->ops = &counting;
	rows_read = 0;
	ck_assert_int_eq(sl_ledger_published_checkpoint(l, &pub, &err), 0);
	l->store->ops = counted_ops;
	ck_assert_str_eq(pub.buf, first.buf);
	ck_assert_uint_le(rows_read, 2);
	sl_ledger_close(l);
	sl_signer_wipe(&k);
	sl_buf_release(&first);
	sl_buf_release(&p);
	sl_buf_release(&pub);
	sl_buf_release(&vk);
}
END_TEST

/* What sl_ledger_verify_checkpoints_by reported: ids and whose trusted key signed each. */
struct seen_log {
	uint64_t id[8];
	const struct sl_vkey *by[8];
	size_t n;
};

static int log_seen(void *ctx, const struct sl_checkpoint_seen *c)
{
	struct seen_log *g = ctx;

	ck_assert_uint_lt(g->n, 8);
	ck_assert_ptr_nonnull(c->vkey);
	g->id[g->n] = c->id;
	g->by[g->n++] = c->trusted;
	return 0;
}

START_TEST(ledger_checkpoints_trusted_keys)
{
	struct sl_ledger *l;
	struct sl_signer k, k2, k3;
	struct sl_vkey both[2];
	struct sl_buf note = SL_BUF_INIT;
	struct seen_log g = { { 0 }, { 0 }, 0 };
	struct sl_error err;
	char dir[256];
	uint64_t n, bad;

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate(&k, "example.org/log", &err), 0);
	ck_assert_int_eq(sl_signer_generate(&k2, "example.org/log", &err), 0);
	ck_assert_int_eq(sl_signer_generate(&k3, "third.example", &err), 0);
	l = new_ledger("trusted", dir);
	append(l, "a", 3);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), 0);
	append(l, "b", 2);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k2, SL_CHECKPOINT_FORCE, &note, &err), 0);
	/* No keys: every checkpoint holds, none by a trusted key. */
	ck_assert_int_eq(sl_ledger_verify_checkpoints_by(l, NULL, 0, 0, log_seen, &g, &n, &bad, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_uint_eq(g.id[0], 1);
	ck_assert_uint_eq(g.id[1], 2);
	ck_assert_ptr_null(g.by[0]);
	ck_assert_ptr_null(g.by[1]);
	/* Both keys trusted: each checkpoint names the key that signed it. */
	both[0] = k2.vk, both[1] = k.vk;
	g.n = 0;
	ck_assert_int_eq(sl_ledger_verify_checkpoints_by(l, both, 2, 0, log_seen, &g, &n, &bad, &err), 0);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_ptr_eq(g.by[0], &both[1]);
	ck_assert_ptr_eq(g.by[1], &both[0]);
	/* Only k trusted: checkpoint 2, by k2 (same name, another key), is refused. */
	g.n = 0;
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_verify_checkpoints_by(l, &k.vk, 1, 0, log_seen, &g, &n, &bad, &err),
			 SL_EVERIFY);
	ck_assert_uint_eq(bad, 2);
	ck_assert_uint_eq(g.n, 1);
	ck_assert_msg(strstr(err.msg, "checkpoint 2: not signed by any of the trusted keys") != NULL,
		      "message: %s", err.msg);
	/* A key that signed nothing: the first checkpoint is refused. */
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_verify_checkpoints_by(l, &k3.vk, 1, 0, NULL, NULL, &n, &bad, &err),
			 SL_EVERIFY);
	ck_assert_uint_eq(bad, 1);
	sl_ledger_close(l);
	sl_signer_wipe(&k);
	sl_signer_wipe(&k2);
	sl_signer_wipe(&k3);
	sl_buf_release(&note);
}
END_TEST

START_TEST(ledger_refuses_a_fork)
{
	struct sl_ledger *l, *f;
	struct sl_signer k;
	struct sl_buf note = SL_BUF_INIT;
	struct sl_error err;
	char dir[256], fdir[256], q[1024];
	uint64_t n, bad;

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate(&k, "example.org/log", &err), 0);
	l = new_ledger("a", dir);
	f = new_ledger("fork", fdir);
	append(l, "a", 4);
	append(f, "z", 6);
	sl_ledger_close(f);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), 0);
	sl_ledger_close(l);
	/* Replace the log with another one, larger, whose every hash is right. */
	snprintf(q, sizeof(q),
		 "ATTACH '%s/ledger.db' AS f; DELETE FROM entries; DELETE FROM nodes;"
		 "INSERT INTO entries SELECT * FROM f.entries; INSERT INTO nodes SELECT * FROM f.nodes;"
		 "UPDATE head SET size = (SELECT size FROM f.head), root = (SELECT root FROM f.head),"
		 " ts = (SELECT ts FROM f.head);", fdir);
	sql(dir, q);
	ck_assert_int_eq(sl_ledger_open(&l, dir, 0, 10000, &err), 0);
	sl_buf_reset(&note);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), SL_EVERIFY);
	ck_assert_msg(strstr(err.msg, "not consistent with the last checkpoint (1, size 4)") != NULL,
		      "message: %s", err.msg);
	ck_assert_uint_eq(note.len, 0);
	/* Nothing was stored; verification names checkpoint 1. */
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_verify_checkpoints(l, &n, &bad, &err), SL_EVERIFY);
	ck_assert_uint_eq(bad, 1);
	ck_assert_msg(strstr(err.msg, "checkpoint 1: the signed root differs") != NULL, "message: %s",
		      err.msg);
	sl_ledger_close(l);
	/* A truncated log (head rewritten to a smaller tree) is caught as well. */
	sql(dir, "DELETE FROM entries WHERE seq >= 2; DELETE FROM nodes WHERE pos >= 1;"
		 "UPDATE head SET size = 2, root = (SELECT hash FROM nodes WHERE pos = 0)");
	ck_assert_int_eq(sl_ledger_open(&l, dir, 0, 10000, &err), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), SL_EVERIFY);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_verify_checkpoints(l, &n, &bad, &err), SL_EVERIFY);
	ck_assert_msg(strstr(err.msg, "signed size is beyond the tree") != NULL, "message: %s", err.msg);
	sl_ledger_close(l);
	sl_signer_wipe(&k);
	sl_buf_release(&note);
}
END_TEST

START_TEST(ledger_stored_checkpoints_tampered)
{
	struct sl_ledger *l;
	struct sl_signer k;
	struct sl_buf note = SL_BUF_INIT;
	struct sl_error err;
	char dir[256];
	uint64_t n, bad;

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate(&k, "example.org/log", &err), 0);
	l = new_ledger("a", dir);
	append(l, "a", 3);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), 0);
	append(l, "b", 3);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), 0);
	sl_ledger_close(l);
	/* The note's size changed: its signature fails. */
	sql(dir, "UPDATE checkpoints SET note = replace(note, 'log' || char(10) || '6', 'log' || char(10) || '5'),"
		 " size = 5 WHERE id = 2");
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 10000, &err), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_verify_checkpoints(l, &n, &bad, &err), SL_EVERIFY);
	ck_assert_uint_eq(bad, 2);
	ck_assert_msg(strstr(err.msg, "checkpoint 2: the signature does not verify") != NULL,
		      "message: %s", err.msg);
	sl_ledger_close(l);
	/* The stored size column no longer matches the note. */
	sql(dir, "UPDATE checkpoints SET note = replace(note, 'log' || char(10) || '5', 'log' || char(10) || '6') WHERE id = 2");
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 10000, &err), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_verify_checkpoints(l, &n, &bad, &err), SL_EVERIFY);
	ck_assert_msg(strstr(err.msg, "stored size or root differs") != NULL, "message: %s", err.msg);
	sl_ledger_close(l);
	sql(dir, "UPDATE checkpoints SET size = 6 WHERE id = 2");
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 10000, &err), 0);
	ck_assert_uint_eq(count_ok(l), 2);
	sl_ledger_close(l);
	/* Another key stored beside the note. */
	sql(dir, "UPDATE checkpoints SET vkey = 'x' WHERE id = 1");
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 10000, &err), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_ledger_verify_checkpoints(l, &n, &bad, &err), SL_EVERIFY);
	ck_assert_uint_eq(bad, 1);
	sl_ledger_close(l);
	sl_signer_wipe(&k);
	sl_buf_release(&note);
}
END_TEST

START_TEST(ledger_without_checkpoints_table)
{
	struct sl_ledger *l;
	struct sl_signer k;
	struct sl_buf note = SL_BUF_INIT;
	struct sl_error err;
	char dir[256];

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate(&k, "example.org/log", &err), 0);
	l = new_ledger("old", dir);
	append(l, "a", 2);
	sl_ledger_close(l);
	/* A ledger made before checkpoints existed. */
	sql(dir, "DROP TABLE checkpoints");
	ck_assert_int_eq(sl_ledger_open(&l, dir, SL_LEDGER_RDONLY, 10000, &err), 0);
	ck_assert_uint_eq(count_ok(l), 0);
	ck_assert_int_eq(sl_ledger_last_checkpoint(l, &note, &err), SL_ENOTFOUND);
	sl_ledger_close(l);
	ck_assert_int_eq(sl_ledger_open(&l, dir, 0, 10000, &err), 0);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), 0);
	ck_assert_uint_eq(count_ok(l), 1);
	sl_ledger_close(l);
	sl_signer_wipe(&k);
	sl_buf_release(&note);
}
END_TEST

START_TEST(ledger_checkpoints_two_keys)
{
	struct sl_ledger *l;
	struct sl_signer keys[2];
	struct sl_vkey only_ed;
	struct sl_buf note = SL_BUF_INIT, v0 = SL_BUF_INIT, v1 = SL_BUF_INIT, q = SL_BUF_INIT;
	struct seen_log g = { { 0 }, { 0 }, 0 };
	struct sl_checkpoint c;
	struct sl_error err;
	uint64_t n, bad;
	char dir[256];

	sl_error_clear(&err);
	ck_assert_int_eq(sl_signer_generate_type(&keys[0], SL_KEY_ECDSA, "example.org/log", &err), 0);
	ck_assert_int_eq(sl_signer_generate_type(&keys[1], SL_KEY_ED25519, "example.org/log", &err), 0);
	only_ed = keys[1].vk;
	l = new_ledger("two", dir);
	append(l, "a", 3);
	ck_assert_int_eq(sl_ledger_checkpoint_keys(l, keys, 2, 0, &note, &err), 0);
	ck_assert_int_eq(verify(note.buf, &keys[0].vk, &c), 0);
	ck_assert_int_eq(verify(note.buf, &keys[1].vk, &c), 0);
	ck_assert_uint_eq(c.size, 3);
	/* The next one, by the Ed25519 key alone, is checked against the last with both keys. */
	append(l, "b", 2);
	sl_buf_reset(&note);
	ck_assert_int_eq(sl_ledger_checkpoint_keys(l, &keys[1], 1, 0, &note, &err), 0);
	ck_assert_uint_eq(count_ok(l), 2);
	/* Trusting the Ed25519 key: both hold; trusting the ECDSA one: the second does not. */
	ck_assert_int_eq(sl_ledger_verify_checkpoints_by(l, &only_ed, 1, 0, log_seen, &g, &n, &bad, &err), 0);
	ck_assert_uint_eq(g.n, 2);
	ck_assert_ptr_eq(g.by[0], &only_ed);
	ck_assert_ptr_eq(g.by[1], &only_ed);
	ck_assert_int_eq(sl_ledger_verify_checkpoints_by(l, &keys[0].vk, 1, 0, NULL, NULL, &n, &bad, &err),
			 SL_EVERIFY);
	ck_assert_uint_eq(bad, 2);
	/* The stored key list is a list: a key swapped in it, or one emptied, fails that checkpoint. */
	sl_ledger_close(l);
	ck_assert_int_eq(sl_vkey_format(&v0, &keys[0].vk), 0);
	ck_assert_int_eq(sl_vkey_format(&v1, &keys[1].vk), 0);
	sl_buf_addf(&q, "UPDATE checkpoints SET vkey = '%s' || char(10) || '%s' WHERE id = 2", v0.buf, v1.buf);
	sql(dir, q.buf);
	ck_assert_int_eq(sl_ledger_open(&l, dir, 0, 10000, &err), 0);
	ck_assert_int_eq(sl_ledger_verify_checkpoints(l, &n, &bad, &err), SL_EVERIFY);
	ck_assert_uint_eq(bad, 2);
	sl_ledger_close(l);
	sql(dir, "UPDATE checkpoints SET vkey = '' WHERE id = 2");
	ck_assert_int_eq(sl_ledger_open(&l, dir, 0, 10000, &err), 0);
	ck_assert_int_eq(sl_ledger_verify_checkpoints(l, &n, &bad, &err), SL_EVERIFY);
	ck_assert_uint_eq(bad, 2);
	/* sl_vkey_list_has finds a key in such a list, and only a key that is there. */
	sl_buf_reset(&q);
	sl_buf_addf(&q, "%s\n%s", v0.buf, v1.buf);
	ck_assert_int_eq(sl_vkey_list_has(q.buf, q.len, &keys[1].vk), 1);
	ck_assert_int_eq(sl_vkey_list_has(q.buf, q.len, &keys[0].vk), 1);
	ck_assert_int_eq(sl_vkey_list_has(v0.buf, v0.len, &keys[1].vk), 0);
	ck_assert_int_eq(sl_vkey_list_has("", 0, &keys[1].vk), 0);
	sl_ledger_close(l);
	sl_signer_wipe(&keys[0]);
	sl_signer_wipe(&keys[1]);
	sl_buf_release(&note);
	sl_buf_release(&v0);
	sl_buf_release(&v1);
	sl_buf_release(&q);
}
END_TEST

static Suite *checkpoint_suite(void)
{
	Suite *s = suite_create("checkpoint");
	TCase *tc = tcase_create("notes");
	TCase *tl = tcase_create("ledger");

	tcase_add_test(tc, spki_and_key_id);
	tcase_add_test(tc, bad_vkeys);
	tcase_add_test(tc, foreign_notes_verify);
	tcase_add_test(tc, altered_notes_fail);
	tcase_add_test(tc, strict_parsing);
	tcase_add_test(tc, body_known_answer);
	tcase_add_test(tc, keys_sign_and_verify);
	tcase_add_test(tc, ed25519_go_known_answer);
	tcase_add_test(tc, ed25519_bad_vkeys);
	tcase_add_test(tc, ed25519_keys_sign_and_verify);
	tcase_add_test(tc, ed25519_and_ecdsa_in_one_note);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tl, tmp_setup, tmp_teardown);
	tcase_set_timeout(tl, 60);
	tcase_add_test(tl, ledger_checkpoints);
	tcase_add_test(tl, ledger_checkpoint_unchanged_head);
	tcase_add_test(tl, ledger_checkpoints_trusted_keys);
	tcase_add_test(tl, ledger_refuses_a_fork);
	tcase_add_test(tl, ledger_stored_checkpoints_tampered);
	tcase_add_test(tl, ledger_without_checkpoints_table);
	tcase_add_test(tl, ledger_checkpoints_two_keys);
	tcase_add_test(tl, ledger_checkpoint_cosigned);
	tcase_add_test(tl, ledger_checkpoint_pending);
	tcase_add_test(tl, ledger_published_cost_flat);
	suite_add_tcase(s, tl);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(checkpoint_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
