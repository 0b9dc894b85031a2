/*
 * authproto.h - the messages between the master and an authentication
 * process (daemon/auth/), over a SOCK_SEQPACKET socketpair.
 *
 * The master starts one authentication process per login that needs a
 * password checked (`sandftpd --auth`: fork and exec, root, descriptors
 * 0-2 on /dev/null, the socketpair on 3).  It sends one AUTH_REQUEST and
 * waits, in its event loop, for one AUTH_VERDICT; PAM modules that take
 * seconds, hang or crash stall only that process.  The master validates
 * the verdict (auth_check_verdict) like any message from another process
 * and decides itself what an accepted login becomes.
 *
 * For a system user the process then stays, holding the PAM session
 * open (pam_open_session), until the master closes the socketpair at the
 * end of the session; it then closes the PAM session and exits.
 */
#ifndef SANDFTPD_AUTHPROTO_H
#define SANDFTPD_AUTHPROTO_H

#include <limits.h>
#include <stdint.h>

#include "ipc.h"

#define AUTH_ARG "--auth"
#define AUTH_HASH_MAX 256
#define AUTH_SERVICE_MAX 64
#define AUTH_ACCOUNT_MAX 64
#define AUTH_GROUPS_MAX 64
#define AUTH_REASON_MAX 160
#define AUTH_RHOST_MAX 64

enum auth_method {
	AUTH_PAM = 1,		/* system user: the PAM stack of service */
	AUTH_VIRTUAL = 2,	/* virtual user: crypt(pass, hash) */
	AUTH_DECOY = 3,		/* a name that must fail: hash anyway, so
				 * it takes the time a real check takes */
};

enum auth_type { AUTH_REQUEST = 1, AUTH_VERDICT = 2 };

struct auth_request {
	struct ipc_hdr hdr;
	uint32_t method;		/* enum auth_method */
	char service[AUTH_SERVICE_MAX];	/* PAM service */
	char user[IPC_USER_MAX];	/* the login name */
	char pass[IPC_PASS_MAX];
	char rhost[AUTH_RHOST_MAX];	/* client address, for PAM_RHOST */
	char hash[AUTH_HASH_MAX];	/* virtual: the stored hash */
	char account[AUTH_ACCOUNT_MAX];	/* virtual: the account to run as */
	char root[PATH_MAX];		/* virtual: the session's root */
};

/*
 * The answer.  Accepted: the identity (from the account database: the
 * PAM user's or the virtual user's account), the root, and an O_PATH
 * descriptor of the root directory.  Refused: a reason for the log.
 */
struct auth_verdict {
	struct ipc_hdr hdr;
	uint32_t accepted;		/* 0 or 1 */
	char user[IPC_USER_MAX];	/* PAM: the user as PAM left it */
	uint32_t uid, gid;
	uint32_t ngroups;
	uint32_t groups[AUTH_GROUPS_MAX];
	char root[PATH_MAX];
	char reason[AUTH_REASON_MAX];
	/* fds: [the root directory, O_PATH] when accepted */
};

/* The master's check of a verdict's own fields; NULL or a reason. */
const char *auth_check_verdict(const struct ipc_msg *m);

#endif
