/*
 * caps.c - capabilities with libcap.  The master keeps a short list it
 * still needs; a child keeps none and, when it started as root, clears
 * its bounding set so nothing it could ever exec regains one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "../common/util.h"
#include "sandbox.h"

/*
 * Take c out of the bounding set if it is in it.  One read: the kernel
 * answers -1 for a capability it does not know (what CAP_IS_SUPPORTED
 * asks with a read of its own), 0 or 1 for one it does.  Every child
 * running as root passes here for each capability at start.
 */
static int
bound_drop(cap_value_t c)
{
	return cap_get_bound(c) == 1 ? cap_drop_bound(c) : 0;
}

int
caps_restrict_master(const int *keep, int nkeep)
{
	cap_value_t vals[64];
	cap_value_t c;
	cap_t caps;
	int i, rc;

	if (nkeep > (int)ARRAY_SIZE(vals))
		return -1;
	/* Bounding set first: needs CAP_SETPCAP, which we still hold. */
	for (c = 0; c <= CAP_LAST_CAP; c++) {
		bool kept = false;

		for (i = 0; i < nkeep; i++)
			if (keep[i] == c)
				kept = true;
		if (!kept && bound_drop(c) < 0)
			return -1;
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -1;
	caps = cap_init();
	if (caps == NULL)
		return -1;
	for (i = 0; i < nkeep; i++)
		vals[i] = keep[i];
	rc = 0;
	if (nkeep > 0 &&
	    (cap_set_flag(caps, CAP_PERMITTED, nkeep, vals, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, nkeep, vals, CAP_SET) < 0))
		rc = -1;
	if (rc == 0 && cap_set_proc(caps) < 0)
		rc = -1;
	cap_free(caps);
	return rc;
}

int
caps_clear_bounding(void)
{
	cap_value_t c;

	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (bound_drop(c) < 0)
			return -1;
	return 0;
}

int
caps_drop_all(void)
{
	cap_t caps;
	int rc;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -1;
	caps = cap_init();	/* all three sets empty */
	if (caps == NULL)
		return -1;
	rc = cap_set_proc(caps);
	cap_free(caps);
	return rc;
}

bool
caps_none_left(void)
{
	cap_t now, none;
	bool empty;

	now = cap_get_proc();
	none = cap_init();
	empty = now && none && cap_compare(now, none) == 0;
	cap_free(now);
	cap_free(none);
	return empty;
}

void
caps_describe(char *buf, size_t n)
{
	cap_t now = cap_get_proc();
	cap_flag_value_t v;
	cap_value_t c;
	size_t len = 0;

	buf[0] = '\0';
	if (now == NULL)
		return;
	for (c = 0; c <= CAP_LAST_CAP; c++) {
		char *name;

		if (!CAP_IS_SUPPORTED(c) ||
		    cap_get_flag(now, c, CAP_EFFECTIVE, &v) < 0 || v != CAP_SET)
			continue;
		name = cap_to_name(c);
		if (name == NULL)
			continue;
		len += (size_t)snprintf(buf + len, len < n ? n - len : 0,
		    "%s%s", len ? "," : "", name);
		cap_free(name);
		if (len >= n)
			break;
	}
	if (buf[0] == '\0')
		str_copy(buf, n, "none");
	cap_free(now);
}
