/*
 * pool.h - the master's children (pool.c): spawning them ahead of demand,
 * the idle pool of each kind, signalling and reaping them.
 *
 * A child is signalled only through pool_kill() and pool_retire(), and
 * only while it has not been reaped: once waited for, its pid may belong
 * to another process.
 */
#ifndef SANDFTPD_POOL_H
#define SANDFTPD_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "master.h"

/* A child whose socketpair closed must have exited within this time
 * (checked every CHANNEL_CHECK_INTERVAL_MS). */
#define CHANNEL_CLOSED_GRACE_MS 2000
#define CHANNEL_CHECK_INTERVAL_MS 500
/* A TLS relay whose session is over must have exited within this time:
 * it has the last replies to pass on, a few hundred bytes. */
#define RELAY_GRACE_MS 5000

/* A per-second limit on what a child may have the master write. */
struct child_rate {
	int64_t window_ms;	/* this second's start */
	unsigned count;		/* requests in it */
	unsigned dropped;	/* and requests dropped */
};

/* Who a user session child runs as, as the master decided it. */
struct child_identity {
	uid_t uid;
	gid_t gid;
	uint32_t ngroups;
	uint32_t groups[IPC_GROUPS_MAX];
	uint32_t rights;	/* RIGHT_* */
	enum tls_policy tls_policy;	/* of its class */
	bool tls;		/* its session came over TLS */
};

struct child {
	bool used;
	bool reaped;		/* waited for: never signal its pid again */
	pid_t pid;
	uint64_t serial;	/* unique for the master's life, unlike the
				 * pid and the slot: what a later answer is
				 * matched against */
	int ipc_fd;		/* -1 once closed */
	enum child_kind kind;
	int pool;		/* its pool: the kind, or POOL_ANON_TLS */
	enum ipc_phase phase;
	uid_t want_uid;		/* the ids its READY must report */
	gid_t want_gid;
	bool want_write;	/* a read-write user session */
	bool want_upload;	/* an anonymous child with the upload dir */
	bool greets;		/* an anonymous child that greets clients
				 * itself (pool_greeter) */
	bool has_session;
	struct session_rec sess;
	bool killed;		/* by us, for a bad request: counts as a crash */
	bool retired;		/* killed on purpose: its session moved on */
	int64_t channel_closed_ms;	/* 0 while the socketpair is open */
	int64_t relay_over_ms;	/* a relay: when its session ended; 0 */
	unsigned login_requests;	/* LOGIN requests it made */
	bool login_pending;	/* a refused LOGIN waits out its delay */
	unsigned tls_gen;	/* the certificates it was given; 0: none */
	unsigned config_gen;	/* the configuration it was started with
				 * (master.config_gen then) */
	unsigned tls_signs;	/* TLS_SIGN requests it made */
	bool tls_reuse;		/* tls_data_reuse when it was started: its
				 * session's data connections sign nothing */
	char note[160];		/* last thing it logged, for its obituary */
	struct child_rate log_rate;	/* LOG lines */
	struct child_rate xfer_rate;	/* XFER reports */
};

void pool_init(struct master *m);
void pool_maintain(struct master *m);
int pool_spawn(struct master *m, int pool);
/* A child for one user session, rooted at root_fd: its slot, or -1. */
int pool_spawn_user(struct master *m, const struct child_identity *id,
    int root_fd);
/*
 * Fork and exec the binary open on exe_fd (m->exe_fd or
 * m->session_exe_fd) as `name arg` with descriptors 0-2 on /dev/null
 * and the child's end of a new socketpair on 3; the master's end
 * (non-blocking) in *fd.  The pid, or -1.
 */
pid_t pool_fork_exec(struct master *m, int exe_fd, const char *name,
    const char *arg, int *fd);
/* At start: the session binary's descriptor (fatal if it is unsafe),
 * or exe_fd where there is none. */
int pool_open_session_binary(const struct master *m);
void pool_reaped(struct master *m, pid_t pid, int status);
/* The pool whose children greet new connections: CHILD_PRELOGIN, or
 * CHILD_ANON on an anonymous-only server in clear. */
int pool_greeter(const struct master *m);
/* One more connection accepted: the greeting pool follows the rate. */
void pool_note_accept(struct master *m);
struct child *pool_idle_child(struct master *m, int pool);
void pool_idle_push(struct master *m, struct child *c);
/* A child that broke the rules: logged, killed, counted as a crash. */
void pool_kill(struct master *m, struct child *c, const char *why);
/* A child whose work is over (its session moved on): killed quietly. */
void pool_retire(struct master *m, struct child *c);
/* Kill every child still alive (the end of a stop). */
void pool_kill_all(struct master *m);
/* The child in slot if it is still the one of that serial (not reaped:
 * its pid is not another's yet); NULL otherwise.  How every answer that
 * comes later (a refusal's delay, a verdict, a handoff, a relay's end)
 * finds its child. */
struct child *pool_child_at(struct master *m, int slot, uint64_t serial);
/* Retire the idle children (a reload: new ones start with the new
 * configuration and certificate). */
void pool_retire_idle(struct master *m);
void pool_close_ipc(struct master *m, struct child *c);
/* The session relayed by a TLS child is over: that child has
 * RELAY_GRACE_MS to exit. */
void pool_relay_session_over(struct master *m, const struct session_rec *s);
/* Kill children that closed their socketpair but did not exit, and
 * relays that outlived their session's grace. */
void pool_check_channels(struct master *m, int64_t now);
void pool_broadcast_shutdown(struct master *m);
int pool_send(struct master *m, struct child *c, const void *msg, size_t len,
    const int *fds, int nfds);
/* "KIND child PID", after the session's fields when it has one. */
#define POOL_LABEL_MAX (SESSION_FIELDS_MAX + 64)
const char *pool_child_label(const struct child *c, char *buf, size_t n);
const char *pool_kind_name(enum child_kind k);

#endif
