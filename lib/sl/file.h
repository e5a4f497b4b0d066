// SPDX-License-Identifier: MIT
/* Files written whole and durably (lib/file.c). */
#ifndef SL_FILE_H
#define SL_FILE_H

#include <stddef.h>
#include <sys/types.h>

#include "sl/err.h"

/* Write all n bytes to fd (retrying on EINTR): 0, or -1 with errno. */
int sl_write_all(int fd, const void *p, size_t n);

/*
 * Replace path by the len bytes at data: written to path.tmp (mode, no
 * symlink followed), fsynced when sync, renamed over path, and the
 * directory fsynced when sync.  A reader sees the old file or the new
 * one, never a part.  SL_EIO naming the file on failure (path.tmp removed).
 */
int sl_file_replace(const char *path, const void *data, size_t len, mode_t mode, int sync,
		    struct sl_error *err) SL_WUR;

/* mkdir -p: path and its missing parents, with mode. */
int sl_mkdir_p(const char *path, mode_t mode, struct sl_error *err) SL_WUR;

#endif
