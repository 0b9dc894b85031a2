/*
 * test_ascii.c - TYPE A conversion (daemon/session/ascii.c): on the way
 * out bare LF to CRLF, CRLF kept, a CRLF split across chunks, ascii_extra;
 * on the way in CRLF to LF at every split.
 */
#include <check.h>
#include <string.h>

#include "../../common/util.h"
#include "../../daemon/session/ascii.h"
#include "suites.h"

/* Convert in as one chunk from a fresh state; the result must be want. */
static void
expect_conv(const char *in, const char *want)
{
	char out[256];
	bool cr = false, cr2 = false;
	size_t n = strlen(in), o;

	ck_assert_uint_le(2 * n, sizeof(out));
	o = ascii_to_crlf(in, n, out, &cr);
	ck_assert_uint_eq(o, strlen(want));
	ck_assert_msg(memcmp(out, want, o) == 0, "\"%s\" converted wrongly",
	    in);
	ck_assert_uint_eq(ascii_extra(in, n, &cr2), o - n);
	ck_assert(cr == cr2);
	ck_assert(cr == (n > 0 && in[n - 1] == '\r'));
}

START_TEST(test_convert)
{
	expect_conv("", "");
	expect_conv("abc", "abc");
	expect_conv("a\nb\n", "a\r\nb\r\n");
	expect_conv("\n", "\r\n");
	expect_conv("\n\n\n", "\r\n\r\n\r\n");
	expect_conv("a\r\nb\r\n", "a\r\nb\r\n");
	expect_conv("\r\r\n", "\r\r\n");
	expect_conv("a\rb", "a\rb");
	expect_conv("a\r", "a\r");
	expect_conv("\r\n\n", "\r\n\r\n");
	expect_conv("x\n\r\ny\r", "x\r\n\r\ny\r");
}
END_TEST

START_TEST(test_split_crlf)
{
	char out[64];
	bool cr = false;
	size_t o;
	uint64_t extra;

	o = ascii_to_crlf("line\r", 5, out, &cr);
	ck_assert_uint_eq(o, 5);
	ck_assert(cr);
	o = ascii_to_crlf("\nnext\n", 6, out, &cr);
	ck_assert_uint_eq(o, 7);
	ck_assert(memcmp(out, "\nnext\r\n", 7) == 0);
	ck_assert(!cr);

	/* A CR not followed by LF does not excuse a later LF. */
	cr = false;
	o = ascii_to_crlf("a\r", 2, out, &cr);
	o = ascii_to_crlf("b\n", 2, out, &cr);
	ck_assert_uint_eq(o, 3);
	ck_assert(memcmp(out, "b\r\n", 3) == 0);

	/* An empty chunk keeps the state. */
	cr = true;
	ck_assert_uint_eq(ascii_to_crlf("", 0, out, &cr), 0);
	ck_assert(cr);
	o = ascii_to_crlf("\n", 1, out, &cr);
	ck_assert_uint_eq(o, 1);

	cr = false;
	extra = ascii_extra("a\r", 2, &cr);
	ck_assert_uint_eq(extra, 0);
	extra = ascii_extra("\nb\n", 3, &cr);
	ck_assert_uint_eq(extra, 1);
	cr = false;
	ck_assert_uint_eq(ascii_extra("\nb\n", 3, &cr), 2);
}
END_TEST

START_TEST(test_extra_agrees)
{
	static const char alphabet[] = "\r\nx";
	char in[512], out[1024], whole[1024];
	size_t i, split, o, total;
	unsigned seed = 12345;
	int round;

	for (round = 0; round < 200; round++) {
		for (i = 0; i < sizeof(in); i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = alphabet[(seed >> 16) % 3];
		}
		/* The reference: a CR before every LF that lacks one. */
		for (i = 0, total = 0; i < sizeof(in); i++) {
			if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
				whole[total++] = '\r';
			whole[total++] = in[i];
		}
		for (split = 0; split <= sizeof(in); split += 37) {
			bool cr = false, cre = false;
			uint64_t extra;

			o = ascii_to_crlf(in, split, out, &cr);
			extra = ascii_extra(in, split, &cre);
			o += ascii_to_crlf(in + split, sizeof(in) - split,
			    out + o, &cr);
			extra += ascii_extra(in + split, sizeof(in) - split,
			    &cre);
			ck_assert_uint_eq(o, total);
			ck_assert(memcmp(out, whole, o) == 0);
			ck_assert_uint_eq(extra, total - sizeof(in));
		}
	}
}
END_TEST

/*
 * Uploads: CRLF to LF, fed in every split into two chunks, with a held
 * CR written at the end as the upload code does.
 */
static void
expect_inbound(const char *in, const char *want)
{
	size_t n = strlen(in), cut;

	for (cut = 0; cut <= n; cut++) {
		char out[256];
		bool held = false;
		size_t o = ascii_from_crlf(in, cut, out, &held);

		o += ascii_from_crlf(in + cut, n - cut, out + o, &held);
		if (held)
			out[o++] = '\r';
		ck_assert_msg(o == strlen(want) && memcmp(out, want, o) == 0,
		    "\"%s\" split at %zu converted wrongly", in, cut);
	}
}

START_TEST(test_inbound)
{
	expect_inbound("", "");
	expect_inbound("abc", "abc");
	expect_inbound("a\r\nb\r\n", "a\nb\n");
	expect_inbound("a\nb", "a\nb");		/* bare LF stays */
	expect_inbound("a\rb", "a\rb");		/* bare CR stays */
	expect_inbound("a\r", "a\r");		/* CR at the very end */
	expect_inbound("\r\r\n", "\r\n");
	expect_inbound("\r\r\r", "\r\r\r");
	expect_inbound("\r\n\r\n", "\n\n");
}
END_TEST

Suite *
ascii_suite(void)
{
	Suite *s = suite_create("ascii");
	TCase *tc = tcase_create("ascii");

	tcase_add_test(tc, test_convert);
	tcase_add_test(tc, test_split_crlf);
	tcase_add_test(tc, test_extra_agrees);
	tcase_add_test(tc, test_inbound);
	suite_add_tcase(s, tc);
	return s;
}
