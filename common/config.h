/*
 * config.h - the configuration: built-in defaults, `key = value` files and
 * `-o KEY=VALUE` overrides, all through one table of keys.  Every error
 * names its origin (file or "-o"), line (or option number) and key.
 * Read only by the master; children get the values they need as a fixed
 * struct over the socketpair.
 */
#ifndef SANDFTPD_CONFIG_H
#define SANDFTPD_CONFIG_H

#include <limits.h>
#include <netinet/in.h>
#include <stdbool.h>

#include "addr.h"
#include "ipc.h"
#include "netlist.h"
#include "strbuf.h"

#define CONFIG_MAX_LISTEN 16
#define CONFIG_MAX_KEYS 96
#define CONFIG_LINE_MAX 4096
#define CONFIG_DEFAULT_FILE "/etc/sandftpd.conf"

struct config_listen {
	struct sock_addr addr;
	char text[ADDR_TEXT_MAX];
};

struct config {
	struct config_listen listen[CONFIG_MAX_LISTEN];
	int nlisten;
	bool listen_is_default;
	/* listen_implicit_tls: TLS from the first byte (port 990 style) */
	struct config_listen listen_tls[CONFIG_MAX_LISTEN];
	int nlisten_tls;

	bool anonymous;
	char anon_root[PATH_MAX];
	bool anon_direct;		/* anonymous-only, in clear: anonymous
					 * children greet (one per session) */
	char session_user[64];
	char empty_dir[PATH_MAX];
	bool port20;
	unsigned pasv_min, pasv_max;
	bool pasv_address_set;
	struct in_addr pasv_address;

	unsigned max_clients, max_per_ip, pool_spare;
	unsigned login_timeout, idle_timeout, data_timeout;
	unsigned shutdown_timeout;	/* SIGTERM: transfers may finish */
	/* Bytes a second one session's file transfers may move; 0: no
	 * limit.  Kept by the session's child (a fairness limit). */
	unsigned anon_max_rate, local_max_rate;
	/* Passive listeners and active connections the master makes for
	 * one session, per minute; 0: no limit. */
	unsigned max_data_sockets_per_minute;
	unsigned crash_limit, crash_ban;
	unsigned ipv6_limit_prefix;	/* IPv6 clients count by this prefix */
	bool require_landlock;		/* refuse to serve without Landlock */

	/* Accounts (issue: system and virtual users). */
	bool local_users;		/* system users through PAM */
	char pam_service[64];
	char user_deny_file[PATH_MAX];	/* names never allowed to log in */
	char user_db[PATH_MAX];		/* virtual users; "" for none */
	unsigned max_login_failures;	/* per connection, then closed */
	unsigned login_fail_limit;	/* per address, then banned */
	unsigned login_fail_ban;	/* seconds */
	unsigned auth_timeout;		/* seconds for one password check */

	/* Uploads. */
	unsigned umask;
	bool atomic_uploads;
	bool upload_fsync;		/* on disk before 226 and the rename */
	char anon_upload_dir[PATH_MAX];	/* in the anonymous tree; "" none */
	bool anon_upload_listable;
	bool hide_ids;			/* listings show ftp ftp */
	bool active_mode;		/* PORT/EPRT offered (else passive only) */
	struct netlist allow_networks;	/* empty: every address */
	struct netlist deny_networks;	/* checked after allow_networks */
	char banner[256];		/* the greeting's text; "" default */
	char banner_file[PATH_MAX];	/* ... or this file's lines */
	char login_message_file[PATH_MAX];	/* 230- lines at login */
	bool dir_messages;		/* .message shown on CWD */

	/* FTPS (RFC 4217). */
	char tls_cert[PATH_MAX];	/* PEM chain, leaf first; "" no TLS */
	char tls_key[PATH_MAX];		/* PEM key; "": in tls_cert */
	char tls_client_ca[PATH_MAX];	/* verify client certificates */
	bool tls_client_cert_required;
	char tls_ciphers[512];		/* TLS 1.2 cipher list */
	char tls_ciphersuites[256];	/* TLS 1.3 suites */
	bool tls_data_reuse;		/* PROT P must resume the session */
	int tls_required;		/* enum tls_policy, for every class */
	int tls_required_class[3];	/* anon, local, virtual: TLS_INHERIT
					 * or their own */
	bool seccomp_debug;
	bool log_debug;
	char xferlog_file[PATH_MAX];	/* transfer log (xferlog); "" none */
	char metrics_file[PATH_MAX];	/* Prometheus text file; "" none */
	unsigned metrics_interval;	/* seconds between its rewrites */

	/* Where each key was last set (by its index in the key table), for
	 * problems found after parsing: origin NULL means the default. */
	struct {
		const char *origin;	/* the file's path, or "-o" */
		int line;		/* or the option's number */
	} where[CONFIG_MAX_KEYS];

	/* Bookkeeping: which source last set `listen` (to replace, not add). */
	int listen_source;
	int listen_tls_source;
};


/* The policy in force for a class. */
enum tls_policy config_tls_policy(const struct config *cf, enum tls_class c);
const char *config_tls_policy_name(enum tls_policy p);


void config_defaults(struct config *cf);

/*
 * Apply one `key = value`.  origin/line name the source for errors, which
 * are appended to errs as "ORIGIN:LINE: KEY: problem\n".  source_id tells
 * sources apart (a repeatable key from a new source replaces the list).
 * Returns 0 or -1.
 */
int config_set(struct config *cf, const char *key, const char *value,
    const char *origin, int line, int source_id, struct strbuf *errs);

/* Parse a whole file; returns the number of errors (0 = fine). */
int config_load_file(struct config *cf, const char *path, int source_id,
    struct strbuf *errs);

/* Parse one -o argument "KEY=VALUE" (option number n); 0 or -1. */
int config_set_option(struct config *cf, const char *arg, int n,
    struct strbuf *errs);

/*
 * "FILE:LINE: KEY" (or "-o:N: KEY", or "(default): KEY"): where a key's
 * value came from, to name it in a problem found later (sandftpd -t,
 * a start that fails, a refused reload).
 */
void config_where(const struct config *cf, const char *key, char *buf,
    size_t n);

/* A problem "KEY: text" as "FILE:LINE: KEY: text" (as it is when the
 * text does not start with a key). */
void config_locate(const struct config *cf, const char *problem, char *buf,
    size_t n);

/*
 * The whole configuration: defaults, then the file (NULL: none), then
 * the -o options in order.  At start and on every SIGHUP.  Returns the
 * number of errors, each appended to errs.
 */
int config_load(struct config *cf, const char *file,
    const char *const *options, int noptions, struct strbuf *errs);

#endif
