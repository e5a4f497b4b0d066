// SPDX-License-Identifier: MIT
/*
 * Advisories (lib/sl/advisory.h): the rule input.  The snapshot is read a
 * value at a time (lib/jstream.c) and its prefix walked once: this is the
 * part of sl-advisory that parses what it is given, so it stands apart
 * from running the rules and scoring them (lib/advisory.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/advisory.h"
#include "sl/artifact.h"
#include "sl/json.h"
#include "sl/jstream.h"

static int u64cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

static int note_seq_u64(struct sl_advisory *a, uint64_t s, size_t *alloc)
{
	if (a->nseqs == *alloc) {
		size_t na = *alloc ? 2 * *alloc : 256;
		uint64_t *ns = realloc(a->seqs, na * sizeof(*ns));
		if (!ns)
			return SL_ENOMEM;
		a->seqs = ns;
		*alloc = na;
	}
	a->seqs[a->nseqs++] = s;
	return 0;
}

static int note_seq(struct sl_advisory *a, json_t *entry, size_t *alloc)
{
	json_t *s = json_object_get(entry, "seq");

	if (!json_is_integer(s) || json_integer_value(s) < 0)
		return SL_EINVAL;
	return note_seq_u64(a, (uint64_t)json_integer_value(s), alloc);
}

/* Decode the canonical entry held in the string s into a new reference. */
static json_t *decode(const json_t *s)
{
	json_t *v = NULL;

	if (!json_is_string(s) ||
	    sl_json_parse(json_string_value(s), json_string_length(s), &v, NULL) < 0)
		return NULL;
	if (!json_is_object(v) || !json_is_string(json_object_get(v, "type")) ||
	    !json_is_object(json_object_get(v, "payload"))) {
		json_decref(v);
		return NULL;
	}
	return v;
}

static int is_type(json_t *entry, const char *t)
{
	return strcmp(json_string_value(json_object_get(entry, "type")), t) == 0;
}

static int check_artifacts(struct sl_advisory *a, json_t *entries, const char *ledger,
			   struct sl_error *err)
{
	json_t *arts = json_object(), *v;
	size_t i;
	int e;

	if (!arts)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	if ((e = sl_artifact_store_check(ledger, err)) < 0) {
		json_decref(arts);
		return e;
	}
	json_array_foreach(entries, i, v) {
		json_t *p = json_object_get(v, "payload"), *sha = json_object_get(p, "sha256");
		unsigned char d[SL_HASH_LEN];
		struct sl_error aerr = { 0 };
		const char *st;
		if (!is_type(v, "config") || !json_is_true(json_object_get(p, "stored")) ||
		    !json_is_string(sha) || sl_artifact_digest_parse(json_string_value(sha), d) < 0)
			continue;
		e = sl_artifact_check(ledger, d, &aerr);
		if (e == 0)
			st = "ok";
		else if (e == SL_ENOTFOUND)
			st = "missing";
		else if (e == SL_EVERIFY)
			st = "mismatch";
		else {
			json_decref(arts);
			*err = aerr;
			return e;
		}
		if (json_object_set_new(arts, json_string_value(sha), json_string(st)) != 0) {
			json_decref(arts);
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		}
	}
	return json_object_set_new(a->input, "artifacts", arts) == 0
		       ? 0 : sl_error_set(err, SL_ENOMEM, "out of memory");
}

/*
 * Loading walks the snapshot once, a value at a time: the prefix (every
 * entry of the ledger up to the snapshot) is never held whole.  Each of
 * its entries updates what the rules are given instead: the seqs (for
 * checking evidence), the replay plan (lean: only what ordering needs)
 * and the configs in effect, against which each mutation's config_sha256
 * is checked as it comes.
 */
struct load {
	struct sl_advisory *a;
	size_t alloc;      /* of a->seqs */
	json_t *cfg_src;   /* config source -> its digest now */
	json_t *cfg_count; /* digest -> how many config sources have it now */
	json_t *bad;       /* the first SL_ADVISORY_LIST_MAX mutations under another config */
	size_t nbad;
	int64_t after;     /* judge only mutations above this seq (-1: all) */
	sl_progress_fn progress; /* told of the prefix's entries as they are walked, or NULL */
	void *progress_ctx;
	uint64_t total;    /* the snapshot's size, when it came before the prefix */
};

static int load_reset(struct load *ld)
{
	struct sl_advisory *a = ld->a;

	a->nseqs = 0;
	sl_replay_release(&a->plan);
	sl_replay_init(&a->plan);
	a->plan.lean = 1;
	json_decref(ld->cfg_src);
	json_decref(ld->cfg_count);
	json_decref(ld->bad);
	ld->cfg_src = json_object();
	ld->cfg_count = json_object();
	ld->bad = json_array();
	ld->nbad = 0;
	return ld->cfg_src && ld->cfg_count && ld->bad ? 0 : SL_ENOMEM;
}

static int count_add(json_t *counts, const char *digest, json_int_t d)
{
	json_int_t n = json_integer_value(json_object_get(counts, digest)) + d;

	if (n <= 0)
		return json_object_del(counts, digest), 0;
	/* Keys are the entries' own bytes: not checked again as UTF-8 here. */
	return json_object_set_new_nocheck(counts, digest, json_integer(n)) == 0 ? 0 : SL_ENOMEM;
}

/* A config entry of the walk: source now has digest (NULL: none). */
static int walk_config(struct load *ld, const char *source, json_t *digest, struct sl_error *err)
{
	const char *old;
	int e;

	if ((old = json_string_value(json_object_get(ld->cfg_src, source))) &&
	    (e = count_add(ld->cfg_count, old, -1)) < 0)
		return sl_error_set(err, e, "out of memory");
	if (!json_is_string(digest)) {
		json_object_del(ld->cfg_src, source);
		return 0;
	}
	if (json_object_set_nocheck(ld->cfg_src, source, digest) != 0 ||
	    count_add(ld->cfg_count, json_string_value(digest), 1) < 0)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	return 0;
}

/* A mutation of the walk (dec: at least its type, seq and payload). */
static int walk_mutation(struct load *ld, json_t *dec, struct sl_error *err)
{
	json_t *p = json_object_get(dec, "payload"), *d = json_object_get(p, "config_sha256");

	if (json_is_string(d) && !json_object_get(ld->cfg_count, json_string_value(d)) &&
	    json_integer_value(json_object_get(dec, "seq")) > ld->after &&
	    ld->nbad++ < SL_ADVISORY_LIST_MAX &&
	    json_array_append_new(ld->bad, json_pack("{s:O, s:O, s:O}", "seq",
						     json_object_get(dec, "seq"), "namespace",
						     json_object_get(p, "namespace"), "config_sha256",
						     d)) != 0)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	return sl_replay_add_parsed(&ld->a->plan, dec, NULL, 0, err);
}

/* One entry of the walk, in seq order. */
static int walk(struct load *ld, json_t *dec, struct sl_error *err)
{
	json_t *p = json_object_get(dec, "payload"), *src = json_object_get(dec, "source"), *d;

	if (is_type(dec, "config") && json_is_string(src)) {
		if (!json_is_string(d = json_object_get(p, "sha256")))
			d = json_object_get(p, "hmac_sha256");
		return walk_config(ld, json_string_value(src), d, err);
	}
	return is_type(dec, "mutation") ? walk_mutation(ld, dec, err) : 0;
}

static int seqcmp_entries(const void *x, const void *y)
{
	json_int_t a = json_integer_value(json_object_get(*(json_t *const *)x, "seq"));
	json_int_t b = json_integer_value(json_object_get(*(json_t *const *)y, "seq"));

	return a < b ? -1 : a > b;
}

/* The walk over the latest entries only (a snapshot that is not complete). */
static int walk_entries(struct load *ld, json_t *entries, struct sl_error *err)
{
	size_t i, n = json_array_size(entries);
	json_t **v = calloc(n ? n : 1, sizeof(*v));
	int e = 0;

	if (!v)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	ld->after = -1;
	for (i = 0; i < n; i++) {
		v[i] = json_array_get(entries, i);
		/* Only mutations newer than every config entry can be judged. */
		if (is_type(v[i], "config") &&
		    json_integer_value(json_object_get(v[i], "seq")) > ld->after)
			ld->after = json_integer_value(json_object_get(v[i], "seq"));
	}
	qsort(v, n, sizeof(*v), seqcmp_entries);
	for (i = 0; i < n && e == 0; i++)
		if ((e = note_seq(ld->a, v[i], &ld->alloc)) < 0)
			sl_error_member(err, e, "entries", "item %zu has no seq", i);
		else
			e = walk(ld, v[i], err);
	free(v);
	return e;
}

/*
 * One entry of the prefix, ent[0..len): only what the walk uses is read
 * from it.  Its top-level members are found by the stream reader; the
 * payload of a mutation is parsed whole, a config's is searched for its
 * digest, the others' (most of a ledger) only checked to be an object.
 */
static int prefix_entry(struct load *ld, const char *ent, size_t len, struct sl_buf *key,
			struct sl_buf *type, struct sl_buf *src, int *notentry, struct sl_error *err)
{
	struct sl_jstream js;
	const char *pl = NULL, *sp;
	size_t pllen = 0, n = 0, sn, i;
	int64_t seq = -1;
	int e;

	sl_buf_reset(type);
	sl_buf_reset(src);
	*notentry = 1;
	sl_jstream_init_mem(&js, ent, len);
	if ((e = sl_jstream_expect(&js, '{', err)) < 0)
		goto out;
	while ((e = sl_jstream_more(&js, '}', &n, err)) == 1) {
		if ((e = sl_jstream_key(&js, key, err)) < 0)
			goto out;
		if (!strcmp(key->buf, "type"))
			e = sl_jstream_string(&js, type, err);
		else if (!strcmp(key->buf, "source"))
			e = sl_jstream_string(&js, src, err);
		else if (!strcmp(key->buf, "payload"))
			e = sl_jstream_span(&js, &pl, &pllen, err);
		else if (!strcmp(key->buf, "seq") && (e = sl_jstream_span(&js, &sp, &sn, err)) == 0) {
			/* A seq is a JSON integer >= 0 of at most 16 digits (< 2^53). */
			for (i = 0, seq = 0; i < sn && i < 17 && sp[i] >= '0' && sp[i] <= '9'; i++)
				seq = seq * 10 + (sp[i] - '0');
			if (i != sn || sn > 16 || (sn > 1 && sp[0] == '0'))
				seq = -1;
		} else
			e = sl_jstream_skip(&js, err);
		if (e < 0)
			goto out;
	}
	if (e < 0 || (e = sl_jstream_finish(&js, err)) < 0)
		goto out;
	if (!type->len || !pl || pl[0] != '{' || seq < 0) {
		e = SL_EINVAL;
		goto out;
	}
	if ((e = note_seq_u64(ld->a, (uint64_t)seq, &ld->alloc)) < 0)
		goto out;
	if (!strcmp(type->buf, "mutation")) {
		json_t *payload = NULL, *dec;
		if ((e = sl_json_parse(pl, pllen, &payload, NULL)) < 0)
			goto out;
		*notentry = 0; /* what is wrong now is said by the replay plan */
		dec = json_pack("{s:s, s:I, s:o}", "type", "mutation", "seq", (json_int_t)seq,
				"payload", payload);
		if (!dec) {
			e = sl_error_set(err, SL_ENOMEM, "out of memory");
			goto out;
		}
		e = walk_mutation(ld, dec, err);
		json_decref(dec);
	} else if (!strcmp(type->buf, "config")) {
		struct sl_buf dig[2] = { SL_BUF_INIT, SL_BUF_INIT }; /* sha256, hmac_sha256 */
		struct sl_jstream pj;
		int has[2] = { 0, 0 }, c;
		size_t m = 0;
		json_t *d = NULL;

		sl_jstream_init_mem(&pj, pl, pllen);
		if ((e = sl_jstream_expect(&pj, '{', err)) == 0) {
			while ((e = sl_jstream_more(&pj, '}', &m, err)) == 1 &&
			       (e = sl_jstream_key(&pj, key, err)) == 0) {
				int k = !strcmp(key->buf, "sha256") ? 0 : !strcmp(key->buf, "hmac_sha256") ? 1 : -1;
				if (k >= 0 && (e = sl_jstream_peek(&pj, &c, err)) == 1 && c == '"') {
					has[k] = 1;
					e = sl_jstream_string(&pj, &dig[k], err);
				} else if (e >= 0) {
					e = sl_jstream_skip(&pj, err);
				}
				if (e < 0)
					break;
			}
		}
		sl_jstream_release(&pj);
		*notentry = e < 0;
		/* The digest in effect: the sha256, else a private file's keyed hmac_sha256. */
		if (e == 0 && (has[0] || has[1]) &&
		    !(d = json_stringn_nocheck(dig[has[0] ? 0 : 1].buf, dig[has[0] ? 0 : 1].len)))
			e = sl_error_set(err, SL_ENOMEM, "out of memory");
		if (e == 0)
			e = walk_config(ld, src->buf, d, err);
		json_decref(d);
		sl_buf_release(&dig[0]);
		sl_buf_release(&dig[1]);
	}
out:
	sl_jstream_release(&js);
	return e;
}

/* The prefix, streamed: each item is decoded, walked and dropped. */
static int load_prefix(struct load *ld, struct sl_jstream *js, struct sl_error *err)
{
	struct sl_buf ent = SL_BUF_INIT, key = SL_BUF_INIT, type = SL_BUF_INIT, src = SL_BUF_INIT;
	size_t i = 0, n = 0;
	int e, notentry;

	ld->after = -1;
	if ((e = sl_jstream_expect(js, '[', err)) < 0)
		return e;
	while ((e = sl_jstream_more(js, ']', &n, err)) == 1) {
		int c;
		if ((e = sl_jstream_peek(js, &c, err)) < 0)
			break;
		if (c != '"') {
			e = sl_error_member(err, SL_EINVAL, "prefix", "item %zu is not an entry", i);
			break;
		}
		if ((e = sl_jstream_string(js, &ent, err)) < 0)
			break;
		if ((e = prefix_entry(ld, ent.buf, ent.len, &key, &type, &src, &notentry, err)) < 0) {
			if (e == SL_EINVAL && notentry)
				sl_error_member(err, e, "prefix", "item %zu is not an entry", i);
			else if (e == SL_EINVAL)
				snprintf(err->member, sizeof(err->member), "prefix[%zu]", i);
			break;
		}
		i++;
		if (ld->progress && i % 1024 == 0)
			ld->progress(ld->progress_ctx, i, ld->total);
	}
	if (ld->progress && e == 0)
		ld->progress(ld->progress_ctx, i, ld->total);
	sl_buf_release(&ent);
	sl_buf_release(&key);
	sl_buf_release(&type);
	sl_buf_release(&src);
	return e;
}

/* A mutation record without its proof: {"seq","position","id"} (and the namespace). */
static json_t *slim_mut(const json_t *m, int ns)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	if ((ns && json_object_set(o, "namespace", json_object_get(m, "namespace")) < 0) ||
	    json_object_set(o, "seq", json_object_get(m, "seq")) < 0 ||
	    json_object_set(o, "position", json_object_get(m, "position")) < 0 ||
	    json_object_set(o, "id", json_object_get(m, "id")) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * The snapshot's mutation heads (lib/sl/heads.h), one per namespace,
 * without their entries and proofs: {"namespace","seq","position","id",
 * "last":null or {"seq","position","id"}}.  O(namespaces), read a record
 * at a time.
 */
static int load_heads(struct sl_jstream *js, json_t *heads, struct sl_error *err)
{
	size_t n = 0;
	int e;

	if ((e = sl_jstream_expect(js, '[', err)) < 0)
		return e;
	while ((e = sl_jstream_more(js, ']', &n, err)) == 1) {
		json_t *m = NULL, *h, *last;
		if ((e = sl_jstream_value(js, &m, err)) < 0)
			return e;
		last = json_object_get(m, "last");
		if (!json_is_object(m) || !json_is_string(json_object_get(m, "namespace"))) {
			json_decref(m);
			return sl_error_member(err, SL_EINVAL, "mutations", "item %zu is not a mutation record",
					       n - 1);
		}
		h = slim_mut(m, 1);
		if (h && json_object_set_new(h, "last", json_is_object(last) ? slim_mut(last, 0)
										: json_null()) < 0) {
			json_decref(h);
			h = NULL;
		}
		json_decref(m);
		if (!h || json_array_append_new(heads, h) < 0)
			return SL_ENOMEM;
	}
	return e;
}

static int load_stream(struct sl_advisory *a, struct sl_jstream *js, const char *ledger,
		       sl_progress_fn progress, void *progress_ctx, struct sl_error *err)
{
	struct load ld = { .a = a, .after = -1, .progress = progress, .progress_ctx = progress_ctx,
			   .total = UINT64_MAX };
	struct sl_buf an = SL_BUF_INIT, key = SL_BUF_INIT;
	json_t *t = NULL, *ents = NULL, *size = NULL, *at = NULL, *complete = NULL, *v, *dec;
	json_t *entries = NULL, *analysis = NULL, *mc = NULL, *heads = NULL;
	size_t i, n = 0;
	int e = 0, prefix = 0, prefix_key = 0, heads_key = 0;

	memset(a, 0, sizeof(*a));
	sl_replay_init(&a->plan);
	a->findings = json_array();
	a->warnings = json_array();
	a->input = json_object();
	entries = json_array();
	if (!a->findings || !a->warnings || !a->input || !entries || load_reset(&ld) < 0) {
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	if ((e = sl_jstream_expect(js, '{', err)) < 0)
		goto notjson;
	while ((e = sl_jstream_more(js, '}', &n, err)) == 1) {
		json_t **slot = NULL;
		if ((e = sl_jstream_key(js, &key, err)) < 0)
			goto notjson;
		if (!strcmp(key.buf, "type"))
			slot = &t;
		else if (!strcmp(key.buf, "entries"))
			slot = &ents;
		else if (!strcmp(key.buf, "size"))
			slot = &size;
		else if (!strcmp(key.buf, "at"))
			slot = &at;
		else if (!strcmp(key.buf, "complete"))
			slot = &complete;
		if (slot && *slot) {
			e = sl_error_member(err, SL_EINVAL, key.buf, "given twice");
			goto out;
		}
		if (slot) {
			if ((e = sl_jstream_value(js, slot, err)) < 0)
				goto notjson;
		} else if (!strcmp(key.buf, "mutations")) {
			if (heads_key++) {
				e = sl_error_member(err, SL_EINVAL, key.buf, "given twice");
				goto out;
			}
			if (!(heads = json_array())) {
				e = sl_error_set(err, SL_ENOMEM, "out of memory");
				goto out;
			}
			if ((e = load_heads(js, heads, err)) < 0)
				goto notjson;
		} else if (!strcmp(key.buf, "prefix") && prefix_key++) {
			e = sl_error_member(err, SL_EINVAL, key.buf, "given twice");
			goto out;
		} else if (!strcmp(key.buf, "prefix") && (!complete || json_is_true(complete))) {
			int c;
			if ((e = sl_jstream_peek(js, &c, err)) < 0)
				goto notjson;
			if (e == 1 && c == '[') {
				prefix = 1;
				if (json_is_integer(size) && json_integer_value(size) >= 0)
					ld.total = (uint64_t)json_integer_value(size);
				if ((e = load_prefix(&ld, js, err)) < 0)
					goto notjson;
			} else if ((e = sl_jstream_skip(js, err)) < 0) {
				goto notjson;
			}
		} else if ((e = sl_jstream_skip(js, err)) < 0) {
			goto notjson;
		}
	}
	if (e < 0 || (e = sl_jstream_finish(js, err)) < 0)
		goto notjson;
	if (!json_is_string(t) || strcmp(json_string_value(t), "snapshot") != 0 ||
	    !json_is_array(ents) || !json_is_integer(size) || !json_is_string(at)) {
		e = sl_error_set(err, SL_EINVAL, "not a snapshot document");
		goto out;
	}
	a->complete = json_is_true(complete) && prefix;
	/* A prefix walked before `complete` said false: start again from the entries. */
	if (!a->complete && prefix && load_reset(&ld) < 0) {
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(ents, i, v) {
		if (!(dec = decode(json_object_get(v, "entry")))) {
			e = sl_error_member(err, SL_EINVAL, "entries", "item %zu is not a snapshot entry", i);
			goto out;
		}
		json_array_append_new(entries, dec);
		if (a->complete && (e = note_seq(a, dec, &ld.alloc)) < 0) {
			sl_error_member(err, e, "entries", "item %zu has no seq", i);
			goto out;
		}
	}
	if (!a->complete) {
		if ((e = walk_entries(&ld, entries, err)) < 0)
			goto out;
		json_array_append_new(a->warnings,
				      json_string("the snapshot is not complete: rules saw only the latest "
						  "entry of each source (take it with sl-snapshot --complete)"));
	}
	a->plan.complete = a->complete;
	if (a->nseqs)
		qsort(a->seqs, a->nseqs, sizeof(*a->seqs), u64cmp);
	/* The replay analysis of the mutations, by the code sl-replay uses, bounded. */
	if ((e = sl_replay_build(&a->plan, err)) < 0)
		goto out;
	if ((e = sl_replay_summary(&a->plan, SL_ADVISORY_LIST_MAX, &an)) < 0 ||
	    sl_json_parse(an.buf, an.len, &analysis, NULL) < 0) {
		e = sl_error_set(err, e < 0 ? e : SL_ENOMEM, "unable to analyse the mutations");
		goto out;
	}
	mc = json_pack("{s:I, s:O}", "total", (json_int_t)ld.nbad, "items", ld.bad);
	if (!mc || json_object_set(a->input, "at", at) != 0 ||
	    json_object_set(a->input, "size", size) != 0 ||
	    json_object_set_new(a->input, "complete", json_boolean(a->complete)) != 0 ||
	    json_object_set_new(a->input, "limit", json_integer(SL_ADVISORY_LIST_MAX)) != 0 ||
	    json_object_set(a->input, "entries", entries) != 0 ||
	    json_object_set_new(a->input, "mutations", heads ? json_incref(heads) : json_array()) != 0 ||
	    json_object_set(a->input, "prefix", json_null()) != 0 ||
	    json_object_set(a->input, "replay", analysis) != 0 ||
	    json_object_set(a->input, "mutation_config", mc) != 0 ||
	    json_object_set_new(a->input, "artifacts", json_null()) != 0) {
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	if (ledger)
		e = check_artifacts(a, entries, ledger, err);
	else
		json_array_append_new(a->warnings,
				      json_string("stored configs were not checked against an artifact "
						  "store (give the ledger with -L)"));
	goto out;
notjson:
	if (e == SL_EINVAL && err && strncmp(err->msg, "the snapshot", 12) != 0 && !err->member[0]) {
		char m[SL_ERR_MSG];
		snprintf(m, sizeof(m), "%s", err->msg);
		sl_error_set(err, SL_EINVAL, "the snapshot is not JSON: %s", m);
	}
out:
	sl_buf_release(&an);
	sl_buf_release(&key);
	json_decref(analysis);
	json_decref(mc);
	json_decref(entries);
	json_decref(heads);
	json_decref(t);
	json_decref(ents);
	json_decref(size);
	json_decref(at);
	json_decref(complete);
	json_decref(ld.cfg_src);
	json_decref(ld.cfg_count);
	json_decref(ld.bad);
	return e;
}

int sl_advisory_load(struct sl_advisory *a, const char *text, size_t len, const char *ledger,
		     struct sl_error *err)
{
	struct sl_jstream js;
	int e;

	sl_jstream_init_mem(&js, text, len);
	e = load_stream(a, &js, ledger, NULL, NULL, err);
	sl_jstream_release(&js);
	return e;
}

int sl_advisory_load_fd(struct sl_advisory *a, int fd, const char *ledger, struct sl_error *err)
{
	return sl_advisory_load_fd_progress(a, fd, ledger, NULL, NULL, err);
}

int sl_advisory_load_fd_progress(struct sl_advisory *a, int fd, const char *ledger,
				 sl_progress_fn progress, void *ctx, struct sl_error *err)
{
	struct sl_jstream js;
	int e;

	sl_jstream_init_fd(&js, fd, SL_ADVISORY_VALUE_MAX);
	e = load_stream(a, &js, ledger, progress, ctx, err);
	sl_jstream_release(&js);
	return e;
}

void sl_advisory_release(struct sl_advisory *a)
{
	json_decref(a->input);
	json_decref(a->findings);
	json_decref(a->warnings);
	free(a->seqs);
	sl_replay_release(&a->plan);
	memset(a, 0, sizeof(*a));
}

int sl_advisory_input(const struct sl_advisory *a, struct sl_buf *out)
{
	char *s = json_dumps(a->input, JSON_COMPACT);

	if (!s)
		return SL_ENOMEM;
	sl_buf_addstr(out, s);
	sl_buf_addch(out, '\n');
	free(s);
	return sl_buf_ok(out);
}

