// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: untrusted answers of a witness to add-checkpoint, as
 * sl-checkpoint --witness reads them: a 409 body (a tree size) and a 200
 * body (signature lines, of which only a valid cosignature by the
 * witness's key may be taken), and a note with the answer appended counted
 * for a quorum.  Nothing may crash or leak, and nothing may be taken: the
 * input cannot hold a valid cosignature by a key made here.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/checkpoint.h"
#include "sl/witnessing.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char note[] = "example.org/log\n5\nAQIDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"
			   "\xe2\x80\x94 example.org/log AAAAAAEC\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sl_signer w;
	static int ready;
	struct sl_buf line = SL_BUF_INIT, all = SL_BUF_INIT;
	size_t valid = 9;
	uint64_t v;

	if (!ready) {
		if (sl_signer_generate_type(&w, SL_KEY_COSIG, "w.example", NULL) < 0)
			abort();
		ready = 1;
	}
	(void)!sl_witness_conflict_size((const char *)data, size, &v, NULL);
	if (sl_witness_take(note, sizeof(note) - 1, (const char *)data, size, &w.vk, &line, NULL) == 0 ||
	    line.len)
		abort();
	sl_buf_add(&all, note, sizeof(note) - 1);
	sl_buf_add(&all, data, size);
	if (sl_buf_ok(&all) == 0 &&
	    sl_witness_quorum(all.buf, all.len, &w.vk, 1, 1, &valid, NULL, NULL) == 0)
		abort();
	sl_buf_release(&line);
	sl_buf_release(&all);
	return 0;
}
