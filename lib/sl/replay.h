// SPDX-License-Identifier: MIT
/*
 * Replay plans: the mutations of a ledger (or of a snapshot) put in the
 * order they must be applied, and the state file that lets a replay of a
 * later plan resume after what was applied, as a consumer group does.
 *
 * Mutations are grouped by namespace (in byte order) and ordered by
 * position inside each namespace: integer positions numerically, and
 * PostgreSQL LSNs "X/Y" (hex) as the 64-bit number (X << 32) | Y.  No
 * order is implied across namespaces.  Two mutations at one position are
 * a redelivery when their sha256 is the same (the later seq is dropped)
 * and a conflict when it differs.  In a namespace of integer positions
 * every position between the first and the last is expected: a missing
 * one is a gap.  A namespace mixing integers and LSNs, and a mutation
 * without a position, cannot be ordered.
 *
 * A step is one line of JSON:
 *   {"step":K,"namespace":NS,"position":P,"seq":S,"id":ID,"sha256":HEX,
 *    "stored":BOOL,"entry":"<canonical entry bytes>"}
 * K counts from 1.  The plan's digest is the SHA-256 of all its step lines
 * (each with its newline), in lowercase hex: it names the plan in the
 * summary of a replay (and in state files of version 1).
 */
#ifndef SL_REPLAY_H
#define SL_REPLAY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/hash.h"

enum sl_pos_kind { SL_POS_NONE = 0, SL_POS_INT, SL_POS_LSN };

struct sl_replay_mut {
	uint64_t seq;
	char *ns;             /* owned; "" when the entry has none */
	enum sl_pos_kind kind;
	uint64_t pos;         /* the position as a number (LSN: X << 32 | Y) */
	char *pos_json;       /* owned: the position as the entry wrote it, as JSON */
	char *id;             /* owned; "" when absent */
	char sha256[SL_HEX_LEN + 1]; /* "" when absent */
	int stored;
	char *entry;          /* owned: the canonical entry bytes */
	size_t entry_len;
	int dropped;          /* a redelivery, left out of the steps */
};

enum sl_issue_kind {
	SL_ISSUE_REDELIVERY, /* a = the dropped mutation, b = the one kept */
	SL_ISSUE_CONFLICT,   /* a, b: same position, different sha256 */
	SL_ISSUE_GAP,        /* a = last before the gap, b = first after; from..to missing */
	SL_ISSUE_MIXED,      /* a = the first mutation of a namespace mixing integers and LSNs */
	SL_ISSUE_NOPOS,      /* a = a mutation without a position */
};

struct sl_replay_issue {
	enum sl_issue_kind kind;
	size_t a, b;         /* indices into the plan's mutations */
	uint64_t from, to;   /* SL_ISSUE_GAP: the missing positions */
};

struct sl_replay_plan {
	struct sl_replay_mut *m;  /* every mutation added, in the order added */
	size_t n, alloc;
	size_t *steps;            /* indices into m, in replay order */
	size_t nsteps;
	struct sl_replay_issue *issues;
	size_t nissues, allocissues;
	size_t conflicts, gaps, redeliveries, unordered; /* unordered: mixed + no position */
	int complete; /* the input listed every mutation (not only the latest ones) */
	/*
	 * The ledger range the plan saw: it holds every mutation with
	 * from_seq <= seq < horizon (of a complete input).  from_seq is 0 but
	 * for a plan of a range of the ledger (the caller sets it, and may set
	 * horizon to the range's end); sl_replay_build() raises horizon to the
	 * highest seq added + 1.
	 */
	uint64_t from_seq, horizon;
	/*
	 * Set before adding to make a plan that is only analysed (as
	 * sl-advisory does), never written as steps nor replayed: a
	 * mutation's id and entry bytes are then not kept
	 * (NULL), so that a plan of 300,000 mutations stays small.
	 */
	int lean;
};

void sl_replay_init(struct sl_replay_plan *p);
void sl_replay_release(struct sl_replay_plan *p);

/*
 * Parse an LSN "X/Y" (1-8 hex digits each, either case) into
 * (X << 32) | Y.  0 or SL_EINVAL.
 */
int sl_lsn_parse(const char *s, uint64_t *out) SL_WUR;

/*
 * Add one canonical entry (len bytes) if it is a mutation; other types are
 * ignored.  The entry's own seq is used.  SL_EINVAL when it is not an
 * entry, or a mutation whose namespace or position is malformed (a missing
 * position is recorded as an issue, not an error).  Call before
 * sl_replay_build().
 */
int sl_replay_add(struct sl_replay_plan *p, const char *entry, size_t len,
		  struct sl_error *err) SL_WUR;

/*
 * sl_replay_add() of an entry already parsed: root is the entry, entry and
 * len its canonical bytes (kept unless the plan is lean).
 */
int sl_replay_add_parsed(struct sl_replay_plan *p, const json_t *root, const char *entry,
			 size_t len, struct sl_error *err) SL_WUR;

/*
 * Add the mutations of a snapshot document (lib/sl/snapshot.h): every
 * mutation of its `prefix` when it is complete (p->complete set), else
 * those among its latest `entries`.  The document is read a value at a
 * time (lib/sl/jstream.h) and each entry of the prefix added and dropped:
 * what is kept grows with the mutations (their fields and entry bytes, as
 * sl_replay_add() keeps them) and the latest entries, never with the
 * prefix.  SL_EINVAL naming the member when the text is not a snapshot
 * ("the snapshot is not JSON: ..." when it is not JSON, members given
 * twice included; "not a snapshot document"; "prefix[N]: ..." for an
 * entry refused), SL_ENOMEM; p may then hold some of the mutations.
 */
int sl_replay_add_snapshot(struct sl_replay_plan *p, const char *text, size_t len,
			   struct sl_error *err) SL_WUR;

/*
 * sl_replay_add_snapshot() of the document read from fd (not closed),
 * one value of it (a member other than the prefix, or one entry) at most
 * max bytes.  Also SL_EIO when reading fails.
 */
int sl_replay_add_snapshot_fd(struct sl_replay_plan *p, int fd, size_t max,
			      struct sl_error *err) SL_WUR;

/* Order the mutations, find redeliveries, conflicts and gaps, and list the steps. */
int sl_replay_build(struct sl_replay_plan *p, struct sl_error *err) SL_WUR;

/* Append step k (0-based) as one line of JSON with its newline. */
int sl_replay_step_write(const struct sl_replay_plan *p, size_t k, struct sl_buf *out) SL_WUR;

/* The plan's digest: SHA-256 of all step lines, lowercase hex. */
int sl_replay_digest(const struct sl_replay_plan *p, char hex[SL_HEX_LEN + 1]) SL_WUR;

/* Append issue k as a sentence without a newline ("namespace 'x' position 5: ..."). */
int sl_replay_issue_write(const struct sl_replay_plan *p, size_t k, struct sl_buf *out) SL_WUR;

/*
 * The plan's findings bounded, for advisory rules: every list holds at
 * most `limit` items (the first ones, in namespace and position order)
 * and says how many there are, so that its size does not grow with the
 * mutations:
 *   {"complete":B,"steps":N,"limit":L,
 *    "totals":{"mutations":N,"namespaces":N,"redeliveries":N,"conflicts":N,
 *              "gaps":N,"missing":N,"mixed":N,"unpositioned":N},
 *    "namespaces":[{"namespace":NS,"positions":"integer"|"lsn"|"mixed"|"none",
 *                   "count":N,"first":P|null,"last":P|null,
 *                   "gaps":{"total":N,"missing":N,"items":[GAP,...]},
 *                   "conflicts":{"total":N,"items":[CONFLICT,...]},
 *                   "redeliveries":{"total":N,"items":[REDELIVERY,...]}},...],
 *    "redeliveries":[REDELIVERY,...],"conflicts":[CONFLICT,...],"gaps":[GAP,...],
 *    "mixed":[{"namespace":NS,"seqs":[S,...]}],"unpositioned":[S,...]}
 * where REDELIVERY = {"namespace":NS,"position":P,"seq":S,"of":S} (S
 * dropped as a copy of "of"), CONFLICT = {"namespace":NS,"position":P,
 * "seqs":[S,S]}, GAP = {"namespace":NS,"after":P,"before":P,"missing":K,
 * "seqs":[S,S]} (K positions missing between the mutations S and S); in a
 * namespace's own lists the items leave out "namespace", and a "mixed"
 * item lists the first `limit` seqs of its namespace with their "total".
 * `namespaces` lists the first `limit`
 * namespaces in byte order (totals.namespaces counts them all); the
 * top-level lists run across namespaces; "missing" counts the positions
 * the gaps leave out.  The mutations are walked once, already in order.
 */
int sl_replay_summary(const struct sl_replay_plan *p, size_t limit, struct sl_buf *out) SL_WUR;

/*
 * The state of a replay, as a consumer group keeps it: for each namespace,
 * the highest position applied, with that step's sha256, seq and id, and
 * the horizon of the plan it was applied from.  The file is one line:
 *   {"type":"replay-state","version":2,"namespaces":{NS:{"position":P,
 *    "sha256":HEX,"seq":S,"id":ID,"horizon":H},...}}
 * meaning: in namespace NS every mutation at a position <= P whose seq is
 * below H was applied (or was a redelivery of one that was), and P itself
 * is the mutation HEX.  Positions below P are not listed one by one.
 */
struct sl_replay_mark {
	char *ns;             /* owned */
	enum sl_pos_kind kind;
	uint64_t pos;
	char *pos_json;       /* owned: the position as JSON */
	char sha256[SL_HEX_LEN + 1];
	uint64_t seq;
	char *id;             /* owned */
	uint64_t horizon;
};

struct sl_replay_state {
	struct sl_replay_mark *v; /* sorted by namespace, in byte order */
	size_t n, alloc;
	int migrated;             /* read from a state file of version 1 */
};

void sl_replay_state_init(struct sl_replay_state *st);
void sl_replay_state_release(struct sl_replay_state *st);

/*
 * Read the state file at path into st (initialised; emptied first).  A
 * missing file is an empty state.  A file of version 1 ({"type":
 * "replay-state","plan":HEX,"steps":N,"done":K,...}: steps 1..K of the
 * plan HEX were done) is converted when it names plan p, or when K is 0,
 * and st->migrated is set; naming another plan it is SL_EINVAL (its steps
 * cannot be told apart without that plan).  SL_ECORRUPT when the file is
 * not a state file (err names the member), SL_EIO, SL_ENOMEM.
 */
int sl_replay_state_load(const char *path, const struct sl_replay_plan *p,
			 struct sl_replay_state *st, struct sl_error *err) SL_WUR;

/*
 * Write st to path: to path.tmp, fsynced, renamed over path, then the
 * directory fsynced, so that a crash leaves the old or the new state,
 * whole.  With sync 0 both fsyncs are left out: a killed process still
 * leaves the old or the new state (rename(2) is atomic), but after a power
 * loss the file may be older, or damaged (it is then refused by
 * sl_replay_state_load(), never trusted).  SL_EIO naming the call that
 * failed, SL_ENOMEM.
 */
int sl_replay_state_save(const char *path, const struct sl_replay_state *st, int sync,
			 struct sl_error *err) SL_WUR;

/*
 * Which steps of the built plan p are left to run after st: todo[k] (an
 * array of p->nsteps) is set to 1 for a step to run, 0 for one already
 * applied, and *left to the number of 1s.  In a namespace of st with
 * position P, horizon H and sha256 X, a step at a position above P is to
 * run, one at P must be X, and one below P must have a seq below H.
 * SL_EVERIFY, with err naming the namespace, the positions and both sha256
 * values, when the plan contradicts st: another sha256 at P; a mutation
 * below P that st cannot have applied (it came later: seq >= H); no
 * mutation at P though the plan covers P's seq; positions of another kind;
 * or a plan with steps to run in a namespace whose range does not take up
 * where st's plan ended (horizon below H: an older snapshot; from_seq above
 * H: mutations never planned).
 */
int sl_replay_resume(const struct sl_replay_plan *p, const struct sl_replay_state *st,
		     unsigned char *todo, size_t *left, struct sl_error *err) SL_WUR;

/*
 * Record in st that step k of p was applied: its namespace's position,
 * sha256, seq and id, with p's horizon.  0 or SL_ENOMEM.
 */
int sl_replay_state_mark(struct sl_replay_state *st, const struct sl_replay_plan *p, size_t k,
			 struct sl_error *err) SL_WUR;

/*
 * Run `/bin/sh -c cmd` with the n buffers in[0..n) written, in turn and
 * unchanged, to its standard input, its standard output sent to our
 * standard error (so that our standard output carries only data), and
 * NULL-terminated "NAME=VALUE" strings `env` added to the environment.
 * *wstatus is its wait status.  The caller must ignore SIGPIPE.  0 when it
 * ran (whatever its status), SL_EIO when it could not be run.
 */
int sl_replay_run(const char *cmd, const char *const *env, const struct sl_buf *const *in,
		  size_t n, int *wstatus, struct sl_error *err) SL_WUR;

/*
 * A long-running command (exec --process): started once, it reads every
 * step on its standard input and answers each with one line on its
 * standard output, "ok" when the step was applied; anything else is the
 * reason it was not.  Its standard error is ours.
 */
struct sl_replay_proc {
	pid_t pid;
	int in, out;       /* its standard input (we write), its standard output (we read) */
	struct sl_buf rd;  /* what was read from it and not yet taken */
	int eof;
};

/* Start `/bin/sh -c cmd`.  0, or SL_EIO when it cannot be started. */
int sl_replay_proc_start(struct sl_replay_proc *pr, const char *cmd, struct sl_error *err) SL_WUR;

/*
 * Write in[0..n) to it, unchanged, then read its answer (one line, at most
 * 4,096 bytes, without the newline) into reply.  0 with the answer;
 * SL_EIO when it stopped reading or ended before answering (err says so).
 */
int sl_replay_proc_step(struct sl_replay_proc *pr, const struct sl_buf *const *in, size_t n,
			struct sl_buf *reply, struct sl_error *err) SL_WUR;

/* Close its standard input and wait for it: *wstatus is its wait status.  0 or SL_EIO. */
int sl_replay_proc_finish(struct sl_replay_proc *pr, int *wstatus, struct sl_error *err) SL_WUR;

#endif
