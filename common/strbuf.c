/*
 * strbuf.c - bounded growable strings.  Growth doubles up to the buffer's
 * maximum; an append that would pass the maximum fails whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

void
sb_init(struct strbuf *sb, size_t max)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->max = max;
	sb->overflow = false;
}

void
sb_free(struct strbuf *sb)
{
	free(sb->data);
	sb_init(sb, sb->max);
}

void
sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->overflow = false;
	if (sb->data)
		sb->data[0] = '\0';
}

static int
sb_reserve(struct strbuf *sb, size_t extra)
{
	size_t need, ncap;
	char *p;

	if (extra > sb->max || sb->len > sb->max - extra) {
		sb->overflow = true;
		return -1;
	}
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return 0;
	ncap = sb->cap ? sb->cap : 256;
	while (ncap < need)
		ncap *= 2;
	if (ncap > sb->max + 1)
		ncap = sb->max + 1;
	p = realloc(sb->data, ncap);
	if (p == NULL) {
		sb->overflow = true;
		return -1;
	}
	sb->data = p;
	sb->cap = ncap;
	return 0;
}

int
sb_append(struct strbuf *sb, const void *data, size_t len)
{
	if (sb_reserve(sb, len) < 0)
		return -1;
	if (len)
		memcpy(sb->data + sb->len, data, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
	return 0;
}

int
sb_append_str(struct strbuf *sb, const char *s)
{
	return sb_append(sb, s, strlen(s));
}

int
sb_append_char(struct strbuf *sb, char c)
{
	return sb_append(sb, &c, 1);
}

int
sb_vappendf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || sb_reserve(sb, (size_t)n) < 0)
		return -1;
	vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int
sb_appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sb_vappendf(sb, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
sb_str(const struct strbuf *sb)
{
	return sb->data ? sb->data : "";
}
