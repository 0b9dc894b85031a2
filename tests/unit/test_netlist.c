/*
 * test_netlist.c - allow_networks and deny_networks: CIDR lists parsed,
 * and clients matched (IPv4, IPv6, IPv4-mapped IPv6).
 */
#include <check.h>
#include <string.h>

#include "../../common/netlist.h"
#include "suites.h"

static bool
matches(const char *list, const char *ip, int family)
{
	struct netlist l;
	struct sock_addr a;
	char err[160];

	ck_assert_int_eq(netlist_parse(&l, list, err, sizeof(err)), 0);
	ck_assert_int_eq(addr_parse_ip(ip, family, &a), 0);
	return netlist_match(&l, &a);
}

START_TEST(test_match)
{
	ck_assert(matches("10.0.0.0/8", "10.1.2.3", AF_INET));
	ck_assert(!matches("10.0.0.0/8", "11.0.0.1", AF_INET));
	ck_assert(matches("192.0.2.7", "192.0.2.7", AF_INET));
	ck_assert(!matches("192.0.2.7", "192.0.2.8", AF_INET));
	ck_assert(matches("192.0.2.0/25, 2001:db8::/32", "2001:db8:1::5",
	    AF_INET6));
	ck_assert(!matches("2001:db8::/32", "2001:db9::1", AF_INET6));
	/* An IPv4 client on a dual-stack listener: ::ffff:a.b.c.d. */
	ck_assert(matches("127.0.0.0/8", "::ffff:127.0.0.9", AF_INET6));
	ck_assert(!matches("127.0.0.0/8", "::1", AF_INET6));
	ck_assert(matches("0.0.0.0/0", "203.0.113.1", AF_INET));
	ck_assert(!matches("0.0.0.0/0", "2001:db8::1", AF_INET6));
	ck_assert(matches("::/0", "2001:db8::1", AF_INET6));
	/* Host bits beyond the prefix do not matter. */
	ck_assert(matches("10.9.9.9/8", "10.1.1.1", AF_INET));
	ck_assert(!matches("", "10.1.1.1", AF_INET));
}
END_TEST

START_TEST(test_parse_errors)
{
	struct netlist l;
	char err[160];

	ck_assert_int_eq(netlist_parse(&l, "10.0.0.0/33", err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "'10.0.0.0/33': the prefix length must be 0 to "
	    "32");
	ck_assert_int_eq(netlist_parse(&l, "::1/129", err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_parse(&l, "example.org", err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "'example.org' is not an IPv4 or IPv6 address");
	ck_assert_int_eq(netlist_parse(&l, "/8", err, sizeof(err)), -1);
	ck_assert_int_eq(netlist_parse(&l, "10.0.0.0/x", err, sizeof(err)),
	    -1);
	ck_assert_int_eq(netlist_parse(&l, " 10.0.0.0/8 ,, ::1 ", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(l.count, 2);
}
END_TEST

Suite *
netlist_suite(void)
{
	Suite *s = suite_create("netlist");
	TCase *tc = tcase_create("cidr");

	tcase_add_test(tc, test_match);
	tcase_add_test(tc, test_parse_errors);
	suite_add_tcase(s, tc);
	return s;
}
