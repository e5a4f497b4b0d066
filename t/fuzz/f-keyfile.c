// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: an untrusted private key file (sl-checkpoint -k) and
 * verifier key (sl-checkpoint verify --key, sl-audit verify).  A key that
 * parses must write out and parse back to the same key.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_error err = { 0 };
	struct sl_signer k, k2;
	struct sl_vkey vk, vk2;
	struct sl_buf out = SL_BUF_INIT;

	if (sl_signer_parse(&k, (const char *)data, size, &err) == 0) {
		if (sl_signer_write(&out, &k) != 0 ||
		    sl_signer_parse(&k2, out.buf, out.len, &err) != 0 ||
		    memcmp(&k, &k2, sizeof(k)) != 0)
			abort();
		sl_signer_wipe(&k2);
		sl_buf_reset(&out);
	} else if (!err.msg[0]) {
		abort();
	}
	sl_signer_wipe(&k);
	if (sl_vkey_parse(&vk, (const char *)data, size, &err) == 0) {
		if (sl_vkey_format(&out, &vk) != 0 ||
		    sl_vkey_parse(&vk2, out.buf, out.len, &err) != 0 ||
		    memcmp(&vk, &vk2, sizeof(vk)) != 0)
			abort();
	}
	sl_buf_release(&out);
	return 0;
}
