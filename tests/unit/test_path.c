/*
 * test_path.c - virtual path joining and splitting (common/path.c).
 */
#include <check.h>
#include <string.h>

#include "../../common/path.h"
#include "../../common/util.h"
#include "suites.h"

static const struct {
	const char *cwd, *arg, *want;
} joins[] = {
	{ "/", "pub", "/pub" },
	{ "/pub", "iso", "/pub/iso" },
	{ "/pub", ".", "/pub" },
	{ "/pub", "./iso/.", "/pub/iso" },
	{ "/pub", "", "/pub" },
	{ "/pub/iso", "..", "/pub" },
	{ "/pub/iso", "../..", "/" },
	{ "/pub", "../../..", "/" },
	{ "/", "..", "/" },
	{ "/", "../etc/passwd", "/etc/passwd" },
	{ "/pub", "x/../y", "/pub/y" },
	{ "/a/b/c", "../../d/../e", "/a/e" },
	{ "/pub", "a//b///c", "/pub/a/b/c" },
	{ "/pub", "/etc", "/etc" },
	{ "/pub", "//etc//x/", "/etc/x" },
	{ "/pub", "/", "/" },
	{ "/pub", "/..", "/" },
	{ "/pub", "~", "/" },
	{ "/pub", "~/", "/" },
	{ "/pub", "~/x", "/x" },
	{ "/pub", "~/x/../..", "/" },
	{ "/pub", "~x", "/pub/~x" },
	{ "/pub", "a~", "/pub/a~" },
	{ "/pub", "x/", "/pub/x" },
	{ "/pub", "x/y//", "/pub/x/y" },
	{ "/pub", "...", "/pub/..." },
	{ "/pub", "..x", "/pub/..x" },
	{ "/pub", ".hidden", "/pub/.hidden" },
};

START_TEST(test_join_table)
{
	char out[VPATH_MAX];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(joins); i++) {
		memset(out, 'Z', sizeof(out));
		ck_assert_msg(path_join(joins[i].cwd, joins[i].arg, out,
		    sizeof(out)) == 0, "path_join(%s, %s) failed",
		    joins[i].cwd, joins[i].arg);
		ck_assert_msg(strcmp(out, joins[i].want) == 0,
		    "path_join(%s, %s) = %s, want %s", joins[i].cwd,
		    joins[i].arg, out, joins[i].want);
	}
}
END_TEST

START_TEST(test_join_bounds)
{
	char out[16];
	char longname[VPATH_MAX + 10];

	/* "/abcd" needs 6 bytes. */
	ck_assert_int_eq(path_join("/", "abcd", out, 6), 0);
	ck_assert_str_eq(out, "/abcd");
	ck_assert_int_eq(path_join("/", "abcd", out, 5), -1);
	ck_assert_int_eq(path_join("/ab", "cd", out, 6), -1);
	ck_assert_int_eq(path_join("/ab", "cd", out, 7), 0);
	ck_assert_str_eq(out, "/ab/cd");
	ck_assert_int_eq(path_join("/ab", "cde", out, 7), -1);
	ck_assert_int_eq(path_join("/", "/", out, 2), 0);
	ck_assert_str_eq(out, "/");
	ck_assert_int_eq(path_join("/", "/", out, 1), -1);
	ck_assert_int_eq(path_join("/", "x", out, 0), -1);

	/* A component longer than the whole buffer. */
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	{
		char big[VPATH_MAX];

		ck_assert_int_eq(path_join("/", longname, big, sizeof(big)),
		    -1);
		longname[VPATH_MAX - 2] = '\0';	/* "/" + 4094 + NUL */
		ck_assert_int_eq(path_join("/", longname, big, sizeof(big)),
		    0);
		ck_assert_uint_eq(strlen(big), VPATH_MAX - 1);
	}
}
END_TEST

START_TEST(test_relative)
{
	ck_assert_str_eq(path_relative("/"), ".");
	ck_assert_str_eq(path_relative("/pub/iso"), "pub/iso");
	ck_assert_str_eq(path_relative("/x"), "x");
	ck_assert_str_eq(path_relative("//x"), "x");
}
END_TEST

START_TEST(test_basename)
{
	ck_assert_str_eq(path_basename("/pub/iso"), "iso");
	ck_assert_str_eq(path_basename("/pub"), "pub");
	ck_assert_str_eq(path_basename("/"), "/");
	ck_assert_str_eq(path_basename("name"), "name");
}
END_TEST

START_TEST(test_dirname)
{
	char dir[VPATH_MAX];

	ck_assert_int_eq(path_dirname("/pub/iso", dir, sizeof(dir)), 0);
	ck_assert_str_eq(dir, "/pub");
	ck_assert_int_eq(path_dirname("/a/b/c", dir, sizeof(dir)), 0);
	ck_assert_str_eq(dir, "/a/b");
	ck_assert_int_eq(path_dirname("/pub", dir, sizeof(dir)), 0);
	ck_assert_str_eq(dir, "/");
	ck_assert_int_eq(path_dirname("/", dir, sizeof(dir)), 0);
	ck_assert_str_eq(dir, "/");
	ck_assert_int_eq(path_dirname("name", dir, sizeof(dir)), 0);
	ck_assert_str_eq(dir, "/");
	/* Too small a buffer is an error, with a terminated prefix. */
	ck_assert_int_eq(path_dirname("/pub/iso", dir, 3), -1);
	ck_assert_str_eq(dir, "/p");
}
END_TEST

Suite *
path_suite(void)
{
	Suite *s = suite_create("path");
	TCase *tc = tcase_create("path");

	tcase_add_test(tc, test_join_table);
	tcase_add_test(tc, test_join_bounds);
	tcase_add_test(tc, test_relative);
	tcase_add_test(tc, test_basename);
	tcase_add_test(tc, test_dirname);
	suite_add_tcase(s, tc);
	return s;
}
