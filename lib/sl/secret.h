// SPDX-License-Identifier: MIT
/*
 * The one place that decides what is a secret (DESIGN.md section 3): no
 * capture program ever writes a credential into the ledger, because the
 * log is append-only and a leaked secret could never be removed.  Every
 * capture program (sl-capture-env, sl-capture-git, sl-capture-config)
 * passes the text it records through these functions.
 *
 * A secret is found by name (sl_secret_name()) or by value:
 *   url-userinfo      the user information of a URL (scheme://user:pw@host),
 *                     whatever the password holds, even an unescaped '/',
 *                     '?' or '#'; a lone user name is kept only for the ssh
 *                     family of schemes, where it is a login; a password
 *                     holding white space goes to the next '@' on the
 *                     line; a value that starts user:password@host:port
 *                     or user:password@host:path (no scheme) loses it too
 *   url-query         the value of a URL query parameter with a secret name
 *   webhook-url       the path of a webhook URL, which is its secret
 *                     (hooks.slack.com/services/, discord.com/api/webhooks/,
 *                     *.webhook.office.com/, api.telegram.org/bot, ...)
 *   password-pair     the value in NAME=VALUE when NAME is secret-looking
 *                     (Password=, Pwd=, AccountKey=, SharedAccessKey=,
 *                     token=, secret=, any case), up to ';', '&', a line
 *                     end, or a space followed by the next NAME=; and the
 *                     string value of a JSON member "NAME": "VALUE"; the
 *                     value of NAME: VALUE (YAML, HTTP headers: to the line
 *                     end, or over the deeper lines of a '|' or '>' block);
 *                     the word after --NAME or -NAME (command lines) and
 *                     after a bare "password" or "passwd" (.netrc);
 *                     white space may stand around '=' and ':' (TOML,
 *                     INI, properties), JSON names and values may be
 *                     single-quoted or a number; the text of an XML
 *                     element <NAME>...</NAME>; a value that is only
 *                     ${NAME}, {{ ... }} or $(command) is kept
 *   pem-private-key   -----BEGIN ... PRIVATE KEY----- to its END line
 *   jwt               eyJ... . ... . ... (a JSON Web Token)
 *   bearer-token      the token after "Bearer "
 *   basic-auth        "Basic " and base64 that decodes to user:password
 *   (any of these)    a run of base64 (either alphabet, wrapped or not)
 *                     that decodes to text holding a secret is replaced
 *                     whole, with the reason found in it (only text is
 *                     looked into, not bytes with control characters)
 *   der-private-key   a private key in DER as base64 (PKCS#1, PKCS#8,
 *                     SEC 1, PKCS#12: SEQUENCE { INTEGER 0, 1 or 3, ...})
 *   aws-access-key, github-token, gitlab-token, slack-token, stripe-key,
 *   google-api-key, npm-token, pypi-token, openai-key, anthropic-key,
 *   sendgrid-key, vault-token, digitalocean-token, shopify-token,
 *   docker-token, huggingface-token, grafana-token, age-secret-key,
 *   mailgun-key, google-oauth-token (ya29.), twilio-key (SK + 32 hex),
 *   vault-token (also the legacy s. + 24), databricks-token, linear-key,
 *   postman-key, newrelic-key, doppler-token, pulumi-token, supabase-token,
 *   netlify-token, sentry-token, square-token, atlassian-token, fly-token
 *                     the token formats of those services
 *   aws-secret-key    40 characters of the base64 alphabet standing alone
 *                     that look random (mixed case, digits, >= 22
 *                     different characters, >= 3 capitals not followed by
 *                     a small letter, not base64 of text), whatever the
 *                     variable's name
 * Each is replaced where it stands by the marker "<redacted:WHY>", so the
 * rest of the value (a URL's host, a connection string's server) stays.
 */
#ifndef SL_SECRET_H
#define SL_SECRET_H

#include <stddef.h>

#include "sl/buf.h"
#include "sl/err.h"

/* A marker is SL_REDACTED_PREFIX, the reason, and ">": "<redacted:jwt>". */
#define SL_REDACTED_PREFIX "<redacted:"

/* sl_secret_redact() flags. */
/*
 * Drop a URL's credentials, query and fragment (a repository's identity),
 * and the user:password of a scheme-less user:password@host:path.
 */
#define SL_SECRET_DROP 0x1

/*
 * True when a variable's name looks like it holds a secret.  The name is
 * split into words at anything but letters and digits, without regard to
 * case; it is secret when
 *   - it contains TOKEN, SECRET, PASSWORD, PASSWD, PASSPHRASE, PASSCODE,
 *     API_KEY, APIKEY, PRIVATE, CREDENTIAL, CREDS, COOKIE, AUTH, SIGNATURE,
 *     WEBHOOK or MNEMONIC;
 *   - a word is KEY, KEYS, PASS, PWD, PW, PAT, DSN, SALT, PIN, OTP, JWT,
 *     BEARER, SIG, SK, PSK or CRED;
 *   - a word ends in PASS, PWD, PW, KEY, KEYS, PSK, SESSID or SESSIONID
 *     (DBPASS, ROOTPASS, ENCRYPTIONKEY, MYSQLPWD, DBPW, PHPSESSID).
 * SESSION alone is no secret: it names a login session (XDG_SESSION_ID,
 * DESKTOP_SESSION, DBUS_SESSION_BUS_ADDRESS); SESSION_TOKEN, SESSION_KEY
 * and SESSION_SECRET are caught by their other words, a bare SESSION_ID
 * is not.
 * These words are innocent and never count: AUTHOR, AUTHORS, AUTHORITY,
 * AUTHORITIES (certificate-authority-data), BYPASS,
 * COMPASS, SURPASS, TRESPASS, MONKEY, DONKEY, TURKEY, HOCKEY, JOCKEY,
 * WHISKEY, HOTKEY, ASKPASS (GIT_ASKPASS is a program), TOKENIZER and
 * TOKENIZERS (TOKENIZERS_PARALLELISM) (so GIT_AUTHOR_NAME and CACHE_BYPASS are kept, while
 * KEYBOARD never matched: KEY is not at its end).  PWD, OLDPWD (working
 * directories) and SSH_AUTH_SOCK (a socket path) themselves are not
 * secret.  GPG_KEY_ID is (the word KEY): allow it by name if wanted.
 */
int sl_secret_name(const char *name);

/*
 * Append s (len bytes) to out with every secret found by value replaced
 * by its marker (see above); with SL_SECRET_DROP a URL's user information,
 * query and fragment are removed instead of marked.  When why is not
 * NULL, *why is set to the reason of the first secret found, or NULL.
 * Returns the number of secrets removed, or SL_ENOMEM (out is then in its
 * out-of-memory state).
 */
int sl_secret_redact(struct sl_buf *out, const char *s, size_t len, int flags,
		     const char **why) SL_WUR;

/*
 * Why a variable, or any recorded text, must not be written as it is:
 * "name" when name (may be NULL) is secret-looking, else the reason of
 * the first secret found in value (len bytes), else NULL.  Allocates
 * nothing.
 */
const char *sl_secret_classify(const char *name, const char *value, size_t len);

/*
 * What a variable NAME=VALUE is recorded as, appended to out: the marker
 * "<redacted:name>" when the name is secret-looking, else the value
 * through sl_secret_redact().  0 or SL_ENOMEM.
 */
int sl_secret_var(struct sl_buf *out, const char *name, const char *value, size_t len) SL_WUR;

#endif
