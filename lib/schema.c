// SPDX-License-Identifier: MIT
/*
 * Payload schemas (DESIGN.md section 3).  Each type is a table of members
 * with a kind; a payload is valid when every required member is present,
 * every member is known, and each has the right kind.  Messages name the
 * member ("payload.commit: not a full object id").
 */
#include <stdio.h>
#include <string.h>

#include "sl/entry.h"
#include "sl/json.h"
#include "sl/time.h"

enum kind {
	K_STR,       /* any string */
	K_NESTR,     /* non-empty string without control characters */
	K_SHA256,    /* 64 lowercase hex digits */
	K_OID,       /* full git object id: 40 or 64 lowercase hex digits */
	K_BOOL,
	K_UINT,      /* integer >= 0 */
	K_POSINT,    /* integer >= 1 */
	K_MODE,      /* integer 0..07777 */
	K_TIME,      /* RFC 3339 time */
	K_STRARR,    /* array of non-empty strings */
	K_CHANGES,   /* array of {path, status[, old_path]} */
	K_LOCKS,     /* array of {path, sha256} */
	K_ARTS,      /* array of {name, sha256} */
	K_STRMAP,    /* object of string -> string */
	K_CONTAINER, /* {image[, digest]} */
	K_POSITION,  /* integer >= 0 or PostgreSQL LSN "X/Y" */
	K_NAMESPACE, /* "kind/a/b": at least two non-empty segments */
	K_REPO,      /* URL or path without user:password */
	K_UMASK,     /* "0022": 3 or 4 octal digits */
	K_DIGEST,    /* "sha256:<64 hex>" */
	K_EPOCH,     /* SOURCE_DATE_EPOCH: integer >= 0 */
};

struct field {
	const char *name;
	enum kind kind;
	int required;
};

static const struct field code_fields[] = {
	{ "repo", K_REPO, 1 },        { "commit", K_OID, 1 },    { "tree", K_OID, 0 },
	{ "branch", K_NESTR, 0 },     { "tags", K_STRARR, 0 },   { "dirty", K_BOOL, 0 },
	{ "changes", K_CHANGES, 0 },  { "lockfiles", K_LOCKS, 0 }, { "artifacts", K_ARTS, 0 },
	{ "captured_at", K_TIME, 0 }, { "path", K_NESTR, 0 },    { "detached", K_BOOL, 0 },
	{ "changes_omitted", K_UINT, 0 }, /* changes left out to keep the entry under 64 KiB */
	{ NULL, 0, 0 },
};

/* sha256, or for a file not readable by others hmac_sha256 with private and hmac_key: config_digest(). */
static const struct field config_fields[] = {
	{ "path", K_NESTR, 1 },       { "sha256", K_SHA256, 0 }, { "size", K_UINT, 0 },
	{ "mode", K_MODE, 0 },        { "stored", K_BOOL, 0 },   { "host", K_NESTR, 0 },
	{ "captured_at", K_TIME, 0 }, { "hmac_sha256", K_SHA256, 0 }, { "private", K_BOOL, 0 },
	{ "hmac_key", K_NESTR, 0 },   { NULL, 0, 0 },
};

static const struct field env_fields[] = {
	{ "os", K_NESTR, 1 },          { "arch", K_NESTR, 1 },           { "kernel", K_NESTR, 1 },
	{ "hostname", K_NESTR, 0 },    { "libc", K_STR, 0 },             { "runtimes", K_STRMAP, 0 },
	{ "container", K_CONTAINER, 0 }, { "tz", K_STR, 0 },             { "locale", K_STR, 0 },
	{ "umask", K_UMASK, 0 },       { "nproc", K_POSINT, 0 },         { "time_source", K_NESTR, 0 },
	{ "source_date_epoch", K_EPOCH, 0 }, { "variables", K_STRMAP, 0 }, { "captured_at", K_TIME, 0 },
	{ NULL, 0, 0 },
};

static const struct field mutation_fields[] = {
	{ "namespace", K_NAMESPACE, 1 }, { "position", K_POSITION, 1 }, { "id", K_NESTR, 1 },
	{ "sha256", K_SHA256, 1 },       { "kind", K_NESTR, 0 },        { "config_sha256", K_SHA256, 0 },
	{ "stored", K_BOOL, 0 },         { "captured_at", K_TIME, 0 },  { NULL, 0, 0 },
};

/* C0 controls, DEL, and the C1 controls U+0080..U+009F (UTF-8 C2 80..C2 9F). */
static int has_ctl(const char *s, size_t len)
{
	size_t i;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return 1;
		if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f)
			return 1;
	}
	return 0;
}

int sl_source_valid(const char *s, size_t len)
{
	return len >= 1 && len <= SL_SOURCE_MAX && !has_ctl(s, len) && sl_utf8_valid(s, len);
}

int sl_type_valid(const char *t)
{
	size_t i, n;

	if (!strcmp(t, "code") || !strcmp(t, "config") || !strcmp(t, "environment") ||
	    !strcmp(t, "mutation"))
		return 1;
	if (strncmp(t, "x-", 2) != 0)
		return 0;
	n = strlen(t + 2);
	if (n < 1 || n > 62 || !((t[2] >= 'a' && t[2] <= 'z') || (t[2] >= '0' && t[2] <= '9')))
		return 0;
	for (i = 2; t[i]; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '-' ||
		      t[i] == '_' || t[i] == '.'))
			return 0;
	return 1;
}

struct ctx {
	struct sl_error *err;
};

/* The member path, kept on the stack and formatted only for a message. */
struct frame {
	const struct frame *up;
	const char *key; /* NULL for an array element */
	size_t idx;
};

static size_t fmt_path(char *dst, size_t n, const struct frame *f)
{
	size_t len;
	int k;

	if (!f) {
		k = snprintf(dst, n, "payload");
		return k < 0 ? 0 : (size_t)k;
	}
	len = fmt_path(dst, n, f->up);
	if (f->key)
		k = snprintf(dst + len, n - len, ".%.64s", f->key);
	else
		k = snprintf(dst + len, n - len, "[%zu]", f->idx);
	if (k < 0)
		return len;
	return len + (size_t)k >= n ? n - 1 : len + (size_t)k;
}

static int bad(struct ctx *c, const struct frame *f, const char *msg)
{
	char path[SL_ERR_MEMBER];

	fmt_path(path, sizeof(path), f);
	return sl_error_member(c->err, SL_EINVAL, path, "%s", msg);
}

static const char *kind_name(enum kind k)
{
	switch (k) {
	case K_BOOL: return "true or false";
	case K_UINT: case K_EPOCH: return "an integer >= 0";
	case K_POSINT: return "an integer >= 1";
	case K_MODE: return "an integer file mode (0 to 4095)";
	case K_STRARR: return "an array of strings";
	case K_CHANGES: case K_LOCKS: case K_ARTS: return "an array of objects";
	case K_STRMAP: return "an object of strings";
	case K_CONTAINER: return "an object";
	case K_POSITION: return "an integer >= 0 or an LSN such as \"16/B374D848\"";
	default: return "a string";
	}
}

static int is_lsn(const char *s)
{
	const char *p = s;
	int n = 0;

	for (; (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F') || (*p >= 'a' && *p <= 'f'); p++)
		n++;
	if (n < 1 || n > 8 || *p != '/')
		return 0;
	for (n = 0, p++; (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F') || (*p >= 'a' && *p <= 'f'); p++)
		n++;
	return n >= 1 && n <= 8 && *p == '\0';
}

static int check_object_of(struct ctx *c, const struct frame *f, const json_t *v,
			   const struct field *fields);

static const struct field change_fields[] = {
	{ "path", K_NESTR, 1 }, { "status", K_NESTR, 1 }, { "old_path", K_NESTR, 0 }, { NULL, 0, 0 },
};
static const struct field lock_fields[] = {
	{ "path", K_NESTR, 1 }, { "sha256", K_SHA256, 1 }, { NULL, 0, 0 },
};
static const struct field art_fields[] = {
	{ "name", K_NESTR, 1 }, { "sha256", K_SHA256, 1 }, { NULL, 0, 0 },
};
static const struct field container_fields[] = {
	{ "image", K_NESTR, 0 }, { "digest", K_DIGEST, 0 }, { "runtime", K_NESTR, 0 }, { NULL, 0, 0 },
};

static const char *const change_status[] = {
	"modified", "added", "deleted", "untracked", "renamed", "typechange", "conflicted", NULL,
};

static int check(struct ctx *c, const struct frame *f, const json_t *v, enum kind k)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	size_t len = s ? json_string_length(v) : 0;
	json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
	char msg[160];

	switch (k) {
	case K_STR:
		if (!s)
			goto type;
		return 0;
	case K_NESTR:
		if (!s)
			goto type;
		if (!len)
			return bad(c, f, "must not be empty");
		if (has_ctl(s, len))
			return bad(c, f, "must not contain control characters");
		return 0;
	case K_SHA256:
		if (!s)
			goto type;
		if (!sl_is_lowerhex(s, len, 32))
			return bad(c, f, "not a SHA-256 digest (64 lowercase hex digits)");
		return 0;
	case K_OID:
		if (!s)
			goto type;
		if (!sl_is_lowerhex(s, len, 20) && !sl_is_lowerhex(s, len, 32))
			return bad(c, f, "not a full object id (40 or 64 lowercase hex digits)");
		return 0;
	case K_DIGEST:
		if (!s)
			goto type;
		if (len != 71 || strncmp(s, "sha256:", 7) || !sl_is_lowerhex(s + 7, 64, 32))
			return bad(c, f, "not an image digest (sha256:<64 hex digits>)");
		return 0;
	case K_BOOL:
		if (!json_is_boolean(v))
			goto type;
		return 0;
	case K_UINT:
	case K_EPOCH:
		if (!json_is_integer(v) || n < 0)
			goto type;
		return 0;
	case K_POSINT:
		if (!json_is_integer(v) || n < 1)
			goto type;
		return 0;
	case K_MODE:
		if (!json_is_integer(v) || n < 0 || n > 07777)
			goto type;
		return 0;
	case K_UMASK:
		if (!s)
			goto type;
		if ((len != 3 && len != 4) || strspn(s, "01234567") != len)
			return bad(c, f, "not a umask (3 or 4 octal digits such as \"0022\")");
		return 0;
	case K_TIME: {
		int64_t t;
		if (!s)
			goto type;
		if (len != strlen(s) || sl_time_parse(s, &t, NULL) || s[0] == '@' || !strcmp(s, "now"))
			return bad(c, f, "not an RFC 3339 time");
		return 0;
	}
	case K_REPO: {
		const char *at, *scheme;
		if (!s)
			goto type;
		if (!len || has_ctl(s, len))
			return bad(c, f, "must be a non-empty URL or path");
		/* A credential in a URL's authority: scheme://user:secret@host. */
		scheme = strstr(s, "://");
		at = scheme ? strchr(scheme + 3, '@') : NULL;
		if (at) {
			const char *slash = strchr(scheme + 3, '/');
			const char *colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
			if ((!slash || at < slash) && colon)
				return bad(c, f, "holds a password (remove user:password from the URL)");
		}
		return 0;
	}
	case K_NAMESPACE: {
		const char *p;
		size_t seg = 0, segs = 0;
		if (!s)
			goto type;
		if (!len)
			return bad(c, f, "must not be empty");
		if (has_ctl(s, len))
			return bad(c, f, "must not contain control characters");
		for (p = s; ; p++) {
			if (*p == '/' || *p == '\0') {
				if (!seg)
					return bad(c, f, "not a namespace (non-empty segments such as "
						      "kafka/CLUSTER/TOPIC/PARTITION)");
				segs++;
				seg = 0;
				if (!*p)
					break;
			} else {
				seg++;
			}
		}
		if (segs < 2)
			return bad(c, f, "not a namespace (at least two segments such as pg/SERVER/SLOT)");
		return 0;
	}
	case K_POSITION:
		if (json_is_integer(v) && n >= 0)
			return 0;
		if (s && is_lsn(s))
			return 0;
		goto type;
	case K_STRARR: {
		size_t i;
		if (!json_is_array(v))
			goto type;
		for (i = 0; i < json_array_size(v); i++) {
			struct frame fr = { f, NULL, i };
			int e = check(c, &fr, json_array_get(v, i), K_NESTR);
			if (e)
				return e;
		}
		return 0;
	}
	case K_CHANGES:
	case K_LOCKS:
	case K_ARTS: {
		const struct field *fl = k == K_CHANGES ? change_fields : k == K_LOCKS ? lock_fields : art_fields;
		size_t i;
		if (!json_is_array(v))
			goto type;
		for (i = 0; i < json_array_size(v); i++) {
			struct frame fr = { f, NULL, i };
			const json_t *o = json_array_get(v, i);
			int e = check_object_of(c, &fr, o, fl);
			if (e)
				return e;
			if (k == K_CHANGES) {
				const char *st = json_string_value(json_object_get(o, "status"));
				const char *const *p;
				for (p = change_status; *p && strcmp(*p, st); p++)
					;
				if (!*p) {
					struct frame st_fr = { &fr, "status", 0 };
					return bad(c, &st_fr, "unknown status (modified, added, deleted, "
						      "untracked, renamed, typechange, conflicted)");
				}
			}
		}
		return 0;
	}
	case K_STRMAP: {
		const char *key;
		json_t *val;
		if (!json_is_object(v))
			goto type;
		json_object_foreach((json_t *)v, key, val) {
			struct frame fr = { f, key, 0 };
			if (!json_is_string(val))
				return bad(c, &fr, "must be a string");
		}
		return 0;
	}
	case K_CONTAINER:
		return check_object_of(c, f, v, container_fields);
	}
type:
	snprintf(msg, sizeof(msg), "must be %s", kind_name(k));
	return bad(c, f, msg);
}

static int check_object_of(struct ctx *c, const struct frame *up, const json_t *v,
			   const struct field *fields)
{
	const struct field *f;
	const char *key;
	json_t *val;
	int e;

	if (!json_is_object(v))
		return bad(c, up, "must be an object");
	for (f = fields; f->name; f++) {
		if (f->required && !json_object_get(v, f->name)) {
			struct frame fr = { up, f->name, 0 };
			return bad(c, &fr, "required");
		}
	}
	json_object_foreach((json_t *)v, key, val) {
		struct frame fr = { up, key, 0 };
		for (f = fields; f->name && strcmp(f->name, key); f++)
			;
		if (!f->name)
			return bad(c, &fr, "unknown member");
		if ((e = check(c, &fr, val, f->kind)) != 0)
			return e;
	}
	return 0;
}

/*
 * A config payload has exactly one digest: sha256, or hmac_sha256 (keyed,
 * so that a guess at a private file's content cannot be checked), which
 * comes with private: true and the hmac_key that made it.
 */
static int config_digest(struct ctx *c, const json_t *p)
{
	const json_t *sha = json_object_get(p, "sha256"), *hm = json_object_get(p, "hmac_sha256");
	const json_t *priv = json_object_get(p, "private"), *key = json_object_get(p, "hmac_key");
	struct frame f_sha = { NULL, "sha256", 0 }, f_hm = { NULL, "hmac_sha256", 0 };
	struct frame f_priv = { NULL, "private", 0 }, f_key = { NULL, "hmac_key", 0 };

	if (sha && hm)
		return bad(c, &f_hm, "not with sha256 (one digest: sha256, or hmac_sha256 for a "
			   "file not readable by others)");
	if (!sha && !hm)
		return bad(c, &f_sha, "required (or hmac_sha256 with private: true)");
	if (hm && !json_is_true(priv))
		return bad(c, &f_priv, "must be true with hmac_sha256");
	if (hm && !key)
		return bad(c, &f_key, "required with hmac_sha256 (the key's id)");
	if (sha && json_is_true(priv))
		return bad(c, &f_priv, "true needs hmac_sha256 instead of sha256 (a plain digest of "
			   "a private file can be guessed)");
	if (sha && key)
		return bad(c, &f_key, "only with hmac_sha256");
	return 0;
}

int sl_payload_validate(const char *type, const json_t *payload, struct sl_error *err)
{
	struct ctx c = { err };
	const struct field *f;

	if (!json_is_object(payload))
		return bad(&c, NULL, "must be an object");
	if (!strcmp(type, "code"))
		f = code_fields;
	else if (!strcmp(type, "config")) {
		int e = check_object_of(&c, NULL, payload, config_fields);
		return e ? e : config_digest(&c, payload);
	}
	else if (!strcmp(type, "environment"))
		f = env_fields;
	else if (!strcmp(type, "mutation"))
		f = mutation_fields;
	else if (sl_type_valid(type))
		return 0; /* x-NAME: any object; numbers and strings are checked by the writer */
	else
		return sl_error_member(err, SL_EINVAL, "type", "unknown type '%.64s'", type);
	return check_object_of(&c, NULL, payload, f);
}

int sl_entry_validate(const json_t *sub, struct sl_error *err)
{
	const char *key, *type, *source;
	json_t *val;

	if (!json_is_object(sub))
		return sl_error_member(err, SL_EINVAL, "", "an entry must be a JSON object");
	json_object_foreach((json_t *)sub, key, val) {
		if (!strcmp(key, "seq") || !strcmp(key, "ts"))
			return sl_error_member(err, SL_EINVAL, key, "assigned by the ledger, not by the caller");
		if (strcmp(key, "type") && strcmp(key, "source") && strcmp(key, "payload"))
			return sl_error_member(err, SL_EINVAL, key, "unknown member (want type, source, payload)");
	}
	val = json_object_get(sub, "type");
	if (!val)
		return sl_error_member(err, SL_EINVAL, "type", "required");
	if (!json_is_string(val))
		return sl_error_member(err, SL_EINVAL, "type", "must be a string");
	type = json_string_value(val);
	if (strlen(type) != json_string_length(val) || !sl_type_valid(type))
		return sl_error_member(err, SL_EINVAL, "type",
				       "unknown type '%.64s' (want code, config, environment, mutation or x-NAME)",
				       type);
	val = json_object_get(sub, "source");
	if (!val)
		return sl_error_member(err, SL_EINVAL, "source", "required");
	if (!json_is_string(val))
		return sl_error_member(err, SL_EINVAL, "source", "must be a string");
	source = json_string_value(val);
	if (!sl_source_valid(source, json_string_length(val)))
		return sl_error_member(err, SL_EINVAL, "source",
				       "must be 1 to 256 bytes without control characters");
	val = json_object_get(sub, "payload");
	if (!val)
		return sl_error_member(err, SL_EINVAL, "payload", "required");
	return sl_payload_validate(type, val, err);
}
