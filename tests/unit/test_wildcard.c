/*
 * test_wildcard.c - the LIST/NLST wildcard matcher (daemon/wildcard.c):
 * classes, escapes, and bounded time on hostile patterns.
 */
#include <check.h>
#include <string.h>
#include <time.h>

#include "../../common/util.h"
#include "../../daemon/session/wildcard.h"
#include "suites.h"

static const struct {
	const char *pattern, *name;
	bool match;
} cases[] = {
	{ "", "", true },
	{ "", "a", false },
	{ "*", "", true },
	{ "*", "anything at all", true },
	{ "**", "abc", true },
	{ "abc", "abc", true },
	{ "abc", "abd", false },
	{ "abc", "ab", false },
	{ "ab", "abc", false },
	{ "*.iso", "debian.iso", true },
	{ "*.iso", ".iso", true },
	{ "*.iso", "debian.iso.sig", false },
	{ "*.ISO", "debian.iso", false },
	{ "deb*", "debian.iso", true },
	{ "*an*", "debian.iso", true },
	{ "a*b*c", "aXXbYYc", true },
	{ "a*b*c", "aXXbYY", false },
	{ "a*b*c", "abcabc", true },
	{ "*ab", "aab", true },
	{ "*aab", "aaab", true },
	{ "?", "a", true },
	{ "?", "", false },
	{ "?", "ab", false },
	{ "a?c", "abc", true },
	{ "a?c", "ac", false },
	{ "*?", "", false },
	{ "*?", "a", true },
	{ "??*", "a", false },
	{ "[abc]", "b", true },
	{ "[abc]", "d", false },
	{ "[abc]", "", false },
	{ "[abc]", "ab", false },
	{ "[a-z]x", "qx", true },
	{ "[a-z]", "Q", false },
	{ "[a-z]", "-", false },
	{ "[0-9][0-9]", "42", true },
	{ "[0-9][0-9]", "4x", false },
	{ "[a-cx-z]", "y", true },
	{ "[a-cx-z]", "d", false },
	{ "[z-a]", "m", false },
	{ "[a-]", "-", true },
	{ "[a-]", "b", false },
	{ "[-a]", "-", true },
	{ "[!x]", "y", true },
	{ "[!x]", "x", false },
	{ "[^x]", "y", true },
	{ "[^x]", "x", false },
	{ "[!a-c]", "b", false },
	{ "[!a-c]", "d", true },
	{ "[]]", "]", true },
	{ "[]]", "a", false },
	{ "[]a]", "a", true },
	{ "[]a]", "]", true },
	{ "[]a]", "b", false },
	{ "[!]]", "]", false },
	{ "[!]]", "a", true },
	{ "[^]a]", "b", true },
	{ "[^]a]", "a", false },
	{ "[abc", "[abc", true },		/* unterminated: literal '[' */
	{ "[abc", "a", false },
	{ "[abc", "abc", false },
	{ "x[", "x[", true },
	{ "x[", "xa", false },
	{ "*[", "abc[", true },
	{ "[[]", "[", true },
	{ "\\*", "*", true },
	{ "\\*", "a", false },
	{ "\\*", "", false },
	{ "\\?", "?", true },
	{ "\\?", "x", false },
	{ "\\[a]", "[a]", true },
	{ "\\[a]", "a", false },
	{ "\\a", "a", true },
	{ "\\\\", "\\", true },
	{ "a\\", "a\\", true },		/* a trailing '\' is literal */
	{ "*\\*", "abc*", true },
	{ "*\\*", "abc", false },
	{ "[\xe0-\xef]", "\xe5", true },	/* bytes above 127 */
	{ "[\xe0-\xef]", "a", false },
	{ "?", "\xff", true },
	{ "*.tar.gz", "a.tar.gz.tar.gz", true },
};

START_TEST(test_table)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		ck_assert_msg(wildcard_match(cases[i].pattern, cases[i].name) ==
		    cases[i].match, "pattern \"%s\" name \"%s\": want %s",
		    cases[i].pattern, cases[i].name,
		    cases[i].match ? "match" : "no match");
}
END_TEST

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_backtracking)
{
	static char name[10002];
	double t0, t;
	int i;

	/* A naive recursive matcher needs exponential time for these. */
	memset(name, 'a', 10000);
	name[10000] = '\0';
	t0 = now_s();
	for (i = 0; i < 20; i++) {
		ck_assert(!wildcard_match("*a*a*a*a*b", name));
		ck_assert(!wildcard_match("*a*a*a*a*a*a*a*a*a*a*a*b", name));
		ck_assert(wildcard_match("*a*a*a*a*a", name));
		ck_assert(!wildcard_match("*a*a*a*a*b", name + 9750));
	}
	name[10000] = 'b';
	name[10001] = '\0';
	ck_assert(wildcard_match("*a*a*a*a*b", name));
	ck_assert(wildcard_match("*a*a*a*a*b", name + 9746));
	ck_assert(wildcard_match("a*a*a*a*b", name + 9996));
	ck_assert(!wildcard_match("a*a*a*a*b", name + 9997));
	t = now_s() - t0;
	ck_assert_msg(t < 5.0, "matching took %.2f s", t);
}
END_TEST

START_TEST(test_pattern_length)
{
	char pat[300], name[300];

	memset(pat, 'a', 255);
	pat[255] = '\0';
	memcpy(name, pat, 256);
	ck_assert(wildcard_match(pat, name));
	pat[255] = 'a';
	pat[256] = '\0';
	name[255] = 'a';
	name[256] = '\0';
	ck_assert(!wildcard_match(pat, name));
	memset(pat, '*', 256);
	ck_assert(!wildcard_match(pat, "x"));
	pat[255] = '\0';
	ck_assert(wildcard_match(pat, "x"));
}
END_TEST

START_TEST(test_has_magic)
{
	ck_assert(wildcard_has_magic("*.iso"));
	ck_assert(wildcard_has_magic("a?"));
	ck_assert(wildcard_has_magic("a[b]"));
	ck_assert(wildcard_has_magic("["));
	ck_assert(!wildcard_has_magic("plain.txt"));
	ck_assert(!wildcard_has_magic("a]"));
	ck_assert(!wildcard_has_magic(""));
	ck_assert(!wildcard_has_magic("/pub/dir-1/x_y.z"));
}
END_TEST

Suite *
wildcard_suite(void)
{
	Suite *s = suite_create("wildcard");
	TCase *tc = tcase_create("wildcard");

	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_backtracking);
	tcase_add_test(tc, test_pattern_length);
	tcase_add_test(tc, test_has_magic);
	suite_add_tcase(s, tc);
	return s;
}
