/*
 * tlskey.c - the master's TLS certificates and private keys, and the
 * key operation children ask for.
 *
 * Why a handshake's signature is made here: the pre-login child runs
 * the handshake, and it reads everything a client sends; a child that
 * held the key would give it to whoever exploited it.  With the key in
 * the master (which never reads client bytes), such a child can ask for
 * signatures while it lives, within the limits monitor.c sets, and can
 * never take the key away.  OpenSSL in the child reaches us through an
 * RSA_METHOD or EC_KEY_METHOD whose private operation is TLS_SIGN
 * (daemon/session/tls.c).
 *
 * The requests are checked to be signatures: an RSA "raw" operation is
 * also a decryption, so only inputs shaped like what TLS signs pass
 * (a DigestInfo, or a PSS encoding whose padding checks out without the
 * digest); they cannot be turned into decrypting anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/tlslib.h"
#include "../../common/util.h"
#include "tlskey.h"

#define TLS_GENS 8
#define TLS_FILE_MAX (1024 * 1024)

struct tls_gen {
	unsigned gen;		/* 0: slot free */
	EVP_PKEY *key;
	int rsa_bits;		/* 0 for an EC key */
	int memfd;
	uint32_t nchain, nca;
	int users;
};

static struct tls_gen gens[TLS_GENS];
static unsigned current, last_gen;

static struct tls_gen *
gen_find(unsigned gen)
{
	int i;

	for (i = 0; gen && i < TLS_GENS; i++)
		if (gens[i].gen == gen)
			return &gens[i];
	return NULL;
}

static void
gen_free(struct tls_gen *g)
{
	TLS_FN(EVP_PKEY_free)(g->key);
	if (g->memfd >= 0)
		close(g->memfd);
	memset(g, 0, sizeof(*g));
	g->memfd = -1;
}

/* A whole file (at most TLS_FILE_MAX), for OpenSSL's memory BIO. */
static char *
slurp(const char *path, size_t *len, struct stat *st, char *err,
    size_t errsz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char *buf = NULL;
	ssize_t n;

	if (fd < 0 || fstat(fd, st) < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st->st_mode) || st->st_size > TLS_FILE_MAX) {
		snprintf(err, errsz, "%s: not a regular file of at most 1 MiB",
		    path);
		goto out;
	}
	buf = malloc((size_t)st->st_size + 1);
	if (buf == NULL) {
		snprintf(err, errsz, "%s: out of memory", path);
		goto out;
	}
	n = read(fd, buf, (size_t)st->st_size);
	if (n != st->st_size) {
		snprintf(err, errsz, "%s: short read", path);
		free(buf);
		buf = NULL;
		goto out;
	}
	*len = (size_t)n;
out:
	if (fd >= 0)
		close(fd);
	return buf;
}

/* Every certificate in a PEM buffer, appended to out as PEM; count. */
static int
copy_certs(const char *pem, size_t len, BIO *out, X509 **first)
{
	BIO *in = TLS_FN(BIO_new_mem_buf)(pem, (int)len);
	X509 *x;
	int n = 0;

	if (in == NULL)
		return -1;
	while ((x = TLS_FN(PEM_read_bio_X509)(in, NULL, NULL, NULL))) {
		if (TLS_FN(PEM_write_bio_X509)(out, x) != 1) {
			TLS_FN(X509_free)(x);
			n = -1;
			break;
		}
		if (first && *first == NULL)
			*first = x;
		else
			TLS_FN(X509_free)(x);
		n++;
	}
	TLS_FN(ERR_clear_error)();	/* the end of the input */
	TLS_FN(BIO_free)(in);
	return n;
}

/* The certificates as a sealed memfd: what children may see. */
static int
seal_certs(BIO *pem, char *err, size_t errsz)
{
	char *data = NULL;
	long len = TLS_FN(BIO_ctrl)(pem, BIO_CTRL_INFO, 0, &data);
	int fd = memfd_create("sandftpd-certs", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING);

	if (fd < 0 || len <= 0 || write(fd, data, (size_t)len) != len ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		snprintf(err, errsz, "sealing the certificates: %s",
		    strerror(errno ? errno : EIO));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The key file must be the master's alone to read. */
static const char *
key_file_problem(const struct stat *st, uid_t session_uid)
{
	if (st->st_mode & S_IROTH)
		return "is readable by every user";
	if (session_uid != (uid_t)-1 && st->st_uid == session_uid)
		return "belongs to session_user";
	return NULL;
}

static EVP_PKEY *
load_key(const char *path, uid_t session_uid, bool warn_group, char *err,
    size_t errsz)
{
	struct stat st;
	size_t len;
	char *pem = slurp(path, &len, &st, err, errsz);
	const char *why;
	EVP_PKEY *key = NULL;
	BIO *in;

	if (pem == NULL)
		return NULL;
	why = key_file_problem(&st, session_uid);
	if (why) {
		snprintf(err, errsz, "tls_key: %s %s; only root may read it "
		    "(chmod 600)", path, why);
		goto out;
	}
	if (warn_group && (st.st_mode & S_IRGRP))
		log_warn("tls_key: %s is readable by its group", path);
	in = TLS_FN(BIO_new_mem_buf)(pem, (int)len);
	if (in)
		key = TLS_FN(PEM_read_bio_PrivateKey)(in, NULL, NULL, NULL);
	TLS_FN(BIO_free)(in);
	if (key == NULL)
		snprintf(err, errsz, "tls_key: %s: no private key in it (PEM, "
		    "without a passphrase)", path);
out:
	explicit_bzero(pem, len);
	free(pem);
	return key;
}

static int
check_pair(EVP_PKEY *key, X509 *leaf, const char *cert, int *rsa_bits,
    char *err, size_t errsz)
{
	int type = TLS_FN(EVP_PKEY_get_base_id)(key);

	if (TLS_FN(X509_check_private_key)(leaf, key) != 1) {
		TLS_FN(ERR_clear_error)();
		snprintf(err, errsz, "tls_key does not belong to the first "
		    "certificate of %s", cert);
		return -1;
	}
	if (type == EVP_PKEY_RSA) {
		*rsa_bits = TLS_FN(EVP_PKEY_get_bits)(key);
		if (*rsa_bits < 2048 || *rsa_bits > IPC_SIGN_MAX * 8) {
			snprintf(err, errsz, "tls_key: an RSA key of %d bits; "
			    "2048 to 4096 are served", *rsa_bits);
			return -1;
		}
		return 0;
	}
	if (type == EVP_PKEY_EC) {
		*rsa_bits = 0;
		return 0;
	}
	snprintf(err, errsz, "tls_key: only RSA and ECDSA keys are served");
	return -1;
}

static void
warn_expiry(X509 *leaf, const char *cert)
{
	if (TLS_FN(X509_cmp_current_time)(TLS_FN(X509_get0_notAfter)(leaf)) <
	    0)
		log_warn("tls_cert: %s has expired; clients will refuse it",
		    cert);
}

int
tlskey_load(const struct config *cf, uid_t session_uid, char *err,
    size_t errsz)
{
	struct tls_gen g = { .memfd = -1 };
	struct stat st;
	X509 *leaf = NULL;
	BIO *out = NULL;
	char *pem = NULL;
	size_t len;
	int i, rc = -1, n;

	if (!tlslib_load(err, errsz))
		return -1;
	pem = slurp(cf->tls_cert, &len, &st, err, errsz);
	if (pem == NULL)
		return -1;
	out = TLS_FN(BIO_new)(TLS_FN(BIO_s_mem)());
	n = out ? copy_certs(pem, len, out, &leaf) : -1;
	if (n <= 0) {
		snprintf(err, errsz, "tls_cert: %s: no certificate in it (PEM)",
		    cf->tls_cert);
		goto out;
	}
	g.nchain = (uint32_t)n;
	g.key = load_key(cf->tls_key[0] ? cf->tls_key : cf->tls_cert,
	    session_uid, true, err, errsz);
	if (g.key == NULL ||
	    check_pair(g.key, leaf, cf->tls_cert, &g.rsa_bits, err, errsz) < 0)
		goto out;
	warn_expiry(leaf, cf->tls_cert);
	if (cf->tls_client_ca[0]) {
		free(pem);
		pem = slurp(cf->tls_client_ca, &len, &st, err, errsz);
		if (pem == NULL)
			goto out;
		n = copy_certs(pem, len, out, NULL);
		if (n <= 0) {
			snprintf(err, errsz, "tls_client_ca: %s: no certificate "
			    "in it (PEM)", cf->tls_client_ca);
			goto out;
		}
		g.nca = (uint32_t)n;
	}
	g.memfd = seal_certs(out, err, errsz);
	if (g.memfd < 0)
		goto out;
	for (i = 0; i < TLS_GENS && gens[i].gen; i++)
		;
	if (i == TLS_GENS) {
		snprintf(err, errsz, "%d certificate generations are still in "
		    "use by running sessions; try again later", TLS_GENS);
		goto out;
	}
	g.gen = ++last_gen;
	gens[i] = g;
	g.key = NULL;
	g.memfd = -1;
	current = gens[i].gen;
	tlskey_release(0);	/* frees the old one if no child has it */
	rc = 0;
out:
	if (g.key || g.memfd >= 0)
		gen_free(&g);
	TLS_FN(X509_free)(leaf);
	TLS_FN(BIO_free)(out);
	free(pem);
	return rc;
}

struct tls_handout
tlskey_hand_out(void)
{
	struct tls_gen *g = gen_find(current);
	struct tls_handout h = { 0, -1, 0, 0 };

	if (g == NULL)
		return h;
	g->users++;
	h.gen = g->gen;
	h.fd = g->memfd;
	h.nchain = g->nchain;
	h.nca = g->nca;
	return h;
}

unsigned
tlskey_current(void)
{
	return current;
}

void
tlskey_release(unsigned gen)
{
	struct tls_gen *g = gen_find(gen);
	int i;

	if (g && g->users > 0)
		g->users--;
	for (i = 0; i < TLS_GENS; i++)
		if (gens[i].gen && gens[i].gen != current &&
		    gens[i].users == 0)
			gen_free(&gens[i]);
}

/* DigestInfo headers (RFC 8017, 9.2 note 1) of what TLS 1.2 signs. */
static const uint8_t digestinfo_sha256[] = { 0x30, 0x31, 0x30, 0x0d, 0x06,
	0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
	0x04, 0x20 };
static const uint8_t digestinfo_sha384[] = { 0x30, 0x41, 0x30, 0x0d, 0x06,
	0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00,
	0x04, 0x30 };
static const uint8_t digestinfo_sha512[] = { 0x30, 0x51, 0x30, 0x0d, 0x06,
	0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00,
	0x04, 0x40 };

static bool
is_digestinfo(const uint8_t *d, size_t len)
{
	const uint8_t *const heads[] = { digestinfo_sha256, digestinfo_sha384,
	    digestinfo_sha512 };
	const size_t hlen[] = { 32, 48, 64 };
	size_t i;

	for (i = 0; i < 3; i++)
		if (len == sizeof(digestinfo_sha256) + hlen[i] &&
		    memcmp(d, heads[i], sizeof(digestinfo_sha256)) == 0)
			return true;
	return false;
}

/*
 * EMSA-PSS (RFC 8017, 9.1.2) up to the digest comparison, which needs
 * the message: EM = maskedDB || H || 0xbc, DB = 0..0 || 01 || salt with
 * a salt as long as the hash (what TLS uses).  A random block (a
 * ciphertext) has these zeros with a probability of about 2^-1500.
 */
static bool
is_pss_block(const uint8_t *em, size_t k, int bits)
{
	const EVP_MD *mds[3];
	size_t emlen = ((size_t)bits - 1 + 7) / 8, i, j;
	unsigned topbits = (unsigned)(8 * emlen - ((size_t)bits - 1));
	uint8_t db[IPC_SIGN_MAX];

	mds[0] = TLS_FN(EVP_sha256)();
	mds[1] = TLS_FN(EVP_sha384)();
	mds[2] = TLS_FN(EVP_sha512)();
	if (emlen < k) {		/* a leading zero octet */
		if (em[0] != 0)
			return false;
		em++;
	}
	if (em[emlen - 1] != 0xbc)
		return false;
	for (i = 0; i < 3; i++) {
		size_t hlen = (size_t)TLS_FN(EVP_MD_get_size)(mds[i]);
		size_t dblen = emlen - hlen - 1, zeros = dblen - hlen - 1;
		bool ok = true;

		if (emlen < 2 * hlen + 2)
			continue;
		if (TLS_FN(PKCS1_MGF1)(db, (long)dblen, em + dblen,
		    (long)hlen, mds[i]) != 0)
			continue;
		for (j = 0; j < dblen; j++)
			db[j] ^= em[j];
		if (topbits)
			db[0] &= (uint8_t)(0xff >> topbits);
		for (j = 0; j < zeros && ok; j++)
			ok = db[j] == 0;
		if (ok && db[zeros] == 0x01)
			return true;
	}
	return false;
}

const char *
tlskey_check_input(uint32_t op, int rsa_bits, const uint8_t *data,
    size_t len)
{
	size_t k = (size_t)(rsa_bits + 7) / 8;

	switch (op) {
	case SIGN_RSA_PKCS1:
		if (rsa_bits == 0)
			return "an RSA operation for an EC key";
		return is_digestinfo(data, len) ? NULL :
		    "not a DigestInfo of SHA-256, -384 or -512";
	case SIGN_RSA_PSS:
		if (rsa_bits == 0)
			return "an RSA operation for an EC key";
		if (len != k)
			return "a PSS block not of the key's size";
		return is_pss_block(data, k, rsa_bits) ? NULL :
		    "not a PSS-encoded digest";
	case SIGN_ECDSA:
		if (rsa_bits != 0)
			return "an ECDSA operation for an RSA key";
		return len == 32 || len == 48 || len == 64 ? NULL :
		    "not a SHA-256, -384 or -512 digest";
	}
	return "unknown key operation";
}

const char *
tlskey_sign(unsigned gen, const struct ipc_tls_sign *rq,
    struct ipc_sign_result *res)
{
	struct tls_gen *g = gen_find(gen);
	const char *why;
	unsigned int slen = 0;
	int n = -1;

	if (g == NULL)
		return "no certificate was given to it";
	why = tlskey_check_input(rq->op, g->rsa_bits, rq->data, rq->len);
	if (why)
		return why;
	if (rq->op == SIGN_ECDSA) {
		EC_KEY *ec = (EC_KEY *)TLS_FN(EVP_PKEY_get0_EC_KEY)(g->key);

		if ((size_t)TLS_FN(ECDSA_size)(ec) <= sizeof(res->sig) &&
		    TLS_FN(ECDSA_sign)(0, rq->data, (int)rq->len, res->sig,
		    &slen, ec) == 1)
			n = (int)slen;
	} else {
		RSA *rsa = (RSA *)TLS_FN(EVP_PKEY_get0_RSA)(g->key);

		n = TLS_FN(RSA_private_encrypt)((int)rq->len, rq->data,
		    res->sig, rsa, rq->op == SIGN_RSA_PSS ? RSA_NO_PADDING :
		    RSA_PKCS1_PADDING);
	}
	TLS_FN(ERR_clear_error)();
	if (n <= 0) {
		res->error = EIO;
		res->len = 0;
	} else {
		res->error = 0;
		res->len = (uint32_t)n;
	}
	return NULL;
}
