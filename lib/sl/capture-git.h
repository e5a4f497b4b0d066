// SPDX-License-Identifier: MIT
/*
 * Capturing a git working tree through libgit2: the payload of a `code`
 * entry (DESIGN.md section 3), for sl-capture-git.  Only this module
 * links libgit2; programs that do not capture git never pull it in.
 *
 * The payload holds:
 *   repo        the origin remote's URL with its credentials removed
 *               (sl_secret_redact() with SL_SECRET_DROP: user information,
 *               query and fragment dropped, any other secret marked),
 *               else the absolute
 *               path of the working tree (of the git directory if bare)
 *   path        the absolute path of the working tree (when there is one)
 *   commit      HEAD's full commit id;  tree  its tree id
 *   branch      the branch HEAD names (absent when detached)
 *   detached    whether HEAD is detached
 *   tags        the tags whose target peels to HEAD's commit, annotated
 *               and lightweight, sorted
 *   dirty       whether `changes` is not empty (untracked files count)
 *   changes     [{path, status[, old_path]}] relative to the top of the
 *               working tree, sorted by path; status is one of modified,
 *               added, deleted, untracked, renamed, typechange, conflicted
 *               (ignored files are not listed)
 *   lockfiles   [{path, sha256}] of the lock files at the top of the
 *               working tree, as they are on disk (sl_lockfile_name())
 *   captured_at the time of the capture
 */
#ifndef SL_CAPTURE_GIT_H
#define SL_CAPTURE_GIT_H

#include <jansson.h>

#include "sl/buf.h"
#include "sl/err.h"

/*
 * Capture the repository that holds dir (dir or any directory above it,
 * as git finds it; a linked worktree is captured as itself).  On success
 * *payload is a new reference and the default source ("git:" and
 * sl_git_source_name() of repo) is appended to source (may be NULL).
 * SL_EINVAL when dir is in no repository or the repository has no commit
 * yet, SL_ECORRUPT when libgit2 finds it damaged, SL_EIO on system errors;
 * err says which.
 */
int sl_capture_git(const char *dir, json_t **payload, struct sl_buf *source,
		   struct sl_error *err) SL_WUR;

/*
 * A short name for a repository, from its (already scrubbed) URL or path:
 * "https://github.com/acme/shop.git" and "git@github.com:acme/shop.git"
 * give "github.com/acme/shop"; a path is kept as it is.  Appended to out.
 */
void sl_git_source_name(struct sl_buf *out, const char *repo);

/*
 * True for the names of dependency lock files recorded from the top of a
 * working tree: package-lock.json, npm-shrinkwrap.json, yarn.lock,
 * pnpm-lock.yaml, bun.lockb, bun.lock, Cargo.lock, go.sum, go.work.sum,
 * poetry.lock, Pipfile.lock, pdm.lock, uv.lock, Gemfile.lock,
 * composer.lock, mix.lock, pubspec.lock, Package.resolved,
 * packages.lock.json, flake.lock, gradle.lockfile, conan.lock,
 * deno.lock, requirements*.txt and constraints*.txt.
 */
int sl_lockfile_name(const char *name);

#endif
