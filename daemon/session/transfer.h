/*
 * transfer.h - moving bytes over a data connection (transfer.c) while
 * the control connection stays served: ABOR, STAT and NOOP are answered
 * (by the session's control hook, commands.c), other commands wait
 * their turn, and a stalled peer hits data_timeout.
 */
#ifndef SANDFTPD_TRANSFER_H
#define SANDFTPD_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct session;

enum xfer_result {
	XFER_OK,
	XFER_ABORTED,		/* ABOR: 426 then 226 */
	XFER_CONN_FAILED,	/* could not open the data connection: 425 */
	XFER_CONN_LOST,		/* the peer went away: 426 */
	XFER_LOCAL_ERROR,	/* reading our side failed: 451 */
	XFER_TIMEOUT,		/* nothing moved for data_timeout: 421, close */
	XFER_SHUTDOWN,		/* the server stops: 426, 421, close */
	XFER_TLS_FAILED,	/* PROT P handshake failed: 522 */
	XFER_TLS_NO_REUSE,	/* ... did not resume the session: 522 */
	XFER_PROT_REQUIRED,	/* tls_required = all, and PROT C: 521 */
	XFER_DATA_LIMIT,	/* over max_data_sockets_per_minute: 425 */
	XFER_FILE_CUT,		/* the file ended before its size: 451 */
};

#define XFER_DATA_LIMIT_TEXT "Too many data connections; try again later."


/* Wait for events on fd while serving the control connection.  With fd
 * -1 a pause: XFER_OK at the deadline. */
enum xfer_result xfer_wait(struct session *s, int fd, short events,
    int64_t deadline);
/*
 * A transfer under a bandwidth limit (s->xfer.limited) is about to move
 * up to *len bytes: wait, serving the control connection, until the
 * session's bucket holds enough to be worth it, then cut *len to what
 * it holds.  The caller spends what moved (ratelimit_spend).
 */
enum xfer_result xfer_rate_grant(struct session *s, size_t *len);
enum xfer_result xfer_send_buf(struct session *s, int fd, const char *buf,
    size_t len);
/* Send a file of `size` bytes (at its open) from offset (TYPE A: from
 * the start, skipping offset bytes of the converted stream); binary
 * sends the s->xfer.total bytes xfer_begin() was given. */
enum xfer_result xfer_send_file(struct session *s, int fd, int file_fd,
    uint64_t offset, uint64_t size, bool ascii);
/* A file being sent (s->xfer.total bytes announced) read as ended:
 * XFER_OK when all of them went out; cut meanwhile, XFER_FILE_CUT
 * (451), as the client did not get the file the 150 announced. */
enum xfer_result xfer_file_end(const struct session *s);
void xfer_begin(struct session *s, const char *verb, const char *path,
    uint64_t total);
void xfer_end(struct session *s);
/* The reply code a transfer result ends with. */
int xfer_reply_code(enum xfer_result r);
/* A file transfer (RETR, STOR, STOU, APPE) ended with this reply: tell
 * the master (transfer log, metrics), once; other transfers: nothing. */
void xfer_report(struct session *s, int reply_code, bool complete);
/* The transfer's data connection is done: a PROT P connection that
 * moved nothing still gets its handshake, then close_notify (unless
 * *r failed); closed.  *r may turn into a TLS failure. */
void xfer_close(struct session *s, int fd, enum xfer_result *r);
/* The closing reply for a transfer; ok_text for XFER_OK. */
void xfer_reply(struct session *s, enum xfer_result r, const char *ok_text);

#endif
