// SPDX-License-Identifier: MIT
/*
 * Replay plans (lib/sl/replay.h): ordering mutations by position within
 * their namespace, dropping redeliveries, finding conflicts and gaps, the
 * crash-safe state file and the running of one step's command.
 */
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "sl/capture-run.h"
#include "sl/hash.h"
#include "sl/json.h"
#include "sl/file.h"
#include "sl/replay.h"

extern char **environ;

void sl_replay_init(struct sl_replay_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void sl_replay_release(struct sl_replay_plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->m[i].ns);
		free(p->m[i].pos_json);
		free(p->m[i].id);
		free(p->m[i].entry);
	}
	free(p->m);
	free(p->steps);
	free(p->issues);
	sl_replay_init(p);
}

int sl_lsn_parse(const char *s, uint64_t *out)
{
	uint64_t hi = 0, lo = 0;
	int n = 0, v;

	for (; (v = sl_hex_digit((unsigned char)*s)) >= 0; s++, n++)
		hi = hi << 4 | (uint64_t)v;
	if (n < 1 || n > 8 || *s != '/')
		return SL_EINVAL;
	for (n = 0, s++; (v = sl_hex_digit((unsigned char)*s)) >= 0; s++, n++)
		lo = lo << 4 | (uint64_t)v;
	if (n < 1 || n > 8 || *s != '\0')
		return SL_EINVAL;
	*out = hi << 32 | lo;
	return 0;
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

static int add_issue(struct sl_replay_plan *p, enum sl_issue_kind kind, size_t a, size_t b,
		     uint64_t from, uint64_t to)
{
	struct sl_replay_issue *is;

	if (p->nissues == p->allocissues) {
		size_t na = p->allocissues ? 2 * p->allocissues : 16;
		is = realloc(p->issues, na * sizeof(*is));
		if (!is)
			return SL_ENOMEM;
		p->issues = is;
		p->allocissues = na;
	}
	is = &p->issues[p->nissues++];
	is->kind = kind;
	is->a = a;
	is->b = b;
	is->from = from;
	is->to = to;
	switch (kind) {
	case SL_ISSUE_REDELIVERY: p->redeliveries++; break;
	case SL_ISSUE_CONFLICT: p->conflicts++; break;
	case SL_ISSUE_GAP: p->gaps++; break;
	default: p->unordered++; break;
	}
	return 0;
}

/*
 * A position as JSON (absent or null, an integer >= 0, or an LSN string):
 * its kind, its number, and its JSON text appended to pj.  SL_EINVAL when
 * it is none of these.
 */
static int pos_parse(const json_t *pos, enum sl_pos_kind *kind, uint64_t *v, struct sl_buf *pj)
{
	if (!pos || json_is_null(pos)) {
		*kind = SL_POS_NONE;
		*v = 0;
		sl_buf_addstr(pj, "null");
	} else if (json_is_integer(pos) && json_integer_value(pos) >= 0) {
		*kind = SL_POS_INT;
		*v = (uint64_t)json_integer_value(pos);
		sl_buf_addu64(pj, *v);
	} else if (json_is_string(pos) && sl_lsn_parse(json_string_value(pos), v) == 0) {
		*kind = SL_POS_LSN;
		return sl_jcs_string(pj, json_string_value(pos), json_string_length(pos));
	} else {
		return SL_EINVAL;
	}
	return 0;
}

int sl_replay_add(struct sl_replay_plan *p, const char *entry, size_t len, struct sl_error *err)
{
	struct sl_error perr = { 0 };
	json_t *root = NULL;
	int e;

	if (sl_json_parse(entry, len, &root, &perr) < 0)
		return sl_error_set(err, SL_EINVAL, "an entry is not JSON: %s", perr.msg);
	e = sl_replay_add_parsed(p, root, entry, len, err);
	json_decref(root);
	return e;
}

int sl_replay_add_parsed(struct sl_replay_plan *p, const json_t *root, const char *entry,
			 size_t len, struct sl_error *err)
{
	struct sl_buf pj = SL_BUF_INIT;
	struct sl_replay_mut *m;
	json_t *t, *pl, *ns, *pos, *id, *sha, *seq;
	int e = 0;

	t = json_object_get(root, "type");
	seq = json_object_get(root, "seq");
	pl = json_object_get(root, "payload");
	if (!json_is_string(t) || !json_is_integer(seq) || json_integer_value(seq) < 0 ||
	    !json_is_object(pl))
		return sl_error_set(err, SL_EINVAL, "an entry without type, seq or payload");
	if (strcmp(json_string_value(t), "mutation") != 0)
		return 0;
	ns = json_object_get(pl, "namespace");
	pos = json_object_get(pl, "position");
	id = json_object_get(pl, "id");
	sha = json_object_get(pl, "sha256");
	if (!json_is_string(ns) || !json_string_length(ns))
		return sl_error_set(err, SL_EINVAL, "seq %lld: mutation without a namespace",
				    (long long)json_integer_value(seq));
	if (p->n == p->alloc) {
		size_t na = p->alloc ? 2 * p->alloc : 64;
		m = realloc(p->m, na * sizeof(*m));
		if (!m) {
			e = SL_ENOMEM;
			goto out;
		}
		p->m = m;
		p->alloc = na;
	}
	m = &p->m[p->n];
	memset(m, 0, sizeof(*m));
	m->seq = (uint64_t)json_integer_value(seq);
	if (pos_parse(pos, &m->kind, &m->pos, &pj) < 0) {
		e = sl_error_set(err, SL_EINVAL,
				 "seq %llu: position is not an integer >= 0 or an LSN such as \"16/B374D848\"",
				 (unsigned long long)m->seq);
		goto out;
	}
	if (json_is_string(sha) && json_string_length(sha) == SL_HEX_LEN)
		memcpy(m->sha256, json_string_value(sha), SL_HEX_LEN + 1);
	m->stored = json_is_true(json_object_get(pl, "stored"));
	m->ns = dupn(json_string_value(ns), json_string_length(ns));
	/* A lean plan is only analysed: what only steps show is not kept. */
	if (!p->lean) {
		m->id = json_is_string(id) ? dupn(json_string_value(id), json_string_length(id))
					   : dupn("", 0);
		m->entry = dupn(entry, len);
		m->entry_len = len;
	}
	m->pos_json = sl_buf_detach(&pj, NULL);
	if (!m->ns || !m->pos_json ||
	    (!p->lean && (!m->id || !m->entry))) {
		free(m->ns);
		free(m->id);
		free(m->entry);
		free(m->pos_json);
		e = SL_ENOMEM;
		goto out;
	}
	p->n++;
out:
	if (e == SL_ENOMEM)
		sl_error_set(err, e, "out of memory");
	sl_buf_release(&pj);
	return e;
}

static int mutcmp(const void *x, const void *y, void *ctx)
{
	const struct sl_replay_mut *m = ctx;
	const struct sl_replay_mut *a = &m[*(const size_t *)x], *b = &m[*(const size_t *)y];
	int c = strcmp(a->ns, b->ns);

	if (c)
		return c;
	if (a->pos != b->pos)
		return a->pos < b->pos ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq ? 1 : 0;
}

int sl_replay_build(struct sl_replay_plan *p, struct sl_error *err)
{
	size_t *idx, i, j, k = 0;
	int e = 0;

	free(p->steps);
	p->steps = NULL;
	p->nsteps = 0;
	if (!(idx = malloc((p->n ? p->n : 1) * sizeof(*idx))))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	for (i = 0; i < p->n; i++) {
		idx[i] = i;
		if (p->m[i].seq >= p->horizon)
			p->horizon = p->m[i].seq + 1;
	}
	qsort_r(idx, p->n, sizeof(*idx), mutcmp, p->m);
	for (i = 0; i < p->n && e == 0; i = j) {
		int has_int = 0, has_lsn = 0;
		size_t last = SIZE_MAX;

		/* One namespace: idx[i..j). */
		for (j = i; j < p->n && strcmp(p->m[idx[j]].ns, p->m[idx[i]].ns) == 0; j++) {
			has_int |= p->m[idx[j]].kind == SL_POS_INT;
			has_lsn |= p->m[idx[j]].kind == SL_POS_LSN;
		}
		if (has_int && has_lsn) {
			e = add_issue(p, SL_ISSUE_MIXED, idx[i], idx[i], 0, 0);
			continue;
		}
		for (size_t q = i; q < j && e == 0; q++) {
			struct sl_replay_mut *m = &p->m[idx[q]];
			if (m->kind == SL_POS_NONE) {
				e = add_issue(p, SL_ISSUE_NOPOS, idx[q], idx[q], 0, 0);
				continue;
			}
			if (last != SIZE_MAX && p->m[last].pos == m->pos) {
				if (strcmp(p->m[last].sha256, m->sha256) == 0) {
					m->dropped = 1;
					e = add_issue(p, SL_ISSUE_REDELIVERY, idx[q], last, 0, 0);
				} else {
					e = add_issue(p, SL_ISSUE_CONFLICT, last, idx[q], 0, 0);
				}
				continue;
			}
			if (last != SIZE_MAX && m->kind == SL_POS_INT && m->pos > p->m[last].pos + 1)
				e = add_issue(p, SL_ISSUE_GAP, last, idx[q], p->m[last].pos + 1, m->pos - 1);
			last = idx[q];
			idx[k++] = idx[q];
		}
	}
	if (e < 0) {
		free(idx);
		return sl_error_set(err, e, "out of memory");
	}
	p->steps = idx;
	p->nsteps = k;
	return 0;
}

int sl_replay_step_write(const struct sl_replay_plan *p, size_t k, struct sl_buf *out)
{
	const struct sl_replay_mut *m = &p->m[p->steps[k]];
	int e;

	sl_buf_addf(out, "{\"step\":%zu,\"namespace\":", k + 1);
	if ((e = sl_jcs_string(out, m->ns, strlen(m->ns))) < 0)
		return e;
	sl_buf_addf(out, ",\"position\":%s,\"seq\":%llu,\"id\":", m->pos_json,
		    (unsigned long long)m->seq);
	if ((e = sl_jcs_string(out, m->id, strlen(m->id))) < 0)
		return e;
	sl_buf_addf(out, ",\"sha256\":\"%s\",\"stored\":%s,\"entry\":", m->sha256,
		    m->stored ? "true" : "false");
	if ((e = sl_jcs_string(out, m->entry, m->entry_len)) < 0)
		return e;
	sl_buf_addstr(out, "}\n");
	return sl_buf_ok(out);
}

int sl_replay_digest(const struct sl_replay_plan *p, char hex[SL_HEX_LEN + 1])
{
	struct sl_buf line = SL_BUF_INIT;
	struct sl_sha256 h;
	unsigned char d[SL_HASH_LEN];
	size_t k;
	int e = 0;

	sl_sha256_init(&h);
	for (k = 0; k < p->nsteps && e == 0; k++) {
		sl_buf_reset(&line);
		if ((e = sl_replay_step_write(p, k, &line)) == 0)
			sl_sha256_update(&h, line.buf, line.len);
	}
	sl_buf_release(&line);
	if (e < 0)
		return e;
	sl_sha256_final(&h, d);
	sl_hex_encode(hex, d, SL_HASH_LEN);
	return 0;
}

static void ns_pos(struct sl_buf *out, const struct sl_replay_mut *m)
{
	sl_buf_addf(out, "namespace '%s' position %s", m->ns, m->pos_json);
}

int sl_replay_issue_write(const struct sl_replay_plan *p, size_t k, struct sl_buf *out)
{
	const struct sl_replay_issue *is = &p->issues[k];
	const struct sl_replay_mut *a = &p->m[is->a], *b = &p->m[is->b];

	switch (is->kind) {
	case SL_ISSUE_REDELIVERY:
		ns_pos(out, a);
		sl_buf_addf(out, ": seq %llu is a redelivery of seq %llu (same sha256), dropped",
			    (unsigned long long)a->seq, (unsigned long long)b->seq);
		break;
	case SL_ISSUE_CONFLICT:
		ns_pos(out, a);
		sl_buf_addf(out, ": seq %llu (sha256 %.12s) and seq %llu (sha256 %.12s) differ",
			    (unsigned long long)a->seq, a->sha256, (unsigned long long)b->seq,
			    b->sha256);
		break;
	case SL_ISSUE_GAP:
		sl_buf_addf(out, "namespace '%s': ", a->ns);
		if (is->from == is->to)
			sl_buf_addf(out, "position %llu is missing", (unsigned long long)is->from);
		else
			sl_buf_addf(out, "positions %llu to %llu are missing",
				    (unsigned long long)is->from, (unsigned long long)is->to);
		sl_buf_addf(out, " (between seq %llu and seq %llu)", (unsigned long long)a->seq,
			    (unsigned long long)b->seq);
		break;
	case SL_ISSUE_MIXED:
		sl_buf_addf(out, "namespace '%s' mixes integer and LSN positions: it cannot be ordered",
			    a->ns);
		break;
	case SL_ISSUE_NOPOS:
		sl_buf_addf(out, "namespace '%s': seq %llu has no position: it cannot be ordered",
			    a->ns, (unsigned long long)a->seq);
		break;
	}
	return sl_buf_ok(out);
}

static int jstr(struct sl_buf *out, const char *s)
{
	return sl_jcs_string(out, s, strlen(s));
}

/* One issue as an item of sl_replay_summary(); ns: with its namespace. */
static int issue_item(const struct sl_replay_plan *p, const struct sl_replay_issue *is, int ns,
		      size_t limit, struct sl_buf *out)
{
	const struct sl_replay_mut *a = &p->m[is->a], *b = &p->m[is->b];
	int e = 0;

	if (is->kind == SL_ISSUE_NOPOS) {
		sl_buf_addu64(out, a->seq);
		return 0;
	}
	sl_buf_addch(out, '{');
	if (ns) {
		sl_buf_addstr(out, "\"namespace\":");
		e = jstr(out, a->ns);
		sl_buf_addch(out, ',');
	}
	switch (is->kind) {
	case SL_ISSUE_REDELIVERY:
		sl_buf_addf(out, "\"position\":%s,\"seq\":%llu,\"of\":%llu}", a->pos_json,
			    (unsigned long long)a->seq, (unsigned long long)b->seq);
		break;
	case SL_ISSUE_CONFLICT:
		sl_buf_addf(out, "\"position\":%s,\"seqs\":[%llu,%llu]}", a->pos_json,
			    (unsigned long long)a->seq, (unsigned long long)b->seq);
		break;
	case SL_ISSUE_GAP:
		sl_buf_addf(out, "\"after\":%s,\"before\":%s,\"missing\":%llu,\"seqs\":[%llu,%llu]}",
			    a->pos_json, b->pos_json, (unsigned long long)(is->to - is->from + 1),
			    (unsigned long long)a->seq, (unsigned long long)b->seq);
		break;
	default: { /* mixed: the first `limit` seqs of the namespace, and how many */
		size_t q, n = 0;
		sl_buf_addstr(out, "\"seqs\":[");
		for (q = 0; q < p->n; q++)
			if (strcmp(p->m[q].ns, a->ns) == 0 && n++ < limit)
				sl_buf_addf(out, "%s%llu", n > 1 ? "," : "", (unsigned long long)p->m[q].seq);
		sl_buf_addf(out, "],\"total\":%zu}", n);
	}
	}
	return e;
}

int sl_replay_summary(const struct sl_replay_plan *p, size_t limit, struct sl_buf *out)
{
	static const char *const names[] = { "redeliveries", "conflicts", "gaps", "mixed",
					     "unpositioned" };
	static const enum sl_issue_kind kinds[] = { SL_ISSUE_REDELIVERY, SL_ISSUE_CONFLICT,
						    SL_ISSUE_GAP, SL_ISSUE_MIXED, SL_ISSUE_NOPOS };
	size_t i, j, k, *idx, nns = 0, missing = 0, cur = 0;
	size_t total[5] = { 0 };
	int e = 0;

	/* Namespaces in byte order, as sl_replay_build() found the issues. */
	if (!(idx = malloc((p->n ? p->n : 1) * sizeof(*idx))))
		return SL_ENOMEM;
	for (i = 0; i < p->n; i++)
		idx[i] = i;
	qsort_r(idx, p->n, sizeof(*idx), mutcmp, p->m);
	for (k = 0; k < p->nissues; k++) {
		const struct sl_replay_issue *is = &p->issues[k];
		for (int q = 0; q < 5; q++)
			total[q] += is->kind == kinds[q];
		if (is->kind == SL_ISSUE_GAP)
			missing += (size_t)(is->to - is->from + 1);
	}
	sl_buf_addf(out, "{\"complete\":%s,\"steps\":%zu,\"limit\":%zu,\"namespaces\":[",
		    p->complete ? "true" : "false", p->nsteps, limit);
	for (i = 0; i < p->n && e == 0; i = j) {
		const char *ns = p->m[idx[i]].ns;
		const struct sl_replay_mut *lo = NULL, *hi = NULL;
		size_t count = 0, first = cur, kk;
		int has_int = 0, has_lsn = 0;

		for (j = i; j < p->n && strcmp(p->m[idx[j]].ns, ns) == 0; j++) {
			const struct sl_replay_mut *m = &p->m[idx[j]];
			count++;
			has_int |= m->kind == SL_POS_INT;
			has_lsn |= m->kind == SL_POS_LSN;
			if (m->kind != SL_POS_NONE) {
				if (!lo)
					lo = m;
				hi = m;
			}
		}
		/* This namespace's issues: the next run of the issue list. */
		while (cur < p->nissues && strcmp(p->m[p->issues[cur].a].ns, ns) == 0)
			cur++;
		if (nns++ >= limit)
			continue;
		if (nns > 1)
			sl_buf_addch(out, ',');
		sl_buf_addstr(out, "{\"namespace\":");
		e = jstr(out, ns);
		sl_buf_addf(out, ",\"positions\":\"%s\",\"count\":%zu,\"first\":%s,\"last\":%s",
			    has_int && has_lsn ? "mixed" : has_int ? "integer" : has_lsn ? "lsn" : "none",
			    count, lo && !(has_int && has_lsn) ? lo->pos_json : "null",
			    hi && !(has_int && has_lsn) ? hi->pos_json : "null");
		for (int q = 0; q < 3 && e == 0; q++) {
			size_t n = 0, miss = 0;
			sl_buf_addf(out, ",\"%s\":{\"items\":[", names[q]);
			for (kk = first; kk < cur && e == 0; kk++) {
				const struct sl_replay_issue *is = &p->issues[kk];
				if (is->kind != kinds[q])
					continue;
				if (is->kind == SL_ISSUE_GAP)
					miss += (size_t)(is->to - is->from + 1);
				if (n++ >= limit)
					continue;
				if (n > 1)
					sl_buf_addch(out, ',');
				e = issue_item(p, is, 0, limit, out);
			}
			sl_buf_addf(out, "],\"total\":%zu", n);
			if (kinds[q] == SL_ISSUE_GAP)
				sl_buf_addf(out, ",\"missing\":%zu", miss);
			sl_buf_addch(out, '}');
		}
		sl_buf_addch(out, '}');
	}
	free(idx);
	for (int q = 0; q < 5 && e == 0; q++) {
		size_t n = 0;
		sl_buf_addf(out, "],\"%s\":[", names[q]);
		for (k = 0; k < p->nissues && n < limit && e == 0; k++) {
			if (p->issues[k].kind != kinds[q])
				continue;
			if (n++)
				sl_buf_addch(out, ',');
			e = issue_item(p, &p->issues[k], 1, limit, out);
		}
	}
	sl_buf_addf(out, "],\"totals\":{\"mutations\":%zu,\"namespaces\":%zu,\"redeliveries\":%zu,"
		    "\"conflicts\":%zu,\"gaps\":%zu,\"missing\":%zu,\"mixed\":%zu,\"unpositioned\":%zu}}",
		    p->n, nns, total[0], total[1], total[2], missing, total[3], total[4]);
	return e < 0 ? e : sl_buf_ok(out);
}

/* The state file. */

#define STATE_MAX (16u << 20) /* a state file is one small line per namespace */

void sl_replay_state_init(struct sl_replay_state *st)
{
	memset(st, 0, sizeof(*st));
}

static void mark_release(struct sl_replay_mark *mk)
{
	free(mk->ns);
	free(mk->pos_json);
	free(mk->id);
}

void sl_replay_state_release(struct sl_replay_state *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		mark_release(&st->v[i]);
	free(st->v);
	sl_replay_state_init(st);
}

/* The mark of namespace ns, or NULL; *at is where it is or would go. */
static struct sl_replay_mark *mark_find(const struct sl_replay_state *st, const char *ns,
					size_t *at)
{
	size_t lo = 0, hi = st->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(st->v[mid].ns, ns);
		if (c == 0) {
			*at = mid;
			return &st->v[mid];
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return NULL;
}

/*
 * Set the mark of namespace ns (copying the strings), adding it in its
 * place when st has none.  0 or SL_ENOMEM.
 */
static int mark_set(struct sl_replay_state *st, const char *ns, enum sl_pos_kind kind,
		    uint64_t pos, const char *pos_json, const char *sha256, uint64_t seq,
		    const char *id, uint64_t horizon)
{
	struct sl_replay_mark nm = { 0 }, *mk;
	size_t at;

	nm.ns = dupn(ns, strlen(ns));
	nm.pos_json = dupn(pos_json, strlen(pos_json));
	nm.id = dupn(id, strlen(id));
	if (!nm.ns || !nm.pos_json || !nm.id) {
		mark_release(&nm);
		return SL_ENOMEM;
	}
	nm.kind = kind;
	nm.pos = pos;
	snprintf(nm.sha256, sizeof(nm.sha256), "%s", sha256);
	nm.seq = seq;
	nm.horizon = horizon;
	if ((mk = mark_find(st, ns, &at))) {
		mark_release(mk);
		*mk = nm;
		return 0;
	}
	if (st->n == st->alloc) {
		size_t na = st->alloc ? 2 * st->alloc : 8;
		if (!(mk = realloc(st->v, na * sizeof(*mk)))) {
			mark_release(&nm);
			return SL_ENOMEM;
		}
		st->v = mk;
		st->alloc = na;
	}
	memmove(&st->v[at + 1], &st->v[at], (st->n - at) * sizeof(*mk));
	st->v[at] = nm;
	st->n++;
	return 0;
}

int sl_replay_state_mark(struct sl_replay_state *st, const struct sl_replay_plan *p, size_t k,
			 struct sl_error *err)
{
	const struct sl_replay_mut *m = &p->m[p->steps[k]];

	if (mark_set(st, m->ns, m->kind, m->pos, m->pos_json, m->sha256, m->seq, m->id,
		     p->horizon) < 0)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	return 0;
}

/* One namespace of a state file of version 2. */
static int mark_load(struct sl_replay_state *st, const char *ns, const json_t *v,
		     const char *path, struct sl_error *err)
{
	struct sl_buf pj = SL_BUF_INIT;
	const json_t *sha = json_object_get(v, "sha256"), *seq = json_object_get(v, "seq"),
		     *id = json_object_get(v, "id"), *hz = json_object_get(v, "horizon");
	enum sl_pos_kind kind = SL_POS_NONE;
	uint64_t pos = 0;
	int e;

	if (!json_is_object(v) || pos_parse(json_object_get(v, "position"), &kind, &pos, &pj) < 0 ||
	    kind == SL_POS_NONE || !json_is_string(sha) ||
	    !sl_is_lowerhex(json_string_value(sha), json_string_length(sha), SL_HASH_LEN) ||
	    !json_is_integer(seq) || json_integer_value(seq) < 0 || !json_is_string(id) ||
	    !json_is_integer(hz) || json_integer_value(hz) <= json_integer_value(seq) ||
	    !*ns || mark_find(st, ns, &(size_t){ 0 })) {
		sl_buf_release(&pj);
		return sl_error_set(err, SL_ECORRUPT, "'%s' is not a replay state file: "
				    "namespace '%s' is not a position, sha256, seq, id and horizon",
				    path, ns);
	}
	if ((e = sl_buf_ok(&pj)) == 0)
		e = mark_set(st, ns, kind, pos, pj.buf, json_string_value(sha),
			     (uint64_t)json_integer_value(seq), json_string_value(id),
			     (uint64_t)json_integer_value(hz));
	sl_buf_release(&pj);
	return e < 0 ? sl_error_set(err, e, "out of memory") : 0;
}

/*
 * A state file of version 1 says "steps 1..K of plan HEX were done": the
 * marks are the last of those steps in each namespace, when p is that plan.
 */
static int migrate_v1(struct sl_replay_state *st, const json_t *doc, const struct sl_replay_plan *p,
		      const char *path, struct sl_error *err)
{
	const json_t *plan = json_object_get(doc, "plan"), *d = json_object_get(doc, "done"),
		     *steps = json_object_get(doc, "steps");
	char digest[SL_HEX_LEN + 1];
	uint64_t done;
	size_t k;
	int e;

	if (!json_is_string(plan) || !json_is_integer(d) || json_integer_value(d) < 0 ||
	    !json_is_integer(steps) || json_integer_value(d) > json_integer_value(steps))
		return sl_error_set(err, SL_ECORRUPT, "'%s' is not a replay state file", path);
	done = (uint64_t)json_integer_value(d);
	if ((e = sl_replay_digest(p, digest)) < 0)
		return sl_error_set(err, e, "out of memory");
	if (done && (strcmp(json_string_value(plan), digest) != 0 || done > p->nsteps))
		return sl_error_set(err, SL_EINVAL,
				    "'%s' is a state file of version 1, of another plan (%.12s, %llu "
				    "of its steps done; this plan is %.12s): it can be converted only by "
				    "a run of the plan it was made with (the same snapshot), or removed "
				    "to start this plan from its first step",
				    path, json_string_value(plan), (unsigned long long)done, digest);
	for (k = 0; k < done; k++)
		if ((e = sl_replay_state_mark(st, p, k, err)) < 0)
			return e;
	st->migrated = 1;
	return 0;
}

int sl_replay_state_load(const char *path, const struct sl_replay_plan *p,
			 struct sl_replay_state *st, struct sl_error *err)
{
	struct sl_error perr = { 0 };
	struct sl_buf b = SL_BUF_INIT;
	json_t *doc = NULL, *t, *ver, *nss, *v;
	const char *ns;
	char chunk[4096];
	ssize_t r;
	int fd, e = 0;

	sl_replay_state_release(st);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		return sl_error_set(err, SL_EIO, "unable to open '%s': %s", path, strerror(errno));
	}
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			e = sl_error_set(err, SL_EIO, "unable to read '%s': %s", path, strerror(errno));
			break;
		}
		if (b.len + (size_t)r > STATE_MAX) {
			e = sl_error_set(err, SL_ECORRUPT, "'%s' is not a replay state file: "
					 "larger than %u bytes", path, STATE_MAX);
			break;
		}
		sl_buf_add(&b, chunk, (size_t)r);
	}
	close(fd);
	if (e == 0 && (e = sl_buf_ok(&b)) < 0)
		sl_error_set(err, e, "out of memory");
	if (e == 0 && sl_json_parse(b.buf, b.len, &doc, &perr) < 0)
		e = sl_error_set(err, SL_ECORRUPT, "'%s' is not a replay state file: %s", path, perr.msg);
	if (e == 0) {
		t = json_object_get(doc, "type");
		ver = json_object_get(doc, "version");
		nss = json_object_get(doc, "namespaces");
		if (!json_is_string(t) || strcmp(json_string_value(t), "replay-state") != 0)
			e = sl_error_set(err, SL_ECORRUPT, "'%s' is not a replay state file", path);
		else if (!ver)
			e = migrate_v1(st, doc, p, path, err);
		else if (!json_is_integer(ver) || json_integer_value(ver) != 2)
			e = sl_error_set(err, SL_ECORRUPT, "'%s' is a replay state file of a version "
					 "this sl-replay does not know", path);
		else if (!json_is_object(nss))
			e = sl_error_set(err, SL_ECORRUPT, "'%s' is not a replay state file: "
					 "no namespaces", path);
		else
			json_object_foreach(nss, ns, v)
				if ((e = mark_load(st, ns, v, path, err)) < 0)
					break;
	}
	if (e < 0)
		sl_replay_state_release(st);
	json_decref(doc);
	sl_buf_release(&b);
	return e;
}

int sl_replay_state_save(const char *path, const struct sl_replay_state *st, int sync,
			 struct sl_error *err)
{
	struct sl_buf txt = SL_BUF_INIT;
	size_t i;
	int e = 0;

	sl_buf_addstr(&txt, "{\"type\":\"replay-state\",\"version\":2,\"namespaces\":{");
	for (i = 0; i < st->n && e == 0; i++) {
		const struct sl_replay_mark *mk = &st->v[i];
		if (i)
			sl_buf_addch(&txt, ',');
		if ((e = jstr(&txt, mk->ns)) < 0)
			break;
		sl_buf_addf(&txt, ":{\"position\":%s,\"sha256\":\"%s\",\"seq\":%llu,\"id\":",
			    mk->pos_json, mk->sha256, (unsigned long long)mk->seq);
		if ((e = jstr(&txt, mk->id)) < 0)
			break;
		sl_buf_addf(&txt, ",\"horizon\":%llu}", (unsigned long long)mk->horizon);
	}
	sl_buf_addstr(&txt, "}}\n");
	if (e == 0 && (e = sl_buf_ok(&txt)) < 0)
		sl_error_set(err, e, "out of memory");
	else if (e < 0)
		sl_error_set(err, e, "unable to write the state: %s", sl_strerror(e));
	if (e == 0)
		e = sl_file_replace(path, txt.buf, txt.len, 0644, sync, err);
	sl_buf_release(&txt);
	return e;
}

/* Resuming a plan after a state. */

static int contradiction(struct sl_error *err, const struct sl_replay_mark *mk,
			 const struct sl_replay_mut *m, const char *why)
{
	if (!m)
		return sl_error_set(err, SL_EVERIFY, "namespace '%s' position %s: the state records "
				    "sha256 %s (seq %llu), %s", mk->ns, mk->pos_json, mk->sha256,
				    (unsigned long long)mk->seq, why);
	return sl_error_set(err, SL_EVERIFY, "namespace '%s' position %s: the plan has sha256 %s "
			    "(seq %llu), the state records position %s with sha256 %s (seq %llu)%s",
			    m->ns, m->pos_json, m->sha256, (unsigned long long)m->seq, mk->pos_json,
			    mk->sha256, (unsigned long long)mk->seq, why);
}

int sl_replay_resume(const struct sl_replay_plan *p, const struct sl_replay_state *st,
		     unsigned char *todo, size_t *left, struct sl_error *err)
{
	unsigned char *seen = NULL, *runs = NULL;
	size_t k, i, at;
	int e = 0;

	*left = 0;
	if (st->n && (!(seen = calloc(st->n, 1)) || !(runs = calloc(st->n, 1)))) {
		free(seen);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	for (k = 0; k < p->nsteps && e == 0; k++) {
		const struct sl_replay_mut *m = &p->m[p->steps[k]];
		const struct sl_replay_mark *mk = mark_find(st, m->ns, &at);

		todo[k] = !mk || (m->kind == mk->kind && m->pos > mk->pos);
		*left += todo[k];
		if (!mk)
			continue;
		if (m->kind != mk->kind)
			e = contradiction(err, mk, m, ": one is an integer, the other an LSN");
		else if (m->pos == mk->pos && strcmp(m->sha256, mk->sha256) != 0)
			e = contradiction(err, mk, m, ": another mutation at an applied position");
		else if (m->pos < mk->pos && m->seq >= mk->horizon) {
			char why[128];
			snprintf(why, sizeof(why), ", applied from the mutations below seq %llu: "
				 "this one came later and cannot be applied in order",
				 (unsigned long long)mk->horizon);
			e = contradiction(err, mk, m, why);
		}
		seen[at] |= m->pos == mk->pos;
		runs[at] |= todo[k];
	}
	for (i = 0; i < st->n && e == 0; i++) {
		const struct sl_replay_mark *mk = &st->v[i];
		char why[160];
		if (!seen[i] && p->from_seq <= mk->seq && mk->seq < p->horizon) {
			e = contradiction(err, mk, NULL, "the plan has no mutation at that position "
					  "though it covers that seq");
		} else if (runs[i] && (p->horizon < mk->horizon || p->from_seq > mk->horizon)) {
			snprintf(why, sizeof(why), p->horizon < mk->horizon
				 ? "applied from the mutations below seq %llu; this plan holds those "
				   "below seq %llu only (an older snapshot)"
				 : "applied from the mutations below seq %llu; this plan starts at seq "
				   "%llu: those in between were never planned",
				 (unsigned long long)mk->horizon,
				 (unsigned long long)(p->horizon < mk->horizon ? p->horizon : p->from_seq));
			e = contradiction(err, mk, NULL, why);
		}
	}
	free(seen);
	free(runs);
	return e;
}

/* Running a step. */

int sl_replay_run(const char *cmd, const char *const *env, const struct sl_buf *const *in,
		  size_t n, int *wstatus, struct sl_error *err)
{
	const char *argv[] = { "sh", "-c", cmd, NULL };
	struct sl_spawn sp = { argv, "/bin/sh", NULL, { -1, 2, SL_SPAWN_KEEP }, NULL, 0 };
	char **envp;
	size_t ne = 0, nx = 0, i;
	int pfd[2], e, broken = 0;
	pid_t pid;

	while (environ && environ[ne])
		ne++;
	while (env && env[nx])
		nx++;
	if (!(envp = malloc((ne + nx + 1) * sizeof(*envp))))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	/*
	 * Ours, and the inherited ones but any SL_REPLAY_* (a replay run from
	 * a step of another): shells disagree on which of two of a name wins.
	 */
	for (i = 0; i < nx; i++)
		envp[i] = (char *)env[i];
	for (i = 0; i < ne; i++)
		if (strncmp(environ[i], "SL_REPLAY_", 10) != 0)
			envp[nx++] = environ[i];
	envp[nx] = NULL;
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		free(envp);
		return sl_error_set(err, SL_EIO, "unable to make a pipe: %s", strerror(errno));
	}
	sp.fd[0] = pfd[0];
	sp.envp = envp;
	e = sl_spawn(&sp, &pid);
	free(envp);
	close(pfd[0]);
	if (e != 0) {
		close(pfd[1]);
		return sl_error_set(err, SL_EIO, "unable to run /bin/sh: %s", strerror(e));
	}
	for (i = 0; i < n && !broken; i++) {
		const char *p = in[i]->buf;
		size_t left = in[i]->len;
		while (left && !broken) {
			ssize_t w = write(pfd[1], p, left);
			if (w < 0) {
				if (errno != EINTR)
					broken = 1; /* it stopped reading: its status says the rest */
				continue;
			}
			p += w;
			left -= (size_t)w;
		}
	}
	close(pfd[1]);
	while (waitpid(pid, wstatus, 0) < 0) {
		if (errno != EINTR)
			return sl_error_set(err, SL_EIO, "unable to wait for the command: %s",
					    strerror(errno));
	}
	return 0;
}

/* A long-running command. */

static int write_bufs(int fd, const struct sl_buf *const *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (sl_write_all(fd, in[i]->buf, in[i]->len) < 0)
			return -1;
	return 0;
}

int sl_replay_proc_start(struct sl_replay_proc *pr, const char *cmd, struct sl_error *err)
{
	const char *argv[] = { "sh", "-c", cmd, NULL };
	struct sl_spawn sp = { argv, "/bin/sh", NULL, { -1, -1, SL_SPAWN_KEEP }, NULL, 0 };
	int pin[2], pout[2], e;

	memset(pr, 0, sizeof(*pr));
	pr->pid = -1;
	pr->in = pr->out = -1;
	sl_buf_init(&pr->rd);
	if (pipe2(pin, O_CLOEXEC) != 0)
		return sl_error_set(err, SL_EIO, "unable to make a pipe: %s", strerror(errno));
	if (pipe2(pout, O_CLOEXEC) != 0) {
		e = errno;
		close(pin[0]);
		close(pin[1]);
		return sl_error_set(err, SL_EIO, "unable to make a pipe: %s", strerror(e));
	}
	sp.fd[0] = pin[0];
	sp.fd[1] = pout[1];
	e = sl_spawn(&sp, &pr->pid);
	close(pin[0]);
	close(pout[1]);
	if (e != 0) {
		close(pin[1]);
		close(pout[0]);
		pr->pid = -1;
		return sl_error_set(err, SL_EIO, "unable to run /bin/sh: %s", strerror(e));
	}
	pr->in = pin[1];
	pr->out = pout[0];
	return 0;
}

int sl_replay_proc_step(struct sl_replay_proc *pr, const struct sl_buf *const *in, size_t n,
			struct sl_buf *reply, struct sl_error *err)
{
	char chunk[4096];
	char *nl;
	ssize_t r;

	if (write_bufs(pr->in, in, n) < 0)
		return sl_error_set(err, SL_EIO, "the command stopped reading: %s", strerror(errno));
	while (!(nl = memchr(pr->rd.buf, '\n', pr->rd.len))) {
		if (pr->rd.len > 4096)
			return sl_error_set(err, SL_EIO, "the command answered with a line longer than "
					    "4096 bytes");
		if (pr->eof)
			return sl_error_set(err, SL_EIO, "the command ended before answering");
		r = read(pr->out, chunk, sizeof(chunk));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sl_error_set(err, SL_EIO, "unable to read the command's answer: %s",
					    strerror(errno));
		}
		if (r == 0)
			pr->eof = 1;
		sl_buf_add(&pr->rd, chunk, (size_t)r);
		if (sl_buf_ok(&pr->rd))
			return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	sl_buf_reset(reply);
	sl_buf_add(reply, pr->rd.buf, (size_t)(nl - pr->rd.buf));
	{
		size_t used = (size_t)(nl - pr->rd.buf) + 1;
		memmove(pr->rd.buf, pr->rd.buf + used, pr->rd.len - used);
		sl_buf_setlen(&pr->rd, pr->rd.len - used);
	}
	return sl_buf_ok(reply) ? sl_error_set(err, SL_ENOMEM, "out of memory") : 0;
}

int sl_replay_proc_finish(struct sl_replay_proc *pr, int *wstatus, struct sl_error *err)
{
	int e = 0;

	if (pr->in >= 0)
		close(pr->in);
	if (pr->out >= 0)
		close(pr->out);
	pr->in = pr->out = -1;
	*wstatus = 0;
	while (pr->pid > 0 && waitpid(pr->pid, wstatus, 0) < 0) {
		if (errno != EINTR) {
			e = sl_error_set(err, SL_EIO, "unable to wait for the command: %s", strerror(errno));
			break;
		}
	}
	pr->pid = -1;
	sl_buf_release(&pr->rd);
	return e;
}
