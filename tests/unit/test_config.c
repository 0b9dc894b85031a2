/*
 * test_config.c - the configuration (common/config.c): defaults, every
 * key with good and bad values, error texts, files, -o options, checks.
 */
#include <arpa/inet.h>
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../common/config.h"
#include "../../common/util.h"
#include "suites.h"

static struct config cf;
static struct strbuf errs;
static char tmppath[64];

static void
setup(void)
{
	config_defaults(&cf);
	sb_init(&errs, 64 * 1024);
	tmppath[0] = '\0';
}

static void
teardown(void)
{
	sb_free(&errs);
}

/*
 * Write text (len bytes) to a new temporary file, named in tmppath, load
 * it and remove it again; returns what config_load_file() returned.
 */
static int
load(const char *text, size_t len)
{
	int fd, n;

	str_copy(tmppath, sizeof(tmppath), "/tmp/sandftpd-unit-XXXXXX");
	fd = mkstemp(tmppath);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	close(fd);
	n = config_load_file(&cf, tmppath, 1, &errs);
	unlink(tmppath);
	return n;
}

/* Set one key as if from line 7 of file "t". */
static int
set(const char *key, const char *value)
{
	return config_set(&cf, key, value, "t", 7, 1, &errs);
}

/* The error buffer holds exactly this text; then empty it. */
static void
expect_errs(const char *want)
{
	ck_assert_str_eq(sb_str(&errs), want);
	sb_reset(&errs);
}

/* value is refused for key, with an error naming t:7 and the key. */
static void
expect_bad(const char *key, const char *value)
{
	char prefix[128];

	sb_reset(&errs);
	ck_assert_msg(set(key, value) == -1, "%s = '%s' accepted", key,
	    value);
	snprintf(prefix, sizeof(prefix), "t:7: %s: ", key);
	ck_assert_msg(strncmp(sb_str(&errs), prefix, strlen(prefix)) == 0,
	    "error for %s = '%s' is \"%s\"", key, value, sb_str(&errs));
	ck_assert_msg(strchr(sb_str(&errs), '\n') == sb_str(&errs) +
	    errs.len - 1, "not one error line: \"%s\"", sb_str(&errs));
	sb_reset(&errs);
}

static void
expect_good(const char *key, const char *value)
{
	sb_reset(&errs);
	ck_assert_msg(set(key, value) == 0, "%s = '%s' refused: %s", key,
	    value, sb_str(&errs));
	ck_assert_uint_eq(errs.len, 0);
}

START_TEST(test_defaults)
{
	char where[64];

	ck_assert_int_eq(cf.nlisten, 2);
	ck_assert_str_eq(cf.listen[0].text, "0.0.0.0:21");
	ck_assert_str_eq(cf.listen[1].text, "[::]:21");
	ck_assert_int_eq(addr_family(&cf.listen[0].addr), AF_INET);
	ck_assert_int_eq(addr_family(&cf.listen[1].addr), AF_INET6);
	ck_assert_uint_eq(addr_port(&cf.listen[0].addr), 21);
	ck_assert(cf.listen_is_default);
	ck_assert(!cf.anonymous);
	ck_assert_str_eq(cf.anon_root, "/srv/ftp");
	ck_assert_str_eq(cf.session_user, "sandftpd");
	ck_assert_str_eq(cf.empty_dir, "/run/sandftpd/empty");
	ck_assert(cf.port20);
	ck_assert_uint_eq(cf.pasv_min, 1024);
	ck_assert_uint_eq(cf.pasv_max, 65535);
	ck_assert(!cf.pasv_address_set);
	ck_assert_uint_eq(cf.max_clients, 2000);
	ck_assert_uint_eq(cf.max_per_ip, 50);
	ck_assert_uint_eq(cf.pool_spare, 4);
	ck_assert_uint_eq(cf.login_timeout, 60);
	ck_assert_uint_eq(cf.idle_timeout, 300);
	ck_assert_uint_eq(cf.data_timeout, 120);
	ck_assert_uint_eq(cf.shutdown_timeout, 10);
	ck_assert_uint_eq(cf.anon_max_rate, 0);		/* no limits */
	ck_assert_uint_eq(cf.local_max_rate, 0);
	ck_assert_uint_eq(cf.max_data_sockets_per_minute, 0);
	config_where(&cf, "anon_root", where, sizeof(where));
	ck_assert_str_eq(where, "(default): anon_root");
	ck_assert_uint_eq(cf.crash_limit, 3);
	ck_assert_uint_eq(cf.crash_ban, 300);
	ck_assert(!cf.seccomp_debug);
	ck_assert(!cf.log_debug);
	ck_assert_uint_eq(errs.len, 0);
}
END_TEST

START_TEST(test_bool_keys)
{
	expect_good("anonymous", "yes");
	ck_assert(cf.anonymous);
	expect_good("anonymous", "no");
	ck_assert(!cf.anonymous);
	expect_good("port20", "no");
	ck_assert(!cf.port20);
	expect_good("seccomp_debug", "yes");
	ck_assert(cf.seccomp_debug);
	expect_good("log_debug", "yes");
	ck_assert(cf.log_debug);

	expect_bad("anonymous", "maybe");
	expect_bad("anonymous", "YES");
	expect_bad("anonymous", "1");
	expect_bad("anonymous", "");
	expect_bad("port20", "true");
	expect_bad("seccomp_debug", "on");
	expect_bad("log_debug", "off");
	ck_assert(!cf.anonymous);
	ck_assert(!cf.port20);

	ck_assert_int_eq(set("anonymous", "maybe"), -1);
	expect_errs("t:7: anonymous: expected yes or no, got 'maybe'\n");
}
END_TEST

START_TEST(test_uint_keys)
{
	static const struct {
		const char *key;
		unsigned *field;
		unsigned min, max;
	} k[] = {
		{ "max_clients", &cf.max_clients, 1, 100000 },
		{ "max_per_ip", &cf.max_per_ip, 0, 100000 },
		{ "pool_spare", &cf.pool_spare, 1, 256 },
		{ "login_timeout", &cf.login_timeout, 1, 86400 },
		{ "idle_timeout", &cf.idle_timeout, 1, 86400 },
		{ "data_timeout", &cf.data_timeout, 1, 86400 },
		{ "shutdown_timeout", &cf.shutdown_timeout, 0, 3600 },
		{ "crash_limit", &cf.crash_limit, 0, 1000 },
		{ "crash_ban", &cf.crash_ban, 1, 86400 },
		{ "metrics_interval", &cf.metrics_interval, 1, 3600 },
		{ "anon_max_rate", &cf.anon_max_rate, 0, UINT_MAX },
		{ "local_max_rate", &cf.local_max_rate, 0, UINT_MAX },
		{ "max_data_sockets_per_minute",
		    &cf.max_data_sockets_per_minute, 0, 60000 },
	};
	char v[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(k); i++) {
		unsigned before;

		snprintf(v, sizeof(v), "%u", k[i].min);
		expect_good(k[i].key, v);
		ck_assert_uint_eq(*k[i].field, k[i].min);
		snprintf(v, sizeof(v), "%u", k[i].max);
		expect_good(k[i].key, v);
		ck_assert_uint_eq(*k[i].field, k[i].max);
		expect_good(k[i].key, "7");
		ck_assert_uint_eq(*k[i].field, 7);

		before = *k[i].field;
		snprintf(v, sizeof(v), "%llu",
		    (unsigned long long)k[i].max + 1);
		expect_bad(k[i].key, v);
		if (k[i].min > 0) {
			snprintf(v, sizeof(v), "%u", k[i].min - 1);
			expect_bad(k[i].key, v);
		}
		expect_bad(k[i].key, "-1");
		expect_bad(k[i].key, "+5");
		expect_bad(k[i].key, "5x");
		expect_bad(k[i].key, "0x10");
		expect_bad(k[i].key, " 5");
		expect_bad(k[i].key, "");
		expect_bad(k[i].key, "99999999999999999999999");
		ck_assert_uint_eq(*k[i].field, before);
	}
	ck_assert_int_eq(set("max_clients", "0"), -1);
	expect_errs("t:7: max_clients: expected a number from 1 to 100000, "
	    "got '0'\n");
}
END_TEST

START_TEST(test_path_keys)
{
	char longpath[PATH_MAX + 16];

	expect_good("anon_root", "/srv/pub");
	ck_assert_str_eq(cf.anon_root, "/srv/pub");
	expect_good("empty_dir", "/var/empty");
	ck_assert_str_eq(cf.empty_dir, "/var/empty");
	expect_bad("anon_root", "srv/pub");
	expect_bad("anon_root", "");
	expect_bad("empty_dir", "relative");
	expect_bad("empty_dir", "~/x");
	ck_assert_str_eq(cf.anon_root, "/srv/pub");
	ck_assert_str_eq(cf.empty_dir, "/var/empty");

	longpath[0] = '/';
	memset(longpath + 1, 'p', sizeof(longpath) - 2);
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(set("anon_root", longpath), -1);
	expect_errs("t:7: anon_root: path too long\n");
	longpath[PATH_MAX - 1] = '\0';
	expect_good("anon_root", longpath);
	ck_assert_uint_eq(strlen(cf.anon_root), PATH_MAX - 1);

	ck_assert_int_eq(set("empty_dir", "x"), -1);
	expect_errs("t:7: empty_dir: expected an absolute path, got 'x'\n");
}
END_TEST

START_TEST(test_session_user)
{
	char name[80];

	expect_good("session_user", "ftp");
	ck_assert_str_eq(cf.session_user, "ftp");
	expect_good("session_user", "Ftp_user-1.x");
	ck_assert_str_eq(cf.session_user, "Ftp_user-1.x");
	expect_bad("session_user", "");
	expect_bad("session_user", "-x");
	expect_bad("session_user", "a b");
	expect_bad("session_user", "x/y");
	expect_bad("session_user", "root:");
	expect_bad("session_user", "caf\xc3\xa9");

	memset(name, 'u', 63);
	name[63] = '\0';
	expect_good("session_user", name);
	ck_assert_str_eq(cf.session_user, name);
	name[63] = 'u';
	name[64] = '\0';
	expect_bad("session_user", name);
	ck_assert_uint_eq(strlen(cf.session_user), 63);
}
END_TEST

START_TEST(test_pasv_keys)
{
	struct in_addr want;

	expect_good("pasv_ports", "40000-40999");
	ck_assert_uint_eq(cf.pasv_min, 40000);
	ck_assert_uint_eq(cf.pasv_max, 40999);
	expect_good("pasv_ports", "1024-1024");
	ck_assert_uint_eq(cf.pasv_min, 1024);
	ck_assert_uint_eq(cf.pasv_max, 1024);
	expect_good("pasv_ports", "65535-65535");
	ck_assert_uint_eq(cf.pasv_min, 65535);

	expect_bad("pasv_ports", "40000");
	expect_bad("pasv_ports", "1023-2000");
	expect_bad("pasv_ports", "2000-1999");
	expect_bad("pasv_ports", "40000-65536");
	expect_bad("pasv_ports", "a-b");
	expect_bad("pasv_ports", "-");
	expect_bad("pasv_ports", "40000-");
	expect_bad("pasv_ports", "-40000");
	expect_bad("pasv_ports", "2000 - 3000");
	expect_bad("pasv_ports", "2000-3000-4000");
	expect_bad("pasv_ports", "00000000000000002000-3000");
	ck_assert_uint_eq(cf.pasv_min, 65535);
	ck_assert_uint_eq(cf.pasv_max, 65535);

	expect_good("pasv_address", "192.0.2.7");
	ck_assert(cf.pasv_address_set);
	ck_assert_int_eq(inet_pton(AF_INET, "192.0.2.7", &want), 1);
	ck_assert_uint_eq(cf.pasv_address.s_addr, want.s_addr);
	expect_bad("pasv_address", "::1");
	expect_bad("pasv_address", "1.2.3");
	expect_bad("pasv_address", "1.2.3.4.5");
	expect_bad("pasv_address", "ftp.example.org");
	ck_assert(cf.pasv_address_set);
	expect_good("pasv_address", "");
	ck_assert(!cf.pasv_address_set);
}
END_TEST

START_TEST(test_listen_key)
{
	char v[32];
	int i;

	expect_good("listen", "127.0.0.1:2121");
	ck_assert(!cf.listen_is_default);
	ck_assert_int_eq(cf.nlisten, 1);
	ck_assert_str_eq(cf.listen[0].text, "127.0.0.1:2121");
	ck_assert_uint_eq(addr_port(&cf.listen[0].addr), 2121);
	expect_good("listen", "[::1]:21");
	ck_assert_int_eq(cf.nlisten, 2);
	ck_assert_int_eq(addr_family(&cf.listen[1].addr), AF_INET6);

	expect_bad("listen", "localhost:21");
	expect_bad("listen", "1.2.3.4");
	expect_bad("listen", "1.2.3.4:0");
	expect_bad("listen", "1.2.3.4:65536");
	expect_bad("listen", "[::1]21");
	expect_bad("listen", "::1:21");
	expect_bad("listen", "[1.2.3.4]:21");
	expect_bad("listen", "");
	ck_assert_int_eq(cf.nlisten, 2);

	for (i = 2; i < CONFIG_MAX_LISTEN; i++) {
		snprintf(v, sizeof(v), "127.0.0.%d:21", i);
		expect_good("listen", v);
	}
	ck_assert_int_eq(cf.nlisten, CONFIG_MAX_LISTEN);
	ck_assert_int_eq(set("listen", "127.0.0.99:21"), -1);
	expect_errs("t:7: listen: at most 16 listen addresses\n");
	ck_assert_int_eq(cf.nlisten, CONFIG_MAX_LISTEN);
}
END_TEST

START_TEST(test_unknown_key)
{
	ck_assert_int_eq(set("frobnicate", "1"), -1);
	expect_errs("t:7: frobnicate: unknown key\n");
}
END_TEST

START_TEST(test_file)
{
	static const char text[] =
	    "# full-line comment\n"
	    "   # indented comment\n"
	    "anonymous = yes # trailing comment\n"
	    "anon_root = /srv/a#b\n"
	    "pasv_ports = 40000-39999\n"
	    "listen=127.0.0.1:2121\n"
	    "\t listen = [::1]:2121\t\n"
	    "bogus = 1\n"
	    "no equals sign here\n"
	    "Max_Clients = 5\n"
	    " = 3\n"
	    "max_clients = 10\r\n"
	    "\n"
	    "max_per_ip=x\n"
	    "#anonymous = no\n"
	    "session_user = ftp";
	char want[2048];
	int n;

	n = load(text, sizeof(text) - 1);
	snprintf(want, sizeof(want),
	    "%s:5: pasv_ports: expected MIN-MAX with 1024 <= MIN <= MAX <= "
	    "65535, got '40000-39999'\n"
	    "%s:8: bogus: unknown key\n"
	    "%s:9: no equals sign here: expected 'key = value'\n"
	    "%s:10: Max_Clients: not a valid key name\n"
	    "%s:11: (empty): missing key before '='\n"
	    "%s:14: max_per_ip: expected a number from 0 to 100000, "
	    "got 'x'\n",
	    tmppath, tmppath, tmppath, tmppath, tmppath, tmppath);
	ck_assert_str_eq(sb_str(&errs), want);
	ck_assert_int_eq(n, 6);

	ck_assert(cf.anonymous);
	ck_assert_str_eq(cf.anon_root, "/srv/a#b");
	ck_assert_uint_eq(cf.pasv_min, 1024);
	ck_assert_uint_eq(cf.pasv_max, 65535);
	ck_assert_int_eq(cf.nlisten, 2);
	ck_assert_str_eq(cf.listen[0].text, "127.0.0.1:2121");
	ck_assert_str_eq(cf.listen[1].text, "[::1]:2121");
	ck_assert_uint_eq(cf.max_clients, 10);
	ck_assert_uint_eq(cf.max_per_ip, 50);
	ck_assert_str_eq(cf.session_user, "ftp");
}
END_TEST

START_TEST(test_file_error_prefix)
{
	static const char text[] = "anonymous = yes\n\npasv_ports = 1-2\n";
	char prefix[128];

	ck_assert_int_eq(load(text, sizeof(text) - 1), 1);
	snprintf(prefix, sizeof(prefix), "%s:3: pasv_ports: ", tmppath);
	ck_assert_int_eq(strncmp(sb_str(&errs), prefix, strlen(prefix)), 0);
}
END_TEST

START_TEST(test_file_long_line)
{
	char text[6000];
	char want[256];
	size_t n;

	/* Line 1 is too long; line 2 must still be read as line 2. */
	n = (size_t)snprintf(text, sizeof(text), "anon_root = /");
	memset(text + n, 'd', 5000);
	n += 5000;
	n += (size_t)snprintf(text + n, sizeof(text) - n,
	    "\nanonymous = yes\npool_spare = 0\n");
	ck_assert_int_eq(load(text, n), 2);
	snprintf(want, sizeof(want),
	    "%s:1: (line): longer than 4096 bytes\n"
	    "%s:3: pool_spare: expected a number from 1 to 256, got '0'\n",
	    tmppath, tmppath);
	ck_assert_str_eq(sb_str(&errs), want);
	ck_assert(cf.anonymous);
	ck_assert_str_eq(cf.anon_root, "/srv/ftp");
}
END_TEST

START_TEST(test_file_longest_line)
{
	char text[CONFIG_LINE_MAX + 64];
	size_t n;

	/* CONFIG_LINE_MAX bytes before the newline is still a line. */
	n = (size_t)snprintf(text, sizeof(text), "anon_root = /");
	memset(text + n, 'd', CONFIG_LINE_MAX - n);
	n = CONFIG_LINE_MAX;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\nport20 = no\n");
	ck_assert_int_eq(load(text, n), 0);
	ck_assert_uint_eq(errs.len, 0);
	ck_assert_uint_eq(strlen(cf.anon_root), CONFIG_LINE_MAX - 12);
	ck_assert(!cf.port20);
}
END_TEST

/* A NUL byte inside a line is reported, not silently cut at. */
START_TEST(test_file_nul)
{
	static const char text[] = "anonymous = yes\0 junk\nport20 = no\n";
	char want[256];

	ck_assert_int_eq(load(text, sizeof(text) - 1), 1);
	snprintf(want, sizeof(want), "%s:1: (line): contains a NUL byte\n",
	    tmppath);
	ck_assert_str_eq(sb_str(&errs), want);
	ck_assert(!cf.anonymous);
	ck_assert(!cf.port20);
}
END_TEST

START_TEST(test_file_missing)
{
	static const char path[] = "/nonexistent-sandftpd/x.conf";
	static const char prefix[] =
	    "/nonexistent-sandftpd/x.conf:0: (file): cannot open: ";

	ck_assert_int_eq(config_load_file(&cf, path, 1, &errs), 1);
	ck_assert_int_eq(strncmp(sb_str(&errs), prefix, strlen(prefix)), 0);
	ck_assert_int_eq(cf.nlisten, 2);
	ck_assert(cf.listen_is_default);
}
END_TEST

START_TEST(test_option)
{
	char longopt[CONFIG_LINE_MAX + 10], where[64];

	ck_assert_int_eq(config_set_option(&cf, "anonymous=yes", 1, &errs), 0);
	ck_assert(cf.anonymous);
	ck_assert_int_eq(config_set_option(&cf, " max_clients = 7 ", 2,
	    &errs), 0);
	ck_assert_uint_eq(cf.max_clients, 7);
	ck_assert_uint_eq(errs.len, 0);
	/* Where each key was set, for problems found later. */
	config_where(&cf, "max_clients", where, sizeof(where));
	ck_assert_str_eq(where, "-o:2: max_clients");
	config_where(&cf, "idle_timeout", where, sizeof(where));
	ck_assert_str_eq(where, "(default): idle_timeout");

	ck_assert_int_eq(config_set_option(&cf, "noequals", 3, &errs), -1);
	expect_errs("-o:3: noequals: expected KEY=VALUE\n");
	ck_assert_int_eq(config_set_option(&cf, "max_clients=abc", 4, &errs),
	    -1);
	expect_errs("-o:4: max_clients: expected a number from 1 to 100000, "
	    "got 'abc'\n");
	ck_assert_int_eq(config_set_option(&cf, "bogus=1", 5, &errs), -1);
	expect_errs("-o:5: bogus: unknown key\n");
	ck_assert_int_eq(config_set_option(&cf, "=1", 6, &errs), -1);
	expect_errs("-o:6: (empty): missing key before '='\n");

	memset(longopt, 'a', sizeof(longopt) - 1);
	longopt[sizeof(longopt) - 1] = '\0';
	ck_assert_int_eq(config_set_option(&cf, longopt, 8, &errs), -1);
	expect_errs("-o:8: (option): too long\n");
	ck_assert_uint_eq(cf.max_clients, 7);
}
END_TEST

START_TEST(test_option_listen)
{
	static const char text[] =
	    "listen = 10.0.0.1:21\nlisten = 10.0.0.2:21\n";

	ck_assert_int_eq(load(text, sizeof(text) - 1), 0);
	ck_assert_int_eq(cf.nlisten, 2);
	ck_assert_str_eq(cf.listen[0].text, "10.0.0.1:21");
	ck_assert_str_eq(cf.listen[1].text, "10.0.0.2:21");

	/* A bad -o listen leaves the file's list alone. */
	ck_assert_int_eq(config_set_option(&cf, "listen=nohost:1", 1, &errs),
	    -1);
	ck_assert_int_eq(cf.nlisten, 2);
	sb_reset(&errs);

	/* The first good -o listen replaces the file's; more accumulate. */
	ck_assert_int_eq(config_set_option(&cf, "listen=127.0.0.1:3000", 2,
	    &errs), 0);
	ck_assert_int_eq(cf.nlisten, 1);
	ck_assert_str_eq(cf.listen[0].text, "127.0.0.1:3000");
	ck_assert_int_eq(config_set_option(&cf, "listen=[::1]:3001", 3,
	    &errs), 0);
	ck_assert_int_eq(cf.nlisten, 2);
	ck_assert_str_eq(cf.listen[0].text, "127.0.0.1:3000");
	ck_assert_str_eq(cf.listen[1].text, "[::1]:3001");
	ck_assert_uint_eq(addr_port(&cf.listen[1].addr), 3001);
	ck_assert(!cf.listen_is_default);
	ck_assert_uint_eq(errs.len, 0);
}
END_TEST

START_TEST(test_file_replaces_default_listen)
{
	static const char text[] = "listen = 192.0.2.1:2121\n";

	ck_assert_int_eq(load(text, sizeof(text) - 1), 0);
	ck_assert_int_eq(cf.nlisten, 1);
	ck_assert_str_eq(cf.listen[0].text, "192.0.2.1:2121");
	ck_assert(!cf.listen_is_default);
}
END_TEST

START_TEST(test_account_keys)
{
	expect_good("local_users", "yes");
	expect_bad("local_users", "");
	expect_good("user_db", "/etc/sandftpd/users");
	expect_good("user_db", "");		/* none */
	expect_bad("user_db", "users");		/* relative */
	expect_good("pam_service", "sandftpd-test");
	expect_bad("pam_service", "a/b");
	expect_good("user_deny_file", "/etc/ftpusers");
	expect_bad("user_deny_file", "");
	expect_good("max_login_failures", "1");
	expect_bad("max_login_failures", "0");
	expect_good("anon_upload_dir", "/incoming");
	expect_good("anon_upload_dir", "");
	expect_bad("anon_upload_dir", "incoming");
}
END_TEST

/* The transfer log and the metrics file: absolute paths, or off. */
START_TEST(test_log_keys)
{
	ck_assert_str_eq(cf.xferlog_file, "");
	ck_assert_str_eq(cf.metrics_file, "");
	ck_assert_uint_eq(cf.metrics_interval, 5);
	expect_good("xferlog_file", "/var/log/sandftpd/xferlog");
	ck_assert_str_eq(cf.xferlog_file, "/var/log/sandftpd/xferlog");
	expect_bad("xferlog_file", "xferlog");
	ck_assert_str_eq(cf.xferlog_file, "/var/log/sandftpd/xferlog");
	expect_good("xferlog_file", "");
	ck_assert_str_eq(cf.xferlog_file, "");
	expect_good("metrics_file", "/run/sandftpd/metrics.prom");
	ck_assert_str_eq(cf.metrics_file, "/run/sandftpd/metrics.prom");
	ck_assert_int_eq(set("metrics_file", "metrics.prom"), -1);
	expect_errs("t:7: metrics_file: expected an absolute path, got "
	    "'metrics.prom'\n");
	ck_assert_int_eq(set("metrics_interval", "0"), -1);
	expect_errs("t:7: metrics_interval: expected a number from 1 to 3600, "
	    "got '0'\n");
	ck_assert_uint_eq(cf.metrics_interval, 5);
}
END_TEST

/* umask is octal: 022 and 0 and 777, never 8, 9, or more than 0777. */
START_TEST(test_octal_key)
{
	expect_good("umask", "022");
	ck_assert_uint_eq(cf.umask, 022);
	expect_good("umask", "0");
	ck_assert_uint_eq(cf.umask, 0);
	expect_good("umask", "777");
	ck_assert_uint_eq(cf.umask, 0777);
	expect_bad("umask", "1000");
	expect_bad("umask", "8");
	expect_bad("umask", "");
	expect_bad("umask", "-1");
	ck_assert_int_eq(set("umask", "0778"), -1);
	expect_errs("t:7: umask: expected an octal number from 0 to 777, got "
	    "'0778'\n");
}
END_TEST


START_TEST(test_tls_keys)
{
	/* Off by default; data connections must resume when on. */
	ck_assert_str_eq(cf.tls_cert, "");
	ck_assert(cf.tls_data_reuse);
	ck_assert_int_eq(config_tls_policy(&cf, TLS_CLASS_LOCAL), TLS_OPTIONAL);
	expect_good("tls_required", "logins");
	ck_assert_int_eq(config_tls_policy(&cf, TLS_CLASS_ANON), TLS_LOGINS);
	ck_assert_int_eq(config_tls_policy(&cf, TLS_CLASS_VIRTUAL), TLS_LOGINS);
	/* A class key overrides it; empty: tls_required's again. */
	expect_good("anon_tls_required", "no");
	ck_assert_int_eq(config_tls_policy(&cf, TLS_CLASS_ANON), TLS_OPTIONAL);
	expect_good("local_tls_required", "all");
	ck_assert_int_eq(config_tls_policy(&cf, TLS_CLASS_LOCAL), TLS_ALL);
	expect_good("anon_tls_required", "");
	ck_assert_int_eq(config_tls_policy(&cf, TLS_CLASS_ANON), TLS_LOGINS);
	expect_bad("tls_required", "");
	expect_bad("tls_required", "yes");
	ck_assert_int_eq(set("virtual_tls_required", "always"), -1);
	expect_errs("t:7: virtual_tls_required: expected no, logins or all (or "
	    "nothing: tls_required's), got 'always'\n");
	expect_good("tls_ciphers", "ECDHE+AESGCM");
	ck_assert_str_eq(cf.tls_ciphers, "ECDHE+AESGCM");
	expect_bad("tls_ciphers", "ECDHE AESGCM");
	expect_bad("tls_ciphersuites", "");
	expect_good("tls_cert", "/etc/ssl/ftp.pem");
	expect_bad("tls_key", "key.pem");
	/* Implicit TLS listeners sit next to the plain ones. */
	expect_good("listen_implicit_tls", "127.0.0.1:990");
	expect_good("listen_implicit_tls", "[::1]:990");
	ck_assert_int_eq(cf.nlisten_tls, 2);
	ck_assert_int_eq(cf.nlisten, 2);	/* the defaults stay */
	expect_bad("listen_implicit_tls", "990");
}
END_TEST

Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("keys");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_bool_keys);
	tcase_add_test(tc, test_uint_keys);
	tcase_add_test(tc, test_path_keys);
	tcase_add_test(tc, test_session_user);
	tcase_add_test(tc, test_pasv_keys);
	tcase_add_test(tc, test_listen_key);
	tcase_add_test(tc, test_unknown_key);
	tcase_add_test(tc, test_account_keys);
	tcase_add_test(tc, test_octal_key);
	tcase_add_test(tc, test_log_keys);
	tcase_add_test(tc, test_tls_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_file);
	tcase_add_test(tc, test_file_error_prefix);
	tcase_add_test(tc, test_file_long_line);
	tcase_add_test(tc, test_file_longest_line);
	tcase_add_test(tc, test_file_nul);
	tcase_add_test(tc, test_file_missing);
	tcase_add_test(tc, test_file_replaces_default_listen);
	tcase_add_test(tc, test_option);
	tcase_add_test(tc, test_option_listen);
	suite_add_tcase(s, tc);
	return s;
}
