// SPDX-License-Identifier: MIT
/*
 * The artifact store (DESIGN.md section 2.4): content-addressed files
 * under LEDGER/artifacts/sha256/xx/<64 hex>, where xx is the first two hex
 * digits of the content's SHA-256.
 *
 * Writing is atomic: the content goes to a temporary file in
 * artifacts/sha256/ (".tmp-" followed by random characters), which is
 * fsynced, renamed to its name and the directory fsynced, so that a crash
 * leaves either no artifact or a whole one.  Identical content is stored
 * once.  Reading re-checks the digest: a file whose bytes no longer match
 * its name is reported, never served as good.
 *
 * `ledger` is the ledger directory (the one holding ledger.db and
 * artifacts/); the store itself needs no database.  Stored files are
 * read-only (0400) in the 0700 artifacts directory.
 */
#ifndef SL_ARTIFACT_H
#define SL_ARTIFACT_H

#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/hash.h"

/*
 * Parse a digest as users write it: 64 hex digits (either case), optionally
 * prefixed with "sha256:".  0 or SL_EINVAL.
 */
int sl_artifact_digest_parse(const char *s, unsigned char digest[SL_HASH_LEN]) SL_WUR;

/* Append the path of the artifact with this digest (it need not exist) to out. */
int sl_artifact_path(struct sl_buf *out, const char *ledger,
		     const unsigned char digest[SL_HASH_LEN]) SL_WUR;

/*
 * Check that ledger holds an artifact store (LEDGER/artifacts is a
 * directory).  SL_ENOLEDGER when it does not, SL_EIO when it cannot be
 * looked at.
 */
int sl_artifact_store_check(const char *ledger, struct sl_error *err) SL_WUR;

/*
 * Store everything read from fd until end of file.  On success digest holds
 * its SHA-256, *size (may be NULL) the number of bytes and *created (may be
 * NULL) is 1 when the content was new, 0 when it was already stored (an
 * existing file whose bytes do not match its name is replaced).  On
 * failure nothing is left behind: SL_EIO or SL_ENOMEM with the reason.
 */
int sl_artifact_put_fd(const char *ledger, int fd, unsigned char digest[SL_HASH_LEN],
		       uint64_t *size, int *created, struct sl_error *err) SL_WUR;

/* Store len bytes from memory; as sl_artifact_put_fd(). */
int sl_artifact_put_mem(const char *ledger, const void *data, size_t len,
			unsigned char digest[SL_HASH_LEN], int *created,
			struct sl_error *err) SL_WUR;

/* 0 when the artifact is stored (its bytes are not read), SL_ENOTFOUND when not. */
int sl_artifact_has(const char *ledger, const unsigned char digest[SL_HASH_LEN],
		    struct sl_error *err) SL_WUR;

/*
 * Hand the artifact's content to `write`, but only once it is known to be
 * right: the file is read and hashed once, then read again while being
 * passed on, and hashed again.  SL_ENOTFOUND when it is not stored,
 * SL_EVERIFY when its bytes do not match the digest (before anything was
 * passed on; or, if the file changed between the two reads, after), SL_EIO
 * on read errors, or what `write` returned.
 */
int sl_artifact_get(const char *ledger, const unsigned char digest[SL_HASH_LEN],
		    sl_write_fn write, void *ctx, struct sl_error *err) SL_WUR;
/*
 * The same through `store`, the ledger's own open store (NULL: a
 * connection of its own for the call), for a caller that holds the ledger
 * open: a database ledger's artifacts then cost no connection each.
 * Likewise sl_artifact_each_in, and sl_artifact_copy_in for the source.
 */
struct sl_store;
int sl_artifact_get_in(struct sl_store *store, const char *ledger, const unsigned char digest[SL_HASH_LEN],
		       sl_write_fn write, void *ctx, struct sl_error *err) SL_WUR;

/*
 * Check one stored artifact's bytes against its name without passing them
 * on: 0, SL_ENOTFOUND, SL_EVERIFY or SL_EIO.
 */
int sl_artifact_check(const char *ledger, const unsigned char digest[SL_HASH_LEN],
		      struct sl_error *err) SL_WUR;

/*
 * What sl_artifact_verify_all() found for one file under artifacts/sha256:
 * `name` is its path relative to artifacts/ ("sha256/ab/ab12..."), `code`
 * 0 when it is a good artifact, SL_EVERIFY when its bytes do not match its
 * name, SL_ECORRUPT when it has no place in the store (a stray file or
 * directory, a name that is no digest), SL_EIO when it could not be read;
 * `msg` says what is wrong.  A negative return stops the walk.
 */
typedef int (*sl_artifact_fn)(void *ctx, const char *name, int code, const char *msg);

/*
 * Check every stored artifact, in name order, calling fn for each.
 * Temporary files left by an interrupted put (".tmp-*") are passed with
 * code 0 and msg "leftover temporary file" and are not counted.
 * *count (may be NULL) is set to the number of artifacts checked and *bad
 * to the number that were not good.  Returns 0 when the walk finished
 * (whatever it found), SL_EIO if a directory could not be read, or what fn
 * returned.
 */
int sl_artifact_verify_all(const char *ledger, sl_artifact_fn fn, void *ctx, uint64_t *count,
			   uint64_t *bad, struct sl_error *err) SL_WUR;

/*
 * Call fn with the digest of each artifact the store names, in name order,
 * without reading them (stray names and leftover temporary files are
 * passed over: sl_artifact_verify_all reports them).  0, SL_EIO when a
 * directory cannot be read, or what fn returned (a negative value stops).
 */
int sl_artifact_each(const char *ledger, int (*fn)(void *ctx, const unsigned char digest[SL_HASH_LEN]),
		     void *ctx, struct sl_error *err) SL_WUR;
int sl_artifact_each_in(struct sl_store *store, const char *ledger,
			int (*fn)(void *ctx, const unsigned char digest[SL_HASH_LEN]), void *ctx,
			struct sl_error *err) SL_WUR;

/*
 * Copy one artifact from the ledger src to the ledger dst (sl-copy),
 * streaming, as sl_artifact_put_fd stores it.  When dst has it, nothing
 * is written (*created 0) and dst's bytes are checked against the digest:
 * SL_EVERIFY when they were altered.  The source's bytes are checked before and while
 * they are copied: SL_EVERIFY when they do not match the digest (nothing
 * is stored under that digest), SL_ENOTFOUND when src lacks it, SL_EIO.
 * *created (may be NULL) is 1 when dst did not have it.
 */
int sl_artifact_copy(const char *src, const char *dst, const unsigned char digest[SL_HASH_LEN],
		     int *created, struct sl_error *err) SL_WUR;
int sl_artifact_copy_in(struct sl_store *src_store, const char *src, const char *dst,
			const unsigned char digest[SL_HASH_LEN], int *created, struct sl_error *err) SL_WUR;

#endif
