/*
 * hash.c - password hashes with libxcrypt: checking a virtual user's
 * password, the decoy check for names that must fail (so a refused name
 * costs the time of a real check), and `sandftpd -P`.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "../../common/util.h"
#include "auth.h"

#define HASH_PREFIX "$y$"	/* yescrypt, libxcrypt's default cost */

bool
auth_hash_matches(const char *pass, const char *hash)
{
	static struct crypt_data cd;	/* large: not on the stack */
	const char *out;
	size_t n = strlen(hash), i;
	unsigned char diff = 0;

	if (!auth_load_crypt(NULL, 0))
		return false;
	memset(&cd, 0, sizeof(cd));
	out = auth_crypt.rn(pass, hash, &cd, sizeof(cd));
	if (out == NULL || out[0] == '*' || strlen(out) != n) {
		explicit_bzero(&cd, sizeof(cd));
		return false;
	}
	for (i = 0; i < n; i++)
		diff |= (unsigned char)(out[i] ^ hash[i]);
	explicit_bzero(&cd, sizeof(cd));
	return diff == 0;
}

void
auth_hash_decoy(const char *pass)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];

	if (auth_load_crypt(NULL, 0) && auth_crypt.gensalt_rn(HASH_PREFIX, 0,
	    NULL, 0, setting, sizeof(setting)) != NULL)
		(void)auth_hash_matches(pass, setting);
}

/* Read one line from fd without echo when it is a terminal. */
static int
read_secret(int fd, const char *prompt, char *buf, size_t n)
{
	struct termios old, quiet;
	bool tty = tcgetattr(fd, &old) == 0;
	size_t len = 0;
	char c;

	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		fputs(prompt, stderr);
		fflush(stderr);
		if (tcsetattr(fd, TCSAFLUSH, &quiet) < 0)
			return -1;
	}
	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (len + 1 < n)
			buf[len++] = c;
	}
	buf[len] = '\0';
	if (tty) {
		tcsetattr(fd, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	return 0;
}

int
auth_print_hash(void)
{
	static struct crypt_data cd;
	char pass[IPC_PASS_MAX], again[IPC_PASS_MAX];
	char setting[CRYPT_GENSALT_OUTPUT_SIZE], err[256];
	const char *out;
	int fd;
	bool tty;

	if (!auth_load_crypt(err, sizeof(err))) {
		fprintf(stderr, "sandftpd: libcrypt: %s\n", err);
		return 1;
	}
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	tty = fd >= 0;

	if (!tty)
		fd = 0;		/* no terminal: the password is on stdin */
	if (read_secret(fd, "Password: ", pass, sizeof(pass)) < 0)
		return 1;
	if (tty) {
		if (read_secret(fd, "Again: ", again, sizeof(again)) < 0)
			return 1;
		if (strcmp(pass, again) != 0) {
			fprintf(stderr, "sandftpd: the passwords differ\n");
			return 1;
		}
		close(fd);
	}
	if (pass[0] == '\0') {
		fprintf(stderr, "sandftpd: an empty password is refused\n");
		return 1;
	}
	if (auth_crypt.gensalt_rn(HASH_PREFIX, 0, NULL, 0, setting,
	    sizeof(setting)) == NULL ||
	    (out = auth_crypt.rn(pass, setting, &cd, sizeof(cd))) == NULL ||
	    out[0] == '*') {
		fprintf(stderr, "sandftpd: hashing failed: %s\n",
		    strerror(errno));
		return 1;
	}
	printf("%s\n", out);
	explicit_bzero(pass, sizeof(pass));
	explicit_bzero(again, sizeof(again));
	explicit_bzero(&cd, sizeof(cd));
	return 0;
}
