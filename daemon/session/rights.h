/*
 * rights.h - what a logged-in session may do, as the master decided its
 * identity: fsaccess.c authorises with these, listing.c shows them in
 * the MLSx perm fact.
 */
#ifndef SANDFTPD_RIGHTS_H
#define SANDFTPD_RIGHTS_H

#include <stdint.h>

#include "../../common/ipc.h"	/* RIGHT_* */

/*
 * Who is asking: the session's rights and the process's own ids.  In
 * its own user namespace (unprivileged mode) the kernel shows owners it
 * cannot map as the overflow ids; those are never the session's, even
 * when the session's own id is the same number.  (uint32_t)-1: none.
 */
struct perm_ctx {
	uint32_t rights;	/* RIGHT_* */
	uint32_t uid, gid;
	uint32_t unmapped_uid, unmapped_gid;
};

#endif
