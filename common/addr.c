/*
 * addr.c - socket address parsing, printing and comparison.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "util.h"

int
addr_parse_ip(const char *text, int family, struct sock_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;

		if (inet_pton(AF_INET, text, &sin->sin_addr) != 1)
			return -1;
		sin->sin_family = AF_INET;
		out->len = sizeof(*sin);
		return 0;
	}
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

		if (inet_pton(AF_INET6, text, &sin6->sin6_addr) != 1)
			return -1;
		sin6->sin6_family = AF_INET6;
		out->len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

int
addr_parse_listen(const char *text, struct sock_addr *out)
{
	char host[ADDR_TEXT_MAX];
	const char *colon, *port_text;
	uint64_t port;
	int family;

	if (text[0] == '[') {
		const char *end = strchr(text, ']');

		if (end == NULL || end[1] != ':')
			return -1;
		if (str_copy_n(host, sizeof(host), text + 1,
		    (size_t)(end - text - 1)) < 0)
			return -1;
		port_text = end + 2;
		family = AF_INET6;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL || strchr(text, ':') != colon)
			return -1;
		if (str_copy_n(host, sizeof(host), text,
		    (size_t)(colon - text)) < 0)
			return -1;
		port_text = colon + 1;
		family = AF_INET;
	}
	if (parse_uint(port_text, 1, 65535, &port) < 0)
		return -1;
	if (addr_parse_ip(host, family, out) < 0)
		return -1;
	addr_set_port(out, (uint16_t)port);
	return 0;
}

int
addr_family(const struct sock_addr *a)
{
	return a->ss.ss_family;
}

uint16_t
addr_port(const struct sock_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

void
addr_set_port(struct sock_addr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

void
addr_host_text(const struct sock_addr *a, char *buf, size_t n)
{
	const void *raw = NULL;

	if (a->ss.ss_family == AF_INET)
		raw = &((const struct sockaddr_in *)&a->ss)->sin_addr;
	else if (a->ss.ss_family == AF_INET6)
		raw = &((const struct sockaddr_in6 *)&a->ss)->sin6_addr;
	if (raw == NULL || inet_ntop(a->ss.ss_family, raw, buf,
	    (socklen_t)n) == NULL)
		str_copy(buf, n, "?");
}

void
addr_text(const struct sock_addr *a, char *buf, size_t n)
{
	char host[ADDR_TEXT_MAX];

	addr_host_text(a, host, sizeof(host));
	if (a->ss.ss_family == AF_INET6)
		snprintf(buf, n, "[%s]:%u", host, addr_port(a));
	else
		snprintf(buf, n, "%s:%u", host, addr_port(a));
}

void
addr_host_key(const struct sock_addr *a, uint8_t key[16])
{
	memset(key, 0, 16);
	if (a->ss.ss_family == AF_INET) {
		key[10] = 0xff;
		key[11] = 0xff;
		memcpy(key + 12,
		    &((const struct sockaddr_in *)&a->ss)->sin_addr, 4);
	} else if (a->ss.ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
		    16);
	}
}

bool
addr_same_host(const struct sock_addr *a, const struct sock_addr *b)
{
	uint8_t ka[16], kb[16];

	if (a->ss.ss_family != AF_INET && a->ss.ss_family != AF_INET6)
		return false;
	if (b->ss.ss_family != AF_INET && b->ss.ss_family != AF_INET6)
		return false;
	addr_host_key(a, ka);
	addr_host_key(b, kb);
	return memcmp(ka, kb, 16) == 0;
}

void
addr_to_wire(const struct sock_addr *a, struct wire_addr *w)
{
	memset(w, 0, sizeof(*w));
	w->family = a->ss.ss_family;
	w->port = addr_port(a);
	if (a->ss.ss_family == AF_INET)
		memcpy(w->addr, &((const struct sockaddr_in *)&a->ss)->sin_addr,
		    4);
	else if (a->ss.ss_family == AF_INET6)
		memcpy(w->addr,
		    &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, 16);
}

int
addr_from_wire(const struct wire_addr *w, struct sock_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (w->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(w->port);
		memcpy(&sin->sin_addr, w->addr, 4);
		a->len = sizeof(*sin);
		return 0;
	}
	if (w->family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(w->port);
		memcpy(&sin6->sin6_addr, w->addr, 16);
		a->len = sizeof(*sin6);
		return 0;
	}
	return -1;
}
