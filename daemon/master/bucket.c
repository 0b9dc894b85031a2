/*
 * bucket.c - token buckets for the master's budgets (handoffs per
 * connection and per address).
 */
#include "bucket.h"

static void
refill(struct bucket *b, const struct bucket_rate *r, int64_t now)
{
	int64_t earned;

	if (now <= b->at_ms)
		return;
	earned = (now - b->at_ms) / r->per_token_ms;
	if (b->tokens + earned >= r->burst) {
		b->tokens = r->burst;
		b->at_ms = now;
		return;
	}
	b->tokens += (uint32_t)earned;
	/* Keep the part of an interval not yet turned into a token. */
	b->at_ms += earned * r->per_token_ms;
}

void
bucket_fill(struct bucket *b, const struct bucket_rate *r, int64_t now)
{
	b->tokens = r->burst;
	b->at_ms = now;
}

bool
bucket_take(struct bucket *b, const struct bucket_rate *r, int64_t now)
{
	refill(b, r, now);
	if (b->tokens == 0)
		return false;
	b->tokens--;
	return true;
}

bool
bucket_full(const struct bucket *b, const struct bucket_rate *r, int64_t now)
{
	struct bucket copy = *b;

	refill(&copy, r, now);
	return copy.tokens >= r->burst;
}
