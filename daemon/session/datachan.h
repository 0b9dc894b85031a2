/*
 * datachan.h - data connections (datachan.c).  The master makes every
 * data socket: a passive listener on the session's local address and a
 * port of pasv_ports, or an active connection to the client's own
 * address (from port 20 with port20).  Here the session accepts only
 * its client's connection on a listener and checks PORT/EPRT targets
 * before asking.
 *
 * A listener that served a transfer is kept for DATA_KEEP_MS and reused
 * by the session's next PASV/EPSV (same port, anything queued on it
 * closed first): a client fetching many files costs the master one
 * listener, not one per file, and an idle session holds no port.
 */
#ifndef SANDFTPD_DATACHAN_H
#define SANDFTPD_DATACHAN_H

#include <stdbool.h>
#include <stdint.h>

#include "../../common/addr.h"
#include "transfer.h"

struct session;

enum data_mode { DATA_NONE, DATA_PASV, DATA_PORT };

#define DATA_KEEP_MS 5000

struct datachan {
	enum data_mode mode;
	int listen_fd;			/* PASV/EPSV listener */
	uint16_t listen_port;
	int64_t keep_until;		/* DATA_NONE with listen_fd: kept */
	struct sock_addr target;	/* PORT/EPRT target */
};

/* Forget the prepared data connection; its listener is closed. */
void data_reset(struct session *s);
/* Close a kept listener whose time is over; ms until it is (-1: none). */
int64_t data_expire(struct session *s, int64_t now);
bool data_configured(const struct session *s);
/* A passive listener from the master; port out.  0 or -1 (errno). */
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

#endif
