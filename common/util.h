/*
 * util.h - small helpers used everywhere: array sizes, bounded string
 * copies and number parsing.  No system calls here.
 */
#ifndef SANDFTPD_UTIL_H
#define SANDFTPD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define SANDFTPD_VERSION "0.1.0"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

/*
 * Copy src into dst (size dstsz), always NUL-terminated.  Returns 0, or -1
 * when src did not fit (dst then holds a truncated copy).  Callers that
 * must not act on a truncated value check the result.
 */
int str_copy(char *dst, size_t dstsz, const char *src);

/* Copy exactly len bytes of src (which need not be terminated). */
int str_copy_n(char *dst, size_t dstsz, const char *src, size_t len);

/* Case-insensitive ASCII comparison; no locale. */
int str_casecmp(const char *a, const char *b);

/* ASCII upper-casing of a buffer in place. */
void str_upper(char *s);

/*
 * Parse a whole string as an unsigned decimal number in [min, max].
 * No sign, no spaces, no base prefixes.  Returns 0 or -1.
 */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* An octal number (digits 0-7 only, at most 12) up to max. */
int parse_octal(const char *s, uint64_t max, uint64_t *out);

/*
 * A local account name as useradd makes them: letters, digits, '_', '-',
 * '.', '$' (not first '-'), 1 to max - 1 bytes.
 */
bool str_is_account_name(const char *s, size_t max);

/* True when buf[0..n) contains a NUL (a terminated C string within n). */
bool str_terminated(const char *buf, size_t n);

/* True when s holds no control byte and no DEL (UTF-8 passes). */
bool str_printable(const char *s);

#endif
