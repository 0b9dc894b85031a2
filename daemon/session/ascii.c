/*
 * ascii.c - TYPE A on the way out: every LF not already preceded by CR
 * becomes CRLF; on the way in, CRLF becomes LF.  Streaming: the caller carries prev_cr across chunks, so a
 * CRLF split over two reads is not doubled.
 */
#include "ascii.h"

size_t
ascii_to_crlf(const char *in, size_t n, char *out, bool *prev_cr)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (in[i] == '\n' && !*prev_cr)
			out[o++] = '\r';
		out[o++] = in[i];
		*prev_cr = (in[i] == '\r');
	}
	return o;
}

uint64_t
ascii_extra(const char *in, size_t n, bool *prev_cr)
{
	uint64_t extra = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (in[i] == '\n' && !*prev_cr)
			extra++;
		*prev_cr = (in[i] == '\r');
	}
	return extra;
}

size_t
ascii_from_crlf(const char *in, size_t n, char *out, bool *held_cr)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (*held_cr) {
			*held_cr = false;
			if (in[i] == '\n') {
				out[o++] = '\n';
				continue;
			}
			out[o++] = '\r';	/* a bare CR stays */
		}
		if (in[i] == '\r')
			*held_cr = true;
		else
			out[o++] = in[i];
	}
	return o;
}
