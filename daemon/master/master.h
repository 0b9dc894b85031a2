/*
 * master.h - the privileged master: its records of connections and of
 * its children, and master.c's functions (startup, the event loop,
 * accepting, refusing, stopping).
 *
 * Everything in daemon/master/ runs in the master, as root (or the
 * invoking user), and never reads a byte that a client sent: client
 * sockets pass through it unread.  The rest of the folder:
 *   pool.c     spawning children (fork + exec), the idle pools, reaping
 *   monitor.c  the answers to the children's privileged requests
 *   handoff.c  sessions in transit between two children
 *   limits.c   per-address session counts, crash bans, handoff budgets
 *   bucket.c   the token bucket those budgets use
 *   login.c    deciding a login; refusals and their delays
 *   authjob.c  the authentication processes (daemon/auth/) it starts
 *   userdb.c   the virtual users file and the deny list
 *   idnames.c  the owner names children show in listings
 *   tlskey.c   the TLS certificates, and the private key children use
 *              through TLS_SIGN without ever holding it
 *   notify.c   the service manager's notify protocol
 *   activation.c  sockets the service manager passes (socket units)
 *   reload.c   SIGHUP: the configuration and what it names, read again
 *   selfcheck.c  sandftpd -t: the configuration and all it refers to
 *   metrics.c  counters and gauges: metrics_file (Prometheus), STATUS=
 *   xferlog.c  the transfer log (xferlog_file), from children's XFER
 */
#ifndef SANDFTPD_MASTER_H
#define SANDFTPD_MASTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../common/addr.h"
#include "../../common/config.h"
#include "../../common/ipc.h"
#include "bucket.h"

struct child;
struct handoff;

/*
 * The pools of children: one per kind, and one of anonymous children
 * with TLS, for sessions that logged in over TLS.  With TLS configured
 * only children that can meet it load OpenSSL: a session in clear is
 * served by a child that maps none of it (half a megabyte of private
 * memory less for each idle session).
 */
#define POOL_ANON_TLS CHILD_KINDS
#define POOL_CLASSES (CHILD_KINDS + 1)

/* A client connection, from accept until its last child exits. */
struct session_rec {
	uint64_t id;
	struct sock_addr peer;
	struct sock_addr local;
	dev_t sock_dev;		/* identity of the control socket, to check */
	ino_t sock_ino;		/* descriptors a child hands back */
	bool had_login;		/* a login was accepted on it before */
	bool implicit_tls;	/* accepted on a listen_implicit_tls listener */
	bool relayed;		/* TLS: its pre-login child relays it, and the
				 * session child has a socket to that relay */
	int relay_slot;		/* that relay's slot and serial (0: none), */
	uint64_t relay_serial;	/* stopped once the session is over */
	unsigned login_failures;	/* refused logins on it */
	struct bucket handoffs;	/* its budget of further handoffs */
	char user[IPC_USER_MAX];
	int login_class;	/* enum metric_class once logged in, else -1 */
	/* max_data_sockets_per_minute as it was when the connection came
	 * (burst 0: no limit), and what is left of it; refusing: the last
	 * request was refused (one log line for a run of them). */
	struct bucket_rate data_socket_rate;
	struct bucket data_sockets;
	bool data_sockets_refusing;
};

/* How master_run starts: where the configuration came from (a SIGHUP
 * reads it again) and how it was invoked. */
struct master_start {
	const char *config_file;	/* NULL: built-in defaults */
	const char *const *options;	/* -o KEY=VALUE, in order */
	int noptions;
	bool foreground;		/* -F: no fork, log to stderr */
	bool inetd_stdin;		/* -i: serve the connection on fd 0 */
};
/*
 * The fields that start every log line about a session, from the
 * master's own record: "session=N client=ADDR" and " user=NAME" once
 * logged in (escaped: log_value()).
 */
#define SESSION_FIELDS_MAX 512
const char *master_session_fields(const struct session_rec *sess, char *buf,
    size_t n);

struct master {
	struct config *cf;
	struct master_start start;
	bool privileged;	/* running as root */
	bool port20;		/* port20 = yes and we can bind port 20 */
	uid_t uid;		/* session_user, or our own uid */
	gid_t gid;
	int exe_fd;		/* our own binary, for fexecve */
	int session_exe_fd;	/* sandftpd-session (pool.c), or exe_fd */
	int empty_fd;		/* the empty root of pre-login children */
	char empty_tmp[64];	/* unprivileged: a private one, removed at exit */
	int anon_fd;		/* anon_root, O_PATH, for anonymous children */
	int upload_fd;		/* anon_upload_dir, O_PATH; -1 without */
	int names_fd;		/* owner names for listings (idnames.c) */
	char banner_text[IPC_MESSAGE_MAX];	/* the greeting's lines */
	char login_text[IPC_MESSAGE_MAX];	/* the login message's */
	int devnull;
	int spawn_fd;		/* a low slot for a new child's end (pool.c) */
	int epfd;
	int sigfd;
	int listen_fd[2 * CONFIG_MAX_LISTEN];
	bool listen_implicit[2 * CONFIG_MAX_LISTEN];	/* implicit TLS */
	int nlisten;
	bool accepting;
	bool inetd;		/* one connection, given at start (-i, or
				 * Accept=yes): served, then we exit */
	int inetd_fd;		/* that connection until taken; then -1 */
	bool inetd_implicit_tls;
	bool test_no_landlock;	/* test build: children act as without it */

	struct child *children;
	int nchildren;		/* slots allocated */
	int live;		/* slots in use */
	int idle[POOL_CLASSES];		/* by pool: ready and waiting */
	int starting[POOL_CLASSES];	/* spawned, not yet READY */
	bool reported[CHILD_KINDS];	/* sandbox of this kind logged */
	uint64_t next_child_serial;
	int unchannelled;	/* children whose socketpair closed, not reaped */
	int relays_ending;	/* relays whose session is over, not reaped */
	int sessions;		/* counted against max_clients */
	uint64_t next_session_id;

	struct handoff **handoffs;
	int nhandoffs;
	int handoffs_cap;

	unsigned config_gen;	/* one more at each reload that takes */
	int64_t accept_pause_until;	/* after EMFILE/ENFILE */
	int setup_failures;	/* consecutive children dead before READY */
	int64_t spawn_hold_until;
	int64_t next_expiry;	/* of the per-address records */
	int64_t next_refusal;	/* a refused login is due then; 0: none */
	int64_t next_auth_expiry;	/* an authentication times out; 0 */
	int64_t next_notify;	/* the service manager is due news; 0 */
	int64_t next_metrics;	/* metrics_file is due then */
	bool starting_up;	/* first children not yet ready */
	bool stopping;
	int64_t stop_deadline;
};

#define TAG_LISTENER 0x100000000ull
#define TAG_SIGNAL 0x200000000ull
#define TAG_CHILD 0x300000000ull
#define TAG_AUTH 0x400000000ull
#define TAG_KIND_MASK 0xf00000000ull


int master_run(struct config *cf, const struct master_start *how);
int master_check_runtime(const struct config *cf, bool verbose);
void master_set_accepting(struct master *m, bool on);
/* The master's only words to a client: one 421 line, then close. */
void master_refuse(int fd, const char *text);
void master_epoll_add(struct master *m, int fd, uint64_t tag);
/* A session is over: its address and the total count let go of it. */
void master_end_session(struct master *m, const struct session_rec *sess);
/* The TLS policy of a class (tls_required and the class keys); the
 * pre-login one for users: the weakest of the user classes in use. */
enum tls_policy master_tls_policy(const struct master *m, enum tls_class k);
enum tls_policy master_prelogin_user_policy(const struct master *m);
/* The operator's greeting and login message (IPC_MESSAGE_MAX each). */
int master_read_messages(const struct config *cf, char *banner, char *login,
    char *err, size_t errsz);
/* anon_upload_dir beneath anon_fd, O_PATH; -1 (errno). */
int master_open_upload_dir(const struct config *cf, int anon_fd);
/* Start checks, shared with sandftpd -t (selfcheck.c): -1 when not
 * usable (said on stderr when verbose). */
int master_session_user(const struct config *cf, uid_t *uid, gid_t *gid,
    bool verbose);
int master_empty_dir(const char *path, bool verbose);
bool master_tls_needed(const struct config *cf);
/* SIGHUP (reload.c). */
void master_reload(struct master *m);

#endif
