/*
 * main.c - the command line.  Either the master (the normal case) or, when
 * the master execs us with CHILD_ARG, a child (daemon/session/child.c).
 *
 *   sandftpd [-f FILE] [-o KEY=VALUE]... [-F] [-i] [-t] [-V]
 *   sandftpd -P	(print a password hash for user_db)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../common/config.h"
#include "../common/ipc.h"
#include "../common/util.h"
#include "../sandbox/sandbox.h"
#include "master/master.h"
#include "session/child.h"
#include "auth/auth.h"

#define MAX_OPTIONS 256

static void
usage(void)
{
	fprintf(stderr,
	    "usage: sandftpd [-f FILE] [-o KEY=VALUE]... [-F] [-i] [-t] [-V]\n"
	    "       sandftpd -P\n"
	    "  -f FILE   configuration file (default %s, if it exists)\n"
	    "  -o K=V    set one key, after the file (repeatable)\n"
	    "  -F        stay in the foreground, log to stderr\n"
	    "  -i        inetd style: serve the one connection on stdin, "
	    "then exit\n"
	    "  -t        check the configuration, print the problems, "
	    "exit 0/1\n"
	    "  -V        print the version and the compiled-in features\n"
	    "  -P        read a password (no echo), print its yescrypt hash "
	    "for user_db\n",
	    CONFIG_DEFAULT_FILE);
	exit(1);
}

static void
version(void)
{
	int abi = landlock_abi();

	printf("sandftpd %s\n", SANDFTPD_VERSION);
	printf("features: privilege separation, pre-forked exec'd session "
	    "children, seccomp (libseccomp %s), Landlock (%s%d on this "
	    "kernel), capabilities (libcap), chroot jail, IPv6\n",
	    sandbox_seccomp_version(), abi ? "ABI " : "not available, ABI ", abi);
	printf("accounts: system users (PAM), virtual users (libxcrypt: "
	    "yescrypt, sha512-crypt), uploads\n");
	printf("FTPS (OpenSSL, loaded at run time), socket activation and "
	    "the notify protocol (no libsystemd)\n");
#ifdef SANDFTPD_SANITIZE
	printf("test build: sanitizers (no memory limit for children)\n");
#endif
}

int
main(int argc, char **argv)
{
	static struct config cf;
	const char *file = NULL, *options[MAX_OPTIONS];
	struct master_start how = { 0 };
	bool check = false;
	struct strbuf errs;
	int nopt = 0, c, nerr;

	if (argc == 2 && strcmp(argv[1], CHILD_ARG) == 0)
		return child_main();
	if (argc == 2 && strcmp(argv[1], AUTH_ARG) == 0)
		return auth_main();
	if (argc == 2 && strcmp(argv[1], "-P") == 0)
		return auth_print_hash();

	while ((c = getopt(argc, argv, "f:o:FitVh")) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'o':
			if (nopt == MAX_OPTIONS) {
				fprintf(stderr, "sandftpd: too many -o\n");
				return 1;
			}
			options[nopt++] = optarg;
			break;
		case 'F':
			how.foreground = true;
			break;
		case 'i':
			how.inetd_stdin = true;
			break;
		case 't':
			check = true;
			break;
		case 'V':
			version();
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	sb_init(&errs, 64 * 1024);
	if (file == NULL && access(CONFIG_DEFAULT_FILE, F_OK) == 0)
		file = CONFIG_DEFAULT_FILE;
	nerr = config_load(&cf, file, options, nopt, &errs);
	if (nerr) {
		fprintf(stderr, "%s", sb_str(&errs));
		fprintf(stderr, "sandftpd: %d configuration error%s\n", nerr,
		    nerr == 1 ? "" : "s");
		return 1;
	}
	sb_free(&errs);
	if (check) {
		int problems = master_check_runtime(&cf, true);

		if (problems) {
			fprintf(stderr, "sandftpd: %d problem%s in the "
			    "configuration%s%s\n", problems,
			    problems == 1 ? "" : "s", file ? " " : "",
			    file ? file : "");
			return 1;
		}
		printf("sandftpd: configuration OK%s%s\n",
		    file ? ": " : " (built-in defaults)", file ? file : "");
		return 0;
	}
	how.config_file = file;
	how.options = options;
	how.noptions = nopt;
	return master_run(&cf, &how);
}
