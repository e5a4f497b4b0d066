// SPDX-License-Identifier: MIT
/* Support for the programs that serve a socket: see util-serve.h. */
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "util.h"
#include "util-serve.h"

/* An fd that is a socket: 1 listening, 0 connected, -1 not a socket. */
int sl_socket_kind(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) < 0)
		return -1;
	return v ? 1 : 0;
}

int sl_listen_on(const char *spec, const char *usage)
{
	struct addrinfo hints = { 0 }, *res, *ai;
	char host[256];
	const char *colon = strrchr(spec, ':'), *port, *h;
	size_t hl;
	int fd = -1, e, one = 1;

	if (!colon || !colon[1] || (size_t)(colon - spec) >= sizeof(host))
		sl_usage_fail(usage, "'-l/--listen' wants ADDR:PORT, not '%.80s'", spec);
	port = colon + 1;
	hl = (size_t)(colon - spec);
	memcpy(host, spec, hl);
	host[hl] = '\0';
	h = host;
	if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		h = host + 1;
	}
	if (!*h || strcmp(h, "*") == 0)
		h = NULL;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (h ? AI_NUMERICHOST : 0);
	if ((e = getaddrinfo(h, port, &hints, &res)) != 0)
		sl_die(SL_EXIT_USAGE, "unable to use address '%s': %s", spec, gai_strerror(e));
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	freeaddrinfo(res);
	if (fd < 0)
		sl_die(SL_EXIT_TEMP, "unable to listen on '%s': %s", spec, strerror(errno));
	return fd;
}

/* "STATUS=listening on ADDR:PORT" for the notify message and the log. */
void sl_socket_describe(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	out[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	if (ss.ss_family == AF_INET6)
		snprintf(out, n, "[%s]:%s", host, serv);
	else
		snprintf(out, n, "%s:%s", host, serv);
}

/* Tell the service manager we are ready (sd_notify without libsystemd). */
void sl_notify_ready(const char *where)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { 0 };
	char msg[256];
	size_t pl;
	int fd, n;

	if (!path || !*path)
		return;
	pl = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || pl >= sizeof(sa.sun_path))
		return;
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, pl);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	n = snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%ld\nSTATUS=listening on %s\n",
		     (long)getpid(), where);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	if (sendto(fd, msg, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + pl)) < 0)
		sl_warn("unable to notify '%s': %s", path, strerror(errno));
	close(fd);
}

void sl_become_user(const char *user)
{
	struct passwd *pw;

	errno = 0;
	if (!(pw = getpwnam(user)))
		sl_die(SL_EXIT_USAGE, "unable to find user '%s': %s", user,
		       errno ? strerror(errno) : "no such user");
	if (getuid() == pw->pw_uid && geteuid() == pw->pw_uid)
		return;
	if (geteuid() != 0)
		sl_die(SL_EXIT_USAGE, "unable to become '%s': not started as root", user);
	if (initgroups(pw->pw_name, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 ||
	    setuid(pw->pw_uid) < 0)
		sl_die(SL_EXIT_TEMP, "unable to become '%s': %s", user, strerror(errno));
	if (setuid(0) == 0)
		sl_die(SL_EXIT_TEMP, "unable to become '%s': root could be regained", user);
}
