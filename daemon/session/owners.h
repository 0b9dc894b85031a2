/*
 * owners.h - owner and group names for LIST (owners.c), from the table
 * the master hands every logged-in child (daemon/master/idnames.c): a
 * child cannot read the account databases itself.  Without the table
 * (hide_ids), listings show "ftp ftp" for every entry.
 */
#ifndef SANDFTPD_OWNERS_H
#define SANDFTPD_OWNERS_H

#include <stdint.h>

/* Read the table from fd (before the sandbox closes). */
void owners_load(int fd);
/* hide_ids: every owner and group is "ftp". */
void owners_hide(void);
/* The name of uid / gid: from the table, else the number in buf. */
const char *owners_user(uint32_t uid, char *buf, unsigned n);
const char *owners_group(uint32_t gid, char *buf, unsigned n);

#endif
