/*
 * auth_main.c - the authentication process: one request from the
 * master, one verdict back, and for a system user the PAM session held
 * open until the master closes the socketpair (the session ended).
 *
 * It runs as root because PAM needs it (shadow, pam_setcred).  It holds
 * nothing of the master's: it is a fresh image (exec), its descriptors
 * are /dev/null, the socketpair and nothing else.
 */
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/ipc.h"
#include "../../common/util.h"
#include "auth.h"

#define REQUEST_TIMEOUT_MS 10000

static int
wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, timeout_ms);
}

bool
auth_account_identity(const char *account, struct auth_verdict *out)
{
	struct passwd pw, *pwp = NULL;
	gid_t groups[AUTH_GROUPS_MAX];
	int ngroups = AUTH_GROUPS_MAX, i;
	static char buf[16384];

	if (getpwnam_r(account, &pw, buf, sizeof(buf), &pwp) != 0 ||
	    pwp == NULL) {
		snprintf(out->reason, sizeof(out->reason),
		    "no local account '%s'", account);
		return false;
	}
	if (pw.pw_uid == 0 || pw.pw_gid == 0) {
		str_copy(out->reason, sizeof(out->reason),
		    "the account is root's");
		return false;
	}
	if (getgrouplist(account, pw.pw_gid, groups, &ngroups) < 0) {
		/* More groups than we carry: the session gets the first
		 * AUTH_GROUPS_MAX, which getgrouplist filled in. */
		ngroups = AUTH_GROUPS_MAX;
	}
	out->uid = pw.pw_uid;
	out->gid = pw.pw_gid;
	out->ngroups = 0;
	for (i = 0; i < ngroups && i < AUTH_GROUPS_MAX; i++)
		if (groups[i] != 0)	/* never the root group */
			out->groups[out->ngroups++] = groups[i];
	if (out->root[0] == '\0' &&
	    str_copy(out->root, sizeof(out->root), pw.pw_dir) < 0) {
		str_copy(out->reason, sizeof(out->reason),
		    "home directory name too long");
		return false;
	}
	return true;
}

static bool
check_virtual(const struct auth_request *rq, struct auth_verdict *out)
{
	if (!auth_hash_matches(rq->pass, rq->hash)) {
		str_copy(out->reason, sizeof(out->reason), "wrong password");
		return false;
	}
	str_copy(out->user, sizeof(out->user), rq->user);
	str_copy(out->root, sizeof(out->root), rq->root);
	return auth_account_identity(rq->account, out);
}

static bool
request_ok(const struct ipc_msg *m)
{
	const struct auth_request *rq = (const void *)m->u.raw;

	return !m->truncated && m->nfds == 0 && m->len == sizeof(*rq) &&
	    rq->hdr.type == AUTH_REQUEST && rq->hdr.len == sizeof(*rq) &&
	    str_terminated(rq->service, sizeof(rq->service)) &&
	    str_terminated(rq->user, sizeof(rq->user)) &&
	    str_terminated(rq->pass, sizeof(rq->pass)) &&
	    str_terminated(rq->rhost, sizeof(rq->rhost)) &&
	    str_terminated(rq->hash, sizeof(rq->hash)) &&
	    str_terminated(rq->account, sizeof(rq->account)) &&
	    str_terminated(rq->root, sizeof(rq->root));
}

static void
send_verdict(struct auth_verdict *v, int root_fd)
{
	ipc_hdr_init(&v->hdr, AUTH_VERDICT, sizeof(*v));
	if (ipc_send(IPC_CHILD_FD, v, sizeof(*v), &root_fd,
	    root_fd >= 0 ? 1 : 0) < 0)
		_exit(1);
}

int
auth_main(void)
{
	static struct ipc_msg m;
	static struct auth_verdict v;
	struct auth_request *rq = (void *)m.u.raw;
	int root_fd = -1;
	bool ok = false;
	struct stat st;

	ipc_require_master(AUTH_ARG);
	prctl(PR_SET_NAME, "sandftpd-auth", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);	/* it holds a password */
	signal(SIGPIPE, SIG_IGN);
	if (getppid() == 1)
		_exit(1);		/* the master is already gone */

	if (wait_readable(IPC_CHILD_FD, REQUEST_TIMEOUT_MS) <= 0 ||
	    ipc_recv(IPC_CHILD_FD, &m) <= 0 || !request_ok(&m))
		_exit(1);
	memset(&v, 0, sizeof(v));
	switch (rq->method) {
	case AUTH_VIRTUAL:
		ok = check_virtual(rq, &v);
		break;
	case AUTH_PAM:
		ok = auth_pam_login(rq, &v);
		break;
	case AUTH_DECOY:
		auth_hash_decoy(rq->pass);
		str_copy(v.reason, sizeof(v.reason), "the name may not log in");
		break;
	default:
		_exit(1);
	}
	explicit_bzero(rq->pass, sizeof(rq->pass));
	if (ok) {
		root_fd = open(v.root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (root_fd < 0 || fstat(root_fd, &st) < 0) {
			snprintf(v.reason, sizeof(v.reason), "the root "
			    "directory: %m");
			ok = false;
			if (root_fd >= 0)
				close(root_fd);
			root_fd = -1;
		}
	}
	v.accepted = ok;
	send_verdict(&v, root_fd);
	if (!ok || rq->method != AUTH_PAM) {
		auth_pam_logout();
		_exit(0);
	}
	/* The PAM session lasts as long as the FTP session: until the
	 * master closes its end. */
	while (ipc_recv(IPC_CHILD_FD, &m) > 0)
		;
	auth_pam_logout();
	_exit(0);
}
