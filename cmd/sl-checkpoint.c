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
#include "sl/http-client.h"
#include "sl/witnessing.h"

static const char usage[] =
	"sl-checkpoint [sign] [-L ADDRESS] [-k KEYFILE ...] [--force] [--witness VKEY@URL ... [--quorum K]\n"
	"       [--witness-timeout SECONDS]] [-o json|text]\n"
	"       sl-checkpoint latest [-L ADDRESS] [-o json|text]\n"
	"       sl-checkpoint verify --key VKEY [--origin ORIGIN] [--witness VKEY ... [--quorum K]]\n"
	"       [-o json|text]";
static const char help[] =
	"usage: sl-checkpoint [sign] [-L ADDRESS] [-k KEYFILE ...] [--force] [--witness VKEY@URL ...\n"
	"                     [--quorum K] [--witness-timeout SECONDS]] [-o json|text]\n"
	"       sl-checkpoint latest [-L ADDRESS] [-o json|text]\n"
	"       sl-checkpoint verify --key VKEY [--origin ORIGIN]\n"
	"                     [--witness VKEY ... [--quorum K]] [-o json|text]\n"
	"\n"
	"Sign the ledger's current tree head as a C2SP checkpoint (a signed note)\n"
	"with the ledger's origin, keep it, and print it.  The head must be\n"
	"consistent with the last checkpoint signed.  Each key given signs it (the\n"
	"note carries all the signatures).  When the last checkpoint already\n"
	"covers the head (same size and root) and was signed by the same keys, it\n"
	"is printed again and nothing is signed, unless --force.  latest prints\n"
	"the published one: the last one, unless it awaits its witnesses\n"
	"(--latest is a deprecated alias).\n"
	"\n"
	"With --witness, the checkpoint is kept unpublished (/checkpoint, tiles,\n"
	"snapshots and latest keep to the one before it) and sent to each witness\n"
	"(C2SP tlog-witness, all at once) with a consistency proof from the size\n"
	"that witness last cosigned; once K of them (--quorum, default all)\n"
	"returned a valid cosignature, the note with the cosignatures is kept as\n"
	"the newest checkpoint, published and printed.  Short of the quorum\n"
	"nothing is printed, the checkpoint stays kept, unpublished and without\n"
	"cosignatures, and each failing witness is named with its reason; running\n"
	"again retries the witnesses.\n"
	"\n"
	"verify reads a checkpoint on standard input and checks its signature by\n"
	"the verifier key VKEY (NAME+KEYID+KEY, as sl-keygen prints it); it prints\n"
	"{\"verified\":true,\"origin\":...,\"size\":N,\"root\":HEX} or {\"verified\":false};\n"
	"with --witness, also that K of those witnesses cosigned it.\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  -k, --key-file F   a private key, ECDSA or Ed25519; repeatable (default:\n"
	"                     $SL_KEY, else DIR/keys/checkpoint.key and every\n"
	"                     DIR/keys/checkpoint-*.key)\n"
	"  --force            sign even when the last checkpoint covers the head\n"
	"  -o, --format F     json (default: the note itself, or verify's JSON) or\n"
	"                     text: origin, size, short root and each signature's key\n"
	"  --witness W        a witness: its cosignature key NAME+KEYID+KEY, and to\n"
	"                     sign, @URL (it takes URL/add-checkpoint); repeatable\n"
	"  --quorum K         how many witnesses must cosign (default: all given)\n"
	"  --witness-timeout S  how long to wait for the witnesses (default 10)\n"
	"  --key VKEY         verify: the verifier key\n"
	"  --origin ORIGIN    verify: the origin the checkpoint must carry\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Options go before or after the verb and its operands; -- ends them.\n"
	"\n"
	"Exit: 0 signed or verified, 1 not consistent with the last checkpoint, not\n"
	"verified, no checkpoint yet, or the witnesses refused the quorum, 2 usage,\n"
	"100 no ledger or unusable key file, 111 system failure, or too few witnesses\n"
	"answered (a retry may help).\n";



/* The witnesses of sl-checkpoint --witness. */
struct witnessing {
	struct sl_witness_peer *w;
	size_t n, quorum;
	long timeout_ms;
};

/*
 * Have the note (the ledger's newest checkpoint) cosigned by the
 * witnesses: the cosigned note replaces it in *note.  A note that already
 * carries the quorum is left as it is.
 */
static void witness(struct sl_ledger *l, struct sl_buf *note, const struct witnessing *wg, int again)
{
	struct sl_error err = { 0 };
	struct sl_http_client hc;
	struct sl_witness_outcome *o;
	struct sl_buf out = SL_BUF_INIT;
	struct sl_vkey *vks = calloc(wg->n, sizeof(*vks));
	size_t i, valid;
	int e;

	if (!vks)
		sl_die(SL_EXIT_TEMP, "out of memory");
	for (i = 0; i < wg->n; i++)
		vks[i] = wg->w[i].vk;
	e = sl_witness_quorum(note->buf, note->len, vks, wg->n, wg->quorum, &valid, NULL, NULL);
	free(vks);
	if (e == 0) {
		sl_note("the latest checkpoint already covers the head with %zu of the %zu witnesses' "
			"cosignatures: not signing or asking again (--force signs another)", valid, wg->n);
		return;
	}
	if (again)
		sl_note("the latest checkpoint already covers the head: not signing another, asking the "
			"witnesses to cosign it (--force signs another)");
	if (!(o = calloc(wg->n, sizeof(*o))))
		sl_die(SL_EXIT_TEMP, "out of memory");
	if ((e = sl_http_client_init(&hc, "sl-checkpoint/" SL_VERSION,
				     wg->timeout_ms < 5000 ? wg->timeout_ms : 5000, wg->timeout_ms,
				     &err)) < 0)
		sl_die_err(&err, e, "unable to reach the witnesses");
	e = sl_ledger_witness(l, note->buf, note->len, wg->w, wg->n, wg->quorum, &hc, o, &out, &err);
	sl_http_client_release(&hc);
	if (e == SL_EVERIFY || e == SL_EIO) {
		char id[SL_NOTE_NAME_MAX + 1 + 2 * SL_KEYID_LEN + 1];

		for (i = 0; i < wg->n; i++) {
			sl_witness_id(&wg->w[i].vk, id);
			if (!o[i].cosigned)
				sl_note("witness '%s' at '%s': %s", id,
					wg->w[i].url, o[i].why);
		}
		sl_die(e == SL_EIO ? SL_EXIT_TEMP : SL_EXIT_NO, "unable to have the checkpoint cosigned: "
		       "%s; the checkpoint is kept without cosignatures", err.msg);
	}
	if (e < 0)
		sl_die_err(&err, e, "unable to have the checkpoint cosigned");
	sl_buf_reset(note);
	sl_buf_add(note, out.buf, out.len);
	if (sl_buf_ok(note) < 0)
		sl_die(SL_EXIT_TEMP, "out of memory");
	sl_buf_release(&out);
	free(o);
}

static int do_sign(const char *ldir, const char *const *keyfiles, size_t nkeys, unsigned flags,
		   const struct witnessing *wg)
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
	/* With witnesses, the new checkpoint is kept but published only once they cosign it. */
	e = sl_ledger_checkpoint_keys(l, k, nkeys, flags | (wg->n ? SL_CHECKPOINT_PENDING : 0), &note,
				      &err);
	for (i = 0; i < nkeys; i++)
		sl_signer_wipe(&k[i]);
	free(k);
	if (e < 0) {
		/* As sl-append: closing discards what a failed commit left behind. */
		sl_ledger_close(l);
		sl_die_err(&err, e, "unable to sign a checkpoint");
	}
	if (e == 1 && !wg->n) {
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
	if (wg->n)
		witness(l, &note, wg, e == 1);
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
	int e = sl_ledger_published_checkpoint(l, &note, &err);

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

static int do_verify(const char *vkey, const char *origin, const struct sl_vkey *wit, size_t nwit,
		     size_t quorum)
{
	struct sl_error err = { 0 };
	struct sl_buf in = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_checkpoint c;
	struct sl_vkey vk;
	char hex[SL_HEX_LEN + 1], msg[SL_ERR_MSG + SL_ERR_MEMBER + 64];
	size_t valid = 0;
	int e;

	if (!vkey)
		sl_usage_fail(usage, "verify needs '--key'");
	sl_vkey_arg("--key", vkey, &vk);
	sl_read_all(STDIN_FILENO, "standard input", &in, SL_NOTE_MAX);
	e = sl_checkpoint_verify(in.buf, in.len, &vk, &c, &err);
	if (e == 0 && origin && strcmp(origin, c.origin) != 0)
		e = sl_error_set(&err, SL_EVERIFY, "origin is '%.300s', not '%.300s'", c.origin, origin);
	if (e == 0 && nwit)
		e = sl_witness_quorum(in.buf, in.len, wit, nwit, quorum, &valid, NULL, &err);
	/* A malformed note is as much a "no" as a bad signature. */
	if (e == SL_EVERIFY || e == SL_EINVAL) {
		sl_outs("{\"verified\":false}\n");
		sl_out_flush();
		sl_note("checkpoint does not verify: %s",
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
	sl_buf_addf(&out, ",\"size\":%llu,\"root\":\"%s\"", (unsigned long long)c.size, hex);
	if (nwit)
		sl_buf_addf(&out, ",\"witnesses\":{\"cosigned\":%zu,\"given\":%zu,\"quorum\":%zu}",
			    valid, nwit, quorum);
	sl_buf_addstr(&out, "}\n");
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
	struct sl_lines it;
	size_t tl;

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
	} else if (sl_checkpoint_parse(all.buf, all.len, &c, &tl, NULL) == 0) {
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
		/*
		 * Each signature line, after the blank one that ends the text:
		 * "— NAME BASE64(4-byte key id ‖ signature)".
		 */
		sl_lines_init(&it, all.buf + tl + 1, all.len - tl - 1);
		while (sl_lines_next(&it)) {
			const char *sp, *b64, *end = it.line + it.len;

			if (!(sp = memchr(it.line, ' ', it.len)) ||
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
	enum { O_LATEST = 256, O_KEY, O_ORIGIN, O_FORCE, O_WITNESS, O_QUORUM, O_WTIMEOUT };
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "key-file", required_argument, NULL, 'k' },
		{ "latest", no_argument, NULL, O_LATEST },
		{ "force", no_argument, NULL, O_FORCE },
		{ "format", required_argument, NULL, 'o' },
		{ "key", required_argument, NULL, O_KEY },
		{ "origin", required_argument, NULL, O_ORIGIN },
		{ "witness", required_argument, NULL, O_WITNESS },
		{ "quorum", required_argument, NULL, O_QUORUM },
		{ "witness-timeout", required_argument, NULL, O_WTIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const verbs[] = { "sign", "latest", "verify", NULL };
	const char *ldir = NULL, *vkey = NULL, *origin = NULL, *verb;
	const char **keyfiles = calloc((size_t)argc + 1, sizeof(*keyfiles));
	const char **wargs = calloc((size_t)argc + 1, sizeof(*wargs));
	const char *quorum_arg = NULL, *timeout_arg = NULL;
	struct witnessing wg = { NULL, 0, 0, 10000 };
	size_t nkeys = 0;
	struct sl_mode mode = { NULL, NULL };
	int c, r;
	unsigned flags = 0;

	sl_cmd_start("sl-checkpoint");
	if (!keyfiles || !wargs)
		sl_die(SL_EXIT_TEMP, "out of memory");
	/* One table for every verb: options may come before or after it. */
	while ((c = sl_getopt(argc, argv, "L:k:o:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'k': keyfiles[nkeys++] = optarg; break;
		case O_LATEST: sl_mode_flag(usage, &mode, "--latest", "latest"); break;
		case O_FORCE: flags |= SL_CHECKPOINT_FORCE; break;
		case O_WITNESS: wargs[wg.n++] = optarg; break;
		case O_QUORUM: quorum_arg = optarg; break;
		case O_WTIMEOUT: timeout_arg = optarg; break;
		case 'o': sl_format_opt(optarg, usage, text_line); break;
		case O_KEY: vkey = optarg; break;
		case O_ORIGIN: origin = optarg; break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	/* Modes are verbs: sign (the default), latest (--latest) and verify. */
	verb = sl_verb_arg(usage, argc, argv, "sign", verbs, &mode);
	sl_no_operands(usage, argc, argv);
	if (!strcmp(verb, "verify")) {
		struct sl_vkey *wk;

		sl_verb_refuse(usage, verb, "-L", ldir != NULL, "-k", nkeys > 0, "--force", flags != 0,
			       "--witness-timeout", timeout_arg != NULL, NULL);
		wk = sl_witness_key_args(wargs, wg.n, quorum_arg, &wg.quorum);
		r = do_verify(vkey, origin, wk, wg.n, wg.quorum);
		free(wk);
	} else if (!strcmp(verb, "latest")) {
		sl_verb_refuse(usage, verb, "-k", nkeys > 0, "--force", flags != 0, "--key", vkey != NULL,
			       "--origin", origin != NULL, "--witness", wg.n > 0, "--quorum",
			       quorum_arg != NULL, "--witness-timeout", timeout_arg != NULL, NULL);
		r = do_latest(ldir);
	} else {
		sl_verb_refuse(usage, verb, "--key", vkey != NULL, "--origin", origin != NULL, NULL);
		if (timeout_arg && !wg.n)
			sl_usage_die(usage);
		if (timeout_arg)
			wg.timeout_ms = (long)sl_parse_u64_arg(timeout_arg, "--witness-timeout", 1, 3600) * 1000;
		wg.w = sl_witness_args(wargs, wg.n, 1, quorum_arg, &wg.quorum);
		r = do_sign(ldir, keyfiles, nkeys, flags, &wg);
		free(wg.w);
	}
	free(keyfiles);
	free(wargs);
	return r;
}
