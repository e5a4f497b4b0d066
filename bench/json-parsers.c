// SPDX-License-Identifier: MIT
/*
 * json-parsers: which of Debian 12's JSON libraries (jansson, json-c, yajl)
 * should read StateLedger's NDJSON entry lines?  Two halves:
 *
 *   speed      N generated entry lines (default 200000, argv[1] overrides),
 *              about 300 bytes each, shaped like sl-append's input; every
 *              parser turns every line into its tree and frees it.  Five
 *              runs, interleaved across the parsers so that a slow phase
 *              of the machine hits all of them alike; the median is printed.
 *   behaviour  the inputs DESIGN.md section 2.1 cares about (duplicate keys,
 *              64-bit integers, reals, bad UTF-8, NUL, lone surrogates,
 *              trailing bytes, nesting) fed to each parser; what each one
 *              did is printed as a Markdown table.
 *
 * The results are recorded in doc/json-parser.md.  Build by hand:
 *
 *   gcc -std=c11 -O2 -Wall -Wextra -o json-parsers bench/json-parsers.c \
 *       $(pkg-config --cflags --libs jansson json-c yajl)
 *
 * Usage: json-parsers [N].  Exit 0 when every parser accepted every
 * generated line, 100 when one rejected a valid line (the figures would be
 * meaningless), 111 on a system failure (out of memory), 2 on bad usage.
 * Like every benchmark here it never fails on time.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#endif

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

/*
 * jansson and json-c were never meant to share a translation unit: both
 * declare `json_type`, `json_object`, `json_object_iter`, json_object_get()
 * and json_object_iter_next(), with different meanings.  Rename jansson's
 * while its header is read; this program uses none of them (nor the
 * json_object_foreach macros built on them).  At run time the two
 * libraries' exported json_object_get and json_object_iter_next carry
 * different ELF symbol versions (libjansson.so.4, JSONC_0.14), and neither
 * library calls them through the PLT, so they cannot bind to each other's.
 */
#define json_type jansson_type
#define json_object jansson_object_unused
#define json_object_iter jansson_object_iter_unused
#define json_object_get jansson_object_get_unused
#define json_object_iter_next jansson_object_iter_next_unused
#include <jansson.h>
#undef json_object_iter_next
#undef json_object_get
#undef json_object_iter
#undef json_object
#undef json_type

#include <json-c/json_c_version.h>
#include <json-c/json_object.h>
#include <json-c/json_tokener.h>
#include <json-c/json_util.h>

#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>
#include <yajl/yajl_version.h>

#define PROG "json-parsers"
#define USAGE "usage: json-parsers [N]"
#define DEFAULT_N 200000UL
#define MAX_N 100000000UL
#define RUNS 5
#define NSOURCES 1000
#define EXIT_DATA 100
#define EXIT_SYS 111

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die(EXIT_SYS, "out of memory (%zu bytes)", n);
	return p;
}

/* ---------------------------------------------------------------- corpus */

/* splitmix64: small, fast, and the same sequence on every machine. */
struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Modulo bias is irrelevant for test data. */
static uint64_t rng_below(struct rng *r, uint64_t n)
{
	return rng_next(r) % n;
}

/* One line under construction; entries are far below this size. */
struct line {
	char s[2048];
	size_t len;
};

static void line_add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->s + l->len, sizeof(l->s) - l->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(l->s) - l->len)
		die(EXIT_SYS, "generated line longer than %zu bytes", sizeof(l->s));
	l->len += (size_t)n;
}

static void line_hex(struct line *l, struct rng *r, unsigned nchars)
{
	static const char hex[] = "0123456789abcdef";
	unsigned i;
	uint64_t v = 0;

	if (l->len + nchars + 1 > sizeof(l->s))
		die(EXIT_SYS, "generated line longer than %zu bytes", sizeof(l->s));
	for (i = 0; i < nchars; i++) {
		if (i % 16 == 0)
			v = rng_next(r);
		l->s[l->len++] = hex[v & 15];
		v >>= 4;
	}
	l->s[l->len] = '\0';
}

/* Capture time: 13 s apart per line, wrapping inside November 2026. */
static void line_time(struct line *l, size_t i)
{
	uint64_t t = (uint64_t)i * 13;

	line_add(l, "2026-11-%02uT%02u:%02u:%02uZ", (unsigned)(1 + t / 86400 % 28),
		 (unsigned)(t / 3600 % 24), (unsigned)(t / 60 % 60), (unsigned)(t % 60));
}

/*
 * The strings below are JSON source text: some carry raw UTF-8, some
 * \u escapes (one a surrogate pair), quotes, backslashes and tabs, so that
 * the parsers' slow paths (unescaping, UTF-8 validation) are exercised at
 * the rate real captures would hit them.
 */
static const char *const config_paths[10] = {
	"/etc/nginx/nginx.conf",
	"/etc/nginx/sites-enabled/shop.conf",
	"/etc/postgresql/15/main/postgresql.conf",
	"/etc/ssh/sshd_config",
	"/etc/systemd/system/shop.service",
	"/etc/haproxy/haproxy.cfg",
	"/etc/redis/redis.conf",
	"/srv/app/config/production.yml",
	"/srv/app/config/\xc3\xbc" "bersetzung-de.yml",
	"/srv/app/config/\\u65e5\\u672c.json",
};

static const char *const branches[5] = {
	"main",
	"release/2026.11",
	"feature/caf\\u00e9-menu",
	"fix/\\\"quoted\\\"-names",
	"feature/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
};

static const char *const change_paths[8] = {
	"src/main.c",
	"lib/sl/json.c",
	"docs/na\xc3\xafve caf\xc3\xa9.md",
	"t/fixtures/tab\\there.txt",
	"assets/\\ud83d\\ude00.svg",
	"README.md",
	"GNUmakefile",
	"win\\\\path\\\\setup.bat",
};

static const char *const statuses[4] = { "modified", "added", "deleted", "renamed" };
static const char *const modes[3] = { "420", "384", "493" };
static const char *const mutation_kinds[3] = { "insert", "update", "delete" };

enum { T_CONFIG, T_CODE, T_ENV, T_MUTATION, T_N };
static const char *const type_names[T_N] = { "config", "code", "environment", "mutation" };

/*
 * Source k (0..999) fixes the type: 0-399 config (40 hosts x 10 files),
 * 400-649 code (250 repositories), 650-749 environment (100 hosts),
 * 750-999 mutation (250 partitions).
 */
static int source_type(unsigned k)
{
	if (k < 400)
		return T_CONFIG;
	if (k < 650)
		return T_CODE;
	if (k < 750)
		return T_ENV;
	return T_MUTATION;
}

static void gen_line(struct line *l, struct rng *r, size_t i, unsigned k)
{
	unsigned j, n;

	l->len = 0;
	l->s[0] = '\0';
	switch (source_type(k)) {
	case T_CONFIG: {
		unsigned host = k / 10;
		const char *path = config_paths[k % 10];

		line_add(l, "{\"type\":\"config\",\"source\":\"config:web-%u:%s\",\"payload\":{\"path\":\"%s\",\"sha256\":\"",
			 host, path, path);
		line_hex(l, r, 64);
		line_add(l, "\",\"size\":%" PRIu64 ",\"mode\":%s,\"host\":\"web-%u\",\"captured_at\":\"",
			 rng_below(r, 200000), modes[rng_below(r, 3)], host);
		line_time(l, i);
		line_add(l, "\",\"stored\":%s}}", rng_below(r, 4) ? "true" : "false");
		break;
	}
	case T_CODE: {
		unsigned repo = k - 400;

		line_add(l, "{\"type\":\"code\",\"source\":\"git:github.com/acme/svc-%u\",\"payload\":"
			 "{\"repo\":\"https://github.com/acme/svc-%u.git\",\"commit\":\"", repo, repo);
		line_hex(l, r, 40);
		line_add(l, "\",\"branch\":\"%s\",\"dirty\":%s,\"changes\":[", branches[rng_below(r, 5)],
			 rng_below(r, 3) ? "false" : "true");
		n = 1 + (unsigned)rng_below(r, 3);
		for (j = 0; j < n; j++)
			line_add(l, "%s{\"path\":\"%s\",\"status\":\"%s\"}", j ? "," : "",
				 change_paths[rng_below(r, 8)], statuses[rng_below(r, 4)]);
		line_add(l, "],\"captured_at\":\"");
		line_time(l, i);
		line_add(l, "\"}}");
		break;
	}
	case T_ENV: {
		unsigned host = k - 650;

		line_add(l, "{\"type\":\"environment\",\"source\":\"env:web-%u\",\"payload\":{\"os\":\"Debian GNU/Linux 12 (bookworm)\","
			 "\"arch\":\"x86_64\",\"kernel\":\"6.1.0-%u-amd64\",\"hostname\":\"web-%u\",\"tz\":\"Europe/Z\xc3\xbcrich\","
			 "\"nproc\":%u,\"variables\":{\"LANG\":\"de_CH.UTF-8\",\"APP_ENV\":\"production\","
			 "\"GREETING\":\"Gr\\u00fc\\u00dfe \\u2603\",\"API_TOKEN\":\"<redacted>\",\"WORKERS\":\"%u\"},\"captured_at\":\"",
			 host, 20 + (unsigned)rng_below(r, 8), host, 1u << rng_below(r, 6), 1 + (unsigned)rng_below(r, 64));
		line_time(l, i);
		line_add(l, "\"}}");
		break;
	}
	default: {
		unsigned part = k - 750;
		/* Positions anywhere up to 2^53-1; one in a hundred exactly at it. */
		uint64_t pos = rng_below(r, 100) ? rng_below(r, UINT64_C(1) << 53) : (UINT64_C(1) << 53) - 1;

		line_add(l, "{\"type\":\"mutation\",\"source\":\"kafka:prod/orders/%u\",\"payload\":{\"namespace\":\"kafka/prod/orders/%u\","
			 "\"position\":%" PRIu64 ",\"id\":\"order-%" PRIu64 "\",\"sha256\":\"", part, part, pos, rng_below(r, 100000000));
		line_hex(l, r, 64);
		line_add(l, "\",\"kind\":\"%s\",\"stored\":false,\"captured_at\":\"", mutation_kinds[rng_below(r, 3)]);
		line_time(l, i);
		line_add(l, "\"}}");
		break;
	}
	}
}

/*
 * All lines in one buffer, each followed by a NUL (yajl_tree_parse wants C
 * strings; the others get the length and never see the NUL).
 */
struct corpus {
	char *buf;
	size_t len, cap;
	size_t *off, *llen;
	size_t n;
	size_t per_type[T_N];
	size_t sources_used;
};

static void corpus_build(struct corpus *c, size_t n)
{
	struct rng r = { UINT64_C(20261125) };
	unsigned char used[NSOURCES] = { 0 };
	struct line l;
	size_t i;

	memset(c, 0, sizeof(*c));
	if (n > SIZE_MAX / sizeof(size_t) || n > SIZE_MAX / 320)
		die(EXIT_SYS, "N too large");
	c->off = xmalloc(n * sizeof(size_t));
	c->llen = xmalloc(n * sizeof(size_t));
	c->cap = n * 320 + 4096;
	c->buf = xmalloc(c->cap);
	for (i = 0; i < n; i++) {
		unsigned k = (unsigned)rng_below(&r, NSOURCES);

		gen_line(&l, &r, i, k);
		if (l.len + 1 > c->cap - c->len) {
			size_t ncap;
			char *nb;

			if (c->cap > SIZE_MAX / 2)
				die(EXIT_SYS, "corpus too large");
			ncap = c->cap * 2;
			nb = realloc(c->buf, ncap);
			if (!nb)
				die(EXIT_SYS, "out of memory (%zu bytes)", ncap);
			c->buf = nb;
			c->cap = ncap;
		}
		memcpy(c->buf + c->len, l.s, l.len + 1);
		c->off[i] = c->len;
		c->llen[i] = l.len;
		c->len += l.len + 1;
		c->per_type[source_type(k)]++;
		if (!used[k]) {
			used[k] = 1;
			c->sources_used++;
		}
	}
	c->n = n;
}

static void corpus_release(struct corpus *c)
{
	free(c->buf);
	free(c->off);
	free(c->llen);
	memset(c, 0, sizeof(*c));
}

static size_t corpus_bytes(const struct corpus *c)
{
	return c->len - c->n; /* without the NULs */
}

/* ------------------------------------------------ yajl callback parsers */

/*
 * With callbacks yajl builds nothing: it hands each token to the caller.
 * Two handlers: one that only counts (the floor of what yajl can do) and
 * one that also rejects duplicate keys, which the tree APIs of json-c and
 * yajl cannot report.  The duplicate check keeps the keys of every open
 * object in a stack and compares each new key with its siblings: linear,
 * because entries have a handful of keys per object (a real implementation
 * facing hostile input would hash).
 */
#define DUP_MAX_DEPTH 64
#define DUP_MAX_KEYS 4096
#define DUP_ARENA 65536

struct cbstate {
	size_t depth;        /* of maps and arrays */
	unsigned long long members; /* keys of the top-level object */
	int check_dups;
	int dup, limit;      /* why the parse was cancelled */
	size_t nframes;
	struct {
		size_t key0, arena0;
	} frame[DUP_MAX_DEPTH];
	struct {
		size_t off, len;
	} key[DUP_MAX_KEYS];
	size_t nkeys;
	size_t alen;
	char arena[DUP_ARENA];
	/* Event trace for the behaviour table; NULL while benchmarking. */
	struct text *trace;
};

struct text {
	char s[240];
	size_t len;
	int cut;
};

static void text_add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->cut)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->s + t->len, sizeof(t->s) - t->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(t->s) - t->len) {
		/* Truncated: end on a marker the reader cannot miss. */
		t->len = sizeof(t->s) - 5;
		memcpy(t->s + t->len, " ...", 5);
		t->len += 4;
		t->cut = 1;
		return;
	}
	t->len += (size_t)n;
}

/* Bytes as they are: printable ASCII kept, the rest as \xHH; `|` escaped for Markdown. */
static void text_bytes(struct text *t, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n && !t->cut; i++) {
		if (b[i] == '|')
			text_add(t, "\\|");
		else if (b[i] >= 0x20 && b[i] < 0x7f)
			text_add(t, "%c", b[i]);
		else
			text_add(t, "\\x%02x", b[i]);
	}
}

/* An error message on one line: stop at the first newline, drop the rest. */
static void text_msg(struct text *t, const char *m)
{
	size_t n = strcspn(m, "\n");

	while (n > 0 && (m[n - 1] == ' ' || m[n - 1] == '\r'))
		n--;
	text_bytes(t, m, n);
}

static int cb_null(void *ctx)
{
	struct cbstate *s = ctx;

	if (s->trace)
		text_add(s->trace, " null");
	return 1;
}

static int cb_boolean(void *ctx, int v)
{
	struct cbstate *s = ctx;

	if (s->trace)
		text_add(s->trace, " %s", v ? "true" : "false");
	return 1;
}

static int cb_integer(void *ctx, long long v)
{
	struct cbstate *s = ctx;

	if (s->trace)
		text_add(s->trace, " int %lld", v);
	return 1;
}

static int cb_double(void *ctx, double v)
{
	struct cbstate *s = ctx;

	if (s->trace)
		text_add(s->trace, " double %.17g", v);
	return 1;
}

static int cb_string(void *ctx, const unsigned char *v, size_t len)
{
	struct cbstate *s = ctx;

	if (s->trace) {
		text_add(s->trace, " str(%zu) \"", len);
		text_bytes(s->trace, v, len);
		text_add(s->trace, "\"");
	}
	return 1;
}

static int cb_start_map(void *ctx)
{
	struct cbstate *s = ctx;

	s->depth++;
	if (s->trace)
		text_add(s->trace, " {");
	if (!s->check_dups)
		return 1;
	if (s->nframes == DUP_MAX_DEPTH) {
		s->limit = 1;
		return 0;
	}
	s->frame[s->nframes].key0 = s->nkeys;
	s->frame[s->nframes].arena0 = s->alen;
	s->nframes++;
	return 1;
}

static int cb_map_key(void *ctx, const unsigned char *k, size_t len)
{
	struct cbstate *s = ctx;
	size_t i;

	if (s->depth == 1)
		s->members++;
	if (s->trace) {
		text_add(s->trace, " \"");
		text_bytes(s->trace, k, len);
		text_add(s->trace, "\":");
	}
	if (!s->check_dups)
		return 1;
	/* The key text is only valid during this call: compare, then copy. */
	for (i = s->frame[s->nframes - 1].key0; i < s->nkeys; i++) {
		if (s->key[i].len == len && memcmp(s->arena + s->key[i].off, k, len) == 0) {
			s->dup = 1;
			return 0;
		}
	}
	if (s->nkeys == DUP_MAX_KEYS || len > DUP_ARENA - s->alen) {
		s->limit = 1;
		return 0;
	}
	memcpy(s->arena + s->alen, k, len);
	s->key[s->nkeys].off = s->alen;
	s->key[s->nkeys].len = len;
	s->nkeys++;
	s->alen += len;
	return 1;
}

static int cb_end_map(void *ctx)
{
	struct cbstate *s = ctx;

	s->depth--;
	if (s->trace)
		text_add(s->trace, " }");
	if (s->check_dups) {
		s->nframes--;
		s->nkeys = s->frame[s->nframes].key0;
		s->alen = s->frame[s->nframes].arena0;
	}
	return 1;
}

static int cb_start_array(void *ctx)
{
	struct cbstate *s = ctx;

	s->depth++;
	if (s->trace)
		text_add(s->trace, " [");
	return 1;
}

static int cb_end_array(void *ctx)
{
	struct cbstate *s = ctx;

	s->depth--;
	if (s->trace)
		text_add(s->trace, " ]");
	return 1;
}

/* No yajl_number callback: yajl then converts integers and doubles itself. */
static const yajl_callbacks callbacks = {
	cb_null, cb_boolean, cb_integer, cb_double, NULL, cb_string,
	cb_start_map, cb_map_key, cb_end_map, cb_start_array, cb_end_array,
};

static void cbstate_reset(struct cbstate *s, int check_dups, struct text *trace)
{
	s->depth = 0;
	s->members = 0;
	s->check_dups = check_dups;
	s->dup = s->limit = 0;
	s->nframes = s->nkeys = s->alen = 0;
	s->trace = trace;
}

/*
 * Parse one document with callbacks.  Returns 0 on success; otherwise -1
 * with yajl's message (or the caller's reason) in *err.
 */
static int yajl_cb_parse(struct cbstate *s, const char *json, size_t len, struct text *err)
{
	yajl_handle h = yajl_alloc(&callbacks, NULL, s);
	yajl_status st;

	if (!h)
		die(EXIT_SYS, "yajl_alloc: out of memory");
	st = yajl_parse(h, (const unsigned char *)json, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st != yajl_status_ok) {
		if (err) {
			unsigned char *m = yajl_get_error(h, 0, (const unsigned char *)json, len);

			if (s->dup)
				text_add(err, "duplicate key, found by the caller's map_key callback; yajl: ");
			else if (s->limit)
				text_add(err, "caller's limit (depth or key space); yajl: ");
			text_msg(err, m ? (const char *)m : "(no message)");
			if (m)
				yajl_free_error(h, m);
		}
		yajl_free(h);
		return -1;
	}
	yajl_free(h);
	return 0;
}

/* ------------------------------------------------------- the benchmarks */

static int jansson_flags;

static int bench_jansson(const struct corpus *c, unsigned long long *members)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		json_error_t e;
		json_t *v = json_loadb(c->buf + c->off[i], c->llen[i], (size_t)jansson_flags, &e);

		if (!v) {
			fprintf(stderr, PROG ": jansson: line %zu: %s\n", i + 1, e.text);
			return -1;
		}
		*members += json_object_size(v);
		json_decref(v);
	}
	return 0;
}

static int bench_jansson_dups(const struct corpus *c, unsigned long long *members)
{
	jansson_flags = JSON_REJECT_DUPLICATES;
	return bench_jansson(c, members);
}

static int bench_jansson_plain(const struct corpus *c, unsigned long long *members)
{
	jansson_flags = 0;
	return bench_jansson(c, members);
}

static int bench_jsonc(const struct corpus *c, unsigned long long *members, int flags)
{
	struct json_tokener *tok = json_tokener_new();
	size_t i;

	if (!tok)
		die(EXIT_SYS, "json_tokener_new: out of memory");
	json_tokener_set_flags(tok, flags);
	for (i = 0; i < c->n; i++) {
		struct json_object *v;

		if (c->llen[i] > INT32_MAX) {
			fprintf(stderr, PROG ": json-c: line %zu: longer than INT_MAX\n", i + 1);
			json_tokener_free(tok);
			return -1;
		}
		json_tokener_reset(tok);
		v = json_tokener_parse_ex(tok, c->buf + c->off[i], (int)c->llen[i]);
		/* json-c stops after the first value: the caller must check the rest is empty. */
		if (!v || json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != c->llen[i]) {
			fprintf(stderr, PROG ": json-c: line %zu: %s\n", i + 1,
				json_tokener_error_desc(json_tokener_get_error(tok)));
			json_object_put(v);
			json_tokener_free(tok);
			return -1;
		}
		*members += (unsigned long long)json_object_object_length(v);
		json_object_put(v);
	}
	json_tokener_free(tok);
	return 0;
}

static int bench_jsonc_strict(const struct corpus *c, unsigned long long *members)
{
	return bench_jsonc(c, members, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
}

static int bench_jsonc_default(const struct corpus *c, unsigned long long *members)
{
	return bench_jsonc(c, members, 0);
}

/* Duplicate keys in a yajl tree: it keeps every member, so they can be found afterwards. */
static int yajl_tree_has_dups(yajl_val v)
{
	size_t i, j;

	if (YAJL_IS_OBJECT(v)) {
		for (i = 0; i < v->u.object.len; i++) {
			for (j = 0; j < i; j++)
				if (strcmp(v->u.object.keys[i], v->u.object.keys[j]) == 0)
					return 1;
			if (yajl_tree_has_dups(v->u.object.values[i]))
				return 1;
		}
	} else if (YAJL_IS_ARRAY(v)) {
		for (i = 0; i < v->u.array.len; i++)
			if (yajl_tree_has_dups(v->u.array.values[i]))
				return 1;
	}
	return 0;
}

static int bench_yajl_tree(const struct corpus *c, unsigned long long *members, int check_dups)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		char err[256];
		yajl_val v = yajl_tree_parse(c->buf + c->off[i], err, sizeof(err));

		if (!v) {
			fprintf(stderr, PROG ": yajl tree: line %zu: %s\n", i + 1, err);
			return -1;
		}
		if (check_dups && yajl_tree_has_dups(v)) {
			fprintf(stderr, PROG ": yajl tree: line %zu: duplicate key\n", i + 1);
			yajl_tree_free(v);
			return -1;
		}
		if (YAJL_IS_OBJECT(v))
			*members += v->u.object.len;
		yajl_tree_free(v);
	}
	return 0;
}

static int bench_yajl_tree_plain(const struct corpus *c, unsigned long long *members)
{
	return bench_yajl_tree(c, members, 0);
}

static int bench_yajl_tree_dups(const struct corpus *c, unsigned long long *members)
{
	return bench_yajl_tree(c, members, 1);
}

static struct cbstate cbs; /* 100 kB: static, not on the stack */

static int bench_yajl_cb(const struct corpus *c, unsigned long long *members, int check_dups)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		struct text err = { .len = 0 };

		cbstate_reset(&cbs, check_dups, NULL);
		if (yajl_cb_parse(&cbs, c->buf + c->off[i], c->llen[i], &err) < 0) {
			fprintf(stderr, PROG ": yajl callbacks: line %zu: %s\n", i + 1, err.s);
			return -1;
		}
		*members += cbs.members;
	}
	return 0;
}

static int bench_yajl_cb_plain(const struct corpus *c, unsigned long long *members)
{
	return bench_yajl_cb(c, members, 0);
}

static int bench_yajl_cb_dups(const struct corpus *c, unsigned long long *members)
{
	return bench_yajl_cb(c, members, 1);
}

static const struct bench {
	const char *name;
	int (*run)(const struct corpus *, unsigned long long *);
} benches[] = {
	{ "jansson json_loadb, JSON_REJECT_DUPLICATES", bench_jansson_dups },
	{ "jansson json_loadb, flags 0 (no duplicate check)", bench_jansson_plain },
	{ "json-c json_tokener, STRICT|VALIDATE_UTF8", bench_jsonc_strict },
	{ "json-c json_tokener, default flags", bench_jsonc_default },
	{ "yajl yajl_tree_parse", bench_yajl_tree_plain },
	{ "yajl yajl_tree_parse + duplicate-key walk", bench_yajl_tree_dups },
	{ "yajl callbacks, no tree (counting only)", bench_yajl_cb_plain },
	{ "yajl callbacks, no tree, duplicate check", bench_yajl_cb_dups },
};
#define NBENCH (sizeof(benches) / sizeof(benches[0]))

static double clock_secs(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		die(EXIT_SYS, "clock_gettime: %s", strerror(errno));
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* --------------------------------------------------------------- machine */

static void print_machine(void)
{
	struct utsname u;
	cpu_set_t set;
	char buf[512], model[256] = "unknown";
	FILE *f;
	long nproc;

	if (uname(&u) != 0)
		die(EXIT_SYS, "uname: %s", strerror(errno));
	f = fopen("/proc/cpuinfo", "r");
	if (f) {
		while (fgets(buf, sizeof(buf), f)) {
			if (strncmp(buf, "model name", 10) == 0) {
				const char *p = strchr(buf, ':');

				if (p) {
					p += 1 + strspn(p + 1, " \t");
					snprintf(model, sizeof(model), "%.*s", (int)strcspn(p, "\n"), p);
				}
				break;
			}
		}
		if (fclose(f) != 0)
			die(EXIT_SYS, "close '/proc/cpuinfo': %s", strerror(errno));
	}
	/* As nproc(1): the CPUs this process may run on. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		nproc = CPU_COUNT(&set);
	else
		nproc = sysconf(_SC_NPROCESSORS_ONLN);
	printf("machine: %s, %s, nproc %ld, kernel %s %s\n", u.machine, model, nproc, u.sysname, u.release);
	printf("libraries: jansson %s (json_int_t %zu bytes), json-c %s, yajl %d.%d.%d; compiler %s\n",
	       jansson_version_str(), sizeof(json_int_t), json_c_version(),
	       yajl_version() / 10000, yajl_version() / 100 % 100, yajl_version() % 100, __VERSION__);
}

/* ------------------------------------------------------- behaviour table */

struct check {
	const char *name;
	const char *json; /* NULL: the deep-nesting document built at run time */
};

static const struct check checks[] = {
	{ "duplicate key", "{\"a\":1,\"a\":2}" },
	{ "duplicate key, nested", "{\"o\":{\"a\":1,\"a\":2}}" },
	{ "2^53-1", "{\"a\":9007199254740991}" },
	{ "INT64_MIN", "{\"a\":-9223372036854775808}" },
	{ "INT64_MAX", "{\"a\":9223372036854775807}" },
	{ "INT64_MAX+1 (overflow)", "{\"a\":9223372036854775808}" },
	{ "INT64_MIN-1 (overflow)", "{\"a\":-9223372036854775809}" },
	{ "-0", "{\"a\":-0}" },
	{ "1.0", "{\"a\":1.0}" },
	{ "1e3", "{\"a\":1e3}" },
	{ "invalid UTF-8 byte FF", "{\"a\":\"\xff\"}" },
	{ "overlong UTF-8 C0 AF", "{\"a\":\"\xc0\xaf\"}" },
	{ "UTF-8-encoded surrogate ED A0 80", "{\"a\":\"\xed\xa0\x80\"}" },
	{ "raw control byte 01 in string", "{\"a\":\"x\x01y\"}" },
	{ "\\u0000 in string", "{\"a\":\"x\\u0000y\"}" },
	{ "lone surrogate \\ud800", "{\"a\":\"\\ud800\"}" },
	{ "lone surrogate \\udc00", "{\"a\":\"\\udc00\"}" },
	{ "trailing garbage", "{} x" },
	{ "two values", "{}{}" },
	{ "trailing newline", "{\"a\":1}\n" },
	{ "comment", "{\"a\":1/*c*/}" },
	{ "nesting depth 10001", NULL },
};
#define NCHECK (sizeof(checks) / sizeof(checks[0]))
#define DEEP 10000

static void check_jansson(const char *json, size_t len, size_t flags, struct text *t)
{
	json_error_t e;
	json_t *v = json_loadb(json, len, flags, &e), *a;
	char *dump;

	if (!v) {
		text_add(t, "rejected: ");
		text_msg(t, e.text);
		return;
	}
	dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	text_add(t, "accepted: ");
	if (dump) {
		text_bytes(t, dump, strlen(dump));
		free(dump);
	} else {
		text_add(t, "(json_dumps failed)");
	}
	a = json_object_getn(v, "a", 1);
	if (json_is_integer(a))
		text_add(t, "; a is integer %" JSON_INTEGER_FORMAT, json_integer_value(a));
	else if (json_is_real(a))
		text_add(t, "; a is real %.17g", json_real_value(a));
	else if (json_is_string(a))
		text_add(t, "; a is string of %zu bytes", json_string_length(a));
	json_decref(v);
}

static void check_jsonc(const char *json, size_t len, int flags, struct text *t)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *v, *a;
	enum json_tokener_error err;
	size_t end;

	if (!tok)
		die(EXIT_SYS, "json_tokener_new: out of memory");
	json_tokener_set_flags(tok, flags);
	v = json_tokener_parse_ex(tok, json, (int)len);
	err = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!v || err != json_tokener_success) {
		if (err == json_tokener_continue)
			text_add(t, "rejected: incomplete (json_tokener_continue)");
		else {
			text_add(t, "rejected: ");
			text_msg(t, json_tokener_error_desc(err));
		}
	} else {
		size_t dlen = 0;
		const char *dump = json_object_to_json_string_length(v, JSON_C_TO_STRING_PLAIN |
									   JSON_C_TO_STRING_NOSLASHESCAPE, &dlen);

		text_add(t, "accepted: ");
		if (dump)
			text_bytes(t, dump, dlen);
		if (json_object_object_get_ex(v, "a", &a)) {
			text_add(t, "; a is %s", json_type_to_name(json_object_get_type(a)));
			if (json_object_is_type(a, json_type_int))
				text_add(t, ", get_int64 %" PRId64, json_object_get_int64(a));
			else if (json_object_is_type(a, json_type_string))
				text_add(t, " of %d bytes", json_object_get_string_len(a));
		}
		if (end != len)
			text_add(t, "; stopped at byte %zu of %zu (caller must check json_tokener_get_parse_end)",
				 end, len);
	}
	json_object_put(v);
	json_tokener_free(tok);
}

static void describe_yajl(struct text *t, yajl_val v, int depth)
{
	size_t i;

	if (depth > 4) {
		text_add(t, "...");
		return;
	}
	switch (v->type) {
	case yajl_t_string:
		text_add(t, "str(%zu) \"", strlen(v->u.string));
		text_bytes(t, v->u.string, strlen(v->u.string));
		text_add(t, "\"");
		break;
	case yajl_t_number:
		text_add(t, "%s (", v->u.number.r);
		if (v->u.number.flags & YAJL_NUMBER_INT_VALID)
			text_add(t, "int %lld", v->u.number.i);
		else if (v->u.number.flags & YAJL_NUMBER_DOUBLE_VALID)
			text_add(t, "double %.17g", v->u.number.d);
		else
			text_add(t, "neither int nor double");
		text_add(t, ")");
		break;
	case yajl_t_object:
		text_add(t, "{");
		for (i = 0; i < v->u.object.len; i++) {
			text_add(t, "%s\"", i ? ", " : "");
			text_bytes(t, v->u.object.keys[i], strlen(v->u.object.keys[i]));
			text_add(t, "\": ");
			describe_yajl(t, v->u.object.values[i], depth + 1);
		}
		text_add(t, "}");
		break;
	case yajl_t_array:
		text_add(t, "[");
		for (i = 0; i < v->u.array.len; i++) {
			if (i)
				text_add(t, ", ");
			describe_yajl(t, v->u.array.values[i], depth + 1);
		}
		text_add(t, "]");
		break;
	case yajl_t_true:
		text_add(t, "true");
		break;
	case yajl_t_false:
		text_add(t, "false");
		break;
	case yajl_t_null:
		text_add(t, "null");
		break;
	default:
		text_add(t, "?");
		break;
	}
}

static void check_yajl_tree(const char *json, struct text *t)
{
	char err[256];
	yajl_val v = yajl_tree_parse(json, err, sizeof(err));

	if (!v) {
		text_add(t, "rejected: ");
		text_msg(t, err);
		return;
	}
	text_add(t, "accepted: ");
	describe_yajl(t, v, 0);
	yajl_tree_free(v);
}

static void check_yajl_cb(const char *json, size_t len, struct text *t)
{
	struct text trace = { .len = 0 }, err = { .len = 0 };

	cbstate_reset(&cbs, 1, &trace);
	if (yajl_cb_parse(&cbs, json, len, &err) < 0) {
		text_add(t, "rejected: %s; events:%s", err.s, trace.s);
		return;
	}
	text_add(t, "accepted; events:%s", trace.s);
}

static void print_checks(void)
{
	static const char *const cols[] = {
		"jansson (JSON_REJECT_DUPLICATES)", "json-c (default flags)",
		"json-c (STRICT\\|VALIDATE_UTF8)", "yajl tree", "yajl callbacks (+ caller's duplicate check)",
	};
	char *deep;
	size_t i, c, dlen = 5 + 2 * DEEP + 1;

	deep = xmalloc(dlen + 1);
	memcpy(deep, "{\"a\":", 5);
	memset(deep + 5, '[', DEEP);
	memset(deep + 5 + DEEP, ']', DEEP);
	deep[dlen - 1] = '}';
	deep[dlen] = '\0';

	printf("\n| input | bytes |");
	for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		printf(" %s |", cols[c]);
	printf("\n|---|---|");
	for (c = 0; c < sizeof(cols) / sizeof(cols[0]); c++)
		printf("---|");
	printf("\n");
	for (i = 0; i < NCHECK; i++) {
		const char *json = checks[i].json ? checks[i].json : deep;
		size_t len = strlen(json);
		struct text in = { .len = 0 }, cell[5];

		memset(cell, 0, sizeof(cell));
		if (checks[i].json)
			text_bytes(&in, json, len);
		else
			text_add(&in, "{\"a\":[[[... 10000 deep ...]]]}");
		check_jansson(json, len, JSON_REJECT_DUPLICATES, &cell[0]);
		check_jsonc(json, len, 0, &cell[1]);
		check_jsonc(json, len, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8, &cell[2]);
		check_yajl_tree(json, &cell[3]);
		check_yajl_cb(json, len, &cell[4]);
		printf("| %s | `%s` |", checks[i].name, in.s);
		for (c = 0; c < 5; c++)
			printf(" %s |", cell[c].s);
		printf("\n");
	}

	/* lib/json.c also passes JSON_ALLOW_NUL: show where that changes the answer. */
	printf("\njansson with JSON_REJECT_DUPLICATES|JSON_ALLOW_NUL differs from the column above on:\n");
	for (i = 0; i < NCHECK; i++) {
		const char *json = checks[i].json ? checks[i].json : deep;
		size_t len = strlen(json);
		struct text a = { .len = 0 }, b = { .len = 0 };

		check_jansson(json, len, JSON_REJECT_DUPLICATES, &a);
		check_jansson(json, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &b);
		if (strcmp(a.s, b.s) != 0)
			printf("- %s: %s\n", checks[i].name, b.s);
	}
	free(deep);
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
	struct corpus c;
	unsigned long n = DEFAULT_N;
	/* Wall time is the figure; CPU time shows how much of it other load stole. */
	double secs[NBENCH][RUNS], cpu[NBENCH][RUNS];
	unsigned long long members;
	size_t b, r, t;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		puts(USAGE);
		return 0;
	}
	if (argc > 2) {
		fputs(PROG ": " USAGE "\n", stderr);
		return 2;
	}
	if (argc == 2) {
		char *end;

		errno = 0;
		n = strtoul(argv[1], &end, 10);
		if (errno || end == argv[1] || *end || argv[1][0] == '-' || n == 0 || n > MAX_N) {
			fprintf(stderr, PROG ": " USAGE " (N: 1..%lu)\n", MAX_N);
			return 2;
		}
	}

	corpus_build(&c, n);
	print_machine();
	printf("N: %zu lines, %zu bytes (mean %.1f bytes/line); types:", c.n, corpus_bytes(&c),
	       (double)corpus_bytes(&c) / (double)c.n);
	for (t = 0; t < T_N; t++)
		printf(" %s %zu%s", type_names[t], c.per_type[t], t + 1 < T_N ? "," : "");
	printf("; %zu distinct sources\n", c.sources_used);
	printf("runs: %d, interleaved across parsers after one untimed warm-up pass; median shown; MB = 10^6 bytes\n",
	       RUNS);

	/* Warm-up pass: also proves every parser accepts every generated line. */
	for (b = 0; b < NBENCH; b++) {
		members = 0;
		if (benches[b].run(&c, &members) < 0)
			die(EXIT_DATA, "%s rejected a generated line", benches[b].name);
		if (members != 3ULL * c.n)
			die(EXIT_DATA, "%s: %llu top-level members, expected %llu", benches[b].name, members,
			    3ULL * c.n);
	}
	for (r = 0; r < RUNS; r++) {
		for (b = 0; b < NBENCH; b++) {
			double t0, c0;

			members = 0;
			t0 = clock_secs(CLOCK_MONOTONIC);
			c0 = clock_secs(CLOCK_PROCESS_CPUTIME_ID);
			if (benches[b].run(&c, &members) < 0)
				die(EXIT_DATA, "%s rejected a generated line", benches[b].name);
			cpu[b][r] = clock_secs(CLOCK_PROCESS_CPUTIME_ID) - c0;
			secs[b][r] = clock_secs(CLOCK_MONOTONIC) - t0;
		}
	}

	printf("\n| parser | median lines/s | median MB/s | range lines/s (%d runs) | vs jansson+dups | median lines/s of CPU time |\n",
	       RUNS);
	printf("|---|---:|---:|---:|---:|---:|\n");
	{
		double base = 0;

		for (b = 0; b < NBENCH; b++) {
			double s[RUNS], cs[RUNS], med, lps;

			memcpy(s, secs[b], sizeof(s));
			qsort(s, RUNS, sizeof(double), cmp_double);
			memcpy(cs, cpu[b], sizeof(cs));
			qsort(cs, RUNS, sizeof(double), cmp_double);
			med = s[RUNS / 2];
			lps = (double)c.n / med;
			if (b == 0)
				base = lps;
			printf("| %s | %.0f | %.1f | %.0f..%.0f | %.2fx | %.0f |\n", benches[b].name, lps,
			       (double)corpus_bytes(&c) / med / 1e6, (double)c.n / s[RUNS - 1],
			       (double)c.n / s[0], lps / base, (double)c.n / cs[RUNS / 2]);
		}
	}

	print_checks();
	corpus_release(&c);
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		fprintf(stderr, PROG ": fatal: unable to write standard output: %s\n", strerror(errno));
		return EXIT_SYS;
	}
	return 0;
}
