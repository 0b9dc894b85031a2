/*
 * privops.c - the master's side of the privileged requests (monitor).
 *
 * Every message from a child is checked by ipc_check_from_child() before
 * anything here looks at it: exact length for its type, allowed in the
 * child's phase, strings terminated, the right number of descriptors.  A
 * child that fails the check is killed.  What is then done uses the
 * master's own records: the client address the master accepted, the
 * local address of that connection, the socket it handed out.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/sys.h"
#include "master.h"

#define LOGIN_REQUESTS_MAX 6	/* the child itself stops at 3 failures */
#define HANDOFF_WAIT_MAX_MS 30000
#define LOG_LINES_PER_SECOND 50

static const char *
client_text(const struct session_rec *s, char *buf, size_t n)
{
	addr_host_text(&s->peer, buf, n);
	return buf;
}

static void
on_ready(struct master *m, struct child *c, const struct ipc_ready *r)
{
	uint32_t need = SANDBOX_CAPS | SANDBOX_NNP | SANDBOX_NODUMP |
	    SANDBOX_RLIMITS | SANDBOX_SECCOMP;

	if (m->privileged)
		need |= SANDBOX_CHROOT | SANDBOX_UID | SANDBOX_BOUNDING;
	if ((r->applied & need) != need || r->uid != m->uid ||
	    r->gid != m->gid) {
		pool_kill(m, c, "reported an incomplete sandbox");
		return;
	}
	c->phase = PHASE_IDLE;
	m->starting[c->kind]--;
	m->setup_failures = 0;
	pool_idle_push(m, c);
	if (!m->reported[c->kind]) {
		m->reported[c->kind] = true;
		log_info("%s sandbox: seccomp %s filter (default: %s), "
		    "%s%d, %s, uid %u gid %u, no capabilities%s, "
		    "no_new_privs, not dumpable, rlimits",
		    c->kind == WORKER_ANON ? "anonymous session" : "pre-login",
		    c->kind == WORKER_ANON ? "read-only session" : "pre-login",
		    m->cf->seccomp_debug ? "trap, log and exit" : "kill",
		    r->applied & SANDBOX_LANDLOCK ? "Landlock ABI " :
		    "no Landlock (kernel lacks it) ABI ",
		    r->landlock_abi,
		    r->applied & SANDBOX_CHROOT ? "chroot to the empty directory" :
		    "no chroot (unprivileged)",
		    r->uid, r->gid,
		    r->applied & SANDBOX_BOUNDING ? ", empty bounding set" : "");
	}
	privops_deliver_handoffs(m);
}

static void
on_log(struct master *m, struct child *c, struct ipc_log *l)
{
	int64_t now = sys_now_ms();
	char label[200];

	(void)m;
	/* A child cannot flood the log: LOG_LINES_PER_SECOND, then drops. */
	if (now - c->log_window_ms >= 1000) {
		if (c->log_dropped)
			log_warn("%s: %u log lines dropped (too many)",
			    child_label(c, label, sizeof(label)),
			    c->log_dropped);
		c->log_window_ms = now;
		c->log_lines = 0;
		c->log_dropped = 0;
	}
	if (++c->log_lines > LOG_LINES_PER_SECOND) {
		c->log_dropped++;
		return;
	}
	log_sanitize(l->text);
	str_copy(c->note, sizeof(c->note), l->text);
	log_msg(l->prio, "%s: %s", child_label(c, label, sizeof(label)),
	    l->text);
}

/* Is fd the very control socket we handed this child? */
static bool
same_socket(const struct child *c, int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_ino == c->sess.sock_ino && st.st_dev == c->sess.sock_dev;
}

static int
handoffs_grow(struct master *m)
{
	struct handoff **p;
	int ncap;

	if (m->nhandoffs < m->handoffs_cap)
		return 0;
	ncap = m->handoffs_cap ? m->handoffs_cap * 2 : 16;
	p = realloc(m->handoffs, (size_t)ncap * sizeof(*p));
	if (p == NULL)
		return -1;
	m->handoffs = p;
	m->handoffs_cap = ncap;
	return 0;
}

static void
queue_handoff(struct master *m, struct child *c, enum worker_kind to,
    uint32_t identity, const struct ipc_session_state *state, int fd)
{
	struct handoff *h = calloc(1, sizeof(*h));

	if (h == NULL || handoffs_grow(m) < 0) {
		free(h);
		master_refuse(fd, "Out of memory.");
		privops_end_session(m, &c->sess);
		c->has_session = false;
		c->phase = PHASE_LEAVING;
		return;
	}
	h->sess = c->sess;
	h->to = to;
	h->identity = identity;
	h->ctrl_fd = fd;
	h->since_ms = sys_now_ms();
	h->state = *state;
	/*
	 * The old child still holds a copy of the client's socket.  It is
	 * killed, and the session goes on only once it is reaped: no moment
	 * with two processes on one connection, whatever the old one does.
	 */
	h->wait_pid = c->pid;
	m->handoffs[m->nhandoffs++] = h;
	c->has_session = false;
	c->phase = PHASE_LEAVING;
	c->handed_off = true;
	kill(c->pid, SIGKILL);
	pool_close_ipc(m, c);
}

void
privops_child_gone(struct master *m, pid_t pid)
{
	int i;

	for (i = 0; i < m->nhandoffs; i++)
		if (m->handoffs[i]->wait_pid == pid)
			m->handoffs[i]->wait_pid = 0;
}

static void
send_login_result(struct master *m, struct child *c, uint32_t status)
{
	struct ipc_login_result r;

	memset(&r, 0, sizeof(r));
	ipc_hdr_init(&r.hdr, IPC_LOGIN_RESULT, sizeof(r));
	r.status = status;
	pool_send(m, c, &r, sizeof(r), NULL, 0);
}

static void
on_login(struct master *m, struct child *c, struct ipc_msg *msg)
{
	struct ipc_login *l = (struct ipc_login *)msg->u.raw;
	char who[ADDR_TEXT_MAX], user[IPC_USER_MAX];
	int fd = msg->fds[0];

	if (!same_socket(c, fd)) {
		pool_kill(m, c, "LOGIN with a descriptor that is not its "
		    "client's");
		return;
	}
	if (++c->sess.logins > LOGIN_REQUESTS_MAX) {
		pool_kill(m, c, "too many LOGIN requests");
		return;
	}
	client_text(&c->sess, who, sizeof(who));
	str_copy(user, sizeof(user), l->user);
	log_sanitize(user);
	if (auth_check(m->cf, l->user, l->pass) != AUTH_ANONYMOUS) {
		explicit_bzero(l->pass, sizeof(l->pass));
		log_warn("client %s: login failed for user '%s'", who, user);
		send_login_result(m, c, LOGIN_REFUSED);
		return;
	}
	explicit_bzero(l->pass, sizeof(l->pass));
	log_info("client %s: anonymous login (session %llu, user '%s')", who,
	    (unsigned long long)c->sess.id, user);
	str_copy(c->sess.user, sizeof(c->sess.user), "anonymous");
	msg->nfds = 0;		/* the descriptor goes with the handoff */
	queue_handoff(m, c, WORKER_ANON, IDENTITY_ANON, &l->state, fd);
}

static void
on_rein(struct master *m, struct child *c, struct ipc_msg *msg)
{
	struct ipc_rein *r = (struct ipc_rein *)msg->u.raw;
	int fd = msg->fds[0];

	if (!same_socket(c, fd)) {
		pool_kill(m, c, "REIN with a descriptor that is not its "
		    "client's");
		return;
	}
	c->sess.user[0] = '\0';
	c->sess.logins = 0;
	msg->nfds = 0;
	queue_handoff(m, c, WORKER_PRELOGIN, IDENTITY_NONE, &r->state, fd);
}

/*
 * A socket bound to local port 20, connecting to the client's own address
 * at the requested port (>= 1024, checked by the validator).  The address
 * comes from our records, never from the child.
 */
static void
on_port20(struct master *m, struct child *c, const struct ipc_port20 *req)
{
	struct ipc_port20_result r;
	struct sock_addr local = c->sess.local, target = c->sess.peer;
	int fd, one = 1, err = 0;

	if (!m->port20) {
		pool_kill(m, c, "PORT20 request while port 20 is off");
		return;
	}
	addr_set_port(&local, 20);
	addr_set_port(&target, req->port);
	fd = socket(local.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&local.ss, local.len) < 0 ||
	    (connect(fd, (struct sockaddr *)&target.ss, target.len) < 0 &&
	    errno != EINPROGRESS))
		err = errno ? errno : EIO;
	memset(&r, 0, sizeof(r));
	ipc_hdr_init(&r.hdr, IPC_PORT20_RESULT, sizeof(r));
	r.error = err;
	if (err == 0) {
		pool_send(m, c, &r, sizeof(r), &fd, 1);
	} else {
		log_warn("port 20 connection for session %llu: %s",
		    (unsigned long long)c->sess.id, strerror(err));
		pool_send(m, c, &r, sizeof(r), NULL, 0);
	}
	if (fd >= 0)
		close(fd);
}

void
privops_readable(struct master *m, struct child *c)
{
	struct ipc_msg msg;
	const char *why;
	char reason[160];

	while (c->ipc_fd >= 0) {
		int rc = ipc_recv(c->ipc_fd, &msg);

		if (rc < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pool_close_ipc(m, c);
			return;
		}
		if (rc == 0) {
			pool_close_ipc(m, c);	/* exiting; reaped later */
			return;
		}
		why = ipc_check_from_child(&msg, c->phase);
		if (why) {
			snprintf(reason, sizeof(reason),
			    "refused %s request (type %u, %zu bytes, %d fds) "
			    "in phase %s: %s",
			    ipc_type_name(msg.u.hdr.type), msg.u.hdr.type,
			    msg.len, msg.nfds, ipc_phase_name(c->phase), why);
			ipc_msg_close_fds(&msg);
			pool_kill(m, c, reason);
			return;
		}
		switch (msg.u.hdr.type) {
		case IPC_READY:
			on_ready(m, c, (struct ipc_ready *)msg.u.raw);
			break;
		case IPC_LOG:
			on_log(m, c, (struct ipc_log *)msg.u.raw);
			break;
		case IPC_LOGIN:
			on_login(m, c, &msg);
			break;
		case IPC_PORT20:
			on_port20(m, c, (struct ipc_port20 *)msg.u.raw);
			break;
		case IPC_REIN:
			on_rein(m, c, &msg);
			break;
		}
		ipc_msg_close_fds(&msg);
	}
}

int
privops_start_session(struct master *m, struct child *c,
    const struct session_rec *sess, uint32_t identity,
    const struct ipc_session_state *state, int ctrl_fd)
{
	static struct ipc_session_start st;

	memset(&st, 0, sizeof(st));
	ipc_hdr_init(&st.hdr, IPC_SESSION_START, sizeof(st));
	st.session_id = sess->id;
	addr_to_wire(&sess->peer, &st.peer);
	addr_to_wire(&sess->local, &st.local);
	st.identity = identity;
	str_copy(st.user, sizeof(st.user), sess->user);
	if (state) {
		st.has_state = 1;
		st.state = *state;
	}
	if (pool_send(m, c, &st, sizeof(st), &ctrl_fd, 1) < 0)
		return -1;
	c->phase = identity == IDENTITY_NONE ? PHASE_PRELOGIN : PHASE_SESSION;
	c->has_session = true;
	c->sess = *sess;
	return 0;
}

static void
remove_handoff(struct master *m, int i)
{
	free(m->handoffs[i]);
	m->handoffs[i] = m->handoffs[--m->nhandoffs];
}

void
privops_deliver_handoffs(struct master *m)
{
	int64_t now = sys_now_ms();
	int i = 0;

	while (i < m->nhandoffs) {
		struct handoff *h = m->handoffs[i];
		struct child *c;

		if (h->wait_pid != 0) {	/* the old child is not gone yet */
			i++;
			continue;
		}
		c = pool_idle_child(m, h->to);
		if (c && privops_start_session(m, c, &h->sess, h->identity,
		    &h->state, h->ctrl_fd) == 0) {
			close(h->ctrl_fd);
			remove_handoff(m, i);
			continue;
		}
		if (now - h->since_ms > HANDOFF_WAIT_MAX_MS) {
			master_refuse(h->ctrl_fd, "No session process available.");
			privops_end_session(m, &h->sess);
			remove_handoff(m, i);
			continue;
		}
		i++;
	}
}

void
privops_drop_handoffs(struct master *m, const char *why)
{
	while (m->nhandoffs > 0) {
		struct handoff *h = m->handoffs[0];

		master_refuse(h->ctrl_fd, why);
		privops_end_session(m, &h->sess);
		remove_handoff(m, 0);
	}
}

void
privops_end_session(struct master *m, const struct session_rec *sess)
{
	limits_remove(&sess->peer);
	m->sessions--;
	log_debug("session %llu ended", (unsigned long long)sess->id);
}
