/*
 * test_ftpaddr.c - PORT/EPRT/EPSV argument parsing and the 227/229 reply
 * texts (daemon/ftpaddr.c).
 */
#include <check.h>
#include <string.h>
#include <sys/socket.h>

#include "../../common/util.h"
#include "../../daemon/session/ftpaddr.h"
#include "suites.h"

/* The parsed address must be this host and port. */
static void
expect_addr(const struct sock_addr *a, int family, const char *host,
    unsigned port)
{
	char text[ADDR_TEXT_MAX];

	ck_assert_int_eq(addr_family(a), family);
	addr_host_text(a, text, sizeof(text));
	ck_assert_str_eq(text, host);
	ck_assert_uint_eq(addr_port(a), port);
}

START_TEST(test_port_good)
{
	struct sock_addr a;

	ck_assert_int_eq(ftp_parse_port("192,168,1,2,4,1", &a), 0);
	expect_addr(&a, AF_INET, "192.168.1.2", 4 * 256 + 1);
	ck_assert_int_eq(ftp_parse_port("127,0,0,1,255,255", &a), 0);
	expect_addr(&a, AF_INET, "127.0.0.1", 65535);
	ck_assert_int_eq(ftp_parse_port("0,0,0,0,0,0", &a), 0);
	expect_addr(&a, AF_INET, "0.0.0.0", 0);
	ck_assert_int_eq(ftp_parse_port("255,255,255,255,0,21", &a), 0);
	expect_addr(&a, AF_INET, "255.255.255.255", 21);
	/* Leading zeros are decimal, not octal. */
	ck_assert_int_eq(ftp_parse_port("010,001,0,09,0,010", &a), 0);
	expect_addr(&a, AF_INET, "10.1.0.9", 10);
	/* Spaces around the numbers are tolerated (not inside them). */
	ck_assert_int_eq(ftp_parse_port("10, 0, 0, 1, 4, 1", &a), 0);
	expect_addr(&a, AF_INET, "10.0.0.1", 1025);
}
END_TEST

START_TEST(test_port_bad)
{
	static const char *const bad[] = {
		"",
		"256,0,0,1,4,1",
		"1,2,3,256,4,1",
		"1,2,3,4,256,1",
		"1,2,3,4,5,256",
		"1,2,3,4,5,1000",
		"1,2,3,4,5",
		"1,2,3,4,5,",
		"1,2,3,4,5,6,",
		"1,2,3,4,5,6,7",
		"1,2,3,4,5,6x",
		"1,2,3,4,5,6 x",
		"x1,2,3,4,5,6",
		"1,,3,4,5,6",
		",1,2,3,4,5,6",
		"-1,2,3,4,5,6",
		"+1,2,3,4,5,6",
		"1,2,3,4,5,6.",
		"1.2.3.4.5.6",
		"1 2,3,4,5,6,7",
		"1,2,3,4,5,\t6",
		"1;2;3;4;5;6",
		"00001,2,3,4,5,6",
		"a,b,c,d,e,f",
		" ",
	};
	struct sock_addr a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(ftp_parse_port(bad[i], &a) == -1,
		    "PORT \"%s\" was accepted", bad[i]);
}
END_TEST

START_TEST(test_eprt_good)
{
	struct sock_addr a;

	ck_assert_int_eq(ftp_parse_eprt("|1|132.235.1.2|6275|", &a), EPRT_OK);
	expect_addr(&a, AF_INET, "132.235.1.2", 6275);
	ck_assert_int_eq(ftp_parse_eprt("|2|1080::8:800:200C:417A|5282|", &a),
	    EPRT_OK);
	expect_addr(&a, AF_INET6, "1080::8:800:200c:417a", 5282);
	ck_assert_int_eq(ftp_parse_eprt("|2|::1|1|", &a), EPRT_OK);
	expect_addr(&a, AF_INET6, "::1", 1);
	ck_assert_int_eq(ftp_parse_eprt("|1|10.0.0.1|65535|", &a), EPRT_OK);
	expect_addr(&a, AF_INET, "10.0.0.1", 65535);
	/* Any printable non-digit can be the delimiter. */
	ck_assert_int_eq(ftp_parse_eprt("!1!10.0.0.2!2000!", &a), EPRT_OK);
	expect_addr(&a, AF_INET, "10.0.0.2", 2000);
	ck_assert_int_eq(ftp_parse_eprt("#2#2001:db8::7#2001#", &a), EPRT_OK);
	expect_addr(&a, AF_INET6, "2001:db8::7", 2001);
	ck_assert_int_eq(ftp_parse_eprt("~1~192.0.2.9~3000~", &a), EPRT_OK);
	expect_addr(&a, AF_INET, "192.0.2.9", 3000);
}
END_TEST

START_TEST(test_eprt_family)
{
	struct sock_addr a;

	ck_assert_int_eq(ftp_parse_eprt("|3|1.2.3.4|2000|", &a), EPRT_FAMILY);
	ck_assert_int_eq(ftp_parse_eprt("|0|1.2.3.4|2000|", &a), EPRT_FAMILY);
	ck_assert_int_eq(ftp_parse_eprt("|255|x|2000|", &a), EPRT_FAMILY);
	ck_assert_int_eq(ftp_parse_eprt("|256|1.2.3.4|2000|", &a),
	    EPRT_SYNTAX);
}
END_TEST

START_TEST(test_eprt_bad)
{
	static const char *const bad[] = {
		"",
		"|",
		"||||",
		"|1|1.2.3.4|2000",		/* no closing delimiter */
		"|1|1.2.3.4|2000|x",		/* junk after it */
		"|1|1.2.3.4|2000||",
		"|1|1.2.3.4|0|",
		"|1|1.2.3.4|65536|",
		"|1|1.2.3.4|-1|",
		"|1|1.2.3.4|+21|",
		"|1|1.2.3.4||",
		"|1|1.2.3.4|20 00|",
		"|1|1.2.3.4|99999999|",
		"||1.2.3.4|2000|",
		"|x|1.2.3.4|2000|",
		"|1||2000|",
		"|1|::1|2000|",			/* IPv6 as protocol 1 */
		"|2|1.2.3.4|2000|",		/* IPv4 as protocol 2 */
		"|1|1.2.3|2000|",
		"|1|1.2.3.4.5|2000|",
		"|1|host.example|2000|",
		"|2|fe80::1%eth0|2000|",
		"|1| 1.2.3.4|2000|",
		"11111.2.3.4121",		/* a digit as delimiter */
		" 1 1.2.3.4 2000 ",		/* a space as delimiter */
		"|1|1.2.3.4!2000!",
		/* a host field too long for any address */
		("|2|1111:2222:3333:4444:5555:6666:7777:8888:9999:aaaa:"
		    "bbbb:cccc:dddd|21|"),
	};
	struct sock_addr a;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(ftp_parse_eprt(bad[i], &a) == EPRT_SYNTAX,
		    "EPRT \"%s\" was not a syntax error", bad[i]);
}
END_TEST

START_TEST(test_epsv)
{
	int proto, all;

	proto = all = 99;
	ck_assert_int_eq(ftp_parse_epsv("", &proto, &all), 0);
	ck_assert_int_eq(proto, 0);
	ck_assert_int_eq(all, 0);
	ck_assert_int_eq(ftp_parse_epsv("1", &proto, &all), 0);
	ck_assert_int_eq(proto, 1);
	ck_assert_int_eq(all, 0);
	ck_assert_int_eq(ftp_parse_epsv("2", &proto, &all), 0);
	ck_assert_int_eq(proto, 2);
	ck_assert_int_eq(all, 0);
	ck_assert_int_eq(ftp_parse_epsv("ALL", &proto, &all), 0);
	ck_assert_int_eq(proto, 0);
	ck_assert_int_eq(all, 1);
	all = 0;
	ck_assert_int_eq(ftp_parse_epsv("all", &proto, &all), 0);
	ck_assert_int_eq(all, 1);
	all = 0;
	ck_assert_int_eq(ftp_parse_epsv("aLl", &proto, &all), 0);
	ck_assert_int_eq(all, 1);
	/* A protocol number we do not speak: not a syntax error. */
	ck_assert_int_eq(ftp_parse_epsv("3", &proto, &all), 0);
	ck_assert_int_eq(proto, -1);
	ck_assert_int_eq(all, 0);
	ck_assert_int_eq(ftp_parse_epsv("0", &proto, &all), 0);
	ck_assert_int_eq(proto, -1);
	ck_assert_int_eq(ftp_parse_epsv("x", &proto, &all), -1);
	ck_assert_int_eq(ftp_parse_epsv("ALLX", &proto, &all), -1);
	ck_assert_int_eq(ftp_parse_epsv("1 ", &proto, &all), -1);
	ck_assert_int_eq(ftp_parse_epsv("-1", &proto, &all), -1);
	ck_assert_int_eq(ftp_parse_epsv("256", &proto, &all), -1);
}
END_TEST

START_TEST(test_format)
{
	static const uint8_t ip[4] = { 192, 168, 1, 2 };
	static const uint8_t zero[4] = { 0, 0, 0, 0 };
	struct sock_addr a;
	char buf[128], small[10];
	const char *open, *close;

	ftp_format_pasv(ip, 1025, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Entering Passive Mode (192,168,1,2,4,1).");
	ftp_format_pasv(zero, 65535, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Entering Passive Mode (0,0,0,0,255,255).");
	ftp_format_pasv(ip, 256, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Entering Passive Mode (192,168,1,2,1,0).");

	/* What 227 says, PORT reads back the same. */
	ftp_format_pasv(ip, 40123, buf, sizeof(buf));
	open = strchr(buf, '(');
	close = strchr(buf, ')');
	ck_assert_ptr_nonnull(open);
	ck_assert_ptr_nonnull(close);
	buf[close - buf] = '\0';
	ck_assert_int_eq(ftp_parse_port(open + 1, &a), 0);
	expect_addr(&a, AF_INET, "192.168.1.2", 40123);

	ftp_format_epsv(40000, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Entering Extended Passive Mode (|||40000|).");
	ftp_format_epsv(1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Entering Extended Passive Mode (|||1|).");

	/* Bounded by the buffer size. */
	memset(small, 'X', sizeof(small));
	ftp_format_epsv(40000, small, 5);
	ck_assert_str_eq(small, "Ente");
	ck_assert_int_eq(small[5], 'X');
	ftp_format_pasv(ip, 1025, small, sizeof(small));
	ck_assert_str_eq(small, "Entering ");
}
END_TEST

Suite *
ftpaddr_suite(void)
{
	Suite *s = suite_create("ftpaddr");
	TCase *tc = tcase_create("ftpaddr");

	tcase_add_test(tc, test_port_good);
	tcase_add_test(tc, test_port_bad);
	tcase_add_test(tc, test_eprt_good);
	tcase_add_test(tc, test_eprt_family);
	tcase_add_test(tc, test_eprt_bad);
	tcase_add_test(tc, test_epsv);
	tcase_add_test(tc, test_format);
	suite_add_tcase(s, tc);
	return s;
}
