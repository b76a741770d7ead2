/* invalid-free: free() of addresses that were never returned by malloc: a pointer into the
 * middle of a live block, a stack address and a global. glibc aborts on each natively
 * ("free(): invalid pointer"); memcheck and leaktrace report InvalidFree and skip the call. */
#include <stdio.h>
#include <stdlib.h>

int global_int;

static void free_it(void *p)
{
	free(p);
}

int main(void)
{
	char *block = malloc(40);
	int on_stack = 0;
	free_it(block + 8);
	free_it(&on_stack);
	free_it(&global_int);
	printf("invalid-free: survived\n");
	free(block);
	return 0;
}
