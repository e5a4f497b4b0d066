// SPDX-License-Identifier: MIT
/*
 * Errors in libsl.
 *
 * The return convention for all of lib/: a function returns 0 on success
 * and a negative SL_E... code on failure.  Functions that can say more take
 * a `struct sl_error *` (which may be NULL) and fill it with the code, the
 * input line, the member path and a message, so that a command can print
 * `line 17: payload.commit: required` without the library printing anything.
 *
 * The library never prints and never exits; mapping an error to an exit
 * status (DESIGN.md section 4) is sl_exit_code()'s job, called from cmd/.
 */
#ifndef SL_ERR_H
#define SL_ERR_H

#include <stddef.h>

#define SL_WUR __attribute__((warn_unused_result))
#define SL_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Exit statuses, DESIGN.md section 4.  Defined here once. */
#define SL_EXIT_OK 0     /* success, verified */
#define SL_EXIT_NO 1     /* a definite "no": not verified, not found, over threshold */
#define SL_EXIT_USAGE 2  /* usage error */
#define SL_EXIT_DATA 100 /* permanent data error: retrying will not help */
#define SL_EXIT_TEMP 111 /* temporary or system failure: retry may help */

enum sl_errcode {
	SL_OK = 0,
	SL_EINVAL = -1,    /* invalid input data (schema, syntax, limits) -> 100 */
	SL_ECORRUPT = -2,  /* a stored file is not what it must be -> 100 */
	SL_ENOTFOUND = -3, /* the thing asked for does not exist -> 1 */
	SL_EVERIFY = -4,   /* verification failed, tampering found -> 1 */
	SL_EIO = -5,       /* I/O or system failure -> 111 */
	SL_ENOMEM = -6,    /* out of memory -> 111 */
	SL_EBUSY = -7,     /* ledger busy or locked -> 111 */
	SL_EEXIST = -8,    /* refusing to overwrite what exists -> 100 */
	SL_ENOLEDGER = -9, /* no ledger at the given place -> 100 */
	SL_EUSAGE = -10,   /* a caller's argument is out of range -> 2 */
	SL_ERANGE = -11,   /* a size or index is outside the tree -> 1 */
	SL_EACCES = -12,   /* permission denied, read-only file system or store -> 100 */
	SL_ENOSPACE = -13, /* the store's device is full -> 111 */
	SL_EREPLICA = -14, /* the store is a read-only replica of another (a standby) -> 111 */
};

#define SL_ERR_MSG 512
#define SL_ERR_MEMBER 128

struct sl_error {
	int code;                   /* an SL_E... code, 0 when unset */
	long line;                  /* 1-based input line, 0 when none */
	char member[SL_ERR_MEMBER]; /* member path ("payload.commit"), "" when none */
	char msg[SL_ERR_MSG];       /* what is wrong, lowercase, no full stop */
};

/* The fixed message for an error code; never NULL. */
const char *sl_strerror(int code);

/* Map an SL_E... code to the exit status of DESIGN.md section 4. */
int sl_exit_code(int code);

/*
 * The SL_E... code for a failed system call's errno: SL_EACCES for
 * EACCES, EPERM and EROFS (retrying will not help), SL_ENOMEM for ENOMEM,
 * else SL_EIO.
 */
int sl_errno_code(int errnum);

/*
 * Record an error in `err` (which may be NULL) and return `code`, so that
 * callers can write `return sl_error_set(err, SL_EINVAL, "...")`.  The
 * member path and line are left as they were.
 */
int sl_error_set(struct sl_error *err, int code, const char *fmt, ...) SL_PRINTF(3, 4);

/* Like sl_error_set(), also setting the member path. */
int sl_error_member(struct sl_error *err, int code, const char *member, const char *fmt, ...)
	SL_PRINTF(4, 5);

/* The word for n things, for messages that count: sl_plural(n, "entry", "entries"). */
static inline const char *sl_plural(unsigned long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Reset `err` to "no error". */
void sl_error_clear(struct sl_error *err);

/*
 * Format the error as "line N: member: message" (parts that are unset are
 * left out) into dst of size n; returns dst.
 */
const char *sl_error_format(const struct sl_error *err, char *dst, size_t n);

#include "sl/sys.h"

#endif
