// SPDX-License-Identifier: MIT
/* sl-audit: pack a snapshot into a bundle an auditor can check offline, and check one. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "sl/audit.h"
#include "sl/capture-run.h"
#include "sl/json.h"
#include "sl/time.h"

static const char usage[] =
	"sl-audit [bundle] [--bare] [-k KEYFILE] | sl-audit verify --key VKEY [--signer VKEY] [--origin ORIGIN] "
	"[--witness VKEY ... [--quorum K]]";
static const char help[] =
	"usage: sl-audit [bundle] [--bare] [-k KEYFILE]\n"
	"       sl-audit verify --key VKEY [--signer VKEY] [--origin ORIGIN]\n"
	"                       [--witness VKEY ...] [--quorum K]\n"
	"\n"
	"Read a snapshot (sl-snapshot's output) on standard input and write an audit\n"
	"bundle: the snapshot with its proofs and checkpoint, the target time, the\n"
	"time of the request and warnings, and the report of sl-advisory and the plan\n"
	"of sl-replay when those programs are installed (beside sl-audit, or on PATH;\n"
	"--bare leaves them out).  -k wraps it in a DSSE envelope signed with a\n"
	"ledger key file (sl-keygen makes them).\n"
	"\n"
	"verify reads a bundle or an envelope on standard input and checks it with\n"
	"no ledger at hand: the checkpoint's signature by VKEY and its origin, that\n"
	"the size is N(T) (the entries on either side of it, proved in the\n"
	"checkpoint's tree), every entry's inclusion, the mutation heads, the\n"
	"envelope's signature by --signer, and for a complete snapshot that its\n"
	"entries are the latest of every source (within its filter).  It prints\n"
	"{\"verified\":true,...} naming what was proved, what only the envelope\n"
	"signature vouches for and what is unverified, or {\"verified\":false}.\n"
	"\n"
	"  --bare             leave out the advisory and the replay plan\n"
	"  -k, --key-file KEYFILE\n"
	"                     sign the bundle with this private key (mode 0600);\n"
	"                     --sign KEYFILE is a deprecated alias\n"
	"  --key VKEY         verify: the checkpoint's verifier key (NAME+KEYID+KEY)\n"
	"  --signer VKEY      verify: the envelope must be signed by this key\n"
	"  --origin ORIGIN    verify: the checkpoint must be of this log\n"
	"  --witness VKEY     verify: a witness's cosignature key (repeatable); the\n"
	"                     checkpoint must carry valid cosignatures by --quorum of them\n"
	"  --quorum K         verify: how many witnesses must have cosigned (default: all)\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Options go before or after the verb and its operands; -- ends them.\n"
	"\n"
	"Exit: 0 written or verified, 1 not verified, 2 usage, 100 invalid snapshot\n"
	"or bundle, or unusable key file, 111 system failure.\n";


/* A program installed beside this one, else the bare name for a PATH search. */
static void sibling(struct sl_buf *path, const char *name)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	sl_buf_reset(path);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/'))) {
			sl_buf_add(path, self, (size_t)(slash - self) + 1);
			sl_buf_addstr(path, name);
			if (sl_buf_ok(path) == 0 && access(path->buf, X_OK) == 0)
				return;
		}
	}
	sl_buf_reset(path);
	sl_buf_addstr(path, name);
	if (sl_buf_ok(path) < 0)
		sl_die(SL_EXIT_TEMP, "unable to run '%s': out of memory", name);
}

/*
 * Run a judging program (sl-advisory, sl-replay plan) on the snapshot in
 * fd: 1 with its output in j->out, 0 when it is not installed or did not
 * succeed (a warning then says why).
 */
static int judge(struct sl_job *j, int fd, const char *name, const char *arg,
		 const char **warn, struct sl_buf *warnbuf)
{
	struct sl_error err = { 0 };
	struct sl_buf path = SL_BUF_INIT;
	const char *argv[3] = { NULL, arg, NULL };
	char how[128];
	size_t nl;
	int e;

	sibling(&path, name);
	argv[0] = path.buf;
	memset(j, 0, sizeof(*j));
	sl_job_init(j);
	j->argv = argv;
	j->timeout_ms = 600000;
	j->out_max = SL_BUNDLE_MAX;
	j->err_max = 4096;
	j->stdin_fd = fd;
	if (lseek(fd, 0, SEEK_SET) != 0)
		sl_die(sl_errno_exit(errno), "unable to rewind the snapshot: %s", strerror(errno));
	sl_catch_stops(); /* a stop kills the program we run, then us */
	if ((e = sl_run_jobs(j, 1, &err)) < 0) {
		if (sl_run_interrupted)
			sl_die_interrupted("unable to make the bundle", "");
		sl_die_err(&err, e, "unable to run a program");
	}
	sl_buf_release(&path);
	if (sl_job_ok(j))
		return 1;
	sl_buf_reset(warnbuf);
	if (j->end == SL_JOB_NOSTART && j->status == ENOENT) {
		sl_buf_addf(warnbuf, "%s is not installed: the bundle has no %s", name,
			    arg ? "replay plan" : "advisory");
	} else {
		nl = strcspn(j->err.buf ? j->err.buf : "", "\n");
		sl_buf_addf(warnbuf, "%s%s%s %s%s%.*s", name, arg ? " " : "", arg ? arg : "",
			    sl_job_describe(j, how, sizeof(how)), nl ? ": " : "", (int)nl,
			    j->err.buf ? j->err.buf : "");
	}
	if (sl_buf_ok(warnbuf) < 0)
		sl_die(SL_EXIT_TEMP, "unable to run '%s': out of memory", name);
	*warn = warnbuf->buf;
	return 0;
}

static int do_bundle(const char *keyfile, int bare)
{
	struct sl_error err = { 0 };
	struct sl_buf in = SL_BUF_INIT, bundle = SL_BUF_INIT, env = SL_BUF_INIT;
	struct sl_buf wb[2] = { SL_BUF_INIT, SL_BUF_INIT };
	struct sl_audit_extras x = { 0 };
	struct sl_job adv, plan;
	const char *warns[2];
	struct sl_signer k;
	int64_t now;
	int e, have_adv = 0, have_plan = 0;

	if (keyfile)
		sl_load_signer(keyfile, &k);
	sl_read_all(STDIN_FILENO, "standard input", &in, SL_BUNDLE_MAX);
	if (sl_time_now(&now) < 0)
		sl_die(SL_EXIT_TEMP, "unable to read the clock");
	if (!bare) {
		/* The programs read the snapshot from a file of their own, not a pipe to feed. */
		int fd = sl_memfd("sl-audit-snapshot", in.buf, in.len, &err);

		if (fd < 0)
			sl_die_err(&err, fd, "unable to hold the snapshot");
		have_adv = judge(&adv, fd, "sl-advisory", NULL, &warns[x.nwarnings], &wb[0]);
		if (!have_adv)
			x.nwarnings++;
		have_plan = judge(&plan, fd, "sl-replay", "plan", &warns[x.nwarnings], &wb[1]);
		if (!have_plan)
			x.nwarnings++;
		close(fd);
		if (have_adv)
			x.advisory = adv.out.buf, x.advisory_len = adv.out.len;
		if (have_plan)
			x.replay = plan.out.buf, x.replay_len = plan.out.len;
		x.warnings = warns;
	}
	if ((e = sl_audit_bundle(in.buf, in.len, now, &x, &bundle, &err)) < 0)
		sl_die_err(&err, e, "unable to read the snapshot 'standard input'");
	sl_buf_release(&in);
	if (!bare) {
		sl_job_release(&adv);
		sl_job_release(&plan);
		sl_buf_release(&wb[0]);
		sl_buf_release(&wb[1]);
	}
	if (keyfile) {
		e = sl_audit_sign(bundle.buf, bundle.len, &k, &env, &err);
		sl_signer_wipe(&k);
		if (e < 0)
			sl_die_err(&err, e, "unable to sign the bundle");
		sl_out(env.buf, env.len);
	} else {
		sl_out(bundle.buf, bundle.len);
	}
	sl_outs("\n");
	sl_out_close();
	sl_buf_release(&bundle);
	sl_buf_release(&env);
	return 0;
}

/* The members in mask as a JSON array of their names. */
static void add_members(struct sl_buf *out, const char *name, unsigned mask)
{
	unsigned m;
	int first = 1;

	sl_buf_addf(out, ",\"%s\":[", name);
	for (m = 0; m < SL_AM_COUNT; m++)
		if (mask & (1u << m)) {
			sl_buf_addf(out, "%s\"%s\"", first ? "" : ",", sl_audit_member_name(m));
			first = 0;
		}
	sl_buf_addch(out, ']');
}

static void add_jstr(struct sl_buf *out, const char *s)
{
	if (sl_jcs_string(out, s, strlen(s)) < 0)
		sl_buf_addstr(out, "null"); /* not reached: verified strings are UTF-8 */
}

static int do_verify(const char *key, const char *signer, const char *origin,
		     const struct sl_vkey *wit, size_t nwit, size_t quorum)
{
	struct sl_error err = { 0 };
	struct sl_buf in = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_audit_result r;
	struct sl_vkey vk, sk;
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];
	int e;

	if (!key)
		sl_usage_fail(usage, "verify needs '--key'");
	sl_vkey_arg("--key", key, &vk);
	if (signer)
		sl_vkey_arg("--signer", signer, &sk);
	sl_read_all(STDIN_FILENO, "standard input", &in, SL_BUNDLE_MAX);
	e = sl_audit_verify_witnessed(in.buf, in.len, &vk, signer ? &sk : NULL, origin, wit, nwit,
				      quorum, &r, &err);
	sl_buf_release(&in);
	/* A proof that fails is a "no" (1); text that is not a bundle is bad input (100). */
	if (e == SL_EVERIFY) {
		sl_outs("{\"verified\":false}\n");
		sl_out_flush();
		sl_note("bundle does not verify: %s",
			sl_error_format(&err, msg, sizeof(msg)));
		sl_out_close();
		return SL_EXIT_NO;
	}
	if (e < 0)
		sl_die_err(&err, e, "unable to verify the bundle 'standard input'");
	sl_buf_addf(&out, "{\"verified\":true,\"at\":\"%s\",\"size\":%llu,\"entries\":%llu,"
		    "\"mutations\":%llu,\"checkpoint_size\":%llu,\"complete\":%s,\"envelope\":\"%s\","
		    "\"origin\":",
		    r.at, (unsigned long long)r.size, (unsigned long long)r.entries,
		    (unsigned long long)r.mutations, (unsigned long long)r.checkpoint_size,
		    r.complete ? "true" : "false",
		    r.signer_checked ? "verified" : r.enveloped ? "unchecked" : "none");
	add_jstr(&out, r.origin);
	if (nwit)
		sl_buf_addf(&out, ",\"witnesses\":{\"cosigned\":%zu,\"given\":%zu,\"quorum\":%zu}",
			    r.witnesses_held, nwit, quorum);
	sl_buf_addstr(&out, ",\"filter\":");
	if (!r.filtered) {
		sl_buf_addstr(&out, "null");
	} else {
		sl_buf_addstr(&out, "{\"type\":");
		r.filter_has_type ? add_jstr(&out, r.filter_type) : sl_buf_addstr(&out, "null");
		sl_buf_addstr(&out, ",\"source\":");
		r.filter_has_source ? add_jstr(&out, r.filter_source) : sl_buf_addstr(&out, "null");
		sl_buf_addf(&out, ",\"complete\":%s}", r.filter_complete ? "true" : "false");
	}
	sl_buf_addstr(&out, ",\"bounds\":{\"last\":");
	*r.last_ts ? sl_buf_addf(&out, "\"%s\"", r.last_ts) : sl_buf_addstr(&out, "null");
	sl_buf_addstr(&out, ",\"next\":");
	*r.next_ts ? sl_buf_addf(&out, "\"%s\"", r.next_ts) : sl_buf_addstr(&out, "null");
	sl_buf_addch(&out, '}');
	add_members(&out, "proved", r.proved);
	add_members(&out, "signed", r.signer_checked ? r.unproved : 0);
	add_members(&out, "unverified", r.signer_checked ? 0 : r.unproved);
	sl_buf_addstr(&out, "}\n");
	if (sl_buf_ok(&out) < 0)
		sl_die(SL_EXIT_TEMP, "unable to write: out of memory");
	sl_out(out.buf, out.len);
	sl_out_flush();
	if (r.upper_open)
		sl_warn("the checkpoint ends at size %llu: entries after it are not covered, so the "
			"time is bounded only from below (sign a newer checkpoint)", (unsigned long long)r.size);
	sl_out_close();
	sl_buf_release(&out);
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_KEY = 256, O_SIGNER, O_BARE, O_ORIGIN, O_WITNESS, O_QUORUM };
	static const struct option opts[] = {
		{ "bare", no_argument, NULL, O_BARE },
		{ "key-file", required_argument, NULL, 'k' },
		{ "sign", required_argument, NULL, 'k' }, /* deprecated alias of --key-file */
		{ "key", required_argument, NULL, O_KEY },
		{ "signer", required_argument, NULL, O_SIGNER },
		{ "origin", required_argument, NULL, O_ORIGIN },
		{ "witness", required_argument, NULL, O_WITNESS },
		{ "quorum", required_argument, NULL, O_QUORUM },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const verbs[] = { "bundle", "verify", NULL };
	const char *keyfile = NULL, *key = NULL, *signer = NULL, *origin = NULL, *quorum_arg = NULL;
	const char **wargs = calloc((size_t)argc + 1, sizeof(*wargs));
	struct sl_vkey *wit;
	size_t nwit = 0, quorum = 0;
	int c, verify = 0, bare = 0, r;

	sl_cmd_start("sl-audit");
	if (!wargs)
		sl_die(SL_EXIT_TEMP, "out of memory");
	while ((c = sl_getopt(argc, argv, "k:h", opts)) != -1) {
		switch (c) {
		case 'k': keyfile = optarg; break;
		case O_KEY: key = optarg; break;
		case O_SIGNER: signer = optarg; break;
		case O_ORIGIN: origin = optarg; break;
		case O_WITNESS: wargs[nwit++] = optarg; break;
		case O_QUORUM: quorum_arg = optarg; break;
		case O_BARE: bare = 1; break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	/* The bundle is made without a verb, or with "bundle". */
	verify = !strcmp(sl_verb_arg(usage, argc, argv, "bundle", verbs, NULL), "verify");
	sl_no_operands(usage, argc, argv);
	if (verify)
		sl_verb_refuse(usage, "verify", "-k", keyfile != NULL, "--bare", bare, NULL);
	else
		sl_verb_refuse(usage, "bundle", "--key", key != NULL, "--signer", signer != NULL,
			       "--origin", origin != NULL, "--witness", nwit > 0, "--quorum",
			       quorum_arg != NULL, NULL);
	wit = sl_witness_key_args(wargs, nwit, quorum_arg, &quorum);
	r = verify ? do_verify(key, signer, origin, wit, nwit, quorum) : do_bundle(keyfile, bare);
	free(wit);
	free(wargs);
	return r;
}
