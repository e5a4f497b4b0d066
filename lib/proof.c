// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "sl/json.h"
#include "sl/proof.h"

static int get_u64(const json_t *o, const char *k, uint64_t *v, struct sl_error *err)
{
	const json_t *x = json_object_get(o, k);

	if (!x)
		return sl_error_member(err, SL_EINVAL, k, "required");
	if (!json_is_integer(x) || json_integer_value(x) < 0)
		return sl_error_member(err, SL_EINVAL, k, "must be an integer >= 0");
	*v = (uint64_t)json_integer_value(x);
	return 0;
}

static int get_hash(const json_t *x, const char *k, unsigned char out[SL_HASH_LEN],
		    struct sl_error *err)
{
	if (!x)
		return sl_error_member(err, SL_EINVAL, k, "required");
	if (!json_is_string(x) || sl_hex_decode(out, SL_HASH_LEN, json_string_value(x),
						json_string_length(x)) < 0)
		return sl_error_member(err, SL_EINVAL, k, "must be 64 hex digits");
	return 0;
}

int sl_proof_parse(const char *s, size_t len, struct sl_proof *p, struct sl_error *err)
{
	static const char *const inc[] = { "type", "seq", "size", "leaf_hash", "root", "proof", NULL };
	static const char *const con[] = { "type", "from", "to", "from_root", "to_root", "proof", NULL };
	const char *const *known;
	const char *key, *type;
	json_t *v, *val, *arr;
	size_t i;
	int e;

	memset(p, 0, sizeof(*p));
	if ((e = sl_json_parse(s, len, &v, err)) < 0)
		return e;
	if (!json_is_object(v)) {
		e = sl_error_member(err, SL_EINVAL, "", "a proof must be a JSON object");
		goto out;
	}
	type = json_string_value(json_object_get(v, "type"));
	if (!type || (strcmp(type, "inclusion") && strcmp(type, "consistency"))) {
		e = sl_error_member(err, SL_EINVAL, "type", "must be \"inclusion\" or \"consistency\"");
		goto out;
	}
	p->kind = type[0] == 'i' ? SL_PROOF_INCLUSION : SL_PROOF_CONSISTENCY;
	known = p->kind == SL_PROOF_INCLUSION ? inc : con;
	json_object_foreach(v, key, val) {
		const char *const *k;
		for (k = known; *k && strcmp(*k, key); k++)
			;
		if (!*k) {
			e = sl_error_member(err, SL_EINVAL, key, "unknown member");
			goto out;
		}
	}
	if (p->kind == SL_PROOF_INCLUSION) {
		if ((e = get_u64(v, "seq", &p->a, err)) < 0 || (e = get_u64(v, "size", &p->b, err)) < 0 ||
		    (e = get_hash(json_object_get(v, "leaf_hash"), "leaf_hash", p->h1, err)) < 0 ||
		    (e = get_hash(json_object_get(v, "root"), "root", p->h2, err)) < 0)
			goto out;
	} else {
		if ((e = get_u64(v, "from", &p->a, err)) < 0 || (e = get_u64(v, "to", &p->b, err)) < 0 ||
		    (e = get_hash(json_object_get(v, "from_root"), "from_root", p->h1, err)) < 0 ||
		    (e = get_hash(json_object_get(v, "to_root"), "to_root", p->h2, err)) < 0)
			goto out;
	}
	arr = json_object_get(v, "proof");
	if (!arr || !json_is_array(arr)) {
		e = sl_error_member(err, SL_EINVAL, "proof", arr ? "must be an array" : "required");
		goto out;
	}
	if (json_array_size(arr) > SL_PROOF_MAX) {
		e = sl_error_member(err, SL_EINVAL, "proof", "has more than %d hashes", SL_PROOF_MAX);
		goto out;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		char m[32];
		snprintf(m, sizeof(m), "proof[%zu]", i);
		if ((e = get_hash(json_array_get(arr, i), m, p->hashes[i], err)) < 0)
			goto out;
	}
	p->n = i;
	e = 0;
out:
	json_decref(v);
	return e;
}

static void add_hash(struct sl_buf *out, const char *name, const unsigned char h[SL_HASH_LEN])
{
	sl_buf_addf(out, ",\"%s\":\"", name);
	sl_buf_addhex(out, h, SL_HASH_LEN);
	sl_buf_addch(out, '"');
}

int sl_proof_write(struct sl_buf *out, const struct sl_proof *p)
{
	size_t i;

	if (p->kind == SL_PROOF_INCLUSION) {
		sl_buf_addf(out, "{\"type\":\"inclusion\",\"seq\":%llu,\"size\":%llu",
			    (unsigned long long)p->a, (unsigned long long)p->b);
		add_hash(out, "leaf_hash", p->h1);
		add_hash(out, "root", p->h2);
	} else {
		sl_buf_addf(out, "{\"type\":\"consistency\",\"from\":%llu,\"to\":%llu",
			    (unsigned long long)p->a, (unsigned long long)p->b);
		add_hash(out, "from_root", p->h1);
		add_hash(out, "to_root", p->h2);
	}
	sl_buf_addstr(out, ",\"proof\":[");
	for (i = 0; i < p->n; i++) {
		sl_buf_addstr(out, i ? ",\"" : "\"");
		sl_buf_addhex(out, p->hashes[i], SL_HASH_LEN);
		sl_buf_addch(out, '"');
	}
	sl_buf_addstr(out, "]}");
	return sl_buf_ok(out);
}

int sl_proof_verify(const struct sl_proof *p, const unsigned char leaf[SL_HASH_LEN],
		    const unsigned char old_root[SL_HASH_LEN], const unsigned char root[SL_HASH_LEN],
		    struct sl_error *err)
{
	struct sl_hashref refs[SL_PROOF_MAX];
	struct sl_hashref r2 = { root, SL_HASH_LEN };
	size_t i;

	for (i = 0; i < p->n; i++) {
		refs[i].p = p->hashes[i];
		refs[i].len = SL_HASH_LEN;
	}
	if (p->kind == SL_PROOF_INCLUSION) {
		struct sl_hashref lf = { leaf, SL_HASH_LEN };
		return sl_merkle_verify_inclusion(p->a, p->b, lf, refs, p->n, r2, err);
	} else {
		struct sl_hashref r1 = { old_root, SL_HASH_LEN };
		return sl_merkle_verify_consistency(p->a, p->b, r1, r2, refs, p->n, err);
	}
}
