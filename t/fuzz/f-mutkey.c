// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: a mutation's key read two ways, sl_mutation_key_bytes
 * (from the bytes, as sl-verify does) and sl_mutation_key (from jansson's
 * tree).  The fast reading must not take bytes the full parser refuses
 * (not JSON: a duplicate member, invalid UTF-8, a bad literal or number,
 * a trailing comma); where both read the bytes they must agree; on canonical bytes
 * (what sl-append stores) that the tree reads as a mutation, the fast
 * reading must not give up.  The position's and id's text it gives must be
 * what the canonical writer makes of them.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/heads.h"
#include "sl/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char fpos[SL_POSKEY_LEN], tpos[SL_POSKEY_LEN];
	struct sl_buf canon = SL_BUF_INIT;
	struct sl_mutkey_text text;
	struct sl_buf jt = SL_BUF_INIT;
	const char *fns, *tns;
	size_t fnl;
	json_t *v = NULL;
	int fast, parsed, tree = -1;

	fast = sl_mutation_key_bytes(data, size, &fns, &fnl, fpos, &text);
	if (fast != 0 && fast != 1)
		abort();
	parsed = sl_json_parse((const char *)data, size, &v, NULL) == 0;
	if (parsed)
		tree = sl_mutation_key(v, &tns, tpos);
	/*
	 * 0 is a promise that the bytes are JSON the full parser reads as a
	 * mutation (sl-verify takes the key on it): never for bytes it refuses.
	 */
	if (fast == 0 && (!parsed || tree != 0))
		abort();
	if (fast == 0 && parsed) {
		if (tree != 0 || strlen(tns) != fnl || memcmp(tns, fns, fnl) != 0 ||
		    memcmp(tpos, fpos, SL_POSKEY_LEN) != 0)
			abort();
		/* The position's and id's text as they stand are their canonical JSON. */
		if (sl_jcs_write(&jt, json_object_get(json_object_get(v, "payload"), "position"), NULL,
				 NULL) != 0 || jt.len != text.position_len ||
		    memcmp(jt.buf, text.position, jt.len) != 0)
			abort();
		sl_buf_reset(&jt);
		if (sl_jcs_write(&jt, json_object_get(json_object_get(v, "payload"), "id"), NULL,
				 NULL) != 0 || jt.len != text.id_len || memcmp(jt.buf, text.id, jt.len) != 0)
			abort();
	}
	if (parsed && tree == 0 && fast != 0) {
		if (sl_jcs_write(&canon, v, NULL, NULL) == 0 && canon.len == size &&
		    memcmp(canon.buf, data, size) == 0 && !strchr(tns, '\\') && !strchr(tns, '"') &&
		    !memchr(data, '\\', size))
			abort(); /* canonical, no escapes: the fast reading must take it */
	}
	json_decref(v);
	sl_buf_release(&canon);
	sl_buf_release(&jt);
	return 0;
}
