/*
 * ipc.c - sending and receiving privsep messages with descriptors, and
 * the validators both sides run on what they receive.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "ipc.h"
#include "sys.h"
#include "util.h"

void
ipc_hdr_init(struct ipc_hdr *h, uint32_t type, size_t len)
{
	h->type = type;
	h->len = (uint32_t)len;
}

int
ipc_send(int sock, const void *msg, size_t len, const int *fds, int nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * IPC_MAX_FDS)];
	} cbuf;
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		struct cmsghdr *c;

		if (nfds > IPC_MAX_FDS) {
			errno = EINVAL;
			return -1;
		}
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	n = sys_sendmsg(sock, &mh, 0);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Collect SCM_RIGHTS descriptors; anything odd marks the message cut. */
static void
take_fds(struct msghdr *mh, struct ipc_msg *m)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		size_t n, i;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			m->truncated = true;
			continue;
		}
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (m->nfds < IPC_MAX_FDS) {
				m->fds[m->nfds++] = fd;
			} else {
				close(fd);
				m->truncated = true;
			}
		}
	}
}

int
ipc_recv(int sock, struct ipc_msg *m)
{
	union {
		struct cmsghdr align;
		/* Room for more than we accept, so extras are seen and closed
		 * rather than silently dropped by the kernel. */
		char buf[CMSG_SPACE(sizeof(int) * (IPC_MAX_FDS + 6))];
	} cbuf;
	struct iovec iov = { m->u.raw, sizeof(m->u.raw) };
	struct msghdr mh;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	m->nfds = 0;
	m->truncated = false;
	m->len = 0;

	n = sys_recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -1;
	if (n == 0 && mh.msg_controllen == 0)
		return 0;
	m->len = (size_t)n;
	take_fds(&mh, m);
	if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
		m->truncated = true;
	return 1;
}

void
ipc_msg_close_fds(struct ipc_msg *m)
{
	int i;

	for (i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	m->nfds = 0;
}

const char *
ipc_type_name(uint32_t type)
{
	switch (type) {
	case IPC_WORKER_INIT:
		return "WORKER_INIT";
	case IPC_SESSION_START:
		return "SESSION_START";
	case IPC_LOGIN_RESULT:
		return "LOGIN_RESULT";
	case IPC_PORT20_RESULT:
		return "PORT20_RESULT";
	case IPC_SHUTDOWN:
		return "SHUTDOWN";
	case IPC_READY:
		return "READY";
	case IPC_LOG:
		return "LOG";
	case IPC_LOGIN:
		return "LOGIN";
	case IPC_PORT20:
		return "PORT20";
	case IPC_REIN:
		return "REIN";
	default:
		return "unknown";
	}
}

const char *
ipc_phase_name(enum ipc_phase ph)
{
	switch (ph) {
	case PHASE_SETUP:
		return "setup";
	case PHASE_IDLE:
		return "idle";
	case PHASE_PRELOGIN:
		return "pre-login";
	case PHASE_SESSION:
		return "session";
	case PHASE_LEAVING:
		return "leaving";
	}
	return "?";
}

/* The exact size, the phases it is allowed in, and descriptors expected. */
struct child_rule {
	uint32_t type;
	size_t size;
	unsigned phases;	/* bit per enum ipc_phase */
	int nfds;
};

#define PH(p) (1u << (p))

static const struct child_rule child_rules[] = {
	{ IPC_READY, sizeof(struct ipc_ready), PH(PHASE_SETUP), 0 },
	{ IPC_LOG, sizeof(struct ipc_log),
	    PH(PHASE_SETUP) | PH(PHASE_IDLE) | PH(PHASE_PRELOGIN) |
	    PH(PHASE_SESSION) | PH(PHASE_LEAVING), 0 },
	{ IPC_LOGIN, sizeof(struct ipc_login), PH(PHASE_PRELOGIN), 1 },
	{ IPC_PORT20, sizeof(struct ipc_port20), PH(PHASE_SESSION), 0 },
	{ IPC_REIN, sizeof(struct ipc_rein), PH(PHASE_SESSION), 1 },
};

static const char *
check_fields(const struct ipc_msg *m)
{
	const void *p = m->u.raw;

	switch (m->u.hdr.type) {
	case IPC_LOG: {
		const struct ipc_log *l = p;

		if (!str_terminated(l->text, sizeof(l->text)))
			return "log text not terminated";
		if (l->prio < LOG_ERR || l->prio > LOG_DEBUG)
			return "log priority out of range";
		return NULL;
	}
	case IPC_LOGIN: {
		const struct ipc_login *l = p;

		if (!str_terminated(l->user, sizeof(l->user)))
			return "user name not terminated";
		if (!str_terminated(l->pass, sizeof(l->pass)))
			return "password not terminated";
		return NULL;
	}
	case IPC_PORT20: {
		const struct ipc_port20 *r = p;

		if (r->port < 1024)
			return "port 20 request for a privileged port";
		if (r->pad != 0)
			return "padding not zero";
		return NULL;
	}
	case IPC_READY: {
		const struct ipc_ready *r = p;

		if (r->landlock_abi < 0 || r->landlock_abi > 64)
			return "landlock ABI out of range";
		return NULL;
	}
	default:
		return NULL;
	}
}

const char *
ipc_check_from_child(const struct ipc_msg *m, enum ipc_phase ph)
{
	const struct child_rule *rule = NULL;
	size_t i;

	if (m->truncated)
		return "message or descriptors truncated";
	if (m->len < sizeof(struct ipc_hdr))
		return "shorter than a header";
	if (m->u.hdr.len != m->len)
		return "length field does not match the message";
	for (i = 0; i < ARRAY_SIZE(child_rules); i++)
		if (child_rules[i].type == m->u.hdr.type)
			rule = &child_rules[i];
	if (rule == NULL)
		return "unknown request type";
	if (m->len != rule->size)
		return "wrong length for its type";
	if (!(rule->phases & PH(ph)))
		return "request not allowed in this phase";
	if (m->nfds != rule->nfds)
		return "wrong number of descriptors";
	return check_fields(m);
}

const char *
ipc_check_from_master(const struct ipc_msg *m)
{
	size_t want;
	int want_fds = -1;	/* -1: any count up to IPC_MAX_FDS */

	if (m->truncated)
		return "message or descriptors truncated";
	if (m->len < sizeof(struct ipc_hdr) || m->u.hdr.len != m->len)
		return "bad length";
	switch (m->u.hdr.type) {
	case IPC_WORKER_INIT:
		want = sizeof(struct ipc_worker_init);
		break;
	case IPC_SESSION_START:
		want = sizeof(struct ipc_session_start);
		want_fds = 1;
		break;
	case IPC_LOGIN_RESULT:
		want = sizeof(struct ipc_login_result);
		want_fds = 0;
		break;
	case IPC_PORT20_RESULT:
		want = sizeof(struct ipc_port20_result);
		break;
	case IPC_SHUTDOWN:
		want = sizeof(struct ipc_empty);
		want_fds = 0;
		break;
	default:
		return "unknown message type";
	}
	if (m->len != want)
		return "wrong length for its type";
	if (want_fds >= 0 && m->nfds != want_fds)
		return "wrong number of descriptors";
	return NULL;
}
