/*
 * wildcard.c - the project's own wildcard matcher for LIST/NLST arguments
 * ("mget *.iso").  Iterative, one backtrack point, and a step budget, so a
 * hostile pattern costs bounded time.  No libc glob, no file access.
 */
#include <string.h>

#include "wildcard.h"

#define WILDCARD_PATTERN_MAX 255
#define WILDCARD_STEPS_MAX 200000

bool
wildcard_has_magic(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/*
 * Does one pattern element at p match byte c?  *plen receives the
 * element's length.  Returns 1 match, 0 no match.
 */
static int
match_one(const char *p, unsigned char c, size_t *plen)
{
	const char *q;
	bool negate, hit = false;

	if (*p == '?') {
		*plen = 1;
		return 1;
	}
	if (*p == '\\' && p[1] != '\0') {
		*plen = 2;
		return (unsigned char)p[1] == c;
	}
	if (*p != '[') {
		*plen = 1;
		return (unsigned char)*p == c;
	}
	q = p + 1;
	negate = (*q == '!' || *q == '^');
	if (negate)
		q++;
	if (*q == ']') {	/* a leading ']' is literal */
		hit = (c == ']');
		q++;
	}
	for (; *q && *q != ']'; q++) {
		if (q[1] == '-' && q[2] && q[2] != ']') {
			if (c >= (unsigned char)q[0] && c <= (unsigned char)q[2])
				hit = true;
			q += 2;
		} else if ((unsigned char)*q == c) {
			hit = true;
		}
	}
	if (*q != ']') {	/* unterminated: '[' is an ordinary byte */
		*plen = 1;
		return c == '[';
	}
	*plen = (size_t)(q - p) + 1;
	return hit != negate;
}

bool
wildcard_match(const char *pattern, const char *name)
{
	const char *p = pattern, *n = name;
	const char *star_p = NULL, *star_n = NULL;
	unsigned steps = 0;
	size_t plen;

	if (strlen(pattern) > WILDCARD_PATTERN_MAX)
		return false;
	while (*n) {
		if (++steps > WILDCARD_STEPS_MAX)
			return false;
		if (*p == '*') {
			while (*p == '*')
				p++;
			star_p = p;
			star_n = n;
			continue;
		}
		if (*p && match_one(p, (unsigned char)*n, &plen)) {
			p += plen;
			n++;
			continue;
		}
		if (star_p == NULL)
			return false;
		p = star_p;
		n = ++star_n;
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
