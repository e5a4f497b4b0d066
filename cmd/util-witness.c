// SPDX-License-Identifier: MIT
/* The --witness and --quorum options of sl-checkpoint and sl-audit verify. */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "sl/witnessing.h"

struct sl_witness_peer *sl_witness_args(const char *const *args, size_t n, int need_url,
				   const char *quorum_arg, size_t *quorum)
{
	struct sl_witness_peer *w;
	size_t i, j;

	if (quorum_arg && !n)
		sl_die(SL_EXIT_USAGE, "--quorum: no --witness given");
	*quorum = quorum_arg ? (size_t)sl_parse_u64_arg(quorum_arg, "--quorum", 1, n) : n;
	if (!n)
		return NULL;
	if (!(w = calloc(n, sizeof(*w))))
		sl_die(SL_EXIT_TEMP, "out of memory");
	for (i = 0; i < n; i++) {
		struct sl_error err = { 0 };

		if (sl_witness_parse(&w[i], args[i], need_url, &err) < 0)
			sl_die(SL_EXIT_USAGE, "--witness '%.200s': %s", args[i], err.msg);
		/* The same witness twice (or its key under another name) is one witness. */
		for (j = 0; j < i; j++)
			if (sl_vkey_same_key(&w[i].vk, &w[j].vk))
				sl_die(SL_EXIT_USAGE, "--witness '%.200s': given twice%s", args[i],
				       sl_vkey_equal(&w[i].vk, &w[j].vk) ? "" : " (the same key under another name)");
	}
	return w;
}

struct sl_vkey *sl_witness_key_args(const char *const *args, size_t n, const char *quorum_arg,
				    size_t *quorum)
{
	struct sl_witness_peer *w = sl_witness_args(args, n, 0, quorum_arg, quorum);
	struct sl_vkey *vk;
	size_t i;

	if (!w)
		return NULL;
	if (!(vk = calloc(n, sizeof(*vk))))
		sl_die(SL_EXIT_TEMP, "out of memory");
	for (i = 0; i < n; i++)
		vk[i] = w[i].vk;
	free(w);
	return vk;
}
