/* sigsegv-stale: a block lost in a function that has returned, whose pointer still lies
 * just below the stack pointer (within the 128-byte red zone) when the program dies by
 * SIGSEGV.  memcheck reports it definitely lost.  leaktrace clears the dead stack at
 * exit() but, at a fatal signal, scans the red zone below the dying thread's stack
 * pointer and calls the block still reachable (issue 13, item 2). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

static char *ro;

static __attribute__((noinline)) void lose(void)
{
	char *volatile p = malloc(48); /* in lose()'s frame, a few words below main's */
	p[0] = 'x';
}

int main(void)
{
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("sigsegv-stale: %d\n", ro != MAP_FAILED);
	fflush(stdout);
	lose();
	ro[0] = 1; /* a store to a read-only page: SIGSEGV, no call in between */
	return 0;
}
