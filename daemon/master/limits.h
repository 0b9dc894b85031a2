/*
 * limits.h - what the master holds against a client address: its open
 * sessions (max_per_ip), its recent crashes and a ban, and its budget of
 * handoffs beyond each connection's first login (REIN and the logins
 * after it).  IPv6 addresses count by their prefix (ipv6_limit_prefix,
 * default /64: one subscriber's network), IPv4 by the whole address.
 * Records of addresses with nothing open and nothing held against them
 * are forgotten.
 *
 * Times are CLOCK_MONOTONIC milliseconds given by the caller.
 */
#ifndef SANDFTPD_LIMITS_H
#define SANDFTPD_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../../common/addr.h"

/* The handoff budget of one address: 40, then four a second. */
#define LIMITS_HANDOFF_BURST 40
#define LIMITS_HANDOFF_PER_TOKEN_MS 250

struct limits_conf {
	unsigned max_per_ip;	/* 0: no limit */
	unsigned crash_limit;	/* 0: never ban */
	int64_t crash_ban_ms;
	unsigned ipv6_prefix;	/* 16..128 */
	unsigned login_fail_limit;	/* 0: never ban */
	int64_t login_fail_ban_ms;
};

/* LIMIT_TOTAL (max_clients) is the master's own count, not kept here. */
enum limit_verdict { LIMIT_OK, LIMIT_BANNED, LIMIT_TOTAL, LIMIT_PER_IP };

void limits_init(const struct limits_conf *conf);
/* limits_init with the values of a configuration (start, SIGHUP). */
struct config;
void limits_from_config(const struct config *cf);
/* The 16-byte key an address is counted under. */
void limits_key(const struct sock_addr *a, uint8_t key[16]);
enum limit_verdict limits_check(const struct sock_addr *a, int64_t now);
void limits_add(const struct sock_addr *a, int64_t now);
void limits_remove(const struct sock_addr *a, int64_t now);
/* A session from a crashed: true when this starts a ban. */
bool limits_crash(const struct sock_addr *a, int64_t now);
/* One handoff from this address: false when its budget is spent. */
/* A failed login from a; true when it starts a ban of the address. */
bool limits_login_failed(const struct sock_addr *a, int64_t now);
bool limits_take_handoff(const struct sock_addr *a, int64_t now);
/* Forget what no longer matters; returns how many records remain. */
size_t limits_expire(int64_t now);

#endif
