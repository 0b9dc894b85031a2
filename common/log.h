/*
 * log.h - logging for both sides.  The master writes to stderr (-F) or
 * syslog; a child has neither and installs a sink that forwards
 * each line to the master over its socketpair.
 *
 * fatal()/fatalx() are the err(3)-style "cannot go on" exits: fatal()
 * appends strerror(errno).  warn-level logging is for recoverable trouble.
 */
#ifndef SANDFTPD_LOG_H
#define SANDFTPD_LOG_H

#include <syslog.h>

#include "util.h"

#define LOG_LINE_MAX 512

typedef void (*log_sink_fn)(int prio, const char *line);

void log_to_stderr(void);
void log_to_syslog(void);
void log_set_sink(log_sink_fn sink);
void log_set_debug(int on);

/* Exit status used by fatal() in this process (children use _exit). */
void log_set_fatal_exit(void (*exit_fn)(int));

void log_msg(int prio, const char *fmt, ...) PRINTF_LIKE(2, 3);
void log_err(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_info(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_debug(const char *fmt, ...) PRINTF_LIKE(1, 2);

NORETURN void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2);
NORETURN void fatalx(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Replace control bytes (and DEL) by '?', in place: untrusted text. */
void log_sanitize(char *s);

#endif
