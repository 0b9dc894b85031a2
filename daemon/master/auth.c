/*
 * auth.c - deciding a login, in the master.  This build knows one kind
 * of login: anonymous ("anonymous" or "ftp", any password) when the
 * configuration allows it.  Everything else is refused.
 */
#include "../../common/util.h"
#include "auth.h"

enum auth_result
auth_check(const struct config *cf, const char *user, const char *pass)
{
	(void)pass;	/* anonymous users give an e-mail address, or nothing */
	if (cf->anonymous && (str_casecmp(user, "anonymous") == 0 ||
	    str_casecmp(user, "ftp") == 0))
		return AUTH_ANONYMOUS;
	return AUTH_REFUSED;
}
