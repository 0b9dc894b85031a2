/*
 * metrics.h - the master's counters (metrics.c): what happened since it
 * started, counted where it happens, and the gauges read from its own
 * tables when they are written out: to metrics_file, in the Prometheus
 * text exposition format, and as the service manager's STATUS= text.
 */
#ifndef SANDFTPD_METRICS_H
#define SANDFTPD_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct master;

/* Which kind of login a session made. */
enum metric_class { CLASS_ANON, CLASS_LOCAL, CLASS_VIRTUAL, CLASS_COUNT };

/* Why a client was refused (a 421, or a login refused outright). */
enum metric_refusal {
	REFUSED_NETWORKS,	/* allow_networks, deny_networks */
	REFUSED_BANNED,		/* crash or failed-login ban of its address */
	REFUSED_PER_IP,		/* max_per_ip */
	REFUSED_MAX_CLIENTS,	/* max_clients */
	REFUSED_NO_CHILD,	/* no pre-login child, or none for the login */
	REFUSED_TLS_REQUIRED,	/* a login in clear where TLS is required */
	REFUSED_HANDOFFS,	/* too many logins and REINs */
	REFUSED_COUNT
};

/* How a child ended. */
enum metric_death {
	DEATH_EXIT,		/* it exited */
	DEATH_SIGNAL,		/* a signal it did not get from us */
	DEATH_KILLED,		/* killed by us: a bad request, a timeout */
	DEATH_RETIRED,		/* ended by us once its session moved on */
	DEATH_COUNT
};

enum metric_direction { DIR_OUT, DIR_IN, DIR_COUNT };

struct metrics {
	uint64_t connections;		/* accepted and given to a child */
	uint64_t logins_ok[CLASS_COUNT];
	uint64_t logins_failed;
	uint64_t bytes[DIR_COUNT];
	uint64_t transfers[DIR_COUNT][2];	/* [.][1]: complete */
	uint64_t refusals[REFUSED_COUNT];
	uint64_t deaths[DEATH_COUNT];
};

extern struct metrics metrics;

/*
 * metrics_file: check that it can be written (0, or -1 with errno), at
 * start, so a wrong path stops the server instead of going unnoticed.
 */
int metrics_open(struct master *m);
/* Write the file now (atomically: a temporary file, then rename). */
void metrics_write(struct master *m);
/* The STATUS= text: the live counts and the main totals. */
void metrics_status(const struct master *m, char *buf, size_t n);

#endif
