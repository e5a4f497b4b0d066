// SPDX-License-Identifier: MIT
/*
 * The parsers of sl-httpd that see the client's bytes: the framing of a
 * request (its header fields and raw target), the query string, Accept,
 * the bearer token of Authorization and the NDJSON body of an append.
 * Nothing here touches the ledger; t/fuzz/f-http.c drives all of it.
 */
#include "sl/sys.h"

#include "sl/entry.h"
#include "sl/http.h"
#include "sl/linereader.h"

/* Decode s in place up to its NUL; -1 for a bad escape or an escaped NUL. */
static int unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (*s == '+') {
			*w++ = ' ';
		} else if (*s == '%') {
			int hi = sl_hex_digit((unsigned char)s[1]);
			int lo = hi < 0 ? -1 : sl_hex_digit((unsigned char)s[2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -1;
			*w++ = (char)(hi << 4 | lo);
			s += 2;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
	return 0;
}

int sl_http_query_parse(char *qs, struct sl_http_arg *args, size_t max, size_t *n,
			struct sl_error *err)
{
	char *p = qs;

	*n = 0;
	while (p && *p) {
		char *amp = strchr(p, '&'), *eq;

		if (amp)
			*amp = '\0';
		if (*p) {
			if (*n == max)
				return sl_error_set(err, SL_EINVAL, "more than %zu query parameters", max);
			eq = strchr(p, '=');
			if (eq)
				*eq = '\0';
			if (!*p || unescape(p) < 0 || (eq && unescape(eq + 1) < 0) || !*p)
				return sl_error_set(err, SL_EINVAL, "malformed query string");
			args[*n].name = p;
			args[*n].value = eq ? eq + 1 : NULL;
			(*n)++;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* Accept: a media range list; we look for application/x-ndjson with q > 0. */
int sl_http_wants_ndjson(const char *accept)
{
	const char *p = accept;

	if (!p)
		return 0;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *q;
		size_t tl;

		while (n && (*p == ' ' || *p == '\t')) {
			p++;
			n--;
		}
		tl = 0;
		while (tl < n && p[tl] != ';' && p[tl] != ' ' && p[tl] != '\t')
			tl++;
		if (tl == 20 && strncasecmp(p, "application/x-ndjson", 20) == 0) {
			int zero = 0;
			/* q=0 (or 0.0, 0.00, 0.000) refuses the type. */
			for (q = p + tl; q + 2 < p + n; q++) {
				if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
					const char *v = q + 2;
					zero = v < p + n && v[0] == '0';
					for (v++; zero && v < p + n && *v != ';' && *v != ' '; v++)
						if (*v != '.' && *v != '0')
							zero = 0;
				}
			}
			if (!zero)
				return 1;
		}
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

int sl_http_bearer(const char *value, const char **tok, size_t *len)
{
	const char *p = value;
	size_t n;

	if (!p || strncasecmp(p, "Bearer", 6) != 0 || p[6] != ' ')
		return SL_EINVAL;
	p += 6;
	while (*p == ' ')
		p++;
	/* token68: ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/", then "=" padding */
	for (n = 0; p[n]; n++) {
		char c = p[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'))
			break;
	}
	if (n == 0)
		return SL_EINVAL;
	while (p[n] == '=')
		n++;
	/* Trailing white space is allowed by HTTP's field syntax; nothing else. */
	{
		size_t k = n;
		while (p[k] == ' ' || p[k] == '\t')
			k++;
		if (p[k])
			return SL_EINVAL;
	}
	*tok = p;
	*len = n;
	return 0;
}

int sl_http_parse_body(struct sl_batch *b, const char *body, size_t len, uint64_t seq_hint,
		       struct sl_error *err)
{
	struct sl_lines it;
	int e;

	sl_lines_init(&it, body, len);
	while (sl_lines_next(&it)) {
		const char *s = it.line;
		size_t n = it.len;

		if (sl_line_blank(s, n))
			continue;
		b->seq_hint = seq_hint + b->n;
		if (n > SL_LINE_MAX) {
			e = sl_error_member(err, SL_EINVAL, "", "longer than %d bytes", SL_LINE_MAX);
			if (err)
				err->line = it.lineno;
			return e;
		}
		if ((e = sl_batch_add_line(b, s, n, it.lineno, err)) < 0) {
			if (err)
				err->line = it.lineno;
			return e;
		}
	}
	return 0;
}

/* RFC 9110 tchar: the bytes a field name may hold. */
static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * A Transfer-Encoding value: 0 for exactly "chunked" (any case), the
 * coding this server reads; else 400 (empty, or chunked applied twice) or
 * 501 (another coding), with err set.
 */
static int transfer_coding(const char *v, struct sl_error *err)
{
	const char *p = v;
	int chunked = 0, any = 0;

	if (strcasecmp(v, "chunked") == 0)
		return 0;
	while (*p) {
		size_t n;

		p += strspn(p, " \t,");
		n = strcspn(p, ",");
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n == 7 && strncasecmp(p, "chunked", 7) == 0)
			chunked++;
		any += n > 0;
		p += n;
		p += strcspn(p, ",");
	}
	if (!any) {
		sl_error_set(err, SL_EINVAL, "an empty Transfer-Encoding field");
		return 400;
	}
	if (chunked > 1) {
		sl_error_set(err, SL_EINVAL, "chunked more than once in Transfer-Encoding");
		return 400;
	}
	sl_error_set(err, SL_EINVAL, "a transfer coding other than chunked");
	return 501;
}

int sl_http_frame_check(const char *target, const struct sl_http_field *f, size_t n,
			int *status, struct sl_error *err)
{
	const char *cl = NULL, *p;
	int te = 0;
	size_t i;

	*status = 400;
	/*
	 * The path ends at '?'; the query has its own strict parser.  A
	 * control byte in a path is never a name the server has, and "%00"
	 * would cut the path where a C string ends (/metrics%00.css).
	 */
	for (p = target; *p && *p != '?'; p++) {
		if (is_ctl((unsigned char)*p))
			return sl_error_set(err, SL_EINVAL, "a control byte in the path");
		if (*p == '%') {
			int hi = sl_hex_digit((unsigned char)p[1]);
			int lo = hi < 0 ? -1 : sl_hex_digit((unsigned char)p[2]);
			if (hi < 0 || lo < 0)
				return sl_error_set(err, SL_EINVAL, "a malformed escape in the path");
			if (is_ctl((unsigned char)(hi << 4 | lo)))
				return sl_error_set(err, SL_EINVAL, "a control byte in the path");
			p += 2;
		}
	}
	for (i = 0; i < n; i++) {
		const char *v = f[i].value ? f[i].value : "";

		if (!f[i].name[0])
			return sl_error_set(err, SL_EINVAL, "an empty header field name");
		for (p = f[i].name; *p; p++)
			if (!is_tchar((unsigned char)*p))
				return sl_error_set(err, SL_EINVAL,
						    "a header field name with a space or a byte it may not hold");
		for (p = v; *p; p++)
			if (is_ctl((unsigned char)*p) && *p != '\t')
				return sl_error_set(err, SL_EINVAL, "a control byte in a header field");
		if (strcasecmp(f[i].name, "Transfer-Encoding") == 0) {
			/* Two fields are one list (RFC 9110 section 5.3): chunked twice, or chunked not last. */
			if (te++)
				return sl_error_set(err, SL_EINVAL, "more than one Transfer-Encoding field");
		} else if (strcasecmp(f[i].name, "Content-Length") == 0) {
			/* 1*DIGIT (RFC 9110 section 8.6): "00" is 0, "044" is 44. */
			if (!*v || v[strspn(v, "0123456789")])
				return sl_error_set(err, SL_EINVAL, "Content-Length is not a number");
			if (cl && strcmp(cl, v) != 0)
				return sl_error_set(err, SL_EINVAL, "two different Content-Length fields");
			cl = v;
		}
	}
	if (te && cl)
		return sl_error_set(err, SL_EINVAL, "both Content-Length and Transfer-Encoding");
	for (i = 0; te && i < n; i++)
		if (strcasecmp(f[i].name, "Transfer-Encoding") == 0 &&
		    (*status = transfer_coding(f[i].value ? f[i].value : "", err)) != 0)
			return SL_EINVAL;
	*status = 400;
	return 0;
}

/* A decimal 0..max without a leading zero, up to end; -1 for anything else. */
static int small_dec(const char *s, const char *end, unsigned max)
{
	unsigned v = 0;

	if (s == end || (s[0] == '0' && end - s > 1) || end - s > 3)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	return v <= max ? (int)v : -1;
}

static int is_digit3(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] >= '0' &&
	       s[2] <= '9';
}

int sl_http_tile_parse(const char *path, int *level, uint64_t *n, unsigned *w)
{
	const char *p = path, *slash;
	uint64_t v = 0;
	int l, first = 1;

	if (strncmp(p, "entries/", 8) == 0) {
		l = -1;
		p += 8;
	} else {
		if (!(slash = strchr(p, '/')) || (l = small_dec(p, slash, 63)) < 0)
			return SL_EINVAL;
		p = slash + 1;
	}
	/* x001/x234/067: every element but the last is 'x' and three digits, then '/'. */
	while (*p == 'x') {
		unsigned g;
		if (!is_digit3(p + 1) || p[4] != '/')
			return SL_EINVAL;
		g = (unsigned)((p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'));
		/* One spelling for each N: no leading x000, as sl_tile_path writes it. */
		if (first && g == 0)
			return SL_EINVAL;
		if (v > (UINT64_MAX - g) / 1000)
			return SL_EINVAL;
		v = v * 1000 + g;
		first = 0;
		p += 5;
	}
	if (!is_digit3(p))
		return SL_EINVAL;
	{
		unsigned g = (unsigned)((p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0'));
		if (v > (UINT64_MAX - g) / 1000)
			return SL_EINVAL;
		v = v * 1000 + g;
	}
	p += 3;
	if (*p == '\0') {
		*w = 256;
	} else {
		int width;
		if (strncmp(p, ".p/", 3) != 0 || (width = small_dec(p + 3, p + 3 + strlen(p + 3), 255)) < 1)
			return SL_EINVAL;
		*w = (unsigned)width;
	}
	*level = l;
	*n = v;
	return 0;
}
