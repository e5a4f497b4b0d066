// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sl/err.h"

const char *sl_strerror(int code)
{
	switch (code) {
	case SL_OK: return "success";
	case SL_EINVAL: return "invalid input";
	case SL_ECORRUPT: return "corrupt data";
	case SL_ENOTFOUND: return "not found";
	case SL_EVERIFY: return "verification failed";
	case SL_EIO: return "input/output error";
	case SL_ENOMEM: return "out of memory";
	case SL_EBUSY: return "ledger is busy";
	case SL_EEXIST: return "already exists";
	case SL_ENOLEDGER: return "not a ledger";
	case SL_EUSAGE: return "invalid argument";
	case SL_ERANGE: return "out of range";
	case SL_EACCES: return "permission denied";
	case SL_ENOSPACE: return "no space left on the device";
	case SL_EREPLICA: return "the store is a read-only replica";
	}
	return "unknown error";
}

int sl_exit_code(int code)
{
	switch (code) {
	case SL_OK: return SL_EXIT_OK;
	case SL_ENOTFOUND:
	case SL_EVERIFY:
	case SL_ERANGE: return SL_EXIT_NO;
	case SL_EUSAGE: return SL_EXIT_USAGE;
	case SL_EINVAL:
	case SL_ECORRUPT:
	case SL_EEXIST:
	case SL_EACCES:
	case SL_ENOLEDGER: return SL_EXIT_DATA;
	case SL_EIO:
	case SL_ENOSPACE:
	case SL_EREPLICA: /* a standby may be promoted, or the address lead to the primary */
	case SL_ENOMEM:
	case SL_EBUSY: return SL_EXIT_TEMP;
	}
	return SL_EXIT_TEMP;
}

int sl_errno_code(int errnum)
{
	switch (errnum) {
	case EACCES:
	case EPERM:
	case EROFS: return SL_EACCES;
	case ENOMEM: return SL_ENOMEM;
	}
	return SL_EIO;
}

static void vset(struct sl_error *err, int code, const char *fmt, va_list ap)
{
	err->code = code;
	if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
		err->msg[0] = '\0';
}

int sl_error_set(struct sl_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int sl_error_member(struct sl_error *err, int code, const char *member, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return code;
	snprintf(err->member, sizeof(err->member), "%s", member ? member : "");
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void sl_error_clear(struct sl_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

const char *sl_error_format(const struct sl_error *err, char *dst, size_t n)
{
	char line[32] = "";

	if (err->line > 0)
		snprintf(line, sizeof(line), "line %ld: ", err->line);
	snprintf(dst, n, "%s%s%s%s", line, err->member, err->member[0] ? ": " : "",
		 err->msg[0] ? err->msg : sl_strerror(err->code));
	return dst;
}
