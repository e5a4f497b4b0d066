// SPDX-License-Identifier: MIT
/* The rule of a snapshot: named entries and mutation heads (lib/sl/heads.h). */
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
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
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
