// SPDX-License-Identifier: MIT
/*
 * The content of configuration files between two states (lib/sl/diff-content.h).
 * The diff itself is libgit2's (sl_content_patch, in lib/capture-git.c with every other call into libgit2), so the hunks are
 * the ones git makes; this file only decides what may be compared, reads
 * it from the artifact store, and writes the headers.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sl/artifact.h"
#include "sl/diff-content.h"
#include "sl/json.h"
#include "sl/linereader.h"
#include "sl/secret.h"

/* Content of one side, or why there is none to show. */
struct side {
	int present;            /* the record names an entry on this side */
	uint64_t seq;
	json_t *entry;          /* owned */
	const json_t *payload;
	const char *path;
	long mode;              /* -1 when the payload has none */
	const char *digest;     /* sha256, or hmac_sha256 for a private file */
	int private;
	struct sl_buf bytes;
	struct sl_buf why;      /* the line naming it when its bytes are not shown */
};

/*
 * A name as git writes it in a header: as it is, or, when it holds a
 * control character, '"' or '\\', in double quotes with C escapes.
 */
static void put_name(struct sl_buf *out, const char *prefix, const char *s)
{
	static const char esc[] = "\a\b\t\n\v\f\r";
	static const char letter[] = "abtnvfr";
	const unsigned char *p;
	int quote = 0;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			quote = 1;
	if (!quote) {
		sl_buf_addstr(out, prefix);
		sl_buf_addstr(out, s);
		return;
	}
	sl_buf_addch(out, '"');
	sl_buf_addstr(out, prefix);
	for (p = (const unsigned char *)s; *p; p++) {
		const char *x = *p ? strchr(esc, *p) : NULL;
		if (x)
			sl_buf_addf(out, "\\%c", letter[x - esc]);
		else if (*p == '"' || *p == '\\')
			sl_buf_addf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			sl_buf_addf(out, "\\%03o", *p);
		else
			sl_buf_addch(out, *p);
	}
	sl_buf_addch(out, '"');
}

/* "a/etc/app.conf": the payload's path without its leading slashes. */
static void put_path(struct sl_buf *out, const char *ab, const struct side *s)
{
	const char *p = s->path;

	while (*p == '/')
		p++;
	put_name(out, ab, p);
}

static void side_release(struct side *s)
{
	json_decref(s->entry);
	sl_buf_release(&s->bytes);
	sl_buf_release(&s->why);
}

/* Read the entry a record names on one side, checking it is the record's. */
static int side_load(struct sl_ledger *l, const json_t *seq, const char *type, const char *source,
		     struct side *s, struct sl_error *err)
{
	struct sl_buf b = SL_BUF_INIT;
	const json_t *v;
	int e;

	if (json_is_null(seq))
		return 0;
	if (!json_is_integer(seq) || json_integer_value(seq) < 0)
		return sl_error_set(err, SL_EINVAL, "a record's seq is not a number");
	s->present = 1;
	s->seq = (uint64_t)json_integer_value(seq);
	if ((e = sl_ledger_get(l, s->seq, &b, err)) < 0)
		goto out;
	if ((e = sl_json_parse(b.buf, b.len, &s->entry, NULL)) < 0) {
		e = sl_error_set(err, SL_ECORRUPT, "seq %llu: stored entry is not JSON",
				 (unsigned long long)s->seq);
		goto out;
	}
	v = json_object_get(s->entry, "type");
	s->payload = json_object_get(s->entry, "payload");
	if (!json_is_string(v) || strcmp(json_string_value(v), type) != 0 ||
	    !json_is_string(json_object_get(s->entry, "source")) ||
	    strcmp(json_string_value(json_object_get(s->entry, "source")), source) != 0 ||
	    !json_is_object(s->payload)) {
		e = sl_error_set(err, SL_ECORRUPT, "seq %llu: not the %s entry of '%s'",
				 (unsigned long long)s->seq, type, source);
		goto out;
	}
	s->path = json_string_value(json_object_get(s->payload, "path"));
	if (!s->path)
		s->path = source;
	v = json_object_get(s->payload, "mode");
	s->mode = json_is_integer(v) && json_integer_value(v) >= 0 &&
			  json_integer_value(v) <= 07777 ? (long)json_integer_value(v) : -1;
	/* A private file is named by its keyed digest only; one without sha256 is private too. */
	s->digest = json_string_value(json_object_get(s->payload, "sha256"));
	s->private = json_is_true(json_object_get(s->payload, "private")) || !s->digest;
	if (s->private)
		s->digest = json_string_value(json_object_get(s->payload, "hmac_sha256"));
out:
	sl_buf_release(&b);
	return e;
}

/* An sl_write_fn into a buffer of at most SL_DIFF_CONTENT_MAX bytes. */
static int capped_write(void *ctx, const void *data, size_t len)
{
	struct sl_buf *b = ctx;

	if (len > SL_DIFF_CONTENT_MAX - b->len)
		return SL_ERANGE;
	return sl_buf_write(b, data, len);
}

/*
 * Fill s->bytes with the side's stored content, or s->why with the line
 * naming why it is not shown.  Only a stored artifact that does not match
 * its digest, or failing I/O, is an error.
 */
static int side_content(struct sl_ledger *l, struct side *s, struct sl_error *err)
{
	unsigned long long seq = (unsigned long long)s->seq;
	unsigned char d[SL_HASH_LEN];
	struct sl_error one = { 0 };
	struct sl_buf p = SL_BUF_INIT;
	struct stat st;
	const char *kind;
	int e;

	/* Never read: not even to compare, since nothing of it may be printed. */
	if (s->private) {
		sl_buf_addf(&s->why, "content private at seq %llu (not shown)\n", seq);
		return sl_buf_ok(&s->why);
	}
	if (!json_is_true(json_object_get(s->payload, "stored"))) {
		sl_buf_addf(&s->why, "content not stored at seq %llu (capture with --store)\n", seq);
		return sl_buf_ok(&s->why);
	}
	if (sl_artifact_digest_parse(s->digest, d) < 0)
		return sl_error_set(err, SL_ECORRUPT, "seq %llu: payload.sha256 is not a digest", seq);
	/* Too large to hold: named by its size, before the artifact is read (and hashed). */
	if ((e = sl_artifact_path(&p, l->dir, d)) < 0)
		return sl_error_set(err, e, "out of memory");
	e = stat(p.buf, &st) == 0 && (uint64_t)st.st_size > SL_DIFF_CONTENT_MAX;
	sl_buf_release(&p);
	if (e) {
		sl_buf_addf(&s->why, "content too large to diff at seq %llu (more than %u bytes)\n",
			    seq, SL_DIFF_CONTENT_MAX);
		return sl_buf_ok(&s->why);
	}
	e = sl_artifact_get_in(l->store, l->dir, d, capped_write, &s->bytes, &one);
	if (e == SL_ENOTFOUND) {
		sl_buf_addf(&s->why, "content missing from the artifact store at seq %llu (sha256 %s)\n",
			    seq, s->digest);
		return sl_buf_ok(&s->why);
	}
	if (e == SL_ERANGE) { /* it grew between the stat and the read */
		sl_buf_reset(&s->bytes);
		sl_buf_addf(&s->why, "content too large to diff at seq %llu (more than %u bytes)\n",
			    seq, SL_DIFF_CONTENT_MAX);
		return sl_buf_ok(&s->why);
	}
	if (e == SL_EVERIFY)
		return sl_error_set(err, SL_ECORRUPT,
				    "seq %llu: the stored content of '%s' (artifact sha256 %s) does not match its digest",
				    seq, s->path, s->digest);
	if (e < 0)
		return sl_error_set(err, e, "seq %llu: %s", seq, one.msg);
	if ((e = sl_buf_ok(&s->bytes)) < 0)
		return sl_error_set(err, e, "out of memory");
	/* Stored before such files were made private, or appended by hand: named all the same. */
	if ((kind = sl_secret_classify(NULL, s->bytes.buf, s->bytes.len)) != NULL) {
		sl_buf_reset(&s->bytes);
		sl_buf_addf(&s->why, "content at seq %llu looks like it holds a secret (%s): not shown\n",
			    seq, kind);
		return sl_buf_ok(&s->why);
	}
	return 0;
}

/* One config source's section; *written is 1 when there was anything to say. */
static int one_source(struct sl_ledger *l, const char *source, struct side *a, struct side *b,
		      struct sl_buf *out, int *written, struct sl_error *err)
{
	const struct side *named = a->present ? a : b;
	struct sl_buf hunks = SL_BUF_INIT;
	int same, binary = 0, e = 0;

	*written = 0;
	same = a->present && b->present && a->private == b->private && a->digest && b->digest &&
	       strcmp(a->digest, b->digest) == 0;
	if (same && a->mode == b->mode)
		return 0;
	sl_buf_addstr(out, "diff --stateledger ");
	put_path(out, "a/", a->present ? a : named);
	sl_buf_addch(out, ' ');
	put_path(out, "b/", b->present ? b : named);
	sl_buf_addch(out, '\n');
	sl_buf_addstr(out, "source ");
	put_name(out, "", source);
	if (a->present && b->present)
		sl_buf_addf(out, " from seq %llu to seq %llu\n", (unsigned long long)a->seq,
			    (unsigned long long)b->seq);
	else if (b->present)
		sl_buf_addf(out, " added at seq %llu\n", (unsigned long long)b->seq);
	else
		sl_buf_addf(out, " removed after seq %llu\n", (unsigned long long)a->seq);
	/* Modes as git writes them: a regular file's type bits, then the permissions. */
	if (!a->present && b->mode >= 0)
		sl_buf_addf(out, "new file mode %06lo\n", 0100000 | b->mode);
	else if (!b->present && a->mode >= 0)
		sl_buf_addf(out, "deleted file mode %06lo\n", 0100000 | a->mode);
	else if (a->present && b->present && a->mode != b->mode && a->mode >= 0 && b->mode >= 0)
		sl_buf_addf(out, "old mode %06lo\nnew mode %06lo\n", 0100000 | a->mode,
			    0100000 | b->mode);
	*written = 1;
	if (same)
		return sl_buf_ok(out);
	if ((a->present && (e = side_content(l, a, err)) < 0) ||
	    (b->present && (e = side_content(l, b, err)) < 0))
		return e;
	if (a->why.len || b->why.len) {
		sl_buf_add(out, a->why.buf, a->why.len);
		sl_buf_add(out, b->why.buf, b->why.len);
		return sl_buf_ok(out);
	}
	e = sl_content_patch(&hunks, a->present ? a->bytes.buf : NULL, a->bytes.len,
			     b->present ? b->bytes.buf : NULL, b->bytes.len, &binary, err);
	if (e == 0 && binary) {
		sl_buf_addstr(out, "Binary files ");
		if (a->present)
			put_path(out, "a/", a);
		else
			sl_buf_addstr(out, "/dev/null");
		sl_buf_addstr(out, " and ");
		if (b->present)
			put_path(out, "b/", b);
		else
			sl_buf_addstr(out, "/dev/null");
		sl_buf_addstr(out, " differ\n");
	} else if (e == 0 && hunks.len) {
		sl_buf_addstr(out, "--- ");
		if (a->present)
			put_path(out, "a/", a);
		else
			sl_buf_addstr(out, "/dev/null");
		sl_buf_addstr(out, "\n+++ ");
		if (b->present)
			put_path(out, "b/", b);
		else
			sl_buf_addstr(out, "/dev/null");
		sl_buf_addch(out, '\n');
		sl_buf_add(out, hunks.buf, hunks.len);
	}
	sl_buf_release(&hunks);
	if (e == 0 && (e = sl_buf_ok(out)) < 0)
		sl_error_set(err, e, "out of memory");
	return e;
}

/* One record of sl_diff's: a section when it is a config source's. */
static int one_record(struct sl_ledger *l, const json_t *r, struct sl_buf *out, size_t *count,
		      struct sl_error *err)
{
	const char *change = json_string_value(json_object_get(r, "change"));
	const char *type = json_string_value(json_object_get(r, "type"));
	const char *source = json_string_value(json_object_get(r, "source"));
	struct side a = { 0 }, b = { 0 };
	int e, written = 0;

	if (!change)
		return sl_error_set(err, SL_EINVAL, "a record has no change");
	if (!type || strcmp(type, "config") != 0 ||
	    (strcmp(change, "added") && strcmp(change, "removed") && strcmp(change, "changed")))
		return 0;
	if (!source)
		return sl_error_set(err, SL_EINVAL, "a config record has no source");
	sl_buf_init(&a.bytes);
	sl_buf_init(&a.why);
	sl_buf_init(&b.bytes);
	sl_buf_init(&b.why);
	if ((e = side_load(l, json_object_get(r, "from_seq"), type, source, &a, err)) == 0 &&
	    (e = side_load(l, json_object_get(r, "to_seq"), type, source, &b, err)) == 0) {
		if (!a.present && !b.present)
			e = sl_error_set(err, SL_EINVAL, "a record names no entry");
		else
			e = one_source(l, source, &a, &b, out, &written, err);
	}
	if (e == 0 && written)
		++*count;
	side_release(&a);
	side_release(&b);
	return e;
}

int sl_diff_content(struct sl_ledger *l, const char *records, size_t len, struct sl_buf *out,
		    size_t *count, struct sl_error *err)
{
	size_t start = out->len, n = 0;
	struct sl_lines it;
	int e = 0;

	sl_lines_init(&it, records, len);
	while (e == 0 && sl_lines_next(&it)) {
		json_t *r = NULL;
		if (it.len) {
			if (sl_json_parse(it.line, it.len, &r, NULL) < 0 || !json_is_object(r))
				e = sl_error_set(err, SL_EINVAL, "a record is not a JSON object");
			else
				e = one_record(l, r, out, &n, err);
			json_decref(r);
		}
	}
	if (e < 0)
		sl_buf_setlen(out, start);
	else if (count)
		*count = n;
	return e;
}
