/*
 * jail.c - the process-level restrictions: the root directory, the
 * session uid (verified by trying to get the old one back) or a user
 * namespace of our own, resource limits, no core dumps, no new
 * privileges, and locked securebits.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/securebits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sandbox.h"

/*
 * The heap a child may use: a listing of the largest directory the
 * listing code accepts (DIRLIST_MAX_*) fits with room to spare.  Not in
 * sanitizer builds, whose shadow memory counts as data.
 */
#define CHILD_DATA_LIMIT (160ull * 1024 * 1024)

int
jail_chroot_fd(int dirfd)
{
	if (fchdir(dirfd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return -1;
	return 0;
}

static bool
groups_ok(size_t ngroups, const gid_t *groups)
{
	size_t i;

	for (i = 0; i < ngroups; i++)
		if (groups[i] == 0)
			return false;
	return true;
}

/*
 * Before the root is entered: file-system permission checks as the
 * session's ids already (a 0700 home is entered as its owner, not as
 * root, whose DAC capabilities the master no longer has), while the
 * capabilities for chroot and the uid switch remain.
 */
int
jail_set_fs_ids(uid_t uid, gid_t gid, size_t ngroups, const gid_t *groups)
{
	if (uid == 0 || gid == 0 || !groups_ok(ngroups, groups)) {
		errno = EINVAL;
		return -1;
	}
	if (setgroups(ngroups, groups) < 0)
		return -1;
	setfsgid(gid);
	setfsuid(uid);
	if ((gid_t)setfsgid((gid_t)-1) != gid ||
	    (uid_t)setfsuid((uid_t)-1) != uid) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int
jail_switch_uid(uid_t uid, gid_t gid, size_t ngroups, const gid_t *groups)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (uid == 0 || gid == 0 || !groups_ok(ngroups, groups)) {
		errno = EINVAL;
		return -1;
	}
	if (setgroups(ngroups, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		return -1;
	/* Verify: all three ids moved and the old ones are out of reach. */
	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return -1;
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
	    sg != gid) {
		errno = EPERM;
		return -1;
	}
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

static int
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -1;
}

/*
 * A user namespace that maps only our own uid and gid: inside it we hold
 * the capabilities chroot and the bounding set need (over nothing but
 * what our uid owns anyway), and drop them right after.  Outside, we
 * are still the same unprivileged user.
 */
int
jail_enter_userns(uid_t uid, gid_t gid)
{
	char map[64];

	if (uid != getuid() || gid != getgid()) {
		errno = EINVAL;
		return -1;
	}
	if (unshare(CLONE_NEWUSER) < 0)
		return -1;
	if (write_file("/proc/self/setgroups", "deny") < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_file("/proc/self/uid_map", map) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) < 0)
		return -1;
	return 0;
}

int
jail_rlimits(bool may_write)
{
	static const struct {
		int res;
		rlim_t val;
	} limits[] = {
		{ RLIMIT_NPROC, 0 },	/* no fork, even if seccomp failed */
		{ RLIMIT_CORE, 0 },
		{ RLIMIT_NOFILE, 32 },
		{ RLIMIT_MEMLOCK, 0 },
		{ RLIMIT_MSGQUEUE, 0 },
		{ RLIMIT_FSIZE, 0 },	/* unless it may write files */
#ifndef SANDFTPD_SANITIZE
		{ RLIMIT_DATA, CHILD_DATA_LIMIT },
#endif
	};
	size_t i;

	/* Only ever lower: a limit already tighter than ours stays. */
	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct rlimit rl;
		rlim_t v = limits[i].val;

		if (limits[i].res == RLIMIT_FSIZE && may_write)
			continue;
		if (getrlimit(limits[i].res, &rl) < 0)
			return -1;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < v)
			v = rl.rlim_max;
		rl.rlim_cur = rl.rlim_max = v;
		if (setrlimit(limits[i].res, &rl) < 0)
			return -1;
	}
	return 0;
}

int
jail_no_dump(void)
{
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int
jail_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : -1;
}

/*
 * uid 0 would carry no capabilities, and that can never be changed back.
 * Needs CAP_SETPCAP, so it runs before the uid switch.
 */
int
jail_lock_securebits(void)
{
	unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
	    SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
	    SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;

	return prctl(PR_SET_SECUREBITS, bits, 0, 0, 0);
}
