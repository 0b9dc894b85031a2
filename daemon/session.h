/*
 * session.h - the state of one client session inside a session child, and
 * the interfaces of the modules that serve it (control channel, commands,
 * data connections, transfers, listings, file-system access).
 *
 * A session child serves exactly one client and then exits.  It never
 * holds a capability and runs under seccomp; everything it knows about
 * the client's address and identity came from the master.
 */
#ifndef SANDFTPD_SESSION_H
#define SANDFTPD_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "../common/addr.h"
#include "../common/ipc.h"
#include "../common/path.h"
#include "../common/strbuf.h"
#include "listing.h"

#define CTRL_LINE_MAX 4096	/* longest command line, without CRLF */
#define LOGIN_FAILURES_MAX 3

/* ---- control channel reader (ctrl.c) ---- */

struct linereader {
	char buf[IPC_PENDING_MAX];	/* bytes after telnet filtering */
	size_t len;
	uint32_t telnet;		/* telnet filter state */
	bool discarding;		/* inside an overlong line */
	unsigned too_long;		/* overlong lines ended, not reported */
};

enum rd_result { RD_LINE, RD_TOO_LONG, RD_BADCHAR, RD_NONE };

void lr_init(struct linereader *lr);
/* Feed raw bytes through the telnet filter into the buffer. */
void lr_feed(struct linereader *lr, const char *raw, size_t n);
/* Room left for raw bytes (filtering never grows them). */
size_t lr_room(const struct linereader *lr);
/* Take the next complete line (CR/LF removed, NUL-terminated). */
enum rd_result lr_next(struct linereader *lr, char *out, size_t outsz);
/* Peek: is there a complete line or overlong-line report waiting? */
bool lr_has_line(const struct linereader *lr);

/* ---- data connection settings (datachan.c) ---- */

enum data_mode { DATA_NONE, DATA_PASV, DATA_PORT };

struct datachan {
	enum data_mode mode;
	int listen_fd;			/* PASV/EPSV listener */
	struct sock_addr target;	/* PORT/EPRT target */
};

/* ---- a transfer in progress, for STAT ---- */

struct xfer_status {
	bool active;
	const char *verb;		/* "RETR", "LIST", ... */
	char path[VPATH_MAX];
	uint64_t done;
	uint64_t total;			/* 0: unknown */
	uint64_t acked;			/* peer's ACKed bytes at last look */
};


struct session {
	/* from the master */
	int ctrl_fd;
	int ipc_fd;
	int root_fd;			/* -1 before login */
	enum worker_kind kind;
	uint32_t init_flags;		/* INIT_* */
	unsigned login_timeout, idle_timeout, data_timeout;
	uint16_t pasv_min, pasv_max;
	uint8_t pasv_address[4];
	uint64_t id;
	struct sock_addr peer;		/* the client, as the master saw it */
	struct sock_addr local;
	bool logged_in;
	struct perm_ctx perm;		/* rights (RIGHT_*) and our uid/gid */
	char user[IPC_USER_MAX];

	/* protocol state */
	struct linereader in;
	char login_user[IPC_USER_MAX];
	bool have_user;
	uint32_t login_failures;
	bool utf8;
	bool host_given;
	char host[IPC_HOST_MAX];
	uint32_t mlst_facts;
	char cwd[VPATH_MAX];
	bool ascii;
	uint64_t rest;
	bool epsv_all;
	struct datachan data;
	struct xfer_status xfer;

	int64_t login_deadline_ms;	/* 0 once logged in */
	int64_t last_command_ms;
	bool ctrl_eof;			/* the client half-closed: serve what
					 * it sent, then end */
	bool shutdown_requested;	/* the master asked us to stop */
	int64_t shutdown_deadline_ms;	/* a transfer must end by then */
};

/* ---- session.c ---- */

void session_init(struct session *s, int ipc_fd, const struct ipc_worker_init *w,
    int root_fd);
/* Take a client from SESSION_START; returns after the session ends. */
void session_start(struct session *s, const struct ipc_session_start *st,
    int ctrl_fd);
NORETURN void session_exit(struct session *s, int status);
/* Reply 421 with the given text and end the session. */
NORETURN void session_close(struct session *s, const char *why);
void session_state_export(const struct session *s,
    struct ipc_session_state *st);
/* Check the master for a shutdown request without blocking. */
void session_poll_master(struct session *s);
/* The master asked us to stop (or went away). */
void session_note_shutdown(struct session *s);

/* ---- ctrl.c: replies ---- */

/* One-line reply "CODE text". */
void reply(struct session *s, int code, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

/* Multi-line replies: begin, any number of lines, end (sends it). */
struct reply_buf {
	struct strbuf sb;
	int code;
};
void reply_begin(struct reply_buf *rb, int code, const char *fmt, ...)
    PRINTF_LIKE(3, 4);
void reply_line(struct reply_buf *rb, const char *fmt, ...) PRINTF_LIKE(2, 3);
void reply_end(struct session *s, struct reply_buf *rb, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

/* Format one reply line into sb, making CR/LF in the text harmless. */
void reply_format(struct strbuf *sb, int code, char sep, const char *fmt,
    va_list ap) PRINTF_LIKE(4, 0);

/* Read what the client sent; 1 got bytes, 0 end of file, -1 error. */
int ctrl_read(struct session *s);
/* Send bytes on the control connection (bounded wait). */
void ctrl_send(struct session *s, const char *data, size_t len);

/* ---- commands.c ---- */

void command_dispatch(struct session *s, char *line);
/* During a transfer: ABOR/STAT/NOOP are served; true if ABOR came. */
bool command_during_transfer(struct session *s);
/* Quote a path for a 257 reply (embedded '"' doubled). */
void quote_path(const char *path, char *out, size_t outsz);

/* ---- privclient.c: the child side of the privileged requests ---- */

void priv_log_sink(int prio, const char *line);
void priv_send_ready(int ipc_fd, uint32_t applied, int landlock_abi,
    uid_t uid, gid_t gid);
/* Returns LOGIN_REFUSED; on acceptance the master ends this process. */
int priv_login(struct session *s, const char *user, const char *pass);
/* A socket connecting from port 20 to the client's port; -1 (errno). */
int priv_port20(struct session *s, uint16_t port);
/* Hand the connection back for a new login; the master ends us. */
NORETURN void priv_rein(struct session *s);
/* Wait for one master message of the given type (SHUTDOWN is noted). */
int priv_wait(struct session *s, uint32_t type, struct ipc_msg *m);

#endif
