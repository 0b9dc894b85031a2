/*
 * linereader.h - the control-line reader (linereader.c): a fixed-size
 * buffer, a telnet filter, CRLF or bare LF line ends, and a fixed
 * maximum line length.  Pure: no I/O.
 */
#ifndef SANDFTPD_LINEREADER_H
#define SANDFTPD_LINEREADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../common/ipc.h"

#define CTRL_LINE_MAX 4096	/* longest command line, without CRLF */

struct linereader {
	size_t len;
	uint32_t telnet;		/* telnet filter state */
	bool discarding;		/* inside an overlong line */
	unsigned too_long;		/* overlong lines ended, not reported */
	char buf[IPC_PENDING_MAX];	/* bytes after telnet filtering; last,
					 * written from its start */
};

enum rd_result { RD_LINE, RD_TOO_LONG, RD_BADCHAR, RD_NONE };

void lr_init(struct linereader *lr);
/*
 * Feed raw bytes through the telnet filter into the buffer.  raw may be
 * the buffer's own free tail (lr_tail): the filter writes each byte at
 * or behind the one it reads, so bytes can be received in place.
 */
void lr_feed(struct linereader *lr, const char *raw, size_t n);
/* Room left for raw bytes (filtering never grows them). */
size_t lr_room(const struct linereader *lr);
/* Where lr_room raw bytes may be received, then fed in place. */
char *lr_tail(struct linereader *lr);
/* Take the next complete line (CR/LF removed, NUL-terminated). */
enum rd_result lr_next(struct linereader *lr, char *out, size_t outsz);
/* Peek: is there a complete line or overlong-line report waiting? */
bool lr_has_line(const struct linereader *lr);
/* Peek: is the next complete line a QUIT (any case, no argument)? */
bool lr_next_is_quit(const struct linereader *lr);

#endif
