/*
 * test_tlskey.c - what the master signs for a child (tlskey.c): only
 * what a TLS handshake signs, never a block that could be a ciphertext.
 */
#include <check.h>
#include <string.h>

#include "../../common/ipc.h"
#include "../../common/tlslib.h"
#include "../../daemon/master/tlskey.h"
#include "suites.h"

static const uint8_t sha256_info[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09,
	0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
	0x20 };

static void
load(void)
{
	char err[256];

	ck_assert_msg(tlslib_load(err, sizeof(err)), "%s", err);
}

START_TEST(test_pkcs1_digestinfo)
{
	uint8_t d[IPC_SIGN_MAX];

	memset(d, 0x5a, sizeof(d));
	memcpy(d, sha256_info, sizeof(sha256_info));
	ck_assert_ptr_null(tlskey_check_input(SIGN_RSA_PKCS1, 2048, d,
	    sizeof(sha256_info) + 32));
	/* A digest of the wrong length, another header, raw bytes. */
	ck_assert_ptr_nonnull(tlskey_check_input(SIGN_RSA_PKCS1, 2048, d,
	    sizeof(sha256_info) + 31));
	d[5] ^= 1;
	ck_assert_ptr_nonnull(tlskey_check_input(SIGN_RSA_PKCS1, 2048, d,
	    sizeof(sha256_info) + 32));
	ck_assert_ptr_nonnull(tlskey_check_input(SIGN_RSA_PKCS1, 2048, d, 256));
	/* Not with an EC key. */
	d[5] ^= 1;
	ck_assert_ptr_nonnull(tlskey_check_input(SIGN_RSA_PKCS1, 0, d,
	    sizeof(sha256_info) + 32));
}
END_TEST

/* A PSS block (RFC 8017 9.1.1) for a 2048-bit key, SHA-256, 32-byte
 * salt: what OpenSSL hands the key in TLS 1.3. */
static void
pss_block(uint8_t em[256])
{
	uint8_t db[256 - 32 - 1], mask[sizeof(db)];
	size_t dblen = sizeof(db), i;

	memset(db, 0, dblen);
	db[dblen - 33] = 0x01;
	memset(db + dblen - 32, 0xa7, 32);		/* the salt */
	memset(em + dblen, 0x3c, 32);			/* H */
	ck_assert_int_eq(TLS_FN(PKCS1_MGF1)(mask, (long)dblen, em + dblen, 32,
	    TLS_FN(EVP_sha256)()), 0);
	for (i = 0; i < dblen; i++)
		em[i] = db[i] ^ mask[i];
	em[0] &= 0x7f;		/* emBits = 2047 */
	em[255] = 0xbc;
}

START_TEST(test_pss_block)
{
	uint8_t em[256], bad[256];
	size_t i;

	load();
	pss_block(em);
	ck_assert_ptr_null(tlskey_check_input(SIGN_RSA_PSS, 2048, em, 256));
	/* Any change to the padding, the trailer, the length. */
	memcpy(bad, em, 256);
	bad[40] ^= 0x01;
	ck_assert_ptr_nonnull(tlskey_check_input(SIGN_RSA_PSS, 2048, bad, 256));
	memcpy(bad, em, 256);
	bad[255] = 0xbd;
	ck_assert_ptr_nonnull(tlskey_check_input(SIGN_RSA_PSS, 2048, bad, 256));
	ck_assert_ptr_nonnull(tlskey_check_input(SIGN_RSA_PSS, 2048, em, 255));
	ck_assert_ptr_nonnull(tlskey_check_input(SIGN_RSA_PSS, 0, em, 256));
	/* A block that is not a PSS encoding (a ciphertext, say). */
	for (i = 0; i < 256; i++)
		bad[i] = (uint8_t)(i * 131 + 7);
	bad[255] = 0xbc;
	ck_assert_ptr_nonnull(tlskey_check_input(SIGN_RSA_PSS, 2048, bad, 256));
}
END_TEST

START_TEST(test_ecdsa_digest)
{
	uint8_t d[64] = { 0 };

	ck_assert_ptr_null(tlskey_check_input(SIGN_ECDSA, 0, d, 32));
	ck_assert_ptr_null(tlskey_check_input(SIGN_ECDSA, 0, d, 48));
	ck_assert_ptr_null(tlskey_check_input(SIGN_ECDSA, 0, d, 64));
	ck_assert_ptr_nonnull(tlskey_check_input(SIGN_ECDSA, 0, d, 20));
	ck_assert_ptr_nonnull(tlskey_check_input(SIGN_ECDSA, 0, d, 33));
	ck_assert_ptr_nonnull(tlskey_check_input(SIGN_ECDSA, 2048, d, 32));
	ck_assert_ptr_nonnull(tlskey_check_input(99, 0, d, 32));
}
END_TEST

Suite *
tlskey_suite(void)
{
	Suite *s = suite_create("tlskey");
	TCase *tc = tcase_create("inputs");

	tcase_add_test(tc, test_pkcs1_digestinfo);
	tcase_add_test(tc, test_pss_block);
	tcase_add_test(tc, test_ecdsa_digest);
	suite_add_tcase(s, tc);
	return s;
}
