// SPDX-License-Identifier: MIT
/*
 * Witness cosignatures: C2SP tlog-cosignature/v1 with Ed25519 (signed-note
 * signature type 0x04).
 *
 * A witness key is a struct sl_signer whose vk.type is SL_KEY_COSIG
 * (lib/sl/checkpoint.h): an Ed25519 key whose key id is the first 4 bytes
 * of SHA-256(name || 0x0A || 0x04 || 32-byte public key), and whose
 * verifier key is `<name>+<8 hex id>+<base64(0x04 || public key)>`.
 *
 * A cosignature is one more signature line on a checkpoint's signed note:
 *
 *   \u2014 <witness name> base64(key id (4) || timestamp (8, big-endian) || signature (64))\n
 *
 * where the signature is the Ed25519 signature of the message
 *
 *   cosignature/v1\n
 *   time <timestamp, decimal, no leading zeros>\n
 *   <the checkpoint's note text: origin, size, root, extension lines, each with its newline>
 *
 * and the timestamp is the POSIX time of cosigning, at most 2^63 - 1.  By
 * it the witness says that, as of that time, this is the largest tree it
 * has seen of the log named by the origin line, consistent with every one
 * it saw before.  A cosignature is not the log's signature, nor the other
 * way round: the key ids differ by the type byte, and sl_checkpoint_verify
 * refuses a cosignature key.
 */
#ifndef SL_COSIG_H
#define SL_COSIG_H

#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/checkpoint.h"
#include "sl/err.h"

#define SL_COSIG_HEADER "cosignature/v1\n"
#define SL_COSIG_TS_LEN 8
/* The decoded signature after the key id: timestamp || Ed25519 signature. */
#define SL_COSIG_LEN (SL_COSIG_TS_LEN + SL_ED25519_SIG_LEN)
#define SL_COSIG_TS_MAX ((uint64_t)INT64_MAX)

/*
 * Append to out the message a cosignature at `timestamp` signs for the
 * note text `text` (text_len bytes, ending in its newline, no signature
 * lines): SL_COSIG_HEADER, "time <timestamp>\n", then the text.
 */
int sl_cosig_message(struct sl_buf *out, uint64_t timestamp, const char *text,
		     size_t text_len) SL_WUR;

/*
 * Cosign the checkpoint in the signed note `note` (note_len bytes; it must
 * parse as sl_checkpoint_parse asks, and its signatures are not checked
 * here) with the witness key w at `timestamp`: append the one signature
 * line, newline included, to out.  SL_EUSAGE when w is not a cosignature
 * key or the timestamp is over SL_COSIG_TS_MAX, SL_EINVAL for a malformed
 * note; out is unchanged on failure.
 */
int sl_cosig_sign(struct sl_buf *out, const struct sl_signer *w, uint64_t timestamp,
		  const char *note, size_t note_len, struct sl_error *err) SL_WUR;

/*
 * 0 when the note (len bytes) carries a valid cosignature by the witness
 * key w: the first signature line with w's name and key id holds a
 * 72-byte timestamped signature, its timestamp is at most SL_COSIG_TS_MAX,
 * and the signature holds; *timestamp (may be NULL) is then its time.
 * Signature lines by other keys are ignored.  SL_EVERIFY naming the reason
 * when no such line is there or it does not hold, or w is not a
 * cosignature key (a log key's signature is no cosignature); SL_EINVAL
 * for a malformed note.
 */
int sl_cosig_verify(const char *note, size_t len, const struct sl_vkey *w, uint64_t *timestamp,
		    struct sl_error *err) SL_WUR;

#endif
