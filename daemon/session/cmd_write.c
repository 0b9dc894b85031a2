/*
 * cmd_write.c - the commands that change the tree: STOR, STOU, APPE
 * (upload.c does the transfer), DELE, MKD, RMD, RNFR/RNTO, MFMT and
 * MDTM with a time, SITE CHMOD, SITE UMASK, SITE HELP.
 *
 * Each resolves its path and is authorised by fs_resolve() like every
 * other file command; the change itself is one *at() system call on the
 * parent directory, so the kernel checks the user's permissions there,
 * and the jail (chroot, Landlock) bounds it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "commands.h"
#include "fsaccess.h"
#include "upload.h"

void
cmd_stor(struct session *s, char *arg)
{
	upload_run(s, UPLOAD_STORE, arg);
}

void
cmd_appe(struct session *s, char *arg)
{
	s->rest = 0;		/* APPE appends, whatever REST said */
	upload_run(s, UPLOAD_APPEND, arg);
}

void
cmd_stou(struct session *s, char *arg)
{
	s->rest = 0;
	upload_run(s, UPLOAD_UNIQUE, *arg ? arg : "file");
}

/*
 * Resolve and authorise arg for op, then open its parent: the parent's
 * descriptor, with *name its last component, or -1 (replied).
 */
static int
resolve_parent(struct session *s, enum fs_op op, const char *arg,
    char vpath[VPATH_MAX], const char **name)
{
	int dirfd;

	if (command_path(s, op, arg, vpath) < 0)
		return -1;
	dirfd = fs_open_parent(s, vpath, name);
	if (dirfd < 0)
		reply(s, 550, "%s", fs_strerror(errno));
	return dirfd;
}

/* DELE and RMD: one unlinkat on the parent (flags: 0 or AT_REMOVEDIR). */
static void
remove_entry(struct session *s, enum fs_op op, const char *arg, int flags,
    const char *done)
{
	char vpath[VPATH_MAX];
	const char *name;
	int dirfd = resolve_parent(s, op, arg, vpath, &name);

	if (dirfd < 0)
		return;
	if (unlinkat(dirfd, name, flags) < 0)
		reply(s, 550, "%s", fs_strerror(errno));
	else
		reply(s, 250, "%s", done);
	sys_close(dirfd);
}

void
cmd_dele(struct session *s, char *arg)
{
	remove_entry(s, FS_DELETE, arg, 0, "File deleted.");
}

void
cmd_mkd(struct session *s, char *arg)
{
	char vpath[VPATH_MAX], quoted[2 * VPATH_MAX];
	const char *name;
	int dirfd = resolve_parent(s, FS_MKDIR, arg, vpath, &name);

	if (dirfd < 0)
		return;
	if (mkdirat(dirfd, name, 0777 & ~s->umask) < 0) {
		reply(s, 550, "%s", fs_strerror(errno));
	} else {
		/* RFC 959: 257 with the new directory's quoted path. */
		quote_path(vpath, quoted, sizeof(quoted));
		reply(s, 257, "\"%s\" created.", quoted);
	}
	sys_close(dirfd);
}

void
cmd_rmd(struct session *s, char *arg)
{
	remove_entry(s, FS_RMDIR, arg, AT_REMOVEDIR, "Directory removed.");
}

/* RNFR: remember an existing name for the RNTO that must come next
 * (the dispatcher forgets it when any other command comes between). */
void
cmd_rnfr(struct session *s, char *arg)
{
	char vpath[VPATH_MAX];
	struct stat st;
	const char *name;
	int dirfd = resolve_parent(s, FS_RENAME, arg, vpath, &name);

	if (dirfd < 0)
		return;
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		reply(s, 550, "%s", fs_strerror(errno));
	} else {
		str_copy(s->rename_from, sizeof(s->rename_from), vpath);
		reply(s, 350, "Ready for RNTO.");
	}
	sys_close(dirfd);
}

void
cmd_rnto(struct session *s, char *arg)
{
	char from[VPATH_MAX], vpath[VPATH_MAX];
	const char *from_name, *to_name;
	int from_dir, to_dir;

	if (s->rename_from[0] == '\0') {
		reply(s, 503, "RNFR required first.");
		return;
	}
	str_copy(from, sizeof(from), s->rename_from);
	s->rename_from[0] = '\0';
	to_dir = resolve_parent(s, FS_RENAME, arg, vpath, &to_name);
	if (to_dir < 0)
		return;
	from_dir = fs_open_parent(s, from, &from_name);
	if (from_dir < 0) {
		reply(s, 550, "%s", fs_strerror(errno));
	} else {
		if (renameat(from_dir, from_name, to_dir, to_name) < 0)
			reply(s, 550, "%s", fs_strerror(errno));
		else
			reply(s, 250, "Renamed.");
		sys_close(from_dir);
	}
	sys_close(to_dir);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static unsigned
digits(const char *p, int n)
{
	unsigned v = 0;

	while (n-- > 0)
		v = v * 10 + (unsigned)(*p++ - '0');
	return v;
}

/*
 * "YYYYMMDDHHMMSS[.s...]" (UTC) to a time; the end of the stamp in
 * *end.  -1 when it is not a valid date and time.
 */
static int
parse_stamp(const char *p, struct timespec *ts, const char **end)
{
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30,
	    31, 30, 31 };
	unsigned y, mo, d, h, mi, sec, i;
	long ns = 0, scale = 100000000;

	for (i = 0; i < 14; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	y = digits(p, 4);
	mo = digits(p + 4, 2);
	d = digits(p + 6, 2);
	h = digits(p + 8, 2);
	mi = digits(p + 10, 2);
	sec = digits(p + 12, 2);
	p += 14;
	if (*p == '.') {
		for (p++, i = 0; *p >= '0' && *p <= '9'; p++, i++)
			if (i < 9) {
				ns += (*p - '0') * scale;
				scale /= 10;
			}
		if (i == 0)
			return -1;
	}
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 ||
	    y % 400 == 0)))
		return -1;
	ts->tv_sec = (time_t)(days_from_civil(y, mo, d) * 86400 +
	    h * 3600 + mi * 60 + (sec == 60 ? 59 : sec));
	ts->tv_nsec = ns;
	*end = p;
	return 0;
}

/*
 * MFMT YYYYMMDDHHMMSS[.sss] path (draft-somers-ftp-mfxx): set the
 * modification time; 213 with the time set.  Also "MDTM time path".
 */
void
cmd_mfmt(struct session *s, char *arg)
{
	struct timespec times[2];
	char vpath[VPATH_MAX], stamp[32];
	const char *end, *name;
	int dirfd;

	if (parse_stamp(arg, &times[1], &end) < 0 || *end != ' ' ||
	    end[1] == '\0') {
		reply(s, 501, "Usage: MFMT YYYYMMDDHHMMSS path (UTC).");
		return;
	}
	str_copy_n(stamp, sizeof(stamp), arg, 14);
	dirfd = resolve_parent(s, FS_SETTIME, end + 1, vpath, &name);
	if (dirfd < 0)
		return;
	times[0].tv_sec = 0;
	times[0].tv_nsec = UTIME_OMIT;	/* the access time stays */
	if (utimensat(dirfd, name, times, AT_SYMLINK_NOFOLLOW) < 0)
		reply(s, 550, "%s", fs_strerror(errno));
	else
		reply(s, 213, "Modify=%s; %s", stamp, vpath);
	sys_close(dirfd);
}

static void
site_chmod(struct session *s, char *rest)
{
	char vpath[VPATH_MAX], *path = strchr(rest, ' ');
	const char *name;
	uint64_t mode;
	int dirfd;

	if (path == NULL || path[1] == '\0') {
		reply(s, 501, "Usage: SITE CHMOD <mode> <path>");
		return;
	}
	*path++ = '\0';
	/* Permission bits only: no setuid, setgid or sticky bit. */
	if (parse_octal(rest, 0777, &mode) < 0) {
		reply(s, 501, "The mode must be octal, from 0 to 777.");
		return;
	}
	dirfd = resolve_parent(s, FS_CHMOD, path, vpath, &name);
	if (dirfd < 0)
		return;
	if (fchmodat(dirfd, name, (mode_t)mode, 0) < 0)
		reply(s, 550, "%s", fs_strerror(errno));
	else
		reply(s, 200, "SITE CHMOD command ok.");
	sys_close(dirfd);
}

static void
site_umask(struct session *s, char *rest)
{
	uint64_t mask;

	if (*rest == '\0') {
		reply(s, 200, "Your current UMASK is %03o.", s->umask);
		return;
	}
	if (parse_octal(rest, 0777, &mask) < 0) {
		reply(s, 501, "The umask must be octal, from 0 to 777.");
		return;
	}
	s->umask = (unsigned)mask;
	reply(s, 200, "UMASK set to %03o.", s->umask);
}

void
cmd_site(struct session *s, char *arg)
{
	char *sp = strchr(arg, ' ');
	char *rest = sp ? sp + 1 : arg + strlen(arg);
	bool writer = (s->perm.rights & RIGHT_WRITE) != 0;

	if (sp)
		*sp = '\0';
	str_upper(arg);
	if (strcmp(arg, "HELP") == 0) {
		reply(s, 214, "SITE commands: %s", writer ?
		    "CHMOD UMASK HELP" : "HELP");
	} else if (strcmp(arg, "CHMOD") == 0) {
		site_chmod(s, rest);
	} else if (strcmp(arg, "UMASK") == 0 && writer) {
		site_umask(s, rest);
	} else if (strcmp(arg, "UMASK") == 0) {
		reply(s, 550, "Permission denied.");
	} else {
		reply(s, 500, "Unknown SITE command.");
	}
}
