// SPDX-License-Identifier: MIT
/* The HTTP client (lib/sl/http-client.h), over libcurl's multi interface. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "sl/http-client.h"

int sl_http_client_init(struct sl_http_client *c, const char *agent, long connect_ms,
			long timeout_ms, struct sl_error *err)
{
	memset(c, 0, sizeof(*c));
	/* Not thread-safe on its first call; programs that use it have one thread then. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || !(c->multi = curl_multi_init()))
		return sl_error_set(err, SL_EIO, "unable to start libcurl");
	c->agent = agent;
	c->connect_ms = connect_ms;
	c->timeout_ms = timeout_ms;
	return 0;
}

void sl_http_client_release(struct sl_http_client *c)
{
	if (c->multi)
		curl_multi_cleanup(c->multi);
	c->multi = NULL;
}

static size_t body_cb(char *data, size_t size, size_t n, void *ctx)
{
	struct sl_http_req *r = ctx;
	size_t len = size * n;

	/*
	 * Over the bound: keep max bytes (a caller that asked for one more
	 * than it takes sees the excess), stop the transfer and say why.
	 */
	if (len > r->max || r->resp.len > r->max - len) {
		sl_buf_add(&r->resp, data, r->max - r->resp.len);
		r->e = sl_buf_ok(&r->resp) < 0 ? SL_ENOMEM : SL_EINVAL;
		snprintf(r->msg, sizeof(r->msg), "the answer is longer than %zu bytes", r->max);
		return 0;
	}
	sl_buf_add(&r->resp, data, len);
	if (sl_buf_ok(&r->resp) < 0) {
		r->e = SL_ENOMEM;
		snprintf(r->msg, sizeof(r->msg), "out of memory");
		return 0;
	}
	return len;
}

/* An easy handle for r, set up; NULL when out of memory. */
static CURL *easy_for(struct sl_http_client *c, struct sl_http_req *r, struct curl_slist **hdrs)
{
	CURL *h = curl_easy_init();
	struct sl_buf ct = SL_BUF_INIT;

	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, r->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->agent);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(h, CURLOPT_PRIVATE, r);
	*hdrs = NULL;
	if (r->body) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
		/* No "Expect: 100-continue" wait: the bodies are small. */
		*hdrs = curl_slist_append(NULL, "Expect:");
		if (r->content_type && *hdrs) {
			struct curl_slist *t;

			sl_buf_addf(&ct, "Content-Type: %s", r->content_type);
			t = sl_buf_ok(&ct) == 0 ? curl_slist_append(*hdrs, ct.buf) : NULL;
			sl_buf_release(&ct);
			if (!t) {
				curl_slist_free_all(*hdrs);
				*hdrs = NULL;
			}
		}
		if (!*hdrs) {
			curl_easy_cleanup(h);
			return NULL;
		}
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	}
	return h;
}

int sl_http_client_run(struct sl_http_client *c, struct sl_http_req *r, size_t n,
		       struct sl_error *err)
{
	CURLM *m = c->multi;
	CURL **h;
	struct curl_slist **hdrs;
	CURLMsg *msg;
	int running = 0, left, e = 0;
	size_t i;

	if (!n)
		return 0;
	h = calloc(n, sizeof(*h));
	hdrs = calloc(n, sizeof(*hdrs));
	if (!h || !hdrs) {
		free(h);
		free(hdrs);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	for (i = 0; i < n; i++) {
		r[i].status = 0;
		r[i].e = 0;
		r[i].msg[0] = r[i].ctype[0] = '\0';
		sl_buf_reset(&r[i].resp);
		if (!(h[i] = easy_for(c, &r[i], &hdrs[i])) || curl_multi_add_handle(m, h[i]) != CURLM_OK) {
			e = sl_error_set(err, SL_ENOMEM, "unable to start a request: out of memory");
			goto out;
		}
	}
	do {
		CURLMcode mc = curl_multi_perform(m, &running);

		if (mc == CURLM_OK && running)
			mc = curl_multi_poll(m, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK) {
			e = sl_error_set(err, SL_EIO, "unable to make the requests: %s",
					 curl_multi_strerror(mc));
			goto out;
		}
	} while (running);
	while ((msg = curl_multi_info_read(m, &left))) {
		struct sl_http_req *q = NULL;
		char *ct = NULL;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&q);
		if (!q)
			continue;
		if (msg->data.result == CURLE_OK) {
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &q->status);
			if (curl_easy_getinfo(msg->easy_handle, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
				snprintf(q->ctype, sizeof(q->ctype), "%s", ct);
		} else if (!q->e) {
			q->e = SL_EIO;
			snprintf(q->msg, sizeof(q->msg), "%s", curl_easy_strerror(msg->data.result));
		}
	}
out:
	for (i = 0; i < n; i++) {
		if (h[i]) {
			curl_multi_remove_handle(m, h[i]);
			curl_easy_cleanup(h[i]);
		}
		curl_slist_free_all(hdrs[i]);
	}
	free(h);
	free(hdrs);
	return e;
}
