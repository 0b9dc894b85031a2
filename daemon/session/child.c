/*
 * child.c - a child's life: exec'd by the master as `sandftpd --child`,
 * it reads its settings, enters its sandbox (sandbox_enter: the single
 * point after which it can do only what its kind needs), reports READY,
 * and waits in the idle pool for one session.  After that session it
 * exits; it never serves twice.
 *
 * Two kinds: pre-login children greet clients and take USER/PASS, with
 * nothing but an empty directory as their root; anonymous children are
 * rooted in the anonymous tree and serve sessions the master hands over
 * after an anonymous login.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "../../sandbox/sandbox.h"
#include "child.h"
#include "idlemem.h"
#include "monitor_wrap.h"
#include "owners.h"
#include "session.h"
#include "tls.h"

#define CHILD_INIT_TIMEOUT_MS 30000

static struct session sess;

static void
child_exit(int status)
{
	_exit(status);
}

/* From the SIGSYS handler in seccomp_debug mode: async-signal-safe. */
static void
report_violation(const char *name, long nr)
{
	struct ipc_log m;
	size_t len = 0;
	const char *p;
	char num[24];
	int i = 0;
	long v = nr < 0 ? 0 : nr;

	memset(&m, 0, sizeof(m));
	m.hdr.type = IPC_LOG;
	m.hdr.len = sizeof(m);
	m.prio = LOG_ERR;
	do {
		num[i++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i < (int)sizeof(num));
	for (p = "seccomp: blocked system call "; *p; p++)
		m.text[len++] = *p;
	for (p = name; *p && len < 200; p++)
		m.text[len++] = *p;
	m.text[len++] = ' ';
	m.text[len++] = '(';
	while (i > 0)
		m.text[len++] = num[--i];
	m.text[len++] = ')';
	send(IPC_CHILD_FD, &m, sizeof(m), MSG_NOSIGNAL);
}

/* The next message from the master; its end ends us quietly. */
static void
recv_from_master(struct ipc_msg *m, int timeout_ms)
{
	int rc = priv_receive(m, timeout_ms);

	if (rc < 0)
		fatalx("timed out waiting for the master");
	if (rc == 0)
		_exit(0);		/* master gone: nothing to do */
}

/*
 * libc loads some things lazily on first use; do those uses now, while
 * files may still be opened, so the sandbox never sees them.  The time
 * zone: listings convert times by arithmetic, but OpenSSL checks a
 * certificate's dates with gmtime_r (a client certificate, in a TLS
 * child), and its first use reads /etc/localtime.
 */
static void
preload_libc(void)
{
	struct tm tm;
	time_t t = 0;

	gmtime_r(&t, &tm);
	(void)strerror(ENOENT);
}

/* Descriptors 0-2 are /dev/null: a child has no log but the master's. */
static bool
stdio_is_devnull(void)
{
	struct stat null, st;
	int fd;

	if (stat("/dev/null", &null) < 0 || !S_ISCHR(null.st_mode))
		return false;
	for (fd = 0; fd < 3; fd++)
		if (fstat(fd, &st) < 0 || st.st_rdev != null.st_rdev ||
		    !S_ISCHR(st.st_mode))
			return false;
	return true;
}

/* A number from a /proc/sys file, or (uint32_t)-1. */
static uint32_t
read_proc_number(const char *path)
{
	char buf[32];
	uint64_t v;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return (uint32_t)-1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (uint32_t)-1;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return parse_uint(buf, 0, UINT32_MAX - 1, &v) == 0 ? (uint32_t)v :
	    (uint32_t)-1;
}

static void
enter_sandbox(const struct ipc_child_init *w, const struct ipc_msg *m,
    const struct seccomp_program *filter, int *root_fd, int *upload_fd)
{
	static gid_t groups[IPC_GROUPS_MAX];
	struct sandbox_spec spec;
	struct sandbox_report rep;
	struct stat st;
	bool stdio_ok = stdio_is_devnull();
	uint32_t i;

	memset(&spec, 0, sizeof(spec));
	spec.privileged = (w->flags & INIT_PRIVILEGED) != 0;
	spec.uid = w->uid;
	spec.gid = w->gid;
	if (w->ngroups > IPC_GROUPS_MAX)
		fatalx("too many groups");
	for (i = 0; i < w->ngroups; i++)
		groups[i] = w->groups[i];
	spec.ngroups = spec.privileged ? w->ngroups : 0;
	spec.groups = groups;
	spec.root_dir_fd = m->fds[0];
	if (fstat(spec.root_dir_fd, &st) < 0 || !S_ISDIR(st.st_mode))
		fatalx("the root given by the master is not a directory");
	spec.file_access = w->kind != CHILD_PRELOGIN;
	spec.policy = sandbox_policy(w->kind, w->rights, w->flags);
	spec.filter = *filter;
	spec.upload_dir_fd = spec.policy == POLICY_SESSION_UPLOAD ?
	    m->fds[2] : -1;
	spec.seccomp_debug = (w->flags & INIT_SECCOMP_DEBUG) != 0;
#ifdef SANDFTPD_TESTHOOKS
	spec.skip_landlock = (w->flags & INIT_TEST_NO_LANDLOCK) != 0;
#endif

	sandbox_enter(&spec, &rep);
	malloc_trim(0);
	if (stdio_ok)
		rep.applied |= SANDBOX_STDIO;
	priv_ready(rep.applied, rep.landlock_abi, rep.uid, rep.gid);
	/* The root descriptor is now "/" itself; pre-login children keep
	 * no descriptor of any directory. */
	if (spec.file_access) {
		*root_fd = spec.root_dir_fd;
	} else {
		close(spec.root_dir_fd);
		*root_fd = -1;
	}
	*upload_fd = spec.upload_dir_fd;
	if (m->nfds >= 3 && m->fds[2] != *upload_fd)
		close(m->fds[2]);
}

int
child_main(void)
{
	const struct ipc_child_init *w;
	/*
	 * CHILD_INIT and SESSION_START are large (9 kB; the latter mostly
	 * an empty buffer of pending input) and dead once read: they are
	 * received into pages of their own, unmapped then, not into memory
	 * an idle child would keep (the stack's deepest point stays
	 * resident, and so does every page of static storage written
	 * once).  The session start is kept as a copy of what it uses.
	 */
	struct ipc_msg *init;
	static IDLEMEM_PAGES(struct ipc_session_start) start_pages;
	struct ipc_session_start *const start = &start_pages.v;
	int ctrl_fd;
	struct seccomp_program filter;
	uint32_t overflow_uid, overflow_gid;
	int prog, i;
	int root_fd = -1, upload_fd = -1, nfds;
	char err[256] = "";

	ipc_require_master(CHILD_ARG);
	idlemem_init(__builtin_frame_address(0));
	log_set_sink(priv_log);
	log_set_fatal_exit(child_exit);
	signal(SIGPIPE, SIG_IGN);
	/* A write past a finite RLIMIT_FSIZE (inherited from the master's
	 * environment) fails with EFBIG, answered 552, and the upload's
	 * temporary is removed; the default action would kill the child
	 * and leave the temporary behind. */
	signal(SIGXFSZ, SIG_IGN);
	sandbox_on_violation(report_violation);

	init = mmap(NULL, sizeof(*init), PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (init == MAP_FAILED)
		fatal("mmap");
	recv_from_master(init, CHILD_INIT_TIMEOUT_MS);
	if (init->u.hdr.type != IPC_CHILD_INIT)
		fatalx("expected CHILD_INIT, got %s",
		    ipc_type_name(init->u.hdr.type));
	w = (const struct ipc_child_init *)init->u.raw;
	if (w->kind != CHILD_PRELOGIN && w->kind != CHILD_ANON &&
	    w->kind != CHILD_USER)
		fatalx("unknown child kind %u", w->kind);
	log_set_debug((w->flags & INIT_LOG_DEBUG) != 0);
	prctl(PR_SET_NAME, w->kind == CHILD_ANON ? "sandftpd-anon" :
	    w->kind == CHILD_USER ? "sandftpd-user" : "sandftpd-login", 0, 0,
	    0);
	/* Modes of created files are the session's umask's alone. */
	umask(0);

	preload_libc();
	/* Unprivileged, our own user namespace shows unmapped owners as
	 * the overflow ids (read while /proc is still there). */
	overflow_uid = read_proc_number("/proc/sys/kernel/overflowuid");
	overflow_gid = read_proc_number("/proc/sys/kernel/overflowgid");
	prog = w->kind == CHILD_PRELOGIN ? 1 : 3;
	nfds = prog + 1 + ((w->flags & INIT_TLS) ? 1 : 0);
	if (init->nfds != nfds)
		fatalx("CHILD_INIT with %d descriptors for this kind",
		    init->nfds);
	/*
	 * The seccomp filter: the master's BPF program for this kind's
	 * policy (it compiled it once, from the same settings), mapped
	 * now and loaded as the sandbox's last step.
	 */
	if (seccomp_program_map(init->fds[prog], &filter) < 0)
		fatalx("the seccomp program from the master is not usable");
	close(init->fds[prog]);
	for (i = prog; i + 1 < init->nfds; i++)
		init->fds[i] = init->fds[i + 1];
	init->nfds = --nfds;
	/* TLS: OpenSSL and the certificates, while libraries can load. */
	if (w->flags & INIT_TLS) {
		if (!str_terminated(w->tls_ciphers, sizeof(w->tls_ciphers)) ||
		    !str_terminated(w->tls_ciphersuites,
		    sizeof(w->tls_ciphersuites)))
			fatalx("CHILD_INIT with unterminated cipher lists");
		if (!tls_child_setup(w, init->fds[nfds - 1], err, sizeof(err)))
			fatalx("TLS: %s", err);
		close(init->fds[nfds - 1]);
		init->nfds--;
	}
	if (w->flags & INIT_HIDE_IDS)
		owners_hide();
	else if (w->kind != CHILD_PRELOGIN)
		owners_load(init->fds[1]);
	if (init->nfds == 3)
		close(init->fds[1]);
	enter_sandbox(w, init, &filter, &root_fd, &upload_fd);
	session_init(&sess, IPC_CHILD_FD, w, root_fd, upload_fd);
	if (!(w->flags & INIT_PRIVILEGED)) {
		sess.perm.unmapped_uid = overflow_uid;
		sess.perm.unmapped_gid = overflow_gid;
	}
	w = NULL;

	/* Idle in the pool until the master hands us a session. */
	for (;;) {
		recv_from_master(init, -1);
		if (init->u.hdr.type == IPC_SHUTDOWN)
			_exit(0);
		if (init->u.hdr.type == IPC_SESSION_START)
			break;
		fatalx("unexpected %s while idle",
		    ipc_type_name(init->u.hdr.type));
	}
	/* Size and descriptor checked by ipc_check_from_master; the state
	 * by state_import (session.c), but for its length, which bounds
	 * this copy. */
	if (((const struct ipc_session_start *)init->u.raw)->state.
	    pending_len > sizeof(start->state.pending))
		fatalx("handed-on session state is malformed");
	memcpy(start, init->u.raw, offsetof(struct ipc_session_start, state));
	ipc_state_copy(&start->state,
	    &((const struct ipc_session_start *)init->u.raw)->state);
	ctrl_fd = init->fds[0];
	munmap(init, sizeof(*init));
	/* Read at the start only. */
	idlemem_scratch(&start_pages, sizeof(start_pages));
	session_start(&sess, start, ctrl_fd);
	_exit(0);
}
