/*
 * userdb.h - the master's account files (userdb.c): the virtual users
 * (user_db) and the names that may never log in (user_deny_file).
 *
 * Both are the administrator's files, read by the master only; a login
 * name from a client is only ever looked up in them.  Each is re-read
 * when it changes (checked at most once a second, when a login needs
 * it) and on SIGHUP.  A malformed line is logged with FILE:LINE and
 * skipped; the rest of the file applies.  A file that cannot be read
 * keeps what was loaded before.  Where the default deny file is not
 * installed, a built-in rule refuses root and every uid below 1000.
 */
#ifndef SANDFTPD_USERDB_H
#define SANDFTPD_USERDB_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "../../common/config.h"
#include "../../common/strbuf.h"

#define VUSER_HASH_MAX 256
#define USERDB_DEFAULT_DENY_FILE "/etc/sandftpd/user_deny"
/* Without the default deny file: accounts below this uid are refused. */
#define USERDB_SYSTEM_UID_END 1000
#define VUSER_ACCOUNT_MAX 64

/*
 * One line of user_db:  NAME:HASH:ACCOUNT:ROOT:rw|ro
 *   NAME     the login name (no ':', no space or control character)
 *   HASH     crypt(3) yescrypt ($y$) or sha512-crypt ($6$), as printed
 *            by `sandftpd -P`
 *   ACCOUNT  the local account whose uid, gid and groups the session
 *            runs as (never root)
 *   ROOT     the session's root directory (absolute)
 *   rw|ro    whether the user may write
 * Lines starting with '#' and blank lines are ignored.
 */
struct vuser {
	char *name, *hash, *account, *root;	/* into the parsed line */
	bool writable;
	int line;				/* in the file, for messages */
};

/*
 * Parse one user_db line in place (line is cut into the fields).  0 for
 * a user, 1 for a blank or comment line, -1 with a reason in why.
 */
int userdb_parse_line(char *line, struct vuser *v, const char **why);

/* Load both files at startup; problems go to errs (FILE:LINE: ...).
 * Returns the number of files that could not be read at all. */
int userdb_init(const struct config *cf, struct strbuf *errs);
/* Re-read the files that changed (or all with force, on SIGHUP). */
void userdb_refresh(bool force);

/* The virtual user of this name, or NULL. */
const struct vuser *userdb_find(const char *name);
/* Is this login name in the deny list? */
bool userdb_denied(const char *name);
/* Is this uid refused (0 always; the built-in rule's system uids)? */
bool userdb_denied_uid(uint32_t uid);
size_t userdb_count(void);

#endif
