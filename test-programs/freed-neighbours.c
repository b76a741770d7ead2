/* freed-neighbours: malloc A, B, C; free A and C; leak B. glibc's free lists (tcache,
 * fastbins, unsorted bin) then hold pointers to the chunks around B, and B's own chunk
 * header sits next to them; none of that may make B look reachable: definitely lost.
 * Sizes cover tcache (32), and large chunks that go to the unsorted bin (2000). */
#include <stdio.h>
#include <stdlib.h>

static void *alloc(size_t n)
{
	return malloc(n);
}

int main(void)
{
	void *a = alloc(32), *b = alloc(32), *c = alloc(32);
	void *big_a = alloc(2000), *big_b = alloc(2000), *big_c = alloc(2000);
	void *guard = alloc(16);
	free(a);
	free(c);
	free(big_a);
	free(big_c);
	free(guard);
	printf("freed-neighbours: %d\n", b != NULL && big_b != NULL);
	b = big_b = NULL;
	return 0;
}
