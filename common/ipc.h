/*
 * ipc.h - the privilege-separation wire protocol between the master and
 * one child, over a SOCK_SEQPACKET socketpair.
 *
 * Every message is one fixed-layout struct that starts with ipc_hdr; its
 * length must equal the size of its type exactly.  The master checks every
 * message from a child with ipc_check_from_child() before looking at it:
 * type, exact length, the phase the child is in, the number of passed
 * descriptors, and the request's own fields.  A child that sends anything
 * that fails the check is killed.  The master never trusts what a child
 * says, only what it asks for, and picks every address, port and path of
 * a privileged operation from its own records.
 */
#ifndef SANDFTPD_IPC_H
#define SANDFTPD_IPC_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

#define IPC_USER_MAX 256
#define IPC_PASS_MAX 256
#define IPC_LOGTEXT_MAX 480
#define IPC_HOST_MAX 256
#define IPC_PENDING_MAX 8192	/* client bytes read but not yet used */
#define IPC_MAX_FDS 5
#define IPC_SIGN_MAX 512	/* RSA-4096: the largest key operation */
#define IPC_TICKET_KEYS 80	/* name, HMAC and AES keys of tickets */
#define IPC_GROUPS_MAX 64	/* supplementary groups of a session */

/*
 * After SHUTDOWN, a child in a transfer may finish it for up to
 * shutdown_timeout (ipc_child_init), then ends it (426, 421); the master
 * kills what is left SHUTDOWN_KILL_MARGIN_MS after that.
 */
#define SHUTDOWN_KILL_MARGIN_MS 3000

/*
 * A child is exec'd as `sandftpd --child=SUM` (the daemon's own binary:
 * children that load OpenSSL) or `sandftpd-session --child=SUM` (the
 * static session binary: all others; daemon/session_main.c).  SUM is
 * the checksum of this file and addr.h, set by the Makefile: a session
 * binary of another build, whose messages may differ, refuses to start.
 */
#ifndef SANDFTPD_IPC_SUM
#define SANDFTPD_IPC_SUM "0"
#endif
#define CHILD_ARG "--child=" SANDFTPD_IPC_SUM

/* The child's end of the socketpair is always this descriptor. */
#define IPC_CHILD_FD 3

/* What the master believes a child is doing; decides what it may ask. */
enum ipc_phase {
	PHASE_SETUP,		/* started, sandbox not yet reported */
	PHASE_IDLE,		/* ready, waiting for a session */
	PHASE_PRELOGIN,		/* serving a client that has not logged in */
	PHASE_SESSION,		/* serving a logged-in client */
	PHASE_LEAVING,		/* handed its session on; must only exit */
	PHASE_RELAY,		/* after a TLS login: relays the control
				 * connection for the session's child */
};

#define PH_SETUP (1u << PHASE_SETUP)
#define PH_PRELOGIN (1u << PHASE_PRELOGIN)
#define PH_SESSION (1u << PHASE_SESSION)
#define PH_ANY 0x3fu

/*
 * The privileged requests a child may make: this is the only list.  From
 * it come the type numbers and names, the phases each is allowed in, the
 * exact size and descriptor count the validator enforces, the check of
 * each request's own fields (ipc_check_<name> in ipc.c) and the master's
 * dispatch table (priv_answer_<name>, daemon/master/monitor.c).  The
 * child's side of each is the plain function priv_<name>
 * (daemon/session/monitor_wrap.c).
 *
 *   X(TYPE, name, struct, phases, descriptors)
 *
 * READY        the sandbox is in force; what it holds
 * LOG          one log line, written by the master
 * LOGIN        user, password, the session state, the control socket;
 *              refused: LOGIN_RESULT (after the failure delay); accepted:
 *              the master ends this child and hands the connection on
 * PASV_LISTEN  a passive listener: the master binds it to this session's
 *              local address and a port of pasv_ports
 * DATA_CONNECT an active-mode data connection to the client's own
 *              address at this port (>= 1024), from port 20 with port20
 * REIN         give the connection back for a new login
 * TLS_SIGN     the private-key operation of a TLS handshake, done by
 *              the master with the key no child ever holds; checked to
 *              be a signature of a digest (tlskey.c), and limited in
 *              number (tls_data_reuse: none after login)
 * XFER         a file transfer ended (complete or not): what, how much,
 *              how long; the master logs it and writes the xferlog
 */
#define IPC_REQUESTS(X)                                                   \
	X(READY, ready, struct ipc_ready, PH_SETUP, 0)                    \
	X(LOG, log, struct ipc_log, PH_ANY, 0)                            \
	X(LOGIN, login, struct ipc_login, PH_PRELOGIN, 1)                 \
	X(PASV_LISTEN, pasv_listen, struct ipc_pasv_listen, PH_SESSION, 0) \
	X(DATA_CONNECT, data_connect, struct ipc_data_connect,            \
	    PH_SESSION, 0)                                                \
	X(REIN, rein, struct ipc_rein, PH_SESSION, 1)                     \
	X(TLS_SIGN, tls_sign, struct ipc_tls_sign, PH_PRELOGIN | PH_SESSION, 0) \
	X(XFER, xfer, struct ipc_xfer, PH_SESSION, 0)

/*
 * The master's messages to a child:  X(TYPE, struct, descriptors), where
 * -1 means "one when the answer is a success, else none", and
 * IPC_FDS_INIT "1 for a pre-login child (its root), 3 for the others,
 * then the seccomp program, and one more with TLS" (the child checks
 * which its kind gets).
 * RELAY ends a TLS login: the client's connection stays with this child,
 * which from now on only relays it, decrypted, to the socket passed.
 */
#define IPC_FDS_INIT (-2)
#define IPC_MASTER_MESSAGES(X)                                \
	X(CHILD_INIT, struct ipc_child_init, IPC_FDS_INIT)    \
	X(SESSION_START, struct ipc_session_start, 1)         \
	X(LOGIN_RESULT, struct ipc_login_result, 0)           \
	X(PASV_RESULT, struct ipc_socket_result, -1)          \
	X(CONNECT_RESULT, struct ipc_socket_result, -1)       \
	X(SHUTDOWN, struct ipc_empty, 0)                      \
	X(SIGN_RESULT, struct ipc_sign_result, 0)             \
	X(RELAY, struct ipc_empty, 1)

#define IPC_TYPE_ENUM(T, ...) IPC_##T,
enum ipc_type {
	IPC_MASTER_BASE = 0,
	IPC_MASTER_MESSAGES(IPC_TYPE_ENUM)
	IPC_REQUEST_BASE = 99,
	IPC_REQUESTS(IPC_TYPE_ENUM)
	IPC_REQUEST_END,
#ifdef SANDFTPD_TESTHOOKS
	IPC_TEST_UNKNOWN = 199,	/* a type the master does not know */
#endif
};
#undef IPC_TYPE_ENUM

#define IPC_NREQUESTS (IPC_REQUEST_END - IPC_REQUEST_BASE - 1)

enum child_kind {
	CHILD_PRELOGIN = 1,	/* greets, takes USER/PASS, hands off */
	CHILD_ANON = 2,		/* anonymous session (read-only, or with
				 * anon_upload_dir: create files there) */
	CHILD_USER = 3,		/* one system or virtual user's session,
				 * started for it, with its ids */
};
#define CHILD_KINDS 4		/* array size for tables by kind */

/* What a class of sessions must protect with TLS. */
enum tls_policy {
	TLS_INHERIT = -1,	/* a class key not set: tls_required's */
	TLS_OPTIONAL = 0,	/* "no" */
	TLS_LOGINS = 1,		/* USER/PASS only over TLS */
	TLS_ALL = 2,		/* that, and PROT P for every data connection */
};
enum tls_class { TLS_CLASS_ANON, TLS_CLASS_LOCAL, TLS_CLASS_VIRTUAL };

/* What a logged-in session may do (the master decides it). */
#define RIGHT_READ 0x01		/* list, read, stat, change directory */
#define RIGHT_WRITE 0x02	/* create, overwrite, delete, rename */
#define RIGHT_UPLOAD 0x04	/* anonymous: create new files in the
				 * upload directory, nothing else there */

struct ipc_hdr {
	uint32_t type;
	uint32_t len;
};

/* A child's settings, master -> child, once, right after exec. */
#define INIT_PRIVILEGED 0x01	/* master is root: chroot + uid switch */
#define INIT_SECCOMP_DEBUG 0x04
#define INIT_PASV_ADDRESS 0x08
#define INIT_LOG_DEBUG 0x10
#define INIT_ATOMIC_UPLOADS 0x20	/* STOR lands under a temporary name */
#define INIT_HIDE_IDS 0x40		/* listings show ftp ftp */
#define INIT_ANON_UPLOAD 0x100		/* fds[2] is the upload directory */
#define INIT_UPLOAD_LISTABLE 0x200	/* ... and it may be listed */
#define INIT_UPLOAD_FSYNC 0x400		/* uploads reach the disk first */
#define INIT_TLS 0x800			/* FTPS: the last fd holds the
					 * certificates (tls_chain, tls_ca) */
#define INIT_TLS_DATA_REUSE 0x1000	/* PROT P must resume the session */
#define INIT_TLS_CLIENT_CERT 0x2000	/* a client certificate is needed */
#define INIT_PASSIVE_ONLY 0x4000	/* active_mode = no: no PORT/EPRT */
#define INIT_DIR_MESSAGES 0x8000	/* .message on CWD */
#define INIT_GREETS 0x10000		/* an anonymous child that greets
					 * clients itself (anonymous-only
					 * servers): banner is its 220 */
#define IPC_MESSAGE_MAX 2048		/* a greeting, a login message */
#ifdef SANDFTPD_TESTHOOKS
#define INIT_TEST_NO_LANDLOCK 0x80	/* act as if the kernel had none */
#endif

struct ipc_child_init {
	struct ipc_hdr hdr;
	uint32_t kind;		/* enum child_kind */
	uint32_t flags;
	uint32_t uid, gid;
	uint32_t ngroups;	/* supplementary groups (user sessions) */
	uint32_t groups[IPC_GROUPS_MAX];
	uint32_t rights;	/* RIGHT_* of the sessions it will serve */
	uint32_t umask;
	uint32_t login_timeout, idle_timeout, data_timeout;
	uint32_t shutdown_timeout;	/* seconds a transfer may go on */
	uint8_t pasv_address[4];
	/* FTPS: the certificates' count in the memfd (the chain, then the
	 * CAs of client certificates), what must be protected (enum
	 * tls_policy) by anonymous sessions and by users (pre-login: the
	 * strictest of system and virtual users; a user's child: its own
	 * class's), and the cipher lists. */
	uint32_t tls_chain, tls_ca;
	uint32_t tls_anon_policy, tls_user_policy;
	char tls_ciphers[512];
	char tls_ciphersuites[256];
	/* Lines (LF-separated, no control characters, checked by the
	 * master) the operator set: the greeting of a pre-login child, the
	 * login message of the others; "" for the built-in ones. */
	char message[IPC_MESSAGE_MAX];
	/* With INIT_GREETS: the greeting ("" for the built-in one). */
	char banner[IPC_MESSAGE_MAX];
	/*
	 * fds: [the directory to chroot to (empty, the anonymous root or
	 * the user's root)], and after it for all but pre-login children
	 * [the owner names for listings (a sealed memfd, or /dev/null),
	 * the anonymous upload directory (else the root again)], then [the
	 * seccomp filter: a sealed memfd of BPF, the program of the child's
	 * policy], and with INIT_TLS last [the certificates: a sealed memfd
	 * of PEM].  Few
	 * descriptors in flight matter: unprivileged, every process is one
	 * user, and the kernel refuses to pass descriptors once that user
	 * has more in flight than the sender's RLIMIT_NOFILE.
	 */
	/* Bytes a second the session's file transfers may move
	 * (anon_max_rate, local_max_rate); 0: no limit. */
	uint32_t max_rate;
};

/* What the sandbox of a child holds, reported once it is in force. */
#define SANDBOX_CHROOT 0x001
#define SANDBOX_UID 0x002	/* switched to session_user (as root) */
#define SANDBOX_CAPS 0x004
#define SANDBOX_BOUNDING 0x008
#define SANDBOX_NNP 0x010
#define SANDBOX_NODUMP 0x020
#define SANDBOX_RLIMITS 0x040
#define SANDBOX_SECCOMP 0x080
#define SANDBOX_LANDLOCK 0x100
#define SANDBOX_USERNS 0x200	/* own user namespace (unprivileged) */
#define SANDBOX_STDIO 0x400	/* descriptors 0-2 are /dev/null */

struct ipc_ready {
	struct ipc_hdr hdr;
	uint32_t applied;	/* SANDBOX_* */
	int32_t landlock_abi;	/* 0: not available */
	uint32_t uid, gid;
};

struct ipc_log {
	struct ipc_hdr hdr;
	int32_t prio;		/* syslog priority, LOG_ERR..LOG_DEBUG */
	char text[IPC_LOGTEXT_MAX];
};

/*
 * Session state that survives a handoff between children (login, REIN).
 * Produced by one child and consumed by the next; the master relays it
 * untouched and never reads it.  The receiver validates every field like
 * client input, because it is derived from client input.
 */
#define STATE_UTF8 0x01
#define STATE_HOST 0x02
#define STATE_TLS_PBSZ 0x04	/* PBSZ 0 was given */
#define STATE_TLS_PROT_P 0x08	/* PROT P */
#define STATE_READER_DISCARDING 0x01	/* inside an overlong line */
#define STATE_READER_TOO_LONG_SHIFT 8	/* bits 8..: overlong lines not
					 * yet reported (at most 1000) */

struct ipc_session_state {
	uint32_t flags;		/* STATE_* */
	uint32_t mlst_facts;	/* OPTS MLST selection */
	uint32_t login_failures;
	uint32_t telnet_state;	/* control-line reader: telnet filter, */
	uint32_t reader_flags;	/* and STATE_READER_* */
	char host[IPC_HOST_MAX];
	/* TLS: the keys of this session's tickets, so that the next child
	 * resumes, on data connections, the session made on the control
	 * connection (and only that one: the keys are this session's). */
	uint8_t ticket_keys[IPC_TICKET_KEYS];
	uint32_t pending_len;
	char pending[IPC_PENDING_MAX];
};

/* Identity of a logged-in session, as the master decided it. */
enum ipc_identity { IDENTITY_NONE = 0, IDENTITY_ANON = 1, IDENTITY_USER = 2 };

#define START_IMPLICIT_TLS 0x01	/* pre-login: TLS from the first byte */
#define START_TLS 0x02		/* logged in: the control connection is
				 * TLS, relayed by the pre-login child */

struct ipc_session_start {
	struct ipc_hdr hdr;
	uint64_t session_id;
	struct wire_addr peer;	/* the client, as the master accepted it */
	struct wire_addr local;	/* our end of the control connection */
	uint32_t identity;	/* enum ipc_identity */
	char user[IPC_USER_MAX];	/* login name, for messages */
	uint32_t flags;			/* START_* */
	uint32_t has_state;
	struct ipc_session_state state;
	/* fds: [control connection] */
};

struct ipc_login {
	struct ipc_hdr hdr;
	char user[IPC_USER_MAX];
	char pass[IPC_PASS_MAX];
	uint32_t tls;		/* 1: over TLS (this child stays, relaying) */
	struct ipc_session_state state;
	/* fds: [control connection] */
};

/*
 * Refusals are answered; an accepted login ends the asking child, but
 * for an anonymous child that greeted the client itself (INIT_GREETS):
 * it is already sandboxed for the session and carries on
 * (LOGIN_ACCEPTED_HERE).  LOGIN_REFUSED_CLOSE: that was the last
 * failure the connection gets.
 */
enum ipc_login_status {
	LOGIN_REFUSED = 0,
	LOGIN_REFUSED_CLOSE = 1,
	LOGIN_REFUSED_TLS = 2,	/* this account must log in over TLS */
	LOGIN_ACCEPTED_HERE = 3,	/* anonymous, in this very child */
};

struct ipc_login_result {
	struct ipc_hdr hdr;
	uint32_t status;	/* enum ipc_login_status */
};

struct ipc_pasv_listen {
	struct ipc_hdr hdr;
	uint32_t pad;		/* must be 0: the child names nothing */
};

struct ipc_data_connect {
	struct ipc_hdr hdr;
	uint16_t port;		/* the client's data port; the host is ours */
	uint16_t pad;
};

/* PASV_RESULT and CONNECT_RESULT. */
struct ipc_socket_result {
	struct ipc_hdr hdr;
	int32_t error;		/* 0, or an errno; fds: [socket] when 0 */
	uint16_t port;		/* PASV_RESULT: the port listened on */
	uint16_t pad;
};
/* The error of a PASV_RESULT or CONNECT_RESULT refused because the
 * session made more data sockets than max_data_sockets_per_minute. */
#define IPC_ERR_DATA_SOCKETS EDQUOT

struct ipc_rein {
	struct ipc_hdr hdr;
	struct ipc_session_state state;
	/* fds: [control connection] */
};

/* TLS_SIGN: what OpenSSL asks of the private key in a handshake. */
enum ipc_sign_op {
	SIGN_RSA_PKCS1 = 1,	/* data: a DigestInfo (TLS 1.2) */
	SIGN_RSA_PSS = 2,	/* data: a PSS-encoded block (the key's size) */
	SIGN_ECDSA = 3,		/* data: a digest */
};

struct ipc_tls_sign {
	struct ipc_hdr hdr;
	uint32_t op;		/* enum ipc_sign_op */
	uint32_t len;
	uint8_t data[IPC_SIGN_MAX];
};

struct ipc_sign_result {
	struct ipc_hdr hdr;
	int32_t error;		/* 0, or why not (EPERM, EINVAL) */
	uint32_t len;
	uint8_t sig[IPC_SIGN_MAX];
};

/*
 * XFER: one file transfer, as the child saw it.  The master trusts none
 * of it beyond its form (checked: a known command whose direction is
 * its own, known flags, a reply code, an absolute path terminated in its
 * field): it is what the session says it did, written to the transfer
 * log with the session's address and user from the master's records.
 */
#define IPC_PATH_MAX 4096
enum ipc_xfer_cmd {
	XFER_RETR = 1,
	XFER_STOR = 2,
	XFER_STOU = 3,
	XFER_APPE = 4,
};
enum ipc_xfer_dir { XFER_OUT = 0, XFER_IN = 1 };
#define XFER_ASCII 0x01		/* TYPE A */
#define XFER_COMPLETE 0x02	/* the whole file went (226) */
#define XFER_FLAGS (XFER_ASCII | XFER_COMPLETE)
#define XFER_DURATION_MAX (400ull * 86400 * 1000)	/* ms: sanity */

struct ipc_xfer {
	struct ipc_hdr hdr;
	uint32_t cmd;		/* enum ipc_xfer_cmd */
	uint32_t direction;	/* enum ipc_xfer_dir: RETR out, others in */
	uint32_t flags;		/* XFER_* */
	uint32_t reply;		/* the reply that ended it (226, 426, ...) */
	uint64_t bytes;		/* on the data connection */
	uint64_t duration_ms;
	char path[IPC_PATH_MAX];	/* absolute, as the session names it */
};

struct ipc_empty {
	struct ipc_hdr hdr;
};

/* The largest message either side can send. */
#define IPC_MASTER_MEMBER(T, st, nfds) char T[sizeof(st)];
#define IPC_REQUEST_MEMBER(T, name, st, phases, nfds) char T[sizeof(st)];
union ipc_any {
	IPC_MASTER_MESSAGES(IPC_MASTER_MEMBER)
	IPC_REQUESTS(IPC_REQUEST_MEMBER)
};
#undef IPC_MASTER_MEMBER
#undef IPC_REQUEST_MEMBER
#define IPC_MSG_MAX sizeof(union ipc_any)

/* A received message: its bytes, and any descriptors passed with it. */
struct ipc_msg {
	union {
		struct ipc_hdr hdr;
		uint64_t align;		/* the structs hold 64-bit fields */
		unsigned char raw[IPC_MSG_MAX + 8];
	} u;
	size_t len;
	int fds[IPC_MAX_FDS];
	int nfds;
	bool truncated;		/* bytes or descriptors were cut */
};

void ipc_hdr_init(struct ipc_hdr *h, uint32_t type, size_t len);

/*
 * A session state's pending bytes are written as far as they go, not
 * the whole mostly empty buffer, so that a child's idle memory does not
 * grow by its size; what an earlier, longer write left past the new end
 * is cleared: the bytes past pending_len are zero.  ipc_state_set_pending
 * puts len bytes (at most IPC_PENDING_MAX are kept); ipc_state_copy
 * copies a whole state (into a message) that way.  src's pending_len
 * must be checked already.
 */
void ipc_state_set_pending(struct ipc_session_state *st, const void *data,
    size_t len);
void ipc_state_copy(struct ipc_session_state *dst,
    const struct ipc_session_state *src);

/* Send a message with 0..IPC_MAX_FDS descriptors.  0 or -1 (errno). */
int ipc_send(int sock, const void *msg, size_t len, const int *fds,
    int nfds);

/*
 * Receive one message.  Returns 1 with a message (possibly of length 0:
 * a zero-length datagram is a message, and invalid), 0 when the peer has
 * closed or shut down its end, -1 on an error (errno; EAGAIN on a
 * non-blocking socket with nothing to read).  Descriptors are received
 * close-on-exec; ipc_msg_close_fds() closes them.
 */
int ipc_recv(int sock, struct ipc_msg *m);
void ipc_msg_close_fds(struct ipc_msg *m);

/*
 * The master's validator: NULL if the message is acceptable from a child
 * in this phase, else a short reason.  Pure function; unit tested.
 */
const char *ipc_check_from_child(const struct ipc_msg *m, enum ipc_phase ph);

/* The child's check of a master message (type, exact length, fds). */
const char *ipc_check_from_master(const struct ipc_msg *m);

/*
 * In a process the master exec'd (a child, an authentication process):
 * its socketpair must be on IPC_CHILD_FD, else this exits (status 2)
 * saying that mode (e.g. "--child") is for the master only.
 */
void ipc_require_master(const char *mode);

const char *ipc_type_name(uint32_t type);
const char *ipc_phase_name(enum ipc_phase ph);

#endif
