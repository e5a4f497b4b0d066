// SPDX-License-Identifier: MIT
/* The rule of a snapshot: named entries and mutation heads (lib/sl/heads.h). */
#include <stdlib.h>
#include <string.h>

#include "sl/heads.h"
#include "sl/json.h"
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

int sl_mutation_supersedes(const struct sl_mut *a, const struct sl_mut *b)
{
	return b->seq > a->seq;
}

int sl_mutheads_add(struct sl_mutheads *h, uint64_t seq, const char *entry, size_t len,
		    struct sl_error *err)
{
	struct sl_buf rec = SL_BUF_INIT;
	json_t *root = NULL, *p, *ns, *pos, *id;
	struct sl_mut *m;
	int e;

	if ((e = sl_json_parse(entry, len, &root, NULL)) < 0)
		return e == SL_ENOMEM ? e : sl_error_set(err, SL_EINVAL, "seq %llu: entry is not JSON",
							 (unsigned long long)seq);
	p = json_object_get(root, "payload");
	ns = json_object_get(p, "namespace");
	pos = json_object_get(p, "position");
	id = json_object_get(p, "id");
	if (!json_is_string(ns) || !pos || !id) {
		json_decref(root);
		return sl_error_set(err, SL_EINVAL, "seq %llu: mutation without namespace, position or id",
				    (unsigned long long)seq);
	}
	sl_buf_addstr(&rec, "{\"namespace\":");
	e = sl_jcs_write(&rec, ns, NULL, NULL);
	sl_buf_addf(&rec, ",\"seq\":%llu,\"position\":", (unsigned long long)seq);
	if (e == 0)
		e = sl_jcs_write(&rec, pos, NULL, NULL);
	sl_buf_addstr(&rec, ",\"id\":");
	if (e == 0)
		e = sl_jcs_write(&rec, id, NULL, NULL);
	sl_buf_addch(&rec, '}');
	if (e == 0)
		e = sl_buf_ok(&rec);
	else if (e != SL_ENOMEM)
		e = sl_error_set(err, SL_EINVAL, "seq %llu: bad mutation", (unsigned long long)seq);
	if (e == 0 && h->n == h->alloc) {
		size_t na = h->alloc ? 2 * h->alloc : 16;
		struct sl_mut *nm = na > SIZE_MAX / sizeof(*nm) ? NULL : realloc(h->v, na * sizeof(*nm));
		if (!nm)
			e = SL_ENOMEM;
		else
			h->v = nm, h->alloc = na;
	}
	if (e == 0) {
		m = &h->v[h->n];
		m->seq = seq;
		m->ns = strdup(json_string_value(ns));
		m->rec = sl_buf_detach(&rec, NULL);
		if (!m->ns || !m->rec) {
			free(m->ns);
			free(m->rec);
			e = SL_ENOMEM;
		} else {
			h->n++;
		}
	}
	sl_buf_release(&rec);
	json_decref(root);
	return e;
}

/* By namespace; within one, the head first. */
static int mutcmp(const void *a, const void *b)
{
	const struct sl_mut *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);

	if (c)
		return c;
	return sl_mutation_supersedes(x, y) ? 1 : sl_mutation_supersedes(y, x) ? -1 : 0;
}

void sl_mutheads_finish(struct sl_mutheads *h)
{
	size_t i, k = 0;

	if (h->n)
		qsort(h->v, h->n, sizeof(*h->v), mutcmp);
	for (i = 0; i < h->n; i++) {
		if (k && strcmp(h->v[i].ns, h->v[k - 1].ns) == 0) {
			free(h->v[i].ns);
			free(h->v[i].rec);
			continue;
		}
		h->v[k++] = h->v[i];
	}
	h->n = k;
}

void sl_mutheads_release(struct sl_mutheads *h)
{
	size_t i;

	for (i = 0; i < h->n; i++) {
		free(h->v[i].ns);
		free(h->v[i].rec);
	}
	free(h->v);
	h->v = NULL;
	h->n = h->alloc = 0;
}
