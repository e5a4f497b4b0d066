// SPDX-License-Identifier: MIT
/*
 * The system headers libsl and the programs use, included once before
 * banned.h (as git-compat-util.h does), so that the banned-function macros
 * never meet a system header's own declarations.
 */
#ifndef SL_SYS_H
#define SL_SYS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "sl/banned.h"

#endif
