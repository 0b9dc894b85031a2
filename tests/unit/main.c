/*
 * main.c - the unit test runner: every suite of suites.h in one SRunner.
 * Exits non-zero when any test fails.
 */
#include <stdlib.h>

#include "suites.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(parser_suite());
	srunner_add_suite(sr, reply_suite());
	srunner_add_suite(sr, path_suite());
	srunner_add_suite(sr, ftpaddr_suite());
	srunner_add_suite(sr, config_suite());
	srunner_add_suite(sr, ipc_suite());
	srunner_add_suite(sr, listing_suite());
	srunner_add_suite(sr, wildcard_suite());
	srunner_add_suite(sr, ascii_suite());
	srunner_add_suite(sr, util_suite());
	srunner_add_suite(sr, limits_suite());
	srunner_add_suite(sr, userdb_suite());
	srunner_add_suite(sr, tlskey_suite());
	srunner_add_suite(sr, netlist_suite());
	srunner_add_suite(sr, xferlog_suite());
	srunner_add_suite(sr, seccomp_suite());
	srunner_add_suite(sr, ratelimit_suite());
	srunner_add_suite(sr, monitor_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
