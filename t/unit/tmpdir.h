// SPDX-License-Identifier: MIT
/*
 * A fresh temporary directory for each test, as a Check fixture:
 *
 *   #define TMPDIR_NAME "ledger"
 *   #include "tmpdir.h"
 *   ...
 *   tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
 *
 * tmproot holds its path (/tmp/sl-u-NAME-XXXXXX) during a test; the
 * directory and everything in it is removed after the test.
 */
#ifndef SL_T_TMPDIR_H
#define SL_T_TMPDIR_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char tmproot[64];

static int tmp_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void tmp_setup(void)
{
	snprintf(tmproot, sizeof(tmproot), "/tmp/sl-u-%s-XXXXXX", TMPDIR_NAME);
	if (!mkdtemp(tmproot)) {
		perror("mkdtemp");
		abort();
	}
}

static void tmp_teardown(void)
{
	if (tmproot[0] && nftw(tmproot, tmp_rm_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
		perror(tmproot);
	tmproot[0] = '\0';
}

#endif
