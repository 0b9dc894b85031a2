/*
 * limits.c - per-address bookkeeping in the master: how many sessions an
 * address has open (max_per_ip), and how many of its sessions crashed
 * lately.  An address whose sessions crashed crash_limit times within
 * crash_ban seconds is refused for crash_ban seconds: probing a memory
 * bug one crash at a time becomes slow.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../common/log.h"
#include "master.h"

#define HOST_BUCKETS 4096

struct host {
	struct host *next;
	uint8_t key[16];
	unsigned sessions;
	unsigned crashes;
	time_t window_start;	/* of the current crash count */
	time_t banned_until;
};

static struct host *buckets[HOST_BUCKETS];

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
find(const struct sock_addr *a, bool create)
{
	uint8_t key[16];
	unsigned b;
	struct host *h;

	addr_host_key(a, key);
	b = hash_key(key);
	for (h = buckets[b]; h; h = h->next)
		if (memcmp(h->key, key, 16) == 0)
			return h;
	if (!create)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		fatal("calloc");
	memcpy(h->key, key, 16);
	h->next = buckets[b];
	buckets[b] = h;
	return h;
}

/* Forget an address with nothing open and nothing held against it. */
static void
maybe_forget(struct host *h, time_t now)
{
	struct host **pp;
	unsigned b;

	if (h->sessions || h->banned_until > now || h->crashes)
		return;
	b = hash_key(h->key);
	for (pp = &buckets[b]; *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			free(h);
			return;
		}
}

enum limit_verdict
limits_check(struct master *m, const struct sock_addr *a)
{
	struct host *h = find(a, false);
	time_t now = time(NULL);

	if (h && h->banned_until > now)
		return LIMIT_BANNED;
	if (m->sessions >= (int)m->cf->max_clients)
		return LIMIT_TOTAL;
	if (h && m->cf->max_per_ip && h->sessions >= m->cf->max_per_ip)
		return LIMIT_PER_IP;
	if (h && h->crashes && now - h->window_start > (time_t)m->cf->crash_ban) {
		h->crashes = 0;
		maybe_forget(h, now);
	}
	return LIMIT_OK;
}

void
limits_add(const struct sock_addr *a)
{
	find(a, true)->sessions++;
}

void
limits_remove(const struct sock_addr *a)
{
	struct host *h = find(a, false);

	if (h == NULL || h->sessions == 0)
		return;
	h->sessions--;
	maybe_forget(h, time(NULL));
}

bool
limits_crash(struct master *m, const struct sock_addr *a)
{
	struct host *h = find(a, true);
	time_t now = time(NULL);

	if (m->cf->crash_limit == 0)
		return false;
	if (h->crashes == 0 || now - h->window_start > (time_t)m->cf->crash_ban) {
		h->crashes = 0;
		h->window_start = now;
	}
	if (++h->crashes < m->cf->crash_limit)
		return false;
	h->crashes = 0;
	h->banned_until = now + (time_t)m->cf->crash_ban;
	return true;
}
