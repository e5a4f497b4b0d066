// SPDX-License-Identifier: MIT
/*
 * Audit bundles and their offline verification (lib/sl/audit.h).
 *
 * Verification trusts nothing in the bundle but the bytes it can hash: the
 * leaf hashes, roots and sizes written beside the proofs are compared with
 * what the entry bytes and the signed checkpoint say, never taken as given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/audit.h"
#include "sl/linereader.h"
#include "sl/witnessing.h"
#include "sl/heads.h"
#include "sl/json.h"
#include "sl/merkle.h"
#include "sl/proof.h"
#include "sl/time.h"

static int bad(struct sl_error *err, const char *member, const char *msg)
{
	return sl_error_member(err, SL_EINVAL, member, "%s", msg);
}

static int fail(struct sl_error *err, const char *member, const char *msg)
{
	return sl_error_member(err, SL_EVERIFY, member, "%s", msg);
}

/* Only the members named in `known` (NULL-terminated) may appear in o. */
static int only(const json_t *o, const char *const *known, const char *path, struct sl_error *err)
{
	const char *key;
	json_t *val;
	char m[SL_ERR_MEMBER];

	json_object_foreach((json_t *)o, key, val) {
		const char *const *k;
		for (k = known; *k && strcmp(*k, key); k++)
			;
		if (!*k) {
			snprintf(m, sizeof(m), "%s%s%s", path, *path ? "." : "", key);
			return bad(err, m, "unknown member");
		}
	}
	return 0;
}

static int get_u64(const json_t *o, const char *key, uint64_t *out)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_hash(const json_t *o, const char *key, unsigned char out[SL_HASH_LEN])
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || !sl_is_lowerhex(json_string_value(v), json_string_length(v), SL_HASH_LEN))
		return -1;
	return sl_hex_decode(out, SL_HASH_LEN, json_string_value(v), json_string_length(v)) < 0 ? -1 : 0;
}

/* Parse the proof document v through the one proof parser of lib/proof.c. */
static int get_proof(const json_t *v, struct sl_proof *p, const char *path, struct sl_error *err)
{
	struct sl_error perr = { 0 };
	struct sl_buf b = SL_BUF_INIT;
	int e;

	if (!json_is_object(v))
		return bad(err, path, "must be a proof document");
	if ((e = sl_jcs_write(&b, v, NULL, &perr)) == 0)
		e = sl_proof_parse(b.buf, b.len, p, &perr);
	sl_buf_release(&b);
	if (e == SL_ENOMEM)
		return e;
	if (e < 0)
		return sl_error_member(err, SL_EINVAL, path, "%s%s%s", perr.member,
				       *perr.member ? ": " : "", perr.msg);
	return 0;
}

/* The NDJSON steps of a replay plan as one JSON array. */
static int write_steps(struct sl_buf *out, const char *p, size_t len, struct sl_error *err)
{
	struct sl_lines it;
	int first = 1, e;

	sl_buf_addch(out, '[');
	sl_lines_init(&it, p, len);
	while (sl_lines_next(&it)) {
		json_t *j = NULL;
		if (it.len) {
			if ((e = sl_json_parse(it.line, it.len, &j, err)) < 0)
				return e;
			if (!json_is_object(j)) {
				json_decref(j);
				return bad(err, "replay_plan", "a step is not a JSON object");
			}
			if (!first)
				sl_buf_addch(out, ',');
			first = 0;
			e = sl_jcs_write(out, j, "replay_plan", err);
			json_decref(j);
			if (e < 0)
				return e;
		}
	}
	sl_buf_addch(out, ']');
	return sl_buf_ok(out);
}

/*
 * 1 when some object of v holds "object" beside an "entry" string: a
 * snapshot written with sl-snapshot --objects.  A bundle carries only what
 * sl_audit_verify() checks, and the parsed copies are not among that.
 */
static int has_objects(const json_t *v)
{
	const char *key;
	json_t *m;
	size_t i;

	if (json_is_array(v)) {
		json_array_foreach((json_t *)v, i, m)
			if (has_objects(m))
				return 1;
		return 0;
	}
	if (!json_is_object(v))
		return 0;
	if (json_is_string(json_object_get(v, "entry")) && json_object_get(v, "object"))
		return 1;
	json_object_foreach((json_t *)v, key, m)
		if (has_objects(m))
			return 1;
	return 0;
}

int sl_audit_bundle(const char *snap, size_t len, int64_t requested,
		    const struct sl_audit_extras *x, struct sl_buf *out, struct sl_error *err)
{
	static const struct sl_audit_extras none;
	char ts[SL_TS_LEN + 1];
	json_t *s = NULL, *at, *w, *adv = NULL;
	size_t start = out->len, i, k;
	int e;

	if (!x)
		x = &none;

	if ((e = sl_time_format(ts, requested)) < 0)
		return sl_error_set(err, SL_EUSAGE, "request time out of range");
	if ((e = sl_json_parse(snap, len, &s, err)) < 0)
		return e;
	at = json_object_get(s, "at");
	w = json_object_get(s, "warnings");
	if (!json_is_object(s) || !json_is_string(json_object_get(s, "type")) ||
	    strcmp(json_string_value(json_object_get(s, "type")), "snapshot") != 0) {
		e = bad(err, "type", "not a snapshot document (sl-snapshot writes them)");
		goto out;
	}
	if (!json_is_string(at) || !sl_ts_valid(json_string_value(at), json_string_length(at))) {
		e = bad(err, "at", "must be a ledger timestamp");
		goto out;
	}
	if (!json_is_array(w)) {
		e = bad(err, "warnings", "must be an array");
		goto out;
	}
	if (has_objects(s)) {
		e = bad(err, "entries", "carries parsed objects (sl-snapshot --objects): bundle a "
			"snapshot taken without --objects");
		goto out;
	}
	sl_buf_addch(out, '{');
	if (x->advisory) {
		if ((e = sl_json_parse(x->advisory, x->advisory_len, &adv, err)) < 0)
			goto out;
		if (!json_is_object(adv)) {
			e = bad(err, "advisory", "must be a JSON object (sl-advisory's report)");
			goto out;
		}
		sl_buf_addstr(out, "\"advisory\":");
		if ((e = sl_jcs_write(out, adv, "advisory", err)) < 0)
			goto out;
		sl_buf_addch(out, ',');
	}
	if (x->replay) {
		sl_buf_addstr(out, "\"replay_plan\":");
		if ((e = write_steps(out, x->replay, x->replay_len, err)) < 0)
			goto out;
		sl_buf_addch(out, ',');
	}
	sl_buf_addstr(out, "\"requested\":\"");
	sl_buf_addstr(out, ts);
	sl_buf_addstr(out, "\",\"snapshot\":");
	if ((e = sl_jcs_write(out, s, "snapshot", err)) < 0)
		goto out;
	sl_buf_addstr(out, ",\"target\":");
	if ((e = sl_jcs_write(out, at, "at", err)) < 0)
		goto out;
	sl_buf_addstr(out, ",\"type\":\"audit-bundle\",\"version\":1,\"warnings\":[");
	/* The snapshot's warnings, and what the auditor should know besides. */
	for (i = 0; i < json_array_size(w); i++) {
		if (i)
			sl_buf_addch(out, ',');
		if ((e = sl_jcs_write(out, json_array_get(w, i), "warnings", err)) < 0)
			goto out;
	}
	if (!json_is_true(json_object_get(s, "complete"))) {
		if (i++)
			sl_buf_addch(out, ',');
		sl_buf_addstr(out, "\"the snapshot is not complete: the root cannot be recomputed\"");
	}
	if (json_is_object(json_object_get(s, "filter"))) {
		if (i++)
			sl_buf_addch(out, ',');
		sl_buf_addstr(out, "\"the snapshot is filtered: it names only the sources that pass its filter\"");
	}
	for (k = 0; k < x->nwarnings; k++) {
		json_t *str = json_string(x->warnings[k]);
		if (!str) {
			e = bad(err, "warnings", "a warning is not UTF-8");
			goto out;
		}
		if (i++)
			sl_buf_addch(out, ',');
		e = sl_jcs_write(out, str, "warnings", err);
		json_decref(str);
		if (e < 0)
			goto out;
	}
	sl_buf_addstr(out, "]}");
	e = sl_buf_ok(out);
out:
	if (e < 0)
		sl_buf_setlen(out, start);
	json_decref(adv);
	json_decref(s);
	return e;
}

/* DSSE's pre-authentication encoding of the body, hashed. */
static void pae_hash(unsigned char h[SL_HASH_LEN], const char *body, size_t len)
{
	struct sl_sha256 c;
	char pre[128];
	int n = snprintf(pre, sizeof(pre), "DSSEv1 %zu %s %zu ", sizeof(SL_DSSE_TYPE) - 1, SL_DSSE_TYPE,
			 len);

	sl_sha256_init(&c);
	sl_sha256_update(&c, pre, (size_t)n);
	sl_sha256_update(&c, body, len);
	sl_sha256_final(&c, h);
}

/* The DSSE keyid of a key: "<name>+<8 hex key id>", as a JSON string. */
static int add_keyid(struct sl_buf *out, const struct sl_vkey *vk)
{
	char id[SL_NOTE_NAME_MAX + 16];
	int n = snprintf(id, sizeof(id), "%s+%02x%02x%02x%02x", vk->name, vk->id[0], vk->id[1],
			 vk->id[2], vk->id[3]);

	return sl_jcs_string(out, id, (size_t)n);
}

int sl_audit_sign(const char *bundle, size_t len, const struct sl_signer *k, struct sl_buf *out,
		  struct sl_error *err)
{
	unsigned char h[SL_HASH_LEN], sig[SL_SIG_MAX];
	size_t n;
	int e;

	pae_hash(h, bundle, len);
	if ((e = sl_signer_sign_digest(k, h, sig, &n, err)) < 0)
		return e;
	sl_buf_addstr(out, "{\"payload\":\"");
	sl_b64_encode(out, (const unsigned char *)bundle, len);
	sl_buf_addstr(out, "\",\"payloadType\":\"" SL_DSSE_TYPE "\",\"signatures\":[{\"keyid\":");
	if (add_keyid(out, &k->vk) < 0)
		return sl_error_set(err, SL_EINVAL, "unable to sign: the key name is not UTF-8");
	sl_buf_addstr(out, ",\"sig\":\"");
	sl_b64_encode(out, sig, n);
	sl_buf_addstr(out, "\"}]}");
	return sl_buf_ok(out);
}

static const char *const member_names[SL_AM_COUNT] = {
	"requested", "warnings", "advisory", "replay_plan", "snapshot.warnings", "target",
	"snapshot.filter", "snapshot.size", "snapshot.root", "snapshot.entries", "snapshot.mutations",
	"snapshot.checkpoint", "snapshot.bounds", "snapshot.prefix",
};

const char *sl_audit_member_name(unsigned m)
{
	return m < SL_AM_COUNT ? member_names[m] : NULL;
}

/* Check the envelope's signature by signer and decode its payload into body. */
static int open_envelope(const json_t *env, const struct sl_vkey *signer, struct sl_buf *body,
			 struct sl_audit_result *res, struct sl_error *err)
{
	static const char *const known[] = { "payload", "payloadType", "signatures", NULL };
	static const char *const sknown[] = { "keyid", "sig", NULL };
	json_t *pt = json_object_get(env, "payloadType"), *pl = json_object_get(env, "payload");
	json_t *sigs = json_object_get(env, "signatures");
	unsigned char h[SL_HASH_LEN];
	struct sl_buf sig = SL_BUF_INIT;
	size_t i;
	int e;

	if ((e = only(env, known, "", err)) < 0)
		return e;
	if (!json_is_string(pt) || strcmp(json_string_value(pt), SL_DSSE_TYPE) != 0)
		return fail(err, "payloadType", "is not " SL_DSSE_TYPE);
	if (!json_is_string(pl) ||
	    (e = sl_b64_decode(body, json_string_value(pl), json_string_length(pl))) < 0)
		return e == SL_ENOMEM ? e : fail(err, "payload", "is not base64");
	if (!json_is_array(sigs) || json_array_size(sigs) == 0)
		return bad(err, "signatures", "must be a non-empty array");
	res->enveloped = 1;
	if (!signer)
		return 0;
	pae_hash(h, body->buf, body->len);
	for (i = 0; i < json_array_size(sigs); i++) {
		json_t *s = json_array_get(sigs, i), *v = json_object_get(s, "sig");
		if (!json_is_object(s) || (e = only(s, sknown, "signatures[]", err)) < 0 ||
		    !json_is_string(v)) {
			sl_buf_release(&sig);
			return bad(err, "signatures", "each must be an object with a string sig");
		}
		sl_buf_reset(&sig);
		if (sl_b64_decode(&sig, json_string_value(v), json_string_length(v)) < 0)
			continue;
		if (sl_vkey_verify_digest(signer, h, (const unsigned char *)sig.buf, sig.len)) {
			res->signer_checked = 1;
			break;
		}
	}
	sl_buf_release(&sig);
	if (!res->signer_checked)
		return sl_error_member(err, SL_EVERIFY, "signatures",
				       "no envelope signature by '%s' holds", signer->name);
	return 0;
}

/* The member path m followed by x, in buf. */
static const char *path(char buf[SL_ERR_MEMBER], const char *m, const char *x)
{
	/* A path longer than the error's member is cut; the message still names its start. */
	if (snprintf(buf, SL_ERR_MEMBER, "%s%s", m, x) < 0)
		buf[0] = '\0';
	return buf;
}

/*
 * An entry with its proof, at the member path m: seq, leaf_hash the hash of
 * the bytes in `entry`, seq below size, the bytes an entry of that seq
 * (parsed into *ent, which the caller releases), and the inclusion proof
 * of the leaf at size against root.
 */
static int proved_entry(const json_t *en, const char *m, uint64_t size,
			const unsigned char root[SL_HASH_LEN], uint64_t *seq, json_t **ent,
			struct sl_proof *p, struct sl_error *err)
{
	unsigned char lh[SL_HASH_LEN], leaf[SL_HASH_LEN];
	struct sl_error perr = { 0 };
	json_t *bytes = json_object_get(en, "entry"), *ts;
	char b[SL_ERR_MEMBER];
	uint64_t eseq;
	int e;

	*ent = NULL;
	if (get_u64(en, "seq", seq) < 0 || !json_is_string(bytes))
		return bad(err, m, "needs seq, leaf_hash, entry and inclusion");
	if (get_hash(en, "leaf_hash", lh) < 0)
		return bad(err, path(b, m, ".leaf_hash"), "must be 64 lowercase hex digits");
	sl_leaf_hash(leaf, json_string_value(bytes), json_string_length(bytes));
	if (memcmp(leaf, lh, SL_HASH_LEN) != 0)
		return fail(err, path(b, m, ".leaf_hash"), "is not the hash of the entry's bytes");
	if (*seq >= size)
		return fail(err, path(b, m, ".seq"), "is not within the snapshot's size");
	/* The bytes are the entry: what they say must be what the record says. */
	if ((e = sl_json_parse(json_string_value(bytes), json_string_length(bytes), ent, &perr)) < 0)
		return e == SL_ENOMEM ? e : fail(err, path(b, m, ".entry"), "is not JSON");
	if (get_u64(*ent, "seq", &eseq) < 0 || eseq != *seq)
		return fail(err, path(b, m, ".seq"), "differs from the entry's seq");
	/* Its ts is compared with T as text, which orders ledger timestamps only. */
	ts = json_object_get(*ent, "ts");
	if (!json_is_string(ts) || !sl_ts_valid(json_string_value(ts), json_string_length(ts)))
		return fail(err, path(b, m, ".entry"), "its ts is not a ledger timestamp");
	if ((e = get_proof(json_object_get(en, "inclusion"), p, path(b, m, ".inclusion"), err)) < 0)
		return e;
	if (p->kind != SL_PROOF_INCLUSION || p->a != *seq || p->b != size)
		return fail(err, path(b, m, ".inclusion"), "is not a proof of this seq at the right size");
	if (memcmp(p->h1, leaf, SL_HASH_LEN) != 0)
		return fail(err, path(b, m, ".inclusion.leaf_hash"), "is not the hash of the entry's bytes");
	if (memcmp(p->h2, root, SL_HASH_LEN) != 0)
		return fail(err, path(b, m, ".inclusion.root"), "is not the snapshot's root");
	if (sl_proof_verify(p, leaf, NULL, root, &perr) < 0)
		return sl_error_member(err, SL_EVERIFY, path(b, m, ".inclusion"), "does not hold: %s",
				       perr.msg);
	return 0;
}

/*
 * A string with a NUL in it: sl-append refuses such types and sources, and
 * compared as C strings (order, lookup, filter) they would pass for others.
 */
static int has_nul(const json_t *str)
{
	return strlen(json_string_value(str)) != json_string_length(str);
}

/* One named entry: proved at the snapshot's size, at or before its time, in order, within the filter. */
static int check_entry(const json_t *en, size_t i, uint64_t size, const unsigned char root[SL_HASH_LEN],
		       const char *at, const json_t *prev, const struct sl_snap_filter *f,
		       struct sl_proof *p, struct sl_error *err)
{
	static const char *const known[] = { "seq", "type", "source", "leaf_hash", "entry", "inclusion", NULL };
	json_t *ent = NULL, *t = json_object_get(en, "type"), *s = json_object_get(en, "source");
	char m[SL_ERR_MEMBER], b[SL_ERR_MEMBER];
	uint64_t seq;
	int e;

	snprintf(m, sizeof(m), "snapshot.entries[%zu]", i);
	if (!json_is_object(en))
		return bad(err, m, "must be an object");
	if ((e = only(en, known, m, err)) < 0)
		return e;
	if (!json_is_string(t) || !json_is_string(s))
		return bad(err, m, "needs seq, type, source, leaf_hash and entry");
	if ((e = proved_entry(en, m, size, root, &seq, &ent, p, err)) < 0)
		;
	else if (!json_equal(json_object_get(ent, "type"), t))
		e = fail(err, path(b, m, ".type"), "differs from the entry's type");
	else if (!json_equal(json_object_get(ent, "source"), s))
		e = fail(err, path(b, m, ".source"), "differs from the entry's source");
	else if (has_nul(t))
		e = fail(err, path(b, m, ".type"), "holds a NUL character");
	else if (has_nul(s))
		e = fail(err, path(b, m, ".source"), "holds a NUL character");
	else if (strcmp(json_string_value(json_object_get(ent, "ts")), at) > 0)
		e = fail(err, path(b, m, ".entry"), "its ts is after the snapshot's time");
	json_decref(ent);
	if (e < 0)
		return e;
	/* Sorted by (type, source) without repeats: one entry per source. */
	if (prev) {
		int c = strcmp(json_string_value(json_object_get(prev, "type")), json_string_value(t));
		if (c == 0)
			c = strcmp(json_string_value(json_object_get(prev, "source")), json_string_value(s));
		if (c >= 0)
			return fail(err, m, "not in (type, source) order, or a source named twice");
	}
	if (!sl_filter_match(f, json_string_value(t), json_string_value(s)))
		return sl_error_member(err, SL_EVERIFY, "snapshot.entries", "(%s, %s) is not within the filter",
				       json_string_value(t), json_string_value(s));
	return 0;
}

/*
 * One mutation record (a head, or a namespace's last appended mutation):
 * its entry proved at the snapshot's size, a mutation of namespace ns
 * (NULL: any) from a source within the filter, at the position and with
 * the id the record says.  *seq, *ns_out (into the record) and pos.
 */
static int check_mut(const json_t *rec, const char *m, const char *ns, uint64_t size,
		     const unsigned char root[SL_HASH_LEN], const struct sl_snap_filter *f,
		     struct sl_proof *p, uint64_t *seq, const char **ns_out,
		     unsigned char pos[SL_POSKEY_LEN], struct sl_error *err)
{
	static const char *const known[] = { "namespace", "seq", "position", "id", "leaf_hash",
					     "entry", "inclusion", "last", NULL };
	json_t *ent = NULL, *pl, *src, *n = json_object_get(rec, "namespace");
	const char *ens;
	char b[SL_ERR_MEMBER];
	int e;

	if (!json_is_object(rec))
		return bad(err, m, "must be a mutation record");
	if ((e = only(rec, known, m, err)) < 0)
		return e;
	if (!json_is_string(n) || has_nul(n))
		return bad(err, path(b, m, ".namespace"), "must be a string");
	if ((e = proved_entry(rec, m, size, root, seq, &ent, p, err)) < 0)
		goto out;
	pl = json_object_get(ent, "payload");
	src = json_object_get(ent, "source");
	if (sl_mutation_key(ent, &ens, pos) < 0 || !json_is_string(src)) {
		e = fail(err, path(b, m, ".entry"), "is not a mutation");
		goto out;
	}
	if (strcmp(ens, json_string_value(n)) != 0 || (ns && strcmp(ns, ens) != 0)) {
		e = fail(err, path(b, m, ".namespace"), "is not the entry's namespace");
		goto out;
	}
	if (!json_equal(json_object_get(pl, "position"), json_object_get(rec, "position"))) {
		e = fail(err, path(b, m, ".position"), "is not the entry's position");
		goto out;
	}
	if (!json_equal(json_object_get(pl, "id"), json_object_get(rec, "id"))) {
		e = fail(err, path(b, m, ".id"), "is not the entry's id");
		goto out;
	}
	if (!sl_filter_match(f, "mutation", json_string_value(src))) {
		e = fail(err, m, "is not within the filter");
		goto out;
	}
	*ns_out = json_string_value(n);
out:
	json_decref(ent);
	return e;
}

/*
 * The mutation records: one per namespace, in namespace order, each head
 * proved, with its namespace's last appended mutation when that is not
 * the head (which must then be later and at a position no higher).  That
 * they are the heads of the whole prefix only a complete snapshot shows
 * (check_prefix recomputes them).
 */
static int check_heads(const json_t *muts, uint64_t size, const unsigned char root[SL_HASH_LEN],
		       const struct sl_snap_filter *f, struct sl_proof *p, struct sl_error *err)
{
	const char *prev = NULL;
	char m[SL_ERR_MEMBER];
	size_t i;
	int e;

	for (i = 0; i < json_array_size(muts); i++) {
		const json_t *rec = json_array_get(muts, i), *last = json_object_get(rec, "last");
		unsigned char hp[SL_POSKEY_LEN], lp[SL_POSKEY_LEN];
		uint64_t hseq, lseq;
		const char *ns, *lns;
		snprintf(m, sizeof(m), "snapshot.mutations[%zu]", i);
		if (f->type && strcmp(f->type, "mutation") != 0)
			return fail(err, m, "is not within the filter");
		if ((e = check_mut(rec, m, NULL, size, root, f, p, &hseq, &ns, hp, err)) < 0)
			return e;
		if (!json_is_null(last)) {
			snprintf(m, sizeof(m), "snapshot.mutations[%zu].last", i);
			if (json_object_get(last, "last"))
				return bad(err, m, "has no last of its own");
			if ((e = check_mut(last, m, ns, size, root, f, p, &lseq, &lns, lp, err)) < 0)
				return e;
			if (lseq <= hseq || memcmp(lp, hp, SL_POSKEY_LEN) > 0)
				return fail(err, m, "is not a later mutation at a position no higher than the head's");
		}
		if (prev && strcmp(prev, ns) >= 0) {
			snprintf(m, sizeof(m), "snapshot.mutations[%zu]", i);
			return fail(err, m, "not in namespace order, or a namespace named twice");
		}
		prev = ns;
	}
	return 0;
}

/* The records of a complete snapshot are the heads h recomputed from its prefix. */
static int heads_equal(const json_t *muts, const struct sl_nsheads *h, struct sl_error *err)
{
	char m[SL_ERR_MEMBER], lm[SL_ERR_MEMBER];
	size_t i;

	for (i = 0; i < h->n || i < json_array_size(muts); i++) {
		const json_t *rec = json_array_get(muts, i), *last = json_object_get(rec, "last");
		uint64_t seq = 0, lseq = 0;
		snprintf(m, sizeof(m), "snapshot.mutations[%zu]", i);
		if (i >= h->n)
			return fail(err, m, "names a namespace no mutation of the prefix within the filter has");
		if (i >= json_array_size(muts) ||
		    strcmp(json_string_value(json_object_get(rec, "namespace")), h->ns[i]) != 0)
			return sl_error_member(err, SL_EVERIFY, "snapshot.mutations", "the head of namespace "
					       "'%s' (seq %llu) is missing", h->ns[i],
					       (unsigned long long)h->lane[i].head);
		(void)get_u64(rec, "seq", &seq); /* checked by check_heads */
		if (seq != h->lane[i].head)
			return sl_error_member(err, SL_EVERIFY, m, "is not the head of namespace '%s': "
					       "seq %llu is", h->ns[i], (unsigned long long)h->lane[i].head);
		if (!json_is_null(last))
			(void)get_u64(last, "seq", &lseq);
		else
			lseq = seq;
		if (lseq != h->lane[i].last)
			return sl_error_member(err, SL_EVERIFY, path(lm, m, ".last"), "is not the last "
					       "mutation of namespace '%s': seq %llu is", h->ns[i],
					       (unsigned long long)h->lane[i].last);
	}
	return 0;
}

/* The witnesses an auditor requires, and how many of them. */
struct wit {
	const struct sl_vkey *keys;
	size_t n, quorum;
};

/*
 * The checkpoint: signed by key, of the origin asked for, cosigned by a
 * quorum of the witnesses wt (when any), reached from the snapshot's root.
 */
static int check_checkpoint(const json_t *cp, uint64_t size, const unsigned char root[SL_HASH_LEN],
			    const struct sl_vkey *key, const char *origin, const struct wit *wt,
			    struct sl_checkpoint *c, struct sl_proof *p, struct sl_audit_result *res,
			    struct sl_error *err)
{
	static const char *const known[] = { "note", "vkey", "consistency", NULL };
	json_t *note = json_object_get(cp, "note"), *vk = json_object_get(cp, "vkey");
	json_t *con = json_object_get(cp, "consistency");
	struct sl_error perr = { 0 };
	int e;

	if (json_is_null(cp))
		return fail(err, "snapshot.checkpoint", "the bundle has none (sign one with sl-checkpoint)");
	if (!json_is_object(cp) || (e = only(cp, known, "snapshot.checkpoint", err)) < 0 ||
	    !json_is_string(note) || !json_is_string(vk))
		return bad(err, "snapshot.checkpoint", "must be an object with note, vkey and consistency");
	/* The keys that signed it, one a line (a ledger may sign with several). */
	if (!sl_vkey_list_has(json_string_value(vk), json_string_length(vk), key))
		return fail(err, "snapshot.checkpoint.vkey", "is not the key given to check it");
	if ((e = sl_checkpoint_verify(json_string_value(note), json_string_length(note), key, c,
				      &perr)) < 0)
		return sl_error_member(err, SL_EVERIFY, "snapshot.checkpoint.note", "%s", perr.msg);
	res->checkpoint_size = c->size;
	snprintf(res->origin, sizeof(res->origin), "%s", c->origin);
	if (origin && strcmp(origin, c->origin) != 0)
		return sl_error_member(err, SL_EVERIFY, "snapshot.checkpoint.note",
				       "its origin '%s' is not '%s'", c->origin, origin);
	/* The witnesses' cosignatures on the very note the bundle rests on. */
	if (wt && wt->n) {
		size_t held = 0;

		e = sl_witness_quorum(json_string_value(note), json_string_length(note), wt->keys, wt->n,
				      wt->quorum, &held, NULL, &perr);
		res->witnesses_held = held;
		res->witnesses_required = wt->quorum;
		/* As for the log's signature: a note that does not hold is a "no", whatever broke it. */
		if (e < 0)
			return sl_error_member(err, e == SL_ENOMEM ? e : SL_EVERIFY,
					       "snapshot.checkpoint.note", "%s", perr.msg);
	}
	if (c->size < size)
		return fail(err, "snapshot.checkpoint.note", "its size is below the snapshot's size");
	if (size == 0) {
		/* No proof reaches the root of an empty prefix: it can only be SHA-256(""). */
		unsigned char empty[SL_HASH_LEN];
		sl_sha256(empty, "", 0);
		if (memcmp(root, empty, SL_HASH_LEN) != 0)
			return fail(err, "snapshot.root", "is not the root of the empty tree");
		if (!json_is_null(con))
			return fail(err, "snapshot.checkpoint.consistency", "must be null at size 0");
		return 0;
	}
	if ((e = get_proof(con, p, "snapshot.checkpoint.consistency", err)) < 0)
		return e;
	if (p->kind != SL_PROOF_CONSISTENCY || p->a != size || p->b != c->size)
		return fail(err, "snapshot.checkpoint.consistency",
			    "is not a proof from the snapshot's size to the checkpoint's");
	if (memcmp(p->h1, root, SL_HASH_LEN) != 0)
		return fail(err, "snapshot.checkpoint.consistency.from_root", "is not the snapshot's root");
	if (memcmp(p->h2, c->root, SL_HASH_LEN) != 0)
		return fail(err, "snapshot.checkpoint.consistency.to_root", "is not the checkpoint's root");
	if (sl_proof_verify(p, NULL, root, c->root, &perr) < 0)
		return sl_error_member(err, SL_EVERIFY, "snapshot.checkpoint.consistency",
				       "does not hold: %s", perr.msg);
	return 0;
}

/*
 * One bound at path m: the entry of seq `want`, proved in the checkpoint's
 * tree, whose ts is at or before `at` (after == 0) or after it (after == 1).
 */
static int check_bound(const json_t *v, const char *m, uint64_t want, const struct sl_checkpoint *c,
		       const char *at, int after, char ts[SL_TS_LEN + 1], struct sl_proof *p,
		       struct sl_error *err)
{
	static const char *const known[] = { "seq", "leaf_hash", "entry", "inclusion", NULL };
	char b[SL_ERR_MEMBER];
	json_t *ent = NULL, *t;
	uint64_t seq;
	int e;

	if (!json_is_object(v))
		return fail(err, m, after ? "is missing: nothing shows the next entry is after the time"
					  : "is missing: nothing shows the last entry is at or before the time");
	if ((e = only(v, known, m, err)) < 0)
		return e;
	if (get_u64(v, "seq", &seq) == 0 && seq != want)
		return sl_error_member(err, SL_EVERIFY, path(b, m, ".seq"), "must be %llu",
				       (unsigned long long)want);
	if ((e = proved_entry(v, m, c->size, c->root, &seq, &ent, p, err)) == 0) {
		t = json_object_get(ent, "ts"); /* a ledger timestamp: proved_entry checked it */
		if (after && strcmp(json_string_value(t), at) <= 0)
			e = fail(err, m, "its ts is not after the snapshot's time: the prefix is longer");
		else if (!after && strcmp(json_string_value(t), at) > 0)
			e = fail(err, m, "its ts is after the snapshot's time: the prefix is shorter");
		else
			snprintf(ts, SL_TS_LEN + 1, "%s", json_string_value(t));
	}
	json_decref(ent);
	return e;
}

/*
 * size = N(at): the entry at size-1 is at or before `at`, and the one at
 * size (when the checkpoint reaches it) after.  Without the second, the
 * time is bounded only from below.
 */
static int check_bounds(const json_t *bo, uint64_t size, const struct sl_checkpoint *c, const char *at,
			struct sl_proof *p, struct sl_audit_result *res, struct sl_error *err)
{
	static const char *const known[] = { "last", "next", NULL };
	json_t *last = json_object_get(bo, "last"), *next = json_object_get(bo, "next");
	int e;

	if (!json_is_object(bo))
		return fail(err, "snapshot.bounds", "is missing: nothing shows the size is N(at)");
	if ((e = only(bo, known, "snapshot.bounds", err)) < 0)
		return e;
	if (size == 0) {
		if (!json_is_null(last))
			return fail(err, "snapshot.bounds.last", "must be null at size 0");
	} else if ((e = check_bound(last, "snapshot.bounds.last", size - 1, c, at, 0, res->last_ts, p,
				    err)) < 0) {
		return e;
	}
	if (c->size > size)
		return check_bound(next, "snapshot.bounds.next", size, c, at, 1, res->next_ts, p, err);
	if (!json_is_null(next))
		return fail(err, "snapshot.bounds.next", "must be null: the checkpoint ends at the snapshot");
	res->upper_open = 1;
	return 0;
}

/* The named entry of (type, source) by binary search (entries are sorted): 1 and *at, or 0. */
static int find_named(const json_t *entries, const char *type, const char *source, size_t *at)
{
	size_t lo = 0, hi = json_array_size(entries);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		json_t *en = json_array_get(entries, mid);
		int c = strcmp(json_string_value(json_object_get(en, "type")), type);
		if (c == 0)
			c = strcmp(json_string_value(json_object_get(en, "source")), source);
		if (c == 0) {
			*at = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

/* Prefix entry i (parsed): seq i, and a ledger ts at or before `at`. */
static int prefix_entry(const json_t *ent, size_t i, const char *at, struct sl_error *err)
{
	json_t *ts = json_object_get(ent, "ts");
	uint64_t seq;

	if (get_u64(ent, "seq", &seq) < 0 || seq != i)
		return sl_error_member(err, SL_EVERIFY, "snapshot.prefix", "entry %zu: its seq is not %zu",
				       i, i);
	if (!json_is_string(ts) || !sl_ts_valid(json_string_value(ts), json_string_length(ts)))
		return sl_error_member(err, SL_EVERIFY, "snapshot.prefix",
				       "entry %zu: its ts is not a ledger timestamp", i);
	if (strcmp(json_string_value(ts), at) > 0)
		return sl_error_member(err, SL_EVERIFY, "snapshot.prefix",
				       "entry %zu: its ts is after the snapshot's time", i);
	return 0;
}

/*
 * A complete snapshot: the prefix gives the root, holds the named entries,
 * and by the rule of lib/sl/heads.h every (type, source) of it within the
 * filter is named, by its latest entry.
 */
static int check_prefix(const json_t *pre, uint64_t size, const unsigned char root[SL_HASH_LEN],
			const char *at, const json_t *entries, const json_t *muts,
			const struct sl_snap_filter *f, struct sl_error *err)
{
	struct sl_nsheads h = SL_NSHEADS_INIT;
	struct sl_merkle_range r;
	unsigned char leaf[SL_HASH_LEN], got[SL_HASH_LEN];
	char *miss = NULL; /* the first (type, source) not named: "type\0source" */
	size_t i;
	uint64_t seq, miss_seq = 0;
	int e;

	if (!json_is_array(pre))
		return fail(err, "snapshot.prefix", "a complete snapshot needs a prefix array");
	if (json_array_size(pre) != size)
		return fail(err, "snapshot.prefix", "does not hold as many entries as the size says");
	memset(&r, 0, sizeof(r));
	for (i = 0; i < json_array_size(pre); i++) {
		json_t *v = json_array_get(pre, i);
		if (!json_is_string(v))
			return bad(err, "snapshot.prefix", "must hold strings");
		sl_leaf_hash(leaf, json_string_value(v), json_string_length(v));
		if ((e = sl_merkle_range_append(&r, leaf, NULL, NULL)) < 0)
			return e;
	}
	sl_merkle_range_root(&r, got);
	if (memcmp(got, root, SL_HASH_LEN) != 0)
		return fail(err, "snapshot.prefix", "the root recomputed from it is not the snapshot's root");
	for (i = 0; i < json_array_size(entries); i++) {
		json_t *en = json_array_get(entries, i);
		if (get_u64(en, "seq", &seq) < 0 ||
		    !json_equal(json_array_get(pre, (size_t)seq), json_object_get(en, "entry")))
			return fail(err, "snapshot.prefix", "differs from a named entry");
	}
	for (i = 0, e = 0; e == 0 && i < json_array_size(pre); i++) {
		json_t *v = json_array_get(pre, i), *ent, *t, *s;
		const char *ts, *ss;
		size_t k;
		if (sl_json_parse(json_string_value(v), json_string_length(v), &ent, NULL) < 0) {
			e = fail(err, "snapshot.prefix", "holds an entry that is not JSON");
			break;
		}
		t = json_object_get(ent, "type");
		s = json_object_get(ent, "source");
		if (!json_is_string(t) || !json_is_string(s)) {
			json_decref(ent);
			e = fail(err, "snapshot.prefix", "holds an entry without type or source");
			break;
		}
		if (has_nul(t) || has_nul(s)) {
			json_decref(ent);
			e = sl_error_member(err, SL_EVERIFY, "snapshot.prefix",
					    "entry %zu: its type or source holds a NUL character", i);
			break;
		}
		/*
		 * The prefix is N(T) only if all of it is at or before T: the
		 * bounds show it for its last entry, and a log whose ts go back
		 * (the operator's key signs whatever it is given) must not pass
		 * off later entries as state at T.
		 */
		if ((e = prefix_entry(ent, i, at, err)) < 0) {
			json_decref(ent);
			break;
		}
		ts = json_string_value(t);
		ss = json_string_value(s);
		if (sl_filter_match(f, ts, ss) && strcmp(ts, "mutation") == 0) {
			unsigned char pos[SL_POSKEY_LEN];
			const char *ns;
			if (sl_mutation_key(ent, &ns, pos) < 0)
				e = sl_error_member(err, SL_EVERIFY, "snapshot.prefix", "entry %zu: a "
						    "mutation without a namespace, a position or an id", i);
			else
				e = sl_nsheads_step(&h, ns, i, pos);
			if (e < 0) {
				json_decref(ent);
				break;
			}
		}
		if (!sl_filter_match(f, ts, ss))
			;
		else if (find_named(entries, ts, ss, &k)) {
			if (get_u64(json_array_get(entries, k), "seq", &seq) == 0 && seq < i)
				e = sl_error_member(err, SL_EVERIFY, "snapshot.entries", "[%zu] is not the "
						    "latest entry of its source: seq %zu is later", k, i);
		} else if (!miss) {
			size_t tl = strlen(ts), sl = strlen(ss);
			if (!(miss = malloc(tl + 1 + sl + 1)))
				e = SL_ENOMEM;
			else
				memcpy(miss, ts, tl + 1), memcpy(miss + tl + 1, ss, sl + 1);
			miss_seq = i;
		} else if (strcmp(miss, ts) == 0 && strcmp(miss + strlen(miss) + 1, ss) == 0) {
			miss_seq = i;
		}
		json_decref(ent);
	}
	if (e == 0 && miss)
		e = sl_error_member(err, SL_EVERIFY, "snapshot.entries", "the latest entry of (%s, %s) is "
				    "missing: seq %llu", miss, miss + strlen(miss) + 1,
				    (unsigned long long)miss_seq);
	free(miss);
	if (e == 0 && (e = sl_nsheads_finish(&h)) == 0)
		e = heads_equal(muts, &h, err);
	sl_nsheads_release(&h);
	return e;
}

/* The filter the snapshot states (absent or null: none) into f; strings point into s. */
static int get_filter(const json_t *s, struct sl_snap_filter *f, struct sl_audit_result *res,
		      struct sl_error *err)
{
	static const char *const known[] = { "type", "source", NULL };
	json_t *fi = json_object_get(s, "filter"), *t, *so;
	int e;

	f->type = f->source = NULL;
	if (!fi || json_is_null(fi))
		return 0;
	t = json_object_get(fi, "type");
	so = json_object_get(fi, "source");
	if (!json_is_object(fi) || (e = only(fi, known, "snapshot.filter", err)) < 0 ||
	    (t && !json_is_null(t) && !json_is_string(t)) || (so && !json_is_null(so) && !json_is_string(so)) ||
	    (!json_is_string(t) && !json_is_string(so)))
		return bad(err, "snapshot.filter", "must be null or an object with a type, a source or both");
	f->type = json_is_string(t) ? json_string_value(t) : NULL;
	f->source = json_is_string(so) ? json_string_value(so) : NULL;
	if ((f->type && strlen(f->type) >= sizeof(res->filter_type)) ||
	    (f->source && strlen(f->source) >= sizeof(res->filter_source)))
		return bad(err, "snapshot.filter", "is too long");
	res->filtered = 1;
	res->filter_has_type = f->type != NULL;
	res->filter_has_source = f->source != NULL;
	snprintf(res->filter_type, sizeof(res->filter_type), "%s", f->type ? f->type : "");
	snprintf(res->filter_source, sizeof(res->filter_source), "%s", f->source ? f->source : "");
	return 0;
}

#define BIT(m) (1u << (m))

static int check_bundle(const json_t *b, const struct sl_vkey *key, const char *origin,
			const struct wit *wt, struct sl_audit_result *res, struct sl_error *err)
{
	static const char *const bknown[] = { "type", "version", "target", "requested", "snapshot",
					      "warnings", "advisory", "replay_plan", NULL };
	static const char *const sknown[] = { "type", "at", "size", "root", "filter", "entries",
					      "mutations", "checkpoint", "bounds", "complete", "prefix",
					      "warnings", NULL };
	json_t *s = json_object_get(b, "snapshot"), *at, *entries, *muts, *cx;
	unsigned char root[SL_HASH_LEN];
	struct sl_snap_filter f;
	struct sl_checkpoint c;
	struct sl_proof *p;
	uint64_t v;
	size_t i;
	int e;

	if (json_is_object(b) && (e = only(b, bknown, "", err)) < 0)
		return e;
	if (!json_is_object(b) || !json_is_string(json_object_get(b, "type")) ||
	    strcmp(json_string_value(json_object_get(b, "type")), "audit-bundle") != 0)
		return bad(err, "type", "not an audit bundle (sl-audit writes them)");
	if (get_u64(b, "version", &v) < 0 || v != 1)
		return bad(err, "version", "must be 1");
	if (json_object_get(b, "advisory") && !json_is_object(json_object_get(b, "advisory")))
		return bad(err, "advisory", "must be an object");
	if (json_object_get(b, "replay_plan") && !json_is_array(json_object_get(b, "replay_plan")))
		return bad(err, "replay_plan", "must be an array");
	if (!json_is_object(s))
		return bad(err, "snapshot", "must be a snapshot document");
	if ((e = only(s, sknown, "snapshot", err)) < 0)
		return e;
	at = json_object_get(s, "at");
	entries = json_object_get(s, "entries");
	muts = json_object_get(s, "mutations");
	cx = json_object_get(s, "complete");
	if (!json_is_string(at) || !sl_ts_valid(json_string_value(at), json_string_length(at)))
		return bad(err, "snapshot.at", "must be a ledger timestamp");
	if (!json_equal(json_object_get(b, "target"), at))
		return fail(err, "target", "is not the snapshot's time");
	if (get_u64(s, "size", &res->size) < 0)
		return bad(err, "snapshot.size", "must be a non-negative integer");
	if (get_hash(s, "root", root) < 0)
		return bad(err, "snapshot.root", "must be 64 lowercase hex digits");
	if (!json_is_array(entries) || !json_is_array(muts) || !json_is_boolean(cx))
		return bad(err, "snapshot", "needs entries, mutations and complete");
	if ((e = get_filter(s, &f, res, err)) < 0)
		return e;
	snprintf(res->at, sizeof(res->at), "%s", json_string_value(at));
	if (!(p = malloc(sizeof(*p))))
		return SL_ENOMEM;
	for (i = 0; i < json_array_size(entries); i++)
		if ((e = check_entry(json_array_get(entries, i), i, res->size, root, res->at,
				     i ? json_array_get(entries, i - 1) : NULL, &f, p, err)) < 0)
			goto out;
	res->entries = json_array_size(entries);
	if ((e = check_heads(muts, res->size, root, &f, p, err)) < 0)
		goto out;
	res->mutations = json_array_size(muts);
	if ((e = check_checkpoint(json_object_get(s, "checkpoint"), res->size, root, key, origin, wt, &c,
				  p, res, err)) < 0)
		goto out;
	if ((e = check_bounds(json_object_get(s, "bounds"), res->size, &c, res->at, p, res, err)) < 0)
		goto out;
	if (json_is_true(cx)) {
		if ((e = check_prefix(json_object_get(s, "prefix"), res->size, root, res->at, entries, muts,
				      &f, err)) < 0)
			goto out;
		if (res->filtered)
			res->filter_complete = 1;
		else
			res->complete = 1;
	}
	/* What the proofs establish, and what only a signature could vouch for. */
	res->proved = BIT(SL_AM_SIZE) | BIT(SL_AM_ROOT) | BIT(SL_AM_ENTRIES) | BIT(SL_AM_MUTATIONS) |
		      BIT(SL_AM_CHECKPOINT) | BIT(SL_AM_BOUNDS);
	res->unproved = BIT(SL_AM_REQUESTED) | BIT(SL_AM_WARNINGS) | BIT(SL_AM_SNAP_WARNINGS);
	if (json_object_get(b, "advisory"))
		res->unproved |= BIT(SL_AM_ADVISORY);
	if (json_object_get(b, "replay_plan"))
		res->unproved |= BIT(SL_AM_REPLAY_PLAN);
	res->proved |= res->upper_open ? 0 : BIT(SL_AM_TARGET);
	res->unproved |= res->upper_open ? BIT(SL_AM_TARGET) : 0;
	res->proved |= res->complete ? BIT(SL_AM_FILTER) : 0;
	res->unproved |= res->complete ? 0 : BIT(SL_AM_FILTER);
	res->proved |= json_is_true(cx) ? BIT(SL_AM_PREFIX) : 0;
	/* Not complete: a prefix carried along is not checked at all. */
	if (!json_is_true(cx) && json_object_get(s, "prefix"))
		res->unproved |= BIT(SL_AM_PREFIX);
	e = 0;
out:
	free(p);
	return e;
}

int sl_audit_verify(const char *text, size_t len, const struct sl_vkey *key,
		    const struct sl_vkey *signer, const char *origin, struct sl_audit_result *res,
		    struct sl_error *err)
{
	return sl_audit_verify_witnessed(text, len, key, signer, origin, NULL, 0, 0, res, err);
}

int sl_audit_verify_witnessed(const char *text, size_t len, const struct sl_vkey *key,
			      const struct sl_vkey *signer, const char *origin,
			      const struct sl_vkey *witnesses, size_t nw, size_t quorum,
			      struct sl_audit_result *res, struct sl_error *err)
{
	struct wit wt = { witnesses, nw, quorum };
	struct sl_buf body = SL_BUF_INIT;
	json_t *v = NULL, *b = NULL;
	int e;

	memset(res, 0, sizeof(*res));
	if ((e = sl_json_parse(text, len, &v, err)) < 0)
		return e;
	if (json_is_object(v) && json_object_get(v, "payloadType")) {
		if ((e = open_envelope(v, signer, &body, res, err)) < 0)
			goto out;
		if ((e = sl_json_parse(body.buf, body.len, &b, err)) < 0) {
			e = fail(err, "payload", "is not a JSON bundle");
			goto out;
		}
	} else if (signer) {
		e = fail(err, "", "the bundle is not signed (sl-audit --sign makes an envelope)");
		goto out;
	} else {
		b = json_incref(v);
	}
	e = check_bundle(b, key, origin, &wt, res, err);
out:
	json_decref(b);
	json_decref(v);
	sl_buf_release(&body);
	return e;
}
