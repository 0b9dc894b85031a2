/*
 * master.h - the privileged master's records.  The master binds the
 * listeners, keeps the pool of pre-forked children, hands connections to
 * them, applies the connection limits, and answers the children's
 * privileged requests.  It never reads a byte that a client sent.
 *
 * master.c   startup, capabilities, listeners, event loop, accept, signals
 * pool.c     spawning (fork + exec of our own binary), reaping, the pool
 * privops.c  the children's requests: READY, LOG, LOGIN, PORT20, REIN
 * limits.c   per-address session counts and crash bans
 * auth.c     deciding a login
 */
#ifndef SANDFTPD_MASTER_H
#define SANDFTPD_MASTER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../common/addr.h"
#include "../common/config.h"
#include "../common/ipc.h"

/* A client connection, from accept until its last child exits. */
struct session_rec {
	uint64_t id;
	struct sock_addr peer;
	struct sock_addr local;
	dev_t sock_dev;		/* identity of the control socket, to check */
	ino_t sock_ino;		/* descriptors a child hands back */
	unsigned logins;	/* LOGIN requests seen */
	char user[IPC_USER_MAX];
};

struct child {
	bool used;
	pid_t pid;
	int ipc_fd;		/* -1 once closed */
	enum worker_kind kind;
	enum ipc_phase phase;
	bool has_session;
	struct session_rec sess;
	bool killed;		/* by us, for a bad request */
	bool handed_off;	/* killed by us after handing its session on */
	char note[160];		/* last thing it logged, for its obituary */
	int64_t log_window_ms;	/* LOG rate limit: this second's start, */
	unsigned log_lines;	/* lines in it, */
	unsigned log_dropped;	/* and lines dropped */
};

/* A session between two children (after LOGIN or REIN). */
struct handoff {
	struct session_rec sess;
	pid_t wait_pid;		/* the old child, until it is reaped */
	enum worker_kind to;
	uint32_t identity;
	int ctrl_fd;
	int64_t since_ms;
	struct ipc_session_state state;
};

struct master {
	struct config *cf;
	bool privileged;	/* running as root */
	bool port20;		/* port20 = yes and we can bind port 20 */
	uid_t uid;		/* session_user, or our own uid */
	gid_t gid;
	int exe_fd;		/* our own binary, for fexecve */
	int empty_fd;		/* the empty directory (privileged) */
	int anon_fd;		/* anon_root, O_PATH, for anonymous children */
	int devnull;
	int epfd;
	int sigfd;
	int listen_fd[CONFIG_MAX_LISTEN];
	int nlisten;
	bool accepting;

	struct child *children;
	int nchildren;		/* slots allocated */
	int live;		/* slots in use */
	int idle[3];		/* by worker kind: ready and waiting */
	int starting[3];	/* spawned, not yet READY */
	bool reported[3];	/* sandbox of this kind logged */
	int sessions;		/* counted against max_clients */
	uint64_t next_session_id;

	struct handoff **handoffs;
	int nhandoffs;
	int handoffs_cap;

	int64_t accept_pause_until;	/* after EMFILE/ENFILE */
	int setup_failures;	/* consecutive children dead before READY */
	int64_t spawn_hold_until;
	bool starting_up;	/* first children not yet ready */
	bool stopping;
	int64_t stop_deadline;
};

/* master.c */
int master_run(struct config *cf, bool foreground);
int master_check_runtime(const struct config *cf, bool verbose);
void master_set_accepting(struct master *m, bool on);
void master_refuse(int fd, const char *text);
void master_epoll_add(struct master *m, int fd, uint64_t tag);

#define TAG_LISTENER 0x100000000ull
#define TAG_SIGNAL 0x200000000ull
#define TAG_CHILD 0x300000000ull
#define TAG_KIND_MASK 0xf00000000ull

/* pool.c */
void pool_init(struct master *m);
void pool_maintain(struct master *m);
int pool_spawn(struct master *m, enum worker_kind kind);
void pool_reap(struct master *m);
struct child *pool_idle_child(struct master *m, enum worker_kind kind);
void pool_idle_push(struct master *m, struct child *c);
void pool_kill(struct master *m, struct child *c, const char *why);
void pool_close_ipc(struct master *m, struct child *c);
void pool_broadcast_shutdown(struct master *m);
int pool_send(struct master *m, struct child *c, const void *msg, size_t len,
    const int *fds, int nfds);

/* privops.c */
void privops_readable(struct master *m, struct child *c);
int privops_start_session(struct master *m, struct child *c,
    const struct session_rec *sess, uint32_t identity,
    const struct ipc_session_state *state, int ctrl_fd);
void privops_deliver_handoffs(struct master *m);
void privops_drop_handoffs(struct master *m, const char *why);
void privops_end_session(struct master *m, const struct session_rec *sess);
void privops_child_gone(struct master *m, pid_t pid);
const char *child_label(const struct child *c, char *buf, size_t n);

/* limits.c */
enum limit_verdict { LIMIT_OK, LIMIT_BANNED, LIMIT_TOTAL, LIMIT_PER_IP };
enum limit_verdict limits_check(struct master *m, const struct sock_addr *a);
void limits_add(const struct sock_addr *a);
void limits_remove(const struct sock_addr *a);
/* A session from a crashed: true when this starts a ban. */
bool limits_crash(struct master *m, const struct sock_addr *a);

/* auth.c */
enum auth_result { AUTH_REFUSED, AUTH_ANONYMOUS };
enum auth_result auth_check(const struct config *cf, const char *user,
    const char *pass);

#endif
