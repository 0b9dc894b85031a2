/*
 * bucket.h - a token bucket: up to `burst` tokens, one more every
 * `per_token_ms`.  Bounds how often something may happen while allowing
 * short bursts.  Pure arithmetic on a monotonic clock given by the
 * caller, so it can be tested without waiting.
 */
#ifndef SANDFTPD_BUCKET_H
#define SANDFTPD_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct bucket {
	uint32_t tokens;
	int64_t at_ms;		/* when tokens was last brought up to date */
};

struct bucket_rate {
	uint32_t burst;
	uint32_t per_token_ms;
};

void bucket_fill(struct bucket *b, const struct bucket_rate *r, int64_t now);
/* Take one token: true, or false (and nothing taken) when empty. */
bool bucket_take(struct bucket *b, const struct bucket_rate *r, int64_t now);
/* Full again: the bucket remembers nothing that a new one would not. */
bool bucket_full(const struct bucket *b, const struct bucket_rate *r,
    int64_t now);

#endif
