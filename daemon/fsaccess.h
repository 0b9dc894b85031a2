/*
 * fsaccess.h - every file-system operation of a logged-in session passes
 * here: the client's argument becomes a virtual path, fs_authorize()
 * decides whether this session may do this operation there, and the
 * kernel resolves the path beneath the session root (openat2 with
 * RESOLVE_IN_ROOT: "..", absolute symlinks and magic links cannot leave
 * the tree).
 */
#ifndef SANDFTPD_FSACCESS_H
#define SANDFTPD_FSACCESS_H

#include <stdbool.h>
#include <sys/stat.h>

#include "session.h"

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

/* The one authorization function. */
bool fs_authorize(const struct session *s, enum fs_op op, const char *vpath);

/*
 * Resolve arg against the working directory and authorize op.  On refusal
 * the reply (550/553) is already sent and -1 returned.
 */
int fs_prepare(struct session *s, enum fs_op op, const char *arg,
    char vpath[VPATH_MAX]);

/* Open vpath beneath the root; -1 with errno. */
int fs_open(const struct session *s, const char *vpath, int flags);

/* stat() of vpath beneath the root, following links inside the tree. */
int fs_stat(const struct session *s, const char *vpath, struct stat *st);

/* 0 if vpath is a directory the session may search (enter, stat its
 * entries), else an errno. */
int fs_dir_searchable(const struct session *s, const char *vpath);

/* A short reason for an errno from fs_open/fs_stat, for 550 replies. */
const char *fs_strerror(int err);

#endif
