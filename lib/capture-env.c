// SPDX-License-Identifier: MIT
/*
 * The environment payload.  Each member comes from the cheapest reliable
 * source: uname(2), gethostname(2), gnu_get_libc_version(3), adjtimex(2),
 * sched_getaffinity(2) and a handful of small files, so that a capture
 * takes a few milliseconds unless runtimes are asked for (those run in
 * parallel, each with a timeout).
 */
#include <ctype.h>
#include <fnmatch.h>
#include <locale.h>
#include <sched.h>
#include <sys/timex.h>
#include <sys/utsname.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

#include "sl/capture-env.h"
#include "sl/capture-run.h"
#include "sl/capture.h"
#include "sl/hash.h"
#include "sl/json.h"
#include "sl/linereader.h"
#include "sl/secret.h"

extern char **environ;

#define FILE_MAX 65536
#define RUNTIME_LINE_MAX 256

/* Read a small file (at most FILE_MAX bytes) under root into out; -1 if it cannot be read. */
static int read_small(const char *root, const char *path, struct sl_buf *out)
{
	struct sl_buf p = SL_BUF_INIT;
	char buf[4096];
	ssize_t n;
	int fd;

	sl_buf_reset(out);
	sl_buf_addf(&p, "%s%s", root ? root : "", path);
	fd = sl_buf_ok(&p) ? -1 : open(p.buf, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	sl_buf_release(&p);
	if (fd < 0)
		return -1;
	while (out->len < FILE_MAX && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		sl_buf_add(out, buf, (size_t)n);
	}
	close(fd);
	return sl_buf_ok(out) ? -1 : 0;
}

static int exists(const char *root, const char *path)
{
	struct sl_buf p = SL_BUF_INIT;
	struct stat st;
	int r;

	sl_buf_addf(&p, "%s%s", root ? root : "", path);
	r = !sl_buf_ok(&p) && lstat(p.buf, &st) == 0;
	sl_buf_release(&p);
	return r;
}

void sl_first_line(struct sl_buf *out, const char *s, size_t len, size_t max)
{
	const char *start = s + len, *end = start;
	struct sl_lines it;

	/* The first line that is not blank, without the white space around it. */
	sl_lines_init(&it, s, len);
	while (sl_lines_next(&it)) {
		start = it.line;
		end = it.line + it.len;
		while (start < end && (*start == ' ' || *start == '\t' || *start == '\r'))
			start++;
		while (end > start && isspace((unsigned char)end[-1]))
			end--;
		if (end > start)
			break;
	}
	if ((size_t)(end - start) > max) {
		end = start + max;
		/* Do not cut a UTF-8 sequence in two. */
		while (end > start && ((unsigned char)*end & 0xc0) == 0x80)
			end--;
	}
	sl_buf_add(out, start, (size_t)(end - start));
}

/* Unquote an os-release value (s, n bytes) into out. */
static void osr_value(struct sl_buf *out, const char *s, size_t n)
{
	size_t i;
	char q = 0;

	if (n && (s[0] == '"' || s[0] == '\'')) {
		q = s[0];
		s++;
		n--;
		if (n && s[n - 1] == q)
			n--;
	}
	for (i = 0; i < n; i++) {
		if (q == '"' && s[i] == '\\' && i + 1 < n)
			i++;
		sl_buf_addch(out, s[i]);
	}
}

/* Find KEY=VALUE in os-release text; 1 with the value in out. */
static int osr_get(const char *text, size_t len, const char *key, struct sl_buf *out)
{
	size_t klen = strlen(key);
	struct sl_lines it;

	sl_lines_init(&it, text, len);
	while (sl_lines_next(&it)) {
		const char *line = it.line;
		size_t n = it.len;

		while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		if (n > klen && !memcmp(line, key, klen) && line[klen] == '=') {
			sl_buf_reset(out);
			osr_value(out, line + klen + 1, n - klen - 1);
			if (out->len)
				return 1;
		}
	}
	return 0;
}

int sl_os_release_name(const char *text, size_t len, struct sl_buf *out)
{
	struct sl_buf a = SL_BUF_INIT, b = SL_BUF_INIT;
	int e = SL_ENOTFOUND;

	if (osr_get(text, len, "PRETTY_NAME", &a)) {
		sl_buf_add(out, a.buf, a.len);
		e = 0;
	} else if (osr_get(text, len, "NAME", &a)) {
		sl_buf_add(out, a.buf, a.len);
		if (osr_get(text, len, "VERSION_ID", &b))
			sl_buf_addf(out, " %s", b.buf);
		e = 0;
	} else if (osr_get(text, len, "ID", &a)) {
		sl_buf_add(out, a.buf, a.len);
		e = 0;
	}
	sl_buf_release(&a);
	sl_buf_release(&b);
	if (e == 0 && sl_buf_ok(out))
		e = SL_ENOMEM;
	return e;
}

int sl_sde_parse(const char *s, int64_t *out, struct sl_error *err)
{
	const int64_t max = 253402300799LL;
	int64_t v = 0;
	const char *p;

	if (!*s)
		return sl_error_set(err, SL_EINVAL, "SOURCE_DATE_EPOCH is empty");
	if (*s == '-' && s[1] >= '0' && s[1] <= '9' && strspn(s + 1, "0123456789") == strlen(s + 1))
		return sl_error_set(err, SL_EINVAL, "SOURCE_DATE_EPOCH '%.32s' is negative "
				    "(a time before 1970 is not accepted)", s);
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v > max)
			break;
		v = v * 10 + (*p - '0');
	}
	if (*p && !(*p >= '0' && *p <= '9'))
		return sl_error_set(err, SL_EINVAL, "SOURCE_DATE_EPOCH '%.32s' is not a whole number "
				    "of seconds as 'date +%%s' prints it", s);
	if (s[0] == '0' && s[1])
		return sl_error_set(err, SL_EINVAL, "SOURCE_DATE_EPOCH '%.32s' has leading zeros "
				    "('date +%%s' prints none)", s);
	if (*p || v > max)
		return sl_error_set(err, SL_EINVAL, "SOURCE_DATE_EPOCH '%.32s' is out of range "
				    "(at most 253402300799, 9999-12-31T23:59:59Z)", s);
	*out = v;
	return 0;
}

const char *sl_container_from_cgroup(const char *text)
{
	static const struct {
		const char *needle, *name;
	} tab[] = {
		{ "kubepods", "kubernetes" }, { "docker", "docker" },   { "libpod", "podman" },
		{ "containerd", "containerd" }, { "/lxc/", "lxc" },     { "lxc.payload", "lxc" },
		{ NULL, NULL },
	};
	size_t i;

	for (i = 0; tab[i].needle; i++)
		if (strstr(text, tab[i].needle))
			return tab[i].name;
	return NULL;
}

/* Add key: string built from s (len bytes, lossy UTF-8). */
static int set_str(json_t *obj, const char *key, const char *s, size_t len)
{
	json_t *v = sl_json_string_clean(s, len);

	if (!v || json_object_set_new(obj, key, v) != 0)
		return SL_ENOMEM;
	return 0;
}

static int set_cstr(json_t *obj, const char *key, const char *s)
{
	return set_str(obj, key, s, strlen(s));
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static int runtimes(const struct sl_env_opts *o, json_t *payload, struct sl_error *err)
{
	struct sl_job *jobs;
	const char *(*argv)[3];
	json_t *rt;
	size_t i;
	int e = 0;

	if (!o->nruntimes)
		return 0;
	jobs = calloc(o->nruntimes, sizeof(*jobs));
	argv = calloc(o->nruntimes, sizeof(*argv));
	rt = json_object();
	if (!jobs || !argv || !rt) {
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < o->nruntimes; i++) {
		sl_job_init(&jobs[i]);
		argv[i][0] = o->runtimes[i];
		argv[i][1] = "--version";
		argv[i][2] = NULL;
		jobs[i].argv = argv[i];
		jobs[i].timeout_ms = o->runtime_timeout_ms > 0 ? o->runtime_timeout_ms : 2000;
		jobs[i].out_max = FILE_MAX;
		jobs[i].merge_stderr = 1; /* some print their version on standard error */
	}
	if ((e = sl_run_jobs(jobs, o->nruntimes, err)) < 0)
		goto out;
	for (i = 0; i < o->nruntimes && !e; i++) {
		struct sl_job *j = &jobs[i];
		struct sl_buf line = SL_BUF_INIT;
		char how[160];

		/*
		 * Not installed on this host: that is a fact about the host, not
		 * a failure, and a manifest shared by many hosts must not stop on
		 * it.  It is recorded as such (rules see it: it has no version).
		 */
		if (j->end == SL_JOB_NOSTART && (j->status == ENOENT || j->status == ENOTDIR)) {
			if (set_str(rt, base_name(o->runtimes[i]), SL_RUNTIME_NOT_FOUND,
				    strlen(SL_RUNTIME_NOT_FOUND)) < 0)
				e = sl_error_set(err, SL_ENOMEM, "out of memory");
			continue;
		}
		if (j->end == SL_JOB_TIMEOUT || j->end == SL_JOB_SIGNALLED) {
			e = sl_error_set(err, SL_EIO, "unable to run '%s --version': %s", o->runtimes[i],
					 sl_job_describe(j, how, sizeof(how)));
			break;
		}
		if (!sl_job_ok(j) && j->end != SL_JOB_TOO_MUCH) {
			e = sl_error_set(err, SL_EINVAL, "unable to run '%s --version': %s",
					 o->runtimes[i], sl_job_describe(j, how, sizeof(how)));
			break;
		}
		sl_first_line(&line, j->out.buf, j->out.len, RUNTIME_LINE_MAX);
		if (!line.len)
			e = sl_error_set(err, SL_EINVAL, "unable to read the version of '%s': "
					 "'%s --version' printed nothing", o->runtimes[i], o->runtimes[i]);
		else if (set_str(rt, base_name(o->runtimes[i]), line.buf, line.len) < 0)
			e = sl_error_set(err, SL_ENOMEM, "out of memory");
		sl_buf_release(&line);
	}
	if (!e && json_object_set(payload, "runtimes", rt) != 0)
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
out:
	for (i = 0; jobs && i < o->nruntimes; i++)
		sl_job_release(&jobs[i]);
	free(jobs);
	free(argv);
	json_decref(rt);
	return e;
}

/* Value of KEY="..." in /run/.containerenv text. */
static int containerenv_get(const char *text, size_t len, const char *key, struct sl_buf *out)
{
	return osr_get(text, len, key, out);
}

static int container(const struct sl_env_opts *o, json_t *payload, struct sl_error *err)
{
	struct sl_buf txt = SL_BUF_INIT, image = SL_BUF_INIT, digest = SL_BUF_INIT;
	const char *runtime = NULL;
	json_t *c = NULL;
	int e = 0;

	if (exists(o->root, "/.dockerenv")) {
		runtime = "docker";
	} else if (exists(o->root, "/run/.containerenv")) {
		runtime = "podman";
		if (read_small(o->root, "/run/.containerenv", &txt) == 0) {
			struct sl_buf v = SL_BUF_INIT;
			if (containerenv_get(txt.buf, txt.len, "engine", &v) && !strncmp(v.buf, "podman", 6))
				runtime = "podman";
			if (containerenv_get(txt.buf, txt.len, "image", &v))
				sl_buf_add(&image, v.buf, v.len);
			sl_buf_release(&v);
		}
	} else if (read_small(o->root, "/run/systemd/container", &txt) == 0) {
		static char name[64];
		struct sl_buf v = SL_BUF_INIT;
		sl_first_line(&v, txt.buf, txt.len, sizeof(name) - 1);
		if (v.len && !sl_buf_ok(&v)) {
			snprintf(name, sizeof(name), "%s", v.buf);
			runtime = name;
		}
		sl_buf_release(&v);
	} else if (read_small(o->root, "/proc/1/cgroup", &txt) == 0 &&
		   (runtime = sl_container_from_cgroup(txt.buf)) != NULL) {
		;
	} else if (!o->root && getenv("KUBERNETES_SERVICE_HOST")) {
		runtime = "kubernetes";
	}
	if (o->image && *o->image) {
		const char *at = strstr(o->image, "@sha256:");
		sl_buf_reset(&image);
		if (at) {
			sl_buf_add(&image, o->image, (size_t)(at - o->image));
			sl_buf_addstr(&digest, at + 1);
		} else {
			sl_buf_addstr(&image, o->image);
		}
	}
	if (o->digest && *o->digest) {
		sl_buf_reset(&digest);
		sl_buf_addstr(&digest, o->digest);
	}
	if (!runtime && !image.len && !digest.len)
		goto out;
	if (digest.len) {
		size_t i;
		for (i = 0; i < digest.len; i++)
			digest.buf[i] = (char)tolower((unsigned char)digest.buf[i]);
		if (digest.len != 71 || strncmp(digest.buf, "sha256:", 7) ||
		    !sl_is_lowerhex(digest.buf + 7, 64, 32)) {
			e = sl_error_set(err, SL_EINVAL, "unable to use the image digest '%.80s': "
					 "not sha256:<64 hex digits>", digest.buf);
			goto out;
		}
	}
	if (!(c = json_object())) {
		e = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	/* An image is recorded only when something told us which: never a guess. */
	if (image.len) {
		/* Recorded text: a registry's user:password or token in it is redacted. */
		struct sl_buf red = SL_BUF_INIT;

		e = sl_secret_redact(&red, image.buf, image.len, 0, NULL) < 0 ? SL_ENOMEM
									 : set_str(c, "image", red.buf, red.len);
		sl_buf_release(&red);
	}
	if (!e && digest.len)
		e = set_str(c, "digest", digest.buf, digest.len);
	if (!e && runtime)
		e = set_cstr(c, "runtime", runtime);
	if (!e && json_object_set(payload, "container", c) != 0)
		e = SL_ENOMEM;
	if (e)
		sl_error_set(err, e, "out of memory");
out:
	json_decref(c);
	sl_buf_release(&txt);
	sl_buf_release(&image);
	sl_buf_release(&digest);
	return e;
}

static int timezone_name(const struct sl_env_opts *o, struct sl_buf *out)
{
	const char *tz = o->root ? NULL : getenv("TZ");
	struct sl_buf txt = SL_BUF_INIT, p = SL_BUF_INIT;
	char link[PATH_MAX];
	ssize_t n;

	if (tz && *tz) {
		sl_buf_addstr(out, tz[0] == ':' ? tz + 1 : tz);
		return 0;
	}
	if (read_small(o->root, "/etc/timezone", &txt) == 0) {
		sl_first_line(out, txt.buf, txt.len, 128);
		sl_buf_release(&txt);
		if (out->len)
			return 0;
	}
	sl_buf_release(&txt);
	sl_buf_addf(&p, "%s/etc/localtime", o->root ? o->root : "");
	n = sl_buf_ok(&p) ? -1 : readlink(p.buf, link, sizeof(link) - 1);
	sl_buf_release(&p);
	if (n > 0) {
		const char *z;
		link[n] = '\0';
		z = strstr(link, "zoneinfo/");
		sl_buf_addstr(out, z ? z + 9 : link);
		return 0;
	}
	return -1;
}

static void locale_name(struct sl_buf *out)
{
	const char *cur = setlocale(LC_ALL, NULL), *got;
	char *saved = cur ? strdup(cur) : NULL;

	got = setlocale(LC_ALL, "");
	if (got) {
		sl_buf_addstr(out, got);
	} else {
		/* Asked for one that is not installed: programs run in "C". */
		const char *want = getenv("LC_ALL");
		if (!want || !*want)
			want = getenv("LC_CTYPE");
		if (!want || !*want)
			want = getenv("LANG");
		sl_buf_addf(out, "C (%s is not installed)", want && *want ? want : "the locale asked for");
	}
	setlocale(LC_ALL, saved ? saved : "C");
	free(saved);
}

static long cpu_count(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && (n = CPU_COUNT(&set)) > 0)
		return n;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? n : 1;
}

static const char *time_source(void)
{
	struct timex tx;
	const char *pre = getenv("LD_PRELOAD");
	int st;

	/* libfaketime: the clock the programs see is not the kernel's. */
	if (getenv("FAKETIME") && pre && strstr(pre, "faketime"))
		return "fixed";
	memset(&tx, 0, sizeof(tx));
	st = adjtimex(&tx);
	if (st < 0)
		return NULL;
	if (st == TIME_ERROR || (tx.status & STA_UNSYNC))
		return "unsynced";
	return "ntp-synced";
}

static int matches_any(const char *name, const char *const *pats, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fnmatch(pats[i], name, 0) == 0)
			return 1;
	return 0;
}

static int variables(const struct sl_env_opts *o, json_t *payload, struct sl_error *err)
{
	struct sl_buf name = SL_BUF_INIT, val = SL_BUF_INIT;
	json_t *vars;
	char **ep;
	int e = 0;

	if (!o->nvars)
		return 0;
	if (!(vars = json_object()))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	for (ep = environ; ep && *ep && !e; ep++) {
		const char *eq = strchr(*ep, '=');
		json_t *v;

		if (!eq || eq == *ep)
			continue;
		sl_buf_reset(&name);
		sl_buf_add(&name, *ep, (size_t)(eq - *ep));
		if (sl_buf_ok(&name)) {
			e = SL_ENOMEM;
			break;
		}
		if (!matches_any(name.buf, o->vars, o->nvars))
			continue;
		sl_buf_reset(&val);
		if (matches_any(name.buf, o->allow, o->nallow))
			sl_buf_addstr(&val, eq + 1);
		else if (sl_secret_var(&val, name.buf, eq + 1, strlen(eq + 1)) < 0)
			sl_buf_grow(&val, (size_t)-1); /* already out of memory: keep it so */
		if (sl_buf_ok(&val)) {
			e = SL_ENOMEM;
			break;
		}
		v = sl_json_string_lossy(val.buf, val.len);
		if (!v) {
			e = SL_ENOMEM;
			break;
		}
		/* A name that is not UTF-8 cannot be a JSON key: record it lossily too. */
		if (!sl_utf8_valid(name.buf, name.len)) {
			json_t *k = sl_json_string_lossy(name.buf, name.len);
			if (!k || json_object_set_new(vars, json_string_value(k), v) != 0)
				e = SL_ENOMEM;
			json_decref(k);
		} else if (json_object_set_new(vars, name.buf, v) != 0) {
			e = SL_ENOMEM;
		}
	}
	if (!e && json_object_set(payload, "variables", vars) != 0)
		e = SL_ENOMEM;
	if (e)
		sl_error_set(err, e, "out of memory");
	json_decref(vars);
	sl_buf_release(&name);
	sl_buf_release(&val);
	return e;
}

int sl_capture_env(const struct sl_env_opts *o, json_t **payload, struct sl_error *err)
{
	struct sl_buf b = SL_BUF_INIT, txt = SL_BUF_INIT;
	struct utsname u;
	char ts[SL_TS_LEN + 1], um[8];
	const char *sde, *src;
	json_t *p;
	mode_t m;
	int e = 0;

	*payload = NULL;
	if (!(p = json_object()))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	if (uname(&u) != 0) {
		e = sl_error_set(err, sl_errno_code(errno),
				 "unable to call uname: %s", strerror(errno));
		goto out;
	}
	/* os */
	if ((read_small(o->root, "/etc/os-release", &txt) == 0 ||
	     read_small(o->root, "/usr/lib/os-release", &txt) == 0) &&
	    sl_os_release_name(txt.buf, txt.len, &b) == 0)
		;
	else
		sl_buf_addstr(&b, u.sysname);
	if ((e = set_str(p, "os", b.buf, b.len)) < 0)
		goto oom;
	if ((e = set_cstr(p, "kernel", u.release)) < 0 || (e = set_cstr(p, "arch", u.machine)) < 0)
		goto oom;
	sl_buf_reset(&b);
	if ((e = sl_capture_hostname(&b)) < 0 || (e = set_str(p, "hostname", b.buf, b.len)) < 0)
		goto oom;
#ifdef __GLIBC__
	sl_buf_reset(&b);
	sl_buf_addf(&b, "glibc %s", gnu_get_libc_version());
	if ((e = set_str(p, "libc", b.buf, b.len)) < 0)
		goto oom;
#endif
	if ((e = runtimes(o, p, err)) < 0)
		goto out;
	if ((e = container(o, p, err)) < 0)
		goto out;
	sl_buf_reset(&b);
	if (timezone_name(o, &b) == 0 && b.len && (e = set_str(p, "tz", b.buf, b.len)) < 0)
		goto oom;
	sl_buf_reset(&b);
	locale_name(&b);
	if ((e = set_str(p, "locale", b.buf, b.len)) < 0)
		goto oom;
	m = umask(0);
	umask(m);
	snprintf(um, sizeof(um), "%04o", (unsigned)m & 07777);
	if ((e = set_cstr(p, "umask", um)) < 0)
		goto oom;
	if (json_object_set_new(p, "nproc", json_integer(cpu_count())) != 0)
		goto oom;
	if ((src = time_source()) && (e = set_cstr(p, "time_source", src)) < 0)
		goto oom;
	sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		int64_t v;
		if ((e = sl_sde_parse(sde, &v, err)) < 0)
			goto out;
		if (json_object_set_new(p, "source_date_epoch", json_integer(v)) != 0)
			goto oom;
	}
	if ((e = variables(o, p, err)) < 0)
		goto out;
	if ((e = sl_capture_time(ts)) < 0) {
		sl_error_set(err, e, "unable to read the clock");
		goto out;
	}
	if ((e = set_cstr(p, "captured_at", ts)) < 0)
		goto oom;
	*payload = p;
	p = NULL;
	e = 0;
	goto out;
oom:
	e = sl_error_set(err, SL_ENOMEM, "out of memory");
out:
	json_decref(p);
	sl_buf_release(&b);
	sl_buf_release(&txt);
	return e;
}
