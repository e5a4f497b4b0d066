// SPDX-License-Identifier: MIT
/*
 * Helpers shared by the capture programs: time, host name, lossy JSON
 * strings, and entry lines checked as sl-append checks them.  The secret
 * rules are lib/secret.c.
 */
#include <string.h>
#include <unistd.h>

#include "sl/capture.h"
#include "sl/entry.h"
#include "sl/json.h"
#include "sl/linereader.h"

int sl_capture_time(char out[SL_TS_LEN + 1])
{
	int64_t now;
	int e;

	if ((e = sl_time_now(&now)) < 0)
		return e;
	return sl_time_format(out, now);
}

int sl_capture_hostname(struct sl_buf *out)
{
	char host[256];
	size_t i, n;

	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	n = strlen(host);
	for (i = 0; i < n; i++)
		if ((unsigned char)host[i] < 0x21 || host[i] == 0x7f)
			break;
	if (!n || i < n || !sl_utf8_valid(host, n))
		sl_buf_addstr(out, "localhost");
	else
		sl_buf_add(out, host, n);
	return sl_buf_ok(out);
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (s[0] == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static json_t *lossy(const char *s, size_t len, int no_ctl)
{
	struct sl_buf b = SL_BUF_INIT;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;
	json_t *v;
	int clean = sl_utf8_valid(s, len) && !memchr(s, '\0', len);

	for (k = 0; clean && no_ctl && k < len; k++)
		if (p[k] < 0x20 || p[k] == 0x7f)
			clean = 0;
	if (clean)
		return json_stringn(s, len);
	while (i < len) {
		if ((k = utf8_seq(p + i, len - i)) > 0 &&
		    !(no_ctl && k == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
			sl_buf_add(&b, s + i, k);
			i += k;
		} else {
			sl_buf_add(&b, "\xef\xbf\xbd", 3); /* U+FFFD */
			i++;
		}
	}
	v = sl_buf_ok(&b) ? NULL : json_stringn(b.buf, b.len);
	sl_buf_release(&b);
	return v;
}

json_t *sl_json_string_lossy(const char *s, size_t len)
{
	return lossy(s, len, 0);
}

json_t *sl_json_string_clean(const char *s, size_t len)
{
	return lossy(s, len, 1);
}

int sl_capture_emit(struct sl_buf *out, const char *type, const char *source,
		    const json_t *payload, struct sl_error *err)
{
	struct sl_batch batch;
	json_t *sub;
	size_t mark = out->len;
	int e;

	sub = json_pack("{s:s, s:s, s:O}", "type", type, "source", source, "payload", payload);
	if (!sub)
		return sl_error_set(err, SL_EINVAL, "source is not valid UTF-8 or out of memory");
	/* The very code sl-append runs, so what we print is what it accepts. */
	sl_batch_init(&batch);
	e = sl_batch_add_json(&batch, sub, 0, err);
	sl_batch_release(&batch);
	if (e == 0)
		e = sl_jcs_write(out, sub, NULL, err);
	json_decref(sub);
	if (e < 0) {
		sl_buf_setlen(out, mark);
		if (e == SL_ENOMEM)
			sl_error_set(err, SL_ENOMEM, "out of memory");
		return e;
	}
	sl_buf_addch(out, '\n');
	if ((e = sl_buf_ok(out)) < 0)
		return sl_error_set(err, e, "out of memory");
	return 0;
}

int sl_capture_check_lines(const char *buf, size_t len, struct sl_error *err)
{
	struct sl_batch b;
	struct sl_lines it;
	int e = 0;

	sl_batch_init(&b);
	sl_lines_init(&it, buf, len);
	while (!e && sl_lines_next(&it)) {
		const char *p = it.line;
		size_t k = it.len, i;

		for (i = 0; i < k && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r'); i++)
			;
		if (i < k) {
			/* One line at a time: memory stays that of the largest entry. */
			e = sl_batch_add_line(&b, p, k, it.lineno, err);
			sl_batch_reset(&b);
		}
	}
	sl_batch_release(&b);
	return e;
}

void sl_capture_source_add(struct sl_buf *b, const char *s)
{
	json_t *v = sl_json_string_clean(s, strlen(s));

	if (!v) {
		sl_buf_grow(b, (size_t)-1); /* too much: sets the sticky out-of-memory flag */
		return;
	}
	sl_buf_add(b, json_string_value(v), json_string_length(v));
	json_decref(v);
}

void sl_capture_source_fit(struct sl_buf *b, size_t keep)
{
	struct sl_buf t = SL_BUF_INIT;
	size_t room, start;

	if (b->len <= SL_SOURCE_MAX)
		return;
	if (keep > SL_SOURCE_MAX / 2)
		keep = SL_SOURCE_MAX / 2;
	while (keep && ((unsigned char)b->buf[keep] & 0xc0) == 0x80)
		keep--;
	room = SL_SOURCE_MAX - keep - 3;
	start = b->len - room;
	while (start < b->len && ((unsigned char)b->buf[start] & 0xc0) == 0x80)
		start++;
	sl_buf_add(&t, b->buf, keep);
	sl_buf_addstr(&t, "...");
	sl_buf_add(&t, b->buf + start, b->len - start);
	if (!sl_buf_ok(&t)) {
		sl_buf_reset(b);
		sl_buf_add(b, t.buf, t.len);
	}
	sl_buf_release(&t);
}
