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
 *   libs.c       libpam and libcrypt, loaded here only (dlopen)
 */
#ifndef SANDFTPD_AUTH_PROC_H
#define SANDFTPD_AUTH_PROC_H

#include <security/pam_appl.h>
#include <stdbool.h>
#include <stddef.h>

#include "../../common/authproto.h"

/* libpam's functions, once auth_load_pam() succeeded (libs.c). */
struct auth_pam_api {
	int (*start)(const char *, const char *, const struct pam_conv *,
	    pam_handle_t **);
	int (*end)(pam_handle_t *, int);
	int (*authenticate)(pam_handle_t *, int);
	int (*acct_mgmt)(pam_handle_t *, int);
	int (*setcred)(pam_handle_t *, int);
	int (*open_session)(pam_handle_t *, int);
	int (*close_session)(pam_handle_t *, int);
	int (*set_item)(pam_handle_t *, int, const void *);
	int (*get_item)(const pam_handle_t *, int, const void **);
	const char *(*strerror)(pam_handle_t *, int);
};

/* libcrypt's, once auth_load_crypt() succeeded. */
struct auth_crypt_api {
	char *(*rn)(const char *, const char *, void *, int);
	char *(*gensalt_rn)(const char *, unsigned long, const char *, int,
	    char *, int);
};

extern struct auth_pam_api auth_pam;
extern struct auth_crypt_api auth_crypt;

/* Load the library; false with the reason in err. */
bool auth_load_pam(char *err, size_t errsz);
bool auth_load_crypt(char *err, size_t errsz);

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
