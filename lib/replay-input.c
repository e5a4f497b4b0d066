// SPDX-License-Identifier: MIT
/*
 * Replay plans (lib/sl/replay.h): reading a snapshot.  The document is
 * read a value at a time (lib/jstream.c) and the entries of its prefix
 * added to the plan one by one, so that what is held grows with the
 * mutations, not with the snapshot (a complete snapshot lists every entry
 * of the ledger).  This is the part of sl-replay that parses what it is
 * given; ordering and running the plan are lib/replay.c.
 *
 * It accepts and refuses what parsing the whole document did: every value
 * is still checked by jansson (members it does not use are parsed and
 * dropped), duplicate members are refused, and an error in an entry is
 * reported only once the whole document was found to be JSON and a
 * snapshot, as before.
 */
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/jstream.h"
#include "sl/replay.h"

struct rd {
	struct sl_replay_plan *p;
	struct sl_jstream *js;
	struct sl_buf ent;
	json_t *type, *entries, *complete;
	int prefix;            /* the prefix was an array, walked into the plan */
	int failed;            /* an entry was refused: the first error is in ierr */
	struct sl_error ierr;
};

/* The next value, checked to be JSON and dropped. */
static int drop(struct sl_jstream *js, struct sl_error *err)
{
	json_t *v = NULL;
	int e = sl_jstream_value(js, &v, err);

	json_decref(v);
	return e;
}

/* An array far larger than memory, checked an item at a time. */
static int drop_array(struct sl_jstream *js, struct sl_error *err)
{
	size_t n = 0;
	int e;

	if ((e = sl_jstream_expect(js, '[', err)) < 0)
		return e;
	while ((e = sl_jstream_more(js, ']', &n, err)) == 1)
		if ((e = drop(js, err)) < 0)
			return e;
	return e;
}

/*
 * The prefix: each item is an entry's canonical bytes as a JSON string,
 * added to the plan and dropped.  The first entry refused is kept in
 * rd->ierr, and the rest only checked to be JSON.
 */
static int walk_prefix(struct rd *rd, struct sl_error *err)
{
	struct sl_jstream *js = rd->js;
	size_t i = 0, n = 0;
	int e, c;

	if ((e = sl_jstream_expect(js, '[', err)) < 0)
		return e;
	rd->prefix = 1;
	for (; (e = sl_jstream_more(js, ']', &n, err)) == 1; i++) {
		if (rd->failed) {
			if ((e = drop(js, err)) < 0)
				return e;
			continue;
		}
		if ((e = sl_jstream_peek(js, &c, err)) < 0)
			return e;
		if (c != '"') {
			if ((e = drop(js, err)) < 0)
				return e;
			sl_error_member(&rd->ierr, SL_EINVAL, "prefix", "item %zu is not an entry", i);
			rd->failed = 1;
			continue;
		}
		if ((e = sl_jstream_string(js, &rd->ent, err)) < 0)
			return e;
		if ((e = sl_replay_add(rd->p, rd->ent.buf, rd->ent.len, &rd->ierr)) == SL_ENOMEM)
			return sl_error_set(err, e, "out of memory");
		if (e < 0) {
			snprintf(rd->ierr.member, sizeof(rd->ierr.member), "prefix[%zu]", i);
			rd->failed = 1;
		}
	}
	return e;
}

/* The latest entries (a snapshot that is not complete): their mutations. */
static int add_entries(struct sl_replay_plan *p, const json_t *list, struct sl_error *err)
{
	json_t *v;
	size_t i;
	int e;

	json_array_foreach(list, i, v) {
		json_t *ty = json_object_get(v, "type"), *s = json_object_get(v, "entry");
		if (!json_is_string(ty) || strcmp(json_string_value(ty), "mutation") != 0)
			continue;
		if (!json_is_string(s))
			return sl_error_member(err, SL_EINVAL, "entries", "item %zu is not an entry", i);
		if ((e = sl_replay_add(p, json_string_value(s), json_string_length(s), err)) < 0) {
			if (e == SL_EINVAL)
				snprintf(err->member, sizeof(err->member), "entries[%zu]", i);
			return e;
		}
	}
	return 0;
}

/* Empty the plan, keeping what the caller set. */
static void start_over(struct sl_replay_plan *p)
{
	int lean = p->lean;
	uint64_t from = p->from_seq, horizon = p->horizon;

	sl_replay_release(p);
	p->lean = lean;
	p->from_seq = from;
	p->horizon = horizon;
}

static int keycmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * The key of a member not seen before, recorded in *seen (a tsearch(3)
 * tree; not a jansson object, whose table is left damaged when growing it
 * runs out of memory): 0, or SL_EINVAL when it was given twice.
 */
static int first_time(void **seen, const char *key, struct sl_error *err)
{
	char *k, **at;

	if (tfind(key, seen, keycmp))
		return sl_error_set(err, SL_EINVAL, "member '%s' given twice", key);
	if (!(k = strdup(key)) || !(at = tsearch(k, seen, keycmp))) {
		free(k);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	return 0;
}

/* The document's members; what is not JSON is said by the caller. */
static int members(struct rd *rd, struct sl_error *err)
{
	struct sl_jstream *js = rd->js;
	struct sl_buf key = SL_BUF_INIT;
	void *seen = NULL;
	size_t n = 0;
	int e, c;

	if ((e = sl_jstream_expect(js, '{', err)) < 0)
		goto out;
	while ((e = sl_jstream_more(js, '}', &n, err)) == 1) {
		json_t **slot = NULL;
		if ((e = sl_jstream_key(js, &key, err)) < 0 || (e = first_time(&seen, key.buf, err)) < 0)
			goto out;
		if (!strcmp(key.buf, "type"))
			slot = &rd->type;
		else if (!strcmp(key.buf, "entries"))
			slot = &rd->entries;
		else if (!strcmp(key.buf, "complete"))
			slot = &rd->complete;
		if (slot) {
			e = sl_jstream_value(js, slot, err);
		} else if ((e = sl_jstream_peek(js, &c, err)) == 1 && c == '[') {
			/* A prefix when `complete` is true or not yet seen; a large array otherwise. */
			if (!strcmp(key.buf, "prefix") && (!rd->complete || json_is_true(rd->complete)))
				e = walk_prefix(rd, err);
			else
				e = drop_array(js, err);
		} else if (e >= 0) {
			e = drop(js, err);
		}
		if (e < 0)
			goto out;
	}
	if (e == 0)
		e = sl_jstream_finish(js, err);
out:
	tdestroy(seen, free);
	sl_buf_release(&key);
	return e;
}

static int add_stream(struct sl_replay_plan *p, struct sl_jstream *js, struct sl_error *err)
{
	struct rd rd = { .p = p, .js = js, .ent = SL_BUF_INIT };
	int e, complete;

	if ((e = members(&rd, err)) < 0) {
		if (e == SL_EINVAL && err) {
			char m[SL_ERR_MSG];
			snprintf(m, sizeof(m), "%s", err->msg);
			sl_error_set(err, SL_EINVAL, "the snapshot is not JSON: %s", m);
		}
		goto out;
	}
	if (!json_is_string(rd.type) || strcmp(json_string_value(rd.type), "snapshot") != 0 ||
	    !json_is_array(rd.entries)) {
		e = sl_error_set(err, SL_EINVAL, "not a snapshot document");
		goto out;
	}
	complete = json_is_true(rd.complete) && rd.prefix;
	if (complete && rd.failed) {
		if (err)
			*err = rd.ierr;
		e = rd.ierr.code ? rd.ierr.code : SL_EINVAL;
		goto out;
	}
	if (!complete) {
		/* A prefix walked before `complete` said false: only the latest entries count. */
		if (rd.prefix)
			start_over(p);
		if ((e = add_entries(p, rd.entries, err)) < 0)
			goto out;
	}
	p->complete = complete;
out:
	sl_buf_release(&rd.ent);
	json_decref(rd.type);
	json_decref(rd.entries);
	json_decref(rd.complete);
	return e;
}

int sl_replay_add_snapshot(struct sl_replay_plan *p, const char *text, size_t len,
			   struct sl_error *err)
{
	struct sl_jstream js;
	int e;

	sl_jstream_init_mem(&js, text, len);
	e = add_stream(p, &js, err);
	sl_jstream_release(&js);
	return e;
}

int sl_replay_add_snapshot_fd(struct sl_replay_plan *p, int fd, size_t max, struct sl_error *err)
{
	struct sl_jstream js;
	int e;

	sl_jstream_init_fd(&js, fd, max);
	e = add_stream(p, &js, err);
	sl_jstream_release(&js);
	return e;
}
