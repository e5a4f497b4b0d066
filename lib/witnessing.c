// SPDX-License-Identifier: MIT
/*
 * Witnessing: the add-checkpoint request and answers (C2SP tlog-witness)
 * and the cosignature quorum an auditor requires.  No network here (that
 * is lib/ledger-witness.c), so a verifier links none.
 */
#include <stdio.h>
#include <string.h>

#include "sl/cosig.h"
#include "sl/hash.h"
#include "sl/linereader.h"
#include "sl/witnessing.h"

int sl_witness_parse(struct sl_witness_peer *w, const char *arg, int need_url, struct sl_error *err)
{
	const char *p1 = strchr(arg, '+'), *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
	const char *at = p2 ? strchr(p2, '@') : NULL, *u;
	size_t klen = at ? (size_t)(at - arg) : strlen(arg);
	struct sl_error kerr = { 0 };

	memset(w, 0, sizeof(*w));
	if (sl_vkey_parse(&w->vk, arg, klen, &kerr) < 0)
		return sl_error_set(err, SL_EUSAGE, "not a witness key: %s", kerr.msg);
	if (w->vk.type != SL_KEY_COSIG)
		return sl_error_set(err, SL_EUSAGE, "not a witness key: a cosignature key (type 0x04, "
				    "sl-keygen --type cosignature) is needed, not a log's key");
	if (!at) {
		if (need_url)
			return sl_error_set(err, SL_EUSAGE, "no URL: write the witness as KEY@URL");
		return 0;
	}
	if (!need_url)
		return sl_error_set(err, SL_EUSAGE, "a URL is not taken here, only the witness's key");
	u = at + 1;
	if (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0)
		return sl_error_set(err, SL_EUSAGE, "the URL '%.200s' is not http:// or https://", u);
	if (strlen(u) > SL_WITNESS_URL_MAX)
		return sl_error_set(err, SL_EUSAGE, "the URL is longer than %d bytes", SL_WITNESS_URL_MAX);
	for (const char *q = u; *q; q++)
		if ((unsigned char)*q <= 0x20 || *q == 0x7f)
			return sl_error_set(err, SL_EUSAGE, "the URL holds a space or a control character");
	snprintf(w->url, sizeof(w->url), "%s", u);
	return 0;
}

void sl_witness_id(const struct sl_vkey *vk, char out[SL_NOTE_NAME_MAX + 1 + 2 * SL_KEYID_LEN + 1])
{
	char hex[2 * SL_KEYID_LEN + 1];

	sl_hex_encode(hex, vk->id, SL_KEYID_LEN);
	snprintf(out, SL_NOTE_NAME_MAX + 1 + 2 * SL_KEYID_LEN + 1, "%s+%s", vk->name, hex);
}

int sl_witness_request_write(struct sl_buf *out, uint64_t old, const unsigned char (*proof)[SL_HASH_LEN],
		       size_t n, const char *note, size_t len)
{
	size_t i;

	if (n > SL_WITNESS_CLIENT_PROOF_MAX)
		return SL_EUSAGE;
	sl_buf_addstr(out, "old ");
	sl_buf_addu64(out, old);
	sl_buf_addch(out, '\n');
	for (i = 0; i < n; i++) {
		sl_b64_encode(out, proof[i], SL_HASH_LEN);
		sl_buf_addch(out, '\n');
	}
	sl_buf_addch(out, '\n');
	sl_buf_add(out, note, len);
	return sl_buf_ok(out);
}

int sl_witness_conflict_size(const char *body, size_t len, uint64_t *size, struct sl_error *err)
{
	uint64_t v = 0;
	size_t i;

	/* "<decimal>\n", no leading zeros (the spec's form); nothing else. */
	if (len < 2 || body[len - 1] != '\n' || len - 1 > 20 || (body[0] == '0' && len > 2))
		return sl_error_set(err, SL_EINVAL, "the 409 answer is not a tree size and a newline");
	for (i = 0; i + 1 < len; i++) {
		unsigned d = (unsigned char)body[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return sl_error_set(err, SL_EINVAL, "the 409 answer is not a tree size and a newline");
		v = v * 10 + d;
	}
	*size = v;
	return 0;
}

/* The note's text (up to and with the line before the blank line), or SL_EINVAL. */
static int note_text(const char *note, size_t len, size_t *text_len, struct sl_error *err)
{
	struct sl_checkpoint c;

	return sl_checkpoint_parse(note, len, &c, text_len, err);
}

int sl_witness_take(const char *note, size_t len, const char *body, size_t blen,
		    const struct sl_vkey *vk, struct sl_buf *line, struct sl_error *err)
{
	struct sl_buf one = SL_BUF_INIT;
	struct sl_lines it;
	size_t tl, lines = 0;
	uint64_t ts;
	int e, found = 0;

	if ((e = note_text(note, len, &tl, err)) < 0)
		return e;
	if (err)
		sl_error_clear(err);
	/*
	 * Each line is tried on the note's text alone, so a cosignature the
	 * note already carried cannot stand in for a missing one.
	 */
	sl_lines_init(&it, body, blen);
	while (!found && sl_lines_next(&it) && it.nl) {
		lines++;
		sl_buf_reset(&one);
		sl_buf_add(&one, note, tl);
		sl_buf_addch(&one, '\n');
		sl_buf_add(&one, it.line, it.len + 1);
		if ((e = sl_buf_ok(&one)) < 0)
			goto out;
		if (sl_cosig_verify(one.buf, one.len, vk, &ts, NULL) == 0) {
			sl_buf_add(line, it.line, it.len + 1);
			if ((e = sl_buf_ok(line)) < 0)
				goto out;
			found = 1;
		}
	}
	e = found ? 0 : sl_error_set(err, SL_EVERIFY, lines ? "its answer holds no valid cosignature by "
				     "its key" : "its answer holds no signature line");
out:
	sl_buf_release(&one);
	return e;
}

int sl_witness_quorum(const char *note, size_t len, const struct sl_vkey *ws, size_t n,
		      size_t quorum, size_t *valid, int *held, struct sl_error *err)
{
	struct sl_buf good = SL_BUF_INIT, bad = SL_BUF_INIT;
	char id[SL_NOTE_NAME_MAX + 1 + 2 * SL_KEYID_LEN + 1];
	size_t i, tl;
	uint64_t ts;
	int e;

	*valid = 0;
	if ((e = note_text(note, len, &tl, err)) < 0)
		return e;
	for (i = 0; i < n; i++) {
		struct sl_error ce = { 0 };
		size_t j;
		int ok;

		/*
		 * The signed message does not name the witness: one key under
		 * two names is one witness, and its one cosignature, renamed,
		 * would hold for both.
		 */
		for (j = 0; j < i && !sl_vkey_same_key(&ws[i], &ws[j]); j++)
			;
		if (j < i) {
			sl_witness_id(&ws[j], id);
			sl_error_set(&ce, SL_EVERIFY, "the same key as %s, counted once", id);
			ok = 0;
		} else {
			ok = sl_cosig_verify(note, len, &ws[i], &ts, &ce) == 0;
		}
		if (held)
			held[i] = ok;
		sl_witness_id(&ws[i], id);
		if (ok) {
			sl_buf_addf(&good, "%s%s", *valid ? ", " : "", id);
			++*valid;
		} else {
			sl_buf_addf(&bad, "%s%s (%s)", bad.len ? "; " : "", id,
				    ce.msg[0] ? ce.msg : "no valid cosignature");
		}
	}
	if ((e = sl_buf_ok(&good)) < 0 || (e = sl_buf_ok(&bad)) < 0)
		goto out;
	if (*valid >= quorum) {
		e = 0;
		goto out;
	}
	e = sl_error_set(err, SL_EVERIFY, "%zu of %zu witness %s held (%s), %zu required; not held: %s",
			 *valid, n, n == 1 ? "cosignature" : "cosignatures",
			 *valid ? good.buf : "none", quorum, bad.len ? bad.buf : "none");
out:
	sl_buf_release(&good);
	sl_buf_release(&bad);
	return e;
}
