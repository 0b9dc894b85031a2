/*
 * transfer.h - data connections (datachan.c) and moving bytes over them
 * (transfer.c).  While a data connection is being set up or used, the
 * control connection stays live: ABOR, STAT and NOOP are answered, other
 * commands wait their turn, and a stalled peer hits data_timeout.
 */
#ifndef SANDFTPD_TRANSFER_H
#define SANDFTPD_TRANSFER_H

#include <stdint.h>

#include "session.h"

enum xfer_result {
	XFER_OK,
	XFER_ABORTED,		/* ABOR: 426 then 226 */
	XFER_CONN_FAILED,	/* could not open the data connection: 425 */
	XFER_CONN_LOST,		/* the peer went away: 426 */
	XFER_LOCAL_ERROR,	/* reading our side failed: 451 */
	XFER_TIMEOUT,		/* nothing moved for data_timeout: 421, close */
	XFER_SHUTDOWN,		/* the server stops: 426, 421, close */
};

/* datachan.c */
void data_reset(struct session *s);
bool data_configured(const struct session *s);
/* Open a passive listener on our control address; port out.  0 or -1. */
int data_pasv_listen(struct session *s, uint16_t *port);
/* Remember an active-mode target (already checked by the caller). */
void data_set_port(struct session *s, const struct sock_addr *target);
/* Check an active-mode target: same host as the client, port >= 1024.
 * NULL if fine, else the reply text; *code receives its reply code. */
const char *data_port_refusal(const struct session *s,
    const struct sock_addr *target, int *code);
/* Establish the data connection; *fd receives it on XFER_OK. */
enum xfer_result data_open(struct session *s, int *fd);
/* Close a data connection; abort=true resets it instead of draining. */
void data_close(int fd, bool abort);

/* transfer.c */
enum xfer_result xfer_wait(struct session *s, int fd, short events,
    int64_t deadline);
enum xfer_result xfer_send_buf(struct session *s, int fd, const char *buf,
    size_t len);
enum xfer_result xfer_send_file(struct session *s, int fd, int file_fd,
    uint64_t offset, bool ascii);
void xfer_begin(struct session *s, const char *verb, const char *path,
    uint64_t total);
void xfer_end(struct session *s);
/* The closing reply for a transfer; ok_text for XFER_OK. */
void xfer_reply(struct session *s, enum xfer_result r, const char *ok_text);

#endif
