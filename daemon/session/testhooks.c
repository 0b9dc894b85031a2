/*
 * testhooks.c - only in the test build (SANDFTPD_TESTHOOKS): the command
 * XFRG makes this child misbehave the way a compromised one would, so the
 * tests can prove that the master refuses forged privileged requests and
 * that the sandbox kills forbidden system calls.  The installed binary
 * contains none of this.
 */
#ifdef SANDFTPD_TESTHOOKS

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "commands.h"
#include "monitor_wrap.h"
#include "session.h"

bool testhook_relay_stays;

/* Wait to be killed; if the master lets us live, say so and go on. */
static void
await_verdict(struct session *s)
{
	struct pollfd p = { s->ipc_fd, POLLIN, 0 };

	sys_poll(&p, 1, 3000);
	reply(s, 200, "XFRG: still alive");
}

static void
send_raw(struct session *s, const void *msg, size_t len, const int *fds,
    int nfds)
{
	(void)ipc_send(s->ipc_fd, msg, len, fds, nfds);
	await_verdict(s);
}

void
cmd_xfrg(struct session *s, char *arg)
{
	struct ipc_data_connect dc;
	struct ipc_pasv_listen pl;
	struct ipc_log lg;
	unsigned char big[sizeof(struct ipc_data_connect) + 20];

	memset(&dc, 0, sizeof(dc));
	ipc_hdr_init(&dc.hdr, IPC_DATA_CONNECT, sizeof(dc));
	memset(&pl, 0, sizeof(pl));
	ipc_hdr_init(&pl.hdr, IPC_PASV_LISTEN, sizeof(pl));
	memset(&lg, 0, sizeof(lg));
	ipc_hdr_init(&lg.hdr, IPC_LOG, sizeof(lg));
	str_copy(lg.text, sizeof(lg.text), "forged");
	lg.prio = LOG_INFO;

	if (strcmp(arg, "connect-low") == 0) {
		/* Bounce attempt: a data connection to a privileged port. */
		dc.port = 25;
		send_raw(s, &dc, sizeof(dc), NULL, 0);
	} else if (strcmp(arg, "connect-addr") == 0) {
		/* Bounce attempt: a target address tacked on; wrong length. */
		dc.port = 2000;
		memset(big, 0, sizeof(big));
		memcpy(big, &dc, sizeof(dc));
		((struct ipc_hdr *)big)->len = sizeof(big);
		memcpy(big + sizeof(dc), "\x0a\x00\x00\x01", 4);
		send_raw(s, big, sizeof(big), NULL, 0);
	} else if (strcmp(arg, "connect") == 0) {
		/* A DATA_CONNECT in whatever phase we are in (refused
		 * before login). */
		dc.port = 2000;
		send_raw(s, &dc, sizeof(dc), NULL, 0);
	} else if (strcmp(arg, "pasv-pad") == 0) {
		/* A passive listener request that names something. */
		pl.pad = 0x7f000001;
		send_raw(s, &pl, sizeof(pl), NULL, 0);
	} else if (strcmp(arg, "short") == 0) {
		send_raw(s, &lg, 10, NULL, 0);
	} else if (strcmp(arg, "zero-length") == 0) {
		/* Not the end of the channel: a message, and an invalid one. */
		send_raw(s, &lg, 0, NULL, 0);
	} else if (strcmp(arg, "lenfield") == 0) {
		lg.hdr.len = 12;
		send_raw(s, &lg, sizeof(lg), NULL, 0);
	} else if (strcmp(arg, "unterminated") == 0) {
		memset(lg.text, 'A', sizeof(lg.text));
		send_raw(s, &lg, sizeof(lg), NULL, 0);
	} else if (strcmp(arg, "unknown") == 0) {
		lg.hdr.type = IPC_TEST_UNKNOWN;
		send_raw(s, &lg, sizeof(lg), NULL, 0);
	} else if (strcmp(arg, "fd") == 0) {
		send_raw(s, &lg, sizeof(lg), &s->ctrl_fd, 1);
	} else if (strcmp(arg, "login-fd") == 0) {
		/* LOGIN handing back a descriptor that is not the client's. */
		static struct ipc_login l;

		memset(&l, 0, sizeof(l));
		ipc_hdr_init(&l.hdr, IPC_LOGIN, sizeof(l));
		str_copy(l.user, sizeof(l.user), "anonymous");
		send_raw(s, &l, sizeof(l), &s->ipc_fd, 1);
	} else if (strcmp(arg, "login-twice") == 0 ||
	    strcmp(arg, "login-and-exit") == 0) {
		/* Two refused logins without waiting for the first answer
		 * (skipping the failure delay); or an accepted login as the
		 * child's last words. */
		static struct ipc_login l;
		bool twice = strcmp(arg, "login-twice") == 0;

		memset(&l, 0, sizeof(l));
		ipc_hdr_init(&l.hdr, IPC_LOGIN, sizeof(l));
		str_copy(l.user, sizeof(l.user), twice ? "nosuchuser" :
		    "anonymous");
		session_state_export(s, &l.state);
		(void)ipc_send(s->ipc_fd, &l, sizeof(l), &s->ctrl_fd, 1);
		if (!twice)
			_exit(0);
		send_raw(s, &l, sizeof(l), &s->ctrl_fd, 1);
	} else if (strcmp(arg, "login-tls") == 0) {
		/* An anonymous login that claims to come over TLS, from a
		 * child that has no TLS. */
		static struct ipc_login l;

		memset(&l, 0, sizeof(l));
		ipc_hdr_init(&l.hdr, IPC_LOGIN, sizeof(l));
		str_copy(l.user, sizeof(l.user), "anonymous");
		l.tls = 1;
		session_state_export(s, &l.state);
		send_raw(s, &l, sizeof(l), &s->ctrl_fd, 1);
	} else if (strcmp(arg, "login-after-close") == 0) {
		/* Logins refused until the master says the connection is
		 * done with, then one more, as if it had not said so. */
		static struct ipc_login l;
		int i;

		for (i = 0; i < 8; i++) {
			session_state_export(s, priv_login_state());
			if (priv_login(s->ctrl_fd, "nosuchuser", "x", false,
			    NULL) != LOGIN_REFUSED)
				break;
		}
		memset(&l, 0, sizeof(l));
		ipc_hdr_init(&l.hdr, IPC_LOGIN, sizeof(l));
		str_copy(l.user, sizeof(l.user), "anonymous");
		session_state_export(s, &l.state);
		send_raw(s, &l, sizeof(l), &s->ctrl_fd, 1);
	} else if (strcmp(arg, "relay-stays") == 0) {
		/* Before a login over TLS: the relay this child becomes does
		 * not exit when the session's child is gone. */
		testhook_relay_stays = true;
		reply(s, 200, "XFRG: the relay will stay");
	} else if (strcmp(arg, "log-fields") == 0) {
		/* A valid LOG line that poses as the master's fields: as the
		 * child's last words, its death line repeats it. */
		str_copy(lg.text, sizeof(lg.text),
		    "last words session=999 user=root");
		(void)ipc_send(s->ipc_fd, &lg, sizeof(lg), NULL, 0);
		reply(s, 200, "XFRG: logged");
	} else if (strcmp(arg, "shutdown-channel") == 0) {
		/* Stop listening to the master, and serve on regardless: the
		 * master must not lose sight of us. */
		shutdown(s->ipc_fd, SHUT_RDWR);
		sys_sleep_ms(60000);
		reply(s, 200, "XFRG: channel shut down, still serving");
	} else if (strcmp(arg, "syscall") == 0) {
		/* Opening to write is on no allow-list: the filter kills us. */
		(void)!open("/forged", O_WRONLY | O_CREAT, 0600);
		reply(s, 200, "XFRG: open was allowed");
	} else if (strcmp(arg, "crash") == 0) {
		/* An unmapped address that is not NULL: a plain SIGSEGV, also
		 * in sanitizer builds (UBSan would catch a NULL store). */
		volatile uintptr_t bad = 16;

		*(volatile int *)bad = 1;
	} else {
		reply(s, 501, "XFRG: unknown forgery.");
	}
}

#endif
