// SPDX-License-Identifier: MIT
/*
 * The counters of sl-httpd and their Prometheus text form (/metrics).
 */
#include "sl/sys.h"

#include "sl/http.h"
#include "sl/ledger.h"

/* Status codes the metrics count; the last slot is every other code. */
static const int statuses[SL_HTTP_STATUSES] = {
	200, 204, 304, 400, 401, 403, 404, 405, 406, 411, 413, 414, 415, 431, 500, 501, 503, 505, 0
};
/* Upper bounds of the latency buckets, in microseconds. */
static const uint64_t buckets[SL_HTTP_BUCKETS] = {
	50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 1000000, 10000000
};

void sl_http_metrics_observe(struct sl_http_metrics *m, int route, int status, uint64_t usec)
{
	size_t s, b;

	if (!m)
		return;
	if (route < 0 || route >= SL_ROUTE_COUNT)
		route = SL_ROUTE_UNKNOWN;
	for (s = 0; s < SL_HTTP_STATUSES - 1 && statuses[s] != status; s++)
		;
	for (b = 0; b < SL_HTTP_BUCKETS && usec > buckets[b]; b++)
		;
	__atomic_fetch_add(&m->requests[route][s], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->latency[route][b], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&m->latency_sum_us[route], usec, __ATOMIC_RELAXED);
}

void sl_http_metrics_write(struct sl_buf *o, struct sl_http_metrics *m, const struct sl_head *h)
{
	int r;
	size_t s, b;

	sl_buf_addstr(o, "# HELP stateledger_tree_size Entries in the ledger (the Merkle tree size).\n"
			 "# TYPE stateledger_tree_size gauge\n");
	sl_buf_addf(o, "stateledger_tree_size %llu\n", (unsigned long long)h->size);
	sl_buf_addstr(o, "# HELP stateledger_entries Entries in the ledger.\n"
			 "# TYPE stateledger_entries gauge\n");
	sl_buf_addf(o, "stateledger_entries %llu\n", (unsigned long long)h->size);
	if (!m)
		return;
	sl_buf_addstr(o, "# HELP stateledger_entries_appended_total Entries appended through this server.\n"
			 "# TYPE stateledger_entries_appended_total counter\n");
	sl_buf_addf(o, "stateledger_entries_appended_total %llu\n",
		    (unsigned long long)__atomic_load_n(&m->appended, __ATOMIC_RELAXED));
	sl_buf_addstr(o, "# HELP stateledger_http_requests_in_flight Requests begun and not yet answered.\n"
			 "# TYPE stateledger_http_requests_in_flight gauge\n");
	sl_buf_addf(o, "stateledger_http_requests_in_flight %llu\n",
		    (unsigned long long)__atomic_load_n(&m->in_flight, __ATOMIC_RELAXED));
	sl_buf_addstr(o, "# HELP stateledger_http_connections_cut_total Connections closed because a request"
			 " did not arrive whole, or its answer was not taken, within the request timeout.\n"
			 "# TYPE stateledger_http_connections_cut_total counter\n");
	sl_buf_addf(o, "stateledger_http_connections_cut_total %llu\n",
		    (unsigned long long)__atomic_load_n(&m->cut, __ATOMIC_RELAXED));
	sl_buf_addstr(o, "# HELP stateledger_verifications_total Verifications of the whole ledger run for"
			 " /v1/verify (the others were answered from the last one at the same state).\n"
			 "# TYPE stateledger_verifications_total counter\n");
	sl_buf_addf(o, "stateledger_verifications_total %llu\n",
		    (unsigned long long)__atomic_load_n(&m->verifications, __ATOMIC_RELAXED));
	sl_buf_addstr(o, "# HELP stateledger_http_requests_total HTTP requests answered, by route and status.\n"
			 "# TYPE stateledger_http_requests_total counter\n");
	for (r = 0; r < SL_ROUTE_COUNT; r++) {
		for (s = 0; s < SL_HTTP_STATUSES; s++) {
			uint64_t v = __atomic_load_n(&m->requests[r][s], __ATOMIC_RELAXED);
			if (!v)
				continue;
			sl_buf_addf(o, "stateledger_http_requests_total{route=\"%s\",status=\"", sl_http_route_name(r));
			if (statuses[s])
				sl_buf_addf(o, "%d", statuses[s]);
			else
				sl_buf_addstr(o, "other");
			sl_buf_addf(o, "\"} %llu\n", (unsigned long long)v);
		}
	}
	sl_buf_addstr(o, "# HELP stateledger_http_request_duration_seconds Time to answer a request.\n"
			 "# TYPE stateledger_http_request_duration_seconds histogram\n");
	for (r = 0; r < SL_ROUTE_COUNT; r++) {
		uint64_t cum = 0, sum = __atomic_load_n(&m->latency_sum_us[r], __ATOMIC_RELAXED);
		for (b = 0; b <= SL_HTTP_BUCKETS; b++)
			cum += __atomic_load_n(&m->latency[r][b], __ATOMIC_RELAXED);
		if (!cum)
			continue;
		cum = 0;
		for (b = 0; b <= SL_HTTP_BUCKETS; b++) {
			cum += __atomic_load_n(&m->latency[r][b], __ATOMIC_RELAXED);
			sl_buf_addf(o, "stateledger_http_request_duration_seconds_bucket{route=\"%s\",le=\"",
				    sl_http_route_name(r));
			if (b < SL_HTTP_BUCKETS)
				sl_buf_addf(o, "%llu.%06llu", (unsigned long long)(buckets[b] / 1000000),
					    (unsigned long long)(buckets[b] % 1000000));
			else
				sl_buf_addstr(o, "+Inf");
			sl_buf_addf(o, "\"} %llu\n", (unsigned long long)cum);
		}
		sl_buf_addf(o, "stateledger_http_request_duration_seconds_sum{route=\"%s\"} %llu.%06llu\n",
			    sl_http_route_name(r), (unsigned long long)(sum / 1000000),
			    (unsigned long long)(sum % 1000000));
		sl_buf_addf(o, "stateledger_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
			    sl_http_route_name(r), (unsigned long long)cum);
	}
}
