/*
 * activation.h - sockets the service manager passes in (sd_listen_fds(3)
 * protocol, written here: no libsystemd), and inetd-style single
 * connections.
 */
#ifndef SANDFTPD_ACTIVATION_H
#define SANDFTPD_ACTIVATION_H

#include <stdbool.h>

#include "../../common/addr.h"

/* The name a socket unit gives implicit-TLS listeners
 * (FileDescriptorName=ftps); every other name is plain FTP. */
#define ACTIVATION_TLS_NAME "ftps"
#define ACTIVATION_MAX_FDS 32

struct activated_fd {
	int fd;
	bool listening;		/* a listener (Accept=no), else a connection */
	bool implicit_tls;
	char name[64];		/* from LISTEN_FDNAMES, "" when unnamed */
};

/*
 * Take the descriptors of LISTEN_FDS when LISTEN_PID is ours: each is
 * checked to be a TCP socket (IPv4 or IPv6), made close-on-exec and
 * non-blocking.  The three variables are removed from the environment
 * either way, so nothing we start believes they are its own.  Returns
 * the count (0: not activated), or -1 with err set.
 */
int activation_take(struct activated_fd *out, int max, char *err,
    size_t errsz);

/*
 * inetd style (-i): the connection is on descriptor 0.  It is moved
 * above 2 and 0-2 are pointed at /dev/null (devnull), so nothing we
 * print reaches the client.  The connection's fd, or -1 with err set.
 */
int activation_stdin(int devnull, char *err, size_t errsz);

#endif
