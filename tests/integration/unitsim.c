/*
 * unitsim: run a command under the kernel-enforced restrictions of a
 * systemd service unit, the way systemd applies them to the service's
 * main process (its children inherit them).  test_unitsim.py reads
 * systemd/sandftpd.service and passes what its [Service] section says:
 *
 *   unitsim [--caps CAP,CAP,...]      CapabilityBoundingSet= (all other
 *                                     capabilities leave the bounding and
 *                                     inheritable sets)
 *           [--nnp]                   NoNewPrivileges=yes
 *           [--syscalls FILE]         SystemCallFilter= as an allow-list:
 *                                     one system call name per line (the
 *                                     groups expanded, the ~ lines taken
 *                                     out); anything else fails with
 *           [--errno N]               SystemCallErrorNumber= (EPERM)
 *           [--families AF,AF,...]    RestrictAddressFamilies=: socket()
 *                                     of another family: EAFNOSUPPORT
 *           [--restrict-namespaces]   RestrictNamespaces=yes
 *           [--mdwe]                  MemoryDenyWriteExecute=yes
 *           [--restrict-suid]         RestrictSUIDSGID=yes
 *           [--umask MODE] [--nofile N]   UMask=, LimitNOFILE=
 *           [--mount-ns]              a private mount namespace
 *                                     (PrivateMounts=), with:
 *             [--read-only]           ProtectSystem=strict: all read-only
 *                                     but /dev, /proc and /sys
 *             [--rw PATH]...          ReadWritePaths= (missing: skipped)
 *             [--runtime-dir PATH:MODE]...   RuntimeDirectory=: new and
 *                                     empty (a tmpfs), writable
 *             [--private-tmp]         PrivateTmp=: empty /tmp, /var/tmp
 *             [--private-devices]     PrivateDevices=: a /dev of null,
 *                                     zero, full, random, urandom, tty,
 *                                     pts, shm only
 *             [--protect-tunables]    ProtectKernelTunables=: /sys and
 *                                     /proc/sys read-only
 *             [--proc OPTIONS]        ProtectProc=, ProcSubset=: a new
 *                                     /proc mounted with these options
 *           [--private-ipc] [--protect-hostname]   PrivateIPC=,
 *                                     ProtectHostname=: new IPC and UTS
 *                                     namespaces
 *           -- COMMAND [ARG...]
 *
 * Each restriction is its own seccomp filter, as systemd installs them;
 * the filters are for the native architecture only
 * (SystemCallArchitectures=native).  Exit status 127 when setting up
 * fails, with a message on stderr.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | \
		  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
		  CLONE_NEWCGROUP | 0x00000080 /* CLONE_NEWTIME */)

static void
die(const char *what, int err)
{
	fprintf(stderr, "unitsim: %s: %s\n", what, strerror(err));
	exit(127);
}

static scmp_filter_ctx
new_filter(uint32_t def)
{
	scmp_filter_ctx ctx = seccomp_init(def);

	if (ctx == NULL)
		die("seccomp_init", ENOMEM);
	/* no_new_privs only where the unit asks for it (--nnp). */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
		die("seccomp_attr_set", EINVAL);
	return ctx;
}

static void
load(scmp_filter_ctx ctx, const char *what)
{
	int rc = seccomp_load(ctx);

	if (rc < 0)
		die(what, -rc);
	seccomp_release(ctx);
}

static void
rule(scmp_filter_ctx ctx, uint32_t action, const char *name,
     unsigned int n, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);
	int rc;

	if (nr == __NR_SCMP_ERROR)
		return;         /* not on this architecture */
	rc = seccomp_rule_add_array(ctx, action, nr, n, cmp);
	if (rc < 0) {
		fprintf(stderr, "unitsim: rule for %s: %s\n", name,
			strerror(-rc));
		exit(127);
	}
}

static int
bounding(const char *list)
{
	int keep[CAP_LAST_CAP + 1] = { 0 };
	char *copy = strdup(list), *save = NULL, *w;
	cap_t caps;
	int dropped = 0;

	for (w = strtok_r(copy, ", ", &save); w;
	     w = strtok_r(NULL, ", ", &save)) {
		cap_value_t v;

		if (cap_from_name(w, &v) < 0) {
			fprintf(stderr, "unitsim: unknown capability %s\n", w);
			exit(127);
		}
		if (v <= CAP_LAST_CAP)
			keep[v] = 1;
	}
	free(copy);
	/* Dropping needs CAP_SETPCAP: the highest first, CAP_SETPCAP
	 * included (it is still effective until exec). */
	for (int c = 0; c <= CAP_LAST_CAP; c++) {
		if (keep[c] || !CAP_IS_SUPPORTED(c))
			continue;
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
			die("PR_CAPBSET_DROP", errno);
		dropped++;
	}
	/* Nothing outside the bounding set may come back through the
	 * inheritable set either. */
	caps = cap_get_proc();
	if (caps == NULL)
		die("cap_get_proc", errno);
	for (int c = 0; c <= CAP_LAST_CAP; c++) {
		cap_value_t v = c;

		if (!keep[c] && cap_set_flag(caps, CAP_INHERITABLE, 1, &v,
					     CAP_CLEAR) < 0)
			die("cap_set_flag", errno);
	}
	if (cap_set_proc(caps) < 0)
		die("cap_set_proc", errno);
	cap_free(caps);
	return dropped;
}

static int
syscall_filter(const char *file, int err)
{
	scmp_filter_ctx ctx = new_filter(SCMP_ACT_ERRNO(err));
	FILE *f = fopen(file, "r");
	char line[128];
	int n = 0;

	if (f == NULL)
		die(file, errno);
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (seccomp_syscall_resolve_name(line) == __NR_SCMP_ERROR)
			continue;
		rule(ctx, SCMP_ACT_ALLOW, line, 0, NULL);
		n++;
	}
	fclose(f);
	load(ctx, "seccomp_load (SystemCallFilter)");
	return n;
}

static void
families(const char *list)
{
	int allow[AF_MAX] = { 0 };
	char *copy = strdup(list), *save = NULL, *w;
	scmp_filter_ctx ctx = new_filter(SCMP_ACT_ALLOW);
	static const struct { const char *name; int af; } names[] = {
		{ "AF_UNIX", AF_UNIX }, { "AF_LOCAL", AF_LOCAL },
		{ "AF_INET", AF_INET }, { "AF_INET6", AF_INET6 },
		{ "AF_NETLINK", AF_NETLINK }, { "AF_PACKET", AF_PACKET },
	};

	for (w = strtok_r(copy, ", ", &save); w;
	     w = strtok_r(NULL, ", ", &save)) {
		size_t i;

		for (i = 0; i < sizeof names / sizeof names[0]; i++)
			if (strcmp(w, names[i].name) == 0)
				break;
		if (i == sizeof names / sizeof names[0]) {
			fprintf(stderr, "unitsim: unknown family %s\n", w);
			exit(127);
		}
		allow[names[i].af] = 1;
	}
	free(copy);
	for (int af = 0; af < AF_MAX; af++) {
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_EQ, af);

		if (!allow[af])
			rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &c);
	}
	{
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_GE, AF_MAX);

		rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &c);
	}
	load(ctx, "seccomp_load (RestrictAddressFamilies)");
}

static void
namespaces(void)
{
	scmp_filter_ctx ctx = new_filter(SCMP_ACT_ALLOW);
	struct scmp_arg_cmp c;

	/* As systemd: unshare() and clone() with any namespace flag and
	 * every setns() fail; clone3() hides its flags in memory, so it
	 * reports ENOSYS and the C library falls back to clone(). */
	rule(ctx, SCMP_ACT_ERRNO(EPERM), "setns", 0, NULL);
	for (unsigned long bit = 1; bit; bit <<= 1) {
		if (!(NS_FLAGS & bit))
			continue;
		c = SCMP_A0(SCMP_CMP_MASKED_EQ, bit, bit);
		rule(ctx, SCMP_ACT_ERRNO(EPERM), "unshare", 1, &c);
		/* x86-64 and most others: flags are clone()'s first
		 * argument (s390 swaps them; not handled here). */
		rule(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &c);
	}
	rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	load(ctx, "seccomp_load (RestrictNamespaces)");
}

static void
mdwe(void)
{
	scmp_filter_ctx ctx = new_filter(SCMP_ACT_ALLOW);
	struct scmp_arg_cmp wx = SCMP_A2(SCMP_CMP_MASKED_EQ,
					 PROT_EXEC | PROT_WRITE,
					 PROT_EXEC | PROT_WRITE);
	struct scmp_arg_cmp x = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC,
					PROT_EXEC);
	struct scmp_arg_cmp shx = SCMP_A2(SCMP_CMP_MASKED_EQ, SHM_EXEC,
					  SHM_EXEC);

	/* As systemd: no writable and executable mapping, no mapping made
	 * executable later. */
	rule(ctx, SCMP_ACT_ERRNO(EPERM), "mmap", 1, &wx);
	rule(ctx, SCMP_ACT_ERRNO(EPERM), "mprotect", 1, &x);
	rule(ctx, SCMP_ACT_ERRNO(EPERM), "pkey_mprotect", 1, &x);
	rule(ctx, SCMP_ACT_ERRNO(EPERM), "shmat", 1, &shx);
	load(ctx, "seccomp_load (MemoryDenyWriteExecute)");
}

static void
suid(void)
{
	scmp_filter_ctx ctx = new_filter(SCMP_ACT_ALLOW);
	struct scmp_arg_cmp c[2];

	/* As systemd: no set-user-ID or set-group-ID bit set by chmod,
	 * or on a file created by open or mknod. */
	c[0] = (struct scmp_arg_cmp)SCMP_A1(SCMP_CMP_MASKED_EQ, S_ISUID, S_ISUID);
	rule(ctx, SCMP_ACT_ERRNO(EPERM), "chmod", 1, c);
	rule(ctx, SCMP_ACT_ERRNO(EPERM), "fchmod", 1, c);
	c[0] = (struct scmp_arg_cmp)SCMP_A1(SCMP_CMP_MASKED_EQ, S_ISGID, S_ISGID);
	rule(ctx, SCMP_ACT_ERRNO(EPERM), "chmod", 1, c);
	rule(ctx, SCMP_ACT_ERRNO(EPERM), "fchmod", 1, c);
	for (int i = 0; i < 2; i++) {
		unsigned long bit = i ? S_ISGID : S_ISUID;

		c[0] = (struct scmp_arg_cmp)SCMP_A2(SCMP_CMP_MASKED_EQ, bit, bit);
		rule(ctx, SCMP_ACT_ERRNO(EPERM), "fchmodat", 1, c);
		rule(ctx, SCMP_ACT_ERRNO(EPERM), "fchmodat2", 1, c);
		rule(ctx, SCMP_ACT_ERRNO(EPERM), "mknodat", 1, c);
		c[0] = (struct scmp_arg_cmp)SCMP_A1(SCMP_CMP_MASKED_EQ, bit, bit);
		rule(ctx, SCMP_ACT_ERRNO(EPERM), "mknod", 1, c);
		c[0] = (struct scmp_arg_cmp)SCMP_A2(SCMP_CMP_MASKED_EQ, bit, bit);
		c[1] = (struct scmp_arg_cmp)SCMP_A1(SCMP_CMP_MASKED_EQ,
						    O_CREAT, O_CREAT);
		rule(ctx, SCMP_ACT_ERRNO(EPERM), "open", 2, c);
		c[0] = (struct scmp_arg_cmp)SCMP_A3(SCMP_CMP_MASKED_EQ, bit, bit);
		c[1] = (struct scmp_arg_cmp)SCMP_A2(SCMP_CMP_MASKED_EQ,
						    O_CREAT, O_CREAT);
		rule(ctx, SCMP_ACT_ERRNO(EPERM), "openat", 2, c);
		c[0] = (struct scmp_arg_cmp)SCMP_A1(SCMP_CMP_MASKED_EQ, bit, bit);
		rule(ctx, SCMP_ACT_ERRNO(EPERM), "creat", 1, c);
	}
	load(ctx, "seccomp_load (RestrictSUIDSGID)");
}


/* ---- the mount namespace ---- */

#define MAX_RW 32

static int
setattr(const char *path, unsigned long set, unsigned long clr)
{
	struct mount_attr a = { .attr_set = set, .attr_clr = clr };

	return (int)syscall(SYS_mount_setattr, AT_FDCWD, path,
			    AT_RECURSIVE | AT_SYMLINK_NOFOLLOW, &a, sizeof a);
}

static void
must(int rc, const char *what, const char *path)
{
	if (rc < 0) {
		fprintf(stderr, "unitsim: %s %s: %s\n", what, path,
			strerror(errno));
		exit(127);
	}
}

static void
bind_self(const char *path)
{
	must(mount(path, path, NULL, MS_BIND | MS_REC, NULL), "bind", path);
}

static void
private_devices(void)
{
	static const char *nodes[] = { "null", "zero", "full", "random",
				       "urandom", "tty" };
	const char *stage = "/tmp/.unitsim-dev";
	char src[64], dst[64];

	/* Staged in the private /tmp, then moved over /dev. */
	must(mkdir(stage, 0755), "mkdir", stage);
	must(mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NOEXEC,
		   "mode=0755"), "mount tmpfs", stage);
	for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
		int fd;

		snprintf(src, sizeof src, "/dev/%s", nodes[i]);
		snprintf(dst, sizeof dst, "%s/%s", stage, nodes[i]);
		fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
		must(fd, "create", dst);
		close(fd);
		must(mount(src, dst, NULL, MS_BIND, NULL), "bind", src);
	}
	snprintf(dst, sizeof dst, "%s/pts", stage);
	must(mkdir(dst, 0755), "mkdir", dst);
	must(mount("/dev/pts", dst, NULL, MS_BIND | MS_REC, NULL), "bind",
	     "/dev/pts");
	snprintf(dst, sizeof dst, "%s/ptmx", stage);
	must(symlink("pts/ptmx", dst), "symlink", dst);
	snprintf(dst, sizeof dst, "%s/shm", stage);
	must(mkdir(dst, 01777), "mkdir", dst);
	must(mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV,
		   "mode=1777"), "mount tmpfs", dst);
	for (const char *l = "fd\0/proc/self/fd\0stdin\0/proc/self/fd/0\0"
	     "stdout\0/proc/self/fd/1\0stderr\0/proc/self/fd/2\0"; *l;
	     l += strlen(l) + 1, l += strlen(l) + 1) {
		snprintf(dst, sizeof dst, "%s/%s", stage, l);
		must(symlink(l + strlen(l) + 1, dst), "symlink", dst);
	}
	/* Read-only, as systemd leaves it (no new nodes). */
	must(mount(NULL, stage, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
		   MS_NOSUID | MS_NOEXEC, NULL), "remount", stage);
	must(mount(stage, "/dev", NULL, MS_MOVE, NULL), "move", "/dev");
	must(rmdir(stage), "rmdir", stage);
}

static void
mount_ns(int ro, const char **rw, int nrw, const char **run, int nrun,
	 int tmp, int dev, int tun, const char *procopts)
{
	char path[256], opts[64];

	must(unshare(CLONE_NEWNS), "unshare", "CLONE_NEWNS");
	must(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL),
	     "make private", "/");
	for (int i = 0; i < nrun; i++) {
		const char *colon = strrchr(run[i], ':');

		if (colon == NULL || (size_t)(colon - run[i]) >= sizeof path) {
			fprintf(stderr, "unitsim: --runtime-dir PATH:MODE\n");
			exit(127);
		}
		snprintf(path, sizeof path, "%.*s", (int)(colon - run[i]),
			 run[i]);
		snprintf(opts, sizeof opts, "mode=%s", colon + 1);
		must(mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, opts),
		     "mount tmpfs", path);
	}
	/* The writable paths first get mounts of their own. */
	for (int i = 0; i < nrw; i++)
		if (access(rw[i], F_OK) == 0)
			bind_self(rw[i]);
	if (tmp) {
		must(mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
			   "mode=1777"), "mount tmpfs", "/tmp");
		if (access("/var/tmp", F_OK) == 0)
			must(mount("tmpfs", "/var/tmp", "tmpfs",
				   MS_NOSUID | MS_NODEV, "mode=1777"),
			     "mount tmpfs", "/var/tmp");
	}
	if (dev && !tmp) {
		fprintf(stderr, "unitsim: --private-devices needs "
			"--private-tmp\n");
		exit(127);
	}
	if (dev)
		private_devices();
	if (procopts)
		must(mount("proc", "/proc", "proc",
			   MS_NOSUID | MS_NODEV | MS_NOEXEC, procopts),
		     "mount proc", procopts);
	if (ro) {
		must(setattr("/", MOUNT_ATTR_RDONLY, 0), "read-only", "/");
		/* ProtectSystem=strict spares the API file systems... */
		must(setattr("/proc", 0, MOUNT_ATTR_RDONLY), "read-write",
		     "/proc");
		must(setattr("/sys", 0, MOUNT_ATTR_RDONLY), "read-write",
		     "/sys");
		if (!dev)
			must(setattr("/dev", 0, MOUNT_ATTR_RDONLY),
			     "read-write", "/dev");
		if (dev) {
			must(setattr("/dev/shm", 0, MOUNT_ATTR_RDONLY),
			     "read-write", "/dev/shm");
			must(setattr("/dev/pts", 0, MOUNT_ATTR_RDONLY),
			     "read-write", "/dev/pts");
		}
		/* ... the private /tmp and the ReadWritePaths. */
		if (tmp) {
			must(setattr("/tmp", 0, MOUNT_ATTR_RDONLY),
			     "read-write", "/tmp");
			if (access("/var/tmp", F_OK) == 0)
				must(setattr("/var/tmp", 0, MOUNT_ATTR_RDONLY),
				     "read-write", "/var/tmp");
		}
		for (int i = 0; i < nrw; i++)
			if (access(rw[i], F_OK) == 0)
				must(setattr(rw[i], 0, MOUNT_ATTR_RDONLY),
				     "read-write", rw[i]);
		for (int i = 0; i < nrun; i++) {
			snprintf(path, sizeof path, "%.*s",
				 (int)(strrchr(run[i], ':') - run[i]), run[i]);
			must(setattr(path, 0, MOUNT_ATTR_RDONLY),
			     "read-write", path);
		}
	}
	if (tun) {
		must(setattr("/sys", MOUNT_ATTR_RDONLY, 0), "read-only",
		     "/sys");
		if (access("/proc/sys", F_OK) == 0) {
			bind_self("/proc/sys");
			must(setattr("/proc/sys", MOUNT_ATTR_RDONLY, 0),
			     "read-only", "/proc/sys");
		}
	}
}

int
main(int argc, char **argv)
{
	const char *caps = NULL, *sysfile = NULL, *fams = NULL;
	int nnp = 0, ns = 0, wx = 0, su = 0, err = EPERM;
	int mns = 0, ro = 0, tmp = 0, dev = 0, tun = 0, ipc = 0, uts = 0;
	const char *rw[MAX_RW], *run[MAX_RW], *procopts = NULL;
	int nrw = 0, nrun = 0;
	long mask = -1, nofile = -1;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "--nnp") == 0) {
			nnp = 1;
		} else if (strcmp(a, "--restrict-namespaces") == 0) {
			ns = 1;
		} else if (strcmp(a, "--mdwe") == 0) {
			wx = 1;
		} else if (strcmp(a, "--restrict-suid") == 0) {
			su = 1;
		} else if (strcmp(a, "--mount-ns") == 0) {
			mns = 1;
		} else if (strcmp(a, "--read-only") == 0) {
			ro = 1;
		} else if (strcmp(a, "--private-tmp") == 0) {
			tmp = 1;
		} else if (strcmp(a, "--private-devices") == 0) {
			dev = 1;
		} else if (strcmp(a, "--protect-tunables") == 0) {
			tun = 1;
		} else if (strcmp(a, "--private-ipc") == 0) {
			ipc = 1;
		} else if (strcmp(a, "--protect-hostname") == 0) {
			uts = 1;
		} else if (v == NULL) {
			fprintf(stderr, "unitsim: %s needs a value\n", a);
			return 127;
		} else if (strcmp(a, "--caps") == 0) {
			caps = v, i++;
		} else if (strcmp(a, "--syscalls") == 0) {
			sysfile = v, i++;
		} else if (strcmp(a, "--errno") == 0) {
			err = atoi(v), i++;
		} else if (strcmp(a, "--families") == 0) {
			fams = v, i++;
		} else if (strcmp(a, "--umask") == 0) {
			mask = strtol(v, NULL, 8), i++;
		} else if (strcmp(a, "--nofile") == 0) {
			nofile = atol(v), i++;
		} else if (strcmp(a, "--rw") == 0) {
			if (nrw == MAX_RW) {
				fprintf(stderr, "unitsim: too many --rw\n");
				return 127;
			}
			rw[nrw++] = v, i++;
		} else if (strcmp(a, "--runtime-dir") == 0) {
			if (nrun == MAX_RW) {
				fprintf(stderr, "unitsim: too many "
					"--runtime-dir\n");
				return 127;
			}
			run[nrun++] = v, i++;
		} else if (strcmp(a, "--proc") == 0) {
			procopts = v, i++;
		} else {
			fprintf(stderr, "unitsim: unknown option %s\n", a);
			return 127;
		}
	}
	if (i >= argc) {
		fprintf(stderr, "usage: unitsim [options] -- command [arg...]\n");
		return 127;
	}

	if (mask >= 0)
		umask((mode_t)mask);
	if (nofile > 0) {
		struct rlimit rl = { (rlim_t)nofile, (rlim_t)nofile };

		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			/* Raising the hard limit needs CAP_SYS_RESOURCE,
			 * which systemd has and a container may not. */
			struct rlimit cur;

			if (errno != EPERM)
				die("setrlimit RLIMIT_NOFILE", errno);
			if (getrlimit(RLIMIT_NOFILE, &cur) < 0)
				die("getrlimit RLIMIT_NOFILE", errno);
			fprintf(stderr, "unitsim: LimitNOFILE=%ld not "
				"possible here, %ld instead\n", nofile,
				(long)cur.rlim_max);
			rl.rlim_cur = rl.rlim_max = cur.rlim_max;
			if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
				die("setrlimit RLIMIT_NOFILE", errno);
		}
	}
	/* systemd's order: namespaces and mounts (they need
	 * CAP_SYS_ADMIN), capabilities, no_new_privs, then the seccomp
	 * filters (the system call filter last: it may forbid what the
	 * others need). */
	if (mns)
		mount_ns(ro, rw, nrw, run, nrun, tmp, dev, tun, procopts);
	if (ipc)
		must(unshare(CLONE_NEWIPC), "unshare", "CLONE_NEWIPC");
	if (uts)
		must(unshare(CLONE_NEWUTS), "unshare", "CLONE_NEWUTS");
	if (caps)
		bounding(caps);
	if (nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("PR_SET_NO_NEW_PRIVS", errno);
	if (fams)
		families(fams);
	if (ns)
		namespaces();
	if (wx)
		mdwe();
	if (su)
		suid();
	if (sysfile)
		syscall_filter(sysfile, err);
	execvp(argv[i], argv + i);
	die(argv[i], errno);
	return 127;
}
