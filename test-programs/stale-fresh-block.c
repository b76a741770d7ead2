/* stale-fresh-block: a new block that reuses a freed chunk still holds what its
 * earlier owner wrote there.  Here the only pointer to a 10-byte block is such a
 * leftover word in a fresh block the program keeps but never writes: memcheck sees
 * that word as undefined and calls the 10 bytes definitely lost; leaktrace, which
 * cannot track definedness, zeroes glibc's new blocks (--zero-new-blocks=yes) so
 * that it agrees (issue 13, item 2).  The program never reads the fresh block. */
#include <stdlib.h>

void **keep;

int main(void)
{
	void **a = malloc(64);
	a[3] = malloc(10);
	free(a);
	keep = malloc(64); /* a's chunk, back from glibc's tcache */
	return 0;
}
