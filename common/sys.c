/*
 * sys.c - system-call wrappers: EINTR retries, and the calls glibc does not
 * wrap.  No policy here; callers decide what an error means.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

#define RETRY(expr)                                      \
	do {                                             \
		__typeof__(expr) rc_;                    \
		do                                       \
			rc_ = (expr);                    \
		while (rc_ < 0 && errno == EINTR);       \
		return rc_;                              \
	} while (0)

ssize_t
sys_pread(int fd, void *buf, size_t n, off_t off)
{
	RETRY(pread(fd, buf, n, off));
}

int
sys_close(int fd)
{
	int saved = errno;

	if (fd < 0)
		return 0;
	/* Linux releases the descriptor even when close reports EINTR. */
	if (close(fd) < 0 && errno != EINTR)
		return -1;
	errno = saved;
	return 0;
}

int
sys_poll(struct pollfd *fds, nfds_t n, int timeout_ms)
{
	int rc = poll(fds, n, timeout_ms);

	/* An interrupted wait reports "nothing ready"; callers loop on time. */
	if (rc < 0 && errno == EINTR)
		return 0;
	return rc;
}

ssize_t
sys_send(int fd, const void *buf, size_t n, int flags)
{
	RETRY(send(fd, buf, n, flags | MSG_NOSIGNAL));
}

ssize_t
sys_recv(int fd, void *buf, size_t n, int flags)
{
	RETRY(recv(fd, buf, n, flags));
}

ssize_t
sys_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	RETRY(sendmsg(fd, msg, flags | MSG_NOSIGNAL));
}

ssize_t
sys_recvmsg(int fd, struct msghdr *msg, int flags)
{
	RETRY(recvmsg(fd, msg, flags));
}

int
sys_accept(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	RETRY(accept4(fd, sa, len, flags));
}

int
sys_tcp_reset(int fd)
{
	struct sockaddr sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNSPEC;
	return connect(fd, &sa, sizeof(sa.sa_family));
}

int
sys_tcp_cork(int fd, int on)
{
	return setsockopt(fd, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
}

int
sys_tcp_listen(const struct sock_addr *a, int backlog)
{
	int fd, one = 1, e;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
	    (a->ss.ss_family != AF_INET6 || setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) == 0) &&
	    bind(fd, (const struct sockaddr *)&a->ss, a->len) == 0 &&
	    listen(fd, backlog) == 0)
		return fd;
	e = errno;
	sys_close(fd);
	errno = e;
	return -1;
}

ssize_t
sys_sendfile(int out, int in, off_t *off, size_t n)
{
	RETRY(sendfile(out, in, off, n));
}

int
sys_openat(int dirfd, const char *path, int flags)
{
	RETRY(openat(dirfd, path, flags));
}

int
sys_create(int dirfd, const char *path, int flags, mode_t mode)
{
	RETRY(openat(dirfd, path, flags | O_CREAT, mode));
}

ssize_t
sys_write(int fd, const void *buf, size_t n)
{
	RETRY(write(fd, buf, n));
}

ssize_t
sys_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	RETRY(pwrite(fd, buf, n, off));
}

ssize_t
sys_getdents64(int fd, void *buf, size_t n)
{
	RETRY((ssize_t)syscall(SYS_getdents64, fd, buf, n));
}

int
sys_set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	fl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
	return fcntl(fd, F_SETFL, fl);
}

int64_t
sys_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
sys_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int
sys_random(void *buf, size_t n)
{
	unsigned char *p = buf;

	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}
