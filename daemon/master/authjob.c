/*
 * authjob.c - authentication processes, from the master's side: start
 * one per login (fork + exec of `sandftpd --auth`), send it the request,
 * read its verdict when it comes, validate it, and pass it on to the
 * login logic (monitor.c).  The master never waits for one: a PAM stack
 * that takes seconds costs that client seconds, and nobody else anything.
 *
 * A system user's job stays after an accepted verdict, holding the PAM
 * session open; closing its socket when the FTP session ends lets it
 * close the PAM session and exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "authjob.h"
#include "login.h"
#include "pool.h"
#include "reap.h"

struct auth_job {
	bool used;
	pid_t pid;		/* 0 once reaped */
	int fd;			/* -1 once closed */
	bool answered;		/* the verdict came (or the job was given up) */
	bool holding;		/* keeps session_id's PAM session open */
	int child_slot;		/* the pre-login child that asked */
	uint64_t child_serial;
	uint64_t session_id;
	int64_t deadline;
	struct login_wait wait;	/* what the answer needs */
};

static struct auth_job *jobs;
static int njobs, running, holding;

int
authjob_running(void)
{
	return running;
}

static int
new_job(void)
{
	struct auth_job *p;
	int i, n;

	for (i = 0; i < njobs; i++)
		if (!jobs[i].used)
			return i;
	n = njobs ? njobs * 2 : 16;
	p = realloc(jobs, (size_t)n * sizeof(*p));
	if (p == NULL)
		return -1;
	memset(p + njobs, 0, (size_t)(n - njobs) * sizeof(*p));
	jobs = p;
	i = njobs;
	njobs = n;
	return i;
}

static void
close_job_fd(struct master *m, struct auth_job *j)
{
	if (j->fd < 0)
		return;
	epoll_ctl(m->epfd, EPOLL_CTL_DEL, j->fd, NULL);
	close(j->fd);
	j->fd = -1;
	/* Without its socket it has nothing left to do but exit. */
	reap_expect(j->pid);
}

static void
release(struct auth_job *j)
{
	if (j->wait.ctrl_fd >= 0)
		close(j->wait.ctrl_fd);
	/* Forget the session state it held (client bytes). */
	j->wait = (struct login_wait){ .ctrl_fd = -1 };
}

/* The job is over for the login: no verdict will be used any more. */
static void
finish(struct auth_job *j)
{
	if (!j->answered) {
		j->answered = true;
		running--;
	}
}

static void
maybe_free(struct auth_job *j)
{
	if (j->pid == 0 && j->fd < 0) {
		release(j);
		j->used = false;
	}
}

int
authjob_start(struct master *m, struct child *c,
    const struct auth_request *rq, const struct login_wait *w)
{
	struct auth_job *j;
	int i, fd;
	pid_t pid;

	if (running >= AUTH_JOBS_MAX) {
		log_warn("%d logins are being checked already; refusing one "
		    "more", running);
		return -1;
	}
	i = new_job();
	if (i < 0)
		return -1;
	pid = pool_fork_exec(m, m->exe_fd, "sandftpd-auth", AUTH_ARG, &fd);
	if (pid < 0)
		return -1;
	if (ipc_send(fd, rq, sizeof(*rq), NULL, 0) < 0) {
		log_warn("authentication process %ld: %s", (long)pid,
		    strerror(errno));
		kill(pid, SIGKILL);
		close(fd);
		reap_expect(pid);
		/* Reaped later; not a job any more. */
		return -1;
	}
	j = &jobs[i];
	memset(j, 0, sizeof(*j));
	j->used = true;
	j->pid = pid;
	j->fd = fd;
	j->child_slot = (int)(c - m->children);
	j->child_serial = c->serial;
	j->session_id = c->sess.id;
	j->deadline = sys_now_ms() + (int64_t)m->cf->auth_timeout * 1000;
	j->wait = *w;
	running++;
	master_epoll_add(m, fd, TAG_AUTH | (uint64_t)i);
	return 0;
}

/* The pre-login child this job answers, if it still waits. */
static struct child *
asking_child(struct master *m, const struct auth_job *j)
{
	struct child *c = pool_child_at(m, j->child_slot, j->child_serial);

	return c != NULL && c->login_pending ? c : NULL;
}

static void
give_verdict(struct master *m, struct auth_job *j,
    const struct auth_verdict *v, int root_fd, const char *failure)
{
	struct child *c = asking_child(m, j);

	finish(j);
	if (c == NULL) {
		if (root_fd >= 0)
			close(root_fd);
		return;
	}
	/* c may move (a child is spawned): nothing of it is used after. */
	if (login_verdict(m, c, &j->wait, v, root_fd, failure) &&
	    j->wait.method == AUTH_PAM && j->fd >= 0) {
		j->holding = true;	/* until the session j->session_id ends */
		holding++;
	}
	j->wait.ctrl_fd = -1;	/* login_verdict took it */
}

void
authjob_readable(struct master *m, uint32_t index)
{
	struct auth_job *j;
	struct ipc_msg msg;
	const char *why;
	int rc;

	if ((int)index >= njobs || !jobs[index].used || jobs[index].fd < 0)
		return;
	j = &jobs[index];
	rc = ipc_recv(j->fd, &msg);
	if (rc < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (rc <= 0 || j->answered) {
		/* Closed: it is exiting (reaped soon).  After the verdict,
		 * nothing more is expected. */
		if (rc > 0)
			ipc_msg_close_fds(&msg);
		close_job_fd(m, j);
		if (j->holding) {
			j->holding = false;
			holding--;
		}
		maybe_free(j);
		return;
	}
	why = auth_check_verdict(&msg);
	if (why) {
		log_err("session=%llu authentication process %ld: bad "
		    "verdict: %s", (unsigned long long)j->session_id,
		    (long)j->pid, why);
		ipc_msg_close_fds(&msg);
		kill(j->pid, SIGKILL);
		close_job_fd(m, j);
		give_verdict(m, j, NULL, -1, "the authentication process "
		    "answered nonsense");
		maybe_free(j);
		return;
	}
	msg.nfds = 0;		/* the root descriptor goes on */
	give_verdict(m, j, (const struct auth_verdict *)msg.u.raw,
	    ((const struct auth_verdict *)msg.u.raw)->accepted ? msg.fds[0] :
	    -1, NULL);
	if (!j->holding)
		close_job_fd(m, j);
	maybe_free(j);
}

bool
authjob_reaped(struct master *m, pid_t pid, int status)
{
	int i;

	for (i = 0; i < njobs; i++) {
		struct auth_job *j = &jobs[i];
		char why[128];

		if (!j->used || j->pid != pid)
			continue;
		j->pid = 0;
		if (!j->answered) {
			/* Its last words may still be queued. */
			if (j->fd >= 0)
				authjob_readable(m, (uint32_t)i);
		}
		if (j->used && !j->answered) {
			if (WIFSIGNALED(status))
				snprintf(why, sizeof(why), "the authentication "
				    "process died of signal %d",
				    WTERMSIG(status));
			else
				snprintf(why, sizeof(why), "the authentication "
				    "process exited with status %d and no "
				    "verdict", WEXITSTATUS(status));
			log_err("session=%llu authentication process %ld: %s",
			    (unsigned long long)j->session_id, (long)pid, why);
			close_job_fd(m, j);
			give_verdict(m, j, NULL, -1, why);
		} else if (j->holding) {
			log_warn("session=%llu authentication process %ld "
			    "holding the PAM session of session %llu ended "
			    "early", (unsigned long long)j->session_id,
			    (long)pid, (unsigned long long)j->session_id);
		}
		if (j->used) {
			close_job_fd(m, j);
			if (j->holding) {
				j->holding = false;
				holding--;
			}
			maybe_free(j);
		}
		return true;
	}
	return false;
}

int64_t
authjob_expire(struct master *m, int64_t now)
{
	int64_t next = -1;
	int i;

	if (running == 0)
		return -1;
	for (i = 0; i < njobs; i++) {
		struct auth_job *j = &jobs[i];

		if (!j->used || j->answered)
			continue;
		if (now >= j->deadline) {
			char name[IPC_USER_MAX * 4];

			log_err("session=%llu authentication process %ld for "
			    "user '%s' gave no verdict in %u s; killing it",
			    (unsigned long long)j->session_id, (long)j->pid,
			    log_word(name, sizeof(name), j->wait.login),
			    m->cf->auth_timeout);
			if (j->pid)
				kill(j->pid, SIGKILL);
			close_job_fd(m, j);
			give_verdict(m, j, NULL, -1, "the authentication "
			    "process hung");
			maybe_free(j);
		} else if (next < 0 || j->deadline - now < next) {
			next = j->deadline - now;
		}
	}
	return next;
}

/*
 * Every job that holds a PAM session of this session: a REIN ends the
 * user's, but a session must not count on having had only one.
 */
void
authjob_session_ended(struct master *m, uint64_t session_id)
{
	int i;

	for (i = 0; i < njobs && holding > 0; i++) {
		struct auth_job *j = &jobs[i];

		if (j->used && j->holding && j->session_id == session_id) {
			close_job_fd(m, j);
			j->holding = false;
			holding--;
			maybe_free(j);
		}
	}
}

void
authjob_stop_all(struct master *m)
{
	int i;

	for (i = 0; i < njobs; i++) {
		struct auth_job *j = &jobs[i];

		if (!j->used)
			continue;
		if (!j->answered && j->pid)
			kill(j->pid, SIGKILL);
		close_job_fd(m, j);
		if (j->holding) {
			j->holding = false;
			holding--;
		}
		finish(j);
		maybe_free(j);
	}
}
