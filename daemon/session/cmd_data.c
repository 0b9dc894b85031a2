/*
 * cmd_data.c - PASV, EPSV, PORT, EPRT, ABOR: setting up the next data
 * connection.  The checks that keep the server from being a bounce proxy
 * live in datachan.c (data_port_refusal) and, for port 20, in the master.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "../../common/log.h"
#include "commands.h"
#include "ftpaddr.h"
#include "transfer.h"

static int
family_proto(const struct session *s)
{
	return addr_family(&s->local) == AF_INET6 ? 2 : 1;
}

/* No passive listener: the master refused (its log says why). */
static void
reply_no_listener(struct session *s)
{
	if (errno == IPC_ERR_DATA_SOCKETS) {
		reply(s, 425, "%s", XFER_DATA_LIMIT_TEXT);
		return;
	}
	log_warn("passive listener failed: %s", strerror(errno));
	reply(s, 425, "Can't open passive connection.");
}

static bool
refuse_after_epsv_all(struct session *s)
{
	if (!s->epsv_all)
		return false;
	reply(s, 503, "EPSV ALL in effect: only EPSV is accepted.");
	return true;
}

void
cmd_pasv(struct session *s, char *arg)
{
	char text[96];
	uint8_t addr[4];
	uint16_t port;

	(void)arg;
	if (refuse_after_epsv_all(s))
		return;
	if (addr_family(&s->local) != AF_INET) {
		reply(s, 425, "PASV is for IPv4; use EPSV.");
		return;
	}
	if (data_pasv_listen(s, &port) < 0) {
		reply_no_listener(s);
		return;
	}
	if (s->init_flags & INIT_PASV_ADDRESS)
		memcpy(addr, s->pasv_address, 4);
	else
		memcpy(addr, &((struct sockaddr_in *)&s->local.ss)->sin_addr,
		    4);
	ftp_format_pasv(addr, port, text, sizeof(text));
	reply(s, 227, "%s", text);
}

void
cmd_epsv(struct session *s, char *arg)
{
	char text[96];
	uint16_t port;
	int proto, all;

	if (ftp_parse_epsv(arg, &proto, &all) < 0) {
		reply(s, 501, "Syntax error in EPSV argument.");
		return;
	}
	if (all) {
		s->epsv_all = true;
		reply(s, 200, "EPSV ALL ok.");
		return;
	}
	if (proto != 0 && proto != family_proto(s)) {
		reply(s, 522, "Network protocol not supported, use (%d)",
		    family_proto(s));
		return;
	}
	if (data_pasv_listen(s, &port) < 0) {
		reply_no_listener(s);
		return;
	}
	ftp_format_epsv(port, text, sizeof(text));
	reply(s, 229, "%s", text);
}

static void
set_active(struct session *s, const struct sock_addr *target,
    const char *verb)
{
	int code;
	const char *why = data_port_refusal(s, target, &code);

	if (why) {
		char who[ADDR_TEXT_MAX];

		addr_text(target, who, sizeof(who));
		log_warn("refused %s to %s", verb, who);
		data_reset(s);
		reply(s, code, "%s", why);
		return;
	}
	data_set_port(s, target);
	reply(s, 200, "%s command successful. Consider using EPSV.", verb);
}

/* active_mode = no: a passive-only server (502: not implemented here). */
static bool
refuse_passive_only(struct session *s)
{
	if (!(s->init_flags & INIT_PASSIVE_ONLY))
		return false;
	reply(s, 502, "Active mode is off on this server: use PASV or EPSV.");
	return true;
}

void
cmd_port(struct session *s, char *arg)
{
	struct sock_addr target;

	if (refuse_passive_only(s) || refuse_after_epsv_all(s))
		return;
	if (ftp_parse_port(arg, &target) < 0) {
		reply(s, 501, "Syntax error in PORT argument.");
		return;
	}
	if (addr_family(&s->local) != AF_INET) {
		reply(s, 522, "Network protocol not supported, use (2)");
		return;
	}
	set_active(s, &target, "PORT");
}

void
cmd_eprt(struct session *s, char *arg)
{
	struct sock_addr target;
	int rc;

	if (refuse_passive_only(s) || refuse_after_epsv_all(s))
		return;
	rc = ftp_parse_eprt(arg, &target);
	if (rc == EPRT_SYNTAX) {
		reply(s, 501, "Syntax error in EPRT argument.");
		return;
	}
	if (rc == EPRT_FAMILY ||
	    addr_family(&target) != addr_family(&s->local)) {
		reply(s, 522, "Network protocol not supported, use (%d)",
		    family_proto(s));
		return;
	}
	set_active(s, &target, "EPRT");
}

void
cmd_abor(struct session *s, char *arg)
{
	(void)arg;
	/* No transfer runs here (those serve ABOR themselves); drop any
	 * prepared data connection. */
	data_reset(s);
	reply(s, 225, "No transfer to abort.");
}
