/*
 * fsaccess.c - path resolution, authorization and opens for a logged-in
 * session.  The string work here only decides what the client meant;
 * the jail itself is the kernel's: the process root is the tree
 * (chroot), Landlock allows reading beneath it only, and seccomp allows
 * opening with read-only flags only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../common/sys.h"
#include "fsaccess.h"
#include "session.h"

bool
fs_authorize(const struct session *s, enum fs_op op, const char *vpath)
{
	(void)vpath;	/* per-path rules (upload directories) come later */
	if (!s->logged_in || s->root_fd < 0)
		return false;
	switch (op) {
	case FS_LIST:
	case FS_READ:
	case FS_INFO:
	case FS_CHDIR:
		return (s->perm.rights & RIGHT_READ) != 0;
	case FS_STORE:
	case FS_APPEND:
	case FS_DELETE:
	case FS_MKDIR:
	case FS_RMDIR:
	case FS_RENAME:
	case FS_CHMOD:
	case FS_SETTIME:
		return (s->perm.rights & RIGHT_WRITE) != 0;
	}
	return false;
}

int
fs_resolve(const struct session *s, enum fs_op op, const char *arg,
    char vpath[VPATH_MAX])
{
	if (path_join(s->cwd, arg, vpath, VPATH_MAX) < 0)
		return 553;
	if (!fs_authorize(s, op, vpath))
		return 550;
	return 0;
}

const char *
fs_refusal_text(int code)
{
	return code == 553 ? "File name too long." : "Permission denied.";
}

int
fs_open(const struct session *s, const char *vpath, int flags)
{
	/* O_PATH goes with nothing but these. */
	if (!(flags & O_PATH))
		flags |= O_NOCTTY;
	return sys_openat(s->root_fd, path_relative(vpath), flags | O_CLOEXEC);
}

int
fs_stat(const struct session *s, const char *vpath, struct stat *st)
{
	int fd = fs_open(s, vpath, O_PATH);
	int rc;

	if (fd < 0)
		return -1;
	rc = fstat(fd, st);
	sys_close(fd);
	return rc;
}

int
fs_dir_searchable(const struct session *s, const char *vpath)
{
	char probe[VPATH_MAX + 2];
	int fd;

	/* Resolving "dir/." needs search permission on dir, as chdir does. */
	if (snprintf(probe, sizeof(probe), "%s/.",
	    strcmp(vpath, "/") == 0 ? "" : vpath) >= (int)sizeof(probe))
		return ENAMETOOLONG;
	fd = fs_open(s, probe, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return errno;
	sys_close(fd);
	return 0;
}

const char *
fs_strerror(int err)
{
	switch (err) {
	case ENOENT:
		return "No such file or directory.";
	case EACCES:
	case EPERM:
		return "Permission denied.";
	case ENOTDIR:
		return "Not a directory.";
	case EISDIR:
		return "Is a directory.";
	case ELOOP:
		return "Too many levels of symbolic links.";
	case ENAMETOOLONG:
		return "File name too long.";
	case EXDEV:
		return "Path leaves the served tree.";
	default:
		return "Requested action not taken.";
	}
}
