// SPDX-License-Identifier: MIT
/*
 * Capturing the environment a program runs in: the payload of an
 * `environment` entry (DESIGN.md section 3), for sl-capture-env.
 *
 * Only the variables asked for are recorded, each through sl_secret_var()
 * unless allowed by name: a secret-looking name gives "<redacted:name>",
 * and secrets found in other values are replaced by their markers
 * (sl/secret.h).  The parsers are exposed for the unit tests.
 */
#ifndef SL_CAPTURE_ENV_H
#define SL_CAPTURE_ENV_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"

/* The value of runtimes.NAME for a --runtime program that is not installed. */
#define SL_RUNTIME_NOT_FOUND "<not found>"

struct sl_env_opts {
	const char *const *vars;     /* names or fnmatch(3) globs of variables to record */
	size_t nvars;
	const char *const *allow;    /* names or globs recorded as they are, even if secret-looking */
	size_t nallow;
	/*
	 * Programs whose `--version` to record.  One that is not installed
	 * (not found) is recorded as SL_RUNTIME_NOT_FOUND instead of a version.
	 */
	const char *const *runtimes;
	size_t nruntimes;
	int runtime_timeout_ms;      /* per program; 0 means 2000 */
	const char *image;           /* container image, or NULL */
	const char *digest;          /* container image digest "sha256:<hex>", or NULL */
	const char *root;            /* prefix for the files read (tests); NULL for "/" */
};

/*
 * Build the payload: os, arch, kernel, hostname, libc, runtimes,
 * container, tz, locale, umask, nproc, time_source, source_date_epoch,
 * variables and captured_at.  On success *payload is a new reference.
 * SL_EINVAL for a bad SOURCE_DATE_EPOCH or digest, or a runtime that
 * cannot be run or says nothing (the message names it); SL_EIO when a
 * runtime times out or the system fails; SL_ENOMEM.
 */
int sl_capture_env(const struct sl_env_opts *o, json_t **payload, struct sl_error *err) SL_WUR;

/*
 * The operating system's name from os-release(5) text: PRETTY_NAME, else
 * NAME and VERSION_ID, else ID.  Values may be quoted ("..." or '...')
 * with backslash escapes.  Appended to out; SL_ENOTFOUND when the text
 * names none.
 */
int sl_os_release_name(const char *text, size_t len, struct sl_buf *out) SL_WUR;

/*
 * SOURCE_DATE_EPOCH as the reproducible-builds specification defines it:
 * the decimal form of a whole number of seconds, as `date +%s` prints it
 * (no sign, no leading zeros, no spaces), at most 253402300799
 * (9999-12-31T23:59:59Z, the limit GCC applies too).  A negative value is
 * rejected as GCC rejects it.  0 with *out set, or SL_EINVAL saying why
 * (the specification says a malformed value must make the tool fail).
 */
int sl_sde_parse(const char *s, int64_t *out, struct sl_error *err) SL_WUR;

/*
 * The container runtime named by /proc/1/cgroup-style text ("docker",
 * "kubernetes", "containerd", "podman", "lxc"), or NULL.
 */
const char *sl_container_from_cgroup(const char *text);

/* The first non-blank line of s (len bytes), trimmed, at most max bytes: appended to out. */
void sl_first_line(struct sl_buf *out, const char *s, size_t len, size_t max);

#endif
