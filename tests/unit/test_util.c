/*
 * test_util.c - the bounded string buffer (common/strbuf.c) and the
 * string and number helpers of common/util.c.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "../../common/log.h"
#include "../../common/strbuf.h"
#include "../../common/util.h"
#include "suites.h"

START_TEST(test_sb_bound)
{
	struct strbuf sb;

	sb_init(&sb, 10);
	ck_assert_ptr_null(sb.data);
	ck_assert_str_eq(sb_str(&sb), "");
	ck_assert_int_eq(sb_append_str(&sb, "hello"), 0);
	ck_assert_int_eq(sb_append_str(&sb, "world"), 0);
	ck_assert_uint_eq(sb.len, 10);
	ck_assert(!sb.overflow);
	/* One byte more than max fails whole and is remembered. */
	ck_assert_int_eq(sb_append_char(&sb, '!'), -1);
	ck_assert(sb.overflow);
	ck_assert_uint_eq(sb.len, 10);
	ck_assert_str_eq(sb_str(&sb), "helloworld");
	ck_assert_uint_le(sb.cap, 11);
	/* Empty appends still fit. */
	ck_assert_int_eq(sb_append(&sb, "", 0), 0);

	sb_reset(&sb);
	ck_assert(!sb.overflow);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert_str_eq(sb_str(&sb), "");
	/* Partly fitting is not fitting. */
	ck_assert_int_eq(sb_append_str(&sb, "0123456"), 0);
	ck_assert_int_eq(sb_append_str(&sb, "7890"), -1);
	ck_assert_str_eq(sb_str(&sb), "0123456");
	ck_assert(sb.overflow);
	sb_free(&sb);
	ck_assert_ptr_null(sb.data);
	ck_assert_uint_eq(sb.max, 10);
}
END_TEST

START_TEST(test_sb_appendf)
{
	struct strbuf sb;

	sb_init(&sb, 16);
	ck_assert_int_eq(sb_appendf(&sb, "%d-%s", 42, "x"), 0);
	ck_assert_str_eq(sb_str(&sb), "42-x");
	ck_assert_uint_eq(sb.len, 4);
	ck_assert_int_eq(sb_appendf(&sb, "%s", "0123456789ab"), 0);
	ck_assert_uint_eq(sb.len, 16);
	ck_assert_int_eq(sb_appendf(&sb, "%c", 'z'), -1);
	ck_assert(sb.overflow);
	ck_assert_str_eq(sb_str(&sb), "42-x0123456789ab");
	sb_reset(&sb);
	ck_assert_int_eq(sb_appendf(&sb, "%020d", 1), -1);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert_str_eq(sb_str(&sb), "");
	sb_free(&sb);
}
END_TEST

START_TEST(test_sb_grow)
{
	struct strbuf sb;
	char chunk[50];
	int i;

	memset(chunk, 'g', sizeof(chunk));
	sb_init(&sb, 10000);
	for (i = 0; i < 200; i++)
		ck_assert_int_eq(sb_append(&sb, chunk, sizeof(chunk)), 0);
	ck_assert_uint_eq(sb.len, 10000);
	ck_assert_uint_le(sb.cap, 10001);
	ck_assert_int_eq(sb.data[9999], 'g');
	ck_assert_int_eq(sb.data[10000], '\0');
	ck_assert_int_eq(sb_append(&sb, chunk, 1), -1);
	sb_free(&sb);

	/* A maximum of zero holds only the empty string. */
	sb_init(&sb, 0);
	ck_assert_int_eq(sb_append_str(&sb, ""), 0);
	ck_assert_str_eq(sb_str(&sb), "");
	ck_assert_int_eq(sb_append_char(&sb, 'x'), -1);
	sb_free(&sb);

	/* A huge length cannot wrap around the bound check. */
	sb_init(&sb, 100);
	ck_assert_int_eq(sb_append_str(&sb, "ab"), 0);
	ck_assert_int_eq(sb_append(&sb, "x", SIZE_MAX), -1);
	ck_assert_int_eq(sb_append(&sb, "x", SIZE_MAX - 1), -1);
	ck_assert_str_eq(sb_str(&sb), "ab");
	sb_free(&sb);
}
END_TEST

START_TEST(test_str_copy)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	ck_assert_int_eq(str_copy(buf, sizeof(buf), "abc"), 0);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(str_copy(buf, sizeof(buf), "1234567"), 0);
	ck_assert_str_eq(buf, "1234567");
	ck_assert_int_eq(str_copy(buf, sizeof(buf), "12345678"), -1);
	ck_assert_str_eq(buf, "1234567");
	ck_assert_int_eq(str_copy(buf, 4, "abcdef"), -1);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(buf[4], '5');		/* nothing past dstsz */
	ck_assert_int_eq(str_copy(buf, 1, "x"), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(str_copy(buf, 1, ""), 0);
	buf[0] = 'Q';
	ck_assert_int_eq(str_copy(buf, 0, "x"), -1);
	ck_assert_int_eq(buf[0], 'Q');

	/* str_copy_n takes bytes that need not be terminated. */
	ck_assert_int_eq(str_copy_n(buf, sizeof(buf), "abcdef", 3), 0);
	ck_assert_str_eq(buf, "abc");
	ck_assert_int_eq(str_copy_n(buf, sizeof(buf), "abcdefghij", 8), -1);
	ck_assert_str_eq(buf, "abcdefg");
}
END_TEST

START_TEST(test_str_misc)
{
	char s[16];

	ck_assert_int_eq(str_casecmp("abc", "ABC"), 0);
	ck_assert_int_lt(str_casecmp("abc", "abd"), 0);
	ck_assert_int_gt(str_casecmp("abcd", "ABC"), 0);
	/* ASCII only: no locale folds these. */
	ck_assert_int_ne(str_casecmp("\xe9", "\xc9"), 0);
	strcpy(s, "retr x\xe9z");
	str_upper(s);
	ck_assert_str_eq(s, "RETR X\xe9Z");
	ck_assert(str_terminated("ab\0", 3));
	ck_assert(!str_terminated("abc", 3));
	ck_assert(!str_terminated("abc", 0));
}
END_TEST

START_TEST(test_parse_uint)
{
	static const char *const bad[] = {
		"", "-1", "+1", " 1", "1 ", "0x10", "1a", "1.0", "1e3",
		"18446744073709551616", "99999999999999999999",
		"184467440737095516150",
	};
	uint64_t v;
	size_t i;

	ck_assert_int_eq(parse_uint("0", 0, 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_uint("42", 0, 100, &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(parse_uint("007", 0, 100, &v), 0);
	ck_assert_uint_eq(v, 7);
	ck_assert_int_eq(parse_uint("10", 10, 10, &v), 0);
	ck_assert_uint_eq(v, 10);
	ck_assert_int_eq(parse_uint("18446744073709551609", 0, UINT64_MAX,
	    &v), 0);
	ck_assert(v == UINT64_C(18446744073709551609));
	ck_assert_int_eq(parse_uint("9223372036854775807", 0, INT64_MAX, &v),
	    0);
	ck_assert(v == (uint64_t)INT64_MAX);

	/* Out of [min, max]; the output is left alone on any error. */
	v = 777;
	ck_assert_int_eq(parse_uint("9", 10, 20, &v), -1);
	ck_assert_int_eq(parse_uint("21", 10, 20, &v), -1);
	ck_assert_int_eq(parse_uint("9223372036854775808", 0, INT64_MAX, &v),
	    -1);
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		ck_assert_msg(parse_uint(bad[i], 0, UINT64_MAX, &v) == -1,
		    "parse_uint accepted \"%s\"", bad[i]);
	ck_assert_uint_eq(v, 777);
}
END_TEST

/* The largest values that fit in uint64_t parse; one more does not. */
START_TEST(test_parse_uint_max)
{
	uint64_t v;

	ck_assert_int_eq(parse_uint("18446744073709551615", 0, UINT64_MAX,
	    &v), 0);
	ck_assert(v == UINT64_MAX);
	ck_assert_int_eq(parse_uint("18446744073709551610", 0, UINT64_MAX,
	    &v), 0);
	ck_assert(v == UINT64_MAX - 5);
	ck_assert_int_eq(parse_uint("18446744073709551616", 0, UINT64_MAX,
	    &v), -1);
}
END_TEST

/* Untrusted text in log lines: no line break, no fake field. */
START_TEST(test_log_escape)
{
	char b[64];

	ck_assert_str_eq(log_value(b, sizeof(b), "anonymous"), "anonymous");
	ck_assert_str_eq(log_value(b, sizeof(b), "/pub/a b"), "\"/pub/a b\"");
	ck_assert_str_eq(log_value(b, sizeof(b), ""), "\"\"");
	ck_assert_str_eq(log_value(b, sizeof(b), "a\x1b" "b"), "\"a\\x1bb\"");
	ck_assert_str_eq(log_value(b, sizeof(b), "x\vsession=999 user=root"),
	    "\"x\\x0bsession=999 user=root\"");
	ck_assert_str_eq(log_value(b, sizeof(b), "q\"\\\n"),
	    "\"q\\\"\\\\\\x0a\"");
	ck_assert_str_eq(log_value(b, sizeof(b), "a=b"), "\"a=b\"");
	ck_assert_str_eq(log_value(b, sizeof(b), "\x7f"), "\"\\x7f\"");
	/* UTF-8 passes as it is. */
	ck_assert_str_eq(log_value(b, sizeof(b), "\xe6\x96\x87"),
	    "\xe6\x96\x87");

	ck_assert_str_eq(log_word(b, sizeof(b), "alice"), "alice");
	ck_assert_str_eq(log_word(b, sizeof(b), "a b'c=d\"\r"),
	    "a\\x20b\\x27c\\x3dd\\\"\\x0d");

	/* Cut between whole escapes; a quoted value stays closed. */
	ck_assert_str_eq(log_value(b, 8, "a b c d e"), "\"a b c\"");
	ck_assert_str_eq(log_value(b, 7, "ab\x01" "cdef"), "\"ab\"");
	ck_assert_str_eq(log_word(b, 6, "ab\x01"), "ab");
	ck_assert_str_eq(log_word(b, 1, "ab"), "");
	ck_assert_str_eq(log_value(b, 2, "a b"), "");
}
END_TEST

Suite *
util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("strbuf");

	tcase_add_test(tc, test_sb_bound);
	tcase_add_test(tc, test_sb_appendf);
	tcase_add_test(tc, test_sb_grow);
	suite_add_tcase(s, tc);

	tc = tcase_create("util");
	tcase_add_test(tc, test_str_copy);
	tcase_add_test(tc, test_str_misc);
	tcase_add_test(tc, test_parse_uint);
	tcase_add_test(tc, test_parse_uint_max);
	tcase_add_test(tc, test_log_escape);
	suite_add_tcase(s, tc);
	return s;
}
