/*
 * worker.h - entry of worker mode (a pool child after exec).
 */
#ifndef SANDFTPD_WORKER_H
#define SANDFTPD_WORKER_H

/* The hidden command-line switch the master execs its own binary with. */
#define WORKER_ARG "--worker"

int worker_main(void);

#endif
