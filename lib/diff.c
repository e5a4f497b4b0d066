// SPDX-License-Identifier: MIT
/*
 * Differences between two snapshots (lib/sl/diff.h).  Both snapshots list
 * their entries in (type, source) byte order, so one merge walk finds the
 * added, removed and changed sources; the mutations are matched by
 * namespace the same way after sorting.
 */
#include <stdlib.h>
#include <string.h>

#include "sl/diff.h"
#include "sl/heads.h"
#include "sl/json.h"
#include "sl/snapshot.h"

struct side {
	json_t *doc;
	json_t *entries;
	json_t *muts;
	json_t *prefix; /* array or NULL */
	uint64_t size;
};

static int load(const char *s, size_t len, const char *which, struct side *d, struct sl_error *err)
{
	struct sl_error perr = { 0 };
	json_t *t, *sz;

	if (sl_json_parse(s, len, &d->doc, &perr) < 0)
		return sl_error_member(err, SL_EINVAL, which, "is not JSON: %s", perr.msg);
	t = json_object_get(d->doc, "type");
	d->entries = json_object_get(d->doc, "entries");
	d->muts = json_object_get(d->doc, "mutations");
	sz = json_object_get(d->doc, "size");
	if (!json_is_string(t) || strcmp(json_string_value(t), "snapshot") != 0 ||
	    !json_is_array(d->entries) || !json_is_array(d->muts) || !json_is_integer(sz) ||
	    json_integer_value(sz) < 0)
		return sl_error_member(err, SL_EINVAL, which, "is not a snapshot document");
	d->size = (uint64_t)json_integer_value(sz);
	if (json_is_true(json_object_get(d->doc, "complete")))
		d->prefix = json_object_get(d->doc, "prefix");
	if (d->prefix && !json_is_array(d->prefix))
		d->prefix = NULL;
	return 0;
}

/* One named entry: its key, seq and parsed payload. */
struct ent {
	const char *type, *source;
	json_t *seq;
	json_t *parsed; /* owned */
};

static int entry_at(const struct side *d, size_t i, const char *which, struct ent *e,
		    struct sl_error *err)
{
	json_t *o = json_array_get(d->entries, i), *b = json_object_get(o, "entry");

	e->type = json_string_value(json_object_get(o, "type"));
	e->source = json_string_value(json_object_get(o, "source"));
	e->seq = json_object_get(o, "seq");
	e->parsed = NULL;
	if (!e->type || !e->source || !json_is_integer(e->seq) || !json_is_string(b) ||
	    sl_json_parse(json_string_value(b), json_string_length(b), &e->parsed, NULL) < 0)
		return sl_error_member(err, SL_EINVAL, which, "entries[%zu] is not a snapshot entry", i);
	return 0;
}

static int keycmp(const struct ent *a, const struct ent *b)
{
	int c = strcmp(a->type, b->type);

	return c ? c : strcmp(a->source, b->source);
}

static int put(struct sl_buf *out, const json_t *v)
{
	if (!v) {
		sl_buf_addstr(out, "null");
		return 0;
	}
	return sl_jcs_write(out, v, NULL, NULL) < 0 ? SL_EINVAL : 0;
}

/* Append {"member":..,"from":..,"to":..} for each difference between a and b at path. */
static int members(struct sl_buf *out, struct sl_buf *path, const json_t *a, const json_t *b,
		   int *n)
{
	size_t plen = path->len;
	const char *k;
	json_t *v;
	int e;

	if (json_is_object(a) && json_is_object(b)) {
		/* JCS order: walk the union of keys sorted. */
		json_t *keys = json_array();
		size_t i, j;
		if (!keys)
			return SL_ENOMEM;
		json_object_foreach((json_t *)a, k, v)
			json_array_append_new(keys, json_string(k));
		json_object_foreach((json_t *)b, k, v)
			if (!json_object_get(a, k))
				json_array_append_new(keys, json_string(k));
		/* Few keys: insertion sort by JCS key order. */
		for (i = 1; i < json_array_size(keys); i++)
			for (j = i; j > 0; j--) {
				json_t *x = json_array_get(keys, j - 1), *y = json_array_get(keys, j);
				if (sl_jcs_keycmp(json_string_value(x), json_string_length(x),
						  json_string_value(y), json_string_length(y)) <= 0)
					break;
				json_incref(x);
				json_array_set(keys, j - 1, y);
				json_array_set_new(keys, j, x);
			}
		for (i = 0; i < json_array_size(keys); i++) {
			k = json_string_value(json_array_get(keys, i));
			sl_buf_setlen(path, plen);
			if (plen)
				sl_buf_addch(path, '.');
			sl_buf_addstr(path, k);
			if ((e = members(out, path, json_object_get(a, k), json_object_get(b, k), n)) < 0) {
				json_decref(keys);
				return e;
			}
		}
		sl_buf_setlen(path, plen);
		json_decref(keys);
		return 0;
	}
	if (a && b && json_equal(a, b))
		return 0;
	if ((*n)++)
		sl_buf_addch(out, ',');
	sl_buf_addstr(out, "{\"member\":");
	if (sl_jcs_string(out, path->buf, path->len) < 0)
		return SL_EINVAL;
	sl_buf_addstr(out, ",\"from\":");
	if ((e = put(out, a)) < 0)
		return e;
	sl_buf_addstr(out, ",\"to\":");
	if ((e = put(out, b)) < 0)
		return e;
	sl_buf_addch(out, '}');
	return 0;
}

static int head(struct sl_buf *out, const char *change, const struct ent *x)
{
	sl_buf_addf(out, "{\"change\":\"%s\",\"type\":", change);
	if (sl_jcs_string(out, x->type, strlen(x->type)) < 0)
		return SL_EINVAL;
	sl_buf_addstr(out, ",\"source\":");
	return sl_jcs_string(out, x->source, strlen(x->source)) < 0 ? SL_EINVAL : 0;
}

/*
 * Members a collector sets at capture time, not part of the state captured
 * (stateledger.7, "Differences"): a payload that differs only in these was
 * recaptured, not changed.
 */
static const char *const volatile_members[] = { "captured_at", NULL };

/* 1 when the two payloads are equal but for volatile members. */
static int only_volatile(const json_t *pa, const json_t *pb)
{
	json_t *x = json_deep_copy(pa), *y = json_deep_copy(pb);
	size_t i;
	int same;

	if (!x || !y) {
		json_decref(x);
		json_decref(y);
		return -1;
	}
	for (i = 0; volatile_members[i]; i++) {
		json_object_del(x, volatile_members[i]);
		json_object_del(y, volatile_members[i]);
	}
	same = json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return same;
}

static int diff_entries(const struct side *a, const struct side *b, struct sl_buf *out,
			size_t *count, int flags, struct sl_error *err)
{
	struct sl_buf path = SL_BUF_INIT;
	size_t i = 0, j = 0, na = json_array_size(a->entries), nb = json_array_size(b->entries);
	struct ent x = { 0 }, y = { 0 };
	int e = 0;

	while (e == 0 && (i < na || j < nb)) {
		int c;
		if (i < na && (e = entry_at(a, i, "from", &x, err)) < 0)
			break;
		if (j < nb && (e = entry_at(b, j, "to", &y, err)) < 0)
			break;
		c = i >= na ? 1 : j >= nb ? -1 : keycmp(&x, &y);
		if (c < 0) {
			if ((e = head(out, "removed", &x)) < 0)
				break;
			sl_buf_addstr(out, ",\"from_seq\":");
			e = put(out, x.seq);
			sl_buf_addstr(out, ",\"to_seq\":null}\n");
			++*count;
			i++;
		} else if (c > 0) {
			if ((e = head(out, "added", &y)) < 0)
				break;
			sl_buf_addstr(out, ",\"from_seq\":null,\"to_seq\":");
			e = put(out, y.seq);
			sl_buf_addstr(out, "}\n");
			++*count;
			j++;
		} else {
			json_t *pa = json_object_get(x.parsed, "payload"), *pb = json_object_get(y.parsed, "payload");
			int same = json_equal(pa, pb), vol = same ? 1 : only_volatile(pa, pb);
			if (vol < 0) {
				e = SL_ENOMEM;
				break;
			}
			/* A recapture (the same state, captured again) shows only with SL_DIFF_ALL. */
			if ((!vol || ((flags & SL_DIFF_ALL) && !json_equal(x.seq, y.seq)))) {
				int n = 0;
				if ((e = head(out, vol ? "recaptured" : "changed", &x)) < 0)
					break;
				sl_buf_addstr(out, ",\"from_seq\":");
				(void)!put(out, x.seq);
				sl_buf_addstr(out, ",\"to_seq\":");
				(void)!put(out, y.seq);
				sl_buf_addstr(out, ",\"members\":[");
				sl_buf_reset(&path);
				sl_buf_addstr(&path, "payload");
				if ((e = members(out, &path, pa, pb, &n)) < 0)
					break;
				sl_buf_addstr(out, "]}\n");
				++*count;
			}
			i++;
			j++;
		}
		json_decref(x.parsed);
		json_decref(y.parsed);
		x.parsed = y.parsed = NULL;
	}
	json_decref(x.parsed);
	json_decref(y.parsed);
	sl_buf_release(&path);
	if (e == 0)
		e = sl_buf_ok(out);
	return e;
}

static int nscmp(const void *p, const void *q)
{
	const json_t *a = *(json_t *const *)p, *b = *(json_t *const *)q;
	const char *x = json_string_value(json_object_get(a, "namespace"));
	const char *y = json_string_value(json_object_get(b, "namespace"));

	return strcmp(x ? x : "", y ? y : "");
}

/* The mutation records of a side, sorted by namespace (a new array of borrowed pointers). */
static json_t **sorted_muts(const struct side *d, size_t *n)
{
	size_t i, k = json_array_size(d->muts);
	json_t **v = calloc(k ? k : 1, sizeof(*v));

	if (!v)
		return NULL;
	for (i = 0; i < k; i++)
		v[i] = json_array_get(d->muts, i);
	qsort(v, k, sizeof(*v), nscmp);
	*n = k;
	return v;
}

/*
 * The mutations applied between the two sizes, per namespace: the `to`
 * side's prefix entries a->size..b->size-1 are parsed once, each mutation
 * kept as its namespace and rendered record, sorted by (namespace, seq),
 * so that every namespace's list is one binary search away.  (Parsing the
 * range again for each namespace made sl-diff quadratic.)
 */
struct appl {
	char *ns;
	uint64_t seq;
	size_t off, len; /* its {"seq":S,"position":P,"id":ID} in the text */
};

struct applied_set {
	int known;       /* the `to` side has a prefix */
	size_t max;      /* keep at most this many per namespace (0: all) */
	json_t *counts;  /* with max: namespace -> how many were applied */
	struct appl *v;
	size_t n, cap;
	struct sl_buf text;
};

static int applcmp(const void *p, const void *q)
{
	const struct appl *x = p, *y = q;
	int c = strcmp(x->ns, y->ns);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

static void applied_release(struct applied_set *set)
{
	json_decref(set->counts);
	while (set->n--)
		free(set->v[set->n].ns);
	free(set->v);
	sl_buf_release(&set->text);
}

/* Add entry seq (its canonical bytes) to set when it is a mutation. */
/*
 * Add mutation s (its bytes) to the set: listed, or only counted when its
 * namespace has max listed already; bytes that are not a mutation's record
 * are left out, as the heads leave them.
 */
static int applied_add(struct applied_set *set, uint64_t s, const char *text, size_t len)
{
	size_t off = set->text.len;
	char *ns = NULL;
	struct appl *x;
	int e;

	if ((e = sl_mutation_record(&set->text, s, text, len, 0, &ns)) < 0) {
		sl_buf_setlen(&set->text, off);
		return e == SL_EINVAL ? 0 : e;
	}
	sl_buf_addch(&set->text, '}');
	if (set->max) {
		json_t *c = json_object_get(set->counts, ns);
		json_int_t k = c ? json_integer_value(c) : 0;
		if ((c ? json_integer_set(c, k + 1)
		       : json_object_set_new(set->counts, ns, json_integer(1))) < 0)
			e = SL_ENOMEM;
		else if ((size_t)k >= set->max)
			e = 1; /* counted, not listed */
	}
	if (e == 0 && set->n == set->cap) {
		size_t cap = set->cap ? 2 * set->cap : 64;
		struct appl *t = realloc(set->v, cap * sizeof(*t));
		if (!t)
			e = SL_ENOMEM;
		else
			set->v = t, set->cap = cap;
	}
	if (e == 0) {
		x = &set->v[set->n++];
		x->seq = s;
		x->off = off;
		x->len = set->text.len - off;
		x->ns = ns, ns = NULL;
	} else {
		sl_buf_setlen(&set->text, off);
	}
	free(ns);
	return e < 0 ? e : 0;
}

static int applied_sort(struct applied_set *set)
{
	int e = sl_buf_ok(&set->text);

	if (e == 0 && set->n)
		qsort(set->v, set->n, sizeof(*set->v), applcmp);
	return e;
}

/* From the `to` side's prefix, when it has one (a complete snapshot). */
static int applied_load(const struct side *a, const struct side *b, struct applied_set *set)
{
	uint64_t s;
	int e = 0;

	sl_buf_init(&set->text);
	if (!(set->known = b->prefix != NULL))
		return 0;
	for (s = a->size; s < b->size && s < json_array_size(b->prefix) && e == 0; s++) {
		json_t *v = json_array_get(b->prefix, (size_t)s);
		e = applied_add(set, s, json_string_value(v), json_string_length(v));
	}
	return e == 0 ? applied_sort(set) : e;
}

/* From the ledger: the mutations with from <= seq < to, read through the store's type index. */
static int applied_read(struct sl_ledger *l, uint64_t from, uint64_t to, struct applied_set *set,
			struct sl_error *err)
{
	struct sl_filter f = { 0 };
	struct sl_entry_row row;
	struct sl_scan *it = NULL;
	int e;

	sl_buf_init(&set->text);
	set->known = 1;
	if (set->max && !(set->counts = json_object()))
		return SL_ENOMEM;
	if (from >= to)
		return 0;
	f.type = "mutation";
	f.from = from;
	f.below = to;
	if ((e = sl_ledger_scan_open(l, &f, &it, err)) < 0)
		return e;
	while ((e = sl_ledger_scan_next(l, it, &row, err)) == 1)
		if ((e = applied_add(set, row.seq, (const char *)row.entry, row.len)) < 0)
			break;
	sl_ledger_scan_close(l, it);
	if (e == SL_EINVAL)
		e = sl_error_set(err, SL_ECORRUPT, "seq %llu: a stored entry is not JSON",
				 (unsigned long long)row.seq);
	return e == 0 ? applied_sort(set) : e;
}

static int applied(const struct applied_set *set, const char *ns, struct sl_buf *res)
{
	size_t lo = 0, hi = set->n, i, n = 0;

	if (!set->known) {
		sl_buf_addstr(res, ",\"count\":null,\"applied\":null");
		return 0;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(set->v[mid].ns, ns) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (i = lo; i < set->n && strcmp(set->v[i].ns, ns) == 0; i++)
		n++;
	/* The count first, as in the record's description. */
	if (set->counts) {
		json_t *c = json_object_get(set->counts, ns);
		sl_buf_addf(res, ",\"count\":%llu,\"applied\":[",
			    (unsigned long long)(c ? json_integer_value(c) : 0));
	} else {
		sl_buf_addf(res, ",\"count\":%zu,\"applied\":[", n);
	}
	for (i = lo; i < lo + n; i++) {
		if (i > lo)
			sl_buf_addch(res, ',');
		sl_buf_add(res, set->text.buf + set->v[i].off, set->v[i].len);
	}
	sl_buf_addch(res, ']');
	return sl_buf_ok(res);
}

static void mut_rec(struct sl_buf *out, const json_t *m)
{
	if (!m) {
		sl_buf_addstr(out, "null");
		return;
	}
	sl_buf_addstr(out, "{\"seq\":");
	(void)!put(out, json_object_get(m, "seq"));
	sl_buf_addstr(out, ",\"position\":");
	(void)!put(out, json_object_get(m, "position"));
	sl_buf_addstr(out, ",\"id\":");
	(void)!put(out, json_object_get(m, "id"));
	sl_buf_addch(out, '}');
}

/* The seq of a record's last appended mutation: its "last", or the head itself. */
static json_t *last_seq(const json_t *m)
{
	const json_t *l = json_object_get(m, "last");

	return json_object_get(json_is_object(l) ? l : m, "seq");
}

static int diff_mutations(const struct side *a, const struct side *b, const struct applied_set *set,
			  struct sl_buf *out, size_t *count)
{
	size_t na, nb, i = 0, j = 0;
	json_t **ma = sorted_muts(a, &na), **mb = sorted_muts(b, &nb);
	int e = 0;

	if (!ma || !mb) {
		free(ma);
		free(mb);
		return SL_ENOMEM;
	}
	while (e == 0 && (i < na || j < nb)) {
		json_t *x = i < na ? ma[i] : NULL, *y = j < nb ? mb[j] : NULL;
		int c = !x ? 1 : !y ? -1 : nscmp(&x, &y);
		const json_t *m = c <= 0 ? x : y;
		const char *ns = json_string_value(json_object_get(m, "namespace"));
		if (c < 0)
			y = NULL, i++;
		else if (c > 0)
			x = NULL, j++;
		else
			i++, j++;
		if (!ns) {
			e = SL_EINVAL;
			break;
		}
		if (x && y && json_equal(json_object_get(x, "seq"), json_object_get(y, "seq")) &&
		    json_equal(last_seq(x), last_seq(y)))
			continue; /* nothing appended in between */
		sl_buf_addstr(out, "{\"change\":\"mutations\",\"namespace\":");
		if (sl_jcs_string(out, ns, strlen(ns)) < 0)
			e = SL_EINVAL;
		sl_buf_addstr(out, ",\"from\":");
		mut_rec(out, x);
		sl_buf_addstr(out, ",\"to\":");
		mut_rec(out, y);
		if (e == 0)
			e = applied(set, ns, out);
		sl_buf_addstr(out, "}\n");
		++*count;
	}
	free(ma);
	free(mb);
	return e == 0 ? sl_buf_ok(out) : e;
}

/* Diff two loaded snapshots; set: the mutations applied in between, or NULL to take them from y's prefix. */
static int diff_sides(struct side *x, struct side *y, struct applied_set *set, int flags,
		      struct sl_buf *out, size_t *count, struct sl_error *err)
{
	struct applied_set own = { 0 };
	size_t n = 0, start = out->len;
	int e = diff_entries(x, y, out, &n, flags, err);

	if (e == 0 && !set && (e = applied_load(x, y, &own)) == 0)
		set = &own;
	if (e == 0)
		e = diff_mutations(x, y, set, out, &n);
	applied_release(&own);
	if (e == SL_EINVAL && err && !err->code)
		sl_error_set(err, e, "a snapshot holds data that is not canonical JSON");
	if (e < 0)
		sl_buf_setlen(out, start);
	else if (count)
		*count = n;
	return e;
}

int sl_diff(const char *a, size_t alen, const char *b, size_t blen, int flags,
	    struct sl_buf *out, size_t *count, struct sl_error *err)
{
	struct side x = { 0 }, y = { 0 };
	int e;

	if ((e = load(a, alen, "from", &x, err)) == 0 && (e = load(b, blen, "to", &y, err)) == 0)
		e = diff_sides(&x, &y, NULL, flags, out, count, err);
	json_decref(x.doc);
	json_decref(y.doc);
	return e;
}

/*
 * From the ledger: two snapshots that name sources and heads only (each
 * O(sources + namespaces) reads), and the mutations between their sizes
 * through the store's index of mutations: O(sources + namespaces +
 * mutations in between), not the whole prefix.
 */
int sl_diff_ledger(struct sl_ledger *l, int64_t t1, int64_t t2, int flags, struct sl_buf *out,
		   size_t *count, struct sl_error *err)
{
	return sl_diff_ledger_max(l, t1, t2, flags, 0, out, count, err);
}

int sl_diff_ledger_max(struct sl_ledger *l, int64_t t1, int64_t t2, int flags, size_t applied_max,
		       struct sl_buf *out, size_t *count, struct sl_error *err)
{
	struct sl_snapshot_opts o1 = { .at = t1, .lean = 1 }, o2 = { .at = t2, .lean = 1 };
	struct sl_buf a = SL_BUF_INIT, b = SL_BUF_INIT;
	struct side x = { 0 }, y = { 0 };
	struct applied_set set = { 0 };
	int e;

	set.max = applied_max;
	if (t2 < t1)
		return sl_error_set(err, SL_EUSAGE, "--to is before --from");
	if ((e = sl_snapshot(l, &o1, sl_buf_write, &a, err)) == 0 &&
	    (e = sl_snapshot(l, &o2, sl_buf_write, &b, err)) == 0 &&
	    (e = load(a.buf, a.len, "from", &x, err)) == 0 && (e = load(b.buf, b.len, "to", &y, err)) == 0) {
		/* The documents are what the ledger wrote: their text is no longer needed. */
		sl_buf_release(&a);
		sl_buf_release(&b);
		if ((e = applied_read(l, x.size, y.size, &set, err)) == 0)
			e = diff_sides(&x, &y, &set, flags, out, count, err);
	}
	applied_release(&set);
	json_decref(x.doc);
	json_decref(y.doc);
	sl_buf_release(&a);
	sl_buf_release(&b);
	return e;
}
