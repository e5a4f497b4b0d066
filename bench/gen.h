// SPDX-License-Identifier: MIT
/*
 * The benchmark's entries, shared by bench/gen.c (which writes them as
 * NDJSON for sl-append) and bench/sqlite-baseline.c (which stores the same
 * rows without going through libsl).
 *
 * Entry i is a pure function of (seed, i), so any program can rebuild any
 * entry without reading the generated file.  There are GEN_SOURCES distinct
 * sources; each source has one type, and the types are mixed 40% config,
 * 20% code, 10% environment, 30% mutation.  Payloads are written directly
 * in RFC 8785 canonical form (members sorted, no white space, integers
 * only, ASCII), so the ledger's canonical entry is byte for byte
 *   {"payload":<payload>,"seq":N,"source":"<source>","ts":"<ts>","type":"<type>"}
 * which is how the baseline reproduces its exact size.  The payloads are
 * sized so that canonical entries average about 300 bytes.
 */
#ifndef SL_BENCH_GEN_H
#define SL_BENCH_GEN_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define GEN_SOURCES 1000
#define GEN_TEXT_MAX 512
/* 2026-01-01T00:00:00Z: captured_at of entry i is this plus i seconds. */
#define GEN_EPOCH 1767225600LL

struct gen_row {
	const char *type;
	char source[96];
	size_t source_len;
	char payload[GEN_TEXT_MAX];
	size_t payload_len;
};

static inline uint64_t gen_mix(uint64_t x)
{
	/* splitmix64's finaliser: a good 64-bit hash of the index. */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

struct gen_rng {
	uint64_t s;
};

static inline uint64_t gen_next(struct gen_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return gen_mix(r->s);
}

/* Append n lowercase hex digits (n even) from the generator. */
static inline char *gen_hex(char *p, struct gen_rng *r, unsigned n)
{
	static const char hex[] = "0123456789abcdef";
	uint64_t w = 0;
	unsigned i;

	for (i = 0; i < n; i++) {
		if (i % 16 == 0)
			w = gen_next(r);
		*p++ = hex[w & 15];
		w >>= 4;
	}
	return p;
}

static inline char *gen_str(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

static inline char *gen_u64(char *p, uint64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *d = e;

	do {
		*--d = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(p, d, (size_t)(e - d));
	return p + (e - d);
}

/* Zero-padded decimal of width w. */
static inline char *gen_pad(char *p, unsigned v, unsigned w)
{
	unsigned i;

	for (i = w; i > 0; i--) {
		p[i - 1] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + w;
}

/* RFC 3339 UTC time of t (seconds since 1970), days-from-civil inverted. */
static inline char *gen_time(char *p, int64_t t)
{
	int64_t days = t / 86400, sod = t % 86400, z, era, doe, yoe, y, doy, mp, d, m;

	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	p = gen_pad(p, (unsigned)y, 4);
	*p++ = '-';
	p = gen_pad(p, (unsigned)m, 2);
	*p++ = '-';
	p = gen_pad(p, (unsigned)d, 2);
	*p++ = 'T';
	p = gen_pad(p, (unsigned)(sod / 3600), 2);
	*p++ = ':';
	p = gen_pad(p, (unsigned)(sod / 60 % 60), 2);
	*p++ = ':';
	p = gen_pad(p, (unsigned)(sod % 60), 2);
	*p++ = 'Z';
	return p;
}

/* "captured_at":"<RFC 3339 time of entry i>" */
static inline char *gen_captured(char *p, uint64_t i)
{
	p = gen_str(p, "\"captured_at\":\"");
	p = gen_time(p, GEN_EPOCH + (int64_t)i);
	*p++ = '"';
	return p;
}

/* The source number (0..GEN_SOURCES-1) of entry i. */
static inline unsigned gen_source_of(uint64_t seed, uint64_t i)
{
	return (unsigned)(gen_mix(seed ^ gen_mix(i)) % GEN_SOURCES);
}

/* Build entry i: its type, source and canonical payload. */
static inline void gen_row(uint64_t seed, uint64_t i, struct gen_row *row)
{
	struct gen_rng r = { gen_mix(seed * 31 + i) ^ 0x5ca1ab1eULL };
	unsigned k = gen_source_of(seed, i);
	char *p = row->payload, *s = row->source;
	char host[16], *h;

	h = gen_str(host, "web-");
	h = gen_pad(h, k % 64, 2);
	*h = '\0';
	*p++ = '{';
	if (k < 400) {
		/* config:web-NN:/etc/svc-KKK/app.yaml */
		row->type = "config";
		s = gen_str(s, "config:");
		s = gen_str(s, host);
		s = gen_str(s, ":/etc/svc-");
		s = gen_pad(s, k, 3);
		s = gen_str(s, "/app.yaml");
		p = gen_captured(p, i);
		p = gen_str(p, ",\"host\":\"");
		p = gen_str(p, host);
		p = gen_str(p, "\",\"mode\":420,\"path\":\"/etc/svc-");
		p = gen_pad(p, k, 3);
		p = gen_str(p, "/app.yaml\",\"sha256\":\"");
		p = gen_hex(p, &r, 64);
		p = gen_str(p, "\",\"size\":");
		p = gen_u64(p, 512 + gen_next(&r) % 60000);
	} else if (k < 600) {
		/* git:github.com/acme/svc-KKK */
		row->type = "code";
		s = gen_str(s, "git:github.com/acme/svc-");
		s = gen_pad(s, k, 3);
		p = gen_str(p, "\"branch\":\"main\",");
		p = gen_captured(p, i);
		p = gen_str(p, ",\"commit\":\"");
		p = gen_hex(p, &r, 40);
		p = gen_str(p, gen_next(&r) % 8 ? "\",\"dirty\":false" : "\",\"dirty\":true");
		p = gen_str(p, ",\"repo\":\"https://github.com/acme/svc-");
		p = gen_pad(p, k, 3);
		p = gen_str(p, "\",\"tags\":[\"v1.");
		p = gen_u64(p, gen_next(&r) % 40);
		p = gen_str(p, ".");
		p = gen_u64(p, gen_next(&r) % 10);
		p = gen_str(p, "\"]");
	} else if (k < 700) {
		/* env:web-KKK */
		row->type = "environment";
		s = gen_str(s, "env:web-");
		s = gen_pad(s, k, 3);
		p = gen_str(p, "\"arch\":\"x86_64\",");
		p = gen_captured(p, i);
		p = gen_str(p, ",\"hostname\":\"web-");
		p = gen_pad(p, k, 3);
		p = gen_str(p, "\",\"kernel\":\"6.1.0-");
		p = gen_u64(p, 10 + gen_next(&r) % 20);
		p = gen_str(p, "-amd64\",\"nproc\":");
		p = gen_u64(p, 2u << (gen_next(&r) % 5));
		p = gen_str(p, ",\"os\":\"Debian GNU/Linux 12 (bookworm)\""
			       ",\"time_source\":\"ntp-synced\",\"tz\":\"UTC\"");
	} else {
		/* kafka:main/orders-KKK */
		row->type = "mutation";
		s = gen_str(s, "kafka:main/orders-");
		s = gen_pad(s, k, 3);
		p = gen_captured(p, i);
		p = gen_str(p, ",\"id\":\"evt-");
		p = gen_u64(p, i);
		p = gen_str(p, "\",\"namespace\":\"kafka/main/orders-");
		p = gen_pad(p, k, 3);
		p = gen_str(p, "/");
		p = gen_u64(p, gen_next(&r) % 12);
		p = gen_str(p, "\",\"position\":");
		p = gen_u64(p, i * 7 + 1000);
		p = gen_str(p, ",\"sha256\":\"");
		p = gen_hex(p, &r, 64);
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	*s = '\0';
	row->payload_len = (size_t)(p - row->payload);
	row->source_len = (size_t)(s - row->source);
}

#endif
