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
#include "sl/time.h"

static const char usage[] =
	"sl-audit [--sign KEYFILE] | sl-audit verify --key VKEY [--signer VKEY]";
static const char help[] =
	"usage: sl-audit [--sign KEYFILE]\n"
	"       sl-audit verify --key VKEY [--signer VKEY]\n"
	"\n"
	"Read a snapshot (sl-snapshot's output) on standard input and write an audit\n"
	"bundle: the snapshot with its proofs and checkpoint, the target time, the\n"
	"time of the request and warnings.  --sign wraps it in a DSSE envelope signed\n"
	"with a ledger key file (sl-keygen makes them).\n"
	"\n"
	"verify reads a bundle or an envelope on standard input and checks it with\n"
	"no ledger at hand: every entry's leaf hash and inclusion proof, the\n"
	"mutations, the checkpoint's signature by VKEY and the consistency proof to\n"
	"it, the envelope's signature by --signer, and the root of a complete\n"
	"snapshot.  It prints {\"verified\":true,...} or {\"verified\":false}.\n"
	"\n"
	"  --sign KEYFILE     sign the bundle with this private key (mode 0600)\n"
	"  --key VKEY         verify: the checkpoint's verifier key (NAME+KEYID+KEY)\n"
	"  --signer VKEY      verify: the envelope must be signed by this key\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 written or verified, 1 not verified, 2 usage, 100 invalid snapshot\n"
	"or unusable key file, 111 system failure.\n";


static void parse_vkey(const char *opt, const char *s, struct sl_vkey *vk)
{
	struct sl_error err = { 0 };

	if (sl_vkey_parse(vk, s, strlen(s), &err) < 0)
		sl_die(SL_EXIT_USAGE, "%s: %s", opt, err.msg);
}

static int do_bundle(const char *keyfile)
{
	struct sl_error err = { 0 };
	struct sl_buf in = SL_BUF_INIT, bundle = SL_BUF_INIT, env = SL_BUF_INIT;
	struct sl_signer k;
	int64_t now;
	int e;

	if (keyfile)
		sl_load_signer(keyfile, &k);
	sl_read_all(STDIN_FILENO, "standard input", &in, SL_BUNDLE_MAX);
	if (sl_time_now(&now) < 0)
		sl_die(SL_EXIT_TEMP, "unable to read the clock");
	if ((e = sl_audit_bundle(in.buf, in.len, now, &bundle, &err)) < 0)
		sl_die_err(&err, e, "unable to read the snapshot 'standard input'");
	sl_buf_release(&in);
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

static int do_verify(const char *key, const char *signer)
{
	struct sl_error err = { 0 };
	struct sl_buf in = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_audit_result r;
	struct sl_vkey vk, sk;
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];
	int e;

	if (!key)
		sl_usage_die(usage);
	parse_vkey("--key", key, &vk);
	if (signer)
		parse_vkey("--signer", signer, &sk);
	sl_read_all(STDIN_FILENO, "standard input", &in, SL_BUNDLE_MAX);
	e = sl_audit_verify(in.buf, in.len, &vk, signer ? &sk : NULL, &r, &err);
	sl_buf_release(&in);
	/* A malformed bundle is as much a "no" as a proof that fails. */
	if (e == SL_EVERIFY || e == SL_EINVAL) {
		sl_outs("{\"verified\":false}\n");
		sl_out_flush();
		fprintf(stderr, "%s: bundle does not verify: %s\n", sl_progname,
			sl_error_format(&err, msg, sizeof(msg)));
		sl_out_close();
		return SL_EXIT_NO;
	}
	if (e < 0)
		sl_die_err(&err, e, "unable to verify the bundle");
	sl_buf_addf(&out, "{\"verified\":true,\"at\":\"%s\",\"size\":%llu,\"entries\":%llu,"
		    "\"mutations\":%llu,\"checkpoint_size\":%llu,\"complete\":%s,\"envelope\":\"%s\"}\n",
		    r.at, (unsigned long long)r.size, (unsigned long long)r.entries,
		    (unsigned long long)r.mutations, (unsigned long long)r.checkpoint_size,
		    r.complete ? "true" : "false",
		    r.signer_checked ? "verified" : r.enveloped ? "unchecked" : "none");
	if (sl_buf_ok(&out) < 0)
		sl_die(SL_EXIT_TEMP, "unable to write: out of memory");
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&out);
	return 0;
}

int main(int argc, char **argv)
{
	enum { O_SIGN = 256, O_KEY, O_SIGNER };
	static const struct option opts[] = {
		{ "sign", required_argument, NULL, O_SIGN },
		{ "key", required_argument, NULL, O_KEY },
		{ "signer", required_argument, NULL, O_SIGNER },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyfile = NULL, *key = NULL, *signer = NULL;
	int c, verify = 0;

	sl_cmd_start("sl-audit");
	if (argc > 1 && strcmp(argv[1], "verify") == 0) {
		verify = 1;
		argv++;
		argc--;
	}
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case O_SIGN: keyfile = optarg; break;
		case O_KEY: key = optarg; break;
		case O_SIGNER: signer = optarg; break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	if (optind != argc || (verify && keyfile) || (!verify && (key || signer)))
		sl_usage_die(usage);
	return verify ? do_verify(key, signer) : do_bundle(keyfile);
}
