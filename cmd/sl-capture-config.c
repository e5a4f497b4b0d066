// SPDX-License-Identifier: MIT
/* sl-capture-config: print one `config` entry per configuration file. */
#include "util.h"
#include "sl/artifact.h"
#include "sl/capture-config.h"
#include "sl/capture.h"

static const char usage[] =
	"sl-capture-config [-L ADDRESS] [--store] [--store-private] [-r] [--host NAME] FILE|DIR...";
static const char help[] =
	"usage: sl-capture-config [-L ADDRESS] [--store] [--store-private] [-r] [--host NAME] FILE|DIR...\n"
	"\n"
	"Print one entry line {\"type\":\"config\",\"source\":\"config:HOST:PATH\",\"payload\":{...}}\n"
	"per file: its absolute path, the SHA-256 and size of its content, its mode, the\n"
	"host and the capture time.  Nothing is printed unless every file could be read.\n"
	"A file not readable by others, or holding a secret, gets an HMAC-SHA-256\n"
	"under the ledger's key keys/config-hmac.key (made at first use) instead of\n"
	"its SHA-256 and size, and \"private\":true: a guess at its content cannot be\n"
	"checked without the key.\n"
	"\n"
	"  -r, --recursive    capture every file below a directory (links to\n"
	"                     directories are not followed)\n"
	"  --store            also put each file's content in the ledger's artifact store\n"
	"                     (the payload then says \"stored\":true); not the files\n"
	"                     others cannot read\n"
	"  --store-private    --store, and store files others cannot read too\n"
	"  -L, --ledger ADDRESS\n"
	"                     the ledger for --store and the key (default: $SL_LEDGER,\n"
	"                     else ./.stateledger)\n"
	"  --host NAME        the host to record (default: this host's name)\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Exit: 0 printed, 2 usage, 100 a file is missing, unreadable, a directory without\n"
	"-r or not a regular file, or no ledger for --store or a private file's key;\n"
	"111 system failure.\n";

struct state {
	struct sl_config_opts o;
	int store;
	struct sl_buf out;
	char **seen;
	size_t nseen, aseen;
};

static int seen(struct state *st, const char *path)
{
	size_t i;

	for (i = 0; i < st->nseen; i++)
		if (!strcmp(st->seen[i], path))
			return 1;
	if (st->nseen == st->aseen) {
		size_t na = st->aseen ? 2 * st->aseen : 64;
		char **nv = realloc(st->seen, na * sizeof(*nv));
		if (!nv)
			sl_die(SL_EXIT_TEMP, "unable to capture '%s': out of memory", path);
		st->seen = nv;
		st->aseen = na;
	}
	if (!(st->seen[st->nseen] = strdup(path)))
		sl_die(SL_EXIT_TEMP, "unable to capture '%s': out of memory", path);
	st->nseen++;
	return 0;
}

static int one_file(void *ctx, const char *path)
{
	struct state *st = ctx;
	struct sl_buf source = SL_BUF_INIT;
	struct sl_error err = { 0 };
	json_t *payload;
	int e;

	if (seen(st, path))
		return 0; /* named twice, or a file inside a directory also named */
	if ((e = sl_capture_config(path, &st->o, &payload, &err)) < 0)
		sl_die(sl_exit_code(e), "%s", err.msg);
	if (st->store && !json_is_true(json_object_get(payload, "stored")))
		sl_warn("not storing '%s': others cannot read it, or it holds a secret "
			"(--store-private stores it)", path);
	sl_buf_addf(&source, "config:%s:", json_string_value(json_object_get(payload, "host")));
	{
		size_t keep = source.len;
		sl_capture_source_add(&source, path);
		sl_capture_source_fit(&source, keep);
	}
	if (sl_buf_ok(&source))
		sl_die(SL_EXIT_TEMP, "unable to capture '%s': out of memory", path);
	if ((e = sl_capture_emit(&st->out, "config", source.buf, payload, &err)) < 0) {
		char what[PATH_MAX + 64];
		snprintf(what, sizeof(what), "unable to capture '%s'", path);
		sl_die_err(&err, e, what);
	}
	json_decref(payload);
	sl_buf_release(&source);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ledger", required_argument, NULL, 'L' },
		{ "store", no_argument, NULL, 's' },
		{ "store-private", no_argument, NULL, 'P' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "host", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct state st = { 0 };
	struct sl_config_key key;
	struct sl_buf host = SL_BUF_INIT, abs = SL_BUF_INIT;
	const char *ldir = NULL;
	int c, store = 0, recursive = 0, i;

	sl_cmd_start("sl-capture-config");
	while ((c = sl_getopt(argc, argv, "L:rh", opts)) != -1) {
		switch (c) {
		case 'L': ldir = optarg; break;
		case 's': store = 1; break;
		case 'P': store = 1; st.o.store_private = 1; break;
		case 'r': recursive = 1; break;
		case 'H':
			sl_buf_reset(&host);
			sl_buf_addstr(&host, optarg);
			if (!sl_source_valid(optarg, strlen(optarg)) || strchr(optarg, ':') ||
			    strlen(optarg) > 128) {
				sl_usage_fail(usage, "'--host' wants 1 to 128 bytes without control "
					      "characters or ':'");
			}
			break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	if (optind >= argc)
		sl_usage_fail(usage, "a FILE or DIR is needed");
	if (!host.len && sl_capture_hostname(&host) < 0)
		sl_die(SL_EXIT_TEMP, "unable to read the host name: out of memory");
	if (sl_buf_ok(&host))
		sl_die(SL_EXIT_TEMP, "unable to read the host name: out of memory");
	st.o.host = host.buf;
	/* The key is loaded only when a file others cannot read is met. */
	sl_config_key_init(&key, sl_ledger_dir(ldir));
	st.o.key = &key;
	st.store = store;
	if (store) {
		struct sl_error err = { 0 };
		int e;

		st.o.ledger = sl_ledger_dir(ldir);
		if ((e = sl_artifact_store_check(st.o.ledger, &err)) < 0) {
			char what[PATH_MAX + 64];
			struct sl_buf shown = SL_BUF_INIT;
			snprintf(what, sizeof(what), "unable to open ledger '%s'",
				 sl_store_address_shown(st.o.ledger, &shown));
			sl_die(sl_exit_code(e), "%s: %s", what, err.msg);
		}
	}
	sl_buf_init(&st.out);
	for (i = optind; i < argc; i++) {
		struct sl_error err = { 0 };
		int e;

		sl_buf_reset(&abs);
		if (!*argv[i])
			sl_usage_fail(usage, "an empty FILE name");
		if ((e = sl_abs_path(&abs, argv[i])) < 0)
			sl_die(sl_exit_code(e), "unable to capture '%s': %s", argv[i],
			       e == SL_ENOMEM ? "out of memory" : strerror(errno));
		if ((e = sl_config_walk(abs.buf, recursive, one_file, &st, &err)) < 0)
			sl_die(sl_exit_code(e), "%s", err.msg);
	}
	/* Only now, with every file read: a run prints all of its entries or none. */
	sl_config_key_release(&key);
	sl_out(st.out.buf, st.out.len);
	sl_out_close();
	while (st.nseen)
		free(st.seen[--st.nseen]);
	free(st.seen);
	sl_buf_release(&st.out);
	sl_buf_release(&host);
	sl_buf_release(&abs);
	return SL_EXIT_OK;
}
