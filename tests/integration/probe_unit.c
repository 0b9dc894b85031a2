/*
 * probe_unit: try what the restrictions of systemd/sandftpd.service
 * forbid, and print "NAME ERRNO" per attempt (0: it worked).
 * test_unitsim.py runs it bare (everything works as root) and under
 * unitsim (each attempt fails the way systemd makes it fail).
 * Arguments: a scratch file it may chmod, a file it may create (and
 * removes) where ProtectSystem=strict forbids it, a file in /tmp.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

static void
report(const char *name, long rc)
{
	printf("%s %d\n", name, rc < 0 ? errno : 0);
}

int
main(int argc, char **argv)
{
	struct rlimit rl = { 0, 0 };
	long fd, pidfd;
	void *p;

	if (argc != 4)
		return 2;
	/* ~@resources: setrlimit itself (glibc would use prlimit64). */
	report("setrlimit", syscall(SYS_setrlimit, RLIMIT_CORE, &rl));
	/* @debug, outside @system-service; no capability needed on
	 * oneself. */
	pidfd = syscall(SYS_pidfd_open, getpid(), 0);
	report("pidfd_open", pidfd);
	report("pidfd_getfd", fd = syscall(SYS_pidfd_getfd, pidfd, 1, 0));
	/* RestrictAddressFamilies= */
	report("socket_netlink", fd = socket(AF_NETLINK, SOCK_RAW, 0));
	report("socket_inet6", fd = socket(AF_INET6, SOCK_STREAM, 0));
	/* RestrictNamespaces= */
	report("unshare_newns", unshare(CLONE_NEWNS));
	/* MemoryDenyWriteExecute= */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	report("mmap_wx", p == MAP_FAILED ? -1 : 0);
	/* RestrictSUIDSGID= */
	report("chmod_suid", chmod(argv[1], 04755));
	/* ProtectSystem=strict, PrivateTmp=, ProcSubset=pid,
	 * PrivateDevices= */
	fd = open(argv[2], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	report("create_outside_rw", fd);
	if (fd >= 0)
		unlink(argv[2]);
	report("host_tmp_file", access(argv[3], F_OK));
	report("proc_sys", access("/proc/sys/kernel", F_OK));
	report("dev_null", access("/dev/null", W_OK));
	/* CapabilityBoundingSet=, NoNewPrivileges= */
	printf("bounding_sys_admin %d\n",
	       (int)prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN, 0, 0, 0));
	printf("bounding_setuid %d\n",
	       (int)prctl(PR_CAPBSET_READ, CAP_SETUID, 0, 0, 0));
	printf("no_new_privs %d\n",
	       (int)prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	return 0;
}
