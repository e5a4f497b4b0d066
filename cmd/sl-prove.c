// SPDX-License-Identifier: MIT
/* sl-prove: print inclusion and consistency proofs, and check them offline. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>


#include "util.h"
#include "sl/http-client.h"
#include "sl/checkpoint.h"
#include "sl/proof.h"
#include "sl/tiles.h"

static const char usage[] =
	"sl-prove [-L ADDRESS | --tiles DIR|URL [--key VKEY]] [inclusion] --seq N [--size M]\n"
	"       sl-prove [-L ADDRESS | --tiles DIR|URL [--key VKEY]] [consistency] --old-size M [--size N]\n"
	"       sl-prove [-L ADDRESS | --tiles DIR|URL [--key VKEY]] head [--size M]\n"
	"       sl-prove check --root HEX [--seq N] [--size M] [--leaf-hash HEX | --entry FILE]\n"
	"       sl-prove check --old-root HEX --root HEX [--old-size M] [--size N]";
static const char help[] =
	"usage: sl-prove [-L ADDRESS] [inclusion] --seq N [--size M]\n"
	"       sl-prove [-L ADDRESS] [consistency] --old-size M [--size N]\n"
	"       sl-prove [-L ADDRESS] head [--size M]\n"
	"       sl-prove --tiles DIR|URL [--key VKEY] (--seq N | --old-size M | head) [--size M]\n"
	"       sl-prove check --root HEX [--seq N] [--size M]\n"
	"                [--leaf-hash HEX | --entry FILE]\n"
	"       sl-prove check --old-root HEX --root HEX [--old-size M] [--size N]\n"
	"\n"
	"Print, as one JSON line, the inclusion proof of entry N in the tree of M\n"
	"entries (default: the whole log), the consistency proof from the tree of M\n"
	"entries to the tree of N (default: the whole log), or the root of the tree\n"
	"of M entries (head).  --size is always the size of the newer tree.\n"
	"\n"
	"With --tiles, compute them from C2SP tlog-tiles in DIR alone (as sl-tiles\n"
	"export writes them), or fetched from URL (http:// or https://, as sl-httpd\n"
	"serves them), with no ledger: the size defaults to DIR/checkpoint's,\n"
	"and at that size the root from the tiles must be the checkpoint's (else\n"
	"exit 1); with --key, the checkpoint's signature by VKEY must hold too.\n"
	"\n"
	"check reads a proof from standard input and verifies it with no ledger:\n"
	"an inclusion proof against --root, with the leaf hash from --leaf-hash, from\n"
	"the canonical entry in FILE (--entry, as sl-get prints it), or else from the\n"
	"proof itself; a consistency proof from --old-root to --root.  It prints\n"
	"what held: the seq and size (or from and to) the proof is for, the leaf\n"
	"hash proven and the trusted roots.  A proof's numbers are bound to a root\n"
	"only when its size is known: pin it with --size, and --seq, --old-size.\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  --seq N            the entry to prove\n"
	"  --size M           the tree size (default: the current size); with check,\n"
	"                     the trusted size of --root: a proof for another size\n"
	"                     does not verify\n"
	"  --old-size M       the older size of a consistency proof (0 < M <= size);\n"
	"                     with check, the trusted size of --old-root\n"
	"  --tiles DIR|URL    read tiles from DIR, or fetch them from URL, instead of a ledger\n"
	"  --key VKEY         with --tiles: the verifier key DIR/checkpoint must be signed by\n"
	"  --root HEX         check: the trusted root (of --size)\n"
	"  --old-root HEX     check: the trusted root of --old-size (consistency)\n"
	"  --leaf-hash HEX    check: the leaf hash to prove (inclusion)\n"
	"  --entry FILE       check: compute the leaf hash from this canonical entry;\n"
	"                     the proof must be for the seq it records\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Deprecated aliases: --head for head, --check for check, --from M for\n"
	"--old-size M, --to N for --size N.\n"
	"\n"
	"Options go before or after the verb and its operands; -- ends them.\n"
	"\n"
	"Exit: 0 printed or verified, 1 not verified or sizes outside the tree,\n"
	"2 usage, 100 malformed proof or no ledger, 111 system failure.\n";

static void hex_arg(const char *s, const char *opt, unsigned char out[SL_HASH_LEN])
{
	if (sl_hex_decode(out, SL_HASH_LEN, s, strlen(s)) < 0) {
		sl_note("usage: %s wants 64 hex digits, not '%.80s'", opt, s);
		exit(SL_EXIT_USAGE);
	}
}


/* What the caller of --check trusts or expects; a proof must agree with each value given. */
struct want {
	unsigned char root[SL_HASH_LEN], old_root[SL_HASH_LEN], leaf[SL_HASH_LEN];
	int have_root, have_old, have_leaf, have_seq, have_size, have_from;
	uint64_t seq, size, from;
	const char *entry_file;
};

/* The leaf hash of the canonical entry in `file`, and the seq it records. */
static void entry_leaf(const char *file, unsigned char leaf[SL_HASH_LEN], uint64_t *seq)
{
	struct sl_error err = { 0 };
	struct sl_buf ent = SL_BUF_INIT;
	int e, fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		sl_die(SL_EXIT_DATA, "unable to open '%s': %s", file, strerror(errno));
	sl_read_all(fd, file, &ent, SL_ENTRY_MAX + 2);
	close(fd);
	/* sl-get ends the entry with a newline that is not part of it. */
	if (ent.len && ent.buf[ent.len - 1] == '\n')
		sl_buf_setlen(&ent, ent.len - 1);
	if ((e = sl_entry_seq(ent.buf, ent.len, seq, &err)) < 0)
		sl_die_err(&err, e, "unable to read the entry");
	sl_leaf_hash(leaf, ent.buf, ent.len);
	sl_buf_release(&ent);
}

/* A number the check bound, or null. */
static void num(struct sl_buf *out, int bound, uint64_t v)
{
	if (bound)
		sl_buf_addf(out, "%llu", (unsigned long long)v);
	else
		sl_buf_addstr(out, "null");
}

static int check(struct want *w)
{
	struct sl_error err = { 0 };
	struct sl_buf in = SL_BUF_INIT, out = SL_BUF_INIT, note = SL_BUF_INIT;
	struct sl_proof p;
	char msg[SL_ERR_MSG + SL_ERR_MEMBER + 64], h1[SL_HEX_LEN + 1], h2[SL_HEX_LEN + 1];
	const char *kind;
	uint64_t entry_seq = 0;
	int e;

	if (!w->have_root)
		sl_usage_fail(usage, "check needs '--root'");
	sl_read_all(STDIN_FILENO, "standard input", &in, 1 << 20);
	if ((e = sl_proof_parse(in.buf, in.len, &p, &err)) < 0)
		sl_die_err(&err, e, "unable to read the proof");
	kind = p.kind == SL_PROOF_INCLUSION ? "inclusion" : "consistency";
	if (p.kind == SL_PROOF_CONSISTENCY) {
		if (!w->have_old)
			sl_die(SL_EXIT_USAGE, "unable to check a consistency proof: --old-root is required");
		if (w->have_leaf || w->entry_file || w->have_seq)
			sl_die(SL_EXIT_USAGE, "unable to check a consistency proof: --leaf-hash, --entry "
			       "and --seq are for inclusion proofs");
	} else if (w->have_old || w->have_from) {
		sl_die(SL_EXIT_USAGE, "unable to check an inclusion proof: --old-root and --old-size are "
		       "for consistency proofs");
	}
	if (w->entry_file) {
		entry_leaf(w->entry_file, w->leaf, &entry_seq);
		w->have_leaf = 1;
	}
	/*
	 * What the caller names is what must be proven, whatever the proof
	 * claims: the leaf, the entry's own seq, and any pinned seq or size.
	 */
#define U(x) ((unsigned long long)(x))
	if (w->entry_file && entry_seq != p.a)
		e = sl_error_set(&err, SL_EVERIFY, "proof is for seq %llu, but the entry records seq %llu",
				 U(p.a), U(entry_seq));
	else if (w->have_seq && w->seq != p.a)
		e = sl_error_set(&err, SL_EVERIFY, "proof is for seq %llu, not %llu", U(p.a), U(w->seq));
	else if (w->have_from && w->from != p.a)
		e = sl_error_set(&err, SL_EVERIFY, "proof is from a tree of %llu %s, not %llu",
				 U(p.a), sl_plural(p.a, "entry", "entries"), U(w->from));
	else if (w->have_size && w->size != p.b)
		e = sl_error_set(&err, SL_EVERIFY, "proof is for a tree of %llu %s, not %llu",
				 U(p.b), sl_plural(p.b, "entry", "entries"), U(w->size));
	else
#undef U
		e = sl_proof_verify(&p, w->have_leaf ? w->leaf : p.h1, w->old_root, w->root, &err);
	if (e == SL_EVERIFY) {
		sl_outs("{\"verified\":false}\n");
		sl_out_flush();
		sl_note("%s proof does not verify: %s", kind,
			sl_error_format(&err, msg, sizeof(msg)));
		sl_out_close();
		sl_buf_release(&in);
		return SL_EXIT_NO;
	}
	if (e < 0)
		sl_die_err(&err, e, "unable to check the proof");
	/*
	 * Say what was proved: the leaf and the roots the caller trusted, and a
	 * number only where it is bound.  A proof's seq and size are bound to a
	 * root only by the size that root belongs to (a proof of leaf 4 of 5,
	 * relabelled "2 of 3", hashes to the same root; a consistency proof
	 * from 4 to 8 relabels as 2 to 4), so without that pin they are null.
	 */
	sl_hex_encode(h2, w->root, SL_HASH_LEN);
	if (p.kind == SL_PROOF_INCLUSION) {
		sl_hex_encode(h1, w->have_leaf ? w->leaf : p.h1, SL_HASH_LEN);
		sl_buf_addf(&out, "{\"verified\":true,\"type\":\"%s\",\"seq\":", kind);
		num(&out, w->have_size, p.a);
		sl_buf_addstr(&out, ",\"size\":");
		num(&out, w->have_size, p.b);
		sl_buf_addf(&out, ",\"leaf_hash\":\"%s\",\"root\":\"%s\"}\n", h1, h2);
		if (!w->have_size)
			sl_buf_addf(&note, "the proof's seq %llu and size %llu are its own claims; --size "
				    "(the size of the tree whose root you trust) binds them",
				    (unsigned long long)p.a, (unsigned long long)p.b);
	} else {
		sl_hex_encode(h1, w->old_root, SL_HASH_LEN);
		sl_buf_addf(&out, "{\"verified\":true,\"type\":\"%s\",\"from\":", kind);
		num(&out, w->have_from, p.a);
		sl_buf_addstr(&out, ",\"to\":");
		num(&out, w->have_size, p.b);
		sl_buf_addf(&out, ",\"from_root\":\"%s\",\"to_root\":\"%s\"}\n", h1, h2);
		if (!w->have_from || !w->have_size)
			sl_buf_addf(&note, "the proof's sizes %llu and %llu are its own claims; --old-size "
				    "and --size (the sizes of the trees whose roots you trust) bind them",
				    (unsigned long long)p.a, (unsigned long long)p.b);
	}
	if (sl_buf_ok(&out) || sl_buf_ok(&note))
		sl_die(SL_EXIT_TEMP, "out of memory");
	sl_out(out.buf, out.len);
	sl_out_close();
	if (note.len)
		sl_note("note: %s", note.buf);
	sl_buf_release(&in);
	sl_buf_release(&out);
	sl_buf_release(&note);
	return 0;
}

/*
 * --tiles URL: tiles fetched over HTTP with the one client (lib/sl/http-client.h),
 * one connection kept alive for all of them.  A 404 is a tile that is not there.
 */
struct http_src {
	struct sl_http_client c;
	const char *base;
};

static int http_get(void *ctx, const char *path, size_t max, struct sl_buf *out,
		    struct sl_error *err)
{
	struct http_src *h = ctx;
	struct sl_http_req r = { 0 };
	struct sl_buf url = SL_BUF_INIT;
	int e;

	sl_buf_addf(&url, "%s%s%s", h->base, h->base[strlen(h->base) - 1] == '/' ? "" : "/", path);
	if ((e = sl_buf_ok(&url)) < 0)
		return e;
	r.url = url.buf;
	/* A body longer than max is cut there: the caller asked for one byte more than it takes. */
	r.max = max;
	r.resp = *out;
	e = sl_http_client_run(&h->c, &r, 1, err);
	*out = r.resp;
	if (e < 0)
		;
	else if (r.e == SL_ENOMEM)
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
	else if (r.e == SL_EINVAL)
		e = 0; /* cut at max: the caller sees the length */
	else if (r.e < 0)
		e = sl_error_set(err, SL_EIO, "unable to fetch '%s': %s", url.buf, r.msg);
	else if (r.status == 404 || r.status == 410)
		e = sl_error_set(err, SL_ENOTFOUND, "unable to fetch '%s': %ld", url.buf, r.status);
	else if (r.status != 200)
		e = sl_error_set(err, SL_EIO, "unable to fetch '%s': the server answered %ld",
				 url.buf, r.status);
	sl_buf_release(&url);
	return e;
}

static int is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/*
 * --tiles: the proof (kind -1: the root) from the tiles in dir (or at a
 * URL), for a tree of b entries (UINT64_MAX: the checkpoint's size, whose
 * root it must give).
 */
static int from_tiles(const char *dir, const char *vkey, int kind, uint64_t a, uint64_t b)
{
	struct sl_error err = { 0 };
	struct sl_buf note = SL_BUF_INIT, out = SL_BUF_INIT;
	struct sl_tiles_source src;
	struct http_src hs = { 0 };
	struct sl_checkpoint cp;
	struct sl_proof p;
	int e;

	sl_tiles_dir_source(&src, dir);
	if (is_url(dir)) {
		if ((e = sl_http_client_init(&hs.c, "sl-prove/" SL_VERSION, 10000, 60000, &err)) < 0)
			sl_die_err(&err, e, "unable to fetch tiles");
		hs.base = dir;
		src.get = http_get;
		src.ctx = &hs;
	}
	if ((e = sl_tiles_checkpoint_from(&src, &note, &cp, &err)) < 0)
		sl_die_err(&err, e == SL_EINVAL ? SL_ECORRUPT : e, "unable to read the tiles' checkpoint");
	if (vkey) {
		struct sl_vkey vk;
		if (sl_vkey_parse(&vk, vkey, strlen(vkey), &err) < 0)
			sl_die(SL_EXIT_USAGE, "unable to use --key '%.80s': %s", vkey, err.msg);
		if ((e = sl_checkpoint_verify(note.buf, note.len, &vk, &cp, &err)) < 0) {
			if (e == SL_EVERIFY)
				sl_die(SL_EXIT_NO, "the tiles' checkpoint is not signed by the key: %s",
				       err.msg);
			sl_die_err(&err, e, "unable to verify the tiles' checkpoint");
		}
	}
	if (b == UINT64_MAX)
		b = cp.size;
	if (b > cp.size)
		sl_die(SL_EXIT_NO, "unable to prove: the tiles' checkpoint is of %llu %s, not %llu",
		       (unsigned long long)cp.size, sl_plural(cp.size, "entry", "entries"),
		       (unsigned long long)b);
	if (kind < 0)
		e = sl_tiles_root_from(&src, b, p.h2, &err);
	else
		e = sl_tiles_proof_from(&src, (enum sl_proof_kind)kind, a, b, &p, &err);
	if (e == SL_ERANGE)
		sl_die(SL_EXIT_NO, "unable to prove: %s", err.msg);
	if (e == SL_ENOTFOUND)
		sl_die(SL_EXIT_DATA, "unable to prove from the tiles: %s (a partial tile exists only for "
		       "a checkpointed size)", err.msg);
	if (e < 0)
		sl_die_err(&err, e, "unable to prove from the tiles");
	/* At the signed size the tiles must give the signed root: else they are not that log's. */
	if (b == cp.size && memcmp(p.h2, cp.root, SL_HASH_LEN) != 0)
		sl_die(SL_EXIT_NO, "the tiles in '%s' do not give the root of their checkpoint", dir);
	if (kind < 0) {
		char hex[SL_HEX_LEN + 1];
		sl_hex_encode(hex, p.h2, SL_HASH_LEN);
		sl_buf_addf(&out, "{\"size\":%llu,\"root\":\"%s\"}", (unsigned long long)b, hex);
	} else if ((e = sl_proof_write(&out, &p)) < 0) {
		sl_die(SL_EXIT_TEMP, "out of memory");
	}
	sl_buf_addch(&out, '\n');
	if (sl_buf_ok(&out))
		sl_die(SL_EXIT_TEMP, "out of memory");
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&out);
	sl_buf_release(&note);
	sl_http_client_release(&hs.c);
	return 0;
}

/*
 * --size N (or its alias --to N), --old-size M (or --from M): the value
 * into *v, the spelling used into *given.  The same size given twice,
 * under either spelling, with two values is a usage error.
 */
static void size_arg(const char *opt, uint64_t min, uint64_t *v, const char **given)
{
	uint64_t n = sl_parse_u64_arg(optarg, opt, min, INT64_MAX);

	if (*given && n != *v)
		sl_usage_fail(usage, "'%s' and '%s' give two values", *given, opt);
	*v = n, *given = opt;
}

int main(int argc, char **argv)
{
	enum { O_SEQ = 256, O_SIZE, O_OLD_SIZE, O_FROM, O_TO, O_HEAD, O_CHECK, O_ROOT, O_OLD, O_LEAF,
	       O_ENTRY, O_TILES, O_KEY };
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "seq", required_argument, NULL, O_SEQ },
		{ "size", required_argument, NULL, O_SIZE },
		{ "old-size", required_argument, NULL, O_OLD_SIZE },
		/* Deprecated aliases of --old-size and --size: times are --from and --to elsewhere. */
		{ "from", required_argument, NULL, O_FROM },
		{ "to", required_argument, NULL, O_TO },
		{ "head", no_argument, NULL, O_HEAD },
		{ "check", no_argument, NULL, O_CHECK },
		{ "root", required_argument, NULL, O_ROOT },
		{ "old-root", required_argument, NULL, O_OLD },
		{ "leaf-hash", required_argument, NULL, O_LEAF },
		{ "entry", required_argument, NULL, O_ENTRY },
		{ "tiles", required_argument, NULL, O_TILES },
		{ "key", required_argument, NULL, O_KEY },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT;
	struct sl_ledger *l;
	struct sl_head h;
	struct sl_proof p;
	struct want w = { .entry_file = NULL };
	unsigned char root[SL_HASH_LEN];
	const char *ldir = NULL, *tiles = NULL, *vkey = NULL;
	static const char *const verbs[] = { "inclusion", "consistency", "head", "check", NULL };
	uint64_t seq = 0, size = 0, from = 0;
	int c, e, have_seq = 0, have_size, have_from, head, chk;
	const char *size_opt = NULL, *from_opt = NULL, *verb;
	struct sl_mode mode = { NULL, NULL };

	sl_cmd_start("sl-prove");
	while ((c = sl_getopt(argc, argv, "L:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case O_SEQ: seq = sl_parse_u64_arg(optarg, "--seq", 0, INT64_MAX); have_seq = 1; break;
		case O_SIZE: size_arg("--size", 0, &size, &size_opt); break;
		case O_TO: size_arg("--to", 1, &size, &size_opt); break;
		case O_OLD_SIZE: size_arg("--old-size", 1, &from, &from_opt); break;
		case O_FROM: size_arg("--from", 1, &from, &from_opt); break;
		case O_HEAD: sl_mode_flag(usage, &mode, "--head", "head"); break;
		case O_CHECK: sl_mode_flag(usage, &mode, "--check", "check"); break;
		case O_ROOT: hex_arg(optarg, "--root", w.root); w.have_root = 1; break;
		case O_OLD: hex_arg(optarg, "--old-root", w.old_root); w.have_old = 1; break;
		case O_LEAF: hex_arg(optarg, "--leaf-hash", w.leaf); w.have_leaf = 1; break;
		case O_ENTRY: w.entry_file = optarg; break;
		case O_TILES: tiles = optarg; break;
		case O_KEY: vkey = optarg; break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	have_size = size_opt != NULL, have_from = from_opt != NULL;
	/* Modes are verbs: head (--head) and check (--check); else --seq or --old-size says. */
	verb = sl_verb_arg(usage, argc, argv, "", verbs, &mode);
	sl_no_operands(usage, argc, argv);
	head = !strcmp(verb, "head"), chk = !strcmp(verb, "check");
	if (chk) {
		/* Here --seq, --size and --old-size pin what the proof must be about. */
		sl_verb_refuse(usage, verb, "-L", ldir != NULL, "--tiles", tiles != NULL, "--key", vkey != NULL,
			       "--entry", w.have_leaf && w.entry_file, NULL);
		w.have_seq = have_seq, w.seq = seq;
		w.have_size = have_size, w.size = size;
		w.have_from = have_from, w.from = from;
		return check(&w);
	}
	sl_verb_refuse(usage, "a proof from the ledger", "--root", w.have_root, "--old-root", w.have_old,
		       "--leaf-hash", w.have_leaf, "--entry", w.entry_file != NULL, NULL);
	if (head)
		sl_verb_refuse(usage, verb, "--seq", have_seq, from_opt, have_from, NULL);
	else if (have_seq && have_from)
		sl_usage_fail(usage, "'--seq' does not go with '%s'", from_opt);
	else if (!have_seq && !have_from)
		sl_usage_fail(usage, "%s", !strcmp(verb, "inclusion") ? "inclusion needs '--seq'" :
			      !strcmp(verb, "consistency") ? "consistency needs '--old-size'" :
			      "say what to prove: '--seq', '--old-size' or 'head'");
	if (!strcmp(verb, "inclusion"))
		sl_verb_refuse(usage, verb, from_opt, have_from, NULL);
	if (!strcmp(verb, "consistency"))
		sl_verb_refuse(usage, verb, "--seq", have_seq, NULL);
	if (have_from && have_size && from > size)
		sl_usage_fail(usage, "'%s' is larger than '%s'", from_opt, size_opt);
	if (tiles && ldir)
		sl_usage_fail(usage, "'--tiles' does not go with '-L'");
	if (vkey && !tiles)
		sl_usage_fail(usage, "'--key' needs '--tiles'");
	if (tiles)
		return from_tiles(tiles, vkey, have_seq ? SL_PROOF_INCLUSION : head ? -1 : SL_PROOF_CONSISTENCY,
				  have_seq ? seq : from, have_size ? size : UINT64_MAX);
	l = sl_open_ledger(ldir, SL_LEDGER_RDONLY);
	if ((e = sl_ledger_head(l, &h, &err)) < 0)
		sl_die_err(&err, e, "unable to read the head");
	if (!have_size)
		size = h.size;
	memset(&p, 0, sizeof(p));
	if (head) {
		char hex[SL_HEX_LEN + 1];
		if ((e = sl_ledger_root(l, size, root, &err)) < 0)
			sl_die_err(&err, e, "unable to compute the root");
		sl_hex_encode(hex, root, SL_HASH_LEN);
		sl_buf_addf(&out, "{\"size\":%llu,\"root\":\"%s\"}", (unsigned long long)size, hex);
	} else if (have_seq) {
		if ((e = sl_ledger_proof(l, SL_PROOF_INCLUSION, seq, size, &p, &err)) < 0)
			sl_die_err(&err, e, "unable to prove inclusion");
		e = sl_proof_write(&out, &p);
	} else {
		if ((e = sl_ledger_proof(l, SL_PROOF_CONSISTENCY, from, size, &p, &err)) < 0)
			sl_die_err(&err, e, "unable to prove consistency");
		e = sl_proof_write(&out, &p);
	}
	sl_buf_addch(&out, '\n');
	if (sl_buf_ok(&out))
		sl_die(SL_EXIT_TEMP, "out of memory");
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&out);
	sl_ledger_close(l);
	return 0;
}
