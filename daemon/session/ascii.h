/*
 * ascii.h - TYPE A line ends on the way out and in (ascii.c).
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

/*
 * CRLF to LF, for uploads.  A CR at the end of a chunk is held
 * (*held_cr) until the next byte shows whether an LF follows; at the end
 * of the stream a held CR is the caller's to write.  out holds n + 1
 * bytes: a CR held from the last chunk that is not followed by an LF
 * comes out before the n.
 */
size_t ascii_from_crlf(const char *in, size_t n, char *out, bool *held_cr);

#endif
