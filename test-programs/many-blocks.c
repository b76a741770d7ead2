/* many-blocks: 100,000 small blocks leaked from one site, plus 50,000 malloc/free pairs. */
#include <stdio.h>
#include <stdlib.h>

static void *small(size_t n)
{
	return malloc(n);
}

int main(void)
{
	for (int i = 0; i < 100000; i++)
		small(8 + (size_t)(i % 3) * 8);
	for (int i = 0; i < 50000; i++)
		free(small(32));
	printf("many-blocks: done\n");
	return 0;
}
