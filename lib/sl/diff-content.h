// SPDX-License-Identifier: MIT
/*
 * The content of configuration files between two states of a ledger, as a
 * unified diff (sl-diff --content), through the artifact store: for each
 * config source that sl_diff() found added, removed or changed, the bytes
 * stored for both of its entries (captured with sl-capture-config --store)
 * are compared by libgit2's diff engine, and the patch is written as
 * `git diff` would write it:
 *
 *   diff --stateledger a/etc/app.conf b/etc/app.conf
 *   source config:web-1:/etc/app.conf from seq 3 to seq 7
 *   old mode 100644                          (when the mode changed)
 *   new mode 100600
 *   --- a/etc/app.conf
 *   +++ b/etc/app.conf
 *   @@ -1,3 +1,3 @@
 *   ...
 *
 * An added source is compared with /dev/null ("source S added at seq N",
 * "new file mode 100644", "--- /dev/null"), a removed one likewise
 * ("source S removed after seq N", "deleted file mode ...", "+++ /dev/null").
 * PATH is the payload's path without its leading slash; a path or source
 * holding a control character, '"' or '\\' is written in double quotes
 * with C escapes, as git does (the a/ or b/ inside them), so that no entry
 * can forge a line.
 *
 * Content that is not diffed is named instead, on its own line after the
 * source line, and no ---/+++ lines follow:
 *
 *   Binary files a/PATH and b/PATH differ             (as git; /dev/null for a missing side)
 *   content private at seq N (not shown)             (payload "private": true, or no sha256)
 *   content not stored at seq N (capture with --store)
 *   content missing from the artifact store at seq N (sha256 HEX)
 *   content too large to diff at seq N (more than SL_DIFF_CONTENT_MAX bytes)
 *   content at seq N looks like it holds a secret (KIND): not shown
 *
 * A private file's bytes are never read, even when they were stored with
 * --store-private: the ledger's output must never carry a secret.  Stored
 * bytes in which lib/sl/secret.h finds a secret (a file captured before
 * such files were made private, or appended by hand) are named too.
 * Sources of other types, and config sources whose content digest and
 * mode are the same on both sides, give nothing.
 */
#ifndef SL_DIFF_CONTENT_H
#define SL_DIFF_CONTENT_H

#include <stddef.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/ledger.h"

/* The largest content compared; larger content is named. */
#define SL_DIFF_CONTENT_MAX (16u << 20)

/*
 * Append the hunks of the unified diff (3 lines of context) from a to b
 * to out, as libgit2 makes them: "@@ ... @@" lines, then lines starting
 * with ' ', '-' or '+', and "\ No newline at end of file" where git
 * writes it.  a (alen bytes) or b may be NULL for a side that does not
 * exist (/dev/null).  *binary (may be NULL) is set to 1, and nothing is
 * appended, when libgit2 finds either side binary (a NUL byte, as git);
 * else to 0.  Nothing is appended when a and b are the same.
 * 0, SL_ENOMEM, or SL_EIO when libgit2 fails otherwise (its message in err).
 * Calls git_libgit2_init() and git_libgit2_shutdown() itself.
 */
int sl_content_patch(struct sl_buf *out, const void *a, size_t alen, const void *b, size_t blen,
		     int *binary, struct sl_error *err) SL_WUR;

/*
 * Append the content diff (the format above) of the config sources among
 * `records`, the NDJSON that sl_diff() or sl_diff_ledger() wrote for
 * ledger l (len bytes), to out; *count (may be NULL) is the number of
 * sources written.  Each source's entries are read from l by their seq and
 * their type and source checked against the record.
 * Errors: SL_ECORRUPT when a stored artifact's bytes do not match its
 * digest (err names the seq, the path and the digest) or an entry is not
 * the one the record names; SL_EINVAL when records are not sl_diff's; what
 * sl_ledger_get() returned; SL_EIO, SL_ENOMEM.  On error out is left as it
 * was.
 */
int sl_diff_content(struct sl_ledger *l, const char *records, size_t len, struct sl_buf *out,
		    size_t *count, struct sl_error *err) SL_WUR;

#endif
