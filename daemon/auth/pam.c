/*
 * pam.c - a system user's login through PAM, as a real login does it:
 * pam_authenticate, pam_acct_mgmt (expired or locked accounts are
 * refused; an expired password cannot be changed over FTP, so it is
 * refused too), pam_setcred and pam_open_session.  The handle stays open
 * for the session's life; auth_pam_logout() closes it.
 *
 * Failure delays that modules ask for (pam_unix, pam_faildelay) are not
 * slept here: the master answers every refusal after its own delay, the
 * same for every reason, so timing tells nothing.
 */
#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/util.h"
#include "auth.h"

static pam_handle_t *handle;
static bool cred_set, session_open;
static const char *password;

/* The conversation: the password for a prompt without echo, nothing
 * else (there is no one to show a message to or ask a question). */
static int
converse(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	struct pam_response *r;
	int i;

	(void)data;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
			r[i].resp = strdup(password ? password : "");
			if (r[i].resp == NULL)
				goto fail;
			break;
		case PAM_ERROR_MSG:
		case PAM_TEXT_INFO:
			break;
		default:	/* a question we cannot ask over FTP */
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		if (r[i].resp) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	free(r);
	return PAM_CONV_ERR;
}

static void
no_delay(int status, unsigned delay, void *data)
{
	(void)status;
	(void)delay;
	(void)data;
}

static bool
failed(struct auth_verdict *out, const char *step, int rc)
{
	snprintf(out->reason, sizeof(out->reason), "PAM %s: %s", step,
	    auth_pam.strerror(handle, rc));
	return false;
}

bool
auth_pam_login(const struct auth_request *rq, struct auth_verdict *out)
{
	struct pam_conv conv = { converse, NULL };
	const void *item = NULL;
	int rc;

	if (!auth_load_pam(out->reason, sizeof(out->reason)))
		return false;
	password = rq->pass;
	rc = auth_pam.start(rq->service, rq->user, &conv, &handle);
	if (rc != PAM_SUCCESS) {
		snprintf(out->reason, sizeof(out->reason), "pam_start: %s",
		    auth_pam.strerror(NULL, rc));
		handle = NULL;
		return false;
	}
	(void)auth_pam.set_item(handle, PAM_FAIL_DELAY, (const void *)no_delay);
	(void)auth_pam.set_item(handle, PAM_RHOST, rq->rhost);
	(void)auth_pam.set_item(handle, PAM_TTY, "ftp");
	rc = auth_pam.authenticate(handle, PAM_DISALLOW_NULL_AUTHTOK);
	password = NULL;
	if (rc != PAM_SUCCESS)
		return failed(out, "authentication", rc);
	rc = auth_pam.acct_mgmt(handle, PAM_DISALLOW_NULL_AUTHTOK);
	if (rc != PAM_SUCCESS)
		return failed(out, "account", rc);
	/* A module may map the login name to another account. */
	if (auth_pam.get_item(handle, PAM_USER, &item) != PAM_SUCCESS ||
	    item == NULL || str_copy(out->user, sizeof(out->user),
	    item) < 0) {
		str_copy(out->reason, sizeof(out->reason),
		    "PAM left no user name");
		return false;
	}
	if (!auth_account_identity(out->user, out))
		return false;
	rc = auth_pam.setcred(handle, PAM_ESTABLISH_CRED);
	if (rc != PAM_SUCCESS)
		return failed(out, "credentials", rc);
	cred_set = true;
	rc = auth_pam.open_session(handle, 0);
	if (rc != PAM_SUCCESS)
		return failed(out, "session", rc);
	session_open = true;
	return true;
}

void
auth_pam_logout(void)
{
	if (handle == NULL)
		return;
	if (session_open)
		(void)auth_pam.close_session(handle, 0);
	if (cred_set)
		(void)auth_pam.setcred(handle, PAM_DELETE_CRED);
	(void)auth_pam.end(handle, PAM_SUCCESS);
	handle = NULL;
	session_open = cred_set = false;
}
