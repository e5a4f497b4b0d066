// SPDX-License-Identifier: MIT
/*
 * sl-httpd's access log line: one JSON object a request, so that a log
 * collector (kubectl logs, journald) can read it without a grammar of its
 * own.  Only the formatting is here; the server writes the line.
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

void sl_http_access_line(struct sl_buf *out, const struct sl_http_access *a)
{
	char ts[SL_TS_LEN + 1];

	if (sl_time_format(ts, a->time_us) < 0)
		snprintf(ts, sizeof(ts), "%s", "1970-01-01T00:00:00.000000Z");
	sl_buf_addf(out, "{\"time\":\"%s\"", ts);
	add_member(out, "remote", a->remote);
	add_member(out, "method", a->method);
	add_member(out, "path", a->target);
	sl_buf_addf(out, ",\"status\":%d,\"bytes\":%llu,\"duration_us\":%llu", a->status,
		    (unsigned long long)a->bytes, (unsigned long long)a->usec);
	add_member(out, "token", a->token);
	sl_buf_addstr(out, "}\n");
}
