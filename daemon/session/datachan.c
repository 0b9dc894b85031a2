/*
 * datachan.c - passive listeners and active connections, both made by
 * the master (PASV_LISTEN, DATA_CONNECT): no child makes a socket.
 *
 * Passive: the master's listener is on our end of the control
 * connection's address, with a port from pasv_ports; a connection from
 * any host other than the client is closed and logged (no data-connection
 * hijacking), and the wait goes on.  Active: only to the client's own
 * host and a port >= 1024 (no bounce), checked here for the reply and
 * again by the master, which connects to the address it accepted the
 * client from, whatever this child says.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "datachan.h"
#include "monitor_wrap.h"
#include "session.h"
#include "transfer.h"

void
data_close(int fd, bool abort)
{
	if (fd < 0)
		return;
	if (abort)
		(void)sys_tcp_reset(fd);
	sys_close(fd);
}

void
data_reset(struct session *s)
{
	if (s->data.listen_fd >= 0)
		sys_close(s->data.listen_fd);
	s->data.listen_fd = -1;
	s->data.mode = DATA_NONE;
}

int64_t
data_expire(struct session *s, int64_t now)
{
	if (s->data.mode != DATA_NONE || s->data.listen_fd < 0)
		return -1;
	if (now < s->data.keep_until)
		return s->data.keep_until - now;
	data_reset(s);
	return -1;
}

/*
 * Whatever waits on a listener about to be offered again came before
 * this PASV/EPSV was answered, so it is not for the coming transfer:
 * closed, unread.
 */
static void
drain_listener(int fd)
{
	int i;

	for (i = 0; i < 64; i++) {
		int c = sys_accept(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (c < 0)
			return;
		log_debug("closed a data connection that came before PASV");
		data_close(c, true);
	}
}

bool
data_configured(const struct session *s)
{
	return s->data.mode != DATA_NONE;
}

int
data_pasv_listen(struct session *s, uint16_t *port)
{
	int fd;

	if (s->data.listen_fd >= 0) {
		/* The one kept from the last transfer, or one offered but
		 * not yet used. */
		drain_listener(s->data.listen_fd);
		*port = s->data.listen_port;
		s->data.mode = DATA_PASV;
		return 0;
	}
	data_reset(s);
	fd = priv_pasv_listen(port);
	if (fd < 0)
		return -1;
	s->data.listen_fd = fd;
	s->data.listen_port = *port;
	s->data.mode = DATA_PASV;
	return 0;
}

const char *
data_port_refusal(const struct session *s, const struct sock_addr *target,
    int *code)
{
	*code = 500;
	if (!addr_same_host(target, &s->peer))
		return "Refused: data connections go to your own address only.";
	*code = 504;	/* RFC 2577 §3 suggests 504 for a privileged port */
	if (addr_port(target) < 1024)
		return "Refused: data port below 1024.";
	return NULL;
}

void
data_set_port(struct session *s, const struct sock_addr *target)
{
	data_reset(s);	/* a kept listener too: active mode from now on */
	s->data.target = *target;
	s->data.mode = DATA_PORT;
}

/*
 * A data connection that does not come within data_timeout is a 425
 * for this command (RFC 959), not the end of the session: only a
 * transfer that stops moving is (421).  A socket not yet connected
 * has moved nothing: no earlier transfer's progress extends the wait.
 */
static enum xfer_result
wait_connection(struct session *s, int fd, short events, int64_t deadline)
{
	enum xfer_result r;

	s->xfer.acked = 0;
	r = xfer_wait(s, fd, events, deadline);
	return r == XFER_TIMEOUT ? XFER_CONN_FAILED : r;
}

static enum xfer_result
accept_client(struct session *s, int *fd)
{
	int64_t deadline = sys_now_ms() + (int64_t)s->data_timeout * 1000;

	for (;;) {
		enum xfer_result r;
		struct sock_addr from;
		char who[ADDR_TEXT_MAX];
		int c;

		/* Clients connect as soon as they read the 229/227, before
		 * their RETR comes: the connection is usually queued, and
		 * taken without a wait. */
		from.len = sizeof(from.ss);
		c = sys_accept(s->data.listen_fd, (struct sockaddr *)&from.ss,
		    &from.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0) {
			if (errno != EAGAIN && errno != ECONNABORTED)
				return XFER_CONN_FAILED;
			r = wait_connection(s, s->data.listen_fd, POLLIN,
			    deadline);
			if (r != XFER_OK)
				return r;
			continue;
		}
		if (addr_same_host(&from, &s->peer)) {
			*fd = c;
			return XFER_OK;
		}
		addr_text(&from, who, sizeof(who));
		log_warn("refused a data connection from %s: not the client",
		    who);
		data_close(c, true);
	}
}

static enum xfer_result
connect_client(struct session *s, int *fd)
{
	int64_t deadline = sys_now_ms() + (int64_t)s->data_timeout * 1000;
	socklen_t len = sizeof(int);
	enum xfer_result r;
	int c, err = 0;

	c = priv_data_connect(addr_port(&s->data.target));
	if (c < 0)
		return errno == IPC_ERR_DATA_SOCKETS ? XFER_DATA_LIMIT :
		    XFER_CONN_FAILED;
	r = wait_connection(s, c, POLLOUT, deadline);
	if (r != XFER_OK) {
		data_close(c, true);
		return r;
	}
	if (getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
		sys_close(c);
		return XFER_CONN_FAILED;
	}
	*fd = c;
	return XFER_OK;
}

enum xfer_result
data_open(struct session *s, int *fd)
{
	enum xfer_result r;

	*fd = -1;
	if (session_tls_policy(s) == TLS_ALL && !s->tls_prot_p) {
		data_reset(s);
		return XFER_PROT_REQUIRED;
	}
	if (s->data.mode == DATA_PASV)
		r = accept_client(s, fd);
	else if (s->data.mode == DATA_PORT)
		r = connect_client(s, fd);
	else
		r = XFER_CONN_FAILED;
	/* One data connection per PASV/PORT: the next transfer needs a new
	 * command.  A listener that worked is kept for it a while. */
	s->data_tls_pending = r == XFER_OK && s->tls_prot_p;
	/* The master corked the socket, so a small file leaves with its
	 * FIN.  A TLS handshake waits for its peer after each flight, and a
	 * bandwidth limit pauses between chunks: a cork would hold what
	 * came before for up to 200 ms (sys_tcp_cork). */
	if (r == XFER_OK && (s->tls_prot_p || s->rate.rate != 0))
		(void)sys_tcp_cork(*fd, 0);
	if (r == XFER_OK && s->data.mode == DATA_PASV) {
		s->data.mode = DATA_NONE;
		s->data.keep_until = sys_now_ms() + DATA_KEEP_MS;
	} else {
		data_reset(s);
	}
	return r;
}
