/*
 * tlslib.c - loading OpenSSL's two libraries into the table of the
 * functions the project calls (tlslib.h says why it is not linked).
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "tlslib.h"

struct tls_api tls;
static bool loaded;

#ifndef SANDFTPD_NO_DLOPEN
static void *
find(void *ssl, void *crypto, const char *name)
{
	void *p = dlsym(ssl, name);

	return p ? p : dlsym(crypto, name);
}
#endif

bool
tlslib_load(char *err, size_t errsz)
{
	void *ssl, *crypto;

	if (loaded)
		return true;
#ifdef SANDFTPD_NO_DLOPEN
	/* The static session binary (daemon/session_main.c): the master
	 * never gives it TLS; should it, it says so rather than crash. */
	(void)ssl;
	(void)crypto;
	snprintf(err, errsz, "this binary (sandftpd-session) has no TLS");
	return false;
#else
	crypto = dlopen("libcrypto.so.3", RTLD_NOW | RTLD_LOCAL);
	ssl = crypto ? dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL) : NULL;
	if (ssl == NULL) {
		snprintf(err, errsz, "cannot load OpenSSL: %s", dlerror());
		return false;
	}
#define TLS_RESOLVE(f)                                                  \
	if ((*(void **)&tls.f = find(ssl, crypto, #f)) == NULL) {       \
		snprintf(err, errsz, "OpenSSL lacks %s", #f);           \
		return false;                                           \
	}
	TLS_FUNCTIONS(TLS_RESOLVE)
#undef TLS_RESOLVE
	if (tls.OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG, NULL) != 1) {
		snprintf(err, errsz, "OpenSSL did not initialise");
		return false;
	}
	loaded = true;
	return true;
#endif
}

const char *
tlslib_error(char *buf, size_t n, const char *what)
{
	unsigned long e = loaded ? tls.ERR_get_error() : 0;

	if (e == 0) {
		snprintf(buf, n, "%s", what);
		return buf;
	}
	tls.ERR_error_string_n(e, buf, n);
	tls.ERR_clear_error();
	return buf;
}
