// SPDX-License-Identifier: MIT
/*
 * Support code shared by the programs in cmd/: messages and exits,
 * number parsing, the ledger location, checked output and the program's side
 * of the line reader.  Only cmd/ may print or exit; lib/ returns errors.
 */
#ifndef SL_CMD_UTIL_H
#define SL_CMD_UTIL_H

#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sl/buf.h"
#include "sl/err.h"
#include "sl/ledger.h"
#include "sl/linereader.h"

extern const char *sl_progname;
/*
 * Called by sl_die (and so sl_die_err) after its message, before exiting:
 * a program that has work under way (sl-append) says here where it stopped.
 * NULL by default.
 */
extern void (*sl_die_hook)(void);

/* Set sl_progname, ignore SIGPIPE (EPIPE is handled on write). */
void sl_cmd_start(const char *name);

/* "sl-NAME: fatal: ..." on stderr and exit with status `code`. */
/*
 * exit(code), except under AddressSanitizer, where it flushes stdio and
 * leaves with _exit: LeakSanitizer checks only runs that return from main.
 */
void sl_exit(int code) __attribute__((noreturn));
void sl_die(int code, const char *fmt, ...) SL_PRINTF(2, 3) __attribute__((noreturn));
/* Die with the exit status and message of a library error. */
void sl_die_err(const struct sl_error *err, int code, const char *what) __attribute__((noreturn));
/* "sl-NAME: warning: ..." on stderr. */
void sl_warn(const char *fmt, ...) SL_PRINTF(1, 2);
/*
 * The exit status for a failed system call's errno: 100 for EACCES, EPERM
 * and EROFS (permission denied: retrying will not help), else 111.
 */
int sl_errno_exit(int errnum);
/* "sl-NAME: fatal: ..." on stderr, without exiting: the caller says more, then ends. */
void sl_fatal_msg(const char *fmt, ...) SL_PRINTF(1, 2);
/* "sl-NAME: ..." on stderr: a report for a person, neither warning nor error. */
void sl_note(const char *fmt, ...) SL_PRINTF(1, 2);
/*
 * "sl-NAME: usage: USAGE" on stderr, exit 2.  When sl_getopt() has just
 * refused an option, a line naming it and saying why comes first.
 */
void sl_usage_die(const char *usage) __attribute__((noreturn));
/* "sl-NAME: usage: REASON" and the usage line on stderr, exit 2. */
void sl_usage_fail(const char *usage, const char *fmt, ...) SL_PRINTF(2, 3)
	__attribute__((noreturn));

/*
 * getopt_long() for every program, and the command-line grammar of
 * stateledger(7): options are taken anywhere, before, between and after
 * verbs and operands (even with POSIXLY_CORRECT set), until "--".  When it
 * returns -1, argv[optind..argc) holds the operands, verb first, in the
 * order given (argv is reordered).  A program with verbs gives one table
 * holding every verb's options and checks afterwards which ones the verb
 * takes.  An option it refuses (unknown, missing its value, or given a
 * value it does not take) returns '?' with the reason kept for
 * sl_usage_die(): "unknown option '--before'", "'--type' needs a value",
 * "'--limit' needs a number" (when the usage line shows a number for it).
 * A leading '+' or '-' in shortopts is ignored.  A scan that stops early
 * (the caller dies on '?') may leave argv partly reordered.  One scan at a
 * time: a second starts once the first has returned -1.
 */
int sl_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);
/*
 * An old mode flag kept as the alias of a verb (--latest for latest):
 * sl_mode_flag() records it from the option loop (a second, different one
 * is a usage error naming both), and sl_verb_arg() takes it as the verb.
 */
struct sl_mode {
	const char *flag, *verb;
};
void sl_mode_flag(const char *usage, struct sl_mode *m, const char *flag, const char *verb);
/*
 * After sl_getopt(): the verb at argv[optind], one of `verbs` (a NULL-ended
 * list), with optind moved past it.  With no operand left, the verb of the
 * mode flag in m (m may be NULL), else `dflt`, else a usage error ("a verb
 * is needed") when dflt is NULL.  An operand that is not a verb is a usage
 * error naming it ("unknown verb 'x'"), and so is a verb other than the
 * mode flag's ("'--latest' does not go with 'verify'").
 */
const char *sl_verb_arg(const char *usage, int argc, char **argv, const char *dflt,
			const char *const *verbs, const struct sl_mode *m);
/* After sl_getopt() (and sl_verb_arg()): a usage error "unexpected operand 'X'" if one is left. */
void sl_no_operands(const char *usage, int argc, char **argv);
/*
 * Pairs of (const char *option, int given), ended by NULL: a usage error
 * "'OPTION' does not go with 'VERB'" for the first one given.
 */
void sl_verb_refuse(const char *usage, const char *verb, ...);
/* Print `help` to stdout and exit 0 (checking the write). */
void sl_help_exit(const char *help) __attribute__((noreturn));
void sl_version_exit(void) __attribute__((noreturn));

/* Parse a whole decimal number in [min, max]; dies with a usage error otherwise. */
uint64_t sl_parse_u64_arg(const char *s, const char *what, uint64_t min, uint64_t max);
/* 0 and the value, or -1 when s is not a whole decimal number <= max. */
int sl_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* The ledger directory: -L ADDRESS, else $SL_LEDGER, else ./.stateledger. */
const char *sl_ledger_dir(const char *opt);
/* Open the ledger or die (100 when missing, 111 when it cannot be opened). */
struct sl_ledger *sl_open_ledger(const char *opt, int flags);

/* Write to stdout; on EPIPE exit 0 quietly, on other errors die 111. */
void sl_out(const void *p, size_t n);
void sl_outs(const char *s);
/* sl_out() without the hook below. */
void sl_out_raw(const void *p, size_t n);
/*
 * Set by sl_text_start() (util-text.h) for -o text: sl_out() hands its
 * bytes to sl_out_hook instead of writing them, and sl_out_flush() and
 * sl_out_close() call sl_out_hook_flush first (end = 1 from sl_out_close).
 */
extern void (*sl_out_hook)(const void *p, size_t n);
extern void (*sl_out_hook_flush)(int end);
void sl_out_flush(void);
/* Flush and close stdout, dying with 111 if anything was lost. */
void sl_out_close(void);

/*
 * sl_reader_init() (lib/sl/linereader.h) for a program: standard output is
 * flushed before each read that may block, so that whoever waits on it
 * sees it first; dies with 111 when out of memory.
 */
void sl_cmd_reader_init(struct sl_reader *r, int fd, size_t max);
/* sl_reader_next(), dying with 111 on the errors it returns (a read error without soft, memory). */
int sl_cmd_reader_next(struct sl_reader *r);

/*
 * Parse a time option (sl_time_parse) or die with a usage error naming
 * opt.  A time later than now is taken, with a warning on stderr: the
 * ledger cannot yet say what is true then, and the answer may change.
 */
int64_t sl_time_arg(const char *opt, const char *arg);

/* Check a --source option: 1-256 bytes of UTF-8 without control characters, else a usage error. */
const char *sl_source_arg(const char *s);

/*
 * The program `name` to run from this one: the file of that name beside
 * the running program (in the directory of /proc/self/exe) when it is
 * executable, so that a tree's programs call each other and not an older
 * install; else `name` itself, for a PATH search.  Returns a new string
 * (free it); dies with 111 when out of memory.
 */
char *sl_find_program(const char *name);

/*
 * A directory of share/stateledger (NAME: "rules", "jq", "www") into out:
 * beside the program (../share/stateledger/NAME of a build tree or an
 * install) when it is there, else SL_SHAREDIR/NAME.  Dies with 111 when
 * out of memory.
 */
void sl_share_dir(struct sl_buf *out, const char *name);

/*
 * Read all of fd (named `name` in messages) into b.  More than max bytes
 * dies with 100; a read error with 111.
 */
void sl_read_all(int fd, const char *name, struct sl_buf *b, size_t max);

/*
 * Load a private key written by sl-keygen into k, or die: 100 when the file
 * is missing, not a regular file of mode 0600, or not a key; 111 on I/O errors.
 */
struct sl_signer;
void sl_load_signer(const char *path, struct sl_signer *k);
/*
 * The ledger's own checkpoint keys (DIR is the ledger directory): path of
 * DIR/keys/checkpoint.key, then of each DIR/keys/checkpoint-*.key in byte
 * order, appended to *paths (grown with realloc, each path malloc'd);
 * *n counts them.  Dies with 111 when the keys/ directory cannot be read.
 */
void sl_ledger_key_files(const char *dir, char ***paths, size_t *n);
/*
 * The directory of a ledger's private key files, in out: $SL_KEY_DIR, else
 * DIR/keys for a ledger that keeps files; for one that does not (a
 * database), dies with exit 2 asking for -k, SL_KEY or SL_KEY_DIR.
 */
const char *sl_key_dir(const char *dir, struct sl_buf *out);
struct sl_vkey;
/* Parse a verifier key given as option opt (NAME+KEYID+KEY), or die with a usage error (2). */
void sl_vkey_arg(const char *opt, const char *s, struct sl_vkey *vk);

struct sl_witness_peer;
/*
 * The n --witness arguments (NAME+KEYID+KEY, with need_url also @URL) as a
 * new array (NULL when n is 0), and the quorum: --quorum's value (1 to n;
 * NULL: all n).  A bad key, URL or quorum, or a witness given twice, dies
 * with a usage error (2).  sl_witness_key_args gives their keys alone.
 */
struct sl_witness_peer *sl_witness_args(const char *const *args, size_t n, int need_url,
				   const char *quorum_arg, size_t *quorum);
struct sl_vkey *sl_witness_key_args(const char *const *args, size_t n, const char *quorum_arg,
				    size_t *quorum);

/*
 * While jobs run (sl_run_jobs): catch SIGINT, SIGTERM and SIGHUP into
 * sl_run_interrupted, so that the jobs are killed before we stop; then
 * sl_die_interrupted() says "PROG: fatal: WHAT: interrupted by signal
 * N" and AFTER, and ends by that signal.
 */
void sl_catch_stops(void);
/* Call handler on SIGINT, SIGTERM and SIGHUP (no SA_RESTART: a wait ends with EINTR). */
void sl_on_stops(void (*handler)(int));
void sl_die_interrupted(const char *what, const char *after) __attribute__((noreturn));

/*
 * The progress meter (cmd/util-progress.c), one for every program whose
 * work may take more than a moment.  It writes to stderr only: on a
 * terminal, one line redrawn in place a few times a second and then a
 * final line; with --progress on a file or pipe, one line per update (at
 * most one a second); otherwise nothing, so a CI log stays as it was.
 * SL_PROGRESS_INTERVAL (milliseconds) sets the time between updates.
 * The time source is monotonic, the rate a moving average, and the ETA is
 * shown only when the total is known.  Used from one thread only.
 */
enum { SL_PROGRESS_AUTO, SL_PROGRESS_FORCE, SL_PROGRESS_QUIET };
/* The long option --progress: its value in each program's option table. */
#define SL_OPT_PROGRESS 0x5250
#define SL_PROGRESS_OPTION { "progress", no_argument, NULL, SL_OPT_PROGRESS }
#define SL_PROGRESS_UNKNOWN UINT64_MAX
/* --progress: SL_PROGRESS_FORCE; -q/--quiet: SL_PROGRESS_QUIET. */
void sl_progress_mode(int mode);
/* Would sl_progress_start() show anything (forced, or stderr is a terminal)? */
int sl_progress_wanted(void);
/*
 * Start counting `one`/`many` things that are `verb` ("entry", "entries",
 * "verified"), out of total (SL_PROGRESS_UNKNOWN when not known).
 */
void sl_progress_start(const char *one, const char *many, const char *verb, uint64_t total);
/* done things so far; draws the line when the interval has passed. */
void sl_progress_update(uint64_t done);
void sl_progress_total(uint64_t total);
/*
 * Would sl_progress_update() draw now?  For a caller whose share of the
 * work done costs something to find (a file offset): it asks only then.
 */
int sl_progress_due(void);
/*
 * The share of the work done, 0 to 1, when the total count is not known
 * but the size of the input is: the line then shows it and an ETA.
 */
void sl_progress_fraction(double frac);
/* The last count given to sl_progress_update(). */
uint64_t sl_progress_done(void);
/* An sl_progress_fn (lib/sl/ledger.h) for the library's long work: sets total, updates. */
void sl_progress_fn_meter(void *ctx, uint64_t done, uint64_t total);
/*
 * The final line: done things `verb` (NULL: the verb given to start) in
 * how long, at what mean rate.
 */
void sl_progress_finish(uint64_t done, const char *verb);
/* Wipe a line being redrawn, before another message (the message helpers call it). */
void sl_progress_clear(void);
/* 1 while a line being redrawn stands on the terminal. */
extern int sl_progress_shown;

/* JSON output helpers for the programs. */
void sl_buf_add_jstr(struct sl_buf *b, const char *s);

#endif
