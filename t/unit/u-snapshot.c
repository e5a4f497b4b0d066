// SPDX-License-Identifier: MIT
/*
 * Unit tests for lib/snapshot.c: snapshots of a small ledger at several
 * times, their entries, mutations, proofs (checked with lib/proof.c),
 * filters, the complete prefix and the checkpoint with its proof.
 */
#include <check.h>
#include <fnmatch.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sl/checkpoint.h"
#include "sl/entry.h"
#include "sl/hash.h"
#include "sl/json.h"
#include "sl/ledger.h"
#include "sl/proof.h"
#include "sl/snapshot.h"
#include "sl/store.h"
#include "sl/time.h"

#define SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#define TMPDIR_NAME "snapshot"
#include "tmpdir.h"

static struct sl_ledger *new_ledger(void)
{
	struct sl_ledger *l = NULL;
	struct sl_error err;
	char dir[256];

	snprintf(dir, sizeof(dir), "%s/l", tmproot);
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_init(dir, "example.org/log", &err) == 0, "init: %s", err.msg);
	ck_assert_msg(sl_ledger_open(&l, dir, 0, 10000, &err) == 0, "open: %s", err.msg);
	return l;
}

static void append(struct sl_ledger *l, const char *const *lines, size_t n)
{
	struct sl_receipt rc[8];
	struct sl_batch b;
	struct sl_error err;
	size_t i;

	sl_batch_init(&b);
	for (i = 0; i < n; i++) {
		sl_error_clear(&err);
		ck_assert_msg(sl_batch_add_line(&b, lines[i], strlen(lines[i]), (long)i + 1, &err) == 0,
			      "line %zu: %s", i, err.msg);
	}
	sl_error_clear(&err);
	ck_assert_msg(sl_ledger_append(l, &b, rc, &err) == 0, "append: %s", err.msg);
	sl_batch_release(&b);
}

/* The snapshot as parsed JSON (decref it). */
static json_t *snap(struct sl_ledger *l, int64_t at, const char *type, const char *source, int complete)
{
	struct sl_snapshot_opts o = { .at = at, .type = type, .source = source, .complete = complete };
	struct sl_buf b = SL_BUF_INIT;
	struct sl_error err;
	json_t *j = NULL;

	sl_error_clear(&err);
	ck_assert_msg(sl_snapshot(l, &o, sl_buf_write, &b, &err) == 0, "snapshot: %s", err.msg);
	ck_assert_msg(sl_json_parse(b.buf, b.len, &j, &err) == 0, "not JSON: %s: %s", err.msg, b.buf);
	sl_buf_release(&b);
	return j;
}

/* Check every inclusion proof of j against its root and the entry bytes it carries. */
static void check_entries(json_t *j, const char *seqs)
{
	struct sl_buf got = SL_BUF_INIT, doc = SL_BUF_INIT;
	struct sl_error err;
	unsigned char root[SL_HASH_LEN], leaf[SL_HASH_LEN];
	json_t *e;
	size_t i;

	ck_assert_int_eq(sl_hex_decode(root, SL_HASH_LEN, json_string_value(json_object_get(j, "root")), 64), 0);
	json_array_foreach(json_object_get(j, "entries"), i, e) {
		const char *ent = json_string_value(json_object_get(e, "entry"));
		struct sl_proof p;
		char *s = json_dumps(json_object_get(e, "inclusion"), JSON_COMPACT);

		sl_buf_addf(&got, "%s%lld", i ? "," : "", (long long)json_integer_value(json_object_get(e, "seq")));
		sl_leaf_hash(leaf, ent, strlen(ent));
		sl_error_clear(&err);
		ck_assert_msg(sl_proof_parse(s, strlen(s), &p, &err) == 0, "proof: %s", err.msg);
		ck_assert_msg(sl_proof_verify(&p, leaf, NULL, root, &err) == 0, "proof of %zu: %s", i, err.msg);
		free(s);
	}
	ck_assert_str_eq(got.buf, seqs);
	sl_buf_release(&got);
	sl_buf_release(&doc);
}

/* The mutation records without their entries and proofs: "NS:SEQ:POS:ID:LAST-SEQ ...". */
static char *heads(json_t *j)
{
	struct sl_buf b = SL_BUF_INIT;
	json_t *m;
	size_t i;

	json_array_foreach(json_object_get(j, "mutations"), i, m) {
		json_t *last = json_object_get(m, "last");
		sl_buf_addf(&b, "%s%s:%lld:%lld:%s:%lld", i ? " " : "",
			    json_string_value(json_object_get(m, "namespace")),
			    (long long)json_integer_value(json_object_get(m, "seq")),
			    (long long)json_integer_value(json_object_get(m, "position")),
			    json_string_value(json_object_get(m, "id")),
			    json_is_null(last) ? -1LL : (long long)json_integer_value(json_object_get(last, "seq")));
		ck_assert(json_is_object(json_object_get(m, "inclusion")));
	}
	sl_buf_addstr(&b, "");
	ck_assert_int_eq(sl_buf_ok(&b), 0);
	return sl_buf_detach(&b, NULL);
}

static const char *const batch1[] = {
	"{\"type\":\"x-app\",\"source\":\"web-1\",\"payload\":{\"v\":1}}",
	"{\"type\":\"x-app\",\"source\":\"web-2\",\"payload\":{\"v\":1}}",
	"{\"type\":\"mutation\",\"source\":\"pg:a\",\"payload\":{\"namespace\":\"pg/s/a\",\"position\":1,"
	"\"id\":\"m1\",\"sha256\":\"" SHA "\"}}",
};
static const char *const batch2[] = {
	"{\"type\":\"x-app\",\"source\":\"web-1\",\"payload\":{\"v\":2}}",
	"{\"type\":\"mutation\",\"source\":\"pg:a2\",\"payload\":{\"namespace\":\"pg/s/a\",\"position\":2,"
	"\"id\":\"m2\",\"sha256\":\"" SHA "\"}}",
	"{\"type\":\"mutation\",\"source\":\"kafka:b\",\"payload\":{\"namespace\":\"kafka/c/t/0\",\"position\":7,"
	"\"id\":\"k7\",\"sha256\":\"" SHA "\"}}",
};

START_TEST(snapshots_at_times)
{
	struct sl_ledger *l = new_ledger();
	struct sl_signer k;
	struct sl_buf note = SL_BUF_INIT;
	struct sl_error err;
	struct sl_head h;
	int64_t now;
	json_t *j, *cp;
	char *s;

	ck_assert_int_eq(sl_time_now(&now), 0);
	/* Empty. */
	j = snap(l, now, NULL, NULL, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "size")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(j, "root")), SHA);
	ck_assert(json_is_null(json_object_get(j, "checkpoint")));
	ck_assert_int_eq(json_array_size(json_object_get(j, "prefix")), 0);
	ck_assert_int_eq(json_array_size(json_object_get(j, "warnings")), 2);
	json_decref(j);
	append(l, batch1, 3);
	ck_assert_int_eq(sl_ledger_head(l, &h, &err), 0);
	ck_assert_int_eq(sl_signer_generate(&k, "example.org/log", &err), 0);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), 0);
	ck_assert_int_eq(sl_time_now(&now), 0);
	append(l, batch2, 3);
	ck_assert_int_eq(sl_ledger_checkpoint(l, &k, SL_CHECKPOINT_FORCE, &note, &err), 0);
	/* At the first batch's time: three entries. */
	j = snap(l, now, NULL, NULL, 0);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "size")), 3);
	check_entries(j, "2,0,1");
	{
		/* The head with its entry and proof (checked in t/2041), no later mutation. */
		json_t *m = json_array_get(json_object_get(j, "mutations"), 0);
		ck_assert_uint_eq(json_array_size(json_object_get(j, "mutations")), 1);
		s = json_dumps(m, JSON_COMPACT);
		ck_assert_str_eq(json_string_value(json_object_get(m, "namespace")), "pg/s/a");
		ck_assert_int_eq(json_integer_value(json_object_get(m, "seq")), 2);
		ck_assert_int_eq(json_integer_value(json_object_get(m, "position")), 1);
		ck_assert_str_eq(json_string_value(json_object_get(m, "id")), "m1");
		ck_assert(json_is_null(json_object_get(m, "last")));
		ck_assert(json_is_object(json_object_get(m, "inclusion")));
		free(s);
	}
	/* The newest checkpoint (size 6) with a consistency proof from 3. */
	cp = json_object_get(j, "checkpoint");
	ck_assert(json_is_object(cp));
	s = json_dumps(json_object_get(cp, "consistency"), JSON_COMPACT);
	{
		struct sl_proof p;
		unsigned char r3[SL_HASH_LEN], r6[SL_HASH_LEN];
		struct sl_vkey vk;
		struct sl_checkpoint c;
		const char *n = json_string_value(json_object_get(cp, "note"));
		const char *v = json_string_value(json_object_get(cp, "vkey"));

		ck_assert_int_eq(sl_vkey_parse(&vk, v, strlen(v), &err), 0);
		ck_assert_int_eq(sl_checkpoint_verify(n, strlen(n), &vk, &c, &err), 0);
		ck_assert_uint_eq(c.size, 6);
		memcpy(r3, h.root, SL_HASH_LEN);
		memcpy(r6, c.root, SL_HASH_LEN);
		ck_assert_int_eq(sl_proof_parse(s, strlen(s), &p, &err), 0);
		ck_assert_msg(sl_proof_verify(&p, NULL, r3, r6, &err) == 0, "consistency: %s", err.msg);
	}
	free(s);
	/* The bounds: seq 2 and seq 3, the entries on either side of the prefix. */
	cp = json_object_get(j, "bounds");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(cp, "last"), "seq")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(cp, "next"), "seq")), 3);
	ck_assert(json_is_null(json_object_get(j, "filter")));
	json_decref(j);
	/* Later: the latest of every source, the latest of every namespace. */
	j = snap(l, SL_TIME_MAX, NULL, NULL, 1);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "size")), 6);
	check_entries(j, "5,2,4,3,1");
	s = heads(j);
	ck_assert_str_eq(s, "kafka/c/t/0:5:7:k7:-1 pg/s/a:4:2:m2:-1");
	free(s);
	ck_assert_int_eq(json_array_size(json_object_get(j, "prefix")), 6);
	ck_assert_int_eq(json_array_size(json_object_get(j, "warnings")), 0);
	json_decref(j);
	/* Filters. */
	j = snap(l, SL_TIME_MAX, "x-app", NULL, 0);
	check_entries(j, "3,1");
	json_decref(j);
	j = snap(l, SL_TIME_MAX, NULL, "pg:*", 0);
	check_entries(j, "2,4");
	json_decref(j);
	j = snap(l, SL_TIME_MAX, "mutation", "*b", 0);
	check_entries(j, "5");
	s = json_dumps(json_object_get(j, "filter"), JSON_COMPACT);
	ck_assert_str_eq(s, "{\"type\":\"mutation\",\"source\":\"*b\"}");
	free(s);
	/* The checkpoint ends at the size: no next entry to show. */
	ck_assert(json_is_null(json_object_get(json_object_get(j, "bounds"), "next")));
	json_decref(j);
	j = snap(l, SL_TIME_MAX, "x-none", NULL, 0);
	check_entries(j, "");
	json_decref(j);
	/* Before everything. */
	j = snap(l, 0, NULL, NULL, 0);
	check_entries(j, "");
	ck_assert(json_is_null(json_object_get(json_object_get(j, "checkpoint"), "consistency")));
	json_decref(j);
	sl_signer_wipe(&k);
	sl_buf_release(&note);
	sl_ledger_close(l);
}
END_TEST

/*
 * Append n entries of types x-t0/x-t1 (x-t1 for one in type_mod) over
 * nsrc sources s0.. (s0 gets half) in transactions of 1-63 entries, from
 * a seeded generator; srcof[i] and typeof_[i] say what entry i is.
 */
static void fill_skewed(struct sl_ledger *l, size_t n_all, int nsrc, unsigned type_mod, unsigned x,
			int *srcof, int *typeof_)
{
	struct sl_receipt rc[64];
	struct sl_error err;
	size_t i, done = 0;

	while (done < n_all) {
		struct sl_batch b;
		size_t n = 1 + (x % 63);

		sl_batch_init(&b);
		for (i = 0; i < n && done < n_all; i++, done++) {
			char line[160];
			x = x * 1103515245u + 12345u;
			srcof[done] = (x >> 16) % 2 ? 0 : (int)((x >> 8) % (unsigned)nsrc);
			typeof_[done] = (int)((x >> 20) % type_mod == 0);
			snprintf(line, sizeof(line),
				 "{\"type\":\"x-t%d\",\"source\":\"s%d\",\"payload\":{\"i\":%zu}}",
				 typeof_[done], srcof[done], done);
			sl_error_clear(&err);
			ck_assert_msg(sl_batch_add_line(&b, line, strlen(line), (long)i + 1, &err) == 0,
				      "%s", err.msg);
		}
		sl_error_clear(&err);
		ck_assert_msg(sl_ledger_append(l, &b, rc, &err) == 0, "append: %s", err.msg);
		sl_batch_release(&b);
	}
}

/*
 * The stream index against brute force: for every (type, source) and
 * every prefix size, latest_seq must name the last entry of that pair
 * below the size.  Sources are skewed (one gets half the entries) and the
 * entries come in several transactions, so the marks (every 16th entry of
 * a source) and the walks back from them are all exercised.
 */
START_TEST(stream_index_brute_force)
{
	enum { N = 700, NSRC = 7 };
	struct sl_ledger *l = new_ledger();
	struct sl_store *st = l->store;
	struct sl_error err;
	struct sl_buf t = SL_BUF_INIT, src = SL_BUF_INIT;
	int srcof[N], typeof_[N];
	size_t i;
	uint64_t below;
	int k, ty, e, npairs = 0;

	fill_skewed(l, N, NSRC, 2, 12345, srcof, typeof_);
	sl_error_clear(&err);
	ck_assert_int_eq(st->ops->begin_read(st, &err), 0);
	for (ty = 0; ty < 2; ty++) {
		for (k = 0; k < NSRC; k++) {
			char ts[16], ss[16];
			snprintf(ts, sizeof(ts), "x-t%d", ty);
			snprintf(ss, sizeof(ss), "s%d", k);
			for (below = 0; below <= N + 1; below++) {
				int64_t want = -1;
				uint64_t got = UINT64_MAX;
				for (i = 0; i < below && i < N; i++)
					if (srcof[i] == k && typeof_[i] == ty)
						want = (int64_t)i;
				e = st->ops->latest_seq(st, ts, ss, below, &got, &err);
				ck_assert_msg(e == (want >= 0), "%s %s below %llu: %d (%s)", ts, ss,
					      (unsigned long long)below, e, err.msg);
				if (want >= 0)
					ck_assert_msg(got == (uint64_t)want, "%s %s below %llu: %llu, want %lld",
						      ts, ss, (unsigned long long)below,
						      (unsigned long long)got, (long long)want);
			}
		}
	}
	/* next_key lists each pair once, in (type, source) order. */
	for (e = st->ops->next_key(st, NULL, NULL, NULL, NULL, &t, &src, &err); e == 1;
	     e = st->ops->next_key(st, t.buf, src.buf, NULL, NULL, &t, &src, &err))
		npairs++;
	ck_assert_int_eq(e, 0);
	ck_assert_int_eq(npairs, 2 * NSRC);
	st->ops->end_read(st);
	sl_buf_release(&t);
	sl_buf_release(&src);
	sl_ledger_close(l);
}
END_TEST

/*
 * Filtered listings against brute force.  A filter whose streams hold a
 * small part of the log is listed by walking those streams and merging
 * them by seq; one that matches much of it is scanned: both must list
 * exactly the entries a scan with the filter applied by hand would, in
 * seq order, for every seq range and limit tried.
 */
START_TEST(filtered_listing_brute_force)
{
	enum { N = 3000, NSRC = 40 };
	static const char *const globs[] = { NULL, "s0", "s7", "s39", "s1?", "s[23]", "s3*", "*9", "nope" };
	struct sl_ledger *l = new_ledger();
	struct sl_error err;
	int srcof[N], typeof_[N];
	unsigned x;
	size_t i, g;
	int ty, r, e;

	fill_skewed(l, N, NSRC, 3, 777, srcof, typeof_);
	x = 777;
	for (r = 0; r < 40; r++) {
		for (ty = -1; ty < 2; ty++) {
			for (g = 0; g < sizeof(globs) / sizeof(globs[0]); g++) {
				struct sl_filter f = { 0 };
				struct sl_entry_row row;
				struct sl_scan *it;
				char tname[16], srcname[16];
				uint64_t want = 0;

				if (ty < 0 && !globs[g])
					continue;
				x = x * 1103515245u + 12345u;
				snprintf(tname, sizeof(tname), "x-t%d", ty);
				f.type = ty >= 0 ? tname : NULL;
				f.source = globs[g];
				f.from = r % 4 == 0 ? 0 : (x >> 4) % (N + 10);
				f.below = r % 3 == 0 ? 0 : f.from + (x >> 12) % N;
				f.limit = r % 5 == 0 ? 1 + (x >> 8) % 50 : 0;
				sl_error_clear(&err);
				ck_assert_msg(sl_ledger_scan_open(l, &f, &it, &err) == 0, "open: %s", err.msg);
				for (i = f.from; i < N && (!f.below || i < f.below) &&
						 (!f.limit || want < f.limit); i++) {
					snprintf(srcname, sizeof(srcname), "s%d", srcof[i]);
					if ((ty >= 0 && typeof_[i] != ty) ||
					    (f.source && fnmatch(f.source, srcname, 0) != 0))
						continue;
					e = sl_ledger_scan_next(l, it, &row, &err);
					ck_assert_msg(e == 1, "%s %s from %llu below %llu limit %llu: ended "
						      "before %zu (%d %s)", f.type ? f.type : "-",
						      f.source ? f.source : "-", (unsigned long long)f.from,
						      (unsigned long long)f.below, (unsigned long long)f.limit,
						      i, e, err.msg);
					ck_assert_uint_eq(row.seq, i);
					ck_assert_str_eq(row.source, srcname);
					want++;
				}
				e = sl_ledger_scan_next(l, it, &row, &err);
				ck_assert_msg(e == 0, "%s %s: a row too many (%d, seq %llu)",
					      f.type ? f.type : "-", f.source ? f.source : "-", e,
					      e == 1 ? (unsigned long long)row.seq : 0ULL);
				sl_ledger_scan_close(l, it);
			}
		}
	}
	sl_ledger_close(l);
}
END_TEST

/* A complete snapshot reports its prefix as it writes it, ending at the prefix's size. */
static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	uint64_t *seen = ctx;

	ck_assert_uint_le(done, total);
	seen[0]++;
	seen[1] = done;
	seen[2] = total;
}

START_TEST(complete_progress)
{
	struct sl_ledger *l = new_ledger();
	struct sl_snapshot_opts o = { .complete = 1, .progress = on_progress };
	struct sl_buf b = SL_BUF_INIT;
	struct sl_error err;
	uint64_t seen[3] = { 0, 0, 0 };

	append(l, batch1, 3);
	append(l, batch2, 2);
	ck_assert_int_eq(sl_time_now(&o.at), 0);
	o.progress_ctx = seen;
	sl_error_clear(&err);
	ck_assert_msg(sl_snapshot(l, &o, sl_buf_write, &b, &err) == 0, "snapshot: %s", err.msg);
	ck_assert_uint_ge(seen[0], 1);
	ck_assert_uint_eq(seen[1], 5);
	ck_assert_uint_eq(seen[2], 5);
	sl_buf_release(&b);
	sl_ledger_close(l);
}
END_TEST

static Suite *snapshot_suite(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("snapshot");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, snapshots_at_times);
	tcase_add_test(tc, stream_index_brute_force);
	tcase_add_test(tc, filtered_listing_brute_force);
	tcase_add_test(tc, complete_progress);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(snapshot_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
