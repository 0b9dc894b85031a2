/*
 * child.h - a child's start (child.c): `sandftpd --child`, exec'd by the
 * master.  It reads its settings, enters its sandbox, reports READY, and
 * serves one session.
 */
#ifndef SANDFTPD_CHILD_H
#define SANDFTPD_CHILD_H

int child_main(void);

#endif
