/*
 * ctrl.h - the control connection (ctrl.c): reading what the client sent
 * into the session's line reader, and sending replies.  Every reply is
 * formatted here, so no text from the file system or the client can
 * forge a reply line.
 */
#ifndef SANDFTPD_CTRL_H
#define SANDFTPD_CTRL_H

#include <stdarg.h>

#include "../../common/strbuf.h"

struct session;

/* Read what the client sent; 1 got bytes, 0 end of file, -1 error. */
int ctrl_read(struct session *s);
/* Send bytes on the control connection (bounded wait). */
void ctrl_send(struct session *s, const char *data, size_t len);

/* One-line reply "CODE text". */
void reply(struct session *s, int code, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

/*
 * A download's preliminary reply (150), held back: it goes out with the
 * next reply, or with ctrl_flush() before the session waits for anything
 * (xfer_wait, the command loop, an answer of the master).  A small file
 * is sent before the client could want it, and its 150 and 226 leave in
 * one segment; nothing ever waits while a reply is held, so no client
 * waits for a 150 either.
 */
void reply_hold(struct session *s, int code, const char *fmt, ...)
    PRINTF_LIKE(3, 4);
void ctrl_flush(struct session *s);

/*
 * Multi-line replies: begin, any number of lines, end.  Lines are sent
 * in pieces of REPLY_FLUSH bytes as they come, so a long one (STAT of a
 * large directory) needs no more memory than that.
 */
#define REPLY_FLUSH (64 * 1024)
struct reply_buf {
	struct session *s;
	struct strbuf sb;
	int code;
};
void reply_begin(struct session *s, struct reply_buf *rb, int code,
    const char *fmt, ...) PRINTF_LIKE(4, 5);
void reply_line(struct reply_buf *rb, const char *fmt, ...) PRINTF_LIKE(2, 3);
void reply_end(struct reply_buf *rb, const char *fmt, ...) PRINTF_LIKE(2, 3);

/*
 * A reply made of the operator's lines (LF-separated): as CODE- lines
 * and then "CODE final"; with final NULL the last line is the final one.
 */
void reply_text(struct session *s, int code, const char *text,
    const char *final);

/* Format one reply line into sb, making CR/LF in the text harmless. */
void reply_format(struct strbuf *sb, int code, char sep, const char *fmt,
    va_list ap) PRINTF_LIKE(4, 0);

#endif
