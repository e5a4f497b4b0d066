// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/advisory.c: finding the rules, the rule input,
 * running jq, checking findings, the scorer and the report.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sl/advisory.h"
#include "sl/json.h"

#define OID "0123456789abcdef0123456789abcdef01234567"

/* A complete snapshot of two entries: a code entry (seq 0) and a mutation (seq 1). */
static const char snap[] =
	"{\"type\":\"snapshot\",\"at\":\"2026-01-01T00:00:00.000000Z\",\"size\":2,\"root\":\"00\","
	"\"entries\":[{\"seq\":0,\"type\":\"code\",\"source\":\"git:x\",\"entry\":"
	"\"{\\\"payload\\\":{\\\"commit\\\":\\\"" OID "\\\",\\\"repo\\\":\\\"r\\\"},\\\"seq\\\":0,"
	"\\\"source\\\":\\\"git:x\\\",\\\"ts\\\":\\\"t\\\",\\\"type\\\":\\\"code\\\"}\"}],"
	"\"mutations\":[],\"checkpoint\":null,\"complete\":true,\"prefix\":["
	"\"{\\\"payload\\\":{\\\"commit\\\":\\\"" OID "\\\",\\\"repo\\\":\\\"r\\\"},\\\"seq\\\":0,"
	"\\\"source\\\":\\\"git:x\\\",\\\"ts\\\":\\\"t\\\",\\\"type\\\":\\\"code\\\"}\","
	"\"{\\\"payload\\\":{\\\"id\\\":\\\"m\\\",\\\"namespace\\\":\\\"k/t/0\\\",\\\"position\\\":3,"
	"\\\"sha256\\\":\\\"aa\\\"},\\\"seq\\\":1,\\\"source\\\":\\\"m\\\",\\\"ts\\\":\\\"t\\\","
	"\\\"type\\\":\\\"mutation\\\"}\"],\"warnings\":[]}";

#define TMPDIR_NAME "advisory"
#include "tmpdir.h"

static void write_file(const char *dir, const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tmproot, dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/%s", tmproot, dir, name);
	ck_assert_ptr_nonnull(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static const char *dir(const char *d)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", tmproot, d);
	return p[i];
}

START_TEST(rules_dirs)
{
	struct sl_rules rs;
	struct sl_error err;

	write_file("a", "zeta.jq", "empty\n");
	write_file("a", "tz.jq", "empty\n");
	write_file("a", "README", "not a rule\n");
	write_file("a", ".hidden.jq", "empty\n");
	write_file("a", "bad name.jq", "empty\n");
	write_file("b", "tz.jq", "empty\n");
	write_file("b", "alpha.jq", "empty\n");
	sl_rules_init(&rs);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_rules_add_dir(&rs, dir("a"), &err), 0);
	ck_assert_int_eq(sl_rules_add_dir(&rs, dir("b"), &err), 0);
	ck_assert_uint_eq(rs.n, 3);
	ck_assert_str_eq(rs.r[0].name, "alpha");
	ck_assert_str_eq(rs.r[1].name, "tz");
	ck_assert_str_eq(rs.r[2].name, "zeta");
	/* The first directory to name a rule wins. */
	ck_assert_str_eq(rs.r[1].path, dir("a/tz.jq"));
	ck_assert_int_eq(sl_rules_add_dir(&rs, dir("none"), &err), SL_ENOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "unable to open the rules directory"));
	sl_rules_release(&rs);
}
END_TEST

static int load(struct sl_advisory *a)
{
	struct sl_error err;

	sl_error_clear(&err);
	return sl_advisory_load(a, snap, strlen(snap), NULL, &err);
}

START_TEST(input)
{
	struct sl_advisory a;
	struct sl_buf b = SL_BUF_INIT;
	struct sl_error err;
	json_t *j, *r;

	ck_assert_int_eq(load(&a), 0);
	ck_assert_int_eq(sl_advisory_input(&a, &b), 0);
	ck_assert_int_eq(sl_json_parse(b.buf, b.len, &j, NULL), 0);
	ck_assert(json_is_true(json_object_get(j, "complete")));
	ck_assert_uint_eq(json_array_size(json_object_get(j, "entries")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
				 json_array_get(json_object_get(j, "entries"), 0), "payload"), "commit")), OID);
	/* The prefix is walked in C, never handed to the rules: its summary is. */
	ck_assert(json_is_null(json_object_get(j, "prefix")));
	ck_assert_int_eq(json_integer_value(json_object_get(j, "limit")), SL_ADVISORY_LIST_MAX);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "mutation_config"),
							    "total")), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
				 json_object_get(j, "replay"), "totals"), "mutations")), 1);
	/* The heads as the snapshot gives them, without proofs (this hand-made snapshot has none). */
	ck_assert(json_is_array(json_object_get(j, "mutations")));
	ck_assert(json_is_null(json_object_get(j, "artifacts")));
	r = json_object_get(j, "replay");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "steps")), 1);
	json_decref(j);
	sl_buf_release(&b);
	sl_advisory_release(&a);
	/* Not a snapshot. */
	sl_error_clear(&err);
	ck_assert_int_eq(sl_advisory_load(&a, "{\"type\":\"x\"}", 12, NULL, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "not a snapshot document");
	sl_advisory_release(&a);
	ck_assert_int_eq(sl_advisory_load(&a, "[", 1, NULL, &err), SL_EINVAL);
	sl_advisory_release(&a);
	/* A prefix item that is not an entry is named. */
	sl_error_clear(&err);
	{
		static const char bad[] = "{\"type\":\"snapshot\",\"complete\":true,"
					  "\"prefix\":[\"{\\\"seq\\\":0}\"]}";
		ck_assert_int_eq(sl_advisory_load(&a, bad, strlen(bad), NULL, &err), SL_EINVAL);
	}
	ck_assert_str_eq(err.member, "prefix");
	ck_assert_str_eq(err.msg, "item 0 is not an entry");
	sl_advisory_release(&a);
	/* A ledger without an artifact store. */
	ck_assert_int_eq(sl_advisory_load(&a, snap, strlen(snap), dir("nowhere"), &err), SL_ENOLEDGER);
	sl_advisory_release(&a);
}
END_TEST

static int add(struct sl_advisory *a, const char *rule, const char *out, struct sl_error *err)
{
	sl_error_clear(err);
	return sl_advisory_add(a, rule, out, strlen(out), NULL, err);
}

START_TEST(findings)
{
	struct sl_advisory a;
	struct sl_error err;
	struct sl_score s;
	size_t n = 99;
	char *ev;

	ck_assert_int_eq(load(&a), 0);
	ck_assert_int_eq(sl_advisory_add(&a, "r", "", 0, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(add(&a, "r", "{\"severity\":\"high\",\"weight\":30,\"message\":\"m\",\"remedy\":\"x\","
				      "\"evidence\":[1,0,1]}\n", &err), 0);
	ck_assert_uint_eq(json_array_size(a.findings), 1);
	/* Evidence is sorted and each seq kept once. */
	ev = json_dumps(json_object_get(json_array_get(a.findings, 0), "evidence"), JSON_COMPACT);
	ck_assert_str_eq(ev ? ev : "", "[0,1]");
	free(ev);
	/* Each fault is named: line and member. */
	ck_assert_int_eq(add(&a, "r", "{\"severity\":\"low\",\"weight\":1,\"message\":\"m\",\"remedy\":\"x\","
				      "\"evidence\":[]}\n{\"severity\":\"low\",\"weight\":1,\"message\":\"m\","
				      "\"remedy\":\"x\",\"evidence\":[2]}", &err), SL_EINVAL);
	ck_assert_int_eq(err.line, 2);
	ck_assert_str_eq(err.member, "evidence[0]");
	ck_assert_str_eq(err.msg, "no entry of the snapshot has this seq");
	/* Nothing of a failed rule is kept. */
	ck_assert_uint_eq(json_array_size(a.findings), 1);
	ck_assert_int_eq(add(&a, "r", "{\"severity\":\"low\",\"weight\":1,\"message\":\"m\",\"remedy\":\"x\","
				      "\"evidence\":[],\"rule\":\"q\"}", &err), SL_EINVAL);
	ck_assert_str_eq(err.member, "rule");
	ck_assert_int_eq(add(&a, "r", "{\"severity\":\"low\",\"weight\":1,\"message\":\"m\",\"remedy\":\"x\","
				      "\"evidence\":[],\"rule\":\"r\"}", &err), 0);
	ck_assert_int_eq(add(&a, "r", "{\"severity\":\"low\",\"weight\":-1,\"message\":\"m\",\"remedy\":\"\","
				      "\"evidence\":[]}", &err), SL_EINVAL);
	ck_assert_int_eq(add(&a, "r", "{\"severity\":\"info\",\"weight\":-1,\"message\":\"m\",\"remedy\":\"\","
				      "\"evidence\":[]}", &err), 0);
	ck_assert_int_eq(add(&a, "r", "not json", &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "not JSON");
	sl_advisory_score(&a, &s);
	ck_assert_int_eq(s.points, 31);
	ck_assert_int_eq(s.credits, -1);
	ck_assert_int_eq(s.risk, 30);
	ck_assert_str_eq(s.level, "medium");
	sl_advisory_release(&a);
}
END_TEST

START_TEST(scorer)
{
	static const struct { const char *w; int risk; const char *level; } cases[] = {
		{ "", 0, "low" },
		{ "24", 24, "low" },
		{ "25", 25, "medium" },
		{ "59", 59, "medium" },
		{ "60", 60, "high" },
		{ "100,100", 100, "high" },
		{ "30,-50", 0, "low" },
		{ "70,-20", 50, "medium" },
		{ "0,0", 0, "low" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_advisory a;
		struct sl_error err;
		struct sl_score s;
		char w[32], out[512];
		const char *p;

		ck_assert_int_eq(load(&a), 0);
		snprintf(w, sizeof(w), "%s", cases[i].w);
		for (p = w; *p;) {
			long v = strtol(p, (char **)&p, 10);
			snprintf(out, sizeof(out), "{\"severity\":\"%s\",\"weight\":%ld,\"message\":\"m\","
				 "\"remedy\":\"x\",\"evidence\":[0]}", v < 0 ? "info" : "high", v);
			ck_assert_int_eq(add(&a, "r", out, &err), 0);
			if (*p == ',')
				p++;
		}
		sl_advisory_score(&a, &s);
		ck_assert_msg(s.risk == cases[i].risk, "%s: risk %d", cases[i].w, s.risk);
		ck_assert_str_eq(s.level, cases[i].level);
		sl_advisory_release(&a);
	}
}
END_TEST

START_TEST(report)
{
	struct sl_advisory a;
	struct sl_error err;
	struct sl_score s;
	struct sl_rules rs;
	struct sl_buf b = SL_BUF_INIT;
	size_t counts[1] = { 2 };
	json_t *j, *f;

	ck_assert_int_eq(load(&a), 0);
	ck_assert_int_eq(add(&a, "b", "{\"severity\":\"low\",\"weight\":5,\"message\":\"m\",\"remedy\":\"x\","
				      "\"evidence\":[0]}", &err), 0);
	ck_assert_int_eq(add(&a, "a", "{\"severity\":\"high\",\"weight\":20,\"message\":\"m\",\"remedy\":\"x\","
				      "\"evidence\":[1]}", &err), 0);
	sl_rules_init(&rs);
	ck_assert_int_eq(sl_advisory_report(&a, &rs, counts, &b, &s), 0);
	ck_assert_int_eq(b.buf[b.len - 1], '\n');
	ck_assert_int_eq(sl_json_parse(b.buf, b.len, &j, NULL), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "risk")), 25);
	ck_assert_str_eq(json_string_value(json_object_get(j, "level")), "medium");
	ck_assert(json_is_true(json_object_get(j, "can_replay")));
	f = json_object_get(j, "findings");
	/* Highest weight first. */
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 0), "rule")), "a");
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(f, 1), "rule")), "b");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(j, "score"), "points")), 25);
	json_decref(j);
	sl_buf_release(&b);
	sl_advisory_release(&a);
}
END_TEST

START_TEST(run_jq)
{
	struct sl_rule r;
	struct sl_buf out = SL_BUF_INIT;
	struct sl_error err;
	char p[256];

	if (access("/usr/bin/jq", X_OK) != 0)
		return; /* jq is a build dependency; without it only the bats tests can say more */
	r.name = (char *)"t";
	r.path = p;
	snprintf(p, sizeof(p), "%s/t.jq", dir("r"));
	write_file("r", "t.jq", ".a, .b\n");
	sl_error_clear(&err);
	ck_assert_int_eq(sl_rule_run("jq", &r, "{\"a\":1,\"b\":[2]}", 15, 10000, &out, &err), 0);
	ck_assert_str_eq(out.buf, "1\n[2]\n");
	write_file("r", "t.jq", ".a[\n");
	sl_buf_reset(&out);
	ck_assert_int_eq(sl_rule_run("jq", &r, "{}", 2, 10000, &out, &err), SL_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "jq exited with status 3: jq: error: syntax error"));
	write_file("r", "t.jq", "def f: f; f\n");
	ck_assert_int_eq(sl_rule_run("jq", &r, "{}", 2, 200, &out, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "ran longer than 200 ms and was killed");
	ck_assert_int_eq(sl_rule_run("/nonexistent/jq", &r, "{}", 2, 200, &out, &err), SL_EIO);
	sl_buf_release(&out);
	{
		/* All rules of a directory, three at a time: each result in its place. */
		struct sl_rules rs;
		struct sl_buf outs[5];
		struct sl_error errs[5];
		int codes[5];
		size_t i;

		write_file("m", "a.jq", "1\n");
		write_file("m", "b.jq", ".[\n");
		write_file("m", "c.jq", "3\n");
		write_file("m", "d.jq", "4\n");
		write_file("m", "e.jq", "error(\"x\")\n");
		sl_rules_init(&rs);
		ck_assert_int_eq(sl_rules_add_dir(&rs, dir("m"), &err), 0);
		ck_assert_uint_eq(rs.n, 5);
		for (i = 0; i < 5; i++)
			sl_buf_init(&outs[i]);
		ck_assert_int_eq(sl_rules_run_all("jq", &rs, "{}", 2, 10000, 3, outs, codes, errs, &err), 0);
		ck_assert_int_eq(codes[0], 0);
		ck_assert_str_eq(outs[0].buf, "1\n");
		ck_assert_int_eq(codes[1], SL_EINVAL);
		ck_assert_int_eq(codes[2], 0);
		ck_assert_str_eq(outs[2].buf, "3\n");
		ck_assert_str_eq(outs[3].buf, "4\n");
		ck_assert_int_eq(codes[4], SL_EINVAL);
		ck_assert_ptr_nonnull(strstr(errs[4].msg, "jq exited with status 5"));
		for (i = 0; i < 5; i++)
			sl_buf_release(&outs[i]);
		sl_rules_release(&rs);
	}
}
END_TEST

static Suite *advisory_suite(void)
{
	Suite *s = suite_create("advisory");
	TCase *tc = tcase_create("advisory");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, rules_dirs);
	tcase_add_test(tc, input);
	tcase_add_test(tc, findings);
	tcase_add_test(tc, scorer);
	tcase_add_test(tc, report);
	tcase_add_test(tc, run_jq);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(advisory_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
