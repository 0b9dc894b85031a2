/*
 * fsaccess.h - every file-system operation of a logged-in session passes
 * here (fsaccess.c): the client's argument becomes a virtual path,
 * fs_authorize() decides whether this session may do this operation
 * there, and the kernel resolves the path: the child's root directory is
 * the session's tree (chroot), so "/", "..", and absolute symbolic links
 * end there for every path and every descriptor.
 */
#ifndef SANDFTPD_FSACCESS_H
#define SANDFTPD_FSACCESS_H

#include <stdbool.h>
#include <sys/stat.h>

#include "../../common/path.h"

struct session;

enum fs_op {
	FS_LIST,	/* LIST NLST MLSD STAT-with-path */
	FS_READ,	/* RETR */
	FS_INFO,	/* SIZE MDTM MLST */
	FS_CHDIR,	/* CWD CDUP */
	FS_STORE,	/* STOR STOU */
	FS_APPEND,	/* APPE */
	FS_DELETE,	/* DELE */
	FS_MKDIR,	/* MKD */
	FS_RMDIR,	/* RMD */
	FS_RENAME,	/* RNFR RNTO */
	FS_CHMOD,	/* SITE CHMOD */
	FS_SETTIME,	/* MDTM with a time */
};

/*
 * An upload in progress is written under a temporary name in its
 * directory (upload.c), FS_TEMP_PREFIX, 16 hex digits, FS_TEMP_SUFFIX,
 * and renamed into place once complete.  No session lists, reads,
 * renames, removes or writes such a name: another session's partial
 * file must never pass for a whole one.
 */
#define FS_TEMP_PREFIX ".sandftpd-"
#define FS_TEMP_SUFFIX ".part"
bool fs_is_upload_temp(const char *name);

/* The one authorization function. */
bool fs_authorize(const struct session *s, enum fs_op op, const char *vpath);

/*
 * Resolve arg against the working directory and authorize op: 0, or the
 * reply code of the refusal (553 name too long, 550 not allowed).
 */
int fs_resolve(const struct session *s, enum fs_op op, const char *arg,
    char vpath[VPATH_MAX]);
/* The reply text for a code from fs_resolve. */
const char *fs_refusal_text(int code);

/* Open vpath beneath the root (with the flags the session's rights
 * allow; nothing is created); -1 with errno. */
int fs_open(const struct session *s, const char *vpath, int flags);

/*
 * Open (O_PATH) the directory holding vpath's last component, and point
 * *name at that component (within vpath).  -1 with errno (EINVAL for
 * "/", which has no parent).
 */
int fs_open_parent(const struct session *s, const char *vpath,
    const char **name);

/* Is dirfd the anonymous upload directory? */
bool fs_in_upload_dir(const struct session *s, int dirfd);

/* stat() of vpath beneath the root, following links inside the tree. */
int fs_stat(const struct session *s, const char *vpath, struct stat *st);

/* 0 if vpath is a directory the session may search (enter, stat its
 * entries), else an errno. */
int fs_dir_searchable(const struct session *s, const char *vpath);

/* A short reason for an errno from fs_open/fs_stat, for 550 replies. */
const char *fs_strerror(int err);

#endif
