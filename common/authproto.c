/*
 * authproto.c - the master's check of an authentication verdict.
 */
#include "authproto.h"
#include "util.h"

const char *
auth_check_verdict(const struct ipc_msg *m)
{
	const struct auth_verdict *v = (const void *)m->u.raw;

	if (m->truncated)
		return "message or descriptors truncated";
	if (m->len != sizeof(*v) || v->hdr.len != m->len ||
	    v->hdr.type != AUTH_VERDICT)
		return "not a verdict";
	if (v->accepted > 1)
		return "bad accepted field";
	if (m->nfds != (v->accepted ? 1 : 0))
		return "wrong number of descriptors";
	if (!str_terminated(v->user, sizeof(v->user)) ||
	    !str_terminated(v->root, sizeof(v->root)) ||
	    !str_terminated(v->reason, sizeof(v->reason)))
		return "unterminated string";
	if (v->ngroups > AUTH_GROUPS_MAX)
		return "too many groups";
	if (v->accepted && (v->user[0] == '\0' || v->root[0] != '/'))
		return "accepted without a user or an absolute root";
	return NULL;
}
