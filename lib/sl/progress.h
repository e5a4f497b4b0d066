// SPDX-License-Identifier: MIT
/*
 * The progress callback of the library's long work (verifying a ledger,
 * writing a complete snapshot, exporting tiles, running rules).  The
 * library never prints: it calls back, and the program decides how often
 * and how to show it (cmd/util-progress.c).
 */
#ifndef SL_PROGRESS_H
#define SL_PROGRESS_H

#include <stdint.h>

/*
 * Called every so often (after some thousands of entries, or one job, at
 * most) with how much is done of total; total is UINT64_MAX when not
 * known.  ctx is the caller's.  It must not call back into the library
 * object whose work it reports.
 */
typedef void (*sl_progress_fn)(void *ctx, uint64_t done, uint64_t total);

#endif
