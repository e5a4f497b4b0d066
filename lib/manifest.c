// SPDX-License-Identifier: MIT
/*
 * Manifest parsing.  A manifest is checked completely before anything
 * runs, and every problem is reported, not just the first: a manifest is
 * edited by hand and a run is all-or-nothing, so the cheapest moment to
 * hear about a typo is `sl-manifest check`.
 */
#include "sl/manifest.h"
#include "sl/json.h"

const char sl_manifest_starter[] =
	"{\n"
	"  \"version\": 1,\n"
	"  \"description\": \"What runs here: its code, its environment and its configuration\",\n"
	"  \"collectors\": [\n"
	"    {\"name\": \"code\", \"type\": \"git\", \"dir\": \".\"},\n"
	"    {\"name\": \"env\", \"type\": \"env\", \"variables\": [\"LANG\", \"LC_*\", \"TZ\", \"PATH\"]},\n"
	"    {\"name\": \"config\", \"type\": \"config\", \"paths\": [\"/etc/os-release\"]}\n"
	"  ]\n"
	"}\n";

const char *sl_collector_type_name(enum sl_collector_type t)
{
	switch (t) {
	case SL_COLLECT_GIT: return "git";
	case SL_COLLECT_ENV: return "env";
	case SL_COLLECT_CONFIG: return "config";
	case SL_COLLECT_COMMAND: return "command";
	}
	return "?";
}

struct ctx {
	struct sl_buf *problems;
	struct sl_error *err;
	int count;
	int oom;
};

static void problem(struct ctx *c, const char *where, const char *fmt, ...) SL_PRINTF(3, 4);

static void problem(struct ctx *c, const char *where, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!c->count)
		sl_error_member(c->err, SL_EINVAL, where, "%s", msg);
	c->count++;
	if (c->problems) {
		if (*where)
			sl_buf_addf(c->problems, "%s: %s\n", where, msg);
		else
			sl_buf_addf(c->problems, "%s\n", msg);
	}
}

/* A whole string without NUL bytes, or NULL. */
static const char *str(const json_t *v)
{
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

struct argv {
	char **v;
	size_t n, alloc;
	int oom;
};

static void push(struct argv *a, const char *s)
{
	if (a->oom)
		return;
	if (a->n + 2 > a->alloc) {
		size_t na = a->alloc ? 2 * a->alloc : 16;
		char **nv = realloc(a->v, na * sizeof(*nv));
		if (!nv) {
			a->oom = 1;
			return;
		}
		a->v = nv;
		a->alloc = na;
	}
	if (!(a->v[a->n] = strdup(s))) {
		a->oom = 1;
		return;
	}
	a->v[++a->n] = NULL;
}

static void argv_free(struct argv *a)
{
	while (a->n)
		free(a->v[--a->n]);
	free(a->v);
	a->v = NULL;
	a->alloc = 0;
}

struct member {
	const char *name;
	enum { M_STR, M_STRS, M_BOOL, M_INT } kind;
	const char *option; /* the program's option it becomes, NULL when handled apart */
};

static const struct member git_members[] = {
	{ "dir", M_STR, "-C" }, { "source", M_STR, "--source" }, { NULL, 0, NULL },
};
static const struct member env_members[] = {
	{ "variables", M_STRS, "--var" }, { "allow", M_STRS, "--allow" },
	{ "runtimes", M_STRS, "--runtime" }, { "image", M_STR, "--image" },
	{ "digest", M_STR, "--digest" }, { "source", M_STR, "--source" }, { NULL, 0, NULL },
};
static const struct member config_members[] = {
	{ "paths", M_STRS, NULL }, { "recursive", M_BOOL, "-r" }, { "store", M_BOOL, "--store" },
	{ "host", M_STR, "--host" }, { NULL, 0, NULL },
};
static const struct member command_members[] = {
	{ "argv", M_STRS, NULL }, { "shell", M_STR, NULL }, { NULL, 0, NULL },
};

static const struct member *members_of(enum sl_collector_type t)
{
	switch (t) {
	case SL_COLLECT_GIT: return git_members;
	case SL_COLLECT_ENV: return env_members;
	case SL_COLLECT_CONFIG: return config_members;
	case SL_COLLECT_COMMAND: return command_members;
	}
	return NULL;
}

static int name_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 1 || n > SL_MANIFEST_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ((ch == '.' || ch == '_' || ch == '-') && i > 0)))
			return 0;
	}
	return 1;
}

/* Check one member's value against its kind; 1 when good. */
static int check_kind(struct ctx *c, const char *where, const struct member *m, const json_t *v)
{
	size_t i;

	switch (m->kind) {
	case M_STR:
		if (!str(v) || !*str(v)) {
			problem(c, where, "must be a non-empty string");
			return 0;
		}
		return 1;
	case M_BOOL:
		if (!json_is_boolean(v)) {
			problem(c, where, "must be true or false");
			return 0;
		}
		return 1;
	case M_INT:
		return 1;
	case M_STRS:
		if (!json_is_array(v)) {
			problem(c, where, "must be an array of strings");
			return 0;
		}
		for (i = 0; i < json_array_size(v); i++) {
			if (!str(json_array_get(v, i)) || !*str(json_array_get(v, i))) {
				problem(c, where, "[%zu] must be a non-empty string", i);
				return 0;
			}
		}
		return 1;
	}
	return 0;
}

static const char *allowed_list(const struct member *ms, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	len += (size_t)snprintf(buf, n, "name, type, timeout");
	for (; ms->name && len < n; ms++)
		len += (size_t)snprintf(buf + len, n - len, ", %s", ms->name);
	return buf;
}

/* Parse collectors[i]; on success fills col and returns 1. */
static int collector(struct ctx *c, size_t i, const json_t *o, struct sl_collector *col)
{
	static const char *const types[] = { "git", "env", "config", "command", NULL };
	char where[SL_ERR_MEMBER], at[SL_ERR_MEMBER + 80];
	const struct member *ms, *m;
	struct argv a = { 0 };
	const char *key, *name, *type;
	json_t *v;
	int ok = 1, t;

	snprintf(where, sizeof(where), "collectors[%zu]", i);
	if (!json_is_object(o)) {
		problem(c, where, "must be an object");
		return 0;
	}
	v = json_object_get(o, "name");
	name = v ? str(v) : NULL;
	if (v && (!name || !name_ok(name))) {
		problem(c, where, "name: must be 1 to %d letters, digits, '.', '_' or '-' "
			"(starting with a letter or digit)", SL_MANIFEST_NAME_MAX);
		ok = 0;
		name = NULL;
	}
	v = json_object_get(o, "type");
	type = v ? str(v) : NULL;
	for (t = 0; type && types[t] && strcmp(types[t], type); t++)
		;
	if (name)
		snprintf(where, sizeof(where), "collectors[%zu] (%s)", i, name);
	if (!v) {
		problem(c, where, "type: required (git, env, config or command)");
		return 0;
	}
	if (!type || !types[t]) {
		problem(c, where, "type: unknown collector type (want git, env, config or command)");
		return 0;
	}
	col->type = (enum sl_collector_type)t;
	if (!name)
		name = type;
	if (!(col->name = strdup(name))) {
		c->oom = 1;
		return 0;
	}
	col->timeout_s = SL_MANIFEST_TIMEOUT;
	if ((v = json_object_get(o, "timeout"))) {
		json_int_t s = json_is_integer(v) ? json_integer_value(v) : 0;
		if (s < 1 || s > 3600) {
			snprintf(at, sizeof(at), "%s.timeout", where);
			problem(c, at, "must be a whole number of seconds from 1 to 3600");
			ok = 0;
		} else {
			col->timeout_s = (int)s;
		}
	}
	ms = members_of(col->type);
	json_object_foreach((json_t *)o, key, v) {
		if (!strcmp(key, "name") || !strcmp(key, "type") || !strcmp(key, "timeout"))
			continue;
		snprintf(at, sizeof(at), "%s.%.64s", where, key);
		for (m = ms; m->name && strcmp(m->name, key); m++)
			;
		if (!m->name) {
			char list[256];
			problem(c, at, "unknown member for type %s (known: %s)", type,
				allowed_list(ms, list, sizeof(list)));
			ok = 0;
			continue;
		}
		if (!check_kind(c, at, m, v))
			ok = 0;
	}
	switch (col->type) {
	case SL_COLLECT_GIT:
		push(&a, "sl-capture-git");
		push(&a, "-C");
		push(&a, (v = json_object_get(o, "dir")) && str(v) ? str(v) : ".");
		break;
	case SL_COLLECT_ENV:
		push(&a, "sl-capture-env");
		break;
	case SL_COLLECT_CONFIG:
		push(&a, "sl-capture-config");
		v = json_object_get(o, "paths");
		if (!v) {
			snprintf(at, sizeof(at), "%s.paths", where);
			problem(c, at, "required (the files and directories to capture)");
			ok = 0;
		} else if (json_is_array(v) && !json_array_size(v)) {
			snprintf(at, sizeof(at), "%s.paths", where);
			problem(c, at, "must name at least one file or directory");
			ok = 0;
		}
		break;
	case SL_COLLECT_COMMAND: {
		json_t *av = json_object_get(o, "argv"), *sh = json_object_get(o, "shell");
		snprintf(at, sizeof(at), "%s", where);
		if (!av == !sh) {
			problem(c, at, "wants exactly one of argv (a program and its arguments) "
				"and shell (a command for /bin/sh)");
			ok = 0;
		} else if (av && json_is_array(av) && !json_array_size(av)) {
			snprintf(at, sizeof(at), "%s.argv", where);
			problem(c, at, "must name a program");
			ok = 0;
		} else if (ok && av) {
			size_t k;
			for (k = 0; k < json_array_size(av); k++)
				push(&a, str(json_array_get(av, k)));
		} else if (ok && sh) {
			push(&a, "/bin/sh");
			push(&a, "-c");
			push(&a, str(sh));
		}
		break;
	}
	}
	/* The options, in the order of the member table, so argv is stable. */
	for (m = ms; ok && m->name; m++) {
		size_t k;

		if (!m->option || !strcmp(m->option, "-C") || !(v = json_object_get(o, m->name)))
			continue;
		if (m->kind == M_BOOL) {
			if (json_is_true(v))
				push(&a, m->option);
		} else if (m->kind == M_STR) {
			push(&a, m->option);
			push(&a, str(v));
		} else {
			for (k = 0; k < json_array_size(v); k++) {
				push(&a, m->option);
				push(&a, str(json_array_get(v, k)));
			}
		}
	}
	if (ok && col->type == SL_COLLECT_CONFIG) {
		size_t k;
		v = json_object_get(o, "paths");
		push(&a, "--");
		for (k = 0; k < json_array_size(v); k++)
			push(&a, str(json_array_get(v, k)));
	}
	if (a.oom)
		c->oom = 1;
	if (!ok || a.oom) {
		argv_free(&a);
		return 0;
	}
	col->argv = a.v;
	col->argc = a.n;
	return 1;
}

void sl_manifest_release(struct sl_manifest *m)
{
	size_t i, k;

	for (i = 0; i < m->n; i++) {
		free(m->c[i].name);
		for (k = 0; m->c[i].argv && m->c[i].argv[k]; k++)
			free(m->c[i].argv[k]);
		free(m->c[i].argv);
	}
	free(m->c);
	m->c = NULL;
	m->n = 0;
}

int sl_manifest_parse(struct sl_manifest *m, const char *text, size_t len,
		      struct sl_buf *problems, struct sl_error *err)
{
	struct ctx c = { problems, err, 0, 0 };
	json_t *root = NULL, *v, *cols;
	const char *key;
	size_t i, n;

	m->c = NULL;
	m->n = 0;
	if (sl_json_parse(text, len, &root, err) < 0) {
		char msg[SL_ERR_MSG];
		snprintf(msg, sizeof(msg), "%s", err && err->msg[0] ? err->msg : "not JSON");
		c.count = 0;
		problem(&c, "", "%s", msg);
		return SL_EINVAL;
	}
	if (!json_is_object(root)) {
		problem(&c, "", "a manifest must be a JSON object");
		goto out;
	}
	json_object_foreach(root, key, v) {
		if (strcmp(key, "version") && strcmp(key, "description") && strcmp(key, "collectors"))
			problem(&c, key, "unknown member (known: version, description, collectors)");
	}
	v = json_object_get(root, "version");
	if (!v)
		problem(&c, "version", "required (1)");
	else if (!json_is_integer(v) || json_integer_value(v) != SL_MANIFEST_VERSION)
		problem(&c, "version", "must be %d (the only manifest format there is)",
			SL_MANIFEST_VERSION);
	if ((v = json_object_get(root, "description")) && !str(v))
		problem(&c, "description", "must be a string");
	cols = json_object_get(root, "collectors");
	if (!cols) {
		problem(&c, "collectors", "required (an array of collectors)");
		goto out;
	}
	if (!json_is_array(cols) || !json_array_size(cols)) {
		problem(&c, "collectors", "must be an array of at least one collector");
		goto out;
	}
	n = json_array_size(cols);
	if (!(m->c = calloc(n, sizeof(*m->c)))) {
		c.oom = 1;
		goto out;
	}
	for (i = 0; i < n && !c.oom; i++) {
		struct sl_collector col = { 0 };
		size_t k;

		if (!collector(&c, i, json_array_get(cols, i), &col)) {
			free(col.name);
			continue;
		}
		for (k = 0; k < m->n; k++) {
			if (!strcmp(m->c[k].name, col.name)) {
				char where[SL_ERR_MEMBER];
				snprintf(where, sizeof(where), "collectors[%zu] (%s)", i, col.name);
				problem(&c, where, "name: '%s' is already the name of an earlier collector "
					"(give each its own name)", col.name);
				break;
			}
		}
		m->c[m->n++] = col;
	}
out:
	json_decref(root);
	if (c.oom || (problems && sl_buf_ok(problems))) {
		sl_manifest_release(m);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	if (c.count) {
		sl_manifest_release(m);
		return SL_EINVAL;
	}
	return 0;
}
