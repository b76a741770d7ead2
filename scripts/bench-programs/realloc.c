/* 300,000 reallocs: 3,000 blocks each grown 100 times by 16 bytes, then freed (or argv[1]
 * blocks): the cost of a realloc, which moves the block now and then. */
#include <stdio.h>
#include <stdlib.h>

static char *volatile sink;

int main(int argc, char **argv)
{
	long blocks = argc > 1 ? atol(argv[1]) : 3000;
	for (long b = 0; b < blocks; b++) {
		char *p = NULL;
		for (int i = 1; i <= 100; i++) {
			p = realloc(p, (size_t)i * 16);
			if (!p)
				return 1;
			p[0] = (char)i;
			sink = p;
		}
		free(p);
	}
	printf("done\n");
	return 0;
}
