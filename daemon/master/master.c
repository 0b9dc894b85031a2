/*
 * master.c - the privileged master: startup checks, the empty directory,
 * listeners, dropping capabilities, the event loop (accepts, children's
 * sockets, signals), connection limits, and a clean stop on SIGTERM.
 *
 * The master reads no byte a client sent: accepted sockets go straight
 * to a pre-login child.  It writes to a client only to refuse it (421).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/openat2.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/path.h"
#include "../../common/sys.h"
#include "../../sandbox/sandbox.h"
#include "activation.h"
#include "authjob.h"
#include "handoff.h"
#include "idnames.h"
#include "notify.h"
#include "tlskey.h"
#include "login.h"
#include "metrics.h"
#include "userdb.h"
#include "limits.h"
#include "master.h"
#include "monitor.h"
#include "pool.h"
#include "reap.h"
#include "xferlog.h"

#define STARTUP_TIMEOUT_MS 15000
#define ACCEPTS_PER_WAKEUP 64
#define EXPIRY_INTERVAL_MS 10000	/* forgetting per-address records */

static int ready_pipe = -1;	/* daemon mode: tells the parent we serve */

/* Level-triggered (no EPOLLET): a socket with something left is
 * reported again, so a handler may stop before it is empty (accept_on,
 * monitor_readable). */
void
master_epoll_add(struct master *m, int fd, uint64_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = tag };

	if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		fatal("epoll_ctl");
}

void
master_set_accepting(struct master *m, bool on)
{
	int i;

	if (m->accepting == on)
		return;
	m->accepting = on;
	for (i = 0; i < m->nlisten; i++) {
		struct epoll_event ev = {
			.events = on ? EPOLLIN : 0,
			.data.u64 = TAG_LISTENER | (uint64_t)i,
		};

		epoll_ctl(m->epfd, EPOLL_CTL_MOD, m->listen_fd[i], &ev);
	}
}

/* ---- startup ---- */

/* "FILE:LINE: KEY", to name a key in a start-up error. */
static const char *
key_at(const struct config *cf, const char *key)
{
	static char where[PATH_MAX + 96];

	config_where(cf, key, where, sizeof(where));
	return where;
}

/* A start-up error "KEY: text", with where the key was set. */
NORETURN static void
fatal_located(const struct config *cf, const char *problem)
{
	char line[LOG_LINE_MAX];

	config_locate(cf, problem, line, sizeof(line));
	fatalx("%s", line);
}

int
master_session_user(const struct config *cf, uid_t *uid, gid_t *gid,
    bool verbose)
{
	struct passwd *pw = getpwnam(cf->session_user);

	if (pw == NULL) {
		if (verbose)
			fprintf(stderr, "sandftpd: session_user: user '%s' does "
			    "not exist; create it with:\n  useradd --system "
			    "--no-create-home --home-dir /nonexistent --shell "
			    "/usr/sbin/nologin %s\n", cf->session_user,
			    cf->session_user);
		return -1;
	}
	if (pw->pw_uid == 0 || pw->pw_gid == 0) {
		if (verbose)
			fprintf(stderr, "sandftpd: session_user: '%s' has uid "
			    "or gid 0\n", cf->session_user);
		return -1;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/*
 * mkdir -p, the last component 0555: an empty root for pre-login
 * children, owned by root (or, unprivileged, by us) and writable by
 * nobody else.
 */
int
master_empty_dir(const char *path, bool verbose)
{
	char buf[PATH_MAX];
	struct stat st;
	char *p;
	int fd;
	char dents[256];
	ssize_t n;

	str_copy(buf, sizeof(buf), path);
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			break;
		*p = '/';
	}
	if (mkdir(path, 0555) < 0 && errno != EEXIST && verbose)
		fprintf(stderr, "sandftpd: empty_dir: cannot create %s: %s\n",
		    path, strerror(errno));
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (verbose)
			fprintf(stderr, "sandftpd: empty_dir: %s: %s\n", path,
			    strerror(errno));
		return -1;
	}
	/* Only "." and ".." may be in it: a getdents64 of them is small. */
	n = sys_getdents64(fd, dents, sizeof(dents));
	if ((st.st_uid != 0 && st.st_uid != geteuid()) || (st.st_mode & 022) ||
	    n < 0 || n > 48 || sys_getdents64(fd, dents, sizeof(dents)) != 0) {
		if (verbose)
			fprintf(stderr, "sandftpd: empty_dir: %s must be an "
			    "empty directory owned by root and writable by "
			    "nobody else\n", path);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Unprivileged mode: the configured empty_dir if we can make it, else a
 * private one under /tmp, removed at exit.
 */
static int
unprivileged_empty_dir(struct master *m)
{
	char path[sizeof(m->empty_tmp)];
	int fd = master_empty_dir(m->cf->empty_dir, false);

	if (fd >= 0)
		return fd;
	str_copy(path, sizeof(path), "/tmp/sandftpd-empty.XXXXXX");
	if (mkdtemp(path) == NULL || chmod(path, 0555) < 0)
		fatal("empty directory for the children");
	str_copy(m->empty_tmp, sizeof(m->empty_tmp), path);
	fd = master_empty_dir(path, true);
	if (fd < 0)
		fatalx("empty directory %s is not usable", path);
	log_info("unprivileged: empty root for pre-login children: %s", path);
	return fd;
}

/* Does a setting need TLS (tls_cert)? */
bool
master_tls_needed(const struct config *cf)
{
	int k;

	for (k = TLS_CLASS_ANON; k <= TLS_CLASS_VIRTUAL; k++)
		if (config_tls_policy(cf, (enum tls_class)k) != TLS_OPTIONAL)
			return true;
	return cf->nlisten_tls > 0;
}

/*
 * Socket activation: the service manager's descriptors instead of the
 * listen keys.  Listeners are served as if bound here; a single
 * connection (Accept=yes) makes this an inetd-style master of one
 * session.  True when the manager gave any.
 */
static bool
take_activated(struct master *m)
{
	struct activated_fd fds[ACTIVATION_MAX_FDS];
	char err[256], where[ADDR_TEXT_MAX];
	int n, i;

	_Static_assert(ACTIVATION_MAX_FDS <= sizeof(m->listen_fd) /
	    sizeof(m->listen_fd[0]), "room for every activated listener");
	n = activation_take(fds, ACTIVATION_MAX_FDS, err, sizeof(err));
	if (n < 0)
		fatalx("%s", err);
	if (n == 0)
		return false;
	if (!fds[0].listening) {
		m->inetd_fd = fds[0].fd;
		m->inetd_implicit_tls = fds[0].implicit_tls;
		log_info("socket activation: one connection (Accept=yes)%s",
		    m->inetd_implicit_tls ? ", implicit TLS" : "");
		return true;
	}
	for (i = 0; i < n; i++)
		if (fds[i].implicit_tls && m->cf->tls_cert[0] == '\0')
			fatalx("socket activation: descriptor %d is named "
			    "\"%s\" (implicit TLS), but tls_cert is not set",
			    fds[i].fd, ACTIVATION_TLS_NAME);
	for (i = 0; i < n; i++) {
		struct sock_addr a;

		a.len = sizeof(a.ss);
		if (getsockname(fds[i].fd, (struct sockaddr *)&a.ss,
		    &a.len) < 0)
			fatal("socket activation: descriptor %d", fds[i].fd);
		addr_text(&a, where, sizeof(where));
		m->listen_implicit[m->nlisten] = fds[i].implicit_tls;
		m->listen_fd[m->nlisten++] = fds[i].fd;
		log_info("listening on %s (from the service manager%s%s%s)",
		    where, fds[i].name[0] ? ", named " : "", fds[i].name,
		    fds[i].implicit_tls ? ": implicit TLS" : "");
	}
	log_info("socket activation: %d listeners; listen and "
	    "listen_implicit_tls are not used", n);
	return true;
}

static void
bind_listeners(struct master *m)
{
	int i, n = m->cf->nlisten + m->cf->nlisten_tls;

	for (i = 0; i < n; i++) {
		bool implicit = i >= m->cf->nlisten;
		const struct config_listen *l = implicit ?
		    &m->cf->listen_tls[i - m->cf->nlisten] : &m->cf->listen[i];
		int fd = sys_tcp_listen(&l->addr, 511);

		if (fd < 0 && m->cf->listen_is_default && !implicit &&
		    l->addr.ss.ss_family == AF_INET6 &&
		    (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL)) {
			log_warn("listen %s: %s (no IPv6 here; skipped)",
			    l->text, strerror(errno));
			continue;
		}
		if (fd < 0)
			fatal("%s: cannot listen on %s", implicit ?
			    "listen_implicit_tls" : "listen", l->text);
		m->listen_implicit[m->nlisten] = implicit;
		m->listen_fd[m->nlisten++] = fd;
		log_info("listening on %s%s", l->text, implicit ?
		    " (implicit TLS)" : "");
	}
	if (m->nlisten == 0)
		fatalx("listen: no address to listen on");
}

/* What the master keeps, and why, is in SECURITY.md. */
static void
restrict_master(struct master *m)
{
	int keep[8], n = 0;
	char caps[256];

	keep[n++] = CAP_SETUID;		/* children switch to session_user */
	keep[n++] = CAP_SETGID;
	keep[n++] = CAP_SYS_CHROOT;	/* children chroot to empty_dir */
	keep[n++] = CAP_SETPCAP;	/* children clear their bounding set */
	keep[n++] = CAP_KILL;		/* signal children of another uid */
	if (m->port20)
		keep[n++] = CAP_NET_BIND_SERVICE;	/* port 20 sockets */
	if (caps_restrict_master(keep, n) < 0)
		fatal("dropping the master's capabilities");
	caps_describe(caps, sizeof(caps));
	log_info("master: uid 0, capabilities kept: %s", caps);
}

static void
daemonize(void)
{
	int p[2];
	pid_t pid;
	char ok;

	if (pipe2(p, O_CLOEXEC) < 0)
		fatal("pipe");
	pid = fork();
	if (pid < 0)
		fatal("fork");
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &ok, 1) == 1)
			_exit(0);
		fprintf(stderr, "sandftpd: failed to start; see the system "
		    "log\n");
		_exit(1);
	}
	close(p[0]);
	ready_pipe = p[1];
	setsid();
	if (chdir("/") < 0)
		fatal("chdir /");
}

static void take_inetd_connection(struct master *m);

static void
startup_done(struct master *m)
{
	char ok = 1;

	m->starting_up = false;
	if (m->inetd) {
		take_inetd_connection(m);
		return;
	}
	notify_send("READY=1\nMAINPID=%ld\nSTATUS=serving", (long)getpid());
	log_info("ready: serving %s%s", m->cf->anonymous ?
	    "anonymous read-only sessions" : "no logins (anonymous = no)",
	    m->privileged ? "" : " in unprivileged mode");
	if (ready_pipe >= 0) {
		(void)!write(ready_pipe, &ok, 1);
		close(ready_pipe);
		ready_pipe = -1;
		dup2(m->devnull, 0);
		dup2(m->devnull, 1);
		dup2(m->devnull, 2);
	}
}

static bool
startup_complete(const struct master *m)
{
	if (!m->reported[pool_greeter(m)])
		return false;
	if (m->inetd)
		return true;	/* the rest are spawned when needed */
	if (m->cf->anonymous && !m->reported[CHILD_ANON])
		return false;
	return true;
}

/* ---- accepting ---- */

void
master_refuse(int fd, const char *text)
{
	char line[160];
	int n = snprintf(line, sizeof(line), "421 %s\r\n", text);

	(void)sys_send(fd, line, (size_t)n, MSG_DONTWAIT);
	close(fd);
}

static const char *
limit_text(enum limit_verdict v)
{
	switch (v) {
	case LIMIT_BANNED:
		return "Service temporarily refused for your address.";
	case LIMIT_PER_IP:
		return "Too many connections from your address.";
	case LIMIT_TOTAL:
		return "Too many users are connected; try again later.";
	default:
		return "Service not available.";
	}
}

const char *
master_session_fields(const struct session_rec *sess, char *buf, size_t n)
{
	char who[ADDR_TEXT_MAX], user[IPC_USER_MAX * 4];
	int len;

	addr_host_text(&sess->peer, who, sizeof(who));
	len = snprintf(buf, n, "session=%llu client=%s",
	    (unsigned long long)sess->id, who);
	if (sess->user[0] && len > 0 && (size_t)len < n)
		snprintf(buf + len, n - (size_t)len, " user=%s",
		    log_value(user, sizeof(user), sess->user));
	return buf;
}

void
master_end_session(struct master *m, const struct session_rec *sess)
{
	char f[SESSION_FIELDS_MAX];

	authjob_session_ended(m, sess->id);
	pool_relay_session_over(m, sess);
	limits_remove(&sess->peer, sys_now_ms());
	m->sessions--;
	log_debug("%s session ended", master_session_fields(sess, f,
	    sizeof(f)));
}

static void
take_connection(struct master *m, int fd, const struct sock_addr *peer,
    bool implicit_tls)
{
	struct session_rec rec;
	struct child *c;
	struct stat st;
	enum limit_verdict v;
	char who[ADDR_TEXT_MAX];
	int64_t now = sys_now_ms();
	int one = 1;

	/* allow_networks, deny_networks: before anything is spent on it. */
	if ((m->cf->allow_networks.count > 0 &&
	    !netlist_match(&m->cf->allow_networks, peer)) ||
	    netlist_match(&m->cf->deny_networks, peer)) {
		addr_host_text(peer, who, sizeof(who));
		metrics.refusals[REFUSED_NETWORKS]++;
		log_info("client %s: refused: its address is not allowed "
		    "(allow_networks, deny_networks)", who);
		master_refuse(fd, "Service not available for your address.");
		return;
	}
	v = limits_check(peer, now);
	if (v != LIMIT_BANNED && m->sessions >= (int)m->cf->max_clients)
		v = LIMIT_TOTAL;
	if (v != LIMIT_OK) {
		const char *why = limit_text(v);

		addr_host_text(peer, who, sizeof(who));
		metrics.refusals[v == LIMIT_BANNED ? REFUSED_BANNED :
		    v == LIMIT_PER_IP ? REFUSED_PER_IP : REFUSED_MAX_CLIENTS]++;
		log_info("client %s: refused: %s", who, why);
		master_refuse(fd, why);
		return;
	}
	c = pool_idle_child(m, pool_greeter(m));
	if (c == NULL) {
		metrics.refusals[REFUSED_NO_CHILD]++;
		master_refuse(fd, "Service not available, try again later.");
		return;
	}
	memset(&rec, 0, sizeof(rec));
	rec.id = ++m->next_session_id;
	rec.login_class = -1;
	rec.peer = *peer;
	rec.local.len = sizeof(rec.local.ss);
	if (getsockname(fd, (struct sockaddr *)&rec.local.ss,
	    &rec.local.len) < 0 || fstat(fd, &st) < 0) {
		close(fd);
		return;
	}
	rec.sock_dev = st.st_dev;
	rec.sock_ino = st.st_ino;
	rec.implicit_tls = implicit_tls;
	monitor_init_session(m, &rec, now);
	/* Urgent data (ABOR with telnet Synch) stays in the stream. */
	setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (monitor_start_session(m, c, &rec, IDENTITY_NONE, NULL, fd) < 0) {
		metrics.refusals[REFUSED_NO_CHILD]++;
		master_refuse(fd, "Service not available, try again later.");
		return;
	}
	metrics.connections++;
	pool_note_accept(m);
	limits_add(peer, now);
	m->sessions++;
	close(fd);
}

/* inetd style: the one connection, once a login child is ready. */
static void
take_inetd_connection(struct master *m)
{
	struct sock_addr peer;
	int fd = m->inetd_fd;

	m->inetd_fd = -1;
	peer.len = sizeof(peer.ss);
	if (getpeername(fd, (struct sockaddr *)&peer.ss, &peer.len) < 0) {
		log_info("inetd: the client left before it was served");
		close(fd);
		return;
	}
	take_connection(m, fd, &peer, m->inetd_implicit_tls);
}

static void
accept_on(struct master *m, int idx)
{
	int lfd = m->listen_fd[idx], i;

	for (i = 0; i < ACCEPTS_PER_WAKEUP && m->accepting; i++) {
		struct sock_addr peer;
		int fd;

		peer.len = sizeof(peer.ss);
		fd = sys_accept(lfd, (struct sockaddr *)&peer.ss, &peer.len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				log_warn("accept: %s; pausing for a second",
				    strerror(errno));
				m->accept_pause_until = sys_now_ms() + 1000;
				master_set_accepting(m, false);
			}
			return;
		}
		take_connection(m, fd, &peer, m->listen_implicit[idx]);
		if (m->idle[pool_greeter(m)] == 0)
			master_set_accepting(m, false);
	}
}

/* ---- signals and stopping ---- */

static void
begin_stop(struct master *m, const char *why)
{
	int i;

	if (m->stopping)
		return;
	log_info("%s: stopping (%d sessions open)", why, m->sessions);
	notify_send("STOPPING=1");
	m->stopping = true;
	m->stop_deadline = sys_now_ms() +
	    (int64_t)m->cf->shutdown_timeout * 1000 + SHUTDOWN_KILL_MARGIN_MS;
	master_set_accepting(m, false);
	for (i = 0; i < m->nlisten; i++)
		close(m->listen_fd[i]);
	m->nlisten = 0;
	handoff_drop_all(m, "Server shutting down.");
	pool_broadcast_shutdown(m);
}

static void
on_signal(struct master *m)
{
	struct signalfd_siginfo si;

	while (read(m->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			reap_sigchld(m);
			break;
		case SIGTERM:
			begin_stop(m, "SIGTERM");
			break;
		case SIGINT:
			begin_stop(m, "SIGINT");
			break;
		case SIGHUP:
			master_reload(m);
			break;
		case SIGUSR1:
			xferlog_reopen();
			break;
		}
	}
}

/* Accept while a greeting child is idle, unless stopping or paused. */
static void
update_accepting(struct master *m)
{
	master_set_accepting(m, !m->stopping &&
	    m->idle[pool_greeter(m)] > 0 &&
	    sys_now_ms() >= m->accept_pause_until);
}

static int
next_timeout(struct master *m)
{
	int64_t now = sys_now_ms(), t = 1000;

	if (m->stopping)
		t = m->stop_deadline - now;
	if (m->spawn_hold_until > now && m->spawn_hold_until - now < t)
		t = m->spawn_hold_until - now;
	if (m->accept_pause_until > now && m->accept_pause_until - now < t)
		t = m->accept_pause_until - now;
	if (m->next_refusal && m->next_refusal - now < t)
		t = m->next_refusal - now;
	if (m->next_auth_expiry && m->next_auth_expiry - now < t)
		t = m->next_auth_expiry - now;
	if (m->next_notify && m->next_notify - now < t)
		t = m->next_notify - now;
	if (m->next_metrics && m->next_metrics - now < t)
		t = m->next_metrics - now;
	return t < 0 ? 0 : (int)t;
}

/* STATUS= for the service manager: what an operator watches. */
static void
status_text(char *buf, size_t n, void *arg)
{
	metrics_status(arg, buf, n);
}

/* Between two waits: whatever is due, whatever the wakeup was for. */
static void
housekeeping(struct master *m)
{
	int64_t now = sys_now_ms();

	int64_t refusal = login_due_refusals(m, now);
	int64_t expiry = authjob_expire(m, now);
	int64_t news = m->starting_up ? -1 :
	    notify_tick(now, status_text, m);

	m->next_refusal = refusal >= 0 ? now + refusal : 0;
	m->next_auth_expiry = expiry >= 0 ? now + expiry : 0;
	m->next_notify = news >= 0 ? now + news : 0;
	if (m->cf->metrics_file[0] && !m->starting_up &&
	    now >= m->next_metrics) {
		metrics_write(m);
		m->next_metrics = now + (int64_t)m->cf->metrics_interval * 1000;
	}
	pool_check_channels(m, now);
	reap_expected(m);
	reap_sweep_if_due(m, now);
	if (m->inetd && !m->starting_up && m->inetd_fd < 0 &&
	    m->sessions == 0 && !m->stopping)
		begin_stop(m, "inetd: the connection is over");
	handoff_deliver(m);
	pool_maintain(m);
	update_accepting(m);
	if (now >= m->next_expiry) {
		size_t n = limits_expire(now);

		log_debug("%zu client addresses tracked", n);
		m->next_expiry = now + EXPIRY_INTERVAL_MS;
	}
}

static void
event_loop(struct master *m)
{
	struct epoll_event ev[64];
	int64_t startup_deadline = sys_now_ms() + STARTUP_TIMEOUT_MS;

	for (;;) {
		int n, i;

		n = epoll_wait(m->epfd, ev, 64, next_timeout(m));
		if (n < 0 && errno != EINTR)
			fatal("epoll_wait");
		/* A round's lines go out in one write (a burst of transfer
		 * reports: a line each), at its end. */
		log_hold();
		for (i = 0; i < n; i++) {
			uint64_t tag = ev[i].data.u64;
			uint32_t idx = (uint32_t)(tag & 0xffffffffu);

			switch (tag & TAG_KIND_MASK) {
			case TAG_LISTENER:
				if ((int)idx < m->nlisten)
					accept_on(m, (int)idx);
				break;
			case TAG_SIGNAL:
				on_signal(m);
				break;
			case TAG_CHILD:
				if ((int)idx < m->nchildren &&
				    m->children[idx].used)
					monitor_readable(m, &m->children[idx]);
				break;
			case TAG_AUTH:
				authjob_readable(m, idx);
				break;
			}
		}
		log_release();
		if (m->starting_up) {
			if (startup_complete(m))
				startup_done(m);
			else if (sys_now_ms() > startup_deadline)
				fatalx("children did not become ready "
				    "in time");
		}
		housekeeping(m);
		if (m->stopping) {
			if (m->live == 0)
				return;
			if (sys_now_ms() >= m->stop_deadline) {
				log_warn("%d children still running after the "
				    "grace period; killing them", m->live);
				pool_kill_all(m);
				m->stop_deadline = sys_now_ms() + 60000;
			}
		}
	}
}

static void
setup_events(struct master *m)
{
	sigset_t set;
	int i;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);	/* logrotate: reopen xferlog_file */
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		fatal("sigprocmask");
	m->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (m->sigfd < 0)
		fatal("signalfd");
	signal(SIGPIPE, SIG_IGN);
	/* A log, xferlog or metrics file past RLIMIT_FSIZE: the write fails
	 * (EFBIG) and is reported; the default action would end the master
	 * and every session with it. */
	signal(SIGXFSZ, SIG_IGN);
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (m->epfd < 0)
		fatal("epoll_create1");
	master_epoll_add(m, m->sigfd, TAG_SIGNAL);
	for (i = 0; i < m->nlisten; i++) {
		struct epoll_event ev = { .events = 0,
		    .data.u64 = TAG_LISTENER | (uint64_t)i };

		if (epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->listen_fd[i], &ev) < 0)
			fatal("epoll_ctl");
	}
}

/*
 * The anonymous upload directory, beneath anon_root: resolved beneath it
 * (no symbolic link or ".." out of it), kept as an O_PATH descriptor.
 */
int
master_open_upload_dir(const struct config *cf, int anon_fd)
{
	struct open_how how = {
		.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	return (int)syscall(SYS_openat2, anon_fd,
	    path_relative(cf->anon_upload_dir), &how, sizeof(how));
}

/* The account files and names: what logins and listings need. */
static void
open_accounts(struct master *m)
{
	struct strbuf errs;

	if (m->cf->local_users && !m->privileged)
		fatalx("local_users: system users need the server to run as "
		    "root (virtual users work unprivileged, as the server's "
		    "own uid)");
	sb_init(&errs, 64 * 1024);
	if (userdb_init(m->cf, &errs) > 0)
		fatalx("%s", sb_str(&errs));
	if (sb_str(&errs)[0])
		log_warn("%s", sb_str(&errs));
	sb_free(&errs);
	if (m->cf->user_db[0])
		log_info("user_db: %s: %zu virtual users", m->cf->user_db,
		    userdb_count());
	if (!m->cf->hide_ids)
		m->names_fd = idnames_build();
}

enum tls_policy
master_tls_policy(const struct master *m, enum tls_class k)
{
	return config_tls_policy(m->cf, k);
}

enum tls_policy
master_prelogin_user_policy(const struct master *m)
{
	enum tls_policy local = config_tls_policy(m->cf, TLS_CLASS_LOCAL);
	enum tls_policy virt = config_tls_policy(m->cf, TLS_CLASS_VIRTUAL);

	if (m->cf->local_users && m->cf->user_db[0])
		return local < virt ? local : virt;
	if (m->cf->user_db[0])
		return virt;
	if (m->cf->local_users)
		return local;
	return (enum tls_policy)m->cf->tls_required;
}

/*
 * An operator's message file as reply lines: control characters become
 * '?', CR goes, empty lines at the end go, and what does not fit in
 * IPC_MESSAGE_MAX ends at the last whole line.  0, or -1 (errno).
 */
static int
read_message(const char *path, char *out, size_t n)
{
	char buf[IPC_MESSAGE_MAX];
	size_t o = 0, i;
	ssize_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf));
	close(fd);
	if (len < 0)
		return -1;
	for (i = 0; i < (size_t)len && o + 1 < n; i++) {
		unsigned char ch = (unsigned char)buf[i];

		if (ch == '\r')
			continue;
		out[o++] = ch == '\n' || (ch >= ' ' && ch != 0x7f) ?
		    (char)ch : '?';
	}
	if ((size_t)len == sizeof(buf) || i < (size_t)len)
		while (o > 0 && out[o - 1] != '\n')
			o--;		/* cut: the last whole line */
	while (o > 0 && out[o - 1] == '\n')
		o--;
	out[o] = '\0';
	return 0;
}

/* banner / banner_file and login_message_file, as cf names them. */
int
master_read_messages(const struct config *cf, char *banner, char *login,
    char *err, size_t errsz)
{
	str_copy(banner, IPC_MESSAGE_MAX, cf->banner);
	login[0] = '\0';
	if (cf->banner_file[0] &&
	    read_message(cf->banner_file, banner, IPC_MESSAGE_MAX) < 0) {
		snprintf(err, errsz, "banner_file: %s: %s", cf->banner_file,
		    strerror(errno));
		return -1;
	}
	if (cf->login_message_file[0] &&
	    read_message(cf->login_message_file, login, IPC_MESSAGE_MAX) < 0) {
		snprintf(err, errsz, "login_message_file: %s: %s",
		    cf->login_message_file, strerror(errno));
		return -1;
	}
	return 0;
}

/* FTPS: the certificate and key, read before anything is served. */
static void
open_tls(struct master *m)
{
	const struct config *cf = m->cf;
	char err[512];

	if (cf->tls_cert[0] == '\0') {
		if (master_tls_needed(cf))
			fatalx("tls_cert: not set, but tls_required or "
			    "listen_implicit_tls need TLS");
		return;
	}
	if (tlskey_load(cf, m->privileged ? m->uid : (uid_t)-1, err,
	    sizeof(err)) < 0)
		fatal_located(cf, err);
	log_info("TLS: %s (key kept by the master; sessions ask it to sign), "
	    "tls_required: anonymous %s, system users %s, virtual users %s; "
	    "data connections %s resume the control connection's session",
	    cf->tls_cert,
	    config_tls_policy_name(config_tls_policy(cf, TLS_CLASS_ANON)),
	    config_tls_policy_name(config_tls_policy(cf, TLS_CLASS_LOCAL)),
	    config_tls_policy_name(config_tls_policy(cf, TLS_CLASS_VIRTUAL)),
	    cf->tls_data_reuse ? "must" : "need not");
}

/*
 * Descriptors: the master holds one per child (its socketpair), one per
 * connection in transit and per authentication process.  The soft limit
 * (often 1024) is raised to the hard one, as far as max_clients needs;
 * the hard limit is the operator's (LimitNOFILE=, ulimit -Hn).  Children
 * lower theirs to 32 in their sandbox.
 */
static void
raise_nofile(const struct config *cf)
{
	rlim_t want = 3 * (rlim_t)cf->max_clients + 8 * (rlim_t)cf->pool_spare +
	    256;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < want && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warn("RLIMIT_NOFILE: cannot raise to %llu: %s",
			    (unsigned long long)rl.rlim_cur, strerror(errno));
		else
			log_info("RLIMIT_NOFILE: raised to %llu",
			    (unsigned long long)rl.rlim_cur);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want)
		log_warn("RLIMIT_NOFILE is %llu: fewer than max_clients = %u "
		    "needs (%llu); raise the hard limit (LimitNOFILE=, "
		    "ulimit -Hn)", (unsigned long long)rl.rlim_cur,
		    cf->max_clients, (unsigned long long)want);
}

static void
log_unprivileged(void)
{
	log_warn("unprivileged mode (uid %u): not in force: the uid switch "
	    "to session_user (children run as uid %u, in a user namespace of "
	    "their own), port 20 for active mode; in force: chroot, seccomp, "
	    "Landlock, no_new_privs, rlimits, no capabilities",
	    (unsigned)getuid(), (unsigned)getuid());
}

int
master_run(struct config *cf, const struct master_start *how)
{
	static struct master m;
	char err[PATH_MAX + 160];
	bool foreground = how->foreground || how->inetd_stdin;

	m.cf = cf;
	m.privileged = geteuid() == 0;
	m.empty_fd = -1;
	m.anon_fd = -1;
	m.upload_fd = -1;
	m.names_fd = -1;
	m.port20 = cf->port20 && m.privileged;
	m.inetd_fd = -1;
	m.start = *how;
	notify_init();
	if (how->foreground)
		log_to_stderr();
	else
		log_to_syslog();
	log_set_debug(cf->log_debug);
	raise_nofile(cf);
	limits_from_config(cf);
#ifdef SANDFTPD_TESTHOOKS
	/* Tests only: children act as on a kernel without Landlock. */
	m.test_no_landlock = getenv("SANDFTPD_TEST_NO_LANDLOCK") != NULL;
#endif

	if (m.privileged) {
		if (master_session_user(cf, &m.uid, &m.gid, true) < 0)
			fatalx("%s: '%s' is not usable", key_at(cf,
			    "session_user"),
			    cf->session_user);
		m.empty_fd = master_empty_dir(cf->empty_dir, true);
		if (m.empty_fd < 0)
			fatalx("%s: %s is not usable", key_at(cf, "empty_dir"),
			    cf->empty_dir);
	} else {
		m.uid = getuid();
		m.gid = getgid();
		m.empty_fd = unprivileged_empty_dir(&m);
	}
	m.devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	m.exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	m.spawn_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (m.devnull < 0 || m.exe_fd < 0 || m.spawn_fd < 0)
		fatal("opening /dev/null and /proc/self/exe");
	m.session_exe_fd = pool_open_session_binary(&m);
	if (how->inetd_stdin) {
		m.inetd_fd = activation_stdin(m.devnull, err, sizeof(err));
		if (m.inetd_fd < 0)
			fatalx("%s", err);
	} else {
		(void)take_activated(&m);
	}
	m.inetd = m.inetd_fd >= 0;
	if (cf->anonymous) {
		m.anon_fd = open(cf->anon_root, O_PATH | O_DIRECTORY |
		    O_CLOEXEC);
		if (m.anon_fd < 0)
			fatal("%s: %s", key_at(cf, "anon_root"), cf->anon_root);
		if (cf->anon_upload_dir[0] && (m.upload_fd =
		    master_open_upload_dir(cf, m.anon_fd)) < 0)
			fatal("%s: %s in %s", key_at(cf, "anon_upload_dir"),
			    cf->anon_upload_dir,
			    cf->anon_root);
	}
	open_accounts(&m);
	open_tls(&m);
	if (master_read_messages(cf, m.banner_text, m.login_text, err,
	    sizeof(err)) < 0)
		fatal_located(cf, err);
	if (xferlog_open(cf) < 0)
		fatal("%s: %s", key_at(cf, "xferlog_file"), cf->xferlog_file);
	if (metrics_open(&m) < 0)
		fatal("%s: %s", key_at(cf, "metrics_file"), cf->metrics_file);
	if (m.nlisten == 0 && !m.inetd)
		bind_listeners(&m);
	if (!foreground && !m.inetd)
		daemonize();
	if (m.privileged)
		restrict_master(&m);
	else
		log_unprivileged();

	setup_events(&m);
	pool_init(&m);
	m.starting_up = true;
	pool_maintain(&m);
	event_loop(&m);
	authjob_stop_all(&m);
	metrics_write(&m);	/* the last numbers */
	if (m.empty_tmp[0])
		rmdir(m.empty_tmp);
	log_info("stopped");
	return 0;
}
