// SPDX-License-Identifier: MIT
/* The stream rows of a write transaction (lib/sl/store-streams.h). */
#include <stdlib.h>
#include <string.h>

#include "sl/store-streams.h"

static uint64_t stream_hash(const char *type, size_t tlen, const char *source, size_t slen)
{
	uint64_t h = 14695981039346656037u;
	size_t i;

	for (i = 0; i < tlen; i++)
		h = (h ^ (unsigned char)type[i]) * 1099511628211u;
	h = (h ^ 0xff) * 1099511628211u;
	for (i = 0; i < slen; i++)
		h = (h ^ (unsigned char)source[i]) * 1099511628211u;
	return h;
}

static struct sl_stream_ent *stream_slot(struct sl_stream_ent *tab, size_t cap, uint64_t h,
					 const char *type, size_t tlen, const char *source, size_t slen)
{
	size_t i = (size_t)h & (cap - 1);

	for (;; i = (i + 1) & (cap - 1)) {
		struct sl_stream_ent *x = &tab[i];
		if (!x->key || (x->hash == h && x->tlen == tlen && x->slen == slen &&
				memcmp(x->key, type, tlen) == 0 &&
				memcmp(x->key + tlen + 1, source, slen) == 0))
			return x;
	}
}

static int streams_grow(struct sl_streams *c)
{
	size_t cap = c->cap ? c->cap * 2 : 64, i;
	struct sl_stream_ent *tab;

	if (cap > SIZE_MAX / sizeof(*tab) || !(tab = calloc(cap, sizeof(*tab))))
		return SL_ENOMEM;
	for (i = 0; i < c->cap; i++) {
		struct sl_stream_ent *x = &c->tab[i];
		if (x->key)
			*stream_slot(tab, cap, x->hash, x->key, x->tlen, x->key + x->tlen + 1, x->slen) = *x;
	}
	free(c->tab);
	c->tab = tab;
	c->cap = cap;
	return 0;
}

int sl_streams_find(struct sl_streams *c, const char *type, const char *source,
		    struct sl_stream_ent **out)
{
	size_t tlen = strlen(type), slen = strlen(source);
	uint64_t h = stream_hash(type, tlen, source, slen);
	struct sl_stream_ent *x;
	int e;

	if (c->cap && (x = stream_slot(c->tab, c->cap, h, type, tlen, source, slen))->key) {
		*out = x;
		return 1;
	}
	if ((c->n + 1) * 2 > c->cap && (e = streams_grow(c)) < 0)
		return e;
	x = stream_slot(c->tab, c->cap, h, type, tlen, source, slen);
	memset(x, 0, sizeof(*x));
	if (!(x->key = malloc(tlen + slen + 2)))
		return SL_ENOMEM;
	memcpy(x->key, type, tlen + 1);
	memcpy(x->key + tlen + 1, source, slen + 1);
	x->tlen = tlen;
	x->slen = slen;
	x->hash = h;
	c->n++;
	*out = x;
	return 0;
}

void sl_streams_clear(struct sl_streams *c)
{
	size_t i;

	for (i = 0; i < c->cap; i++) {
		free(c->tab[i].key);
		c->tab[i].key = NULL;
	}
	c->n = 0;
}

void sl_streams_free(struct sl_streams *c)
{
	sl_streams_clear(c);
	free(c->tab);
	c->tab = NULL;
	c->cap = 0;
}

int sl_streams_trim(struct sl_streams *c, size_t max)
{
	size_t i;

	if (c->n <= max)
		return 0;
	for (i = 0; i < c->cap; i++)
		if (c->tab[i].key && (c->tab[i].dirty || c->tab[i].fresh))
			return 0;
	sl_streams_free(c);
	return 1;
}
