// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: an untrusted signed note, parsed and verified against
 * two fixed keys (the Rekor log's ECDSA key and an Ed25519 key, Go's
 * sumdb/note example), and a verifier key parsed from the same bytes.  A note that parses must give back its own text when formatted.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rekor[] =
	"rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvX"
	"wBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=";
static const char peter[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_error err = { 0 };
	struct sl_checkpoint c, d;
	struct sl_vkey vk, ed, any;
	struct sl_buf body = SL_BUF_INIT;
	size_t text_len;
	int e;

	if (sl_vkey_parse(&vk, rekor, strlen(rekor), &err) != 0 ||
	    sl_vkey_parse(&ed, peter, strlen(peter), &err) != 0)
		abort();
	(void)!sl_vkey_parse(&any, (const char *)data, size, &err);
	e = sl_checkpoint_parse((const char *)data, size, &c, &text_len, &err);
	if (sl_checkpoint_verify((const char *)data, size, &vk, &d, &err) == 0 &&
	    (e != 0 || memcmp(&c, &d, sizeof(c)) != 0))
		abort(); /* verified means parsed, with the same fields */
	if (sl_checkpoint_verify((const char *)data, size, &ed, &d, &err) == 0 &&
	    (e != 0 || memcmp(&c, &d, sizeof(c)) != 0))
		abort();
	if (e != 0)
		return 0;
	if (text_len > size || text_len < 1 || data[text_len - 1] != '\n')
		abort();
	/* The first three lines are exactly the checkpoint's own formatting. */
	if (sl_checkpoint_body(&body, &c) != 0 || body.len > text_len ||
	    memcmp(body.buf, data, body.len) != 0)
		abort();
	sl_buf_release(&body);
	return 0;
}
