/*
 * wildcard.h - shell-style * ? [..] matching for LIST/NLST arguments
 * (wildcard.c), with a step budget.
 */
#ifndef SANDFTPD_WILDCARD_H
#define SANDFTPD_WILDCARD_H

#include <stdbool.h>

bool wildcard_match(const char *pattern, const char *name);
bool wildcard_has_magic(const char *s);

#endif
