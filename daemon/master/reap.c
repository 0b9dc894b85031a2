/*
 * reap.c - collecting our exited processes (session children and
 * authentication processes) by pid.
 *
 * waitpid(-1) walks the kernel's list of all our children, one per
 * session held: with 5,000 sessions held, that walk was an eighth of the
 * machine's time while new sessions came and went.  A process that
 * exits closes its socket to us first, and a process we kill or retire
 * has its socket closed by us; either way the code that sees the socket
 * close names the pid here (reap_expect), and SIGCHLD is answered with
 * waitpid() on those pids only.  The kernel closes an exiting process's
 * descriptors before it becomes a zombie, so a pid named here may not be
 * ready yet: it stays until the SIGCHLD that follows.
 *
 * A full waitpid(-1) sweep still follows a SIGCHLD, at most every
 * SWEEP_INTERVAL_MS: a safety net, so that a process that died
 * unannounced is never left a zombie for long.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "pool.h"
#include "reap.h"

#define SWEEP_INTERVAL_MS 2000

static pid_t *expected;
static size_t nexpected, cap;
static bool fresh;		/* pids named since the last look */
static bool sweep_due;
static int64_t next_sweep;

/* The process pid is exiting, or will once killed. */
void
reap_expect(pid_t pid)
{
	if (pid <= 0)
		return;
	if (nexpected == cap) {
		size_t ncap = cap ? cap * 2 : 64;
		pid_t *p = realloc(expected, ncap * sizeof(*p));

		if (p == NULL) {
			sweep_due = true;	/* the sweep finds it */
			return;
		}
		expected = p;
		cap = ncap;
	}
	expected[nexpected++] = pid;
	fresh = true;
}

/* waitpid() on each expected pid. */
static void
collect_expected(struct master *m)
{
	size_t i = 0;

	fresh = false;
	while (i < nexpected) {
		int st;
		pid_t pid = waitpid(expected[i], &st, WNOHANG);

		if (pid == 0) {		/* still exiting */
			i++;
			continue;
		}
		/* Collected, or not ours any more (the sweep took it). */
		expected[i] = expected[--nexpected];
		if (pid > 0)
			pool_reaped(m, pid, st);
	}
}

/* Between two waits: the pids named since the last look.  Those named
 * earlier and not yet collected are looked at again at the next SIGCHLD
 * only. */
void
reap_expected(struct master *m)
{
	if (fresh)
		collect_expected(m);
}

void
reap_sigchld(struct master *m)
{
	collect_expected(m);
	sweep_due = true;
}

/* The safety net: every child that has exited, whoever it is. */
void
reap_sweep_if_due(struct master *m, int64_t now)
{
	pid_t pid;
	int st;

	if (!sweep_due || now < next_sweep)
		return;
	sweep_due = false;
	next_sweep = now + SWEEP_INTERVAL_MS;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0)
		pool_reaped(m, pid, st);
}
