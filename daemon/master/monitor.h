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

/*
 * A child's messages answered per wakeup of the event loop: one child
 * that sends without pause cannot keep the master from the others (as
 * ACCEPTS_PER_WAKEUP bounds a listener's turn).
 */
#define MONITOR_MSGS_PER_WAKEUP 16
/*
 * A dead child's messages still queued: more than its socket's buffer
 * holds (278 of the smallest request with the default 208 KiB; a child
 * cannot change its buffer), and still a bound: the master does not
 * depend on the queue ever running dry.
 */
#define MONITOR_LAST_WORDS_MAX 1024

/* The child's socket is readable: up to MONITOR_MSGS_PER_WAKEUP of its
 * messages answered, the rest on the next round. */
void monitor_readable(struct master *m, struct child *c);
/* The child died: what it still had queued, up to the bound above. */
void monitor_last_words(struct master *m, struct child *c);
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
