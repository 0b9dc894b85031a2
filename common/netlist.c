/*
 * netlist.c - parsing CIDR lists and matching a client's address
 * against them.  Pure: no I/O.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "netlist.h"
#include "util.h"

/* Keep the first bits of a, clear the rest. */
static void
mask(uint8_t a[16], unsigned bits)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		a[i] &= (uint8_t)(0xff << (8 - bits));
		bits = 0;
	}
}

static int
parse_one(const char *word, struct net *out, char *err, size_t errsz)
{
	char host[64];
	const char *slash = strchr(word, '/');
	size_t hlen = slash ? (size_t)(slash - word) : strlen(word);
	uint64_t bits;
	struct in_addr v4;
	bool is_v4;

	if (hlen == 0 || str_copy_n(host, sizeof(host), word, hlen) < 0) {
		snprintf(err, errsz, "'%s' is not a network", word);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	is_v4 = inet_pton(AF_INET, host, &v4) == 1;
	if (is_v4) {
		out->addr[10] = out->addr[11] = 0xff;
		memcpy(out->addr + 12, &v4, 4);
	} else if (inet_pton(AF_INET6, host, out->addr) != 1) {
		snprintf(err, errsz, "'%s' is not an IPv4 or IPv6 address",
		    host);
		return -1;
	}
	bits = is_v4 ? 32 : 128;
	if (slash && parse_uint(slash + 1, 0, is_v4 ? 32 : 128, &bits) < 0) {
		snprintf(err, errsz, "'%s': the prefix length must be 0 to %d",
		    word, is_v4 ? 32 : 128);
		return -1;
	}
	out->prefix = (unsigned)bits + (is_v4 ? 96 : 0);
	mask(out->addr, out->prefix);
	return 0;
}

int
netlist_parse(struct netlist *l, const char *text, char *err, size_t errsz)
{
	char word[128];
	const char *p = text;

	l->count = 0;
	while (*p) {
		size_t n;

		p += strspn(p, " ,\t");
		n = strcspn(p, " ,\t");
		if (n == 0)
			break;
		if (str_copy_n(word, sizeof(word), p, n) < 0) {
			snprintf(err, errsz, "a network that is too long");
			return -1;
		}
		if (l->count >= NETLIST_MAX) {
			snprintf(err, errsz, "at most %d networks", NETLIST_MAX);
			return -1;
		}
		if (parse_one(word, &l->n[l->count], err, errsz) < 0)
			return -1;
		l->count++;
		p += n;
	}
	return 0;
}

bool
netlist_match(const struct netlist *l, const struct sock_addr *a)
{
	uint8_t key[16];
	int i;

	addr_host_key(a, key);
	for (i = 0; i < l->count; i++) {
		uint8_t k[16];

		memcpy(k, key, sizeof(k));
		mask(k, l->n[i].prefix);
		if (memcmp(k, l->n[i].addr, sizeof(k)) == 0)
			return true;
	}
	return false;
}
