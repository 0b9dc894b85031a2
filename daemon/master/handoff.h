/*
 * handoff.h - a session between two children (handoff.c): after an
 * accepted LOGIN or a REIN the master holds the client's socket until
 * the old child is reaped, then gives it to an idle child of the new
 * kind.  A connection is never in two processes at once.
 */
#ifndef SANDFTPD_HANDOFF_H
#define SANDFTPD_HANDOFF_H

#include <stdint.h>
#include <sys/types.h>

#include "master.h"

struct child;

struct handoff {
	struct session_rec sess;
	pid_t wait_pid;		/* the old child, until it is reaped */
	int to;			/* the pool of the child it goes to */
	int to_slot;		/* a child started for it (-1: any idle) */
	uint64_t to_serial;	/* and its serial (pool.h) */
	uint32_t identity;
	int ctrl_fd;
	int64_t since_ms;
	struct ipc_session_state state;
};

/*
 * Take c's session (socket fd, state) on to a child of kind `to`: an
 * idle one of the pool, or (slot >= 0) the child started for it in that
 * slot.  c is retired.  The caller gives up fd.
 */
void handoff_queue(struct master *m, struct child *c, int to,
    int slot, uint32_t identity, const struct ipc_session_state *state,
    int fd, bool tls);
/* Start every session whose old child is gone and whose new one idles. */
void handoff_deliver(struct master *m);
/* Refuse every session in transit (stopping). */
void handoff_drop_all(struct master *m, const char *why);
/* The child with this pid was reaped. */
void handoff_child_gone(struct master *m, pid_t pid);
/* How many sessions wait for an idle child of this kind. */
int handoff_waiting_for(const struct master *m, int pool);

#endif
