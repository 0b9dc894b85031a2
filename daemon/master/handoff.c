/*
 * handoff.c - sessions in transit between two children.  The old child
 * still holds a copy of the client's socket when it asks to hand its
 * session on; it is killed, and the session goes on only once it is
 * reaped: no moment with two processes on one connection, whatever the
 * old one does.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "handoff.h"
#include "monitor.h"
#include "pool.h"

#define HANDOFF_WAIT_MAX_MS 30000

static int
handoffs_grow(struct master *m)
{
	struct handoff **p;
	int ncap;

	if (m->nhandoffs < m->handoffs_cap)
		return 0;
	ncap = m->handoffs_cap ? m->handoffs_cap * 2 : 16;
	p = realloc(m->handoffs, (size_t)ncap * sizeof(*p));
	if (p == NULL)
		return -1;
	m->handoffs = p;
	m->handoffs_cap = ncap;
	return 0;
}

/*
 * A login over TLS: the TLS state cannot leave the pre-login child, so
 * it stays and relays (RELAY); the session's child gets a socketpair to
 * it as its control connection, and our copy of the client's socket is
 * closed.  The relay may only log from now on (PHASE_RELAY).  -1 if
 * the relay could not be set up: the client's socket is then closed.
 */
static int
start_relay(struct master *m, struct child *c, struct session_rec *sess,
    int *fd)
{
	struct ipc_empty msg;
	struct stat st;
	int sp[2];

	close(*fd);
	*fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sp) < 0)
		return -1;
	ipc_hdr_init(&msg.hdr, IPC_RELAY, sizeof(msg));
	if (pool_send(m, c, &msg, sizeof(msg), &sp[0], 1) < 0 ||
	    fstat(sp[1], &st) < 0) {
		close(sp[0]);
		close(sp[1]);
		return -1;
	}
	close(sp[0]);
	c->phase = PHASE_RELAY;
	c->has_session = false;		/* the record moves on with it */
	sess->relayed = true;
	sess->relay_slot = (int)(c - m->children);
	sess->relay_serial = c->serial;
	sess->sock_dev = st.st_dev;
	sess->sock_ino = st.st_ino;
	*fd = sp[1];
	return 0;
}

void
handoff_queue(struct master *m, struct child *c, int to,
    int slot, uint32_t identity, const struct ipc_session_state *state,
    int fd, bool tls)
{
	struct handoff *h = calloc(1, sizeof(*h));
	struct session_rec sess = c->sess;
	pid_t wait_pid = c->reaped ? 0 : c->pid;

	if (tls && h && start_relay(m, c, &sess, &fd) == 0) {
		wait_pid = 0;		/* it stays, on the other side */
	} else if (tls) {
		free(h);
		pool_retire(m, c);
		if (fd >= 0)
			master_refuse(fd, "Out of memory.");
		master_end_session(m, &sess);
		return;
	} else {
		pool_retire(m, c);
	}
	if (h == NULL || handoffs_grow(m) < 0) {
		free(h);
		master_refuse(fd, "Out of memory.");
		master_end_session(m, &sess);
		return;
	}
	h->sess = sess;
	h->to = to;
	h->to_slot = slot;
	h->to_serial = slot >= 0 ? m->children[slot].serial : 0;
	h->identity = identity;
	h->ctrl_fd = fd;
	h->since_ms = sys_now_ms();
	h->state = *state;
	h->wait_pid = wait_pid;
	m->handoffs[m->nhandoffs++] = h;
}

void
handoff_child_gone(struct master *m, pid_t pid)
{
	int i;

	for (i = 0; i < m->nhandoffs; i++)
		if (m->handoffs[i]->wait_pid == pid)
			m->handoffs[i]->wait_pid = 0;
}

int
handoff_waiting_for(const struct master *m, int kind)
{
	int i, n = 0;

	for (i = 0; i < m->nhandoffs; i++)
		if (m->handoffs[i]->to == kind && m->handoffs[i]->to_slot < 0)
			n++;
	return n;
}

static struct child *started_for(struct master *m, const struct handoff *h);

/* A child started for a session that will not come must not idle on. */
static void
remove_handoff(struct master *m, int i)
{
	struct child *c = m->handoffs[i]->to_slot >= 0 ?
	    started_for(m, m->handoffs[i]) : NULL;

	if (c && !c->has_session)
		pool_retire(m, c);
	free(m->handoffs[i]);
	m->handoffs[i] = m->handoffs[--m->nhandoffs];
}

/* The child started for this handoff; NULL once it is gone. */
static struct child *
started_for(struct master *m, const struct handoff *h)
{
	struct child *c = pool_child_at(m, h->to_slot, h->to_serial);

	return c != NULL && c->ipc_fd >= 0 ? c : NULL;
}

void
handoff_deliver(struct master *m)
{
	int64_t now = sys_now_ms();
	int i = 0;

	while (i < m->nhandoffs) {
		struct handoff *h = m->handoffs[i];
		struct child *c;

		if (h->wait_pid != 0) {	/* the old child is not gone yet */
			i++;
			continue;
		}
		c = h->to_slot >= 0 ? started_for(m, h) :
		    pool_idle_child(m, h->to);
		if (c && c->phase == PHASE_IDLE &&
		    monitor_start_session(m, c, &h->sess, h->identity,
		    &h->state, h->ctrl_fd) == 0) {
			close(h->ctrl_fd);
			remove_handoff(m, i);
			continue;
		}
		if ((h->to_slot >= 0 && c == NULL) ||
		    now - h->since_ms > HANDOFF_WAIT_MAX_MS) {
			master_refuse(h->ctrl_fd, "No session process available.");
			master_end_session(m, &h->sess);
			remove_handoff(m, i);
			continue;
		}
		i++;
	}
}

void
handoff_drop_all(struct master *m, const char *why)
{
	while (m->nhandoffs > 0) {
		struct handoff *h = m->handoffs[0];

		master_refuse(h->ctrl_fd, why);
		master_end_session(m, &h->sess);
		remove_handoff(m, 0);
	}
}
