/*
 * commands.c - the command table and the dispatcher.  This is the one
 * place that decides whether a command may run: unknown commands get 500,
 * commands before login that are not on the pre-login allow-list get 530,
 * a missing required argument gets 501.  Handlers never re-check these.
 */
#include <stdio.h>
#include <string.h>

#include "../../common/log.h"
#include "commands.h"
#include "tls.h"

#define CMD_PRELOGIN 0x01	/* allowed before login */
#define CMD_ARG 0x02		/* an argument is required */
#define CMD_WRITE 0x04		/* changes the tree: HELP lists it only for
				 * sessions that may write */
#define CMD_UPLOAD 0x08		/* ... or anonymous uploads */
#define CMD_TLS 0x10		/* offered with TLS configured: before login,
				 * and after a login over TLS */
#define CMD_CLEAR 0x20		/* not offered on a TLS connection */
#define CMD_ACTIVE 0x40		/* not offered with active_mode = no */

struct command {
	const char *name;
	cmd_fn *fn;
	unsigned flags;
	const char *syntax;
};

static const struct command table[] = {
	{ "ABOR", cmd_abor, 0, "ABOR (abort the transfer)" },
	{ "ACCT", cmd_acct, 0, "ACCT <sp> account (not needed)" },
	{ "ADAT", cmd_not_implemented, 0, NULL },
	{ "ALLO", cmd_allo, 0, "ALLO <sp> size (ignored)" },
	{ "APPE", cmd_appe, CMD_ARG | CMD_WRITE, "APPE <sp> pathname" },
	{ "AUTH", cmd_auth, CMD_PRELOGIN | CMD_ARG | CMD_TLS, "AUTH <sp> TLS" },
	{ "CCC", cmd_ccc, 0, NULL },
	{ "CDUP", cmd_cdup, 0, "CDUP (up one directory)" },
	{ "CONF", cmd_not_implemented, 0, NULL },
	{ "CWD", cmd_cwd, CMD_ARG, "CWD <sp> pathname" },
	{ "DELE", cmd_dele, CMD_ARG | CMD_WRITE, "DELE <sp> pathname" },
	{ "ENC", cmd_not_implemented, 0, NULL },
	{ "EPRT", cmd_eprt, CMD_ARG | CMD_ACTIVE, "EPRT <sp> |proto|addr|port|" },
	{ "EPSV", cmd_epsv, 0, "EPSV [<sp> proto | ALL]" },
	{ "FEAT", cmd_feat, CMD_PRELOGIN, "FEAT (list extensions)" },
	{ "HELP", cmd_help, CMD_PRELOGIN, "HELP [<sp> command]" },
	{ "HOST", cmd_host, CMD_PRELOGIN | CMD_ARG, "HOST <sp> hostname" },
	{ "LANG", cmd_not_implemented, 0, NULL },
	{ "LIST", cmd_list, 0, "LIST [<sp> [-flags] pathname]" },
	{ "LPRT", cmd_not_implemented, 0, NULL },
	{ "LPSV", cmd_not_implemented, 0, NULL },
	{ "MDTM", cmd_mdtm, CMD_ARG, "MDTM <sp> pathname" },
	{ "MFCT", cmd_not_implemented, 0, NULL },
	{ "MFF", cmd_not_implemented, 0, NULL },
	{ "MFMT", cmd_mfmt, CMD_ARG | CMD_WRITE,
	    "MFMT <sp> YYYYMMDDHHMMSS <sp> pathname" },
	{ "MIC", cmd_not_implemented, 0, NULL },
	{ "MKD", cmd_mkd, CMD_ARG | CMD_WRITE, "MKD <sp> pathname" },
	{ "MLSD", cmd_mlsd, 0, "MLSD [<sp> pathname]" },
	{ "MLST", cmd_mlst, 0, "MLST [<sp> pathname]" },
	{ "MODE", cmd_mode, CMD_ARG, "MODE <sp> S" },
	{ "NLST", cmd_nlst, 0, "NLST [<sp> pathname]" },
	{ "NOOP", cmd_noop, CMD_PRELOGIN, "NOOP" },
	{ "OPTS", cmd_opts, CMD_PRELOGIN | CMD_ARG, "OPTS <sp> option [value]" },
	{ "PASS", cmd_pass, CMD_PRELOGIN, "PASS <sp> password" },
	{ "PASV", cmd_pasv, 0, "PASV" },
	{ "PBSZ", cmd_pbsz, CMD_PRELOGIN | CMD_ARG | CMD_TLS, "PBSZ <sp> 0" },
	{ "PORT", cmd_port, CMD_ARG | CMD_ACTIVE,
	    "PORT <sp> h1,h2,h3,h4,p1,p2" },
	{ "PROT", cmd_prot, CMD_PRELOGIN | CMD_ARG | CMD_TLS,
	    "PROT <sp> C | P" },
	{ "PWD", cmd_pwd, 0, "PWD (print working directory)" },
	{ "QUIT", cmd_quit, CMD_PRELOGIN, "QUIT" },
	{ "REIN", cmd_rein, CMD_CLEAR, "REIN (log out, keep the connection)" },
	{ "REST", cmd_rest, CMD_ARG, "REST <sp> offset" },
	{ "RETR", cmd_retr, CMD_ARG, "RETR <sp> pathname" },
	{ "RMD", cmd_rmd, CMD_ARG | CMD_WRITE, "RMD <sp> pathname" },
	{ "RNFR", cmd_rnfr, CMD_ARG | CMD_WRITE, "RNFR <sp> pathname" },
	{ "RNTO", cmd_rnto, CMD_ARG | CMD_WRITE, "RNTO <sp> pathname" },
	{ "SITE", cmd_site, CMD_ARG, "SITE <sp> HELP" },
	{ "SIZE", cmd_size, CMD_ARG, "SIZE <sp> pathname" },
	{ "SMNT", cmd_not_implemented, 0, NULL },
	{ "STAT", cmd_stat, 0, "STAT [<sp> pathname]" },
	{ "STOR", cmd_stor, CMD_ARG | CMD_WRITE | CMD_UPLOAD,
	    "STOR <sp> pathname" },
	{ "STOU", cmd_stou, CMD_WRITE | CMD_UPLOAD, "STOU [<sp> name]" },
	{ "STRU", cmd_stru, CMD_ARG, "STRU <sp> F" },
	{ "SYST", cmd_syst, CMD_PRELOGIN, "SYST" },
	{ "TYPE", cmd_type, CMD_ARG, "TYPE <sp> A | I | L 8" },
	{ "USER", cmd_user, CMD_PRELOGIN | CMD_ARG, "USER <sp> username" },
	{ "XCUP", cmd_cdup, 0, "XCUP (same as CDUP)" },
	{ "XCWD", cmd_cwd, CMD_ARG, "XCWD <sp> pathname (same as CWD)" },
#ifdef SANDFTPD_TESTHOOKS
	{ "XATK", cmd_xatk, CMD_PRELOGIN | CMD_ARG, NULL },
	{ "XFRG", cmd_xfrg, CMD_PRELOGIN | CMD_ARG, NULL },
#endif
	{ "XMKD", cmd_mkd, CMD_ARG | CMD_WRITE,
	    "XMKD <sp> pathname (same as MKD)" },
	{ "XPWD", cmd_pwd, 0, "XPWD (same as PWD)" },
	{ "XRMD", cmd_rmd, CMD_ARG | CMD_WRITE,
	    "XRMD <sp> pathname (same as RMD)" },
};

static const struct command *
lookup(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

static bool offered(const struct command *c, const struct session *s);

bool
commands_tls_offered(const struct session *s)
{
	return tls_configured() && (!s->logged_in || s->tls_ctrl);
}

const char *
commands_syntax(const struct session *s, const char *name)
{
	const struct command *c = lookup(name);

	return c && offered(c, s) ? c->syntax : NULL;
}

/* May a session with these rights use c?  (Before login: all.) */
static bool
offered(const struct command *c, const struct session *s)
{
	if ((c->flags & CMD_TLS) && !commands_tls_offered(s))
		return false;
	if ((c->flags & CMD_CLEAR) && s->tls_ctrl)
		return false;
	if ((c->flags & CMD_ACTIVE) && (s->init_flags & INIT_PASSIVE_ONLY))
		return false;
	if (!s->logged_in || !(c->flags & CMD_WRITE))
		return true;
	if (s->perm.rights & RIGHT_WRITE)
		return true;
	return (c->flags & CMD_UPLOAD) && (s->perm.rights & RIGHT_UPLOAD);
}

/* The implemented commands this session may use (those with a syntax
 * line), 12 a line. */
void
commands_help(const struct session *s, struct reply_buf *rb)
{
	char line[80];
	size_t i, len = 0;
	int n = 0;

	for (i = 0; i < ARRAY_SIZE(table); i++) {
		if (table[i].syntax == NULL || !offered(&table[i], s))
			continue;
		len += (size_t)snprintf(line + len, sizeof(line) - len, "%s%s",
		    len ? " " : "", table[i].name);
		if (++n % 12 == 0) {
			reply_line(rb, "%s", line);
			len = 0;
		}
	}
	if (len)
		reply_line(rb, "%s", line);
}

/* Commands of the RFCs that this server does not offer. */
void
cmd_not_implemented(struct session *s, char *arg)
{
	(void)arg;
	reply(s, 502, "Command not implemented.");
}

/*
 * Split "VERB arg" in place: the verb (upper-cased) and everything after
 * the first space as the argument, so names with leading spaces survive.
 */
int
command_split(char *line, char **verb, char **arg)
{
	char *sp = strchr(line, ' ');
	char *p;

	*verb = line;
	if (sp) {
		*sp = '\0';
		*arg = sp + 1;
	} else {
		*arg = line + strlen(line);
	}
	if (**verb == '\0' || strlen(*verb) > 8)
		return -1;
	for (p = *verb; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return -1;
	str_upper(*verb);
	return 0;
}

void
quote_path(const char *path, char *out, size_t outsz)
{
	size_t o = 0;

	if (outsz == 0)
		return;
	for (; *path && o + 2 < outsz; path++) {
		if (*path == '"')
			out[o++] = '"';
		out[o++] = *path;
	}
	out[o] = '\0';
}

int
command_path(struct session *s, enum fs_op op, const char *arg,
    char vpath[VPATH_MAX])
{
	int code = fs_resolve(s, op, arg, vpath);

	if (code == 0)
		return 0;
	reply(s, code, "%s", fs_refusal_text(code));
	return -1;
}

/* Only if set: a store, even of the zero that is there, would make the
 * page private, and an idle session keep it. */
static void
forget_rename(struct session *s)
{
	if (s->rename_from[0] != '\0')
		s->rename_from[0] = '\0';
}

void
command_dispatch(struct session *s, char *line)
{
	const struct command *c;
	char *verb, *arg;

	if (command_split(line, &verb, &arg) < 0) {
		forget_rename(s);
		reply(s, 500, "Syntax error, command unrecognized.");
		return;
	}
	c = lookup(verb);
	/* RNTO must follow its RNFR directly: anything else forgets it. */
	if (c == NULL || c->fn != cmd_rnto)
		forget_rename(s);
	if (c == NULL) {
		reply(s, 500, "Unknown command.");
		return;
	}
	if (!s->logged_in && !(c->flags & CMD_PRELOGIN)) {
		reply(s, 530, "Please login with USER and PASS.");
		return;
	}
	if ((c->flags & CMD_ARG) && *arg == '\0') {
		reply(s, 501, "Syntax error in parameters or arguments.");
		return;
	}
	c->fn(s, arg);
}

bool
command_during_transfer(struct session *s)
{
	char line[CTRL_LINE_MAX + 1];

	while (lr_has_line(&s->in)) {
		struct linereader save = s->in;
		char *verb, *arg;
		enum rd_result r = lr_next(&s->in, line, sizeof(line));

		if (r != RD_LINE || command_split(line, &verb, &arg) < 0) {
			s->in = save;	/* leave it for after the transfer */
			return false;
		}
		if (strcmp(verb, "ABOR") == 0)
			return true;
		if (strcmp(verb, "STAT") == 0 && *arg == '\0') {
			stat_transfer(s);
		} else if (strcmp(verb, "NOOP") == 0) {
			reply(s, 200, "NOOP ok.");
		} else {
			s->in = save;	/* queued until the transfer ends */
			return false;
		}
	}
	return false;
}
