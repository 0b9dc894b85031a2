/*
 * fsaccess.c - path resolution, authorization and opens for a logged-in
 * session.  The string work here only decides what the client meant;
 * the jail itself is the kernel's: the process root is the tree
 * (chroot), Landlock allows only the session's rights beneath it (read,
 * or read and write), and seccomp allows only the open flags of those
 * rights.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../../common/sys.h"
#include "fsaccess.h"
#include "session.h"

/* Is the directory vpath (or dirfd, when >= 0) the upload directory? */
static bool
is_upload_dir(const struct session *s, const char *vpath, int dirfd)
{
	struct stat a, b;
	int fd = dirfd;
	bool same;

	if (s->upload_fd < 0)
		return false;
	if (fd < 0)
		fd = fs_open(s, vpath, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return false;
	same = fstat(fd, &a) == 0 && fstat(s->upload_fd, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	if (fd != dirfd)
		sys_close(fd);
	return same;
}

bool
fs_in_upload_dir(const struct session *s, int dirfd)
{
	return is_upload_dir(s, NULL, dirfd);
}

bool
fs_is_upload_temp(const char *name)
{
	size_t pre = sizeof(FS_TEMP_PREFIX) - 1;
	size_t suf = sizeof(FS_TEMP_SUFFIX) - 1;
	size_t i;

	if (name[0] != '.')	/* every entry of a listing passes here */
		return false;
	if (strlen(name) != pre + 16 + suf ||
	    strncmp(name, FS_TEMP_PREFIX, pre) != 0 ||
	    strcmp(name + pre + 16, FS_TEMP_SUFFIX) != 0)
		return false;
	for (i = pre; i < pre + 16; i++)
		if (!isxdigit((unsigned char)name[i]))
			return false;
	return true;
}

bool
fs_authorize(const struct session *s, enum fs_op op, const char *vpath)
{
	if (!s->logged_in || s->root_fd < 0)
		return false;
	if (fs_is_upload_temp(path_basename(vpath)))
		return false;
	switch (op) {
	case FS_LIST:
		/* The upload directory is listed only when configured. */
		if ((s->perm.rights & RIGHT_UPLOAD) &&
		    !(s->init_flags & INIT_UPLOAD_LISTABLE) &&
		    is_upload_dir(s, vpath, -1))
			return false;
		return (s->perm.rights & RIGHT_READ) != 0;
	case FS_READ:
	case FS_INFO:
	case FS_CHDIR:
		return (s->perm.rights & RIGHT_READ) != 0;
	case FS_STORE:
		/* Anonymous uploads: new files only, and only in the upload
		 * directory (the caller checks the directory itself). */
		return (s->perm.rights & (RIGHT_WRITE | RIGHT_UPLOAD)) != 0;
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
fs_open_parent(const struct session *s, const char *vpath, const char **name)
{
	char dir[VPATH_MAX];
	const char *base = path_basename(vpath);

	if (strcmp(vpath, "/") == 0 || *base == '\0') {
		errno = EINVAL;
		return -1;
	}
	if (path_dirname(vpath, dir, sizeof(dir)) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	*name = base;
	return fs_open(s, dir, O_PATH | O_DIRECTORY);
}

int
fs_stat(const struct session *s, const char *vpath, struct stat *st)
{
	/* One call, resolved beneath the root like fs_open (the chroot),
	 * following symbolic links as an open would. */
	return fstatat(s->root_fd, path_relative(vpath), st, 0);
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
	case EEXIST:
		return "File exists.";
	case ENOTEMPTY:
		return "Directory not empty.";
	case EINVAL:
		return "Not allowed for this name.";
	case EBUSY:
		return "Resource busy.";
	case ENOSPC:
		return "No space left on the device.";
	case EDQUOT:
		return "Disk quota exceeded.";
	default:
		return "Requested action not taken.";
	}
}
