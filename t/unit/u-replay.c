// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/replay.c: LSN parsing, ordering per namespace,
 * redeliveries, conflicts, gaps, unordered mutations, the analysis
 * document, the plan digest, the state file, resuming a plan after a
 * state, and running a step.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sl/json.h"
#include "sl/replay.h"

#define HA "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HB "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* Add a mutation entry with seq, namespace, position (JSON text or NULL) and sha256. */
static int add(struct sl_replay_plan *p, unsigned seq, const char *ns, const char *pos,
	       const char *sha)
{
	char e[1024];
	struct sl_error err;

	sl_error_clear(&err);
	if (pos)
		snprintf(e, sizeof(e), "{\"payload\":{\"id\":\"i%u\",\"namespace\":\"%s\",\"position\":%s,"
			 "\"sha256\":\"%s\"},\"seq\":%u,\"source\":\"s\",\"ts\":\"2026-01-01T00:00:00.000000Z\","
			 "\"type\":\"mutation\"}", seq, ns, pos, sha, seq);
	else
		snprintf(e, sizeof(e), "{\"payload\":{\"id\":\"i%u\",\"namespace\":\"%s\",\"sha256\":\"%s\"},"
			 "\"seq\":%u,\"source\":\"s\",\"ts\":\"2026-01-01T00:00:00.000000Z\","
			 "\"type\":\"mutation\"}", seq, ns, sha, seq);
	return sl_replay_add(p, e, strlen(e), &err);
}

/* The steps as "seq,seq,..." */
static const char *order(const struct sl_replay_plan *p)
{
	static char buf[512];
	size_t k, n = 0;

	buf[0] = '\0';
	for (k = 0; k < p->nsteps && n < sizeof(buf) - 16; k++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%llu", k ? "," : "",
				      (unsigned long long)p->m[p->steps[k]].seq);
	return buf;
}

START_TEST(lsn)
{
	uint64_t v;

	ck_assert_int_eq(sl_lsn_parse("0/0", &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(sl_lsn_parse("16/B374D848", &v), 0);
	ck_assert_uint_eq(v, 0x16B374D848ULL);
	ck_assert_int_eq(sl_lsn_parse("ffffffff/ffffffff", &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(sl_lsn_parse("1/a", &v), 0);
	ck_assert_uint_eq(v, 0x10000000aULL);
	ck_assert_int_eq(sl_lsn_parse("", &v), SL_EINVAL);
	ck_assert_int_eq(sl_lsn_parse("/1", &v), SL_EINVAL);
	ck_assert_int_eq(sl_lsn_parse("1/", &v), SL_EINVAL);
	ck_assert_int_eq(sl_lsn_parse("123456789/1", &v), SL_EINVAL);
	ck_assert_int_eq(sl_lsn_parse("1/123456789", &v), SL_EINVAL);
	ck_assert_int_eq(sl_lsn_parse("1/2/3", &v), SL_EINVAL);
	ck_assert_int_eq(sl_lsn_parse("g/1", &v), SL_EINVAL);
	ck_assert_int_eq(sl_lsn_parse("1/1 ", &v), SL_EINVAL);
}
END_TEST

START_TEST(ordering)
{
	struct sl_replay_plan p;
	struct sl_error err;

	sl_replay_init(&p);
	/* LSNs whose text order is not their numeric order, and integers likewise. */
	ck_assert_int_eq(add(&p, 0, "pg/a/s", "\"A/0\"", HA), 0);
	ck_assert_int_eq(add(&p, 1, "pg/a/s", "\"9/FFFFFFFF\"", HA), 0);
	ck_assert_int_eq(add(&p, 2, "kafka/c/t/0", "10", HA), 0);
	ck_assert_int_eq(add(&p, 3, "kafka/c/t/0", "9", HA), 0);
	ck_assert_int_eq(add(&p, 4, "pg/a/s", "\"10/1\"", HA), 0);
	ck_assert_int_eq(add(&p, 5, "kafka/c/t/0", "11", HA), 0);
	ck_assert_int_eq(sl_replay_build(&p, &err), 0);
	ck_assert_str_eq(order(&p), "3,2,5,1,0,4");
	ck_assert_uint_eq(p.nissues, 0);
	sl_replay_release(&p);
}
END_TEST

START_TEST(duplicates_and_gaps)
{
	struct sl_replay_plan p;
	struct sl_error err;
	struct sl_buf b = SL_BUF_INIT;

	sl_replay_init(&p);
	ck_assert_int_eq(add(&p, 0, "k/t/0", "1", HA), 0);
	ck_assert_int_eq(add(&p, 1, "k/t/0", "2", HA), 0);
	ck_assert_int_eq(add(&p, 2, "k/t/0", "1", HA), 0); /* redelivery of seq 0 */
	ck_assert_int_eq(add(&p, 3, "k/t/0", "2", HB), 0); /* conflict with seq 1 */
	ck_assert_int_eq(add(&p, 4, "k/t/0", "6", HA), 0); /* gap 3..5 */
	ck_assert_int_eq(add(&p, 5, "k/t/0", "7", HA), 0);
	ck_assert_int_eq(sl_replay_build(&p, &err), 0);
	ck_assert_uint_eq(p.redeliveries, 1);
	ck_assert_uint_eq(p.conflicts, 1);
	ck_assert_uint_eq(p.gaps, 1);
	ck_assert_uint_eq(p.unordered, 0);
	ck_assert_str_eq(order(&p), "0,1,4,5");
	ck_assert_int_eq(sl_replay_issue_write(&p, 0, &b), 0);
	ck_assert_str_eq(b.buf, "namespace 'k/t/0' position 1: seq 2 is a redelivery of seq 0 (same sha256), dropped");
	sl_buf_reset(&b);
	ck_assert_int_eq(sl_replay_issue_write(&p, 1, &b), 0);
	ck_assert_str_eq(b.buf, "namespace 'k/t/0' position 2: seq 1 (sha256 aaaaaaaaaaaa) and seq 3 "
				"(sha256 bbbbbbbbbbbb) differ");
	sl_buf_reset(&b);
	ck_assert_int_eq(sl_replay_issue_write(&p, 2, &b), 0);
	ck_assert_str_eq(b.buf, "namespace 'k/t/0': positions 3 to 5 are missing (between seq 1 and seq 4)");
	sl_buf_reset(&b);
	ck_assert_int_eq(sl_replay_summary(&p, 100, &b), 0);
	ck_assert_str_eq(b.buf,
			 "{\"complete\":false,\"steps\":4,\"limit\":100,\"namespaces\":[{\"namespace\":"
			 "\"k/t/0\",\"positions\":\"integer\",\"count\":6,\"first\":1,\"last\":7,"
			 "\"redeliveries\":{\"items\":[{\"position\":1,\"seq\":2,\"of\":0}],\"total\":1},"
			 "\"conflicts\":{\"items\":[{\"position\":2,\"seqs\":[1,3]}],\"total\":1},"
			 "\"gaps\":{\"items\":[{\"after\":2,\"before\":6,\"missing\":3,\"seqs\":[1,4]}],"
			 "\"total\":1,\"missing\":3}}],\"redeliveries\":[{\"namespace\":"
			 "\"k/t/0\",\"position\":1,\"seq\":2,\"of\":0}],\"conflicts\":[{\"namespace\":\"k/t/0\","
			 "\"position\":2,\"seqs\":[1,3]}],\"gaps\":[{\"namespace\":\"k/t/0\",\"after\":2,"
			 "\"before\":6,\"missing\":3,\"seqs\":[1,4]}],\"mixed\":[],\"unpositioned\":[],"
			 "\"totals\":{\"mutations\":6,\"namespaces\":1,\"redeliveries\":1,\"conflicts\":1,"
			 "\"gaps\":1,\"missing\":3,\"mixed\":0,\"unpositioned\":0}}");
	sl_buf_release(&b);
	sl_replay_release(&p);
}
END_TEST

START_TEST(unordered)
{
	struct sl_replay_plan p;
	struct sl_error err;
	struct sl_buf b = SL_BUF_INIT;

	sl_replay_init(&p);
	ck_assert_int_eq(add(&p, 0, "k/t/0", "1", HA), 0);
	ck_assert_int_eq(add(&p, 1, "k/t/0", NULL, HA), 0);
	ck_assert_int_eq(add(&p, 2, "pg/x/s", "1", HA), 0);
	ck_assert_int_eq(add(&p, 3, "pg/x/s", "\"0/2\"", HA), 0);
	ck_assert_int_eq(sl_replay_build(&p, &err), 0);
	ck_assert_uint_eq(p.unordered, 2);
	ck_assert_str_eq(order(&p), "0");
	ck_assert_int_eq(sl_replay_summary(&p, 100, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.buf, "\"mixed\":[{\"namespace\":\"pg/x/s\",\"seqs\":[2,3],"
					    "\"total\":2}],\"unpositioned\":[1],"));
	ck_assert_ptr_nonnull(strstr(b.buf, "{\"namespace\":\"pg/x/s\",\"positions\":\"mixed\",\"count\":2,"
					    "\"first\":null,\"last\":null,"));
	ck_assert_ptr_nonnull(strstr(b.buf, "\"mixed\":1,\"unpositioned\":1}}"));
	sl_buf_release(&b);
	/* Positions that are neither: an error, naming the seq. */
	sl_error_clear(&err);
	ck_assert_int_eq(add(&p, 9, "k/t/0", "-1", HA), SL_EINVAL);
	ck_assert_int_eq(add(&p, 9, "k/t/0", "\"16-B3\"", HA), SL_EINVAL);
	{
		const char *notmut = "{\"payload\":{\"i\":1},\"seq\":7,\"source\":\"s\",\"ts\":\"t\",\"type\":\"x-a\"}";
		size_t n = p.n;
		ck_assert_int_eq(sl_replay_add(&p, notmut, strlen(notmut), &err), 0);
		ck_assert_uint_eq(p.n, n);
	}
	sl_replay_release(&p);
}
END_TEST

START_TEST(steps_and_digest)
{
	struct sl_replay_plan p, q;
	struct sl_error err;
	struct sl_buf b = SL_BUF_INIT;
	char d1[SL_HEX_LEN + 1], d2[SL_HEX_LEN + 1];
	json_t *j;

	sl_replay_init(&p);
	sl_replay_init(&q);
	ck_assert_int_eq(add(&p, 0, "pg/a/s", "\"0/1A\"", HA), 0);
	ck_assert_int_eq(add(&p, 1, "k/t/0", "5", HB), 0);
	ck_assert_int_eq(sl_replay_build(&p, &err), 0);
	ck_assert_int_eq(sl_replay_step_write(&p, 1, &b), 0);
	ck_assert_int_eq(sl_json_parse(b.buf, b.len, &j, NULL), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "step")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(j, "position")), "0/1A");
	ck_assert_str_eq(json_string_value(json_object_get(j, "namespace")), "pg/a/s");
	ck_assert_str_eq(json_string_value(json_object_get(j, "sha256")), HA);
	ck_assert(json_is_false(json_object_get(j, "stored")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(j, "entry")), "\"position\":\"0/1A\""));
	ck_assert_int_eq(b.buf[b.len - 1], '\n');
	json_decref(j);
	/* The digest names the plan: the same steps, the same digest; one more, another. */
	ck_assert_int_eq(add(&q, 1, "k/t/0", "5", HB), 0);
	ck_assert_int_eq(add(&q, 0, "pg/a/s", "\"0/1A\"", HA), 0);
	ck_assert_int_eq(sl_replay_build(&q, &err), 0);
	ck_assert_int_eq(sl_replay_digest(&p, d1), 0);
	ck_assert_int_eq(sl_replay_digest(&q, d2), 0);
	ck_assert_str_eq(d1, d2);
	ck_assert_int_eq(add(&q, 2, "k/t/0", "6", HB), 0);
	ck_assert_int_eq(sl_replay_build(&q, &err), 0);
	ck_assert_int_eq(sl_replay_digest(&q, d2), 0);
	ck_assert_str_ne(d1, d2);
	sl_buf_release(&b);
	sl_replay_release(&p);
	sl_replay_release(&q);
}
END_TEST

START_TEST(snapshot_input)
{
	struct sl_replay_plan p;
	struct sl_error err;
	const char *e0 = "{\\\"payload\\\":{\\\"id\\\":\\\"a\\\",\\\"namespace\\\":\\\"k/t/0\\\",\\\"position\\\":2,"
			 "\\\"sha256\\\":\\\"" HA "\\\"},\\\"seq\\\":0,\\\"source\\\":\\\"s\\\",\\\"ts\\\":\\\"t\\\","
			 "\\\"type\\\":\\\"mutation\\\"}";
	const char *e1 = "{\\\"payload\\\":{\\\"id\\\":\\\"b\\\",\\\"namespace\\\":\\\"k/t/0\\\",\\\"position\\\":1,"
			 "\\\"sha256\\\":\\\"" HA "\\\"},\\\"seq\\\":1,\\\"source\\\":\\\"s\\\",\\\"ts\\\":\\\"t\\\","
			 "\\\"type\\\":\\\"mutation\\\"}";
	char doc[4096];

	/* Complete: every mutation of the prefix. */
	snprintf(doc, sizeof(doc), "{\"type\":\"snapshot\",\"entries\":[{\"type\":\"mutation\",\"entry\":\"%s\"}],"
		 "\"complete\":true,\"prefix\":[\"%s\",\"%s\"]}", e1, e0, e1);
	sl_replay_init(&p);
	sl_error_clear(&err);
	ck_assert_msg(sl_replay_add_snapshot(&p, doc, strlen(doc), &err) == 0, "%s", err.msg);
	ck_assert(p.complete);
	ck_assert_int_eq(sl_replay_build(&p, &err), 0);
	ck_assert_str_eq(order(&p), "1,0");
	sl_replay_release(&p);
	/* Members it does not need (boundary entries, a filter, ...) are left alone. */
	snprintf(doc, sizeof(doc), "{\"type\":\"snapshot\",\"filter\":{\"type\":[\"mutation\"]},"
		 "\"boundary\":[{\"seq\":9,\"entry\":\"x\"}],\"entries\":[],\"complete\":true,"
		 "\"prefix\":[\"%s\",\"%s\"],\"future\":1}", e0, e1);
	sl_replay_init(&p);
	ck_assert_msg(sl_replay_add_snapshot(&p, doc, strlen(doc), &err) == 0, "%s", err.msg);
	ck_assert_int_eq(sl_replay_build(&p, &err), 0);
	ck_assert_str_eq(order(&p), "1,0");
	ck_assert_uint_eq(p.horizon, 2);
	sl_replay_release(&p);
	/* Not complete: only the latest entries. */
	snprintf(doc, sizeof(doc), "{\"type\":\"snapshot\",\"entries\":[{\"type\":\"mutation\",\"entry\":\"%s\"},"
		 "{\"type\":\"code\",\"entry\":\"x\"}],\"complete\":false}", e1);
	sl_replay_init(&p);
	ck_assert_int_eq(sl_replay_add_snapshot(&p, doc, strlen(doc), &err), 0);
	ck_assert(!p.complete);
	ck_assert_uint_eq(p.n, 1);
	sl_replay_release(&p);
	sl_replay_init(&p);
	ck_assert_int_eq(sl_replay_add_snapshot(&p, "{\"type\":\"diff\"}", 15, &err), SL_EINVAL);
	ck_assert_str_eq(err.msg, "not a snapshot document");
	sl_replay_release(&p);
}
END_TEST

/* sl_replay_add_snapshot() of doc: its code, and the message in msg. */
static int snap_err(const char *doc, char *msg, size_t n)
{
	struct sl_replay_plan p;
	struct sl_error err;
	int e;

	sl_replay_init(&p);
	sl_error_clear(&err);
	e = sl_replay_add_snapshot(&p, doc, strlen(doc), &err);
	msg[0] = '\0';
	if (e < 0 && err.member[0])
		snprintf(msg, n, "%.*s: ", (int)(n / 2), err.member);
	if (e < 0)
		strncat(msg, err.msg, n - strlen(msg) - 1);
	sl_replay_release(&p);
	return e;
}

/*
 * Read as a stream, a snapshot is accepted and refused as the whole
 * document parsed with jansson was (issue 12): the order of the checks
 * (JSON first, then a snapshot, then its entries) and the messages stay.
 */
START_TEST(snapshot_stream)
{
	const char *e0 = "{\\\"payload\\\":{\\\"id\\\":\\\"a\\\",\\\"namespace\\\":\\\"k/t/0\\\",\\\"position\\\":2,"
			 "\\\"sha256\\\":\\\"" HA "\\\"},\\\"seq\\\":0,\\\"source\\\":\\\"s\\\",\\\"ts\\\":\\\"t\\\","
			 "\\\"type\\\":\\\"mutation\\\"}";
	char doc[4096], msg[512], path[] = "/tmp/u-replay-XXXXXX";
	struct sl_replay_plan p;
	struct sl_error err;
	int fd;

	/* An item of the prefix that is not an entry, or not one: its index. */
	snprintf(doc, sizeof(doc), "{\"type\":\"snapshot\",\"entries\":[],\"complete\":true,"
		 "\"prefix\":[\"%s\",7]}", e0);
	ck_assert_int_eq(snap_err(doc, msg, sizeof(msg)), SL_EINVAL);
	ck_assert_str_eq(msg, "prefix: item 1 is not an entry");
	snprintf(doc, sizeof(doc), "{\"type\":\"snapshot\",\"entries\":[],\"complete\":true,"
		 "\"prefix\":[\"%s\",\"{}\"]}", e0);
	ck_assert_int_eq(snap_err(doc, msg, sizeof(msg)), SL_EINVAL);
	ck_assert_str_eq(msg, "prefix[1]: an entry without type, seq or payload");
	/* ... but not JSON later on, or not a snapshot, is said first. */
	snprintf(doc, sizeof(doc), "{\"type\":\"snapshot\",\"entries\":[],\"complete\":true,"
		 "\"prefix\":[\"{}\",\"%s\"],\"x\":tru}", e0);
	ck_assert_int_eq(snap_err(doc, msg, sizeof(msg)), SL_EINVAL);
	ck_assert_msg(strncmp(msg, "the snapshot is not JSON: ", 26) == 0, "%s", msg);
	ck_assert_int_eq(snap_err("{\"type\":\"snapshot\",\"complete\":true,\"prefix\":[\"{}\"]}",
				  msg, sizeof(msg)), SL_EINVAL);
	ck_assert_str_eq(msg, "not a snapshot document");
	/* A member given twice, a document cut short, trailing bytes: not JSON. */
	ck_assert_int_eq(snap_err("{\"type\":\"snapshot\",\"entries\":[],\"type\":\"snapshot\"}",
				  msg, sizeof(msg)), SL_EINVAL);
	ck_assert_msg(strncmp(msg, "the snapshot is not JSON: ", 26) == 0, "%s", msg);
	ck_assert_int_eq(snap_err("{\"type\":\"snapshot\",\"entries\":[],\"complete\":true,\"prefix\":[",
				  msg, sizeof(msg)), SL_EINVAL);
	ck_assert_msg(strncmp(msg, "the snapshot is not JSON: ", 26) == 0, "%s", msg);
	ck_assert_int_eq(snap_err("{\"type\":\"snapshot\",\"entries\":[]} x", msg, sizeof(msg)), SL_EINVAL);
	ck_assert_msg(strncmp(msg, "the snapshot is not JSON: ", 26) == 0, "%s", msg);
	/* A prefix before "complete":false is not walked: the latest entries count. */
	snprintf(doc, sizeof(doc), "{\"type\":\"snapshot\",\"prefix\":[\"{}\",\"%s\"],"
		 "\"entries\":[{\"type\":\"mutation\",\"entry\":\"%s\"}],\"complete\":false}", e0, e0);
	ck_assert_int_eq(snap_err(doc, msg, sizeof(msg)), 0);
	sl_replay_init(&p);
	ck_assert_int_eq(sl_replay_add_snapshot(&p, doc, strlen(doc), &err), 0);
	ck_assert(!p.complete);
	ck_assert_uint_eq(p.n, 1);
	sl_replay_release(&p);
	/* Complete, but a prefix that is not an array: the latest entries. */
	snprintf(doc, sizeof(doc), "{\"type\":\"snapshot\",\"entries\":[],\"complete\":true,\"prefix\":null}");
	sl_replay_init(&p);
	ck_assert_int_eq(sl_replay_add_snapshot(&p, doc, strlen(doc), &err), 0);
	ck_assert(!p.complete);
	sl_replay_release(&p);
	/* From a file descriptor, as sl-replay reads it; a value over max is refused. */
	snprintf(doc, sizeof(doc), "{\"type\":\"snapshot\",\"entries\":[],\"complete\":true,"
		 "\"prefix\":[\"%s\"]}", e0);
	ck_assert_int_ge(fd = mkstemp(path), 0);
	unlink(path);
	ck_assert_int_eq(write(fd, doc, strlen(doc)), (ssize_t)strlen(doc));
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	sl_replay_init(&p);
	ck_assert_msg(sl_replay_add_snapshot_fd(&p, fd, 1 << 20, &err) == 0, "%s", err.msg);
	ck_assert(p.complete);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_ptr_nonnull(p.m[0].entry);
	sl_replay_release(&p);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	sl_replay_init(&p);
	ck_assert_int_eq(sl_replay_add_snapshot_fd(&p, fd, 16, &err), SL_EINVAL);
	sl_replay_release(&p);
	close(fd);
}
END_TEST

/* A plan of "seq ns pos sha" items (pos as JSON text), built. */
static void plan_of(struct sl_replay_plan *p, const char *const *items, size_t n)
{
	struct sl_error err;
	char ns[64], pos[32], sha[80];
	unsigned seq;
	size_t i;

	sl_replay_init(p);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(items[i], "%u %63s %31s %79s", &seq, ns, pos, sha), 4);
		ck_assert_int_eq(add(p, seq, ns, pos, sha), 0);
	}
	ck_assert_int_eq(sl_replay_build(p, &err), 0);
}

/* The steps left to run as "0,0,1,...", or the error's message. */
static const char *resume(const struct sl_replay_plan *p, const struct sl_replay_state *st)
{
	static char buf[512];
	unsigned char todo[64];
	struct sl_error err;
	size_t k, n = 0, left = 99, ones = 0;

	sl_error_clear(&err);
	ck_assert_uint_le(p->nsteps, sizeof(todo));
	if (sl_replay_resume(p, st, todo, &left, &err) < 0) {
		ck_assert_int_eq(err.code, SL_EVERIFY);
		snprintf(buf, sizeof(buf), "%s", err.msg);
		return buf;
	}
	buf[0] = '\0';
	for (k = 0; k < p->nsteps; k++) {
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%d", k ? "," : "", todo[k]);
		ones += todo[k];
	}
	ck_assert_uint_eq(left, ones);
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static const char *const plan_a[] = {
	"0 k/t/0 1 " HA, "1 k/t/0 2 " HA, "2 k/t/0 3 " HA, "3 pg/a/s \"0/10\" " HA, "4 pg/a/s \"0/30\" " HB,
};

START_TEST(state_file)
{
	char dir[] = "/tmp/sl-u-replay-XXXXXX", path[128], tmp[160], v1[512];
	char digest[SL_HEX_LEN + 1];
	struct sl_replay_plan p;
	struct sl_replay_state st, st2;
	struct sl_error err;
	FILE *f;
	char got[1024];
	size_t n;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	plan_of(&p, plan_a, 5);
	ck_assert_uint_eq(p.horizon, 5);
	sl_replay_state_init(&st);
	sl_replay_state_init(&st2);
	sl_error_clear(&err);
	ck_assert_int_eq(sl_replay_state_load(path, &p, &st, &err), 0);
	ck_assert_uint_eq(st.n, 0);
	/* Marks: the highest step applied in each namespace, in namespace order. */
	ck_assert_int_eq(sl_replay_state_mark(&st, &p, 4, &err), 0);
	ck_assert_int_eq(sl_replay_state_mark(&st, &p, 0, &err), 0);
	ck_assert_int_eq(sl_replay_state_mark(&st, &p, 1, &err), 0);
	ck_assert_int_eq(sl_replay_state_save(path, &st, 1, &err), 0);
	ck_assert_int_eq(access(tmp, F_OK), -1);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	n = fread(got, 1, sizeof(got) - 1, f);
	got[n] = '\0';
	fclose(f);
	ck_assert_str_eq(got, "{\"type\":\"replay-state\",\"version\":2,\"namespaces\":{"
			      "\"k/t/0\":{\"position\":2,\"sha256\":\"" HA "\",\"seq\":1,\"id\":\"i1\","
			      "\"horizon\":5},\"pg/a/s\":{\"position\":\"0/30\",\"sha256\":\"" HB "\","
			      "\"seq\":4,\"id\":\"i4\",\"horizon\":5}}}\n");
	ck_assert_int_eq(sl_replay_state_load(path, &p, &st2, &err), 0);
	ck_assert_uint_eq(st2.n, 2);
	ck_assert_str_eq(st2.v[1].ns, "pg/a/s");
	ck_assert_int_eq(st2.v[1].kind, SL_POS_LSN);
	ck_assert_uint_eq(st2.v[1].pos, 0x30);
	ck_assert_str_eq(st2.v[1].pos_json, "\"0/30\"");
	ck_assert_str_eq(st2.v[1].sha256, HB);
	ck_assert_str_eq(st2.v[0].id, "i1");
	ck_assert(!st2.migrated);
	ck_assert_int_eq(sl_replay_state_save(path, &st2, 0, &err), 0);
	/* Version 1 of this plan: converted; of another plan with nothing done too. */
	ck_assert_int_eq(sl_replay_digest(&p, digest), 0);
	snprintf(v1, sizeof(v1), "{\"type\":\"replay-state\",\"plan\":\"%s\",\"steps\":5,\"done\":4,"
		 "\"last_seq\":3}\n", digest);
	write_file(path, v1);
	ck_assert_int_eq(sl_replay_state_load(path, &p, &st2, &err), 0);
	ck_assert(st2.migrated);
	ck_assert_uint_eq(st2.n, 2);
	ck_assert_str_eq(st2.v[0].pos_json, "3");
	ck_assert_str_eq(st2.v[1].pos_json, "\"0/10\"");
	write_file(path, "{\"type\":\"replay-state\",\"plan\":\"" HB "\",\"steps\":9,\"done\":0,\"last_seq\":null}\n");
	ck_assert_int_eq(sl_replay_state_load(path, &p, &st2, &err), 0);
	ck_assert(st2.migrated);
	ck_assert_uint_eq(st2.n, 0);
	/* Version 1 of another plan: refused, never guessed. */
	write_file(path, "{\"type\":\"replay-state\",\"plan\":\"" HB "\",\"steps\":9,\"done\":3,\"last_seq\":2}\n");
	ck_assert_int_eq(sl_replay_state_load(path, &p, &st2, &err), SL_EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "is a state file of version 1, of another plan (bbbbbbbbbbbb, 3 of its steps done"));
	ck_assert_uint_eq(st2.n, 0);
	/* Damaged files are refused. */
	write_file(path, "{\"type\":\"replay-state\",\"plan\":\"" HA "\",\"steps\":3,\"done\":4}\n");
	ck_assert_int_eq(sl_replay_state_load(path, &p, &st2, &err), SL_ECORRUPT);
	write_file(path, "{\"type\":\"replay-st");
	ck_assert_int_eq(sl_replay_state_load(path, &p, &st2, &err), SL_ECORRUPT);
	write_file(path, "{\"type\":\"replay-state\",\"version\":2,\"namespaces\":{\"k/t/0\":{\"position\":1,"
			 "\"sha256\":\"" HA "\",\"seq\":3,\"id\":\"x\",\"horizon\":3}}}\n");
	ck_assert_int_eq(sl_replay_state_load(path, &p, &st2, &err), SL_ECORRUPT);
	write_file(path, "{\"type\":\"replay-state\",\"version\":2,\"namespaces\":{\"k/t/0\":{\"position\":1,"
			 "\"sha256\":\"AA\",\"seq\":3,\"id\":\"x\",\"horizon\":4}}}\n");
	ck_assert_int_eq(sl_replay_state_load(path, &p, &st2, &err), SL_ECORRUPT);
	write_file(path, "{\"type\":\"replay-state\",\"version\":3,\"namespaces\":{}}\n");
	ck_assert_int_eq(sl_replay_state_load(path, &p, &st2, &err), SL_ECORRUPT);
	/* Members it does not know are left alone. */
	write_file(path, "{\"type\":\"replay-state\",\"version\":2,\"note\":1,\"namespaces\":{\"k/t/0\":"
			 "{\"position\":1,\"sha256\":\"" HA "\",\"seq\":3,\"id\":\"x\",\"horizon\":4,\"by\":\"y\"}}}\n");
	ck_assert_int_eq(sl_replay_state_load(path, &p, &st2, &err), 0);
	ck_assert_uint_eq(st2.n, 1);
	/* An unwritable directory: SL_EIO. */
	snprintf(tmp, sizeof(tmp), "%s/no/such/state", dir);
	ck_assert_int_eq(sl_replay_state_save(tmp, &st, 1, &err), SL_EIO);
	unlink(path);
	rmdir(dir);
	sl_replay_state_release(&st);
	sl_replay_state_release(&st2);
	sl_replay_release(&p);
}
END_TEST

START_TEST(resuming)
{
	struct sl_replay_plan a, p;
	struct sl_replay_state st;
	struct sl_error err;

	/* Applied: k/t/0 up to 2 and pg/a/s up to 0/30, from plan a (horizon 5). */
	plan_of(&a, plan_a, 5);
	sl_replay_state_init(&st);
	ck_assert_str_eq(resume(&a, &st), "1,1,1,1,1");
	ck_assert_int_eq(sl_replay_state_mark(&st, &a, 1, &err), 0);
	ck_assert_int_eq(sl_replay_state_mark(&st, &a, 4, &err), 0);
	ck_assert_str_eq(resume(&a, &st), "0,0,1,0,0");
	{	/* A later plan: what is new, after what was applied; a new namespace too. */
		const char *const b[] = { plan_a[0], plan_a[1], plan_a[2], plan_a[3], plan_a[4],
					  "5 k/t/0 4 " HA, "6 a/b \"0/1\" " HA, "7 pg/a/s \"1/0\" " HA };
		plan_of(&p, b, 8);
		ck_assert_str_eq(resume(&p, &st), "1,0,0,1,1,0,0,1");
		sl_replay_release(&p);
	}
	{	/* Another sha256 at an applied position. */
		const char *const c[] = { plan_a[0], "1 k/t/0 2 " HB, plan_a[2], plan_a[3], plan_a[4] };
		plan_of(&p, c, 5);
		ck_assert_str_eq(resume(&p, &st), "namespace 'k/t/0' position 2: the plan has sha256 " HB
				 " (seq 1), the state records position 2 with sha256 " HA " (seq 1): "
				 "another mutation at an applied position");
		sl_replay_release(&p);
	}
	{	/* A mutation below the applied position that came later (an LSN between). */
		const char *const d[] = { plan_a[0], plan_a[1], plan_a[2], plan_a[3], plan_a[4],
					  "5 pg/a/s \"0/20\" " HA };
		plan_of(&p, d, 6);
		ck_assert_str_eq(resume(&p, &st), "namespace 'pg/a/s' position \"0/20\": the plan has "
				 "sha256 " HA " (seq 5), the state records position \"0/30\" with sha256 " HB
				 " (seq 4), applied from the mutations below seq 5: this one came later and "
				 "cannot be applied in order");
		sl_replay_release(&p);
	}
	{	/* No mutation at the applied position, though the plan covers its seq. */
		const char *const e[] = { plan_a[0], plan_a[2], plan_a[3], plan_a[4] };
		plan_of(&p, e, 4);
		ck_assert_str_eq(resume(&p, &st), "namespace 'k/t/0' position 2: the state records sha256 "
				 HA " (seq 1), the plan has no mutation at that position though it covers "
				 "that seq");
		sl_replay_release(&p);
	}
	{	/* Positions of another kind. */
		const char *const f[] = { "1 k/t/0 \"0/2\" " HA };
		plan_of(&p, f, 1);
		ck_assert_ptr_nonnull(strstr(resume(&p, &st), ": one is an integer, the other an LSN"));
		sl_replay_release(&p);
	}
	{	/* An older snapshot (horizon 3 < 5) with a step to run: refused; without one: nothing to do. */
		const char *const g[] = { plan_a[0], plan_a[1], plan_a[2] };
		plan_of(&p, g, 3);
		ck_assert_str_eq(resume(&p, &st), "namespace 'k/t/0' position 2: the state records sha256 "
				 HA " (seq 1), applied from the mutations below seq 5; this plan holds those "
				 "below seq 3 only (an older snapshot)");
		sl_replay_release(&p);
		plan_of(&p, g, 2);
		ck_assert_str_eq(resume(&p, &st), "0,0");
		sl_replay_release(&p);
	}
	{	/* A range of the ledger that starts after the state's horizon. */
		sl_replay_init(&p);
		p.from_seq = 7;
		ck_assert_int_eq(add(&p, 8, "k/t/0", "3", HA), 0);
		ck_assert_int_eq(sl_replay_build(&p, &err), 0);
		ck_assert_ptr_nonnull(strstr(resume(&p, &st), "this plan starts at seq 7: those in between were never planned"));
		p.from_seq = 5;
		ck_assert_str_eq(resume(&p, &st), "1");
		sl_replay_release(&p);
	}
	sl_replay_state_release(&st);
	sl_replay_release(&a);
}
END_TEST

START_TEST(run_step)
{
	char dir[] = "/tmp/sl-u-replay-XXXXXX", cmd[256], path[128];
	struct sl_buf a = SL_BUF_INIT, b = SL_BUF_INIT, reply = SL_BUF_INIT;
	const struct sl_buf *in[2] = { &a, &b };
	const char *env[] = { "SL_REPLAY_STEP=7", NULL };
	struct sl_replay_proc pr;
	struct sl_error err;
	char got[64] = "";
	FILE *f;
	int ws;

	signal(SIGPIPE, SIG_IGN);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out", dir);
	sl_buf_addstr(&a, "line\n");
	sl_buf_addstr(&b, "body without newline");
	snprintf(cmd, sizeof(cmd), "{ echo $SL_REPLAY_STEP; cat; } > %s; exit 4", path);
	/* An inherited SL_REPLAY_* (a replay inside a step) never hides ours. */
	setenv("SL_REPLAY_STEP", "99", 1);
	ck_assert_int_eq(sl_replay_run(cmd, env, in, 2, &ws, &err), 0);
	ck_assert(WIFEXITED(ws));
	ck_assert_int_eq(WEXITSTATUS(ws), 4);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	ck_assert_uint_eq(fread(got, 1, sizeof(got) - 1, f), 27);
	fclose(f);
	ck_assert_str_eq(got, "7\nline\nbody without newline");
	/* A command that reads nothing still gets judged by its status. */
	ck_assert_int_eq(sl_replay_run("exit 0", NULL, in, 2, &ws, &err), 0);
	ck_assert_int_eq(WEXITSTATUS(ws), 0);
	/* A long-running command: answers, then ends. */
	ck_assert_int_eq(sl_replay_proc_start(&pr, "read l; echo ok; read l; echo 'no: full'; read l", &err), 0);
	ck_assert_int_eq(sl_replay_proc_step(&pr, in, 1, &reply, &err), 0);
	ck_assert_str_eq(reply.buf, "ok");
	ck_assert_int_eq(sl_replay_proc_step(&pr, in, 1, &reply, &err), 0);
	ck_assert_str_eq(reply.buf, "no: full");
	ck_assert_int_eq(sl_replay_proc_step(&pr, in, 1, &reply, &err), SL_EIO);
	ck_assert_int_eq(sl_replay_proc_finish(&pr, &ws, &err), 0);
	ck_assert_int_eq(WEXITSTATUS(ws), 0);
	unlink(path);
	rmdir(dir);
	sl_buf_release(&a);
	sl_buf_release(&b);
	sl_buf_release(&reply);
}
END_TEST

/* The bounded summary: lists cut at the limit, totals of everything. */
START_TEST(summary_bounded)
{
	struct sl_replay_plan p;
	struct sl_error err;
	struct sl_buf b = SL_BUF_INIT;
	char pos[16];
	uint64_t s;

	sl_replay_init(&p);
	p.lean = 1;
	/* Namespace a: positions 0, 2, 4, ... 18: nine gaps of one; b: 1, 1 (a conflict). */
	for (s = 0; s < 10; s++) {
		snprintf(pos, sizeof(pos), "%llu", (unsigned long long)(2 * s));
		ck_assert_int_eq(add(&p, s, "a", pos, HA), 0);
	}
	ck_assert_int_eq(add(&p, 10, "b", "1", HA), 0);
	ck_assert_int_eq(add(&p, 11, "b", "1", HB), 0);
	ck_assert_int_eq(add(&p, 12, "c", "5", HA), 0);
	ck_assert_int_eq(sl_replay_build(&p, &err), 0);
	ck_assert_ptr_null(p.m[0].entry); /* lean: the entry bytes are not kept */
	ck_assert_int_eq(sl_replay_summary(&p, 2, &b), 0);
	ck_assert_str_eq(b.buf,
		"{\"complete\":false,\"steps\":12,\"limit\":2,\"namespaces\":["
		"{\"namespace\":\"a\",\"positions\":\"integer\",\"count\":10,\"first\":0,\"last\":18,"
		"\"redeliveries\":{\"items\":[],\"total\":0},\"conflicts\":{\"items\":[],\"total\":0},"
		"\"gaps\":{\"items\":[{\"after\":0,\"before\":2,\"missing\":1,\"seqs\":[0,1]},"
		"{\"after\":2,\"before\":4,\"missing\":1,\"seqs\":[1,2]}],\"total\":9,\"missing\":9}},"
		"{\"namespace\":\"b\",\"positions\":\"integer\",\"count\":2,\"first\":1,\"last\":1,"
		"\"redeliveries\":{\"items\":[],\"total\":0},\"conflicts\":{\"items\":["
		"{\"position\":1,\"seqs\":[10,11]}],\"total\":1},\"gaps\":{\"items\":[],\"total\":0,"
		"\"missing\":0}}],"
		"\"redeliveries\":[],\"conflicts\":[{\"namespace\":\"b\",\"position\":1,\"seqs\":[10,11]}],"
		"\"gaps\":[{\"namespace\":\"a\",\"after\":0,\"before\":2,\"missing\":1,\"seqs\":[0,1]},"
		"{\"namespace\":\"a\",\"after\":2,\"before\":4,\"missing\":1,\"seqs\":[1,2]}],"
		"\"mixed\":[],\"unpositioned\":[],\"totals\":{\"mutations\":13,\"namespaces\":3,"
		"\"redeliveries\":0,\"conflicts\":1,\"gaps\":9,\"missing\":9,\"mixed\":0,"
		"\"unpositioned\":0}}");
	sl_buf_release(&b);
	sl_replay_release(&p);
}
END_TEST

static Suite *replay_suite(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("replay");

	tcase_add_test(tc, lsn);
	tcase_add_test(tc, ordering);
	tcase_add_test(tc, duplicates_and_gaps);
	tcase_add_test(tc, unordered);
	tcase_add_test(tc, summary_bounded);
	tcase_add_test(tc, steps_and_digest);
	tcase_add_test(tc, snapshot_input);
	tcase_add_test(tc, snapshot_stream);
	tcase_add_test(tc, state_file);
	tcase_add_test(tc, resuming);
	tcase_add_test(tc, run_step);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(replay_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
