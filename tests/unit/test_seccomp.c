/*
 * test_seccomp.c - the seccomp programs the master makes for its
 * children: a program is refused unless it is sealed and whole, and a
 * loaded one lets through what its policy allows and kills on the rest.
 */
#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../sandbox/sandbox.h"
#include "suites.h"

/* In a fresh process: load policy's program, make one call; its status. */
static int
run_under(enum seccomp_policy policy, long call)
{
	int st;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct seccomp_program p;
		int fd = seccomp_program_make(policy, false, false, getpid());

		if (fd < 0 || seccomp_program_map(fd, &p) < 0 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(90);
		close(fd);
		if (seccomp_program_load(&p, false) < 0)
			_exit(91);
		if (call == SYS_getpid)
			(void)syscall(SYS_getpid);
		else
			(void)syscall(call, AT_FDCWD, "/", O_RDONLY, 0);
		_exit(7);
	}
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return st;
}

START_TEST(test_loaded_program_allows_and_kills)
{
	int st = run_under(POLICY_PRELOGIN, SYS_getpid);

	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 7, "status %d", st);
	/* No file system before login: openat kills. */
	st = run_under(POLICY_PRELOGIN, SYS_openat);
	ck_assert_msg(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
	    "status %d", st);
	/* A session may open for reading. */
	st = run_under(POLICY_SESSION_RO, SYS_openat);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 7, "status %d", st);
}
END_TEST

START_TEST(test_program_must_be_sealed_and_whole)
{
	struct seccomp_program p;
	int fd = seccomp_program_make(POLICY_SESSION_RO, false, false, 0);
	char buf[65536];
	ssize_t n;
	int copy;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(seccomp_program_map(fd, &p), 0);
	ck_assert_uint_gt(p.len, 10);
	n = pread(fd, buf, sizeof(buf), 0);
	ck_assert_int_eq(n, (ssize_t)(p.len * 8));
	munmap(p.filter, p.len * 8);

	/* The same bytes, not sealed: anyone holding it could change it. */
	copy = memfd_create("copy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ck_assert_int_eq(write(copy, buf, (size_t)n), n);
	ck_assert_int_eq(seccomp_program_map(copy, &p), -1);
	close(copy);
	/* Sealed, but cut in the middle of an instruction. */
	copy = memfd_create("copy", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	ck_assert_int_eq(write(copy, buf, (size_t)n - 3), n - 3);
	ck_assert_int_eq(fcntl(copy, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK | F_SEAL_SEAL), 0);
	ck_assert_int_eq(seccomp_program_map(copy, &p), -1);
	close(copy);
	close(fd);
}
END_TEST

Suite *
seccomp_suite(void)
{
	Suite *s = suite_create("seccomp");
	TCase *tc = tcase_create("programs");

	tcase_add_test(tc, test_loaded_program_allows_and_kills);
	tcase_add_test(tc, test_program_must_be_sealed_and_whole);
	suite_add_tcase(s, tc);
	return s;
}
