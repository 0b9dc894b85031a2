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
/* A file transfer ended; best effort, like LOG. */
void priv_xfer(uint32_t cmd, uint32_t flags, uint32_t reply, uint64_t bytes,
    uint64_t duration_ms, const char *path);
/* Send the held transfer reports now. */
void priv_xfer_flush(void);
/* Send them if they are due: -1 if none are held (then), else the ms
 * until they are due. */
int64_t priv_xfer_due(int64_t now);
/*
 * The session state a LOGIN (REIN) carries, filled in place by
 * session_state_export before priv_login (priv_rein): the request's own
 * static storage, so that no other copy of its large buffer exists.
 */
struct ipc_session_state *priv_login_state(void);
struct ipc_session_state *priv_rein_state(void);
/*
 * LOGIN: a LOGIN_REFUSED* status when refused (after the master's
 * failure delay, but for LOGIN_REFUSED_TLS), -1 when the master is gone.
 * An accepted login in clear does not return: the master ends this
 * process and gives the connection to another.  Over TLS it returns
 * LOGIN_RELAYED: this process stays, relaying the connection.
 */
int priv_login(int ctrl_fd, const char *user, const char *pass, bool tls,
    int *relay_fd);
/* LOGIN over TLS, accepted: relay the control connection to *relay_fd. */
#define LOGIN_RELAYED 100
/* TLS_SIGN: the private-key operation; the signature's length, or -1. */
int priv_tls_sign(uint32_t op, const void *data, size_t len, void *sig,
    size_t sigmax);
/* PASV_LISTEN: a listening socket and its port; -1 (errno). */
int priv_pasv_listen(uint16_t *port);
/* DATA_CONNECT: a socket connecting to the client at port; -1 (errno). */
int priv_data_connect(uint16_t port);
/* REIN: hand the connection back; the master ends this process. */
NORETURN void priv_rein(int ctrl_fd);

/*
 * True once the master asked us to stop (SHUTDOWN) or is gone, as far as
 * seen so far: also while waiting for an answer.  With look, the
 * socketpair is read first (without waiting).
 */
bool priv_shutdown_requested(bool look);
/* Receive one message the master sent unasked (in the idle pool). */
int priv_receive(struct ipc_msg *m, int timeout_ms);

#endif
