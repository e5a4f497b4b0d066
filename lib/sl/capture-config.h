// SPDX-License-Identifier: MIT
/*
 * Capturing configuration files: the payload of a `config` entry
 * (DESIGN.md section 3), for sl-capture-config.  One entry per file:
 * its absolute path, the SHA-256 and size of its content, its mode, the
 * host and the capture time; with the artifact store, the content itself.
 */
#ifndef SL_CAPTURE_CONFIG_H
#define SL_CAPTURE_CONFIG_H

#include <jansson.h>

#include "sl/buf.h"
#include "sl/err.h"

/*
 * Make path absolute without resolving symbolic links: relative paths are
 * taken from the current directory, and ".", ".." and repeated slashes are
 * removed by their text alone, so the path recorded is the one the user
 * named.  Appended to out; SL_EIO when the current directory is unknown.
 */
int sl_abs_path(struct sl_buf *out, const char *path) SL_WUR;

/*
 * Called by sl_config_walk() with each file found, by its absolute path.
 * A negative return stops the walk and is returned.
 */
typedef int (*sl_file_fn)(void *ctx, const char *path);

/*
 * Find the files that `path` names: itself when it is a regular file (or a
 * symbolic link to one); with `recursive`, every such file below it when it
 * is a directory, in name order, without following links to directories.
 * Other kinds of files below a directory (sockets, FIFOs, devices) are
 * skipped.  SL_EINVAL when path does not exist, is a directory without
 * `recursive`, or is not a regular file; SL_EIO when a directory cannot be
 * read; err names the path.
 */
int sl_config_walk(const char *path, int recursive, sl_file_fn fn, void *ctx,
		   struct sl_error *err) SL_WUR;

/*
 * The payload for one file (absolute path): path, sha256, size, mode,
 * host and captured_at; when `ledger` is not NULL the content is put in
 * its artifact store (sl_artifact_put_fd()) and stored is true.  The digest
 * and size are those of the bytes read, so they always match what was
 * stored.  SL_EINVAL when the file is missing or not a regular file,
 * SL_EIO when it cannot be read (the message names it).
 */
int sl_capture_config(const char *path, const char *host, const char *ledger,
		      json_t **payload, struct sl_error *err) SL_WUR;

#endif
