// SPDX-License-Identifier: MIT
/* sl-advisory: can the state a snapshot describes be reproduced?  jq rules, one scorer. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "util-text.h"
#include "sl/advisory.h"
#include "sl/capture-run.h"
#include "sl/audit.h"


static const char usage[] =
	"sl-advisory [-L ADDRESS] [--rules DIR]... [--no-builtin-rules] [--max-risk N] "
	"[--timeout SECONDS] [--jobs N] [-o json|text] [-q | --progress] [run | list-rules | input]";
static const char help[] =
	"usage: sl-advisory [-L ADDRESS] [--rules DIR]... [--no-builtin-rules]\n"
	"                   [--max-risk N] [--timeout SECONDS] [--jobs N] [-o json|text]\n"
	"                   [-q | --progress] [run | list-rules | input]\n"
	"\n"
	"Read a snapshot (sl-snapshot, best with --complete) on standard input, run\n"
	"the advisory rules (jq programs NAME.jq) on it and print the determinism\n"
	"report as one JSON line: risk 0-100, level, can_replay and the findings,\n"
	"each with its rule, severity, weight, message, remedy and evidence seqs.\n"
	"\n"
	"  -L, --ledger ADDRESS  check stored configs against this ledger's artifacts\n"
	"  --rules DIR           also run the rules of DIR (before $SL_RULES_PATH and\n"
	"                        the built-in rules; the first rule of a name wins)\n"
	"  --no-builtin-rules    run only the rules of --rules and $SL_RULES_PATH\n"
	"  --max-risk N          exit 1 when the risk is above N (0-100)\n"
	"  --timeout SECONDS     how long one rule may run (default 60)\n"
	"  --jobs N              run up to N rules at once (default: the processors)\n"
	"  -o, --format F        json (default) or text: the risk and level, then a\n"
	"                        line per finding (severity, rule, message, seqs) with\n"
	"                        its remedy below\n"
	"  --progress            show the snapshot's entries read and the rules run on\n"
	"                        stderr even when it is not a terminal (shown by\n"
	"                        default on a terminal)\n"
	"  -q, --quiet           show no progress\n"
	"  list-rules            print the rules that would run (NAME PATH) and exit\n"
	"                        (--list-rules is a deprecated alias)\n"
	"  input                 print the input the rules would read and exit\n"
	"                        (--input is a deprecated alias)\n"
	"  -h, --help            show this help\n"
	"  --version             show the version\n"
	"\n"
	"Options go before or after the verb and its operands; -- ends them.\n"
	"\n"
	"Exit: 0 reported, 1 risk above --max-risk, 2 usage, 100 not a snapshot, a\n"
	"rule that failed or wrote an invalid finding, 111 system failure.\n";

static void add_dir(struct sl_rules *rs, const char *dir)
{
	struct sl_error err = { 0 };
	int e;

	if ((e = sl_rules_add_dir(rs, dir, &err)) < 0)
		sl_die(e == SL_ENOTFOUND ? SL_EXIT_DATA : sl_exit_code(e), "%s", err.msg);
}

/* -o text: the verdict, then one row per finding with its remedy below. */
static void text_line(const char *line, size_t len)
{
	struct sl_buf b = SL_BUF_INIT, b2 = SL_BUF_INIT, ev = SL_BUF_INIT;
	const char *lv, *sev;
	json_t *r, *f, *s;
	size_t i, j;

	if (!line)
		return;
	r = sl_text_json(line, len);
	lv = json_string_value(json_object_get(r, "level"));
	lv = lv ? lv : "-";
	sl_table_line(!strcmp(lv, "high") ? SL_C_RED : !strcmp(lv, "medium") ? SL_C_YELLOW : SL_C_GREEN,
		      "risk %s/100 (%s), %s", sl_text_value(json_object_get(r, "risk"), &b), lv,
		      json_is_true(json_object_get(r, "can_replay")) ? "can be replayed" :
								       "cannot be replayed");
	sl_table_line(SL_C_DIM, "at %s, tree size %s%s",
		      sl_text_time(json_string_value(json_object_get(r, "at"))),
		      sl_text_value(json_object_get(r, "size"), &b2),
		      json_is_true(json_object_get(r, "complete")) ? ", complete snapshot" : "");
	if (!json_array_size(json_object_get(r, "findings")))
		sl_table_line(SL_C_NONE, "no findings");
	json_array_foreach(json_object_get(r, "findings"), i, f) {
		sev = json_string_value(json_object_get(f, "severity"));
		sev = sev ? sev : "-";
		sl_buf_reset(&ev);
		json_array_foreach(json_object_get(f, "evidence"), j, s)
			sl_buf_addf(&ev, "%s%s", j ? "," : "", sl_text_value(s, &b));
		sl_table_row();
		sl_table_cell(!strcmp(sev, "high") ? SL_C_RED : !strcmp(sev, "medium") ? SL_C_YELLOW :
			      SL_C_NONE, "%s", sev);
		sl_table_cell(SL_C_CYAN, "%s", sl_text_value(json_object_get(f, "rule"), &b));
		sl_table_cell(SL_C_NONE, "seq %s", ev.len ? ev.buf : "-");
		sl_table_cell(SL_C_NONE, "%s", sl_text_value(json_object_get(f, "message"), &b));
		if (json_is_string(json_object_get(f, "remedy")))
			sl_table_line(SL_C_DIM, "    remedy: %s",
				      json_string_value(json_object_get(f, "remedy")));
	}
	json_decref(r);
	sl_buf_release(&b);
	sl_buf_release(&b2);
	sl_buf_release(&ev);
}

int main(int argc, char **argv)
{
	enum { O_RULES = 256, O_NOBUILTIN, O_MAXRISK, O_TIMEOUT, O_LIST, O_INPUT, O_JOBS };
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "rules", required_argument, NULL, O_RULES },
		{ "no-builtin-rules", no_argument, NULL, O_NOBUILTIN },
		{ "max-risk", required_argument, NULL, O_MAXRISK },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "list-rules", no_argument, NULL, O_LIST },
		{ "input", no_argument, NULL, O_INPUT },
		{ "jobs", required_argument, NULL, O_JOBS },
		{ "format", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		SL_PROGRESS_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_buf in = SL_BUF_INIT, rin = SL_BUF_INIT, out = SL_BUF_INIT, dir = SL_BUF_INIT;
	struct sl_rules rs;
	struct sl_advisory a;
	struct sl_score score;
	const char **dirs = NULL;
	static const char *const verbs[] = { "run", "list-rules", "input", NULL };
	const char *ldir = NULL, *jq, *path, *verb;
	struct sl_mode mode = { NULL, NULL };
	size_t ndirs = 0, i, failed = 0, *counts;
	struct sl_buf *outs;
	struct sl_error *errs;
	int *codes;
	uint64_t jobs = 0;
	uint64_t max_risk = SL_RISK_MAX, timeout = 60;
	int c, e, builtin = 1, list = 0, input = 0, progress = SL_PROGRESS_AUTO;
	enum sl_format fmt = SL_FORMAT_JSON;

	sl_cmd_start("sl-advisory");
	if (!(dirs = calloc((size_t)argc, sizeof(*dirs))))
		sl_die(SL_EXIT_TEMP, "out of memory");
	while ((c = sl_getopt(argc, argv, "L:o:qh", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case O_RULES: dirs[ndirs++] = optarg; break;
		case O_NOBUILTIN: builtin = 0; break;
		case O_MAXRISK: max_risk = sl_parse_u64_arg(optarg, "--max-risk", 0, SL_RISK_MAX); break;
		case O_TIMEOUT: timeout = sl_parse_u64_arg(optarg, "--timeout", 1, 86400); break;
		case O_LIST: sl_mode_flag(usage, &mode, "--list-rules", "list-rules"); break;
		case O_INPUT: sl_mode_flag(usage, &mode, "--input", "input"); break;
		case 'o': fmt = sl_format_arg(optarg, usage); break;
		case O_JOBS: jobs = sl_parse_u64_arg(optarg, "--jobs", 1, 64); break;
		case 'q': progress = SL_PROGRESS_QUIET; break;
		case SL_OPT_PROGRESS:
			if (progress != SL_PROGRESS_QUIET)
				progress = SL_PROGRESS_FORCE;
			break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	/* Modes are verbs: run (the default), list-rules (--list-rules) and input (--input). */
	verb = sl_verb_arg(usage, argc, argv, "run", verbs, &mode);
	sl_no_operands(usage, argc, argv);
	list = !strcmp(verb, "list-rules"), input = !strcmp(verb, "input");

	/* The rules: --rules, then $SL_RULES_PATH, then the built-in ones. */
	sl_rules_init(&rs);
	for (i = 0; i < ndirs; i++)
		add_dir(&rs, dirs[i]);
	if ((path = getenv("SL_RULES_PATH")) && *path) {
		char *copy = strdup(path), *p, *q;
		if (!copy)
			sl_die(SL_EXIT_TEMP, "out of memory");
		for (p = copy; p; p = q) {
			if ((q = strchr(p, ':')))
				*q++ = '\0';
			if (*p)
				add_dir(&rs, p);
		}
		free(copy);
	}
	if (builtin) {
		sl_share_dir(&dir, "rules");
		add_dir(&rs, dir.buf);
	}
	/* Every rule, a user's too, may include "sl" (share/stateledger/jq/sl.jq). */
	sl_buf_reset(&dir);
	sl_share_dir(&dir, "jq");
	if (sl_buf_ok(&dir) < 0 || sl_rules_set_libdir(&rs, dir.buf) < 0)
		sl_die(SL_EXIT_TEMP, "out of memory");
	if (list) {
		for (i = 0; i < rs.n; i++) {
			sl_outs(rs.r[i].name);
			sl_outs(" ");
			sl_outs(rs.r[i].path);
			sl_outs("\n");
		}
		sl_out_close();
		sl_rules_release(&rs);
		sl_buf_release(&dir);
		free(dirs);
		return 0;
	}
	if (rs.n == 0 && !input)
		sl_die(SL_EXIT_DATA, "unable to judge the snapshot: no rules to run");

	/* Read a value at a time: a complete snapshot of a large ledger is never held whole. */
	sl_progress_mode(input ? SL_PROGRESS_QUIET : progress);
	sl_progress_start("entry", "entries", "read", SL_PROGRESS_UNKNOWN);
	if ((e = sl_advisory_load_fd_progress(&a, STDIN_FILENO, ldir, sl_progress_fn_meter, NULL,
					      &err)) < 0)
		sl_die_err(&err, e, "unable to read the snapshot");
	if (sl_progress_done())
		sl_progress_finish(sl_progress_done(), NULL);
	if ((e = sl_advisory_input(&a, &rin)) < 0)
		sl_die(SL_EXIT_TEMP, "unable to build the rule input: out of memory");
	if (input) {
		sl_out(rin.buf, rin.len);
		sl_out_close();
		sl_advisory_release(&a);
		sl_rules_release(&rs);
		sl_buf_release(&in);
		sl_buf_release(&rin);
		sl_buf_release(&dir);
		free(dirs);
		return 0;
	}
	if (!(jq = getenv("SL_JQ")) || !*jq)
		jq = "jq";
	if (!(counts = calloc(rs.n, sizeof(*counts))) || !(outs = calloc(rs.n, sizeof(*outs))) ||
	    !(codes = calloc(rs.n, sizeof(*codes))) || !(errs = calloc(rs.n, sizeof(*errs))))
		sl_die(SL_EXIT_TEMP, "out of memory");
	for (i = 0; i < rs.n; i++)
		sl_buf_init(&outs[i]);
	if (!jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		jobs = n > 0 ? (uint64_t)n : 1;
	}
	/* Every rule runs, so that every failure is reported, not only the first. */
	sl_catch_stops();
	sl_progress_start("rule", "rules", "run", rs.n);
	rs.progress = sl_progress_fn_meter;
	if ((e = sl_rules_run_all(jq, &rs, rin.buf, rin.len, (int)timeout * 1000, (unsigned)jobs, outs,
				  codes, errs, &err)) < 0) {
		if (sl_run_interrupted)
			sl_die_interrupted("unable to judge the snapshot", "");
		sl_die_err(&err, e, "unable to run the rules");
	}
	sl_progress_finish(rs.n, NULL);
	for (i = 0; i < rs.n; i++) {
		if ((e = codes[i]) < 0 && e != SL_EINVAL)
			sl_die_err(&errs[i], e, "unable to run the rules");
		err = errs[i];
		if (e == 0) {
			sl_error_clear(&err);
			e = sl_advisory_add(&a, rs.r[i].name, outs[i].buf, outs[i].len, &counts[i], &err);
			if (e < 0 && e != SL_EINVAL)
				sl_die_err(&err, e, "unable to check the findings");
		}
		if (e == SL_EINVAL) {
			char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];
			sl_note("rule '%s' (%s) failed: %s%s", rs.r[i].name,
				rs.r[i].path, err.line ? "output " : "",
				sl_error_format(&err, msg, sizeof(msg)));
			failed++;
		}
		sl_buf_release(&outs[i]);
	}
	if (failed)
		sl_die(SL_EXIT_DATA, "unable to judge the snapshot: %zu rule%s failed", failed,
		       failed == 1 ? "" : "s");
	sl_buf_reset(&out);
	if ((e = sl_advisory_report(&a, &rs, counts, &out, &score)) < 0)
		sl_die(SL_EXIT_TEMP, "unable to write the report: out of memory");
	if (fmt == SL_FORMAT_TEXT)
		sl_text_start(text_line);
	sl_out(out.buf, out.len);
	sl_out_close();
	free(counts);
	free(outs);
	free(codes);
	free(errs);
	free(dirs);
	sl_advisory_release(&a);
	sl_rules_release(&rs);
	sl_buf_release(&in);
	sl_buf_release(&rin);
	sl_buf_release(&out);
	sl_buf_release(&dir);
	if ((uint64_t)score.risk > max_risk) {
		sl_note("risk %d is above --max-risk %llu", score.risk,
			(unsigned long long)max_risk);
		return SL_EXIT_NO;
	}
	return 0;
}
