/*
 * tlslib.h - OpenSSL (libssl.so.3, libcrypto.so.3), loaded with dlopen
 * by the processes that use it, and only when TLS is configured
 * (tlslib.c).
 *
 * sandftpd is one binary.  Linked against libssl and libcrypto, every
 * exec of every child would map and relocate five megabytes of code it
 * may never call: that doubles the cost of starting a session process,
 * which is what a login costs.  So the functions used are resolved by
 * name into one table, `tls`, at load time (RTLD_NOW), and called as
 * TLS_FN(SSL_read)(...).  The list below is every OpenSSL function the
 * project calls; a macro of OpenSSL's headers that expands to a
 * function not listed here fails to link, which is the point.
 */
#ifndef SANDFTPD_TLSLIB_H
#define SANDFTPD_TLSLIB_H

/* The key operations go through the RSA_METHOD / EC_KEY_METHOD hooks,
 * which OpenSSL 3 still offers but marks deprecated (tls.c says why). */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <stdbool.h>
#include <stddef.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#define TLS_FUNCTIONS(X)                                                   \
	X(OPENSSL_init_ssl) X(TLS_server_method) X(SSL_CTX_new)        \
	X(SSL_CTX_free) X(SSL_CTX_ctrl) X(SSL_CTX_set_options)         \
	X(SSL_CTX_set_cipher_list) X(SSL_CTX_set_ciphersuites)         \
	X(SSL_CTX_use_certificate) X(SSL_CTX_use_PrivateKey)           \
	X(SSL_CTX_set_verify) X(SSL_CTX_get_cert_store)                \
	X(SSL_CTX_add_client_CA) X(SSL_CTX_set_session_id_context)     \
	X(SSL_CTX_set_timeout) X(SSL_new) X(SSL_free) X(SSL_accept)    \
	X(SSL_read) X(SSL_write) X(SSL_get_error) X(SSL_shutdown)      \
	X(SSL_pending) X(SSL_session_reused) X(SSL_get_version)        \
	X(SSL_get_current_cipher) X(SSL_CIPHER_get_name)               \
	X(SSL_sendfile) X(SSL_get_wbio) X(SSL_set_options)             \
	X(SSL_set_num_tickets) X(ERR_get_error) X(ERR_error_string_n)  \
	X(ERR_clear_error) X(BIO_new_mem_buf) X(BIO_new) X(BIO_s_mem)  \
	X(BIO_free) X(BIO_ctrl) X(PEM_read_bio_X509)                   \
	X(PEM_write_bio_X509) X(PEM_read_bio_PrivateKey) X(X509_free)  \
	X(X509_get_pubkey) X(X509_check_private_key)                   \
	X(X509_STORE_add_cert) X(X509_get0_notAfter)                   \
	X(X509_cmp_current_time) X(EVP_PKEY_get_base_id)               \
	X(EVP_PKEY_get1_RSA) X(EVP_PKEY_get1_EC_KEY)                   \
	X(EVP_PKEY_get0_RSA) X(EVP_PKEY_get0_EC_KEY) X(EVP_PKEY_new)   \
	X(EVP_PKEY_free) X(EVP_PKEY_assign) X(EVP_PKEY_get_bits)       \
	X(EVP_sha256) X(EVP_sha384) X(EVP_sha512) X(EVP_MD_get_size)   \
	X(RSA_meth_dup) X(RSA_get_default_method)                      \
	X(RSA_meth_set_priv_enc) X(RSA_meth_set_priv_dec)              \
	X(RSA_set_method) X(RSA_free) X(RSA_size)                      \
	X(RSA_private_encrypt) X(PKCS1_MGF1) X(EC_KEY_METHOD_new)      \
	X(EC_KEY_get_default_method) X(EC_KEY_METHOD_set_sign)         \
	X(EC_KEY_set_method) X(EC_KEY_free) X(ECDSA_sign)              \
	X(ECDSA_size) X(d2i_ECDSA_SIG) X(RAND_bytes) X(BIO_meth_new)   \
	X(BIO_meth_set_write) X(BIO_meth_set_read)                     \
	X(BIO_meth_set_ctrl) X(BIO_meth_set_destroy)                   \
	X(BIO_get_new_index) X(BIO_set_data) X(BIO_get_data)           \
	X(BIO_set_init) X(BIO_set_flags) X(BIO_clear_flags)            \
	X(SSL_set_bio)

#define TLS_DECLARE(f) __typeof__(f) *f;
struct tls_api {
	TLS_FUNCTIONS(TLS_DECLARE)
};
#undef TLS_DECLARE

extern struct tls_api tls;
#define TLS_FN(f) (tls.f)

/* Load both libraries and resolve every function; true when done (also
 * when it was done before), false with the reason in err. */
bool tlslib_load(char *err, size_t errsz);

/* The oldest queued OpenSSL error as text (the queue is then cleared);
 * what when there is none. */
const char *tlslib_error(char *buf, size_t n, const char *what);

#endif
