/*
 * cmd_list.c - LIST, NLST, MLSD, and STAT with a path.  A listing is
 * prepared (target resolved, directory read and sorted, or wildcard
 * matched) before the data connection opens, so a bad path gets its 550
 * without a 150; the lines are then formatted and sent in chunks.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "commands.h"
#include "fsaccess.h"
#include "listing.h"
#include "transfer.h"
#include "wildcard.h"

#define LIST_CHUNK (64 * 1024)

enum list_fmt { FMT_LIST, FMT_NLST, FMT_MLSD };

struct listing {
	enum list_fmt fmt;
	unsigned flags;			/* DIRLIST_* */
	int dirfd;
	char dir_vpath[VPATH_MAX];
	char prefix[VPATH_MAX];		/* NLST: prepended to names */
	int err_code;			/* reply for a bad path: 550 (STAT 450) */
	bool is_dir;			/* the target is a directory */
	struct dirlist dl;
	struct stat dir_st;		/* MLSD: the directory listed */
	bool have_dir_st;
};

typedef enum xfer_result emit_fn(struct session *s, void *ctx,
    struct strbuf *chunk);

/* Leading "-la"-style words: 'a' shows everything, 'A' all but . and .. */
static char *
parse_flags(char *arg, unsigned *flags)
{
	while (arg[0] == '-' && arg[1] != '\0' && arg[1] != ' ') {
		char *p;

		for (p = arg + 1; *p && *p != ' '; p++) {
			if (*p == 'a')
				*flags |= DIRLIST_HIDDEN | DIRLIST_DOTDOT;
			else if (*p == 'A')
				*flags |= DIRLIST_HIDDEN;
		}
		while (*p == ' ')
			p++;
		arg = p;
	}
	return arg;
}

/* The part of what the client typed up to its last slash ("" if none). */
static void
typed_dir_prefix(const char *typed, char *out, size_t n)
{
	const char *slash = strrchr(typed, '/');

	if (slash == NULL)
		out[0] = '\0';
	else
		str_copy_n(out, n, typed, (size_t)(slash - typed) + 1);
}

static int
open_dir(struct session *s, struct listing *L, const char *vpath)
{
	L->dirfd = fs_open(s, vpath, O_RDONLY | O_DIRECTORY);
	if (L->dirfd < 0) {
		reply(s, L->err_code, "%s", fs_strerror(errno));
		return -1;
	}
	str_copy(L->dir_vpath, sizeof(L->dir_vpath), vpath);
	return 0;
}

static int
read_dir(struct session *s, struct listing *L, const char *pattern)
{
	if (dirlist_read(L->dirfd, &L->dl, L->flags, pattern) < 0) {
		reply(s, 451, "Could not read the directory: %s",
		    errno == E2BIG ? "too many entries." : fs_strerror(errno));
		return -1;
	}
	return 0;
}

/* LIST/MLSD/STAT stat every entry: the directory must be searchable. */
static int
check_searchable(struct session *s, struct listing *L, const char *vpath)
{
	int err;

	if (L->fmt == FMT_NLST)
		return 0;	/* names only: reading the directory is enough */
	err = fs_dir_searchable(s, vpath);
	if (err) {
		reply(s, L->err_code, "%s", fs_strerror(err));
		return -1;
	}
	return 0;
}

/* Resolve the target; 0 ready to send, -1 after an error reply. */
static int
list_prepare(struct session *s, struct listing *L, const char *typed)
{
	char vpath[VPATH_MAX], parent[VPATH_MAX];
	const char *base;
	struct stat st;
	int err;

	L->dirfd = -1;
	memset(&L->dl, 0, sizeof(L->dl));
	L->prefix[0] = '\0';
	if (command_path(s, FS_LIST, *typed ? typed : ".", vpath) < 0)
		return -1;
	err = fs_stat(s, vpath, &st) == 0 ? 0 : errno;
	if (err == 0 && S_ISDIR(st.st_mode)) {
		L->is_dir = true;
		if (check_searchable(s, L, vpath) < 0 ||
		    open_dir(s, L, vpath) < 0 || read_dir(s, L, NULL) < 0)
			return -1;
		if (*typed && L->fmt == FMT_NLST &&
		    snprintf(L->prefix, sizeof(L->prefix), "%s%s", typed,
		    typed[strlen(typed) - 1] == '/' ? "" : "/") >=
		    (int)sizeof(L->prefix))
			L->prefix[0] = '\0';
		return 0;
	}
	if (L->fmt == FMT_MLSD) {
		/* RFC 3659 §7.2.1: MLSD of a non-directory is a 501. */
		reply(s, err == 0 ? 501 : 550, "%s",
		    err == 0 ? "Not a directory." : fs_strerror(err));
		return -1;
	}
	base = path_basename(vpath);
	path_dirname(vpath, parent, sizeof(parent));
	typed_dir_prefix(typed, L->prefix, sizeof(L->prefix));
	/* What is read from here on is the parent: a name or a wildcard in
	 * it must not list what listing the parent would not (an upload
	 * directory that is not listable). */
	if ((err == 0 || wildcard_has_magic(base)) &&
	    !fs_authorize(s, FS_LIST, parent)) {
		reply(s, 550, "%s", fs_refusal_text(550));
		return -1;
	}
	if (err == 0) {		/* one entry that is not a directory */
		if (open_dir(s, L, parent) < 0)
			return -1;
		sb_init(&L->dl.names, DIRLIST_MAX_BYTES);
		if (dirlist_add(&L->dl, base) < 0) {
			reply(s, 451, "Out of memory.");
			return -1;
		}
		return 0;
	}
	/* No such name, or none we may reach: perhaps a wildcard. */
	if ((err == ENOENT || err == EACCES) && wildcard_has_magic(base)) {
		if (check_searchable(s, L, parent) < 0 ||
		    open_dir(s, L, parent) < 0 || read_dir(s, L, base) < 0)
			return -1;
		if (L->dl.n > 0)
			return 0;
		err = ENOENT;
	}
	reply(s, L->err_code, "%s", fs_strerror(err));
	return -1;
}

static void
list_release(struct listing *L)
{
	if (L->dirfd >= 0)
		sys_close(L->dirfd);
	L->dirfd = -1;
	dirlist_free(&L->dl);
}

/* stat of "." and ".." without leaving the tree; else the entry itself. */
static int
entry_stat(struct session *s, struct listing *L, const char *name,
    struct stat *st)
{
	char vpath[VPATH_MAX];

	if (strcmp(name, ".") == 0)
		return fstat(L->dirfd, st);
	if (strcmp(name, "..") == 0) {
		if (path_join(L->dir_vpath, "..", vpath, sizeof(vpath)) < 0)
			return -1;
		return fs_stat(s, vpath, st);
	}
	return fstatat(L->dirfd, name, st, AT_SYMLINK_NOFOLLOW);
}

/*
 * A name as a listing line may carry it: CR and LF would end the line
 * early and forge another entry, so they become '?'.
 */
static const char *
safe_name(const char *name, char *buf, size_t n)
{
	size_t i;

	if (strpbrk(name, "\r\n") == NULL)
		return name;
	str_copy(buf, n, name);
	for (i = 0; buf[i]; i++)
		if (buf[i] == '\r' || buf[i] == '\n')
			buf[i] = '?';
	return buf;
}

static void
format_entry(struct session *s, struct listing *L, const char *name,
    struct strbuf *out, time_t now)
{
	char target[VPATH_MAX], vpath[VPATH_MAX], shown[VPATH_MAX];
	char shown_target[VPATH_MAX];
	const char *type;
	struct stat st, followed;
	ssize_t n;

	if (L->fmt == FMT_NLST) {	/* names only: nothing to stat */
		sb_appendf(out, "%s%s\r\n", L->prefix,
		    safe_name(name, shown, sizeof(shown)));
		return;
	}
	if (entry_stat(s, L, name, &st) < 0)
		return;		/* vanished meanwhile */
	if (L->fmt == FMT_LIST) {
		n = -1;
		if (S_ISLNK(st.st_mode))
			n = readlinkat(L->dirfd, name, target,
			    sizeof(target) - 1);
		if (n >= 0)
			target[n] = '\0';
		list_line_ls(out, safe_name(name, shown, sizeof(shown)), &st,
		    n >= 0 ? safe_name(target, shown_target,
		    sizeof(shown_target)) : NULL, now);
		return;
	}
	type = mlsx_type(&st);
	/* A link is described by its target, if that is in the tree. */
	if (S_ISLNK(st.st_mode) &&
	    path_join(L->dir_vpath, name, vpath, sizeof(vpath)) == 0 &&
	    fs_stat(s, vpath, &followed) == 0) {
		st = followed;
		type = mlsx_type(&st);
	}
	list_line_mlsx(out, safe_name(name, shown, sizeof(shown)), &st,
	    L->have_dir_st ? &L->dir_st : NULL, type, s->mlst_facts, &s->perm,
	    true);
}

static enum xfer_result
list_generate(struct session *s, struct listing *L, emit_fn *emit, void *ctx)
{
	time_t now = time(NULL);
	enum xfer_result r = XFER_OK;
	struct strbuf out;
	size_t i;

	sb_init(&out, 4 * LIST_CHUNK);
	if (L->fmt == FMT_MLSD && fstat(L->dirfd, &L->dir_st) == 0) {
		L->have_dir_st = true;
		list_line_mlsx(&out, ".", &L->dir_st, NULL, "cdir",
		    s->mlst_facts, &s->perm, true);
	}
	for (i = 0; i < L->dl.n && r == XFER_OK; i++) {
		format_entry(s, L, dirlist_name(&L->dl, i), &out, now);
		if (out.len >= LIST_CHUNK) {
			r = emit(s, ctx, &out);
			sb_reset(&out);
		}
	}
	if (r == XFER_OK && out.len > 0)
		r = emit(s, ctx, &out);
	sb_free(&out);
	return r;
}

static enum xfer_result
emit_data(struct session *s, void *ctx, struct strbuf *chunk)
{
	return xfer_send_buf(s, *(int *)ctx, chunk->data, chunk->len);
}

static void
list_command(struct session *s, enum list_fmt fmt, const char *verb,
    char *arg)
{
	struct listing L = { .fmt = fmt, .flags = 0, .err_code = 550 };
	enum xfer_result r;
	int dfd;

	s->rest = 0;
	if (fmt == FMT_MLSD)
		L.flags = DIRLIST_HIDDEN;
	else
		arg = parse_flags(arg, &L.flags);
	if (!data_configured(s)) {
		reply(s, 425, "Use PORT, PASV, EPRT or EPSV first.");
		return;
	}
	if (list_prepare(s, &L, arg) < 0) {
		list_release(&L);
		data_reset(s);
		return;
	}
	r = data_open(s, &dfd);
	if (r != XFER_OK) {
		list_release(&L);
		xfer_reply(s, r, "");
		return;
	}
	reply_hold(s, 150, "Here comes the directory listing.");
	xfer_begin(s, verb, L.dir_vpath, 0);
	r = list_generate(s, &L, emit_data, &dfd);
	xfer_close(s, dfd, &r);
	xfer_end(s);
	list_release(&L);
	xfer_reply(s, r, "Directory send OK.");
}

void
cmd_list(struct session *s, char *arg)
{
	list_command(s, FMT_LIST, "LIST", arg);
}

void
cmd_nlst(struct session *s, char *arg)
{
	list_command(s, FMT_NLST, "NLST", arg);
}

void
cmd_mlsd(struct session *s, char *arg)
{
	list_command(s, FMT_MLSD, "MLSD", arg);
}

/* STAT: each listing line becomes one reply line (leading space). */
static enum xfer_result
emit_reply(struct session *s, void *ctx, struct strbuf *chunk)
{
	struct reply_buf *rb = ctx;
	char *line = chunk->data, *end;

	(void)s;
	while ((end = strstr(line, "\r\n")) != NULL) {
		*end = '\0';
		reply_line(rb, "%s", line);
		line = end + 2;
	}
	return XFER_OK;
}

void
list_stat_path(struct session *s, char *arg)
{
	/* RFC 959: STAT answers 212 for a directory, 213 for a file, 450
	 * when the path is not there. */
	struct listing L = { .fmt = FMT_LIST, .flags = 0, .err_code = 450 };
	struct reply_buf rb;

	arg = parse_flags(arg, &L.flags);
	if (list_prepare(s, &L, arg) < 0) {
		list_release(&L);
		return;
	}
	reply_begin(s, &rb, L.is_dir ? 212 : 213, "Status of %s:",
	    *arg ? arg : s->cwd);
	list_generate(s, &L, emit_reply, &rb);
	list_release(&L);
	reply_end(&rb, "End of status.");
}
