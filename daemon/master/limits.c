/*
 * limits.c - per-address bookkeeping in the master: open sessions,
 * crashes and bans, and the handoff budget.  An address whose sessions
 * crashed crash_limit times within crash_ban seconds is refused for
 * crash_ban seconds: probing a memory bug one crash at a time becomes
 * slow.  Failed logins count the same way (login_fail_limit within
 * login_fail_ban seconds: refused for login_fail_ban seconds), so
 * guessing passwords from many connections is slow too.  Records live in a hash table keyed by limits_key().
 */
#include <stdlib.h>
#include <string.h>

#include "../../common/log.h"
#include "bucket.h"
#include "../../common/config.h"
#include "limits.h"

#define HOST_BUCKETS 4096

struct host {
	struct host *next;
	uint8_t key[16];
	unsigned sessions;
	unsigned crashes;
	int64_t window_start;	/* of the current crash count */
	unsigned login_failures;
	int64_t fail_window_start;	/* of the current failure count */
	int64_t banned_until;
	struct bucket handoffs;
};

static const struct bucket_rate handoff_rate = {
	LIMITS_HANDOFF_BURST, LIMITS_HANDOFF_PER_TOKEN_MS,
};

static struct host *table[HOST_BUCKETS];
static size_t nhosts;
static struct limits_conf conf = { 50, 3, 300000, 64, 10, 600000 };

void
limits_init(const struct limits_conf *c)
{
	conf = *c;
}

void
limits_from_config(const struct config *cf)
{
	struct limits_conf lc = {
		cf->max_per_ip, cf->crash_limit,
		(int64_t)cf->crash_ban * 1000, cf->ipv6_limit_prefix,
		cf->login_fail_limit, (int64_t)cf->login_fail_ban * 1000,
	};

	limits_init(&lc);
}

void
limits_key(const struct sock_addr *a, uint8_t key[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };
	unsigned bits = conf.ipv6_prefix, i;

	addr_host_key(a, key);
	if (memcmp(key, mapped, sizeof(mapped)) == 0)
		return;		/* IPv4: the whole address */
	for (i = 0; i < 16; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		key[i] &= (uint8_t)(0xff00u >> bits);
		bits = 0;
	}
}

static unsigned
hash_key(const uint8_t key[16])
{
	uint32_t h = 2166136261u;
	int i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h % HOST_BUCKETS;
}

static struct host *
find(const struct sock_addr *a, bool create, int64_t now)
{
	uint8_t key[16];
	unsigned b;
	struct host *h;

	limits_key(a, key);
	b = hash_key(key);
	for (h = table[b]; h; h = h->next)
		if (memcmp(h->key, key, 16) == 0)
			return h;
	if (!create)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		fatal("calloc");
	memcpy(h->key, key, 16);
	bucket_fill(&h->handoffs, &handoff_rate, now);
	h->next = table[b];
	table[b] = h;
	nhosts++;
	return h;
}

/* Nothing open, no ban, no crash count, a full budget: nothing to keep. */
static bool
idle_record(struct host *h, int64_t now)
{
	if (h->crashes && now - h->window_start > conf.crash_ban_ms)
		h->crashes = 0;
	if (h->login_failures &&
	    now - h->fail_window_start > conf.login_fail_ban_ms)
		h->login_failures = 0;
	return h->sessions == 0 && h->banned_until <= now && h->crashes == 0 &&
	    h->login_failures == 0 && bucket_full(&h->handoffs, &handoff_rate, now);
}

static void
forget(struct host *h)
{
	struct host **pp;

	for (pp = &table[hash_key(h->key)]; *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			free(h);
			nhosts--;
			return;
		}
}

enum limit_verdict
limits_check(const struct sock_addr *a, int64_t now)
{
	struct host *h = find(a, false, now);

	if (h == NULL)
		return LIMIT_OK;
	if (h->banned_until > now)
		return LIMIT_BANNED;
	if (conf.max_per_ip && h->sessions >= conf.max_per_ip)
		return LIMIT_PER_IP;
	return LIMIT_OK;
}

void
limits_add(const struct sock_addr *a, int64_t now)
{
	find(a, true, now)->sessions++;
}

void
limits_remove(const struct sock_addr *a, int64_t now)
{
	struct host *h = find(a, false, now);

	if (h == NULL || h->sessions == 0)
		return;
	h->sessions--;
	if (idle_record(h, now))
		forget(h);
}

/*
 * Count one event of an address in a window: the count starts over when
 * the window is past.  When it reaches limit, the address is banned for
 * window_ms (a longer ban already running stays) and true is returned.
 */
static bool
count_and_ban(struct host *h, unsigned *count, int64_t *start,
    unsigned limit, int64_t window_ms, int64_t now)
{
	if (*count == 0 || now - *start > window_ms) {
		*count = 0;
		*start = now;
	}
	if (++*count < limit)
		return false;
	*count = 0;
	if (h->banned_until < now + window_ms)
		h->banned_until = now + window_ms;
	return true;
}

bool
limits_crash(const struct sock_addr *a, int64_t now)
{
	struct host *h;

	if (conf.crash_limit == 0)
		return false;
	h = find(a, true, now);
	return count_and_ban(h, &h->crashes, &h->window_start,
	    conf.crash_limit, conf.crash_ban_ms, now);
}

bool
limits_login_failed(const struct sock_addr *a, int64_t now)
{
	struct host *h;

	if (conf.login_fail_limit == 0)
		return false;
	h = find(a, true, now);
	return count_and_ban(h, &h->login_failures, &h->fail_window_start,
	    conf.login_fail_limit, conf.login_fail_ban_ms, now);
}

bool
limits_take_handoff(const struct sock_addr *a, int64_t now)
{
	return bucket_take(&find(a, true, now)->handoffs, &handoff_rate, now);
}

size_t
limits_expire(int64_t now)
{
	unsigned b;

	for (b = 0; b < HOST_BUCKETS; b++) {
		struct host *h = table[b], *next;

		for (; h; h = next) {
			next = h->next;
			if (idle_record(h, now))
				forget(h);
		}
	}
	return nhosts;
}
