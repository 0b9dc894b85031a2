/*
 * sandbox.h - what a child may do from the moment it could meet a client:
 * one call, sandbox_enter(), applies every restriction in order and
 * fails closed (fatal, the child exits and the master logs why).
 *
 * The pieces live in caps.c (libcap), jail.c (chroot, uid, user
 * namespace, rlimits, prctl), landlock.c and seccomp.c (libseccomp).  The
 * master uses caps_restrict_master() from here too.
 */
#ifndef SANDFTPD_SANDBOX_H
#define SANDFTPD_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum seccomp_policy {
	POLICY_PRELOGIN,	/* control socket, socketpair, poll, time, exit */
	POLICY_SESSION_RO,	/* + read-only file access, data sockets the
				 * master made */
	POLICY_SESSION_UPLOAD,	/* + creating new files (never replacing
				 * one), for anonymous uploads */
	POLICY_SESSION_RW,	/* + writing, creating, removing, renaming,
				 * chmod and times */
};

/* A BPF filter program the master made (seccomp.c). */
struct sock_filter;
struct seccomp_program {
	struct sock_filter *filter;	/* mapped read-only from the memfd */
	size_t len;			/* instructions */
};

struct sandbox_spec {
	bool privileged;	/* root: the uid switch to spec.uid/gid */
	uid_t uid;
	gid_t gid;
	size_t ngroups;		/* supplementary groups (as root) */
	const gid_t *groups;
	int root_dir_fd;	/* the directory that becomes "/" */
	bool file_access;	/* may read files beneath it (Landlock rule) */
	int upload_dir_fd;	/* POLICY_SESSION_UPLOAD: where (else -1) */
	enum seccomp_policy policy;
	struct seccomp_program filter;	/* the master's program for policy */
	bool seccomp_debug;	/* trap and name a violating syscall, then die */
	bool skip_landlock;	/* tests only: behave as if the kernel had none */
};

struct sandbox_report {
	uint32_t applied;	/* SANDBOX_* from ipc.h */
	int landlock_abi;
	uid_t uid;
	gid_t gid;
};

/* Apply everything; on any failure log why and exit.  No return on error. */
void sandbox_enter(const struct sandbox_spec *spec, struct sandbox_report *r);

/* Called (from the SIGSYS handler, async-signal-safe) in debug mode. */
typedef void (*seccomp_violation_fn)(const char *name, long nr);
void sandbox_on_violation(seccomp_violation_fn fn);

/* caps.c */
int caps_restrict_master(const int *keep, int nkeep);
int caps_clear_bounding(void);
int caps_drop_all(void);
bool caps_none_left(void);
void caps_describe(char *buf, size_t n);

/* jail.c */
int jail_chroot_fd(int dirfd);
int jail_set_fs_ids(uid_t uid, gid_t gid, size_t ngroups,
    const gid_t *groups);
int jail_switch_uid(uid_t uid, gid_t gid, size_t ngroups,
    const gid_t *groups);
int jail_enter_userns(uid_t uid, gid_t gid);
int jail_rlimits(bool may_write);
int jail_no_dump(void);
int jail_no_new_privs(void);
int jail_lock_securebits(void);

/* landlock.c */
int landlock_abi(void);
int landlock_restrict(int root_fd, enum seccomp_policy policy,
    int upload_fd, int abi);

/* seccomp.c */
/* Master: the policy's BPF program in a sealed memfd (-1 on failure).
 * child: its pid (test builds' sanitizer rules name it), else 0. */
int seccomp_program_make(enum seccomp_policy policy, bool debug, bool tls,
    pid_t child);
/* Child: map the master's program (checked: size, seals); -1 if bad. */
int seccomp_program_map(int fd, struct seccomp_program *p);
/* Child: load it, last step of the sandbox; -1 on failure. */
int seccomp_program_load(const struct seccomp_program *p, bool debug);
/* Which policy a child of this kind (enum child_kind), with these
 * rights (RIGHT_*) and init flags (INIT_*), runs under. */
enum seccomp_policy sandbox_policy(uint32_t kind, uint32_t rights,
    uint32_t flags);
const char *sandbox_seccomp_version(void);

#endif
