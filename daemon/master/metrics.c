/*
 * metrics.c - the master's counters and gauges, written to metrics_file
 * in the Prometheus text exposition format (version 0.0.4): a temporary
 * file in the same directory, renamed over the old one, so a reader
 * never sees half a file.  Counters are only ever incremented (they
 * start again at 0 with the process, as Prometheus expects); gauges are
 * read from the master's table of children when written.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/strbuf.h"
#include "metrics.h"
#include "pool.h"

#define METRICS_MAX (64 * 1024)

struct metrics metrics;

static bool failing;	/* the last write failed (and was logged) */

static const char *const class_names[CLASS_COUNT] = {
	"anonymous", "local", "virtual",
};
static const char *const refusal_names[REFUSED_COUNT] = {
	"networks", "banned", "per_ip", "max_clients", "no_process",
	"tls_required", "handoffs",
};
static const char *const death_names[DEATH_COUNT] = {
	"exit", "signal", "killed", "retired",
};
static const char *const dir_names[DIR_COUNT] = { "out", "in" };

enum pool_state { ST_IDLE, ST_BUSY, ST_STARTING, ST_COUNT };
static const char *const state_names[ST_COUNT] = {
	"idle", "busy", "starting",
};

/* What is open now, from the master's own table. */
struct gauges {
	int prelogin;
	int sessions[CLASS_COUNT];
	int pool[POOL_CLASSES][ST_COUNT];
};

static const char *
pool_name(int pool)
{
	return pool == POOL_ANON_TLS ? "anonymous_tls" :
	    pool_kind_name((enum child_kind)pool);
}

static void
gather(const struct master *m, struct gauges *g)
{
	int i;

	memset(g, 0, sizeof(*g));
	for (i = 0; i < m->nchildren; i++) {
		const struct child *c = &m->children[i];
		int st;

		if (!c->used || c->reaped || c->pool <= 0 ||
		    c->pool >= POOL_CLASSES)
			continue;
		st = c->phase == PHASE_SETUP ? ST_STARTING :
		    c->phase == PHASE_IDLE ? ST_IDLE : ST_BUSY;
		g->pool[c->pool][st]++;
		if (!c->has_session)
			continue;
		if (c->phase == PHASE_PRELOGIN)
			g->prelogin++;
		else if (c->phase == PHASE_SESSION && c->kind == CHILD_ANON)
			g->sessions[CLASS_ANON]++;
		else if (c->phase == PHASE_SESSION)
			g->sessions[c->sess.login_class == CLASS_VIRTUAL ?
			    CLASS_VIRTUAL : CLASS_LOCAL]++;
	}
}

static void
family(struct strbuf *sb, const char *name, const char *type,
    const char *help)
{
	sb_appendf(sb, "# HELP sandftpd_%s %s\n# TYPE sandftpd_%s %s\n", name,
	    help, name, type);
}

static void
render(const struct master *m, struct strbuf *sb)
{
	struct gauges g;
	int i, j;

	gather(m, &g);
	family(sb, "connections_total", "counter",
	    "Client connections accepted and given to a session process.");
	sb_appendf(sb, "sandftpd_connections_total %llu\n",
	    (unsigned long long)metrics.connections);

	family(sb, "sessions", "gauge",
	    "Sessions open now, by class (prelogin: not logged in yet).");
	sb_appendf(sb, "sandftpd_sessions{class=\"prelogin\"} %d\n",
	    g.prelogin);
	for (i = 0; i < CLASS_COUNT; i++)
		sb_appendf(sb, "sandftpd_sessions{class=\"%s\"} %d\n",
		    class_names[i], g.sessions[i]);

	family(sb, "logins_total", "counter", "Logins, accepted and failed.");
	sb_appendf(sb, "sandftpd_logins_total{result=\"ok\"} %llu\n",
	    (unsigned long long)(metrics.logins_ok[CLASS_ANON] +
	    metrics.logins_ok[CLASS_LOCAL] + metrics.logins_ok[CLASS_VIRTUAL]));
	sb_appendf(sb, "sandftpd_logins_total{result=\"failed\"} %llu\n",
	    (unsigned long long)metrics.logins_failed);
	family(sb, "logins_accepted_total", "counter",
	    "Accepted logins, by class.");
	for (i = 0; i < CLASS_COUNT; i++)
		sb_appendf(sb, "sandftpd_logins_accepted_total{class=\"%s\"} "
		    "%llu\n", class_names[i],
		    (unsigned long long)metrics.logins_ok[i]);

	family(sb, "transfer_bytes_total", "counter",
	    "Bytes of files sent (out) and received (in) on data connections.");
	for (i = 0; i < DIR_COUNT; i++)
		sb_appendf(sb, "sandftpd_transfer_bytes_total{direction=\"%s\"} "
		    "%llu\n", dir_names[i], (unsigned long long)metrics.bytes[i]);
	family(sb, "transfers_total", "counter",
	    "File transfers, by direction, complete or not.");
	for (i = 0; i < DIR_COUNT; i++)
		for (j = 1; j >= 0; j--)
			sb_appendf(sb, "sandftpd_transfers_total{direction=\"%s\","
			    "status=\"%s\"} %llu\n", dir_names[i],
			    j ? "complete" : "incomplete",
			    (unsigned long long)metrics.transfers[i][j]);

	family(sb, "refusals_total", "counter",
	    "Clients refused, by reason.");
	for (i = 0; i < REFUSED_COUNT; i++)
		sb_appendf(sb, "sandftpd_refusals_total{reason=\"%s\"} %llu\n",
		    refusal_names[i], (unsigned long long)metrics.refusals[i]);

	family(sb, "child_deaths_total", "counter",
	    "Session processes that ended, by cause.");
	for (i = 0; i < DEATH_COUNT; i++)
		sb_appendf(sb, "sandftpd_child_deaths_total{cause=\"%s\"} %llu\n",
		    death_names[i], (unsigned long long)metrics.deaths[i]);

	family(sb, "pool_processes", "gauge",
	    "Session processes now, by pool and state.");
	for (i = CHILD_PRELOGIN; i < POOL_CLASSES; i++)
		for (j = 0; j < ST_COUNT; j++)
			sb_appendf(sb, "sandftpd_pool_processes{pool=\"%s\","
			    "state=\"%s\"} %d\n", pool_name(i), state_names[j],
			    g.pool[i][j]);
	family(sb, "processes", "gauge",
	    "Processes the master supervises (session processes).");
	sb_appendf(sb, "sandftpd_processes %d\n", m->live);
}

/* Write all of text to path through a temporary file beside it. */
static int
replace_file(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX + 16];
	const char *slash = strrchr(path, '/');
	int fd, n, e;
	size_t off = 0;

	n = snprintf(tmp, sizeof(tmp), "%.*s.%s.XXXXXX",
	    (int)(slash - path + 1), path, slash + 1);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0644) < 0)
		goto fail;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	e = errno ? errno : EIO;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
	return -1;
}

static int
write_now(struct master *m)
{
	struct strbuf sb;
	int rc;

	sb_init(&sb, METRICS_MAX);
	render(m, &sb);
	if (sb.overflow) {
		sb_free(&sb);
		errno = EOVERFLOW;
		return -1;
	}
	rc = replace_file(m->cf->metrics_file, sb_str(&sb), sb.len);
	sb_free(&sb);
	return rc;
}

int
metrics_open(struct master *m)
{
	return m->cf->metrics_file[0] ? write_now(m) : 0;
}

void
metrics_write(struct master *m)
{
	if (m->cf->metrics_file[0] == '\0')
		return;
	if (write_now(m) < 0) {
		if (!failing)
			log_err("metrics_file: %s: %s (logged once, until it "
			    "works again)", m->cf->metrics_file,
			    strerror(errno));
		failing = true;
	} else if (failing) {
		log_info("metrics_file: %s is written again",
		    m->cf->metrics_file);
		failing = false;
	}
}

void
metrics_status(const struct master *m, char *buf, size_t n)
{
	int i, logged_in = 0;

	for (i = 0; i < m->nchildren; i++)
		if (m->children[i].used && !m->children[i].reaped &&
		    m->children[i].phase == PHASE_SESSION)
			logged_in++;
	snprintf(buf, n, "%d sessions (%d logged in), %d processes%s; "
	    "logins %llu ok, %llu failed; transfers %llu out, %llu in; "
	    "bytes %llu out, %llu in",
	    m->sessions, logged_in, m->live, m->stopping ? ", stopping" : "",
	    (unsigned long long)(metrics.logins_ok[CLASS_ANON] +
	    metrics.logins_ok[CLASS_LOCAL] + metrics.logins_ok[CLASS_VIRTUAL]),
	    (unsigned long long)metrics.logins_failed,
	    (unsigned long long)(metrics.transfers[DIR_OUT][0] +
	    metrics.transfers[DIR_OUT][1]),
	    (unsigned long long)(metrics.transfers[DIR_IN][0] +
	    metrics.transfers[DIR_IN][1]),
	    (unsigned long long)metrics.bytes[DIR_OUT],
	    (unsigned long long)metrics.bytes[DIR_IN]);
}
