/* stack-top: allocator calls straight from main(), whose frame sits a few hundred bytes
 * below the end of the stack mapping (scenario stack-top runs it with an empty environment
 * and no address randomisation to make sure): 5,000 malloc/free pairs and one leak. */
#include <stdio.h>
#include <stdlib.h>

static void *volatile sink;

int main(void)
{
	for (int i = 0; i < 5000; i++) {
		char *p = malloc(32 + (size_t)(i % 200));
		p[0] = (char)i;
		sink = p;
		free(p);
	}
	sink = NULL;
	char *leak = malloc(77);
	leak[0] = 1;
	leak = NULL;
	printf("stack-top: done\n");
	return 0;
}
