// SPDX-License-Identifier: MIT
/*
 * The code payload, through libgit2.  Reading only: the index is not
 * refreshed on disk and no lock is taken, so a capture never disturbs a
 * build or a `git` command running beside it.
 */
#include <fnmatch.h>
#include <git2.h>

#include "sl/capture-git.h"
#include "sl/diff-content.h"
#include "sl/capture.h"
#include "sl/entry.h"
#include "sl/hash.h"
#include "sl/json.h"
#include "sl/secret.h"

/*
 * Room for the payload in the ledger's 65,535-byte entries, leaving enough
 * for the largest source (256 bytes, each possibly escaped) and the
 * members the ledger adds.
 */
#define PAYLOAD_BUDGET (SL_ENTRY_MAX - 1024)

struct cap {
	git_repository *repo;
	json_t *p;
	struct sl_error *err;
	git_oid head;
	char **tags;
	size_t ntags, atags;
	int oom;
};

static int git_fail(struct sl_error *err, const char *what, const char *subject)
{
	const git_error *ge = git_error_last();
	const char *msg = ge && ge->message ? ge->message : "unknown libgit2 error";
	int code = SL_ECORRUPT;

	if (ge && ge->klass == GIT_ERROR_OS)
		code = SL_EIO;
	else if (ge && ge->klass == GIT_ERROR_NOMEMORY)
		code = SL_ENOMEM;
	return sl_error_set(err, code, "unable to %s '%s': %s", what, subject, msg);
}

static int oom(struct sl_error *err)
{
	return sl_error_set(err, SL_ENOMEM, "out of memory");
}

static int set_str(json_t *o, const char *key, const char *s)
{
	json_t *v = sl_json_string_clean(s, strlen(s));

	return v && json_object_set_new(o, key, v) == 0 ? 0 : SL_ENOMEM;
}

/*
 * A ref name as recorded text: a token pasted into a branch or tag name
 * (feature/ghp_..., a CI job naming a tag after its secret) is redacted
 * like any other.  The JSON string, or NULL when out of memory.
 */
static json_t *ref_text(const char *s)
{
	struct sl_buf b = SL_BUF_INIT;
	json_t *v = NULL;

	if (sl_secret_redact(&b, s, strlen(s), 0, NULL) >= 0)
		v = sl_json_string_clean(b.buf, b.len);
	sl_buf_release(&b);
	return v;
}

static int set_oid(json_t *o, const char *key, const git_oid *id)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	return json_object_set_new(o, key, json_string(hex)) == 0 ? 0 : SL_ENOMEM;
}

int sl_lockfile_name(const char *name)
{
	static const char *const names[] = {
		"package-lock.json", "npm-shrinkwrap.json", "yarn.lock",     "pnpm-lock.yaml",
		"bun.lockb",         "bun.lock",            "Cargo.lock",    "go.sum",
		"go.work.sum",       "poetry.lock",         "Pipfile.lock",  "pdm.lock",
		"uv.lock",           "Gemfile.lock",        "composer.lock", "mix.lock",
		"pubspec.lock",      "Package.resolved",    "packages.lock.json", "flake.lock",
		"gradle.lockfile",   "conan.lock",          "deno.lock",     NULL,
	};
	const char *const *p;

	for (p = names; *p; p++)
		if (!strcmp(name, *p))
			return 1;
	return fnmatch("requirements*.txt", name, FNM_PERIOD) == 0 ||
	       fnmatch("constraints*.txt", name, FNM_PERIOD) == 0;
}

void sl_git_source_name(struct sl_buf *out, const char *repo)
{
	const char *s = repo, *scheme = strstr(repo, "://"), *end;
	size_t mark = out->len, n;

	if (scheme) {
		const char *slash, *at;

		s = scheme + 3;
		slash = strchr(s, '/');
		at = strchr(s, '@');
		if (at && (!slash || at < slash))
			s = at + 1;
		sl_buf_addstr(out, s);
	} else if (repo[0] != '/' && repo[0] != '.' && strchr(repo, ':') &&
		   (!strchr(repo, '/') || strchr(repo, ':') < strchr(repo, '/'))) {
		/* scp-like: [user@]host:path */
		const char *colon = strchr(repo, ':'), *at = memchr(repo, '@', (size_t)(colon - repo));

		s = at ? at + 1 : repo;
		sl_buf_add(out, s, (size_t)(colon - s));
		sl_buf_addch(out, '/');
		for (s = colon + 1; *s == '/'; s++)
			;
		sl_buf_addstr(out, s);
	} else {
		sl_buf_addstr(out, repo);
		return;
	}
	/* No trailing "/" or ".git": the same repository gets the same name. */
	end = out->buf + out->len;
	while (end > out->buf + mark + 1 && end[-1] == '/')
		end--;
	n = (size_t)(end - (out->buf + mark));
	if (n > 5 && !memcmp(end - 4, ".git", 4) && end[-5] != '/')
		n -= 4;
	sl_buf_setlen(out, mark + n);
}

static int tag_cb(const char *name, git_oid *oid, void *ctx)
{
	struct cap *c = ctx;
	git_object *obj = NULL, *peeled = NULL;
	int match = 0;

	if (git_oid_equal(oid, &c->head)) {
		match = 1; /* a lightweight tag */
	} else if (git_object_lookup(&obj, c->repo, oid, GIT_OBJECT_ANY) == 0) {
		if (git_object_type(obj) == GIT_OBJECT_TAG &&
		    git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) == 0)
			match = git_oid_equal(git_object_id(peeled), &c->head);
		git_object_free(peeled);
		git_object_free(obj);
	}
	if (match) {
		if (!strncmp(name, "refs/tags/", 10))
			name += 10;
		if (c->ntags == c->atags) {
			size_t na = c->atags ? 2 * c->atags : 8;
			char **nt = realloc(c->tags, na * sizeof(*nt));
			if (!nt) {
				c->oom = 1;
				return -1;
			}
			c->tags = nt;
			c->atags = na;
		}
		if (!(c->tags[c->ntags] = strdup(name))) {
			c->oom = 1;
			return -1;
		}
		c->ntags++;
	}
	return 0;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int tags(struct cap *c)
{
	json_t *arr;
	size_t i;
	int e = 0;

	if (git_tag_foreach(c->repo, tag_cb, c) < 0 && !c->oom) {
		const git_error *ge = git_error_last();
		/* A repository without refs/tags is not an error. */
		if (ge && ge->klass != GIT_ERROR_NONE && ge->klass != GIT_ERROR_REFERENCE)
			e = git_fail(c->err, "list the tags of", git_repository_path(c->repo));
	}
	if (c->oom)
		e = oom(c->err);
	if (e)
		return e;
	if (c->ntags)
		qsort(c->tags, c->ntags, sizeof(*c->tags), str_cmp);
	if (!(arr = json_array()))
		return oom(c->err);
	for (i = 0; i < c->ntags; i++) {
		json_t *v = ref_text(c->tags[i]);
		if (!v || json_array_append_new(arr, v) != 0) {
			json_decref(arr);
			return oom(c->err);
		}
	}
	if (json_object_set_new(c->p, "tags", arr) != 0)
		return oom(c->err);
	return 0;
}

static const char *change_status(const git_status_entry *s, const char **old)
{
	unsigned st = s->status;

	*old = NULL;
	if (st & GIT_STATUS_CONFLICTED)
		return "conflicted";
	if (st & (GIT_STATUS_INDEX_RENAMED | GIT_STATUS_WT_RENAMED)) {
		if ((st & GIT_STATUS_INDEX_RENAMED) && s->head_to_index)
			*old = s->head_to_index->old_file.path;
		else if (s->index_to_workdir)
			*old = s->index_to_workdir->old_file.path;
		return "renamed";
	}
	if (st & (GIT_STATUS_INDEX_TYPECHANGE | GIT_STATUS_WT_TYPECHANGE))
		return "typechange";
	if (st & GIT_STATUS_INDEX_NEW)
		return "added";
	if (st & (GIT_STATUS_INDEX_DELETED | GIT_STATUS_WT_DELETED))
		return "deleted";
	if (st & (GIT_STATUS_INDEX_MODIFIED | GIT_STATUS_WT_MODIFIED))
		return "modified";
	if (st & GIT_STATUS_WT_NEW)
		return "untracked";
	return NULL; /* ignored, unreadable or current */
}

static int changes(struct cap *c)
{
	git_status_options opts;
	git_status_list *list = NULL;
	json_t *arr;
	size_t i, n;
	int e = 0;

	if (git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION) < 0)
		return git_fail(c->err, "read the status of", git_repository_workdir(c->repo));
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	/*
	 * Renames are detected between HEAD and the index (`git mv`), as `git
	 * status` does; a file moved in the working tree alone is a deletion
	 * and an untracked file, again as `git status` shows it, rather than a
	 * guess by content similarity.
	 */
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		     GIT_STATUS_OPT_RENAMES_HEAD_TO_INDEX | GIT_STATUS_OPT_SORT_CASE_SENSITIVELY;
	if (git_status_list_new(&list, c->repo, &opts) < 0)
		return git_fail(c->err, "read the status of", git_repository_workdir(c->repo));
	if (!(arr = json_array())) {
		git_status_list_free(list);
		return oom(c->err);
	}
	n = git_status_list_entrycount(list);
	for (i = 0; i < n && !e; i++) {
		const git_status_entry *s = git_status_byindex(list, i);
		const git_diff_delta *d = s->index_to_workdir ? s->index_to_workdir : s->head_to_index;
		const char *st, *old;
		json_t *o;

		if (!d || !(st = change_status(s, &old)))
			continue;
		if (!(o = json_object()) || set_str(o, "path", d->new_file.path) ||
		    set_str(o, "status", st) || (old && set_str(o, "old_path", old)) ||
		    json_array_append_new(arr, o) != 0)
			e = oom(c->err);
	}
	git_status_list_free(list);
	if (!e && (json_object_set_new(c->p, "dirty", json_boolean(json_array_size(arr) > 0)) != 0 ||
		   json_object_set(c->p, "changes", arr) != 0))
		e = oom(c->err);
	json_decref(arr);
	return e;
}

static int hash_file(const char *path, unsigned char out[SL_HASH_LEN])
{
	struct sl_sha256 h;
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;
	sl_sha256_init(&h);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return -1;
		}
		sl_sha256_update(&h, buf, (size_t)n);
	}
	close(fd);
	sl_sha256_final(&h, out);
	return 0;
}

static int lockfiles(struct cap *c, const char *top)
{
	struct sl_buf p = SL_BUF_INIT;
	char **names = NULL;
	size_t n = 0, alloc = 0, i;
	struct dirent *de;
	json_t *arr = NULL;
	DIR *d;
	int e = 0;

	if (!(d = opendir(top)))
		return sl_error_set(c->err, sl_errno_code(errno),
				    "unable to read directory '%s': %s", top,
				    strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (!sl_lockfile_name(de->d_name))
			continue;
		if (n == alloc) {
			size_t na = alloc ? 2 * alloc : 8;
			char **nn = realloc(names, na * sizeof(*nn));
			if (!nn) {
				e = oom(c->err);
				break;
			}
			names = nn;
			alloc = na;
		}
		if (!(names[n] = strdup(de->d_name))) {
			e = oom(c->err);
			break;
		}
		n++;
	}
	closedir(d);
	if (!e && n)
		qsort(names, n, sizeof(*names), str_cmp);
	if (!e && !(arr = json_array()))
		e = oom(c->err);
	for (i = 0; i < n && !e; i++) {
		unsigned char h[SL_HASH_LEN];
		char hex[SL_HEX_LEN + 1];
		struct stat st;
		json_t *o;

		sl_buf_reset(&p);
		sl_buf_addf(&p, "%s/%s", top, names[i]);
		if (sl_buf_ok(&p)) {
			e = oom(c->err);
			break;
		}
		if (stat(p.buf, &st) != 0 || !S_ISREG(st.st_mode))
			continue; /* a dangling link or a directory is no lock file */
		if (hash_file(p.buf, h) != 0) {
			e = sl_error_set(c->err, errno == EACCES ? SL_EINVAL : sl_errno_code(errno),
					 "unable to read lock file '%s': %s", p.buf, strerror(errno));
			break;
		}
		sl_hex_encode(hex, h, SL_HASH_LEN);
		if (!(o = json_object()) || set_str(o, "path", names[i]) ||
		    json_object_set_new(o, "sha256", json_string(hex)) != 0 ||
		    json_array_append_new(arr, o) != 0)
			e = oom(c->err);
	}
	if (!e && json_object_set(c->p, "lockfiles", arr) != 0)
		e = oom(c->err);
	json_decref(arr);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	sl_buf_release(&p);
	return e;
}

/* Path without its trailing '/' (libgit2 gives directories with one). */
static void add_dir(struct sl_buf *b, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	sl_buf_add(b, dir, n);
}

static int repo_name(struct cap *c, const char *top, struct sl_buf *repo)
{
	git_remote *remote = NULL;
	const char *url = NULL;
	int rc;

	rc = git_remote_lookup(&remote, c->repo, "origin");
	if (rc == 0)
		url = git_remote_url(remote);
	else if (rc != GIT_ENOTFOUND && rc != GIT_EINVALIDSPEC)
		return git_fail(c->err, "read the origin remote of", top);
	if (url && *url) {
		if (sl_secret_redact(repo, url, strlen(url), SL_SECRET_DROP, NULL) < 0) {
			git_remote_free(remote);
			return oom(c->err);
		}
	} else
		add_dir(repo, top);
	git_remote_free(remote);
	return sl_buf_ok(repo) ? oom(c->err) : 0;
}

/* Serialised size of v; 0 when it cannot be serialised (checked later). */
static size_t jcs_size(const json_t *v)
{
	struct sl_buf b = SL_BUF_INIT;
	size_t n;

	n = sl_jcs_write(&b, v, NULL, NULL) == 0 ? b.len : 0;
	sl_buf_release(&b);
	return n;
}

/*
 * A working tree with thousands of changes would not fit one entry: keep
 * the first ones (in path order); the caller counts the rest in
 * changes_omitted, for which room is left here.
 */
static void fit(struct cap *c)
{
	json_t *arr = json_object_get(c->p, "changes");
	size_t size = jcs_size(c->p) + sizeof(",\"changes_omitted\":") + 20, n;

	n = json_array_size(arr);
	while (n && size > PAYLOAD_BUDGET) {
		size -= jcs_size(json_array_get(arr, n - 1)) + 1;
		json_array_remove(arr, --n);
	}
}

int sl_capture_git(const char *dir, json_t **payload, struct sl_buf *source, struct sl_error *err)
{
	struct cap c = { 0 };
	struct sl_buf top = SL_BUF_INIT, repo = SL_BUF_INIT;
	git_reference *head = NULL;
	git_object *commit = NULL;
	char ts[SL_TS_LEN + 1];
	struct stat st;
	size_t total = 0;
	int rc, e = 0;

	*payload = NULL;
	c.err = err;
	if (stat(dir, &st) != 0)
		return sl_error_set(err,
				    errno == ENOENT || errno == ENOTDIR ? SL_EINVAL : sl_errno_code(errno),
				    "unable to capture '%s': %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return sl_error_set(err, SL_EINVAL, "unable to capture '%s': not a directory", dir);
	if (git_libgit2_init() < 0)
		return sl_error_set(err, SL_EIO, "unable to initialise libgit2");
	rc = git_repository_open_ext(&c.repo, dir, 0, NULL);
	if (rc == GIT_ENOTFOUND) {
		e = sl_error_set(err, SL_EINVAL, "unable to capture '%s': not in a git repository", dir);
		goto out;
	}
	if (rc == GIT_EOWNER) {
		e = sl_error_set(err, SL_EINVAL, "unable to capture '%s': the repository is owned by "
				 "another user (add it to git's safe.directory)", dir);
		goto out;
	}
	if (rc < 0) {
		e = git_fail(err, "open the repository of", dir);
		goto out;
	}
	if (git_repository_is_bare(c.repo))
		add_dir(&top, git_repository_path(c.repo));
	else
		add_dir(&top, git_repository_workdir(c.repo));
	if ((e = sl_buf_ok(&top)) < 0) {
		oom(err);
		goto out;
	}
	rc = git_repository_head_unborn(c.repo);
	if (rc == 1) {
		e = sl_error_set(err, SL_EINVAL, "unable to capture '%s': the repository has no "
				 "commits yet", top.buf);
		goto out;
	}
	if (rc < 0 || git_repository_head(&head, c.repo) < 0) {
		e = git_fail(err, "read HEAD of", top.buf);
		goto out;
	}
	if (git_reference_peel(&commit, head, GIT_OBJECT_COMMIT) < 0) {
		e = git_fail(err, "read the commit HEAD names in", top.buf);
		goto out;
	}
	git_oid_cpy(&c.head, git_object_id(commit));
	if (!(c.p = json_object())) {
		e = oom(err);
		goto out;
	}
	if ((e = repo_name(&c, top.buf, &repo)) < 0)
		goto out;
	if (set_str(c.p, "repo", repo.buf) || set_oid(c.p, "commit", &c.head) ||
	    set_oid(c.p, "tree", git_commit_tree_id((const git_commit *)commit))) {
		e = oom(err);
		goto out;
	}
	if (!git_repository_is_bare(c.repo) && set_str(c.p, "path", top.buf)) {
		e = oom(err);
		goto out;
	}
	rc = git_repository_head_detached(c.repo);
	if (json_object_set_new(c.p, "detached", json_boolean(rc == 1)) != 0 ||
	    (rc != 1 && git_reference_is_branch(head) &&
	     json_object_set_new(c.p, "branch", ref_text(git_reference_shorthand(head))) != 0)) {
		e = oom(err);
		goto out;
	}
	if ((e = tags(&c)) < 0)
		goto out;
	if (!git_repository_is_bare(c.repo)) {
		if ((e = changes(&c)) < 0 || (e = lockfiles(&c, top.buf)) < 0)
			goto out;
		total = json_array_size(json_object_get(c.p, "changes"));
	}
	if ((e = sl_capture_time(ts)) < 0) {
		sl_error_set(err, e, "unable to read the clock");
		goto out;
	}
	if (set_str(c.p, "captured_at", ts)) {
		e = oom(err);
		goto out;
	}
	if (jcs_size(c.p) > PAYLOAD_BUDGET) {
		fit(&c);
		if (json_object_set_new(c.p, "changes_omitted",
					json_integer((json_int_t)(total -
						json_array_size(json_object_get(c.p, "changes"))))) != 0) {
			e = oom(err);
			goto out;
		}
	}
	if (source) {
		struct sl_buf name = SL_BUF_INIT;

		sl_git_source_name(&name, repo.buf);
		sl_buf_addstr(source, "git:");
		if (sl_buf_ok(&name))
			sl_buf_grow(source, (size_t)-1); /* marks it out of memory */
		else
			sl_capture_source_add(source, name.buf);
		sl_buf_release(&name);
		sl_capture_source_fit(source, 4);
		if (sl_buf_ok(source)) {
			e = oom(err);
			goto out;
		}
	}
	*payload = c.p;
	c.p = NULL;
out:
	while (c.ntags)
		free(c.tags[--c.ntags]);
	free(c.tags);
	json_decref(c.p);
	git_object_free(commit);
	git_reference_free(head);
	git_repository_free(c.repo);
	git_libgit2_shutdown();
	sl_buf_release(&top);
	sl_buf_release(&repo);
	return e;
}

static int patch_fail(struct sl_error *err, int code)
{
	const git_error *g = git_error_last();

	if (code == GIT_EBUFS || (g && g->klass == GIT_ERROR_NOMEMORY))
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	return sl_error_set(err, SL_EIO, "libgit2: %s", g && g->message ? g->message : "diff failed");
}

/*
 * The unified diff of two buffers for sl-diff --content (lib/sl/diff-content.h):
 * here because every call into libgit2 lives in this file.  libgit2's lines,
 * without its file header: the caller writes its own.
 */
static int put_line(const git_diff_delta *d, const git_diff_hunk *h, const git_diff_line *l,
		    void *ctx)
{
	struct sl_buf *out = ctx;

	(void)d;
	(void)h;
	switch (l->origin) {
	case GIT_DIFF_LINE_CONTEXT:
	case GIT_DIFF_LINE_ADDITION:
	case GIT_DIFF_LINE_DELETION:
		sl_buf_addch(out, l->origin);
		/* fallthrough */
	case GIT_DIFF_LINE_HUNK_HDR:
	case GIT_DIFF_LINE_CONTEXT_EOFNL:
	case GIT_DIFF_LINE_ADD_EOFNL:
	case GIT_DIFF_LINE_DEL_EOFNL:
		sl_buf_add(out, l->content, l->content_len);
		break;
	default: /* GIT_DIFF_LINE_FILE_HDR, GIT_DIFF_LINE_BINARY */
		break;
	}
	return sl_buf_ok(out) < 0 ? -1 : 0;
}

int sl_content_patch(struct sl_buf *out, const void *a, size_t alen, const void *b, size_t blen,
		     int *binary, struct sl_error *err)
{
	git_diff_options opts;
	git_patch *p = NULL;
	size_t start = out->len;
	int e = 0, g;

	if (binary)
		*binary = 0;
	if ((g = git_libgit2_init()) < 0)
		return patch_fail(err, g);
	if ((g = git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION)) < 0) {
		e = patch_fail(err, g);
		goto out;
	}
	/* git diff's defaults, said here so that a libgit2 default cannot move them. */
	opts.context_lines = 3;
	opts.interhunk_lines = 0;
	if ((g = git_patch_from_buffers(&p, a, a ? alen : 0, NULL, b, b ? blen : 0, NULL, &opts)) < 0) {
		e = patch_fail(err, g);
		goto out;
	}
	if (git_patch_get_delta(p)->flags & GIT_DIFF_FLAG_BINARY) {
		if (binary)
			*binary = 1;
		goto out;
	}
	if ((g = git_patch_print(p, put_line, out)) < 0)
		e = sl_buf_ok(out) < 0 ? sl_error_set(err, SL_ENOMEM, "out of memory") : patch_fail(err, g);
out:
	if (e < 0)
		sl_buf_setlen(out, start);
	git_patch_free(p);
	git_libgit2_shutdown();
	return e;
}
