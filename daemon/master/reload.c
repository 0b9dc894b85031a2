/*
 * reload.c - SIGHUP: the configuration file and the -o options are read
 * again and checked, with everything they name (the anonymous root and
 * upload directory, the message files, the TLS pair); only when all of
 * it is good does the new configuration replace the running one.  From
 * then on new children and new sessions use it; a running session keeps
 * the values its child was started with.  On any error the running
 * configuration stays whole and the log says file:line: key: problem.
 *
 * A few keys shape what the master built at start (its sockets, the uid
 * of every child, the pools' sizes, the account tables): a change to one
 * of those is logged as needing a restart and the running value is kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/log.h"
#include "idnames.h"
#include "limits.h"
#include "master.h"
#include "notify.h"
#include "pool.h"
#include "tlskey.h"
#include "userdb.h"
#include "xferlog.h"

struct restart_key {
	const char *name;
	size_t off, size;
	size_t off2, size2;	/* a second field kept with it (a count) */
};

#define FIELD(f) offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define NONE 0, 0

static const struct restart_key restart_keys[] = {
	{ "listen", FIELD(listen), FIELD(nlisten) },
	{ "listen_implicit_tls", FIELD(listen_tls), FIELD(nlisten_tls) },
	{ "session_user", FIELD(session_user), NONE },
	{ "empty_dir", FIELD(empty_dir), NONE },
	{ "port20", FIELD(port20), NONE },
	{ "pool_spare", FIELD(pool_spare), NONE },
	{ "ipv6_limit_prefix", FIELD(ipv6_limit_prefix), NONE },
	{ "local_users", FIELD(local_users), NONE },
	{ "user_db", FIELD(user_db), NONE },
	{ "user_deny_file", FIELD(user_deny_file), NONE },
};

/* Keep the running value of every key that needs a restart; say so. */
static void
keep_restart_keys(const struct config *old, struct config *nc)
{
	size_t i;

	for (i = 0; i < sizeof(restart_keys) / sizeof(restart_keys[0]); i++) {
		const struct restart_key *k = &restart_keys[i];
		const char *o = (const char *)old;
		char *n = (char *)nc;

		if (memcmp(o + k->off, n + k->off, k->size) == 0 &&
		    memcmp(o + k->off2, n + k->off2, k->size2) == 0)
			continue;
		log_warn("SIGHUP: %s: changed, but takes effect only at a "
		    "restart; the running value stays", k->name);
		memcpy(n + k->off, o + k->off, k->size);
		memcpy(n + k->off2, o + k->off2, k->size2);
	}
	nc->listen_is_default = old->listen_is_default;
	/* Turning TLS on or off changes which children load OpenSSL and
	 * what every pool offers: a restart.  A new pair is a reload. */
	if ((old->tls_cert[0] == '\0') != (nc->tls_cert[0] == '\0')) {
		log_warn("SIGHUP: tls_cert: %s TLS takes effect only at a "
		    "restart; the running setting stays",
		    old->tls_cert[0] ? "turning off" : "turning on");
		memcpy(nc->tls_cert, old->tls_cert, sizeof(nc->tls_cert));
		memcpy(nc->tls_key, old->tls_key, sizeof(nc->tls_key));
	}
}

/* What the new configuration opens, before it is in force. */
struct opened {
	int anon_fd, upload_fd;
	bool new_xferlog;	/* xferlog_file changed: xferlog_fd is it */
	int xferlog_fd;
	char banner[IPC_MESSAGE_MAX], login[IPC_MESSAGE_MAX];
};

static void
close_opened(struct opened *o)
{
	if (o->anon_fd >= 0)
		close(o->anon_fd);
	if (o->upload_fd >= 0)
		close(o->upload_fd);
	if (o->xferlog_fd >= 0)
		close(o->xferlog_fd);
	o->anon_fd = o->upload_fd = o->xferlog_fd = -1;
}

/* 0, or -1 with the problem (naming the key) in err. */
static int
open_new(const struct config *old, const struct config *nc, struct opened *o,
    char *err, size_t errsz)
{
	char where[PATH_MAX + 96];

	o->anon_fd = o->upload_fd = o->xferlog_fd = -1;
	o->new_xferlog = strcmp(old->xferlog_file, nc->xferlog_file) != 0;
	if (o->new_xferlog && nc->xferlog_file[0] &&
	    (o->xferlog_fd = xferlog_open_path(nc->xferlog_file)) < 0) {
		config_where(nc, "xferlog_file", where, sizeof(where));
		snprintf(err, errsz, "%s: %s: %s", where, nc->xferlog_file,
		    strerror(errno));
		return -1;
	}
	if (nc->anonymous) {
		o->anon_fd = open(nc->anon_root, O_PATH | O_DIRECTORY |
		    O_CLOEXEC);
		if (o->anon_fd < 0) {
			config_where(nc, "anon_root", where, sizeof(where));
			snprintf(err, errsz, "%s: %s: %s", where,
			    nc->anon_root, strerror(errno));
			return -1;
		}
		if (nc->anon_upload_dir[0] && (o->upload_fd =
		    master_open_upload_dir(nc, o->anon_fd)) < 0) {
			config_where(nc, "anon_upload_dir", where,
			    sizeof(where));
			snprintf(err, errsz, "%s: %s in %s: %s", where,
			    nc->anon_upload_dir, nc->anon_root,
			    strerror(errno));
			close_opened(o);
			return -1;
		}
	}
	if (master_read_messages(nc, o->banner, o->login, where,
	    sizeof(where)) < 0) {
		config_locate(nc, where, err, errsz);
		close_opened(o);
		return -1;
	}
	return 0;
}

/* Put the new configuration and what it opened in force. */
static void
commit(struct master *m, struct config *nc, struct opened *o)
{
	if (m->anon_fd >= 0)
		close(m->anon_fd);
	if (m->upload_fd >= 0)
		close(m->upload_fd);
	m->anon_fd = o->anon_fd;
	m->upload_fd = o->upload_fd;
	if (o->new_xferlog)
		xferlog_adopt(nc->xferlog_file, o->xferlog_fd);
	memcpy(m->banner_text, o->banner, sizeof(m->banner_text));
	memcpy(m->login_text, o->login, sizeof(m->login_text));
	*m->cf = *nc;
	log_set_debug(m->cf->log_debug);
	limits_from_config(m->cf);
}

/* The account tables and the names of owners: read again as well. */
static void
refresh_accounts(struct master *m)
{
	int fd;

	userdb_refresh(true);
	fd = idnames_build();
	if (fd >= 0) {
		if (m->names_fd >= 0)
			close(m->names_fd);
		m->names_fd = fd;
	}
}

/* Every error on a line of its own: FILE:LINE: KEY: problem. */
static void
log_errors(const char *text)
{
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");

		log_err("SIGHUP: %.*s", (int)len, p);
		p += len;
		if (*p == '\n')
			p++;
	}
}

void
master_reload(struct master *m)
{
	const char *file = m->start.config_file;
	const char *where = file ? file : "(built-in defaults)";
	struct config *nc;
	struct strbuf errs;
	struct opened o;
	char err[4 * PATH_MAX + 256];
	int nerr;

	notify_reloading();
	log_info("SIGHUP: reading %s again", where);
	nc = malloc(sizeof(*nc));
	if (nc == NULL) {
		log_err("SIGHUP: out of memory; the running configuration "
		    "stays");
		notify_send("READY=1");
		return;
	}
	sb_init(&errs, 64 * 1024);
	nerr = config_load(nc, file, m->start.options, m->start.noptions,
	    &errs);
	if (nerr > 0) {
		log_errors(sb_str(&errs));
		log_err("SIGHUP: %d configuration error%s; the running "
		    "configuration stays", nerr, nerr == 1 ? "" : "s");
		goto out;
	}
	keep_restart_keys(m->cf, nc);
	if (open_new(m->cf, nc, &o, err, sizeof(err)) < 0) {
		log_err("SIGHUP: %s; the running configuration stays", err);
		goto out;
	}
	/* Last, as it is the one step that leaves something behind: a new
	 * generation, which only children started from now on get. */
	if (nc->tls_cert[0] && tlskey_load(nc, m->privileged ? m->uid :
	    (uid_t)-1, err, sizeof(err)) < 0) {
		char line[sizeof(err) + 128];

		config_locate(nc, err, line, sizeof(line));
		log_err("SIGHUP: TLS not reloaded, the running certificate "
		    "stays: %s; the running configuration stays", line);
		close_opened(&o);
		goto out;
	}
	commit(m, nc, &o);
	/* Children still starting were given the old values: they are
	 * retired when they report ready (monitor.c). */
	m->config_gen++;
	refresh_accounts(m);
	/* Idle children were started with the old values: replace them. */
	pool_retire_idle(m);
	pool_maintain(m);
	if (m->cf->tls_cert[0])
		log_info("SIGHUP: new TLS certificate and key loaded for new "
		    "sessions");
	log_info("SIGHUP: configuration reloaded from %s; new sessions use "
	    "it, running sessions keep theirs", where);
out:
	sb_free(&errs);
	free(nc);
	notify_send("READY=1");
}
