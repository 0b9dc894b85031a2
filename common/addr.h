/*
 * addr.h - socket addresses: parsing `ADDR:PORT` / `[V6]:PORT`, printing,
 * host comparison (an IPv4-mapped IPv6 address is the IPv4 host), and the
 * fixed-layout form used on the privsep socketpair.
 */
#ifndef SANDFTPD_ADDR_H
#define SANDFTPD_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define ADDR_TEXT_MAX 64	/* "[v6addr]:65535" and then some */

/* The address of one socket end, as the master records it. */
struct sock_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Fixed layout for the wire: family AF_INET/AF_INET6, port host order. */
struct wire_addr {
	uint16_t family;
	uint16_t port;
	uint8_t addr[16];
};

int addr_parse_listen(const char *text, struct sock_addr *out);
int addr_parse_ip(const char *text, int family, struct sock_addr *out);

/* "192.0.2.1" or "2001:db8::1" (no port); always terminated. */
void addr_host_text(const struct sock_addr *a, char *buf, size_t n);
/* "192.0.2.1:21" or "[2001:db8::1]:21". */
void addr_text(const struct sock_addr *a, char *buf, size_t n);

int addr_family(const struct sock_addr *a);
uint16_t addr_port(const struct sock_addr *a);
void addr_set_port(struct sock_addr *a, uint16_t port);

/* Same host, ignoring ports; an IPv4-mapped IPv6 equals its IPv4 form. */
bool addr_same_host(const struct sock_addr *a, const struct sock_addr *b);

/* 16-byte host key (IPv4 as ::ffff:a.b.c.d) for tables keyed by host. */
void addr_host_key(const struct sock_addr *a, uint8_t key[16]);

void addr_to_wire(const struct sock_addr *a, struct wire_addr *w);
int addr_from_wire(const struct wire_addr *w, struct sock_addr *a);

#endif
