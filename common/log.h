/*
 * log.h - logging for both sides.  The master writes to stderr (-F),
 * to the journal (-F with stderr connected to journald: JOURNAL_STREAM)
 * or to syslog; a child has none of them and installs a sink that
 * forwards each line to the master over its socketpair.
 *
 * fatal()/fatalx() are the err(3)-style "cannot go on" exits: fatal()
 * appends strerror(errno).  warn-level logging is for recoverable trouble.
 */
#ifndef SANDFTPD_LOG_H
#define SANDFTPD_LOG_H

#include <syslog.h>

#include "util.h"

/* Room for a forwarded child line with every byte escaped (4 each). */
#define LOG_LINE_MAX 2560

typedef void (*log_sink_fn)(int prio, const char *line);

void log_to_stderr(void);
void log_to_syslog(void);
void log_set_sink(log_sink_fn sink);
void log_set_debug(int on);

/* Exit status used by fatal() in this process (children use _exit). */
void log_set_fatal_exit(void (*exit_fn)(int));
/*
 * Hold the lines for stderr or the journal and write them together at
 * log_release() (fatal() and fatalx() release too).  The master holds
 * them for one round of its event loop.
 */
void log_hold(void);
void log_release(void);

void log_msg(int prio, const char *fmt, ...) PRINTF_LIKE(2, 3);
void log_err(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_info(const char *fmt, ...) PRINTF_LIKE(1, 2);
void log_debug(const char *fmt, ...) PRINTF_LIKE(1, 2);

NORETURN void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2);
NORETURN void fatalx(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Replace control bytes (and DEL) by '?', in place: untrusted text. */
void log_sanitize(char *s);

/*
 * Untrusted text (user names, paths, a child's words) in a log line,
 * so that it can neither end the line nor fake a field:
 *
 * log_value() makes the value of a key=value field: as it is when it
 * holds only printable bytes other than space, '"', '\\' and '=', else
 * in double quotes with '"' as \", '\\' as \\ and control bytes, DEL
 * as \xNN.
 *
 * log_word() makes one word of free text: the same escapes, and also
 * space, '\'' and '=' as \xNN, so it has no space, no quote and no '='.
 *
 * Both always terminate dst and cut only between whole escapes (a
 * quoted value keeps its closing quote).  They return dst.
 */
const char *log_value(char *dst, size_t n, const char *src);
const char *log_word(char *dst, size_t n, const char *src);

#endif
