/*
 * monitor_wrap.c - the child's side of the privileged requests: one
 * function per request, named after it (priv_<name>), each sending one
 * fixed-layout message over IPC_CHILD_FD and waiting for its answer
 * where one is due.  Nothing here touches the client: callers decide
 * what a failure means for the session.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "idlemem.h"
#include "monitor_wrap.h"

#define PRIV_ANSWER_TIMEOUT_MS 60000

static bool shutdown_seen;	/* SHUTDOWN came, or the master went away */
/*
 * The master's answers, read into one static buffer rather than a 9 kB
 * ipc_msg on the stack of each request: the stack's deepest point stays
 * resident while the session idles, and a receive writes only the few
 * bytes of the answer.  Each request reads its answer before the next.
 */
static IDLEMEM_PAGES(struct ipc_msg) answer_pages;
static struct ipc_msg *const answer = &answer_pages.v;

void
priv_log(int prio, const char *line)
{
	struct ipc_log m;

	/* After the transfers it may speak of, as they happened. */
	priv_xfer_flush();
	memset(&m, 0, sizeof(m));
	ipc_hdr_init(&m.hdr, IPC_LOG, sizeof(m));
	m.prio = prio;
	str_copy(m.text, sizeof(m.text), line);
	/* Best effort: if the master is gone there is nobody to tell. */
	(void)ipc_send(IPC_CHILD_FD, &m, sizeof(m), NULL, 0);
}

/*
 * Transfer reports wait here and go to the master together: when
 * XFER_HELD_MAX are held, when the first has waited XFER_HOLD_MS (the
 * command loop and a transfer's waits look), before anything else the
 * session sends (a log line speaks after the transfers it may be about;
 * REIN), at the session's end, and before it idles (idlemem gives these
 * pages back).  Each still goes as the one XFER message it always was,
 * but in a burst that the master answers in one round of its event loop,
 * with one write of the log lines: on a mirror of small files, the
 * master's work per file falls from a wakeup, a read, a write and a
 * getpid to little more than the read.  A held report is lost only with
 * a child that dies without a word (killed, or a crash).
 */
struct held_xfer {
	uint32_t cmd, flags, reply, path_len;	/* path_len with its NUL */
	uint64_t bytes, duration_ms;
};
#define XFER_HOLD_MS 500	/* below IDLEMEM_AFTER_MS: sent before idling */
#define XFER_HELD_MAX 32
struct held_buf {
	unsigned char b[8192];	/* a report with a whole path fits */
};
static IDLEMEM_PAGES(struct held_buf) held_pages;
static unsigned char *const held = held_pages.v.b;
static size_t held_used;
static unsigned held_count;
static int64_t held_since_ms;

/* What one report takes in held: its fields, its path, 8-byte aligned. */
static size_t
held_size(size_t path_len)
{
	return sizeof(struct held_xfer) + ((path_len + 7) & ~(size_t)7);
}

void
priv_xfer(uint32_t cmd, uint32_t flags, uint32_t reply, uint64_t bytes,
    uint64_t duration_ms, const char *path)
{
	struct held_xfer h;
	size_t len = strnlen(path, IPC_PATH_MAX - 1);
	size_t need = held_size(len + 1);

	if (held_count == XFER_HELD_MAX ||
	    held_used + need > sizeof(held_pages.v.b))
		priv_xfer_flush();
	if (held_count == 0) {
		idlemem_scratch(&held_pages, sizeof(held_pages));
		held_since_ms = sys_now_ms();
	}
	h.cmd = cmd;
	h.flags = flags;
	h.reply = reply;
	h.path_len = (uint32_t)len + 1;
	h.bytes = bytes;
	h.duration_ms = duration_ms;
	memcpy(held + held_used, &h, sizeof(h));
	memcpy(held + held_used + sizeof(h), path, len);
	held[held_used + sizeof(h) + len] = '\0';
	held_used += need;
	held_count++;
}

void
priv_xfer_flush(void)
{
	static struct ipc_xfer m;	/* 4 KiB: not on the stack */
	size_t off = 0;
	unsigned i;

	for (i = 0; i < held_count; i++) {
		struct held_xfer h;

		memcpy(&h, held + off, sizeof(h));
		memset(&m, 0, offsetof(struct ipc_xfer, path));
		ipc_hdr_init(&m.hdr, IPC_XFER, sizeof(m));
		m.cmd = h.cmd;
		m.direction = h.cmd == XFER_RETR ? XFER_OUT : XFER_IN;
		m.flags = h.flags;
		m.reply = h.reply;
		m.bytes = h.bytes;
		m.duration_ms = h.duration_ms;
		/* The path, its NUL, and zeros for the rest of the field
		 * (what an earlier, longer path left there). */
		memcpy(m.path, held + off + sizeof(h), h.path_len);
		memset(m.path + h.path_len, 0, sizeof(m.path) - h.path_len);
		(void)ipc_send(IPC_CHILD_FD, &m, sizeof(m), NULL, 0);
		off += held_size(h.path_len);
	}
	held_count = 0;
	held_used = 0;
}

int64_t
priv_xfer_due(int64_t now)
{
	if (held_count == 0)
		return -1;
	if (now - held_since_ms >= XFER_HOLD_MS) {
		priv_xfer_flush();
		return -1;
	}
	return held_since_ms + XFER_HOLD_MS - now;
}

void
priv_ready(uint32_t applied, int landlock_abi, uid_t uid, gid_t gid)
{
	struct ipc_ready m;

	memset(&m, 0, sizeof(m));
	ipc_hdr_init(&m.hdr, IPC_READY, sizeof(m));
	m.applied = applied;
	m.landlock_abi = landlock_abi;
	m.uid = uid;
	m.gid = gid;
	if (ipc_send(IPC_CHILD_FD, &m, sizeof(m), NULL, 0) < 0)
		fatal("sending READY to the master");
}

/* One checked message from the master; 1, 0 (gone) or -1 (timeout). */
int
priv_receive(struct ipc_msg *m, int timeout_ms)
{
	int64_t deadline = sys_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { IPC_CHILD_FD, POLLIN, 0 };
		int64_t left = deadline - sys_now_ms();
		const char *why;
		int rc;

		if (timeout_ms >= 0 && left <= 0)
			return -1;
		if (sys_poll(&p, 1, timeout_ms < 0 ? -1 : (int)left) <= 0)
			continue;
		rc = ipc_recv(IPC_CHILD_FD, m);
		if (rc == 0) {
			shutdown_seen = true;
			return 0;
		}
		if (rc < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fatal("reading from the master");
		}
		why = ipc_check_from_master(m);
		if (why != NULL)
			fatalx("bad message from the master: %s", why);
		return 1;
	}
}

/* Wait for the answer of the given type, in answer; SHUTDOWN meanwhile
 * is noted. */
static int
wait_answer(uint32_t type)
{
	idlemem_scratch(&answer_pages, sizeof(answer_pages));
	for (;;) {
		int rc = priv_receive(answer, PRIV_ANSWER_TIMEOUT_MS);

		if (rc < 0)
			fatalx("no answer from the master");
		if (rc == 0)
			return -1;
		if (answer->u.hdr.type == IPC_SHUTDOWN) {
			shutdown_seen = true;
			continue;
		}
		if (answer->u.hdr.type != type)
			fatalx("unexpected %s from the master",
			    ipc_type_name(answer->u.hdr.type));
		return 0;
	}
}

bool
priv_shutdown_requested(bool look)
{
	struct pollfd p = { IPC_CHILD_FD, POLLIN, 0 };
	int rc;

	if (shutdown_seen || !look || sys_poll(&p, 1, 0) <= 0)
		return shutdown_seen;
	rc = ipc_recv(IPC_CHILD_FD, answer);
	if (rc == 0) {
		shutdown_seen = true;	/* the master is gone */
	} else if (rc > 0) {
		if (ipc_check_from_master(answer) != NULL ||
		    answer->u.hdr.type != IPC_SHUTDOWN)
			fatalx("unexpected message from the master");
		shutdown_seen = true;
	}
	return shutdown_seen;
}

/*
 * Send a request that carries the control socket.  Unprivileged, every
 * process is one user, and the kernel refuses to pass a descriptor
 * (ETOOMANYREFS) while that user has more in flight than our
 * RLIMIT_NOFILE: a burst of children starting holds some until each
 * reads its settings.  That passes within milliseconds; wait for it.
 */
static int
send_with_socket(const void *msg, size_t len, int ctrl_fd)
{
	int tries;

	for (tries = 0; tries < 200; tries++) {
		if (ipc_send(IPC_CHILD_FD, msg, len, &ctrl_fd, 1) == 0)
			return 0;
		if (errno != ETOOMANYREFS)
			return -1;
		sys_sleep_ms(10);
	}
	return -1;
}

/* Large, and static rather than on the stack; written only as far as
 * they are used (see session_state_export), and given back while the
 * session idles (LOGIN: a greeting anonymous child goes on after it). */
static IDLEMEM_PAGES(struct ipc_login) login_pages;
static struct ipc_login *const login_msg = &login_pages.v;
static struct ipc_rein rein_msg;

struct ipc_session_state *
priv_login_state(void)
{
	return &login_msg->state;
}

struct ipc_session_state *
priv_rein_state(void)
{
	return &rein_msg.state;
}

int
priv_login(int ctrl_fd, const char *user, const char *pass, bool tls,
    int *relay_fd)
{
	struct ipc_login *m = login_msg;
	const struct ipc_login_result *r;
	int rc;

	idlemem_scratch(&login_pages, sizeof(login_pages));
	idlemem_scratch(&answer_pages, sizeof(answer_pages));
	/* Cleared up to the state, which is filled already. */
	memset(m, 0, offsetof(struct ipc_login, state));
	ipc_hdr_init(&m->hdr, IPC_LOGIN, sizeof(*m));
	str_copy(m->user, sizeof(m->user), user);
	str_copy(m->pass, sizeof(m->pass), pass);
	m->tls = tls ? 1 : 0;
	rc = send_with_socket(m, sizeof(*m), ctrl_fd);
	explicit_bzero(m->pass, sizeof(m->pass));
	if (rc < 0)
		return -1;
	/* Accepted in clear: the master kills us while we wait here.
	 * Accepted over TLS: RELAY, with the session child's socket. */
	for (;;) {
		rc = priv_receive(answer, PRIV_ANSWER_TIMEOUT_MS);
		if (rc < 0)
			fatalx("no answer from the master");
		if (rc == 0)
			return -1;
		if (answer->u.hdr.type == IPC_SHUTDOWN) {
			shutdown_seen = true;
			continue;
		}
		if (answer->u.hdr.type == IPC_RELAY && tls) {
			*relay_fd = answer->fds[0];
			return LOGIN_RELAYED;
		}
		if (answer->u.hdr.type != IPC_LOGIN_RESULT)
			fatalx("unexpected %s from the master",
			    ipc_type_name(answer->u.hdr.type));
		break;
	}
	r = (const struct ipc_login_result *)answer->u.raw;
	if (r->status != LOGIN_REFUSED && r->status != LOGIN_REFUSED_CLOSE &&
	    r->status != LOGIN_REFUSED_TLS && r->status != LOGIN_ACCEPTED_HERE)
		fatalx("unknown login status %u", r->status);
	return (int)r->status;
}

int
priv_tls_sign(uint32_t op, const void *data, size_t len, void *sig,
    size_t sigmax)
{
	struct ipc_tls_sign m;
	const struct ipc_sign_result *r;

	if (len > sizeof(m.data))
		return -1;
	memset(&m, 0, sizeof(m));
	ipc_hdr_init(&m.hdr, IPC_TLS_SIGN, sizeof(m));
	m.op = op;
	m.len = (uint32_t)len;
	memcpy(m.data, data, len);
	if (ipc_send(IPC_CHILD_FD, &m, sizeof(m), NULL, 0) < 0 ||
	    wait_answer(IPC_SIGN_RESULT) < 0)
		return -1;
	r = (const struct ipc_sign_result *)answer->u.raw;
	if (r->error != 0 || r->len == 0 || r->len > sigmax ||
	    r->len > sizeof(r->sig))
		return -1;
	memcpy(sig, r->sig, r->len);
	return (int)r->len;
}

/* A request answered with a socket (PASV_RESULT, CONNECT_RESULT). */
static int
socket_request(const void *req, size_t len, uint32_t answer_type,
    uint16_t *port)
{
	const struct ipc_socket_result *r;

	if (ipc_send(IPC_CHILD_FD, req, len, NULL, 0) < 0)
		return -1;
	if (wait_answer(answer_type) < 0) {
		errno = EPIPE;
		return -1;
	}
	r = (const struct ipc_socket_result *)answer->u.raw;
	if (r->error != 0) {
		errno = r->error > 0 ? r->error : EPROTO;
		return -1;
	}
	if (port)
		*port = r->port;
	return answer->fds[0];
}

int
priv_pasv_listen(uint16_t *port)
{
	struct ipc_pasv_listen m;

	memset(&m, 0, sizeof(m));
	ipc_hdr_init(&m.hdr, IPC_PASV_LISTEN, sizeof(m));
	return socket_request(&m, sizeof(m), IPC_PASV_RESULT, port);
}

int
priv_data_connect(uint16_t port)
{
	struct ipc_data_connect m;

	memset(&m, 0, sizeof(m));
	ipc_hdr_init(&m.hdr, IPC_DATA_CONNECT, sizeof(m));
	m.port = port;
	return socket_request(&m, sizeof(m), IPC_CONNECT_RESULT, NULL);
}

void
priv_rein(int ctrl_fd)
{
	priv_xfer_flush();
	memset(&rein_msg, 0, offsetof(struct ipc_rein, state));
	ipc_hdr_init(&rein_msg.hdr, IPC_REIN, sizeof(rein_msg));
	if (send_with_socket(&rein_msg, sizeof(rein_msg), ctrl_fd) < 0)
		fatal("sending REIN to the master");
	/* The master kills us; should it not, we must not serve on. */
	for (;;)
		sys_sleep_ms(1000);
}
