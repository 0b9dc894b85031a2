/*
 * test_userdb.c - the virtual users file (daemon/master/userdb.c): one
 * line's fields and every way a line is refused, and a whole file with
 * bad lines skipped (with FILE:LINE) and a duplicate name kept once.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../daemon/master/userdb.h"
#include "suites.h"

#define HASH "$y$j9T$abcdefghijklmnop$0123456789abcdefghijklmnopqrstuvwxyzABCDE"

static int
parse(const char *text, struct vuser *v, const char **why)
{
	static char line[1024];

	str_copy(line, sizeof(line), text);
	*why = NULL;
	return userdb_parse_line(line, v, why);
}

START_TEST(test_good_line)
{
	struct vuser v;
	const char *why;

	ck_assert_int_eq(parse("alice:" HASH ":www-data:/srv/ftp/alice:rw\n",
	    &v, &why), 0);
	ck_assert_str_eq(v.name, "alice");
	ck_assert_str_eq(v.hash, HASH);
	ck_assert_str_eq(v.account, "www-data");
	ck_assert_str_eq(v.root, "/srv/ftp/alice");
	ck_assert(v.writable);
	ck_assert_int_eq(parse("bob:$6$salt$xyz./ab:ftpdata:/srv/b:ro", &v,
	    &why), 0);
	ck_assert(!v.writable);
	/* Names are bytes: a legacy code page's name is a name. */
	ck_assert_int_eq(parse("\xb2\xe2\xca\xd4:" HASH ":u:/r:ro", &v, &why),
	    0);
	ck_assert_int_eq(parse("", &v, &why), 1);
	ck_assert_int_eq(parse("  # a comment", &v, &why), 1);
	ck_assert_int_eq(parse("\n", &v, &why), 1);
}
END_TEST

static void
expect_refused(const char *line, const char *part)
{
	struct vuser v;
	const char *why;

	ck_assert_int_eq(parse(line, &v, &why), -1);
	ck_assert_msg(why && strstr(why, part), "'%s': reason '%s'", line,
	    why ? why : "(none)");
}

START_TEST(test_bad_lines)
{
	expect_refused("alice:" HASH ":u:/r", "five fields");
	expect_refused("alice:" HASH ":u:/r:rw:x", "five fields");
	expect_refused(":" HASH ":u:/r:rw", "name");
	expect_refused("al ice:" HASH ":u:/r:rw", "name");
	expect_refused("anonymous:" HASH ":u:/r:rw", "anonymous");
	expect_refused("FTP:" HASH ":u:/r:rw", "anonymous");
	expect_refused("alice:$1$md5$abcdefgh:u:/r:rw", "yescrypt");
	expect_refused("alice:plaintext:u:/r:rw", "yescrypt");
	expect_refused("alice:$y$x y:u:/r:rw", "yescrypt");
	expect_refused("alice:" HASH ":root:/r:rw", "root");
	expect_refused("alice:" HASH ":-u:/r:rw", "account");
	expect_refused("alice:" HASH ":u:relative:rw", "absolute");
	expect_refused("alice:" HASH ":u:/r:RW", "rw or ro");
}
END_TEST

START_TEST(test_file)
{
	char path[] = "/tmp/sandftpd-userdb-XXXXXX";
	struct config cf;
	struct strbuf errs;
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	const struct vuser *v;

	ck_assert_ptr_nonnull(f);
	fprintf(f, "# users\n"
	    "carol:" HASH ":u1:/srv/c:rw\n"
	    "dave:nohash:u2:/srv/d:rw\n"
	    "carol:" HASH ":u3:/srv/c2:ro\n"
	    "erin:" HASH ":u4:/srv/e:ro\n");
	fclose(f);
	config_defaults(&cf);
	str_copy(cf.user_db, sizeof(cf.user_db), path);
	sb_init(&errs, 4096);
	ck_assert_int_eq(userdb_init(&cf, &errs), 0);
	ck_assert_uint_eq(userdb_count(), 2);
	v = userdb_find("carol");
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v->account, "u1");	/* the first line wins */
	ck_assert_ptr_nonnull(userdb_find("erin"));
	ck_assert_ptr_null(userdb_find("dave"));
	ck_assert_ptr_null(userdb_find("Carol"));
	ck_assert_msg(strstr(sb_str(&errs), ":3: ") != NULL &&
	    strstr(sb_str(&errs), ":4: a second line for 'carol'") != NULL,
	    "errors: %s", sb_str(&errs));
	sb_free(&errs);
	unlink(path);
}
END_TEST

Suite *
userdb_suite(void)
{
	Suite *s = suite_create("userdb");
	TCase *tc = tcase_create("userdb");

	tcase_add_test(tc, test_good_line);
	tcase_add_test(tc, test_bad_lines);
	tcase_add_test(tc, test_file);
	suite_add_tcase(s, tc);
	return s;
}
