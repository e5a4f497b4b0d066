// SPDX-License-Identifier: MIT
/*
 * The log's side of witnessing: sending the ledger's newest checkpoint to
 * its witnesses (C2SP tlog-witness add-checkpoint) with consistency
 * proofs from the stored nodes, resynchronising on 409, and storing the
 * note cosigned once a quorum holds.  The network is the one HTTP client;
 * no lock is held while it waits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/http-client.h"
#include "sl/ledger.h"
#include "sl/witnessing.h"

#define OPS(l) ((l)->store->ops)
#define META_PREFIX "witness-size "

/* The size the ledger remembers for witness vk: 0 when it has none. */
static int remembered(struct sl_ledger *l, const struct sl_vkey *vk, uint64_t *size,
		      struct sl_error *err)
{
	char id[SL_NOTE_NAME_MAX + 1 + 2 * SL_KEYID_LEN + 1], key[sizeof(id) + sizeof(META_PREFIX)];
	struct sl_buf v = SL_BUF_INIT;
	int e;

	*size = 0;
	sl_witness_id(vk, id);
	snprintf(key, sizeof(key), META_PREFIX "%s", id);
	if ((e = OPS(l)->begin_read(l->store, err)) < 0)
		return e;
	e = OPS(l)->meta_get(l->store, key, &v, err);
	OPS(l)->end_read(l->store);
	if (e == SL_ENOTFOUND) {
		if (err)
			sl_error_clear(err);
		e = 0;
	} else if (e == 0) {
		sl_buf_addch(&v, '\n');
		/* A value that does not parse is forgotten: the witness's 409 tells the truth. */
		if (sl_buf_ok(&v) < 0 || sl_witness_conflict_size(v.buf, v.len, size, NULL) < 0)
			*size = 0;
	}
	sl_buf_release(&v);
	return e;
}

/* Remember every witness's size, in one write transaction. */
static int remember(struct sl_ledger *l, const struct sl_witness_peer *w, const struct sl_witness_outcome *o,
		    size_t n, struct sl_error *err)
{
	char id[SL_NOTE_NAME_MAX + 1 + 2 * SL_KEYID_LEN + 1], key[sizeof(id) + sizeof(META_PREFIX)];
	char val[24];
	size_t i;
	int e;

	if ((e = OPS(l)->begin_write(l->store, err)) < 0)
		return e;
	for (i = 0; i < n; i++) {
		sl_witness_id(&w[i].vk, id);
		snprintf(key, sizeof(key), META_PREFIX "%s", id);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)o[i].size);
		if ((e = OPS(l)->meta_set(l->store, key, val, err)) < 0) {
			OPS(l)->rollback(l->store);
			return e;
		}
	}
	return OPS(l)->commit(l->store, err);
}

/* The request body for one witness at size `old` (into body). */
static int request(struct sl_ledger *l, uint64_t old, const struct sl_checkpoint *c, const char *note,
		   size_t len, struct sl_buf *body, struct sl_error *err)
{
	unsigned char proof[SL_PROOF_MAX][SL_HASH_LEN];
	size_t count = 0;
	int e;

	sl_buf_reset(body);
	/* From 0 no proof (the empty tree is a prefix of every tree); from the same size none either. */
	if (old > 0 && old < c->size &&
	    (e = sl_ledger_consistency(l, old, c->size, proof, &count, err)) < 0)
		return e;
	return sl_witness_request_write(body, old, (const unsigned char (*)[SL_HASH_LEN])proof, count, note, len);
}

/* Why a witness failed; transient when a retry may mend it. */
static void failed(struct sl_witness_outcome *o, int transient, const char *why)
{
	o->transient = transient;
	snprintf(o->why, sizeof(o->why), "%s", why);
}

/* Judge one witness's answer q to the request for checkpoint c (round 0 or 1). */
static void judge(const struct sl_http_req *q, const struct sl_witness_peer *w, const struct sl_checkpoint *c,
		  const char *note, size_t len, size_t round, struct sl_witness_outcome *o, int *retry,
		  struct sl_buf *lines)
{
	struct sl_error we = { 0 };
	char why[SL_ERR_MSG];
	uint64_t m;

	o->why[0] = '\0';
	o->transient = 0;
	if (q->e < 0) {
		snprintf(why, sizeof(why), "no answer from '%.300s': %s", q->url, q->msg);
		failed(o, q->e != SL_EINVAL, why);
	} else if (q->status == 200) {
		if (sl_witness_take(note, len, q->resp.buf, q->resp.len, &w->vk, lines, &we) < 0) {
			failed(o, 0, we.msg);
		} else {
			o->cosigned = 1;
			o->size = c->size;
		}
	} else if (q->status == 409) {
		if (sl_witness_conflict_size(q->resp.buf, q->resp.len, &m, &we) < 0) {
			failed(o, 0, we.msg);
			return;
		}
		if (m == o->size) {
			/*
			 * The very size it was sent: it holds another root there.  Before
			 * C2SP/C2SP#280 tlog-witness said 409 for that (now 422); no
			 * resynchronising mends it.
			 */
			snprintf(why, sizeof(why), "it holds another tree at size %llu (a split view?)",
				 (unsigned long long)m);
			failed(o, 0, why);
			return;
		}
		o->size = m;
		if (m > c->size) {
			snprintf(why, sizeof(why), "it has cosigned size %llu, beyond this checkpoint's "
				 "%llu (a newer checkpoint of this log, or another log of the same origin)",
				 (unsigned long long)m, (unsigned long long)c->size);
			failed(o, 0, why);
		} else if (round == 0) {
			*retry = 1; /* resynchronise: prove from its size, once */
		} else {
			snprintf(why, sizeof(why), "it answered 409 twice (now at size %llu)",
				 (unsigned long long)m);
			failed(o, 1, why);
		}
	} else if (q->status == 403) {
		failed(o, 0, "it refused the log's signature (403): is it configured with this log's key?");
	} else if (q->status == 404) {
		failed(o, 0, "it does not know this log's origin (404)");
	} else if (q->status == 422) {
		failed(o, 0, "it refused the consistency proof (422): it holds another tree at its size "
		       "(a split view?)");
	} else if (q->status == 400) {
		failed(o, 0, "it called the request malformed (400)");
	} else {
		snprintf(why, sizeof(why), "it answered %ld", q->status);
		failed(o, q->status >= 500 || q->status == 429 || q->status == 408, why);
	}
}

int sl_ledger_witness(struct sl_ledger *l, const char *note, size_t len,
		      const struct sl_witness_peer *w, size_t n, size_t quorum, struct sl_http_client *hc,
		      struct sl_witness_outcome *out, struct sl_buf *cosigned, struct sl_error *err)
{
	struct sl_http_req *q;
	struct sl_buf *body, *url, lines = SL_BUF_INIT, final = SL_BUF_INIT;
	struct sl_vkey *vks = NULL;
	struct sl_checkpoint c;
	size_t *who, i, k, nq, round, valid = 0, mendable = 0;
	int *retry, *held;
	int e, met;

	if ((e = sl_checkpoint_parse(note, len, &c, NULL, err)) < 0)
		return e;
	q = calloc(n, sizeof(*q));
	body = calloc(n, sizeof(*body));
	url = calloc(n, sizeof(*url));
	who = calloc(n, sizeof(*who));
	retry = calloc(n, sizeof(*retry));
	held = calloc(n, sizeof(*held));
	vks = calloc(n, sizeof(*vks));
	if (!q || !body || !url || !who || !retry || !held || !vks) {
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	/* Witnesses whose cosignature the note already carries (asked before) are not asked again. */
	for (i = 0; i < n; i++)
		vks[i] = w[i].vk;
	if ((e = sl_witness_quorum(note, len, vks, n, 0, &valid, held, err)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		sl_buf_init(&body[i]);
		sl_buf_init(&url[i]);
		sl_buf_init(&q[i].resp);
		sl_buf_addstr(&url[i], w[i].url);
		while (url[i].len && url[i].buf[url[i].len - 1] == '/')
			url[i].buf[--url[i].len] = '\0';
		sl_buf_addstr(&url[i], "/add-checkpoint");
		if ((e = sl_buf_ok(&url[i])) < 0 || (e = remembered(l, &w[i].vk, &out[i].size, err)) < 0)
			goto out;
		/* Past this checkpoint as far as we know: ask from 0, its 409 will say. */
		if (out[i].size > c.size)
			out[i].size = 0;
		if (held[i])
			out[i].size = c.size;
		retry[i] = !held[i];
	}
	/* Round 0 to all at once; round 1 to those whose 409 gave a size we can prove from. */
	for (round = 0; round < 2; round++) {
		for (i = nq = 0; i < n; i++) {
			if (!retry[i])
				continue;
			retry[i] = 0;
			if ((e = request(l, out[i].size, &c, note, len, &body[i], err)) < 0)
				goto out;
			q[nq].url = url[i].buf;
			q[nq].body = body[i].buf;
			q[nq].body_len = body[i].len;
			q[nq].content_type = "text/plain; charset=utf-8";
			q[nq].max = SL_WITNESS_ANSWER_MAX;
			who[nq++] = i;
		}
		if (!nq)
			break;
		if ((e = sl_http_client_run(hc, q, nq, err)) < 0)
			goto out;
		for (k = 0; k < nq; k++)
			judge(&q[k], &w[who[k]], &c, note, len, round, &out[who[k]], &retry[who[k]], &lines);
	}
	/* The note with every cosignature taken; the quorum counted on it as an auditor counts it. */
	sl_buf_add(&final, note, len);
	sl_buf_add(&final, lines.buf, lines.len);
	if ((e = sl_buf_ok(&final)) < 0)
		goto out;
	e = sl_witness_quorum(final.buf, final.len, vks, n, quorum, &valid, held, NULL);
	for (i = 0; i < n; i++) {
		out[i].cosigned = held[i];
		if (!held[i] && !out[i].why[0])
			failed(&out[i], 0, "no valid cosignature");
		mendable += !held[i] && out[i].transient;
	}
	met = e == 0;
	if (met && (e = sl_ledger_checkpoint_cosigned(l, final.buf, final.len, err)) == 0) {
		sl_buf_add(cosigned, final.buf, final.len);
		e = sl_buf_ok(cosigned);
	}
	/*
	 * The sizes are worth keeping whatever the quorum, to save a round
	 * trip next time; but they are hints (a 409 corrects them), so failing
	 * to keep them fails nothing.
	 */
	(void)!remember(l, w, out, n, NULL);
	if (met)
		goto out;
	/* Not enough: a retry may help only if the witnesses that may mend could make up the quorum. */
	e = sl_error_set(err, valid + mendable >= quorum ? SL_EIO : SL_EVERIFY,
			 "%zu of %zu %s cosigned, %zu required", valid, n,
			 n == 1 ? "witness" : "witnesses", quorum);
out:
	for (i = 0; i < n; i++) {
		if (body)
			sl_buf_release(&body[i]);
		if (url)
			sl_buf_release(&url[i]);
		if (q)
			sl_buf_release(&q[i].resp);
	}
	free(q);
	free(body);
	free(url);
	free(who);
	free(retry);
	free(held);
	free(vks);
	sl_buf_release(&lines);
	sl_buf_release(&final);
	return e;
}
