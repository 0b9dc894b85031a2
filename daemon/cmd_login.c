/*
 * cmd_login.c - USER, PASS, ACCT, REIN, QUIT, HOST, and the security
 * commands (AUTH, PBSZ, PROT) that this build does not offer.
 *
 * A login is decided by the master.  When it accepts, it takes the
 * connection (with any bytes already read) and hands it to a child that
 * was sandboxed for that identity before it ever saw the client; this
 * pre-login child then simply exits.
 */
#include <string.h>
#include <unistd.h>

#include "../common/log.h"
#include "../common/sys.h"
#include "commands.h"
#include "transfer.h"

#define LOGIN_FAIL_DELAY_MS 1000

void
cmd_user(struct session *s, char *arg)
{
	if (s->logged_in) {
		reply(s, 530, "Can't change to another user.");
		return;
	}
	if (strlen(arg) >= sizeof(s->login_user)) {
		reply(s, 501, "User name too long.");
		return;
	}
	str_copy(s->login_user, sizeof(s->login_user), arg);
	s->have_user = true;
	reply(s, 331, "Please specify the password.");
}

void
cmd_pass(struct session *s, char *arg)
{
	if (s->logged_in) {
		reply(s, 230, "Already logged in.");
		return;
	}
	if (!s->have_user) {
		reply(s, 503, "Login with USER first.");
		return;
	}
	if (strlen(arg) >= IPC_PASS_MAX) {
		reply(s, 501, "Password too long.");
		return;
	}
	/* An accepted login does not return: the session moves to a child
	 * sandboxed for the new identity, and this one is ended. */
	(void)priv_login(s, s->login_user, arg);
	explicit_bzero(arg, strlen(arg));
	s->have_user = false;
	s->login_failures++;
	sys_sleep_ms(LOGIN_FAIL_DELAY_MS);	/* slows down guessing */
	if (s->login_failures >= LOGIN_FAILURES_MAX) {
		reply(s, 530, "Login incorrect.");
		session_close(s, "Too many failed logins.");
	}
	reply(s, 530, "Login incorrect.");
}

void
cmd_acct(struct session *s, char *arg)
{
	(void)arg;
	reply(s, 202, "ACCT not needed.");
}

void
cmd_rein(struct session *s, char *arg)
{
	(void)arg;
	/* The connection goes back to the master and on to a fresh
	 * pre-login child, which greets with 220. */
	data_reset(s);
	s->host_given = false;
	s->host[0] = '\0';
	priv_rein(s);
}

void
cmd_quit(struct session *s, char *arg)
{
	(void)arg;
	reply(s, 221, "Goodbye.");
	session_exit(s, 0);
}

/* RFC 7151: a domain name, or an IP literal in brackets. */
static bool
valid_host(const char *h)
{
	size_t len = strlen(h);
	const char *p;

	if (len == 0 || len >= IPC_HOST_MAX)
		return false;
	if (h[0] == '[')
		return h[len - 1] == ']';
	for (p = h; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return false;
	return true;
}

void
cmd_host(struct session *s, char *arg)
{
	if (s->logged_in || s->have_user) {
		reply(s, 503, "HOST must come before USER.");
		return;
	}
	if (!valid_host(arg)) {
		reply(s, 501, "Not a valid host name.");
		return;
	}
	str_copy(s->host, sizeof(s->host), arg);
	s->host_given = true;
	reply(s, 220, "Host accepted.");
}

void
cmd_auth(struct session *s, char *arg)
{
	(void)arg;
	reply(s, 502, "AUTH not implemented: TLS is not available.");
}

void
cmd_pbsz_prot(struct session *s, char *arg)
{
	(void)arg;
	reply(s, 502, "Command not implemented: TLS is not available.");
}
