// SPDX-License-Identifier: MIT
/* sl-artifact: put, get, look for and verify content in the ledger's artifact store. */
#include "util.h"
#include "sl/artifact.h"

static const char usage[] =
	"sl-artifact [-L ADDRESS] put FILE|-...\n"
	"       sl-artifact [-L ADDRESS] get DIGEST\n"
	"       sl-artifact [-L ADDRESS] has DIGEST\n"
	"       sl-artifact [-L ADDRESS] verify";
static const char help[] =
	"usage: sl-artifact [-L ADDRESS] put FILE|-...\n"
	"       sl-artifact [-L ADDRESS] get DIGEST\n"
	"       sl-artifact [-L ADDRESS] has DIGEST\n"
	"       sl-artifact [-L ADDRESS] verify\n"
	"\n"
	"The ledger's content-addressed store, LEDGER/artifacts/sha256/xx/<64 hex>.\n"
	"\n"
	"  put FILE|-...  store each file (- is standard input) and print its SHA-256,\n"
	"                 one per line; content already stored is not stored again\n"
	"  get DIGEST     write the content to standard output after checking its digest\n"
	"                 (exit 1, writing nothing, when the stored bytes do not match)\n"
	"  has DIGEST     exit 0 when the content is stored, 1 when it is not\n"
	"  verify         check every stored artifact; print each fault and a summary\n"
	"                 {\"verified\":BOOL,\"count\":N,\"bad\":N}\n"
	"\n"
	"DIGEST is 64 hex digits, optionally prefixed with sha256:.\n"
	"\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger (default: $SL_LEDGER, else ./.stateledger)\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Options go before or after the verb and its operands; -- ends them.\n"
	"\n"
	"Exit: 0 done, 1 not stored or altered, 2 usage, 100 no ledger or a file that\n"
	"cannot be read, 111 system failure.\n";

static void store_check(const char *ledger)
{
	struct sl_error err = { 0 };
	struct sl_buf shown = SL_BUF_INIT;
	int e;

	if ((e = sl_artifact_store_check(ledger, &err)) < 0)
		sl_die(sl_exit_code(e), "unable to open ledger '%s': %s",
		       sl_store_address_shown(ledger, &shown), err.msg);
}

static void digest_arg(const char *s, unsigned char d[SL_HASH_LEN])
{
	if (sl_artifact_digest_parse(s, d) < 0)
		sl_usage_fail(usage, "'%.80s' is not a digest (64 hex digits, optionally after sha256:)", s);
}

static int cmd_put(const char *ledger, char **files, int n)
{
	struct sl_buf out = SL_BUF_INIT;
	int i;

	for (i = 0; i < n; i++) {
		unsigned char d[SL_HASH_LEN];
		char hex[SL_HEX_LEN + 1];
		struct sl_error err = { 0 };
		const char *name = strcmp(files[i], "-") ? files[i] : "standard input";
		int fd = strcmp(files[i], "-") ? open(files[i], O_RDONLY | O_CLOEXEC | O_NOCTTY) : 0;
		struct stat st;
		int e;

		if (fd < 0)
			sl_die(errno == ENOENT || errno == ENOTDIR ? SL_EXIT_DATA : sl_errno_exit(errno),
			       "unable to read '%s': %s", name, strerror(errno));
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
			sl_die(SL_EXIT_DATA, "unable to read '%s': is a directory", name);
		if ((e = sl_artifact_put_fd(ledger, fd, d, NULL, NULL, &err)) < 0) {
			char what[PATH_MAX + 64];
			snprintf(what, sizeof(what), "unable to store '%s'", name);
			sl_die_err(&err, e, what);
		}
		if (fd != 0)
			close(fd);
		sl_hex_encode(hex, d, SL_HASH_LEN);
		sl_buf_addf(&out, "%s\n", hex);
	}
	if (sl_buf_ok(&out))
		sl_die(SL_EXIT_TEMP, "unable to print the digests: out of memory");
	/* Printed once every file is stored: a digest on stdout is a promise. */
	sl_out(out.buf, out.len);
	sl_buf_release(&out);
	return SL_EXIT_OK;
}

static int write_out(void *ctx, const void *p, size_t n)
{
	(void)ctx;
	sl_out(p, n);
	return 0;
}

static int cmd_get(const char *ledger, const char *arg)
{
	unsigned char d[SL_HASH_LEN];
	struct sl_error err = { 0 };
	char what[128];
	int e;

	digest_arg(arg, d);
	if ((e = sl_artifact_get(ledger, d, write_out, NULL, &err)) < 0) {
		char hex[SL_HEX_LEN + 1];
		sl_hex_encode(hex, d, SL_HASH_LEN);
		snprintf(what, sizeof(what), "unable to get 'sha256:%s'", hex);
		sl_die(sl_exit_code(e), "%s: %s", what, err.msg);
	}
	return SL_EXIT_OK;
}

static int cmd_has(const char *ledger, const char *arg)
{
	unsigned char d[SL_HASH_LEN];
	struct sl_error err = { 0 };
	int e;

	digest_arg(arg, d);
	e = sl_artifact_has(ledger, d, &err);
	if (e == SL_ENOTFOUND)
		return SL_EXIT_NO;
	if (e < 0)
		sl_die(sl_exit_code(e), "unable to look for '%s': %s", arg, err.msg);
	return SL_EXIT_OK;
}

struct vctx {
	struct sl_buf line;
};

static int report(void *ctx, const char *name, int code, const char *msg)
{
	struct vctx *v = ctx;

	if (code == 0) {
		if (*msg)
			sl_warn("%s: %s", name, msg);
		return 0;
	}
	sl_buf_reset(&v->line);
	sl_buf_addstr(&v->line, "{\"artifact\":");
	sl_buf_add_jstr(&v->line, name);
	sl_buf_addstr(&v->line, ",\"error\":");
	sl_buf_add_jstr(&v->line, msg);
	sl_buf_addstr(&v->line, "}\n");
	if (sl_buf_ok(&v->line))
		return SL_ENOMEM;
	sl_out(v->line.buf, v->line.len);
	return 0;
}

static int cmd_verify(const char *ledger)
{
	struct vctx v = { SL_BUF_INIT };
	struct sl_error err = { 0 };
	uint64_t count = 0, bad = 0;
	int e;

	if ((e = sl_artifact_verify_all(ledger, report, &v, &count, &bad, &err)) < 0) {
		struct sl_buf shown = SL_BUF_INIT;
		sl_die(sl_exit_code(e), "unable to verify the artifacts of '%s': %s",
		       sl_store_address_shown(ledger, &shown), err.msg[0] ? err.msg : sl_strerror(e));
	}
	sl_buf_reset(&v.line);
	sl_buf_addf(&v.line, "{\"verified\":%s,\"count\":%llu,\"bad\":%llu}\n", bad ? "false" : "true",
		    (unsigned long long)count, (unsigned long long)bad);
	if (sl_buf_ok(&v.line))
		sl_die(SL_EXIT_TEMP, "unable to verify: out of memory");
	sl_out(v.line.buf, v.line.len);
	sl_buf_release(&v.line);
	return bad ? SL_EXIT_NO : SL_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const verbs[] = { "put", "get", "has", "verify", NULL };
	const char *ldir = NULL, *ledger, *verb;
	int c, rc, n;

	sl_cmd_start("sl-artifact");
	/* Options anywhere; `put -` reads standard input, `put -- -F` a file named -F. */
	while ((c = sl_getopt(argc, argv, "L:h", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	verb = sl_verb_arg(usage, argc, argv, NULL, verbs, NULL);
	n = argc - optind;
	if (n < 1 && strcmp(verb, "verify"))
		sl_usage_fail(usage, "%s needs %s", verb, strcmp(verb, "put") ? "a DIGEST" : "a FILE");
	if (strcmp(verb, "put") && n > (strcmp(verb, "verify") ? 1 : 0))
		sl_usage_fail(usage, "unexpected operand '%s'", argv[argc - 1]);
	ledger = sl_ledger_dir(ldir);
	store_check(ledger);
	if (!strcmp(verb, "put"))
		rc = cmd_put(ledger, argv + optind, n);
	else if (!strcmp(verb, "get"))
		rc = cmd_get(ledger, argv[optind]);
	else if (!strcmp(verb, "has"))
		rc = cmd_has(ledger, argv[optind]);
	else
		rc = cmd_verify(ledger);
	sl_out_close();
	return rc;
}
