/*
 * seccomp.c - the two system-call allow-lists, built with libseccomp.
 * Anything not listed kills the process (SECCOMP_RET_KILL_PROCESS); with
 * seccomp_debug the violation traps instead, a handler names the call in
 * the log, and the process exits all the same.
 *
 * Pre-login: control socket and socketpair I/O, poll, clocks, memory,
 * exit.  No file system, no new sockets.
 * Session (read-only): adds openat2 (the only open: the jail resolves
 * every path beneath the root), stat, directory reads, sendfile, and TCP
 * sockets for data connections.  connect() only when the child makes its
 * own active-mode connections; with port 20 the master does.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../common/util.h"
#include "sandbox.h"

static const char *const base_calls[] = {
	"read", "write", "readv", "writev", "close",
	"sendto", "recvfrom", "sendmsg", "recvmsg", "shutdown",
	"poll", "ppoll",
	"clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday",
	"time",
	"brk", "munmap", "mremap", "madvise",
	"getpid", "gettid", "getrandom",
	"rt_sigreturn", "rt_sigprocmask", "restart_syscall",
	"exit", "exit_group",
};

static const char *const session_calls[] = {
	"openat2", "newfstatat", "fstat", "statx", "getdents64",
	"lseek", "pread64", "readlinkat", "sendfile",
	"bind", "listen", "accept", "accept4",
	"getsockname", "getpeername", "setsockopt", "getsockopt",
};

#ifdef SANDFTPD_SANITIZE
/*
 * Test builds only (make SANITIZE=...): what the sanitizer runtimes call
 * while running.  No file access: a sanitizer report that needs to read
 * files ends in a seccomp kill, which fails the tests all the same.
 */
static const char *const sanitizer_calls[] = {
	"sigaltstack", "rt_sigaction", "prlimit64", "getrlimit",
	"sched_yield", "futex", "tgkill", "mmap", "mprotect", "getppid",
};
#endif

static seccomp_violation_fn violation_hook;
static char call_names[512][24];

void
sandbox_on_violation(seccomp_violation_fn fn)
{
	violation_hook = fn;
}

const char *
sandbox_seccomp_version(void)
{
	static char buf[32];
	const struct scmp_version *v = seccomp_version();

	if (v == NULL)
		return "?";
	/* Small numbers; the buffer cannot overflow but stays bounded. */
	buf[0] = '\0';
	(void)!snprintf(buf, sizeof(buf), "%u.%u.%u", v->major, v->minor,
	    v->micro);
	return buf;
}

static int
allow_list(scmp_filter_ctx ctx, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);

		if (nr == __NR_SCMP_ERROR || nr < 0)
			continue;	/* not a system call on this arch */
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) < 0)
			return -1;
	}
	return 0;
}

/* Rules with argument checks, common to both phases. */
static int
allow_base_conditional(scmp_filter_ctx ctx)
{
	/* Memory may be mapped, never executable. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0)
		return -1;
	/* fcntl only to read and set descriptor and status flags. */
	static const int fcntl_ops[] = { F_GETFL, F_SETFL, F_GETFD, F_SETFD };
	for (size_t i = 0; i < ARRAY_SIZE(fcntl_ops); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
		    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_ops[i], 0)) < 0)
			return -1;
	return 0;
}

static int
allow_tcp_sockets(scmp_filter_ctx ctx)
{
	static const int families[] = { AF_INET, AF_INET6 };
	size_t i;

	/* The type argument carries SOCK_NONBLOCK/SOCK_CLOEXEC; mask them. */
	for (i = 0; i < ARRAY_SIZE(families); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 2,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i], 0),
		    SCMP_A1(SCMP_CMP_MASKED_EQ, 0xf, SOCK_STREAM)) < 0)
			return -1;
	return 0;
}

static void
sigsys_handler(int sig, siginfo_t *info, void *uctx)
{
	long nr = info->si_syscall;
	const char *name = "?";

	(void)sig;
	(void)uctx;
	if (nr >= 0 && nr < (long)ARRAY_SIZE(call_names) && call_names[nr][0])
		name = call_names[nr];
	if (violation_hook)
		violation_hook(name, nr);
	_exit(125);
}

static int
install_debug_trap(void)
{
	struct sigaction sa;
	int nr;

	for (nr = 0; nr < (int)ARRAY_SIZE(call_names); nr++) {
		char *name = seccomp_syscall_resolve_num_arch(
		    SCMP_ARCH_NATIVE, nr);

		if (name) {
			str_copy(call_names[nr], sizeof(call_names[nr]), name);
			free(name);
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_handler;
	sa.sa_flags = SA_SIGINFO;
	return sigaction(SIGSYS, &sa, NULL);
}

int
seccomp_install(enum seccomp_policy policy, bool allow_connect, bool debug)
{
	scmp_filter_ctx ctx;
	int rc = -1;

	if (debug && install_debug_trap() < 0)
		return -1;
	ctx = seccomp_init(debug ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		return -1;
	if (allow_list(ctx, base_calls, ARRAY_SIZE(base_calls)) < 0 ||
	    allow_base_conditional(ctx) < 0)
		goto out;
	if (policy == POLICY_SESSION_RO) {
		if (allow_list(ctx, session_calls,
		    ARRAY_SIZE(session_calls)) < 0 ||
		    allow_tcp_sockets(ctx) < 0)
			goto out;
		if (allow_connect &&
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(connect),
		    0) < 0)
			goto out;
	}
#ifdef SANDFTPD_SANITIZE
	if (allow_list(ctx, sanitizer_calls, ARRAY_SIZE(sanitizer_calls)) < 0)
		goto out;
#endif
	if (seccomp_load(ctx) < 0)
		goto out;
	rc = 0;
out:
	seccomp_release(ctx);
	return rc;
}
