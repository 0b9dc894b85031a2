/*
 * monitor.h - the master's side of the privileged requests (monitor.c):
 * reading a child's socketpair, validating each message, and answering
 * it.  The requests and their rules are the one list in common/ipc.h;
 * the answer to request X is priv_answer_X() in monitor.c, and the
 * child's side of it is priv_X() in daemon/session/monitor_wrap.c.
 */
#ifndef SANDFTPD_MONITOR_H
#define SANDFTPD_MONITOR_H

#include <stdbool.h>
#include <stdint.h>

#include "master.h"

struct child;

/* A connection's handoffs beyond its first login: 6, then one per 5 s. */
#define MONITOR_SESSION_HANDOFF_BURST 6
#define MONITOR_SESSION_HANDOFF_PER_TOKEN_MS 5000

/* A new connection's full budgets (handoffs, data sockets). */
void monitor_init_session(const struct master *m, struct session_rec *sess,
    int64_t now);

/* The child's socket is readable (or it died: its last words). */
void monitor_readable(struct master *m, struct child *c);
/* Give a session (its socket and state) to an idle child. */
int monitor_start_session(struct master *m, struct child *c,
    const struct session_rec *sess, uint32_t identity,
    const struct ipc_session_state *state, int ctrl_fd);
/*
 * Is a further handoff of this connection within its budgets?  If not,
 * the connection is ended (421 on fd, which is closed) and false.
 */
bool monitor_handoff_allowed(struct master *m, struct child *c, int fd);

#endif
