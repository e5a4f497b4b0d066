// SPDX-License-Identifier: MIT
/*
 * Secrets by name and by value (sl/secret.h).  Two passes over a value:
 * the first takes the credentials out of every URL (user information,
 * secret query parameters, webhook paths), the second replaces the
 * token-shaped secrets and NAME=VALUE pairs left in what the first wrote.
 * When in doubt, redact: a value that loses an innocent part costs a
 * little information, a leaked secret stays in the log for ever.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sl/secret.h"

static const char *const secret_parts[] = {
	"TOKEN", "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "PASSCODE", "API_KEY", "APIKEY",
	"PRIVATE", "CREDENTIAL", "CREDS", "COOKIE", "AUTH", "SIGNATURE", "WEBHOOK", "MNEMONIC", NULL,
};
static const char *const secret_words[] = {
	"KEY", "KEYS", "PASS", "PWD", "PW", "PAT", "DSN", "SALT", "PIN", "OTP", "JWT", "BEARER",
	"SIG", "SK", "PSK", "CRED", NULL,
};
/* SESSION alone names a login session (XDG_SESSION_ID, DESKTOP_SESSION): only its id is secret. */
static const char *const secret_ends[] = {
	"PASS", "PWD", "PW", "KEY", "KEYS", "PSK", "SESSID", "SESSIONID", NULL,
};
static const char *const innocent_words[] = {
	"AUTHOR", "AUTHORS", "AUTHORITY", "AUTHORITIES", "BYPASS", "COMPASS", "SURPASS", "TRESPASS",
	"MONKEY", "DONKEY", "TURKEY", "HOCKEY", "JOCKEY", "WHISKEY", "HOTKEY", "ASKPASS",
	"TOKENIZER", "TOKENIZERS", NULL,
};
static const char *const innocent_names[] = { "PWD", "OLDPWD", "SSH_AUTH_SOCK", NULL };

static int in_list(const char *w, size_t n, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == n && !strncasecmp(w, *list, n))
			return 1;
	return 0;
}

static int ends_with(const char *w, size_t n, const char *const *list)
{
	for (; *list; list++) {
		size_t k = strlen(*list);
		if (k <= n && !strncasecmp(w + n - k, *list, k))
			return 1;
	}
	return 0;
}

/* The name rule on n bytes; `var` applies the exemptions of variable names. */
static int name_secret(const char *name, size_t n, int var)
{
	char *up;
	const char *const *p;
	size_t i = 0;
	int hit = 0;

	if (var && in_list(name, n, innocent_names))
		return 0;
	if (!(up = malloc(n + 1)))
		return 1; /* cannot look: assume the worst */
	for (i = 0; i < n; i++)
		up[i] = (char)toupper((unsigned char)name[i]);
	up[n] = '\0';
	/* Blank the innocent words first, so that AUTHOR does not count as AUTH. */
	for (i = 0; i < n && !hit;) {
		size_t k = 0;

		while (i + k < n && isalnum((unsigned char)up[i + k]))
			k++;
		if (k && in_list(up + i, k, innocent_words))
			memset(up + i, '_', k);
		else if (k && (in_list(up + i, k, secret_words) || ends_with(up + i, k, secret_ends)))
			hit = 1;
		i += k;
		while (i < n && !isalnum((unsigned char)up[i]))
			i++;
	}
	for (p = secret_parts; *p && !hit; p++)
		if (strstr(up, *p))
			hit = 1;
	free(up);
	return hit;
}

int sl_secret_name(const char *name)
{
	return name_secret(name, strlen(name), 1);
}

/* Output that may be absent: sl_secret_classify() only looks. */
static void put(struct sl_buf *o, const char *s, size_t n)
{
	if (o)
		sl_buf_add(o, s, n);
}

static void mark(struct sl_buf *o, const char *why)
{
	if (o) {
		sl_buf_addstr(o, SL_REDACTED_PREFIX);
		sl_buf_addstr(o, why);
		sl_buf_addch(o, '>');
	}
}

struct scan {
	struct sl_buf *out;
	const char *why;
	int n;
	int flags;
	int depth; /* 1 inside decoded base64, which is not decoded again */
};

static void found(struct scan *sc, const char *why)
{
	if (!sc->why)
		sc->why = why;
	sc->n++;
	if (!(sc->flags & SL_SECRET_DROP) || strncmp(why, "url-", 4))
		mark(sc->out, why);
}

static size_t marker_at(const char *s, size_t i, size_t n);
static void scan_urls(struct scan *sc, const char *s, size_t len);
static void scan_tokens(struct scan *sc, const char *s, size_t n);

/* Write s[*done, keep), then the marker for s[keep, end); the scan goes on at end. */
static size_t replace(struct scan *sc, const char *s, size_t *done, size_t keep, size_t end,
		      const char *why)
{
	put(sc->out, s + *done, keep - *done);
	found(sc, why);
	return *done = end;
}

/* ---- pass 1: URLs ---- */

static int scheme_char(int c)
{
	return isalnum(c) || c == '+' || c == '-' || c == '.';
}

/*
 * Schemes where a user name alone is a login name, not a secret: the ssh
 * family.  Everywhere else (https://TOKEN@host, redis://TOKEN@host) a
 * lone user name is too often a token to keep.
 */
static int login_scheme(const char *s, size_t n)
{
	static const char *const schemes[] = {
		"ssh", "git+ssh", "ssh+git", "sftp", "scp", "rsync", NULL,
	};
	return in_list(s, n, schemes);
}

/* Where the path and query of a URL end inside running text. */
static int url_end(int c)
{
	return c == '\0' || isspace(c) || c == '"' || c == '\'' || c == '<' || c == '>' ||
	       c == '`' || c == ',' || c == ';';
}

/* True when c is one of the characters of set (never for NUL, which values may hold). */
static int one_of(int c, const char *set)
{
	return c && strchr(set, c);
}

static size_t find_any(const char *s, size_t from, size_t to, const char *set)
{
	while (from < to && !one_of(s[from], set))
		from++;
	return from;
}

static size_t find_last(const char *s, size_t from, size_t to, int c)
{
	size_t k, at = to;

	for (k = from; k < to; k++)
		if (s[k] == c)
			at = k;
	return at;
}

/*
 * The '@' that ends the user information of the URL whose authority
 * starts at a, or `end` when there is none.  By RFC 3986 the authority
 * ends at the first '/', '?' or '#', but a password holding one of them
 * unescaped is still a password: after such a delimiter, an '@' is taken
 * as the end of user information when the text before the delimiter has
 * a ':' followed by something that is not a port (user:pa/ss@host), or
 * when only one path segment without '=' or '&' separates it from the
 * delimiter and the '@' does not open a segment (tok/en@host; but not
 * host/@scope/pkg or host/p?mail=a@b).
 */
static size_t userinfo_end(const char *s, size_t a, size_t end)
{
	size_t f = a, sep, colon, k, t;

	while (f < end && s[f] != '@')
		f++;
	if (f == end)
		return end;
	sep = find_any(s, a, end, "/?#");
	if (sep > f)
		return find_last(s, a, sep, '@');
	/* A marker left by an earlier redaction holds a ':' that is no password's. */
	for (colon = a; colon < sep && s[colon] != ':'; colon++)
		if ((k = marker_at(s, colon, sep)) > 0)
			colon += k - 1;
	for (k = colon + 1; colon < sep && k < sep && isdigit((unsigned char)s[k]); k++)
		;
	if (!(s[a] != '[' && colon < sep && k < sep) &&
	    !(s[f - 1] != '/' && find_any(s, sep + 1, f, "/?#=&") == f))
		return end;
	t = find_any(s, f + 1, end, "/?#");
	return find_last(s, f, t, '@');
}

/*
 * When the authority s[a, end) of a URL has no '@' but a ':' that starts
 * no port (scheme://user:pass word@host: a password holding white space,
 * unescaped), the '@' further on the same line that ends its user
 * information; else end.
 */
static size_t spaced_userinfo(const char *s, size_t a, size_t end, size_t len)
{
	size_t c = find_any(s, a, end, ":/?#"), p;

	if (a >= end || s[a] == '[' || c >= end || s[c] != ':' || c + 1 >= end ||
	    isdigit((unsigned char)s[c + 1]))
		return end;
	for (p = end; p < len && s[p] != '\n' && s[p] != '\r' && s[p] != '@'; p++)
		if (p + 3 <= len && !memcmp(s + p, "://", 3))
			return end;
	return p < len && s[p] == '@' ? p : end;
}

/*
 * The end of the value of the query parameter whose name starts at s[i]
 * (after '?' or '&'; the URL ends at e) when the name looks secret and the
 * value is neither empty nor a marker already; else i.  *eq is its '='.
 */
static size_t secret_param(const char *s, size_t i, size_t e, size_t *eq)
{
	size_t j = find_any(s, i, e, "&#"), q = find_any(s, i, j, "=");

	if (q + 1 >= j || marker_at(s, q + 1, j) || !name_secret(s + i, q - i, 0))
		return i;
	*eq = q;
	return j;
}

/* Webhooks whose secret is their path: host (or a subdomain of it) and the path kept. */
static const struct webhook {
	const char *host, *path;
} webhooks[] = {
	{ "hooks.slack.com", "/services/" },
	{ "hooks.slack.com", "/workflows/" },
	{ "hooks.slack.com", "/triggers/" },
	{ "hooks.slack.com", "/" },
	{ "discord.com", "/api/webhooks/" },
	{ "discordapp.com", "/api/webhooks/" },
	{ "webhook.office.com", "/" },
	{ "outlook.office.com", "/webhook/" },
	{ "outlook.office365.com", "/webhook/" },
	{ "api.telegram.org", "/" },
	{ "hooks.zapier.com", "/hooks/catch/" },
	{ "maker.ifttt.com", "/trigger/" },
	{ "events.pagerduty.com", "/integration/" },
	{ "chat.googleapis.com", "/v1/spaces/" },
	{ NULL, NULL },
};

/* The webhook whose host is s[h, k) and whose path s[k, e) starts with its known part, or NULL. */
static const struct webhook *webhook(const char *s, size_t h, size_t k, size_t e)
{
	const struct webhook *w;
	size_t hn = find_any(s, h, k, ":") - h;

	for (w = webhooks; w->host; w++) {
		size_t n = strlen(w->host), pn = strlen(w->path);

		if (hn < n || strncasecmp(s + h + hn - n, w->host, n) || (hn > n && s[h + hn - n - 1] != '.'))
			continue;
		if (e - k >= pn && !strncasecmp(s + k, w->path, pn))
			return w;
	}
	return NULL;
}

/*
 * Pass 1: s (len bytes) with the credentials of its URLs removed.  After
 * a URL's host the scan goes on through its path, query and fragment, so
 * that a URL inside another (?next=https://user:pw@host/) is found too;
 * ue is the end of the URL being walked, part where in it the scan is.
 */
static void scan_urls(struct scan *sc, const char *s, size_t len)
{
	enum { PATH, QUERY, FRAGMENT } part = PATH;
	size_t i = 0, done = 0, ue = 0;

	while (i < len) {
		size_t sch, a, end, at, h, e, k, eq, v;
		const struct webhook *w;

		if (i < ue && part == PATH && (s[i] == '?' || s[i] == '#') && (sc->flags & SL_SECRET_DROP)) {
			/* A repository's identity: no query, no fragment. */
			put(sc->out, s + done, i - done);
			done = i = ue;
			continue;
		}
		if (i < ue && s[i] == '#')
			part = FRAGMENT;
		else if (i < ue && s[i] == '?' && part == PATH)
			part = QUERY;
		if (i < ue && part == QUERY && (s[i] == '?' || s[i] == '&') &&
		    (v = secret_param(s, i + 1, ue, &eq)) > i + 1) {
			i = replace(sc, s, &done, eq + 1, v, "url-query");
			continue;
		}
		if (i + 3 > len || s[i] != ':' || s[i + 1] != '/' || s[i + 2] != '/') {
			i++;
			continue;
		}
		for (sch = i; sch > done && scheme_char((unsigned char)s[sch - 1]); sch--)
			;
		if (sch == i || !isalpha((unsigned char)s[sch])) {
			i += 3;
			continue;
		}
		a = i + 3;
		/* User information may hold anything but white space. */
		for (end = a; end < len && !isspace((unsigned char)s[end]); end++)
			;
		at = userinfo_end(s, a, end);
		if (at == end)
			at = spaced_userinfo(s, a, end, len);
		put(sc->out, s + done, a - done);
		h = a;
		if (at != end) {
			if (memchr(s + a, ':', at - a) || !login_scheme(s + sch, i - sch)) {
				found(sc, "url-userinfo");
				if (!(sc->flags & SL_SECRET_DROP))
					put(sc->out, "@", 1);
			} else {
				put(sc->out, s + a, at + 1 - a);
			}
			h = at + 1;
		}
		for (e = h; e < len && !url_end((unsigned char)s[e]); e++)
			;
		k = find_any(s, h, e, "/?#");
		if ((w = webhook(s, h, k, e)) != NULL) {
			/* Nothing after the known part: no secret, or its marker already. */
			put(sc->out, s + h, k - h);
			put(sc->out, w->path, strlen(w->path));
			if (e - k > strlen(w->path))
				found(sc, "webhook-url");
			done = i = e;
			ue = 0;
			continue;
		}
		/* The host too is scanned again: "a://b://u:p@h" holds a second URL. */
		done = i = h;
		ue = e;
		part = PATH;
	}
	put(sc->out, s + done, len - done);
}

/* ---- pass 2: tokens, keys and pairs ---- */

enum cls { UPNUM, ALNUM, WORD, B64URL, HEX, SG };

static int in_cls(int c, enum cls k)
{
	switch (k) {
	case UPNUM: return isupper(c) || isdigit(c);
	case ALNUM: return isalnum(c);
	case WORD: return isalnum(c) || c == '_';
	case B64URL: return isalnum(c) || c == '_' || c == '-';
	case HEX: return isxdigit(c);
	case SG: return isalnum(c) || c == '_' || c == '-' || c == '.';
	}
	return 0;
}

static const struct token {
	const char *prefix;
	enum cls cls;
	size_t min, max; /* body length; max 0: no limit */
	const char *why;
} tokens[] = {
	{ "AKIA", UPNUM, 16, 16, "aws-access-key" },    { "ASIA", UPNUM, 16, 16, "aws-access-key" },
	{ "AGPA", UPNUM, 16, 16, "aws-access-key" },    { "AIDA", UPNUM, 16, 16, "aws-access-key" },
	{ "AROA", UPNUM, 16, 16, "aws-access-key" },    { "AIPA", UPNUM, 16, 16, "aws-access-key" },
	{ "ANPA", UPNUM, 16, 16, "aws-access-key" },    { "ANVA", UPNUM, 16, 16, "aws-access-key" },
	{ "ABIA", UPNUM, 16, 16, "aws-access-key" },    { "ACCA", UPNUM, 16, 16, "aws-access-key" },
	{ "ghp_", ALNUM, 30, 0, "github-token" },       { "gho_", ALNUM, 30, 0, "github-token" },
	{ "ghu_", ALNUM, 30, 0, "github-token" },       { "ghs_", ALNUM, 30, 0, "github-token" },
	{ "ghr_", ALNUM, 30, 0, "github-token" },       { "github_pat_", WORD, 22, 0, "github-token" },
	{ "glpat-", B64URL, 20, 0, "gitlab-token" },    { "gldt-", B64URL, 20, 0, "gitlab-token" },
	{ "glrt-", B64URL, 20, 0, "gitlab-token" },     { "glptt-", B64URL, 20, 0, "gitlab-token" },
	{ "glcbt-", B64URL, 20, 0, "gitlab-token" },    { "xoxa-", B64URL, 10, 0, "slack-token" },
	{ "xoxb-", B64URL, 10, 0, "slack-token" },      { "xoxp-", B64URL, 10, 0, "slack-token" },
	{ "xoxo-", B64URL, 10, 0, "slack-token" },      { "xoxs-", B64URL, 10, 0, "slack-token" },
	{ "xoxr-", B64URL, 10, 0, "slack-token" },      { "xoxe-", B64URL, 10, 0, "slack-token" },
	{ "xapp-", B64URL, 10, 0, "slack-token" },      { "sk_live_", ALNUM, 16, 0, "stripe-key" },
	{ "sk_test_", ALNUM, 16, 0, "stripe-key" },     { "rk_live_", ALNUM, 16, 0, "stripe-key" },
	{ "rk_test_", ALNUM, 16, 0, "stripe-key" },     { "whsec_", ALNUM, 16, 0, "stripe-key" },
	{ "AIza", B64URL, 35, 35, "google-api-key" },   { "npm_", ALNUM, 36, 0, "npm-token" },
	{ "pypi-AgE", B64URL, 16, 0, "pypi-token" },    { "sk-ant-", B64URL, 20, 0, "anthropic-key" },
	{ "sk-proj-", B64URL, 20, 0, "openai-key" },    { "sk-svcacct-", B64URL, 20, 0, "openai-key" },
	{ "sk-", ALNUM, 40, 0, "openai-key" },          { "SG.", SG, 40, 0, "sendgrid-key" },
	{ "hvs.", B64URL, 24, 0, "vault-token" },       { "hvb.", B64URL, 24, 0, "vault-token" },
	{ "dop_v1_", HEX, 64, 0, "digitalocean-token" }, { "doo_v1_", HEX, 64, 0, "digitalocean-token" },
	{ "shpat_", HEX, 32, 32, "shopify-token" },     { "shpss_", HEX, 32, 32, "shopify-token" },
	{ "shpca_", HEX, 32, 32, "shopify-token" },     { "shppa_", HEX, 32, 32, "shopify-token" },
	{ "dckr_pat_", B64URL, 20, 0, "docker-token" }, { "hf_", ALNUM, 30, 0, "huggingface-token" },
	{ "glsa_", WORD, 32, 0, "grafana-token" },      { "AGE-SECRET-KEY-1", UPNUM, 50, 0, "age-secret-key" },
	{ "key-", HEX, 32, 32, "mailgun-key" },         { "ya29.", B64URL, 20, 0, "google-oauth-token" },
	{ "SK", HEX, 32, 32, "twilio-key" },            { "s.", ALNUM, 24, 24, "vault-token" },
	{ "dapi", HEX, 32, 32, "databricks-token" },    { "lin_api_", ALNUM, 32, 0, "linear-key" },
	{ "PMAK-", B64URL, 40, 0, "postman-key" },      { "NRAK-", UPNUM, 27, 27, "newrelic-key" },
	{ "dp.st.", SG, 40, 0, "doppler-token" },       { "dp.pt.", SG, 40, 0, "doppler-token" },
	{ "dp.sa.", SG, 40, 0, "doppler-token" },       { "pul-", HEX, 40, 40, "pulumi-token" },
	{ "sbp_", HEX, 40, 40, "supabase-token" },      { "nfp_", ALNUM, 36, 0, "netlify-token" },
	{ "sntrys_", B64URL, 40, 0, "sentry-token" },   { "sntryu_", HEX, 64, 64, "sentry-token" },
	{ "sq0atp-", B64URL, 22, 0, "square-token" },   { "sq0csp-", B64URL, 40, 0, "square-token" },
	{ "ATATT3", B64URL, 100, 0, "atlassian-token" },
	{ "glc_", B64URL, 32, 0, "grafana-token" },     { "fo1_", B64URL, 40, 0, "fly-token" },
	{ NULL, 0, 0, 0, NULL },
};

static size_t run_of(const char *s, size_t i, size_t n, enum cls k)
{
	size_t j = i;

	while (j < n && in_cls((unsigned char)s[j], k))
		j++;
	return j - i;
}

static int starts(const char *s, size_t i, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n - i >= k && !memcmp(s + i, p, k);
}

/* End of a PEM private key starting at i ("-----BEGIN "), or i when it is no private key. */
static size_t pem_key(const char *s, size_t i, size_t n)
{
	const char *h = s + i + 11, *lim = s + n, *dash, *endl, *close;

	dash = memmem(h, (size_t)(lim - h), "-----", 5);
	if (!dash || !memmem(h, (size_t)(dash - h), "PRIVATE KEY", 11))
		return i;
	endl = memmem(dash + 5, (size_t)(lim - dash - 5), "-----END ", 9);
	if (!endl)
		return n;
	close = memmem(endl + 9, (size_t)(lim - endl - 9), "-----", 5);
	return close ? (size_t)(close + 5 - s) : n;
}

/* End of a JSON Web Token at i ("eyJ"): header.payload.signature, base64url. */
static size_t jwt(const char *s, size_t i, size_t n)
{
	size_t a = run_of(s, i, n, B64URL), b, c;

	if (a < 10 || i + a >= n || s[i + a] != '.')
		return i;
	b = run_of(s, i + a + 1, n, B64URL);
	if (b < 2 || i + a + 1 + b >= n || s[i + a + 1 + b] != '.')
		return i;
	c = run_of(s, i + a + b + 2, n, B64URL);
	return i + a + b + 2 + c;
}


/* The value of a base64 digit of either alphabet (standard or URL-safe), or -1. */
static int b64_digit(int c)
{
	if (isupper(c))
		return c - 'A';
	if (islower(c))
		return c - 'a' + 26;
	if (isdigit(c))
		return c - '0' + 52;
	return c == '+' || c == '-' ? 62 : c == '/' || c == '_' ? 63 : -1;
}

/*
 * The end of a run of base64 at i: digits of either alphabet, line breaks
 * between them (base64 wrapped at 64 or 76 columns) and up to two '='.
 */
static size_t b64_run(const char *s, size_t i, size_t n)
{
	size_t j = i, pad = 0;

	while (j < n) {
		if (b64_digit((unsigned char)s[j]) >= 0)
			j++;
		else if ((s[j] == '\n' || s[j] == '\r') && j > i && j + 1 < n &&
			 (b64_digit((unsigned char)s[j + 1]) >= 0 || s[j + 1] == '\n'))
			j++;
		else
			break;
	}
	while (j < n && s[j] == '=' && pad++ < 2)
		j++;
	return j;
}

/* Whether d holds text: no control character but tab and line ends (UTF-8 is text). */
static int text(const unsigned char *d, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((d[i] < 0x20 && d[i] != '\t' && d[i] != '\n' && d[i] != '\r') || d[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * Whether d is a private key in DER: a SEQUENCE whose first member is the
 * INTEGER version 0 (PKCS#1 RSA, PKCS#8), 1 (SEC 1 EC, OneAsymmetricKey)
 * or 3 (a PKCS#12 bundle).  Certificates and public keys start with a
 * SEQUENCE inside the SEQUENCE instead.
 */
static int der_private_key(const unsigned char *d, size_t n)
{
	size_t h;

	if (n < 8 || d[0] != 0x30)
		return 0;
	h = d[1] < 0x80 ? 2 : d[1] == 0x81 ? 3 : d[1] == 0x82 ? 4 : d[1] == 0x83 ? 5 : 0;
	return h && n >= h + 3 && d[h] == 0x02 && d[h + 1] == 0x01 &&
	       (d[h + 2] == 0 || d[h + 2] == 1 || d[h + 2] == 3);
}

/*
 * Whether s[i, e), base64 whose first k digits are skipped, decodes to
 * text that holds a secret (a PEM private key in a kubeconfig's
 * client-key-data, a .netrc, a JSON file with a password); *why is then
 * the reason found in it.  With colon, only whether the decoded text
 * holds a ':' (HTTP Basic user:password).  Decoded text is not decoded
 * again.  A value that cannot be decoded for want of memory is taken as
 * a secret.
 */
static int b64_decoded_secret(const char *s, size_t i, size_t e, size_t k, int colon,
			      const char **why)
{
	struct scan inner = { NULL, NULL, 0, 0, 1 };
	unsigned char *d;
	size_t dn = 0;
	unsigned acc = 0;
	int bits = 0, v, r;

	if (!(d = malloc((e - i) / 4 * 3 + 3))) {
		*why = "base64";
		return 1;
	}
	for (; i < e; i++) {
		if ((v = b64_digit((unsigned char)s[i])) < 0 || (k && k--))
			continue;
		acc = (acc << 6 | (unsigned)v) & 0xffffff;
		if ((bits += 6) >= 8) {
			bits -= 8;
			d[dn++] = (unsigned char)(acc >> bits);
		}
	}
	if (colon) {
		r = memchr(d, ':', dn) != NULL;
	} else if (!text(d, dn)) {
		r = 0; /* bytes, not text: the rules would find words in noise */
	} else {
		scan_urls(&inner, (const char *)d, dn);
		if (!inner.why)
			scan_tokens(&inner, (const char *)d, dn);
		r = inner.why != NULL;
		*why = inner.why;
	}
	free(d);
	return r;
}

/*
 * The same for a whole run of base64, s[i, e): the encoded text may start
 * anywhere in it (a path before it, "acme/LS0t..."), so it is decoded from
 * each of the four digits that can start a group.
 */
static int b64_secret(const char *s, size_t i, size_t e, int colon, const char **why)
{
	size_t k, j;

	/* A key in DER starts the run, or follows a '/' in it (a path before it). */
	for (j = i; !colon && j < e; j++) {
		unsigned char d[9];
		size_t m, dn = 0;
		unsigned acc = 0;
		int bits = 0, v;

		if (j > i && s[j - 1] != '/')
			continue;
		for (m = j; m < e && dn < sizeof(d) && (v = b64_digit((unsigned char)s[m])) >= 0; m++) {
			acc = (acc << 6 | (unsigned)v) & 0xffffff;
			if ((bits += 6) >= 8) {
				bits -= 8;
				d[dn++] = (unsigned char)(acc >> bits);
			}
		}
		if (der_private_key(d, dn)) {
			*why = "der-private-key";
			return 1;
		}
	}

	for (k = 0; k < 4; k++)
		if (b64_decoded_secret(s, i, e, k, colon, why))
			return 1;
	return 0;
}

/*
 * End of an AWS secret access key at i, or i: exactly 40 characters of
 * the base64 alphabet with nothing of it (nor '=') on either side, that
 * do not start with '/' (a path), and that look random: upper and lower
 * case letters and digits, at least 22 different characters (a random
 * one has about 30; words and paths fewer), and at least 3 capitals not
 * followed by a small letter (about 9 at random; CamelCase words and
 * paths have next to none), and whose 30 bytes are not text (base64 of
 * a public string is).  Its name is no help under an innocent variable:
 * the shape is all there is.
 */
static size_t aws_secret(const char *s, size_t i, size_t n)
{
	unsigned char seen[256] = { 0 };
	unsigned char d[30];
	size_t j, k, m, distinct = 0, caps = 0;
	int up = 0, low = 0, dig = 0;

	if (s[i] == '/' || (i > 0 && one_of(s[i - 1], "+=")) || n - i < 40)
		return i;
	for (j = i; j < i + 40; j++) {
		unsigned char c = (unsigned char)s[j];

		if (!isalnum(c) && c != '+' && c != '/')
			return i;
		up |= isupper(c) != 0;
		low |= islower(c) != 0;
		dig |= isdigit(c) != 0;
		distinct += !seen[c]++;
		caps += isupper(c) && (j + 1 == i + 40 || !islower((unsigned char)s[j + 1]));
	}
	if (j < n && (isalnum((unsigned char)s[j]) || one_of(s[j], "+/=")))
		return i;
	if (!up || !low || !dig || distinct < 22 || caps < 3)
		return i;
	for (k = 0; k < 40; k += 4) {
		unsigned v = 0;

		for (m = 0; m < 4; m++)
			v = v << 6 | (unsigned)b64_digit((unsigned char)s[i + k + m]);
		d[k / 4 * 3] = (unsigned char)(v >> 16);
		d[k / 4 * 3 + 1] = (unsigned char)(v >> 8);
		d[k / 4 * 3 + 2] = (unsigned char)v;
	}
	return text(d, sizeof(d)) ? i : j;
}

/* End of a secret starting at i, or i; *why says what it is. */
static size_t secret_at(const struct scan *sc, const char *s, size_t i, size_t n, const char **why)
{
	const struct token *t;
	size_t e;

	if (starts(s, i, n, "-----BEGIN ") && (e = pem_key(s, i, n)) > i) {
		*why = "pem-private-key";
		return e;
	}
	if (starts(s, i, n, "eyJ") && (e = jwt(s, i, n)) > i) {
		*why = "jwt";
		return e;
	}
	if (n - i > 7 && !strncasecmp(s + i, "bearer ", 7) && run_of(s, i + 7, n, SG) >= 16) {
		*why = "bearer-token";
		return i + 7 + run_of(s, i + 7, n, SG);
	}
	if (n - i > 6 && !strncasecmp(s + i, "basic ", 6) && (e = b64_run(s, i + 6, n)) >= i + 10 &&
	    b64_secret(s, i + 6, e, 1, why)) {
		*why = "basic-auth";
		return e;
	}
	for (t = tokens; t->prefix; t++) {
		size_t p = strlen(t->prefix), r;

		if (!starts(s, i, n, t->prefix))
			continue;
		r = run_of(s, i + p, n, t->cls);
		if (r < t->min || (t->max && r != t->max))
			continue;
		*why = t->why;
		return i + p + r;
	}
	/*
	 * Before the AWS key, which would take a line of base64 wrapped at 40
	 * columns.  24 characters at least: 18 bytes, room for the shortest
	 * secret found in them.
	 */
	if (!sc->depth && (i == 0 || b64_digit((unsigned char)s[i - 1]) < 0) &&
	    (e = b64_run(s, i, n)) >= i + 24 && b64_secret(s, i, e, 0, why))
		return e;
	if ((e = aws_secret(s, i, n)) > i) {
		*why = "aws-secret-key";
		return e;
	}
	return i;
}

/* Length of a marker "<redacted:WHY>" at s[i], or 0. */
static size_t marker_at(const char *s, size_t i, size_t n)
{
	size_t k = strlen(SL_REDACTED_PREFIX), j;

	if (!starts(s, i, n, SL_REDACTED_PREFIX))
		return 0;
	for (j = i + k; j < n && (islower((unsigned char)s[j]) || s[j] == '-'); j++)
		;
	return j < n && j > i + k && s[j] == '>' ? j + 1 - i : 0;
}

/* What ends a pair's name on its left; '>' ends a marker, whose words are no name. */
static int pair_sep(int c)
{
	return one_of(c, ";&?,\"'{(<>") || isspace(c);
}

/*
 * The end of the value of a NAME=VALUE pair whose '=' is at s[i], when
 * NAME is secret-looking and VALUE not empty; else i.  The value ends at
 * ';', '&', a line end, the closing quote of a quoted value, or white
 * space followed by the next NAME= (host=db password=x user=y).
 */
static size_t pair_at(const char *s, size_t i, size_t n, size_t *val)
{
	size_t k, ne = i, v = i + 1, j;

	/* White space may stand around the '=' (TOML, INI: password = "..."). */
	while (ne > 0 && (s[ne - 1] == ' ' || s[ne - 1] == '\t'))
		ne--;
	for (k = ne; k > 0 && !pair_sep((unsigned char)s[k - 1]) && s[k - 1] != '='; k--)
		;
	if (ne < i)
		while (v < n && (s[v] == ' ' || s[v] == '\t'))
			v++;
	if (k == ne || v >= n || one_of(s[v], ";&\r\n") || marker_at(s, v, n) ||
	    !name_secret(s + k, ne - k, 0))
		return i;
	*val = v;
	if (s[v] == '"' || s[v] == '\'') {
		const char *q = memchr(s + v + 1, s[v], n - v - 1);
		return q ? (size_t)(q - s) + 1 : n;
	}
	for (j = v; j < n && !one_of(s[j], ";&\r\n"); j++) {
		if (s[j] == ' ' || s[j] == '\t') {
			size_t w = j + 1;
			while (w < n && isalnum((unsigned char)s[w]))
				w++;
			if (w > j + 1 && w < n && s[w] == '=')
				break;
		}
	}
	return j;
}

/*
 * A JSON member "NAME": "VALUE" whose ':' is at s[i], when NAME looks
 * secret and VALUE is a string that is neither empty nor a marker: 1 with
 * *v and *e set to the value's first byte and its closing quote (or n).
 */
static int json_pair_at(const char *s, size_t i, size_t n, size_t *v, size_t *e)
{
	size_t q = i, k, j;
	char qc;

	while (q > 0 && (s[q - 1] == ' ' || s[q - 1] == '\t'))
		q--;
	if (q < 2 || (s[q - 1] != '"' && s[q - 1] != '\''))
		return 0;
	qc = s[q - 1];
	for (k = q - 1; k > 0 && s[k - 1] != qc; k--)
		;
	if (k == 0 || k == q - 1 || !name_secret(s + k, q - 1 - k, 0))
		return 0;
	for (j = i + 1; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
		;
	/* A number: {"pin": 123456}. */
	if (j < n && (isdigit((unsigned char)s[j]) || s[j] == '-')) {
		*v = j;
		while (j < n && (isalnum((unsigned char)s[j]) || one_of(s[j], ".+-")))
			j++;
		*e = j;
		return 1;
	}
	if (j + 1 >= n || (s[j] != '"' && s[j] != '\'') || s[j + 1] == s[j] || marker_at(s, j + 1, n))
		return 0;
	qc = s[j];
	*v = j + 1;
	for (j = *v; j < n && s[j] != qc; j++)
		if (s[j] == '\\' && j + 1 < n)
			j++;
	*e = j < n ? j : n;
	return 1;
}

/* The first byte of the line holding s[i]. */
static size_t line_start(const char *s, size_t i)
{
	while (i > 0 && s[i - 1] != '\n' && s[i - 1] != '\r')
		i--;
	return i;
}

/*
 * The end of the value of a "NAME: VALUE" pair whose ':' is at s[i], as
 * in YAML, HTTP headers and properties (token: ..., Authorization: ...,
 * client-key-data: ...), when NAME is secret-looking and VALUE neither
 * empty nor a marker; else i.  *v is set to the value's first byte.  The
 * value runs to the end of the line, or to the closing quote; a YAML
 * block scalar ('|' or '>') runs over the lines indented deeper than
 * NAME's line.
 */
static size_t colon_pair_at(const char *s, size_t i, size_t n, size_t *v)
{
	size_t k = i, j, ls, ind, e;

	size_t ne = i;

	if (i + 1 >= n || (s[i + 1] != ' ' && s[i + 1] != '\t'))
		return i;
	while (ne > 0 && (s[ne - 1] == ' ' || s[ne - 1] == '\t')) /* db.password : x */
		ne--;
	for (k = ne; k > 0 && !pair_sep((unsigned char)s[k - 1]) && s[k - 1] != '=' && s[k - 1] != ':'; k--)
		;
	if (k == ne || !name_secret(s + k, ne - k, 0))
		return i;
	for (j = i + 1; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
		;
	if (j >= n || s[j] == '\n' || s[j] == '\r' || marker_at(s, j, n))
		return i;
	*v = j;
	if (s[j] == '"' || s[j] == '\'') {
		const char *q = memchr(s + j + 1, s[j], n - j - 1);
		return q ? (size_t)(q - s) + 1 : n;
	}
	if (s[j] == '|' || s[j] == '>') {
		ls = line_start(s, k);
		for (ind = 0; ls + ind < k && (s[ls + ind] == ' ' || s[ls + ind] == '-'); ind++)
			;
		for (e = j; e < n && s[e] != '\n'; e++)
			;
		/* Each following line indented deeper, or blank, is the block's. */
		while (e < n) {
			size_t l = e + 1, d = 0;

			while (l + d < n && s[l + d] == ' ')
				d++;
			if (l + d < n && s[l + d] != '\n' && s[l + d] != '\r' && d <= ind)
				break;
			for (e = l + d; e < n && s[e] != '\n'; e++)
				;
		}
		return e;
	}
	for (e = j; e < n && s[e] != '\n' && s[e] != '\r'; e++)
		;
	return e;
}

/*
 * The end of the value of a command-line option with a secret-looking
 * name, "--password VALUE" or "-token VALUE", or of a .netrc "password
 * VALUE", whose option or keyword starts at s[i] (after white space);
 * else i.  *v is set to the value's first byte.  The value is the next
 * word, when it does not start with '-'.  A bare word counts only when it
 * is "password" or "passwd": in prose others would take innocent words.
 */
static size_t option_at(const char *s, size_t i, size_t n, size_t *v)
{
	size_t a = i, k, j, e;

	while (a < n && a < i + 2 && s[a] == '-')
		a++;
	for (k = a; k < n && (isalnum((unsigned char)s[k]) || one_of(s[k], "_.-")); k++)
		;
	if (k == a || k >= n || (s[k] != ' ' && s[k] != '\t'))
		return i;
	if (a == i ? !((k - a == 8 && !strncasecmp(s + a, "password", 8)) ||
		       (k - a == 6 && !strncasecmp(s + a, "passwd", 6)))
		   : !name_secret(s + a, k - a, 0))
		return i;
	for (j = k; j < n && (s[j] == ' ' || s[j] == '\t'); j++)
		;
	/* "password = x" and "password : x" are pairs, found at their '=' or ':'. */
	if (j >= n || isspace((unsigned char)s[j]) || one_of(s[j], "-=:") || marker_at(s, j, n))
		return i;
	for (e = j; e < n && !isspace((unsigned char)s[e]); e++)
		;
	*v = j;
	return e;
}

/*
 * The end of the text of an XML element <NAME>TEXT</NAME> whose '<' is at
 * s[i], when NAME looks secret and TEXT is not empty (<password>...,
 * <client_secret>...); else i.  *v is set to the text's first byte.
 */
static size_t element_at(const char *s, size_t i, size_t n, size_t *v)
{
	size_t k = i + 1, e;

	while (k < n && (isalnum((unsigned char)s[k]) || one_of(s[k], "_.:-")))
		k++;
	if (k == i + 1 || k + 1 >= n || s[k] != '>' || s[k + 1] == '<' || !name_secret(s + i + 1, k - i - 1, 0))
		return i;
	for (e = k + 1; e < n && s[e] != '<'; e++)
		;
	*v = k + 1;
	return e;
}

/*
 * Whether s[v, e) is a file's path, as "SL_KEY: /etc/stateledger/keys/
 * checkpoint.key" or "password_file: /run/secrets/db" write it: from '/',
 * "~/" or "./", of two components or more, none empty, in the characters
 * of file names; and either all in lower case or ending in an extension.
 * A secret of random characters is neither ('.' is in no base64 alphabet,
 * and one in lower case alone would have to fall in this shape).
 */
static int file_path(const char *s, size_t v, size_t e)
{
	size_t i, parts = 0, last = v;
	int upper = 0, ext = 0;

	if (starts(s, v, e, "~/") || starts(s, v, e, "./"))
		v++;
	if (v >= e || s[v] != '/')
		return 0;
	for (i = v; i < e; i++) {
		if (s[i] == '/') {
			if (i + 1 >= e || s[i + 1] == '/')
				return 0;
			parts++;
			last = i + 1;
		} else if (isupper((unsigned char)s[i])) {
			upper = 1;
		} else if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
			   !one_of(s[i], "._-")) {
			return 0;
		}
	}
	for (i = e; i > last + 1 && isalnum((unsigned char)s[i - 1]); i--)
		;
	ext = i > last + 1 && s[i - 1] == '.' && e - i >= 1 && e - i <= 8;
	return parts >= 2 && (!upper || ext);
}

/*
 * Whether the value s[v, e) of a pair only names where the secret comes
 * from, as templates and shells write it: ${NAME}, ${{ secrets.X }},
 * {{ .Values.x }} or $(command), quoted or not (password: ${DB_PASSWORD}),
 * or a file's path (above).  A bare $NAME is not taken as one: a password
 * may well start with '$'; but an option on a command line (`shell`),
 * "$NAME" in double quotes is the shell's to expand.
 */
static int reference(const char *s, size_t v, size_t e, int shell)
{
	while (v < e && (s[v] == ' ' || s[v] == '\t'))
		v++;
	while (e > v && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	if (e - v >= 2 && (s[v] == '"' || s[v] == '\'') && s[e - 1] == s[v]) {
		if (shell && s[v] == '"' && e - v >= 4 && s[v + 1] == '$' &&
		    (isalpha((unsigned char)s[v + 2]) || s[v + 2] == '_')) {
			size_t i = v + 3;

			while (i < e - 1 && (isalnum((unsigned char)s[i]) || s[i] == '_'))
				i++;
			if (i == e - 1)
				return 1;
		}
		v++;
		e--;
	}
	if (e - v >= 6 && starts(s, v, e, "${{") && s[e - 2] == '}' && s[e - 1] == '}')
		return !memmem(s + v + 3, e - v - 5, "}}", 2);
	if (e - v >= 3 && starts(s, v, e, "${") && s[e - 1] == '}')
		return !memchr(s + v + 2, '}', e - v - 3);
	if (e - v >= 4 && starts(s, v, e, "{{") && s[e - 2] == '}' && s[e - 1] == '}')
		return !memmem(s + v + 2, e - v - 4, "}}", 2);
	if (e - v >= 3 && starts(s, v, e, "$(") && s[e - 1] == ')')
		return !memchr(s + v + 2, ')', e - v - 3);
	return file_path(s, v, e);
}

/* Pass 2 over s (the output of pass 1). */
static void scan_tokens(struct scan *sc, const char *s, size_t n)
{
	size_t i = 0, done = 0;

	while (i < n) {
		const char *why = NULL;
		size_t e, m;
		int shell = 0;

		if ((m = marker_at(s, i, n)) > 0) {
			i += m;
			continue;
		}
		if ((i == 0 || !isalnum((unsigned char)s[i - 1])) && (e = secret_at(sc, s, i, n, &why)) > i) {
			i = replace(sc, s, &done, i, e, why);
			continue;
		}
		/* NAME=VALUE, <NAME>VALUE, "NAME": VALUE, NAME: VALUE, --NAME VALUE */
		e = i;
		if (s[i] == '=')
			e = pair_at(s, i, n, &m);
		else if (s[i] == '<')
			e = element_at(s, i, n, &m);
		else if (s[i] == ':' && !json_pair_at(s, i, n, &m, &e) &&
			 (e = colon_pair_at(s, i, n, &m)) > i && secret_at(sc, s, m, n, &why) > m)
			e = i; /* a token the value starts with is named by its own reason */
		if (e == i && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t' || s[i - 1] == '\n')) {
			e = option_at(s, i, n, &m);
			shell = e > i && s[i] == '-';
		}
		if (e > i && !reference(s, m, e, shell)) {
			i = replace(sc, s, &done, m, e, "password-pair");
			continue;
		}
		i++;
	}
	put(sc->out, s + done, n - done);
}

/*
 * A repository named scp-like, [user@]host:path, has no scheme: when it
 * is no path (it starts with neither '/' nor '.') and a ':' comes before
 * its first '/' and its first '@', what comes before the '@' is a
 * user:password (even holding a '/').  The length to drop, or 0.
 */
static size_t scp_userinfo(const char *s, size_t len)
{
	const char *at = memchr(s, '@', len), *colon = memchr(s, ':', len);
	const char *slash = memchr(s, '/', len);

	size_t a, hc;

	if (!at || !colon || colon > at || (slash && slash < colon) || !len || s[0] == '/' ||
	    s[0] == '.' || memmem(s, len, "://", 3))
		return 0;
	/* The password may hold an '@': the last one before the host's ':' ends it. */
	a = (size_t)(at - s);
	hc = find_any(s, a, len, ":");
	return find_last(s, a, hc, '@') + 1;
}

/*
 * The length of the user:password@ that starts s, scp-like.  In other
 * text than a repository's name (without SL_SECRET_DROP), only when the
 * host is followed by :port or :path: not in mailto:alice@example.com.
 */
static size_t scp_skip(const char *s, size_t len, int flags)
{
	size_t skip = scp_userinfo(s, len), c;

	if (skip && !(flags & SL_SECRET_DROP)) {
		c = find_any(s, skip, len, ": \t\r\n/");
		if (c == len || s[c] != ':')
			skip = 0;
	}
	return skip;
}

/* One pass 1 and one pass 2 over s, appended to out: the count, or SL_ENOMEM. */
static int redact_once(struct sl_buf *out, const char *s, size_t len, int flags, const char **why)
{
	struct sl_buf t = SL_BUF_INIT;
	struct scan sc = { &t, NULL, 0, flags, 0 };
	size_t skip = scp_skip(s, len, flags);

	if (skip) {
		found(&sc, "url-userinfo");
		if (!(flags & SL_SECRET_DROP))
			put(&t, "@", 1);
	}
	scan_urls(&sc, s + skip, len - skip);
	if (sl_buf_ok(&t) < 0) {
		sl_buf_release(&t);
		return SL_ENOMEM;
	}
	sc.out = out;
	scan_tokens(&sc, t.buf, t.len);
	sl_buf_release(&t);
	if (why)
		*why = sc.why;
	return sl_buf_ok(out) < 0 ? SL_ENOMEM : sc.n;
}

/*
 * What pass 2 removes can change what pass 1 sees (a password-pair's value
 * that held the '/' ending a URL's host), so the passes are repeated until
 * the text no longer changes: redacting the result again finds nothing
 * new.  Eight rounds are far more than any real value needs.
 */
#define ROUNDS 8

int sl_secret_redact(struct sl_buf *out, const char *s, size_t len, int flags, const char **why)
{
	struct sl_buf cur = SL_BUF_INIT, next = SL_BUF_INIT, t;
	int n, r, round;

	n = r = redact_once(&cur, s, len, flags, why);
	for (round = 1; r > 0 && round < ROUNDS; round++) {
		sl_buf_reset(&next);
		if ((r = redact_once(&next, cur.buf, cur.len, flags, NULL)) < 0)
			break;
		if (next.len == cur.len && !memcmp(next.buf, cur.buf, cur.len))
			break;
		n += r;
		t = cur;
		cur = next;
		next = t;
	}
	if (r >= 0)
		sl_buf_add(out, cur.buf, cur.len);
	sl_buf_release(&cur);
	sl_buf_release(&next);
	if (r < 0 || sl_buf_ok(out) < 0) {
		sl_buf_grow(out, (size_t)-1); /* sets the sticky out-of-memory flag */
		return SL_ENOMEM;
	}
	return n;
}

const char *sl_secret_classify(const char *name, const char *value, size_t len)
{
	struct scan sc = { NULL, NULL, 0, 0, 0 };

	if (name && sl_secret_name(name))
		return "name";
	if (scp_skip(value, len, 0))
		return "url-userinfo";
	/* Looking only: pass 1 changed nothing when it found nothing, so pass 2 reads value. */
	scan_urls(&sc, value, len);
	if (!sc.why)
		scan_tokens(&sc, value, len);
	return sc.why;
}

int sl_secret_var(struct sl_buf *out, const char *name, const char *value, size_t len)
{
	int e;

	if (sl_secret_name(name)) {
		mark(out, "name");
		return sl_buf_ok(out);
	}
	e = sl_secret_redact(out, value, len, 0, NULL);
	return e < 0 ? e : 0;
}
