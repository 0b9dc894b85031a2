/*
 * cmd_info.c - FEAT, OPTS, HELP, SYST, STAT, NOOP: commands that report
 * and set options but touch no file.
 */
#include <string.h>

#include "../../common/util.h"
#include "commands.h"
#include "listing.h"

void
cmd_feat(struct session *s, char *arg)
{
	struct reply_buf rb;
	struct strbuf facts;

	(void)arg;
	sb_init(&facts, 256);
	mlst_facts_text(s->mlst_facts, true, &facts);
	/* Exactly the extensions that work (RFC 2389). */
	reply_begin(s, &rb, 211, "Features:");
	if (commands_tls_offered(s))
		reply_line(&rb, "AUTH TLS");
	if (!(s->init_flags & INIT_PASSIVE_ONLY))
		reply_line(&rb, "EPRT");
	reply_line(&rb, "EPSV");
	reply_line(&rb, "HOST");
	reply_line(&rb, "MDTM");
	if (s->logged_in && (s->perm.rights & RIGHT_WRITE))
		reply_line(&rb, "MFMT");
	reply_line(&rb, "MLST %s", sb_str(&facts));
	if (commands_tls_offered(s)) {
		reply_line(&rb, "PBSZ");
		reply_line(&rb, "PROT");
	}
	reply_line(&rb, "REST STREAM");
	reply_line(&rb, "SIZE");
	reply_line(&rb, "TVFS");
	reply_line(&rb, "UTF8");
	reply_end(&rb, "End");
	sb_free(&facts);
}

void
cmd_opts(struct session *s, char *arg)
{
	char *sp = strchr(arg, ' ');
	char *value = sp ? sp + 1 : arg + strlen(arg);
	struct strbuf sel;

	if (sp)
		*sp = '\0';
	if (str_casecmp(arg, "UTF8") == 0 || str_casecmp(arg, "UTF-8") == 0) {
		if (str_casecmp(value, "ON") == 0) {
			s->utf8 = true;
			reply(s, 200, "Always in UTF8 mode.");
		} else if (str_casecmp(value, "OFF") == 0) {
			s->utf8 = false;
			reply(s, 200, "UTF8 mode off; names pass through "
			    "unchanged.");
		} else {
			reply(s, 501, "OPTS UTF8 takes ON or OFF.");
		}
		return;
	}
	if (str_casecmp(arg, "MLST") == 0) {
		s->mlst_facts = mlst_facts_parse(value);
		sb_init(&sel, 256);
		mlst_facts_text(s->mlst_facts, false, &sel);
		/* RFC 3659 §7.9: no space when no fact is selected. */
		reply(s, 200, "MLST OPTS%s%s", sel.len ? " " : "",
		    sb_str(&sel));
		sb_free(&sel);
		return;
	}
	reply(s, 501, "Option not understood.");
}

void
cmd_help(struct session *s, char *arg)
{
	struct reply_buf rb;
	const char *syntax;

	if (*arg) {
		str_upper(arg);
		syntax = commands_syntax(s, arg);
		if (syntax == NULL) {
			reply(s, 502, "Unknown command %s.", arg);
			return;
		}
		reply(s, 214, "Syntax: %s", syntax);
		return;
	}
	reply_begin(s, &rb, 214, "The following commands are recognized.");
	commands_help(s, &rb);
	reply_end(&rb, "Help OK.");
}

void
cmd_syst(struct session *s, char *arg)
{
	(void)arg;
	reply(s, 215, "UNIX Type: L8");
}

void
cmd_noop(struct session *s, char *arg)
{
	(void)arg;
	reply(s, 200, "NOOP ok.");
}

void
stat_transfer(struct session *s)
{
	if (!s->xfer.active) {
		reply(s, 211, "No transfer in progress.");
		return;
	}
	if (s->xfer.total)
		reply(s, 213, "Status: %s %s: %llu of %llu bytes sent.",
		    s->xfer.verb, s->xfer.path,
		    (unsigned long long)s->xfer.done,
		    (unsigned long long)s->xfer.total);
	else
		reply(s, 213, "Status: %s %s: %llu bytes sent.", s->xfer.verb,
		    s->xfer.path, (unsigned long long)s->xfer.done);
}

static const char *
data_text(const struct session *s)
{
	switch (s->data.mode) {
	case DATA_PASV:
		return "passive listener open";
	case DATA_PORT:
		return "active mode target set";
	default:
		return "none";
	}
}

void
cmd_stat(struct session *s, char *arg)
{
	struct reply_buf rb;
	char peer[ADDR_TEXT_MAX], local[ADDR_TEXT_MAX];

	if (*arg) {
		list_stat_path(s, arg);
		return;
	}
	addr_host_text(&s->peer, peer, sizeof(peer));
	addr_host_text(&s->local, local, sizeof(local));
	reply_begin(s, &rb, 211, "FTP server status:");
	reply_line(&rb, "Connected to %s from %s", local, peer);
	reply_line(&rb, "Logged in as %s", s->user);
	reply_line(&rb, "TYPE: %s, FORM: Nonprint; STRUcture: File; "
	    "transfer MODE: Stream", s->ascii ? "ASCII" : "BINARY");
	reply_line(&rb, "Data connection: %s%s", data_text(s),
	    s->epsv_all ? " (EPSV ALL)" : "");
	reply_line(&rb, "Idle timeout: %u seconds", s->idle_timeout);
	reply_end(&rb, "End of status.");
}
