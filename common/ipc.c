/*
 * ipc.c - sending and receiving privsep messages with descriptors, and
 * the validators both sides run on what they receive.
 */
#include <errno.h>
#include <stddef.h>
#include <poll.h>
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

void
ipc_state_set_pending(struct ipc_session_state *st, const void *data,
    size_t len)
{
	size_t old = st->pending_len;

	if (old > sizeof(st->pending))
		old = sizeof(st->pending);
	if (len > sizeof(st->pending))
		len = sizeof(st->pending);
	memcpy(st->pending, data, len);
	if (old > len)
		memset(st->pending + len, 0, old - len);
	st->pending_len = (uint32_t)len;
}

void
ipc_state_copy(struct ipc_session_state *dst,
    const struct ipc_session_state *src)
{
	uint32_t old = dst->pending_len;

	memcpy(dst, src, offsetof(struct ipc_session_state, pending));
	dst->pending_len = old;
	ipc_state_set_pending(dst, src->pending, src->pending_len);
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

/*
 * On a SOCK_SEQPACKET socket recvmsg returns 0 both for a zero-length
 * message and at the end: the peer's close or shutdown tells them apart
 * (POLLHUP or POLLRDHUP).  A zero-length message is a message, and one no
 * validator accepts.
 */
static bool
peer_closed(int sock)
{
	struct pollfd p = { sock, POLLRDHUP, 0 };

	return poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP));
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
	/* A message shorter than a header leaves no stale type behind. */
	memset(&m->u.hdr, 0, sizeof(m->u.hdr));

	n = sys_recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -1;
	if (n == 0 && mh.msg_controllen == 0 && peer_closed(sock))
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
#define IPC_TYPE_NAME(T, ...) case IPC_##T: return #T;
	IPC_MASTER_MESSAGES(IPC_TYPE_NAME)
	IPC_REQUESTS(IPC_TYPE_NAME)
#undef IPC_TYPE_NAME
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
	case PHASE_RELAY:
		return "TLS relay";
	}
	return "?";
}

/* ---- the checks of each request's own fields (NULL: fine) ---- */

static const char *
ipc_check_ready(const void *p)
{
	const struct ipc_ready *r = p;

	if (r->landlock_abi < 0 || r->landlock_abi > 64)
		return "landlock ABI out of range";
	return NULL;
}

static const char *
ipc_check_log(const void *p)
{
	const struct ipc_log *l = p;

	if (!str_terminated(l->text, sizeof(l->text)))
		return "log text not terminated";
	if (l->prio < LOG_ERR || l->prio > LOG_DEBUG)
		return "log priority out of range";
	return NULL;
}

static const char *
ipc_check_login(const void *p)
{
	const struct ipc_login *l = p;

	if (!str_terminated(l->user, sizeof(l->user)))
		return "user name not terminated";
	if (!str_terminated(l->pass, sizeof(l->pass)))
		return "password not terminated";
	return NULL;
}

static const char *
ipc_check_pasv_listen(const void *p)
{
	const struct ipc_pasv_listen *r = p;

	return r->pad != 0 ? "padding not zero" : NULL;
}

static const char *
ipc_check_data_connect(const void *p)
{
	const struct ipc_data_connect *r = p;

	if (r->port < 1024)
		return "data connection to a privileged port";
	if (r->pad != 0)
		return "padding not zero";
	return NULL;
}

static const char *
ipc_check_rein(const void *p)
{
	(void)p;	/* the session state is the next child's to check */
	return NULL;
}

static const char *
ipc_check_tls_sign(const void *p)
{
	const struct ipc_tls_sign *r = p;

	if (r->op < SIGN_RSA_PKCS1 || r->op > SIGN_ECDSA)
		return "unknown key operation";
	if (r->len == 0 || r->len > sizeof(r->data))
		return "key operation input out of range";
	return NULL;
}

static const char *
ipc_check_xfer(const void *p)
{
	const struct ipc_xfer *x = p;

	if (x->cmd < XFER_RETR || x->cmd > XFER_APPE)
		return "unknown transfer command";
	if (x->direction != (x->cmd == XFER_RETR ? XFER_OUT : XFER_IN))
		return "transfer direction does not match its command";
	if (x->flags & ~(uint32_t)XFER_FLAGS)
		return "unknown transfer flags";
	if (x->reply < 100 || x->reply > 599)
		return "reply code out of range";
	if (x->duration_ms > XFER_DURATION_MAX)
		return "transfer duration out of range";
	if (!str_terminated(x->path, sizeof(x->path)))
		return "transfer path not terminated";
	if (x->path[0] != '/')
		return "transfer path not absolute";
	return NULL;
}

/* The exact size, the phases allowed, the descriptors, the field check. */
struct request_rule {
	uint32_t type;
	size_t size;
	unsigned phases;	/* PH_* */
	int nfds;
	const char *(*check)(const void *msg);
};

static const struct request_rule request_rules[IPC_NREQUESTS] = {
#define IPC_RULE(T, name, st, ph, nf) \
	[IPC_##T - IPC_REQUEST_BASE - 1] = \
	    { IPC_##T, sizeof(st), ph, nf, ipc_check_##name },
	IPC_REQUESTS(IPC_RULE)
#undef IPC_RULE
};

const char *
ipc_check_from_child(const struct ipc_msg *m, enum ipc_phase ph)
{
	const struct request_rule *rule;

	if (m->truncated)
		return "message or descriptors truncated";
	if (m->len < sizeof(struct ipc_hdr))
		return "shorter than a header";
	if (m->u.hdr.len != m->len)
		return "length field does not match the message";
	if (m->u.hdr.type <= IPC_REQUEST_BASE ||
	    m->u.hdr.type >= IPC_REQUEST_END)
		return "unknown request type";
	rule = &request_rules[m->u.hdr.type - IPC_REQUEST_BASE - 1];
	if (m->len != rule->size)
		return "wrong length for its type";
	if (!(rule->phases & (1u << ph)))
		return "request not allowed in this phase";
	if (m->nfds != rule->nfds)
		return "wrong number of descriptors";
	return rule->check(m->u.raw);
}

const char *
ipc_check_from_master(const struct ipc_msg *m)
{
	static const struct {
		uint32_t type;
		size_t size;
		int nfds;	/* -1: one with a success, else none;
				 * IPC_FDS_INIT: 1 or 3, the seccomp
				 * program, the certificates with TLS */
	} rules[] = {
#define IPC_MASTER_RULE(T, st, nf) { IPC_##T, sizeof(st), nf },
		IPC_MASTER_MESSAGES(IPC_MASTER_RULE)
#undef IPC_MASTER_RULE
	};
	size_t i;

	if (m->truncated)
		return "message or descriptors truncated";
	if (m->len < sizeof(struct ipc_hdr) || m->u.hdr.len != m->len)
		return "bad length";
	for (i = 0; i < ARRAY_SIZE(rules); i++) {
		if (rules[i].type != m->u.hdr.type)
			continue;
		if (m->len != rules[i].size)
			return "wrong length for its type";
		if (rules[i].nfds >= 0 && m->nfds != rules[i].nfds)
			return "wrong number of descriptors";
		if (rules[i].nfds == IPC_FDS_INIT) {
			const struct ipc_child_init *w =
			    (const void *)m->u.raw;
			int more = 1 + ((w->flags & INIT_TLS) ? 1 : 0);

			/* The kind itself is the child's to check. */
			if (m->nfds != 1 + more && m->nfds != 3 + more)
				return "wrong number of descriptors";
		}
		if (rules[i].nfds == -1) {
			const struct ipc_socket_result *r =
			    (const void *)m->u.raw;

			if (m->nfds != (r->error == 0 ? 1 : 0))
				return "wrong number of descriptors";
		}
		return NULL;
	}
	return "unknown message type";
}

void
ipc_require_master(const char *mode)
{
	static const char *const parts[] = { "sandftpd: ", NULL,
	    " is started by the master only\n" };
	int type = 0;
	socklen_t len = sizeof(type);
	size_t i;

	if (getsockopt(IPC_CHILD_FD, SOL_SOCKET, SO_TYPE, &type, &len) == 0 &&
	    type == SOCK_SEQPACKET)
		return;
	/* No master to log to: someone ran us by hand. */
	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		const char *p = parts[i] ? parts[i] : mode;

		(void)!write(2, p, strlen(p));
	}
	_exit(2);
}
