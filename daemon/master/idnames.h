/*
 * idnames.h - the owner and group names children show in listings
 * (idnames.c).  A child cannot read /etc/passwd or /etc/group (its root
 * is the served tree); the master reads the account databases and hands
 * each logged-in child a sealed, read-only memfd of "u UID NAME" and
 * "g GID NAME" lines.  Pre-login children get none.
 */
#ifndef SANDFTPD_IDNAMES_H
#define SANDFTPD_IDNAMES_H

#define IDNAMES_MAX 65536	/* entries of each kind */
#define IDNAMES_BYTES_MAX (4u << 20)

/* A new sealed memfd with the current names, or -1 (logged). */
int idnames_build(void);

#endif
