// SPDX-License-Identifier: MIT
/*
 * The log as C2SP tlog-tiles over HTTP (https://c2sp.org/tlog-tiles):
 * /checkpoint, /tile/<L>/<N>[.p/<W>] and /tile/entries/<N>[.p/<W>],
 * computed from the ledger with lib/tiles.c, byte for byte the files
 * `sl-tiles export` writes.  The path is parsed by sl_http_tile_parse()
 * (lib/http-parse.c) into numbers; no file is named by a request.
 *
 * What is served rests on the checkpoints: a full tile when it lies whole
 * within the newest one's size, a partial tile of the width the newest
 * size gives, or of the width an older checkpointed size gives while its
 * tile is still partial (the spec lets a log drop a partial tile once the
 * full one is there, and so do we); anything else is 404.  Below a signed
 * size nothing ever changes, so no read transaction is needed: the note is
 * read first, the tile after it.  One tile is at most 256 node reads or 256
 * entries, and an older partial tile O(log n) single-row reads of the n
 * checkpoints to find its size.
 */
#include "sl/sys.h"

#include "sl/checkpoint.h"
#include "sl/http.h"
#include "sl/ledger.h"
#include "sl/tiles.h"

static const char immutable[] = "public, max-age=31536000, immutable";
/* A partial tile's bytes never change either, but it is dropped once its tile fills. */
static const char partial[] = "public, max-age=60";
/* The checkpoint changes with every signature: "SHOULD prevent caching beyond a few seconds". */
static const char mutable[] = "no-cache";

int sl_http_tiles_route(const char *method, const char *path, const char **allowed)
{
	int level;
	uint64_t n;
	unsigned w;

	if (strcmp(path, "/checkpoint") == 0) {
		*allowed = "GET, HEAD";
		return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0
			       ? SL_ROUTE_TLOG_CHECKPOINT : SL_ROUTE_UNKNOWN;
	}
	if (strncmp(path, "/tile/", 6) != 0 || sl_http_tile_parse(path + 6, &level, &n, &w) < 0)
		return SL_ROUTE_UNKNOWN;
	*allowed = "GET, HEAD";
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return SL_ROUTE_UNKNOWN;
	return level == SL_TILE_ENTRIES ? SL_ROUTE_TILE_ENTRIES : SL_ROUTE_TILE;
}

static int not_found(struct sl_http_response *rs, const char *msg)
{
	sl_http_error(rs, 404, "not_found", msg);
	return 0;
}

/* A failure of the store: busy and the like are worth a retry, the rest is the server's. */
static int store_error(struct sl_http_response *rs, int e)
{
	if (e == SL_ENOMEM || e == SL_EBUSY || e == SL_EIO) {
		sl_http_error(rs, 503, "unavailable", "the ledger cannot be read now; retry later");
		rs->retry_after = 1;
	} else if (e == SL_ECORRUPT || e == SL_ENOLEDGER) {
		sl_http_error(rs, 500, "corrupt", "the ledger is damaged");
	} else {
		sl_http_error(rs, 500, "internal", "the server failed; retry later");
	}
	return 0;
}

int sl_http_tiles_handle(struct sl_http_server *srv, const struct sl_http_request *rq,
			 struct sl_http_response *rs)
{
	struct sl_error err = { 0 };
	struct sl_buf note = SL_BUF_INIT;
	struct sl_checkpoint c;
	uint64_t n, count;
	unsigned w;
	int level, e;

	/* Static resources: a query string is ignored, as a file server would. */
	e = sl_ledger_published_checkpoint(srv->ledger, &note, &err);
	if (e == 0 && (e = sl_checkpoint_parse(note.buf, note.len, &c, NULL, &err)) < 0)
		e = SL_ECORRUPT;
	if (e < 0) {
		sl_buf_release(&note);
		return e == SL_ENOTFOUND ? not_found(rs, "the ledger has no checkpoint yet")
					 : store_error(rs, e);
	}
	if (rs->route == SL_ROUTE_TLOG_CHECKPOINT) {
		sl_buf_release(&rs->body);
		rs->body = note;
		rs->content_type = "text/plain; charset=utf-8";
		rs->cache_control = mutable;
		rs->status = 200;
		return 0;
	}
	sl_buf_release(&note);
	if (sl_http_tile_parse(rq->path + 6, &level, &n, &w) < 0)
		return not_found(rs, "no such path");
	/* The hashes (or entries) at this level in the checkpoint's tree; none past level 7. */
	count = level >= 8 ? 0 : c.size >> (8 * (level < 0 ? 0 : level));
	if (n >= count / SL_TILE_WIDTH + 1 || (w == SL_TILE_WIDTH ? (n + 1) * SL_TILE_WIDTH > count
								  : n * SL_TILE_WIDTH + w > count))
		return not_found(rs, "no such tile in the newest checkpoint");
	/*
	 * A narrower partial tile than the newest size gives: served while its
	 * tile is still partial, when an older checkpoint's size gives it.
	 */
	if (w < SL_TILE_WIDTH && n * SL_TILE_WIDTH + w < count) {
		unsigned shift = 8 * (unsigned)(level < 0 ? 0 : level);
		if (n < count / SL_TILE_WIDTH)
			return not_found(rs, "the full tile is there: fetch it");
		if ((e = sl_tiles_signed_between(srv->ledger, (n * SL_TILE_WIDTH + w) << shift,
						 (n * SL_TILE_WIDTH + w + 1) << shift, &err)) < 0)
			return store_error(rs, e);
		if (e == 0)
			return not_found(rs, "no checkpointed size has this partial tile");
	}
	e = level < 0 ? sl_tile_entries(srv->ledger, n, w, &rs->body, &err)
		      : sl_tile_hashes(srv->ledger, (unsigned)level, n, w, &rs->body, &err);
	if (e < 0)
		return store_error(rs, e);
	rs->content_type = "application/octet-stream";
	rs->cache_control = w == SL_TILE_WIDTH ? immutable : partial;
	rs->status = 200;
	return 0;
}
