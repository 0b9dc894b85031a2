/*
 * tls.h - FTPS inside a child (tls.c): the TLS context, built before the
 * sandbox from the certificates the master sent; the handshake on the
 * control connection (AUTH TLS, or at once on an implicit-TLS listener)
 * and on PROT P data connections; their reads and writes; and the relay
 * a pre-login child becomes after a login over TLS.
 *
 * The private key is not here: each handshake's signature is made by
 * the master (TLS_SIGN).
 */
#ifndef SANDFTPD_TLS_H
#define SANDFTPD_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../common/ipc.h"
#include "../../common/util.h"
#include "transfer.h"

struct session;

/* Before the sandbox: load OpenSSL, build the context from the memfd.
 * false with the reason in err. */
bool tls_child_setup(const struct ipc_child_init *w, int memfd, char *err,
    size_t errsz);
bool tls_configured(void);
/* The session's ticket keys: made by the pre-login child, handed on. */
void tls_ticket_keys_export(uint8_t keys[IPC_TICKET_KEYS]);
int tls_ticket_keys_import(const uint8_t keys[IPC_TICKET_KEYS]);

/* The control connection's handshake; 0, or -1 (logged). */
int tls_ctrl_handshake(struct session *s, int64_t deadline_ms);
/* The session ends here: close_notify on the control connection. */
void tls_ctrl_end(struct session *s);
/*
 * Reads and writes on a TLS connection, like recv/send on a
 * non-blocking socket: > 0 bytes, 0 the peer's end (close_notify), -1
 * with errno EAGAIN (then tls_wants() are the poll events to wait for)
 * or another error.  A data connection that ends without close_notify
 * gives -1 with errno ECONNABORTED: it may have been cut short.
 */
ssize_t tls_read(void *ssl, void *buf, size_t n);
ssize_t tls_write(void *ssl, const void *buf, size_t n);
short tls_wants(void);
/* Plaintext already decrypted and waiting (poll cannot see it). */
bool tls_pending(void *ssl);

/* After a login over TLS: relay the control connection, decrypted, to
 * the session's child on sp until either side ends. */
NORETURN void tls_relay(struct session *s, int sp);

/* PROT P: the data connection's handshake (after the 150 reply), which
 * must resume the control connection's session with tls_data_reuse. */
enum xfer_result tls_data_handshake(struct session *s, int fd);
/* The data connection ends: close_notify unless aborted; freed. */
void tls_data_end(struct session *s, bool abort);
/* Binary RETR over TLS: kernel TLS (SSL_sendfile) or reads and writes. */
enum xfer_result tls_send_file(struct session *s, int fd, int file_fd,
    off_t off);

#endif
