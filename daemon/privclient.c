/*
 * privclient.c - the session child's side of the privileged requests.
 * Each request is a plain function call for its caller; underneath it is
 * one fixed-layout message to the master and, where due, one answer.
 * The child asks; the master decides from its own records.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/sys.h"
#include "session.h"

#define PRIV_ANSWER_TIMEOUT_MS 60000

void
priv_log_sink(int prio, const char *line)
{
	struct ipc_log m;

	memset(&m, 0, sizeof(m));
	ipc_hdr_init(&m.hdr, IPC_LOG, sizeof(m));
	m.prio = prio;
	str_copy(m.text, sizeof(m.text), line);
	/* Best effort: if the master is gone there is nobody to tell. */
	(void)ipc_send(IPC_CHILD_FD, &m, sizeof(m), NULL, 0);
}

void
priv_send_ready(int ipc_fd, uint32_t applied, int landlock_abi, uid_t uid,
    gid_t gid)
{
	struct ipc_ready m;

	memset(&m, 0, sizeof(m));
	ipc_hdr_init(&m.hdr, IPC_READY, sizeof(m));
	m.applied = applied;
	m.landlock_abi = landlock_abi;
	m.uid = uid;
	m.gid = gid;
	if (ipc_send(ipc_fd, &m, sizeof(m), NULL, 0) < 0)
		fatal("sending READY to the master");
}

int
priv_wait(struct session *s, uint32_t type, struct ipc_msg *m)
{
	int64_t deadline = sys_now_ms() + PRIV_ANSWER_TIMEOUT_MS;

	for (;;) {
		struct pollfd p = { s->ipc_fd, POLLIN, 0 };
		int64_t left = deadline - sys_now_ms();
		const char *why;
		int rc;

		if (left <= 0)
			fatalx("no answer from the master");
		if (sys_poll(&p, 1, (int)left) <= 0)
			continue;
		rc = ipc_recv(s->ipc_fd, m);
		if (rc == 0)
			session_close(s, "Server shutting down.");
		if (rc < 0) {
			if (errno == EAGAIN)
				continue;
			fatal("reading from the master");
		}
		why = ipc_check_from_master(m);
		if (why != NULL)
			fatalx("bad message from the master: %s", why);
		if (m->u.hdr.type == IPC_SHUTDOWN) {
			session_note_shutdown(s);
			continue;
		}
		if (m->u.hdr.type != type)
			fatalx("unexpected %s from the master",
			    ipc_type_name(m->u.hdr.type));
		return 0;
	}
}

int
priv_login(struct session *s, const char *user, const char *pass)
{
	static struct ipc_login m;	/* large; not on the stack */
	struct ipc_msg answer;
	const struct ipc_login_result *r;

	memset(&m, 0, sizeof(m));
	ipc_hdr_init(&m.hdr, IPC_LOGIN, sizeof(m));
	str_copy(m.user, sizeof(m.user), user);
	str_copy(m.pass, sizeof(m.pass), pass);
	session_state_export(s, &m.state);
	if (ipc_send(s->ipc_fd, &m, sizeof(m), &s->ctrl_fd, 1) < 0)
		fatal("sending LOGIN to the master");
	explicit_bzero(m.pass, sizeof(m.pass));
	/* Accepted: the master kills us while we wait here. */
	priv_wait(s, IPC_LOGIN_RESULT, &answer);
	r = (const struct ipc_login_result *)answer.u.raw;
	if (r->status != LOGIN_REFUSED)
		fatalx("unknown login status %u", r->status);
	return LOGIN_REFUSED;
}

int
priv_port20(struct session *s, uint16_t port)
{
	struct ipc_port20 m;
	struct ipc_msg answer;
	const struct ipc_port20_result *r;

	memset(&m, 0, sizeof(m));
	ipc_hdr_init(&m.hdr, IPC_PORT20, sizeof(m));
	m.port = port;
	if (ipc_send(s->ipc_fd, &m, sizeof(m), NULL, 0) < 0)
		fatal("sending PORT20 to the master");
	priv_wait(s, IPC_PORT20_RESULT, &answer);
	r = (const struct ipc_port20_result *)answer.u.raw;
	if (r->error != 0 || answer.nfds != 1) {
		ipc_msg_close_fds(&answer);
		errno = r->error ? r->error : EPROTO;
		return -1;
	}
	return answer.fds[0];
}

void
priv_rein(struct session *s)
{
	static struct ipc_rein m;

	memset(&m, 0, sizeof(m));
	ipc_hdr_init(&m.hdr, IPC_REIN, sizeof(m));
	session_state_export(s, &m.state);
	if (ipc_send(s->ipc_fd, &m, sizeof(m), &s->ctrl_fd, 1) < 0)
		fatal("sending REIN to the master");
	/* The master kills us; should it not, we must not serve on. */
	for (;;)
		sys_sleep_ms(1000);
}
