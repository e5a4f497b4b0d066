// SPDX-License-Identifier: MIT
/* libFuzzer target: user-supplied times (--at, --since, --until). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128], ts[SL_TS_LEN + 1];
	struct sl_error err = { 0 };
	int64_t t, t2;

	if (size >= sizeof(s) || memchr(data, 0, size))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (strcmp(s, "now") == 0 || sl_time_parse(s, &t, &err) != 0)
		return 0;
	/* An accepted time formats as a valid ts that parses back to itself. */
	if (sl_time_format(ts, t) != 0 || !sl_ts_valid(ts, SL_TS_LEN) ||
	    sl_time_parse(ts, &t2, &err) != 0 || t2 != t)
		abort();
	return 0;
}
