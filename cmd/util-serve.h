// SPDX-License-Identifier: MIT
/*
 * Support for the programs that serve a socket (sl-httpd): where the
 * socket comes from, readiness for a service manager, dropping root.
 * Kept in its own file of build/libslcmd.a, so that only servers link it.
 */
#ifndef SL_CMD_UTIL_SERVE_H
#define SL_CMD_UTIL_SERVE_H

#include <stddef.h>

/* What fd is: 1 a listening socket, 0 a connected one, -1 not a socket. */
int sl_socket_kind(int fd);

/*
 * Bind and listen on "ADDR:PORT" ("127.0.0.1:8080", "[::1]:8080", "*:8080",
 * ":8080"), non-blocking and close-on-exec, with a backlog of 1024.  A
 * malformed spec dies with `usage`; an address that cannot be bound dies
 * with 111.  Returns the descriptor.
 */
int sl_listen_on(const char *spec, const char *usage);

/* "ADDR:PORT" (IPv6 in brackets) of the socket fd into out; "" when unknown. */
void sl_socket_describe(int fd, char *out, size_t n);

/*
 * Send "READY=1", MAINPID and "STATUS=listening on WHERE" to
 * $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace) when it
 * is set, as sd_notify(3) does; a failure is a warning.
 */
void sl_notify_ready(const char *where);

/*
 * Become USER (its supplementary groups, group and user id), dying with
 * 2 for an unknown user or when not root, 111 when it fails or root could
 * be regained.  Nothing to do when already USER.
 */
void sl_become_user(const char *user);

#endif
