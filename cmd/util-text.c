// SPDX-License-Identifier: MIT
/* Human output: the columns, short hashes, times and colour every program shares. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "util-text.h"
#include "sl/json.h"
#include "sl/time.h"

enum sl_format sl_format_arg(const char *arg, const char *usage)
{
	if (!strcmp(arg, "json"))
		return SL_FORMAT_JSON;
	if (!strcmp(arg, "text"))
		return SL_FORMAT_TEXT;
	sl_usage_fail(usage, "'-o/--format' wants json or text, not '%s'", arg);
}

void sl_format_opt(const char *arg, const char *usage, sl_text_line_fn fn)
{
	if (sl_format_arg(arg, usage) == SL_FORMAT_TEXT)
		sl_text_start(fn);
}

int sl_text_color(void)
{
	const char *c = getenv("SL_COLOR"), *t;

	if (c && !strcmp(c, "always"))
		return 1;
	if (c && !strcmp(c, "never"))
		return 0;
	if ((t = getenv("NO_COLOR")) && *t)
		return 0;
	if ((t = getenv("TERM")) && !strcmp(t, "dumb"))
		return 0;
	return isatty(STDOUT_FILENO);
}

static void oom(void)
{
	sl_die(SL_EXIT_TEMP, "out of memory");
}

/* ---- lines from sl_out() ---- */

static sl_text_line_fn line_fn;
static struct sl_buf pending = SL_BUF_INIT;

static void text_out(const void *p, size_t n)
{
	struct sl_lines it;

	/* A line without its newline yet waits in pending for the rest. */
	sl_lines_init(&it, p, n);
	while (sl_lines_next(&it)) {
		sl_buf_add(&pending, it.line, it.len);
		if (sl_buf_ok(&pending))
			oom();
		if (it.nl) {
			line_fn(pending.buf, pending.len);
			sl_buf_reset(&pending);
		}
	}
}

static void text_flush(int end)
{
	if (end) {
		if (pending.len)
			line_fn(pending.buf, pending.len);
		sl_buf_release(&pending);
		line_fn(NULL, 0);
	}
	sl_table_flush();
}

void sl_text_start(sl_text_line_fn fn)
{
	line_fn = fn;
	sl_out_hook = text_out;
	sl_out_hook_flush = text_flush;
}

json_t *sl_text_json(const char *line, size_t len)
{
	struct sl_error err = { 0 };
	json_t *v;
	int e;

	if ((e = sl_json_parse(line, len, &v, &err)) < 0)
		sl_die_err(&err, e, "unable to read the output to show it as text");
	return v;
}

/* ---- the table ---- */

struct cell {
	char *s;
	const char *color;
	size_t width;
};

struct row {
	struct cell *c;
	size_t n;
	int line; /* a line of its own: c[0] only, outside the columns */
};

static struct row *rows;
static size_t nrows, rows_alloc;
static size_t *widths;
static size_t nwidths;
static int color = -1;

/* Characters, not bytes: UTF-8 continuation bytes take no column. */
static size_t text_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

void sl_table_row(void)
{
	if (nrows == rows_alloc) {
		size_t na = rows_alloc ? 2 * rows_alloc : 64;
		struct row *nr = realloc(rows, na * sizeof(*nr));

		if (!nr)
			oom();
		rows = nr;
		rows_alloc = na;
	}
	rows[nrows].c = NULL;
	rows[nrows].n = 0;
	rows[nrows].line = 0;
	nrows++;
}

/*
 * Control characters (C0, DEL and, in UTF-8, C1) from the ledger are shown
 * as \xNN: a payload string must not move the cursor, set the title or
 * colour the terminal of the person reading it.
 */
static void add_visible(struct sl_buf *out, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	for (; *u; u++) {
		if (*u < 0x20 || *u == 0x7f)
			sl_buf_addf(out, "\\x%02x", *u);
		else if (*u == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f)
			sl_buf_addf(out, "\\x%02x", *++u);
		else
			sl_buf_addch(out, *u);
	}
}

static void add_cell(const char *c, const char *fmt, va_list ap)
{
	struct sl_buf raw = SL_BUF_INIT, b = SL_BUF_INIT;
	struct row *r;
	struct cell *nc;

	if (!nrows)
		sl_table_row();
	r = &rows[nrows - 1];
	sl_buf_vaddf(&raw, fmt, ap);
	add_visible(&b, raw.buf);
	sl_buf_release(&raw);
	if (sl_buf_ok(&b) || !(nc = realloc(r->c, (r->n + 1) * sizeof(*nc))))
		oom();
	r->c = nc;
	nc[r->n].width = text_width(b.buf);
	nc[r->n].color = c;
	if (!(nc[r->n].s = sl_buf_detach(&b, NULL)))
		oom();
	r->n++;
}

void sl_table_cell(const char *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_cell(c, fmt, ap);
	va_end(ap);
}

void sl_table_header(const char *c, const char *const *names)
{
	sl_table_row();
	for (; *names; names++)
		sl_table_cell(c, "%s", *names);
}

json_t *sl_text_listing(const char *line, size_t len, const char *const *cols, const char *empty)
{
	static size_t listed;

	if (!line) {
		if (!listed)
			sl_table_line(SL_C_DIM, "%s", empty);
		return NULL;
	}
	if (!listed)
		sl_table_header(SL_C_BOLD, cols);
	else if (listed % 1000 == 0)
		sl_table_flush();
	listed++;
	return sl_text_json(line, len);
}

json_t *sl_text_entry_of(const json_t *item)
{
	const char *s = json_string_value(json_object_get(item, "entry"));

	return s ? sl_text_json(s, strlen(s)) : NULL;
}

void sl_table_line(const char *c, const char *fmt, ...)
{
	va_list ap;

	sl_table_row();
	rows[nrows - 1].line = 1;
	va_start(ap, fmt);
	add_cell(c, fmt, ap);
	va_end(ap);
}

static void put_cell(const struct cell *c)
{
	if (color < 0)
		color = sl_text_color();
	if (color && c->color && *c->s) {
		sl_out_raw("\033[", 2);
		sl_out_raw(c->color, strlen(c->color));
		sl_out_raw("m", 1);
		sl_out_raw(c->s, strlen(c->s));
		sl_out_raw("\033[m", 3);
	} else {
		sl_out_raw(c->s, strlen(c->s));
	}
}

void sl_table_flush(void)
{
	static const char spaces[] = "                                ";
	size_t i, j;

	for (i = 0; i < nrows; i++) {
		if (rows[i].line || rows[i].n <= nwidths)
			continue;
		if (!(widths = realloc(widths, rows[i].n * sizeof(*widths))))
			oom();
		memset(widths + nwidths, 0, (rows[i].n - nwidths) * sizeof(*widths));
		nwidths = rows[i].n;
	}
	for (i = 0; i < nrows; i++)
		for (j = 0; !rows[i].line && j < rows[i].n; j++)
			if (rows[i].c[j].width > widths[j])
				widths[j] = rows[i].c[j].width;
	for (i = 0; i < nrows; i++) {
		struct row *r = &rows[i];

		for (j = 0; j < r->n; j++) {
			put_cell(&r->c[j]);
			if (j + 1 < r->n && !r->line) {
				size_t pad = widths[j] - r->c[j].width + 2;

				while (pad) {
					size_t k = pad < sizeof(spaces) - 1 ? pad : sizeof(spaces) - 1;

					sl_out_raw(spaces, k);
					pad -= k;
				}
			}
			free(r->c[j].s);
		}
		sl_out_raw("\n", 1);
		free(r->c);
	}
	nrows = 0;
}

void sl_table_end(void)
{
	sl_table_flush();
	free(widths);
	widths = NULL;
	nwidths = 0;
}

/* ---- values ---- */

const char *sl_text_short(const char *hex, char out[13])
{
	size_t n;

	if (!hex)
		return "-";
	/* Intended truncation: memcpy up to 12 bytes, not snprintf (which warns of it). */
	n = strnlen(hex, 12);
	memcpy(out, hex, n);
	out[n] = '\0';
	return out;
}

const char *sl_text_hash_or(const char *s, char out[13])
{
	size_t n = s ? strlen(s) : 0;

	if ((n == 40 || n == 64) && strspn(s, "0123456789abcdef") == n)
		return sl_text_short(s, out);
	return s ? s : "-";
}

const char *sl_text_time(const char *ts)
{
	static char out[80];
	struct sl_error err = { 0 };
	char canon[SL_TS_LEN + 1];
	int64_t t, now, d;
	const char *unit, *dir;
	long long n;

	if (!ts || sl_time_parse(ts, &t, &err) < 0 || sl_time_format(canon, t) < 0)
		return ts ? ts : "-";
	if (sl_time_now(&now) < 0) {
		snprintf(out, sizeof(out), "%.10s %.8sZ", canon, canon + 11);
		return out;
	}
	d = now - t;
	dir = d < 0 ? "in " : "";
	if (d < 0)
		d = -d;
	d /= 1000000;
	if (d < 60) {
		n = d;
		unit = "s";
	} else if (d < 3600) {
		n = d / 60;
		unit = "min";
	} else if (d < 2 * 86400) {
		n = d / 3600;
		unit = "h";
	} else {
		n = d / 86400;
		unit = "d";
	}
	if (n == 0 && !*dir)
		snprintf(out, sizeof(out), "%.10s %.8sZ (now)", canon, canon + 11);
	else
		snprintf(out, sizeof(out), "%.10s %.8sZ (%s%lld %s%s)", canon, canon + 11, dir, n,
			 unit, *dir ? "" : " ago");
	return out;
}

const char *sl_text_value(const json_t *v, struct sl_buf *scratch)
{
	sl_buf_reset(scratch);
	if (!v || json_is_null(v))
		return "-";
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v))
		sl_buf_addi64(scratch, json_integer_value(v));
	else if (json_is_true(v))
		sl_buf_addstr(scratch, "true");
	else if (json_is_false(v))
		sl_buf_addstr(scratch, "false");
	else {
		char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (!s)
			oom();
		sl_buf_addstr(scratch, s);
		free(s);
	}
	if (sl_buf_ok(scratch))
		oom();
	return scratch->buf;
}

static const char *str_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

void sl_text_summary(const char *type, const json_t *p, struct sl_buf *b)
{
	struct sl_buf scratch = SL_BUF_INIT;
	char h[13];
	const json_t *v;
	size_t i;

	sl_buf_reset(b);
	if (!type || !p) {
		sl_buf_addstr(b, "-");
	} else if (!strcmp(type, "code")) {
		sl_buf_addstr(b, sl_text_short(str_of(p, "commit"), h));
		if ((v = json_object_get(p, "tags")) && json_array_size(v)) {
			sl_buf_addstr(b, " tag ");
			for (i = 0; i < json_array_size(v); i++)
				sl_buf_addf(b, "%s%s", i ? "," : "",
					    sl_text_value(json_array_get(v, i), &scratch));
		}
		if (str_of(p, "branch"))
			sl_buf_addf(b, " (%s)", str_of(p, "branch"));
		if (json_is_true(json_object_get(p, "dirty")))
			sl_buf_addstr(b, " dirty");
	} else if (!strcmp(type, "config")) {
		if (json_is_true(json_object_get(p, "private")))
			sl_buf_addf(b, "hmac %s private",
				    sl_text_short(str_of(p, "hmac_sha256"), h));
		else
			sl_buf_addf(b, "sha256 %s", sl_text_short(str_of(p, "sha256"), h));
		sl_buf_addstr(b, json_is_true(json_object_get(p, "stored")) ? ", stored" : ", not stored");
	} else if (!strcmp(type, "environment")) {
		sl_buf_addf(b, "%s, kernel %s, %s", sl_text_value(json_object_get(p, "os"), &scratch),
			    str_of(p, "kernel") ? str_of(p, "kernel") : "-",
			    str_of(p, "arch") ? str_of(p, "arch") : "-");
	} else if (!strcmp(type, "mutation")) {
		sl_buf_addf(b, "position %s", sl_text_value(json_object_get(p, "position"), &scratch));
		sl_buf_addf(b, " id %s", sl_text_value(json_object_get(p, "id"), &scratch));
	} else {
		char *s = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (!s)
			oom();
		/* One line: a long user payload is cut, with an ellipsis. */
		if (strlen(s) > 60)
			sl_buf_addf(b, "%.57s...", s);
		else
			sl_buf_addstr(b, s);
		free(s);
	}
	sl_buf_release(&scratch);
	if (sl_buf_ok(b))
		oom();
}
