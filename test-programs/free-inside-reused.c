/* free-inside-reused: a block is freed and its memory handed out again at once (glibc's
 * tcache); then a free of a pointer 16 bytes into the new block.  memcheck, whose
 * allocator never reuses a freed block while it is queued, describes the address by the
 * live block ("16 bytes inside a block of size 64 alloc'd"); so must leaktrace, whose
 * freed queue still holds the old block at the same address. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	char *volatile a = malloc(64);
	free(a);
	char *volatile b = malloc(64);
	free(b + 16);
	free(b);
	printf("free-inside-reused: done\n");
	return 0;
}
