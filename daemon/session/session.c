/*
 * session.c - one client session: taking it over from the master,
 * restoring the state a previous child handed on, the command loop with
 * its login and idle timeouts, and the end of the session.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "commands.h"
#include "ctrl.h"
#include "idlemem.h"
#include "listing.h"
#include "monitor_wrap.h"
#include "session.h"
#include "tls.h"
#include "upload.h"

void
session_init(struct session *s, int ipc_fd, const struct ipc_child_init *w,
    int root_fd, int upload_fd)
{
	/* s is in static storage, zero already: no memset, which would
	 * touch every page of it (buffers an idle session never uses) and
	 * cost each of thousands of idle sessions their memory. */
	s->ctrl_fd = -1;
	s->ipc_fd = ipc_fd;
	s->root_fd = root_fd;
	s->upload_fd = upload_fd;
	s->upload_dirfd = -1;
	s->granted_rights = w->rights;
	s->umask = w->umask & 0777;
	s->kind = (enum child_kind)w->kind;
	s->init_flags = w->flags;
	s->login_timeout = w->login_timeout;
	s->idle_timeout = w->idle_timeout;
	s->data_timeout = w->data_timeout;
	s->shutdown_timeout = w->shutdown_timeout;
	ratelimit_init(&s->rate, w->max_rate);
	s->perm.uid = w->uid;
	s->perm.gid = w->gid;
	s->perm.unmapped_uid = s->perm.unmapped_gid = (uint32_t)-1;
	memcpy(s->pasv_address, w->pasv_address, 4);
	s->data.listen_fd = -1;
	s->mlst_facts = MLST_FACTS_DEFAULT;
	s->ascii = true;	/* RFC 959: the default type is ASCII */
	str_copy(s->cwd, sizeof(s->cwd), "/");
	s->during_transfer = command_during_transfer;
	/* The greeting: a pre-login child's message, or an anonymous
	 * child's second text when it greets (INIT_GREETS). */
	if (w->message[0] && str_terminated(w->message, sizeof(w->message)))
		str_copy(w->kind == CHILD_PRELOGIN ? s->banner : s->message,
		    sizeof(s->message), w->message);
	if ((w->flags & INIT_GREETS) && w->banner[0] &&
	    str_terminated(w->banner, sizeof(w->banner)))
		str_copy(s->banner, sizeof(s->banner), w->banner);
	s->tls_anon_policy = (uint8_t)w->tls_anon_policy;
	s->tls_user_policy = (uint8_t)w->tls_user_policy;
	lr_init(&s->in);
}

enum tls_policy
session_tls_policy(const struct session *s)
{
	return (enum tls_policy)(s->kind == CHILD_ANON ? s->tls_anon_policy :
	    s->tls_user_policy);
}

void
session_state_export(const struct session *s, struct ipc_session_state *st)
{
	uint32_t old = st->pending_len;

	/* The fixed part is cleared; the pending buffer is written by
	 * ipc_state_set_pending, which needs the length before. */
	memset(st, 0, offsetof(struct ipc_session_state, pending));
	st->pending_len = old;
	st->flags = (s->utf8 ? STATE_UTF8 : 0) | (s->host_given ? STATE_HOST : 0) |
	    (s->tls_pbsz ? STATE_TLS_PBSZ : 0) |
	    (s->tls_prot_p ? STATE_TLS_PROT_P : 0);
	if (s->tls_ctrl)
		tls_ticket_keys_export(st->ticket_keys);
	st->mlst_facts = s->mlst_facts;
	st->login_failures = s->login_failures;
	st->telnet_state = s->in.telnet;
	st->reader_flags = (s->in.discarding ? STATE_READER_DISCARDING : 0) |
	    (uint32_t)s->in.too_long << STATE_READER_TOO_LONG_SHIFT;
	str_copy(st->host, sizeof(st->host), s->host);
	ipc_state_set_pending(st, s->in.buf, s->in.len);
}

/* The state came from another child, i.e. from client input: check it. */
static void
state_import(struct session *s, const struct ipc_session_state *st)
{
	if (st->pending_len > sizeof(st->pending) ||
	    st->pending_len > sizeof(s->in.buf) ||
	    !str_terminated(st->host, sizeof(st->host)) || st->telnet_state > 4)
		fatalx("handed-on session state is malformed");
	s->utf8 = (st->flags & STATE_UTF8) != 0;
	s->host_given = (st->flags & STATE_HOST) != 0;
	s->mlst_facts = st->mlst_facts & MLST_FACTS_ALL;
	/* Protection settings mean something only over a TLS connection. */
	if (s->tls_ctrl) {
		s->tls_pbsz = (st->flags & STATE_TLS_PBSZ) != 0;
		s->tls_prot_p = (st->flags & STATE_TLS_PROT_P) != 0;
		if (tls_ticket_keys_import(st->ticket_keys) < 0)
			fatalx("handed-on TLS ticket keys refused");
	}
	s->login_failures = st->login_failures;
	str_copy(s->host, sizeof(s->host), st->host);
	s->in.telnet = st->telnet_state;
	s->in.discarding = (st->reader_flags & STATE_READER_DISCARDING) != 0;
	s->in.too_long = st->reader_flags >> STATE_READER_TOO_LONG_SHIFT;
	if (s->in.too_long > 1000)
		fatalx("handed-on session state is malformed");
	memcpy(s->in.buf, st->pending, st->pending_len);
	s->in.len = st->pending_len;
}

bool
session_greets(const struct session *s)
{
	return s->kind == CHILD_PRELOGIN || (s->kind == CHILD_ANON &&
	    (s->init_flags & INIT_GREETS));
}

void
session_logged_in(struct session *s, const char *user)
{
	s->logged_in = true;
	s->login_deadline_ms = 0;
	s->perm.rights = s->granted_rights;
	str_copy(s->user, sizeof(s->user), user);
	if (s->message[0])	/* login_message_file */
		reply_text(s, 230, s->message, "Login successful.");
	else
		reply(s, 230, "Login successful.");
}

NORETURN void
session_exit(struct session *s, int status)
{
	xfer_report(s, 426, false);	/* the session ends in the middle */
	priv_xfer_flush();		/* with those still held */
	upload_abandon(s);
	tls_ctrl_end(s);
	if (s->ctrl_fd >= 0) {
		shutdown(s->ctrl_fd, SHUT_WR);
		sys_close(s->ctrl_fd);
	}
	_exit(status);
}

NORETURN void
session_close(struct session *s, const char *why)
{
	reply(s, 421, "%s", why);
	session_exit(s, 0);
}

bool
session_check_master(struct session *s, bool look)
{
	if (!s->shutdown_requested && priv_shutdown_requested(look)) {
		s->shutdown_requested = true;
		s->shutdown_deadline_ms = sys_now_ms() +
		    (int64_t)s->shutdown_timeout * 1000;
	}
	return s->shutdown_requested;
}

/* How long until the login or idle timeout, in ms (>= 0). */
static int64_t
time_left(const struct session *s, const char **why)
{
	int64_t now = sys_now_ms();
	int64_t idle = s->last_command_ms + (int64_t)s->idle_timeout * 1000;
	int64_t until = idle;

	*why = "Timeout: no command received in time.";
	if (s->login_deadline_ms && s->login_deadline_ms < until) {
		until = s->login_deadline_ms;
		*why = "Timeout: login not completed in time.";
	}
	return until > now ? until - now : 0;
}

static void
run_lines(struct session *s)
{
	char line[CTRL_LINE_MAX + 1];
	enum rd_result r;

	while ((r = lr_next(&s->in, line, sizeof(line))) != RD_NONE) {
		s->last_command_ms = sys_now_ms();
		if (r == RD_TOO_LONG) {
			reply(s, 500, "Command line too long.");
			continue;
		}
		if (r == RD_BADCHAR) {
			reply(s, 501, "NUL byte in command line.");
			continue;
		}
		command_dispatch(s, line);
		/* Idle is waiting for the client after our reply: a command
		 * that waited long (for a data connection that never came)
		 * leaves the client its whole idle_timeout. */
		s->last_command_ms = sys_now_ms();
		if (session_check_master(s, false))
			session_close(s, "Server shutting down.");
	}
}

static void
command_loop(struct session *s)
{
	bool released = false;	/* idlemem_release since the last input */

	for (;;) {
		struct pollfd p[2] = {
			{ s->ctrl_fd, POLLIN, 0 },
			{ s->ipc_fd, POLLIN, 0 },
		};
		const char *why;
		int64_t left, keep, now;
		bool polled;
		int rc;

		run_lines(s);
		ctrl_flush(s);		/* nothing stays held while we wait */
		if (s->ctrl_eof)
			session_exit(s, 0);	/* served all it sent */
		/* Decrypted bytes waiting in TLS: no poll would see them. */
		if (tls_pending(s->ctrl_tls) && lr_room(&s->in) > 0) {
			if (ctrl_read(s) <= 0)
				session_exit(s, 0);
			continue;
		}
		left = time_left(s, &why);
		if (left == 0)
			session_close(s, why);
		/* A listener kept for the next transfer expires on its own;
		 * held transfer reports go when due. */
		now = sys_now_ms();
		keep = data_expire(s, now);
		if (keep >= 0 && keep < left)
			left = keep;
		keep = priv_xfer_due(now);
		if (keep >= 0 && keep < left)
			left = keep;
		if (left > 3600000)
			left = 3600000;
		/* A wait past IDLEMEM_AFTER_MS is idling: give memory back
		 * once, and straight back to waiting (the loop's other calls,
		 * run_lines, would touch the stack just given back). */
		polled = false;
		if (!released && left > IDLEMEM_AFTER_MS) {
			rc = sys_poll(p, 2, IDLEMEM_AFTER_MS);
			polled = rc != 0;
			if (rc == 0) {
				/* None is held by now (XFER_HOLD_MS is
				 * shorter): their pages go back too. */
				priv_xfer_flush();
				idlemem_release();
				released = true;
				left -= IDLEMEM_AFTER_MS;
			}
		}
		if (!polled)
			rc = sys_poll(p, 2, (int)left);
		if (rc < 0)
			fatal("poll");
		if (rc > 0)
			released = false;
		if (p[1].revents)
			session_check_master(s, true);
		if (s->shutdown_requested)
			session_close(s, "Server shutting down.");
		if (p[0].revents && ctrl_read(s) <= 0)
			session_exit(s, 0);	/* client closed, nothing queued */
	}
}

void
session_start(struct session *s, const struct ipc_session_start *st,
    int ctrl_fd)
{
	char who[ADDR_TEXT_MAX];

	s->ctrl_fd = ctrl_fd;
	s->id = st->session_id;
	if (addr_from_wire(&st->peer, &s->peer) < 0 ||
	    addr_from_wire(&st->local, &s->local) < 0)
		fatalx("session start with a bad address");
	if (!str_terminated(st->user, sizeof(st->user)))
		fatalx("session start with a bad user name");
	s->last_command_ms = sys_now_ms();
	if (st->flags & START_TLS) {
		if (!tls_configured())
			fatalx("a TLS session given to a child without TLS");
		s->tls_ctrl = true;
	}
	if (st->has_state)
		state_import(s, &st->state);
	addr_host_text(&s->peer, who, sizeof(who));

	if (st->identity == IDENTITY_ANON || st->identity == IDENTITY_USER) {
		if (s->kind != (st->identity == IDENTITY_ANON ? CHILD_ANON :
		    CHILD_USER) || s->root_fd < 0)
			fatalx("a session given to a child of another kind");
		session_logged_in(s, st->user);
	} else {
		if (!session_greets(s))
			fatalx("pre-login session given to a logged-in child");
		s->login_deadline_ms = s->last_command_ms +
		    (int64_t)s->login_timeout * 1000;
		if (st->flags & START_IMPLICIT_TLS) {
			/* Implicit FTPS: TLS from the first byte. */
			if (!tls_configured() ||
			    tls_ctrl_handshake(s, s->login_deadline_ms) < 0)
				session_exit(s, 0);
			s->tls_ctrl = true;
		}
		if (s->banner[0])	/* banner, banner_file */
			reply_text(s, 220, s->banner, NULL);
		else
			reply(s, 220, "FTP server ready.");
	}
	command_loop(s);
}
