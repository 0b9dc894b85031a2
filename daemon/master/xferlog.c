/*
 * xferlog.c - the transfer log, in the classic xferlog format
 * (wu-ftpd, ProFTPD's xferlog(5)), one line per transfer:
 *
 *   Wed Dec  2 12:00:00 2026 1 192.0.2.7 4096 /pub/a_b b _ o a anonymous
 *   ftp 0 * c
 *
 * (on one line): local time, seconds, client, bytes, file, a|b, _, o|i,
 * a|r (anonymous, or a system or virtual user), user, ftp, 0, *, c|i.
 * Every field is one word: in the file name and the user name a space
 * becomes '_' and control bytes, DEL and '\' are escaped (\xNN, \\), so
 * a name can neither end the line nor shift the fields after it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../common/log.h"
#include "metrics.h"
#include "xferlog.h"

static int log_fd = -1;
static char log_path[PATH_MAX];

int
xferlog_open_path(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY, 0640);
}

int
xferlog_open(const struct config *cf)
{
	if (cf->xferlog_file[0] == '\0')
		return 0;
	str_copy(log_path, sizeof(log_path), cf->xferlog_file);
	log_fd = xferlog_open_path(log_path);
	return log_fd < 0 ? -1 : 0;
}

void
xferlog_adopt(const char *path, int fd)
{
	if (log_fd >= 0)
		close(log_fd);
	str_copy(log_path, sizeof(log_path), path);
	log_fd = fd;
}

void
xferlog_reopen(void)
{
	int fd;

	if (log_path[0] == '\0')
		return;
	fd = xferlog_open_path(log_path);
	if (fd < 0) {
		log_err("xferlog_file: %s: cannot open it again: %s; writing "
		    "on to the old one", log_path, strerror(errno));
		return;
	}
	if (log_fd >= 0)
		close(log_fd);
	log_fd = fd;
	log_info("SIGUSR1: xferlog_file %s opened again", log_path);
}

/* One field of the line: no space, no control byte. */
static void
field(char *dst, size_t n, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *src; src++) {
		unsigned char c = (unsigned char)*src;
		char esc[4];
		size_t k = 1;

		esc[0] = (char)c;
		if (c == ' ') {
			esc[0] = '_';
		} else if (c == '\\') {
			esc[1] = '\\';
			k = 2;
		} else if (c < 0x20 || c == 0x7f) {
			esc[0] = '\\';
			esc[1] = 'x';
			esc[2] = hex[c >> 4];
			esc[3] = hex[c & 0xf];
			k = 4;
		}
		if (o + k + 1 > n)
			break;
		memcpy(dst + o, esc, k);
		o += k;
	}
	if (o == 0 && n > 1)	/* never an empty field */
		dst[o++] = '_';
	dst[o] = '\0';
}

int
xferlog_format(char *buf, size_t n, time_t when,
    const struct session_rec *sess, const struct ipc_xfer *x)
{
	static char path[IPC_PATH_MAX * 4];
	char stamp[64], who[ADDR_TEXT_MAX], user[IPC_USER_MAX * 4];
	struct tm tm;
	int len;

	localtime_r(&when, &tm);
	strftime(stamp, sizeof(stamp), "%a %b %e %H:%M:%S %Y", &tm);
	addr_host_text(&sess->peer, who, sizeof(who));
	field(path, sizeof(path), x->path);
	field(user, sizeof(user), sess->user[0] ? sess->user : "*");
	len = snprintf(buf, n, "%s %llu %s %llu %s %c _ %c %c %s "
	    "ftp 0 * %c\n", stamp,
	    (unsigned long long)((x->duration_ms + 500) / 1000), who,
	    (unsigned long long)x->bytes, path,
	    x->flags & XFER_ASCII ? 'a' : 'b',
	    x->direction == XFER_IN ? 'i' : 'o',
	    sess->login_class == CLASS_ANON ? 'a' : 'r', user,
	    x->flags & XFER_COMPLETE ? 'c' : 'i');
	return len < 0 || (size_t)len >= n ? -1 : len;
}

void
xferlog_write(const struct session_rec *sess, const struct ipc_xfer *x)
{
	static char line[XFERLOG_LINE_MAX];
	int n;

	if (log_fd < 0)
		return;
	n = xferlog_format(line, sizeof(line), time(NULL), sess, x);
	if (n < 0)
		return;		/* cannot happen: the fields are bounded */
	/* One write with O_APPEND: a whole line, or an error. */
	if (write(log_fd, line, (size_t)n) != n)
		log_err("xferlog_file: %s: %s", log_path, strerror(errno));
}
