/*
 * sys.h - the thin system-call layer.  Everything that can be interrupted
 * is retried on EINTR here, so callers see only real results; syscalls
 * glibc has no wrapper for (getdents64) live here too.
 */
#ifndef SANDFTPD_SYS_H
#define SANDFTPD_SYS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "addr.h"

ssize_t sys_pread(int fd, void *buf, size_t n, off_t off);
int sys_close(int fd);
int sys_poll(struct pollfd *fds, nfds_t n, int timeout_ms);
ssize_t sys_send(int fd, const void *buf, size_t n, int flags);
ssize_t sys_recv(int fd, void *buf, size_t n, int flags);
ssize_t sys_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t sys_recvmsg(int fd, struct msghdr *msg, int flags);
int sys_accept(int fd, struct sockaddr *sa, socklen_t *len, int flags);

/*
 * A non-blocking, close-on-exec TCP listener on a: SO_REUSEADDR (a port's
 * old connections may sit in TIME_WAIT; two sockets may then bind one
 * port, but only one can listen, so bind and listen together decide),
 * IPV6_V6ONLY for IPv6 (an IPv6 listener never takes IPv4).  The fd, or
 * -1 with errno.
 */
int sys_tcp_listen(const struct sock_addr *a, int backlog);
ssize_t sys_sendfile(int out, int in, off_t *off, size_t n);
/*
 * Reset a connected TCP socket: connect(2) to AF_UNSPEC is TCP's
 * disconnect, which sends RST (a peer must not take a cut transfer for
 * an end).  Not SO_LINGER {1, 0}: a sandbox cannot read the timeout in
 * that option, and a long one on a socket handed to the master would
 * make the master's close(2) wait (sandbox/seccomp.c).
 */
int sys_tcp_reset(int fd);
/*
 * TCP_CORK on (1) or off (0).  The master corks every data socket it
 * makes (a passive listener passes it on to what it accepts): a small
 * file or listing and its FIN then leave in one segment, not two.  The
 * session turns it off where it waits for its peer after partial output
 * (a TLS handshake's flight, a bandwidth limit's pauses), which a cork
 * would hold back for up to 200 ms.
 */
int sys_tcp_cork(int fd, int on);

/* openat(2) of an existing file (no mode: nothing is created). */
int sys_openat(int dirfd, const char *path, int flags);
/* openat(2) with O_CREAT and a mode: the only way a file is made. */
int sys_create(int dirfd, const char *path, int flags, mode_t mode);
ssize_t sys_write(int fd, const void *buf, size_t n);
ssize_t sys_pwrite(int fd, const void *buf, size_t n, off_t off);
ssize_t sys_getdents64(int fd, void *buf, size_t n);

int sys_set_nonblock(int fd, int on);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t sys_now_ms(void);

/* Sleep, resuming after signals until the time is over. */
void sys_sleep_ms(int ms);

/* Fill buf with random bytes (getrandom); returns 0 or -1. */
int sys_random(void *buf, size_t n);

#endif
