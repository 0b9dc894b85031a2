/*
 * xferlog.h - the transfer log (xferlog_file, xferlog.c): one line per
 * file transfer in the classic wu-ftpd format that mirror statistics
 * tools read, written by the master from a child's XFER report and the
 * master's own record of the session.
 */
#ifndef SANDFTPD_XFERLOG_H
#define SANDFTPD_XFERLOG_H

#include "../../common/ipc.h"
#include "master.h"

/* Open xferlog_file (if set) for appending: 0, or -1 with errno. */
int xferlog_open(const struct config *cf);
/* SIGUSR1 (logrotate): open it again; on failure the old one stays. */
void xferlog_reopen(void);
/* One transfer's line. */
void xferlog_write(const struct session_rec *sess, const struct ipc_xfer *x);

#endif
