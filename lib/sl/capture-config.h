// SPDX-License-Identifier: MIT
/*
 * Capturing configuration files: the payload of a `config` entry
 * (DESIGN.md section 3), for sl-capture-config.  One entry per file:
 * its absolute path, the SHA-256 (keyed, for a private file) and size
 * (none for a private file) of its content, its mode, the host and the
 * capture time; with the artifact store, the content itself.
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
 * The key of the keyed digests of files not readable by others: 32
 * random bytes in LEDGER/keys/config-hmac.key (mode 0600), made at first
 * use.  Its id, "config-hmac+" and 8 hex digits (the first 4 bytes of
 * HMAC-SHA-256(key, "stateledger config-hmac key id")), names it in
 * payloads without revealing it.
 */
#define SL_CONFIG_KEY_NAME "config-hmac"
#define SL_CONFIG_KEY_FILE "config-hmac.key"
#define SL_CONFIG_KEY_LEN 32

struct sl_config_key {
	const char *ledger;                  /* the ledger directory holding keys/, or NULL */
	unsigned char key[SL_CONFIG_KEY_LEN];
	char id[sizeof(SL_CONFIG_KEY_NAME) + 8 + 1];
	int loaded;
};

/* Set up k to be loaded from ledger's keys/ when first needed (ledger may be NULL). */
void sl_config_key_init(struct sl_config_key *k, const char *ledger);
/* Wipe the key from memory. */
void sl_config_key_release(struct sl_config_key *k);

/*
 * Load the key (once; later calls return 0 at once), making it first if
 * the ledger has none.  SL_ENOLEDGER when there is no ledger directory
 * with a keys/ directory, SL_EINVAL when the key file is not a regular
 * file of mode 0600 holding 32 bytes, SL_EIO when it cannot be read or
 * made; err says which.
 */
int sl_config_key_load(struct sl_config_key *k, struct sl_error *err) SL_WUR;

struct sl_config_opts {
	const char *host;            /* recorded as the host (secrets in it are redacted) */
	const char *ledger;          /* store the content in this ledger's artifact store, or NULL */
	int store_private;           /* store files not readable by others too */
	struct sl_config_key *key;   /* for files not readable by others */
};

/*
 * The payload for one file (absolute path): path, mode, host and
 * captured_at, and
 *   - for a file readable by others whose content holds no secret the
 *     detector (lib/sl/secret.h) recognises: sha256, the SHA-256 of its
 *     content, and size;
 *   - for a private file, that is one not readable by others (no
 *     S_IROTH) or one whose content holds such a secret: hmac_sha256,
 *     the HMAC-SHA-256 of its content under o->key (loaded here when
 *     first needed), with private: true and hmac_key, the key's id, and
 *     no size (it would tell a short password's length).  The same
 *     content gives the same value, so changes are seen, but a guess
 *     cannot be checked without the key.
 * When o->ledger is not NULL the content is put in its artifact store
 * (sl_artifact_put_fd()) and stored is true, except for a private file
 * unless o->store_private.  The digests and size are those of the bytes
 * read, so they always match what was stored.
 * SL_EINVAL when the file is missing or not a regular file, SL_EIO when
 * it cannot be read, or what sl_config_key_load() returned (the message
 * names the file).
 */
int sl_capture_config(const char *path, const struct sl_config_opts *o, json_t **payload,
		      struct sl_error *err) SL_WUR;

#endif
