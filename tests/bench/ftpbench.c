/*
 * ftpbench - the load generator of `make bench` (tests/bench/bench.sh).
 *
 * Drives an FTP server (or one of rawfloor's non-FTP floor servers) on
 * loopback with one thread per client, for a bounded time and a bounded
 * number of operations, and prints one JSON line of results on stdout.
 * Only loopback addresses are accepted: this is a benchmark of the local
 * machine, never a tool to load someone else's server.
 *
 *   ftpbench -m MODE -p PORT [options]
 *     MODE  login    connect, 220, USER/PASS, QUIT, 221; again
 *           small    log in once, TYPE I; per file EPSV (PASV on 500-504),
 *                    connect, RETR, data to EOF, 226
 *           big      as small, for one large file; reports MB/s
 *           list     as small with LIST or MLSD (-x) of a directory
 *           idle     open -c logged-in sessions from -k threads, NOOP each,
 *                    print READY on stderr, hold them until SIGUSR1 or -t
 *                    seconds, NOOP each again, close
 *           probe    log in once; exit status 0 when the server works
 *           rawconn  connect, read to EOF (expects "220"), close
 *           rawget   connect, read to EOF, close; counts bytes
 *     -H ADDR  server (127.0.0.1)   -b ADDR  client source address
 *     -c N     clients, or sessions for idle (8)
 *     -k N     idle: threads that open the sessions (16)
 *     -t SEC   measured seconds; idle: longest hold (3)
 *     -W SEC   unmeasured warm-up before (1)
 *     -T SEC   timeout of one socket operation (10)
 *     -N OPS   stop after this many operations in all (10000000)
 *     -u USER -w PASS  login (anonymous / bench@example.com)
 *     -f PATH  file to RETR (small.bin)   -d PATH  directory (list10k)
 *     -x CMD   LIST or MLSD (LIST)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

enum mode { M_LOGIN, M_SMALL, M_BIG, M_LIST, M_IDLE, M_PROBE, M_RAWCONN,
	    M_RAWGET };

static const char *const mode_names[] = {
	"login", "small", "big", "list", "idle", "probe", "rawconn", "rawget",
};

/* Kinds of failure, counted separately so a table can say what broke. */
enum err { E_CONNECT, E_GREETING, E_LOGIN, E_PASV, E_DATACONN, E_XFER,
	   E_SHORT, E_TIMEOUT, E_UNSUPPORTED, E_COUNT };

static const char *const err_names[E_COUNT] = {
	"connect", "greeting", "login", "pasv", "dataconn", "xfer", "short",
	"timeout", "unsupported",
};

#define MAX_CLIENTS 1024	/* threads of a rate mode */
#define MAX_SESSIONS 60000	/* sessions of idle */
#define MAX_SAMPLES (1 << 18)	/* latency samples kept per thread */
#define LINE_MAX_LEN 1024	/* longest reply line we keep */
#define IDLE_OPEN_MAX 120	/* seconds idle may spend opening sessions */

static struct {
	enum mode mode;
	struct sockaddr_storage srv;
	socklen_t srv_len;
	struct sockaddr_storage src;
	socklen_t src_len;	/* 0: let the kernel choose */
	int port;
	int clients;
	int connectors;
	double duration;
	double warmup;
	int timeout;
	long max_ops;
	const char *user;
	const char *pass;
	const char *file;
	const char *dir;
	const char *listcmd;
} opt = {
	.mode = M_LOGIN, .clients = 8, .connectors = 16, .duration = 3,
	.warmup = 1, .timeout = 10, .max_ops = 10000000,
	.user = "anonymous", .pass = "bench@example.com",
	.file = "small.bin", .dir = "list10k", .listcmd = "LIST",
};

/* The measured window [t_begin, t_end) on the monotonic clock. */
static double t_begin, t_end;
static atomic_long ops_started;

static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_error[256];

struct stats {
	long ops;		/* operations completed inside the window */
	long long bytes;	/* payload bytes received inside the window */
	long errors[E_COUNT];
	double *lat;		/* seconds per operation, inside the window */
	size_t nlat;
	long lines;		/* list: lines of the last listing */
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool in_window(double t)
{
	return t >= t_begin && t < t_end;
}

/* Record a failure; the first one's text is kept for the report. */
static void fail(struct stats *st, enum err kind, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	st->errors[kind]++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&err_lock);
	if (first_error[0] == '\0')
		snprintf(first_error, sizeof first_error, "%s: %s",
			 err_names[kind], msg);
	pthread_mutex_unlock(&err_lock);
}

static void sample(struct stats *st, double t0, double t1)
{
	if (!in_window(t1))
		return;
	st->ops++;
	if (st->nlat < MAX_SAMPLES)
		st->lat[st->nlat++] = t1 - t0;
}

/* May another operation start?  Bounded by time and by count. */
static bool may_start(void)
{
	if (now() >= t_end)
		return false;
	return atomic_fetch_add(&ops_started, 1) < opt.max_ops;
}

/* ------------------------------------------------------------ sockets */

static bool is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		return (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		return IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
	}
	return false;
}

/* A numeric address (no name lookups: nothing but loopback is wanted). */
static bool parse_addr(const char *s, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	struct sockaddr_in *s4 = (void *)ss;
	struct sockaddr_in6 *s6 = (void *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		*len = sizeof *s4;
	} else if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		*len = sizeof *s6;
	} else {
		return false;
	}
	return is_loopback(ss);
}

static void set_port(struct sockaddr_storage *ss, int port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(port);
}

/*
 * Connect to the server's address on PORT.  The socket timeouts bound
 * connect() too (Linux applies SO_SNDTIMEO to it), so a full backlog
 * costs at most the timeout, not the kernel's SYN retries.
 */
static int tcp_connect(int port)
{
	struct sockaddr_storage to = opt.srv;
	struct timeval tv = { .tv_sec = opt.timeout };
	int one = 1;
	int fd;

	fd = socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (opt.src_len != 0 &&
	    bind(fd, (const struct sockaddr *)&opt.src, opt.src_len) < 0)
		goto fail;
	set_port(&to, port);
	if (connect(fd, (const struct sockaddr *)&to, opt.srv_len) < 0)
		goto fail;
	return fd;
fail:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* ---------------------------------------------------------- control */

struct ctrl {
	int fd;
	bool pasv_only;		/* the server refused EPSV once */
	size_t off, len;
	char buf[4096];
	char line[LINE_MAX_LEN];	/* last line of the last reply */
	bool timed_out;
};

/* One line into c->line (CR LF stripped, truncated if long); -1 on EOF. */
static int read_line(struct ctrl *c)
{
	size_t n = 0;

	c->timed_out = false;
	for (;;) {
		if (c->off == c->len) {
			ssize_t r = recv(c->fd, c->buf, sizeof c->buf, 0);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				c->timed_out = true;
			if (r <= 0)
				return -1;
			c->off = 0;
			c->len = (size_t)r;
		}
		char ch = c->buf[c->off++];

		if (ch == '\n')
			break;
		if (n + 1 < sizeof c->line)
			c->line[n++] = ch;
	}
	if (n > 0 && c->line[n - 1] == '\r')
		n--;
	c->line[n] = '\0';
	return 0;
}

/*
 * A whole reply, multi-line ones included ("123-" ... "123 "); returns
 * its code, or -1 when the connection ended or timed out.
 */
static int read_reply(struct ctrl *c)
{
	char code[4];

	if (read_line(c) < 0)
		return -1;
	if (strlen(c->line) < 3)
		return -1;
	memcpy(code, c->line, 3);
	code[3] = '\0';
	if (c->line[3] == '-') {
		do {
			if (read_line(c) < 0)
				return -1;
		} while (!(strncmp(c->line, code, 3) == 0 &&
			   c->line[3] == ' '));
	}
	if (code[0] < '1' || code[0] > '5')
		return -1;
	return atoi(code);
}

static bool send_cmd(struct ctrl *c, const char *fmt, ...)
{
	char cmd[LINE_MAX_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof cmd - 2, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof cmd - 2)
		return false;
	cmd[n++] = '\r';
	cmd[n++] = '\n';
	return write_all(c->fd, cmd, (size_t)n);
}

/* Send a command and read its reply: the code, or -1. */
static int command(struct ctrl *c, const char *fmt, ...)
{
	char cmd[LINE_MAX_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof cmd)
		return -1;
	if (!send_cmd(c, "%s", cmd))
		return -1;
	return read_reply(c);
}

static enum err io_kind(const struct ctrl *c, enum err otherwise)
{
	return c->timed_out ? E_TIMEOUT : otherwise;
}

static void ctrl_close(struct ctrl *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* Connect, read the greeting, log in.  false (and counted) on failure. */
static bool ctrl_login(struct ctrl *c, struct stats *st)
{
	int code;

	memset(c, 0, sizeof *c);
	c->fd = tcp_connect(opt.port);
	if (c->fd < 0) {
		fail(st, E_CONNECT, "%s", strerror(errno));
		return false;
	}
	code = read_reply(c);
	if (code != 220) {
		fail(st, io_kind(c, E_GREETING), "greeting %d: %.80s", code,
		     c->line);
		goto fail;
	}
	code = command(c, "USER %s", opt.user);
	if (code == 331)
		code = command(c, "PASS %s", opt.pass);
	if (code != 230) {
		fail(st, io_kind(c, E_LOGIN), "login %d: %.80s", code, c->line);
		goto fail;
	}
	return true;
fail:
	ctrl_close(c);
	return false;
}

/* ------------------------------------------------------------- data */

/* Parse "227 ... (h1,h2,h3,h4,p1,p2)"; the address must be loopback. */
static int pasv_port(const char *line)
{
	const char *p = strchr(line, '(');
	unsigned h[4], p1, p2;
	struct sockaddr_storage ss = { .ss_family = AF_INET };
	struct sockaddr_in *s4 = (void *)&ss;

	if (p == NULL) {
		for (p = line + 4; *p && (*p < '0' || *p > '9'); p++)
			;
	} else {
		p++;
	}
	if (sscanf(p, "%u,%u,%u,%u,%u,%u", &h[0], &h[1], &h[2], &h[3], &p1,
		   &p2) != 6 || h[0] > 255 || h[1] > 255 || h[2] > 255 ||
	    h[3] > 255 || p1 > 255 || p2 > 255)
		return -1;
	s4->sin_addr.s_addr = htonl(h[0] << 24 | h[1] << 16 | h[2] << 8 | h[3]);
	if (!is_loopback(&ss))
		return -2;
	return (int)(p1 << 8 | p2);
}

/* Parse "229 ... (|||port|)". */
static int epsv_port(const char *line)
{
	const char *p = strstr(line, "|||");
	char *end;
	long v;

	if (p == NULL)
		return -1;
	v = strtol(p + 3, &end, 10);
	if (end == p + 3 || *end != '|' || v < 1 || v > 65535)
		return -1;
	return (int)v;
}

/*
 * Open a passive data connection: EPSV, or PASV once the server refused
 * EPSV (500-504).  The data connection goes to the control connection's
 * server address, never elsewhere.
 */
static int open_data(struct ctrl *c, struct stats *st)
{
	int code, port, fd;

	if (!c->pasv_only) {
		code = command(c, "EPSV");
		if (code == 229) {
			port = epsv_port(c->line);
			goto connect;
		}
		if (code < 500 || code > 504 || opt.srv.ss_family != AF_INET) {
			fail(st, io_kind(c, E_PASV), "EPSV %d: %.80s", code,
			     c->line);
			return -1;
		}
		c->pasv_only = true;
	}
	code = command(c, "PASV");
	if (code != 227) {
		fail(st, io_kind(c, E_PASV), "PASV %d: %.80s", code, c->line);
		return -1;
	}
	port = pasv_port(c->line);
	if (port == -2) {
		fail(st, E_PASV, "PASV address is not loopback: %.80s",
		     c->line);
		return -1;
	}
connect:
	if (port < 1) {
		fail(st, E_PASV, "cannot parse: %.80s", c->line);
		return -1;
	}
	fd = tcp_connect(port);
	if (fd < 0) {
		fail(st, E_DATACONN, "port %d: %s", port, strerror(errno));
		return -1;
	}
	return fd;
}

/*
 * Read a data connection to its end.  Bytes are counted into the stats
 * while inside the window; in big mode the transfer is cut when the
 * window closes.  Returns the bytes read, or -1 on an error.
 */
static long long drain(int fd, struct stats *st, bool count_lines,
		       bool cut_at_end)
{
	static _Thread_local char buf[256 * 1024];
	long long total = 0;

	for (;;) {
		ssize_t r = recv(fd, buf, sizeof buf, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fail(st, errno == EAGAIN ? E_TIMEOUT : E_XFER,
			     "data: %s", strerror(errno));
			return -1;
		}
		if (r == 0)
			return total;
		total += r;
		if (count_lines)
			for (ssize_t i = 0; i < r; i++)
				st->lines += buf[i] == '\n';
		if (cut_at_end) {
			double t = now();

			if (in_window(t))
				st->bytes += r;
			if (t >= t_end)
				return -2;	/* cut on purpose */
		}
	}
}

/*
 * One transfer: data connection, CMD ARG, 1xx, data to EOF, 2xx.
 * Returns the payload bytes, -1 on a failure, -2 when big mode cut it,
 * -3 when the server does not implement CMD.
 */
static long long transfer(struct ctrl *c, struct stats *st, const char *cmd,
			  const char *arg, bool big)
{
	long long n;
	int fd, code;

	fd = open_data(c, st);
	if (fd < 0)
		return -1;
	code = command(c, "%s %s", cmd, arg);
	if (code >= 500 && code <= 502) {
		close(fd);
		fail(st, E_UNSUPPORTED, "%s %d: %.80s", cmd, code, c->line);
		return -3;
	}
	if (code != 150 && code != 125) {
		close(fd);
		fail(st, io_kind(c, E_XFER), "%s %d: %.80s", cmd, code,
		     c->line);
		return -1;
	}
	st->lines = 0;
	n = drain(fd, st, !big && strcmp(cmd, "RETR") != 0, big);
	close(fd);
	if (n < 0)
		return n;
	code = read_reply(c);
	if (code != 226 && code != 250) {
		fail(st, io_kind(c, E_XFER), "after %s: %d %.80s", cmd, code,
		     c->line);
		return -1;
	}
	return n;
}

/* ------------------------------------------------------------ modes */

static void run_login(struct stats *st)
{
	while (may_start()) {
		double t0 = now();
		struct ctrl c;
		int code;

		if (!ctrl_login(&c, st)) {
			usleep(1000);	/* do not spin on a refusal */
			continue;
		}
		code = command(&c, "QUIT");
		if (code != 221) {
			fail(st, io_kind(&c, E_LOGIN), "QUIT %d: %.80s", code,
			     c.line);
			ctrl_close(&c);
			continue;
		}
		/* Wait for the server's close, so the server ends the TCP
		 * connection first and keeps the TIME_WAIT: the client's
		 * ephemeral ports are not used up during a long run. */
		while (read_line(&c) == 0)
			;
		ctrl_close(&c);
		sample(st, t0, now());
	}
}

/* small, big and list: one login, then transfers until the time is up. */
static void run_transfers(struct stats *st)
{
	bool big = opt.mode == M_BIG;
	bool list = opt.mode == M_LIST;
	long long want = -1;
	struct ctrl c;
	int code;

	c.fd = -1;
	while (may_start()) {
		double t0;
		long long n;

		if (c.fd < 0) {
			if (!ctrl_login(&c, st)) {
				usleep(10000);	/* do not spin on a refusal */
				continue;
			}
			code = command(&c, "TYPE I");
			if (code != 200) {
				fail(st, io_kind(&c, E_LOGIN), "TYPE %d: %.80s",
				     code, c.line);
				ctrl_close(&c);
				continue;
			}
			if (!list && command(&c, "SIZE %s", opt.file) == 213)
				want = atoll(c.line + 4);
		}
		t0 = now();
		n = list ? transfer(&c, st, opt.listcmd, opt.dir, false)
			 : transfer(&c, st, "RETR", opt.file, big);
		if (n == -3)
			break;	/* not implemented: nothing to measure */
		if (n < 0) {
			ctrl_close(&c);	/* a cut or failed transfer */
			continue;
		}
		if (!list && want >= 0 && n != want) {
			fail(st, E_SHORT, "%lld of %lld bytes", n, want);
			continue;
		}
		if (list && st->lines == 0) {
			fail(st, E_SHORT, "empty listing");
			continue;
		}
		sample(st, t0, now());
	}
	ctrl_close(&c);
}

/* rawconn / rawget: the floor servers speak no FTP. */
static void run_raw(struct stats *st)
{
	static _Thread_local char buf[256 * 1024];

	while (may_start()) {
		double t0 = now();
		long long total = 0;
		bool ok = true, cut = false;
		int fd = tcp_connect(opt.port);

		if (fd < 0) {
			fail(st, E_CONNECT, "%s", strerror(errno));
			usleep(1000);	/* do not spin on a refusal */
			continue;
		}
		for (;;) {
			ssize_t r = recv(fd, buf, sizeof buf, 0);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				fail(st, errno == EAGAIN ? E_TIMEOUT : E_XFER,
				     "%s", strerror(errno));
				ok = false;
				break;
			}
			if (r == 0)
				break;
			if (total == 0 && opt.mode == M_RAWCONN &&
			    (r < 3 || memcmp(buf, "220", 3) != 0)) {
				fail(st, E_GREETING, "no 220");
				ok = false;
			}
			total += r;
			if (opt.mode == M_RAWGET) {
				double t = now();

				if (in_window(t))
					st->bytes += r;
				if (t >= t_end) {
					cut = true;
					break;
				}
			}
		}
		close(fd);
		if (ok && !cut)
			sample(st, t0, now());
	}
}

/* ------------------------------------------------------------- idle */

static struct ctrl *sessions;	/* idle's sessions, opt.clients of them */
static atomic_int opened;

struct idle_part {
	int first, count;	/* the slice of sessions this thread owns */
	struct stats st;
	pthread_t tid;
	int phase;		/* 0: open them, 1: NOOP them and close */
	int alive;
};

static void *idle_thread(void *arg)
{
	struct idle_part *p = arg;

	for (int i = p->first; i < p->first + p->count; i++) {
		struct ctrl *c = &sessions[i];

		if (p->phase == 0) {
			/* Opening is bounded in time too: a server that
			 * stalls every login cannot keep us for hours. */
			if (now() >= t_end) {
				c->fd = -1;
				continue;
			}
			if (ctrl_login(c, &p->st) && command(c, "NOOP") == 200)
				atomic_fetch_add(&opened, 1);
			else
				ctrl_close(c);
		} else if (c->fd >= 0) {
			if (command(c, "NOOP") == 200)
				p->alive++;
			ctrl_close(c);
		}
	}
	return NULL;
}

static void idle_phase(struct idle_part *parts, int n, int phase)
{
	for (int i = 0; i < n; i++) {
		parts[i].phase = phase;
		if (pthread_create(&parts[i].tid, NULL, idle_thread,
				   &parts[i]) != 0) {
			fprintf(stderr, "ftpbench: pthread_create failed\n");
			exit(2);
		}
	}
	for (int i = 0; i < n; i++)
		pthread_join(parts[i].tid, NULL);
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++)
		putchar(*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 ?
			'_' : *s);
	putchar('"');
}

static void print_errors(const long *errors)
{
	long total = 0;

	for (int k = 0; k < E_COUNT; k++)
		total += errors[k];
	printf("\"errors\":%ld,\"error_kinds\":{", total);
	for (int k = 0, first = 1; k < E_COUNT; k++) {
		if (errors[k] == 0)
			continue;
		printf("%s\"%s\":%ld", first ? "" : ",", err_names[k],
		       errors[k]);
		first = 0;
	}
	printf("},\"first_error\":");
	json_string(first_error);
}

static int run_idle(void)
{
	int n = opt.connectors < opt.clients ? opt.connectors : opt.clients;
	struct idle_part *parts = calloc((size_t)n, sizeof *parts);
	long errors[E_COUNT] = { 0 };
	double t0, t_open;
	int alive = 0;
	sigset_t set;
	struct timespec hold;

	sessions = calloc((size_t)opt.clients, sizeof *sessions);
	if (parts == NULL || sessions == NULL) {
		fprintf(stderr, "ftpbench: out of memory\n");
		return 2;
	}
	for (int i = 0, at = 0; i < n; i++) {
		parts[i].first = at;
		parts[i].count = opt.clients / n + (i < opt.clients % n);
		at += parts[i].count;
	}
	t0 = now();
	t_end = t0 + IDLE_OPEN_MAX;
	idle_phase(parts, n, 0);
	t_open = now() - t0;
	fprintf(stderr, "READY opened=%d target=%d open_s=%.2f\n",
		atomic_load(&opened), opt.clients, t_open);
	fflush(stderr);

	/* Hold until told (SIGUSR1 or SIGTERM) or until -t seconds. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	hold.tv_sec = (time_t)opt.duration;
	hold.tv_nsec = (long)((opt.duration - (double)hold.tv_sec) * 1e9);
	while (sigtimedwait(&set, NULL, &hold) < 0 && errno == EINTR)
		;

	idle_phase(parts, n, 1);
	for (int i = 0; i < n; i++) {
		alive += parts[i].alive;
		for (int k = 0; k < E_COUNT; k++)
			errors[k] += parts[i].st.errors[k];
	}
	printf("{\"mode\":\"idle\",\"target\":%d,\"opened\":%d,"
	       "\"alive\":%d,\"open_s\":%.3f,\"open_rate\":%.1f,",
	       opt.clients, atomic_load(&opened), alive, t_open,
	       t_open > 0 ? atomic_load(&opened) / t_open : 0.0);
	print_errors(errors);
	printf("}\n");
	free(parts);
	free(sessions);
	return atomic_load(&opened) == opt.clients && alive == opt.clients ?
		0 : 1;
}

/* ----------------------------------------------------- rate modes */

struct client {
	pthread_t tid;
	struct stats st;
};

static void *client_thread(void *arg)
{
	struct stats *st = &((struct client *)arg)->st;

	switch (opt.mode) {
	case M_LOGIN:
		run_login(st);
		break;
	case M_SMALL:
	case M_BIG:
	case M_LIST:
		run_transfers(st);
		break;
	default:
		run_raw(st);
		break;
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double percentile(const double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static int run_rate(void)
{
	struct client *cl = calloc((size_t)opt.clients, sizeof *cl);
	long errors[E_COUNT] = { 0 };
	long ops = 0, lines = 0;
	long long bytes = 0;
	size_t nlat = 0;
	double *lat;
	double t0 = now();

	if (cl == NULL) {
		fprintf(stderr, "ftpbench: out of memory\n");
		return 2;
	}
	t_begin = t0 + opt.warmup;
	t_end = t_begin + opt.duration;
	for (int i = 0; i < opt.clients; i++) {
		cl[i].st.lat = malloc(MAX_SAMPLES * sizeof(double));
		if (cl[i].st.lat == NULL ||
		    pthread_create(&cl[i].tid, NULL, client_thread, &cl[i])) {
			fprintf(stderr, "ftpbench: cannot start client %d\n",
				i);
			exit(2);
		}
	}
	/* Every blocking call is bounded by the socket timeout, so the
	 * threads end at most that long after the window. */
	for (int i = 0; i < opt.clients; i++)
		pthread_join(cl[i].tid, NULL);
	for (int i = 0; i < opt.clients; i++) {
		ops += cl[i].st.ops;
		bytes += cl[i].st.bytes;
		nlat += cl[i].st.nlat;
		if (cl[i].st.lines > lines)
			lines = cl[i].st.lines;
		for (int k = 0; k < E_COUNT; k++)
			errors[k] += cl[i].st.errors[k];
	}
	lat = malloc((nlat + 1) * sizeof *lat);
	if (lat == NULL) {
		fprintf(stderr, "ftpbench: out of memory\n");
		return 2;
	}
	nlat = 0;
	for (int i = 0; i < opt.clients; i++) {
		memcpy(lat + nlat, cl[i].st.lat, cl[i].st.nlat * sizeof *lat);
		nlat += cl[i].st.nlat;
		free(cl[i].st.lat);
	}
	qsort(lat, nlat, sizeof *lat, cmp_double);

	printf("{\"mode\":\"%s\",\"clients\":%d,\"duration_s\":%.3f,"
	       "\"ops\":%ld,\"rate\":%.1f,\"bytes\":%lld,\"mb_s\":%.1f,"
	       "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"lines\":%ld,",
	       mode_names[opt.mode], opt.clients, opt.duration, ops,
	       ops / opt.duration, bytes, (double)bytes / opt.duration / 1e6,
	       percentile(lat, nlat, 0.50) * 1e3,
	       percentile(lat, nlat, 0.99) * 1e3, lines);
	print_errors(errors);
	printf("}\n");
	free(lat);
	free(cl);
	return 0;
}

/* One login and one RETR: does the server work yet? */
static int run_probe(void)
{
	struct stats st = { 0 };
	struct ctrl c;
	int code;

	if (!ctrl_login(&c, &st))
		goto fail;
	code = command(&c, "QUIT");
	ctrl_close(&c);
	if (code != 221)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "probe: %s\n", first_error);
	return 1;
}

/* ------------------------------------------------------------- main */

static long number(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "ftpbench: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static double seconds(const char *s, const char *what)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v >= 0 && v <= 3600)) {
		fprintf(stderr, "ftpbench: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: ftpbench -m login|small|big|list|idle|probe|rawconn|"
		"rawget -p PORT\n"
		"  [-H ADDR] [-b SRC] [-c N] [-k N] [-t SEC] [-W SEC] [-T SEC]"
		" [-N OPS]\n"
		"  [-u USER] [-w PASS] [-f FILE] [-d DIR] [-x LIST|MLSD]\n"
		"  (loopback addresses only)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *host = "127.0.0.1", *src = NULL;
	struct rlimit rl;
	sigset_t set;
	int ch;

	while ((ch = getopt(argc, argv, "m:H:b:p:c:k:t:W:T:N:u:w:f:d:x:")) !=
	       -1) {
		switch (ch) {
		case 'm': {
			size_t i;

			for (i = 0; i < sizeof mode_names / sizeof *mode_names;
			     i++)
				if (strcmp(optarg, mode_names[i]) == 0)
					break;
			if (i == sizeof mode_names / sizeof *mode_names)
				usage();
			opt.mode = (enum mode)i;
			break;
		}
		case 'H': host = optarg; break;
		case 'b': src = optarg; break;
		case 'p': opt.port = (int)number(optarg, 1, 65535, "port"); break;
		case 'c':
			opt.clients = (int)number(optarg, 1, MAX_SESSIONS,
						  "client count");
			break;
		case 'k':
			opt.connectors = (int)number(optarg, 1, 256,
						     "thread count");
			break;
		case 't': opt.duration = seconds(optarg, "duration"); break;
		case 'W': opt.warmup = seconds(optarg, "warm-up"); break;
		case 'T': opt.timeout = (int)number(optarg, 1, 600, "timeout"); break;
		case 'N': opt.max_ops = number(optarg, 1, LONG_MAX, "count"); break;
		case 'u': opt.user = optarg; break;
		case 'w': opt.pass = optarg; break;
		case 'f': opt.file = optarg; break;
		case 'd': opt.dir = optarg; break;
		case 'x':
			if (strcmp(optarg, "LIST") && strcmp(optarg, "MLSD") &&
			    strcmp(optarg, "NLST"))
				usage();
			opt.listcmd = optarg;
			break;
		default: usage();
		}
	}
	if (optind != argc || opt.port == 0)
		usage();
	if (!parse_addr(host, &opt.srv, &opt.srv_len)) {
		fprintf(stderr, "ftpbench: %s is not a numeric loopback address "
			"(only 127.0.0.0/8 and ::1 are allowed)\n", host);
		return 2;
	}
	if (src != NULL) {
		if (!parse_addr(src, &opt.src, &opt.src_len) ||
		    opt.src.ss_family != opt.srv.ss_family) {
			fprintf(stderr, "ftpbench: source %s is not a loopback "
				"address of the server's family\n", src);
			return 2;
		}
	}
	if (opt.mode != M_IDLE && opt.clients > MAX_CLIENTS) {
		fprintf(stderr, "ftpbench: at most %d clients\n", MAX_CLIENTS);
		return 2;
	}
	/* Thousands of idle sessions need as many descriptors. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* idle waits for these signals with sigtimedwait (its threads
	 * inherit the mask); the rate modes keep the default actions. */
	if (opt.mode == M_IDLE) {
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigaddset(&set, SIGTERM);
		sigaddset(&set, SIGINT);
		pthread_sigmask(SIG_BLOCK, &set, NULL);
	}
	signal(SIGPIPE, SIG_IGN);

	switch (opt.mode) {
	case M_PROBE:
		return run_probe();
	case M_IDLE:
		return run_idle();
	default:
		return run_rate();
	}
}
