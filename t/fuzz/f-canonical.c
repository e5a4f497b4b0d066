// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: any JSON text through the parser and the canonical
 * (RFC 8785) writer.  What the writer accepts must parse back to an equal
 * value whose canonical form is the same bytes: canonical(parse(x)) is a
 * fixed point.  A refusal must say why.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT, again = SL_BUF_INIT;
	json_t *v, *w;

	if (sl_json_parse((const char *)data, size, &v, &err) != 0) {
		if (!err.code || !err.msg[0])
			abort();
		return 0;
	}
	if (sl_jcs_write(&out, v, NULL, &err) == 0) {
		if (!sl_utf8_valid(out.buf, out.len))
			abort();
		if (sl_json_parse(out.buf, out.len, &w, &err) != 0 || !json_equal(v, w))
			abort();
		if (sl_jcs_write(&again, w, NULL, &err) != 0 || again.len != out.len ||
		    memcmp(again.buf, out.buf, out.len) != 0)
			abort();
		json_decref(w);
	} else if (!err.code) {
		abort();
	}
	json_decref(v);
	sl_buf_release(&out);
	sl_buf_release(&again);
	return 0;
}
