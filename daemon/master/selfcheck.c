/*
 * selfcheck.c - sandftpd -t: the configuration parsed (main.c has done
 * that), then everything it refers to, as the master would use it at
 * start: the directories, the session user, the ports, the account
 * files, the message files, the TLS pair.  Every problem is printed,
 * each naming where its key was set (FILE:LINE: KEY), not just the
 * first; nothing is bound or changed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/strbuf.h"
#include "../../common/util.h"
#include "master.h"
#include "tlskey.h"
#include "userdb.h"

struct check {
	const struct config *cf;
	bool verbose;
	int problems;
};

PRINTF_LIKE(3, 4) static void
problem(struct check *c, const char *key, const char *fmt, ...)
{
	char where[PATH_MAX + 96];
	va_list ap;

	c->problems++;
	if (!c->verbose)
		return;
	config_where(c->cf, key, where, sizeof(where));
	fprintf(stderr, "sandftpd: %s: ", where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A problem whose text starts with its key ("tls_key: ..."). */
static void
located(struct check *c, const char *text)
{
	char line[PATH_MAX + 640];

	c->problems++;
	if (!c->verbose)
		return;
	config_locate(c->cf, text, line, sizeof(line));
	fprintf(stderr, "sandftpd: %s\n", line);
}

static void
check_dir(struct check *c, const char *key, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		problem(c, key, "%s: %s", path, strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		problem(c, key, "%s is not a directory", path);
}

static void
check_readable(struct check *c, const char *key, const char *path)
{
	int fd;

	if (path[0] == '\0')
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		problem(c, key, "%s: %s", path, strerror(errno));
	else
		close(fd);
}

static void
check_anonymous(struct check *c)
{
	const struct config *cf = c->cf;
	int fd, up;

	if (!cf->anonymous)
		return;
	check_dir(c, "anon_root", cf->anon_root);
	if (cf->anon_upload_dir[0] == '\0')
		return;
	fd = open(cf->anon_root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;		/* said above */
	up = master_open_upload_dir(cf, fd);
	if (up < 0)
		problem(c, "anon_upload_dir", "%s beneath %s: %s",
		    cf->anon_upload_dir, cf->anon_root, strerror(errno));
	else
		close(up);
	close(fd);
}

static void
check_identity(struct check *c)
{
	const struct config *cf = c->cf;
	uid_t uid;
	gid_t gid;
	int fd;

	if (geteuid() != 0) {
		if (cf->local_users)
			problem(c, "local_users", "system users need the "
			    "server to run as root");
		return;
	}
	if (master_session_user(cf, &uid, &gid, false) < 0)
		problem(c, "session_user", "'%s' does not exist or has uid or "
		    "gid 0; create it with: useradd --system --no-create-home "
		    "--home-dir /nonexistent --shell /usr/sbin/nologin %s",
		    cf->session_user, cf->session_user);
	fd = master_empty_dir(cf->empty_dir, false);
	if (fd < 0)
		problem(c, "empty_dir", "%s must be an empty directory owned "
		    "by root and writable by nobody else (it is made if "
		    "missing)", cf->empty_dir);
	else
		close(fd);
}

/* Ports: each free of the passive range, and bindable by us. */
static void
check_ports(struct check *c)
{
	const struct config *cf = c->cf;
	int i, n = cf->nlisten + cf->nlisten_tls;

	for (i = 0; i < n; i++) {
		bool tls = i >= cf->nlisten;
		const struct config_listen *l = tls ?
		    &cf->listen_tls[i - cf->nlisten] : &cf->listen[i];
		const char *key = tls ? "listen_implicit_tls" : "listen";
		unsigned port = addr_port(&l->addr);

		if (port >= cf->pasv_min && port <= cf->pasv_max)
			problem(c, key, "%s: port %u is in pasv_ports "
			    "(%u-%u)", l->text, port, cf->pasv_min,
			    cf->pasv_max);
		if (port < 1024 && geteuid() != 0)
			problem(c, key, "%s: port %u needs root", l->text,
			    port);
	}
}

static void
check_accounts(struct check *c)
{
	const struct config *cf = c->cf;
	struct strbuf errs;
	char pam[PATH_MAX];
	const char *p, *nl;

	if (cf->local_users) {
		snprintf(pam, sizeof(pam), "/etc/pam.d/%s", cf->pam_service);
		if (access(pam, R_OK) < 0) {
			snprintf(pam, sizeof(pam), "/usr/lib/pam.d/%s",
			    cf->pam_service);
			if (access(pam, R_OK) < 0)
				problem(c, "pam_service", "no PAM "
				    "configuration /etc/pam.d/%s (make install "
				    "puts one there)", cf->pam_service);
		}
	}
	sb_init(&errs, 64 * 1024);
	(void)userdb_init(cf, &errs);
	/* Each line names its own file and line already. */
	for (p = sb_str(&errs); *p; p = *nl ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		c->problems++;
		if (c->verbose)
			fprintf(stderr, "sandftpd: %.*s\n", (int)(nl - p), p);
	}
	sb_free(&errs);
}

static void
check_messages(struct check *c)
{
	check_readable(c, "banner_file", c->cf->banner_file);
	check_readable(c, "login_message_file", c->cf->login_message_file);
}

/*
 * A file the master writes after it has dropped its capabilities (the
 * metrics file every few seconds, the transfer log when SIGUSR1 opens
 * it again): its directory must let our uid write without
 * CAP_DAC_OVERRIDE, by its owner, group or other bits.
 */
static void
check_writable_dir(struct check *c, const char *key, const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	struct stat st;
	bool ok;

	if (path[0] == '\0')
		return;
	str_copy(dir, sizeof(dir), path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		problem(c, key, "%s: the directory %s does not exist", path,
		    dir);
		return;
	}
	ok = (st.st_uid == geteuid() && (st.st_mode & S_IWUSR)) ||
	    (st.st_gid == getegid() && (st.st_mode & S_IWGRP)) ||
	    (st.st_mode & S_IWOTH);
	if (!ok)
		problem(c, key, "%s: the master (uid %u, without "
		    "CAP_DAC_OVERRIDE) cannot write in %s", path,
		    (unsigned)geteuid(), dir);
}

static void
check_tls(struct check *c)
{
	const struct config *cf = c->cf;
	char err[512];
	uid_t uid = (uid_t)-1;
	gid_t gid;

	if (cf->tls_cert[0] == '\0') {
		if (master_tls_needed(cf))
			problem(c, "tls_cert", "not set, but tls_required or "
			    "listen_implicit_tls need TLS");
		return;
	}
	/* Readable, a certificate, a key that matches it, safe modes. */
	if (geteuid() == 0 && master_session_user(cf, &uid, &gid, false) < 0)
		uid = (uid_t)-1;
	if (tlskey_load(cf, uid, err, sizeof(err)) < 0)
		located(c, err);	/* it starts with the key it is about */
}

int
master_check_runtime(const struct config *cf, bool verbose)
{
	struct check c = { cf, verbose, 0 };

	check_anonymous(&c);
	check_identity(&c);
	check_ports(&c);
	check_accounts(&c);
	check_messages(&c);
	check_writable_dir(&c, "xferlog_file", cf->xferlog_file);
	check_writable_dir(&c, "metrics_file", cf->metrics_file);
	check_tls(&c);
	return c.problems;
}
