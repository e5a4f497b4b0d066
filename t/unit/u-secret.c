// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/secret.c: secret names, credentials in URLs, and
 * secrets found by value, each with the marker that says why.  The
 * corpus in t/fixtures/secrets/ drives the programs; these pin the rules.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sl/secret.h"

START_TEST(secret_names)
{
	static const char *const secret[] = {
		"AWS_SECRET_ACCESS_KEY", "github_token", "My_Password", "DB_PASSWD", "SESSION_COOKIE",
		"AWS_ACCESS_KEY_ID", "API_KEY", "apikey", "STRIPE_KEY", "SSH_PRIVATE_KEY_FILE",
		"GOOGLE_APPLICATION_CREDENTIALS", "BASIC_AUTH", "OAUTH_CLIENT", "MYSQL_PWD",
		"SENTRY_DSN", "GPG_PASSPHRASE", "NPM_TOKEN", "x-api-key", "jwt", "SIGNING_SALT",
		"GH_PAT", "REDIS_PASS", "ADMIN_PIN", "URL_SIG", "keys",
		/* issue 11: no separator before the telling part */
		"DBPASS", "ROOTPASS", "ENCRYPTIONKEY", "STRIPE_SK", "dbpass", "MysqlPwd", "WIFI_PSK",
		"SIGNINGKEYS", "MASTERKEY_FILE", "GPG_KEY_ID", "HTTP_AUTHORIZATION", "AUTHOR_TOKEN",
		/* review 2 */
		"CREDS", "X_CREDS", "AWS_CRED", "DBPW", "PASSCODE", "SLACK_WEBHOOK", "WALLET_MNEMONIC",
		"PHPSESSID", "JSESSIONID", "AWS_SESSION_TOKEN", "HF_TOKENIZER_TOKEN", "SESSION_KEY",
		NULL,
	};
	static const char *const plain[] = {
		"PATH", "HOME", "LANG", "PWD", "OLDPWD", "SHELL", "TERM", "KEYBOARD_LAYOUT",
		"MONKEY", "PASSENGER_COUNT", "SPINNER", "LC_ALL", "CI", "DEBUG", "", "SSH_AUTH_SOCK",
		"GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "CACHE_BYPASS", "COMPASS_DIR", "KEYBOARD",
		"SKIP_TESTS", "TASK", "DESK", "HOTKEY_MODE", "PASSENGER", "SKU",
		/* review 2 */
		"TOKENIZERS_PARALLELISM", "XDG_SESSION_ID", "XDG_SESSION_TYPE", "DESKTOP_SESSION",
		"DBUS_SESSION_BUS_ADDRESS", "SESSION_MANAGER", "GIT_ASKPASS", "SSH_ASKPASS",
		"CERTIFICATE_AUTHORITY", "SCREEN", NULL,
	};
	const char *const *p;

	for (p = secret; *p; p++)
		ck_assert_msg(sl_secret_name(*p), "%s should be secret", *p);
	for (p = plain; *p; p++)
		ck_assert_msg(!sl_secret_name(*p), "%s should not be secret", *p);
}
END_TEST

static void redact_is(const char *in, int flags, const char *want, int removed, const char *why)
{
	struct sl_buf b = SL_BUF_INIT;
	const char *got = "unset";
	int n = sl_secret_redact(&b, in, strlen(in), flags, &got);

	ck_assert_int_eq(sl_buf_ok(&b), 0);
	ck_assert_msg(!strcmp(b.buf, want), "redact(%s) = %s, want %s", in, b.buf, want);
	ck_assert_msg(n == removed, "redact(%s) removed %d, want %d", in, n, removed);
	ck_assert_msg(why ? got && !strcmp(got, why) : !got, "redact(%s) says %s, want %s", in,
		      got ? got : "(null)", why ? why : "(null)");
	/* sl_secret_classify() agrees, without writing anything (it never drops). */
	got = flags ? why : sl_secret_classify(NULL, in, strlen(in));
	ck_assert_msg(why ? got && !strcmp(got, why) : !got, "classify(%s) = %s, want %s", in,
		      got ? got : "(null)", why ? why : "(null)");
	sl_buf_release(&b);
}

/* in is no secret: it comes out as it went in. */
static void kept(const char *in, int flags)
{
	redact_is(in, flags, in, 0, NULL);
}

#define U "url-userinfo"

START_TEST(urls)
{
	redact_is("https://alice:pw@example.com/x.git", 0,
		  "https://<redacted:url-userinfo>@example.com/x.git", 1, U);
	redact_is("https://alice:pw@example.com/x.git", SL_SECRET_DROP, "https://example.com/x.git", 1, U);
	redact_is("https://TOKEN@github.com/a/b", SL_SECRET_DROP, "https://github.com/a/b", 1, U);
	kept("ssh://git@github.com/a/b.git", SL_SECRET_DROP);
	redact_is("ssh://u:p@h/r", SL_SECRET_DROP, "ssh://h/r", 1, U);
	kept("git+ssh://git@h/r", SL_SECRET_DROP);
	redact_is("git+https://ghp_x@github.com/o/r.git", 0,
		  "git+https://<redacted:url-userinfo>@github.com/o/r.git", 1, U);
	redact_is("redis://TOKEN@cache:6379", 0, "redis://<redacted:url-userinfo>@cache:6379", 1, U);
	kept("SFTP://deploy@files.example/in", 0);
	kept("git@github.com:a/b.git", SL_SECRET_DROP);
	redact_is("alice:hun/ter2@github.com:a/b.git", SL_SECRET_DROP, "github.com:a/b.git", 1, U);
	kept("/srv/a:b@c/x.git", SL_SECRET_DROP);
	redact_is("u:p@s/s@host:a/b.git", SL_SECRET_DROP, "host:a/b.git", 1, U);
	kept("srv/a:b@c:x.git", SL_SECRET_DROP);
	kept("/srv/git/shop.git", SL_SECRET_DROP);
	redact_is("https://h/p?private_token=abc#f", SL_SECRET_DROP, "https://h/p", 0, NULL);
	redact_is("https://h/p?token=abc&page=2#top", 0,
		  "https://h/p?token=<redacted:url-query>&page=2#top", 1, "url-query");
	redact_is("https://h/p?X-Amz-Signature=abc&X-Amz-Credential=k&a=1", 0,
		  "https://h/p?X-Amz-Signature=<redacted:url-query>&X-Amz-Credential=<redacted:url-query>&a=1",
		  2, "url-query");
	/* The password may hold an '@'; the last one ends the user information. */
	redact_is("https://u:p@ss@host/x", 0, "https://<redacted:url-userinfo>@host/x", 1, U);
	/* ... and '/', '?', '#', ';', ',' unescaped (issue 11). */
	redact_is("https://user:pa/ss@host/r.git", 0, "https://<redacted:url-userinfo>@host/r.git", 1, U);
	redact_is("https://user:pa/ss@host/r.git", SL_SECRET_DROP, "https://host/r.git", 1, U);
	redact_is("https://user:pa?ss@host/r.git", 0, "https://<redacted:url-userinfo>@host/r.git", 1, U);
	redact_is("https://user:pa#ss@host/r.git", 0, "https://<redacted:url-userinfo>@host/r.git", 1, U);
	redact_is("https://user:p/a/s?s#x@host/r.git", 0, "https://<redacted:url-userinfo>@host/r.git", 1, U);
	redact_is("https://user:pa/s@s@host/r.git", 0, "https://<redacted:url-userinfo>@host/r.git", 1, U);
	redact_is("https://user:pa/@host/r.git", 0, "https://<redacted:url-userinfo>@host/r.git", 1, U);
	redact_is("https://user:pa;s,s@host/r.git", 0, "https://<redacted:url-userinfo>@host/r.git", 1, U);
	redact_is("https://tok/en@host/r.git", 0, "https://<redacted:url-userinfo>@host/r.git", 1, U);
	redact_is("https://user:1234/5@host/r", 0, "https://<redacted:url-userinfo>@host/r", 1, U);
	redact_is("https://user:p%2Fss@host/r", 0, "https://<redacted:url-userinfo>@host/r", 1, U);
	/* An '@' in a path or a query is no user information. */
	kept("https://registry.npmjs.org/@babel/core", 0);
	kept("https://registry.local:4873/@scope/pkg", 0);
	kept("https://medium.com/@alice/post-1", 0);
	kept("https://h/p?mail=a@b.example", 0);
	kept("https://github.com/acme/shop/tree/v1@main", 0);
	kept("http://[::1]:8080/x/y@z", 0);
	/* Several URLs in one value, and text around them. */
	redact_is("a=postgres://app:s3@db/x, b=redis://:pw@cache:6379/0 ok", 0,
		  "a=postgres://<redacted:url-userinfo>@db/x, b=redis://<redacted:url-userinfo>@cache:6379/0 ok",
		  2, U);
	/* A URL inside another one's query or path (found by the fuzzer). */
	redact_is("https://a.example/login?next=https://user:pw@b.example/x&y=1", 0,
		  "https://a.example/login?next=https://<redacted:url-userinfo>@b.example/x&y=1", 1, U);
	redact_is("https://web.archive.org/web/2020/https://u:p@x.example/", 0,
		  "https://web.archive.org/web/2020/https://<redacted:url-userinfo>@x.example/", 1, U);
	redact_is("https://a/?u=https://b/?token=t1&page=2#f", 0,
		  "https://a/?u=https://b/?token=<redacted:url-query>&page=2#f", 1, "url-query");
	kept("no url here: a:b@c", 0);
	kept("://x:y@z", 0);
	kept("", 0);
	kept("http://", 0);
	redact_is("http://@", 0, "http://<redacted:url-userinfo>@", 1, U);
}
END_TEST

START_TEST(webhooks)
{
	redact_is("https://hooks.slack.com/services/T000/B000/XXXX", 0,
		  "https://hooks.slack.com/services/<redacted:webhook-url>", 1, "webhook-url");
	redact_is("see https://discord.com/api/webhooks/1/abc now", 0,
		  "see https://discord.com/api/webhooks/<redacted:webhook-url> now", 1, "webhook-url");
	redact_is("https://acme.webhook.office.com/webhookb2/x@y/IncomingWebhook/a/b", 0,
		  "https://acme.webhook.office.com/<redacted:webhook-url>", 1, "webhook-url");
	redact_is("https://api.telegram.org/bot123:ABC/sendMessage", 0,
		  "https://api.telegram.org/<redacted:webhook-url>", 1, "webhook-url");
	/* Only the hosts named, and not a host that merely ends with the same letters. */
	kept("https://notdiscord.com/api/webhooks/1/abc", 0);
	kept("https://discord.com/channels/1/2", 0);
}
END_TEST

START_TEST(values)
{
	redact_is("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln", 0, "<redacted:jwt>", 1, "jwt");
	redact_is("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.", 0,
		  "Authorization: <redacted:bearer-token>", 1, "bearer-token");
	redact_is("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n", 0,
		  "<redacted:pem-private-key>\n", 1, "pem-private-key");
	redact_is("x -----BEGIN ENCRYPTED PRIVATE KEY-----\\nMIIB", 0, "x <redacted:pem-private-key>", 1,
		  "pem-private-key");
	kept("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", 0);
	redact_is("id AKIAIOSFODNN7EXAMPLE.", 0, "id <redacted:aws-access-key>.", 1, "aws-access-key");
	kept("AKIAIOSFODNN7EXAMPLEX", 0);
	redact_is("ghp_0123456789abcdefghijABCDEFGHIJ012345", 0, "<redacted:github-token>", 1, "github-token");
	redact_is("glpat-abcdefghij0123456789", 0, "<redacted:gitlab-token>", 1, "gitlab-token");
	redact_is("xoxb-1234-5678-abcdef", 0, "<redacted:slack-token>", 1, "slack-token");
	redact_is("sk_live_0123456789abcdefXYZ", 0, "<redacted:stripe-key>", 1, "stripe-key");
	redact_is("AIzaSyA0123456789abcdefghijklmnopqrstuv", 0, "<redacted:google-api-key>", 1,
		  "google-api-key");
	redact_is("npm_0123456789abcdefghijklmnopqrstuvwxyz", 0, "<redacted:npm-token>", 1, "npm-token");
	/* Connection strings. */
	redact_is("Server=db;Password=p;a=1", 0, "Server=db;Password=<redacted:password-pair>;a=1", 1,
		  "password-pair");
	redact_is("host=db password=two words user=app", 0,
		  "host=db password=<redacted:password-pair> user=app", 1, "password-pair");
	redact_is("PWD='x y';User=u", 0, "PWD=<redacted:password-pair>;User=u", 1, "password-pair");
	redact_is("a=1&client_secret=s&b=2", 0, "a=1&client_secret=<redacted:password-pair>&b=2", 1,
		  "password-pair");
	kept("Password=;User=u", 0);
	/* JSON members (SPRING_APPLICATION_JSON and the like). */
	redact_is("{\"db.password\": \"hun\\\"ter2\", \"user\":\"app\"}", 0,
		  "{\"db.password\": \"<redacted:password-pair>\", \"user\":\"app\"}", 1, "password-pair");
	redact_is("{\"apiKey\":\"k1\"}", 0, "{\"apiKey\":\"<redacted:password-pair>\"}", 1, "password-pair");
	kept("{\"password\":\"\",\"keyboard\":\"us\"}", 0);
	/* A forged marker hides nothing. */
	redact_is("<redacted:ghp_0123456789abcdefghijABCDEFGHIJ012345>", 0,
		  "<redacted:<redacted:github-token>>", 1, "github-token");
	/* Innocent look-alikes. */
	kept("4b825dc642cb6eb9a060e54bf8d69288fbee4904", 0);
	kept("eyJhbGciOi", 0);
	kept("1.2.3-rc1", 0);
	redact_is("task-key=1", 0, "task-key=<redacted:password-pair>", 1, "password-pair");
	kept("path=/usr/bin", 0);
}
END_TEST

/* Review 2: token formats that went through as they were. */
START_TEST(more_tokens)
{
	redact_is("ya29.a0AfH6SMBabcdefghijklmnop_-xyz", 0, "<redacted:google-oauth-token>", 1,
		  "google-oauth-token");
	redact_is("sid=AC0123 api=SK0123456789abcdef0123456789abcdef", 0,
		  "sid=AC0123 api=<redacted:twilio-key>", 1, "twilio-key");
	redact_is("token s.abcdefghijklmnopqrstuvwx", 0, "token <redacted:vault-token>", 1, "vault-token");
	redact_is("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", 0, "<redacted:aws-secret-key>", 1,
		  "aws-secret-key");
	redact_is("aws wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY default", 0,
		  "aws <redacted:aws-secret-key> default", 1, "aws-secret-key");
	redact_is("pulumi pul-0123456789abcdef0123456789abcdef01234567", 0, "pulumi <redacted:pulumi-token>", 1,
		  "pulumi-token");
	redact_is("dp.st.dev.abcdefghijklmnopqrstuvwxyz0123456789ABCD", 0, "<redacted:doppler-token>", 1,
		  "doppler-token");
	kept("s.short", 0);
	kept("class.abcdefghijklmnopqrstuvwx", 0);
	/* 40 characters, but a digest, a path, words, or part of a longer base64 run */
	kept("4b825dc642cb6eb9a060e54bf8d69288fbee4904", 0);
	kept("/home/alice/Projects/SomethingLong/Src2/x", 0);
	kept("ThisIsAVeryLongCamelCaseIdentifierName12", 0);
	/* base64 of "ABCDEFGHIJKLMNOPQRSTUVWXYZ1234": 40 characters, but text */
	kept("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVoxMjM0", 0);
	kept("c3NoLWVkMjU1MTkgQUFBQUMzTnphQzFsWkRJMU5URTVBQUFBSVB1YmxpYw==", 0);
}
END_TEST

/* Review 2: secrets wrapped in base64, and HTTP Basic credentials. */
START_TEST(base64_wrapped)
{
	/* -----BEGIN RSA PRIVATE KEY-----, as in a kubeconfig's client-key-data */
	redact_is("client-key-data LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=", 0,
		  "client-key-data <redacted:pem-private-key>", 1, "pem-private-key");
	/* the same wrapped at 20 columns: every line goes */
	redact_is("LS0tLS1CRUdJTiBSU0Eg\nUFJJVkFURSBLRVktLS0t\nLQo=\nnext", 0,
		  "<redacted:pem-private-key>\nnext", 1, "pem-private-key");
	/* {"password":"hunter2"} */
	redact_is("eyJwYXNzd29yZCI6Imh1bnRlcjIifQ==", 0, "<redacted:password-pair>", 1, "password-pair");
	/* alice:hunter2 */
	redact_is("Authorization: Basic YWxpY2U6aHVudGVyMg==", 0, "Authorization: <redacted:basic-auth>", 1,
		  "basic-auth");
	redact_is("basic YWxpY2U6aHVudGVyMg", 0, "<redacted:basic-auth>", 1, "basic-auth");
	/* a certificate, Hello world!, a public key: kept */
	kept("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K", 0);
	kept("SGVsbG8sIHdvcmxkIQ==", 0);
	kept("Basic authentication is off", 0);
	kept("Basic SGVsbG8sIHdvcmxkIQ==", 0);
	kept("/usr/lib/x86_64-linux-gnu/pkgconfig/some-long_path", 0);
	/* a private key in DER (ed25519, PKCS#8), without PEM armour */
	redact_is("MC4CAQAwBQYDK2VwBCIEIP2u8sFg38xlgufgwNdsgrm7KwNz2Ui7OmmRKdPFIjcI", 0, "<redacted:der-private-key>", 1, "der-private-key");
	/* a public key in DER */
	kept("MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=", 0);
	/* random bytes: noise holds words such as "pw=" that are no pair */
	kept("cHc9eHh4eAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4fIA==", 0);
}
END_TEST

/* Review 2: NAME: VALUE, --option VALUE and .netrc pairs. */
START_TEST(more_pairs)
{
	redact_is("users:\n- name: x\n  user:\n    token: kubetok\n", 0,
		  "users:\n- name: x\n  user:\n    token: <redacted:password-pair>\n", 1, "password-pair");
	redact_is("Authorization: Basic x y\r\nHost: h", 0,
		  "Authorization: <redacted:password-pair>\r\nHost: h", 1, "password-pair");
	redact_is("password: \"hunter 2\" # note", 0, "password: <redacted:password-pair> # note", 1,
		  "password-pair");
	/* A YAML block scalar: the lines indented deeper are the value. */
	redact_is("a:\n  secret: |\n    line1\n\n    line2\n  b: 1\n", 0,
		  "a:\n  secret: <redacted:password-pair>\n  b: 1\n", 1, "password-pair");
	redact_is("machine h login u password hunter2 account x", 0,
		  "machine h login u password <redacted:password-pair> account x", 1, "password-pair");
	redact_is("run --db-password hunter2 -v", 0, "run --db-password <redacted:password-pair> -v", 1,
		  "password-pair");
	redact_is("x -token\tabc", 0, "x -token\t<redacted:password-pair>", 1, "password-pair");
	/* TOML, INI, Python, XML, properties with spaces, JSON numbers */
	redact_is("[db]\npassword = \"hunter2\"\nport = 5432", 0,
		  "[db]\npassword = <redacted:password-pair>\nport = 5432", 1, "password-pair");
	redact_is("{'password': 'hunter2', 'user': 'u'}", 0,
		  "{'password': '<redacted:password-pair>', 'user': 'u'}", 1, "password-pair");
	redact_is("<db><password>hunter2</password></db>", 0,
		  "<db><password><redacted:password-pair></password></db>", 1, "password-pair");
	redact_is("db.password : hunter2", 0, "db.password : <redacted:password-pair>", 1, "password-pair");
	redact_is("{\"pin\": 1234, \"n\": 1}", 0, "{\"pin\": <redacted:password-pair>, \"n\": 1}", 1,
		  "password-pair");
	kept("<password></password> <user>alice</user> a = b", 0);
	kept("{\"keyboard\": 1}", 0);
	/* a value that only says where the secret comes from */
	kept("password: ${DB_PASSWORD}\ntoken = \"{{ .Values.token }}\"\n{\"pw\": \"$(cat /run/pw)\"}", 0);
	redact_is("password=${A}x", 0, "password=<redacted:password-pair>", 1, "password-pair");
	redact_is("password=$ecret", 0, "password=<redacted:password-pair>", 1, "password-pair");
	kept("Reminder: keys rotate; key:value key: ", 0);
	kept("run --password-stdin --verbose", 0);
	kept("reset the password", 0);
	kept("token:abc", 0);
	kept("https://host/a: b", 0);
}
END_TEST

/*
 * Values that only say where the secret is: a file's path, a GitHub
 * Actions expression, a shell variable on a command line.  Each was
 * redacted, which made a CI file or a unit opaque to sl-diff.
 */
START_TEST(references)
{
	kept("env:\n  SL_KEY: /etc/stateledger/keys/checkpoint.key\n", 0);
	kept("password_file: /run/secrets/db\n", 0);
	kept("ssl_key = /etc/ssl/private/server.pem\n", 0);
	kept("KEY_PATH=~/keys/log.key", 0);
	kept("token: ${{ secrets.SL_TOKEN }}\n", 0);
	kept("run: sl-checkpoint --key \"$SL_VKEY\" -L x\n", 0);
	kept("run: sl-checkpoint --key \"${SL_VKEY}\"\n", 0);
	/* ... and what still looks like the secret itself */
	redact_is("SL_KEY: /K7MDENG/bPxRfiCYEXAMPLEKEY", 0, "SL_KEY: <redacted:password-pair>", 1, "password-pair");
	redact_is("password: /etc/passwd and more", 0, "password: <redacted:password-pair>", 1,
		  "password-pair");
	redact_is("password: \"$ecret\"", 0, "password: <redacted:password-pair>", 1, "password-pair");
	redact_is("token: ${{ x }}y", 0, "token: <redacted:password-pair>", 1, "password-pair");
	redact_is("password: /a//b", 0, "password: <redacted:password-pair>", 1, "password-pair");
	redact_is("password: /only", 0, "password: <redacted:password-pair>", 1, "password-pair");
	redact_is("run --password \"$x y\"", 0, "run --password <redacted:password-pair> y\"", 1,
		  "password-pair");
}
END_TEST

/* Review 2: a password with white space, and user:password@host:port without a scheme. */
START_TEST(more_userinfo)
{
	redact_is("https://user:pass word@host/x", 0, "https://<redacted:url-userinfo>@host/x", 1, U);
	redact_is("https://user:pass word@host/x", SL_SECRET_DROP, "https://host/x", 1, U);
	redact_is("user:tok@host.example:path/repo.git", 0,
		  "<redacted:url-userinfo>@host.example:path/repo.git", 1, U);
	redact_is("proxy:p@ss@proxy.example:3128", 0, "<redacted:url-userinfo>@proxy.example:3128", 1, U);
	kept("mailto:alice@example.com", 0);
	kept("see http://localhost:8080 and mail bob@example.com", 0);
	kept("http://[::1]:8080 x@y", 0);
	kept("alice@host.example:repo.git", 0);
	kept("local/box:@/tmp/.ICE-unix/1234,unix/box:/tmp/.ICE-unix/1234", 0);
}
END_TEST

START_TEST(classify_and_var)
{
	struct sl_buf b = SL_BUF_INIT;

	ck_assert_str_eq(sl_secret_classify("DBPASS", "x", 1), "name");
	ck_assert_ptr_null(sl_secret_classify("PWD", "/home", 5));
	ck_assert_ptr_null(sl_secret_classify(NULL, "hello", 5));
	ck_assert_int_eq(sl_secret_var(&b, "ROOTPASS", "hunter2", 7), 0);
	ck_assert_str_eq(b.buf, "<redacted:name>");
	sl_buf_reset(&b);
	ck_assert_int_eq(sl_secret_var(&b, "MY_SETTING", "AKIAIOSFODNN7EXAMPLE", 20), 0);
	ck_assert_str_eq(b.buf, "<redacted:aws-access-key>");
	sl_buf_reset(&b);
	ck_assert_int_eq(sl_secret_var(&b, "LANG", "C.UTF-8", 7), 0);
	ck_assert_str_eq(b.buf, "C.UTF-8");
	sl_buf_release(&b);
}
END_TEST

static Suite *secret_suite(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, secret_names);
	tcase_add_test(tc, urls);
	tcase_add_test(tc, webhooks);
	tcase_add_test(tc, values);
	tcase_add_test(tc, more_tokens);
	tcase_add_test(tc, base64_wrapped);
	tcase_add_test(tc, more_pairs);
	tcase_add_test(tc, references);
	tcase_add_test(tc, more_userinfo);
	tcase_add_test(tc, classify_and_var);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(secret_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
