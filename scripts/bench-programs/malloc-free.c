/* 1,000,000 malloc/free pairs of 32..256 bytes (or argv[1] pairs): pure allocator-event
 * cost. */
#include <stdio.h>
#include <stdlib.h>


/* A volatile sink keeps -O2 from deleting each malloc/free pair. */
static void *volatile sink;

int main(int argc, char **argv)
{
	long pairs = argc > 1 ? atol(argv[1]) : 1000000;
	unsigned x = 12345;
	for (long i = 0; i < pairs; i++) {
		x = x * 1103515245u + 12345u;
		size_t size = 32 + (x >> 16) % 225;
		char *p = malloc(size);
		if (!p)
			return 1;
		p[0] = (char)i;
		sink = p;
		free(p);
	}
	printf("done\n");
	return 0;
}
