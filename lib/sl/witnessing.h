// SPDX-License-Identifier: MIT
/*
 * Witnessing from the log's side and the auditor's side: asking witnesses
 * to cosign a checkpoint (C2SP tlog-witness, add-checkpoint), taking their
 * cosignatures (C2SP tlog-cosignature, checked with lib/sl/cosig.h), and
 * requiring a quorum of them on a checkpoint.  The witness server itself
 * is sl-witness.
 *
 * A witness is named on the command line as its verifier key, and for
 * the log's side its submission URL after an '@':
 *
 *   <name>+<8 hex key id>+<base64(0x04 || Ed25519 key)>[@<URL>]
 *
 * (base64 has no '@', so the first '@' after the key's second '+' starts
 * the URL).  The log POSTs to <URL>/add-checkpoint.
 */
#ifndef SL_WITNESSING_H
#define SL_WITNESSING_H

#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/checkpoint.h"
#include "sl/err.h"
#include "sl/merkle.h"

#define SL_WITNESS_URL_MAX 2048
#define SL_WITNESS_ANSWER_MAX 65536 /* a witness's answer longer than this is refused */
#define SL_WITNESS_CLIENT_PROOF_MAX 63 /* proof lines a client may send (C2SP tlog-witness) */

/*
 * A witness as a log or an auditor knows it (the server's own view is
 * lib/sl/witness.h): its cosigning key and, on the log's side, where it
 * takes checkpoints.
 */
struct sl_witness_peer {
	struct sl_vkey vk;               /* a cosignature key (type SL_KEY_COSIG) */
	char url[SL_WITNESS_URL_MAX + 1]; /* the submission prefix, "" when none was given */
};

/*
 * Parse a witness argument (above).  With need_url, the URL is required
 * (http:// or https://, no control characters or spaces); without, none
 * may be given.  SL_EUSAGE naming the fault; the key must be a
 * cosignature key.
 */
int sl_witness_parse(struct sl_witness_peer *w, const char *arg, int need_url,
		     struct sl_error *err) SL_WUR;

/* "name+hexid" of a key, for messages and the log's memory of a witness (into out). */
void sl_witness_id(const struct sl_vkey *vk, char out[SL_NOTE_NAME_MAX + 1 + 2 * SL_KEYID_LEN + 1]);

/*
 * Append the add-checkpoint request body: "old <old>\n", one base64 line
 * per proof hash, an empty line and the note.  SL_EUSAGE for more than
 * SL_WITNESS_CLIENT_PROOF_MAX hashes (the spec's bound; no consistency
 * proof of a tree below 2^63 entries is longer).
 */
int sl_witness_request_write(struct sl_buf *out, uint64_t old, const unsigned char (*proof)[SL_HASH_LEN],
		       size_t n, const char *note, size_t len) SL_WUR;

/*
 * Parse a 409 answer's body: a decimal tree size and a newline.
 * SL_EINVAL naming the fault.
 */
int sl_witness_conflict_size(const char *body, size_t len, uint64_t *size,
			     struct sl_error *err) SL_WUR;

/*
 * From a witness's 200 answer (body: signature lines), the first line by
 * vk that is a valid cosignature of note (a signed checkpoint; only its
 * text counts): appended to line with its newline.  Lines by other keys
 * are ignored.  SL_EVERIFY when none holds (the reason in err), SL_EINVAL
 * for a note that is not a checkpoint.
 */
int sl_witness_take(const char *note, size_t len, const char *body, size_t blen,
		    const struct sl_vkey *vk, struct sl_buf *line, struct sl_error *err) SL_WUR;

/*
 * Count the witnesses among ws (n of them) whose cosignature on note
 * holds, into *valid, and require `quorum` of them.  A public key counts
 * once, under whatever names it is given (a later one is not held).  0 when the quorum
 * is met; SL_EVERIFY otherwise, with err saying how many of which held and
 * why each other did not; SL_EINVAL for a malformed note.  held (may be
 * NULL; n entries) is set to 1 for each witness whose cosignature holds.
 */
int sl_witness_quorum(const char *note, size_t len, const struct sl_vkey *ws, size_t n,
		      size_t quorum, size_t *valid, int *held, struct sl_error *err) SL_WUR;

/*
 * The log's side (lib/ledger-witness.c): what became of one witness.
 */
struct sl_witness_outcome {
	int cosigned;   /* its valid cosignature is in the note */
	int transient;  /* failed in a way a retry may mend: no answer, timeout, 5xx */
	uint64_t size;  /* its tree size as the log now believes it */
	char why[SL_ERR_MSG]; /* why it failed, "" when it cosigned */
};

struct sl_ledger;
struct sl_http_client;

/*
 * Send the ledger's checkpoint note (its latest, signed by the ledger) to
 * the n witnesses at once with c, each with the consistency proof from
 * the size the ledger remembers for it (0 at first: no proof), once more
 * with the proof from the size a 409 gives; take each valid cosignature
 * (a witness answering anything else failed), and remember each witness's
 * size.  With at least `quorum` cosignatures the note with them appended
 * is stored as the ledger's newest checkpoint (the same tree head, its
 * note cosigned) and appended to cosigned; returns 0.  Otherwise nothing
 * more is stored and out[] says why each failed: SL_EIO when the
 * witnesses that failed for a reason a retry may mend could still make up
 * the quorum, else SL_EVERIFY.  With the quorum met, the errors of
 * sl_ledger_checkpoint_cosigned (SL_EVERIFY: a newer checkpoint was signed
 * meanwhile).  The witnesses' sizes are remembered as hints: failing to
 * keep them fails nothing.  out has n entries.
 */
int sl_ledger_witness(struct sl_ledger *l, const char *note, size_t len,
		      const struct sl_witness_peer *w, size_t n, size_t quorum, struct sl_http_client *c,
		      struct sl_witness_outcome *out, struct sl_buf *cosigned,
		      struct sl_error *err) SL_WUR;

#endif
