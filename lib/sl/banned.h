// SPDX-License-Identifier: MIT
/*
 * Functions that are too easy to misuse: including this header (the build
 * does it for every file with -include) turns their use into an error.
 * Use sl_buf, snprintf, gmtime_r and the sl_parse_* helpers instead.
 */
#ifndef SL_BANNED_H
#define SL_BANNED_H

#define SL_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) SL_BANNED(strcpy)
#undef strcat
#define strcat(x, y) SL_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) SL_BANNED(strncpy)
#undef sprintf
#define sprintf(...) SL_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) SL_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) SL_BANNED(strtok)
#undef gmtime
#define gmtime(t) SL_BANNED(gmtime)
#undef localtime
#define localtime(t) SL_BANNED(localtime)
#undef atoi
#define atoi(s) SL_BANNED(atoi)
#undef atol
#define atol(s) SL_BANNED(atol)

#endif
