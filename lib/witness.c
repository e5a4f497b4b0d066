// SPDX-License-Identifier: MIT
/*
 * A witness's checks: C2SP tlog-witness add-checkpoint (which logs are
 * trusted, the log's signature, the old size, the consistency proof).
 * See lib/sl/witness.h; the files are lib/witness-state.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "sl/cosig.h"
#include "sl/linereader.h"
#include "sl/merkle.h"
#include "sl/witness.h"

void sl_witness_config_release(struct sl_witness_config *c)
{
	free(c->logs);
	c->logs = NULL;
	c->n = c->cap = 0;
}

const struct sl_witness_log *sl_witness_config_find(const struct sl_witness_config *c,
						    const char *origin, size_t len)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strlen(c->logs[i].origin) == len && memcmp(c->logs[i].origin, origin, len) == 0)
			return &c->logs[i];
	return NULL;
}

int sl_witness_config_add(struct sl_witness_config *c, const struct sl_vkey *vk,
			  const char *origin, struct sl_error *err)
{
	struct sl_witness_log *log;
	size_t i, len;

	if (!origin)
		origin = vk->name;
	len = strlen(origin);
	if (!sl_note_origin_valid(origin, len))
		return sl_error_set(err, SL_EINVAL, "invalid origin '%.64s' (1-255 bytes, no control "
				    "character)", origin);
	if (vk->type == SL_KEY_COSIG)
		return sl_error_set(err, SL_EINVAL, "'%s' is a witness (cosignature) key, not a log "
				    "key", vk->name);
	log = (struct sl_witness_log *)sl_witness_config_find(c, origin, len);
	if (!log) {
		if (c->n == SL_WITNESS_LOGS_MAX)
			return sl_error_set(err, SL_EUSAGE, "more than %d logs", SL_WITNESS_LOGS_MAX);
		if (c->n == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 8;
			struct sl_witness_log *n = realloc(c->logs, cap * sizeof(*n));
			if (!n)
				return sl_error_set(err, SL_ENOMEM, "out of memory");
			c->logs = n;
			c->cap = cap;
		}
		log = &c->logs[c->n++];
		memset(log, 0, sizeof(*log));
		memcpy(log->origin, origin, len);
	}
	for (i = 0; i < log->nkeys; i++)
		if (sl_vkey_equal(&log->keys[i], vk))
			return sl_error_set(err, SL_EINVAL, "key '%s' is given twice for log '%s'",
					    vk->name, log->origin);
	if (log->nkeys == SL_WITNESS_LOG_KEYS)
		return sl_error_set(err, SL_EUSAGE, "more than %d keys for log '%s'",
				    SL_WITNESS_LOG_KEYS, log->origin);
	log->keys[log->nkeys++] = *vk;
	return 0;
}

int sl_witness_config_parse(struct sl_witness_config *c, const char *text, size_t len,
			    struct sl_error *err)
{
	const char *p, *nl, *sp;
	char origin[SL_NOTE_NAME_MAX + 1];
	struct sl_lines it;
	struct sl_vkey vk;
	int e;

	if (len > SL_WITNESS_CONFIG_MAX)
		return sl_error_set(err, SL_EINVAL, "configuration longer than %u bytes",
				    SL_WITNESS_CONFIG_MAX);
	sl_lines_init(&it, text, len);
	while (sl_lines_next(&it)) {
		p = it.line;
		nl = p + it.len;
		if (nl == p || *p == '#')
			continue;
		sp = memchr(p, ' ', (size_t)(nl - p));
		if ((e = sl_vkey_parse(&vk, p, (size_t)((sp ? sp : nl) - p), err)) < 0)
			goto bad;
		if (sp) {
			if ((size_t)(nl - sp - 1) > SL_NOTE_NAME_MAX || !sl_note_origin_valid(sp + 1, (size_t)(nl - sp - 1))) {
				e = sl_error_set(err, SL_EINVAL, "invalid origin (1-255 bytes, no "
						 "control character)");
				goto bad;
			}
			memcpy(origin, sp + 1, (size_t)(nl - sp - 1));
			origin[nl - sp - 1] = '\0';
		}
		if ((e = sl_witness_config_add(c, &vk, sp ? origin : NULL, err)) < 0)
			goto bad;
	}
	return 0;
bad:
	if (err)
		err->line = it.lineno;
	return e;
}

/* A decimal of at most 19 digits without a leading zero ("0" itself allowed). */
static int parse_size(const char *p, const char *end, uint64_t *v)
{
	uint64_t n = 0;

	if (p == end || end - p > 19 || (*p == '0' && end - p > 1))
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (n > INT64_MAX)
		return -1;
	*v = n;
	return 0;
}

int sl_witness_request_parse(struct sl_witness_request *r, const char *body, size_t len,
			     struct sl_error *err)
{
	struct sl_buf h = SL_BUF_INIT;
	struct sl_lines it;
	int e;

	memset(r, 0, sizeof(*r));
	if (len > SL_WITNESS_BODY_MAX)
		return sl_error_set(err, SL_EINVAL, "body longer than %d bytes", SL_WITNESS_BODY_MAX);
	sl_lines_init(&it, body, len);
	if (!sl_lines_next(&it) || !it.nl || it.len < 4 || memcmp(it.line, "old ", 4) != 0 ||
	    parse_size(it.line + 4, it.line + it.len, &r->old) < 0)
		return sl_error_set(err, SL_EINVAL, "the first line is not 'old SIZE' (a decimal "
				    "without leading zeros)");
	for (;;) {
		if (!sl_lines_next(&it) || !it.nl) {
			e = sl_error_set(err, SL_EINVAL, "no empty line before the checkpoint");
			goto bad;
		}
		if (it.len == 0)
			break;
		if (r->nproof == SL_WITNESS_PROOF_MAX) {
			e = sl_error_set(err, SL_EINVAL, "more than %d consistency proof lines",
					 SL_WITNESS_PROOF_MAX);
			goto bad;
		}
		sl_buf_reset(&h);
		if (sl_b64_decode(&h, it.line, it.len) < 0 || h.len != SL_HASH_LEN) {
			e = sl_buf_ok(&h) < 0 ? SL_ENOMEM
					      : sl_error_set(err, SL_EINVAL, "consistency proof line %zu "
							     "is not base64 of 32 bytes", r->nproof + 1);
			goto bad;
		}
		memcpy(r->proof[r->nproof++], h.buf, SL_HASH_LEN);
	}
	sl_buf_release(&h);
	r->note = it.p;
	r->note_len = (size_t)(it.end - it.p);
	return sl_checkpoint_parse(r->note, r->note_len, &r->c, &r->text_len, err);
bad:
	sl_buf_release(&h);
	return e;
}

struct sctx {
	const struct sl_witness_log *log;
	int good, bad;
	char bad_name[SL_NOTE_NAME_MAX + 1];
};

/* Every signature line by one of the log's keys must hold; others are ignored. */
static int check_line(void *ctx, const struct sl_note_sig *s, const char *text, size_t text_len)
{
	struct sctx *v = ctx;
	size_t i;

	for (i = 0; i < v->log->nkeys; i++) {
		const struct sl_vkey *k = &v->log->keys[i];
		if (s->name_len != strlen(k->name) || memcmp(s->name, k->name, s->name_len) != 0 ||
		    memcmp(s->id, k->id, SL_KEYID_LEN) != 0)
			continue;
		if (s->sig_len && sl_vkey_verify(k, text, text_len, s->sig, s->sig_len)) {
			v->good = 1;
		} else if (!v->bad) {
			v->bad = 1;
			memcpy(v->bad_name, k->name, sizeof(v->bad_name));
		}
	}
	return 0;
}

int sl_witness_log_signed(const struct sl_witness_log *log, const struct sl_witness_request *r,
			  struct sl_error *err)
{
	struct sctx v = { log, 0, 0, "" };
	struct sl_checkpoint c;
	int e;

	if ((e = sl_checkpoint_walk(r->note, r->note_len, &c, NULL, check_line, &v, err)) < 0)
		return e;
	if (v.bad)
		return sl_error_set(err, SL_EVERIFY, "the signature by the log's key '%s' does not "
				    "verify", v.bad_name);
	if (!v.good)
		return sl_error_set(err, SL_EVERIFY, "no signature by a key of log '%s'", log->origin);
	return 0;
}

int sl_witness_check_growth(const struct sl_witness_request *r, uint64_t size,
			    const unsigned char root[SL_HASH_LEN], struct sl_error *err)
{
	unsigned char empty[SL_HASH_LEN];
	struct sl_hashref proof[SL_WITNESS_PROOF_MAX];
	struct sl_error perr = { 0 };
	size_t i;

	if (r->old > r->c.size)
		return sl_error_set(err, SL_EINVAL, "old size %llu is over the checkpoint's size %llu",
				    (unsigned long long)r->old, (unsigned long long)r->c.size),
		       SL_WITNESS_BAD_REQUEST;
	if (r->old != size)
		return sl_error_set(err, SL_EVERIFY, "old size %llu is not %llu, the size last "
				    "cosigned", (unsigned long long)r->old, (unsigned long long)size),
		       SL_WITNESS_CONFLICT;
	sl_sha256(empty, "", 0);
	if (r->c.size == 0 && memcmp(r->c.root, empty, SL_HASH_LEN) != 0)
		return sl_error_set(err, SL_EVERIFY, "a checkpoint of size 0 must have the empty "
				    "tree's root"), SL_WITNESS_UNPROCESSABLE;
	if (r->old == 0) {
		/* The empty tree is consistent with every tree: there is nothing to prove. */
		if (r->nproof)
			return sl_error_set(err, SL_EVERIFY, "a proof from size 0 must be empty"),
			       SL_WITNESS_UNPROCESSABLE;
		return SL_WITNESS_OK;
	}
	for (i = 0; i < r->nproof; i++) {
		proof[i].p = r->proof[i];
		proof[i].len = SL_HASH_LEN;
	}
	if (sl_merkle_verify_consistency(r->old, r->c.size, (struct sl_hashref){ root, SL_HASH_LEN },
					 (struct sl_hashref){ r->c.root, SL_HASH_LEN }, proof,
					 r->nproof, &perr) < 0)
		return sl_error_set(err, SL_EVERIFY, "not consistent with the checkpoint of size %llu "
				    "last cosigned: %s", (unsigned long long)size, perr.msg),
		       SL_WITNESS_UNPROCESSABLE;
	return SL_WITNESS_OK;
}

/* The note's signature lines to keep beside the witness's cosignature, into out. */
struct kctx {
	const struct sl_vkey *own;
	const char *end;
	struct sl_buf *out;
};

/*
 * Every line except those under the witness's own name and key id: anyone may
 * send a new checkpoint with such a line (an old cosignature of its), and
 * kept before the new one it would be the line a verifier reads first.
 */
static int keep_line(void *ctx, const struct sl_note_sig *s, const char *text, size_t text_len)
{
	struct kctx *k = ctx;
	const char *line = s->name - (sizeof(SL_NOTE_SIG_PREFIX) - 1);
	const char *nl = memchr(s->name, '\n', (size_t)(k->end - s->name));

	(void)text;
	(void)text_len;
	if (s->name_len == strlen(k->own->name) && memcmp(s->name, k->own->name, s->name_len) == 0 &&
	    memcmp(s->id, k->own->id, SL_KEYID_LEN) == 0)
		return 0;
	sl_buf_add(k->out, line, (size_t)(nl - line) + 1);
	return 0;
}

int sl_witness_add_checkpoint(const struct sl_witness *w, const char *body, size_t len,
			      uint64_t now, struct sl_buf *out, struct sl_error *err)
{
	struct sl_witness_request *r;
	struct sl_witness_state s;
	struct sl_checkpoint c;
	size_t kept_len;
	const struct sl_witness_log *log;
	struct sl_buf cosigned = SL_BUF_INIT, line = SL_BUF_INIT;
	int e, status;

	/* 63 proof hashes: too big for a thread's stack in a server's pool. */
	if (!(r = malloc(sizeof(*r))))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	if ((e = sl_witness_request_parse(r, body, len, err)) < 0) {
		free(r);
		return e == SL_ENOMEM ? e : SL_WITNESS_BAD_REQUEST;
	}
	if (!(log = sl_witness_config_find(w->config, r->c.origin, strlen(r->c.origin)))) {
		sl_error_set(err, SL_ENOTFOUND, "unknown log '%s'", r->c.origin);
		free(r);
		return SL_WITNESS_UNKNOWN_LOG;
	}
	if ((e = sl_witness_log_signed(log, r, err)) < 0) {
		free(r);
		return e == SL_EVERIFY ? SL_WITNESS_FORBIDDEN : e;
	}
	if (r->old > r->c.size) {
		status = sl_witness_check_growth(r, r->old, r->c.root, err);
		free(r);
		return status;
	}
	if (now == 0 || now > SL_COSIG_TS_MAX) {
		free(r);
		return sl_error_set(err, SL_EIO, "the clock says %llu", (unsigned long long)now);
	}
	/* From here to the kept checkpoint, no other request for this origin runs. */
	if ((e = sl_witness_state_lock(&s, w->dir, log->origin, err)) < 0) {
		sl_witness_state_unlock(&s);
		free(r);
		return e;
	}
	status = sl_witness_check_growth(r, s.size, s.root, err);
	if (status == SL_WITNESS_CONFLICT) {
		sl_buf_addu64(out, s.size);
		sl_buf_addch(out, '\n');
		if ((e = sl_buf_ok(out)) < 0)
			status = e;
		goto done;
	}
	if (status == SL_WITNESS_UNPROCESSABLE) {
		/* Signed by the log yet inconsistent: the evidence of a split view, kept. */
		struct sl_error kerr = { 0 };
		if ((e = sl_witness_state_refused(&s, r->note, r->note_len, r->c.size, now, &kerr)) < 0) {
			if (err)
				*err = kerr;
			status = e;
		}
		goto done;
	}
	if (status != SL_WITNESS_OK)
		goto done;
	if ((e = sl_cosig_sign(&line, w->key, now, r->note, r->note_len, err)) < 0) {
		status = e;
		goto done;
	}
	/* The note as sent, but for lines under the witness's own name and key id. */
	sl_buf_add(&cosigned, r->note, r->text_len + 1);
	if ((e = sl_checkpoint_walk(r->note, r->note_len, &c, NULL, keep_line,
				    &(struct kctx){ &w->key->vk, r->note + r->note_len, &cosigned },
				    err)) < 0) {
		status = e;
		goto done;
	}
	sl_buf_add(&cosigned, line.buf, line.len);
	if ((e = sl_buf_ok(&cosigned)) < 0) {
		status = sl_error_set(err, e, "out of memory");
		goto done;
	}
	/*
	 * The kept note is read back at the next request: one that does not
	 * parse (a note padded to SL_NOTE_SIGS_MAX lines or SL_NOTE_MAX bytes
	 * by anyone replaying a published checkpoint) would stop this log's
	 * witnessing for good.  Such a note has no room for a cosignature.
	 */
	if (sl_checkpoint_parse(cosigned.buf, cosigned.len, &c, NULL, NULL) < 0) {
		sl_error_set(err, SL_EINVAL, "the note has no room for one more signature (at most %d "
			     "lines, %d bytes)", SL_NOTE_SIGS_MAX, SL_NOTE_MAX);
		status = SL_WITNESS_BAD_REQUEST;
		goto done;
	}
	/*
	 * The checkpoint kept already (the same text: the one this witness
	 * serves to anyone) is not kept again: a replay, padded with other
	 * signature lines, would otherwise grow the evidence without end.
	 */
	if (!(s.note.len && sl_checkpoint_parse(s.note.buf, s.note.len, &c, &kept_len, NULL) == 0 &&
	      kept_len == r->text_len && memcmp(s.note.buf, r->note, kept_len) == 0) &&
	    (e = sl_witness_state_keep(&s, cosigned.buf, cosigned.len, r->c.size, now, err)) < 0) {
		status = e;
		goto done;
	}
	sl_buf_add(out, line.buf, line.len);
	if ((e = sl_buf_ok(out)) < 0)
		status = e;
done:
	sl_witness_state_unlock(&s);
	sl_buf_release(&cosigned);
	sl_buf_release(&line);
	free(r);
	return status;
}
