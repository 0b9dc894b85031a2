/*
 * ftpaddr.c - parsing and formatting of PORT/EPRT/PASV/EPSV addresses.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "../../common/util.h"
#include "ftpaddr.h"

int
ftp_parse_port(const char *arg, struct sock_addr *out)
{
	unsigned v[6];
	int i;
	const char *p = arg;
	char ip[INET_ADDRSTRLEN];

	for (i = 0; i < 6; i++) {
		unsigned n = 0;
		int digits = 0;

		while (*p == ' ')
			p++;
		while (*p >= '0' && *p <= '9' && digits < 4) {
			n = n * 10 + (unsigned)(*p++ - '0');
			digits++;
		}
		while (*p == ' ')
			p++;
		if (digits == 0 || n > 255)
			return -1;
		v[i] = n;
		if (i < 5 && *p++ != ',')
			return -1;
	}
	if (*p != '\0')
		return -1;
	snprintf(ip, sizeof(ip), "%u.%u.%u.%u", v[0], v[1], v[2], v[3]);
	if (addr_parse_ip(ip, AF_INET, out) < 0)
		return -1;
	addr_set_port(out, (uint16_t)(v[4] * 256 + v[5]));
	return 0;
}

int
ftp_parse_eprt(const char *arg, struct sock_addr *out)
{
	char delim = arg[0];
	char proto[4], host[64], port[8];
	const char *f[4];
	uint64_t pnum, port_n;
	int i, family;

	/* RFC 2428: the delimiter is any printable ASCII except digits. */
	if (delim < 33 || delim > 126 || (delim >= '0' && delim <= '9'))
		return EPRT_SYNTAX;
	f[0] = arg + 1;
	for (i = 1; i < 4; i++) {
		f[i] = strchr(f[i - 1], delim);
		if (f[i] == NULL)
			return EPRT_SYNTAX;
		f[i]++;
	}
	if (*f[3] != '\0')
		return EPRT_SYNTAX;
	if (str_copy_n(proto, sizeof(proto), f[0], (size_t)(f[1] - f[0] - 1)) < 0 ||
	    str_copy_n(host, sizeof(host), f[1], (size_t)(f[2] - f[1] - 1)) < 0 ||
	    str_copy_n(port, sizeof(port), f[2], (size_t)(f[3] - f[2] - 1)) < 0)
		return EPRT_SYNTAX;
	if (parse_uint(proto, 0, 255, &pnum) < 0)
		return EPRT_SYNTAX;
	if (pnum == 1)
		family = AF_INET;
	else if (pnum == 2)
		family = AF_INET6;
	else
		return EPRT_FAMILY;
	if (parse_uint(port, 1, 65535, &port_n) < 0)
		return EPRT_SYNTAX;
	if (addr_parse_ip(host, family, out) < 0)
		return EPRT_SYNTAX;
	addr_set_port(out, (uint16_t)port_n);
	return EPRT_OK;
}

int
ftp_parse_epsv(const char *arg, int *proto, int *all)
{
	*proto = 0;
	*all = 0;
	if (*arg == '\0')
		return 0;
	if (str_casecmp(arg, "ALL") == 0) {
		*all = 1;
		return 0;
	}
	if (strcmp(arg, "1") == 0) {
		*proto = 1;
		return 0;
	}
	if (strcmp(arg, "2") == 0) {
		*proto = 2;
		return 0;
	}
	/* Another number: a protocol we do not speak (522); else syntax. */
	{
		uint64_t n;

		if (parse_uint(arg, 0, 255, &n) == 0) {
			*proto = -1;
			return 0;
		}
	}
	return -1;
}

void
ftp_format_pasv(const uint8_t addr[4], uint16_t port, char *buf, size_t n)
{
	snprintf(buf, n, "Entering Passive Mode (%u,%u,%u,%u,%u,%u).",
	    addr[0], addr[1], addr[2], addr[3], port >> 8, port & 0xff);
}

void
ftp_format_epsv(uint16_t port, char *buf, size_t n)
{
	snprintf(buf, n, "Entering Extended Passive Mode (|||%u|).", port);
}
