/*
 * log.c - log line formatting and the three sinks (stderr, syslog, a
 * function installed by the child).  Lines are bounded to
 * LOG_LINE_MAX; longer messages are cut, never overflowed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

enum log_target { TARGET_STDERR, TARGET_SYSLOG, TARGET_SINK };

static enum log_target target = TARGET_STDERR;
static log_sink_fn sink;
static int debug_on;
static void (*fatal_exit)(int) = exit;

void
log_to_stderr(void)
{
	target = TARGET_STDERR;
}

void
log_to_syslog(void)
{
	openlog("sandftpd", LOG_PID | LOG_NDELAY, LOG_FTP);
	target = TARGET_SYSLOG;
}

void
log_set_sink(log_sink_fn fn)
{
	sink = fn;
	target = TARGET_SINK;
}

void
log_set_debug(int on)
{
	debug_on = on;
}

void
log_set_fatal_exit(void (*exit_fn)(int))
{
	fatal_exit = exit_fn;
}

void
log_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static const char *
prio_name(int prio)
{
	switch (prio) {
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	case LOG_DEBUG:
		return "debug";
	default:
		return "info";
	}
}

static void
emit(int prio, const char *line)
{
	char stamp[32];
	struct tm tm;
	time_t now;

	switch (target) {
	case TARGET_SINK:
		sink(prio, line);
		break;
	case TARGET_SYSLOG:
		syslog(prio, "%s", line);
		break;
	case TARGET_STDERR:
		now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s sandftpd[%ld]: %s: %s\n", stamp,
		    (long)getpid(), prio_name(prio), line);
		break;
	}
}

PRINTF_LIKE(2, 0) static void
vlog(int prio, const char *fmt, va_list ap, const char *suffix)
{
	char line[LOG_LINE_MAX];
	size_t n;

	if (prio == LOG_DEBUG && !debug_on)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (suffix) {
		n = strlen(line);
		snprintf(line + n, sizeof(line) - n, ": %s", suffix);
	}
	emit(prio, line);
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(prio, fmt, ap, NULL);
	va_end(ap);
}

#define LOG_AT(name, prio)                   \
	void name(const char *fmt, ...)      \
	{                                    \
		va_list ap;                  \
		va_start(ap, fmt);           \
		vlog(prio, fmt, ap, NULL);   \
		va_end(ap);                  \
	}

LOG_AT(log_err, LOG_ERR)
LOG_AT(log_warn, LOG_WARNING)
LOG_AT(log_info, LOG_INFO)
LOG_AT(log_debug, LOG_DEBUG)

void
fatal(const char *fmt, ...)
{
	const char *why = strerror(errno);
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, why);
	va_end(ap);
	fatal_exit(1);
	_exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap, NULL);
	va_end(ap);
	fatal_exit(1);
	_exit(1);
}
