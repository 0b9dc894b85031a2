/*
 * login.h - deciding a login, in the master (login.c): anonymous logins
 * at once, passwords through an authentication process (authjob.c), the
 * verdict checked against the master's own rules (deny list, never
 * root, unprivileged mode's one uid), the session then handed to a
 * child made for that identity.  Refusals are answered after a delay
 * that grows with the connection's failures, the same for every reason
 * a login fails; too many failures end the connection, and too many
 * from one address ban it for a while.
 */
#ifndef SANDFTPD_LOGIN_H
#define SANDFTPD_LOGIN_H

#include <stdbool.h>
#include <stdint.h>

#include "../../common/authproto.h"
#include "master.h"

struct child;

#define LOGIN_FAIL_DELAY_MS 1000	/* the first refusal's delay */
#define LOGIN_FAIL_DELAY_MAX_MS 8000	/* doubling up to this */

/* What an answer to a login needs while the password is checked. */
struct login_wait {
	int ctrl_fd;			/* the client's socket (ours) */
	uint32_t method;		/* enum auth_method */
	bool writable;			/* virtual user: rw */
	bool tls;			/* over TLS: the asking child relays */
	const char *decoy_why;		/* AUTH_DECOY: the reason, for the log */
	int64_t started;		/* when LOGIN came */
	char login[IPC_USER_MAX];	/* as asked, for the log */
	struct ipc_session_state state;
};

/* LOGIN from a pre-login child (already validated): decide or start a
 * check.  The request's descriptor is the client's; it is taken. */
void login_request(struct master *m, struct child *c, struct ipc_login *l,
    int fd);

/*
 * An authentication verdict (v NULL: none came; failure says why).
 * Takes w->ctrl_fd and root_fd.  True when the login was accepted and
 * the session goes on.
 */
bool login_verdict(struct master *m, struct child *c, struct login_wait *w,
    const struct auth_verdict *v, int root_fd, const char *failure);

/* Answer refusals whose delay is over; ms until the next one, or -1. */
int64_t login_due_refusals(struct master *m, int64_t now);

#endif
