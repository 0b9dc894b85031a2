/*
 * test_limits.c - the master's per-address records (daemon/master/
 * limits.c) and token buckets (bucket.c): IPv6 counted by prefix, bans,
 * handoff budgets, and records that expire.  Times are given, not waited.
 */
#include <check.h>
#include <string.h>

#include "../../common/addr.h"
#include "../../common/util.h"
#include "../../daemon/master/bucket.h"
#include "../../daemon/master/limits.h"
#include "suites.h"

static struct sock_addr
ip(const char *text)
{
	struct sock_addr a;

	ck_assert_int_eq(addr_parse_ip(text, strchr(text, ':') ? AF_INET6 :
	    AF_INET, &a), 0);
	return a;
}

static void
conf(unsigned max_per_ip, unsigned crash_limit, unsigned prefix)
{
	struct limits_conf c = { max_per_ip, crash_limit, 10000, prefix, 3,
	    10000 };

	limits_init(&c);
	limits_expire(INT64_MAX / 2);	/* forget the last test's records */
}

START_TEST(test_bucket)
{
	static const struct bucket_rate r = { 3, 1000 };
	struct bucket b;
	int64_t t = 5000;

	bucket_fill(&b, &r, t);
	ck_assert(bucket_full(&b, &r, t));
	ck_assert(bucket_take(&b, &r, t));
	ck_assert(bucket_take(&b, &r, t));
	ck_assert(bucket_take(&b, &r, t));
	ck_assert(!bucket_take(&b, &r, t));
	ck_assert(!bucket_take(&b, &r, t + 999));
	ck_assert(bucket_take(&b, &r, t + 1000));	/* one came back */
	ck_assert(!bucket_take(&b, &r, t + 1500));
	ck_assert(!bucket_full(&b, &r, t + 3000));
	ck_assert(bucket_full(&b, &r, t + 4000));
	/* Never more than the burst, however long it rested. */
	t += 1000000;
	ck_assert(bucket_take(&b, &r, t));
	ck_assert(bucket_take(&b, &r, t));
	ck_assert(bucket_take(&b, &r, t));
	ck_assert(!bucket_take(&b, &r, t));
}
END_TEST

START_TEST(test_key_by_prefix)
{
	uint8_t a[16], b[16];
	struct sock_addr x = ip("2001:db8:1:2:aaaa::1");
	struct sock_addr y = ip("2001:db8:1:2:bbbb::2");
	struct sock_addr z = ip("2001:db8:1:3::1");

	conf(2, 3, 64);
	limits_key(&x, a);
	limits_key(&y, b);
	ck_assert_mem_eq(a, b, 16);
	limits_key(&z, b);
	ck_assert(memcmp(a, b, 16) != 0);

	conf(2, 3, 48);
	limits_key(&x, a);
	limits_key(&z, b);
	ck_assert_mem_eq(a, b, 16);

	conf(2, 3, 128);
	limits_key(&x, a);
	limits_key(&y, b);
	ck_assert(memcmp(a, b, 16) != 0);

	/* An odd prefix cuts inside a byte. */
	conf(2, 3, 60);
	x = ip("2001:db8:1:20::1");
	y = ip("2001:db8:1:2f::1");
	z = ip("2001:db8:1:30::1");
	limits_key(&x, a);
	limits_key(&y, b);
	ck_assert_mem_eq(a, b, 16);
	limits_key(&z, b);
	ck_assert(memcmp(a, b, 16) != 0);
}
END_TEST

START_TEST(test_ipv4_is_whole)
{
	uint8_t a[16], b[16];
	struct sock_addr x = ip("192.0.2.1"), y = ip("192.0.2.2");
	struct sock_addr mapped = ip("::ffff:192.0.2.1");

	conf(2, 3, 16);		/* an IPv6 prefix does not touch IPv4 */
	limits_key(&x, a);
	limits_key(&y, b);
	ck_assert(memcmp(a, b, 16) != 0);
	limits_key(&mapped, b);
	ck_assert_mem_eq(a, b, 16);
}
END_TEST

START_TEST(test_per_ip_by_prefix)
{
	struct sock_addr x = ip("2001:db8::1"), y = ip("2001:db8::2");
	struct sock_addr other = ip("2001:db8:0:1::1");

	conf(2, 3, 64);
	ck_assert_int_eq(limits_check(&x, 0), LIMIT_OK);
	limits_add(&x, 0);
	limits_add(&y, 0);
	ck_assert_int_eq(limits_check(&x, 0), LIMIT_PER_IP);
	ck_assert_int_eq(limits_check(&y, 0), LIMIT_PER_IP);
	ck_assert_int_eq(limits_check(&other, 0), LIMIT_OK);
	limits_remove(&y, 0);
	ck_assert_int_eq(limits_check(&x, 0), LIMIT_OK);
	limits_remove(&x, 0);
	ck_assert_uint_eq(limits_expire(0), 0);
}
END_TEST

START_TEST(test_ban_and_expiry)
{
	struct sock_addr x = ip("2001:db8::1"), y = ip("2001:db8::99");

	conf(0, 2, 64);
	ck_assert(!limits_crash(&x, 1000));
	ck_assert_uint_eq(limits_expire(1000), 1);	/* the crash counts */
	ck_assert(limits_crash(&y, 2000));		/* same /64: a ban */
	ck_assert_int_eq(limits_check(&x, 2001), LIMIT_BANNED);
	ck_assert_int_eq(limits_check(&x, 11999), LIMIT_BANNED);
	ck_assert_int_eq(limits_check(&x, 12001), LIMIT_OK);
	/* Over, and nothing open: the record is gone without a return. */
	ck_assert_uint_eq(limits_expire(11999), 1);
	ck_assert_uint_eq(limits_expire(12001), 0);

	/* A lone crash is forgotten once its window is over. */
	ck_assert(!limits_crash(&x, 20000));
	ck_assert_uint_eq(limits_expire(29999), 1);
	ck_assert_uint_eq(limits_expire(30001), 0);
	ck_assert(!limits_crash(&x, 30002));	/* a fresh count */
}
END_TEST

START_TEST(test_handoff_budget)
{
	struct sock_addr x = ip("198.51.100.7");
	int64_t t = 100000;
	int i;

	conf(0, 0, 64);
	for (i = 0; i < LIMITS_HANDOFF_BURST; i++)
		ck_assert(limits_take_handoff(&x, t));
	ck_assert(!limits_take_handoff(&x, t));
	ck_assert(limits_take_handoff(&x, t + LIMITS_HANDOFF_PER_TOKEN_MS));
	/* Remembered until refilled, then forgotten. */
	ck_assert_uint_eq(limits_expire(t + 1000), 1);
	ck_assert_uint_eq(limits_expire(t + LIMITS_HANDOFF_PER_TOKEN_MS *
	    (LIMITS_HANDOFF_BURST + 2)), 0);
}
END_TEST

/* login_fail_limit (3 here) failures within the window ban the address
 * for the window; failures spread wider than it never do. */
START_TEST(test_login_failure_ban)
{
	struct sock_addr x = ip("192.0.2.7");

	conf(0, 0, 64);
	ck_assert(!limits_login_failed(&x, 1000));
	ck_assert(!limits_login_failed(&x, 2000));
	ck_assert_int_eq(limits_check(&x, 2500), LIMIT_OK);
	ck_assert(limits_login_failed(&x, 3000));
	ck_assert_int_eq(limits_check(&x, 3001), LIMIT_BANNED);
	ck_assert_int_eq(limits_check(&x, 12999), LIMIT_BANNED);
	ck_assert_int_eq(limits_check(&x, 13001), LIMIT_OK);
	/* Spread out: the count starts over each window. */
	ck_assert(!limits_login_failed(&x, 20000));
	ck_assert(!limits_login_failed(&x, 25000));
	ck_assert(!limits_login_failed(&x, 30001));
	ck_assert(!limits_login_failed(&x, 35000));
}
END_TEST

Suite *
limits_suite(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = tcase_create("limits");

	tcase_add_test(tc, test_bucket);
	tcase_add_test(tc, test_key_by_prefix);
	tcase_add_test(tc, test_ipv4_is_whole);
	tcase_add_test(tc, test_per_ip_by_prefix);
	tcase_add_test(tc, test_ban_and_expiry);
	tcase_add_test(tc, test_handoff_budget);
	tcase_add_test(tc, test_login_failure_ban);
	suite_add_tcase(s, tc);
	return s;
}
