/*
 * monitor_wrap.h - the child's side of the privileged requests
 * (monitor_wrap.c).  Each request of the list in common/ipc.h is a plain
 * function call here, priv_<name>(), answered in the master by
 * priv_answer_<name>() (daemon/master/monitor.c).  Underneath it is one
 * fixed-layout message on the child's socketpair (IPC_CHILD_FD) and,
 * where due, one answer.  The child asks; the master decides from its
 * own records.
 */
#ifndef SANDFTPD_MONITOR_WRAP_H
#define SANDFTPD_MONITOR_WRAP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../common/ipc.h"
#include "../../common/util.h"

/* READY: the sandbox is in force (fatal if the master cannot be told). */
void priv_ready(uint32_t applied, int landlock_abi, uid_t uid, gid_t gid);
/* LOG: the log sink of a child (log_set_sink). */
void priv_log(int prio, const char *line);
/*
 * LOGIN: 0 when refused (after the master's failure delay), 1 when
 * refused and the connection must end (too many failures), -1 when the
 * master is gone.  An accepted login does not return: the master ends
 * this process and gives the connection to another.
 */
int priv_login(int ctrl_fd, const char *user, const char *pass,
    const struct ipc_session_state *state);
/* PASV_LISTEN: a listening socket and its port; -1 (errno). */
int priv_pasv_listen(uint16_t *port);
/* DATA_CONNECT: a socket connecting to the client at port; -1 (errno). */
int priv_data_connect(uint16_t port);
/* REIN: hand the connection back; the master ends this process. */
NORETURN void priv_rein(int ctrl_fd, const struct ipc_session_state *state);

/*
 * True once the master asked us to stop (SHUTDOWN) or is gone, as far as
 * seen so far: also while waiting for an answer.  With look, the
 * socketpair is read first (without waiting).
 */
bool priv_shutdown_requested(bool look);
/* Receive one message the master sent unasked (in the idle pool). */
int priv_receive(struct ipc_msg *m, int timeout_ms);

#endif
