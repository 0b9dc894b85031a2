/*
 * monitor.c - the master's answers to the children's privileged requests.
 *
 * Every message from a child is checked by ipc_check_from_child() before
 * anything here looks at it: exact length for its type, allowed in the
 * child's phase, the right number of descriptors, the request's own
 * fields.  A child that fails the check is killed.  What is then done
 * uses the master's own records: the client address the master
 * accepted, the local address of that connection, the socket it handed
 * out.  A child names no address, port or path the master would use.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "authjob.h"
#include "handoff.h"
#include "limits.h"
#include "login.h"
#include "metrics.h"
#include "monitor.h"
#include "pool.h"
#include "tlskey.h"
#include "xferlog.h"

#define LOG_LINES_PER_SECOND 50
/* Above what a real session makes (each transfer needs a data
 * connection; the benchmark's 4 KiB RETRs over loopback reach about
 * 2,000 a second in one session), and bounded, so that a lying child
 * cannot flood the disk without end: a limit of its own, so that LOG
 * lines never cost a transfer its xferlog line. */
#define XFERS_PER_SECOND 5000
#define PASV_BIND_TRIES 64

static const struct bucket_rate session_handoff_rate = {
	MONITOR_SESSION_HANDOFF_BURST, MONITOR_SESSION_HANDOFF_PER_TOKEN_MS,
};

typedef void answer_fn(struct master *m, struct child *c, struct ipc_msg *msg);

static const char *
client_text(const struct session_rec *s, char *buf, size_t n)
{
	addr_host_text(&s->peer, buf, n);
	return buf;
}

/* ---- READY ---- */

static const char *
sandbox_policy_name(const struct child *c)
{
	switch (c->kind) {
	case CHILD_ANON:
		return c->want_upload ? "anonymous upload" :
		    "read-only session";
	case CHILD_USER:
		return c->want_write ? "read-write session" :
		    "read-only session";
	default:
		return "pre-login";
	}
}

static void
priv_answer_ready(struct master *m, struct child *c, struct ipc_msg *msg)
{
	const struct ipc_ready *r = (const void *)msg->u.raw;
	uint32_t need = SANDBOX_CAPS | SANDBOX_NNP | SANDBOX_NODUMP |
	    SANDBOX_RLIMITS | SANDBOX_SECCOMP | SANDBOX_CHROOT |
	    SANDBOX_BOUNDING | SANDBOX_STDIO;

	need |= m->privileged ? SANDBOX_UID : SANDBOX_USERNS;
	if (m->cf->require_landlock)
		need |= SANDBOX_LANDLOCK;
	if ((r->applied & need) != need || r->uid != c->want_uid ||
	    r->gid != c->want_gid) {
		if (!(r->applied & SANDBOX_LANDLOCK) && m->cf->require_landlock)
			log_err("Landlock is not available on this kernel; "
			    "refusing to serve without it (require_landlock = "
			    "no accepts that: chroot, seccomp and the uid "
			    "separation still apply)");
		pool_kill(m, c, "reported an incomplete sandbox");
		return;
	}
	c->phase = PHASE_IDLE;
	m->starting[c->pool]--;
	m->setup_failures = 0;
	if (c->kind != CHILD_USER) {	/* a user's child waits for its own */
		if (c->config_gen != m->config_gen)
			pool_retire(m, c);	/* started before a reload */
		else
			pool_idle_push(m, c);
	}
	if (!m->reported[c->kind]) {
		m->reported[c->kind] = true;
		log_info("%s sandbox: seccomp %s filter (default: %s), "
		    "%s%d, chroot to %s, %s, uid %u gid %u, no capabilities, "
		    "empty bounding set, no_new_privs, not dumpable, rlimits, "
		    "stdio on /dev/null",
		    c->kind == CHILD_ANON ? "anonymous session" :
		    c->kind == CHILD_USER ? "user session" : "pre-login",
		    sandbox_policy_name(c),
		    m->cf->seccomp_debug ? "trap, log and exit" : "kill",
		    r->applied & SANDBOX_LANDLOCK ? "Landlock ABI " :
		    "NO Landlock (require_landlock = no) ABI ",
		    r->landlock_abi,
		    c->kind == CHILD_ANON ? "the anonymous root" :
		    c->kind == CHILD_USER ? "the user's root" :
		    "the empty directory",
		    r->applied & SANDBOX_USERNS ? "own user namespace" :
		    "uid switch", r->uid, r->gid);
	}
	handoff_deliver(m);
}

/* ---- LOG, XFER ---- */

/*
 * A child cannot flood the logs: so many requests a second (LOG lines,
 * XFER reports), then drops, counted and reported.
 */
static bool
rate_allowed(struct child *c, struct child_rate *r, unsigned limit,
    const char *what)
{
	int64_t now = sys_now_ms();
	char label[POOL_LABEL_MAX];

	if (now - r->window_ms >= 1000) {
		if (r->dropped)
			log_warn("%s: %u %s dropped (too many)",
			    pool_child_label(c, label, sizeof(label)),
			    r->dropped, what);
		r->window_ms = now;
		r->count = 0;
		r->dropped = 0;
	}
	if (++r->count > limit) {
		r->dropped++;
		return false;
	}
	return true;
}

static void
priv_answer_log(struct master *m, struct child *c, struct ipc_msg *msg)
{
	struct ipc_log *l = (void *)msg->u.raw;
	static char text[IPC_LOGTEXT_MAX * 4 + 3];
	char label[POOL_LABEL_MAX];

	(void)m;
	if (!rate_allowed(c, &c->log_rate, LOG_LINES_PER_SECOND, "log lines"))
		return;
	/* The child's words, all in one quoted value: whatever it says
	 * cannot end the line or pose as a field of the master's. */
	log_value(text, sizeof(text), l->text);
	log_sanitize(l->text);
	str_copy(c->note, sizeof(c->note), l->text);
	log_msg(l->prio, "%s: msg=%s", pool_child_label(c, label,
	    sizeof(label)), text);
}

static const char *const xfer_cmd_names[] = {
	[XFER_RETR] = "RETR", [XFER_STOR] = "STOR", [XFER_STOU] = "STOU",
	[XFER_APPE] = "APPE",
};

/* A transfer ended: counted, logged as fields, and in the xferlog. */
static void
priv_answer_xfer(struct master *m, struct child *c, struct ipc_msg *msg)
{
	const struct ipc_xfer *x = (const void *)msg->u.raw;
	bool complete = (x->flags & XFER_COMPLETE) != 0;
	char f[SESSION_FIELDS_MAX], path[1024];
	uint64_t room;

	(void)m;
	if (!rate_allowed(c, &c->xfer_rate, XFERS_PER_SECOND,
	    "transfer reports"))
		return;
	/* A counter never goes back (Prometheus reads a drop as a
	 * restart): what a lying child reports stops at the top. */
	room = UINT64_MAX - metrics.bytes[x->direction];
	metrics.bytes[x->direction] += x->bytes < room ? x->bytes : room;
	metrics.transfers[x->direction][complete]++;
	log_info("%s cmd=%s path=%s reply=%u bytes=%llu duration_ms=%llu "
	    "type=%s status=%s", master_session_fields(&c->sess, f,
	    sizeof(f)), xfer_cmd_names[x->cmd],
	    log_value(path, sizeof(path), x->path), x->reply,
	    (unsigned long long)x->bytes, (unsigned long long)x->duration_ms,
	    x->flags & XFER_ASCII ? "ascii" : "binary",
	    complete ? "complete" : "incomplete");
	xferlog_write(&c->sess, x);
}

/* ---- LOGIN, REIN: the session moves to another child ---- */

/* Is fd the very control socket we handed this child? */
static bool
same_socket(const struct child *c, int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_ino == c->sess.sock_ino && st.st_dev == c->sess.sock_dev;
}

/*
 * A connection's first login is paid for by the connection itself; every
 * further handoff (REIN, and the login after it) spends the connection's
 * and its address's budget.  Out of budget: the connection is ended.
 */
bool
monitor_handoff_allowed(struct master *m, struct child *c, int fd)
{
	int64_t now = sys_now_ms();
	char who[ADDR_TEXT_MAX], f[SESSION_FIELDS_MAX];

	if (!c->sess.had_login)
		return true;
	if (bucket_take(&c->sess.handoffs, &session_handoff_rate, now) &&
	    limits_take_handoff(&c->sess.peer, now))
		return true;
	log_warn("%s client %s: session %llu: too many logins and REINs; "
	    "closing it", master_session_fields(&c->sess, f, sizeof(f)),
	    client_text(&c->sess, who, sizeof(who)),
	    (unsigned long long)c->sess.id);
	metrics.refusals[REFUSED_HANDOFFS]++;
	pool_retire(m, c);	/* its record stays; only its role ends */
	master_refuse(fd, "Too many logins on this connection.");
	master_end_session(m, &c->sess);
	return false;
}

static void
priv_answer_login(struct master *m, struct child *c, struct ipc_msg *msg)
{
	struct ipc_login *l = (void *)msg->u.raw;
	int fd = msg->fds[0];

	if (!same_socket(c, fd)) {
		pool_kill(m, c, "LOGIN with a descriptor that is not its "
		    "client's");
		return;
	}
	msg->nfds = 0;		/* the descriptor is login_request's now */
	login_request(m, c, l, fd);
}

static void
priv_answer_rein(struct master *m, struct child *c, struct ipc_msg *msg)
{
	struct ipc_rein *r = (void *)msg->u.raw;
	int fd = msg->fds[0];

	if (!same_socket(c, fd)) {
		pool_kill(m, c, "REIN with a descriptor that is not its "
		    "client's");
		return;
	}
	msg->nfds = 0;
	c->sess.login_class = -1;
	if (c->sess.relayed) {
		close(fd);
		pool_kill(m, c, "REIN on a TLS connection, which its relay "
		    "holds");
		return;
	}
	if (!monitor_handoff_allowed(m, c, fd))
		return;
	/* The user logged out: a system user's PAM session ends here, not
	 * with the connection (which may log in again, and hold another). */
	authjob_session_ended(m, c->sess.id);
	c->sess.user[0] = '\0';
	handoff_queue(m, c, pool_greeter(m), -1, IDENTITY_NONE, &r->state, fd,
	    false);
}

/* ---- PASV_LISTEN, DATA_CONNECT: every data socket is ours ---- */

/*
 * max_data_sockets_per_minute: a session's budget of the sockets made
 * for it here.  The budget is the connection's (it moves with the
 * session across REIN and logins).  Over it the request is refused with
 * IPC_ERR_DATA_SOCKETS, which the child turns into a 425; one log line
 * for each run of refusals.
 */
static bool
data_socket_allowed(struct child *c)
{
	struct session_rec *s = &c->sess;
	char f[SESSION_FIELDS_MAX];

	if (s->data_socket_rate.burst == 0)
		return true;
	if (bucket_take(&s->data_sockets, &s->data_socket_rate,
	    sys_now_ms())) {
		s->data_sockets_refusing = false;
		return true;
	}
	if (!s->data_sockets_refusing)
		log_warn("%s data connections refused: more than %u a minute "
		    "(max_data_sockets_per_minute)", master_session_fields(s,
		    f, sizeof(f)), s->data_socket_rate.burst);
	s->data_sockets_refusing = true;
	return false;
}

static void
send_socket_result(struct master *m, struct child *c, uint32_t type, int err,
    uint16_t port, int fd)
{
	struct ipc_socket_result r;

	memset(&r, 0, sizeof(r));
	ipc_hdr_init(&r.hdr, type, sizeof(r));
	r.error = err;
	r.port = port;
	if (err == 0)
		pool_send(m, c, &r, sizeof(r), &fd, 1);
	else
		pool_send(m, c, &r, sizeof(r), NULL, 0);
	if (fd >= 0)
		close(fd);
}

/*
 * A listener on the session's own local address and a port of
 * pasv_ports, backlog 1.  Random ports first, then a sweep, so a nearly
 * full range still works.
 */
static void
priv_answer_pasv_listen(struct master *m, struct child *c,
    struct ipc_msg *msg)
{
	unsigned span = m->cf->pasv_max - m->cf->pasv_min + 1, i;
	struct sock_addr a = c->sess.local;
	uint32_t r;
	int fd = -1, err = EADDRINUSE;
	uint16_t port = 0;

	(void)msg;
	if (!data_socket_allowed(c)) {
		send_socket_result(m, c, IPC_PASV_RESULT, IPC_ERR_DATA_SOCKETS,
		    0, -1);
		return;
	}
	if (sys_random(&r, sizeof(r)) < 0)
		r = (uint32_t)sys_now_ms();
	for (i = 0; i < PASV_BIND_TRIES + span; i++) {
		unsigned off = i < PASV_BIND_TRIES ?
		    (r + i * 2654435761u) % span : (r + i) % span;

		port = (uint16_t)(m->cf->pasv_min + off);
		addr_set_port(&a, port);
		fd = sys_tcp_listen(&a, 1);
		if (fd >= 0) {
			/* What it accepts is corked too (sys_tcp_cork). */
			(void)sys_tcp_cork(fd, 1);
			err = 0;
			break;
		}
		err = errno;
		if (err != EADDRINUSE)
			break;
	}
	if (err) {
		char f[SESSION_FIELDS_MAX];

		log_warn("%s no passive listener: %s",
		    master_session_fields(&c->sess, f, sizeof(f)),
		    strerror(err));
	}
	send_socket_result(m, c, IPC_PASV_RESULT, err, err ? 0 : port, fd);
}

/*
 * A socket connecting from the session's local address (port 20 with
 * port20, else any port) to the address the master accepted the client
 * from, at the requested port (>= 1024, checked by the validator).
 */
static void
priv_answer_data_connect(struct master *m, struct child *c,
    struct ipc_msg *msg)
{
	const struct ipc_data_connect *req = (const void *)msg->u.raw;
	struct sock_addr local = c->sess.local, target = c->sess.peer;
	int fd, one = 1, err = 0;

	if (!m->cf->active_mode) {	/* its PORT/EPRT are refused */
		pool_kill(m, c, "DATA_CONNECT with active_mode = no");
		return;
	}
	if (!data_socket_allowed(c)) {
		send_socket_result(m, c, IPC_CONNECT_RESULT,
		    IPC_ERR_DATA_SOCKETS, 0, -1);
		return;
	}
	addr_set_port(&local, m->port20 ? 20 : 0);
	addr_set_port(&target, req->port);
	fd = socket(local.ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    (m->port20 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) < 0) ||
	    sys_tcp_cork(fd, 1) < 0 ||
	    bind(fd, (struct sockaddr *)&local.ss, local.len) < 0 ||
	    (connect(fd, (struct sockaddr *)&target.ss, target.len) < 0 &&
	    errno != EINPROGRESS))
		err = errno ? errno : EIO;
	if (err) {
		char f[SESSION_FIELDS_MAX];

		log_warn("%s active data connection: %s",
		    master_session_fields(&c->sess, f, sizeof(f)),
		    strerror(err));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	send_socket_result(m, c, IPC_CONNECT_RESULT, err, 0, fd);
}

/* ---- TLS_SIGN: the key stays here ---- */

#define PRELOGIN_SIGNS_MAX 2	/* one handshake (AUTH TLS, implicit) */
#define SESSION_SIGNS_MAX 100000

static void
priv_answer_tls_sign(struct master *m, struct child *c, struct ipc_msg *msg)
{
	static struct ipc_sign_result res;
	const struct ipc_tls_sign *rq = (const void *)msg->u.raw;
	char reason[160];
	const char *why;

	/* Its last words (child_died): no handshake of a process that is
	 * gone needs a signature. */
	if (c->reaped)
		return;
	/* After login with tls_data_reuse, data connections resume the
	 * control connection's session: they sign nothing.  The setting
	 * the child was started with (INIT_TLS_DATA_REUSE), not the one of
	 * a reload since: a running session keeps its configuration. */
	if (c->phase == PHASE_SESSION && c->tls_reuse) {
		pool_kill(m, c, "TLS_SIGN after login, where data connections "
		    "resume the session (tls_data_reuse)");
		return;
	}
	if (++c->tls_signs > (c->phase == PHASE_PRELOGIN ? PRELOGIN_SIGNS_MAX :
	    SESSION_SIGNS_MAX)) {
		pool_kill(m, c, "more TLS_SIGN requests than its handshakes "
		    "need");
		return;
	}
	memset(&res, 0, sizeof(res));
	ipc_hdr_init(&res.hdr, IPC_SIGN_RESULT, sizeof(res));
	why = tlskey_sign(c->tls_gen, rq, &res);
	if (why) {
		snprintf(reason, sizeof(reason), "TLS_SIGN refused: %s", why);
		pool_kill(m, c, reason);
		return;
	}
	pool_send(m, c, &res, sizeof(res), NULL, 0);
}

/* ---- dispatch ---- */

static answer_fn *const answers[IPC_NREQUESTS] = {
#define ANSWER(T, name, ...) [IPC_##T - IPC_REQUEST_BASE - 1] = \
	priv_answer_##name,
	IPC_REQUESTS(ANSWER)
#undef ANSWER
};

/*
 * Answer at most max of the child's messages, fewer when its socket is
 * empty.  A child cannot make the master read it alone: what is left
 * waits for the next round of the event loop (epoll is level-triggered,
 * so the socket is reported again), which serves the other ready sockets
 * too.
 */
static void
read_messages(struct master *m, struct child *c, unsigned max)
{
	struct ipc_msg msg;
	const char *why;
	char reason[160];
	unsigned n;

	for (n = 0; n < max && c->ipc_fd >= 0; n++) {
		int rc = ipc_recv(c->ipc_fd, &msg);

		if (rc < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pool_close_ipc(m, c);
			return;
		}
		if (rc == 0) {
			/* Exiting (reaped soon), or it must be killed. */
			pool_close_ipc(m, c);
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
		answers[msg.u.hdr.type - IPC_REQUEST_BASE - 1](m, c, &msg);
		ipc_msg_close_fds(&msg);
	}
}

void
monitor_readable(struct master *m, struct child *c)
{
	read_messages(m, c, MONITOR_MSGS_PER_WAKEUP);
}

void
monitor_last_words(struct master *m, struct child *c)
{
	read_messages(m, c, MONITOR_LAST_WORDS_MAX);
}

void
monitor_init_session(const struct master *m, struct session_rec *sess,
    int64_t now)
{
	unsigned per_minute = m->cf->max_data_sockets_per_minute;

	bucket_fill(&sess->handoffs, &session_handoff_rate, now);
	if (per_minute > 0) {
		/* That many at once, then one every 60 s / per_minute (the
		 * key is at most one a millisecond). */
		sess->data_socket_rate.burst = per_minute;
		sess->data_socket_rate.per_token_ms = 60000 / per_minute;
		bucket_fill(&sess->data_sockets, &sess->data_socket_rate, now);
	}
}

int
monitor_start_session(struct master *m, struct child *c,
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
	st.flags = (sess->relayed ? START_TLS : 0) |
	    (sess->implicit_tls && identity == IDENTITY_NONE ?
	    START_IMPLICIT_TLS : 0);
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
