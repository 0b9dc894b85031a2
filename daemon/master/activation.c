/*
 * activation.c - descriptors from the service manager.
 *
 * With socket units systemd binds the ports and starts us with them open
 * from descriptor 3 up, LISTEN_FDS saying how many, LISTEN_PID whose they
 * are and LISTEN_FDNAMES (colon-separated) what each is called.  With
 * Accept=no they are listeners, which the master serves exactly as the
 * ones it binds itself; with Accept=yes there is one, an accepted
 * connection (inetd style), which this process serves alone.  Nothing
 * here reads from a socket: only its type, family and state are asked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/sys.h"
#include "../../common/util.h"
#include "activation.h"

#define FIRST_FD 3	/* SD_LISTEN_FDS_START */

static void
forget_environment(void)
{
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

/* A TCP socket of IPv4 or IPv6: listening (1), connected (0) or not one
 * we serve (-1). */
static int
tcp_socket_state(int fd)
{
	int type = 0, domain = 0, acc = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_STREAM)
		return -1;
	len = sizeof(domain);
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    (domain != AF_INET && domain != AF_INET6))
		return -1;
	len = sizeof(acc);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0)
		return -1;
	return acc ? 1 : 0;
}

/* The i-th name of a colon-separated list, or "". */
static void
nth_name(const char *names, int i, char *out, size_t n)
{
	const char *p = names, *end;

	out[0] = '\0';
	if (p == NULL)
		return;
	while (i-- > 0) {
		p = strchr(p, ':');
		if (p == NULL)
			return;
		p++;
	}
	end = strchr(p, ':');
	if (end == NULL)
		end = p + strlen(p);
	if ((size_t)(end - p) < n) {
		memcpy(out, p, (size_t)(end - p));
		out[end - p] = '\0';
	}
}

int
activation_take(struct activated_fd *out, int max, char *err, size_t errsz)
{
	const char *pid_s = getenv("LISTEN_PID");
	const char *fds_s = getenv("LISTEN_FDS");
	const char *names = getenv("LISTEN_FDNAMES");
	char *end;
	long pid, nfds;
	int i, connections = 0;

	if (pid_s == NULL || fds_s == NULL) {
		forget_environment();
		return 0;
	}
	errno = 0;
	pid = strtol(pid_s, &end, 10);
	if (errno || *end || pid != (long)getpid()) {
		forget_environment();	/* meant for another process */
		return 0;
	}
	nfds = strtol(fds_s, &end, 10);
	if (errno || *end || nfds < 0 || nfds > max) {
		snprintf(err, errsz, "LISTEN_FDS=%s: not a count of 0 to %d "
		    "sockets", fds_s, max);
		forget_environment();
		return -1;
	}
	for (i = 0; i < (int)nfds; i++) {
		struct activated_fd *a = &out[i];
		int state;

		a->fd = FIRST_FD + i;
		nth_name(names, i, a->name, sizeof(a->name));
		state = tcp_socket_state(a->fd);
		if (state < 0) {
			snprintf(err, errsz, "socket activation: descriptor "
			    "%d (%s) is not a TCP socket", a->fd,
			    a->name[0] ? a->name : "unnamed");
			forget_environment();
			return -1;
		}
		a->listening = state == 1;
		a->implicit_tls = strcmp(a->name, ACTIVATION_TLS_NAME) == 0;
		connections += !a->listening;
		if (fcntl(a->fd, F_SETFD, FD_CLOEXEC) < 0 ||
		    sys_set_nonblock(a->fd, 1) < 0) {
			snprintf(err, errsz, "socket activation: descriptor "
			    "%d: %s", a->fd, strerror(errno));
			forget_environment();
			return -1;
		}
	}
	forget_environment();
	/* Accept=yes gives exactly one connection; listeners and a
	 * connection together would be two ways of serving at once. */
	if (connections > 0 && nfds != 1) {
		snprintf(err, errsz, "socket activation: %d connected sockets "
		    "among %ld; Accept=yes passes exactly one", connections,
		    nfds);
		return -1;
	}
	return (int)nfds;
}

int
activation_stdin(int devnull, char *err, size_t errsz)
{
	struct stat s0, s2;
	int fd;

	if (tcp_socket_state(0) != 0) {
		snprintf(err, errsz, "-i: descriptor 0 is not a connected TCP "
		    "socket");
		return -1;
	}
	fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
	if (fd < 0 || sys_set_nonblock(fd, 1) < 0) {
		snprintf(err, errsz, "-i: %s", strerror(errno));
		return -1;
	}
	/* inetd(8) gives the socket as stderr too: then it is no log. */
	if (fstat(0, &s0) == 0 && fstat(2, &s2) == 0 &&
	    s0.st_dev == s2.st_dev && s0.st_ino == s2.st_ino)
		dup2(devnull, 2);
	dup2(devnull, 0);
	dup2(devnull, 1);
	return fd;
}
