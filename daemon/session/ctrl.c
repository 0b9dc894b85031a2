/*
 * ctrl.c - the control connection: reading into the line reader
 * (linereader.c), and formatting and sending replies.  Reads only from
 * the control socket; writes only to it.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "ctrl.h"
#include "monitor_wrap.h"
#include "session.h"
#include "tls.h"

/*
 * Returns 1 (bytes, or nothing yet), or 0 when the client is gone and
 * nothing it sent is left to serve; -1 on an error.  A half-close with
 * complete commands still queued (e.g. "QUIT" during a transfer) is not
 * the end: ctrl_eof is set and those commands are served first.
 */
int
ctrl_read(struct session *s)
{
	/* Received into the line reader's free tail and filtered there:
	 * no second buffer, on the stack (whose deepest point stays
	 * resident while the session idles) or anywhere. */
	char *raw = lr_tail(&s->in);
	size_t room = lr_room(&s->in);
	ssize_t n;

	if (room == 0)
		return 1;	/* full of queued lines; take them first */
	n = s->ctrl_tls ? tls_read(s->ctrl_tls, raw, room) :
	    sys_recv(s->ctrl_fd, raw, room, 0);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 1 : -1;
	if (n == 0) {
		s->ctrl_eof = true;
		return lr_has_line(&s->in) ? 1 : 0;
	}
	lr_feed(&s->in, raw, (size_t)n);
	return 1;
}

/* The held reply (reply_hold): one line of up to HELD_LINE_MAX bytes
 * (a longer one is sent at once), with room for the next. */
#define HELD_LINE_MAX 1024
static char held[2 * HELD_LINE_MAX];
static size_t held_len;

static void send_all(struct session *s, const char *data, size_t len);

void
ctrl_send(struct session *s, const char *data, size_t len)
{
	size_t n;

	if (held_len > 0 && len <= sizeof(held) - held_len) {
		/* The held reply and this one, in one write. */
		memcpy(held + held_len, data, len);
		n = held_len + len;
		held_len = 0;
		send_all(s, held, n);
		return;
	}
	ctrl_flush(s);
	send_all(s, data, len);
}

void
ctrl_flush(struct session *s)
{
	size_t n = held_len;

	if (n == 0)
		return;
	held_len = 0;
	send_all(s, held, n);
}

static void
send_all(struct session *s, const char *data, size_t len)
{
	int64_t deadline = sys_now_ms() + (int64_t)s->idle_timeout * 1000;

	while (len > 0) {
		ssize_t n = s->ctrl_tls ? tls_write(s->ctrl_tls, data, len) :
		    sys_send(s->ctrl_fd, data, len, 0);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			session_exit(s, 0);	/* client went away */
		/* A client that does not read can keep us here up to
		 * idle_timeout: held transfer reports go first. */
		priv_xfer_flush();
		struct pollfd p = { s->ctrl_fd,
		    s->ctrl_tls ? tls_wants() : POLLOUT, 0 };
		int64_t left = deadline - sys_now_ms();

		if (left <= 0 || sys_poll(&p, 1, (int)left) < 0)
			session_exit(s, 0);	/* client stopped reading */
	}
}

/*
 * The text of a reply line from start on, as the control connection
 * carries it.  Text from the file system or the client could hold CR or
 * LF and forge a reply line; RFC 959 sends an LF in a pathname as NUL.
 * The connection is Telnet's (RFC 854): a 0xff byte in a name is sent
 * as IAC IAC, or the client's Telnet layer takes it for a command.
 */
static void
reply_escape(struct strbuf *sb, size_t start)
{
	size_t i, iacs = 0, end;

	for (i = start; i < sb->len; i++) {
		if (sb->data[i] == '\n' || sb->data[i] == '\r')
			sb->data[i] = '\0';
		else if ((unsigned char)sb->data[i] == 0xff)
			iacs++;
	}
	if (iacs == 0)
		return;
	end = sb->len;
	for (i = 0; i < iacs; i++) {
		if (sb_append_char(sb, '\xff') < 0) {
			/* No room to double them: not one bare IAC. */
			sb->len = end;
			sb->data[end] = '\0';
			for (i = start; i < end; i++)
				if ((unsigned char)sb->data[i] == 0xff)
					sb->data[i] = '?';
			return;
		}
	}
	/* From the end back, every 0xff written twice. */
	for (i = end; i-- > start && iacs > 0;) {
		sb->data[i + iacs] = sb->data[i];
		if ((unsigned char)sb->data[i] == 0xff)
			sb->data[i + --iacs] = sb->data[i];
	}
}

void
reply_format(struct strbuf *sb, int code, char sep, const char *fmt,
    va_list ap)
{
	size_t start;

	sb_appendf(sb, "%03d%c", code, sep);
	start = sb->len;
	sb_vappendf(sb, fmt, ap);
	reply_escape(sb, start);
	sb_append(sb, "\r\n", 2);
}

/* A one-line reply, sent (with a held one before it) or held. */
static void PRINTF_LIKE(4, 0)
reply_v(struct session *s, bool hold, int code, const char *fmt,
    va_list ap)
{
	struct strbuf sb;

	sb_init(&sb, CTRL_LINE_MAX * 4);
	reply_format(&sb, code, ' ', fmt, ap);
	if (hold && held_len == 0 && sb.len <= HELD_LINE_MAX) {
		memcpy(held, sb.data, sb.len);
		held_len = sb.len;
	} else {
		ctrl_send(s, sb.data, sb.len);
	}
	sb_free(&sb);
}

void
reply_hold(struct session *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_v(s, true, code, fmt, ap);
	va_end(ap);
}

void
reply(struct session *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_v(s, false, code, fmt, ap);
	va_end(ap);
}

void
reply_text(struct session *s, int code, const char *text, const char *final)
{
	struct reply_buf rb;
	const char *nl = strchr(text, '\n');
	bool begun = false;

	if (final == NULL && nl == NULL) {
		reply(s, code, "%s", text);
		return;
	}
	while (*text) {
		int len;

		nl = strchr(text, '\n');
		len = nl ? (int)(nl - text) : (int)strlen(text);
		if (final == NULL && nl == NULL) {
			reply_end(&rb, "%.*s", len, text);
			return;
		}
		if (!begun) {
			reply_begin(s, &rb, code, "%.*s", len, text);
			begun = true;
		} else {
			reply_line(&rb, "%.*s", len, text);
		}
		text += len + (nl ? 1 : 0);
	}
	if (!begun)
		reply_begin(s, &rb, code, "%s", "");
	reply_end(&rb, "%s", final ? final : "");
}

void
reply_begin(struct session *s, struct reply_buf *rb, int code,
    const char *fmt, ...)
{
	va_list ap;

	rb->s = s;
	sb_init(&rb->sb, 2 * REPLY_FLUSH + CTRL_LINE_MAX * 4);
	rb->code = code;
	va_start(ap, fmt);
	reply_format(&rb->sb, code, '-', fmt, ap);
	va_end(ap);
}

void
reply_line(struct reply_buf *rb, const char *fmt, ...)
{
	size_t start;
	va_list ap;

	/* A leading space: no inner line can look like the final one. */
	sb_append_char(&rb->sb, ' ');
	start = rb->sb.len;
	va_start(ap, fmt);
	sb_vappendf(&rb->sb, fmt, ap);
	va_end(ap);
	reply_escape(&rb->sb, start);
	sb_append(&rb->sb, "\r\n", 2);
	/* Whole lines only: what is sent so far ends with CRLF. */
	if (rb->sb.len >= REPLY_FLUSH) {
		ctrl_send(rb->s, rb->sb.data, rb->sb.len);
		sb_reset(&rb->sb);
	}
}

void
reply_end(struct reply_buf *rb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_format(&rb->sb, rb->code, ' ', fmt, ap);
	va_end(ap);
	ctrl_send(rb->s, rb->sb.data, rb->sb.len);
	sb_free(&rb->sb);
}
