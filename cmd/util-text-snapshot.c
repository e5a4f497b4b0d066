// SPDX-License-Identifier: MIT
/* sl-snapshot -o text: what was running at T, on one screen, grouped by type. */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "util-text.h"

struct item {
	json_t *it, *e, *p;
	const char *type, *source;
};

static int item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c = strcmp(x->type, y->type);

	return c ? c : strcmp(x->source, y->source);
}

static const char *str(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

static const char *ts_of(const struct item *x)
{
	return sl_text_time(json_string_value(json_object_get(x->e, "ts")));
}

/* A group's heading and column names, when the group has rows. */
static void group(const char *title, size_t n, const char *const *cols)
{
	sl_table_end();
	sl_table_line(SL_C_NONE, "%s", "");
	sl_table_line(SL_C_BOLD, "%s (%zu)", title, n);
	sl_table_header(SL_C_DIM, cols);
}

void sl_text_snapshot(const json_t *s)
{
	static const char *const code_cols[] = { "REPOSITORY", "COMMIT", "TAG/BRANCH", "DIRTY", "SEQ", "RECORDED", NULL };
	static const char *const conf_cols[] = { "PATH", "HOST", "DIGEST", "STORED", "SEQ", "RECORDED", NULL };
	static const char *const env_cols[] = { "HOST", "OS", "KERNEL", "ARCH", "SEQ", "RECORDED", NULL };
	static const char *const mut_cols[] = { "NAMESPACE", "POSITION", "ID", "SEQ", "APPLIED", NULL };
	static const char *const other_cols[] = { "TYPE", "SOURCE", "WHAT", "SEQ", "RECORDED", NULL };
	struct sl_buf b = SL_BUF_INIT, b2 = SL_BUF_INIT;
	json_t *entries = json_object_get(s, "entries"), *muts = json_object_get(s, "mutations");
	json_t *cp = json_object_get(s, "checkpoint"), *w, *v;
	struct item *items;
	size_t n = json_array_size(entries), i, j, k;
	char h[13];

	sl_table_line(SL_C_BOLD, "at %s", sl_text_time(json_string_value(json_object_get(s, "at"))));
	sl_table_line(SL_C_NONE, "tree size %s, root %s%s",
		      sl_text_value(json_object_get(s, "size"), &b),
		      sl_text_short(json_string_value(json_object_get(s, "root")), h),
		      json_is_true(json_object_get(s, "complete")) ? ", complete" : "");
	if (json_is_object(cp)) {
		const char *note = str(cp, "note");
		const char *nl = strchr(note, '\n');

		sl_table_line(SL_C_GREEN, "checkpoint of size %s (origin %.*s), consistent with this size",
			      sl_text_value(json_object_get(json_object_get(cp, "consistency"), "to"), &b),
			      nl ? (int)(nl - note) : 0, note);
	} else {
		sl_table_line(SL_C_YELLOW, "no checkpoint covers this size yet");
	}
	json_array_foreach(json_object_get(s, "warnings"), i, w)
		sl_table_line(SL_C_YELLOW, "warning: %s", sl_text_value(w, &b));
	if (!(items = calloc(n ? n : 1, sizeof(*items))))
		sl_die(SL_EXIT_TEMP, "out of memory");
	json_array_foreach(entries, i, v) {
		items[i].it = v;
		items[i].e = sl_text_entry_of(v);
		items[i].p = json_object_get(items[i].e, "payload");
		items[i].type = str(v, "type");
		items[i].source = str(v, "source");
	}
	qsort(items, n, sizeof(*items), item_cmp);
	for (i = 0; i < n; i = j) {
		const char *t = items[i].type;

		for (j = i; j < n && !strcmp(items[j].type, t); j++)
			;
		if (!strcmp(t, "code"))
			group("code: each repository's commit", j - i, code_cols);
		else if (!strcmp(t, "config"))
			group("config: each file's digest", j - i, conf_cols);
		else if (!strcmp(t, "environment"))
			group("environment: each host", j - i, env_cols);
		else if (!strcmp(t, "mutation"))
			continue; /* shown per namespace below */
		else
			group(t, j - i, other_cols);
		for (k = i; k < j; k++) {
			const struct item *x = &items[k];
			const json_t *p = x->p;

			sl_table_row();
			if (!strcmp(t, "code")) {
				const json_t *tags = json_object_get(p, "tags");
				size_t ti;

				sl_buf_reset(&b2);
				for (ti = 0; ti < json_array_size(tags); ti++)
					sl_buf_addf(&b2, "%s%s", ti ? "," : "",
						    sl_text_value(json_array_get(tags, ti), &b));
				if (json_is_string(json_object_get(p, "branch")))
					sl_buf_addf(&b2, "%s(%s)", b2.len ? " " : "", str(p, "branch"));
				sl_table_cell(SL_C_NONE, "%s", str(p, "repo"));
				sl_table_cell(SL_C_YELLOW, "%s", sl_text_short(str(p, "commit"), h));
				sl_table_cell(SL_C_CYAN, "%s", b2.len ? b2.buf : "-");
				if (json_is_true(json_object_get(p, "dirty")))
					sl_table_cell(SL_C_RED, "dirty");
				else
					sl_table_cell(SL_C_NONE, "%s", json_is_false(json_object_get(p, "dirty")) ? "clean" : "-");
			} else if (!strcmp(t, "config")) {
				int priv = json_is_true(json_object_get(p, "private"));

				sl_table_cell(SL_C_NONE, "%s", str(p, "path"));
				sl_table_cell(SL_C_NONE, "%s", str(p, "host"));
				sl_table_cell(SL_C_YELLOW, "%s %s", priv ? "hmac" : "sha256",
					      sl_text_short(str(p, priv ? "hmac_sha256" : "sha256"), h));
				sl_table_cell(SL_C_NONE, "%s", json_is_true(json_object_get(p, "stored")) ?
					      "stored" : "not stored");
			} else if (!strcmp(t, "environment")) {
				const char *host = json_string_value(json_object_get(p, "hostname"));

				sl_table_cell(SL_C_NONE, "%s", host ? host : x->source);
				sl_table_cell(SL_C_NONE, "%s", str(p, "os"));
				sl_table_cell(SL_C_NONE, "%s", str(p, "kernel"));
				sl_table_cell(SL_C_NONE, "%s", str(p, "arch"));
			} else {
				sl_text_summary(t, p, &b2);
				sl_table_cell(SL_C_CYAN, "%s", t);
				sl_table_cell(SL_C_NONE, "%s", x->source);
				sl_table_cell(SL_C_YELLOW, "%s", b2.buf);
			}
			sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(x->it, "seq"), &b));
			sl_table_cell(SL_C_DIM, "%s", ts_of(x));
		}
	}
	if (json_array_size(muts)) {
		struct item *m = calloc(json_array_size(muts), sizeof(*m));

		if (!m)
			sl_die(SL_EXIT_TEMP, "out of memory");
		json_array_foreach(muts, i, v) {
			m[i].it = v;
			m[i].e = sl_text_entry_of(v);
			m[i].type = "mutation";
			m[i].source = str(v, "namespace");
		}
		qsort(m, json_array_size(muts), sizeof(*m), item_cmp);
		group("mutation: each namespace's head", json_array_size(muts), mut_cols);
		for (i = 0; i < json_array_size(muts); i++) {
			sl_table_row();
			sl_table_cell(SL_C_NONE, "%s", m[i].source);
			sl_table_cell(SL_C_YELLOW, "%s", sl_text_value(json_object_get(m[i].it, "position"), &b));
			sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(m[i].it, "id"), &b));
			sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(m[i].it, "seq"), &b));
			sl_table_cell(SL_C_DIM, "%s", ts_of(&m[i]));
			json_decref(m[i].e);
		}
		free(m);
	}
	if (!n && !json_array_size(muts)) {
		sl_table_line(SL_C_NONE, "%s", "");
		sl_table_line(SL_C_DIM, "(nothing recorded at that time)");
	}
	sl_table_end();
	for (i = 0; i < n; i++)
		json_decref(items[i].e);
	free(items);
	sl_buf_release(&b);
	sl_buf_release(&b2);
}
