/*
 * idnames.c - the table of account and group names for listings, made
 * by the master at start (and on SIGHUP) and shared with children as a
 * sealed memfd: they read it before their sandbox closes, and nothing
 * can change it afterwards.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/strbuf.h"
#include "idnames.h"

/* Names as `ls` would print them: no space or control character. */
static bool
plain_name(const char *n)
{
	size_t len = strlen(n);

	if (len == 0 || len > 64)
		return false;
	for (; *n; n++)
		if ((unsigned char)*n <= ' ' || *n == 0x7f)
			return false;
	return true;
}

int
idnames_build(void)
{
	struct strbuf sb;
	struct passwd *pw;
	struct group *gr;
	size_t n = 0, len;
	int fd;

	sb_init(&sb, IDNAMES_BYTES_MAX);
	setpwent();
	while ((pw = getpwent()) != NULL && n < IDNAMES_MAX) {
		if (plain_name(pw->pw_name)) {
			sb_appendf(&sb, "u %u %s\n", (unsigned)pw->pw_uid,
			    pw->pw_name);
			n++;
		}
	}
	endpwent();
	n = 0;
	setgrent();
	while ((gr = getgrent()) != NULL && n < IDNAMES_MAX) {
		if (plain_name(gr->gr_name)) {
			sb_appendf(&sb, "g %u %s\n", (unsigned)gr->gr_gid,
			    gr->gr_name);
			n++;
		}
	}
	endgrent();
	fd = memfd_create("sandftpd-names", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		log_warn("memfd_create: %s; listings show numeric owners",
		    strerror(errno));
		sb_free(&sb);
		return -1;
	}
	len = sb.len;
	if (write(fd, sb_str(&sb), len) != (ssize_t)len ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		log_warn("owner names: %s; listings show numeric owners",
		    strerror(errno));
		close(fd);
		fd = -1;
	}
	sb_free(&sb);
	return fd;
}
