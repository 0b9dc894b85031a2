/*
 * strbuf.h - the project's safe string type: a growable byte buffer with a
 * hard upper bound.  Every append either fits or fails as a whole and
 * sets the buffer's overflow flag; nothing is ever written out of bounds.
 */
#ifndef SANDFTPD_STRBUF_H
#define SANDFTPD_STRBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct strbuf {
	char *data;	/* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;	/* allocated bytes, including the NUL */
	size_t max;	/* upper bound for len */
	bool overflow;	/* an append did not fit (or memory ran out) */
};

void sb_init(struct strbuf *sb, size_t max);
void sb_free(struct strbuf *sb);
void sb_reset(struct strbuf *sb);

int sb_append(struct strbuf *sb, const void *data, size_t len);
int sb_append_str(struct strbuf *sb, const char *s);
int sb_append_char(struct strbuf *sb, char c);
int sb_appendf(struct strbuf *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
int sb_vappendf(struct strbuf *sb, const char *fmt, va_list ap)
    PRINTF_LIKE(2, 0);

/* A NUL-terminated view; "" for an empty, never-grown buffer. */
const char *sb_str(const struct strbuf *sb);

#endif
