/*
 * login.c - deciding a login, in the master.
 *
 * Which check a name gets: "anonymous" and "ftp" (when anonymous is on)
 * are accepted at once; a name in user_db is a virtual user (crypt); any
 * other name is a system user through PAM when local_users is on.  A
 * name in the deny list, or one no check would accept, gets a decoy
 * check: the same kind of process hashes the password against nothing,
 * so it takes as long as a real check, and the refusal comes after the
 * same delay with the same text.  Nothing a client sees tells a wrong
 * password from a name that does not exist or may not log in.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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
#include "userdb.h"

/*
 * LOGIN requests of one pre-login child: its max_login_failures
 * counted refusals, and a few that are not counted (a login refused
 * for want of TLS is not a guess).  More is not a client's doing.
 */
#define LOGIN_UNCOUNTED_MAX 3

/* Refused logins waiting out their delay: a min-heap by due time. */
struct refusal {
	int64_t due;
	int slot;
	uint64_t serial;	/* of the child in the slot (pool.h) */
	bool close;		/* the last failure the connection gets */
};
static struct refusal *heap;
static size_t nheap, heap_cap;

static void
heap_push(struct refusal r)
{
	size_t i;

	if (nheap == heap_cap) {
		size_t ncap = heap_cap ? heap_cap * 2 : 64;
		struct refusal *p = realloc(heap, ncap * sizeof(*p));

		if (p == NULL)
			fatal("no memory for a login refusal");
		heap = p;
		heap_cap = ncap;
	}
	for (i = nheap++; i > 0 && heap[(i - 1) / 2].due > r.due;
	    i = (i - 1) / 2)
		heap[i] = heap[(i - 1) / 2];
	heap[i] = r;
}

static struct refusal
heap_pop(void)
{
	struct refusal top = heap[0], last = heap[--nheap];
	size_t i = 0;

	for (;;) {
		size_t k = 2 * i + 1;

		if (k >= nheap)
			break;
		if (k + 1 < nheap && heap[k + 1].due < heap[k].due)
			k++;
		if (heap[k].due >= last.due)
			break;
		heap[i] = heap[k];
		i = k;
	}
	if (nheap > 0)
		heap[i] = last;
	return top;
}

static const char *
client_text(const struct session_rec *s, char *buf, size_t n)
{
	addr_host_text(&s->peer, buf, n);
	return buf;
}

/* Answer c's refused login at due (closing: its connection's last),
 * and take no other LOGIN from it before. */
static void
answer_refusal_at(struct master *m, struct child *c, int64_t due,
    bool close)
{
	c->login_pending = true;
	heap_push((struct refusal){ due, (int)(c - m->children), c->serial,
	    close });
}

/*
 * Refuse c's login: count the failure (connection and address), and
 * answer once the delay, measured from the request, is over.
 */
static void
refuse(struct master *m, struct child *c, int64_t started, const char *user,
    const char *why)
{
	unsigned n = ++c->sess.login_failures, shift = n - 1;
	int64_t delay = LOGIN_FAIL_DELAY_MS, now = sys_now_ms();
	char who[ADDR_TEXT_MAX], f[SESSION_FIELDS_MAX];

	client_text(&c->sess, who, sizeof(who));
	master_session_fields(&c->sess, f, sizeof(f));
	metrics.logins_failed++;
	/* The stable form fail2ban's filter matches (etc/fail2ban/); the
	 * name is escaped (log_word): no space, quote or '=' of its own. */
	log_warn("%s client %s: login failed for user '%s': %s", f, who, user,
	    why);
	if (limits_login_failed(&c->sess.peer, now))
		log_warn("%s client %s: refused for %u seconds after %u failed "
		    "logins", f, who, m->cf->login_fail_ban,
		    m->cf->login_fail_limit);
	while (shift-- > 0 && delay < LOGIN_FAIL_DELAY_MAX_MS)
		delay *= 2;
	if (delay > LOGIN_FAIL_DELAY_MAX_MS)
		delay = LOGIN_FAIL_DELAY_MAX_MS;
	answer_refusal_at(m, c, started + delay,
	    n >= m->cf->max_login_failures);
}

int64_t
login_due_refusals(struct master *m, int64_t now)
{
	while (nheap > 0) {
		struct ipc_login_result res;
		struct refusal r;
		struct child *c;

		if (heap[0].due > now)
			return heap[0].due - now;
		r = heap_pop();
		c = pool_child_at(m, r.slot, r.serial);
		if (c == NULL || !c->login_pending ||
		    c->phase != PHASE_PRELOGIN)
			continue;
		c->login_pending = false;
		memset(&res, 0, sizeof(res));
		ipc_hdr_init(&res.hdr, IPC_LOGIN_RESULT, sizeof(res));
		res.status = r.close ? LOGIN_REFUSED_CLOSE : LOGIN_REFUSED;
		pool_send(m, c, &res, sizeof(res), NULL, 0);
	}
	return -1;
}

static bool
is_anonymous_name(const char *user)
{
	return str_casecmp(user, "anonymous") == 0 ||
	    str_casecmp(user, "ftp") == 0;
}

/*
 * tls_required: does this name's class need TLS to log in?  Decided
 * before the password is looked at, from the name alone: a name of
 * user_db is a virtual user; with local_users every other name is a
 * system user's (whether the account exists or not, so nothing tells
 * which do).  When the two classes' policies differ, the refusal tells
 * whether a name is in user_db.
 */
static bool
tls_needed(struct master *m, const char *user)
{
	enum tls_policy p;

	if (is_anonymous_name(user))
		p = master_tls_policy(m, TLS_CLASS_ANON);
	else if (m->cf->user_db[0] && userdb_find(user))
		p = master_tls_policy(m, TLS_CLASS_VIRTUAL);
	else if (m->cf->local_users)
		p = master_tls_policy(m, TLS_CLASS_LOCAL);
	else
		p = master_prelogin_user_policy(m);
	return p >= TLS_LOGINS;
}

/* Not a password guess: answered at once, and not counted. */
static void
refuse_clear_login(struct master *m, struct child *c, const char *user,
    int fd)
{
	struct ipc_login_result res;
	char who[ADDR_TEXT_MAX], f[SESSION_FIELDS_MAX];

	close(fd);
	metrics.refusals[REFUSED_TLS_REQUIRED]++;
	log_info("%s client %s: login refused for user '%s': not over TLS "
	    "(tls_required)", master_session_fields(&c->sess, f, sizeof(f)),
	    client_text(&c->sess, who, sizeof(who)), user);
	memset(&res, 0, sizeof(res));
	ipc_hdr_init(&res.hdr, IPC_LOGIN_RESULT, sizeof(res));
	res.status = LOGIN_REFUSED_TLS;
	pool_send(m, c, &res, sizeof(res), NULL, 0);
}

/*
 * The address is banned: refused after the usual delay and closed, not
 * counted (the guess was not tried).
 */
static void
refuse_banned(struct master *m, struct child *c, int64_t now,
    const char *user, int fd)
{
	char who[ADDR_TEXT_MAX], f[SESSION_FIELDS_MAX];

	close(fd);
	metrics.logins_failed++;
	log_warn("%s client %s: login refused for user '%s': the address is "
	    "banned", master_session_fields(&c->sess, f, sizeof(f)),
	    client_text(&c->sess, who, sizeof(who)), user);
	answer_refusal_at(m, c, now + LOGIN_FAIL_DELAY_MS, true);
}

/*
 * An anonymous child that greeted the client (pool_greeter) is already
 * the session's process, sandboxed and jailed for it: it carries on.
 * Its copy of the socket, sent with the request, is not needed.
 */
static void
accept_in_place(struct master *m, struct child *c, int fd)
{
	struct ipc_login_result res;

	close(fd);
	memset(&res, 0, sizeof(res));
	ipc_hdr_init(&res.hdr, IPC_LOGIN_RESULT, sizeof(res));
	res.status = LOGIN_ACCEPTED_HERE;
	c->phase = PHASE_SESSION;
	pool_send(m, c, &res, sizeof(res), NULL, 0);
}

static void
accept_anonymous(struct master *m, struct child *c, struct ipc_login *l,
    int fd, const char *user)
{
	char who[ADDR_TEXT_MAX], f[SESSION_FIELDS_MAX];

	if (!monitor_handoff_allowed(m, c, fd))
		return;
	str_copy(c->sess.user, sizeof(c->sess.user), "anonymous");
	c->sess.login_class = CLASS_ANON;
	metrics.logins_ok[CLASS_ANON]++;
	log_info("%s client %s: anonymous login (session %llu, user '%s')",
	    master_session_fields(&c->sess, f, sizeof(f)),
	    client_text(&c->sess, who, sizeof(who)),
	    (unsigned long long)c->sess.id, user);
	c->sess.had_login = true;
	if (c->greets) {
		accept_in_place(m, c, fd);
		return;
	}
	handoff_queue(m, c, l->tls ? POOL_ANON_TLS : CHILD_ANON, -1,
	    IDENTITY_ANON, &l->state, fd, l->tls != 0);
}

void
login_request(struct master *m, struct child *c, struct ipc_login *l, int fd)
{
	static struct auth_request rq;	/* large; not on the stack */
	static struct login_wait w;
	const struct vuser *vu = NULL;
	char user[IPC_USER_MAX * 4];
	int64_t now = sys_now_ms();

	/*
	 * Only a child that was given the certificates (tls_gen) can have
	 * a TLS connection.  Believed, the claim would leave this child as
	 * the session's relay (handoff.c), holding the client's connection
	 * in clear, for a session child without TLS (anonymous: one of a
	 * pool that does not exist, so the session is given up).
	 */
	if (l->tls && c->tls_gen == 0) {
		close(fd);
		pool_kill(m, c, "LOGIN over TLS from a child without TLS");
		return;
	}
	if (c->login_pending) {
		close(fd);
		pool_kill(m, c, "LOGIN before its last one was answered");
		return;
	}
	if (++c->login_requests > m->cf->max_login_failures +
	    LOGIN_UNCOUNTED_MAX) {
		close(fd);
		pool_kill(m, c, "too many LOGIN requests");
		return;
	}
	/* The refusal that spent the connection's failures told the child
	 * to close it: asking again is not a client's doing. */
	if (c->sess.login_failures >= m->cf->max_login_failures) {
		close(fd);
		pool_kill(m, c, "LOGIN after the connection's last failure");
		return;
	}
	log_word(user, sizeof(user), l->user);
	/* Banned since this connection was accepted (login_fail_limit,
	 * crash_limit): no more guesses from the address on it either. */
	if (limits_check(&c->sess.peer, now) == LIMIT_BANNED) {
		explicit_bzero(l->pass, sizeof(l->pass));
		refuse_banned(m, c, now, user, fd);
		return;
	}
	/* Before PAM and NSS see it: their modules log names as given. */
	if (l->user[0] == '\0' || !str_printable(l->user)) {
		explicit_bzero(l->pass, sizeof(l->pass));
		close(fd);
		refuse(m, c, now, user, "the name is empty or holds control "
		    "characters");
		return;
	}
	if (!l->tls && tls_needed(m, l->user)) {
		explicit_bzero(l->pass, sizeof(l->pass));
		refuse_clear_login(m, c, user, fd);
		return;
	}
	if (m->cf->anonymous && is_anonymous_name(l->user)) {
		explicit_bzero(l->pass, sizeof(l->pass));
		accept_anonymous(m, c, l, fd, user);
		return;
	}

	memset(&rq, 0, sizeof(rq));
	ipc_hdr_init(&rq.hdr, AUTH_REQUEST, sizeof(rq));
	str_copy(rq.service, sizeof(rq.service), m->cf->pam_service);
	str_copy(rq.user, sizeof(rq.user), l->user);
	str_copy(rq.pass, sizeof(rq.pass), l->pass);
	explicit_bzero(l->pass, sizeof(l->pass));
	addr_host_text(&c->sess.peer, rq.rhost, sizeof(rq.rhost));
	if (m->cf->user_db[0] && !is_anonymous_name(l->user))
		vu = userdb_find(l->user);
	if (vu) {
		rq.method = AUTH_VIRTUAL;
		str_copy(rq.hash, sizeof(rq.hash), vu->hash);
		str_copy(rq.account, sizeof(rq.account), vu->account);
		str_copy(rq.root, sizeof(rq.root), vu->root);
	} else if (m->cf->local_users && !is_anonymous_name(l->user) &&
	    !userdb_denied(l->user)) {
		rq.method = AUTH_PAM;
	} else {
		rq.method = AUTH_DECOY;
	}
	w.decoy_why = rq.method != AUTH_DECOY ? NULL :
	    is_anonymous_name(l->user) ? "anonymous logins are off" :
	    m->cf->local_users ? "the name is in user_deny_file" :
	    "no such user";
	w.ctrl_fd = fd;
	w.method = rq.method;
	w.writable = vu && vu->writable;
	w.tls = l->tls != 0;
	w.started = now;
	str_copy(w.login, sizeof(w.login), l->user);
	w.state = l->state;
	if (authjob_start(m, c, &rq, &w) < 0) {
		explicit_bzero(rq.pass, sizeof(rq.pass));
		close(fd);
		refuse(m, c, now, user, "no authentication process could be "
		    "started");
		return;
	}
	explicit_bzero(rq.pass, sizeof(rq.pass));
	c->login_pending = true;
}

/* The master's own rules for an accepted verdict; NULL or a reason. */
static const char *
verdict_refused(struct master *m, const struct login_wait *w,
    const struct auth_verdict *v, int root_fd)
{
	struct stat st, top;

	if (v->uid == 0 || v->gid == 0)
		return "sessions never run as root";
	if (w->method == AUTH_PAM && (userdb_denied(v->user) ||
	    userdb_denied_uid(v->uid)))
		return "the account is in user_deny_file";
	if (!m->privileged && v->uid != m->uid)
		return "unprivileged mode: sessions can only run as the "
		    "server's own uid";
	if (root_fd < 0 || fstat(root_fd, &st) < 0 || !S_ISDIR(st.st_mode))
		return "the user's root is not a directory";
	/* By what was opened, not by its name: "//", "/." or a link to
	 * "/" are the whole file system too. */
	if (stat("/", &top) < 0 || (st.st_dev == top.st_dev &&
	    st.st_ino == top.st_ino))
		return "the user's root is /: the whole file system is never "
		    "served";
	return NULL;
}

bool
login_verdict(struct master *m, struct child *c, struct login_wait *w,
    const struct auth_verdict *v, int root_fd, const char *failure)
{
	struct child_identity id;
	char user[IPC_USER_MAX * 4], who[ADDR_TEXT_MAX], f[SESSION_FIELDS_MAX];
	const char *why = failure;
	int fd = w->ctrl_fd, slot, asking = (int)(c - m->children);

	w->ctrl_fd = -1;
	log_word(user, sizeof(user), w->login);
	c->login_pending = false;
	if (why == NULL && !v->accepted)
		why = w->decoy_why ? w->decoy_why :
		    v->reason[0] ? v->reason : "refused";
	if (why == NULL)
		why = verdict_refused(m, w, v, root_fd);
	if (why) {
		char text[AUTH_REASON_MAX];

		str_copy(text, sizeof(text), why);
		log_sanitize(text);
		if (root_fd >= 0)
			close(root_fd);
		close(fd);
		refuse(m, c, w->started, user, text);
		return false;
	}
	if (!monitor_handoff_allowed(m, c, fd)) {
		close(root_fd);
		return false;
	}
	memset(&id, 0, sizeof(id));
	id.uid = v->uid;
	id.gid = v->gid;
	id.ngroups = v->ngroups;
	memcpy(id.groups, v->groups, sizeof(id.groups));
	id.rights = RIGHT_READ |
	    (w->method == AUTH_PAM || w->writable ? RIGHT_WRITE : 0);
	id.tls_policy = master_tls_policy(m, w->method == AUTH_PAM ?
	    TLS_CLASS_LOCAL : TLS_CLASS_VIRTUAL);
	id.tls = w->tls;
	slot = pool_spawn_user(m, &id, root_fd);
	close(root_fd);
	c = &m->children[asking];	/* the spawn may have moved the table */
	if (slot < 0) {
		metrics.refusals[REFUSED_NO_CHILD]++;
		pool_retire(m, c);
		master_refuse(fd, "No session process available.");
		master_end_session(m, &c->sess);
		return false;
	}
	str_copy(c->sess.user, sizeof(c->sess.user), v->user);
	log_sanitize(c->sess.user);
	c->sess.had_login = true;
	c->sess.login_class = w->method == AUTH_PAM ? CLASS_LOCAL :
	    CLASS_VIRTUAL;
	metrics.logins_ok[c->sess.login_class]++;
	log_info("%s client %s: %s user '%s' logged in (session %llu, uid %u, "
	    "%s)", master_session_fields(&c->sess, f, sizeof(f)),
	    client_text(&c->sess, who, sizeof(who)),
	    w->method == AUTH_PAM ? "system" : "virtual", c->sess.user,
	    (unsigned long long)c->sess.id, (unsigned)v->uid,
	    id.rights & RIGHT_WRITE ? "read-write" : "read-only");
	handoff_queue(m, c, CHILD_USER, slot, IDENTITY_USER, &w->state, fd,
	    w->tls);
	return true;
}
