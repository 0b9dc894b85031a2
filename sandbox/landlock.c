/*
 * landlock.c - Landlock file-system confinement.  Before login a child
 * may touch no file at all; an anonymous session may only read beneath
 * its root (and create files in the upload directory, when there is
 * one); a read-write user session may read and write beneath its root,
 * and nothing outside it.  The rights handled grow with the kernel's ABI, so a newer
 * kernel denies more; a kernel without Landlock reports ABI 0 and the
 * caller logs that the layer is missing.
 */
#include <errno.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox.h"

/* Rights newer than the build host's header, by their ABI numbers. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#define SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define SCOPE_SIGNAL (1ULL << 1)

/* The ruleset attribute as of ABI 6; older kernels get a prefix of it. */
struct ruleset_attr_v6 {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

int
landlock_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? 0 : (int)abi;
}

static uint64_t
handled_fs(int abi)
{
	uint64_t all = (1ULL << 13) - 1;	/* ABI 1: bits 0..12 */

	if (abi >= 2)
		all |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		all |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return all;
}

/* Allow rights (those the ABI handles) beneath dir. */
static int
allow_beneath(int ruleset, int dir, uint64_t rights, int abi)
{
	struct landlock_path_beneath_attr pb = {
		.allowed_access = rights & handled_fs(abi),
		.parent_fd = dir,
	};

	return (int)syscall(SYS_landlock_add_rule, ruleset,
	    LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
}

#define READ_RIGHTS (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)

/*
 * A read-write session: read, write, create and remove regular files and
 * directories, rename within the tree (REFER), truncate.  Never: execute,
 * symbolic links, devices, FIFOs, sockets, device ioctls.
 */
#define WRITE_RIGHTS (LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | \
	LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE)

/* Anonymous uploads: new files in the upload directory (and the removal
 * of an upload's own temporary file); nothing else there. */
#define UPLOAD_RIGHTS (LANDLOCK_ACCESS_FS_WRITE_FILE | \
	LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_REMOVE_FILE)

int
landlock_restrict(int root_fd, enum seccomp_policy policy, int upload_fd,
    int abi)
{
	struct ruleset_attr_v6 attr = { 0, 0, 0 };
	size_t attr_size;
	int ruleset, rc = -1;

	attr.handled_access_fs = handled_fs(abi);
	if (abi >= 6) {
		/* No signals to, and no abstract sockets of, other domains. */
		attr.scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL;
		attr_size = sizeof(attr);
	} else {
		attr_size = sizeof(uint64_t);
	}
	ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size,
	    0);
	if (ruleset < 0)
		return -1;
	if (root_fd >= 0) {
		uint64_t rights = READ_RIGHTS;

		if (policy == POLICY_SESSION_RW)
			rights |= WRITE_RIGHTS;
		if (allow_beneath(ruleset, root_fd, rights, abi) < 0)
			goto out;
		if (policy == POLICY_SESSION_UPLOAD && (upload_fd < 0 ||
		    allow_beneath(ruleset, upload_fd, UPLOAD_RIGHTS, abi) < 0))
			goto out;
	}
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0)
		goto out;
	rc = 0;
out:
	close(ruleset);
	return rc;
}
