/*
 * cmd_login.c - USER, PASS, ACCT, REIN, QUIT, HOST, and the security
 * commands of RFC 4217 (AUTH TLS, PBSZ, PROT, CCC).
 *
 * A login is decided by the master.  When it accepts, it takes the
 * connection (with any bytes already read) and hands it to a child that
 * was sandboxed for that identity before it ever saw the client; this
 * pre-login child then simply exits.  Over TLS the connection's TLS
 * state cannot move: this child stays, and relays the decrypted
 * control connection to the session's child (tls_relay).
 */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "commands.h"
#include "monitor_wrap.h"
#include "tls.h"
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
	/* tls_required: refused before a password crosses in clear. */
	if (!s->tls_ctrl && (str_casecmp(arg, "anonymous") == 0 ||
	    str_casecmp(arg, "ftp") == 0 ? s->tls_anon_policy :
	    s->tls_user_policy) >= TLS_LOGINS) {
		reply(s, 530, "Log in over TLS: send AUTH TLS first.");
		return;
	}
	str_copy(s->login_user, sizeof(s->login_user), arg);
	s->have_user = true;
	reply(s, 331, "Please specify the password.");
}

void
cmd_pass(struct session *s, char *arg)
{
	int rc, relay_fd = -1;

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
	 * sandboxed for the new identity, and this one is ended; but for an
	 * anonymous child that greeted the client, which already is that
	 * child (LOGIN_ACCEPTED_HERE).  A refusal
	 * comes after the master's delay (it slows down guessing, and no
	 * child can skip it). */
	session_state_export(s, priv_login_state());
	rc = priv_login(s->ctrl_fd, s->login_user, arg, s->tls_ctrl,
	    &relay_fd);
	explicit_bzero(arg, strlen(arg));
	if (rc < 0)
		session_close(s, "Server shutting down.");
	if (rc == LOGIN_RELAYED)
		tls_relay(s, relay_fd);
	s->have_user = false;
	if (rc == LOGIN_ACCEPTED_HERE) {
		/* An anonymous child that greeted: the session stays here. */
		if (s->kind != CHILD_ANON || !session_greets(s))
			fatalx("accepted in place by a child that cannot");
		session_logged_in(s, "anonymous");
		return;
	}
	if (rc == LOGIN_REFUSED_TLS) {
		reply(s, 530, "This account must log in over TLS: send AUTH "
		    "TLS first.");
		return;
	}
	s->login_failures++;
	reply(s, 530, "Login incorrect.");
	if (rc == LOGIN_REFUSED_CLOSE)	/* the master counts, and decides */
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
	(void)arg;
	if (s->tls_ctrl) {
		/* The TLS state lives in the relay, not in a connection that
		 * could go back to the master. */
		reply(s, 502, "REIN is not available on a TLS connection.");
		return;
	}
	/* The connection goes back to the master and on to a fresh
	 * pre-login child, which greets with 220. */
	data_reset(s);
	s->host_given = false;
	s->host[0] = '\0';
	session_state_export(s, priv_rein_state());
	priv_rein(s->ctrl_fd);
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
	size_t dropped = s->in.len;

	if (!tls_configured()) {
		reply(s, 502, "AUTH not available: TLS is not configured.");
		return;
	}
	if (s->tls_ctrl) {
		reply(s, 503, "Already using TLS.");
		return;
	}
	if (s->logged_in) {
		reply(s, 503, "AUTH TLS must come before login.");
		return;
	}
	/* RFC 4217 names TLS; TLS-C and SSL are older names of the same. */
	if (str_casecmp(arg, "TLS") != 0 && str_casecmp(arg, "TLS-C") != 0 &&
	    str_casecmp(arg, "SSL") != 0) {
		reply(s, 504, "AUTH mechanism not supported: use AUTH TLS.");
		return;
	}
	/*
	 * What the client sent after this line came in clear: it must not
	 * run inside the TLS session (the STARTTLS injection).  Bytes not
	 * yet read reach the handshake, which fails on them.
	 */
	lr_init(&s->in);
	if (dropped)
		log_warn("discarded %zu bytes sent in clear after AUTH TLS",
		    dropped);
	reply(s, 234, "Proceed with TLS negotiation.");
	if (tls_ctrl_handshake(s, s->login_deadline_ms) < 0)
		session_exit(s, 0);
	s->tls_ctrl = true;
	s->have_user = false;	/* USER again, now protected */
}

void
cmd_pbsz(struct session *s, char *arg)
{
	uint64_t v;

	if (!tls_configured()) {
		reply(s, 502, "PBSZ not available: TLS is not configured.");
		return;
	}
	if (!s->tls_ctrl) {
		reply(s, 503, "PBSZ needs a TLS connection: AUTH TLS first.");
		return;
	}
	if (parse_uint(arg, 0, UINT32_MAX, &v) < 0) {
		reply(s, 501, "PBSZ takes a number.");
		return;
	}
	s->tls_pbsz = true;
	reply(s, 200, "PBSZ=0");	/* TLS needs no buffer size */
}

void
cmd_prot(struct session *s, char *arg)
{
	if (!tls_configured()) {
		reply(s, 502, "PROT not available: TLS is not configured.");
		return;
	}
	if (!s->tls_ctrl || !s->tls_pbsz) {
		reply(s, 503, "PROT needs a TLS connection and PBSZ first.");
		return;
	}
	if (str_casecmp(arg, "P") == 0) {
		s->tls_prot_p = true;
		reply(s, 200, "Protection level set to Private.");
	} else if (str_casecmp(arg, "C") == 0) {
		if (s->logged_in && session_tls_policy(s) == TLS_ALL) {
			reply(s, 534, "Data connections must be protected "
			    "here: PROT C is refused.");
			return;
		}
		s->tls_prot_p = false;
		reply(s, 200, "Protection level set to Clear.");
	} else if (str_casecmp(arg, "S") == 0 || str_casecmp(arg, "E") == 0) {
		reply(s, 536, "Only PROT P and PROT C are supported.");
	} else {
		reply(s, 504, "PROT takes C or P.");
	}
}

void
cmd_ccc(struct session *s, char *arg)
{
	(void)arg;
	if (!tls_configured())
		reply(s, 502, "CCC not available: TLS is not configured.");
	else if (!s->tls_ctrl)
		reply(s, 503, "The control connection is not protected.");
	else
		reply(s, 534, "CCC is refused: the control connection stays "
		    "protected.");
}
