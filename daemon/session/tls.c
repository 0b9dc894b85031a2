/*
 * tls.c - FTPS inside a child.  What it may touch: the control socket,
 * the data socket of the moment, the socketpair to the master, and (in
 * the relay) the socket of the session's child.  No file, no key.
 *
 * The key: OpenSSL signs through the RSA_METHOD or EC_KEY_METHOD of a
 * key object that holds only the certificate's public key; its private
 * operation is a TLS_SIGN request (tlskey.c in the master checks and
 * answers it).  These legacy hooks are deprecated in OpenSSL 3 but are
 * the one way its libssl lets a private key live elsewhere without a
 * provider; OpenSSL keeps a key with foreign methods on the legacy path,
 * where they are called.  ECDHE only: the key never decrypts.
 *
 * Resumption: the pre-login child makes the session's ticket keys; the
 * session's child gets them in the handed-on state, so a PROT P data
 * connection can resume the control connection's session, and only
 * tickets this session was given decrypt.  With tls_data_reuse the
 * session's child never signs at all: a data connection that does not
 * resume needs a full handshake, which is refused (the master refuses
 * TLS_SIGN after login too).
 */
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "../../common/tlslib.h"
#include "commands.h"
#include "ctrl.h"
#include "idlemem.h"
#include "monitor_wrap.h"
#include "session.h"
#include "tls.h"

#define TLS_PEM_MAX (1024 * 1024)
#define RELAY_BUF 16384
#define TLS_FILE_CHUNK (256u * 1024)

static SSL_CTX *ctx;
static bool loaded;		/* OpenSSL mapped, certificates kept */
static bool have_keys;		/* ticket keys handed on */
static uint8_t ticket_keys[IPC_TICKET_KEYS];
static struct {
	char pem[TLS_PEM_MAX];
	size_t len;
	uint32_t nchain, nca;
	uint32_t flags;
	char ciphers[512], suites[256];
} setup;
static bool reuse_required;	/* a logged-in child with tls_data_reuse */
static bool signing_refused;	/* a full handshake was asked for */
static short wants = POLLIN;

static bool ready(void);
static bool mode_logged;

bool
tls_configured(void)
{
	return loaded;
}

static bool
sign_refused(void)
{
	if (!reuse_required)
		return false;
	signing_refused = true;
	return true;
}

static int
remote_rsa_enc(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	uint32_t op = padding == RSA_NO_PADDING ? SIGN_RSA_PSS :
	    padding == RSA_PKCS1_PADDING ? SIGN_RSA_PKCS1 : 0;

	if (op == 0 || flen < 0 || sign_refused())
		return -1;
	return priv_tls_sign(op, from, (size_t)flen, to,
	    (size_t)TLS_FN(RSA_size)(rsa));
}

/* RSA key exchange is not offered: nothing is ever decrypted. */
static int
remote_rsa_dec(int flen, const unsigned char *from, unsigned char *to,
    RSA *rsa, int padding)
{
	(void)flen, (void)from, (void)to, (void)rsa, (void)padding;
	return -1;
}

static int
remote_ec_sign(int type, const unsigned char *dgst, int dlen,
    unsigned char *sig, unsigned int *siglen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	int n;

	(void)type, (void)kinv, (void)r;
	if (dlen < 0 || sign_refused())
		return 0;
	n = priv_tls_sign(SIGN_ECDSA, dgst, (size_t)dlen, sig,
	    (size_t)TLS_FN(ECDSA_size)(ec));
	if (n < 0)
		return 0;
	*siglen = (unsigned int)n;
	return 1;
}

static ECDSA_SIG *
remote_ec_sign_sig(const unsigned char *dgst, int dlen, const BIGNUM *kinv,
    const BIGNUM *r, EC_KEY *ec)
{
	unsigned char der[IPC_SIGN_MAX];
	const unsigned char *p = der;
	int n;

	(void)kinv, (void)r, (void)ec;
	if (dlen < 0 || sign_refused())
		return NULL;
	n = priv_tls_sign(SIGN_ECDSA, dgst, (size_t)dlen, der, sizeof(der));
	if (n < 0)
		return NULL;
	return TLS_FN(d2i_ECDSA_SIG)(NULL, &p, n);
}

/* The certificate's public key, with the master doing its private
 * operation. */
static EVP_PKEY *
remote_key(X509 *leaf)
{
	EVP_PKEY *pub = TLS_FN(X509_get_pubkey)(leaf), *pk = NULL;

	if (pub == NULL || (pk = TLS_FN(EVP_PKEY_new)()) == NULL)
		goto fail;
	if (TLS_FN(EVP_PKEY_get_base_id)(pub) == EVP_PKEY_RSA) {
		RSA *rsa = TLS_FN(EVP_PKEY_get1_RSA)(pub);
		RSA_METHOD *meth = TLS_FN(RSA_meth_dup)(
		    TLS_FN(RSA_get_default_method)());

		if (rsa == NULL || meth == NULL ||
		    TLS_FN(RSA_meth_set_priv_enc)(meth, remote_rsa_enc) != 1 ||
		    TLS_FN(RSA_meth_set_priv_dec)(meth, remote_rsa_dec) != 1 ||
		    TLS_FN(RSA_set_method)(rsa, meth) != 1 ||
		    TLS_FN(EVP_PKEY_assign)(pk, EVP_PKEY_RSA, rsa) != 1) {
			TLS_FN(RSA_free)(rsa);
			goto fail;
		}
	} else if (TLS_FN(EVP_PKEY_get_base_id)(pub) == EVP_PKEY_EC) {
		EC_KEY *ec = TLS_FN(EVP_PKEY_get1_EC_KEY)(pub);
		EC_KEY_METHOD *meth = TLS_FN(EC_KEY_METHOD_new)(
		    TLS_FN(EC_KEY_get_default_method)());

		if (ec == NULL || meth == NULL) {
			TLS_FN(EC_KEY_free)(ec);
			goto fail;
		}
		TLS_FN(EC_KEY_METHOD_set_sign)(meth, remote_ec_sign, NULL,
		    remote_ec_sign_sig);
		if (TLS_FN(EC_KEY_set_method)(ec, meth) != 1 ||
		    TLS_FN(EVP_PKEY_assign)(pk, EVP_PKEY_EC, ec) != 1) {
			TLS_FN(EC_KEY_free)(ec);
			goto fail;
		}
	} else {
		goto fail;
	}
	TLS_FN(EVP_PKEY_free)(pub);
	return pk;
fail:
	TLS_FN(EVP_PKEY_free)(pub);
	TLS_FN(EVP_PKEY_free)(pk);
	return NULL;
}

/*
 * The connection's BIO: recv and send, as every child does I/O (read
 * and write are not in any filter), and kernel TLS for sending, set up
 * here when OpenSSL asks (SSL_OP_ENABLE_KTLS, data connections only).
 * This is what OpenSSL's socket BIO does with the same controls.
 */
#define BIO_CTRL_SET_KTLS 72		/* internal to OpenSSL 3 */
#define BIO_CTRL_SET_KTLS_CTRL_MSG 74
#define BIO_CTRL_CLEAR_KTLS_CTRL_MSG 75

struct conn_bio {
	int fd;
	bool eof;
	bool ktls_tx;
	int record_type;	/* kTLS: the next write is this record; -1 */
};

static BIO_METHOD *conn_method;

static int
conn_retry(BIO *b, ssize_t n, int flag)
{
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		TLS_FN(BIO_set_flags)(b, flag | BIO_FLAGS_SHOULD_RETRY);
	return (int)n;
}

/* kTLS: a record other than application data goes with its type. */
static ssize_t
send_record(int fd, int type, const void *buf, size_t n)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(1)];
	} cbuf;
	struct iovec iov = { (void *)buf, n };
	struct msghdr mh = { 0 };
	struct cmsghdr *c;

	memset(&cbuf, 0, sizeof(cbuf));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_TLS;
	c->cmsg_type = TLS_SET_RECORD_TYPE;
	c->cmsg_len = CMSG_LEN(1);
	*CMSG_DATA(c) = (unsigned char)type;
	return sys_sendmsg(fd, &mh, MSG_DONTWAIT);
}

static int
conn_write(BIO *b, const char *buf, int n)
{
	struct conn_bio *cb = TLS_FN(BIO_get_data)(b);
	ssize_t r;

	TLS_FN(BIO_clear_flags)(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
	if (n <= 0)
		return 0;
	if (cb->record_type >= 0) {
		r = send_record(cb->fd, cb->record_type, buf, (size_t)n);
		if (r >= 0)
			cb->record_type = -1;
	} else {
		r = sys_send(cb->fd, buf, (size_t)n, MSG_DONTWAIT);
	}
	return conn_retry(b, r, BIO_FLAGS_WRITE);
}

static int
conn_read(BIO *b, char *buf, int n)
{
	struct conn_bio *cb = TLS_FN(BIO_get_data)(b);
	ssize_t r;

	TLS_FN(BIO_clear_flags)(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
	if (n <= 0)
		return 0;
	r = sys_recv(cb->fd, buf, (size_t)n, MSG_DONTWAIT);
	if (r == 0)
		cb->eof = true;
	return conn_retry(b, r, BIO_FLAGS_READ);
}

/* The size of the kernel's key block for a cipher (linux/tls.h). */
static socklen_t
ktls_info_len(const struct tls_crypto_info *ci)
{
	switch (ci->cipher_type) {
	case TLS_CIPHER_AES_GCM_128:
		return sizeof(struct tls12_crypto_info_aes_gcm_128);
	case TLS_CIPHER_AES_GCM_256:
		return sizeof(struct tls12_crypto_info_aes_gcm_256);
	case TLS_CIPHER_CHACHA20_POLY1305:
		return sizeof(struct tls12_crypto_info_chacha20_poly1305);
	default:
		return 0;
	}
}

/* Sending only: received records stay with OpenSSL. */
static long
ktls_start(struct conn_bio *cb, long is_tx, const void *info)
{
	socklen_t len = info ? ktls_info_len(info) : 0;

	if (!is_tx || len == 0 || cb->ktls_tx)
		return 0;
	if (setsockopt(cb->fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) <
	    0 || setsockopt(cb->fd, SOL_TLS, TLS_TX, info, len) < 0)
		return 0;
	cb->ktls_tx = true;
	return 1;
}

static long
conn_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct conn_bio *cb = TLS_FN(BIO_get_data)(b);

	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_EOF:
		return cb->eof;
	case BIO_C_GET_FD:
		if (ptr)
			*(int *)ptr = cb->fd;
		return cb->fd;
	case BIO_CTRL_SET_KTLS:
		return ktls_start(cb, num, ptr);
	case BIO_CTRL_GET_KTLS_SEND:
		return cb->ktls_tx;
	case BIO_CTRL_SET_KTLS_CTRL_MSG:
		cb->record_type = (int)num;
		return 0;
	case BIO_CTRL_CLEAR_KTLS_CTRL_MSG:
		cb->record_type = -1;
		return 0;
	default:
		return 0;
	}
}

static int
conn_destroy(BIO *b)
{
	free(TLS_FN(BIO_get_data)(b));
	TLS_FN(BIO_set_data)(b, NULL);
	return 1;
}

static bool
conn_method_init(void)
{
	int type;

	if (conn_method)
		return true;
	type = TLS_FN(BIO_get_new_index)();

	if (type < 0)
		return false;
	conn_method = TLS_FN(BIO_meth_new)(type | BIO_TYPE_SOURCE_SINK |
	    BIO_TYPE_DESCRIPTOR, "sandftpd connection");
	return conn_method &&
	    TLS_FN(BIO_meth_set_write)(conn_method, conn_write) == 1 &&
	    TLS_FN(BIO_meth_set_read)(conn_method, conn_read) == 1 &&
	    TLS_FN(BIO_meth_set_ctrl)(conn_method, conn_ctrl) == 1 &&
	    TLS_FN(BIO_meth_set_destroy)(conn_method, conn_destroy) == 1;
}

/* A server-side SSL on the connection fd; NULL without memory. */
static SSL *
ssl_on(int fd)
{
	struct conn_bio *cb = ready() ? calloc(1, sizeof(*cb)) : NULL;
	SSL *ssl = cb ? TLS_FN(SSL_new)(ctx) : NULL;
	BIO *b = ssl ? TLS_FN(BIO_new)(conn_method) : NULL;

	if (b == NULL) {
		TLS_FN(SSL_free)(ssl);
		free(cb);
		return NULL;
	}
	cb->fd = fd;
	cb->record_type = -1;
	TLS_FN(BIO_set_data)(b, cb);
	TLS_FN(BIO_set_init)(b, 1);
	TLS_FN(SSL_set_bio)(ssl, b, b);
	return ssl;
}

/* The memfd's certificates: the chain into ctx, then the client CAs. */
static bool
load_certs(const char *pem, size_t len, uint32_t nchain, uint32_t nca,
    char *err, size_t errsz)
{
	BIO *in = TLS_FN(BIO_new_mem_buf)(pem, (int)len);
	X509_STORE *store = TLS_FN(SSL_CTX_get_cert_store)(ctx);
	uint32_t i;
	bool ok = in != NULL;

	for (i = 0; ok && i < nchain + nca; i++) {
		X509 *x = TLS_FN(PEM_read_bio_X509)(in, NULL, NULL, NULL);

		if (x == NULL) {
			ok = false;
		} else if (i == 0) {
			EVP_PKEY *pk = remote_key(x);

			ok = TLS_FN(SSL_CTX_use_certificate)(ctx, x) == 1 &&
			    pk && TLS_FN(SSL_CTX_use_PrivateKey)(ctx, pk) == 1;
			TLS_FN(EVP_PKEY_free)(pk);
			TLS_FN(X509_free)(x);
		} else if (i < nchain) {
			/* SSL_CTX_add_extra_chain_cert: ctx owns x now. */
			ok = TLS_FN(SSL_CTX_ctrl)(ctx, SSL_CTRL_EXTRA_CHAIN_CERT,
			    0, x) == 1;
			if (!ok)
				TLS_FN(X509_free)(x);
		} else {
			ok = TLS_FN(X509_STORE_add_cert)(store, x) == 1 &&
			    TLS_FN(SSL_CTX_add_client_CA)(ctx, x) == 1;
			TLS_FN(X509_free)(x);
		}
	}
	TLS_FN(BIO_free)(in);
	if (!ok)
		tlslib_error(err, errsz, "the certificates from the master");
	return ok;
}

static bool
configure(char *err, size_t errsz)
{
	long mode = SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS;

	ctx = TLS_FN(SSL_CTX_new)(TLS_FN(TLS_server_method)());
	if (ctx == NULL)
		return false;
	/* TLS 1.2 at least, 1.3 preferred (the highest both speak); no
	 * renegotiation, no compression; our order of ciphers. */
	TLS_FN(SSL_CTX_ctrl)(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION,
	    TLS1_2_VERSION, NULL);
	TLS_FN(SSL_CTX_set_options)(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1);
	TLS_FN(SSL_CTX_ctrl)(ctx, SSL_CTRL_MODE, mode, NULL);
	if (TLS_FN(SSL_CTX_set_cipher_list)(ctx, setup.ciphers) != 1) {
		snprintf(err, errsz, "tls_ciphers: no cipher in '%s'",
		    setup.ciphers);
		return false;
	}
	if (TLS_FN(SSL_CTX_set_ciphersuites)(ctx, setup.suites) != 1) {
		snprintf(err, errsz, "tls_ciphersuites: not valid: '%s'",
		    setup.suites);
		return false;
	}
	if (TLS_FN(SSL_CTX_ctrl)(ctx, SSL_CTRL_SET_GROUPS_LIST, 0,
	    (void *)"X25519:P-256:P-384") != 1)
		return false;
	/* Resumption and client certificates both need a context name. */
	TLS_FN(SSL_CTX_set_session_id_context)(ctx,
	    (const unsigned char *)"sandftpd", 8);
	TLS_FN(SSL_CTX_set_timeout)(ctx, 86400);
	if (setup.nca > 0)
		TLS_FN(SSL_CTX_set_verify)(ctx, SSL_VERIFY_PEER |
		    SSL_VERIFY_CLIENT_ONCE |
		    ((setup.flags & INIT_TLS_CLIENT_CERT) ?
		    SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0), NULL);
	return true;
}

/*
 * Before the sandbox only what needs files: OpenSSL's libraries, and the
 * certificates read from the memfd.  Its algorithms, the random
 * generator and the context are made at the first use (about 2 ms of
 * the CPU: a child that never does TLS, such as a session in clear on
 * a server that offers it, does not pay for them).
 */
bool
tls_child_setup(const struct ipc_child_init *w, int memfd, char *err,
    size_t errsz)
{
	struct stat st;
	ssize_t n;

	if (!tlslib_load(err, errsz))
		return false;
	if (fstat(memfd, &st) < 0 || st.st_size <= 0 ||
	    st.st_size > TLS_PEM_MAX ||
	    (n = pread(memfd, setup.pem, (size_t)st.st_size, 0)) !=
	    st.st_size) {
		snprintf(err, errsz, "the certificates from the master are "
		    "unreadable");
		return false;
	}
	setup.len = (size_t)n;
	setup.nchain = w->tls_chain;
	setup.nca = w->tls_ca;
	setup.flags = w->flags;
	str_copy(setup.ciphers, sizeof(setup.ciphers), w->tls_ciphers);
	str_copy(setup.suites, sizeof(setup.suites), w->tls_ciphersuites);
	reuse_required = w->kind != CHILD_PRELOGIN &&
	    (w->flags & INIT_TLS_DATA_REUSE);
	loaded = true;
	return true;
}

/* The context, made at the first TLS operation; false (logged) if it
 * cannot be. */
static bool
ready(void)
{
	char err[800] = "";

	if (ctx)
		return true;
	if (!loaded)
		return false;
	if (!conn_method_init() || !configure(err, sizeof(err)) ||
	    !load_certs(setup.pem, setup.len, setup.nchain, setup.nca, err,
	    sizeof(err))) {
		if (!err[0])
			tlslib_error(err, sizeof(err), "TLS context");
		log_err("TLS: %s", err);
		TLS_FN(SSL_CTX_free)(ctx);
		ctx = NULL;
		return false;
	}
	/* A pre-login child starts a session: its tickets get keys of their
	 * own; a session's child has the ones handed on. */
	if (!have_keys && TLS_FN(RAND_bytes)(ticket_keys,
	    sizeof(ticket_keys)) != 1) {
		log_err("TLS: no random ticket keys");
		return false;
	}
	have_keys = true;
	if (TLS_FN(SSL_CTX_ctrl)(ctx, SSL_CTRL_SET_TLSEXT_TICKET_KEYS,
	    IPC_TICKET_KEYS, ticket_keys) != 1) {
		log_err("TLS: the ticket keys were refused");
		return false;
	}
	return true;
}

void
tls_ticket_keys_export(uint8_t keys[IPC_TICKET_KEYS])
{
	memcpy(keys, ticket_keys, IPC_TICKET_KEYS);
}

int
tls_ticket_keys_import(const uint8_t keys[IPC_TICKET_KEYS])
{
	memcpy(ticket_keys, keys, IPC_TICKET_KEYS);
	have_keys = true;
	return 0;
}

short
tls_wants(void)
{
	return wants;
}

bool
tls_pending(void *ssl)
{
	return ssl && TLS_FN(SSL_pending)(ssl) > 0;
}

/* After a failed call: EAGAIN (with wants set) or another errno. */
static ssize_t
io_error(SSL *ssl, int rc)
{
	int e = TLS_FN(SSL_get_error)(ssl, rc);

	switch (e) {
	case SSL_ERROR_WANT_READ:
		wants = POLLIN;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_WANT_WRITE:
		wants = POLLOUT;
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SSL:
		/* OpenSSL 3 reports an end without close_notify here. */
		errno = ECONNABORTED;
		break;
	default:
		if (errno == 0 || errno == EAGAIN)
			errno = ECONNRESET;
		break;
	}
	TLS_FN(ERR_clear_error)();
	return -1;
}

ssize_t
tls_read(void *ssl, void *buf, size_t n)
{
	int rc;

	errno = 0;
	rc = TLS_FN(SSL_read)(ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
	return rc > 0 ? rc : io_error(ssl, rc);
}

ssize_t
tls_write(void *ssl, const void *buf, size_t n)
{
	int rc;

	errno = 0;
	rc = TLS_FN(SSL_write)(ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n);
	if (rc > 0)
		return rc;
	rc = (int)io_error(ssl, rc);
	if (rc == 0)
		errno = EPIPE;	/* the peer closed: nothing more goes */
	return -1;
}

/*
 * SSL_accept until done (XFER_OK), the deadline, or an error (why;
 * XFER_TLS_FAILED).  On a data connection (s not NULL) the wait is a
 * transfer's: the control connection is served meanwhile (NOOP, STAT,
 * ABOR: XFER_ABORTED) and a SHUTDOWN is seen, as while the connection
 * itself was awaited; a client that never sends its ClientHello must not
 * leave its session deaf for data_timeout.
 */
static enum xfer_result
handshake(SSL *ssl, int fd, int64_t deadline, struct session *s, char *why,
    size_t n)
{
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		enum xfer_result r;
		int64_t left;
		int rc, e;

		errno = 0;
		rc = TLS_FN(SSL_accept)(ssl);
		if (rc == 1)
			return XFER_OK;
		e = TLS_FN(SSL_get_error)(ssl, rc);
		if (e == SSL_ERROR_WANT_WRITE) {
			p.events = POLLOUT;
		} else if (e != SSL_ERROR_WANT_READ) {
			tlslib_error(why, n, e == SSL_ERROR_SSL ?
			    "protocol error" : "connection closed");
			return XFER_TLS_FAILED;
		}
		left = deadline - sys_now_ms();
		if (left <= 0) {
			snprintf(why, n, "timed out");
			return XFER_TLS_FAILED;
		}
		if (s == NULL) {
			if (sys_poll(&p, 1, (int)left) <= 0) {
				snprintf(why, n, "timed out");
				return XFER_TLS_FAILED;
			}
			continue;
		}
		r = xfer_wait(s, fd, p.events, deadline);
		if (r == XFER_TIMEOUT) {
			snprintf(why, n, "timed out");
			return XFER_TLS_FAILED;
		}
		if (r != XFER_OK)
			return r;
	}
}

static void
describe(SSL *ssl, char *buf, size_t n)
{
	snprintf(buf, n, "%s, %s%s", TLS_FN(SSL_get_version)(ssl),
	    TLS_FN(SSL_CIPHER_get_name)(TLS_FN(SSL_get_current_cipher)(ssl)),
	    TLS_FN(SSL_session_reused)(ssl) ? ", resumed" : "");
}

int
tls_ctrl_handshake(struct session *s, int64_t deadline_ms)
{
	SSL *ssl = ssl_on(s->ctrl_fd);
	char why[256], what[128];

	if (ssl == NULL) {
		log_err("TLS: %s", tlslib_error(why, sizeof(why), "no memory"));
		return -1;
	}
	if (handshake(ssl, s->ctrl_fd, deadline_ms, NULL, why, sizeof(why)) !=
	    XFER_OK) {
		log_info("TLS handshake on the control connection failed: %s",
		    why);
		TLS_FN(SSL_free)(ssl);
		return -1;
	}
	describe(ssl, what, sizeof(what));
	log_debug("TLS on the control connection: %s", what);
	s->ctrl_tls = ssl;
	return 0;
}

void
tls_ctrl_end(struct session *s)
{
	if (s->ctrl_tls == NULL)
		return;
	(void)TLS_FN(SSL_shutdown)(s->ctrl_tls);
	TLS_FN(ERR_clear_error)();
}

enum xfer_result
tls_data_handshake(struct session *s, int fd)
{
	SSL *ssl = ssl_on(fd);
	int64_t deadline = sys_now_ms() + (int64_t)s->data_timeout * 1000;
	char why[256], what[128];
	enum xfer_result r;

	s->data_tls_pending = false;
	/* Clients start the handshake once they have the 150: a held one
	 * (reply_hold) goes out now. */
	ctrl_flush(s);
	if (ssl == NULL)
		return XFER_TLS_FAILED;
	/* Kernel TLS for sending files, where the kernel has it. */
	TLS_FN(SSL_set_options)(ssl, SSL_OP_ENABLE_KTLS);
	/* No tickets: the control connection's serve every data connection,
	 * and a client that closes an upload's connection with our unread
	 * ticket in its buffer resets it, losing what we had not read. */
	TLS_FN(SSL_set_num_tickets)(ssl, 0);
	signing_refused = false;
	r = handshake(ssl, fd, deadline, s, why, sizeof(why));
	if (r != XFER_OK) {
		TLS_FN(SSL_free)(ssl);
		if (r != XFER_TLS_FAILED)
			return r;	/* ABOR, a shutdown: not the TLS's */
		if (signing_refused) {
			log_info("refused a PROT P data connection that did "
			    "not resume the control connection's TLS session "
			    "(tls_data_reuse)");
			return XFER_TLS_NO_REUSE;
		}
		log_info("TLS handshake on the data connection failed: %s",
		    why);
		return XFER_TLS_FAILED;
	}
	if (reuse_required && !TLS_FN(SSL_session_reused)(ssl)) {
		TLS_FN(SSL_free)(ssl);
		return XFER_TLS_NO_REUSE;
	}
	s->data_tls = ssl;
	if (!mode_logged) {
		bool ktls = TLS_FN(BIO_ctrl)(TLS_FN(SSL_get_wbio)(ssl),
		    BIO_CTRL_GET_KTLS_SEND, 0, NULL) != 0;

		mode_logged = true;
		describe(ssl, what, sizeof(what));
		log_info("TLS data connections: %s; files are sent with %s",
		    what, ktls ? "kernel TLS (sendfile)" :
		    "user-space TLS (no kernel TLS for this connection)");
	}
	return XFER_OK;
}

void
tls_data_end(struct session *s, bool abort)
{
	SSL *ssl = s->data_tls;

	s->data_tls_pending = false;
	if (ssl == NULL)
		return;
	/* Our close_notify, once: the client knows the data is whole. */
	if (!abort)
		(void)TLS_FN(SSL_shutdown)(ssl);
	TLS_FN(ERR_clear_error)();
	TLS_FN(SSL_free)(ssl);
	s->data_tls = NULL;
}

enum xfer_result
tls_send_file(struct session *s, int fd, int file_fd, off_t off)
{
	static char buf[TLS_FILE_CHUNK];
	SSL *ssl = s->data_tls;
	bool ktls = TLS_FN(BIO_ctrl)(TLS_FN(SSL_get_wbio)(ssl),
	    BIO_CTRL_GET_KTLS_SEND, 0, NULL) != 0;
	int64_t deadline = sys_now_ms() + (int64_t)s->data_timeout * 1000;

	idlemem_scratch(buf, sizeof(buf));
	for (;;) {
		enum xfer_result r;
		uint64_t want;
		ssize_t n;

		if (lr_has_line(&s->in) && s->during_transfer(s))
			return XFER_ABORTED;
		/* The size the 150 announced, no more (a file may grow). */
		if (s->xfer.done >= s->xfer.total)
			return XFER_OK;
		want = s->xfer.total - s->xfer.done;
		if (ktls) {
			size_t len = want < TLS_FILE_CHUNK ? (size_t)want :
			    TLS_FILE_CHUNK;

			if (s->xfer.limited &&
			    (r = xfer_rate_grant(s, &len)) != XFER_OK)
				return r;
			errno = 0;
			n = TLS_FN(SSL_sendfile)(ssl, file_fd, off, len, 0);
			if (n > 0) {
				off += n;
				s->xfer.done += (uint64_t)n;
				if (s->xfer.limited)
					ratelimit_spend(&s->rate, (uint64_t)n);
				deadline = sys_now_ms() +
				    (int64_t)s->data_timeout * 1000;
				continue;
			}
			if (n == 0)
				return xfer_file_end(s);
			if (io_error(ssl, (int)n) < 0 && errno != EAGAIN)
				return XFER_CONN_LOST;
			r = xfer_wait(s, fd, wants, deadline);
			if (r != XFER_OK)
				return r;
			continue;
		}
		n = sys_pread(file_fd, buf, want < sizeof(buf) ? (size_t)want :
		    sizeof(buf), off);
		if (n < 0)
			return XFER_LOCAL_ERROR;
		if (n == 0)
			return xfer_file_end(s);
		off += n;
		r = xfer_send_buf(s, fd, buf, (size_t)n);
		if (r != XFER_OK)
			return r;
	}
}

/* ---- the relay ---- */

struct relay_buf {
	char data[RELAY_BUF];
	size_t len;
};

static void
consume(struct relay_buf *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

/*
 * How long the relay may wait: for ever while nothing waits for the
 * client (the session's child times out an idle session itself), but
 * no longer than idle_timeout without progress while replies do.  A
 * client that sends and never reads would otherwise keep the relay for
 * ever once the session's child gave up on it (its replies could not
 * go out either); on a mirror, enough such relays stop new sessions.
 * 0 when that time is over.
 */
static int
relay_wait_ms(const struct session *s, bool replies_wait,
    int64_t *stalled_until)
{
	int64_t now;

	if (!replies_wait)
		return -1;
	now = sys_now_ms();
	if (*stalled_until == 0)
		*stalled_until = now + (int64_t)s->idle_timeout * 1000;
	return now >= *stalled_until ? 0 : (int)(*stalled_until - now);
}

NORETURN void
tls_relay(struct session *s, int sp)
{
	static struct relay_buf up, down;	/* client->child, child->client */
	SSL *ssl = s->ctrl_tls;
	bool client_eof = false, child_eof = false, sp_shut = false;
	short rd_wants = POLLIN, wr_wants = POLLOUT;
	int64_t stalled_until = 0;	/* replies waiting: give up then */

	/* What this child read but did not serve goes on as state; from
	 * here on it only moves bytes. */
	sys_set_nonblock(sp, 1);
	for (;;) {
		bool moved = false;
		struct pollfd p[3];
		ssize_t n;
		int wait;

		if (!client_eof && up.len < RELAY_BUF) {
			n = tls_read(ssl, up.data + up.len, RELAY_BUF - up.len);
			if (n > 0) {
				up.len += (size_t)n;
				moved = true;
			} else if (n == 0 || errno != EAGAIN) {
				client_eof = moved = true;
			} else {
				rd_wants = tls_wants();
			}
		}
		if (up.len > 0) {
			n = sys_send(sp, up.data, up.len, MSG_DONTWAIT);
			if (n > 0) {
				consume(&up, (size_t)n);
				moved = true;
			} else if (n < 0 && errno != EAGAIN) {
				break;		/* the session's child is gone */
			}
		}
		if (client_eof && up.len == 0 && !sp_shut) {
			shutdown(sp, SHUT_WR);	/* it serves what came */
			sp_shut = true;
		}
		if (!child_eof && down.len < RELAY_BUF) {
			n = sys_recv(sp, down.data + down.len,
			    RELAY_BUF - down.len, MSG_DONTWAIT);
			if (n > 0) {
				down.len += (size_t)n;
				moved = true;
			} else if (n == 0 || errno != EAGAIN) {
				child_eof = moved = true;
			}
		}
		if (down.len > 0) {
			n = tls_write(ssl, down.data, down.len);
			if (n > 0) {
				consume(&down, (size_t)n);
				moved = true;
				stalled_until = 0;
			} else if (errno != EAGAIN) {
				break;		/* the client is gone */
			} else {
				wr_wants = tls_wants();
			}
		}
		if (child_eof && down.len == 0) {
			(void)TLS_FN(SSL_shutdown)(ssl);
			break;
		}
		if (moved || (tls_pending(ssl) && !client_eof &&
		    up.len < RELAY_BUF))
			continue;
		p[0].fd = s->ctrl_fd;
		p[0].events = (short)((!client_eof && up.len < RELAY_BUF ?
		    rd_wants : 0) | (down.len > 0 ? wr_wants : 0));
		p[1].fd = sp;
		p[1].events = (short)((!child_eof && down.len < RELAY_BUF ?
		    POLLIN : 0) | (up.len > 0 ? POLLOUT : 0));
		/* A descriptor waited on for nothing still reports a hangup
		 * at once (a client gone while the session's child has not
		 * answered yet): left out, or the loop would spin. */
		if (p[0].events == 0)
			p[0].fd = -1;
		if (p[1].events == 0)
			p[1].fd = -1;
		p[2].fd = s->ipc_fd;
		p[2].events = POLLIN;
		wait = relay_wait_ms(s, down.len > 0, &stalled_until);
		if (wait == 0)
			break;		/* the client stopped reading */
		if (sys_poll(p, 3, wait) < 0 && errno != EINTR)
			break;
		/* SHUTDOWN: the session's child says 421 through us; the
		 * master's end: nothing is left to serve. */
		if (p[2].revents && priv_shutdown_requested(true) &&
		    (p[2].revents & POLLHUP))
			break;
	}
#ifdef SANDFTPD_TESTHOOKS
	while (testhook_relay_stays)	/* as hostile code would */
		sys_sleep_ms(60000);
#endif
	_exit(0);
}
