/*
 * authjob.h - the master's side of the authentication processes
 * (authjob.c; the processes themselves are daemon/auth/).  A login that
 * needs a password checked becomes a job: an exec'd process, a request,
 * and a verdict the master waits for in its event loop, never blocking
 * on it.  A job that hangs past auth_timeout is killed; one that dies
 * without a verdict is logged; either refuses that login only.
 */
#ifndef SANDFTPD_AUTHJOB_H
#define SANDFTPD_AUTHJOB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../common/authproto.h"
#include "login.h"
#include "master.h"

#define AUTH_JOBS_MAX 128	/* checks running at once */

struct child;

/*
 * Start checking a login for child c (a pre-login child that sent
 * LOGIN).  The job keeps a copy of w (and owns w->ctrl_fd) until the
 * verdict.  -1 when no job could be started: w->ctrl_fd is still the
 * caller's, which refuses the login.
 */
int authjob_start(struct master *m, struct child *c,
    const struct auth_request *rq, const struct login_wait *w);

/* The job's socket (epoll tag TAG_AUTH | index) is readable. */
void authjob_readable(struct master *m, uint32_t index);
/* pid was reaped: true if it was an authentication process. */
bool authjob_reaped(struct master *m, pid_t pid, int status);
/* Kill jobs past their time; ms until the next one is due, or -1. */
int64_t authjob_expire(struct master *m, int64_t now);
/* The session ended, or its user logged out (REIN): let its PAM
 * sessions close. */
void authjob_session_ended(struct master *m, uint64_t session_id);
/* Stop: every job ends (PAM sessions close). */
void authjob_stop_all(struct master *m);
int authjob_running(void);

#endif
