/*
 * listing.c - reading directories with getdents64 into one sorted name
 * array, and the `ls -l` and RFC 3659 line formats.  Times are UTC (a
 * jailed child has no time zone files).  Owners are shown as numbers.
 * Any time a file system can hold formats safely: one outside the years
 * 0..9999 is clamped for `ls -l` lines and left out of MLSx facts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/sys.h"
#include "fsaccess.h"
#include "idlemem.h"
#include "listing.h"
#include "owners.h"
#include "wildcard.h"

struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static const char *const months[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static bool
wanted(const char *name, unsigned flags, const char *pattern)
{
	bool dotdot = strcmp(name, ".") == 0 || strcmp(name, "..") == 0;

	if (fs_is_upload_temp(name))
		return false;	/* an upload in progress (fsaccess.h) */
	if (pattern) {
		if (dotdot)
			return false;
		if (name[0] == '.' && pattern[0] != '.')
			return false;
		return wildcard_match(pattern, name);
	}
	if (dotdot)
		return (flags & DIRLIST_DOTDOT) != 0;
	if (name[0] == '.')
		return (flags & DIRLIST_HIDDEN) != 0;
	return true;
}

int
dirlist_add(struct dirlist *dl, const char *name)
{
	if (dl->n == dl->cap) {
		size_t ncap = dl->cap ? dl->cap * 2 : 256;
		size_t *p;

		if (ncap > DIRLIST_MAX_ENTRIES) {
			errno = E2BIG;
			return -1;
		}
		p = realloc(dl->off, ncap * sizeof(*p));
		if (p == NULL)
			return -1;
		dl->off = p;
		dl->cap = ncap;
	}
	dl->off[dl->n] = dl->names.len;
	if (sb_append(&dl->names, name, strlen(name) + 1) < 0) {
		errno = E2BIG;
		return -1;
	}
	dl->n++;
	return 0;
}

/*
 * Bottom-up merge sort of the name offsets, bytewise.  Our own: glibc's
 * qsort asks the kernel for the machine's memory size (sysinfo) on large
 * arrays, which no sandboxed child may do.  Returns 0 or -1 (no memory).
 */
static int
sort_names(size_t *off, size_t n, const char *names)
{
	size_t *tmp, *src = off, *dst, width, i;

	if (n < 2)
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	if (tmp == NULL)
		return -1;
	dst = tmp;
	for (width = 1; width < n; width *= 2) {
		for (i = 0; i < n; i += 2 * width) {
			size_t lo = i, mid = i + width < n ? i + width : n;
			size_t hi = i + 2 * width < n ? i + 2 * width : n;
			size_t a = lo, b = mid, o = lo;

			while (a < mid && b < hi)
				dst[o++] = strcmp(names + src[a],
				    names + src[b]) <= 0 ? src[a++] : src[b++];
			while (a < mid)
				dst[o++] = src[a++];
			while (b < hi)
				dst[o++] = src[b++];
		}
		size_t *t = src;

		src = dst;
		dst = t;
	}
	if (src != off)
		memcpy(off, src, n * sizeof(*off));
	free(tmp);
	return 0;
}

int
dirlist_read(int dirfd, struct dirlist *dl, unsigned flags,
    const char *pattern)
{
	static char buf[64 * 1024];
	ssize_t n, pos;

	idlemem_scratch(buf, sizeof(buf));
	memset(dl, 0, sizeof(*dl));
	sb_init(&dl->names, DIRLIST_MAX_BYTES);
	while ((n = sys_getdents64(dirfd, buf, sizeof(buf))) > 0) {
		for (pos = 0; pos < n;) {
			struct linux_dirent64 *d = (void *)(buf + pos);

			pos += d->d_reclen;
			if (wanted(d->d_name, flags, pattern) &&
			    dirlist_add(dl, d->d_name) < 0)
				return -1;
		}
	}
	if (n < 0)
		return -1;
	return sort_names(dl->off, dl->n, dl->names.data);
}

void
dirlist_free(struct dirlist *dl)
{
	sb_free(&dl->names);
	free(dl->off);
	dl->off = NULL;
	dl->n = dl->cap = 0;
}

const char *
dirlist_name(const struct dirlist *dl, size_t i)
{
	return dl->names.data + dl->off[i];
}

/*
 * The fields of one listing line are built in a small buffer of their
 * own and go to the output in a few appends, with the name: a line is a
 * dozen fields, and the printf family, then an append per field, were
 * most of a 10,000-entry listing's time outside the kernel.  A field that
 * would not fit is cut (the fixed fields of a line take under 120 bytes).
 */
struct fields {
	char b[256];
	size_t n;
};

static void
put(struct fields *f, const char *s, size_t len)
{
	if (len > sizeof(f->b) - f->n)
		len = sizeof(f->b) - f->n;
	memcpy(f->b + f->n, s, len);
	f->n += len;
}

static void
put_char(struct fields *f, char c)
{
	if (f->n < sizeof(f->b))
		f->b[f->n++] = c;
}

/* v in base 8 or 10, padded on the left to width with pad.  A 64-bit
 * value has at most 22 octal digits. */
static void
put_num(struct fields *f, unsigned long long v, unsigned base, int width,
    char pad)
{
	char buf[32];
	size_t i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % base);
		v /= base;
	} while (v != 0);
	while (i > 0 && (int)(sizeof(buf) - i) < width)
		buf[--i] = pad;
	put(f, buf + i, sizeof(buf) - i);
}

/* s, then spaces up to width (printf's "%-8s"). */
static void
put_left(struct fields *f, const char *s, size_t width)
{
	size_t n = strlen(s);

	put(f, s, n);
	while (n++ < width)
		put_char(f, ' ');
}

static char
type_char(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFDIR:
		return 'd';
	case S_IFLNK:
		return 'l';
	case S_IFCHR:
		return 'c';
	case S_IFBLK:
		return 'b';
	case S_IFIFO:
		return 'p';
	case S_IFSOCK:
		return 's';
	default:
		return '-';
	}
}

static void
mode_string(mode_t m, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	out[0] = type_char(m);
	for (i = 0; i < 9; i++)
		out[i + 1] = (m & (1u << (8 - i))) ? rwx[i] : '-';
	if (m & S_ISUID)
		out[3] = (m & S_IXUSR) ? 's' : 'S';
	if (m & S_ISGID)
		out[6] = (m & S_IXGRP) ? 's' : 'S';
	if (m & S_ISVTX)
		out[9] = (m & S_IXOTH) ? 't' : 'T';
	out[10] = '\0';
}

/* 0000-01-01T00:00:00 and 9999-12-31T23:59:59 UTC, in Unix time. */
#define UTC_FIRST (-62167219200LL)
#define UTC_LAST 253402300799LL

/*
 * Broken-down UTC time with a year 0..9999; false when t has none.  By
 * arithmetic, not gmtime_r, which takes the time zone lock for each
 * entry of a listing.  Only the date and time fields are set.  The
 * calendar counts in 400-year eras of 146,097 days, each year from
 * March, so that the leap day ends it.
 */
static bool
utc_time(time_t t, struct tm *tm)
{
	long long days, secs, era, doe, yoe, doy, mp, y;

	if ((long long)t < UTC_FIRST || (long long)t > UTC_LAST)
		return false;
	days = (long long)t / 86400;
	secs = (long long)t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	days += 719468;			/* from 0000-03-01 */
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;			/* 0..146096 */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);	/* 0..365 */
	mp = (5 * doy + 2) / 153;			/* 0 = March */
	y = yoe + era * 400 + (mp >= 10);
	memset(tm, 0, sizeof(*tm));
	tm->tm_mday = (int)(doy - (153 * mp + 2) / 5 + 1);
	tm->tm_mon = (int)(mp < 10 ? mp + 2 : mp - 10);
	tm->tm_year = (int)(y - 1900);
	tm->tm_hour = (int)(secs / 3600);
	tm->tm_min = (int)(secs / 60 % 60);
	tm->tm_sec = (int)(secs % 60);
	return true;
}

/* The same, clamped to the first or last second of years 0..9999. */
static void
utc_time_clamped(time_t t, struct tm *tm)
{
	static const struct tm first = { .tm_mday = 1, .tm_year = -1900 };
	static const struct tm last = { .tm_sec = 59, .tm_min = 59,
	    .tm_hour = 23, .tm_mday = 31, .tm_mon = 11,
	    .tm_year = 9999 - 1900 };

	if (!utc_time(t, tm))
		*tm = t < 0 ? first : last;
}

void
list_line_ls(struct strbuf *out, const char *name, const struct stat *st,
    const char *link_target, time_t now)
{
	static const time_t half_year = 182 * 24 * 3600;
	char mode[11], ub[16], gb[16];
	struct fields f = { .n = 0 };
	struct tm tm;
	time_t t = st->st_mtime;

	mode_string(st->st_mode, mode);
	utc_time_clamped(t, &tm);
	put(&f, mode, 10);
	put_char(&f, ' ');
	put_num(&f, (unsigned long long)st->st_nlink, 10, 4, ' ');
	put_char(&f, ' ');
	put_left(&f, owners_user((uint32_t)st->st_uid, ub, sizeof(ub)), 8);
	put_char(&f, ' ');
	put_left(&f, owners_group((uint32_t)st->st_gid, gb, sizeof(gb)), 8);
	put_char(&f, ' ');
	put_num(&f, (unsigned long long)st->st_size, 10, 12, ' ');
	put_char(&f, ' ');
	put(&f, months[tm.tm_mon], 3);
	put_char(&f, ' ');
	put_num(&f, (unsigned long long)tm.tm_mday, 10, 2, ' ');
	/* Like ls: the time for the last six months, else the year.  The
	 * comparisons cannot overflow for any t. */
	if ((t > now && t - now > 3600) || now - half_year > t) {
		put(&f, "  ", 2);
		put_num(&f, (unsigned long long)(tm.tm_year + 1900), 10, 4,
		    ' ');
	} else {
		put_char(&f, ' ');
		put_num(&f, (unsigned long long)tm.tm_hour, 10, 2, '0');
		put_char(&f, ':');
		put_num(&f, (unsigned long long)tm.tm_min, 10, 2, '0');
	}
	put_char(&f, ' ');
	sb_append(out, f.b, f.n);
	sb_append_str(out, name);
	if (link_target) {
		sb_append(out, " -> ", 4);
		sb_append_str(out, link_target);
	}
	sb_append(out, "\r\n", 2);
}

bool
format_mdtm(time_t t, char out[MDTM_BUF])
{
	struct tm tm;

	out[0] = '\0';
	if (!utc_time(t, &tm))
		return false;
	{
		/* YYYYMMDDHHMMSS by hand (utc_time bounds every field). */
		int v[6] = { tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec };
		size_t o = 0;
		int i;

		out[o++] = (char)('0' + v[0] / 1000);
		out[o++] = (char)('0' + v[0] / 100 % 10);
		out[o++] = (char)('0' + v[0] / 10 % 10);
		out[o++] = (char)('0' + v[0] % 10);
		for (i = 1; i < 6; i++) {
			out[o++] = (char)('0' + v[i] / 10 % 10);
			out[o++] = (char)('0' + v[i] % 10);
		}
		out[o] = '\0';
	}
	return true;
}

const char *
mlsx_type(const struct stat *st)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFREG:
		return "file";
	case S_IFDIR:
		return "dir";
	case S_IFLNK:
		return "OS.unix=symlink";
	case S_IFCHR:
		return "OS.unix=chr";
	case S_IFBLK:
		return "OS.unix=blk";
	case S_IFIFO:
		return "OS.unix=fifo";
	default:
		return "OS.unix=socket";
	}
}

/* May these ids read (4), write (2) or search (1) the object? */
static bool
may(const struct stat *st, const struct perm_ctx *pc, unsigned bit)
{
	unsigned mode = st->st_mode & 0777;

	if (st->st_uid == pc->uid && st->st_uid != pc->unmapped_uid)
		return (mode >> 6) & bit;
	if (st->st_gid == pc->gid && st->st_gid != pc->unmapped_gid)
		return (mode >> 3) & bit;
	return mode & bit;
}

/* May these ids write into and search the directory st (to create,
 * remove or rename what is in it)? */
static bool
may_change_in(const struct stat *dir, const struct perm_ctx *pc)
{
	return (pc->rights & RIGHT_WRITE) && may(dir, pc, 2) && may(dir, pc, 1);
}

/*
 * RFC 3659 §7.5.5 perm letters: what this session could do with the
 * object, from its rights and the modes of the object and of the
 * directory holding it (parent; NULL when not known, as for "." and
 * the root: then no "d" or "f").  Files: "a" append, "d" delete, "f"
 * rename, "r" retrieve, "w" store over.  Directories: "c" store in it,
 * "d" remove, "e" enter, "f" rename, "l" list, "m" make directories in
 * it, "p" remove what is in it.  Only a read-write session gets the
 * letters that change the tree.
 */
static void
perm_letters(const struct stat *st, const struct stat *parent,
    const struct perm_ctx *pc, char out[16])
{
	bool writer = (pc->rights & RIGHT_WRITE) != 0;
	bool reader = (pc->rights & RIGHT_READ) != 0;
	bool moves = parent && may_change_in(parent, pc);
	size_t n = 0;

	if (S_ISDIR(st->st_mode)) {
		bool changes = may_change_in(st, pc);

		if (changes)
			out[n++] = 'c';
		if (moves)
			out[n++] = 'd';
		if (reader && may(st, pc, 1))
			out[n++] = 'e';
		if (moves)
			out[n++] = 'f';
		if (reader && may(st, pc, 1) && may(st, pc, 4))
			out[n++] = 'l';
		if (changes) {
			out[n++] = 'm';
			out[n++] = 'p';
		}
	} else {
		bool writable = writer && may(st, pc, 2);

		if (writable)
			out[n++] = 'a';
		if (moves) {
			out[n++] = 'd';
			out[n++] = 'f';
		}
		if (reader && may(st, pc, 4))
			out[n++] = 'r';
		if (writable)
			out[n++] = 'w';
	}
	out[n] = '\0';
}

void
list_line_mlsx(struct strbuf *out, const char *name, const struct stat *st,
    const struct stat *parent, const char *type, uint32_t facts,
    const struct perm_ctx *pc, bool crlf)
{
	char when[MDTM_BUF], perm[16];
	struct fields f = { .n = 0 };

	if (facts & MLST_TYPE) {
		put(&f, "type=", 5);
		put(&f, type, strlen(type));
		put_char(&f, ';');
	}
	if ((facts & MLST_SIZE) && !S_ISDIR(st->st_mode)) {
		put(&f, "size=", 5);
		put_num(&f, (unsigned long long)st->st_size, 10, 0, ' ');
		put_char(&f, ';');
	}
	/* RFC 3659 7.1: a fact the server cannot give is left out. */
	if ((facts & MLST_MODIFY) && format_mdtm(st->st_mtime, when)) {
		put(&f, "modify=", 7);
		put(&f, when, strlen(when));
		put_char(&f, ';');
	}
	if (facts & MLST_PERM) {
		perm_letters(st, parent, pc, perm);
		put(&f, "perm=", 5);
		put(&f, perm, strlen(perm));
		put_char(&f, ';');
	}
	if (facts & MLST_UNIX_MODE) {
		put(&f, "unix.mode=0", 11);
		put_num(&f, (unsigned long long)(st->st_mode & 07777), 8, 0,
		    ' ');
		put_char(&f, ';');
	}
	put_char(&f, ' ');
	sb_append(out, f.b, f.n);
	sb_append_str(out, name);
	if (crlf)
		sb_append(out, "\r\n", 2);
}

static const struct {
	const char *name;
	uint32_t bit;
} fact_names[] = {
	{ "type", MLST_TYPE },
	{ "size", MLST_SIZE },
	{ "modify", MLST_MODIFY },
	{ "perm", MLST_PERM },
	{ "unix.mode", MLST_UNIX_MODE },
};

uint32_t
mlst_facts_parse(const char *arg)
{
	uint32_t facts = 0;

	while (*arg) {
		const char *semi = strchr(arg, ';');
		size_t len = semi ? (size_t)(semi - arg) : strlen(arg);
		size_t i;

		for (i = 0; i < sizeof(fact_names) / sizeof(fact_names[0]); i++)
			if (strlen(fact_names[i].name) == len &&
			    strncasecmp(fact_names[i].name, arg, len) == 0)
				facts |= fact_names[i].bit;
		arg += len;
		if (*arg == ';')
			arg++;
	}
	return facts;
}

void
mlst_facts_text(uint32_t facts, bool for_feat, struct strbuf *out)
{
	size_t i;

	for (i = 0; i < sizeof(fact_names) / sizeof(fact_names[0]); i++) {
		bool on = (facts & fact_names[i].bit) != 0;

		if (for_feat)
			sb_appendf(out, "%s%s;", fact_names[i].name,
			    on ? "*" : "");
		else if (on)
			sb_appendf(out, "%s;", fact_names[i].name);
	}
}
