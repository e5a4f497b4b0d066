// SPDX-License-Identifier: MIT
/*
 * Advisories: judging whether the state a snapshot describes can be
 * reproduced.  Rules are jq programs (files NAME.jq) run by the jq program
 * at run time; each reads the rule input (below) and writes zero or more
 * findings.  This module finds the rules, builds their input, runs them,
 * checks what they wrote, and scores the findings: the one scorer.
 *
 * Rule input, one JSON document, whose size grows with the sources and
 * namespaces, never with the entries:
 *   {"at":TS,"size":N,"complete":BOOL,"limit":SL_ADVISORY_LIST_MAX,
 *    "entries":[ENTRY,...],      the latest entry of each (type, source)
 *    "prefix":null,              never given: the prefix is walked in C
 *    "replay":SUMMARY,           sl_replay_summary() of the mutations of the
 *                                prefix (of entries when not complete),
 *                                every list bounded by "limit", with totals
 *    "mutation_config":{"total":N,"items":[{"seq","namespace","config_sha256"}]},
 *                                the mutations whose config_sha256 matches no
 *                                config in effect at their seq (the first
 *                                "limit"; not complete: only those newer
 *                                than every config entry)
 *    "artifacts":{SHA256:"ok"|"missing"|"mismatch"}|null}
 * where ENTRY is the entry itself ({"seq","ts","type","source","payload"}),
 * decoded from the snapshot's canonical bytes, and `artifacts` holds, when
 * a ledger was given, the state in its artifact store of every config
 * entry (of `entries`) that says "stored":true.
 *
 * A finding, as a rule writes it (one JSON object per output value):
 *   {"severity":"info"|"low"|"medium"|"high","weight":W,"message":TEXT,
 *    "remedy":TEXT,"evidence":[SEQ,...][,"items":[VALUE,...],"total":N]}
 * W is an integer from -100 to 100; a negative weight (a credit, such as a
 * pinned clock) only with severity "info".  TEXT is at most
 * SL_ADVISORY_MESSAGE_MAX bytes: a list goes in `items` (any values), with
 * its length in `total` (an integer, at least the number of items; the
 * number of items when left out).  Every seq of `evidence` must be an entry
 * of the snapshot.  A `rule` member, if written, must be the rule's name.
 * Nothing else is allowed.
 *
 * Score: points = the sum of the positive weights, credits = the sum of the
 * negative ones, risk = points + credits kept within 0..100; level "low"
 * below SL_RISK_MEDIUM, "medium" below SL_RISK_HIGH, else "high".
 */
#ifndef SL_ADVISORY_H
#define SL_ADVISORY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/progress.h"
#include "sl/replay.h"

#define SL_RISK_MEDIUM 25
#define SL_RISK_HIGH 60
#define SL_RISK_MAX 100
#define SL_RULE_OUT_MAX ((size_t)1 << 20) /* most bytes a rule may write, or twice its input */
#define SL_RULE_NAME_MAX 64
#define SL_ADVISORY_LIST_MAX 100 /* most items of a list in the rule input */
#define SL_ADVISORY_MESSAGE_MAX 4096 /* most bytes of a finding's message and remedy */
#define SL_ADVISORY_VALUE_MAX ((size_t)1 << 30) /* most bytes of one member of a snapshot */

struct sl_rule {
	char *name; /* the file name without ".jq" */
	char *path;
};

struct sl_rules {
	struct sl_rule *r;
	size_t n, alloc;
	/*
	 * Owned, or NULL: a directory of jq modules (share/stateledger/jq,
	 * holding "sl") given to every rule as `jq -L DIR`, so that a rule
	 * may `include "sl";`.  Set with sl_rules_set_libdir().
	 */
	char *libdir;
	/* Called by sl_rules_run_all() as rules end (done of total rules), or NULL. */
	sl_progress_fn progress;
	void *progress_ctx;
};

void sl_rules_init(struct sl_rules *rs);
void sl_rules_release(struct sl_rules *rs);
/* Set rs->libdir to a copy of dir.  0 or SL_ENOMEM. */
int sl_rules_set_libdir(struct sl_rules *rs, const char *dir) SL_WUR;

/*
 * Add every rule of dir (regular files NAME.jq, NAME of 1-64 characters
 * from [A-Za-z0-9._-], not starting with '.') whose name is not yet in rs:
 * the first directory to name a rule wins.  The list stays sorted by name.
 * SL_ENOTFOUND when dir cannot be opened because it does not exist,
 * SL_EIO on other errors, SL_ENOMEM.
 */
int sl_rules_add_dir(struct sl_rules *rs, const char *dir, struct sl_error *err) SL_WUR;

/*
 * Run one rule: `jq -c [-L LIBDIR] -f PATH` (jq is the program to run, looked up in
 * PATH) with in[0..inlen) on its standard input.  On success out holds
 * what it wrote (one JSON text per line).  SL_EINVAL when the rule failed:
 * jq exited non-zero (err says how, with the first lines jq wrote on its
 * standard error), was killed, ran past timeout_ms, or wrote more than
 * SL_RULE_OUT_MAX bytes (or twice inlen, when that is more).  SL_EIO when
 * jq could not be started at all.
 */
int sl_rule_run(const char *jq, const struct sl_rule *r, const char *in, size_t inlen,
		int timeout_ms, struct sl_buf *out, struct sl_error *err) SL_WUR;

/*
 * Run every rule of rs, up to `jobs` at a time (the next starting as one
 * ends), each as sl_rule_run() does: outs[i], codes[i] and errs[i] get
 * rule i's output, its return code (0, SL_EINVAL or SL_EIO) and its
 * error.  The caller provides rs->n of each, outs initialised.  Returns
 * 0, or SL_ENOMEM or SL_EIO with err set when this process failed or was
 * interrupted (sl_run_interrupted): every rule started is then killed,
 * and codes and errs are not set.
 */
int sl_rules_run_all(const char *jq, const struct sl_rules *rs, const char *in, size_t inlen,
		     int timeout_ms, unsigned jobs, struct sl_buf *outs, int *codes,
		     struct sl_error *errs, struct sl_error *err) SL_WUR;

struct sl_advisory {
	json_t *input;           /* the rule input */
	json_t *findings;        /* the accepted findings, with "rule" */
	json_t *warnings;        /* strings */
	uint64_t *seqs;          /* the seqs of the snapshot's entries, sorted */
	size_t nseqs;
	struct sl_replay_plan plan;
	int complete;
};

/*
 * Load a snapshot document (lib/sl/snapshot.h) and build the rule input.
 * ledger, when not NULL, is a ledger directory whose artifact store is
 * checked for every stored config.  SL_EINVAL naming the member when the
 * text is not a snapshot; SL_ENOLEDGER when ledger has no artifact store;
 * SL_EIO, SL_ENOMEM.  Release with sl_advisory_release() in every case.
 */
int sl_advisory_load(struct sl_advisory *a, const char *text, size_t len, const char *ledger,
		     struct sl_error *err) SL_WUR;

/*
 * sl_advisory_load() of the snapshot read from fd, a value at a time: the
 * memory taken grows with the sources (the latest entries) and the
 * mutations' namespaces and positions, never with the prefix's bytes.
 */
int sl_advisory_load_fd(struct sl_advisory *a, int fd, const char *ledger,
			struct sl_error *err) SL_WUR;
/*
 * The same, calling progress (when not NULL) as the prefix of a complete
 * snapshot is walked, with its entries so far of the snapshot's size
 * (UINT64_MAX when "size" did not come before "prefix").
 */
int sl_advisory_load_fd_progress(struct sl_advisory *a, int fd, const char *ledger,
				 sl_progress_fn progress, void *ctx, struct sl_error *err) SL_WUR;
void sl_advisory_release(struct sl_advisory *a);

/* Append the rule input as one line of JSON (with its newline). */
int sl_advisory_input(const struct sl_advisory *a, struct sl_buf *out) SL_WUR;

/*
 * Check what rule `rule` wrote (len bytes: JSON texts, one per line) and
 * keep its findings.  SL_EINVAL naming the output line and member when a
 * value is not a valid finding; then none of this rule's findings is kept.
 * *count (may be NULL) is the number of findings kept.
 */
int sl_advisory_add(struct sl_advisory *a, const char *rule, const char *out, size_t len,
		    size_t *count, struct sl_error *err) SL_WUR;

/* The score of the findings kept so far. */
struct sl_score {
	int points;  /* sum of the positive weights */
	int credits; /* sum of the negative weights (<= 0) */
	int risk;    /* points + credits, within 0..SL_RISK_MAX */
	const char *level;
};
void sl_advisory_score(const struct sl_advisory *a, struct sl_score *s);

/*
 * Append the report as one line of JSON (with its newline):
 *   {"type":"advisory","at":TS,"size":N,"complete":B,"risk":R,"level":L,
 *    "can_replay":B,"replay":[REASON,...],
 *    "score":{"points":P,"credits":C,"cap":100,"medium":25,"high":60},
 *    "findings":[{"rule","severity","weight","message","remedy","evidence"
 *                 [,"items","total"]},...],
 *    "rules":[{"rule":NAME,"path":PATH,"findings":N},...],"warnings":[...]}
 * Findings are sorted by weight (highest first), then rule and message.
 * can_replay is true when the snapshot is complete and its mutations can
 * be ordered without conflict or gap; `replay` says why not.
 */
int sl_advisory_report(struct sl_advisory *a, const struct sl_rules *rs, const size_t *counts,
		       struct sl_buf *out, struct sl_score *s) SL_WUR;

#endif
