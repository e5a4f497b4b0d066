// SPDX-License-Identifier: MIT
/*
 * A ledger's checkpoints: signing the head, keeping every note, and
 * checking them all against the stored tree.  Talks only to the store ops.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sl/checkpoint.h"
#include "sl/ledger.h"
#include "sl/linereader.h"
#include "sl/merkle.h"
#include "sl/store.h"

#define OPS(l) ((l)->store->ops)


/*
 * Check that the tree of size m with the signed root r1 is a prefix of the
 * stored tree of size n with root r2: the proof comes from the stored
 * nodes, the roots from the signed notes, so a rewritten store fails.
 */
static int consistent(struct sl_ledger *l, uint64_t m, const unsigned char r1[SL_HASH_LEN],
		      uint64_t n, const unsigned char r2[SL_HASH_LEN], struct sl_error *err)
{
	struct sl_ledger_nodes nc = { l, err };
	unsigned char proof[SL_PROOF_MAX][SL_HASH_LEN];
	struct sl_hashref refs[SL_PROOF_MAX];
	struct sl_hashref a = { r1, SL_HASH_LEN }, b = { r2, SL_HASH_LEN };
	size_t count, i;
	int e;

	if (m > n)
		return sl_error_set(err, SL_EVERIFY, "tree size %llu is smaller than the signed size %llu",
				    (unsigned long long)n, (unsigned long long)m);
	if (m == 0)
		return 0; /* the empty tree is a prefix of every tree */
	if ((e = sl_merkle_consistency(sl_ledger_node, &nc, m, n, proof, &count)) < 0)
		return e;
	for (i = 0; i < count; i++) {
		refs[i].p = proof[i];
		refs[i].len = SL_HASH_LEN;
	}
	return sl_merkle_verify_consistency(m, n, a, b, refs, count, err);
}

/*
 * Check that the note carries a valid signature by each of the verifier
 * keys stored beside it (one a line); c is filled from the note.  *bad_key
 * (may be NULL) is set when a stored key does not parse.
 */
static int verify_stored(const char *note, size_t len, const char *vkeys, size_t vlen,
			 struct sl_checkpoint *c, int *bad_key, struct sl_error *err)
{
	struct sl_lines it;
	struct sl_vkey vk;
	int e;

	if (bad_key)
		*bad_key = 0;
	/* An empty list is one empty key, which does not parse: never "no key, nothing to check". */
	sl_lines_init(&it, vkeys, vlen);
	sl_lines_next(&it); /* when none, it.line is an empty line */
	do {
		if ((e = sl_vkey_parse(&vk, it.line, it.len, err)) < 0) {
			if (bad_key)
				*bad_key = 1;
			return e;
		}
		if ((e = sl_checkpoint_verify(note, len, &vk, c, err)) < 0)
			return e;
	} while (sl_lines_next(&it));
	return 0;
}

/*
 * The metadata key naming the checkpoint signed but not yet published (its
 * id in decimal; empty when none): the one sl-checkpoint --witness signed
 * and the witnesses have not yet cosigned to the quorum.
 */
#define PENDING_KEY "checkpoint-pending"

/* The pending checkpoint's id in *id, or 0 when none is marked. */
static int pending_id(struct sl_ledger *l, uint64_t *id, struct sl_error *err)
{
	struct sl_buf v = SL_BUF_INIT;
	unsigned long long n = 0;
	char *end;
	int e;

	*id = 0;
	e = OPS(l)->meta_get(l->store, PENDING_KEY, &v, err);
	if (e == SL_ENOTFOUND) {
		if (err)
			sl_error_clear(err);
		e = 0;
	} else if (e == 0 && v.len) {
		errno = 0;
		n = strtoull(v.buf, &end, 10);
		if (errno || *end || v.buf[0] < '0' || v.buf[0] > '9' || n == 0)
			e = sl_error_set(err, SL_ECORRUPT, "the metadata '%s' is not a checkpoint id: '%s'",
					 PENDING_KEY, v.buf);
		else
			*id = n;
	}
	sl_buf_release(&v);
	return e;
}

/* For mark(): the newest checkpoint, whatever its id. */
#define NEWEST UINT64_MAX

/*
 * Inside a write transaction, make the pending mark name checkpoint id,
 * which must be the newest (NEWEST: the newest), or clear it (0).  Writes
 * nothing when the mark is already so.
 */
static int mark(struct sl_ledger *l, uint64_t id, struct sl_error *err)
{
	struct sl_buf n = SL_BUF_INIT, k = SL_BUF_INIT;
	uint64_t old, last;
	char num[32] = "";
	int e;

	if ((e = pending_id(l, &old, err)) < 0)
		return e;
	if (id) {
		/* Only the newest can await its witnesses. */
		if ((e = OPS(l)->last_checkpoint(l->store, UINT64_MAX, &last, &n, &k, err)) < 0)
			goto out;
		if (id != NEWEST && id != last) {
			e = sl_error_set(err, SL_EINVAL, "checkpoint %llu is not the newest (%llu)",
					 (unsigned long long)id, (unsigned long long)last);
			goto out;
		}
		id = last;
		snprintf(num, sizeof(num), "%llu", (unsigned long long)id);
	}
	if (old != id)
		e = OPS(l)->meta_set(l->store, PENDING_KEY, num, err);
out:
	sl_buf_release(&n);
	sl_buf_release(&k);
	return e;
}

/*
 * Keep a note (its head c, its signers' keys vkey) and commit the write
 * transaction; else roll it back.  With pending the new row is marked as
 * the pending one, else any mark is cleared, in the same transaction.
 */
static int keep(struct sl_ledger *l, const struct sl_checkpoint *c, const char *note, const char *vkey,
		int pending, struct sl_error *err)
{
	int e;

	if ((e = OPS(l)->put_checkpoint(l->store, c->size, c->root, note, vkey, err)) < 0 ||
	    (e = mark(l, pending ? NEWEST : 0, err)) < 0 ||
	    (e = OPS(l)->commit(l->store, err)) < 0)
		OPS(l)->rollback(l->store);
	return e;
}

int sl_ledger_checkpoint(struct sl_ledger *l, const struct sl_signer *k, unsigned flags,
			 struct sl_buf *note, struct sl_error *err)
{
	return sl_ledger_checkpoint_keys(l, k, 1, flags, note, err);
}

int sl_ledger_checkpoint_keys(struct sl_ledger *l, const struct sl_signer *keys, size_t nkeys,
			      unsigned flags, struct sl_buf *note, struct sl_error *err)
{
	struct sl_ledger_nodes nc = { l, err };
	struct sl_buf last = SL_BUF_INIT, lastkey = SL_BUF_INIT, origin = SL_BUF_INIT;
	struct sl_buf vkey = SL_BUF_INIT, text = SL_BUF_INIT;
	struct sl_checkpoint c, prev;
	struct sl_head h;
	unsigned char root[SL_HASH_LEN];
	uint64_t id;
	size_t i;
	int e;

	if (nkeys == 0)
		return sl_error_set(err, SL_EUSAGE, "no key to sign with");
	if ((e = sl_ledger_origin(l, &origin, err)) < 0)
		return e;
	/* The verifier keys of all the signers, one a line, are kept beside the note. */
	for (i = 0; i < nkeys; i++) {
		if (i)
			sl_buf_addch(&vkey, '\n');
		if ((e = sl_vkey_format(&vkey, &keys[i].vk)) < 0)
			goto out;
	}
	/* The write lock: no append and no other checkpoint between reading and storing. */
	if ((e = OPS(l)->begin_write(l->store, err)) < 0)
		goto out;
	if ((e = OPS(l)->get_head(l->store, &h, err)) < 0 ||
	    (e = sl_merkle_root(sl_ledger_node, &nc, h.size, root)) < 0)
		goto fail;
	if (memcmp(root, h.root, SL_HASH_LEN) != 0) {
		e = sl_error_set(err, SL_EVERIFY, "the head's root differs from the stored tree's root");
		goto fail;
	}
	e = OPS(l)->last_checkpoint(l->store, UINT64_MAX, &id, &last, &lastkey, err);
	if (e == 0) {
		/* The last note is checked as signed, with the keys that signed it. */
		if ((e = verify_stored(last.buf, last.len, lastkey.buf, lastkey.len, &prev, NULL, err)) < 0) {
			char msg[SL_ERR_MSG];
			snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
			e = sl_error_set(err, SL_EVERIFY, "the last checkpoint (%llu) does not verify: %s",
					 (unsigned long long)id, msg);
			goto fail;
		}
		if ((e = consistent(l, prev.size, prev.root, h.size, root, err)) < 0) {
			char msg[SL_ERR_MSG];
			snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
			e = sl_error_set(err, e == SL_EVERIFY || e == SL_ERANGE ? SL_EVERIFY : e,
					 "the head (size %llu) is not consistent with the last "
					 "checkpoint (%llu, size %llu): %s",
					 (unsigned long long)h.size, (unsigned long long)id,
					 (unsigned long long)prev.size, msg);
			goto fail;
		}
		/* A second signature by the same key over the same head says nothing new. */
		if (!(flags & SL_CHECKPOINT_FORCE) && prev.size == h.size &&
		    memcmp(prev.root, root, SL_HASH_LEN) == 0 && lastkey.len == vkey.len &&
		    memcmp(lastkey.buf, vkey.buf, vkey.len) == 0) {
			OPS(l)->rollback(l->store);
			sl_buf_add(note, last.buf, last.len);
			e = sl_buf_ok(note) < 0 ? SL_ENOMEM : 1;
			goto out;
		}
	} else if (e != SL_ENOTFOUND) {
		goto fail;
	}
	if (err)
		sl_error_clear(err);
	memset(&c, 0, sizeof(c));
	snprintf(c.origin, sizeof(c.origin), "%s", origin.buf);
	c.size = h.size;
	memcpy(c.root, root, SL_HASH_LEN);
	if ((e = sl_checkpoint_sign_keys(&text, &c, keys, nkeys, err)) < 0)
		goto fail;
	if ((e = keep(l, &c, text.buf, vkey.buf, !!(flags & SL_CHECKPOINT_PENDING), err)) < 0)
		goto out;
	sl_buf_add(note, text.buf, text.len);
	e = sl_buf_ok(note);
	goto out;
fail:
	OPS(l)->rollback(l->store);
out:
	sl_buf_release(&last);
	sl_buf_release(&lastkey);
	sl_buf_release(&origin);
	sl_buf_release(&vkey);
	sl_buf_release(&text);
	return e;
}

int sl_ledger_checkpoint_cosigned(struct sl_ledger *l, const char *note, size_t len,
				  struct sl_error *err)
{
	struct sl_buf last = SL_BUF_INIT, lastkey = SL_BUF_INIT;
	struct sl_checkpoint c, prev;
	size_t tl, ptl;
	uint64_t id;
	int e;

	if ((e = sl_checkpoint_parse(note, len, &c, &tl, err)) < 0)
		return e;
	if (memchr(note, '\0', len))
		return sl_error_set(err, SL_EINVAL, "the note holds a NUL byte");
	if ((e = OPS(l)->begin_write(l->store, err)) < 0)
		return e;
	if ((e = OPS(l)->last_checkpoint(l->store, UINT64_MAX, &id, &last, &lastkey, err)) < 0)
		goto fail;
	if ((e = sl_checkpoint_parse(last.buf, last.len, &prev, &ptl, err)) < 0)
		goto fail;
	/* Only the newest: a checkpoint signed meanwhile must stay the newest, and sizes never go back. */
	if (ptl != tl || memcmp(last.buf, note, tl) != 0) {
		e = sl_error_set(err, SL_EVERIFY, "the ledger's newest checkpoint (%llu, size %llu) is "
				 "not the one cosigned (size %llu): it was signed meanwhile",
				 (unsigned long long)id, (unsigned long long)prev.size,
				 (unsigned long long)c.size);
		goto fail;
	}
	/* The cosigned note must still carry the log's own signatures, by the keys kept beside it. */
	if ((e = verify_stored(note, len, lastkey.buf, lastkey.len, &c, NULL, err)) < 0)
		goto fail;
	e = keep(l, &c, note, lastkey.buf, 0, err);
	goto out;
fail:
	OPS(l)->rollback(l->store);
out:
	sl_buf_release(&last);
	sl_buf_release(&lastkey);
	return e;
}

int sl_ledger_published_in(struct sl_ledger *l, uint64_t *id, struct sl_buf *note, struct sl_buf *vkey,
			   struct sl_error *err)
{
	uint64_t pending;
	int e;

	if ((e = OPS(l)->last_checkpoint(l->store, UINT64_MAX, id, note, vkey, err)) < 0)
		return e;
	if ((e = pending_id(l, &pending, err)) < 0)
		return e;
	if (*id != pending)
		return 0;
	/* The newest awaits its witnesses: the one below it, read backwards, one row however many. */
	e = OPS(l)->last_checkpoint(l->store, pending, id, note, vkey, err);
	if (e == SL_ENOTFOUND) {
		sl_buf_reset(note);
		sl_buf_reset(vkey);
		return sl_error_set(err, SL_ENOTFOUND, "the only checkpoint awaits its witnesses");
	}
	return e;
}

/* The published checkpoint's note (else the newest's) in out, in a read transaction of its own. */
static int one_checkpoint(struct sl_ledger *l, int published, struct sl_buf *out, struct sl_error *err)
{
	struct sl_buf vkey = SL_BUF_INIT;
	uint64_t id;
	int e;

	if ((e = OPS(l)->begin_read(l->store, err)) < 0)
		return e;
	e = published ? sl_ledger_published_in(l, &id, out, &vkey, err)
		      : OPS(l)->last_checkpoint(l->store, UINT64_MAX, &id, out, &vkey, err);
	OPS(l)->end_read(l->store);
	sl_buf_release(&vkey);
	return e;
}

int sl_ledger_published_checkpoint(struct sl_ledger *l, struct sl_buf *out, struct sl_error *err)
{
	return one_checkpoint(l, 1, out, err);
}

int sl_ledger_last_checkpoint(struct sl_ledger *l, struct sl_buf *out, struct sl_error *err)
{
	return one_checkpoint(l, 0, out, err);
}

int sl_ledger_pending_in(struct sl_ledger *l, uint64_t *id, struct sl_error *err)
{
	return pending_id(l, id, err);
}

int sl_ledger_pending_set(struct sl_ledger *l, uint64_t id, struct sl_error *err)
{
	int e;

	if (id == NEWEST)
		return sl_error_set(err, SL_EINVAL, "checkpoint id %llu is out of range",
				    (unsigned long long)id);
	if ((e = OPS(l)->begin_write(l->store, err)) < 0)
		return e;
	if ((e = mark(l, id, err)) < 0 || (e = OPS(l)->commit(l->store, err)) < 0)
		OPS(l)->rollback(l->store);
	return e;
}

/* Record a failure of checkpoint `id` as SL_EVERIFY, keeping the reason. */
static int bad_cp(struct sl_error *err, uint64_t id, uint64_t *bad_id, const char *what)
{
	char msg[SL_ERR_MSG];

	*bad_id = id;
	snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
	return sl_error_set(err, SL_EVERIFY, "checkpoint %llu: %s%s%s", (unsigned long long)id, what,
			    msg[0] ? ": " : "", msg);
}

int sl_ledger_verify_checkpoints(struct sl_ledger *l, uint64_t *count, uint64_t *bad_id,
				 struct sl_error *err)
{
	return sl_ledger_verify_checkpoints_by(l, NULL, 0, 0, NULL, NULL, count, bad_id, err);
}

/* The first of the caller's keys whose signature the note carries, or NULL. */
static const struct sl_vkey *trusted_signer(const char *note, size_t len, const struct sl_vkey *keys,
					    size_t nkeys)
{
	struct sl_checkpoint c;
	size_t i;

	for (i = 0; i < nkeys; i++)
		if (sl_checkpoint_verify(note, len, &keys[i], &c, NULL) == 0)
			return &keys[i];
	return NULL;
}

int sl_ledger_verify_checkpoints_by(struct sl_ledger *l, const struct sl_vkey *keys, size_t nkeys,
				    int last_only, sl_checkpoint_seen_fn seen, void *ctx,
				    uint64_t *count, uint64_t *bad_id, struct sl_error *err)
{
	struct sl_ledger_nodes nc = { l, err };
	struct sl_buf origin = SL_BUF_INIT;
	struct sl_checkpoint_row row;
	struct sl_checkpoint c, prev;
	struct sl_scan *it = NULL;
	struct sl_head h;
	unsigned char root[SL_HASH_LEN];
	uint64_t n = 0, last_id = 0, start = 1;
	int e, have_prev = 0, bad_key;

	*count = 0;
	*bad_id = UINT64_MAX;
	if ((e = sl_ledger_origin(l, &origin, err)) < 0)
		return e;
	if ((e = OPS(l)->begin_read(l->store, err)) < 0)
		goto done;
	if ((e = OPS(l)->get_head(l->store, &h, err)) < 0)
		goto out;
	if (last_only) {
		struct sl_buf note = SL_BUF_INIT, vkey = SL_BUF_INIT;
		e = OPS(l)->last_checkpoint(l->store, UINT64_MAX, &start, &note, &vkey, err);
		sl_buf_release(&note);
		sl_buf_release(&vkey);
		if (e == SL_ENOTFOUND) {
			*count = 0;
			e = 0;
			goto out;
		}
		if (e < 0)
			goto out;
	}
	if ((e = OPS(l)->checkpoints_open(l->store, start, &it, err)) < 0)
		goto out;
	while ((e = OPS(l)->checkpoints_next(it, &row, err)) == 1) {
		if (err)
			sl_error_clear(err);
		if (row.id <= last_id) {
			e = bad_cp(err, row.id, bad_id, "out of order");
			goto out;
		}
		last_id = row.id;
		e = verify_stored(row.note, row.note_len, row.vkey, strlen(row.vkey), &c, &bad_key,
				  err);
		if (e < 0 && bad_key) {
			e = bad_cp(err, row.id, bad_id, "the stored verifier key is invalid");
			goto out;
		}
		if (e < 0) {
			e = bad_cp(err, row.id, bad_id, "the signature does not verify");
			goto out;
		}
		if (strcmp(c.origin, origin.buf) != 0) {
			e = bad_cp(err, row.id, bad_id, "the origin is not the ledger's");
			goto out;
		}
		if (c.size != row.size || !row.root || memcmp(c.root, row.root, SL_HASH_LEN) != 0) {
			e = bad_cp(err, row.id, bad_id,
				   "the stored size or root differs from the signed note");
			goto out;
		}
		if (c.size > h.size) {
			if (err)
				sl_error_set(err, SL_EVERIFY, "the tree size is %llu",
					     (unsigned long long)h.size);
			e = bad_cp(err, row.id, bad_id, "signed size is beyond the tree");
			goto out;
		}
		if ((e = sl_merkle_root(sl_ledger_node, &nc, c.size, root)) < 0)
			goto out;
		if (memcmp(root, c.root, SL_HASH_LEN) != 0) {
			if (err)
				sl_error_clear(err);
			e = bad_cp(err, row.id, bad_id,
				   "the signed root differs from the stored tree's root at its size");
			goto out;
		}
		if (have_prev && (e = consistent(l, prev.size, prev.root, c.size, c.root, err)) < 0) {
			if (e != SL_EVERIFY)
				goto out;
			e = bad_cp(err, row.id, bad_id, "not consistent with the checkpoint before it");
			goto out;
		}
		if (nkeys || seen) {
			struct sl_checkpoint_seen sn = { row.id, c.size, c.root, row.vkey, NULL };
			if (nkeys && !(sn.trusted = trusted_signer(row.note, row.note_len, keys, nkeys))) {
				if (err) {
					const char *plus = strchr(row.vkey, '+');
					sl_error_set(err, SL_EVERIFY, "the ledger names its signer '%.*s'",
						     plus ? (int)(plus - row.vkey) : 0, row.vkey);
				}
				e = bad_cp(err, row.id, bad_id, "not signed by any of the trusted keys");
				goto out;
			}
			if (seen && (e = seen(ctx, &sn)) < 0)
				goto out;
		}
		prev = c;
		have_prev = 1;
		n++;
	}
	if (e < 0)
		goto out;
	*count = n;
	e = 0;
out:
	if (it)
		OPS(l)->scan_close(it);
	OPS(l)->end_read(l->store);
done:
	sl_buf_release(&origin);
	return e;
}

/*
 * A checkpoint signed elsewhere, against this ledger, inside the caller's
 * transaction: text (NUL-terminated, len bytes) verifies with each of
 * vkey's keys, names the ledger's origin, and its root is the stored
 * tree's at its size.  c is filled from the note.
 */
static int note_fits(struct sl_ledger *l, const char *text, size_t len, const char *vkey,
		     struct sl_checkpoint *c, struct sl_error *err)
{
	struct sl_ledger_nodes nc = { l, err };
	struct sl_buf origin = SL_BUF_INIT;
	struct sl_head h;
	unsigned char root[SL_HASH_LEN];
	int e, bad_key;

	if (memchr(text, '\0', len))
		return sl_error_set(err, SL_EVERIFY, "the checkpoint holds a NUL byte");
	if ((e = verify_stored(text, len, vkey, strlen(vkey), c, &bad_key, err)) < 0) {
		char msg[SL_ERR_MSG];
		snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
		return sl_error_set(err, e == SL_ENOMEM ? e : SL_EVERIFY, "the checkpoint %s: %s",
				    bad_key ? "comes with an invalid verifier key"
					    : "does not verify with its verifier keys", msg);
	}
	if ((e = sl_ledger_origin(l, &origin, err)) < 0)
		goto out;
	if (strcmp(c->origin, origin.buf) != 0) {
		e = sl_error_set(err, SL_EVERIFY, "the checkpoint's origin '%s' is not the ledger's '%s'",
				 c->origin, origin.buf);
		goto out;
	}
	if ((e = OPS(l)->get_head(l->store, &h, err)) < 0)
		goto out;
	if (c->size > h.size) {
		e = sl_error_set(err, SL_EVERIFY, "the checkpoint's size %llu is beyond the tree size %llu",
				 (unsigned long long)c->size, (unsigned long long)h.size);
		goto out;
	}
	if ((e = sl_merkle_root(sl_ledger_node, &nc, c->size, root)) < 0)
		goto out;
	if (memcmp(root, c->root, SL_HASH_LEN) != 0)
		e = sl_error_set(err, SL_EVERIFY, "the checkpoint's root differs from the stored tree's "
				 "root at its size %llu", (unsigned long long)c->size);
out:
	sl_buf_release(&origin);
	return e;
}

/*
 * Inside the write transaction: 1 when l's newest checkpoint is the note
 * itself, 0 when it is prev (none when prev is NULL), else SL_EBUSY.
 */
static int follows(struct sl_ledger *l, const char *note, size_t len, const char *prev,
		   size_t prev_len, struct sl_error *err)
{
	struct sl_buf last = SL_BUF_INIT, key = SL_BUF_INIT;
	uint64_t id;
	int e = OPS(l)->last_checkpoint(l->store, UINT64_MAX, &id, &last, &key, err);

	if (e == SL_ENOTFOUND) {
		if (err)
			sl_error_clear(err);
		e = prev ? SL_EBUSY : 0;
	} else if (e == 0) {
		e = last.len == len && memcmp(last.buf, note, len) == 0		 ? 1
		    : prev && last.len == prev_len && !memcmp(last.buf, prev, prev_len) ? 0
											 : SL_EBUSY;
	}
	if (e == SL_EBUSY)
		e = sl_error_set(err, SL_EBUSY, "another writer stored a checkpoint meanwhile");
	sl_buf_release(&last);
	sl_buf_release(&key);
	return e;
}

/*
 * Check a note from elsewhere against l and, with store, keep it (one
 * write transaction), with after (store 2) only when l's newest
 * checkpoint is after (or is the note itself: 1, nothing stored).
 */
static int note_take(struct sl_ledger *l, const char *note, size_t len, const char *vkey, int store,
		     const char *after, size_t after_len, struct sl_error *err)
{
	struct sl_buf text = SL_BUF_INIT;
	struct sl_checkpoint c;
	int e;

	/* The store keeps notes as text: NUL-terminated. */
	sl_buf_add(&text, note, len);
	if ((e = sl_buf_ok(&text)) < 0)
		goto out;
	if (!store) {
		e = note_fits(l, text.buf, len, vkey, &c, err);
		goto out;
	}
	if ((e = OPS(l)->begin_write(l->store, err)) < 0)
		goto out;
	if (store == 2 && (e = follows(l, note, len, after, after_len, err)) != 0) {
		OPS(l)->rollback(l->store);
		goto out;
	}
	if ((e = note_fits(l, text.buf, len, vkey, &c, err)) < 0 ||
	    (e = OPS(l)->put_checkpoint(l->store, c.size, c.root, text.buf, vkey, err)) < 0 ||
	    (e = OPS(l)->commit(l->store, err)) < 0)
		OPS(l)->rollback(l->store);
out:
	sl_buf_release(&text);
	return e;
}

int sl_ledger_checkpoint_check(struct sl_ledger *l, const char *note, size_t len, const char *vkey,
			       struct sl_error *err)
{
	return note_take(l, note, len, vkey, 0, NULL, 0, err);
}

int sl_ledger_checkpoint_put(struct sl_ledger *l, const char *note, size_t len, const char *vkey,
			     struct sl_error *err)
{
	return note_take(l, note, len, vkey, 1, NULL, 0, err);
}

int sl_ledger_checkpoint_put_after(struct sl_ledger *l, const char *note, size_t len, const char *vkey,
				   const char *after, size_t after_len, struct sl_error *err)
{
	return note_take(l, note, len, vkey, 2, after, after_len, err);
}
