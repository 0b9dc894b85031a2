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

#include "../common/log.h"
#include "../common/sys.h"
#include "commands.h"

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
	struct ipc_port20 p20;
	struct ipc_log lg;
	unsigned char big[sizeof(struct ipc_port20) + 20];

	memset(&p20, 0, sizeof(p20));
	ipc_hdr_init(&p20.hdr, IPC_PORT20, sizeof(p20));
	memset(&lg, 0, sizeof(lg));
	ipc_hdr_init(&lg.hdr, IPC_LOG, sizeof(lg));
	str_copy(lg.text, sizeof(lg.text), "forged");
	lg.prio = LOG_INFO;

	if (strcmp(arg, "port20-low") == 0) {
		/* Bounce attempt: port 20 towards a privileged port (SMTP). */
		p20.port = 25;
		send_raw(s, &p20, sizeof(p20), NULL, 0);
	} else if (strcmp(arg, "port20-addr") == 0) {
		/* Bounce attempt: a target address tacked on; wrong length. */
		p20.port = 2000;
		memset(big, 0, sizeof(big));
		memcpy(big, &p20, sizeof(p20));
		((struct ipc_hdr *)big)->len = sizeof(big);
		memcpy(big + sizeof(p20), "\x0a\x00\x00\x01", 4);
		send_raw(s, big, sizeof(big), NULL, 0);
	} else if (strcmp(arg, "port20") == 0) {
		/* A PORT20 in whatever phase we are in (refused pre-login). */
		p20.port = 2000;
		send_raw(s, &p20, sizeof(p20), NULL, 0);
	} else if (strcmp(arg, "short") == 0) {
		send_raw(s, &lg, 10, NULL, 0);
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
	} else if (strcmp(arg, "syscall") == 0) {
		/* Not on any allow-list: the filter kills us. */
		(void)!open("/etc/passwd", O_RDONLY);
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
