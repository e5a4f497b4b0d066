// SPDX-License-Identifier: MIT
/*
 * sl-httpd's access log line: one JSON object a request, so that a log
 * collector (kubectl logs, journald) can read it without a grammar of its
 * own.  Only the formatting is here; the server writes the line.
 *
 * A query may carry a credential (?token=...), and an access log is read
 * by more people than the tokens are: each argument's value is written as
 * <redacted>, and an argument without '=' wholly so.  The path and the
 * names of the arguments stay, so that a line still says what was asked.
 */
#include "sl/sys.h"

#include "sl/http.h"
#include "sl/json.h"
#include "sl/time.h"

static void add_member(struct sl_buf *b, const char *name, const char *s)
{
	if (!s)
		return;
	sl_buf_addf(b, ",\"%s\":", name);
	/* A target is the client's bytes: not UTF-8, it is replaced, never written broken. */
	if (sl_jcs_string(b, s, strlen(s)) < 0)
		sl_buf_addstr(b, "\"<invalid UTF-8>\"");
}

/* The target, the values of its query redacted. */
static void add_target(struct sl_buf *b, const char *t)
{
	struct sl_buf r = SL_BUF_INIT;
	const char *p = strchr(t, '?');

	if (!p) {
		add_member(b, "path", t);
		return;
	}
	sl_buf_add(&r, t, (size_t)(++p - t));
	for (;;) {
		size_t n = strcspn(p, "&");
		const char *eq = memchr(p, '=', n);

		if (eq)
			sl_buf_add(&r, p, (size_t)(eq + 1 - p));
		if (n)
			sl_buf_addstr(&r, "<redacted>");
		if (!p[n])
			break;
		sl_buf_addch(&r, '&');
		p += n + 1;
	}
	/* Out of memory: no target at all rather than the query as sent. */
	if (sl_buf_ok(&r) == 0)
		add_member(b, "path", r.buf);
	else
		sl_buf_addstr(b, ",\"path\":\"<redacted>\"");
	sl_buf_release(&r);
}

void sl_http_access_line(struct sl_buf *out, const struct sl_http_access *a)
{
	char ts[SL_TS_LEN + 1];

	if (sl_time_format(ts, a->time_us) < 0)
		snprintf(ts, sizeof(ts), "%s", "1970-01-01T00:00:00.000000Z");
	sl_buf_addf(out, "{\"time\":\"%s\"", ts);
	add_member(out, "remote", a->remote);
	add_member(out, "method", a->method);
	if (a->target)
		add_target(out, a->target);
	sl_buf_addf(out, ",\"status\":%d,\"bytes\":%llu,\"duration_us\":%llu", a->status,
		    (unsigned long long)a->bytes, (unsigned long long)a->usec);
	add_member(out, "token", a->token);
	sl_buf_addstr(out, "}\n");
}
