/*
 * ctrl.c - the control connection: a line reader with a fixed maximum
 * that strips telnet commands (IAC ...), accepts CRLF or bare LF, and
 * rejects an overlong line whole; and reply formatting and sending.
 * Reads only from the control socket; writes only to it.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../common/log.h"
#include "../common/sys.h"
#include "session.h"

/* Telnet (RFC 854) bytes the filter knows. */
#define TN_IAC 255
#define TN_DONT 254
#define TN_WILL 251
#define TN_SB 250
#define TN_SE 240

enum tn_state { TN_DATA, TN_CMD, TN_OPT, TN_SUB, TN_SUB_IAC };

void
lr_init(struct linereader *lr)
{
	memset(lr, 0, sizeof(*lr));
}

size_t
lr_room(const struct linereader *lr)
{
	return sizeof(lr->buf) - lr->len;
}

/* After new bytes arrived inside an overlong line: drop up to its LF. */
static void
lr_discard(struct linereader *lr)
{
	char *lf = memchr(lr->buf, '\n', lr->len);
	size_t rest;

	if (lf == NULL) {
		lr->len = 0;
		return;
	}
	rest = lr->len - (size_t)(lf + 1 - lr->buf);
	memmove(lr->buf, lf + 1, rest);
	lr->len = rest;
	lr->discarding = false;
	lr->too_long = true;
}

void
lr_feed(struct linereader *lr, const char *raw, size_t n)
{
	size_t i;

	for (i = 0; i < n && lr->len < sizeof(lr->buf); i++) {
		unsigned char b = (unsigned char)raw[i];

		switch (lr->telnet) {
		case TN_DATA:
			if (b == TN_IAC)
				lr->telnet = TN_CMD;
			else
				lr->buf[lr->len++] = (char)b;
			break;
		case TN_CMD:
			if (b == TN_IAC) {		/* escaped 0xff */
				lr->buf[lr->len++] = (char)b;
				lr->telnet = TN_DATA;
			} else if (b >= TN_WILL && b <= TN_DONT) {
				lr->telnet = TN_OPT;
			} else if (b == TN_SB) {
				lr->telnet = TN_SUB;
			} else {			/* IP, DM, AYT, ...: drop */
				lr->telnet = TN_DATA;
			}
			break;
		case TN_OPT:
			lr->telnet = TN_DATA;	/* the option byte */
			break;
		case TN_SUB:
			if (b == TN_IAC)
				lr->telnet = TN_SUB_IAC;
			break;
		default:	/* TN_SUB_IAC */
			lr->telnet = (b == TN_SE) ? TN_DATA : TN_SUB;
			break;
		}
	}
	if (lr->discarding)
		lr_discard(lr);
	/* A full buffer with no line end in the first line's room: the line
	 * is too long.  Everything up to its LF is dropped. */
	if (!lr->discarding &&
	    memchr(lr->buf, '\n', lr->len < CTRL_LINE_MAX + 2 ?
	    lr->len : CTRL_LINE_MAX + 2) == NULL &&
	    lr->len >= CTRL_LINE_MAX + 2) {
		lr->discarding = true;
		lr_discard(lr);
	}
}

bool
lr_has_line(const struct linereader *lr)
{
	return lr->too_long || memchr(lr->buf, '\n', lr->len) != NULL;
}

enum rd_result
lr_next(struct linereader *lr, char *out, size_t outsz)
{
	char *lf;
	size_t linelen, used;

	if (lr->too_long) {
		lr->too_long = false;
		return RD_TOO_LONG;
	}
	lf = memchr(lr->buf, '\n', lr->len);
	if (lf == NULL)
		return RD_NONE;
	used = (size_t)(lf - lr->buf) + 1;
	linelen = used - 1;
	if (linelen > 0 && lr->buf[linelen - 1] == '\r')
		linelen--;
	if (linelen > CTRL_LINE_MAX || linelen >= outsz) {
		memmove(lr->buf, lr->buf + used, lr->len - used);
		lr->len -= used;
		return RD_TOO_LONG;
	}
	memcpy(out, lr->buf, linelen);
	out[linelen] = '\0';
	memmove(lr->buf, lr->buf + used, lr->len - used);
	lr->len -= used;
	/* A NUL inside would cut the argument short without a word. */
	return memchr(out, '\0', linelen) ? RD_BADCHAR : RD_LINE;
}

int
ctrl_read(struct session *s)
{
	char raw[IPC_PENDING_MAX];
	size_t room = lr_room(&s->in);
	ssize_t n;

	if (room == 0)
		return 1;	/* full of queued lines; take them first */
	n = sys_recv(s->ctrl_fd, raw, room < sizeof(raw) ? room : sizeof(raw),
	    0);
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? 1 : -1;
	if (n == 0)
		return 0;
	lr_feed(&s->in, raw, (size_t)n);
	return 1;
}

void
ctrl_send(struct session *s, const char *data, size_t len)
{
	int64_t deadline = sys_now_ms() + (int64_t)s->idle_timeout * 1000;

	while (len > 0) {
		ssize_t n = sys_send(s->ctrl_fd, data, len, 0);

		if (n > 0) {
			data += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			session_exit(s, 0);	/* client went away */
		struct pollfd p = { s->ctrl_fd, POLLOUT, 0 };
		int64_t left = deadline - sys_now_ms();

		if (left <= 0 || sys_poll(&p, 1, (int)left) < 0)
			session_exit(s, 0);	/* client stopped reading */
	}
}

void
reply_format(struct strbuf *sb, int code, char sep, const char *fmt,
    va_list ap)
{
	size_t start;
	size_t i;

	sb_appendf(sb, "%03d%c", code, sep);
	start = sb->len;
	sb_vappendf(sb, fmt, ap);
	/*
	 * Text from the file system or the client could hold CR or LF and
	 * forge a reply line; RFC 959 sends an LF in a pathname as NUL.
	 */
	for (i = start; i < sb->len; i++)
		if (sb->data[i] == '\n' || sb->data[i] == '\r')
			sb->data[i] = '\0';
	sb_append(sb, "\r\n", 2);
}

void
reply(struct session *s, int code, const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;

	sb_init(&sb, CTRL_LINE_MAX * 4);
	va_start(ap, fmt);
	reply_format(&sb, code, ' ', fmt, ap);
	va_end(ap);
	ctrl_send(s, sb.data, sb.len);
	sb_free(&sb);
}

void
reply_begin(struct reply_buf *rb, int code, const char *fmt, ...)
{
	va_list ap;

	sb_init(&rb->sb, 64 * 1024 * 1024);
	rb->code = code;
	va_start(ap, fmt);
	reply_format(&rb->sb, code, '-', fmt, ap);
	va_end(ap);
}

void
reply_line(struct reply_buf *rb, const char *fmt, ...)
{
	size_t start, i;
	va_list ap;

	/* A leading space: no inner line can look like the final one. */
	sb_append_char(&rb->sb, ' ');
	start = rb->sb.len;
	va_start(ap, fmt);
	sb_vappendf(&rb->sb, fmt, ap);
	va_end(ap);
	for (i = start; i < rb->sb.len; i++)
		if (rb->sb.data[i] == '\n' || rb->sb.data[i] == '\r')
			rb->sb.data[i] = '\0';
	sb_append(&rb->sb, "\r\n", 2);
}

void
reply_end(struct session *s, struct reply_buf *rb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_format(&rb->sb, rb->code, ' ', fmt, ap);
	va_end(ap);
	ctrl_send(s, rb->sb.data, rb->sb.len);
	sb_free(&rb->sb);
}
