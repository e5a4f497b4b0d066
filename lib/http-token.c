// SPDX-License-Identifier: MIT
/*
 * Write tokens of sl-httpd: the token file, the check of a presented
 * token, and the id a token is known by in the access log.
 */
#include "sl/sys.h"

#include "sl/http.h"
#include "sl/linereader.h"

int sl_http_token_ok(const struct sl_http_tokens *t, const char *tok, size_t len)
{
	unsigned char h[SL_HASH_LEN];
	unsigned match = 0;
	size_t i, j;

	if (!t || t->n == 0)
		return 0;
	sl_sha256(h, tok, len);
	for (i = 0; i < t->n; i++) {
		unsigned char d = 0;
		for (j = 0; j < SL_HASH_LEN; j++)
			d |= (unsigned char)(h[j] ^ t->hash[i][j]);
		/* 1 when d is 0, without a branch on d. */
		match |= (unsigned)(((unsigned)d - 1u) >> 8) & 1u;
	}
	return (int)match;
}

int sl_http_tokens_parse(struct sl_http_tokens *t, const char *text, size_t len,
			 struct sl_error *err)
{
	struct sl_lines it;

	t->n = 0;
	sl_lines_init(&it, text, len);
	while (sl_lines_next(&it)) {
		const char *s = it.line;
		size_t n = it.len;

		if (n && s[n - 1] == '\r')
			n--;
		if (n == 0 || s[0] == '#')
			continue;
		if (n < SL_HEX_LEN || (n > SL_HEX_LEN && s[SL_HEX_LEN] != ' ' && s[SL_HEX_LEN] != '\t') ||
		    !sl_is_lowerhex(s, SL_HEX_LEN, SL_HASH_LEN)) {
			if (err)
				err->line = it.lineno;
			return sl_error_set(err, SL_EINVAL,
					    "want the SHA-256 of a token as 64 lowercase hex digits");
		}
		if (t->n == SL_HTTP_TOKENS_MAX) {
			if (err)
				err->line = it.lineno;
			return sl_error_set(err, SL_EINVAL, "more than %d tokens", SL_HTTP_TOKENS_MAX);
		}
		if (sl_hex_decode(t->hash[t->n], SL_HASH_LEN, s, SL_HEX_LEN) < 0)
			return sl_error_set(err, SL_EINVAL, "bad hex");
		t->n++;
	}
	if (t->n == 0)
		return sl_error_set(err, SL_EINVAL, "no token in the file");
	return 0;
}

void sl_http_token_id(char out[SL_HTTP_TOKEN_ID_LEN + 1], const char *tok, size_t len)
{
	unsigned char h[SL_HASH_LEN];

	sl_sha256(h, tok, len);
	sl_hex_encode(out, h, SL_HTTP_TOKEN_ID_LEN / 2);
	out[SL_HTTP_TOKEN_ID_LEN] = '\0';
}
