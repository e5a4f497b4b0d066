// SPDX-License-Identifier: MIT
/* sl-replay: the mutations in the order they must be applied, and their replay through a command. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"
#include "util-text.h"
#include "sl/artifact.h"
#include "sl/audit.h"
#include "sl/replay.h"
#include "sl/time.h"

static const char usage[] =
	"sl-replay plan [-L ADDRESS] [--from T1 --to T2] [--allow-gaps] [--all-warnings] [-o json|text] | "
	"sl-replay exec --command CMD --state FILE [--process] [--sync-every N] [-L ADDRESS] "
	"[--from T1 --to T2] [--allow-gaps] [--all-warnings] [--dry-run] [-q | --progress]";
static const char help[] =
	"usage: sl-replay plan [-L ADDRESS] [--from T1 --to T2] [--allow-gaps]\n"
	"                      [--all-warnings] [-o json|text]\n"
	"       sl-replay exec --command CMD --state FILE [--process] [--sync-every N]\n"
	"                      [-L ADDRESS] [--from T1 --to T2] [--allow-gaps]\n"
	"                      [--all-warnings] [--dry-run] [-q | --progress]\n"
	"\n"
	"plan prints the mutations of a complete snapshot read on standard input (or\n"
	"those the ledger accepted after T1 up to T2) as NDJSON steps, ordered by\n"
	"position within each namespace.  A redelivery (same position, same sha256)\n"
	"is dropped with a note; a conflict (same position, another sha256) and a gap\n"
	"in a namespace of integer positions make the plan fail.\n"
	"\n"
	"exec runs `sh -c CMD` once per step, with the step's entry line and then its\n"
	"stored body (when it has one) on standard input, and records in the state\n"
	"FILE the highest position applied in each namespace, so that running again,\n"
	"with the same plan or that of a later snapshot, applies only what is new.\n"
	"With --process, CMD is started once, reads every step (its plan line, then\n"
	"body_size bytes of body) and answers each with a line: \"ok\" or the reason.\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  --from T1          the state the replay starts from (with --to)\n"
	"  --to T2            the state it ends at: mutations with N(T1) <= seq < N(T2)\n"
	"  --allow-gaps       report gaps but make the plan anyway\n"
	"  --all-warnings     report every gap, redelivery and conflict (default: the\n"
	"                     first 20 of each kind, then how many more)\n"
	"  -o, --format F     json (default) or text: a row per step (plan)\n"
	"  --command CMD      the command each step is given to (exec)\n"
	"  --state FILE       where progress is kept (exec)\n"
	"  --process          start CMD once for all the steps (exec)\n"
	"  --sync-every N     fsync the state file every N steps (default 1)\n"
	"  --dry-run          print the steps that would run, and run nothing (exec)\n"
	"  --progress         show the steps done on stderr even when it is not a\n"
	"                     terminal (exec; shown by default on a terminal)\n"
	"  -q, --quiet        show no progress (exec)\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Options go before or after the verb and its operands; -- ends them.\n"
	"\n"
	"Exit: 0 done, 1 a conflict, a gap, a plan that contradicts the state or a\n"
	"failed step, 2 usage, 100 invalid input, a snapshot that is not complete\n"
	"(exec), a damaged state file or a missing stored body, 111 system failure.\n";

/* Lines of one kind of issue printed before they are only counted (--all-warnings: all). */
#define ISSUE_LINES 20

static void issue_msgs(const struct sl_replay_plan *p, int allow_gaps, int all)
{
	static const char *const plural[] = { "redeliveries", "conflicts", "gaps", "mutations "
					      "that cannot be ordered" };
	static const char *const single[] = { "redelivery", "conflict", "gap", "mutation "
					      "that cannot be ordered" };
	struct sl_buf b = SL_BUF_INIT;
	size_t k, shown[4] = { 0 }, total[4] = { 0 };
	const char *label[4];
	uint64_t missing = 0;
	int q;

	label[0] = "note";
	label[1] = "conflict";
	label[2] = allow_gaps ? "warning: gap" : "gap";
	label[3] = "unordered";
	/*
	 * A large log may have hundreds of thousands of gaps: the first
	 * ISSUE_LINES of each kind are shown, then one line counts the rest,
	 * so that the end of the output still says what happened.
	 */
	for (k = 0; k < p->nissues; k++) {
		const struct sl_replay_issue *is = &p->issues[k];
		switch (is->kind) {
		case SL_ISSUE_REDELIVERY: q = 0; break;
		case SL_ISSUE_CONFLICT: q = 1; break;
		case SL_ISSUE_GAP: q = 2; missing += is->to - is->from + 1; break;
		default: q = 3; break;
		}
		total[q]++;
		if (!all && shown[q] >= ISSUE_LINES)
			continue;
		shown[q]++;
		sl_buf_reset(&b);
		if (sl_replay_issue_write(p, k, &b) < 0)
			sl_die(SL_EXIT_TEMP, "unable to describe the plan: out of memory");
		sl_note("%s: %s", label[q], b.buf);
	}
	for (q = 0; q < 4; q++) {
		if (shown[q] == total[q])
			continue;
		sl_buf_reset(&b);
		if (q == 2)
			sl_buf_addf(&b, ", %llu %s missing", (unsigned long long)missing,
				    sl_plural(missing, "position", "positions"));
		if (sl_buf_ok(&b) < 0)
			sl_die(SL_EXIT_TEMP, "unable to describe the plan: out of memory");
		sl_note("%s: ... and %zu more %s (%zu in all%s; --all-warnings lists every one)", label[q],
			total[q] - shown[q], total[q] - shown[q] == 1 ? single[q] : plural[q], total[q],
			b.buf ? b.buf : "");
	}
	sl_buf_release(&b);
	if (p->unordered)
		sl_die(SL_EXIT_DATA, "unable to make the plan: %zu %s", p->unordered,
		       p->unordered == 1 ? "mutation cannot be ordered" : "mutations cannot be ordered");
	if (p->conflicts)
		sl_die(SL_EXIT_NO, "unable to make the plan: %zu %s", p->conflicts,
		       sl_plural(p->conflicts, "conflict", "conflicts"));
	if (p->gaps && !allow_gaps)
		sl_die(SL_EXIT_NO, "unable to make the plan: %zu %s (--allow-gaps to go on)",
		       p->gaps, sl_plural(p->gaps, "gap", "gaps"));
}

static void from_ledger(struct sl_replay_plan *p, const char *ldir, const char *from, const char *to)
{
	struct sl_error err = { 0 };
	struct sl_filter f = { 0 };
	struct sl_entry_row row;
	struct sl_scan *it;
	struct sl_ledger *l;
	char ts1[SL_TS_LEN + 1], ts2[SL_TS_LEN + 1];
	int64_t t1, t2;
	uint64_t n1, n2;
	int e;

	t1 = sl_time_arg("--from", from);
	t2 = sl_time_arg("--to", to);
	if (sl_time_format(ts1, t1) < 0 || sl_time_format(ts2, t2) < 0)
		sl_die(SL_EXIT_USAGE, "--from, --to: out of range"); /* sl_time_arg checked them */
	if (t2 < t1)
		sl_die(SL_EXIT_USAGE, "--to is before --from");
	l = sl_open_ledger(ldir, SL_LEDGER_RDONLY);
	if ((e = sl_ledger_size_at(l, ts1, &n1, &err)) < 0 ||
	    (e = sl_ledger_size_at(l, ts2, &n2, &err)) < 0)
		sl_die_err(&err, e, "unable to read the ledger");
	p->complete = 1;
	p->from_seq = n1;
	p->horizon = n2;
	if (n2 > n1) {
		f.type = "mutation";
		f.from = n1;
		f.below = n2;
		if ((e = sl_ledger_scan_open(l, &f, &it, &err)) < 0)
			sl_die_err(&err, e, "unable to list the mutations");
		while ((e = sl_ledger_scan_next(l, it, &row, &err)) == 1)
			if ((e = sl_replay_add(p, (const char *)row.entry, row.len, &err)) < 0)
				break;
		if (e < 0)
			sl_die_err(&err, e == SL_EINVAL ? SL_ECORRUPT : e, "unable to read the mutations");
		sl_ledger_scan_close(l, it);
	}
	sl_ledger_close(l);
}

/* The snapshot on standard input, read as a stream: never held whole. */
static void from_stdin(struct sl_replay_plan *p)
{
	struct sl_error err = { 0 };
	int e;

	if ((e = sl_replay_add_snapshot_fd(p, STDIN_FILENO, SL_BUNDLE_MAX, &err)) < 0)
		sl_die_err(&err, e, "unable to read the snapshot");
	if (!p->complete)
		sl_warn("the snapshot is not complete: only the latest mutation of each source is "
			"known (take it with sl-snapshot --complete)");
}

static void step_desc(struct sl_buf *b, const struct sl_replay_plan *p, size_t k)
{
	const struct sl_replay_mut *m = &p->m[p->steps[k]];

	sl_buf_reset(b);
	sl_buf_addf(b, "step %zu (seq %llu, namespace '%s' position %s)", k + 1,
		    (unsigned long long)m->seq, m->ns, m->pos_json);
}

/* The variables that tell a step's command which step it runs. */
static void step_env(struct sl_buf envb[8], const char *env[9], const struct sl_replay_plan *p,
		     size_t k)
{
	const struct sl_replay_mut *m = &p->m[p->steps[k]];
	size_t i;

	for (i = 0; i < 8; i++)
		sl_buf_reset(&envb[i]);
	sl_buf_addf(&envb[0], "SL_REPLAY_STEP=%zu", k + 1);
	sl_buf_addf(&envb[1], "SL_REPLAY_STEPS=%zu", p->nsteps);
	sl_buf_addf(&envb[2], "SL_REPLAY_NAMESPACE=%s", m->ns);
	if (m->kind == SL_POS_LSN) /* without the JSON quotes */
		sl_buf_addf(&envb[3], "SL_REPLAY_POSITION=%.*s", (int)strlen(m->pos_json) - 2,
			    m->pos_json + 1);
	else
		sl_buf_addf(&envb[3], "SL_REPLAY_POSITION=%s", m->pos_json);
	sl_buf_addf(&envb[4], "SL_REPLAY_SEQ=%llu", (unsigned long long)m->seq);
	sl_buf_addf(&envb[5], "SL_REPLAY_ID=%s", m->id);
	sl_buf_addf(&envb[6], "SL_REPLAY_SHA256=%s", m->sha256);
	sl_buf_addf(&envb[7], "SL_REPLAY_STORED=%d", m->stored);
	for (i = 0; i < 8; i++) {
		if (sl_buf_ok(&envb[i]))
			sl_die(SL_EXIT_TEMP, "out of memory");
		env[i] = envb[i].buf;
	}
	env[8] = NULL;
}

/* Write the state, or die. */
static void save_state(const char *state, const struct sl_replay_state *st, int sync)
{
	struct sl_error err = { 0 };
	int e;

	if ((e = sl_replay_state_save(state, st, sync, &err)) < 0)
		sl_die_err(&err, e, "unable to record the progress");
}

static void exec_plan(const struct sl_replay_plan *p, const char *ldir, const char *cmd,
		      const char *state, int dry_run, int process, uint64_t sync_every)
{
	struct sl_error err = { 0 };
	struct sl_buf line = SL_BUF_INIT, body = SL_BUF_INIT, desc = SL_BUF_INIT, lock = SL_BUF_INIT;
	struct sl_buf envb[8], reply = SL_BUF_INIT;
	struct sl_replay_proc proc;
	struct sl_replay_state st;
	const char *ledger = sl_ledger_dir(ldir);
	const char *env[9];
	char digest[SL_HEX_LEN + 1];
	unsigned char *todo;
	size_t k, i, left, ran = 0;
	int e, fd = -1;

	if ((e = sl_replay_digest(p, digest)) < 0)
		sl_die(SL_EXIT_TEMP, "unable to make the plan: out of memory");
	if (!(todo = malloc(p->nsteps ? p->nsteps : 1)))
		sl_die(SL_EXIT_TEMP, "out of memory");
	if (!dry_run) {
		/*
		 * The lock is inherited by each step's command (no O_CLOEXEC): if
		 * we are killed, a new run waits here until the command we left
		 * running has ended, so two runs never apply steps side by side.
		 */
		sl_buf_addf(&lock, "%s.lock", state);
		if (sl_buf_ok(&lock))
			sl_die(SL_EXIT_TEMP, "out of memory");
		if ((fd = open(lock.buf, O_RDWR | O_CREAT, 0644)) < 0)
			sl_die(sl_errno_exit(errno),
			       "unable to open '%s': %s", lock.buf, strerror(errno));
		while (flock(fd, LOCK_EX) != 0)
			if (errno != EINTR)
				sl_die(sl_errno_exit(errno),
				       "unable to lock '%s': %s", lock.buf, strerror(errno));
	}
	sl_replay_state_init(&st);
	if ((e = sl_replay_state_load(state, p, &st, &err)) < 0 ||
	    (e = sl_replay_resume(p, &st, todo, &left, &err)) < 0)
		sl_die_err(&err, e, "unable to resume");
	if (st.migrated && !dry_run) {
		save_state(state, &st, 1);
		sl_note("note: '%s' was converted from version 1 to version 2", state);
	}
	/* Every stored body must be there before the first step runs. */
	for (k = 0; k < p->nsteps; k++) {
		const struct sl_replay_mut *m = &p->m[p->steps[k]];
		unsigned char d[SL_HASH_LEN];
		if (!todo[k] || !m->stored)
			continue;
		step_desc(&desc, p, k);
		if (sl_artifact_digest_parse(m->sha256, d) < 0)
			sl_die(SL_EXIT_DATA, "unable to run %s: its sha256 is not a digest", desc.buf);
		if ((e = sl_artifact_has(ledger, d, &err)) < 0)
			sl_die(e == SL_ENOTFOUND ? SL_EXIT_DATA : SL_EXIT_TEMP,
			       "unable to run %s: its body %s is not in the artifact store of '%s'",
			       desc.buf, m->sha256, ledger);
	}
	if (dry_run) {
		for (k = 0; k < p->nsteps; k++) {
			if (!todo[k])
				continue;
			sl_buf_reset(&line);
			if (sl_replay_step_write(p, k, &line) < 0)
				sl_die(SL_EXIT_TEMP, "out of memory");
			sl_out(line.buf, line.len);
		}
		sl_out_close();
		goto out;
	}
	for (i = 0; i < 8; i++)
		sl_buf_init(&envb[i]);
	if (process && left && (e = sl_replay_proc_start(&proc, cmd, &err)) < 0)
		sl_die_err(&err, e, "unable to start the command");
	if (left)
		sl_progress_start("step", "steps", "done", left);
	for (k = 0; k < p->nsteps; k++) {
		const struct sl_replay_mut *m = &p->m[p->steps[k]];
		const struct sl_buf *in[2] = { &line, &body };
		int ws;

		if (!todo[k])
			continue;
		step_desc(&desc, p, k);
		sl_buf_reset(&body);
		if (m->stored) {
			unsigned char d[SL_HASH_LEN];
			if (sl_artifact_digest_parse(m->sha256, d) < 0 ||
			    (e = sl_artifact_get(ledger, d, sl_buf_write, &body, &err)) < 0) {
				if (e == SL_EVERIFY || e == SL_ENOTFOUND)
					sl_die(SL_EXIT_DATA, "unable to run %s: its stored body: %s",
					       desc.buf, err.msg);
				sl_die_err(&err, e, desc.buf);
			}
		}
		sl_buf_reset(&line);
		if (process) {
			/* The plan's line with the size of the body that follows it. */
			if (sl_replay_step_write(p, k, &line) < 0)
				sl_die(SL_EXIT_TEMP, "out of memory");
			sl_buf_setlen(&line, line.len - 2);
			sl_buf_addf(&line, ",\"body_size\":%zu}\n", body.len);
		} else {
			sl_buf_add(&line, m->entry, m->entry_len);
			sl_buf_addch(&line, '\n');
		}
		if (sl_buf_ok(&line) || sl_buf_ok(&desc))
			sl_die(SL_EXIT_TEMP, "out of memory");
		if (process) {
			if ((e = sl_replay_proc_step(&proc, in, 2, &reply, &err)) < 0)
				sl_die(SL_EXIT_NO, "%s failed: %s", desc.buf, err.msg);
			if (strcmp(reply.buf, "ok") != 0)
				sl_die(SL_EXIT_NO, "%s failed: the command answered '%s'", desc.buf,
				       reply.buf);
		} else {
			step_env(envb, env, p, k);
			if ((e = sl_replay_run(cmd, env, in, 2, &ws, &err)) < 0)
				sl_die_err(&err, e, desc.buf);
			if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
				if (WIFSIGNALED(ws))
					sl_die(SL_EXIT_NO, "%s failed: the command was killed by signal %d",
					       desc.buf, WTERMSIG(ws));
				sl_die(SL_EXIT_NO, "%s failed: the command exited with status %d",
				       desc.buf, WEXITSTATUS(ws));
			}
		}
		/*
		 * Recorded after every step, before the next one starts: renamed
		 * every time, fsynced every sync_every steps and after the last.
		 */
		ran++;
		if ((e = sl_replay_state_mark(&st, p, k, &err)) < 0)
			sl_die_err(&err, e, "unable to record the progress");
		save_state(state, &st, ran % sync_every == 0 || ran == left);
		sl_progress_update(ran);
	}
	if (process && left) {
		int ws;
		if ((e = sl_replay_proc_finish(&proc, &ws, &err)) < 0)
			sl_die_err(&err, e, "unable to end the command");
		if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
			sl_die(SL_EXIT_NO, "the command failed after the last step (wait status %d); "
			       "every step was done", ws);
	}
	if (left)
		sl_progress_finish(ran, NULL);
	if (!left && p->nsteps) {
		/* Nothing left: say so, so that a second run is not mistaken for a replay. */
		if (p->nsteps == 1)
			sl_note("note: the one step of this plan was applied before");
		else
			sl_note("note: all %zu steps of this plan were applied before", p->nsteps);
	}
	sl_buf_reset(&line);
	sl_buf_addf(&line, "{\"type\":\"replay\",\"plan\":\"%s\",\"steps\":%zu,\"resumed_after\":%zu,"
		    "\"ran\":%zu}\n", digest, p->nsteps, p->nsteps - left, left);
	sl_out(line.buf, line.len);
	sl_out_close();
	for (i = 0; i < 8; i++)
		sl_buf_release(&envb[i]);
out:
	if (fd >= 0)
		close(fd);
	free(todo);
	sl_replay_state_release(&st);
	sl_buf_release(&line);
	sl_buf_release(&body);
	sl_buf_release(&desc);
	sl_buf_release(&lock);
	sl_buf_release(&reply);
}

/* -o text (plan): one row per step. */
static void text_line(const char *line, size_t len)
{
	static struct sl_buf b = SL_BUF_INIT;
	static const char *const cols[] = { "STEP", "NAMESPACE", "POSITION", "ID", "SEQ", "SHA256",
					    "BODY", "RECORDED", NULL };
	json_t *s, *e;
	const char *es;
	char h[13];

	if (!(s = sl_text_listing(line, len, cols, "(no steps)"))) {
		sl_buf_release(&b);
		return;
	}
	es = json_string_value(json_object_get(s, "entry"));
	e = es ? sl_text_json(es, strlen(es)) : NULL;
	sl_table_row();
	sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(s, "step"), &b));
	sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(s, "namespace"), &b));
	sl_table_cell(SL_C_YELLOW, "%s", sl_text_value(json_object_get(s, "position"), &b));
	sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(s, "id"), &b));
	sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(s, "seq"), &b));
	sl_table_cell(SL_C_NONE, "%s",
		      sl_text_short(json_string_value(json_object_get(s, "sha256")), h));
	if (json_is_true(json_object_get(s, "stored")))
		sl_table_cell(SL_C_GREEN, "stored");
	else
		sl_table_cell(SL_C_YELLOW, "not stored");
	sl_table_cell(SL_C_DIM, "%s", sl_text_time(json_string_value(json_object_get(e, "ts"))));
	json_decref(e);
	json_decref(s);
}

int main(int argc, char **argv)
{
	enum { O_FROM = 256, O_TO, O_GAPS, O_ALLW, O_CMD, O_STATE, O_DRY, OPT_PROCESS, OPT_SYNC };
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "allow-gaps", no_argument, NULL, O_GAPS },
		{ "all-warnings", no_argument, NULL, O_ALLW },
		{ "command", required_argument, NULL, O_CMD },
		{ "state", required_argument, NULL, O_STATE },
		{ "dry-run", no_argument, NULL, O_DRY },
		{ "process", no_argument, NULL, OPT_PROCESS },
		{ "sync-every", required_argument, NULL, OPT_SYNC },
		{ "format", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		SL_PROGRESS_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const verbs[] = { "plan", "exec", NULL };
	struct sl_replay_plan p;
	struct sl_error err = { 0 };
	struct sl_buf line = SL_BUF_INIT;
	const char *ldir = NULL, *from = NULL, *to = NULL, *cmd = NULL, *state = NULL, *verb;
	int c, e, allow_gaps = 0, all_warnings = 0, dry_run = 0, exec, process = 0, fmt = -1;
	int progress = SL_PROGRESS_AUTO;
	uint64_t sync_every = 1;
	size_t k;

	sl_cmd_start("sl-replay");
	while ((c = sl_getopt(argc, argv, "L:o:qh", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case O_FROM: from = optarg; break;
		case O_TO: to = optarg; break;
		case O_GAPS: allow_gaps = 1; break;
		case O_ALLW: all_warnings = 1; break;
		case O_CMD: cmd = optarg; break;
		case O_STATE: state = optarg; break;
		case O_DRY: dry_run = 1; break;
		case 'o': fmt = (int)sl_format_arg(optarg, usage); break;
		case OPT_PROCESS: process = 1; break;
		case 'q': progress = SL_PROGRESS_QUIET; break;
		case SL_OPT_PROGRESS:
			if (progress != SL_PROGRESS_QUIET)
				progress = SL_PROGRESS_FORCE;
			break;
		case OPT_SYNC: sync_every = sl_parse_u64_arg(optarg, "--sync-every", 1, UINT32_MAX); break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	verb = sl_verb_arg(usage, argc, argv, NULL, verbs, NULL);
	exec = !strcmp(verb, "exec");
	sl_no_operands(usage, argc, argv);
	if (!from != !to)
		sl_usage_fail(usage, "'%s' needs '%s'", from ? "--from" : "--to", from ? "--to" : "--from");
	if (exec && (!cmd || !*cmd))
		sl_usage_fail(usage, "exec needs '--command'");
	if (exec && (!state || !*state))
		sl_usage_fail(usage, "exec needs '--state'");
	if (!exec)
		sl_verb_refuse(usage, verb, "--command", cmd != NULL, "--state", state != NULL,
			       "--dry-run", dry_run, "--process", process, "--sync-every", sync_every != 1,
			       progress == SL_PROGRESS_QUIET ? "-q" : "--progress",
			       progress != SL_PROGRESS_AUTO, NULL);
	if (exec && fmt >= 0)
		sl_usage_fail(usage, "'-o/--format' is for plan, not exec");
	if (fmt == SL_FORMAT_TEXT)
		sl_text_start(text_line);
	sl_progress_mode(progress);
	sl_replay_init(&p);
	if (from)
		from_ledger(&p, ldir, from, to);
	else
		from_stdin(&p);
	if ((e = sl_replay_build(&p, &err)) < 0)
		sl_die_err(&err, e, "unable to make the plan");
	issue_msgs(&p, allow_gaps, all_warnings);
	if (exec) {
		if (!p.complete)
			sl_die(SL_EXIT_DATA, "unable to replay: the snapshot is not complete "
			       "(take it with sl-snapshot --complete)");
		exec_plan(&p, ldir, cmd, state, dry_run, process, sync_every);
	} else {
		for (k = 0; k < p.nsteps; k++) {
			sl_buf_reset(&line);
			if (sl_replay_step_write(&p, k, &line) < 0)
				sl_die(SL_EXIT_TEMP, "unable to write the plan: out of memory");
			sl_out(line.buf, line.len);
		}
		sl_out_close();
	}
	sl_buf_release(&line);
	sl_replay_release(&p);
	return 0;
}
