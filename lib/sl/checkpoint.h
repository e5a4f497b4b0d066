// SPDX-License-Identifier: MIT
/*
 * Checkpoints: C2SP tlog-checkpoint signed notes with ECDSA P-256
 * signatures (C2SP signed-note type 0x02), made and checked with BearSSL,
 * or Ed25519 signatures (type 0x01), made and checked with libsodium.
 *
 *   <origin>\n<size>\n<base64 root>\n[<extension line>\n...]
 *   \n
 *   \u2014 <key name> <base64(4-byte key id || DER ECDSA signature)>\n
 *   [more signature lines]
 *
 * The signed text is the note text: everything before the blank line, its
 * last newline included.
 *
 * ECDSA P-256 (type 0x02): the signature is over SHA-256 of the text, DER
 * (ASN.1) encoded.  The key id is the first 4 bytes of SHA-256 of the key's
 * DER SubjectPublicKeyInfo.  A verifier key is written
 * `<name>+<8 hex key id>+<base64(0x02 || DER SPKI)>`.
 *
 * Ed25519 (type 0x01): the signature is the 64-byte Ed25519 signature of
 * the text itself.  The key id is the first 4 bytes of
 * SHA-256(name || 0x0A || 0x01 || 32-byte public key), and a verifier key is
 * `<name>+<8 hex key id>+<base64(0x01 || public key)>`.
 *
 * A signing key (struct sl_signer) lives in a private key file whose PEM
 * block says its type:
 *
 *   stateledger-key <name>\n
 *   -----BEGIN EC PRIVATE KEY-----\n
 *   <base64 of the RFC 5915 ECPrivateKey DER, 64 columns>\n
 *   -----END EC PRIVATE KEY-----\n
 *
 * for ECDSA P-256, and for Ed25519 the RFC 8410 PKCS#8 form (OID
 * 1.3.101.112, the 32-byte seed):
 *
 *   stateledger-key <name>\n
 *   -----BEGIN PRIVATE KEY-----\n
 *   <base64 of the 48-byte PKCS#8 OneAsymmetricKey DER>\n
 *   -----END PRIVATE KEY-----\n
 *
 * A witness (cosignature, type 0x04) key is an Ed25519 key file whose
 * first line says so: `stateledger-key <name> cosignature`.
 *
 * (OpenSSL skips the first line and reads the rest: `openssl pkey -in FILE`.)
 *
 * Parsing of notes and keys is strict: they come from untrusted places.
 * Secret material stays inside struct sl_signer; sl_signer_wipe() clears it.
 */
#ifndef SL_CHECKPOINT_H
#define SL_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/hash.h"

#define SL_NOTE_NAME_MAX 255   /* key names and origins: at most this many bytes */
#define SL_NOTE_MAX 65536      /* a note longer than this is rejected */
#define SL_NOTE_SIGS_MAX 100   /* signature lines in one note */
#define SL_KEYID_LEN 4
#define SL_EC_PUB_LEN 65       /* 0x04 || X || Y */
#define SL_EC_PRIV_LEN 32
#define SL_SPKI_LEN 91         /* DER SubjectPublicKeyInfo of a P-256 key */
#define SL_KEY_FILE_MAX 4096
#define SL_SIG_MAX 80          /* a DER ECDSA P-256 signature is at most 72 bytes */
#define SL_ED25519_PUB_LEN 32
#define SL_ED25519_SIG_LEN 64

/*
 * Key types: their C2SP signed-note signature type bytes.  SL_KEY_COSIG is
 * a witness key: Ed25519, signing C2SP tlog-cosignature/v1 cosignatures
 * only (lib/sl/cosig.h), never a note or a digest; its key id and verifier
 * key are those of Ed25519 with 0x04 in place of 0x01.
 */
#define SL_KEY_ED25519 0x01
#define SL_KEY_ECDSA 0x02
#define SL_KEY_COSIG 0x04

/* The signed-note form of an em dash and a space, which start a signature line. */
#define SL_NOTE_SIG_PREFIX "\xe2\x80\x94 "

/* A verifier (public) key. */
struct sl_vkey {
	char name[SL_NOTE_NAME_MAX + 1];
	unsigned char id[SL_KEYID_LEN];
	/* ECDSA P-256: 0x04 || X || Y; Ed25519 and cosignature: the 32-byte key, then zeros. */
	unsigned char pub[SL_EC_PUB_LEN];
	/* SL_KEY_ED25519, SL_KEY_COSIG, or ECDSA (SL_KEY_ECDSA; 0 reads as ECDSA) */
	unsigned char type;
};

/*
 * A signing key with its name; holds the private scalar (ECDSA) or the
 * 32-byte seed (Ed25519).  Its type is vk.type.
 */
struct sl_signer {
	char name[SL_NOTE_NAME_MAX + 1];
	unsigned char priv[SL_EC_PRIV_LEN];
	struct sl_vkey vk;
};

/* The body of a checkpoint. */
struct sl_checkpoint {
	char origin[SL_NOTE_NAME_MAX + 1];
	uint64_t size;
	unsigned char root[SL_HASH_LEN];
};

/*
 * A valid key name: 1-255 bytes, none of them a control character, a
 * space or '+' (bytes >= 0x80 are allowed, so UTF-8 names pass).
 */
int sl_note_name_valid(const char *s, size_t len);
/* A valid origin line: 1-255 bytes without control characters (spaces allowed). */
int sl_note_origin_valid(const char *s, size_t len);

/* The DER SubjectPublicKeyInfo of a P-256 public point (SL_SPKI_LEN bytes into out). */
void sl_ec_spki(unsigned char out[SL_SPKI_LEN], const unsigned char pub[SL_EC_PUB_LEN]);

/*
 * Make a new P-256 key named `name` from the system's randomness
 * (getrandom(2) seeding an HMAC-DRBG).  SL_EUSAGE for an invalid name,
 * SL_EIO when no randomness can be had.
 */
int sl_signer_generate(struct sl_signer *k, const char *name, struct sl_error *err) SL_WUR;
/*
 * As sl_signer_generate, of the given type: SL_KEY_ECDSA, SL_KEY_ED25519
 * or SL_KEY_COSIG (a 32-byte seed from getrandom(2)).  SL_EUSAGE for
 * another type.
 */
int sl_signer_generate_type(struct sl_signer *k, int type, const char *name,
			    struct sl_error *err) SL_WUR;
/* The name of a key type ("ecdsa", "ed25519", "cosignature") and back (0 when unknown). */
const char *sl_key_type_name(int type);
int sl_key_type_parse(const char *s);
/* Append the private key file text of k to out. */
int sl_signer_write(struct sl_buf *out, const struct sl_signer *k) SL_WUR;
/* Parse a private key file; SL_EINVAL naming the fault.  k is wiped on failure. */
int sl_signer_parse(struct sl_signer *k, const char *text, size_t len,
		    struct sl_error *err) SL_WUR;
/* Clear the secret (and everything else) in k. */
void sl_signer_wipe(struct sl_signer *k);

/*
 * The one signature module: everything StateLedger signs (checkpoints,
 * audit envelopes) is signed and checked in these four functions.
 *
 * Sign the message msg (len bytes) with k as signed-note signature type
 * k->vk.type asks: ECDSA signs SHA-256(msg), DER encoded; Ed25519 (and a
 * cosignature key, for lib/cosig.c, which builds the message) signs msg
 * itself (64 bytes).  The signature goes into sig, its length into *sig_len.
 * SL_EINVAL when k holds no valid private key.
 */
int sl_signer_sign(const struct sl_signer *k, const void *msg, size_t len,
		   unsigned char sig[SL_SIG_MAX], size_t *sig_len, struct sl_error *err) SL_WUR;
/* 1 when sig (len bytes) is vk's signature of msg (mlen bytes), else 0. */
int sl_vkey_verify(const struct sl_vkey *vk, const void *msg, size_t mlen,
		   const unsigned char *sig, size_t len) SL_WUR;
/*
 * Sign the digest h with k: for ECDSA the DER signature of h, for Ed25519
 * the signature of the 32 bytes of h as the message.  The signature goes
 * into sig, its length into *len.  SL_EINVAL when k holds no valid
 * private key, SL_EUSAGE for a cosignature key.
 */
int sl_signer_sign_digest(const struct sl_signer *k, const unsigned char h[SL_HASH_LEN],
			  unsigned char sig[SL_SIG_MAX], size_t *len, struct sl_error *err) SL_WUR;
/* 1 when sig (len bytes) is vk's signature of the digest h (as above), else 0 (always for a cosignature key). */
int sl_vkey_verify_digest(const struct sl_vkey *vk, const unsigned char h[SL_HASH_LEN],
			  const unsigned char *sig, size_t len) SL_WUR;
/* 1 when a and b are the same key: type, name, id and public key. */
int sl_vkey_equal(const struct sl_vkey *a, const struct sl_vkey *b);
/*
 * 1 when a and b hold the same public key of the same type, whatever their
 * names (and so key ids): one signer.  A signature's message need not name
 * its signer (a cosignature's does not), so a line by one such key holds,
 * renamed, for the other.
 */
int sl_vkey_same_key(const struct sl_vkey *a, const struct sl_vkey *b);
/*
 * 1 when the list s (len bytes: verifier keys, one a line, as the ledger
 * stores the keys that signed a checkpoint) holds a line that parses to the
 * key vk, else 0.
 */
int sl_vkey_list_has(const char *s, size_t len, const struct sl_vkey *vk);

/* Append the verifier key in signed-note form (no newline) to out. */
int sl_vkey_format(struct sl_buf *out, const struct sl_vkey *vk) SL_WUR;
/*
 * Parse a verifier key `<name>+<hex id>+<base64(type || key)>`: type 0x02
 * with the SPKI of a P-256 key on the curve, type 0x01 (a log key) or 0x04
 * (a witness key) with a 32-byte Ed25519 key; the id must be that of the key.  SL_EINVAL with the reason
 * otherwise.
 */
int sl_vkey_parse(struct sl_vkey *vk, const char *s, size_t len, struct sl_error *err) SL_WUR;

/* Append the note text "<origin>\n<size>\n<base64 root>\n" of c to out. */
int sl_checkpoint_body(struct sl_buf *out, const struct sl_checkpoint *c) SL_WUR;
/* Append the whole signed note of c, signed by k, to out. */
int sl_checkpoint_sign(struct sl_buf *out, const struct sl_checkpoint *c, const struct sl_signer *k,
		       struct sl_error *err) SL_WUR;
/*
 * Append the signed note of c with one signature line by each of the n
 * keys (n >= 1), in their order.  SL_EUSAGE when two keys have the same
 * name and key id, or one is a cosignature key (nothing is appended then).
 */
int sl_checkpoint_sign_keys(struct sl_buf *out, const struct sl_checkpoint *c,
			    const struct sl_signer *keys, size_t n, struct sl_error *err) SL_WUR;

/*
 * Parse a signed note strictly without checking any signature: the text
 * must be a checkpoint (origin, decimal size without leading zeros, base64
 * of a 32-byte root, optional non-empty extension lines), followed by a
 * blank line and 1 to SL_NOTE_SIGS_MAX well-formed signature lines, the
 * whole ending in a newline.  Fills c; *text_len (may be NULL) is the
 * length of the signed text.  SL_EINVAL with the reason otherwise.
 */
int sl_checkpoint_parse(const char *note, size_t len, struct sl_checkpoint *c, size_t *text_len,
			struct sl_error *err) SL_WUR;
/* One signature line of a note: the key name, and the decoded key id and signature. */
struct sl_note_sig {
	const char *name; /* into the note, not NUL-terminated */
	size_t name_len;
	unsigned char id[SL_KEYID_LEN];
	unsigned char sig[SL_SIG_MAX];
	size_t sig_len; /* 0 when the signature is longer than SL_SIG_MAX (it is kept to be ignored) */
};
/*
 * Called for each signature line with the signed text (text_len bytes: the
 * checkpoint body, its last newline included); non-zero stops the walk,
 * and sl_checkpoint_walk returns it.
 */
typedef int (*sl_note_sig_fn)(void *ctx, const struct sl_note_sig *s, const char *text,
			      size_t text_len);
/*
 * As sl_checkpoint_parse, calling fn (may be NULL) for each signature line
 * in order as it is parsed.  When fn stops the walk, the lines after that
 * one are not checked: parse the whole note again before trusting it.
 */
int sl_checkpoint_walk(const char *note, size_t len, struct sl_checkpoint *c, size_t *text_len,
		       sl_note_sig_fn fn, void *ctx, struct sl_error *err) SL_WUR;

/*
 * Parse the note and check that it carries a valid signature by vk (a
 * signature line with vk's name and key id whose signature holds).
 * Signatures by other keys are ignored.  Returns 0 with c filled;
 * SL_EINVAL for a malformed note, SL_EVERIFY when no signature by vk holds
 * (always for a cosignature key: a witness's cosignature is no log signature).
 */
int sl_checkpoint_verify(const char *note, size_t len, const struct sl_vkey *vk,
			 struct sl_checkpoint *c, struct sl_error *err) SL_WUR;

/*
 * Checkpoints of a ledger (lib/ledger-checkpoint.c).
 */
struct sl_ledger;

/* sl_ledger_checkpoint flags: sign even when the last checkpoint covers the head. */
#define SL_CHECKPOINT_FORCE 1u
/*
 * sl_ledger_checkpoint flags: the new checkpoint is kept but not published
 * until witnesses cosign it (sl_ledger_checkpoint_cosigned): it is marked
 * pending in the transaction that stores it.  Storing any other checkpoint
 * (one signed without this flag, or the cosigned one) clears the mark.
 */
#define SL_CHECKPOINT_PENDING 2u

/*
 * Sign the ledger's current head with its origin and k, and keep the note
 * with k's verifier key, in one write transaction.  The head must be
 * consistent with the last checkpoint the ledger signed: the consistency
 * proof from the stored nodes must verify against both signed roots, else
 * SL_EVERIFY (nothing is stored).  The note is appended to `note`; returns 0.
 *
 * When the last checkpoint already covers the head (the same size and
 * root) and was signed by k, nothing is signed or stored unless flags has
 * SL_CHECKPOINT_FORCE: that checkpoint's note is appended to `note`
 * instead and the return value is 1.
 */
int sl_ledger_checkpoint(struct sl_ledger *l, const struct sl_signer *k, unsigned flags,
			 struct sl_buf *note, struct sl_error *err) SL_WUR;
/*
 * As sl_ledger_checkpoint, signed by each of the n keys (n >= 1): the note
 * carries one signature line per key, in their order, and the ledger keeps
 * their verifier keys beside it, one a line.  SL_EUSAGE for a key given
 * twice.  The last checkpoint is "signed by the keys" when it was signed by
 * the same keys in the same order.
 */
int sl_ledger_checkpoint_keys(struct sl_ledger *l, const struct sl_signer *keys, size_t n,
			      unsigned flags, struct sl_buf *note, struct sl_error *err) SL_WUR;

/*
 * Keep a checkpoint signed elsewhere, as signed (sl-copy): the note (len
 * bytes) must carry a valid signature by each of the verifier keys in
 * vkey (signed-note form, one a line), which are kept beside it; its
 * origin must be the ledger's, its size within the head, and its root the
 * root of the ledger's stored tree at that size, else SL_EVERIFY saying
 * which (nothing is stored).  One write transaction.
 */
int sl_ledger_checkpoint_put(struct sl_ledger *l, const char *note, size_t len, const char *vkey,
			     struct sl_error *err) SL_WUR;
/*
 * sl_ledger_checkpoint_put, when the ledger's newest checkpoint is the
 * note `after` (no checkpoint at all when after is NULL), in the same
 * write transaction: so that two writers copying the same checkpoints
 * in order never store one twice.  1 (nothing stored) when the newest is
 * the note itself; SL_EBUSY when it is another.
 */
int sl_ledger_checkpoint_put_after(struct sl_ledger *l, const char *note, size_t len, const char *vkey,
				   const char *after, size_t after_len, struct sl_error *err) SL_WUR;
/*
 * The checks of sl_ledger_checkpoint_put without storing anything, inside
 * the caller's read transaction (sl-copy checks a source's checkpoints
 * against the source before it writes).
 */
int sl_ledger_checkpoint_check(struct sl_ledger *l, const char *note, size_t len, const char *vkey,
			       struct sl_error *err) SL_WUR;
/*
 * Keep `note`, the ledger's newest checkpoint with more signature lines
 * appended (witnesses' cosignatures), as its newest checkpoint: a new
 * row of the same tree head, so that every note the ledger signed stays
 * kept as it was.  The note's text must be the newest stored note's text
 * (else SL_EVERIFY: a newer one was signed meanwhile, and nothing is
 * stored) and its signatures by the keys kept beside that one must hold.
 */
int sl_ledger_checkpoint_cosigned(struct sl_ledger *l, const char *note, size_t len,
				  struct sl_error *err) SL_WUR;

/*
 * The published checkpoint's note (replacing out's contents): the newest
 * stored one unless it is pending (signed with SL_CHECKPOINT_PENDING and
 * not yet cosigned), then the newest before it; SL_ENOTFOUND if none.  This
 * is what the ledger serves and builds on (/checkpoint, tiles, snapshots).
 */
int sl_ledger_published_checkpoint(struct sl_ledger *l, struct sl_buf *out,
				   struct sl_error *err) SL_WUR;
/*
 * As sl_ledger_published_checkpoint inside the caller's transaction, with
 * its id and its verifier keys (vkey, replaced as note is).
 */
int sl_ledger_published_in(struct sl_ledger *l, uint64_t *id, struct sl_buf *note,
			   struct sl_buf *vkey, struct sl_error *err) SL_WUR;

/*
 * The pending checkpoint's id (the newest, signed with
 * SL_CHECKPOINT_PENDING and not yet cosigned) in *id, 0 when none; inside
 * the caller's transaction.  SL_ECORRUPT if the mark is not an id.
 */
int sl_ledger_pending_in(struct sl_ledger *l, uint64_t *id, struct sl_error *err) SL_WUR;
/*
 * Mark checkpoint id as pending (0: clear the mark), in a write transaction
 * of its own; writes nothing when the mark is already so.  SL_EINVAL if id
 * is not the newest checkpoint: only the newest can await its witnesses.
 */
int sl_ledger_pending_set(struct sl_ledger *l, uint64_t id, struct sl_error *err) SL_WUR;

/*
 * The last stored checkpoint's note (replacing out's contents), published
 * or not; SL_ENOTFOUND if none.
 */
int sl_ledger_last_checkpoint(struct sl_ledger *l, struct sl_buf *out,
			      struct sl_error *err) SL_WUR;

/*
 * Check every stored checkpoint in order: its note parses and carries a
 * valid signature by each of its stored verifier keys, its origin is the ledger's,
 * its size is within the head and its root is the root of the stored tree
 * at that size, and a consistency proof from the stored nodes holds
 * between it and the one before.  Call after sl_ledger_verify, which
 * checks the nodes.  Memory does not grow with the number of checkpoints.
 * 0 with *count set; SL_EVERIFY with *bad_id naming the first bad one.
 */
int sl_ledger_verify_checkpoints(struct sl_ledger *l, uint64_t *count, uint64_t *bad_id,
				 struct sl_error *err) SL_WUR;

/* One checkpoint that held, as sl_ledger_verify_checkpoints_by reports it. */
struct sl_checkpoint_seen {
	uint64_t id;                   /* its id, 1, 2, ... in signing order */
	uint64_t size;                 /* its signed tree size */
	const unsigned char *root;     /* its signed root, SL_HASH_LEN bytes */
	const char *vkey;              /* the verifier keys stored beside it, signed-note form, one a line */
	const struct sl_vkey *trusted; /* the first of the caller's keys that signed it, or NULL */
};
/* Called once per good checkpoint, in id order; a negative return stops the check with it. */
typedef int (*sl_checkpoint_seen_fn)(void *ctx, const struct sl_checkpoint_seen *c);

/*
 * As sl_ledger_verify_checkpoints, and with nkeys > 0 also against keys the
 * caller trusts: every checkpoint must carry a valid signature by one of
 * them, else SL_EVERIFY naming it (the key stored beside a checkpoint in
 * the ledger is checked too, but vouches for nothing: whoever can write
 * the database can write a key there).  With last_only, only the newest
 * checkpoint is checked (*count is 0 or 1), not its consistency with the
 * ones before.  seen, when not NULL, is called for each checkpoint that
 * held; the pointers in *c live until it returns.
 */
int sl_ledger_verify_checkpoints_by(struct sl_ledger *l, const struct sl_vkey *keys, size_t nkeys,
				    int last_only, sl_checkpoint_seen_fn seen, void *ctx,
				    uint64_t *count, uint64_t *bad_id, struct sl_error *err) SL_WUR;

#endif
