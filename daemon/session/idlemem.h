/*
 * idlemem.h - what a session gives back to the kernel when it idles.
 *
 * A process keeps every page it ever wrote.  A session that listed a
 * directory or sent a file in ASCII keeps its 64-256 kB scratch buffers
 * and the deepest point its stack reached, for as long as it stays
 * connected: on a mirror, thousands of sessions that mostly wait.  Once
 * a session has waited for a command for IDLEMEM_AFTER_MS, the session
 * loop calls idlemem_release(): the pages of the stack below the loop,
 * of the scratch buffers and the heap's free memory go back (they read
 * as zero, or come back from the heap, when next used).  A busy session
 * never pays for it: it only happens after a wait.
 */
#ifndef SANDFTPD_IDLEMEM_H
#define SANDFTPD_IDLEMEM_H

#include <stddef.h>

#define IDLEMEM_AFTER_MS 1000

/* The stack's top, as child_main sees it (before the session's frames). */
void idlemem_init(const void *stack_top);
/*
 * buf (static storage, n bytes) holds nothing from one command to the
 * next: its whole pages may be given back while the session idles.
 * Called where it is used; registering again is free (the first size
 * stays).  A buffer of a few kB should be IDLEMEM_PAGES(type): storage
 * of whole pages, so that no other variable shares its first or last
 * page and all of it can be given back.
 */
#define IDLEMEM_PAGES(T) union { \
	T v; \
	char pages[(sizeof(T) + 4095) / 4096 * 4096]; \
} __attribute__((aligned(4096)))
void idlemem_scratch(void *buf, size_t n);
/* Give back what idling does not need.  Never inlined: its own frame
 * is where "below the loop" starts. */
void idlemem_release(void);

#endif
