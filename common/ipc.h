/*
 * ipc.h - the privilege-separation wire protocol between the master and
 * one child, over a SOCK_SEQPACKET socketpair.
 *
 * Every message is one fixed-layout struct that starts with ipc_hdr; its
 * length must equal the size of its type exactly.  The master checks every
 * message from a child with ipc_check_from_child() before looking at it:
 * type, exact length, the phase the child is in, terminated strings, value
 * ranges, and the number of passed descriptors.  A child that sends
 * anything that fails the check is killed; the master never trusts what a
 * child says, only what it asks for, and picks every address, port and
 * path of a privileged operation from its own records.
 *
 * Requests a child may make (and in which phase):
 *   READY     setup    the sandbox is in force; carries what was applied
 *   LOG       any      one log line, written by the master
 *   LOGIN     prelogin user + password + opaque session state + control fd;
 *                      refused: a LOGIN_RESULT; accepted: no answer, the
 *                      master kills the child and, once it is reaped,
 *                      hands the connection to a child of the new identity
 *   PORT20    session  an active-mode data socket from local port 20 to
 *                      the client's own address (port >= 1024)
 *   REIN      session  give the connection back for a new login (the
 *                      child is killed the same way)
 */
#ifndef SANDFTPD_IPC_H
#define SANDFTPD_IPC_H

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
#define IPC_MAX_FDS 2

/*
 * After SHUTDOWN, a child in a transfer may finish it for up to
 * CHILD_SHUTDOWN_GRACE_MS, then ends it (426, 421); the master kills
 * what is left after SHUTDOWN_GRACE_MS.
 */
#define SHUTDOWN_GRACE_MS 10000
#define CHILD_SHUTDOWN_GRACE_MS 8000

/* The child's end of the socketpair is always this descriptor. */
#define IPC_CHILD_FD 3

enum ipc_type {
	/* master -> child */
	IPC_WORKER_INIT = 1,
	IPC_SESSION_START,
	IPC_LOGIN_RESULT,
	IPC_PORT20_RESULT,
	IPC_SHUTDOWN,
	/* child -> master */
	IPC_READY = 100,
	IPC_LOG,
	IPC_LOGIN,
	IPC_PORT20,
	IPC_REIN,
#ifdef SANDFTPD_TESTHOOKS
	IPC_TEST_UNKNOWN = 199,	/* a type the master does not know */
#endif
};

/* What the master believes a child is doing; decides what it may ask. */
enum ipc_phase {
	PHASE_SETUP,		/* started, sandbox not yet reported */
	PHASE_IDLE,		/* ready, waiting for a session */
	PHASE_PRELOGIN,		/* serving a client that has not logged in */
	PHASE_SESSION,		/* serving a logged-in client */
	PHASE_LEAVING,		/* handed its session on; must only exit */
};

enum worker_kind {
	WORKER_PRELOGIN = 1,	/* greets, takes USER/PASS, hands off */
	WORKER_ANON = 2,	/* anonymous read-only session */
};

struct ipc_hdr {
	uint32_t type;
	uint32_t len;
};

/* Worker settings, master -> child, once, right after exec. */
#define INIT_PRIVILEGED 0x01	/* master is root: chroot + uid switch */
#define INIT_PORT20 0x02	/* active mode goes through the master */
#define INIT_SECCOMP_DEBUG 0x04
#define INIT_PASV_ADDRESS 0x08
#define INIT_LOG_DEBUG 0x10

struct ipc_worker_init {
	struct ipc_hdr hdr;
	uint32_t kind;		/* enum worker_kind */
	uint32_t flags;
	uint32_t uid, gid;
	uint32_t login_timeout, idle_timeout, data_timeout;
	uint16_t pasv_min, pasv_max;
	uint8_t pasv_address[4];
	/* fds: [empty dir (privileged)] [anonymous root (WORKER_ANON)] */
};

/* What the sandbox of a child holds, reported once it is in force. */
#define SANDBOX_CHROOT 0x001
#define SANDBOX_UID 0x002
#define SANDBOX_CAPS 0x004
#define SANDBOX_BOUNDING 0x008
#define SANDBOX_NNP 0x010
#define SANDBOX_NODUMP 0x020
#define SANDBOX_RLIMITS 0x040
#define SANDBOX_SECCOMP 0x080
#define SANDBOX_LANDLOCK 0x100

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
	uint32_t pending_len;
	char pending[IPC_PENDING_MAX];
};

/* Identity of a logged-in session, as the master decided it. */
enum ipc_identity { IDENTITY_NONE = 0, IDENTITY_ANON = 1 };

struct ipc_session_start {
	struct ipc_hdr hdr;
	uint64_t session_id;
	struct wire_addr peer;	/* the client, as the master accepted it */
	struct wire_addr local;	/* our end of the control connection */
	uint32_t identity;	/* enum ipc_identity */
	char user[IPC_USER_MAX];	/* login name, for messages */
	uint32_t has_state;
	struct ipc_session_state state;
	/* fds: [control connection] */
};

struct ipc_login {
	struct ipc_hdr hdr;
	char user[IPC_USER_MAX];
	char pass[IPC_PASS_MAX];
	struct ipc_session_state state;
	/* fds: [control connection] */
};

/* Only refusals are answered; an accepted login ends the asking child. */
enum ipc_login_status { LOGIN_REFUSED = 0 };

struct ipc_login_result {
	struct ipc_hdr hdr;
	uint32_t status;	/* enum ipc_login_status */
};

struct ipc_port20 {
	struct ipc_hdr hdr;
	uint16_t port;		/* the client's data port; the host is ours */
	uint16_t pad;
};

struct ipc_port20_result {
	struct ipc_hdr hdr;
	int32_t error;		/* 0, or an errno; fds: [socket] when 0 */
};

struct ipc_rein {
	struct ipc_hdr hdr;
	struct ipc_session_state state;
	/* fds: [control connection] */
};

struct ipc_empty {
	struct ipc_hdr hdr;
};

/* The largest message either side can send. */
union ipc_any {
	struct ipc_worker_init a;
	struct ipc_ready b;
	struct ipc_log c;
	struct ipc_session_start d;
	struct ipc_login e;
	struct ipc_login_result f;
	struct ipc_port20 g;
	struct ipc_port20_result h;
	struct ipc_rein i;
	struct ipc_empty j;
};
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

/* Send a message with 0..IPC_MAX_FDS descriptors.  0 or -1 (errno). */
int ipc_send(int sock, const void *msg, size_t len, const int *fds,
    int nfds);

/*
 * Receive one message.  Returns 1 with a message, 0 on end of file, -1 on
 * error (errno; EAGAIN on a non-blocking socket with nothing to read).
 * Descriptors are received close-on-exec; ipc_msg_close_fds() closes them.
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

const char *ipc_type_name(uint32_t type);
const char *ipc_phase_name(enum ipc_phase ph);

#endif
