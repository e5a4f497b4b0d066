// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: what sl-capture-env reads from the system and the
 * environment: an os-release file, a SOURCE_DATE_EPOCH value and a cgroup
 * file.  A name found is never empty; an epoch accepted is in range and
 * prints back as the same digits.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/capture-env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_error err = { 0 };
	struct sl_buf name = SL_BUF_INIT;
	char *s;
	int64_t t;

	if (sl_os_release_name((const char *)data, size, &name) == 0 && name.len == 0)
		abort();
	sl_buf_release(&name);
	if (!(s = malloc(size + 1)))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (sl_sde_parse(s, &t, &err) == 0) {
		char back[32];

		if (t < 0 || t > 253402300799LL)
			abort();
		snprintf(back, sizeof(back), "%" PRId64, t);
		if (strcmp(back, s) != 0)
			abort();
	} else if (!err.msg[0]) {
		abort();
	}
	(void)sl_container_from_cgroup(s);
	free(s);
	return 0;
}
