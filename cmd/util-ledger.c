// SPDX-License-Identifier: MIT
/*
 * Opening the ledger for a program.  Kept apart from util.c, in the
 * archive build/libslcmd.a, so that programs which never open a ledger
 * (sl-capture-env, ...) do not link the store's database libraries.
 */
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

struct sl_ledger *sl_open_ledger(const char *opt, int flags)
{
	struct sl_error err = { 0 };
	struct sl_ledger *l;
	const char *dir = sl_ledger_dir(opt);
	const char *bt = getenv("SL_BUSY_TIMEOUT");
	uint64_t busy = 10000;
	int e;

	if (bt && *bt && sl_parse_u64(bt, 3600000, &busy) < 0)
		sl_die(SL_EXIT_USAGE, "unable to use SL_BUSY_TIMEOUT '%s': not milliseconds", bt);
	e = sl_ledger_open(&l, dir, flags, (int)busy, &err);
	if (e < 0) {
		char what[600];
		struct sl_buf shown = SL_BUF_INIT;
		snprintf(what, sizeof(what), "unable to open ledger '%s'",
			 sl_store_address_shown(dir, &shown));
		sl_die_err(&err, e, what);
	}
	return l;
}
