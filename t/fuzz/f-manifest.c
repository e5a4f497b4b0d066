// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: an untrusted manifest through sl_manifest_parse(), as
 * `sl-manifest check` and `run` see it.  A manifest that is accepted must
 * give every collector a name and a NULL-terminated argv of argc strings,
 * and one that is refused must say why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_manifest m;
	struct sl_buf problems = SL_BUF_INIT;
	struct sl_error err = { 0 };
	size_t i, k;
	int e;

	e = sl_manifest_parse(&m, (const char *)data, size, &problems, &err);
	if (e == 0) {
		if (!m.n || problems.len)
			abort();
		for (i = 0; i < m.n; i++) {
			if (!m.c[i].name || !*m.c[i].name || !m.c[i].argv || !m.c[i].argc)
				abort();
			for (k = 0; k < m.c[i].argc; k++)
				if (!m.c[i].argv[k])
					abort();
			if (m.c[i].argv[m.c[i].argc] || m.c[i].timeout_s < 1)
				abort();
		}
		sl_manifest_release(&m);
	} else if (e == SL_EINVAL) {
		if (!problems.len || err.code != SL_EINVAL || m.n)
			abort();
	}
	sl_buf_release(&problems);
	return 0;
}
