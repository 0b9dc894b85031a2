/*
 * sandbox.c - the one place a child gives up what it will never need
 * again.  The order matters and is written out step by step: every step
 * that needs a privilege runs while the privilege is still there, and
 * every step is checked; the first failure ends the process (fatal), so a
 * child can never serve a client with a partial sandbox.
 *
 * The root of every child is the tree it serves (the anonymous root) or
 * an empty directory: "/" and ".." end there for every path and every
 * descriptor, by the kernel.  As root the child chroots with the
 * master's CAP_SYS_CHROOT; unprivileged, it first enters a user namespace
 * of its own, in which it may chroot (and clear its bounding set).
 */
#include <errno.h>
#include <unistd.h>

#include "../common/ipc.h"
#include "../common/log.h"
#include "sandbox.h"

static void
enter_root(const struct sandbox_spec *spec, struct sandbox_report *r)
{
	/* Needs CAP_SETGID (the groups); no capability is lost. */
	if (spec->privileged && jail_set_fs_ids(spec->uid, spec->gid,
	    spec->ngroups, spec->groups) < 0)
		fatal("sandbox: file-system ids %u/%u", (unsigned)spec->uid,
		    (unsigned)spec->gid);
	/* Needs CAP_SYS_CHROOT. */
	if (jail_chroot_fd(spec->root_dir_fd) < 0)
		fatal("sandbox: chroot");
	r->applied |= SANDBOX_CHROOT;

	/* Both need CAP_SETPCAP. */
	if (jail_lock_securebits() < 0)
		fatal("sandbox: locking securebits");
	if (caps_clear_bounding() < 0)
		fatal("sandbox: clearing the capability bounding set");
	r->applied |= SANDBOX_BOUNDING;

	if (spec->privileged) {
		/* Needs CAP_SETUID/CAP_SETGID; the kernel then clears all
		 * capability sets. */
		if (jail_switch_uid(spec->uid, spec->gid, spec->ngroups,
		    spec->groups) < 0)
			fatal("sandbox: switching to uid %u gid %u",
			    (unsigned)spec->uid, (unsigned)spec->gid);
		r->applied |= SANDBOX_UID;
	}
}

void
sandbox_enter(const struct sandbox_spec *spec, struct sandbox_report *r)
{
	r->applied = 0;
	r->landlock_abi = 0;

	if (!spec->privileged) {
		/*
		 * Gives the capabilities that chroot and the bounding set
		 * need, inside a namespace that maps only our own ids.  Its
		 * maps are written through /proc/self, which stops being ours
		 * once we are not dumpable: so this comes first (unprivileged,
		 * every process of our uid could reach us until now anyway).
		 */
		if (jail_enter_userns(spec->uid, spec->gid) < 0)
			fatal("sandbox: entering a user namespace (needed to "
			    "chroot without root; run as root where user "
			    "namespaces are disabled)");
		r->applied |= SANDBOX_USERNS;
	}
	if (jail_no_dump() < 0)
		fatal("sandbox: PR_SET_DUMPABLE");
	r->applied |= SANDBOX_NODUMP;

	enter_root(spec, r);

	if (caps_drop_all() < 0 || !caps_none_left())
		fatalx("sandbox: capabilities remain after dropping them");
	r->applied |= SANDBOX_CAPS;

	if (jail_rlimits(spec->policy == POLICY_SESSION_RW ||
	    spec->policy == POLICY_SESSION_UPLOAD) < 0)
		fatal("sandbox: resource limits");
	r->applied |= SANDBOX_RLIMITS;

	/* Landlock needs no_new_privs (or CAP_SYS_ADMIN, which is gone). */
	if (jail_no_new_privs() < 0)
		fatal("sandbox: PR_SET_NO_NEW_PRIVS");
	r->applied |= SANDBOX_NNP;

	r->landlock_abi = spec->skip_landlock ? 0 : landlock_abi();
	if (r->landlock_abi > 0) {
		if (landlock_restrict(spec->file_access ? spec->root_dir_fd :
		    -1, spec->policy, spec->upload_dir_fd,
		    r->landlock_abi) < 0)
			fatal("sandbox: Landlock (ABI %d)", r->landlock_abi);
		r->applied |= SANDBOX_LANDLOCK;
	}

	r->uid = getuid();
	r->gid = getgid();

	/* Last: the filter also forbids every call made above. */
	if (seccomp_program_load(&spec->filter, spec->seccomp_debug) < 0)
		fatalx("sandbox: installing the seccomp filter failed");
	r->applied |= SANDBOX_SECCOMP;
}

enum seccomp_policy
sandbox_policy(uint32_t kind, uint32_t rights, uint32_t flags)
{
	if (kind == CHILD_PRELOGIN)
		return POLICY_PRELOGIN;
	if (kind == CHILD_USER && (rights & RIGHT_WRITE))
		return POLICY_SESSION_RW;
	if (kind == CHILD_ANON && (flags & INIT_ANON_UPLOAD))
		return POLICY_SESSION_UPLOAD;
	return POLICY_SESSION_RO;
}
