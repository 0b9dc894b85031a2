/*
 * auth.h - the authentication process (daemon/auth/): started by the
 * master for one login as `sandftpd --auth`, as root, it checks one
 * password (PAM or crypt), answers with a verdict and, for a system
 * user, holds the PAM session open until the session ends.
 *
 * It never talks to a client: its only input is the master's request.
 * It runs outside the master's event loop because PAM modules may block
 * for seconds (LDAP, network) or crash; either costs this one login.
 *
 *   auth_main.c  the process: request, verdict, the PAM session's life
 *   pam.c        the PAM conversation and account checks
 *   hash.c       crypt(3) checks, and `sandftpd -P`
 */
#ifndef SANDFTPD_AUTH_PROC_H
#define SANDFTPD_AUTH_PROC_H

#include <stdbool.h>

#include "../../common/authproto.h"

/* `sandftpd --auth`: never returns. */
int auth_main(void);

/* `sandftpd -P`: read a password without echo, print its yescrypt hash. */
int auth_print_hash(void);

/*
 * PAM (pam.c).  auth_pam_login() runs authentication, the account check,
 * credentials and the session opening; on success *out holds the
 * identity.  auth_pam_logout() closes what it opened.
 */
bool auth_pam_login(const struct auth_request *rq, struct auth_verdict *out);
void auth_pam_logout(void);

/* Does pass match the crypt(3) hash?  In constant time for the hash. */
bool auth_hash_matches(const char *pass, const char *hash);
/* Spend the time of one check against a hash that matches nothing. */
void auth_hash_decoy(const char *pass);

/* Fill the identity of a local account into out (uid, gid, groups);
 * false with out->reason set. */
bool auth_account_identity(const char *account, struct auth_verdict *out);

#endif
