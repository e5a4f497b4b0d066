// SPDX-License-Identifier: MIT
/* sl-capture-env: print an `environment` entry describing this host and process. */
#include "util.h"
#include "sl/capture-env.h"
#include "sl/capture.h"

static const char usage[] =
	"sl-capture-env [--var NAME|GLOB]... [--allow NAME|GLOB]... [--runtime PROGRAM]...\n"
	"       [--image NAME] [--digest sha256:HEX] [--source NAME]";
static const char help[] =
	"usage: sl-capture-env [--var NAME|GLOB]... [--allow NAME|GLOB]... [--runtime PROGRAM]...\n"
	"       [--image NAME] [--digest sha256:HEX] [--source NAME]\n"
	"\n"
	"Print one entry line {\"type\":\"environment\",\"source\":...,\"payload\":{...}}\n"
	"describing where this runs: os, kernel, arch, hostname, libc, the versions of\n"
	"the runtimes named, the container, tz, locale, umask, nproc, whether the clock\n"
	"is synchronised, SOURCE_DATE_EPOCH, the variables asked for, and the capture\n"
	"time.  Variables whose names look secret are recorded as \"<redacted:name>\";\n"
	"secrets in other values (URL credentials, JWTs, private keys, Password=\n"
	"pairs, known token formats) are replaced by \"<redacted:WHY>\".\n"
	"\n"
	"  --var NAME|GLOB     record the variables matching (repeatable)\n"
	"  --allow NAME|GLOB   record these as they are, even if they look secret\n"
	"  --runtime PROGRAM   record the first line of `PROGRAM --version` (repeatable)\n"
	"  --image NAME        the container image (NAME@sha256:HEX sets the digest too)\n"
	"  --digest sha256:HEX the container image's digest\n"
	"  --source NAME       the entry's source (default: env:HOSTNAME)\n"
	"  -h, --help          show this help\n"
	"  --version           show the version\n"
	"\n"
	"Exit: 0 printed (a runtime not installed is recorded as \"<not found>\"), 2 usage,\n"
	"100 invalid SOURCE_DATE_EPOCH or digest, or a runtime that is there but\n"
	"that cannot be run, 111 a runtime timed out or the system failed.\n";

struct list {
	const char **v;
	size_t n;
};

static void add(struct list *l, const char *s)
{
	const char **nv = realloc(l->v, (l->n + 1) * sizeof(*nv));

	if (!nv)
		sl_die(SL_EXIT_TEMP, "unable to parse the options: out of memory");
	nv[l->n++] = s;
	l->v = nv;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "var", required_argument, NULL, 'v' },
		{ "allow", required_argument, NULL, 'a' },
		{ "runtime", required_argument, NULL, 'r' },
		{ "image", required_argument, NULL, 'i' },
		{ "digest", required_argument, NULL, 'd' },
		{ "source", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sl_env_opts o = { 0 };
	struct list vars = { 0 }, allow = { 0 }, rt = { 0 };
	struct sl_error err = { 0 };
	struct sl_buf out = SL_BUF_INIT, source = SL_BUF_INIT;
	const char *src_opt = NULL;
	json_t *payload;
	int c, e;

	sl_cmd_start("sl-capture-env");
	while ((c = sl_getopt(argc, argv, "h", opts)) != -1) {
		switch (c) {
		case 'v': add(&vars, optarg); break;
		case 'a': add(&allow, optarg); break;
		case 'r':
			if (!*optarg)
				sl_usage_fail(usage, "'--runtime' needs a program name");
			add(&rt, optarg);
			break;
		case 'i': o.image = optarg; break;
		case 'd': o.digest = optarg; break;
		case 's': src_opt = sl_source_arg(optarg); break;
		case 'h': sl_help_exit(help);
		case 'V': sl_version_exit();
		default: sl_usage_die(usage);
		}
	}
	sl_no_operands(usage, argc, argv);
	o.vars = vars.v;
	o.nvars = vars.n;
	o.allow = allow.v;
	o.nallow = allow.n;
	o.runtimes = rt.v;
	o.nruntimes = rt.n;
	if ((e = sl_capture_env(&o, &payload, &err)) < 0)
		sl_die(sl_exit_code(e), "unable to capture the environment: %s",
		       err.msg[0] ? err.msg : sl_strerror(e));
	for (size_t i = 0; i < rt.n; i++) {
		const char *base = strrchr(rt.v[i], '/');
		json_t *v = json_object_get(json_object_get(payload, "runtimes"), base ? base + 1 : rt.v[i]);

		if (json_is_string(v) && !strcmp(json_string_value(v), SL_RUNTIME_NOT_FOUND))
			sl_warn("runtime '%s' is not installed: recorded as \"%s\"", rt.v[i],
				SL_RUNTIME_NOT_FOUND);
	}
	if (src_opt) {
		sl_buf_addstr(&source, src_opt);
	} else {
		sl_buf_addstr(&source, "env:");
		if (sl_capture_hostname(&source) < 0)
			sl_die(SL_EXIT_TEMP, "unable to capture the environment: out of memory");
		sl_capture_source_fit(&source, 4);
	}
	if (sl_buf_ok(&source))
		sl_die(SL_EXIT_TEMP, "unable to capture the environment: out of memory");
	if ((e = sl_capture_emit(&out, "environment", source.buf, payload, &err)) < 0)
		sl_die_err(&err, e, "unable to capture the environment");
	json_decref(payload);
	sl_out(out.buf, out.len);
	sl_out_close();
	sl_buf_release(&out);
	sl_buf_release(&source);
	free(vars.v);
	free(allow.v);
	free(rt.v);
	return SL_EXIT_OK;
}
