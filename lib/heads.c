// SPDX-License-Identifier: MIT
/* The rule of a snapshot: named entries and mutation heads (lib/sl/heads.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/heads.h"
#include "sl/json.h"
#include "sl/replay.h"
#include "sl/store.h"

int sl_filter_match(const struct sl_snap_filter *f, const char *type, const char *source)
{
	if (!f)
		return 1;
	if (f->type && strcmp(f->type, type) != 0)
		return 0;
	/*
	 * The store's own matcher, not fnmatch(3), which differs (? is a byte,
	 * not a UTF-8 character; [[:alpha:]] is a class): a source the store
	 * matched but this did not could be left out of a bundle still called
	 * complete for its filter.
	 */
	return !f->source || sl_store_glob_match(f->source, source);
}

/*
 * The fast reading of a mutation's key from its bytes (lib/sl/heads.h).
 * It takes only bytes the full parser would read the same way: JSON
 * (sl_json_parse's: strings of valid UTF-8 without raw control bytes,
 * the literals, integers, no trailing comma, no duplicate member) whose
 * every object lists its members in the canonical order (sl_jcs_keycmp,
 * strictly rising, which rules out a duplicate without remembering keys).
 * Anything else -- an escape in a member name or in the strings it
 * returns, a surrogate escape, a fraction or exponent, an integer of more
 * than 18 digits, members out of order, bytes after the end -- sends the
 * caller to the full parser, so the two never disagree, and the fast
 * reading never takes bytes the full parser refuses (sl-verify used to
 * call such an entry's index row right).
 */
#define KB_SLOW 1

struct kb {
	const unsigned char *p, *end;
	int depth;
};

static void kb_ws(struct kb *k)
{
	while (k->p < k->end && (*k->p == ' ' || *k->p == '\t' || *k->p == '\n' || *k->p == '\r'))
		k->p++;
}

static int kb_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A string at k->p: its contents (between the quotes); *esc when it holds an escape. */
static int kb_string(struct kb *k, const unsigned char **s, size_t *n, int *esc)
{
	const unsigned char *q;

	if (k->p >= k->end || *k->p != '"')
		return KB_SLOW;
	*esc = 0;
	for (q = k->p + 1; q < k->end && *q != '"'; q++) {
		if (*q < 0x20)
			return KB_SLOW;
		if (*q == '\\') {
			*esc = 1;
			if (++q >= k->end)
				return KB_SLOW;
			if (*q == 'u') {
				/* Four hex digits, not a surrogate (a pair, or a lone one jansson refuses). */
				if (k->end - q < 5 || !kb_hex(q[1]) || !kb_hex(q[2]) || !kb_hex(q[3]) ||
				    !kb_hex(q[4]) || ((q[1] == 'd' || q[1] == 'D') &&
						      !(q[2] >= '0' && q[2] <= '7')))
					return KB_SLOW;
				q += 4;
			} else if (!strchr("\"\\/bfnrt", *q) || !*q) {
				return KB_SLOW;
			}
		}
	}
	if (q >= k->end || !sl_utf8_valid((const char *)k->p + 1, (size_t)(q - k->p - 1)))
		return KB_SLOW;
	*s = k->p + 1;
	*n = (size_t)(q - k->p - 1);
	k->p = q + 1;
	return 0;
}

/* A literal or an integer of at most 18 digits (well within json_int_t): what else is a scalar is slow. */
static int kb_scalar(struct kb *k)
{
	static const char *const lit[] = { "true", "false", "null" };
	const unsigned char *d;
	size_t i, n;

	for (i = 0; i < sizeof(lit) / sizeof(lit[0]); i++) {
		n = strlen(lit[i]);
		if ((size_t)(k->end - k->p) >= n && memcmp(k->p, lit[i], n) == 0) {
			k->p += n;
			return 0; /* what follows is the container's to check */
		}
	}
	if (k->p < k->end && *k->p == '-')
		k->p++;
	for (d = k->p; k->p < k->end && *k->p >= '0' && *k->p <= '9'; k->p++)
		;
	n = (size_t)(k->p - d);
	if (n == 0 || n > 18 || (n > 1 && *d == '0'))
		return KB_SLOW;
	if (k->p < k->end && (*k->p == '.' || *k->p == 'e' || *k->p == 'E'))
		return KB_SLOW;
	return 0;
}

/*
 * A member name at k->p, with no escape, after the previous one (prev,
 * NULL for the first) in the canonical order; then the colon.
 */
static int kb_key(struct kb *k, const unsigned char **s, size_t *n, const unsigned char **prev,
		  size_t *prev_n)
{
	int esc;

	if (kb_string(k, s, n, &esc) != 0 || esc)
		return KB_SLOW;
	if (*prev && sl_jcs_keycmp((const char *)*prev, *prev_n, (const char *)*s, *n) >= 0)
		return KB_SLOW;
	*prev = *s;
	*prev_n = *n;
	kb_ws(k);
	if (k->p >= k->end || *k->p++ != ':')
		return KB_SLOW;
	kb_ws(k);
	return 0;
}

/* After a member or element: a comma and another (1), or the close (0, past it). */
static int kb_next(struct kb *k, unsigned char close, int *more)
{
	kb_ws(k);
	if (k->p < k->end && *k->p == ',') {
		k->p++;
		*more = 1;
		return 0;
	}
	if (k->p < k->end && *k->p == close) {
		k->p++;
		*more = 0;
		return 0;
	}
	return KB_SLOW;
}

/* Step over one value of any kind (checked as sl_json_parse would, but not kept). */
static int kb_skip(struct kb *k)
{
	const unsigned char *s, *prev = NULL;
	size_t n, prev_n = 0;
	int esc, e, more;

	kb_ws(k);
	if (k->p >= k->end)
		return KB_SLOW;
	if (*k->p == '"')
		return kb_string(k, &s, &n, &esc);
	if (*k->p == '{' || *k->p == '[') {
		unsigned char close = *k->p == '{' ? '}' : ']';
		if (++k->depth > 64)
			return KB_SLOW;
		k->p++;
		kb_ws(k);
		if (k->p < k->end && *k->p == close) {
			k->p++;
			k->depth--;
			return 0;
		}
		do {
			kb_ws(k);
			if (close == '}' && (e = kb_key(k, &s, &n, &prev, &prev_n)) != 0)
				return e;
			if ((e = kb_skip(k)) != 0 || (e = kb_next(k, close, &more)) != 0)
				return e;
		} while (more);
		k->depth--;
		return 0;
	}
	return kb_scalar(k);
}

/* Walk the members of the object at k->p; fn sees each key, with k->p at its value. */
static int kb_members(struct kb *k, int (*fn)(struct kb *, const unsigned char *, size_t, void *),
		      void *ctx)
{
	const unsigned char *s, *prev = NULL;
	size_t n, prev_n = 0;
	int e, more;

	kb_ws(k);
	if (k->p >= k->end || *k->p++ != '{')
		return KB_SLOW;
	kb_ws(k);
	if (k->p < k->end && *k->p == '}') {
		k->p++;
		return 0;
	}
	do {
		kb_ws(k);
		if ((e = kb_key(k, &s, &n, &prev, &prev_n)) != 0 || (e = fn(k, s, n, ctx)) != 0 ||
		    (e = kb_next(k, '}', &more)) != 0)
			return e;
	} while (more);
	return 0;
}

struct kb_found {
	int type, payload, ns, pos, id;
	int is_mutation, id_string;
	const unsigned char *ns_s, *pos_s, *id_s, *posv_s;
	size_t ns_n, pos_n, id_n, posv_n;
	int pos_str;
};

#define KB_KEY(s, n, lit) ((n) == sizeof(lit) - 1 && memcmp((s), (lit), sizeof(lit) - 1) == 0)

static int kb_payload_member(struct kb *k, const unsigned char *s, size_t n, void *ctx)
{
	struct kb_found *f = ctx;
	const unsigned char *v;
	int esc, e;

	if (KB_KEY(s, n, "namespace")) {
		if (f->ns++)
			return KB_SLOW;
		if ((e = kb_string(k, &f->ns_s, &f->ns_n, &esc)) != 0 || esc)
			return KB_SLOW;
		return 0;
	}
	if (KB_KEY(s, n, "id")) {
		if (f->id++)
			return KB_SLOW;
		f->id_string = k->p < k->end && *k->p == '"';
		f->id_s = k->p;
		if ((e = kb_skip(k)) != 0)
			return e;
		f->id_n = (size_t)(k->p - f->id_s);
		return 0;
	}
	if (KB_KEY(s, n, "position")) {
		if (f->pos++)
			return KB_SLOW;
		f->posv_s = k->p;
		if (k->p < k->end && *k->p == '"') {
			if ((e = kb_string(k, &f->pos_s, &f->pos_n, &esc)) != 0 || esc)
				return KB_SLOW;
			f->pos_str = 1;
			f->posv_n = (size_t)(k->p - f->posv_s);
			return 0;
		}
		for (v = k->p; k->p < k->end && *k->p >= '0' && *k->p <= '9'; k->p++)
			;
		f->pos_s = v;
		f->pos_n = f->posv_n = (size_t)(k->p - v);
		return 0;
	}
	return kb_skip(k);
}

static int kb_top_member(struct kb *k, const unsigned char *s, size_t n, void *ctx)
{
	struct kb_found *f = ctx;

	if (KB_KEY(s, n, "type")) {
		if (f->type++)
			return KB_SLOW;
		f->is_mutation = (size_t)(k->end - k->p) >= 10 && memcmp(k->p, "\"mutation\"", 10) == 0;
		return kb_skip(k);
	}
	if (KB_KEY(s, n, "payload")) {
		if (f->payload++)
			return KB_SLOW;
		if (k->p >= k->end || *k->p != '{')
			return kb_skip(k); /* not an object: no key, as the parsed form finds none */
		return kb_members(k, kb_payload_member, f);
	}
	return kb_skip(k);
}

int sl_mutation_key_bytes(const void *entry, size_t len, const char **ns, size_t *ns_len,
			  unsigned char pos[SL_POSKEY_LEN], struct sl_mutkey_text *text)
{
	struct kb k = { entry, (const unsigned char *)entry + len, 0 };
	struct kb_found f = { 0 };
	uint64_t x = 0, x_in;
	size_t i;
	int e;

	if ((e = kb_members(&k, kb_top_member, &f)) != 0)
		return e;
	kb_ws(&k);
	if (k.p != k.end)
		return KB_SLOW;
	if (!f.is_mutation || !f.ns || !f.pos || !f.id || !f.id_string || memchr(f.ns_s, 0, f.ns_n))
		return KB_SLOW; /* not a key; the parsed form says why */
	if (f.pos_str) {
		char lsn[24];
		if (f.pos_n >= sizeof(lsn) || memchr(f.pos_s, 0, f.pos_n))
			return KB_SLOW;
		memcpy(lsn, f.pos_s, f.pos_n);
		lsn[f.pos_n] = '\0';
		if (sl_lsn_parse(lsn, &x) < 0)
			return KB_SLOW;
		pos[0] = 2;
	} else {
		/* Plain digits, no leading zero, at most 2^53 - 1 (as sl_mutation_key). */
		if (f.pos_n == 0 || f.pos_n > 19 || (f.pos_n > 1 && f.pos_s[0] == '0'))
			return KB_SLOW;
		for (i = 0; i < f.pos_n; i++)
			x = x * 10 + (uint64_t)(f.pos_s[i] - '0');
		if (x > (uint64_t)SL_JSON_INT_MAX)
			return KB_SLOW; /* not a key (sl_mutation_key): the parsed form says why */
		/* The number must end there: "12.5", "1e3" are not integers. */
		if (f.pos_s + f.pos_n < k.end && f.pos_s[f.pos_n] != ',' && f.pos_s[f.pos_n] != '}' &&
		    f.pos_s[f.pos_n] != ' ' && f.pos_s[f.pos_n] != '\t' && f.pos_s[f.pos_n] != '\n' &&
		    f.pos_s[f.pos_n] != '\r')
			return KB_SLOW;
		pos[0] = 1;
	}
	x_in = x;
	for (i = 8; i >= 1; i--, x >>= 8)
		pos[i] = (unsigned char)(x & 0xff);
	if (text) {
		/*
		 * Canonical as they stand only without escapes, as valid UTF-8 (the
		 * namespace too, which callers may write as it stands), and
		 * for an integer only up to 2^53 - 1 (JCS writes numbers as doubles).
		 */
		if ((pos[0] == 1 && x_in > (UINT64_C(1) << 53) - 1) || memchr(f.id_s, '\\', f.id_n) ||
		    !sl_utf8_valid((const char *)f.id_s, f.id_n) ||
		    !sl_utf8_valid((const char *)f.ns_s, f.ns_n))
			return KB_SLOW;
		text->position = (const char *)f.posv_s;
		text->position_len = f.posv_n;
		text->id = (const char *)f.id_s;
		text->id_len = f.id_n;
	}
	*ns = (const char *)f.ns_s;
	*ns_len = f.ns_n;
	return 0;
}

int sl_mutation_key(const json_t *ent, const char **ns, unsigned char pos[SL_POSKEY_LEN])
{
	json_t *t = json_object_get(ent, "type"), *p = json_object_get(ent, "payload");
	json_t *n = json_object_get(p, "namespace"), *v = json_object_get(p, "position");
	uint64_t x;
	int i;

	if (!json_is_string(t) || strcmp(json_string_value(t), "mutation") != 0 || !json_is_string(n) ||
	    !json_is_string(json_object_get(p, "id")))
		return SL_EINVAL;
	/*
	 * A NUL in the namespace (or an LSN) would make it compare, as a C
	 * string, equal to its start: "a/b\u0000x" taken for namespace a/b,
	 * its position for a/b's head.  sl-append refuses them; a log that
	 * holds one (written behind its back) is not read as if it did not.
	 */
	if (strlen(json_string_value(n)) != json_string_length(n) ||
	    (json_is_string(v) && strlen(json_string_value(v)) != json_string_length(v)))
		return SL_EINVAL;
	/*
	 * An integer position up to 2^53 - 1, as sl-append takes it (JCS): one
	 * above was written behind its back, and a snapshot cannot give it
	 * (sl-verify passed such a log that sl-snapshot and sl-diff refused).
	 */
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= SL_JSON_INT_MAX) {
		pos[0] = 1;
		x = (uint64_t)json_integer_value(v);
	} else if (json_is_string(v) && sl_lsn_parse(json_string_value(v), &x) == 0) {
		pos[0] = 2;
	} else {
		return SL_EINVAL;
	}
	for (i = 8; i >= 1; i--, x >>= 8)
		pos[i] = (unsigned char)(x & 0xff);
	*ns = json_string_value(n);
	return 0;
}

void sl_lane_step(struct sl_lane *ln, uint64_t seq, const unsigned char pos[SL_POSKEY_LEN])
{
	/* Strictly higher: at an equal position the first appended stays the head. */
	if (ln->count == 0 || memcmp(pos, ln->headpos, SL_POSKEY_LEN) > 0) {
		ln->head = seq;
		memcpy(ln->headpos, pos, SL_POSKEY_LEN);
	}
	ln->last = seq;
	ln->count++;
}

void sl_lane_merge(struct sl_lane *a, const struct sl_lane *b)
{
	int c;

	if (b->count == 0)
		return;
	if (a->count == 0) {
		*a = *b;
		return;
	}
	c = memcmp(b->headpos, a->headpos, SL_POSKEY_LEN);
	if (c > 0 || (c == 0 && b->head < a->head)) {
		a->head = b->head;
		memcpy(a->headpos, b->headpos, SL_POSKEY_LEN);
	}
	if (b->last > a->last)
		a->last = b->last;
	a->count += b->count;
}

static int ns_slot(struct sl_nsheads *h, const char *ns, struct sl_lane **out)
{
	json_t *at;
	size_t k;

	if (!h->index && !(h->index = json_object()))
		return SL_ENOMEM;
	if ((at = json_object_get(h->index, ns))) {
		*out = &h->lane[json_integer_value(at)];
		return 0;
	}
	if (h->n == h->alloc) {
		size_t na = h->alloc ? 2 * h->alloc : 16;
		char **nn = na > SIZE_MAX / sizeof(*nn) ? NULL : realloc(h->ns, na * sizeof(*nn));
		struct sl_lane *nl;
		if (!nn)
			return SL_ENOMEM;
		h->ns = nn;
		if (!(nl = realloc(h->lane, na * sizeof(*nl))))
			return SL_ENOMEM;
		h->lane = nl;
		h->alloc = na;
	}
	k = h->n;
	if (!(h->ns[k] = strdup(ns)))
		return SL_ENOMEM;
	if (json_object_set_new(h->index, ns, json_integer((json_int_t)k)) < 0) {
		free(h->ns[k]);
		return SL_ENOMEM;
	}
	memset(&h->lane[k], 0, sizeof(h->lane[k]));
	h->n++;
	*out = &h->lane[k];
	return 0;
}

int sl_nsheads_merge(struct sl_nsheads *h, const char *ns, const struct sl_lane *ln)
{
	struct sl_lane *a;
	int e = ns_slot(h, ns, &a);

	if (e == 0)
		sl_lane_merge(a, ln);
	return e;
}

int sl_nsheads_step(struct sl_nsheads *h, const char *ns, uint64_t seq,
		    const unsigned char pos[SL_POSKEY_LEN])
{
	struct sl_lane *a;
	int e = ns_slot(h, ns, &a);

	if (e == 0)
		sl_lane_step(a, seq, pos);
	return e;
}

struct nsent {
	char *ns;
	struct sl_lane lane;
};

static int nscmp(const void *a, const void *b)
{
	return strcmp(((const struct nsent *)a)->ns, ((const struct nsent *)b)->ns);
}

int sl_nsheads_finish(struct sl_nsheads *h)
{
	struct nsent *v;
	size_t i;

	json_decref(h->index);
	h->index = NULL;
	if (h->n < 2)
		return 0;
	if (!(v = malloc(h->n * sizeof(*v))))
		return SL_ENOMEM;
	for (i = 0; i < h->n; i++)
		v[i].ns = h->ns[i], v[i].lane = h->lane[i];
	qsort(v, h->n, sizeof(*v), nscmp);
	for (i = 0; i < h->n; i++)
		h->ns[i] = v[i].ns, h->lane[i] = v[i].lane;
	free(v);
	return 0;
}

void sl_nsheads_release(struct sl_nsheads *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		free(h->ns[i]);
	free(h->ns);
	free(h->lane);
	json_decref(h->index);
	memset(h, 0, sizeof(*h));
}

int sl_mutation_record(struct sl_buf *out, uint64_t seq, const void *entry, size_t len, int with_ns,
		       char **ns_out)
{
	unsigned char pos[SL_POSKEY_LEN];
	struct sl_mutkey_text mt;
	const char *ns;
	size_t nl;
	json_t *root = NULL, *p;
	int e = 0;

	if (ns_out)
		*ns_out = NULL;
	if (sl_mutation_key_bytes(entry, len, &ns, &nl, pos, &mt) == 0) {
		/* Plain bytes: the members' text as it stands is canonical. */
		if (with_ns) {
			sl_buf_addstr(out, "{\"namespace\":\"");
			sl_buf_add(out, ns, nl);
			sl_buf_addstr(out, "\",");
		} else {
			sl_buf_addch(out, '{');
		}
		sl_buf_addf(out, "\"seq\":%llu,\"position\":", (unsigned long long)seq);
		sl_buf_add(out, mt.position, mt.position_len);
		sl_buf_addstr(out, ",\"id\":");
		sl_buf_add(out, mt.id, mt.id_len);
		if (ns_out && !(*ns_out = strndup(ns, nl)))
			return SL_ENOMEM;
		return sl_buf_ok(out);
	}
	if ((e = sl_json_parse(entry, len, &root, NULL)) < 0)
		return e == SL_ENOMEM ? e : SL_EINVAL;
	if ((e = sl_mutation_key(root, &ns, pos)) < 0) {
		json_decref(root);
		return e;
	}
	p = json_object_get(root, "payload");
	if (with_ns) {
		sl_buf_addstr(out, "{\"namespace\":");
		e = sl_jcs_write(out, json_object_get(p, "namespace"), NULL, NULL);
		sl_buf_addch(out, ',');
	} else {
		sl_buf_addch(out, '{');
	}
	sl_buf_addf(out, "\"seq\":%llu,\"position\":", (unsigned long long)seq);
	if (e == 0)
		e = sl_jcs_write(out, json_object_get(p, "position"), NULL, NULL);
	sl_buf_addstr(out, ",\"id\":");
	if (e == 0)
		e = sl_jcs_write(out, json_object_get(p, "id"), NULL, NULL);
	if (e == 0 && ns_out && !(*ns_out = strdup(ns)))
		e = SL_ENOMEM;
	json_decref(root);
	if (e < 0)
		return e == SL_ENOMEM ? e : SL_EINVAL;
	return sl_buf_ok(out);
}
