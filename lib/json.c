// SPDX-License-Identifier: MIT
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/json.h"

/*
 * jansson reports an allocation that failed while parsing as a syntax error
 * ("invalid token"), which would make an out-of-memory a permanent data
 * error (exit 100).  Its allocations go through these, which note a failure
 * for the parse on this thread to report as SL_ENOMEM (exit 111).
 */
static _Thread_local int json_oom;
static pthread_once_t json_alloc_once = PTHREAD_ONCE_INIT;

static void *json_malloc(size_t n)
{
	void *p = malloc(n);

	if (!p)
		json_oom = 1;
	return p;
}

static void json_free(void *p)
{
	free(p);
}

static void json_alloc_init(void)
{
	json_set_alloc_funcs(json_malloc, json_free);
}

int sl_json_load(const char *s, size_t len, size_t flags, json_t **out, json_error_t *je)
{
	pthread_once(&json_alloc_once, json_alloc_init);
	json_oom = 0;
	/* jansson does not always say so when an allocation failed: the allocator does. */
	if (!(*out = json_loadb(s, len, flags, je)))
		return json_oom || json_error_code(je) == json_error_out_of_memory ? SL_ENOMEM : SL_EINVAL;
	return 0;
}

int sl_json_parse(const char *s, size_t len, json_t **out, struct sl_error *err)
{
	json_error_t je;
	int e;

	if ((e = sl_json_load(s, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, out, &je)) < 0) {
		if (e == SL_ENOMEM)
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		if (len == 0 || strstr(je.text, "'[' or '{' expected near end of file"))
			return sl_error_member(err, SL_EINVAL, "", "not JSON: empty line");
		return sl_error_member(err, SL_EINVAL, "", "not JSON: %s at column %d", je.text,
				       je.column);
	}
	return 0;
}

/*
 * Decode one UTF-8 sequence at s (n bytes left); returns its length and
 * the code point in *cp, or 0 when the bytes are not valid UTF-8.
 */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned long c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int sl_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	unsigned long cp;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (!(k = utf8_next(p + i, len - i, &cp)))
			return 0;
		i += k;
	}
	return 1;
}

/* The first UTF-16 code unit of a code point. */
static unsigned long utf16_unit(unsigned long cp)
{
	return cp >= 0x10000 ? 0xd800 + ((cp - 0x10000) >> 10) : cp;
}

int sl_jcs_keycmp(const char *a, size_t alen, const char *b, size_t blen)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	size_t i = 0, j = 0;

	while (i < alen && j < blen) {
		unsigned long ca, cb;
		size_t ka, kb;

		if (p[i] < 0x80 && q[j] < 0x80) {
			if (p[i] != q[j])
				return p[i] < q[j] ? -1 : 1;
			i++;
			j++;
			continue;
		}
		ka = utf8_next(p + i, alen - i, &ca);
		kb = utf8_next(q + j, blen - j, &cb);
		if (!ka || !kb) /* invalid keys are rejected elsewhere; keep a total order */
			return p[i] < q[j] ? -1 : p[i] > q[j];
		if (ca != cb) {
			unsigned long ua = utf16_unit(ca), ub = utf16_unit(cb);
			if (ua != ub)
				return ua < ub ? -1 : 1;
			/* Same high surrogate: the low surrogates order as the code points. */
			return ca < cb ? -1 : 1;
		}
		i += ka;
		j += kb;
	}
	if (i < alen)
		return 1;
	if (j < blen)
		return -1;
	return 0;
}

int sl_jcs_string(struct sl_buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i, run = 0;

	if (!sl_utf8_valid(s, len))
		return SL_EINVAL;
	sl_buf_grow(out, len + 2);
	sl_buf_addch(out, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = p[i];
		char esc[7];
		size_t elen = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sl_buf_add(out, s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\t': esc[1] = 't'; break;
		case '\n': esc[1] = 'n'; break;
		case '\f': esc[1] = 'f'; break;
		case '\r': esc[1] = 'r'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		sl_buf_add(out, esc, elen);
	}
	sl_buf_add(out, s + run, len - run);
	sl_buf_addch(out, '"');
	return sl_buf_ok(out);
}

struct member {
	const char *key;
	size_t len;
	json_t *value;
};

static int member_cmp(const void *x, const void *y)
{
	const struct member *a = x, *b = y;
	return sl_jcs_keycmp(a->key, a->len, b->key, b->len);
}

/*
 * The member path ("payload.a[1].b") is only needed for a message, so it
 * is kept as a chain of frames on the stack and formatted on failure.
 */
struct frame {
	const struct frame *up;
	const char *key; /* NULL for an array element */
	size_t klen, idx;
};

struct jcs {
	struct sl_buf *out;
	struct sl_error *err;
	const char *root;
};

static size_t fmt_path(char *dst, size_t n, const char *root, const struct frame *f)
{
	size_t len;
	int k;

	if (!f) {
		k = snprintf(dst, n, "%s", root ? root : "");
		return k < 0 ? 0 : (size_t)k >= n ? n - 1 : (size_t)k;
	}
	len = fmt_path(dst, n, root, f->up);
	if (f->key)
		k = snprintf(dst + len, n - len, "%s%.*s", len ? "." : "",
			     (int)(f->klen > 64 ? 64 : f->klen), f->key);
	else
		k = snprintf(dst + len, n - len, "[%zu]", f->idx);
	if (k < 0)
		return len;
	return len + (size_t)k >= n ? n - 1 : len + (size_t)k;
}

static int fail(struct jcs *j, const struct frame *f, const char *msg)
{
	char path[SL_ERR_MEMBER];

	fmt_path(path, sizeof(path), j->root, f);
	return sl_error_member(j->err, SL_EINVAL, path, "%s", msg);
}

static int jcs_value(struct jcs *j, const json_t *v, const struct frame *f, int depth)
{
	/* depth counts the arrays and objects around v; v itself adds one if it is one. */
	if ((json_is_array(v) || json_is_object(v)) && depth >= SL_JSON_DEPTH_MAX)
		return fail(j, f, "nested too deeply");
	switch (json_typeof(v)) {
	case JSON_NULL: sl_buf_add(j->out, "null", 4); break;
	case JSON_TRUE: sl_buf_add(j->out, "true", 4); break;
	case JSON_FALSE: sl_buf_add(j->out, "false", 5); break;
	case JSON_REAL: return fail(j, f, "not an integer (write decimals as strings)");
	case JSON_INTEGER: {
		json_int_t n = json_integer_value(v);
		if (n > SL_JSON_INT_MAX || n < -SL_JSON_INT_MAX)
			return fail(j, f, "integer out of range (|n| must be at most 2^53-1)");
		sl_buf_addi64(j->out, (int64_t)n);
		break;
	}
	case JSON_STRING:
		if (sl_jcs_string(j->out, json_string_value(v), json_string_length(v)) == SL_EINVAL)
			return fail(j, f, "string is not valid UTF-8");
		break;
	case JSON_ARRAY: {
		size_t i, n = json_array_size(v);
		struct frame fr = { f, NULL, 0, 0 };
		sl_buf_addch(j->out, '[');
		for (i = 0; i < n; i++) {
			int e;
			fr.idx = i;
			if (i)
				sl_buf_addch(j->out, ',');
			if ((e = jcs_value(j, json_array_get(v, i), &fr, depth + 1)) < 0)
				return e;
		}
		sl_buf_addch(j->out, ']');
		break;
	}
	case JSON_OBJECT: {
		struct member small[16], *m = small;
		size_t i, n = json_object_size(v);
		void *it;
		int e = 0;

		if (n > sizeof(small) / sizeof(small[0]) && !(m = malloc(n * sizeof(*m))))
			return SL_ENOMEM;
		for (i = 0, it = json_object_iter((json_t *)v); it && i < n;
		     it = json_object_iter_next((json_t *)v, it), i++) {
			m[i].key = json_object_iter_key(it);
			m[i].len = json_object_iter_key_len(it);
			m[i].value = json_object_iter_value(it);
		}
		n = i;
		qsort(m, n, sizeof(*m), member_cmp);
		sl_buf_addch(j->out, '{');
		for (i = 0; i < n && e == 0; i++) {
			struct frame fr = { f, m[i].key, m[i].len, 0 };
			if (i)
				sl_buf_addch(j->out, ',');
			if (sl_jcs_string(j->out, m[i].key, m[i].len) == SL_EINVAL)
				e = fail(j, &fr, "member name is not valid UTF-8");
			else
				sl_buf_addch(j->out, ':');
			if (e == 0)
				e = jcs_value(j, m[i].value, &fr, depth + 1);
		}
		if (m != small)
			free(m);
		if (e < 0)
			return e;
		sl_buf_addch(j->out, '}');
		break;
	}
	}
	return sl_buf_ok(j->out);
}

int sl_jcs_write(struct sl_buf *out, const json_t *v, const char *path, struct sl_error *err)
{
	struct jcs j = { out, err, path };

	return jcs_value(&j, v, NULL, 0);
}
