/*
 * test_monitor.c - the master's reading of a child's socketpair
 * (daemon/master/monitor.c): one wakeup answers a bounded number of
 * messages, so a child that never stops sending cannot keep the event
 * loop to itself; what is left is read on the following rounds, and a
 * dead child's last words are read to the end.
 */
#include <check.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "../../common/ipc.h"
#include "../../common/util.h"
#include "../../daemon/master/metrics.h"
#include "../../daemon/master/monitor.h"
#include "../../daemon/master/pool.h"
#include "suites.h"

#define QUEUED 100	/* more than MONITOR_MSGS_PER_WAKEUP, fewer than the
			 * socket's buffer takes without blocking */

static struct master m;
static struct child c;
static int peer = -1;

/* A session child with nothing queued yet. */
static void
setup_empty_child(void)
{
	int sp[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK,
	    0, sp), 0);
	memset(&m, 0, sizeof(m));
	memset(&c, 0, sizeof(c));
	c.used = true;
	c.pid = 1;
	c.kind = CHILD_ANON;
	c.phase = PHASE_SESSION;
	c.ipc_fd = sp[0];
	peer = sp[1];
}

/* The same child, whose end of the socketpair holds QUEUED LOG
 * requests (debug lines: nothing is printed). */
static void
setup_child(void)
{
	struct ipc_log l;
	int i;

	setup_empty_child();
	memset(&l, 0, sizeof(l));
	ipc_hdr_init(&l.hdr, IPC_LOG, sizeof(l));
	l.prio = LOG_DEBUG;
	str_copy(l.text, sizeof(l.text), "flood");
	for (i = 0; i < QUEUED; i++)
		ck_assert_int_eq(ipc_send(peer, &l, sizeof(l), NULL, 0), 0);
}

static void
teardown_child(void)
{
	if (c.ipc_fd >= 0)
		close(c.ipc_fd);
	close(peer);
}

/* Messages still queued for the master (read and dropped here). */
static int
left_over(void)
{
	char buf[sizeof(struct ipc_log)];
	int n = 0;

	while (recv(c.ipc_fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

START_TEST(test_one_wakeup_is_bounded)
{
	monitor_readable(&m, &c);
	ck_assert_int_ge(c.ipc_fd, 0);
	ck_assert_int_eq(left_over(), QUEUED - MONITOR_MSGS_PER_WAKEUP);
}
END_TEST

/* Would the level-triggered event loop report the socket again? */
static bool
readable(void)
{
	struct pollfd p = { c.ipc_fd, POLLIN, 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

START_TEST(test_the_rest_on_later_rounds)
{
	int rounds = 0;

	while (readable() && rounds < QUEUED) {
		monitor_readable(&m, &c);
		rounds++;
	}
	ck_assert_int_eq(rounds, (QUEUED + MONITOR_MSGS_PER_WAKEUP - 1) /
	    MONITOR_MSGS_PER_WAKEUP);
	ck_assert_int_ge(c.ipc_fd, 0);
}
END_TEST

START_TEST(test_last_words_to_the_end)
{
	monitor_last_words(&m, &c);
	ck_assert_int_eq(left_over(), 0);
}
END_TEST

/*
 * Transfer reports that add up past 2^64: the bytes counter stops at the
 * top instead of going round to a small number (Prometheus would read a
 * counter that went back as a restart).
 */
START_TEST(test_bytes_counter_saturates)
{
	struct ipc_xfer x;
	int i;

	metrics.bytes[DIR_OUT] = 0;
	memset(&x, 0, sizeof(x));
	ipc_hdr_init(&x.hdr, IPC_XFER, sizeof(x));
	x.cmd = XFER_RETR;
	x.direction = XFER_OUT;
	x.flags = XFER_COMPLETE;
	x.reply = 226;
	x.bytes = UINT64_MAX - 10;
	str_copy(x.path, sizeof(x.path), "/f");
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(ipc_send(peer, &x, sizeof(x), NULL, 0), 0);
	monitor_readable(&m, &c);
	ck_assert_int_ge(c.ipc_fd, 0);		/* not killed: valid reports */
	ck_assert(metrics.bytes[DIR_OUT] == UINT64_MAX);
}
END_TEST

Suite *
monitor_suite(void)
{
	Suite *s = suite_create("monitor");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup_child, teardown_child);
	tcase_add_test(tc, test_one_wakeup_is_bounded);
	tcase_add_test(tc, test_the_rest_on_later_rounds);
	tcase_add_test(tc, test_last_words_to_the_end);
	suite_add_tcase(s, tc);
	tc = tcase_create("xfer");
	tcase_add_checked_fixture(tc, setup_empty_child, teardown_child);
	tcase_add_test(tc, test_bytes_counter_saturates);
	suite_add_tcase(s, tc);
	return s;
}
