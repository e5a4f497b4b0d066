// SPDX-License-Identifier: MIT
/*
 * Checkpoints as C2SP signed notes with ECDSA P-256 (signed-note type
 * 0x02, BearSSL) or Ed25519 (type 0x01, libsodium), keys and their files.
 * See lib/sl/checkpoint.h for the formats.
 */
#include <bearssl/bearssl_ec.h>
#include <bearssl/bearssl_pem.h>
#include <bearssl/bearssl_rand.h>
#include <bearssl/bearssl_x509.h>
#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <sys/random.h>

#include "sl/checkpoint.h"
#include "sl/linereader.h"

/*
 * The DER SubjectPublicKeyInfo of a P-256 key is this fixed prefix
 * followed by the 65-byte uncompressed point 0x04 || X || Y:
 *
 *   30 59                       SEQUENCE, 89 bytes (= 2 + 19 + 3 + 65)
 *     30 13                     SEQUENCE AlgorithmIdentifier, 19 bytes
 *       06 07 2a8648ce3d0201    OID 1.2.840.10045.2.1 id-ecPublicKey
 *       06 08 2a8648ce3d030107  OID 1.2.840.10045.3.1.7 prime256v1 (P-256)
 *     03 42 00                  BIT STRING, 66 bytes, 0 unused bits: the point
 */
static const unsigned char spki_prefix[SL_SPKI_LEN - SL_EC_PUB_LEN] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
};

/* The signed-note signature type of ECDSA keys. */
#define NOTE_TYPE_ECDSA SL_KEY_ECDSA

/*
 * The RFC 8410 PKCS#8 form of an Ed25519 private key is this fixed prefix
 * followed by the 32-byte seed:
 *
 *   30 2e                       SEQUENCE, 46 bytes
 *     02 01 00                  INTEGER 0 (version)
 *     30 05 06 03 2b6570        AlgorithmIdentifier: OID 1.3.101.112 id-Ed25519
 *     04 22 04 20               OCTET STRING holding an OCTET STRING of 32 bytes
 */
static const unsigned char ed_pkcs8_prefix[16] = {
	0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06,
	0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
};

static const char key_magic[] = "stateledger-key ";
/* After the name on a witness key's first line: the key signs cosignatures, not notes. */
static const char cosig_mark[] = " cosignature";
static const char pem_begin[] = "-----BEGIN EC PRIVATE KEY-----\n";
static const char pem_end[] = "-----END EC PRIVATE KEY-----\n";
static const char ed_pem_begin[] = "-----BEGIN PRIVATE KEY-----\n";
static const char ed_pem_end[] = "-----END PRIVATE KEY-----\n";

/* libsodium must be set up before its first use; later calls return at once. */
static int sodium_ready(void)
{
	return sodium_init() >= 0;
}

/* Clear memory that held a secret in a way the compiler may not drop. */
static void wipe(void *p, size_t n)
{
	volatile unsigned char *v = p;

	while (n--)
		*v++ = 0;
}

int sl_note_name_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > SL_NOTE_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f || c == '+')
			return 0;
	}
	return 1;
}

int sl_note_origin_valid(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len > SL_NOTE_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

void sl_ec_spki(unsigned char out[SL_SPKI_LEN], const unsigned char pub[SL_EC_PUB_LEN])
{
	memcpy(out, spki_prefix, sizeof(spki_prefix));
	memcpy(out + sizeof(spki_prefix), pub, SL_EC_PUB_LEN);
}

static void key_id(unsigned char id[SL_KEYID_LEN], const unsigned char pub[SL_EC_PUB_LEN])
{
	unsigned char spki[SL_SPKI_LEN], h[SL_HASH_LEN];

	sl_ec_spki(spki, pub);
	sl_sha256(h, spki, sizeof(spki));
	memcpy(id, h, SL_KEYID_LEN);
}

/* Ed25519 keys: log keys (type 0x01) and witness cosignature keys (0x04). */
static int is_ed(int type)
{
	return type == SL_KEY_ED25519 || type == SL_KEY_COSIG;
}

/*
 * The key id of an Ed25519 key of signed-note type `type` (0x01 or 0x04):
 * SHA-256(name || 0x0A || type || key), its first 4 bytes.  The type byte
 * makes a log key and a witness key from one seed two different keys.
 */
static void ed_key_id(unsigned char id[SL_KEYID_LEN], int type, const char *name,
		      const unsigned char pub[SL_ED25519_PUB_LEN])
{
	struct sl_sha256 c;
	unsigned char h[SL_HASH_LEN];
	const unsigned char sep[2] = { '\n', (unsigned char)type };

	sl_sha256_init(&c);
	sl_sha256_update(&c, name, strlen(name));
	sl_sha256_update(&c, sep, sizeof(sep));
	sl_sha256_update(&c, pub, SL_ED25519_PUB_LEN);
	sl_sha256_final(&c, h);
	memcpy(id, h, SL_KEYID_LEN);
}

/* Fill k->vk of an Ed25519 key of the given type from its seed and the name. */
static int derive_public_ed(struct sl_signer *k, int type, struct sl_error *err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];

	if (!sodium_ready() || crypto_sign_seed_keypair(pk, sk, k->priv) != 0) {
		sodium_memzero(sk, sizeof(sk));
		return sl_error_set(err, SL_EIO, "unable to set up libsodium");
	}
	sodium_memzero(sk, sizeof(sk));
	memset(&k->vk, 0, sizeof(k->vk));
	k->vk.type = (unsigned char)type;
	memcpy(k->vk.pub, pk, SL_ED25519_PUB_LEN);
	memcpy(k->vk.name, k->name, sizeof(k->name));
	ed_key_id(k->vk.id, type, k->vk.name, k->vk.pub);
	return 0;
}

/* Fill k->vk from the private scalar and the name. */
static int derive_public(struct sl_signer *k, struct sl_error *err)
{
	const br_ec_impl *impl = br_ec_get_default();
	br_ec_private_key sk = { BR_EC_secp256r1, k->priv, SL_EC_PRIV_LEN };
	br_ec_public_key pk;
	unsigned char pbuf[BR_EC_KBUF_PUB_MAX_SIZE];

	if (br_ec_compute_pub(impl, &pk, pbuf, &sk) != SL_EC_PUB_LEN)
		return sl_error_set(err, SL_EINVAL, "not a valid P-256 private key");
	memcpy(k->vk.pub, pk.q, SL_EC_PUB_LEN);
	key_id(k->vk.id, k->vk.pub);
	memcpy(k->vk.name, k->name, sizeof(k->name));
	k->vk.type = SL_KEY_ECDSA;
	return 0;
}

const char *sl_key_type_name(int type)
{
	switch (type) {
	case SL_KEY_ED25519: return "ed25519";
	case SL_KEY_ECDSA: return "ecdsa";
	case SL_KEY_COSIG: return "cosignature";
	default: return NULL;
	}
}

int sl_key_type_parse(const char *s)
{
	static const int types[] = { SL_KEY_ED25519, SL_KEY_ECDSA, SL_KEY_COSIG };
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(s, sl_key_type_name(types[i])) == 0)
			return types[i];
	return 0;
}

/* Fill buf (n bytes) from the kernel's generator. */
static int random_bytes(unsigned char *buf, size_t n, struct sl_error *err)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = getrandom(buf + got, n - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sl_error_set(err, sl_errno_code(errno),
					    "unable to get random bytes: %s", strerror(errno));
		}
		got += (size_t)r;
	}
	return 0;
}

int sl_signer_generate(struct sl_signer *k, const char *name, struct sl_error *err)
{
	return sl_signer_generate_type(k, SL_KEY_ECDSA, name, err);
}

int sl_signer_generate_type(struct sl_signer *k, int type, const char *name, struct sl_error *err)
{
	br_hmac_drbg_context rng;
	br_ec_private_key sk;
	unsigned char seed[48], kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	size_t n;
	int e;

	memset(k, 0, sizeof(*k));
	if (type != SL_KEY_ECDSA && !is_ed(type))
		return sl_error_set(err, SL_EUSAGE, "unknown key type %d", type);
	if (!sl_note_name_valid(name, strlen(name)))
		return sl_error_set(err, SL_EUSAGE,
				    "invalid key name '%.64s' (1-255 bytes, no space, control character or '+')",
				    name);
	if (is_ed(type)) {
		/* An Ed25519 key is its 32-byte seed, drawn straight from the kernel. */
		if ((e = random_bytes(k->priv, SL_EC_PRIV_LEN, err)) < 0)
			return e;
		snprintf(k->name, sizeof(k->name), "%s", name);
		if ((e = derive_public_ed(k, type, err)) < 0)
			sl_signer_wipe(k);
		return e;
	}
	/* 384 bits from the kernel's generator seed the DRBG that BearSSL draws from. */
	if ((e = random_bytes(seed, sizeof(seed), err)) < 0)
		return e;
	br_hmac_drbg_init(&rng, &br_sha256_vtable, seed, sizeof(seed));
	wipe(seed, sizeof(seed));
	n = br_ec_keygen(&rng.vtable, br_ec_get_default(), &sk, kbuf, BR_EC_secp256r1);
	wipe(&rng, sizeof(rng));
	if (n != SL_EC_PRIV_LEN) {
		wipe(kbuf, sizeof(kbuf));
		return sl_error_set(err, SL_EIO, "unable to make a P-256 key");
	}
	memcpy(k->priv, sk.x, SL_EC_PRIV_LEN);
	wipe(kbuf, sizeof(kbuf));
	snprintf(k->name, sizeof(k->name), "%s", name);
	if ((e = derive_public(k, err)) < 0)
		sl_signer_wipe(k);
	return e;
}

void sl_signer_wipe(struct sl_signer *k)
{
	wipe(k, sizeof(*k));
}

/*
 * Append the key file of k: its name line, then the DER der (n bytes) in a
 * PEM block labelled `label`.  Wipes der and the PEM text it made.
 */
static int write_key_file(struct sl_buf *out, const struct sl_signer *k, unsigned char *der,
			  size_t n, const char *label)
{
	char pem[512];
	size_t m = br_pem_encode(NULL, der, n, label, BR_PEM_LINE64);

	if (m == 0 || m >= sizeof(pem)) {
		wipe(der, n);
		return SL_EINVAL;
	}
	br_pem_encode(pem, der, n, label, BR_PEM_LINE64);
	wipe(der, n);
	sl_buf_addstr(out, key_magic);
	sl_buf_addstr(out, k->name);
	if (k->vk.type == SL_KEY_COSIG)
		sl_buf_addstr(out, cosig_mark);
	sl_buf_addch(out, '\n');
	sl_buf_add(out, pem, m);
	wipe(pem, sizeof(pem));
	return sl_buf_ok(out);
}

int sl_signer_write(struct sl_buf *out, const struct sl_signer *k)
{
	br_ec_private_key sk;
	br_ec_public_key pk = { BR_EC_secp256r1, NULL, SL_EC_PUB_LEN };
	unsigned char priv[SL_EC_PRIV_LEN], pub[SL_EC_PUB_LEN], der[256];
	size_t n;

	if (is_ed(k->vk.type)) {
		/* Ed25519: the RFC 8410 PKCS#8 DER of the seed in a PEM PRIVATE KEY block. */
		memcpy(der, ed_pkcs8_prefix, sizeof(ed_pkcs8_prefix));
		memcpy(der + sizeof(ed_pkcs8_prefix), k->priv, SL_EC_PRIV_LEN);
		return write_key_file(out, k, der, sizeof(ed_pkcs8_prefix) + SL_EC_PRIV_LEN,
				      "PRIVATE KEY");
	}
	memcpy(priv, k->priv, sizeof(priv));
	memcpy(pub, k->vk.pub, sizeof(pub));
	sk.curve = BR_EC_secp256r1;
	sk.x = priv;
	sk.xlen = sizeof(priv);
	pk.q = pub;
	n = br_encode_ec_raw_der(NULL, &sk, &pk);
	if (n == 0 || n > sizeof(der)) {
		wipe(priv, sizeof(priv));
		return SL_EINVAL;
	}
	br_encode_ec_raw_der(der, &sk, &pk);
	wipe(priv, sizeof(priv));
	return write_key_file(out, k, der, n, "EC PRIVATE KEY");
}

int sl_signer_parse(struct sl_signer *k, const char *text, size_t len, struct sl_error *err)
{
	br_skey_decoder_context dc;
	const br_ec_private_key *sk;
	struct sl_buf b64 = SL_BUF_INIT, der = SL_BUF_INIT;
	const char *p, *end = text + len;
	const char *pend = pem_end;
	struct sl_lines it;
	size_t ml = sizeof(key_magic) - 1, pend_len = sizeof(pem_end) - 1, nlen;
	size_t cl = sizeof(cosig_mark) - 1;
	int e = SL_EINVAL, ed = 0, cosig = 0;

	memset(k, 0, sizeof(*k));
	if (len > SL_KEY_FILE_MAX)
		return sl_error_set(err, SL_EINVAL, "key file longer than %d bytes", SL_KEY_FILE_MAX);
	sl_lines_init(&it, text, len);
	if (!sl_lines_next(&it) || !it.nl || it.len < ml || memcmp(it.line, key_magic, ml) != 0) {
		sl_error_set(err, SL_EINVAL, "not a StateLedger key file (no 'stateledger-key NAME' line)");
		goto out;
	}
	nlen = it.len - ml;
	/* `stateledger-key NAME cosignature`: a witness key (Ed25519 only). */
	if (nlen > cl && memcmp(it.line + it.len - cl, cosig_mark, cl) == 0) {
		cosig = 1;
		nlen -= cl;
	}
	if (!sl_note_name_valid(it.line + ml, nlen)) {
		sl_error_set(err, SL_EINVAL, "invalid key name");
		goto out;
	}
	memcpy(k->name, it.line + ml, nlen);
	p = it.p;
	/* The PEM block says the key's type: EC PRIVATE KEY, or PKCS#8 PRIVATE KEY (Ed25519). */
	if ((size_t)(end - p) >= sizeof(ed_pem_begin) - 1 &&
	    memcmp(p, ed_pem_begin, sizeof(ed_pem_begin) - 1) == 0) {
		ed = 1;
		pend = ed_pem_end;
		pend_len = sizeof(ed_pem_end) - 1;
		p += sizeof(ed_pem_begin) - 1;
	} else if ((size_t)(end - p) >= sizeof(pem_begin) - 1 &&
		   memcmp(p, pem_begin, sizeof(pem_begin) - 1) == 0) {
		p += sizeof(pem_begin) - 1;
	} else {
		sl_error_set(err, SL_EINVAL, "no '-----BEGIN EC PRIVATE KEY-----' line");
		goto out;
	}
	if (cosig && !ed) {
		sl_error_set(err, SL_EINVAL, "a cosignature key must be an Ed25519 key");
		goto out;
	}
	sl_lines_init(&it, p, (size_t)(end - p));
	for (;;) {
		if (!sl_lines_next(&it) || !it.nl) {
			sl_error_set(err, SL_EINVAL, "no '%.*s' line", (int)pend_len - 1, pend);
			goto out;
		}
		if ((size_t)(end - it.line) == pend_len && memcmp(it.line, pend, pend_len) == 0)
			break;
		if (it.len == 0 || it.len > 76) {
			sl_error_set(err, SL_EINVAL, "malformed PEM line");
			goto out;
		}
		sl_buf_add(&b64, it.line, it.len);
	}
	if ((e = sl_buf_ok(&b64)) < 0)
		goto out;
	if (sl_b64_decode(&der, b64.buf, b64.len) < 0) {
		e = sl_error_set(err, SL_EINVAL, "malformed base64 in the PEM block");
		goto out;
	}
	if (ed) {
		if (der.len != sizeof(ed_pkcs8_prefix) + SL_EC_PRIV_LEN ||
		    memcmp(der.buf, ed_pkcs8_prefix, sizeof(ed_pkcs8_prefix)) != 0) {
			e = sl_error_set(err, SL_EINVAL, "not an Ed25519 private key (RFC 8410 PKCS#8)");
			goto out;
		}
		memcpy(k->priv, der.buf + sizeof(ed_pkcs8_prefix), SL_EC_PRIV_LEN);
		e = derive_public_ed(k, cosig ? SL_KEY_COSIG : SL_KEY_ED25519, err);
		goto out;
	}
	br_skey_decoder_init(&dc);
	br_skey_decoder_push(&dc, der.buf, der.len);
	e = SL_EINVAL;
	if (br_skey_decoder_last_error(&dc) != 0 || br_skey_decoder_key_type(&dc) != BR_KEYTYPE_EC ||
	    !(sk = br_skey_decoder_get_ec(&dc)) || sk->curve != BR_EC_secp256r1 ||
	    sk->xlen != SL_EC_PRIV_LEN) {
		sl_error_set(err, SL_EINVAL, "not an EC P-256 private key");
		wipe(&dc, sizeof(dc));
		goto out;
	}
	memcpy(k->priv, sk->x, SL_EC_PRIV_LEN);
	wipe(&dc, sizeof(dc));
	e = derive_public(k, err);
out:
	wipe(b64.buf, b64.len);
	wipe(der.buf, der.len);
	sl_buf_release(&b64);
	sl_buf_release(&der);
	if (e < 0)
		sl_signer_wipe(k);
	return e;
}

int sl_vkey_format(struct sl_buf *out, const struct sl_vkey *vk)
{
	unsigned char raw[1 + SL_SPKI_LEN];
	size_t n;

	if (is_ed(vk->type)) {
		raw[0] = vk->type;
		memcpy(raw + 1, vk->pub, SL_ED25519_PUB_LEN);
		n = 1 + SL_ED25519_PUB_LEN;
	} else {
		raw[0] = NOTE_TYPE_ECDSA;
		sl_ec_spki(raw + 1, vk->pub);
		n = 1 + SL_SPKI_LEN;
	}
	sl_buf_addstr(out, vk->name);
	sl_buf_addch(out, '+');
	sl_buf_addhex(out, vk->id, SL_KEYID_LEN);
	sl_buf_addch(out, '+');
	sl_b64_encode(out, raw, n);
	return sl_buf_ok(out);
}

int sl_vkey_equal(const struct sl_vkey *a, const struct sl_vkey *b)
{
	/* 0 reads as ECDSA. */
	int ta = a->type ? a->type : SL_KEY_ECDSA, tb = b->type ? b->type : SL_KEY_ECDSA;
	size_t n = is_ed(ta) ? SL_ED25519_PUB_LEN : SL_EC_PUB_LEN;

	return ta == tb && strcmp(a->name, b->name) == 0 &&
	       memcmp(a->id, b->id, SL_KEYID_LEN) == 0 && memcmp(a->pub, b->pub, n) == 0;
}

int sl_vkey_same_key(const struct sl_vkey *a, const struct sl_vkey *b)
{
	int ta = a->type ? a->type : SL_KEY_ECDSA, tb = b->type ? b->type : SL_KEY_ECDSA;
	size_t n = is_ed(ta) ? SL_ED25519_PUB_LEN : SL_EC_PUB_LEN;

	return ta == tb && memcmp(a->pub, b->pub, n) == 0;
}

int sl_vkey_list_has(const char *s, size_t len, const struct sl_vkey *vk)
{
	struct sl_lines it;
	struct sl_vkey k;

	sl_lines_init(&it, s, len);
	while (sl_lines_next(&it))
		if (sl_vkey_parse(&k, it.line, it.len, NULL) == 0 && sl_vkey_equal(&k, vk))
			return 1;
	return 0;
}

int sl_vkey_parse(struct sl_vkey *vk, const char *s, size_t len, struct sl_error *err)
{
	static const unsigned char one[1] = { 1 };
	struct sl_buf raw = SL_BUF_INIT;
	const char *end = s + len, *p1, *p2;
	unsigned char id[SL_KEYID_LEN], pt[SL_EC_PUB_LEN];
	int e = SL_EINVAL;

	memset(vk, 0, sizeof(*vk));
	p1 = memchr(s, '+', len);
	if (!p1 || !sl_note_name_valid(s, (size_t)(p1 - s)))
		return sl_error_set(err, SL_EINVAL, "verifier key: invalid or missing name");
	p2 = memchr(p1 + 1, '+', (size_t)(end - p1 - 1));
	if (!p2 || sl_hex_decode(vk->id, SL_KEYID_LEN, p1 + 1, (size_t)(p2 - p1 - 1)) < 0)
		return sl_error_set(err, SL_EINVAL, "verifier key: key id is not 8 hex digits");
	memcpy(vk->name, s, (size_t)(p1 - s));
	if (sl_b64_decode(&raw, p2 + 1, (size_t)(end - p2 - 1)) < 0) {
		sl_error_set(err, SL_EINVAL, "verifier key: key is not base64");
		goto out;
	}
	if ((e = sl_buf_ok(&raw)) < 0)
		goto out;
	e = SL_EINVAL;
	if (raw.len >= 1 && is_ed((unsigned char)raw.buf[0])) {
		vk->type = (unsigned char)raw.buf[0];
		if (raw.len != 1 + SL_ED25519_PUB_LEN) {
			sl_error_set(err, SL_EINVAL, "verifier key: an Ed25519 (type 0x%02x) key is not "
				     "32 bytes", vk->type);
			goto out;
		}
		memcpy(vk->pub, raw.buf + 1, SL_ED25519_PUB_LEN);
		ed_key_id(id, vk->type, vk->name, vk->pub);
		if (memcmp(id, vk->id, SL_KEYID_LEN) != 0) {
			sl_error_set(err, SL_EINVAL, "verifier key: the key id does not match the key");
			goto out;
		}
		e = 0;
		goto out;
	}
	if (raw.len < 1 || (unsigned char)raw.buf[0] != NOTE_TYPE_ECDSA) {
		sl_error_set(err, SL_EINVAL, "verifier key: not an ECDSA (type 0x02), Ed25519 "
			     "(type 0x01) or cosignature (type 0x04) key");
		goto out;
	}
	vk->type = SL_KEY_ECDSA;
	if (raw.len != 1 + SL_SPKI_LEN || memcmp(raw.buf + 1, spki_prefix, sizeof(spki_prefix)) != 0) {
		sl_error_set(err, SL_EINVAL, "verifier key: not a P-256 SubjectPublicKeyInfo");
		goto out;
	}
	memcpy(vk->pub, raw.buf + 1 + sizeof(spki_prefix), SL_EC_PUB_LEN);
	/* Multiplying by one decodes the point and fails unless it is on the curve. */
	memcpy(pt, vk->pub, sizeof(pt));
	if (br_ec_get_default()->mul(pt, sizeof(pt), one, sizeof(one), BR_EC_secp256r1) != 1) {
		sl_error_set(err, SL_EINVAL, "verifier key: the point is not on the P-256 curve");
		goto out;
	}
	key_id(id, vk->pub);
	if (memcmp(id, vk->id, SL_KEYID_LEN) != 0) {
		sl_error_set(err, SL_EINVAL, "verifier key: the key id does not match the key");
		goto out;
	}
	e = 0;
out:
	sl_buf_release(&raw);
	if (e < 0)
		memset(vk, 0, sizeof(*vk));
	return e;
}

int sl_checkpoint_body(struct sl_buf *out, const struct sl_checkpoint *c)
{
	if (!sl_note_origin_valid(c->origin, strlen(c->origin)) || c->size > INT64_MAX)
		return SL_EINVAL;
	sl_buf_addstr(out, c->origin);
	sl_buf_addch(out, '\n');
	sl_buf_addu64(out, c->size);
	sl_buf_addch(out, '\n');
	sl_b64_encode(out, c->root, SL_HASH_LEN);
	sl_buf_addch(out, '\n');
	return sl_buf_ok(out);
}

/* The Ed25519 signature of msg by the key whose seed k holds. */
static int sign_ed(const struct sl_signer *k, const void *msg, size_t len,
		   unsigned char sig[SL_SIG_MAX], size_t *sig_len, struct sl_error *err)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	unsigned long long n = 0;
	int r;

	if (!sodium_ready() || crypto_sign_seed_keypair(pk, sk, k->priv) != 0) {
		sodium_memzero(sk, sizeof(sk));
		return sl_error_set(err, SL_EIO, "unable to sign: libsodium does not start");
	}
	/* A seed whose public key is not the one named would sign under a false key id. */
	if (memcmp(pk, k->vk.pub, SL_ED25519_PUB_LEN) != 0) {
		sodium_memzero(sk, sizeof(sk));
		return sl_error_set(err, SL_EINVAL, "unable to sign: not a valid private key");
	}
	r = crypto_sign_detached(sig, &n, msg, len, sk);
	sodium_memzero(sk, sizeof(sk));
	if (r != 0 || n != SL_ED25519_SIG_LEN)
		return sl_error_set(err, SL_EINVAL, "unable to sign: not a valid private key");
	*sig_len = SL_ED25519_SIG_LEN;
	return 0;
}

static int verify_ed(const struct sl_vkey *vk, const void *msg, size_t mlen,
		     const unsigned char *sig, size_t len)
{
	if (len != SL_ED25519_SIG_LEN || !sodium_ready())
		return 0;
	return crypto_sign_verify_detached(sig, msg, mlen, vk->pub) == 0;
}

int sl_signer_sign(const struct sl_signer *k, const void *msg, size_t len,
		   unsigned char sig[SL_SIG_MAX], size_t *sig_len, struct sl_error *err)
{
	unsigned char h[SL_HASH_LEN];

	if (is_ed(k->vk.type))
		return sign_ed(k, msg, len, sig, sig_len, err);
	sl_sha256(h, msg, len);
	return sl_signer_sign_digest(k, h, sig, sig_len, err);
}

int sl_vkey_verify(const struct sl_vkey *vk, const void *msg, size_t mlen,
		   const unsigned char *sig, size_t len)
{
	unsigned char h[SL_HASH_LEN];

	if (is_ed(vk->type))
		return verify_ed(vk, msg, mlen, sig, len);
	sl_sha256(h, msg, mlen);
	return sl_vkey_verify_digest(vk, h, sig, len);
}

int sl_signer_sign_digest(const struct sl_signer *k, const unsigned char h[SL_HASH_LEN],
			  unsigned char sig[SL_SIG_MAX], size_t *len, struct sl_error *err)
{
	unsigned char priv[SL_EC_PRIV_LEN];
	br_ec_private_key sk = { BR_EC_secp256r1, priv, sizeof(priv) };
	size_t n;

	/* A witness key signs cosignature messages only (lib/cosig.c), never a digest. */
	if (k->vk.type == SL_KEY_COSIG)
		return sl_error_set(err, SL_EUSAGE, "unable to sign: '%s' is a witness "
				    "(cosignature) key", k->name);
	if (k->vk.type == SL_KEY_ED25519)
		return sign_ed(k, h, SL_HASH_LEN, sig, len, err);
	memcpy(priv, k->priv, sizeof(priv));
	/* RFC 6979 deterministic nonces: no randomness needed to sign. */
	n = br_ecdsa_i31_sign_asn1(br_ec_get_default(), &br_sha256_vtable, h, &sk, sig);
	wipe(priv, sizeof(priv));
	if (n == 0 || n > SL_SIG_MAX)
		return sl_error_set(err, SL_EINVAL, "unable to sign: not a valid private key");
	*len = n;
	return 0;
}

int sl_vkey_verify_digest(const struct sl_vkey *vk, const unsigned char h[SL_HASH_LEN],
			  const unsigned char *sig, size_t len)
{
	unsigned char q[SL_EC_PUB_LEN];
	br_ec_public_key pk = { BR_EC_secp256r1, q, sizeof(q) };

	if (vk->type == SL_KEY_COSIG)
		return 0;
	if (vk->type == SL_KEY_ED25519)
		return verify_ed(vk, h, SL_HASH_LEN, sig, len);
	if (len == 0 || len > SL_SIG_MAX)
		return 0;
	memcpy(q, vk->pub, sizeof(q));
	return br_ecdsa_i31_vrfy_asn1(br_ec_get_default(), h, SL_HASH_LEN, &pk, sig, len) == 1;
}

int sl_checkpoint_sign(struct sl_buf *out, const struct sl_checkpoint *c, const struct sl_signer *k,
		       struct sl_error *err)
{
	return sl_checkpoint_sign_keys(out, c, k, 1, err);
}

int sl_checkpoint_sign_keys(struct sl_buf *out, const struct sl_checkpoint *c,
			    const struct sl_signer *keys, size_t nkeys, struct sl_error *err)
{
	unsigned char sig[SL_KEYID_LEN + SL_SIG_MAX];
	size_t start = out->len, text_len, n, i, j;
	int e;

	if (nkeys == 0)
		return sl_error_set(err, SL_EUSAGE, "no key to sign with");
	/* A witness key's signature over a bare note would be no cosignature at all. */
	for (i = 0; i < nkeys; i++)
		if (keys[i].vk.type == SL_KEY_COSIG)
			return sl_error_set(err, SL_EUSAGE, "key '%s' is a witness (cosignature) "
					    "key, not a log key", keys[i].name);
	/* Two signature lines of one name and key id: a verifier would read only the first. */
	for (i = 0; i < nkeys; i++)
		for (j = 0; j < i; j++)
			if (strcmp(keys[i].name, keys[j].name) == 0 &&
			    memcmp(keys[i].vk.id, keys[j].vk.id, SL_KEYID_LEN) == 0)
				return sl_error_set(err, SL_EUSAGE, "key '%s' (id %02x%02x%02x%02x) is given "
						    "twice", keys[i].name, keys[i].vk.id[0],
						    keys[i].vk.id[1], keys[i].vk.id[2], keys[i].vk.id[3]);
	if ((e = sl_checkpoint_body(out, c)) < 0) {
		sl_buf_setlen(out, start);
		return e == SL_ENOMEM ? e : sl_error_set(err, e, "invalid checkpoint origin or size");
	}
	text_len = out->len - start;
	sl_buf_addch(out, '\n');
	for (i = 0; i < nkeys; i++) {
		/* out->buf may move as lines are added: sign from where it is now. */
		if ((e = sl_buf_ok(out)) < 0 ||
		    (e = sl_signer_sign(&keys[i], out->buf + start, text_len, sig + SL_KEYID_LEN, &n,
					err)) < 0) {
			sl_buf_setlen(out, start);
			return e;
		}
		memcpy(sig, keys[i].vk.id, SL_KEYID_LEN);
		sl_buf_addstr(out, SL_NOTE_SIG_PREFIX);
		sl_buf_addstr(out, keys[i].name);
		sl_buf_addch(out, ' ');
		sl_b64_encode(out, sig, SL_KEYID_LEN + n);
		sl_buf_addch(out, '\n');
	}
	return sl_buf_ok(out);
}

/* Parse the signature line [p, nl); 0, or SL_EINVAL with the reason. */
static int parse_sigline(const char *p, const char *nl, struct sl_note_sig *s, struct sl_error *err)
{
	struct sl_buf raw = SL_BUF_INIT;
	size_t pl = sizeof(SL_NOTE_SIG_PREFIX) - 1;
	const char *sp;
	int e = 0;

	if ((size_t)(nl - p) < pl || memcmp(p, SL_NOTE_SIG_PREFIX, pl) != 0)
		return sl_error_set(err, SL_EINVAL, "signature line does not start with an em dash and a space");
	p += pl;
	sp = memchr(p, ' ', (size_t)(nl - p));
	if (!sp || !sl_note_name_valid(p, (size_t)(sp - p)))
		return sl_error_set(err, SL_EINVAL, "signature line: invalid key name");
	s->name = p;
	s->name_len = (size_t)(sp - p);
	if (sl_b64_decode(&raw, sp + 1, (size_t)(nl - sp - 1)) < 0)
		e = sl_error_set(err, SL_EINVAL, "signature line: signature is not base64");
	else if ((e = sl_buf_ok(&raw)) < 0)
		;
	else if (raw.len < SL_KEYID_LEN + 1)
		e = sl_error_set(err, SL_EINVAL, "signature line: signature too short");
	else {
		memcpy(s->id, raw.buf, SL_KEYID_LEN);
		/* Longer than any P-256 signature: kept only to be ignored or rejected. */
		s->sig_len = raw.len - SL_KEYID_LEN;
		if (s->sig_len > SL_SIG_MAX)
			s->sig_len = 0;
		else
			memcpy(s->sig, raw.buf + SL_KEYID_LEN, s->sig_len);
	}
	sl_buf_release(&raw);
	return e;
}

/* The checkpoint in the note text [p, end), which ends in '\n'. */
static int parse_body(const char *p, const char *end, struct sl_checkpoint *c, struct sl_error *err)
{
	struct sl_buf root = SL_BUF_INIT;
	struct sl_lines it;
	uint64_t v = 0;
	int e;

	memset(c, 0, sizeof(*c));
	sl_lines_init(&it, p, (size_t)(end - p));
	if (!sl_lines_next(&it) || !it.nl || !sl_note_origin_valid(it.line, it.len))
		return sl_error_set(err, SL_EINVAL, "checkpoint: invalid origin line");
	memcpy(c->origin, it.line, it.len);
	if (!sl_lines_next(&it) || !it.nl || it.len == 0 || (*it.line == '0' && it.len > 1))
		return sl_error_set(err, SL_EINVAL, "checkpoint: invalid tree size line");
	for (p = it.line; p < it.line + it.len; p++) {
		if (*p < '0' || *p > '9' || v > (INT64_MAX - (uint64_t)(*p - '0')) / 10)
			return sl_error_set(err, SL_EINVAL, "checkpoint: invalid tree size line");
		v = v * 10 + (uint64_t)(*p - '0');
	}
	c->size = v;
	if (!sl_lines_next(&it) || !it.nl)
		return sl_error_set(err, SL_EINVAL, "checkpoint: no root hash line");
	if (sl_b64_decode(&root, it.line, it.len) < 0 || root.len != SL_HASH_LEN) {
		e = sl_buf_ok(&root) < 0 ? SL_ENOMEM
					 : sl_error_set(err, SL_EINVAL,
							"checkpoint: root hash is not base64 of 32 bytes");
		sl_buf_release(&root);
		return e;
	}
	memcpy(c->root, root.buf, SL_HASH_LEN);
	sl_buf_release(&root);
	/* Extension lines: signed, kept in the text, each non-empty. */
	while (sl_lines_next(&it))
		if (it.len == 0)
			return sl_error_set(err, SL_EINVAL, "checkpoint: empty extension line");
	return 0;
}

int sl_checkpoint_walk(const char *note, size_t len, struct sl_checkpoint *c, size_t *text_len,
		       sl_note_sig_fn fn, void *ctx, struct sl_error *err)
{
	const char *end = note + len, *split = NULL;
	struct sl_lines it;
	struct sl_note_sig s;
	size_t i, nsig = 0;
	int e;

	if (len == 0 || len > SL_NOTE_MAX)
		return sl_error_set(err, SL_EINVAL, "note is empty or longer than %d bytes", SL_NOTE_MAX);
	if (note[len - 1] != '\n')
		return sl_error_set(err, SL_EINVAL, "note does not end with a newline");
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)note[i];
		if ((ch < 0x20 && ch != '\n') || ch == 0x7f)
			return sl_error_set(err, SL_EINVAL, "note holds a control character");
		if (i + 1 < len && ch == '\n' && note[i + 1] == '\n')
			split = note + i;
	}
	if (!split)
		return sl_error_set(err, SL_EINVAL, "note has no blank line before its signatures");
	if ((e = parse_body(note, split + 1, c, err)) < 0)
		return e;
	if (text_len)
		*text_len = (size_t)(split + 1 - note);
	sl_lines_init(&it, split + 2, (size_t)(end - split - 2));
	while (sl_lines_next(&it)) {
		if (++nsig > SL_NOTE_SIGS_MAX)
			return sl_error_set(err, SL_EINVAL, "note has more than %d signatures",
					    SL_NOTE_SIGS_MAX);
		if ((e = parse_sigline(it.line, it.line + it.len, &s, err)) < 0)
			return e;
		if (fn && (e = fn(ctx, &s, note, (size_t)(split + 1 - note))) != 0)
			return e;
	}
	if (nsig == 0)
		return sl_error_set(err, SL_EINVAL, "note has no signature");
	return 0;
}

int sl_checkpoint_parse(const char *note, size_t len, struct sl_checkpoint *c, size_t *text_len,
			struct sl_error *err)
{
	return sl_checkpoint_walk(note, len, c, text_len, NULL, NULL, err);
}

struct vctx {
	const struct sl_vkey *vk;
	struct sl_error *err;
	int found;
};

static int check_sig(void *vctx, const struct sl_note_sig *s, const char *text, size_t text_len)
{
	struct vctx *v = vctx;

	if (s->name_len != strlen(v->vk->name) || memcmp(s->name, v->vk->name, s->name_len) != 0 ||
	    memcmp(s->id, v->vk->id, SL_KEYID_LEN) != 0)
		return 0; /* another key's signature */
	if (!sl_vkey_verify(v->vk, text, text_len, s->sig, s->sig_len))
		return sl_error_set(v->err, SL_EVERIFY, "the signature by '%s' does not verify",
				    v->vk->name);
	v->found = 1;
	return 1;
}

int sl_checkpoint_verify(const char *note, size_t len, const struct sl_vkey *vk,
			 struct sl_checkpoint *c, struct sl_error *err)
{
	struct vctx v = { vk, err, 0 };
	int e;

	/* A cosignature says a witness saw the checkpoint, not that the log signed it. */
	if (vk->type == SL_KEY_COSIG) {
		if ((e = sl_checkpoint_parse(note, len, c, NULL, err)) < 0)
			return e;
		return sl_error_set(err, SL_EVERIFY, "'%s' is a witness (cosignature) key, not a "
				    "log key", vk->name);
	}
	e = sl_checkpoint_walk(note, len, c, NULL, check_sig, &v, err);
	if (e < 0)
		return e;
	if (!v.found)
		return sl_error_set(err, SL_EVERIFY, "no signature by key '%s' (id %02x%02x%02x%02x)",
				    vk->name, vk->id[0], vk->id[1], vk->id[2], vk->id[3]);
	/* A verified note must still be well-formed to the end. */
	return sl_checkpoint_parse(note, len, c, NULL, err);
}
