/*
 * ftpaddr.h - the address syntaxes of the FTP commands: PORT
 * (h1,h2,h3,h4,p1,p2), EPRT (|proto|addr|port|, RFC 2428), the EPSV
 * argument, and the 227/229 reply texts.  Pure parsing; the policy (same
 * host as the client, port >= 1024) is in datachan.c.
 */
#ifndef SANDFTPD_FTPADDR_H
#define SANDFTPD_FTPADDR_H

#include <stddef.h>
#include <stdint.h>

#include "../../common/addr.h"

enum eprt_result { EPRT_OK = 0, EPRT_SYNTAX = -1, EPRT_FAMILY = -2 };

int ftp_parse_port(const char *arg, struct sock_addr *out);
int ftp_parse_eprt(const char *arg, struct sock_addr *out);

/*
 * EPSV argument: "" (any), "1", "2" or "ALL".  *proto receives 0, 1 or 2;
 * *all is set for ALL.  -1 on a syntax error.
 */
int ftp_parse_epsv(const char *arg, int *proto, int *all);

/* "Entering Passive Mode (h1,h2,h3,h4,p1,p2)." */
void ftp_format_pasv(const uint8_t addr[4], uint16_t port, char *buf,
    size_t n);
/* "Entering Extended Passive Mode (|||port|)." */
void ftp_format_epsv(uint16_t port, char *buf, size_t n);

#endif
