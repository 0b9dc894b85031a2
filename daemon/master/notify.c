/*
 * notify.c - datagrams to the service manager's NOTIFY_SOCKET (a path,
 * or an abstract name written with a leading '@'), as sd_notify(3)
 * describes the protocol.  The master's only contact with it; failures
 * are ignored (the manager may be gone), never fatal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../../common/sys.h"
#include "notify.h"

/* STATUS= is looked at this often, and sent when it changed. */
#define STATUS_INTERVAL_MS 1000

static int sock = -1;
static struct sockaddr_un dest;
static socklen_t dest_len;
static int64_t watchdog_ms;	/* ping this often; 0: no watchdog */
static int64_t next_ping, next_status;

void
notify_init(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	const char *usec = getenv("WATCHDOG_USEC");
	const char *wpid = getenv("WATCHDOG_PID");
	size_t len;

	if (usec && (wpid == NULL || strtol(wpid, NULL, 10) == getpid())) {
		long long v = strtoll(usec, NULL, 10);

		if (v > 0)	/* twice per period, as the manager expects */
			watchdog_ms = v / 2000 > 0 ? v / 2000 : 1;
	}
	if (path && (path[0] == '/' || path[0] == '@') &&
	    (len = strlen(path)) < sizeof(dest.sun_path)) {
		memset(&dest, 0, sizeof(dest));
		dest.sun_family = AF_UNIX;
		memcpy(dest.sun_path, path, len);
		if (path[0] == '@')
			dest.sun_path[0] = '\0';
		dest_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
		    len + (path[0] == '/' ? 1 : 0));
		sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	}
	if (sock < 0)
		watchdog_ms = 0;
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

void
notify_send(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int n;

	if (sock < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n <= 0 || (size_t)n >= sizeof(msg))
		return;
	(void)sendto(sock, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT,
	    (struct sockaddr *)&dest, dest_len);
}

void
notify_reloading(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	notify_send("RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)t.tv_sec * 1000000ull +
	    (unsigned long long)t.tv_nsec / 1000);
}

int64_t
notify_tick(int64_t now, notify_status_fn *status, void *arg)
{
	static char last[256];
	char text[256];
	int64_t next = -1;

	if (sock < 0)
		return -1;
	if (now >= next_status) {
		status(text, sizeof(text), arg);
		if (strcmp(text, last) != 0) {
			notify_send("STATUS=%s", text);
			str_copy(last, sizeof(last), text);
		}
		next_status = now + STATUS_INTERVAL_MS;
	}
	next = next_status - now;
	if (watchdog_ms) {
		if (now >= next_ping) {
			notify_send("WATCHDOG=1");
			next_ping = now + watchdog_ms;
		}
		if (next_ping - now < next)
			next = next_ping - now;
	}
	return next;
}
