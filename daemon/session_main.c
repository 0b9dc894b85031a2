/*
 * session_main.c - sandftpd-session, the session binary: the child code
 * alone (daemon/session/, sandbox/, common/), linked statically.  The
 * master runs it for every child that does no TLS (daemon/master/pool.c
 * says why).  Run by hand, or by a master of another build (whose
 * CHILD_ARG carries another checksum of the IPC), it exits with 2.
 *
 *   sandftpd-session --child=SUM	(the master's socket on descriptor 3)
 */
#include <string.h>
#include <unistd.h>

#include "../common/ipc.h"
#include "session/child.h"

int
main(int argc, char **argv)
{
	static const char msg[] = "sandftpd-session: started by the "
	    "sandftpd master of the same build only\n";

	if (argc != 2 || strcmp(argv[1], CHILD_ARG) != 0) {
		(void)!write(2, msg, sizeof(msg) - 1);
		return 2;
	}
	return child_main();
}
