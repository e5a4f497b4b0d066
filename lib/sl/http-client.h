// SPDX-License-Identifier: MIT
/*
 * The one HTTP client: requests made with libcurl, several at once when
 * asked (curl's multi interface), over connections kept alive between
 * them.  sl-prove --tiles fetches tiles with it, sl-checkpoint --witness
 * posts checkpoints to witnesses with it.
 *
 * Only http and https are spoken, no redirect is followed, every response
 * body is bounded, and every request has a connect timeout and a total
 * timeout: a server that never answers costs at most that long.  Errors
 * of the transport (no connection, timeout, a body over its bound) are
 * the request's own (r->e, r->msg), so that one failed request among
 * several does not hide the answers to the others.
 */
#ifndef SL_HTTP_CLIENT_H
#define SL_HTTP_CLIENT_H

#include <stddef.h>

#include "sl/buf.h"
#include "sl/err.h"

struct sl_http_client {
	void *multi;          /* private: curl's multi handle, holding the connections */
	const char *agent;    /* the User-Agent sent */
	long connect_ms;      /* connect timeout */
	long timeout_ms;      /* whole-request timeout */
};

/* One request and, after sl_http_client_run, its answer. */
struct sl_http_req {
	const char *url;          /* http:// or https:// */
	const char *body;         /* POST this (body_len bytes) when not NULL, else GET */
	size_t body_len;
	const char *content_type; /* of the body; NULL: none sent */
	size_t max;               /* at most this many bytes of response body, else r->e = SL_EINVAL */
	/* The answer. */
	long status;              /* the HTTP status; 0 when none came */
	struct sl_buf resp;       /* the response body (the caller initialises and releases it) */
	char ctype[128];          /* the response's Content-Type, "" when none */
	int e;                    /* 0, or SL_EIO (transport, timeout), SL_EINVAL (too long), SL_ENOMEM */
	char msg[SL_ERR_MSG];     /* why, when e < 0 */
};

/*
 * Start a client sending `agent`, with the given timeouts in
 * milliseconds.  SL_EIO when libcurl cannot be started.
 */
int sl_http_client_init(struct sl_http_client *c, const char *agent, long connect_ms,
			long timeout_ms, struct sl_error *err) SL_WUR;
void sl_http_client_release(struct sl_http_client *c);

/*
 * Make the n requests at once and wait for all of them (each bounded by
 * the timeouts).  Returns 0 when every request was made, whatever it
 * answered or however it failed (see each r->e); a negative code only
 * when the client itself cannot work (SL_ENOMEM, SL_EIO).
 */
int sl_http_client_run(struct sl_http_client *c, struct sl_http_req *r, size_t n,
		       struct sl_error *err) SL_WUR;

#endif
