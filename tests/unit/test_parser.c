/*
 * test_parser.c - the control-line reader of daemon/linereader.c (line
 * ends, telnet IAC filtering, overlong lines, NUL bytes), command_split.
 */
#include <check.h>
#include <string.h>

#include "../../daemon/session/commands.h"
#include "../../daemon/session/linereader.h"
#include "suites.h"

/* Telnet bytes, as separate literals so no hex escape runs on. */
#define IAC "\xff"
#define SE "\xf0"
#define DM "\xf2"
#define IP "\xf4"
#define SB "\xfa"
#define WILL "\xfb"
#define WONT "\xfc"
#define DO "\xfd"
#define DONT "\xfe"

static struct linereader lr;
static char line[CTRL_LINE_MAX + 1];
static char big[3 * CTRL_LINE_MAX];
static char wide[2 * CTRL_LINE_MAX];

static void
feed(const char *s)
{
	size_t n = strlen(s);

	ck_assert_uint_ge(lr_room(&lr), n);
	lr_feed(&lr, s, n);
}

static void
feed_n(const char *s, size_t n)
{
	ck_assert_uint_ge(lr_room(&lr), n);
	lr_feed(&lr, s, n);
}

/* The next result must be a line with exactly this text. */
static void
expect_line(const char *want)
{
	ck_assert(lr_has_line(&lr));
	ck_assert_int_eq(lr_next(&lr, line, sizeof(line)), RD_LINE);
	ck_assert_str_eq(line, want);
}

static void
expect_none(void)
{
	ck_assert(!lr_has_line(&lr));
	ck_assert_int_eq(lr_next(&lr, line, sizeof(line)), RD_NONE);
}

/* n bytes of c, no terminator needed by the callers (they pass n). */
static const char *
run_of(char c, size_t n)
{
	ck_assert_uint_le(n, sizeof(big));
	memset(big, c, n);
	return big;
}

START_TEST(test_lr_crlf)
{
	lr_init(&lr);
	ck_assert_uint_eq(lr_room(&lr), sizeof(lr.buf));
	expect_none();
	feed("USER anonymous\r\n");
	expect_line("USER anonymous");
	expect_none();
	ck_assert_uint_eq(lr_room(&lr), sizeof(lr.buf));
}
END_TEST

START_TEST(test_lr_bare_lf)
{
	lr_init(&lr);
	feed("NOOP\n");
	expect_line("NOOP");
	/* Only the CR right before the LF is a line end; others stay. */
	feed("A\rB\r\r\n");
	expect_line("A\rB\r");
	feed("\r\n\n");
	expect_line("");
	expect_line("");
	expect_none();
}
END_TEST

START_TEST(test_lr_split_feeds)
{
	lr_init(&lr);
	feed("RE");
	expect_none();
	ck_assert_uint_eq(lr_room(&lr), sizeof(lr.buf) - 2);
	feed("TR fi");
	expect_none();
	feed("le.txt\r");
	expect_none();
	feed("\n");
	expect_line("RETR file.txt");
	expect_none();
}
END_TEST

START_TEST(test_lr_pipelined)
{
	lr_init(&lr);
	feed("USER a\r\nPASS b\r\nPWD\nCWD /pub\r\nLI");
	expect_line("USER a");
	expect_line("PASS b");
	expect_line("PWD");
	expect_line("CWD /pub");
	expect_none();
	feed("ST\r\n");
	expect_line("LIST");
	expect_none();
}
END_TEST

/* A QUIT waiting while an upload ends (upload.c): only a whole line
 * that is QUIT and nothing else, first in the queue. */
START_TEST(test_lr_next_is_quit)
{
	static const struct { const char *in; bool quit; } cases[] = {
		{ "QUIT\r\n", true }, { "quit\n", true }, { "QuIt\r\n", true },
		{ "QUIT", false }, { "QUIT x\r\n", false }, { "QUITS\r\n", false },
		{ "NOOP\r\nQUIT\r\n", false }, { "\r\n", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lr_init(&lr);
		feed(cases[i].in);
		ck_assert_msg(lr_next_is_quit(&lr) == cases[i].quit,
		    "\"%s\"", cases[i].in);
	}
	/* Peeking takes nothing: the line is still there. */
	lr_init(&lr);
	feed("QuIt\r\n");
	ck_assert(lr_next_is_quit(&lr));
	expect_line("QuIt");
	expect_none();
}
END_TEST

START_TEST(test_lr_iac_ip_dm)
{
	lr_init(&lr);
	/* What a client sends before ABOR (RFC 959 section 4.1.3). */
	feed(IAC IP IAC DM "ABOR\r\n");
	expect_line("ABOR");
	feed("NO" IAC IP "OP" IAC DM "\r\n");
	expect_line("NOOP");
	expect_none();
}
END_TEST

/* As ctrl_read does: bytes received into the reader's own tail. */
static void
feed_in_place(const char *s)
{
	size_t n = strlen(s);

	ck_assert_uint_ge(lr_room(&lr), n);
	memcpy(lr_tail(&lr), s, n);
	lr_feed(&lr, lr_tail(&lr), n);
}

START_TEST(test_lr_in_place)
{
	lr_init(&lr);
	feed_in_place("US" IAC IP IAC DM "ER a" IAC IAC "b\r\nPA");
	feed_in_place("SS x" IAC WILL "\x01" "y\r\n" IAC SB "\x18zz" IAC SE);
	feed_in_place("NOOP\r\n");
	expect_line("USER a\xff" "b");
	expect_line("PASS xy");
	expect_line("NOOP");
	expect_none();
}
END_TEST

START_TEST(test_lr_iac_options)
{
	lr_init(&lr);
	feed("NO" IAC WILL "\x01" "OP\r\n");
	expect_line("NOOP");
	feed("NO" IAC WONT "\x18" "OP\r\n");
	expect_line("NOOP");
	feed("NO" IAC DO "\x1f" "OP\r\n");
	expect_line("NOOP");
	feed("NO" IAC DONT "\x22" "OP\r\n");
	expect_line("NOOP");
	/* The option byte is taken whatever it is, even an LF. */
	feed("PW" IAC DO "\n" "D\r\n");
	expect_line("PWD");
	/* Filtering stores nothing for the command bytes. */
	feed(IAC WILL "\x01" IAC DONT "\x01");
	ck_assert_uint_eq(lr_room(&lr), sizeof(lr.buf));
	expect_none();
}
END_TEST

START_TEST(test_lr_iac_subneg)
{
	lr_init(&lr);
	/* Everything between IAC SB and IAC SE goes, LF and IAC IAC too. */
	feed("NO" IAC SB "\x18\x01" "abc\r\n" IAC IAC "x" IAC SE "OP\r\n");
	expect_line("NOOP");
	expect_none();
}
END_TEST

START_TEST(test_lr_iac_iac)
{
	lr_init(&lr);
	feed("CWD a" IAC IAC "b\r\n");
	expect_line("CWD a\xff" "b");
	feed(IAC IAC IAC IAC "\r\n");
	expect_line("\xff\xff");
	expect_none();
}
END_TEST

START_TEST(test_lr_iac_split)
{
	lr_init(&lr);
	/* IAC | IAC: a literal 0xff across two reads. */
	feed("CWD " IAC);
	expect_none();
	feed(IAC "x\r\n");
	expect_line("CWD \xff" "x");
	/* IAC | WILL | option, one byte a read. */
	feed("NO");
	feed(IAC);
	feed(WILL);
	feed("\x01");
	feed("OP\r\n");
	expect_line("NOOP");
	/* A subnegotiation whose IAC SE is split. */
	feed("PW" IAC SB "ab");
	feed("c\n" IAC);
	feed(SE "D\r\n");
	expect_line("PWD");
	/* IAC | IP: the command byte in the next read is still dropped. */
	feed("AB" IAC);
	feed(IP "OR\r\n");
	expect_line("ABOR");
	expect_none();
}
END_TEST

START_TEST(test_lr_longest_line)
{
	lr_init(&lr);
	/* CTRL_LINE_MAX bytes plus CRLF is still a line. */
	feed_n(run_of('A', CTRL_LINE_MAX), CTRL_LINE_MAX);
	expect_none();
	feed("\r\nNOOP\r\n");
	ck_assert_int_eq(lr_next(&lr, line, sizeof(line)), RD_LINE);
	ck_assert_uint_eq(strlen(line), CTRL_LINE_MAX);
	ck_assert(line[0] == 'A' && line[CTRL_LINE_MAX - 1] == 'A');
	expect_line("NOOP");
	expect_none();
}
END_TEST

START_TEST(test_lr_too_long_one_feed)
{
	char msg[6000];

	lr_init(&lr);
	memset(msg, 'A', 5000);
	memcpy(msg + 5000, "\r\nNOOP\r\n", 8);
	feed_n(msg, 5008);
	ck_assert(lr_has_line(&lr));
	ck_assert_int_eq(lr_next(&lr, line, sizeof(line)), RD_TOO_LONG);
	expect_line("NOOP");
	expect_none();
	ck_assert_uint_eq(lr_room(&lr), sizeof(lr.buf));
}
END_TEST

/* Two overlong lines ending in one feed: two reports, then the line. */
START_TEST(test_lr_two_too_long_one_feed)
{
	static char msg[2 * CTRL_LINE_MAX];
	size_t n;

	lr_init(&lr);
	feed_n(run_of('A', 4100), 4100);	/* the first, not yet ended */
	ck_assert(!lr_has_line(&lr));
	msg[0] = '\n';
	memset(msg + 1, 'B', 4100);
	memcpy(msg + 4101, "\nNOOP\r\n", 7);
	n = 4108;
	feed_n(msg, n);
	ck_assert_int_eq(lr_next(&lr, line, sizeof(line)), RD_TOO_LONG);
	ck_assert_int_eq(lr_next(&lr, line, sizeof(line)), RD_TOO_LONG);
	expect_line("NOOP");
	expect_none();
}
END_TEST

START_TEST(test_lr_too_long_by_one)
{
	lr_init(&lr);
	/* One byte over, with CRLF. */
	feed_n(run_of('B', CTRL_LINE_MAX + 1), CTRL_LINE_MAX + 1);
	feed("\r\nPWD\r\n");
	ck_assert_int_eq(lr_next(&lr, line, sizeof(line)), RD_TOO_LONG);
	expect_line("PWD");
	expect_none();
	/* One byte over, with a bare LF, in one read; the limit holds even
	 * for a caller with a bigger buffer. */
	memset(big, 'C', CTRL_LINE_MAX + 1);
	memcpy(big + CTRL_LINE_MAX + 1, "\nSYST\n", 6);
	feed_n(big, CTRL_LINE_MAX + 7);
	ck_assert_int_eq(lr_next(&lr, wide, sizeof(wide)), RD_TOO_LONG);
	expect_line("SYST");
	expect_none();
}
END_TEST

START_TEST(test_lr_too_long_many_feeds)
{
	int i, reports = 0;
	enum rd_result r;

	lr_init(&lr);
	feed("USER a\r\n");
	expect_line("USER a");
	/* 20000 bytes in reads of 100, as a slow client would send them;
	 * the reader must stay bounded and never offer a line. */
	for (i = 0; i < 200; i++) {
		feed_n(run_of('x', 100), 100);
		ck_assert_int_eq(lr_next(&lr, line, sizeof(line)), RD_NONE);
		ck_assert_uint_gt(lr_room(&lr),
		    sizeof(lr.buf) - CTRL_LINE_MAX - 2);
	}
	feed("xyz\r");
	feed("\nPASS secret\r\nQUIT\r\n");
	while ((r = lr_next(&lr, line, sizeof(line))) == RD_TOO_LONG)
		reports++;
	ck_assert_int_eq(reports, 1);
	ck_assert_int_eq(r, RD_LINE);
	ck_assert_str_eq(line, "PASS secret");
	expect_line("QUIT");
	expect_none();
}
END_TEST

START_TEST(test_lr_too_long_dropped_early)
{
	lr_init(&lr);
	/* CTRL_LINE_MAX + CR + LF is the most a line can take: that many
	 * bytes without an LF are dropped at once, not kept. */
	feed_n(run_of('z', CTRL_LINE_MAX + 1), CTRL_LINE_MAX + 1);
	ck_assert_uint_eq(lr_room(&lr), sizeof(lr.buf) - CTRL_LINE_MAX - 1);
	feed("z");
	ck_assert_uint_eq(lr_room(&lr), sizeof(lr.buf));
	expect_none();
	feed("\nNOOP\n");
	ck_assert_int_eq(lr_next(&lr, line, sizeof(line)), RD_TOO_LONG);
	expect_line("NOOP");
	expect_none();
}
END_TEST

START_TEST(test_lr_too_long_then_partial)
{
	lr_init(&lr);
	/* The overlong line ends inside a read that starts the next one. */
	feed_n(run_of('y', 5000), 5000);
	feed_n(run_of('y', 3000), 3000);
	feed("y\nST");
	ck_assert(lr_has_line(&lr));
	ck_assert_int_eq(lr_next(&lr, line, sizeof(line)), RD_TOO_LONG);
	expect_none();
	feed("AT\r\n");
	expect_line("STAT");
	expect_none();
}
END_TEST

START_TEST(test_lr_small_out)
{
	char out[4];

	lr_init(&lr);
	/* A line that does not fit the caller's buffer is refused whole. */
	feed("HELLO\r\nOK\r\n");
	ck_assert_int_eq(lr_next(&lr, out, sizeof(out)), RD_TOO_LONG);
	ck_assert_int_eq(lr_next(&lr, out, sizeof(out)), RD_LINE);
	ck_assert_str_eq(out, "OK");
}
END_TEST

START_TEST(test_lr_nul)
{
	static const char msg[] = "RETR a\0b\r\nPWD\r\n";

	lr_init(&lr);
	feed_n(msg, sizeof(msg) - 1);
	ck_assert_int_eq(lr_next(&lr, line, sizeof(line)), RD_BADCHAR);
	expect_line("PWD");
	feed_n("\0\n", 2);
	ck_assert_int_eq(lr_next(&lr, line, sizeof(line)), RD_BADCHAR);
	expect_none();
}
END_TEST

START_TEST(test_split_basic)
{
	char buf[64];
	char *verb, *arg;

	strcpy(buf, "noop");
	ck_assert_int_eq(command_split(buf, &verb, &arg), 0);
	ck_assert_str_eq(verb, "NOOP");
	ck_assert_str_eq(arg, "");

	strcpy(buf, "Retr  my file.txt ");
	ck_assert_int_eq(command_split(buf, &verb, &arg), 0);
	ck_assert_str_eq(verb, "RETR");
	ck_assert_str_eq(arg, " my file.txt ");
	ck_assert_ptr_eq(verb, buf);
	ck_assert_ptr_eq(arg, buf + 5);

	strcpy(buf, "CWD ");
	ck_assert_int_eq(command_split(buf, &verb, &arg), 0);
	ck_assert_str_eq(verb, "CWD");
	ck_assert_str_eq(arg, "");

	/* Eight letters is the longest verb. */
	strcpy(buf, "abcdefgh x y");
	ck_assert_int_eq(command_split(buf, &verb, &arg), 0);
	ck_assert_str_eq(verb, "ABCDEFGH");
	ck_assert_str_eq(arg, "x y");
}
END_TEST

START_TEST(test_split_bad)
{
	static const char *const bad[] = {
		"",
		" NOOP",
		"ABCDEFGHI",
		"abcdefghi x",
		"NO1P",
		"X-Y arg",
		"NOOP\t",
		"R\xe9TR x",
		"\xff",
		"CWD/ x",
	};
	char buf[64];
	char *verb, *arg;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		strcpy(buf, bad[i]);
		ck_assert_msg(command_split(buf, &verb, &arg) == -1,
		    "command_split accepted bad line %zu", i);
	}
}
END_TEST

Suite *
parser_suite(void)
{
	Suite *s = suite_create("parser");
	TCase *tc = tcase_create("linereader");

	tcase_add_test(tc, test_lr_crlf);
	tcase_add_test(tc, test_lr_bare_lf);
	tcase_add_test(tc, test_lr_split_feeds);
	tcase_add_test(tc, test_lr_pipelined);
	tcase_add_test(tc, test_lr_next_is_quit);
	tcase_add_test(tc, test_lr_iac_ip_dm);
	tcase_add_test(tc, test_lr_in_place);
	tcase_add_test(tc, test_lr_iac_options);
	tcase_add_test(tc, test_lr_iac_subneg);
	tcase_add_test(tc, test_lr_iac_iac);
	tcase_add_test(tc, test_lr_iac_split);
	tcase_add_test(tc, test_lr_longest_line);
	tcase_add_test(tc, test_lr_too_long_one_feed);
	tcase_add_test(tc, test_lr_two_too_long_one_feed);
	tcase_add_test(tc, test_lr_too_long_by_one);
	tcase_add_test(tc, test_lr_too_long_many_feeds);
	tcase_add_test(tc, test_lr_too_long_dropped_early);
	tcase_add_test(tc, test_lr_too_long_then_partial);
	tcase_add_test(tc, test_lr_small_out);
	tcase_add_test(tc, test_lr_nul);
	suite_add_tcase(s, tc);

	tc = tcase_create("command_split");
	tcase_add_test(tc, test_split_basic);
	tcase_add_test(tc, test_split_bad);
	suite_add_tcase(s, tc);
	return s;
}
