// SPDX-License-Identifier: MIT
/*
 * Witness cosignatures (C2SP tlog-cosignature/v1, Ed25519), made and
 * checked through the one signature module, lib/checkpoint.c.  See
 * lib/sl/cosig.h for the format.
 */
#include <string.h>

#include "sl/cosig.h"

/* The decoded cosignature must fit where a note's signature lines are parsed into. */
_Static_assert(SL_COSIG_LEN <= SL_SIG_MAX, "a cosignature must fit in SL_SIG_MAX");

static void put_be64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 7; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t get_be64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static char *id_hex(char out[2 * SL_KEYID_LEN + 1], const struct sl_vkey *vk)
{
	sl_hex_encode(out, vk->id, SL_KEYID_LEN);
	return out;
}

int sl_cosig_message(struct sl_buf *out, uint64_t timestamp, const char *text, size_t text_len)
{
	sl_buf_addstr(out, SL_COSIG_HEADER);
	sl_buf_addstr(out, "time ");
	sl_buf_addu64(out, timestamp);
	sl_buf_addch(out, '\n');
	sl_buf_add(out, text, text_len);
	return sl_buf_ok(out);
}

int sl_cosig_sign(struct sl_buf *out, const struct sl_signer *w, uint64_t timestamp,
		  const char *note, size_t note_len, struct sl_error *err)
{
	struct sl_checkpoint c;
	struct sl_buf msg = SL_BUF_INIT;
	unsigned char raw[SL_KEYID_LEN + SL_COSIG_LEN], sig[SL_SIG_MAX];
	size_t text_len, n = 0;
	int e;

	if (w->vk.type != SL_KEY_COSIG)
		return sl_error_set(err, SL_EUSAGE, "key '%s' is not a witness (cosignature) key",
				    w->name);
	if (timestamp > SL_COSIG_TS_MAX)
		return sl_error_set(err, SL_EUSAGE, "cosignature time %llu is over 2^63-1",
				    (unsigned long long)timestamp);
	if ((e = sl_checkpoint_parse(note, note_len, &c, &text_len, err)) < 0)
		return e;
	if ((e = sl_cosig_message(&msg, timestamp, note, text_len)) < 0)
		goto out;
	memcpy(raw, w->vk.id, SL_KEYID_LEN);
	put_be64(raw + SL_KEYID_LEN, timestamp);
	if ((e = sl_signer_sign(w, msg.buf, msg.len, sig, &n, err)) < 0)
		goto out;
	if (n != SL_ED25519_SIG_LEN) {
		e = sl_error_set(err, SL_EINVAL, "unable to cosign: not an Ed25519 signature");
		goto out;
	}
	memcpy(raw + SL_KEYID_LEN + SL_COSIG_TS_LEN, sig, SL_ED25519_SIG_LEN);
	sl_buf_addstr(out, SL_NOTE_SIG_PREFIX);
	sl_buf_addstr(out, w->name);
	sl_buf_addch(out, ' ');
	sl_b64_encode(out, raw, SL_KEYID_LEN + SL_COSIG_LEN);
	sl_buf_addch(out, '\n');
	e = sl_buf_ok(out);
out:
	sl_buf_release(&msg);
	return e;
}

struct cctx {
	const struct sl_vkey *w;
	uint64_t ts;
	int found;
	struct sl_error *err;
};

/* The first line by the witness decides, as for a log's signature (lib/checkpoint.c). */
static int check_cosig(void *ctx, const struct sl_note_sig *s, const char *text, size_t text_len)
{
	struct cctx *v = ctx;
	struct sl_buf msg = SL_BUF_INIT;
	char hex[2 * SL_KEYID_LEN + 1];
	uint64_t ts;
	int ok, e;

	if (s->name_len != strlen(v->w->name) || memcmp(s->name, v->w->name, s->name_len) != 0 ||
	    memcmp(s->id, v->w->id, SL_KEYID_LEN) != 0)
		return 0;
	if (s->sig_len != SL_COSIG_LEN)
		return sl_error_set(v->err, SL_EVERIFY, "the cosignature by '%s' (id %s) is not %d "
				    "bytes of time and Ed25519 signature", v->w->name,
				    id_hex(hex, v->w), SL_COSIG_LEN);
	ts = get_be64(s->sig);
	if (ts > SL_COSIG_TS_MAX)
		return sl_error_set(v->err, SL_EVERIFY, "the cosignature by '%s' has a time over "
				    "2^63-1", v->w->name);
	if ((e = sl_cosig_message(&msg, ts, text, text_len)) < 0) {
		sl_buf_release(&msg);
		return sl_error_set(v->err, e, "out of memory");
	}
	ok = sl_vkey_verify(v->w, msg.buf, msg.len, s->sig + SL_COSIG_TS_LEN, SL_ED25519_SIG_LEN);
	sl_buf_release(&msg);
	if (!ok)
		return sl_error_set(v->err, SL_EVERIFY, "the cosignature by '%s' (id %s, time %llu) "
				    "does not verify", v->w->name, id_hex(hex, v->w),
				    (unsigned long long)ts);
	v->ts = ts;
	v->found = 1;
	return 1;
}

int sl_cosig_verify(const char *note, size_t len, const struct sl_vkey *w, uint64_t *timestamp,
		    struct sl_error *err)
{
	struct cctx v = { w, 0, 0, err };
	struct sl_checkpoint c;
	char hex[2 * SL_KEYID_LEN + 1];
	int e;

	if (w->type != SL_KEY_COSIG) {
		if ((e = sl_checkpoint_parse(note, len, &c, NULL, err)) < 0)
			return e;
		return sl_error_set(err, SL_EVERIFY, "'%s' is not a witness (cosignature, type 0x04) "
				    "key: a log's signature is no cosignature", w->name);
	}
	if ((e = sl_checkpoint_walk(note, len, &c, NULL, check_cosig, &v, err)) < 0)
		return e;
	if (!v.found)
		return sl_error_set(err, SL_EVERIFY, "no cosignature by witness '%s' (id %s)", w->name,
				    id_hex(hex, w));
	/* The walk stopped at the cosignature: the rest of the note must be well-formed too. */
	if ((e = sl_checkpoint_parse(note, len, &c, NULL, err)) < 0)
		return e;
	if (timestamp)
		*timestamp = v.ts;
	return 0;
}
