/*
 * netlist.h - lists of networks in CIDR form (netlist.c), for
 * allow_networks and deny_networks: "10.0.0.0/8 2001:db8::/32 ::1",
 * separated by spaces or commas.  IPv4 networks match IPv4 clients and
 * IPv4-mapped IPv6 ones alike.
 */
#ifndef SANDFTPD_NETLIST_H
#define SANDFTPD_NETLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define NETLIST_MAX 64

struct net {
	uint8_t addr[16];	/* IPv4 as ::ffff:a.b.c.d (addr_host_key) */
	unsigned prefix;	/* bits of addr that count, 0-128 */
};

struct netlist {
	struct net n[NETLIST_MAX];
	int count;		/* 0: the list is empty */
};

/* Parse text (empty: an empty list); 0, or -1 with a reason in err. */
int netlist_parse(struct netlist *l, const char *text, char *err,
    size_t errsz);
bool netlist_match(const struct netlist *l, const struct sock_addr *a);

#endif
