// SPDX-License-Identifier: MIT
/* libFuzzer target: an untrusted proof document, parsed, verified and written back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/proof.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_proof p, q;
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT;

	if (sl_proof_parse((const char *)data, size, &p, &err) != 0)
		return 0;
	/* Whatever the sizes claim, verification must end with an answer. */
	(void)!sl_proof_verify(&p, p.h1, p.h1, p.h2, &err);
	if (sl_proof_write(&out, &p) != 0 || sl_proof_parse(out.buf, out.len, &q, &err) != 0 ||
	    memcmp(&p, &q, sizeof(p)) != 0)
		abort();
	sl_buf_release(&out);
	return 0;
}
