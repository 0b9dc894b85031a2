/*
 * notify.h - the service manager's notify protocol (sd_notify(3)), in
 * the master, without libsystemd (notify.c): READY=1 once serving,
 * STATUS= with the live counts and totals (when they change),
 * RELOADING=1 with MONOTONIC_USEC and
 * READY=1 again around a reload, STOPPING=1, and WATCHDOG=1 when the
 * manager set WATCHDOG_USEC.  Without NOTIFY_SOCKET all of it is a no-op.
 */
#ifndef SANDFTPD_NOTIFY_H
#define SANDFTPD_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

#include "../../common/util.h"

/* Take NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID from the environment
 * (and out of it: no child ever sees them). */
void notify_init(void);
/* One message of newline-separated assignments. */
void notify_send(const char *fmt, ...) PRINTF_LIKE(1, 2);
void notify_reloading(void);
/* Due work at now (STATUS=, made by status() when due; WATCHDOG=1);
 * ms until more is due, or -1 without a manager. */
typedef void notify_status_fn(char *buf, size_t n, void *arg);
int64_t notify_tick(int64_t now, notify_status_fn *status, void *arg);

#endif
