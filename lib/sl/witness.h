// SPDX-License-Identifier: MIT
/*
 * A witness: C2SP tlog-witness add-checkpoint, answered with C2SP
 * tlog-cosignature/v1 cosignatures (lib/sl/cosig.h).
 *
 * lib/witness.c checks a request (the protocol: which logs are trusted,
 * the log's signature, the old size, the consistency proof) and
 * lib/witness-state.c keeps what the witness has seen, in a directory:
 *
 *   DIR/<64 hex SHA-256 of the origin>/
 *       lock        flock(2)ed while a request for the origin is checked and kept
 *       checkpoint  the latest cosigned checkpoint: the log's note with the
 *                   witness's cosignature line(s), replaced atomically (write,
 *                   fsync, rename, fsync of the directory)
 *       cosigned    every checkpoint ever cosigned, appended and fsynced before
 *                   the answer: records "size N\ntime T\nbytes B\n" then the B
 *                   bytes of the cosigned note
 *       refused     the same records of the checkpoints its log signed that were
 *                   refused as inconsistent (422): what a split view leaves behind
 *
 * A directory exists only for an origin the witness is configured to trust;
 * its name is a hash, so nothing a request says ever becomes a path.
 *
 * The log configuration is text, one trusted log key a line:
 *
 *   <verifier key>[ <origin>]
 *
 * the origin defaulting to the key's name (a StateLedger log's key is named
 * by its origin).  Lines with one origin give that log several keys; empty
 * lines and lines starting with '#' are skipped.  The witness accepts a
 * checkpoint when it carries a valid signature by one of its log's keys
 * and no signature line by one of them fails.
 */
#ifndef SL_WITNESS_H
#define SL_WITNESS_H

#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/checkpoint.h"
#include "sl/err.h"
#include "sl/hash.h"

#define SL_WITNESS_LOG_KEYS 8      /* keys of one log */
#define SL_WITNESS_LOGS_MAX 4096   /* logs of one witness */
#define SL_WITNESS_PROOF_MAX 63    /* consistency proof lines, as the spec bounds them */
/* The largest add-checkpoint body: the old size line, 63 proof lines, a blank line, a note. */
#define SL_WITNESS_BODY_MAX (32 + SL_WITNESS_PROOF_MAX * 46 + 1 + SL_NOTE_MAX)
#define SL_WITNESS_CONFIG_MAX (4u << 20)

/* The HTTP status codes of tlog-witness: what sl_witness_add_checkpoint answers. */
#define SL_WITNESS_OK 200
#define SL_WITNESS_BAD_REQUEST 400  /* malformed body, old size over the checkpoint's */
#define SL_WITNESS_FORBIDDEN 403    /* no valid signature by a trusted key, or a bad one */
#define SL_WITNESS_UNKNOWN_LOG 404  /* the origin is not a log the witness trusts */
#define SL_WITNESS_CONFLICT 409     /* the old size is not the size last cosigned */
#define SL_WITNESS_UNPROCESSABLE 422 /* the proof does not hold, or roots differ */

/* A log the witness trusts: its origin and its keys. */
struct sl_witness_log {
	char origin[SL_NOTE_NAME_MAX + 1];
	struct sl_vkey keys[SL_WITNESS_LOG_KEYS];
	size_t nkeys;
};

struct sl_witness_config {
	struct sl_witness_log *logs;
	size_t n, cap;
};

#define SL_WITNESS_CONFIG_INIT { NULL, 0, 0 }
void sl_witness_config_release(struct sl_witness_config *c);
/*
 * Trust vk for the log `origin` (NULL: vk's name).  SL_EINVAL for an
 * origin that is no valid origin line, a cosignature key, a key given
 * twice; SL_EUSAGE past SL_WITNESS_LOG_KEYS or SL_WITNESS_LOGS_MAX.
 */
int sl_witness_config_add(struct sl_witness_config *c, const struct sl_vkey *vk,
			  const char *origin, struct sl_error *err) SL_WUR;
/* Parse a configuration text (format above); SL_EINVAL with err->line naming the line. */
int sl_witness_config_parse(struct sl_witness_config *c, const char *text, size_t len,
			    struct sl_error *err) SL_WUR;
/* The log of this origin (len bytes), or NULL. */
const struct sl_witness_log *sl_witness_config_find(const struct sl_witness_config *c,
						    const char *origin, size_t len);

/* An add-checkpoint request body, parsed: pointers into the body. */
struct sl_witness_request {
	uint64_t old;
	unsigned char proof[SL_WITNESS_PROOF_MAX][SL_HASH_LEN];
	size_t nproof;
	const char *note; /* the checkpoint note, to the end of the body */
	size_t note_len;
	struct sl_checkpoint c;
	size_t text_len; /* the note's signed text */
};

/*
 * Parse an add-checkpoint body strictly: "old N\n" (decimal, no leading
 * zero), at most SL_WITNESS_PROOF_MAX lines of base64 of 32 bytes, an
 * empty line, and a checkpoint note (sl_checkpoint_parse).  SL_EINVAL
 * naming the fault.
 */
int sl_witness_request_parse(struct sl_witness_request *r, const char *body, size_t len,
			     struct sl_error *err) SL_WUR;

/*
 * Check the log's signature on r's note against the log's keys: 0 when
 * one holds and none that matches a key's name and id fails; SL_EVERIFY
 * naming the reason otherwise.
 */
int sl_witness_log_signed(const struct sl_witness_log *log, const struct sl_witness_request *r,
			  struct sl_error *err) SL_WUR;

/*
 * Check r against the size and root the witness last cosigned (0 and
 * unused when none): the status of the answer, SL_WITNESS_OK when the
 * checkpoint may be cosigned, else SL_WITNESS_BAD_REQUEST (old size over
 * the checkpoint's), SL_WITNESS_CONFLICT (old size is not `size`) or
 * SL_WITNESS_UNPROCESSABLE (an empty tree with another root, a proof from
 * 0, a consistency proof that does not hold), with err saying why.
 */
int sl_witness_check_growth(const struct sl_witness_request *r, uint64_t size,
			    const unsigned char root[SL_HASH_LEN], struct sl_error *err);

/* What a witness needs to answer: its state directory, its logs, its key. */
struct sl_witness {
	const char *dir;
	const struct sl_witness_config *config;
	const struct sl_signer *key; /* a cosignature key (SL_KEY_COSIG) */
};

/*
 * Answer one add-checkpoint body at time `now` (POSIX seconds, > 0): the
 * HTTP status, with the answer's body appended to out: the cosignature
 * line for SL_WITNESS_OK, "<size>\n" for SL_WITNESS_CONFLICT, and for the
 * others nothing (err says why).  A checkpoint the log signed that is
 * refused as inconsistent (SL_WITNESS_UNPROCESSABLE) is kept in the
 * `refused` file.  A note with no room for the cosignature (SL_NOTE_SIGS_MAX
 * lines or SL_NOTE_MAX bytes with it) is SL_WITNESS_BAD_REQUEST.  The check of the old size and the
 * keeping of the new checkpoint happen under the origin's lock, so two
 * requests never both grow from one size; the new checkpoint is durable
 * before SL_WITNESS_OK is returned.  A negative SL_E... code (SL_EIO,
 * SL_ENOMEM) when the state cannot be read or kept: nothing was cosigned.
 */
int sl_witness_add_checkpoint(const struct sl_witness *w, const char *body, size_t len,
			      uint64_t now, struct sl_buf *out, struct sl_error *err) SL_WUR;

/*
 * State (lib/witness-state.c).  The directory name of an origin: 64
 * lowercase hex digits of SHA-256(origin), NUL-terminated.
 */
void sl_witness_origin_hash(char out[2 * SL_HASH_LEN + 1], const char *origin, size_t len);

/* An origin's state, locked: the latest cosigned note. */
struct sl_witness_state {
	int lock_fd;
	struct sl_buf note;  /* "" when nothing was cosigned yet */
	uint64_t size;       /* its size, 0 when none */
	unsigned char root[SL_HASH_LEN];
	char path[4096];     /* the origin's directory */
};

/*
 * Lock the origin's state in dir (creating its directory, mode 0700, on
 * first use) and read it.  A latest checkpoint that is missing while the
 * evidence holds records is restored from the last whole record (a torn
 * last one is skipped), never read as "nothing cosigned".  SL_ECORRUPT
 * when the stored note or an evidence record does not parse, SL_EIO when
 * a file cannot be read.  Release with
 * sl_witness_state_unlock, whatever happened after.
 */
int sl_witness_state_lock(struct sl_witness_state *s, const char *dir, const char *origin,
			  struct sl_error *err) SL_WUR;
/*
 * Keep `cosigned` (len bytes: the log's note with the cosignature lines)
 * of size `size` cosigned at `ts`: appended to the evidence and fsynced,
 * then made the latest checkpoint atomically.
 */
int sl_witness_state_keep(struct sl_witness_state *s, const char *cosigned, size_t len,
			  uint64_t size, uint64_t ts, struct sl_error *err) SL_WUR;
/*
 * Keep a checkpoint the log signed but the witness refused as
 * inconsistent (422: a possible split view, the proof of the log's
 * misbehaviour), appended to the origin's `refused` file as the evidence
 * is, at time ts; each checkpoint text once (a marker per text in
 * `refused.d/`), however often it comes.
 */
int sl_witness_state_refused(struct sl_witness_state *s, const char *note, size_t len,
			     uint64_t size, uint64_t ts, struct sl_error *err) SL_WUR;
void sl_witness_state_unlock(struct sl_witness_state *s);

/*
 * The latest cosigned note of the origin whose hash is `hash` (64
 * lowercase hex digits, as a monitor asks for it), appended to out.
 * SL_ENOTFOUND when the hash is malformed or nothing was cosigned for it.
 */
int sl_witness_latest(const char *dir, const char *hash, struct sl_buf *out,
		      struct sl_error *err) SL_WUR;

#endif
