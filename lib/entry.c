// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <string.h>

#include "sl/entry.h"
#include "sl/heads.h"
#include "sl/json.h"

void sl_batch_init(struct sl_batch *b)
{
	sl_buf_init(&b->data);
	b->items = NULL;
	b->n = b->alloc = 0;
	b->seq_hint = 0;
}

void sl_batch_reset(struct sl_batch *b)
{
	sl_buf_reset(&b->data);
	b->n = 0;
}

void sl_batch_release(struct sl_batch *b)
{
	sl_buf_release(&b->data);
	free(b->items);
	sl_batch_init(b);
}

int sl_batch_add_json(struct sl_batch *b, const json_t *sub, long line, struct sl_error *err)
{
	struct sl_batch_item it;
	const json_t *type = json_object_get(sub, "type");
	const json_t *source = json_object_get(sub, "source");
	size_t mark = b->data.len, p0;
	int e;

	if ((e = sl_entry_validate(sub, err)) < 0)
		goto fail;
	if (b->n == b->alloc) {
		size_t na = b->alloc ? 2 * b->alloc : 256;
		struct sl_batch_item *ni = realloc(b->items, na * sizeof(*ni));
		if (!ni)
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		b->items = ni;
		b->alloc = na;
	}
	it.off = mark;
	it.line = line;
	it.type_len = json_string_length(type);
	it.src_len = json_string_length(source);
	sl_buf_add(&b->data, json_string_value(type), it.type_len + 1);
	sl_buf_add(&b->data, json_string_value(source), it.src_len + 1);

	p0 = b->data.len;
	sl_buf_add(&b->data, "{\"payload\":", 11);
	if ((e = sl_jcs_write(&b->data, json_object_get(sub, "payload"), "payload", err)) < 0)
		goto fail;
	sl_buf_add(&b->data, ",\"seq\":", 7);
	it.pre_len = b->data.len - p0;

	p0 = b->data.len;
	sl_buf_add(&b->data, ",\"source\":", 10);
	if ((e = sl_jcs_string(&b->data, json_string_value(source), it.src_len)) < 0)
		goto fail;
	sl_buf_add(&b->data, ",\"ts\":\"", 7);
	it.mid_len = b->data.len - p0;

	p0 = b->data.len;
	sl_buf_add(&b->data, "\",\"type\":", 9);
	if ((e = sl_jcs_string(&b->data, json_string_value(type), it.type_len)) < 0)
		goto fail;
	sl_buf_addch(&b->data, '}');
	it.post_len = b->data.len - p0;
	it.ns_off = 0;
	if (strcmp(json_string_value(type), "mutation") == 0) {
		const char *ns;
		if (sl_mutation_key(sub, &ns, it.pos) < 0) {
			e = sl_error_member(err, SL_EINVAL, "payload", "a mutation without a namespace, "
					    "a position or an id");
			goto fail;
		}
		it.ns_off = b->data.len;
		sl_buf_add(&b->data, ns, strlen(ns) + 1);
	}
	if ((e = sl_buf_ok(&b->data)) < 0)
		goto fail;

	{
		static const unsigned char zero = 0x00;
		sl_sha256_init(&it.pre_hash);
		sl_sha256_update(&it.pre_hash, &zero, 1);
		const char *pre = b->data.buf + it.off + it.type_len + 1 + it.src_len + 1;
		sl_sha256_update(&it.pre_hash, pre, it.pre_len);
	}
	/*
	 * The seq is not known yet: check with the digits of the likely one
	 * (seq_hint + items before this one); the ledger checks the exact size
	 * once it has assigned the seq.
	 */
	{
		uint64_t seq = b->seq_hint + b->n;
		size_t digits = 1, len;
		while (seq >= 10) {
			seq /= 10;
			digits++;
		}
		len = it.pre_len + it.mid_len + it.post_len + digits + SL_TS_LEN;
		if (len > SL_ENTRY_MAX) {
			e = sl_entry_too_big(err, len);
			goto fail;
		}
	}
	b->items[b->n++] = it;
	return 0;
fail:
	sl_buf_setlen(&b->data, mark);
	if (err)
		err->line = line;
	return e;
}

int sl_batch_mutation(const struct sl_batch *b, size_t i, const char **ns, const unsigned char **pos)
{
	if (!b->items[i].ns_off)
		return 0;
	*ns = b->data.buf + b->items[i].ns_off;
	*pos = b->items[i].pos;
	return 1;
}

int sl_entry_too_big(struct sl_error *err, size_t len)
{
	return sl_error_member(err, SL_EINVAL, "payload",
			       "entry is %zu bytes in canonical form, more than %d (put large "
			       "content in the artifact store and record its digest)",
			       len, SL_ENTRY_MAX);
}

int sl_batch_add_line(struct sl_batch *b, const char *s, size_t len, long line,
		      struct sl_error *err)
{
	json_t *v;
	int e;

	if (len > 4 * (size_t)SL_ENTRY_MAX) {
		sl_error_member(err, SL_EINVAL, "", "line is %zu bytes, longer than any entry can be", len);
		if (err)
			err->line = line;
		return SL_EINVAL;
	}
	if ((e = sl_json_parse(s, len, &v, err)) < 0) {
		if (err)
			err->line = line;
		return e;
	}
	e = sl_batch_add_json(b, v, line, err);
	json_decref(v);
	return e;
}

const char *sl_batch_type(const struct sl_batch *b, size_t i)
{
	return b->data.buf + b->items[i].off;
}

const char *sl_batch_source(const struct sl_batch *b, size_t i)
{
	return b->data.buf + b->items[i].off + b->items[i].type_len + 1;
}

/* Decimal digits of v into the end of tmp; returns the start. */
static char *u64dec(char *end, uint64_t v)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

int sl_batch_entry(const struct sl_batch *b, size_t i, uint64_t seq, const char *ts,
		   struct sl_buf *out, unsigned char leaf[SL_HASH_LEN])
{
	const struct sl_batch_item *it = &b->items[i];
	const char *p = b->data.buf + it->off + it->type_len + 1 + it->src_len + 1;
	char num[24], *d = u64dec(num + sizeof(num), seq);

	sl_buf_reset(out);
	sl_buf_grow(out, it->pre_len + it->mid_len + it->post_len + 24 + SL_TS_LEN);
	sl_buf_add(out, p, it->pre_len);
	sl_buf_add(out, d, (size_t)(num + sizeof(num) - d));
	sl_buf_add(out, p + it->pre_len, it->mid_len);
	sl_buf_add(out, ts, SL_TS_LEN);
	sl_buf_add(out, p + it->pre_len + it->mid_len, it->post_len);
	if (leaf && !out->oom) {
		struct sl_sha256 h = it->pre_hash;
		sl_sha256_update(&h, out->buf + it->pre_len, out->len - it->pre_len);
		sl_sha256_final(&h, leaf);
	}
	return sl_buf_ok(out);
}

int sl_entry_tail(struct sl_buf *out, uint64_t seq, const char *type, const char *source,
		  const char *ts)
{
	char num[24], *d = u64dec(num + sizeof(num), seq);
	int e;

	sl_buf_reset(out);
	sl_buf_add(out, ",\"seq\":", 7);
	sl_buf_add(out, d, (size_t)(num + sizeof(num) - d));
	sl_buf_add(out, ",\"source\":", 10);
	if ((e = sl_jcs_string(out, source, strlen(source))) < 0)
		return e;
	sl_buf_add(out, ",\"ts\":\"", 7);
	sl_buf_addstr(out, ts);
	sl_buf_add(out, "\",\"type\":", 9);
	if ((e = sl_jcs_string(out, type, strlen(type))) < 0)
		return e;
	sl_buf_addch(out, '}');
	return sl_buf_ok(out);
}

int sl_line_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

int sl_entry_seq(const char *s, size_t len, uint64_t *seq, struct sl_error *err)
{
	json_t *v, *n;
	int e;

	if ((e = sl_json_parse(s, len, &v, err)) < 0)
		return e;
	n = json_is_object(v) ? json_object_get(v, "seq") : NULL;
	if (!json_is_integer(n) || json_integer_value(n) < 0) {
		json_decref(v);
		return sl_error_member(err, SL_EINVAL, "seq", "an entry needs a non-negative seq");
	}
	*seq = (uint64_t)json_integer_value(n);
	json_decref(v);
	return 0;
}
