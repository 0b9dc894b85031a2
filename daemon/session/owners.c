/*
 * owners.c - the names of owners and groups, from the master's table:
 * "u UID NAME" and "g GID NAME" lines, read once, kept sorted by id.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/util.h"
#include "owners.h"

#define TABLE_BYTES_MAX (4u << 20)

struct owner {
	uint32_t id;
	const char *name;
};

static struct owner *users, *groups;

/* The last name found, for the next entry of a listing, which most often
 * has the same owner: one comparison instead of a search. */
struct last_found {
	bool set;
	uint32_t id;
	const char *name;
};
static struct last_found last_user, last_group;
static size_t nusers, ngroups;
static bool loaded, hidden;

static int
by_id(const void *a, const void *b)
{
	const struct owner *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Runs before the sandbox: qsort's helpers (sysinfo) are allowed. */
static void
sort_owners(struct owner *v, size_t n)
{
	qsort(v, n, sizeof(*v), by_id);
}

void
owners_load(int fd)
{
	static char *buf;
	size_t len = 0, cap = 64 * 1024, nu = 0, ng = 0;
	char *p, *line;
	ssize_t r;

	last_user.set = last_group.set = false;
	buf = malloc(cap + 1);
	if (buf == NULL)
		return;
	while ((r = pread(fd, buf + len, cap - len, (off_t)len)) > 0) {
		len += (size_t)r;
		if (len == cap) {
			char *nb;

			if (cap >= TABLE_BYTES_MAX)
				break;
			nb = realloc(buf, cap * 2 + 1);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	for (p = buf; *p; p++)
		if (*p == '\n') {
			if (p[1] == 'u')
				nu++;
			else if (p[1] == 'g')
				ng++;
		}
	nu++;
	ng++;
	users = calloc(nu, sizeof(*users));
	groups = calloc(ng, sizeof(*groups));
	if (users == NULL || groups == NULL)
		return;
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long id;
		char kind, *end, *name;

		kind = line[0];
		if ((kind != 'u' && kind != 'g') || line[1] != ' ')
			continue;
		id = strtoul(line + 2, &end, 10);
		if (*end != ' ' || end[1] == '\0' || id > UINT32_MAX)
			continue;
		name = end + 1;
		if (kind == 'u' && nusers < nu)
			users[nusers++] = (struct owner){ (uint32_t)id, name };
		else if (kind == 'g' && ngroups < ng)
			groups[ngroups++] = (struct owner){ (uint32_t)id, name };
	}
	sort_owners(users, nusers);
	sort_owners(groups, ngroups);
	loaded = true;
}

static const char *
find(const struct owner *v, size_t n, uint32_t id, char *buf, unsigned bn)
{
	struct owner key = { id, NULL };
	const struct owner *o = n ? bsearch(&key, v, n, sizeof(key), by_id) :
	    NULL;

	if (o)
		return o->name;
	snprintf(buf, bn, "%u", (unsigned)id);
	return buf;
}

void
owners_hide(void)
{
	hidden = true;
}


static const char *
find_cached(struct last_found *last, const struct owner *v, size_t n,
    uint32_t id, char *buf, unsigned bn)
{
	const char *name;

	if (last->set && last->id == id)
		return last->name;
	name = find(v, n, id, buf, bn);
	if (name != buf)	/* a table's name; buf is the caller's */
		*last = (struct last_found){ true, id, name };
	return name;
}

const char *
owners_user(uint32_t uid, char *buf, unsigned n)
{
	return hidden ? "ftp" : find_cached(&last_user, users, nusers, uid,
	    buf, n);
}

const char *
owners_group(uint32_t gid, char *buf, unsigned n)
{
	return hidden ? "ftp" : find_cached(&last_group, groups, ngroups, gid,
	    buf, n);
}
