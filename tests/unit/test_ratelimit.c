/*
 * test_ratelimit.c - a session's bandwidth limit (daemon/session/
 * ratelimit.c): the burst and step sizes, an empty start, exact accrual
 * of fractions of a byte, the cap after a rest, waits rounded up, and a
 * simulated transfer that must keep to rate * time, on the byte.  Times
 * are given, not waited.
 */
#include <check.h>
#include <stdint.h>

#include "../../daemon/session/ratelimit.h"
#include "suites.h"

#define T0 1000000	/* a monotonic clock is far from 0 */

START_TEST(test_sizes)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 0);
	ck_assert_uint_eq(rl.rate, 0);
	/* 1 MiB/s: a quarter of a second at once, a tenth of that a step. */
	ratelimit_init(&rl, 1048576);
	ck_assert_uint_eq(rl.depth, 262144);
	ck_assert_uint_eq(rl.step, 26214);
	/* Slow: at least 4 KiB at once, or a second's worth below that. */
	ratelimit_init(&rl, 10000);
	ck_assert_uint_eq(rl.depth, 4096);
	ck_assert_uint_eq(rl.step, 409);
	ratelimit_init(&rl, 16384);
	ck_assert_uint_eq(rl.depth, 4096);
	ratelimit_init(&rl, 16388);
	ck_assert_uint_eq(rl.depth, 4097);
	ratelimit_init(&rl, 1000);
	ck_assert_uint_eq(rl.depth, 1000);
	ck_assert_uint_eq(rl.step, 100);
	ratelimit_init(&rl, 3);
	ck_assert_uint_eq(rl.depth, 3);
	ck_assert_uint_eq(rl.step, 1);
	ratelimit_init(&rl, UINT32_MAX);
	ck_assert_uint_eq(rl.depth, UINT32_MAX / 4);
}
END_TEST

START_TEST(test_starts_empty_then_refills)
{
	struct ratelimit rl;

	/* A session's first transfer gets no burst: the clock starts at
	 * the first look, with nothing in the bucket. */
	ratelimit_init(&rl, 1000);
	ck_assert_uint_eq(ratelimit_available(&rl, T0), 0);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 1), 1);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 250), 250);
	ratelimit_spend(&rl, 100);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 250), 150);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 999), 899);
	/* Never above the burst, however long it rested. */
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 5000), 1000);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 3600000), 1000);
	/* A clock that seems to go back gives nothing. */
	ratelimit_spend(&rl, 1000);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 3500000), 0);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 3600000), 0);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 3600010), 10);
}
END_TEST

START_TEST(test_fractions_accrue)
{
	struct ratelimit rl;
	int64_t t;

	/* 3 bytes a second, looked at every millisecond: the thousandths
	 * add up, nothing is lost to rounding. */
	ratelimit_init(&rl, 3);
	for (t = T0; t < T0 + 1000; t++)
		ck_assert_uint_eq(ratelimit_available(&rl, t),
		    (uint64_t)(t - T0) * 3 / 1000);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 1000), 3);
	/* 1.5 bytes a millisecond. */
	ratelimit_init(&rl, 1500);
	ck_assert_uint_eq(ratelimit_available(&rl, T0), 0);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 1), 1);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 2), 3);
	ratelimit_spend(&rl, 1);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 3), 3);
}
END_TEST

START_TEST(test_spend_more_than_there)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 1000);
	ck_assert_uint_eq(ratelimit_available(&rl, T0), 0);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 1000), 1000);
	ratelimit_spend(&rl, 5000);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 1000), 0);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 1001), 1);
}
END_TEST

START_TEST(test_need_and_wait)
{
	struct ratelimit rl;

	ratelimit_init(&rl, 1000);		/* burst 1000, step 100 */
	ck_assert_uint_eq(ratelimit_need(&rl, 50), 50);
	ck_assert_uint_eq(ratelimit_need(&rl, 100), 100);
	ck_assert_uint_eq(ratelimit_need(&rl, 1 << 20), 100);
	ck_assert_uint_eq(ratelimit_available(&rl, T0), 0);
	ck_assert_int_eq(ratelimit_wait_ms(&rl, 100), 100);
	ck_assert_int_eq(ratelimit_wait_ms(&rl, 1), 1);
	/* More than the burst is waited for as the burst: it comes. */
	ck_assert_int_eq(ratelimit_wait_ms(&rl, 5000), 1000);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 40), 40);
	ck_assert_int_eq(ratelimit_wait_ms(&rl, 100), 60);
	ck_assert_int_eq(ratelimit_wait_ms(&rl, 40), 0);
	/* Rounded up: waking early would find too little. */
	ratelimit_init(&rl, 3);
	ck_assert_uint_eq(ratelimit_available(&rl, T0), 0);
	ck_assert_int_eq(ratelimit_wait_ms(&rl, 1), 334);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 333), 0);
	ck_assert_uint_eq(ratelimit_available(&rl, T0 + 334), 1);
}
END_TEST

/*
 * A sender as transfer.c is one: each round it asks for a chunk, waits
 * (the clock jumps by the wait, plus some lateness) until what is worth
 * sending is there, sends what the bucket holds, up to the chunk.  Over
 * `seconds` it must have sent at most rate * seconds (the bucket starts
 * empty), and no less than that but for what was left in the bucket at
 * the end: less than a step, and what the last late wake-up would have
 * brought (a late wake-up that finds the bucket short of full loses
 * nothing).
 */
static uint64_t
simulate(uint32_t rate, uint64_t chunk, int64_t late, int seconds)
{
	struct ratelimit rl;
	int64_t t = T0, end = T0 + (int64_t)seconds * 1000;
	uint64_t sent = 0;

	ratelimit_init(&rl, rate);
	for (;;) {
		uint64_t have = ratelimit_available(&rl, t);
		uint64_t need = ratelimit_need(&rl, chunk);

		if (have < need) {
			int64_t w = ratelimit_wait_ms(&rl, need);

			ck_assert_int_gt(w, 0);
			t += w + late;
			if (t > end)
				break;
			continue;
		}
		if (have > chunk)
			have = chunk;
		ratelimit_spend(&rl, have);
		sent += have;
	}
	return sent;
}

START_TEST(test_long_run_rate)
{
	static const struct {
		uint32_t rate;
		uint64_t chunk;
		int64_t late;
	} runs[] = {
		{ 1048576, 4u << 20, 0 },	/* sendfile chunks */
		{ 1048576, 4u << 20, 3 },	/* a poll that wakes late */
		{ 1048576, 256u << 10, 1 },	/* upload reads */
		{ 1048576, 1000, 0 },		/* small writes */
		{ 1000003, 65536, 2 },
		{ 4097, 65536, 0 },
		{ 999, 65536, 5 },
		{ 1, 65536, 0 },
		{ 100u << 20, 4u << 20, 1 },
		{ UINT32_MAX, 4u << 20, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		struct ratelimit rl;
		uint64_t sent, ideal, lo;

		ratelimit_init(&rl, runs[i].rate);
		sent = simulate(runs[i].rate, runs[i].chunk, runs[i].late, 10);
		ideal = (uint64_t)runs[i].rate * 10;
		lo = ideal - rl.step - (uint64_t)runs[i].rate *
		    (uint64_t)(runs[i].late + 1) / 1000;
		ck_assert_msg(sent <= ideal,
		    "rate %u: %llu bytes in 10 s, more than %llu",
		    runs[i].rate, (unsigned long long)sent,
		    (unsigned long long)ideal);
		ck_assert_msg(sent >= lo,
		    "rate %u: %llu bytes in 10 s, less than %llu",
		    runs[i].rate, (unsigned long long)sent,
		    (unsigned long long)lo);
	}
}
END_TEST

Suite *
ratelimit_suite(void)
{
	Suite *s = suite_create("ratelimit");
	TCase *tc = tcase_create("bucket");

	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_starts_empty_then_refills);
	tcase_add_test(tc, test_fractions_accrue);
	tcase_add_test(tc, test_spend_more_than_there);
	tcase_add_test(tc, test_need_and_wait);
	tcase_add_test(tc, test_long_run_rate);
	suite_add_tcase(s, tc);
	return s;
}
