// SPDX-License-Identifier: MIT
/* sl-checkpoint: sign the ledger's head as a C2SP checkpoint, show it, or verify one. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "util-text.h"
#include "sl/hash.h"
#include "sl/checkpoint.h"

static const char usage[] =
	"sl-checkpoint [-L DIR] [-k KEYFILE ...] [--force] [-o json|text] | [-L DIR] --latest [-o json|text]\n"
	"       sl-checkpoint [-o json|text] verify --key VKEY [--origin ORIGIN]";
static const char help[] =
	"usage: sl-checkpoint [-L DIR] [-k KEYFILE ...] [--force] [-o json|text]\n"
	"       sl-checkpoint [-L DIR] --latest [-o json|text]\n"
	"       sl-checkpoint [-o json|text] verify --key VKEY [--origin ORIGIN]\n"
	"\n"
	"Sign the ledger's current tree head as a C2SP checkpoint (a signed note)\n"
	"with the ledger's origin, keep it, and print it.  The head must be\n"
	"consistent with the last checkpoint signed.  Each key given signs it (the\n"
	"note carries all the signatures).  When the last checkpoint already\n"
	"covers the head (same size and root) and was signed by the same keys, it\n"
	"is printed again and nothing is signed, unless --force.  --latest prints\n"
	"the last one.\n"
	"\n"
	"verify reads a checkpoint on standard input and checks its signature by\n"
	"the verifier key VKEY (NAME+KEYID+KEY, as sl-keygen prints it); it prints\n"
	"{\"verified\":true,\"origin\":...,\"size\":N,\"root\":HEX} or {\"verified\":false}.\n"
	"\n"
	"  -L, --ledger DIR   the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  -k, --key-file F   a private key, ECDSA or Ed25519; repeatable (default:\n"
	"                     $SL_KEY, else DIR/keys/checkpoint.key and every\n"
	"                     DIR/keys/checkpoint-*.key)\n"
	"  --force            sign even when the last checkpoint covers the head\n"
	"  -o, --format F     json (default: the note itself, or verify's JSON) or\n"
	"                     text: origin, size, short root and each signature's key\n"
	"  --latest           print the last checkpoint kept\n"
	"  --key VKEY         verify: the verifier key\n"
	"  --origin ORIGIN    verify: the origin the checkpoint must carry\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 signed or verified, 1 not consistent with the last checkpoint, not\n"
	"verified, or no checkpoint yet, 2 usage, 100 no ledger or unusable key file,\n"
	"111 system failure.\n";



static int do_sign(const char *ldir, const char *const *keyfiles, size_t nkeys, unsigned flags)
{
	struct sl_error err = { 0 };
	struct sl_buf note = SL_BUF_INIT;
	struct sl_signer *k;
	struct sl_ledger *l;
	const char *env = getenv("SL_KEY");
	char **own = NULL;
	size_t i, nown = 0;
	int e;

	/* The ledger first: an address that is not one is refused before any path is built from it. */
	l = sl_open_ledger(ldir, 0);
	if (!nkeys && env && *env)
		keyfiles = &env, nkeys = 1;
	if (!nkeys) {
		sl_ledger_key_files(sl_ledger_dir(ldir), &own, &nown);
		keyfiles = (const char *const *)own, nkeys = nown;
	}
	if (!(k = calloc(nkeys, sizeof(*k))))
		sl_die(SL_EXIT_TEMP, "out of memory");
	for (i = 0; i < nkeys; i++)
		sl_load_signer(keyfiles[i], &k[i]);
	e = sl_ledger_checkpoint_keys(l, k, nkeys, flags, &note, &err);
	for (i = 0; i < nkeys; i++)
		sl_signer_wipe(&k[i]);
	free(k);
	if (e < 0) {
		/* As sl-append: closing discards what a failed commit left behind. */
		sl_ledger_close(l);
		sl_die_err(&err, e, "unable to sign a checkpoint");
	}
	if (e == 1) {
		struct sl_checkpoint c;
		size_t tl;

		if (sl_checkpoint_parse(note.buf, note.len, &c, &tl, NULL) == 0)
			sl_note("the latest checkpoint already covers the head (size %llu, the same "
				"root) with %s: not signing another (--force signs anyway)",
				(unsigned long long)c.size, sl_plural(nkeys, "this key", "these keys"));
		else
			sl_note("the latest checkpoint already covers the head with %s: not signing "
				"another (--force signs anyway)", sl_plural(nkeys, "this key", "these keys"));
	}
	sl_out(note.buf, note.len);
	sl_out_close();
	sl_ledger_close(l);
	sl_buf_release(&note);
	while (nown--)
		free(own[nown]);
	free(own);
	return 0;
}

static int do_latest(const char *ldir)
{
	struct sl_error err = { 0 };
	struct sl_buf note = SL_BUF_INIT;
	struct sl_ledger *l = sl_open_ledger(ldir, SL_LEDGER_RDONLY);
	int e = sl_ledger_last_checkpoint(l, &note, &err);

	if (e == SL_ENOTFOUND)
		sl_die(SL_EXIT_NO, "unable to show the latest checkpoint: none signed yet");
	if (e < 0)
		sl_die_err(&err, e, "unable to read the latest checkpoint");
	sl_out(note.buf, note.len);
	sl_out_close();
	sl_ledger_close(l);
	sl_buf_release(&note);
	return 0;
}

static int do_verify(const char *vkey, const char *origin)
{
	struct sl_error err = { 0 };
	struct sl_buf in = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_checkpoint c;
	struct sl_vkey vk;
	char hex[SL_HEX_LEN + 1], msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];
	int e;

	if (!vkey)
		sl_usage_die(usage);
	sl_vkey_arg("--key", vkey, &vk);
	sl_read_all(STDIN_FILENO, "standard input", &in, SL_NOTE_MAX);
	e = sl_checkpoint_verify(in.buf, in.len, &vk, &c, &err);
	if (e == 0 && origin && strcmp(origin, c.origin) != 0)
		e = sl_error_set(&err, SL_EVERIFY, "origin is '%.300s', not '%.300s'", c.origin, origin);
	/* A malformed note is as much a "no" as a bad signature. */
	if (e == SL_EVERIFY || e == SL_EINVAL) {
		sl_outs("{\"verified\":false}\n");
		sl_out_flush();
		fprintf(stderr, "%s: checkpoint does not verify: %s\n", sl_progname,
			sl_error_format(&err, msg, sizeof(msg)));
		sl_out_close();
		sl_buf_release(&in);
		return SL_EXIT_NO;
	}
	if (e < 0)
		sl_die_err(&err, e, "unable to verify the checkpoint");
	sl_hex_encode(hex, c.root, SL_HASH_LEN);
	sl_buf_addstr(&out, "{\"verified\":true,\"origin\":");
	sl_buf_add_jstr(&out, c.origin);
	sl_buf_addf(&out, ",\"size\":%llu,\"root\":\"%s\"}\n", (unsigned long long)c.size, hex);
	if (sl_buf_ok(&out) < 0)
		sl_die(SL_EXIT_TEMP, "out of memory");
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&in);
	sl_buf_release(&out);
	return 0;
}

/*
 * -o text: the whole output is gathered first; at its end it is shown as
 * "name  value" lines: a note's origin, size, root and signatures, or
 * verify's verdict.
 */
static void text_line(const char *line, size_t len)
{
	static struct sl_buf all = SL_BUF_INIT;
	struct sl_buf b = SL_BUF_INIT;
	struct sl_checkpoint c;
	char hex[SL_HEX_LEN + 1], h[13];
	const char *p, *end;

	if (line) {
		sl_buf_add(&all, line, len);
		sl_buf_addch(&all, '\n');
		if (sl_buf_ok(&all) < 0)
			sl_die(SL_EXIT_TEMP, "out of memory");
		return;
	}
	if (all.len && all.buf[0] == '{') {
		json_t *v = sl_text_json(all.buf, all.len);

		if (json_is_true(json_object_get(v, "verified")))
			sl_table_line(SL_C_GREEN, "verified: origin %s, size %s, root %s",
				      json_string_value(json_object_get(v, "origin")),
				      sl_text_value(json_object_get(v, "size"), &b),
				      sl_text_short(json_string_value(json_object_get(v, "root")), h));
		else
			sl_table_line(SL_C_RED, "NOT VERIFIED");
		json_decref(v);
	} else if (sl_checkpoint_parse(all.buf, all.len, &c, NULL, NULL) == 0) {
		sl_hex_encode(hex, c.root, SL_HASH_LEN);
		sl_table_row();
		sl_table_cell(SL_C_NONE, "origin");
		sl_table_cell(SL_C_BOLD, "%s", c.origin);
		sl_table_row();
		sl_table_cell(SL_C_NONE, "size");
		sl_table_cell(SL_C_NONE, "%llu", (unsigned long long)c.size);
		sl_table_row();
		sl_table_cell(SL_C_NONE, "root");
		sl_table_cell(SL_C_YELLOW, "%s", sl_text_short(hex, h));
		/* Each signature line: "— NAME BASE64(4-byte key id ‖ signature)". */
		for (p = strstr(all.buf, "\n\n"); p && *p; p = end) {
			const char *sp, *b64;

			p++;
			if (!(end = strchr(p, '\n')))
				break;
			if (!(sp = memchr(p, ' ', (size_t)(end - p))) ||
			    !(b64 = memchr(sp + 1, ' ', (size_t)(end - sp - 1))))
				continue;
			sl_buf_reset(&b);
			sl_table_row();
			sl_table_cell(SL_C_NONE, "signed by");
			if (sl_b64_decode(&b, b64 + 1, (size_t)(end - b64 - 1)) == 0 && b.len >= 4) {
				sl_hex_encode(hex, (const unsigned char *)b.buf, 4);
				sl_table_cell(SL_C_GREEN, "%.*s+%s", (int)(b64 - sp - 1), sp + 1, hex);
			} else {
				sl_table_cell(SL_C_GREEN, "%.*s", (int)(b64 - sp - 1), sp + 1);
			}
		}
	} else {
		sl_table_line(SL_C_NONE, "%s", all.buf); /* not a note: shown as it is, made visible */
	}
	sl_buf_release(&all);
	sl_buf_release(&b);
}

int main(int argc, char **argv)
{
	enum { O_LATEST = 256, O_KEY, O_ORIGIN, O_FORCE };
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "latest", no_argument, NULL, O_LATEST },
		{ "force", no_argument, NULL, O_FORCE },
		{ "format", required_argument, NULL, 'o' },
		{ "key", required_argument, NULL, O_KEY },
		{ "origin", required_argument, NULL, O_ORIGIN },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *ldir = NULL, *vkey = NULL, *origin = NULL;
	const char **keyfiles = calloc((size_t)argc + 1, sizeof(*keyfiles));
	size_t nkeys = 0;
	int c, latest = 0, verify = 0, r;
	unsigned flags = 0;

	sl_cmd_start("sl-checkpoint");
	if (!keyfiles)
		sl_die(SL_EXIT_TEMP, "out of memory");
	while ((c = sl_getopt(argc, argv, "+L:k:o:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'k': keyfiles[nkeys++] = optarg; break;
		case O_LATEST: latest = 1; break;
		case O_FORCE: flags |= SL_CHECKPOINT_FORCE; break;
		case 'o':
			if (sl_format_arg(optarg, usage) == SL_FORMAT_TEXT)
				sl_text_start(text_line);
			break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	if (optind < argc && strcmp(argv[optind], "verify") == 0) {
		verify = 1;
		/* The subcommand's own options. */
		argc -= optind;
		argv += optind;
		optind = 0; /* glibc: start afresh at argv[1] */
		while ((c = sl_getopt(argc, argv, "o:h", opts)) != -1) {
			switch (c) {
			case O_KEY: vkey = optarg; break;
			case O_ORIGIN: origin = optarg; break;
			case 'o':
				if (sl_format_arg(optarg, usage) == SL_FORMAT_TEXT)
					sl_text_start(text_line);
				break;
			case 'h': sl_help_exit(help);
			default: sl_usage_die(usage);
			}
		}
	}
	if (optind != argc)
		sl_usage_die(usage);
	if (verify) {
		if (ldir || nkeys || latest || flags)
			sl_usage_die(usage);
		r = do_verify(vkey, origin);
	} else if (latest) {
		if (nkeys || flags)
			sl_usage_die(usage);
		r = do_latest(ldir);
	} else {
		r = do_sign(ldir, keyfiles, nkeys, flags);
	}
	free(keyfiles);
	return r;
}
