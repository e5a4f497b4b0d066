// SPDX-License-Identifier: MIT
/* sl-verify: recompute and check everything the ledger stores. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "util-text.h"
#include "sl/checkpoint.h"

static const char usage[] = "sl-verify [-L ADDRESS] [-q] [--progress] [--key VKEY ...] [--since-checkpoint] [-o json|text]";
static const char help[] =
	"usage: sl-verify [-L ADDRESS] [-q] [--progress] [--key VKEY ...]\n"
	"                 [--since-checkpoint]\n"
	"\n"
	"Recompute every entry's leaf hash from its stored bytes, check the bytes\n"
	"against the stored seq, ts, type and source, recompute every stored tree\n"
	"node and the root, and compare them with what is stored; then check every\n"
	"stored checkpoint: its signature, its root at its size and its consistency\n"
	"with the one before.  Prints {\"verified\":true,\"size\":N,\"root\":HEX}\n"
	"(with \"checkpoints\":K and \"keys\", which checkpoints each key signed,\n"
	"when there are any) or, at the first difference,\n"
	"{\"verified\":false,\"seq\":N,\"error\":MESSAGE} (\"checkpoint\":ID for a\n"
	"checkpoint) and the message on stderr.\n"
	"Progress goes to stderr when it is a terminal (or with --progress).\n"
	"\n"
	"A checkpoint's signatures are checked against the keys stored beside it in\n"
	"the database, which say nothing about who signed it (\"trusted\":false).\n"
	"With --key, every checkpoint must also carry a signature by one of the keys\n"
	"given, or the ledger does not verify.\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  --key VKEY         a verifier key you trust (NAME+KEYID+KEY); repeatable\n"
	"  --since-checkpoint check only the newest checkpoint and the entries after\n"
	"                     it, taking those it covers on trust (\"from\":SIZE)\n"
	"  -q, --quiet        print nothing on stdout and no progress; the exit\n"
	"                     status says it all\n"
	"  --progress         show progress on stderr even when it is not a terminal\n"
	"  -o, --format F     json (default) or text: the verdict, size and short root,\n"
	"                     then a line per key with the checkpoints it signed\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 verified, 1 verification failed (tampering or damage), 2 usage,\n"
	"100 no ledger or unreadable database, 111 system failure.\n";

/* -o text: the verdict on one line, then one line per key. */
static void text_line(const char *line, size_t len)
{
	struct sl_buf b = SL_BUF_INIT, r = SL_BUF_INIT;
	json_t *v, *k, *c;
	char h[13];
	size_t i, j;

	if (!line)
		return;
	v = sl_text_json(line, len);
	if (!json_is_true(json_object_get(v, "verified"))) {
		if (json_object_get(v, "seq"))
			sl_buf_addf(&r, " at seq %s", sl_text_value(json_object_get(v, "seq"), &b));
		if (json_object_get(v, "checkpoint"))
			sl_buf_addf(&r, " at checkpoint %s",
				    sl_text_value(json_object_get(v, "checkpoint"), &b));
		sl_table_line(SL_C_RED, "NOT VERIFIED%s: %s", r.buf,
			      sl_text_value(json_object_get(v, "error"), &b));
		goto done;
	}
	if (json_object_get(v, "from"))
		sl_buf_addf(&r, ", entries from %s",
			    sl_text_value(json_object_get(v, "from"), &b));
	if (json_object_get(v, "checkpoints"))
		sl_buf_addf(&r, ", %s %s", sl_text_value(json_object_get(v, "checkpoints"), &b),
			    sl_plural((unsigned long long)json_integer_value(
					      json_object_get(v, "checkpoints")),
				      "checkpoint", "checkpoints"));
	sl_table_line(SL_C_GREEN, "verified: size %s, root %s%s",
		      sl_text_value(json_object_get(v, "size"), &b),
		      sl_text_short(json_string_value(json_object_get(v, "root")), h), r.buf);
	json_array_foreach(json_object_get(v, "keys"), i, k) {
		const char *vk = json_string_value(json_object_get(k, "vkey"));
		const char *plus = vk ? strchr(vk, '+') : NULL;
		const char *end = plus ? strchr(plus + 1, '+') : NULL;

		sl_buf_reset(&r);
		json_array_foreach(json_object_get(k, "checkpoints"), j, c)
			sl_buf_addf(&r, "%s%lld-%lld", j ? "," : "",
				    (long long)json_integer_value(json_array_get(c, 0)),
				    (long long)json_integer_value(json_array_get(c, 1)));
		sl_table_row();
		sl_table_cell(SL_C_NONE, "key");
		/* NAME+KEYID: the key itself is long and says nothing to a reader. */
		sl_table_cell(SL_C_NONE, "%.*s", end ? (int)(end - vk) : vk ? (int)strlen(vk) : 1,
			      vk ? vk : "-");
		if (json_is_true(json_object_get(k, "trusted")))
			sl_table_cell(SL_C_GREEN, "trusted");
		else
			sl_table_cell(SL_C_YELLOW, "not trusted");
		sl_table_cell(SL_C_NONE, "checkpoints %s", r.len ? r.buf : "none");
	}
done:
	json_decref(v);
	sl_buf_release(&b);
	sl_buf_release(&r);
}

/* The checkpoints one key signed, as ranges of ids. */
struct cover {
	const struct sl_vkey *trusted; /* one of --key, or NULL for a key found in the ledger */
	char *vkey;                    /* that key in signed-note form */
	uint64_t (*ranges)[2];
	size_t n, cap;
};

struct covers {
	struct cover *c;
	size_t n, cap;
	uint64_t size;                /* the last checkpoint seen: its size and root */
	unsigned char root[SL_HASH_LEN];
};

static struct cover *cover_add(struct covers *cs, const struct sl_vkey *trusted, const char *vkey)
{
	struct cover *c;

	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? 2 * cs->cap : 4;
		struct cover *p = realloc(cs->c, cap * sizeof(*p));
		if (!p)
			sl_die(SL_EXIT_TEMP, "out of memory");
		cs->c = p, cs->cap = cap;
	}
	c = &cs->c[cs->n++];
	memset(c, 0, sizeof(*c));
	c->trusted = trusted;
	if (!(c->vkey = strdup(vkey)))
		sl_die(SL_EXIT_TEMP, "out of memory");
	return c;
}

static int cover_id(struct cover *c, uint64_t id);

static int seen(void *ctx, const struct sl_checkpoint_seen *s)
{
	struct covers *cs = ctx;
	struct cover *c = NULL;
	const char *p, *nl;
	size_t i;

	cs->size = s->size;
	memcpy(cs->root, s->root, SL_HASH_LEN);
	if (s->trusted) {
		for (i = 0; i < cs->n && !c; i++)
			if (cs->c[i].trusted == s->trusted)
				c = &cs->c[i];
		/* Every key given has its cover from the start (main). */
		return c ? cover_id(c, s->id) : SL_EINVAL;
	}
	/* The keys stored beside it, one a line: each signed it. */
	for (p = s->vkey; *p; p = *nl ? nl + 1 : nl) {
		char *k;
		int e;
		nl = strchrnul(p, '\n');
		if (!(k = strndup(p, (size_t)(nl - p))))
			return SL_ENOMEM;
		for (c = NULL, i = 0; i < cs->n && !c; i++)
			if (!cs->c[i].trusted && strcmp(cs->c[i].vkey, k) == 0)
				c = &cs->c[i];
		if (!c)
			c = cover_add(cs, NULL, k);
		free(k);
		if ((e = cover_id(c, s->id)) < 0)
			return e;
	}
	return 0;
}

/* Add checkpoint id to the ranges of c. */
static int cover_id(struct cover *c, uint64_t id)
{
	if (c->n && c->ranges[c->n - 1][1] + 1 == id) {
		c->ranges[c->n - 1][1] = id;
		return 0;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 4;
		uint64_t(*p)[2] = realloc(c->ranges, cap * sizeof(*p));
		if (!p)
			return SL_ENOMEM;
		c->ranges = p, c->cap = cap;
	}
	c->ranges[c->n][0] = c->ranges[c->n][1] = id;
	c->n++;
	return 0;
}

/* ,"keys":[{"vkey":..,"trusted":BOOL,"checkpoints":[[FIRST,LAST],...]},...] */
static void keys_out(struct sl_buf *out, const struct covers *cs)
{
	size_t i, k;

	sl_buf_addstr(out, ",\"keys\":[");
	for (i = 0; i < cs->n; i++) {
		const struct cover *c = &cs->c[i];
		sl_buf_addstr(out, i ? ",{\"vkey\":" : "{\"vkey\":");
		sl_buf_add_jstr(out, c->vkey);
		sl_buf_addf(out, ",\"trusted\":%s,\"checkpoints\":[", c->trusted ? "true" : "false");
		for (k = 0; k < c->n; k++)
			sl_buf_addf(out, "%s[%llu,%llu]", k ? "," : "", (unsigned long long)c->ranges[k][0],
				    (unsigned long long)c->ranges[k][1]);
		sl_buf_addstr(out, "]}");
	}
	sl_buf_addch(out, ']');
}

static void covers_release(struct covers *cs)
{
	while (cs->n--) {
		free(cs->c[cs->n].vkey);
		free(cs->c[cs->n].ranges);
	}
	free(cs->c);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'o' },
		{ "key", required_argument, NULL, 'K' },
		{ "since-checkpoint", no_argument, NULL, 'S' },
		SL_PROGRESS_OPTION,
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT;
	struct sl_ledger *l;
	struct sl_head h;
	struct sl_vkey *keys = NULL;
	struct covers cs = { 0 };
	size_t nkeys = 0, i;
	const char *ldir = NULL;
	uint64_t bad, ncp = 0, bad_cp = UINT64_MAX;
	int c, e, quiet = 0, since = 0, progress = 0;

	sl_cmd_start("sl-verify");
	while ((c = sl_getopt(argc, argv, "L:qo:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'q': quiet = 1; sl_progress_mode(SL_PROGRESS_QUIET); break;
		case SL_OPT_PROGRESS: progress = 1; break;
		case 'o': sl_format_opt(optarg, usage, text_line); break;
		case 'S': since = 1; break;
		case 'K':
			if (!(keys = realloc(keys, (nkeys + 1) * sizeof(*keys))))
				sl_die(SL_EXIT_TEMP, "out of memory");
			sl_vkey_arg("--key", optarg, &keys[nkeys++]);
			break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	sl_no_operands(usage, argc, argv);
	if (progress && !quiet)
		sl_progress_mode(SL_PROGRESS_FORCE);
	/* The keys given come first in the report, each once, in the order given. */
	for (i = 0; i < nkeys; i++) {
		struct sl_buf f = SL_BUF_INIT;
		size_t k;
		if (sl_vkey_format(&f, &keys[i]) < 0)
			sl_die(SL_EXIT_TEMP, "out of memory");
		for (k = 0; k < cs.n && strcmp(cs.c[k].vkey, f.buf) != 0; k++)
			;
		if (k == cs.n)
			cover_add(&cs, &keys[i], f.buf);
		sl_buf_release(&f);
	}
	l = sl_open_ledger(ldir, SL_LEDGER_RDONLY);
	bad = UINT64_MAX;
	if (since) {
		/*
		 * The newest checkpoint first: its signed (size, root) is what the
		 * entries after it must extend; those before it are taken on trust.
		 */
		e = sl_ledger_verify_checkpoints_by(l, keys, nkeys, 1, seen, &cs, &ncp, &bad_cp, &err);
		sl_progress_start("entry", "entries", "verified", SL_PROGRESS_UNKNOWN);
		if (e == 0)
			e = sl_ledger_verify_from(l, ncp ? cs.size : 0, cs.root, sl_progress_fn_meter,
						  NULL, &h, &bad, &err);
	} else {
		/* The entries, the tree, and the indexes derived from them, in one pass. */
		sl_progress_start("entry", "entries", "verified", SL_PROGRESS_UNKNOWN);
		e = sl_ledger_verify(l, sl_progress_fn_meter, NULL, &h, &bad, &err);
		/* The checkpoints are checked against the nodes just verified. */
		if (e == 0)
			e = sl_ledger_verify_checkpoints_by(l, keys, nkeys, 0, seen, &cs, &ncp, &bad_cp,
							    &err);
	}
	if (e == 0)
		sl_progress_finish(h.size - (since && ncp ? cs.size : 0), NULL);
	else
		sl_progress_clear();
	/* A store that finds its own data damaged is what sl-verify is here to find: a "no". */
	if (e == SL_ECORRUPT)
		e = SL_EVERIFY;
	if (e == SL_EVERIFY) {
		if (!quiet) {
			sl_buf_addstr(&out, "{\"verified\":false,");
			if (bad != UINT64_MAX)
				sl_buf_addf(&out, "\"seq\":%llu,", (unsigned long long)bad);
			if (bad_cp != UINT64_MAX)
				sl_buf_addf(&out, "\"checkpoint\":%llu,", (unsigned long long)bad_cp);
			sl_buf_addstr(&out, "\"error\":");
			sl_buf_add_jstr(&out, err.msg);
			sl_buf_addstr(&out, "}\n");
			sl_out(out.buf, out.len);
		}
		sl_out_flush();
		sl_note("%s", err.msg);
		sl_out_close();
		sl_buf_release(&out);
		covers_release(&cs);
		free(keys);
		sl_ledger_close(l);
		return SL_EXIT_NO;
	}
	if (e < 0)
		sl_die_err(&err, e, "unable to verify the ledger");
	if (!quiet) {
		char hex[SL_HEX_LEN + 1];
		sl_hex_encode(hex, h.root, SL_HASH_LEN);
		sl_buf_addf(&out, "{\"verified\":true,\"size\":%llu,\"root\":\"%s\"",
			    (unsigned long long)h.size, hex);
		if (since)
			sl_buf_addf(&out, ",\"from\":%llu", (unsigned long long)(ncp ? cs.size : 0));
		if (ncp || nkeys) {
			sl_buf_addf(&out, ",\"checkpoints\":%llu", (unsigned long long)ncp);
			keys_out(&out, &cs);
		}
		sl_buf_addstr(&out, "}\n");
		if (sl_buf_ok(&out))
			sl_die(SL_EXIT_TEMP, "out of memory");
		sl_out(out.buf, out.len);
	}
	sl_out_close();
	sl_buf_release(&out);
	covers_release(&cs);
	free(keys);
	sl_ledger_close(l);
	return 0;
}
