// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: one untrusted entry line through parsing, validation
 * and the canonical writer, as sl-append and the HTTP append see it.  An
 * accepted line must give canonical bytes that parse back to the same
 * canonical bytes (the writer's output is a fixed point).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/entry.h"
#include "sl/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_batch b;
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT, again = SL_BUF_INIT;
	unsigned char leaf[SL_HASH_LEN];
	json_t *v;

	sl_batch_init(&b);
	if (sl_batch_add_line(&b, (const char *)data, size, 1, &err) == 0) {
		if (sl_batch_entry(&b, 0, 42, "2026-11-25T00:00:00.000000Z", &out, leaf) != 0)
			abort();
		if (sl_json_parse(out.buf, out.len, &v, &err) != 0)
			abort();
		if (sl_jcs_write(&again, v, NULL, &err) != 0 || again.len != out.len ||
		    memcmp(again.buf, out.buf, out.len) != 0)
			abort();
		json_decref(v);
	} else if (err.code == 0 || (!err.msg[0])) {
		abort(); /* every rejection says why */
	}
	sl_buf_release(&out);
	sl_buf_release(&again);
	sl_batch_release(&b);
	return 0;
}
