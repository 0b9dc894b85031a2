/*
 * libs.c - libpam and libcrypt, loaded (dlopen) by the authentication
 * process and by `sandftpd -P` only.
 *
 * The server is one binary; were it linked against libpam (which pulls
 * in libaudit and libcap-ng) and libcrypt, every session child would map
 * and relocate four libraries it never calls: tens of kilobytes of
 * private memory per session on a mirror with thousands.  Here they are
 * loaded where they are used, once, with every symbol resolved at load
 * time (RTLD_NOW): a missing one is an error at the start of the check,
 * not a crash in the middle of it.
 */
#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>

#include "auth.h"

struct auth_pam_api auth_pam;
struct auth_crypt_api auth_crypt;

static void *
open_lib(const char *name, char *err, size_t errsz)
{
	void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);

	if (h == NULL && err)
		snprintf(err, errsz, "%s", dlerror());
	return h;
}

/* Resolve name into *slot; false (with err) when it is missing. */
static bool
resolve(void *lib, const char *name, void *slot, char *err, size_t errsz)
{
	void *sym = dlsym(lib, name);

	if (sym == NULL) {
		if (err)
			snprintf(err, errsz, "%s: %s", name, dlerror());
		return false;
	}
	*(void **)slot = sym;
	return true;
}

bool
auth_load_crypt(char *err, size_t errsz)
{
	void *lib;

	if (auth_crypt.rn)
		return true;
	lib = open_lib("libcrypt.so.1", err, errsz);
	return lib && resolve(lib, "crypt_rn", &auth_crypt.rn, err, errsz) &&
	    resolve(lib, "crypt_gensalt_rn", &auth_crypt.gensalt_rn, err,
	    errsz);
}

bool
auth_load_pam(char *err, size_t errsz)
{
	static const struct {
		const char *name;
		size_t offset;
	} syms[] = {
#define SYM(f) { "pam_" #f, offsetof(struct auth_pam_api, f) }
		SYM(start), SYM(end), SYM(authenticate), SYM(acct_mgmt),
		SYM(setcred), SYM(open_session), SYM(close_session),
		SYM(set_item), SYM(get_item), SYM(strerror),
#undef SYM
	};
	void *lib;
	size_t i;

	if (auth_pam.start)
		return true;
	lib = open_lib("libpam.so.0", err, errsz);
	if (lib == NULL)
		return false;
	for (i = 0; i < sizeof(syms) / sizeof(syms[0]); i++)
		if (!resolve(lib, syms[i].name, (char *)&auth_pam +
		    syms[i].offset, err, errsz))
			return false;
	return true;
}
