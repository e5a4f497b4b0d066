// SPDX-License-Identifier: MIT
/* The choice of a store backend by the ledger's address (lib/sl/store.h). */
#include <string.h>
#include <strings.h>

#include "sl/secret.h"
#include "sl/store.h"

/*
 * libpq's URI forms.  The scheme in any case (RFC 3986 makes it so): a
 * "POSTGRESQL://..." is a mistyped URI, not a directory to create and
 * name, password and all.
 */
static int is_postgresql(const char *address)
{
	return strncasecmp(address, "postgresql://", 13) == 0 ||
	       strncasecmp(address, "postgres://", 11) == 0;
}

/*
 * libpq's other form, "host=db password=... dbname=sl": a word that is one
 * of libpq's keywords, then '='.  Taken as a directory it would become a
 * local ledger named by the password, and the shared one never written.
 */
static int is_conninfo(const char *address)
{
	static const char *const kw[] = {
		"host", "hostaddr", "port", "dbname", "user", "password", "passfile", "service",
		"options", "application_name", "connect_timeout", "sslmode", "sslpassword",
		"target_session_attrs", "channel_binding", "gssencmode", "require_auth",
		"client_encoding", "sslcert", "sslkey", "sslrootcert", NULL
	};
	const char *const *k;
	size_t n;

	address += strspn(address, " \t\n");
	n = strcspn(address, " \t\n=");
	if (address[n + strspn(address + n, " \t\n")] != '=')
		return 0;
	for (k = kw; *k; k++)
		if (strlen(*k) == n && strncasecmp(address, *k, n) == 0)
			return 1;
	return 0;
}

const struct sl_store_ops *sl_store_for(const char *address, struct sl_error *err)
{
	if (!address || !*address) {
		sl_error_set(err, SL_EUSAGE, "the ledger address is empty");
		return NULL;
	}
	if (is_conninfo(address)) {
		sl_error_set(err, SL_EUSAGE, "a libpq keyword/value connection string is not a ledger "
			     "address: write it as a URI, postgresql://USER@HOST:PORT/DBNAME");
		return NULL;
	}
	if (is_postgresql(address))
		return &sl_store_pg;
	return &sl_store_sqlite;
}

int sl_store_get_nodes(struct sl_store *s, size_t n, const unsigned *level, const uint64_t *index,
		       unsigned char (*out)[SL_HASH_LEN], unsigned char *found, struct sl_error *err)
{
	size_t i;
	int e;

	if (s->ops->get_nodes)
		return s->ops->get_nodes(s, n, level, index, out, found, err);
	for (i = 0; i < n; i++) {
		e = s->ops->get_node(s, level[i], index[i], out[i], err);
		if (e < 0 && e != SL_ENOTFOUND)
			return e;
		if (e == SL_ENOTFOUND && err)
			sl_error_clear(err);
		found[i] = e == 0;
	}
	return 0;
}

int sl_store_get_entries(struct sl_store *s, size_t n, const uint64_t *seq,
			 int (*fn)(void *ctx, const struct sl_entry_row *row), void *ctx,
			 struct sl_error *err)
{
	struct sl_entry_row row;
	size_t i;
	int e;

	if (s->ops->get_entries)
		return s->ops->get_entries(s, n, seq, fn, ctx, err);
	for (i = 0; i < n; i++) {
		e = s->ops->get_entry(s, seq[i], &row, err);
		if (e == SL_ENOTFOUND) {
			if (err)
				sl_error_clear(err);
			continue;
		}
		if (e < 0 || (e = fn(ctx, &row)) < 0)
			return e;
	}
	return 0;
}

int sl_store_pair_copy(struct sl_buf *out_type, struct sl_buf *out_source, const char *type,
		       const char *source, struct sl_error *err)
{
	sl_buf_reset(out_type);
	sl_buf_addstr(out_type, type);
	sl_buf_reset(out_source);
	sl_buf_addstr(out_source, source);
	if (sl_buf_ok(out_type) < 0 || sl_buf_ok(out_source) < 0)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	return 0;
}

int sl_store_latest_pairs(struct sl_store *s, const char *after_type, const char *after_source,
			  const char *type, const char *source, uint64_t below, size_t max,
			  int (*fn)(void *ctx, const char *type, const char *source, int found,
				    uint64_t seq),
			  void *ctx, struct sl_error *err)
{
	struct sl_buf t = SL_BUF_INIT, src = SL_BUF_INIT;
	uint64_t seq = 0;
	size_t i;
	int e = 1;

	if (s->ops->latest_pairs)
		return s->ops->latest_pairs(s, after_type, after_source, type, source, below, max, fn, ctx,
					    err);
	for (i = 0; i < max; i++) {
		if ((e = s->ops->next_key(s, i ? t.buf : after_type, i ? src.buf : after_source, type,
					  source, &t, &src, err)) <= 0)
			break;
		if ((e = s->ops->latest_seq(s, t.buf, src.buf, below, &seq, err)) < 0 ||
		    (e = fn(ctx, t.buf, src.buf, e, seq)) < 0)
			break;
		e = 1;
	}
	sl_buf_release(&t);
	sl_buf_release(&src);
	return e;
}

int sl_store_lanes_at(struct sl_store *s, size_t n, const uint64_t *id, uint64_t below,
		      struct sl_lane *out, unsigned char *found, struct sl_error *err)
{
	size_t i;
	int e;

	if (s->ops->lanes_at)
		return s->ops->lanes_at(s, n, id, below, out, found, err);
	for (i = 0; i < n; i++) {
		if ((e = s->ops->lane_at(s, id[i], below, &out[i], err)) < 0)
			return e;
		found[i] = e == 1;
	}
	return 0;
}

int sl_store_keeps_files(const char *address)
{
	return address && !is_postgresql(address);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * Whether a parameter's name (n bytes), percent-decoded, in any case,
 * speaks of a password; one too long to tell is taken to.
 */
static int secret_name(const char *s, size_t n)
{
	char d[256];
	size_t i, m = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%' && n - i > 2 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		}
		if (m == sizeof(d))
			return 1;
		d[m++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
	}
	return memmem(d, m, "pass", 4) != NULL;
}

const char *sl_store_address_shown(const char *address, struct sl_buf *out)
{
	const char *p, *at, *q;

	sl_buf_reset(out);
	if (!address)
		return "";
	if (is_conninfo(address)) {
		/* Never shown as given: its password=... pairs are redacted. */
		if (sl_secret_redact(out, address, strlen(address), 0, NULL) < 0)
			sl_buf_reset(out);
		return sl_buf_ok(out) == 0 ? out->buf : "";
	}
	if (!is_postgresql(address)) {
		sl_buf_addstr(out, address);
		return sl_buf_ok(out) == 0 ? out->buf : "";
	}
	/*
	 * scheme://[user[:password]@]host...: the password becomes "***".  Up
	 * to the last '@' of the whole address, not only of the authority: a
	 * password holding '/', '?' or '#' must not be shown either (it may
	 * hide more than the password; this is an error message).
	 */
	p = strstr(address, "://") + 3;
	at = strrchr(p, '@');
	q = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
	if (q) {
		sl_buf_add(out, address, (size_t)(q + 1 - address));
		sl_buf_addstr(out, "***");
		p = at;
	} else {
		sl_buf_add(out, address, (size_t)(p - address));
	}
	/*
	 * ...?password=...&...: the value of each parameter whose name,
	 * percent-decoded and in any case, holds "pass" (password,
	 * sslpassword, PASSWORD, pass%77ord), up to the next '&' ('#' is not
	 * an end to libpq, nor are ';' and '?' inside a value); a name that
	 * had to be decoded, or with no '=', is not shown either.  ';'
	 * separates names too, to be sure.
	 */
	while (*p) {
		size_t n = strcspn(p, "?&;"), k = strcspn(p, "=");
		if (k > n)
			k = n;
		if (secret_name(p, k)) {
			/* libpq ends a parameter's value only at '&': "pw=a;b?c" is all password. */
			n = strcspn(p, "&");
			if (k < n && !memchr(p, '%', k)) {
				sl_buf_add(out, p, k);
				sl_buf_addstr(out, "=***");
			} else {
				sl_buf_addstr(out, "***");
			}
		} else {
			sl_buf_add(out, p, n);
		}
		p += n;
		if (*p)
			sl_buf_addch(out, *p++);
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

int sl_store_seq_range(const struct sl_filter *f, sl_store_size_fn get_size, sl_store_ts_fn ts_at,
		       void *ctx, uint64_t *lo, uint64_t *hi, struct sl_error *err)
{
	uint64_t size = 0, n;
	int e;

	*lo = f->from;
	*hi = f->below ? f->below : (uint64_t)INT64_MAX;
	if ((f->since || f->until) && (e = get_size(ctx, &size, err)) < 0)
		return e;
	/* Times become a seq range by binary search (ts is ordered by seq). */
	if (f->since) {
		if ((e = sl_store_first_after(size, f->since, 1, ts_at, ctx, &n, err)) < 0)
			return e;
		if (n > *lo)
			*lo = n;
	}
	if (f->until) {
		if ((e = sl_store_first_after(size, f->until, 0, ts_at, ctx, &n, err)) < 0)
			return e;
		if (n < *hi)
			*hi = n;
	}
	if (*hi > (uint64_t)INT64_MAX)
		*hi = (uint64_t)INT64_MAX;
	if (*lo > *hi)
		*lo = *hi;
	return 0;
}

int sl_store_entry_row(struct sl_entry_row *row, int64_t seq, int64_t stream, int64_t nth,
		       struct sl_error *err)
{
	if (seq < 0 || !row->ts || !row->type || !row->source || !row->entry || stream < 1 ||
	    row->prev < -1 || nth < 0)
		return sl_error_set(err, SL_ECORRUPT, "entry row %lld is malformed", (long long)seq);
	row->seq = (uint64_t)seq;
	row->stream = (uint64_t)stream;
	row->nth = (uint64_t)nth;
	return 0;
}

int sl_store_checkpoint_row(struct sl_checkpoint_row *row, int64_t id, int64_t size,
			    struct sl_error *err)
{
	if (id < 1 || size < 0 || !row->note || !row->vkey)
		return sl_error_set(err, SL_ECORRUPT, "checkpoint row %lld is malformed", (long long)id);
	row->id = (uint64_t)id;
	row->size = (uint64_t)size;
	return 0;
}

int sl_store_stream_row(struct sl_stream_row *row, int64_t id, int64_t last, int64_t count,
			struct sl_error *err)
{
	if (id < 1 || !row->type || !row->source || last < -1 || count < 0)
		return sl_error_set(err, SL_ECORRUPT, "stream row %lld is malformed", (long long)id);
	row->id = (uint64_t)id;
	row->last = (uint64_t)last;
	row->count = (uint64_t)count;
	return 0;
}

int sl_store_lane_name_row(struct sl_lane_row *row, int64_t id, struct sl_error *err)
{
	if (id < 1 || !row->ns || !row->source)
		return sl_error_set(err, SL_ECORRUPT, "lane %lld of the mutation index is malformed",
				    (long long)id);
	row->id = (uint64_t)id;
	return 0;
}

int sl_store_mutation_row(struct sl_mutation_row *row, int64_t lane, struct sl_error *err)
{
	if (lane < 1 || !row->ns || !row->source)
		return sl_error_set(err, SL_ECORRUPT, "the mutation index row of seq %llu has no lane",
				    (unsigned long long)row->seq);
	row->lane = (uint64_t)lane;
	return 0;
}

int sl_store_lane_row(struct sl_lane *out, int64_t count, int64_t last, int64_t head,
		      const unsigned char *headpos, struct sl_error *err)
{
	if (count < 1 || last < 0 || head < 0 || head > last || !headpos)
		return sl_error_set(err, SL_ECORRUPT, "the mutation index row of seq %lld is malformed",
				    (long long)last);
	out->count = (uint64_t)count;
	out->last = (uint64_t)last;
	out->head = (uint64_t)head;
	memcpy(out->headpos, headpos, SL_POSKEY_LEN);
	return 1;
}

int sl_store_checkpoint_copy(const struct sl_checkpoint_row *row, uint64_t *id, struct sl_buf *note,
			     struct sl_buf *vkey)
{
	*id = row->id;
	sl_buf_reset(note);
	sl_buf_add(note, row->note, row->note_len);
	sl_buf_reset(vkey);
	sl_buf_addstr(vkey, row->vkey);
	return sl_buf_ok(note) < 0 ? SL_ENOMEM : sl_buf_ok(vkey);
}
