/*
 * rawfloor - the machine's floors for `make bench`: tiny servers that
 * speak no FTP, so that what an FTP server reaches can be stated as a
 * fraction of what the same client reaches on the same machine without
 * any protocol, privilege separation or sandbox.
 *
 *   rawfloor -m exec -x GREETER [-a ADDR] -p PORT [-t SEC]
 *       per connection: fork, exec GREETER (a small static binary that
 *       writes a 220 line and exits) with the connection on its stdout:
 *       the least a server that gives each session a fresh process image
 *       can pay per connection.  Compare with the login workload.
 *   rawfloor -m sendfile -f FILE [-a ADDR] -p PORT [-t SEC]
 *       per connection: sendfile FILE, close (one process, one thread).
 *       Compare with small (4 KiB) and big (1 GiB).
 *
 * Listens on a loopback address only and exits after -t seconds (600)
 * whatever happens, so a forgotten floor cannot stay behind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: rawfloor -m exec|sendfile -p PORT "
		"[-a ADDR] [-x GREETER] [-f FILE] [-t SEC]\n");
	exit(2);
}

static int listen_on(const char *addr, int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((unsigned short)port) };
	int one = 1;
	int fd;

	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
		fprintf(stderr, "rawfloor: %s is not in 127.0.0.0/8\n", addr);
		exit(2);
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    listen(fd, 1024) < 0) {
		fprintf(stderr, "rawfloor: listen on %s:%d: %s\n", addr, port,
			strerror(errno));
		exit(1);
	}
	return fd;
}

static void serve_exec(int lfd, const char *greeter)
{
	char *const argv[] = { (char *)greeter, NULL };
	char *const envp[] = { NULL };

	/* The kernel reaps the children: no waitpid in the hot loop. */
	signal(SIGCHLD, SIG_IGN);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pid_t pid;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE)
				continue;
			perror("rawfloor: accept");
			exit(1);
		}
		pid = fork();
		if (pid == 0) {
			/* dup2 clears close-on-exec on the copy. */
			if (dup2(fd, STDOUT_FILENO) < 0)
				_exit(1);
			execve(greeter, argv, envp);
			_exit(127);
		}
		if (pid < 0)
			perror("rawfloor: fork");
		close(fd);
	}
}

static void serve_file(int lfd, const char *path)
{
	int file = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;

	if (file < 0 || fstat(file, &sb) < 0) {
		fprintf(stderr, "rawfloor: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	signal(SIGPIPE, SIG_IGN);	/* a client that hangs up early */
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		off_t off = 0;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			perror("rawfloor: accept");
			exit(1);
		}
		while (off < sb.st_size) {
			ssize_t n = sendfile(fd, file, &off,
					     (size_t)(sb.st_size - off));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
		}
		close(fd);
	}
}

int main(int argc, char **argv)
{
	const char *mode = NULL, *addr = "127.0.0.1", *greeter = NULL;
	const char *file = NULL;
	long port = 0, limit = 600;
	int ch, lfd;

	while ((ch = getopt(argc, argv, "m:a:p:x:f:t:")) != -1) {
		switch (ch) {
		case 'm': mode = optarg; break;
		case 'a': addr = optarg; break;
		case 'p': port = strtol(optarg, NULL, 10); break;
		case 'x': greeter = optarg; break;
		case 'f': file = optarg; break;
		case 't': limit = strtol(optarg, NULL, 10); break;
		default: usage();
		}
	}
	if (mode == NULL || port < 1 || port > 65535 || limit < 1 ||
	    limit > 86400 || optind != argc)
		usage();
	lfd = listen_on(addr, (int)port);
	/* The bound on our lifetime: SIGALRM's default action ends us. */
	alarm((unsigned)limit);
	if (strcmp(mode, "exec") == 0 && greeter != NULL)
		serve_exec(lfd, greeter);
	else if (strcmp(mode, "sendfile") == 0 && file != NULL)
		serve_file(lfd, file);
	usage();
}
