// SPDX-License-Identifier: MIT
/*
 * gen: write N benchmark entries as NDJSON submissions for sl-append,
 *   {"type":T,"source":S,"payload":{...}}
 * one per line, deterministic in (N, SEED).  See bench/gen.h.
 *
 * usage: gen N [SEED]
 * A summary (lines, bytes, distinct sources, lines per type) goes to stderr.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static char seen[GEN_SOURCES];
	static char obuf[1 << 20];
	uint64_t n, seed = 1, i, bytes = 0, ntype[4] = { 0 };
	size_t used = 0;
	unsigned distinct = 0;
	struct gen_row row;

	if (argc < 2 || argc > 3 || parse_u64(argv[1], &n) < 0 ||
	    (argc == 3 && parse_u64(argv[2], &seed) < 0)) {
		fprintf(stderr, "gen: usage: gen N [SEED]\n");
		return 2;
	}
	for (i = 0; i < n; i++) {
		char *p;
		unsigned k;

		if (sizeof(obuf) - used < 1024) {
			if (fwrite(obuf, 1, used, stdout) != used) {
				fprintf(stderr, "gen: fatal: unable to write: %s\n", strerror(errno));
				return 111;
			}
			used = 0;
		}
		gen_row(seed, i, &row);
		k = gen_source_of(seed, i);
		if (!seen[k])
			seen[k] = 1, distinct++;
		ntype[k < 400 ? 0 : k < 600 ? 1 : k < 700 ? 2 : 3]++;
		p = obuf + used;
		p = gen_str(p, "{\"type\":\"");
		p = gen_str(p, row.type);
		p = gen_str(p, "\",\"source\":\"");
		memcpy(p, row.source, row.source_len);
		p += row.source_len;
		p = gen_str(p, "\",\"payload\":");
		memcpy(p, row.payload, row.payload_len);
		p += row.payload_len;
		*p++ = '}';
		*p++ = '\n';
		bytes += (uint64_t)(p - (obuf + used));
		used = (size_t)(p - obuf);
	}
	if ((used && fwrite(obuf, 1, used, stdout) != used) || fflush(stdout) != 0 ||
	    fclose(stdout) != 0) {
		fprintf(stderr, "gen: fatal: unable to write: %s\n", strerror(errno));
		return 111;
	}
	fprintf(stderr,
		"gen: %llu lines, %llu bytes (%.1f per line), %u distinct sources; "
		"config %llu, code %llu, environment %llu, mutation %llu\n",
		(unsigned long long)n, (unsigned long long)bytes, n ? (double)bytes / (double)n : 0.0,
		distinct, (unsigned long long)ntype[0], (unsigned long long)ntype[1],
		(unsigned long long)ntype[2], (unsigned long long)ntype[3]);
	return 0;
}
