/*
 * commands.h - the command table and the dispatcher (commands.c), and
 * the handlers it calls, grouped by file: cmd_login.c (login and
 * session), cmd_info.c (informational), cmd_dir.c (working directory),
 * cmd_params.c (transfer parameters), cmd_data.c (data connection
 * set-up), cmd_file.c (reading files), cmd_write.c (changing the tree;
 * uploads in upload.c), cmd_list.c (listings).
 *
 * A handler gets the argument after the command word ("" if none); the
 * dispatcher has already checked login state and required arguments.
 */
#ifndef SANDFTPD_COMMANDS_H
#define SANDFTPD_COMMANDS_H

#include <stdbool.h>

#include "ctrl.h"
#include "fsaccess.h"
#include "session.h"

typedef void cmd_fn(struct session *s, char *arg);

cmd_fn cmd_user, cmd_pass, cmd_acct, cmd_rein, cmd_quit, cmd_host;
cmd_fn cmd_auth, cmd_pbsz, cmd_prot, cmd_ccc;
cmd_fn cmd_feat, cmd_opts, cmd_help, cmd_syst, cmd_stat, cmd_noop;
cmd_fn cmd_pwd, cmd_cwd, cmd_cdup;
cmd_fn cmd_type, cmd_mode, cmd_stru, cmd_rest, cmd_allo;
cmd_fn cmd_pasv, cmd_epsv, cmd_port, cmd_eprt, cmd_abor;
cmd_fn cmd_retr, cmd_size, cmd_mdtm, cmd_mlst, cmd_site;
cmd_fn cmd_stor, cmd_appe, cmd_stou, cmd_dele, cmd_mkd, cmd_rmd;
cmd_fn cmd_rnfr, cmd_rnto, cmd_mfmt;
cmd_fn cmd_list, cmd_nlst, cmd_mlsd;
cmd_fn cmd_not_implemented;
#ifdef SANDFTPD_TESTHOOKS
cmd_fn cmd_xfrg, cmd_xatk;	/* testhooks.c, attacks.c */
/* XFRG relay-stays: a TLS relay that outlives its session (tls.c). */
extern bool testhook_relay_stays;
#endif

/*
 * Split "VERB arg" in place: verb upper-cased (1-8 letters), the argument
 * is everything after the first space.  0, or -1 for a malformed verb.
 */
int command_split(char *line, char **verb, char **arg);

void command_dispatch(struct session *s, char *line);
/* During a transfer: ABOR/STAT/NOOP are served; true if ABOR came.  The
 * session's control hook (session.h). */
bool command_during_transfer(struct session *s);
/* Quote a path for a 257 reply (embedded '"' doubled). */
void quote_path(const char *path, char *out, size_t outsz);

/*
 * Resolve a command's path argument and authorise the operation
 * (fs_resolve); on refusal the reply (550/553) is sent and -1 returned.
 */
int command_path(struct session *s, enum fs_op op, const char *arg,
    char vpath[VPATH_MAX]);

/* The names HELP prints (those this session may use), in table order. */
void commands_help(const struct session *s, struct reply_buf *rb);
/* Syntax line for HELP CMD; NULL if unknown or not implemented. */
const char *commands_syntax(const struct session *s, const char *name);
/* AUTH, PBSZ and PROT work here (TLS configured; before login, or
 * after a login over TLS): FEAT and HELP name them. */
bool commands_tls_offered(const struct session *s);

/* STAT with a path: the listing on the control connection (cmd_list.c). */
void list_stat_path(struct session *s, char *arg);
/* STAT without a path (cmd_info.c), also used for STAT in transfers. */
void stat_transfer(struct session *s);

#endif
