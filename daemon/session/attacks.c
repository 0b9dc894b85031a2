/*
 * attacks.c - only in the test build (SANDFTPD_TESTHOOKS): the command
 * XATK runs, inside this child and under its sandbox, the system calls an
 * attacker with code execution here would try.  Each attack reports what
 * the kernel answered ("name: errno ENOENT", "name: ok ino=..."), or the
 * child dies on the spot (seccomp).  tests/integration/test_inside.py
 * decides from those answers, and from what it sees outside (listeners,
 * files, the log, other processes), whether each boundary held.
 *
 * The installed binary contains none of this.
 */
#ifdef SANDFTPD_TESTHOOKS

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/strbuf.h"
#include "../../common/util.h"
#include "ctrl.h"
#include "commands.h"
#include "session.h"

#define ATTACK_FDS 32		/* RLIMIT_NOFILE of a child */

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif

struct attack_out {
	struct strbuf sb;
};

static void
out_errno(struct strbuf *sb, const char *what, int err)
{
	const char *name = strerrorname_np(err);

	sb_appendf(sb, "%s%s errno %s", sb->len ? "; " : "", what,
	    name ? name : "?");
}

static void
out_stat(struct strbuf *sb, const char *what, const struct stat *st)
{
	sb_appendf(sb, "%s%s ok dev=%llu ino=%llu size=%lld mode=%o uid=%u",
	    sb->len ? "; " : "", what, (unsigned long long)st->st_dev,
	    (unsigned long long)st->st_ino, (long long)st->st_size,
	    (unsigned)st->st_mode, (unsigned)st->st_uid);
}

static void
out_rc(struct strbuf *sb, const char *what, long rc)
{
	if (rc < 0)
		out_errno(sb, what, errno);
	else
		sb_appendf(sb, "%s%s ok rc=%ld", sb->len ? "; " : "", what, rc);
}

/* "127.0.0.1" or "::1" and a port into a sockaddr; 0 or -1. */
static int
parse_target(const char *host, const char *port, struct sock_addr *a)
{
	uint64_t p;

	if (parse_uint(port, 0, 65535, &p) < 0)
		return -1;
	if (addr_parse_ip(host, strchr(host, ':') ? AF_INET6 : AF_INET,
	    a) < 0)
		return -1;
	addr_set_port(a, (uint16_t)p);
	return 0;
}

/* Split arg into at most n words, in place. */
static int
split_words(char *arg, char **w, int n)
{
	int k = 0;
	char *p = arg;

	while (*p && k < n) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		w[k++] = p;
		while (*p && *p != ' ')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return k;
}

/*
 * The descriptors this child holds now (and AT_FDCWD first, with cwd):
 * every attack is tried through each.  Taken before the attack, so what
 * an attack opens is not tried again.
 */
static int
held_fds(int out[ATTACK_FDS + 1], bool with_cwd)
{
	int n = 0, fd;

	if (with_cwd)
		out[n++] = AT_FDCWD;
	for (fd = 0; fd < ATTACK_FDS; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			out[n++] = fd;
	return n;
}

static void
fd_label(int fd, char *buf, size_t n)
{
	if (fd == AT_FDCWD)
		str_copy(buf, n, "cwd");
	else
		snprintf(buf, n, "fd%d", fd);
}

/* ---- network ---- */

/* A TCP socket of the target's family, or -1 (the answer noted). */
static int
new_tcp_socket(struct strbuf *sb, const struct sock_addr *a)
{
	int fd = (int)syscall(SYS_socket, a->ss.ss_family, SOCK_STREAM, 0);

	if (fd < 0)
		out_errno(sb, "socket", errno);
	return fd;
}

static void
attack_connect(struct strbuf *sb, const struct sock_addr *to)
{
	int fd = new_tcp_socket(sb, to);

	if (fd < 0)
		return;
	out_rc(sb, "connect", syscall(SYS_connect, fd, &to->ss, to->len));
	close(fd);
}

static void
attack_fastopen_new(struct strbuf *sb, const struct sock_addr *to)
{
	int fd = new_tcp_socket(sb, to);

	if (fd < 0)
		return;
	out_rc(sb, "sendto-fastopen", syscall(SYS_sendto, fd, "x", 1,
	    MSG_FASTOPEN, &to->ss, to->len));
	close(fd);
}

/*
 * Fast Open through every descriptor we hold, with sendto and sendmsg.
 * No payload: on the connected control socket a byte would reach the
 * client and garble the reply it waits for.
 */
static void
attack_fastopen_fds(struct strbuf *sb, const struct sock_addr *to,
    bool use_sendmsg)
{
	int fds[ATTACK_FDS + 1], n = held_fds(fds, false), i;
	char what[32];

	for (i = 0; i < n; i++) {
		struct iovec iov = { "", 0 };
		struct msghdr mh;
		int fd = fds[i];
		long rc;

		fd_label(fd, what, sizeof(what));
		if (use_sendmsg) {
			memset(&mh, 0, sizeof(mh));
			mh.msg_name = (void *)&to->ss;
			mh.msg_namelen = to->len;
			mh.msg_iov = &iov;
			mh.msg_iovlen = 1;
			rc = syscall(SYS_sendmsg, fd, &mh, MSG_FASTOPEN);
		} else {
			rc = syscall(SYS_sendto, fd, "", 0, MSG_FASTOPEN,
			    &to->ss, to->len);
		}
		out_rc(sb, what, rc);
	}
}

/* connect with a whole address, on every descriptor we hold. */
static void
attack_connect_fds(struct strbuf *sb, const struct sock_addr *to)
{
	int fds[ATTACK_FDS + 1], n = held_fds(fds, false), i;
	char what[32];

	for (i = 0; i < n; i++) {
		fd_label(fds[i], what, sizeof(what));
		out_rc(sb, what, syscall(SYS_connect, fds[i], &to->ss,
		    to->len));
	}
}

/* sendto with a destination but no special flags, on every descriptor. */
static void
attack_sendto_fds(struct strbuf *sb, const struct sock_addr *to)
{
	int fds[ATTACK_FDS + 1], n = held_fds(fds, false), i;
	char what[32];

	for (i = 0; i < n; i++) {
		fd_label(fds[i], what, sizeof(what));
		out_rc(sb, what, syscall(SYS_sendto, fds[i], "", 0, 0, &to->ss,
		    to->len));
	}
}

static void
attack_listen(struct strbuf *sb, const struct sock_addr *at)
{
	int one = 1, fd = new_tcp_socket(sb, at);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	out_rc(sb, "bind", syscall(SYS_bind, fd, &at->ss, at->len));
	out_rc(sb, "listen", syscall(SYS_listen, fd, 5));
	/* Kept open: the test looks for the listener from outside. */
}

/* bind and listen on every descriptor we hold. */
static void
attack_listen_fds(struct strbuf *sb, const struct sock_addr *at)
{
	int fds[ATTACK_FDS + 1], n = held_fds(fds, false), i;
	char what[32];

	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "fd%d-bind", fds[i]);
		out_rc(sb, what, syscall(SYS_bind, fds[i], &at->ss, at->len));
		snprintf(what, sizeof(what), "fd%d-listen", fds[i]);
		out_rc(sb, what, syscall(SYS_listen, fds[i], 5));
	}
}

static void
attack_socket(struct strbuf *sb, const char *kind)
{
	static const struct {
		const char *name;
		int family, type, proto;
	} kinds[] = {
		{ "tcp", AF_INET, SOCK_STREAM, 0 },
		{ "tcp6", AF_INET6, SOCK_STREAM, 0 },
		{ "udp", AF_INET, SOCK_DGRAM, 0 },
		{ "raw", AF_INET, SOCK_RAW, IPPROTO_ICMP },
		{ "mptcp", AF_INET, SOCK_STREAM, IPPROTO_MPTCP },
		{ "sctp", AF_INET, SOCK_STREAM, IPPROTO_SCTP },
		{ "unix", AF_UNIX, SOCK_STREAM, 0 },
		{ "netlink", AF_NETLINK, SOCK_RAW, 0 },
		{ "packet", AF_PACKET, SOCK_RAW, 0 },
		{ "vsock", 40 /* AF_VSOCK */, SOCK_STREAM, 0 },
	};
	size_t i;

	if (strcmp(kind, "socketpair") == 0) {
		int sv[2];

		out_rc(sb, "socketpair", syscall(SYS_socketpair, AF_UNIX,
		    SOCK_STREAM, 0, sv));
		return;
	}
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(kinds[i].name, kind) == 0) {
			out_rc(sb, kind, syscall(SYS_socket, kinds[i].family,
			    kinds[i].type, kinds[i].proto));
			return;
		}
	sb_appendf(sb, "unknown socket kind");
}

/* Socket options a child has no use for, on the control connection. */
static void
attack_setsockopt(struct session *s, struct strbuf *sb, const char *name)
{
	int one = 1, fd = s->ctrl_fd;
	long rc;

	if (strcmp(name, "tls-ulp") == 0)
		rc = syscall(SYS_setsockopt, fd, IPPROTO_TCP, TCP_ULP, "tls", 3);
	else if (strcmp(name, "fastopen-connect") == 0)
		rc = syscall(SYS_setsockopt, fd, IPPROTO_TCP,
		    TCP_FASTOPEN_CONNECT, &one, sizeof(one));
	else if (strcmp(name, "reuseport") == 0)
		rc = syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_REUSEPORT, &one,
		    sizeof(one));
	else if (strcmp(name, "bindtodevice") == 0)
		rc = syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_BINDTODEVICE,
		    "lo", 3);
	else if (strcmp(name, "transparent") == 0)
		rc = syscall(SYS_setsockopt, fd, IPPROTO_IP, IP_TRANSPARENT,
		    &one, sizeof(one));
	else if (strcmp(name, "linger") == 0) {
		struct linger l = { 1, 3600 };

		rc = syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_LINGER, &l,
		    sizeof(l));
	} else if (strcmp(name, "rcvbuf") == 0)
		rc = syscall(SYS_setsockopt, fd, SOL_SOCKET, SO_RCVBUFFORCE,
		    &one, sizeof(one));
	else {
		sb_appendf(sb, "unknown option");
		return;
	}
	out_rc(sb, name, rc);
}

/* ---- the file system ---- */

static void
attack_stat_all(struct strbuf *sb, const char *path, int flags)
{
	int fds[ATTACK_FDS + 1], n = held_fds(fds, true), i;
	char what[32];

	for (i = 0; i < n; i++) {
		struct stat st;

		fd_label(fds[i], what, sizeof(what));
		if (syscall(SYS_newfstatat, fds[i], path, &st, flags) < 0)
			out_errno(sb, what, errno);
		else
			out_stat(sb, what, &st);
	}
}

static void
attack_readlink_all(struct strbuf *sb, const char *path)
{
	int fds[ATTACK_FDS + 1], n = held_fds(fds, true), i;
	char what[32], target[256];

	for (i = 0; i < n; i++) {
		long len;

		fd_label(fds[i], what, sizeof(what));
		len = syscall(SYS_readlinkat, fds[i], path, target,
		    sizeof(target) - 1);
		if (len < 0) {
			out_errno(sb, what, errno);
			continue;
		}
		target[len] = '\0';
		log_sanitize(target);
		sb_appendf(sb, "%s%s ok target=%s", sb->len ? "; " : "", what,
		    target);
	}
}

/* open (openat, or openat2 without RESOLVE_* bits) and fstat the result. */
static void
attack_open_all(struct strbuf *sb, const char *path, int flags, bool two)
{
	int fds[ATTACK_FDS + 1], n = held_fds(fds, true), i;
	char what[32];

	for (i = 0; i < n; i++) {
		struct open_how how = { .flags = (uint64_t)flags };
		struct stat st;
		int got;

		fd_label(fds[i], what, sizeof(what));
		got = two ? (int)syscall(SYS_openat2, fds[i], path, &how,
		    sizeof(how)) : (int)syscall(SYS_openat, fds[i], path,
		    flags, 0);
		if (got < 0) {
			out_errno(sb, what, errno);
			continue;
		}
		if (fstat(got, &st) < 0)
			out_errno(sb, what, errno);
		else
			out_stat(sb, what, &st);
		/* Descriptors are few: never keep what we opened. */
		close(got);
	}
}

/* Walk up from every directory descriptor with fchdir and "..". */
static void
attack_chdir_up(struct strbuf *sb)
{
	int fds[ATTACK_FDS + 1], n = held_fds(fds, false), i, k;
	char what[32];

	for (i = 0; i < n; i++) {
		int fd = fds[i];
		struct stat st;

		fd_label(fd, what, sizeof(what));
		if (syscall(SYS_fchdir, fd) < 0) {
			out_errno(sb, what, errno);
			continue;
		}
		for (k = 0; k < 40; k++)
			(void)syscall(SYS_chdir, "..");
		if (syscall(SYS_newfstatat, AT_FDCWD, ".", &st, 0) < 0)
			out_errno(sb, what, errno);
		else
			out_stat(sb, what, &st);
	}
}

/* Modify a file inside the tree: the test checks the disk afterwards. */
static void
attack_write(struct session *s, struct strbuf *sb, const char *how,
    const char *path)
{
	int dirfd = s->root_fd >= 0 ? s->root_fd : AT_FDCWD, fd;
	const char *rel = path_relative(path);
	long rc;

	if (strcmp(how, "open-write") == 0 || strcmp(how, "open-creat") == 0) {
		int flags = strcmp(how, "open-write") == 0 ?
		    O_WRONLY | O_APPEND : O_WRONLY | O_CREAT | O_EXCL;

		fd = (int)syscall(SYS_openat, dirfd, rel, flags, 0666);
		if (fd < 0) {
			out_errno(sb, how, errno);
			return;
		}
		out_rc(sb, "write", syscall(SYS_write, fd, "FORGED\n", 7));
		close(fd);
		return;
	}
	if (strcmp(how, "openat2-write") == 0) {
		struct open_how oh = { .flags = O_WRONLY | O_APPEND };

		fd = (int)syscall(SYS_openat2, dirfd, rel, &oh, sizeof(oh));
		if (fd < 0) {
			out_errno(sb, how, errno);
			return;
		}
		out_rc(sb, "write", syscall(SYS_write, fd, "FORGED\n", 7));
		close(fd);
		return;
	}
	if (strcmp(how, "unlink") == 0)
		rc = syscall(SYS_unlinkat, dirfd, rel, 0);
	else if (strcmp(how, "mkdir") == 0)
		rc = syscall(SYS_mkdirat, dirfd, rel, 0777);
	else if (strcmp(how, "rename") == 0)
		rc = syscall(SYS_renameat, dirfd, rel, dirfd, "renamed-by-attack");
	else if (strcmp(how, "chmod") == 0)
		rc = syscall(SYS_fchmodat, dirfd, rel, 0777);
	else if (strcmp(how, "truncate") == 0)
		rc = syscall(SYS_truncate, path, 0);
	else if (strcmp(how, "link") == 0)
		rc = syscall(SYS_linkat, dirfd, rel, dirfd, "linked-by-attack", 0);
	else if (strcmp(how, "symlink") == 0)
		rc = syscall(SYS_symlinkat, "/", dirfd, rel);
	else if (strcmp(how, "mknod") == 0)
		rc = syscall(SYS_mknodat, dirfd, rel, S_IFIFO | 0666, 0);
	else if (strcmp(how, "chown") == 0)
		rc = syscall(SYS_fchownat, dirfd, rel, 0, 0, 0);
	else {
		sb_appendf(sb, "unknown write attack");
		return;
	}
	out_rc(sb, how, rc);
}

/* ---- processes, the log ---- */

static void
attack_process(struct strbuf *sb, const char *how, const char *arg)
{
	uint64_t pid = 0;
	long rc;

	if (arg && strcmp(arg, "-1") != 0 && parse_uint(arg, 1, 4194304,
	    &pid) < 0) {
		sb_appendf(sb, "bad pid");
		return;
	}
	if (strcmp(how, "kill") == 0) {
		rc = syscall(SYS_kill, arg && strcmp(arg, "-1") == 0 ? -1 :
		    (pid_t)pid, SIGKILL);
	} else if (strcmp(how, "ptrace") == 0) {
		rc = syscall(SYS_ptrace, PTRACE_ATTACH, (pid_t)pid, 0, 0);
	} else if (strcmp(how, "vmread") == 0) {
		char buf[16];
		struct iovec local = { buf, sizeof(buf) };
		struct iovec remote = { (void *)0x400000, sizeof(buf) };

		rc = syscall(SYS_process_vm_readv, (pid_t)pid, &local, 1,
		    &remote, 1, 0);
	} else if (strcmp(how, "fork") == 0) {
		rc = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (rc == 0)
			_exit(0);
	} else if (strcmp(how, "exec") == 0) {
		char *argv[] = { "sh", NULL };

		rc = syscall(SYS_execve, "/bin/sh", argv, NULL);
	} else if (strcmp(how, "mmap-exec") == 0) {
		rc = (long)syscall(SYS_mmap, NULL, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (rc != -1)
			rc = 0;
	} else if (strcmp(how, "setuid") == 0) {
		rc = syscall(SYS_setuid, 0);
	} else if (strcmp(how, "unshare") == 0) {
		rc = syscall(SYS_unshare, CLONE_NEWUSER);
	} else {
		sb_appendf(sb, "unknown process attack");
		return;
	}
	out_rc(sb, how, rc);
}

/* Raw bytes, escape sequences included, to descriptors 0-2. */
static void
attack_write_stdio(struct strbuf *sb, const char *marker)
{
	char line[256];
	char what[16];
	int fd, n;

	n = snprintf(line, sizeof(line), "\x1b[31m%s forged line\n", marker);
	for (fd = 0; fd < 3; fd++) {
		snprintf(what, sizeof(what), "fd%d", fd);
		out_rc(sb, what, syscall(SYS_write, fd, line, (size_t)n));
	}
}

/* A LOG request whose text carries escape sequences and a line break. */
static void
attack_log_escape(struct session *s, struct strbuf *sb, const char *marker)
{
	struct ipc_log m;

	memset(&m, 0, sizeof(m));
	ipc_hdr_init(&m.hdr, IPC_LOG, sizeof(m));
	m.prio = LOG_ERR;
	snprintf(m.text, sizeof(m.text), "\x1b[2J%s\nsecond line\r\x07",
	    marker);
	out_rc(sb, "log", ipc_send(s->ipc_fd, &m, sizeof(m), NULL, 0));
}

void
cmd_xatk(struct session *s, char *arg)
{
	char *w[6] = { NULL };
	struct strbuf sb;
	struct sock_addr a;
	int n = split_words(arg, w, 6);

	if (n == 0) {
		reply(s, 501, "XATK: which attack?");
		return;
	}
	sb_init(&sb, 3500);
	if ((strcmp(w[0], "connect") == 0 ||
	    strcmp(w[0], "connect-fds") == 0 || strcmp(w[0], "fastopen") == 0 ||
	    strcmp(w[0], "fastopen-fds") == 0 ||
	    strcmp(w[0], "sendmsg-fastopen-fds") == 0 ||
	    strcmp(w[0], "sendto-fds") == 0 || strcmp(w[0], "listen") == 0 ||
	    strcmp(w[0], "listen-fds") == 0)) {
		if (n < 3 || parse_target(w[1], w[2], &a) < 0) {
			reply(s, 501, "XATK: host and port");
			sb_free(&sb);
			return;
		}
		if (strcmp(w[0], "connect") == 0)
			attack_connect(&sb, &a);
		else if (strcmp(w[0], "connect-fds") == 0)
			attack_connect_fds(&sb, &a);
		else if (strcmp(w[0], "fastopen") == 0)
			attack_fastopen_new(&sb, &a);
		else if (strcmp(w[0], "fastopen-fds") == 0)
			attack_fastopen_fds(&sb, &a, false);
		else if (strcmp(w[0], "sendmsg-fastopen-fds") == 0)
			attack_fastopen_fds(&sb, &a, true);
		else if (strcmp(w[0], "sendto-fds") == 0)
			attack_sendto_fds(&sb, &a);
		else if (strcmp(w[0], "listen") == 0)
			attack_listen(&sb, &a);
		else
			attack_listen_fds(&sb, &a);
	} else if (strcmp(w[0], "socket") == 0 && n >= 2) {
		attack_socket(&sb, w[1]);
	} else if (strcmp(w[0], "setsockopt") == 0 && n >= 2) {
		attack_setsockopt(s, &sb, w[1]);
	} else if (strcmp(w[0], "stat") == 0 && n >= 2) {
		attack_stat_all(&sb, w[1], AT_SYMLINK_NOFOLLOW);
	} else if (strcmp(w[0], "stat-follow") == 0 && n >= 2) {
		attack_stat_all(&sb, w[1], 0);
	} else if (strcmp(w[0], "readlink") == 0 && n >= 2) {
		attack_readlink_all(&sb, w[1]);
	} else if (strcmp(w[0], "open") == 0 && n >= 2) {
		attack_open_all(&sb, w[1], O_RDONLY, false);
	} else if (strcmp(w[0], "open-path") == 0 && n >= 2) {
		attack_open_all(&sb, w[1], O_PATH, false);
	} else if (strcmp(w[0], "openat2") == 0 && n >= 2) {
		attack_open_all(&sb, w[1], O_RDONLY, true);
	} else if (strcmp(w[0], "openat2-path") == 0 && n >= 2) {
		attack_open_all(&sb, w[1], O_PATH, true);
	} else if (strcmp(w[0], "chdir-up") == 0) {
		attack_chdir_up(&sb);
	} else if (n >= 2 && (strcmp(w[0], "open-write") == 0 ||
	    strcmp(w[0], "open-creat") == 0 ||
	    strcmp(w[0], "openat2-write") == 0 ||
	    strcmp(w[0], "unlink") == 0 || strcmp(w[0], "mkdir") == 0 ||
	    strcmp(w[0], "rename") == 0 || strcmp(w[0], "chmod") == 0 ||
	    strcmp(w[0], "truncate") == 0 || strcmp(w[0], "link") == 0 ||
	    strcmp(w[0], "symlink") == 0 || strcmp(w[0], "mknod") == 0 ||
	    strcmp(w[0], "chown") == 0)) {
		attack_write(s, &sb, w[0], w[1]);
	} else if (strcmp(w[0], "write-stdio") == 0 && n >= 2) {
		attack_write_stdio(&sb, w[1]);
	} else if (strcmp(w[0], "log-escape") == 0 && n >= 2) {
		attack_log_escape(s, &sb, w[1]);
	} else if (strcmp(w[0], "kill") == 0 || strcmp(w[0], "ptrace") == 0 ||
	    strcmp(w[0], "vmread") == 0 || strcmp(w[0], "fork") == 0 ||
	    strcmp(w[0], "exec") == 0 || strcmp(w[0], "mmap-exec") == 0 ||
	    strcmp(w[0], "setuid") == 0 || strcmp(w[0], "unshare") == 0) {
		attack_process(&sb, w[0], n >= 2 ? w[1] : NULL);
	} else {
		reply(s, 501, "XATK: unknown attack %s", w[0]);
		sb_free(&sb);
		return;
	}
	reply(s, 200, "XATK %s: %s", w[0], sb_str(&sb));
	sb_free(&sb);
}

#endif
