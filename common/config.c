/*
 * config.c - the key table, value parsers and the file reader.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

enum key_type {
	KEY_BOOL,
	KEY_UINT,
	KEY_STRING,
	KEY_PATH,	/* absolute path */
	KEY_LISTEN,
	KEY_PORTRANGE,
	KEY_PATH_OPT,	/* absolute path, or empty for none */
	KEY_IPV4_OPT,	/* IPv4 literal or empty */
	KEY_OCTAL,	/* an octal number from min to max */
	KEY_LISTEN_TLS,
	KEY_TLS_POLICY,	/* no | logins | all (class keys: also "") */
	KEY_TEXT,	/* printable text without spaces (cipher lists) */
	KEY_NETWORKS,	/* CIDR list (struct netlist) */
	KEY_LINE,	/* one line of printable text */
};

struct key_def {
	const char *name;
	enum key_type type;
	size_t offset;
	size_t size;		/* for strings */
	unsigned min, max;	/* for numbers */
};

#define OFF(f) offsetof(struct config, f)
#define SZ(f) sizeof(((struct config *)0)->f)

static const struct key_def keys[] = {
	{ "listen", KEY_LISTEN, 0, 0, 0, 0 },
	{ "anonymous", KEY_BOOL, OFF(anonymous), 0, 0, 0 },
	{ "anon_root", KEY_PATH, OFF(anon_root), SZ(anon_root), 0, 0 },
	{ "anon_direct", KEY_BOOL, OFF(anon_direct), 0, 0, 0 },
	{ "session_user", KEY_STRING, OFF(session_user), SZ(session_user), 0, 0 },
	{ "empty_dir", KEY_PATH, OFF(empty_dir), SZ(empty_dir), 0, 0 },
	{ "port20", KEY_BOOL, OFF(port20), 0, 0, 0 },
	{ "pasv_ports", KEY_PORTRANGE, 0, 0, 1024, 65535 },
	{ "pasv_address", KEY_IPV4_OPT, 0, 0, 0, 0 },
	{ "max_clients", KEY_UINT, OFF(max_clients), 0, 1, 100000 },
	{ "max_per_ip", KEY_UINT, OFF(max_per_ip), 0, 0, 100000 },
	{ "pool_spare", KEY_UINT, OFF(pool_spare), 0, 1, 256 },
	{ "login_timeout", KEY_UINT, OFF(login_timeout), 0, 1, 86400 },
	{ "idle_timeout", KEY_UINT, OFF(idle_timeout), 0, 1, 86400 },
	{ "data_timeout", KEY_UINT, OFF(data_timeout), 0, 1, 86400 },
	{ "shutdown_timeout", KEY_UINT, OFF(shutdown_timeout), 0, 0, 3600 },
	{ "anon_max_rate", KEY_UINT, OFF(anon_max_rate), 0, 0, UINT_MAX },
	{ "local_max_rate", KEY_UINT, OFF(local_max_rate), 0, 0, UINT_MAX },
	/* At most one a millisecond: the master's bucket counts in those. */
	{ "max_data_sockets_per_minute", KEY_UINT,
	    OFF(max_data_sockets_per_minute), 0, 0, 60000 },
	{ "crash_limit", KEY_UINT, OFF(crash_limit), 0, 0, 1000 },
	{ "crash_ban", KEY_UINT, OFF(crash_ban), 0, 1, 86400 },
	{ "ipv6_limit_prefix", KEY_UINT, OFF(ipv6_limit_prefix), 0, 16, 128 },
	{ "require_landlock", KEY_BOOL, OFF(require_landlock), 0, 0, 0 },
	{ "seccomp_debug", KEY_BOOL, OFF(seccomp_debug), 0, 0, 0 },
	{ "log_debug", KEY_BOOL, OFF(log_debug), 0, 0, 0 },
	{ "xferlog_file", KEY_PATH_OPT, OFF(xferlog_file), SZ(xferlog_file), 0,
	    0 },
	{ "metrics_file", KEY_PATH_OPT, OFF(metrics_file), SZ(metrics_file), 0,
	    0 },
	{ "metrics_interval", KEY_UINT, OFF(metrics_interval), 0, 1, 3600 },
	{ "local_users", KEY_BOOL, OFF(local_users), 0, 0, 0 },
	{ "pam_service", KEY_STRING, OFF(pam_service), SZ(pam_service), 0, 0 },
	{ "user_deny_file", KEY_PATH, OFF(user_deny_file), SZ(user_deny_file),
	    0, 0 },
	{ "user_db", KEY_PATH_OPT, OFF(user_db), SZ(user_db), 0, 0 },
	{ "max_login_failures", KEY_UINT, OFF(max_login_failures), 0, 1, 100 },
	{ "login_fail_limit", KEY_UINT, OFF(login_fail_limit), 0, 0, 100000 },
	{ "login_fail_ban", KEY_UINT, OFF(login_fail_ban), 0, 1, 86400 },
	{ "auth_timeout", KEY_UINT, OFF(auth_timeout), 0, 1, 600 },
	{ "umask", KEY_OCTAL, OFF(umask), 0, 0, 0777 },
	{ "atomic_uploads", KEY_BOOL, OFF(atomic_uploads), 0, 0, 0 },
	{ "upload_fsync", KEY_BOOL, OFF(upload_fsync), 0, 0, 0 },
	{ "anon_upload_dir", KEY_PATH_OPT, OFF(anon_upload_dir),
	    SZ(anon_upload_dir), 0, 0 },
	{ "anon_upload_listable", KEY_BOOL, OFF(anon_upload_listable), 0, 0, 0 },
	{ "hide_ids", KEY_BOOL, OFF(hide_ids), 0, 0, 0 },
	{ "active_mode", KEY_BOOL, OFF(active_mode), 0, 0, 0 },
	{ "allow_networks", KEY_NETWORKS, OFF(allow_networks), 0, 0, 0 },
	{ "deny_networks", KEY_NETWORKS, OFF(deny_networks), 0, 0, 0 },
	{ "banner", KEY_LINE, OFF(banner), SZ(banner), 0, 0 },
	{ "banner_file", KEY_PATH_OPT, OFF(banner_file), SZ(banner_file), 0,
	    0 },
	{ "login_message_file", KEY_PATH_OPT, OFF(login_message_file),
	    SZ(login_message_file), 0, 0 },
	{ "dir_messages", KEY_BOOL, OFF(dir_messages), 0, 0, 0 },
	{ "listen_implicit_tls", KEY_LISTEN_TLS, 0, 0, 0, 0 },
	{ "tls_cert", KEY_PATH_OPT, OFF(tls_cert), SZ(tls_cert), 0, 0 },
	{ "tls_key", KEY_PATH_OPT, OFF(tls_key), SZ(tls_key), 0, 0 },
	{ "tls_client_ca", KEY_PATH_OPT, OFF(tls_client_ca), SZ(tls_client_ca),
	    0, 0 },
	{ "tls_client_cert_required", KEY_BOOL, OFF(tls_client_cert_required),
	    0, 0, 0 },
	{ "tls_ciphers", KEY_TEXT, OFF(tls_ciphers), SZ(tls_ciphers), 0, 0 },
	{ "tls_ciphersuites", KEY_TEXT, OFF(tls_ciphersuites),
	    SZ(tls_ciphersuites), 0, 0 },
	{ "tls_data_reuse", KEY_BOOL, OFF(tls_data_reuse), 0, 0, 0 },
	{ "tls_required", KEY_TLS_POLICY, OFF(tls_required), 0, 0, 0 },
	{ "anon_tls_required", KEY_TLS_POLICY,
	    OFF(tls_required_class[TLS_CLASS_ANON]), 0, 1, 0 },
	{ "local_tls_required", KEY_TLS_POLICY,
	    OFF(tls_required_class[TLS_CLASS_LOCAL]), 0, 1, 0 },
	{ "virtual_tls_required", KEY_TLS_POLICY,
	    OFF(tls_required_class[TLS_CLASS_VIRTUAL]), 0, 1, 0 },
};

static void
add_default_listen(struct config *cf, const char *text)
{
	struct config_listen *l = &cf->listen[cf->nlisten++];

	addr_parse_listen(text, &l->addr);
	str_copy(l->text, sizeof(l->text), text);
}

void
config_defaults(struct config *cf)
{
	memset(cf, 0, sizeof(*cf));
	add_default_listen(cf, "0.0.0.0:21");
	add_default_listen(cf, "[::]:21");
	cf->listen_is_default = true;
	cf->listen_source = -1;
	cf->anonymous = false;
	cf->anon_direct = true;
	str_copy(cf->anon_root, sizeof(cf->anon_root), "/srv/ftp");
	str_copy(cf->session_user, sizeof(cf->session_user), "sandftpd");
	str_copy(cf->empty_dir, sizeof(cf->empty_dir), "/run/sandftpd/empty");
	cf->port20 = true;
	cf->pasv_min = 1024;
	cf->pasv_max = 65535;
	cf->max_clients = 2000;
	cf->max_per_ip = 50;
	cf->pool_spare = 4;
	cf->login_timeout = 60;
	cf->idle_timeout = 300;
	cf->data_timeout = 120;
	cf->shutdown_timeout = 10;
	cf->crash_limit = 3;
	cf->crash_ban = 300;
	cf->ipv6_limit_prefix = 64;
	cf->metrics_interval = 5;
	cf->require_landlock = true;
	str_copy(cf->pam_service, sizeof(cf->pam_service), "sandftpd");
	str_copy(cf->user_deny_file, sizeof(cf->user_deny_file),
	    "/etc/sandftpd/user_deny");
	cf->max_login_failures = 3;
	cf->login_fail_limit = 10;
	cf->login_fail_ban = 600;
	cf->auth_timeout = 20;
	cf->umask = 022;
	cf->atomic_uploads = true;
	cf->upload_fsync = true;
	cf->listen_tls_source = -1;
	cf->active_mode = true;
	/* ECDHE only (forward secrecy), AEAD only. */
	str_copy(cf->tls_ciphers, sizeof(cf->tls_ciphers),
	    "ECDHE+AESGCM:ECDHE+CHACHA20");
	str_copy(cf->tls_ciphersuites, sizeof(cf->tls_ciphersuites),
	    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
	    "TLS_AES_128_GCM_SHA256");
	cf->tls_data_reuse = true;
	cf->tls_required = TLS_OPTIONAL;
	cf->tls_required_class[TLS_CLASS_ANON] = TLS_INHERIT;
	cf->tls_required_class[TLS_CLASS_LOCAL] = TLS_INHERIT;
	cf->tls_required_class[TLS_CLASS_VIRTUAL] = TLS_INHERIT;
}

enum tls_policy
config_tls_policy(const struct config *cf, enum tls_class c)
{
	int p = cf->tls_required_class[c];

	return (enum tls_policy)(p == TLS_INHERIT ? cf->tls_required : p);
}

const char *
config_tls_policy_name(enum tls_policy p)
{
	return p == TLS_ALL ? "all" : p == TLS_LOGINS ? "logins" : "no";
}

static int
set_tls_policy(int *dst, const char *v, bool may_inherit)
{
	if (strcmp(v, "no") == 0)
		*dst = TLS_OPTIONAL;
	else if (strcmp(v, "logins") == 0)
		*dst = TLS_LOGINS;
	else if (strcmp(v, "all") == 0)
		*dst = TLS_ALL;
	else if (may_inherit && v[0] == '\0')
		*dst = TLS_INHERIT;
	else
		return -1;
	return 0;
}

/* Text without control characters (UTF-8 passes). */
static bool
is_printable_line(const char *v, size_t size)
{
	return strlen(v) < size && str_printable(v);
}

/* Printable ASCII without spaces: an OpenSSL cipher string. */
static bool
is_cipher_text(const char *v, size_t size)
{
	size_t i;

	if (v[0] == '\0' || strlen(v) >= size)
		return false;
	for (i = 0; v[i]; i++)
		if (v[i] <= ' ' || v[i] > '~')
			return false;
	return true;
}

PRINTF_LIKE(5, 6) static int
bad(struct strbuf *errs, const char *origin, int line, const char *key,
    const char *fmt, ...)
{
	va_list ap;

	sb_appendf(errs, "%s:%d: %s: ", origin, line, key);
	va_start(ap, fmt);
	sb_vappendf(errs, fmt, ap);
	va_end(ap);
	sb_append_char(errs, '\n');
	return -1;
}

static int
set_bool(bool *dst, const char *v)
{
	if (strcmp(v, "yes") == 0)
		*dst = true;
	else if (strcmp(v, "no") == 0)
		*dst = false;
	else
		return -1;
	return 0;
}

/* Add to a repeatable list of addresses; a new source replaces it. */
static int
add_listen(struct config_listen *list, int *n, int *source, bool *is_default,
    const char *v, int source_id)
{
	struct config_listen l;

	/* Whole, padding too: a reload compares lists byte for byte. */
	memset(&l, 0, sizeof(l));
	if (addr_parse_listen(v, &l.addr) < 0)
		return -1;
	str_copy(l.text, sizeof(l.text), v);
	if (*source != source_id || (is_default && *is_default)) {
		*n = 0;
		if (is_default)
			*is_default = false;
		*source = source_id;
	}
	if (*n >= CONFIG_MAX_LISTEN)
		return -2;
	list[(*n)++] = l;
	return 0;
}

static int
set_listen(struct config *cf, const char *v, int source_id)
{
	return add_listen(cf->listen, &cf->nlisten, &cf->listen_source,
	    &cf->listen_is_default, v, source_id);
}

static int
set_listen_tls(struct config *cf, const char *v, int source_id)
{
	return add_listen(cf->listen_tls, &cf->nlisten_tls,
	    &cf->listen_tls_source, NULL, v, source_id);
}

static int
set_portrange(struct config *cf, const char *v)
{
	char lo[16], hi[16];
	const char *dash = strchr(v, '-');
	uint64_t a, b;

	if (dash == NULL ||
	    str_copy_n(lo, sizeof(lo), v, (size_t)(dash - v)) < 0 ||
	    str_copy(hi, sizeof(hi), dash + 1) < 0)
		return -1;
	if (parse_uint(lo, 1024, 65535, &a) < 0 ||
	    parse_uint(hi, 1024, 65535, &b) < 0 || a > b)
		return -1;
	cf->pasv_min = (unsigned)a;
	cf->pasv_max = (unsigned)b;
	return 0;
}

int
config_set(struct config *cf, const char *key, const char *value,
    const char *origin, int line, int source_id, struct strbuf *errs)
{
	const struct key_def *k = NULL;
	char *base = (char *)cf;
	uint64_t num;
	size_t i;
	int rc;

	_Static_assert(ARRAY_SIZE(keys) <= CONFIG_MAX_KEYS,
	    "room for the origin of every key");
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].name, key) == 0)
			k = &keys[i];
	if (k == NULL)
		return bad(errs, origin, line, key, "unknown key");
	cf->where[k - keys].origin = origin;
	cf->where[k - keys].line = line;

	switch (k->type) {
	case KEY_BOOL:
		if (set_bool((bool *)(base + k->offset), value) < 0)
			return bad(errs, origin, line, key,
			    "expected yes or no, got '%s'", value);
		return 0;
	case KEY_UINT:
		if (parse_uint(value, k->min, k->max, &num) < 0)
			return bad(errs, origin, line, key,
			    "expected a number from %u to %u, got '%s'",
			    k->min, k->max, value);
		*(unsigned *)(base + k->offset) = (unsigned)num;
		return 0;
	case KEY_STRING:
		if (!str_is_account_name(value, k->size))
			return bad(errs, origin, line, key,
			    "expected a name (letters, digits, '_', '-', '.', "
			    "'$'; at most %zu characters), got '%s'",
			    k->size - 1, value);
		str_copy(base + k->offset, k->size, value);
		return 0;
	case KEY_PATH_OPT:
		if (value[0] == '\0') {
			*(base + k->offset) = '\0';
			return 0;
		}
		/* FALLTHROUGH */
	case KEY_PATH:
		if (value[0] != '/')
			return bad(errs, origin, line, key,
			    "expected an absolute path, got '%s'", value);
		if (strlen(value) >= k->size)
			return bad(errs, origin, line, key, "path too long");
		str_copy(base + k->offset, k->size, value);
		return 0;
	case KEY_LISTEN:
		rc = set_listen(cf, value, source_id);
		if (rc == -2)
			return bad(errs, origin, line, key,
			    "at most %d listen addresses", CONFIG_MAX_LISTEN);
		if (rc < 0)
			return bad(errs, origin, line, key,
			    "expected ADDR:PORT or [V6ADDR]:PORT with a "
			    "numeric address, got '%s'", value);
		return 0;
	case KEY_PORTRANGE:
		if (set_portrange(cf, value) < 0)
			return bad(errs, origin, line, key,
			    "expected MIN-MAX with 1024 <= MIN <= MAX <= "
			    "65535, got '%s'", value);
		return 0;
	case KEY_IPV4_OPT:
		if (value[0] == '\0') {
			cf->pasv_address_set = false;
			return 0;
		}
		if (inet_pton(AF_INET, value, &cf->pasv_address) != 1)
			return bad(errs, origin, line, key,
			    "expected an IPv4 address (or nothing), got '%s'",
			    value);
		cf->pasv_address_set = true;
		return 0;
	case KEY_LISTEN_TLS:
		if (value[0] == '\0') {
			cf->nlisten_tls = 0;
			return 0;
		}
		rc = set_listen_tls(cf, value, source_id);
		if (rc == -2)
			return bad(errs, origin, line, key,
			    "at most %d implicit TLS listen addresses",
			    CONFIG_MAX_LISTEN);
		if (rc < 0)
			return bad(errs, origin, line, key,
			    "expected ADDR:PORT or [V6ADDR]:PORT with a "
			    "numeric address, got '%s'", value);
		return 0;
	case KEY_TLS_POLICY:
		if (set_tls_policy((int *)(base + k->offset), value,
		    k->min == 1) < 0)
			return bad(errs, origin, line, key,
			    "expected no, logins or all%s, got '%s'",
			    k->min == 1 ? " (or nothing: tls_required's)" : "",
			    value);
		return 0;
	case KEY_NETWORKS: {
		char why[160];

		if (netlist_parse((struct netlist *)(base + k->offset), value,
		    why, sizeof(why)) < 0)
			return bad(errs, origin, line, key, "%s", why);
		return 0;
	}
	case KEY_LINE:
		if (!is_printable_line(value, k->size))
			return bad(errs, origin, line, key,
			    "expected printable text of at most %zu characters",
			    k->size - 1);
		str_copy(base + k->offset, k->size, value);
		return 0;
	case KEY_TEXT:
		if (!is_cipher_text(value, k->size))
			return bad(errs, origin, line, key,
			    "expected an OpenSSL cipher string (printable, "
			    "no spaces, at most %zu characters), got '%s'",
			    k->size - 1, value);
		str_copy(base + k->offset, k->size, value);
		return 0;
	case KEY_OCTAL:
		if (parse_octal(value, k->max, &num) < 0)
			return bad(errs, origin, line, key,
			    "expected an octal number from 0 to %o, got '%s'",
			    k->max, value);
		*(unsigned *)(base + k->offset) = (unsigned)num;
		return 0;
	}
	return bad(errs, origin, line, key, "internal: unhandled key type");
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r' || end[-1] == '\n'))
		*--end = '\0';
	return s;
}

/* '#' starts a comment at the start of a line or after white space. */
static void
strip_comment(char *s)
{
	char *p;

	for (p = s; *p; p++)
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
}

static int
parse_line(struct config *cf, char *line, const char *origin, int lineno,
    int source_id, struct strbuf *errs)
{
	char *eq, *key, *value, *k;

	strip_comment(line);
	line = trim(line);
	if (*line == '\0')
		return 0;
	eq = strchr(line, '=');
	if (eq == NULL) {
		sb_appendf(errs, "%s:%d: %s: expected 'key = value'\n",
		    origin, lineno, line);
		return -1;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	for (k = key; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') ||
		    *k == '_')) {
			sb_appendf(errs, "%s:%d: %s: not a valid key name\n",
			    origin, lineno, key);
			return -1;
		}
	if (*key == '\0') {
		sb_appendf(errs, "%s:%d: (empty): missing key before '='\n",
		    origin, lineno);
		return -1;
	}
	return config_set(cf, key, value, origin, lineno, source_id, errs);
}

int
config_load_file(struct config *cf, const char *path, int source_id,
    struct strbuf *errs)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int lineno = 0, nerr = 0;
	FILE *f;

	f = fopen(path, "re");
	if (f == NULL) {
		sb_appendf(errs, "%s:0: (file): cannot open: %s\n", path,
		    strerror(errno));
		return 1;
	}
	/* getline() gives the true length, so a NUL inside is seen. */
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > CONFIG_LINE_MAX + 1) {
			sb_appendf(errs, "%s:%d: (line): longer than %d bytes\n",
			    path, lineno, CONFIG_LINE_MAX);
			nerr++;
			continue;
		}
		if (memchr(line, '\0', (size_t)len) != NULL) {
			sb_appendf(errs, "%s:%d: (line): contains a NUL byte\n",
			    path, lineno);
			nerr++;
			continue;
		}
		if (parse_line(cf, line, path, lineno, source_id, errs) < 0)
			nerr++;
	}
	if (ferror(f)) {
		sb_appendf(errs, "%s:%d: (file): read error\n", path, lineno);
		nerr++;
	}
	free(line);
	fclose(f);
	return nerr;
}

int
config_set_option(struct config *cf, const char *arg, int n,
    struct strbuf *errs)
{
	char buf[CONFIG_LINE_MAX + 1];

	if (str_copy(buf, sizeof(buf), arg) < 0) {
		sb_appendf(errs, "-o:%d: (option): too long\n", n);
		return -1;
	}
	if (strchr(buf, '=') == NULL) {
		sb_appendf(errs, "-o:%d: %s: expected KEY=VALUE\n", n, buf);
		return -1;
	}
	/* Each -o is its own source, so repeated -o listen=... accumulate
	 * only when given one after the other from the command line. */
	return parse_line(cf, buf, "-o", n, 1000, errs);
}


int
config_load(struct config *cf, const char *file, const char *const *options,
    int noptions, struct strbuf *errs)
{
	int nerr = 0, i;

	config_defaults(cf);
	if (file)
		nerr += config_load_file(cf, file, 1, errs);
	for (i = 0; i < noptions; i++)
		if (config_set_option(cf, options[i], i + 1, errs) < 0)
			nerr++;
	return nerr;
}

void
config_where(const struct config *cf, const char *key, char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (strcmp(keys[i].name, key) == 0 && cf->where[i].origin) {
			snprintf(buf, n, "%s:%d: %s", cf->where[i].origin,
			    cf->where[i].line, key);
			return;
		}
	snprintf(buf, n, "(default): %s", key);
}

void
config_locate(const struct config *cf, const char *problem, char *buf,
    size_t n)
{
	char key[64];
	size_t len = strcspn(problem, ": ");
	size_t i;

	if (len < sizeof(key) && strncmp(problem + len, ": ", 2) == 0) {
		memcpy(key, problem, len);
		key[len] = '\0';
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			if (strcmp(keys[i].name, key) == 0) {
				char where[PATH_MAX + 96];

				config_where(cf, key, where, sizeof(where));
				snprintf(buf, n, "%s: %s", where,
				    problem + len + 2);
				return;
			}
	}
	snprintf(buf, n, "%s", problem);
}
