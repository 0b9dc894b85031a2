/*
 * transfer.c - sending bytes on a data connection while the control
 * connection stays served.  Binary files go out with sendfile(2); TYPE A
 * converts line ends in a streaming pass; listings are sent from memory.
 */
#include <errno.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "ascii.h"
#include "ctrl.h"
#include "idlemem.h"
#include "monitor_wrap.h"
#include "session.h"
#include "tls.h"
#include "transfer.h"

#define SENDFILE_CHUNK (4u * 1024 * 1024)
#define ASCII_CHUNK (64u * 1024)

/* The XFER command of a file transfer's verb; 0 for a listing. */
static uint32_t
file_command(const char *verb)
{
	static const struct {
		const char *verb;
		uint32_t cmd;
	} cmds[] = {
		{ "RETR", XFER_RETR }, { "STOR", XFER_STOR },
		{ "STOU", XFER_STOU }, { "APPE", XFER_APPE },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++)
		if (strcmp(verb, cmds[i].verb) == 0)
			return cmds[i].cmd;
	return 0;
}

void
xfer_begin(struct session *s, const char *verb, const char *path,
    uint64_t total)
{
	s->xfer.active = true;
	s->xfer.verb = verb;
	str_copy(s->xfer.path, sizeof(s->xfer.path), path);
	s->xfer.done = 0;
	s->xfer.total = total;
	s->xfer.acked = 0;
	s->xfer.started_ms = sys_now_ms();
	s->xfer.ascii = s->ascii;
	s->xfer.reported = false;
	/* The bandwidth limit is for files; listings go unlimited. */
	s->xfer.limited = s->rate.rate != 0 && file_command(verb) != 0;
}

void
xfer_report(struct session *s, int reply_code, bool complete)
{
	uint32_t cmd;

	if (!s->xfer.active || s->xfer.reported || s->xfer.verb == NULL)
		return;
	cmd = file_command(s->xfer.verb);
	if (cmd == 0)
		return;		/* a listing */
	s->xfer.reported = true;
	priv_xfer(cmd, (s->xfer.ascii ? XFER_ASCII : 0) |
	    (complete ? XFER_COMPLETE : 0), (uint32_t)reply_code,
	    s->xfer.done, (uint64_t)(sys_now_ms() - s->xfer.started_ms),
	    s->xfer.path);
}

int
xfer_reply_code(enum xfer_result r)
{
	switch (r) {
	case XFER_OK:
		return 226;
	case XFER_CONN_FAILED:
	case XFER_DATA_LIMIT:
		return 425;
	case XFER_LOCAL_ERROR:
	case XFER_FILE_CUT:
		return 451;
	case XFER_TIMEOUT:
		return 421;
	case XFER_TLS_FAILED:
	case XFER_TLS_NO_REUSE:
		return 522;
	case XFER_PROT_REQUIRED:
		return 521;
	default:		/* aborted, lost, shutting down */
		return 426;
	}
}

void
xfer_end(struct session *s)
{
	s->xfer.active = false;
	/* A long transfer is activity: the idle timer starts again now. */
	s->last_command_ms = sys_now_ms();
}

/*
 * Bytes of this connection the peer has acknowledged.  Progress is what
 * the client received, not what the kernel took into its send buffer: a
 * large buffer fills fast and drains slowly, and POLLOUT waits for much
 * of it to drain.
 */
static uint64_t
bytes_acked(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_acked) +
	    sizeof(ti.tcpi_bytes_acked))
		return 0;
	return ti.tcpi_bytes_acked;
}

/* A deadline passed: did the peer take anything since the last look? */
static bool
peer_progressed(struct session *s, int fd)
{
	uint64_t acked = bytes_acked(fd);

	if (acked == s->xfer.acked)
		return false;
	s->xfer.acked = acked;
	return true;
}

enum xfer_result
xfer_wait(struct session *s, int fd, short events, int64_t deadline)
{
	ctrl_flush(s);		/* a held 150 goes out before any wait */
	for (;;) {
		/* With the input buffer full of queued commands, stop reading
		 * the control connection until the transfer is over. */
		bool room = lr_room(&s->in) > 0 && !s->ctrl_eof;
		struct pollfd p[3] = {
			{ fd, events, 0 },
			{ room ? s->ctrl_fd : -1, POLLIN, 0 },
			{ s->ipc_fd, POLLIN, 0 },
		};
		int64_t now = sys_now_ms(), left = deadline - now, due;
		int rc;

		if (s->during_transfer(s))
			return XFER_ABORTED;
		/* The last files' reports do not wait for this one's end. */
		due = priv_xfer_due(now);
		if (due >= 0 && due < left)
			left = due;
		/* A SHUTDOWN may have come while we waited for the master. */
		if (session_check_master(s, false)) {
			if (now >= s->shutdown_deadline_ms)
				return XFER_SHUTDOWN;
			if (s->shutdown_deadline_ms - now < left)
				left = s->shutdown_deadline_ms - now;
		}
		if (now >= deadline) {
			if (fd < 0)
				return XFER_OK;		/* a pause, over */
			if (!peer_progressed(s, fd))
				return XFER_TIMEOUT;
			deadline = now + (int64_t)s->data_timeout * 1000;
			continue;
		}
		rc = sys_poll(p, 3, (int)left);
		if (rc < 0)
			return XFER_LOCAL_ERROR;
		if (p[2].revents)
			session_check_master(s, true);
		if (p[1].revents) {
			if (ctrl_read(s) <= 0)
				session_exit(s, 0);	/* client gone */
			if (s->during_transfer(s))
				return XFER_ABORTED;
		}
		if (p[0].revents)
			return XFER_OK;
	}
}

enum xfer_result
xfer_rate_grant(struct session *s, size_t *len)
{
	for (;;) {
		int64_t now = sys_now_ms();
		uint64_t have = ratelimit_available(&s->rate, now);
		uint64_t need = ratelimit_need(&s->rate, *len);
		enum xfer_result r;

		if (have >= need) {
			if (have < *len)
				*len = (size_t)have;
			return XFER_OK;
		}
		/* Asleep in the transfer's own poll: ABOR, STAT and NOOP are
		 * answered meanwhile. */
		r = xfer_wait(s, -1, 0, now + ratelimit_wait_ms(&s->rate,
		    need));
		if (r != XFER_OK)
			return r;
	}
}

static bool
peer_gone(int err)
{
	return err == EPIPE || err == ECONNRESET || err == ENOTCONN ||
	    err == ETIMEDOUT || err == EHOSTUNREACH;
}

/* PROT P: the handshake comes with the first byte (after the 150). */
static enum xfer_result
data_ready(struct session *s, int fd)
{
	return s->data_tls_pending ? tls_data_handshake(s, fd) : XFER_OK;
}

void
xfer_close(struct session *s, int fd, enum xfer_result *r)
{
	if (*r == XFER_OK)
		*r = data_ready(s, fd);
	tls_data_end(s, *r != XFER_OK);
	data_close(fd, *r != XFER_OK);
}

enum xfer_result
xfer_send_buf(struct session *s, int fd, const char *buf, size_t len)
{
	int64_t deadline = sys_now_ms() + (int64_t)s->data_timeout * 1000;
	enum xfer_result r0 = data_ready(s, fd);
	size_t part = 0;	/* what this write is for: a TLS write that
				 * must wait is repeated with the same length */

	if (r0 != XFER_OK)
		return r0;
	while (len > 0) {
		enum xfer_result r;
		ssize_t n;

		if (part == 0) {
			part = len;
			if (s->xfer.limited &&
			    (r = xfer_rate_grant(s, &part)) != XFER_OK)
				return r;
		}
		n = s->data_tls ? tls_write(s->data_tls, buf, part) :
		    sys_send(fd, buf, part, 0);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			part = 0;
			s->xfer.done += (uint64_t)n;
			if (s->xfer.limited)
				ratelimit_spend(&s->rate, (uint64_t)n);
			deadline = sys_now_ms() +
			    (int64_t)s->data_timeout * 1000;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return peer_gone(errno) || s->data_tls ?
			    XFER_CONN_LOST : XFER_LOCAL_ERROR;
		r = xfer_wait(s, fd, s->data_tls ? tls_wants() : POLLOUT,
		    deadline);
		if (r != XFER_OK)
			return r;
	}
	return XFER_OK;
}

enum xfer_result
xfer_file_end(const struct session *s)
{
	/* The 150 announced the size: fewer bytes are not the file. */
	return s->xfer.done < s->xfer.total ? XFER_FILE_CUT : XFER_OK;
}

static enum xfer_result
send_binary(struct session *s, int fd, int file_fd, uint64_t offset)
{
	int64_t deadline = sys_now_ms() + (int64_t)s->data_timeout * 1000;
	off_t off = (off_t)offset;
	enum xfer_result r0 = data_ready(s, fd);

	if (r0 != XFER_OK)
		return r0;
	if (s->data_tls)
		return tls_send_file(s, fd, file_fd, off);
	for (;;) {
		size_t len = SENDFILE_CHUNK;
		enum xfer_result r;
		ssize_t n;

		/* Serve ABOR/STAT even when the socket never fills up. */
		if (lr_has_line(&s->in) && s->during_transfer(s))
			return XFER_ABORTED;
		/* No more than the 150 announced (a file may grow). */
		if (len > s->xfer.total - s->xfer.done)
			len = (size_t)(s->xfer.total - s->xfer.done);
		/* Limited: a chunk of what the bucket holds, so the bytes go
		 * out evenly rather than in bursts of a whole chunk. */
		if (s->xfer.limited &&
		    (r = xfer_rate_grant(s, &len)) != XFER_OK)
			return r;
		n = sys_sendfile(fd, file_fd, &off, len);
		if (n > 0) {
			s->xfer.done += (uint64_t)n;
			if (s->xfer.limited)
				ratelimit_spend(&s->rate, (uint64_t)n);
			/* The size the 150 reply announced is sent: done,
			 * without a wait and a last call to see the end (a
			 * small file costs one sendfile, not two and a poll;
			 * bytes appended since the open are not sent). */
			if (s->xfer.done >= s->xfer.total)
				return XFER_OK;
			deadline = sys_now_ms() +
			    (int64_t)s->data_timeout * 1000;
			r = xfer_wait(s, fd, POLLOUT, deadline);
			if (r != XFER_OK)
				return r;
			continue;
		}
		if (n == 0)		/* end of file: cut meanwhile? */
			return xfer_file_end(s);
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return peer_gone(errno) ? XFER_CONN_LOST :
			    XFER_LOCAL_ERROR;
		r = xfer_wait(s, fd, POLLOUT, deadline);
		if (r != XFER_OK)
			return r;
	}
}

/*
 * TYPE A: convert in a streaming pass.  A restart offset counts bytes as
 * transferred, so the converted stream is produced from the start of the
 * file and its first `skip` bytes are dropped (cheaper than sending them,
 * which is what the client would otherwise have had to fetch).  The file
 * is read up to `size`, its size at the open, as a binary transfer sends
 * what its 150 announced: a file that grows is not streamed for ever,
 * and one cut meanwhile is not a complete transfer.
 */
static enum xfer_result
send_ascii(struct session *s, int fd, int file_fd, uint64_t skip,
    uint64_t size)
{
	static char in[ASCII_CHUNK], out[2 * ASCII_CHUNK];
	int64_t deadline;
	bool prev_cr = false;
	uint64_t off = 0;

	idlemem_scratch(in, sizeof(in));
	idlemem_scratch(out, sizeof(out));

	for (;;) {
		size_t want = size - off < sizeof(in) ? (size_t)(size - off) :
		    sizeof(in);
		ssize_t n;
		enum xfer_result r;
		size_t o, from = 0;

		/* Serve ABOR/STAT even when the socket never fills up. */
		if (lr_has_line(&s->in) && s->during_transfer(s))
			return XFER_ABORTED;
		if (off >= size)
			return XFER_OK;
		n = sys_pread(file_fd, in, want, (off_t)off);
		if (n < 0)
			return XFER_LOCAL_ERROR;
		if (n == 0)
			return XFER_FILE_CUT;	/* shorter than at the open */
		off += (uint64_t)n;
		o = ascii_to_crlf(in, (size_t)n, out, &prev_cr);
		if (skip > 0) {
			from = skip < o ? (size_t)skip : o;
			skip -= from;
		}
		if (from == o)
			continue;
		r = xfer_send_buf(s, fd, out + from, o - from);
		if (r != XFER_OK)
			return r;
		/* A send that never had to wait read no command: look, as
		 * send_binary does after each chunk (this returns at once
		 * while the socket takes more). */
		deadline = sys_now_ms() + (int64_t)s->data_timeout * 1000;
		r = xfer_wait(s, fd, POLLOUT, deadline);
		if (r != XFER_OK)
			return r;
	}
}

enum xfer_result
xfer_send_file(struct session *s, int fd, int file_fd, uint64_t offset,
    uint64_t size, bool ascii)
{
	if (ascii)
		return send_ascii(s, fd, file_fd, offset, size);
	return send_binary(s, fd, file_fd, offset);
}

void
xfer_reply(struct session *s, enum xfer_result r, const char *ok_text)
{
	switch (r) {
	case XFER_OK:
		reply(s, 226, "%s", ok_text);
		break;
	case XFER_ABORTED:
		reply(s, 426, "Connection closed; transfer aborted.");
		reply(s, 226, "Abort successful.");
		break;
	case XFER_CONN_FAILED:
		reply(s, 425, "Can't open data connection.");
		break;
	case XFER_DATA_LIMIT:
		reply(s, 425, "%s", XFER_DATA_LIMIT_TEXT);
		break;
	case XFER_CONN_LOST:
		reply(s, 426, "Connection closed; transfer aborted.");
		break;
	case XFER_LOCAL_ERROR:
		reply(s, 451, "Requested action aborted: local error in "
		    "processing.");
		break;
	case XFER_FILE_CUT:
		reply(s, 451, "The file shrank while it was sent; the transfer "
		    "is incomplete.");
		break;
	case XFER_TIMEOUT:
		session_close(s, "Data connection timed out.");
	case XFER_SHUTDOWN:
		reply(s, 426, "Transfer aborted: the server is shutting down.");
		session_close(s, "Server shutting down.");
	case XFER_TLS_FAILED:
		reply(s, 522, "TLS negotiation on the data connection failed.");
		break;
	case XFER_PROT_REQUIRED:
		reply(s, 521, "Data connections must be protected: send "
		    "PROT P first.");
		break;
	case XFER_TLS_NO_REUSE:
		reply(s, 522, "The data connection must resume the control "
		    "connection's TLS session (TLS session reuse).");
		break;
	}
}
