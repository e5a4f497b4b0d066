// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/merkle.c: the RFC 9162 conformance vectors
 * (../shared/vectors/rfc9162, DESIGN.md section 2.2), and roots and proofs
 * computed from stored nodes checked against a naive RFC 9162
 * implementation written here over the plain list of leaves.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sl/buf.h"
#include "sl/hash.h"
#include "sl/merkle.h"

/* A copy of ../shared/vectors/rfc9162 (Apache-2.0, LICENSE beside it), so CI needs nothing outside the repository. */
#define VECTORS SL_SRCDIR "/t/fixtures/vectors/rfc9162"
#define VECTOR_COUNT 196

/*
 * Check sends every passing ck_assert's location to the parent process; in
 * the loops below that costs more than the hashing, so they use these,
 * which only report failures.
 */
#define expect(cond, ...)                                                                        \
	do {                                                                                     \
		if (!(cond))                                                                     \
			ck_abort_msg(__VA_ARGS__);                                               \
	} while (0)
#define expect_true(cond) expect(cond, "%s", #cond)
#define expect_eq(a, b)                                                                          \
	do {                                                                                     \
		unsigned long long a_ = (unsigned long long)(a), b_ = (unsigned long long)(b);   \
		if (a_ != b_)                                                                    \
			ck_abort_msg("%s is %llu, want %s = %llu", #a, a_, #b, b_);              \
	} while (0)

typedef unsigned char hash_t[SL_HASH_LEN];

/* ---------------------------------------------------------------------------
 * Part (a): the conformance vectors.
 */

static char **vec_files;
static size_t vec_n, vec_alloc;

static void vec_add(const char *path)
{
	if (vec_n == vec_alloc) {
		size_t na = vec_alloc ? 2 * vec_alloc : 256;
		char **p = realloc(vec_files, na * sizeof(*p));
		if (!p)
			abort();
		vec_files = p;
		vec_alloc = na;
	}
	if (!(vec_files[vec_n++] = strdup(path)))
		abort();
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.json file under dir, recursively. */
static void vec_scan(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct sl_buf p = SL_BUF_INIT;
		struct stat st;
		size_t len = strlen(e->d_name);

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sl_buf_addf(&p, "%s/%s", dir, e->d_name);
		if (sl_buf_ok(&p) || stat(p.buf, &st) != 0)
			abort();
		if (S_ISDIR(st.st_mode))
			vec_scan(p.buf);
		else if (len > 5 && !strcmp(e->d_name + len - 5, ".json"))
			vec_add(p.buf);
		sl_buf_release(&p);
	}
	closedir(d);
}

static void vec_load_list(void)
{
	vec_scan(VECTORS "/inclusion");
	vec_scan(VECTORS "/consistency");
	if (vec_n)
		qsort(vec_files, vec_n, sizeof(*vec_files), cmp_str);
}

static const char *short_name(const char *path)
{
	size_t n = strlen(VECTORS);
	return strncmp(path, VECTORS, n) ? path : path + n + 1;
}

START_TEST(vectors_count)
{
	size_t i, inc = 0, con = 0;

	for (i = 0; i < vec_n; i++) {
		if (strstr(vec_files[i], "/rfc9162/inclusion/"))
			inc++;
		else if (strstr(vec_files[i], "/rfc9162/consistency/"))
			con++;
	}
	ck_assert_msg(vec_n == VECTOR_COUNT, "found %zu vector files under %s, want %d", vec_n,
		      VECTORS, VECTOR_COUNT);
	ck_assert_uint_eq(inc, 98);
	ck_assert_uint_eq(con, 98);
}
END_TEST

/* A base64 field of any length; the decoded bytes go to *b (hashref into it). */
static struct sl_hashref b64_field(const json_t *o, const char *key, struct sl_buf *b,
				   const char *file)
{
	const json_t *v = json_object_get(o, key);
	struct sl_hashref r = { NULL, 0 };

	ck_assert_msg(json_is_string(v), "%s: %s is not a string", file, key);
	ck_assert_msg(sl_b64_decode(b, json_string_value(v), json_string_length(v)) == 0,
		      "%s: %s is not base64", file, key);
	r.p = (const unsigned char *)b->buf;
	r.len = b->len;
	return r;
}

/*
 * The sizes are unsigned 64-bit (one vector has leafIdx 2^64-1), beyond the
 * json_int_t of jansson: read them from the text, and blank them there so
 * that jansson parses the rest.
 */
static const char *const int_keys[] = { "leafIdx", "treeSize", "size1", "size2" };
#define NKEYS 4

struct vector {
	json_t *o;
	uint64_t ints[NKEYS];
	int have[NKEYS];
};

static void vector_load(const char *path, const char *name, struct vector *v)
{
	struct sl_buf text = SL_BUF_INIT;
	json_error_t je;
	FILE *f = fopen(path, "rb");
	char chunk[4096];
	size_t n, k;

	memset(v, 0, sizeof(*v));
	ck_assert_msg(f != NULL, "%s: cannot open", name);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		sl_buf_add(&text, chunk, n);
	ck_assert_msg(!ferror(f), "%s: read error", name);
	fclose(f);
	ck_assert_int_eq(sl_buf_ok(&text), 0);
	for (k = 0; k < NKEYS; k++) {
		char quoted[32];
		char *p, *end;

		snprintf(quoted, sizeof(quoted), "\"%s\"", int_keys[k]);
		if (!(p = strstr(text.buf, quoted)))
			continue;
		p += strlen(quoted);
		p += strspn(p, " \t\r\n");
		ck_assert_msg(*p == ':', "%s: no ':' after %s", name, int_keys[k]);
		p++;
		p += strspn(p, " \t\r\n");
		ck_assert_msg(*p >= '0' && *p <= '9', "%s: %s is not an unsigned integer", name,
			      int_keys[k]);
		errno = 0;
		v->ints[k] = strtoull(p, &end, 10);
		ck_assert_msg(errno == 0, "%s: %s out of range", name, int_keys[k]);
		v->have[k] = 1;
		*p++ = '0';
		while (p < end)
			*p++ = ' ';
	}
	v->o = json_loadb(text.buf, text.len, JSON_REJECT_DUPLICATES, &je);
	ck_assert_msg(v->o != NULL, "%s: %s", name, je.text);
	for (k = 0; k < NKEYS; k++)
		if (v->have[k])
			ck_assert_msg(json_integer_value(json_object_get(v->o, int_keys[k])) == 0,
				      "%s: %s was not read", name, int_keys[k]);
	sl_buf_release(&text);
}

static uint64_t u64_field(const struct vector *v, const char *key, const char *file)
{
	size_t k;

	for (k = 0; k < NKEYS; k++)
		if (!strcmp(int_keys[k], key)) {
			ck_assert_msg(v->have[k], "%s: %s is missing", file, key);
			return v->ints[k];
		}
	ck_abort_msg("%s: unknown key %s", file, key);
	return 0;
}

/* The proof array (null = empty); bufs[] hold the decoded hashes. */
static size_t proof_field(const json_t *o, struct sl_buf bufs[], struct sl_hashref refs[],
			  size_t max, const char *file)
{
	const json_t *p = json_object_get(o, "proof");
	size_t i, n;

	if (json_is_null(p))
		return 0;
	ck_assert_msg(json_is_array(p), "%s: proof is not an array", file);
	n = json_array_size(p);
	ck_assert_msg(n <= max, "%s: proof has %zu hashes", file, n);
	for (i = 0; i < n; i++) {
		const json_t *h = json_array_get(p, i);
		ck_assert_msg(json_is_string(h), "%s: proof[%zu] is not a string", file, i);
		ck_assert_msg(sl_b64_decode(&bufs[i], json_string_value(h), json_string_length(h)) == 0,
			      "%s: proof[%zu] is not base64", file, i);
		refs[i].p = (const unsigned char *)bufs[i].buf;
		refs[i].len = bufs[i].len;
	}
	return n;
}

#define VEC_PROOF_MAX 80

/*
 * Run one vector file; returns 1 when the verifier gives its wantErr (a
 * failure always being SL_EVERIFY with a reason), else 0 with the reason
 * appended to fails.  A malformed vector file fails the test at once.
 */
static int vector_run(const char *path, struct sl_buf *fails)
{
	const char *name = short_name(path);
	struct sl_buf bufs[VEC_PROOF_MAX], a = SL_BUF_INIT, b = SL_BUF_INIT;
	struct sl_hashref refs[VEC_PROOF_MAX];
	struct sl_error err;
	struct vector v;
	const json_t *want, *o;
	size_t i, n;
	int rc, ok;

	vector_load(path, name, &v);
	o = v.o;
	for (i = 0; i < VEC_PROOF_MAX; i++)
		sl_buf_init(&bufs[i]);
	want = json_object_get(o, "wantErr");
	ck_assert_msg(json_is_boolean(want), "%s: wantErr is not a boolean", name);
	n = proof_field(o, bufs, refs, VEC_PROOF_MAX, name);
	sl_error_clear(&err);
	if (strstr(path, "/rfc9162/inclusion/")) {
		uint64_t idx = u64_field(&v, "leafIdx", name), size = u64_field(&v, "treeSize", name);
		struct sl_hashref root = b64_field(o, "root", &a, name);
		struct sl_hashref leaf = b64_field(o, "leafHash", &b, name);
		rc = sl_merkle_verify_inclusion(idx, size, leaf, refs, n, root, &err);
	} else {
		uint64_t m = u64_field(&v, "size1", name), sz = u64_field(&v, "size2", name);
		struct sl_hashref r1 = b64_field(o, "root1", &a, name);
		struct sl_hashref r2 = b64_field(o, "root2", &b, name);
		rc = sl_merkle_verify_consistency(m, sz, r1, r2, refs, n, &err);
	}
	ok = (rc != 0) == json_is_true(want) && (rc == 0 || (rc == SL_EVERIFY && err.msg[0]));
	if (!ok)
		sl_buf_addf(fails, "\n  %s (%s): wantErr %s, got rc %d (%s)", name,
			    json_string_value(json_object_get(o, "desc")),
			    json_is_true(want) ? "true" : "false", rc, err.msg);
	for (i = 0; i < VEC_PROOF_MAX; i++)
		sl_buf_release(&bufs[i]);
	sl_buf_release(&a);
	sl_buf_release(&b);
	json_decref(v.o);
	return ok;
}

/* Every file gives its wantErr; the failures are listed together. */
START_TEST(vectors_all)
{
	struct sl_buf fails = SL_BUF_INIT;
	size_t i, nfail = 0;

	for (i = 0; i < vec_n; i++)
		nfail += !vector_run(vec_files[i], &fails);
	ck_assert_msg(nfail == 0, "%zu of %zu RFC 9162 vectors give the wrong answer:%s", nfail, vec_n,
		      fails.buf);
	sl_buf_release(&fails);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Part (b): trees built through the compact range, nodes kept in memory.
 */

#define MAXLEAVES 1025

struct mem {
	hash_t *node;         /* by post-order position */
	uint64_t n;           /* nodes stored */
	uint64_t interior;    /* interior nodes (level >= 1) among them */
	uint64_t leaves;      /* leaves appended */
	uint64_t limit;       /* the getter refuses nodes beyond this many leaves */
	unsigned long reads;  /* getter calls */
	int out_of_range;     /* a read beyond limit happened */
	int emit_errors;
	char emit_msg[200];
};

static hash_t leaves[MAXLEAVES];
static struct mem tree;

static int mem_get(void *vctx, unsigned level, uint64_t index, unsigned char out[SL_HASH_LEN])
{
	struct mem *m = vctx;
	uint64_t pos;

	m->reads++;
	if (level >= 63 || ((index + 1) << level) > m->limit || (index + 1) << level < index) {
		m->out_of_range = 1;
		return SL_ENOTFOUND;
	}
	pos = sl_merkle_postorder(level, index);
	if (pos >= m->n) {
		m->out_of_range = 1;
		return SL_ENOTFOUND;
	}
	memcpy(out, m->node[pos], SL_HASH_LEN);
	return 0;
}

static int mem_emit(void *vctx, unsigned level, uint64_t index, const unsigned char hash[SL_HASH_LEN])
{
	struct mem *m = vctx;
	uint64_t pos = sl_merkle_postorder(level, index);

	if (pos != m->n && !m->emit_errors++)
		snprintf(m->emit_msg, sizeof(m->emit_msg),
			 "node (level %u, index %llu) has position %llu, want %llu", level,
			 (unsigned long long)index, (unsigned long long)pos, (unsigned long long)m->n);
	if (level == 0 && (index != m->leaves || memcmp(hash, leaves[index], SL_HASH_LEN)) &&
	    !m->emit_errors++)
		snprintf(m->emit_msg, sizeof(m->emit_msg), "leaf %llu emitted wrongly",
			 (unsigned long long)index);
	if (level > 0) {
		uint64_t ip = sl_merkle_interior_pos(level, index);
		if (ip != m->interior && !m->emit_errors++)
			snprintf(m->emit_msg, sizeof(m->emit_msg),
				 "interior node (level %u, index %llu) has interior position %llu, want %llu",
				 level, (unsigned long long)index, (unsigned long long)ip,
				 (unsigned long long)m->interior);
		m->interior++;
	}
	if (m->n >= 2 * MAXLEAVES)
		return SL_ENOMEM;
	memcpy(m->node[m->n++], hash, SL_HASH_LEN);
	return 0;
}

/*
 * Perfect subtrees computed level by level from the leaves, independently of
 * the range code, so that the naive functions below stay fast on 1025 leaves.
 */
#define LEVELS 11
static hash_t *perfect[LEVELS];

static void perfect_setup(void)
{
	unsigned l;
	size_t i, n = MAXLEAVES;

	perfect[0] = leaves;
	for (l = 1; l < LEVELS; l++) {
		n /= 2;
		perfect[l] = calloc(n ? n : 1, sizeof(hash_t));
		ck_assert_ptr_nonnull(perfect[l]);
		for (i = 0; i < n; i++)
			sl_node_hash(perfect[l][i], perfect[l - 1][2 * i], perfect[l - 1][2 * i + 1]);
	}
}

static void perfect_teardown(void)
{
	unsigned l;

	for (l = 1; l < LEVELS; l++) {
		free(perfect[l]);
		perfect[l] = NULL;
	}
}

/* Naive RFC 9162 section 2.1.1 MTH over leaves[start, start+n). */
static void naive_mth(uint64_t start, uint64_t n, unsigned char out[SL_HASH_LEN])
{
	hash_t l, r;
	uint64_t k = 1;

	if (n == 0) {
		sl_sha256(out, "", 0);
		return;
	}
	if ((n & (n - 1)) == 0 && start % n == 0 && perfect[LEVELS - 1]) {
		unsigned lv = (unsigned)__builtin_ctzll(n);
		if (lv < LEVELS) {
			memcpy(out, perfect[lv][start >> lv], SL_HASH_LEN);
			return;
		}
	}
	if (n == 1) {
		memcpy(out, leaves[start], SL_HASH_LEN);
		return;
	}
	while (2 * k < n)
		k *= 2;
	naive_mth(start, k, l);
	naive_mth(start + k, n - k, r);
	sl_node_hash(out, l, r);
}

/* The same without the table: RFC 9162 section 2.1.1, word for word. */
static void pure_mth(uint64_t start, uint64_t n, unsigned char out[SL_HASH_LEN])
{
	hash_t l, r;
	uint64_t k = 1;

	if (n == 0) {
		sl_sha256(out, "", 0);
		return;
	}
	if (n == 1) {
		memcpy(out, leaves[start], SL_HASH_LEN);
		return;
	}
	while (2 * k < n)
		k *= 2;
	pure_mth(start, k, l);
	pure_mth(start + k, n - k, r);
	sl_node_hash(out, l, r);
}

/* RFC 9162 2.1.3.1 PATH(m, D[start:start+n]). */
static void naive_path(uint64_t m, uint64_t start, uint64_t n, hash_t *out, size_t *cnt)
{
	uint64_t k = 1;

	if (n == 1)
		return;
	while (2 * k < n)
		k *= 2;
	if (m < k) {
		naive_path(m, start, k, out, cnt);
		naive_mth(start + k, n - k, out[(*cnt)++]);
	} else {
		naive_path(m - k, start + k, n - k, out, cnt);
		naive_mth(start, k, out[(*cnt)++]);
	}
}

/* RFC 9162 2.1.4.1 SUBPROOF(m, D[start:start+n], b). */
static void naive_subproof(uint64_t m, uint64_t start, uint64_t n, int b, hash_t *out, size_t *cnt)
{
	uint64_t k = 1;

	if (m == n) {
		if (!b)
			naive_mth(start, n, out[(*cnt)++]);
		return;
	}
	while (2 * k < n)
		k *= 2;
	if (m <= k) {
		naive_subproof(m, start, k, b, out, cnt);
		naive_mth(start + k, n - k, out[(*cnt)++]);
	} else {
		naive_subproof(m - k, start + k, n - k, 0, out, cnt);
		naive_mth(start, k, out[(*cnt)++]);
	}
}

static unsigned ceil_log2(uint64_t n)
{
	unsigned l = 0;
	while (((uint64_t)1 << l) < n)
		l++;
	return l;
}

static void tree_setup(void)
{
	struct sl_merkle_range r;
	uint64_t i;

	memset(&tree, 0, sizeof(tree));
	tree.node = calloc(2 * MAXLEAVES, sizeof(hash_t));
	ck_assert_ptr_nonnull(tree.node);
	for (i = 0; i < MAXLEAVES; i++) {
		char name[32];
		int len = snprintf(name, sizeof(name), "leaf-%d", (int)i);
		sl_leaf_hash(leaves[i], name, (size_t)len);
	}
	perfect_setup();
	r.size = 0;
	r.n = 0;
	for (i = 0; i < MAXLEAVES; i++) {
		expect_eq(sl_merkle_range_append(&r, leaves[i], mem_emit, &tree), 0);
		tree.leaves++;
		expect(!tree.emit_errors, "%s", tree.emit_msg);
		expect_eq(r.size, i + 1);
		expect(tree.n == sl_merkle_nodes(i + 1), "size %llu: %llu nodes emitted, "
		       "sl_merkle_nodes says %llu", (unsigned long long)(i + 1),
		       (unsigned long long)tree.n, (unsigned long long)sl_merkle_nodes(i + 1));
		/* n - popcount(n) interior nodes. */
		expect_eq(tree.interior, i + 1 - (uint64_t)__builtin_popcountll(i + 1));
	}
	tree.limit = MAXLEAVES;
}

static void tree_teardown(void)
{
	free(tree.node);
	tree.node = NULL;
	perfect_teardown();
}

START_TEST(nodes_and_postorder)
{
	uint64_t i;

	/* 2n - popcount(n), and the first positions by hand. */
	expect_eq(sl_merkle_nodes(0), 0);
	expect_eq(sl_merkle_nodes(1), 1);
	expect_eq(sl_merkle_nodes(2), 3);
	expect_eq(sl_merkle_nodes(3), 4);
	expect_eq(sl_merkle_nodes(4), 7);
	expect_eq(sl_merkle_nodes(7), 11);
	expect_eq(sl_merkle_nodes(1024), 2047);
	expect_eq(sl_merkle_postorder(0, 0), 0);
	expect_eq(sl_merkle_postorder(0, 1), 1);
	expect_eq(sl_merkle_postorder(1, 0), 2);
	expect_eq(sl_merkle_postorder(0, 2), 3);
	expect_eq(sl_merkle_postorder(0, 3), 4);
	expect_eq(sl_merkle_postorder(1, 1), 5);
	expect_eq(sl_merkle_postorder(2, 0), 6);
	expect_eq(sl_merkle_postorder(0, 4), 7);
	expect_eq(sl_merkle_postorder(3, 0), 14);
	expect_eq(sl_merkle_interior_pos(1, 0), 0);
	expect_eq(sl_merkle_interior_pos(1, 1), 1);
	expect_eq(sl_merkle_interior_pos(2, 0), 2);
	expect_eq(sl_merkle_interior_pos(1, 2), 3);
	expect_eq(sl_merkle_interior_pos(1, 3), 4);
	expect_eq(sl_merkle_interior_pos(2, 1), 5);
	expect_eq(sl_merkle_interior_pos(3, 0), 6);
	expect_eq(sl_merkle_interior_pos(10, 0), 1022);
	/* Every stored node is the naive hash of the leaves it covers. */
	for (i = 0; i < 2 * MAXLEAVES && i < tree.n; i++) {
		unsigned level;
		int found = 0;
		for (level = 0; level <= 10 && !found; level++) {
			uint64_t idx;
			for (idx = 0; ((idx + 1) << level) <= MAXLEAVES; idx++) {
				if (sl_merkle_postorder(level, idx) == i) {
					hash_t h;
					naive_mth(idx << level, (uint64_t)1 << level, h);
					expect(!memcmp(h, tree.node[i], SL_HASH_LEN),
					       "node %llu (level %u, index %llu) has the wrong hash",
					       (unsigned long long)i, level, (unsigned long long)idx);
					found = 1;
					break;
				}
			}
		}
		expect(found, "position %llu names no subtree", (unsigned long long)i);
	}
}
END_TEST

START_TEST(rfc6962_test_tree)
{
	/* The RFC 6962 / transparency-dev test tree of 8 leaves, roots at each size. */
	static const char *const data[] = {
		"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
		"606162636465666768696a6b6c6d6e6f",
	};
	static const char *const roots[] = {
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	struct mem m;
	struct sl_merkle_range r = { 0 };
	size_t i;

	memset(&m, 0, sizeof(m));
	m.node = calloc(16, sizeof(hash_t));
	ck_assert_ptr_nonnull(m.node);
	for (i = 0; i < 8; i++) {
		unsigned char d[16], leaf[SL_HASH_LEN], root[SL_HASH_LEN];
		char hex[SL_HEX_LEN + 1];
		size_t dl = strlen(data[i]) / 2;

		expect_eq(sl_hex_decode(d, dl, data[i], 2 * dl), 0);
		sl_leaf_hash(leaf, d, dl);
		memcpy(leaves[i], leaf, SL_HASH_LEN); /* for mem_emit's leaf check */
		m.leaves = i;
		expect_eq(sl_merkle_range_append(&r, leaf, mem_emit, &m), 0);
		expect(!m.emit_errors, "%s", m.emit_msg);
		sl_merkle_range_root(&r, root);
		sl_hex_encode(hex, root, SL_HASH_LEN);
		ck_assert_str_eq(hex, roots[i]);
		m.limit = i + 1;
		expect_eq(sl_merkle_root(mem_get, &m, i + 1, root), 0);
		sl_hex_encode(hex, root, SL_HASH_LEN);
		ck_assert_str_eq(hex, roots[i]);
	}
	free(m.node);
}
END_TEST

START_TEST(empty_tree)
{
	struct sl_merkle_range r = { 0 };
	unsigned char root[SL_HASH_LEN];
	char hex[SL_HEX_LEN + 1];
	hash_t proof[SL_PROOF_MAX];
	size_t n = 99;

	tree.limit = 0;
	tree.reads = 0;
	expect_eq(sl_merkle_root(mem_get, &tree, 0, root), 0);
	sl_hex_encode(hex, root, SL_HASH_LEN);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect_eq(tree.reads, 0);
	sl_merkle_range_root(&r, root);
	sl_hex_encode(hex, root, SL_HASH_LEN);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	expect_eq(sl_merkle_inclusion(mem_get, &tree, 0, 0, proof, &n), SL_ERANGE);
	expect_eq(sl_merkle_range_load(&r, mem_get, &tree, 0), 0);
	expect_eq(r.size, 0);
	sl_merkle_range_root(&r, root);
	sl_hex_encode(hex, root, SL_HASH_LEN);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

static int sizes_of_interest(uint64_t n)
{
	return n <= 70 || n == 127 || n == 128 || n == 129 || n == 257 || n == 1000 || n == 1024 ||
	       n == 1025;
}

START_TEST(roots_all_sizes)
{
	struct sl_merkle_range r = { 0 };
	uint64_t n;

	for (n = 1; n <= MAXLEAVES; n++) {
		hash_t want, got, rr;

		naive_mth(0, n, want);
		if (sizes_of_interest(n)) {
			hash_t pure;
			pure_mth(0, n, pure);
			expect(!memcmp(pure, want, SL_HASH_LEN), "the naive roots of %llu differ",
			       (unsigned long long)n);
		}
		tree.limit = n;
		tree.reads = 0;
		tree.out_of_range = 0;
		expect_eq(sl_merkle_root(mem_get, &tree, n, got), 0);
		expect(!tree.out_of_range, "root of %llu read a node beyond the tree",
		       (unsigned long long)n);
		expect(!memcmp(want, got, SL_HASH_LEN), "sl_merkle_root(%llu) is wrong",
		       (unsigned long long)n);
		/* One read per complete subtree. */
		expect_eq(tree.reads, (unsigned long)__builtin_popcountll(n));
		/* The range, grown leaf by leaf without emit, agrees. */
		expect_eq(sl_merkle_range_append(&r, leaves[n - 1], NULL, NULL), 0);
		sl_merkle_range_root(&r, rr);
		expect(!memcmp(want, rr, SL_HASH_LEN), "sl_merkle_range_root(%llu) is wrong",
		       (unsigned long long)n);
		/* And a range loaded from the stored subtrees at size n. */
		if (sizes_of_interest(n)) {
			struct sl_merkle_range l;
			hash_t lr;
			expect_eq(sl_merkle_range_load(&l, mem_get, &tree, n), 0);
			expect_true(!tree.out_of_range);
			expect_eq(l.size, n);
			sl_merkle_range_root(&l, lr);
			expect(!memcmp(want, lr, SL_HASH_LEN), "loaded range root of %llu is wrong",
			       (unsigned long long)n);
		}
	}
}
END_TEST

/* Loading a range at size n and appending the rest gives the same nodes. */
START_TEST(range_load_then_append)
{
	static const uint64_t starts[] = { 1, 2, 3, 7, 8, 63, 64, 65, 100, 511, 512, 1000 };
	size_t s;

	for (s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
		struct sl_merkle_range r;
		struct mem m;
		uint64_t i;
		hash_t want, got;

		tree.limit = starts[s];
		expect_eq(sl_merkle_range_load(&r, mem_get, &tree, starts[s]), 0);
		memset(&m, 0, sizeof(m));
		m.node = calloc(2 * MAXLEAVES, sizeof(hash_t));
		ck_assert_ptr_nonnull(m.node);
		/* Positions continue from the nodes already stored. */
		memcpy(m.node, tree.node, sl_merkle_nodes(starts[s]) * sizeof(hash_t));
		m.n = sl_merkle_nodes(starts[s]);
		m.interior = starts[s] - (uint64_t)__builtin_popcountll(starts[s]);
		m.leaves = starts[s];
		for (i = starts[s]; i < MAXLEAVES; i++) {
			expect_eq(sl_merkle_range_append(&r, leaves[i], mem_emit, &m), 0);
			m.leaves++;
			expect(!m.emit_errors, "from %llu: %s", (unsigned long long)starts[s], m.emit_msg);
		}
		expect_eq(m.n, tree.n);
		expect(!memcmp(m.node, tree.node, tree.n * sizeof(hash_t)),
		       "nodes differ after loading at %llu", (unsigned long long)starts[s]);
		naive_mth(0, MAXLEAVES, want);
		sl_merkle_range_root(&r, got);
		expect_true(!memcmp(want, got, SL_HASH_LEN));
		free(m.node);
	}
}
END_TEST

static void refs_of(hash_t *h, size_t n, struct sl_hashref *refs)
{
	size_t i;

	for (i = 0; i < n; i++) {
		refs[i].p = h[i];
		refs[i].len = SL_HASH_LEN;
	}
}

static struct sl_hashref ref(const unsigned char *h)
{
	struct sl_hashref r = { h, SL_HASH_LEN };
	return r;
}

static int verify_incl(uint64_t idx, uint64_t size, const unsigned char *leaf, hash_t *proof,
		       size_t n, const unsigned char *root)
{
	struct sl_hashref refs[SL_PROOF_MAX + 1];
	struct sl_error err;

	refs_of(proof, n, refs);
	sl_error_clear(&err);
	return sl_merkle_verify_inclusion(idx, size, ref(leaf), refs, n, ref(root), &err);
}

static int verify_cons(uint64_t m, uint64_t n, const unsigned char *r1, const unsigned char *r2,
		       hash_t *proof, size_t count)
{
	struct sl_hashref refs[SL_PROOF_MAX + 1];
	struct sl_error err;

	refs_of(proof, count, refs);
	sl_error_clear(&err);
	return sl_merkle_verify_consistency(m, n, ref(r1), ref(r2), refs, count, &err);
}

/*
 * Bits to flip in hash number `which` of a proof: all of them for trees of up
 * to 16 leaves; above, one bit in 32, the choice rotating with the size and
 * the hash so that every bit position is flipped somewhere.
 */
static int flip_this(uint64_t size, size_t which, unsigned bit)
{
	return size <= 16 || (bit + which * 5 + size) % 32 == 0;
}

static void check_inclusion(uint64_t idx, uint64_t size, int flips)
{
	hash_t proof[SL_PROOF_MAX], want[SL_PROOF_MAX], root, leaf;
	size_t n = 999, wn = 0, i;
	unsigned bit;

	tree.limit = size;
	tree.reads = 0;
	tree.out_of_range = 0;
	expect_eq(sl_merkle_inclusion(mem_get, &tree, idx, size, proof, &n), 0);
	expect(!tree.out_of_range, "inclusion(%llu, %llu) read beyond the tree",
	       (unsigned long long)idx, (unsigned long long)size);
	expect(tree.reads <= 2 * ceil_log2(size) + 1, "inclusion(%llu, %llu) took %lu reads",
	       (unsigned long long)idx, (unsigned long long)size, tree.reads);
	naive_path(idx, 0, size, want, &wn);
	expect(n == wn, "inclusion(%llu, %llu): %zu hashes, want %zu", (unsigned long long)idx,
	       (unsigned long long)size, n, wn);
	expect(!memcmp(proof, want, n * SL_HASH_LEN), "inclusion(%llu, %llu) differs from RFC 9162 PATH",
	       (unsigned long long)idx, (unsigned long long)size);
	naive_mth(0, size, root);
	memcpy(leaf, leaves[idx], SL_HASH_LEN);
	expect(verify_incl(idx, size, leaf, proof, n, root) == 0,
	       "inclusion(%llu, %llu) does not verify", (unsigned long long)idx,
	       (unsigned long long)size);
	if (!flips)
		return;
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8 * SL_HASH_LEN; bit++) {
			if (!flip_this(size, i, bit))
				continue;
			proof[i][bit / 8] ^= (unsigned char)(1u << (bit % 8));
			expect(verify_incl(idx, size, leaf, proof, n, root) == SL_EVERIFY,
			       "inclusion(%llu, %llu) verifies with bit %u of proof[%zu] flipped",
			       (unsigned long long)idx, (unsigned long long)size, bit, i);
			proof[i][bit / 8] ^= (unsigned char)(1u << (bit % 8));
		}
	for (bit = 0; bit < 8 * SL_HASH_LEN; bit++) {
		if (!flip_this(size, n, bit))
			continue;
		root[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		expect(verify_incl(idx, size, leaf, proof, n, root) == SL_EVERIFY,
		       "inclusion(%llu, %llu) verifies with bit %u of the root flipped",
		       (unsigned long long)idx, (unsigned long long)size, bit);
		root[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		leaf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		expect(verify_incl(idx, size, leaf, proof, n, root) == SL_EVERIFY,
		       "inclusion(%llu, %llu) verifies with bit %u of the leaf flipped",
		       (unsigned long long)idx, (unsigned long long)size, bit);
		leaf[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	/* A hash more or less. */
	if (n > 0)
		expect_true(verify_incl(idx, size, leaf, proof, n - 1, root) == SL_EVERIFY);
	memcpy(proof[n], root, SL_HASH_LEN);
	expect_true(verify_incl(idx, size, leaf, proof, n + 1, root) == SL_EVERIFY);
	/* Another leaf's hash at this index. */
	expect_true(verify_incl(idx, size, leaves[(idx + 1) % MAXLEAVES], proof, n, root) == SL_EVERIFY);
}

static void check_consistency(uint64_t m, uint64_t size, int flips)
{
	hash_t proof[SL_PROOF_MAX + 1], want[SL_PROOF_MAX + 1], r1, r2;
	size_t n = 999, wn = 0, i;
	unsigned bit;

	tree.limit = size;
	tree.reads = 0;
	tree.out_of_range = 0;
	expect_eq(sl_merkle_consistency(mem_get, &tree, m, size, proof, &n), 0);
	expect(!tree.out_of_range, "consistency(%llu, %llu) read beyond the tree",
	       (unsigned long long)m, (unsigned long long)size);
	expect(tree.reads <= 2 * ceil_log2(size) + 2, "consistency(%llu, %llu) took %lu reads",
	       (unsigned long long)m, (unsigned long long)size, tree.reads);
	if (m < size)
		naive_subproof(m, 0, size, 1, want, &wn);
	expect(n == wn, "consistency(%llu, %llu): %zu hashes, want %zu", (unsigned long long)m,
	       (unsigned long long)size, n, wn);
	expect(!memcmp(proof, want, n * SL_HASH_LEN),
	       "consistency(%llu, %llu) differs from RFC 9162 SUBPROOF", (unsigned long long)m,
	       (unsigned long long)size);
	naive_mth(0, m, r1);
	naive_mth(0, size, r2);
	expect(verify_cons(m, size, r1, r2, proof, n) == 0,
	       "consistency(%llu, %llu) does not verify", (unsigned long long)m,
	       (unsigned long long)size);
	if (!flips)
		return;
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8 * SL_HASH_LEN; bit++) {
			if (!flip_this(size, i, bit))
				continue;
			proof[i][bit / 8] ^= (unsigned char)(1u << (bit % 8));
			expect(verify_cons(m, size, r1, r2, proof, n) == SL_EVERIFY,
			       "consistency(%llu, %llu) verifies with bit %u of proof[%zu] flipped",
			       (unsigned long long)m, (unsigned long long)size, bit, i);
			proof[i][bit / 8] ^= (unsigned char)(1u << (bit % 8));
		}
	for (bit = 0; bit < 8 * SL_HASH_LEN; bit++) {
		if (!flip_this(size, n, bit))
			continue;
		r1[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		expect(verify_cons(m, size, r1, r2, proof, n) == SL_EVERIFY,
		       "consistency(%llu, %llu) verifies with bit %u of the old root flipped",
		       (unsigned long long)m, (unsigned long long)size, bit);
		r1[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		r2[bit / 8] ^= (unsigned char)(1u << (bit % 8));
		expect(verify_cons(m, size, r1, r2, proof, n) == SL_EVERIFY,
		       "consistency(%llu, %llu) verifies with bit %u of the new root flipped",
		       (unsigned long long)m, (unsigned long long)size, bit);
		r2[bit / 8] ^= (unsigned char)(1u << (bit % 8));
	}
	/* A hash more or less; swapped roots. */
	if (n > 0)
		expect_true(verify_cons(m, size, r1, r2, proof, n - 1) == SL_EVERIFY);
	memcpy(proof[n], r2, SL_HASH_LEN);
	expect_true(verify_cons(m, size, r1, r2, proof, n + 1) == SL_EVERIFY);
	if (m < size)
		expect_true(verify_cons(m, size, r2, r1, proof, n) == SL_EVERIFY);
}

START_TEST(inclusion_small_trees)
{
	uint64_t size, idx;

	for (size = 1; size <= 70; size++)
		for (idx = 0; idx < size; idx++)
			check_inclusion(idx, size, 1);
}
END_TEST

START_TEST(consistency_small_trees)
{
	uint64_t size, m;

	for (size = 1; size <= 70; size++)
		for (m = 1; m <= size; m++)
			check_consistency(m, size, 1);
}
END_TEST

START_TEST(proofs_large_trees)
{
	static const uint64_t sizes[] = { 127, 128, 129, 257, 1000, 1024, 1025 };
	size_t s;

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint64_t size = sizes[s], i;
		for (i = 0; i < size; i++) {
			/* Bit flips on a sample only: the small trees flip them all. */
			check_inclusion(i, size, i % 97 == 0 || i == size - 1);
			check_consistency(i + 1, size, i % 97 == 0 || i + 1 == size);
		}
	}
}
END_TEST

START_TEST(range_errors)
{
	hash_t proof[SL_PROOF_MAX], root;
	size_t n;

	tree.limit = MAXLEAVES;
	n = 99;
	expect_eq(sl_merkle_inclusion(mem_get, &tree, 0, 0, proof, &n), SL_ERANGE);
	expect_eq(sl_merkle_inclusion(mem_get, &tree, 5, 5, proof, &n), SL_ERANGE);
	expect_eq(sl_merkle_inclusion(mem_get, &tree, 6, 5, proof, &n), SL_ERANGE);
	expect_eq(sl_merkle_inclusion(mem_get, &tree, UINT64_MAX, 5, proof, &n), SL_ERANGE);
	expect_eq(sl_merkle_consistency(mem_get, &tree, 0, 5, proof, &n), SL_ERANGE);
	expect_eq(sl_merkle_consistency(mem_get, &tree, 0, 0, proof, &n), SL_ERANGE);
	expect_eq(sl_merkle_consistency(mem_get, &tree, 6, 5, proof, &n), SL_ERANGE);
	expect_eq(sl_merkle_consistency(mem_get, &tree, UINT64_MAX, 5, proof, &n), SL_ERANGE);
	/* m == n: an empty proof. */
	n = 99;
	expect_eq(sl_merkle_consistency(mem_get, &tree, 5, 5, proof, &n), 0);
	expect_eq(n, 0);

	/* A getter's failure is passed on. */
	tree.limit = 4;
	expect_eq(sl_merkle_root(mem_get, &tree, 5, root), SL_ENOTFOUND);
	expect_eq(sl_merkle_inclusion(mem_get, &tree, 0, 5, proof, &n), SL_ENOTFOUND);
	expect_eq(sl_merkle_consistency(mem_get, &tree, 2, 5, proof, &n), SL_ENOTFOUND);
	tree.limit = MAXLEAVES;
}
END_TEST

START_TEST(verify_rejects_bad_arguments)
{
	hash_t proof[SL_PROOF_MAX], root, r1;
	struct sl_hashref refs[SL_PROOF_MAX], shortref;
	struct sl_error err;
	size_t n;

	tree.limit = MAXLEAVES;
	naive_mth(0, 10, root);
	naive_mth(0, 3, r1);
	expect_eq(sl_merkle_inclusion(mem_get, &tree, 3, 10, proof, &n), 0);
	refs_of(proof, n, refs);
	expect_eq(verify_incl(3, 10, leaves[3], proof, n, root), 0);
	/* index >= size */
	sl_error_clear(&err);
	expect_eq(sl_merkle_verify_inclusion(10, 10, ref(leaves[3]), refs, n, ref(root), &err),
		  SL_EVERIFY);
	ck_assert_str_ne(err.msg, "");
	expect_eq(sl_merkle_verify_inclusion(0, 0, ref(leaves[0]), refs, 0, ref(root), NULL),
		  SL_EVERIFY);
	/* Another index or size with the same proof. */
	expect_eq(verify_incl(2, 10, leaves[3], proof, n, root), SL_EVERIFY);
	expect_eq(verify_incl(3, 8, leaves[3], proof, n, root), SL_EVERIFY);
	expect_eq(verify_incl(3, 32, leaves[3], proof, n, root), SL_EVERIFY);
	/* Hashes that are not 32 bytes: leaf, root, a proof element. */
	shortref.p = leaves[3];
	shortref.len = 31;
	expect_eq(sl_merkle_verify_inclusion(3, 10, shortref, refs, n, ref(root), NULL),
		  SL_EVERIFY);
	expect_eq(sl_merkle_verify_inclusion(3, 10, ref(leaves[3]), refs, n, shortref, NULL),
		  SL_EVERIFY);
	refs[1].len = 33;
	expect_eq(sl_merkle_verify_inclusion(3, 10, ref(leaves[3]), refs, n, ref(root), NULL),
		  SL_EVERIFY);
	refs[1].len = SL_HASH_LEN;
	refs[1].p = NULL;
	expect_eq(sl_merkle_verify_inclusion(3, 10, ref(leaves[3]), refs, n, ref(root), NULL),
		  SL_EVERIFY);
	/* A single-leaf tree: the leaf is the root, the proof empty. */
	expect_eq(verify_incl(0, 1, leaves[0], proof, 0, leaves[0]), 0);
	expect_eq(verify_incl(0, 1, leaves[0], proof, 0, leaves[1]), SL_EVERIFY);

	/* Consistency: from size 0 is an error, even with the empty tree's root. */
	{
		hash_t empty;
		sl_sha256(empty, "", 0);
		expect_eq(verify_cons(0, 10, empty, root, proof, 0), SL_EVERIFY);
		expect_eq(verify_cons(0, 0, empty, empty, proof, 0), SL_EVERIFY);
	}
	expect_eq(sl_merkle_consistency(mem_get, &tree, 3, 10, proof, &n), 0);
	expect_eq(verify_cons(3, 10, r1, root, proof, n), 0);
	/* m > n */
	expect_eq(verify_cons(10, 3, root, r1, proof, n), SL_EVERIFY);
	/* Equal sizes: equal roots and an empty proof only. */
	expect_eq(verify_cons(10, 10, root, root, proof, 0), 0);
	expect_eq(verify_cons(10, 10, root, r1, proof, 0), SL_EVERIFY);
	expect_eq(verify_cons(10, 10, root, root, proof, 1), SL_EVERIFY);
	/* m < n needs a proof. */
	expect_eq(verify_cons(3, 10, r1, root, proof, 0), SL_EVERIFY);
	/* Roots that are not 32 bytes. */
	refs_of(proof, n, refs);
	shortref.p = r1;
	shortref.len = 0;
	expect_eq(sl_merkle_verify_consistency(3, 10, shortref, ref(root), refs, n, NULL),
		  SL_EVERIFY);
	expect_eq(sl_merkle_verify_consistency(3, 10, ref(r1), shortref, refs, n, NULL),
		  SL_EVERIFY);
	refs[0].len = 16;
	expect_eq(sl_merkle_verify_consistency(3, 10, ref(r1), ref(root), refs, n, NULL),
		  SL_EVERIFY);
}
END_TEST

static Suite *merkle_suite(void)
{
	Suite *s = suite_create("merkle");
	TCase *tv = tcase_create("vectors");
	TCase *tc = tcase_create("tree");

	tcase_add_test(tv, vectors_count);
	tcase_add_test(tv, vectors_all);
	suite_add_tcase(s, tv);

	/* Building 1025 leaves and proving everything takes a while under sanitizers. */
	tcase_set_timeout(tc, 600);
	tcase_add_checked_fixture(tc, tree_setup, tree_teardown);
	tcase_add_test(tc, nodes_and_postorder);
	tcase_add_test(tc, rfc6962_test_tree);
	tcase_add_test(tc, empty_tree);
	tcase_add_test(tc, roots_all_sizes);
	tcase_add_test(tc, range_load_then_append);
	tcase_add_test(tc, inclusion_small_trees);
	tcase_add_test(tc, consistency_small_trees);
	tcase_add_test(tc, proofs_large_trees);
	tcase_add_test(tc, range_errors);
	tcase_add_test(tc, verify_rejects_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;
	size_t i;

	vec_load_list();
	sr = srunner_create(merkle_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	for (i = 0; i < vec_n; i++)
		free(vec_files[i]);
	free(vec_files);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
