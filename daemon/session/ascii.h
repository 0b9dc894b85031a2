/*
 * ascii.h - TYPE A line ends on the way out (ascii.c).
 */
#ifndef SANDFTPD_ASCII_H
#define SANDFTPD_ASCII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* LF to CRLF (a CRLF already there stays); out holds 2 * n bytes. */
size_t ascii_to_crlf(const char *in, size_t n, char *out, bool *prev_cr);
/* How many bytes the conversion adds to these n bytes. */
uint64_t ascii_extra(const char *in, size_t n, bool *prev_cr);

#endif
