// SPDX-License-Identifier: MIT
/* The choice of a store backend by the ledger's address (lib/sl/store.h). */
#include <string.h>

#include "sl/store.h"

/* libpq's URI forms. */
static int is_postgresql(const char *address)
{
	return strncmp(address, "postgresql://", 13) == 0 || strncmp(address, "postgres://", 11) == 0;
}

const struct sl_store_ops *sl_store_for(const char *address, struct sl_error *err)
{
	if (!address || !*address) {
		sl_error_set(err, SL_EUSAGE, "the ledger address is empty");
		return NULL;
	}
	if (is_postgresql(address)) {
		/* Never echo the URI: it may hold a password. */
		sl_error_set(err, SL_EUSAGE, "this build has no PostgreSQL backend: the ledger "
			     "address must be a directory");
		return NULL;
	}
	return &sl_store_sqlite;
}

const char *sl_store_address_shown(const char *address, struct sl_buf *out)
{
	const char *p, *at, *q, *end;

	sl_buf_reset(out);
	if (!address)
		return "";
	if (!is_postgresql(address)) {
		sl_buf_addstr(out, address);
		return sl_buf_ok(out) == 0 ? out->buf : "";
	}
	/* scheme://[user[:password]@]host...: the password becomes "***". */
	p = strstr(address, "://") + 3;
	end = p + strcspn(p, "/?#");
	at = memrchr(p, '@', (size_t)(end - p));
	q = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
	if (q) {
		sl_buf_add(out, address, (size_t)(q + 1 - address));
		sl_buf_addstr(out, "***");
		p = at;
	} else {
		sl_buf_add(out, address, (size_t)(p - address));
	}
	/* ...?password=...&...: its value too. */
	while (*p) {
		size_t n = strcspn(p, "?&");
		sl_buf_add(out, p, n);
		p += n;
		if (!*p)
			break;
		sl_buf_addch(out, *p++);
		if (strncmp(p, "password=", 9) == 0) {
			sl_buf_addstr(out, "password=***");
			p += 9 + strcspn(p + 9, "&#");
		}
	}
	return sl_buf_ok(out) == 0 ? out->buf : "";
}

int sl_store_first_after(uint64_t size, const char *ts, int inclusive, sl_store_ts_fn ts_at,
			 void *ctx, uint64_t *n, struct sl_error *err)
{
	uint64_t lo = 0, hi = size;
	char t[SL_TS_LEN + 1];
	int e;

	/* ts is non-decreasing in seq: a binary search on seq. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		int c;
		if ((e = ts_at(ctx, mid, t, err)) < 0)
			return e;
		c = strcmp(t, ts);
		if (inclusive ? c < 0 : c <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*n = lo;
	return 0;
}
