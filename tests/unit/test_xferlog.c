/*
 * test_xferlog.c - the transfer log's lines (daemon/master/xferlog.c):
 * the classic fields, and names that cannot break them.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../common/util.h"
#include "../../daemon/master/metrics.h"
#include "../../daemon/master/xferlog.h"
#include "suites.h"

static struct session_rec sess;
static struct ipc_xfer x;
static char line[XFERLOG_LINE_MAX];
static time_t when;

static void
setup(void)
{
	struct tm tm = { .tm_year = 126, .tm_mon = 11, .tm_mday = 2,
	    .tm_hour = 12 };

	setenv("TZ", "UTC", 1);
	tzset();
	when = timegm(&tm);
	memset(&sess, 0, sizeof(sess));
	ck_assert_int_eq(addr_parse_listen("192.0.2.7:21", &sess.peer), 0);
	str_copy(sess.user, sizeof(sess.user), "anonymous");
	sess.login_class = CLASS_ANON;
	memset(&x, 0, sizeof(x));
	x.cmd = XFER_RETR;
	x.direction = XFER_OUT;
	x.flags = XFER_COMPLETE;
	x.reply = 226;
	x.bytes = 4096;
	x.duration_ms = 1499;
	str_copy(x.path, sizeof(x.path), "/pub/a b");
}

/* Fields split at single spaces, the date's padding aside. */
static int
count_fields(const char *s)
{
	int n = 0;
	bool in = false;

	for (; *s && *s != '\n'; s++) {
		if (*s == ' ')
			in = false;
		else if (!in) {
			in = true;
			n++;
		}
	}
	return n;
}

START_TEST(test_classic_line)
{
	int n = xferlog_format(line, sizeof(line), when, &sess, &x);

	ck_assert_int_eq(n, (int)strlen(line));
	ck_assert_str_eq(line, "Wed Dec  2 12:00:00 2026 1 192.0.2.7 4096 "
	    "/pub/a_b b _ o a anonymous ftp 0 * c\n");

	x.cmd = XFER_STOR;
	x.direction = XFER_IN;
	x.flags = XFER_ASCII;
	x.duration_ms = 2500;
	str_copy(sess.user, sizeof(sess.user), "alice");
	sess.login_class = CLASS_VIRTUAL;
	xferlog_format(line, sizeof(line), when, &sess, &x);
	ck_assert_str_eq(line, "Wed Dec  2 12:00:00 2026 3 192.0.2.7 4096 "
	    "/pub/a_b a _ i r alice ftp 0 * i\n");
}
END_TEST

START_TEST(test_names_stay_one_field)
{
	str_copy(x.path, sizeof(x.path), "/x\vsession=999 user=root\n"
	    "Wed Dec  2 12:00:00 2026 0 6.6.6.6 1 /f b _ o a a ftp 0 * c\\");
	str_copy(sess.user, sizeof(sess.user), "a b\x1b");
	xferlog_format(line, sizeof(line), when, &sess, &x);
	ck_assert_ptr_eq(strchr(line, '\n'), line + strlen(line) - 1);
	ck_assert_int_eq(count_fields(line), 18);
	ck_assert_ptr_nonnull(strstr(line, " /x\\x0bsession=999_user=root\\x0a"
	    "Wed_Dec__2_12:00:00_2026_0_6.6.6.6_1_/f_b___o_a_a_ftp_0_*_c\\\\ "));
	ck_assert_ptr_nonnull(strstr(line, " a_b\\x1b ftp 0 * c\n"));

	/* The longest path fits, escaped, and is still one field. */
	memset(x.path, '\x01', sizeof(x.path) - 1);
	x.path[0] = '/';
	x.path[sizeof(x.path) - 1] = '\0';
	ck_assert_int_gt(xferlog_format(line, sizeof(line), when, &sess, &x),
	    4 * (IPC_PATH_MAX - 2));
	ck_assert_int_eq(count_fields(line), 18);
	ck_assert_int_eq(xferlog_format(line, 40, when, &sess, &x), -1);
}
END_TEST

Suite *
xferlog_suite(void)
{
	Suite *s = suite_create("xferlog");
	TCase *tc = tcase_create("lines");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_classic_line);
	tcase_add_test(tc, test_names_stay_one_field);
	suite_add_tcase(s, tc);
	return s;
}
