/*
 * util.c - bounded string helpers and strict number parsing.
 */
#include <string.h>

#include "util.h"

int
str_copy(char *dst, size_t dstsz, const char *src)
{
	return str_copy_n(dst, dstsz, src, strlen(src));
}

int
str_copy_n(char *dst, size_t dstsz, const char *src, size_t len)
{
	int rc = 0;

	if (dstsz == 0)
		return -1;
	if (len >= dstsz) {
		len = dstsz - 1;
		rc = -1;
	}
	memcpy(dst, src, len);
	dst[len] = '\0';
	return rc;
}

static int
ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int
str_casecmp(const char *a, const char *b)
{
	for (;; a++, b++) {
		int ca = ascii_lower((unsigned char)*a);
		int cb = ascii_lower((unsigned char)*b);

		if (ca != cb || ca == 0)
			return ca - cb;
	}
}

void
str_upper(char *s)
{
	for (; *s; s++)
		if (*s >= 'a' && *s <= 'z')
			*s = (char)(*s - 'a' + 'A');
}

int
parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		uint64_t d = (uint64_t)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

bool
str_terminated(const char *buf, size_t n)
{
	return memchr(buf, '\0', n) != NULL;
}

bool
str_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < ' ' || *s == 0x7f)
			return false;
	return true;
}

int
parse_octal(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || strlen(s) > 12)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '7')
			return -1;
		v = v * 8 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

bool
str_is_account_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max || *s == '-')
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' ||
		    *s == '.' || *s == '$'))
			return false;
	return true;
}
