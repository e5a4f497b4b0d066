// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/entry.c and lib/schema.c: validating submissions
 * (DESIGN.md sections 2.1 and 3), batches and the canonical entry bytes.
 */
#include <check.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl/buf.h"
#include "sl/entry.h"
#include "sl/hash.h"
#include "sl/json.h"

#define H64 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define H40 "0123456789abcdef0123456789abcdef01234567"
#define TS "2026-11-25T20:46:33.123456Z"

/* Validate a submission given as JSON text; returns the code, err filled. */
static int validate(const char *text, struct sl_error *err)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &je);
	int e;

	ck_assert_msg(v != NULL, "test input '%s' is not JSON: %s", text, je.text);
	sl_error_clear(err);
	e = sl_entry_validate(v, err);
	json_decref(v);
	return e;
}

static void accept_(const char *text, int line)
{
	struct sl_error err;
	int e = validate(text, &err);

	ck_assert_msg(e == 0, "line %d: rejected: %s: %s\n  %s", line, err.member, err.msg, text);
}
#define accept(text) accept_(text, __LINE__)

static void reject_(const char *text, const char *member, int line)
{
	struct sl_error err;
	int e = validate(text, &err);

	ck_assert_msg(e == SL_EINVAL, "line %d: accepted (rc %d): %s", line, e, text);
	ck_assert_msg(!strcmp(err.member, member), "line %d: member '%s', want '%s' (%s)\n  %s", line,
		      err.member, member, err.msg, text);
	ck_assert_msg(err.msg[0] != '\0', "line %d: no message", line);
	ck_assert_int_eq(err.code, SL_EINVAL);
}
#define reject(text, member) reject_(text, member, __LINE__)

/* A submission of `type` with payload text `payload`. */
static const char *sub(const char *type, const char *payload)
{
	static char buf[8192];
	int n = snprintf(buf, sizeof(buf), "{\"type\":\"%s\",\"source\":\"test:1\",\"payload\":%s}",
			 type, payload);

	ck_assert(n > 0 && (size_t)n < sizeof(buf));
	return buf;
}

/* ---------------------------------------------------------------------------
 * Valid examples.
 */

START_TEST(valid_examples)
{
	accept(sub("code", "{\"repo\":\"https://github.com/acme/shop\",\"commit\":\"" H40 "\"}"));
	accept(sub("code", "{\"repo\":\"/srv/git/shop\",\"commit\":\"" H64 "\"}"));
	accept(sub("code", "{\"repo\":\"git@github.com:acme/shop.git\",\"commit\":\"" H40 "\","
			   "\"tree\":\"" H40 "\",\"branch\":\"main\",\"tags\":[\"v1.0\",\"prod\"],"
			   "\"dirty\":true,\"changes\":[{\"path\":\"a.c\",\"status\":\"modified\"},"
			   "{\"path\":\"b.c\",\"status\":\"renamed\",\"old_path\":\"c.c\"}],"
			   "\"lockfiles\":[{\"path\":\"package-lock.json\",\"sha256\":\"" H64 "\"}],"
			   "\"artifacts\":[{\"name\":\"shop.tar.gz\",\"sha256\":\"" H64 "\"}],"
			   "\"captured_at\":\"2026-11-25T20:46:33Z\"}"));
	/* A user name without a password is no credential. */
	accept(sub("code", "{\"repo\":\"ssh://git@example.com:2222/shop.git\",\"commit\":\"" H40 "\"}"));
	accept(sub("code", "{\"repo\":\"https://ci@example.com/shop.git\",\"commit\":\"" H40 "\"}"));

	accept(sub("config", "{\"path\":\"/etc/nginx/nginx.conf\",\"sha256\":\"" H64 "\"}"));
	accept(sub("config", "{\"path\":\"/etc/nginx/nginx.conf\",\"sha256\":\"" H64 "\",\"size\":0,"
			     "\"mode\":420,\"stored\":true,\"host\":\"web-1\","
			     "\"captured_at\":\"2026-11-25T21:46:33.5+01:00\"}"));
	accept(sub("config", "{\"path\":\"p\",\"sha256\":\"" H64 "\",\"mode\":4095}"));

	accept(sub("environment", "{\"os\":\"linux\",\"arch\":\"x86_64\",\"kernel\":\"6.1.0-13-amd64\"}"));
	accept(sub("environment",
		   "{\"os\":\"linux\",\"arch\":\"aarch64\",\"kernel\":\"6.1.0\",\"hostname\":\"web-1\","
		   "\"libc\":\"glibc 2.36\",\"runtimes\":{\"python\":\"3.11.2\",\"node\":\"18.13.0\"},"
		   "\"container\":{\"image\":\"nginx:1.25\",\"digest\":\"sha256:" H64 "\"},"
		   "\"tz\":\"Europe/Paris\",\"locale\":\"C.UTF-8\",\"umask\":\"0022\",\"nproc\":8,"
		   "\"time_source\":\"ntp-synced\",\"source_date_epoch\":1700000000,"
		   "\"variables\":{\"PATH\":\"/usr/bin\",\"API_TOKEN\":\"<redacted>\"},"
		   "\"captured_at\":\"2026-11-25\"}"));
	accept(sub("environment", "{\"os\":\"linux\",\"arch\":\"x86_64\",\"kernel\":\"6\",\"umask\":\"022\","
				  "\"runtimes\":{},\"variables\":{}}"));

	accept(sub("mutation", "{\"namespace\":\"kafka/prod/orders/3\",\"position\":42,\"id\":\"m-1\","
			       "\"sha256\":\"" H64 "\"}"));
	accept(sub("mutation", "{\"namespace\":\"pg/db-1/slot_a\",\"position\":\"16/B374D848\","
			       "\"id\":\"tx-981\",\"sha256\":\"" H64 "\",\"kind\":\"insert\","
			       "\"config_sha256\":\"" H64 "\",\"stored\":false,"
			       "\"captured_at\":\"2026-11-25T20:46:33.123456Z\"}"));
	accept(sub("mutation", "{\"namespace\":\"a/b\",\"position\":0,\"id\":\"x\",\"sha256\":\"" H64 "\"}"));
	accept(sub("mutation", "{\"namespace\":\"a/b\",\"position\":\"0/0\",\"id\":\"x\",\"sha256\":\"" H64 "\"}"));
	accept(sub("mutation", "{\"namespace\":\"a/b\",\"position\":9007199254740991,\"id\":\"x\","
			       "\"sha256\":\"" H64 "\"}"));

	/* User types: any object. */
	accept(sub("x-foo", "{}"));
	accept(sub("x-foo", "{\"anything\":{\"nested\":[1,\"a\",null,true,{}]},\"seq\":1,\"ts\":\"x\"}"));
	accept(sub("x-deploy.v2_final-1", "{\"who\":\"me\"}"));
	accept(sub("x-0", "{}"));
	/* Member order does not matter. */
	accept("{\"payload\":{},\"source\":\"s\",\"type\":\"x-a\"}");
}
END_TEST

/* ---------------------------------------------------------------------------
 * The submission's own members.
 */

START_TEST(submission_members)
{
	reject("{\"type\":\"x-a\",\"source\":\"s\",\"payload\":{},\"seq\":0}", "seq");
	reject("{\"type\":\"x-a\",\"source\":\"s\",\"payload\":{},\"ts\":\"" TS "\"}", "ts");
	reject("{\"seq\":5,\"type\":\"x-a\",\"source\":\"s\",\"payload\":{}}", "seq");
	reject("{\"type\":\"x-a\",\"source\":\"s\",\"payload\":{},\"extra\":1}", "extra");
	reject("{\"source\":\"s\",\"payload\":{}}", "type");
	reject("{\"type\":\"x-a\",\"payload\":{}}", "source");
	reject("{\"type\":\"x-a\",\"source\":\"s\"}", "payload");
	reject("{\"type\":5,\"source\":\"s\",\"payload\":{}}", "type");
	reject("{\"type\":null,\"source\":\"s\",\"payload\":{}}", "type");
	reject("{\"type\":\"x-a\",\"source\":[\"s\"],\"payload\":{}}", "source");
	reject("{\"type\":\"x-a\",\"source\":\"s\",\"payload\":[]}", "payload");
	reject("{\"type\":\"x-a\",\"source\":\"s\",\"payload\":\"{}\"}", "payload");
	reject("{\"type\":\"code\",\"source\":\"s\",\"payload\":null}", "payload");
	{
		/* Not an object at all. */
		struct sl_error err;
		json_t *v = json_array();
		sl_error_clear(&err);
		ck_assert_int_eq(sl_entry_validate(v, &err), SL_EINVAL);
		ck_assert_str_ne(err.msg, "");
		json_decref(v);
		/* err may be NULL. */
		v = json_object();
		ck_assert_int_eq(sl_entry_validate(v, NULL), SL_EINVAL);
		json_decref(v);
	}
}
END_TEST

START_TEST(types)
{
	reject(sub("bogus", "{}"), "type");
	reject(sub("Code", "{}"), "type");
	reject(sub("codes", "{}"), "type");
	reject(sub("", "{}"), "type");
	reject(sub("x-", "{}"), "type");
	reject(sub("x-Foo", "{}"), "type");
	reject(sub("X-foo", "{}"), "type");
	reject(sub("x-a b", "{}"), "type");
	reject(sub("x--a", "{}"), "type");
	reject(sub("x-_a", "{}"), "type");
	reject(sub("x-a/b", "{}"), "type");
	reject("{\"type\":\"code\\u0000\",\"source\":\"s\",\"payload\":{}}", "type");
	reject("{\"type\":\"x-a\\u0000b\",\"source\":\"s\",\"payload\":{}}", "type");

	ck_assert(sl_type_valid("code"));
	ck_assert(sl_type_valid("config"));
	ck_assert(sl_type_valid("environment"));
	ck_assert(sl_type_valid("mutation"));
	ck_assert(sl_type_valid("x-a"));
	ck_assert(sl_type_valid("x-9"));
	ck_assert(sl_type_valid("x-my-type_2.v1"));
	ck_assert(!sl_type_valid(""));
	ck_assert(!sl_type_valid("x"));
	ck_assert(!sl_type_valid("x-"));
	ck_assert(!sl_type_valid("x-."));
	ck_assert(!sl_type_valid("x-\xc3\xa9"));
	ck_assert(!sl_type_valid("env"));
	ck_assert(!sl_type_valid(" code"));
	{
		/* Up to 62 characters after "x-". */
		char t[80];
		memset(t, 'a', sizeof(t));
		t[0] = 'x';
		t[1] = '-';
		t[64] = '\0';
		ck_assert(sl_type_valid(t));
		t[64] = 'a';
		t[65] = '\0';
		ck_assert(!sl_type_valid(t));
	}
}
END_TEST

START_TEST(sources)
{
	char src[300], text[600];

	reject("{\"type\":\"x-a\",\"source\":\"\",\"payload\":{}}", "source");
	reject("{\"type\":\"x-a\",\"source\":\"a\\nb\",\"payload\":{}}", "source");
	reject("{\"type\":\"x-a\",\"source\":\"a\\tb\",\"payload\":{}}", "source");
	reject("{\"type\":\"x-a\",\"source\":\"a\\u0000b\",\"payload\":{}}", "source");
	reject("{\"type\":\"x-a\",\"source\":\"a\\u001fb\",\"payload\":{}}", "source");
	reject("{\"type\":\"x-a\",\"source\":\"a\\u007fb\",\"payload\":{}}", "source");
	accept("{\"type\":\"x-a\",\"source\":\"config:web-1:/etc/nginx/nginx.conf\",\"payload\":{}}");
	accept("{\"type\":\"x-a\",\"source\":\"env:h\xc3\xa9llo \\\"q\\\" \\\\ /\",\"payload\":{}}");

	/* 256 bytes fit, 257 do not (bytes, not characters). */
	memset(src, 'a', sizeof(src));
	src[256] = '\0';
	snprintf(text, sizeof(text), "{\"type\":\"x-a\",\"source\":\"%s\",\"payload\":{}}", src);
	accept(text);
	src[256] = 'a';
	src[257] = '\0';
	snprintf(text, sizeof(text), "{\"type\":\"x-a\",\"source\":\"%s\",\"payload\":{}}", src);
	reject(text, "source");
	/* 128 two-byte characters are 256 bytes; one more byte is too many. */
	{
		size_t i;
		for (i = 0; i < 128; i++) {
			src[2 * i] = '\xc3';
			src[2 * i + 1] = '\xa9';
		}
		src[256] = '\0';
		snprintf(text, sizeof(text), "{\"type\":\"x-a\",\"source\":\"%s\",\"payload\":{}}", src);
		accept(text);
		src[256] = 'a';
		src[257] = '\0';
		snprintf(text, sizeof(text), "{\"type\":\"x-a\",\"source\":\"%s\",\"payload\":{}}", src);
		reject(text, "source");
	}

	ck_assert(sl_source_valid("a", 1));
	ck_assert(!sl_source_valid("", 0));
	ck_assert(!sl_source_valid("a\x7f", 2));
	ck_assert(!sl_source_valid("a\x01", 2));
	ck_assert(!sl_source_valid("a\0", 2));
	ck_assert(!sl_source_valid("\xff", 1));
	ck_assert(!sl_source_valid("\xed\xa0\x80", 3));
	memset(src, 'b', sizeof(src));
	ck_assert(sl_source_valid(src, 256));
	ck_assert(!sl_source_valid(src, 257));
}
END_TEST

/* ---------------------------------------------------------------------------
 * Payload schemas.
 */

START_TEST(code_payload)
{
#define CODE(extra) sub("code", "{\"repo\":\"https://github.com/acme/shop\",\"commit\":\"" H40 "\"" extra "}")
	reject(sub("code", "{\"commit\":\"" H40 "\"}"), "payload.repo");
	reject(sub("code", "{\"repo\":\"r\"}"), "payload.commit");
	reject(sub("code", "{}"), "payload.repo");
	reject(CODE(",\"foo\":1"), "payload.foo");
	reject(CODE(",\"Commit\":\"" H40 "\""), "payload.Commit");
	/* commit: a full object id, lowercase. */
	reject(sub("code", "{\"repo\":\"r\",\"commit\":\"0123456\"}"), "payload.commit");
	reject(sub("code", "{\"repo\":\"r\",\"commit\":\"0123456789abcdef0123456789abcdef0123456\"}"),
	       "payload.commit");
	reject(sub("code", "{\"repo\":\"r\",\"commit\":\"0123456789ABCDEF0123456789ABCDEF01234567\"}"),
	       "payload.commit");
	reject(sub("code", "{\"repo\":\"r\",\"commit\":\"" H40 "0\"}"), "payload.commit");
	reject(sub("code", "{\"repo\":\"r\",\"commit\":\"HEAD\"}"), "payload.commit");
	reject(sub("code", "{\"repo\":\"r\",\"commit\":12345}"), "payload.commit");
	reject(CODE(",\"tree\":\"abc\""), "payload.tree");
	/* repo: never a password. */
	reject(sub("code", "{\"repo\":\"https://user:password@github.com/acme/shop\",\"commit\":\"" H40 "\"}"),
	       "payload.repo");
	reject(sub("code", "{\"repo\":\"https://:ghp_token@github.com/acme/shop\",\"commit\":\"" H40 "\"}"),
	       "payload.repo");
	reject(sub("code", "{\"repo\":\"ssh://git:pw@example.com:22/x\",\"commit\":\"" H40 "\"}"),
	       "payload.repo");
	reject(sub("code", "{\"repo\":\"\",\"commit\":\"" H40 "\"}"), "payload.repo");
	reject(sub("code", "{\"repo\":[\"r\"],\"commit\":\"" H40 "\"}"), "payload.repo");
	/* Wrong types of the optional members. */
	reject(CODE(",\"dirty\":\"yes\""), "payload.dirty");
	reject(CODE(",\"dirty\":1"), "payload.dirty");
	reject(CODE(",\"branch\":\"\""), "payload.branch");
	reject(CODE(",\"branch\":7"), "payload.branch");
	reject(CODE(",\"tags\":\"v1\""), "payload.tags");
	reject(CODE(",\"tags\":[\"v1\",\"\"]"), "payload.tags[1]");
	reject(CODE(",\"tags\":[\"v1\",2]"), "payload.tags[1]");
	reject(CODE(",\"changes\":{}"), "payload.changes");
	reject(CODE(",\"changes\":[{\"path\":\"a\"}]"), "payload.changes[0].status");
	reject(CODE(",\"changes\":[{\"path\":\"a\",\"status\":\"added\"},{\"path\":\"b\",\"status\":\"weird\"}]"),
	       "payload.changes[1].status");
	reject(CODE(",\"changes\":[{\"path\":\"a\",\"status\":\"added\",\"mode\":1}]"),
	       "payload.changes[0].mode");
	reject(CODE(",\"changes\":[\"a\"]"), "payload.changes[0]");
	reject(CODE(",\"lockfiles\":[{\"path\":\"a\",\"sha256\":\"" H40 "\"}]"), "payload.lockfiles[0].sha256");
	reject(CODE(",\"lockfiles\":[{\"sha256\":\"" H64 "\"}]"), "payload.lockfiles[0].path");
	reject(CODE(",\"artifacts\":[{\"name\":\"a\",\"sha256\":\"" H64 "\"},{\"name\":\"b\"}]"),
	       "payload.artifacts[1].sha256");
	reject(CODE(",\"captured_at\":\"yesterday\""), "payload.captured_at");
	reject(CODE(",\"captured_at\":\"now\""), "payload.captured_at");
	reject(CODE(",\"captured_at\":\"@0\""), "payload.captured_at");
	reject(CODE(",\"captured_at\":1700000000"), "payload.captured_at");
	reject(CODE(",\"captured_at\":\"2026-02-30T00:00:00Z\""), "payload.captured_at");
#undef CODE
}
END_TEST

START_TEST(config_payload)
{
#define CONF(extra) sub("config", "{\"path\":\"/etc/app.conf\",\"sha256\":\"" H64 "\"" extra "}")
	reject(sub("config", "{\"sha256\":\"" H64 "\"}"), "payload.path");
	reject(sub("config", "{\"path\":\"/etc/app.conf\"}"), "payload.sha256");
	reject(CONF(",\"owner\":\"root\""), "payload.owner");
	reject(sub("config", "{\"path\":\"\",\"sha256\":\"" H64 "\"}"), "payload.path");
	reject(sub("config", "{\"path\":\"a\\nb\",\"sha256\":\"" H64 "\"}"), "payload.path");
	reject(sub("config", "{\"path\":1,\"sha256\":\"" H64 "\"}"), "payload.path");
	/* sha256: exactly 64 lowercase hex digits. */
	reject(sub("config", "{\"path\":\"p\",\"sha256\":\"E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\"}"),
	       "payload.sha256");
	reject(sub("config", "{\"path\":\"p\",\"sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b85\"}"),
	       "payload.sha256");
	reject(sub("config", "{\"path\":\"p\",\"sha256\":\"" H64 "5\"}"), "payload.sha256");
	reject(sub("config", "{\"path\":\"p\",\"sha256\":\"g3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"}"),
	       "payload.sha256");
	reject(sub("config", "{\"path\":\"p\",\"sha256\":\"sha256:" H64 "\"}"), "payload.sha256");
	reject(CONF(",\"size\":-1"), "payload.size");
	reject(CONF(",\"size\":\"12\""), "payload.size");
	reject(CONF(",\"mode\":4096"), "payload.mode");
	reject(CONF(",\"mode\":-1"), "payload.mode");
	reject(CONF(",\"mode\":\"0644\""), "payload.mode");
	reject(CONF(",\"stored\":\"true\""), "payload.stored");
	reject(CONF(",\"host\":\"\""), "payload.host");
	/* A file not readable by others: hmac_sha256 instead of sha256, with private and hmac_key. */
#define PRIV(extra) sub("config", "{\"path\":\"/etc/app.key\",\"hmac_sha256\":\"" H64 "\"" extra "}")
	accept(PRIV(",\"private\":true,\"hmac_key\":\"config-hmac+0a1b2c3d\",\"stored\":true"));
	reject(PRIV(",\"hmac_key\":\"config-hmac+0a1b2c3d\""), "payload.private");
	reject(PRIV(",\"private\":false,\"hmac_key\":\"config-hmac+0a1b2c3d\""), "payload.private");
	reject(PRIV(",\"private\":true"), "payload.hmac_key");
	reject(PRIV(",\"private\":true,\"hmac_key\":\"k\",\"sha256\":\"" H64 "\""), "payload.hmac_sha256");
	reject(PRIV(",\"private\":true,\"hmac_key\":\"\""), "payload.hmac_key");
	reject(PRIV(",\"private\":\"yes\",\"hmac_key\":\"k\""), "payload.private");
	reject(sub("config", "{\"path\":\"p\",\"hmac_sha256\":\"sha256:" H64 "\",\"private\":true,\"hmac_key\":\"k\"}"),
	       "payload.hmac_sha256");
	reject(CONF(",\"private\":true"), "payload.private");
	reject(CONF(",\"hmac_key\":\"k\""), "payload.hmac_key");
	accept(CONF(",\"private\":false"));
#undef PRIV
#undef CONF
}
END_TEST

START_TEST(environment_payload)
{
#define ENV(extra) sub("environment", "{\"os\":\"linux\",\"arch\":\"x86_64\",\"kernel\":\"6.1\"" extra "}")
	reject(sub("environment", "{\"arch\":\"x86_64\",\"kernel\":\"6.1\"}"), "payload.os");
	reject(sub("environment", "{\"os\":\"linux\",\"kernel\":\"6.1\"}"), "payload.arch");
	reject(sub("environment", "{\"os\":\"linux\",\"arch\":\"x86_64\"}"), "payload.kernel");
	reject(ENV(",\"cpu\":\"x\""), "payload.cpu");
	reject(sub("environment", "{\"os\":\"\",\"arch\":\"x86_64\",\"kernel\":\"6.1\"}"), "payload.os");
	reject(ENV(",\"nproc\":0"), "payload.nproc");
	reject(ENV(",\"nproc\":\"4\""), "payload.nproc");
	reject(ENV(",\"umask\":\"22\""), "payload.umask");
	reject(ENV(",\"umask\":\"0099\""), "payload.umask");
	reject(ENV(",\"umask\":\"00022\""), "payload.umask");
	reject(ENV(",\"umask\":18"), "payload.umask");
	reject(ENV(",\"runtimes\":[\"python\"]"), "payload.runtimes");
	reject(ENV(",\"runtimes\":{\"python\":3}"), "payload.runtimes.python");
	reject(ENV(",\"variables\":{\"A\":\"1\",\"B\":null}"), "payload.variables.B");
	reject(ENV(",\"container\":\"nginx\""), "payload.container");
	/* A detected container whose image nobody named: the image is left out, never guessed. */
	accept(ENV(",\"container\":{\"digest\":\"sha256:" H64 "\"}"));
	accept(ENV(",\"container\":{\"runtime\":\"docker\"}"));
	reject(ENV(",\"container\":{\"image\":\"\"}"), "payload.container.image");
	reject(ENV(",\"container\":{\"image\":\"nginx\",\"digest\":\"" H64 "\"}"), "payload.container.digest");
	reject(ENV(",\"container\":{\"image\":\"nginx\",\"tag\":\"1\"}"), "payload.container.tag");
	reject(ENV(",\"source_date_epoch\":-1"), "payload.source_date_epoch");
	reject(ENV(",\"source_date_epoch\":\"1700000000\""), "payload.source_date_epoch");
	reject(ENV(",\"time_source\":\"\""), "payload.time_source");
	reject(ENV(",\"tz\":0"), "payload.tz");
#undef ENV
}
END_TEST

START_TEST(mutation_payload)
{
#define MUT(ns, pos, extra) sub("mutation", "{\"namespace\":" ns ",\"position\":" pos ",\"id\":\"m-1\",\"sha256\":\"" H64 "\"" extra "}")
	reject(sub("mutation", "{\"position\":1,\"id\":\"m\",\"sha256\":\"" H64 "\"}"), "payload.namespace");
	reject(sub("mutation", "{\"namespace\":\"a/b\",\"id\":\"m\",\"sha256\":\"" H64 "\"}"), "payload.position");
	reject(sub("mutation", "{\"namespace\":\"a/b\",\"position\":1,\"sha256\":\"" H64 "\"}"), "payload.id");
	reject(sub("mutation", "{\"namespace\":\"a/b\",\"position\":1,\"id\":\"m\"}"), "payload.sha256");
	reject(MUT("\"a/b\"", "1", ",\"topic\":\"t\""), "payload.topic");
	/* namespace: at least two non-empty segments. */
	reject(MUT("\"kafka\"", "1", ""), "payload.namespace");
	reject(MUT("\"\"", "1", ""), "payload.namespace");
	reject(MUT("\"kafka//orders\"", "1", ""), "payload.namespace");
	reject(MUT("\"/kafka/orders\"", "1", ""), "payload.namespace");
	reject(MUT("\"kafka/orders/\"", "1", ""), "payload.namespace");
	reject(MUT("\"/\"", "1", ""), "payload.namespace");
	reject(MUT("[\"kafka\",\"orders\"]", "1", ""), "payload.namespace");
	/* position: an integer >= 0 or an LSN. */
	reject(MUT("\"a/b\"", "-1", ""), "payload.position");
	reject(MUT("\"a/b\"", "\"16\"", ""), "payload.position");
	reject(MUT("\"a/b\"", "\"16/\"", ""), "payload.position");
	reject(MUT("\"a/b\"", "\"/B374D848\"", ""), "payload.position");
	reject(MUT("\"a/b\"", "\"16/B374D848/1\"", ""), "payload.position");
	reject(MUT("\"a/b\"", "\"16/XYZ\"", ""), "payload.position");
	reject(MUT("\"a/b\"", "\"123456789/0\"", ""), "payload.position");
	reject(MUT("\"a/b\"", "true", ""), "payload.position");
	reject(MUT("\"a/b\"", "null", ""), "payload.position");
	reject(sub("mutation", "{\"namespace\":\"a/b\",\"position\":1,\"id\":\"\",\"sha256\":\"" H64 "\"}"),
	       "payload.id");
	reject(sub("mutation", "{\"namespace\":\"a/b\",\"position\":1,\"id\":\"m\",\"sha256\":\"" H40 "\"}"),
	       "payload.sha256");
	reject(MUT("\"a/b\"", "1", ",\"config_sha256\":\"x\""), "payload.config_sha256");
	reject(MUT("\"a/b\"", "1", ",\"stored\":0"), "payload.stored");
	reject(MUT("\"a/b\"", "1", ",\"kind\":\"\""), "payload.kind");
#undef MUT
}
END_TEST

/* sl_payload_validate on its own: "strictly per type", so a type it does not know is an error. */
START_TEST(payload_validate_direct)
{
	struct sl_error err;
	json_t *p = json_pack("{s:s, s:s}", "repo", "r", "commit", H40);

	ck_assert_ptr_nonnull(p);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_payload_validate("code", p, &err), 0);
	ck_assert_int_eq(sl_payload_validate("x-any", p, &err), 0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_payload_validate("config", p, &err), SL_EINVAL);
	ck_assert_str_eq(err.member, "payload.path");
	json_decref(p);
	p = json_array();
	sl_error_clear(&err);
	ck_assert_int_eq(sl_payload_validate("x-any", p, &err), SL_EINVAL);
	ck_assert_str_eq(err.member, "payload");
	json_decref(p);

	p = json_object();
	sl_error_clear(&err);
	ck_assert_msg(sl_payload_validate("bogus", p, &err) == SL_EINVAL,
		      "sl_payload_validate accepts a payload of the unknown type \"bogus\"");
	json_decref(p);
}
END_TEST

/* ---------------------------------------------------------------------------
 * Batches and the canonical entry.
 */

static void add_ok(struct sl_batch *b, const char *line, long n)
{
	struct sl_error err;
	int e;

	sl_error_clear(&err);
	e = sl_batch_add_line(b, line, strlen(line), n, &err);
	ck_assert_msg(e == 0, "line %ld rejected: %s: %s", n, err.member, err.msg);
}

static void entry_of(const struct sl_batch *b, size_t i, uint64_t seq, const char *ts,
		     struct sl_buf *out)
{
	unsigned char leaf[SL_HASH_LEN], want[SL_HASH_LEN];

	ck_assert_int_eq(sl_batch_entry(b, i, seq, ts, out, leaf), 0);
	sl_leaf_hash(want, out->buf, out->len);
	ck_assert_msg(!memcmp(leaf, want, SL_HASH_LEN), "leaf hash of item %zu is not SHA-256(0x00 || entry)", i);
	/* leaf may be NULL. */
	{
		struct sl_buf again = SL_BUF_INIT;
		ck_assert_int_eq(sl_batch_entry(b, i, seq, ts, &again, NULL), 0);
		ck_assert_uint_eq(again.len, out->len);
		ck_assert_mem_eq(again.buf, out->buf, out->len);
		sl_buf_release(&again);
	}
}

static void tail_matches(const struct sl_buf *entry, uint64_t seq, const char *type,
			 const char *source, const char *ts)
{
	struct sl_buf tail = SL_BUF_INIT;

	ck_assert_int_eq(sl_entry_tail(&tail, seq, type, source, ts), 0);
	ck_assert_msg(entry->len > tail.len &&
			      !memcmp(entry->buf + entry->len - tail.len, tail.buf, tail.len),
		      "tail '%s' does not end entry '%s'", tail.buf, entry->buf);
	/* It starts exactly where the payload ends. */
	ck_assert_msg(!strncmp(tail.buf, ",\"seq\":", 7), "tail '%s'", tail.buf);
	sl_buf_release(&tail);
}

START_TEST(canonical_entry_bytes)
{
	struct sl_batch b;
	struct sl_buf out = SL_BUF_INIT;

	sl_batch_init(&b);
	add_ok(&b, "{\"type\":\"code\",\"source\":\"git:github.com/acme/shop\",\"payload\":"
		   "{\"repo\":\"https://github.com/acme/shop\",\"commit\":\"" H40 "\",\"dirty\":false}}", 1);
	/* White space, member order and escapes of the input do not matter. */
	add_ok(&b, "  {\"payload\" : { \"z\" : [ 1 , -0, \"\\u00e9\\/\" ] , \"a\" : { \"y\":null,\"x\":true } },"
		   " \"source\":\"env:h\\u00e9llo \\\"q\\\" \\\\ \\/\", \"type\" : \"x-foo\" }  ", 2);
	ck_assert_uint_eq(b.n, 2);
	ck_assert_str_eq(sl_batch_type(&b, 0), "code");
	ck_assert_str_eq(sl_batch_source(&b, 0), "git:github.com/acme/shop");
	ck_assert_str_eq(sl_batch_type(&b, 1), "x-foo");
	ck_assert_str_eq(sl_batch_source(&b, 1), "env:h\xc3\xa9llo \"q\" \\ /");

	entry_of(&b, 0, 0, TS, &out);
	ck_assert_str_eq(out.buf,
			 "{\"payload\":{\"commit\":\"" H40 "\",\"dirty\":false,"
			 "\"repo\":\"https://github.com/acme/shop\"},\"seq\":0,"
			 "\"source\":\"git:github.com/acme/shop\",\"ts\":\"" TS "\",\"type\":\"code\"}");
	ck_assert_uint_eq(out.len, strlen(out.buf));
	tail_matches(&out, 0, "code", "git:github.com/acme/shop", TS);

	entry_of(&b, 1, 1234567, "1970-01-01T00:00:00.000000Z", &out);
	ck_assert_str_eq(out.buf,
			 "{\"payload\":{\"a\":{\"x\":true,\"y\":null},\"z\":[1,0,\"\xc3\xa9/\"]},"
			 "\"seq\":1234567,\"source\":\"env:h\xc3\xa9llo \\\"q\\\" \\\\ /\","
			 "\"ts\":\"1970-01-01T00:00:00.000000Z\",\"type\":\"x-foo\"}");
	tail_matches(&out, 1234567, "x-foo", "env:h\xc3\xa9llo \"q\" \\ /", "1970-01-01T00:00:00.000000Z");

	/* The largest seq. */
	entry_of(&b, 0, UINT64_MAX, TS, &out);
	ck_assert_msg(strstr(out.buf, ",\"seq\":18446744073709551615,\"source\":") != NULL, "%s", out.buf);
	tail_matches(&out, UINT64_MAX, "code", "git:github.com/acme/shop", TS);

	/* The entry is itself canonical JSON: writing it again changes nothing. */
	{
		struct sl_buf again = SL_BUF_INIT;
		struct sl_error err;
		json_t *v;
		entry_of(&b, 1, 7, TS, &out);
		ck_assert_int_eq(sl_json_parse(out.buf, out.len, &v, &err), 0);
		ck_assert_int_eq(sl_jcs_write(&again, v, NULL, &err), 0);
		ck_assert_str_eq(again.buf, out.buf);
		json_decref(v);
		sl_buf_release(&again);
	}
	sl_buf_release(&out);
	sl_batch_release(&b);
}
END_TEST

START_TEST(entry_tail_escapes)
{
	struct sl_buf t = SL_BUF_INIT;

	ck_assert_int_eq(sl_entry_tail(&t, 42, "x-a", "s\"\\\n\x01", TS), 0);
	ck_assert_str_eq(t.buf, ",\"seq\":42,\"source\":\"s\\\"\\\\\\n\\u0001\",\"ts\":\"" TS "\",\"type\":\"x-a\"}");
	/* It replaces what the buffer held. */
	ck_assert_int_eq(sl_entry_tail(&t, 0, "code", "s", TS), 0);
	ck_assert_str_eq(t.buf, ",\"seq\":0,\"source\":\"s\",\"ts\":\"" TS "\",\"type\":\"code\"}");
	/* Invalid UTF-8 in a stored column is refused. */
	ck_assert_int_ne(sl_entry_tail(&t, 0, "code", "\xff", TS), 0);
	sl_buf_release(&t);
}
END_TEST

START_TEST(batch_line_errors)
{
	struct sl_batch b;
	struct sl_buf before = SL_BUF_INIT, after = SL_BUF_INIT;
	struct sl_error err;
	static const struct {
		const char *line;
		const char *member;
	} bad[] = {
		{ "not json", "" },
		{ "", "" },
		{ "{\"type\":\"x-a\",\"source\":\"s\",\"payload\":{}} trailing", "" },
		{ "{\"type\":\"x-a\",\"source\":\"s\",\"payload\":{},\"type\":\"x-b\"}", "" },
		{ "{\"type\":\"code\",\"source\":\"s\",\"payload\":{\"repo\":\"r\"}}", "payload.commit" },
		{ "{\"type\":\"x-a\",\"source\":\"s\",\"payload\":{\"a\":[1,{\"b\":1.5}]}}", "payload.a[1].b" },
		{ "{\"type\":\"x-a\",\"source\":\"s\",\"payload\":{\"n\":9007199254740992}}", "payload.n" },
		{ "{\"type\":\"x-a\",\"source\":\"s\",\"payload\":{},\"seq\":3}", "seq" },
		{ "[1,2,3]", "" },
	};
	size_t i;

	sl_batch_init(&b);
	add_ok(&b, "{\"type\":\"x-a\",\"source\":\"first\",\"payload\":{\"k\":\"v\"}}", 1);
	entry_of(&b, 0, 0, TS, &before);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		sl_error_clear(&err);
		ck_assert_msg(sl_batch_add_line(&b, bad[i].line, strlen(bad[i].line), (long)(10 + i), &err) ==
				      SL_EINVAL,
			      "accepted: %s", bad[i].line);
		ck_assert_msg(err.line == (long)(10 + i), "'%s': err.line %ld, want %ld", bad[i].line,
			      err.line, (long)(10 + i));
		ck_assert_msg(!strcmp(err.member, bad[i].member), "'%s': member '%s', want '%s'",
			      bad[i].line, err.member, bad[i].member);
		ck_assert_str_ne(err.msg, "");
		/* The batch is unchanged. */
		ck_assert_uint_eq(b.n, 1);
	}
	/* A good line after the bad ones is added after the first, intact. */
	add_ok(&b, "{\"type\":\"x-b\",\"source\":\"second\",\"payload\":{}}", 30);
	ck_assert_uint_eq(b.n, 2);
	entry_of(&b, 0, 0, TS, &after);
	ck_assert_str_eq(after.buf, before.buf);
	entry_of(&b, 1, 1, TS, &after);
	ck_assert_str_eq(after.buf, "{\"payload\":{},\"seq\":1,\"source\":\"second\",\"ts\":\"" TS
				    "\",\"type\":\"x-b\"}");
	ck_assert_str_eq(sl_batch_source(&b, 1), "second");
	/* Its line is recorded. */
	ck_assert_int_eq(b.items[1].line, 30);

	/* The message formats as "line N: member: reason". */
	{
		char msg[SL_ERR_MSG + 200];
		const char *l = "{\"type\":\"code\",\"source\":\"s\",\"payload\":{\"repo\":\"r\"}}";
		sl_error_clear(&err);
		ck_assert_int_eq(sl_batch_add_line(&b, l, strlen(l), 17, &err), SL_EINVAL);
		sl_error_format(&err, msg, sizeof(msg));
		ck_assert_msg(!strncmp(msg, "line 17: payload.commit: ", 25), "'%s'", msg);
	}
	sl_buf_release(&before);
	sl_buf_release(&after);
	sl_batch_release(&b);
}
END_TEST

START_TEST(batch_reset_and_many_items)
{
	struct sl_batch b;
	struct sl_buf out = SL_BUF_INIT, want = SL_BUF_INIT;
	char line[200];
	size_t i;

	sl_batch_init(&b);
	/* Past the first allocations of items and data. */
	for (i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "{\"type\":\"x-n\",\"source\":\"src-%zu\",\"payload\":{\"i\":%zu}}", i, i);
		add_ok(&b, line, (long)i + 1);
	}
	ck_assert_uint_eq(b.n, 1000);
	for (i = 0; i < 1000; i++) {
		entry_of(&b, i, i, TS, &out);
		sl_buf_reset(&want);
		sl_buf_addf(&want, "{\"payload\":{\"i\":%zu},\"seq\":%zu,\"source\":\"src-%zu\",\"ts\":\"" TS
			    "\",\"type\":\"x-n\"}", i, i, i);
		ck_assert_str_eq(out.buf, want.buf);
		ck_assert_int_eq(b.items[i].line, (long)i + 1);
	}
	sl_batch_reset(&b);
	ck_assert_uint_eq(b.n, 0);
	add_ok(&b, "{\"type\":\"x-a\",\"source\":\"again\",\"payload\":{}}", 1);
	ck_assert_uint_eq(b.n, 1);
	ck_assert_str_eq(sl_batch_source(&b, 0), "again");
	entry_of(&b, 0, 5, TS, &out);
	ck_assert_str_eq(out.buf, "{\"payload\":{},\"seq\":5,\"source\":\"again\",\"ts\":\"" TS "\",\"type\":\"x-a\"}");
	sl_buf_release(&out);
	sl_buf_release(&want);
	sl_batch_release(&b);
}
END_TEST

START_TEST(batch_add_json)
{
	struct sl_batch b;
	struct sl_buf out = SL_BUF_INIT;
	struct sl_error err;
	json_t *v = json_pack("{s:s, s:s, s:{s:i}}", "type", "x-j", "source", "j", "payload", "n", 5);

	sl_batch_init(&b);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_batch_add_json(&b, v, 3, &err), 0);
	entry_of(&b, 0, 9, TS, &out);
	ck_assert_str_eq(out.buf, "{\"payload\":{\"n\":5},\"seq\":9,\"source\":\"j\",\"ts\":\"" TS "\",\"type\":\"x-j\"}");
	json_decref(v);
	v = json_pack("{s:s, s:s, s:{s:f}}", "type", "x-j", "source", "j", "payload", "n", 0.5);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_batch_add_json(&b, v, 4, &err), SL_EINVAL);
	ck_assert_int_eq(err.line, 4);
	ck_assert_str_eq(err.member, "payload.n");
	ck_assert_uint_eq(b.n, 1);
	json_decref(v);
	sl_buf_release(&out);
	sl_batch_release(&b);
}
END_TEST

/* A submission whose payload is {"d":"<n times 'a'>"}. */
static void big_line(struct sl_buf *line, size_t n)
{
	sl_buf_reset(line);
	sl_buf_addstr(line, "{\"type\":\"x-big\",\"source\":\"s\",\"payload\":{\"d\":\"");
	while (n--)
		sl_buf_addch(line, 'a');
	sl_buf_addstr(line, "\"}}");
	ck_assert_int_eq(sl_buf_ok(line), 0);
}

START_TEST(entry_size_limit)
{
	struct sl_batch b;
	struct sl_buf line = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_error err;
	size_t base, fit_max_seq, over_seq0;

	sl_batch_init(&b);
	/* The canonical entry at the largest seq is base + n bytes. */
	big_line(&line, 0);
	add_ok(&b, line.buf, 1);
	entry_of(&b, 0, UINT64_MAX, TS, &out);
	base = out.len;
	ck_assert_uint_eq(base, strlen("{\"payload\":{\"d\":\"\"},\"seq\":18446744073709551615,\"source\":\"s\","
				       "\"ts\":\"" TS "\",\"type\":\"x-big\"}"));
	sl_batch_reset(&b);

	/* Fits even at seq 2^64-1: must be accepted, and is never more than 65,535 bytes. */
	fit_max_seq = SL_ENTRY_MAX - base;
	big_line(&line, fit_max_seq);
	sl_error_clear(&err);
	ck_assert_msg(sl_batch_add_line(&b, line.buf, line.len, 1, &err) == 0,
		      "an entry of %zu bytes at the largest seq was rejected: %s", base + fit_max_seq,
		      err.msg);
	entry_of(&b, 0, UINT64_MAX, TS, &out);
	ck_assert_uint_eq(out.len, SL_ENTRY_MAX);
	entry_of(&b, 0, 0, TS, &out);
	ck_assert_uint_le(out.len, SL_ENTRY_MAX);
	sl_batch_reset(&b);

	/* More than 65,535 bytes even at seq 0: must be rejected, naming the payload. */
	over_seq0 = SL_ENTRY_MAX + 1 - (base - 19);
	big_line(&line, over_seq0);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_batch_add_line(&b, line.buf, line.len, 8, &err), SL_EINVAL);
	ck_assert_str_eq(err.member, "payload");
	ck_assert_int_eq(err.line, 8);
	ck_assert_str_ne(err.msg, "");
	ck_assert_uint_eq(b.n, 0);
	/*
	 * Exactly 65,535 bytes at seq 0 fits, so the batch must take it: the
	 * ledger checks the exact size once it has assigned the seq (u-ledger).
	 */
	big_line(&line, over_seq0 - 1);
	sl_error_clear(&err);
	ck_assert_msg(sl_batch_add_line(&b, line.buf, line.len, 1, &err) == 0,
		      "an entry of exactly %d bytes at seq 0 was rejected: %s", SL_ENTRY_MAX, err.msg);
	entry_of(&b, 0, 0, TS, &out);
	ck_assert_uint_eq(out.len, SL_ENTRY_MAX);
	sl_batch_reset(&b);
	/* Far beyond: a huge line is refused too. */
	big_line(&line, 5 * SL_ENTRY_MAX);
	ck_assert_int_eq(sl_batch_add_line(&b, line.buf, line.len, 9, &err), SL_EINVAL);
	ck_assert_int_eq(err.line, 9);
	sl_buf_release(&line);
	sl_buf_release(&out);
	sl_batch_release(&b);
}
END_TEST

START_TEST(entry_seq)
{
	static const struct {
		const char *s;
		int e;
		uint64_t seq;
	} cases[] = {
		{ "{\"payload\":{},\"seq\":7,\"source\":\"s\",\"ts\":\"t\",\"type\":\"x-t\"}", 0, 7 },
		{ "{\"seq\":0}", 0, 0 },
		{ "{\"seq\":9007199254740991}", 0, 9007199254740991ULL },
		{ "{\"seq\":-1}", SL_EINVAL, 0 },
		{ "{\"seq\":\"7\"}", SL_EINVAL, 0 },
		{ "{\"seq\":1.5}", SL_EINVAL, 0 },
		{ "{\"payload\":{}}", SL_EINVAL, 0 },
		{ "[7]", SL_EINVAL, 0 },
		{ "{\"seq\":7", SL_EINVAL, 0 },
		{ "", SL_EINVAL, 0 },
	};
	struct sl_error err;
	uint64_t seq;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		seq = 12345;
		sl_error_clear(&err);
		ck_assert_msg(sl_entry_seq(cases[i].s, strlen(cases[i].s), &seq, &err) == cases[i].e,
			      "case %zu: %s", i, err.msg);
		if (cases[i].e == 0)
			ck_assert_uint_eq(seq, cases[i].seq);
		else
			ck_assert_str_ne(err.msg, "");
	}
}
END_TEST

static Suite *entry_suite(void)
{
	Suite *s = suite_create("entry");
	TCase *tv = tcase_create("validate");
	TCase *tb = tcase_create("batch");

	tcase_add_test(tv, valid_examples);
	tcase_add_test(tv, submission_members);
	tcase_add_test(tv, types);
	tcase_add_test(tv, sources);
	tcase_add_test(tv, code_payload);
	tcase_add_test(tv, config_payload);
	tcase_add_test(tv, environment_payload);
	tcase_add_test(tv, mutation_payload);
	tcase_add_test(tv, payload_validate_direct);
	suite_add_tcase(s, tv);

	tcase_set_timeout(tb, 120);
	tcase_add_test(tb, canonical_entry_bytes);
	tcase_add_test(tb, entry_tail_escapes);
	tcase_add_test(tb, batch_line_errors);
	tcase_add_test(tb, batch_reset_and_many_items);
	tcase_add_test(tb, batch_add_json);
	tcase_add_test(tb, entry_size_limit);
	tcase_add_test(tb, entry_seq);
	suite_add_tcase(s, tb);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(entry_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
