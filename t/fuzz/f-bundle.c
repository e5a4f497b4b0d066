// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: untrusted audit bundles and DSSE envelopes, verified
 * against a fixed key (the Rekor log's, which signed none of them), the
 * same bytes packed as a snapshot into a bundle, and two snapshots
 * compared by sl_diff.  Nothing may verify, and nothing may crash or leak.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/audit.h"
#include "sl/diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char rekor[] =
	"rekor.sigstore.dev+c0d23d6a+AjBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABNhtmPtrWm3U1eQXBogSMdGvX"
	"wBcK5AW5i0hrZLOC96l+smGNM7nwZ4QvFK/4sueRoVj//QP22Ni4Qt9DPfkWLc=";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_error err = { 0 };
	struct sl_audit_result r;
	struct sl_buf out = SL_BUF_INIT;
	struct sl_vkey vk;
	const char *s = (const char *)data;
	int e;

	if (sl_vkey_parse(&vk, rekor, strlen(rekor), &err) != 0)
		abort();
	/* No bundle can carry a valid checkpoint signature by a key that signed nothing here. */
	if (sl_audit_verify(s, size, &vk, NULL, NULL, &r, &err) == 0)
		abort();
	if (sl_audit_verify(s, size, &vk, &vk, NULL, &r, &err) == 0)
		abort();
	e = sl_audit_bundle(s, size, 0, NULL, &out, &err);
	if (e == 0 && (out.len == 0 || out.buf[0] != '{'))
		abort();
	sl_buf_reset(&out);
	(void)!sl_diff(s, size, s, size, SL_DIFF_ALL, &out, NULL, &err);
	sl_buf_release(&out);
	return 0;
}
