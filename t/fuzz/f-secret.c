// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the secret rules (lib/secret.c) on any bytes, as
 * values and as names.  The redacted text says why exactly when something
 * was removed, sl_secret_classify() gives the same reason without writing,
 * and redacting again changes nothing: a marker is never mistaken for a
 * new secret, and no secret is left for a second look to find.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sl/secret.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_buf a = SL_BUF_INIT, b = SL_BUF_INIT, d = SL_BUF_INIT;
	const char *s = (const char *)data, *why = NULL, *why2 = NULL, *c;
	char *name;
	int n, n2;

	n = sl_secret_redact(&a, s, size, 0, &why);
	if (n < 0 || (n > 0) != (why != NULL))
		abort();
	c = sl_secret_classify(NULL, s, size);
	if ((c == NULL) != (why == NULL) || (c && strcmp(c, why)))
		abort();
	n2 = sl_secret_redact(&b, a.buf, a.len, 0, &why2);
	if (n2 < 0 || b.len != a.len || memcmp(a.buf, b.buf, a.len))
		abort();
	if (sl_secret_redact(&d, s, size, SL_SECRET_DROP, NULL) < 0)
		abort();
	if ((name = malloc(size + 1)) != NULL) {
		memcpy(name, data, size);
		name[size] = '\0';
		(void)sl_secret_name(name);
		free(name);
	}
	sl_buf_release(&a);
	sl_buf_release(&b);
	sl_buf_release(&d);
	return 0;
}
