/*
 * pool.c - the master's children: spawning them ahead of demand by clone
 * and exec of our own binary (a fresh address-space layout and stack
 * canary for every session; fork alone would share them), keeping
 * pool_spare of each kind idle, and reaping them with a cause of death.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/log.h"
#include "../../common/sys.h"
#include "../../sandbox/sandbox.h"
#include "authjob.h"
#include "handoff.h"
#include "limits.h"
#include "metrics.h"
#include "monitor.h"
#include "pool.h"
#include "reap.h"
#include "tlskey.h"

extern char **environ;

#define SPAWN_HOLD_MAX_MS 5000

/* Slot numbers of idle children, by kind. */
static int *idle_stack[POOL_CLASSES];

const char *
pool_kind_name(enum child_kind k)
{
	switch (k) {
	case CHILD_ANON:
		return "anonymous";
	case CHILD_USER:
		return "user";
	default:
		return "login";
	}
}

const char *
pool_child_label(const struct child *c, char *buf, size_t n)
{
	char fields[SESSION_FIELDS_MAX];

	if (c->has_session) {
		snprintf(buf, n, "%s %s child %ld",
		    master_session_fields(&c->sess, fields, sizeof(fields)),
		    pool_kind_name(c->kind), (long)c->pid);
	} else {
		snprintf(buf, n, "%s child %ld", pool_kind_name(c->kind),
		    (long)c->pid);
	}
	return buf;
}

static int
max_children(const struct master *m)
{
	return 2 * (int)m->cf->max_clients + 4 * (int)m->cf->pool_spare + 16;
}

void
pool_init(struct master *m)
{
	int k;

	for (k = 0; k < POOL_CLASSES; k++) {
		idle_stack[k] = calloc(m->cf->pool_spare + 1024, sizeof(int));
		if (idle_stack[k] == NULL)
			fatal("calloc");
	}
}

/*
 * With tens of thousands of sessions, nothing done per spawn or per death
 * may look at every child: free slots are a stack, and a child is found
 * by its pid in a hash table (open addressing, linear probing).
 */
static int *free_slots;
static int nfree;

struct pid_entry {
	pid_t pid;		/* 0: empty */
	int slot;
};
static struct pid_entry *pid_map;
static size_t pid_map_cap, pid_map_n;	/* cap: a power of two */

static size_t
pid_home(pid_t pid)
{
	return ((size_t)(uint32_t)pid * 2654435761u) & (pid_map_cap - 1);
}

static int
pid_map_put(pid_t pid, int slot)
{
	size_t i;

	if (2 * (pid_map_n + 1) > pid_map_cap) {
		struct pid_entry *old = pid_map;
		size_t oldcap = pid_map_cap, k;
		size_t ncap = pid_map_cap ? pid_map_cap * 2 : 256;
		struct pid_entry *t = calloc(ncap, sizeof(*t));

		if (t == NULL)
			return -1;
		pid_map = t;
		pid_map_cap = ncap;
		for (k = 0; k < oldcap; k++)
			if (old[k].pid) {
				for (i = pid_home(old[k].pid); pid_map[i].pid;
				    i = (i + 1) & (pid_map_cap - 1))
					;
				pid_map[i] = old[k];
			}
		free(old);
	}
	for (i = pid_home(pid); pid_map[i].pid; i = (i + 1) & (pid_map_cap - 1))
		;
	pid_map[i] = (struct pid_entry){ pid, slot };
	pid_map_n++;
	return 0;
}

static int
pid_map_find(pid_t pid)
{
	size_t i;

	if (pid_map_cap == 0)
		return -1;
	for (i = pid_home(pid); pid_map[i].pid; i = (i + 1) & (pid_map_cap - 1))
		if (pid_map[i].pid == pid)
			return (int)i;
	return -1;
}

/* Remove, shifting back the entries after it that probed past it. */
static void
pid_map_remove(pid_t pid)
{
	size_t mask = pid_map_cap - 1, i, j, home;
	int at = pid_map_find(pid);

	if (at < 0)
		return;
	i = (size_t)at;
	for (j = (i + 1) & mask; pid_map[j].pid; j = (j + 1) & mask) {
		home = pid_home(pid_map[j].pid);
		/* Movable to i if its home is not in (i, j] cyclically. */
		if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
			pid_map[i] = pid_map[j];
			i = j;
		}
	}
	pid_map[i].pid = 0;
	pid_map_n--;
}

/* A slot's child is gone: the slot is free again. */
static void
release_slot(struct master *m, struct child *c)
{
	pid_map_remove(c->pid);
	c->used = false;
	free_slots[nfree++] = (int)(c - m->children);
}

static int
alloc_slot(struct master *m)
{
	struct child *grown;
	int *fs, i, n;

	if (nfree > 0)
		return free_slots[--nfree];
	n = m->nchildren ? m->nchildren * 2 : 64;
	grown = realloc(m->children, (size_t)n * sizeof(*grown));
	if (grown == NULL)
		return -1;
	memset(grown + m->nchildren, 0,
	    (size_t)(n - m->nchildren) * sizeof(*grown));
	m->children = grown;
	fs = realloc(free_slots, (size_t)n * sizeof(*fs));
	if (fs == NULL)
		return -1;	/* the table grew; the next spawn tries again */
	free_slots = fs;
	/* The new slots but the first, lowest on top. */
	for (i = n - 1; i > m->nchildren; i--)
		free_slots[nfree++] = i;
	i = m->nchildren;
	m->nchildren = n;
	return i;
}

/* Close every descriptor from 3 up except the (up to three) in keep. */
static void
close_all_but(const int *keep, int n)
{
	int lo = 3, i, j, k[3];

	for (i = 0; i < n; i++)	/* sort the few keepers */
		k[i] = keep[i];
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && k[j - 1] > k[j]; j--) {
			int t = k[j];

			k[j] = k[j - 1];
			k[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		if (k[i] > lo)
			close_range((unsigned)lo, (unsigned)k[i] - 1, 0);
		if (k[i] + 1 > lo)
			lo = k[i] + 1;
	}
	close_range((unsigned)lo, ~0U, 0);
}

/*
 * A private descriptor table holding the master's entries below the
 * highest of keep, and nothing above: close_range's CLOSE_RANGE_UNSHARE
 * copies only the entries below the range when the range runs to the
 * end.  Kernels before 5.9 lack it: there the whole table is copied
 * (unshare), as clone without CLONE_FILES would have done.
 */
static int
unshare_low_descriptors(const int *keep, int n)
{
	int i, lo = 3;

	for (i = 0; i < n; i++)
		if (keep[i] + 1 > lo)
			lo = keep[i] + 1;
	if (close_range((unsigned)lo, ~0U, CLOSE_RANGE_UNSHARE) == 0)
		return 0;
	return unshare(CLONE_FILES);
}

/*
 * In the forked child: arrange descriptors and exec the child binary.
 * 0-2 become /dev/null (a child writes nothing but through the master's
 * LOG request), 3 the socketpair, 4 our binary (close-on-exec: fexecve
 * needs it only until the exec).
 */
NORETURN static void
exec_child(struct master *m, int exe_fd, int ipc_end, const char *name,
    const char *arg)
{
	char *argv[] = { (char *)name, (char *)arg, NULL };
	char *envp[8];
	int n = 0, hi_ipc, hi_exe, hi_null;
	int keep[3] = { ipc_end, exe_fd, m->devnull };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Until here this process shares the master's descriptor table
	 * (CLONE_FILES): take a copy of its first few entries only, which
	 * hold the three we keep (pool_fork_exec put them there), so a spawn
	 * costs the same with 20,000 sessions open as with none. */
	if (unshare_low_descriptors(keep, 3) < 0)
		_exit(126);
	/* Then drop the master's other descriptors: with them gone there
	 * is room to move ours even when the master is at its limit. */
	close_all_but(keep, 3);
	/* Move all three above 4 first, so placing one cannot overwrite
	 * another, then put them in place. */
	hi_ipc = fcntl(ipc_end, F_DUPFD_CLOEXEC, 5);
	hi_exe = fcntl(exe_fd, F_DUPFD_CLOEXEC, 5);
	hi_null = fcntl(m->devnull, F_DUPFD_CLOEXEC, 5);
	if (hi_ipc < 0 || hi_exe < 0 || hi_null < 0 ||
	    dup2(hi_null, 0) < 0 || dup2(hi_null, 1) < 0 ||
	    dup2(hi_null, 2) < 0 || dup2(hi_ipc, IPC_CHILD_FD) < 0 ||
	    dup3(hi_exe, 4, O_CLOEXEC) < 0)
		_exit(126);
	close_range(5, ~0U, 0);
#ifdef SANDFTPD_SANITIZE
	for (char **e = environ; *e && n < 6; e++)
		if (strncmp(*e, "ASAN_OPTIONS=", 13) == 0 ||
		    strncmp(*e, "UBSAN_OPTIONS=", 14) == 0 ||
		    strncmp(*e, "LSAN_OPTIONS=", 13) == 0)
			envp[n++] = *e;
#endif
	envp[n] = NULL;
	fexecve(4, argv, envp);
	_exit(127);
}

struct exec_args {
	struct master *m;
	int exe_fd, ipc_end;
	const char *name, *arg;
};

static int
exec_child_fn(void *p)
{
	const struct exec_args *a = p;

	exec_child(a->m, a->exe_fd, a->ipc_end, a->name, a->arg);
}

/*
 * The session binary, sandftpd-session beside us (sandftpd-testhooks-
 * session beside the test build): the child code alone, linked
 * statically (Makefile).  A child that starts from it has no dynamic
 * loader to run, no relocations to apply and no shared library's
 * private pages.  Measured beside this binary (200 idle anonymous
 * sessions; 16 clients logging in): an idle session's PSS 217 -> 149
 * kB, logins 742 -> 951/s.  It cannot load OpenSSL, so FTPS children
 * run this binary instead.
 *
 * It is run as root's children run (before they drop everything), so it
 * must be as safe as we are: a regular file owned by root or by our own
 * user, writable by its owner only, else the start fails.  Where there
 * is none (a copy of sandftpd alone), every child runs this binary.
 */
int
pool_open_session_binary(const struct master *m)
{
	static const char suffix[] = "-session";
	char path[4096];
	struct stat st;
	ssize_t n;
	int fd;

	n = readlink("/proc/self/exe", path, sizeof(path) - sizeof(suffix));
	if (n <= 0 || (size_t)n >= sizeof(path) - sizeof(suffix)) {
		log_warn("/proc/self/exe: %s; every child runs this binary",
		    n < 0 ? strerror(errno) : "too long");
		return m->exe_fd;
	}
	memcpy(path + n, suffix, sizeof(suffix));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		log_info("%s: %s; every child runs this binary", path,
		    strerror(errno));
		return m->exe_fd;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 ||
	    (st.st_uid != 0 && st.st_uid != geteuid()))
		fatalx("%s: not a regular file of root or of uid %u, writable "
		    "by its owner only", path, (unsigned)geteuid());
	return fd;
}

/*
 * The child runs on this stack from clone until its exec.  CLONE_VFORK
 * suspends the master meanwhile, so one stack serves every spawn.
 */
static char spawn_stack[64 * 1024] __attribute__((aligned(64)));

/*
 * Spawning is clone(CLONE_VM | CLONE_VFORK), as posix_spawn does, not
 * fork: the child only arranges descriptors and execs, so copying the
 * master's page tables (which grow with max_clients) and taking
 * copy-on-write faults in the master afterwards would be pure cost, paid
 * for every session.  The child writes nothing of the master's memory
 * but its own stack above and errno; the exec gives it an address space
 * of its own.  CLONE_FILES for the same reason: the child shares our
 * descriptor table until it takes a copy of the few entries it needs,
 * where a plain clone would copy every entry (one per session held) and
 * the child then close them all.
 */
pid_t
pool_fork_exec(struct master *m, int exe_fd, const char *name,
    const char *arg, int *fd)
{
	struct exec_args a;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("socketpair: %s", strerror(errno));
		return -1;
	}
	/* The child's end goes into the low slot reserved for it, beside
	 * exe_fd and devnull, so that the child copies only the first few
	 * entries of our table (unshare_low_descriptors). */
	if (dup3(sv[1], m->spawn_fd, O_CLOEXEC) < 0) {
		log_warn("dup3: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	close(sv[1]);
	a = (struct exec_args){ m, exe_fd, m->spawn_fd, name, arg };
	pid = clone(exec_child_fn, spawn_stack + sizeof(spawn_stack),
	    CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, &a);
	/* The slot holds /dev/null again: our copy of the child's end is
	 * closed, as the child's own must be the only one left. */
	(void)dup3(m->devnull, m->spawn_fd, O_CLOEXEC);
	if (pid < 0) {
		log_warn("clone: %s", strerror(errno));
		close(sv[0]);
		return -1;
	}
	sys_set_nonblock(sv[0], 1);
	*fd = sv[0];
	return pid;
}

/*
 * The seccomp filter of a child, as a program in a sealed memfd
 * (seccomp_program_make): compiled once per policy, TLS or not, and
 * seccomp_debug setting, and handed to every child of that kind, which
 * loads it instead of compiling its own.  Test builds with sanitizers
 * compile one per child: their extra rules name the child's pid.
 */
static int
filter_program(struct master *m, enum seccomp_policy policy, bool tls,
    pid_t pid)
{
	static int made[POLICY_SESSION_RW + 1][2][2];
	static bool init;
	bool debug = m->cf->seccomp_debug;
	int *slot;

#ifdef SANDFTPD_SANITIZE
	return seccomp_program_make(policy, debug, tls, pid);
#endif
	(void)pid;
	if (!init) {
		memset(made, 0xff, sizeof(made));	/* all -1 */
		init = true;
	}
	slot = &made[policy][tls][debug];
	if (*slot < 0)
		*slot = seccomp_program_make(policy, debug, tls, 0);
	return *slot;
}

static const char *
process_name(enum child_kind kind)
{
	switch (kind) {
	case CHILD_ANON:
		return "sandftpd-anon";
	case CHILD_USER:
		return "sandftpd-user";
	default:
		return "sandftpd-login";
	}
}

/* Fork and exec a child of this kind and send it its settings; its
 * slot, or -1. */
static int
spawn(struct master *m, int pool, const struct child_identity *id,
    int root_fd)
{
	enum child_kind kind = pool == POOL_ANON_TLS ? CHILD_ANON :
	    (enum child_kind)pool;
	bool want_tls = pool == POOL_ANON_TLS || pool == CHILD_PRELOGIN ||
	    (id && id->tls);
	struct ipc_child_init w;
	struct tls_handout tls;
	struct child *c;
	int slot, fd, fds[5], nfds, prog_slot;
	pid_t pid;

	slot = alloc_slot(m);
	if (slot < 0)
		return -1;
	/* FTPS: the certificates, never the key (tlskey.c).  A child that
	 * gets them loads OpenSSL, so it runs our own (dynamic) binary; any
	 * other runs the static session binary. */
	tls = want_tls ? tlskey_hand_out() : (struct tls_handout){ 0, -1, 0, 0 };
	pid = pool_fork_exec(m, tls.gen ? m->exe_fd : m->session_exe_fd,
	    process_name(kind), CHILD_ARG, &fd);
	if (pid < 0) {
		if (tls.gen)
			tlskey_release(tls.gen);
		return -1;
	}

	c = &m->children[slot];
	memset(c, 0, sizeof(*c));
	c->used = true;
	c->pid = pid;
	c->serial = ++m->next_child_serial;
	if (pid_map_put(pid, slot) < 0) {
		/* Not findable when it dies: not ours to keep. */
		kill(pid, SIGKILL);
		reap_expect(pid);
		close(fd);
		c->used = false;
		free_slots[nfree++] = slot;
		if (tls.gen)
			tlskey_release(tls.gen);
		return -1;
	}
	c->ipc_fd = fd;
	c->kind = kind;
	c->pool = pool;
	c->config_gen = m->config_gen;
	c->phase = PHASE_SETUP;
	m->live++;
	m->starting[pool]++;
	master_epoll_add(m, fd, TAG_CHILD | (uint64_t)slot);

	memset(&w, 0, sizeof(w));
	ipc_hdr_init(&w.hdr, IPC_CHILD_INIT, sizeof(w));
	w.kind = kind;
	w.flags = (m->privileged ? INIT_PRIVILEGED : 0) |
	    (m->cf->seccomp_debug ? INIT_SECCOMP_DEBUG : 0) |
	    (m->cf->pasv_address_set ? INIT_PASV_ADDRESS : 0) |
	    (m->cf->log_debug ? INIT_LOG_DEBUG : 0) |
	    (m->cf->atomic_uploads ? INIT_ATOMIC_UPLOADS : 0) |
	    (m->cf->upload_fsync ? INIT_UPLOAD_FSYNC : 0) |
	    (m->cf->hide_ids ? INIT_HIDE_IDS : 0) |
	    (m->cf->active_mode ? 0 : INIT_PASSIVE_ONLY);
#ifdef SANDFTPD_TESTHOOKS
	if (m->test_no_landlock)
		w.flags |= INIT_TEST_NO_LANDLOCK;
#endif
	w.uid = id ? id->uid : m->uid;
	w.gid = id ? id->gid : m->gid;
	c->want_uid = m->privileged ? w.uid : m->uid;
	c->want_gid = m->privileged ? w.gid : m->gid;
	if (id) {
		w.ngroups = id->ngroups;
		memcpy(w.groups, id->groups, sizeof(w.groups));
		w.rights = id->rights;
	} else if (kind == CHILD_ANON) {
		w.rights = RIGHT_READ;
	}
	w.umask = m->cf->umask;
	w.login_timeout = m->cf->login_timeout;
	w.idle_timeout = m->cf->idle_timeout;
	w.data_timeout = m->cf->data_timeout;
	w.shutdown_timeout = m->cf->shutdown_timeout;
	/* The bandwidth limit of the sessions this child will serve (a
	 * reload retires idle children, so new sessions get a new one). */
	w.max_rate = kind == CHILD_ANON ? m->cf->anon_max_rate :
	    kind == CHILD_USER ? m->cf->local_max_rate : 0;
	memcpy(w.pasv_address, &m->cf->pasv_address, 4);
	str_copy(w.message, sizeof(w.message), kind == CHILD_PRELOGIN ?
	    m->banner_text : m->login_text);
	if (pool == CHILD_ANON && pool_greeter(m) == CHILD_ANON) {
		w.flags |= INIT_GREETS;
		str_copy(w.banner, sizeof(w.banner), m->banner_text);
		c->greets = true;
	}
	if (m->cf->dir_messages)
		w.flags |= INIT_DIR_MESSAGES;
	/*
	 * Its root (the tree it serves, or nothing at all); after login
	 * also the owner names for listings and the anonymous upload
	 * directory (else the root again, unused).
	 */
	fds[0] = root_fd;
	fds[1] = m->names_fd < 0 ? m->devnull : m->names_fd;
	fds[2] = root_fd;
	if (kind == CHILD_ANON && m->upload_fd >= 0) {
		w.flags |= INIT_ANON_UPLOAD |
		    (m->cf->anon_upload_listable ? INIT_UPLOAD_LISTABLE : 0);
		w.rights |= RIGHT_UPLOAD;
		fds[2] = m->upload_fd;
	}
	c->want_write = (w.rights & RIGHT_WRITE) != 0;
	c->want_upload = (w.rights & RIGHT_UPLOAD) != 0;
	nfds = kind == CHILD_PRELOGIN ? 1 : 3;
	prog_slot = nfds++;
	w.tls_anon_policy = master_tls_policy(m, TLS_CLASS_ANON);
	w.tls_user_policy = id ? id->tls_policy :
	    master_prelogin_user_policy(m);
	if (tls.gen) {
		c->tls_gen = tls.gen;
		c->tls_reuse = m->cf->tls_data_reuse;
		w.flags |= INIT_TLS |
		    (m->cf->tls_data_reuse ? INIT_TLS_DATA_REUSE : 0) |
		    (m->cf->tls_client_cert_required ? INIT_TLS_CLIENT_CERT :
		    0);
		w.tls_chain = tls.nchain;
		w.tls_ca = tls.nca;
		str_copy(w.tls_ciphers, sizeof(w.tls_ciphers),
		    m->cf->tls_ciphers);
		str_copy(w.tls_ciphersuites, sizeof(w.tls_ciphersuites),
		    m->cf->tls_ciphersuites);
		fds[nfds++] = tls.fd;
	}
	fds[prog_slot] = filter_program(m, sandbox_policy(w.kind, w.rights,
	    w.flags), (w.flags & INIT_TLS) != 0, pid);
	if (fds[prog_slot] < 0) {
		log_warn("seccomp: the filter program could not be made: %s",
		    strerror(errno));
		pool_kill(m, c, "no seccomp program for it");
		return -1;
	}
	pool_send(m, c, &w, sizeof(w), fds, nfds);
#ifdef SANDFTPD_SANITIZE
	close(fds[prog_slot]);		/* made for this child alone */
#endif
	return slot;
}

int
pool_spawn(struct master *m, int pool)
{
	return spawn(m, pool, NULL, pool == CHILD_PRELOGIN ? m->empty_fd :
	    m->anon_fd) < 0 ? -1 : 0;
}

int
pool_spawn_user(struct master *m, const struct child_identity *id,
    int root_fd)
{
	return spawn(m, CHILD_USER, id, root_fd);
}

/*
 * Which children greet new connections.  Normally pre-login children:
 * they hold nothing but an empty root, so whatever a client does before
 * it logs in reaches no file and no account.  A server that serves only
 * anonymous sessions in clear (no system users, no user_db, no TLS) has
 * nothing to protect before login: its anonymous children, already
 * sandboxed and jailed read-only to the public tree, greet the client
 * themselves and carry on after the login in the same process.  One
 * exec per session instead of two (the mirror fast path).  anon_direct
 * = no keeps pre-login children there too.
 */
int
pool_greeter(const struct master *m)
{
	const struct config *cf = m->cf;

	if (cf->anon_direct && cf->anonymous && !cf->local_users &&
	    cf->user_db[0] == '\0' &&
	    cf->nlisten_tls == 0 && !m->inetd_implicit_tls &&
	    !tlskey_current())
		return CHILD_ANON;
	return CHILD_PRELOGIN;
}

/*
 * Accepts per second, counted over whole seconds: the greeting pool
 * grows with them, so a burst finds children ready instead of waiting
 * for spawns (an accept waits while none is idle).
 */
#define ACCEPT_WINDOW_MS 1000
#define POOL_GROWTH_DIVISOR 10	/* idle children: 1/10 s of accepts */
#define POOL_GROWTH_MAX 256
/* Back at pool_spare for this long, the greeting pool retires what it
 * grew by: idle children cost memory and process slots, and a burst
 * that comes back finds them spawned again within a second. */
#define POOL_SHRINK_DELAY_MS 5000

static int64_t window_start, last_grown;
static unsigned window_accepts, last_rate;

void
pool_note_accept(struct master *m)
{
	int64_t now = sys_now_ms();

	(void)m;
	if (now - window_start >= ACCEPT_WINDOW_MS) {
		/* A quiet second or more resets the rate. */
		last_rate = now - window_start < 2 * ACCEPT_WINDOW_MS ?
		    window_accepts : 0;
		window_start = now;
		window_accepts = 0;
	}
	window_accepts++;
}

/* The greeting pool's size: pool_spare, or more while accepts come in
 * fast (a tenth of a second of them, at most POOL_GROWTH_MAX). */
static int
greeter_spare(struct master *m)
{
	int spare = (int)m->cf->pool_spare, grown;

	if (sys_now_ms() - window_start >= 2 * ACCEPT_WINDOW_MS)
		last_rate = 0;		/* quiet: back to the floor */
	grown = (int)(last_rate / POOL_GROWTH_DIVISOR);
	if (grown > POOL_GROWTH_MAX)
		grown = POOL_GROWTH_MAX;
	if (grown <= spare)
		return spare;
	last_grown = sys_now_ms();
	return grown;
}

static int
wanted_idle(struct master *m, int pool)
{
	int spare = (int)m->cf->pool_spare;

	if (pool == pool_greeter(m))
		spare = greeter_spare(m);
	if (pool == CHILD_PRELOGIN && pool_greeter(m) != CHILD_PRELOGIN)
		spare = 0;
	/* inetd style: a greeting child for the one connection; whatever
	 * it hands on to is spawned when asked for. */
	if (m->inetd)
		spare = pool == pool_greeter(m) && m->inetd_fd >= 0 ? 1 : 0;
	return spare + handoff_waiting_for(m, pool);
}

/* After a burst: the greeting pool's idle children beyond what it wants
 * now, retired once it has wanted no more than pool_spare for a while. */
static void
shrink_greeters(struct master *m, int pool)
{
	int want = wanted_idle(m, pool);

	if (m->idle[pool] <= want ||
	    sys_now_ms() - last_grown < POOL_SHRINK_DELAY_MS)
		return;
	while (m->idle[pool] > want) {
		struct child *c = pool_idle_child(m, pool);

		if (c == NULL)
			break;
		pool_retire(m, c);
	}
}

void
pool_maintain(struct master *m)
{
	static const int pools[] = { CHILD_PRELOGIN, CHILD_ANON, POOL_ANON_TLS };
	size_t i;

	if (m->stopping || sys_now_ms() < m->spawn_hold_until)
		return;
	for (i = 0; i < sizeof(pools) / sizeof(pools[0]); i++) {
		int k = pools[i];

		if (k != CHILD_PRELOGIN && !m->cf->anonymous)
			continue;
		if (k == POOL_ANON_TLS && !tlskey_current())
			continue;
		while (m->idle[k] + m->starting[k] < wanted_idle(m, k) &&
		    m->live < max_children(m)) {
			if (pool_spawn(m, k) < 0) {
				m->spawn_hold_until = sys_now_ms() + 1000;
				return;
			}
		}
		if (k == pool_greeter(m))
			shrink_greeters(m, k);
	}
}

void
pool_idle_push(struct master *m, struct child *c)
{
	int k = c->pool;

	if (m->idle[k] < (int)m->cf->pool_spare + 1024)
		idle_stack[k][m->idle[k]++] = (int)(c - m->children);
}

static void
idle_remove(struct master *m, struct child *c)
{
	int k = c->pool, i, slot = (int)(c - m->children);

	for (i = 0; i < m->idle[k]; i++)
		if (idle_stack[k][i] == slot) {
			idle_stack[k][i] = idle_stack[k][--m->idle[k]];
			return;
		}
}

struct child *
pool_idle_child(struct master *m, int kind)
{
	while (m->idle[kind] > 0) {
		struct child *c = &m->children[idle_stack[kind][--m->idle[kind]]];

		if (c->used && c->phase == PHASE_IDLE && c->ipc_fd >= 0)
			return c;
	}
	return NULL;
}

void
pool_close_ipc(struct master *m, struct child *c)
{
	if (c->ipc_fd < 0)
		return;
	epoll_ctl(m->epfd, EPOLL_CTL_DEL, c->ipc_fd, NULL);
	close(c->ipc_fd);
	c->ipc_fd = -1;
	if (!c->reaped) {
		/* Without its channel nobody supervises it: it must exit. */
		c->channel_closed_ms = sys_now_ms();
		m->unchannelled++;
		reap_expect(c->pid);
	}
}

static void
signal_child(struct child *c)
{
	if (!c->reaped)
		kill(c->pid, SIGKILL);
}

void
pool_kill(struct master *m, struct child *c, const char *why)
{
	char label[POOL_LABEL_MAX];

	log_err("%s: %s; killing it", pool_child_label(c, label,
	    sizeof(label)), why);
	str_copy(c->note, sizeof(c->note), why);
	c->killed = true;
	if (c->phase == PHASE_IDLE)
		idle_remove(m, c);
	signal_child(c);
	pool_close_ipc(m, c);
}

void
pool_retire(struct master *m, struct child *c)
{
	c->retired = true;
	c->has_session = false;
	c->phase = PHASE_LEAVING;
	signal_child(c);
	pool_close_ipc(m, c);
}

void
pool_retire_idle(struct master *m)
{
	int i;

	for (i = 0; i < m->nchildren; i++) {
		struct child *c = &m->children[i];

		if (c->used && !c->reaped && c->phase == PHASE_IDLE &&
		    c->kind != CHILD_USER) {
			idle_remove(m, c);
			pool_retire(m, c);
		}
	}
}

void
pool_kill_all(struct master *m)
{
	int i;

	for (i = 0; i < m->nchildren; i++)
		if (m->children[i].used)
			signal_child(&m->children[i]);
}

struct child *
pool_child_at(struct master *m, int slot, uint64_t serial)
{
	struct child *c;

	if (slot < 0 || slot >= m->nchildren || serial == 0)
		return NULL;
	c = &m->children[slot];
	if (!c->used || c->reaped || c->serial != serial)
		return NULL;
	return c;
}

/*
 * An honest relay exits as soon as it has passed on what the session's
 * child said last; hostile code in one would stay, a process no session
 * counts any more (and enough of them stop the pools from spawning).
 * The relay is known by slot and serial, and only while unreaped: its
 * pid is not signalled once another process may have it.
 */
void
pool_relay_session_over(struct master *m, const struct session_rec *sess)
{
	struct child *c = pool_child_at(m, sess->relay_slot,
	    sess->relay_serial);

	if (c == NULL || c->phase != PHASE_RELAY || c->relay_over_ms)
		return;
	c->relay_over_ms = sys_now_ms();
	m->relays_ending++;
}

void
pool_check_channels(struct master *m, int64_t now)
{
	static int64_t next_check;
	char label[POOL_LABEL_MAX];
	int i;

	/* Most such children are exiting and reaped soon; look at them all
	 * only twice a second, and only while there are any. */
	if ((m->unchannelled == 0 && m->relays_ending == 0) ||
	    now < next_check)
		return;
	next_check = now + CHANNEL_CHECK_INTERVAL_MS;
	for (i = 0; i < m->nchildren; i++) {
		struct child *c = &m->children[i];

		if (!c->used || c->reaped || c->killed || c->retired)
			continue;
		if (c->channel_closed_ms &&
		    now - c->channel_closed_ms > CHANNEL_CLOSED_GRACE_MS) {
			pool_kill(m, c, "closed its socket to the master but "
			    "did not exit");
		} else if (c->relay_over_ms &&
		    now - c->relay_over_ms > RELAY_GRACE_MS) {
			/* Not counted as a crash: an honest relay whose
			 * client reads nothing ends here too. */
			log_info("%s still relaying %d s after its session "
			    "ended; stopped", pool_child_label(c, label,
			    sizeof(label)), RELAY_GRACE_MS / 1000);
			pool_retire(m, c);
		}
	}
}

int
pool_send(struct master *m, struct child *c, const void *msg, size_t len,
    const int *fds, int nfds)
{
	if (c->ipc_fd < 0)
		return -1;
	if (ipc_send(c->ipc_fd, msg, len, fds, nfds) == 0)
		return 0;
	if (errno == EAGAIN)
		pool_kill(m, c, "not reading its socket");
	else if (errno != EPIPE && errno != ECONNREFUSED &&
	    errno != ECONNRESET)
		log_warn("sending to child %ld: %s", (long)c->pid,
		    strerror(errno));
	return -1;
}

void
pool_broadcast_shutdown(struct master *m)
{
	struct ipc_empty msg;
	int i;

	ipc_hdr_init(&msg.hdr, IPC_SHUTDOWN, sizeof(msg));
	for (i = 0; i < m->nchildren; i++)
		if (m->children[i].used && m->children[i].ipc_fd >= 0)
			(void)ipc_send(m->children[i].ipc_fd, &msg, sizeof(msg),
			    NULL, 0);
}

static void
describe_status(int st, char *buf, size_t n)
{
	if (WIFEXITED(st)) {
		snprintf(buf, n, "exited with status %d", WEXITSTATUS(st));
	} else if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);
		const char *abbrev = sigabbrev_np(sig);

		snprintf(buf, n, "killed by signal %d (SIG%s)%s", sig,
		    abbrev ? abbrev : "?",
		    sig == SIGSYS ? ": seccomp violation" : "");
	} else {
		snprintf(buf, n, "ended with wait status %#x", st);
	}
}

static void
child_died(struct master *m, struct child *c, int st)
{
	char label[POOL_LABEL_MAX], how[96], note[sizeof(c->note) * 4 + 3];
	bool abnormal = !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	bool crashed = WIFSIGNALED(st) || c->killed;
	int64_t now = sys_now_ms();

	/* The session binary exits with 2, silently, when the master is of
	 * another build (session_main.c): say so, or the log only shows a
	 * status. */
	if (c->tls_gen == 0 && m->session_exe_fd != m->exe_fd &&
	    WIFEXITED(st) && WEXITSTATUS(st) == 2 && !c->note[0])
		snprintf(c->note, sizeof(c->note), "nothing: is "
		    "sandftpd-session (beside sandftpd) of this build?");
	c->reaped = true;
	if (c->channel_closed_ms)
		m->unchannelled--;
	if (c->relay_over_ms)
		m->relays_ending--;
	/* Its last words may still be in the socket (it is gone: nothing
	 * it asked for can signal it now).  Read while tls_gen still says
	 * whether it had TLS, which its LOGIN is checked against. */
	monitor_last_words(m, c);
	tlskey_release(c->tls_gen);
	c->tls_gen = 0;
	pool_child_label(c, label, sizeof(label));
	describe_status(st, how, sizeof(how));
	/* Its last LOG line, or our reason for killing it: the child's own
	 * words are one value, which cannot pose as a field of this line. */
	note[0] = '\0';
	if (c->note[0])
		log_value(note, sizeof(note), c->note);
	handoff_child_gone(m, c->pid);
	metrics.deaths[c->retired ? DEATH_RETIRED : c->killed ? DEATH_KILLED :
	    WIFSIGNALED(st) ? DEATH_SIGNAL : DEATH_EXIT]++;
	if (c->retired) {
		/* Killed on purpose: its session moved on, or it was an idle
		 * child the pools no longer want (a reload, a burst over). */
		log_debug("%s retired", label);
		pool_close_ipc(m, c);
		release_slot(m, c);
		m->live--;
		return;
	}

	if (c->phase == PHASE_SETUP) {
		m->starting[c->pool]--;
		if (abnormal && c->kind == CHILD_USER) {
			/* One user's session (a bad root, say): that login
			 * fails; the pools are not affected. */
			log_err("%s failed while starting: %s%s%s", label, how,
			    note[0] ? "; it said: " : "", note);
		} else if (abnormal) {
			log_err("%s failed while starting: %s%s%s", label, how,
			    note[0] ? "; it said: " : "", note);
			m->setup_failures++;
			m->spawn_hold_until = now +
			    (m->setup_failures > 6 ? SPAWN_HOLD_MAX_MS :
			    100 << m->setup_failures);
			if (m->starting_up)
				fatalx("children cannot start; not "
				    "serving");
		}
	} else if (c->phase == PHASE_IDLE) {
		idle_remove(m, c);
	}
	if (abnormal && c->phase != PHASE_SETUP)
		log_warn("%s %s%s%s", label, how, note[0] ? "; last: " : "",
		    note);
	else if (!abnormal)
		log_debug("%s %s", label, how);

	if (c->has_session) {
		if (crashed && limits_crash(&c->sess.peer, now)) {
			char who[ADDR_TEXT_MAX], f[SESSION_FIELDS_MAX];

			addr_host_text(&c->sess.peer, who, sizeof(who));
			log_warn("%s client %s: refused for %u seconds after %u "
			    "crashed sessions", master_session_fields(&c->sess,
			    f, sizeof(f)), who, m->cf->crash_ban,
			    m->cf->crash_limit);
		}
		master_end_session(m, &c->sess);
		c->has_session = false;
	}
	pool_close_ipc(m, c);
	release_slot(m, c);
	m->live--;
}

/* A process of ours was collected (reap.c): a child, or an
 * authentication process. */
void
pool_reaped(struct master *m, pid_t pid, int status)
{
	int at = pid_map_find(pid);
	int i = at < 0 ? -1 : pid_map[at].slot;

	if (i >= 0 && m->children[i].used && !m->children[i].reaped &&
	    m->children[i].pid == pid)
		child_died(m, &m->children[i], status);
	else
		(void)authjob_reaped(m, pid, status);
}
