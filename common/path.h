/*
 * path.h - virtual path handling.  A session's working directory is an
 * absolute, normalised path inside its root ("/", "/pub/iso").  Client
 * arguments are joined to it lexically here; the kernel then resolves the
 * result beneath the root (the child's chroot), so nothing here is a
 * security boundary: these functions only decide what the client meant.
 */
#ifndef SANDFTPD_PATH_H
#define SANDFTPD_PATH_H

#include <stddef.h>

#define VPATH_MAX 4096

/*
 * Join arg to cwd and normalise: "." dropped, ".." pops (never above "/"),
 * repeated slashes collapse, a leading "~" means the root.  out receives
 * an absolute path without a trailing slash ("/" for the root).
 * Returns 0, or -1 when the result would not fit in outsz.
 */
int path_join(const char *cwd, const char *arg, char *out, size_t outsz);

/* The path relative to the root for openat: "pub/iso", or "." for "/". */
const char *path_relative(const char *vpath);

/* Last component of a normalised path ("iso" for "/pub/iso", "/" for "/"). */
const char *path_basename(const char *vpath);

/* Split off the last component: dir receives "/pub" for "/pub/iso". */
int path_dirname(const char *vpath, char *dir, size_t dirsz);

#endif
