/* reallocarray-name: blocks from reallocarray(), which glibc implements as a tail call
 * of realloc().  memcheck replaces realloc and names the allocator frame "realloc", so
 * suppressions written for memcheck say fun:realloc; the frame below it is the caller
 * of reallocarray (issue 13, item 6). */
#include <stdio.h>
#include <stdlib.h>

void *keep;

int main(void)
{
	int *lost = reallocarray(NULL, 10, sizeof(int));
	keep = reallocarray(NULL, 5, 8);
	keep = reallocarray(keep, 50, 8);
	printf("reallocarray-name: %d\n", lost != NULL);
	lost = NULL;
	return 0;
}
