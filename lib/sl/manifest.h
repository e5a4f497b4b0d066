// SPDX-License-Identifier: MIT
/*
 * Manifests: the JSON file that lists what `sl-manifest run` captures.
 *
 *   {
 *     "version": 1,
 *     "description": "optional text",
 *     "collectors": [
 *       {"name": "code", "type": "git", "dir": "."},
 *       {"name": "env", "type": "env", "variables": ["LANG", "CI_*"], "runtimes": ["python3"]},
 *       {"name": "nginx", "type": "config", "paths": ["/etc/nginx"], "recursive": true},
 *       {"name": "deps", "type": "command", "argv": ["./list-deps", "--ndjson"], "timeout": 30}
 *     ]
 *   }
 *
 * Members of a collector, by type (all optional unless marked):
 *   every type  name (default: the type; unique; letters, digits, ".", "_", "-"),
 *               timeout (seconds, 1..3600, default 60)
 *   git         dir (default "."), source
 *   env         variables, allow, runtimes (arrays of strings), image, digest, source
 *   config      paths (required, non-empty array), recursive, store (booleans), host
 *   command     argv (array of strings; run without a shell) or shell (a string run
 *               by /bin/sh -c): exactly one of them
 * Unknown members are problems, as in payloads: a typo never goes unnoticed.
 *
 * Parsing turns each collector into the argument vector that runs it, so
 * that `check`, `show` and `run` agree on what a manifest means.
 */
#ifndef SL_MANIFEST_H
#define SL_MANIFEST_H

#include <stddef.h>

#include "sl/buf.h"
#include "sl/err.h"

#define SL_MANIFEST_VERSION 1
#define SL_MANIFEST_TIMEOUT 60 /* seconds, when a collector gives none */
#define SL_MANIFEST_NAME_MAX 64

enum sl_collector_type {
	SL_COLLECT_GIT,
	SL_COLLECT_ENV,
	SL_COLLECT_CONFIG,
	SL_COLLECT_COMMAND,
};

struct sl_collector {
	char *name;                 /* unique within the manifest */
	enum sl_collector_type type;
	int timeout_s;
	/*
	 * NULL-terminated.  For git, env and config argv[0] is the program's
	 * name ("sl-capture-git"), for the caller to locate; for command it is
	 * the user's program (or "/bin/sh" for shell).
	 */
	char **argv;
	size_t argc;
};

struct sl_manifest {
	struct sl_collector *c;
	size_t n;
};

/* The name of a collector type ("git", "env", "config", "command"). */
const char *sl_collector_type_name(enum sl_collector_type t);

/*
 * Parse and check manifest text (len bytes).  Every problem found is
 * appended to `problems` as one line "collectors[1] (env).variables[0]:
 * must be a string\n", so that `check` can name them all at once.  Returns
 * 0 with m filled, or SL_EINVAL (m empty) when there was any problem, with
 * the first one in err; SL_ENOMEM.
 */
int sl_manifest_parse(struct sl_manifest *m, const char *text, size_t len,
		      struct sl_buf *problems, struct sl_error *err) SL_WUR;

/* Free what sl_manifest_parse() filled in; m is left empty. */
void sl_manifest_release(struct sl_manifest *m);

/* A starter manifest (what `sl-manifest init` writes), ending in a newline. */
extern const char sl_manifest_starter[];

#endif
