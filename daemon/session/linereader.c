/*
 * linereader.c - the control-line reader: a fixed-size buffer, a telnet
 * filter (IAC sequences are dropped, IAC IAC is a literal 0xff), CRLF or
 * bare LF line ends, and a fixed maximum: an overlong line is dropped
 * whole and reported once, never split into commands.  Pure: no I/O.
 */
#include <string.h>

#include "linereader.h"

/* Telnet (RFC 854) bytes the filter knows. */
#define TN_IAC 255
#define TN_DONT 254
#define TN_WILL 251
#define TN_SB 250
#define TN_SE 240

enum tn_state { TN_DATA, TN_CMD, TN_OPT, TN_SUB, TN_SUB_IAC };

#define LR_TOO_LONG_MAX 1000	/* reports queued; more are merged */

/* Empty: the state only.  The buffer is not cleared (nothing past len
 * is ever read): an idle session keeps its untouched pages untouched. */
void
lr_init(struct linereader *lr)
{
	lr->len = 0;
	lr->telnet = TN_DATA;
	lr->discarding = false;
	lr->too_long = 0;
}

size_t
lr_room(const struct linereader *lr)
{
	return sizeof(lr->buf) - lr->len;
}

char *
lr_tail(struct linereader *lr)
{
	return lr->buf + lr->len;
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
	if (lr->too_long < LR_TOO_LONG_MAX)
		lr->too_long++;
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
	/*
	 * Drop overlong lines at the head of the buffer: one being dropped
	 * already, and each further line with no line end within the room a
	 * line may take.  Every one is reported once, in order.
	 */
	for (;;) {
		if (lr->discarding) {
			lr_discard(lr);
			if (lr->discarding)
				break;	/* its end has not arrived yet */
		}
		if (lr->len < CTRL_LINE_MAX + 2 ||
		    memchr(lr->buf, '\n', CTRL_LINE_MAX + 2) != NULL)
			break;
		lr->discarding = true;
	}
}

bool
lr_has_line(const struct linereader *lr)
{
	return lr->too_long || memchr(lr->buf, '\n', lr->len) != NULL;
}

bool
lr_next_is_quit(const struct linereader *lr)
{
	const char *lf;
	size_t n;

	if (lr->too_long)
		return false;
	lf = memchr(lr->buf, '\n', lr->len);
	if (lf == NULL)
		return false;
	n = (size_t)(lf - lr->buf);
	if (n > 0 && lr->buf[n - 1] == '\r')
		n--;
	return n == 4 && strncasecmp(lr->buf, "QUIT", 4) == 0;
}

enum rd_result
lr_next(struct linereader *lr, char *out, size_t outsz)
{
	char *lf;
	size_t linelen, used;

	if (lr->too_long) {
		lr->too_long--;
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

