/*
 * session.h - one client session inside a child (session.c): its state,
 * taking it over from the master, the command loop with its timeouts,
 * and its end.
 *
 * Everything in daemon/session/ runs in a child: exec'd, sandboxed,
 * without a capability, serving one client, and reachable by everything
 * that client sends.  What it knows about the client's address and
 * identity came from the master; what it may do beyond its own
 * descriptors it asks the master for (monitor_wrap.c).
 */
#ifndef SANDFTPD_SESSION_H
#define SANDFTPD_SESSION_H

#include <stdbool.h>
#include <limits.h>
#include <stdint.h>

#include "../../common/addr.h"
#include "../../common/ipc.h"
#include "../../common/path.h"
#include "../../common/util.h"
#include "datachan.h"
#include "linereader.h"
#include "ratelimit.h"
#include "rights.h"


/* A transfer in progress, for STAT. */
struct xfer_status {
	bool active;
	const char *verb;		/* "RETR", "LIST", ... */
	uint64_t done;
	uint64_t total;			/* 0: unknown */
	uint64_t acked;			/* peer's ACKed bytes at last look */
	int64_t started_ms;
	bool ascii;			/* TYPE A */
	bool reported;			/* XFER sent to the master */
	bool limited;			/* a file transfer under max_rate */
	char path[VPATH_MAX];		/* last: written from its start */
};

struct session;

/*
 * Serves the commands a client may send while a transfer runs (ABOR,
 * STAT, NOOP); true when ABOR came.  The command table's (commands.c),
 * reached through the session so transfers need not know it.
 */
typedef bool control_hook(struct session *s);

struct session {
	/*
	 * The order is the memory's: an idle session keeps every page it
	 * ever wrote.  Small fields first, together; then the buffers, each
	 * written from its start (a short command, a short path), in the
	 * order of how often they are used; the seldom used last.
	 */

	/* from the master */
	int ctrl_fd;
	int ipc_fd;
	int root_fd;			/* the served tree ("/"); -1 without */
	int upload_fd;			/* anonymous upload directory; -1 */
	enum child_kind kind;
	uint32_t init_flags;		/* INIT_* */
	unsigned login_timeout, idle_timeout, data_timeout;
	unsigned shutdown_timeout;	/* after SHUTDOWN, seconds to finish */
	uint8_t pasv_address[4];
	uint64_t id;
	struct sock_addr peer;		/* the client, as the master saw it */
	struct sock_addr local;
	bool logged_in;
	struct perm_ctx perm;		/* rights (RIGHT_*) and our uid/gid */
	uint32_t granted_rights;	/* what the master gave this child */
	unsigned umask;			/* SITE UMASK; starts as the key */

	/* protocol state */
	bool have_user;
	uint32_t login_failures;
	bool utf8;
	bool host_given;
	uint32_t mlst_facts;
	bool ascii;
	uint64_t rest;
	int upload_dirfd;		/* an upload runs in this directory,
					 * and upload_unlink must go if the
					 * session ends before it is done */
	bool epsv_all;
	struct datachan data;
	control_hook *during_transfer;
	struct ratelimit rate;		/* anon_max_rate or local_max_rate */

	int64_t login_deadline_ms;	/* 0 once logged in */
	int64_t last_command_ms;
	bool ctrl_eof;			/* the client half-closed: serve what
					 * it sent, then end */
	bool shutdown_requested;	/* the master asked us to stop */

	/* FTPS (tls.c) */
	void *ctrl_tls;			/* SSL of the control connection
					 * (pre-login child, relay) */
	void *data_tls;			/* SSL of the data connection */
	bool tls_ctrl;			/* the control connection is TLS
					 * (here, or relayed for us) */
	bool tls_pbsz;			/* PBSZ 0 came */
	bool tls_prot_p;		/* PROT P */
	bool data_tls_pending;		/* PROT P: handshake at first use */
	uint8_t tls_anon_policy;	/* enum tls_policy, from the master */
	uint8_t tls_user_policy;
	int64_t shutdown_deadline_ms;	/* a transfer must end by then */

	/* buffers */
	char user[IPC_USER_MAX];
	char login_user[IPC_USER_MAX];
	char host[IPC_HOST_MAX];
	char cwd[VPATH_MAX];
	struct linereader in;
	char banner[IPC_MESSAGE_MAX];	/* the greeting (greeting children) */
	char message[IPC_MESSAGE_MAX];	/* the login message */
	struct xfer_status xfer;	/* its path last */
	char rename_from[VPATH_MAX];	/* RNFR's path until RNTO; "" */
	char upload_unlink[NAME_MAX + 1];
};

/* s must be zero (static storage: the child's one session). */
void session_init(struct session *s, int ipc_fd,
    const struct ipc_child_init *w, int root_fd, int upload_fd);
/* Take a client from SESSION_START; returns after the session ends. */
void session_start(struct session *s, const struct ipc_session_start *st,
    int ctrl_fd);
/* Does this child greet clients (pre-login children, and anonymous
 * children of an anonymous-only server: INIT_GREETS)? */
bool session_greets(const struct session *s);
/* The login took: rights, name, the 230 reply (and login message). */
void session_logged_in(struct session *s, const char *user);
NORETURN void session_exit(struct session *s, int status);
/* Reply 421 with the given text and end the session. */
NORETURN void session_close(struct session *s, const char *why);
/* The protocol state, for the master to hand on.  st is zero or holds an
 * earlier export (it is static: its large buffer is written only as far
 * as it is used). */
void session_state_export(const struct session *s,
    struct ipc_session_state *st);
/*
 * Has the master asked us to stop (or gone away)?  Notes it if so.  look:
 * the socketpair is readable, read it; else only what was seen already
 * (a SHUTDOWN that came while waiting for an answer).
 */
bool session_check_master(struct session *s, bool look);
/* What this session must protect with TLS (enum tls_policy). */
enum tls_policy session_tls_policy(const struct session *s);

#endif
