/*
 * worker.c - a pool child: exec'd by the master in worker mode, it reads
 * its settings, enters its sandbox (sandbox_enter: the single point after
 * which it can do only what its phase needs), reports READY, and waits
 * for one session.  After that session it exits; it never serves twice.
 *
 * Two kinds: pre-login children greet clients and take USER/PASS;
 * anonymous children hold the anonymous root and serve logged-in
 * anonymous sessions that the master hands over.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/sys.h"
#include "../sandbox/sandbox.h"
#include "session.h"
#include "worker.h"

#define WORKER_INIT_TIMEOUT_MS 30000

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

static void
recv_from_master(struct ipc_msg *m, int timeout_ms)
{
	struct pollfd p = { IPC_CHILD_FD, POLLIN, 0 };
	const char *why;
	int rc;

	for (;;) {
		rc = sys_poll(&p, 1, timeout_ms);
		if (rc == 0 && timeout_ms >= 0)
			fatalx("timed out waiting for the master");
		if (rc < 0)
			fatal("poll");
		rc = ipc_recv(IPC_CHILD_FD, m);
		if (rc == 0)
			_exit(0);		/* master gone: nothing to do */
		if (rc < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fatal("receiving from the master");
		}
		why = ipc_check_from_master(m);
		if (why)
			fatalx("bad message from the master: %s", why);
		return;
	}
}

/*
 * libc loads some things lazily on first use; do those uses now, while
 * files may still be opened, so the sandbox never sees them.
 */
static void
preload_libc(void)
{
	struct tm tm;
	time_t t = 0;

	gmtime_r(&t, &tm);	/* first use reads the time zone file */
	(void)strerror(ENOENT);
}

static void
check_started_by_master(void)
{
	int type = 0;
	socklen_t len = sizeof(type);

	if (getsockopt(IPC_CHILD_FD, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_SEQPACKET) {
		/* No master to log to: this is someone running --worker. */
		const char msg[] = "sandftpd: worker mode is started by the "
		    "master only\n";

		(void)!write(2, msg, sizeof(msg) - 1);
		_exit(2);
	}
}

static void
enter_sandbox(const struct ipc_worker_init *w, const struct ipc_msg *m,
    int *root_fd)
{
	struct sandbox_spec spec;
	struct sandbox_report rep;
	int want = 0, i = 0;

	memset(&spec, 0, sizeof(spec));
	spec.privileged = (w->flags & INIT_PRIVILEGED) != 0;
	spec.uid = w->uid;
	spec.gid = w->gid;
	spec.empty_dir_fd = -1;
	spec.root_fd = -1;
	want = (spec.privileged ? 1 : 0) + (w->kind == WORKER_ANON ? 1 : 0);
	if (m->nfds != want)
		fatalx("worker init with %d descriptors, expected %d", m->nfds,
		    want);
	if (spec.privileged)
		spec.empty_dir_fd = m->fds[i++];
	if (w->kind == WORKER_ANON)
		spec.root_fd = m->fds[i++];
	spec.policy = w->kind == WORKER_ANON ? POLICY_SESSION_RO :
	    POLICY_PRELOGIN;
	spec.allow_connect = !(w->flags & INIT_PORT20);
	spec.seccomp_debug = (w->flags & INIT_SECCOMP_DEBUG) != 0;

	sandbox_enter(&spec, &rep);
	priv_send_ready(IPC_CHILD_FD, rep.applied, rep.landlock_abi, rep.uid,
	    rep.gid);
	*root_fd = spec.root_fd;
}

int
worker_main(void)
{
	struct ipc_worker_init w;
	struct ipc_msg m;
	int root_fd = -1;

	check_started_by_master();
	log_set_sink(priv_log_sink);
	log_set_fatal_exit(child_exit);
	signal(SIGPIPE, SIG_IGN);
	sandbox_on_violation(report_violation);

	recv_from_master(&m, WORKER_INIT_TIMEOUT_MS);
	if (m.u.hdr.type != IPC_WORKER_INIT)
		fatalx("expected WORKER_INIT, got %s",
		    ipc_type_name(m.u.hdr.type));
	memcpy(&w, m.u.raw, sizeof(w));
	if (w.kind != WORKER_PRELOGIN && w.kind != WORKER_ANON)
		fatalx("unknown worker kind %u", w.kind);
	if (w.pasv_min < 1024 || w.pasv_min > w.pasv_max)
		fatalx("bad passive port range");
	log_set_debug((w.flags & INIT_LOG_DEBUG) != 0);
	prctl(PR_SET_NAME, w.kind == WORKER_ANON ? "sandftpd-anon" :
	    "sandftpd-login", 0, 0, 0);

	preload_libc();
	enter_sandbox(&w, &m, &root_fd);
	session_init(&sess, IPC_CHILD_FD, &w, root_fd);

	/* Idle in the pool until the master hands us a session. */
	for (;;) {
		recv_from_master(&m, -1);
		if (m.u.hdr.type == IPC_SHUTDOWN)
			_exit(0);
		if (m.u.hdr.type == IPC_SESSION_START)
			break;
		fatalx("unexpected %s while idle",
		    ipc_type_name(m.u.hdr.type));
	}
	session_start(&sess, (const struct ipc_session_start *)m.u.raw,
	    m.fds[0]);
	_exit(0);
}
