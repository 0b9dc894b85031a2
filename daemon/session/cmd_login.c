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
#include <sys/socket.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "commands.h"
#include "monitor_wrap.h"
#include "transfer.h"

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
	static struct ipc_session_state state;	/* large; not on the stack */
	int rc;

	if (s->logged_in) {
		reply(s, 503, "Already logged in.");
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
	 * sandboxed for the new identity, and this one is ended.  A refusal
	 * comes after the master's delay (it slows down guessing, and no
	 * child can skip it). */
	session_state_export(s, &state);
	rc = priv_login(s->ctrl_fd, s->login_user, arg, &state);
	explicit_bzero(arg, strlen(arg));
	if (rc < 0)
		session_close(s, "Server shutting down.");
	s->have_user = false;
	s->login_failures++;
	reply(s, 530, "Login incorrect.");
	if (rc == 1)		/* the master counts failures, and decides */
		session_close(s, "Too many failed logins.");
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
	static struct ipc_session_state state;

	(void)arg;
	/* The connection goes back to the master and on to a fresh
	 * pre-login child, which greets with 220. */
	data_reset(s);
	s->host_given = false;
	s->host[0] = '\0';
	session_state_export(s, &state);
	priv_rein(s->ctrl_fd, &state);
}

void
cmd_quit(struct session *s, char *arg)
{
	(void)arg;
	reply(s, 221, "Goodbye.");
	session_exit(s, 0);
}

/* One DNS label: letters, digits, inner hyphens; 1 to 63 bytes. */
static bool
valid_label(const char *l, size_t len)
{
	size_t i;

	if (len == 0 || len > 63 || l[0] == '-' || l[len - 1] == '-')
		return false;
	for (i = 0; i < len; i++)
		if (!((l[i] >= 'a' && l[i] <= 'z') || (l[i] >= 'A' &&
		    l[i] <= 'Z') || (l[i] >= '0' && l[i] <= '9') || l[i] == '-'))
			return false;
	return true;
}

/* RFC 7151: a domain name, or an IPv4/IPv6 literal in brackets. */
static bool
valid_host(const char *h)
{
	size_t len = strlen(h);
	char lit[IPC_HOST_MAX];
	struct sock_addr a;
	const char *dot;

	if (len == 0 || len >= IPC_HOST_MAX)
		return false;
	if (h[0] == '[') {
		if (len < 3 || h[len - 1] != ']' ||
		    str_copy_n(lit, sizeof(lit), h + 1, len - 2) < 0)
			return false;
		return addr_parse_ip(lit, AF_INET6, &a) == 0 ||
		    addr_parse_ip(lit, AF_INET, &a) == 0;
	}
	if (h[len - 1] == '.')		/* a fully qualified name's root */
		len--;
	for (; len > 0; h = dot + 1) {
		dot = memchr(h, '.', len);
		if (dot == NULL)
			return valid_label(h, len);
		if (!valid_label(h, (size_t)(dot - h)))
			return false;
		len -= (size_t)(dot - h) + 1;
	}
	return false;
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
