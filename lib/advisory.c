// SPDX-License-Identifier: MIT
/*
 * Advisories (lib/sl/advisory.h): the rules directories, running jq,
 * checking the findings and the scorer.  The rule input is built in
 * lib/advisory-input.c.
 */
#include <stdlib.h>
#include <string.h>

#include "sl/advisory.h"
#include "sl/capture-run.h"
#include "sl/linereader.h"

void sl_rules_init(struct sl_rules *rs)
{
	memset(rs, 0, sizeof(*rs));
}

void sl_rules_release(struct sl_rules *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->r[i].name);
		free(rs->r[i].path);
	}
	free(rs->r);
	free(rs->libdir);
	sl_rules_init(rs);
}

int sl_rules_set_libdir(struct sl_rules *rs, const char *dir)
{
	char *d = strdup(dir);

	if (!d)
		return SL_ENOMEM;
	free(rs->libdir);
	rs->libdir = d;
	return 0;
}

static int rule_name_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > SL_RULE_NAME_MAX || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int rulecmp(const void *x, const void *y)
{
	return strcmp(((const struct sl_rule *)x)->name, ((const struct sl_rule *)y)->name);
}

int sl_rules_add_dir(struct sl_rules *rs, const char *dir, struct sl_error *err)
{
	struct sl_buf path = SL_BUF_INIT;
	struct dirent *de;
	size_t first = rs->n, i;
	DIR *d;
	int e = 0;

	if (!(d = opendir(dir))) {
		int en = errno;
		return sl_error_set(err, en == ENOENT || en == ENOTDIR ? SL_ENOTFOUND : SL_EIO,
				    "unable to open the rules directory '%s': %s", dir, strerror(en));
	}
	while (e == 0 && (errno = 0, de = readdir(d))) {
		size_t n = strlen(de->d_name);
		struct stat st;
		int seen = 0;

		if (n < 4 || strcmp(de->d_name + n - 3, ".jq") != 0 || !rule_name_ok(de->d_name, n - 3))
			continue;
		sl_buf_reset(&path);
		sl_buf_addf(&path, "%s/%s", dir, de->d_name);
		if ((e = sl_buf_ok(&path)) < 0)
			break;
		if (stat(path.buf, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		for (i = 0; i < first && !seen; i++)
			seen = strncmp(rs->r[i].name, de->d_name, n - 3) == 0 && rs->r[i].name[n - 3] == '\0';
		if (seen)
			continue;
		if (rs->n == rs->alloc) {
			size_t na = rs->alloc ? 2 * rs->alloc : 32;
			struct sl_rule *nr = realloc(rs->r, na * sizeof(*nr));
			if (!nr) {
				e = SL_ENOMEM;
				break;
			}
			rs->r = nr;
			rs->alloc = na;
		}
		rs->r[rs->n].name = strndup(de->d_name, n - 3);
		rs->r[rs->n].path = sl_buf_detach(&path, NULL);
		if (!rs->r[rs->n].name || !rs->r[rs->n].path) {
			free(rs->r[rs->n].name);
			free(rs->r[rs->n].path);
			e = SL_ENOMEM;
			break;
		}
		rs->n++;
	}
	if (e == 0 && errno != 0)
		e = sl_error_set(err, sl_errno_code(errno),
				 "unable to read the rules directory '%s': %s", dir,
				 strerror(errno));
	closedir(d);
	sl_buf_release(&path);
	if (e == SL_ENOMEM)
		return sl_error_set(err, e, "out of memory");
	if (e == 0)
		qsort(rs->r, rs->n, sizeof(*rs->r), rulecmp);
	return e;
}

/* Running jq. */

/* What jq said on its standard error, on one line, at most 400 bytes. */
static void describe_stderr(struct sl_buf *msg, const struct sl_buf *e)
{
	size_t i, n = 0;
	int space = 0;

	for (i = 0; i < e->len && n < 400; i++) {
		unsigned char c = (unsigned char)e->buf[i];
		if (c == '\n' || c == '\r') {
			space = 2;
			continue;
		}
		if (c == ' ' || c == '\t') {
			if (!space)
				space = 1;
			continue;
		}
		if (c < 0x20)
			continue;
		if (space && n) {
			sl_buf_addstr(msg, space == 2 ? "; " : " ");
			n += (size_t)space;
		}
		space = 0;
		sl_buf_addch(msg, (int)c);
		n++;
	}
}

/* How a rule's job ended, as sl_rule_run() reports it; its output is added to out. */
static int job_result(struct sl_job *j, const char *jq, struct sl_buf *out, struct sl_error *err)
{
	struct sl_buf msg = SL_BUF_INIT;
	int e = 0;

	switch (j->end) {
	case SL_JOB_NOSTART:
		e = sl_error_set(err, SL_EIO, "unable to run '%s': %s", jq, strerror(j->status));
		break;
	case SL_JOB_TIMEOUT:
		e = sl_error_set(err, SL_EINVAL, "ran longer than %d ms and was killed",
				 j->timeout_ms);
		break;
	case SL_JOB_TOO_MUCH:
		e = sl_error_set(err, SL_EINVAL, "wrote more than %zu bytes and was killed",
				 j->out_max);
		break;
	case SL_JOB_SIGNALLED:
		e = sl_error_set(err, SL_EINVAL, "jq was killed by signal %d", j->status);
		break;
	case SL_JOB_EXITED:
		if (j->status != 0) {
			describe_stderr(&msg, &j->err);
			e = sl_error_set(err, SL_EINVAL, "jq exited with status %d%s%s", j->status,
					 msg.len ? ": " : "", msg.len ? msg.buf : "");
		}
		break;
	}
	sl_buf_release(&msg);
	if (e == 0) {
		sl_buf_add(out, j->out.buf, j->out.len);
		if (sl_buf_ok(out) < 0)
			e = sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	return e;
}

int sl_rules_run_all(const char *jq, const struct sl_rules *rs, const char *in, size_t inlen,
		     int timeout_ms, unsigned jobs, struct sl_buf *outs, int *codes,
		     struct sl_error *errs, struct sl_error *err)
{
	struct sl_job *j;
	const char **argv;
	int fd, e;
	size_t i;

	if (rs->n == 0)
		return 0;
	/* The input is written once; each jq reads it from its own open file (own offset). */
	if ((fd = sl_memfd("sl-rule-input", in, inlen, err)) < 0)
		return fd;
	j = calloc(rs->n, sizeof(*j));
	argv = calloc(7 * rs->n, sizeof(*argv));
	if (!j || !argv) {
		free(j);
		free(argv);
		close(fd);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	for (i = 0; i < rs->n; i++) {
		const char **av = &argv[7 * i];
		int k = 0;
		av[k++] = jq, av[k++] = "-c";
		if (rs->libdir)
			av[k++] = "-L", av[k++] = rs->libdir;
		av[k++] = "-f", av[k++] = rs->r[i].path, av[k] = NULL;
		sl_job_init(&j[i]);
		j[i].argv = av;
		j[i].timeout_ms = timeout_ms;
		/*
		 * A finding lists what it is about in its items (all the config
		 * files, say), so what a rule may write grows with what it read.
		 */
		j[i].out_max = inlen > SL_RULE_OUT_MAX / 2 ? 2 * inlen : SL_RULE_OUT_MAX;
		j[i].err_max = 4096;
		j[i].stdin_fd = fd;
		j[i].stdin_private = 1;
		/* jq starts nothing; in our group, a Ctrl-C or a kill of our group ends it too. */
		j[i].same_pgroup = 1;
	}
	/* Up to `jobs` at once; the next rule starts as soon as one ends. */
	e = sl_run_jobs_progress(j, rs->n, jobs ? jobs : 1, rs->progress, rs->progress_ctx, err);
	for (i = 0; i < rs->n; i++) {
		if (e == 0) {
			sl_error_clear(&errs[i]);
			codes[i] = job_result(&j[i], jq, &outs[i], &errs[i]);
		}
		sl_job_release(&j[i]);
	}
	close(fd);
	free(j);
	free(argv);
	return e;
}

int sl_rule_run(const char *jq, const struct sl_rule *r, const char *in, size_t inlen,
		int timeout_ms, struct sl_buf *out, struct sl_error *err)
{
	struct sl_rules one = { .r = (struct sl_rule *)r, .n = 1, .alloc = 1 };
	int code = 0, e;

	if ((e = sl_rules_run_all(jq, &one, in, inlen, timeout_ms, 1, out, &code, err, err)) < 0)
		return e;
	return code;
}

static int u64cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* Checking findings. */

static int known_seq(const struct sl_advisory *a, uint64_t s)
{
	return a->nseqs && bsearch(&s, a->seqs, a->nseqs, sizeof(s), u64cmp) != NULL;
}

static int bad(struct sl_error *err, long line, const char *member, const char *msg)
{
	sl_error_member(err, SL_EINVAL, member, "%s", msg);
	if (err)
		err->line = line;
	return SL_EINVAL;
}

static int check_finding(const struct sl_advisory *a, const char *rule, json_t *f, long line,
			 json_t **out, struct sl_error *err)
{
	static const char *const sev[] = { "info", "low", "medium", "high", NULL };
	json_t *sv, *w, *msg, *rem, *ev, *v, *r, *evc, *items, *tot;
	const char *k;
	size_t i;
	json_int_t wt;
	int ok = 0;

	if (!json_is_object(f))
		return bad(err, line, "", "a finding must be a JSON object");
	json_object_foreach(f, k, v) {
		if (strcmp(k, "rule") && strcmp(k, "severity") && strcmp(k, "weight") &&
		    strcmp(k, "message") && strcmp(k, "remedy") && strcmp(k, "evidence") &&
		    strcmp(k, "items") && strcmp(k, "total"))
			return bad(err, line, k, "unknown member");
	}
	r = json_object_get(f, "rule");
	if (r && (!json_is_string(r) || strcmp(json_string_value(r), rule) != 0))
		return bad(err, line, "rule", "must be the rule's name (or left out)");
	sv = json_object_get(f, "severity");
	for (i = 0; sev[i] && json_is_string(sv); i++)
		ok |= strcmp(json_string_value(sv), sev[i]) == 0;
	if (!ok)
		return bad(err, line, "severity", "required: \"info\", \"low\", \"medium\" or \"high\"");
	w = json_object_get(f, "weight");
	if (!json_is_integer(w) || (wt = json_integer_value(w)) < -SL_RISK_MAX || wt > SL_RISK_MAX)
		return bad(err, line, "weight", "required: an integer from -100 to 100");
	if (wt < 0 && strcmp(json_string_value(sv), "info") != 0)
		return bad(err, line, "weight", "a negative weight (a credit) needs severity \"info\"");
	msg = json_object_get(f, "message");
	if (!json_is_string(msg) || !json_string_length(msg))
		return bad(err, line, "message", "required: a string of 1 to 4096 bytes");
	if (json_string_length(msg) > SL_ADVISORY_MESSAGE_MAX) {
		char m[160];
		/* The usual cause: a rule that joins a whole list into its message. */
		snprintf(m, sizeof(m), "%zu bytes, more than %d: bound the message and put the "
			 "whole list in \"items\"", json_string_length(msg), SL_ADVISORY_MESSAGE_MAX);
		return bad(err, line, "message", m);
	}
	items = json_object_get(f, "items");
	if (items && !json_is_array(items))
		return bad(err, line, "items", "must be an array");
	tot = json_object_get(f, "total");
	if (tot && (!json_is_integer(tot) ||
		    json_integer_value(tot) < (json_int_t)json_array_size(items)))
		return bad(err, line, "total", "must be an integer, at least the number of items");
	rem = json_object_get(f, "remedy");
	if (!json_is_string(rem) || json_string_length(rem) > SL_ADVISORY_MESSAGE_MAX ||
	    (wt > 0 && !json_string_length(rem)))
		return bad(err, line, "remedy", "required: a string of at most 4096 bytes, "
			   "not empty when the weight is positive");
	ev = json_object_get(f, "evidence");
	if (!json_is_array(ev))
		return bad(err, line, "evidence", "required: an array of seqs");
	json_array_foreach(ev, i, v) {
		char m[64];
		snprintf(m, sizeof(m), "evidence[%zu]", i);
		if (!json_is_integer(v) || json_integer_value(v) < 0)
			return bad(err, line, m, "not a seq");
		if (!known_seq(a, (uint64_t)json_integer_value(v)))
			return bad(err, line, m, "no entry of the snapshot has this seq");
	}
	/* Evidence in seq order, each seq once, whatever order the rule found it in. */
	{
		size_t n = json_array_size(ev);
		uint64_t *sq = malloc((n ? n : 1) * sizeof(*sq));
		if (!sq || !(evc = json_array())) {
			free(sq);
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		}
		json_array_foreach(ev, i, v)
			sq[i] = (uint64_t)json_integer_value(v);
		qsort(sq, n, sizeof(*sq), u64cmp);
		for (i = 0; i < n; i++)
			if (i == 0 || sq[i] != sq[i - 1])
				json_array_append_new(evc, json_integer((json_int_t)sq[i]));
		free(sq);
	}
	/* json_pack's "o" takes evc, even when it fails. */
	if (!(*out = json_pack("{s:s, s:O, s:O, s:O, s:O, s:o}", "rule", rule, "severity", sv,
			       "weight", w, "message", msg, "remedy", rem, "evidence", evc)) ||
	    (items && json_object_set(*out, "items", items) != 0) ||
	    ((items || tot) && json_object_set_new(*out, "total", tot ? json_copy(tot)
				: json_integer((json_int_t)json_array_size(items))) != 0)) {
		json_decref(*out);
		*out = NULL;
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	return 0;
}

int sl_advisory_add(struct sl_advisory *a, const char *rule, const char *out, size_t len,
		    size_t *count, struct sl_error *err)
{
	json_t *mine = json_array(), *f, *v = NULL;
	struct sl_lines it;
	size_t i;
	int e = 0;

	if (!mine)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	sl_lines_init(&it, out, len);
	while (e == 0 && sl_lines_next(&it)) {
		json_error_t jerr;

		if (it.len == 0)
			continue;
		f = NULL;
		/* Any JSON value: a string or a real is then refused as a finding, by name. */
		if (!(f = json_loadb(it.line, it.len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &jerr)))
			e = bad(err, it.lineno, "", "not JSON");
		else if ((e = check_finding(a, rule, f, it.lineno, &v, err)) == 0)
			json_array_append_new(mine, v);
		json_decref(f);
	}
	if (e == 0) {
		json_array_foreach(mine, i, v)
			json_array_append(a->findings, v);
		if (count)
			*count = json_array_size(mine);
	}
	json_decref(mine);
	return e;
}

/* The scorer: the only place where points are counted. */
void sl_advisory_score(const struct sl_advisory *a, struct sl_score *s)
{
	json_t *f;
	size_t i;
	long points = 0, credits = 0, risk;

	json_array_foreach(a->findings, i, f) {
		json_int_t w = json_integer_value(json_object_get(f, "weight"));
		if (w > 0)
			points += (long)w;
		else
			credits += (long)w;
	}
	/* Each term is at most 100 in size, so these sums cannot overflow an int in practice. */
	if (points > INT_MAX / 2)
		points = INT_MAX / 2;
	if (credits < -(INT_MAX / 2))
		credits = -(INT_MAX / 2);
	risk = points + credits;
	if (risk < 0)
		risk = 0;
	if (risk > SL_RISK_MAX)
		risk = SL_RISK_MAX;
	s->points = (int)points;
	s->credits = (int)credits;
	s->risk = (int)risk;
	s->level = risk < SL_RISK_MEDIUM ? "low" : risk < SL_RISK_HIGH ? "medium" : "high";
}

static int findcmp(const void *x, const void *y)
{
	json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
	json_int_t wa = json_integer_value(json_object_get(a, "weight"));
	json_int_t wb = json_integer_value(json_object_get(b, "weight"));
	int c;

	if (wa != wb)
		return wa > wb ? -1 : 1;
	if ((c = strcmp(json_string_value(json_object_get(a, "rule")),
			json_string_value(json_object_get(b, "rule")))))
		return c;
	return strcmp(json_string_value(json_object_get(a, "message")),
		      json_string_value(json_object_get(b, "message")));
}

int sl_advisory_report(struct sl_advisory *a, const struct sl_rules *rs, const size_t *counts,
		       struct sl_buf *out, struct sl_score *s)
{
	json_t *rep = NULL, *sorted = NULL, *reasons = NULL, *rules = NULL, *score, *f;
	json_t **v = NULL;
	size_t i, n = json_array_size(a->findings);
	char *txt;
	char msg[96];
	int e = SL_ENOMEM;

	sl_advisory_score(a, s);
	if (!(v = calloc(n ? n : 1, sizeof(*v))) || !(sorted = json_array()) ||
	    !(reasons = json_array()) || !(rules = json_array()))
		goto out;
	json_array_foreach(a->findings, i, f)
		v[i] = f;
	qsort(v, n, sizeof(*v), findcmp);
	for (i = 0; i < n; i++)
		json_array_append(sorted, v[i]);
	if (!a->complete)
		json_array_append_new(reasons, json_string("the snapshot is not complete: take it with "
							   "sl-snapshot --complete"));
	if (a->plan.unordered) {
		snprintf(msg, sizeof(msg), "%zu %s", a->plan.unordered,
			 a->plan.unordered == 1 ? "mutation cannot be ordered" : "mutations cannot be ordered");
		json_array_append_new(reasons, json_string(msg));
	}
	if (a->plan.conflicts) {
		snprintf(msg, sizeof(msg), "%zu conflicting %s", a->plan.conflicts,
			 sl_plural(a->plan.conflicts, "mutation", "mutations"));
		json_array_append_new(reasons, json_string(msg));
	}
	if (a->complete && a->plan.gaps) {
		snprintf(msg, sizeof(msg), "%zu %s in the mutations", a->plan.gaps,
			 sl_plural(a->plan.gaps, "gap", "gaps"));
		json_array_append_new(reasons, json_string(msg));
	}
	for (i = 0; rs && i < rs->n; i++)
		json_array_append_new(rules, json_pack("{s:s, s:s, s:I}", "rule", rs->r[i].name, "path",
						       rs->r[i].path, "findings",
						       (json_int_t)(counts ? counts[i] : 0)));
	score = json_pack("{s:i, s:i, s:i, s:i, s:i}", "points", s->points, "credits", s->credits,
			  "cap", SL_RISK_MAX, "medium", SL_RISK_MEDIUM, "high", SL_RISK_HIGH);
	rep = json_pack("{s:s, s:O, s:O, s:b, s:i, s:s, s:b, s:O, s:o, s:O, s:O, s:O}", "type",
			"advisory", "at", json_object_get(a->input, "at"), "size",
			json_object_get(a->input, "size"), "complete", a->complete, "risk", s->risk,
			"level", s->level, "can_replay", json_array_size(reasons) == 0, "replay",
			reasons, "score", score, "findings", sorted, "rules", rules, "warnings",
			a->warnings);
	if (!rep || !(txt = json_dumps(rep, JSON_COMPACT)))
		goto out;
	sl_buf_addstr(out, txt);
	sl_buf_addch(out, '\n');
	free(txt);
	e = sl_buf_ok(out);
out:
	free(v);
	json_decref(rep);
	json_decref(sorted);
	json_decref(reasons);
	json_decref(rules);
	return e;
}
