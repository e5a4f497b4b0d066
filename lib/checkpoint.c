// SPDX-License-Identifier: MIT
/*
 * Checkpoints as C2SP signed notes with ECDSA P-256 (signed-note type
 * 0x02), keys and their files.  See lib/sl/checkpoint.h for the formats.
 */
#include <bearssl/bearssl_ec.h>
#include <bearssl/bearssl_pem.h>
#include <bearssl/bearssl_rand.h>
#include <bearssl/bearssl_x509.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "sl/checkpoint.h"

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
#define NOTE_TYPE_ECDSA 0x02

static const char key_magic[] = "stateledger-key ";
static const char pem_begin[] = "-----BEGIN EC PRIVATE KEY-----\n";
static const char pem_end[] = "-----END EC PRIVATE KEY-----\n";

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

/* An origin line: 1-255 bytes without control characters (spaces allowed). */
static int origin_valid(const char *s, size_t len)
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
	return 0;
}

int sl_signer_generate(struct sl_signer *k, const char *name, struct sl_error *err)
{
	br_hmac_drbg_context rng;
	br_ec_private_key sk;
	unsigned char seed[48], kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
	size_t got = 0, n;
	int e;

	memset(k, 0, sizeof(*k));
	if (!sl_note_name_valid(name, strlen(name)))
		return sl_error_set(err, SL_EUSAGE,
				    "invalid key name '%.64s' (1-255 bytes, no space, control character or '+')",
				    name);
	/* 384 bits from the kernel's generator seed the DRBG that BearSSL draws from. */
	while (got < sizeof(seed)) {
		ssize_t r = getrandom(seed + got, sizeof(seed) - got, 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sl_error_set(err, sl_errno_code(errno),
					    "unable to get random bytes: %s", strerror(errno));
		}
		got += (size_t)r;
	}
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

int sl_signer_write(struct sl_buf *out, const struct sl_signer *k)
{
	br_ec_private_key sk;
	br_ec_public_key pk = { BR_EC_secp256r1, NULL, SL_EC_PUB_LEN };
	unsigned char priv[SL_EC_PRIV_LEN], pub[SL_EC_PUB_LEN], der[256];
	char pem[512];
	size_t n, m;

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
	m = br_pem_encode(NULL, der, n, "EC PRIVATE KEY", BR_PEM_LINE64);
	if (m == 0 || m >= sizeof(pem)) {
		wipe(der, sizeof(der));
		return SL_EINVAL;
	}
	br_pem_encode(pem, der, n, "EC PRIVATE KEY", BR_PEM_LINE64);
	wipe(der, sizeof(der));
	sl_buf_addstr(out, key_magic);
	sl_buf_addstr(out, k->name);
	sl_buf_addch(out, '\n');
	sl_buf_add(out, pem, m);
	wipe(pem, sizeof(pem));
	return sl_buf_ok(out);
}

/* The end of the line starting at p (the '\n' or end), within [p, end). */
static const char *eol(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl ? nl : end;
}

int sl_signer_parse(struct sl_signer *k, const char *text, size_t len, struct sl_error *err)
{
	br_skey_decoder_context dc;
	const br_ec_private_key *sk;
	struct sl_buf b64 = SL_BUF_INIT, der = SL_BUF_INIT;
	const char *p = text, *end = text + len, *nl;
	size_t ml = sizeof(key_magic) - 1;
	int e = SL_EINVAL;

	memset(k, 0, sizeof(*k));
	if (len > SL_KEY_FILE_MAX)
		return sl_error_set(err, SL_EINVAL, "key file longer than %d bytes", SL_KEY_FILE_MAX);
	nl = eol(p, end);
	if (nl == end || (size_t)(nl - p) < ml || memcmp(p, key_magic, ml) != 0) {
		sl_error_set(err, SL_EINVAL, "not a StateLedger key file (no 'stateledger-key NAME' line)");
		goto out;
	}
	if (!sl_note_name_valid(p + ml, (size_t)(nl - p) - ml)) {
		sl_error_set(err, SL_EINVAL, "invalid key name");
		goto out;
	}
	memcpy(k->name, p + ml, (size_t)(nl - p) - ml);
	p = nl + 1;
	if ((size_t)(end - p) < sizeof(pem_begin) - 1 ||
	    memcmp(p, pem_begin, sizeof(pem_begin) - 1) != 0) {
		sl_error_set(err, SL_EINVAL, "no '-----BEGIN EC PRIVATE KEY-----' line");
		goto out;
	}
	p += sizeof(pem_begin) - 1;
	for (;;) {
		nl = eol(p, end);
		if (nl == end) {
			sl_error_set(err, SL_EINVAL, "no '-----END EC PRIVATE KEY-----' line");
			goto out;
		}
		if ((size_t)(end - p) == sizeof(pem_end) - 1 &&
		    memcmp(p, pem_end, sizeof(pem_end) - 1) == 0)
			break;
		if (nl == p || nl - p > 76) {
			sl_error_set(err, SL_EINVAL, "malformed PEM line");
			goto out;
		}
		sl_buf_add(&b64, p, (size_t)(nl - p));
		p = nl + 1;
	}
	if ((e = sl_buf_ok(&b64)) < 0)
		goto out;
	if (sl_b64_decode(&der, b64.buf, b64.len) < 0) {
		e = sl_error_set(err, SL_EINVAL, "malformed base64 in the PEM block");
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

	raw[0] = NOTE_TYPE_ECDSA;
	sl_ec_spki(raw + 1, vk->pub);
	sl_buf_addstr(out, vk->name);
	sl_buf_addch(out, '+');
	sl_buf_addhex(out, vk->id, SL_KEYID_LEN);
	sl_buf_addch(out, '+');
	sl_b64_encode(out, raw, sizeof(raw));
	return sl_buf_ok(out);
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
	if (raw.len < 1 || (unsigned char)raw.buf[0] != NOTE_TYPE_ECDSA) {
		sl_error_set(err, SL_EINVAL, "verifier key: not an ECDSA (type 0x02) key");
		goto out;
	}
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
	if (!origin_valid(c->origin, strlen(c->origin)) || c->size > INT64_MAX)
		return SL_EINVAL;
	sl_buf_addstr(out, c->origin);
	sl_buf_addch(out, '\n');
	sl_buf_addu64(out, c->size);
	sl_buf_addch(out, '\n');
	sl_b64_encode(out, c->root, SL_HASH_LEN);
	sl_buf_addch(out, '\n');
	return sl_buf_ok(out);
}

int sl_signer_sign_digest(const struct sl_signer *k, const unsigned char h[SL_HASH_LEN],
			  unsigned char sig[SL_SIG_MAX], size_t *len, struct sl_error *err)
{
	unsigned char priv[SL_EC_PRIV_LEN];
	br_ec_private_key sk = { BR_EC_secp256r1, priv, sizeof(priv) };
	size_t n;

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

	if (len == 0 || len > SL_SIG_MAX)
		return 0;
	memcpy(q, vk->pub, sizeof(q));
	return br_ecdsa_i31_vrfy_asn1(br_ec_get_default(), h, SL_HASH_LEN, &pk, sig, len) == 1;
}

int sl_checkpoint_sign(struct sl_buf *out, const struct sl_checkpoint *c, const struct sl_signer *k,
		       struct sl_error *err)
{
	unsigned char h[SL_HASH_LEN], sig[SL_KEYID_LEN + SL_SIG_MAX];
	size_t start = out->len, n;
	int e;

	if ((e = sl_checkpoint_body(out, c)) < 0) {
		sl_buf_setlen(out, start);
		return e == SL_ENOMEM ? e : sl_error_set(err, e, "invalid checkpoint origin or size");
	}
	sl_sha256(h, out->buf + start, out->len - start);
	if ((e = sl_signer_sign_digest(k, h, sig + SL_KEYID_LEN, &n, err)) < 0) {
		sl_buf_setlen(out, start);
		return e;
	}
	memcpy(sig, k->vk.id, SL_KEYID_LEN);
	sl_buf_addch(out, '\n');
	sl_buf_addstr(out, SL_NOTE_SIG_PREFIX);
	sl_buf_addstr(out, k->name);
	sl_buf_addch(out, ' ');
	sl_b64_encode(out, sig, SL_KEYID_LEN + n);
	sl_buf_addch(out, '\n');
	return sl_buf_ok(out);
}

/* A signature line: the name and the decoded key id and signature. */
struct sigline {
	const char *name;
	size_t name_len;
	unsigned char id[SL_KEYID_LEN];
	unsigned char sig[SL_SIG_MAX];
	size_t sig_len;
};

/* Parse the signature line [p, nl); 0, or SL_EINVAL with the reason. */
static int parse_sigline(const char *p, const char *nl, struct sigline *s, struct sl_error *err)
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
	const char *nl = eol(p, end);
	uint64_t v = 0;
	int e;

	memset(c, 0, sizeof(*c));
	if (nl == end || !origin_valid(p, (size_t)(nl - p)))
		return sl_error_set(err, SL_EINVAL, "checkpoint: invalid origin line");
	memcpy(c->origin, p, (size_t)(nl - p));
	p = nl + 1;
	nl = eol(p, end);
	if (nl == end || nl == p || (*p == '0' && nl - p > 1))
		return sl_error_set(err, SL_EINVAL, "checkpoint: invalid tree size line");
	for (; p < nl; p++) {
		if (*p < '0' || *p > '9' || v > (INT64_MAX - (uint64_t)(*p - '0')) / 10)
			return sl_error_set(err, SL_EINVAL, "checkpoint: invalid tree size line");
		v = v * 10 + (uint64_t)(*p - '0');
	}
	c->size = v;
	p = nl + 1;
	nl = eol(p, end);
	if (nl == end)
		return sl_error_set(err, SL_EINVAL, "checkpoint: no root hash line");
	if (sl_b64_decode(&root, p, (size_t)(nl - p)) < 0 || root.len != SL_HASH_LEN) {
		e = sl_buf_ok(&root) < 0 ? SL_ENOMEM
					 : sl_error_set(err, SL_EINVAL,
							"checkpoint: root hash is not base64 of 32 bytes");
		sl_buf_release(&root);
		return e;
	}
	memcpy(c->root, root.buf, SL_HASH_LEN);
	sl_buf_release(&root);
	/* Extension lines: signed, kept in the text, each non-empty. */
	for (p = nl + 1; p < end; p = nl + 1) {
		nl = eol(p, end);
		if (nl == p)
			return sl_error_set(err, SL_EINVAL, "checkpoint: empty extension line");
	}
	return 0;
}

/*
 * Split and check the note; calls fn for each signature line (which may
 * stop the walk by returning non-zero).
 */
typedef int (*sig_fn)(void *ctx, const struct sigline *s, const char *text, size_t text_len);

static int walk(const char *note, size_t len, struct sl_checkpoint *c, size_t *text_len, sig_fn fn,
		void *ctx, struct sl_error *err)
{
	const char *end = note + len, *p, *nl, *split = NULL;
	struct sigline s;
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
	for (p = split + 2; p < end; p = nl + 1) {
		nl = eol(p, end);
		if (++nsig > SL_NOTE_SIGS_MAX)
			return sl_error_set(err, SL_EINVAL, "note has more than %d signatures",
					    SL_NOTE_SIGS_MAX);
		if ((e = parse_sigline(p, nl, &s, err)) < 0)
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
	return walk(note, len, c, text_len, NULL, NULL, err);
}

struct vctx {
	const struct sl_vkey *vk;
	struct sl_error *err;
	int found;
};

static int check_sig(void *vctx, const struct sigline *s, const char *text, size_t text_len)
{
	struct vctx *v = vctx;
	unsigned char h[SL_HASH_LEN];

	if (s->name_len != strlen(v->vk->name) || memcmp(s->name, v->vk->name, s->name_len) != 0 ||
	    memcmp(s->id, v->vk->id, SL_KEYID_LEN) != 0)
		return 0; /* another key's signature */
	sl_sha256(h, text, text_len);
	if (!sl_vkey_verify_digest(v->vk, h, s->sig, s->sig_len))
		return sl_error_set(v->err, SL_EVERIFY, "the signature by '%s' does not verify",
				    v->vk->name);
	v->found = 1;
	return 1;
}

int sl_checkpoint_verify(const char *note, size_t len, const struct sl_vkey *vk,
			 struct sl_checkpoint *c, struct sl_error *err)
{
	struct vctx v = { vk, err, 0 };
	int e = walk(note, len, c, NULL, check_sig, &v, err);

	if (e < 0)
		return e;
	if (!v.found)
		return sl_error_set(err, SL_EVERIFY, "no signature by key '%s' (id %02x%02x%02x%02x)",
				    vk->name, vk->id[0], vk->id[1], vk->id[2], vk->id[3]);
	/* A verified note must still be well-formed to the end. */
	return sl_checkpoint_parse(note, len, c, NULL, err);
}
