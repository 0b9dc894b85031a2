/*
 * idlemem.c - give back, while a session idles, the memory only its
 * commands use (idlemem.h says when and why).
 *
 * MADV_DONTNEED on private anonymous memory drops the pages: the next
 * read of them gives zeros, the next write a fresh page.  That is right
 * for what is released here, and only for it:
 *
 * - the stack below the session loop's frame: dead by definition while
 *   the loop waits (what lies below the stack pointer is garbage; the
 *   next call overwrites it).  STACK_MARGIN bytes below our own frame
 *   stay, for madvise's own call.  The range starts STACK_WINDOW below
 *   the top child_main saw; nothing but the stack can be mapped there:
 *   the kernel puts mappings below the stack's rlimit and guard gap,
 *   and this process maps nothing at a fixed address.  What of the
 *   range is not mapped (below the stack's lowest page) madvise skips,
 *   answering ENOMEM, which is ignored;
 * - scratch buffers registered by their users: static arrays whose
 *   content is never used from one command to the next.  Only pages
 *   wholly inside a buffer are released, never a neighbour's;
 * - the heap's free memory (malloc_trim).
 *
 * Every call is one the seccomp filters of every child kind allow
 * (madvise, brk: sandbox/seccomp.c, base_calls).
 */
#include <malloc.h>
#include <stdint.h>
#include <sys/mman.h>

#include "../../common/util.h"
#include "idlemem.h"

#define STACK_WINDOW (256 * 1024)
#define STACK_MARGIN 1024
#define PAGE 4096u

/* In .data, whose pages every child has written already (its
 * relocations), rather than in a page of .bss of their own. */
#define IN_DATA __attribute__((section(".data")))
static uintptr_t stack_top IN_DATA;
static struct scratch {
	char *p;
	size_t n;
} scratch[12] IN_DATA;
static size_t nscratch IN_DATA;

void
idlemem_init(const void *top)
{
	stack_top = (uintptr_t)top;
}

void
idlemem_scratch(void *buf, size_t n)
{
	size_t i;

	for (i = 0; i < nscratch; i++)
		if (scratch[i].p == buf)
			return;
	if (nscratch < ARRAY_SIZE(scratch)) {
		scratch[nscratch].p = buf;
		scratch[nscratch].n = n;
		nscratch++;
	}
}

/* The whole pages of [lo, hi). */
static void
give_back(uintptr_t lo, uintptr_t hi)
{
	lo = (lo + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
	hi &= ~(uintptr_t)(PAGE - 1);
	if (hi > lo)
		(void)madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

__attribute__((noinline)) void
idlemem_release(void)
{
	volatile char here = 0;
	uintptr_t sp = (uintptr_t)&here;
	size_t i;

	if (stack_top > STACK_WINDOW && sp < stack_top &&
	    sp - STACK_MARGIN > stack_top - STACK_WINDOW)
		give_back(stack_top - STACK_WINDOW, sp - STACK_MARGIN);
	for (i = 0; i < nscratch; i++)
		give_back((uintptr_t)scratch[i].p,
		    (uintptr_t)scratch[i].p + scratch[i].n);
	malloc_trim(0);
}
