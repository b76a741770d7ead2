/* mmap-region: pointers stored in anonymous mappings: read-write (reachable), read-only
 * after the store, PROT_NONE after the store, and a mapping unmapped after the store
 * (nothing left to find: definitely lost). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

static void **region(void)
{
	void **r = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return r == MAP_FAILED ? NULL : r;
}

int main(void)
{
	void **rw = region(), **ro = region(), **none = region(), **gone = region();
	if (!rw || !ro || !none || !gone)
		return 2;
	rw[5] = malloc(11);
	ro[6] = malloc(22);
	none[7] = malloc(33);
	gone[8] = malloc(44);
	mprotect(ro, 4096, PROT_READ);
	mprotect(none, 4096, PROT_NONE);
	munmap(gone, 4096);
	printf("mmap-region: done\n");
	return 0;
}
