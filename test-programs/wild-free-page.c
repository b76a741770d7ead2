/* wild-free-page: free and realloc of a page-aligned wild pointer whose page is not
 * mapped, while the 8 bytes before it (the page before) look like a chunk size.  The fast
 * path's checks read the word after the pointer: that load faults, and must be taken for a
 * suspect free (Invalid free, the call kept from glibc), not delivered to the program. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(void)
{
	char *volatile m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return 1;
	munmap(m + 4096, 4096);
	*(uint64_t *)(m + 4096 - 8) = 0x41; /* a chunk size with PREV_INUSE */
	free(m + 4096);
	void *r = realloc(m + 4096, 10);
	printf("wild-free-page: survived, realloc %s\n", r ? "moved" : "NULL");
	return 0;
}
