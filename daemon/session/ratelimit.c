/*
 * ratelimit.c - the token bucket of a session's bandwidth limit.  No
 * system calls: the caller reads the clock and sleeps (transfer.c).
 */
#include "ratelimit.h"

/* Past this, however long it rested, the bucket is full. */
#define RATELIMIT_REST_MAX_MS 10000

void
ratelimit_init(struct ratelimit *rl, uint32_t rate)
{
	uint64_t small = rate < RATELIMIT_MIN_BURST ? rate :
	    RATELIMIT_MIN_BURST;

	rl->rate = rate;
	rl->depth = rate / RATELIMIT_BURST_DIV;
	if (rl->depth < small)
		rl->depth = small;
	rl->step = rl->depth / RATELIMIT_STEP_DIV;
	if (rl->step == 0)
		rl->step = 1;
	rl->millibytes = 0;
	rl->at_ms = -1;
}

static void
refill(struct ratelimit *rl, int64_t now)
{
	uint64_t full = rl->depth * 1000;
	int64_t rested;

	if (rl->at_ms < 0) {		/* the first look: the clock starts */
		rl->at_ms = now;
		return;
	}
	if (now - rl->at_ms >= RATELIMIT_REST_MAX_MS) {
		rl->millibytes = full;
		rl->at_ms = now;
		return;
	}
	rested = now - rl->at_ms;
	if (rested <= 0)
		return;		/* the same millisecond (or a clock step) */
	rl->at_ms = now;
	/* rate <= 2^32 and rested < 10^4: no overflow. */
	rl->millibytes += (uint64_t)rested * rl->rate;
	if (rl->millibytes > full)
		rl->millibytes = full;
}

uint64_t
ratelimit_available(struct ratelimit *rl, int64_t now_ms)
{
	refill(rl, now_ms);
	return rl->millibytes / 1000;
}

void
ratelimit_spend(struct ratelimit *rl, uint64_t n)
{
	uint64_t m = n > rl->millibytes / 1000 ? rl->millibytes : n * 1000;

	rl->millibytes -= m;
}

uint64_t
ratelimit_need(const struct ratelimit *rl, uint64_t want)
{
	return want < rl->step ? want : rl->step;
}

int64_t
ratelimit_wait_ms(const struct ratelimit *rl, uint64_t n)
{
	uint64_t want;

	if (n > rl->depth)
		n = rl->depth;
	want = n * 1000;
	if (rl->rate == 0 || rl->millibytes >= want)
		return 0;
	return (int64_t)((want - rl->millibytes + rl->rate - 1) / rl->rate);
}
