/*
 * suites.h - the unit test suites; main.c runs them all.
 */
#ifndef SANDFTPD_UNIT_SUITES_H
#define SANDFTPD_UNIT_SUITES_H

#include <check.h>

Suite *parser_suite(void);
Suite *reply_suite(void);
Suite *path_suite(void);
Suite *ftpaddr_suite(void);
Suite *config_suite(void);
Suite *ipc_suite(void);
Suite *listing_suite(void);
Suite *wildcard_suite(void);
Suite *ascii_suite(void);
Suite *util_suite(void);
Suite *limits_suite(void);
Suite *userdb_suite(void);
Suite *tlskey_suite(void);
Suite *netlist_suite(void);
Suite *xferlog_suite(void);
Suite *seccomp_suite(void);
Suite *ratelimit_suite(void);
Suite *monitor_suite(void);

#endif
