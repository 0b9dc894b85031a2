/*
 * test_listing.c - listing formats (daemon/session/listing.c): `ls -l`
 * lines, MLSx facts, MDTM times (any time a file system can hold), and
 * dirlist_read on a real directory.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../common/util.h"
#include "../../daemon/session/listing.h"
#include "suites.h"

/* 2023-11-14 22:13:20 UTC, the "now" of every ls line here. */
#define NOW ((time_t)1700000000)
#define DAY (24 * 3600)

static struct stat
make_stat(mode_t mode, nlink_t nlink, unsigned uid, unsigned gid,
    off_t size, time_t mtime)
{
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = mode;
	st.st_nlink = nlink;
	st.st_uid = uid;
	st.st_gid = gid;
	st.st_size = size;
	st.st_mtim.tv_sec = mtime;
	return st;
}

/* The ls line for st, without any other text in the buffer. */
static const char *
ls(struct strbuf *sb, const char *name, const struct stat *st,
    const char *target)
{
	sb_reset(sb);
	list_line_ls(sb, name, st, target, NOW);
	return sb_str(sb);
}

/* Just the mode column of the ls line. */
static const char *
ls_mode(struct strbuf *sb, mode_t mode)
{
	struct stat st = make_stat(mode, 1, 0, 0, 0, NOW);

	sb_reset(sb);
	list_line_ls(sb, "x", &st, NULL, NOW);
	ck_assert_uint_gt(sb->len, 10);
	sb->data[10] = '\0';
	return sb->data;
}

START_TEST(test_ls_file)
{
	struct strbuf sb;
	struct stat st;

	sb_init(&sb, 4096);
	st = make_stat(S_IFREG | 0644, 1, 1000, 100, 1234, NOW - DAY);
	ck_assert_str_eq(ls(&sb, "file.txt", &st, NULL),
	    "-rw-r--r--    1 1000     100              1234 Nov 13 22:13 "
	    "file.txt\r\n");
	st = make_stat(S_IFDIR | 0755, 2, 0, 0, 4096, NOW - DAY);
	ck_assert_str_eq(ls(&sb, "pub", &st, NULL),
	    "drwxr-xr-x    2 0        0                4096 Nov 13 22:13 "
	    "pub\r\n");
	st = make_stat(S_IFLNK | 0777, 1, 0, 0, 4, NOW - DAY);
	ck_assert_str_eq(ls(&sb, "link", &st, "../x"),
	    "lrwxrwxrwx    1 0        0                   4 Nov 13 22:13 "
	    "link -> ../x\r\n");
	/* Wide numbers are not cut. */
	st = make_stat(S_IFREG | 0600, 12345, 4000000000u, 65534,
	    (off_t)1099511627776LL, NOW - DAY);
	ck_assert_str_eq(ls(&sb, "big", &st, NULL),
	    "-rw------- 12345 4000000000 65534    1099511627776 Nov 13 22:13 "
	    "big\r\n");
	/* A name with spaces goes out as it is. */
	st = make_stat(S_IFREG | 0644, 1, 0, 0, 0, NOW - DAY);
	ck_assert_str_eq(ls(&sb, " a b ", &st, NULL),
	    "-rw-r--r--    1 0        0                   0 Nov 13 22:13 "
	    " a b \r\n");
	sb_free(&sb);
}
END_TEST

START_TEST(test_ls_modes)
{
	struct strbuf sb;

	sb_init(&sb, 4096);
	ck_assert_str_eq(ls_mode(&sb, S_IFREG | 0), "----------");
	ck_assert_str_eq(ls_mode(&sb, S_IFREG | 0777), "-rwxrwxrwx");
	ck_assert_str_eq(ls_mode(&sb, S_IFREG | 0421), "-r---w---x");
	ck_assert_str_eq(ls_mode(&sb, S_IFREG | 04755), "-rwsr-xr-x");
	ck_assert_str_eq(ls_mode(&sb, S_IFREG | 04644), "-rwSr--r--");
	ck_assert_str_eq(ls_mode(&sb, S_IFREG | 02755), "-rwxr-sr-x");
	ck_assert_str_eq(ls_mode(&sb, S_IFREG | 02745), "-rwxr-Sr-x");
	ck_assert_str_eq(ls_mode(&sb, S_IFDIR | 01777), "drwxrwxrwt");
	ck_assert_str_eq(ls_mode(&sb, S_IFDIR | 01770), "drwxrwx--T");
	ck_assert_str_eq(ls_mode(&sb, S_IFREG | 07777), "-rwsrwsrwt");
	ck_assert_str_eq(ls_mode(&sb, S_IFREG | 07000), "---S--S--T");
	ck_assert_str_eq(ls_mode(&sb, S_IFCHR | 0620), "crw--w----");
	ck_assert_str_eq(ls_mode(&sb, S_IFBLK | 0660), "brw-rw----");
	ck_assert_str_eq(ls_mode(&sb, S_IFIFO | 0644), "prw-r--r--");
	ck_assert_str_eq(ls_mode(&sb, S_IFSOCK | 0755), "srwxr-xr-x");
	sb_free(&sb);
}
END_TEST

START_TEST(test_ls_times)
{
	static const char head[] =
	    "-rw-r--r--    1 0        0                   0 ";
	static const struct {
		time_t t;
		const char *when;
	} cases[] = {
		{ NOW, "Nov 14 22:13" },
		{ NOW - DAY, "Nov 13 22:13" },
		{ NOW + 1800, "Nov 14 22:43" },		/* clock skew */
		{ NOW + 3600, "Nov 14 23:13" },
		{ NOW + 7200, "Nov 15  2023" },		/* the future */
		{ NOW - 182 * DAY, "May 16 22:13" },
		{ NOW - 182 * DAY - 1, "May 16  2023" },
		{ 978307200, "Jan  1  2001" },
		{ 951782400, "Feb 29  2000" },
		{ 0, "Jan  1  1970" },
	};
	struct strbuf sb;
	struct stat st;
	char want[128];
	size_t i;

	sb_init(&sb, 4096);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		st = make_stat(S_IFREG | 0644, 1, 0, 0, 0, cases[i].t);
		snprintf(want, sizeof(want), "%s%s f\r\n", head,
		    cases[i].when);
		ck_assert_str_eq(ls(&sb, "f", &st, NULL), want);
	}
	sb_free(&sb);
}
END_TEST

/* A read-only session running as uid/gid 999, and one with no rights. */
static const struct perm_ctx RO = { RIGHT_READ, 999, 999, -1u, -1u };
static const struct perm_ctx NONE = { 0, 999, 999, -1u, -1u };
static const struct perm_ctx RW = { RIGHT_READ | RIGHT_WRITE, 999, 999,
    -1u, -1u };

static const char *
perm_of(const struct stat *st, const struct stat *parent,
    const struct perm_ctx *pc, struct strbuf *sb)
{
	sb_reset(sb);
	list_line_mlsx(sb, "x", st, parent, mlsx_type(st), MLST_PERM, pc,
	    false);
	return sb_str(sb);
}

/* RFC 3659 §7.5.5: the letters that change the tree, for a writer only,
 * from the object's mode and its directory's. */
START_TEST(test_mlsx_perm_letters)
{
	struct strbuf sb;
	struct stat own_file, own_dir, ro_file, ro_dir, others_dir;

	sb_init(&sb, 256);
	own_file = make_stat(S_IFREG | 0644, 1, 999, 999, 1, NOW);
	own_dir = make_stat(S_IFDIR | 0755, 2, 999, 999, 4096, NOW);
	ro_file = make_stat(S_IFREG | 0444, 1, 999, 999, 1, NOW);
	ro_dir = make_stat(S_IFDIR | 0555, 2, 999, 999, 4096, NOW);
	others_dir = make_stat(S_IFDIR | 0755, 2, 0, 0, 4096, NOW);

	ck_assert_str_eq(perm_of(&own_file, &own_dir, &RW, &sb),
	    "perm=adfrw; x");
	ck_assert_str_eq(perm_of(&own_dir, &own_dir, &RW, &sb),
	    "perm=cdeflmp; x");
	/* Read-only modes: no a/w for the file, no c/m/p for the dir. */
	ck_assert_str_eq(perm_of(&ro_file, &own_dir, &RW, &sb),
	    "perm=dfr; x");
	ck_assert_str_eq(perm_of(&ro_dir, &own_dir, &RW, &sb),
	    "perm=defl; x");
	/* In a directory we may not write: no d/f; unknown parent: none. */
	ck_assert_str_eq(perm_of(&own_file, &others_dir, &RW, &sb),
	    "perm=arw; x");
	ck_assert_str_eq(perm_of(&own_file, NULL, &RW, &sb),
	    "perm=arw; x");
	/* A read-only session never gets them, whatever the modes. */
	ck_assert_str_eq(perm_of(&own_file, &own_dir, &RO, &sb),
	    "perm=r; x");
	ck_assert_str_eq(perm_of(&own_dir, &own_dir, &RO, &sb),
	    "perm=el; x");
	sb_free(&sb);
}
END_TEST

START_TEST(test_mlsx)
{
	struct strbuf sb;
	struct stat file, dir, link;

	sb_init(&sb, 4096);
	file = make_stat(S_IFREG | 0644, 1, 0, 0, 1234, NOW);
	dir = make_stat(S_IFDIR | 0755, 2, 0, 0, 4096, NOW);
	link = make_stat(S_IFLNK | 0777, 1, 0, 0, 3, NOW);

	list_line_mlsx(&sb, "file.txt", &file, NULL, mlsx_type(&file),
	    MLST_FACTS_ALL, &RO, true);
	ck_assert_str_eq(sb_str(&sb), "type=file;size=1234;"
	    "modify=20231114221320;perm=r;unix.mode=0644; file.txt\r\n");
	sb_reset(&sb);
	/* No size for a directory, and its own perm letters. */
	list_line_mlsx(&sb, "pub", &dir, NULL, mlsx_type(&dir), MLST_FACTS_ALL,
	    &RO, true);
	ck_assert_str_eq(sb_str(&sb), "type=dir;modify=20231114221320;"
	    "perm=el;unix.mode=0755; pub\r\n");
	sb_reset(&sb);
	list_line_mlsx(&sb, "pub", &dir, NULL, "cdir", MLST_TYPE | MLST_SIZE,
	    &RO, true);
	ck_assert_str_eq(sb_str(&sb), "type=cdir; pub\r\n");
	sb_reset(&sb);
	list_line_mlsx(&sb, "f", &file, NULL, "file", MLST_PERM, &NONE, false);
	ck_assert_str_eq(sb_str(&sb), "perm=; f");
	sb_reset(&sb);
	/* Only the selected facts, in the fixed order; no CRLF for MLST. */
	list_line_mlsx(&sb, "file.txt", &file, NULL, "file", MLST_SIZE | MLST_TYPE,
	    &RO, false);
	ck_assert_str_eq(sb_str(&sb), "type=file;size=1234; file.txt");
	sb_reset(&sb);
	list_line_mlsx(&sb, "file.txt", &file, NULL, "file", MLST_MODIFY,
	    &RO, true);
	ck_assert_str_eq(sb_str(&sb), "modify=20231114221320; file.txt\r\n");
	sb_reset(&sb);
	list_line_mlsx(&sb, "file.txt", &file, NULL, "file", 0, &RO, false);
	ck_assert_str_eq(sb_str(&sb), " file.txt");
	sb_reset(&sb);
	/* unix.mode is the permission bits in octal, type bits stripped. */
	file.st_mode = S_IFREG | 04755;
	list_line_mlsx(&sb, "suid", &file, NULL, "file", MLST_UNIX_MODE,
	    &RO, false);
	ck_assert_str_eq(sb_str(&sb), "unix.mode=04755; suid");
	sb_reset(&sb);
	file.st_mode = S_IFREG | 0640;
	list_line_mlsx(&sb, "g", &file, NULL, "file", MLST_UNIX_MODE, &RO,
	    false);
	ck_assert_str_eq(sb_str(&sb), "unix.mode=0640; g");
	sb_reset(&sb);
	list_line_mlsx(&sb, "l", &link, NULL, mlsx_type(&link),
	    MLST_TYPE | MLST_SIZE, &RO, false);
	ck_assert_str_eq(sb_str(&sb), "type=OS.unix=symlink;size=3; l");
	sb_free(&sb);
}
END_TEST

/* perm letters follow the object's mode for the session's ids. */
START_TEST(test_mlsx_perm)
{
	static const struct {
		mode_t mode;
		unsigned uid, gid;
		const char *want;
	} cases[] = {
		{ S_IFREG | 0644, 0, 0, "perm=r; x" },		/* others read */
		{ S_IFREG | 0600, 0, 0, "perm=; x" },		/* root's only */
		{ S_IFREG | 0600, 999, 0, "perm=r; x" },	/* our own */
		{ S_IFREG | 0640, 0, 999, "perm=r; x" },	/* our group */
		{ S_IFREG | 0604, 0, 999, "perm=; x" },		/* group denies */
		{ S_IFDIR | 0755, 0, 0, "perm=el; x" },
		{ S_IFDIR | 0711, 0, 0, "perm=e; x" },		/* search only */
		{ S_IFDIR | 0744, 0, 0, "perm=; x" },		/* no search */
		{ S_IFDIR | 0700, 999, 999, "perm=el; x" },
	};
	struct strbuf sb;
	size_t i;

	sb_init(&sb, 256);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct stat st = make_stat(cases[i].mode, 1, cases[i].uid,
		    cases[i].gid, 0, NOW);

		sb_reset(&sb);
		list_line_mlsx(&sb, "x", &st, NULL, mlsx_type(&st), MLST_PERM, &RO,
		    false);
		ck_assert_msg(strcmp(sb_str(&sb), cases[i].want) == 0,
		    "case %zu: got '%s', want '%s'", i, sb_str(&sb),
		    cases[i].want);
	}
	sb_free(&sb);
}
END_TEST

/*
 * In its own user namespace a session running as 65534 sees the owners
 * the kernel cannot map as 65534 too: they are not its own.
 */
START_TEST(test_mlsx_perm_unmapped_owner)
{
	static const struct perm_ctx nobody = { RIGHT_READ, 65534, 65534,
	    65534, 65534 };
	struct strbuf sb;
	struct stat st = make_stat(S_IFREG | 0600, 1, 65534, 65534, 0, NOW);

	sb_init(&sb, 256);
	list_line_mlsx(&sb, "x", &st, NULL, "file", MLST_PERM, &nobody, false);
	ck_assert_str_eq(sb_str(&sb), "perm=; x");
	sb_reset(&sb);
	st.st_mode = S_IFREG | 0604;
	list_line_mlsx(&sb, "x", &st, NULL, "file", MLST_PERM, &nobody, false);
	ck_assert_str_eq(sb_str(&sb), "perm=r; x");
	sb_free(&sb);
}
END_TEST

START_TEST(test_mlsx_type)
{
	static const struct {
		mode_t mode;
		const char *type;
	} t[] = {
		{ S_IFREG | 0644, "file" },
		{ S_IFDIR | 0755, "dir" },
		{ S_IFLNK | 0777, "OS.unix=symlink" },
		{ S_IFCHR | 0600, "OS.unix=chr" },
		{ S_IFBLK | 0600, "OS.unix=blk" },
		{ S_IFIFO | 0600, "OS.unix=fifo" },
		{ S_IFSOCK | 0600, "OS.unix=socket" },
	};
	struct stat st;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		st = make_stat(t[i].mode, 1, 0, 0, 0, NOW);
		ck_assert_str_eq(mlsx_type(&st), t[i].type);
	}
}
END_TEST

START_TEST(test_facts_parse)
{
	ck_assert_uint_eq(mlst_facts_parse(""), 0);
	ck_assert_uint_eq(mlst_facts_parse("type;size;"),
	    MLST_TYPE | MLST_SIZE);
	ck_assert_uint_eq(mlst_facts_parse("TYPE;Modify;UNIX.mode"),
	    MLST_TYPE | MLST_MODIFY | MLST_UNIX_MODE);
	ck_assert_uint_eq(mlst_facts_parse("foo;perm;bar;"), MLST_PERM);
	ck_assert_uint_eq(mlst_facts_parse("types;siz;perms;unix"), 0);
	ck_assert_uint_eq(mlst_facts_parse(";;type;;"), MLST_TYPE);
	ck_assert_uint_eq(mlst_facts_parse("unix.mode;unix.group;unix.owner"),
	    MLST_UNIX_MODE);
	ck_assert_uint_eq(mlst_facts_parse("type;size;modify;perm;unix.mode;"),
	    MLST_FACTS_ALL);
	ck_assert_uint_eq(mlst_facts_parse("size"), MLST_SIZE);
}
END_TEST

START_TEST(test_facts_text)
{
	struct strbuf sb;

	sb_init(&sb, 4096);
	mlst_facts_text(MLST_FACTS_ALL, true, &sb);
	ck_assert_str_eq(sb_str(&sb), "type*;size*;modify*;perm*;unix.mode*;");
	sb_reset(&sb);
	mlst_facts_text(MLST_TYPE | MLST_PERM, true, &sb);
	ck_assert_str_eq(sb_str(&sb), "type*;size;modify;perm*;unix.mode;");
	sb_reset(&sb);
	mlst_facts_text(MLST_TYPE | MLST_PERM, false, &sb);
	ck_assert_str_eq(sb_str(&sb), "type;perm;");
	sb_reset(&sb);
	mlst_facts_text(0, false, &sb);
	ck_assert_str_eq(sb_str(&sb), "");
	sb_reset(&sb);
	mlst_facts_text(0, true, &sb);
	ck_assert_str_eq(sb_str(&sb), "type;size;modify;perm;unix.mode;");
	sb_reset(&sb);
	/* What OPTS MLST reports back parses to the same selection. */
	mlst_facts_text(MLST_SIZE | MLST_UNIX_MODE, false, &sb);
	ck_assert_uint_eq(mlst_facts_parse(sb_str(&sb)),
	    MLST_SIZE | MLST_UNIX_MODE);
	sb_free(&sb);
}
END_TEST

START_TEST(test_mdtm)
{
	char out[MDTM_BUF];

	format_mdtm(0, out);
	ck_assert_str_eq(out, "19700101000000");
	format_mdtm(NOW, out);
	ck_assert_str_eq(out, "20231114221320");
	format_mdtm(951782400, out);
	ck_assert_str_eq(out, "20000229000000");
	format_mdtm(1234567890, out);
	ck_assert_str_eq(out, "20090213233130");
	format_mdtm((time_t)253402300799LL, out);
	ck_assert_str_eq(out, "99991231235959");
	ck_assert(format_mdtm(-62167219200LL, out));	/* 0000-01-01 */
	ck_assert_str_eq(out, "00000101000000");
}
END_TEST

/*
 * MDTM's calendar is computed by arithmetic: it must agree with the C
 * library's gmtime_r across years 0..9999: every 97th day (which reaches
 * every day of the month and of the year many times over), every day of
 * the years around 0, 1900, 2000 and 2100, and 9999 (centuries leap or
 * not), each at a different time of day and at both ends of the day.
 */
static long long
step(long long t)
{
	static const long long dense[][2] = {
		{ -62167219200LL, -62072611200LL },	/* 0000..0002 */
		{ -2240524800LL, -2145916800LL },	/* 1899..1901 */
		{ 915148800LL, 1009843200LL },		/* 1999..2001 */
		{ 4070908800LL, 4165603200LL },		/* 2099..2101 */
		{ 253370764800LL, 253402300800LL },	/* 9999 */
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dense); i++)
		if (t >= dense[i][0] && t < dense[i][1])
			return DAY;
	return 97 * DAY;
}

START_TEST(test_mdtm_agrees_with_gmtime)
{
	const long long first = -62167219200LL, last = 253402300799LL;
	char out[MDTM_BUF], want[MDTM_BUF];
	long long day;
	unsigned seed = 12345;

	for (day = first; day <= last; day += step(day)) {
		long long ts[3];
		size_t i;

		seed = seed * 1103515245u + 12345u;
		ts[0] = day + (long long)(seed % DAY);
		ts[1] = day;
		ts[2] = day + DAY - 1;
		for (i = 0; i < ARRAY_SIZE(ts); i++) {
			time_t t = (time_t)ts[i];
			struct tm tm;

			ck_assert(gmtime_r(&t, &tm) != NULL);
			snprintf(want, sizeof(want), "%04d%02d%02d%02d%02d%02d",
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			    tm.tm_hour, tm.tm_min, tm.tm_sec);
			ck_assert(format_mdtm(t, out));
			if (strcmp(out, want) != 0)
				ck_abort_msg("time %lld: %s, gmtime_r %s",
				    ts[i], out, want);
		}
	}
}
END_TEST

/*
 * Times with no four-digit year, and times gmtime_r cannot convert at
 * all (tmpfs and btrfs keep 2^62 s): MDTM has no answer, MLSx leaves the
 * fact out, ls lines show the nearest date that exists.
 */
static const time_t odd_times[] = {
	(time_t)1 << 62, INT64_MAX, INT64_MIN, -((time_t)1 << 62),
	(time_t)253402300800LL,		/* 10000-01-01 */
	-62167219201LL,			/* the second before year 0 */
	(time_t)67767976233532799LL,	/* the last second gmtime_r knows */
};

START_TEST(test_mdtm_out_of_range)
{
	char out[MDTM_BUF];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(odd_times); i++) {
		memset(out, 'X', sizeof(out));
		ck_assert_msg(!format_mdtm(odd_times[i], out), "time %lld",
		    (long long)odd_times[i]);
		ck_assert_str_eq(out, "");
	}
}
END_TEST

START_TEST(test_ls_out_of_range)
{
	struct strbuf sb;
	size_t i;

	sb_init(&sb, 4096);
	for (i = 0; i < ARRAY_SIZE(odd_times); i++) {
		struct stat st = make_stat(S_IFREG | 0644, 1, 0, 0, 5,
		    odd_times[i]);
		const char *want = odd_times[i] < 0 ? "Jan  1     0 f\r\n" :
		    "Dec 31  9999 f\r\n";
		const char *line = ls(&sb, "f", &st, NULL);

		ck_assert_msg(strlen(line) > strlen(want) && strcmp(line +
		    strlen(line) - strlen(want), want) == 0,
		    "time %lld: %s", (long long)odd_times[i], line);
	}
	sb_free(&sb);
}
END_TEST

START_TEST(test_mlsx_out_of_range)
{
	struct perm_ctx pc = { RIGHT_READ, 0, 0, -1u, -1u };
	struct strbuf sb;
	size_t i;

	sb_init(&sb, 4096);
	for (i = 0; i < ARRAY_SIZE(odd_times); i++) {
		struct stat st = make_stat(S_IFREG | 0644, 1, 0, 0, 5,
		    odd_times[i]);

		sb_reset(&sb);
		list_line_mlsx(&sb, "f", &st, NULL, "file", MLST_FACTS_ALL, &pc,
		    true);
		ck_assert_str_eq(sb_str(&sb), "type=file;size=5;perm=r;"
		    "unix.mode=0644; f\r\n");
	}
	sb_free(&sb);
}
END_TEST

/* ---- dirlist_read on a real directory ---- */

static char tmpdir[64];
static const char *const files[] = {
	"b.txt", "a.iso", "C", ".hidden", "Z.txt", "..x", "[x]",
};

static void
mkpath(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", tmpdir, name);
}

static void
dir_setup(void)
{
	char p[128];
	size_t i;
	int fd;

	str_copy(tmpdir, sizeof(tmpdir), "/tmp/sandftpd-unit-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		mkpath(p, sizeof(p), files[i]);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	mkpath(p, sizeof(p), "sub");
	ck_assert_int_eq(mkdir(p, 0755), 0);
}

static void
dir_teardown(void)
{
	char p[128], name[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		mkpath(p, sizeof(p), files[i]);
		unlink(p);
	}
	for (i = 0; i < 600; i++) {
		snprintf(name, sizeof(name), "sub/f%03zu", i);
		mkpath(p, sizeof(p), name);
		unlink(p);
	}
	mkpath(p, sizeof(p), "sub");
	rmdir(p);
	rmdir(tmpdir);
}

/* Read tmpdir with these flags and pattern; compare with want (names
 * joined by '/', in order). */
static void
expect_dir(unsigned flags, const char *pattern, const char *want)
{
	struct dirlist dl;
	struct strbuf got;
	size_t i;
	int fd;

	fd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dirlist_read(fd, &dl, flags, pattern), 0);
	close(fd);
	sb_init(&got, 4096);
	for (i = 0; i < dl.n; i++)
		sb_appendf(&got, "%s%s", i ? "/" : "", dirlist_name(&dl, i));
	ck_assert_msg(strcmp(sb_str(&got), want) == 0,
	    "flags %u pattern %s: got %s, want %s", flags,
	    pattern ? pattern : "(none)", sb_str(&got), want);
	sb_free(&got);
	dirlist_free(&dl);
	ck_assert_uint_eq(dl.n, 0);
	ck_assert_ptr_null(dl.off);
}

START_TEST(test_dirlist)
{
	expect_dir(0, NULL, "C/Z.txt/[x]/a.iso/b.txt/sub");
	expect_dir(DIRLIST_HIDDEN, NULL,
	    "..x/.hidden/C/Z.txt/[x]/a.iso/b.txt/sub");
	expect_dir(DIRLIST_DOTDOT, NULL, "./../C/Z.txt/[x]/a.iso/b.txt/sub");
	expect_dir(DIRLIST_HIDDEN | DIRLIST_DOTDOT, NULL,
	    "./../..x/.hidden/C/Z.txt/[x]/a.iso/b.txt/sub");
}
END_TEST

START_TEST(test_dirlist_pattern)
{
	expect_dir(0, "*.txt", "Z.txt/b.txt");
	expect_dir(0, "*", "C/Z.txt/[x]/a.iso/b.txt/sub");
	/* Dot files only for a pattern that starts with a dot, and never
	 * "." or "..". */
	expect_dir(DIRLIST_HIDDEN | DIRLIST_DOTDOT, "*",
	    "C/Z.txt/[x]/a.iso/b.txt/sub");
	expect_dir(DIRLIST_DOTDOT, ".*", "..x/.hidden");
	expect_dir(0, ".h*", ".hidden");
	expect_dir(0, "[ab]*", "a.iso/b.txt");
	expect_dir(0, "[!ab]*", "C/Z.txt/[x]/sub");
	expect_dir(0, "?", "C");
	expect_dir(0, "\\[x]", "[x]");
	expect_dir(0, "nothing*", "");
	expect_dir(0, "sub", "sub");
}
END_TEST

START_TEST(test_dirlist_many)
{
	char p[128], name[32];
	struct dirlist dl;
	int i, fd;
	size_t j;

	/* More than one allocation step of names and offsets. */
	for (i = 599; i >= 0; i--) {
		snprintf(name, sizeof(name), "sub/f%03d", i);
		mkpath(p, sizeof(p), name);
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		ck_assert_int_ge(fd, 0);
		close(fd);
	}
	mkpath(p, sizeof(p), "sub");
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dirlist_read(fd, &dl, 0, NULL), 0);
	close(fd);
	ck_assert_uint_eq(dl.n, 600);
	for (j = 0; j < dl.n; j++) {
		snprintf(name, sizeof(name), "f%03zu", j);
		ck_assert_str_eq(dirlist_name(&dl, j), name);
	}
	dirlist_free(&dl);
}
END_TEST

START_TEST(test_dirlist_add)
{
	struct dirlist dl;

	memset(&dl, 0, sizeof(dl));
	sb_init(&dl.names, 16);
	ck_assert_int_eq(dirlist_add(&dl, "one"), 0);
	ck_assert_int_eq(dirlist_add(&dl, "two"), 0);
	ck_assert_uint_eq(dl.n, 2);
	ck_assert_str_eq(dirlist_name(&dl, 0), "one");
	ck_assert_str_eq(dirlist_name(&dl, 1), "two");
	/* The names buffer is bounded: 8 bytes used, 8 left. */
	ck_assert_int_eq(dirlist_add(&dl, "seven77"), 0);
	ck_assert_int_eq(dirlist_add(&dl, "x"), -1);
	ck_assert_uint_eq(dl.n, 3);
	dirlist_free(&dl);
}
END_TEST

Suite *
listing_suite(void)
{
	Suite *s = suite_create("listing");
	TCase *tc = tcase_create("formats");

	tcase_add_test(tc, test_ls_file);
	tcase_add_test(tc, test_ls_modes);
	tcase_add_test(tc, test_ls_times);
	tcase_add_test(tc, test_mlsx);
	tcase_add_test(tc, test_mlsx_perm_letters);
	tcase_add_test(tc, test_mlsx_perm);
	tcase_add_test(tc, test_mlsx_type);
	tcase_add_test(tc, test_facts_parse);
	tcase_add_test(tc, test_facts_text);
	tcase_add_test(tc, test_mdtm);
	tcase_add_test(tc, test_mlsx_perm_unmapped_owner);
	tcase_add_test(tc, test_mdtm_out_of_range);
	tcase_add_test(tc, test_mdtm_agrees_with_gmtime);
	tcase_add_test(tc, test_ls_out_of_range);
	tcase_add_test(tc, test_mlsx_out_of_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("dirlist");
	tcase_add_unchecked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, test_dirlist);
	tcase_add_test(tc, test_dirlist_pattern);
	tcase_add_test(tc, test_dirlist_many);
	tcase_add_test(tc, test_dirlist_add);
	suite_add_tcase(s, tc);
	return s;
}
