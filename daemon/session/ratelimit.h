/*
 * ratelimit.h - a session's bandwidth limit (anon_max_rate,
 * local_max_rate): a token bucket of bytes (ratelimit.c).  Tokens come
 * at `rate` bytes a second; the bucket holds at most `depth` of them, a
 * quarter of a second's worth, so a session that paused (or waited for
 * a CPU) may catch up with a short burst and no more: over any stretch
 * of time it moves at most rate * time + depth bytes.  It starts empty:
 * a session's first transfer has no burst.  Pure arithmetic on a
 * millisecond clock the caller reads, so it is tested without waiting.
 *
 * A fairness limit, not a security boundary: the session's own child
 * keeps it, and a compromised child could ignore it.
 */
#ifndef SANDFTPD_RATELIMIT_H
#define SANDFTPD_RATELIMIT_H

#include <stdint.h>

/* Burst: a quarter of a second's worth, but at least a page (or a whole
 * second's worth below 4 KiB/s), so a slow limit still moves whole
 * packets. */
#define RATELIMIT_BURST_DIV 4
#define RATELIMIT_MIN_BURST 4096
/* Wake-ups: a tenth of the burst at a time (40 a second): few system
 * calls, smooth, and the bucket never fills while a transfer runs. */
#define RATELIMIT_STEP_DIV 10

struct ratelimit {
	uint64_t rate;		/* bytes a second; 0: no limit */
	uint64_t depth;		/* the most bytes at once (the burst) */
	uint64_t step;		/* the least worth waking up for */
	uint64_t millibytes;	/* tokens, in thousandths of a byte: a
				 * millisecond's worth is exactly `rate` */
	int64_t at_ms;		/* tokens brought up to date then; -1: never */
};

/* rate bytes a second (0: no limit); starts empty. */
void ratelimit_init(struct ratelimit *rl, uint32_t rate);
/* Bytes that may go now (whole ones; brought up to date first). */
uint64_t ratelimit_available(struct ratelimit *rl, int64_t now_ms);
/* n bytes went (what was available, at most: more empties it). */
void ratelimit_spend(struct ratelimit *rl, uint64_t n);
/*
 * How many of want bytes to wait for before moving any: all of them
 * when fewer than a step, else a step (at most the burst, so it comes).
 */
uint64_t ratelimit_need(const struct ratelimit *rl, uint64_t want);
/* Milliseconds after the last update until n (<= depth) bytes are
 * available; 0 when they are. */
int64_t ratelimit_wait_ms(const struct ratelimit *rl, uint64_t n);

#endif
