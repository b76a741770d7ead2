/* memalign: one leak each from posix_memalign, aligned_alloc, memalign and valloc.
 * No pvalloc: valgrind 3.19 does not implement it and aborts the program when it is called. */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	void *a = NULL;
	int rc = posix_memalign(&a, 64, 100);
	void *b = aligned_alloc(128, 256);
	void *c = memalign(32, 50);
	void *d = valloc(10);
	printf("memalign: %d %d\n", rc, a && b && c && d);
	a = b = c = d = NULL;
	return 0;
}
