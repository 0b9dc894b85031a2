/*
 * reap.h - collecting our exited processes by pid (reap.c).
 */
#ifndef SANDFTPD_REAP_H
#define SANDFTPD_REAP_H

#include <stdint.h>
#include <sys/types.h>

struct master;

void reap_expect(pid_t pid);
void reap_expected(struct master *m);
void reap_sigchld(struct master *m);
void reap_sweep_if_due(struct master *m, int64_t now);

#endif
