/*
 * test_reply.c - reply_format (daemon/ctrl.c): codes, separators, CRLF and
 * the neutralising of CR/LF in the text; quote_path (daemon/commands.c).
 */
#include <check.h>
#include <stdarg.h>
#include <string.h>

#include "../../daemon/session/commands.h"
#include "suites.h"

PRINTF_LIKE(4, 5) static void
fmt_reply(struct strbuf *sb, int code, char sep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_format(sb, code, sep, fmt, ap);
	va_end(ap);
}

/* The buffer holds exactly these len bytes (NULs allowed). */
static void
expect_bytes(const struct strbuf *sb, const char *want, size_t len)
{
	ck_assert_uint_eq(sb->len, len);
	ck_assert_msg(memcmp(sb->data, want, len) == 0,
	    "reply bytes differ: got \"%s\"", sb->data);
}

START_TEST(test_reply_simple)
{
	struct strbuf sb;

	sb_init(&sb, 4096);
	fmt_reply(&sb, 200, ' ', "Command okay.");
	ck_assert_str_eq(sb_str(&sb), "200 Command okay.\r\n");
	sb_reset(&sb);
	fmt_reply(&sb, 230, '-', "Welcome, %s, %d.", "bob", 7);
	ck_assert_str_eq(sb_str(&sb), "230-Welcome, bob, 7.\r\n");
	sb_reset(&sb);
	fmt_reply(&sb, 5, ' ', "x");
	ck_assert_str_eq(sb_str(&sb), "005 x\r\n");
	sb_reset(&sb);
	fmt_reply(&sb, 226, ' ', "%s", "");
	ck_assert_str_eq(sb_str(&sb), "226 \r\n");
	sb_free(&sb);
}
END_TEST

/* RFC 854: a 0xff byte of a name goes out as IAC IAC. */
START_TEST(test_reply_iac_doubled)
{
	static const char want[] =
	    "257 \"\xff\xff" "a\xff\xff" "b\xff\xff\xff\xff\"\r\n";
	struct strbuf sb;

	sb_init(&sb, 4096);
	fmt_reply(&sb, 257, ' ', "\"%s\"", "\xff" "a\xff" "b\xff\xff");
	expect_bytes(&sb, want, sizeof(want) - 1);
	sb_free(&sb);
	/* No room to double them (9 bytes at most): none is left bare. */
	sb_init(&sb, 9);
	fmt_reply(&sb, 257, ' ', "%s", "\xff\xff\xff");
	ck_assert_str_eq(sb_str(&sb), "257 ???\r\n");
	sb_free(&sb);
}
END_TEST

START_TEST(test_reply_forged_line)
{
	static const char want[] = "550 a\0\0" "230 forged\0x\0\r\n";
	struct strbuf sb;
	size_t i, crlf = 0;

	sb_init(&sb, 4096);
	/* A file name from the client tries to add its own reply line. */
	fmt_reply(&sb, 550, ' ', "%s", "a\r\n230 forged\rx\n");
	expect_bytes(&sb, want, sizeof(want) - 1);
	for (i = 0; i < sb.len; i++)
		if (sb.data[i] == '\r' || sb.data[i] == '\n')
			crlf++;
	ck_assert_uint_eq(crlf, 2);
	ck_assert(sb.data[sb.len - 2] == '\r' && sb.data[sb.len - 1] == '\n');
	sb_free(&sb);
}
END_TEST

START_TEST(test_reply_appends)
{
	static const char want[] = "211-Status\r\n211 end\0\r\n";
	struct strbuf sb;

	sb_init(&sb, 4096);
	fmt_reply(&sb, 211, '-', "Status");
	/* Text already in the buffer is not touched, only the new text. */
	fmt_reply(&sb, 211, ' ', "end\n");
	expect_bytes(&sb, want, sizeof(want) - 1);
	sb_free(&sb);
}
END_TEST

START_TEST(test_quote_path)
{
	char out[64];

	quote_path("/pub/iso", out, sizeof(out));
	ck_assert_str_eq(out, "/pub/iso");
	quote_path("/a\"b\"", out, sizeof(out));
	ck_assert_str_eq(out, "/a\"\"b\"\"");
	quote_path("", out, sizeof(out));
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_quote_path_bounded)
{
	char out[32];
	size_t i;

	memset(out, 'X', sizeof(out));
	quote_path("/abcdefghijklmnop", out, 8);
	ck_assert_uint_lt(strlen(out), 8);
	ck_assert_int_eq(strncmp(out, "/abcdefghijklmnop", strlen(out)), 0);
	for (i = 8; i < sizeof(out); i++)
		ck_assert_int_eq(out[i], 'X');

	/* A doubled quote is never cut in half. */
	memset(out, 'X', sizeof(out));
	quote_path("\"\"\"\"\"\"", out, 6);
	ck_assert_str_eq(out, "\"\"\"\"");
	for (i = 6; i < sizeof(out); i++)
		ck_assert_int_eq(out[i], 'X');
	memset(out, 'X', sizeof(out));
	quote_path("ab\"", out, 4);
	ck_assert_str_eq(out, "ab");

	memset(out, 'X', sizeof(out));
	quote_path("/x", out, 1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(out[1], 'X');
}
END_TEST

Suite *
reply_suite(void)
{
	Suite *s = suite_create("reply");
	TCase *tc = tcase_create("reply_format");

	tcase_add_test(tc, test_reply_simple);
	tcase_add_test(tc, test_reply_forged_line);
	tcase_add_test(tc, test_reply_iac_doubled);
	tcase_add_test(tc, test_reply_appends);
	suite_add_tcase(s, tc);

	tc = tcase_create("quote_path");
	tcase_add_test(tc, test_quote_path);
	tcase_add_test(tc, test_quote_path_bounded);
	suite_add_tcase(s, tc);
	return s;
}
