/*
 * tlsload.c - a load generator for FTPS (explicit AUTH TLS, or implicit):
 * TLS logins per second with C concurrent clients, or the throughput of
 * PROT P downloads (the data connection resumes the control connection's
 * TLS session, as real clients do).  Talks to loopback only; any FTP
 * server.  A benchmark tool: it links OpenSSL, the server does not.
 *
 *   tlsload -m login -p PORT [-c CLIENTS] [-d SECONDS] [-i]
 *   tlsload -m get -p PORT -f PATH [-d SECONDS] [-i]
 * Prints one number: logins/s, or MB/s (10^6 bytes).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int port, clients = 16, seconds = 3, implicit;
static const char *mode = "login", *path = "big.bin";
static const char *user = "anonymous", *pass = "bench@example.com";

struct conn {
	int fd;
	SSL *ssl;
	char buf[8192];
	size_t len;
};

static double
now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
dial(int p)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(p) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static ssize_t
c_read(struct conn *c, void *b, size_t n)
{
	return c->ssl ? SSL_read(c->ssl, b, (int)n) : read(c->fd, b, n);
}

/* One reply (the last line's code), or -1. */
static int
reply(struct conn *c, char *text, size_t tn)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);

		if (nl) {
			size_t l = (size_t)(nl - c->buf) + 1;
			int code = -1;

			if (l >= 4 && c->buf[3] == ' ')
				code = atoi(c->buf);
			if (text && code > 0) {
				snprintf(text, tn, "%.*s", (int)l, c->buf);
			}
			memmove(c->buf, c->buf + l, c->len - l);
			c->len -= l;
			if (code > 0)
				return code;
			continue;
		}
		ssize_t n = c_read(c, c->buf + c->len, sizeof(c->buf) - c->len);
		if (n <= 0)
			return -1;
		c->len += (size_t)n;
	}
}

static int
cmd(struct conn *c, char *text, size_t tn, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	memcpy(line + n, "\r\n", 2);
	n += 2;
	if ((c->ssl ? SSL_write(c->ssl, line, n) :
	    (int)write(c->fd, line, (size_t)n)) != n)
		return -1;
	return reply(c, text, tn);
}

static SSL_CTX *
client_ctx(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	return ctx;
}

static int
tls_on(struct conn *c, SSL_CTX *ctx, SSL_SESSION *resume)
{
	c->ssl = SSL_new(ctx);
	SSL_set_fd(c->ssl, c->fd);
	if (resume)
		SSL_set_session(c->ssl, resume);
	return SSL_connect(c->ssl) == 1 ? 0 : -1;
}

static void
hang_up(struct conn *c)
{
	if (c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	if (c->fd >= 0)
		close(c->fd);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Connect, TLS, log in; 0 or -1. */
static int
login(struct conn *c, SSL_CTX *ctx)
{
	memset(c, 0, sizeof(*c));
	c->fd = dial(port);
	if (c->fd < 0)
		return -1;
	if (implicit) {
		if (tls_on(c, ctx, NULL) < 0 || reply(c, NULL, 0) != 220)
			return -1;
	} else if (reply(c, NULL, 0) != 220 ||
	    cmd(c, NULL, 0, "AUTH TLS") != 234 || tls_on(c, ctx, NULL) < 0) {
		return -1;
	}
	/* A server may take an anonymous USER without a password (230). */
	switch (cmd(c, NULL, 0, "USER %s", user)) {
	case 230:
		return 0;
	case 331:
		return cmd(c, NULL, 0, "PASS %s", pass) == 230 ? 0 : -1;
	default:
		return -1;
	}
}

static long
run_logins(double until)
{
	SSL_CTX *ctx = client_ctx();
	struct conn c;
	long n = 0;

	while (now() < until) {
		if (login(&c, ctx) == 0 && cmd(&c, NULL, 0, "QUIT") == 221)
			n++;
		hang_up(&c);
	}
	return n;
}

static long
run_gets(double until)
{
	static char buf[256 * 1024];
	SSL_CTX *ctx = client_ctx();
	struct conn c, d;
	char text[512];
	long bytes = 0;
	char *p;

	if (login(&c, ctx) < 0 || cmd(&c, NULL, 0, "PBSZ 0") != 200 ||
	    cmd(&c, NULL, 0, "PROT P") != 200 ||
	    cmd(&c, NULL, 0, "TYPE I") != 200)
		return -1;
	while (now() < until) {
		if (cmd(&c, text, sizeof(text), "EPSV") != 229 ||
		    (p = strstr(text, "|||")) == NULL)
			return -1;
		memset(&d, 0, sizeof(d));
		d.fd = dial(atoi(p + 3));
		if (d.fd < 0 || cmd(&c, NULL, 0, "RETR %s", path) != 150 ||
		    tls_on(&d, ctx, SSL_get0_session(c.ssl)) < 0)
			return -1;
		for (;;) {
			int n = SSL_read(d.ssl, buf, sizeof(buf));

			if (n <= 0)
				break;
			bytes += n;
		}
		hang_up(&d);
		if (reply(&c, NULL, 0) != 226)
			return -1;
	}
	hang_up(&c);
	return bytes;
}

int
main(int argc, char **argv)
{
	int o, i, fds[2];
	double start, until;
	long total = 0;

	while ((o = getopt(argc, argv, "m:p:c:d:f:u:w:i")) != -1) {
		switch (o) {
		case 'm': mode = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'c': clients = atoi(optarg); break;
		case 'd': seconds = atoi(optarg); break;
		case 'f': path = optarg; break;
		case 'u': user = optarg; break;
		case 'w': pass = optarg; break;
		case 'i': implicit = 1; break;
		default:
			fprintf(stderr, "usage: see the header of tlsload.c\n");
			return 2;
		}
	}
	if (port <= 0)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(mode, "get") == 0)
		clients = 1;
	if (pipe(fds) < 0)
		return 1;
	start = now();
	until = start + seconds;
	for (i = 0; i < clients; i++) {
		if (fork() == 0) {
			long n = strcmp(mode, "get") == 0 ? run_gets(until) :
			    run_logins(until);

			(void)!write(fds[1], &n, sizeof(n));
			_exit(0);
		}
	}
	close(fds[1]);
	for (i = 0; i < clients; i++) {
		long n;

		if (read(fds[0], &n, sizeof(n)) != sizeof(n) || n < 0) {
			fprintf(stderr, "tlsload: a client failed\n");
			return 1;
		}
		total += n;
	}
	while (wait(NULL) > 0)
		;
	if (strcmp(mode, "get") == 0)
		printf("%.1f\n", (double)total / 1e6 / (now() - start));
	else
		printf("%.1f\n", (double)total / (now() - start));
	return 0;
}
