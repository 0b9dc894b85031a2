/*
 * seccomp.c - the system-call allow-lists, built with libseccomp by the
 * master (seccomp_program_make) and loaded by each child as a BPF
 * program (seccomp_program_map, seccomp_program_load).
 * Anything not listed kills the process (SECCOMP_RET_KILL_PROCESS); with
 * seccomp_debug the violation traps instead, a handler names the call in
 * the log, and the process exits all the same.
 *
 * Pre-login: I/O on the descriptors it holds (the control socket and the
 * socketpair), poll, clocks, memory, exit.  No file system, no sockets.
 * Session (read-only): adds opening files read-only (openat with no flag
 * that could write or create), stat, directory reads, sendfile, and
 * accepting on a passive listener.  Anonymous upload: adds creating new
 * files (O_CREAT|O_EXCL), writing them, renaming without replacing, and
 * removing its own temporary file.  Read-write user session: adds
 * writing, truncating, creating and removing files and directories,
 * renaming, chmod and setting times.  No child ever makes a socket, binds,
 * listens or connects (its connect(2) can only reset a connection it
 * holds): the master makes every data socket (PASV_LISTEN,
 * DATA_CONNECT), so every connection and listener is one it authorised.
 * Sending takes no destination address and no MSG_FASTOPEN (which would
 * connect), and only the few socket options the code uses can be set or
 * read.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/futex.h>
#include <linux/tls.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../common/util.h"
#include "sandbox.h"

static const char *const base_calls[] = {
	"close", "recvfrom", "recvmsg", "shutdown",
	"poll", "ppoll",
	"clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday",
	"time",
	"brk", "munmap", "mremap", "madvise",
	"getpid", "gettid", "getrandom",
	"rt_sigreturn", "rt_sigprocmask", "restart_syscall",
	"exit", "exit_group",
};

static const char *const session_calls[] = {
	"newfstatat", "fstat", "statx", "getdents64",
	"lseek", "pread64", "readlinkat", "sendfile", "accept4",
};

/* A read-write session: writing files, and changing the tree. */
static const char *const write_calls[] = {
	"write", "pwrite64", "fsync", "fdatasync", "sync_file_range",
	"ftruncate",
	"mkdirat", "unlinkat", "renameat", "renameat2",
	"fchmod", "fchmodat", "utimensat",
};

/* Anonymous uploads: writing the files they create. */
static const char *const upload_calls[] = {
	"write", "pwrite64", "fsync", "fdatasync", "sync_file_range",
};

/* The only flags a child sends with; MSG_FASTOPEN is not among them. */
#define SEND_FLAGS_ALLOWED (MSG_NOSIGNAL | MSG_DONTWAIT)

/* openat flags that cannot write, create or truncate anything. */
#define OPEN_FLAGS_ALLOWED (O_PATH | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC | \
	O_NOCTTY | O_NOFOLLOW)
/* An anonymous upload creates a new file and writes it; nothing more. */
#define OPEN_FLAGS_UPLOAD (OPEN_FLAGS_ALLOWED | O_WRONLY | O_CREAT | O_EXCL)
/* A read-write session also opens to write, replace and append. */
#define OPEN_FLAGS_RW (OPEN_FLAGS_UPLOAD | O_RDWR | O_TRUNC | O_APPEND)

#ifdef SANDFTPD_SANITIZE
/*
 * Test builds only (make SANITIZE=...): what the sanitizer runtimes call
 * while running (a report is written to descriptor 2, /dev/null in a
 * child, and the child aborts).  No file access: a sanitizer report that
 * needs to read files ends in a seccomp kill, which fails the tests all
 * the same.
 */
static const char *const sanitizer_calls[] = {
	"sigaltstack", "rt_sigaction", "getrlimit", "sched_yield", "futex",
	"getppid", "write", "writev",
};

/* Signals and limits of this process only, never of another. */
static int
allow_sanitizer_conditional(scmp_filter_ctx ctx, pid_t child)
{
	scmp_datum_t self = (scmp_datum_t)child;

	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	    SCMP_A0(SCMP_CMP_EQ, self, 0)) < 0)
		return -1;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prlimit64), 1,
	    SCMP_A0(SCMP_CMP_EQ, 0, 0));
}
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

/* The lower 32 bits of an int argument must have no bit outside ok. */
#define ONLY_BITS(arg, ok) \
	SCMP_CMP((arg), SCMP_CMP_MASKED_EQ, 0xffffffffull & ~(scmp_datum_t)(ok), 0)

/* Rules with argument checks, common to both phases. */
static int
allow_base_conditional(scmp_filter_ctx ctx)
{
	static const int fcntl_ops[] = { F_GETFL, F_SETFL, F_GETFD, F_SETFD };
	size_t i;

	/* Memory may be mapped, never executable. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) < 0)
		return -1;
	/* fcntl only to read and set descriptor and status flags. */
	for (i = 0; i < ARRAY_SIZE(fcntl_ops); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
		    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)fcntl_ops[i], 0)) < 0)
			return -1;
	/* Sending on connected sockets only: no address, no Fast Open. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 2,
	    ONLY_BITS(3, SEND_FLAGS_ALLOWED),
	    SCMP_A4(SCMP_CMP_EQ, 0, 0)) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmsg), 1,
	    ONLY_BITS(2, SEND_FLAGS_ALLOWED)) < 0)
		return -1;
	return 0;
}

/* What every session adds, with its argument checks. */
static int
allow_session_conditional(scmp_filter_ctx ctx, enum seccomp_policy policy)
{
	scmp_datum_t open_flags = policy == POLICY_SESSION_RW ? OPEN_FLAGS_RW :
	    policy == POLICY_SESSION_UPLOAD ? OPEN_FLAGS_UPLOAD :
	    OPEN_FLAGS_ALLOWED;

	/* Open with the flags of the session's rights; the root is the
	 * tree (chroot). */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    ONLY_BITS(2, open_flags)) < 0)
		return -1;
	if (policy == POLICY_SESSION_UPLOAD) {
		/* An upload lands under its name only if the name is free,
		 * and only its own temporary file is ever removed. */
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(renameat2),
		    1, SCMP_A4(SCMP_CMP_EQ, RENAME_NOREPLACE, 0)) < 0 ||
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unlinkat),
		    1, SCMP_A2(SCMP_CMP_EQ, 0, 0)) < 0)
			return -1;
	}
	/*
	 * Resetting an aborted data connection: connect(2) with an address
	 * of only a family, which can be nothing but AF_UNSPEC, TCP's
	 * disconnect (an AF_INET or AF_INET6 connect needs a whole
	 * address; a Unix socket rejects so short a one).  Not SO_LINGER:
	 * no filter can read its timeout, and a socket with a long one,
	 * unsent data and the master holding its last reference (passed
	 * with a request, then closed here) makes the master's close(2)
	 * wait that long: every session stalls.
	 */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(connect), 1,
	    SCMP_A2(SCMP_CMP_EQ, sizeof(sa_family_t), 0)) < 0)
		return -1;
	/* Reading a connection's error and its TCP_INFO (progress of a
	 * transfer). */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getsockopt), 2,
	    SCMP_A1(SCMP_CMP_EQ, SOL_SOCKET, 0),
	    SCMP_A2(SCMP_CMP_EQ, SO_ERROR, 0)) < 0)
		return -1;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getsockopt), 2,
	    SCMP_A1(SCMP_CMP_EQ, IPPROTO_TCP, 0),
	    SCMP_A2(SCMP_CMP_EQ, TCP_INFO, 0)) < 0)
		return -1;
	/* Uncorking a data connection (sys_tcp_cork): the only socket
	 * option a session sets.  It changes when its own bytes leave, no
	 * more. */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
	    SCMP_A1(SCMP_CMP_EQ, IPPROTO_TCP, 0),
	    SCMP_A2(SCMP_CMP_EQ, TCP_CORK, 0)) < 0)
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

/*
 * With TLS configured: OpenSSL initialises itself at its first use
 * (after the sandbox), and glibc's pthread_once then wakes possible
 * waiters: futex, FUTEX_WAKE_PRIVATE only (no thread exists to wait).
 * A session child may also give a data connection to kernel TLS for
 * sending files: attach the "tls" layer and set the send keys; nothing
 * else of SOL_TLS.  No filter can read the layer's name (a pointer); no
 * other layer is of use without privileges.
 */
static int
allow_tls(scmp_filter_ctx ctx, enum seccomp_policy policy)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(futex), 1,
	    SCMP_A1(SCMP_CMP_EQ, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 0)) < 0)
		return -1;
	if (policy == POLICY_PRELOGIN)
		return 0;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
	    SCMP_A1(SCMP_CMP_EQ, IPPROTO_TCP, 0),
	    SCMP_A2(SCMP_CMP_EQ, TCP_ULP, 0)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 2,
	    SCMP_A1(SCMP_CMP_EQ, SOL_TLS, 0),
	    SCMP_A2(SCMP_CMP_EQ, TLS_TX, 0)) < 0)
		return -1;
	return 0;
}

/* The filter of a policy, as libseccomp builds it; NULL on failure. */
static scmp_filter_ctx
build_filter(enum seccomp_policy policy, bool debug, bool tls, pid_t child)
{
	scmp_filter_ctx ctx;

	(void)child;
	ctx = seccomp_init(debug ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL)
		return NULL;
	/* The child sets no_new_privs itself, before Landlock. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
		goto out;
	if (allow_list(ctx, base_calls, ARRAY_SIZE(base_calls)) < 0 ||
	    allow_base_conditional(ctx) < 0)
		goto out;
	if (policy != POLICY_PRELOGIN &&
	    (allow_list(ctx, session_calls, ARRAY_SIZE(session_calls)) < 0 ||
	    allow_session_conditional(ctx, policy) < 0))
		goto out;
	if (policy == POLICY_SESSION_RW &&
	    allow_list(ctx, write_calls, ARRAY_SIZE(write_calls)) < 0)
		goto out;
	if (tls && allow_tls(ctx, policy) < 0)
		goto out;
	if (policy == POLICY_SESSION_UPLOAD &&
	    allow_list(ctx, upload_calls, ARRAY_SIZE(upload_calls)) < 0)
		goto out;
#ifdef SANDFTPD_SANITIZE
	if (allow_list(ctx, sanitizer_calls, ARRAY_SIZE(sanitizer_calls)) < 0 ||
	    allow_sanitizer_conditional(ctx, child) < 0)
		goto out;
#endif
	return ctx;
out:
	seccomp_release(ctx);
	return NULL;
}

/*
 * In the master: the policy compiled to its BPF program, in a sealed
 * memfd for the child to load.  libseccomp's compiler runs once here
 * instead of in every child (its allocations and time were a good part
 * of a child's start); the program is the same either way.
 */
int
seccomp_program_make(enum seccomp_policy policy, bool debug, bool tls,
    pid_t child)
{
	scmp_filter_ctx ctx = build_filter(policy, debug, tls, child);
	int fd = -1;

	if (ctx == NULL)
		return -1;
	fd = memfd_create("sandftpd-seccomp", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING);
	if (fd >= 0 && (seccomp_export_bpf(ctx, fd) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK | F_SEAL_SEAL) < 0)) {
		close(fd);
		fd = -1;
	}
	seccomp_release(ctx);
	return fd;
}

int
seccomp_program_map(int fd, struct seccomp_program *p)
{
	struct stat st;
	void *mem;

	if (fstat(fd, &st) < 0 || st.st_size <= 0 ||
	    st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
	    st.st_size > (off_t)(BPF_MAXINSNS * sizeof(struct sock_filter)) ||
	    fcntl(fd, F_GET_SEALS) != (F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK | F_SEAL_SEAL))
		return -1;
	/* Shared, read-only: the program's pages are the master's memfd,
	 * one copy for every child. */
	mem = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		return -1;
	p->filter = mem;
	p->len = (size_t)st.st_size / sizeof(struct sock_filter);
	return 0;
}

int
seccomp_program_load(const struct seccomp_program *p, bool debug)
{
	struct sock_fprog prog = { (unsigned short)p->len, p->filter };

	if (debug && install_debug_trap() < 0)
		return -1;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -1;
	/* Allowed by every filter: the mapping is of no more use. */
	munmap(p->filter, p->len * sizeof(struct sock_filter));
	return 0;
}
