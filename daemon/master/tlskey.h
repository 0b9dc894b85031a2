/*
 * tlskey.h - the TLS certificate and private key (tlskey.c).  The master
 * reads both; children get the certificates alone (a sealed memfd of
 * PEM) and ask the master, with TLS_SIGN, for the one private-key
 * operation of each handshake.  The key never leaves this process.
 *
 * A SIGHUP loads a new pair (tlskey_load) for the children started from
 * then on; a generation stays loaded while a child that was given it
 * lives, so running sessions keep the certificate they showed.
 */
#ifndef SANDFTPD_TLSKEY_H
#define SANDFTPD_TLSKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../../common/config.h"
#include "../../common/ipc.h"

struct tls_handout {
	unsigned gen;		/* 0: TLS is not configured */
	int fd;			/* the memfd (the master's; do not close) */
	uint32_t nchain, nca;
};

/* Load tls_cert, tls_key and tls_client_ca as the new current
 * generation.  0, or -1 with the reason in err (the current one stays).
 * session_uid: the key file must not be its (-1: unprivileged). */
int tlskey_load(const struct config *cf, uid_t session_uid, char *err,
    size_t errsz);
/* What a child starting now gets; counts it as a user of it. */
struct tls_handout tlskey_hand_out(void);
/* A child given generation gen is gone. */
void tlskey_release(unsigned gen);
/* The current generation's number; 0 without TLS. */
unsigned tlskey_current(void);

/*
 * The key operation of generation gen: checks that the input is what a
 * TLS handshake signs (a DigestInfo of SHA-256/384/512, a PSS block with
 * a digest-long salt, an ECDSA digest), then signs.  Returns NULL with
 * the result filled, or the reason the request is refused.
 */
const char *tlskey_sign(unsigned gen, const struct ipc_tls_sign *rq,
    struct ipc_sign_result *res);

/* Pure check behind tlskey_sign (unit tested): NULL if data is a valid
 * input of op for an RSA key of rsa_bits (0: an EC key). */
const char *tlskey_check_input(uint32_t op, int rsa_bits,
    const uint8_t *data, size_t len);

#endif
