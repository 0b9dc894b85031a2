/*
 * xferlog.h - the transfer log (xferlog_file, xferlog.c): one line per
 * file transfer in the classic wu-ftpd format that mirror statistics
 * tools read, written by the master from a child's XFER report and the
 * master's own record of the session.
 */
#ifndef SANDFTPD_XFERLOG_H
#define SANDFTPD_XFERLOG_H

#include <stddef.h>
#include <time.h>

#include "../../common/ipc.h"
#include "master.h"

/* Open xferlog_file (if set) for appending: 0, or -1 with errno. */
int xferlog_open(const struct config *cf);
/* A reload naming another file: open it (fd, or -1 with errno), then
 * put it in use ("" and -1: no transfer log any more). */
int xferlog_open_path(const char *path);
void xferlog_adopt(const char *path, int fd);
/* SIGUSR1 (logrotate): open it again; on failure the old one stays. */
void xferlog_reopen(void);
/* One transfer's line. */
void xferlog_write(const struct session_rec *sess, const struct ipc_xfer *x);

/*
 * The line itself (with its '\n') for a transfer that ended at `when`:
 * its length, or -1 if it does not fit in n (a buffer of XFERLOG_LINE_MAX
 * always does).  Pure: unit tested.
 */
#define XFERLOG_LINE_MAX (IPC_PATH_MAX * 4 + 1024 + IPC_USER_MAX * 4)
int xferlog_format(char *buf, size_t n, time_t when,
    const struct session_rec *sess, const struct ipc_xfer *x);

#endif
