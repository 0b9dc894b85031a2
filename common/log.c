/*
 * log.c - log line formatting, the escaping of untrusted text in lines,
 * and the four sinks (stderr, the journal's stream on stderr, syslog, a
 * function installed by the child).  Lines are bounded to LOG_LINE_MAX;
 * longer messages are cut, never overflowed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

enum log_target { TARGET_STDERR, TARGET_JOURNAL, TARGET_SYSLOG, TARGET_SINK };

static enum log_target target = TARGET_STDERR;
static log_sink_fn sink;
static int debug_on;
static void (*fatal_exit)(int) = exit;

/*
 * systemd.exec(5): a service whose stderr is connected to the journal
 * gets JOURNAL_STREAM=DEV:INO of that stream.  Only when it is still
 * our stderr (not a pipe or file someone put there since) do lines go
 * out as "<N>text": journald reads the priority from the prefix and
 * adds its own time stamp.
 */
static bool
stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char *end;

	if (v == NULL || fstat(2, &st) < 0)
		return false;
	errno = 0;
	dev = strtoull(v, &end, 10);
	if (errno || end == v || *end != ':')
		return false;
	v = end + 1;
	ino = strtoull(v, &end, 10);
	if (errno || end == v || *end != '\0')
		return false;
	return dev == (unsigned long long)st.st_dev &&
	    ino == (unsigned long long)st.st_ino;
}

void
log_to_stderr(void)
{
	target = stderr_is_journal() ? TARGET_JOURNAL : TARGET_STDERR;
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

/* One escape of c into dst (room for 4), its length; 0: as it is. */
static size_t
escape_byte(char *dst, unsigned char c, bool word)
{
	static const char hex[] = "0123456789abcdef";

	if (c == '\\' || c == '"') {
		dst[0] = '\\';
		dst[1] = (char)c;
		return 2;
	}
	if (c < 0x20 || c == 0x7f || (word && (c == ' ' || c == '\'' ||
	    c == '='))) {
		dst[0] = '\\';
		dst[1] = 'x';
		dst[2] = hex[c >> 4];
		dst[3] = hex[c & 0xf];
		return 4;
	}
	return 0;
}

static void
escape_into(char *dst, size_t n, const char *src, bool word, bool quote)
{
	size_t o = 0, close = quote ? 1 : 0;
	char esc[4];

	if (n == 0)
		return;
	if (quote && n > 2)
		dst[o++] = '"';
	for (; *src; src++) {
		size_t k = escape_byte(esc, (unsigned char)*src, word);
		size_t len = k ? k : 1;

		if (o + len + close + 1 > n)
			break;
		if (k)
			memcpy(dst + o, esc, k);
		else
			dst[o] = *src;
		o += len;
	}
	if (quote && o > 0 && o + 2 <= n)
		dst[o++] = '"';
	dst[o] = '\0';
}

const char *
log_value(char *dst, size_t n, const char *src)
{
	const char *p;
	bool plain = src[0] != '\0';

	for (p = src; *p && plain; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' ||
		    *p == '\\' || *p == '=')
			plain = false;
	escape_into(dst, n, src, false, !plain);
	return dst;
}

const char *
log_word(char *dst, size_t n, const char *src)
{
	escape_into(dst, n, src, true, false);
	return dst;
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

/*
 * Lines for stderr or the journal's stream, held between log_hold() and
 * log_release() and written together: the master holds them while it
 * answers one round of events, so a round that reports many transfers
 * writes once, not once a line.  At most PIPE_BUF bytes a write, so
 * that no other writer's line lands inside one of ours.
 */
static struct {
	bool on;
	long pid;		/* getpid() once, not per line */
	size_t len;
	char buf[4096];
} held;

static void
held_flush(void)
{
	if (held.len > 0)
		(void)!write(2, held.buf, held.len);
	held.len = 0;
}

void
log_hold(void)
{
	if (target != TARGET_STDERR && target != TARGET_JOURNAL)
		return;
	held.on = true;
	held.pid = (long)getpid();
}

void
log_release(void)
{
	held_flush();
	held.on = false;
}

/* One whole line, now or with the held ones. */
static void
put_line(char *out, int len, size_t size)
{
	if (len <= 0)
		return;
	if ((size_t)len >= size) {		/* cut: still a line */
		len = (int)size - 1;
		out[len - 1] = '\n';
	}
	if (!held.on) {
		/* One write: lines of several processes never interleave. */
		(void)!write(2, out, (size_t)len);
		return;
	}
	if (held.len + (size_t)len > sizeof(held.buf))
		held_flush();
	memcpy(held.buf + held.len, out, (size_t)len);
	held.len += (size_t)len;
}

/*
 * Not inlined into emit: their buffers would then be in the frame of
 * every log call, children's too (which log through the sink), and a
 * child's deepest stack page stays resident while it idles.
 */
static __attribute__((noinline)) void
emit_journal(int prio, const char *line)
{
	char out[LOG_LINE_MAX + 8];

	put_line(out, snprintf(out, sizeof(out), "<%d>%s\n", prio, line),
	    sizeof(out));
}

static __attribute__((noinline)) void
emit_stderr(int prio, const char *line)
{
	static time_t stamp_of = -1;
	static char stamp[32];
	char out[LOG_LINE_MAX + 96];
	time_t now = time(NULL);
	struct tm tm;

	if (now != stamp_of) {
		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		stamp_of = now;
	}
	put_line(out, snprintf(out, sizeof(out), "%s sandftpd[%ld]: %s: %s\n",
	    stamp, held.on ? held.pid : (long)getpid(), prio_name(prio), line),
	    sizeof(out));
}

static void
emit(int prio, const char *line)
{
	switch (target) {
	case TARGET_SINK:
		sink(prio, line);
		break;
	case TARGET_SYSLOG:
		syslog(prio, "%s", line);
		break;
	case TARGET_JOURNAL:
		emit_journal(prio, line);
		break;
	case TARGET_STDERR:
		emit_stderr(prio, line);
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
	log_release();
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
	log_release();
	fatal_exit(1);
	_exit(1);
}
